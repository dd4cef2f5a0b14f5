//! An .xlsx workbook's values read by crossfoot itself, for checking ([`Detail::Check`]): sure
//! or silent.
//!
//! calamine streams each part through a buffered XML reader pulling from the zip inflater, and
//! reads every style's font, fill, border and colour when it opens a workbook; checking needs
//! the values, each style's number format, bold type and indent. This reads each part whole
//! (one inflate, bounded: a part unpacking to more than [`PART_BOUND`] is not read further)
//! and scans it with quick-xml's borrowed slice reader, configured as calamine configures its
//! reader, taking the same events in the same order as calamine's `Xlsx::new`,
//! `XlsxCellReader::next_cell_with_style_id` and `read_value` do, so that it gives exactly the
//! [`Workbook`] that `read_xlsx` ([`crate::read::load`]) builds from calamine.
//!
//! **It answers only when it is sure.** Anything it does not replicate exactly makes it
//! decline, and the workbook is read by calamine as before (so every error keeps calamine's
//! text): a number, index or reference not written plainly (calamine's parsers of those differ
//! from Rust's on odd forms), anything calamine would refuse (an XML or attribute error in a
//! part it reads, an unknown cell type, sheet state or relationship type, a missing part), a
//! part over the bound, a limit exceeded (calamine's read gives the error), and a panic. A
//! number whose style calamine reads as a date or a duration is read as calamine's path keeps
//! it: a date holding the number's text. The package's directory, relationships and workbook
//! part are read by [`sheet_xml::Parts`], which the review copies' formulas and merged ranges
//! use too: one open for both.
//!
//! `tests::fast_path_equals_calamine_on_every_xlsx_of_the_corpus` (ignored: it needs
//! `../shared`) holds it to calamine's read on every .xlsx of the corpus and the samples.

use crate::model::{Emphasis, NumFmt, Value};
use crate::read::sheet_xml::{self, attr, attrs, entity, Parts};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use std::borrow::Cow;

/// The largest part read whole (its bytes unpacked): a larger one is left to calamine, which
/// streams it. Holding a part whole, and its cells before they go into the sheet, costs memory
/// calamine's streaming does not; bounded so, it stays well within a worker's share of
/// `--max-reader-mb` (at least 256 MB), and a workbook that read before still reads. The
/// same bound as the parts `sheet_xml` holds whole ([`crate::read::inflate::PART_BOUND`]).
pub use crate::read::inflate::PART_BOUND;

/// Why the fast path did not answer: calamine reads the workbook instead.
#[derive(Debug)]
pub struct Decline;

type Sure<T> = Result<T, Decline>;

impl From<quick_xml::Error> for Decline {
    fn from(_: quick_xml::Error) -> Self {
        Decline
    }
}

impl From<quick_xml::events::attributes::AttrError> for Decline {
    fn from(_: quick_xml::events::attributes::AttrError) -> Self {
        Decline
    }
}

impl From<calamine::XlsxError> for Decline {
    fn from(_: calamine::XlsxError) -> Self {
        Decline
    }
}

impl From<sheet_xml::PartError> for Decline {
    fn from(_: sheet_xml::PartError) -> Self {
        Decline
    }
}

/// What a style of the palette (`cellXfs`) gives a cell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Style {
    /// calamine reads a number of this style as a date or a duration (kept as the number's
    /// text, [`Value::Date`]).
    date: bool,
    fmt: NumFmt,
    emphasis: Emphasis,
}

/// What reading the sheets needs from the workbook: the shared strings, the palette, the
/// worksheets' names, the defined names.
pub struct Values {
    strings: Vec<String>,
    styles: Vec<Style>,
    worksheets: Vec<String>,
    defined_names: Vec<(String, String)>,
}

/// A sheet's cells with a value, in the order written, with their style ids; whether a cell
/// without a value was met (then its formulas are read as `read_xlsx` reads them).
pub struct Cells {
    pub values: Vec<((u32, u32), Value, usize)>,
    pub blanks: bool,
}

impl Values {
    /// The workbook's shared strings and palette, read whole (no part over `bound` bytes),
    /// and its worksheets as calamine lists them; declines what calamine would refuse.
    pub fn open(parts: &mut Parts<'_>, bound: u64) -> Sure<Values> {
        let book = parts.book();
        if book.refused {
            return Err(Decline);
        }
        let dir = book.dir.clone();
        let defined_names = book.defined_names.clone();
        let worksheets: Vec<String> = parts
            .sheet_list()
            .iter()
            .zip(&book.worksheet)
            .filter(|(_, &worksheet)| worksheet)
            .map(|((name, _), _)| name.clone())
            .collect();
        let strings = match parts.part_bytes(&format!("{dir}sharedStrings.xml"), bound)? {
            Some(bytes) => shared_strings(&bytes)?,
            None => Vec::new(),
        };
        let styles = match parts.part_bytes(&format!("{dir}styles.xml"), bound)? {
            Some(bytes) => styles(&bytes)?,
            None => Vec::new(),
        };
        Ok(Values {
            strings,
            styles,
            worksheets,
            defined_names,
        })
    }

    /// The worksheets' names, in workbook order (what calamine counts as worksheets).
    pub fn worksheets(&self) -> &[String] {
        &self.worksheets
    }

    /// The defined names: name → formula text.
    pub fn defined_names(&self) -> &[(String, String)] {
        &self.defined_names
    }

    /// A style's number format (for a number) and emphasis (for a text): None for a style id
    /// beyond the palette.
    pub fn style(&self, id: usize) -> Option<(NumFmt, Emphasis)> {
        self.styles.get(id).map(|s| (s.fmt, s.emphasis))
    }

    /// A worksheet's cells (no part over `bound` bytes, no more than `max_cells` with a value);
    /// None for a part that is not a worksheet inside (calamine's `NotAWorksheet`).
    pub fn sheet(
        &self,
        parts: &mut Parts<'_>,
        name: &str,
        bound: u64,
        max_cells: u64,
    ) -> Sure<Option<Cells>> {
        let path = parts
            .sheet_list()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, path)| path.clone())
            .ok_or(Decline)?;
        let bytes = parts.part_bytes(&path, bound)?.ok_or(Decline)?;
        let read = SheetRead {
            strings: &self.strings,
            styles: &self.styles,
            max_cells,
        };
        read.cells(&bytes)
    }
}

/// A part's XML reader, configured as calamine configures its own (`xml_reader`).
fn xml(bytes: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut xml = quick_xml::Reader::from_reader(bytes);
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    xml
}

/// The shared strings (calamine's `read_shared_strings`): up to `<sst>` with quick-xml, then
/// each `<si>` scanned when plain (one `<t>`, see [`plain_si`]), read with quick-xml from its
/// start tag otherwise.
fn shared_strings(bytes: &[u8]) -> Sure<Vec<String>> {
    let mut head = xml(bytes);
    loop {
        match head.read_event()? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                attr(&e, "uniqueCount")?;
                break;
            }
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
    let mut strings = Vec::new();
    let Some(mut scan) = Scan::after(&head, bytes)? else {
        return Ok(strings);
    };
    loop {
        scan.space()?;
        let tag = scan.tag()?;
        match (tag.name, tag.end) {
            (b"si", false) => {
                if let Some(s) = plain_si(&mut scan, &tag) {
                    strings.push(s);
                    continue;
                }
                let mut xml = xml(bytes.get(tag.start..).ok_or(Decline)?);
                let Event::Start(e) = xml.read_event()? else {
                    return Err(Decline);
                };
                strings.push(read_string(&mut xml, e.name())?);
                let read = usize::try_from(xml.buffer_position()).map_err(|_| Decline)?;
                scan.pos = tag.start + read;
            }
            (b"sst", true) => return Ok(strings),
            _ => return Err(Decline),
        }
    }
}

/// A plain shared string, scanned: `<si><t>TEXT</t></si>` (`<t>` without attributes or with
/// `xml:space="preserve"`, no prefixes, TEXT without CR, `<` or an entity other than the five
/// XML ones), as [`read_string`] reads it. None, with the scan where it was, otherwise.
fn plain_si(scan: &mut Scan<'_>, si: &Tag<'_>) -> Option<String> {
    let back = scan.pos;
    let plain = (|| {
        if si.empty || si.qname != b"si" || !si.attrs.is_empty() {
            return None;
        }
        let t = scan.tag().ok()?;
        if t.qname != b"t" || t.end || t.empty {
            return None;
        }
        let preserve = match t.attrs {
            "" => false,
            r#" xml:space="preserve""# => true,
            _ => return None,
        };
        let raw = scan.text_to(b"t", true)?;
        let end = scan.tag().ok()?;
        if end.qname != b"si" || !end.end {
            return None;
        }
        let text = quick_xml::escape::unescape(raw).ok()?;
        if raw.contains("&#") {
            return None;
        }
        Some(if preserve {
            unescape_xml(&text).into_owned()
        } else {
            unescape_xml(text.trim_matches([' ', '\t', '\r', '\n'])).into_owned()
        })
    })();
    if plain.is_none() {
        scan.pos = back;
    }
    plain
}

/// A plain or rich string to its `closing` element (calamine's `read_string_with_bufs`):
/// the runs' texts joined, phonetic runs left out, `_xHHHH_` escapes resolved.
fn read_string(xml: &mut quick_xml::Reader<&[u8]>, closing: QName<'_>) -> Sure<String> {
    let mut rich: Option<String> = None;
    let mut phonetic = false;
    loop {
        match xml.read_event()? {
            Event::Start(e) if e.local_name().as_ref() == "r" && rich.is_none() => {
                rich = Some(String::new());
            }
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name() == closing => return Ok(rich.unwrap_or_default()),
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = matches!(attr(&e, "xml:space")?, Some("preserve"));
                let mut value = String::new();
                loop {
                    match xml.read_event()? {
                        Event::Text(t) => value.push_str(&t.xml10_content()),
                        Event::CData(t) => value.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => entity(&r, &mut value)?,
                        Event::End(end) if end.name() == e.name() => break,
                        Event::Eof => return Err(Decline),
                        _ => (),
                    }
                }
                let value = if preserve {
                    unescape_xml(&value).into_owned()
                } else {
                    unescape_xml(value.trim_matches([' ', '\t', '\r', '\n'])).into_owned()
                };
                match &mut rich {
                    Some(s) => s.push_str(&value),
                    None => rich = Some(value),
                }
            }
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// The palette (`cellXfs`) as calamine's `read_styles` reads it, as far as checking needs it;
/// every element's attributes must be well formed (calamine reads those of the fonts, fills,
/// borders and their colours, and would refuse the workbook).
fn styles(bytes: &[u8]) -> Sure<Vec<Style>> {
    let mut xml = xml(bytes);
    let mut number_formats: Vec<(String, String)> = Vec::new();
    let mut bold: Vec<bool> = Vec::new();
    let mut palette = Vec::new();
    loop {
        match next(&mut xml)? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => {
                each_child(&mut xml, "numFmts", "numFmt", |_, e| {
                    let [id, code] = attrs(e, ["numFmtId", "formatCode"])?;
                    if let (Some(id), Some(code)) = (id, code) {
                        let code = sheet_xml::unescape_attr(code)?;
                        number_formats.retain(|(i, _)| i != id);
                        number_formats.push((id.to_string(), code));
                    }
                    Ok(())
                })?
            }
            Event::Start(e) if e.local_name().as_ref() == "fonts" => {
                each_child(&mut xml, "fonts", "font", |xml, _| {
                    bold.push(font_bold(xml)?);
                    Ok(())
                })?
            }
            Event::Start(e) if e.local_name().as_ref() == "fills" => {
                each_child(&mut xml, "fills", "fill", |xml, _| skip_to_end(xml, "fill"))?
            }
            Event::Start(e) if e.local_name().as_ref() == "borders" => {
                each_child(&mut xml, "borders", "border", |xml, _| border(xml))?
            }
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => {
                each_child(&mut xml, "cellXfs", "xf", |xml, e| {
                    palette.push(xf(xml, e, &number_formats, &bold)?);
                    Ok(())
                })?
            }
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => break,
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
    Ok(palette)
}

/// The next event of the styles part, its attributes checked: well formed, none twice (calamine
/// reads some by their first occurrence, some by their last).
fn next<'a>(xml: &mut quick_xml::Reader<&'a [u8]>) -> Sure<Event<'a>> {
    let event = xml.read_event()?;
    if let Event::Start(e) = &event {
        let mut keys: Vec<&str> = Vec::new();
        for item in sheet_xml::RawAttrs::new(e.attributes_raw()) {
            let (key, _) = item?;
            if keys.contains(&key) {
                return Err(Decline);
            }
            keys.push(key);
        }
    }
    Ok(event)
}

/// Each `<item>` child of the list element just opened (`list`, by local names) read by `each`,
/// to the list's end tag; other children are passed over.
fn each_child<'a>(
    xml: &mut quick_xml::Reader<&'a [u8]>,
    list: &str,
    item: &str,
    mut each: impl FnMut(&mut quick_xml::Reader<&'a [u8]>, &BytesStart<'a>) -> Sure<()>,
) -> Sure<()> {
    loop {
        match next(xml)? {
            Event::Start(e) if e.local_name().as_ref() == item => each(xml, &e)?,
            Event::End(e) if e.local_name().as_ref() == list => return Ok(()),
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// Events to the end of an element by its local name (calamine's `parse_fill`, which keeps
/// nothing checking needs).
fn skip_to_end(xml: &mut quick_xml::Reader<&[u8]>, local: &str) -> Sure<()> {
    loop {
        match next(xml)? {
            Event::End(e) if e.local_name().as_ref() == local => return Ok(()),
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// A `<border>` (calamine's `parse_border`: each side read to its own end).
fn border(xml: &mut quick_xml::Reader<&[u8]>) -> Sure<()> {
    loop {
        match next(xml)? {
            Event::Start(e) => {
                let side = e.local_name();
                let side = side.as_ref();
                if !matches!(side, "left" | "right" | "top" | "bottom" | "diagonal") {
                    continue;
                }
                skip_to_end(xml, side)?;
            }
            Event::End(e) if e.local_name().as_ref() == "border" => return Ok(()),
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// Whether a `<font>` is bold (calamine's `parse_font` and `Font::is_bold`).
fn font_bold(xml: &mut quick_xml::Reader<&[u8]>) -> Sure<bool> {
    let mut bold = false;
    loop {
        match next(xml)? {
            Event::Start(e) if e.local_name().as_ref() == "b" => {
                bold = match attr(&e, "val")? {
                    None => true,
                    Some("bold" | "700" | "1" | "true") => true,
                    Some("normal" | "400" | "0" | "false") => false,
                    Some(v) => {
                        let weight = plain_number(v).ok_or(Decline)?;
                        u16::try_from(weight).map_err(|_| Decline)? >= 600
                    }
                };
            }
            // calamine decodes the font's name, and refuses the workbook when it cannot.
            Event::Start(e) if e.local_name().as_ref() == "name" => {
                if let Some(name) = attr(&e, "val")? {
                    sheet_xml::unescape_attr(name)?;
                }
            }
            Event::End(e) if e.local_name().as_ref() == "font" => return Ok(bold),
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// One style of the palette (calamine's `cellXfs` reading, `Style::number_format`, its font
/// and its alignment).
fn xf(
    xml: &mut quick_xml::Reader<&[u8]>,
    e: &BytesStart<'_>,
    number_formats: &[(String, String)],
    bold: &[bool],
) -> Sure<Style> {
    let custom = |id: &str| {
        number_formats
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, code)| code.as_str())
    };
    let mut style = Style::default();
    let [num_fmt_id, font_id, _, _] = attrs(e, ["numFmtId", "fontId", "fillId", "borderId"])?;
    if let Some(id) = num_fmt_id {
        style.date = match custom(id) {
            Some(code) => custom_is_date(code),
            None => builtin_is_date(id),
        };
        // calamine's number format, when the id is a number.
        let n = plain_number(id).ok_or(Decline)?;
        let n = u32::try_from(n).map_err(|_| Decline)?;
        let code = custom(id)
            .map(Cow::Borrowed)
            .or_else(|| builtin_code(n).map(Cow::Borrowed))
            .unwrap_or(Cow::Borrowed("General"));
        style.fmt = NumFmt::from_code(&code);
    }
    if let Some(id) = font_id {
        let id = plain_number(id).ok_or(Decline)?;
        let id = usize::try_from(id).map_err(|_| Decline)?;
        style.emphasis.bold = bold.get(id).copied().unwrap_or(false);
    }
    loop {
        match next(xml)? {
            Event::Start(c) if c.local_name().as_ref() == "alignment" => {
                let [indent] = attrs(&c, ["indent"])?;
                style.emphasis.indent = match indent {
                    None => 0,
                    Some(v) => {
                        u8::try_from(plain_number(v).ok_or(Decline)?).map_err(|_| Decline)?
                    }
                };
            }
            Event::End(c) if c.local_name().as_ref() == "xf" => return Ok(style),
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// A number written plainly: ASCII digits, no sign, no leading zero, at most 9 of them (what
/// calamine's integer parser reads as Rust would).
fn plain_number(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 1 && b[0] == b'0' {
        return None;
    }
    text.parse().ok()
}

/// A number of a `<v>` written plainly (`-12`, `3.5`, `1.2E-3`), read as Rust reads it; None
/// for any other form (calamine's float parser and Rust's agree on these, not on all).
fn plain_float(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    text.parse().ok()
}

/// A cell reference written plainly: at most 3 letters, then at most 7 digits (calamine's
/// arithmetic cannot overflow on it).
fn plain_ref(text: &str) -> Sure<()> {
    let b = text.as_bytes();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let digits = b.len() - letters;
    if letters <= 3 && digits <= 7 {
        Ok(())
    } else {
        Err(Decline)
    }
}

/// What reading one sheet needs.
struct SheetRead<'s> {
    strings: &'s [String],
    styles: &'s [Style],
    max_cells: u64,
}

/// A cell's position, style id, and whether its style makes a number a date.
struct Head {
    at: (u32, u32),
    style: usize,
    date: bool,
}

/// One cell read: its position, style id and value (None: no value).
struct CellRead {
    at: (u32, u32),
    style: usize,
    value: Option<Value>,
}

/// A tag of a worksheet's cells, as quick-xml reads it: its name, whether it is an end tag or
/// an empty element (`<c/>`, which quick-xml gives as a start and an end), its attributes as
/// written, where it starts.
struct Tag<'a> {
    /// The local name.
    name: &'a [u8],
    /// The name as written.
    qname: &'a [u8],
    end: bool,
    empty: bool,
    attrs: &'a str,
    start: usize,
}

/// A scan over a worksheet part's `<sheetData>`, from the byte `pos`.
struct Scan<'a> {
    /// The whole part, UTF-8 (checked once).
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scan<'a> {
    /// The scan of `bytes` from where quick-xml's `head` stopped, just after the start tag of
    /// the element whose children are scanned (`<sst>`, `<sheetData>`); None when that tag was
    /// empty (`<sst/>`, `<sheetData/>`): nothing to scan.
    fn after(head: &quick_xml::Reader<&[u8]>, bytes: &'a [u8]) -> Sure<Option<Scan<'a>>> {
        let mut start = usize::try_from(head.buffer_position()).map_err(|_| Decline)?;
        // quick-xml counts its position after a byte order mark.
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            start += 3;
        }
        let before = bytes.get(..start).ok_or(Decline)?;
        if !before.ends_with(b">") {
            return Err(Decline);
        }
        if before.ends_with(b"/>") {
            return Ok(None);
        }
        let text = simdutf8::basic::from_utf8(bytes).map_err(|_| Decline)?;
        Ok(Some(Scan {
            text,
            bytes,
            pos: start,
        }))
    }

    /// Past whitespace to the next `<`: any other text (which calamine ignores, but quick-xml
    /// may refuse) declines.
    fn space(&mut self) -> Sure<()> {
        let rest = self.bytes.get(self.pos..).ok_or(Decline)?;
        let n = rest
            .iter()
            .position(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .ok_or(Decline)?;
        if rest[n] != b'<' {
            return Err(Decline);
        }
        self.pos += n;
        Ok(())
    }

    /// The tag at `pos` (a `<`), and past it. Only element tags: a comment, a processing
    /// instruction, CDATA, a `<` inside the tag or a quote left open decline.
    fn tag(&mut self) -> Sure<Tag<'a>> {
        let start = self.pos;
        let bytes = self.bytes;
        let n = bytes
            .get(start + 1..)
            .ok_or(Decline)?
            .iter()
            .position(|&b| b == b'>' || b == b'<')
            .ok_or(Decline)?;
        let close = start + 1 + n;
        if bytes[close] != b'>' {
            return Err(Decline);
        }
        let inner = &bytes[start + 1..close];
        self.pos = close + 1;
        if let Some(qname) = inner.strip_prefix(b"/") {
            return Ok(Tag {
                name: local_name(qname)?,
                qname,
                end: true,
                empty: false,
                attrs: "",
                start,
            });
        }
        let (body, empty) = match inner.strip_suffix(b"/") {
            Some(body) => (body, true),
            None => (inner, false),
        };
        let n = body
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(body.len());
        let qname = &body[..n];
        // Attributes between ASCII delimiters: a slice of the checked text.
        let attrs = self
            .text
            .get(start + 1 + n..start + 1 + body.len())
            .ok_or(Decline)?;
        // Whether the `>` found ends the tag as quick-xml ends it (not inside a quoted value) is
        // checked where the attributes are read: every quote closed ([`raw_attrs`]).
        Ok(Tag {
            name: local_name(qname)?,
            qname,
            end: false,
            empty,
            attrs,
            start,
        })
    }

    /// The text to the next `<`, which must be the end tag of `qname` (then passed): None when
    /// it is not, or the text holds a CR, or an `&` (entities, which quick-xml reads as events)
    /// unless `entities`.
    fn text_to(&mut self, qname: &[u8], entities: bool) -> Option<&'a str> {
        let rest = self.bytes.get(self.pos..)?;
        let n = rest.iter().position(|&b| b == b'<')?;
        let text = &rest[..n];
        let end = rest[n..]
            .strip_prefix(b"</")?
            .strip_prefix(qname)?
            .strip_prefix(b">")?;
        if text.iter().any(|&b| (b == b'&' && !entities) || b == b'\r') {
            return None;
        }
        let text = self.text.get(self.pos..self.pos + n)?;
        self.pos = self.bytes.len() - end.len();
        Some(text)
    }
}

/// A tag name's local part (after a prefix and its `:`, as quick-xml's `local_name`): only
/// ASCII letters and digits, one prefix at most; any other name declines.
fn local_name(qname: &[u8]) -> Sure<&[u8]> {
    let plain = |n: &[u8]| !n.is_empty() && n.iter().all(u8::is_ascii_alphanumeric);
    match qname.iter().position(|&b| b == b':') {
        None if plain(qname) => Ok(qname),
        Some(i) if plain(&qname[..i]) && plain(&qname[i + 1..]) => Ok(&qname[i + 1..]),
        _ => Err(Decline),
    }
}

/// An attribute's raw value by its exact key, from a scanned tag's attributes ([`attr`]):
/// all of them read, each well formed and its quote closed (else the tag's end was not where
/// the scan found it).
fn raw_attr<'a>(raw: &'a str, key: &str) -> Sure<Option<&'a str>> {
    let [value] = raw_attrs(raw, [key])?;
    Ok(value)
}

/// Several attributes by their keys, from a scanned tag's attributes, the values those
/// calamine's `get_attrs!` takes ([`attrs`]); all of them read, each well formed and its
/// quote closed.
fn raw_attrs<'a, const N: usize>(raw: &'a str, keys: [&str; N]) -> Sure<[Option<&'a str>; N]> {
    let end = raw.as_ptr() as usize + raw.len();
    let mut found = [None; N];
    let mut count = 0;
    for item in sheet_xml::RawAttrs::new(raw) {
        let (k, v) = item?;
        if v.as_ptr() as usize + v.len() >= end {
            return Err(Decline);
        }
        if count < N {
            if let Some(i) = keys.iter().position(|key| *key == k) {
                found[i] = Some(v);
                count += 1;
            }
        }
    }
    Ok(found)
}

impl SheetRead<'_> {
    /// The cells of a worksheet part (calamine's `XlsxCellReader::new`, then
    /// `next_cell_with_style_id` to the end of `<sheetData>`); None for a part that is not a
    /// worksheet. The header is read with quick-xml; the cells are scanned ([`Scan`]), and a
    /// cell in any other form than the plain ones is read with quick-xml from its start tag.
    fn cells(&self, bytes: &[u8]) -> Sure<Option<Cells>> {
        let mut head = xml(bytes);
        if !header(&mut head)? {
            return Ok(None);
        }
        let mut cells = Cells {
            values: Vec::new(),
            blanks: false,
        };
        let Some(mut scan) = Scan::after(&head, bytes)? else {
            // `<sheetData/>`: no cells.
            return Ok(Some(cells));
        };
        let (mut row, mut col) = (0u32, 0u32);
        loop {
            scan.space()?;
            let tag = scan.tag()?;
            match (tag.name, tag.end) {
                (b"row", false) => {
                    if let Some(r) = raw_attr(tag.attrs, "r")? {
                        plain_ref(r)?;
                        row = sheet_xml::row_of(r)?;
                    }
                    if tag.empty {
                        row = row.checked_add(1).ok_or(Decline)?;
                        col = 0;
                    }
                }
                (b"row", true) => {
                    row = row.checked_add(1).ok_or(Decline)?;
                    col = 0;
                }
                (b"c", false) => {
                    let cell = match self.cell_scanned(&mut scan, &tag, row, col)? {
                        Some(cell) => cell,
                        None => {
                            // Another form: quick-xml reads the cell from its start tag.
                            let mut xml = xml(bytes.get(tag.start..).ok_or(Decline)?);
                            let Event::Start(e) = xml.read_event()? else {
                                return Err(Decline);
                            };
                            let cell = self.cell_events(&mut xml, &e, row, col)?;
                            let read =
                                usize::try_from(xml.buffer_position()).map_err(|_| Decline)?;
                            scan.pos = tag.start + read;
                            cell
                        }
                    };
                    col = cell.at.1.checked_add(1).ok_or(Decline)?;
                    match cell.value {
                        Some(value) => cells.values.push((cell.at, value, cell.style)),
                        None => cells.blanks = true,
                    }
                    if cells.values.len() as u64 > self.max_cells {
                        return Err(Decline);
                    }
                }
                (b"sheetData", true) => return Ok(Some(cells)),
                _ => return Err(Decline),
            }
        }
    }

    /// A cell's position, style id and whether its numbers are dates, from its start tag's
    /// `r`, `s` and `t` (as `next_cell_with_style_id` reads them).
    fn cell_head(&self, r: Option<&str>, s: Option<&str>, row: u32, col: u32) -> Sure<Head> {
        let at = match r {
            Some(r) => {
                plain_ref(r)?;
                sheet_xml::row_column(r)?
            }
            None => (row, col),
        };
        let style = match s {
            Some(s) => usize::try_from(plain_number(s).ok_or(Decline)?).map_err(|_| Decline)?,
            None => 0,
        };
        // A number is a date when its style says so (no `s`: calamine's `Other`).
        let date = s.is_some() && self.styles.get(style).is_some_and(|st| st.date);
        Ok(Head { at, style, date })
    }

    /// A cell read with quick-xml from its start tag `e` to its end (calamine's
    /// `next_cell_with_style_id`).
    fn cell_events(
        &self,
        xml: &mut quick_xml::Reader<&[u8]>,
        e: &BytesStart<'_>,
        row: u32,
        col: u32,
    ) -> Sure<CellRead> {
        if e.local_name().as_ref() != "c" {
            return Err(Decline);
        }
        let [r, s, t] = attrs(e, ["r", "s", "t"])?;
        let head = self.cell_head(r, s, row, col)?;
        let mut value = None;
        loop {
            match xml.read_event()? {
                Event::Start(v) => value = self.value(xml, &v, head.date, t)?,
                Event::End(end) if end.local_name().as_ref() == "c" => break,
                Event::Eof => return Err(Decline),
                _ => (),
            }
        }
        Ok(CellRead {
            at: head.at,
            style: head.style,
            value,
        })
    }

    /// A cell in one of the plain forms, scanned: `<c …/>`, or `<c …>` holding only `<v>`
    /// (without attributes, its text without `&` or CR), `<v/>` and `<f …>` (its text without
    /// `&`), whitespace between. None, with the scan where it was, for any other form.
    fn cell_scanned(
        &self,
        scan: &mut Scan<'_>,
        tag: &Tag<'_>,
        row: u32,
        col: u32,
    ) -> Sure<Option<CellRead>> {
        let [r, s, t] = raw_attrs(tag.attrs, ["r", "s", "t"])?;
        let head = self.cell_head(r, s, row, col)?;
        let cell = |value| CellRead {
            at: head.at,
            style: head.style,
            value,
        };
        if tag.empty {
            return Ok(Some(cell(None)));
        }
        let back = scan.pos;
        let mut value = None;
        loop {
            if scan.space().is_err() {
                scan.pos = back;
                return Ok(None);
            }
            let Ok(inner) = scan.tag() else {
                scan.pos = back;
                return Ok(None);
            };
            let blank = inner.attrs.bytes().all(|b| b.is_ascii_whitespace());
            match (inner.name, inner.end, inner.empty) {
                (b"c", true, _) => return Ok(Some(cell(value))),
                (b"v", false, true) if blank => value = self.v_text("", head.date, t)?,
                (b"v", false, false) if blank => match scan.text_to(inner.qname, false) {
                    Some(text) => value = self.v_text(text, head.date, t)?,
                    None => {
                        scan.pos = back;
                        return Ok(None);
                    }
                },
                (b"f", false, true) if raw_attrs(inner.attrs, []).is_ok() => value = None,
                (b"f", false, false) if raw_attrs(inner.attrs, []).is_ok() => {
                    match scan.text_to(inner.qname, false) {
                        Some(_) => value = None,
                        None => {
                            scan.pos = back;
                            return Ok(None);
                        }
                    }
                }
                _ => {
                    scan.pos = back;
                    return Ok(None);
                }
            }
        }
    }

    /// A `<v>`'s value from its text as written (no `&`, no CR: as calamine reads it for every
    /// type), by the cell's type (calamine's `read_value` for `<v>`).
    fn v_text(&self, text: &str, date: bool, t: Option<&str>) -> Sure<Option<Value>> {
        if matches!(t, Some("inlineStr" | "is")) {
            return Ok(None);
        }
        if text.is_empty() && matches!(t, Some("n" | "s" | "b" | "e") | None) {
            return Ok(None);
        }
        self.v(text, date, t)
    }

    /// One element inside a cell (calamine's `read_value`): its value, None for none.
    fn value(
        &self,
        xml: &mut quick_xml::Reader<&[u8]>,
        e: &BytesStart<'_>,
        date: bool,
        t: Option<&str>,
    ) -> Sure<Option<Value>> {
        match e.local_name().as_ref() {
            "is" => Ok(Some(Value::Text(read_string(xml, e.name())?))),
            "v" if matches!(t, Some("inlineStr" | "is")) => {
                xml.read_to_end(e.name())?;
                Ok(None)
            }
            "v" if matches!(t, Some("n" | "s" | "b" | "e") | None) => {
                let value = match xml.read_event()? {
                    Event::Text(text) => self.v(&text, date, t)?,
                    Event::End(end) if end.name() == e.name() => return Ok(None),
                    Event::Eof => return Err(Decline),
                    _ => None,
                };
                xml.read_to_end(e.name())?;
                Ok(value)
            }
            "v" => {
                let mut text = String::new();
                loop {
                    match xml.read_event()? {
                        Event::Text(t) => text.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => entity(&r, &mut text)?,
                        Event::End(end) if end.name() == e.name() => break,
                        Event::Eof => return Err(Decline),
                        _ => (),
                    }
                }
                self.v(&text, date, t)
            }
            "f" => {
                xml.read_to_end(e.name())?;
                Ok(None)
            }
            _ => Err(Decline),
        }
    }

    /// A `<v>`'s text by the cell's type (calamine's `read_v`, as `read_xlsx` maps its value).
    fn v(&self, v: &str, date: bool, t: Option<&str>) -> Sure<Option<Value>> {
        Ok(match t {
            Some("s") => {
                if v.is_empty() {
                    return Ok(None);
                }
                let index = plain_number(v).ok_or(Decline)?;
                let text = usize::try_from(index)
                    .ok()
                    .and_then(|i| self.strings.get(i))
                    .ok_or(Decline)?;
                Some(Value::Text(text.clone()))
            }
            Some("b") => {
                let b = v.trim();
                if b.is_empty() {
                    None
                } else if b == "0" || b.eq_ignore_ascii_case("false") {
                    Some(Value::Bool(false))
                } else if b == "1" || b.eq_ignore_ascii_case("true") {
                    Some(Value::Bool(true))
                } else {
                    return Err(Decline);
                }
            }
            Some("d") => Some(Value::Date(v.to_string())),
            Some("e") => {
                let e: calamine::CellErrorType = v.parse()?;
                Some(Value::Error(e.to_string()))
            }
            Some("str") => Some(Value::Text(unescape_xml(v).into_owned())),
            Some("n") | None => {
                if v.is_empty() {
                    return Ok(None);
                }
                let n = plain_float(v).ok_or(Decline)?;
                if date {
                    // calamine gives an `ExcelDateTime`, which `read_xlsx` keeps as its text:
                    // the number as Rust writes an f64 (its `Display`), whatever the format
                    // (date or duration) and the workbook's epoch.
                    return Ok(Some(Value::Date(n.to_string())));
                }
                Some(Value::Number(n))
            }
            Some(_) => return Err(Decline),
        })
    }
}

/// Up to `<sheetData>` (calamine's `XlsxCellReader::new`): false for a part that is not a
/// worksheet (another element, no `<sheetData>`).
fn header(xml: &mut quick_xml::Reader<&[u8]>) -> Sure<bool> {
    let mut other = false;
    loop {
        match xml.read_event()? {
            Event::Start(e) => match e.local_name().as_ref() {
                "dimension" => {
                    let r = attr(&e, "ref")?.ok_or(Decline)?;
                    for part in r.split(':') {
                        plain_ref(part)?;
                    }
                    let d = sheet_xml::dimension(r)?;
                    // calamine subtracts start from end (a panic in a debug build).
                    if d.end.0 < d.start.0 || d.end.1 < d.start.1 {
                        return Err(Decline);
                    }
                }
                "sheetData" => return Ok(true),
                _ => other = true,
            },
            Event::Eof if other => return Ok(false),
            Event::Eof => return Err(Decline),
            _ => (),
        }
    }
}

/// calamine's `unescape_xml`: Excel's `_xHHHH_` escapes of UTF-16 code units resolved (a
/// surrogate pair as one character, a lone surrogate as U+FFFD).
fn unescape_xml(original: &str) -> Cow<'_, str> {
    const LEN: usize = 7;
    let Some((mut index, mut unit)) = find_xml_escape(original, 0) else {
        return Cow::Borrowed(original);
    };
    let mut unescaped = String::with_capacity(original.len());
    let mut copied = 0;
    loop {
        unescaped.push_str(&original[copied..index]);
        index += LEN;
        match unit {
            0xD800..=0xDBFF => match parse_xml_escape(original, index) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    unescaped.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    index += LEN;
                }
                _ => unescaped.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => unescaped.push(char::REPLACEMENT_CHARACTER),
            _ => unescaped
                .push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = index;
        match find_xml_escape(original, index) {
            Some(found) => (index, unit) = found,
            None => break,
        }
    }
    unescaped.push_str(&original[copied..]);
    Cow::Owned(unescaped)
}

fn find_xml_escape(original: &str, mut start: usize) -> Option<(usize, u16)> {
    while let Some(offset) = original.get(start..)?.find('_') {
        let index = start + offset;
        if let Some(unit) = parse_xml_escape(original, index) {
            return Some((index, unit));
        }
        start = index + 1;
    }
    None
}

fn parse_xml_escape(original: &str, index: usize) -> Option<u16> {
    let bytes = original.as_bytes().get(index..index + 7)?;
    if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' {
        return None;
    }
    let hex = std::str::from_utf8(&bytes[2..6]).ok()?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(hex, 16).ok()
}

/// calamine's `detect_custom_number_format`: whether a custom format reads a number as a date
/// or a duration.
fn custom_is_date(format: &str) -> bool {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return false,
            ('[', ..) => brackets = brackets.wrapping_add(1),
            (']', .., 1) if hms => return true,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return true,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return true
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    false
}

/// calamine's `builtin_format_by_id`: the built-in ids it reads as a date or a duration.
fn builtin_is_date(id: &str) -> bool {
    matches!(
        id,
        "14" | "15"
            | "16"
            | "17"
            | "18"
            | "19"
            | "20"
            | "21"
            | "22"
            | "45"
            | "46"
            | "47"
            | "27"
            | "28"
            | "29"
            | "30"
            | "31"
            | "32"
            | "33"
            | "34"
            | "35"
            | "36"
            | "50"
            | "51"
            | "52"
            | "53"
            | "54"
            | "55"
            | "56"
            | "57"
            | "58"
    )
}

/// calamine's `builtin_format_code_by_id`: the code of a built-in number format.
fn builtin_code(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        12 => "# ?/?",
        13 => "# ??/??",
        14 => "mm-dd-yy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "m/d/yy h:mm",
        37 => "#,##0 ;(#,##0)",
        38 => "#,##0 ;[Red](#,##0)",
        39 => "#,##0.00;(#,##0.00)",
        40 => "#,##0.00;[Red](#,##0.00)",
        41 => "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)",
        42 => "_($* #,##0_);_($* (#,##0);_($* \"-\"_);_(@_)",
        43 => "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)",
        44 => "_($* #,##0.00_);_($* (#,##0.00);_($* \"-\"??_);_(@_)",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        47 => "mmss.0",
        48 => "##0.0E+0",
        49 => "@",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CellRef, Workbook};
    use crate::read::load::{read_xlsx_values, xlsx_by_calamine, Failure, Limits};
    use std::io::Write;

    /// The fast path's read: None when it declines.
    fn fast(bytes: &[u8], limits: &Limits) -> Option<Workbook> {
        let mut parts = Parts::open(bytes).ok()?;
        read_xlsx_values(&mut parts, limits).ok().map(|(wb, _)| wb)
    }

    /// Asserts that the fast path, when it answers, gives calamine's workbook; true when it
    /// answered.
    fn same_as_calamine(bytes: &[u8], limits: &Limits, what: &str) -> bool {
        let Some(fast) = fast(bytes, limits) else {
            return false;
        };
        match xlsx_by_calamine(bytes, limits) {
            Ok(wb) => assert_eq!(fast, wb, "{what}: the fast path differs from calamine"),
            Err(Failure::Reader(e) | Failure::TooLarge(e) | Failure::Unsupported(e)) => {
                panic!("{what}: the fast path answered, calamine refused: {e}")
            }
            Err(other) => panic!("{what}: the fast path answered, calamine: {other:?}"),
        }
        true
    }

    fn zip_of(entries: &[(String, String)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(name.as_str(), opts).expect("start");
            w.write_all(data.as_bytes()).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const RELS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// A package written by hand: its sheets (name, relationship type's last word, state, the
    /// part's XML), shared strings' `<si>` elements and `cellXfs`/`numFmts`/`fonts` of styles.
    fn package(sheets: &[(&str, &str, &str, String)], strings: &str, styles: &str) -> Vec<u8> {
        let mut entries = vec![(
            "_rels/.rels".to_string(),
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        )];
        let (mut list, mut rels) = (String::new(), String::new());
        for (i, (name, typ, state, xml)) in sheets.iter().enumerate() {
            let n = i + 1;
            list.push_str(&format!(
                r#"<sheet name="{name}" sheetId="{n}" {state} r:id="rId{n}"/>"#
            ));
            rels.push_str(&format!(
                r#"<Relationship Id="rId{n}" Type="{RELS}/{typ}" Target="worksheets/sheet{n}.xml"/>"#
            ));
            entries.push((format!("xl/worksheets/sheet{n}.xml"), xml.clone()));
        }
        entries.push((
            "xl/workbook.xml".into(),
            format!(
                r#"<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{list}</sheets><definedNames><definedName name="Total">Sheet1!$B$2</definedName></definedNames></workbook>"#
            ),
        ));
        entries.push((
            "xl/_rels/workbook.xml.rels".into(),
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
            ),
        ));
        entries.push((
            "xl/sharedStrings.xml".into(),
            format!(r#"<?xml version="1.0"?><sst xmlns="{MAIN}">{strings}</sst>"#),
        ));
        entries.push((
            "xl/styles.xml".into(),
            format!(r#"<?xml version="1.0"?><styleSheet xmlns="{MAIN}">{styles}</styleSheet>"#),
        ));
        zip_of(&entries)
    }

    fn worksheet(data: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>{data}</sheetData></worksheet>"#
        )
    }

    /// Styles: 0 plain, 1 `0.00%` (built-in 10), 2 custom `0.0%`, 3 bold, 4 indented by 2,
    /// 5 a date (built-in 14), 6 a custom date.
    const STYLES: &str = r#"<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="dd/mm/yyyy"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Times &amp; Co"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border><left style="thin"><color rgb="FF000000"/></left><right/><top/><bottom/><diagonal/></border></borders><cellXfs count="7"><xf numFmtId="0" fontId="0"/><xf numFmtId="10" fontId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0"/><xf numFmtId="0" fontId="1"/><xf numFmtId="0" fontId="0"><alignment indent="2"/></xf><xf numFmtId="14" fontId="0"/><xf numFmtId="165" fontId="0"/></cellXfs>"#;

    const STRINGS: &str = r#"<si><t>Tổng số</t></si><si><r><rPr><b/></rPr><t>Rich </t></r><r><t xml:space="preserve"> runs </t></r><rPh><t>phonetic</t></rPh></si><si><t>line_x000D_break &amp; more</t></si><si><t xml:space="preserve">  kept  </t></si><si><t>  trimmed
</t></si><si/>"#;

    #[test]
    fn the_fast_path_reads_hand_written_cells_as_calamine_does() {
        let cells = [
            // No `r`: placed after the previous cell; a row without `r` after the previous row.
            r#"<row r="1"><c t="s"><v>0</v></c><c s="1"><v>0.2041</v></c><c><v>7</v></c></row>"#,
            r#"<row><c t="s" s="3"><v>1</v></c><c s="2"><v>-1.5E-3</v></c><c t="inlineStr"><is><t>inline</t></is></c></row>"#,
            r#"<row r="5"><c r="B5" t="b"><v>1</v></c><c t="e"><v>#DIV/0!</v></c><c t="str"><f>A1</f><v>x_x000D_y</v></c></row>"#,
            r#"<row r="6"><c r="A6" t="d"><v>2024-01-31T00:00:00</v></c><c r="B6" t="s" s="4"><v>2</v></c><c r="C6" s="4"><f>1+1</f><v>2</v></c></row>"#,
            r#"<row r="7"><c r="A7" t="s"><v>3</v></c><c r="B7" t="s"><v>4</v></c><c r="C7" t="s"><v>5</v></c><c r="D7" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>"#,
            r#"<row r="8"><c r="A8" s="1"/><c r="B8" t="str"><v>a &amp; b</v></c><c r="C8"><f t="shared" ref="C8:C9" si="0">A8&amp;"x"</f><v>3</v></c></row>"#,
        ]
        .concat();
        let prefixed = format!(
            "\u{feff}<?xml version=\"1.0\"?><x:worksheet xmlns:x=\"{MAIN}\"><x:dimension ref=\"A1:B2\"/><x:sheetData><x:row r=\"2\"><x:c r=\"B2\" s=\"2\"><x:v>0.5</x:v></x:c></x:row></x:sheetData></x:worksheet>"
        );
        let chart =
            format!(r#"<?xml version="1.0"?><chartsheet xmlns="{MAIN}"><sheetView/></chartsheet>"#);
        let bytes = package(
            &[
                ("Sheet1", "worksheet", "", worksheet(&cells)),
                ("Hidden", "worksheet", r#"state="hidden""#, prefixed),
                ("Chart", "chartsheet", "", chart.clone()),
                ("NotInside", "worksheet", r#"state="veryHidden""#, chart),
                ("Empty", "worksheet", "", worksheet("")),
            ],
            STRINGS,
            STYLES,
        );
        let limits = Limits::default();
        assert!(
            same_as_calamine(&bytes, &limits, "hand-written"),
            "the fast path declined"
        );
        let wb = fast(&bytes, &limits).expect("answered");
        let names: Vec<&str> = wb.sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Sheet1", "Hidden", "NotInside", "Empty"]);
        let at = |s: usize, a1: &str| {
            let at = CellRef::parse_a1(a1).expect("address");
            wb.sheets[s]
                .cells
                .get(&at)
                .map(|c| (c.value.clone(), c.fmt))
        };
        let pct = |decimals| NumFmt {
            percent: true,
            decimals: Some(decimals),
        };
        assert_eq!(at(0, "B1"), Some((Value::Number(0.2041), pct(2))));
        assert_eq!(
            at(0, "A2"),
            Some((Value::Text("Rich runs ".into()), NumFmt::default()))
        );
        assert_eq!(at(0, "B2"), Some((Value::Number(-0.0015), pct(1))));
        assert_eq!(at(0, "C2").map(|c| c.0), Some(Value::Text("inline".into())));
        assert_eq!(at(0, "B5").map(|c| c.0), Some(Value::Bool(true)));
        assert_eq!(
            at(0, "C5").map(|c| c.0),
            Some(Value::Error("#DIV/0!".into()))
        );
        assert_eq!(at(0, "D5").map(|c| c.0), Some(Value::Text("x\ry".into())));
        assert_eq!(
            at(0, "A6").map(|c| c.0),
            Some(Value::Date("2024-01-31T00:00:00".into()))
        );
        assert_eq!(
            at(0, "A7").map(|c| c.0),
            Some(Value::Text("  kept  ".into()))
        );
        assert_eq!(
            at(0, "B7").map(|c| c.0),
            Some(Value::Text("trimmed".into()))
        );
        assert_eq!(at(0, "C7").map(|c| c.0), Some(Value::Text(String::new())));
        assert_eq!(at(0, "A3"), None);
        assert_eq!(at(1, "B2"), Some((Value::Number(0.5), pct(1))));
        let emphasis = &wb.sheets[0].emphasis;
        assert!(emphasis[&CellRef::parse_a1("A2").expect("a1")].bold);
        assert_eq!(emphasis[&CellRef::parse_a1("B6").expect("a1")].indent, 2);
        assert_eq!(
            wb.defined_names,
            [("Total".to_string(), "Sheet1!$B$2".to_string())]
        );
        // A8 is a styled blank: the sheet's formulas were read, as calamine's path reads them.
        assert_eq!(
            wb.sheets[0].cells[&CellRef::parse_a1("C8").expect("a1")]
                .formula
                .as_deref(),
            Some("A8&\"x\"")
        );
    }

    #[test]
    fn a_number_styled_as_a_date_reads_as_calamine_reads_it() {
        let limits = Limits::default();
        for style in [5, 6] {
            for (v, text) in [("45000", "45000"), ("45000.25", "45000.25"), ("0.5", "0.5")] {
                let cells = format!(r#"<row r="1"><c r="A1" s="{style}"><v>{v}</v></c></row>"#);
                let bytes = package(&[("S", "worksheet", "", worksheet(&cells))], "", STYLES);
                assert!(same_as_calamine(&bytes, &limits, "a date"), "style {style}");
                let wb = fast(&bytes, &limits).expect("answered");
                let cell = &wb.sheets[0].cells[&CellRef::parse_a1("A1").expect("a1")];
                assert_eq!(cell.value, Value::Date(text.into()), "style {style}");
                assert_eq!(
                    cell.fmt,
                    NumFmt::default(),
                    "a date carries no number format"
                );
            }
        }
        // The same number without a date style is a number.
        let cells = r#"<row r="1"><c r="A1" s="1"><v>45000</v></c></row>"#;
        let bytes = package(&[("S", "worksheet", "", worksheet(cells))], "", STYLES);
        assert!(same_as_calamine(&bytes, &limits, "percent"));
    }

    #[test]
    fn what_it_does_not_replicate_makes_it_decline() {
        let limits = Limits::default();
        let declined = |cells: &str, state: &str| {
            let bytes = package(
                &[("S", "worksheet", state, worksheet(cells))],
                STRINGS,
                STYLES,
            );
            fast(&bytes, &limits).is_none()
        };
        // Numbers calamine's parser reads otherwise than Rust's, a cell type calamine refuses,
        // a shared string index out of range, a reference beyond calamine's arithmetic, an
        // unknown sheet state.
        assert!(declined(r#"<row r="1"><c r="A1"><v>+1</v></c></row>"#, ""));
        assert!(declined(r#"<row r="1"><c r="A1"><v>1.</v></c></row>"#, ""));
        assert!(declined(
            r#"<row r="1"><c r="A1" t="x"><v>1</v></c></row>"#,
            ""
        ));
        assert!(declined(
            r#"<row r="1"><c r="A1" t="s"><v>99</v></c></row>"#,
            ""
        ));
        assert!(declined(
            r#"<row r="1"><c r="AAAAA1"><v>1</v></c></row>"#,
            ""
        ));
        assert!(declined(
            r#"<row r="1"><c r="A1"><v>1</v></c></row>"#,
            r#"state="odd""#
        ));
        assert!(!declined(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#, ""));
        // Over a limit: calamine's read gives the error.
        let cells = r#"<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>"#;
        let bytes = package(&[("S", "worksheet", "", worksheet(cells))], "", STYLES);
        let small = Limits {
            max_cells_per_sheet: 1,
            ..Limits::default()
        };
        assert!(fast(&bytes, &small).is_none());
        assert!(matches!(
            xlsx_by_calamine(&bytes, &small),
            Err(Failure::TooLarge(_))
        ));
    }

    /// A workbook as rust_xlsxwriter writes it: numbers, shared strings, percent formats
    /// (built-in and custom), bold and indented labels, a formula with its result, a styled
    /// blank (its formulas then read), a hidden sheet, a chartsheet, a defined name.
    #[test]
    fn the_fast_path_reads_what_rust_xlsxwriter_writes_as_calamine_does() {
        use rust_xlsxwriter::{Chart, ChartType, Format, FormatAlign, Formula};
        let mut wb = rust_xlsxwriter::Workbook::new();
        let bold = Format::new().set_bold();
        let indent = Format::new().set_indent(1).set_align(FormatAlign::Left);
        let pct = Format::new().set_num_format("0.00%");
        let pct1 = Format::new().set_num_format("0.0%");
        let ws = wb.add_worksheet().set_name("Data").expect("name");
        ws.write_string_with_format(0, 0, "Tổng số", &bold)
            .expect("A1");
        ws.write_string_with_format(1, 0, "Trong đó: nữ", &indent)
            .expect("A2");
        ws.write_number(0, 1, 120.0).expect("B1");
        ws.write_number(1, 1, 45.0).expect("B2");
        ws.write_number_with_format(2, 1, 0.375, &pct).expect("B3");
        ws.write_number_with_format(3, 1, 0.3751, &pct1)
            .expect("B4");
        ws.write_formula(4, 1, Formula::new("=B1-B2").set_result("75"))
            .expect("B5");
        ws.write_boolean(5, 1, true).expect("B6");
        ws.write_blank(6, 1, &pct).expect("B7");
        let hidden = wb.add_worksheet().set_name("Hidden").expect("name");
        hidden.write_number(0, 0, 1.0).expect("A1");
        hidden.set_hidden(true);
        let mut chart = Chart::new(ChartType::Column);
        chart.add_series().set_values("Data!$B$1:$B$2");
        wb.add_chartsheet()
            .insert_chart(0, 0, &chart)
            .expect("chart");
        wb.define_name("Total", "=Data!$B$1").expect("name");
        let bytes = wb.save_to_buffer().expect("save");
        let limits = Limits::default();
        assert!(
            same_as_calamine(&bytes, &limits, "rust_xlsxwriter"),
            "declined"
        );
        let read = fast(&bytes, &limits).expect("answered");
        assert_eq!(read.sheets.len(), 2);
        assert_eq!(
            read.sheets[0].cells[&CellRef::new(4, 1)].formula.as_deref(),
            Some("B1-B2")
        );
    }

    /// A part is read whole only up to the bound, and no further: one larger (a zip bomb)
    /// makes the fast path decline, and calamine streams it.
    #[test]
    fn a_part_over_the_bound_is_not_read_whole() {
        let big = format!(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row>"#,
            "x".repeat(100_000)
        );
        let bytes = package(&[("S", "worksheet", "", worksheet(&big))], "", STYLES);
        let mut parts = Parts::open(&bytes).expect("a package");
        let path = "xl/worksheets/sheet1.xml";
        assert!(parts.part_bytes(path, 10_000).is_err());
        let whole = parts
            .part_bytes(path, 1_000_000)
            .expect("read")
            .expect("a part");
        assert!(whole.len() > 100_000);
        assert!(parts
            .part_bytes("xl/none.xml", 10)
            .expect("no error")
            .is_none());
        let values = Values::open(&mut parts, 1_000_000).expect("open");
        assert!(values.sheet(&mut parts, "S", 10_000, 100).is_err());
        assert!(values.sheet(&mut parts, "S", 1_000_000, 100).is_ok());
    }

    /// The samples shipped with crossfoot are read by the fast path, not left to calamine.
    #[test]
    fn the_fast_path_answers_for_the_samples() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let limits = Limits::default();
        let (mut answered, mut all) = (0, 0);
        for entry in std::fs::read_dir(root).expect("samples") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("xlsx") {
                continue;
            }
            all += 1;
            let bytes = std::fs::read(&path).expect("read");
            if same_as_calamine(&bytes, &limits, &path.display().to_string()) {
                answered += 1;
            }
        }
        assert!(all >= 10, "{all} samples");
        assert!(
            answered * 10 >= all * 9,
            "{answered} of {all} samples answered"
        );
    }

    #[test]
    #[ignore = "needs ../shared"]
    #[allow(clippy::print_stdout)] // how many it answered is part of what this test reports
    fn fast_path_equals_calamine_on_every_xlsx_of_the_corpus() {
        let files = crate::read::sheet_xml::tests::corpus();
        assert!(
            files.len() > 200,
            "{} .xlsx files: the corpus is incomplete",
            files.len()
        );
        let limits = Limits::default();
        let (mut answered, mut declined) = (0, 0);
        // Of those declined: calamine refuses them too; calamine reads dates in them; others.
        let (mut refused, mut dates, mut other) = (0, 0, Vec::new());
        for path in &files {
            let bytes = std::fs::read(path).expect("read");
            if same_as_calamine(&bytes, &limits, &path.display().to_string()) {
                answered += 1;
                continue;
            }
            declined += 1;
            match xlsx_by_calamine(&bytes, &limits) {
                Err(_) => refused += 1,
                Ok(wb)
                    if wb
                        .sheets
                        .iter()
                        .any(|s| s.cells.values().any(|c| matches!(c.value, Value::Date(_)))) =>
                {
                    dates += 1
                }
                Ok(_) => other.push(path.file_name().map(|n| n.to_string_lossy().into_owned())),
            }
        }
        println!(
            "fast path: {answered} answered, {declined} declined of {} ({refused} calamine refuses too, {dates} with dates, {} other: {other:?})",
            files.len(),
            other.len()
        );
        assert!(answered > 100, "{answered} answered, {declined} declined");
    }
}
