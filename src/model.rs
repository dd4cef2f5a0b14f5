//! The workbook as crossfoot sees it, independent of the file format it came from.
//!
//! Every later stage (locate, evaluate, report, annotate) works on these types, never on
//! calamine's, so that a reader in a worker process, a test or a fuzzer can produce them.
//! Cell positions are absolute (row 0 / column 0 is A1), whatever range calamine returned.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// An absolute, zero-based cell position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub fn new(row: u32, col: u32) -> Self {
        CellRef { row, col }
    }

    /// Parses `C14`, `$C$14` or `c14`. None when it is not an A1 address.
    pub fn parse_a1(text: &str) -> Option<CellRef> {
        let t = text.trim();
        let bytes = t.as_bytes();
        let mut i = 0;
        if bytes.get(i) == Some(&b'$') {
            i += 1;
        }
        let col_start = i;
        let mut col: u64 = 0;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            col = col * 26 + u64::from(bytes[i].to_ascii_uppercase() - b'A' + 1);
            if col > 16_384 {
                return None;
            }
            i += 1;
        }
        if i == col_start {
            return None;
        }
        if bytes.get(i) == Some(&b'$') {
            i += 1;
        }
        let digits = &t[i..];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 7 {
            return None;
        }
        let row: u32 = digits.parse().ok()?;
        if row == 0 || row > 1_048_576 {
            return None;
        }
        Some(CellRef::new(row - 1, (col - 1) as u32))
    }

    /// The column letters of a zero-based column index (0 → A, 26 → AA).
    pub fn col_name(col: u32) -> String {
        let mut n = u64::from(col) + 1;
        let mut out = Vec::new();
        while n > 0 {
            let rem = ((n - 1) % 26) as u8;
            out.push(b'A' + rem);
            n = (n - 1) / 26;
        }
        out.reverse();
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            CellRef::col_name(self.col),
            u64::from(self.row) + 1
        )
    }
}

/// A cell's value as stored in the file (for a formula: its cached result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    /// An error value such as `#DIV/0!`.
    Error(String),
    /// A date or time (kept as text as the reader rendered it).
    Date(String),
}

/// What the cell's number format says about how a number is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NumFmt {
    /// The format multiplies by 100 and shows a `%` sign (0.5397 shows as 53.97 %).
    pub percent: bool,
    /// Decimals the format shows, when the format fixes them (`0.00` → 2); None for General.
    pub decimals: Option<u8>,
}

impl NumFmt {
    /// Reads an Excel number format code (`0.00%`, `#,##0`, `General`, `0.0_);(0.0)`).
    pub fn from_code(code: &str) -> NumFmt {
        // Only the first section (positive numbers) matters for what we read.
        let mut section = String::new();
        let mut in_quote = false;
        let mut chars = code.chars().peekable();
        let mut percent = false;
        while let Some(c) = chars.next() {
            match c {
                '"' => in_quote = !in_quote,
                _ if in_quote => {}
                '\\' | '_' | '*' => {
                    chars.next();
                }
                '[' => {
                    // colour or condition: skip to ']'
                    for c2 in chars.by_ref() {
                        if c2 == ']' {
                            break;
                        }
                    }
                }
                ';' => break,
                '%' => percent = true,
                _ => section.push(c),
            }
        }
        let lower = section.to_ascii_lowercase();
        if lower.trim() == "general" || lower.trim().is_empty() && !percent {
            return NumFmt {
                percent,
                decimals: None,
            };
        }
        let has_digit_placeholder = section.contains(['0', '#', '?']);
        if !has_digit_placeholder {
            return NumFmt {
                percent,
                decimals: None,
            };
        }
        let decimals = match section.find('.') {
            Some(pos) => section[pos + 1..]
                .chars()
                .take_while(|c| matches!(c, '0' | '#' | '?' | ','))
                .filter(|c| matches!(c, '0' | '#' | '?'))
                .count() as u8,
            None => 0,
        };
        NumFmt {
            percent,
            decimals: Some(decimals),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub value: Value,
    /// The formula text without the leading `=`, when the cell holds one.
    pub formula: Option<String>,
    pub fmt: NumFmt,
}

impl Cell {
    pub fn value(value: Value) -> Cell {
        Cell {
            value,
            formula: None,
            fmt: NumFmt::default(),
        }
    }

    /// The cell's text, when it holds text.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// What the cell shows, roughly, for messages and label matching.
    pub fn display(&self) -> String {
        match &self.value {
            Value::Empty => String::new(),
            Value::Number(n) => crate::text::format_plain(*n),
            Value::Text(t) => t.clone(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Value::Error(e) => e.clone(),
            Value::Date(d) => d.clone(),
        }
    }
}

/// A merged range, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    pub first: CellRef,
    pub last: CellRef,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sheet {
    pub name: String,
    /// Non-empty cells (and formula cells), by position, row-major.
    #[serde(with = "cells_as_list")]
    pub cells: BTreeMap<CellRef, Cell>,
    pub merges: Vec<Merge>,
    /// The text cells that stand out by their style: bold, or indented by their alignment
    /// (read for .xlsx only; empty for other formats). A side map, so that a `Cell` stays its
    /// value and number format.
    #[serde(default, with = "cells_as_list")]
    pub emphasis: BTreeMap<CellRef, Emphasis>,
}

/// How a text cell's style sets it apart: bold type, or the alignment's indent (in levels).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emphasis {
    pub bold: bool,
    pub indent: u8,
}

impl Emphasis {
    /// Whether it sets the cell apart at all (only such cells are kept).
    pub fn any(self) -> bool {
        self.bold || self.indent > 0
    }
}

impl Sheet {
    pub fn new(name: impl Into<String>) -> Sheet {
        Sheet {
            name: name.into(),
            ..Sheet::default()
        }
    }

    pub fn get(&self, at: CellRef) -> Option<&Cell> {
        self.cells.get(&at)
    }

    /// The last used row and column (inclusive), if any cell is used.
    pub fn extent(&self) -> Option<CellRef> {
        let max_row = self.cells.keys().map(|c| c.row).max()?;
        let max_col = self.cells.keys().map(|c| c.col).max()?;
        Some(CellRef::new(max_row, max_col))
    }
}

/// A map with structured keys, serialised as a list of pairs (JSON keys must be strings).
mod cells_as_list {
    use super::CellRef;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer, T: Serialize>(
        map: &BTreeMap<CellRef, T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<BTreeMap<CellRef, T>, D::Error> {
        let pairs: Vec<(CellRef, T)> = Vec::deserialize(d)?;
        Ok(pairs.into_iter().collect())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    /// Excel defined names: name → `Sheet!$C$7`.
    pub defined_names: Vec<(String, String)>,
}

impl Workbook {
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_round_trip() {
        for (text, row, col) in [
            ("A1", 0, 0),
            ("C14", 13, 2),
            ("$AA$3", 2, 26),
            ("xfd1", 0, 16383),
        ] {
            let r = CellRef::parse_a1(text).unwrap();
            assert_eq!((r.row, r.col), (row, col), "{text}");
        }
        assert_eq!(CellRef::new(13, 2).to_string(), "C14");
        assert_eq!(CellRef::new(0, 27).to_string(), "AB1");
        for bad in ["", "14", "C", "C0", "1C", "C1x", "XFE1", "A99999999"] {
            assert_eq!(CellRef::parse_a1(bad), None, "{bad}");
        }
    }

    #[test]
    fn number_formats() {
        let f = |c: &str| {
            let f = NumFmt::from_code(c);
            (f.percent, f.decimals)
        };
        assert_eq!(f("General"), (false, None));
        assert_eq!(f("0"), (false, Some(0)));
        assert_eq!(f("0.00"), (false, Some(2)));
        assert_eq!(f("#,##0"), (false, Some(0)));
        assert_eq!(f("0.00%"), (true, Some(2)));
        assert_eq!(f("0%"), (true, Some(0)));
        assert_eq!(f("0.0_);[Red](0.0)"), (false, Some(1)));
        assert_eq!(f("\"%\"0.00"), (false, Some(2)));
        assert_eq!(f("@"), (false, None));
    }
}
