//! Rows that are structure, not figures.
//!
//! A table as people fill it holds more rows than its form names: a row of column numbers under
//! the header (`1 | 2 | 3 | …`, `(1) (2)`, `A B 1 2`), the header repeated further down (a
//! printed page), blank rows, and rows that sum other rows — a subtotal after a block (`Cộng`
//! after the age bands, typed or `=SUM(…)`), a group row over the records of a summary
//! (`I. Khối xã, thị trấn` with the sum of its branches). None of them is a figure of the form:
//! a column-number row or a repeated header is no record, and a subtotal is neither a record nor
//! a member of its block. A subtotal is a check of its own: [`crate::check::eval::check_subtotals`] compares it
//! with the rows it sums, and a subtotal that does not add up is a finding.
//!
//! Rows are told by their structure — what their cells hold, where they stand, what their
//! figures add up to — and by the pack's generic words for a subtotal (`[settings]
//! subtotal_labels`), never by a form's own labels.

use crate::check::formula;
use crate::model::{CellRef, Sheet, Value};
use crate::read::number::parse_text_number;
use crate::rules::{Form, Kind, Pack, Settings};
use crate::text::label_key;

/// A row that sums other rows of its form: a subtotal after its block, or a group row over the
/// records under it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Subtotal {
    /// Its row in the sheet.
    pub row: u32,
    /// Its label as written (trimmed), or empty.
    pub label: String,
    /// The rows it sums, as grid indices of the form (named rows, then records).
    pub members: Vec<usize>,
}

/// A figure as a cell shows it, read quietly (a structure row is told by its figures; what is
/// wrong with a figure of the form is reported where the figure is read).
pub fn figure(sheet: &Sheet, at: CellRef, settings: &Settings) -> Option<f64> {
    let cell = sheet.get(at)?;
    match (&cell.value, &cell.formula) {
        (Value::Number(v), _) => Some(*v),
        (Value::Empty, Some(f)) => formula::evaluate(sheet, f),
        (Value::Text(t), _) => {
            let t = t.trim();
            if settings.dash_is_zero && crate::read::number::is_zero_dash(t) {
                return Some(0.0);
            }
            parse_text_number(t, settings.locale)
                .or_else(|| {
                    crate::read::labels::before_unit(t, &settings.unit_keys, settings.folding)
                        .and_then(|head| parse_text_number(&head, settings.locale))
                })
                .map(|n| n.value)
        }
        _ => None,
    }
}

/// Whether `text` is a column number as printed under a header: `1`, `(2)`, `A`, `[3]`.
fn column_token(text: &str) -> Option<Token> {
    let t = text.trim();
    let inner = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .or_else(|| t.strip_prefix('[').and_then(|x| x.strip_suffix(']')))
        .unwrap_or(t)
        .trim();
    if !inner.is_empty() && inner.len() <= 2 && inner.chars().all(|c| c.is_ascii_digit()) {
        return inner.parse().ok().map(Token::Number);
    }
    let mut chars = inner.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(Token::Letter(c.to_ascii_uppercase())),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Number(u32),
    Letter(char),
}

/// Whether sheet row `row` is a row of column numbers: at least three filled cells among
/// `cols` (the table's columns, left to right), every one a column number, the numbers
/// counting up by one and the letters following the alphabet (`A B 1 2 3`, `1 2 3 4`,
/// `(1) (2) (3)`).
pub fn is_column_number_row(sheet: &Sheet, row: u32, cols: &[u32]) -> bool {
    let mut cols = cols.to_vec();
    cols.sort_unstable();
    cols.dedup();
    let mut tokens = Vec::new();
    for c in cols {
        let Some(cell) = sheet.get(CellRef::new(row, c)) else {
            continue;
        };
        let token = match &cell.value {
            Value::Empty if cell.formula.is_none() => continue,
            Value::Number(v) if v.fract() == 0.0 && (1.0..100.0).contains(v) => {
                Token::Number(*v as u32)
            }
            Value::Text(t) if t.trim().is_empty() => continue,
            Value::Text(t) => match column_token(t) {
                Some(tok) => tok,
                None => return false,
            },
            _ => return false,
        };
        tokens.push(token);
    }
    if tokens.len() < 3 {
        return false;
    }
    let numbers: Vec<u32> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Number(n) => Some(*n),
            Token::Letter(_) => None,
        })
        .collect();
    let letters: Vec<u32> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Letter(c) => Some(u32::from(*c)),
            Token::Number(_) => None,
        })
        .collect();
    let counts_up = |xs: &[u32]| xs.windows(2).all(|w| w[1] == w[0] + 1);
    counts_up(&numbers) && counts_up(&letters)
}

/// Whether sheet row `row` repeats the header: at least two of the form's located columns
/// carry their own heading, an alias, or their group's heading (the upper row of a header over
/// two rows) in that row.
pub fn is_header_repeat(
    sheet: &Sheet,
    row: u32,
    form: &Form,
    cols: &[Option<u32>],
    settings: &Settings,
) -> bool {
    let same = form
        .columns
        .iter()
        .zip(cols)
        .filter_map(|(col, c)| c.map(|c| (col, c)))
        .filter(|(col, c)| {
            sheet
                .get(CellRef::new(row, *c))
                .and_then(|x| x.text())
                .map(|t| label_key(t, settings.folding))
                .is_some_and(|k| {
                    col.keys.contains(&k)
                        || col.group_keys.contains(&k)
                        || col.flat_keys.contains(&crate::text::flat_key(&k))
                })
        })
        .count();
    same >= 2
}

/// Whether sheet row `row` repeats one of the header's rows (`band`, first and last) over the
/// table's columns `span`: at least two cells hold the same text as that header row in the same
/// column, and the row holds no other text (the upper rows of a header over several rows
/// carry group headings that are no column's own).
pub fn repeats_rows(sheet: &Sheet, row: u32, band: (u32, u32), span: &[u32], pack: &Pack) -> bool {
    let key = |r: u32, c: u32| {
        sheet
            .get(CellRef::new(r, c))
            .and_then(|x| x.text())
            .map(|t| label_key(t, pack.settings.folding))
            .filter(|k| !k.is_empty())
    };
    (band.0..=band.1).filter(|h| *h != row).any(|h| {
        let mut same = 0;
        for c in span {
            match (key(row, *c), key(h, *c)) {
                (Some(a), Some(b)) if a == b => same += 1,
                (Some(_), _) => return false,
                _ => {}
            }
        }
        same >= 2
    })
}

/// Whether a label says "the sum of the rows above", its numbering taken off: it is one of the
/// pack's subtotal words (`Cộng`), or begins with one of several words (`Cộng khối` →
/// `Cộng khối xã, thị trấn`). A one-word entry does not begin a longer label: `Cộng tác
/// viên` (collaborators) is no subtotal.
pub fn is_subtotal_word(label: &str, settings: &Settings) -> bool {
    let k = label_key(label, settings.folding);
    let k = crate::text::strip_numbering(&k).unwrap_or(&k);
    settings.subtotal_keys.iter().any(|w| {
        k == w
            || (w.contains(' ')
                && k.strip_prefix(w.as_str())
                    .is_some_and(|r| r.starts_with(' ')))
    })
}

/// Whether a cell's text numbers a group rather than a record: a Roman numeral (`I`, `II.`,
/// `IV)`), alone or before the group's name (`II. Khối cơ quan`).
pub fn is_group_numbering(text: &str) -> bool {
    let t = text.trim();
    let end = t
        .find(|c: char| c == '.' || c == ')' || c.is_whitespace())
        .unwrap_or(t.len());
    let (token, rest) = t.split_at(end);
    let roman = !token.is_empty()
        && token.len() <= 6
        && token.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'));
    // `I` alone, or `I.` / `I)` / `I ` followed by a name.
    roman
        && (rest.is_empty()
            || rest.starts_with(['.', ')'])
            || rest.starts_with(char::is_whitespace))
}

/// A row of a `[records]` table that is not itself a record: the candidate rows (sheet rows
/// with figures, top to bottom) are split into records and group rows. A group row has no key
/// and is either numbered as a group (a Roman numeral), labelled with a subtotal word, or
/// carries in every figure column the sum of the keyed rows (two or more) directly below it (or
/// directly above it, for a `Cộng khối …` row after its records); once a table has group rows,
/// a keyless row carrying the sum of one keyed row is a group of one. Returns the group rows with their
/// members (indices into `rows`), and whether each row is a record.
pub fn split_groups(
    sheet: &Sheet,
    rows: &[CandidateRow],
    figure_cols: &[u32],
    settings: &Settings,
) -> (Vec<(usize, Vec<usize>)>, Vec<bool>) {
    let keyless: Vec<bool> = rows.iter().map(|r| r.key.is_empty()).collect();
    // The keyed runs directly below / above each row, up to the next keyless row.
    let run_below = |i: usize| -> Vec<usize> {
        (i + 1..rows.len())
            .take_while(|j| !keyless[*j])
            .collect::<Vec<_>>()
    };
    let run_above = |i: usize| -> Vec<usize> {
        let mut v: Vec<usize> = (0..i).rev().take_while(|j| !keyless[*j]).collect();
        v.reverse();
        v
    };
    let sums_to = |i: usize, run: &[usize]| -> bool {
        if run.is_empty() {
            return false;
        }
        let mut any = false;
        for c in figure_cols {
            let own = figure(sheet, CellRef::new(rows[i].row, *c), settings);
            let parts: Option<f64> = run
                .iter()
                .map(|j| figure(sheet, CellRef::new(rows[*j].row, *c), settings).or(Some(0.0)))
                .sum();
            match (own, parts) {
                (Some(o), Some(p)) if (o - p).abs() < 1e-9 => any |= o != 0.0,
                (None, _) => {}
                _ => return false,
            }
        }
        any
    };
    let mut groups = Vec::new();
    let mut is_record = vec![true; rows.len()];
    for i in 0..rows.len() {
        if !keyless[i] {
            continue;
        }
        // A row with neither key nor figure, only a name: a heading over the records, no
        // record (a branch left so is still missed: its workbook has no row).
        let no_figure = figure_cols
            .iter()
            .all(|c| figure(sheet, CellRef::new(rows[i].row, *c), settings).is_none());
        if no_figure && !rows[i].texts.is_empty() {
            is_record[i] = false;
            continue;
        }
        let (below, above) = (run_below(i), run_above(i));
        let numbered = rows[i].texts.iter().any(|t| is_group_numbering(t));
        let worded = rows[i].texts.iter().any(|t| is_subtotal_word(t, settings));
        // A group row numbered or worded as one sums its run even when its figures are wrong
        // (that is a finding); a row told by its figures alone sums a run of two rows or more.
        let members = if (numbered || below.len() >= 2) && sums_to(i, &below) {
            Some(below)
        } else if (worded || above.len() >= 2) && sums_to(i, &above) {
            Some(above)
        } else if numbered && !below.is_empty() {
            Some(below)
        } else if worded && !above.is_empty() {
            Some(above)
        } else {
            None
        };
        if let Some(m) = members {
            is_record[i] = false;
            groups.push((i, m));
        }
    }
    // Once the table has group rows, a keyless row summing the one keyed row under (or over)
    // it is one more group row (a group of one), not a branch row copied without its code.
    if !groups.is_empty() {
        for i in 0..rows.len() {
            if !keyless[i] || !is_record[i] {
                continue;
            }
            let (below, above) = (run_below(i), run_above(i));
            let members = if sums_to(i, &below) {
                Some(below)
            } else if sums_to(i, &above) {
                Some(above)
            } else {
                None
            };
            if let Some(m) = members {
                is_record[i] = false;
                groups.push((i, m));
            }
        }
        groups.sort_by_key(|(i, _)| *i);
    }
    (groups, is_record)
}

/// A filled row of a `[records]` table, before it is told a record or a group row.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub row: u32,
    /// The key cell's text, trimmed.
    pub key: String,
    /// The row's texts left of its figures (number, label), trimmed.
    pub texts: Vec<String>,
}

/// The subtotals of a form with blocks (rows `under` a heading): a row of the table that is no
/// row of the form, stands directly under a run of a block's rows, has a figure, and either is
/// labelled with a subtotal word or carries in every count column the sum of that run (of two
/// rows or more). Such a row is no member of its block; it sums the run.
pub fn find_subtotals(
    sheet: &Sheet,
    form: &Form,
    rows: &[Option<u32>],
    cols: &[Option<u32>],
    header_bottom: u32,
    settings: &Settings,
) -> Vec<Subtotal> {
    let count_cols: Vec<u32> = form
        .columns
        .iter()
        .zip(cols)
        .filter(|(c, _)| matches!(c.kind, Kind::Count | Kind::Number))
        .filter_map(|(_, c)| *c)
        .collect();
    let Some(first_value) = cols
        .iter()
        .zip(&form.columns)
        .filter(|(_, c)| c.kind != Kind::Text)
        .filter_map(|(c, _)| *c)
        .min()
    else {
        return Vec::new();
    };
    if count_cols.is_empty() {
        return Vec::new();
    }
    // Sheet row → the form's row located there.
    let mut located: Vec<(u32, usize)> = rows
        .iter()
        .enumerate()
        .filter_map(|(ri, r)| r.map(|r| (r, ri)))
        .collect();
    located.sort_unstable();
    let Some(&(last, _)) = located.last() else {
        return Vec::new();
    };
    let texts_left = |r: u32| -> Vec<String> {
        sheet
            .cells
            .range(CellRef::new(r, 0)..CellRef::new(r, first_value))
            .filter_map(|(_, c)| c.text().map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect()
    };
    let has_figure = |r: u32| {
        count_cols
            .iter()
            .any(|c| figure(sheet, CellRef::new(r, *c), settings).is_some())
    };
    let mut out: Vec<Subtotal> = Vec::new();
    // Rows of the table that are no row of the form: from the header to a few rows past the
    // last located row (a subtotal after the last block).
    let mut r = header_bottom + 1;
    while r <= last + 2 {
        let here = r;
        r += 1;
        if located.binary_search_by_key(&here, |(row, _)| *row).is_ok() || !has_figure(here) {
            continue;
        }
        // The run of one block directly above (blank rows skipped), stopping at another
        // block, a heading, a row that is no row of the form, or an earlier subtotal.
        let mut run: Vec<usize> = Vec::new();
        let mut parent = None;
        let mut up = here;
        while let Some(u) = up.checked_sub(1) {
            up = u;
            if u <= header_bottom || out.iter().any(|s| s.row == u) {
                break;
            }
            match located.binary_search_by_key(&u, |(row, _)| *row) {
                Ok(i) => {
                    let ri = located[i].1;
                    let Some(h) = form.rows[ri].under else { break };
                    if parent.is_some_and(|p| p != h) {
                        break;
                    }
                    parent = Some(h);
                    run.push(ri);
                }
                Err(_) if texts_left(u).is_empty() && !has_figure(u) => continue,
                Err(_) => break,
            }
        }
        if run.is_empty() {
            continue;
        }
        run.reverse();
        let texts = texts_left(here);
        let worded = texts.iter().any(|t| is_subtotal_word(t, settings));
        let sums = run.len() >= 2
            && count_cols.iter().all(|c| {
                let own = figure(sheet, CellRef::new(here, *c), settings);
                let parts: Option<f64> = run
                    .iter()
                    .map(|ri| {
                        rows[*ri].map_or(Some(0.0), |row| {
                            figure(sheet, CellRef::new(row, *c), settings).or(Some(0.0))
                        })
                    })
                    .sum();
                match (own, parts) {
                    (Some(o), Some(p)) => (o - p).abs() < 1e-9,
                    (None, _) => true,
                    _ => false,
                }
            });
        if worded || sums {
            out.push(Subtotal {
                row: here,
                label: texts.last().cloned().unwrap_or_default(),
                members: run,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cell;
    use crate::rules::{compile, Source};

    fn sheet(rows: &[&[&str]]) -> Sheet {
        let mut s = Sheet::new("S");
        for (r, row) in rows.iter().enumerate() {
            for (c, t) in row.iter().enumerate() {
                if t.is_empty() {
                    continue;
                }
                let value = match t.parse::<f64>() {
                    Ok(v) => Value::Number(v),
                    Err(_) => Value::Text(t.to_string()),
                };
                s.cells
                    .insert(CellRef::new(r as u32, c as u32), Cell::value(value));
            }
        }
        s
    }

    fn settings() -> Settings {
        Settings {
            subtotal_keys: vec!["cộng".into(), "cộng khối".into()],
            ..Settings::default()
        }
    }

    #[test]
    fn rows_of_column_numbers() {
        let s = sheet(&[
            &["1", "2", "3", "4"],
            &["(1)", "(2)", "(3)", "(4)"],
            &["A", "B", "1", "2"],
            &["1", "Xã A", "3", "4"],
            &["1", "2", "4", "5"],
            &["", "", "1", "2"],
        ]);
        let cols = [0, 1, 2, 3];
        let found: Vec<bool> = (0..6).map(|r| is_column_number_row(&s, r, &cols)).collect();
        assert_eq!(found, [true, true, true, false, false, false]);
    }

    #[test]
    fn group_rows_are_told_by_numbering_words_or_sums() {
        // STT | name | code | figure
        let s = sheet(&[
            &["I", "Khối xã", "", "30"],
            &["1", "Xã A", "A-1", "10"],
            &["2", "Xã B", "A-2", "21"],
            &["", "Cộng khối cơ quan", "", "7"],
            &["3", "Xã C", "", "5"],
            &["4", "Cơ quan D", "A-4", "3"],
            &["5", "Cơ quan E", "A-5", "4"],
            &["", "Khối khác", "", "9"],
            &["6", "Cơ quan F", "A-6", "4"],
            &["7", "Cơ quan G", "A-7", "5"],
        ]);
        let rows: Vec<CandidateRow> = (0..10u32)
            .map(|r| CandidateRow {
                row: r,
                key: s
                    .get(CellRef::new(r, 2))
                    .map(|c| c.display())
                    .unwrap_or_default(),
                texts: [0, 1]
                    .iter()
                    .filter_map(|c| s.get(CellRef::new(r, *c)).map(|x| x.display()))
                    .collect(),
            })
            .collect();
        let (groups, is_record) = split_groups(&s, &rows, &[3], &settings());
        // Row 0 by its numbering (its sum is wrong: checked later); row 3 by its word, over the
        // rows above; row 4 has no code but is a branch (its figure sums nothing); row 7 by its
        // sum of the two rows under it.
        assert_eq!(
            groups,
            vec![(0, vec![1, 2]), (3, vec![1, 2]), (7, vec![8, 9])]
        );
        assert_eq!(
            is_record,
            [false, true, true, false, true, true, true, false, true, true]
        );
        // A name alone, no code, no figure: a heading.
        let s = sheet(&[&["", "Khối xã", "", ""], &["1", "Xã A", "A-1", "10"]]);
        let rows: Vec<CandidateRow> = (0..2u32)
            .map(|r| CandidateRow {
                row: r,
                key: s
                    .get(CellRef::new(r, 2))
                    .map(|c| c.display())
                    .unwrap_or_default(),
                texts: vec!["Khối xã".into()],
            })
            .collect();
        let (groups, is_record) = split_groups(&s, &rows, &[3], &settings());
        assert_eq!((groups, is_record), (vec![], vec![false, true]));
    }

    #[test]
    fn subtotal_words_of_every_rule_file_count_together() {
        let src = |name: &str, words: &str| Source {
            name: name.into(),
            text: format!("[settings]\nsubtotal_labels = [{words}]\n"),
        };
        let pack = match compile(&[
            src("a.toml", "\"Cộng\""),
            src("b.toml", "\"Total\", \"Cộng\""),
        ]) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(pack.settings.subtotal_keys, ["cộng", "total"]);
        assert!(is_subtotal_word("CỘNG:", &pack.settings));
        assert!(is_subtotal_word("II. Cộng", &pack.settings));
        assert!(!is_subtotal_word("Cộng tác viên", &pack.settings));
        assert!(!is_subtotal_word("Tổng số", &pack.settings));
        let several = Settings {
            subtotal_keys: vec!["cộng".into(), "cộng khối".into()],
            ..Settings::default()
        };
        assert!(is_subtotal_word("CỘNG KHỐI XÃ, THỊ TRẤN", &several));
        assert!(!is_subtotal_word("Cộng đồng", &several));
    }

    #[test]
    fn column_tokens() {
        assert!(is_group_numbering("II. Khối cơ quan"));
        assert!(is_group_numbering("IV"));
        assert!(is_group_numbering("I)"));
        assert!(!is_group_numbering("Ia Chim"));
        assert!(!is_group_numbering("1. Xã A"));
        assert!(!is_group_numbering("Xã I"));
        assert_eq!(column_token("(3)"), Some(Token::Number(3)));
        assert_eq!(column_token("b"), Some(Token::Letter('B')));
        assert_eq!(column_token("Số"), None);
        assert_eq!(column_token("2010"), None);
    }
}
