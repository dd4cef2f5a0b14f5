//! Reading a workbook file into the [`model`](crate::model) types.
//!
//! The file's content decides how it is read (a `.xlsx` that is really an Excel 97 file is read
//! as one), via [`sniff`](crate::sniff). The reader (calamine) is called inside
//! `catch_unwind`: a damaged file that makes the reader panic is reported as unreadable and the
//! run goes on. Positions are made absolute: calamine's ranges need not start at A1.

use crate::model::{Cell, CellRef, Merge, NumFmt, Sheet, Value, Workbook};
use crate::sniff::{self, Container, Sniffed, Unreadable, UnreadableKind};
use calamine::{Data, Reader, SheetType};
use std::cell::Cell as StdCell;
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 * 1024 * 1024,
            max_cells_per_sheet: 5_000_000,
            max_unzipped_bytes: 2 * 1024 * 1024 * 1024,
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

/// Reads a workbook from its bytes. `name` is the file name, used in messages.
pub fn load_bytes(bytes: &[u8], name: &str, limits: &Limits) -> Result<Workbook, Unreadable> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(too_large(format!(
            "the file is {} MB, more than the {} MB crossfoot reads",
            bytes.len() / (1024 * 1024),
            limits.max_file_bytes / (1024 * 1024)
        )));
    }
    let container = match sniff::sniff(bytes, name) {
        Sniffed::Workbook(c) => c,
        Sniffed::Unreadable(u) => return Err(u),
    };
    if let Some(u) = extension_mismatch(container, name) {
        return Err(u);
    }
    if let Some(total) = unzipped_size(bytes, container) {
        if total > limits.max_unzipped_bytes {
            return Err(too_large(format!(
                "it unpacks to {} MB, more than the {} MB crossfoot unpacks (a \"zip bomb\"?)",
                total / (1024 * 1024),
                limits.max_unzipped_bytes / (1024 * 1024)
            )));
        }
    }
    let outcome = match crate::worker::pool() {
        Some(pool) => pool.read(bytes, container, limits),
        None => read_guarded(bytes, container, limits),
    };
    match outcome {
        Outcome::Read(wb) => Ok(wb),
        Outcome::Reader(text) => Err(sniff::explain_read_error(bytes, name, &text)),
        Outcome::TooLarge(text) => Err(too_large(text)),
        Outcome::Panicked => Err(Unreadable {
            kind: UnreadableKind::Corrupt,
            reason: "the workbook is damaged: the reader stopped on an inconsistent structure".into(),
            hint: "open it in a spreadsheet program; if it opens, save it again as .xlsx; if not, ask the branch to send it again".into(),
        }),
        Outcome::Stopped(why) => Err(Unreadable {
            kind: UnreadableKind::TooLarge,
            reason: format!("too large to check safely: {why}"),
            hint: "check that this is the right file (a damaged or malicious file can look like this); raise the limit with --max-reader-mb if it is a genuine workbook".into(),
        }),
    }
}

/// What a zip-based workbook says it unpacks to (the sum of its entries' sizes). The reader's
/// memory limit (see [`crate::worker`]) catches an archive that lies about it.
fn unzipped_size(bytes: &[u8], container: Container) -> Option<u64> {
    if container == Container::Xls {
        return None;
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        // The central directory's sizes (also when the entries use data descriptors).
        let size = zip.by_index_raw(i).map(|f| f.size()).unwrap_or(0);
        total = total.saturating_add(size);
    }
    Some(total)
}

/// What reading a container gave; crosses the pipe from a worker process (see [`crate::worker`]).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    Read(Workbook),
    /// The reader's own error text.
    Reader(String),
    /// Over the cell limit.
    TooLarge(String),
    /// The reader panicked (contained).
    Panicked,
    /// The worker reading it was stopped: out of memory or out of time.
    Stopped(String),
}

/// Reads the container in this process, containing a panic of the reader.
pub fn read_guarded(bytes: &[u8], container: Container, limits: &Limits) -> Outcome {
    IN_READER.with(|f| f.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| {
        read_container(bytes, container, limits)
    }));
    IN_READER.with(|f| f.set(false));
    match result {
        Ok(Ok(wb)) => Outcome::Read(wb),
        Ok(Err(ReadError::Reader(text))) => Outcome::Reader(text),
        Ok(Err(ReadError::TooLarge(text))) => Outcome::TooLarge(text),
        Err(_) => Outcome::Panicked,
    }
}

/// A workbook whose name says another format than its content: most often the wrong file was
/// sent, or a file renamed by hand. Reported, not guessed past.
fn extension_mismatch(container: Container, name: &str) -> Option<Unreadable> {
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
    Some(Unreadable {
        kind: UnreadableKind::OtherFormat,
        reason: format!("the file is {what} saved with a .{ext} name"),
        hint: format!("check that it is the file the branch meant to send; if it is, rename it to .{right} (or open it and save it as .xlsx)"),
    })
}

fn too_large(reason: String) -> Unreadable {
    Unreadable {
        kind: UnreadableKind::TooLarge,
        reason: format!("too large to check safely: {reason}"),
        hint: "check that this is the right file; raise the limit with --max-cells or --max-file-mb if it is".into(),
    }
}

enum ReadError {
    Reader(String),
    TooLarge(String),
}

fn read_container(
    bytes: &[u8],
    container: Container,
    limits: &Limits,
) -> Result<Workbook, ReadError> {
    let cursor = Cursor::new(bytes);
    let err = |e: &dyn std::fmt::Display| ReadError::Reader(e.to_string());
    match container {
        Container::Xlsx => {
            let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(cursor).map_err(|e| err(&e))?;
            read_all(&mut wb, limits, |wb, name, sheet| {
                if let Ok(styles) = wb.worksheet_style(name) {
                    for (at, cell) in sheet.cells.iter_mut() {
                        if matches!(cell.value, Value::Number(_)) {
                            if let Some(fmt) = styles
                                .get((at.row, at.col))
                                .and_then(|s| s.number_format.as_ref())
                            {
                                cell.fmt = NumFmt::from_code(&fmt.format_code);
                            }
                        }
                    }
                }
                if let Ok(merges) = wb.merge_cells_by_sheet_name(name) {
                    sheet.merges = merges.iter().map(merge_of).collect();
                }
            })
        }
        Container::Xlsb => {
            let mut wb: calamine::Xlsb<_> = calamine::Xlsb::new(cursor).map_err(|e| err(&e))?;
            read_all(&mut wb, limits, |_, _, _| {})
        }
        Container::Xls => {
            let mut wb: calamine::Xls<_> = calamine::Xls::new(cursor).map_err(|e| err(&e))?;
            // calamine gives no number formats for .xls: read them from the BIFF records.
            let formats = crate::numfmt::xls_formats(bytes);
            read_all(&mut wb, limits, |wb, name, sheet| {
                if let Ok(merges) = wb.merge_cells_by_sheet_name(name) {
                    sheet.merges = merges.iter().map(merge_of).collect();
                }
                apply_formats(sheet, formats.as_ref().and_then(|f| f.get(name)));
            })
        }
        Container::Ods => {
            let mut wb: calamine::Ods<_> = calamine::Ods::new(cursor).map_err(|e| err(&e))?;
            // Nor for .ods: read them from content.xml and styles.xml.
            let formats = crate::numfmt::ods_formats(bytes);
            read_all(&mut wb, limits, |_, name, sheet| {
                apply_formats(sheet, formats.as_ref().and_then(|f| f.get(name)));
            })
        }
    }
}

/// Sets the number format of the number cells (and of formulas without a stored value).
fn apply_formats(sheet: &mut Sheet, formats: Option<&crate::numfmt::SheetFormats>) {
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
    let names: Vec<String> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
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
        sheets.push(sheet);
    }
    Ok(Workbook {
        sheets,
        defined_names,
    })
}
