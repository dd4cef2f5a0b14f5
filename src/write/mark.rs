//! The marked copy: the branch's own workbook sent back with every cell a finding names marked.
//!
//! For an `.xlsx` or `.xlsm` package the file is **edited, not rebuilt**: only the parts that
//! must change are rewritten, every other zip entry is copied raw, byte for byte (formulas and
//! their cached values, defined names, data validation, conditional formats, print settings,
//! charts, images, macros):
//! - the marked sheets: the marked cells' `s=` style index (nothing else of the cell: its value,
//!   its shared or inline string, its formula stay as they were), cells a finding names that
//!   the sheet does not hold added in row and column order, and a `<legacyDrawing>` link to
//!   their notes when the sheet had none;
//! - `xl/styles.xml`: for each (cell format, mark) a new `<xf>` appended to `cellXfs`, a copy
//!   of the cell's own (font, border, number format, alignment, protection) with a new solid
//!   `<fill>` appended to `fills`;
//! - the notes: `xl/commentsN.xml` and `xl/drawings/vmlDrawingN.vml` with the sheet's
//!   relationships — a note the branch already had on a cell is kept and crossfoot's text is
//!   added after it;
//! - one sheet at the end listing the findings with links to their cells (`xl/workbook.xml`,
//!   its relationships, `[Content_Types].xml`);
//! - `docProps/custom.xml`: crossfoot's mark ([`crate::read::sniff::MARKED_MARK`]).
//!
//! `docProps/app.xml` is left as it was (its list of sheet titles does not name the new sheet;
//! spreadsheet programs rebuild it on saving and do not read it).
//!
//! A package that cannot be edited safely (strict OOXML, encrypted entries, a part beyond the
//! caps, a structure this module does not know, an XML part that is not well-formed —
//! `malformed_xml`) and every `.ods`, `.xls` and `.xlsb` get a
//! **rebuilt** copy instead ([`crate::write::annotate::rebuilt_copy`]: values, formulas on the
//! allow-list, merges; not the branch's formatting), with the reason in the findings sheet.
//!
//! Which cells get the strong mark is [`strongest_cells`]: for a finding the localisation
//! explains ([`crate::explain::localise`]), its cells that the most likely explanation changes; for
//! any other finding its first cell (the left side of the check).

use crate::finding::{CellLoc, Finding, Severity};
use crate::model::CellRef;
use crate::read::load::Limits;
use crate::read::sniff::Container;
use crate::registry::MarkWords;
use crate::result::{FileResult, Status};
use crate::write::annotate::{self, Lang};
use quick_xml::events::{BytesStart, Event};
use quick_xml::XmlVersion;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Cursor, Read, Write};

/// Largest part of a package this module reads to edit it (a sheet, the styles, the notes).
pub const MAX_PART_BYTES: u64 = 256 * 1024 * 1024;

/// How the copy was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// The branch's own package, edited: everything not marked is as it was.
    Edited,
    /// Rebuilt from the values read (the branch's formatting is not kept), with why.
    Rebuilt(String),
}

/// A marked copy.
#[derive(Debug, Clone)]
pub struct Marked {
    pub bytes: Vec<u8>,
    pub how: How,
    /// The extension the copy is saved under: `xlsm` for a package with macros, else `xlsx`.
    pub extension: &'static str,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}", crate::messages::render(crate::registry::DiagWords::of(*.lang).cannot_mark, &[("file", .file), ("reason", .reason)]))]
#[diagnostic(code(crossfoot::write::mark))]
pub struct MarkError {
    pub file: String,
    pub reason: String,
    /// The language it is said in (the reason of a copy that could not be built is English).
    pub lang: Lang,
}

/// The cells of a finding that get the strong mark: the ones most likely wrong. For a finding
/// an explanation resolves, the finding's cells that the explanation's most likely changes
/// name (none when they are elsewhere: the finding's own cells then get a light mark); for any
/// other finding, the first cell it names (the left side of the check).
pub fn strongest_cells<'f>(r: &FileResult, f: &'f Finding) -> Vec<&'f CellLoc> {
    if annotate::explanation_of(r, f).is_some() {
        let likely = annotate::likely_changes(r);
        return f
            .cells
            .iter()
            .filter(|c| {
                c.file.is_none()
                    && likely
                        .iter()
                        .any(|l| l.sheet == c.sheet && l.cell == c.cell)
            })
            .collect();
    }
    f.cells.iter().take(1).collect()
}

/// The name of the marked copy of the file named `name` (its file name only), read as
/// `container`: `<stem>.checked.xlsx` (`.kiem-tra.` in Vietnamese), `.xlsm` kept for a
/// workbook with macros; a converted copy (`.ods`, `.xls`, `.xlsb`) says what it was made
/// from: `<stem>.from-xls.checked.xlsx` (`.tu-xls.kiem-tra.`). A character of the name a
/// terminal would obey or not show ([`crate::safe::hidden`]: ESC, a direction override, a
/// zero-width space) becomes `_` in the copy's.
pub fn copy_name(name: &str, container: Container, lang: Lang, extension: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, e.to_ascii_lowercase()),
        _ => (name, String::new()),
    };
    let stem: String = stem
        .chars()
        .map(|c| if crate::safe::hidden(c) { '_' } else { c })
        .collect();
    let ext: String = ext
        .chars()
        .map(|c| if crate::safe::hidden(c) { '_' } else { c })
        .collect();
    let word = words(lang).copy_word;
    let converted = match container {
        Container::Xlsx => None,
        Container::Ods => Some("ods"),
        Container::Xls => Some("xls"),
        Container::Xlsb => Some("xlsb"),
    };
    match converted {
        Some(from) => {
            let from = if ext.is_empty() { from } else { ext.as_str() };
            let pre = words(lang).copy_from;
            format!("{stem}.{pre}-{from}.{word}.xlsx")
        }
        None => format!("{stem}.{word}.{extension}"),
    }
}

/// Makes the marked copy of one checked workbook (`bytes`, read as `container`). An `.xlsx`
/// or `.xlsm` package is edited; should that not be safe, or for other formats, the copy is
/// rebuilt from `result.kept` (the sheets the check kept: run with sheets kept).
pub fn mark_workbook(
    bytes: &[u8],
    container: Container,
    result: &FileResult,
    lang: Lang,
    limits: &Limits,
) -> Result<Marked, MarkError> {
    let why = match container {
        Container::Xlsx => match edit_package(bytes, result, lang, limits) {
            Ok(m) => return Ok(m),
            Err(Cannot(why)) => why,
        },
        Container::Ods => words(lang).rebuilt_ods.to_string(),
        Container::Xls | Container::Xlsb => words(lang).rebuilt_binary.to_string(),
    };
    rebuild(result, lang, why)
}

// ---------------------------------------------------------------------------------------------
// Words: the registry's ([`MarkWords`])

fn words(lang: Lang) -> &'static MarkWords {
    MarkWords::of(lang)
}

// ---------------------------------------------------------------------------------------------
// Marks

/// What the findings say about one cell.
struct CellMark<'a> {
    severity: Severity,
    strong: bool,
    /// (finding, this cell is one it most suspects, the cell it most suspects).
    findings: Vec<(&'a Finding, bool, Option<&'a str>)>,
    /// The most likely correction of this cell ("probably 2.674 — off by one"), when the
    /// localisation of findings gives one.
    explained: Option<&'a str>,
}

impl CellMark<'_> {
    /// The fill colour (RGB) of this cell's mark.
    fn colour(&self) -> u32 {
        let (strong, light) = annotate::mark_fill(self.severity);
        if self.strong {
            strong
        } else {
            light
        }
    }
}

/// The marks of one file, by sheet name (as the reader named the sheet) and cell.
fn marks(r: &FileResult) -> BTreeMap<&str, BTreeMap<CellRef, CellMark<'_>>> {
    let mut out: BTreeMap<&str, BTreeMap<CellRef, CellMark<'_>>> = BTreeMap::new();
    let likely = annotate::likely_changes(r);
    for f in &r.findings {
        let strongest = strongest_cells(r, f);
        let suspect = strongest.first().map(|c| c.cell.as_str());
        let strong: BTreeSet<(&str, &str)> = strongest
            .into_iter()
            .map(|c| (c.sheet.as_str(), c.cell.as_str()))
            .collect();
        let mut seen = BTreeSet::new();
        for c in &f.cells {
            if c.file.is_some() {
                continue;
            }
            let Some(at) = CellRef::parse_a1(&c.cell) else {
                continue;
            };
            if !seen.insert((c.sheet.as_str(), at)) {
                continue;
            }
            let is_strong = strong.contains(&(c.sheet.as_str(), c.cell.as_str()));
            let m = out
                .entry(c.sheet.as_str())
                .or_default()
                .entry(at)
                .or_insert(CellMark {
                    severity: f.severity,
                    strong: is_strong,
                    findings: vec![],
                    explained: annotate::cell_explained(r, &likely, &c.sheet, &c.cell),
                });
            if (f.severity, is_strong) > (m.severity, m.strong) {
                m.severity = f.severity;
                m.strong = is_strong;
            }
            m.findings.push((f, is_strong, suspect));
        }
    }
    out
}

/// The note crossfoot adds to the cell `at` of the sheet `sheet_name`: every finding about it,
/// the strongest first, each with the check's figures on the cell the check tests and on any
/// other cell that cell's own figure (from `sheet`, the sheet as the check read it) and its
/// part in the check ([`crate::write::note::figures_line`], as the review workbook's notes).
fn note_text(
    cm: &CellMark<'_>,
    lang: Lang,
    sheet_name: &str,
    at: CellRef,
    sheet: Option<&crate::model::Sheet>,
) -> String {
    let w = words(lang);
    let figures = crate::write::note::FigureWords {
        expected: w.expected,
        found: w.found,
        difference: w.difference,
    };
    let mut list: Vec<&(&Finding, bool, Option<&str>)> = cm.findings.iter().collect();
    list.sort_by_key(|f| std::cmp::Reverse(f.0.severity));
    let mut parts = Vec::new();
    if let Some(probably) = cm.explained {
        parts.push(format!("crossfoot: {probably}"));
    }
    for (f, strong, suspect) in list {
        let message = crate::write::xlsx_limits::fit_text(&f.message, 2_000).0;
        let mut s = format!(
            "crossfoot [{}] {}\n{message}",
            w.severity(f.severity),
            f.rule
        );
        if let Some(line) =
            crate::write::note::figures_line(f, sheet_name, at, sheet, lang, figures)
        {
            s.push('\n');
            s.push_str(&line);
        }
        if !strong {
            if let Some(c) = suspect {
                s.push_str(&format!("\n({} {c})", w.most_suspect));
            }
        }
        parts.push(s);
    }
    crate::write::xlsx_limits::note_text(&parts.join("\n\n")).into_owned()
}

// ---------------------------------------------------------------------------------------------
// The rebuilt copy

fn rebuild(result: &FileResult, lang: Lang, why: String) -> Result<Marked, MarkError> {
    let fail = |reason: String| MarkError {
        file: result.path.clone(),
        reason,
        lang,
    };
    let w = words(lang);
    let (mut wb, mut taken) =
        annotate::rebuilt_copy(result, lang).map_err(|e| fail(e.to_string()))?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_author("crossfoot")
            .set_custom_property(
                crate::read::sniff::MARK_PROPERTY,
                crate::read::sniff::MARKED_MARK,
            ),
    );
    let name = crate::write::xlsx_limits::unique_sheet_name(w.sheet_name, &mut taken);
    let ws = wb.add_worksheet();
    ws.set_name(&name).map_err(|e| fail(e.to_string()))?;
    let rows = findings_rows(result, lang, &format!("{} {why}", w.rebuilt));
    let body = rust_xlsxwriter::Format::new()
        .set_align(rust_xlsxwriter::FormatAlign::Top)
        .set_text_wrap();
    let bold = body
        .clone()
        .set_bold()
        .set_background_color(rust_xlsxwriter::Color::RGB(HEADING_FILL));
    let link = body
        .clone()
        .set_font_color(rust_xlsxwriter::Color::RGB(0x0563C1))
        .set_underline(rust_xlsxwriter::FormatUnderline::Single);
    let xe = |e: rust_xlsxwriter::XlsxError| fail(e.to_string());
    // The findings sheet is crossfoot's own: it shows what the inputs hold, and obeys none of it.
    let shown = |t: &str| crate::safe::workbook(t).into_owned();
    for (ri, row) in rows.iter().enumerate() {
        let r = ri as u32;
        for (ci, cell) in row.iter().enumerate() {
            let c = ci as u16;
            match cell {
                Out::Text(t) if ri == 2 => {
                    let t = shown(t);
                    ws.write_string_with_format(r, c, t, &bold).map_err(xe)?;
                }
                Out::Text(t) if ri == 0 => {
                    ws.write_string(r, c, shown(t)).map_err(xe)?;
                }
                Out::Text(t) => {
                    ws.write_string_with_format(r, c, shown(t), &body)
                        .map_err(xe)?;
                }
                Out::Number(n) => {
                    ws.write_number_with_format(r, c, *n, &body).map_err(xe)?;
                }
                Out::Link { text, sheet } => {
                    let text = &shown(text);
                    let target = format!(
                        "internal:{}!{text}",
                        rust_xlsxwriter::utility::quote_sheet_name(sheet)
                    );
                    if taken.contains(&sheet.to_lowercase()) {
                        ws.write_url_with_format(
                            r,
                            c,
                            rust_xlsxwriter::Url::new(target).set_text(text),
                            &link,
                        )
                        .map_err(xe)?;
                    } else {
                        ws.write_string_with_format(r, c, text, &body).map_err(xe)?;
                    }
                }
                Out::Empty => {}
            }
        }
    }
    for (c, width) in COLUMN_WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *width).map_err(xe)?;
    }
    // As the edited copy's findings sheet: A4 landscape, one page across, the headings
    // (row 3) frozen, filtered and repeated, each row as tall as its tallest text.
    for (ri, row) in rows.iter().enumerate().skip(1) {
        let lines = row
            .iter()
            .zip(COLUMN_WIDTHS)
            .map(|(c, w)| match c {
                Out::Text(t) => annotate::wrapped_lines(t, w),
                _ => 1,
            })
            .max()
            .unwrap_or(1);
        ws.set_row_height(ri as u32, annotate::row_height(lines))
            .map_err(xe)?;
    }
    ws.set_paper_size(annotate::A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.5, 0.6, 0.3, 0.3)
        .set_footer("&L&A&R&P / &N");
    ws.set_repeat_rows(2, 2).map_err(xe)?;
    ws.set_freeze_panes(3, 0).map_err(xe)?;
    let last = (rows.len().max(4) - 1) as u32;
    ws.autofilter(2, 0, last, COLUMN_WIDTHS.len() as u16 - 1)
        .map_err(xe)?;
    let bytes = wb.save_to_buffer().map_err(xe)?;
    Ok(Marked {
        bytes,
        how: How::Rebuilt(why),
        extension: "xlsx",
    })
}

// ---------------------------------------------------------------------------------------------
// The findings sheet's content, for either copy

enum Out {
    Text(String),
    Number(f64),
    /// A cell address, linked to that cell of `sheet`.
    Link {
        text: String,
        sheet: String,
    },
    Empty,
}

/// The findings sheet's columns: sheet, cell, severity, rule, message, expected, found,
/// difference, note — one table across an A4 page in landscape.
const COLUMN_WIDTHS: [f64; 9] = [14.0, 7.0, 9.0, 18.0, 48.0, 10.0, 10.0, 10.0, 48.0];

/// Row 0: what this copy is; row 1 empty; row 2 the headings; then one row per finding, its
/// first cell in the file linked, and in the last column what the note on that cell says
/// beyond the finding's message: the most likely correction, or which cell is the most
/// suspect (notes are not printed; this column is).
fn findings_rows(r: &FileResult, lang: Lang, about: &str) -> Vec<Vec<Out>> {
    let w = words(lang);
    let likely = annotate::likely_changes(r);
    let mut rows = vec![
        vec![Out::Text(about.to_string())],
        vec![],
        w.headings
            .iter()
            .map(|h| Out::Text(h.to_string()))
            .collect(),
    ];
    if r.findings.is_empty() {
        rows.push(vec![Out::Text(w.none.to_string())]);
    }
    for f in &r.findings {
        let own = f.cells.iter().find(|c| c.file.is_none());
        let sheet = own
            .map(|c| c.sheet.clone())
            .or_else(|| f.sheet.clone())
            .unwrap_or_default();
        let cell = match own {
            Some(c) => Out::Link {
                text: c.cell.clone(),
                sheet: c.sheet.clone(),
            },
            None => Out::Empty,
        };
        let num = |v: Option<f64>| v.filter(|x| x.is_finite()).map_or(Out::Empty, Out::Number);
        let message = crate::write::xlsx_limits::fit_text(&f.message, 30_000)
            .0
            .into_owned();
        let mut note = Vec::new();
        if let Some(c) = own {
            if let Some(l) = likely
                .iter()
                .find(|l| l.sheet == c.sheet && l.cell == c.cell)
            {
                note.push(format!("crossfoot: {}", l.note));
            }
            let strongest = strongest_cells(r, f);
            if !strongest
                .iter()
                .any(|s| s.sheet == c.sheet && s.cell == c.cell)
            {
                if let Some(s) = strongest.first() {
                    note.push(format!("({} {})", w.most_suspect, s.cell));
                }
            }
        }
        rows.push(vec![
            Out::Text(sheet),
            cell,
            Out::Text(w.severity(f.severity).to_string()),
            Out::Text(f.rule.clone()),
            Out::Text(message),
            num(f.expected),
            num(f.actual),
            num(f.difference),
            Out::Text(note.join("\n")),
        ]);
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Editing the package

/// Why a package is not edited (it is rebuilt instead).
#[derive(Debug)]
struct Cannot(String);

fn cannot<T>(why: impl Into<String>) -> Result<T, Cannot> {
    Err(Cannot(why.into()))
}

const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL_WORKSHEET: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
const REL_COMMENTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments";
const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
const REL_STYLES: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles";
const REL_CUSTOM: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties";
const REL_OFFICE_DOC: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument";
const CT_WORKSHEET: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
const CT_CUSTOM: &str = "application/vnd.openxmlformats-officedocument.custom-properties+xml";

/// The zip package, read within the caps.
struct Package<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Entry names as stored, in order.
    names: Vec<String>,
    /// Lowercased name → index.
    index: BTreeMap<String, usize>,
}

impl<'a> Package<'a> {
    fn open(bytes: &'a [u8], limits: &Limits) -> Result<Package<'a>, Cannot> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| Cannot(format!("the zip package cannot be read ({e})")))?;
        let mut names = Vec::with_capacity(zip.len());
        let mut index = BTreeMap::new();
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let f = zip
                .by_index_raw(i)
                .map_err(|e| Cannot(format!("a zip entry cannot be read ({e})")))?;
            if f.encrypted() {
                return cannot("the package is encrypted");
            }
            total = total.saturating_add(f.size());
            let name = f
                .name()
                .map_err(|_| Cannot("a zip entry's name cannot be read".to_string()))?
                .into_owned();
            if index.insert(name.to_lowercase(), i).is_some() {
                return cannot(format!("two zip entries are named {name}"));
            }
            names.push(name);
        }
        if total > limits.max_unzipped_bytes {
            return cannot("the package unpacks beyond the size cap");
        }
        Ok(Package { zip, names, index })
    }

    /// The stored name of a part (case-insensitive match).
    fn stored(&self, name: &str) -> Option<String> {
        self.index
            .get(&name.to_lowercase())
            .map(|&i| self.names[i].clone())
    }

    /// A part's bytes, None when absent; within [`MAX_PART_BYTES`].
    fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, Cannot> {
        let Some(&i) = self.index.get(&name.to_lowercase()) else {
            return Ok(None);
        };
        let f = self
            .zip
            .by_index(i)
            .map_err(|e| Cannot(format!("{name} cannot be read ({e})")))?;
        if f.size() > MAX_PART_BYTES {
            return cannot(format!("{name} is beyond the part size cap"));
        }
        let mut buf = Vec::with_capacity(f.size() as usize);
        f.take(MAX_PART_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Cannot(format!("{name} cannot be unpacked ({e})")))?;
        if buf.len() as u64 > MAX_PART_BYTES {
            return cannot(format!("{name} is beyond the part size cap"));
        }
        Ok(Some(buf))
    }

    fn need(&mut self, name: &str) -> Result<Vec<u8>, Cannot> {
        self.read(name)?
            .ok_or_else(|| Cannot(format!("the package has no {name}")))
    }

    /// Why the XML part at `i` is not well-formed XML ([`malformed_xml`]), None when it is or
    /// is no XML in UTF-8; read through, not kept (a part copied raw is checked without holding
    /// it).
    fn malformed(&mut self, i: usize) -> Result<Option<String>, Cannot> {
        let name = self.names[i].clone();
        let f = self
            .zip
            .by_index(i)
            .map_err(|e| Cannot(format!("{name} cannot be read ({e})")))?;
        malformed_xml(f.take(MAX_PART_BYTES + 1))
            .map_err(|e| Cannot(format!("{name} cannot be unpacked ({e})")))
    }
}

/// Why the XML read from `r` is not well-formed, None when it is or is no XML in UTF-8
/// ([`utf8_xml`]): a control character XML does not allow (some tools write a sheet name's ESC
/// raw), a syntax error, an end tag that is not its element's, text or a second element
/// outside the root, an entity XML does not predefine, a character reference to a character
/// XML does not allow. A marked copy edited from such a part would not be XML either: it is
/// rebuilt instead.
fn malformed_xml(r: impl Read) -> std::io::Result<Option<String>> {
    use std::io::BufRead;
    let mut input = std::io::BufReader::with_capacity(
        64 * 1024,
        Watch {
            inner: r,
            forbidden: false,
        },
    );
    if !utf8_xml(input.fill_buf()?) {
        return Ok(None);
    }
    let xml_char = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let (mut depth, mut roots) = (0usize, 0usize);
    let why = loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(quick_xml::Error::Io(e)) => return Err(std::io::Error::other(e.to_string())),
            Err(e) => break Some(e.to_string()),
        };
        let attributes_ok = |e: &BytesStart| {
            e.attributes().all(|a| {
                a.ok()
                    .and_then(|a| {
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .ok()
                            .map(|v| v.chars().all(xml_char))
                    })
                    .unwrap_or(false)
            })
        };
        match event {
            Event::Eof => break None,
            Event::Start(e) => {
                roots += usize::from(depth == 0);
                depth += 1;
                if !attributes_ok(&e) {
                    break Some("an attribute that cannot be read".to_string());
                }
            }
            Event::Empty(e) => {
                roots += usize::from(depth == 0);
                if !attributes_ok(&e) {
                    break Some("an attribute that cannot be read".to_string());
                }
            }
            Event::End(_) => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => break Some("an end tag without its start".to_string()),
            },
            Event::Text(t) if depth == 0 && !t[..].trim_ascii().is_empty() => {
                break Some("text outside the root element".to_string());
            }
            Event::GeneralRef(r) if depth == 0 => {
                break Some(format!("&{}; outside the root element", &r[..]));
            }
            Event::GeneralRef(r)
                if r.is_char_ref()
                    && !r.resolve_char_ref().ok().flatten().is_some_and(xml_char) =>
            {
                break Some("a character reference XML does not allow".to_string());
            }
            Event::GeneralRef(r)
                if !r.is_char_ref() && !matches!(&r[..], "amp" | "lt" | "gt" | "quot" | "apos") =>
            {
                break Some(format!("the entity &{};", &r[..]));
            }
            _ => {}
        }
        if roots > 1 {
            break Some("a second root element".to_string());
        }
        buf.clear();
    };
    let forbidden = reader.into_inner().into_inner().forbidden;
    Ok(if forbidden {
        Some("a control character XML does not allow".to_string())
    } else if why.is_some() {
        why
    } else if depth != 0 || roots != 1 {
        Some("an element that is not closed".to_string())
    } else {
        None
    })
}

/// A reader that notes whether a byte it passed on is one XML does not allow
/// ([`forbidden_in_xml`]).
struct Watch<R> {
    inner: R,
    forbidden: bool,
}

impl<R: Read> Read for Watch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.forbidden |= buf[..n].iter().copied().any(forbidden_in_xml);
        Ok(n)
    }
}

/// Whether an XML part's byte is a control character XML 1.0 does not allow (all below
/// 0x20 but tab, line feed and carriage return).
fn forbidden_in_xml(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')
}

/// Whether a part that begins with `start` is XML in UTF-8 (an optional byte order mark, white
/// space, then `<` not followed by a zero byte): a part in UTF-16 (custom XML parts often are)
/// or no XML at all (`__MACOSX/._x.xml` litter) is not judged, and left as it is.
fn utf8_xml(start: &[u8]) -> bool {
    let s = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
    let s = s.trim_ascii_start();
    s.first() == Some(&b'<') && s.get(1) != Some(&0)
}

/// Whether a part is XML (by its name).
fn is_xml_part(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.ends_with(".xml") || n.ends_with(".rels") || n.ends_with(".vml")
}

/// One change to a part's bytes: replace `start..end` by `with` (an insertion when equal).
struct Splice {
    start: usize,
    end: usize,
    with: Vec<u8>,
}

fn apply(src: &[u8], mut splices: Vec<Splice>) -> Vec<u8> {
    splices.sort_by_key(|s| (s.start, s.end));
    let extra: usize = splices.iter().map(|s| s.with.len()).sum();
    let mut out = Vec::with_capacity(src.len() + extra);
    let mut at = 0;
    for s in splices {
        if s.start < at {
            continue;
        }
        out.extend_from_slice(&src[at..s.start]);
        out.extend_from_slice(&s.with);
        at = s.end;
    }
    out.extend_from_slice(&src[at..]);
    out
}

/// Walks an XML part, handing each event with its byte span.
fn walk(
    xml: &[u8],
    what: &str,
    mut on: impl FnMut(&Event<'_>, usize, usize, usize) -> Result<(), Cannot>,
) -> Result<(), Cannot> {
    // The reader skips a byte order mark without counting it: positions are shifted back.
    let bom = if xml.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let mut reader = quick_xml::Reader::from_reader(&xml[bom..]);
    {
        let c = reader.config_mut();
        c.check_end_names = true;
        c.expand_empty_elements = false;
        c.trim_text_start = false;
        c.trim_text_end = false;
    }
    let mut depth = 0usize;
    loop {
        let start = reader.buffer_position() as usize + bom;
        let ev = reader
            .read_event()
            .map_err(|e| Cannot(format!("{what} is not well-formed XML ({e})")))?;
        let end = reader.buffer_position() as usize + bom;
        match &ev {
            Event::Eof => return Ok(()),
            Event::Start(_) => {
                on(&ev, start, end, depth)?;
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                on(&ev, start, end, depth)?;
            }
            _ => on(&ev, start, end, depth)?,
        }
    }
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The value of the attribute whose local name is `key` (any prefix), and its full name.
fn attr_local(e: &BytesStart<'_>, key: &str) -> Option<(String, String)> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == key).then(|| {
            (
                a.key.as_ref().to_string(),
                a.normalized_value(XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_default(),
            )
        })
    })
}

/// The start tag `e` written again with `set` attributes replaced or added and `drop` removed
/// (the others as they were, raw).
fn retag(e: &BytesStart<'_>, set: &[(&str, String)], drop: &[&str], empty: bool) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(b'<');
    out.extend_from_slice(e.name().as_ref().as_bytes());
    let mut done = BTreeSet::new();
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.as_ref().to_string();
        if drop.contains(&key.as_str()) {
            continue;
        }
        let value: Vec<u8> = match set.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => {
                done.insert(key.clone());
                esc(v).into_bytes()
            }
            None => a.value.as_bytes().to_vec(),
        };
        let q = if value.contains(&b'"') { b'\'' } else { b'"' };
        out.push(b' ');
        out.extend_from_slice(a.key.as_ref().as_bytes());
        out.push(b'=');
        out.push(q);
        out.extend_from_slice(&value);
        out.push(q);
    }
    for (k, v) in set {
        if !done.contains(*k) {
            out.extend_from_slice(format!(" {k}=\"{}\"", esc(v)).as_bytes());
        }
    }
    out.extend_from_slice(if empty { b"/>" } else { b">" });
    out
}

/// Text escaped for XML content and attributes, shown and never obeyed
/// ([`crate::safe::xml`]).
fn esc(s: &str) -> String {
    crate::safe::xml(s)
}

/// A relationship target resolved against the folder of the part that holds the relationship.
fn resolve(base_dir: &str, target: &str) -> String {
    let target = target.split('#').next().unwrap_or(target);
    let mut parts: Vec<&str> = if let Some(abs) = target.strip_prefix('/') {
        return normalise(abs.split('/').collect());
    } else {
        base_dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    parts.extend(target.split('/'));
    normalise(parts)
}

fn normalise(parts: Vec<&str>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for p in parts {
        match p {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

fn dir_of(part: &str) -> &str {
    part.rsplit_once('/').map_or("", |(d, _)| d)
}

fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((d, f)) => format!("{d}/_rels/{f}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// A relationships part: (Id, Type, Target, TargetMode) and where to add new ones.
struct Rels {
    list: Vec<(String, String, String, Option<String>)>,
    /// Byte offset of `</Relationships>`.
    close: usize,
}

fn read_rels(xml: &[u8], what: &str) -> Result<Rels, Cannot> {
    let mut list = Vec::new();
    let mut close = None;
    walk(xml, what, |ev, start, _, _| {
        match ev {
            Event::Start(e) | Event::Empty(e) if local(e) == "Relationship" => {
                list.push((
                    attr(e, "Id").unwrap_or_default(),
                    attr(e, "Type").unwrap_or_default(),
                    attr(e, "Target").unwrap_or_default(),
                    attr(e, "TargetMode"),
                ));
            }
            Event::Empty(e) if local(e) == "Relationships" => {
                return cannot(format!("{what} is an empty element"));
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => close = Some(start),
            _ => {}
        }
        Ok(())
    })?;
    let close = close.ok_or_else(|| Cannot(format!("{what} has no Relationships")))?;
    Ok(Rels { list, close })
}

impl Rels {
    fn new_id(&self, n: &mut usize) -> String {
        loop {
            *n += 1;
            let id = format!("rIdCf{n}");
            if !self.list.iter().any(|r| r.0 == id) {
                return id;
            }
        }
    }
}

fn rel_xml(id: &str, ty: &str, target: &str) -> String {
    format!(
        "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"/>",
        esc(id),
        esc(ty),
        esc(target)
    )
}

const EMPTY_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"></Relationships>";

/// The package's sheets: (name as read, part path).
struct Sheets {
    list: Vec<(String, String)>,
    max_sheet_id: u64,
    /// Byte offset of `</sheets>` in workbook.xml.
    close: usize,
    /// The prefix the root element binds to the relationships namespace (`r`); empty when it
    /// binds none (the new `<sheet>` then declares its own).
    prefix: String,
    /// How many `<sheet>`s the workbook lists (the new one's `localSheetId`).
    count: usize,
    /// Where the new sheet's defined names go: before `</definedNames>` (`true`), or as a new
    /// `<definedNames>` at this offset (after `</sheets>` and what may follow it before
    /// `<definedNames>`).
    names_at: (usize, bool),
}

fn edit_package(
    bytes: &[u8],
    result: &FileResult,
    lang: Lang,
    limits: &Limits,
) -> Result<Marked, Cannot> {
    if !matches!(result.status, Status::Checked) {
        return cannot("the workbook was not checked");
    }
    let mut pkg = Package::open(bytes, limits)?;
    // Where everything is.
    let root_rels_xml = pkg.need("_rels/.rels")?;
    let root_rels = read_rels(&root_rels_xml, "_rels/.rels")?;
    let wb_part = root_rels
        .list
        .iter()
        .find(|r| r.1 == REL_OFFICE_DOC)
        .map(|r| resolve("", &r.2))
        .ok_or_else(|| {
            Cannot("the package names no main part (it may be strict OOXML)".to_string())
        })?;
    let wb_part = pkg
        .stored(&wb_part)
        .ok_or_else(|| Cannot(format!("the package has no {wb_part}")))?;
    let wb_xml = pkg.need(&wb_part)?;
    if contains(&wb_xml, b"purl.oclc.org/ooxml") {
        return cannot("the workbook is saved as strict Open XML");
    }
    let wb_rels_part = rels_of(&wb_part);
    let wb_rels_xml = pkg.need(&wb_rels_part)?;
    let wb_rels = read_rels(&wb_rels_xml, &wb_rels_part)?;
    let wb_dir = dir_of(&wb_part).to_string();
    let sheets = read_sheets(&wb_xml, &wb_rels, &wb_dir)?;
    let styles_part = wb_rels
        .list
        .iter()
        .find(|r| r.1 == REL_STYLES)
        .map(|r| resolve(&wb_dir, &r.2))
        .and_then(|p| pkg.stored(&p))
        .ok_or_else(|| Cannot("the workbook has no styles part".to_string()))?;
    let ct_xml = pkg.need("[Content_Types].xml")?;
    let macros = contains(&ct_xml, b"macroEnabled.main+xml");

    let marks = marks(result);
    let mut replaced: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut added: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ct_add: Vec<String> = Vec::new();
    let mut taken_names: BTreeSet<String> = pkg.names.iter().map(|n| n.to_lowercase()).collect();

    // The styles: one new format per (cell's format, colour).
    let styles_xml = pkg.need(&styles_part)?;
    let mut styles = Styles::read(&styles_xml)?;

    // Note drawings number their shapes in blocks of 1,024 (`o:idmap data`): new drawings
    // take blocks after every block the package's drawings use.
    let mut vml_block = 0usize;
    let vml_parts: Vec<String> = pkg
        .names
        .iter()
        .filter(|n| n.to_lowercase().ends_with(".vml"))
        .cloned()
        .collect();
    for v in vml_parts {
        let xml = pkg.need(&v)?;
        let text = String::from_utf8_lossy(&xml);
        for piece in text.split("data=\"").skip(1) {
            for n in piece.split('"').next().unwrap_or("").split(',') {
                if let Ok(n) = n.trim().parse::<usize>() {
                    vml_block = vml_block.max(n.min(1 << 20));
                }
            }
        }
    }
    let mut new_vml_parts = 0usize;
    for (sheet_name, cells) in &marks {
        let Some((_, part)) = sheets.list.iter().find(|(n, _)| n == sheet_name) else {
            continue;
        };
        let part = pkg
            .stored(part)
            .ok_or_else(|| Cannot(format!("the package has no {part}")))?;
        let xml = pkg.need(&part)?;
        let rels_part = rels_of(&part);
        let rels_xml = pkg.read(&rels_part)?;
        let rels = match &rels_xml {
            Some(x) => Some(read_rels(x, &rels_part)?),
            None => None,
        };
        let plan = SheetPlan::read(&xml, &part)?;
        // The sheet's notes: its comments part and VML drawing, or new ones.
        let comments_rel = rels
            .as_ref()
            .and_then(|r| r.list.iter().find(|x| x.1 == REL_COMMENTS).cloned());
        let mut rels_splices = Vec::new();
        let mut next_id = 0usize;
        let notes: Vec<(CellRef, String)> = cells
            .iter()
            .map(|(at, cm)| {
                let sheet = result.kept.iter().find(|s| s.name == *sheet_name);
                (*at, note_text(cm, lang, sheet_name, *at, sheet))
            })
            .collect();
        let legacy_id;
        match (comments_rel, &plan.legacy) {
            (Some(c), Some(vml_id)) => {
                let rels = rels
                    .as_ref()
                    .ok_or_else(|| Cannot("no sheet relationships".to_string()))?;
                let dir = dir_of(&part).to_string();
                let cpart = pkg
                    .stored(&resolve(&dir, &c.2))
                    .ok_or_else(|| Cannot("the sheet's comments part is missing".to_string()))?;
                let vpart = rels
                    .list
                    .iter()
                    .find(|r| &r.0 == vml_id)
                    .map(|r| resolve(&dir, &r.2))
                    .and_then(|p| pkg.stored(&p))
                    .ok_or_else(|| Cannot("the sheet's note drawing is missing".to_string()))?;
                let cxml = pkg.need(&cpart)?;
                let (new_c, new_cells) = edit_comments(&cxml, &notes, &cpart)?;
                let vxml = pkg.need(&vpart)?;
                let new_v = edit_vml(&vxml, &new_cells, &notes, &vpart)?;
                replaced.insert(cpart, new_c);
                replaced.insert(vpart, new_v);
                legacy_id = None;
            }
            (None, None) => {
                vml_block += 1;
                new_vml_parts += 1;
                let cname = fresh(&mut taken_names, "xl/comments", "xml");
                let vname = fresh(&mut taken_names, "xl/drawings/vmlDrawing", "vml");
                let new_cells: Vec<CellRef> = notes.iter().map(|(a, _)| *a).collect();
                added.push((cname.clone(), new_comments(&notes)));
                added.push((vname.clone(), new_vml(&new_cells, &notes, vml_block)));
                ct_add.push(format!(
                    "<Override PartName=\"/{}\" ContentType=\"{CT_COMMENTS}\"/>",
                    esc(&cname)
                ));
                let empty = Rels {
                    list: vec![],
                    close: 0,
                };
                let r = rels.as_ref().unwrap_or(&empty);
                let cid = r.new_id(&mut next_id);
                let vid = r.new_id(&mut next_id);
                let depth = part.matches('/').count();
                let up = "../".repeat(depth);
                let add = format!(
                    "{}{}",
                    rel_xml(&cid, REL_COMMENTS, &format!("{up}{cname}")),
                    rel_xml(&vid, REL_VML, &format!("{up}{vname}"))
                );
                rels_splices.push(Splice {
                    start: r.close,
                    end: r.close,
                    with: add.into_bytes(),
                });
                legacy_id = Some(vid);
            }
            _ => {
                return cannot(format!(
                    "{sheet_name} has a drawing of controls or notes this module does not edit"
                ))
            }
        }
        let new_sheet = plan.edit(&xml, cells, &mut styles, legacy_id.as_deref())?;
        replaced.insert(part.clone(), new_sheet);
        if !rels_splices.is_empty() {
            let base = match &rels_xml {
                Some(x) => x.clone(),
                None => {
                    let b = EMPTY_RELS.as_bytes().to_vec();
                    let close = read_rels(&b, "new relationships")?.close;
                    for s in &mut rels_splices {
                        s.start = close;
                        s.end = close;
                    }
                    b
                }
            };
            let stored = pkg.stored(&rels_part);
            let out = apply(&base, rels_splices);
            match stored {
                Some(s) => {
                    replaced.insert(s, out);
                }
                None => {
                    taken_names.insert(rels_part.to_lowercase());
                    added.push((rels_part, out));
                }
            }
        }
    }
    if contains(&ct_xml, b"Extension=\"vml\"") || contains(&ct_xml, b"Extension='vml'") {
        // already known
    } else if new_vml_parts > 0 {
        ct_add.push(format!(
            "<Default Extension=\"vml\" ContentType=\"{CT_VML}\"/>"
        ));
    }

    // The findings sheet.
    let w = words(lang);
    let mut taken: BTreeSet<String> = sheets.list.iter().map(|(n, _)| n.to_lowercase()).collect();
    let sheet_name = crate::write::xlsx_limits::unique_sheet_name(w.sheet_name, &mut taken);
    let findings_part = fresh(&mut taken_names, "xl/worksheets/sheet", "xml");
    let known: BTreeSet<String> = sheets.list.iter().map(|(n, _)| n.clone()).collect();
    let findings = findings_sheet_xml(
        &findings_rows(result, lang, w.edited),
        &known,
        FindingsStyles {
            heading: styles.plain(Some(HEADING_FILL)),
            body: styles.plain(None),
        },
    );
    added.push((findings_part.clone(), findings.xml.clone()));
    ct_add.push(format!(
        "<Override PartName=\"/{}\" ContentType=\"{CT_WORKSHEET}\"/>",
        esc(&findings_part)
    ));
    let mut n = 0usize;
    let rid = wb_rels.new_id(&mut n);
    let target = findings_part
        .strip_prefix(&format!("{wb_dir}/"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("/{findings_part}"));
    replaced.insert(
        wb_rels_part.clone(),
        apply(
            &wb_rels_xml,
            vec![Splice {
                start: wb_rels.close,
                end: wb_rels.close,
                with: rel_xml(&rid, REL_WORKSHEET, &target).into_bytes(),
            }],
        ),
    );
    let prefix_decl = if sheets.prefix.is_empty() {
        format!("xmlns:r=\"{NS_REL}\" r:id")
    } else {
        format!("{}:id", sheets.prefix)
    };
    // The findings sheet's headings repeated on every printed page, and its filter's range.
    let quoted = rust_xlsxwriter::utility::quote_sheet_name(&sheet_name);
    let names = format!(
        "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{id}\" hidden=\"1\">{range}</definedName><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"{id}\">{titles}</definedName>",
        id = sheets.count,
        range = esc(&format!("{quoted}!{}", findings.filter)),
        titles = esc(&format!("{quoted}!$3:$3")),
    );
    let names = if sheets.names_at.1 {
        names
    } else {
        format!("<definedNames>{names}</definedNames>")
    };
    replaced.insert(
        wb_part.clone(),
        apply(
            &wb_xml,
            vec![
                Splice {
                    start: sheets.close,
                    end: sheets.close,
                    with: format!(
                        "<sheet name=\"{}\" sheetId=\"{}\" {prefix_decl}=\"{rid}\"/>",
                        esc(&sheet_name),
                        sheets.max_sheet_id + 1
                    )
                    .into_bytes(),
                },
                Splice {
                    start: sheets.names_at.0,
                    end: sheets.names_at.0,
                    with: names.into_bytes(),
                },
            ],
        ),
    );

    replaced.insert(styles_part.clone(), styles.write(&styles_xml));

    // crossfoot's mark.
    match pkg.stored("docProps/custom.xml") {
        Some(stored) => {
            let xml = pkg.need(&stored)?;
            replaced.insert(stored, mark_custom(&xml)?);
        }
        None => {
            taken_names.insert("docprops/custom.xml".to_string());
            added.push((
                "docProps/custom.xml".to_string(),
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">{}</Properties>",
                    custom_property(2)
                )
                .into_bytes(),
            ));
            ct_add.push(format!(
                "<Override PartName=\"/docProps/custom.xml\" ContentType=\"{CT_CUSTOM}\"/>"
            ));
            let mut n = 0usize;
            let id = root_rels.new_id(&mut n);
            replaced.insert(
                pkg.stored("_rels/.rels")
                    .unwrap_or_else(|| "_rels/.rels".to_string()),
                apply(
                    &root_rels_xml,
                    vec![Splice {
                        start: root_rels.close,
                        end: root_rels.close,
                        with: rel_xml(&id, REL_CUSTOM, "docProps/custom.xml").into_bytes(),
                    }],
                ),
            );
        }
    }
    // Content types.
    let close = find_last(&ct_xml, b"</Types>")
        .ok_or_else(|| Cannot("[Content_Types].xml has no end".to_string()))?;
    replaced.insert(
        pkg.stored("[Content_Types].xml")
            .unwrap_or_else(|| "[Content_Types].xml".to_string()),
        apply(
            &ct_xml,
            vec![Splice {
                start: close,
                end: close,
                with: ct_add.concat().into_bytes(),
            }],
        ),
    );

    // Every XML part of the copy is well-formed XML: what crossfoot writes is escaped
    // ([`crate::safe::xml`]); the branch's own parts, edited or copied, are looked at here.
    for i in 0..pkg.names.len() {
        let name = pkg.names[i].clone();
        if !is_xml_part(&name) {
            continue;
        }
        let why = match replaced.get(&name) {
            Some(new) => malformed_xml(&new[..])
                .map_err(|e| Cannot(format!("{name} cannot be read ({e})")))?,
            None => pkg.malformed(i)?,
        };
        if let Some(why) = why {
            return cannot(format!("{name} is not well-formed XML ({why})"));
        }
    }

    // The new package: entries in their order, unchanged ones copied raw.
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 65_536)));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let zerr = |e: zip::result::ZipError| Cannot(format!("writing the copy failed ({e})"));
    let ioerr = |e: std::io::Error| Cannot(format!("writing the copy failed ({e})"));
    for i in 0..pkg.names.len() {
        let name = pkg.names[i].clone();
        if let Some(new) = replaced.remove(&name) {
            out.start_file(name, opts).map_err(zerr)?;
            out.write_all(&new).map_err(ioerr)?;
        } else {
            let f = pkg.zip.by_index_raw(i).map_err(zerr)?;
            out.raw_copy_file(f).map_err(zerr)?;
        }
    }
    if let Some((name, _)) = replaced.iter().next() {
        return cannot(format!(
            "internal: {name} was to be replaced but is not in the package"
        ));
    }
    for (name, data) in added {
        out.start_file(name, opts).map_err(zerr)?;
        out.write_all(&data).map_err(ioerr)?;
    }
    let bytes = out.finish().map_err(zerr)?.into_inner();
    Ok(Marked {
        bytes,
        how: How::Edited,
        extension: if macros { "xlsm" } else { "xlsx" },
    })
}

/// A part name `<prefix>N.<ext>` no entry has yet (taken from now on).
fn fresh(taken: &mut BTreeSet<String>, prefix: &str, ext: &str) -> String {
    let mut n = 1usize;
    loop {
        let name = format!("{prefix}{n}.{ext}");
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn read_sheets(xml: &[u8], rels: &Rels, wb_dir: &str) -> Result<Sheets, Cannot> {
    let mut list = Vec::new();
    let mut max_sheet_id = 0u64;
    let mut close = None;
    let mut prefix = None;
    let mut root_checked = false;
    let mut count = 0usize;
    let mut names_at: Option<(usize, bool)> = None;
    walk(xml, "workbook.xml", |ev, start, end, depth| {
        match ev {
            Event::Start(e) | Event::Empty(e) if !root_checked => {
                root_checked = true;
                if e.name().as_ref() != "workbook" {
                    return cannot("the workbook part's root element is not <workbook>");
                }
                if attr(e, "xmlns").as_deref() != Some(NS_MAIN) {
                    return cannot("the workbook part is not in the transitional namespace");
                }
                // The prefix the root binds to the relationships namespace, if any (some
                // writers declare it on each <sheet> instead).
                prefix = e.attributes().flatten().find_map(|a| {
                    let key = a.key.as_ref().strip_prefix("xmlns:")?.to_string();
                    (a.normalized_value(XmlVersion::Implicit1_0).ok()?.as_ref() == NS_REL)
                        .then_some(key)
                });
            }
            Event::Empty(e) if depth == 1 && e.name().as_ref() == "sheets" => {
                return cannot("the workbook lists no sheets");
            }
            Event::Empty(e) if depth == 1 && e.name().as_ref() == "definedNames" => {
                return cannot("the workbook's defined names are an empty element");
            }
            Event::End(e) if depth == 1 && e.name().as_ref() == "definedNames" => {
                names_at = Some((start, true));
            }
            Event::End(e)
                if depth == 1
                    && matches!(e.name().as_ref(), "functionGroups" | "externalReferences")
                    && !names_at.is_some_and(|n| n.1) =>
            {
                names_at = Some((end, false));
            }
            Event::Empty(e)
                if depth == 1
                    && matches!(e.name().as_ref(), "functionGroups" | "externalReferences")
                    && !names_at.is_some_and(|n| n.1) =>
            {
                names_at = Some((end, false));
            }
            Event::Start(e) | Event::Empty(e) if depth == 2 && e.name().as_ref() == "sheet" => {
                count += 1;
                let name = attr(e, "name").unwrap_or_default();
                let id: u64 = attr(e, "sheetId").and_then(|s| s.parse().ok()).unwrap_or(0);
                max_sheet_id = max_sheet_id.max(id);
                let (_, rid) = attr_local(e, "id")
                    .ok_or_else(|| Cannot(format!("sheet {name} has no relationship")))?;
                let target = rels
                    .list
                    .iter()
                    .find(|r| r.0 == rid)
                    .map(|r| resolve(wb_dir, &r.2));
                if let Some(t) = target {
                    list.push((name, t));
                }
            }
            Event::End(e) if depth == 1 && e.name().as_ref() == "sheets" => {
                close = Some(start);
                names_at = Some((end, false));
            }
            _ => {}
        }
        Ok(())
    })?;
    let close = close.ok_or_else(|| Cannot("the workbook has no <sheets>".to_string()))?;
    Ok(Sheets {
        list,
        max_sheet_id,
        close,
        prefix: prefix.unwrap_or_default(),
        count,
        names_at: names_at.unwrap_or((close, false)),
    })
}

// ---------------------------------------------------------------------------------------------
// styles.xml

struct Styles {
    /// The raw bytes of each `<xf>` of `cellXfs`.
    xfs: Vec<(usize, usize)>,
    fills: usize,
    fills_tag: (usize, usize),
    fills_close: usize,
    xfs_tag: (usize, usize),
    xfs_close: usize,
    /// (cell format, colour) → new format index, in the order made.
    made: BTreeMap<(usize, u32), usize>,
    new_fills: Vec<u32>,
    new_xfs: Vec<Vec<u8>>,
    src: Vec<u8>,
}

impl Styles {
    fn read(xml: &[u8]) -> Result<Styles, Cannot> {
        let mut xfs = Vec::new();
        let mut fills = 0usize;
        let mut fills_tag = None;
        let mut fills_close = None;
        let mut xfs_tag = None;
        let mut xfs_close = None;
        let mut section: Option<&'static str> = None;
        let mut xf_start = None;
        walk(xml, "styles.xml", |ev, start, end, depth| {
            match ev {
                Event::Start(e) | Event::Empty(e)
                    if depth == 0 && e.name().as_ref() != "styleSheet" =>
                {
                    return cannot(
                        "the styles part's root is not <styleSheet> (a prefixed or strict part)",
                    );
                }
                Event::Start(e) if depth == 1 => match e.name().as_ref() {
                    "fills" => {
                        section = Some("fills");
                        fills_tag = Some((start, end));
                    }
                    "cellXfs" => {
                        section = Some("cellXfs");
                        xfs_tag = Some((start, end));
                    }
                    _ => section = None,
                },
                Event::Empty(e) if depth == 1 => {
                    if matches!(e.name().as_ref(), "fills" | "cellXfs") {
                        return cannot("the styles part has no fills or cell formats");
                    }
                }
                Event::End(e) if depth == 1 => {
                    match e.name().as_ref() {
                        "fills" => fills_close = Some(start),
                        "cellXfs" => xfs_close = Some(start),
                        _ => {}
                    }
                    section = None;
                }
                Event::Start(e) if depth == 2 => {
                    if section == Some("fills") && e.name().as_ref() == "fill" {
                        fills += 1;
                    }
                    if section == Some("cellXfs") && e.name().as_ref() == "xf" {
                        xf_start = Some(start);
                    }
                }
                Event::Empty(e) if depth == 2 => {
                    if section == Some("fills") && e.name().as_ref() == "fill" {
                        fills += 1;
                    }
                    if section == Some("cellXfs") && e.name().as_ref() == "xf" {
                        xfs.push((start, end));
                    }
                }
                Event::End(e)
                    if depth == 2 && section == Some("cellXfs") && e.name().as_ref() == "xf" =>
                {
                    if let Some(s) = xf_start.take() {
                        xfs.push((s, end));
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
        let (Some(fills_tag), Some(fills_close), Some(xfs_tag), Some(xfs_close)) =
            (fills_tag, fills_close, xfs_tag, xfs_close)
        else {
            return cannot("the styles part has no fills or cell formats");
        };
        if xfs.is_empty() {
            return cannot("the styles part has no cell formats");
        }
        Ok(Styles {
            xfs,
            fills,
            fills_tag,
            fills_close,
            xfs_tag,
            xfs_close,
            made: BTreeMap::new(),
            new_fills: vec![],
            new_xfs: vec![],
            src: xml.to_vec(),
        })
    }

    /// The index of the solid fill `colour`, added when new.
    fn fill(&mut self, colour: u32) -> usize {
        match self.new_fills.iter().position(|c| *c == colour) {
            Some(p) => self.fills + p,
            None => {
                self.new_fills.push(colour);
                self.fills + self.new_fills.len() - 1
            }
        }
    }

    /// A new format of crossfoot's own (the findings sheet's): the default font, text wrapped
    /// and top-aligned, on the solid fill `colour` if any.
    fn plain(&mut self, colour: Option<u32>) -> usize {
        let fill = match colour {
            Some(c) => format!("fillId=\"{}\" applyFill=\"1\"", self.fill(c)),
            None => "fillId=\"0\"".to_string(),
        };
        self.new_xfs.push(
            format!(
                "<xf numFmtId=\"0\" fontId=\"0\" {fill} borderId=\"0\" xfId=\"0\" applyAlignment=\"1\"><alignment vertical=\"top\" wrapText=\"1\"/></xf>"
            )
            .into_bytes(),
        );
        self.xfs.len() + self.new_xfs.len() - 1
    }

    /// The index of the format that is `xf` with the fill `colour`.
    fn marked(&mut self, xf: usize, colour: u32) -> Result<usize, Cannot> {
        if let Some(&i) = self.made.get(&(xf, colour)) {
            return Ok(i);
        }
        let &(s, e) = self
            .xfs
            .get(xf)
            .ok_or_else(|| Cannot(format!("a cell names format {xf}, which styles.xml lacks")))?;
        let raw = self.src[s..e].to_vec();
        let fill_id = self.fill(colour);
        // The copy's start tag with the new fill; its children (alignment, protection) as
        // they were.
        let mut reader = quick_xml::Reader::from_reader(raw.as_slice());
        reader.config_mut().expand_empty_elements = false;
        let (tag, rest) = match reader.read_event() {
            Ok(Event::Start(t)) => {
                let at = reader.buffer_position() as usize;
                (
                    retag(
                        &t,
                        &[("fillId", fill_id.to_string()), ("applyFill", "1".into())],
                        &[],
                        false,
                    ),
                    raw[at..].to_vec(),
                )
            }
            Ok(Event::Empty(t)) => (
                retag(
                    &t,
                    &[("fillId", fill_id.to_string()), ("applyFill", "1".into())],
                    &[],
                    true,
                ),
                vec![],
            ),
            _ => return cannot("a cell format of styles.xml cannot be read"),
        };
        let mut new = tag;
        new.extend_from_slice(&rest);
        self.new_xfs.push(new);
        let index = self.xfs.len() + self.new_xfs.len() - 1;
        self.made.insert((xf, colour), index);
        Ok(index)
    }

    fn write(&self, xml: &[u8]) -> Vec<u8> {
        if self.new_xfs.is_empty() {
            return xml.to_vec();
        }
        let count_tag = |span: (usize, usize), n: usize| -> Vec<u8> {
            let raw = &xml[span.0..span.1];
            let mut reader = quick_xml::Reader::from_reader(raw);
            match reader.read_event() {
                Ok(Event::Start(t)) => retag(&t, &[("count", n.to_string())], &[], false),
                _ => raw.to_vec(),
            }
        };
        let fills: String = self
            .new_fills
            .iter()
            .map(|c| {
                format!(
                    "<fill><patternFill patternType=\"solid\"><fgColor rgb=\"FF{c:06X}\"/><bgColor indexed=\"64\"/></patternFill></fill>"
                )
            })
            .collect();
        apply(
            xml,
            vec![
                Splice {
                    start: self.fills_tag.0,
                    end: self.fills_tag.1,
                    with: count_tag(self.fills_tag, self.fills + self.new_fills.len()),
                },
                Splice {
                    start: self.fills_close,
                    end: self.fills_close,
                    with: fills.into_bytes(),
                },
                Splice {
                    start: self.xfs_tag.0,
                    end: self.xfs_tag.1,
                    with: count_tag(self.xfs_tag, self.xfs.len() + self.new_xfs.len()),
                },
                Splice {
                    start: self.xfs_close,
                    end: self.xfs_close,
                    with: self.new_xfs.concat(),
                },
            ],
        )
    }
}

// ---------------------------------------------------------------------------------------------
// A sheet

struct SheetPlan {
    /// The `r:id` of an existing `<legacyDrawing>`.
    legacy: Option<String>,
    /// Whether the root declares the relationships namespace as `r`.
    r_declared: bool,
}

/// Top-level elements a `<legacyDrawing>` must come before.
const AFTER_LEGACY: [&str; 8] = [
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
];

impl SheetPlan {
    fn read(xml: &[u8], part: &str) -> Result<SheetPlan, Cannot> {
        let mut legacy = None;
        let mut r_declared = false;
        walk(xml, part, |ev, _, _, depth| {
            match ev {
                Event::Start(e) | Event::Empty(e) if depth == 0 => {
                    if e.name().as_ref() != "worksheet" {
                        return cannot(format!("{part}'s root is not <worksheet>"));
                    }
                    r_declared = attr(e, "xmlns:r").as_deref() == Some(NS_REL);
                }
                Event::Start(e) | Event::Empty(e)
                    if depth == 1 && e.name().as_ref() == "legacyDrawing" =>
                {
                    legacy = attr_local(e, "id").map(|(_, v)| v);
                }
                _ => {}
            }
            Ok(())
        })?;
        Ok(SheetPlan { legacy, r_declared })
    }

    /// The sheet with the marked cells' formats changed (cells added where missing), and a
    /// `<legacyDrawing r:id=legacy>` added when given.
    fn edit(
        &self,
        xml: &[u8],
        cells: &BTreeMap<CellRef, CellMark<'_>>,
        styles: &mut Styles,
        legacy: Option<&str>,
    ) -> Result<Vec<u8>, Cannot> {
        // Pending marked cells by row, then column.
        let mut pending: BTreeMap<u32, BTreeMap<u32, u32>> = BTreeMap::new();
        for (at, cm) in cells {
            pending
                .entry(at.row)
                .or_default()
                .insert(at.col, cm.colour());
        }
        let mut splices = Vec::new();
        let mut in_data = false;
        let mut row: Option<u32> = None;
        let mut legacy_done = legacy.is_none();
        let legacy_xml = legacy.map(|id| {
            if self.r_declared {
                format!("<legacyDrawing r:id=\"{}\"/>", esc(id))
            } else {
                format!("<legacyDrawing xmlns:r=\"{NS_REL}\" r:id=\"{}\"/>", esc(id))
            }
        });
        let new_cells = |styles: &mut Styles, cols: BTreeMap<u32, u32>, row: u32| {
            let mut s = String::new();
            for (col, colour) in cols {
                let xf = styles.marked(0, colour)?;
                let _ = write!(s, "<c r=\"{}\" s=\"{xf}\"/>", CellRef::new(row, col));
            }
            Ok::<String, Cannot>(s)
        };
        walk(xml, "the sheet", |ev, start, end, depth| {
            match ev {
                Event::Start(e) if depth == 1 && e.name().as_ref() == "sheetData" => {
                    in_data = true;
                }
                Event::Empty(e) if depth == 1 && e.name().as_ref() == "sheetData" => {
                    let mut s = String::from("<sheetData>");
                    for (r, cols) in std::mem::take(&mut pending) {
                        let _ = write!(s, "<row r=\"{}\">", r + 1);
                        s.push_str(&new_cells(styles, cols, r)?);
                        s.push_str("</row>");
                    }
                    s.push_str("</sheetData>");
                    splices.push(Splice {
                        start,
                        end,
                        with: s.into_bytes(),
                    });
                }
                Event::End(e) if depth == 1 && e.name().as_ref() == "sheetData" => {
                    let mut s = String::new();
                    for (r, cols) in std::mem::take(&mut pending) {
                        let _ = write!(s, "<row r=\"{}\">", r + 1);
                        s.push_str(&new_cells(styles, cols, r)?);
                        s.push_str("</row>");
                    }
                    splices.push(Splice {
                        start,
                        end: start,
                        with: s.into_bytes(),
                    });
                    in_data = false;
                }
                Event::Start(e) | Event::Empty(e)
                    if in_data && depth == 2 && e.name().as_ref() == "row" =>
                {
                    let r: u32 = attr(e, "r")
                        .and_then(|v| v.parse::<u32>().ok())
                        .filter(|&v| v >= 1)
                        .ok_or_else(|| Cannot("a row without its number".to_string()))?
                        - 1;
                    // Rows before this one that gain cells.
                    let before: Vec<u32> = pending.range(..r).map(|(k, _)| *k).collect();
                    let mut s = String::new();
                    for b in before {
                        if let Some(cols) = pending.remove(&b) {
                            let _ = write!(s, "<row r=\"{}\">", b + 1);
                            s.push_str(&new_cells(styles, cols, b)?);
                            s.push_str("</row>");
                        }
                    }
                    if !s.is_empty() {
                        splices.push(Splice {
                            start,
                            end: start,
                            with: s.into_bytes(),
                        });
                    }
                    if matches!(ev, Event::Empty(_)) {
                        if let Some(cols) = pending.remove(&r) {
                            let mut s = retag(e, &[], &["spans"], false);
                            s.extend_from_slice(new_cells(styles, cols, r)?.as_bytes());
                            s.extend_from_slice(b"</row>");
                            splices.push(Splice {
                                start,
                                end,
                                with: s,
                            });
                        }
                        row = None;
                    } else {
                        if pending.contains_key(&r) && attr(e, "spans").is_some() {
                            splices.push(Splice {
                                start,
                                end,
                                with: retag(e, &[], &["spans"], false),
                            });
                        }
                        row = Some(r);
                    }
                }
                Event::End(e) if in_data && depth == 2 && e.local_name().as_ref() == "row" => {
                    if let Some(r) = row.take() {
                        if let Some(cols) = pending.remove(&r) {
                            splices.push(Splice {
                                start,
                                end: start,
                                with: new_cells(styles, cols, r)?.into_bytes(),
                            });
                        }
                    }
                }
                Event::Start(e) | Event::Empty(e)
                    if in_data && depth == 3 && e.name().as_ref() == "c" =>
                {
                    let Some(r) = row else {
                        return Ok(());
                    };
                    let at = attr(e, "r")
                        .and_then(|v| CellRef::parse_a1(&v))
                        .ok_or_else(|| Cannot("a cell without its address".to_string()))?;
                    if at.row != r {
                        return cannot("a cell outside its row");
                    }
                    let Some(cols) = pending.get_mut(&r) else {
                        return Ok(());
                    };
                    let before: BTreeMap<u32, u32> =
                        cols.range(..at.col).map(|(k, v)| (*k, *v)).collect();
                    for k in before.keys() {
                        cols.remove(k);
                    }
                    let this = cols.remove(&at.col);
                    if cols.is_empty() {
                        pending.remove(&r);
                    }
                    if !before.is_empty() {
                        splices.push(Splice {
                            start,
                            end: start,
                            with: new_cells(styles, before, r)?.into_bytes(),
                        });
                    }
                    if let Some(colour) = this {
                        let own: usize = attr(e, "s").and_then(|v| v.parse().ok()).unwrap_or(0);
                        let xf = styles.marked(own, colour)?;
                        splices.push(Splice {
                            start,
                            end,
                            with: retag(
                                e,
                                &[("s", xf.to_string())],
                                &[],
                                matches!(ev, Event::Empty(_)),
                            ),
                        });
                    }
                }
                Event::Start(e) | Event::Empty(e) if depth == 1 && !legacy_done => {
                    let name = e.name();
                    if AFTER_LEGACY.contains(&name.as_ref()) {
                        legacy_done = true;
                        if let Some(x) = &legacy_xml {
                            splices.push(Splice {
                                start,
                                end: start,
                                with: x.clone().into_bytes(),
                            });
                        }
                    }
                }
                Event::End(e) if depth == 0 && e.name().as_ref() == "worksheet" && !legacy_done => {
                    legacy_done = true;
                    if let Some(x) = &legacy_xml {
                        splices.push(Splice {
                            start,
                            end: start,
                            with: x.clone().into_bytes(),
                        });
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
        if !pending.is_empty() {
            return cannot("the sheet has no cell table");
        }
        if !legacy_done {
            return cannot("the sheet has no end");
        }
        Ok(apply(xml, splices))
    }
}

// ---------------------------------------------------------------------------------------------
// Notes

fn comment_runs(text: &str) -> String {
    format!(
        "<r><rPr><b/><sz val=\"9\"/><color indexed=\"81\"/><rFont val=\"Tahoma\"/><family val=\"2\"/></rPr><t xml:space=\"preserve\">{}</t></r>",
        esc(text)
    )
}

fn new_comments(notes: &[(CellRef, String)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"{NS_MAIN}\"><authors><author>crossfoot</author></authors><commentList>"
    );
    for (at, text) in notes {
        let _ = write!(
            s,
            "<comment ref=\"{at}\" authorId=\"0\"><text>{}</text></comment>",
            comment_runs(text)
        );
    }
    s.push_str("</commentList></comments>");
    s.into_bytes()
}

/// The comments part with crossfoot's text added to the notes the cells had, and new notes
/// for the others; and the cells that got a new note (they need a shape in the drawing).
fn edit_comments(
    xml: &[u8],
    notes: &[(CellRef, String)],
    part: &str,
) -> Result<(Vec<u8>, Vec<CellRef>), Cannot> {
    let mut authors = 0usize;
    let mut authors_close = None;
    let mut list_close = None;
    let mut crossfoot_author = None;
    let mut in_author = false;
    let mut author_text = String::new();
    // ref → offset of the comment's `</text>`.
    let mut texts: BTreeMap<CellRef, usize> = BTreeMap::new();
    let mut current: Option<CellRef> = None;
    walk(xml, part, |ev, start, _, depth| {
        match ev {
            Event::Start(e) | Event::Empty(e) if depth == 0 && e.name().as_ref() != "comments" => {
                return cannot(format!("{part}'s root is not <comments>"));
            }
            Event::Empty(e) if depth == 1 => {
                if matches!(e.name().as_ref(), "authors" | "commentList") {
                    return cannot(format!("{part} has an empty author or note list"));
                }
            }
            Event::Start(e) if depth == 2 && e.name().as_ref() == "author" => {
                in_author = true;
                author_text.clear();
            }
            Event::Empty(e) if depth == 2 && e.name().as_ref() == "author" => authors += 1,
            Event::Text(t) if in_author => {
                author_text.push_str(&t.xml_content(XmlVersion::Implicit1_0));
            }
            Event::End(e) if depth == 2 && e.name().as_ref() == "author" => {
                in_author = false;
                if author_text == "crossfoot" && crossfoot_author.is_none() {
                    crossfoot_author = Some(authors);
                }
                authors += 1;
            }
            Event::End(e) if depth == 1 && e.name().as_ref() == "authors" => {
                authors_close = Some(start)
            }
            Event::End(e) if depth == 1 && e.name().as_ref() == "commentList" => {
                list_close = Some(start)
            }
            Event::Start(e) if depth == 2 && e.name().as_ref() == "comment" => {
                current = attr(e, "ref").and_then(|r| CellRef::parse_a1(&r));
            }
            Event::End(e) if depth == 3 && e.name().as_ref() == "text" => {
                if let Some(at) = current {
                    texts.insert(at, start);
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    let (Some(authors_close), Some(list_close)) = (authors_close, list_close) else {
        return cannot(format!("{part} has no author or note list"));
    };
    let mut splices = Vec::new();
    let author = match crossfoot_author {
        Some(a) => a,
        None => {
            splices.push(Splice {
                start: authors_close,
                end: authors_close,
                with: b"<author>crossfoot</author>".to_vec(),
            });
            authors
        }
    };
    let mut added = Vec::new();
    let mut new_list = String::new();
    for (at, text) in notes {
        match texts.get(at) {
            Some(&close) => splices.push(Splice {
                start: close,
                end: close,
                with: comment_runs(&format!("\n\n{text}")).into_bytes(),
            }),
            None => {
                added.push(*at);
                let _ = write!(
                    new_list,
                    "<comment ref=\"{at}\" authorId=\"{author}\"><text>{}</text></comment>",
                    comment_runs(text)
                );
            }
        }
    }
    splices.push(Splice {
        start: list_close,
        end: list_close,
        with: new_list.into_bytes(),
    });
    Ok((apply(xml, splices), added))
}

const VML_SHAPETYPE: &str = "<v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>";

fn vml_shape(id: usize, at: CellRef, text: &str) -> String {
    let lines: usize = text
        .split('\n')
        .map(|l| l.chars().count().div_ceil(48).max(1))
        .sum();
    let rows = (lines as u32 * 12 / 20 + 2).clamp(4, 40);
    let (r, c) = (at.row, at.col);
    format!(
        "<v:shape id=\"_x0000_s{id}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:80pt;margin-top:2pt;width:270pt;height:{}pt;z-index:{id};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, 15, {}, 2, {}, 15, {}, 4</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>",
        lines * 12 + 16,
        c + 1,
        r,
        c + 5,
        r + rows,
    )
}

fn new_vml(cells: &[CellRef], notes: &[(CellRef, String)], block: usize) -> Vec<u8> {
    let mut s = format!(
        "<xml xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"{block}\"/></o:shapelayout>{VML_SHAPETYPE}"
    );
    let text_of = |at: &CellRef| {
        notes
            .iter()
            .find(|(a, _)| a == at)
            .map_or("", |(_, t)| t.as_str())
    };
    for (i, at) in cells.iter().enumerate() {
        s.push_str(&vml_shape(block * 1024 + 1 + i, *at, text_of(at)));
    }
    s.push_str("</xml>");
    s.into_bytes()
}

/// The note drawing with shapes for the new notes.
fn edit_vml(
    xml: &[u8],
    cells: &[CellRef],
    notes: &[(CellRef, String)],
    part: &str,
) -> Result<Vec<u8>, Cannot> {
    if cells.is_empty() {
        return Ok(xml.to_vec());
    }
    let text = String::from_utf8_lossy(xml);
    let close = find_last(xml, b"</xml>").ok_or_else(|| Cannot(format!("{part} has no end")))?;
    // Shape ids above every id in the drawing.
    let mut max_id = 0usize;
    for piece in text.split("_x0000_s").skip(1) {
        let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<usize>() {
            max_id = max_id.max(n);
        }
    }
    let mut s = String::new();
    if !text.contains("id=\"_x0000_t202\"") {
        s.push_str(VML_SHAPETYPE);
    }
    let text_of = |at: &CellRef| {
        notes
            .iter()
            .find(|(a, _)| a == at)
            .map_or("", |(_, t)| t.as_str())
    };
    for (i, at) in cells.iter().enumerate() {
        s.push_str(&vml_shape(max_id + 1 + i, *at, text_of(at)));
    }
    Ok(apply(
        xml,
        vec![Splice {
            start: close,
            end: close,
            with: s.into_bytes(),
        }],
    ))
}

// ---------------------------------------------------------------------------------------------
// The findings sheet, crossfoot's mark

/// The formats of the findings sheet (indices into `cellXfs`).
struct FindingsStyles {
    heading: usize,
    body: usize,
}

/// The light blue of the headings (the review workbook's).
const HEADING_FILL: u32 = 0xDDEBF7;

/// The findings sheet, and the range its filter covers (`$A$3:$I$9`).
struct FindingsSheet {
    xml: Vec<u8>,
    filter: String,
}

/// The findings sheet: the headings (row 3) frozen, filtered and repeated on every printed
/// page; A4 landscape, one page across; every text wrapped and each row as tall as its
/// tallest text ([`annotate::wrapped_lines`]).
fn findings_sheet_xml(
    rows: &[Vec<Out>],
    sheets: &BTreeSet<String>,
    styles: FindingsStyles,
) -> FindingsSheet {
    let last = rows.len().max(3);
    let last_col = CellRef::new(0, COLUMN_WIDTHS.len() as u32 - 1).to_string();
    let last_col = last_col.trim_end_matches(|c: char| c.is_ascii_digit());
    let filter = format!("$A$3:${last_col}${last}");
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\"><sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr><dimension ref=\"A1:{last_col}{last}\"/><sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"3\" topLeftCell=\"A4\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A4\" sqref=\"A4\"/></sheetView></sheetViews><cols>"
    );
    for (i, w) in COLUMN_WIDTHS.iter().enumerate() {
        let _ = write!(
            s,
            "<col min=\"{n}\" max=\"{n}\" width=\"{w}\" customWidth=\"1\"/>",
            n = i + 1
        );
    }
    s.push_str("</cols><sheetData>");
    let mut links = String::new();
    for (ri, row) in rows.iter().enumerate() {
        if row.is_empty() {
            continue;
        }
        let style = if ri == 2 { styles.heading } else { styles.body };
        // The first row (what this copy is) runs across the table, unwrapped.
        let lines = if ri == 0 {
            1
        } else {
            row.iter()
                .zip(COLUMN_WIDTHS)
                .map(|(c, w)| match c {
                    Out::Text(t) => annotate::wrapped_lines(t, w),
                    _ => 1,
                })
                .max()
                .unwrap_or(1)
        };
        let _ = write!(
            s,
            "<row r=\"{}\" ht=\"{}\" customHeight=\"1\">",
            ri + 1,
            annotate::row_height(lines)
        );
        for (ci, cell) in row.iter().enumerate() {
            let at = CellRef::new(ri as u32, ci as u32);
            let s_attr = if ri == 0 {
                String::new()
            } else {
                format!(" s=\"{style}\"")
            };
            let text = |t: &str| {
                format!(
                    "<c r=\"{at}\"{s_attr} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                    esc(t)
                )
            };
            match cell {
                Out::Text(t) => s.push_str(&text(t)),
                Out::Number(n) => {
                    let _ = write!(s, "<c r=\"{at}\"{s_attr}><v>{n}</v></c>");
                }
                Out::Link { text: t, sheet } => {
                    s.push_str(&text(t));
                    if sheets.contains(sheet) {
                        let location =
                            format!("{}!{t}", rust_xlsxwriter::utility::quote_sheet_name(sheet));
                        let _ = write!(
                            links,
                            "<hyperlink ref=\"{at}\" location=\"{}\" display=\"{}\"/>",
                            esc(&location),
                            esc(t)
                        );
                    }
                }
                Out::Empty => {
                    if ri > 0 {
                        let _ = write!(s, "<c r=\"{at}\"{s_attr}/>");
                    }
                }
            }
        }
        s.push_str("</row>");
    }
    s.push_str("</sheetData>");
    let _ = write!(s, "<autoFilter ref=\"{}\"/>", filter.replace('$', ""));
    if !links.is_empty() {
        let _ = write!(s, "<hyperlinks>{links}</hyperlinks>");
    }
    s.push_str("<printOptions horizontalCentered=\"1\"/><pageMargins left=\"0.4\" right=\"0.4\" top=\"0.5\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>");
    let _ = write!(
        s,
        "<pageSetup paperSize=\"{}\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/><headerFooter><oddFooter>&amp;L&amp;A&amp;R&amp;P / &amp;N</oddFooter></headerFooter>",
        annotate::A4
    );
    s.push_str("</worksheet>");
    FindingsSheet {
        xml: s.into_bytes(),
        filter,
    }
}

fn custom_property(pid: u64) -> String {
    format!(
        "<property xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\" fmtid=\"{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}\" pid=\"{pid}\" name=\"{}\"><vt:lpwstr>{}</vt:lpwstr></property>",
        crate::read::sniff::MARK_PROPERTY,
        crate::read::sniff::MARKED_MARK
    )
}

/// The custom properties with crossfoot's mark added (kept when it is there already).
fn mark_custom(xml: &[u8]) -> Result<Vec<u8>, Cannot> {
    let mut max_pid = 1u64;
    let mut ours = false;
    let mut close = None;
    walk(xml, "docProps/custom.xml", |ev, start, _, depth| {
        match ev {
            Event::Start(e) | Event::Empty(e) if depth == 1 => {
                if let Some(p) = attr(e, "pid").and_then(|v| v.parse::<u64>().ok()) {
                    max_pid = max_pid.max(p);
                }
                if attr(e, "name").as_deref() == Some(crate::read::sniff::MARK_PROPERTY) {
                    ours = true;
                }
            }
            Event::End(e) if depth == 0 && e.local_name().as_ref() == "Properties" => {
                close = Some(start)
            }
            _ => {}
        }
        Ok(())
    })?;
    if ours {
        let marked = format!("<vt:lpwstr>{}</vt:lpwstr>", crate::read::sniff::MARKED_MARK);
        return if contains(xml, marked.as_bytes()) {
            Ok(xml.to_vec())
        } else {
            cannot("the workbook carries another crossfoot mark")
        };
    }
    let close = close.ok_or_else(|| Cannot("docProps/custom.xml has no end".to_string()))?;
    Ok(apply(
        xml,
        vec![Splice {
            start: close,
            end: close,
            with: custom_property(max_pid + 1).into_bytes(),
        }],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_names_say_what_they_are() {
        assert_eq!(
            copy_name("TD-07.xlsx", Container::Xlsx, Lang::En, "xlsx"),
            "TD-07.checked.xlsx"
        );
        assert_eq!(
            copy_name("b.xlsm", Container::Xlsx, Lang::Vi, "xlsm"),
            "b.kiem-tra.xlsm"
        );
        assert_eq!(
            copy_name("b.XLS", Container::Xls, Lang::En, "xlsx"),
            "b.from-xls.checked.xlsx"
        );
        assert_eq!(
            copy_name("b.ods", Container::Ods, Lang::Vi, "xlsx"),
            "b.tu-ods.kiem-tra.xlsx"
        );
        // What a terminal would obey or not show is left out of the name.
        assert_eq!(
            copy_name(
                "a\u{1b}]0;x\u{7}\u{202e}\u{200b}.od\u{9b}s",
                Container::Ods,
                Lang::En,
                "xlsx"
            ),
            "a_]0;x___.from-od_s.checked.xlsx"
        );
    }

    #[test]
    fn parts_xml_cannot_hold_are_told_from_utf16_and_litter() {
        assert!(utf8_xml(b"<?xml version=\"1.0\"?><a/>"));
        assert!(utf8_xml(b"\xEF\xBB\xBF \n<a/>"));
        // UTF-16, with or without its byte order mark; AppleDouble litter; empty.
        assert!(!utf8_xml(b"\xFF\xFE<\0?\0"));
        assert!(!utf8_xml(b"<\0?\0x\0"));
        assert!(!utf8_xml(b"\0\x05\x16\x07\0\x02"));
        assert!(!utf8_xml(b""));
        let why = |x: &[u8]| malformed_xml(x).unwrap();
        assert_eq!(
            why(b"<?xml version=\"1.0\"?>\n<a b=\"&amp;\">\t\r\n\xC2\x9B&#x41;<c/></a>\n"),
            None
        );
        for bad in [
            &b"<a><sheet name=\"M01\x1b\"/></a>"[..],
            b"<?xml version=\"1.0\"?>\nfoo\n<a/>",
            b"<a></b>",
            b"<a>",
            b"<a/><b/>",
            b"<a>&nbsp;</a>",
            b"<a>&#27;</a>",
            b"<a b=\"&#27;\"/>",
            b"<a b=c/>",
            b"</a>",
        ] {
            assert!(why(bad).is_some(), "{}", String::from_utf8_lossy(bad));
        }
        // Not judged: UTF-16, litter.
        assert_eq!(why(b"\xFF\xFE<\0a\0/\0>\0"), None);
        assert_eq!(why(b"\0\x05\x16\x07\0\x02\x1b"), None);
    }

    #[test]
    fn splices_apply_in_order() {
        let out = apply(
            b"abcdef",
            vec![
                Splice {
                    start: 4,
                    end: 4,
                    with: b"X".to_vec(),
                },
                Splice {
                    start: 1,
                    end: 3,
                    with: b"YY".to_vec(),
                },
            ],
        );
        assert_eq!(out, b"aYYdXef");
    }

    #[test]
    fn a_byte_order_mark_does_not_shift_the_edits() {
        let xml = "\u{FEFF}<?xml version=\"1.0\"?><Relationships><Relationship Id=\"a\" /></Relationships>";
        let rels = read_rels(xml.as_bytes(), "r").unwrap();
        assert_eq!(&xml.as_bytes()[rels.close..], b"</Relationships>");
    }

    #[test]
    fn targets_resolve() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets", "../comments1.xml"),
            "xl/comments1.xml"
        );
        assert_eq!(resolve("xl", "/xl/styles.xml"), "xl/styles.xml");
        assert_eq!(
            rels_of("xl/worksheets/sheet1.xml"),
            "xl/worksheets/_rels/sheet1.xml.rels"
        );
    }

    #[test]
    fn a_cell_keeps_everything_but_its_style() {
        let xml = br#"<worksheet xmlns="x"><sheetData><row r="2" spans="1:3"><c r="B2" s="3" t="s"><v>7</v></c></row></sheetData></worksheet>"#;
        let styles_xml = br#"<styleSheet><fills count="2"><fill/><fill/></fills><cellXfs count="4"><xf/><xf/><xf/><xf numFmtId="3" fontId="1" applyFont="1"><alignment horizontal="center"/></xf></cellXfs></styleSheet>"#;
        let mut styles = Styles::read(styles_xml).unwrap();
        let f = Finding {
            file: "f".into(),
            sheet: Some("S".into()),
            rule: "r".into(),
            severity: Severity::Error,
            message: "m".into(),
            cells: vec![],
            expected: None,
            actual: None,
            difference: None,
            order: (0, 0, 0),
            decimals: None,
        };
        let mut cells = BTreeMap::new();
        cells.insert(
            CellRef::new(1, 1),
            CellMark {
                severity: Severity::Error,
                strong: true,
                findings: vec![(&f, true, Some("B2"))],
                explained: None,
            },
        );
        cells.insert(
            CellRef::new(1, 0),
            CellMark {
                severity: Severity::Error,
                strong: false,
                findings: vec![(&f, false, Some("B2"))],
                explained: None,
            },
        );
        cells.insert(
            CellRef::new(3, 2),
            CellMark {
                severity: Severity::Warning,
                strong: false,
                findings: vec![(&f, false, Some("B2"))],
                explained: None,
            },
        );
        let plan = SheetPlan::read(xml, "s").unwrap();
        let out = plan.edit(xml, &cells, &mut styles, Some("rIdCf2")).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "<worksheet xmlns=\"x\"><sheetData><row r=\"2\"><c r=\"A2\" s=\"4\"/><c r=\"B2\" s=\"5\" t=\"s\"><v>7</v></c></row><row r=\"4\"><c r=\"C4\" s=\"6\"/></row></sheetData><legacyDrawing xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" r:id=\"rIdCf2\"/></worksheet>"
        );
        let st = String::from_utf8(styles.write(styles_xml)).unwrap();
        assert!(st.contains("<fills count=\"5\">"), "{st}");
        assert!(st.contains("<cellXfs count=\"7\">"), "{st}");
        assert!(
            st.contains("<xf numFmtId=\"3\" fontId=\"1\" applyFont=\"1\" fillId=\"3\" applyFill=\"1\"><alignment horizontal=\"center\"/></xf>"),
            "{st}"
        );
    }
}
