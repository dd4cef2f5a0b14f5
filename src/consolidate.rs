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
        let code = r.unit.key.clone().unwrap_or_default();
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

/// Writes the summary as `.xlsx` bytes: the form's title (its name), its column headers in
/// rule order, one row per unit, the end row as SUM formulas; then the notes sheet.
pub fn write(pack: &Pack, form: &Form, s: &Summary) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name(&form.id))?;
    ws.write_string_with_format(0, 0, &form.name, &bold)?;
    let header_row = 2u32;
    let rec = form.records.as_ref();
    for (c, col) in form.columns.iter().enumerate() {
        ws.write_string_with_format(header_row, c as u16, &col.header, &bold)?;
    }
    let first = header_row + 1;
    for (k, row) in s.rows.iter().enumerate() {
        let r = first + k as u32;
        for (c, col) in form.columns.iter().enumerate() {
            let c16 = c as u16;
            if col.kind == Kind::Text {
                let t = if rec.is_some_and(|x| x.key == c) {
                    &row.code
                } else if rec.is_some_and(|x| x.label == Some(c)) {
                    &row.name
                } else {
                    continue;
                };
                ws.write_string(r, c16, t)?;
            } else if let Some(Some(v)) = row.figures.get(c) {
                ws.write_number(r, c16, *v)?;
            }
        }
    }
    // The end row: its label in the label column (else the first column), SUM formulas.
    let end = first + s.rows.len() as u32;
    if let Some(e) = rec.and_then(|x| x.end) {
        let label_col = rec.and_then(|x| x.label).unwrap_or(0) as u16;
        ws.write_string_with_format(end, label_col, &form.rows[e].label, &bold)?;
        for (c, col) in form.columns.iter().enumerate() {
            if col.kind == Kind::Text {
                continue;
            }
            let total: f64 = s
                .rows
                .iter()
                .filter_map(|r| r.figures.get(c).copied().flatten())
                .sum();
            let letter = crate::model::CellRef::col_name(c as u32);
            let f = if s.rows.is_empty() {
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
    notes.set_name(sheet_name(&text(pack, "consolidate.notes-sheet", &[])))?;
    for (c, h) in [
        "consolidate.file",
        "consolidate.code",
        "consolidate.name",
        "consolidate.note",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string_with_format(0, c as u16, text(pack, h, &[]), &bold)?;
    }
    for (k, (file, code, name, note)) in s.notes.iter().enumerate() {
        let r = 1 + k as u32;
        notes.write_string(r, 0, file)?;
        notes.write_string(r, 1, code)?;
        notes.write_string(r, 2, name)?;
        notes.write_string(r, 3, note_text(pack, note))?;
    }
    notes.autofit();
    wb.save_to_buffer()
}

/// A valid sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet".to_string()
    } else {
        clean
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "summary.xlsx".into());
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = f.write_all(bytes).and_then(|_| f.sync_all());
        drop(f);
        let renamed = written.and_then(|_| std::fs::rename(&tmp, path));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        return renamed;
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary file name next to the output",
    ))
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
    #[diagnostic(
        code(crossfoot::write),
        help("check the folder exists and is writable")
    )]
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
