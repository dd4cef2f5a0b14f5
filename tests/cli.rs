//! The binary on the bundled samples: what a reviewer sees, exit codes, the JSON contract.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn crossfoot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CROSSFOOT_WIDTH")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(args: &[&str]) -> Value {
    let mut a = vec!["check", "--format", "json"];
    a.extend_from_slice(args);
    serde_json::from_slice(&crossfoot(&a).stdout).unwrap()
}

/// (rule, first cell) of every finding of a file.
fn rules_and_cells(doc: &Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let cell = f["cells"]
                .as_array()
                .unwrap()
                .first()
                .map(|c| {
                    format!(
                        "{}!{}",
                        c["sheet"].as_str().unwrap(),
                        c["cell"].as_str().unwrap()
                    )
                })
                .unwrap_or_default();
            (f["rule"].as_str().unwrap().to_string(), cell)
        })
        .collect()
}

#[test]
fn the_reference_figures_give_exactly_the_report_slips() {
    let doc = json(&["samples/reference-2021.xlsx"]);
    let mut got = rules_and_cells(&doc);
    got.sort();
    let mut want: Vec<(String, String)> = [
        ("workbook.form-missing", ""),
        ("M01.gender-split", "M01-SoLuong!C13"),
        ("M01.women-match", "M01-SoLuong!C14"),
        ("M01.age-sum", "M01-SoLuong!C16"),
        ("M01.education-sum", "M01-SoLuong!C25"),
        ("M01.theory-sum", "M01-SoLuong!C38"),
        ("M01.ethnicity-sum", "M01-SoLuong!C43"),
        ("M01.occupation-sum", "M01-SoLuong!C56"),
        ("M01.minority-match", "M01-SoLuong!C9"),
        ("M04.percent", "M04-CapUy!D16"),
    ]
    .iter()
    .map(|(r, c)| (r.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want);
    // The figures of the slips, as FORMS.md gives them.
    let f = |rule: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            f("M01.gender-split")["expected"].as_f64(),
            f("M01.gender-split")["actual"].as_f64()
        ),
        (Some(2675.0), Some(2674.0))
    );
    assert_eq!(
        (
            f("M01.women-match")["expected"].as_f64(),
            f("M01.women-match")["actual"].as_f64()
        ),
        (Some(884.0), Some(881.0))
    );
    assert_eq!(
        (
            f("M01.minority-match")["expected"].as_f64(),
            f("M01.minority-match")["actual"].as_f64()
        ),
        (Some(1399.0), Some(1398.0))
    );
    assert_eq!(
        (
            f("M04.percent")["expected"].as_f64(),
            f("M04.percent")["actual"].as_f64()
        ),
        (Some(72.27), Some(72.26))
    );
    assert_eq!(f("workbook.form-missing")["severity"], "warning");
    assert!(f("workbook.form-missing")["message"]
        .as_str()
        .unwrap()
        .contains("M03"));
    // The same figures typed as Vietnamese text give the same findings.
    let mut vitext = rules_and_cells(&json(&["samples/reference-2021-vitext.xlsx"]));
    vitext.sort();
    assert_eq!(vitext, got);
}

#[test]
fn each_slip_in_the_samples_is_found_on_its_cells() {
    let cases: &[(&str, &[(&str, &str)])] = &[
        (
            "branch-gender-split.xlsx",
            &[
                ("M01.gender-split", "M01-SoLuong!C13"),
                ("M01.women-match", "M01-SoLuong!C14"),
            ],
        ),
        (
            "branch-percent-rounding.xlsx",
            &[
                ("M01.percent", "M01-SoLuong!D8"),
                ("M02.admitted-percent", "M02-BienDong!D11"),
            ],
        ),
        (
            "branch-changes-chain.xlsx",
            &[
                ("M02.balance", "M02-BienDong!C22"),
                ("M02.end-matches-M01", "M02-BienDong!C22"),
            ],
        ),
        (
            "branch-ratings.xlsx",
            &[
                ("M03.members-match-M01", "M03-XepLoai!C8"),
                ("M03.ratings-sum", "M03-XepLoai!D8"),
            ],
        ),
        (
            "branch-missing-form.xlsx",
            &[
                ("value.required", "M02-BienDong!C22"),
                ("workbook.form-missing", ""),
            ],
        ),
        (
            "branch-text-cell.xlsx",
            &[("value.not-a-number", "M01-SoLuong!C66")],
        ),
    ];
    for (file, want) in cases {
        let mut got = rules_and_cells(&json(&[&format!("samples/{file}")]));
        got.sort();
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(r, c)| (r.to_string(), c.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn clean_and_drifted_workbooks_pass_with_exit_0() {
    for file in [
        "branch-clean.xlsx",
        "branch-drifted.xlsx",
        "branch-drifted-table.xlsx",
        "branch-formulas-nocache.xlsx",
    ] {
        let out = crossfoot(&["check", "--lang", "en", &format!("samples/{file}")]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stdout(&out));
        assert!(stdout(&out).contains("clean"), "{file}");
        // The pack's language by default.
        let out = crossfoot(&["check", &format!("samples/{file}")]);
        assert!(stdout(&out).contains("không có sai sót"), "{file}");
    }
}

#[test]
fn human_report_of_the_samples() {
    let out = crossfoot(&["check", "samples/"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings of error severity: exit 1"
    );
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn human_report_of_the_samples_in_english() {
    let out = crossfoot(&["check", "--lang", "en", "samples/"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "every built-in check speaks English: {err}");
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn a_check_without_a_message_in_the_language_falls_back_and_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("x.toml");
    std::fs::write(
        &rules,
        r#"
[form]
id = "X1"
name = "Test form"
labels = ["Không có nhãn này"]

[[column]]
id = "count"
header = "Số lượng"
kind = "count"

[[row]]
id = "total"
label = "Không có nhãn này"

[[check]]
id = "X1.positive"
expr = "total >= 0"
message = "tổng số âm"
"#,
    )
    .unwrap();
    let out = crossfoot(&[
        "check",
        "--lang",
        "en",
        "--rules",
        rules.to_str().unwrap(),
        "samples/branch-clean.xlsx",
        "samples/branch-ratings.xlsx",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("no message in English").count(),
        1,
        "said once: {err}"
    );
    assert!(
        err.contains("1 check(s)") && err.contains("(Vietnamese)"),
        "{err}"
    );
}

#[test]
fn json_report_of_the_samples() {
    let out = crossfoot(&["check", "--format", "json", "samples/"]);
    let text = stdout(&out);
    let doc: Value = serde_json::from_str(&text).expect("exactly one JSON document");
    assert_eq!(doc["summary"]["files"], 12);
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "vi: nothing to fall back from"
    );
    insta::assert_snapshot!(text.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

#[test]
fn json_is_deterministic_whatever_the_order_and_threads() {
    let a = crossfoot(&[
        "check",
        "--format",
        "json",
        "-j",
        "1",
        "samples/reference-2021.xlsx",
        "samples/branch-ratings.xlsx",
        "samples/branch-clean.xlsx",
    ]);
    let b = crossfoot(&[
        "check",
        "--format",
        "json",
        "-j",
        "2",
        "samples/branch-clean.xlsx",
        "samples/branch-ratings.xlsx",
        "samples/reference-2021.xlsx",
    ]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn fail_on_decides_the_exit_status() {
    let file = "samples/branch-missing-form.xlsx";
    assert_eq!(crossfoot(&["check", file]).status.code(), Some(1));
    assert_eq!(
        crossfoot(&["check", "--fail-on", "never", file])
            .status
            .code(),
        Some(0)
    );
    // The reference workbook's only warning (M03 missing) is not an error, but its errors are.
    let clean = crossfoot(&["check", "--fail-on", "warning", "samples/branch-clean.xlsx"]);
    assert_eq!(clean.status.code(), Some(0));
    let warn = crossfoot(&[
        "check",
        "--fail-on",
        "warning",
        "samples/reference-2021.xlsx",
    ]);
    assert_eq!(warn.status.code(), Some(1));
}

#[test]
fn unreadable_input_is_reported_and_the_others_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("branch-12.xls");
    std::fs::write(
        &page,
        "<html><body><table><tr><td>1</td></tr></table></body></html>",
    )
    .unwrap();
    let missing = dir.path().join("no-such.xlsx");
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--format", "json", "--lang", "en"])
        .arg(&page)
        .arg(&missing)
        .arg("samples/branch-clean.xlsx")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unreadable input: exit 2");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    let status: Vec<&str> = files
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert_eq!(status.iter().filter(|s| **s == "checked").count(), 1);
    let html = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("branch-12.xls"))
        .unwrap();
    assert_eq!(html["status"], "unreadable");
    assert!(
        html["error"].as_str().unwrap().contains("web page"),
        "{html}"
    );
    assert_eq!(html["reason"], "html", "a stable code beside the prose");
    let gone = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("no-such.xlsx"))
        .unwrap();
    assert_eq!(gone["reason"], "missing");
    // In the pack's language, the prose is Vietnamese and the code the same.
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--format", "json"])
        .arg(&page)
        .output()
        .unwrap();
    let vi: Value = serde_json::from_slice(&out.stdout).unwrap();
    let vi_html = &vi["files"][0];
    assert_eq!(vi_html["reason"], "html");
    assert!(
        vi_html["error"].as_str().unwrap().contains("trang web"),
        "{vi_html}"
    );
    assert_eq!(doc["summary"]["unreadable"], 2);

    // In the terminal: file, reason and hint.
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--lang", "en"])
        .arg(&page)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("cannot read") && text.contains("branch-12.xls") && text.contains("web page"),
        "{text}"
    );
    assert!(text.to_lowercase().contains("save it as"), "a hint: {text}");
    // In Vietnamese, the pack's language.
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check"])
        .arg(&page)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("không đọc được") && text.contains("trang web") && !text.contains("web page"),
        "{text}"
    );
}

#[test]
fn no_path_is_an_error_with_a_hint() {
    let out = crossfoot(&["check", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no workbook to check") && err.contains("crossfoot check submissions/"),
        "{err}"
    );
}

#[test]
fn help_matches_the_usage_doc() {
    let help = stdout(&crossfoot(&["check", "--help"]));
    let usage =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/usage.md")).unwrap();
    assert!(
        usage.contains(help.trim()),
        "docs/usage.md must show `crossfoot check --help` as it is:\n{help}"
    );
}

/// The README is the first hour: short, and every command in it a command crossfoot has.
#[test]
fn the_readme_is_the_first_hour() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.lines().count() < 250, "{}", readme.lines().count());
    assert!(readme.contains("cargo install --path ."));
    for line in readme.lines().filter(|l| l.starts_with("crossfoot ")) {
        let command = line.split_whitespace().nth(1).unwrap();
        if command.starts_with('-') {
            continue;
        }
        let help = crossfoot(&[command, "--help"]);
        assert_eq!(help.status.code(), Some(0), "{line}");
    }
    for doc in [
        "usage",
        "rules",
        "safety",
        "performance",
        "development",
        "not-done",
        "desk",
    ] {
        let path = format!("docs/{doc}.md");
        assert!(readme.contains(&format!("]({path})")), "{path}");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(&path).is_file(),
            "{path}"
        );
    }
}

#[test]
fn consolidate_then_check_gives_no_consolidation_finding() {
    let dir = tempfile::tempdir().unwrap();
    let district = dir.path().join("district.xlsx");
    let branches = [
        "branch-clean.xlsx",
        "branch-drifted.xlsx",
        "branch-gender-split.xlsx",
        "branch-ratings.xlsx",
    ];
    let paths: Vec<String> = branches.iter().map(|b| format!("samples/{b}")).collect();
    let mut args = vec!["consolidate", "-o", district.to_str().unwrap()];
    args.extend(paths.iter().map(String::as_str));
    let out = crossfoot(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut check = vec![district.to_str().unwrap()];
    check.extend(paths.iter().map(String::as_str));
    let doc = json(&check);
    let district_findings: Vec<(String, String)> = rules_and_cells(&doc)
        .into_iter()
        .filter(|(r, _)| r.starts_with("consolidation.") || r.starts_with("TH01."))
        .collect();
    // The only TH01 finding is the ratings slip copied from branch-ratings.xlsx.
    assert!(
        district_findings
            .iter()
            .all(|(r, _)| r == "TH01.ratings-sum"),
        "{district_findings:?}"
    );
    // Writing over an input is refused.
    let out = crossfoot(&[
        "consolidate",
        "-o",
        "samples/branch-clean.xlsx",
        "samples/branch-clean.xlsx",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn last_year_opening_and_closing_figures() {
    // The workbook itself given as last year's: said, and not compared with itself (the
    // comparison with a real workbook of last year: tests/bounded.rs).
    let same = json(&[
        "samples/branch-changes-chain.xlsx",
        "--previous",
        "samples/branch-changes-chain.xlsx",
    ]);
    let rules: Vec<String> = rules_and_cells(&same).into_iter().map(|(r, _)| r).collect();
    assert!(
        rules.contains(&"consolidation.previous-own".to_string())
            && !rules.contains(&"M02.start-matches-last-year".to_string()),
        "{rules:?}"
    );
    // No workbook of this branch last year: reported.
    let other = json(&[
        "samples/branch-clean.xlsx",
        "--previous",
        "samples/branch-ratings.xlsx",
    ]);
    let rules: Vec<String> = rules_and_cells(&other)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    assert!(
        rules.contains(&"consolidation.previous-missing".to_string()),
        "{rules:?}"
    );
}

#[test]
fn a_workbook_of_another_report_year_is_said_through_the_workers() {
    // branch-changes-chain.xlsx is titled 2021. (That a workbook of another year is not
    // compared with last year's is shown in tests/consolidate.rs.)
    let file = "samples/branch-changes-chain.xlsx";
    let run = |year: &str| {
        let doc = json(&[file, "--year", year]);
        rules_and_cells(&doc)
            .into_iter()
            .filter(|(r, _)| r == "workbook.year-mismatch")
            .collect::<Vec<_>>()
    };
    assert_eq!(run("2021"), vec![]);
    assert_eq!(
        run("2022"),
        vec![(
            "workbook.year-mismatch".to_string(),
            "M01-SoLuong!D3".to_string()
        )],
        "said on the title's year"
    );
    let refused = crossfoot(&["check", file, "--year", "21"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a year of two digits is refused"
    );
}

#[test]
fn explain_an_engine_kind_and_a_pack_check() {
    let out = crossfoot(&["explain", "value.required", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
    let out = crossfoot(&["explain", "M01.gender-split"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("Biểu: M01") && text.contains("sum(gender.*) == total"),
        "{text}"
    );
    let out = crossfoot(&["explain", "M01.gender-splt"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("có phải ý bạn là `M01.gender-split`"), "{err}");
    let out = crossfoot(&["explain", "M01.gender-splt", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `M01.gender-split`"), "{err}");
}

#[test]
fn rules_lists_every_id_as_text_and_json() {
    let text = stdout(&crossfoot(&["rules", "--help"]));
    assert!(text.contains("list") && text.contains("check"), "{text}");
    let out = crossfoot(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("value.required"));
    let out = crossfoot(&["rules", "list", "--format", "json", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let all = doc.as_array().unwrap();
    let required = all.iter().find(|e| e["id"] == "value.required").unwrap();
    assert_eq!(required["severity"], "error");
    assert_eq!(required["source"], "crossfoot");
    let gender = all.iter().find(|e| e["id"] == "M01.gender-split").unwrap();
    assert_eq!(gender["source"], "M01");
    assert!(gender["message"]
        .as_str()
        .unwrap()
        .starts_with("Men + women"));
}

#[test]
fn clean_files_are_one_line_and_quiet_leaves_them_out() {
    let out = crossfoot(&["check", "--lang", "en", "samples/"]);
    let text = stdout(&out);
    let clean = text
        .lines()
        .find(|l| l.starts_with("samples/branch-clean.xlsx"))
        .unwrap();
    assert_eq!(
        clean,
        "samples/branch-clean.xlsx  Đảng bộ xã Bình Lư [TD-01]  clean"
    );
    let out = crossfoot(&["check", "--lang", "en", "-q", "samples/"]);
    assert_eq!(out.status.code(), Some(1));
    let quiet = stdout(&out);
    assert!(!quiet.contains("branch-clean.xlsx"), "{quiet}");
    assert!(
        quiet.contains("samples/branch-gender-split.xlsx"),
        "{quiet}"
    );
    assert_eq!(
        quiet.lines().last(),
        text.lines().last(),
        "the total is the same"
    );
}

#[test]
fn the_terminal_report_is_wrapped_to_its_width_and_plain_in_a_pipe() {
    let args = ["check", "--lang", "en", "samples/reference-2021.xlsx"];
    // In a pipe: one line per item, however long (the "most likely" line of the reference
    // workbook names a dozen cells).
    let plain = stdout(&crossfoot(&args));
    let longest = plain.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest > 300, "{longest}");
    // At a width: no line longer, the same words in the same order.
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("CROSSFOOT_WIDTH", "72")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let wrapped = stdout(&out);
    for line in wrapped.lines() {
        assert!(line.chars().count() <= 72, "{line}");
    }
    let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(words(&wrapped), words(&plain));
    insta::assert_snapshot!(wrapped);
}

#[test]
fn the_summary_line_counts_files_clean_with_warnings_with_errors_and_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.xlsx"), b"PK\x03\x04 not a workbook").unwrap();
    for name in ["branch-clean.xlsx", "branch-gender-split.xlsx"] {
        std::fs::copy(Path::new("samples").join(name), dir.path().join(name)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--lang", "en", "-q"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("CROSSFOOT_WIDTH")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unreadable file");
    let text = stdout(&out);
    insta::assert_snapshot!(text.lines().last().unwrap());
}

/// 1 of 8 committee members is exactly 12.5 %: shown to no decimals, Excel shows 13 (half away
/// from zero), so a branch that typed 12 made a slip, and 13 passes.
#[test]
fn an_exact_tie_is_rounded_half_away_from_zero_one_of_eight_is_13() {
    use crate::common::forms::*;
    let layout = Layout {
        pct_decimals: PctDecimals::Fixed(0),
        ..Layout::default()
    };
    let mut b = Branch::clean("Đảng bộ xã Thử", "TD-97", 12);
    b.m04.total = 8;
    b.m04.qualification = [1, 3, 2, 1, 1];
    b.m04.theory = [2, 3, 3];
    b.recompute_percents();
    // Every percentage as the branch types it when the sheet shows no decimals.
    for f in b.figures() {
        if f.col == Col::Pct {
            b.set(f.form, f.item, f.col, f.value.round());
        }
    }
    assert_eq!(b.get("M04", "2.1", Col::Pct), Some(13.0));
    let dir = tempfile::tempdir().unwrap();
    write_branch_to(dir.path().join("a-rounded.xlsx"), &b, &layout).unwrap();
    b.set("M04", "2.1", Col::Pct, 12.0);
    write_branch_to(dir.path().join("b-truncated.xlsx"), &b, &layout).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--format", "json", "--lang", "en"])
        .arg(dir.path())
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let percent: Vec<(String, String, f64, f64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "M04.percent")
        .map(|f| {
            (
                f["file"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                format!(
                    "{}!{}",
                    f["cells"][0]["sheet"].as_str().unwrap(),
                    f["cells"][0]["cell"].as_str().unwrap()
                ),
                f["expected"].as_f64().unwrap(),
                f["actual"].as_f64().unwrap(),
            )
        })
        .collect();
    let cell = cell_ref(&layout, "M04", "2.1", Col::Pct)
        .unwrap()
        .to_string();
    assert_eq!(
        percent,
        [("b-truncated.xlsx".to_string(), cell, 13.0, 12.0)],
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `crossfoot samples/`: a path where the command belongs; the error suggests `check`.
#[test]
fn a_folder_without_a_command_suggests_check() {
    let out = crossfoot(&["samples/"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'crossfoot check samples/'"), "{err}");
    // A mistyped command is still told the command it resembles, not `check PATH`.
    let err = String::from_utf8_lossy(&crossfoot(&["chek", "samples/"]).stderr).into_owned();
    assert!(
        err.contains("'check'") && !err.contains("crossfoot check chek"),
        "{err}"
    );
}

/// A folder named that holds nothing to read says so, in the run's language, with what it
/// passed over (a lock file: the workbook is open in a spreadsheet program).
#[test]
fn an_empty_folder_says_it_was_empty_and_what_it_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("~$branch-07.xlsx"), b"lock").unwrap();
    let run = |lang: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .args(["check", "--lang", lang])
            .arg(&empty)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let shown = empty.display().to_string();
    let en = run("en");
    assert_eq!(
        en.trim_end(),
        format!("no workbook to check: {shown} held no file to read; passed over: 1 lock file")
    );
    let vi = run("vi");
    assert_eq!(
        vi.trim_end(),
        format!("không có tệp nào để kiểm tra: {shown} không chứa tệp nào đọc được; không xét: 1 tệp khóa")
    );
}

/// `rules` takes the options of `rules list` itself.
#[test]
fn rules_takes_lang_and_format_itself() {
    let bare = crossfoot(&["rules", "--lang", "en"]);
    assert_eq!(bare.status.code(), Some(0));
    assert_eq!(
        stdout(&bare),
        stdout(&crossfoot(&["rules", "list", "--lang", "en"]))
    );
    assert!(stdout(&bare).contains("M01.gender-split"));
    let json = crossfoot(&["rules", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(doc.as_array().is_some_and(|a| a.len() > 20));
}

/// An unreadable file reads as the reason and the hint, without a crate path before them.
#[test]
fn an_unreadable_file_starts_with_its_reason_not_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("branch-12.xls");
    std::fs::write(
        &page,
        "<html><body><table><tr><td>1</td></tr></table></body></html>",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--lang", "en"])
        .arg(&page)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = stdout(&out);
    let second = text.lines().nth(1).unwrap_or_default();
    assert!(second.trim_start().starts_with("× cannot read"), "{text}");
    assert!(!text.contains("crossfoot::"), "{text}");
}

/// A check of the built-in pack is explained with its own paragraph, in the run's language.
#[test]
fn explain_prints_a_checks_doc_in_the_runs_language() {
    let en = stdout(&crossfoot(&["explain", "--lang", "en", "M01.gender-split"]));
    assert!(
        en.contains("What it means\n  Men (item 2.1) plus women (item 2.2) must equal"),
        "{en}"
    );
    let vi = stdout(&crossfoot(&["explain", "M01.gender-split"]));
    assert!(
        vi.contains("Ý nghĩa\n  Số nam (mục 2.1) cộng số nữ (mục 2.2)"),
        "{vi}"
    );
}

/// `-q` leaves the clean files out but keeps the progress bar on a terminal: 40 workbooks read
/// one at a time (longer than the second before the bar is drawn), under a pseudo-terminal.
#[test]
#[ignore = "needs script(1) from util-linux for a pseudo-terminal, and a run of several seconds"]
fn quiet_keeps_the_progress_bar_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for i in 0..40 {
        std::fs::copy(
            root.join("samples/reference-2021.xlsx"),
            dir.path().join(format!("r{i:02}.xlsx")),
        )
        .unwrap();
    }
    let command = format!(
        "{} check -q -j 1 --lang en {}",
        env!("CARGO_BIN_EXE_crossfoot"),
        dir.path().display()
    );
    let out = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env_remove("CROSSFOOT_WIDTH")
        .output()
        .expect("script(1) runs the command under a pseudo-terminal");
    let text = stdout(&out);
    assert!(
        text.contains("workbooks checked"),
        "no progress bar: {text}"
    );
    assert!(
        text.contains("40 files: 0 clean, 0 with warnings, 40 with errors"),
        "{text}"
    );
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = crossfoot(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        for word in ["check", "consolidate", "explain", "lang"] {
            assert!(text.contains(word), "{shell} completes {word}");
        }
        // The values of --format, where the shell completes values.
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(text.contains("sarif"), "{shell}");
        }
    }
    let out = crossfoot(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "an unknown shell is refused");
    let man = stdout(&crossfoot(&["man"]));
    assert!(
        man.starts_with(".ie") && man.contains(".TH crossfoot 1"),
        "{man}"
    );
    assert!(man.contains("explain"), "the subcommands are listed");
}

/// The words of a terminal report, less paths and rule ids (which are the inputs' and the
/// pack's, not crossfoot's words).
fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|t| !t.contains('/') && !t.contains('.') && !t.contains('!'))
        .flat_map(|t| t.split(|c: char| !c.is_alphabetic()))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn no_english_word_in_the_vietnamese_report_nor_crossfoot_vietnamese_in_the_english_one() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("branch-12.xls");
    std::fs::write(&page, "<html><body></body></html>").unwrap();
    let page = page.to_string_lossy().into_owned();
    let english = [
        "expected",
        "found",
        "difference",
        "cells",
        "read",
        "clean",
        "error",
        "errors",
        "warning",
        "warnings",
        "info",
        "checked",
        "unreadable",
        "cannot",
        "hint",
        "help",
        "unit",
        "forms",
        "file",
        "files",
        "the",
        "is",
        "not",
        "a",
        "page",
        "save",
        "it",
        "workbook",
    ];
    let vi = stdout(&crossfoot(&["check", "samples/", &page]));
    let found: Vec<String> = words_of(&vi)
        .into_iter()
        .filter(|w| english.contains(&w.as_str()))
        .collect();
    assert!(
        found.is_empty(),
        "English in the Vietnamese report: {found:?}\n{vi}"
    );
    let en = stdout(&crossfoot(&["check", "--lang", "en", "samples/", &page]));
    for vietnamese in [
        "lỗi",
        "cảnh báo",
        "cần là",
        "chênh lệch",
        "không có sai sót",
        "các ô đã đọc",
        "đơn vị:",
        "không đọc được",
        "gợi ý",
        "tệp",
        "thiếu",
        "khác tổng số",
    ] {
        assert!(
            !en.contains(vietnamese),
            "{vietnamese} in the English report:\n{en}"
        );
    }
}
