//! The units of a run against the register of units (`--units`) and against last year:
//! each workbook's code, name and year checked with the register; the register's units that
//! sent nothing, said once in the run on the register's own result; and the figures that are
//! implausible against history ([`crate::history`]), said on the workbooks.

use super::links::{push_link_finding, LinkFinding};
use crate::check::{FileResult, Kept, Status, Unit};
use crate::finding::CellLoc;
use crate::history::{self, UnitFigures};
use crate::register::Register;
use crate::registry::Kind;
use crate::rules::Pack;
use crate::text::{clip, format_number, label_key};
use std::collections::{BTreeSet, HashMap};

/// What the register's result lists as its form.
pub const REGISTER: &str = "register";

/// Longest name of a unit quoted in a message.
const NAME_SHOWN: usize = 120;

/// The register's findings on one workbook of the run: its code not in the register, its
/// name not the register's, a year outside the unit's life.
pub(crate) fn file_findings(pack: &Pack, reg: &Register, r: &mut FileResult, year: Option<i32>) {
    let Some(key) = r.unit.key.clone().filter(|k| !k.is_empty()) else {
        return;
    };
    let code = r.unit.code.clone().unwrap_or_else(|| key.clone());
    let Some(entry) = reg.get(&key) else {
        push_link_finding(
            pack,
            r,
            LinkFinding {
                rule: Kind::UnitNotInRegister,
                sheet: None,
                cells: vec![],
                order: (0, 0, 0),
                params: &[("code", &code), ("register", &reg.shown)],
            },
        );
        return;
    };
    let folding = pack.settings.folding;
    if let Some(name) = r.unit.name.clone().filter(|n| !n.trim().is_empty()) {
        if !entry.name.is_empty() && label_key(&name, folding) != label_key(&entry.name, folding) {
            push_link_finding(
                pack,
                r,
                LinkFinding {
                    rule: Kind::UnitNameDiffers,
                    sheet: None,
                    cells: vec![],
                    order: (0, 0, 0),
                    params: &[
                        ("code", &code),
                        ("name", &clip(&name, NAME_SHOWN)),
                        ("registered", &clip(&entry.name, NAME_SHOWN)),
                    ],
                },
            );
        }
    }
    if let Some(y) = year.filter(|y| !entry.alive_in(*y)) {
        let shown = |v: Option<i32>| v.map_or_else(|| "…".to_string(), |v| v.to_string());
        push_link_finding(
            pack,
            r,
            LinkFinding {
                rule: Kind::UnitOutsideLife,
                sheet: None,
                cells: vec![],
                order: (0, 0, 0),
                params: &[
                    ("code", &code),
                    ("year", &y.to_string()),
                    ("from", &shown(entry.from)),
                    ("to", &shown(entry.to)),
                ],
            },
        );
    }
    sort(r);
}

/// The register's own result: its repeated codes, and every unit it lists for the run's
/// year that sent no workbook (`submitted`: the code keys of the run's workbooks). Without a
/// year, the units whose life has no end.
pub(crate) fn register_result(
    pack: &Pack,
    reg: &Register,
    submitted: &BTreeSet<String>,
    year: Option<i32>,
) -> FileResult {
    let mut r = FileResult {
        path: reg.shown.clone(),
        status: Status::Checked,
        // The sheet the register was read from, under the name `register` (no form of the
        // pack: the run's count of files matching no form leaves it out).
        forms: vec![crate::check::FormFound {
            sheet: reg.sheet.clone(),
            form: REGISTER.to_string(),
            confidence: 1.0,
            continued_on: vec![],
        }],
        findings: vec![],
        unit: Unit::default(),
        kept: vec![],
        explanations: vec![],
        not_applied: vec![],
    };
    let loc = |row: u32| CellLoc::new(None, reg.sheet.clone(), format!("A{row}"));
    for (code, rows) in &reg.duplicates {
        let list: Vec<String> = rows.iter().map(u32::to_string).collect();
        push_link_finding(
            pack,
            &mut r,
            LinkFinding {
                rule: Kind::RegisterDuplicateCode,
                sheet: Some(reg.sheet.clone()),
                cells: vec![],
                order: (1, rows[0], 0),
                params: &[("code", code), ("rows", &list.join(", "))],
            },
        );
    }
    let year_shown = year.map_or_else(|| "…".to_string(), |y| y.to_string());
    for e in &reg.entries {
        let expected = match year {
            Some(y) => e.alive_in(y),
            None => e.to.is_none(),
        };
        if expected && !submitted.contains(&e.key) {
            push_link_finding(
                pack,
                &mut r,
                LinkFinding {
                    rule: Kind::UnitNotSubmitted,
                    sheet: Some(reg.sheet.clone()),
                    cells: vec![loc(e.row)],
                    order: (1, e.row, 0),
                    params: &[
                        ("code", &e.code),
                        ("name", &clip(&e.name, NAME_SHOWN)),
                        ("year", &year_shown),
                    ],
                },
            );
        }
    }
    sort(&mut r);
    r
}

fn sort(r: &mut FileResult) {
    r.findings.sort_by(|a, b| {
        a.sort_key()
            .partial_cmp(&b.sort_key())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

/// This year's figures of a workbook: every number of its forms' rows (the first sheet
/// holding each form, as checks read them).
fn figures_now(k: &Kept) -> HashMap<history::At, f64> {
    let mut out = HashMap::new();
    let Some(d) = &k.deferred else { return out };
    let mut seen = BTreeSet::new();
    for (inst, values) in d.instances.iter().zip(&d.values) {
        if !seen.insert(inst.form) {
            continue;
        }
        for (&(row, col), (read, _)) in &values.grid {
            if let crate::check::eval::Read::Num(n) = read {
                out.insert((inst.form, row, col), n.v);
            }
        }
    }
    out
}

fn figures_linked(l: &crate::check::eval::Linked) -> HashMap<history::At, f64> {
    l.grid
        .iter()
        .filter_map(|(at, (read, _))| match read {
            crate::check::eval::Read::Num(n) => Some((*at, n.v)),
            _ => None,
        })
        .collect()
}

/// The history checks over the run's unit workbooks (those with figures kept for the second
/// phase; summaries left out), each paired with last year's (`paired`: index into `previous`).
pub(crate) fn history_findings(
    pack: &Pack,
    results: &mut [FileResult],
    kept: &[Kept],
    previous: &[(FileResult, Kept)],
    paired: &[Option<usize>],
) {
    let p = &pack.plausibility;
    let mut who: Vec<usize> = Vec::new();
    let mut panel: Vec<UnitFigures> = Vec::new();
    for (fi, k) in kept.iter().enumerate() {
        if k.deferred.is_none() || super::is_summary(pack, k) || k.other_year {
            continue;
        }
        if !matches!(results[fi].status, Status::Checked) || results[fi].unit.key.is_none() {
            continue;
        }
        who.push(fi);
        panel.push(UnitFigures {
            now: figures_now(k),
            before: paired
                .get(fi)
                .copied()
                .flatten()
                .and_then(|i| previous.get(i))
                .map(|(_, k)| figures_linked(&k.linked)),
        });
    }
    let locale = pack.settings.shown_locale();
    let num = |v: f64, d: Option<u8>| format_number(v, d, locale);
    // A unit said for a figure, or as a copy, is not said again for the shares that slip
    // moved.
    let mut said: BTreeSet<usize> = BTreeSet::new();
    for u in history::unusual_changes(&panel, p) {
        said.insert(u.unit);
        let f = &p.figures[u.figure];
        push_link_finding(
            pack,
            &mut results[who[u.unit]],
            LinkFinding {
                rule: Kind::HistoryUnusualChange,
                sheet: None,
                cells: vec![],
                order: (0, 0, 1),
                params: &[
                    ("figure", &f.name),
                    ("value", &num(u.value, None)),
                    ("previous", &num(u.previous, None)),
                    ("ratio", &num(u.ratio, Some(2))),
                    ("median", &num(u.median, Some(2))),
                    ("score", &num(u.score.abs(), Some(1))),
                    ("limit", &num(p.c, None)),
                    ("units", &u.units.to_string()),
                ],
            },
        );
    }
    for (ui, u) in panel.iter().enumerate() {
        if let Some((count, flows)) = history::copied_unchanged(u, p) {
            said.insert(ui);
            let fi = who[ui];
            let file = paired[fi]
                .and_then(|i| previous.get(i))
                .map(|(r, _)| r.path.clone())
                .unwrap_or_default();
            let flows: Vec<String> = flows
                .iter()
                .map(|f| {
                    let v = u.now.get(&(f.form, f.row, f.col)).copied().unwrap_or(0.0);
                    format!("{} = {}", f.name, num(v, None))
                })
                .collect();
            push_link_finding(
                pack,
                &mut results[fi],
                LinkFinding {
                    rule: Kind::HistoryCopiedUnchanged,
                    sheet: None,
                    cells: vec![],
                    order: (0, 0, 1),
                    params: &[
                        ("file", &file),
                        ("count", &count.to_string()),
                        ("flows", &flows.join(", ")),
                    ],
                },
            );
        }
    }
    let same = history::same_figures(&panel, p);
    said.extend(same.iter().map(|(ui, ..)| *ui));
    let pct = |v: f64| format!("{} %", num(100.0 * v, Some(1)));
    for m in history::moved_shares(&panel, p) {
        if said.contains(&m.unit) {
            continue;
        }
        push_link_finding(
            pack,
            &mut results[who[m.unit]],
            LinkFinding {
                rule: Kind::HistoryShareMoved,
                sheet: None,
                cells: vec![],
                order: (0, 0, 1),
                params: &[
                    ("share", &p.shares[m.share].name),
                    ("now", &pct(m.now)),
                    ("before", &pct(m.before)),
                    ("moved", &num(100.0 * (m.now - m.before).abs(), Some(1))),
                    ("limit", &num(100.0 * p.max_share_move, None)),
                ],
            },
        );
    }
    for (ui, other, count) in same {
        let (fi, oi) = (who[ui], who[other]);
        let code = results[oi].unit.code.clone().unwrap_or_default();
        let file = results[oi].path.clone();
        push_link_finding(
            pack,
            &mut results[fi],
            LinkFinding {
                rule: Kind::HistorySameAsUnit,
                sheet: None,
                cells: vec![],
                order: (0, 0, 1),
                params: &[
                    ("file", &file),
                    ("code", &code),
                    ("count", &count.to_string()),
                ],
            },
        );
    }
    for &fi in &who {
        sort(&mut results[fi]);
    }
}

/// The register's findings over workbooks read on their own (`consolidate --units`): each
/// workbook's own, added to its result, and the register's result (its units that sent
/// nothing for `year`, or for the year of the most workbooks).
pub fn against_register(
    pack: &Pack,
    reg: &Register,
    files: &mut [(FileResult, Kept)],
    year: Option<i32>,
) -> FileResult {
    let mut submitted = BTreeSet::new();
    let mut years: std::collections::BTreeMap<i32, usize> = Default::default();
    for (r, k) in files.iter_mut() {
        if let (Status::Checked, Some(code)) = (&r.status, &r.unit.key) {
            submitted.insert(code.clone());
            if let Some(y) = k.report_year {
                *years.entry(y).or_default() += 1;
            }
            file_findings(pack, reg, r, k.report_year.or(year));
        }
    }
    let year = year.or_else(|| {
        years
            .iter()
            .max_by_key(|(y, n)| (**n, **y))
            .map(|(y, _)| *y)
    });
    register_result(pack, reg, &submitted, year)
}

/// Across a reorganisation (`--previous` with `--units`): a unit the register says was formed
/// from others, and whose own code has no workbook last year, is compared with them — its
/// opening figure against the sum of their closing figures (a merger); formed from a unit
/// another unit of the register was also formed from (a split), it is said not comparable;
/// a predecessor with no workbook last year is named. Each replaces the finding that the
/// unit's own code has no workbook last year.
pub(crate) fn reorganisation_findings(
    pack: &Pack,
    reg: &Register,
    results: &mut [FileResult],
    kept: &[Kept],
    previous: &[(FileResult, Kept)],
    paired: &[Option<usize>],
    year: Option<i32>,
) {
    let (Some(opening), Some(closing)) = (&pack.register.opening, &pack.register.closing) else {
        return;
    };
    let cx = Reorganisation {
        reg,
        previous,
        last_year: last_year_workbooks(previous, year),
        opening,
        closing,
        year,
        locale: pack.settings.shown_locale(),
    };
    for (fi, k) in kept.iter().enumerate() {
        if k.deferred.is_none() || super::is_summary(pack, k) || paired[fi].is_some() {
            continue;
        }
        let r = &mut results[fi];
        let Some(entry) = r.unit.key.as_deref().and_then(|key| reg.get(key)) else {
            continue;
        };
        if entry.predecessors.is_empty() {
            continue;
        }
        let Some(said) = reorganisation_said(&cx, entry, k) else {
            continue;
        };
        replace_previous_missing(pack, r, &entry.code, said);
    }
}

/// What is said of a unit formed from others: the finding's kind and its parameters, or
/// nothing (compared, and the figures agree).
type Said = Option<(Kind, Vec<(&'static str, String)>)>;

/// What [`reorganisation_findings`] reads a unit's predecessors against.
struct Reorganisation<'a> {
    reg: &'a Register,
    previous: &'a [(FileResult, Kept)],
    /// Last year's checked workbook (its index in `previous`) by unit key.
    last_year: std::collections::BTreeMap<&'a str, usize>,
    opening: &'a crate::rules::units::FigureRef,
    closing: &'a crate::rules::units::FigureRef,
    year: Option<i32>,
    locale: crate::locale::Locale,
}

impl Reorganisation<'_> {
    /// A unit's code as written in the register (its key when the register lacks it).
    fn shown_code(&self, key: &str) -> String {
        self.reg
            .get(key)
            .map_or(key.to_string(), |e| e.code.clone())
    }
}

/// Each unit's checked workbook of last year, by key (the first when two); a workbook of
/// another year than the one before the run's is never used.
fn last_year_workbooks(
    previous: &[(FileResult, Kept)],
    year: Option<i32>,
) -> std::collections::BTreeMap<&str, usize> {
    let mut last_year: std::collections::BTreeMap<&str, usize> = Default::default();
    for (i, (r, pk)) in previous.iter().enumerate() {
        // A workbook of another year than the one before the run's is never used.
        let other_year = matches!((pk.report_year, year), (Some(p), Some(y)) if p != y - 1);
        if let (Status::Checked, Some(key), false) = (&r.status, &r.unit.key, other_year) {
            last_year.entry(key.as_str()).or_insert(i);
        }
    }
    last_year
}

/// What is said of unit `entry` (workbook `k`) against its predecessors: a split without
/// shares, a predecessor without a workbook last year, or an opening figure that is not
/// their closing figures'. None when a figure is missing on either side: not compared (and
/// the finding that the unit has no workbook of last year stays).
fn reorganisation_said(
    cx: &Reorganisation,
    entry: &crate::register::Entry,
    k: &Kept,
) -> Option<Said> {
    if let Some((predecessor, others)) = split_of(cx, entry) {
        return Some(Some((
            Kind::UnitSplitNotComparable,
            vec![("predecessor", predecessor), ("others", others)],
        )));
    }
    let missing: Vec<String> = entry
        .predecessors
        .iter()
        .filter(|p| !cx.last_year.contains_key(p.as_str()))
        .map(|p| cx.shown_code(p))
        .collect();
    if !missing.is_empty() {
        return Some(Some((
            Kind::UnitNoPredecessor,
            vec![("missing", missing.join(", "))],
        )));
    }
    let now = figures_now(k)
        .get(&(cx.opening.form, cx.opening.row, cx.opening.col))
        .copied()?;
    let before = closing_figures_before(cx, entry)?;
    Some(if entry.shares.is_empty() {
        merger_opening(cx, now, before)
    } else {
        split_opening(cx, now, &before)
    })
}

/// A predecessor of `entry` another unit (alive in the run's year) was formed from too: a
/// split, not comparable unless the register gives the shares. (The predecessor's code, the
/// other units' codes.)
fn split_of(cx: &Reorganisation, entry: &crate::register::Entry) -> Option<(String, String)> {
    if !entry.shares.is_empty() {
        return None;
    }
    let alive = |e: &crate::register::Entry| cx.year.is_none_or(|y| e.alive_in(y));
    entry.predecessors.iter().find_map(|p| {
        let others: Vec<String> = cx
            .reg
            .entries
            .iter()
            .filter(|o| o.key != entry.key && alive(o) && o.predecessors.contains(p))
            .map(|o| o.code.clone())
            .collect();
        (!others.is_empty()).then(|| (cx.shown_code(p), others.join(", ")))
    })
}

/// Each predecessor's closing figure last year, times its share when the register gives
/// shares (a split), with how far the shares' rounding lets the sum be off: (label, figure,
/// slack). None when one has no such figure.
fn closing_figures_before(
    cx: &Reorganisation,
    entry: &crate::register::Entry,
) -> Option<Vec<(String, f64, f64)>> {
    let locale = cx.locale;
    let closing = cx.closing;
    entry
        .predecessors
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (pr, pk) = &cx.previous[cx.last_year[p.as_str()]];
            let v = *figures_linked(&pk.linked).get(&(closing.form, closing.row, closing.col))?;
            let label = format!("{} ({})", cx.shown_code(p), pr.path);
            Some(match entry.shares.get(i) {
                Some(&(share, half)) => (
                    format!(
                        "{label} {} × {}",
                        format_number(v, None, locale),
                        format_number(share, None, locale)
                    ),
                    v * share,
                    // The share as written, rounded; a person is not split.
                    v * half + if share < 1.0 { 0.5 } else { 0.0 },
                ),
                None => (label, v, 0.0),
            })
        })
        .collect()
}

/// A split with shares: the opening figure `now` against the predecessors' shares of their
/// closing figures, within the shares' rounding.
fn split_opening(cx: &Reorganisation, now: f64, before: &[(String, f64, f64)]) -> Said {
    let locale = cx.locale;
    let expected: f64 = before.iter().map(|(_, v, _)| v).sum();
    let slack: f64 = before.iter().map(|(.., s)| s).sum();
    if (expected - now).abs() <= slack + 1e-9 {
        return None;
    }
    let list: Vec<&str> = before.iter().map(|(p, ..)| p.as_str()).collect();
    Some((
        Kind::UnitSplitOpening,
        vec![
            ("figure", cx.opening.name.clone()),
            ("value", format_number(now, None, locale)),
            ("expected", format_number(expected, Some(1), locale)),
            ("predecessors", list.join(", ")),
        ],
    ))
}

/// A merger: the opening figure `now` against the sum of the predecessors' closing figures.
fn merger_opening(cx: &Reorganisation, now: f64, before: Vec<(String, f64, f64)>) -> Said {
    let locale = cx.locale;
    let before: Vec<(String, f64)> = before.into_iter().map(|(p, v, _)| (p, v)).collect();
    let sum: f64 = before.iter().map(|(_, v)| v).sum();
    if (sum - now).abs() <= 1e-9 {
        return None;
    }
    let list: Vec<String> = before
        .iter()
        .map(|(p, v)| format!("{p} {}", format_number(*v, None, locale)))
        .collect();
    Some((
        Kind::UnitMergerOpening,
        vec![
            ("figure", cx.opening.name.clone()),
            ("value", format_number(now, None, locale)),
            ("sum", format_number(sum, None, locale)),
            ("predecessors", list.join(", ")),
        ],
    ))
}

/// The finding that unit `code` has no workbook last year replaced: the unit was compared
/// with its predecessors, or what stopped it is said (`said`). (That some of last year's
/// workbooks could not be read stays said when a predecessor was not found: it may be among
/// them.)
fn replace_previous_missing(pack: &Pack, r: &mut FileResult, code: &str, said: Said) {
    let compared = !matches!(said, Some((Kind::UnitNoPredecessor, _)));
    r.findings.retain(|f| {
        f.rule != Kind::ConsolidationPreviousMissing.id()
            && (!compared || f.rule != Kind::ConsolidationPreviousUnread.id())
    });
    if let Some((kind, params)) = said {
        let mut all: Vec<(&str, &str)> = vec![("code", code)];
        all.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        push_link_finding(
            pack,
            r,
            LinkFinding {
                rule: kind,
                sheet: None,
                cells: vec![],
                order: (0, 0, 1),
                params: &all,
            },
        );
        sort(r);
    }
}
