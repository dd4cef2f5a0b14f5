//! The review desk's checker ([`crate::desk::Checker`]): each stored workbook checked by the
//! same [`Run`] as `check`, with the isolation the command line hands it (the worker processes
//! under their memory cap), and the same writers: the JSON of `check --format json`
//! ([`crate::write::report::JsonStream`]), the review workbook ([`crate::write::annotate::review_workbook`])
//! and the marked copy ([`crate::write::mark::mark_workbook`]). It lives here, beside the run, so
//! that the desk imports no checking stage: the desk only keeps and shows what this gives.

use super::{FileId, Input, Isolation, Options, Run, UnitElsewhere};
use crate::check::{FileResult, Status};
use crate::desk::{Checked, Checker, Expected, Noted, UnitWorkbook};
use crate::registry::Lang;
use crate::rules::Pack;
use crate::write::annotate::ReviewOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The run a desk checks with.
pub struct RunChecker {
    pack: Pack,
    options: Options,
    isolation: Box<dyn Isolation + Send>,
    /// Last year's workbooks (`serve --previous`): every workbook is compared with its
    /// unit's, as `check --previous` does; and as read, once.
    previous: Vec<Input>,
    previous_read: Vec<(FileResult, crate::check::Kept)>,
    /// The units known besides the desk's list: the register's, last year's.
    known: Vec<Expected>,
    /// The register of units (`serve --units`): each workbook checked against it as `check
    /// --units` does (its code, name and year).
    register: Option<crate::register::Register>,
}

impl RunChecker {
    /// `options.keep_sheets` is set: the review workbook, the marked copy and the pages draw
    /// the sheets read.
    pub fn new(pack: Pack, mut options: Options, isolation: Box<dyn Isolation + Send>) -> Self {
        options.keep_sheets = true;
        options.copy_all_up_to = 0;
        RunChecker {
            pack,
            options,
            isolation,
            previous: Vec::new(),
            previous_read: Vec::new(),
            known: Vec::new(),
            register: None,
        }
    }

    /// With last year's workbooks (`serve --previous`), read here once: each check compares
    /// the workbook with its unit's of last year, as `check --previous`; their units are
    /// units the round expects.
    pub fn with_previous(mut self, previous: Vec<Input>) -> Self {
        let run = Run::new(&self.pack, self.options.clone(), self.isolation.as_ref());
        let read = run.read(&previous, super::Links::LAST_YEAR);
        for (r, _) in &read {
            if let (Status::Checked, Some(key)) = (&r.status, &r.unit.key) {
                self.known.push(Expected {
                    code: r.unit.code.clone().unwrap_or_else(|| key.clone()),
                    name: r.unit.name.clone(),
                });
            }
        }
        self.previous = previous;
        self.previous_read = read;
        self
    }

    /// With the register of units (`serve --units`): each workbook is checked against it as
    /// `check --units` checks it (a code not in it, another name, a year outside the unit's
    /// life; the register's own list of the units that sent nothing is not said: the round
    /// shows them), and its units are units the round expects (those alive in the run's
    /// year, when it is given).
    pub fn with_register(mut self, register: &crate::register::Register) -> Self {
        self.register = Some(register.clone());
        let year = self.options.year.and_then(|y| i32::try_from(y).ok());
        for e in &register.entries {
            if year.is_none_or(|y| e.alive_in(y)) {
                self.known.push(Expected {
                    code: e.code.clone(),
                    name: Some(e.name.clone()).filter(|n| !n.is_empty()),
                });
            }
        }
        self
    }

    /// The run's result of the one workbook at `path`, reported as `shown`, with the checks
    /// of other workbooks: against `units` when it is a summary, against last year's.
    fn results(
        &self,
        path: &Path,
        shown: &str,
        units: &[UnitWorkbook],
    ) -> (Option<FileResult>, super::Outcome) {
        let elsewhere: Vec<UnitElsewhere> = units
            .iter()
            .map(|u| UnitElsewhere {
                input: Input {
                    path: u.path.clone(),
                    shown: u.shown.clone(),
                    id: FileId::of(&u.path),
                    problem: None,
                    same_as: None,
                },
                code: u.code.clone(),
                name: u.name.clone(),
            })
            .collect();
        let run = Run::new(&self.pack, self.options.clone(), self.isolation.as_ref())
            .with_units_elsewhere(&elsewhere)
            .with_register(self.register.as_ref())
            .with_previous_read(
                (!self.previous.is_empty()).then_some(self.previous_read.as_slice()),
            );
        let input = Input {
            path: path.to_path_buf(),
            shown: shown.to_string(),
            id: FileId::of(path),
            problem: None,
            same_as: None,
        };
        let previous = (!self.previous.is_empty()).then_some(self.previous.as_slice());
        let mut results = Vec::with_capacity(1);
        let outcome = run.check(std::slice::from_ref(&input), previous, &|_| {}, &mut |r| {
            results.push(r)
        });
        // The workbook's own result (with a register, the register's own comes after it).
        (results.into_iter().find(|r| r.path == shown), outcome)
    }

    /// The marked copy of the workbook at `path` (its result `r`), when it was checked.
    fn marked(&self, path: &Path, r: &FileResult) -> Option<(Vec<u8>, &'static str)> {
        if !matches!(r.status, Status::Checked) {
            return None;
        }
        let limits = &self.options.limits;
        let bytes =
            crate::read::files::read_file(path, limits.max_file_bytes, self.options.read_timeout)
                .ok()?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let container = crate::read::load::prepare(&bytes, &name, limits).ok()?;
        crate::write::mark::mark_workbook(&bytes, container, r, self.pack.settings.lang, limits)
            .ok()
            .map(|m| (m.bytes, m.extension))
    }
}

/// The reviewer's notes said on the findings they explain (by index in `r.findings`): each
/// such finding's message ends with the note, shown as [`crate::safe::visible`] shows it, so
/// that the marked copy's notes on the cells and its findings sheet carry it.
pub fn with_notes(r: &mut FileResult, notes: &BTreeMap<usize, String>, lang: Lang) {
    let w = crate::registry::MarkWords::of(lang);
    for (i, note) in notes {
        if let Some(f) = r.findings.get_mut(*i) {
            let note = crate::safe::visible(note, 2000, lang);
            let said = crate::messages::render(w.explained, &[("note", &note)]);
            f.message = format!("{}\n{said}", f.message);
        }
    }
}

impl Checker for RunChecker {
    fn lang(&self) -> Lang {
        self.pack.settings.lang
    }

    fn unit_key(&self, code: &str) -> String {
        self.pack.settings.unit_key(code)
    }

    fn known_units(&self) -> Vec<Expected> {
        self.known.clone()
    }

    fn consolidate(&self, units: &[(PathBuf, String)]) -> Result<Vec<u8>, String> {
        let pack = &self.pack;
        let fi = crate::write::consolidate::summary_form(pack, None)
            .ok_or_else(|| "the rule pack has no summary form".to_string())?;
        let inputs: Vec<Input> = units
            .iter()
            .map(|(path, shown)| Input {
                path: path.clone(),
                shown: shown.clone(),
                id: FileId::of(path),
                problem: None,
                same_as: None,
            })
            .collect();
        let options = Options {
            keep_sheets: false,
            ..self.options.clone()
        };
        let run = Run::new(pack, options, self.isolation.as_ref());
        let mut read = run.figures(&inputs);
        read.sort_by(|a, b| a.0.path.cmp(&b.0.path));
        let plan = crate::run::consolidate::Plan::of(pack, fi, read, false);
        let conflicts = plan.conflicts();
        if !conflicts.is_empty() {
            return Err(format!(
                "one unit code in several workbooks ({} codes): not built",
                conflicts.len()
            ));
        }
        let summary = crate::run::consolidate::build(pack, fi, &plan);
        crate::write::consolidate::write(pack, &pack.forms[fi], &summary).map_err(|e| e.to_string())
    }

    fn noted(
        &self,
        path: &Path,
        shown: &str,
        units: &[UnitWorkbook],
        notes: &BTreeMap<usize, String>,
    ) -> Noted {
        let Some(mut r) = self.results(path, shown, units).0 else {
            return Noted::default();
        };
        let lang = self.pack.settings.lang;
        let review = crate::write::annotate::review_workbook_noted(
            std::slice::from_ref(&r),
            &ReviewOptions {
                lang,
                ..ReviewOptions::default()
            },
            &notes.iter().map(|(i, n)| ((0, *i), n.clone())).collect(),
        )
        .ok();
        with_notes(&mut r, notes, lang);
        Noted {
            review,
            marked: self.marked(path, &r),
        }
    }

    fn check(&self, path: &Path, shown: &str, units: &[UnitWorkbook]) -> Checked {
        let lang = self.pack.settings.lang;
        let (r, outcome) = self.results(path, shown, units);
        let mut json = Vec::new();
        let written =
            crate::write::report::JsonStream::begin_in(&mut json, lang).and_then(|mut s| {
                if let Some(r) = &r {
                    s.file(r)?;
                }
                s.finish().map(|_| ())
            });
        if let Err(e) = written {
            json = serde_json::json!({ "error": format!("cannot write JSON: {e}") })
                .to_string()
                .into_bytes();
        }
        let Some(r) = r else {
            return Checked {
                json: String::from_utf8_lossy(&json).into_owned(),
                ..Checked::default()
            };
        };
        let review = crate::write::annotate::review_workbook(
            std::slice::from_ref(&r),
            &ReviewOptions {
                lang,
                ..ReviewOptions::default()
            },
        )
        .ok();
        let marked = self.marked(path, &r);
        let summary_of = outcome
            .summaries
            .into_iter()
            .find(|s| s.path == r.path)
            .map(|s| {
                s.units
                    .into_iter()
                    .map(|(code, label)| Expected {
                        name: Some(label).filter(|l| !l.is_empty() && *l != code),
                        code,
                    })
                    .collect()
            });
        Checked {
            json: String::from_utf8_lossy(&json).into_owned(),
            review,
            marked,
            sheets: r.kept,
            summary_of,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_checked_as_check_does() {
        let pack = crate::rules::load_pack(false, &[] as &[PathBuf]).unwrap();
        let checker = RunChecker::new(pack, Options::default(), Box::new(super::super::InProcess));
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-gender-split.xlsx");
        let got = checker.check(&path, "branch-gender-split.xlsx", &[]);
        let doc: serde_json::Value = serde_json::from_str(&got.json).unwrap();
        assert_eq!(doc["files"][0]["path"], "branch-gender-split.xlsx");
        assert_eq!(doc["files"][0]["status"], "checked");
        assert!(doc["files"][0]["errors"].as_u64().unwrap() > 0);
        assert!(!doc["findings"].as_array().unwrap().is_empty());
        assert!(got.review.is_some());
        assert_eq!(got.marked.as_ref().map(|m| m.1), Some("xlsx"));
        assert!(!got.sheets.is_empty());
        assert!(got.summary_of.is_none());
    }

    #[test]
    fn a_note_is_said_on_its_finding_only_and_shown_not_obeyed() {
        let pack = crate::rules::load_pack(false, &[] as &[PathBuf]).unwrap();
        let checker = RunChecker::new(pack, Options::default(), Box::new(super::super::InProcess));
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/branch-gender-split.xlsx");
        let (r, _) = checker.results(&path, "b.xlsx", &[]);
        let mut r = r.unwrap();
        let before: Vec<String> = r.findings.iter().map(|f| f.message.clone()).collect();
        let notes: BTreeMap<usize, String> =
            [(0, "moved\u{202e}ffo".to_string()), (999, "none".into())].into();
        with_notes(&mut r, &notes, Lang::En);
        let first = &r.findings[0].message;
        assert!(first.starts_with(&before[0]), "{first}");
        assert!(first.contains("The reviewer accepted the explanation: moved"));
        assert!(!first.contains('\u{202e}'), "{first}");
        for (f, was) in r.findings.iter().zip(&before).skip(1) {
            assert_eq!(&f.message, was);
        }
        let noted = checker.noted(&path, "b.xlsx", &[], &notes);
        assert!(noted.review.is_some());
        assert_eq!(noted.marked.map(|m| m.1), Some("xlsx"));
    }
}
