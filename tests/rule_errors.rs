//! Rule-file mistakes render as miette diagnostics that point at the exact characters,
//! all of a file's problems at once, with "did you mean" for names. Snapshots of the text.

use std::process::Command;

fn run_with_rules(rule_text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("my-form.toml"), rule_text).unwrap();
    // Any path will do: rule errors stop the run before a workbook is read.
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir.path())
        .args([
            "check",
            "--no-default-rules",
            "--rules",
            "my-form.toml",
            "nothing.xlsx",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FORM: &str = r#"[form]
id = "T1"
name = "Staff"
labels = ["Total staff"]

[[column]]
id = "count"
header = "Number"

[[column]]
id = "pct"
header = "Share (%)"
kind = "percent"

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

#[test]
fn expression_mistakes_point_at_the_token() {
    let (code, text) = run_with_rules(&format!(
        r#"{FORM}
[[check]]
id = "T1.sex"
expr = "sum(sex.*) == totl"
message = "men + women = {{found}}, total {{expected}}"

[[check]]
id = "T1.share"
each = "sex.*"
expr = "$[pcnt] == $ / total * 100"
message = "{{label}}: {{found}}"

[[check]]
id = "T1.broken"
expr = "sex.men + = total"
message = "x"
"#
    ));
    assert_eq!(code, 2);
    insta::assert_snapshot!(text);
}

#[test]
fn toml_mistakes_and_unknown_keys() {
    let (code, text) = run_with_rules(&FORM.replace("labels = [", "lables = ["));
    assert_eq!(code, 2);
    insta::assert_snapshot!(text);
}

#[test]
fn a_missing_rule_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir.path())
        .args(["check", "--rules", "no-such-rules", "x.xlsx"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}
