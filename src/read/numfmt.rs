//! Number formats of `.xls`, `.ods` and `.xlsb` cells, which the workbook reader (calamine)
//! does not report.
//!
//! Why this exists: crossfoot must know when a number is shown as a percentage (0.5397 with a
//! percent format shows as 53.97 % and is read as 53.97) and how many decimals a format shows
//! (`0.00` shows 2, which bounds how far a rounded figure may be from an exact one). calamine
//! gives these for `.xlsx` but only the values for `.xls`, `.ods` and `.xlsb`, so this module
//! reads the formats itself:
//!
//! * [`xls_formats`]: Excel 97-2003 (BIFF8) and Excel 5.0/95 (BIFF5) workbooks. The `Workbook`
//!   (or `Book`) stream is taken out of the OLE compound file, then the workbook globals give
//!   the number formats (FORMAT records plus Excel's built-in ones), the cell formats (XF
//!   records, by index) and the sheets (BOUNDSHEET records); each sheet's NUMBER, RK, MULRK and
//!   FORMULA records give the cells. A cell is recorded when [`NumFmt::from_code`] of its
//!   format is not General.
//! * [`xlsb_formats`]: Excel binary workbooks (BIFF12 records, [MS-XLSB] 2.1.4, in zip parts).
//!   `xl/styles.bin` gives the number formats (BrtFmt: id and code, plus Excel's built-in
//!   ones) and the cell formats (BrtXF records between BrtBeginCellXFs and BrtEndCellXFs, by
//!   index: their iFmt); `xl/workbook.bin` (BrtBundleSh) and `xl/_rels/workbook.bin.rels`
//!   give the sheets and their parts, found as calamine finds them; each sheet part's
//!   BrtRowHdr records give the row and its number cells (BrtCellRk, BrtCellReal,
//!   BrtFmlaNum) their column and style (iStyleRef). The "short" cell records without a
//!   column (BrtShortRk …, written by SheetJS) are not read, as calamine 0.38 does not read
//!   those cells at all.
//! * [`ods_formats`]: OpenDocument spreadsheets. `content.xml` is walked as a stream; a cell
//!   with `office:value-type="percentage"` (or a percentage data style) is recorded as a
//!   percentage, a `float` or `currency` cell whose data style fixes its decimals as a number;
//!   the decimals are those of the cell's displayed text (`<text:p>53.97%</text:p>` shows 2),
//!   which is exactly what the reader of the sheet sees, else those of its data style. Data
//!   styles are found through the cell's style, else the row's or column's default cell style,
//!   in `content.xml` and `styles.xml`.
//!
//! Cell positions and sheet names are those calamine gives the same cells (zero-based,
//! absolute); the real-world corpus agrees cell for cell, and `.xls` files agree with their
//! `.xlsx` conversions read through calamine's styles.
//!
//! Known differences and limits:
//!
//! * `.xls` decimals are those of the format code, the most it may show (`0.00##` → 4);
//!   `.ods` decimals are those the text shows (`0.00##` shows 12.5 as `12.50`: 2).
//! * `.ods` fraction styles (`# ?/?`) fix no decimals, so such cells are not recorded; the
//!   `.xls` format code reads as 0 decimals, as [`NumFmt::from_code`] reads it for `.xlsx`.
//! * A FORMULA cell is recorded by its format whatever its result (text, error): the caller
//!   applies formats to numbers only.
//! * BIFF5 sheet names are decoded from Windows-1252, Windows-1258 or Latin-1 (no CODEPAGE
//!   record); a non-ASCII name in another code page is left out. A FORMAT string continued in
//!   a CONTINUE record is ignored. BIFF2-4 files (which calamine cannot read) give None.
//! * A workbook with more than [`MAX_RECORDED`] formatted cells gives None.
//!
//! Nothing here panics on any input, and every loop is bounded by the size of the file:
//! compound-file sector chains are walked at most once per sector, record walks have a budget
//! of one record per four bytes of stream, ODS repeat counts are added to positions (never
//! iterated over) except for recorded cells, of which there are at most [`MAX_RECORDED`] per
//! workbook, `content.xml` and every `.xlsb` part are decompressed through a 200 MB limit (16 MB
//! for `workbook.bin` and its relationships), XML entities defined in a DTD are never expanded,
//! and of an `.xlsb` record at most 4 KB is kept whatever size its header says (the rest is
//! skipped as it streams by).

use crate::model::{CellRef, NumFmt};
use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

/// The number formats of one sheet's cells that have a non-General number format.
pub type SheetFormats = HashMap<CellRef, NumFmt>;

/// Most cells recorded per workbook. A workbook with more formatted cells gets no formats at
/// all (None): such a workbook exceeds what crossfoot checks anyway, and the map would cost
/// more than 100 MB.
pub const MAX_RECORDED: usize = 5_000_000;

/// Largest sheet, as in Excel and calamine.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLS: u64 = 16_384;

/// At most this many bytes are decompressed from `content.xml` (and from `styles.xml`).
const XML_LIMIT: u64 = 200 * 1024 * 1024;

/// Number formats of the cells of every sheet that have a non-General number format (percent
/// or fixed decimals), by sheet name, of an Excel 97-2003 (BIFF8) or Excel 5.0/95 (BIFF5)
/// workbook. None when the file's structure cannot be read (not a compound file, no workbook
/// stream, encrypted, damaged globals, more than [`MAX_RECORDED`] formatted cells); then
/// crossfoot goes on without formats. Only worksheets are listed (every worksheet that was
/// read, possibly with an empty map); a BIFF5 sheet whose name is in a code page other than
/// Windows-1252/1258 or Latin-1 and not plain ASCII is left out.
pub fn xls_formats(bytes: &[u8]) -> Option<HashMap<String, SheetFormats>> {
    let stream = crate::read::sniff::xls_workbook_stream(bytes)?;
    biff::formats(&stream)
}

/// Number formats of the cells of every sheet that have a non-General number format (percent
/// or fixed decimals), by sheet name, of an OpenDocument spreadsheet. None when the file's
/// structure cannot be read (not a zip, no `content.xml`, malformed or encrypted XML,
/// `content.xml` larger than 200 MB, more than [`MAX_RECORDED`] formatted cells); then
/// crossfoot goes on without formats. Every named table is listed, possibly with an empty map.
pub fn ods_formats(bytes: &[u8]) -> Option<HashMap<String, SheetFormats>> {
    ods::formats(bytes, MAX_RECORDED)
}

/// Number formats of the cells of every worksheet that have a non-General number format
/// (percent or fixed decimals), by sheet name, of an Excel binary workbook (`.xlsb`). None
/// when the file's structure cannot be read (not a zip, no `xl/workbook.bin`, a damaged
/// record stream, a sheet or styles part larger than 200 MB unpacked, `workbook.bin` or its
/// relationships larger than 16 MB, more than [`MAX_RECORDED`] formatted cells); then crossfoot
/// goes on without formats. Every worksheet calamine lists is listed,
/// possibly with an empty map.
pub fn xlsb_formats(bytes: &[u8]) -> Option<HashMap<String, SheetFormats>> {
    xlsb_read(bytes).map(|r| r.formats)
}

/// What the records of an `.xlsb` file's sheets say beside the values calamine reads.
#[derive(Debug, Default, PartialEq)]
pub struct XlsbRead {
    /// [`xlsb_formats`]'s number formats.
    pub formats: HashMap<String, SheetFormats>,
    /// The sheets (in workbook order) that hold "short" cell records (BrtShortRk, BrtShortIsst
    /// …: a cell written without its column, as SheetJS writes every cell that follows another
    /// in its row), with how many: calamine 0.38 does not read these cells, so their values
    /// would be missing without a word.
    pub short_cells: Vec<(String, usize)>,
}

/// [`xlsb_formats`] and the sheets with cells the reader leaves out ([`XlsbRead`]); None as
/// for [`xlsb_formats`].
pub fn xlsb_read(bytes: &[u8]) -> Option<XlsbRead> {
    xlsb::formats(bytes, MAX_RECORDED)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn decode_utf16le(b: &[u8]) -> String {
    let units = b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Records formatted cells, counting them against a limit ([`MAX_RECORDED`]; less in tests).
struct Recorder {
    sheets: HashMap<String, SheetFormats>,
    count: usize,
    limit: usize,
}

impl Recorder {
    fn new(limit: usize) -> Self {
        Recorder {
            sheets: HashMap::new(),
            count: 0,
            limit,
        }
    }

    /// Whether `more` cells may still be recorded.
    fn has_room(&self, more: u64) -> bool {
        (self.count as u64).saturating_add(more) <= self.limit as u64
    }

    /// Records `fmt` at (`row`, `col`) of `cells` unless it is General. None once the workbook
    /// holds more formatted cells than the limit.
    fn note(&mut self, cells: &mut SheetFormats, row: u32, col: u32, fmt: NumFmt) -> Option<()> {
        if fmt == NumFmt::default() {
            return Some(());
        }
        if cells.insert(CellRef::new(row, col), fmt).is_none() {
            self.count += 1;
            if self.count > self.limit {
                return None;
            }
        }
        Some(())
    }

    /// A sheet of the same name read earlier is replaced, as calamine does.
    fn finish_sheet(&mut self, name: String, cells: SheetFormats) {
        self.sheets.insert(name, cells);
    }
}

// ---------------------------------------------------------------------------------------------
// OLE compound files (CFB): the minimal reader of `sniff.rs`, returning a whole stream
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// BIFF records: the workbook stream of .xls
// ---------------------------------------------------------------------------------------------

mod biff {
    use super::{decode_utf16le, u16_at, u32_at, Recorder, SheetFormats, MAX_RECORDED};
    use crate::model::NumFmt;
    use std::collections::HashMap;

    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    const FILEPASS: u16 = 0x002F;
    const CODEPAGE: u16 = 0x0042;
    const FORMAT: u16 = 0x041E;
    const XF: u16 = 0x00E0;
    const BOUNDSHEET: u16 = 0x0085;
    const NUMBER: u16 = 0x0203;
    const RK: u16 = 0x027E;
    const FORMULA: u16 = 0x0006;
    const MULRK: u16 = 0x00BD;

    /// The record at `off`: its type, its payload and the offset of the next record. None at
    /// the end of the stream or when the record runs past it.
    fn record_at(s: &[u8], off: usize) -> Option<(u16, &[u8], usize)> {
        let typ = u16_at(s, off)?;
        let len = u16_at(s, off.checked_add(2)?)? as usize;
        let start = off.checked_add(4)?;
        let end = start.checked_add(len)?;
        Some((typ, s.get(start..end)?, end))
    }

    /// A sheet's name as stored: BIFF8 names are Unicode, BIFF5 names are bytes in the
    /// workbook's code page.
    enum RawName<'a> {
        /// BIFF8: the character bytes and whether they are 16-bit.
        Unicode(&'a [u8], bool),
        /// BIFF5: bytes in the workbook's code page.
        Bytes(&'a [u8]),
    }

    struct BoundSheet<'a> {
        pos: usize,
        /// 0 worksheet (or dialog sheet), 1 macro sheet, 2 chart, 6 VBA module.
        dt: u8,
        name: RawName<'a>,
    }

    pub(super) fn formats(s: &[u8]) -> Option<HashMap<String, SheetFormats>> {
        let (typ, bof, _) = record_at(s, 0)?;
        if typ != BOF {
            return None;
        }
        // As calamine reads the BOF version.
        let biff8 = match (u16_at(bof, 0)?, u16_at(bof, 2).unwrap_or(0)) {
            (0x0500, _) | (0, 0x1000) => false,
            (0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400, _) => return None,
            _ => true,
        };
        // Every record is at least 4 bytes, so disjoint substreams hold at most len/4 records
        // in all; a file whose sheets overlap cannot make the walks quadratic.
        let mut budget = s.len() / 4 + 64;

        let mut codepage = None;
        let mut user_formats: HashMap<u16, NumFmt> = HashMap::new();
        let mut xf_ifmt: Vec<u16> = Vec::new();
        let mut sheets: Vec<BoundSheet<'_>> = Vec::new();
        let mut off = 0;
        loop {
            budget = budget.checked_sub(1)?;
            let Some((typ, data, next)) = record_at(s, off) else {
                if off >= s.len() {
                    break;
                }
                // A record cut off before the globals end: damaged.
                return None;
            };
            match typ {
                FILEPASS => return None,
                CODEPAGE => codepage = u16_at(data, 0),
                FORMAT => {
                    if let Some((ifmt, code)) = parse_format(data, biff8) {
                        user_formats.insert(ifmt, NumFmt::from_code(&code));
                    }
                }
                // Cell formats are numbered in the order of their records.
                XF => xf_ifmt.push(u16_at(data, 2).unwrap_or(0)),
                BOUNDSHEET => {
                    if let Some(sheet) = parse_boundsheet(data, biff8) {
                        sheets.push(sheet);
                    }
                }
                EOF => break,
                _ => {}
            }
            off = next;
        }
        let xf_fmt: Vec<NumFmt> = xf_ifmt
            .iter()
            .map(|ifmt| match user_formats.get(ifmt) {
                Some(f) => *f,
                None => NumFmt::from_code(builtin_code(*ifmt)),
            })
            .collect();

        let mut rec = Recorder::new(MAX_RECORDED);
        for sheet in sheets {
            if sheet.dt != 0 {
                continue;
            }
            let Some(name) = decode_name(&sheet.name, codepage) else {
                continue;
            };
            let mut cells = SheetFormats::new();
            walk_sheet(s, sheet.pos, &xf_fmt, &mut cells, &mut rec, &mut budget)?;
            rec.finish_sheet(name, cells);
        }
        Some(rec.sheets)
    }

    /// Reads one worksheet substream from its BOF to its EOF, skipping nested substreams
    /// (embedded charts), as calamine does. None when the workbook's budget is spent or too
    /// many cells are recorded.
    fn walk_sheet(
        s: &[u8],
        pos: usize,
        xf_fmt: &[NumFmt],
        cells: &mut SheetFormats,
        rec: &mut Recorder,
        budget: &mut usize,
    ) -> Option<()> {
        let fmt_of = |ixfe: u16| xf_fmt.get(ixfe as usize).copied().unwrap_or_default();
        let mut off = pos;
        let mut seen_bof = false;
        let mut depth = 0usize;
        loop {
            *budget = budget.checked_sub(1)?;
            let Some((typ, data, next)) = record_at(s, off) else {
                return Some(());
            };
            off = next;
            if depth > 0 {
                match typ {
                    BOF => depth = depth.saturating_add(1),
                    EOF => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                BOF if seen_bof => depth = 1,
                BOF => seen_bof = true,
                EOF => return Some(()),
                NUMBER | RK | FORMULA => {
                    if let (Some(row), Some(col), Some(ixfe)) =
                        (u16_at(data, 0), u16_at(data, 2), u16_at(data, 4))
                    {
                        rec.note(cells, u32::from(row), u32::from(col), fmt_of(ixfe))?;
                    }
                }
                MULRK => {
                    // row, first column, then (ixfe, rk) pairs of 6 bytes, then last column.
                    if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                        let n = data.len().saturating_sub(6) / 6;
                        for i in 0..n {
                            let Some(ixfe) = u16_at(data, 4 + 6 * i) else {
                                break;
                            };
                            let col = u32::from(first) + i as u32;
                            rec.note(cells, u32::from(row), col, fmt_of(ixfe))?;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// FORMAT: the format index and its code. BIFF8 stores an XLUnicodeString (u16 length,
    /// flags, characters), BIFF5 a byte string with an 8-bit length. A code continued in a
    /// CONTINUE record is ignored (the format is then taken as built-in or General).
    fn parse_format(data: &[u8], biff8: bool) -> Option<(u16, String)> {
        let ifmt = u16_at(data, 0)?;
        let code = if biff8 {
            let cch = u16_at(data, 2)? as usize;
            let flags = *data.get(4)?;
            if flags & 1 != 0 {
                decode_utf16le(data.get(5..5 + 2 * cch)?)
            } else {
                latin1(data.get(5..5 + cch)?)
            }
        } else {
            let cch = *data.get(2)? as usize;
            // Only the ASCII characters of a code matter to NumFmt::from_code.
            latin1(data.get(3..3 + cch)?)
        };
        Some((ifmt, code))
    }

    /// BOUNDSHEET: position of the sheet's BOF, sheet type and name (characters cut short by
    /// the end of the record are dropped, as calamine does).
    fn parse_boundsheet(data: &[u8], biff8: bool) -> Option<BoundSheet<'_>> {
        let pos = u32_at(data, 0)? as usize;
        let dt = *data.get(5)?;
        let cch = *data.get(6)? as usize;
        let name = if biff8 {
            let wide = *data.get(7)? & 1 != 0;
            let rest = data.get(8..)?;
            let n = if wide {
                (2 * cch).min(rest.len() / 2 * 2)
            } else {
                cch.min(rest.len())
            };
            RawName::Unicode(&rest[..n], wide)
        } else {
            let rest = data.get(7..)?;
            RawName::Bytes(&rest[..cch.min(rest.len())])
        };
        Some(BoundSheet { pos, dt, name })
    }

    /// A sheet name as calamine decodes it (the CODEPAGE record's encoding applied to the
    /// bytes, NUL characters removed). None when the code page is one this module does not
    /// know and the name is not plain ASCII.
    fn decode_name(name: &RawName<'_>, codepage: Option<u16>) -> Option<String> {
        let cp = codepage.unwrap_or(1200);
        let mut text = match (name, cp) {
            (RawName::Unicode(b, true), 1200) => decode_utf16le(b),
            (RawName::Unicode(b, false) | RawName::Bytes(b), 1200) => latin1(b),
            // calamine decodes a BIFF8 name's bytes (16-bit ones too) with the code page.
            (RawName::Unicode(b, _) | RawName::Bytes(b), 1252 | 1258) => {
                b.iter().map(|&c| single_byte(c, cp)).collect()
            }
            (RawName::Unicode(b, _) | RawName::Bytes(b), _) if cp != 1201 && b.is_ascii() => {
                latin1(b)
            }
            _ => return None,
        };
        text.retain(|c| c != '\0');
        Some(text)
    }

    fn latin1(b: &[u8]) -> String {
        b.iter().map(|&c| char::from(c)).collect()
    }

    /// Windows-1252 (and Windows-1258, Vietnamese) as the WHATWG encoding standard decodes
    /// them (bytes without a character map to the C1 control of the same number).
    fn single_byte(b: u8, codepage: u16) -> char {
        const C1_1252: [char; 32] = [
            '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
            '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}',
            '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
            '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
            '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
        ];
        if codepage == 1258 {
            let special = match b {
                0x8A => Some('\u{008A}'),
                0x8E => Some('\u{008E}'),
                0x9A => Some('\u{009A}'),
                0x9E => Some('\u{009E}'),
                0xC3 => Some('\u{0102}'),
                0xCC => Some('\u{0300}'),
                0xD0 => Some('\u{0110}'),
                0xD2 => Some('\u{0309}'),
                0xD5 => Some('\u{01A0}'),
                0xDD => Some('\u{01AF}'),
                0xDE => Some('\u{0303}'),
                0xE3 => Some('\u{0103}'),
                0xEC => Some('\u{0301}'),
                0xF0 => Some('\u{0111}'),
                0xF2 => Some('\u{0323}'),
                0xF5 => Some('\u{01A1}'),
                0xFD => Some('\u{01B0}'),
                0xFE => Some('\u{20AB}'),
                _ => None,
            };
            if let Some(c) = special {
                return c;
            }
        }
        match b {
            0x80..=0x9F => C1_1252[usize::from(b - 0x80)],
            _ => char::from(b),
        }
    }

    /// Excel's built-in number formats (the `en-US` codes; ids without a fixed code, such as
    /// the East Asian date formats, read as General).
    pub(super) fn builtin_code(ifmt: u16) -> &'static str {
        match ifmt {
            1 => "0",
            2 => "0.00",
            3 => "#,##0",
            4 => "#,##0.00",
            5 => "$#,##0_);($#,##0)",
            6 => "$#,##0_);[Red]($#,##0)",
            7 => "$#,##0.00_);($#,##0.00)",
            8 => "$#,##0.00_);[Red]($#,##0.00)",
            9 => "0%",
            10 => "0.00%",
            11 => "0.00E+00",
            12 => "# ?/?",
            13 => "# ??/??",
            14 => "m/d/yy",
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
            41 => r#"_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)"#,
            42 => r#"_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)"#,
            43 => r#"_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)"#,
            44 => r#"_("$"* #,##0.00_);_("$"* \(#,##0.00\);_("$"* "-"??_);_(@_)"#,
            45 => "mm:ss",
            46 => "[h]:mm:ss",
            47 => "mm:ss.0",
            48 => "##0.0E+0",
            49 => "@",
            _ => "General",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Excel binary workbooks (.xlsb): BIFF12 records in zip parts
// ---------------------------------------------------------------------------------------------

mod xlsb {
    use super::{
        biff::builtin_code, u16_at, u32_at, Cursor, HashMap, Read, Recorder, SheetFormats,
    };
    use crate::model::NumFmt;
    use quick_xml::events::Event;
    use std::io::BufReader;

    /// At most this many bytes are decompressed from a sheet part or `styles.bin` (as from
    /// `content.xml`).
    const PART_LIMIT: u64 = super::XML_LIMIT;
    /// At most this many from `workbook.bin` and its relationships, whose sheet names and
    /// targets are kept: a few kilobytes in a real workbook, even with hundreds of sheets.
    const INDEX_LIMIT: u64 = 16 * 1024 * 1024;
    /// At most this many bytes of a record are kept; the rest is skipped unread. Every record
    /// read here needs fewer: a format code (BrtFmt) is at most 255 characters, a sheet's name
    /// 31, a cell's column and style take 8 bytes.
    const KEEP: usize = 4096;
    /// Most cell formats (BrtXF) a workbook may have; Excel allows 65,430. A styles part with
    /// more is taken as damaged.
    const MAX_XFS: usize = 1 << 20;
    /// Largest row index calamine reads (it stops a sheet at a row beyond it).
    const MAX_ROW: u32 = 0x0010_0000;

    const BRT_ROW_HDR: u16 = 0;
    const BRT_CELL_RK: u16 = 2;
    const BRT_CELL_REAL: u16 = 5;
    const BRT_FMLA_NUM: u16 = 9;
    /// BrtShortBlank, BrtShortRk, BrtShortError, BrtShortBool, BrtShortReal, BrtShortSt,
    /// BrtShortIsst: cells without a column (the one after the row's previous cell).
    const BRT_SHORT_FIRST: u16 = 12;
    const BRT_SHORT_LAST: u16 = 18;
    const BRT_FMT: u16 = 44;
    const BRT_XF: u16 = 47;
    const BRT_BEGIN_SHEET_DATA: u16 = 145;
    const BRT_END_SHEET_DATA: u16 = 146;
    const BRT_BUNDLE_SH: u16 = 156;
    const BRT_BEGIN_CELL_XFS: u16 = 617;
    const BRT_END_CELL_XFS: u16 = 618;

    /// A stream of records ([MS-XLSB] 2.1.4): a type of 1 or 2 bytes and a size of 1 to 4
    /// bytes, 7 bits in each byte with the high bit saying another byte follows, then the
    /// payload. The first [`KEEP`] bytes of each payload are kept.
    pub(super) struct Records<R: Read> {
        r: R,
        buf: Vec<u8>,
    }

    /// A record stream that ends inside a record, or a read error.
    #[derive(Debug)]
    pub(super) struct Damaged;

    impl<R: Read> Records<R> {
        pub(super) fn new(r: R) -> Self {
            Records {
                r,
                buf: Vec::with_capacity(KEEP),
            }
        }

        fn byte(&mut self) -> Result<Option<u8>, Damaged> {
            let mut b = [0u8; 1];
            loop {
                match self.r.read(&mut b) {
                    Ok(0) => return Ok(None),
                    Ok(_) => return Ok(Some(b[0])),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return Err(Damaged),
                }
            }
        }

        fn needed_byte(&mut self) -> Result<u8, Damaged> {
            self.byte()?.ok_or(Damaged)
        }

        /// The next record's type and (the first [`KEEP`] bytes of) its payload; None at the
        /// end of the stream.
        pub(super) fn next(&mut self) -> Result<Option<(u16, &[u8])>, Damaged> {
            let Some(b) = self.byte()? else {
                return Ok(None);
            };
            // As calamine reads it: the second byte's high bit is ignored.
            let typ = if b & 0x80 != 0 {
                u16::from(b & 0x7F) | (u16::from(self.needed_byte()? & 0x7F) << 7)
            } else {
                u16::from(b)
            };
            let mut size = 0u64;
            for i in 0..4 {
                let b = self.needed_byte()?;
                size |= u64::from(b & 0x7F) << (7 * i);
                if b & 0x80 == 0 {
                    break;
                }
            }
            let keep = size.min(KEEP as u64);
            self.buf.clear();
            (&mut self.r)
                .take(keep)
                .read_to_end(&mut self.buf)
                .map_err(|_| Damaged)?;
            if self.buf.len() as u64 != keep {
                return Err(Damaged);
            }
            let rest = size - keep;
            if rest > 0 {
                let skipped = std::io::copy(&mut (&mut self.r).take(rest), &mut std::io::sink())
                    .map_err(|_| Damaged)?;
                if skipped != rest {
                    return Err(Damaged);
                }
            }
            Ok(Some((typ, &self.buf)))
        }
    }

    /// An XLWideString at `off` (u32 character count, UTF-16LE characters) and the offset
    /// after it. None when it runs past the record (or past what was kept of it).
    fn wide_string(b: &[u8], off: usize) -> Option<(String, usize)> {
        let cch = u32_at(b, off)? as usize;
        let start = off.checked_add(4)?;
        let end = start.checked_add(cch.checked_mul(2)?)?;
        Some((super::decode_utf16le(b.get(start..end)?), end))
    }

    /// The formats of an .xlsb file, recording at most `limit` cells.
    pub(super) fn formats(bytes: &[u8], limit: usize) -> Option<super::XlsbRead> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let names: Vec<String> = zip
            .file_names_raw()
            .map(|raw| {
                String::from_utf8_lossy(raw)
                    .replace('\\', "/")
                    .to_ascii_lowercase()
            })
            .collect();
        // Parts are found as calamine finds them: by name, ignoring ASCII case.
        let index_of = |part: &str| {
            let want = part.to_ascii_lowercase();
            names.iter().position(|n| *n == want)
        };

        // A workbook without styles.bin has only General cells (calamine reads it so too).
        let xf_fmt = match index_of("xl/styles.bin") {
            Some(i) => {
                let part = zip.by_index(i).ok()?;
                read_styles(BufReader::new(part.take(PART_LIMIT)))?
            }
            None => Vec::new(),
        };
        let rels = match index_of("xl/_rels/workbook.bin.rels") {
            Some(i) => {
                let part = zip.by_index(i).ok()?;
                read_rels(BufReader::new(part.take(INDEX_LIMIT)))?
            }
            None => HashMap::new(),
        };
        let sheets = {
            let part = zip.by_index(index_of("xl/workbook.bin")?).ok()?;
            read_sheets(BufReader::new(part.take(INDEX_LIMIT)), &rels)?
        };

        let mut rec = Recorder::new(limit);
        let mut short_cells = Vec::new();
        for (name, path) in sheets {
            // calamine reads the first sheet of a name.
            if rec.sheets.contains_key(&name) {
                continue;
            }
            let mut cells = SheetFormats::new();
            // A sheet whose part is missing is one calamine cannot read either.
            if let Some(i) = index_of(&path) {
                let part = zip.by_index(i).ok()?;
                let short = read_cells(
                    BufReader::new(part.take(PART_LIMIT)),
                    &xf_fmt,
                    &mut cells,
                    &mut rec,
                )?;
                if short > 0 {
                    short_cells.push((name.clone(), short));
                }
            }
            rec.finish_sheet(name, cells);
        }
        Some(super::XlsbRead {
            formats: rec.sheets,
            short_cells,
        })
    }

    /// Whether a part read through its limit ([`PART_LIMIT`], [`INDEX_LIMIT`]) was read whole. A part cut at the limit is
    /// not: its formats would be partial.
    fn whole<R: Read>(r: BufReader<std::io::Take<R>>) -> Option<()> {
        (r.into_inner().limit() > 0).then_some(())
    }

    /// `xl/styles.bin`: the number format of each cell format (BrtXF in BrtBeginCellXFs …
    /// BrtEndCellXFs, by index), from the workbook's formats (BrtFmt) and Excel's built-in
    /// ones.
    pub(super) fn read_styles<R: Read>(r: BufReader<std::io::Take<R>>) -> Option<Vec<NumFmt>> {
        let mut records = Records::new(r);
        let mut user: HashMap<u16, NumFmt> = HashMap::new();
        let mut xf_ifmt: Vec<u16> = Vec::new();
        let mut in_cell_xfs = false;
        while let Some((typ, data)) = records.next().ok()? {
            match typ {
                BRT_FMT => {
                    if let (Some(id), Some((code, _))) = (u16_at(data, 0), wide_string(data, 2)) {
                        user.insert(id, NumFmt::from_code(&code));
                    }
                }
                BRT_BEGIN_CELL_XFS => in_cell_xfs = true,
                BRT_END_CELL_XFS => in_cell_xfs = false,
                BRT_XF if in_cell_xfs => {
                    if xf_ifmt.len() >= MAX_XFS {
                        return None;
                    }
                    xf_ifmt.push(u16_at(data, 2).unwrap_or(0));
                }
                _ => {}
            }
        }
        whole(records.r)?;
        Some(
            xf_ifmt
                .iter()
                .map(|id| match user.get(id) {
                    Some(f) => *f,
                    None => NumFmt::from_code(builtin_code(*id)),
                })
                .collect(),
        )
    }

    /// `xl/_rels/workbook.bin.rels`: relationship targets by id.
    fn read_rels<R: Read>(r: BufReader<std::io::Take<R>>) -> Option<HashMap<String, String>> {
        let mut reader = quick_xml::Reader::from_reader(r);
        {
            let config = reader.config_mut();
            config.check_end_names = false;
            config.check_comments = false;
        }
        let mut rels = HashMap::new();
        let mut buf = Vec::with_capacity(1024);
        loop {
            buf.clear();
            match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e) | Event::Empty(e)) if e.name().0 == "Relationship" => {
                    if let [Some(id), Some(target)] = super::ods::attrs(&e, ["Id", "Target"]) {
                        rels.insert(id.into_owned(), target.into_owned());
                    }
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        whole(reader.into_inner())?;
        Some(rels)
    }

    /// `xl/workbook.bin`: the worksheets (BrtBundleSh: state, tab id, relationship id, name)
    /// as (name, part), in workbook order. The part is `xl/` and the relationship's target, as
    /// calamine makes it; chart and dialog sheets (parts outside `xl/worksheets/`) and sheets
    /// without a relationship are left out.
    fn read_sheets<R: Read>(
        r: BufReader<std::io::Take<R>>,
        rels: &HashMap<String, String>,
    ) -> Option<Vec<(String, String)>> {
        let mut records = Records::new(r);
        let mut sheets = Vec::new();
        while let Some((typ, data)) = records.next().ok()? {
            if typ != BRT_BUNDLE_SH {
                continue;
            }
            // A null relationship id (0xFFFFFFFF characters) reads as None here.
            let Some((rel_id, end)) = wide_string(data, 8) else {
                continue;
            };
            let Some((name, _)) = wide_string(data, end) else {
                continue;
            };
            let Some(target) = rels.get(&rel_id) else {
                continue;
            };
            let path = format!("xl/{target}");
            if path.split('/').nth(1) == Some("worksheets") {
                sheets.push((name, path));
            }
        }
        whole(records.r)?;
        Some(sheets)
    }

    /// A sheet part: the formats of its number cells (BrtCellRk, BrtCellReal, BrtFmlaNum),
    /// each of which begins with a Cell structure (column u32, then iStyleRef in 24 bits and 8
    /// bits of flags); BrtRowHdr gives the row. Read between BrtBeginSheetData and
    /// BrtEndSheetData, as calamine reads it. Counts the short cell records (BrtShortBlank …
    /// BrtShortIsst, [MS-XLSB] 2.4.* types 12–18), which calamine does not read: the count is
    /// what it returns. None when the part is damaged or too many cells are recorded.
    pub(super) fn read_cells<R: Read>(
        r: BufReader<std::io::Take<R>>,
        xf_fmt: &[NumFmt],
        cells: &mut SheetFormats,
        rec: &mut Recorder,
    ) -> Option<usize> {
        let mut records = Records::new(r);
        let mut in_data = false;
        let mut row = 0u32;
        let mut short = 0usize;
        while let Some((typ, data)) = records.next().ok()? {
            match typ {
                BRT_BEGIN_SHEET_DATA => in_data = true,
                BRT_END_SHEET_DATA => return Some(short),
                _ if !in_data => {}
                BRT_SHORT_FIRST..=BRT_SHORT_LAST => short += 1,
                BRT_ROW_HDR => {
                    let Some(r) = u32_at(data, 0) else {
                        continue;
                    };
                    row = r;
                    if row > MAX_ROW {
                        // calamine stops reading the sheet here.
                        return Some(short);
                    }
                }
                BRT_CELL_RK | BRT_CELL_REAL | BRT_FMLA_NUM => {
                    let (Some(col), Some(style)) = (u32_at(data, 0), u32_at(data, 4)) else {
                        continue;
                    };
                    let ixf = (style & 0x00FF_FFFF) as usize;
                    let fmt = xf_fmt.get(ixf).copied().unwrap_or_default();
                    rec.note(cells, row, col, fmt)?;
                }
                _ => {}
            }
        }
        whole(records.r).map(|()| short)
    }
}

// ---------------------------------------------------------------------------------------------
// OpenDocument spreadsheets
// ---------------------------------------------------------------------------------------------

mod ods {
    use super::{
        text_decimals, BufReader, Cursor, HashMap, Read, Recorder, SheetFormats, MAX_COLS,
        MAX_ROWS, XML_LIMIT,
    };
    use crate::model::NumFmt;
    use quick_xml::events::{BytesRef, BytesStart, Event};
    use quick_xml::XmlVersion;
    use std::borrow::Cow;

    /// Longest cell text kept to count its decimals.
    const TEXT_LIMIT: usize = 256;
    /// Longest style inheritance chain followed.
    const STYLE_DEPTH: usize = 32;

    /// What a data style (number format) shows.
    #[derive(Debug, Clone, Default)]
    struct DataStyle {
        percent: bool,
        /// Decimal places the style fixes (`number:decimal-places`), None for General.
        decimals: Option<u8>,
        /// The style applied to positive numbers (`style:map`), when there is one.
        map: Option<String>,
    }

    /// A cell style: its parent and its data style.
    #[derive(Debug, Clone, Default)]
    struct CellStyle {
        parent: Option<String>,
        data_style: Option<String>,
    }

    /// What a resolved cell style shows: a percentage or not, and the decimals it fixes.
    #[derive(Debug, Clone, Copy, Default, PartialEq)]
    struct Shown {
        percent: bool,
        decimals: Option<u8>,
    }

    #[derive(Default)]
    struct Styles {
        data: HashMap<String, DataStyle>,
        cell: HashMap<String, CellStyle>,
        /// The data style of `<style:default-style style:family="table-cell">`.
        default_data: Option<String>,
        /// The number style being read.
        open_data: Option<(String, DataStyle)>,
    }

    impl Styles {
        fn on_event(&mut self, event: &Event<'_>) {
            match event {
                Event::Start(e) => self.on_start(e, false),
                Event::Empty(e) => self.on_start(e, true),
                Event::End(e) => self.on_end(e.name().0),
                _ => {}
            }
        }

        /// Reads the style elements among `e` (a start or empty tag). `empty` is true for an
        /// empty tag.
        fn on_start(&mut self, e: &BytesStart<'_>, empty: bool) {
            let name = e.name();
            match name.0 {
                "number:number-style"
                | "number:percentage-style"
                | "number:currency-style"
                | "number:date-style"
                | "number:time-style"
                | "number:boolean-style"
                | "number:text-style" => {
                    let style = DataStyle {
                        percent: name.0 == "number:percentage-style",
                        ..DataStyle::default()
                    };
                    if let Some(n) = attr(e, "style:name") {
                        if empty {
                            self.data.insert(n, style);
                        } else {
                            self.open_data = Some((n, style));
                        }
                    }
                }
                "number:number" | "number:scientific-number" => {
                    if let Some((_, style)) = self.open_data.as_mut() {
                        if let Some(d) = attr(e, "number:decimal-places") {
                            style.decimals = d.trim().parse::<u32>().ok().map(|d| d.min(255) as u8);
                        }
                    }
                }
                "style:map" => {
                    if let Some((_, style)) = self.open_data.as_mut() {
                        if style.map.is_none() {
                            style.map = attr(e, "style:apply-style-name");
                        }
                    }
                }
                "style:style" => {
                    let [family, n, parent, data] = attrs(
                        e,
                        [
                            "style:family",
                            "style:name",
                            "style:parent-style-name",
                            "style:data-style-name",
                        ],
                    );
                    if let (Some("table-cell"), Some(n)) = (family.as_deref(), n) {
                        let style = CellStyle {
                            parent: parent.map(Cow::into_owned),
                            data_style: data.map(Cow::into_owned),
                        };
                        self.cell.insert(n.into_owned(), style);
                    }
                }
                "style:default-style" => {
                    let [family, data] = attrs(e, ["style:family", "style:data-style-name"]);
                    if let (Some("table-cell"), Some(d)) = (family.as_deref(), data) {
                        self.default_data = Some(d.into_owned());
                    }
                }
                _ => {}
            }
        }

        fn on_end(&mut self, name: &str) {
            if name.starts_with("number:") && name.ends_with("-style") {
                if let Some((n, style)) = self.open_data.take() {
                    self.data.insert(n, style);
                }
            }
        }

        /// What a cell with style `name` (None: no style) shows.
        fn resolve(&self, name: Option<&str>) -> Shown {
            let mut current = name.or(Some("Default"));
            let mut data_name = None;
            for _ in 0..STYLE_DEPTH {
                let Some(style) = current.and_then(|n| self.cell.get(n)) else {
                    break;
                };
                if let Some(d) = style.data_style.as_deref() {
                    data_name = Some(d);
                    break;
                }
                current = style.parent.as_deref();
            }
            let Some(mut data) = data_name
                .or(self.default_data.as_deref())
                .and_then(|d| self.data.get(d))
            else {
                return Shown::default();
            };
            let percent = data.percent;
            // A conditional style (negatives in red...) shows positives with its first map.
            for _ in 0..STYLE_DEPTH {
                if data.decimals.is_some() {
                    break;
                }
                match data.map.as_deref().and_then(|m| self.data.get(m)) {
                    Some(next) => data = next,
                    None => break,
                }
            }
            Shown {
                percent: percent || data.percent,
                decimals: data.decimals,
            }
        }
    }

    /// The unescaped value of attribute `key` of a tag.
    fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
        let [value] = attrs(e, [key]);
        value.map(Cow::into_owned)
    }

    /// The unescaped values of attributes `keys` of a tag, read in one pass (the first of
    /// duplicates wins).
    pub(super) fn attrs<'a, const N: usize>(
        e: &'a BytesStart<'_>,
        keys: [&str; N],
    ) -> [Option<Cow<'a, str>>; N] {
        let mut out: [Option<Cow<'a, str>>; N] = std::array::from_fn(|_| None);
        let mut all = e.attributes();
        all.with_checks(false);
        for a in all.flatten() {
            if let Some(i) = keys.iter().position(|k| *k == a.key.0) {
                if out[i].is_none() {
                    out[i] = a.normalized_value(XmlVersion::Implicit1_0).ok();
                }
            }
        }
        out
    }

    /// A repeat count: absent or unreadable is 1.
    fn count(value: Option<&str>) -> u64 {
        value
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(1)
    }

    /// A repeat count attribute: absent or unreadable is 1.
    fn repeat(e: &BytesStart<'_>, key: &str) -> u64 {
        let [value] = attrs(e, [key]);
        count(value.as_deref())
    }

    /// Reads an XML part of the zip as a stream of events, through [`XML_LIMIT`]. `on_event`
    /// returns None to stop with None. None when the part is missing, malformed or too large.
    fn walk_part<R: Read + std::io::Seek>(
        zip: &mut zip::ZipArchive<R>,
        part: &str,
        mut on_event: impl FnMut(Event<'_>) -> Option<()>,
    ) -> Option<()> {
        let index = match zip.index_for_name(part) {
            Some(i) => i,
            None => {
                let stored = zip
                    .file_names()
                    .flatten()
                    .find(|n| n.eq_ignore_ascii_case(part))?
                    .into_owned();
                zip.index_for_name(&stored)?
            }
        };
        let file = zip.by_index(index).ok()?;
        let mut reader = quick_xml::Reader::from_reader(BufReader::new(file.take(XML_LIMIT)));
        {
            let config = reader.config_mut();
            config.check_end_names = false;
            config.check_comments = false;
            config.expand_empty_elements = false;
        }
        let mut buf = Vec::with_capacity(4096);
        loop {
            buf.clear();
            match reader.read_event_into(&mut buf) {
                Ok(Event::Eof) => break,
                Ok(event) => on_event(event)?,
                Err(_) => return None,
            }
        }
        // The whole part must have been read: a part cut at the limit is not.
        let take = reader.into_inner().into_inner();
        if take.limit() == 0 {
            return None;
        }
        Some(())
    }

    /// A cell waiting for its text before it is recorded.
    struct PendingCell {
        /// Percentage or number with fixed decimals, and the style's decimals; None for a
        /// cell that is not recorded.
        shown: Option<Shown>,
        /// The value the text shows (× 100 for a percentage).
        value: Option<f64>,
        repeat: u64,
        text: String,
        /// 0: no paragraph yet; 1: in the first paragraph; 2: after it.
        para: u8,
        /// Element depth inside the cell (the cell itself is 1).
        depth: u32,
    }

    struct Walk {
        styles: Styles,
        /// Past `<office:body>`: styles are known, cells follow.
        in_body: bool,
        rec: Recorder,
        /// Depth of `table:table` elements (outside cells).
        table_depth: u32,
        sheet: Option<(String, SheetFormats)>,
        /// Column defaults of the current table: `[first, end)` columns and what they show.
        columns: Vec<(u64, u64, Shown)>,
        column_pos: u64,
        row: u64,
        row_repeat: u64,
        row_default: Option<Shown>,
        in_row: bool,
        col: u64,
        cell: Option<PendingCell>,
    }

    /// The formats of an ODS file, recording at most `limit` cells.
    pub(super) fn formats(bytes: &[u8], limit: usize) -> Option<HashMap<String, SheetFormats>> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let mut styles = Styles::default();
        // styles.xml is optional: without it, cells are read with the styles of content.xml.
        let styles_ok = walk_part(&mut zip, "styles.xml", |event| {
            styles.on_event(&event);
            Some(())
        });
        if styles_ok.is_none() {
            styles = Styles::default();
        }
        styles.open_data = None;
        // content.xml: its automatic styles come before the body (and win over styles.xml's
        // on a name clash), so every style a cell names is known when the cell is read.
        let mut walk = Walk::new(styles, limit);
        walk_part(&mut zip, "content.xml", |event| walk.on_event(event))?;
        Some(walk.rec.sheets)
    }

    impl Walk {
        fn new(styles: Styles, limit: usize) -> Self {
            Walk {
                styles,
                in_body: false,
                rec: Recorder::new(limit),
                table_depth: 0,
                sheet: None,
                columns: Vec::new(),
                column_pos: 0,
                row: 0,
                row_repeat: 1,
                row_default: None,
                in_row: false,
                col: 0,
                cell: None,
            }
        }

        fn on_event(&mut self, event: Event<'_>) -> Option<()> {
            if !self.in_body {
                if matches!(&event, Event::Start(e) if e.name().0 == "office:body") {
                    self.in_body = true;
                    self.styles.open_data = None;
                } else {
                    self.styles.on_event(&event);
                }
                return Some(());
            }
            if self.cell.is_some() {
                return self.in_cell(event);
            }
            match event {
                Event::Start(e) => self.on_start(&e, false),
                Event::Empty(e) => self.on_start(&e, true),
                Event::End(e) => self.on_end(e.name().0),
                _ => Some(()),
            }
        }

        fn on_start(&mut self, e: &BytesStart<'_>, empty: bool) -> Option<()> {
            let name = e.name();
            match name.0 {
                "table:table" => {
                    self.table_depth = self.table_depth.saturating_add(1);
                    if self.table_depth == 1 {
                        self.sheet = attr(e, "table:name").map(|n| (n, SheetFormats::new()));
                        self.columns.clear();
                        self.column_pos = 0;
                        self.row = 0;
                        self.in_row = false;
                    }
                    if empty {
                        self.on_end("table:table");
                    }
                }
                _ if self.table_depth != 1 => {}
                "table:table-column" => {
                    let n = repeat(e, "table:number-columns-repeated");
                    let first = self.column_pos;
                    self.column_pos = first.saturating_add(n);
                    if first < MAX_COLS {
                        if let Some(style) = attr(e, "table:default-cell-style-name") {
                            let shown = self.styles.resolve(Some(&style));
                            self.columns.push((first, self.column_pos, shown));
                        }
                    }
                }
                "table:table-row" => {
                    let n = repeat(e, "table:number-rows-repeated");
                    if empty {
                        self.row = self.row.saturating_add(n);
                    } else {
                        self.in_row = true;
                        self.row_repeat = n;
                        self.col = 0;
                        self.row_default = attr(e, "table:default-cell-style-name")
                            .map(|s| self.styles.resolve(Some(&s)));
                    }
                }
                "table:table-cell" | "table:covered-table-cell" if self.in_row => {
                    let [n, value_type, style, value] = attrs(
                        e,
                        [
                            "table:number-columns-repeated",
                            "office:value-type",
                            "table:style-name",
                            "office:value",
                        ],
                    );
                    let kind =
                        self.cell_kind(value_type.as_deref(), style.as_deref(), value.as_deref());
                    let cell = PendingCell {
                        shown: kind.map(|(shown, _)| shown),
                        value: kind.and_then(|(_, value)| value),
                        repeat: count(n.as_deref()),
                        text: String::new(),
                        // A cell that is not recorded is still walked, to find its end.
                        para: if kind.is_some() { 0 } else { 2 },
                        depth: 1,
                    };
                    if empty {
                        self.finish_cell(cell)?;
                    } else {
                        self.cell = Some(cell);
                    }
                }
                _ => {}
            }
            Some(())
        }

        fn on_end(&mut self, name: &str) -> Option<()> {
            match name {
                "table:table" => {
                    if self.table_depth == 1 {
                        if let Some((name, cells)) = self.sheet.take() {
                            self.rec.finish_sheet(name, cells);
                        }
                    }
                    self.table_depth = self.table_depth.saturating_sub(1);
                }
                "table:table-row" if self.table_depth == 1 && self.in_row => {
                    self.in_row = false;
                    self.row = self.row.saturating_add(self.row_repeat);
                }
                _ => {}
            }
            Some(())
        }

        /// Whether a cell is recorded: percentage cells always, number cells when their style
        /// fixes decimals. Gives what the style shows and the value the text shows.
        fn cell_kind(
            &self,
            value_type: Option<&str>,
            style: Option<&str>,
            value: Option<&str>,
        ) -> Option<(Shown, Option<f64>)> {
            let percent_type = match value_type? {
                "percentage" => true,
                "float" | "currency" => false,
                _ => return None,
            };
            let shown = match style {
                Some(s) => self.styles.resolve(Some(s)),
                None => self
                    .row_default
                    .or_else(|| self.column_default())
                    .unwrap_or_else(|| self.styles.resolve(None)),
            };
            let percent = percent_type || shown.percent;
            if !percent && shown.decimals.is_none() {
                return None;
            }
            let value = value
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .map(|v| if percent { v * 100.0 } else { v });
            Some((
                Shown {
                    percent,
                    decimals: shown.decimals,
                },
                value,
            ))
        }

        fn column_default(&self) -> Option<Shown> {
            let i = self
                .columns
                .partition_point(|(first, _, _)| *first <= self.col);
            let (first, end, shown) = *self.columns.get(i.checked_sub(1)?)?;
            (first <= self.col && self.col < end).then_some(shown)
        }

        fn in_cell(&mut self, event: Event<'_>) -> Option<()> {
            let Some(cell) = self.cell.as_mut() else {
                return Some(());
            };
            match event {
                Event::Start(e) => {
                    cell.depth = cell.depth.saturating_add(1);
                    if cell.depth == 2 && cell.para == 0 && e.name().0 == "text:p" {
                        cell.para = 1;
                    }
                }
                Event::Empty(e) if cell.para == 1 => match e.name().0 {
                    "text:s" => {
                        let n = repeat(&e, "text:c").min(TEXT_LIMIT as u64);
                        for _ in 0..n {
                            push_limited(&mut cell.text, ' ');
                        }
                    }
                    "text:tab" => push_limited(&mut cell.text, '\t'),
                    _ => {}
                },
                Event::Text(t) if cell.para == 1 => {
                    for c in t.xml10_content().chars() {
                        push_limited(&mut cell.text, c);
                    }
                }
                Event::GeneralRef(r) if cell.para == 1 => {
                    if let Some(c) = resolve_ref(&r) {
                        push_limited(&mut cell.text, c);
                    }
                }
                Event::End(_) => {
                    if cell.depth == 2 && cell.para == 1 {
                        cell.para = 2;
                    }
                    cell.depth -= 1;
                    if cell.depth == 0 {
                        if let Some(cell) = self.cell.take() {
                            return self.finish_cell(cell);
                        }
                    }
                }
                _ => {}
            }
            Some(())
        }

        /// Records a cell at the current position, for every row and column it repeats over
        /// (within the sheet's limits), and moves past it.
        fn finish_cell(&mut self, cell: PendingCell) -> Option<()> {
            let first_col = self.col;
            self.col = self.col.saturating_add(cell.repeat);
            let (Some(shown), Some((_, cells))) = (cell.shown, self.sheet.as_mut()) else {
                return Some(());
            };
            let decimals = text_decimals(&cell.text, cell.value).or(shown.decimals);
            let fmt = NumFmt {
                percent: shown.percent,
                decimals,
            };
            let row_end = self.row.saturating_add(self.row_repeat).min(MAX_ROWS);
            let col_end = self.col.min(MAX_COLS);
            // Repeats are expanded only for recorded cells, and only as far as the limit: a
            // cell repeated over more positions than may be recorded ends the walk at once.
            let area = row_end
                .saturating_sub(self.row)
                .saturating_mul(col_end.saturating_sub(first_col));
            if !self.rec.has_room(area) {
                return None;
            }
            for r in self.row..row_end {
                for c in first_col..col_end {
                    self.rec.note(cells, r as u32, c as u32, fmt)?;
                }
            }
            Some(())
        }
    }

    fn push_limited(text: &mut String, c: char) {
        if text.len() < TEXT_LIMIT {
            text.push(c);
        }
    }

    /// A character or predefined entity reference; others (DTD entities) are not expanded.
    fn resolve_ref(r: &BytesRef<'_>) -> Option<char> {
        if r.is_char_ref() {
            return r.resolve_char_ref().ok().flatten();
        }
        match &*r.xml10_content() {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decimals shown by a cell's text
// ---------------------------------------------------------------------------------------------

/// The decimals a cell's displayed text shows: the digits after its decimal mark (`53.97%` →
/// 2, `1.234,5` → 1, `12` → 0, `1.25E+03` → 2). The decimal mark may be `.` or `,`; when the
/// text alone cannot tell a decimal mark from a thousands separator (`1,234`), `shown` (the
/// value the text shows: the cell's value, × 100 for a percentage) decides. None when the text
/// shows no number.
fn text_decimals(text: &str, shown: Option<f64>) -> Option<u8> {
    let chars: Vec<char> = text.chars().collect();
    let first_digit = chars.iter().position(char::is_ascii_digit)?;
    // A leading decimal mark (`.5`) belongs to the number.
    let start = match first_digit.checked_sub(1).map(|i| chars[i]) {
        Some('.' | ',') => first_digit - 1,
        _ => first_digit,
    };
    let is_group_space = |c: char| {
        matches!(
            c,
            ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{2007}' | '\'' | '\u{2019}'
        )
    };
    let mut end = start;
    while end < chars.len()
        && (chars[end].is_ascii_digit()
            || matches!(chars[end], '.' | ',')
            || is_group_space(chars[end]))
    {
        end += 1;
    }
    // The number ends with its last digit.
    while end > start && !chars[end - 1].is_ascii_digit() {
        end -= 1;
    }
    let run = &chars[start..end];
    let Some(last) = run.iter().rposition(|c| matches!(c, '.' | ',')) else {
        return Some(0);
    };
    let mark = run[last];
    let after = run[last + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let decimals = u8::try_from(after).unwrap_or(u8::MAX);
    let same = run.iter().filter(|&&c| c == mark).count();
    let other = run.iter().any(|&c| matches!(c, '.' | ',') && c != mark);
    if same > 1 {
        // `1,234,567` or `1.234.567`: thousands separators.
        return Some(0);
    }
    if other || after != 3 {
        // `1,234.5`: the last mark is the decimal mark; groups have exactly 3 digits.
        return Some(decimals);
    }
    // One mark followed by 3 digits: `1,234` (a thousand and more) or `1,234` (one and a bit).
    let int_digits: String = run[..last].iter().filter(|c| c.is_ascii_digit()).collect();
    if int_digits.is_empty() || int_digits.len() > 3 || int_digits.starts_with('0') {
        // `0,125`, `,125` or `1234,567`: no thousands group looks like that.
        return Some(decimals);
    }
    let frac: String = run[last + 1..].iter().collect();
    let as_decimal: f64 = format!("{int_digits}.{frac}").parse().ok()?;
    let as_group: f64 = format!("{int_digits}{frac}").parse().ok()?;
    let v = shown?.abs();
    if (v - as_decimal).abs() <= (v - as_group).abs() {
        Some(decimals)
    } else {
        Some(0)
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const FIXTURE_XLS: &[u8] = include_bytes!("../../tests/fixtures/numfmt/numfmt.xls");
    const FIXTURE_ODS: &[u8] = include_bytes!("../../tests/fixtures/numfmt/numfmt.ods");

    fn pct(decimals: u8) -> NumFmt {
        NumFmt {
            percent: true,
            decimals: Some(decimals),
        }
    }

    fn num(decimals: u8) -> NumFmt {
        NumFmt {
            percent: false,
            decimals: Some(decimals),
        }
    }

    fn at(a1: &str) -> CellRef {
        CellRef::parse_a1(a1).expect("test address")
    }

    fn sheet(cells: &[(&str, NumFmt)]) -> SheetFormats {
        cells.iter().map(|(a, f)| (at(a), *f)).collect()
    }

    fn book(sheets: &[(&str, SheetFormats)]) -> HashMap<String, SheetFormats> {
        sheets
            .iter()
            .map(|(n, s)| (n.to_string(), s.clone()))
            .collect()
    }

    /// The map the fixtures hold (made with openpyxl, converted by LibreOffice 7.4).
    fn fixture_expected() -> HashMap<String, SheetFormats> {
        book(&[
            (
                "Tỷ lệ",
                sheet(&[("A1", pct(2)), ("A2", pct(0)), ("A3", num(1))]),
            ),
            ("Second", sheet(&[("B3", pct(3))])),
        ])
    }

    /// A tiny xorshift generator, so the mutation tests are reproducible.
    fn rng(mut seed: u32) -> impl FnMut() -> u32 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        }
    }

    fn mutate(base: &[u8], rnd: &mut impl FnMut() -> u32) -> Vec<u8> {
        let mut b = base.to_vec();
        if b.is_empty() {
            return b;
        }
        for _ in 0..(rnd() % 8 + 1) {
            let i = rnd() as usize % b.len();
            b[i] = match rnd() % 4 {
                0 => 0,
                1 => 0xFF,
                _ => rnd() as u8,
            };
        }
        if matches!(rnd() % 5, 0) {
            b.truncate(rnd() as usize % b.len());
        }
        b
    }

    // --- fixtures ----------------------------------------------------------------------------

    #[test]
    fn fixture_xls() {
        assert_eq!(xls_formats(FIXTURE_XLS), Some(fixture_expected()));
    }

    #[test]
    fn fixture_ods() {
        assert_eq!(ods_formats(FIXTURE_ODS), Some(fixture_expected()));
    }

    #[test]
    fn wrong_container_is_none() {
        assert_eq!(xls_formats(FIXTURE_ODS), None);
        assert_eq!(ods_formats(FIXTURE_XLS), None);
        assert_eq!(xls_formats(b""), None);
        assert_eq!(ods_formats(b""), None);
        assert_eq!(xls_formats(b"a,b\n1,2\n"), None);
    }

    #[test]
    fn truncated_fixtures_never_panic() {
        for n in 0..FIXTURE_XLS.len() {
            // Cut short, the workbook stream's sectors are missing: no formats.
            let _ = xls_formats(&FIXTURE_XLS[..n]);
        }
        for n in (0..FIXTURE_ODS.len()).step_by(3) {
            assert_eq!(ods_formats(&FIXTURE_ODS[..n]), None, "cut at {n}");
        }
    }

    #[test]
    fn mutated_fixtures_never_panic() {
        let mut rnd = rng(0x1234_5678);
        for _ in 0..3000 {
            let _ = xls_formats(&mutate(FIXTURE_XLS, &mut rnd));
            let _ = ods_formats(&mutate(FIXTURE_ODS, &mut rnd));
        }
        // Mutations of the workbook stream itself reach the record walk.
        let stream = crate::read::sniff::xls_workbook_stream(FIXTURE_XLS).expect("fixture stream");
        for _ in 0..3000 {
            let _ = biff::formats(&mutate(&stream, &mut rnd));
        }
        for n in 0..stream.len() {
            let _ = biff::formats(&stream[..n]);
        }
        // Mutations of content.xml, zipped again (so that its checksum holds), reach the XML
        // walk.
        let content = zip_entry(FIXTURE_ODS, "content.xml");
        let styles = zip_entry(FIXTURE_ODS, "styles.xml");
        for _ in 0..500 {
            let bad = mutate(&content, &mut rnd);
            let _ = ods_formats(&make_zip(&[("content.xml", &bad), ("styles.xml", &styles)]));
            let bad = mutate(&styles, &mut rnd);
            let _ = ods_formats(&make_zip(&[
                ("content.xml", &content),
                ("styles.xml", &bad),
            ]));
        }
    }

    // --- .xls: BIFF records --------------------------------------------------------------------

    fn rec(typ: u16, body: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(body.len() as u16).to_le_bytes());
        r.extend_from_slice(body);
        r
    }

    fn bof(version: u16, dt: u16) -> Vec<u8> {
        let mut body = version.to_le_bytes().to_vec();
        body.extend_from_slice(&dt.to_le_bytes());
        body.resize(16, 0);
        rec(0x0809, &body)
    }

    fn eof() -> Vec<u8> {
        rec(0x000A, &[])
    }

    fn xf(ifmt: u16) -> Vec<u8> {
        let mut body = vec![0, 0];
        body.extend_from_slice(&ifmt.to_le_bytes());
        body.resize(20, 0);
        rec(0x00E0, &body)
    }

    fn format8(ifmt: u16, code: &str) -> Vec<u8> {
        let mut body = ifmt.to_le_bytes().to_vec();
        body.extend_from_slice(&(code.len() as u16).to_le_bytes());
        body.push(0);
        body.extend_from_slice(code.as_bytes());
        rec(0x041E, &body)
    }

    fn boundsheet8(pos: u32, dt: u8, name: &str) -> Vec<u8> {
        let mut body = pos.to_le_bytes().to_vec();
        body.extend_from_slice(&[0, dt]);
        let units: Vec<u16> = name.encode_utf16().collect();
        body.push(units.len() as u8);
        body.push(1);
        for u in units {
            body.extend_from_slice(&u.to_le_bytes());
        }
        rec(0x0085, &body)
    }

    fn cell(typ: u16, row: u16, col: u16, ixfe: u16) -> Vec<u8> {
        let mut body = Vec::new();
        for v in [row, col, ixfe] {
            body.extend_from_slice(&v.to_le_bytes());
        }
        body.resize(if typ == 0x0006 { 22 } else { 14 }, 0);
        if typ == 0x027E {
            body.truncate(10);
        }
        rec(typ, &body)
    }

    fn mulrk(row: u16, first: u16, ixfes: &[u16]) -> Vec<u8> {
        let mut body = row.to_le_bytes().to_vec();
        body.extend_from_slice(&first.to_le_bytes());
        for &x in ixfes {
            body.extend_from_slice(&x.to_le_bytes());
            body.extend_from_slice(&[0, 0, 0xF0, 0x3F]);
        }
        body.extend_from_slice(&(first + ixfes.len() as u16 - 1).to_le_bytes());
        rec(0x00BD, &body)
    }

    /// A workbook stream: globals from `globals(sheet_pos)` (which must not change length with
    /// the position) followed by `sheet`.
    fn stream(globals: impl Fn(u32) -> Vec<u8>, sheet: &[u8]) -> Vec<u8> {
        let pos = globals(0).len() as u32;
        let mut s = globals(pos);
        s.extend_from_slice(sheet);
        s
    }

    fn biff8_book() -> Vec<u8> {
        let globals = |pos: u32| {
            let mut g = bof(0x0600, 0x0005);
            g.extend(rec(0x0042, &1200u16.to_le_bytes()));
            g.extend(format8(164, "0.000%"));
            g.extend(format8(165, "\"Tổng\" #,##0.0;[Red]-#,##0.0"));
            for ifmt in [0, 10, 164, 3, 14, 165] {
                g.extend(xf(ifmt));
            }
            g.extend(boundsheet8(pos, 0, "Dữ liệu"));
            g.extend(boundsheet8(pos, 2, "Chart"));
            g.extend(eof());
            g
        };
        let mut sheet = bof(0x0600, 0x0010);
        sheet.extend(cell(0x0203, 0, 0, 1)); // NUMBER, 0.00%
        sheet.extend(cell(0x027E, 1, 0, 2)); // RK, 0.000%
        sheet.extend(cell(0x0006, 2, 0, 3)); // FORMULA, #,##0
        sheet.extend(cell(0x0203, 3, 0, 4)); // a date: not recorded
        sheet.extend(cell(0x0203, 4, 0, 0)); // General: not recorded
        sheet.extend(cell(0x0203, 4, 1, 99)); // no such XF: General
        sheet.extend(cell(0x0203, 4, 2, 5)); // user format with a quoted prefix
        sheet.extend(cell(0x00FD, 4, 3, 1)); // LABELSST: not a number
        sheet.extend(mulrk(5, 1, &[1, 0, 2]));
        // An embedded chart's substream is skipped.
        sheet.extend(bof(0x0600, 0x0020));
        sheet.extend(cell(0x0203, 9, 9, 1));
        sheet.extend(eof());
        sheet.extend(cell(0x0203, 6, 0, 1));
        sheet.extend(eof());
        // After the sheet's EOF: not the sheet's.
        sheet.extend(cell(0x0203, 7, 0, 1));
        stream(globals, &sheet)
    }

    fn biff8_expected() -> HashMap<String, SheetFormats> {
        book(&[(
            "Dữ liệu",
            sheet(&[
                ("A1", pct(2)),
                ("A2", pct(3)),
                ("A3", num(0)),
                ("C5", num(1)),
                ("B6", pct(2)),
                ("D6", pct(3)),
                ("A7", pct(2)),
            ]),
        )])
    }

    #[test]
    fn biff8_records() {
        assert_eq!(biff::formats(&biff8_book()), Some(biff8_expected()));
    }

    #[test]
    fn biff8_in_compound_files() {
        let s = biff8_book();
        // A small stream lives in the mini stream, a large one in regular sectors.
        assert!(s.len() < 4096);
        assert_eq!(xls_formats(&make_cfb(&s, true)), Some(biff8_expected()));
        let mut big = s.clone();
        big.resize(9000, 0);
        assert_eq!(xls_formats(&make_cfb(&big, false)), Some(biff8_expected()));
        // "Book" (Excel 5.0) is found too.
        assert_eq!(
            xls_formats(&make_cfb_named(&big, false, "Book")),
            Some(biff8_expected())
        );
        assert_eq!(xls_formats(&make_cfb_named(&big, false, "Other")), None);
        // A sector chain that loops onto itself is refused.
        let mut looped = make_cfb(&big, false);
        let fat = 512;
        // The data chain is sectors 3, 4, 5, ...: make 5 point back to 3.
        looped[fat + 4 * 5..fat + 4 * 6].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(xls_formats(&looped), None);
        // So is a stream larger than the file.
        let mut huge = make_cfb(&big, false);
        let entry = 512 * 2 + 128;
        huge[entry + 0x78..entry + 0x7C].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        assert_eq!(xls_formats(&huge), None);
    }

    #[test]
    fn biff8_encrypted_or_damaged_is_none() {
        let s = biff8_book();
        // FILEPASS right after the BOF.
        let bof_len = 20;
        let mut enc = s[..bof_len].to_vec();
        enc.extend(rec(0x002F, &[1, 0, 1, 0, 1, 0]));
        enc.extend_from_slice(&s[bof_len..]);
        assert_eq!(biff::formats(&enc), None);
        // Not starting with a BOF.
        assert_eq!(biff::formats(&s[bof_len..]), None);
        // BIFF2-4 versions.
        let mut old = s.clone();
        old[4..6].copy_from_slice(&0x0400u16.to_le_bytes());
        assert_eq!(biff::formats(&old), None);
        // Cut inside the globals.
        assert_eq!(biff::formats(&s[..bof_len + 10]), None);
        // Cut inside the sheet: what was read is kept.
        let cut = biff::formats(&s[..s.len() - 30]).expect("globals complete");
        assert!(cut["Dữ liệu"].len() < 7);
    }

    #[test]
    fn biff8_sheet_positions_are_bounded() {
        // A sheet position past the end: an empty sheet.
        let globals = |_: u32| {
            let mut g = bof(0x0600, 0x0005);
            g.extend(xf(10));
            g.extend(boundsheet8(0xFFFF_FFF0, 0, "Far"));
            g.extend(eof());
            g
        };
        assert_eq!(
            biff::formats(&stream(globals, &[])),
            Some(book(&[("Far", SheetFormats::new())]))
        );
        // Many sheets pointing at the same long substream would make the walks quadratic:
        // the record budget stops them.
        let mut sheet = bof(0x0600, 0x0010);
        for r in 0..2000u16 {
            sheet.extend(cell(0x0203, r, 0, 0));
        }
        sheet.extend(eof());
        let globals = |pos: u32| {
            let mut g = bof(0x0600, 0x0005);
            g.extend(xf(10));
            for i in 0..500 {
                g.extend(boundsheet8(pos, 0, &format!("S{i:03}")));
            }
            g.extend(eof());
            g
        };
        assert_eq!(biff::formats(&stream(globals, &sheet)), None);
        // A sheet whose substream is the globals' own: read until its EOF, no loop.
        let globals = |_: u32| {
            let mut g = bof(0x0600, 0x0005);
            g.extend(boundsheet8(0, 0, "Self"));
            g.extend(eof());
            g
        };
        assert_eq!(
            biff::formats(&stream(globals, &[])),
            Some(book(&[("Self", SheetFormats::new())]))
        );
    }

    fn biff5_book(codepage: u16, name: &[u8]) -> Vec<u8> {
        let globals = |pos: u32| {
            let mut g = bof(0x0500, 0x0005);
            g.extend(rec(0x0042, &codepage.to_le_bytes()));
            // BIFF5 FORMAT: index, 8-bit length, bytes.
            let mut f = 164u16.to_le_bytes().to_vec();
            f.push(4);
            f.extend_from_slice(b"0.0%");
            g.extend(rec(0x041E, &f));
            g.extend(xf(164));
            g.extend(xf(4));
            // BIFF5 BOUNDSHEET: position, state, type, 8-bit length, bytes.
            let mut b = pos.to_le_bytes().to_vec();
            b.extend_from_slice(&[0, 0, name.len() as u8]);
            b.extend_from_slice(name);
            g.extend(rec(0x0085, &b));
            g.extend(eof());
            g
        };
        let mut sheet = bof(0x0500, 0x0010);
        sheet.extend(cell(0x0203, 0, 1, 0));
        sheet.extend(mulrk(1, 0, &[1, 1]));
        sheet.extend(eof());
        stream(globals, &sheet)
    }

    #[test]
    fn biff5_records() {
        let cells = sheet(&[("B1", pct(1)), ("A2", num(2)), ("B2", num(2))]);
        // Windows-1258 (Vietnamese): 0xEC is a combining acute accent, 0xD0 is Đ.
        assert_eq!(
            biff::formats(&biff5_book(1258, b"Ti\xECnh \xD0\xF4ng")),
            Some(book(&[("Ti\u{301}nh Đông", cells.clone())]))
        );
        assert_eq!(
            biff::formats(&biff5_book(1252, b"Caf\xE9 \x80")),
            Some(book(&[("Café €", cells.clone())]))
        );
        assert_eq!(
            biff::formats(&biff5_book(1251, b"Data")),
            Some(book(&[("Data", cells.clone())]))
        );
        // A code page this module cannot decode: the sheet is left out.
        assert_eq!(
            biff::formats(&biff5_book(1251, b"\xC4\xE0\xED\xED\xFB\xE5")),
            Some(HashMap::new())
        );
    }

    #[test]
    fn builtin_formats() {
        let f = |i| NumFmt::from_code(biff::builtin_code(i));
        assert_eq!(f(0), NumFmt::default());
        assert_eq!(f(2), num(2));
        assert_eq!(f(4), num(2));
        assert_eq!(f(9), pct(0));
        assert_eq!(f(10), pct(2));
        assert_eq!(f(38), num(0));
        assert_eq!(f(43), num(2));
        for date in 14..=22 {
            assert_eq!(f(date), NumFmt::default(), "{date}");
        }
        assert_eq!(f(49), NumFmt::default());
        assert_eq!(f(200), NumFmt::default());
    }

    /// A version 3 compound file (512-byte sectors) holding one stream named `name`, in the
    /// mini stream or in regular sectors. Layout: FAT, directory, mini FAT, data.
    fn make_cfb_named(data: &[u8], mini: bool, name: &str) -> Vec<u8> {
        const FREE: u32 = 0xFFFF_FFFF;
        const END: u32 = 0xFFFF_FFFE;
        let n_data = data.len().div_ceil(512).max(1);
        let mut out = vec![0u8; 512];
        out[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        out[0x18..0x1A].copy_from_slice(&0x3Eu16.to_le_bytes());
        out[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes());
        out[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
        out[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
        out[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
        out[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
        out[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        out[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        out[0x3C..0x40].copy_from_slice(&(if mini { 2u32 } else { END }).to_le_bytes());
        out[0x40..0x44].copy_from_slice(&u32::from(mini).to_le_bytes());
        out[0x44..0x48].copy_from_slice(&END.to_le_bytes());
        for i in 0..109 {
            let v = if i == 0 { 0 } else { FREE };
            out[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        // FAT: 0 is the FAT, 1 the directory, 2 the mini FAT, 3.. the data chain.
        let mut fat = vec![0xFFFF_FFFDu32, END, END];
        for i in 0..n_data {
            fat.push(if i + 1 == n_data { END } else { 4 + i as u32 });
        }
        fat.resize(128, FREE);
        for v in fat {
            out.extend_from_slice(&v.to_le_bytes());
        }
        // Directory: root entry (owning the mini stream) and the stream.
        let mut entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u16> = name.encode_utf16().collect();
            for (i, u) in units.iter().enumerate() {
                e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[0x40..0x42].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
            e[0x42] = typ;
            e[0x44..0x48].copy_from_slice(&FREE.to_le_bytes());
            e[0x48..0x4C].copy_from_slice(&FREE.to_le_bytes());
            e[0x4C..0x50].copy_from_slice(&child.to_le_bytes());
            e[0x74..0x78].copy_from_slice(&start.to_le_bytes());
            e[0x78..0x7C].copy_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&e);
        };
        let len = data.len() as u32;
        if mini {
            entry("Root Entry", 5, 1, 3, (n_data * 512) as u32);
            entry(name, 2, FREE, 0, len);
        } else {
            entry("Root Entry", 5, 1, END, 0);
            entry(name, 2, FREE, 3, len);
        }
        out.resize(512 * 3, 0);
        // Mini FAT: mini sectors 0 -> 1 -> ... -> END.
        let n_mini = data.len().div_ceil(64);
        let mut mini_fat: Vec<u32> = (0..n_mini)
            .map(|i| if i + 1 == n_mini { END } else { i as u32 + 1 })
            .collect();
        mini_fat.resize(128, FREE);
        for v in mini_fat {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(data);
        out.resize(512 * (4 + n_data), 0);
        out
    }

    fn make_cfb(data: &[u8], mini: bool) -> Vec<u8> {
        make_cfb_named(data, mini, "Workbook")
    }

    // --- .xlsb: BIFF12 records -----------------------------------------------------------------

    const FIXTURE_XLSB: &[u8] = include_bytes!("../../tests/fixtures/numfmt/numfmt.xlsb");
    const PERCENTS_XLSB: &[u8] = include_bytes!("../../tests/fixtures/numfmt/percents.xlsb");

    #[test]
    fn fixture_xlsb() {
        assert_eq!(xlsb_formats(FIXTURE_XLSB), Some(fixture_expected()));
        // Built-in 0% and 0.00% (ids 9 and 10, no BrtFmt), custom 0.0%, 0.000% and 0.0.
        let expected = book(&[
            (
                "Tỷ lệ",
                sheet(&[
                    ("D2", pct(0)),
                    ("D3", pct(2)),
                    ("D4", pct(1)),
                    ("C5", num(1)),
                    ("D5", pct(3)),
                ]),
            ),
            ("Second", sheet(&[("C5", pct(2))])),
        ]);
        assert_eq!(xlsb_formats(PERCENTS_XLSB), Some(expected));
        assert_eq!(xlsb_formats(FIXTURE_XLS), None);
        assert_eq!(xlsb_formats(FIXTURE_ODS), None);
        assert_eq!(xlsb_formats(b""), None);
    }

    /// One record: type and size in 7-bit groups with a continuation bit.
    fn brt(typ: u16, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if typ < 0x80 {
            out.push(typ as u8);
        } else {
            out.push((typ & 0x7F) as u8 | 0x80);
            out.push((typ >> 7) as u8);
        }
        let mut size = body.len();
        loop {
            let b = (size & 0x7F) as u8;
            size >>= 7;
            if size == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(body);
        out
    }

    fn wide(s: &str) -> Vec<u8> {
        let units: Vec<u16> = s.encode_utf16().collect();
        let mut out = (units.len() as u32).to_le_bytes().to_vec();
        for u in units {
            out.extend_from_slice(&u.to_le_bytes());
        }
        out
    }

    fn brt_fmt(id: u16, code: &str) -> Vec<u8> {
        let mut body = id.to_le_bytes().to_vec();
        body.extend(wide(code));
        brt(44, &body)
    }

    fn brt_xf(ifmt: u16) -> Vec<u8> {
        let mut body = vec![0u8; 16];
        body[2..4].copy_from_slice(&ifmt.to_le_bytes());
        brt(47, &body)
    }

    fn brt_cell(typ: u16, col: u32, style: u32) -> Vec<u8> {
        let mut body = col.to_le_bytes().to_vec();
        body.extend_from_slice(&style.to_le_bytes());
        body.extend_from_slice(&[0u8; 8]);
        brt(typ, &body)
    }

    fn brt_row(row: u32) -> Vec<u8> {
        let mut body = row.to_le_bytes().to_vec();
        body.extend_from_slice(&[0u8; 13]);
        brt(0, &body)
    }

    fn brt_sheet(rel: Option<&str>, name: &str) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        match rel {
            Some(r) => body.extend(wide(r)),
            None => body.extend_from_slice(&u32::MAX.to_le_bytes()),
        }
        body.extend(wide(name));
        brt(156, &body)
    }

    /// styles.bin: formats 164 `0.0%` and (overriding the built-in) 10 `0.000`; cell formats
    /// 0 General, 1 `0.0%`, 2 built-in 9 `0%`, 3 format 10 (`0.000`). A BrtXF outside the
    /// cell formats (a cell style's) does not count.
    fn xlsb_styles() -> Vec<u8> {
        [
            brt(278, &[]),
            brt(615, &2u32.to_le_bytes()),
            brt_fmt(164, "0.0%"),
            brt_fmt(10, "0.000"),
            brt(616, &[]),
            brt(626, &1u32.to_le_bytes()),
            brt_xf(9),
            brt(627, &[]),
            brt(617, &4u32.to_le_bytes()),
            brt_xf(0),
            brt_xf(164),
            brt_xf(9),
            brt_xf(10),
            brt(618, &[]),
            brt(279, &[]),
        ]
        .concat()
    }

    fn xlsb_sheet() -> Vec<u8> {
        [
            brt(129, &[]),
            brt(148, &[0u8; 16]),
            // Before the sheet data: not cells.
            brt_cell(5, 9, 1),
            brt(145, &[]),
            brt_row(0),
            brt_cell(2, 0, 1),           // A1 RK 0.0%
            brt_cell(5, 1, 2),           // B1 Real 0%
            brt_cell(9, 2, 3),           // C1 formula number, format 10 overridden: 0.000
            brt_cell(6, 3, 1),           // D1 text: not recorded
            brt_cell(5, 4, 0),           // E1 General
            brt_cell(5, 5, 99),          // F1 no such cell format: General
            brt_cell(5, 6, 0xFF00_0001), // G1 flags above the 24-bit style: 0.0%
            brt_row(4),
            brt_cell(5, 16_383, 2),             // XFD5 0%
            brt(13, &[1, 0, 0, 0, 0, 0, 0, 0]), // BrtShortRk: no column, not read
            brt_row(0x0010_0001),               // beyond the last row: calamine stops here
            brt_cell(5, 0, 1),
            brt(146, &[]),
            brt(130, &[]),
        ]
        .concat()
    }

    fn xlsb_workbook() -> Vec<u8> {
        [
            brt(131, &[]),
            brt(143, &[]),
            brt_sheet(Some("rId1"), "Số liệu"),
            brt_sheet(Some("rId2"), "Chart"),
            brt_sheet(None, "No part"),
            brt_sheet(Some("rId3"), "Missing"),
            brt_sheet(Some("rId1"), "Số liệu"),
            brt(144, &[]),
            brt(132, &[]),
        ]
        .concat()
    }

    const XLSB_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="t" Target="worksheets/sheet1.bin"/><Relationship Id="rId2" Type="t" Target="chartsheets/sheet1.bin"/><Relationship Id="rId3" Type="t" Target="worksheets/gone.bin"/></Relationships>"#;

    fn xlsb_zip(styles: &[u8], sheet: &[u8]) -> Vec<u8> {
        make_zip(&[
            ("xl/workbook.bin", &xlsb_workbook()),
            ("xl/_rels/workbook.bin.rels", XLSB_RELS),
            ("xl/styles.bin", styles),
            ("XL/Worksheets/Sheet1.bin", sheet),
            ("xl/chartsheets/sheet1.bin", sheet),
        ])
    }

    #[test]
    fn xlsb_records() {
        let got = xlsb_formats(&xlsb_zip(&xlsb_styles(), &xlsb_sheet()));
        let expected = book(&[
            (
                "Số liệu",
                sheet(&[
                    ("A1", pct(1)),
                    ("B1", pct(0)),
                    ("C1", num(3)),
                    ("G1", pct(1)),
                    ("XFD5", pct(0)),
                ]),
            ),
            ("Missing", SheetFormats::new()),
        ]);
        assert_eq!(got, Some(expected));
        // Without styles.bin every cell is General.
        let bare = make_zip(&[
            ("xl/workbook.bin", &xlsb_workbook()),
            ("xl/_rels/workbook.bin.rels", XLSB_RELS),
            ("xl/worksheets/sheet1.bin", &xlsb_sheet()),
        ]);
        assert_eq!(
            xlsb_formats(&bare),
            Some(book(&[
                ("Số liệu", SheetFormats::new()),
                ("Missing", SheetFormats::new())
            ]))
        );
        // Without workbook.bin there are no sheets to read.
        assert_eq!(
            xlsb_formats(&make_zip(&[("xl/styles.bin", &xlsb_styles())])),
            None
        );
    }

    #[test]
    fn xlsb_damaged_or_oversized_is_none() {
        // A record cut short, in the styles or in a sheet.
        let styles = xlsb_styles();
        let cut = &styles[..styles.len() - 1];
        assert_eq!(xlsb_formats(&xlsb_zip(cut, &xlsb_sheet())), None);
        let sheet = xlsb_sheet();
        let cut = [&sheet[..40], &brt(5, &[0u8; 16])[..5]].concat();
        assert_eq!(xlsb_formats(&xlsb_zip(&styles, &cut)), None);
        // A record that says it is 256 MB long, in a few bytes: nothing of that size is
        // allocated, and the stream ends inside it.
        let huge = [brt(145, &[]), vec![5, 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3]].concat();
        assert_eq!(xlsb_formats(&xlsb_zip(&styles, &huge)), None);
        // A long record is read past, only its start kept.
        let mut long_fmt = 164u16.to_le_bytes().to_vec();
        long_fmt.extend(wide(&"0".repeat(10_000)));
        let styles_long = [
            brt(44, &long_fmt),
            brt(617, &[]),
            brt_xf(0),
            brt_xf(9),
            brt(618, &[]),
        ]
        .concat();
        let got = xlsb_formats(&xlsb_zip(&styles_long, &xlsb_sheet())).expect("long record");
        // A1 has cell format 1: built-in 9.
        assert_eq!(got["Số liệu"].get(&at("A1")), Some(&pct(0)));
        // More cell formats than may be: no formats.
        let many: Vec<u8> = [brt(617, &[])]
            .into_iter()
            .chain(std::iter::repeat_n(brt_xf(9), (1 << 20) + 1))
            .collect::<Vec<_>>()
            .concat();
        assert_eq!(xlsb_formats(&xlsb_zip(&many, &xlsb_sheet())), None);
        // More formatted cells than the limit.
        let bytes = xlsb_zip(&styles, &sheet);
        assert!(xlsb::formats(&bytes, 5).is_some());
        assert_eq!(xlsb::formats(&bytes, 4), None);
    }

    #[test]
    fn xlsb_truncated_and_mutated_never_panic() {
        for n in (0..PERCENTS_XLSB.len()).step_by(7) {
            let _ = xlsb_formats(&PERCENTS_XLSB[..n]);
        }
        let mut rnd = rng(0x9E37_79B9);
        for _ in 0..2000 {
            let _ = xlsb_formats(&mutate(PERCENTS_XLSB, &mut rnd));
        }
        // Mutations of styles.bin, workbook.bin and a sheet part, zipped again (so that their
        // checksums hold), reach the record walks; so do truncations and random bytes.
        let styles = zip_entry(PERCENTS_XLSB, "xl/styles.bin");
        let sheet = zip_entry(PERCENTS_XLSB, "xl/worksheets/sheet1.bin");
        let workbook = zip_entry(PERCENTS_XLSB, "xl/workbook.bin");
        let rels = zip_entry(PERCENTS_XLSB, "xl/_rels/workbook.bin.rels");
        let book_of = |styles: &[u8], sheet: &[u8], workbook: &[u8]| {
            make_zip(&[
                ("xl/workbook.bin", workbook),
                ("xl/_rels/workbook.bin.rels", &rels),
                ("xl/styles.bin", styles),
                ("xl/worksheets/sheet1.bin", sheet),
            ])
        };
        assert!(xlsb_formats(&book_of(&styles, &sheet, &workbook)).is_some());
        for n in 0..styles.len() {
            let _ = xlsb_formats(&book_of(&styles[..n], &sheet, &workbook));
        }
        for n in 0..sheet.len() {
            let _ = xlsb_formats(&book_of(&styles, &sheet[..n], &workbook));
        }
        for n in 0..workbook.len() {
            let _ = xlsb_formats(&book_of(&styles, &sheet, &workbook[..n]));
        }
        for _ in 0..1500 {
            let _ = xlsb_formats(&book_of(&mutate(&styles, &mut rnd), &sheet, &workbook));
            let _ = xlsb_formats(&book_of(&styles, &mutate(&sheet, &mut rnd), &workbook));
            let _ = xlsb_formats(&book_of(&styles, &sheet, &mutate(&workbook, &mut rnd)));
            let len = (rnd() % 512) as usize;
            let random: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            let _ = xlsb_formats(&book_of(&random, &random, &workbook));
            let _ = xlsb_formats(&book_of(&styles, &sheet, &random));
        }
    }

    // --- .ods --------------------------------------------------------------------------------

    fn make_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, opts).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    fn zip_entry(bytes: &[u8], name: &str) -> Vec<u8> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut out = Vec::new();
        zip.by_name(name)
            .expect("entry")
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0""#;

    fn ods(auto_styles: &str, tables: &str, styles_xml: Option<&str>) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.2"><office:automatic-styles>{auto_styles}</office:automatic-styles><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        );
        let mut entries: Vec<(&str, &[u8])> = vec![
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", content.as_bytes()),
        ];
        let styles;
        if let Some(s) = styles_xml {
            styles = format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}>{s}</office:document-styles>"#
            );
            entries.push(("styles.xml", styles.as_bytes()));
        }
        make_zip(&entries)
    }

    const AUTO_STYLES: &str = r#"
        <number:percentage-style style:name="N1"><number:number number:decimal-places="1" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
        <number:number-style style:name="N2"><number:number number:decimal-places="2" number:min-integer-digits="1" number:grouping="true"/></number:number-style>
        <number:number-style style:name="N3"><number:number number:min-integer-digits="1"/></number:number-style>
        <number:number-style style:name="N4"><number:text>-</number:text><number:number number:min-integer-digits="1"/><style:map style:condition="value()&gt;=0" style:apply-style-name="N2"/></number:number-style>
        <style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N1"/>
        <style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N2"/>
        <style:style style:name="ce3" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N3"/>
        <style:style style:name="ce4" style:family="table-cell" style:data-style-name="N4"/>
        <style:style style:name="ce5" style:family="table-cell" style:parent-style-name="ce2"/>
        <style:style style:name="co1" style:family="table-column"/>
    "#;

    #[test]
    fn ods_styles_positions_and_repeats() {
        let tables = r#"
        <table:table table:name="S1">
          <table:table-column table:number-columns-repeated="2" table:default-cell-style-name="Default"/>
          <table:table-column table:style-name="co1" table:default-cell-style-name="ce2"/>
          <table:table-column table:number-columns-repeated="16381" table:default-cell-style-name="Default"/>
          <table:table-header-rows>
            <table:table-row><table:table-cell office:value-type="string"><text:p>Head</text:p></table:table-cell></table:table-row>
          </table:table-header-rows>
          <table:table-row-group>
            <table:table-row>
              <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.5397"><office:annotation><text:p>note 1.23456</text:p></office:annotation><text:p>53,97<text:s/>%</text:p><text:p>1.5</text:p></table:table-cell>
              <table:covered-table-cell/>
              <table:table-cell office:value-type="float" office:value="1234.5"><text:p>1.234,50</text:p></table:table-cell>
              <table:table-cell table:style-name="ce3" office:value-type="float" office:value="7"><text:p>7</text:p></table:table-cell>
              <table:table-cell table:style-name="ce4" office:value-type="float" office:value="3"><text:p>3.00</text:p></table:table-cell>
              <table:table-cell table:style-name="ce5" office:value-type="currency" office:value="2675"/>
              <table:table-cell table:style-name="ce1" office:value-type="float" office:value="0.25"><text:p>25.0%</text:p></table:table-cell>
              <table:table-cell table:style-name="ce1" office:value-type="string"><text:p>5%</text:p></table:table-cell>
              <table:table-cell table:style-name="ce2" office:value-type="date" office:date-value="2024-01-01"/>
              <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.5"><text:p>###</text:p></table:table-cell>
            </table:table-row>
          </table:table-row-group>
          <table:table-row table:number-rows-repeated="2">
            <table:table-cell table:number-columns-repeated="2"/>
            <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.1" table:number-columns-repeated="2"><text:p>10.0%</text:p></table:table-cell>
          </table:table-row>
          <table:table-row table:default-cell-style-name="ce2">
            <table:table-cell office:value-type="float" office:value="1.5"><text:p>1.50</text:p></table:table-cell>
            <table:table-cell office:value-type="float" office:value="1234"><text:p>1,234</text:p></table:table-cell>
            <table:table-cell office:value-type="float" office:value="1.234"><text:p>1,234</text:p></table:table-cell>
          </table:table-row>
          <table:table-row table:number-rows-repeated="1048569"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
          <table:table-row>
            <table:table-cell table:number-columns-repeated="16383"/>
            <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.5" table:number-columns-repeated="5"><text:p>50.0%</text:p></table:table-cell>
          </table:table-row>
          <table:table-row table:number-rows-repeated="10">
            <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.5"><text:p>50.0%</text:p></table:table-cell>
          </table:table-row>
          <table:table-row>
            <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.5"><text:p>50.0%</text:p></table:table-cell>
          </table:table-row>
        </table:table>
        <table:table table:name="Empty &amp; Co"/>
        <table:table table:name="Nested">
          <table:table-row>
            <table:table-cell office:value-type="string"><table:table table:name="Inner"><table:table-row><table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="1"><text:p>100.0%</text:p></table:table-cell></table:table-row></table:table></table:table-cell>
            <table:table-cell table:style-name="ce1" office:value-type="percentage" office:value="0.02"><text:p>2.0%</text:p></table:table-cell>
          </table:table-row>
        </table:table>
        "#;
        let got = ods_formats(&ods(AUTO_STYLES, tables, None));
        let expected = book(&[
            (
                "S1",
                sheet(&[
                    ("A2", pct(2)),
                    ("C2", num(2)),
                    ("E2", num(2)),
                    ("F2", num(2)),
                    ("G2", pct(1)),
                    ("J2", pct(1)),
                    ("C3", pct(1)),
                    ("D3", pct(1)),
                    ("C4", pct(1)),
                    ("D4", pct(1)),
                    ("A5", num(2)),
                    ("B5", num(0)),
                    ("C5", num(3)),
                    ("XFD1048575", pct(1)),
                    ("A1048576", pct(1)),
                ]),
            ),
            ("Empty & Co", SheetFormats::new()),
            ("Nested", sheet(&[("B1", pct(1))])),
        ]);
        assert_eq!(got, Some(expected));
    }

    #[test]
    fn ods_styles_from_styles_xml() {
        let styles_xml = r#"
            <office:styles>
              <style:default-style style:family="table-cell" style:data-style-name="N0"/>
              <number:number-style style:name="N0"><number:number number:min-integer-digits="1"/></number:number-style>
              <number:percentage-style style:name="N9"><number:number number:decimal-places="3" number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
              <style:style style:name="Default" style:family="table-cell"/>
              <style:style style:name="Rate" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N9"/>
            </office:styles>"#;
        let auto = r#"<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Rate"/>"#;
        let tables = r#"<table:table table:name="T"><table:table-row>
            <table:table-cell table:style-name="ce1" office:value-type="float" office:value="0.125"/>
            <table:table-cell office:value-type="float" office:value="3.25"><text:p>3.25</text:p></table:table-cell>
            <table:table-cell table:style-name="Rate" office:value-type="percentage" office:value="0.5"><text:p>50.000%</text:p></table:table-cell>
        </table:table-row></table:table>"#;
        assert_eq!(
            ods_formats(&ods(auto, tables, Some(styles_xml))),
            Some(book(&[("T", sheet(&[("A1", pct(3)), ("C1", pct(3))]))]))
        );
        // A default style that fixes decimals applies to cells without a style.
        let fixed_default = styles_xml.replace(
            r#"style:data-style-name="N0"/>"#,
            r#"style:data-style-name="N9"/>"#,
        );
        let got = ods_formats(&ods(auto, tables, Some(&fixed_default)));
        assert_eq!(
            got.as_ref().and_then(|b| b["T"].get(&at("B1"))),
            Some(&pct(2))
        );
    }

    #[test]
    fn ods_huge_repeats_finish_quickly() {
        let started = std::time::Instant::now();
        // Text cells repeated 999,999,999 × 999,999,999 times: nothing recorded, no expansion.
        let text = r#"<table:table table:name="D"><table:table-row table:number-rows-repeated="999999999"><table:table-cell table:number-columns-repeated="999999999" office:value-type="string"><text:p>X</text:p></table:table-cell></table:table-row></table:table>"#;
        assert_eq!(
            ods_formats(&ods("", text, None)),
            Some(book(&[("D", SheetFormats::new())]))
        );
        // Percentages repeated so: more than may be recorded, so no formats at all.
        let pcts = r#"<table:table table:name="D"><table:table-row table:number-rows-repeated="999999999"><table:table-cell table:number-columns-repeated="999999999" office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row></table:table>"#;
        assert_eq!(ods_formats(&ods("", pcts, None)), None);
        // Repeated cells, each under the limit, add up past it (with a limit of 1,040 here).
        let rows = r#"<table:table table:name="D"><table:table-row table:number-rows-repeated="300"><table:table-cell table:number-columns-repeated="3" office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="70" office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row></table:table>"#;
        let bytes = ods("", rows, None);
        assert_eq!(ods::formats(&bytes, 1040).map(|b| b["D"].len()), Some(1040));
        assert_eq!(ods::formats(&bytes, 1039), None);
        let many = rows.replace(r#"rows-repeated="2""#, r#"rows-repeated="20""#);
        assert_eq!(ods::formats(&ods("", &many, None), 1040), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        // A moderate repeat is expanded.
        let some = r#"<table:table table:name="D"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="50" office:value-type="percentage" office:value="0.5"><text:p>50%</text:p></table:table-cell></table:table-row></table:table>"#;
        let got = ods_formats(&ods("", some, None)).expect("formats");
        assert_eq!(got["D"].len(), 5000);
        assert_eq!(got["D"].get(&at("AX100")), Some(&pct(0)));
    }

    #[test]
    fn ods_damaged_is_none() {
        // Malformed XML.
        let content = b"<office:document-content><office:body><table:table table:name=\"T\"><table:table-row><table:table-cell office:value-type=\"percentage\" office:value=\"0.5";
        assert_eq!(ods_formats(&make_zip(&[("content.xml", content)])), None);
        let content = b"<office:document-content><office:body><table:table table:name=\"T\xFF\"/></office:body></office:document-content>";
        assert_eq!(ods_formats(&make_zip(&[("content.xml", content)])), None);
        // No content.xml.
        assert_eq!(ods_formats(&make_zip(&[("mimetype", b"x")])), None);
        // Upper-case entry name: still found.
        let good = ods("", r#"<table:table table:name="T"/>"#, None);
        let content = zip_entry(&good, "content.xml");
        assert_eq!(
            ods_formats(&make_zip(&[("CONTENT.XML", &content)])),
            Some(book(&[("T", SheetFormats::new())]))
        );
        // Entities defined in a DTD are not expanded.
        let dtd = br#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><office:document-content><office:body><table:table table:name="T"><table:table-row><table:table-cell office:value-type="percentage" office:value="0.5"><text:p>&b;50%</text:p></table:table-cell></table:table-row></table:table></office:body></office:document-content>"#;
        assert_eq!(
            ods_formats(&make_zip(&[("content.xml", dtd)])),
            Some(book(&[("T", sheet(&[("A1", pct(0))]))]))
        );
    }

    // --- decimals of displayed text ----------------------------------------------------------

    #[test]
    fn decimals_of_text() {
        let cases: &[(&str, Option<f64>, Option<u8>)] = &[
            ("53.97%", Some(53.97), Some(2)),
            ("53,97 %", Some(53.97), Some(2)),
            ("25%", Some(25.0), Some(0)),
            ("-12.5", Some(-12.5), Some(1)),
            ("(1,234.50)", Some(-1234.5), Some(2)),
            ("1.234.567", Some(1_234_567.0), Some(0)),
            ("1.234.567,8", Some(1_234_567.8), Some(1)),
            ("1 234,56 ₫", Some(1234.56), Some(2)),
            ("1'234.5", Some(1234.5), Some(1)),
            ("$1,234", Some(1234.0), Some(0)),
            ("1,234", Some(1.234), Some(3)),
            ("1.234", Some(1234.0), Some(0)),
            ("1,234", None, None),
            ("0,125", None, Some(3)),
            (",125", None, Some(3)),
            ("1234.567", None, Some(3)),
            ("1.25E+03", Some(1250.0), Some(2)),
            ("12.", Some(12.0), Some(0)),
            ("10.000%", Some(10.0), Some(3)),
            ("###", Some(1.0), None),
            ("", None, None),
            ("TRUE", None, None),
        ];
        for (text, shown, want) in cases {
            assert_eq!(text_decimals(text, *shown), *want, "{text:?}");
        }
        let long = format!("0.{}", "1".repeat(300));
        assert_eq!(text_decimals(&long, None), Some(255));
    }

    // --- the real-world corpus ---------------------------------------------------------------

    #[test]
    #[allow(clippy::print_stdout)] // the corpus report is the point of this test
    fn real_world_corpus() {
        let candidates = [
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-world"),
            std::path::PathBuf::from("/work/shared/corpus/real-world"),
        ];
        let Some(dir) = candidates.iter().find(|d| d.join("EXPECT.tsv").is_file()) else {
            println!("real-world corpus not found; skipping");
            return;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            println!("cannot list {}; skipping", dir.display());
            return;
        };
        let mut files: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let ext = p
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase());
                matches!(ext.as_deref(), Some("xls" | "ods" | "xlsb"))
            })
            .collect();
        files.sort();
        let (mut read, mut with_formats, mut cells) = (0, 0, 0);
        let mut slowest = (std::time::Duration::ZERO, String::new());
        for path in &files {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let lower = name.to_ascii_lowercase();
            let started = std::time::Instant::now();
            let got = if lower.ends_with(".ods") {
                ods_formats(&bytes)
            } else if lower.ends_with(".xlsb") {
                xlsb_formats(&bytes)
            } else {
                xls_formats(&bytes)
            };
            let took = started.elapsed();
            if took > slowest.0 {
                slowest = (took, name.clone());
            }
            let n: usize = got.iter().flat_map(|b| b.values()).map(HashMap::len).sum();
            println!("{name}\t{}\t{n} cells\t{took:?}", got.is_some());
            read += usize::from(got.is_some());
            with_formats += usize::from(n > 0);
            cells += n;
            assert!(
                took < std::time::Duration::from_secs(30),
                "{name} took {took:?}"
            );
        }
        println!(
            "{} files, {read} read, {with_formats} with formatted cells ({cells} cells), \
             slowest {:?} ({})",
            files.len(),
            slowest.0,
            slowest.1
        );
    }
}
