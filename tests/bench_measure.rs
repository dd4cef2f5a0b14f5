//! What the throughput benchmark's modes compute from their measurements
//! (`tests/common/measure.rs`, included by `benches/throughput.rs`): `--same-results`'s
//! comparison of two reports, `--instructions`' reading of callgrind's files and its ratios,
//! `--memory`'s verdict. The measurements themselves (callgrind, wall clocks, peak memory) are
//! the bench's and are not timed here.

use crate::common::measure::{
    callgrind_cmd, callgrind_total, first_difference, group_thousands, instruction_targets, median,
    millions, scaling_verdict,
};
use std::process::Command;

/// A callgrind output file as callgrind 3.19 writes one (header, then totals).
fn callgrind_file(cmd: &str, summary: Option<&str>, totals: Option<&str>) -> String {
    let mut text = format!(
        "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 4280\ncmd:  {cmd}\npart: 1\n\nevents: Ir\n"
    );
    if let Some(s) = summary {
        text.push_str(&format!("summary: {s}\n"));
    }
    text.push_str("\nfl=(1) ???\nfn=(1) main\n0 12\n");
    if let Some(t) = totals {
        text.push_str(&format!("totals: {t}\n"));
    }
    text
}

#[test]
fn callgrind_counts_are_read_from_the_summary_else_the_totals() {
    let both = callgrind_file(
        "/x/crossfoot check --jobs 1 /tmp/d",
        Some("1417693783"),
        Some("1417693783"),
    );
    assert_eq!(callgrind_total(&both), Some(1_417_693_783));
    let totals_only = callgrind_file("/x/bare_read /tmp/d", None, Some("796000123"));
    assert_eq!(callgrind_total(&totals_only), Some(796_000_123));
    // A file cut off before its counts gives none (the bench then stops, not a zero).
    let cut = callgrind_file("/x/bare_read /tmp/d", None, None);
    assert_eq!(callgrind_total(&cut), None);
    let garbled = callgrind_file("/x/bare_read /tmp/d", Some("lots"), None);
    assert_eq!(callgrind_total(&garbled), None);
}

#[test]
fn a_callgrind_process_is_named_by_its_program_and_flags_before_the_first_path() {
    let worker = callgrind_file(
        "/work/main/target/release/crossfoot __read-worker 4096",
        Some("1"),
        None,
    );
    assert_eq!(callgrind_cmd(&worker), "crossfoot __read-worker 4096");
    let main = callgrind_file(
        "/work/main/target/release/crossfoot check --format json --jobs 1 /tmp/perf/wb200",
        Some("1"),
        None,
    );
    assert_eq!(
        callgrind_cmd(&main),
        "crossfoot check --format json --jobs 1"
    );
    assert_eq!(callgrind_cmd("no command line here"), "?");
}

#[test]
fn instruction_figures_are_written_as_in_the_performance_notes() {
    assert_eq!(millions(1_508_412_345), "1,508 M");
    assert_eq!(millions(796_999_999), "796 M");
    assert_eq!(group_thousands(12_345_678), "12,345,678");
    assert_eq!(group_thousands(999), "999");
    assert_eq!(group_thousands(1_000), "1,000");
}

#[test]
fn instruction_ratios_pass_and_fail_at_their_goals() {
    let read = 800_000_000;
    // JSON 1.89 × the read: over the 1.3 × goal; -o 2.72 ×: within 3 ×.
    let t = instruction_targets(
        read,
        &[1_512_000_000, 1_290_000_000, 2_176_000_000, 1_900_000_000],
        1.3,
        3.0,
    );
    assert_eq!(t.len(), 3, "{t:?}");
    assert_eq!(t[0].0, Some(false), "{t:?}");
    assert!(
        t[0].2
            .starts_with("1.89 × (1,512 M / 800 M); --no-explain 1.61 ×"),
        "{t:?}"
    );
    assert_eq!(t[1].0, None, "what explaining adds is reported, not judged");
    assert!(t[1].2.starts_with("+17.2 %"), "{t:?}");
    assert_eq!(t[2].0, Some(true), "{t:?}");
    assert!(t[2].2.starts_with("2.72 ×"), "{t:?}");
    // At the goal exactly it passes; without -o's runs there is no -o verdict.
    let at_goal = instruction_targets(read, &[1_040_000_000, 1_000_000_000], 1.3, 3.0);
    assert_eq!(at_goal.len(), 2);
    assert_eq!(at_goal[0].0, Some(true), "{at_goal:?}");
}

#[test]
fn the_memory_ratio_is_judged_only_where_asked_and_only_with_both_figures() {
    let met = scaling_verdict(
        "peak RSS, largest process",
        (20_000, Some(34_918)),
        (2_000, Some(24_986)),
        1.5,
        true,
    );
    assert_eq!(met.0, Some(true), "{met:?}");
    assert_eq!(met.1, "peak RSS, largest process at 20000 ≤ 1.5 × at 2000");
    assert_eq!(met.2, "1.40 × (34.1 MiB / 24.4 MiB)");
    let over = scaling_verdict(
        "x",
        (20_000, Some(40_000)),
        (2_000, Some(20_000)),
        1.5,
        true,
    );
    assert_eq!(over.0, Some(false), "{over:?}");
    let reported = scaling_verdict(
        "x",
        (20_000, Some(40_000)),
        (2_000, Some(20_000)),
        1.5,
        false,
    );
    assert_eq!(reported.0, None, "{reported:?}");
    for missing in [
        scaling_verdict("x", (20_000, None), (2_000, Some(20_000)), 1.5, true),
        scaling_verdict("x", (20_000, Some(1)), (2_000, Some(0)), 1.5, true),
    ] {
        assert_eq!(missing.0, None, "{missing:?}");
        assert_eq!(missing.2, "not measurable here");
    }
}

#[test]
fn medians_of_odd_and_even_runs() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    assert_eq!(median(&[]), 0.0);
}

#[test]
fn reports_that_differ_are_told_by_their_first_different_line() {
    let a = b"{\n  \"files\": 2,\n  \"errors\": 3\n}\n";
    let b = b"{\n  \"files\": 2,\n  \"errors\": 4\n}\n";
    assert_eq!(first_difference((a, 1), (a, 1)), None);
    let d = first_difference((a, 1), (b, 1)).expect("a difference");
    assert!(d.starts_with("first difference at byte 28 (line 3;"), "{d}");
    assert!(d.contains("before:   \\\"errors\\\": 3"), "{d}");
    assert!(d.contains("after:    \\\"errors\\\": 4"), "{d}");
    // One report a prefix of the other: the difference is where the shorter ends.
    let d = first_difference((a, 1), (&a[..20], 1)).expect("a difference");
    assert!(d.starts_with("first difference at byte 20"), "{d}");
    // The same report with another exit status is a difference too.
    let d = first_difference((a, 0), (a, 1)).expect("a difference");
    assert_eq!(d, "same report, exit status 0 before, 1 after");
    // Text from a workbook in the report is escaped, never printed raw.
    let raw = b"{\"label\": \"x\x1b[31m\"}";
    let d = first_difference((b"{\"label\": \"y\"}", 1), (raw, 1)).expect("a difference");
    assert!(!d.contains('\u{1b}'), "{d:?}");
}

/// What `--same-results` does for each set, on real reports: the binary of this build twice on
/// the samples is the same; with `--lang en` it is not, and the difference is found.
#[test]
fn the_same_binary_gives_the_same_report_and_another_language_does_not() {
    let run = |extra: &[&str]| -> (Vec<u8>, i32) {
        let out = Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .args(["check", "--format", "json"])
            .args(extra)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/samples"))
            .output()
            .expect("crossfoot runs");
        let code = out.status.code().expect("an exit status");
        assert!(
            serde_json::from_slice::<serde_json::Value>(&out.stdout)
                .is_ok_and(|v| v.get("files").is_some()),
            "a JSON report"
        );
        (out.stdout, code)
    };
    let (first, code) = run(&[]);
    let (again, code_again) = run(&[]);
    assert_eq!(first_difference((&first, code), (&again, code_again)), None);
    let (en, code_en) = run(&["--lang", "en"]);
    let d = first_difference((&first, code), (&en, code_en)).expect("the language shows");
    assert!(d.starts_with("first difference at byte "), "{d}");
}
