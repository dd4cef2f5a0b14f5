//! Every input that made a fuzz target crash, hang or break a property, kept as a test.
//!
//! The inputs are in `tests/fixtures/fuzz/<target>/`; each is replayed by the very code the fuzz
//! target runs (`fuzz/src/harness.rs`, included below), so `cargo test` needs neither
//! cargo-fuzz nor a nightly compiler. A stack overflow aborts a process and a hang never ends, so
//! each input is replayed in a child process (this test binary again, running
//! [`replay_child`]) with a time limit: a crash or a hang is an ordinary test failure that names
//! the input.
//!
//! Every input here once crashed, hung or misled crossfoot; all are fixed and run in the suite.

#[path = "../fuzz/src/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
const REPLAY_VAR: &str = "CROSSFOOT_FUZZ_REPLAY";

/// Stack of the thread a rule file is compiled on by `crossfoot check` (the main thread).
const MAIN_STACK: usize = 8 << 20;

/// Runs one target's harness on one input, as the fuzz target does.
fn run_target(target: &str, data: &[u8]) {
    match target {
        "number" => harness::number(data),
        "rules" => harness::on_stack(MAIN_STACK, || harness::rules(data)),
        "rules_expr" => harness::on_stack(MAIN_STACK, || harness::rules_expr(data)),
        "formula" => harness::formula(data),
        "workbook" => harness::workbook(data),
        other => panic!("no fuzz target `{other}`"),
    }
}

/// The child side of [`replay`]: does nothing unless asked to replay an input.
#[test]
fn replay_child() {
    let Ok(spec) = std::env::var(REPLAY_VAR) else {
        return;
    };
    let (target, path) = spec.split_once(':').expect("target:path");
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    harness::let_reader_panics_unwind();
    run_target(target, &data);
}

/// Replays `tests/fixtures/fuzz/<fixture>` (its folder names the target) in a child process;
/// Err says how it went wrong: a panic, a crash (signal) or a hang.
fn replay(fixture: &str, limit: Duration) -> Result<(), String> {
    let path = Path::new(FIXTURES).join(fixture);
    assert!(path.is_file(), "no fixture {}", path.display());
    let target = fixture.split('/').next().unwrap_or_default();
    let log = tempfile::NamedTempFile::new().expect("a temporary file");
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            &crate::common::test_name(module_path!(), "replay_child"),
            "--nocapture",
        ])
        .arg("--test-threads=1")
        .env(REPLAY_VAR, format!("{target}:{}", path.display()))
        .env_remove("CROSSFOOT_FUZZ_ALLOW_NONFINITE")
        .stdin(Stdio::null())
        .stdout(log.reopen().expect("the log"))
        .stderr(log.reopen().expect("the log"))
        .spawn()
        .expect("the test binary runs");
    let Some(status) = wait_or_kill(&mut child, limit) else {
        return Err(format!(
            "{fixture}: still running after {} s (a hang)",
            limit.as_secs()
        ));
    };
    let out = std::fs::read_to_string(log.path()).unwrap_or_default();
    if status.success() {
        // A filter that names no test also succeeds: the child must have run the replay.
        return if out.contains("1 passed") {
            Ok(())
        } else {
            Err(format!("{fixture}: the child ran no replay:\n{out}"))
        };
    }
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(12)..].join("\n");
    Err(format!("{fixture}: {status}\n{tail}"))
}

/// Waits for `child` up to `limit`: its exit status, or None when it was still running (it is
/// then killed and reaped).
fn wait_or_kill(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[track_caller]
fn assert_replays(fixtures: &[&str]) {
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|f| replay(f, Duration::from_secs(10)).err())
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// `crossfoot` on `args`, with a time limit: (exit code, stdout, stderr), or Err for a hang or a
/// crash.
fn crossfoot(args: &[&str], limit: Duration) -> Result<(i32, String, String), String> {
    let out = tempfile::NamedTempFile::new().expect("a temporary file");
    let err = tempfile::NamedTempFile::new().expect("a temporary file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.reopen().expect("stdout"))
        .stderr(err.reopen().expect("stderr"))
        .spawn()
        .expect("crossfoot runs");
    let Some(status) = wait_or_kill(&mut child, limit) else {
        return Err(format!(
            "crossfoot {args:?}: still running after {} s (a hang)",
            limit.as_secs()
        ));
    };
    let stdout = std::fs::read_to_string(out.path()).unwrap_or_default();
    let stderr = std::fs::read_to_string(err.path()).unwrap_or_default();
    match status.code() {
        Some(code) => Ok((code, stdout, stderr)),
        None => Err(format!(
            "crossfoot {args:?}: killed by a signal ({status}): {}",
            stderr.lines().last().unwrap_or("")
        )),
    }
}

fn fixture(rel: &str) -> String {
    format!("tests/fixtures/fuzz/{rel}")
}

// ---------------------------------------------------------------------------------------------
// Rule files and check expressions.

/// Expressions nested thousands deep. The parser (`rules::expr`, recursive descent) and the
/// compiler (`rules::lower`, recursive over the tree; a chain `1 + 1 + …` is parsed in a loop
/// but is a tree as deep as it is long) recurse once or more per level: about 5,000 levels
/// overflow the 8 MB main thread of the release binary and abort the process (SIGABRT), some
/// 250 levels overflow a 2 MB thread in a debug build.
#[test]
fn deeply_nested_expressions_are_refused_not_a_stack_overflow() {
    assert_replays(&[
        "rules_expr/deep-parens.txt",
        "rules_expr/deep-chain.txt",
        "rules_expr/deep-minus.txt",
    ]);
}

/// The same through the command line: a rule-file mistake (exit 2), never a crash.
#[test]
fn a_deeply_nested_rule_expression_is_a_rule_file_error() {
    let (code, _, stderr) = crossfoot(
        &[
            "check",
            "--no-default-rules",
            "--rules",
            &fixture("rules/deep-parens.toml"),
            "samples/branch-clean.xlsx",
        ],
        Duration::from_secs(60),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("deep-parens.toml"), "{stderr}");
}

/// A number too large for an `f64` in an expression is read as infinity, and every comparison
/// with infinity holds (the tolerance, 1e-9 × the larger side, is infinite too): the check
/// `total == 1000…0` (400 zeros) passes silently instead of being refused or failing.
#[test]
fn a_number_too_large_is_refused_in_a_rule_file() {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("rules_expr/huge-literal.txt"))
        .expect("fixture");
    let sources = harness::expr_sources(text.as_bytes());
    match crossfoot::rules::compile(&sources) {
        Err(errors) => {
            let shown: String = errors.iter().map(|e| harness::render(e)).collect();
            assert!(shown.contains("f.toml"), "{shown}");
        }
        Ok(pack) => {
            let (_, findings, _) =
                crossfoot::check::check_workbook(&harness::small_workbook(), "f.xlsx", &pack);
            assert!(
                findings.iter().any(|f| f.rule == "fuzz"),
                "`total == 1e400` holds: {findings:?}"
            );
        }
    }
}

/// A figure of 1e300 (a percentage cell here; any figure a check reads) gives a finding whose
/// found value and difference are infinite: `text::round_half_away(v, 10)` computes `v × 10¹⁰`,
/// which overflows to infinity for |v| > 1.8e298. The JSON report then says `null` and the
/// message `inf`.
#[test]
fn findings_never_carry_infinite_figures() {
    assert_replays(&["rules_expr/pct-1e300.txt"]);
}

// ---------------------------------------------------------------------------------------------
// Formulas without a stored value (computed by `formula::evaluate`).

/// Formulas whose evaluation doubles at every reference. The evaluator follows references
/// recursively without remembering a cell it has already computed, and without noticing a
/// cell it is computing (a circular reference): `C1 = SUM(C1:C2)`, `C2 = SUM(C1:C2)` is computed
/// 2³² times before the depth limit (32) stops it (references in a function's arguments that
/// fail are skipped, so both branches always run); a chain of 30 cells `Cn = Cn+1 + Cn+1` is
/// computed 2³⁰ times. The third input is libFuzzer's own (24 bytes: an unknown function over
/// a range that holds itself). Each hangs `crossfoot check` for hours.
#[test]
fn formula_evaluation_is_not_exponential() {
    assert_replays(&[
        "formula/cycle-through-ranges.txt",
        "formula/exponential-chain.txt",
        "formula/fuzz-timeout-unknown-function.txt",
    ]);
}

/// A formula nested 10,000 parentheses (or minus signs) deep overflows the evaluator's
/// recursion (`P::expr → term → unary → primary → expr`) on the 2 MB stack of a rayon worker.
#[test]
fn formula_nesting_is_bounded() {
    assert_replays(&["formula/deep-parens.txt", "formula/deep-minus.txt"]);
}

/// The two formula bugs from a real file: the bundled sample `branch-formulas-nocache.xlsx`
/// with one formula (M01, C7) nested 20,000 parentheses deep (10.9 KB), and with C7 = AA7 and
/// a chain AA7 = AB7+AB7+AB7+AB7, … of 20 cells (4¹⁹ evaluations). The reader is fine (it
/// keeps the formula text); the checker, in the main process, crashes the whole run (every
/// other file's result is lost) or never ends.
#[test]
fn workbooks_with_hostile_formulas_are_checked() {
    assert_replays(&[
        "workbook/deep-formula-parens.xlsx",
        "workbook/exponential-formulas.xlsx",
    ]);
    for f in ["deep-formula-parens.xlsx", "exponential-formulas.xlsx"] {
        let (code, stdout, stderr) = crossfoot(
            &[
                "check",
                &fixture(&format!("workbook/{f}")),
                "samples/branch-clean.xlsx",
            ],
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(code == 0 || code == 1, "{f}: exit {code}: {stderr}");
        assert!(stdout.contains("branch-clean.xlsx"), "{stdout}");
    }
}

// ---------------------------------------------------------------------------------------------
// Known and contained.

/// libFuzzer's out-of-memory input for the `workbook` target (5.6 KB `.xls`): calamine's
/// `Xls::new` reserves cells for the sheet's DIMENSIONS record (rows × columns) before reading
/// them, a single 1.8 GB allocation here, which libFuzzer's `-malloc_limit_mb=1024` reports. It
/// is calamine's, not crossfoot's: the allocation is only reserved (never touched) and the file
/// is then refused as damaged; under `crossfoot check` a reader that really runs out of memory
/// is a worker process under an address-space limit. This test keeps it that way.
#[test]
fn a_file_that_makes_calamine_reserve_gigabytes_is_reported_unreadable() {
    assert_replays(&["workbook/calamine-xls-dimensions-oom.xls"]);
    let (code, stdout, stderr) = crossfoot(
        &[
            "check",
            "--format",
            "json",
            &fixture("workbook/calamine-xls-dimensions-oom.xls"),
        ],
        Duration::from_secs(60),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("\"unreadable\""), "{stdout}");
}

/// The `workbook` target's second out-of-memory input (14 KB `.xls`): calamine's `Xls::new`
/// builds every sheet's dense grid (`Range::from_sparse`, `vec![Data::Empty; rows × columns]`)
/// from the cells' positions while opening the file, 137 GB here, before crossfoot can apply
/// its cell limit. In-process this aborts (an allocation failure cannot be caught), so it is
/// not replayed here; `crossfoot check` reads it in a worker process under an address-space
/// limit and reports it as too large to check safely.
#[test]
fn a_file_that_makes_calamine_build_a_huge_grid_is_too_large_to_check() {
    let (code, stdout, stderr) = crossfoot(
        &[
            "check",
            "--format",
            "json",
            "--lang",
            "en",
            &fixture("workbook/calamine-xls-sparse-range-oom.xls"),
            "samples/branch-clean.xlsx",
        ],
        Duration::from_secs(120),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.contains("too large to check safely"), "{stdout}");
    assert!(stdout.contains("\"reason\": \"too-large\""), "{stdout}");
    assert!(
        stdout.contains("\"checked\""),
        "the other file is still checked: {stdout}"
    );
}

/// Every input kept under `tests/fixtures/fuzz/` is replayed by a test above.
#[test]
fn every_fixture_is_replayed_by_a_test() {
    let this = include_str!("fuzz_regressions.rs");
    let mut missing = Vec::new();
    for dir in std::fs::read_dir(FIXTURES).expect("fixtures").flatten() {
        for f in std::fs::read_dir(dir.path()).expect("a folder").flatten() {
            let rel = format!(
                "{}/{}",
                dir.file_name().to_string_lossy(),
                f.file_name().to_string_lossy()
            );
            if !this.contains(&format!("\"{rel}\"")) {
                missing.push(rel);
            }
        }
    }
    assert!(missing.is_empty(), "fixtures no test replays: {missing:?}");
}

// ---------------------------------------------------------------------------------------------
// The harness itself.

/// The `rules_expr` target appends its input to a valid form: that form must compile and be
/// found in the harness's workbook, or the target would only ever exercise error paths.
#[test]
fn the_rules_expr_prefix_compiles_and_its_forms_are_found() {
    let sources = harness::expr_sources(b"sum(part.*) == total\x01total > 0");
    let pack = crossfoot::rules::compile(&sources).unwrap_or_else(|e| {
        let shown: String = e.iter().map(|e| harness::render(e)).collect();
        panic!("{shown}\n{}", sources[1].text)
    });
    let (forms, findings, unit) =
        crossfoot::check::check_workbook(&harness::small_workbook(), "f.xlsx", &pack);
    let ids: Vec<&str> = forms.iter().map(|f| f.form.as_str()).collect();
    assert_eq!(ids, ["T1", "T2"], "{findings:#?}");
    assert_eq!(unit.code.as_deref(), Some("FZ-01"));
    // Values of every kind were read: the harness's bad cells are findings.
    for rule in [
        "value.not-a-number",
        "value.negative",
        "value.not-whole",
        "value.error",
    ] {
        assert!(
            findings.iter().any(|f| f.rule == rule),
            "no {rule}: {findings:#?}"
        );
    }
    assert!(findings.iter().any(|f| f.rule == "fuzz"), "{findings:#?}");
}

/// TOML escaping in the `rules_expr` target: any text comes back as the same string.
#[test]
fn the_harness_escapes_toml_strings() {
    for s in [
        "",
        "a\"b",
        "back\\slash",
        "tab\tnl\nnul\0del\u{7f}",
        "tổng ÷ 2",
        "'''\"\"\"",
    ] {
        let doc = format!("v = {}", harness::toml_string(s));
        let v: toml::Value = toml::from_str(&doc).unwrap_or_else(|e| panic!("{doc:?}: {e}"));
        assert_eq!(v["v"].as_str(), Some(s), "{doc:?}");
    }
}

/// The seed inputs of every target (`fuzz/seeds/`) replay cleanly in-process: the harness works
/// without cargo-fuzz.
#[test]
fn the_seed_inputs_replay_cleanly() {
    harness::let_reader_panics_unwind();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut n = 0;
    for target in ["number", "rules", "rules_expr", "formula", "workbook"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(seeds.join(target))
            .unwrap_or_else(|e| panic!("{target}: {e}"))
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).expect("a seed");
            run_target(target, &data);
            n += 1;
        }
    }
    assert!(n > 50, "only {n} seeds");
}
