//! `crossfoot rules lint`: the built-in pack's lint output, snapshotted (each message of it
//! explained in the pack), and a folder of rules with a mistake of each kind.

use std::process::Command;

/// Runs `crossfoot rules lint ARGS`: (exit code, stdout, stderr).
fn lint(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir)
        .args(["rules", "lint"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_built_in_pack_is_lint_clean_or_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = lint(&["--lang", "en"], dir.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.lines().any(|l| l.starts_with('×')), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_pack_with_a_mistake_of_each_kind() {
    let dir = tempfile::tempdir().unwrap();
    let form = r#"[settings]
language = "en"

[form]
id = "U"
name = "Union members"
labels = ["Members"]

[[column]]
id = "n"
header = "Number"

[[row]]
id = "total"
label = "Members"

[[row]]
id = "men"
label = "Men"

[[row]]
id = "women"
label = "Women"

[[row]]
id = "retired"
label = "Retired"

[[row]]
id = "new"
label = "New this year"

[[check]]
id = "U.split"
expr = "men + women == total"
message = "m"

[[check]]
id = "U.men"
expr = "men <= total"
message = "m"

[[check]]
id = "U.retired"
expr = "retired >= 0"
message = "m"

[[check]]
id = "U.new-none"
expr = "new + retired <= 0"
message = "m"

[[check]]
id = "U.more"
expr = "total > men + women + 2"
tolerance = 1
message = "m"
"#;
    std::fs::write(dir.path().join("union.toml"), form).unwrap();
    let (code, out, err) = lint(&["--no-default-rules", "union.toml"], dir.path());
    assert_eq!(code, 1, "{out}{err}");
    let codes: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("× "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(
        codes,
        [
            "lint.contradiction",
            "lint.fixed",
            "lint.fixed",
            "lint.never-fails"
        ],
        "{out}"
    );
    assert!(out.contains("U.split, U.more"), "{out}");
}

/// `check --discover` on a workbook of no form: a typed total off by one is a warning saying
/// what it assumed; without `--discover` only "no form matched" is said.
#[test]
fn check_discover_finds_a_typed_total_that_does_not_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Members").unwrap();
    let rows: [(&str, f64, f64); 4] = [
        ("North", 12.0, 5.0),
        ("South", 20.0, 9.0),
        ("East", 7.0, 2.0),
        ("Total", 39.0, 17.0),
    ];
    ws.write_string(0, 0, "Branch").unwrap();
    ws.write_string(0, 1, "Members").unwrap();
    ws.write_string(0, 2, "New").unwrap();
    for (i, (label, a, b)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, *label).unwrap();
        ws.write_number(r, 1, *a).unwrap();
        ws.write_number(r, 2, *b).unwrap();
    }
    book.save(dir.path().join("union.xlsx")).unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .current_dir(dir.path())
            .args(["check", "--lang", "en", "--format", "json"])
            .args(extra)
            .arg("union.xlsx")
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["severity"].as_str().unwrap_or("").to_string(),
                    f["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let plain = run(&[]);
    assert!(
        plain.iter().all(|f| !f.0.starts_with("discover.")),
        "{plain:?}"
    );
    let found: Vec<_> = run(&["--discover"])
        .into_iter()
        .filter(|f| f.0.starts_with("discover."))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let (rule, severity, message) = &found[0];
    assert_eq!(
        (rule.as_str(), severity.as_str()),
        ("discover.total-mismatch", "warning")
    );
    assert!(
        message.contains("C5 reads 17") && message.contains("add up to 16"),
        "{message}"
    );
    assert!(message.contains("assumed"), "{message}");
}
