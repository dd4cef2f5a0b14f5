//! Every input accounted for, round two (issue 21, point 3): hard links listed, `consolidate`
//! failing when an input is left out, `--previous` workbooks that are no last year's, one unit
//! code in two workbooks. Bounded runs (point 5): rule files read like workbooks (regular
//! files, a size limit), ids that cannot look like one another, numeric options in range, the
//! sheets and cells of a workbook bounded. No test here measures time or memory.

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

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The problems shown (the `×` lines).
fn headlines(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("× "))
        .map(str::to_string)
        .collect()
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo(3) with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// `--rules fifo.toml`, a rules folder holding a FIFO, `rules check fifo` and
/// `rules check /dev/zero`: each refused at once (no writer ever opens the pipe; /dev/zero never
/// ends), exit 2, nothing checked.
#[cfg(unix)]
#[test]
fn rule_files_that_are_no_regular_files_are_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("fifo.toml"));
    std::fs::create_dir(dir.path().join("pack")).unwrap();
    mkfifo(&dir.path().join("pack/x.toml"));
    let fifo = "cannot read the rule path fifo.toml: not a regular file (a named pipe (FIFO))";
    for args in [
        &[
            "check",
            "--rules",
            "fifo.toml",
            "nothing.xlsx",
            "--lang",
            "en",
        ][..],
        &["rules", "check", "fifo.toml", "--lang", "en"],
    ] {
        let o = crossfoot_in(dir.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert_eq!(headlines(&stderr(&o)), [fifo], "{args:?}");
    }
    let o = crossfoot_in(
        dir.path(),
        &["check", "--rules", "pack", "nothing.xlsx", "--lang", "en"],
    );
    assert_eq!(code(&o), 2);
    assert_eq!(
        headlines(&stderr(&o)),
        ["cannot read the rule path pack/x.toml: not a regular file (a named pipe (FIFO))"]
    );
    let o = crossfoot_in(dir.path(), &["rules", "check", "/dev/zero", "--lang", "en"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        headlines(&stderr(&o)),
        ["cannot read the rule path /dev/zero: not a regular file (a device)"]
    );
}

/// A rule file larger than the limit is refused by its size, not read whole.
#[test]
fn a_rule_file_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    // Sparse: 5 MB of nothing, over the 4 MB limit.
    f.set_len(5 * 1024 * 1024).unwrap();
    let o = crossfoot_in(dir.path(), &["rules", "check", "big.toml", "--lang", "en"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        headlines(&stderr(&o)),
        ["cannot read the rule path big.toml: larger than 4 MB, which no rule file is"]
    );
}

const FORM: &str = r#"[form]
id = "T1"
name = "Staff"
labels = ["Total staff"]

[[column]]
id = "count"
header = "Number"

[[row]]
id = "total"
label = "Total staff"

[[row]]
id = "sex.men"
label = "Men"

[[row]]
id = "sex.women"
label = "Women"
"#;

/// Check ids that look identical (`T1.a` and `T1.а` with a Cyrillic а), or that carry a
/// zero-width space or U+202E, and form and column ids with such characters: rule-file errors,
/// each pointed at; the pack shipped keeps to the rule.
#[test]
fn confusable_and_invisible_ids_are_rule_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    let check = |id: &str| {
        format!("[[check]]\nid = \"{id}\"\nexpr = \"sum(sex.*) == total\"\nmessage = \"x\"\n\n")
    };
    let text = format!(
        "{FORM}\n{}{}{}{}",
        check("T1.a"),
        check("T1.\u{430}"),
        check("T1.b\u{200b}"),
        check("T1.\u{202e}c")
    );
    std::fs::write(dir.path().join("checks.toml"), text).unwrap();
    let o = crossfoot_in(
        dir.path(),
        &["rules", "check", "--no-default-rules", "checks.toml"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert_eq!(
        headlines(&stderr(&o)),
        [
            "`T1.\\u{430}` is not a valid check id",
            "`T1.b\\u{200b}` is not a valid check id",
            "`T1.\\u{202e}c` is not a valid check id",
            "3 problems in the rule file checks.toml",
        ]
    );
    // Form and column ids.
    let form = FORM
        .replacen("id = \"T1\"", "id = \"T\u{0406}1\"", 1)
        .replacen("id = \"count\"", "id = \"co\u{200d}unt\"", 1);
    std::fs::write(dir.path().join("form.toml"), form).unwrap();
    let o = crossfoot_in(
        dir.path(),
        &["rules", "check", "--no-default-rules", "form.toml"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let lines = headlines(&stderr(&o));
    assert!(
        lines.iter().any(|l| l.ends_with("is not a valid form id")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.ends_with("is not a valid column id")),
        "{lines:?}"
    );
    // The built-in pack passes.
    let o = crossfoot_in(dir.path(), &["rules", "check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// Every numeric option is range-checked before any work: an overflowing read timeout (it
/// panicked), a file size whose bytes overflow (every file read as empty), 100,000 jobs (as
/// many threads), no memory at all. Exit 2 with clap's error naming the option and the range.
#[test]
fn numeric_options_out_of_range_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.xlsx");
    let out = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--read-timeout", "9223372036854775000", "x.xlsx"],
            "invalid value '9223372036854775000' for '--read-timeout <S>': 9223372036854775000 is not in 1..=86400",
        ),
        (
            &["check", "--max-file-mb", "17592186044416", "x.xlsx"],
            "invalid value '17592186044416' for '--max-file-mb <MB>': 17592186044416 is not in 1..=65536",
        ),
        (
            &["check", "--max-reader-mb", "0", "x.xlsx"],
            "invalid value '0' for '--max-reader-mb <MB>': 0 is not in 64..=16777216",
        ),
        (
            &["check", "--max-cells", "0", "x.xlsx"],
            "invalid value '0' for '--max-cells <N>': 0 is not in 1..=17179869184",
        ),
        (
            &["check", "--max-sheets", "0", "x.xlsx"],
            "invalid value '0' for '--max-sheets <N>': 0 is not in 1..=1000000",
        ),
        (
            &["consolidate", "--max-unzipped-mb", "99999999999", "-o", out, "x.xlsx"],
            "invalid value '99999999999' for '--max-unzipped-mb <MB>': 99999999999 is not in 1..=16777216",
        ),
        (
            &["check", "--jobs", "100000", "x.xlsx"],
            "invalid value '100000' for '--jobs <N>': 100000 is more than ",
        ),
        (
            &["consolidate", "-j", "100000", "-o", out, "x.xlsx"],
            "invalid value '100000' for '--jobs <N>': 100000 is more than ",
        ),
    ];
    for (args, wanted) in cases {
        let o = crossfoot_in(dir.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("error: {wanted}")),
            "{args:?}: {err}"
        );
        assert!(!Path::new(out).exists());
    }
}

/// 100,000 sheet entries of one workbook all pointing to one part: refused by the sheet count
/// before any sheet is read (it took 35 s and 4.16 GB), exit 2, the limit named.
#[test]
fn a_workbook_listing_100000_sheets_is_refused_before_reading_them() {
    use std::io::{Read, Write};
    let b = crate::common::forms::Branch::clean("Chi bộ", "TD-01", 1);
    let xlsx = crate::common::forms::write_branch(&b, &crate::common::forms::Layout::default());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        if name == "xl/workbook.xml" {
            let xml = String::from_utf8(data).unwrap();
            let start = xml.find("<sheets>").unwrap() + "<sheets>".len();
            let end = xml.find("</sheets>").unwrap();
            let rid_at = xml[start..].find("r:id=\"").unwrap() + start + 6;
            let rid = &xml[rid_at..rid_at + xml[rid_at..].find('"').unwrap()];
            let many: String = (1..=100_000)
                .map(|i| format!("<sheet name=\"S{i}\" sheetId=\"{i}\" r:id=\"{rid}\"/>"))
                .collect();
            data = format!("{}{many}{}", &xml[..start], &xml[end..]).into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&data).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("many.xlsx"),
        out.finish().unwrap().into_inner(),
    )
    .unwrap();
    let o = crossfoot_in(
        dir.path(),
        &["check", "--lang", "en", "--format", "json", "many.xlsx"],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["status"], "unreadable", "{file}");
    let error = file["error"].as_str().unwrap();
    assert!(
        error.contains("the workbook lists 100000 worksheets, more than 1000"),
        "{error}"
    );
    // With the sheet limit lifted, the run's memory holds: 512 MB for the run, two workers of
    // 256 MB each (it was 4 GB for each worker, 8.2 GB with `-j 2`); the worker stopped by its
    // share, the file reported, exit 2.
    let o = crossfoot_in(
        dir.path(),
        &[
            "check",
            "--lang",
            "en",
            "--format",
            "json",
            "--max-sheets",
            "1000000",
            "--max-reader-mb",
            "512",
            "-j",
            "2",
            "many.xlsx",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let error = json["files"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("more than the 256 MB of memory allowed for one file"),
        "{error}"
    );
}

fn branch(dir: &Path, name: &str, code: &str, seed: u64) -> std::path::PathBuf {
    use crate::common::forms::{write_branch, Branch, Layout};
    let p = dir.join(name);
    std::fs::write(
        &p,
        write_branch(&Branch::clean("Chi bộ", code, seed), &Layout::default()),
    )
    .unwrap();
    p
}

/// `consolidate` with only a junk file, only a FIFO, or branch workbooks of which some are
/// damaged: the summary is written (the others consolidated, each left out listed), and the
/// exit status is 2 with a line saying how many are not in it. All good: 0.
#[cfg(unix)]
#[test]
fn consolidate_exits_2_when_an_input_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("junk.xlsx"), b"not a workbook at all").unwrap();
    mkfifo(&d.join("pipe.xlsx"));
    std::fs::create_dir(d.join("mixed")).unwrap();
    for k in 0..6 {
        branch(
            &d.join("mixed"),
            &format!("b{k}.xlsx"),
            &format!("TD-{k:02}"),
            k,
        );
    }
    let damaged = std::fs::read(d.join("mixed/b0.xlsx")).unwrap();
    for k in 0..2 {
        std::fs::write(
            d.join(format!("mixed/damaged-{k}.xlsx")),
            &damaged[..damaged.len() / 2],
        )
        .unwrap();
    }
    let run = |input: &str| {
        crossfoot_in(
            d,
            &["consolidate", "--lang", "en", "-o", "district.xlsx", input],
        )
    };
    for (input, left_out) in [("junk.xlsx", 1), ("pipe.xlsx", 1), ("mixed", 2)] {
        let o = run(input);
        assert_eq!(code(&o), 2, "{input}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("{left_out} input(s) are not in the summary")),
            "{input}: {}",
            stderr(&o)
        );
        assert!(d.join("district.xlsx").exists(), "{input}");
    }
    for k in 0..2 {
        std::fs::remove_file(d.join(format!("mixed/damaged-{k}.xlsx"))).unwrap();
    }
    let o = run("mixed");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("6 row(s)"), "{}", stderr(&o));
}

/// `branch-08.xlsx` a hard link of `branch-07.xlsx`, both named: both listed, the second as
/// the same file as the first (it said "1 file" and never named `branch-08.xlsx`); exit 0, the
/// workbook checked once. The same found in a folder.
#[cfg(unix)]
#[test]
fn a_hard_link_given_twice_is_listed_as_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("subs")).unwrap();
    branch(&d.join("subs"), "branch-07.xlsx", "TD-07", 7);
    std::fs::hard_link(d.join("subs/branch-07.xlsx"), d.join("subs/branch-08.xlsx")).unwrap();
    for args in [
        &["subs/branch-07.xlsx", "subs/branch-08.xlsx"][..],
        &["subs"],
    ] {
        let mut all = vec!["check", "--lang", "en", "--format", "json"];
        all.extend_from_slice(args);
        let o = crossfoot_in(d, &all);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json["summary"]["files"], 2);
        assert_eq!(json["summary"]["checked"], 1);
        assert_eq!(json["summary"]["skipped"], 1);
        let second = &json["files"][1];
        assert_eq!(second["path"], "subs/branch-08.xlsx");
        assert_eq!(second["status"], "skipped");
        assert_eq!(second["reason"], "same-file");
        assert!(
            second["error"]
                .as_str()
                .unwrap()
                .starts_with("the same file as subs/branch-07.xlsx"),
            "{second}"
        );
    }
    let o = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "subs/branch-07.xlsx",
            "subs/branch-08.xlsx",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("subs/branch-08.xlsx\n  skipped: the same file as subs/branch-07.xlsx"),
        "{out}"
    );
    assert!(out.contains("2 files: 1 clean, "), "{out}");
    assert!(out.contains(", 1 skipped; "), "{out}");
}

/// The rules of the findings of a JSON report, file by file.
fn rules_by_file(o: &Output) -> Vec<(String, Vec<String>)> {
    let json: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(o)));
    let files = json["files"].as_array().unwrap();
    files
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().to_string();
            let rules = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["file"] == f["path"])
                .map(|x| x["rule"].as_str().unwrap().to_string())
                .collect();
            (path, rules)
        })
        .collect()
}

/// A `--previous` workbook titled 2021 (this year), 2019 or 2030 whose closing figure matches:
/// a finding naming it and its year, and no comparison. The year before: compared (a closing
/// figure that does not match is the check's finding). `--previous` naming this run's own
/// workbook: a finding, no comparison (it compared the workbook with itself without a word).
#[test]
fn previous_workbooks_of_another_year_or_of_this_run_are_not_compared() {
    use crate::common::forms::{write_branch, Branch, Layout};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("now")).unwrap();
    let now = Branch::clean("Chi bộ", "TD-01", 1);
    assert_eq!(now.year, 2021);
    std::fs::write(d.join("now/a.xlsx"), write_branch(&now, &Layout::default())).unwrap();
    let with_prev = |year: u32, end: i64| {
        let prev = d.join(format!("prev-{year}-{end}"));
        std::fs::create_dir(&prev).unwrap();
        let mut b = Branch::clean("Chi bộ", "TD-01", 1);
        b.year = year;
        b.m02.end = end;
        std::fs::write(prev.join("a.xlsx"), write_branch(&b, &Layout::default())).unwrap();
        let o = crossfoot_in(
            d,
            &[
                "check",
                "--lang",
                "en",
                "--format",
                "json",
                "--previous",
                prev.to_str().unwrap(),
                "now",
            ],
        );
        (o, prev.join("a.xlsx"))
    };
    for year in [2021, 2019, 2030] {
        // The closing figure matches: it would pass.
        let (o, prev) = with_prev(year, now.m02.start);
        assert_eq!(code(&o), 0, "{year}: {}", stderr(&o));
        let (_, rules) = &rules_by_file(&o)[0];
        assert_eq!(rules, &["consolidation.previous-year"], "{year}");
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let message = json["findings"][0]["message"].as_str().unwrap();
        assert_eq!(
            message,
            format!(
                "last year's workbook of this unit, {}, reports the year {year}, not 2020; the opening figures were not compared with it",
                prev.display()
            )
        );
    }
    // The year before, a closing figure that does not match: compared, and it fails.
    let (o, _) = with_prev(2020, now.m02.start + 1);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let (_, rules) = &rules_by_file(&o)[0];
    assert_eq!(rules, &["M02.start-matches-last-year"]);
    // This run's own workbook as last year's.
    let o = crossfoot_in(
        d,
        &[
            "check",
            "--lang",
            "en",
            "--format",
            "json",
            "--previous",
            "now",
            "now",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (_, rules) = &rules_by_file(&o)[0];
    assert_eq!(rules, &["consolidation.previous-own"]);
}

/// Two workbooks with one unit code in one `check` run: a warning on the later one naming the
/// earlier (only `consolidate` noticed); exit 0 by default, 1 with `--fail-on warning`.
#[test]
fn two_workbooks_with_one_unit_code_are_a_warning_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("subs")).unwrap();
    branch(&d.join("subs"), "branch-07.xlsx", "TD-07", 7);
    branch(&d.join("subs"), "branch-07-final.xlsx", "td-07", 8);
    branch(&d.join("subs"), "branch-08.xlsx", "TD-08", 9);
    let o = crossfoot_in(d, &["check", "--lang", "en", "--format", "json", "subs"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let by_file = rules_by_file(&o);
    let repeated: Vec<&str> = by_file
        .iter()
        .filter(|(_, r)| r.iter().any(|r| r == "unit.code-repeated"))
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(repeated, ["subs/branch-07.xlsx"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unit.code-repeated")
        .unwrap();
    assert_eq!(
        f["message"],
        "the unit code TD-07 is also that of subs/branch-07-final.xlsx: two workbooks of one unit in this run"
    );
    assert_eq!(f["severity"], "warning");
    let o = crossfoot_in(d, &["check", "--fail-on", "warning", "subs"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}
