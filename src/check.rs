//! `crossfoot check`: files in, per-file results and findings out.
//!
//! Files are read and checked in parallel (rayon); each file's result stands alone, so one
//! unreadable file never stops the others. Results are sorted by path, and findings within a
//! file by sheet order, cell and rule, so the same inputs always give the same report whatever
//! the order of the paths or the number of threads.

use crate::eval::{self, Deferred, Linked};
use crate::finding::{CellLoc, Finding, Severity};
use crate::load::{self, Limits};
use crate::locate::{self, Reporter};
use crate::model::{Sheet, Workbook};
use crate::rules::{Link, Pack};
use crate::sniff::{Unreadable, UnreadableKind};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The extensions crossfoot picks up when it walks a folder.
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormFound {
    pub sheet: String,
    pub form: String,
}

#[derive(Debug, Clone)]
pub enum Status {
    Checked,
    Unreadable(Unreadable),
}

#[derive(Debug, Clone)]
pub struct FileResult {
    /// The path as given (or as found under a folder that was given).
    pub path: String,
    pub status: Status,
    pub forms: Vec<FormFound>,
    pub findings: Vec<Finding>,
    /// The reporting unit's name and code, from the title block.
    pub unit: Unit,
    /// The sheets that hold forms, kept only when asked for (the review workbook copies them).
    pub kept: Vec<Sheet>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub name: Option<String>,
    /// The code as written (trimmed).
    pub code: Option<String>,
    /// The key the code is matched by ([`Settings::unit_key`](crate::rules::Settings::unit_key)).
    #[serde(default)]
    pub key: Option<String>,
}

impl FileResult {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

/// One input to check: where it is, and how to name it in reports.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub shown: String,
}

/// Expands the given paths: files as they are, folders walked for workbook files (Excel's
/// `~$` lock files left out). A path that does not exist is kept: it is reported unreadable.
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found, 0);
            found.sort();
            for f in found {
                let shown = f.to_string_lossy().replace('\\', "/");
                if seen.insert(shown.clone()) {
                    out.push(Input { path: f, shown });
                }
            }
        } else {
            let shown = p.to_string_lossy().replace('\\', "/");
            if seen.insert(shown.clone()) {
                out.push(Input {
                    path: p.clone(),
                    shown,
                });
            }
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&p, out, depth + 1);
        } else if ft.is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ext_ok = p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                WORKBOOK_EXTENSIONS
                    .iter()
                    .any(|w| x.eq_ignore_ascii_case(w))
            });
            if ext_ok && !name.starts_with("~$") {
                out.push(p);
            }
        }
    }
}

/// Checks one workbook already in memory. Checks that read other workbooks (`unit.…`,
/// `previous.…`) are not applied: [`check_all`] applies them once every file is read.
pub fn check_workbook(
    wb: &Workbook,
    shown: &str,
    pack: &Pack,
) -> (Vec<FormFound>, Vec<Finding>, Unit) {
    let (forms, findings, unit, _) = check_workbook_kept(wb, shown, pack, Defer::Figures);
    (forms, findings, unit)
}

/// What a file keeps for the second phase of a run, so that memory follows what is needed,
/// not the number of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Defer {
    /// The figures that checks of other workbooks read, nothing else: a file read only for its
    /// figures (last year's workbooks, consolidation, the units of a summary).
    Figures,
    /// Its located forms, when it has checks reading `unit.…` (a summary against its units).
    /// No figures: the units a summary names are read again for theirs.
    Units,
    /// The same, and for checks reading `previous.…` (`--previous` was given).
    UnitsAndPrevious,
}

impl Defer {
    fn runs(self, link: Link) -> bool {
        match self {
            Defer::Figures => false,
            Defer::Units => link == Link::Unit,
            Defer::UnitsAndPrevious => true,
        }
    }
}

/// What one file keeps for the second phase of a run: the figures other workbooks' checks
/// read, and (when it has checks reading other workbooks) its own located figures.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Kept {
    pub linked: Linked,
    pub deferred: Option<Deferred>,
}

/// [`check_workbook`], also returning what the second phase of a run needs.
pub fn check_workbook_kept(
    wb: &Workbook,
    shown: &str,
    pack: &Pack,
    defer: Defer,
) -> (Vec<FormFound>, Vec<Finding>, Unit, Kept) {
    let mut rep = Reporter {
        file: shown,
        pack,
        findings: Vec::new(),
    };
    let instances = locate::locate(wb, &mut rep);
    if instances.is_empty() {
        rep.engine(
            "workbook.no-form",
            Severity::Warning,
            None,
            vec![],
            None,
            &[],
        );
    }
    let values: Vec<_> = instances
        .iter()
        .map(|inst| eval::read_values(wb, inst, &mut rep))
        .collect();
    eval::run_checks(wb, &instances, &values, &mut rep);
    // Forms of a workbook kind that are expected together.
    let present: BTreeSet<usize> = instances.iter().map(|i| i.form).collect();
    for g in &pack.groups {
        if g.forms.iter().any(|f| present.contains(f)) {
            for f in &g.forms {
                if !present.contains(f) {
                    let form = &pack.forms[*f];
                    rep.engine(
                        "workbook.form-missing",
                        g.missing_severity,
                        None,
                        vec![],
                        None,
                        &[("form", &form.id), ("name", &form.name), ("group", &g.id)],
                    );
                }
            }
        }
    }
    let mut findings = rep.findings;
    findings.sort_by(|a, b| {
        a.sort_key()
            .partial_cmp(&b.sort_key())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let forms = instances
        .iter()
        .map(|i| FormFound {
            sheet: wb.sheets[i.sheet].name.clone(),
            form: pack.forms[i.form].id.clone(),
        })
        .collect();
    let (name, code) = locate::unit_identity(wb, pack, &instances);
    let sheets: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
    let linked = if defer == Defer::Figures {
        eval::linked_figures(pack, shown, &sheets, &instances, &values)
    } else {
        Linked::default()
    };
    let deferred = instances
        .iter()
        .any(|i| {
            let form = &pack.forms[i.form];
            (form.matches_units() && defer != Defer::Figures)
                || form
                    .checks
                    .iter()
                    .any(|c| c.links.iter().any(|l| defer.runs(*l)))
        })
        .then(|| Deferred {
            file: shown.to_string(),
            sheets,
            instances,
            values,
        });
    (
        forms,
        findings,
        Unit {
            key: code.as_deref().map(|c| pack.settings.unit_key(c)),
            name,
            code,
        },
        Kept { linked, deferred },
    )
}

/// Reads and checks one file (checks reading other workbooks are not applied).
pub fn check_file(input: &Input, pack: &Pack, opts: &Options) -> FileResult {
    check_file_kept(input, pack, opts, Defer::Figures).0
}

/// [`check_file`], also returning what the second phase of a run needs.
pub fn check_file_kept(
    input: &Input,
    pack: &Pack,
    opts: &Options,
    defer: Defer,
) -> (FileResult, Kept) {
    check_file_counted(input, pack, opts, defer, &AtomicUsize::new(0))
}

/// Whether a finding of `r` is on `sheet` (names it, or one of its cells).
pub fn sheet_has_findings(r: &FileResult, sheet: &str) -> bool {
    r.findings.iter().any(|f| {
        f.sheet.as_deref() == Some(sheet)
            || f.cells.iter().any(|c| c.file.is_none() && c.sheet == sheet)
    })
}

/// [`check_file_kept`]; `seen` counts the sheets holding forms of the whole run so far, for
/// [`Options::copy_all_up_to`].
fn check_file_counted(
    input: &Input,
    pack: &Pack,
    opts: &Options,
    defer: Defer,
    seen: &AtomicUsize,
) -> (FileResult, Kept) {
    let limits = &opts.limits;
    let unreadable = |u: Unreadable| FileResult {
        path: input.shown.clone(),
        status: Status::Unreadable(u),
        forms: vec![],
        findings: vec![],
        unit: Unit::default(),
        kept: vec![],
    };
    let bytes = match read_capped(&input.path, limits.max_file_bytes) {
        Ok(b) => b,
        Err(u) => return (unreadable(u), Kept::default()),
    };
    let name = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let container = match load::prepare(&bytes, &name, limits) {
        Ok(c) => c,
        Err(u) => return (unreadable(u), Kept::default()),
    };
    let limit = if opts.keep_sheets {
        opts.copy_all_up_to
    } else {
        0
    };
    let job = Job {
        shown: input.shown.clone(),
        defer,
        keep_sheets: opts.keep_sheets,
        // Already beyond the limit: the reader need not send the sheets without findings.
        only_flagged: limit > 0 && seen.load(Ordering::Relaxed) > limit,
    };
    let checked = match crate::worker::pool() {
        Some(pool) => pool.check(&bytes, container, limits, pack, &job),
        None => check_in_process(&bytes, container, limits, pack, &job),
    };
    let checked = checked.map_err(|failure| load::failure_error(&bytes, &name, failure));
    recycle(bytes);
    match checked {
        Ok((mut result, kept)) => {
            if opts.keep_sheets {
                let sheets = form_sheets(&result);
                let before = seen.fetch_add(sheets, Ordering::Relaxed);
                // Once the run surely has more sheets than the review copies in full, only
                // sheets with findings are copied: keep no others (a file whose checks read
                // other workbooks may still get findings, so it keeps all of its own).
                if limit > 0 && before + sheets > limit && kept.deferred.is_none() {
                    let mut copies = std::mem::take(&mut result.kept);
                    copies.retain(|s| sheet_has_findings(&result, &s.name));
                    result.kept = copies;
                }
            }
            (result, kept)
        }
        Err(u) => (unreadable(u), Kept::default()),
    }
}

/// The sheets holding forms in a checked file.
fn form_sheets(r: &FileResult) -> usize {
    r.forms
        .iter()
        .map(|f| f.sheet.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

/// One file to check, as a worker process gets it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// The path as shown in reports.
    pub shown: String,
    pub defer: Defer,
    /// Keep the sheets holding forms (for the review workbook).
    pub keep_sheets: bool,
    /// Of those, only the ones with findings.
    pub only_flagged: bool,
}

/// Reads and checks a container in this process (in a worker process, or without workers).
pub fn check_in_process(
    bytes: &[u8],
    container: crate::sniff::Container,
    limits: &Limits,
    pack: &Pack,
    job: &Job,
) -> Result<(FileResult, Kept), load::Failure> {
    let mut opened = load::Opened::open(bytes, container)?;
    let wb = opened.read(limits, load::Detail::Check)?;
    // A panic while checking is a bug in crossfoot: contained, the file reported, the run goes
    // on (in a worker process it would otherwise end the worker and read as out of memory).
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_workbook_kept(&wb, &job.shown, pack, job.defer)
    }));
    let (forms, findings, unit, kept) = checked.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        load::Failure::Internal(what)
    })?;
    let mut result = FileResult {
        path: job.shown.clone(),
        status: Status::Checked,
        forms,
        findings,
        unit,
        kept: vec![],
    };
    if job.keep_sheets {
        let names: BTreeSet<&str> = result.forms.iter().map(|f| f.sheet.as_str()).collect();
        let only_flagged = job.only_flagged && kept.deferred.is_none();
        let keep: BTreeSet<String> = wb
            .sheets
            .iter()
            .filter(|s| {
                names.contains(s.name.as_str())
                    && (!only_flagged || sheet_has_findings(&result, &s.name))
            })
            .map(|s| s.name.clone())
            .collect();
        let mut sheets: Vec<Sheet> = wb
            .sheets
            .into_iter()
            .filter(|s| keep.contains(&s.name))
            .collect();
        // The review copies show formulas and merged ranges, which checking does not read: the
        // reader, still open, adds them to the sheets kept (should that fail, the copies show
        // the values only).
        let mut completed = sheets.clone();
        if opened.complete(&mut completed, limits).is_ok() {
            sheets = completed;
        }
        result.kept = sheets;
    }
    Ok((result, kept))
}

thread_local! {
    /// Each thread reads its files into one buffer, reused: a run's many file-sized
    /// allocations would otherwise leave the heap fragmented around the results it keeps.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Gives a file's bytes back to the thread's buffer (see [`read_capped`]).
fn recycle(bytes: Vec<u8>) {
    if bytes.capacity() <= 64 << 20 {
        BUFFER.with(|b| *b.borrow_mut() = bytes);
    }
}

fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, Unreadable> {
    use std::io::Read;
    let not_found = |e: std::io::Error| Unreadable {
        kind: UnreadableKind::Missing,
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => format!("cannot open the file: {e}"),
        },
        hint: "check the path".to_string(),
    };
    let f = std::fs::File::open(path).map_err(not_found)?;
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.clear();
    f.take(max + 1).read_to_end(&mut buf).map_err(not_found)?;
    Ok(buf)
}

/// How to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub limits: Limits,
    /// Threads (0: one per core).
    pub jobs: usize,
    /// Keep the sheets that hold forms in the results (for the review workbook).
    pub keep_sheets: bool,
    /// With `keep_sheets`: once the run has more than this many sheets holding forms, keep
    /// only those with findings (the review workbook copies only those then). 0: keep all.
    pub copy_all_up_to: usize,
}

/// Checks all inputs; results sorted by path, whatever the order given or the threads.
///
/// Two phases: every file is read and checked on its own (in parallel), keeping only the
/// figures that checks of other workbooks read; then the checks that read other workbooks
/// (a summary against its units, this year against last year) are applied.
pub fn check_all(inputs: &[Input], pack: &Pack, opts: &Options) -> Vec<FileResult> {
    check_all_with(inputs, pack, opts, &|_| {})
}

/// [`check_all`], calling `done` as each file is finished (from the worker threads, in any
/// order): for a progress bar.
pub fn check_all_with(
    inputs: &[Input],
    pack: &Pack,
    opts: &Options,
    done: &(dyn Fn(&FileResult) + Sync),
) -> Vec<FileResult> {
    check_all_previous(inputs, &[], pack, opts, done)
}

/// [`check_all_with`], with last year's workbooks (files or folders) for the checks that read
/// `previous.…`: each workbook is matched to last year's by unit code. With none, those
/// checks are not applied. Last year's workbooks are read for their figures only: their own
/// findings are not reported.
pub fn check_all_previous(
    inputs: &[Input],
    previous: &[PathBuf],
    pack: &Pack,
    opts: &Options,
    done: &(dyn Fn(&FileResult) + Sync),
) -> Vec<FileResult> {
    let mut results = Vec::with_capacity(inputs.len());
    check_all_emit(inputs, previous, pack, opts, done, &mut |r| results.push(r));
    results
}

/// A unit workbook as the second phase knows it: enough to match a summary's records and
/// to name it, and the figures the summary's checks read (read again when a summary names it).
struct UnitRef {
    path: String,
    name: Option<String>,
    code: String,
    /// Only for the units a summary names (most files are no summary's unit in a run).
    linked: Option<Box<Linked>>,
}

/// [`check_all_previous`], handing each file's result to `emit` in path order as soon as it
/// and every file before it are done, instead of returning them: a run then holds only what
/// is still to come. A file with checks reading other workbooks (a summary; every file with
/// `--previous`) is held until the second phase, and the files after it with it, to keep the
/// order.
pub fn check_all_emit(
    inputs: &[Input],
    previous: &[PathBuf],
    pack: &Pack,
    opts: &Options,
    done: &(dyn Fn(&FileResult) + Sync),
    emit: &mut dyn FnMut(FileResult),
) {
    let with_previous = !previous.is_empty() && pack.uses_link(Link::Previous);
    let defer = if with_previous {
        Defer::UnitsAndPrevious
    } else {
        Defer::Units
    };
    // In path order (usually they are already: a folder is walked in order).
    let sorted: std::borrow::Cow<[Input]> = if inputs.is_sorted_by(|a, b| a.shown <= b.shown) {
        std::borrow::Cow::Borrowed(inputs)
    } else {
        let mut v = inputs.to_vec();
        v.sort_by(|a, b| a.shown.cmp(&b.shown));
        std::borrow::Cow::Owned(v)
    };
    // Phase one: files checked in parallel (on a thread of their own), handed on here in path
    // order.
    let mut units: Vec<UnitRef> = Vec::new();
    let mut held: Vec<(FileResult, Kept)> = Vec::new();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<(usize, FileResult, Kept)>();
        let sorted = &*sorted;
        scope.spawn(move || {
            check_each(sorted, pack, opts, defer, &|i, r, k| {
                done(&r);
                let _ = tx.send((i, r, k));
            });
        });
        let mut pending: BTreeMap<usize, (FileResult, Kept)> = BTreeMap::new();
        let mut next = 0;
        for (i, r, k) in rx {
            pending.insert(i, (r, k));
            while let Some((r, k)) = pending.remove(&next) {
                next += 1;
                if let (Status::Checked, Some(code), false) =
                    (&r.status, &r.unit.key, is_summary(pack, &k))
                {
                    units.push(UnitRef {
                        path: r.path.clone(),
                        name: r.unit.name.clone(),
                        code: code.clone(),
                        linked: None,
                    });
                }
                if !held.is_empty() || k.deferred.is_some() {
                    held.push((r, k));
                } else {
                    emit(r);
                }
            }
        }
    });
    if held.is_empty() {
        return;
    }
    // Phase two: the checks that read other workbooks.
    let (mut results, kept): (Vec<FileResult>, Vec<Kept>) = held.into_iter().unzip();
    // Unit workbooks by code (a code in several workbooks is reported, not matched).
    let mut by_code: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (u, unit) in units.iter().enumerate() {
        by_code.entry(unit.code.clone()).or_default().push(u);
    }
    // Read for their figures only: no sheets kept for the review, no progress.
    let figures_only = Options {
        keep_sheets: false,
        ..opts.clone()
    };
    // The units a summary's records name: read again, for the figures its checks read.
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    for d in kept.iter().filter_map(|k| k.deferred.as_ref()) {
        for inst in &d.instances {
            if pack.forms[inst.form].matches_units() {
                for rec in &inst.records {
                    if let Some([one]) = by_code.get(rec.key.as_str()).map(Vec::as_slice) {
                        wanted.insert(*one);
                    }
                }
            }
        }
    }
    if !wanted.is_empty() {
        let by_shown: BTreeMap<&str, &Input> =
            sorted.iter().map(|i| (i.shown.as_str(), i)).collect();
        let (idx, again): (Vec<usize>, Vec<Input>) = wanted
            .iter()
            .filter_map(|&u| {
                by_shown
                    .get(units[u].path.as_str())
                    .map(|i| (u, (*i).clone()))
            })
            .unzip();
        let read = check_many(&again, pack, &figures_only, Defer::Figures, &|_| {});
        for (u, (r, k)) in idx.into_iter().zip(read) {
            // A file that changed between the two reads is used as first read: its
            // figures are left out rather than mixed.
            let unit = &mut units[u];
            if matches!(r.status, Status::Checked)
                && r.unit.key.as_deref() == Some(unit.code.as_str())
                && r.unit.name == unit.name
            {
                unit.linked = Some(Box::new(k.linked));
            }
        }
    }
    let previous = if !with_previous {
        None
    } else {
        let prev_inputs = collect_inputs(previous);
        let mut prev = check_many(&prev_inputs, pack, &figures_only, Defer::Figures, &|_| {});
        prev.sort_by(|a, b| a.0.path.cmp(&b.0.path));
        Some(prev)
    };
    link_files(
        pack,
        &mut results,
        &kept,
        &units,
        &by_code,
        previous.as_deref(),
    );
    for r in results {
        emit(r);
    }
}

/// Whether a file is a summary: it holds a form whose records are matched to units.
fn is_summary(pack: &Pack, k: &Kept) -> bool {
    k.deferred.as_ref().is_some_and(|d| {
        d.instances
            .iter()
            .any(|i| pack.forms[i.form].matches_units())
    })
}

/// Reads and checks every input on its own (the first phase), in parallel, handing each
/// result with its index in `inputs` to `each` as it is done (in any order).
fn check_each(
    inputs: &[Input],
    pack: &Pack,
    opts: &Options,
    defer: Defer,
    each: &(dyn Fn(usize, FileResult, Kept) + Sync),
) {
    let seen = AtomicUsize::new(0);
    // Taken in order (par_bridge hands the next input to the next free thread; par_iter
    // would split the list in halves): results come back nearly in order, so the caller
    // holds few of them before passing them on.
    let run = || {
        inputs
            .iter()
            .enumerate()
            .par_bridge()
            .for_each(|(i, input)| {
                let (r, k) = check_file_counted(input, pack, opts, defer, &seen);
                each(i, r, k);
            })
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads(opts.jobs))
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => {
            for (i, input) in inputs.iter().enumerate() {
                let (r, k) = check_file_counted(input, pack, opts, defer, &seen);
                each(i, r, k);
            }
        }
    }
}

/// Threads for checking: with worker processes reading (at most `jobs` at once), twice as
/// many, so that while one waits for its worker another hands on what its worker did.
fn threads(jobs: usize) -> usize {
    match (crate::worker::pool(), jobs) {
        (None, jobs) => jobs,
        (Some(_), 0) => 2 * std::thread::available_parallelism().map_or(1, |n| n.get()),
        (Some(_), jobs) => 2 * jobs,
    }
}

/// Reads and checks every input on its own (the first phase), in parallel, keeping what
/// the second phase needs (see [`Defer`]); in the order of `inputs`.
pub fn check_many(
    inputs: &[Input],
    pack: &Pack,
    opts: &Options,
    defer: Defer,
    done: &(dyn Fn(&FileResult) + Sync),
) -> Vec<(FileResult, Kept)> {
    let slots: Vec<std::sync::Mutex<Option<(FileResult, Kept)>>> =
        inputs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    check_each(inputs, pack, opts, defer, &|i, r, k| {
        done(&r);
        if let Ok(mut slot) = slots[i].lock() {
            *slot = Some((r, k));
        }
    });
    // Every slot is filled (check_each hands on every input once).
    slots
        .into_iter()
        .filter_map(|slot| slot.into_inner().ok().flatten())
        .collect()
}

/// Default English messages of the consolidation findings (a pack gives its own under
/// `[settings.messages]`).
const LINK_MESSAGES: &[(&str, &str)] = &[
    ("consolidation.unit-without-row", "{unit_file} (unit {unit}, code {code}) has no row in form {form}"),
    ("consolidation.row-without-unit", "{label}: the row with code \"{code}\" of form {form} has no unit workbook in this run"),
    ("consolidation.duplicate-unit", "the unit code \"{code}\" is in several workbooks ({files}); the row was not compared"),
    ("consolidation.duplicate-row", "the unit code \"{code}\" is in several rows of form {form} ({cells})"),
    ("consolidation.previous-missing", "no workbook of last year with unit code {code} among --previous; the opening figures were not compared"),
    ("consolidation.previous-duplicate", "the unit code \"{code}\" is in several workbooks of last year ({files}); {used} was used"),
];

fn link_message(pack: &Pack, id: &str, params: &[(&str, &str)]) -> String {
    match pack.settings.messages.get(id) {
        Some(t) => crate::messages::render(t, params),
        None => {
            let t = LINK_MESSAGES
                .iter()
                .find(|(k, _)| *k == id)
                .map_or(id, |(_, v)| *v);
            crate::messages::render(t, params)
        }
    }
}

struct LinkFinding<'a> {
    rule: &'a str,
    severity: Severity,
    sheet: Option<String>,
    cells: Vec<CellLoc>,
    order: (usize, u32, u32),
    params: &'a [(&'a str, &'a str)],
}

fn push_link_finding(pack: &Pack, r: &mut FileResult, f: LinkFinding<'_>) {
    r.findings.push(Finding {
        file: r.path.clone(),
        sheet: f.sheet,
        rule: f.rule.to_string(),
        severity: f.severity,
        message: link_message(pack, f.rule, f.params),
        cells: f.cells,
        expected: None,
        actual: None,
        difference: None,
        order: f.order,
        decimals: None,
    });
}

/// The second phase: records matched to unit workbooks by code, workbooks to last year's.
fn link_files(
    pack: &Pack,
    results: &mut [FileResult],
    kept: &[Kept],
    unit_refs: &[UnitRef],
    units: &BTreeMap<String, Vec<usize>>,
    previous: Option<&[(FileResult, Kept)]>,
) {
    let mut last_year: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    if let Some(prev) = previous {
        for (i, (r, _)) in prev.iter().enumerate() {
            if let (Status::Checked, Some(code)) = (&r.status, &r.unit.key) {
                last_year.entry(code.clone()).or_default().push(i);
            }
        }
    }
    let mut new: Vec<(usize, Vec<Finding>)> = Vec::new();
    for (fi, k) in kept.iter().enumerate() {
        let Some(d) = &k.deferred else { continue };
        let mut scratch = FileResult {
            path: results[fi].path.clone(),
            status: Status::Checked,
            forms: vec![],
            findings: vec![],
            unit: Unit::default(),
            kept: vec![],
        };
        // Records matched to units: rows without a unit, duplicates, units without a row.
        let mut matched: BTreeSet<&str> = BTreeSet::new();
        for inst in &d.instances {
            let form = &pack.forms[inst.form];
            if !form.matches_units() {
                continue;
            }
            let sheet = d.sheets.get(inst.sheet).cloned().unwrap_or_default();
            let loc = |at: crate::model::CellRef| CellLoc {
                file: None,
                sheet: sheet.clone(),
                cell: at.to_string(),
            };
            let mut rows_by_key: BTreeMap<&str, Vec<&locate::Record>> = BTreeMap::new();
            for rec in &inst.records {
                rows_by_key.entry(rec.key.as_str()).or_default().push(rec);
            }
            for (key, recs) in &rows_by_key {
                if recs.len() > 1 && !key.is_empty() {
                    let cells: Vec<CellLoc> = recs.iter().map(|r| loc(r.key_cell)).collect();
                    let list: Vec<&str> = cells.iter().map(|c| c.cell.as_str()).collect();
                    let list = list.join(", ");
                    push_link_finding(
                        pack,
                        &mut scratch,
                        LinkFinding {
                            rule: "consolidation.duplicate-row",
                            severity: Severity::Error,
                            sheet: Some(sheet.clone()),
                            order: (inst.sheet + 1, recs[0].row, recs[0].key_cell.col),
                            cells,
                            params: &[("code", key), ("form", &form.id), ("cells", &list)],
                        },
                    );
                }
            }
            for rec in &inst.records {
                let order = (inst.sheet + 1, rec.row, rec.key_cell.col);
                match units.get(&rec.key).map(Vec::as_slice) {
                    Some([_]) => {
                        matched.insert(rec.key.as_str());
                    }
                    Some(many) => {
                        matched.insert(rec.key.as_str());
                        let files: Vec<&str> =
                            many.iter().map(|i| unit_refs[*i].path.as_str()).collect();
                        let files = files.join(", ");
                        push_link_finding(
                            pack,
                            &mut scratch,
                            LinkFinding {
                                rule: "consolidation.duplicate-unit",
                                severity: Severity::Error,
                                sheet: Some(sheet.clone()),
                                cells: vec![loc(rec.key_cell)],
                                order,
                                params: &[("code", &rec.key), ("files", &files)],
                            },
                        );
                    }
                    None => push_link_finding(
                        pack,
                        &mut scratch,
                        LinkFinding {
                            rule: "consolidation.row-without-unit",
                            severity: Severity::Error,
                            sheet: Some(sheet.clone()),
                            cells: vec![loc(rec.key_cell)],
                            order,
                            params: &[
                                ("code", &rec.key),
                                ("label", &rec.label),
                                ("form", &form.id),
                            ],
                        },
                    ),
                }
            }
            let end_row = form
                .records
                .as_ref()
                .and_then(|r| r.end)
                .and_then(|e| inst.rows[e])
                .unwrap_or(u32::MAX);
            for (code, files) in units {
                if matched.contains(code.as_str()) {
                    continue;
                }
                for i in files {
                    let unit = &unit_refs[*i];
                    push_link_finding(
                        pack,
                        &mut scratch,
                        LinkFinding {
                            rule: "consolidation.unit-without-row",
                            severity: Severity::Error,
                            sheet: Some(sheet.clone()),
                            cells: vec![],
                            order: (inst.sheet + 1, end_row, 0),
                            params: &[
                                ("unit_file", &unit.path),
                                ("unit", unit.name.as_deref().unwrap_or_default()),
                                ("code", code),
                                ("form", &form.id),
                            ],
                        },
                    );
                }
            }
        }
        // Last year's workbook of the same unit.
        let mut prev_linked: Option<&Linked> = None;
        if let Some(prev) = previous.filter(|_| d.uses(pack, Link::Previous)) {
            let code = results[fi].unit.key.clone().unwrap_or_default();
            match last_year.get(&code).map(Vec::as_slice) {
                Some([first, rest @ ..]) => {
                    prev_linked = Some(&prev[*first].1.linked);
                    if !rest.is_empty() {
                        let files: Vec<&str> = std::iter::once(first)
                            .chain(rest)
                            .map(|i| prev[*i].0.path.as_str())
                            .collect();
                        let files = files.join(", ");
                        push_link_finding(
                            pack,
                            &mut scratch,
                            LinkFinding {
                                rule: "consolidation.previous-duplicate",
                                severity: Severity::Warning,
                                sheet: None,
                                cells: vec![],
                                order: (0, 0, 0),
                                params: &[
                                    ("code", &code),
                                    ("files", &files),
                                    ("used", &prev[*first].0.path),
                                ],
                            },
                        );
                    }
                }
                _ => push_link_finding(
                    pack,
                    &mut scratch,
                    LinkFinding {
                        rule: "consolidation.previous-missing",
                        severity: Severity::Warning,
                        sheet: None,
                        cells: vec![],
                        order: (0, 0, 0),
                        params: &[("code", &code)],
                    },
                ),
            }
        }
        let unit_for = |key: &str| -> Option<&Linked> {
            match units.get(key).map(Vec::as_slice) {
                Some([one]) => unit_refs[*one].linked.as_deref(),
                _ => None,
            }
        };
        let mut found = eval::run_linked_checks(pack, d, &unit_for, prev_linked);
        found.append(&mut scratch.findings);
        new.push((fi, found));
    }
    for (fi, mut found) in new {
        let r = &mut results[fi];
        r.findings.append(&mut found);
        r.findings.sort_by(|a, b| {
            a.sort_key()
                .partial_cmp(&b.sort_key())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
}
