//! Findings: what crossfoot found wrong in a workbook. Plain data, serialisable, sortable.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A cell a finding names, as it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CellLoc {
    /// The file, for a cell of another workbook than the finding's (a branch workbook named by
    /// a finding on the district summary); absent for the finding's own file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub sheet: String,
    pub cell: String,
    /// What the sheet calls the cell: its row's label as written (a record's label, a single
    /// cell's label), followed by its column's heading when another cell the finding names has
    /// the same row label (`Nam — Tỷ lệ (%)` beside `Nam — Số lượng`); absent for a cell that
    /// is no located figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What the cell is to the check that read it.
    #[serde(skip)]
    pub role: Role,
}

impl CellLoc {
    /// A cell with no label and no role said.
    pub fn new(file: Option<String>, sheet: String, cell: String) -> CellLoc {
        CellLoc {
            file,
            sheet,
            cell,
            label: None,
            role: Role::Read,
        }
    }

    /// Whether `self` and `other` name the same cell (whatever their label and role).
    pub fn same_cell(&self, other: &CellLoc) -> bool {
        self.file == other.file && self.sheet == other.sheet && self.cell == other.cell
    }
}

/// What a cell is to the check that read it: the comparison's left side is the figure found,
/// its right side the figure expected.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Role {
    /// Not said: the finding is about the cell itself, or the check is a condition.
    #[default]
    Read,
    /// The figure found: the left side is this one cell.
    Found,
    /// One of the figures the found value is computed from (a sum's term).
    PartOfFound,
    /// The figure expected: the right side is this one cell.
    Expected,
    /// One of the figures the expected value is computed from.
    PartOfExpected,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub file: String,
    /// The sheet the finding is about; None for a finding about the whole workbook.
    pub sheet: Option<String>,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// Every cell the check read, the most suspect first.
    pub cells: Vec<CellLoc>,
    pub expected: Option<f64>,
    pub actual: Option<f64>,
    pub difference: Option<f64>,
    /// Where the sheet stands in the workbook, and the first cell's position: for sorting.
    #[serde(skip)]
    pub order: (usize, u32, u32),
    /// Decimals to show `expected`, `actual` and `difference` with.
    #[serde(skip)]
    pub decimals: Option<u8>,
}

impl Finding {
    /// The deterministic order of findings within a file: sheet order, then position, then rule.
    pub fn sort_key(&self) -> (&str, (usize, u32, u32), &str, &str) {
        (&self.file, self.order, &self.rule, &self.message)
    }
}

/// Why a file that was read is passed over (its words: [`crate::messages::skip_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// One of crossfoot's own review workbooks (`-o`), found among the inputs of a later run.
    OwnReview,
    /// The same file as another input (as shown), given or found under another name (a hard
    /// link): read once, under that name.
    SameFile(String),
}

impl Skip {
    /// The stable code of the JSON report's `reason`.
    pub fn code(&self) -> &'static str {
        match self {
            Skip::OwnReview => "crossfoot-review",
            Skip::SameFile(_) => "same-file",
        }
    }
}

/// Broad class of an unreadable file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// by `sniff` or `explain_read_error`; set by callers that read files.
    Missing,
    /// Larger than the caller's limits (file size, cells). Never returned by `sniff` or
    /// `explain_read_error`; set by callers that enforce limits.
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
