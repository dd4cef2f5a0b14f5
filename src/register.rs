//! The register of units a reviewer keeps (`--units FILE`): a workbook with one row per unit —
//! its code, name, parent, first and last year, and the codes it was formed from — under the
//! headings the pack's `[register]` gives, matched as form labels are.

use crate::model::{Cell, Sheet, Value, Workbook};
use crate::read::labels::approx_quality;
use crate::rules::units::RegisterHeadings;
use crate::rules::Pack;
use crate::text::label_key;
use std::collections::BTreeMap;

/// One unit of the register.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The code as written, and the key it is compared by ([`crate::rules::Settings::unit_key`]).
    pub code: String,
    pub key: String,
    pub name: String,
    /// The parent unit's key.
    pub parent: Option<String>,
    /// The first and last year of the unit (None: open).
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// The keys of the units it was formed from.
    pub predecessors: Vec<String>,
    /// The share of each predecessor's members it took (in the order of `predecessors`), as
    /// the register's share column gives them: (share as a fraction, half the last place
    /// written: `60%` is 0.6 ± 0.005). Empty: no shares given.
    pub shares: Vec<(f64, f64)>,
    /// The row in the sheet (1-based, as Excel shows it).
    pub row: u32,
}

impl Entry {
    /// Whether the unit existed in `year`.
    pub fn alive_in(&self, year: i32) -> bool {
        self.from.is_none_or(|f| f <= year) && self.to.is_none_or(|t| year <= t)
    }
}

/// The register read.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// The file, as shown in reports.
    pub shown: String,
    /// The sheet it was read from.
    pub sheet: String,
    /// The units, in the sheet's order, each code once (the first row of a code).
    pub entries: Vec<Entry>,
    /// Codes given in several rows: (code as written, the rows).
    pub duplicates: Vec<(String, Vec<u32>)>,
}

impl Register {
    /// The unit of a code key.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// The part of the register at and under the units of `roots` (code keys), by the
    /// register's parents, at any depth: a province's summary's communes and their branches.
    /// None when no root is a unit of the register, or none has a unit under it (a register
    /// without parents): the whole register then applies.
    pub fn under<'k>(&self, roots: impl IntoIterator<Item = &'k str>) -> Option<Register> {
        let mut keep: std::collections::BTreeSet<&str> = roots
            .into_iter()
            .filter(|k| self.get(k).is_some())
            .collect();
        let roots = keep.len();
        if roots == 0 {
            return None;
        }
        // Down the parents until nothing is added (a circle in the register ends too).
        loop {
            let before = keep.len();
            for e in &self.entries {
                if e.parent.as_deref().is_some_and(|p| keep.contains(p)) {
                    keep.insert(e.key.as_str());
                }
            }
            if keep.len() == before {
                break;
            }
        }
        if keep.len() == roots {
            return None;
        }
        Some(Register {
            entries: self
                .entries
                .iter()
                .filter(|e| keep.contains(e.key.as_str()))
                .cloned()
                .collect(),
            ..self.clone()
        })
    }
}

/// How many rows from the top of a sheet the headings are looked for in.
const HEADING_ROWS: u32 = 30;

/// Which column holds which heading.
#[derive(Debug, Default)]
struct Columns {
    code: Option<u32>,
    name: Option<u32>,
    parent: Option<u32>,
    from: Option<u32>,
    to: Option<u32>,
    predecessors: Option<u32>,
    shares: Option<u32>,
}

/// Reads the register from a workbook: the first sheet with a row holding the code and name
/// headings. An error says why none could be read.
pub fn from_workbook(wb: &Workbook, pack: &Pack, shown: &str) -> Result<Register, String> {
    let h = &pack.register;
    if !h.given() {
        return Err(
            "the rule pack has no [register] table: it does not say the register's headings".into(),
        );
    }
    for sheet in &wb.sheets {
        if let Some((row, cols)) = heading_row(sheet, pack, h) {
            return read_rows(sheet, pack, shown, row, &cols);
        }
    }
    Err("no sheet has a row with the headings of the unit code and the unit name".into())
}

fn heading_row(sheet: &Sheet, pack: &Pack, h: &RegisterHeadings) -> Option<(u32, Columns)> {
    let folding = pack.settings.folding;
    let abbr = &pack.settings.abbreviations;
    let mut by_row: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    for (at, cell) in sheet.cells.range(..) {
        if at.row >= HEADING_ROWS {
            break;
        }
        if let Some(t) = cell.text() {
            by_row
                .entry(at.row)
                .or_default()
                .push((at.col, label_key(t, folding)));
        }
    }
    for (row, cells) in by_row {
        let headings: [&[String]; 7] = [
            &h.code,
            &h.name,
            &h.parent,
            &h.from,
            &h.to,
            &h.predecessors,
            &h.shares,
        ];
        let mut found: [Option<u32>; 7] = [None; 7];
        // Exact matches first, then abbreviated or one letter off; a column serves one heading.
        for exact in [true, false] {
            for (col, key) in &cells {
                if found.contains(&Some(*col)) {
                    continue;
                }
                for (i, keys) in headings.iter().enumerate() {
                    if found[i].is_some() || keys.is_empty() {
                        continue;
                    }
                    let hit = if exact {
                        keys.iter().any(|k| k == key)
                    } else {
                        approx_quality(keys, &[key.as_str()], abbr).is_some()
                    };
                    if hit {
                        found[i] = Some(*col);
                        break;
                    }
                }
            }
        }
        if found[0].is_some() && found[1].is_some() {
            let [code, name, parent, from, to, predecessors, shares] = found;
            return Some((
                row,
                Columns {
                    code,
                    name,
                    parent,
                    from,
                    to,
                    predecessors,
                    shares,
                },
            ));
        }
    }
    None
}

/// A cell's text, trimmed (a number as written plainly).
fn text_of(cell: Option<&Cell>) -> String {
    match cell.map(|c| &c.value) {
        None | Some(Value::Empty) => String::new(),
        Some(Value::Number(n)) => crate::text::format_plain(*n),
        Some(v) => Cell::value(v.clone()).display().trim().to_string(),
    }
}

fn year_of(cell: Option<&Cell>) -> Result<Option<i32>, String> {
    let t = text_of(cell);
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i32>() {
        Ok(y) if (1900..2200).contains(&y) => Ok(Some(y)),
        _ => Err(t),
    }
}

/// The shares a unit took of its predecessors: one per predecessor, separated by `;`, each a
/// percentage (`60%`, `60,5 %`) or a fraction (`0,6`, `0.6`, or a number cell); with the half
/// of the last place written (how exact the share is). Empty cell: none. The cell's text when
/// it is not `count` shares from 0 to 1.
fn shares_of(cell: Option<&Cell>, count: usize) -> Result<Vec<(f64, f64)>, String> {
    if let Some(Value::Number(n)) = cell.map(|c| &c.value) {
        // A number cell (0.6, shown 60 % or not): as exact as it is stored, to the percent.
        return match (*n, count) {
            (n, 1) if (0.0..=1.0).contains(&n) => Ok(vec![(n, 0.005)]),
            _ => Err(crate::text::format_plain(*n)),
        };
    }
    let t = text_of(cell);
    if t.is_empty() {
        return Ok(Vec::new());
    }
    let one = |part: &str| -> Option<(f64, f64)> {
        let part = part.trim();
        let (digits, scale) = match part.strip_suffix('%') {
            Some(p) => (p.trim(), 100.0),
            None => (part, 1.0),
        };
        let digits = digits.replace(',', ".");
        let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
        let v: f64 = digits.parse().ok()?;
        let share = v / scale;
        let half = 0.5 * 10f64.powi(-(decimals.min(12) as i32)) / scale;
        (share.is_finite() && (0.0..=1.0).contains(&share)).then_some((share, half))
    };
    let shares: Option<Vec<(f64, f64)>> = t.split(';').map(one).collect();
    match shares {
        Some(s) if s.len() == count => Ok(s),
        _ => Err(t),
    }
}

fn read_rows(
    sheet: &Sheet,
    pack: &Pack,
    shown: &str,
    heading: u32,
    c: &Columns,
) -> Result<Register, String> {
    let at = |row: u32, col: Option<u32>| {
        col.and_then(|col| sheet.get(crate::model::CellRef::new(row, col)))
    };
    let last = sheet.extent().map_or(heading, |e| e.row);
    let mut entries: Vec<Entry> = Vec::new();
    let mut rows_of: BTreeMap<String, (String, Vec<u32>)> = BTreeMap::new();
    for row in heading + 1..=last {
        let code = text_of(at(row, c.code));
        if code.is_empty() {
            continue;
        }
        let key = pack.settings.unit_key(&code);
        let year = |col: Option<u32>| {
            year_of(at(row, col)).map_err(|t| {
                format!(
                    "row {}: \"{}\" is no year",
                    row + 1,
                    crate::text::clip(&t, 40)
                )
            })
        };
        let (from, to) = (year(c.from)?, year(c.to)?);
        let parent = Some(text_of(at(row, c.parent)))
            .filter(|p| !p.is_empty())
            .map(|p| pack.settings.unit_key(&p));
        let predecessors: Vec<String> = text_of(at(row, c.predecessors))
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| pack.settings.unit_key(p))
            .collect();
        let shares = shares_of(at(row, c.shares), predecessors.len()).map_err(|t| {
            format!(
                "row {}: \"{}\" is not one share per unit it was formed from (60%, or 0,6; several separated by ;)",
                row + 1,
                crate::text::clip(&t, 40)
            )
        })?;
        let slot = rows_of
            .entry(key.clone())
            .or_insert_with(|| (code.clone(), vec![]));
        slot.1.push(row + 1);
        if slot.1.len() > 1 {
            continue;
        }
        entries.push(Entry {
            code,
            key,
            name: text_of(at(row, c.name)),
            parent,
            from,
            to,
            predecessors,
            shares,
            row: row + 1,
        });
    }
    if entries.is_empty() {
        return Err(format!(
            "sheet \"{}\" lists no unit under its headings",
            sheet.name
        ));
    }
    Ok(Register {
        shown: shown.to_string(),
        sheet: sheet.name.clone(),
        entries,
        duplicates: rows_of
            .into_values()
            .filter(|(_, rows)| rows.len() > 1)
            .collect(),
    })
}

/// Reads the register file (in this process: it is the reviewer's own file, bounded by the
/// run's limits).
pub fn read(
    path: &std::path::Path,
    shown: &str,
    pack: &Pack,
    limits: &crate::read::load::Limits,
    timeout: std::time::Duration,
) -> Result<Register, String> {
    let bytes = crate::read::files::read_file(path, limits.max_file_bytes, timeout)
        .map_err(|e| e.reason)?;
    let wb =
        crate::read::load::load_bytes_for(&bytes, shown, limits, crate::read::load::Detail::Check)
            .map_err(|e| e.reason)?;
    from_workbook(&wb, pack, shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CellRef;

    fn pack() -> Pack {
        crate::rules::load_pack(false, &[] as &[std::path::PathBuf])
            .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn sheet(rows: &[&[&str]]) -> Workbook {
        let mut s = Sheet::new("Đơn vị");
        for (r, row) in rows.iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                if !t.is_empty() {
                    let v = match t.parse::<f64>() {
                        Ok(n) => Value::Number(n),
                        Err(_) => Value::Text(t.to_string()),
                    };
                    s.cells
                        .insert(CellRef::new(r as u32, c as u32), Cell::value(v));
                }
            }
        }
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        }
    }

    #[test]
    fn reads_the_register_under_drifted_headings() {
        let wb = sheet(&[
            &["DANH SÁCH ĐƠN VỊ"],
            &[],
            &[
                "STT",
                "Ma don vi",
                "Tên  đơn vị",
                "Đơn vị cấp trên",
                "Từ năm",
                "Đến năm",
                "Tiền thân",
            ],
            &[
                "1",
                "td - 01",
                "Chi bộ 1",
                "X-01",
                "2025",
                "",
                "TD-91, TD-92",
            ],
            &["2", "TD-02", "Chi bộ 2", "X-01", "", "2024", ""],
            &["3", "TD-01", "Chi bộ 1 lặp", "", "", "", ""],
        ]);
        let r = from_workbook(&wb, &pack(), "units.xlsx").unwrap();
        assert_eq!(r.entries.len(), 2);
        let e = &r.entries[0];
        assert_eq!(
            (e.key.as_str(), e.name.as_str(), e.from, e.to),
            ("TD-01", "Chi bộ 1", Some(2025), None)
        );
        assert_eq!(e.predecessors, vec!["TD-91", "TD-92"]);
        assert_eq!(e.parent.as_deref(), Some("X-01"));
        assert!(e.alive_in(2025) && !e.alive_in(2024));
        assert!(r.entries[1].alive_in(2024) && !r.entries[1].alive_in(2025));
        assert_eq!(r.duplicates, vec![("td - 01".to_string(), vec![4, 6])]);
    }

    #[test]
    fn a_register_without_headings_or_with_a_bad_year_is_refused() {
        let none = sheet(&[&["Code", "Name"], &["A", "B"]]);
        assert!(from_workbook(&none, &pack(), "u.xlsx")
            .unwrap_err()
            .contains("headings"));
        let bad = sheet(&[
            &["Mã đơn vị", "Tên đơn vị", "Từ năm"],
            &["A", "B", "năm ngoái"],
        ]);
        let err = from_workbook(&bad, &pack(), "u.xlsx").unwrap_err();
        assert!(err.contains("row 2") && err.contains("no year"), "{err}");
    }

    #[test]
    fn the_part_under_a_unit_goes_down_every_level() {
        let wb = sheet(&[
            &["Mã đơn vị", "Tên đơn vị", "Đơn vị cấp trên"],
            &["T", "Tỉnh", ""],
            &["X1", "Xã 1", "T"],
            &["X2", "Xã 2", "T"],
            &["B1", "Chi bộ 1", "X1"],
            &["B2", "Chi bộ 2", "X2"],
            &["Z", "Tỉnh khác", ""],
        ]);
        let r = from_workbook(&wb, &pack(), "u.xlsx").unwrap();
        let keys = |r: Option<Register>| -> Vec<String> {
            r.map(|r| r.entries.into_iter().map(|e| e.key).collect())
                .unwrap_or_default()
        };
        assert_eq!(keys(r.under(["X1"])), ["X1", "B1"]);
        assert_eq!(keys(r.under(["T"])), ["T", "X1", "X2", "B1", "B2"]);
        assert_eq!(keys(r.under(["B2", "X1"])), ["X1", "B1", "B2"]);
        assert!(r.under(["NOT-THERE"]).is_none());
        // Nothing under it: no part to take (the whole register applies).
        assert!(r.under(["B1", "Z"]).is_none());
    }
}
