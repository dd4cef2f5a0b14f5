//! Never crash, never lose a figure: hostile and oversized inputs are reported as unreadable
//! and the run goes on with bounded memory; inputs are never modified.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn crossfoot(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        // These tests read crossfoot's English prose.
        .args(["--lang", "en"])
        .args(paths)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Peak resident memory, in MB, of the largest process this test binary has waited for
/// (crossfoot and, through it, its reader workers).
fn peak_children_mb() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage with a valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    (usage.ru_maxrss as u64) / 1024
}

fn json_files(out: &Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    doc["files"].as_array().unwrap().clone()
}

fn status_of<'a>(files: &'a [serde_json::Value], suffix: &str) -> &'a serde_json::Value {
    files
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no {suffix}"))
}

/// A workbook whose one sheet claims the whole grid (A1 and XFD1048576 filled): a reader that
/// builds a dense grid would need terabytes.
fn whole_grid_workbook(dir: &Path) -> PathBuf {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "Tổng số").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let path = dir.join("whole-grid.xlsx");
    wb.save(&path).unwrap();
    path
}

#[test]
fn a_sheet_claiming_the_whole_grid_is_too_large_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = whole_grid_workbook(dir.path());
    let clean = Path::new("samples/branch-clean.xlsx");
    let out = crossfoot(
        &["check", "--format", "json", "--max-reader-mb", "1024"],
        &[&bomb, clean],
    );
    assert_eq!(out.status.code(), Some(2), "an unreadable input: exit 2");
    let files = json_files(&out);
    let b = status_of(&files, "whole-grid.xlsx");
    assert_eq!(b["status"], "unreadable");
    assert!(
        b["error"]
            .as_str()
            .unwrap()
            .contains("too large to check safely"),
        "{b}"
    );
    assert_eq!(
        status_of(&files, "branch-clean.xlsx")["status"],
        "checked",
        "the other file is still checked"
    );
    let peak = peak_children_mb();
    eprintln!("peak memory of crossfoot and its reader workers: {peak} MB");
    assert!(
        peak < 1536,
        "peak memory {peak} MB: the reader limit (1024 MB) must hold"
    );
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MB of cells that compress to almost nothing.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let text = " ".repeat(30_000);
    for r in 0..2_200u32 {
        ws.write_string(r, 0, format!("{r}{text}")).unwrap();
    }
    let bomb = dir.path().join("bomb.xlsx");
    wb.save(&bomb).unwrap();
    assert!(std::fs::metadata(&bomb).unwrap().len() < 2_000_000);
    let out = crossfoot(
        &["check", "--format", "json", "--max-unzipped-mb", "16"],
        &[&bomb],
    );
    let files = json_files(&out);
    let f = status_of(&files, "bomb.xlsx");
    assert_eq!(f["status"], "unreadable");
    assert!(f["error"].as_str().unwrap().contains("unpacks to"), "{f}");
}

#[test]
#[ignore = "needs ../shared (the real-world corpus); CI runs it"]
fn hostile_corpus_files_are_reported_not_fatal() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-world");
    let hostile = [
        "edr__Test_git_issue_382_oom.xls",
        "pss__oleloop.xls",
        "edr__Test_Issue_12556_corrupt.xls",
        "calamine__issue_594_dos.ods",
    ];
    let paths: Vec<PathBuf> = hostile
        .iter()
        .map(|h| dir.join(h))
        .filter(|p| p.exists())
        .collect();
    assert_eq!(
        paths.len(),
        hostile.len(),
        "../shared/corpus/real-world (with its hostile files) is needed for this test"
    );
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let out = crossfoot(
        &[
            "check",
            "--format",
            "json",
            "--max-reader-mb",
            "1024",
            "--read-timeout",
            "60",
        ],
        &refs,
    );
    assert_eq!(out.status.code(), Some(2));
    for f in json_files(&out) {
        assert_eq!(f["status"], "unreadable", "{f}");
        assert!(!f["error"].as_str().unwrap().is_empty());
    }
    let peak = peak_children_mb();
    assert!(peak < 1536, "peak memory {peak} MB");
}

#[test]
fn inputs_are_never_modified() {
    let dir = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    for f in [
        "branch-gender-split.xlsx",
        "branch-clean.xlsx",
        "reference-2021.xlsx",
    ] {
        let to = dir.path().join(f);
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples")
                .join(f),
            &to,
        )
        .unwrap();
        copies.push(to);
    }
    let before: Vec<(Vec<u8>, std::time::SystemTime)> = copies
        .iter()
        .map(|p| {
            (
                std::fs::read(p).unwrap(),
                std::fs::metadata(p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    let review = dir.path().join("review.xlsx");
    let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .arg("check")
        .arg(dir.path())
        .arg("-o")
        .arg(&review)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // The output path is refused when it is an input; nothing is written over it.
    let out2 = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .arg("check")
        .arg(&copies[0])
        .arg("-o")
        .arg(&copies[0])
        .output()
        .unwrap();
    assert_eq!(
        out2.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out2.stderr)
    );
    let after: Vec<(Vec<u8>, std::time::SystemTime)> = copies
        .iter()
        .map(|p| {
            (
                std::fs::read(p).unwrap(),
                std::fs::metadata(p).unwrap().modified().unwrap(),
            )
        })
        .collect();
    assert!(
        before == after,
        "inputs unchanged, bytes and modification times"
    );
    // A rerun over the same folder does not take the review workbook for a submission.
    let out3 = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--format", "json"])
        .arg(dir.path())
        .arg("-o")
        .arg(&review)
        .output()
        .unwrap();
    assert_eq!(json_files(&out3).len(), 3);
}

#[test]
fn review_workbook_is_byte_identical_whatever_the_order_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    let s = |f: &str| PathBuf::from("samples").join(f);
    let o1 = crossfoot(
        &["check", "-j", "1", "-o", a.to_str().unwrap()],
        &[
            &s("branch-ratings.xlsx"),
            &s("reference-2021.xlsx"),
            &s("branch-clean.xlsx"),
        ],
    );
    let o2 = crossfoot(
        &["check", "-j", "2", "-o", b.to_str().unwrap()],
        &[
            &s("branch-clean.xlsx"),
            &s("reference-2021.xlsx"),
            &s("branch-ratings.xlsx"),
        ],
    );
    assert_eq!(o1.stdout, o2.stdout);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "byte-identical review workbooks"
    );
}
