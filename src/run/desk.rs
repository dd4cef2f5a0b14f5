//! The review desk's checker ([`crate::desk::Checker`]): each stored workbook checked by the
//! same [`Run`] as `check`, with the isolation the command line hands it (the worker processes
//! under their memory cap), and the same writers: the JSON of `check --format json`
//! ([`crate::report::JsonStream`]), the review workbook ([`crate::annotate::review_workbook`])
//! and the marked copy ([`crate::mark::mark_workbook`]). It lives here, beside the run, so
//! that the desk imports no checking stage: the desk only keeps and shows what this gives.

use super::{FileId, Input, Isolation, Options, Run};
use crate::annotate::ReviewOptions;
use crate::check::Status;
use crate::desk::{Checked, Checker};
use crate::registry::Lang;
use crate::rules::Pack;
use std::path::{Path, PathBuf};

/// The run a desk checks with.
pub struct RunChecker {
    pack: Pack,
    options: Options,
    isolation: Box<dyn Isolation + Send>,
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
        }
    }
}

impl RunChecker {
    /// The run's result of the one workbook at `path`, reported as `shown`.
    fn results(&self, path: &Path, shown: &str) -> Vec<crate::check::FileResult> {
        let run = Run::new(&self.pack, self.options.clone(), self.isolation.as_ref());
        let input = Input {
            path: path.to_path_buf(),
            shown: shown.to_string(),
            id: FileId::of(path),
            problem: None,
            same_as: None,
        };
        run.check_all(std::slice::from_ref(&input), None)
    }
}

impl Checker for RunChecker {
    fn lang(&self) -> Lang {
        self.pack.settings.lang
    }

    fn unit_key(&self, code: &str) -> String {
        self.pack.settings.unit_key(code)
    }

    fn consolidate(&self, units: &[(PathBuf, String)]) -> Result<Vec<u8>, String> {
        let pack = &self.pack;
        let fi = crate::consolidate::summary_form(pack, None)
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
        crate::consolidate::write(pack, &pack.forms[fi], &summary).map_err(|e| e.to_string())
    }

    fn review(
        &self,
        path: &Path,
        shown: &str,
        notes: &std::collections::BTreeMap<usize, String>,
    ) -> Option<Vec<u8>> {
        let r = self.results(path, shown).pop()?;
        crate::annotate::review_workbook_noted(
            std::slice::from_ref(&r),
            &ReviewOptions {
                lang: self.pack.settings.lang,
                ..ReviewOptions::default()
            },
            &notes.iter().map(|(i, n)| ((0, *i), n.clone())).collect(),
        )
        .ok()
    }

    fn check(&self, path: &Path, shown: &str) -> Checked {
        let lang = self.pack.settings.lang;
        let mut results = self.results(path, shown);
        let mut json = Vec::new();
        let written = crate::report::JsonStream::begin_in(&mut json, lang).and_then(|mut s| {
            for r in &results {
                s.file(r)?;
            }
            s.finish().map(|_| ())
        });
        if let Err(e) = written {
            json = serde_json::json!({ "error": format!("cannot write JSON: {e}") })
                .to_string()
                .into_bytes();
        }
        let Some(r) = results.pop() else {
            return Checked {
                json: String::from_utf8_lossy(&json).into_owned(),
                ..Checked::default()
            };
        };
        let review = crate::annotate::review_workbook(
            std::slice::from_ref(&r),
            &ReviewOptions {
                lang,
                ..ReviewOptions::default()
            },
        )
        .ok();
        let marked = if matches!(r.status, Status::Checked) {
            let limits = &self.options.limits;
            crate::files::read_file(path, limits.max_file_bytes, self.options.read_timeout)
                .ok()
                .and_then(|bytes| {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let container = crate::load::prepare(&bytes, &name, limits).ok()?;
                    crate::mark::mark_workbook(&bytes, container, &r, lang, limits).ok()
                })
                .map(|m| (m.bytes, m.extension))
        } else {
            None
        };
        Checked {
            json: String::from_utf8_lossy(&json).into_owned(),
            review,
            marked,
            sheets: r.kept,
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
        let got = checker.check(&path, "branch-gender-split.xlsx");
        let doc: serde_json::Value = serde_json::from_str(&got.json).unwrap();
        assert_eq!(doc["files"][0]["path"], "branch-gender-split.xlsx");
        assert_eq!(doc["files"][0]["status"], "checked");
        assert!(doc["files"][0]["errors"].as_u64().unwrap() > 0);
        assert!(!doc["findings"].as_array().unwrap().is_empty());
        assert!(got.review.is_some());
        assert_eq!(got.marked.as_ref().map(|m| m.1), Some("xlsx"));
        assert!(!got.sheets.is_empty());
    }
}
