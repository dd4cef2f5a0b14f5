//! The generators of `check --discover`'s measurement, shared by its tests (`tests/discover.rs`)
//! and its benchmark (`benches/discover.rs`, which includes this file by `#[path]`): tables of
//! each pattern, clean or with one planted slip, seeded (no dependency: xorshift).

use crossfoot::model::{Cell, CellRef, NumFmt, Sheet, Value, Workbook};
use crossfoot::rules::Pack;
use std::collections::BTreeSet;

/// A small deterministic generator (no dependency): xorshift.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn put(s: &mut Sheet, r: u32, c: u32, v: Value) {
    s.cells.insert(
        CellRef::new(r, c),
        Cell {
            value: v,
            formula: None,
            fmt: NumFmt::default(),
        },
    );
}

pub fn text(s: &mut Sheet, r: u32, c: u32, t: &str) {
    put(s, r, c, Value::Text(t.to_string()));
}

/// A slip: the cell that was changed and the cell the finding should name.
pub struct Planted {
    pub changed: CellRef,
    pub said_at: CellRef,
}

/// A flat table: a header, 3–8 items with 2–4 count columns, a typed total row; with a slip,
/// one figure of the total (or of an item) is off by 1–9.
pub fn flat(rng: &mut Rng, slip: bool) -> (Workbook, Option<Planted>) {
    let mut s = Sheet::new("Data");
    let cols = 2 + rng.below(3) as u32;
    let items = 3 + rng.below(6) as u32;
    text(&mut s, 0, 0, "Đơn vị");
    for c in 0..cols {
        text(&mut s, 0, c + 1, &format!("Cột {}", c + 1));
    }
    let mut sums = vec![0.0; cols as usize];
    for r in 1..=items {
        text(&mut s, r, 0, &format!("Đơn vị {r}"));
        for c in 0..cols {
            let v = (5 + rng.below(200)) as f64;
            sums[c as usize] += v;
            put(&mut s, r, c + 1, Value::Number(v));
        }
    }
    let total = items + 1;
    text(&mut s, total, 0, "Tổng cộng");
    for c in 0..cols {
        put(&mut s, total, c + 1, Value::Number(sums[c as usize]));
    }
    let planted = slip.then(|| {
        let c = 1 + rng.below(u64::from(cols)) as u32;
        let d = (1 + rng.below(9)) as f64;
        let on_total = rng.below(2) == 0;
        let r = if on_total {
            total
        } else {
            1 + rng.below(u64::from(items)) as u32
        };
        let at = CellRef::new(r, c);
        if let Some(Value::Number(v)) = s.cells.get(&at).map(|x| x.value.clone()) {
            put(&mut s, r, c, Value::Number(v + d));
        }
        Planted {
            changed: at,
            said_at: CellRef::new(total, c),
        }
    });
    (
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        },
        planted,
    )
}

/// A numbered table: 2–4 headings `N`, each over 2–5 items `N.k` (the numbering in an STT
/// column, or typed before the label), 2–3 count columns; with a slip, a heading's figure or
/// one of its items' is off by 1–9.
pub fn numbered(rng: &mut Rng, slip: bool) -> (Workbook, Option<Planted>) {
    let mut s = Sheet::new("Data");
    let cols = 2 + rng.below(2) as u32;
    let stt = rng.below(2) == 0;
    let (label_col, first_col) = if stt { (1, 2) } else { (0, 1) };
    if stt {
        text(&mut s, 0, 0, "STT");
    }
    text(&mut s, 0, label_col, "Chỉ tiêu");
    for c in 0..cols {
        text(&mut s, 0, first_col + c, &format!("Cột {}", c + 1));
    }
    let mut r = 1;
    let mut blocks: Vec<(u32, Vec<u32>)> = Vec::new();
    for h in 1..=2 + rng.below(3) {
        let n_items = 2 + rng.below(4);
        let head = r;
        r += 1;
        let mut sums = vec![0.0; cols as usize];
        let mut rows = Vec::new();
        for k in 1..=n_items {
            let label = format!("Mục {h}.{k}");
            if stt {
                text(&mut s, r, 0, &format!("{h}.{k}"));
                text(&mut s, r, label_col, &label);
            } else {
                text(&mut s, r, label_col, &format!("{h}.{k} {label}"));
            }
            for c in 0..cols {
                let v = (1 + rng.below(120)) as f64;
                sums[c as usize] += v;
                put(&mut s, r, first_col + c, Value::Number(v));
            }
            rows.push(r);
            r += 1;
        }
        if stt {
            text(&mut s, head, 0, &h.to_string());
            text(&mut s, head, label_col, &format!("Nhóm {h}"));
        } else {
            text(&mut s, head, label_col, &format!("{h} Nhóm {h}"));
        }
        for c in 0..cols {
            put(&mut s, head, first_col + c, Value::Number(sums[c as usize]));
        }
        blocks.push((head, rows));
    }
    let planted = slip.then(|| {
        let (head, rows) = &blocks[rng.below(blocks.len() as u64) as usize];
        let c = first_col + rng.below(u64::from(cols)) as u32;
        let d = (1 + rng.below(9)) as f64;
        let row = if rng.below(2) == 0 {
            *head
        } else {
            rows[rng.below(rows.len() as u64) as usize]
        };
        let at = CellRef::new(row, c);
        if let Some(Value::Number(v)) = s.cells.get(&at).map(|x| x.value.clone()) {
            put(&mut s, row, c, Value::Number(v + d));
        }
        Planted {
            changed: at,
            said_at: CellRef::new(*head, c),
        }
    });
    (
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        },
        planted,
    )
}

/// A generator of tables: clean, or with one slip.
pub type Make = fn(&mut Rng, bool) -> (Workbook, Option<Planted>);

/// A share table: a header `Số lượng | Tỷ lệ (%)`, the total row at 100, 4–10 items with their
/// percentage of it shown to two decimals; with a slip, one percentage off by 0.01–1.00.
pub fn shares(rng: &mut Rng, slip: bool) -> (Workbook, Option<Planted>) {
    let mut s = Sheet::new("Data");
    text(&mut s, 0, 0, "Chỉ tiêu");
    text(&mut s, 0, 1, "Số lượng");
    text(&mut s, 0, 2, "Tỷ lệ (%)");
    let items = 4 + rng.below(7) as u32;
    let counts: Vec<f64> = (0..items).map(|_| (1 + rng.below(300)) as f64).collect();
    let total: f64 = counts.iter().sum::<f64>() + rng.below(50) as f64;
    let pct = |s: &mut Sheet, r: u32, v: f64| {
        s.cells.insert(
            CellRef::new(r, 2),
            Cell {
                value: Value::Number(v),
                formula: None,
                fmt: NumFmt {
                    percent: false,
                    decimals: Some(2),
                },
            },
        );
    };
    // The base row is no total of the rows under it (some units are not listed): labelled so.
    text(&mut s, 1, 0, "Toàn đảng bộ");
    put(&mut s, 1, 1, Value::Number(total));
    pct(&mut s, 1, 100.0);
    for (k, n) in counts.iter().enumerate() {
        let r = 2 + k as u32;
        text(&mut s, r, 0, &format!("Nhóm {}", k + 1));
        put(&mut s, r, 1, Value::Number(*n));
        pct(&mut s, r, (n / total * 10_000.0).round() / 100.0);
    }
    let planted = slip.then(|| {
        let r = 2 + rng.below(u64::from(items)) as u32;
        let d = (1 + rng.below(100)) as f64 / 100.0;
        let d = if rng.below(2) == 0 { d } else { -d };
        let at = CellRef::new(r, 2);
        if let Some(Value::Number(v)) = s.cells.get(&at).map(|x| x.value.clone()) {
            pct(&mut s, r, ((v + d) * 100.0).round() / 100.0);
        }
        Planted {
            changed: at,
            said_at: at,
        }
    });
    (
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        },
        planted,
    )
}

pub fn said(wb: &Workbook, pack: &Pack) -> Vec<(String, String)> {
    crossfoot::check::discover::discover(wb, "t.xlsx", pack, &BTreeSet::new())
        .into_iter()
        .map(|f| {
            (
                f.rule,
                f.cells.first().map(|c| c.cell.clone()).unwrap_or_default(),
            )
        })
        .collect()
}
/// A workbook with `SUM` totals written by rust_xlsxwriter (formulas with their cached
/// results): 3–8 items (plain labels, or numbered in an STT column), 2–4 count columns, a
/// `Trong đó` part row under the items in one table of three (left out of every SUM on
/// purpose), the total a `Tổng cộng` row under the block or a numbered heading above it, every
/// column a sum (or, in one table of four, only one column a sum, the others typed), written as
/// one `SUM` of the block, its cells joined by `+`, or a `SUM` of two ranges. With a slip, one
/// column's sum leaves out the first or the last item, or (cells or ranges listed) one between.
/// Gives the bytes, and the formula cell and left-out cell of the slip.
pub fn sum_table(rng: &mut Rng, slip: bool) -> (Vec<u8>, Option<(CellRef, CellRef)>) {
    use rust_xlsxwriter::{Formula, Workbook as XlsxBook};
    let mut book = XlsxBook::new();
    let ws = book.add_worksheet();
    let cols = 2 + rng.below(3) as u16;
    let items = 3 + rng.below(6) as u32;
    let numbered = rng.below(2) == 0;
    let part = rng.below(3) == 0;
    let heading = rng.below(2) == 0;
    let one_sum = rng.below(4) == 0;
    ws.write_string(0, 0, "STT").unwrap();
    ws.write_string(0, 1, "Chỉ tiêu").unwrap();
    for c in 0..cols {
        ws.write_string(0, 2 + c, format!("Cột {}", c + 1)).unwrap();
    }
    // Rows: the heading (if above), the items, the part row, the total (if below).
    let first = if heading { 2 } else { 1 };
    let last = first + items - 1;
    let total_row = if heading {
        1
    } else {
        last + 1 + u32::from(part)
    };
    let mut values = vec![vec![0.0; items as usize]; cols as usize];
    for k in 0..items {
        let r = first + k;
        if numbered {
            let n = if heading {
                format!("1.{}", k + 1)
            } else {
                (k + 1).to_string()
            };
            ws.write_string(r, 0, n).unwrap();
            ws.write_string(r, 1, format!("Đơn vị số {}", k + 1))
                .unwrap();
        } else {
            ws.write_string(r, 1, format!("Đơn vị số {}", k + 1))
                .unwrap();
        }
        for c in 0..cols {
            let v = (1 + rng.below(150)) as f64;
            values[c as usize][k as usize] = v;
            ws.write_number(r, 2 + c, v).unwrap();
        }
    }
    if part {
        ws.write_string(last + 1, 1, "Trong đó: nữ").unwrap();
        for c in 0..cols {
            ws.write_number(last + 1, 2 + c, (1 + rng.below(3)) as f64)
                .unwrap();
        }
    }
    if heading {
        if numbered {
            ws.write_string(total_row, 0, "1").unwrap();
        }
        ws.write_string(total_row, 1, "Tổng số đơn vị").unwrap();
    } else {
        ws.write_string(total_row, 1, "Tổng cộng").unwrap();
    }
    // How the sums are written: one SUM of the block, its cells joined by `+`, or a SUM of
    // two ranges (split after the first item).
    let form = rng.below(3);
    // The slip: which column, and which item it leaves out (the first, the last, or — when
    // the sum lists cells or ranges — one between them).
    let slipped = slip.then(|| {
        let sc = rng.below(u64::from(cols)) as u16;
        let k = match rng.below(3) {
            0 => 0,
            1 if form != 0 && items >= 4 => 2 + rng.below(u64::from(items) - 3) as u32,
            _ => items - 1,
        };
        (sc, first + k)
    });
    let mut planted = None;
    for c in 0..cols {
        let col = 2 + c;
        let name = |r: u32| format!("{}{}", CellRef::col_name(u32::from(col)), r + 1);
        let left_out = slipped.and_then(|(sc, r)| (sc == c).then_some(r));
        if let Some(r) = left_out {
            planted = Some((
                CellRef::new(total_row, u32::from(col)),
                CellRef::new(r, u32::from(col)),
            ));
        }
        let summed: Vec<u32> = (first..=last).filter(|r| Some(*r) != left_out).collect();
        let sum: f64 = summed
            .iter()
            .map(|r| values[c as usize][(r - first) as usize])
            .sum();
        let is_sum = !one_sum || slipped.map_or(c == 0, |(sc, _)| sc == c);
        if !is_sum {
            ws.write_number(total_row, col, sum).unwrap();
            continue;
        }
        let f = match form {
            1 => summed
                .iter()
                .map(|r| name(*r))
                .collect::<Vec<_>>()
                .join("+"),
            _ => {
                // Runs of consecutive rows, as ranges (split after the first item for form 2).
                let mut runs: Vec<(u32, u32)> = Vec::new();
                for r in &summed {
                    match runs.last_mut() {
                        Some(run) if run.1 + 1 == *r && !(form == 2 && run.1 == first) => {
                            run.1 = *r
                        }
                        _ => runs.push((*r, *r)),
                    }
                }
                let args: Vec<String> = runs
                    .iter()
                    .map(|(a, b)| {
                        if a == b {
                            name(*a)
                        } else {
                            format!("{}:{}", name(*a), name(*b))
                        }
                    })
                    .collect();
                format!("SUM({})", args.join(","))
            }
        };
        ws.write_formula(total_row, col, Formula::new(f).set_result(sum.to_string()))
            .unwrap();
    }
    (book.save_to_buffer().unwrap(), planted)
}

/// What `check --discover` says of a workbook's bytes: read for checking and read with its
/// formulas, as the command line reads them.
pub fn said_of_bytes(bytes: &[u8], pack: &Pack) -> Vec<(String, String, String)> {
    use crossfoot::read::load::{load_bytes_for, Detail, Limits};
    let limits = Limits::default();
    let checked = load_bytes_for(bytes, "t.xlsx", &limits, Detail::Check).expect("check read");
    let full = load_bytes_for(bytes, "t.xlsx", &limits, Detail::Full).expect("full read");
    crossfoot::check::discover::discover_all(&checked, &full, "t.xlsx", pack, &BTreeSet::new())
        .into_iter()
        .map(|f| {
            let cell = |i: usize| f.cells.get(i).map(|c| c.cell.clone()).unwrap_or_default();
            (f.rule.clone(), cell(0), cell(1))
        })
        .collect()
}

/// How an outline table sets its headings apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outline {
    /// The members' cells indented (the alignment's indent).
    Indent,
    /// The members' labels typed after leading spaces.
    Spaces,
    /// The headings bold, the members in plain type at the same indentation.
    Bold,
}

/// An outline table written by rust_xlsxwriter (a bold header row, then 2–4 headings over 2–5
/// members each, 2–3 count columns, set apart by `how`; labels without numbers); with a slip,
/// one figure of a heading or of one of its members off by 1–9. Gives the bytes and the slip.
pub fn outline_table(rng: &mut Rng, slip: bool, how: Outline) -> (Vec<u8>, Option<Planted>) {
    use rust_xlsxwriter::{Format, Workbook as XlsxBook};
    let mut book = XlsxBook::new();
    let ws = book.add_worksheet();
    let bold = Format::new().set_bold();
    let indent = Format::new().set_indent(1);
    let plain = Format::new();
    let cols = 2 + rng.below(2) as u16;
    ws.write_string_with_format(0, 0, "Chỉ tiêu", &bold)
        .unwrap();
    for c in 0..cols {
        ws.write_string_with_format(0, 1 + c, format!("Cột {}", c + 1), &bold)
            .unwrap();
    }
    let mut r = 1u32;
    let mut blocks: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut figures: std::collections::BTreeMap<(u32, u16), f64> = Default::default();
    for h in 0..2 + rng.below(3) as u32 {
        let head = r;
        let name = [
            "Tăng trong năm",
            "Giảm trong năm",
            "Chuyển sinh hoạt",
            "Khen thưởng",
        ];
        let head_format = if how == Outline::Bold { &bold } else { &plain };
        ws.write_string_with_format(head, 0, name[h as usize % 4], head_format)
            .unwrap();
        r += 1;
        let mut rows = Vec::new();
        let mut sums = vec![0.0; cols as usize];
        for k in 0..2 + rng.below(4) as u32 {
            let label = format!("Đơn vị thứ {}", k + 1);
            match how {
                Outline::Indent => ws.write_string_with_format(r, 0, label, &indent),
                Outline::Spaces => ws.write_string(r, 0, format!("    {label}")),
                Outline::Bold => ws.write_string(r, 0, label),
            }
            .unwrap();
            for c in 0..cols {
                let v = (1 + rng.below(120)) as f64;
                sums[c as usize] += v;
                figures.insert((r, 1 + c), v);
            }
            rows.push(r);
            r += 1;
        }
        for c in 0..cols {
            figures.insert((head, 1 + c), sums[c as usize]);
        }
        blocks.push((head, rows));
    }
    let planted = slip.then(|| {
        let (head, rows) = &blocks[rng.below(blocks.len() as u64) as usize];
        let c = 1 + rng.below(u64::from(cols)) as u16;
        let row = if rng.below(2) == 0 {
            *head
        } else {
            rows[rng.below(rows.len() as u64) as usize]
        };
        let d = (1 + rng.below(9)) as f64;
        if let Some(v) = figures.get_mut(&(row, c)) {
            *v += d;
        }
        Planted {
            changed: CellRef::new(row, u32::from(c)),
            said_at: CellRef::new(*head, u32::from(c)),
        }
    });
    for ((row, c), v) in &figures {
        ws.write_number(*row, *c, *v).unwrap();
    }
    (book.save_to_buffer().unwrap(), planted)
}
