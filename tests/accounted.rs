//! Never lose a submission, never pass silently: every input accounted for, outputs that never
//! name an input, `--previous` that names nothing, workbooks that match no form, consolidation
//! conflicts. Each test runs the binary on workbooks it writes.

use crate::common;

use common::forms::*;
use serde_json::Value;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

/// crossfoot in English (these tests read its English words).
fn crossfoot(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .args(["--lang", "en"])
        .args(paths)
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)))
}

fn branch(dir: &Path, name: &str, code: &str, seed: u64) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        write_branch(&Branch::clean("Chi bộ", code, seed), &Layout::default()),
    )
    .unwrap();
    p
}

/// Bytes and modification time: what "unchanged" means for an input.
fn state(p: &Path) -> (Vec<u8>, SystemTime) {
    (
        std::fs::read(p).unwrap(),
        std::fs::metadata(p).unwrap().modified().unwrap(),
    )
}

fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/real-world")
        .join(name);
    p.exists().then_some(p)
}

// ---------------------------------------------------------------------------------------------
// Outputs that would name an input

#[test]
fn an_output_that_names_an_input_is_refused_and_the_input_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    let prev = dir.path().join("prev");
    let rules = dir.path().join("rules");
    for d in [&subs, &prev, &rules] {
        std::fs::create_dir(d).unwrap();
    }
    let walked = branch(&subs, "branch-clean.xlsx", "TD-01", 1);
    branch(&subs, "branch-two.xlsx", "TD-02", 2);
    let last_year = branch(&prev, "branch-clean.xlsx", "TD-01", 3);
    // A rule file given by name is read whatever its name: even one ending in .xlsx.
    let rule = rules.join("extra.xlsx");
    std::fs::write(&rule, "[settings]\nlocale = \"vi\"\n").unwrap();
    let link = dir.path().join("link.xlsx");
    std::os::unix::fs::symlink(&walked, &link).unwrap();
    let hard = dir.path().join("hard.xlsx");
    std::fs::hard_link(&walked, &hard).unwrap();

    let s = |p: &Path| p.to_str().unwrap().to_string();
    let subs_s = s(&subs);
    let cases: Vec<(Vec<String>, &Path, &str)> = vec![
        (
            vec!["check".into(), subs_s.clone(), "-o".into(), s(&walked)],
            &walked,
            "one of the workbooks being checked",
        ),
        (
            vec![
                "check".into(),
                subs_s.clone(),
                "--previous".into(),
                s(&prev),
                "-o".into(),
                s(&last_year),
            ],
            &last_year,
            "one of last year's workbooks",
        ),
        (
            vec![
                "check".into(),
                subs_s.clone(),
                "--rules".into(),
                s(&rule),
                "-o".into(),
                s(&rule),
            ],
            &rule,
            "one of the rule files",
        ),
        (
            vec!["check".into(), subs_s.clone(), "-o".into(), s(&link)],
            &walked,
            "symbolic link",
        ),
        (
            vec!["check".into(), subs_s.clone(), "-o".into(), s(&hard)],
            &walked,
            "one of the workbooks being checked",
        ),
        (
            vec![
                "consolidate".into(),
                subs_s.clone(),
                "-o".into(),
                s(&walked),
            ],
            &walked,
            "one of the workbooks being checked",
        ),
        (
            vec!["consolidate".into(), subs_s.clone(), "-o".into(), s(&hard)],
            &walked,
            "one of the workbooks being checked",
        ),
        (
            vec!["consolidate".into(), subs_s.clone(), "-o".into(), s(&link)],
            &walked,
            "symbolic link",
        ),
    ];
    for (args, guarded, why) in cases {
        let before = state(guarded);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = crossfoot(&argv, &[]);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(why), "{args:?}: {}", stderr(&out));
        assert!(
            stdout(&out).is_empty(),
            "refused before any work: {}",
            stdout(&out)
        );
        assert_eq!(state(guarded), before, "{args:?} changed {guarded:?}");
    }
}

#[test]
fn outputs_that_are_not_a_new_or_regular_xlsx_file_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let b = branch(dir.path(), "b.xlsx", "TD-01", 1);
    let fifo = dir.path().join("pipe.xlsx");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let cases = [
        ("review", "must end in .xlsx", Some("`review.xlsx`")),
        ("review.csv", "must end in .xlsx", Some("`review.xlsx`")),
        (".", "must end in .xlsx", None),
        ("nowhere/review.xlsx", "does not exist", None),
        ("pipe.xlsx", "not a regular file", None),
    ];
    for (o, why, hint) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .current_dir(dir.path())
            .args(["check", "b.xlsx", "-o", o, "--lang", "en"])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "-o {o}");
        let err = stderr(&out);
        assert!(err.contains(why), "-o {o}: {err}");
        if let Some(h) = hint {
            assert!(err.contains(h), "-o {o}: {err}");
        }
        assert!(stdout(&out).is_empty(), "-o {o}: nothing checked first");
    }
    // A device: refused, never replaced (as root, `-o /dev/null` once replaced the node).
    let out = crossfoot(&["check", "-o", "/dev/null"], &[&b]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("must end in .xlsx"),
        "{}",
        stderr(&out)
    );
    let dev = dir.path().join("null.xlsx");
    std::os::unix::fs::symlink("/dev/null", &dev).unwrap();
    let out = crossfoot(&["check", "-o", dev.to_str().unwrap()], &[&b]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    // A folder named as the output.
    let sub = dir.path().join("out.xlsx");
    std::fs::create_dir(&sub).unwrap();
    let out = crossfoot(&["check", "-o", sub.to_str().unwrap()], &[&b]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("it is a folder"), "{}", stderr(&out));
    // An input named explicitly, and as the output: refused, the input kept, no report.
    let before = state(&b);
    let out = crossfoot(&["check", "-o", b.to_str().unwrap()], &[&b]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("one of the workbooks being checked"));
    assert_eq!(state(&b), before);
}

#[test]
fn the_review_workbook_says_where_it_went_and_is_never_checked_as_a_branch() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    branch(&subs, "a.xlsx", "TD-01", 1);
    branch(&subs, "b.xlsx", "TD-02", 2);
    let review = subs.join("review.xlsx");
    let o = review.to_str().unwrap();
    let first = crossfoot(&["check", "--format", "json", "-o", o], &[&subs]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(
        stderr(&first).contains(&format!("wrote the review workbook to {o}")),
        "{}",
        stderr(&first)
    );
    // Again, into the same folder: the earlier review is replaced, not read.
    let again = crossfoot(&["check", "--format", "json", "-o", o], &[&subs]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(json(&first)["files"], json(&again)["files"]);
    // Without -o, the review in the folder is skipped with a line, and counted.
    let plain = crossfoot(&["check", "--format", "json"], &[&subs]);
    assert_eq!(code(&plain), 0);
    let doc = json(&plain);
    let files = doc["files"].as_array().unwrap();
    let r = files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("review.xlsx"))
        .unwrap();
    assert_eq!(r["status"], "skipped");
    assert_eq!(
        r["reason"], "crossfoot-review",
        "a stable code, like unreadable files'"
    );
    assert_eq!(
        r["error"],
        "a review workbook written by crossfoot, not a submission"
    );
    assert_eq!(doc["summary"]["skipped"], 1);
    assert_eq!(doc["summary"]["checked"], 2);
    // In the pack's language (Vietnamese), the terminal says why in Vietnamese.
    let vi = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--lang", "vi"])
        .arg(&subs)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&vi.stdout);
    assert!(
        text.contains("bỏ qua: sổ kiểm tra do crossfoot ghi, không phải báo cáo của đơn vị"),
        "{text}"
    );
    assert!(!text.contains("written by crossfoot"), "{text}");
    // consolidate leaves it out too.
    let district = dir.path().join("district.xlsx");
    let out = crossfoot(&["consolidate", "-o", district.to_str().unwrap()], &[&subs]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("TH01 2 row(s)"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Every input accounted for

#[test]
fn a_mixed_folder_reports_every_file_and_passes_over_only_litter() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path();
    branch(subs, "branch-a.xlsx", "TD-01", 1);
    std::fs::write(subs.join("branch-b.csv"), "Tổng số,50\nNam,20\n").unwrap();
    std::fs::write(subs.join("branch-c.pdf"), b"%PDF-1.4\n%...\n").unwrap();
    // A .docx: a zip holding a word document.
    let mut docx = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    docx.start_file(
        "[Content_Types].xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut docx, b"<Types/>").unwrap();
    docx.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut docx, b"<w:document/>").unwrap();
    std::fs::write(
        subs.join("branch-d.docx"),
        docx.finish().unwrap().into_inner(),
    )
    .unwrap();
    std::fs::write(subs.join("~$branch-a.xlsx"), b"lock").unwrap();
    std::fs::write(subs.join(".DS_Store"), b"x").unwrap();
    std::fs::write(subs.join("Thumbs.db"), b"x").unwrap();
    // LibreOffice's lock file is a hidden file.
    std::fs::write(subs.join(".~lock.branch-a.xlsx#"), b"x").unwrap();
    let out = crossfoot(&["check", "--format", "json"], &[subs]);
    assert_eq!(code(&out), 2, "a branch sent the wrong file");
    let doc = json(&out);
    let files: Vec<(String, String)> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            (
                Path::new(p)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("branch-a.xlsx".to_string(), "checked".to_string()),
            ("branch-b.csv".into(), "unreadable".into()),
            ("branch-c.pdf".into(), "unreadable".into()),
            ("branch-d.docx".into(), "unreadable".into()),
        ]
    );
    assert_eq!(doc["summary"]["passed_over"], 4);
    let human = crossfoot(&["check"], &[subs]);
    let text = stdout(&human);
    assert!(
        text.contains("passed over: 1 lock file, 1 hidden file, 2 system files"),
        "{text}"
    );
}

/// A worker process opens, reads and tells each file itself (its bytes never cross the pipe):
/// every kind of input gives what reading it in this process (`--in-process`) gives, to the
/// byte of the JSON report.
#[test]
fn a_worker_reads_each_file_itself_with_the_outcome_of_an_in_process_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    branch(&subs, "a-clean.xlsx", "TD-01", 1);
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::copy(
        samples.join("branch-gender-split.xlsx"),
        subs.join("b-slip.xlsx"),
    )
    .unwrap();
    // An .xlsx under an .xls name: read by its content, the name said wrong.
    std::fs::copy(samples.join("branch-clean.xlsx"), subs.join("c-named.xls")).unwrap();
    std::fs::write(subs.join("d-empty.xlsx"), b"").unwrap();
    std::fs::write(subs.join("e-text.xlsx"), "Tổng số,50\nNam,20\n").unwrap();
    let clean = std::fs::read(samples.join("branch-clean.xlsx")).unwrap();
    std::fs::write(subs.join("f-cut.xlsx"), &clean[..clean.len() / 2]).unwrap();
    // A name that is not UTF-8 reaches the worker whole.
    std::fs::write(
        subs.join(std::ffi::OsStr::from_bytes(b"g-ch\xe1-b\xf4.xlsx")),
        &clean,
    )
    .unwrap();
    // crossfoot's own review workbook, put among the submissions.
    let review = dir.path().join("review.xlsx");
    let wrote = crossfoot(
        &["check", "-o", review.to_str().unwrap()],
        &[&samples.join("branch-clean.xlsx")],
    );
    assert_eq!(code(&wrote), 0, "{}", stderr(&wrote));
    std::fs::copy(&review, subs.join("h-review.xlsx")).unwrap();

    let workers = crossfoot(&["check", "--format", "json"], &[&subs]);
    let here = crossfoot(&["check", "--format", "json", "--in-process"], &[&subs]);
    assert_eq!(code(&workers), code(&here));
    assert_eq!(stdout(&workers), stdout(&here), "{}", stderr(&workers));
    // And it says what each one is (so that the two cannot agree by both reading nothing).
    let doc = json(&workers);
    let statuses: Vec<(String, String)> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            (name, f["status"].as_str().unwrap().to_string())
        })
        .collect();
    let expected = [
        ("a-clean.xlsx", "checked"),
        ("b-slip.xlsx", "checked"),
        ("c-named.xls", "checked"),
        ("d-empty.xlsx", "unreadable"),
        ("e-text.xlsx", "unreadable"),
        ("f-cut.xlsx", "unreadable"),
        ("g-ch\\xE1-b\\xF4.xlsx", "checked"),
        ("h-review.xlsx", "skipped"),
    ];
    assert_eq!(
        statuses,
        expected
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect::<Vec<_>>()
    );
    let findings: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        findings.contains(&"workbook.wrong-extension"),
        "{findings:?}"
    );
    assert!(
        findings.iter().any(|r| r.starts_with("M01")),
        "{findings:?}"
    );
}

#[test]
fn unreadable_folders_links_fifos_and_deep_folders_are_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    branch(&subs, "a.xlsx", "TD-01", 1);
    let outside = branch(dir.path(), "outside.xlsx", "TD-09", 9);
    std::os::unix::fs::symlink(&outside, subs.join("link.xlsx")).unwrap();
    let fifo = std::ffi::CString::new(subs.join("pipe.xlsx").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let mut deep = subs.join("deep");
    for i in 0..33 {
        deep.push(format!("{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    branch(&deep, "deep.xlsx", "TD-03", 3);
    let out = crossfoot(
        &["check", "--format", "json", "--read-timeout", "20"],
        &[&subs],
    );
    assert_eq!(code(&out), 2);
    let doc = json(&out);
    let reasons: Vec<String> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "unreadable")
        .map(|f| f["error"].as_str().unwrap().to_string())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("symbolic link")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("named pipe")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("nested more than 32")),
        "{reasons:?}"
    );
    assert_eq!(doc["summary"]["checked"], 1);
    // A FIFO named directly is refused without blocking, and the other file still checked.
    let out = crossfoot(
        &["check", "--format", "json"],
        &[&subs.join("pipe.xlsx"), &subs.join("a.xlsx")],
    );
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["summary"]["checked"], 1);
}

#[test]
fn an_unreadable_subfolder_is_reported() {
    // As root every folder can be read: a folder that vanishes between listing and reading
    // cannot be staged here, so an unreadable one is made by permissions when not root.
    if unsafe { libc::geteuid() } == 0 {
        // Root reads everything: what is shown instead is that a missing path is reported.
        let out = crossfoot(&["check"], &[Path::new("/nonexistent/folder")]);
        assert_eq!(code(&out), 2);
        assert!(stdout(&out).contains("no such file"), "{}", stdout(&out));
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    branch(dir.path(), "a.xlsx", "TD-01", 1);
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    branch(&locked, "b.xlsx", "TD-02", 2);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = crossfoot(&["check"], &[dir.path()]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).contains("the folder cannot be read"));
}

// ---------------------------------------------------------------------------------------------
// --previous

#[test]
fn previous_that_names_nothing_stops_before_any_checking() {
    let dir = tempfile::tempdir().unwrap();
    let a = branch(dir.path(), "a.xlsx", "TD-01", 1);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for prev in [dir.path().join("nothere"), empty] {
        let out = crossfoot(&["check", "--previous", prev.to_str().unwrap()], &[&a]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stdout(&out).is_empty(), "nothing checked: {}", stdout(&out));
        assert!(stderr(&out).contains("--previous"), "{}", stderr(&out));
    }
}

#[test]
#[ignore = "needs ../shared (the real-world corpus); CI runs it"]
fn an_unreadable_last_year_workbook_is_reported_and_its_check_said_not_done() {
    let Some(encrypted) = corpus("calamine__pass_protected.xlsx") else {
        panic!("../shared/corpus/real-world is needed for this test (an encrypted workbook)");
    };
    let dir = tempfile::tempdir().unwrap();
    let now = dir.path().join("now");
    let prev = dir.path().join("prev");
    std::fs::create_dir(&now).unwrap();
    std::fs::create_dir(&prev).unwrap();
    branch(&now, "a.xlsx", "TD-01", 1);
    std::fs::copy(&encrypted, prev.join("a-2020.xlsx")).unwrap();
    let out = crossfoot(
        &[
            "check",
            "--format",
            "json",
            "--previous",
            prev.to_str().unwrap(),
        ],
        &[&now],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["summary"]["previous_unreadable"], 1);
    assert_eq!(doc["previous"][0]["status"], "unreadable");
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"consolidation.previous-unread"),
        "{rules:?}"
    );
    let human = stdout(&crossfoot(
        &["check", "--previous", prev.to_str().unwrap()],
        &[&now],
    ));
    assert!(
        human.contains("last year's workbooks (--previous) that could not be read"),
        "{human}"
    );
}

// ---------------------------------------------------------------------------------------------
// No form matched

#[test]
fn a_workbook_that_matches_no_form_is_an_error_that_says_what_was_seen() {
    let dir = tempfile::tempdir().unwrap();
    let union = dir.path().join("union.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Members").unwrap();
    ws.write(0, 0, "Union members").unwrap();
    ws.write(2, 1, "Tổng số đảng viên").unwrap();
    ws.write(2, 2, 12).unwrap();
    wb.save(&union).unwrap();
    let out = crossfoot(&["check", "--format", "json"], &[&union]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "workbook.no-form");
    assert_eq!(f["severity"], "error");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("\"Members\""), "{m}");
    assert!(m.contains("M01"), "the closest form is named: {m}");
    let human = stdout(&crossfoot(&["check"], &[&union]));
    assert!(
        human.ends_with(
            "no file matched a form of the rule pack: nothing was checked against its rules\n"
        ),
        "{human}"
    );
}

// ---------------------------------------------------------------------------------------------
// consolidate

#[test]
fn consolidate_never_settles_a_duplicate_code_silently() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    branch(&subs, "branch-06.xlsx", "TD-06", 6);
    let old = branch(&subs, "branch-07.xlsx", "TD-07", 7);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let newer = branch(&subs, "branch-07_v2.xlsx", "TD-07", 77);
    let out_path = dir.path().join("district.xlsx");
    let o = out_path.to_str().unwrap();
    let out = crossfoot(&["consolidate", "-o", o], &[&subs]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("TD-07"), "{err}");
    assert!(
        err.contains("branch-07.xlsx") && err.contains("branch-07_v2.xlsx"),
        "{err}"
    );
    assert!(!out_path.exists(), "nothing written");
    // --prefer newest: the corrected workbook is used, the older one listed.
    let out = crossfoot(&["consolidate", "--prefer", "newest", "-o", o], &[&subs]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let bytes = std::fs::read(&out_path).unwrap();
    let wb = crossfoot::read::load::load_bytes(
        &bytes,
        "d.xlsx",
        &crossfoot::read::load::Limits::default(),
    )
    .unwrap();
    let notes: Vec<String> = wb.sheets[1]
        .cells
        .values()
        .filter_map(|c| c.text().map(str::to_string))
        .collect();
    assert!(
        notes.iter().any(|t| t.ends_with("branch-07.xlsx")),
        "the older one is listed: {notes:?}"
    );
    // --exclude: the same, chosen by name.
    std::fs::remove_file(&out_path).unwrap();
    let out = crossfoot(
        &["consolidate", "--exclude", old.to_str().unwrap(), "-o", o],
        &[&subs],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("TH01 2 row(s)"), "{}", stderr(&out));
    let _ = newer;
}

#[test]
fn the_districts_own_workbook_is_no_branch_row() {
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    branch(&subs, "branch-01.xlsx", "TD-01", 1);
    branch(&subs, "branch-02.xlsx", "TD-02", 2);
    branch(&subs, "district-own.xlsx", "TD", 3);
    let out_path = dir.path().join("district.xlsx");
    let out = crossfoot(&["consolidate", "-o", out_path.to_str().unwrap()], &[&subs]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("TH01 2 row(s)"), "{}", stderr(&out));
    // Checked together, the district's own workbook needs no row.
    let check = crossfoot(&["check", "--format", "json"], &[&subs, &out_path]);
    let doc = json(&check);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        !rules.contains(&"consolidation.unit-without-row"),
        "{rules:?}"
    );
}

#[test]
#[ignore = "needs ../shared (the real-world corpus); CI runs it"]
fn consolidate_reads_through_the_guarded_workers() {
    let Some(hostile) = corpus("pss__oleloop.xls") else {
        panic!("../shared/corpus/real-world is needed for this test (a hostile workbook)");
    };
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).unwrap();
    branch(&subs, "branch-01.xlsx", "TD-01", 1);
    std::fs::copy(&hostile, subs.join("branch-02.xls")).unwrap();
    let out_path = dir.path().join("district.xlsx");
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args([
            "consolidate",
            "--lang",
            "en",
            "--max-reader-mb",
            "1024",
            "-o",
        ])
        .arg(&out_path)
        .arg(&subs)
        .output()
        .unwrap();
    // Written, and exit 2: an input is not in the summary.
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 input(s) are not in the summary"),
        "{}",
        stderr(&out)
    );
    let bytes = std::fs::read(&out_path).unwrap();
    let wb = crossfoot::read::load::load_bytes(
        &bytes,
        "d.xlsx",
        &crossfoot::read::load::Limits::default(),
    )
    .unwrap();
    let notes: Vec<String> = wb.sheets[1]
        .cells
        .values()
        .filter_map(|c| c.text().map(str::to_string))
        .collect();
    // Left out (listed on the notes sheet), the other branch consolidated.
    assert!(
        notes.iter().any(|t| t.ends_with("branch-02.xls")),
        "the hostile file is listed: {notes:?}"
    );
    assert!(stderr(&out).contains("TH01 1 row(s)"), "{}", stderr(&out));
}
