//! Throughput benchmark: is reading the files the only cost that matters?
//!
//! ```sh
//! cargo bench --bench throughput                       # 2,000 workbooks, all cores
//! cargo bench --bench throughput -- --files 500 --jobs 1
//! cargo bench --bench throughput -- --skip-review      # leave out `check -o review.xlsx`
//! cargo bench --bench throughput -- --memory-scaling   # also 20,000 workbooks (slow)
//! cargo bench --bench throughput -- --help
//! cargo bench --bench throughput -- --instructions     # callgrind counts only
//! cargo bench --bench throughput -- --memory           # peak memory at 2,000 and 20,000 only
//! cargo bench --bench throughput -- --same-results BEFORE AFTER   # two binaries' reports
//! ```
//!
//! It writes N branch workbooks of the shipped forms M01–M04 (from `tests/common/forms.rs`, the
//! generator the tests use, template layout; about one in five carries one to three slips) into
//! `<target>/crossfoot-bench/branches-N/`, kept for the next run (rewritten when `forms.rs`
//! changes), then measures, each several times (median):
//!
//! * (a) the bare calamine read of those files: `open_workbook_auto` + `worksheet_range` of every
//!   sheet, in parallel across files (rayon) — the floor no checker can go under;
//! * (b) `crossfoot check --format json` on them, the binary as a subprocess (the figure that
//!   counts: worker processes, pipes and all), and the same through the library in this process
//!   (`run::Run::check_all` + `report::json`, no worker processes);
//! * (c) `crossfoot check -o review.xlsx`, when the binary has `-o`;
//! * (d) one small workbook end to end (start-up, rule pack, check, exit), 20 runs;
//! * (e) the cost of localisation (which figure is most likely wrong): (b) again with
//!   `--no-explain`, when the binary has it, and how much more (b) takes, in per cent of it;
//! * (h) (c) again with `--no-explain`; then every one of (b), (c), (e), (h) as a ratio to (a),
//!   in wall time and in CPU seconds (instruction counts: `--instructions`, below);
//! * (f) the calibration of the explanations: `--slips N` branches for each of one, two and
//!   three random count slips (the generator of the property test in `tests/localise.rs`),
//!   explained through the library: the planted cell in the top explanation (target ≥ 95 % with
//!   one slip), its suggested value exact (≥ 90 % with one slip), the share of workbooks where
//!   the report presents one explanation as unique — one of its size, no reading one figure
//!   larger shown — and none of its cells was planted (≤ 5 % with two and three slips), and
//!   the cells per explanation (≤ 2 on average); also, as before, where one explanation holds
//!   every planted cell. `--calibration-only` measures only this (no throughput);
//!   `CROSSFOOT_CALIBRATION_SHOW=1` prints each case whose report shows a unique explanation
//!   none of whose cells was planted;
//! * (g) the plausibility checks against last year (issue 27): a generated panel of
//!   `--panel-units` branches × 3 years with planted ×10, ÷10, copied-unchanged and
//!   copied-from-another-unit slips, judged through the library with the pack's
//!   `[plausibility]` — found ≥ 95 % of each kind, clean units flagged ≤ 1 %; with `--history`,
//!   also their added cost: `check --format json --previous` on `--files` workbooks and last
//!   year's (a year of flows before them) against the same with `--no-history` (≤ 10 %).
//!   `--history-only` measures only (g).
//!
//! and prints times, workbooks per second, CPU seconds (every thread and process of the run),
//! peak memory (see [`Run`]), and PASS/FAIL against the targets. The binary is the one cargo
//! builds with the bench (`CARGO_BIN_EXE_crossfoot`, release settings), so it is never stale.
//! The files are read once before timing: the figures are the CPU cost of reading and checking,
//! not the disk's. Wall times need a quiet machine: the share of the CPU other processes used
//! during the measurements is printed, and CPU seconds are the steadier figure when it is high.
//!
//! Three modes measure only themselves (issue 28), in this order when several are given:
//!
//! * `--same-results BEFORE AFTER`: both crossfoot binaries over `samples/`,
//!   `../shared/corpus/real-world/` (said when absent) and the `--files` workbooks, `--format
//!   json` plain, with `--lang en` and with `--discover`: byte-identical reports and exit
//!   statuses (stderr is not compared), or the first difference (and exit status 1). A run
//!   that gives no JSON report stops the bench: two empty reports prove nothing.
//! * `--instructions`: callgrind (`valgrind --tool=callgrind --trace-children=yes`) over the
//!   first `--instruction-files` workbooks (199 by default, the set of docs/performance.md's
//!   profiles): `examples/bare_read`, then `crossfoot check --jobs 1` with `--format json`,
//!   `--format json --no-explain`, `-o review.xlsx` and `-o review.xlsx --no-explain`; each
//!   run's instructions summed over its processes (each output file's `summary:` line) and
//!   the ratios to the bare read. Without valgrind on `PATH` it says so in one line.
//! * `--memory`: `check --format json` `--runs` times at `--files` and at `--scaling-files`
//!   workbooks (2,000 and 20,000; medians): the peak RSS of the largest process — crossfoot's
//!   ru_maxrss, which holds the workers it waited for, as getrusage(RUSAGE_CHILDREN) does
//!   inside it — and, sampled from /proc, of crossfoot alone, of its largest worker and of all
//!   processes at one moment; the ratio of the larger run to the smaller for each (target
//!   ≤ 1.5 for the largest process and for crossfoot alone).

#[path = "../tests/common/forms.rs"]
mod forms;
#[path = "../tests/common/measure.rs"]
mod measure;
#[path = "../tests/common/panel.rs"]
mod panel;

use calamine::Reader;
use forms::{Branch, Col, Layout, Lcg};
use measure::{
    callgrind_cmd, callgrind_total, first_difference, median, millions, scaling_verdict, Target,
};
use rayon::prelude::*;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

// -------------------------------------------------------------------------------------------
// Targets
// -------------------------------------------------------------------------------------------

/// `check --format json` at most this many times the bare parallel read.
const TARGET_JSON_RATIO: f64 = 1.3;
/// `check -o review.xlsx` at most this many times the bare parallel read.
const TARGET_REVIEW_RATIO: f64 = 3.0;
/// Localisation adds at most this share to `check --format json` (over `--no-explain`).
const TARGET_EXPLAIN_SHARE: f64 = 0.10;
/// One small workbook end to end, at most this long.
const TARGET_SMALL_MS: f64 = 50.0;
/// Peak memory at the scaling size at most this many times the peak at the default size.
const TARGET_MEMORY_RATIO: f64 = 1.5;
/// The plausibility checks find at least this share of each kind of planted slip…
const TARGET_PANEL_FOUND: f64 = 0.95;
/// …and flag at most this share of the clean units.
const TARGET_PANEL_CLEAN: f64 = 0.01;
/// The history checks add at most this share to `check --previous`.
const TARGET_HISTORY_SHARE: f64 = 0.10;
/// The country's base organisations, for the extrapolation.
const NATIONAL: f64 = 55_000.0;

/// Bump when the generated set changes in a way `forms.rs` does not show.
const GENERATOR_VERSION: u32 = 1;
const FORMS_SOURCE: &str = include_str!("../tests/common/forms.rs");
const PANEL_SOURCE: &str = include_str!("../tests/common/panel.rs");
const CACHE_KEY_FILE: &str = "CACHE-KEY.txt";

// -------------------------------------------------------------------------------------------
// Arguments
// -------------------------------------------------------------------------------------------

const USAGE: &str = "\
cargo bench --bench throughput -- [OPTIONS]

  --files N           workbooks to generate and check [default: 2000]
  --jobs J            threads for the bare read and for crossfoot --jobs (0: one per core) [default: 0]
  --runs R            timed runs of each big measurement; the median is reported [default: 5]
  --small-runs R      runs of the one-workbook measurement [default: 20]
  --skip-review       leave out `crossfoot check -o review.xlsx`
  --memory-scaling    also check --scaling-files workbooks and compare peak memory
  --scaling-files N   size of the memory-scaling set [default: 20000]
  --slips N           branches for each of one, two and three random slips, for the
                      calibration of the explanations (0: leave out) [default: 200]
  --calibration-only  measure only the calibration (no throughput, no binary run)
  --panel-units N     units of the generated 3-year panel for the plausibility checks
                      (0: leave out) [default: 500]
  --history           also measure what the history checks add to a --previous run of
                      --files workbooks (writes their last year's workbooks too)
  --history-only      measure only the panel and, with --history, the history checks' cost
  --binary PATH       the crossfoot binary to run [default: the one cargo built with this bench]
  --strict            exit with status 1 when a target is missed

  Each of these three measures only itself (several together run in this order):
  --same-results BEFORE AFTER
                      run two crossfoot binaries over samples/, ../shared/corpus/real-world/
                      (when present) and the --files workbooks with --format json: plain,
                      --lang en, --discover; says byte-identical (report and exit status) or
                      shows the first difference; exit status 1 on a difference
  --instructions      callgrind's instruction counts (valgrind --tool=callgrind
                      --trace-children=yes; crossfoot --jobs 1) on the first
                      --instruction-files workbooks: the bare read (examples/bare_read),
                      check --format json, with --no-explain, -o review.xlsx and -o
                      --no-explain (--skip-review: not the -o ones), all processes summed,
                      and their ratios to the bare read; says so when valgrind is missing
  --instruction-files N  [default: 199]
  --bare-read PATH    the bare read for --instructions [default: <target>/release/examples/
                      bare_read: cargo build --release --locked --example bare_read]
  --memory            peak memory of check --format json at --files and at --scaling-files
                      workbooks, --runs runs each (medians): the largest process (the
                      kernel's ru_maxrss of crossfoot, which holds its waited-for workers)
                      and, sampled, crossfoot alone, its largest worker, all processes; the
                      ratios
";

struct Args {
    files: usize,
    jobs: usize,
    runs: usize,
    small_runs: usize,
    skip_review: bool,
    memory_scaling: bool,
    scaling_files: usize,
    slips: usize,
    calibration_only: bool,
    panel_units: usize,
    history: bool,
    history_only: bool,
    binary: PathBuf,
    strict: bool,
    same_results: Option<(PathBuf, PathBuf)>,
    instructions: bool,
    instruction_files: usize,
    bare_read: Option<PathBuf>,
    memory: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        files: 2000,
        jobs: 0,
        runs: 5,
        small_runs: 20,
        skip_review: false,
        memory_scaling: false,
        scaling_files: 20_000,
        slips: 200,
        calibration_only: false,
        panel_units: 500,
        history: false,
        history_only: false,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_crossfoot")),
        strict: false,
        same_results: None,
        instructions: false,
        instruction_files: 199,
        bare_read: None,
        memory: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| -> Result<usize, String> {
            v.replace('_', "")
                .parse()
                .map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        match flag.as_str() {
            "--files" => a.files = number("--files", value("--files")?)?,
            "--jobs" | "-j" => a.jobs = number("--jobs", value("--jobs")?)?,
            "--runs" => a.runs = number("--runs", value("--runs")?)?.max(1),
            "--small-runs" => a.small_runs = number("--small-runs", value("--small-runs")?)?.max(1),
            "--scaling-files" => {
                a.scaling_files = number("--scaling-files", value("--scaling-files")?)?
            }
            "--slips" | "--two-slips" => a.slips = number("--slips", value("--slips")?)?,
            "--calibration-only" => a.calibration_only = true,
            "--panel-units" => a.panel_units = number("--panel-units", value("--panel-units")?)?,
            "--history" => a.history = true,
            "--history-only" => a.history_only = true,
            "--skip-review" => a.skip_review = true,
            "--memory-scaling" => a.memory_scaling = true,
            "--binary" => a.binary = PathBuf::from(value("--binary")?),
            "--strict" => a.strict = true,
            "--same-results" => {
                let before = PathBuf::from(value("--same-results")?);
                let after = it
                    .next()
                    .ok_or("--same-results needs two binaries: BEFORE AFTER")?;
                a.same_results = Some((before, PathBuf::from(after)));
            }
            "--instructions" => a.instructions = true,
            "--instruction-files" => {
                a.instruction_files = number("--instruction-files", value("--instruction-files")?)?
            }
            "--bare-read" => a.bare_read = Some(PathBuf::from(value("--bare-read")?)),
            "--memory" => a.memory = true,
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    if a.files == 0 || a.instruction_files == 0 || a.scaling_files == 0 {
        return Err("--files, --instruction-files and --scaling-files must be at least 1".into());
    }
    Ok(a)
}

// -------------------------------------------------------------------------------------------
// The workbooks
// -------------------------------------------------------------------------------------------

/// The target directory: this bench runs as `<target>/<profile>/deps/throughput-<hash>`.
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn file_name(i: usize) -> String {
    format!("branch-{:05}.xlsx", i + 1)
}

/// The random numbers deciding branch `i`'s slips.
fn slip_rng(i: usize) -> Lcg {
    Lcg::new((0xC0FF_EE00_0000 + i as u64) ^ 0x5EED)
}

fn branch_has_slips(i: usize) -> bool {
    slip_rng(i).one_in(5)
}

/// Branch `i`: clean, and with probability 1/5 one to three slips (a count off by one, a
/// percentage off by 0.1).
fn branch(i: usize) -> Branch {
    let mut b = Branch::clean(
        &format!("Chi bộ số {}", i + 1),
        &format!("CB-{:05}", i + 1),
        0xC0FF_EE00_0000 + i as u64,
    );
    let mut r = slip_rng(i);
    if !r.one_in(5) {
        return b;
    }
    let figures = b.figures();
    for _ in 0..r.range(1, 3) {
        let f = &figures[r.range(0, figures.len() as i64 - 1) as usize];
        let value = if f.col == Col::Pct {
            if f.value >= 0.1 && r.one_in(2) {
                f.value - 0.1
            } else {
                f.value + 0.1
            }
        } else if f.value >= 1.0 && r.one_in(2) {
            f.value - 1.0
        } else {
            f.value + 1.0
        };
        b.set(f.form, f.item, f.col, value);
    }
    b
}

struct WorkbookSet {
    dir: PathBuf,
    files: Vec<PathBuf>,
    bytes: u64,
    with_slips: usize,
}

/// The cached set of `n` workbooks, written first when missing or out of date.
fn workbook_set(n: usize) -> Result<WorkbookSet, String> {
    let root = target_dir().join("crossfoot-bench");
    let dir = root.join(format!("branches-{n}"));
    let key = format!(
        "crossfoot throughput bench, generator v{GENERATOR_VERSION}, {n} workbooks, forms.rs {:016x}\n",
        fnv1a(FORMS_SOURCE)
    );
    let io = |what: &str, p: &Path, e: std::io::Error| format!("{what} {}: {e}", p.display());
    // The key is kept beside the folder, not in it: crossfoot accounts for every file of a
    // folder it checks, and a text file among the workbooks would be an unreadable input.
    let key_file = root.join(format!("branches-{n}.{CACHE_KEY_FILE}"));
    let cached = dir.is_dir() && fs::read_to_string(&key_file).is_ok_and(|k| k == key);
    if cached {
        println!("workbooks   reusing {}", dir.display());
    } else {
        let partial = root.join(format!("branches-{n}.partial"));
        let _ = fs::remove_dir_all(&partial);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&partial).map_err(|e| io("cannot create", &partial, e))?;
        println!("workbooks   writing {n} into {} …", dir.display());
        let t = Instant::now();
        (0..n).into_par_iter().try_for_each(|i| {
            let b = branch(i);
            let path = partial.join(file_name(i));
            fs::write(&path, forms::write_branch(&b, &Layout::default()))
                .map_err(|e| io("cannot write", &path, e))
        })?;
        fs::rename(&partial, &dir).map_err(|e| io("cannot rename", &partial, e))?;
        fs::write(&key_file, &key).map_err(|e| io("cannot write", &key_file, e))?;
        let s = t.elapsed().as_secs_f64();
        println!(
            "            written in {s:.1} s ({:.0} workbooks/s, {} threads)",
            n as f64 / s,
            rayon::current_num_threads()
        );
    }
    let files: Vec<PathBuf> = (0..n).map(|i| dir.join(file_name(i))).collect();
    let mut bytes = 0;
    for f in &files {
        bytes += fs::metadata(f).map_err(|e| io("missing", f, e))?.len();
    }
    let with_slips = (0..n).filter(|&i| branch_has_slips(i)).count();
    Ok(WorkbookSet {
        dir,
        files,
        bytes,
        with_slips,
    })
}

// -------------------------------------------------------------------------------------------
// Measuring
// -------------------------------------------------------------------------------------------

fn min_max(xs: &[f64]) -> (f64, f64) {
    xs.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        })
}

/// (a) The bare read: every sheet's values, nothing else. Returns the cells read.
fn bare_read(files: &[PathBuf], pool: &rayon::ThreadPool) -> usize {
    pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let mut wb = calamine::open_workbook_auto(path)
                    .unwrap_or_else(|e| panic!("calamine cannot open {}: {e}", path.display()));
                let mut cells = 0;
                for name in wb.sheet_names() {
                    let range = wb.worksheet_range(&name).unwrap_or_else(|e| {
                        panic!("calamine cannot read {}!{name}: {e}", path.display())
                    });
                    cells += range.used_cells().count();
                }
                cells
            })
            .sum()
    })
}

/// CPU seconds (user + system) this process has used so far, all threads.
fn self_cpu() -> Option<f64> {
    #[cfg(unix)]
    {
        rusage_cpu(libc::RUSAGE_SELF)
    }
    #[cfg(not(unix))]
    None
}

/// CPU seconds (user + system) `getrusage(who)` reports (`RUSAGE_SELF`, `RUSAGE_CHILDREN`), or
/// None when the call fails.
#[cfg(unix)]
fn rusage_cpu(who: libc::c_int) -> Option<f64> {
    // SAFETY: getrusage(2) fills the struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(who, &mut ru) } == 0 {
        Some(cpu_of(&ru))
    } else {
        None
    }
}

#[cfg(unix)]
fn cpu_of(ru: &libc::rusage) -> f64 {
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// One run of the binary.
///
/// How it is measured (Linux): crossfoot reads workbooks in worker processes. Today it waits
/// for them as it ends (their figures are then in its own `wait4` rusage); builds before wave 4's
/// profile did not (the workers ended when its pipes closed), so this bench makes itself the
/// "subreaper" of its descendants (`prctl(PR_SET_CHILD_SUBREAPER)`) and reaps orphaned workers
/// with `wait4`: CPU time covers every process of the run either way. Peak memory needs care:
/// a process started with fork/vfork inherits its parent's high-water mark in `ru_maxrss`, so
/// the bench (large after reading thousands of workbooks) would show through. A run whose
/// memory is measured is therefore started by a small helper (this bench re-executed with
/// `--spawn-helper`, a fresh address space), which reports crossfoot's `ru_maxrss` as `wait4`
/// gives it — the highest of crossfoot's own peak and of the workers it waited for: the largest
/// process of the run, exactly. Each process's own peak (VmHWM) and the sum over all processes
/// (VmRSS) are sampled from /proc every 5 ms.
struct Run {
    wall: f64,
    /// User + system CPU seconds of crossfoot and all its workers.
    cpu: Option<f64>,
    /// ru_maxrss of crossfoot as `wait4` gives it (through the helper): the highest peak
    /// resident memory of crossfoot and of every worker it waited for, KiB.
    main_peak_kib: Option<u64>,
    /// Peak resident memory of the crossfoot process itself (sampled VmHWM), KiB.
    main_hwm_kib: Option<u64>,
    /// Highest peak resident memory of one worker (sampled VmHWM), KiB.
    worker_peak_kib: Option<u64>,
    /// Workers reaped.
    workers: usize,
    /// Highest ru_maxrss of the reaped workers (wait4: what getrusage(RUSAGE_CHILDREN) takes
    /// its maximum of), KiB. A process started with vfork + exec begins with its parent's
    /// high-water mark: a worker's figure is at least crossfoot's peak when it was started.
    worker_maxrss_kib: Option<u64>,
    /// Highest sum of the resident memory of crossfoot and its workers at one moment
    /// (sampled), KiB.
    tree_peak_kib: Option<u64>,
    /// Exit code (None: killed by a signal).
    code: Option<i32>,
}

/// The first argument that makes this bench the helper that starts one measured run.
const SPAWN_HELPER: &str = "--spawn-helper";

/// Runs the binary with `args`, stdout into `stdout` (or nowhere), stderr into `stderr_file`.
/// `memory`: measure its memory (through the helper).
fn run_binary(
    bin: &Path,
    args: &[OsString],
    stdout: Option<&Path>,
    stderr_file: &Path,
    memory: bool,
) -> Result<Run, String> {
    let out = match stdout {
        Some(p) => Stdio::from(fs::File::create(p).map_err(|e| e.to_string())?),
        None => Stdio::null(),
    };
    let err = Stdio::from(fs::File::create(stderr_file).map_err(|e| e.to_string())?);
    let report = stderr_file.with_extension("rusage");
    let _ = fs::remove_file(&report);
    let helper = if memory && platform::HELPER {
        std::env::current_exe().ok()
    } else {
        None
    };
    let mut cmd = match &helper {
        Some(me) => {
            let mut c = Command::new(me);
            c.arg(SPAWN_HELPER).arg(&report).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.args(args).stdout(out).stderr(err).stdin(Stdio::null());
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let mut run = platform::wait(bin, child, start, memory)?;
    if helper.is_some() {
        // The helper's own exit status and memory are not crossfoot's: take its report.
        let text = fs::read_to_string(&report)
            .map_err(|e| format!("the spawn helper left no report ({e})"))?;
        let mut it = text.split_whitespace().map(|x| x.parse::<i64>().ok());
        let (code, maxrss) = (it.next().flatten(), it.next().flatten());
        run.code = code.filter(|&c| c >= 0).map(|c| c as i32);
        run.main_peak_kib = maxrss.map(|k| k as u64);
    }
    Ok(run)
}

/// The helper: runs `program args…` as its child and writes "exit-code ru_maxrss-KiB" of it to
/// `report` (exit code -1: killed by a signal).
fn spawn_helper(mut argv: impl Iterator<Item = OsString>) -> ExitCode {
    let (Some(report), Some(program)) = (argv.next(), argv.next()) else {
        return ExitCode::from(2);
    };
    let child = match Command::new(&program).args(argv).spawn() {
        Ok(c) => c,
        Err(_) => return ExitCode::from(2),
    };
    match platform::wait_exact(child) {
        Some((code, maxrss)) => {
            let _ = fs::write(report, format!("{} {maxrss}\n", code.unwrap_or(-1)));
            ExitCode::SUCCESS
        }
        None => ExitCode::from(2),
    }
}

#[cfg(target_os = "linux")]
mod platform {
    use super::{cpu_of, Run};
    use std::collections::HashMap;
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// Memory runs go through the spawn helper.
    pub const HELPER: bool = true;

    pub const MEMORY: &str = "the largest process's peak RSS: crossfoot's ru_maxrss, which \
        holds the workers it waited for (through a small spawn helper, so that this bench's \
        memory does not show through); crossfoot's and each worker's own peak (VmHWM) and all \
        processes together (VmRSS): /proc sampled every 5 ms";

    /// Orphaned descendants (crossfoot's workers) are re-parented to this process.
    pub fn setup() {
        // SAFETY: prctl(2) with an integer option; no memory is passed.
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
    }

    type Waited = (libc::pid_t, libc::c_int, libc::rusage);

    /// wait4(2): `Ok(None)` when WNOHANG finds no child that has ended yet.
    fn wait4(pid: libc::pid_t, flags: libc::c_int) -> std::io::Result<Option<Waited>> {
        let mut status = 0;
        // SAFETY: wait4(2) fills the status and the rusage we hand it.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut ru) };
        match r {
            0 => Ok(None),
            r if r > 0 => Ok(Some((r, status, ru))),
            _ => Err(std::io::Error::last_os_error()),
        }
    }

    /// Waits for `pid` (retrying on EINTR).
    fn wait_for(pid: u32) -> Result<Waited, String> {
        loop {
            match wait4(pid as libc::pid_t, 0) {
                Ok(Some(r)) => return Ok(r),
                Ok(None) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("wait4: {e}")),
            }
        }
    }

    fn exit_code(status: libc::c_int) -> Option<i32> {
        libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status))
    }

    /// For the helper: the child's exit code and exact ru_maxrss (KiB).
    pub fn wait_exact(child: std::process::Child) -> Option<(Option<i32>, i64)> {
        let pid = child.id();
        drop(child);
        let (_, status, ru) = wait_for(pid).ok()?;
        Some((exit_code(status), ru.ru_maxrss))
    }

    /// What the sampler saw.
    #[derive(Default)]
    struct Seen {
        /// Highest sum of VmRSS over the processes running crossfoot.
        tree: u64,
        /// Last VmHWM of each worker.
        workers: HashMap<u32, u64>,
        /// Highest VmHWM of the crossfoot process.
        main_hwm: Option<u64>,
    }

    fn status_kib(status: &str, key: &str) -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    }

    /// One look at the processes under `root` that run `exe`: the crossfoot process is the
    /// first one met, the workers below it.
    fn sample(root: u32, exe: &Path, seen: &mut Seen) {
        let mut total = 0;
        let mut stack = vec![(root, 0u32)];
        while let Some((p, crossfoot_depth)) = stack.pop() {
            // A process between fork and exec still shows its parent's memory: left out.
            let runs_exe = fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == exe);
            let depth = crossfoot_depth + u32::from(runs_exe);
            if runs_exe {
                if let Ok(status) = fs::read_to_string(format!("/proc/{p}/status")) {
                    total += status_kib(&status, "VmRSS:").unwrap_or(0);
                    let hwm = status_kib(&status, "VmHWM:");
                    if depth >= 2 {
                        if let Some(hwm) = hwm {
                            seen.workers.insert(p, hwm);
                        }
                    } else {
                        seen.main_hwm = seen.main_hwm.max(hwm);
                    }
                }
            }
            // Children hang off the thread that started them.
            if let Ok(tasks) = fs::read_dir(format!("/proc/{p}/task")) {
                for t in tasks.flatten() {
                    if let Ok(c) = fs::read_to_string(t.path().join("children")) {
                        stack.extend(
                            c.split_whitespace()
                                .filter_map(|x| x.parse::<u32>().ok())
                                .map(|x| (x, depth)),
                        );
                    }
                }
            }
        }
        seen.tree = seen.tree.max(total);
    }

    pub fn wait(
        bin: &Path,
        child: std::process::Child,
        start: Instant,
        memory: bool,
    ) -> Result<Run, String> {
        let pid = child.id();
        // The child is reaped below with wait4, not through `Child`.
        drop(child);
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let sampler = memory.then(|| {
            let (stop, seen) = (Arc::clone(&stop), Arc::clone(&seen));
            let exe: PathBuf = fs::canonicalize(bin).unwrap_or_else(|_| bin.to_path_buf());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(mut s) = seen.lock() {
                        sample(pid, &exe, &mut s);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        });
        let (_, status, ru) = wait_for(pid)?;
        let wall = start.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        if let Some(s) = sampler {
            let _ = s.join();
        }
        // The workers end when crossfoot's pipes close; reap them (they are ours now).
        let mut cpu = cpu_of(&ru);
        let mut workers = 0;
        let mut worker_maxrss: Option<u64> = None;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match wait4(-1, libc::WNOHANG) {
                Ok(Some((_, _, wru))) => {
                    cpu += cpu_of(&wru);
                    workers += 1;
                    let kib = u64::try_from(wru.ru_maxrss).unwrap_or(0);
                    worker_maxrss = worker_maxrss.max(Some(kib));
                }
                // Workers still ending.
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // ECHILD: all reaped (or a worker that will not end: left alone).
                _ => break,
            }
        }
        let seen = seen.lock().map_err(|_| "the memory sampler failed")?;
        Ok(Run {
            wall,
            cpu: Some(cpu),
            // Exact, but only when started through the helper (see `run_binary`).
            main_peak_kib: None,
            main_hwm_kib: seen.main_hwm,
            worker_peak_kib: seen.workers.values().copied().max(),
            // Those it saw, or those reaped here (an older crossfoot that left them).
            workers: workers.max(seen.workers.len()),
            worker_maxrss_kib: worker_maxrss,
            tree_peak_kib: (seen.tree > 0).then_some(seen.tree),
            code: exit_code(status),
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::Run;
    use std::path::Path;
    use std::time::Instant;

    pub const HELPER: bool = false;

    pub const MEMORY: &str = "not measured on this system (Linux only)";

    pub fn setup() {}

    pub fn wait_exact(mut child: std::process::Child) -> Option<(Option<i32>, i64)> {
        let status = child.wait().ok()?;
        Some((status.code(), 0))
    }

    pub fn wait(
        _bin: &Path,
        mut child: std::process::Child,
        start: Instant,
        _memory: bool,
    ) -> Result<Run, String> {
        let status = child.wait().map_err(|e| e.to_string())?;
        Ok(Run {
            wall: start.elapsed().as_secs_f64(),
            cpu: None,
            main_peak_kib: None,
            main_hwm_kib: None,
            worker_peak_kib: None,
            workers: 0,
            worker_maxrss_kib: None,
            tree_peak_kib: None,
            code: status.code(),
        })
    }
}

/// Exit status 0 or 1 (findings) is a run that did its job; anything else stops the bench.
fn expect_checked(run: &Run, what: &str, stderr_file: &Path) -> Result<(), String> {
    match run.code {
        Some(0) | Some(1) => Ok(()),
        code => {
            let err = fs::read_to_string(stderr_file).unwrap_or_default();
            let lines: Vec<&str> = err.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            Err(format!(
                "{what} ended with {}:\n{tail}",
                code.map_or("a signal".to_string(), |c| format!("exit status {c}"))
            ))
        }
    }
}

/// The runs of one measurement: wall times, CPU seconds, highest peaks.
#[derive(Default)]
struct Series {
    walls: Vec<f64>,
    cpus: Vec<f64>,
    main_peak_kib: Option<u64>,
    main_hwm_kib: Option<u64>,
    worker_peak_kib: Option<u64>,
    workers: usize,
    tree_peak_kib: Option<u64>,
}

impl Series {
    fn median(&self) -> f64 {
        median(&self.walls)
    }

    fn cpu(&self) -> Option<f64> {
        (!self.cpus.is_empty()).then(|| median(&self.cpus))
    }

    fn add(&mut self, wall: f64, cpu: Option<f64>) {
        self.walls.push(wall);
        self.cpus.extend(cpu);
    }

    fn add_run(&mut self, run: &Run) {
        self.add(run.wall, run.cpu);
        self.main_peak_kib = self.main_peak_kib.max(run.main_peak_kib);
        self.main_hwm_kib = self.main_hwm_kib.max(run.main_hwm_kib);
        self.worker_peak_kib = self.worker_peak_kib.max(run.worker_peak_kib);
        self.tree_peak_kib = self.tree_peak_kib.max(run.tree_peak_kib);
        self.workers = self.workers.max(run.workers);
    }

    /// Peak memory of the run, all processes together.
    fn peak_kib(&self) -> Option<u64> {
        self.tree_peak_kib.max(self.main_peak_kib)
    }

    fn memory_line(&self) -> String {
        format!(
            "largest process {} (ru_maxrss); sampled: crossfoot {}, largest of its {} workers {}, all together {}",
            mib(self.main_peak_kib),
            mib(self.main_hwm_kib),
            self.workers,
            mib(self.worker_peak_kib),
            mib(self.tree_peak_kib)
        )
    }
}

/// One run of the binary on many workbooks, memory measured; exit status 0 or 1 expected.
fn binary_once(
    bin: &Path,
    args: &[OsString],
    stdout: Option<&Path>,
    scratch: &Path,
    what: &str,
) -> Result<Run, String> {
    let stderr_file = scratch.join("stderr.txt");
    let run = run_binary(bin, args, stdout, &stderr_file, true)?;
    expect_checked(&run, what, &stderr_file)?;
    Ok(run)
}

/// One bare read: wall and CPU seconds.
fn bare_once(files: &[PathBuf], pool: &rayon::ThreadPool) -> (f64, Option<f64>) {
    let c0 = self_cpu();
    let t = Instant::now();
    std::hint::black_box(bare_read(files, pool));
    let wall = t.elapsed().as_secs_f64();
    let cpu = c0.zip(self_cpu()).map(|(a, b)| b - a);
    (wall, cpu)
}

/// One run of the library in this process, as `crossfoot check --format json` does it
/// without worker processes: wall and CPU seconds.
fn lib_once(dir: &Path, jobs: usize) -> Result<(f64, Option<f64>), String> {
    let c0 = self_cpu();
    let t = Instant::now();
    let sources = crossfoot::rules::builtin_sources();
    let pack = crossfoot::rules::compile(&sources).map_err(|e| {
        format!(
            "the built-in rule pack does not compile: {} errors",
            e.len()
        )
    })?;
    let inputs = crossfoot::run::collect(&[dir.to_path_buf()]);
    let opts = crossfoot::run::Options {
        jobs,
        ..Default::default()
    };
    let results = crossfoot::run::Run::new(&pack, opts, &crossfoot::run::InProcess)
        .check_all(&inputs.files, None);
    std::hint::black_box(crossfoot::write::report::json(&results));
    drop(results);
    let wall = t.elapsed().as_secs_f64();
    Ok((wall, c0.zip(self_cpu()).map(|(a, b)| b - a)))
}

/// "run 2/5 …" on a terminal.
fn progress(r: usize, runs: usize) {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprint!("\rrun {}/{runs} …", r + 1);
    }
}

fn progress_done() {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprint!("\r{:20}\r", "");
    }
}

/// CPU time of the whole machine and of this bench with everything it started, to tell how
/// much other work ran during the measurements.
#[derive(Clone, Copy)]
struct CpuClock {
    /// Busy CPU seconds of the machine since boot, all cores.
    busy: f64,
    /// All CPU seconds (busy or idle) since boot, all cores.
    total: f64,
    /// CPU seconds of this process and of its reaped descendants.
    ours: f64,
}

fn cpu_clock() -> Option<CpuClock> {
    #[cfg(target_os = "linux")]
    {
        let stat = fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<f64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal (guest time is inside user)
        if ticks.len() < 8 {
            return None;
        }
        // SAFETY: sysconf(3) takes and returns integers.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
        let total = busy + ticks[3] + ticks[4];
        let mut ours = 0.0;
        for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
            ours += rusage_cpu(who)?;
        }
        Some(CpuClock {
            busy: busy / hz,
            total: total / hz,
            ours,
        })
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// How much of the machine other processes used between two clocks, as a line to print.
fn other_work(before: Option<CpuClock>, after: Option<CpuClock>, cores: usize) -> String {
    let (Some(b), Some(a)) = (before, after) else {
        return "other work  not measurable here: run on a quiet machine".into();
    };
    let total = a.total - b.total;
    let other = ((a.busy - b.busy) - (a.ours - b.ours)).max(0.0);
    let share = if total > 0.0 { other / total } else { 0.0 };
    format!(
        "other work  other processes used {:.0} % of the {cores} cores during the measurements ({other:.1} CPU-s){}",
        share * 100.0,
        if share > 0.05 {
            ": wall times are disturbed, rerun on a quiet machine (CPU seconds are steadier)"
        } else {
            ": quiet enough"
        }
    )
}

// -------------------------------------------------------------------------------------------
// Printing
// -------------------------------------------------------------------------------------------

fn mib(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

/// MiB with one decimal, for ratios near their limit.
fn mib1(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn header() {
    println!(
        "  {:<36} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9}",
        "", "median", "min", "max", "wb/s", "CPU", "peak RSS"
    );
}

fn row(label: &str, walls: &[f64], n: usize, cpu: Option<f64>, peak: Option<u64>) {
    let (lo, hi) = min_max(walls);
    let m = median(walls);
    println!(
        "  {label:<36} {:>9} {:>9} {:>9} {:>8.0} {:>8} {:>9}",
        secs(m),
        secs(lo),
        secs(hi),
        n as f64 / m,
        cpu.map_or("–".into(), |c| format!("{c:.2} s")),
        mib(peak),
    );
}

fn series_row(label: &str, m: &Series, n: usize) {
    row(label, &m.walls, n, m.cpu(), m.peak_kib());
    if m.peak_kib().is_some() {
        println!("  {:<36} memory: {}", "", m.memory_line());
    }
}

struct Verdict {
    failed: bool,
    lines: Vec<String>,
}

impl Verdict {
    fn add(&mut self, pass: Option<bool>, target: &str, figure: String) {
        let tag = match pass {
            Some(true) => "PASS",
            Some(false) => {
                self.failed = true;
                "FAIL"
            }
            None => "----",
        };
        self.lines.push(format!("  {tag}  {target:<42} {figure}"));
    }
}

/// The JSON report's summary, as a check that the run checked what it was given.
fn summarize_json(path: &Path) -> Result<String, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the JSON report does not parse: {e}"))?;
    let s = &v["summary"];
    let with_errors = v["files"].as_array().map_or(0, |fs| {
        fs.iter()
            .filter(|f| f["errors"].as_u64().unwrap_or(0) > 0)
            .count()
    });
    let explained = v["files"].as_array().map_or(0, |fs| {
        fs.iter()
            .filter(|f| f["explanations"].as_array().is_some_and(|e| !e.is_empty()))
            .count()
    });
    Ok(format!(
        "{} files, {} checked, {} unreadable, {} with errors, {} explained; {} errors, {} warnings ({:.1} MB of JSON)",
        s["files"],
        s["checked"],
        s["unreadable"],
        with_errors,
        explained,
        s["errors"],
        s["warnings"],
        text.len() as f64 / 1e6
    ))
}

fn minutes(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

// -------------------------------------------------------------------------------------------
// The two-slip rate
// -------------------------------------------------------------------------------------------

/// What the cases with `slips` planted slips gave.
struct Calibration {
    slips: usize,
    cases: usize,
    /// With a finding.
    detected: usize,
    /// A planted cell is in the top explanation (the first one).
    top_holds_planted: usize,
    /// ... and its suggested value is the value before the slip.
    top_value_exact: usize,
    /// The report presents one explanation as unique (the only one of its size and no reading
    /// one figure larger shown) and none of its cells was planted.
    unique_and_wrong: usize,
    /// One explanation holds every planted cell.
    all_in_one: usize,
    /// A cause not localised (too many possibilities).
    not_localised: usize,
    /// Count changes over the localised explanations, and those explanations.
    cells: usize,
    explanations: usize,
}

fn share(k: usize, of: usize) -> String {
    if of == 0 {
        return "–".into();
    }
    format!("{k}/{of} = {:.1} %", k as f64 * 100.0 / of as f64)
}

fn rate(k: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        k as f64 / of as f64
    }
}

/// `n` clean branches, each with `slips` random count slips (different figures of M01, M02 or
/// M04, each 1 to 30 too high, as in the property test of one slip), checked and explained
/// through the library.
fn calibration(n: usize, slips: usize) -> Result<Calibration, String> {
    let pack = crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).map_err(|e| {
        format!(
            "the built-in rule pack does not compile: {} errors",
            e.len()
        )
    })?;
    let layout = Layout::default();
    type Case = (bool, bool, bool, bool, bool, usize, usize);
    let cases: Vec<Option<Case>> = (0..n)
        .into_par_iter()
        .map(|case| -> Result<Option<Case>, String> {
            let mut rng = Lcg::new(0x7500 + (slips as u64) * 0x1_0000 + case as u64);
            let mut b = Branch::clean("Chi bộ Thử", "TD-01", 5000 + case as u64);
            let counts: Vec<forms::Figure> = b
                .figures()
                .into_iter()
                .filter(|f| f.col == Col::Count && f.form != "M03")
                .collect();
            if counts.len() < slips {
                return Ok(None);
            }
            let mut chosen: Vec<usize> = Vec::new();
            while chosen.len() < slips {
                let i = rng.range(0, counts.len() as i64 - 1) as usize;
                if !chosen.contains(&i) {
                    chosen.push(i);
                }
            }
            // (sheet, cell, the value before the slip).
            let mut planted: Vec<(String, String, f64)> = Vec::new();
            for &i in &chosen {
                let f = &counts[i];
                b.set(
                    f.form,
                    f.item,
                    Col::Count,
                    f.value + rng.range(1, 30) as f64,
                );
                let at = forms::cell_ref(&layout, f.form, f.item, Col::Count)
                    .ok_or_else(|| format!("no cell for {}/{}", f.form, f.item))?;
                planted.push((at.sheet.clone(), at.a1(), f.value));
            }
            let bytes = forms::write_branch(&b, &layout);
            let wb = crossfoot::read::load::load_bytes(&bytes, "b.xlsx", &Default::default())
                .map_err(|e| format!("a generated branch does not load: {e:?}"))?;
            let (_, findings, _, kept) = crossfoot::explain::check_workbook_kept(
                &wb,
                "b.xlsx",
                &pack,
                crossfoot::check::Links::NONE,
            );
            if findings.is_empty() {
                return Ok(None);
            }
            let holds = |e: &crossfoot::explain::localise::Explanation,
                         p: &(String, String, f64)| {
                e.changes.iter().any(|c| c.sheet == p.0 && c.cell == p.1)
            };
            let ex = &kept.explanations;
            let top = ex.iter().find(|e| e.localised);
            let top_holds = top.is_some_and(|e| planted.iter().any(|p| holds(e, p)));
            let top_exact = top.is_some_and(|e| {
                e.changes.iter().any(|c| {
                    planted
                        .iter()
                        .any(|p| c.sheet == p.0 && c.cell == p.1 && c.suggested == Some(p.2))
                })
            });
            // Presented as unique: the only one of its size, no larger reading shown.
            let unique_wrong = ex.iter().any(|e| {
                e.localised
                    && e.alternatives == 1
                    && e.or.is_empty()
                    && !e.changes.is_empty()
                    && !planted.iter().any(|p| holds(e, p))
            });
            if unique_wrong && std::env::var_os("CROSSFOOT_CALIBRATION_SHOW").is_some() {
                let wrong: Vec<&str> = ex
                    .iter()
                    .filter(|e| {
                        e.localised
                            && e.alternatives == 1
                            && e.or.is_empty()
                            && !planted.iter().any(|p| holds(e, p))
                    })
                    .map(|e| e.text.as_str())
                    .collect();
                eprintln!("case {case}: planted {planted:?}; shown unique: {wrong:?}");
            }
            let all = ex.iter().any(|e| planted.iter().all(|p| holds(e, p)));
            let not_localised = ex.iter().any(|e| !e.localised);
            let localised: Vec<&crossfoot::explain::localise::Explanation> =
                ex.iter().filter(|e| e.localised).collect();
            let cells: usize = localised
                .iter()
                .map(|e| {
                    e.changes
                        .iter()
                        .filter(|c| c.kind != Some(crossfoot::explain::localise::Slip::Follows))
                        .count()
                })
                .sum();
            Ok(Some((
                top_holds,
                top_exact,
                unique_wrong,
                all,
                not_localised,
                cells,
                localised.len(),
            )))
        })
        .collect::<Result<_, String>>()?;
    let d: Vec<Case> = cases.iter().flatten().copied().collect();
    let count = |f: fn(&Case) -> bool| d.iter().filter(|c| f(c)).count();
    Ok(Calibration {
        slips,
        cases: n,
        detected: d.len(),
        top_holds_planted: count(|c| c.0),
        top_value_exact: count(|c| c.1),
        unique_and_wrong: count(|c| c.2),
        all_in_one: count(|c| c.3),
        not_localised: count(|c| c.4),
        cells: d.iter().map(|c| c.5).sum(),
        explanations: d.iter().map(|c| c.6).sum(),
    })
}

/// Prints the calibration for one, two and three slips; its targets.
fn calibrate(n: usize) -> Result<Vec<Target>, String> {
    let mut verdict: Vec<Target> = Vec::new();
    let mut cells = 0;
    let mut explanations = 0;
    for slips in 1..=3 {
        let t = Instant::now();
        let c = calibration(n, slips)?;
        println!(
            "{} slip(s)  {} branches, {} detected ({}): planted cell in the top explanation {}, its value exact {}, one explanation presented as unique and none of its cells planted {}, every planted cell in one explanation {}, not localised {}, cells per explanation {:.2}",
            c.slips,
            c.cases,
            c.detected,
            secs(t.elapsed().as_secs_f64()),
            share(c.top_holds_planted, c.detected),
            share(c.top_value_exact, c.detected),
            share(c.unique_and_wrong, c.detected),
            share(c.all_in_one, c.detected),
            share(c.not_localised, c.detected),
            rate(c.cells, c.explanations),
        );
        cells += c.cells;
        explanations += c.explanations;
        if slips == 1 {
            verdict.push((
                Some(rate(c.top_holds_planted, c.detected) >= 0.95),
                "1 slip: planted cell in the top ≥ 95 %".into(),
                share(c.top_holds_planted, c.detected),
            ));
            verdict.push((
                Some(rate(c.top_value_exact, c.detected) >= 0.90),
                "1 slip: suggested value exact ≥ 90 %".into(),
                share(c.top_value_exact, c.detected),
            ));
        } else {
            verdict.push((
                Some(rate(c.unique_and_wrong, c.detected) <= 0.05),
                format!("{slips} slips: shown unique, none planted ≤ 5 %"),
                share(c.unique_and_wrong, c.detected),
            ));
        }
    }
    verdict.push((
        Some(rate(cells, explanations) <= 2.0),
        "cells per explanation ≤ 2".into(),
        format!("{:.2}", rate(cells, explanations)),
    ));
    Ok(verdict)
}

/// (g) The generated panel judged with the pack's `[plausibility]`: prints what was found and
/// the clean units flagged; its targets.
fn panel_targets(units: usize) -> Result<Vec<Target>, String> {
    let pack = crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).map_err(|e| {
        format!(
            "the built-in rule pack does not compile: {} errors",
            e.len()
        )
    })?;
    let per_slip = units / 20;
    if per_slip == 0 {
        return Err("--panel-units must be at least 20 (5 % of the units per slip)".into());
    }
    let t = Instant::now();
    let out = panel::run_panel(&pack, units, 3, per_slip, 1000);
    let found: Vec<String> = out
        .found
        .iter()
        .map(|(kind, n, of)| format!("{kind} {}", share(*n, *of)))
        .collect();
    println!(
        "panel       {units} units × 3 years, {per_slip} units of each slip in each judged year ({}): found {}; clean units flagged {}",
        secs(t.elapsed().as_secs_f64()),
        found.join(", "),
        share(out.clean_flagged, out.clean)
    );
    Ok(vec![
        (
            Some(out.least_found() >= TARGET_PANEL_FOUND),
            format!(
                "panel: each slip found ≥ {:.0} %",
                TARGET_PANEL_FOUND * 100.0
            ),
            format!("least {:.1} %", out.least_found() * 100.0),
        ),
        (
            Some(out.clean_share() <= TARGET_PANEL_CLEAN),
            format!(
                "panel: clean units flagged ≤ {:.0} %",
                TARGET_PANEL_CLEAN * 100.0
            ),
            share(out.clean_flagged, out.clean),
        ),
    ])
}

/// The cached pair of sets for the history checks' cost: `n` branches of last year (clean)
/// under `prev/`, and the same branches a year later under `now/` (flows in proportion to
/// their size, every breakdown in last year's proportions).
fn history_sets(n: usize) -> Result<(PathBuf, PathBuf), String> {
    let root = target_dir().join("crossfoot-bench");
    let dir = root.join(format!("history-{n}"));
    let key = format!(
        "crossfoot history bench, generator v{GENERATOR_VERSION}, {n} workbooks, forms.rs {:016x}, panel.rs {:016x}\n",
        fnv1a(FORMS_SOURCE),
        fnv1a(PANEL_SOURCE)
    );
    let io = |what: &str, p: &Path, e: std::io::Error| format!("{what} {}: {e}", p.display());
    let key_file = root.join(format!("history-{n}.{CACHE_KEY_FILE}"));
    let (prev, now) = (dir.join("prev"), dir.join("now"));
    if dir.is_dir() && fs::read_to_string(&key_file).is_ok_and(|k| k == key) {
        println!("workbooks   reusing {}", dir.display());
        return Ok((prev, now));
    }
    let partial = root.join(format!("history-{n}.partial"));
    let _ = fs::remove_dir_all(&partial);
    let _ = fs::remove_dir_all(&dir);
    for d in ["prev", "now"] {
        fs::create_dir_all(partial.join(d)).map_err(|e| io("cannot create", &partial, e))?;
    }
    println!(
        "workbooks   writing {n} of last year and {n} of this year into {} …",
        dir.display()
    );
    let t = Instant::now();
    (0..n).into_par_iter().try_for_each(|i| {
        let mut b = Branch::clean(
            &format!("Chi bộ số {}", i + 1),
            &format!("CB-{:05}", i + 1),
            0xC0FF_EE00_0000 + i as u64,
        );
        b.year -= 1;
        let later = panel::next_year(&b, 0xFEED_0000 + i as u64);
        for (d, b) in [("prev", &b), ("now", &later)] {
            let path = partial.join(d).join(file_name(i));
            fs::write(&path, forms::write_branch(b, &Layout::default()))
                .map_err(|e| io("cannot write", &path, e))?;
        }
        Ok::<(), String>(())
    })?;
    fs::rename(&partial, &dir).map_err(|e| io("cannot rename", &partial, e))?;
    fs::write(&key_file, &key).map_err(|e| io("cannot write", &key_file, e))?;
    println!("            written in {}", secs(t.elapsed().as_secs_f64()));
    Ok((prev, now))
}

/// (g) What the history checks add to `check --format json --previous` on `n` workbooks:
/// prints both runs; its target.
fn history_cost(
    bin: &Path,
    n: usize,
    jobs: usize,
    runs: usize,
    scratch: &Path,
) -> Result<Target, String> {
    let (prev, now) = history_sets(n)?;
    let args = |history: bool| {
        let mut a: Vec<OsString> = vec![
            "check".into(),
            "--format".into(),
            "json".into(),
            "--jobs".into(),
            jobs.to_string().into(),
            "--previous".into(),
            prev.clone().into(),
        ];
        if !history {
            a.push("--no-history".into());
        }
        a.push(now.clone().into());
        a
    };
    let out = scratch.join("report-history.json");
    let (mut with, mut without) = (Series::default(), Series::default());
    // One of each first, untimed: the files into the page cache.
    for history in [true, false] {
        binary_once(bin, &args(history), None, scratch, "check --previous")?;
    }
    for r in 0..runs {
        progress(r, runs);
        with.add_run(&binary_once(
            bin,
            &args(true),
            Some(&out),
            scratch,
            "crossfoot check --format json --previous",
        )?);
        without.add_run(&binary_once(
            bin,
            &args(false),
            None,
            scratch,
            "crossfoot check --format json --previous --no-history",
        )?);
    }
    progress_done();
    header();
    series_row(&format!("(g) check --previous, {n} + {n}"), &with, n);
    series_row("    the same with --no-history", &without, n);
    println!("check --previous found {}", summarize_json(&out)?);
    let (on, off) = (with.median(), without.median());
    let added = (on - off) / off;
    let cpu = match (with.cpu(), without.cpu()) {
        (Some(a), Some(b)) if b > 0.0 => format!("; CPU {:+.1} %", (a - b) / b * 100.0),
        _ => String::new(),
    };
    println!(
        "the history checks add {:+.1} % to check --previous ({} with them, {} without){cpu}",
        added * 100.0,
        secs(on),
        secs(off)
    );
    Ok((
        Some(added <= TARGET_HISTORY_SHARE),
        format!(
            "history checks add ≤ {:.0} % to check --previous",
            TARGET_HISTORY_SHARE * 100.0
        ),
        format!("{:+.1} % ({} / {})", added * 100.0, secs(on), secs(off)),
    ))
}

// -------------------------------------------------------------------------------------------
// The benchmark
// -------------------------------------------------------------------------------------------

fn main() -> ExitCode {
    let mut argv = std::env::args_os().skip(1);
    if argv.next().is_some_and(|a| a == SPAWN_HELPER) {
        return spawn_helper(argv);
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    platform::setup();
    let measured = if args.same_results.is_some() || args.instructions || args.memory {
        only_these(&args)
    } else {
        bench(&args).map(|missed| Outcome {
            missed,
            differs: false,
        })
    };
    match measured {
        Ok(o) if o.differs || (o.missed && args.strict) => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark stopped: {e}");
            ExitCode::from(2)
        }
    }
}

fn json_args(jobs: usize, dir: &Path) -> Vec<OsString> {
    vec![
        "check".into(),
        "--format".into(),
        "json".into(),
        "--jobs".into(),
        jobs.to_string().into(),
        dir.into(),
    ]
}

fn bench(args: &Args) -> Result<bool, String> {
    if args.calibration_only {
        let mut v = Verdict {
            failed: false,
            lines: Vec::new(),
        };
        for (pass, target, figure) in calibrate(args.slips.max(1))? {
            v.add(pass, &target, figure);
        }
        println!();
        for line in &v.lines {
            println!("{line}");
        }
        return Ok(v.failed);
    }
    if args.history_only {
        let mut v = Verdict {
            failed: false,
            lines: Vec::new(),
        };
        if args.panel_units > 0 {
            for (pass, target, figure) in panel_targets(args.panel_units)? {
                v.add(pass, &target, figure);
            }
        }
        if args.history {
            let scratch = target_dir().join("crossfoot-bench").join("scratch");
            fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
            let (pass, target, figure) =
                history_cost(&args.binary, args.files, args.jobs, args.runs, &scratch)?;
            v.add(pass, &target, figure);
        }
        println!();
        for line in &v.lines {
            println!("{line}");
        }
        return Ok(v.failed);
    }
    let bin = &args.binary;
    if !bin.exists() {
        return Err(format!(
            "no crossfoot binary at {} (build it with `cargo build --release`)",
            bin.display()
        ));
    }
    let version = Command::new(bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let help = Command::new(bin)
        .args(["check", "--help"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let has_review = help.lines().any(|l| l.trim_start().starts_with("-o,"));
    let has_no_explain = help
        .lines()
        .any(|l| l.trim_start().starts_with("--no-explain"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if args.jobs == 0 { cores } else { args.jobs };
    let scratch = target_dir().join("crossfoot-bench").join("scratch");
    fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;

    println!("crossfoot throughput benchmark");
    println!("binary      {} ({version})", bin.display());
    println!(
        "threads     {threads} (--jobs {}; {cores} cores)   runs {} (median reported)",
        args.jobs, args.runs
    );
    println!("memory      {}", platform::MEMORY);
    println!("CPU         user + system seconds of every thread and process of the run");
    let clock_before = cpu_clock();

    let set = workbook_set(args.files)?;
    let n = set.files.len();
    println!(
        "            {n} workbooks, {:.1} MB, {} with slips",
        set.bytes as f64 / 1e6,
        set.with_slips
    );

    // Read every file once so that the timed runs find them in the page cache.
    let t = Instant::now();
    let cells = bare_read(&set.files, &pool);
    println!(
        "warm-up     bare read of all files: {} ({cells} cells)",
        secs(t.elapsed().as_secs_f64())
    );
    println!();

    // (a), (b) and (c), one run of each in turn, so that other work on the machine weighs on
    // all of them alike.
    let json_out = scratch.join("report.json");
    let review_path = scratch.join("review.xlsx");
    let with_review = !args.skip_review && has_review;
    let review_args: Vec<OsString> = vec![
        "check".into(),
        "-o".into(),
        review_path.clone().into(),
        "--jobs".into(),
        args.jobs.to_string().into(),
        set.dir.clone().into(),
    ];
    let mut no_explain_args = json_args(args.jobs, &set.dir);
    no_explain_args.insert(1, "--no-explain".into());
    let no_explain_out = scratch.join("report-no-explain.json");
    let mut review_no_explain_args = review_args.clone();
    review_no_explain_args.insert(1, "--no-explain".into());
    let (mut bare, mut json, mut lib, mut review, mut unexplained) = (
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
    );
    let mut review_unexplained = Series::default();
    for r in 0..args.runs {
        progress(r, args.runs);
        let (wall, cpu) = bare_once(&set.files, &pool);
        bare.add(wall, cpu);
        json.add_run(&binary_once(
            bin,
            &json_args(args.jobs, &set.dir),
            Some(&json_out),
            &scratch,
            "crossfoot check --format json",
        )?);
        if has_no_explain {
            unexplained.add_run(&binary_once(
                bin,
                &no_explain_args,
                Some(&no_explain_out),
                &scratch,
                "crossfoot check --format json --no-explain",
            )?);
        }
        let (wall, cpu) = lib_once(&set.dir, args.jobs)?;
        lib.add(wall, cpu);
        if with_review {
            let _ = fs::remove_file(&review_path);
            review.add_run(&binary_once(
                bin,
                &review_args,
                None,
                &scratch,
                "crossfoot check -o review.xlsx",
            )?);
            if has_no_explain {
                let _ = fs::remove_file(&review_path);
                review_unexplained.add_run(&binary_once(
                    bin,
                    &review_no_explain_args,
                    None,
                    &scratch,
                    "crossfoot check -o review.xlsx --no-explain",
                )?);
            }
        }
    }
    progress_done();
    header();
    let bare_m = bare.median();
    let bare_cpu = bare.cpu();
    series_row("(a) bare calamine read, parallel", &bare, n);
    series_row("(b) check --format json (binary)", &json, n);
    if has_no_explain {
        series_row("(e) check --format json --no-explain", &unexplained, n);
    }
    series_row("    Run::check_all + report::json (lib)", &lib, n);
    let review = if with_review {
        series_row("(c) check -o review.xlsx (binary)", &review, n);
        if has_no_explain {
            series_row(
                "(h) check -o review.xlsx --no-explain",
                &review_unexplained,
                n,
            );
        }
        let size = fs::metadata(&review_path).map(|m| m.len()).unwrap_or(0);
        Some((review, size))
    } else {
        None
    };
    let json_summary = summarize_json(&json_out)?;
    // (e) what localisation adds: (b) over (b) with --no-explain.
    let explain_cost = has_no_explain.then(|| {
        let (on, off) = (json.median(), unexplained.median());
        let cpu = match (json.cpu(), unexplained.cpu()) {
            (Some(a), Some(b)) if b > 0.0 => Some((a - b) / b),
            _ => None,
        };
        (on, off, (on - off) / off, cpu)
    });

    // (d) one small workbook end to end.
    let one = &set.files[0];
    let one_args: Vec<OsString> = vec![
        "check".into(),
        "--format".into(),
        "json".into(),
        one.clone().into(),
    ];
    let stderr_file = scratch.join("stderr.txt");
    let warm = run_binary(bin, &one_args, None, &stderr_file, false)?;
    expect_checked(&warm, "crossfoot check (one workbook)", &stderr_file)?;
    let mut small = Series::default();
    for _ in 0..args.small_runs {
        let r = run_binary(bin, &one_args, None, &stderr_file, false)?;
        expect_checked(&r, "crossfoot check (one workbook)", &stderr_file)?;
        small.add(r.wall, r.cpu);
    }
    let small_mem = run_binary(bin, &one_args, None, &stderr_file, true)?;
    small.main_peak_kib = small_mem.main_peak_kib;
    small.main_hwm_kib = small_mem.main_hwm_kib;
    small.tree_peak_kib = small_mem.tree_peak_kib;
    row(
        &format!("(d) one workbook, {} runs", args.small_runs),
        &small.walls,
        1,
        small.cpu(),
        small.peak_kib(),
    );
    // Each run against the bare read, in wall time and in CPU (CPU is the steadier on a
    // shared machine). Instruction counts: see docs/performance.md (callgrind).
    println!();
    println!("ratios to the bare read (a)        wall      CPU");
    let mut against_read = vec![("(b) JSON", &json)];
    if has_no_explain {
        against_read.push(("(e) JSON --no-explain", &unexplained));
    }
    if let Some((r, _)) = &review {
        against_read.push(("(c) -o", r));
        if has_no_explain {
            against_read.push(("(h) -o --no-explain", &review_unexplained));
        }
    }
    for (label, m) in against_read {
        let cpu = match (m.cpu(), bare_cpu) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2} ×", a / b),
            _ => "–".to_string(),
        };
        println!("  {label:<30} {:>6.2} × {cpu:>8}", m.median() / bare_m);
    }

    println!();
    println!("check found {json_summary}");
    match explain_cost {
        Some((on, off, share, cpu)) => println!(
            "localisation adds {:+.1} % to check --format json ({} with it, {} with --no-explain){}",
            share * 100.0,
            secs(on),
            secs(off),
            cpu.map_or(String::new(), |c| format!("; CPU {:+.1} %", c * 100.0))
        ),
        None => println!(
            "localisation not measured: this crossfoot has no --no-explain (see `crossfoot check --help`)"
        ),
    }
    let mut calibration = if args.slips > 0 {
        calibrate(args.slips)?
    } else {
        Vec::new()
    };
    if args.panel_units > 0 {
        calibration.extend(panel_targets(args.panel_units)?);
    }
    if args.history {
        println!();
        calibration.push(history_cost(bin, n, args.jobs, args.runs, &scratch)?);
    }
    match &review {
        Some((_, size)) => println!("review.xlsx {:.1} MB", *size as f64 / 1e6),
        None if args.skip_review => println!("review.xlsx skipped (--skip-review)"),
        None => println!(
            "review.xlsx skipped: this crossfoot has no `-o` (see `crossfoot check --help`)"
        ),
    }

    // Memory scaling.
    let scaling = if args.memory_scaling {
        println!();
        let big = workbook_set(args.scaling_files)?;
        let bn = big.files.len();
        println!(
            "            {bn} workbooks, {:.1} MB, {} with slips",
            big.bytes as f64 / 1e6,
            big.with_slips
        );
        std::hint::black_box(bare_read(&big.files, &pool));
        let runs = args.runs.min(3);
        let (mut big_bare, mut big_json) = (Series::default(), Series::default());
        for r in 0..runs {
            progress(r, runs);
            let (wall, cpu) = bare_once(&big.files, &pool);
            big_bare.add(wall, cpu);
            big_json.add_run(&binary_once(
                bin,
                &json_args(args.jobs, &big.dir),
                Some(&json_out),
                &scratch,
                "crossfoot check --format json (scaling)",
            )?);
        }
        progress_done();
        println!();
        header();
        series_row(&format!("(a) bare read, {bn}"), &big_bare, bn);
        series_row(&format!("(b) check --format json, {bn}"), &big_json, bn);
        println!();
        println!("check found {}", summarize_json(&json_out)?);
        Some((bn, big_json, big_bare.median()))
    } else {
        None
    };
    let clock_after = cpu_clock();

    // Targets.
    let mut v = Verdict {
        failed: false,
        lines: Vec::new(),
    };
    for (pass, target, figure) in calibration {
        v.add(pass, &target, figure);
    }
    let cpu_ratio = |cpu: Option<f64>| match (cpu, bare_cpu) {
        (Some(c), Some(b)) if b > 0.0 => format!("; CPU {:.2} ×", c / b),
        _ => String::new(),
    };
    let r = json.median() / bare_m;
    v.add(
        Some(r <= TARGET_JSON_RATIO),
        &format!("check --format json ≤ {TARGET_JSON_RATIO} × bare read"),
        format!(
            "{r:.2} × ({} / {}{})",
            secs(json.median()),
            secs(bare_m),
            cpu_ratio(json.cpu())
        ),
    );
    let review_target = format!("check -o review.xlsx ≤ {TARGET_REVIEW_RATIO} × bare read");
    match &review {
        Some((m, _)) => {
            let r = m.median() / bare_m;
            v.add(
                Some(r <= TARGET_REVIEW_RATIO),
                &review_target,
                format!(
                    "{r:.2} × ({} / {}{})",
                    secs(m.median()),
                    secs(bare_m),
                    cpu_ratio(m.cpu())
                ),
            );
        }
        None => v.add(None, &review_target, "not measured".into()),
    }
    let explain_target = format!(
        "localisation adds ≤ {:.0} % to check --format json",
        TARGET_EXPLAIN_SHARE * 100.0
    );
    match explain_cost {
        Some((on, off, share, _)) => v.add(
            Some(share <= TARGET_EXPLAIN_SHARE),
            &explain_target,
            format!("{:+.1} % ({} / {})", share * 100.0, secs(on), secs(off)),
        ),
        None => v.add(
            None,
            &explain_target,
            "not measured (no --no-explain)".into(),
        ),
    }
    let sm = small.median() * 1000.0;
    v.add(
        Some(sm <= TARGET_SMALL_MS),
        &format!("one small workbook ≤ {TARGET_SMALL_MS} ms"),
        format!("{sm:.1} ms"),
    );
    let mem_target = format!(
        "peak memory at {} ≤ {TARGET_MEMORY_RATIO} × at {n}",
        args.scaling_files
    );
    match &scaling {
        Some((_, m, _)) => match (m.peak_kib(), json.peak_kib()) {
            (Some(big), Some(small)) => {
                let r = big as f64 / small as f64;
                let main = match (m.main_hwm_kib, json.main_hwm_kib) {
                    (Some(b), Some(s)) => format!(
                        "; crossfoot process alone (sampled) {:.2} × ({} / {})",
                        b as f64 / s as f64,
                        mib(Some(b)),
                        mib(Some(s))
                    ),
                    _ => String::new(),
                };
                v.add(
                    Some(r <= TARGET_MEMORY_RATIO),
                    &mem_target,
                    format!("{r:.2} × ({} / {}){main}", mib(Some(big)), mib(Some(small))),
                );
            }
            _ => v.add(None, &mem_target, "peak memory not measurable here".into()),
        },
        None => v.add(None, &mem_target, "not run (add --memory-scaling)".into()),
    }
    println!();
    println!("targets (wall-clock medians)");
    for l in &v.lines {
        println!("{l}");
    }

    // National scale, from the largest set measured.
    let (rate, bare_rate, from) = match &scaling {
        Some((bn, m, b)) => (*bn as f64 / m.median(), *bn as f64 / b, *bn),
        None => (n as f64 / json.median(), n as f64 / bare_m, n),
    };
    println!();
    println!(
        "{NATIONAL:.0} workbooks on this machine ({threads} thread{}, at the rates of the {from}-workbook run): \
         check --format json ≈ {}, bare read ≈ {}",
        if threads == 1 { "" } else { "s" },
        minutes(NATIONAL / rate),
        minutes(NATIONAL / bare_rate)
    );
    if let Some((m, _)) = &review {
        println!(
            "            check -o review.xlsx ≈ {} (at the rate of the {n}-workbook run)",
            minutes(NATIONAL / (n as f64 / m.median()))
        );
    }
    println!("{}", other_work(clock_before, clock_after, cores));
    Ok(v.failed)
}

// -------------------------------------------------------------------------------------------
// Instruction counts, peak memory and the same results (issue 28)
// -------------------------------------------------------------------------------------------

/// What a run of the bench found: a target missed; two binaries' results differing.
struct Outcome {
    missed: bool,
    differs: bool,
}

/// `--same-results`, `--instructions` and `--memory`: only those asked for, in that order.
fn only_these(args: &Args) -> Result<Outcome, String> {
    let scratch = target_dir().join("crossfoot-bench").join("scratch");
    fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let mut differs = false;
    if let Some((before, after)) = &args.same_results {
        differs = !same_results(args.files, before, after, &scratch)?;
        println!();
    }
    let mut v = Verdict {
        failed: false,
        lines: Vec::new(),
    };
    let mut targets = Vec::new();
    if args.instructions {
        targets.extend(instruction_counts(args, &scratch)?);
        println!();
    }
    if args.memory {
        targets.extend(memory_scaling(args, &scratch)?);
        println!();
    }
    for (pass, target, figure) in targets {
        v.add(pass, &target, figure);
    }
    if !v.lines.is_empty() {
        println!("targets");
        for line in &v.lines {
            println!("{line}");
        }
    }
    if args.same_results.is_some() {
        println!(
            "same results: {}",
            if differs {
                "NO, the two binaries' results differ (see above)"
            } else {
                "yes, byte-identical"
            }
        );
    }
    Ok(Outcome {
        missed: v.failed,
        differs,
    })
}

/// The first folder of `PATH` that holds an executable `name`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Instructions of one process, from its callgrind output file.
struct Process {
    /// The command callgrind names (`cmd:`), its program cut to the file name.
    cmd: String,
    instructions: u64,
}

/// Runs `program args` under callgrind (children traced), its output files into `dir`
/// (emptied first); the processes it counted. `ok`: the exit statuses that mean the run did
/// its job.
fn callgrind(
    valgrind: &Path,
    program: &Path,
    program_args: &[OsString],
    dir: &Path,
    ok: &[i32],
) -> Result<Vec<Process>, String> {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut args: Vec<OsString> = vec![
        "--tool=callgrind".into(),
        "--trace-children=yes".into(),
        format!("--callgrind-out-file={}/cg.%p", dir.display()).into(),
        program.into(),
    ];
    args.extend(program_args.iter().cloned());
    let stderr_file = dir.join("valgrind.stderr");
    let run = run_binary(valgrind, &args, None, &stderr_file, false)?;
    if !run.code.is_some_and(|c| ok.contains(&c)) {
        let err = fs::read_to_string(&stderr_file).unwrap_or_default();
        let lines: Vec<&str> = err.lines().collect();
        return Err(format!(
            "{} under callgrind ended with {:?} (expected one of {ok:?}):\n{}",
            program.display(),
            run.code,
            lines[lines.len().saturating_sub(20)..].join("\n")
        ));
    }
    let mut processes = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("cg."))
        })
        .collect();
    entries.sort();
    for path in entries {
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let instructions = callgrind_total(&text).ok_or_else(|| {
            format!(
                "{}: no summary: or totals: line (callgrind output cut off?)",
                path.display()
            )
        })?;
        processes.push(Process {
            cmd: callgrind_cmd(&text),
            instructions,
        });
    }
    if processes.is_empty() {
        return Err(format!("callgrind wrote no output into {}", dir.display()));
    }
    Ok(processes)
}

/// `--instructions`: the bare read and crossfoot's runs under callgrind on the first
/// `--instruction-files` workbooks; prints each process's count and the ratios to the read.
fn instruction_counts(args: &Args, scratch: &Path) -> Result<Vec<Target>, String> {
    let Some(valgrind) = on_path("valgrind") else {
        println!("instructions  not measured: valgrind is not on PATH (callgrind counts them)");
        return Ok(vec![(
            None,
            "instruction counts".into(),
            "not measured: no valgrind on PATH".into(),
        )]);
    };
    let bare = args.bare_read.clone().unwrap_or_else(|| {
        target_dir()
            .join("release")
            .join("examples")
            .join(format!("bare_read{}", std::env::consts::EXE_SUFFIX))
    });
    if !bare.is_file() {
        return Err(format!(
            "no bare read at {}: build it with `cargo build --release --locked --example bare_read` (or give --bare-read PATH)",
            bare.display()
        ));
    }
    let set = workbook_set(args.instruction_files)?;
    println!(
        "instructions  callgrind ({}), {} workbooks ({} with slips) in {}; crossfoot --jobs 1",
        valgrind.display(),
        set.files.len(),
        set.with_slips,
        set.dir.display()
    );
    println!("              bare read: {}", bare.display());
    println!("              crossfoot: {}", args.binary.display());
    let root = scratch.join("callgrind");
    let review = root.join("review.xlsx");
    let check = |extra: &[&str]| -> Vec<OsString> {
        let mut a: Vec<OsString> = vec!["check".into()];
        a.extend(extra.iter().map(OsString::from));
        a.extend(["--jobs".into(), "1".into(), set.dir.clone().into()]);
        a
    };
    let review_arg = review.to_string_lossy().into_owned();
    let mut runs: Vec<(&str, Vec<OsString>)> = vec![
        ("check --format json", check(&["--format", "json"])),
        (
            "check --format json --no-explain",
            check(&["--format", "json", "--no-explain"]),
        ),
    ];
    if !args.skip_review {
        runs.push(("check -o review.xlsx", check(&["-o", &review_arg])));
        runs.push((
            "check -o review.xlsx --no-explain",
            check(&["-o", &review_arg, "--no-explain"]),
        ));
    }
    let t = Instant::now();
    let read = callgrind(
        &valgrind,
        &bare,
        &[set.dir.clone().into()],
        &root.join("bare-read"),
        &[0],
    )?;
    let read_total: u64 = read.iter().map(|p| p.instructions).sum();
    println!();
    println!(
        "  {:<36} {:>14} {:>9} {:>8}",
        "", "instructions", "per wb", "× read"
    );
    let per_wb = |n: u64| format!("{:.1} M", n as f64 / 1e6 / set.files.len() as f64);
    println!(
        "  {:<36} {:>14} {:>9} {:>8}   ({})",
        "bare read (examples/bare_read)",
        millions(read_total),
        per_wb(read_total),
        "1",
        secs(t.elapsed().as_secs_f64())
    );
    let mut totals = Vec::new();
    for (i, (label, run_args)) in runs.iter().enumerate() {
        let t = Instant::now();
        let _ = fs::remove_file(&review);
        let processes = callgrind(
            &valgrind,
            &args.binary,
            run_args,
            &root.join(format!("run-{}", i + 1)),
            &[0, 1],
        )?;
        let total: u64 = processes.iter().map(|p| p.instructions).sum();
        println!(
            "  {label:<36} {:>14} {:>9} {:>7.2} ×   ({}, {} processes)",
            millions(total),
            per_wb(total),
            total as f64 / read_total as f64,
            secs(t.elapsed().as_secs_f64()),
            processes.len()
        );
        for p in &processes {
            println!("      {:<46} {:>14}", p.cmd, millions(p.instructions));
        }
        totals.push(total);
    }
    Ok(measure::instruction_targets(
        read_total,
        &totals,
        TARGET_JSON_RATIO,
        TARGET_REVIEW_RATIO,
    ))
}

/// `--memory`: `check --format json` `--runs` times at `--files` and at `--scaling-files`
/// workbooks; the peak resident memory of the largest process (crossfoot's ru_maxrss through
/// the spawn helper, which holds the workers it waited for; or an orphaned worker's, reaped
/// here) and, sampled, of crossfoot itself, of its largest worker and of all processes; the
/// ratios of the larger set's medians to the smaller's.
fn memory_scaling(args: &Args, scratch: &Path) -> Result<Vec<Target>, String> {
    let bin = &args.binary;
    if !bin.exists() {
        return Err(format!("no crossfoot binary at {}", bin.display()));
    }
    println!(
        "memory        check --format json --jobs {} with {}, {} run(s) per size (medians)",
        args.jobs,
        bin.display(),
        args.runs
    );
    println!(
        "              largest process: the kernel's ru_maxrss of crossfoot (through the spawn \
         helper), which covers the workers it waits for (getrusage(RUSAGE_CHILDREN) inside it); \
         crossfoot alone and each worker alone: their VmHWM, and all processes at one moment: \
         their VmRSS, sampled every 5 ms"
    );
    let small = peaks_at(args, args.files, scratch)?;
    let big = peaks_at(args, args.scaling_files, scratch)?;
    let (sn, bn) = (args.files, args.scaling_files);
    let verdict = |what: &str, b: Option<u64>, s: Option<u64>, judged: bool| -> Target {
        scaling_verdict(what, (bn, b), (sn, s), TARGET_MEMORY_RATIO, judged)
    };
    Ok(vec![
        verdict(
            "peak RSS, largest process",
            big.largest,
            small.largest,
            true,
        ),
        verdict(
            "peak RSS, crossfoot alone (sampled)",
            big.main,
            small.main,
            true,
        ),
        verdict(
            "peak RSS, largest worker (sampled)",
            big.worker,
            small.worker,
            false,
        ),
        verdict(
            "peak RSS, all processes (sampled)",
            big.all,
            small.all,
            false,
        ),
    ])
}

/// The medians of `--runs` memory runs on one set, KiB.
struct Peaks {
    largest: Option<u64>,
    main: Option<u64>,
    worker: Option<u64>,
    all: Option<u64>,
}

/// `check --format json` `--runs` times on `n` workbooks, each run's figures printed.
fn peaks_at(args: &Args, n: usize, scratch: &Path) -> Result<Peaks, String> {
    let set = workbook_set(n)?;
    let out = scratch.join("memory.json");
    let mut seen: [Vec<u64>; 4] = Default::default();
    for r in 0..args.runs {
        let run = binary_once(
            &args.binary,
            &json_args(args.jobs, &set.dir),
            Some(&out),
            scratch,
            "crossfoot check --format json (memory)",
        )?;
        // A worker crossfoot did not wait for was reaped here: its ru_maxrss counts too.
        let largest = run.main_peak_kib.max(run.worker_maxrss_kib);
        println!(
            "  {n:>7} workbooks, run {}: largest process {}; sampled: crossfoot {}, largest of \
             {} workers {}, all processes at one moment {}; {} of wall",
            r + 1,
            mib1(largest),
            mib1(run.main_hwm_kib),
            run.workers,
            mib1(run.worker_peak_kib),
            mib1(run.tree_peak_kib),
            secs(run.wall)
        );
        let figures = [
            largest,
            run.main_hwm_kib,
            run.worker_peak_kib,
            run.tree_peak_kib,
        ];
        for (list, figure) in seen.iter_mut().zip(figures) {
            list.extend(figure);
        }
    }
    println!("            check found {}", summarize_json(&out)?);
    // Median of the runs that gave the figure (all or none on one system).
    let med = |v: &Vec<u64>| -> Option<u64> {
        let f: Vec<f64> = v.iter().map(|&k| k as f64).collect();
        (!f.is_empty()).then(|| median(&f) as u64)
    };
    Ok(Peaks {
        largest: med(&seen[0]),
        main: med(&seen[1]),
        worker: med(&seen[2]),
        all: med(&seen[3]),
    })
}

/// `--same-results BEFORE AFTER`: both binaries over the samples, the real-world corpus (when
/// present) and the `files` benchmark workbooks, `--format json` plain, `--lang en` and
/// `--discover`; true when every report and exit status is byte-identical.
fn same_results(files: usize, before: &Path, after: &Path, scratch: &Path) -> Result<bool, String> {
    for bin in [before, after] {
        if !bin.is_file() {
            return Err(format!("--same-results: no binary at {}", bin.display()));
        }
    }
    println!("same results  before: {}", before.display());
    println!("              after:  {}", after.display());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sets: Vec<(String, PathBuf)> = vec![("samples".into(), manifest.join("samples"))];
    let corpus = manifest.join("../shared/corpus/real-world");
    if corpus.is_dir() {
        sets.push(("real-world corpus".into(), corpus));
    } else {
        println!(
            "              real-world corpus: not compared, {} is not here",
            corpus.display()
        );
    }
    let bench = workbook_set(files)?;
    sets.push((format!("{files} bench workbooks"), bench.dir));
    let variants: [&[&str]; 3] = [&[], &["--lang", "en"], &["--discover"]];
    let dir = scratch.join("same-results");
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut all_same = true;
    for (name, set) in &sets {
        for extra in variants {
            let mut check: Vec<OsString> = vec!["check".into(), "--format".into(), "json".into()];
            check.extend(extra.iter().map(OsString::from));
            check.push(set.into());
            let label = format!("{name}, --format json {}", extra.join(" "));
            let stem: String = label
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let a = report_of(before, &check, &dir.join(format!("{stem}-before")))?;
            let b = report_of(after, &check, &dir.join(format!("{stem}-after")))?;
            let verdict = first_difference((&a.json, a.code), (&b.json, b.code));
            all_same &= verdict.is_none();
            match verdict {
                None => println!(
                    "  same     {label:<52} {:.1} MB, exit status {}",
                    a.json.len() as f64 / 1e6,
                    a.code
                ),
                Some(d) => {
                    println!("  DIFFERS  {label:<52} {d}");
                    println!(
                        "           kept: {} and {}",
                        a.path.display(),
                        b.path.display()
                    );
                }
            }
        }
    }
    Ok(all_same)
}

/// One binary's JSON report and exit status.
struct Report {
    path: PathBuf,
    json: Vec<u8>,
    code: i32,
}

/// Runs `bin args`, the report into `stem.json`. A run that does not give a JSON report (killed,
/// nothing written, not JSON) stops the comparison: two empty reports are no evidence.
fn report_of(bin: &Path, args: &[OsString], stem: &Path) -> Result<Report, String> {
    let path = stem.with_extension("json");
    let stderr_file = stem.with_extension("stderr");
    let run = run_binary(bin, args, Some(&path), &stderr_file, false)?;
    let json = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&json);
    match (run.code, parsed) {
        (Some(code), Ok(v)) if v.get("files").is_some() => Ok(Report { path, json, code }),
        (code, _) => {
            let err = fs::read_to_string(&stderr_file).unwrap_or_default();
            let tail: Vec<&str> = err.lines().rev().take(10).collect();
            Err(format!(
                "{} gave no JSON report ({}) for {:?}; its stderr ends:\n{}",
                bin.display(),
                code.map_or("killed by a signal".to_string(), |c| format!(
                    "exit status {c}"
                )),
                args,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ))
        }
    }
}
