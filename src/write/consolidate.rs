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

use crate::registry::TextId;
use crate::rules::{Form, Kind, Pack};
use crate::write::xlsx_limits;
use rust_xlsxwriter::{Format, Formula, Workbook};

/// Why a unit's workbook is left out of the summary, or flagged in it.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Included, but its workbook carries errors.
    Errors(usize),
    /// Included, but some figures could not be read (their cells are left empty).
    FiguresMissing(Vec<String>),
    /// Left out: the file could not be read.
    Unreadable(String),
    /// Left out: read, and passed over as no submission (crossfoot's own review workbook,
    /// another name of a file already given); the reason.
    Skipped(String),
    /// Left out: no unit code in the title block.
    NoCode,
    /// Left out: another workbook (named) has the same code and was used.
    Duplicate(String),
    /// Left out: it carries errors (`--exclude-errors`).
    ExcludedErrors(usize),
    /// Left out: it is a summary itself.
    Summary,
    /// Left out: the summary is of summaries (one level up), and this workbook is none.
    NotASummary,
    /// Left out: its code (named) is not one of this summary's units (the form's
    /// `unit_pattern`, never shown: a regular expression means nothing to a reviewer).
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
    /// The unit the summary is of (code, name; from the register's parents), written in its
    /// title block so that the summary is a unit of the summary one level up.
    pub unit: Option<(String, String)>,
    /// The report year of the most units (ties to the later), written with the unit.
    pub year: Option<i32>,
}

/// The form to build: named, or the first whose records are matched to units.
pub fn summary_form(pack: &Pack, id: Option<&str>) -> Option<usize> {
    pack.forms
        .iter()
        .position(|f| f.matches_units() && id.is_none_or(|id| f.id == id))
}

impl Summary {
    /// The inputs that should be units of the summary and are not: unreadable, or without a
    /// unit code. A run that left any out, or that has no unit row at all, did not do its job
    /// (exit 2, as `check` with an unreadable input); the summary is written all the same, each
    /// listed on its Notes sheet.
    pub fn left_out(&self) -> usize {
        self.notes
            .iter()
            .filter(|(.., n)| matches!(n, Note::Unreadable(_) | Note::NoCode))
            .count()
    }

    /// What to tell when the summary is incomplete ([`Summary::left_out`], or no unit row):
    /// None when it is complete.
    pub fn incomplete(&self, pack: &Pack) -> Option<String> {
        match self.left_out() {
            0 if self.rows.is_empty() => Some(text(pack, TextId::ConsolidateEmpty, &[])),
            0 => None,
            n => Some(text(
                pack,
                TextId::ConsolidateIncomplete,
                &[("count", &n.to_string())],
            )),
        }
    }
}

/// A text of the summary workbook in the chosen language: the pack's, or the registry's
/// ([`crate::registry::TEXTS`]).
fn text(pack: &Pack, id: TextId, params: &[(&str, &str)]) -> String {
    pack.settings.message(id, params)
}

fn note_text(pack: &Pack, n: &Note) -> String {
    match n {
        Note::Errors(c) => text(
            pack,
            TextId::ConsolidateErrors,
            &[("count", &c.to_string())],
        ),
        Note::FiguresMissing(cols) => text(
            pack,
            TextId::ConsolidateFiguresMissing,
            &[("columns", &cols.join(", "))],
        ),
        Note::Unreadable(r) => text(pack, TextId::ConsolidateUnreadable, &[("reason", r)]),
        Note::Skipped(r) => text(pack, TextId::ConsolidateSkipped, &[("reason", r)]),
        Note::NoCode => text(pack, TextId::ConsolidateNoCode, &[]),
        Note::Duplicate(f) => text(pack, TextId::ConsolidateDuplicate, &[("file", f)]),
        Note::Summary => text(pack, TextId::ConsolidateSummary, &[]),
        Note::NotASummary => text(pack, TextId::ConsolidateNotASummary, &[]),
        Note::NotAUnit(code) => text(pack, TextId::ConsolidateNotAUnit, &[("code", code)]),
        Note::Older(f) => text(pack, TextId::ConsolidateOlder, &[("file", f)]),
        Note::ExcludedErrors(c) => text(
            pack,
            TextId::ConsolidateExcludedErrors,
            &[("count", &c.to_string())],
        ),
    }
}

/// The summary workbook could not be built: a limit of the xlsx format crossfoot does not
/// handle, or a bug (values beyond Excel's limits are cut, each with a note, and never cause
/// this).
/// Said with its own hint ([`crate::registry::DiagWords::summary_build_help`]): a build error
/// is no matter of the folder.
#[derive(Debug, thiserror::Error)]
#[error("the summary workbook cannot be built: {0}")]
pub struct BuildError(#[from] pub rust_xlsxwriter::XlsxError);

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
    // The summary shows what the inputs hold, and obeys none of it.
    let shown = crate::safe::workbook(t);
    let (text, cut) = xlsx_limits::cell_text(&shown);
    match format {
        Some(f) => ws.write_string_with_format(row, col, text, f)?,
        None => ws.write_string(row, col, text)?,
    };
    if let Some(n) = cut {
        // Plain digits: read the same in every language a pack may give the text in.
        let note = self::text(
            pack,
            TextId::ConsolidateCut,
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

/// The title block (`Tên …: name`, `Mã đơn vị: code`, `Năm báo cáo: year`), as a unit
/// workbook's, when the summary is a unit's: the summary one level up reads the summary as its
/// unit by this code.
fn write_title_block(
    pack: &Pack,
    ws: &mut rust_xlsxwriter::Worksheet,
    s: &Summary,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    if let Some((code, name)) = &s.unit {
        let settings = &pack.settings;
        let year = s.year.map(|y| y.to_string());
        let [name_label, code_label, year_label] = &settings.title_labels;
        let lines = [
            (name_label.as_deref(), Some(name.as_str())),
            (code_label.as_deref(), Some(code.as_str())),
            (year_label.as_deref(), year.as_deref()),
        ];
        for (c, (label, value)) in lines.iter().enumerate() {
            if let (Some(label), Some(value)) = (label, value) {
                put_text(
                    pack,
                    ws,
                    1,
                    c as u16 * 2,
                    &format!("{label}: {value}"),
                    None,
                )?;
            }
        }
    }
    Ok(())
}

/// The notes sheet: a line for the units (`shown` of them written) and the columns (`columns`
/// written) a worksheet could not hold, then the summary's notes (file, code, name, note), as
/// many as the sheet holds.
fn write_notes(
    pack: &Pack,
    notes: &mut rust_xlsxwriter::Worksheet,
    form: &Form,
    s: &Summary,
    shown: usize,
    columns: usize,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    for (c, h) in [
        TextId::ConsolidateFile,
        TextId::ConsolidateCode,
        TextId::ConsolidateName,
        TextId::ConsolidateNote,
    ]
    .iter()
    .enumerate()
    {
        put_text(pack, notes, 0, c as u16, &text(pack, *h, &[]), Some(&bold))?;
    }
    let mut lines: Vec<[String; 4]> = Vec::new();
    if shown < s.rows.len() {
        lines.push([
            String::new(),
            String::new(),
            String::new(),
            text(
                pack,
                TextId::ConsolidateRowsCut,
                &[
                    ("shown", &shown.to_string()),
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
                TextId::ConsolidateColumnsCut,
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
            .set_author("crossfoot")
            .set_custom_property(
                crate::read::sniff::MARK_PROPERTY,
                crate::read::sniff::SUMMARY_MARK,
            ),
    );
    let bold = Format::new().set_bold();
    let mut taken = std::collections::BTreeSet::new();
    let ws = wb.add_worksheet();
    ws.set_name(xlsx_limits::unique_sheet_name(&form.id, &mut taken))?;
    put_text(pack, ws, 0, 0, &form.name, Some(&bold))?;
    let header_row = 2u32;
    write_title_block(pack, ws, s)?;
    let rec = form.records.as_ref();
    // A numbering column (`[records] number = "STT"`) comes first; the form's columns after it.
    let numbering = rec.and_then(|r| r.number.as_deref());
    let o = u16::from(numbering.is_some());
    let columns = form
        .columns
        .len()
        .min(xlsx_limits::MAX_COLS as usize - usize::from(o));
    if let Some(h) = numbering {
        put_text(pack, ws, header_row, 0, h, Some(&bold))?;
    }
    for (c, col) in form.columns.iter().take(columns).enumerate() {
        put_text(pack, ws, header_row, c as u16 + o, &col.header, Some(&bold))?;
    }
    let first = header_row + 1;
    // Rows for units: all that fit above the end row.
    let room = (xlsx_limits::MAX_ROWS - first - 1) as usize;
    let shown = &s.rows[..s.rows.len().min(room)];
    for (k, row) in shown.iter().enumerate() {
        let r = first + k as u32;
        if numbering.is_some() {
            ws.write_number(r, 0, (k + 1) as f64)?;
        }
        for (c, col) in form.columns.iter().take(columns).enumerate() {
            let c16 = c as u16 + o;
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
            .map_or(0, |c| c as u16 + o);
        put_text(pack, ws, end, label_col, &form.rows[e].label, Some(&bold))?;
        for (c, col) in form.columns.iter().take(columns).enumerate() {
            if col.kind == Kind::Text {
                continue;
            }
            let total: f64 = shown
                .iter()
                .filter_map(|r| r.figures.get(c).copied().flatten())
                .sum();
            let letter = crate::model::CellRef::col_name(u32::from(c as u16 + o));
            let f = if shown.is_empty() {
                "0".to_string()
            } else {
                format!("SUM({letter}{}:{letter}{})", first + 1, end)
            };
            ws.write_formula_with_format(
                end,
                c as u16 + o,
                Formula::new(f).set_result(crate::text::format_plain(total)),
                &bold,
            )?;
        }
    }
    ws.set_freeze_panes(first, 0)?;
    ws.autofit();
    if numbering.is_some() {
        // Autofit would size it to the title above.
        ws.set_column_width(0, 6)?;
    }

    let notes = wb.add_worksheet();
    notes.set_name(xlsx_limits::unique_sheet_name(
        &text(pack, TextId::ConsolidateNotesSheet, &[]),
        &mut taken,
    ))?;
    write_notes(pack, notes, form, s, shown.len(), columns)?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_over_long_unit_name_is_cut_for_its_cell_only_and_the_bytes_are_reproducible() {
        let pack =
            crate::rules::load_pack(false, &[] as &[std::path::PathBuf]).expect("built-in pack");
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
            unit: None,
            year: None,
        };
        let bytes = write(&pack, form, &s).expect("written despite the long texts");
        assert_eq!(write(&pack, form, &s).expect("again"), bytes);
        let wb =
            crate::read::load::load_bytes(&bytes, "d.xlsx", &crate::read::load::Limits::default())
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
