//! Throughput benchmark: is reading the files the only cost that matters?
//!
//! ```sh
//! cargo bench --bench throughput                       # 2,000 workbooks, all cores
//! cargo bench --bench throughput -- --files 500 --jobs 1
//! cargo bench --bench throughput -- --skip-review      # leave out `check -o review.xlsx`
//! cargo bench --bench throughput -- --memory-scaling   # also 20,000 workbooks (slow)
//! cargo bench --bench throughput -- --help
//! ```
//!
//! It writes N branch workbooks of the shipped forms M01–M04 (from `tests/common/forms.rs`, the
//! generator the tests use; about one in five carries one to three slips) into a cache folder
//! under the target directory, kept between runs, then measures, each several times (median):
//!
//! * (a) the bare calamine read of those files: `open_workbook_auto` + `worksheet_range` of every
//!   sheet, in parallel across files (rayon) — the floor no checker can go under;
//! * (b) `crossfoot check --format json` on them, the release binary as a subprocess (the figure
//!   that counts), and the same through the library in this process;
//! * (c) `crossfoot check -o review.xlsx`, when the binary has `-o`;
//! * (d) one small workbook end to end (start-up, rule pack, check, exit), 20 runs;
//!
//! and prints times, workbooks per second, peak memory of the subprocesses, and PASS/FAIL against
//! the targets. The files are read once before timing: the figures are the CPU cost of reading
//! and checking, not the disk's.

#[path = "../tests/common/forms.rs"]
mod forms;

use calamine::Reader;
use forms::{Branch, Col, Layout, Lcg};
use rayon::prelude::*;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};

// -------------------------------------------------------------------------------------------
// Targets
// -------------------------------------------------------------------------------------------

/// `check --format json` at most this many times the bare parallel read.
const TARGET_JSON_RATIO: f64 = 1.3;
/// `check -o review.xlsx` at most this many times the bare parallel read.
const TARGET_REVIEW_RATIO: f64 = 3.0;
/// One small workbook end to end, at most this long.
const TARGET_SMALL_MS: f64 = 50.0;
/// Peak memory at the scaling size at most this many times the peak at the default size.
const TARGET_MEMORY_RATIO: f64 = 1.5;
/// The country's base organisations, for the extrapolation.
const NATIONAL: f64 = 55_000.0;

/// Bump when the generated set changes in a way `forms.rs` does not show.
const GENERATOR_VERSION: u32 = 1;
const FORMS_SOURCE: &str = include_str!("../tests/common/forms.rs");
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
  --binary PATH       the crossfoot binary to run [default: the one cargo built with this bench]
  --strict            exit with status 1 when a target is missed
";

struct Args {
    files: usize,
    jobs: usize,
    runs: usize,
    small_runs: usize,
    skip_review: bool,
    memory_scaling: bool,
    scaling_files: usize,
    binary: PathBuf,
    strict: bool,
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
        binary: PathBuf::from(env!("CARGO_BIN_EXE_crossfoot")),
        strict: false,
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
            "--skip-review" => a.skip_review = true,
            "--memory-scaling" => a.memory_scaling = true,
            "--binary" => a.binary = PathBuf::from(value("--binary")?),
            "--strict" => a.strict = true,
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    if a.files == 0 {
        return Err("--files must be at least 1".into());
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

/// Branch `i`: clean, and with probability 1/5 one to three slips (a count off by one, a
/// percentage off by 0.1). Returns the number of slips.
fn branch(i: usize) -> (Branch, usize) {
    let seed = 0xC0FF_EE00_0000 + i as u64;
    let mut b = Branch::clean(
        &format!("Chi bộ số {}", i + 1),
        &format!("CB-{:05}", i + 1),
        seed,
    );
    let mut r = Lcg::new(seed ^ 0x5EED);
    if !r.one_in(5) {
        return (b, 0);
    }
    let figures = b.figures();
    let slips = r.range(1, 3) as usize;
    for _ in 0..slips {
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
    (b, slips)
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
    let cached = fs::read_to_string(dir.join(CACHE_KEY_FILE)).is_ok_and(|k| k == key);
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
            let (b, _) = branch(i);
            let path = partial.join(file_name(i));
            fs::write(&path, forms::write_branch(&b, &Layout::default()))
                .map_err(|e| io("cannot write", &path, e))
        })?;
        fs::write(partial.join(CACHE_KEY_FILE), &key)
            .map_err(|e| io("cannot write", &partial, e))?;
        fs::rename(&partial, &dir).map_err(|e| io("cannot rename", &partial, e))?;
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

fn branch_has_slips(i: usize) -> bool {
    let seed = 0xC0FF_EE00_0000 + i as u64;
    Lcg::new(seed ^ 0x5EED).one_in(5)
}

// -------------------------------------------------------------------------------------------
// Measuring
// -------------------------------------------------------------------------------------------

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

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

/// How the peak memory of a subprocess is measured.
#[derive(Clone)]
enum MemoryProbe {
    /// GNU time's "Maximum resident set size": the kernel's ru_maxrss of the child (exact).
    GnuTime(PathBuf),
    /// VmHWM of /proc/<pid>/status, polled every millisecond (misses a last-moment rise).
    ProcPoll,
    None,
}

impl MemoryProbe {
    fn detect() -> MemoryProbe {
        let time = PathBuf::from("/usr/bin/time");
        let gnu = Command::new(&time)
            .args(["-v", "true"])
            .stdout(Stdio::null())
            .output()
            .is_ok_and(|o| {
                o.status.success()
                    && String::from_utf8_lossy(&o.stderr).contains("Maximum resident set size")
            });
        if gnu {
            MemoryProbe::GnuTime(time)
        } else if Path::new("/proc/self/status").exists() {
            MemoryProbe::ProcPoll
        } else {
            MemoryProbe::None
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            MemoryProbe::GnuTime(_) => {
                "max RSS from `/usr/bin/time -v` (the kernel's ru_maxrss of the child; exact)"
            }
            MemoryProbe::ProcPoll => {
                "VmHWM from /proc/<pid>/status, polled every 1 ms (can miss a last-moment rise)"
            }
            MemoryProbe::None => "not measured on this system",
        }
    }
}

struct Run {
    wall: f64,
    /// Peak resident memory, KiB.
    peak_kib: Option<u64>,
    /// User + system CPU seconds (GNU time only).
    cpu: Option<f64>,
    status: ExitStatus,
}

/// Runs the binary with `args`, stdout into `stdout` (or nowhere), stderr into `stderr_file`.
fn run_binary(
    bin: &Path,
    args: &[OsString],
    stdout: Option<&Path>,
    stderr_file: &Path,
    probe: &MemoryProbe,
) -> Result<Run, String> {
    let out = match stdout {
        Some(p) => Stdio::from(fs::File::create(p).map_err(|e| e.to_string())?),
        None => Stdio::null(),
    };
    let err = Stdio::from(fs::File::create(stderr_file).map_err(|e| e.to_string())?);
    let time_file = stderr_file.with_extension("time");
    let mut cmd = match probe {
        MemoryProbe::GnuTime(time) => {
            let mut c = Command::new(time);
            c.arg("-v").arg("-o").arg(&time_file).arg(bin);
            c
        }
        _ => Command::new(bin),
    };
    cmd.args(args).stdout(out).stderr(err).stdin(Stdio::null());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    let mut hwm = None;
    let status = if matches!(probe, MemoryProbe::ProcPoll) {
        let status_path = format!("/proc/{}/status", child.id());
        loop {
            if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
                break st;
            }
            if let Some(kib) = fs::read_to_string(&status_path)
                .ok()
                .and_then(|s| status_kib(&s, "VmHWM:"))
            {
                hwm = Some(kib);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    } else {
        child.wait().map_err(|e| e.to_string())?
    };
    let wall = start.elapsed().as_secs_f64();
    let (peak_kib, cpu) = match probe {
        MemoryProbe::GnuTime(_) => {
            let t = fs::read_to_string(&time_file).unwrap_or_default();
            let field = |name: &str| {
                t.lines()
                    .find_map(|l| l.trim().strip_prefix(name))
                    .and_then(|v| v.trim().parse::<f64>().ok())
            };
            let cpu = match (
                field("User time (seconds):"),
                field("System time (seconds):"),
            ) {
                (Some(u), Some(s)) => Some(u + s),
                _ => None,
            };
            (
                field("Maximum resident set size (kbytes):").map(|k| k as u64),
                cpu,
            )
        }
        MemoryProbe::ProcPoll => (hwm, None),
        MemoryProbe::None => (None, None),
    };
    Ok(Run {
        wall,
        peak_kib,
        cpu,
        status,
    })
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Exit status 0 or 1 (findings) is a run that did its job; anything else stops the bench.
fn expect_checked(run: &Run, what: &str, stderr_file: &Path) -> Result<(), String> {
    match run.status.code() {
        Some(0) | Some(1) => Ok(()),
        _ => {
            let err = fs::read_to_string(stderr_file).unwrap_or_default();
            let tail: String = err
                .lines()
                .rev()
                .take(30)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            Err(format!("{what} ended with {}:\n{tail}", run.status))
        }
    }
}

/// Several runs of the binary: median wall time, highest peak memory, median CPU.
struct Measured {
    walls: Vec<f64>,
    peak_kib: Option<u64>,
    cpu: Option<f64>,
}

impl Measured {
    fn median(&self) -> f64 {
        median(&self.walls)
    }
}

fn measure_binary(
    bin: &Path,
    args: &[OsString],
    stdout: Option<&Path>,
    scratch: &Path,
    probe: &MemoryProbe,
    runs: usize,
    what: &str,
) -> Result<Measured, String> {
    let stderr_file = scratch.join("stderr.txt");
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    let mut cpus = Vec::new();
    for _ in 0..runs {
        let run = run_binary(bin, args, stdout, &stderr_file, probe)?;
        expect_checked(&run, what, &stderr_file)?;
        walls.push(run.wall);
        peaks.extend(run.peak_kib);
        cpus.extend(run.cpu);
    }
    Ok(Measured {
        walls,
        peak_kib: peaks.into_iter().max(),
        cpu: (!cpus.is_empty()).then(|| median(&cpus)),
    })
}

// -------------------------------------------------------------------------------------------
// Printing
// -------------------------------------------------------------------------------------------

fn mib(kib: Option<u64>) -> String {
    kib.map_or("–".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn row(label: &str, walls: &[f64], n: usize, cpu: Option<f64>, peak: Option<u64>) {
    let (lo, hi) = min_max(walls);
    let m = median(walls);
    println!(
        "  {label:<36} {:>9} {:>9} {:>9} {:>10.0} {:>8} {:>9}",
        secs(m),
        secs(lo),
        secs(hi),
        n as f64 / m,
        cpu.map_or("–".into(), |c| format!("{c:.2} s")),
        mib(peak),
    );
}

fn header() {
    println!(
        "  {:<36} {:>9} {:>9} {:>9} {:>10} {:>8} {:>9}",
        "", "median", "min", "max", "wb/s", "CPU", "peak RSS"
    );
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
        self.lines.push(format!("  {tag}  {target:<44} {figure}"));
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
    Ok(format!(
        "{} files, {} checked, {} unreadable, {} with errors; {} errors, {} warnings ({:.1} MB of JSON)",
        s["files"],
        s["checked"],
        s["unreadable"],
        with_errors,
        s["errors"],
        s["warnings"],
        text.len() as f64 / 1e6
    ))
}

// -------------------------------------------------------------------------------------------
// The benchmark
// -------------------------------------------------------------------------------------------

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match bench(&args) {
        Ok(failed) if failed && args.strict => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark stopped: {e}");
            ExitCode::from(2)
        }
    }
}

fn bench(args: &Args) -> Result<bool, String> {
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if args.jobs == 0 { cores } else { args.jobs };
    let probe = MemoryProbe::detect();
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
    println!("peak memory {}", probe.describe());

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
    header();

    // (a) the bare read.
    let mut bare = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        std::hint::black_box(bare_read(&set.files, &pool));
        bare.push(t.elapsed().as_secs_f64());
    }
    row("(a) bare calamine read, parallel", &bare, n, None, None);
    let bare_m = median(&bare);

    // (b) check --format json, the binary.
    let jobs = OsString::from(args.jobs.to_string());
    let json_out = scratch.join("report.json");
    let json_args: Vec<OsString> = vec![
        "check".into(),
        "--format".into(),
        "json".into(),
        "--jobs".into(),
        jobs.clone(),
        set.dir.clone().into(),
    ];
    let json = measure_binary(
        bin,
        &json_args,
        Some(&json_out),
        &scratch,
        &probe,
        args.runs,
        "crossfoot check --format json",
    )?;
    row(
        "(b) check --format json (binary)",
        &json.walls,
        n,
        json.cpu,
        json.peak_kib,
    );
    let json_summary = summarize_json(&json_out)?;

    // (b') the same through the library, in this process.
    let mut lib = Vec::new();
    for _ in 0..args.runs {
        let t = Instant::now();
        let sources = crossfoot::rules::builtin_sources();
        let pack = crossfoot::rules::compile(&sources).map_err(|e| {
            format!(
                "the built-in rule pack does not compile: {} errors",
                e.len()
            )
        })?;
        let inputs = crossfoot::check::collect_inputs(std::slice::from_ref(&set.dir));
        let opts = crossfoot::check::Options {
            jobs: args.jobs,
            ..Default::default()
        };
        let results = crossfoot::check::check_all(&inputs, &pack, &opts);
        std::hint::black_box(crossfoot::report::json(&results));
        lib.push(t.elapsed().as_secs_f64());
    }
    row("    check_all + report::json (lib)", &lib, n, None, None);

    // (c) check -o review.xlsx.
    let review = if args.skip_review || !has_review {
        None
    } else {
        let review_path = scratch.join("review.xlsx");
        let _ = fs::remove_file(&review_path);
        let review_args: Vec<OsString> = vec![
            "check".into(),
            "-o".into(),
            review_path.clone().into(),
            "--jobs".into(),
            jobs.clone(),
            set.dir.clone().into(),
        ];
        let m = measure_binary(
            bin,
            &review_args,
            None,
            &scratch,
            &probe,
            args.runs,
            "crossfoot check -o review.xlsx",
        )?;
        row(
            "(c) check -o review.xlsx (binary)",
            &m.walls,
            n,
            m.cpu,
            m.peak_kib,
        );
        let size = fs::metadata(&review_path).map(|m| m.len()).unwrap_or(0);
        Some((m, size))
    };

    // (d) one small workbook end to end.
    let one = &set.files[0];
    let one_args: Vec<OsString> = vec![
        "check".into(),
        "--format".into(),
        "json".into(),
        one.clone().into(),
    ];
    let stderr_file = scratch.join("stderr.txt");
    let warm = run_binary(bin, &one_args, None, &stderr_file, &MemoryProbe::None)?;
    expect_checked(&warm, "crossfoot check (one workbook)", &stderr_file)?;
    let mut small = Vec::new();
    for _ in 0..args.small_runs {
        let r = run_binary(bin, &one_args, None, &stderr_file, &MemoryProbe::None)?;
        expect_checked(&r, "crossfoot check (one workbook)", &stderr_file)?;
        small.push(r.wall);
    }
    let small_mem = run_binary(bin, &one_args, None, &stderr_file, &probe)?;
    row(
        &format!("(d) one workbook, {} runs", args.small_runs),
        &small,
        1,
        small_mem.cpu,
        small_mem.peak_kib,
    );

    println!();
    println!("check found {json_summary}");
    if let Some((_, size)) = &review {
        println!("review.xlsx {:.1} MB", *size as f64 / 1e6);
    } else if args.skip_review {
        println!("review.xlsx skipped (--skip-review)");
    } else {
        println!("review.xlsx skipped: this crossfoot has no `-o` (see `crossfoot check --help`)");
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
        let mut big_bare = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            std::hint::black_box(bare_read(&big.files, &pool));
            big_bare.push(t.elapsed().as_secs_f64());
        }
        let mut big_args = json_args.clone();
        *big_args.last_mut().expect("a path") = big.dir.clone().into();
        let m = measure_binary(
            bin,
            &big_args,
            Some(&json_out),
            &scratch,
            &probe,
            runs,
            "crossfoot check --format json (scaling)",
        )?;
        println!();
        header();
        row(&format!("(a) bare read, {bn}"), &big_bare, bn, None, None);
        row(
            &format!("(b) check --format json, {bn}"),
            &m.walls,
            bn,
            m.cpu,
            m.peak_kib,
        );
        println!();
        println!("check found {}", summarize_json(&json_out)?);
        Some((bn, m, median(&big_bare)))
    } else {
        None
    };

    // Targets.
    let mut v = Verdict {
        failed: false,
        lines: Vec::new(),
    };
    let r = json.median() / bare_m;
    v.add(
        Some(r <= TARGET_JSON_RATIO),
        &format!("check --format json ≤ {TARGET_JSON_RATIO} × bare read"),
        format!("{r:.2} × ({} / {})", secs(json.median()), secs(bare_m)),
    );
    match &review {
        Some((m, _)) => {
            let r = m.median() / bare_m;
            v.add(
                Some(r <= TARGET_REVIEW_RATIO),
                &format!("check -o review.xlsx ≤ {TARGET_REVIEW_RATIO} × bare read"),
                format!("{r:.2} × ({} / {})", secs(m.median()), secs(bare_m)),
            );
        }
        None => v.add(
            None,
            &format!("check -o review.xlsx ≤ {TARGET_REVIEW_RATIO} × bare read"),
            "not measured".into(),
        ),
    }
    let sm = median(&small) * 1000.0;
    v.add(
        Some(sm <= TARGET_SMALL_MS),
        &format!("one small workbook ≤ {TARGET_SMALL_MS} ms"),
        format!("{sm:.1} ms"),
    );
    let mem_target = format!(
        "peak memory at {} ≤ {TARGET_MEMORY_RATIO} × at {n}",
        args.scaling_files
    );
    match (&scaling, json.peak_kib) {
        (Some((_, m, _)), Some(small_peak)) if m.peak_kib.is_some() => {
            let big_peak = m.peak_kib.unwrap_or(0);
            let r = big_peak as f64 / small_peak as f64;
            v.add(
                Some(r <= TARGET_MEMORY_RATIO),
                &mem_target,
                format!(
                    "{r:.2} × ({} / {})",
                    mib(Some(big_peak)),
                    mib(Some(small_peak))
                ),
            );
        }
        (Some(_), _) => v.add(None, &mem_target, "peak memory not measurable here".into()),
        (None, _) => v.add(None, &mem_target, "not run (add --memory-scaling)".into()),
    }
    println!();
    println!("targets");
    for l in &v.lines {
        println!("{l}");
    }

    // National scale, from the largest set measured.
    let (rate, from) = match &scaling {
        Some((bn, m, _)) => (*bn as f64 / m.median(), *bn),
        None => (n as f64 / json.median(), n),
    };
    let bare_rate = match &scaling {
        Some((bn, _, b)) => *bn as f64 / b,
        None => n as f64 / bare_m,
    };
    println!();
    println!(
        "at national scale ({NATIONAL:.0} workbooks, {threads} threads, rate of the {from}-workbook run): \
         check --format json ≈ {}, bare read ≈ {}",
        minutes(NATIONAL / rate),
        minutes(NATIONAL / bare_rate)
    );
    if let Some((m, _)) = &review {
        println!(
            "                                                 check -o review.xlsx ≈ {}",
            minutes(NATIONAL / (n as f64 / m.median()))
        );
    }
    Ok(v.failed)
}

fn minutes(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}
