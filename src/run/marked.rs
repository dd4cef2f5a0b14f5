//! `check --mark DIR`: after the run, a marked copy of each checked workbook with findings
//! ([`crate::write::mark`]) written into DIR.
//!
//! The copies are made from each file's bytes read again after the run, through the same
//! reader and caps as the first read ([`super::file::read_file`]). A file whose size or
//! modification time changed since the run began is not marked (its findings would not be
//! about the bytes read again). A copy is never written over anything the run read (by
//! [`FileId`]: inputs, last year's workbooks, rule files), nor over another output of the run
//! (the review workbook, another copy); an existing file at its path is replaced only if it is
//! an earlier marked copy (or with `--force`); it is written atomically
//! ([`crate::write::output::write_atomic`]). Copies carry crossfoot's mark
//! ([`crate::read::sniff::MARKED_MARK`]) and are checked like any workbook when given again: they are
//! the branch's own workbook, which the branch corrects and sends back.

use super::inputs::{FileId, Input};
use super::output::Refused;
use crate::read::load::Limits;
use crate::result::{End, FileResult, Said, Sink, Status};
use crate::write::annotate::Lang;
use crate::write::mark::{self, How, MarkError};
use crate::write::notices;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Settles the folder the marked copies go to, before any work: an existing folder, or a new
/// one created in an existing folder. A refusal is said in `lang`.
pub fn settle_dir(dir: &Path, lang: Lang) -> Result<PathBuf, Refused> {
    let w = crate::registry::DiagWords::of(lang);
    let shown = crate::text::visible(&super::inputs::shown(dir), 500, lang).into_owned();
    let refuse = |reason: String, help: Option<String>| Refused {
        path: shown.clone(),
        reason,
        help,
        lang,
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(dir.to_path_buf()),
        Ok(_) => Err(refuse(
            w.mark_not_a_folder.to_string(),
            Some(w.mark_not_a_folder_help.to_string()),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !parent.is_dir() {
                return Err(refuse(
                    crate::messages::render(
                        w.out_no_folder,
                        &[("path", &super::inputs::shown(&parent))],
                    ),
                    Some(w.mark_create_folder.to_string()),
                ));
            }
            std::fs::create_dir(dir)
                .map(|_| dir.to_path_buf())
                .map_err(|e| refuse(super::inputs::open_error(&e), None))
        }
        Err(e) => Err(refuse(super::inputs::open_error(&e), None)),
    }
}

/// What a file was like when the run began: its size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    pub fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(Stamp {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

/// The stamps of the inputs, by the path shown, taken before the run reads them.
pub fn stamps(inputs: &[Input]) -> BTreeMap<String, Stamp> {
    inputs
        .iter()
        .filter_map(|i| Stamp::of(&i.path).map(|s| (i.shown.clone(), s)))
        .collect()
}

/// Everything a run reads, by what the files are: its inputs, last year's workbooks, the rule
/// files.
pub fn protected(inputs: &super::Inputs, reads: &super::output::Reads<'_>) -> BTreeSet<FileId> {
    let mut out: BTreeSet<FileId> = inputs.files.iter().filter_map(|f| f.id.clone()).collect();
    if let Some(p) = reads.previous {
        out.extend(p.files.iter().filter_map(|f| f.id.clone()));
    }
    out.extend(super::output::rule_files(reads.rule_paths));
    out
}

/// How to mark.
pub struct MarkRun<'a> {
    pub dir: &'a Path,
    /// Every checked workbook, not only those with findings.
    pub all: bool,
    pub lang: Lang,
    pub limits: Limits,
    pub read_timeout: Duration,
    /// Everything the run read (inputs, last year's workbooks, rule files): never written over.
    pub protected: BTreeSet<FileId>,
    /// Replace existing files that are not marked copies crossfoot wrote (`--force`).
    pub force: bool,
    /// The run's other outputs (the review workbook): never replaced by a copy.
    pub other_outputs: Vec<PathBuf>,
}

/// One copy written.
#[derive(Debug)]
pub struct Copy {
    /// The input, as reports show it.
    pub input: String,
    pub path: PathBuf,
    pub how: How,
    pub written: crate::write::output::Written,
}

/// Marks the results' workbooks (in the results' order); one entry per workbook marked or
/// that could not be.
pub fn write_marked(
    m: &MarkRun<'_>,
    inputs: &[Input],
    stamps: &BTreeMap<String, Stamp>,
    results: &[FileResult],
) -> Vec<Result<Copy, MarkError>> {
    let by_shown: BTreeMap<&str, &Input> = inputs.iter().map(|i| (i.shown.as_str(), i)).collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for r in results {
        if !matches!(r.status, Status::Checked) || (!m.all && r.findings.is_empty()) {
            continue;
        }
        let Some(input) = by_shown.get(r.path.as_str()) else {
            continue;
        };
        out.push(one(m, input, stamps.get(&r.path), r, &mut used));
    }
    out
}

fn one(
    m: &MarkRun<'_>,
    input: &Input,
    stamp: Option<&Stamp>,
    r: &FileResult,
    used: &mut BTreeSet<String>,
) -> Result<Copy, MarkError> {
    let w = crate::registry::DiagWords::of(m.lang);
    let render = crate::messages::render;
    let fail = |reason: String| MarkError {
        file: r.path.clone(),
        reason,
        lang: m.lang,
    };
    let again = |u: crate::read::sniff::Unreadable| {
        let reason = crate::messages::unreadable_text(&u, m.lang).0.into_owned();
        fail(render(w.mark_read_again, &[("reason", &reason)]))
    };
    let bytes = super::file::read_file(&input.path, m.limits.max_file_bytes, m.read_timeout)
        .map_err(again)?;
    if stamp.is_none() || Stamp::of(&input.path).as_ref() != stamp {
        return Err(fail(w.mark_changed.to_string()));
    }
    let name = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let container = crate::read::load::prepare(&bytes, &name, &m.limits).map_err(again)?;
    let marked = mark::mark_workbook(&bytes, container, r, m.lang, &m.limits)?;
    // A name of its own in the run: two inputs with one file name get `-2`, `-3`, ….
    let mut n = 1usize;
    let path = loop {
        let base = if n == 1 {
            name.clone()
        } else {
            match name.rsplit_once('.') {
                Some((s, e)) => format!("{s}-{n}.{e}"),
                None => format!("{name}-{n}"),
            }
        };
        let file = mark::copy_name(&base, container, m.lang, marked.extension);
        if used.insert(file.to_lowercase()) {
            break m.dir.join(file);
        }
        n += 1;
    };
    let shown = super::inputs::shown(&path);
    if let Some(id) = FileId::of(&path) {
        if m.protected.contains(&id) {
            return Err(fail(render(w.mark_over_input, &[("path", &shown)])));
        }
        let other = m
            .other_outputs
            .iter()
            .any(|o| FileId::of(o).as_ref() == Some(&id));
        if other {
            return Err(fail(render(w.mark_over_review, &[("path", &shown)])));
        }
    }
    let spare = |p: &Path| FileId::of(p).is_some_and(|id| m.protected.contains(&id));
    let target = crate::write::output::Target {
        path: &path,
        replace: if m.force {
            crate::write::output::Replace::Forced(crate::read::sniff::MARKED_MARK)
        } else {
            crate::write::output::Replace::Own(crate::read::sniff::MARKED_MARK)
        },
        spare: &spare,
    };
    let written = crate::write::output::write_atomic(&target, &marked.bytes).map_err(|e| {
        let text = if e.kind() == std::io::ErrorKind::AlreadyExists && !m.force {
            w.mark_write_exists
        } else {
            w.mark_write_failed
        };
        fail(render(text, &[("path", &shown), ("error", &e.to_string())]))
    })?;
    Ok(Copy {
        input: r.path.clone(),
        path,
        how: marked.how,
        written,
    })
}

/// `check --mark DIR` as a [`Sink`]: keeps the results of the workbooks it will mark (with
/// their sheets), and marks them when the run is over.
pub struct Marks<'a> {
    pub run: MarkRun<'a>,
    pub inputs: &'a [Input],
    /// The inputs as they were before the run ([`stamps`]): a file that changed is not marked.
    pub stamps: BTreeMap<String, Stamp>,
    pub results: Vec<FileResult>,
}

impl Sink for Marks<'_> {
    fn file(&mut self, r: &FileResult) {
        if matches!(r.status, Status::Checked) && (self.run.all || !r.findings.is_empty()) {
            self.results.push(r.clone());
        }
    }

    fn finish(&mut self, end: &End<'_>) -> Said {
        let results = std::mem::take(&mut self.results);
        let lang = self.run.lang;
        let w = crate::registry::Words::of(lang);
        let mut said = Said::default();
        let mut marked = 0;
        for copy in write_marked(&self.run, self.inputs, &self.stamps, &results) {
            match copy {
                Ok(c) => {
                    marked += 1;
                    said.notes
                        .extend(notices::notices(&c.written, &c.path, lang));
                    let how = match &c.how {
                        How::Edited => String::new(),
                        How::Rebuilt(why) => crate::messages::render(w.rebuilt, &[("why", why)]),
                    };
                    let input = crate::text::visible(&c.input, 500, lang);
                    let path = notices::shown(&c.path, lang);
                    said.notes.push(format!(
                        "{}{}",
                        crate::messages::render(
                            w.wrote_mark,
                            &[("input", &input), ("path", &path)]
                        ),
                        crate::text::visible(&how, 500, lang)
                    ));
                }
                Err(e) => said.failures.push(Box::new(e)),
            }
        }
        if marked == 0 && said.failures.is_empty() && !end.tally.output_failed {
            let dir = notices::shown(self.run.dir, lang);
            said.notes
                .push(crate::messages::render(w.no_mark, &[("dir", &dir)]));
        }
        said
    }
}
