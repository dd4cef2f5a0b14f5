//! Units over time (issue 27): the register of units (`--units`) — a code not in it, a name
//! not its, a year outside a unit's life, its units that sent nothing — and figures
//! implausible against last year's (`--previous`): a ratio unusual among the units
//! (Hidiroglou–Berthelot), a workbook copied unchanged, two units with the same figures.

use crate::common::forms::{write_branch, Branch, Layout};
use crate::common::panel::{next_year, run_panel};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

fn crossfoot_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The findings of a JSON report: (file, rule, message).
fn findings(o: &Output) -> Vec<(String, String, String)> {
    let json: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A register workbook: a title, then the headings (as a reviewer might write them) and rows.
fn write_register(path: &Path, headings: &[&str], rows: &[Vec<&str>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Danh sách").unwrap();
    ws.write_string(0, 0, "DANH SÁCH ĐƠN VỊ").unwrap();
    for (c, h) in headings.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            match v.parse::<f64>() {
                Ok(n) => ws.write_number(3 + r as u32, c as u16, n).unwrap(),
                Err(_) => ws.write_string(3 + r as u32, c as u16, *v).unwrap(),
            };
        }
    }
    wb.save(path).unwrap();
}

fn code(i: usize) -> String {
    format!("TD-{i:02}")
}

fn name(i: usize) -> String {
    format!("Chi bộ số {i}")
}

/// One finding per point of the register: a code not in it, another name, a year outside a
/// unit's life, and its unit that sent nothing (said once, on the register); a unit whose
/// life ended before the year is not expected.
#[test]
fn the_register_says_unknown_misnamed_out_of_life_and_missing_units() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("now")).unwrap();
    for (i, shown_name) in [
        (1, name(1)),
        (2, "Chi bộ Thôn Hai".to_string()),
        (5, name(5)),
        (9, name(9)),
    ] {
        let b = Branch::clean(&shown_name, &code(i), i as u64);
        std::fs::write(
            d.join(format!("now/b{i}.xlsx")),
            write_branch(&b, &Layout::default()),
        )
        .unwrap();
    }
    // Headings drifted as a reviewer types them: no diacritics, an abbreviation, spacing.
    write_register(
        &d.join("units.xlsx"),
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
            vec!["1", "td-01", "Chi bộ số 1", "X-01", "2019", "", ""],
            vec!["2", "TD-02", "Chi bộ số 2", "X-01", "", "", ""],
            vec!["3", "TD-03", "Chi bộ số 3", "X-01", "", "", ""],
            vec!["4", "TD-04", "Chi bộ số 4", "X-01", "", "2019", ""],
            vec![
                "5",
                "TD-05",
                "Chi bộ số 5",
                "X-01",
                "2025",
                "",
                "TD-03, TD-04",
            ],
        ],
    );
    let o = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "--format",
            "json",
            "--units",
            "units.xlsx",
            "now",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut got: Vec<(String, String)> = findings(&o).into_iter().map(|(f, r, _)| (f, r)).collect();
    got.sort();
    let want: Vec<(String, String)> = vec![
        ("now/b2.xlsx", "unit.name-differs"),
        ("now/b5.xlsx", "unit.outside-life"),
        ("now/b9.xlsx", "unit.not-in-register"),
        ("units.xlsx", "unit.not-submitted"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    // The register is one more file of the run, read, matching no form of the pack but not
    // counted as a workbook that matches none.
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 5, "{}", json["summary"]);
    assert_eq!(json["summary"]["no_form"], 0, "{}", json["summary"]);
    let messages: Vec<String> = findings(&o).into_iter().map(|f| f.2).collect();
    assert!(
        messages.contains(&"not yet submitted: Chi bộ số 3 (TD-03), in the register for 2021, sent no workbook in this run".to_string()),
        "{messages:?}"
    );
    assert!(
        messages.contains(
            &"unit TD-05 reports for 2021, but the register gives it the years 2025–…".to_string()
        ),
        "{messages:?}"
    );
    assert!(
        messages.contains(
            &"the workbook names unit TD-02 \"Chi bộ Thôn Hai\", the register \"Chi bộ số 2\""
                .to_string()
        ),
        "{messages:?}"
    );
    // The human report counts the register as one more file and says its unit.
    let h = crossfoot_in(
        d,
        &["check", "--lang", "en", "--units", "units.xlsx", "now"],
    );
    let out = String::from_utf8_lossy(&h.stdout);
    assert!(
        out.contains("not yet submitted: Chi bộ số 3 (TD-03)"),
        "{out}"
    );
    // The review workbook lists it; the register gets no marked copy (it is no submission).
    let r = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "--units",
            "units.xlsx",
            "-o",
            "review.xlsx",
            "--mark",
            "marked",
            "now",
        ],
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(d.join("review.xlsx").exists());
    let marked: Vec<String> = std::fs::read_dir(d.join("marked"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!marked.iter().any(|m| m.contains("units")), "{marked:?}");
    // consolidate: the same on stderr; a unit not yet submitted makes the summary incomplete.
    let c = crossfoot_in(
        d,
        &[
            "consolidate",
            "--lang",
            "en",
            "--units",
            "units.xlsx",
            "-o",
            "th.xlsx",
            "now",
        ],
    );
    let err = stderr(&c);
    assert_eq!(c.status.code(), Some(2), "{err}");
    assert!(d.join("th.xlsx").exists(), "{err}");
    assert!(
        err.contains("not yet submitted: Chi bộ số 3 (TD-03)"),
        "{err}"
    );
    assert!(
        err.contains("TD-09 is not in the register of units"),
        "{err}"
    );
    // A register without the headings is refused before any checking.
    write_register(
        &d.join("bad.xlsx"),
        &["Code", "Name"],
        &[vec!["TD-01", "x"]],
    );
    let b = crossfoot_in(d, &["check", "--units", "bad.xlsx", "now"]);
    assert_eq!(b.status.code(), Some(2));
    assert!(stderr(&b).contains("--units bad.xlsx"), "{}", stderr(&b));
}

/// A generated panel of 500 branches over three years (each year judged against the one
/// before), 25 of each slip planted in each judged year: a figure typed ×10, one typed ÷10, a
/// workbook copied unchanged from last year, one copied from another unit. With the pack's
/// figures, shares and thresholds (Hidiroglou–Berthelot, univOutl's defaults) each kind is
/// found in ≥ 95 % of the units it was planted in, and ≤ 1 % of the clean units (those in no
/// slip; the unit copied from is in one) get any history finding, moved shares included.
#[test]
fn a_panel_of_500_units_finds_planted_slips_and_spares_clean_units() {
    let pack = crossfoot::rules::load_pack(false, &[] as &[std::path::PathBuf]).unwrap();
    let p = &pack.plausibility;
    assert_eq!((p.u, p.a, p.c), (0.5, 0.05, 4.0));
    let out = run_panel(&pack, 500, 3, 25, 1000);
    eprintln!("{out:?}");
    for (kind, n, of) in &out.found {
        assert_eq!(*of, 50, "{kind}: planted in 25 units in each of two years");
        assert!(n * 100 >= 95 * of, "{kind}: found {n} of {of}");
    }
    assert_eq!(out.clean, 2 * 375);
    assert!(
        out.clean_flagged * 100 <= out.clean,
        "{} of {} clean units flagged",
        out.clean_flagged,
        out.clean
    );
}

/// End to end: 16 branches this year and last; one typed its total ten times too large, one
/// sent last year's figures under this year's title, one sent another's figures. Each is
/// said once, naming the figure and both years' values; the clean branches have no finding.
#[test]
fn history_findings_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("now")).unwrap();
    std::fs::create_dir(d.join("prev")).unwrap();
    let mut now = Vec::new();
    for i in 1..=16 {
        let b0 = Branch::clean(&name(i), &code(i), 300 + i as u64);
        std::fs::write(
            d.join(format!("prev/b{i:02}.xlsx")),
            write_branch(&b0, &Layout::default()),
        )
        .unwrap();
        let mut b1 = next_year(&b0, 900 + i as u64);
        if i == 5 {
            b1 = b0.clone();
            b1.year = b0.year + 1;
        }
        now.push(b1);
    }
    now[2].m01.total *= 10;
    let mut copy = now[7].clone();
    copy.name = name(7);
    copy.code = code(7);
    now[6] = copy;
    for (i, b) in now.iter().enumerate() {
        std::fs::write(
            d.join(format!("now/b{:02}.xlsx", i + 1)),
            write_branch(b, &Layout::default()),
        )
        .unwrap();
    }
    let o = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "--format",
            "json",
            "--previous",
            "prev",
            "now",
        ],
    );
    let all = findings(&o);
    let history: Vec<&(String, String, String)> =
        all.iter().filter(|f| f.1.starts_with("history.")).collect();
    let mut files: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for f in &history {
        files.entry(f.0.as_str()).or_default().insert(f.1.as_str());
    }
    let files: Vec<(&str, Vec<&str>)> = files
        .into_iter()
        .map(|(f, r)| (f, r.into_iter().collect()))
        .collect();
    // The unit that sent another's figures also stands out by its changes (the other unit's
    // size against its own last year).
    assert_eq!(
        files,
        vec![
            ("now/b03.xlsx", vec!["history.unusual-change"]),
            ("now/b05.xlsx", vec!["history.copied-unchanged"]),
            (
                "now/b07.xlsx",
                vec!["history.same-as-unit", "history.unusual-change"]
            ),
            ("now/b08.xlsx", vec!["history.same-as-unit"]),
        ],
        "{all:#?}"
    );
    let b03: Vec<_> = history.iter().filter(|f| f.0 == "now/b03.xlsx").collect();
    assert_eq!(b03.len(), 1, "only the figure typed ×10: {b03:#?}");
    let total = now[2].m01.total;
    assert!(
        b03[0]
            .2
            .starts_with(&format!("M01.total is {}, last year ", fmt(total))),
        "{}",
        b03[0].2
    );
    assert!(
        b03[0].2.contains("unusual among the 16 units") && b03[0].2.contains("limit 4"),
        "{}",
        b03[0].2
    );
    let b05 = history.iter().find(|f| f.0 == "now/b05.xlsx").unwrap();
    assert!(
        b05.2.contains("prev/b05.xlsx") && b05.2.contains("M02.inc"),
        "{}",
        b05.2
    );
    let b07 = history
        .iter()
        .find(|f| f.0 == "now/b07.xlsx" && f.1 == "history.same-as-unit")
        .unwrap();
    assert!(b07.2.contains("now/b08.xlsx (unit TD-08)"), "{}", b07.2);
    // The clean branches: no finding at all (their opening figures match last year's closing).
    let clean: Vec<&(String, String, String)> = all
        .iter()
        .filter(|f| {
            ![
                "now/b03.xlsx",
                "now/b05.xlsx",
                "now/b07.xlsx",
                "now/b08.xlsx",
            ]
            .contains(&f.0.as_str())
        })
        .collect();
    assert!(clean.is_empty(), "{clean:#?}");
}

fn fmt(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Across a reorganisation (`--previous` with `--units`): a merged unit's opening members
/// against its predecessors' closing members of last year, matching and not; units split from
/// one unit said not comparable; a unit whose predecessor sent nothing last year named; a new
/// unit with no predecessor keeps the finding that it has no workbook of last year.
#[test]
fn a_merger_a_split_and_a_missing_predecessor() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("now")).unwrap();
    std::fs::create_dir(d.join("prev")).unwrap();
    let mut seed = 500;
    let mut branch = |code: &str, end: Option<i64>| {
        seed += 1;
        let mut b = Branch::clean(&format!("Chi bộ {code}"), code, seed);
        if let Some(end) = end {
            b.m02.end = end;
        }
        b
    };
    // Last year: every unit's closing members.
    let mut prev = BTreeMap::new();
    for (code, end) in [
        ("TD-01", None),
        ("TD-03", Some(40)),
        ("TD-04", Some(45)),
        ("TD-06", Some(70)),
        ("TD-07", Some(30)),
        ("TD-08", Some(20)),
    ] {
        let b = Branch::clean(&format!("Chi bộ {code}"), code, 100 + prev.len() as u64);
        let b = if let Some(end) = end {
            // Consistent with its own closing figure.
            let mut v = branch(code, Some(end));
            v.year = 2020;
            next_year(&v, 1)
        } else {
            b
        };
        std::fs::write(
            d.join(format!("prev/{code}.xlsx")),
            write_branch(&b, &Layout::default()),
        )
        .unwrap();
        prev.insert(code, b);
    }
    // Each its own figures (two units with the same would be said).
    let this_year = |code: &str, opening: i64| {
        let n: u64 = code[3..].parse().unwrap();
        let mut v = Branch::clean(&format!("Chi bộ {code}"), code, 70 + n);
        v.m02.end = opening;
        next_year(&v, 80 + n)
    };
    let now = [
        next_year(&prev["TD-01"], 2),
        this_year("TD-10", prev["TD-03"].m02.end + prev["TD-04"].m02.end),
        this_year("TD-12", prev["TD-07"].m02.end + prev["TD-08"].m02.end + 5),
        this_year("TD-13", 30),
        this_year("TD-14", 40),
        this_year("TD-15", 25),
        this_year("TD-16", 25),
    ];
    for b in &now {
        assert_eq!(b.year, 2022);
        std::fs::write(
            d.join(format!("now/{}.xlsx", b.code)),
            write_branch(b, &Layout::default()),
        )
        .unwrap();
    }
    let row = |code: &str, to: &str, from: &str, pred: &str| {
        vec![
            code.to_string(),
            format!("Chi bộ {code}"),
            "X-01".to_string(),
            from.to_string(),
            to.to_string(),
            pred.to_string(),
        ]
    };
    let rows: Vec<Vec<String>> = vec![
        row("TD-01", "", "", ""),
        row("TD-03", "2021", "", ""),
        row("TD-04", "2021", "", ""),
        row("TD-06", "2021", "", ""),
        row("TD-07", "2021", "", ""),
        row("TD-08", "2021", "", ""),
        row("TD-09", "2021", "", ""),
        row("TD-10", "", "2022", "TD-03, TD-04"),
        row("TD-12", "", "2022", "TD-07; TD-08"),
        row("TD-13", "", "2022", "TD-06"),
        row("TD-14", "", "2022", "TD-06"),
        row("TD-15", "", "2022", "TD-09"),
        row("TD-16", "", "2022", ""),
    ];
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    write_register(
        &d.join("units.xlsx"),
        &[
            "Mã đơn vị",
            "Tên đơn vị",
            "Đơn vị cấp trên",
            "Từ năm",
            "Đến năm",
            "Tiền thân",
        ],
        &rows,
    );
    let o = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "--format",
            "json",
            "--units",
            "units.xlsx",
            "--previous",
            "prev",
            "now",
        ],
    );
    let all = findings(&o);
    let got: Vec<(&str, &str)> = all.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("now/TD-12.xlsx", "unit.merger-opening"),
            ("now/TD-13.xlsx", "unit.split-not-comparable"),
            ("now/TD-14.xlsx", "unit.split-not-comparable"),
            ("now/TD-15.xlsx", "unit.no-predecessor"),
            ("now/TD-16.xlsx", "consolidation.previous-missing"),
        ],
        "{all:#?}"
    );
    assert_eq!(
        all[0].2,
        "unit TD-12 was formed from TD-07 (prev/TD-07.xlsx) 30, TD-08 (prev/TD-08.xlsx) 20: its M02.start is 55, but their closing figures of last year add up to 50"
    );
    assert!(
        all[1].2.contains("splitting TD-06 (with TD-14)"),
        "{}",
        all[1].2
    );
    assert!(all[3].2.contains("predecessor(s) TD-09"), "{}", all[3].2);
}

/// With the register's shares (`Tỷ lệ chia`), units split from one are compared with it: each
/// one's opening against the predecessor's closing times its share, give or take the share's
/// rounding (43 % of 71 is 30.53: 30 holds; 60 % of 71 is 42.6: 40 is said). And a share that
/// moved more than the pack allows (women among the members of a branch, swapped with men)
/// is said on that branch, naming both years' shares.
#[test]
fn a_split_with_shares_is_compared_and_a_moved_share_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("now")).unwrap();
    std::fs::create_dir(d.join("prev")).unwrap();
    let write = |path: String, b: &Branch| {
        std::fs::write(d.join(path), write_branch(b, &Layout::default())).unwrap();
    };
    let td01 = Branch::clean("Chi bộ TD-01", "TD-01", 601);
    write("prev/TD-01.xlsx".into(), &td01);
    let mut td06 = Branch::clean("Chi bộ TD-06", "TD-06", 606);
    td06.m02.end = 70;
    td06.year = 2020;
    let td06 = next_year(&td06, 1);
    // Its year's flows: it closed with 71.
    assert_eq!(td06.m02.end, 71);
    write("prev/TD-06.xlsx".into(), &td06);
    let this_year = |code: &str, opening: i64, seed: u64| {
        let mut v = Branch::clean(&format!("Chi bộ {code}"), code, seed);
        v.m02.end = opening;
        next_year(&v, seed + 1)
    };
    let (td13, td14) = (this_year("TD-13", 30, 613), this_year("TD-14", 40, 614));
    write("now/TD-13.xlsx".into(), &td13);
    write("now/TD-14.xlsx".into(), &td14);
    // TD-01 this year: women and men swapped (every sum still holds).
    let mut b = next_year(&td01, 2);
    b.m01.gender.swap(0, 1);
    b.m01.women = b.m01.gender[1];
    b.recompute_percents();
    let share = |b: &Branch| b.m01.women as f64 / b.m01.total as f64;
    let moved = (share(&b) - share(&td01)).abs();
    assert!(
        moved > 0.10 && b.m01.total >= 30 && td01.m01.total >= 30,
        "the generated branch does not move the share: {moved}"
    );
    write("now/TD-01.xlsx".into(), &b);
    write_register(
        &d.join("units.xlsx"),
        &[
            "Mã đơn vị",
            "Tên đơn vị",
            "Đơn vị cấp trên",
            "Từ năm",
            "Đến năm",
            "Tiền thân",
            "Tỷ lệ chia",
        ],
        &[
            vec!["TD-01", "Chi bộ TD-01", "X-01", "", "", "", ""],
            vec!["TD-06", "Chi bộ TD-06", "X-01", "", "2021", "", ""],
            vec!["TD-13", "Chi bộ TD-13", "X-01", "2022", "", "TD-06", "43%"],
            vec!["TD-14", "Chi bộ TD-14", "X-01", "2022", "", "TD-06", "60 %"],
        ],
    );
    let o = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "--format",
            "json",
            "--units",
            "units.xlsx",
            "--previous",
            "prev",
            "now",
        ],
    );
    let all = findings(&o);
    let got: Vec<(&str, &str)> = all.iter().map(|f| (f.0.as_str(), f.1.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("now/TD-01.xlsx", "history.share-moved"),
            ("now/TD-14.xlsx", "unit.split-opening"),
        ],
        "{all:#?}"
    );
    assert!(
        all[0].2.starts_with("M01.of.women / M01.total is "),
        "{}",
        all[0].2
    );
    assert_eq!(
        all[1].2,
        "unit TD-14 was formed from TD-06 (prev/TD-06.xlsx) 71 × 0.6: its M02.start is 40, but their closing figures of last year times the register's shares give 42.6"
    );
}
