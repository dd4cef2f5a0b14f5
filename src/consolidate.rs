//! `crossfoot consolidate`: the district summary built from the branch workbooks.
//!
//! A record form whose records are matched to unit workbooks (`[records]` with
//! `match = "unit_code"`) says everything needed to write it: one row
//! per unit, in code order, its key and label columns from the unit's title block and each figure
//! column from the column's `source` in the unit's workbook; then the `end` row as SUM formulas
//! (with their results stored, so a reader that does not calculate sees them). A second sheet
//! lists the workbooks left out and those included with errors. Checking the written workbook
//! together with its units gives no finding about the summary.
//!
//! The file is written to a temporary file in the same folder and renamed over the target, so
//! a reader never sees half a workbook; an input is never overwritten.

use crate::check::{self, FileResult, Input, Kept, Options, Status};
use crate::eval;
use crate::finding::Severity;
use crate::rules::{self, Form, Kind, Pack};
use crate::xlsx_limits;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use rust_xlsxwriter::{Format, Formula, Workbook};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Build the district summary workbook from branch workbooks
#[derive(clap::Args, Debug)]
pub struct ConsolidateArgs {
    /// Branch workbooks (.xlsx .xlsm .xlsb .xls .ods) or folders to walk for them
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The summary workbook to write (.xlsx)
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// The form to build (default: the first form whose records are matched to units)
    #[arg(long, value_name = "FORM")]
    pub form: Option<String>,
    /// Leave out branches whose workbooks carry errors (by default they are included and listed)
    #[arg(long)]
    pub exclude_errors: bool,
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    pub no_default_rules: bool,
    /// Files read at once (0: one per core)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    pub jobs: usize,
}

/// Why a unit's workbook is left out of the summary, or flagged in it.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Included, but its workbook carries errors.
    Errors(usize),
    /// Included, but some figures could not be read (their cells are left empty).
    FiguresMissing(Vec<String>),
    /// Left out: the file could not be read.
    Unreadable(String),
    /// Left out: no unit code in the title block.
    NoCode,
    /// Left out: another workbook (named) has the same code and was used.
    Duplicate(String),
    /// Left out: it carries errors (`--exclude-errors`).
    ExcludedErrors(usize),
}

/// One row of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub file: String,
    pub code: String,
    pub name: String,
    /// One value per column of the form (None: a text column, or a figure not readable).
    pub figures: Vec<Option<f64>>,
}

/// What the summary holds: its rows (in code order) and the notes about units.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub rows: Vec<Row>,
    /// (file, code, name, note), in file order.
    pub notes: Vec<(String, String, String, Note)>,
}

/// The form to build: named, or the first whose records are matched to units.
pub fn summary_form(pack: &Pack, id: Option<&str>) -> Option<usize> {
    pack.forms
        .iter()
        .position(|f| f.matches_units() && id.is_none_or(|id| f.id == id))
}

/// Builds the summary of form `fi` from the checked unit workbooks.
pub fn build(
    pack: &Pack,
    fi: usize,
    units: &[(FileResult, Kept)],
    exclude_errors: bool,
) -> Summary {
    let form = &pack.forms[fi];
    let mut out = Summary::default();
    let mut by_code: BTreeMap<String, &(FileResult, Kept)> = BTreeMap::new();
    for u in units {
        let (r, _) = u;
        let name = r.unit.name.clone().unwrap_or_default();
        let code = r.unit.code.clone().unwrap_or_default();
        let note = |n: Note| (r.path.clone(), code.clone(), name.clone(), n);
        if let Status::Unreadable(why) = &r.status {
            out.notes.push(note(Note::Unreadable(why.reason.clone())));
            continue;
        }
        if code.is_empty() {
            out.notes.push(note(Note::NoCode));
            continue;
        }
        let errors = r.count(Severity::Error);
        if errors > 0 && exclude_errors {
            out.notes.push(note(Note::ExcludedErrors(errors)));
            continue;
        }
        if let Some((first, _)) = by_code.get(&code) {
            out.notes.push(note(Note::Duplicate(first.path.clone())));
            continue;
        }
        if errors > 0 {
            out.notes.push(note(Note::Errors(errors)));
        }
        by_code.insert(code, u);
    }
    for (code, (r, kept)) in by_code {
        let mut missing = Vec::new();
        let figures = form
            .columns
            .iter()
            .map(|c| {
                let src = c.source.as_ref()?;
                let v = eval::eval_linked(pack, src, &kept.linked);
                if v.is_none() {
                    missing.push(c.header.clone());
                }
                v
            })
            .collect();
        let name = r.unit.name.clone().unwrap_or_default();
        if !missing.is_empty() {
            out.notes.push((
                r.path.clone(),
                code.clone(),
                name.clone(),
                Note::FiguresMissing(missing),
            ));
        }
        out.rows.push(Row {
            file: r.path.clone(),
            code,
            name,
            figures,
        });
    }
    out.notes.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Default English texts of the summary workbook (a pack gives its own under
/// `[settings.messages]`).
const TEXTS: &[(&str, &str)] = &[
    ("consolidate.notes-sheet", "Notes"),
    ("consolidate.file", "File"),
    ("consolidate.code", "Code"),
    ("consolidate.name", "Unit"),
    ("consolidate.note", "Note"),
    (
        "consolidate.errors",
        "included; the workbook carries {count} error(s)",
    ),
    (
        "consolidate.figures-missing",
        "included; figures not readable, left empty: {columns}",
    ),
    (
        "consolidate.unreadable",
        "left out: the file cannot be read ({reason})",
    ),
    (
        "consolidate.no-code",
        "left out: no unit code in the title block",
    ),
    (
        "consolidate.duplicate",
        "left out: the same code as {file}, which was used",
    ),
    (
        "consolidate.excluded-errors",
        "left out (--exclude-errors): the workbook carries {count} error(s)",
    ),
    (
        "consolidate.cut",
        "this text has {count} characters, more than a cell holds ({max}): it is cut here; the whole text is in the branch's workbook",
    ),
    (
        "consolidate.rows-cut",
        "only the first {shown} of {count} units fit in a worksheet: the others are left out, and the totals are of those shown",
    ),
    (
        "consolidate.columns-cut",
        "only the first {shown} of the form's {count} columns fit in a worksheet",
    ),
];

fn text(pack: &Pack, id: &str, params: &[(&str, &str)]) -> String {
    let t = pack
        .settings
        .messages
        .get(id)
        .map(String::as_str)
        .unwrap_or_else(|| TEXTS.iter().find(|(k, _)| *k == id).map_or(id, |(_, v)| *v));
    crate::messages::render(t, params)
}

fn note_text(pack: &Pack, n: &Note) -> String {
    match n {
        Note::Errors(c) => text(pack, "consolidate.errors", &[("count", &c.to_string())]),
        Note::FiguresMissing(cols) => text(
            pack,
            "consolidate.figures-missing",
            &[("columns", &cols.join(", "))],
        ),
        Note::Unreadable(r) => text(pack, "consolidate.unreadable", &[("reason", r)]),
        Note::NoCode => text(pack, "consolidate.no-code", &[]),
        Note::Duplicate(f) => text(pack, "consolidate.duplicate", &[("file", f)]),
        Note::ExcludedErrors(c) => text(
            pack,
            "consolidate.excluded-errors",
            &[("count", &c.to_string())],
        ),
    }
}

/// The summary workbook could not be built: a limit of the xlsx format crossfoot does not
/// handle, or a bug (values beyond Excel's limits are cut, each with a note, and never cause
/// this).
#[derive(Debug, thiserror::Error)]
#[error("{BUILD_ERROR}: {0}")]
pub struct BuildError(#[from] rust_xlsxwriter::XlsxError);

/// How a [`BuildError`] begins (the write error's hint tells it from a file system error).
const BUILD_ERROR: &str = "the summary workbook cannot be built";

/// The hint of a failed write: a build error is no matter of the folder.
fn write_hint(reason: &str) -> &'static str {
    if reason.starts_with(BUILD_ERROR) {
        "this is a limit of the xlsx format crossfoot does not handle, or a bug in crossfoot; please report it with the command line used"
    } else {
        "check the folder exists and is writable, and that the file is not open in a spreadsheet program"
    }
}

/// Writes one text cell: a text longer than a cell holds is cut with a visible marker
/// (`… [cut: 40,000 characters]`) and the cell gets a note saying so.
fn put_text(
    pack: &Pack,
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    t: &str,
    format: Option<&Format>,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let (text, cut) = xlsx_limits::cell_text(t);
    match format {
        Some(f) => ws.write_string_with_format(row, col, text, f)?,
        None => ws.write_string(row, col, text)?,
    };
    if let Some(n) = cut {
        // Plain digits: read the same in every language a pack may give the text in.
        let note = self::text(
            pack,
            "consolidate.cut",
            &[
                ("count", &n.to_string()),
                ("max", &xlsx_limits::MAX_CELL_CHARS.to_string()),
            ],
        );
        ws.insert_note(
            row,
            col,
            &rust_xlsxwriter::Note::new(xlsx_limits::note_text(&note))
                .set_author("crossfoot")
                .add_author_prefix(false),
        )?;
    }
    Ok(())
}

/// Writes the summary as `.xlsx` bytes: the form's title (its name), its column headers in
/// rule order, one row per unit, the end row as SUM formulas; then the notes sheet.
///
/// The bytes depend only on the summary (fixed document times): two runs, the same bytes.
/// Every value is written within Excel's limits, each for itself: a text longer than a cell
/// holds is cut with a marker and a note; units beyond the rows a worksheet holds are left out
/// and said so on the notes sheet; columns beyond the last column Excel has are not written.
pub fn write(pack: &Pack, form: &Form, s: &Summary) -> Result<Vec<u8>, BuildError> {
    let mut wb = Workbook::new();
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("crossfoot"),
    );
    let bold = Format::new().set_bold();
    let mut taken = std::collections::BTreeSet::new();
    let ws = wb.add_worksheet();
    ws.set_name(xlsx_limits::unique_sheet_name(&form.id, &mut taken))?;
    put_text(pack, ws, 0, 0, &form.name, Some(&bold))?;
    let header_row = 2u32;
    let rec = form.records.as_ref();
    let columns = form.columns.len().min(xlsx_limits::MAX_COLS as usize);
    for (c, col) in form.columns.iter().take(columns).enumerate() {
        put_text(pack, ws, header_row, c as u16, &col.header, Some(&bold))?;
    }
    let first = header_row + 1;
    // Rows for units: all that fit above the end row.
    let room = (xlsx_limits::MAX_ROWS - first - 1) as usize;
    let shown = &s.rows[..s.rows.len().min(room)];
    for (k, row) in shown.iter().enumerate() {
        let r = first + k as u32;
        for (c, col) in form.columns.iter().take(columns).enumerate() {
            let c16 = c as u16;
            if col.kind == Kind::Text {
                let t = if rec.is_some_and(|x| x.key == c) {
                    &row.code
                } else if rec.is_some_and(|x| x.label == Some(c)) {
                    &row.name
                } else {
                    continue;
                };
                put_text(pack, ws, r, c16, t, None)?;
            } else if let Some(Some(v)) = row.figures.get(c) {
                ws.write_number(r, c16, *v)?;
            }
        }
    }
    // The end row: its label in the label column (else the first column), SUM formulas.
    let end = first + shown.len() as u32;
    if let Some(e) = rec.and_then(|x| x.end) {
        let label_col = rec
            .and_then(|x| x.label)
            .filter(|c| *c < columns)
            .unwrap_or(0) as u16;
        put_text(pack, ws, end, label_col, &form.rows[e].label, Some(&bold))?;
        for (c, col) in form.columns.iter().take(columns).enumerate() {
            if col.kind == Kind::Text {
                continue;
            }
            let total: f64 = shown
                .iter()
                .filter_map(|r| r.figures.get(c).copied().flatten())
                .sum();
            let letter = crate::model::CellRef::col_name(c as u32);
            let f = if shown.is_empty() {
                "0".to_string()
            } else {
                format!("SUM({letter}{}:{letter}{})", first + 1, end)
            };
            ws.write_formula_with_format(
                end,
                c as u16,
                Formula::new(f).set_result(crate::text::format_plain(total)),
                &bold,
            )?;
        }
    }
    ws.set_freeze_panes(first, 0)?;
    ws.autofit();

    let notes = wb.add_worksheet();
    notes.set_name(xlsx_limits::unique_sheet_name(
        &text(pack, "consolidate.notes-sheet", &[]),
        &mut taken,
    ))?;
    for (c, h) in [
        "consolidate.file",
        "consolidate.code",
        "consolidate.name",
        "consolidate.note",
    ]
    .iter()
    .enumerate()
    {
        put_text(pack, notes, 0, c as u16, &text(pack, h, &[]), Some(&bold))?;
    }
    let mut lines: Vec<[String; 4]> = Vec::new();
    if shown.len() < s.rows.len() {
        lines.push([
            String::new(),
            String::new(),
            String::new(),
            text(
                pack,
                "consolidate.rows-cut",
                &[
                    ("shown", &shown.len().to_string()),
                    ("count", &s.rows.len().to_string()),
                ],
            ),
        ]);
    }
    if columns < form.columns.len() {
        lines.push([
            String::new(),
            String::new(),
            String::new(),
            text(
                pack,
                "consolidate.columns-cut",
                &[
                    ("shown", &columns.to_string()),
                    ("count", &form.columns.len().to_string()),
                ],
            ),
        ]);
    }
    let cut_lines = lines.len();
    let room = (xlsx_limits::MAX_ROWS - 1) as usize - cut_lines;
    for (k, line) in lines.iter().enumerate() {
        let r = 1 + k as u32;
        for (c, t) in line.iter().enumerate() {
            put_text(pack, notes, r, c as u16, t, None)?;
        }
    }
    for (k, (file, code, name, note)) in s.notes.iter().take(room).enumerate() {
        let r = (1 + cut_lines + k) as u32;
        put_text(pack, notes, r, 0, file, None)?;
        put_text(pack, notes, r, 1, code, None)?;
        put_text(pack, notes, r, 2, name, None)?;
        put_text(pack, notes, r, 3, &note_text(pack, note), None)?;
    }
    notes.autofit();
    Ok(wb.save_to_buffer()?)
}

/// Writes `bytes` to `path` atomically: [`crate::output::write_atomic`] (a temporary file in
/// the same folder, removed on every error and on SIGINT/SIGTERM; fsync, rename; the
/// permissions of a replaced file kept; stale temporary files of killed runs removed, and said
/// in the [`crate::output::Written`] returned).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<crate::output::Written> {
    crate::output::write_atomic(path, bytes)
}

#[derive(Debug, thiserror::Error, Diagnostic)]
enum ConsolidateError {
    #[error("no form of the rule pack is a summary of units{}", .0.as_deref().map(|f| format!(" called `{f}`")).unwrap_or_default())]
    #[diagnostic(
        code(crossfoot::no_summary_form),
        help("a summary form has `[records]` with `key` and `match = \"unit_code\"` in its rule file")
    )]
    NoForm(Option<String>),
    #[error("the output {0} is one of the inputs")]
    #[diagnostic(
        code(crossfoot::output_is_input),
        help("write the summary to another file, e.g. `-o district.xlsx`")
    )]
    OutputIsInput(String),
    #[error("no workbook to consolidate")]
    #[diagnostic(code(crossfoot::no_input), help("name branch workbooks or folders"))]
    NoInput,
    #[error("cannot write {path}: {reason}")]
    #[diagnostic(code(crossfoot::write), help("{}", write_hint(reason)))]
    Write { path: String, reason: String },
}

fn eprint_diag(diag: &dyn Diagnostic) {
    let mut s = String::new();
    if GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut s, diag)
        .is_err()
    {
        s = diag.to_string();
    }
    let _ = writeln!(std::io::stderr(), "{s}");
}

fn load_pack(args: &ConsolidateArgs) -> Option<Pack> {
    match rules::load_pack(args.no_default_rules, &args.rules) {
        Ok(p) => Some(p),
        Err(errors) => {
            for e in &errors {
                eprint_diag(e.as_ref());
            }
            None
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `crossfoot consolidate`. Exit status 0 when the summary was written, 2 when it was not.
pub fn run(args: ConsolidateArgs) -> ExitCode {
    let Some(pack) = load_pack(&args) else {
        return ExitCode::from(2);
    };
    let Some(fi) = summary_form(&pack, args.form.as_deref()) else {
        eprint_diag(&ConsolidateError::NoForm(args.form.clone()));
        return ExitCode::from(2);
    };
    let inputs: Vec<Input> = check::collect_inputs(&args.paths);
    if inputs.is_empty() {
        eprint_diag(&ConsolidateError::NoInput);
        return ExitCode::from(2);
    }
    if let Some(i) = inputs.iter().find(|i| same_file(&i.path, &args.output)) {
        eprint_diag(&ConsolidateError::OutputIsInput(i.shown.clone()));
        return ExitCode::from(2);
    }
    let opts = Options {
        jobs: args.jobs,
        ..Options::default()
    };
    let mut units = check::check_many(&inputs, &pack, &opts, check::Defer::Figures, &|_| {});
    units.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    // A summary among the inputs is not a unit.
    units.retain(|(r, _)| {
        !r.forms.iter().any(|f| {
            pack.forms
                .iter()
                .any(|p| p.id == f.form && p.records.is_some())
        })
    });
    let summary = build(&pack, fi, &units, args.exclude_errors);
    let written = write(&pack, &pack.forms[fi], &summary)
        .map_err(|e| e.to_string())
        .and_then(|bytes| write_atomic(&args.output, &bytes).map_err(|e| e.to_string()));
    if let Err(reason) = written {
        eprint_diag(&ConsolidateError::Write {
            path: args.output.display().to_string(),
            reason,
        });
        return ExitCode::from(2);
    }
    let _ = writeln!(
        std::io::stderr(),
        "wrote {}: {} {} row(s), {} note(s)",
        args.output.display(),
        pack.forms[fi].id,
        summary.rows.len(),
        summary.notes.len()
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_error_is_not_blamed_on_the_folder() {
        let build = BuildError(rust_xlsxwriter::XlsxError::MaxStringLengthExceeded).to_string();
        assert!(
            write_hint(&build).contains("limit of the xlsx format"),
            "{build}"
        );
        assert!(write_hint("Permission denied (os error 13)").contains("writable"));
    }

    #[test]
    fn an_over_long_unit_name_is_cut_for_its_cell_only_and_the_bytes_are_reproducible() {
        let pack = rules::load_pack(false, &[] as &[PathBuf]).expect("built-in pack");
        let fi = summary_form(&pack, None).expect("a summary form");
        let form = &pack.forms[fi];
        let row = |code: &str, name: String| Row {
            file: format!("{code}.xlsx"),
            code: code.to_string(),
            name,
            figures: vec![Some(1.0); form.columns.len()],
        };
        let s = Summary {
            rows: vec![
                row("TD-01", "Chi bộ A".into()),
                row("TD-02", "x".repeat(40_000)),
            ],
            notes: vec![(
                "TD-02.xlsx".into(),
                "TD-02".into(),
                "y".repeat(50_000),
                Note::Errors(1),
            )],
        };
        let bytes = write(&pack, form, &s).expect("written despite the long texts");
        assert_eq!(write(&pack, form, &s).expect("again"), bytes);
        let wb = crate::load::load_bytes(&bytes, "d.xlsx", &crate::load::Limits::default())
            .expect("readable");
        let texts: Vec<String> = wb
            .sheets
            .iter()
            .flat_map(|sh| sh.cells.values())
            .filter_map(|c| match &c.value {
                crate::model::Value::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect();
        assert!(texts.iter().any(|t| t == "Chi bộ A"));
        assert!(texts
            .iter()
            .any(|t| t.ends_with("… [cut: 40,000 characters]")));
        assert!(texts
            .iter()
            .any(|t| t.ends_with("… [cut: 50,000 characters]")));
    }
}
