//! One pass over an .xlsx worksheet's XML part for what the review copies show beyond the
//! values: its formulas and its merged ranges.
//!
//! calamine gives them in two more passes over the part, each inflating and parsing the whole
//! sheet again (`XlsxCellReader::next_formula`, then `Xlsx::merge_cells_by_sheet_name`); this
//! inflates the part once (whole, [`crate::read::inflate`], or else with `zip`'s reader) and
//! reads both from the one stream of XML events (with `quick-xml`, configured as calamine
//! configures it). What it gives is what calamine gives, event for event: the same cells (a
//! cell without an `r` attribute placed as calamine places it), the same formula texts
//! (entities resolved, shared formulas expanded with [`calamine::expand_shared_formula`] from
//! the anchor already seen), the same errors for the formulas, and the merged ranges of the
//! first `<mergeCells>` — none when calamine could not read them. The part is found from the
//! package's relationships as calamine finds it.
//! `tests::the_pass_gives_what_calamine_gives_on_every_xlsx_of_the_corpus` holds it to that.
//!
//! It is called inside the reader's guard ([`crate::read::load`]): a panic is contained like
//! any of the reader's.

use calamine::{Dimensions, XlsxError};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor};

type Zip<'a> = crate::read::inflate::Archive<'a>;
type Xml<R> = quick_xml::Reader<R>;

/// A part of the package: inflated whole ([`crate::read::inflate`]), or as it is read.
enum Part<'z, 'a> {
    Whole(Cursor<Vec<u8>>),
    Streamed(BufReader<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>),
}

impl std::io::Read for Part<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Part::Whole(c) => c.read(buf),
            Part::Streamed(r) => r.read(buf),
        }
    }
}

impl BufRead for Part<'_, '_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        match self {
            Part::Whole(c) => c.fill_buf(),
            Part::Streamed(r) => r.fill_buf(),
        }
    }

    fn consume(&mut self, amount: usize) {
        match self {
            Part::Whole(c) => c.consume(amount),
            Part::Streamed(r) => r.consume(amount),
        }
    }
}

/// An .xlsx package open for reading its worksheet parts: the zip directory read once, and
/// each worksheet's part path.
pub struct Parts<'a> {
    bytes: &'a [u8],
    zip: Zip<'a>,
    /// The package's entry names by their lowercase form, `\` read as `/` (calamine's lookup).
    names: HashMap<String, String>,
    /// (sheet name, part path), in workbook order.
    sheets: Vec<(String, String)>,
    /// What calamine's `read_workbook` reads beyond the parts' paths, for the values' own
    /// reader ([`crate::read::xlsx_values`]).
    book: Book,
}

/// The workbook part as calamine's `read_workbook` reads it: each sheet's kind (by its
/// relationship's type), the defined names, and whether calamine would refuse the workbook
/// for something this reading lets pass (an unknown sheet state or relationship type, a
/// defined name or `workbookPr` it cannot read).
#[derive(Debug, Default)]
pub struct Book {
    /// The workbook part's folder (`xl/`), where calamine looks for the shared strings and
    /// styles.
    pub dir: String,
    /// For each sheet of `Parts::sheets`, whether its relationship says worksheet.
    pub worksheet: Vec<bool>,
    /// The defined names: name → formula text.
    pub defined_names: Vec<(String, String)>,
    /// calamine would refuse to open the workbook.
    pub refused: bool,
}

impl<'a> Parts<'a> {
    /// Opens the package: its zip directory, `_rels/.rels` (where the workbook part is), the
    /// workbook's relationships and its list of sheets.
    pub fn open(bytes: &'a [u8]) -> Result<Parts<'a>, XlsxError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(XlsxError::Zip)?;
        let mut names = HashMap::with_capacity(zip.len());
        for name in zip.file_names() {
            let name = name.map_err(XlsxError::Zip)?;
            names.insert(
                name.replace('\\', "/").to_ascii_lowercase(),
                name.to_string(),
            );
        }
        let mut parts = Parts {
            bytes,
            zip,
            names,
            sheets: Vec::new(),
            book: Book::default(),
        };
        let (dir, workbook) = parts.workbook_part()?;
        let relationships = parts.relationships(&dir, &workbook)?;
        parts.sheets = parts.sheet_paths(&dir, &workbook, &relationships)?;
        parts.book.dir = dir;
        Ok(parts)
    }

    /// The workbook as calamine's `read_workbook` reads it.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Each sheet's name and part path, in workbook order (worksheets and the others).
    pub fn sheet_list(&self) -> &[(String, String)] {
        &self.sheets
    }

    /// A part's bytes, inflated whole, found by its name as calamine finds it: `Ok(None)` when
    /// there is no such entry, an error when it cannot be inflated or unpacks to more than
    /// `bound` bytes (read no further than that: a zip bomb is never inflated whole).
    pub fn part_bytes(&mut self, path: &str, bound: u64) -> Result<Option<Vec<u8>>, PartError> {
        use std::io::Read;
        let entry = self
            .names
            .get(&path.to_ascii_lowercase())
            .map_or(path, String::as_str);
        let Some(index) = self.zip.index_for_name(entry) else {
            return Ok(None);
        };
        if let Some(whole) = crate::read::inflate::whole(self.bytes, &mut self.zip, index, bound) {
            return Ok(Some(whole));
        }
        let file = match self.zip.by_index(index) {
            Ok(file) => file,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(_) => return Err(PartError),
        };
        let capacity = file.size().min(bound).saturating_add(1);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).map_err(|_| PartError)?);
        file.take(bound.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|_| PartError)?;
        if bytes.len() as u64 > bound {
            return Err(PartError);
        }
        Ok(Some(bytes))
    }

    /// Reads the named worksheet's part once: each formula that is not empty goes to
    /// `formula` as it is read (so the caller's bounds hold as the sheet is read), the merged
    /// ranges are returned (empty when calamine would not have read them).
    pub fn sheet<E: From<XlsxError>>(
        &mut self,
        name: &str,
        formula: impl FnMut((u32, u32), String) -> Result<(), E>,
    ) -> Result<Vec<Dimensions>, E> {
        let not_found = || XlsxError::WorksheetNotFound(name.into());
        let path = match self.sheets.iter().find(|(n, _)| n == name) {
            Some((_, path)) => path.clone(),
            None => return Err(not_found().into()),
        };
        let mut xml = self.xml(&path)?.ok_or_else(not_found)?;
        let mut pass = Pass::new(formula);
        pass.read(&mut xml)?;
        Ok(pass.merges.into_ranges())
    }

    /// A part as calamine opens it: the entry found by its name in any case, read as XML
    /// with calamine's settings. None when there is no such entry.
    fn xml(&mut self, path: &str) -> Result<Option<Xml<Part<'_, 'a>>>, XlsxError> {
        let entry = self
            .names
            .get(&path.to_ascii_lowercase())
            .map_or(path, String::as_str);
        let Some(index) = self.zip.index_for_name(entry) else {
            return Ok(None);
        };
        // A part larger than the bound is inflated as it is read.
        let whole = crate::read::inflate::whole(
            self.bytes,
            &mut self.zip,
            index,
            crate::read::inflate::PART_BOUND,
        );
        let part = match whole {
            Some(whole) => Ok(Part::Whole(Cursor::new(whole))),
            None => self
                .zip
                .by_index(index)
                .map(|file| Part::Streamed(BufReader::new(file))),
        };
        match part {
            Ok(part) => {
                let mut xml = Xml::from_reader(part);
                let config = xml.config_mut();
                config.check_end_names = false;
                config.trim_text(false);
                config.check_comments = false;
                config.expand_empty_elements = true;
                Ok(Some(xml))
            }
            Err(zip::result::ZipError::FileNotFound) => Ok(None),
            Err(e) => Err(XlsxError::Zip(e)),
        }
    }

    /// The workbook part's folder and name, from the package relationship whose type ends in
    /// `/relationships/officeDocument` (calamine's `read_package_relationships`).
    fn workbook_part(&mut self) -> Result<(String, String), XlsxError> {
        let mut xml = self
            .xml("_rels/.rels")?
            .ok_or_else(|| XlsxError::FileNotFound("_rels/.rels".into()))?;
        let mut buf = Vec::new();
        let mut target = None;
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(XlsxError::Xml)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                    let (typ, to) = (attr(&e, "Type")?, attr(&e, "Target")?);
                    if typ.is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                        if let Some(to) = to {
                            target = Some(unescape_attr(to)?);
                        }
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
                _ => (),
            }
        }
        let target = target.ok_or(XlsxError::RelationshipNotFound)?;
        let (dir, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
        let name = if name.is_empty() {
            "workbook.xml".to_string()
        } else {
            name.to_string()
        };
        Ok((dir, name))
    }

    /// The workbook's relationships: id → target (calamine's `read_relationships`).
    fn relationships(
        &mut self,
        dir: &str,
        workbook: &str,
    ) -> Result<HashMap<String, (String, String)>, XlsxError> {
        let path = format!("{dir}_rels/{workbook}.rels");
        let mut xml = self
            .xml(&path)?
            .ok_or_else(|| XlsxError::FileNotFound(path.clone()))?;
        let mut buf = Vec::new();
        let mut relationships = HashMap::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(XlsxError::Xml)? {
                Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                    let [id, typ, target] = attrs(&e, ["Id", "Type", "Target"])?;
                    if let Some(id) = id {
                        let target = target.unwrap_or_default().to_string();
                        let typ = typ.unwrap_or_default().to_string();
                        relationships.insert(id.to_string(), (target, typ));
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
                _ => (),
            }
        }
        Ok(relationships)
    }

    /// Each sheet's name and part path, from the workbook part's `<sheet>` elements
    /// (calamine's `read_workbook`; calamine has already refused a workbook it cannot list).
    fn sheet_paths(
        &mut self,
        dir: &str,
        workbook: &str,
        relationships: &HashMap<String, (String, String)>,
    ) -> Result<Vec<(String, String)>, XlsxError> {
        let mut book = Book::default();
        let Some(mut xml) = self.xml(&format!("{dir}{workbook}"))? else {
            return Ok(Vec::new());
        };
        let mut buf = Vec::new();
        let mut sheets = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(XlsxError::Xml)? {
                Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                    let mut name = String::new();
                    let mut id = "";
                    for item in RawAttrs::new(e.attributes_raw()) {
                        match item.map_err(XlsxError::XmlAttr)? {
                            ("name", value) => name = unescape_attr(value)?,
                            ("state", value)
                                if !matches!(value, "visible" | "hidden" | "veryHidden") =>
                            {
                                book.refused = true;
                            }
                            (key, value) if local_name_is(key, "id") => id = value,
                            _ => (),
                        }
                    }
                    let (target, typ) = relationships
                        .get(id)
                        .ok_or(XlsxError::RelationshipNotFound)?;
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_string(),
                        None => format!("{dir}{target}"),
                    };
                    match typ.split('/').next_back() {
                        Some("worksheet") => book.worksheet.push(true),
                        Some("chartsheet" | "dialogsheet") => book.worksheet.push(false),
                        _ => {
                            book.refused = true;
                            book.worksheet.push(false);
                        }
                    }
                    sheets.push((name, path));
                }
                Event::Start(e)
                    if e.local_name().as_ref() == "workbookPr" && attr(&e, "date1904").is_err() =>
                {
                    book.refused = true;
                }
                Event::Start(e) if e.local_name().as_ref() == "definedName" => {
                    match attr(&e, "name") {
                        Err(_) => book.refused = true,
                        Ok(None) => (),
                        Ok(Some(name)) => match unescape_attr(name) {
                            Err(_) => book.refused = true,
                            Ok(name) => {
                                let value = defined_name(&mut xml, e.name().as_ref())?;
                                match value {
                                    Some(value) => book.defined_names.push((name, value)),
                                    None => book.refused = true,
                                }
                            }
                        },
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "workbook" => break,
                Event::Eof => return Err(XlsxError::XmlEof("workbook")),
                _ => (),
            }
        }
        drop(xml);
        self.book = book;
        Ok(sheets)
    }
}

/// Why a part could not be read whole: not inflated, or larger than allowed.
#[derive(Debug)]
pub struct PartError;

/// A defined name's formula text, to the end of its element (calamine's `read_workbook`):
/// None when calamine would refuse it (an unknown entity); an error for the XML's errors.
fn defined_name<R: BufRead>(xml: &mut Xml<R>, end: &str) -> Result<Option<String>, XlsxError> {
    let mut buf = Vec::new();
    let mut value = String::new();
    let mut refused = false;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(XlsxError::Xml)? {
            Event::Text(t) => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if entity(&r, &mut value).is_err() => refused = true,
            Event::End(e) if e.name().as_ref() == end => break,
            Event::Eof => return Err(XlsxError::XmlEof("workbook")),
            _ => (),
        }
    }
    Ok((!refused).then_some(value))
}

/// Several attributes' raw values by their exact keys, read as calamine's `get_attrs!` reads
/// them: it stops once as many keys as asked were met, and fails on a malformed attribute
/// before that.
pub fn attrs<'e, const N: usize>(
    e: &'e BytesStart<'_>,
    keys: [&str; N],
) -> Result<[Option<&'e str>; N], AttrError> {
    let mut found = [None; N];
    let mut count = 0;
    for item in RawAttrs::new(e.attributes_raw()) {
        let (k, v) = item?;
        if let Some(i) = keys.iter().position(|key| *key == k) {
            found[i] = Some(v);
            count += 1;
        }
        if count == N {
            break;
        }
    }
    Ok(found)
}

/// A shared formula's anchor: its text and the range it was given for.
struct Shared {
    formula: String,
    range: Dimensions,
}

/// Where the reading of the merged ranges is (calamine reads the first `<mergeCells>`).
enum Merges {
    Seeking,
    Reading(Vec<Dimensions>),
    Read(Vec<Dimensions>),
    /// calamine's read would have failed: it gives no ranges.
    Failed,
}

impl Merges {
    fn done(&self) -> bool {
        matches!(self, Merges::Read(_) | Merges::Failed)
    }

    /// Takes one event of the part (calamine's `merge_cells_by_sheet_name`).
    fn take(&mut self, event: &Event<'_>) {
        let next = match (std::mem::replace(self, Merges::Failed), event) {
            (Merges::Seeking, Event::Start(e)) if e.local_name().as_ref() == "mergeCells" => {
                Merges::Reading(Vec::new())
            }
            (Merges::Reading(mut ranges), Event::Start(e))
                if e.local_name().as_ref() == "mergeCell" =>
            {
                match attr(e, "ref").map_err(XlsxError::XmlAttr) {
                    Ok(None) => Merges::Reading(ranges),
                    Ok(Some(r)) => match dimension(r) {
                        Ok(range) => {
                            ranges.push(range);
                            Merges::Reading(ranges)
                        }
                        Err(_) => Merges::Failed,
                    },
                    Err(_) => Merges::Failed,
                }
            }
            (Merges::Reading(ranges), Event::End(e)) if e.local_name().as_ref() == "mergeCells" => {
                Merges::Read(ranges)
            }
            (Merges::Reading(_), Event::Eof) => Merges::Failed,
            (Merges::Seeking, Event::Eof) => Merges::Read(Vec::new()),
            (state, _) => state,
        };
        *self = next;
    }

    fn into_ranges(self) -> Vec<Dimensions> {
        match self {
            Merges::Read(ranges) => ranges,
            Merges::Seeking | Merges::Reading(_) | Merges::Failed => Vec::new(),
        }
    }
}

/// The one pass: calamine's formula reading (`XlsxCellReader::new`, then `next_formula` to
/// the end of `<sheetData>`) and its reading of merged ranges, over the same events.
struct Pass<F> {
    formula: F,
    merges: Merges,
    row: u32,
    col: u32,
    /// Shared formulas' anchors by their index (`si`).
    shared: HashMap<usize, Shared>,
    buf: Vec<u8>,
    cell_buf: Vec<u8>,
}

impl<E, F> Pass<F>
where
    E: From<XlsxError>,
    F: FnMut((u32, u32), String) -> Result<(), E>,
{
    fn new(formula: F) -> Self {
        Pass {
            formula,
            merges: Merges::Seeking,
            row: 0,
            col: 0,
            shared: HashMap::new(),
            buf: Vec::with_capacity(1024),
            cell_buf: Vec::with_capacity(1024),
        }
    }

    fn read<R: BufRead>(&mut self, xml: &mut Xml<R>) -> Result<(), E> {
        self.header(xml)?;
        self.cells(xml)?;
        // After the cells, only the merged ranges are looked for; an error here is calamine's
        // failed read of them, not of the sheet.
        while !self.merges.done() {
            self.buf.clear();
            match xml.read_event_into(&mut self.buf) {
                Ok(event) => self.merges.take(&event),
                Err(_) => self.merges = Merges::Failed,
            }
        }
        Ok(())
    }

    /// Up to `<sheetData>` (calamine's `XlsxCellReader::new`).
    fn header<R: BufRead>(&mut self, xml: &mut Xml<R>) -> Result<(), XlsxError> {
        let mut first = None;
        loop {
            self.buf.clear();
            let event = xml.read_event_into(&mut self.buf).map_err(XlsxError::Xml)?;
            self.merges.take(&event);
            match event {
                Event::Start(e) => match e.local_name().as_ref() {
                    "dimension" => {
                        let Some(r) = attr(&e, "ref").map_err(XlsxError::XmlAttr)? else {
                            return Err(XlsxError::UnexpectedNode("dimension"));
                        };
                        dimension(r)?;
                    }
                    "sheetData" => return Ok(()),
                    other => {
                        first.get_or_insert_with(|| other.to_string());
                    }
                },
                Event::Eof => {
                    return Err(match first {
                        Some(typ) => XlsxError::NotAWorksheet(typ),
                        None => XlsxError::XmlEof("worksheet"),
                    })
                }
                _ => (),
            }
        }
    }

    /// The cells, to the end of `<sheetData>` (calamine's `next_formula`, called to its end).
    fn cells<R: BufRead>(&mut self, xml: &mut Xml<R>) -> Result<(), E> {
        loop {
            self.buf.clear();
            let event = xml.read_event_into(&mut self.buf).map_err(XlsxError::Xml)?;
            self.merges.take(&event);
            match event {
                Event::Start(e) if e.local_name().as_ref() == "row" => {
                    if let Some(r) = attr(&e, "r").map_err(XlsxError::XmlAttr)? {
                        self.row = row_of(r)?;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "row" => {
                    self.row += 1;
                    self.col = 0;
                }
                Event::Start(e) if e.local_name().as_ref() == "c" => {
                    let at = match attr(&e, "r").map_err(XlsxError::XmlAttr)? {
                        Some(r) => {
                            let at = row_column(r)?;
                            self.col = at.1;
                            at
                        }
                        None => (self.row, self.col),
                    };
                    let text = self.cell(xml, at)?;
                    self.col += 1;
                    if !text.is_empty() {
                        (self.formula)(at, text)?;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(()),
                Event::Eof => return Err(XlsxError::XmlEof("sheetData").into()),
                _ => (),
            }
        }
    }

    /// One cell's content: its formula's text, empty when it has none.
    fn cell<R: BufRead>(&mut self, xml: &mut Xml<R>, at: (u32, u32)) -> Result<String, XlsxError> {
        let mut text = None;
        loop {
            self.cell_buf.clear();
            match xml
                .read_event_into(&mut self.cell_buf)
                .map_err(XlsxError::Xml)?
            {
                Event::Start(e) => {
                    if let Some(t) = formula_record(xml, &mut self.shared, &e, at)? {
                        text = Some(t);
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "c" => break,
                Event::Eof => return Err(XlsxError::XmlEof("c")),
                _ => (),
            }
        }
        Ok(text.unwrap_or_default())
    }
}

/// An element inside a cell (calamine's `read_formula_record`): the formula's text, a
/// shared formula's anchor kept, a shared formula's other cells expanded from it.
fn formula_record<R: BufRead>(
    xml: &mut Xml<R>,
    shared: &mut HashMap<usize, Shared>,
    e: &BytesStart<'_>,
    at: (u32, u32),
) -> Result<Option<String>, XlsxError> {
    let text = formula_text(xml, e)?;
    let (mut t, mut si, mut range) = (None, None, None);
    for item in RawAttrs::new(e.attributes_raw()) {
        match item.map_err(XlsxError::XmlAttr)? {
            ("t", v) => t = Some(v),
            ("si", v) => si = Some(v),
            ("ref", v) => range = Some(v),
            _ => continue,
        }
        if t.is_some() && si.is_some() && range.is_some() {
            break;
        }
    }
    if t != Some("shared") {
        return Ok(text);
    }
    let index = match si {
        Some(si) => digits(si).ok_or(XlsxError::Unexpected("si attribute must be a number"))?,
        None => {
            return Err(XlsxError::Unexpected(
                "si attribute is mandatory if it is shared",
            ))
        }
    };
    match range {
        Some(r) => {
            let range = dimension(r)?;
            let formula = text.unwrap_or_default();
            shared.insert(
                index,
                Shared {
                    formula: formula.clone(),
                    range,
                },
            );
            Ok(Some(formula))
        }
        None => shared
            .get(&index)
            .map(|s| calamine::expand_shared_formula(&s.formula, s.range.start, at))
            .transpose(),
    }
}

/// The text of an `<f>` element, entities resolved; `<v>` and `<is>` skipped (calamine's
/// `read_formula`).
fn formula_text<R: BufRead>(
    xml: &mut Xml<R>,
    e: &BytesStart<'_>,
) -> Result<Option<String>, XlsxError> {
    match e.local_name().as_ref() {
        "is" | "v" => {
            xml.read_to_end_into(e.name(), &mut Vec::new())
                .map_err(XlsxError::Xml)?;
            Ok(None)
        }
        "f" => {
            let mut buf = Vec::with_capacity(512);
            let mut f = String::new();
            loop {
                match xml.read_event_into(&mut buf).map_err(XlsxError::Xml)? {
                    Event::Text(t) => f.push_str(&t.xml10_content()),
                    Event::GeneralRef(r) => entity(&r, &mut f).map_err(XlsxError::Xml)?,
                    Event::End(end) if end.name() == e.name() => break,
                    Event::Eof => return Err(XlsxError::XmlEof("f")),
                    _ => (),
                }
                buf.clear();
            }
            Ok(Some(f))
        }
        _ => Err(XlsxError::UnexpectedNode("v, f, or is")),
    }
}

/// An entity or character reference in text, resolved (calamine's `unescape_entity_to_buffer`).
pub fn entity(r: &BytesRef<'_>, out: &mut String) -> Result<(), quick_xml::Error> {
    let name = r.as_ref();
    if let Some(text) = quick_xml::escape::resolve_xml_entity(name) {
        out.push_str(text);
        return Ok(());
    }
    if let Some(c) = r.resolve_char_ref()? {
        out.push(c);
        return Ok(());
    }
    Err(quick_xml::Error::Escape(
        quick_xml::escape::EscapeError::UnrecognizedEntity(0..0, format!("&{name};")),
    ))
}

pub fn unescape_attr(value: &str) -> Result<String, XlsxError> {
    quick_xml::escape::unescape(value)
        .map(|v| v.into_owned())
        .map_err(|e| XlsxError::Xml(quick_xml::Error::from(e)))
}

/// An unsigned decimal number, leading zeros allowed, no sign (how calamine reads `si`).
fn digits(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// An attribute's raw value by its exact key (calamine's `raw_attr`): an error for a malformed
/// attribute met before it.
pub fn attr<'e>(e: &'e BytesStart<'_>, key: &str) -> Result<Option<&'e str>, AttrError> {
    for item in RawAttrs::new(e.attributes_raw()) {
        let (k, v) = item?;
        if k == key {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// `id` or `prefix:id`.
fn local_name_is(key: &str, local: &str) -> bool {
    key == local
        || key
            .strip_suffix(local)
            .is_some_and(|prefix| prefix.ends_with(':'))
}

/// The attributes of a start tag as written, not unescaped (calamine's `RawAttrIter`): a key
/// with no `=`, or a value without quotes, is an error (and ends the list).
pub struct RawAttrs<'a> {
    raw: &'a str,
    pos: usize,
}

impl<'a> RawAttrs<'a> {
    pub fn new(raw: &'a str) -> Self {
        RawAttrs { raw, pos: 0 }
    }
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = Result<(&'a str, &'a str), AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self.raw;
        let bytes = raw.as_bytes();
        let len = bytes.len();
        let mut pos = self.pos;
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= len {
            self.pos = pos;
            return None;
        }
        let key_start = pos;
        while pos < len && bytes[pos] != b'=' {
            pos += 1;
        }
        if pos >= len {
            self.pos = len;
            return Some(Err(AttrError::ExpectedEq(key_start)));
        }
        let key = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < len && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = match bytes.get(pos) {
            Some(&q) if q == b'"' || q == b'\'' => q,
            _ => {
                self.pos = len;
                return Some(Err(AttrError::UnquotedValue(pos)));
            }
        };
        pos += 1;
        let start = pos;
        while pos < len && bytes[pos] != quote {
            pos += 1;
        }
        let value = &raw[start..pos];
        if pos < len {
            pos += 1;
        }
        self.pos = pos;
        Some(Ok((key, value)))
    }
}

/// `A1` or `A1:B2` as a range (calamine's `get_dimension`).
pub fn dimension(text: &str) -> Result<Dimensions, XlsxError> {
    let parts = text
        .split(':')
        .map(row_column)
        .collect::<Result<Vec<_>, _>>()?;
    match parts[..] {
        [one] => Ok(Dimensions {
            start: one,
            end: one,
        }),
        [start, end] => Ok(Dimensions { start, end }),
        _ => Err(XlsxError::DimensionCount(parts.len())),
    }
}

/// A cell reference's (row, column), from 0 (calamine's `get_row_column`).
pub fn row_column(text: &str) -> Result<(u32, u32), XlsxError> {
    let (row, col) = row_and_column(text)?;
    Ok((row, col.ok_or(XlsxError::RangeWithoutColumnComponent)?))
}

/// A row reference's row, from 0; a column in it is ignored (calamine's `get_row`).
pub fn row_of(text: &str) -> Result<u32, XlsxError> {
    row_and_column(text).map(|(row, _)| row)
}

/// calamine's `get_row_and_optional_column`: letters then digits, from 1 in the text (its
/// arithmetic wraps as calamine's does in a release build).
fn row_and_column(text: &str) -> Result<(u32, Option<u32>), XlsxError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut col: u32 = 0;
    let mut row: u32 = 0;
    while i < bytes.len() {
        match bytes[i] {
            c @ b'A'..=b'Z' => col = col.wrapping_mul(26).wrapping_add(u32::from(c - b'A') + 1),
            c @ b'a'..=b'z' => col = col.wrapping_mul(26).wrapping_add(u32::from(c - b'a') + 1),
            c @ b'0'..=b'9' => {
                row = u32::from(c - b'0');
                i += 1;
                break;
            }
            c => return Err(XlsxError::Alphanumeric(c)),
        }
        i += 1;
    }
    while i < bytes.len() {
        match bytes[i] {
            c @ b'0'..=b'9' => row = row.wrapping_mul(10).wrapping_add(u32::from(c - b'0')),
            c => return Err(XlsxError::Alphanumeric(c)),
        }
        i += 1;
    }
    let row = row
        .checked_sub(1)
        .ok_or(XlsxError::RangeWithoutRowComponent)?;
    Ok((row, col.checked_sub(1)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use calamine::Reader;
    use std::io::Write;

    /// What a sheet gives: its formulas (or the error text of reading them) and its ranges.
    type Given = (Result<Vec<((u32, u32), String)>, String>, Vec<Dimensions>);

    /// Each worksheet's formulas and merged ranges as calamine reads them (as crossfoot read
    /// them before this pass: merges as none when calamine fails on them).
    fn by_calamine(bytes: &[u8]) -> Option<Vec<(String, Given)>> {
        let mut wb = calamine::Xlsx::new(Cursor::new(bytes)).ok()?;
        let names: Vec<String> = wb
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == calamine::SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect();
        let mut out = Vec::new();
        for name in names {
            let formulas = (|| {
                let mut cells = wb.worksheet_cells_reader(&name)?;
                let mut found = Vec::new();
                while let Some(f) = cells.next_formula()? {
                    if !f.get_value().is_empty() {
                        found.push((f.get_position(), f.get_value().clone()));
                    }
                }
                Ok::<_, XlsxError>(found)
            })()
            .map_err(|e| e.to_string());
            let merges = wb.merge_cells_by_sheet_name(&name).unwrap_or_default();
            out.push((name, (formulas, merges)));
        }
        Some(out)
    }

    /// The same, by this pass (the sheets in calamine's list).
    fn by_pass(bytes: &[u8], names: &[String]) -> Vec<(String, Given)> {
        let mut parts = match Parts::open(bytes) {
            Ok(parts) => parts,
            Err(e) => {
                let failed = (Err(e.to_string()), Vec::new());
                return names.iter().map(|n| (n.clone(), failed.clone())).collect();
            }
        };
        let mut out = Vec::new();
        for name in names {
            let mut found = Vec::new();
            let read = parts.sheet(name, |at, f| {
                found.push((at, f));
                Ok::<(), XlsxError>(())
            });
            let given = match read {
                Ok(merges) => (Ok(found), merges),
                Err(e) => (Err(e.to_string()), Vec::new()),
            };
            out.push((name.clone(), given));
        }
        out
    }

    /// The pass against calamine on one workbook: what calamine gives (None when calamine
    /// does not open it).
    fn same_as_calamine(bytes: &[u8]) -> Option<Vec<(String, Given)>> {
        let expected = by_calamine(bytes)?;
        let names: Vec<String> = expected.iter().map(|(n, _)| n.clone()).collect();
        let mut got = by_pass(bytes, &names);
        // A sheet whose formulas cannot be read fails the read whatever its merges.
        let mut expected = expected;
        for (_, given) in expected.iter_mut().chain(got.iter_mut()) {
            if given.0.is_err() {
                given.1.clear();
            }
        }
        assert_eq!(got, expected);
        Some(expected)
    }

    fn zip_of(entries: &[(&str, String)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, opts).expect("start");
            w.write_all(data.as_bytes()).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// A package of worksheets given as the XML inside `<worksheet>`, in `xl/worksheets/`.
    fn book(sheets: &[(&str, &str)]) -> Vec<u8> {
        let mut entries = vec![(
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        )];
        let mut list = String::new();
        let mut rels = String::new();
        let mut parts = Vec::new();
        for (i, (name, body)) in sheets.iter().enumerate() {
            let n = i + 1;
            list.push_str(&format!(
                r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
            ));
            rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="{RELS}/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
            parts.push((
                format!("xl/worksheets/sheet{n}.xml"),
                format!(r#"<?xml version="1.0"?><worksheet xmlns="{MAIN}" xmlns:r="{RELS}">{body}</worksheet>"#),
            ));
        }
        entries.push((
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{list}</sheets></workbook>"#),
        ));
        entries.push((
            "xl/_rels/workbook.xml.rels",
            format!(r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#),
        ));
        let mut all: Vec<(&str, String)> = entries;
        for (path, xml) in &parts {
            all.push((path.as_str(), xml.clone()));
        }
        zip_of(&all)
    }

    fn range(a: (u32, u32), b: (u32, u32)) -> Dimensions {
        Dimensions { start: a, end: b }
    }

    fn formulas(given: &Given) -> Vec<((u32, u32), String)> {
        given.0.clone().expect("formulas read")
    }

    #[test]
    fn shared_formulas_are_expanded_as_calamine_expands_them() {
        let bytes = book(&[(
            "S",
            r#"<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2+$A$1</f><v>3</v></c></row><row r="2"><c r="B2"><f t="shared" si="0"/><v>5</v></c></row><row r="3"><c r="B3"><f t="shared" si="0"></f></c><c r="C3"><f t="shared" si="7"/></c></row></sheetData>"#,
        )]);
        let given = same_as_calamine(&bytes).expect("calamine reads it");
        assert_eq!(
            formulas(&given[0].1),
            vec![
                ((0, 1), "A1*2+$A$1".to_string()),
                ((1, 1), "A2*2+$A$1".to_string()),
                ((2, 1), "A3*2+$A$1".to_string()),
            ],
            "a shared formula whose anchor was never seen (si 7) gives nothing"
        );
    }

    #[test]
    fn merged_ranges_come_from_the_same_pass_and_a_broken_one_gives_none() {
        let cells =
            r#"<sheetData><row r="1"><c r="A1"><f>SUM(B1:C1)</f><v>0</v></c></row></sheetData>"#;
        let merged = format!(
            r#"<dimension ref="A1:D4"/>{cells}<mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="C3:D4"/></mergeCells><mergeCells><mergeCell ref="E5:F6"/></mergeCells>"#
        );
        let broken = format!(
            r#"{cells}<mergeCells><mergeCell ref="A1:B1"/><mergeCell ref="1A"/></mergeCells>"#
        );
        let unclosed = format!(r#"{cells}<mergeCells><mergeCell ref="A1:B1"/>"#);
        let before = format!(r#"<mergeCells><mergeCell ref="B2"/></mergeCells>{cells}"#);
        let bytes = book(&[
            ("merged", merged.as_str()),
            ("broken", broken.as_str()),
            ("unclosed", unclosed.as_str()),
            ("before", before.as_str()),
            ("none", cells),
        ]);
        let given = same_as_calamine(&bytes).expect("calamine reads it");
        let merges: Vec<&[Dimensions]> = given.iter().map(|(_, g)| g.1.as_slice()).collect();
        assert_eq!(
            merges,
            vec![
                &[range((0, 0), (0, 1)), range((2, 2), (3, 3))][..],
                &[],
                &[],
                &[range((1, 1), (1, 1))],
                &[],
            ]
        );
        for (_, g) in &given {
            assert_eq!(formulas(g), vec![((0, 0), "SUM(B1:C1)".to_string())]);
        }
    }

    #[test]
    fn cells_without_positions_inline_strings_and_entities_are_placed_as_calamine_places_them() {
        let bytes = book(&[(
            "S",
            r#"<sheetData><row><c t="inlineStr"><is><t>x &amp; y</t></is></c><c/><c><f>IF(A1&gt;0,"a&amp;b",&#65;1)</f><v>1</v></c></row><row/><row><c r="D7"><v>2</v></c><c><f>D7+1</f></c></row><row r="9"><c><f>1</f></c></row></sheetData>"#,
        )]);
        let given = same_as_calamine(&bytes).expect("calamine reads it");
        assert_eq!(
            formulas(&given[0].1),
            vec![
                ((0, 2), r#"IF(A1>0,"a&b",A1)"#.to_string()),
                // calamine takes a cell's row from its row, not from the `r` of the cell
                // before it (its values are placed the same way).
                ((2, 4), "D7+1".to_string()),
                ((8, 0), "1".to_string()),
            ]
        );
    }

    #[test]
    fn namespaced_prefixes_are_read_like_plain_names() {
        let part = format!(
            r#"<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="2"><x:c r="B2"><x:f>SUM(A1:A3)</x:f><x:v>6</x:v></x:c><x:c r="C2"><x:f t="shared" ref="C2:D2" si="3">B2</x:f></x:c><x:c r="D2"><x:f t="shared" si="3"/></x:c></x:row></x:sheetData><x:mergeCells><x:mergeCell ref="A5:C5"/></x:mergeCells></x:worksheet>"#
        );
        let bytes = zip_of(&[
            (
                "_rels/.rels",
                format!(
                    r#"<Relationships><Relationship Id="a" Type="{RELS}/officeDocument" Target="/x/book.xml"/></Relationships>"#
                ),
            ),
            (
                "x/_rels/book.xml.rels",
                format!(
                    r#"<Relationships><Relationship Id="s1" Type="{RELS}/worksheet" Target="/X/Sheets/One.xml"/></Relationships>"#
                ),
            ),
            (
                "x/book.xml",
                format!(
                    r#"<x:workbook xmlns:x="{MAIN}" xmlns:rel="{RELS}"><x:sheets><x:sheet name="A &amp; B" sheetId="1" rel:id="s1"/></x:sheets></x:workbook>"#
                ),
            ),
            ("x/sheets/one.xml", part),
        ]);
        let given = same_as_calamine(&bytes).expect("calamine reads it");
        assert_eq!(given[0].0, "A & B");
        assert_eq!(
            formulas(&given[0].1),
            vec![
                ((1, 1), "SUM(A1:A3)".to_string()),
                ((1, 2), "B2".to_string()),
                ((1, 3), "C2".to_string()),
            ]
        );
        assert_eq!(given[0].1 .1, vec![range((4, 0), (4, 2))]);
    }

    #[test]
    fn what_calamine_refuses_is_refused_with_its_words() {
        let bytes = book(&[
            (
                "no si",
                r#"<sheetData><row r="1"><c r="A1"><f t="shared" ref="A1:A2">1</f></c></row></sheetData>"#,
            ),
            (
                "bad si",
                r#"<sheetData><row r="1"><c r="A1"><f t="shared" si="+1" ref="A1:A2">1</f></c></row></sheetData>"#,
            ),
            (
                "bad ref",
                r#"<sheetData><row r="1"><c r="A1!"><f>1</f></c></row></sheetData>"#,
            ),
            ("cut", r#"<sheetData><row r="1"><c r="A1"><f>1</f></c>"#),
            (
                "odd node",
                r#"<sheetData><row r="1"><c r="A1"><x>1</x></c></row></sheetData>"#,
            ),
            ("not cells", r#"<sheetPr/><cols/>"#),
        ]);
        let given = same_as_calamine(&bytes).expect("calamine reads it");
        for (name, g) in &given {
            assert!(g.0.is_err(), "{name}: {g:?}");
        }
    }

    /// The .xlsx files of `../shared/corpus/real-world/` (less the hostile ones its
    /// EXPECT.tsv names) and of `samples/`.
    pub(crate) fn corpus() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = root.join("../shared/corpus/real-world");
        let expect = std::fs::read_to_string(corpus.join("EXPECT.tsv"))
            .expect("../shared/corpus/real-world/EXPECT.tsv: the corpus is missing");
        let hostile: Vec<&str> = expect
            .lines()
            .filter(|l| l.split('\t').nth(2) == Some("hostile"))
            .filter_map(|l| l.split('\t').next())
            .collect();
        let mut files = Vec::new();
        for dir in [corpus, root.join("samples")] {
            let listed = std::fs::read_dir(&dir).expect("a corpus folder");
            for entry in listed {
                let path = entry.expect("an entry").path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.to_ascii_lowercase().ends_with(".xlsx") && !hostile.contains(&name) {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    #[ignore = "needs ../shared"]
    fn the_pass_gives_what_calamine_gives_on_every_xlsx_of_the_corpus() {
        let files = corpus();
        assert!(
            files.len() > 200,
            "{} .xlsx files: the corpus is incomplete",
            files.len()
        );
        let (mut compared, mut formulas, mut merges, mut failing) = (0, 0, 0, 0);
        for path in &files {
            let bytes = std::fs::read(path).expect("read");
            let checked = std::panic::catch_unwind(|| same_as_calamine(&bytes));
            let Ok(given) = checked else {
                panic!(
                    "{}: differs from calamine (above) or panicked",
                    path.display()
                );
            };
            let Some(given) = given else { continue };
            compared += 1;
            for (_, (f, m)) in &given {
                match f {
                    Ok(f) => formulas += f.len(),
                    Err(_) => failing += 1,
                }
                merges += m.len();
            }
        }
        // On the corpus of wave 6: 182 of 218 compared, 23,854 formulas, 50,307 merged
        // ranges, 4 sheets whose formulas cannot be read (the same error text both ways).
        assert!(
            compared > 150 && formulas > 1000 && merges > 100,
            "too little compared: {compared} of {} workbooks, {formulas} formulas, {merges} merged ranges, {failing} sheets failing",
            files.len()
        );
    }
}
