//! The second phase of a run: what checks of other workbooks need, linked by unit code — a
//! summary's records to the branch workbooks of the same run, each workbook to last year's.
//! The links are data (which unit workbook has which code, which of last year's workbooks
//! belongs to which unit); [`crate::check::eval`] runs the checks over them.

use crate::check::eval::{self, Linked};
use crate::check::locate;
use crate::check::{FileResult, Kept, Status, Unit};
use crate::finding::{CellLoc, Finding};
use crate::registry::Kind;
use crate::rules::{Link, Pack};
use std::collections::{BTreeMap, BTreeSet};

pub(super) struct LinkFinding<'a> {
    pub rule: Kind,
    pub sheet: Option<String>,
    pub cells: Vec<CellLoc>,
    pub order: (usize, u32, u32),
    pub params: &'a [(&'a str, &'a str)],
}

pub(super) fn push_link_finding(pack: &Pack, r: &mut FileResult, f: LinkFinding<'_>) {
    r.findings.push(Finding {
        file: r.path.clone(),
        sheet: f.sheet,
        rule: f.rule.id().to_string(),
        severity: f.rule.severity(),
        message: pack.settings.message(f.rule, f.params),
        cells: f.cells,
        expected: None,
        actual: None,
        difference: None,
        order: f.order,
        decimals: None,
    });
}

/// A unit workbook as the second phase knows it: enough to match a summary's records and
/// to name it, and the figures the summary's checks read (read again when a summary names it).
pub(super) struct UnitRef<'a> {
    /// The file as shown: borrowed from the run's inputs (held once for all the run), owned
    /// only when a result names its file otherwise.
    pub path: std::borrow::Cow<'a, str>,
    pub name: Option<String>,
    pub code: String,
    /// The workbook is a summary itself (a unit of the summary one level up).
    pub summary: bool,
    /// Only for the units a summary names (most files are no summary's unit in a run).
    pub linked: Option<Box<Linked>>,
}

/// The unit workbooks of a run: each ([`UnitRef`]), by code (a code that is a summary's
/// stands for the summary), and the register's parents (unit key → parent key) when given.
pub(super) struct RunUnits<'a> {
    pub refs: &'a [UnitRef<'a>],
    pub by_code: &'a BTreeMap<String, Vec<usize>>,
    pub parents: Option<&'a BTreeMap<String, String>>,
}

/// Last year's workbooks as the second phase knows them: those read, how many could not be,
/// and those given that are this run's own workbooks (not read: by the code of the workbook
/// of this run they are, the name given).
pub(super) struct Previous<'a> {
    pub read: &'a [(FileResult, Kept)],
    pub unreadable: usize,
    pub own: &'a BTreeMap<String, String>,
}

/// The second phase: records matched to unit workbooks by code, workbooks to last year's;
/// `explain`: the explanations again, with the other workbooks' figures. Gives, for each
/// workbook, the index of last year's workbook it was compared with.
pub(super) fn link_files(
    pack: &Pack,
    results: &mut [FileResult],
    kept: &[Kept],
    run_units: RunUnits<'_>,
    previous: Option<Previous<'_>>,
    explain: bool,
) -> Vec<Option<usize>> {
    let RunUnits {
        refs: unit_refs,
        by_code: units,
        parents,
    } = run_units;
    let levels = Levels::of(pack, kept, unit_refs, units);
    let mut paired: Vec<Option<usize>> = vec![None; kept.len()];
    let previous_unreadable = previous.as_ref().map_or(0, |p| p.unreadable);
    let own_previous = previous.as_ref().map(|p| p.own);
    let previous = previous.map(|p| p.read);
    // The year of this run: that of the most workbooks giving one (for a workbook that gives
    // none itself; ties to the later year).
    let run_year = {
        let mut count: BTreeMap<i32, usize> = BTreeMap::new();
        for y in kept.iter().filter_map(|k| k.report_year) {
            *count.entry(y).or_default() += 1;
        }
        count
            .iter()
            .max_by_key(|(y, n)| (**n, **y))
            .map(|(y, _)| *y)
    };
    let mut last_year: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    if let Some(prev) = previous {
        for (i, (r, _)) in prev.iter().enumerate() {
            if let (Status::Checked, Some(code)) = (&r.status, &r.unit.key) {
                last_year.entry(code.clone()).or_default().push(i);
            }
        }
    }
    type New = (
        usize,
        Vec<Finding>,
        Vec<crate::explain::localise::Explanation>,
        Vec<eval::NotApplied>,
    );
    let mut new: Vec<New> = Vec::new();
    for (fi, k) in kept.iter().enumerate() {
        let Some(d) = &k.deferred else { continue };
        let mut scratch = FileResult {
            path: results[fi].path.clone(),
            status: Status::Checked,
            forms: vec![],
            findings: vec![],
            unit: Unit::default(),
            kept: vec![],
            explanations: vec![],
            not_applied: vec![],
        };
        // Records matched to units: rows without a unit, duplicates, units without a row.
        let mut matched: BTreeSet<&str> = BTreeSet::new();
        for inst in &d.instances {
            let form = &pack.forms[inst.form];
            if !form.matches_units() {
                continue;
            }
            let sheet = d.sheets.get(inst.sheet).cloned().unwrap_or_default();
            let loc = |at: crate::model::CellRef| CellLoc::new(None, sheet.clone(), at.to_string());
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
                            rule: Kind::ConsolidationDuplicateRow,
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
                            many.iter().map(|i| unit_refs[*i].path.as_ref()).collect();
                        let files = files.join(", ");
                        push_link_finding(
                            pack,
                            &mut scratch,
                            LinkFinding {
                                rule: Kind::ConsolidationDuplicateUnit,
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
                            rule: Kind::ConsolidationRowWithoutUnit,
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
            let pattern = form.records.as_ref().and_then(|r| r.unit_pattern.as_ref());
            let own = results[fi].unit.key.as_deref().unwrap_or_default();
            // The register's units under this summary's own code, when it lists any.
            let children: Option<BTreeSet<&str>> = parents.and_then(|p| {
                let c: BTreeSet<&str> = p
                    .iter()
                    .filter(|(_, parent)| !own.is_empty() && parent.as_str() == own)
                    .map(|(k, _)| k.as_str())
                    .collect();
                (!c.is_empty()).then_some(c)
            });
            let level = levels.of_file(fi);
            for (code, files) in units {
                if matched.contains(code.as_str()) || code == own {
                    continue;
                }
                let expected = match &children {
                    Some(c) => c.contains(code.as_str()),
                    // By the summary's own rows: a unit of the level its rows are of (branch
                    // workbooks, or summaries one level down), that no other summary of that
                    // level has a row for (said on the first of them only: which one lacks it,
                    // crossfoot cannot tell); a workbook whose code is no unit of this form
                    // (the committee's own) needs no row.
                    None => {
                        let summary = files.first().is_some_and(|i| unit_refs[*i].summary);
                        summary == level
                            && (summary || pattern.is_none_or(|re| re.is_match(code)))
                            && levels.first_without(fi, level, code)
                    }
                };
                if !expected {
                    continue;
                }
                for i in files {
                    let unit = &unit_refs[*i];
                    push_link_finding(
                        pack,
                        &mut scratch,
                        LinkFinding {
                            rule: Kind::ConsolidationUnitWithoutRow,
                            sheet: Some(sheet.clone()),
                            cells: vec![],
                            order: (inst.sheet + 1, end_row, 0),
                            params: &[
                                ("unit_file", unit.path.as_ref()),
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
        // A workbook titled with another year than the run's is not compared with last year's.
        let other_year = k.other_year;
        if let Some(prev) = previous.filter(|_| d.uses(pack, Link::Previous) && !other_year) {
            let code = results[fi].unit.key.clone().unwrap_or_default();
            // Given as last year's, but one of this run's own workbooks: never compared.
            let own = own_previous.and_then(|o| o.get(&code));
            if let Some(file) = own {
                push_link_finding(
                    pack,
                    &mut scratch,
                    LinkFinding {
                        rule: Kind::ConsolidationPreviousOwn,
                        sheet: None,
                        cells: vec![],
                        order: (0, 0, 0),
                        params: &[("file", file)],
                    },
                );
            }
            match last_year.get(&code).map(Vec::as_slice) {
                Some([first, rest @ ..]) => {
                    // Last year's must report the year before this one's (when both say).
                    let this_year = k.report_year.or(run_year);
                    match (prev[*first].1.report_year, this_year) {
                        (Some(year), Some(now)) if year != now - 1 => push_link_finding(
                            pack,
                            &mut scratch,
                            LinkFinding {
                                rule: Kind::ConsolidationPreviousYear,
                                sheet: None,
                                cells: vec![],
                                order: (0, 0, 0),
                                params: &[
                                    ("file", &prev[*first].0.path),
                                    ("year", &year.to_string()),
                                    ("expected", &(now - 1).to_string()),
                                ],
                            },
                        ),
                        _ => {
                            prev_linked = Some(&prev[*first].1.linked);
                            paired[fi] = Some(*first);
                        }
                    }
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
                                rule: Kind::ConsolidationPreviousDuplicate,
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
                // Said above: only this run's own workbook has the code.
                _ if own.is_some() => {}
                // Not found: perhaps in one of last year's workbooks that could not be read.
                _ => push_link_finding(
                    pack,
                    &mut scratch,
                    LinkFinding {
                        rule: if previous_unreadable > 0 {
                            Kind::ConsolidationPreviousUnread
                        } else {
                            Kind::ConsolidationPreviousMissing
                        },
                        sheet: None,
                        cells: vec![],
                        order: (0, 0, 0),
                        params: &[("code", &code), ("count", &previous_unreadable.to_string())],
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
        let eval::Outcome {
            findings: mut found,
            not_applied,
            ..
        } = eval::run_linked_checks(pack, d, &unit_for, prev_linked);
        found.append(&mut scratch.findings);
        // The explanations again, over the workbook's own checks and those reading others.
        let explanations = if explain {
            crate::explain::localise::explain_linked(
                pack,
                d,
                eval::Others {
                    unit_for: &unit_for,
                    previous: prev_linked,
                },
            )
        } else {
            vec![]
        };
        new.push((fi, found, explanations, not_applied));
    }
    for (fi, mut found, explanations, not_applied) in new {
        let r = &mut results[fi];
        r.explanations = explanations;
        for n in not_applied {
            eval::count_not_applied(&mut r.not_applied, &n.rule, n.reason, n.count);
        }
        r.findings.append(&mut found);
        r.findings.sort_by(|a, b| {
            a.sort_key()
                .partial_cmp(&b.sort_key())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    paired
}

/// The summaries of a run by level: whether each sums summaries (one level up) or unit
/// workbooks, and the codes each has a row for. A summary's level is that of its rows: a
/// row whose code is a summary's reads that summary.
struct Levels {
    /// (file, sums summaries, codes of its rows), in file order.
    summaries: Vec<(usize, bool, BTreeSet<String>)>,
}

impl Levels {
    fn of(
        pack: &Pack,
        kept: &[Kept],
        unit_refs: &[UnitRef<'_>],
        units: &BTreeMap<String, Vec<usize>>,
    ) -> Levels {
        let mut summaries = Vec::new();
        for (fi, k) in kept.iter().enumerate() {
            let Some(d) = &k.deferred else { continue };
            let mut codes = BTreeSet::new();
            let mut of_summaries = false;
            let mut any = false;
            for inst in d
                .instances
                .iter()
                .filter(|i| pack.forms[i.form].matches_units())
            {
                any = true;
                for rec in &inst.records {
                    codes.insert(rec.key.clone());
                    if let Some([one]) = units.get(&rec.key).map(Vec::as_slice) {
                        of_summaries |= unit_refs[*one].summary;
                    }
                }
            }
            if any {
                summaries.push((fi, of_summaries, codes));
            }
        }
        Levels { summaries }
    }

    /// Whether the summary in file `fi` sums summaries.
    fn of_file(&self, fi: usize) -> bool {
        self.summaries
            .iter()
            .find(|(f, ..)| *f == fi)
            .is_some_and(|(_, level, _)| *level)
    }

    /// Whether `fi` is the first summary of `level` and no summary of that level has a row
    /// for `code`.
    fn first_without(&self, fi: usize, level: bool, code: &str) -> bool {
        let mut same = self.summaries.iter().filter(|(_, l, _)| *l == level);
        let first = same.clone().next().is_some_and(|(f, ..)| *f == fi);
        first && !same.any(|(_, _, codes)| codes.contains(code))
    }
}
