//! Why a file cannot be read: the [`UnreadableKind`] and the sentence that says it. The reader
//! ([`crate::read::sniff`], [`crate::read::load`]) and the callers that read files set it; the
//! registry words it in each language and every output shows it.
//!
//! Why this is on the ground floor: the results ([`crate::result`]) and the registry
//! ([`crate::registry`]) carry and word it without importing the reading stage.

/// A file crossfoot cannot read, explained for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub kind: UnreadableKind,
    /// One English sentence a person understands: what the file is.
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}

/// Broad class of an unreadable file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnreadableKind {
    /// 0 bytes.
    Empty,
    /// A web page (HTML or MHTML), e.g. Excel's "Save as Web Page" saved with an `.xls` name.
    Html,
    /// CSV or plain text.
    Text,
    /// Password-protected (encrypted) workbook.
    Encrypted,
    /// A zip without workbook parts, or an unsupported zip-based format (Numbers, `.sxc`, `.docx`).
    NotAWorkbookZip,
    /// A zip without its central directory: a cut-off download.
    Truncated,
    /// PDF, image, Access database, SpreadsheetML XML, flat ODS, raw BIFF2-4 stream, ...
    OtherFormat,
    /// Damaged file.
    Corrupt,
    /// The file could not be opened at all (no such file, permission denied). Never returned
    /// by [`sniff`](crate::read::sniff::sniff) or [`explain_read_error`](crate::read::sniff::explain_read_error); set by callers that read files.
    Missing,
    /// Larger than the caller's limits (file size, cells). Never returned by [`sniff`](crate::read::sniff::sniff) or
    /// [`explain_read_error`](crate::read::sniff::explain_read_error); set by callers that enforce limits.
    TooLarge,
    /// crossfoot itself failed on the file (a bug, contained). Set by the checker.
    Internal,
    /// Not a regular file (a named pipe, a device, a socket, a symbolic link not followed, a
    /// folder not walked). Set by callers that collect files.
    NotRegular,
    /// Readable, but holding cells the reader would leave out (`.xlsb` short cell records):
    /// checked, it would pass or fail on figures that are not there. Set by the loader.
    Unsupported,
}
