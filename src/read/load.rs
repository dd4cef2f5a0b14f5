//! Reading a workbook file into the [`model`](crate::model) types.
//!
//! The file's content decides how it is read (a `.xlsx` that is really an Excel 97 file is read
//! as one), via [`sniff`](crate::read::sniff). The reader (calamine) is called inside
//! `catch_unwind`: a damaged file that makes the reader panic is reported as unreadable and the
//! run goes on. Positions are made absolute: calamine's ranges need not start at A1.

use crate::model::{Cell, CellRef, Emphasis, Merge, NumFmt, Sheet, Value, Workbook};
use crate::read::sheet_xml;
use crate::read::sniff::{self, Container, Sniffed, Unreadable, UnreadableKind};
use crate::read::xlsx_values::{self, Decline};
use calamine::{Data, DataRef, Reader, SheetType};
use std::cell::Cell as StdCell;
use std::collections::BTreeSet;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// How much one file may make crossfoot read.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Most cells (width × height of a sheet's used range) read per sheet.
    pub max_cells_per_sheet: u64,
    /// Most bytes a zip-based workbook (.xlsx, .xlsb, .ods) may unpack to, by its own directory.
    pub max_unzipped_bytes: u64,
    /// Most worksheets read from one workbook (a workbook listing 100,000 sheets, all one
    /// part, would be read 100,000 times).
    pub max_sheets: u64,
    /// Most cells read from one workbook, all its sheets together.
    pub max_cells_total: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_cells_per_sheet: 5_000_000,
            max_unzipped_bytes: 2 * 1024 * 1024 * 1024,
            max_sheets: 1_000,
            max_cells_total: 20_000_000,
        }
    }
}

thread_local! {
    static IN_READER: StdCell<bool> = const { StdCell::new(false) };
}

/// True while this thread is inside the workbook reader: a panic there is a damaged file,
/// reported as such, not a crash to print.
pub fn in_reader() -> bool {
    IN_READER.with(|f| f.get())
}

/// How much of each sheet to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Detail {
    /// What checking needs: values and number formats, and the formulas of the cells that
    /// have no stored value (those are computed or reported).
    Check,
    /// Also every formula and the merged ranges (the review workbook's copies show them).
    Full,
}

/// Reads a workbook from its bytes, all of it ([`Detail::Full`]), in this process (a hostile
/// file can take the process: the command line reads in worker processes, see
/// [`crate::run::Isolation`]). `name` is the file name, used in messages.
pub fn load_bytes(bytes: &[u8], name: &str, limits: &Limits) -> Result<Workbook, Unreadable> {
    load_bytes_for(bytes, name, limits, Detail::Full)
}

/// Reads a workbook from its bytes, as much as `detail` says.
pub fn load_bytes_for(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
    detail: Detail,
) -> Result<Workbook, Unreadable> {
    let container = prepare(bytes, name, limits)?;
    read_guarded(bytes, container, limits, detail).map_err(|f| failure_error(bytes, name, f))
}

/// What crossfoot knows of a file before any reader sees it: its size, its content (see
/// [`sniff`]), its name against its content, what it unpacks to. The container to read, or
/// why the file is not read.
pub fn prepare(bytes: &[u8], name: &str, limits: &Limits) -> Result<Container, Unreadable> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_large(format!(
            "the file is {} MB, more than the {} MB crossfoot reads",
            bytes.len() / (1024 * 1024),
            limits.max_file_bytes / (1024 * 1024)
        )));
    }
    let (sniffed, unpacked) = sniff::sniff_sized(bytes, name);
    let container = match sniffed {
        Sniffed::Workbook(c) => c,
        Sniffed::Unreadable(u) => return Err(u),
    };
    // The reader's memory limit (see [`crate::worker`]) catches an archive that lies about it.
    if let Some(total) = unpacked {
        if total > limits.max_unzipped_bytes {
            return Err(too_large(format!(
                "it unpacks to {} MB, more than the {} MB crossfoot unpacks (a \"zip bomb\"?)",
                total / (1024 * 1024),
                limits.max_unzipped_bytes / (1024 * 1024)
            )));
        }
    }
    Ok(container)
}

/// Why a read gave no workbook, for people.
pub fn failure_error(bytes: &[u8], name: &str, failure: Failure) -> Unreadable {
    match failure {
        Failure::Reader(text) => sniff::explain_read_error(bytes, name, &text),
        Failure::TooLarge(text) => too_large(text),
        Failure::Unsupported(text) => Unreadable {
            kind: UnreadableKind::Unsupported,
            reason: text,
            hint: kind_hint(UnreadableKind::Unsupported),
        },
        Failure::Panicked => Unreadable {
            kind: UnreadableKind::Corrupt,
            reason: "the workbook is damaged: the reader stopped on an inconsistent structure".into(),
            hint: kind_hint(UnreadableKind::Corrupt),
        },
        Failure::Internal(what) => Unreadable {
            kind: UnreadableKind::Internal,
            reason: format!("crossfoot failed while checking this file ({what}): a bug in crossfoot, not a fault of the file"),
            hint: kind_hint(UnreadableKind::Internal),
        },
        Failure::NoWorker(why) => Unreadable {
            kind: UnreadableKind::Internal,
            reason: format!("the file was not read: {why}"),
            hint: "crossfoot reads every file in a worker process under a memory limit; check that the crossfoot executable is still in place and run again".into(),
        },
        Failure::Stopped(why) => Unreadable {
            kind: UnreadableKind::TooLarge,
            reason: format!("too large to check safely: {why}"),
            hint: "check that this is the right file (a damaged or malicious file can look like this); raise the limit with --max-reader-mb if it is a genuine workbook".into(),
        },
    }
}

/// Why reading a container gave no workbook; crosses the pipe from a worker process (see
/// [`crate::worker`]).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Failure {
    /// The reader's own error text.
    Reader(String),
    /// Over the cell limit.
    TooLarge(String),
    /// Cells the reader would leave out (and checking would miss), said how.
    Unsupported(String),
    /// The reader panicked (contained).
    Panicked,
    /// The worker reading it was stopped: out of memory or out of time.
    Stopped(String),
    /// The checker (not the reader) panicked on the file: a bug in crossfoot, contained.
    Internal(String),
    /// No worker process could take the file (it is never read unguarded instead).
    NoWorker(String),
}

/// What reading a container gave.
pub type Outcome = Result<Workbook, Failure>;

/// Reads the container in this process, containing a panic of the reader.
pub fn read_guarded(
    bytes: &[u8],
    container: Container,
    limits: &Limits,
    detail: Detail,
) -> Outcome {
    let mut opened = Opened::open(bytes, container)?;
    opened.read(limits, detail)
}

/// Runs the reader, containing a panic.
fn guard<T>(f: impl FnOnce() -> Result<T, ReadError>) -> Result<T, Failure> {
    IN_READER.with(|f| f.set(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_READER.with(|f| f.set(false));
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(ReadError::Reader(text))) => Err(Failure::Reader(text)),
        Ok(Err(ReadError::TooLarge(text))) => Err(Failure::TooLarge(text)),
        Ok(Err(ReadError::Unsupported(text))) => Err(Failure::Unsupported(text)),
        Err(_) => Err(Failure::Panicked),
    }
}

/// A workbook open in the reader: read once for checking, then, for the review copies,
/// completed with the formulas and merged ranges of the sheets kept (without reading the
/// file again). Every call contains a panic of the reader.
pub struct Opened<'a> {
    bytes: &'a [u8],
    reader: Open<'a>,
    /// Sheets whose formulas were read with their values.
    with_formulas: BTreeSet<String>,
    /// An .xlsx package's sheet parts, for their formulas and merged ranges in one pass
    /// ([`sheet_xml`]): opened when first needed.
    parts: Option<sheet_xml::Parts<'a>>,
}

enum Open<'a> {
    /// calamine's reader, opened only when needed: checking reads the values itself when it
    /// is sure to read them as calamine does ([`xlsx_values`]).
    Xlsx(Option<calamine::Xlsx<Cursor<&'a [u8]>>>),
    Xlsb(calamine::Xlsb<Cursor<&'a [u8]>>),
    Xls(calamine::Xls<Cursor<&'a [u8]>>),
    Ods(calamine::Ods<Cursor<&'a [u8]>>),
}

impl<'a> Opened<'a> {
    pub fn open(bytes: &'a [u8], container: Container) -> Result<Opened<'a>, Failure> {
        guard(|| {
            let cursor = Cursor::new(bytes);
            let err = |e: &dyn std::fmt::Display| ReadError::Reader(e.to_string());
            let reader = match container {
                Container::Xlsx => Open::Xlsx(None),
                Container::Xlsb => Open::Xlsb(calamine::Xlsb::new(cursor).map_err(|e| err(&e))?),
                Container::Xls => Open::Xls(calamine::Xls::new(cursor).map_err(|e| err(&e))?),
                Container::Ods => Open::Ods(calamine::Ods::new(cursor).map_err(|e| err(&e))?),
            };
            Ok(Opened {
                bytes,
                reader,
                with_formulas: BTreeSet::new(),
                parts: None,
            })
        })
    }

    /// Reads every worksheet, as much as `detail` says.
    pub fn read(&mut self, limits: &Limits, detail: Detail) -> Outcome {
        let bytes = self.bytes;
        let merges = detail == Detail::Full;
        let with_formulas = &mut self.with_formulas;
        let parts = &mut self.parts;
        match &mut self.reader {
            Open::Xlsx(wb) => guard(|| {
                let mut parts = Package { bytes, parts };
                if detail == Detail::Check {
                    if let Some((workbook, formulas)) = parts.values(limits) {
                        with_formulas.extend(formulas);
                        return Ok(workbook);
                    }
                }
                let wb = match wb {
                    Some(wb) => wb,
                    None => wb.insert(calamine::Xlsx::new(Cursor::new(bytes))?),
                };
                read_xlsx(wb, limits, detail, with_formulas, &mut parts)
            }),
            Open::Xlsb(wb) => guard(|| {
                // Nor for .xlsb (beyond dates): read them from styles.bin and the sheets' records,
                // which also tell the cells calamine would leave out (never checked half-read).
                let read = crate::read::numfmt::xlsb_read(bytes);
                if let Some((name, n)) = read.as_ref().and_then(|r| r.short_cells.first()) {
                    return Err(ReadError::Unsupported(format!(
                        "sheet \"{name}\" stores {n} cell(s) as short .xlsb records (a cell written without its column, as SheetJS writes them), which the workbook reader cannot read: checking it would miss those figures"
                    )));
                }
                let formats = read.map(|r| r.formats);
                read_all(wb, limits, |_, name, sheet| {
                    apply_formats(sheet, formats.as_ref().and_then(|f| f.get(name)));
                })
            }),
            Open::Xls(wb) => guard(|| {
                // calamine gives no number formats for .xls: read them from the BIFF records.
                let formats = crate::read::numfmt::xls_formats(bytes);
                read_all(wb, limits, |wb, name, sheet| {
                    if merges {
                        sheet.merges = merged_ranges(wb.merge_cells_by_sheet_name(name));
                    }
                    apply_formats(sheet, formats.as_ref().and_then(|f| f.get(name)));
                })
            }),
            Open::Ods(wb) => guard(|| {
                // Nor for .ods: read them from content.xml and styles.xml.
                let formats = crate::read::numfmt::ods_formats(bytes);
                read_all(wb, limits, |_, name, sheet| {
                    apply_formats(sheet, formats.as_ref().and_then(|f| f.get(name)));
                })
            }),
        }
    }

    /// Completes sheets read for checking ([`Detail::Check`]) to what [`Detail::Full`] reads:
    /// their formulas and merged ranges.
    pub fn complete(&mut self, sheets: &mut [Sheet], limits: &Limits) -> Result<(), Failure> {
        let with_formulas = &self.with_formulas;
        let mut parts = Package {
            bytes: self.bytes,
            parts: &mut self.parts,
        };
        match &mut self.reader {
            Open::Xlsx(_) => guard(|| {
                for sheet in sheets.iter_mut() {
                    let formulas = !with_formulas.contains(&sheet.name);
                    parts.formulas_and_merges(sheet, formulas, limits)?;
                }
                Ok(())
            }),
            Open::Xls(wb) => guard(|| {
                for sheet in sheets.iter_mut() {
                    sheet.merges = merged_ranges(wb.merge_cells_by_sheet_name(&sheet.name));
                }
                Ok(())
            }),
            // Formulas are read with the values; no merged ranges are read.
            Open::Xlsb(_) | Open::Ods(_) => Ok(()),
        }
    }
}

/// A sheet's merged ranges as calamine gave them (.xlsx and .xls; none when it could not).
fn merged_ranges<E>(given: Result<Vec<calamine::Dimensions>, E>) -> Vec<Merge> {
    given
        .map(|m| m.iter().map(merge_of).collect())
        .unwrap_or_default()
}

/// A workbook whose name says another format than its content (an `.xls` saved as `.xlsx`):
/// it is read by its content, and this says what it really is, for a finding — (what it is,
/// the extension it has, the extension it should have).
pub fn wrong_extension(
    container: Container,
    name: &str,
) -> Option<(&'static str, String, &'static str)> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    let named = match ext.as_str() {
        "xlsx" | "xlsm" => Container::Xlsx,
        "xlsb" => Container::Xlsb,
        "xls" => Container::Xls,
        "ods" => Container::Ods,
        _ => return None,
    };
    if named == container {
        return None;
    }
    let (what, right) = match container {
        Container::Xlsx => ("an Excel workbook (.xlsx)", "xlsx"),
        Container::Xlsb => ("an Excel binary workbook (.xlsb)", "xlsb"),
        Container::Xls => ("an Excel 97–2003 workbook (.xls)", "xls"),
        Container::Ods => ("an OpenDocument spreadsheet (.ods)", "ods"),
    };
    Some((what, ext, right))
}

/// The English hint of an unreadable kind ([`crate::registry::UNREADABLE`]), when the kind's
/// hint is all there is to say.
fn kind_hint(kind: UnreadableKind) -> String {
    crate::registry::unreadable(kind).hint.en.to_string()
}

fn too_large(reason: String) -> Unreadable {
    Unreadable {
        kind: UnreadableKind::TooLarge,
        reason: format!("too large to check safely: {reason}"),
        hint: "check that this is the right file; raise the limit with --max-cells or --max-file-mb if it is".into(),
    }
}

pub(crate) enum ReadError {
    Reader(String),
    TooLarge(String),
    Unsupported(String),
}

/// Sets the number format of the number cells (and of formulas without a stored value).
fn apply_formats(sheet: &mut Sheet, formats: Option<&crate::read::numfmt::SheetFormats>) {
    let Some(formats) = formats else { return };
    for (at, fmt) in formats {
        if let Some(cell) = sheet.cells.get_mut(at) {
            if matches!(cell.value, Value::Number(_))
                || (cell.value == Value::Empty && cell.formula.is_some())
            {
                cell.fmt = *fmt;
            }
        }
    }
}

fn merge_of(d: &calamine::Dimensions) -> Merge {
    Merge {
        first: CellRef::new(d.start.0, d.start.1),
        last: CellRef::new(d.end.0, d.end.1),
    }
}

/// The worksheets' names, in workbook order (chart sheets and the like left out).
fn worksheet_names<R, RS>(wb: &R) -> Vec<String>
where
    R: Reader<RS>,
    RS: std::io::Read + std::io::Seek,
{
    wb.sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

/// The workbook's bounds beyond one sheet: how many worksheets it lists, and the cells of all
/// its sheets together (each sheet is bounded by itself as it is read, [`Bounded`]).
pub(crate) struct WorkbookBudget {
    max_cells: u64,
    cells: u64,
}

impl WorkbookBudget {
    /// Refuses a workbook listing more worksheets than `limits.max_sheets`, before any is read.
    pub(crate) fn new(sheets: usize, limits: &Limits) -> Result<WorkbookBudget, ReadError> {
        if sheets as u64 > limits.max_sheets {
            return Err(ReadError::TooLarge(format!(
                "the workbook lists {sheets} worksheets, more than {}",
                limits.max_sheets
            )));
        }
        Ok(WorkbookBudget {
            max_cells: limits.max_cells_total,
            cells: 0,
        })
    }

    /// Counts a sheet read: an error once the sheets together exceed the budget.
    pub(crate) fn add(&mut self, sheet: &Sheet) -> Result<(), ReadError> {
        self.cells = self.cells.saturating_add(sheet.cells.len() as u64);
        if self.cells > self.max_cells {
            return Err(ReadError::TooLarge(format!(
                "its sheets hold more than {} cells together",
                self.max_cells
            )));
        }
        Ok(())
    }
}

/// The sheet's used cells (not empty), bounded: their count and their bounding box may not
/// exceed the per-sheet cell limit.
pub(crate) struct Bounded {
    name: String,
    max: u64,
    count: u64,
    first: (u32, u32),
    last: (u32, u32),
}

impl Bounded {
    pub(crate) fn new(name: &str, max: u64) -> Bounded {
        Bounded {
            name: name.to_string(),
            max,
            count: 0,
            first: (u32::MAX, u32::MAX),
            last: (0, 0),
        }
    }

    pub(crate) fn add(&mut self, (r, c): (u32, u32)) -> Result<(), ReadError> {
        self.count += 1;
        self.first = (self.first.0.min(r), self.first.1.min(c));
        self.last = (self.last.0.max(r), self.last.1.max(c));
        let h = u64::from(self.last.0.saturating_sub(self.first.0)) + 1;
        let w = u64::from(self.last.1.saturating_sub(self.first.1)) + 1;
        if self.count > self.max || h.saturating_mul(w) > self.max {
            return Err(ReadError::TooLarge(format!(
                "sheet \"{}\" spans {h} rows × {w} columns, more than {} cells",
                self.name, self.max
            )));
        }
        Ok(())
    }
}

/// Reads an .xlsx in one pass over each sheet's XML: values with their style's number format.
/// Formulas take a second pass, only when the review copies need them ([`Detail::Full`]: with
/// the merged ranges, in one pass of our own, [`sheet_xml`]) or a cell has no stored value (it
/// may be a formula never computed: calamine's formula reading).
fn read_xlsx<RS: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<RS>,
    limits: &Limits,
    detail: Detail,
    with_formulas: &mut BTreeSet<String>,
    parts: &mut Package<'_, '_>,
) -> Result<Workbook, ReadError> {
    let names = worksheet_names(wb);
    let mut budget = WorkbookBudget::new(names.len(), limits)?;
    let defined_names = wb.defined_names().to_vec();
    let reader_err = |e: calamine::XlsxError| ReadError::Reader(e.to_string());
    // The number format of each style of the workbook's palette, read once.
    let mut formats: Option<Vec<NumFmt>> = None;
    // And how each sets a text apart (bold, indent): what discover reads as an outline.
    let mut emphases: Option<Vec<Emphasis>> = None;
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let mut sheet = Sheet::new(name.clone());
        let mut blanks = false;
        {
            let mut cells = match wb.worksheet_cells_reader(&name) {
                Ok(c) => c,
                Err(calamine::XlsxError::NotAWorksheet(_)) => {
                    sheets.push(sheet);
                    continue;
                }
                Err(e) => return Err(reader_err(e)),
            };
            let formats = formats.get_or_insert_with(|| {
                cells
                    .styles()
                    .iter()
                    .map(|s| {
                        s.number_format
                            .as_ref()
                            .map_or_else(NumFmt::default, |f| NumFmt::from_code(&f.format_code))
                    })
                    .collect()
            });
            let emphases = emphases
                .get_or_insert_with(|| cells.styles().iter().map(emphasis_of).collect::<Vec<_>>());
            let mut used = Bounded::new(&name, limits.max_cells_per_sheet);
            while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(reader_err)? {
                let value = match cell.get_value() {
                    DataRef::Int(i) => Value::Number(*i as f64),
                    DataRef::Float(f) => Value::Number(*f),
                    DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Date(s.clone()),
                    DataRef::String(s) => Value::Text(s.clone()),
                    DataRef::SharedString(s) => Value::Text((*s).to_string()),
                    DataRef::Bool(b) => Value::Bool(*b),
                    DataRef::DateTime(d) => Value::Date(d.to_string()),
                    DataRef::Error(e) => Value::Error(e.to_string()),
                    DataRef::Empty => {
                        blanks = true;
                        continue;
                    }
                };
                let (r, c) = cell.get_position();
                used.add((r, c))?;
                if let Some(e) = emphases.get(style).filter(|e| e.any()) {
                    if matches!(value, Value::Text(_)) {
                        sheet.emphasis.insert(CellRef::new(r, c), *e);
                    }
                }
                let fmt = match value {
                    Value::Number(_) => formats.get(style).copied().unwrap_or_default(),
                    _ => NumFmt::default(),
                };
                sheet.cells.insert(
                    CellRef::new(r, c),
                    Cell {
                        value,
                        formula: None,
                        fmt,
                    },
                );
            }
        }
        if detail == Detail::Full {
            parts.formulas_and_merges(&mut sheet, true, limits)?;
            with_formulas.insert(name.clone());
        } else if blanks {
            xlsx_formulas(wb, &mut sheet, limits)?;
            with_formulas.insert(name.clone());
        }
        budget.add(&sheet)?;
        sheets.push(sheet);
    }
    Ok(Workbook {
        sheets,
        defined_names,
    })
}

/// How a style of the palette sets a text apart: bold type, the alignment's indent.
fn emphasis_of(style: &calamine::Style) -> Emphasis {
    Emphasis {
        bold: style.font.as_ref().is_some_and(calamine::Font::is_bold),
        indent: style.alignment.as_ref().and_then(|a| a.indent).unwrap_or(0),
    }
}

/// Reads the formulas of an .xlsx sheet into its cells (calamine's formula reading).
fn xlsx_formulas<RS: std::io::Read + std::io::Seek>(
    wb: &mut calamine::Xlsx<RS>,
    sheet: &mut Sheet,
    limits: &Limits,
) -> Result<(), ReadError> {
    let mut cells = wb.worksheet_cells_reader(&sheet.name)?;
    while let Some(f) = cells.next_formula()? {
        if f.get_value().is_empty() {
            continue;
        }
        set_formula(sheet, f.get_position(), f.get_value().clone(), limits)?;
    }
    Ok(())
}

/// Sets a cell's formula; a formula without a stored result becomes an empty cell with a
/// formula, which the checker computes or reports (counted like a value).
pub(crate) fn set_formula(
    sheet: &mut Sheet,
    (r, c): (u32, u32),
    formula: String,
    limits: &Limits,
) -> Result<(), ReadError> {
    let at = CellRef::new(r, c);
    let cell = match sheet.cells.get_mut(&at) {
        Some(cell) => cell,
        None => {
            if sheet.cells.len() as u64 >= limits.max_cells_per_sheet {
                return Err(ReadError::TooLarge(format!(
                    "sheet \"{}\" has more than {} cells",
                    sheet.name, limits.max_cells_per_sheet
                )));
            }
            sheet
                .cells
                .entry(at)
                .or_insert_with(|| Cell::value(Value::Empty))
        }
    };
    cell.formula = Some(formula);
    Ok(())
}

impl From<calamine::XlsxError> for ReadError {
    fn from(e: calamine::XlsxError) -> Self {
        ReadError::Reader(e.to_string())
    }
}

impl From<ReadError> for Decline {
    fn from(_: ReadError) -> Self {
        Decline
    }
}

/// Reads an .xlsx's worksheets for checking with crossfoot's own reader ([`xlsx_values`]) into
/// exactly what [`read_xlsx`] builds from calamine for [`Detail::Check`] — the same bounds, a
/// sheet with a cell without a value completed with its formulas — with the sheets whose
/// formulas were read; `Err(Decline)` when it is not sure (any error, a limit, a panic: the
/// calamine path then reads the workbook and gives its own error).
pub fn read_xlsx_values(
    parts: &mut sheet_xml::Parts<'_>,
    limits: &Limits,
) -> Result<(Workbook, Vec<String>), Decline> {
    let caught = catch_unwind(AssertUnwindSafe(|| values_sure(parts, limits)));
    caught.unwrap_or(Err(Decline))
}

fn values_sure(
    parts: &mut sheet_xml::Parts<'_>,
    limits: &Limits,
) -> Result<(Workbook, Vec<String>), Decline> {
    let bound = xlsx_values::PART_BOUND.min(limits.max_unzipped_bytes);
    let values = xlsx_values::Values::open(parts, bound)?;
    let mut budget = WorkbookBudget::new(values.worksheets().len(), limits)?;
    let mut sheets = Vec::with_capacity(values.worksheets().len());
    let mut with_formulas = Vec::new();
    for name in values.worksheets() {
        let mut sheet = Sheet::new(name.clone());
        let Some(cells) = values.sheet(parts, name, bound, limits.max_cells_per_sheet)? else {
            // Not a worksheet inside (calamine's `NotAWorksheet`): an empty sheet.
            sheets.push(sheet);
            continue;
        };
        let mut used = Bounded::new(name, limits.max_cells_per_sheet);
        // Collected, then built in one go: the cells come in the part's order (by row, then
        // column, as `CellRef` sorts), and a map built from a sorted list is cheaper than one
        // insert per cell. A cell written twice keeps its last value, as an insert would.
        let mut list = Vec::with_capacity(cells.values.len());
        for (at, value, style) in cells.values {
            used.add(at)?;
            let style = values.style(style);
            if let Some(e) = style.map(|s| s.1).filter(|e| e.any()) {
                if matches!(value, Value::Text(_)) {
                    sheet.emphasis.insert(CellRef::new(at.0, at.1), e);
                }
            }
            let fmt = match value {
                Value::Number(_) => style.map(|s| s.0).unwrap_or_default(),
                _ => NumFmt::default(),
            };
            let cell = Cell {
                value,
                formula: None,
                fmt,
            };
            list.push((CellRef::new(at.0, at.1), cell));
        }
        sheet.cells = list.into_iter().collect();
        if cells.blanks {
            // A cell without a value may be a formula never computed: the sheet's formulas, as
            // `read_xlsx` reads them (the one pass gives calamine's formulas).
            parts.sheet(name, |at, formula| {
                set_formula(&mut sheet, at, formula, limits)
            })?;
            with_formulas.push(name.clone());
        }
        budget.add(&sheet)?;
        sheets.push(sheet);
    }
    let defined_names = values.defined_names().to_vec();
    let workbook = Workbook {
        sheets,
        defined_names,
    };
    Ok((workbook, with_formulas))
}

/// An .xlsx package's sheet parts, opened when first needed.
struct Package<'p, 'a> {
    bytes: &'a [u8],
    parts: &'p mut Option<sheet_xml::Parts<'a>>,
}

impl Package<'_, '_> {
    /// The values read by crossfoot's own reader ([`xlsx_values`]), with the sheets whose
    /// formulas were read; None when it is not sure (calamine reads the workbook then).
    fn values(&mut self, limits: &Limits) -> Option<(Workbook, Vec<String>)> {
        let parts = match self.parts {
            Some(parts) => parts,
            None => self.parts.insert(sheet_xml::Parts::open(self.bytes).ok()?),
        };
        read_xlsx_values(parts, limits).ok()
    }

    /// Reads a sheet's formulas (unless `formulas` is false: read already) and its merged
    /// ranges, in one pass over its part.
    fn formulas_and_merges(
        &mut self,
        sheet: &mut Sheet,
        formulas: bool,
        limits: &Limits,
    ) -> Result<(), ReadError> {
        let parts = match self.parts {
            Some(parts) => parts,
            None => self.parts.insert(sheet_xml::Parts::open(self.bytes)?),
        };
        let name = sheet.name.clone();
        let merges = parts.sheet(&name, |at, formula| {
            if formulas {
                set_formula(sheet, at, formula, limits)?;
            }
            Ok::<(), ReadError>(())
        })?;
        sheet.merges = merges.iter().map(merge_of).collect();
        Ok(())
    }
}

fn read_all<R, RS>(
    wb: &mut R,
    limits: &Limits,
    extra: impl Fn(&mut R, &str, &mut Sheet),
) -> Result<Workbook, ReadError>
where
    R: Reader<RS>,
    RS: std::io::Read + std::io::Seek,
    R::Error: std::fmt::Display,
{
    let names = worksheet_names(wb);
    let mut budget = WorkbookBudget::new(names.len(), limits)?;
    let defined_names = wb.defined_names().to_vec();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| ReadError::Reader(e.to_string()))?;
        let (h, w) = range.get_size();
        if (h as u64).saturating_mul(w as u64) > limits.max_cells_per_sheet {
            return Err(ReadError::TooLarge(format!(
                "sheet \"{name}\" spans {h} rows × {w} columns, more than {} cells",
                limits.max_cells_per_sheet
            )));
        }
        let mut sheet = Sheet::new(name.clone());
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, data) in range.used_cells() {
            let value = match data {
                Data::Int(i) => Value::Number(*i as f64),
                Data::Float(f) => Value::Number(*f),
                Data::String(s) => Value::Text(s.clone()),
                Data::Bool(b) => Value::Bool(*b),
                Data::DateTime(d) => Value::Date(d.to_string()),
                Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Date(s.clone()),
                Data::Error(e) => Value::Error(e.to_string()),
                Data::Empty => continue,
            };
            let at = CellRef::new(r0 + r as u32, c0 + c as u32);
            sheet.cells.insert(at, Cell::value(value));
        }
        drop(range);
        // Formulas: keep the text; a formula without a stored result becomes an empty cell with
        // a formula, which the checker evaluates or reports.
        if let Ok(formulas) = wb.worksheet_formula(&name) {
            let (fr0, fc0) = formulas.start().unwrap_or((0, 0));
            for (r, c, f) in formulas.used_cells() {
                if f.is_empty() {
                    continue;
                }
                let at = CellRef::new(fr0 + r as u32, fc0 + c as u32);
                sheet
                    .cells
                    .entry(at)
                    .or_insert_with(|| Cell::value(Value::Empty))
                    .formula = Some(f.clone());
            }
        }
        extra(wb, &name, &mut sheet);
        budget.add(&sheet)?;
        sheets.push(sheet);
    }
    Ok(Workbook {
        sheets,
        defined_names,
    })
}

/// An .xlsx read for checking by calamine alone, as `read_xlsx` reads it (the fast path's
/// reference, [`xlsx_values`]).
#[cfg(test)]
pub(crate) fn xlsx_by_calamine(bytes: &[u8], limits: &Limits) -> Outcome {
    guard(|| {
        let mut wb = calamine::Xlsx::new(Cursor::new(bytes))?;
        let mut parts = None;
        let mut package = Package {
            bytes,
            parts: &mut parts,
        };
        read_xlsx(
            &mut wb,
            limits,
            Detail::Check,
            &mut BTreeSet::new(),
            &mut package,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Format, Formula, Workbook as XlsxWriter};

    /// A1 = 5, A2 = `A1*2` (stored result 10), A3 = 20.41 % (`0.00%`); with `blanks`, B1:C1
    /// merged (C1 a styled blank) and B3 a styled blank.
    fn workbook(blanks: bool) -> Vec<u8> {
        let mut wb = XlsxWriter::new();
        let ws = wb.add_worksheet();
        ws.write_number(0, 0, 5.0).expect("A1");
        ws.write_formula(1, 0, Formula::new("=A1*2").set_result("10"))
            .expect("A2");
        let pct = Format::new().set_num_format("0.00%");
        ws.write_number_with_format(2, 0, 0.2041, &pct).expect("A3");
        if blanks {
            ws.merge_range(0, 1, 0, 2, "Head", &Format::new())
                .expect("B1:C1");
            ws.write_blank(2, 1, &pct).expect("B3");
        }
        wb.save_to_buffer().expect("save")
    }

    fn cell(wb: &Workbook, a1: &str) -> Cell {
        let at = CellRef::parse_a1(a1).expect("address");
        wb.sheets[0].get(at).cloned().expect("cell")
    }

    fn load(blanks: bool, detail: Detail) -> Workbook {
        load_bytes_for(&workbook(blanks), "t.xlsx", &Limits::default(), detail).expect("read")
    }

    #[test]
    fn checking_reads_values_and_formats_the_review_also_formulas_and_merges() {
        for wb in [
            load(false, Detail::Check),
            load(true, Detail::Check),
            load(true, Detail::Full),
        ] {
            assert_eq!(cell(&wb, "A1").value, Value::Number(5.0));
            assert_eq!(cell(&wb, "A2").value, Value::Number(10.0));
            let a3 = cell(&wb, "A3");
            assert_eq!(a3.value, Value::Number(0.2041));
            assert_eq!(
                a3.fmt,
                NumFmt {
                    percent: true,
                    decimals: Some(2)
                }
            );
            // A styled blank is no cell.
            assert!(wb.sheets[0].get(CellRef::new(2, 1)).is_none());
        }
        // A stored result is enough for checking: no formula is read...
        let plain = load(false, Detail::Check);
        assert_eq!(cell(&plain, "A2").formula, None);
        // ...unless the sheet has a cell without a value, which may be a formula never computed.
        let with_blanks = load(true, Detail::Check);
        assert_eq!(cell(&with_blanks, "A2").formula.as_deref(), Some("A1*2"));
        assert!(with_blanks.sheets[0].merges.is_empty());
        // The review reads formulas and merges.
        let full = load(true, Detail::Full);
        assert_eq!(cell(&full, "B1").value, Value::Text("Head".into()));
        assert_eq!(cell(&full, "A2").formula.as_deref(), Some("A1*2"));
        assert_eq!(
            full.sheets[0].merges,
            [Merge {
                first: CellRef::new(0, 1),
                last: CellRef::new(0, 2)
            }]
        );
    }

    /// What the review copies get: read for checking, then completed by the open reader, is
    /// what a full read gives.
    #[test]
    fn completing_sheets_read_for_checking_gives_the_full_read() {
        let limits = Limits::default();
        for blanks in [false, true] {
            let bytes = workbook(blanks);
            let container = Container::Xlsx;
            let mut opened = Opened::open(&bytes, container).expect("open");
            let mut wb = opened.read(&limits, Detail::Check).expect("check");
            opened.complete(&mut wb.sheets, &limits).expect("complete");
            let full = read_guarded(&bytes, container, &limits, Detail::Full).expect("full");
            assert_eq!(wb, full, "blanks: {blanks}");
        }
    }

    #[test]
    fn a_failure_of_crossfoot_itself_is_not_blamed_on_the_file() {
        let u = failure_error(
            b"",
            "t.xlsx",
            Failure::Internal("index out of bounds".into()),
        );
        assert_eq!(u.kind, UnreadableKind::Internal);
        assert!(u.reason.contains("index out of bounds"), "{}", u.reason);
        assert!(u.reason.contains("a bug in crossfoot"), "{}", u.reason);
        assert!(u.hint.contains("report"), "{}", u.hint);
    }

    /// A workbook with 5 sheets, each with the cells of [`workbook`].
    fn five_sheets() -> Vec<u8> {
        let mut wb = XlsxWriter::new();
        for _ in 0..5 {
            let ws = wb.add_worksheet();
            for r in 0..3 {
                ws.write_number(r, 0, 1.0).expect("cell");
            }
        }
        wb.save_to_buffer().expect("saved")
    }

    #[test]
    fn the_sheet_count_and_the_cells_of_all_sheets_are_bounded() {
        let bytes = five_sheets();
        {
            let sheets = Limits {
                max_sheets: 4,
                ..Limits::default()
            };
            let err = load_bytes_for(&bytes, "t.xlsx", &sheets, Detail::Check).expect_err("sheets");
            assert_eq!(err.kind, UnreadableKind::TooLarge);
            assert!(
                err.reason.contains("lists 5 worksheets, more than 4"),
                "{}",
                err.reason
            );
            // 15 cells in all, 3 a sheet: the budget, not the sheet limit, stops it.
            let cells = Limits {
                max_cells_total: 14,
                ..Limits::default()
            };
            let err = load_bytes_for(&bytes, "t.xlsx", &cells, Detail::Check).expect_err("cells");
            assert!(
                err.reason.contains("more than 14 cells together"),
                "{}",
                err.reason
            );
            let exact = Limits {
                max_sheets: 5,
                max_cells_total: 15,
                ..Limits::default()
            };
            assert!(load_bytes_for(&bytes, "t.xlsx", &exact, Detail::Check).is_ok());
        }
    }

    #[test]
    fn the_cell_limit_holds_while_a_sheet_is_read() {
        let limits = Limits {
            max_cells_per_sheet: 2,
            ..Limits::default()
        };
        let err =
            load_bytes_for(&workbook(false), "t.xlsx", &limits, Detail::Check).expect_err("limit");
        assert_eq!(err.kind, UnreadableKind::TooLarge);
        assert!(err.reason.contains("more than 2 cells"), "{}", err.reason);
    }
}
