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

use crate::check::{FileResult, Kept, Status};
use crate::eval;
use crate::finding::Severity;
use crate::rules::{Form, Kind, Pack};
use rust_xlsxwriter::{Format, Formula, Workbook};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Left out: it is a summary itself.
    Summary,
    /// Left out: its code is not one of this summary's units (the pattern named).
    NotAUnit(String),
    /// Left out (`--prefer newest`): another workbook (named) with the same code is newer.
    Older(String),
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

/// Which workbook becomes which row, before anything is written: the units by code, the
/// workbooks left out and why, and the codes found in several workbooks (a conflict the user
/// settles: `--exclude`, or [`Plan::prefer`]).
pub struct Plan {
    /// Workbooks that are units of the summary, by code (several: a conflict).
    by_code: BTreeMap<String, Vec<(FileResult, Kept)>>,
    /// (file, code, name, note), for workbooks left out or flagged.
    notes: Vec<(String, String, String, Note)>,
}

impl Plan {
    /// Sorts the read workbooks (in path order) into units and workbooks left out: unreadable,
    /// without a code, a summary itself, a code that is not one of this summary's units
    /// (the form's `unit_pattern`), errors with `exclude_errors`.
    pub fn of(
        pack: &Pack,
        fi: usize,
        units: Vec<(FileResult, Kept)>,
        exclude_errors: bool,
    ) -> Plan {
        let form = &pack.forms[fi];
        let pattern = form.records.as_ref().and_then(|r| r.unit_pattern.as_ref());
        let mut plan = Plan {
            by_code: BTreeMap::new(),
            notes: Vec::new(),
        };
        for (r, kept) in units {
            let name = r.unit.name.clone().unwrap_or_default();
            let code = r.unit.code.clone().unwrap_or_default();
            let note = |n: Note| (r.path.clone(), code.clone(), name.clone(), n);
            match &r.status {
                Status::Unreadable(why) => {
                    plan.notes.push(note(Note::Unreadable(why.reason.clone())));
                    continue;
                }
                Status::Skipped(why) => {
                    plan.notes.push(note(Note::Unreadable(why.clone())));
                    continue;
                }
                Status::Checked => {}
            }
            // A summary among the inputs is not a unit.
            let is_summary = r.forms.iter().any(|f| {
                pack.forms
                    .iter()
                    .any(|p| p.id == f.form && p.records.is_some())
            });
            if is_summary {
                plan.notes.push(note(Note::Summary));
                continue;
            }
            if code.is_empty() {
                plan.notes.push(note(Note::NoCode));
                continue;
            }
            if let Some(re) = pattern {
                if !re.is_match(&code) {
                    plan.notes
                        .push(note(Note::NotAUnit(re.as_str().to_string())));
                    continue;
                }
            }
            let errors = r.count(Severity::Error);
            if errors > 0 && exclude_errors {
                plan.notes.push(note(Note::ExcludedErrors(errors)));
                continue;
            }
            plan.by_code.entry(code).or_default().push((r, kept));
        }
        plan
    }

    /// The codes found in several workbooks, with those workbooks.
    pub fn conflicts(&self) -> Vec<(String, Vec<String>)> {
        self.by_code
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(code, v)| {
                (
                    code.clone(),
                    v.iter().map(|(r, _)| r.path.clone()).collect(),
                )
            })
            .collect()
    }

    /// Settles every conflict with the workbook modified last (`modified` by path); the
    /// others are left out and listed. A tie, or a time that cannot be read, keeps the first
    /// by path.
    pub fn prefer(mut self, modified: impl Fn(&str) -> Option<std::time::SystemTime>) -> Plan {
        for files in self.by_code.values_mut() {
            if files.len() < 2 {
                continue;
            }
            let mut newest = 0;
            for (i, (r, _)) in files.iter().enumerate() {
                if modified(&r.path) > modified(&files[newest].0.path) {
                    newest = i;
                }
            }
            let kept = files.swap_remove(newest);
            for (r, _) in files.drain(..) {
                self.notes.push((
                    r.path.clone(),
                    r.unit.code.clone().unwrap_or_default(),
                    r.unit.name.clone().unwrap_or_default(),
                    Note::Older(kept.0.path.clone()),
                ));
            }
            files.push(kept);
        }
        self
    }
}

/// Builds the summary of form `fi` from the plan (one workbook per code: settle conflicts
/// first; should one remain, the first workbook by path is used and the others are listed).
pub fn build(pack: &Pack, fi: usize, plan: &Plan) -> Summary {
    let form = &pack.forms[fi];
    let mut out = Summary {
        rows: Vec::new(),
        notes: plan.notes.clone(),
    };
    for (code, files) in &plan.by_code {
        let Some((first, rest)) = files.split_first() else {
            continue;
        };
        for (r, _) in rest {
            out.notes.push((
                r.path.clone(),
                code.clone(),
                r.unit.name.clone().unwrap_or_default(),
                Note::Duplicate(first.0.path.clone()),
            ));
        }
        let (r, kept) = first;
        let errors = r.count(Severity::Error);
        let name = r.unit.name.clone().unwrap_or_default();
        if errors > 0 {
            out.notes.push((
                r.path.clone(),
                code.clone(),
                name.clone(),
                Note::Errors(errors),
            ));
        }
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
            code: code.clone(),
            name,
            figures,
        });
    }
    out.notes.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A text of the summary workbook: the pack's, or the default in
/// [`crate::messages::SUMMARY_TEXTS`].
fn text(pack: &Pack, id: &str, params: &[(&str, &str)]) -> String {
    crate::messages::engine(&pack.settings.messages, id, params)
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
        Note::Summary => text(pack, "consolidate.summary", &[]),
        Note::NotAUnit(p) => text(pack, "consolidate.not-a-unit", &[("pattern", p)]),
        Note::Older(f) => text(pack, "consolidate.older", &[("file", f)]),
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
