//! The results of a run: what every output reads, and nothing else.
//!
//! One file's result ([`FileResult`]: its status, the forms found, the findings, the unit it
//! reports for, the explanations of its findings and the checks not applied), and the run's
//! [`Tally`] with the exit status it gives. The checking stages ([`crate::check`],
//! [`crate::check::eval`], [`crate::explain::localise`], [`crate::run`]) produce these; every writer
//! (terminal, JSON, CI formats, the review workbook, the marked copies, the district summary,
//! a web desk) consumes them, and imports no checking stage.
//!
//! This module sits on the ground floor: it imports only [`crate::finding`], [`crate::model`],
//! [`crate::registry`] and the reason a file is unreadable ([`crate::unreadable`]).

use crate::finding::{Finding, Severity};
use crate::model::Sheet;
use crate::unreadable::Unreadable;
use serde::{Deserialize, Serialize};

// One file.

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FormFound {
    pub sheet: String,
    pub form: String,
    /// How surely the form was read, 0 to 1: the share of its rows, columns and cells that
    /// were located (0: where it stands was not decided, nothing was read).
    #[serde(default = "sure")]
    pub confidence: f64,
    /// The sheets it continues on (`M01 (tiếp)`), when it runs over several. (Always
    /// serialised: the workers' binary protocol has no optional fields; the JSON report leaves
    /// an empty one out.)
    #[serde(default)]
    pub continued_on: Vec<String>,
}

fn sure() -> f64 {
    1.0
}

#[derive(Debug, Clone)]
pub enum Status {
    Checked,
    Unreadable(Unreadable),
    /// Read, and passed over: not a submission, with why.
    Skipped(Skip),
}

pub use crate::finding::Skip;

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
    /// The most likely causes of the findings ([`crate::explain::localise`]).
    pub explanations: Vec<Explanation>,
    /// The checks that could not be applied, by rule and reason (counted, never passed).
    pub not_applied: Vec<NotApplied>,
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

    /// The sheets holding forms (each counted once, however many forms it holds).
    pub fn form_sheets(&self) -> usize {
        self.forms
            .iter()
            .map(|f| f.sheet.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    /// A copy of this result holding `kept` instead of its sheets (what a writer that keeps
    /// results keeps of them).
    pub fn with_kept(&self, kept: Vec<Sheet>) -> FileResult {
        FileResult {
            path: self.path.clone(),
            status: self.status.clone(),
            forms: self.forms.clone(),
            findings: self.findings.clone(),
            unit: self.unit.clone(),
            kept,
            explanations: self.explanations.clone(),
            not_applied: self.not_applied.clone(),
        }
    }
}

/// Whether a finding of `r` is on `sheet` (names it, or one of its cells).
pub fn sheet_has_findings(r: &FileResult, sheet: &str) -> bool {
    r.findings.iter().any(|f| {
        f.sheet.as_deref() == Some(sheet)
            || f.cells.iter().any(|c| c.file.is_none() && c.sheet == sheet)
    })
}

/// Why a check was not applied (one application of it): counted and reported, never taken
/// as passed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A figure it reads could not be read (a finding of its own).
    UnreadableFigure,
    /// A figure it reads is not in the workbook: its row, column, cell or form was not found.
    FigureMissing,
    /// It divides by zero (or by a figure that may be zero, as rounded).
    DivisionByZero,
    /// Its figures are too large to compute with (a finding of its own).
    NotFinite,
    /// Its expression gives no value of the kind needed.
    CannotEvaluate,
    /// The formulas it reads (`--discover`'s SUM ranges) could not be read from the workbook.
    FormulasUnread,
}

impl Reason {
    /// The stable code of the JSON report (`division-by-zero`).
    pub fn code(self) -> &'static str {
        match self {
            Reason::UnreadableFigure => "unreadable-figure",
            Reason::FigureMissing => "figure-missing",
            Reason::DivisionByZero => "division-by-zero",
            Reason::NotFinite => "not-finite",
            Reason::CannotEvaluate => "cannot-evaluate",
            Reason::FormulasUnread => "formulas-unread",
        }
    }

    /// Why, in words.
    pub fn words(self, w: &crate::registry::Words) -> &'static str {
        match self {
            Reason::UnreadableFigure => w.na_unreadable_figure,
            Reason::FigureMissing => w.na_figure_missing,
            Reason::DivisionByZero => w.na_division_by_zero,
            Reason::NotFinite => w.na_not_finite,
            Reason::CannotEvaluate => w.na_cannot_evaluate,
            Reason::FormulasUnread => w.na_formulas_unread,
        }
    }
}

/// How many times a check was not applied to a workbook, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotApplied {
    pub rule: String,
    pub reason: Reason,
    pub count: usize,
}

// What explains a file's findings (made by `crate::explain::localise`).

/// The kind of slip a change looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slip {
    SwappedDigits,
    MistypedDigit,
    OffByOne,
    Sign,
    TruncatedPercentage,
    WrongBase,
    RowOff,
    /// A percentage recomputed from its corrected count and base (not a change of its own).
    Follows,
    /// The figure of the same cell in last year's workbook (`--previous`), left as it was.
    LastYearsFigure,
}

/// One figure to change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub sheet: String,
    pub cell: String,
    pub label: String,
    pub found: f64,
    /// The corrected value, when the checks determine it.
    pub suggested: Option<f64>,
    /// Otherwise the values it may take (None: unbounded that side).
    pub range: Option<(Option<f64>, Option<f64>)>,
    pub kind: Option<Slip>,
    pub decimals: u8,
    /// "probably 2.674 — two digits swapped", in the pack's language.
    pub note: String,
}

/// A finding, referred to by what stays the same when findings are sorted again: its rule,
/// sheet and cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRef {
    pub rule: String,
    pub sheet: String,
    /// (file, for a cell of another workbook; sheet; cell).
    pub cells: Vec<(Option<String>, String, String)>,
}

impl FindingRef {
    /// Whether `f` is the finding referred to.
    pub fn is(&self, f: &Finding) -> bool {
        f.rule == self.rule
            && f.sheet.as_deref() == Some(self.sheet.as_str())
            && f.cells.len() == self.cells.len()
            && f.cells
                .iter()
                .zip(&self.cells)
                .all(|(c, (file, s, a))| c.file == *file && c.sheet == *s && c.cell == *a)
    }
}

/// One cause: the changes that resolve a group of findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Explanations with the same cause number are alternatives of one another.
    pub cause: usize,
    /// How many equally small explanations the cause has (1: unique).
    pub alternatives: usize,
    /// How many explanations one figure larger (else two; never beyond [`MAX_SIZE`]) also
    /// resolve the cause's findings without containing a smaller one (up to
    /// [`MAX_ALTERNATIVES`]; 0: none, or none looked for).
    #[serde(default)]
    pub larger: usize,
    /// The best of those (the fewest percentages left to change, then the first), shown as
    /// "or: …": two slips are often explained by one smaller change, and the reviewer must see
    /// that another reading exists.
    #[serde(default)]
    pub or: Vec<Change>,
    /// False: not localised (too many possibilities); `changes` is then empty.
    pub localised: bool,
    pub changes: Vec<Change>,
    pub resolves: Vec<FindingRef>,
    /// Failing checks of the workbook left out as not linear.
    pub left_out: usize,
    /// The headline, in the pack's language ("most likely: …").
    pub text: String,
}

// The run.

/// A consumer of a run's results: the terminal report, the JSON document, the CI formats, the
/// review workbook, the marked copies — and any other output (a web desk) — are each one.
///
/// [`crate::run::Run::report`] hands every sink each file's result once, in path order, as
/// soon as it and every file before it are done; then tells each, in the order given, that
/// the run is over. A sink that needs every result at once (the review workbook, the CI
/// formats) keeps what it needs itself; one that does not (the terminal, the JSON stream)
/// holds nothing, so a run of many files holds neither its files nor its findings.
pub trait Sink {
    /// One file's result.
    fn file(&mut self, r: &FileResult);
    /// The run is over: its tally (with the failures of the sinks finished before this one)
    /// and last year's workbooks that could not be read.
    fn finish(&mut self, end: &End<'_>) -> Said;
}

/// The end of a run, as each [`Sink`] is told it.
pub struct End<'a> {
    pub tally: &'a Tally,
    /// Last year's workbooks that could not be read (their units were not compared).
    pub previous_unreadable: &'a [FileResult],
}

/// What a sink has to tell the person running crossfoot once it is done, besides what it
/// wrote: the library never prints, the command line shows these on its error stream.
#[derive(Default)]
pub struct Said {
    /// Something the sink was to write and did not (the run then fails: exit status 2).
    pub failures: Vec<Box<dyn miette::Diagnostic + Send + Sync>>,
    /// Lines saying what was written where (input text already made visible).
    pub notes: Vec<String>,
}

/// Files passed over while walking folders (never read, only counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassedOver {
    /// Spreadsheet lock files (`~$…`), left by a program that has the workbook open.
    pub lock_files: usize,
    /// Hidden files and folders (names beginning with a dot).
    pub hidden: usize,
    /// Operating-system litter (`Thumbs.db`, `desktop.ini`, `.DS_Store`).
    pub system: usize,
}

impl PassedOver {
    pub fn total(&self) -> usize {
        self.lock_files + self.hidden + self.system
    }

    pub fn add(&mut self, other: PassedOver) {
        self.lock_files += other.lock_files;
        self.hidden += other.hidden;
        self.system += other.system;
    }
}

/// The lowest severity that fails a run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

/// How a run ended, as the exit status says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: every input checked, no finding at or above `--fail-on`.
    Clean = 0,
    /// 1: a finding at or above `--fail-on`.
    Findings = 1,
    /// 2: crossfoot could not do all of its job (an input or last year's workbook not read,
    /// an output not written, bad arguments or rule files).
    Failed = 2,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What a run did, counted as results are reported: the summary line and the exit status.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub files: usize,
    pub checked: usize,
    pub unreadable: usize,
    /// Read, and recognised as not a submission (crossfoot's own review workbooks).
    pub skipped: usize,
    /// Checked, but no sheet matched a form of the pack.
    pub no_form: usize,
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
    /// Checked files by their worst finding: none (or only info), a warning, an error.
    pub clean_files: usize,
    pub files_with_warnings: usize,
    pub files_with_errors: usize,
    /// Applications of checks that could not be applied ([`crate::check::eval::Reason`]).
    pub not_applied: usize,
    /// Passed over while walking folders (lock files, hidden files, system litter).
    pub passed_over: PassedOver,
    /// Last year's workbooks that could not be read.
    pub previous_unreadable: usize,
    /// Something crossfoot was asked to write was not written.
    pub output_failed: bool,
}

impl Tally {
    pub fn of(results: &[FileResult]) -> Tally {
        let mut t = Tally::default();
        for r in results {
            t.add(r);
        }
        t
    }

    /// Counts one more file.
    pub fn add(&mut self, r: &FileResult) {
        self.files += 1;
        match r.status {
            Status::Checked => {
                self.checked += 1;
                if r.forms.is_empty() {
                    self.no_form += 1;
                }
            }
            Status::Unreadable(_) => self.unreadable += 1,
            Status::Skipped(_) => self.skipped += 1,
        }
        let (errors, warnings) = (r.count(Severity::Error), r.count(Severity::Warning));
        if matches!(r.status, Status::Checked) {
            if errors > 0 {
                self.files_with_errors += 1;
            } else if warnings > 0 {
                self.files_with_warnings += 1;
            } else {
                self.clean_files += 1;
            }
        }
        self.errors += errors;
        self.warnings += warnings;
        self.info += r.count(Severity::Info);
        self.not_applied += r.not_applied.iter().map(|n| n.count).sum::<usize>();
    }

    /// The worst severity found.
    pub fn worst(&self) -> Option<Severity> {
        if self.errors > 0 {
            Some(Severity::Error)
        } else if self.warnings > 0 {
            Some(Severity::Warning)
        } else if self.info > 0 {
            Some(Severity::Info)
        } else {
            None
        }
    }

    /// The exit status: 2 when crossfoot could not do all of its job, else 1 when a finding
    /// reaches `fail_on`, else 0. A run that checked no file at all is never clean.
    pub fn exit(&self, fail_on: FailOn) -> Exit {
        if self.unreadable > 0
            || self.previous_unreadable > 0
            || self.output_failed
            || self.checked == 0
        {
            return Exit::Failed;
        }
        match (fail_on, self.worst()) {
            (FailOn::Severity(min), Some(worst)) if worst >= min => Exit::Findings,
            _ => Exit::Clean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_in_one_place() {
        let mut t = Tally {
            checked: 1,
            warnings: 1,
            ..Tally::default()
        };
        assert_eq!(t.exit(FailOn::Severity(Severity::Error)), Exit::Clean);
        assert_eq!(t.exit(FailOn::Severity(Severity::Warning)), Exit::Findings);
        assert_eq!(t.exit(FailOn::Never), Exit::Clean);
        t.errors = 1;
        assert_eq!(t.exit(FailOn::Severity(Severity::Error)), Exit::Findings);
        t.unreadable = 1;
        assert_eq!(t.exit(FailOn::Never), Exit::Failed);
        let none = Tally::default();
        assert_eq!(none.exit(FailOn::Never), Exit::Failed, "nothing checked");
    }
}
