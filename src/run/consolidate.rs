//! `crossfoot consolidate` as a run: the branch workbooks in, the district summary workbook
//! out ([`crate::write::consolidate`] writes it). The policy lives here: which workbooks are left
//! out (`--exclude`, `--exclude-errors`), a unit code in several workbooks (a conflict the
//! user settles; crossfoot does not choose unless told `--prefer newest`), and the errors
//! that stop the run before anything is written.

use super::{inputs, output, FileId, Run};
use crate::check::eval;
use crate::check::Kept;
use crate::finding::Severity;
use crate::messages::render;
use crate::registry::Lang;
use crate::result::{FileResult, Status};
use crate::rules::Pack;
use crate::text::visible;
use crate::write::consolidate::{self, Note, Row, Summary};
use miette::Diagnostic;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What to consolidate, as the command line says it.
pub struct Request<'a> {
    pub paths: &'a [PathBuf],
    /// The summary workbook to write.
    pub output: &'a Path,
    /// Replace an existing file crossfoot did not write (never one the run reads).
    pub force: bool,
    /// The form to build (None: the first whose records are matched to units).
    pub form: Option<&'a str>,
    /// Leave out the workbooks with errors.
    pub exclude_errors: bool,
    /// Workbooks left out by name.
    pub exclude: &'a [PathBuf],
    /// Settle a code in several workbooks with the newest of them.
    pub prefer_newest: bool,
    /// The rule files read (never written over).
    pub rule_paths: &'a [PathBuf],
    /// The register of units (`--units`): its findings are said, one a line, as soon as the
    /// workbooks are read.
    pub register: Option<&'a crate::register::Register>,
    /// Where lines for the error stream go (the library never prints).
    pub say: &'a dyn Fn(&str),
}

/// A summary written.
pub struct Consolidated {
    pub path: PathBuf,
    /// The form built.
    pub form: usize,
    pub summary: Summary,
    pub written: crate::write::output::Written,
    /// Units of the register that sent nothing (the run then fails).
    pub not_submitted: usize,
}

/// Why `consolidate` wrote nothing.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ConsolidateError {
    #[error("{}", match .0 {
        Some(f) => render(w(*.1).no_summary_form_called, &[("form", f)]),
        None => w(*.1).no_summary_form.to_string(),
    })]
    #[diagnostic(code(crossfoot::no_summary_form), help("{}", w(*.1).no_summary_form_help))]
    NoForm(Option<String>, Lang),
    #[error("{}", w(*.0).no_consolidate_input)]
    #[diagnostic(code(crossfoot::no_input), help("{}", w(*.0).no_consolidate_input_help))]
    NoInput(Lang),
    #[error("{}", render(w(*.1).exclude_unknown, &[("file", .0)]))]
    #[diagnostic(code(crossfoot::exclude), help("{}", w(*.1).exclude_unknown_help))]
    ExcludeUnknown(String, Lang),
    #[error("{}", conflict_text(.0, *.1))]
    #[diagnostic(code(crossfoot::duplicate_unit), help("{}", w(*.1).conflict_help))]
    Conflict(Vec<(String, Vec<String>)>, Lang),
    #[error("{}", render(w(*.lang).cannot_write, &[("path", .path), ("reason", .reason)]))]
    #[diagnostic(code(crossfoot::write))]
    Write {
        path: String,
        reason: String,
        #[help]
        help: &'static str,
        lang: Lang,
    },
    /// The output path refused before any work.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Refused(#[from] output::Refused),
}

/// The words of these errors.
fn w(lang: Lang) -> &'static crate::registry::DiagWords {
    crate::registry::DiagWords::of(lang)
}

fn conflict_text(codes: &[(String, Vec<String>)], lang: Lang) -> String {
    let list: Vec<String> = codes
        .iter()
        .map(|(code, files)| {
            let files: Vec<String> = files
                .iter()
                .map(|f| visible(f, 500, lang).into_owned())
                .collect();
            render(
                w(lang).conflict_code,
                &[
                    ("code", &visible(code, 100, lang)),
                    ("files", &files.join(w(lang).and)),
                ],
            )
        })
        .collect();
    render(w(lang).conflict, &[("codes", &list.join("; "))])
}

/// A path as an error shows it.
fn shown(path: &Path, lang: Lang) -> String {
    visible(&inputs::shown(path), 500, lang).into_owned()
}

/// Consolidates: settles the output, reads every workbook for its figures with `run`,
/// applies the policy and writes the summary. Nothing is written on an error. The summary
/// may still be incomplete ([`Summary::incomplete`]).
pub fn consolidate(run: &Run<'_>, req: &Request<'_>) -> Result<Consolidated, ConsolidateError> {
    let pack = run.pack;
    let fi = consolidate::summary_form(pack, req.form).ok_or_else(|| {
        ConsolidateError::NoForm(req.form.map(str::to_string), pack.settings.lang)
    })?;
    let mut inputs = super::collect(req.paths);
    let reads = output::Reads {
        previous: None,
        rule_paths: req.rule_paths,
    };
    let out = output::settle(
        req.output,
        crate::read::sniff::SUMMARY_MARK,
        req.force,
        &mut inputs,
        &reads,
        pack.settings.lang,
    )?;
    // Workbooks left out by name.
    for ex in req.exclude {
        let id = FileId::of(ex);
        let before = inputs.files.len();
        inputs.files.retain(|f| match (&id, &f.id) {
            (Some(a), Some(b)) => a != b,
            _ => f.path != *ex,
        });
        if inputs.files.len() == before {
            return Err(ConsolidateError::ExcludeUnknown(
                shown(ex, pack.settings.lang),
                pack.settings.lang,
            ));
        }
    }
    if inputs.files.is_empty() {
        return Err(ConsolidateError::NoInput(pack.settings.lang));
    }
    let mut units = run.figures(&inputs.files);
    // The unit the summary is of: the register's parent of every unit of the level.
    let of_summaries = of_summaries(pack, fi, &units);
    let parent = req.register.and_then(|reg| {
        let keys = units
            .iter()
            .filter(|(r, _)| is_summary(pack, r) == of_summaries)
            .filter_map(|(r, _)| r.unit.key.as_deref());
        register_parent(reg, keys).map(|e| (e.key.clone(), e.code.clone(), e.name.clone()))
    });
    let not_submitted = req.register.map_or(0, |reg| {
        say_register(
            pack,
            reg,
            parent.as_ref().map(|(key, ..)| key.as_str()),
            &mut units,
            req.say,
        )
    });
    let modified: BTreeMap<String, std::time::SystemTime> = inputs
        .files
        .iter()
        .filter_map(|f| {
            let t = std::fs::metadata(&f.path).and_then(|m| m.modified()).ok()?;
            Some((f.shown.clone(), t))
        })
        .collect();
    units.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let plan = Plan::of(pack, fi, units, req.exclude_errors);
    // One code in several workbooks: the user chooses, crossfoot does not.
    let conflicts = plan.conflicts();
    let plan = match (conflicts.is_empty(), req.prefer_newest) {
        (true, _) => plan,
        (false, true) => plan.prefer(|path| modified.get(path).copied()),
        (false, false) => return Err(ConsolidateError::Conflict(conflicts, pack.settings.lang)),
    };
    let mut summary = build(pack, fi, &plan);
    summary.unit = parent.map(|(_, code, name)| (code, name));
    let lang = pack.settings.lang;
    // A build error is no matter of the folder: each has its own hint.
    let written = consolidate::write(pack, &pack.forms[fi], &summary)
        .map_err(|e| {
            let reason = render(
                w(lang).summary_cannot_build,
                &[("reason", &e.0.to_string())],
            );
            (reason, w(lang).summary_build_help)
        })
        .and_then(|bytes| {
            let read: BTreeSet<FileId> = inputs.files.iter().filter_map(|f| f.id.clone()).collect();
            let spare = |p: &Path| FileId::of(p).is_some_and(|id| read.contains(&id));
            let target = crate::write::output::Target {
                path: &out.path,
                replace: out.replace,
                spare: &spare,
            };
            crate::write::output::write_atomic(&target, &bytes)
                .map_err(|e| (e.to_string(), w(lang).summary_write_help))
        })
        .map_err(|(reason, help)| ConsolidateError::Write {
            path: shown(&out.path, lang),
            reason,
            help,
            lang,
        })?;
    Ok(Consolidated {
        path: out.path,
        form: fi,
        summary,
        written,
        not_submitted,
    })
}

/// `consolidate --units`: the register's findings said, one a line; how many of its units
/// sent nothing.
///
/// With `parent` (the unit the summary is of), the units expected are the register's units
/// under it: a province's register also lists the branches, which send to their commune.
fn say_register(
    pack: &Pack,
    reg: &crate::register::Register,
    parent: Option<&str>,
    units: &mut [(FileResult, Kept)],
    say: &dyn Fn(&str),
) -> usize {
    let own = match parent {
        None => super::units::against_register(pack, reg, units, None),
        Some(p) => {
            // Each workbook against the whole register; the units expected, those under p.
            let _ = super::units::against_register(pack, reg, units, None);
            let under = crate::register::Register {
                entries: reg
                    .entries
                    .iter()
                    .filter(|e| e.parent.as_deref() == Some(p))
                    .cloned()
                    .collect(),
                ..reg.clone()
            };
            let year = units
                .iter()
                .filter_map(|(_, k)| k.report_year)
                .fold(BTreeMap::<i32, usize>::new(), |mut m, y| {
                    *m.entry(y).or_default() += 1;
                    m
                })
                .into_iter()
                .max_by_key(|(y, n)| (*n, *y))
                .map(|(y, _)| y);
            let submitted: BTreeSet<String> = units
                .iter()
                .filter(|(r, _)| matches!(r.status, Status::Checked))
                .filter_map(|(r, _)| r.unit.key.clone())
                .collect();
            super::units::register_result(pack, &under, &submitted, year)
        }
    };
    let lang = pack.settings.lang;
    let line = |f: &crate::finding::Finding| {
        visible(&format!("{}: {}", f.file, f.message), 1000, lang).into_owned()
    };
    for (r, _) in units.iter() {
        for f in r.findings.iter().filter(|f| f.rule.starts_with("unit.")) {
            say(&line(f));
        }
    }
    for f in &own.findings {
        say(&line(f));
    }
    own.findings
        .iter()
        .filter(|f| f.rule == crate::registry::Kind::UnitNotSubmitted.id())
        .count()
}

/// Which workbook becomes which row, before anything is written: the units by code, the
/// workbooks left out and why, and the codes found in several workbooks (a conflict the user
/// settles: `--exclude`, or [`Plan::prefer`]).
pub struct Plan {
    /// Workbooks that are units of the summary, by code (several: a conflict).
    by_code: BTreeMap<String, Vec<(FileResult, Kept)>>,
    /// (file, code, name, note), for workbooks left out or flagged.
    notes: Vec<(String, String, String, Note)>,
}

impl Plan {
    /// Sorts the read workbooks (in path order) into units and workbooks left out: unreadable,
    /// without a code, a summary itself, a code that is not one of this summary's units
    /// (the form's `unit_pattern`), errors with `exclude_errors`.
    pub fn of(
        pack: &Pack,
        fi: usize,
        units: Vec<(FileResult, Kept)>,
        exclude_errors: bool,
    ) -> Plan {
        let form = &pack.forms[fi];
        let pattern = form.records.as_ref().and_then(|r| r.unit_pattern.as_ref());
        let mut plan = Plan {
            by_code: BTreeMap::new(),
            notes: Vec::new(),
        };
        let of_summaries = of_summaries(pack, fi, &units);
        for (r, kept) in units {
            let name = r.unit.name.clone().unwrap_or_default();
            // Matched and grouped by the code's key (`td-08` is TD-08).
            let code = r.unit.key.clone().unwrap_or_default();
            let note = |n: Note| (r.path.clone(), code.clone(), name.clone(), n);
            match &r.status {
                Status::Unreadable(why) => {
                    let (reason, _) = crate::messages::unreadable_text(why, pack.settings.lang);
                    plan.notes.push(note(Note::Unreadable(reason.into_owned())));
                    continue;
                }
                Status::Skipped(why) => {
                    let why = crate::messages::skip_text(pack.settings.lang, why);
                    plan.notes.push(note(Note::Skipped(why.to_string())));
                    continue;
                }
                Status::Checked => {}
            }
            // A summary among the inputs is not a unit, unless the summary built is of
            // summaries (one level up); then the workbooks that are no summary are not units.
            if is_summary(pack, &r) != of_summaries {
                plan.notes.push(note(if of_summaries {
                    Note::NotASummary
                } else {
                    Note::Summary
                }));
                continue;
            }
            if code.is_empty() {
                plan.notes.push(note(Note::NoCode));
                continue;
            }
            // The form's pattern names the codes of unit workbooks; a summary's code is its
            // committee's.
            if let Some(re) = pattern.filter(|_| !of_summaries) {
                if !re.is_match(&code) {
                    plan.notes.push(note(Note::NotAUnit(
                        r.unit.code.clone().unwrap_or_else(|| code.clone()),
                    )));
                    continue;
                }
            }
            let errors = r.count(Severity::Error);
            if errors > 0 && exclude_errors {
                plan.notes.push(note(Note::ExcludedErrors(errors)));
                continue;
            }
            plan.by_code.entry(code).or_default().push((r, kept));
        }
        plan
    }

    /// The codes found in several workbooks, with those workbooks.
    pub fn conflicts(&self) -> Vec<(String, Vec<String>)> {
        self.by_code
            .iter()
            .filter(|(_, v)| v.len() > 1)
            .map(|(code, v)| {
                (
                    code.clone(),
                    v.iter().map(|(r, _)| r.path.clone()).collect(),
                )
            })
            .collect()
    }

    /// Settles every conflict with the workbook modified last (`modified` by path); the
    /// others are left out and listed. A tie, or a time that cannot be read, keeps the first
    /// by path.
    pub fn prefer(mut self, modified: impl Fn(&str) -> Option<std::time::SystemTime>) -> Plan {
        for files in self.by_code.values_mut() {
            if files.len() < 2 {
                continue;
            }
            let mut newest = 0;
            for (i, (r, _)) in files.iter().enumerate() {
                if modified(&r.path) > modified(&files[newest].0.path) {
                    newest = i;
                }
            }
            let kept = files.swap_remove(newest);
            for (r, _) in files.drain(..) {
                self.notes.push((
                    r.path.clone(),
                    r.unit.code.clone().unwrap_or_default(),
                    r.unit.name.clone().unwrap_or_default(),
                    Note::Older(kept.0.path.clone()),
                ));
            }
            files.push(kept);
        }
        self
    }
}

/// Whether a read workbook holds a summary form (records of units).
fn is_summary(pack: &Pack, r: &FileResult) -> bool {
    r.forms.iter().any(|f| {
        pack.forms
            .iter()
            .any(|p| p.id == f.form && p.records.is_some())
    })
}

/// Whether the summary of form `fi` built from `units` is one of summaries (a province's of
/// its communes' summaries): the level is the lowest the workbooks give. When any read
/// workbook is a unit workbook of the form (a code, no summary, its code the form's
/// `unit_pattern`), the summary is of those; only when none is, of the summaries among them
/// that have a code of their own.
pub fn of_summaries(pack: &Pack, fi: usize, units: &[(FileResult, Kept)]) -> bool {
    let pattern = pack.forms[fi]
        .records
        .as_ref()
        .and_then(|r| r.unit_pattern.as_ref());
    let checked = |r: &FileResult| {
        matches!(r.status, Status::Checked) && r.unit.key.as_deref().is_some_and(|k| !k.is_empty())
    };
    let unit_workbook = units.iter().any(|(r, _)| {
        checked(r)
            && !is_summary(pack, r)
            && r.unit
                .key
                .as_deref()
                .is_some_and(|k| pattern.is_none_or(|re| re.is_match(k)))
    });
    !unit_workbook && units.iter().any(|(r, _)| checked(r) && is_summary(pack, r))
}

/// The unit a summary is of, by the register's parents: the parent every unit of `keys` in
/// the register has (code and name as the register writes them); None when they have
/// several, or none the register lists.
pub fn register_parent<'r, 'k>(
    reg: &'r crate::register::Register,
    keys: impl IntoIterator<Item = &'k str>,
) -> Option<&'r crate::register::Entry> {
    let mut parent: Option<&str> = None;
    for key in keys {
        let Some(p) = reg.get(key).and_then(|e| e.parent.as_deref()) else {
            continue;
        };
        match parent {
            Some(q) if q != p => return None,
            _ => parent = Some(p),
        }
    }
    reg.get(parent?)
}

/// Builds the summary of form `fi` from the plan (one workbook per code: settle conflicts
/// first; should one remain, the first workbook by path is used and the others are listed).
pub fn build(pack: &Pack, fi: usize, plan: &Plan) -> Summary {
    let form = &pack.forms[fi];
    let mut out = Summary {
        rows: Vec::new(),
        notes: plan.notes.clone(),
        unit: None,
        year: None,
    };
    let mut years: BTreeMap<i32, usize> = BTreeMap::new();
    for (code, files) in &plan.by_code {
        let Some((first, rest)) = files.split_first() else {
            continue;
        };
        for (r, _) in rest {
            out.notes.push((
                r.path.clone(),
                code.clone(),
                r.unit.name.clone().unwrap_or_default(),
                Note::Duplicate(first.0.path.clone()),
            ));
        }
        let (r, kept) = first;
        if let Some(y) = kept.report_year {
            *years.entry(y).or_default() += 1;
        }
        let errors = r.count(Severity::Error);
        let name = r.unit.name.clone().unwrap_or_default();
        if errors > 0 {
            out.notes.push((
                r.path.clone(),
                code.clone(),
                name.clone(),
                Note::Errors(errors),
            ));
        }
        let mut missing = Vec::new();
        let figures = form
            .columns
            .iter()
            .map(|c| {
                let src = c.source.as_ref()?;
                let v = eval::eval_linked(pack, src, &kept.linked);
                if v.is_none() {
                    missing.push(c.header.clone());
                }
                v
            })
            .collect();
        if !missing.is_empty() {
            out.notes.push((
                r.path.clone(),
                code.clone(),
                name.clone(),
                Note::FiguresMissing(missing),
            ));
        }
        out.rows.push(Row {
            file: r.path.clone(),
            code: code.clone(),
            name,
            figures,
        });
    }
    out.notes.sort_by(|a, b| a.0.cmp(&b.0));
    out.year = years
        .iter()
        .max_by_key(|(y, n)| (**n, **y))
        .map(|(y, _)| *y);
    out
}
