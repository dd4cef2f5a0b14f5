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
//! More patterns on the same terms: a numbered heading (`2`, in an item-number column or before
//! its label) against the items numbered one level under it (`2.1`, `2.2`; items after a part
//! word, `Trong đó`, are not summed); a heading set apart by its formatting — less indented
//! than the rows under it (the cell's indent, read for .xlsx into [`Sheet::emphasis`], or
//! leading spaces), or bold over rows in plain type — against those rows ([`outline`]); and a
//! percentage column against the count beside it over one base (the row at 100 %, or the one
//! count most of its figures are shares of).
//!
//! A false alarm costs more than a miss, so a figure is said not to add up only when the same
//! row, read the same way, does add up in another column (a witness that the block is the one
//! it totals), and not in the other direction either; a column whose total is the average of
//! its block, or 100 over shares, is no sum. Each finding is a warning that says what it
//! assumed. Sheets holding a form of the pack are left to the pack's checks.
//!
//! Checking reads a formula's stored value without its formula ([`crate::read::load::Detail::Check`]):
//! a `SUM` total is then compared as a typed one. A formula read with its text (a full read)
//! is left out: it is computed, not typed. With the formulas' text, [`sum_omissions`] reads a
//! sum of cells (one `SUM` of ranges and cells, or cells joined by `+`) against the member of
//! its block next to what it adds, or skipped between, that it leaves out;
//! [`discover_all`] says both, a total found both ways once.

use crate::finding::{CellLoc, Finding};
use crate::model::{Cell, CellRef, Sheet, Value, Workbook};
use crate::read::number::{parse_text_number, shown_decimals};
use crate::registry::Kind as K;
use crate::registry::TextId as T;
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

/// A row's numbering and label column: an item-number cell (`2`, `2.1`, `2.1a`, as text, or a
/// whole number) before a text label, or numbering typed before the label (`2.1 Nam`).
fn numbering(cells: &[(u32, &Cell)]) -> Option<(Vec<String>, u32, String)> {
    let mut it = cells
        .iter()
        .filter(|(_, c)| !matches!(c.value, Value::Empty));
    let &(c0, first) = it.next()?;
    let token_path = |t: &str| -> Option<Vec<String>> {
        let t = t.trim().trim_end_matches(['.', ')']);
        if t.is_empty()
            || t.len() > 12
            || !t.starts_with(|c: char| c.is_ascii_digit())
            || !t
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c.is_ascii_lowercase())
        {
            return None;
        }
        let mut out = Vec::new();
        for seg in t.split('.') {
            let digits: String = seg.chars().take_while(char::is_ascii_digit).collect();
            let rest: String = seg.chars().skip_while(char::is_ascii_digit).collect();
            if digits.is_empty() || rest.chars().count() > 1 {
                return None;
            }
            out.push(digits);
            if !rest.is_empty() {
                out.push(rest);
            }
        }
        Some(out)
    };
    let text = |c: &Cell| match &c.value {
        Value::Text(t) if t.chars().any(char::is_alphabetic) => Some(t.trim().to_string()),
        _ => None,
    };
    let own = match &first.value {
        Value::Text(t) => token_path(t),
        // An item number the spreadsheet took for a number (`2`, `2.1`).
        Value::Number(v)
            if *v >= 1.0 && *v < 1000.0 && ((v * 100.0).round() - v * 100.0).abs() < 1e-9 =>
        {
            token_path(&crate::read::number::format_plain(*v))
        }
        _ => None,
    };
    if let Some(path) = own {
        let &(lc, label) = it.next()?;
        return Some((path, lc, text(label)?));
    }
    // Numbering typed before the label.
    let label = text(first)?;
    let (token, rest) = label.split_once(' ')?;
    let path = token_path(token)?;
    rest.chars()
        .any(char::is_alphabetic)
        .then(|| (path, c0, rest.trim().to_string()))
}

/// Whether a label begins with one of the pack's part words (`Trong đó: …`).
fn is_part(label: &str, pack: &Pack) -> bool {
    let key = label_key(label, pack.settings.folding);
    pack.settings.part_keys.iter().any(|w| {
        key.strip_prefix(w.as_str())
            .is_some_and(|r| r.is_empty() || r.starts_with([':', ' ', '-', ',']))
    })
}

/// Numbered headings whose typed figures are not the sum of the items numbered under them,
/// while another column of the row is (the witness). Gives how many headings it read (two or
/// more items, two or more typed figures).
fn headings(
    sheet: &Sheet,
    si: usize,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    file: &str,
    pack: &Pack,
    out: &mut Vec<Finding>,
) -> usize {
    let mut read = 0;
    let numbered: Vec<(u32, Vec<String>, u32, String)> = rows
        .iter()
        .filter_map(|(r, cells)| numbering(cells).map(|(p, lc, l)| (*r, p, lc, l)))
        .collect();
    for (i, (r, path, label_col, label)) in numbered.iter().enumerate() {
        if rows
            .get(r)
            .is_some_and(|cells| cells.iter().any(|(_, c)| is_total(c, pack)))
        {
            continue;
        }
        // Its items: the rows numbered one level under it, up to the first row outside it.
        let mut items: Vec<(u32, &str)> = Vec::new();
        for (r2, p2, lc2, l2) in &numbered[i + 1..] {
            if p2.len() <= path.len() || p2[..path.len()] != path[..] || lc2 != label_col {
                break;
            }
            if p2.len() == path.len() + 1 {
                items.push((*r2, l2.as_str()));
            }
        }
        if items.len() < 2 || items.iter().any(|(_, l)| is_part(l, pack)) {
            continue;
        }
        let Some(cells) = rows.get(r) else { continue };
        let totals: Vec<(u32, f64, f64)> = cells
            .iter()
            .filter(|(c, cell)| c > label_col && cell.formula.is_none())
            .filter_map(|(c, cell)| figure(cell, pack).map(|(v, s, _)| (*c, v, s)))
            .collect();
        if totals.len() < 2 {
            continue;
        }
        read += 1;
        let block_rows: Vec<u32> = items.iter().map(|(r, _)| *r).collect();
        let verdicts: Vec<(Verdict, Column)> = totals
            .iter()
            .map(|(c, v, s)| {
                let col = column(sheet, &block_rows, *c, pack);
                (verdict((*v, *s), &col), col)
            })
            .collect();
        let Some(witness) = totals
            .iter()
            .zip(&verdicts)
            .find(|(t, v)| v.0 == Verdict::Adds && t.1 != 0.0)
            .map(|(t, _)| t.0)
        else {
            continue;
        };
        for ((c, v, _), (verdict, col)) in totals.iter().zip(&verdicts) {
            if *verdict != Verdict::Off {
                continue;
            }
            // Every item holds a figure in this column: a column with gaps may be of another
            // kind (a share filled for some items only).
            if col.parts.len() != block_rows.len() {
                continue;
            }
            let heading = Heading {
                label,
                row: *r,
                members: &block_rows,
                witness,
            };
            out.push(heading_mismatch(
                sheet,
                si,
                file,
                pack,
                &heading,
                (*c, *v, col.sum),
                (K::DiscoverHeadingMismatch, &[]),
            ));
        }
    }
    read
}

/// A heading read against the rows it sums: its label and row, its members, the column in
/// which it adds up.
struct Heading<'a> {
    label: &'a str,
    row: u32,
    members: &'a [u32],
    witness: u32,
}

/// Rows as a message shows them, one-based: `3, 4, 7–12` (a run of three or more as a span).
fn rows_shown(rows: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut k = 0;
    while k < rows.len() {
        let mut end = k;
        while rows
            .get(end + 1)
            .is_some_and(|n| Some(*n) == rows[end].checked_add(1))
        {
            end += 1;
        }
        if end >= k + 2 {
            parts.push(format!("{}–{}", rows[k] + 1, rows[end] + 1));
        } else {
            parts.extend(rows[k..=end].iter().map(|r| (r + 1).to_string()));
        }
        k = end + 1;
    }
    parts.join(", ")
}

/// The finding for a heading whose typed figure `v` in column `c` is not `sum`, the sum of its
/// members: said as `kind`, with `extra` parameters for its message.
fn heading_mismatch(
    sheet: &Sheet,
    si: usize,
    file: &str,
    pack: &Pack,
    h: &Heading,
    (c, v, sum): (u32, f64, f64),
    (kind, extra): (K, &[(&str, &str)]),
) -> Finding {
    let decimals = h
        .members
        .iter()
        .chain(std::iter::once(&h.row))
        .filter_map(|row| sheet.cells.get(&CellRef::new(*row, c)))
        .filter_map(|cell| figure(cell, pack).map(|f| f.2))
        .max()
        .unwrap_or(0);
    let locale = pack.settings.shown_locale();
    let show = |x: f64| format_number(round_half_away(x, 10), Some(decimals), locale);
    let diff = round_half_away(v - sum, 10);
    let diff_text = if diff > 0.0 {
        format!("+{}", show(diff))
    } else {
        show(diff)
    };
    let at = CellRef::new(h.row, c);
    let rows_text = rows_shown(h.members);
    let (at_text, found, expected) = (at.to_string(), show(v), show(sum));
    let (count, witness) = (h.members.len().to_string(), CellRef::col_name(h.witness));
    let mut params: Vec<(&str, &str)> = vec![
        ("label", h.label),
        ("cell", &at_text),
        ("found", &found),
        ("expected", &expected),
        ("difference", &diff_text),
        ("count", &count),
        ("rows", &rows_text),
        ("witness", &witness),
    ];
    params.extend_from_slice(extra);
    let message = pack.settings.message(kind, &params);
    let mut cells = vec![CellLoc::new(None, sheet.name.clone(), at_text.clone())];
    for br in h.members {
        cells.push(CellLoc::new(
            None,
            sheet.name.clone(),
            CellRef::new(*br, c).to_string(),
        ));
    }
    Finding {
        file: file.to_string(),
        sheet: Some(sheet.name.clone()),
        rule: kind.id().to_string(),
        severity: kind.severity(),
        message,
        cells,
        expected: Some(round_half_away(sum, 10)),
        actual: Some(round_half_away(v, 10)),
        difference: Some(diff),
        order: (si + 1, h.row, c),
        decimals: Some(decimals),
    }
}

/// A row as an outline reads it: its label (the first text of three letters or more, not a
/// roman numeral), its depth (the cell's indent, then the label's leading spaces) and whether
/// it is bold.
struct Line<'a> {
    row: u32,
    col: u32,
    label: &'a str,
    depth: (u8, usize),
    bold: bool,
    /// A figure right of its label (a row of none, a header, ends a run).
    figures: bool,
}

fn outline_lines<'a>(
    sheet: &Sheet,
    rows: &BTreeMap<u32, Vec<(u32, &'a Cell)>>,
    pack: &Pack,
) -> Vec<Line<'a>> {
    let roman = |t: &str| {
        t.chars()
            .all(|c| "IVXLCivxlc.)( ".contains(c) || c.is_ascii_digit())
    };
    rows.iter()
        .filter_map(|(r, cells)| {
            let (col, label) = cells.iter().find_map(|(c, cell)| match &cell.value {
                Value::Text(t)
                    if t.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !roman(t) =>
                {
                    Some((*c, t.as_str()))
                }
                _ => None,
            })?;
            let e = sheet
                .emphasis
                .get(&CellRef::new(*r, col))
                .copied()
                .unwrap_or_default();
            let spaces = label.chars().take_while(|c| c.is_whitespace()).count();
            let figures = cells
                .iter()
                .any(|(c, cell)| *c > col && figure(cell, pack).is_some());
            Some(Line {
                row: *r,
                col,
                label,
                depth: (e.indent, spaces),
                bold: e.bold,
                figures,
            })
        })
        .collect()
}

/// How an outline sets a heading apart from the rows it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// Its rows are more indented (the cell's indent, or leading spaces).
    Indent,
    /// It is bold, its rows are not.
    Bold,
}

/// The members of the heading `lines[i]` read `by` indentation or bold, below it (`down`) or
/// above it: the run of rows next to it in its label column, more indented than it (or not
/// bold), up to the first row that is not; of them, the rows one level under it (the least
/// indented; read by bold, they must all be at one depth). None when fewer than two.
fn outline_members(lines: &[Line], i: usize, by: By, down: bool) -> Option<Vec<usize>> {
    let h = &lines[i];
    if by == By::Bold && !h.bold {
        return None;
    }
    let mut run: Vec<usize> = Vec::new();
    let mut prev = i;
    loop {
        let j = if down {
            prev.checked_add(1)
        } else {
            prev.checked_sub(1)
        };
        let Some((j, l)) = j.and_then(|j| lines.get(j).map(|l| (j, l))) else {
            break;
        };
        let next_row = if down {
            lines[prev].row.checked_add(1)
        } else {
            lines[prev].row.checked_sub(1)
        };
        let inside = match by {
            By::Indent => l.depth > h.depth,
            By::Bold => !l.bold && l.depth >= h.depth,
        };
        if Some(l.row) != next_row
            || l.col != h.col
            || !inside
            || !l.figures
            || run.len() >= MAX_BLOCK
        {
            break;
        }
        run.push(j);
        prev = j;
    }
    let top = run.iter().map(|&j| lines[j].depth).min()?;
    if by == By::Bold && run.iter().any(|&j| lines[j].depth != top) {
        return None;
    }
    let mut members: Vec<usize> = run.into_iter().filter(|&j| lines[j].depth == top).collect();
    members.sort_unstable();
    (members.len() >= 2).then_some(members)
}

/// How many headings [`outline`] read (two or more members, two or more typed figures): by
/// the cells' indent, by leading spaces alone, by bold type.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutlineRead {
    pub indent: usize,
    pub spaces: usize,
    pub bold: usize,
}

/// Headings set apart by their formatting (see [`outline_members`]) whose typed figure is not
/// the sum of their members in one column (off in two or more, it is no plain sum), while
/// another column of the row is (the witness), and the
/// rows above it, read the same way, do not add up to it either (it would total them). Rows
/// numbered, labelled as a total or as a part are read by the other patterns; members after a
/// part word (`Trong đó`) are not summed.
fn outline(
    sheet: &Sheet,
    si: usize,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    file: &str,
    pack: &Pack,
    out: &mut Vec<Finding>,
) -> OutlineRead {
    let lines = outline_lines(sheet, rows, pack);
    let mut read = OutlineRead::default();
    for (i, h) in lines.iter().enumerate() {
        let Some(cells) = rows.get(&h.row) else {
            continue;
        };
        if numbering(cells).is_some()
            || cells.iter().any(|(_, c)| is_total(c, pack))
            || is_part(h.label, pack)
        {
            continue;
        }
        let Some((by, members)) = [By::Indent, By::Bold]
            .into_iter()
            .find_map(|by| outline_members(&lines, i, by, true).map(|m| (by, m)))
        else {
            continue;
        };
        let members: Vec<&Line> = members
            .iter()
            .map(|&j| &lines[j])
            .take_while(|l| !is_part(l.label, pack))
            .collect();
        let totals: Vec<(u32, f64, f64)> = cells
            .iter()
            .filter(|(c, cell)| *c > h.col && cell.formula.is_none())
            .filter_map(|(c, cell)| figure(cell, pack).map(|(v, s, _)| (*c, v, s)))
            .collect();
        if members.len() < 2 || totals.len() < 2 {
            continue;
        }
        match by {
            By::Indent if members[0].depth.0 > h.depth.0 => read.indent += 1,
            By::Indent => read.spaces += 1,
            By::Bold => read.bold += 1,
        }
        let member_rows: Vec<u32> = members.iter().map(|l| l.row).collect();
        let above: Vec<u32> = outline_members(&lines, i, by, false)
            .map(|m| m.iter().map(|&j| lines[j].row).collect())
            .unwrap_or_default();
        outline_heading(
            sheet,
            si,
            file,
            pack,
            h,
            (by, &member_rows, &above),
            &totals,
            out,
        );
    }
    read
}

/// The findings of one outline heading `h` over `members` (its rows read `by` indentation or
/// bold; `above`, the rows above it read the same way), its typed figures `totals`.
#[allow(clippy::too_many_arguments)]
fn outline_heading(
    sheet: &Sheet,
    si: usize,
    file: &str,
    pack: &Pack,
    h: &Line,
    (by, members, above): (By, &[u32], &[u32]),
    totals: &[(u32, f64, f64)],
    out: &mut Vec<Finding>,
) {
    let verdicts: Vec<(Verdict, Column)> = totals
        .iter()
        .map(|(c, v, s)| {
            let col = column(sheet, members, *c, pack);
            (verdict((*v, *s), &col), col)
        })
        .collect();
    let Some(witness) = totals
        .iter()
        .zip(&verdicts)
        .find(|(t, v)| v.0 == Verdict::Adds && t.1 != 0.0)
        .map(|(t, _)| t.0)
    else {
        return;
    };
    let by_text = pack.settings.message(
        match by {
            By::Indent => T::DiscoverByIndent,
            By::Bold => T::DiscoverByBold,
        },
        &[],
    );
    // A slip is one figure: a heading off in more than one column is no plain sum of these
    // rows (figures estimated and rounded one by one, as population tables are).
    if verdicts.iter().filter(|v| v.0 == Verdict::Off).count() > 1 {
        return;
    }
    let label = h.label.trim();
    for ((c, v, s), (verdict_here, col)) in totals.iter().zip(&verdicts) {
        // Every member holds a figure in this column, and the rows above do not add up to it
        // (it would be their total, not their heading).
        if *verdict_here != Verdict::Off
            || col.parts.len() != members.len()
            || verdict((*v, *s), &column(sheet, above, *c, pack)) == Verdict::Adds
        {
            continue;
        }
        let heading = Heading {
            label,
            row: h.row,
            members,
            witness,
        };
        out.push(heading_mismatch(
            sheet,
            si,
            file,
            pack,
            &heading,
            (*c, *v, col.sum),
            (K::DiscoverOutlineMismatch, &[("by", &by_text)]),
        ));
    }
}

/// A percentage as a cell shows it: (percent, decimals shown), for a number under a percent
/// format (0.5397 → 53.97) or in a column headed with `%`.
fn percent_of(cell: &Cell, headed: bool) -> Option<(f64, u8)> {
    let Value::Number(v) = cell.value else {
        return None;
    };
    if !v.is_finite() {
        return None;
    }
    if cell.fmt.percent {
        let d = cell
            .fmt
            .decimals
            .unwrap_or_else(|| shown_decimals(v * 100.0));
        Some((v * 100.0, d.min(10)))
    } else if headed {
        let d = cell.fmt.decimals.unwrap_or_else(|| shown_decimals(v));
        Some((v, d.min(10)))
    } else {
        None
    }
}

/// Whether `p` (shown to `d` decimals) is `n / b × 100` as shown: within half a unit of its
/// last shown digit (a tie either way is right: no false alarm from a tie).
fn share_is(p: f64, d: u8, n: f64, b: f64) -> bool {
    b > 0.0
        && (n / b * 100.0 - p).abs() <= 0.5 * 10f64.powi(-i32::from(d)) + 1e-9 * p.abs().max(1.0)
}

/// Percentage columns whose figure in a row is not the count beside it over the base (the
/// count of the row reading 100 %, or the one count most of them are shares of), while at
/// least three other rows are and no other row's count explains it. Gives how many percentage
/// columns with such a base it read.
fn percentages(
    sheet: &Sheet,
    si: usize,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    file: &str,
    pack: &Pack,
    out: &mut Vec<Finding>,
) -> usize {
    let Some(ext) = sheet.extent() else { return 0 };
    (1..=ext.col)
        .filter(|&pc| percentage_column(sheet, si, rows, pc, file, pack, out))
        .count()
}

/// A row's percentage with its count: (row, percent, decimals shown, count).
type PercentPair = (u32, f64, u8, f64);

/// Where a percentage column's shares are read from: the percentage column, the count column
/// beside it, and the row and count of the base.
struct PercentColumn {
    pc: u32,
    cc: u32,
    base_row: u32,
    base: f64,
}

/// Column `pc` as a percentage column (see [`percentages`]): its findings pushed to `out`;
/// whether it was read (a count column and a base found).
fn percentage_column(
    sheet: &Sheet,
    si: usize,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    pc: u32,
    file: &str,
    pack: &Pack,
    out: &mut Vec<Finding>,
) -> bool {
    let column: Vec<(u32, &Cell)> = rows
        .iter()
        .filter_map(|(r, cells)| cells.iter().find(|(c, _)| *c == pc).map(|(_, x)| (*r, *x)))
        .collect();
    let Some((cc, headed)) = count_column_of_percentages(sheet, &column, pc, pack) else {
        return false;
    };
    // (row, percent, decimals, count) of every row holding both.
    let pairs: Vec<PercentPair> = column
        .iter()
        .filter_map(|(r, c)| {
            let (p, d) = percent_of(c, headed)?;
            let n = figure(sheet.cells.get(&CellRef::new(*r, cc))?, pack)?.0;
            Some((*r, p, d, n))
        })
        .collect();
    let Some((base_row, base)) = percentage_base(sheet, rows, cc, &pairs, pack) else {
        return false;
    };
    let at = PercentColumn {
        pc,
        cc,
        base_row,
        base,
    };
    let (good, bad): (Vec<_>, Vec<_>) = pairs
        .iter()
        .filter(|(r, ..)| *r != base_row)
        .partition(|(_, p, d, n)| share_is(*p, *d, *n, base));
    if good.len() < 3 || bad.len() * 2 > good.len() {
        return true;
    }
    for &&(r, p, d, n) in &bad {
        // Another row's count as its base (a sub-item's share of its heading): not said.
        if pairs
            .iter()
            .any(|(r2, _, _, b)| *r2 != r && share_is(p, d, n, *b))
        {
            continue;
        }
        out.push(percent_mismatch(
            sheet,
            si,
            file,
            pack,
            &at,
            (r, p, d, n),
            good.len(),
        ));
    }
    true
}

/// The count column of percentage column `pc` (whose cells by row are `column`): the nearest
/// column left of it with plain figures beside its numbers; with whether `pc` is headed with
/// `%` above its first number beside a count. None when there is no such column, or `pc` is
/// neither so headed nor has most of its figures under a percent format.
fn count_column_of_percentages(
    sheet: &Sheet,
    column: &[(u32, &Cell)],
    pc: u32,
    pack: &Pack,
) -> Option<(u32, bool)> {
    // The count column: the nearest column left of it with plain figures beside its
    // numbers.
    let numbers: Vec<u32> = column
        .iter()
        .filter(|(_, c)| matches!(c.value, Value::Number(_)))
        .map(|(r, _)| *r)
        .collect();
    let beside = |c: u32| {
        numbers
            .iter()
            .filter(|r| {
                sheet
                    .cells
                    .get(&CellRef::new(**r, c))
                    .and_then(|x| figure(x, pack))
                    .is_some()
            })
            .count()
    };
    let cc = (pc.saturating_sub(2)..pc).rev().find(|&c| beside(c) >= 3)?;
    // Headed with `%` above its first number beside a count, or most of its figures under
    // a percent format.
    let first = numbers.iter().copied().find(|r| {
        sheet
            .cells
            .get(&CellRef::new(*r, cc))
            .and_then(|x| figure(x, pack))
            .is_some()
    })?;
    let headed = column
        .iter()
        .any(|(r, c)| *r < first && matches!(&c.value, Value::Text(t) if t.contains('%')));
    let formatted = column.iter().filter(|(_, c)| c.fmt.percent).count();
    if !headed && formatted < 3 {
        return None;
    }
    Some((cc, headed))
}

/// The base of a percentage column with count column `cc`: (row, count) of the one row
/// reading 100 %; without one, the count (of any row of the column's rows) that most of its
/// percentages are shares of — when one count is so, never two. None otherwise.
fn percentage_base(
    sheet: &Sheet,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    cc: u32,
    pairs: &[PercentPair],
    pack: &Pack,
) -> Option<(u32, f64)> {
    let hundreds: Vec<&PercentPair> = pairs
        .iter()
        .filter(|(_, p, _, n)| (*p - 100.0).abs() < 1e-9 && *n > 0.0)
        .collect();
    match hundreds.as_slice() {
        [&(r, _, _, n)] => Some((r, n)),
        [] => {
            let candidates: Vec<(u32, f64)> = rows
                .keys()
                .filter_map(|r| {
                    let n = figure(sheet.cells.get(&CellRef::new(*r, cc))?, pack)?.0;
                    (n > 0.0).then_some((*r, n))
                })
                .collect();
            let shares = |b: f64| {
                pairs
                    .iter()
                    .filter(|(_, p, d, n)| share_is(*p, *d, *n, b))
                    .count()
            };
            let mut ranked: Vec<(usize, u32, f64)> = candidates
                .iter()
                .map(|(r, b)| (shares(*b), *r, *b))
                .collect();
            ranked.sort_by_key(|x| std::cmp::Reverse(x.0));
            match ranked.as_slice() {
                [(n, r, b), rest @ ..]
                    if *n >= 3 && rest.first().is_none_or(|x| x.0 < *n && x.2 != *b) =>
                {
                    Some((*r, *b))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The finding for row `r` of a percentage column whose percent `p` (shown to `d` decimals)
/// is not its count `n` over the column's base, which `witnesses` other rows agree with.
fn percent_mismatch(
    sheet: &Sheet,
    si: usize,
    file: &str,
    pack: &Pack,
    at: &PercentColumn,
    (r, p, d, n): PercentPair,
    witnesses: usize,
) -> Finding {
    let locale = pack.settings.shown_locale();
    let expected = round_half_away(n / at.base * 100.0, i32::from(d));
    let show = |x: f64| format_number(x, Some(d), locale);
    let cell = CellRef::new(r, at.pc);
    let count_at = CellRef::new(r, at.cc);
    let base_at = CellRef::new(at.base_row, at.cc);
    let kind = K::DiscoverPercentMismatch;
    let message = pack.settings.message(
        kind,
        &[
            ("cell", &cell.to_string()),
            ("found", &show(p)),
            ("expected", &show(expected)),
            ("count", &count_at.to_string()),
            ("base", &base_at.to_string()),
            ("witnesses", &witnesses.to_string()),
        ],
    );
    let diff = round_half_away(p - expected, 10);
    Finding {
        file: file.to_string(),
        sheet: Some(sheet.name.clone()),
        rule: kind.id().to_string(),
        severity: kind.severity(),
        message,
        cells: [cell, count_at, base_at]
            .iter()
            .map(|c| CellLoc::new(None, sheet.name.clone(), c.to_string()))
            .collect(),
        expected: Some(expected),
        actual: Some(p),
        difference: Some(diff),
        order: (si + 1, r, at.pc),
        decimals: Some(d),
    }
}

/// How many numbered headings over two or more items, with two or more typed figures, a
/// workbook holds: what [`discover`] reads as headings (for measuring it).
pub fn heading_rows(wb: &Workbook, pack: &Pack) -> usize {
    let mut scratch = Vec::new();
    wb.sheets
        .iter()
        .enumerate()
        .map(|(si, sheet)| {
            let mut rows: BTreeMap<u32, Vec<(u32, &Cell)>> = BTreeMap::new();
            for (at, cell) in &sheet.cells {
                rows.entry(at.row).or_default().push((at.col, cell));
            }
            headings(sheet, si, &rows, "", pack, &mut scratch)
        })
        .sum()
}

/// What [`discover`] reads as headings set apart by formatting, by kind (for measuring it).
pub fn outline_headings(wb: &Workbook, pack: &Pack) -> OutlineRead {
    let mut scratch = Vec::new();
    let mut read = OutlineRead::default();
    for (si, sheet) in wb.sheets.iter().enumerate() {
        let mut rows: BTreeMap<u32, Vec<(u32, &Cell)>> = BTreeMap::new();
        for (at, cell) in &sheet.cells {
            rows.entry(at.row).or_default().push((at.col, cell));
        }
        let r = outline(sheet, si, &rows, "", pack, &mut scratch);
        read.indent += r.indent;
        read.spaces += r.spaces;
        read.bold += r.bold;
    }
    read
}

/// How many percentage columns with a base (a row at 100 %, or the count most of them are
/// shares of) a workbook holds: what [`discover`] reads as shares (for measuring it).
pub fn percent_columns(wb: &Workbook, pack: &Pack) -> usize {
    let mut scratch = Vec::new();
    wb.sheets
        .iter()
        .enumerate()
        .map(|(si, sheet)| {
            let mut rows: BTreeMap<u32, Vec<(u32, &Cell)>> = BTreeMap::new();
            for (at, cell) in &sheet.cells {
                rows.entry(at.row).or_default().push((at.col, cell));
            }
            percentages(sheet, si, &rows, "", pack, &mut scratch)
        })
        .sum()
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
        let _ = headings(sheet, si, &rows, file, pack, &mut out);
        let _ = outline(sheet, si, &rows, file, pack, &mut out);
        let _ = percentages(sheet, si, &rows, file, pack, &mut out);
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

/// The references a sum formula adds, each a range (a cell is a range of one), its corners
/// top left and bottom right.
type Ranges = Vec<(CellRef, CellRef)>;

/// What a formula adds, when it adds references of its own sheet and nothing else: one `SUM` of
/// ranges and cells (`SUM(C8:C12)`, `SUM(C8:C10,C12)`, `,` or `;`), or cells joined by `+`
/// (`C8+C9+C11`). `$` allowed. Read with the one tokenizer.
fn summed(formula: &str) -> Option<Ranges> {
    use crate::read::formula_tokens::{tokens, Token};
    let text = formula.trim();
    let text = text.strip_prefix('=').unwrap_or(text);
    let toks: Vec<Token> = tokens(text)
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Space(_)))
        .collect();
    let cell = |t: &Token| match t {
        Token::Word(w) => CellRef::parse_a1(w),
        _ => None,
    };
    let corners = |a: CellRef, b: CellRef| {
        (
            CellRef::new(a.row.min(b.row), a.col.min(b.col)),
            CellRef::new(a.row.max(b.row), a.col.max(b.col)),
        )
    };
    let mut out = Vec::new();
    if let [Token::Word(name), Token::Punct('('), args @ .., Token::Punct(')')] = toks.as_slice() {
        if !name.eq_ignore_ascii_case("SUM") {
            return None;
        }
        for arg in args.split(|t| matches!(t, Token::Punct(',' | ';'))) {
            match arg {
                [a] => out.push(corners(cell(a)?, cell(a)?)),
                [a, Token::Punct(':'), b] => out.push(corners(cell(a)?, cell(b)?)),
                _ => return None,
            }
        }
        return Some(out);
    }
    // Cells joined by `+`: two or more.
    for (k, t) in toks.iter().enumerate() {
        if k % 2 == 1 {
            if *t != Token::Punct('+') {
                return None;
            }
        } else {
            let c = cell(t)?;
            out.push((c, c));
        }
    }
    (toks.len() % 2 == 1 && out.len() >= 2).then_some(out)
}

/// Whether a formula sums (a `SUM` or `SUBTOTAL` in it): a subtotal, not a member.
fn sums_something(cell: &Cell) -> bool {
    use crate::read::formula_tokens::{tokens, Token};
    cell.formula.as_deref().is_some_and(|f| {
        tokens(f.trim().trim_start_matches('=')).map_or(true, |t| {
            t.iter().any(|t| {
                matches!(t, Token::Word(w) if w.eq_ignore_ascii_case("SUM") || w.eq_ignore_ascii_case("SUBTOTAL"))
            })
        })
    })
}

/// How a member of a block is labelled: a row by its numbering (depth, parent, label column)
/// or its plain label's column; a column by the row of its header. None: no label, a total, a
/// part (`Trong đó`), or a label of fewer than three letters (a column code, `A`, `B`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Numbered(Vec<String>, u32),
    Plain(u32),
    Header(u32),
}

fn shape_of(
    sheet: &Sheet,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    vertical: bool,
    at: CellRef,
    pack: &Pack,
) -> Option<(Shape, String)> {
    let good = |label: &str| {
        label.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !is_part(label, pack)
    };
    if vertical {
        let cells = rows.get(&at.row)?;
        if cells.iter().any(|(_, c)| is_total(c, pack)) {
            return None;
        }
        let left: Vec<(u32, &Cell)> = cells.iter().filter(|(c, _)| *c < at.col).copied().collect();
        if let Some((mut path, lc, label)) = numbering(&left) {
            path.pop();
            return good(&label).then_some((Shape::Numbered(path, lc), label));
        }
        let (lc, label) = left.iter().find_map(|(c, cell)| match &cell.value {
            Value::Text(t) if t.chars().any(char::is_alphabetic) => {
                Some((*c, t.trim().to_string()))
            }
            _ => None,
        })?;
        // A label that is numbered (as a heading) is read above; a label of no number here.
        good(&label).then_some((Shape::Plain(lc), label))
    } else {
        let (hr, cell) = (0..at.row).rev().find_map(|r| {
            let cell = sheet.cells.get(&CellRef::new(r, at.col))?;
            matches!(&cell.value, Value::Text(t) if t.chars().any(char::is_alphabetic))
                .then_some((r, cell))
        })?;
        let Value::Text(t) = &cell.value else {
            return None;
        };
        let label = t.trim().to_string();
        (!is_total(cell, pack) && good(&label)).then_some((Shape::Header(hr), label))
    }
}

/// A sum that leaves out an adjacent member of its block: the left-out cell, its figure and
/// label, the sum of what it adds, the decimals shown.
struct Omission {
    left_out: CellRef,
    value: f64,
    label: String,
    sum: f64,
    count: usize,
    decimals: u8,
}

/// The members a sum adds: their figures by position, the decimals shown, the shape of their
/// labels.
struct Members {
    figures: Vec<(u32, f64)>,
    decimals: u8,
    shape: Shape,
}

impl Members {
    fn sum(&self) -> f64 {
        self.figures.iter().map(|x| x.1).sum()
    }
}

/// The members at `covered` positions of the line (column when `vertical`) of `at`; None when
/// one is a subtotal, or a figure without a label, or labelled unlike the others, or fewer
/// than two hold a figure.
fn summed_members(
    sheet: &Sheet,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    (vertical, at): (bool, CellRef),
    covered: &BTreeSet<u32>,
    pack: &Pack,
) -> Option<Members> {
    let make = |p: u32| {
        if vertical {
            CellRef::new(p, at.col)
        } else {
            CellRef::new(at.row, p)
        }
    };
    let mut figures = Vec::new();
    let mut decimals = 0u8;
    let mut shape: Option<Shape> = None;
    for &p in covered {
        let cell = sheet.cells.get(&make(p));
        if cell.is_some_and(sums_something) {
            return None;
        }
        let fig = cell.and_then(|c| figure(c, pack));
        let own = shape_of(sheet, rows, vertical, make(p), pack).map(|x| x.0);
        match (&fig, own) {
            (None, None) => continue,
            (_, None) => return None,
            (_, Some(sh)) => {
                if shape.as_ref().is_some_and(|x| *x != sh) {
                    return None;
                }
                shape = Some(sh);
            }
        }
        if let Some((v, _, d)) = fig {
            figures.push((p, v));
            decimals = decimals.max(d);
        }
    }
    (figures.len() >= 2).then_some(Members {
        figures,
        decimals,
        shape: shape?,
    })
}

/// Whether the other sums of the same total (the same row of a column's totals, or the same
/// column of a row's) allow saying position `p` is left out by the sum at `at` (at position
/// `f`): when there are any, one must count it (the witness); all leaving it out is a choice,
/// not a slip. A row's sum needs a witness.
fn witnessed(
    sums: &BTreeMap<CellRef, Ranges>,
    (vertical, at): (bool, CellRef),
    p: u32,
    f: u32,
) -> bool {
    let pos = |c: CellRef| if vertical { c.row } else { c.col };
    let mut siblings = 0;
    let mut witness = false;
    for (other, ranges) in sums {
        let own_line = ranges.iter().all(|(oa, ob)| {
            if vertical {
                oa.col == other.col && ob.col == other.col
            } else {
                oa.row == other.row && ob.row == other.row
            }
        });
        let same = own_line
            && if vertical {
                other.row == at.row && other.col != at.col
            } else {
                other.col == at.col && other.row != at.row
            };
        if !same {
            continue;
        }
        siblings += 1;
        let covers = |x: u32| {
            ranges
                .iter()
                .any(|(oa, ob)| (pos(*oa)..=pos(*ob)).contains(&x))
        };
        if covers(p) && !covers(f) {
            witness = true;
        }
    }
    witness || (siblings == 0 && vertical)
}

/// Whether the sum in `at` of `ranges` leaves out a member next to what it adds: next to its
/// ends (nearest the formula first, then the far end), or the one cell it skips between them
/// (a sum skipping more is a choice). See [`sum_omissions`] for the terms.
fn omission(
    sheet: &Sheet,
    rows: &BTreeMap<u32, Vec<(u32, &Cell)>>,
    sums: &BTreeMap<CellRef, Ranges>,
    at: CellRef,
    ranges: &[(CellRef, CellRef)],
    pack: &Pack,
) -> Option<Omission> {
    let vertical = ranges
        .iter()
        .all(|(a, b)| a.col == at.col && b.col == at.col);
    let across = ranges
        .iter()
        .all(|(a, b)| a.row == at.row && b.row == at.row);
    if !(vertical || across) {
        return None;
    }
    let pos = |c: CellRef| if vertical { c.row } else { c.col };
    let make = |p: u32| {
        if vertical {
            CellRef::new(p, at.col)
        } else {
            CellRef::new(at.row, p)
        }
    };
    let mut covered = BTreeSet::new();
    for (a, b) in ranges {
        if (pos(*b) - pos(*a)) as usize >= MAX_BLOCK {
            return None;
        }
        covered.extend(pos(*a)..=pos(*b));
    }
    let (&s, &e) = (covered.first()?, covered.last()?);
    let f = pos(at);
    if e <= s || (s..=e).contains(&f) || (e - s) as usize >= MAX_BLOCK {
        return None;
    }
    let gaps: Vec<u32> = (s..=e).filter(|p| !covered.contains(p)).collect();
    if gaps.len() > 1 {
        return None;
    }
    let members = summed_members(sheet, rows, (vertical, at), &covered, pack)?;
    let sum = members.sum();
    let own_value = sheet
        .cells
        .get(&at)
        .and_then(|c| figure(c, pack))
        .map(|x| x.0);
    let near_side = if f > e { e + 1 } else { s.checked_sub(1)? };
    let far_side = if f > e { s.checked_sub(1) } else { Some(e + 1) };
    let between = |p: u32| p != f && (if f > e { p < f } else { p > f });
    let candidates = [near_side]
        .into_iter()
        .filter(|p| between(*p))
        .chain(gaps.first().copied())
        .chain(far_side);
    for p in candidates {
        let left_out = make(p);
        let Some(cell) = sheet.cells.get(&left_out) else {
            continue;
        };
        if sums_something(cell) {
            continue;
        }
        let Some((value, _, d)) = figure(cell, pack) else {
            continue;
        };
        // A zero changes nothing; a figure that is the block's sum (or the formula's) is its
        // heading or total, not a member; a skipped cell that is the sum of the members on
        // one side of it is their subtotal.
        let side = |before: bool| -> f64 {
            members
                .figures
                .iter()
                .filter(|(q, _)| (*q < p) == before)
                .map(|x| x.1)
                .sum()
        };
        if value == 0.0
            || near(value, sum, 1e-9)
            || own_value.is_some_and(|o| near(value, o, 1e-9))
            || (gaps.contains(&p)
                && (near(value, side(true), 1e-9) || near(value, side(false), 1e-9)))
        {
            continue;
        }
        let Some((own_shape, label)) = shape_of(sheet, rows, vertical, left_out, pack) else {
            continue;
        };
        if own_shape != members.shape || !witnessed(sums, (vertical, at), p, f) {
            continue;
        }
        return Some(Omission {
            left_out,
            value,
            label,
            sum,
            count: members.figures.len(),
            decimals: members.decimals.max(d),
        });
    }
    None
}

/// How many cells of a workbook hold one `SUM` of a range of their own column or row: what
/// [`sum_omissions`] reads (for measuring it; needs the formulas' text).
pub fn sum_formulas(wb: &Workbook) -> usize {
    wb.sheets
        .iter()
        .flat_map(|s| &s.cells)
        .filter(|(at, c)| {
            c.formula.as_deref().and_then(summed).is_some_and(|r| {
                r.iter().all(|(a, b)| a.col == at.col && b.col == at.col)
                    || r.iter().all(|(a, b)| a.row == at.row && b.row == at.row)
            })
        })
        .count()
}

/// `SUM`s whose range leaves out an adjacent member of its block (sheets in `skip` left out):
/// needs the formulas' text (a full read). A cell whose formula is one `SUM` of a contiguous
/// range of its own column (or row), at least two figures, is read against the cell next to
/// its range's end (or start): said when that cell holds a figure (not zero, no subtotal, not
/// the block's sum), is labelled as each member of the range is (a row: numbered at the same
/// level under the same parent, or a plain label in the same column; a column: its header's
/// row), is no total, no part (`[settings] part_labels`) and no code of fewer than three
/// letters, and — when other `SUM`s of the same total exist — one of them counts it (all
/// leaving it out is a choice). A `SUM` of a row needs that witness.
pub fn sum_omissions(
    wb: &Workbook,
    file: &str,
    pack: &Pack,
    skip: &BTreeSet<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if pack.settings.total_words.is_empty() {
        return out;
    }
    for (si, sheet) in wb.sheets.iter().enumerate() {
        if skip.contains(sheet.name.as_str()) {
            continue;
        }
        let sums: BTreeMap<CellRef, Ranges> = sheet
            .cells
            .iter()
            .filter_map(|(at, c)| c.formula.as_deref().and_then(summed).map(|r| (*at, r)))
            .collect();
        if sums.is_empty() {
            continue;
        }
        let mut rows: BTreeMap<u32, Vec<(u32, &Cell)>> = BTreeMap::new();
        for (at, cell) in &sheet.cells {
            rows.entry(at.row).or_default().push((at.col, cell));
        }
        for (&at, ranges) in &sums {
            let Some(o) = omission(sheet, &rows, &sums, at, ranges, pack) else {
                continue;
            };
            let kind = K::DiscoverSumOmits;
            let locale = pack.settings.shown_locale();
            let show = |x: f64| format_number(round_half_away(x, 10), Some(o.decimals), locale);
            let range_text = ranges
                .iter()
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}:{b}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let message = pack.settings.message(
                kind,
                &[
                    ("cell", &at.to_string()),
                    ("range", &range_text),
                    ("omitted", &o.left_out.to_string()),
                    ("value", &show(o.value)),
                    ("label", &o.label),
                    ("count", &o.count.to_string()),
                ],
            );
            let actual = sheet
                .cells
                .get(&at)
                .and_then(|c| figure(c, pack))
                .map_or(o.sum, |x| x.0);
            let expected = round_half_away(actual + o.value, 10);
            out.push(Finding {
                file: file.to_string(),
                sheet: Some(sheet.name.clone()),
                rule: kind.id().to_string(),
                severity: kind.severity(),
                message,
                cells: vec![
                    CellLoc::new(None, sheet.name.clone(), at.to_string()),
                    CellLoc::new(None, sheet.name.clone(), o.left_out.to_string()),
                ],
                expected: Some(expected),
                actual: Some(round_half_away(actual, 10)),
                difference: Some(round_half_away(actual - expected, 10)),
                order: (si + 1, at.row, at.col),
                decimals: Some(o.decimals),
            });
        }
    }
    out
}

/// What `check --discover` says of a workbook: [`discover`] on the workbook as read for
/// checking (a formula's stored value read as typed), and [`sum_omissions`] on the same
/// workbook with its formulas read; a total also said to leave out a member is said once, as
/// the `SUM` that leaves it out.
pub fn discover_all(
    checked: &Workbook,
    with_formulas: &Workbook,
    file: &str,
    pack: &Pack,
    skip: &BTreeSet<&str>,
) -> Vec<Finding> {
    let omits = sum_omissions(with_formulas, file, pack, skip);
    let mut out = discover(checked, file, pack, skip);
    out.retain(|f| {
        !omits
            .iter()
            .any(|o| o.sheet == f.sheet && o.cells.first() == f.cells.first())
    });
    out.extend(omits);
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

    /// [`sheet`] with formulas set on some of its cells (their values stay as typed).
    fn omits(rows: &[&[&str]], formulas: &[(&str, &str)]) -> Vec<(String, String)> {
        let pack = compile(&builtin_sources()).expect("built-in pack");
        let mut wb = sheet(rows);
        for (at, f) in formulas {
            let at = CellRef::parse_a1(at).expect("address");
            if let Some(cell) = wb.sheets[0].cells.get_mut(&at) {
                cell.formula = Some((*f).to_string());
            }
        }
        sum_omissions(&wb, "t.xlsx", &pack, &BTreeSet::new())
            .into_iter()
            .map(|f| (f.cells[0].cell.clone(), f.cells[1].cell.clone()))
            .collect()
    }

    const BLOCK: [&[&str]; 6] = [
        &["STT", "Chỉ tiêu", "Nam", "Nữ"],
        &["1", "Kết nạp mới", "10", "4"],
        &["2", "Chuyển đến", "20", "12"],
        &["3", "Phục hồi", "5", "3"],
        &["", "Trong đó: nữ", "2", "1"],
        &["", "Tổng cộng", "30", "19"],
    ];

    #[test]
    fn a_sum_omitting_the_last_row_of_its_block() {
        let got = omits(&BLOCK, &[("C6", "SUM(C2:C3)"), ("D6", "SUM(D2:D4)")]);
        assert_eq!(got, vec![("C6".to_string(), "C4".to_string())]);
        // Alone in its row (no other SUM to witness): said on the labels alone.
        let got = omits(&BLOCK, &[("C6", "SUM(C2:C3)")]);
        assert_eq!(got, vec![("C6".to_string(), "C4".to_string())]);
        // Every SUM of the row leaving the row out: a choice, not said.
        let got = omits(&BLOCK, &[("C6", "SUM(C2:C3)"), ("D6", "SUM(D2:D3)")]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_sum_that_is_right_or_skips_a_part_row() {
        // C2:C4 leaves out row 5, a `Trong đó` part, on purpose: no finding.
        let got = omits(&BLOCK, &[("C6", "SUM(C2:C4)"), ("D6", "SUM(D2:D4)")]);
        assert!(got.is_empty(), "{got:?}");
        let mut rows = BLOCK;
        rows[4] = &["4", "Chuyển ngành", "2", "1"];
        let got = omits(&rows, &[("C6", "SUM(C2:C5)"), ("D6", "SUM(D2:D5)")]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_plus_sum_leaving_out_the_next_row_or_the_one_it_skips() {
        // `=C2+C3` leaving out C4.
        let got = omits(&BLOCK, &[("C6", "C2+C3"), ("D6", "D2+D3+D4")]);
        assert_eq!(got, vec![("C6".to_string(), "C4".to_string())]);
        // `=C2+C4` skipping C3, which the other column counts.
        let got = omits(&BLOCK, &[("C6", "C2+C4"), ("D6", "SUM(D2:D4)")]);
        assert_eq!(got, vec![("C6".to_string(), "C3".to_string())]);
        // Skipping two cells is a choice, not a slip.
        let mut rows = BLOCK;
        rows[4] = &["4", "Chuyển ngành", "2", "1"];
        let got = omits(&rows, &[("C6", "C2+C5"), ("D6", "SUM(D2:D5)")]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_sum_of_ranges_skipping_a_subtotal_or_a_part_row() {
        // C4 is the subtotal of C2:C3 (typed, labelled as the members are): skipped on purpose.
        let rows: [&[&str]; 7] = [
            &["Chỉ tiêu", "", "Nam", "Nữ"],
            &["Kết nạp mới", "", "10", "4"],
            &["Chuyển đến", "", "20", "12"],
            &["Cộng nhóm một", "", "30", "16"],
            &["Phục hồi", "", "5", "3"],
            &["Chuyển ngành", "", "2", "1"],
            &["Tổng cộng", "", "37", "20"],
        ];
        let got = omits(&rows, &[("C7", "SUM(C2:C3,C5:C6)"), ("D7", "SUM(D2:D6)")]);
        assert!(got.is_empty(), "{got:?}");
        // The `Trong đó` row of BLOCK left out between two ranges: a part, not a member.
        let mut block = BLOCK;
        block[5] = &["", "Tổng cộng", "37", "20"];
        let got = omits(&block, &[("C6", "SUM(C2:C3,C4)"), ("D6", "SUM(D2:D4)")]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_heading_sum_stopping_one_row_short_and_the_other_shapes_not_read() {
        let rows: [&[&str]; 5] = [
            &["STT", "Chỉ tiêu", "Nam", "Nữ"],
            &["2", "Tăng trong năm", "30", "16"],
            &["2.1", "Kết nạp mới", "10", "4"],
            &["2.2", "Chuyển đến", "20", "12"],
            &["2.3", "Phục hồi", "5", "3"],
        ];
        let got = omits(&rows, &[("C2", "SUM(C3:C4)"), ("D2", "sum( D$3 : D5 )")]);
        assert_eq!(got, vec![("C2".to_string(), "C5".to_string())]);
        // The same cells as a list, or joined by `+`: read alike.
        for f in ["SUM(C3,C4)", "SUM(C3;$C$4)", "C3+C4", "=C3 + C4"] {
            let got = omits(&rows, &[("C2", f)]);
            assert_eq!(got, vec![("C2".to_string(), "C5".to_string())], "{f}");
        }
        // Not a sum of references alone: not read.
        for f in [
            "SUM(C3:C4)+0",
            "C3+C4*2",
            "C3-C4",
            "C3",
            "Other!SUM(C3:C4)",
            "SUM(Other!C3:C4)",
            "Other!C3+C4",
        ] {
            assert!(omits(&rows, &[("C2", f)]).is_empty(), "{f}");
        }
        // An item of another level next to the range (a sub-item 2.2a): not a member.
        let mut sub = rows;
        sub[4] = &["2.2a", "Phục hồi", "5", "3"];
        assert!(omits(&sub, &[("C2", "SUM(C3:C4)")]).is_empty());
    }

    #[test]
    fn a_numbered_heading_off_by_one() {
        let got = found(&[
            &["STT", "Chỉ tiêu", "Nam", "Nữ"],
            &["2", "Tăng trong năm", "14", "6"],
            &["2.1", "Kết nạp mới", "10", "4"],
            &["2.2", "Chuyển đến", "3", "2"],
        ]);
        assert_eq!(got, vec![("C2".to_string(), 14.0, 13.0)]);
    }

    #[test]
    fn a_heading_numbered_in_its_label_and_its_grandchildren_left_out() {
        let got = found(&[
            &["Chỉ tiêu", "Nam", "Nữ"],
            &["2 Tăng trong năm", "14", "6"],
            &["2.1 Kết nạp mới", "10", "4"],
            &["2.1a Đoàn viên", "7", "3"],
            &["2.2 Chuyển đến", "3", "2"],
            &["3 Giảm", "1", "1"],
        ]);
        assert_eq!(got, vec![("B2".to_string(), 14.0, 13.0)]);
    }

    #[test]
    fn a_heading_whose_items_are_parts_or_without_a_witness_is_not_read() {
        // Trong đó: parts of the heading, not summed.
        let parts = found(&[
            &["STT", "Chỉ tiêu", "Nam", "Nữ"],
            &["1", "Đảng viên", "50", "20"],
            &["1.1", "Trong đó: dân tộc thiểu số", "20", "12"],
            &["1.2", "Dự bị", "3", "2"],
        ]);
        assert!(parts.is_empty(), "{parts:?}");
        // No column of the heading adds up: not a sum.
        let none = found(&[
            &["STT", "Chỉ tiêu", "Nam", "Nữ"],
            &["2", "Tăng trong năm", "14", "9"],
            &["2.1", "Kết nạp mới", "10", "4"],
            &["2.2", "Chuyển đến", "3", "2"],
        ]);
        assert!(none.is_empty(), "{none:?}");
    }

    /// A sheet as [`sheet`], its column D a percentage column shown to two decimals.
    fn found_with_percent(rows: &[&[&str]]) -> Vec<(String, String)> {
        let pack = compile(&builtin_sources()).expect("built-in pack");
        let mut wb = sheet(rows);
        for (at, cell) in wb.sheets[0].cells.iter_mut() {
            if at.col == 3 && matches!(cell.value, Value::Number(_)) {
                cell.fmt.decimals = Some(2);
            }
        }
        discover(&wb, "t.xlsx", &pack, &BTreeSet::new())
            .into_iter()
            .map(|f| (f.rule, f.cells[0].cell.clone()))
            .collect()
    }

    #[test]
    fn a_percentage_that_is_not_count_over_base() {
        let rows: [&[&str]; 7] = [
            &["STT", "Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"],
            &["1", "Tổng số", "73", "100"],
            &["2", "Nam", "49", "67.12"],
            &["3", "Nữ", "24", "32.88"],
            &["4", "Dự bị", "4", "5.48"],
            &["5", "Chính thức", "69", "94.52"],
            &["6", "Dân tộc", "29", "39.72"],
        ];
        // 29 ÷ 73 × 100 = 39.726…: shown 39.73.
        assert_eq!(
            found_with_percent(&rows),
            vec![("discover.percent-mismatch".to_string(), "D7".to_string())]
        );
        let mut right = rows;
        right[6] = &["6", "Dân tộc", "29", "39.73"];
        assert!(found_with_percent(&right).is_empty());
        // A share of another row (a sub-item of 4 over its heading, 1 ÷ 4 = 25 %): not said.
        right[6] = &["6", "Trong đó nữ dự bị", "1", "25"];
        assert!(found_with_percent(&right).is_empty());
    }

    /// [`sheet`] with some label cells set apart: (address, bold, indent).
    fn found_outlined(rows: &[&[&str]], emphasis: &[(&str, bool, u8)]) -> Vec<(String, String)> {
        let pack = compile(&builtin_sources()).expect("built-in pack");
        let mut wb = sheet(rows);
        for (at, bold, indent) in emphasis {
            let at = CellRef::parse_a1(at).expect("address");
            wb.sheets[0].emphasis.insert(
                at,
                crate::model::Emphasis {
                    bold: *bold,
                    indent: *indent,
                },
            );
        }
        discover(&wb, "t.xlsx", &pack, &BTreeSet::new())
            .into_iter()
            .map(|f| (f.rule, f.cells[0].cell.clone()))
            .collect()
    }

    const OUTLINE: [&[&str]; 6] = [
        &["Chỉ tiêu", "Nam", "Nữ"],
        &["Tăng trong năm", "14", "6"],
        &["Kết nạp mới", "10", "4"],
        &["Chuyển đến", "3", "2"],
        &["Giảm trong năm", "5", "3"],
        &["Chuyển đi", "5", "3"],
    ];

    #[test]
    fn an_indented_heading_off_by_one() {
        let by_indent = [("A3", false, 1), ("A4", false, 1), ("A6", false, 1)];
        assert_eq!(
            found_outlined(&OUTLINE, &by_indent),
            vec![("discover.outline-mismatch".to_string(), "B2".to_string())]
        );
        // The same outline typed with leading spaces.
        let mut spaced = OUTLINE;
        spaced[2] = &["   Kết nạp mới", "10", "4"];
        spaced[3] = &["   Chuyển đến", "3", "2"];
        assert_eq!(
            found_outlined(&spaced, &[]),
            vec![("discover.outline-mismatch".to_string(), "B2".to_string())]
        );
        // Nothing set apart: no outline read.
        assert!(found_outlined(&OUTLINE, &[]).is_empty());
    }

    #[test]
    fn a_bold_heading_right_within_the_rounding_shown() {
        let mut rows = OUTLINE;
        rows[1] = &["Tăng trong năm", "13.6", "6"];
        rows[2] = &["Kết nạp mới", "10.3", "4"];
        rows[3] = &["Chuyển đến", "3.4", "2"];
        let bold = [("A2", true, 0), ("A5", true, 0)];
        assert!(found_outlined(&rows, &bold).is_empty());
        rows[1] = &["Tăng trong năm", "13.9", "6"];
        assert_eq!(
            found_outlined(&rows, &bold),
            vec![("discover.outline-mismatch".to_string(), "B2".to_string())]
        );
    }

    #[test]
    fn an_outline_part_row_and_a_subtotal_under_its_rows_are_not_summed() {
        // `Trong đó` under the heading's members: a part, left out of the sum.
        let mut rows = OUTLINE;
        rows[3] = &["Chuyển đến", "4", "2"];
        rows[4] = &["Trong đó: nữ", "3", "3"];
        rows[5] = &["Dân tộc", "1", "1"];
        let indent = [
            ("A3", false, 1),
            ("A4", false, 1),
            ("A5", false, 1),
            ("A6", false, 1),
        ];
        assert!(found_outlined(&rows, &indent).is_empty());
        // A bold row under the rows it totals (in column B), not a heading of the rows below.
        let rows: [&[&str]; 6] = [
            &["Chỉ tiêu", "Nam", "Nữ"],
            &["Kết nạp mới", "10", "4"],
            &["Chuyển đến", "4", "2"],
            &["Tăng trong năm", "14", "6"],
            &["Chuyển đi", "9", "5"],
            &["Khai trừ", "5", "3"],
        ];
        assert!(found_outlined(&rows, &[("A4", true, 0)]).is_empty());
    }

    #[test]
    fn an_outline_heading_off_in_two_columns_is_no_plain_sum() {
        let rows: [&[&str]; 4] = [
            &["Chỉ tiêu", "Nam", "Nữ", "Cộng"],
            &["Tăng trong năm", "14", "7", "19"],
            &["Kết nạp mới", "10", "4", "14"],
            &["Chuyển đến", "3", "2", "5"],
        ];
        let indent = [("A3", false, 1), ("A4", false, 1)];
        assert!(found_outlined(&rows, &indent).is_empty());
        assert_eq!(rows_shown(&[2, 3, 6, 7, 8, 9]), "3, 4, 7–10");
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
