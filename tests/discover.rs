//! `check --discover`'s recall, measured on generated tables with one planted slip each: a
//! typed total off (a flat block under a `Tổng cộng` row) and a numbered heading off (items
//! `N.1`, `N.2`… under `N`, or one of its items off). The clean tables give no finding; the
//! share of slips found is printed and must be at least 90 %.

use crossfoot::model::{Cell, CellRef, NumFmt, Sheet, Value, Workbook};
use crossfoot::rules::{builtin_sources, compile, Pack};
use std::collections::BTreeSet;

/// A small deterministic generator (no dependency): xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn put(s: &mut Sheet, r: u32, c: u32, v: Value) {
    s.cells.insert(
        CellRef::new(r, c),
        Cell {
            value: v,
            formula: None,
            fmt: NumFmt::default(),
        },
    );
}

fn text(s: &mut Sheet, r: u32, c: u32, t: &str) {
    put(s, r, c, Value::Text(t.to_string()));
}

/// A slip: the cell that was changed and the cell the finding should name.
struct Planted {
    changed: CellRef,
    said_at: CellRef,
}

/// A flat table: a header, 3–8 items with 2–4 count columns, a typed total row; with a slip,
/// one figure of the total (or of an item) is off by 1–9.
fn flat(rng: &mut Rng, slip: bool) -> (Workbook, Option<Planted>) {
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
fn numbered(rng: &mut Rng, slip: bool) -> (Workbook, Option<Planted>) {
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
type Make = fn(&mut Rng, bool) -> (Workbook, Option<Planted>);

/// A share table: a header `Số lượng | Tỷ lệ (%)`, the total row at 100, 4–10 items with their
/// percentage of it shown to two decimals; with a slip, one percentage off by 0.01–1.00.
fn shares(rng: &mut Rng, slip: bool) -> (Workbook, Option<Planted>) {
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

fn said(wb: &Workbook, pack: &Pack) -> Vec<(String, String)> {
    crossfoot::discover::discover(wb, "t.xlsx", pack, &BTreeSet::new())
        .into_iter()
        .map(|f| {
            (
                f.rule,
                f.cells.first().map(|c| c.cell.clone()).unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn discover_recall_on_planted_slips() {
    let pack = compile(&builtin_sources()).expect("built-in pack");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let kinds: [(&str, Make); 3] = [
        ("typed totals", flat),
        ("numbered headings", numbered),
        ("percentages", shares),
    ];
    for (name, make) in kinds {
        let (mut planted, mut found, mut false_alarms) = (0, 0, 0);
        for _ in 0..200 {
            let (clean, _) = make(&mut rng, false);
            false_alarms += said(&clean, &pack).len();
            let (wb, slip) = make(&mut rng, true);
            let Some(slip) = slip else { continue };
            planted += 1;
            let got = said(&wb, &pack);
            let at = slip.said_at.to_string();
            if got.iter().any(|(_, cell)| *cell == at) {
                found += 1;
            } else if std::env::var_os("CROSSFOOT_SHOW_MISSED").is_some() {
                let sheet = &wb.sheets[0];
                for (k, c) in &sheet.cells {
                    println!("{k} {:?}", c.value);
                }
                println!("missed: slip in {}, expected at {at}", slip.changed);
            }
            // Whatever is said is said on the slip's column.
            assert!(
                got.iter()
                    .all(|(_, cell)| CellRef::parse_a1(cell)
                        .is_some_and(|c| c.col == slip.changed.col)),
                "{name}: {got:?} for a slip in {}",
                slip.changed
            );
        }
        let recall = f64::from(found) / f64::from(planted) * 100.0;
        println!(
            "discover recall, {name}: {found} of {planted} planted slips found ({recall:.1} %), {false_alarms} finding(s) on 200 clean tables"
        );
        assert_eq!(false_alarms, 0, "{name}");
        assert!(recall >= 90.0, "{name}: recall {recall:.1} %");
    }
}
