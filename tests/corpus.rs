//! crossfoot on real workbooks made by other programs, and on broken ones
//! (`../shared/corpus/real-world`, when present): every file is either checked or reported
//! unreadable with a reason, agreeing with the corpus's EXPECT.tsv, and nothing panics.
//! The two `hostile` files (which make the reader allocate until the machine runs out of
//! memory) are read through the binary, whose reader runs in a memory-capped worker process.

use crossfoot::check::Status;
use crossfoot::rules;
use crossfoot::run::{InProcess, Input, Options, Run};
use std::path::{Path, PathBuf};

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-world");
    dir.join("EXPECT.tsv").exists().then_some(dir)
}

#[test]
#[ignore = "needs ../shared (the real-world corpus); CI runs it"]
fn real_world_corpus() {
    let Some(dir) = corpus_dir() else {
        panic!("../shared/corpus/real-world (with EXPECT.tsv) is needed for this test");
    };
    let expect = std::fs::read_to_string(dir.join("EXPECT.tsv")).unwrap();
    let pack = rules::compile(&rules::builtin_sources()).unwrap();
    let mut rows = Vec::new();
    let mut skipped_hostile = Vec::new();
    for line in expect.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, expected) = (cols[0], cols[2]);
        if expected == "hostile" {
            skipped_hostile.push(file.to_string());
            continue;
        }
        rows.push((file.to_string(), expected.to_string()));
    }
    let inputs: Vec<Input> = rows
        .iter()
        .map(|(f, _)| Input {
            shown: f.clone(),
            ..Input::file(dir.join(f))
        })
        .collect();
    let results = Run::new(&pack, Options::default(), &InProcess).check_all(&inputs, None);
    let mut mismatches = Vec::new();
    let (mut checked, mut unreadable) = (0, 0);
    for (file, expected) in &rows {
        let r = results
            .iter()
            .find(|r| &r.path == file)
            .expect("every input has a result");
        match (&r.status, expected.as_str()) {
            (Status::Checked, "readable") => checked += 1,
            (Status::Unreadable(u), "broken" | "encrypted") => {
                unreadable += 1;
                assert!(
                    !u.reason.trim().is_empty() && !u.hint.trim().is_empty(),
                    "{file}: an unreadable file needs a reason and a hint"
                );
                if expected == "encrypted"
                    && u.kind != crossfoot::read::sniff::UnreadableKind::Encrypted
                {
                    mismatches.push(format!(
                        "{file}: encrypted, reported as {:?}: {}",
                        u.kind, u.reason
                    ));
                }
            }
            (Status::Checked, other) => {
                mismatches.push(format!("{file}: expected {other}, but it was checked"))
            }
            (Status::Unreadable(u), other) => mismatches.push(format!(
                "{file}: expected {other}, reported unreadable: {}",
                u.reason
            )),
            (Status::Skipped(why), other) => {
                mismatches.push(format!("{file}: expected {other}, skipped: {why:?}"))
            }
        }
    }
    // The hostile files go through the binary, which reads every file in a worker process
    // under a memory limit (in-process, one of them would take the whole test run down).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["check", "--format", "json", "--max-reader-mb", "1024"])
        .args(skipped_hostile.iter().map(|f| dir.join(f)))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in doc["files"].as_array().unwrap() {
        if f["status"] != "unreadable" || f["error"].as_str().unwrap_or("").is_empty() {
            mismatches.push(format!("hostile {}: {f}", f["path"]));
        } else {
            unreadable += 1;
        }
    }
    eprintln!(
        "real-world corpus: {} files covered ({checked} checked, {unreadable} unreadable, of which {} hostile, read through the guarded binary)",
        rows.len() + skipped_hostile.len(),
        skipped_hostile.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} disagreements with EXPECT.tsv:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// `check --discover` on the real-world corpus (none of it party forms): how many rows are
/// labelled as a total with typed figures, and how many typed totals are said not to add up.
/// Printed for the benchmark's budget (at most one false alarm per 50 workbooks); each finding
/// printed is to be read by hand.
#[test]
#[ignore = "needs ../shared (the real-world corpus)"]
fn discover_on_the_real_world_corpus() {
    let Some(dir) = corpus_dir() else {
        panic!("../shared/corpus/real-world (with EXPECT.tsv) is needed for this test");
    };
    let pack = rules::compile(&rules::builtin_sources()).unwrap();
    let expect = std::fs::read_to_string(dir.join("EXPECT.tsv")).unwrap();
    let limits = crossfoot::read::load::Limits::default();
    let (mut workbooks, mut rows, mut headings, mut shares, mut sums, mut findings) =
        (0, 0, 0, 0, 0, Vec::new());
    let mut outlined = 0;
    for line in expect.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(2) != Some(&"readable") {
            continue;
        }
        let Ok(bytes) = std::fs::read(dir.join(cols[0])) else {
            continue;
        };
        let Ok(wb) = crossfoot::read::load::load_bytes(&bytes, cols[0], &limits) else {
            continue;
        };
        workbooks += 1;
        rows += crossfoot::check::discover::total_rows(&wb, &pack);
        headings += crossfoot::check::discover::heading_rows(&wb, &pack);
        let o = crossfoot::check::discover::outline_headings(&wb, &pack);
        outlined += o.indent + o.spaces + o.bold;
        shares += crossfoot::check::discover::percent_columns(&wb, &pack);
        let skip = std::collections::BTreeSet::new();
        findings.extend(crossfoot::check::discover::discover(
            &wb, cols[0], &pack, &skip,
        ));
        // Read with its formulas (a full read): the SUMs leaving out a member of their block.
        sums += crossfoot::check::discover::sum_formulas(&wb);
        findings.extend(crossfoot::check::discover::sum_omissions(
            &wb, cols[0], &pack, &skip,
        ));
    }
    for f in &findings {
        println!("{} {:?}: {}", f.file, f.sheet, f.message);
    }
    println!(
        "discover: {workbooks} workbooks, {rows} total rows with typed figures, {headings} numbered headings with typed figures, {outlined} headings set apart by indentation or bold with typed figures, {shares} percentage columns with a base (a row at 100 %, or the count most of them are shares of), {sums} sums of cells of their own column or row (a SUM of ranges and cells, or cells joined by +), {} finding(s)",
        findings.len()
    );
    assert!(
        workbooks >= 250,
        "the corpus was not read: {workbooks} workbooks"
    );
    // The budget: at most one false alarm per 50 workbooks (none of them holds a planted slip).
    assert!(
        findings.len() * 50 <= workbooks,
        "{} finding(s) on {workbooks} workbooks",
        findings.len()
    );
}
