//! Rule-file mistakes render as miette diagnostics that point at the exact characters,
//! all problems of all files at once, with "did you mean" for names. Snapshots of the text.

use std::path::Path;
use std::process::Command;

/// Runs crossfoot in `dir` with `NO_COLOR`: (exit code, stderr).
fn crossfoot_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A temporary folder holding the given files.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The problems shown (the `×` lines), the closing count included.
fn headlines(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix("× "))
        .collect()
}

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

/// Three schema mistakes in one file (an unknown key, a wrong type, a missing key) and one in
/// another: one run shows all four, each pointing at its characters, with no `Error:` line.
#[test]
fn schema_mistakes_of_every_file_in_one_run() {
    let broken = FORM
        .replace("labels = [", "lables = [")
        .replace("kind = \"percent\"", "kind = 2")
        .replace("label = \"Men\"\n", "");
    let other = "[settings]\nfold_diacritics = \"yes\"\n";
    let dir = folder(&[
        ("rules/my-form.toml", &broken),
        ("rules/settings.toml", other),
    ]);
    let (code, text) = crossfoot_in(
        dir.path(),
        &[
            "check",
            "--no-default-rules",
            "--rules",
            "rules",
            "nothing.xlsx",
        ],
    );
    assert_eq!(code, 2);
    assert!(!text.contains("Error:"), "{text}");
    assert_eq!(
        headlines(&text),
        vec![
            "unknown key `lables`",
            "wrong type: integer `2` where one of `count`, `percent`, `number`, `text` is expected",
            "missing key `label`",
            "wrong type: string \"yes\" where a boolean is expected",
            "4 problems in 2 rule files (rules/my-form.toml: 3, rules/settings.toml: 1)",
        ],
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn an_unknown_message_id_is_an_error() {
    let (code, text) = run_with_rules(&format!(
        "{FORM}\n[settings.messages]\n\"value.requried\" = \"{{label}}: thiếu số liệu\"\n\"value.error\" = \"{{label}}: lỗi {{text}}\"\n"
    ));
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&text),
        vec![
            "`value.requried` is not the id of a message of crossfoot",
            "1 problem in the rule file my-form.toml",
        ]
    );
    assert!(text.contains("did you mean `value.required`?"), "{text}");
    insta::assert_snapshot!(text);
}

/// Two files that give one `[settings]` key two values: an error of the second, showing both;
/// the same value twice is fine.
#[test]
fn settings_that_contradict_each_other() {
    let dir = folder(&[
        ("rules/a-form.toml", &format!("[settings]\nlocale = \"vi\"\ndash_is_zero = true\n\n{FORM}")),
        ("rules/b-settings.toml", "[settings]\ndash_is_zero = true\nlocale = \"en\"\n\n[settings.messages]\n\"value.required\" = \"{label}: empty\"\n"),
        ("rules/c-settings.toml", "[settings.messages]\n\"value.required\" = \"{label}: vide\"\n"),
    ]);
    let (code, text) = crossfoot_in(
        dir.path(),
        &["rules", "check", "--no-default-rules", "rules"],
    );
    assert_eq!(code, 2);
    assert!(!text.contains("Error:"), "{text}");
    assert_eq!(
        headlines(&text),
        vec![
            "`locale` is set differently in two rule files",
            "the message `value.required` is given two different texts",
            "2 problems in 2 rule files (rules/b-settings.toml: 1, rules/c-settings.toml: 1)",
        ],
        "{text}"
    );
    insta::assert_snapshot!(text);
}

/// A user's settings against the built-in pack's: the user's file wins, and one line says which
/// settings (not a conflict to resolve by hand).
#[test]
fn settings_that_differ_from_the_built_in_pack_are_the_users() {
    let dir = folder(&[(
        "mine.toml",
        &format!("[settings]\nlocale = \"en\"\ndash_is_zero = false\n\n{FORM}"),
    )]);
    let (code, text) = crossfoot_in(dir.path(), &["rules", "check", "mine.toml", "--lang", "en"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        text,
        "your rule files set locale (mine.toml), dash_is_zero (mine.toml) otherwise than the \
         built-in pack: your values are used\nrules ok: 8 files (7 built in), 7 forms, 41 checks\n"
    );
    let (code, text) = crossfoot_in(
        dir.path(),
        &["rules", "check", "--no-default-rules", "mine.toml"],
    );
    assert_eq!(
        (code, text.as_str()),
        (0, "rules ok: 1 file, 1 form, 0 checks\n")
    );
}

/// A copy of `rules/` edited and passed with `--rules` alone: its forms replace the built-in
/// ones of the same id (one line says so), and a message edited in the pack's language but not
/// in English is a warning of the rule file.
#[test]
fn a_copy_of_the_built_in_pack_replaces_it_and_a_half_edited_message_is_a_warning() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("mycopy");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(root.join("rules")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
    }
    let (code, text) = crossfoot_in(dir.path(), &["rules", "check", "mycopy", "--lang", "en"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(
            "built-in forms replaced by your rule files' forms of the same id: M01 (mycopy/m01.toml), "
        ),
        "{text}"
    );
    assert!(
        lines[1].starts_with("rules ok: 8 files (1 built in), 6 forms, "),
        "{text}"
    );
    // The Vietnamese message of one check edited, its English one not.
    let m01 = std::fs::read_to_string(copy.join("m01.toml")).unwrap();
    let edited = m01.replacen(
        "message = \"Nam + Nữ = {found}",
        "message = \"Số nam + số nữ = {found}",
        1,
    );
    assert_ne!(edited, m01);
    std::fs::write(copy.join("m01.toml"), edited).unwrap();
    let (code, text) = crossfoot_in(dir.path(), &["rules", "check", "mycopy", "--lang", "en"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "warning: mycopy/m01.toml: the check `M01.gender-split` has its message changed but \
             not its messages.en"
        ),
        "{text}"
    );
    assert_eq!(text.matches("warning:").count(), 1, "{text}");
}

#[test]
fn rules_check_a_good_folder() {
    let dir = folder(&[
        ("good/form.toml", &format!("{FORM}\n[[check]]\nid = \"T1.sex\"\nexpr = \"sum(sex.*) == total\"\nmessage = \"men + women = {{found}}, total {{expected}}\"\n")),
        ("good/settings.toml", "[settings]\nlocale = \"en\"\nlanguage = \"en\"\n"),
        ("good/notes.txt", "not a rule file"),
    ]);
    let (code, text) = crossfoot_in(
        dir.path(),
        &["rules", "check", "--no-default-rules", "good"],
    );
    assert_eq!(
        (code, text.as_str()),
        (0, "rules ok: 2 files, 1 form, 1 check\n")
    );
    // With the built-in pack: its files are counted, and nothing of the folder contradicts it
    // once the folder leaves the pack's settings alone.
    std::fs::remove_file(dir.path().join("good/settings.toml")).unwrap();
    let (code, text) = crossfoot_in(dir.path(), &["rules", "check", "good", "--lang", "en"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("rules ok: 8 files (7 built in), 7 forms, "),
        "{text}"
    );
}

#[test]
fn rules_check_a_bad_folder() {
    let dir = folder(&[
        ("bad/form.toml", &format!("{FORM}\n[[check]]\nid = \"T1.sex\"\nexpr = \"sum(sex.*) == totl\"\nmessage = \"x\"\n")),
        ("bad/settings.toml", "[settings]\nlocal = \"en\"\n"),
    ]);
    let (code, text) = crossfoot_in(dir.path(), &["rules", "check", "--no-default-rules", "bad"]);
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&text),
        vec![
            "form T1 has no field `totl`",
            "unknown key `local`",
            "2 problems in 2 rule files (bad/form.toml: 1, bad/settings.toml: 1)",
        ],
        "{text}"
    );
    assert!(text.contains("did you mean `locale`?"), "{text}");
    // A folder with no rule file, and a path that is not there: both said, nothing passes.
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let (code, text) = crossfoot_in(
        dir.path(),
        &["rules", "check", "empty", "missing.toml", "--lang", "en"],
    );
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&text),
        vec![
            "cannot read the rule path empty: the folder holds no .toml rule file",
            "cannot read the rule path missing.toml: No such file or directory (os error 2)",
        ],
        "{text}"
    );
}

#[test]
fn rules_check_the_built_in_pack() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The pack built into the binary…
    let (code, text) = crossfoot_in(root, &["rules", "check", "--lang", "en"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with("rules ok: 7 files (7 built in), 6 forms, "),
        "{text}"
    );
    // …and the files of `rules/` on their own (as when editing them).
    let (code, text) = crossfoot_in(
        root,
        &[
            "rules",
            "check",
            "--no-default-rules",
            "rules",
            "--lang",
            "en",
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("rules ok: 7 files, 6 forms, "), "{text}");
    // With the built-in pack as well, each form of the files replaces the built-in one.
    let (code, text) = crossfoot_in(root, &["rules", "check", "rules", "--lang", "en"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("built-in forms replaced by"), "{text}");
    // Two of the user's own files defining one form are still an error.
    let dir = folder(&[("a/x.toml", FORM), ("b/x.toml", FORM)]);
    let (code, text) = crossfoot_in(dir.path(), &["rules", "check", "a", "b"]);
    assert_eq!(code, 2);
    assert!(text.contains("is defined twice"), "{text}");
    let (code, text) = crossfoot_in(root, &["rules", "check", "--no-default-rules"]);
    assert_eq!(code, 2);
    assert!(text.contains("no rules to check with"), "{text}");
}

/// `[localise]` weights: an unknown row and a weight of 0 are rule errors that point at them.
#[test]
fn a_bad_localise_weight_is_a_rule_error() {
    let (code, err) = run_with_rules(
        r#"[form]
id = "T1"
name = "Staff"
labels = ["Total"]

[[column]]
id = "count"
header = "Count"

[[row]]
id = "total"
label = "Total"

[[row]]
id = "men"
label = "Men"

[localise]
rows = { totl = 2, men = 0 }
"#,
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        headlines(&err),
        vec![
            "no row `totl` in this form to weight",
            "a weight must be a number above 0, not 0",
            "2 problems in the rule file my-form.toml",
        ],
        "{err}"
    );
    assert!(err.contains("did you mean `total`?"), "{err}");
    assert!(err.contains("rows = { totl = 2, men = 0 }"), "{err}");
}

/// A check dividing by a constant zero could never be applied: `rules check` and `check` both
/// refuse the rule file, pointing at the divisor, instead of a check that silently never runs.
#[test]
fn a_division_by_a_constant_zero_is_a_rule_error() {
    let form = |expr: &str| {
        format!("{FORM}\n[[check]]\nid = \"T1.zero\"\nexpr = \"{expr}\"\nmessage = \"x\"\n")
    };
    for expr in [
        "total / 0 == total",
        "sex.men == total / (2 - 2) * 100",
        "sex.men / -(1 * 0) <= 1",
    ] {
        let dir = folder(&[("zero/form.toml", &form(expr))]);
        let (code, text) = crossfoot_in(
            dir.path(),
            &["rules", "check", "--no-default-rules", "zero"],
        );
        assert_eq!(code, 2, "{expr}: {text}");
        assert_eq!(
            headlines(&text),
            vec![
                "this divides by zero: the check could never be applied",
                "1 problem in the rule file zero/form.toml"
            ],
            "{expr}: {text}"
        );
        // The snippet shows the expression, the divisor labelled.
        assert!(text.contains(expr) && text.contains("always 0"), "{text}");
        let (code, _) = run_with_rules(&form(expr));
        assert_eq!(code, 2, "{expr}");
    }
    // A divisor that is a figure, or a constant that is not zero, is fine.
    for expr in ["sex.men / total * 100 <= 100", "sex.men / 2 <= total"] {
        let dir = folder(&[("ok/form.toml", &form(expr))]);
        let (code, text) =
            crossfoot_in(dir.path(), &["rules", "check", "--no-default-rules", "ok"]);
        assert_eq!(code, 0, "{expr}: {text}");
    }
}

/// Three key mistakes in one file and the mistakes of its definitions: one run shows them all
/// (an unknown key no longer hides the others), each once.
#[test]
fn key_mistakes_and_the_other_mistakes_of_a_file_in_one_run() {
    let text = format!(
        r#"{FORM}
[[check]]
id = "T1.sex"
expr = "sum(sex.*) == totl"
tolerence = 1
message = "men + women = {{found}}, total {{expected}}"

[[check]]
id = "T1.share"
each = "sex.*"
expr = "$[pct] <= 100"
severty = "warning"
tolerance = "one percent"
message = "{{label}}: {{found}}"

[[check]]
id = "T1.sum"
expr = "sex.men + sex.women == total"
tolerance = -2
message = "{{unknown}}"
"#
    )
    .replace("labels = [", "lables = [");
    let (code, text) = run_with_rules(&text);
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&text),
        vec![
            "unknown key `lables`",
            "form T1 has no field `totl`",
            "unknown key `tolerence`",
            "unknown key `severty`",
            "`one percent` is not a percentage",
            "the tolerance -2 is not a number of 0 or more",
            "unknown placeholder `{unknown}`",
            "7 problems in the rule file my-form.toml",
        ],
        "{text}"
    );
}

/// An unknown name is not reported beside the mistake that may have taken it away: a row
/// whose `id` is misspelt defines no name, and the check naming it says nothing more.
#[test]
fn an_unknown_name_that_may_follow_from_a_key_mistake_is_not_shown() {
    let text = format!(
        r#"{FORM}
[[row]]
idd = "sex.other"
label = "Other"

[[check]]
id = "T1.sex"
expr = "sex.men + sex.women + sex.other == total"
tolerance = "x"
message = "{{found}}"
"#
    );
    let (code, text) = run_with_rules(&text);
    assert_eq!(code, 2);
    assert_eq!(
        headlines(&text),
        vec![
            "missing key `id`",
            "unknown key `idd`",
            "`x` is not a percentage",
            "3 problems in the rule file my-form.toml",
        ],
        "{text}"
    );
}
