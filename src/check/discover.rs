//! `check --discover`: typed totals that do not add up, on any workbook, without a rule.
//!
//! Why: a pack checks the forms it knows; most workbooks are of no form of it, and the
//! commonest slip of a table — a total typed by hand that is not the sum of its block — needs
//! no rule to be seen. A row whose label is one of the pack's total words (`[settings]
//! total_words`: `Tổng cộng`, `Total`, …) is read as the total of the block of rows next to it:
//! the rows above it (or below it) that hold figures in its columns, up to the first row that
//! holds none. Each of its typed figures (not a formula's) is compared with its column's sum
//! within the precision shown (half a unit of the last shown digit of each figure).
//!
//! A false alarm costs more than a miss, so a figure is said not to add up only when the same
//! row, read the same way, does add up in another column (a witness that the block is the one
//! it totals), and not in the other direction either; a column whose total is the average of
//! its block, or 100 over shares, is no sum. Each finding is a warning that says what it
//! assumed. Sheets holding a form of the pack are left to the pack's checks.
//!
//! Checking reads a formula's stored value without its formula ([`crate::load::Detail::Check`]):
//! a `SUM` total is then compared as a typed one, so a `SUM` whose range leaves out a row of
//! its block is found as a total that does not add up. A formula read with its text (a full
//! read) is left out: it is computed, not typed.

use crate::finding::{CellLoc, Finding};
use crate::model::{Cell, CellRef, Sheet, Value, Workbook};
use crate::number::{parse_text_number, shown_decimals};
use crate::registry::Kind as K;
use crate::rules::Pack;
use crate::text::{format_number, label_key, round_half_away, strip_numbering};
use std::collections::{BTreeMap, BTreeSet};

/// Rows a block holds at most (a longer run of figures is a list, not a block to total).
const MAX_BLOCK: usize = 500;

/// A figure of a cell: its value, its rounding as shown, its decimals; None when the cell
/// holds no number.
fn figure(cell: &Cell, pack: &Pack) -> Option<(f64, f64, u8)> {
    if cell.fmt.percent {
        return None;
    }
    let (v, decimals) = match &cell.value {
        Value::Number(v) => (*v, cell.fmt.decimals),
        Value::Text(t) => {
            let n = parse_text_number(t, pack.settings.locale)?;
            (n.value, Some(n.decimals))
        }
        _ => return None,
    };
    if !v.is_finite() {
        return None;
    }
    let d = decimals.unwrap_or_else(|| shown_decimals(v)).min(10);
    let slack = if d == 0 && v.fract() == 0.0 {
        0.0
    } else {
        0.5 * 10f64.powi(-i32::from(d))
    };
    Some((v, slack, d))
}

/// Whether a text cell is labelled as a total.
fn is_total(cell: &Cell, pack: &Pack) -> bool {
    let Value::Text(t) = &cell.value else {
        return false;
    };
    let key = label_key(t, pack.settings.folding);
    let words = &pack.settings.total_words;
    words.contains(&key) || strip_numbering(&key).is_some_and(|k| words.iter().any(|w| w == k))
}

/// The block a total row totals in one direction: its rows, top to bottom.
fn block(
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    from: u32,
    up: bool,
    columns: &[u32],
    pack: &Pack,
) -> Vec<u32> {
    let mut out = Vec::new();
    let mut r = from;
    loop {
        let next = if up {
            r.checked_sub(1)
        } else {
            r.checked_add(1)
        };
        let Some(next) = next else { break };
        r = next;
        let Some(cells) = rows.get(&r) else { break };
        if cells.iter().any(|(_, c)| is_total(c, pack)) {
            break;
        }
        let holds = cells
            .iter()
            .any(|(c, cell)| columns.contains(c) && figure(cell, pack).is_some());
        if !holds || out.len() >= MAX_BLOCK {
            break;
        }
        out.push(r);
    }
    out.sort_unstable();
    out
}

/// A column of a total row read against a block: (sum, rounding, every figure).
struct Column {
    sum: f64,
    slack: f64,
    parts: Vec<f64>,
    /// A cell of the block holds text that is no number: no sum.
    broken: bool,
}

fn column(sheet: &Sheet, block: &[u32], col: u32, pack: &Pack) -> Column {
    let mut out = Column {
        sum: 0.0,
        slack: 0.0,
        parts: Vec::new(),
        broken: false,
    };
    for r in block {
        let Some(cell) = sheet.cells.get(&CellRef::new(*r, col)) else {
            continue;
        };
        match figure(cell, pack) {
            Some((v, s, _)) => {
                out.sum += v;
                out.slack += s;
                out.parts.push(v);
            }
            None => {
                if matches!(&cell.value, Value::Text(t) if !t.trim().is_empty() && !matches!(t.trim(), "-" | "–" | "—"))
                    || cell.fmt.percent
                {
                    out.broken = true;
                }
            }
        }
    }
    out
}

fn near(a: f64, b: f64, slack: f64) -> bool {
    (a - b).abs() <= slack + 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Whether a column of a total row adds up, and whether it is a sum at all.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    Adds,
    Off,
    /// An average, shares of 100, or too few figures to say.
    NoSum,
}

fn verdict(total: (f64, f64), c: &Column) -> Verdict {
    let (t, ts) = total;
    if c.broken || c.parts.len() < 2 {
        return Verdict::NoSum;
    }
    if near(t, c.sum, ts + c.slack) {
        return Verdict::Adds;
    }
    let n = c.parts.len() as f64;
    let mean = c.sum / n;
    let max = c.parts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = c.parts.iter().copied().fold(f64::INFINITY, f64::min);
    // An average, a largest or a smallest figure, shares of 100 (or of 1).
    if near(t, mean, ts + c.slack / n + 0.5)
        || t == max
        || t == min
        || ((t == 100.0 || t == 1.0) && max <= t)
    {
        return Verdict::NoSum;
    }
    Verdict::Off
}

/// How many rows of a workbook are labelled as a total with at least two typed figures: what
/// [`discover`] reads (for measuring it).
pub fn total_rows(wb: &Workbook, pack: &Pack) -> usize {
    let mut n = 0;
    for sheet in &wb.sheets {
        let mut rows: BTreeMap<u32, Vec<(u32, &Cell)>> = BTreeMap::new();
        for (at, cell) in &sheet.cells {
            rows.entry(at.row).or_default().push((at.col, cell));
        }
        for cells in rows.values() {
            let Some(&(label_col, _)) = cells.iter().find(|(_, c)| is_total(c, pack)) else {
                continue;
            };
            let typed = cells
                .iter()
                .filter(|(c, cell)| {
                    *c > label_col && cell.formula.is_none() && figure(cell, pack).is_some()
                })
                .count();
            if typed >= 2 {
                n += 1;
            }
        }
    }
    n
}

/// The typed totals of a workbook that do not add up (sheets in `skip` left out).
pub fn discover(wb: &Workbook, file: &str, pack: &Pack, skip: &BTreeSet<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    if pack.settings.total_words.is_empty() {
        return out;
    }
    for (si, sheet) in wb.sheets.iter().enumerate() {
        if skip.contains(sheet.name.as_str()) {
            continue;
        }
        let mut rows: BTreeMap<u32, Vec<(u32, &Cell)>> = BTreeMap::new();
        for (at, cell) in &sheet.cells {
            rows.entry(at.row).or_default().push((at.col, cell));
        }
        for (&r, cells) in &rows {
            let Some(&(label_col, label_cell)) = cells.iter().find(|(_, c)| is_total(c, pack))
            else {
                continue;
            };
            // The row's typed figures right of its label.
            let totals: Vec<(u32, f64, f64)> = cells
                .iter()
                .filter(|(c, cell)| *c > label_col && cell.formula.is_none())
                .filter_map(|(c, cell)| figure(cell, pack).map(|(v, s, _)| (*c, v, s)))
                .collect();
            if totals.len() < 2 {
                continue;
            }
            let columns: Vec<u32> = totals.iter().map(|t| t.0).collect();
            let read = |up: bool| {
                let rows_of = block(&rows, r, up, &columns, pack);
                let verdicts: Vec<(Verdict, Column)> = totals
                    .iter()
                    .map(|(c, v, s)| {
                        let col = column(sheet, &rows_of, *c, pack);
                        (verdict((*v, *s), &col), col)
                    })
                    .collect();
                (rows_of, verdicts)
            };
            let (up, down) = (read(true), read(false));
            // The direction in which more columns add up (above when as many).
            let adds = |v: &[(Verdict, Column)]| v.iter().filter(|x| x.0 == Verdict::Adds).count();
            let (block_rows, verdicts, other) = if adds(&up.1) >= adds(&down.1) {
                (up.0, up.1, down.1)
            } else {
                (down.0, down.1, up.1)
            };
            let Some(witness) = totals
                .iter()
                .zip(&verdicts)
                .find(|(t, v)| v.0 == Verdict::Adds && t.1 != 0.0)
                .map(|(t, _)| t.0)
            else {
                continue;
            };
            let label = match &label_cell.value {
                Value::Text(t) => t.trim().to_string(),
                _ => String::new(),
            };
            let (Some(first), Some(last)) = (block_rows.first(), block_rows.last()) else {
                continue;
            };
            for (k, ((c, v, s), (verdict, col))) in totals.iter().zip(&verdicts).enumerate() {
                if *verdict != Verdict::Off || other.get(k).is_some_and(|o| o.0 == Verdict::Adds) {
                    continue;
                }
                let decimals = if *s > 0.0 || col.slack > 0.0 {
                    Some(
                        block_rows
                            .iter()
                            .chain(std::iter::once(&r))
                            .filter_map(|row| sheet.cells.get(&CellRef::new(*row, *c)))
                            .filter_map(|cell| figure(cell, pack).map(|f| f.2))
                            .max()
                            .unwrap_or(0),
                    )
                } else {
                    Some(0)
                };
                let locale = pack.settings.shown_locale();
                let show = |x: f64| format_number(round_half_away(x, 10), decimals, locale);
                let diff = round_half_away(v - col.sum, 10);
                let diff_text = if diff > 0.0 {
                    format!("+{}", show(diff))
                } else {
                    show(diff)
                };
                let at = CellRef::new(r, *c);
                let rows_text = format!("{}–{}", first + 1, last + 1);
                let kind = K::DiscoverTotalMismatch;
                let message = pack.settings.message(
                    kind,
                    &[
                        ("label", &label),
                        ("cell", &at.to_string()),
                        ("found", &show(*v)),
                        ("expected", &show(col.sum)),
                        ("difference", &diff_text),
                        ("count", &block_rows.len().to_string()),
                        ("rows", &rows_text),
                        ("witness", &CellRef::col_name(witness)),
                    ],
                );
                let mut cells = vec![CellLoc::new(None, sheet.name.clone(), at.to_string())];
                for br in &block_rows {
                    let b = CellRef::new(*br, *c);
                    if sheet.cells.contains_key(&b) {
                        cells.push(CellLoc::new(None, sheet.name.clone(), b.to_string()));
                    }
                }
                out.push(Finding {
                    file: file.to_string(),
                    sheet: Some(sheet.name.clone()),
                    rule: kind.id().to_string(),
                    severity: kind.severity(),
                    message,
                    cells,
                    expected: Some(round_half_away(col.sum, 10)),
                    actual: Some(round_half_away(*v, 10)),
                    difference: Some(diff),
                    order: (si + 1, r, *c),
                    decimals,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NumFmt;
    use crate::rules::{builtin_sources, compile};

    /// A sheet from rows of cells: text, or numbers (`=` before a number: a formula's result).
    fn sheet(rows: &[&[&str]]) -> Workbook {
        let mut s = Sheet::new("Data");
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if text.is_empty() {
                    continue;
                }
                let (formula, t) = match text.strip_prefix('=') {
                    Some(t) => (Some("SUM(B1:B2)".to_string()), t),
                    None => (None, *text),
                };
                let value = match t.parse::<f64>() {
                    Ok(v) => Value::Number(v),
                    Err(_) => Value::Text(t.to_string()),
                };
                let decimals = t.split_once('.').map(|(_, d)| d.len() as u8);
                s.cells.insert(
                    CellRef::new(r as u32, c as u32),
                    Cell {
                        value,
                        formula,
                        fmt: NumFmt {
                            percent: false,
                            decimals,
                        },
                    },
                );
            }
        }
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        }
    }

    fn found(rows: &[&[&str]]) -> Vec<(String, f64, f64)> {
        let pack = compile(&builtin_sources()).expect("built-in pack");
        discover(&sheet(rows), "t.xlsx", &pack, &BTreeSet::new())
            .into_iter()
            .map(|f| {
                (
                    f.cells[0].cell.clone(),
                    f.actual.unwrap_or(f64::NAN),
                    f.expected.unwrap_or(f64::NAN),
                )
            })
            .collect()
    }

    #[test]
    fn a_typed_total_off_by_one() {
        let got = found(&[
            &["Item", "Men", "Women"],
            &["A", "10", "4"],
            &["B", "20", "5"],
            &["Tổng cộng", "31", "9"],
        ]);
        assert_eq!(got, vec![("B4".to_string(), 31.0, 30.0)]);
    }

    #[test]
    fn a_total_right_within_the_rounding_shown() {
        // 1.2 + 2.3 = 3.5, typed 3.6: within the rounding of three figures shown with one
        // decimal (0.05 each); 3.9 is not.
        let got = found(&[
            &["Item", "Count", "Hours"],
            &["A", "10", "1.2"],
            &["B", "20", "2.3"],
            &["Total", "30", "3.6"],
        ]);
        assert!(got.is_empty(), "{got:?}");
        let got = found(&[
            &["Item", "Count", "Hours"],
            &["A", "10", "1.2"],
            &["B", "20", "2.3"],
            &["Total", "30", "3.9"],
        ]);
        assert_eq!(got, vec![("C4".to_string(), 3.9, 3.5)]);
    }

    #[test]
    fn a_sum_omitting_the_last_row_as_read_for_checking() {
        // `=SUM(C2:C3)` over rows 2–4: checking reads its stored value (16), not its formula,
        // and compares it as it compares a typed total.
        let got = found(&[
            &["Item", "Men", "Women"],
            &["A", "10", "4"],
            &["B", "20", "12"],
            &["C", "5", "3"],
            &["Total", "35", "16"],
        ]);
        assert_eq!(got, vec![("C5".to_string(), 16.0, 19.0)]);
    }

    #[test]
    fn a_total_of_the_block_below() {
        let got = found(&[
            &["Item", "Men", "Women"],
            &["Cộng", "30", "10"],
            &["A", "10", "4"],
            &["B", "20", "5"],
        ]);
        assert_eq!(got, vec![("C2".to_string(), 10.0, 9.0)]);
    }

    #[test]
    fn no_witness_no_finding() {
        // No column adds up: the block may not be what the row totals (sub-totals inside).
        let got = found(&[
            &["Item", "Men", "Women"],
            &["A", "10", "4"],
            &["B", "20", "5"],
            &["Tổng", "31", "10"],
        ]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_formula_total_an_average_and_shares_are_not_read_as_typed_sums() {
        let got = found(&[
            &["Item", "Count", "Mean", "Share", "Formula"],
            &["A", "10", "4", "40", "1"],
            &["B", "20", "6", "60", "2"],
            &["Total", "30", "5", "100", "=4"],
        ]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_trong_do_row_under_the_total_is_not_summed() {
        // `Trong đó` (of which) rows follow the total: the block above is what it totals.
        let got = found(&[
            &["Item", "Men", "Women"],
            &["A", "10", "4"],
            &["B", "20", "5"],
            &["Tổng số", "30", "9"],
            &["Trong đó: mới", "3", "1"],
        ]);
        assert!(got.is_empty(), "{got:?}");
    }
}
