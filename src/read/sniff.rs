//! Content sniffing: tell what a file really is before (and after) the workbook reader runs.
//!
//! Branch offices send files with misleading names: web pages saved as `.xls`, CSV text saved
//! as `.xlsx`, password-protected workbooks, cut-off downloads, Apple Numbers files, PDFs and
//! pictures. [`sniff`] looks at the bytes (the first few KB, plus the zip central directory or
//! the OLE compound file directory) and says whether the file looks like a workbook crossfoot can
//! try to read, and if not, what it is and what the reviewer should do about it, in words a
//! non-programmer understands. [`explain_read_error`] turns a reader error into the same kind of
//! explanation after the reader failed.
//!
//! Nothing here panics on any input, and every loop over file structures is bounded by the file
//! size, so a hostile file (a looping sector chain, a zip bomb) cannot hang or exhaust memory.

use std::io::{Cursor, Read};

/// Workbook containers crossfoot can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Container {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

/// What [`sniff`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Looks like a workbook crossfoot can try to read (judged by content, not by extension).
    Workbook(Container),
    /// Not something crossfoot can read; says what it is and what to do.
    Unreadable(Unreadable),
}

pub use crate::unreadable::{Unreadable, UnreadableKind};

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/// Classify a file by its content. `bytes` is the whole file; `file_name` is only used to word
/// the explanation (e.g. "saved with an .xls name").
pub fn sniff(bytes: &[u8], file_name: &str) -> Sniffed {
    sniff_sized(bytes, file_name).0
}

/// The custom document property crossfoot writes into every workbook it makes, and its values.
pub const MARK_PROPERTY: &str = "crossfoot";
/// The mark of a review workbook (`check -o`): never a submission.
pub const REVIEW_MARK: &str = "review";
/// The mark of a marked copy of a branch's own workbook (`check --mark`): still the branch's
/// workbook, checked like any submission (the branch corrects it and sends it again).
pub const MARKED_MARK: &str = "marked";
/// The mark of a summary built by `consolidate` (it is checked like any summary).
pub const SUMMARY_MARK: &str = "summary";

/// The mark crossfoot left in a workbook it wrote (`docProps/custom.xml`, property
/// [`MARK_PROPERTY`]), if the bytes are such a workbook.
pub fn crossfoot_output(bytes: &[u8]) -> Option<String> {
    if !is_zip(bytes) || !may_name_custom_xml(bytes) {
        return None;
    }
    let mut zip = ZipView::open(bytes)?;
    let raw = zip.read("docprops/custom.xml")?;
    let xml = bytes_to_text(&raw);
    let found = tags(&xml, "property").find_map(|tag| {
        if attr(tag, "name") != Some(MARK_PROPERTY) {
            return None;
        }
        // <property … name="crossfoot"><vt:lpwstr>review</vt:lpwstr></property>
        let at = xml.find(tag)? + tag.len();
        let rest = &xml[at..];
        let open = rest.find("<vt:lpwstr>")? + "<vt:lpwstr>".len();
        let close = rest[open..].find("</vt:lpwstr>")?;
        Some(rest[open..open + close].to_string())
    });
    found
}

/// Whether the bytes hold `custom.xml` in any case: the name of an entry `docProps/custom.xml`
/// is stored as it is (in the central directory, or as UTF-8 in its Unicode path field), and
/// no other text lower-cases to it, so a zip without these bytes has no such entry and its
/// directory need not be parsed to say so (one search for a byte, not a parse per file).
fn may_name_custom_xml(bytes: &[u8]) -> bool {
    const STEM: &[u8] = b"custom";
    const EXT: &[u8] = b"xml";
    memchr::memchr_iter(b'.', bytes).any(|dot| {
        let before = dot
            .checked_sub(STEM.len())
            .and_then(|start| bytes.get(start..dot));
        let after = bytes.get(dot + 1..dot + 1 + EXT.len());
        before.is_some_and(|b| b.eq_ignore_ascii_case(STEM))
            && after.is_some_and(|a| a.eq_ignore_ascii_case(EXT))
    })
}

/// [`sniff`], and for a zip-based file what its entries say they unpack to (the sum of their
/// sizes in the central directory), read in the same pass.
pub fn sniff_sized(bytes: &[u8], file_name: &str) -> (Sniffed, Option<u64>) {
    if bytes.is_empty() {
        return (
            Sniffed::Unreadable(unreadable(
                UnreadableKind::Empty,
                "the file is empty (0 bytes)".to_string(),
                "ask the branch to send the file again; the copy you received contains no data",
            )),
            None,
        );
    }
    if bytes.starts_with(CFB_MAGIC) {
        return (sniff_cfb(bytes, file_name), None);
    }
    if is_zip(bytes) {
        return sniff_zip(bytes, file_name);
    }
    if let Some(u) = sniff_binary_magic(bytes, file_name) {
        return (Sniffed::Unreadable(u), None);
    }
    if let Some(u) = sniff_raw_biff(bytes, file_name) {
        return (Sniffed::Unreadable(u), None);
    }
    (Sniffed::Unreadable(sniff_text(bytes, file_name)), None)
}

/// After the reader failed: turn the reader's error text into a person's reason and hint,
/// using the bytes of the file to say more than the error does.
pub fn explain_read_error(bytes: &[u8], file_name: &str, reader_error: &str) -> Unreadable {
    let err = reader_error.to_lowercase();
    let sniffed = sniff(bytes, file_name);

    if err.contains("password") || err.contains("encrypt") {
        return match sniffed {
            Sniffed::Unreadable(u) if u.kind == UnreadableKind::Encrypted => u,
            Sniffed::Workbook(c) => encrypted(Some(c)),
            Sniffed::Unreadable(_) => encrypted(None),
        };
    }

    // When the bytes alone show what is wrong (a web page, CSV text, an encrypted file whose
    // reader error is misleading, a cut-off zip...), that explanation beats the reader's error.
    let container = match sniffed {
        Sniffed::Unreadable(u) => return u,
        Sniffed::Workbook(c) => c,
    };

    if err.contains("unrecognized sheet") || err.contains("unrecognised sheet") {
        if err.contains("macrosheet") {
            return unreadable(
                UnreadableKind::OtherFormat,
                "the workbook contains an Excel 4.0 macro sheet, which crossfoot's reader \
                 cannot open"
                    .to_string(),
                "open it in Excel, copy the data sheets into a new workbook (or delete the macro \
                 sheet) and save that as .xlsx",
            );
        }
        if err.contains("dialogsheet") {
            return unreadable(
                UnreadableKind::OtherFormat,
                "the workbook contains an Excel 5.0 dialog sheet, which crossfoot's reader \
                 cannot open"
                    .to_string(),
                "open it in Excel, copy the data sheets into a new workbook (or delete the dialog \
                 sheet) and save that as .xlsx",
            );
        }
    }

    if err.contains("codepage") || err.contains("code page") {
        return unreadable(
            UnreadableKind::Corrupt,
            "the workbook uses a character set (code page) crossfoot cannot read".to_string(),
            RESAVE_XLSX,
        );
    }

    if err.contains("xml") && matches!(container, Container::Xlsx | Container::Xlsb) {
        if zip_has_utf16_part(bytes) {
            return unreadable(
                UnreadableKind::Corrupt,
                "the workbook's XML is UTF-16-encoded, which crossfoot's reader does not support"
                    .to_string(),
                "open and re-save it in Excel or LibreOffice",
            );
        }
        if err.contains("entity") {
            return unreadable(
                UnreadableKind::Corrupt,
                "the workbook's XML uses entity definitions that crossfoot refuses to expand \
                 (the file may be damaged or deliberately malicious)"
                    .to_string(),
                "do not open it; ask the branch to send the workbook again, saved fresh from \
                 Excel or LibreOffice",
            );
        }
    }

    if container == Container::Ods && err.contains("mimetype") {
        return unreadable(
            UnreadableKind::Corrupt,
            "the OpenDocument spreadsheet lacks its 'mimetype' entry, which crossfoot's reader \
             requires"
                .to_string(),
            "open it in LibreOffice Calc and save it again (as .ods or .xlsx)",
        );
    }

    if err.contains("cell limit") {
        return unreadable(
            UnreadableKind::Corrupt,
            "the workbook claims to hold far more cells than any real sheet (it is damaged or \
             deliberately malicious)"
                .to_string(),
            SEND_AGAIN_OR_RESAVE,
        );
    }

    if matches!(container, Container::Xlsx | Container::Xlsb)
        && (err.contains("file not found") || err.contains("not found in archive"))
        && zip_main_part_outside_xl(bytes)
    {
        return unreadable(
            UnreadableKind::Corrupt,
            "the workbook keeps its parts in a non-standard folder, which crossfoot's reader \
             does not support"
                .to_string(),
            "open it in Excel or LibreOffice and save it again as .xlsx",
        );
    }

    unreadable(
        UnreadableKind::Corrupt,
        format!("the workbook is damaged: {}", reader_error.trim()),
        SEND_AGAIN_OR_RESAVE,
    )
}

// ---------------------------------------------------------------------------------------------
// Wording helpers
// ---------------------------------------------------------------------------------------------

const RESAVE_XLSX: &str =
    "open it in a spreadsheet program (Excel or LibreOffice Calc) and save it as .xlsx";
const SEND_AGAIN_OR_RESAVE: &str = crate::registry::UNREADABLE[UnreadableKind::Corrupt as usize]
    .hint
    .en;
const SEND_AGAIN: &str = "ask the branch to send the file again";
const ASK_FOR_WORKBOOK: &str =
    "ask the branch to send the workbook itself, saved from Excel or LibreOffice as .xlsx";

fn unreadable(kind: UnreadableKind, reason: String, hint: &str) -> Unreadable {
    Unreadable {
        kind,
        reason,
        hint: hint.to_string(),
    }
}

/// Lower-case extension of the last path component, if it is a plausible extension.
fn ext_of(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, ext) = base.rsplit_once('.')?;
    if stem.is_empty()
        || ext.is_empty()
        || ext.len() > 12
        || !ext
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

/// "an .xls" / "a .csv": the article as the extension is read aloud ("ex-el-es", "see-es-vee").
fn ext_with_article(ext: &str) -> String {
    let vowel_sound = ext
        .chars()
        .next()
        .is_some_and(|c| "aefhilmnorsx".contains(c.to_ascii_lowercase()));
    format!("{} .{}", if vowel_sound { "an" } else { "a" }, ext)
}

/// " saved with an .xls name" unless the file's extension is one of `fitting`.
fn misnamed(file_name: &str, fitting: &[&str]) -> String {
    match ext_of(file_name) {
        Some(e) if !fitting.contains(&e.as_str()) => {
            format!(" saved with {} name", ext_with_article(&e))
        }
        _ => String::new(),
    }
}

fn encrypted(container: Option<Container>) -> Unreadable {
    match container {
        Some(Container::Ods) => unreadable(
            UnreadableKind::Encrypted,
            "the file is an OpenDocument spreadsheet (.ods) protected with a password (it is \
             encrypted)"
                .to_string(),
            "ask the branch to remove the password and send it again: in LibreOffice Calc, \
             File > Save As, untick 'Save with password', and save",
        ),
        Some(Container::Xls) => unreadable(
            UnreadableKind::Encrypted,
            "the file is an Excel 97-2003 workbook (.xls) protected with a password (it is \
             encrypted)"
                .to_string(),
            EXCEL_REMOVE_PASSWORD,
        ),
        _ => unreadable(
            UnreadableKind::Encrypted,
            "the file is an Excel workbook protected with a password (it is encrypted)".to_string(),
            EXCEL_REMOVE_PASSWORD,
        ),
    }
}

const EXCEL_REMOVE_PASSWORD: &str = "ask the branch to remove the password and send it again: \
     in Excel, File > Info > Protect Workbook > Encrypt with Password, clear the password, \
     and save";

fn corrupt_cfb(file_name: &str) -> Sniffed {
    Sniffed::Unreadable(unreadable(
        UnreadableKind::Corrupt,
        format!(
            "the file is an old-style Office file (OLE compound file){} whose internal \
             structure is damaged",
            misnamed(file_name, &["xls", "xla", "xlt", "doc", "ppt", "msg"])
        ),
        SEND_AGAIN_OR_RESAVE,
    ))
}

fn other_format(what: &str, file_name: &str, fitting: &[&str], hint: &str) -> Unreadable {
    unreadable(
        UnreadableKind::OtherFormat,
        format!(
            "the file is {what}{}, not a workbook",
            misnamed(file_name, fitting)
        ),
        hint,
    )
}

// ---------------------------------------------------------------------------------------------
// Binary signatures
// ---------------------------------------------------------------------------------------------

const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(b"PK\x07\x08")
}

fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    let s = b.get(off..off.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

fn is_bmp(b: &[u8]) -> bool {
    // "BM", file size, 4 reserved zero bytes, pixel offset, then a DIB header of a known size.
    b.len() >= 26
        && b.starts_with(b"BM")
        && u32_at(b, 6) == Some(0)
        && matches!(u32_at(b, 14), Some(12 | 40 | 52 | 56 | 64 | 108 | 124))
}

fn sniff_binary_magic(b: &[u8], file_name: &str) -> Option<Unreadable> {
    const PICTURE_HINT: &str = "ask the branch to send the workbook itself (.xlsx); a picture or \
         scan of a table cannot be checked";
    const ARCHIVE_HINT: &str = "unpack the archive and check the workbook inside, or ask the \
         branch to send the workbook itself (.xlsx)";
    let found = if b.starts_with(b"%PDF") {
        other_format(
            "a PDF document",
            file_name,
            &["pdf"],
            "ask the branch to send the original workbook (.xlsx) instead of a PDF; a PDF \
             cannot be checked",
        )
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        other_format("a PNG image", file_name, &["png"], PICTURE_HINT)
    } else if b.starts_with(b"\xFF\xD8\xFF") {
        other_format(
            "a JPEG image (a photo or scan)",
            file_name,
            &["jpg", "jpeg"],
            PICTURE_HINT,
        )
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        other_format("a GIF image", file_name, &["gif"], PICTURE_HINT)
    } else if is_bmp(b) {
        other_format("a BMP image", file_name, &["bmp"], PICTURE_HINT)
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        other_format(
            "a TIFF image (often a scan)",
            file_name,
            &["tif", "tiff"],
            PICTURE_HINT,
        )
    } else if b.get(4..19) == Some(b"Standard Jet DB") || b.get(4..19) == Some(b"Standard ACE DB") {
        other_format(
            "a Microsoft Access database",
            file_name,
            &["mdb", "accdb"],
            "export the table from Access to Excel (.xlsx) and send that file",
        )
    } else if b.starts_with(b"\x1F\x8B") {
        other_format(
            "a compressed archive (gzip)",
            file_name,
            &["gz", "tgz"],
            ARCHIVE_HINT,
        )
    } else if b.starts_with(b"7z\xBC\xAF\x27\x1C") {
        other_format(
            "a compressed archive (7-Zip)",
            file_name,
            &["7z"],
            ARCHIVE_HINT,
        )
    } else if b.starts_with(b"Rar!\x1A\x07") {
        other_format(
            "a compressed archive (RAR)",
            file_name,
            &["rar"],
            ARCHIVE_HINT,
        )
    } else if b.starts_with(b"MZ") && b.len() >= 64 && is_pe(b) {
        other_format(
            "a Windows program (.exe)",
            file_name,
            &["exe", "dll"],
            "do not open it; tell the branch what arrived and ask them to send the workbook again",
        )
    } else if b.starts_with(b"{\\rtf") {
        other_format(
            "a Rich Text (RTF) document",
            file_name,
            &["rtf"],
            ASK_FOR_WORKBOOK,
        )
    } else if is_lotus(b) {
        other_format(
            "a Lotus 1-2-3 spreadsheet",
            file_name,
            &["wk1", "wks", "wk3", "wk4", "123"],
            RESAVE_XLSX,
        )
    } else {
        return None;
    };
    Some(found)
}

fn is_pe(b: &[u8]) -> bool {
    u32_at(b, 0x3C)
        .and_then(|off| b.get(off as usize..(off as usize).checked_add(4)?))
        .is_some_and(|sig| sig == b"PE\0\0")
}

fn is_lotus(b: &[u8]) -> bool {
    // WKS/WK1: BOF record 0x0000 of length 2 with version 0x0404..0x0406.
    // WK3/WK4: BOF record 0x0000 of length 0x1A with version 0x1000..0x1003.
    (b.starts_with(b"\x00\x00\x02\x00") && matches!(b.get(4..6), Some([0x04..=0x06, 0x04])))
        || (b.starts_with(b"\x00\x00\x1A\x00") && matches!(b.get(4..6), Some([0x00..=0x03, 0x10])))
}

/// A BIFF2-BIFF8 record stream without an OLE container (Excel 2.x-4.0 wrote these).
fn sniff_raw_biff(b: &[u8], file_name: &str) -> Option<Unreadable> {
    let rtype = u16_at(b, 0)?;
    let rlen = u16_at(b, 2)? as usize;
    if !(4..=32).contains(&rlen) || b.len() < 4 + rlen {
        return None;
    }
    let what = match rtype {
        0x0009 => "an Excel 2.x spreadsheet (BIFF2, a format from 1987-1990)".to_string(),
        0x0209 => "an Excel 3.0 spreadsheet (BIFF3, a format from 1990)".to_string(),
        0x0409 => "an Excel 4.0 spreadsheet (BIFF4, a format from 1992)".to_string(),
        0x0809 => {
            let version = match u16_at(b, 4) {
                Some(0x0500) => "BIFF5",
                Some(0x0600) => "BIFF8",
                _ => "raw BIFF",
            };
            format!(
                "a bare Excel data stream ({version}) without the file container Excel puts \
                 around it"
            )
        }
        _ => return None,
    };
    Some(unreadable(
        UnreadableKind::OtherFormat,
        format!(
            "the file is {what}{}, which crossfoot cannot read",
            misnamed(file_name, &["xls", "xlw", "xlc"])
        ),
        RESAVE_XLSX,
    ))
}

// ---------------------------------------------------------------------------------------------
// Text: HTML, XML, CSV
// ---------------------------------------------------------------------------------------------

/// How much of the start of a file text checks look at.
const TEXT_HEAD: usize = 8192;

/// The start of the file as text, if it is text at all (no NUL bytes, few control characters).
/// Understands UTF-8 (with or without BOM), UTF-16 with a BOM, and falls back to Latin-1.
fn head_text(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(TEXT_HEAD)];
    let text = if let Some(rest) = head.strip_prefix(b"\xFF\xFE") {
        decode_utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = head.strip_prefix(b"\xFE\xFF") {
        decode_utf16(rest, u16::from_be_bytes)
    } else {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        if head.contains(&0) {
            return None;
        }
        match std::str::from_utf8(head) {
            Ok(s) => s.to_string(),
            // Cut off in the middle of a character at the end of the head: still UTF-8.
            Err(e) if e.error_len().is_none() => {
                String::from_utf8_lossy(&head[..e.valid_up_to()]).into_owned()
            }
            // Latin-1 / Windows-1252.
            Err(_) => head.iter().map(|&b| b as char).collect(),
        }
    };
    let total = text.chars().count();
    let controls = text
        .chars()
        .filter(|&c| (c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\x0C' | '\x1A')) || c == '\0')
        .count();
    if total == 0 || controls * 100 > total {
        return None;
    }
    Some(text)
}

fn decode_utf16(b: &[u8], f: fn([u8; 2]) -> u16) -> String {
    let units = b.chunks_exact(2).map(|c| f([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Skip leading whitespace, `<?xml ...?>` declarations and `<!-- -->` comments.
fn skip_prolog(mut s: &str) -> &str {
    for _ in 0..32 {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if s.starts_with("<?xml") {
            match s.find("?>") {
                Some(i) => s = &s[i + 2..],
                None => return s,
            }
        } else if s.starts_with("<!--") {
            match s.find("-->") {
                Some(i) => s = &s[i + 3..],
                None => return s,
            }
        } else {
            break;
        }
    }
    s
}

fn sniff_text(bytes: &[u8], file_name: &str) -> Unreadable {
    let Some(text) = head_text(bytes) else {
        return unreadable(
            UnreadableKind::OtherFormat,
            format!(
                "the file{} is not a spreadsheet file crossfoot recognises",
                misnamed(file_name, &[])
            ),
            "ask the branch which program made it, and to save it from that program as .xlsx",
        );
    };
    let lower = text.to_lowercase();
    let body = skip_prolog(&lower);

    const HTML_STARTS: &[&str] = &[
        "<!doctype html",
        "<html",
        "<table",
        "<head",
        "<body",
        "<meta",
        "<title",
        "<style",
        "<div",
    ];
    const WEB_PAGE_EXTS: &[&str] = &["htm", "html", "xhtml", "mht", "mhtml"];
    if HTML_STARTS.iter().any(|p| body.starts_with(p)) {
        return unreadable(
            UnreadableKind::Html,
            format!(
                "the file is a web page (HTML){}, not a real workbook",
                misnamed(file_name, WEB_PAGE_EXTS)
            ),
            RESAVE_XLSX,
        );
    }
    if (body.starts_with("mime-version:") || body.starts_with("content-type:"))
        && lower.contains("multipart/related")
    {
        return unreadable(
            UnreadableKind::Html,
            format!(
                "the file is a single-file web page (MHTML){}, not a real workbook",
                misnamed(file_name, WEB_PAGE_EXTS)
            ),
            RESAVE_XLSX,
        );
    }

    let xmlish = lower.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    if xmlish.starts_with('<') {
        if lower.contains("urn:schemas-microsoft-com:office:spreadsheet")
            || lower.contains("progid=\"excel.sheet\"")
        {
            return unreadable(
                UnreadableKind::OtherFormat,
                format!(
                    "the file is an Excel 2003 XML spreadsheet (SpreadsheetML){}, an old format \
                     crossfoot cannot read",
                    misnamed(file_name, &["xml"])
                ),
                RESAVE_XLSX,
            );
        }
        if lower.contains("office:document") && lower.contains("opendocument") {
            let what = if lower.contains("opendocument.text") {
                "a flat OpenDocument text document (.fodt)"
            } else {
                "a flat OpenDocument spreadsheet (.fods, a single XML file)"
            };
            return unreadable(
                UnreadableKind::OtherFormat,
                format!(
                    "the file is {what}{}, a format crossfoot cannot read",
                    misnamed(file_name, &["fods", "fodt", "xml"])
                ),
                "open it in LibreOffice Calc and save it as .xlsx or .ods",
            );
        }
        if body.contains("<html") {
            return unreadable(
                UnreadableKind::Html,
                format!(
                    "the file is a web page (XHTML){}, not a real workbook",
                    misnamed(file_name, WEB_PAGE_EXTS)
                ),
                RESAVE_XLSX,
            );
        }
        if lower.starts_with("<?xml") || body.starts_with('<') {
            return other_format("an XML data file", file_name, &["xml"], ASK_FOR_WORKBOOK);
        }
    }

    if let Some(delim) = csv_delimiter(&text) {
        return unreadable(
            UnreadableKind::Text,
            format!(
                "the file is plain text with {delim}-separated values (CSV){}, not a workbook",
                misnamed(file_name, &["csv", "txt", "tsv", "tab", "prn"])
            ),
            "open it in a spreadsheet program, check that the columns look right, and save it \
             as .xlsx",
        );
    }
    unreadable(
        UnreadableKind::Text,
        format!(
            "the file is plain text{}, not a workbook",
            misnamed(file_name, &["txt"])
        ),
        ASK_FOR_WORKBOOK,
    )
}

/// The delimiter of CSV-like text: one that appears on several lines (or on the only line).
fn csv_delimiter(text: &str) -> Option<&'static str> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    if lines.is_empty() {
        return None;
    }
    let need = lines.len().min(2);
    let candidates = [
        ('\t', "tab"),
        (';', "semicolon"),
        (',', "comma"),
        ('|', "bar"),
    ];
    candidates
        .iter()
        .map(|&(c, name)| (lines.iter().filter(|l| l.contains(c)).count(), name))
        .filter(|&(n, _)| n >= need)
        .max_by_key(|&(n, _)| n)
        .map(|(_, name)| name)
}

// ---------------------------------------------------------------------------------------------
// Zip-based formats
// ---------------------------------------------------------------------------------------------

/// At most this many bytes are decompressed from any one zip entry.
const ZIP_ENTRY_LIMIT: u64 = 256 * 1024;

struct ZipView<'a> {
    bytes: &'a [u8],
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Normalised (lower-case, forward slashes, no leading slash) entry names, by index.
    names: Vec<String>,
    /// Entry names as stored, by index.
    stored: Vec<String>,
}

impl<'a> ZipView<'a> {
    fn open(bytes: &'a [u8]) -> Option<Self> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let stored: Vec<String> = archive
            .file_names_raw()
            .map(|raw| String::from_utf8_lossy(raw).into_owned())
            .collect();
        let names = stored
            .iter()
            .map(|n| n.replace('\\', "/").trim_start_matches('/').to_lowercase())
            .collect();
        Some(ZipView {
            bytes,
            archive,
            names,
            stored,
        })
    }

    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// What the entries say they unpack to (their sizes in the central directory).
    fn unpacked_size(&mut self) -> u64 {
        (0..self.archive.len())
            .map(|i| self.archive.by_index_raw(i).map_or(0, |f| f.size()))
            .fold(0u64, u64::saturating_add)
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        self.names.iter().any(|n| n.starts_with(prefix))
    }

    fn read_index(&mut self, index: usize) -> Option<Vec<u8>> {
        if let Some(whole) = self.read_small_deflated(index) {
            return Some(whole);
        }
        self.read_index_by_zip(index)
    }

    /// [`Self::read_index`] by the zip crate's reader alone.
    fn read_index_by_zip(&mut self, index: usize) -> Option<Vec<u8>> {
        let file = self.archive.by_index(index).ok()?;
        let mut out = Vec::new();
        file.take(ZIP_ENTRY_LIMIT).read_to_end(&mut out).ok()?;
        Some(out)
    }

    /// A small deflated entry inflated whole ([`crate::read::inflate::whole`]): one that
    /// declares less than [`ZIP_ENTRY_LIMIT`], so that the zip crate's reader, which reads
    /// whatever else, would read it to its end and check it.
    fn read_small_deflated(&mut self, index: usize) -> Option<Vec<u8>> {
        crate::read::inflate::whole(self.bytes, &mut self.archive, index, ZIP_ENTRY_LIMIT - 1)
    }

    /// The start of an entry's content (at most [`ZIP_ENTRY_LIMIT`] bytes), if it can be read.
    fn read(&mut self, name: &str) -> Option<Vec<u8>> {
        let index = self.names.iter().position(|n| n == name)?;
        self.read_index(index)
    }

    /// An entry's content as lower-case text (UTF-8 or UTF-16 with BOM).
    fn read_lower(&mut self, name: &str) -> Option<String> {
        let raw = self.read(name)?;
        Some(bytes_to_text(&raw).to_lowercase())
    }
}

fn bytes_to_text(raw: &[u8]) -> String {
    if let Some(rest) = raw.strip_prefix(b"\xFF\xFE") {
        decode_utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = raw.strip_prefix(b"\xFE\xFF") {
        decode_utf16(rest, u16::from_be_bytes)
    } else {
        String::from_utf8_lossy(raw).into_owned()
    }
}

fn not_a_workbook_zip(reason: String, hint: &str) -> Sniffed {
    Sniffed::Unreadable(unreadable(UnreadableKind::NotAWorkbookZip, reason, hint))
}

fn sniff_zip(bytes: &[u8], file_name: &str) -> (Sniffed, Option<u64>) {
    let Some(mut zip) = ZipView::open(bytes) else {
        return (
            Sniffed::Unreadable(unreadable(
                UnreadableKind::Truncated,
                "the file is a damaged or incomplete zip archive, perhaps a download that was \
                 cut off"
                    .to_string(),
                "ask the branch to send the file again (check that the copy they send opens on \
                 their computer first)",
            )),
            None,
        );
    };
    let unpacked = zip.unpacked_size();
    (sniff_zip_entries(&mut zip, file_name), Some(unpacked))
}

fn sniff_zip_entries(zip: &mut ZipView<'_>, file_name: &str) -> Sniffed {
    let saved_as = |fitting: &[&str]| {
        let m = misnamed(file_name, fitting);
        if m.is_empty() {
            m
        } else {
            format!(",{m}")
        }
    };
    if zip.names.iter().all(|n| n.ends_with('/')) {
        return not_a_workbook_zip(
            format!(
                "the file is an empty zip archive with no workbook inside{}",
                saved_as(&["zip"])
            ),
            SEND_AGAIN,
        );
    }

    // OpenDocument and StarOffice declare their type in a `mimetype` entry, or failing that in
    // the manifest's entry for "/".
    let odf_type = zip
        .read("mimetype")
        .map(|m| String::from_utf8_lossy(&m).trim().to_lowercase())
        .filter(|m| !m.is_empty())
        .or_else(|| {
            if zip.has("content.xml") && zip.has("meta-inf/manifest.xml") {
                let manifest = zip.read_lower("meta-inf/manifest.xml").unwrap_or_default();
                // A content.xml and a manifest without a declared type: try it as a spreadsheet.
                Some(manifest_root_media_type(&manifest).unwrap_or_else(|| {
                    "application/vnd.oasis.opendocument.spreadsheet".to_string()
                }))
            } else {
                None
            }
        });
    if let Some(mime) = odf_type.as_deref() {
        if mime.starts_with("application/vnd.oasis.opendocument.spreadsheet") {
            return ods_or_encrypted(zip);
        }
        if mime.starts_with("application/vnd.sun.xml.calc") {
            return not_a_workbook_zip(
                format!(
                    "the file is a StarOffice / OpenOffice.org 1.x spreadsheet (.sxc), an old \
                     format crossfoot cannot read{}",
                    saved_as(&["sxc", "stc"])
                ),
                "open it in LibreOffice Calc and save it as .xlsx or .ods",
            );
        }
        let other = if mime.contains("opendocument.text") || mime.contains("sun.xml.writer") {
            Some("a text document (OpenDocument .odt)")
        } else if mime.contains("opendocument.presentation") || mime.contains("sun.xml.impress") {
            Some("a presentation (OpenDocument .odp)")
        } else if mime.contains("opendocument") || mime.contains("sun.xml") {
            Some("an OpenDocument file that is not a spreadsheet")
        } else if mime.contains("epub") {
            Some("an e-book (EPUB)")
        } else {
            None
        };
        if let Some(what) = other {
            return not_a_workbook_zip(
                format!("the file is {what}, not a workbook{}", saved_as(&[])),
                ASK_FOR_WORKBOOK,
            );
        }
    }

    // Apple Numbers: a zip of IWA (protobuf) files.
    if zip
        .names
        .iter()
        .any(|n| n.starts_with("index/") && n.ends_with(".iwa"))
        || zip.has("index.zip")
    {
        return not_a_workbook_zip(
            format!(
                "the file is an Apple Numbers spreadsheet, a format crossfoot cannot read{}",
                saved_as(&["numbers"])
            ),
            "ask the branch to export it from Numbers as Excel: File > Export To > Excel (.xlsx)",
        );
    }

    // Office Open XML.
    let rels = zip.read_lower("_rels/.rels");
    if zip.has("[content_types].xml") || rels.is_some() || zip.has_prefix("xl/") {
        // The main part: named by the package relationships, else found by its usual name,
        // else by its content type.
        let main = rels
            .as_deref()
            .and_then(main_document_target)
            .or_else(|| {
                ["xl/workbook.bin", "xl/workbook.xml"]
                    .into_iter()
                    .find(|n| zip.has(n))
                    .map(str::to_string)
            })
            .or_else(|| {
                let ct = zip.read_lower("[content_types].xml").unwrap_or_default();
                main_part_from_content_types(&ct)
            });
        let main_in = |folder: &str| main.as_deref().is_some_and(|m| m.starts_with(folder));
        let what = match main.as_deref() {
            Some(m) if main_in("word/") || m.ends_with("/document.xml") => {
                Some("a Word document (.docx)")
            }
            Some(m) if main_in("ppt/") || m.ends_with("/presentation.xml") => {
                Some("a PowerPoint presentation (.pptx)")
            }
            Some(_) if main_in("visio/") => Some("a Visio drawing (.vsdx)"),
            Some(m) if m.ends_with(".bin") => return Sniffed::Workbook(Container::Xlsb),
            Some(_) => return Sniffed::Workbook(Container::Xlsx),
            None if zip.has_prefix("xl/") => {
                let binary = zip
                    .names
                    .iter()
                    .any(|n| n.starts_with("xl/") && n.ends_with(".bin") && !n.contains("vba"));
                return Sniffed::Workbook(if binary {
                    Container::Xlsb
                } else {
                    Container::Xlsx
                });
            }
            None if zip.has_prefix("word/") => Some("a Word document (.docx)"),
            None if zip.has_prefix("ppt/") => Some("a PowerPoint presentation (.pptx)"),
            None => None,
        };
        let what = what.unwrap_or("an Office document package that contains no workbook");
        return not_a_workbook_zip(
            format!("the file is {what}, not a workbook{}", saved_as(&[])),
            ASK_FOR_WORKBOOK,
        );
    }

    // A zip of other files, perhaps with the workbook inside.
    const INNER: &[&str] = &[
        ".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".xltx", ".numbers",
    ];
    let inner: Vec<&str> = zip
        .names
        .iter()
        .zip(&zip.stored)
        .filter(|(n, _)| INNER.iter().any(|e| n.ends_with(e)))
        .map(|(_, stored)| stored.rsplit(['/', '\\']).next().unwrap_or(stored))
        .take(3)
        .collect();
    if !inner.is_empty() {
        return not_a_workbook_zip(
            format!(
                "the file is a zip archive holding other files ({}) instead of being a workbook \
                 itself{}",
                inner.join(", "),
                saved_as(&["zip"])
            ),
            "unzip it and check the workbook inside; if that does not work, ask the branch to \
             send the workbook itself",
        );
    }
    not_a_workbook_zip(
        format!(
            "the file is a zip archive that does not contain a workbook{}",
            saved_as(&["zip"])
        ),
        ASK_FOR_WORKBOOK,
    )
}

fn ods_or_encrypted(zip: &mut ZipView<'_>) -> Sniffed {
    let manifest = zip.read_lower("meta-inf/manifest.xml").unwrap_or_default();
    if manifest.contains("encryption-data") {
        return Sniffed::Unreadable(encrypted(Some(Container::Ods)));
    }
    Sniffed::Workbook(Container::Ods)
}

/// Attribute value `name="..."` (or single-quoted) inside one XML start tag.
fn attr<'s>(tag: &'s str, name: &str) -> Option<&'s str> {
    let mut rest = tag;
    loop {
        let i = rest.find(name)?;
        let before_ok = i == 0
            || rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace());
        let after = rest[i + name.len()..].trim_start();
        if before_ok {
            if let Some(after_eq) = after.strip_prefix('=') {
                let after_eq = after_eq.trim_start();
                let quote = after_eq.chars().next()?;
                if quote == '"' || quote == '\'' {
                    let value = &after_eq[1..];
                    let end = value.find(quote)?;
                    return Some(&value[..end]);
                }
            }
        }
        rest = &rest[i + name.len()..];
    }
}

/// XML start tags named `element` (lower-case text expected), as raw tag text.
fn tags<'s>(xml: &'s str, element: &'s str) -> impl Iterator<Item = &'s str> + 's {
    let open = format!("<{element}");
    let mut rest = xml;
    std::iter::from_fn(move || loop {
        let i = rest.find(&open)?;
        let after = &rest[i + open.len()..];
        let end = after.find('>').unwrap_or(after.len());
        let tag = &after[..end];
        rest = &after[end..];
        if tag.starts_with(|c: char| c.is_whitespace() || c == '/') || tag.is_empty() {
            return Some(tag);
        }
    })
}

/// Target of the officeDocument relationship in `_rels/.rels` (lower-case, no leading slash).
fn main_document_target(rels: &str) -> Option<String> {
    tags(rels, "relationship")
        .filter(|t| attr(t, "type").is_some_and(|ty| ty.ends_with("/officedocument")))
        .find_map(|t| attr(t, "target"))
        .map(|t| {
            t.trim_start_matches("./")
                .trim_start_matches('/')
                .to_string()
        })
}

/// Part name of the workbook in `[Content_Types].xml` (an `Override` with a workbook main
/// content type), lower-case without the leading slash.
fn main_part_from_content_types(ct: &str) -> Option<String> {
    const MAIN_TYPES: &[&str] = &[
        "spreadsheetml.sheet.main+xml",
        "spreadsheetml.template.main+xml",
        "ms-excel.sheet.macroenabled.main+xml",
        "ms-excel.template.macroenabled.main+xml",
        "ms-excel.addin.macroenabled.main+xml",
        "ms-excel.sheet.binary.macroenabled.main",
        "wordprocessingml.document.main+xml",
        "presentationml.presentation.main+xml",
    ];
    tags(ct, "override")
        .filter(|t| {
            attr(t, "contenttype").is_some_and(|c| MAIN_TYPES.iter().any(|m| c.contains(m)))
        })
        .find_map(|t| attr(t, "partname"))
        .map(|p| p.trim_start_matches('/').to_string())
}

/// Media type of the `/` entry of an ODF manifest.
fn manifest_root_media_type(manifest: &str) -> Option<String> {
    tags(manifest, "manifest:file-entry")
        .find(|t| attr(t, "manifest:full-path") == Some("/"))
        .and_then(|t| attr(t, "manifest:media-type"))
        .map(str::to_string)
}

/// Whether an XML part of the zip starts with a UTF-16 byte-order mark.
fn zip_has_utf16_part(bytes: &[u8]) -> bool {
    let Some(mut zip) = ZipView::open(bytes) else {
        return false;
    };
    let candidates: Vec<usize> = zip
        .names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.ends_with(".xml") || n.ends_with(".rels"))
        .map(|(i, _)| i)
        .take(200)
        .collect();
    candidates.into_iter().any(|i| {
        zip.archive.by_index(i).ok().is_some_and(|f| {
            let mut head = Vec::new();
            f.take(2).read_to_end(&mut head).is_ok() && (head == b"\xFF\xFE" || head == b"\xFE\xFF")
        })
    })
}

/// Whether an OOXML package's main document lives outside the `xl/` folder.
fn zip_main_part_outside_xl(bytes: &[u8]) -> bool {
    let Some(mut zip) = ZipView::open(bytes) else {
        return false;
    };
    zip.read_lower("_rels/.rels")
        .as_deref()
        .and_then(main_document_target)
        .is_some_and(|m| !m.starts_with("xl/"))
}

// ---------------------------------------------------------------------------------------------
// OLE compound files (CFB)
// ---------------------------------------------------------------------------------------------

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const MAXREGSECT: u32 = 0xFFFF_FFFA;

/// Why a compound file could not be walked.
#[derive(Debug)]
struct CfbBroken;

struct Cfb<'a> {
    data: &'a [u8],
    sector_size: usize,
    /// Number of sector ids that can hold data: ids `0..n_sectors`.
    n_sectors: usize,
    /// Sector ids of the FAT sectors, in order.
    fat_sectors: Vec<u32>,
    mini_cutoff: u64,
    mini_fat_start: u32,
    mini_fat_len: u32,
}

struct DirEntry {
    name: String,
    start: u32,
    size: u64,
}

impl<'a> Cfb<'a> {
    fn parse(data: &'a [u8]) -> Result<Self, CfbBroken> {
        let header = data.get(..512).ok_or(CfbBroken)?;
        let sector_size = match u16_at(header, 0x1E) {
            Some(9) => 512,
            Some(12) => 4096,
            _ => return Err(CfbBroken),
        };
        if u16_at(header, 0x20) != Some(6) || data.len() < sector_size {
            return Err(CfbBroken);
        }
        let n_sectors = (data.len() - sector_size).div_ceil(sector_size);
        let mut cfb = Cfb {
            data,
            sector_size,
            n_sectors,
            fat_sectors: Vec::new(),
            mini_cutoff: u32_at(header, 0x38).map_or(4096, u64::from),
            mini_fat_start: u32_at(header, 0x3C).ok_or(CfbBroken)?,
            mini_fat_len: u32_at(header, 0x40).ok_or(CfbBroken)?,
        };
        // DIFAT: 109 entries in the header, then a chain of DIFAT sectors whose last entry
        // points to the next one.
        let mut difat: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(header, 0x4C + 4 * i))
            .collect();
        let mut next = u32_at(header, 0x44).ok_or(CfbBroken)?;
        let mut seen = vec![false; n_sectors];
        while next < MAXREGSECT {
            let slot = seen.get_mut(next as usize).ok_or(CfbBroken)?;
            if *slot {
                return Err(CfbBroken);
            }
            *slot = true;
            let sector = cfb.sector(next)?;
            let per = sector.len() / 4;
            if per == 0 {
                return Err(CfbBroken);
            }
            difat.extend((0..per - 1).filter_map(|i| u32_at(sector, 4 * i)));
            next = u32_at(sector, 4 * (per - 1)).ok_or(CfbBroken)?;
        }
        cfb.fat_sectors = difat.into_iter().filter(|&s| s < MAXREGSECT).collect();
        Ok(cfb)
    }

    /// Bytes of sector `id` (the last sector of a file may be short).
    fn sector(&self, id: u32) -> Result<&'a [u8], CfbBroken> {
        let start = (id as usize)
            .checked_add(1)
            .and_then(|n| n.checked_mul(self.sector_size))
            .ok_or(CfbBroken)?;
        if start >= self.data.len() {
            return Err(CfbBroken);
        }
        let end = start.saturating_add(self.sector_size).min(self.data.len());
        self.data.get(start..end).ok_or(CfbBroken)
    }

    /// The FAT entry for sector `id`: the next sector in its chain.
    fn next(&self, id: u32) -> Result<u32, CfbBroken> {
        let per = self.sector_size / 4;
        let fat_sector = *self.fat_sectors.get(id as usize / per).ok_or(CfbBroken)?;
        let sector = self.sector(fat_sector)?;
        u32_at(sector, (id as usize % per) * 4).ok_or(CfbBroken)
    }

    /// Follow a chain of regular sectors from `start`, collecting at most `limit` bytes.
    /// A chain that loops or leaves the file is an error.
    fn chain(&self, start: u32, limit: usize) -> Result<Vec<u8>, CfbBroken> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.n_sectors];
        let mut id = start;
        while id != ENDOFCHAIN && out.len() < limit {
            let slot = seen.get_mut(id as usize).ok_or(CfbBroken)?;
            if *slot {
                return Err(CfbBroken);
            }
            *slot = true;
            out.extend_from_slice(self.sector(id)?);
            id = self.next(id)?;
        }
        out.truncate(limit);
        Ok(out)
    }

    fn directory(&self) -> Result<Vec<DirEntry>, CfbBroken> {
        let dir_start = u32_at(self.data, 0x30).ok_or(CfbBroken)?;
        let raw = self.chain(dir_start, usize::MAX)?;
        let entries: Vec<DirEntry> = raw
            .chunks_exact(128)
            .map(|e| {
                let name = decode_utf16(&e[..64], u16::from_le_bytes);
                let name = name.split('\0').next().unwrap_or("").to_string();
                let start = u32_at(e, 0x74).unwrap_or(ENDOFCHAIN);
                let size = if self.sector_size == 512 {
                    u32_at(e, 0x78).map_or(0, u64::from)
                } else {
                    u64_at(e, 0x78).unwrap_or(0)
                };
                DirEntry { name, start, size }
            })
            .collect();
        if entries.is_empty() {
            return Err(CfbBroken);
        }
        Ok(entries)
    }

    /// Checks the structures a reader loads when it opens the file (the root's mini stream and
    /// the mini FAT), so that a looping or oversized chain is caught here instead of making the
    /// reader run out of memory.
    fn check_mini_structures(&self, root: &DirEntry) -> Result<(), CfbBroken> {
        if self.mini_fat_len == 0 {
            return Ok(());
        }
        if root.size > self.data.len() as u64 {
            return Err(CfbBroken);
        }
        // The header's mini FAT length may overstate the chain (writers get it wrong); like
        // readers, stop at the end of the chain.
        let mini_fat_bytes = (self.mini_fat_len as usize).saturating_mul(self.sector_size);
        self.chain(root.start, root.size as usize)?;
        self.chain(self.mini_fat_start, mini_fat_bytes)?;
        Ok(())
    }

    /// The first `limit` bytes of a stream.
    fn stream_head(
        &self,
        entry: &DirEntry,
        root: &DirEntry,
        limit: usize,
    ) -> Result<Vec<u8>, CfbBroken> {
        let want = (entry.size.min(limit as u64)) as usize;
        if entry.size >= self.mini_cutoff {
            return self.chain(entry.start, want);
        }
        // Small streams live in the mini stream, in 64-byte mini sectors chained by the mini FAT.
        let mini_stream = self.chain(root.start, root.size.min(self.data.len() as u64) as usize)?;
        let mini_fat_bytes = (self.mini_fat_len as usize)
            .saturating_mul(self.sector_size)
            .min(self.data.len());
        let mini_fat = self.chain(self.mini_fat_start, mini_fat_bytes)?;
        let mut out = Vec::new();
        let mut seen = vec![false; mini_stream.len() / 64 + 1];
        let mut id = entry.start;
        while id != ENDOFCHAIN && out.len() < want {
            let slot = seen.get_mut(id as usize).ok_or(CfbBroken)?;
            if *slot {
                return Err(CfbBroken);
            }
            *slot = true;
            let start = (id as usize).checked_mul(64).ok_or(CfbBroken)?;
            let end = start.saturating_add(64).min(mini_stream.len());
            out.extend_from_slice(mini_stream.get(start..end).ok_or(CfbBroken)?);
            id = u32_at(&mini_fat, (id as usize).saturating_mul(4)).ok_or(CfbBroken)?;
        }
        out.truncate(want);
        Ok(out)
    }
}

fn sniff_cfb(bytes: &[u8], file_name: &str) -> Sniffed {
    let Ok(cfb) = Cfb::parse(bytes) else {
        return corrupt_cfb(file_name);
    };
    let Ok(entries) = cfb.directory() else {
        return corrupt_cfb(file_name);
    };
    let Some(root) = entries.first() else {
        return corrupt_cfb(file_name);
    };
    if cfb.check_mini_structures(root).is_err() {
        return corrupt_cfb(file_name);
    }
    let named = |n: &str| entries.iter().find(|e| e.name.eq_ignore_ascii_case(n));

    if named("EncryptedPackage").is_some() || named("EncryptionInfo").is_some() {
        return Sniffed::Unreadable(encrypted(None));
    }
    if let Some(book) = named("Workbook").or_else(|| named("Book")) {
        // A stream larger than the file cannot be real, and would make a reader allocate it.
        if book.size > bytes.len() as u64 {
            return corrupt_cfb(file_name);
        }
        if let Ok(head) = cfb.stream_head(book, root, 64 * 1024) {
            if biff_has_filepass(&head) {
                return Sniffed::Unreadable(encrypted(Some(Container::Xls)));
            }
        }
        return Sniffed::Workbook(Container::Xls);
    }

    let what = if named("WordDocument").is_some() {
        "a Word document (.doc)"
    } else if named("PowerPoint Document").is_some() {
        "a PowerPoint presentation (.ppt)"
    } else if entries
        .iter()
        .any(|e| e.name.to_ascii_lowercase().starts_with("__substg1.0_"))
    {
        return Sniffed::Unreadable(other_format(
            "an Outlook e-mail message (.msg)",
            file_name,
            &["msg"],
            "open the e-mail, save the attached workbook itself, and check that file",
        ));
    } else if named("VisioDocument").is_some() {
        "a Visio drawing (.vsd)"
    } else {
        "an old-style Office file (OLE compound file) that contains no workbook"
    };
    Sniffed::Unreadable(other_format(what, file_name, &[], ASK_FOR_WORKBOOK))
}

/// The `Workbook` (or `Book`) stream of an Excel 97–2003 file, read with the same bounded
/// compound-file walk as [`sniff`]; None when there is none or the structure is broken.
pub(crate) fn xls_workbook_stream(bytes: &[u8]) -> Option<Vec<u8>> {
    let cfb = Cfb::parse(bytes).ok()?;
    let entries = cfb.directory().ok()?;
    let root = entries.first()?;
    cfb.check_mini_structures(root).ok()?;
    let book = entries
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case("Workbook"))
        .or_else(|| entries.iter().find(|e| e.name.eq_ignore_ascii_case("Book")))?;
    if book.size > bytes.len() as u64 {
        return None;
    }
    cfb.stream_head(book, root, bytes.len()).ok()
}

/// Whether the workbook globals (from BOF to the first EOF) contain a FILEPASS record, which
/// means the workbook is encrypted.
fn biff_has_filepass(stream: &[u8]) -> bool {
    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    const FILEPASS: u16 = 0x002F;
    if u16_at(stream, 0) != Some(BOF) {
        return false;
    }
    let mut off = 0usize;
    for _ in 0..4096 {
        let (Some(rtype), Some(len)) = (u16_at(stream, off), u16_at(stream, off.saturating_add(2)))
        else {
            return false;
        };
        match rtype {
            FILEPASS => return true,
            EOF => return false,
            _ => {}
        }
        off = off.saturating_add(4 + len as usize);
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn kind(s: &Sniffed) -> Option<UnreadableKind> {
        match s {
            Sniffed::Unreadable(u) => Some(u.kind),
            Sniffed::Workbook(_) => None,
        }
    }

    fn reason(s: &Sniffed) -> String {
        match s {
            Sniffed::Unreadable(u) => u.reason.clone(),
            Sniffed::Workbook(c) => format!("workbook {c:?}"),
        }
    }

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

    const CT_XLSX: &[u8] = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
    const RELS_XLSX: &[u8] = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

    // --- a tiny CFB writer for tests -------------------------------------------------------

    struct TestStream<'a> {
        name: &'a str,
        data: Vec<u8>,
    }

    /// Builds a v3 (512-byte sector) compound file with the given root-level streams.
    /// Streams are stored in regular sectors (padded to 4096 bytes so the mini stream is unused).
    fn make_cfb(streams: &[TestStream<'_>]) -> Vec<u8> {
        const FREE: u32 = 0xFFFF_FFFF;
        const FATSECT: u32 = 0xFFFF_FFFD;
        let mut sectors: Vec<Vec<u8>> = Vec::new();
        let mut fat: Vec<u32> = Vec::new();
        // Stream data.
        let mut starts = Vec::new();
        for s in streams {
            let mut data = s.data.clone();
            if data.len() < 4096 {
                data.resize(4096, 0);
            }
            let first = sectors.len() as u32;
            starts.push((first, data.len() as u32));
            let chunks: Vec<&[u8]> = data.chunks(512).collect();
            let n = chunks.len();
            for (i, c) in chunks.into_iter().enumerate() {
                let mut sec = c.to_vec();
                sec.resize(512, 0);
                sectors.push(sec);
                fat.push(if i + 1 == n {
                    ENDOFCHAIN
                } else {
                    first + i as u32 + 1
                });
            }
        }
        // Directory: root + streams, 4 entries per sector.
        let mut dir = Vec::new();
        let mut entry = |name: &str, typ: u8, child: u32, right: u32, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u16> = name.encode_utf16().collect();
            for (i, u) in units.iter().enumerate() {
                e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[0x40..0x42].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
            e[0x42] = typ;
            e[0x44..0x48].copy_from_slice(&FREE.to_le_bytes());
            e[0x48..0x4C].copy_from_slice(&right.to_le_bytes());
            e[0x4C..0x50].copy_from_slice(&child.to_le_bytes());
            e[0x74..0x78].copy_from_slice(&start.to_le_bytes());
            e[0x78..0x7C].copy_from_slice(&size.to_le_bytes());
            dir.extend_from_slice(&e);
        };
        entry(
            "Root Entry",
            5,
            if streams.is_empty() { FREE } else { 1 },
            FREE,
            ENDOFCHAIN,
            0,
        );
        for (i, s) in streams.iter().enumerate() {
            let right = if i + 1 < streams.len() {
                i as u32 + 2
            } else {
                FREE
            };
            entry(s.name, 2, FREE, right, starts[i].0, starts[i].1);
        }
        while dir.len() % 512 != 0 {
            dir.extend_from_slice(&[0u8; 128]);
        }
        let dir_start = sectors.len() as u32;
        let dir_chunks: Vec<Vec<u8>> = dir.chunks(512).map(<[u8]>::to_vec).collect();
        let nd = dir_chunks.len();
        for (i, c) in dir_chunks.into_iter().enumerate() {
            sectors.push(c);
            fat.push(if i + 1 == nd {
                ENDOFCHAIN
            } else {
                dir_start + i as u32 + 1
            });
        }
        // FAT sectors (128 entries each), placed at the end.
        let mut n_fat = 1;
        while (sectors.len() + n_fat) > n_fat * 128 {
            n_fat += 1;
        }
        let fat_start = sectors.len() as u32;
        fat.extend(std::iter::repeat_n(FATSECT, n_fat));
        fat.resize(n_fat * 128, FREE);
        for c in fat.chunks(128) {
            let mut sec = Vec::with_capacity(512);
            for v in c {
                sec.extend_from_slice(&v.to_le_bytes());
            }
            sectors.push(sec);
        }
        // Header.
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(CFB_MAGIC);
        h[0x18..0x1A].copy_from_slice(&0x3Eu16.to_le_bytes());
        h[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes());
        h[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
        h[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
        h[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
        h[0x2C..0x30].copy_from_slice(&(n_fat as u32).to_le_bytes());
        h[0x30..0x34].copy_from_slice(&dir_start.to_le_bytes());
        h[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        h[0x3C..0x40].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        h[0x44..0x48].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            let v = if i < n_fat {
                fat_start + i as u32
            } else {
                FREE
            };
            h[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut out = h;
        for s in sectors {
            out.extend_from_slice(&s);
        }
        out
    }

    fn biff_record(rtype: u16, body: &[u8]) -> Vec<u8> {
        let mut r = rtype.to_le_bytes().to_vec();
        r.extend_from_slice(&(body.len() as u16).to_le_bytes());
        r.extend_from_slice(body);
        r
    }

    fn biff8_globals(encrypted: bool) -> Vec<u8> {
        let mut s = biff_record(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        if encrypted {
            s.extend(biff_record(0x002F, &[1, 0, 1, 0, 1, 0]));
        }
        s.extend(biff_record(0x0042, &[0xE4, 0x04]));
        s.extend(biff_record(0x000A, &[]));
        s
    }

    // --- tests -----------------------------------------------------------------------------

    #[test]
    fn empty_file() {
        let s = sniff(b"", "report.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::Empty));
        assert_eq!(reason(&s), "the file is empty (0 bytes)");
    }

    #[test]
    fn html_variants() {
        for (text, name) in [
            (
                "<!DOCTYPE html><html><body><table></table></body></html>",
                "a.xls",
            ),
            ("\u{FEFF}  \r\n<HTML><table>", "a.xls"),
            ("<table><tr><td>1</td></tr></table>", "a.xlsx"),
            (
                "<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"\nxmlns:x=\"urn:schemas-microsoft-com:office:excel\">",
                "a.xls",
            ),
            ("<!-- saved --><html>", "a.xls"),
        ] {
            let s = sniff(text.as_bytes(), name);
            assert_eq!(kind(&s), Some(UnreadableKind::Html), "{text}");
        }
        let s = sniff(b"<html><body></body></html>", "stats.xls");
        assert!(
            reason(&s).contains("saved with an .xls name"),
            "{}",
            reason(&s)
        );
        let s = sniff(b"<html><body></body></html>", "page.htm");
        assert!(!reason(&s).contains("saved with"), "{}", reason(&s));
        // UTF-16 LE with BOM.
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "<html><body>x</body></html>".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(kind(&sniff(&utf16, "a.xls")), Some(UnreadableKind::Html));
        // MHTML ("Single File Web Page").
        let mht = b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary=\"----=_NextPart\"\r\n\r\n";
        assert_eq!(kind(&sniff(mht, "a.xls")), Some(UnreadableKind::Html));
    }

    #[test]
    fn xml_formats() {
        let ssml = br#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>"#;
        let s = sniff(ssml, "data.xls");
        assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat));
        assert!(reason(&s).contains("SpreadsheetML"));

        let fods = br#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"></office:document>"#;
        let s = sniff(fods, "data.ods");
        assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat));
        assert!(reason(&s).contains("flat OpenDocument spreadsheet"));

        let s = sniff(b"<?xml version=\"1.0\"?><data><row/></data>", "x.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat));
        assert!(reason(&s).contains("XML data file"));
    }

    #[test]
    fn binary_formats() {
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&100u32.to_le_bytes());
        bmp.extend_from_slice(&0u32.to_le_bytes());
        bmp.extend_from_slice(&54u32.to_le_bytes());
        bmp.extend_from_slice(&40u32.to_le_bytes());
        bmp.resize(100, 0);
        let mut access = vec![0, 1, 0, 0];
        access.extend_from_slice(b"Standard Jet DB\0");
        access.resize(200, 0);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(), "PDF"),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), "PNG"),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec(), "JPEG"),
            (b"GIF89a\x01\0\x01\0\0\0\0".to_vec(), "GIF"),
            (bmp, "BMP"),
            (access, "Access"),
        ];
        for (bytes, word) in cases {
            let s = sniff(&bytes, "t.xls");
            assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat), "{word}");
            assert!(reason(&s).contains(word), "{}", reason(&s));
        }
        // "BM" alone (e.g. text starting with BM) is not a BMP.
        let s = sniff(b"BMW,Audi\n1,2\n", "cars.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::Text));
    }

    #[test]
    fn raw_biff_streams() {
        for (bof, word) in [
            (0x0009u16, "Excel 2.x"),
            (0x0209, "Excel 3.0"),
            (0x0409, "Excel 4.0"),
        ] {
            let mut b = biff_record(bof, &[0, 0, 0x10, 0, 0, 0]);
            b.extend(biff_record(0x000A, &[]));
            let s = sniff(&b, "old.XLS");
            assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat), "{word}");
            assert!(reason(&s).contains(word), "{}", reason(&s));
        }
        let s = sniff(&biff8_globals(false), "bare.xls");
        assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat));
    }

    #[test]
    fn text_and_csv() {
        let s = sniff(
            b"region,votes,share\nNorth,120,0.4\nSouth,180,0.6\n",
            "r.xlsx",
        );
        assert_eq!(kind(&s), Some(UnreadableKind::Text));
        assert!(reason(&s).contains("comma-separated"), "{}", reason(&s));
        assert!(
            reason(&s).contains("saved with an .xlsx name"),
            "{}",
            reason(&s)
        );
        let s = sniff("Région;Stimmen\nNord;120\nSüd;180\n".as_bytes(), "r.xls");
        assert!(reason(&s).contains("semicolon"), "{}", reason(&s));
        // Latin-1 bytes (not UTF-8).
        let s = sniff(b"R\xE9gion\tVotes\nNord\t120\nSud\t180\n", "r.xls");
        assert!(reason(&s).contains("tab"), "{}", reason(&s));
        let s = sniff(
            b"Attachment f:\\reports\\march.xls was removed\r\n",
            "march.xls",
        );
        assert_eq!(kind(&s), Some(UnreadableKind::Text));
        assert!(reason(&s).starts_with("the file is plain text"));
        // Binary junk is not text.
        let junk: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8).collect();
        let s = sniff(&junk, "x.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat));
        assert!(reason(&s).contains("not a spreadsheet file crossfoot recognises"));
    }

    #[test]
    fn zip_workbooks() {
        let xlsx = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("_rels/.rels", RELS_XLSX),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert_eq!(sniff(&xlsx, "a.xlsx"), Sniffed::Workbook(Container::Xlsx));
        // By content, not by extension.
        assert_eq!(sniff(&xlsx, "a.ods"), Sniffed::Workbook(Container::Xlsx));

        let xlsb = make_zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.bin", b"\x83\x01\0"),
        ]);
        assert_eq!(sniff(&xlsb, "a.xlsx"), Sniffed::Workbook(Container::Xlsb));

        let ods = make_zip(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ]);
        assert_eq!(sniff(&ods, "a.ods"), Sniffed::Workbook(Container::Ods));

        let ods_nomime = make_zip(&[
            ("content.xml", b"<office:document-content/>"),
            (
                "META-INF/manifest.xml",
                br#"<manifest:manifest><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#,
            ),
        ]);
        assert_eq!(
            sniff(&ods_nomime, "a.ods"),
            Sniffed::Workbook(Container::Ods)
        );

        let ods_enc = make_zip(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b"\x01\x02\x03"),
            (
                "META-INF/manifest.xml",
                br#"<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>"#,
            ),
        ]);
        assert_eq!(
            kind(&sniff(&ods_enc, "a.ods")),
            Some(UnreadableKind::Encrypted)
        );
    }

    #[test]
    fn zip_non_workbooks() {
        let numbers = make_zip(&[
            ("Index/Document.iwa", b"\0\0"),
            ("Metadata/Properties.plist", b""),
        ]);
        let s = sniff(&numbers, "a.numbers");
        assert_eq!(kind(&s), Some(UnreadableKind::NotAWorkbookZip));
        assert!(reason(&s).contains("Numbers"));

        let sxc = make_zip(&[
            ("mimetype", b"application/vnd.sun.xml.calc"),
            ("content.xml", b"<x/>"),
            ("META-INF/manifest.xml", b"<x/>"),
        ]);
        let s = sniff(&sxc, "a.sxc");
        assert_eq!(kind(&s), Some(UnreadableKind::NotAWorkbookZip));
        assert!(reason(&s).contains(".sxc"));

        let docx = make_zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            (
                "_rels/.rels",
                br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
            ),
            ("word/document.xml", b"<w:document/>"),
        ]);
        let s = sniff(&docx, "a.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::NotAWorkbookZip));
        assert!(reason(&s).contains("a Word document"), "{}", reason(&s));

        let pptx = make_zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("ppt/presentation.xml", b"<p/>"),
        ]);
        assert!(reason(&sniff(&pptx, "a.xlsx")).contains("PowerPoint"));

        let other = make_zip(&[("notes.txt", b"hello")]);
        assert_eq!(
            kind(&sniff(&other, "a.xlsx")),
            Some(UnreadableKind::NotAWorkbookZip)
        );

        let wrapped = make_zip(&[("March/Report.xlsx", b"PK")]);
        let s = sniff(&wrapped, "report.zip");
        assert!(reason(&s).contains("Report.xlsx"), "{}", reason(&s));
        assert!(!reason(&s).contains("saved with"), "{}", reason(&s));

        let dirs_only = make_zip(&[("xl_backup/", b"")]);
        assert!(reason(&sniff(&dirs_only, "a.xlsx")).contains("empty zip"));

        let empty = make_zip(&[]);
        assert_eq!(empty.len(), 22);
        let s = sniff(&empty, "a.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::NotAWorkbookZip));
        assert_eq!(
            reason(&s),
            "the file is an empty zip archive with no workbook inside, saved with an .xlsx name"
        );
    }

    #[test]
    fn truncated_zip() {
        let xlsx = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("_rels/.rels", RELS_XLSX),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        for cut in [xlsx.len() / 2, xlsx.len() - 10, 30, 4] {
            let s = sniff(&xlsx[..cut], "a.xlsx");
            assert_eq!(kind(&s), Some(UnreadableKind::Truncated), "cut at {cut}");
        }
        // Damaged central directory offset.
        let mut bad = xlsx.clone();
        let n = bad.len();
        bad[n - 6..n - 2].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
        assert_eq!(
            kind(&sniff(&bad, "a.xlsx")),
            Some(UnreadableKind::Truncated)
        );
    }

    #[test]
    fn cfb_workbooks_and_encryption() {
        let xls = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(false),
        }]);
        assert_eq!(sniff(&xls, "a.xls"), Sniffed::Workbook(Container::Xls));
        let book = make_cfb(&[TestStream {
            name: "BOOK",
            data: biff8_globals(false),
        }]);
        assert_eq!(sniff(&book, "a.xls"), Sniffed::Workbook(Container::Xls));

        let xls_pw = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(true),
        }]);
        let s = sniff(&xls_pw, "a.xls");
        assert_eq!(kind(&s), Some(UnreadableKind::Encrypted));
        assert!(reason(&s).contains(".xls"));

        let ooxml_pw = make_cfb(&[
            TestStream {
                name: "EncryptionInfo",
                data: vec![4, 0, 4, 0, 0x40, 0, 0, 0],
            },
            TestStream {
                name: "EncryptedPackage",
                data: vec![0; 100],
            },
        ]);
        let s = sniff(&ooxml_pw, "a.xlsx");
        assert_eq!(kind(&s), Some(UnreadableKind::Encrypted));
        match s {
            Sniffed::Unreadable(u) => assert!(u.hint.contains("Encrypt with Password")),
            Sniffed::Workbook(_) => unreachable!(),
        }

        let doc = make_cfb(&[TestStream {
            name: "WordDocument",
            data: vec![0; 10],
        }]);
        let s = sniff(&doc, "a.xls");
        assert_eq!(kind(&s), Some(UnreadableKind::OtherFormat));
        assert!(reason(&s).contains("Word"));
    }

    #[test]
    fn cfb_small_stream_in_mini_stream() {
        // Hand-build: Workbook stream of 100 bytes in the mini stream.
        let mut xls = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(true),
        }]);
        // Turn the stream into a mini stream: root entry points to the stream's sectors as the
        // mini stream; mini FAT in a new sector appended at the end of the file.
        let dir_start = u32_at(&xls, 0x30).unwrap() as usize;
        let dir_off = (dir_start + 1) * 512;
        let stream_start = u32_at(&xls, dir_off + 128 + 0x74).unwrap();
        // Root: start = stream's first sector, size = 4096.
        xls[dir_off + 0x74..dir_off + 0x78].copy_from_slice(&stream_start.to_le_bytes());
        xls[dir_off + 0x78..dir_off + 0x7C].copy_from_slice(&4096u32.to_le_bytes());
        // Stream: mini sector 0, size 100.
        let e = dir_off + 128;
        xls[e + 0x74..e + 0x78].copy_from_slice(&0u32.to_le_bytes());
        xls[e + 0x78..e + 0x7C].copy_from_slice(&100u32.to_le_bytes());
        // Mini FAT sector: 0 -> 1 -> END.
        let mini_fat_sector = (xls.len() / 512 - 1) as u32;
        let mut mf = Vec::new();
        mf.extend_from_slice(&1u32.to_le_bytes());
        mf.extend_from_slice(&ENDOFCHAIN.to_le_bytes());
        mf.resize(512, 0xFF);
        xls.extend_from_slice(&mf);
        // FAT entry for the new sector: END (FAT is the last sector before it).
        let fat_sector = u32_at(&xls, 0x4C).unwrap() as usize;
        let fat_off = (fat_sector + 1) * 512 + 4 * mini_fat_sector as usize;
        xls[fat_off..fat_off + 4].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        xls[0x3C..0x40].copy_from_slice(&mini_fat_sector.to_le_bytes());
        xls[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
        let s = sniff(&xls, "a.xls");
        assert_eq!(kind(&s), Some(UnreadableKind::Encrypted), "{}", reason(&s));
    }

    #[test]
    fn cfb_loops_and_bad_sectors_are_corrupt() {
        let xls = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(false),
        }]);
        let dir_start = u32_at(&xls, 0x30).unwrap();
        let fat_sector = u32_at(&xls, 0x4C).unwrap() as usize;
        // Directory chain loops onto itself.
        let mut looped = xls.clone();
        let off = (fat_sector + 1) * 512 + 4 * dir_start as usize;
        looped[off..off + 4].copy_from_slice(&dir_start.to_le_bytes());
        assert_eq!(
            kind(&sniff(&looped, "a.xls")),
            Some(UnreadableKind::Corrupt)
        );
        // Directory starts beyond the end of the file.
        let mut far = xls.clone();
        far[0x30..0x34].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        assert_eq!(kind(&sniff(&far, "a.xls")), Some(UnreadableKind::Corrupt));
        // Bad sector shift.
        let mut shift = xls.clone();
        shift[0x1E] = 0x4B;
        assert_eq!(kind(&sniff(&shift, "a.xls")), Some(UnreadableKind::Corrupt));
        // Header only.
        assert_eq!(
            kind(&sniff(&xls[..300], "a.xls")),
            Some(UnreadableKind::Corrupt)
        );
        // Stream claiming to be larger than the file.
        let mut big = xls.clone();
        let e = (dir_start as usize + 1) * 512 + 128;
        big[e + 0x78..e + 0x7C].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        assert_eq!(kind(&sniff(&big, "a.xls")), Some(UnreadableKind::Corrupt));
        // Looping DIFAT chain.
        let mut difat = xls.clone();
        difat[0x44..0x48].copy_from_slice(&0u32.to_le_bytes());
        let s = sniff(&difat, "a.xls");
        assert!(kind(&s).is_none() || kind(&s) == Some(UnreadableKind::Corrupt));
    }

    #[test]
    fn small_entries_read_with_the_reused_inflater_as_the_zip_reader_reads_them() {
        let mut seed = 0x9E37_79B9u32;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let noise: Vec<u8> = (0..3000).map(|_| rnd() as u8).collect();
        let big = vec![b'a'; ZIP_ENTRY_LIMIT as usize + 10];
        let xlsx = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("_rels/.rels", RELS_XLSX),
            ("empty", b""),
            ("noise", &noise),
            ("big", &big),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        /// An entry as read whole (`None`: not taken), and as zip reads it.
        type BothWays = (Option<Vec<u8>>, Option<Vec<u8>>, bool);
        let fast_and_zip = |bytes: &[u8]| -> Vec<BothWays> {
            let Some(mut zip) = ZipView::open(bytes) else {
                return vec![];
            };
            (0..zip.names.len())
                .map(|i| {
                    let fast = zip.read_small_deflated(i);
                    let either = zip.read_index(i);
                    let by_zip = zip.read_index_by_zip(i);
                    assert_eq!(either, by_zip, "entry {i}");
                    (fast.clone(), by_zip, fast.is_some())
                })
                .collect()
        };
        // Every entry of the whole archive: the small deflated ones take the new way, the
        // entry past the limit does not; both ways give the same bytes.
        let whole = fast_and_zip(&xlsx);
        assert_eq!(whole.len(), 6);
        for (fast, by_zip, taken) in &whole {
            if *taken {
                assert_eq!(fast, by_zip);
            }
        }
        assert!(whole[1].2 && whole[3].2, "small deflated entries inflated");
        assert!(
            !whole[4].2,
            "an entry past the limit goes the zip crate's way"
        );
        assert_eq!(whole[1].1.as_deref(), Some(RELS_XLSX));
        // Damaged copies (checksums, sizes, compressed bytes, headers): whatever the new way
        // gives is what the zip crate's reader gives (compared inside `fast_and_zip`).
        let mut taken_damaged = 0;
        for _ in 0..3000 {
            let mut b = xlsx.clone();
            for _ in 0..(rnd() % 3 + 1) {
                let i = rnd() as usize % b.len();
                b[i] = rnd() as u8;
            }
            taken_damaged += fast_and_zip(&b).iter().filter(|e| e.2).count();
        }
        assert!(taken_damaged > 0);
    }

    #[test]
    fn the_review_mark_is_looked_for_only_where_its_part_is_named() {
        let custom = format!(
            "<Properties><property fmtid=\"x\" pid=\"2\" name=\"{MARK_PROPERTY}\">\
             <vt:lpwstr>{REVIEW_MARK}</vt:lpwstr></property></Properties>"
        );
        let marked = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("docProps/CUSTOM.Xml", custom.as_bytes()),
        ]);
        assert!(may_name_custom_xml(&marked));
        assert_eq!(crossfoot_output(&marked).as_deref(), Some(REVIEW_MARK));
        let plain = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("docProps/custom.xmk", custom.as_bytes()),
        ]);
        assert!(!may_name_custom_xml(&plain));
        assert_eq!(crossfoot_output(&plain), None);
        assert!(may_name_custom_xml(b"custom.XML"));
        assert!(!may_name_custom_xml(b"ustom.xml"));
        assert!(!may_name_custom_xml(b"custom.xm"));
    }

    #[test]
    fn never_panics_on_mutations() {
        let xls = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(true),
        }]);
        let xlsx = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("_rels/.rels", RELS_XLSX),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        let mut seed = 0x1234_5678u32;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for base in [&xls, &xlsx] {
            for _ in 0..2000 {
                let mut b = base.clone();
                for _ in 0..(rnd() % 8 + 1) {
                    let i = rnd() as usize % b.len();
                    b[i] = rnd() as u8;
                }
                if rnd() % 4 == 0 {
                    b.truncate(rnd() as usize % b.len());
                }
                let _ = sniff(&b, "fuzz.xls");
                let _ = explain_read_error(&b, "fuzz.xls", "Xml error: workbook");
            }
        }
        for n in 0..64 {
            let _ = sniff(&xls[..n], "x");
            let _ = sniff(&xlsx[..n], "x");
        }
    }

    #[test]
    fn explain_errors() {
        let xlsx = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("_rels/.rels", RELS_XLSX),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        let u = explain_read_error(&xlsx, "a.xlsx", "Workbook is password protected");
        assert_eq!(u.kind, UnreadableKind::Encrypted);

        let biff4 = {
            let mut b = biff_record(0x0409, &[0, 0, 0x10, 0, 0, 0]);
            b.extend(biff_record(0x000A, &[]));
            b
        };
        let u = explain_read_error(
            &biff4,
            "old.xls",
            "Xls error: Cfb error: Invalid OLE (signature \\x09\\x04 invalid, not an office document?)",
        );
        assert_eq!(u.kind, UnreadableKind::OtherFormat);
        assert!(u.reason.contains("Excel 4.0"), "{}", u.reason);

        let u = explain_read_error(
            &xlsx,
            "a.xlsm",
            "Xlsx error: Unrecognized sheet:type: xl/macrosheets/sheet1.xml",
        );
        assert_eq!(u.kind, UnreadableKind::OtherFormat);
        assert!(u.reason.contains("macro sheet"));

        let xls = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(false),
        }]);
        let u = explain_read_error(
            &xls,
            "a.xls",
            "Xls error: Cfb error: Codepage 272D not found",
        );
        assert_eq!(u.kind, UnreadableKind::Corrupt);
        assert!(u.reason.contains("code page"));

        // Misleading codepage error on an encrypted xls: the bytes win.
        let xls_pw = make_cfb(&[TestStream {
            name: "Workbook",
            data: biff8_globals(true),
        }]);
        let u = explain_read_error(
            &xls_pw,
            "a.xls",
            "Xls error: Cfb error: Codepage D7CC not found",
        );
        assert_eq!(u.kind, UnreadableKind::Encrypted);

        let mut utf16 = vec![0xFF, 0xFE];
        for u in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><workbook/>".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let utf16_xlsx = make_zip(&[
            ("[Content_Types].xml", CT_XLSX),
            ("_rels/.rels", RELS_XLSX),
            ("xl/workbook.xml", &utf16),
        ]);
        let u = explain_read_error(&utf16_xlsx, "a.xlsx", "Xlsx error: Xml error: workbook");
        assert_eq!(u.kind, UnreadableKind::Corrupt);
        assert!(u.reason.contains("UTF-16"));

        let u = explain_read_error(&xlsx, "a.xlsx", "Xlsx error: Relationship not found");
        assert_eq!(u.kind, UnreadableKind::Corrupt);
        assert_eq!(
            u.reason,
            "the workbook is damaged: Xlsx error: Relationship not found"
        );
        assert!(u.hint.starts_with("open it in a spreadsheet program"));

        // CSV text, whatever the reader said.
        let u = explain_read_error(b"a,b\n1,2\n", "a.xlsx", "Cannot detect file format");
        assert_eq!(u.kind, UnreadableKind::Text);
    }

    #[test]
    fn extension_wording() {
        assert_eq!(ext_of("dir.v2/report.XLSX").as_deref(), Some("xlsx"));
        assert_eq!(ext_of("C:\\a\\b"), None);
        assert_eq!(ext_of(".hidden"), None);
        assert_eq!(ext_with_article("xls"), "an .xls");
        assert_eq!(ext_with_article("csv"), "a .csv");
        assert_eq!(misnamed("a.csv", &["csv"]), "");
        assert_eq!(misnamed("a", &["csv"]), "");
    }

    // --- the real-world corpus -------------------------------------------------------------

    #[test]
    #[allow(clippy::print_stdout)] // the corpus report is the point of this test
    fn real_world_corpus() {
        // shared/ sits beside the repository (locally and in CI); /work/shared as a fallback.
        let candidates = [
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-world"),
            std::path::PathBuf::from("/work/shared/corpus/real-world"),
        ];
        let Some(dir) = candidates.iter().find(|d| d.join("EXPECT.tsv").is_file()) else {
            println!("real-world corpus not found; skipping");
            return;
        };
        let Ok(expect) = std::fs::read_to_string(dir.join("EXPECT.tsv")) else {
            println!("cannot read {}; skipping", dir.display());
            return;
        };
        let mut counts: std::collections::BTreeMap<(String, String), usize> =
            std::collections::BTreeMap::new();
        let mut failures = Vec::new();
        let mut xls_unflagged = 0;
        for line in expect.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 3 {
                continue;
            }
            let (file, expect) = (cols[0], cols[2]);
            let Ok(bytes) = std::fs::read(dir.join(file)) else {
                failures.push(format!("missing file {file}"));
                continue;
            };
            let s = sniff(&bytes, file);
            let label = match &s {
                Sniffed::Workbook(c) => format!("workbook:{c:?}"),
                Sniffed::Unreadable(u) => format!("{:?}", u.kind),
            };
            println!("{file}\t{expect}\t{label}\t{}", reason(&s));
            *counts
                .entry((expect.to_string(), label.clone()))
                .or_default() += 1;
            match (expect, &s) {
                ("readable", Sniffed::Unreadable(_)) => failures.push(format!(
                    "readable file classified unreadable: {file}: {}",
                    reason(&s)
                )),
                ("encrypted", Sniffed::Workbook(Container::Xls)) => xls_unflagged += 1,
                ("encrypted", s) if kind(s) != Some(UnreadableKind::Encrypted) => {
                    failures.push(format!("encrypted file not flagged: {file}: {}", reason(s)))
                }
                _ => {}
            }
        }
        println!("\n{:<10} {:<22} count", "expect", "sniffed");
        for ((e, l), n) in &counts {
            println!("{e:<10} {l:<22} {n}");
        }
        println!("encrypted xls left as Workbook(Xls): {xls_unflagged}");
        for f in &failures {
            println!("FAIL {f}");
        }
        assert!(failures.is_empty(), "{} corpus mismatches", failures.len());
    }
}
