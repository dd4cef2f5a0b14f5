//! `crossfoot check`: files in, per-file results and findings out.
//!
//! Files are read and checked in parallel (rayon); each file's result stands alone, so one
//! unreadable file never stops the others. Results are sorted by path, and findings within a
//! file by sheet order, cell and rule, so the same inputs always give the same report whatever
//! the order of the paths or the number of threads.

use crate::eval;
use crate::finding::{Finding, Severity};
use crate::load::{self, Limits};
use crate::locate::{self, Reporter};
use crate::model::{Sheet, Workbook};
use crate::rules::Pack;
use crate::sniff::{Unreadable, UnreadableKind};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The extensions crossfoot picks up when it walks a folder.
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Unit {
    pub name: Option<String>,
    pub code: Option<String>,
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

/// Checks one workbook already in memory.
pub fn check_workbook(
    wb: &Workbook,
    shown: &str,
    pack: &Pack,
) -> (Vec<FormFound>, Vec<Finding>, Unit) {
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
    (forms, findings, Unit { name, code })
}

/// Reads and checks one file.
pub fn check_file(input: &Input, pack: &Pack, opts: &Options) -> FileResult {
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
        Err(u) => return unreadable(u),
    };
    let name = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match load::load_bytes(&bytes, &name, limits) {
        Ok(wb) => {
            drop(bytes);
            let (forms, findings, unit) = check_workbook(&wb, &input.shown, pack);
            let kept = if opts.keep_sheets {
                let mut wb = wb;
                let names: BTreeSet<&str> = forms.iter().map(|f| f.sheet.as_str()).collect();
                wb.sheets.retain(|s| names.contains(s.name.as_str()));
                wb.sheets
            } else {
                vec![]
            };
            FileResult {
                path: input.shown.clone(),
                status: Status::Checked,
                forms,
                findings,
                unit,
                kept,
            }
        }
        Err(u) => unreadable(u),
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
    let mut buf = Vec::new();
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
}

/// Checks all inputs; results sorted by path, whatever the order given or the threads.
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
    let one = |i: &Input| {
        let r = check_file(i, pack, opts);
        done(&r);
        r
    };
    let run = || inputs.par_iter().map(one).collect::<Vec<_>>();
    let mut results = match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => inputs.iter().map(one).collect(),
    };
    results.sort_by(|a, b| a.path.cmp(&b.path));
    results
}
