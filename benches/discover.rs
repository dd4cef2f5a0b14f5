//! `check --discover` measured: for each pattern, the share of planted slips found on generated
//! workbooks (seeded, 200 or more of each) and the findings on as many clean ones; then the
//! findings on the real-world corpus (`../shared/corpus/real-world/`, none of it party forms,
//! no slip planted: every finding there is a false alarm until read by hand), against the
//! budget of at most one per 50 workbooks. Not a timed benchmark: it prints what it measured.
//!
//! ```sh
//! cargo bench --bench discover                 # 200 tables of each pattern
//! cargo bench --bench discover -- --tables 1000
//! ```
//!
//! The generators are the tests' (`tests/common/planted.rs`); the tests keep a floor on the
//! same figures (`cargo test --test suite discover::`).

#[path = "../tests/common/planted.rs"]
mod planted;

use crossfoot::rules::{builtin_sources, compile, Pack};
use planted::{
    flat, numbered, outline_table, said, said_of_bytes, shares, sum_table, Make, Outline, Rng,
};
use std::collections::BTreeMap;
use std::path::Path;

/// One pattern's figures: slips planted and found, findings on clean tables.
struct Recall {
    planted: u32,
    found: u32,
    false_alarms: usize,
}

/// How many of the cells said are outside the planted slip's column.
fn elsewhere<'a>(cells: impl Iterator<Item = &'a str>, slip: &planted::Planted) -> usize {
    cells
        .filter(|c| {
            crossfoot::model::CellRef::parse_a1(c).is_none_or(|c| c.col != slip.changed.col)
        })
        .count()
}

fn print(name: &str, r: &Recall, tables: u32) {
    let share = f64::from(r.found) / f64::from(r.planted.max(1)) * 100.0;
    println!(
        "{name:<28} {:>5} of {:>5} slips found ({share:5.1} %), {} false alarm(s) (on {tables} clean tables, or off the slip's column)",
        r.found, r.planted, r.false_alarms
    );
}

/// The patterns read on a workbook model (typed totals, numbered headings, percentages).
fn on_models(pack: &Pack, tables: u32) {
    let kinds: [(&str, Make); 3] = [
        ("typed totals", flat),
        ("numbered headings", numbered),
        ("percentages", shares),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, make) in kinds {
        let mut r = Recall {
            planted: 0,
            found: 0,
            false_alarms: 0,
        };
        for _ in 0..tables {
            r.false_alarms += said(&make(&mut rng, false).0, pack).len();
            let (wb, slip) = make(&mut rng, true);
            let Some(slip) = slip else { continue };
            r.planted += 1;
            let at = slip.said_at.to_string();
            let got = said(&wb, pack);
            if got.iter().any(|(_, cell)| *cell == at) {
                r.found += 1;
            }
            // Said in another column than the slip's: a false alarm too.
            r.false_alarms += elsewhere(got.iter().map(|g| g.1.as_str()), &slip);
        }
        print(name, &r, tables);
    }
}

/// The patterns read on workbooks' bytes (written by rust_xlsxwriter, read as the command line
/// reads them): headings set apart by formatting, sums leaving out a member.
fn on_bytes(pack: &Pack, tables: u32) {
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    for how in [Outline::Indent, Outline::Spaces, Outline::Bold] {
        let mut r = Recall {
            planted: 0,
            found: 0,
            false_alarms: 0,
        };
        for _ in 0..tables {
            r.false_alarms += said_of_bytes(&outline_table(&mut rng, false, how).0, pack).len();
            let (bytes, slip) = outline_table(&mut rng, true, how);
            let Some(slip) = slip else { continue };
            r.planted += 1;
            let at = slip.said_at.to_string();
            let got = said_of_bytes(&bytes, pack);
            if got
                .iter()
                .any(|(rule, cell, _)| rule == "discover.outline-mismatch" && *cell == at)
            {
                r.found += 1;
            }
            r.false_alarms += elsewhere(got.iter().map(|g| g.1.as_str()), &slip);
        }
        print(&format!("outline headings ({how:?})"), &r, tables);
    }
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut r = Recall {
        planted: 0,
        found: 0,
        false_alarms: 0,
    };
    for _ in 0..tables {
        r.false_alarms += said_of_bytes(&sum_table(&mut rng, false).0, pack).len();
        let (bytes, slip) = sum_table(&mut rng, true);
        let Some((at, left_out)) = slip else { continue };
        r.planted += 1;
        let want = (
            "discover.sum-omits".to_string(),
            at.to_string(),
            left_out.to_string(),
        );
        if said_of_bytes(&bytes, pack).contains(&want) {
            r.found += 1;
        }
    }
    print("sums leaving out a member", &r, tables);
}

/// The real-world corpus: every workbook read as the command line reads it (for checking, and
/// with its formulas), its `discover.*` findings counted by rule and printed to be read.
fn on_corpus(pack: &Pack) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-world");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "real-world corpus: absent ({} not found): not measured",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        // Every file but the corpus's own notes: the reader tells a workbook by its bytes.
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_none_or(|x| !["md", "tsv"].contains(&x))
        })
        .collect();
    paths.sort();
    let (mut read, mut unread) = (0usize, 0usize);
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut outline = crossfoot::check::discover::OutlineRead::default();
    for path in &paths {
        let Ok(bytes) = std::fs::read(path) else {
            unread += 1;
            continue;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let limits = crossfoot::read::load::Limits::default();
        use crossfoot::read::load::{load_bytes_for, Detail};
        let (Ok(checked), Ok(full)) = (
            load_bytes_for(&bytes, name, &limits, Detail::Check),
            load_bytes_for(&bytes, name, &limits, Detail::Full),
        ) else {
            unread += 1;
            continue;
        };
        read += 1;
        let o = crossfoot::check::discover::outline_headings(&checked, pack);
        outline.indent += o.indent;
        outline.spaces += o.spaces;
        outline.bold += o.bold;
        let found = crossfoot::check::discover::discover_all(
            &checked,
            &full,
            name,
            pack,
            &Default::default(),
        );
        for f in found {
            println!("  {name} {:?}: {}", f.sheet, f.message);
            *by_rule.entry(f.rule).or_default() += 1;
        }
    }
    let total: usize = by_rule.values().sum();
    println!(
        "real-world corpus: {read} workbooks read ({unread} unread); headings read by formatting: {} by indent, {} by leading spaces, {} by bold",
        outline.indent, outline.spaces, outline.bold
    );
    for (rule, n) in &by_rule {
        println!("  {rule}: {n}");
    }
    println!(
        "real-world corpus: {total} finding(s) on {read} workbooks; budget at most {}: {}",
        read / 50,
        if total * 50 <= read { "within" } else { "OVER" }
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tables = args
        .iter()
        .position(|a| a == "--tables")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(200u32)
        .max(200);
    let pack = match compile(&builtin_sources()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("the built-in pack does not compile: {e:?}");
            std::process::exit(2);
        }
    };
    on_models(&pack, tables);
    on_bytes(&pack, tables);
    on_corpus(&pack);
}
