//! One file of a run: read its bytes (regular files only, under the size cap and the read
//! timeout), tell what it is ([`crate::read::load::prepare`]), and have the run's isolation read and
//! check it. [`check_container`] is the reading and checking itself, in this process: the
//! in-process isolation and the worker processes both call it.

use super::{Isolation, Job, Options};
use crate::check::{self, sheet_has_findings, FileResult, Kept, Status, Unit};
use crate::finding::Finding;
use crate::model::Sheet;
use crate::read::load::{self, Limits};
use crate::read::sniff::{Container, Unreadable};
use crate::registry::Kind;
use crate::rules::Pack;
use std::collections::BTreeSet;

/// The result of a file reported without a workbook.
pub fn unreadable(shown: &str, u: Unreadable) -> FileResult {
    FileResult {
        path: shown.to_string(),
        status: Status::Unreadable(u),
        forms: vec![],
        findings: vec![],
        unit: Unit::default(),
        kept: vec![],
        explanations: vec![],
        not_applied: vec![],
    }
}

/// The result of a file passed over after reading (crossfoot's own review workbook).
pub fn skipped(shown: &str, why: crate::check::Skip) -> FileResult {
    FileResult {
        path: shown.to_string(),
        status: Status::Skipped(why),
        forms: vec![],
        findings: vec![],
        unit: Unit::default(),
        kept: vec![],
        explanations: vec![],
        not_applied: vec![],
    }
}

/// Reads and checks one file through `isolation`.
pub fn check_file(
    input: &super::Input,
    pack: &Pack,
    opts: &Options,
    isolation: &dyn Isolation,
    job: &Job,
) -> (FileResult, Kept) {
    if let Some(problem) = &input.problem {
        return (
            unreadable(&input.shown, Unreadable::clone(problem)),
            Kept::default(),
        );
    }
    if let Some(first) = &input.same_as {
        return (
            skipped(&input.shown, crate::check::Skip::SameFile(first.clone())),
            Kept::default(),
        );
    }
    let name = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let outcome = isolation.check_path(
        &input.path,
        &name,
        &opts.limits,
        opts.read_timeout,
        pack,
        job,
    );
    match outcome {
        FileOutcome::OwnReview => (
            skipped(&input.shown, crate::check::Skip::OwnReview),
            Kept::default(),
        ),
        FileOutcome::Checked(container, checked) => {
            let (mut result, kept) = *checked;
            // Read by its content; the name is said to be wrong.
            if let Some((what, ext, right)) = load::wrong_extension(container, &name) {
                result.findings.push(Finding {
                    file: input.shown.clone(),
                    sheet: None,
                    rule: Kind::WorkbookWrongExtension.id().to_string(),
                    severity: Kind::WorkbookWrongExtension.severity(),
                    message: pack.settings.message(
                        Kind::WorkbookWrongExtension,
                        &[("what", what), ("ext", &ext), ("right", right)],
                    ),
                    cells: vec![],
                    expected: None,
                    actual: None,
                    difference: None,
                    order: (0, 0, 0),
                    decimals: None,
                });
                result.findings.sort_by(|a, b| {
                    a.sort_key()
                        .partial_cmp(&b.sort_key())
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
            }
            (result, kept)
        }
        FileOutcome::Unreadable(u) => (unreadable(&input.shown, u), Kept::default()),
    }
}

pub use crate::read::files::read_file;

/// What one file's bytes gave: the part of [`check_file`] an [`Isolation`] does (in a worker
/// process, all of it but the stat of the walk).
#[derive(Debug)]
pub enum FileOutcome {
    /// Not read as a workbook, and why.
    Unreadable(Unreadable),
    /// crossfoot's own review workbook: passed over.
    OwnReview,
    /// Read as `Container` and checked.
    Checked(Container, Box<(FileResult, Kept)>),
}

/// Tells what `bytes` (a file named `name`) are and has `check` read and check them: a
/// review workbook crossfoot wrote is passed over, a file that is no workbook (or too large) is
/// said unreadable, and a read that failed is explained from the bytes.
pub fn outcome_of(
    bytes: &[u8],
    name: &str,
    limits: &Limits,
    check: impl FnOnce(&[u8], Container) -> Result<(FileResult, Kept), load::Failure>,
) -> FileOutcome {
    if let Some(what) = crate::read::sniff::crossfoot_output(bytes) {
        if what == crate::read::sniff::REVIEW_MARK {
            return FileOutcome::OwnReview;
        }
    }
    let container = match load::prepare(bytes, name, limits) {
        Ok(c) => c,
        Err(u) => return FileOutcome::Unreadable(u),
    };
    match check(bytes, container) {
        Ok(checked) => FileOutcome::Checked(container, Box::new(checked)),
        Err(failure) => FileOutcome::Unreadable(load::failure_error(bytes, name, failure)),
    }
}

/// Reads and checks a container in this process (the in-process isolation, and each worker
/// process, call this).
pub fn check_container(
    bytes: &[u8],
    container: Container,
    limits: &Limits,
    pack: &Pack,
    job: &Job,
) -> Result<(FileResult, Kept), load::Failure> {
    let mut opened = load::Opened::open(bytes, container)?;
    let wb = opened.read(limits, load::Detail::Check)?;
    // A panic while checking is a bug in crossfoot: contained, the file reported, the run goes
    // on (in a worker process it would otherwise end the worker and read as out of memory).
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (forms, findings, unit, mut kept, located) =
            check::check_workbook_located(&wb, &job.shown, pack, job.links, job.year);
        if job.explain {
            kept.explanations = crate::explain::explain_located(pack, &wb, &located);
        }
        (forms, findings, unit, kept)
    }));
    let (forms, findings, unit, mut kept) = checked.map_err(|payload| {
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
        explanations: std::mem::take(&mut kept.explanations),
        not_applied: std::mem::take(&mut kept.not_applied),
    };
    if job.discover {
        // Sheets holding a form are left to the pack's checks.
        let forms: BTreeSet<&str> = result.forms.iter().map(|f| f.sheet.as_str()).collect();
        // A SUM's range is read from its formula: the other sheets read again with their
        // formulas (what the review copies read), on a copy, so the checks above are untouched.
        // Should that read fail, the SUMs are compared by their stored values only, and the
        // SUM-range check is counted as not applied (never taken as passed).
        let mut full = wb.clone();
        let read = full
            .sheets
            .iter_mut()
            .filter(|s| !forms.contains(s.name.as_str()))
            .try_for_each(|sheet| opened.complete(std::slice::from_mut(sheet), limits));
        let found = match read {
            Ok(()) => crate::check::discover::discover_all(&wb, &full, &job.shown, pack, &forms),
            Err(_) => {
                result.not_applied.push(crate::result::NotApplied {
                    rule: crate::registry::Kind::DiscoverSumOmits.id().to_string(),
                    reason: crate::result::Reason::FormulasUnread,
                    count: 1,
                });
                crate::check::discover::discover(&wb, &job.shown, pack, &forms)
            }
        };
        if !found.is_empty() {
            result.findings.extend(found);
            result.findings.sort_by(|a, b| {
                a.sort_key()
                    .partial_cmp(&b.sort_key())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::sniff::UnreadableKind;
    use std::path::Path;
    use std::time::Duration;

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xlsx");
        let c = std::ffi::CString::new(p.to_string_lossy().into_owned()).unwrap();
        // SAFETY: mkfifo(3) with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read_file(&p, 1 << 20, Duration::from_secs(30)).unwrap_err();
        assert_eq!(err.kind, UnreadableKind::NotRegular);
        assert_eq!(err.reason, "not a regular file (a named pipe (FIFO))");
    }

    #[test]
    fn a_missing_file_says_so() {
        let err =
            read_file(Path::new("/nonexistent/x.xlsx"), 10, Duration::from_secs(5)).unwrap_err();
        assert_eq!(err.reason, "no such file");
    }

    #[test]
    fn one_byte_over_the_cap_is_read_to_be_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.xlsx");
        std::fs::write(&p, [0u8; 20]).unwrap();
        assert_eq!(read_file(&p, 10, Duration::from_secs(5)).unwrap().len(), 11);
    }
}
