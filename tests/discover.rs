//! `check --discover`'s recall, measured on generated tables with one planted slip each
//! (the generators: `tests/common/planted.rs`, shared with `benches/discover.rs`): a typed
//! total off (a flat block under a `Tổng cộng` row), a numbered heading off (items `N.1`,
//! `N.2`… under `N`, or one of its items off), a heading set apart by indentation or bold
//! type off, a percentage off, a sum leaving out a member. The clean tables give no finding;
//! the share of slips found is printed and must be at least 90 % (the floor; the benchmark
//! prints the figures on more tables and on the real-world corpus).

use crate::common::planted::{
    flat, numbered, outline_table, said, said_of_bytes, shares, sum_table, Make, Outline, Rng,
};
use crossfoot::model::CellRef;
use crossfoot::rules::{builtin_sources, compile};

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

/// Headings set apart by indentation (the cells' indent, or leading spaces) or bold type, in
/// workbooks written by rust_xlsxwriter and read as the command line reads them: no finding on
/// the clean tables, at least 90 % of the planted slips found at the heading's cell.
#[test]
fn outline_recall_on_generated_workbooks() {
    let pack = compile(&builtin_sources()).expect("built-in pack");
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    for how in [Outline::Indent, Outline::Spaces, Outline::Bold] {
        let (mut planted, mut found) = (0, 0);
        for _ in 0..60 {
            let (clean, _) = outline_table(&mut rng, false, how);
            let got = said_of_bytes(&clean, &pack);
            assert!(got.is_empty(), "{how:?} clean: {got:?}");
            let (bytes, slip) = outline_table(&mut rng, true, how);
            let Some(slip) = slip else { continue };
            planted += 1;
            let got = said_of_bytes(&bytes, &pack);
            let at = slip.said_at.to_string();
            if got
                .iter()
                .any(|(rule, cell, _)| rule == "discover.outline-mismatch" && *cell == at)
            {
                found += 1;
            }
            assert!(
                got.iter().all(|(_, cell, _)| *cell == at),
                "{how:?}: {got:?} for a slip in {}",
                slip.changed
            );
        }
        let recall = f64::from(found) / f64::from(planted) * 100.0;
        println!("discover recall, outline by {how:?}: {found} of {planted} ({recall:.1} %)");
        assert!(recall >= 90.0, "{how:?}: recall {recall:.1} %");
    }
}

#[test]
fn sum_omission_recall_on_generated_workbooks() {
    let pack = compile(&builtin_sources()).expect("built-in pack");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut planted, mut found, mut false_alarms) = (0, 0, 0);
    for _ in 0..200 {
        let (clean, _) = sum_table(&mut rng, false);
        let got = said_of_bytes(&clean, &pack);
        assert!(got.is_empty(), "clean: {got:?}");
        false_alarms += got.len();
        let (bytes, slip) = sum_table(&mut rng, true);
        let Some((at, left_out)) = slip else { continue };
        planted += 1;
        let got = said_of_bytes(&bytes, &pack);
        let want = (
            "discover.sum-omits".to_string(),
            at.to_string(),
            left_out.to_string(),
        );
        if got.contains(&want) {
            found += 1;
        }
        // Said once, at the SUM that leaves the member out, and nothing else.
        assert!(got.iter().all(|g| *g == want), "{got:?}, planted {want:?}");
    }
    let recall = f64::from(found) / f64::from(planted) * 100.0;
    println!(
        "discover recall, SUM omissions: {found} of {planted} found ({recall:.1} %), {false_alarms} finding(s) on 200 clean workbooks"
    );
    assert!(planted >= 190, "{planted}");
    assert!(recall >= 90.0, "recall {recall:.1} %");
}

/// Through the command line: a `SUM` total leaving out the last row of its block is said once,
/// as `discover.sum-omits` (not also as a total that does not add up), in both languages'
/// reports; the right `SUM` of the other column is not.
#[test]
fn check_discover_says_a_sum_leaving_out_the_last_row() {
    use rust_xlsxwriter::{Formula, Workbook as XlsxBook};
    let dir = tempfile::tempdir().unwrap();
    let mut book = XlsxBook::new();
    let ws = book.add_worksheet();
    for (r, (label, a, b)) in [("North", 12, 5), ("South", 20, 9), ("East", 7, 2)]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *label).unwrap();
        ws.write_number(r, 1, f64::from(*a)).unwrap();
        ws.write_number(r, 2, f64::from(*b)).unwrap();
    }
    ws.write_string(0, 0, "Branch").unwrap();
    ws.write_string(0, 1, "Members").unwrap();
    ws.write_string(0, 2, "New").unwrap();
    ws.write_string(4, 0, "Total").unwrap();
    ws.write_formula(4, 1, Formula::new("SUM(B2:B4)").set_result("39"))
        .unwrap();
    ws.write_formula(4, 2, Formula::new("SUM(C2:C3)").set_result("14"))
        .unwrap();
    book.save(dir.path().join("union.xlsx")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir.path())
        .args(["check", "--lang", "en", "--format", "json", "--discover"])
        .arg("union.xlsx")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("discover."))
        })
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "discover.sum-omits");
    let message = &found[0].1;
    assert!(
        message.contains("C5 adds C2:C3 but leaves out C4 (2, \"East\")")
            && message.contains("assumed"),
        "{message}"
    );
}

/// Through the command line, in both languages: a heading whose rows are indented under it (the
/// cells' indent, written by rust_xlsxwriter) and off by one in one column is said once, as
/// `discover.outline-mismatch`, saying it read the indentation; the bold heading of the same
/// table, right, is not.
#[test]
fn check_discover_says_an_indented_heading_off_by_one() {
    use rust_xlsxwriter::{Format, Workbook as XlsxBook};
    let dir = tempfile::tempdir().unwrap();
    let mut book = XlsxBook::new();
    let ws = book.add_worksheet();
    let indent = Format::new().set_indent(1);
    let bold = Format::new().set_bold();
    ws.write_string(0, 0, "Branch").unwrap();
    ws.write_string(0, 1, "Members").unwrap();
    ws.write_string(0, 2, "New").unwrap();
    let rows: [(&str, f64, f64, Option<&Format>); 6] = [
        ("Northern region", 33.0, 14.0, None),
        ("Riverside", 12.0, 5.0, Some(&indent)),
        ("Hillside", 20.0, 9.0, Some(&indent)),
        ("Southern region", 27.0, 11.0, Some(&bold)),
        ("Harbour", 20.0, 9.0, None),
        ("Old town", 7.0, 2.0, None),
    ];
    for (r, (label, a, b, f)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        match f {
            Some(f) => ws.write_string_with_format(r, 0, *label, f),
            None => ws.write_string(r, 0, *label),
        }
        .unwrap();
        ws.write_number(r, 1, *a).unwrap();
        ws.write_number(r, 2, *b).unwrap();
    }
    book.save(dir.path().join("regions.xlsx")).unwrap();
    for (lang, words) in [
        ("en", "2 rows indented under it (rows 3, 4) add up to 32"),
        (
            "vi",
            "2 dòng thụt lề dưới mục này (dòng 3, 4) cộng lại bằng 32",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .current_dir(dir.path())
            .args(["check", "--lang", lang, "--format", "json", "--discover"])
            .arg("regions.xlsx")
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found: Vec<(String, String, String)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["rule"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("discover."))
            })
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["cells"][0]["cell"].as_str().unwrap_or("").to_string(),
                    f["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(found.len(), 1, "{lang}: {found:?}");
        assert_eq!(found[0].0, "discover.outline-mismatch");
        assert_eq!(found[0].1, "B2");
        assert!(found[0].2.contains(words), "{lang}: {}", found[0].2);
    }
}
