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
