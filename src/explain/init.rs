//! `crossfoot init`: a starter rule pack from a template workbook (blank, or a filled example).
//!
//! Each sheet's table is read by its structure, never by a list of known forms: the header row
//! is the row whose cells head the longest run of labelled rows below it; the label column is
//! the one holding those labels; an item-number column left of it (or numbering typed into the
//! label) gives the hierarchy (`1`, `1.1`, `2.1a`, `a)`, `I.`); a row whose label begins with
//! one of the pack's `[settings] part_labels` (`Trong đó:`) and the rows after it at its level
//! are parts of the row above, not members of a sum. Columns are taken by their headings; a
//! heading with `%` or a percent number format is a percentage, one holding only whole figures
//! a count.
//!
//! Checks come from what the workbooks show, each commented with where it came from:
//! - the template's formulas: `=SUM(C8:C15)` and `=C8+C9` are sums, `=C8/C7*100` (or `=C8/C7`
//!   under a percent format) a percentage of row 7;
//! - a percentage column whose item reads 100 in the template: every percentage is of that
//!   item;
//! - in a filled example (the template itself, or `--example`): a heading whose rows under it
//!   add up exactly to its figure (or, for a heading without a figure, to an item above it), a
//!   column whose figure is the sum of the columns right of it in every row, the base of each
//!   percentage — each commented "found in the example: confirm";
//! - parts: each part at most its whole.
//!
//! Every check is verified against the template and every example before it is written: one
//! that does not hold in all of them is left out. The texts written (comments, messages) come
//! from the registry in the pack's language.

use crate::check::structure::{figure, is_column_number_row};
use crate::model::{CellRef, Sheet, Value, Workbook};
use crate::registry::{Lang, TextId};
use crate::rules::Settings;
use crate::text::{collapse_spaces, fold_diacritics, label_key};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

/// The rule files of a drafted pack, and what was left out.
#[derive(Debug, Default)]
pub struct Draft {
    /// File name → TOML text, in the order written.
    pub files: Vec<(String, String)>,
    /// Sheets not written as a form, each with the reason (in the pack's language).
    pub notes: Vec<String>,
    /// Forms and checks written.
    pub forms: usize,
    pub checks: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColKind {
    Count,
    Percent,
    Number,
    Text,
}

impl ColKind {
    fn name(self) -> &'static str {
        match self {
            ColKind::Count => "count",
            ColKind::Percent => "percent",
            ColKind::Number => "number",
            ColKind::Text => "text",
        }
    }
}

#[derive(Debug, Clone)]
struct Col {
    col: u32,
    header: String,
    /// The group heading over it (headings over two rows).
    group: Option<String>,
    /// Its sub-heading is a total word: the group's figure.
    total: bool,
    id: String,
    kind: ColKind,
}

#[derive(Debug, Clone)]
struct Row {
    row: u32,
    /// The label as written, its numbering taken off.
    label: String,
    /// The numbering as a path (`2.1a` → 2, 1, a), if any.
    path: Option<Vec<String>>,
    parent: Option<usize>,
    part: bool,
    id: String,
}

#[derive(Debug, Clone)]
struct Table {
    sheet: usize,
    /// Its index among the tables of its sheet, and their count.
    place: (usize, usize),
    /// The first row of its title block.
    above_from: u32,
    header: u32,
    label_col: u32,
    cols: Vec<Col>,
    rows: Vec<Row>,
}

/// A check drafted, before it is written.
#[derive(Debug, Clone)]
struct Drafted {
    id: String,
    each: Option<String>,
    expr: String,
    /// Where it came from, said in a comment.
    why: String,
    message: (String, String),
    /// What must hold in every workbook read (for the verification).
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    /// sum of (row, col) == (row, col).
    Sum(Vec<(usize, u32)>, (usize, u32)),
    /// (row, col) <= (row, col).
    AtMost((usize, u32), (usize, u32)),
    /// percentage cell (row, pct col) == (row, count col) / (base, count col) * 100, for rows.
    Percent(Vec<usize>, u32, u32, Base),
    /// Each of these (one check over several rows).
    All(Vec<Test>),
}

/// What a percentage is of: an item's figure (in the count column), or another column of the
/// same row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Base {
    Row(usize),
    Col(u32),
}

/// Text of the registry in `lang`.
fn t(lang: Lang, id: TextId, params: &[(&str, &str)]) -> String {
    crate::messages::engine(None, lang, id, params)
}

/// Text from a workbook as a rule file holds it: white space collapsed, hidden characters shown.
fn clean(s: &str) -> String {
    crate::safe::visible(&collapse_spaces(s), 400, Lang::En).into_owned()
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A comment line's text: one line, no hidden characters.
fn comment(s: &str) -> String {
    clean(s)
}

fn numbering_re() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^\s*\(?((?:\d+(?:\.\d+)*[a-zđ]?)|[IVXLC]+|[a-zđ])(?:[.)]\s*|\s+)(\S.*)$").ok()
    })
    .as_ref()
}

/// A cell's text, trimmed, when it holds some.
fn text_at(sheet: &Sheet, row: u32, col: u32) -> Option<String> {
    let cell = sheet.get(CellRef::new(row, col))?;
    match &cell.value {
        Value::Text(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

/// Whether a text reads as a label: it has letters and is not a number.
fn is_label(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
        && crate::read::number::parse_text_number(s, crate::read::number::Locale::Vi).is_none()
}

/// A cell's content as numbering (`1`, `1.1`, `2.1a`, `I`, `a`), when it reads as one.
fn numbering_of(sheet: &Sheet, row: u32, col: u32) -> Option<String> {
    let cell = sheet.get(CellRef::new(row, col))?;
    let s = match &cell.value {
        Value::Text(s) => s.trim().to_string(),
        Value::Number(n) => crate::read::number::format_plain(*n),
        _ => return None,
    };
    let s = s
        .trim_start_matches('(')
        .trim_end_matches(['.', ')'])
        .to_string();
    let ok = !s.is_empty()
        && s.len() <= 12
        && (s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c.is_ascii_lowercase())
            && s.starts_with(|c: char| c.is_ascii_digit())
            || s.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C'))
            || (s.chars().count() == 1 && s.chars().all(|c| c.is_ascii_lowercase())));
    ok.then_some(s)
}

/// The path of a numbering: `2.1a` → [2, 1, a]; a Roman numeral → [R:II]; a lone letter → [a].
fn path_of(n: &str) -> Vec<String> {
    if n.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C')) {
        return vec![format!("R:{n}")];
    }
    let mut out = Vec::new();
    for seg in n.split('.').filter(|s| !s.is_empty()) {
        let digits: String = seg.chars().take_while(char::is_ascii_digit).collect();
        let rest: String = seg.chars().skip_while(char::is_ascii_digit).collect();
        if !digits.is_empty() {
            out.push(digits);
        }
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// A readable id segment from a text: its first words, without diacritics, lower case.
fn slug(text: &str, words: usize) -> String {
    let folded = fold_diacritics(&text.to_lowercase());
    let parts: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(words)
        .map(str::to_string)
        .collect();
    let mut s = parts.join("_");
    if s.is_empty() {
        s = "x".into();
    }
    s
}

const RESERVED: &[&str] = &[
    "sum", "min", "max", "abs", "round", "and", "or", "not", "prev", "records", "unit", "previous",
];

/// A top-level id: begins with a letter, no reserved word.
fn top_id(s: String, prefix: &str) -> String {
    let s = if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s
    } else {
        format!("{prefix}{s}")
    };
    if RESERVED.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

fn unique(id: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = id.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{id}_{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Where a sheet's rows stand: the rows used, and the rows of headings (labels and no figure),
/// by the columns of their labels.
struct Layout {
    used: BTreeSet<u32>,
    /// By row, the columns holding a heading (a label not ending in a colon).
    label_rows: BTreeMap<u32, Vec<u32>>,
    /// The same, of the rows holding no figure.
    heading_rows: BTreeMap<u32, Vec<u32>>,
    /// The rows whose headings right of their first are all different (lower case).
    distinct: BTreeSet<u32>,
}

impl Layout {
    fn of(sheet: &Sheet) -> Layout {
        let used = sheet.cells.keys().map(|c| c.row).collect();
        let mut labels: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        let mut figures: BTreeSet<u32> = BTreeSet::new();
        let mut texts: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (at, cell) in &sheet.cells {
            match &cell.value {
                Value::Text(s) if s.trim().is_empty() => {}
                // A text ending in a colon labels the value after it (`Mã đơn vị:`).
                Value::Text(s) if is_label(s.trim()) && !s.trim().ends_with(':') => {
                    labels.entry(at.row).or_default().push(at.col);
                    texts
                        .entry(at.row)
                        .or_default()
                        .push(collapse_spaces(s).to_lowercase());
                }
                Value::Text(s) if is_label(s.trim()) => {}
                _ => {
                    figures.insert(at.row);
                }
            }
        }
        let mut heading_rows = labels.clone();
        heading_rows.retain(|r, _| !figures.contains(r));
        let distinct = texts
            .into_iter()
            .filter(|(_, t)| {
                let rest = t.get(1..).unwrap_or_default();
                rest.iter().collect::<BTreeSet<_>>().len() == rest.len()
            })
            .map(|(r, _)| r)
            .collect();
        Layout {
            used,
            label_rows: labels,
            heading_rows,
            distinct,
        }
    }

    /// Whether row `r` is the header row of another table whose labels stand in `label_col`:
    /// a heading there and in two or more columns right of it, all different, no figure, and
    /// above it an empty row or a title (texts outside the label column) — not a record whose
    /// figures are words (`n.a.`).
    fn heads_table(&self, r: u32, label_col: u32) -> bool {
        let headings = self.heading_rows.get(&r).is_some_and(|cols| {
            cols.contains(&label_col) && cols.iter().filter(|&&c| c > label_col).count() >= 2
        }) && self.distinct.contains(&r);
        let apart = r == 0
            || !self.used.contains(&(r - 1))
            || self
                .heading_rows
                .get(&(r - 1))
                .is_some_and(|cols| !cols.contains(&label_col));
        headings && apart
    }

    /// Rows below `header` in its table (labels in `label_col`): up to `last`, a gap of more
    /// than two empty rows, or the header row of the next table.
    fn rows_below(&self, header: u32, label_col: u32, last: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut gap = 0;
        for r in header + 1..=last {
            if self.used.contains(&r) {
                if r > header + 1 && self.heads_table(r, label_col) {
                    break;
                }
                gap = 0;
                out.push(r);
            } else {
                gap += 1;
                if gap > 2 {
                    break;
                }
            }
        }
        out
    }
}

/// The header row and label column of a sheet's main table: the row of two or more headings
/// that heads the most labelled rows (the topmost of equals), and the column holding the
/// labels.
fn find_header(sheet: &Sheet, layout: &Layout) -> Option<(u32, u32, usize)> {
    let ext = sheet.extent()?;
    let mut best: Option<(usize, u32, u32)> = None;
    for (&h, cols) in &layout.label_rows {
        if cols.len() < 2 {
            continue;
        }
        for &c in cols {
            // Value columns right of the labels.
            if !cols.iter().any(|&v| v > c) {
                continue;
            }
            let n = labelled(sheet, &layout.rows_below(h, c, ext.row), c);
            if best.is_none_or(|(b, _, _)| n > b) {
                best = Some((n, h, c));
            }
        }
    }
    best.map(|(n, h, c)| (h, c, n))
}

/// How many of `rows` hold a label in column `c`.
fn labelled(sheet: &Sheet, rows: &[u32], c: u32) -> usize {
    rows.iter()
        .filter(|&&r| text_at(sheet, r, c).is_some_and(|s| is_label(&s)))
        .count()
}

/// One table of a sheet: its header row, label column, labelled rows counted, its rows, and
/// the first row of the title block above its header (past the table before it).
#[derive(Debug, Clone)]
struct Span {
    header: u32,
    label_col: u32,
    n: usize,
    rows: Vec<u32>,
    above_from: u32,
}

/// The tables of a sheet, top to bottom: the main one ([`find_header`]) and every other
/// stacked with the same label column (a header row of its own heading two or more labelled
/// rows). A table ends at the next one's header; the rows after its last empty row (when one
/// separates them), and the rows of texts outside the label column right above the next
/// header, are the next table's title block.
fn sheet_tables(sheet: &Sheet) -> Vec<Span> {
    let layout = Layout::of(sheet);
    let (Some(ext), Some((h0, c, n0))) = (sheet.extent(), find_header(sheet, &layout)) else {
        return Vec::new();
    };
    let mut headers: Vec<(u32, usize)> = layout
        .heading_rows
        .keys()
        .copied()
        .filter(|&r| r != h0 && layout.heads_table(r, c))
        .map(|r| (r, labelled(sheet, &layout.rows_below(r, c, ext.row), c)))
        .filter(|&(_, n)| n >= 2)
        .collect();
    headers.push((h0, n0));
    headers.sort_unstable();
    let mut spans = Vec::new();
    let mut above_from = 0;
    for (k, &(header, n)) in headers.iter().enumerate() {
        let mut rows = layout.rows_below(header, c, ext.row);
        if let Some(&(next, _)) = headers.get(k + 1) {
            if let Some(gap) = (header + 2..next).rev().find(|r| !layout.used.contains(r)) {
                rows.retain(|&r| r < gap);
            }
            // Rows of headings outside the label column right above it (a title): its too.
            while let Some(&last) = rows.last() {
                match layout.heading_rows.get(&last) {
                    Some(cols) if !cols.contains(&c) => rows.pop(),
                    _ => break,
                };
            }
        }
        let end = rows.last().copied().unwrap_or(header);
        spans.push(Span {
            header,
            label_col: c,
            n,
            rows,
            above_from,
        });
        above_from = end + 1;
    }
    spans
}

/// Reads the tables of a sheet, each of two or more labelled rows.
fn read_sheet_tables(wb: &Workbook, si: usize, settings: &Settings) -> Vec<Table> {
    let Some(sheet) = wb.sheets.get(si) else {
        return Vec::new();
    };
    let spans = sheet_tables(sheet);
    let on_sheet = spans.len();
    spans
        .into_iter()
        .enumerate()
        .filter_map(|(k, span)| read_table(sheet, si, span, (k, on_sheet), settings))
        .collect()
}

/// Reads one table of a sheet (`place`: its index among the sheet's tables, and their count).
fn read_table(
    sheet: &Sheet,
    si: usize,
    span: Span,
    place: (usize, usize),
    settings: &Settings,
) -> Option<Table> {
    let ext = sheet.extent()?;
    if span.n < 2 {
        return None;
    }
    let (header, label_col) = (span.header, span.label_col);
    let heads = headings(sheet, header, label_col, ext.col, settings);
    let below: Vec<u32> = span
        .rows
        .iter()
        .copied()
        .filter(|&r| heads.sub_row.is_none_or(|s| r > s))
        .collect();
    let num_col = number_column(sheet, label_col, &below, span.n);
    let cols = value_columns(&heads);
    if cols.is_empty() {
        return None;
    }
    let value_cols: Vec<u32> = cols.iter().map(|c| c.col).collect();
    let mut rows = table_rows(sheet, &below, label_col, num_col, &value_cols, settings);
    if rows.len() < 2 {
        return None;
    }
    mark_parts_after_parts(&mut rows);
    set_row_ids(&mut rows, settings);
    Some(Table {
        sheet: si,
        place,
        above_from: span.above_from,
        header,
        label_col,
        cols,
        rows,
    })
}

/// The item-number column: the heading left of the labels (`label_col`) whose cells below
/// read as numbering, in half or more of the `n` labelled rows.
fn number_column(sheet: &Sheet, label_col: u32, below: &[u32], n: usize) -> Option<u32> {
    (0..label_col).rev().find(|&c| {
        below
            .iter()
            .filter(|&&r| numbering_of(sheet, r, c).is_some())
            .count()
            * 2
            >= n
    })
}

/// The headings of a table's value columns, read over one row or two: each column's
/// heading and, under a group heading over two or more sub-columns (merged, or written over
/// the first of them), its group.
struct Headings {
    /// The row of sub-headings, when the headings take two rows.
    sub_row: Option<u32>,
    /// (column, group, heading), cleaned.
    cols: Vec<(u32, Option<String>, String)>,
    /// The columns whose sub-heading is a total word of the pack (`[settings] total_words`):
    /// their group's figure.
    totals: BTreeSet<u32>,
}

fn headings(
    sheet: &Sheet,
    header: u32,
    label_col: u32,
    last_col: u32,
    settings: &Settings,
) -> Headings {
    let sub = header + 1;
    let range = label_col + 1..=last_col;
    let sub_label = |c: u32| text_at(sheet, sub, c).filter(|s| is_label(s));
    let sub_figures = range.clone().any(|c| {
        sheet
            .get(CellRef::new(sub, c))
            .is_some_and(|x| matches!(x.value, Value::Number(_)))
    });
    let groups: BTreeMap<u32, String> = if text_at(sheet, sub, label_col).is_none() && !sub_figures
    {
        group_headings(sheet, header, range.clone(), &sub_label)
    } else {
        BTreeMap::new()
    };
    let sub_row = (!groups.is_empty()).then_some(sub);
    let mut out = Headings {
        sub_row,
        cols: Vec::new(),
        totals: BTreeSet::new(),
    };
    for c in range {
        let top = text_at(sheet, header, c);
        let under = sub_row.and_then(|_| sub_label(c));
        let (group, head) = match (groups.get(&c), under) {
            (Some(g), Some(s)) => (Some(clean(g)), clean(&s)),
            (Some(g), None) => (None, clean(g)),
            (None, under) => match top.or(under) {
                Some(h) => (None, clean(&h)),
                None => continue,
            },
        };
        if group.is_some()
            && settings
                .total_words
                .contains(&label_key(&head, settings.folding))
        {
            out.totals.insert(c);
        }
        out.cols.push((c, group, head));
    }
    out
}

/// The group heading over each column of `range` in the header row: a heading merged over
/// two or more columns, or written over the first of a run of sub-headed columns whose
/// header cells after it are empty; only where the row below holds sub-headings.
fn group_headings(
    sheet: &Sheet,
    header: u32,
    range: std::ops::RangeInclusive<u32>,
    sub_label: &dyn Fn(u32) -> Option<String>,
) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    for m in &sheet.merges {
        let spans_row = m.first.row <= header && header <= m.last.row;
        if !spans_row || m.last.col <= m.first.col || !range.contains(&m.first.col) {
            continue;
        }
        let Some(g) = text_at(sheet, m.first.row, m.first.col) else {
            continue;
        };
        if (m.first.col..=m.last.col).all(|c| sub_label(c).is_some()) {
            for c in m.first.col..=m.last.col {
                out.insert(c, g.clone());
            }
        }
    }
    // Unmerged: the heading over the first sub-column, the cells after it empty.
    let cols: Vec<u32> = range.collect();
    let mut i = 0;
    while i < cols.len() {
        let g = cols[i];
        let (Some(text), Some(_)) = (text_at(sheet, header, g), sub_label(g)) else {
            i += 1;
            continue;
        };
        let run: Vec<u32> = cols[i + 1..]
            .iter()
            .copied()
            .take_while(|&c| {
                text_at(sheet, header, c).is_none()
                    && sub_label(c).is_some()
                    && !out.contains_key(&c)
            })
            .collect();
        if !run.is_empty() && !out.contains_key(&g) {
            out.insert(g, text.clone());
            for &c in &run {
                out.insert(c, text.clone());
            }
        }
        i += 1 + run.len();
    }
    out
}

/// The value columns: each headed column right of the labels, with a unique id from its
/// heading — under a group, the group's and the sub-heading's words, a group's total column
/// the group's alone (its kind is set later).
fn value_columns(heads: &Headings) -> Vec<Col> {
    let mut taken = BTreeSet::new();
    let mut cols: Vec<Col> = Vec::new();
    for (c, group, header) in &heads.cols {
        let words = match group {
            Some(g) if heads.totals.contains(c) => slug(g, 3),
            Some(g) => format!("{}_{}", slug(g, 2), slug(header, 2)),
            None => slug(header, 3),
        };
        let id = unique(top_id(words, "c_"), &mut taken);
        cols.push(Col {
            col: *c,
            header: header.clone(),
            group: group.clone(),
            total: heads.totals.contains(c),
            id,
            kind: ColKind::Count,
        });
    }
    cols
}

/// The numbering read so far down a table: the last roman heading, and the last numeric
/// path (under it), that a lone letter (`a`) continues.
#[derive(Default)]
struct Numbering {
    roman: Option<String>,
    last_numeric: Option<Vec<String>>,
}

impl Numbering {
    /// The full path of numbering `n`, read after the rows above it.
    fn path(&mut self, n: &str) -> Vec<String> {
        let p = path_of(n);
        if p[0].starts_with("R:") {
            self.roman = Some(p[0].clone());
            self.last_numeric = None;
            return p;
        }
        if p.len() == 1 && p[0].chars().all(|c| c.is_ascii_lowercase()) {
            match &self.last_numeric {
                Some(prev) => [prev.clone(), p].concat(),
                None => p,
            }
        } else {
            let full = match &self.roman {
                Some(rm) => [vec![rm.clone()], p].concat(),
                None => p,
            };
            self.last_numeric = Some(full.clone());
            full
        }
    }
}

/// The labelled rows among `below` (a column-number row left out), each with its numbering
/// path, parent and whether it is a part; ids not set yet.
fn table_rows(
    sheet: &Sheet,
    below: &[u32],
    label_col: u32,
    num_col: Option<u32>,
    value_cols: &[u32],
    settings: &Settings,
) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    let mut numbering_so_far = Numbering::default();
    let mut last_plain: Option<usize> = None;
    for &r in below {
        let Some(text) = text_at(sheet, r, label_col) else {
            continue;
        };
        if !is_label(&text) || is_column_number_row(sheet, r, value_cols) {
            continue;
        }
        let text = clean(&text);
        let (numbering, label) = match num_col.and_then(|c| numbering_of(sheet, r, c)) {
            Some(n) => (Some(n), text.clone()),
            None => match numbering_re().and_then(|re| re.captures(&text)) {
                Some(cap) => (Some(cap[1].to_string()), cap[2].trim().to_string()),
                None => (None, text.clone()),
            },
        };
        let bullet = label.starts_with(['-', '+', '•']);
        let path = numbering.as_deref().map(|n| numbering_so_far.path(n));
        let idx = rows.len();
        let parent = match &path {
            Some(p) if p.len() > 1 => rows
                .iter()
                .rposition(|x| x.path.as_deref() == Some(&p[..p.len() - 1])),
            Some(_) => None,
            None if bullet => last_plain,
            None => None,
        };
        if !bullet {
            last_plain = Some(idx);
        }
        let part = is_part_label(&label, settings);
        rows.push(Row {
            row: r,
            label,
            path,
            parent,
            part,
            id: String::new(),
        });
    }
    rows
}

/// Whether a label (a bullet taken off) begins with a part word of the pack.
fn is_part_label(label: &str, settings: &Settings) -> bool {
    let key = label_key(label, settings.folding);
    let key = key.trim_start_matches(['-', '+', '•', ' ']);
    settings.part_keys.iter().any(|w| {
        key == w
            || key
                .strip_prefix(w.as_str())
                .is_some_and(|rest| rest.starts_with([':', ' ', '-', ',']))
    })
}

/// The rows after a part, at its level, are parts too.
fn mark_parts_after_parts(rows: &mut [Row]) {
    for i in 0..rows.len() {
        if rows[i].part {
            if let Some(p) = rows[i].parent {
                for r in rows.iter_mut().skip(i + 1) {
                    if r.parent == Some(p) {
                        r.part = true;
                    }
                }
            }
        }
    }
}

/// Ids: the parent's, then the row's own words (a part word left out); unique in the table.
fn set_row_ids(rows: &mut [Row], settings: &Settings) {
    let mut taken = BTreeSet::new();
    for i in 0..rows.len() {
        let mut own = rows[i]
            .label
            .trim_start_matches(['-', '+', '•', ' '])
            .to_string();
        let key = label_key(&own, settings.folding);
        for w in &settings.part_keys {
            let begins = key
                .strip_prefix(w.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', ' ', '-', ',']));
            if begins {
                // Drop as many words as the part word has.
                let n = w.split(' ').count();
                own = own.split_whitespace().skip(n).collect::<Vec<_>>().join(" ");
                break;
            }
        }
        let seg = slug(&own, 4);
        let id = match rows[i].parent {
            Some(p) => format!("{}.{seg}", rows[p].id),
            None => top_id(seg, "r_"),
        };
        rows[i].id = unique(id, &mut taken);
    }
}

/// The figures of one workbook in a table's cells: (row index, column) → value (percentages
/// in percent, 53.97), with the decimals a percentage shows.
type Figures = BTreeMap<(usize, u32), (f64, u8)>;

/// A table's figures in a workbook (the template or an example of it): the sheet of the same
/// name (else of the same place), rows by label (in order, for a label written twice), columns
/// by heading.
fn figures_in(wb: &Workbook, table: &Table, template: &Workbook, settings: &Settings) -> Figures {
    let mut out = Figures::new();
    let Some(tsheet) = template.sheets.get(table.sheet) else {
        return out;
    };
    let si = wb
        .sheets
        .iter()
        .position(|s| s.name == tsheet.name)
        .unwrap_or(table.sheet);
    let Some(sheet) = wb.sheets.get(si) else {
        return out;
    };
    // The table of the same place on the sheet (the only one, when the sheet has one).
    let spans = sheet_tables(sheet);
    let Some(span) = spans.get(table.place.0).or(spans.first()) else {
        return out;
    };
    let Some(ext) = sheet.extent() else {
        return out;
    };
    let (header, label_col) = (span.header, span.label_col);
    let key = |s: &str| label_key(s, settings.folding);
    let col_key = |g: Option<&String>, h: &str| {
        format!("{}|{}", g.map(|g| key(g)).unwrap_or_default(), key(h))
    };
    // Columns by heading (and group).
    let heads = headings(sheet, header, label_col, ext.col, settings);
    let mut cols: BTreeMap<u32, u32> = BTreeMap::new();
    for (c, g, h) in &heads.cols {
        let k = col_key(g.as_ref(), h);
        if let Some(tc) = table
            .cols
            .iter()
            .find(|x| col_key(x.group.as_ref(), &x.header) == k)
        {
            cols.entry(tc.col).or_insert(*c);
        }
    }
    // Rows by label as written (numbering and all), in order.
    let tpl_sheet = tsheet;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut wanted: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for (i, r) in table.rows.iter().enumerate() {
        let k = text_at(tpl_sheet, r.row, table.label_col)
            .map(|s| key(&clean(&s)))
            .unwrap_or_default();
        let n = seen.entry(k.clone()).or_insert(0);
        wanted.insert((k, *n), i);
        *n += 1;
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for &r in &span.rows {
        let Some(text) = text_at(sheet, r, label_col) else {
            continue;
        };
        let k = key(&clean(&text));
        let n = seen.entry(k.clone()).or_insert(0);
        let occurrence = *n;
        *n += 1;
        let Some(&i) = wanted.get(&(k, occurrence)) else {
            continue;
        };
        for tc in &table.cols {
            let Some(&c) = cols.get(&tc.col) else {
                continue;
            };
            let at = CellRef::new(r, c);
            let Some(v) = figure(sheet, at, settings) else {
                continue;
            };
            let fmt = sheet.get(at).map(|x| x.fmt).unwrap_or_default();
            let v = if fmt.percent { v * 100.0 } else { v };
            let shown = fmt.decimals.unwrap_or_else(|| decimals_of(v));
            out.insert((i, tc.col), (v, shown));
        }
    }
    out
}

/// Decimals a number shows as written (General format).
fn decimals_of(v: f64) -> u8 {
    let s = crate::read::number::format_plain(v);
    s.split_once('.').map_or(0, |(_, d)| d.len().min(15) as u8)
}

fn round_half_away(x: f64, d: u8) -> f64 {
    let m = 10f64.powi(i32::from(d));
    (x * m).abs().round().copysign(x) / m
}

impl Test {
    /// Whether the check holds on these figures: None when it does not apply (a figure
    /// missing, a zero base).
    fn holds(&self, f: &Figures) -> Option<bool> {
        let get = |k: &(usize, u32)| f.get(k).map(|x| x.0);
        match self {
            Test::Sum(parts, whole) => {
                let w = get(whole)?;
                let mut s = 0.0;
                let mut any = false;
                for p in parts {
                    if let Some(v) = get(p) {
                        s += v;
                        any = true;
                    }
                }
                any.then_some((s - w).abs() < 1e-9)
            }
            Test::AtMost(a, b) => Some(get(a)? <= get(b)? + 1e-9),
            Test::Percent(rows, pct, cnt, base) => {
                let mut applied = None;
                for r in rows {
                    let b = match base {
                        Base::Row(b) => get(&(*b, *cnt)),
                        Base::Col(c) => get(&(*r, *c)),
                    };
                    let (Some(&(p, d)), Some(n), Some(b)) = (
                        f.get(&(*r, *pct)),
                        get(&(*r, *cnt)),
                        b.filter(|b| *b != 0.0),
                    ) else {
                        continue;
                    };
                    let ok = (round_half_away(n / b * 100.0, d) - round_half_away(p, d)).abs()
                        < 0.5 * 10f64.powi(-i32::from(d));
                    if !ok {
                        return Some(false);
                    }
                    applied = Some(true);
                }
                applied
            }
            Test::All(tests) => {
                let mut applied = None;
                for x in tests {
                    match x.holds(f) {
                        Some(false) => return Some(false),
                        Some(true) => applied = Some(true),
                        None => {}
                    }
                }
                applied
            }
        }
    }
}

/// A figure of the table in an expression: `row` (its first column) or `row[col]`.
fn at(table: &Table, row: usize, col: u32) -> String {
    let r = &table.rows[row].id;
    match table.cols.first() {
        Some(c) if c.col == col => r.clone(),
        _ => match table.cols.iter().find(|c| c.col == col) {
            Some(c) => format!("{r}[{}]", c.id),
            None => r.clone(),
        },
    }
}

/// A text for a message: braces of an input made brackets (they would be placeholders).
fn in_message(s: &str) -> String {
    s.replace('{', "(").replace('}', ")")
}

/// Drafts the pack: one form per table of the template's sheets. `examples` are filled
/// workbooks of the same template (the template itself is one when it holds figures);
/// `source` names the template in comments.
pub fn draft(
    template: &Workbook,
    examples: &[&Workbook],
    settings: &Settings,
    source: &str,
) -> Draft {
    let lang = settings.pack_lang();
    let mut draft = Draft::default();
    let mut tables = read_tables(template, settings, &mut draft.notes);
    let mut all_workbooks: Vec<&Workbook> = vec![template];
    all_workbooks.extend(examples.iter().copied());
    let figs: Vec<Vec<Figures>> = tables
        .iter_mut()
        .map(|tb| {
            let figs: Vec<Figures> = all_workbooks
                .iter()
                .map(|wb| figures_in(wb, tb, template, settings))
                .collect();
            set_column_kinds(tb, &template.sheets[tb.sheet], &figs);
            figs
        })
        .collect();
    let above = texts_above_headers(template, &tables);
    let mut form_ids = BTreeSet::new();
    for (ti, tb) in tables.iter().enumerate() {
        let sheet = &template.sheets[tb.sheet];
        let fid = unique(form_id(&sheet.name, ti), &mut form_ids);
        let title = form_title(&tables, &above, ti, settings.folding);
        if title.is_none() && tb.place.1 > 1 {
            let (name, row) = (clean(&sheet.name), (tb.header + 1).to_string());
            draft.notes.push(t(
                lang,
                TextId::InitTableUntitled,
                &[("sheet", &name), ("row", &row), ("form", &fid)],
            ));
        }
        // The labels of the other tables of its sheet: none identifies this one.
        let avoid: BTreeSet<String> = tables
            .iter()
            .enumerate()
            .filter(|(j, o)| *j != ti && o.sheet == tb.sheet)
            .flat_map(|(_, o)| o.rows.iter().map(|r| label_key(&r.label, settings.folding)))
            .collect();
        let cx = Drafting {
            tb,
            fid: &fid,
            sheet,
            lang,
            settings,
            figs: &figs[ti],
            // The template is an example too when it holds figures (a blank one holds none,
            // or the 100 of a percentage).
            filled: figs[ti].iter().collect(),
            count_cols: tb
                .cols
                .iter()
                .filter(|c| c.kind == ColKind::Count || c.kind == ColKind::Number)
                .map(|c| c.col)
                .collect(),
        };
        let (checks, dropped) = drafted_checks(&cx);
        let form = FormText {
            tb,
            fid: &fid,
            title: title.as_deref(),
            sheet,
            checks: &checks,
            dropped,
            avoid: &avoid,
        };
        let text = write_form(&form, settings, source);
        draft.checks += checks.len();
        draft.forms += 1;
        draft
            .files
            .push((format!("{}.toml", fid.to_ascii_lowercase()), text));
    }
    draft
}

/// The tables of each sheet of the template; a note (in the pack's language) for each sheet
/// without one, and for each table sharing its sheet without a title of its own.
fn read_tables(template: &Workbook, settings: &Settings, notes: &mut Vec<String>) -> Vec<Table> {
    let lang = settings.pack_lang();
    let mut tables: Vec<Table> = Vec::new();
    for si in 0..template.sheets.len() {
        let found = read_sheet_tables(template, si, settings);
        if found.is_empty() {
            let name = clean(&template.sheets[si].name);
            notes.push(t(lang, TextId::InitSheetSkipped, &[("sheet", &name)]));
        }
        tables.extend(found);
    }
    tables
}

/// The label texts above each table's header, in its own title block (from the row after the
/// table above it on its sheet), by table: (row, text).
fn texts_above_headers(template: &Workbook, tables: &[Table]) -> Vec<Vec<(u32, String)>> {
    tables
        .iter()
        .map(|tb| {
            template.sheets[tb.sheet]
                .cells
                .iter()
                .filter(|(at, _)| at.row >= tb.above_from && at.row < tb.header)
                .filter_map(|(at, c)| c.text().map(|s| (at.row, clean(s))))
                .filter(|(_, s)| !s.is_empty() && !s.ends_with(':') && is_label(s))
                .collect()
        })
        .collect()
}

/// The form's title: a text above table `ti`'s header that no other table shares (texts every
/// table shares, the organisation's name, are no title) — the longest, or, for a table
/// sharing its sheet, the nearest above its header (the organisation's name stands at the
/// top) that holds no other table's title block text and is held by none.
fn form_title(
    tables: &[Table],
    above: &[Vec<(u32, String)>],
    ti: usize,
    folding: crate::text::Folding,
) -> Option<String> {
    let key = |s: &str| label_key(s, folding);
    let own: Vec<&(u32, String)> = above[ti]
        .iter()
        .filter(|(_, s)| {
            above
                .iter()
                .enumerate()
                .all(|(j, o)| j == ti || !o.iter().any(|(_, x)| x == s))
        })
        .collect();
    if tables[ti].place.1 < 2 {
        return own
            .iter()
            .max_by_key(|(_, s)| s.chars().count())
            .map(|(_, s)| s.clone());
    }
    // Each title is found in its sheet as a part of a text: none may hold another table's.
    let siblings: Vec<String> = (0..tables.len())
        .filter(|&j| j != ti && tables[j].sheet == tables[ti].sheet)
        .flat_map(|j| above[j].iter().map(|(_, s)| key(s)))
        .collect();
    own.iter()
        .rev()
        .filter(|(_, s)| {
            let k = key(s);
            !k.is_empty()
                && siblings
                    .iter()
                    .all(|o| !o.contains(k.as_str()) && !k.contains(o.as_str()))
        })
        .max_by_key(|(r, s)| (*r, s.chars().count()))
        .map(|(_, s)| s.clone())
}

/// Each column's kind: by heading and format, then by the figures `figs`.
fn set_column_kinds(tb: &mut Table, sheet: &Sheet, figs: &[Figures]) {
    for c in tb.cols.iter_mut() {
        let cells: Vec<&crate::model::Cell> = tb
            .rows
            .iter()
            .filter_map(|r| sheet.get(CellRef::new(r.row, c.col)))
            .collect();
        let texts = tb
            .rows
            .iter()
            .filter(|r| text_at(sheet, r.row, c.col).is_some_and(|s| is_label(&s)))
            .count();
        let values: Vec<f64> = figs
            .iter()
            .flat_map(|f| {
                f.iter()
                    .filter(|((_, col), _)| *col == c.col)
                    .map(|(_, v)| v.0)
            })
            .collect();
        c.kind = if texts * 2 > tb.rows.len() {
            ColKind::Text
        } else if c.header.contains('%') || cells.iter().any(|x| x.fmt.percent) {
            ColKind::Percent
        } else if values.iter().any(|v| v.fract() != 0.0 || *v < 0.0)
            || cells.iter().any(|x| x.fmt.decimals.is_some_and(|d| d > 0))
        {
            ColKind::Number
        } else {
            ColKind::Count
        };
    }
}

/// The form's id (before it is made unique): the sheet name's first word when it is a code
/// (`M01`), else F1, F2… by the table's place `ti`.
fn form_id(sheet_name: &str, ti: usize) -> String {
    let first: String = sheet_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_uppercase();
    // (A name that is one word only, `Sheet1`, is the spreadsheet's, not the form's.)
    let one_word = sheet_name.trim().len() == first.len();
    if !one_word
        && first.len() <= 8
        && first.starts_with(|c: char| c.is_ascii_alphabetic())
        && first.chars().any(|c| c.is_ascii_digit())
    {
        first
    } else {
        format!("F{}", ti + 1)
    }
}

/// One table as its checks are drafted.
struct Drafting<'a> {
    tb: &'a Table,
    /// The form's id.
    fid: &'a str,
    /// The table's sheet in the template.
    sheet: &'a Sheet,
    lang: Lang,
    settings: &'a Settings,
    /// The table's figures in every workbook read, the template's first.
    figs: &'a [Figures],
    /// The same, as the examples the checks are found in.
    filled: Vec<&'a Figures>,
    /// The count and number columns, in order.
    count_cols: Vec<u32>,
}

impl Drafting<'_> {
    /// Row `i`'s label, for a message.
    fn label_of(&self, i: usize) -> String {
        in_message(&self.tb.rows[i].label)
    }
}

/// The base a percentage formula names, by (row, percentage column): (row of the base, the
/// formula's cell).
type FormulaBases = BTreeMap<(usize, u32), (usize, String)>;

/// The checks of a table, verified on every workbook read: those kept, and how many were left
/// out (a check that fails on one workbook is).
fn drafted_checks(cx: &Drafting) -> (Vec<Drafted>, usize) {
    let mut checks: Vec<Drafted> = Vec::new();
    let first_count = cx.count_cols.first().copied();
    let (from_formula, pct_base) = checks_from_formulas(cx, &mut checks);
    for &cc in &cx.count_cols {
        sums_found(cx, cc, &from_formula, &mut checks);
    }
    column_sums_found(cx, &mut checks);
    group_sums(cx, &mut checks);
    if let Some(cc) = first_count {
        part_checks(cx, cc, &mut checks);
    }
    for pc in cx.tb.cols.iter().filter(|c| c.kind == ColKind::Percent) {
        percentage_checks(cx, pc, &pct_base, &mut checks);
    }
    // Verified on every workbook read: a check that fails on one is left out.
    let before = checks.len();
    checks.retain(|c| cx.figs.iter().all(|f| c.test.holds(f) != Some(false)));
    let dropped = before - checks.len();
    let mut ids = BTreeSet::new();
    for c in checks.iter_mut() {
        c.id = unique(c.id.clone(), &mut ids);
    }
    (checks, dropped)
}

/// Step 1: Formulas of the template (and of the examples' cells: the same template): a sum formula
/// is a check; a percentage formula names its base. Gives the cells a sum formula checks, and the
/// bases of percentages.
fn checks_from_formulas(
    cx: &Drafting,
    checks: &mut Vec<Drafted>,
) -> (BTreeSet<(usize, u32)>, FormulaBases) {
    let tb = cx.tb;
    let row_at = |r: u32| tb.rows.iter().position(|x| x.row == r);
    let mut from_formula: BTreeSet<(usize, u32)> = BTreeSet::new();
    let mut pct_base: FormulaBases = BTreeMap::new();
    for (i, r) in tb.rows.iter().enumerate() {
        for c in &tb.cols {
            let Some(f) = cx
                .sheet
                .get(CellRef::new(r.row, c.col))
                .and_then(|x| x.formula.clone())
            else {
                continue;
            };
            let cell = format!("{}{}", CellRef::col_name(c.col), r.row + 1);
            if c.kind == ColKind::Percent {
                if let Some(base) = quotient_base(&f).and_then(row_at) {
                    pct_base.insert((i, c.col), (base, cell));
                }
                continue;
            }
            let Some(members) = summed_rows(&f, c.col) else {
                continue;
            };
            let parts: Vec<usize> = members
                .into_iter()
                .filter_map(row_at)
                .filter(|&m| m != i)
                .collect();
            if parts.is_empty() {
                continue;
            }
            from_formula.insert((i, c.col));
            let expr = format!(
                "{} == {}",
                parts
                    .iter()
                    .map(|&p| at(tb, p, c.col))
                    .collect::<Vec<_>>()
                    .join(" + "),
                at(tb, i, c.col)
            );
            checks.push(Drafted {
                id: format!("{}.sum-{}", cx.fid, tb.rows[i].id.replace('.', "-")),
                each: None,
                expr,
                why: t(
                    cx.lang,
                    TextId::InitFromFormula,
                    &[("cell", &cell), ("formula", &clean(&f))],
                ),
                message: sum_message(&cx.label_of(i)),
                test: Test::Sum(parts.iter().map(|&p| (p, c.col)).collect(), (i, c.col)),
            });
        }
    }
    (from_formula, pct_base)
}

/// Step 2: Sums found in the examples, in count column `cc` (each in turn): a heading's rows (parts left out) add
/// up to its figure, or (a heading without a figure) to an item above it. Not where a formula
/// already checks it (`from_formula`).
fn sums_found(
    cx: &Drafting,
    cc: u32,
    from_formula: &BTreeSet<(usize, u32)>,
    checks: &mut Vec<Drafted>,
) {
    let tb = cx.tb;
    for i in 0..tb.rows.len() {
        if from_formula.contains(&(i, cc)) {
            continue;
        }
        let members: Vec<usize> = (0..tb.rows.len())
            .filter(|&j| tb.rows[j].parent == Some(i) && !tb.rows[j].part)
            .collect();
        if members.len() < 2 {
            continue;
        }
        let has_own = cx.filled.iter().any(|f| f.contains_key(&(i, cc)));
        let targets: Vec<usize> = if has_own {
            vec![i]
        } else {
            // Items above it at the top level, nearest first, that are no heading
            // of a block themselves (a heading's figure is its block's sum).
            (0..i)
                .rev()
                .filter(|&j| tb.rows[j].parent.is_none())
                .filter(|&j| !tb.rows.iter().any(|x| x.parent == Some(j) && !x.part))
                .collect()
        };
        for target in targets {
            let test = Test::Sum(members.iter().map(|&m| (m, cc)).collect(), (target, cc));
            if !found_in(&test, &cx.filled) {
                continue;
            }
            let expr = format!(
                "{} == {}",
                members
                    .iter()
                    .map(|&m| at(tb, m, cc))
                    .collect::<Vec<_>>()
                    .join(" + "),
                at(tb, target, cc)
            );
            // The first column's sum is the row's; another column's says which (in its id and
            // its message).
            let named = |i: usize| match tb.cols.first() {
                Some(c) if c.col != cc => {
                    format!("{} ({})", cx.label_of(i), in_message(&col_header(tb, cc)))
                }
                _ => cx.label_of(i),
            };
            let col = match tb.cols.first() {
                Some(c) if c.col != cc => tb
                    .cols
                    .iter()
                    .find(|c| c.col == cc)
                    .map(|c| format!("-{}", c.id))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            checks.push(Drafted {
                id: format!("{}.sum-{}{col}", cx.fid, tb.rows[i].id.replace('.', "-")),
                each: None,
                expr,
                why: t(cx.lang, TextId::InitFound, &[]),
                message: if target == i {
                    sum_message(&named(i))
                } else {
                    sum_of_message(&named(i), &cx.label_of(target))
                },
                test,
            });
            break;
        }
    }
}

/// Step 3: A column that is the sum of the columns right of it, row by row (in the examples).
fn column_sums_found(cx: &Drafting, checks: &mut Vec<Drafted>) {
    let tb = cx.tb;
    for &tc in &cx.count_cols {
        let pos = tb.cols.iter().position(|c| c.col == tc).unwrap_or(0);
        let group = &tb.cols[pos].group;
        if tb.cols[pos].total {
            // A group's figure: its sum is [`group_sums`]'s.
            continue;
        }
        // The run of count columns right after it (under its group heading, if any).
        let run: Vec<u32> = tb.cols[pos + 1..]
            .iter()
            .take_while(|c| c.kind == ColKind::Count && (group.is_none() || c.group == *group))
            .map(|c| c.col)
            .collect();
        for len in (2..=run.len()).rev() {
            let parts = &run[..len];
            let Some(rows_ok) = rows_summing_columns(cx, parts, tc) else {
                continue;
            };
            for i in rows_ok {
                let expr = format!(
                    "{} == {}",
                    parts
                        .iter()
                        .map(|&p| at(tb, i, p))
                        .collect::<Vec<_>>()
                        .join(" + "),
                    at(tb, i, tc)
                );
                let col_id = tb
                    .cols
                    .iter()
                    .find(|c| c.col == tc)
                    .map(|c| c.id.clone())
                    .unwrap_or_default();
                checks.push(Drafted {
                    id: format!("{}.{}-{}", cx.fid, col_id, tb.rows[i].id.replace('.', "-")),
                    each: None,
                    expr,
                    why: t(cx.lang, TextId::InitFound, &[]),
                    message: columns_message(&cx.label_of(i), &in_message(&col_header(tb, tc))),
                    test: Test::Sum(parts.iter().map(|&p| (i, p)).collect(), (i, tc)),
                });
            }
            break;
        }
    }
}

/// Step 3b: A group heading over two rows whose sub-columns hold its figure (a total word,
/// `Tổng số`): its other count columns (parts left out) add up to it in every row, unless an
/// example shows otherwise.
fn group_sums(cx: &Drafting, checks: &mut Vec<Drafted>) {
    let tb = cx.tb;
    let summed = |c: &&Col| matches!(c.kind, ColKind::Count | ColKind::Number);
    for total in tb.cols.iter().filter(|c| c.total).filter(summed) {
        let members: Vec<&Col> = tb
            .cols
            .iter()
            .filter(|c| c.group == total.group && c.col != total.col && !c.total)
            .filter(summed)
            .filter(|c| !is_part_label(&c.header, cx.settings))
            .collect();
        if members.len() < 2 {
            continue;
        }
        let test = Test::All(
            (0..tb.rows.len())
                .map(|i| Test::Sum(members.iter().map(|m| (i, m.col)).collect(), (i, total.col)))
                .collect(),
        );
        let group = total.group.clone().unwrap_or_default();
        let expr = format!(
            "{} == $[{}]",
            members
                .iter()
                .map(|m| format!("$[{}]", m.id))
                .collect::<Vec<_>>()
                .join(" + "),
            total.id
        );
        checks.push(Drafted {
            id: format!("{}.{}-sum", cx.fid, total.id),
            each: Some("*".into()),
            expr,
            why: t(
                cx.lang,
                TextId::InitGroupTotal,
                &[
                    ("group", &comment(&group)),
                    ("column", &comment(&total.header)),
                ],
            ),
            message: group_message(&in_message(&group), &in_message(&total.header)),
            test,
        });
    }
}

/// The rows where columns `parts` add up to column `tc` in every example that fills them,
/// when they do in every row filled and one of those rows has a figure above zero in `tc`.
fn rows_summing_columns(cx: &Drafting, parts: &[u32], tc: u32) -> Option<Vec<usize>> {
    let mut rows_ok: Vec<usize> = Vec::new();
    let mut fails = false;
    for i in 0..cx.tb.rows.len() {
        let test = Test::Sum(parts.iter().map(|&p| (i, p)).collect(), (i, tc));
        let filled_here = cx
            .filled
            .iter()
            .any(|f| parts.iter().all(|p| f.contains_key(&(i, *p))) && f.contains_key(&(i, tc)));
        if !filled_here {
            continue;
        }
        match test.holds_all(&cx.filled) {
            Some(true) => rows_ok.push(i),
            _ => fails = true,
        }
    }
    let positive = rows_ok.iter().any(|&i| {
        cx.filled
            .iter()
            .any(|f| f.get(&(i, tc)).is_some_and(|v| v.0 > 0.0))
    });
    (!fails && !rows_ok.is_empty() && positive).then_some(rows_ok)
}

/// Step 4: Parts: each at most its whole, in count column `cc` (unless an example shows otherwise).
fn part_checks(cx: &Drafting, cc: u32, checks: &mut Vec<Drafted>) {
    let tb = cx.tb;
    for (i, r) in tb.rows.iter().enumerate() {
        let Some(p) = r.parent.filter(|_| r.part) else {
            continue;
        };
        let test = Test::AtMost((i, cc), (p, cc));
        if cx.filled.iter().any(|f| test.holds(f) == Some(false)) {
            continue;
        }
        checks.push(Drafted {
            id: format!("{}.part-{}", cx.fid, r.id.replace('.', "-")),
            each: None,
            expr: format!("{} <= {}", at(tb, i, cc), at(tb, p, cc)),
            why: t(
                cx.lang,
                TextId::InitPart,
                &[("whole", &comment(&tb.rows[p].label))],
            ),
            message: part_message(&cx.label_of(i), &cx.label_of(p)),
            test,
        });
    }
}

/// Step 5: Percentages of column `pc`: of the base a formula names, of the item reading 100 in the
/// template, or of the base the example's figures show; one check per base.
fn percentage_checks(cx: &Drafting, pc: &Col, pct_base: &FormulaBases, checks: &mut Vec<Drafted>) {
    // Its count column: the nearest count column left of it, else the first.
    let Some(cc) = cx
        .count_cols
        .iter()
        .rev()
        .find(|&&c| c < pc.col)
        .or(cx.count_cols.first())
        .copied()
    else {
        return;
    };
    let base_of = percentage_bases(cx, pc, cc, pct_base);
    push_percentage_checks(cx, pc, cc, &base_of, checks);
}

/// The base of each row's percentage in column `pc` (count column `cc`), with where it came
/// from (said in a comment).
fn percentage_bases(
    cx: &Drafting,
    pc: &Col,
    cc: u32,
    pct_base: &FormulaBases,
) -> BTreeMap<usize, (Base, String)> {
    let tb = cx.tb;
    let lang = cx.lang;
    let mut base_of: BTreeMap<usize, (Base, String)> = BTreeMap::new();
    for ((i, col), (b, cell)) in pct_base {
        if *col == pc.col {
            base_of.insert(
                *i,
                (
                    Base::Row(*b),
                    t(
                        lang,
                        TextId::InitFromFormula,
                        &[("cell", cell), ("formula", "")],
                    ),
                ),
            );
        }
    }
    let hundred = tb.rows.iter().enumerate().find_map(|(i, _)| {
        cx.figs[0]
            .get(&(i, pc.col))
            .filter(|v| (v.0 - 100.0).abs() < 1e-9)
            .map(|_| i)
    });
    let rows_with_pct: Vec<usize> = (0..tb.rows.len())
        .filter(|&i| cx.filled.iter().any(|f| f.contains_key(&(i, pc.col))))
        .collect();
    for &i in &rows_with_pct {
        if base_of.contains_key(&i) {
            continue;
        }
        for b in base_candidates(cx, i, hundred, cc) {
            let test = Test::Percent(vec![i], pc.col, cc, b);
            if test.holds_all(&cx.filled) == Some(true) {
                base_of.insert(i, (b, t(lang, TextId::InitFound, &[])));
                break;
            }
        }
    }
    if let Some(h) = hundred {
        if rows_with_pct.iter().all(|&i| i == h) {
            // A blank template: every percentage is of the item reading 100.
            for i in 0..tb.rows.len() {
                base_of
                    .entry(i)
                    .or_insert((Base::Row(h), t(lang, TextId::InitHundred, &[])));
            }
        }
    }
    base_of
}

/// The bases row `i`'s percentage may be of, in the order tried: its ancestors, nearest
/// first, then the item reading 100 (`hundred`), then another count column of the row than
/// `cc`, then the items at the top level, then the row itself.
fn base_candidates(cx: &Drafting, i: usize, hundred: Option<usize>, cc: u32) -> Vec<Base> {
    let tb = cx.tb;
    let mut cands = Vec::new();
    let mut a = tb.rows[i].parent;
    while let Some(p) = a {
        cands.push(Base::Row(p));
        a = tb.rows[p].parent;
    }
    cands.extend(hundred.map(Base::Row));
    cands.extend(
        cx.count_cols
            .iter()
            .filter(|&&c| c != cc)
            .map(|&c| Base::Col(c)),
    );
    cands.extend(
        (0..tb.rows.len())
            .filter(|&j| tb.rows[j].parent.is_none())
            .map(Base::Row),
    );
    cands.push(Base::Row(i));
    cands
}

/// The checks of percentage column `pc` (count column `cc`), one per base of `base_of`:
/// `each` over the rows it covers.
fn push_percentage_checks(
    cx: &Drafting,
    pc: &Col,
    cc: u32,
    base_of: &BTreeMap<usize, (Base, String)>,
    checks: &mut Vec<Drafted>,
) {
    let tb = cx.tb;
    let mut by_base: BTreeMap<Base, (Vec<usize>, String)> = BTreeMap::new();
    for (i, (b, why)) in base_of {
        let e = by_base
            .entry(*b)
            .or_insert_with(|| (Vec::new(), why.clone()));
        e.0.push(*i);
    }
    let with_pct: BTreeSet<usize> = base_of.keys().copied().collect();
    let cnt_ref = if tb.cols.first().is_some_and(|c| c.col == cc) {
        "$".to_string()
    } else {
        let id = tb.cols.iter().find(|c| c.col == cc).map(|c| c.id.clone());
        format!("$[{}]", id.unwrap_or_default())
    };
    for (b, (rows, why)) in by_base {
        let (base_ref, base_id, base_label) = match b {
            Base::Row(b) => (
                at(tb, b, cc),
                tb.rows[b].id.replace('.', "-"),
                cx.label_of(b),
            ),
            Base::Col(c) => {
                let id = tb.cols.iter().find(|x| x.col == c).map(|x| x.id.clone());
                let id = id.unwrap_or_default();
                (format!("$[{id}]"), id, in_message(&col_header(tb, c)))
            }
        };
        let expr = format!("$[{}] == {cnt_ref} / {base_ref} * 100", pc.id);
        // `X.*` for exactly the rows under X, `*` when every percentage is of this
        // base, else each row by its id.
        let set: BTreeSet<usize> = rows.iter().copied().collect();
        let eaches: Vec<(String, Vec<usize>)> = if let Some(e) = under_pattern(tb, &set) {
            vec![(e, rows.clone())]
        } else if set == with_pct {
            vec![("*".to_string(), rows.clone())]
        } else {
            rows.iter()
                .map(|&i| (tb.rows[i].id.clone(), vec![i]))
                .collect()
        };
        for (each, covered) in eaches {
            checks.push(Drafted {
                id: format!("{}.{}-of-{base_id}", cx.fid, pc.id),
                each: Some(each),
                expr: expr.clone(),
                why: why.clone(),
                message: percent_message(&base_label),
                test: Test::Percent(covered, pc.col, cc, b),
            });
        }
    }
}

impl Test {
    /// Whether it holds in every example where it applies, and applies in one.
    fn holds_all(&self, figs: &[&Figures]) -> Option<bool> {
        let mut any = None;
        for f in figs {
            match self.holds(f) {
                Some(false) => return Some(false),
                Some(true) => any = Some(true),
                None => {}
            }
        }
        any
    }
}

/// Whether a sum holds in every example that fills it, with a figure above zero in one.
fn found_in(test: &Test, figs: &[&Figures]) -> bool {
    let Test::Sum(_, whole) = test else {
        return false;
    };
    test.holds_all(figs) == Some(true)
        && figs.iter().any(|f| f.get(whole).is_some_and(|v| v.0 > 0.0))
}

/// `X.*` when these rows are exactly the rows under X.
fn under_pattern(tb: &Table, set: &BTreeSet<usize>) -> Option<String> {
    let parent = tb.rows[*set.first()?].parent?;
    let prefix = format!("{}.", tb.rows[parent].id);
    let under: BTreeSet<usize> = (0..tb.rows.len())
        .filter(|&j| tb.rows[j].id.starts_with(&prefix))
        .collect();
    (&under == set).then(|| format!("{}.*", tb.rows[parent].id))
}

/// The rows a formula sums in column `col`: `SUM(C8:C15)`, `SUM(C8,C9)`, `C8+C9+C10`.
fn summed_rows(f: &str, col: u32) -> Option<Vec<u32>> {
    static SUM: OnceLock<Option<Regex>> = OnceLock::new();
    let f = f.trim().trim_start_matches('=').replace('$', "");
    let upper = f.to_ascii_uppercase();
    let sum = SUM
        .get_or_init(|| {
            Regex::new(r"^SUM\(([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?((?:,[A-Z]+[0-9]+)*)\)$").ok()
        })
        .as_ref()?;
    let mut rows = Vec::new();
    if let Some(cap) = sum.captures(&upper.replace(' ', "")) {
        let a = CellRef::parse_a1(&cap[1])?;
        if a.col != col {
            return None;
        }
        match cap.get(2) {
            Some(b) => {
                let b = CellRef::parse_a1(b.as_str())?;
                if b.col != col || b.row < a.row || b.row - a.row > 500 {
                    return None;
                }
                rows.extend(a.row..=b.row);
            }
            None => rows.push(a.row),
        }
        for extra in cap[3].split(',').filter(|s| !s.is_empty()) {
            let c = CellRef::parse_a1(extra)?;
            if c.col != col {
                return None;
            }
            rows.push(c.row);
        }
        return Some(rows);
    }
    // A plain sum of cells.
    let terms: Vec<&str> = upper.split('+').map(str::trim).collect();
    if terms.len() < 2 {
        return None;
    }
    for term in terms {
        let c = CellRef::parse_a1(term)?;
        if c.col != col {
            return None;
        }
        rows.push(c.row);
    }
    Some(rows)
}

/// The row a percentage formula divides by: `C8/C7*100`, `C8/$C$7`, `ROUND(C8/C7*100,2)`.
fn quotient_base(f: &str) -> Option<u32> {
    static Q: OnceLock<Option<Regex>> = OnceLock::new();
    let re = Q
        .get_or_init(|| Regex::new(r"(?i)^=?(?:ROUND\()?\s*\$?[A-Z]+\$?[0-9]+\s*/\s*(\$?[A-Z]+\$?[0-9]+)\s*(?:\*\s*100)?\s*(?:,\s*\d+\s*\))?$").ok())
        .as_ref()?;
    let cap = re.captures(f.trim())?;
    CellRef::parse_a1(&cap[1]).map(|c| c.row)
}

fn sum_message(heading: &str) -> (String, String) {
    let h = heading.to_string();
    (
        t(Lang::Vi, TextId::InitSumMessage, &[("heading", &h)]),
        t(Lang::En, TextId::InitSumMessage, &[("heading", &h)]),
    )
}

fn col_header(tb: &Table, col: u32) -> String {
    tb.cols
        .iter()
        .find(|c| c.col == col)
        .map(|c| c.header.clone())
        .unwrap_or_default()
}

fn columns_message(label: &str, column: &str) -> (String, String) {
    let p = [("label", label), ("column", column)];
    (
        t(Lang::Vi, TextId::InitColumnsMessage, &p),
        t(Lang::En, TextId::InitColumnsMessage, &p),
    )
}

fn sum_of_message(heading: &str, target: &str) -> (String, String) {
    let p = [("heading", heading), ("target", target)];
    (
        t(Lang::Vi, TextId::InitSumOfMessage, &p),
        t(Lang::En, TextId::InitSumOfMessage, &p),
    )
}

fn group_message(group: &str, column: &str) -> (String, String) {
    let p = [("group", group), ("column", column)];
    (
        t(Lang::Vi, TextId::InitGroupMessage, &p),
        t(Lang::En, TextId::InitGroupMessage, &p),
    )
}

fn part_message(part: &str, whole: &str) -> (String, String) {
    let p = [("part", part), ("whole", whole)];
    (
        t(Lang::Vi, TextId::InitPartMessage, &p),
        t(Lang::En, TextId::InitPartMessage, &p),
    )
}

fn percent_message(base: &str) -> (String, String) {
    let p = [("base", base)];
    (
        t(Lang::Vi, TextId::InitPercentMessage, &p),
        t(Lang::En, TextId::InitPercentMessage, &p),
    )
}

/// The regex of a sheet name: its first word, as crossfoot compares sheet names (lower case,
/// no diacritics).
fn sheet_pattern(name: &str) -> String {
    let folded = fold_diacritics(&name.to_lowercase());
    let word: String = folded
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_string();
    format!("^{}\\b", regex::escape(&word))
}

/// The labels that identify a table: the first row's, and the first headings' (labels written
/// once in it, none of `avoid`: the labels of the other tables of its sheet).
fn identifying_labels<'t>(
    tb: &'t Table,
    avoid: &BTreeSet<String>,
    settings: &Settings,
) -> Vec<&'t str> {
    let key = |x: &str| label_key(x, settings.folding);
    let once: Vec<&Row> = tb
        .rows
        .iter()
        .filter(|r| {
            tb.rows
                .iter()
                .filter(|o| key(&o.label) == key(&r.label))
                .count()
                == 1
                && !avoid.contains(&key(&r.label))
        })
        .collect();
    let mut labels: Vec<&str> = Vec::new();
    if let Some(r) = once.first() {
        labels.push(&r.label);
    }
    for r in once.iter().skip(1) {
        if labels.len() >= 3 {
            break;
        }
        if r.parent.is_none()
            && tb
                .rows
                .iter()
                .any(|o| o.parent.is_some_and(|p| tb.rows[p].row == r.row))
        {
            labels.push(&r.label);
        }
    }
    labels
}

/// A drafted form as it is written: its table, id, title, sheet, checks (and how many were
/// left out), and the labels that identify other tables of its sheet.
struct FormText<'a> {
    tb: &'a Table,
    fid: &'a str,
    title: Option<&'a str>,
    sheet: &'a Sheet,
    checks: &'a [Drafted],
    dropped: usize,
    avoid: &'a BTreeSet<String>,
}

fn write_form(form: &FormText, settings: &Settings, source: &str) -> String {
    let FormText {
        tb,
        fid,
        title,
        sheet,
        checks,
        dropped,
        avoid,
    } = *form;
    let lang = settings.pack_lang();
    let (own, other) = match lang {
        Lang::Vi => (0, Lang::En),
        Lang::En => (1, Lang::Vi),
    };
    let mut s = String::new();
    let sheet_name = clean(&sheet.name);
    let _ = writeln!(
        s,
        "# {}",
        t(
            lang,
            TextId::InitHeader,
            &[
                ("form", fid),
                ("file", &comment(source)),
                ("sheet", &sheet_name)
            ]
        )
    );
    let _ = writeln!(s, "# {}\n", t(lang, TextId::InitEdit, &[]));
    let _ = writeln!(s, "[form]");
    let _ = writeln!(s, "id = {}", quote(fid));
    let name = title.map_or_else(|| sheet_name.clone(), str::to_string);
    let _ = writeln!(s, "name = {}", quote(&name));
    let _ = writeln!(s, "# {}", t(lang, TextId::InitSheet, &[]));
    let _ = writeln!(s, "sheet = {}", quote(&sheet_pattern(&sheet.name)));
    if let Some(ti) = title {
        let _ = writeln!(s, "title = [{}]", quote(ti));
    }
    let labels = identifying_labels(tb, avoid, settings);
    let key = |x: &str| label_key(x, settings.folding);
    let _ = writeln!(s, "# {}", t(lang, TextId::InitLabels, &[]));
    let _ = writeln!(
        s,
        "labels = [{}]\n",
        labels
            .iter()
            .map(|l| quote(l))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(s, "# {}", t(lang, TextId::InitColumns, &[]));
    for c in &tb.cols {
        let _ = writeln!(s, "[[column]]");
        let _ = writeln!(s, "id = {}", quote(&c.id));
        if let Some(g) = &c.group {
            let _ = writeln!(s, "group = {}", quote(g));
        }
        let _ = writeln!(s, "header = {}", quote(&c.header));
        let _ = writeln!(s, "kind = {}\n", quote(c.kind.name()));
    }
    let _ = writeln!(s, "# {}", t(lang, TextId::InitRows, &[]));
    for r in &tb.rows {
        if r.part && r.parent.is_some() {
            let whole = r
                .parent
                .map(|p| tb.rows[p].label.clone())
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "# {}",
                t(lang, TextId::InitPart, &[("whole", &comment(&whole))])
            );
        }
        let _ = writeln!(s, "[[row]]");
        let _ = writeln!(s, "id = {}", quote(&r.id));
        let _ = writeln!(s, "label = {}", quote(&r.label));
        let twice = tb
            .rows
            .iter()
            .filter(|o| key(&o.label) == key(&r.label))
            .count()
            > 1;
        if let (true, Some(p)) = (twice, r.parent) {
            let _ = writeln!(s, "under = {}", quote(&tb.rows[p].id));
        }
        s.push('\n');
    }
    let _ = writeln!(s, "# {}", "-".repeat(90));
    let _ = writeln!(s, "# {}", t(lang, TextId::InitChecks, &[]));
    if dropped > 0 {
        let _ = writeln!(
            s,
            "# {}",
            t(
                lang,
                TextId::InitDropped,
                &[("count", &dropped.to_string())]
            )
        );
    }
    s.push('\n');
    for c in checks {
        let _ = writeln!(s, "# {}", comment(&c.why));
        let _ = writeln!(s, "[[check]]");
        let _ = writeln!(s, "id = {}", quote(&c.id));
        if let Some(e) = &c.each {
            let _ = writeln!(s, "each = {}", quote(e));
        }
        let _ = writeln!(s, "expr = {}", quote(&c.expr));
        let msgs = [&c.message.0, &c.message.1];
        let _ = writeln!(s, "message = {}", quote(msgs[own]));
        let _ = writeln!(s, "messages.{} = {}\n", other.code(), quote(msgs[1 - own]));
    }
    s
}

/// The pack's settings file: the settings of the pack `init` ran with (`[settings]` of its
/// files, less the groups of forms and the messages, which name its own forms), so that the
/// drafted pack is read as that pack's forms are.
pub fn settings_file(sources: &[crate::rules::Source], lang: Lang) -> String {
    let mut merged = toml::Table::new();
    for src in sources {
        let Ok(doc) = src.text.parse::<toml::Table>() else {
            continue;
        };
        if let Some(toml::Value::Table(s)) = doc.get("settings") {
            for (k, v) in s {
                if k == "workbook" || k == "messages" {
                    continue;
                }
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    let mut doc = toml::Table::new();
    doc.insert("settings".into(), toml::Value::Table(merged));
    let body = toml::to_string(&doc).unwrap_or_default();
    format!("# {}\n\n{body}", t(lang, TextId::InitSettings, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_paths() {
        assert_eq!(path_of("2.1a"), ["2", "1", "a"]);
        assert_eq!(path_of("7.10"), ["7", "10"]);
        assert_eq!(path_of("II"), ["R:II"]);
    }

    #[test]
    fn formulas_read_as_sums_and_quotients() {
        assert_eq!(summed_rows("SUM(C8:C10)", 2), Some(vec![7, 8, 9]));
        assert_eq!(summed_rows("C8+C9", 2), Some(vec![7, 8]));
        assert_eq!(summed_rows("D8+C9", 2), None);
        assert_eq!(quotient_base("C8/C7*100"), Some(6));
        assert_eq!(quotient_base("=ROUND(C8/$C$7*100,2)"), Some(6));
        assert_eq!(quotient_base("C8*2"), None);
    }

    /// A sheet from rows of texts and numbers (a number parses as one).
    fn workbook(name: &str, rows: &[&[&str]]) -> Workbook {
        let mut sheet = Sheet::new(name);
        for (r, row) in rows.iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                if t.is_empty() {
                    continue;
                }
                let value = match t.parse::<f64>() {
                    Ok(v) if !t.contains('.') => Value::Number(v),
                    _ => Value::Text(t.to_string()),
                };
                sheet.cells.insert(
                    CellRef::new(r as u32, c as u32),
                    crate::model::Cell::value(value),
                );
            }
        }
        Workbook {
            sheets: vec![sheet],
            defined_names: vec![],
        }
    }

    fn settings() -> Settings {
        crate::rules::compile(&crate::rules::builtin_sources())
            .expect("built-in pack")
            .settings
    }

    #[test]
    fn hierarchy_from_numbering_and_parts_after_a_part_word() {
        let wb = workbook(
            "T1 Staff",
            &[
                &["T1 - STAFF"],
                &[],
                &["STT", "Chỉ tiêu", "Số lượng"],
                &["1", "Tổng số", "40"],
                &["1.1", "Trong đó: Nữ", "25"],
                &["1.2", "Dự bị", "3"],
                &["2", "Độ tuổi", ""],
                &["2.1", "Dưới 30", "10"],
                &["2.2", "Từ 30 trở lên", "30"],
            ],
        );
        let d = draft(&wb, &[], &settings(), "t.xlsx");
        assert_eq!(d.forms, 1);
        let text = &d.files[0].1;
        // Parts: each at most its whole, no sum over them.
        assert!(text.contains("tong_so.nu <= tong_so"), "{text}");
        assert!(text.contains("tong_so.du_bi <= tong_so"), "{text}");
        assert!(!text.contains("tong_so.nu + "), "{text}");
        // The age block adds up to the total in the template's own figures: found, to confirm.
        assert!(
            text.contains("do_tuoi.duoi_30 + do_tuoi.tu_30_tro_len == tong_so"),
            "{text}"
        );
        assert!(text.contains(r"sheet = '^t1\b'"), "{text}");
        // The drafted pack compiles with the settings it carries.
        let sources = vec![
            crate::rules::Source {
                name: "settings.toml".into(),
                text: settings_file(&crate::rules::builtin_sources(), Lang::Vi),
            },
            crate::rules::Source {
                name: d.files[0].0.clone(),
                text: text.clone(),
            },
        ];
        let pack = crate::rules::compile(&sources).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(pack.forms.len(), 1);
    }

    #[test]
    fn a_block_of_zeros_or_a_sheet_without_a_table_gives_no_check() {
        let wb = workbook(
            "Sheet1",
            &[
                &["STT", "Chỉ tiêu", "Số lượng"],
                &["1", "Tổng số", "0"],
                &["2", "Độ tuổi", ""],
                &["2.1", "Dưới 30", "0"],
                &["2.2", "Từ 30 trở lên", "0"],
            ],
        );
        let d = draft(&wb, &[], &settings(), "t.xlsx");
        assert_eq!(d.forms, 1);
        assert!(!d.files[0].1.contains("[[check]]"), "{}", d.files[0].1);
        assert_eq!(d.files[0].0, "f1.toml");
        let empty = workbook("Notes", &[&["Hướng dẫn điền biểu"]]);
        let d = draft(&empty, &[], &settings(), "t.xlsx");
        assert_eq!((d.forms, d.notes.len()), (0, 1));
    }

    #[test]
    fn two_tables_of_one_sheet_without_a_title_between_are_said() {
        let wb = workbook(
            "T1 Staff",
            &[
                &["T1 - STAFF"],
                &["STT", "Chỉ tiêu", "Số lượng", "Tỷ lệ"],
                &["1", "Tổng số", "40", "100"],
                &["2", "Nữ", "25", "62"],
                &[],
                &["STT", "Hoạt động", "Số buổi", "Số người"],
                &["1", "Họp", "4", "30"],
                &["2", "Tập huấn", "2", "12"],
            ],
        );
        let d = draft(&wb, &[], &settings(), "t.xlsx");
        assert_eq!(d.forms, 2, "{:?}", d.files);
        assert!(
            d.files[0].1.contains("title = [\"T1 - STAFF\"]"),
            "{}",
            d.files[0].1
        );
        assert!(!d.files[1].1.contains("title ="), "{}", d.files[1].1);
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert!(d.notes[0].contains("T1_2"), "{:?}", d.notes);
    }

    #[test]
    fn a_row_of_words_for_figures_starts_no_table() {
        let wb = workbook(
            "Sheet1",
            &[
                &["STT", "Chỉ tiêu", "Năm trước", "Năm nay"],
                &["1", "Tổng số", "40", "42"],
                &["2", "Nữ", "n.a.", "n.a."],
                &["3", "Nam", "10", "12"],
                &["4", "Dự bị", "2", "3"],
            ],
        );
        let d = draft(&wb, &[], &settings(), "t.xlsx");
        assert_eq!((d.forms, d.notes.len()), (1, 0), "{:?}", d.files);
        for label in ["Tổng số", "Nữ", "Dự bị"] {
            let row = format!("label = \"{label}\"");
            assert!(d.files[0].1.contains(&row), "{}", d.files[0].1);
        }
    }

    #[test]
    fn ids_are_readable() {
        assert_eq!(slug("Tổng số đảng viên", 3), "tong_so_dang");
        assert_eq!(top_id(slug("60 tuổi trở lên", 3), "r_"), "r_60_tuoi_tro");
        assert_eq!(top_id("sum".into(), "r_"), "sum_");
        assert_eq!(sheet_pattern("M01-SoLuong"), "^m01\\b");
    }
}
