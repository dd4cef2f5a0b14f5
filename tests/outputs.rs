//! An output replaces only what crossfoot wrote (issue 21, point 1): `-o`, `consolidate -o` and
//! every file `--mark` writes leave any other file exactly as it was (bytes and modification
//! time), unless `--force`, which says what it replaced; two outputs of one run never share a
//! path; cleaning up temporary files never touches a file the run reads.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

fn crossfoot(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("crossfoot runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A folder with `branch-ratings.xlsx` (a sample with findings) copied in.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let branch = dir.path().join("branch-ratings.xlsx");
    std::fs::copy(sample("branch-ratings.xlsx"), &branch).expect("copy");
    (dir, branch)
}

/// A file that is not crossfoot's, an hour old: its bytes and modification time.
fn precious(path: &Path) -> (Vec<u8>, SystemTime) {
    std::fs::write(path, b"PK last year's district summary, by hand").expect("write");
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    f.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .expect("mtime");
    drop(f);
    state(path)
}

fn state(path: &Path) -> (Vec<u8>, SystemTime) {
    let bytes = std::fs::read(path).expect("read");
    let t = std::fs::metadata(path)
        .expect("meta")
        .modified()
        .expect("mtime");
    (bytes, t)
}

fn mark_of(path: &Path) -> Option<String> {
    crossfoot::read::sniff::crossfoot_output(&std::fs::read(path).ok()?)
}

#[test]
fn check_o_refuses_an_existing_file_crossfoot_did_not_write() {
    let (dir, _) = workspace();
    let out = dir.path().join("precious.xlsx");
    let before = precious(&out);
    let o = crossfoot(
        dir.path(),
        &["check", "branch-ratings.xlsx", "-o", "precious.xlsx"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("precious.xlsx"), "{err}");
    assert!(err.contains("--force"), "the way out is named: {err}");
    assert!(o.stdout.is_empty(), "refused before any work");
    assert_eq!(state(&out), before, "bytes and modification time unchanged");

    // A read-only file (e.g. another user's) is refused the same way.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("readonly.xlsx");
        let before = precious(&ro);
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let o = crossfoot(
            dir.path(),
            &["check", "branch-ratings.xlsx", "-o", "readonly.xlsx"],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(state(&ro), before);
    }
}

#[test]
fn check_o_replaces_its_own_review_and_force_says_what_it_replaced() {
    let (dir, _) = workspace();
    let args = ["check", "branch-ratings.xlsx", "-o", "review.xlsx"];
    let first = crossfoot(dir.path(), &args);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let out = dir.path().join("review.xlsx");
    assert_eq!(mark_of(&out).as_deref(), Some("review"));
    // An earlier review workbook is replaced without a word about replacing.
    let again = crossfoot(dir.path(), &args);
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(!stderr(&again).contains("--force"), "{}", stderr(&again));

    // Another kind of crossfoot workbook (a summary) is not a review workbook.
    let o = crossfoot(
        dir.path(),
        &["consolidate", "branch-ratings.xlsx", "-o", "district.xlsx"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary = dir.path().join("district.xlsx");
    let before = state(&summary);
    let o = crossfoot(
        dir.path(),
        &[
            "check",
            "branch-ratings.xlsx",
            "-o",
            "district.xlsx",
            "--lang",
            "en",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("a summary crossfoot wrote"),
        "{}",
        stderr(&o)
    );
    assert_eq!(state(&summary), before);

    // --force replaces it, and says so.
    let other = dir.path().join("precious.xlsx");
    precious(&other);
    let o = crossfoot(
        dir.path(),
        &[
            "check",
            "branch-ratings.xlsx",
            "-o",
            "precious.xlsx",
            "--force",
            "--lang",
            "en",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("replaced precious.xlsx, a file crossfoot had not written"),
        "{}",
        stderr(&o)
    );
    assert_eq!(mark_of(&other).as_deref(), Some("review"));
}

#[test]
fn force_never_writes_over_an_input() {
    let (dir, branch) = workspace();
    let before = state(&branch);
    let o = crossfoot(
        dir.path(),
        &[
            "check",
            "branch-ratings.xlsx",
            "-o",
            "branch-ratings.xlsx",
            "--force",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(state(&branch), before);
}

#[test]
fn consolidate_o_refuses_an_existing_file_crossfoot_did_not_write() {
    let (dir, _) = workspace();
    let out = dir.path().join("district-2020.xlsx");
    let before = precious(&out);
    let o = crossfoot(
        dir.path(),
        &[
            "consolidate",
            "branch-ratings.xlsx",
            "-o",
            "district-2020.xlsx",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(state(&out), before);
    // An earlier summary is replaced.
    std::fs::remove_file(&out).expect("rm");
    for _ in 0..2 {
        let o = crossfoot(
            dir.path(),
            &[
                "consolidate",
                "branch-ratings.xlsx",
                "-o",
                "district-2020.xlsx",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert_eq!(mark_of(&out).as_deref(), Some("summary"));
}

#[test]
fn mark_leaves_a_file_it_did_not_write_in_its_folder() {
    let (dir, _) = workspace();
    let mk = dir.path().join("mk");
    std::fs::create_dir(&mk).expect("mk");
    let copy = mk.join("branch-ratings.kiem-tra.xlsx");
    let before = precious(&copy);
    let o = crossfoot(
        dir.path(),
        &[
            "check",
            "branch-ratings.xlsx",
            "--mark",
            "mk",
            "--lang",
            "vi",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "an output not written: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(state(&copy), before);
    let left: Vec<String> = std::fs::read_dir(&mk)
        .expect("mk")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        ["branch-ratings.kiem-tra.xlsx"],
        "no temporary file left"
    );

    // An earlier marked copy is replaced; --force replaces anything and says so.
    let o = crossfoot(
        dir.path(),
        &[
            "check",
            "branch-ratings.xlsx",
            "--mark",
            "mk",
            "--lang",
            "vi",
            "--force",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--force"),
        "what was replaced is said: {}",
        stderr(&o)
    );
    assert_eq!(mark_of(&copy).as_deref(), Some("marked"));
    let o = crossfoot(
        dir.path(),
        &[
            "check",
            "branch-ratings.xlsx",
            "--mark",
            "mk",
            "--lang",
            "vi",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn a_marked_copy_never_replaces_the_review_workbook_of_the_same_run() {
    let (dir, _) = workspace();
    std::fs::create_dir(dir.path().join("mk")).expect("mk");
    for force in [false, true] {
        let mut args = vec![
            "check",
            "branch-ratings.xlsx",
            "--mark",
            "mk",
            "-o",
            "mk/branch-ratings.kiem-tra.xlsx",
            "--lang",
            "vi",
        ];
        if force {
            args.push("--force");
        }
        let o = crossfoot(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "force {force}: {}", stderr(&o));
        let review = dir.path().join("mk/branch-ratings.kiem-tra.xlsx");
        assert_eq!(mark_of(&review).as_deref(), Some("review"), "force {force}");
        let err = stderr(&o);
        assert!(
            !err.contains("đã ghi bản đánh dấu") && !err.contains("bản kiểm tra"),
            "no line claims a marked copy was written: {err}"
        );
    }
}

#[test]
fn inputs_named_like_temporary_files_are_never_removed() {
    let (dir, branch) = workspace();
    let names = [
        ".review.xlsx.999998.0.tmp",
        ".review.xlsx.crossfoot-tmp.999999.0",
    ];
    for n in names {
        let p = dir.path().join(n);
        std::fs::copy(&branch, &p).expect("copy");
        let f = std::fs::File::options().write(true).open(&p).expect("open");
        f.set_modified(SystemTime::now() - Duration::from_secs(3600))
            .expect("mtime");
    }
    let o = crossfoot(
        dir.path(),
        &["check", names[0], names[1], "-o", "review.xlsx"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for n in names {
        assert!(
            dir.path().join(n).exists(),
            "{n} was removed: {}",
            stderr(&o)
        );
    }
}
