//! Every diagnostic in the run's language (issue 24): a rule-file error, an output refused, a
//! `--previous` that names nothing, the hint of a command line without its command and what
//! loading a pack decided — in Vietnamese with the default language (the built-in pack's), in
//! English with `--lang en`. Snapshots of the error stream.

use std::path::Path;
use std::process::Command;

/// Runs crossfoot in `dir` without colour: (exit code, stderr with `dir` written `DIR`).
fn crossfoot_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "DIR"),
    )
}

/// A folder with one sample workbook, `branch.xlsx`, a file crossfoot did not write, `mine.xlsx`,
/// an empty folder `empty/`, and a rule file whose form has a mistake, `rules/bad.toml`.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-clean.xlsx");
    std::fs::copy(sample, dir.path().join("branch.xlsx")).unwrap();
    std::fs::write(dir.path().join("mine.xlsx"), "not crossfoot's").unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/bad.toml"),
        "[form]\nid = \"T9\"\nname = \"Staff\"\nlabels = [\"Total staff\"]\n\n[[row]]\nid = \"total\"\n",
    )
    .unwrap();
    dir
}

/// The same command in the default language and with `--lang en`: both exit 2, and each says
/// it in its own words.
fn both(args: &[&str]) -> (String, String) {
    let dir = folder();
    let (code_vi, vi) = crossfoot_in(dir.path(), args);
    let mut en_args = args.to_vec();
    en_args.push("--lang");
    en_args.push("en");
    let (code_en, en) = crossfoot_in(dir.path(), &en_args);
    assert_eq!((code_vi, code_en), (2, 2), "{vi}\n{en}");
    assert_ne!(vi, en, "the two languages say the same");
    (vi, en)
}

#[test]
fn a_rule_file_error_in_the_runs_language() {
    let (vi, en) = both(&["check", "--rules", "rules/bad.toml", "branch.xlsx"]);
    // The problems and their count, then what to do.
    assert!(
        vi.contains("1 lỗi trong tệp quy tắc rules/bad.toml"),
        "{vi}"
    );
    assert!(
        vi.contains("hãy sửa các tệp quy tắc; chưa sổ tính nào được kiểm tra"),
        "{vi}"
    );
    assert!(
        en.contains("1 problem in the rule file rules/bad.toml"),
        "{en}"
    );
    insta::assert_snapshot!("rule_file_error_vi", vi);
    insta::assert_snapshot!("rule_file_error_en", en);
}

#[test]
fn a_rule_path_that_cannot_be_read_in_the_runs_language() {
    let (vi, en) = both(&["check", "--rules", "rules/empty-folder", "branch.xlsx"]);
    assert!(vi.contains("không đọc được đường dẫn quy tắc"), "{vi}");
    assert!(en.contains("cannot read the rule path"), "{en}");
}

#[test]
fn an_output_refusal_in_the_runs_language() {
    let (vi, en) = both(&["check", "branch.xlsx", "-o", "mine.xlsx"]);
    insta::assert_snapshot!("output_refused_vi", vi);
    insta::assert_snapshot!("output_refused_en", en);
    // Refused before anything was written: the file is as it was.
    let (vi, _) = both(&["check", "branch.xlsx", "-o", "review.txt"]);
    assert!(vi.contains("tên tệp phải có đuôi .xlsx"), "{vi}");
}

#[test]
fn a_previous_that_names_nothing_in_the_runs_language() {
    let (vi, en) = both(&["check", "branch.xlsx", "--previous", "empty"]);
    insta::assert_snapshot!("previous_empty_vi", vi);
    insta::assert_snapshot!("previous_empty_en", en);
}

#[test]
fn the_hint_of_a_path_where_the_command_belongs_follows_the_language() {
    let dir = folder();
    let (code, vi) = crossfoot_in(dir.path(), &["branch.xlsx"]);
    assert_eq!(code, 2);
    assert!(
        vi.contains("để kiểm tra sổ tính, hãy ghi rõ lệnh: 'crossfoot check branch.xlsx'"),
        "{vi}"
    );
    let (code, en) = crossfoot_in(dir.path(), &["branch.xlsx", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(
        en.contains(
            "to check workbooks, name the command: 'crossfoot check branch.xlsx --lang en'"
        ),
        "{en}"
    );
    // A pack of the user's that says it is English, without the built-in one: English.
    std::fs::write(
        dir.path().join("rules/en.toml"),
        "[settings]\nlanguage = \"en\"\n",
    )
    .unwrap();
    let (_, en) = crossfoot_in(
        dir.path(),
        &[
            "branch.xlsx",
            "--no-default-rules",
            "--rules",
            "rules/en.toml",
        ],
    );
    assert!(en.contains("to check workbooks, name the command"), "{en}");
}

#[test]
fn no_workbook_named_in_the_runs_language() {
    let (vi, en) = both(&["check"]);
    assert!(vi.contains("không có sổ tính nào để kiểm tra"), "{vi}");
    assert!(en.contains("no workbook to check"), "{en}");
}

#[test]
fn what_loading_the_pack_decided_in_the_runs_language() {
    let dir = folder();
    // A user's setting that differs from the built-in pack's: one line says the user's wins.
    std::fs::write(
        dir.path().join("rules/settings.toml"),
        "[settings]\ndash_is_zero = false\n",
    )
    .unwrap();
    let args = ["check", "--rules", "rules/settings.toml", "branch.xlsx"];
    let (_, vi) = crossfoot_in(dir.path(), &args);
    assert!(
        vi.contains(
            "tệp quy tắc của bạn đặt dash_is_zero (rules/settings.toml) khác với bộ quy tắc có sẵn"
        ),
        "{vi}"
    );
    let (_, en) = crossfoot_in(dir.path(), &[&args[..], &["--lang", "en"]].concat());
    assert!(
        en.contains("your rule files set dash_is_zero (rules/settings.toml) otherwise than the built-in pack"),
        "{en}"
    );
}
