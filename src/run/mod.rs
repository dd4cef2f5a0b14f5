//! One run of crossfoot: the inputs, the rule pack and the options in; every input's result
//! out, in path order, as files finish.
//!
//! The command line builds a [`Run`] and hands it the isolation to read files with (an
//! [`Isolation`]: [`InProcess`], or the worker processes of [`crate::worker`]); `check` and
//! `consolidate` use the same run. Two phases: every file is read and checked on its own, in
//! parallel, keeping only what checks of other workbooks read ([`Links`]); then those checks
//! (a summary against its units, this year against last year) are applied ([`links`]). The
//! exit status is decided in one place, [`Tally::exit`].

pub mod consolidate;
pub mod desk;
pub mod file;
pub mod guard;
mod handoff;
pub mod inputs;
pub mod links;
pub mod marked;
pub mod output;
pub mod units;

use crate::check::{Kept, Links};
use crate::read::load::{Failure, Limits};
use crate::read::sniff::Container;
use crate::result::{End, FileResult, Said, Sink, Status};
pub use crate::result::{Exit, FailOn, Tally};
use crate::rules::{Link, Pack};
pub use inputs::{collect, FileId, Input, Inputs, PassedOver};
use links::UnitRef;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How many results the checking threads hand on at a time (see [`handoff`]). 16: a wake-up of
/// the ordering thread per 16 files instead of one per file; a run holds at most this many
/// more results at once.
const HANDOFF_BATCH: usize = 16;

/// The most files a run reads at once (`--jobs`): 4 × the cores (at least 8). More workers
/// only compete for the same cores and the run's memory.
pub fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_mul(4).max(8)
}

/// How a run reads and checks one file: in this process, or in a worker process under a
/// memory and time limit. Chosen by the command line.
pub trait Isolation: Sync {
    /// Reads and checks one file's bytes (already recognised as `container`).
    fn check(
        &self,
        bytes: &[u8],
        container: Container,
        limits: &Limits,
        pack: &Pack,
        job: &Job,
    ) -> Result<(FileResult, Kept), Failure>;

    /// Reads the file at `path` (named `name`), tells what it is and reads and checks it: the
    /// whole of one file's work but for what the run says of its name. By default the file is
    /// read here, under `read_timeout` ([`file::read_file`]), and its bytes handed to
    /// [`Isolation::check`]; the worker processes instead read it themselves, under their own
    /// time limit, so that its bytes never cross a pipe.
    fn check_path(
        &self,
        path: &std::path::Path,
        name: &str,
        limits: &Limits,
        read_timeout: Duration,
        pack: &Pack,
        job: &Job,
    ) -> file::FileOutcome {
        match file::read_file(path, limits.max_file_bytes, read_timeout) {
            Ok(bytes) => file::outcome_of(&bytes, name, limits, |b, c| {
                self.check(b, c, limits, pack, job)
            }),
            Err(u) => file::FileOutcome::Unreadable(u),
        }
    }

    /// Threads checking at once for `jobs` (0: one per core).
    fn threads(&self, jobs: usize) -> usize {
        jobs
    }
}

/// Reading and checking in this process: no memory limit (a hostile file can take the
/// process), panics of the reader still contained. For tests, embedders and measurements.
pub struct InProcess;

impl Isolation for InProcess {
    fn check(
        &self,
        bytes: &[u8],
        container: Container,
        limits: &Limits,
        pack: &Pack,
        job: &Job,
    ) -> Result<(FileResult, Kept), Failure> {
        file::check_container(bytes, container, limits, pack, job)
    }
}

/// One file to check, as the isolation gets it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// The path as shown in reports.
    pub shown: String,
    /// Which checks of other workbooks will run on this file in the second phase.
    pub links: Links,
    /// Keep the sheets holding forms (for the review workbook).
    pub keep_sheets: bool,
    /// Of those, only the ones with findings.
    pub only_flagged: bool,
    /// Look for the figures most likely wrong ([`crate::explain::localise`]).
    #[serde(default = "yes")]
    pub explain: bool,
    /// The run's report year (`check --year`; not for last year's workbooks).
    #[serde(default)]
    pub year: Option<u32>,
    /// Look for typed totals that do not add up outside the pack's forms
    /// ([`crate::check::discover`]; `check --discover`).
    #[serde(default)]
    pub discover: bool,
}

fn yes() -> bool {
    true
}

/// How to check.
#[derive(Debug, Clone)]
pub struct Options {
    pub limits: Limits,
    /// Threads (0: one per core).
    pub jobs: usize,
    /// Keep the sheets that hold forms in the results (for the review workbook).
    pub keep_sheets: bool,
    /// With `keep_sheets`: once the run has more than this many sheets holding forms, keep
    /// only those with findings (the review workbook copies only those then). 0: keep all.
    pub copy_all_up_to: usize,
    /// Longest opening and reading one file's bytes may take.
    pub read_timeout: Duration,
    /// Look for the figures most likely wrong ([`crate::explain::localise`]); `check --no-explain`
    /// turns it off.
    pub explain: bool,
    /// The report year of the run (`check --year`): a workbook titled with another is said
    /// and not compared with last year's.
    pub year: Option<u32>,
    /// Look for typed totals that do not add up ([`crate::check::discover`]; `check --discover`).
    pub discover: bool,
    /// With last year's workbooks, judge the figures' plausibility across the units
    /// ([`crate::history`]: `history.*`); `check --no-history` turns it off.
    pub history: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            jobs: 0,
            keep_sheets: false,
            copy_all_up_to: 0,
            read_timeout: Duration::from_secs(120),
            explain: true,
            year: None,
            discover: false,
            history: true,
        }
    }
}

/// What a run found beyond the results it handed on.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Last year's workbooks that could not be read (their units' year-over-year checks were
    /// not done).
    pub previous_unreadable: Vec<FileResult>,
    /// The run's summaries (files holding a form whose records are matched to units), each
    /// with the units its records name.
    pub summaries: Vec<SummaryOf>,
}

/// A summary of a run: the file as shown, and the units its records name — (code key, the
/// label the record names it by), in the sheet's order, each code once.
#[derive(Debug, Clone, Default)]
pub struct SummaryOf {
    pub path: String,
    pub units: Vec<(String, String)>,
}

/// A unit's workbook kept outside the run (the review desk's latest submission of a unit),
/// with the unit code and name it was read with: a summary of the run is checked against it as
/// against the run's own unit workbooks ([`Run::with_units_elsewhere`]).
#[derive(Debug, Clone)]
pub struct UnitElsewhere {
    pub input: Input,
    /// The code's key ([`crate::rules::Settings::unit_key`]), as its result gave it.
    pub code: String,
    pub name: Option<String>,
}

/// A run: the rule pack, the options and how files are read.
pub struct Run<'a> {
    pub pack: &'a Pack,
    pub options: Options,
    pub isolation: &'a dyn Isolation,
    /// The register of units (`--units`): each workbook's code, name and year are checked
    /// against it, and its units that sent nothing are said on its own result, last.
    pub register: Option<&'a crate::register::Register>,
    /// Unit workbooks kept elsewhere ([`UnitElsewhere`]).
    pub elsewhere: &'a [UnitElsewhere],
    /// Last year's workbooks already read ([`Run::with_previous_read`]).
    pub previous_read: Option<&'a [(FileResult, Kept)]>,
}

impl<'a> Run<'a> {
    pub fn new(pack: &'a Pack, options: Options, isolation: &'a dyn Isolation) -> Run<'a> {
        Run {
            pack,
            options,
            isolation,
            register: None,
            elsewhere: &[],
            previous_read: None,
        }
    }

    /// The run with last year's workbooks already read, as [`Run::read`] reads them with
    /// [`Links::LAST_YEAR`] (the review desk reads them once for all its checks): the
    /// `previous` given to [`Run::check`] must be the inputs they were read from; those that
    /// are this run's own inputs are left out as when read here.
    pub fn with_previous_read(mut self, read: Option<&'a [(FileResult, Kept)]>) -> Run<'a> {
        self.previous_read = read;
        self
    }

    /// The run with unit workbooks kept elsewhere: a summary of the run is checked against
    /// them as against the run's own unit workbooks (those are used first: a code among the
    /// run's own is not taken from elsewhere). They are read only when a summary's record
    /// names their code, for their figures only; nothing is said of them but in the summary's
    /// result.
    pub fn with_units_elsewhere(mut self, units: &'a [UnitElsewhere]) -> Run<'a> {
        self.elsewhere = units;
        self
    }

    /// The run with a register of units (`--units`).
    pub fn with_register(mut self, register: Option<&'a crate::register::Register>) -> Run<'a> {
        self.register = register;
        self
    }

    /// Checks all inputs, collecting the results (sorted by path).
    pub fn check_all(&self, inputs: &[Input], previous: Option<&[Input]>) -> Vec<FileResult> {
        let mut results = Vec::with_capacity(inputs.len());
        self.check(inputs, previous, &|_| {}, &mut |r| results.push(r));
        results
    }

    /// Checks all inputs, handing each file's result to `emit` in path order as soon as it and
    /// every file before it are done: a run then holds only what is still to come. `done` is
    /// called as each file finishes (from the checking threads, in any order), for a progress
    /// bar. A file with checks reading other workbooks (a summary; every file when last year's
    /// workbooks are given) is held until the second phase, and the files after it with it, to
    /// keep the order. `previous`: last year's workbooks, for the checks that read
    /// `previous.…`; each workbook is matched to last year's by unit code, and last year's are
    /// read for their figures only.
    pub fn check(
        &self,
        inputs: &[Input],
        previous: Option<&[Input]>,
        done: &(dyn Fn(&FileResult) + Sync),
        emit: &mut dyn FnMut(FileResult),
    ) -> Outcome {
        let pack = self.pack;
        let previous = previous.filter(|_| pack.uses_link(Link::Previous));
        let links = Links {
            unit: true,
            previous: previous.is_some(),
            last_year: false,
        };
        let sorted = sorted(inputs);
        // Phase one: files checked in parallel (on a thread of their own), handed on here in
        // path order.
        // At most one unit a file: sized once, not grown by doubling (at 20,000 workbooks its
        // copies were 2.9 MB of the main process's peak heap, heaptrack).
        let mut units: Vec<UnitRef> = Vec::with_capacity(sorted.len());
        let mut held: Vec<(FileResult, Kept)> = Vec::new();
        // The report years of the run's workbooks (for the register); their unit codes are
        // those of `units`, and the empty code of a summary without one (not in `units`).
        let mut summary_without_code = false;
        let mut years: BTreeMap<i32, usize> = BTreeMap::new();
        std::thread::scope(|scope| {
            // Handed on a few at a time: waking this thread for every file cost more than
            // the little it does with one.
            let (tx, rx) = handoff::handoff::<(usize, FileResult, Kept)>(HANDOFF_BATCH);
            let sorted = &*sorted;
            scope.spawn(move || {
                self.each(sorted, links, self.options.keep_sheets, &|i, r, k| {
                    done(&r);
                    tx.send((i, r, k));
                });
            });
            let mut pending: BTreeMap<usize, (FileResult, Kept)> = BTreeMap::new();
            let mut next = 0;
            // The first workbook of each unit code (in path order), by its place in `units`: a
            // later one with the same code is warned about, naming it.
            let mut first_of_code: BTreeMap<String, usize> = BTreeMap::new();
            let given_year = self.options.year.and_then(|y| i32::try_from(y).ok());
            for (i, r, k) in rx {
                pending.insert(i, (r, k));
                while let Some((mut r, k)) = pending.remove(&next) {
                    let input = sorted.get(next);
                    next += 1;
                    if let (Status::Checked, Some(_)) = (&r.status, &r.unit.key) {
                        if let Some(y) = k.report_year {
                            *years.entry(y).or_default() += 1;
                        }
                        if let Some(reg) = self.register {
                            units::file_findings(pack, reg, &mut r, k.report_year.or(given_year));
                        }
                    }
                    if let (Status::Checked, Some(code)) = (&r.status, r.unit.key.clone()) {
                        // A summary with a code of its own is a unit of the summary one level
                        // up; it is not the same unit's workbook sent twice.
                        let summary = is_summary(pack, &k);
                        if !summary {
                            match first_of_code.get(&code).and_then(|f| units.get(*f)) {
                                Some(first) if !code.is_empty() => code_repeated(
                                    pack,
                                    &mut r,
                                    code.clone(),
                                    first.path.to_string(),
                                ),
                                _ => {
                                    // Pushed to `units` just below (not a summary).
                                    first_of_code.insert(code.clone(), units.len());
                                }
                            }
                        }
                        if summary && code.is_empty() {
                            summary_without_code = true;
                        } else {
                            // The input's name, unless the result names it otherwise.
                            let path = match input {
                                Some(i) if i.shown == r.path => Cow::Borrowed(i.shown.as_str()),
                                _ => Cow::Owned(r.path.clone()),
                            };
                            units.push(UnitRef {
                                path,
                                name: r.unit.name.clone(),
                                code,
                                summary,
                                linked: None,
                            });
                        }
                    }
                    if !held.is_empty() || k.deferred.is_some() {
                        held.push((r, k));
                    } else {
                        emit(r);
                    }
                }
            }
        });
        // The register's own result, said after every workbook's: the run's year is the one
        // given, or that of the most workbooks (ties to the later year).
        let run_year = self
            .options
            .year
            .and_then(|y| i32::try_from(y).ok())
            .or_else(|| {
                years
                    .iter()
                    .max_by_key(|(y, n)| (**n, **y))
                    .map(|(y, _)| *y)
            });
        // With summaries of the register's units in the run, the units expected are those
        // summaries and the units under them (a commune's run is not missing the province's
        // other communes' branches).
        let register = self.register.map(|reg| {
            let submitted: BTreeSet<String> = units
                .iter()
                .map(|u| u.code.clone())
                .chain(summary_without_code.then(String::new))
                .collect();
            let roots = units.iter().filter(|u| u.summary).map(|u| u.code.as_str());
            let under = reg.under(roots);
            units::register_result(pack, under.as_ref().unwrap_or(reg), &submitted, run_year)
        });
        let mut outcome = Outcome::default();
        if held.is_empty() {
            if let Some(r) = register {
                emit(r);
            }
            return outcome;
        }
        // Phase two: the checks that read other workbooks.
        let (mut results, kept): (Vec<FileResult>, Vec<Kept>) = held.into_iter().unzip();
        // Unit workbooks by code (a code in several workbooks is reported, not matched). A
        // code that is a summary's stands for that summary (the committee's own workbook under
        // the same code is not the unit the level above sums).
        let mut by_code: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (u, unit) in units.iter().enumerate().filter(|(_, u)| u.summary) {
            by_code.entry(unit.code.clone()).or_default().push(u);
        }
        for (u, unit) in units.iter().enumerate().filter(|(_, u)| !u.summary) {
            if !units.iter().any(|o| o.summary && o.code == unit.code) {
                by_code.entry(unit.code.clone()).or_default().push(u);
            }
        }
        // Unit workbooks kept elsewhere, after the run's own (by index in `units`).
        let mut elsewhere: BTreeMap<usize, &Input> = BTreeMap::new();
        for e in self.elsewhere {
            if e.code.is_empty() || by_code.contains_key(&e.code) {
                continue;
            }
            by_code.insert(e.code.clone(), vec![units.len()]);
            elsewhere.insert(units.len(), &e.input);
            units.push(UnitRef {
                path: Cow::Borrowed(e.input.shown.as_str()),
                name: e.name.clone(),
                code: e.code.clone(),
                summary: false,
                linked: None,
            });
        }
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
                    elsewhere
                        .get(&u)
                        .or_else(|| by_shown.get(units[u].path.as_ref()))
                        .map(|i| (u, (*i).clone()))
                })
                .unzip();
            let read = self.figures(&again);
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
        // Last year's workbooks that are this run's own: not read, said for the unit whose
        // workbook each is (by that workbook's code).
        let mut own_previous: BTreeMap<String, String> = BTreeMap::new();
        let previous = previous.map(|p| {
            let (own, others) = own_inputs(p, &sorted);
            let code_of: BTreeMap<&str, &str> = units
                .iter()
                .map(|u| (u.path.as_ref(), u.code.as_str()))
                .collect();
            for (prev, this) in own {
                if let Some(code) = code_of.get(this.as_str()) {
                    own_previous.entry(code.to_string()).or_insert(prev);
                }
            }
            let mut prev = match self.previous_read {
                Some(read) => {
                    let shown: BTreeSet<&str> = others.iter().map(|o| o.shown.as_str()).collect();
                    read.iter()
                        .filter(|(r, _)| shown.contains(r.path.as_str()))
                        .cloned()
                        .collect()
                }
                None => self.read(&others, Links::LAST_YEAR),
            };
            prev.sort_by(|a, b| a.0.path.cmp(&b.0.path));
            outcome.previous_unreadable = prev
                .iter()
                .filter(|(r, _)| matches!(r.status, Status::Unreadable(_)))
                .map(|(r, _)| r.clone())
                .collect();
            prev
        });
        // The register's parents (unit key → its parent's key): a summary's units are the
        // register's units under the summary's own code.
        let parents: Option<BTreeMap<String, String>> = self.register.map(|reg| {
            reg.entries
                .iter()
                .filter_map(|e| Some((e.key.clone(), e.parent.clone()?)))
                .collect()
        });
        outcome.summaries = results
            .iter()
            .zip(&kept)
            .filter(|(_, k)| is_summary(pack, k))
            .map(|(r, k)| SummaryOf {
                path: r.path.clone(),
                units: named_units(pack, k),
            })
            .collect();
        let paired = links::link_files(
            pack,
            &mut results,
            &kept,
            links::RunUnits {
                refs: &units,
                by_code: &by_code,
                parents: parents.as_ref(),
            },
            previous.as_deref().map(|read| links::Previous {
                read,
                unreadable: outcome.previous_unreadable.len(),
                own: &own_previous,
            }),
            self.options.explain,
        );
        if let Some(prev) = &previous {
            if self.options.history {
                units::history_findings(pack, &mut results, &kept, prev, &paired);
            }
            if let Some(reg) = self.register {
                units::reorganisation_findings(
                    pack,
                    reg,
                    &mut results,
                    &kept,
                    prev,
                    &paired,
                    run_year,
                );
            }
        }
        for r in results {
            emit(r);
        }
        if let Some(r) = register {
            emit(r);
        }
        outcome
    }

    /// Checks all inputs ([`Run::check`]) and hands each file's result to every sink in turn,
    /// then tells each that the run is over, in the order given (a sink that could not write
    /// makes the tally's `output_failed`, which the sinks after it see). Returns the tally
    /// (the exit status is [`Tally::exit`]) and what each sink has to say, in the same order.
    pub fn report(
        &self,
        inputs: &Inputs,
        previous: Option<&[Input]>,
        done: &(dyn Fn(&FileResult) + Sync),
        sinks: &mut [&mut dyn Sink],
    ) -> (Tally, Vec<Said>) {
        let mut tally = Tally {
            passed_over: inputs.passed_over,
            ..Tally::default()
        };
        let outcome = self.check(&inputs.files, previous, done, &mut |r| {
            tally.add(&r);
            for sink in sinks.iter_mut() {
                sink.file(&r);
            }
        });
        tally.previous_unreadable = outcome.previous_unreadable.len();
        let mut said = Vec::with_capacity(sinks.len());
        for sink in sinks.iter_mut() {
            let so_far = tally;
            let one = sink.finish(&End {
                tally: &so_far,
                previous_unreadable: &outcome.previous_unreadable,
            });
            tally.output_failed |= !one.failures.is_empty();
            said.push(one);
        }
        (tally, said)
    }

    /// Reads and checks every input on its own for its figures only (what checks of other
    /// workbooks read: consolidation, the units of a summary; last year's workbooks are read
    /// with [`Links::LAST_YEAR`]); in the
    /// order of `inputs`. No sheets are kept, checks of other workbooks are not applied.
    pub fn figures(&self, inputs: &[Input]) -> Vec<(FileResult, Kept)> {
        self.read(inputs, Links::NONE)
    }

    /// Reads and checks every input on its own (the first phase only), keeping what the
    /// second phase would need for `links`; in the order of `inputs`.
    pub fn read(&self, inputs: &[Input], links: Links) -> Vec<(FileResult, Kept)> {
        let slots: Vec<std::sync::Mutex<Option<(FileResult, Kept)>>> =
            inputs.iter().map(|_| std::sync::Mutex::new(None)).collect();
        self.each(inputs, links, false, &|i, r, k| {
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some((r, k));
            }
        });
        // Every slot is filled (`each` hands on every input once).
        slots
            .into_iter()
            .filter_map(|slot| slot.into_inner().ok().flatten())
            .collect()
    }

    /// Reads and checks every input on its own (the first phase), in parallel, handing each
    /// result with its index in `inputs` to `each` as it is done (in any order).
    fn each(
        &self,
        inputs: &[Input],
        links: Links,
        keep_sheets: bool,
        each: &(dyn Fn(usize, FileResult, Kept) + Sync),
    ) {
        let seen = AtomicUsize::new(0);
        let one = |i: usize, input: &Input| {
            let (r, k) = self.one(input, links, keep_sheets, &seen);
            each(i, r, k);
        };
        // Taken in order (par_bridge hands the next input to the next free thread; par_iter
        // would split the list in halves): results come back nearly in order, so the caller
        // holds few of them before passing them on.
        let run = || {
            inputs
                .iter()
                .enumerate()
                .par_bridge()
                .for_each(|(i, input)| one(i, input))
        };
        match rayon::ThreadPoolBuilder::new()
            .num_threads(self.isolation.threads(self.options.jobs))
            .build()
        {
            Ok(pool) => pool.install(run),
            Err(_) => {
                for (i, input) in inputs.iter().enumerate() {
                    one(i, input);
                }
            }
        }
    }

    /// One file; `seen` counts the sheets holding forms of the whole run so far, for
    /// [`Options::copy_all_up_to`].
    fn one(
        &self,
        input: &Input,
        links: Links,
        keep_sheets: bool,
        seen: &AtomicUsize,
    ) -> (FileResult, Kept) {
        let limit = if keep_sheets {
            self.options.copy_all_up_to
        } else {
            0
        };
        let job = Job {
            shown: input.shown.clone(),
            links,
            keep_sheets,
            // Already beyond the limit: the reader need not send the sheets without findings.
            only_flagged: limit > 0 && seen.load(Ordering::Relaxed) > limit,
            explain: self.options.explain,
            year: self.options.year.filter(|_| !links.last_year),
            discover: self.options.discover && !links.last_year,
        };
        let (mut result, kept) =
            file::check_file(input, self.pack, &self.options, self.isolation, &job);
        if keep_sheets && matches!(result.status, Status::Checked) {
            let sheets = result.form_sheets();
            let before = seen.fetch_add(sheets, Ordering::Relaxed);
            // Once the run surely has more sheets than the review copies in full, only sheets
            // with findings are copied: keep no others (a file whose checks read other
            // workbooks may still get findings, so it keeps all of its own).
            if limit > 0 && before + sheets > limit && kept.deferred.is_none() {
                let mut copies = std::mem::take(&mut result.kept);
                copies.retain(|s| crate::check::sheet_has_findings(&result, &s.name));
                result.kept = copies;
            }
        }
        (result, kept)
    }
}

/// Last year's workbooks split into those that are this run's own inputs — (the name given
/// as last year's, the input's name as shown) — and the others, to read.
fn own_inputs(previous: &[Input], inputs: &[Input]) -> (Vec<(String, String)>, Vec<Input>) {
    let by_id: BTreeMap<&FileId, &str> = inputs
        .iter()
        .filter(|i| i.same_as.is_none())
        .filter_map(|i| i.id.as_ref().map(|id| (id, i.shown.as_str())))
        .collect();
    let mut own = Vec::new();
    let mut others = Vec::new();
    for p in previous {
        match p.id.as_ref().and_then(|id| by_id.get(id)) {
            Some(this) => own.push((p.shown.clone(), this.to_string())),
            None => others.push(p.clone()),
        }
    }
    (own, others)
}

/// The warning on a workbook whose unit code an earlier one of the run (`first`) has.
fn code_repeated(pack: &Pack, r: &mut FileResult, code: String, first: String) {
    links::push_link_finding(
        pack,
        r,
        links::LinkFinding {
            rule: crate::registry::Kind::UnitCodeRepeated,
            sheet: None,
            cells: vec![],
            order: (0, 0, 0),
            params: &[("code", &code), ("file", &first)],
        },
    );
    r.findings.sort_by(|a, b| {
        a.sort_key()
            .partial_cmp(&b.sort_key())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// The inputs in path order (usually they are already: a folder is walked in order).
fn sorted(inputs: &[Input]) -> std::borrow::Cow<'_, [Input]> {
    if inputs.is_sorted_by(|a, b| a.shown <= b.shown) {
        std::borrow::Cow::Borrowed(inputs)
    } else {
        let mut v = inputs.to_vec();
        v.sort_by(|a, b| a.shown.cmp(&b.shown));
        std::borrow::Cow::Owned(v)
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

/// The units a summary's records name: (code key, label), each code once, in order.
fn named_units(pack: &Pack, k: &Kept) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for inst in k.deferred.iter().flat_map(|d| &d.instances) {
        if !pack.forms[inst.form].matches_units() {
            continue;
        }
        for rec in &inst.records {
            if !rec.key.is_empty() && seen.insert(rec.key.clone()) {
                out.push((rec.key.clone(), rec.label.clone()));
            }
        }
    }
    out
}
