//! Checking one workbook: locate its forms, read their figures, run the checks; the result of
//! one file ([`FileResult`]). Findings within a file are sorted by sheet order, cell and rule,
//! so the same workbook always gives the same report. Running this over many files, and the
//! checks that read other workbooks, is [`crate::run`]'s.
//!
//! In: a [`Workbook`] and the [`Pack`]. Out: the file's [`FileResult`] (its findings, forms,
//! unit, the checks not applied), the figures other workbooks' checks read ([`Linked`]), and
//! the checks waiting for them ([`Deferred`]).
//! - [`locate`]: the forms' labels and headers → cells.
//! - [`eval`]: the figures read, the checks applied (one enumeration of the applications, which
//!   applying, the explanations' shapes and the recheck go through).
//! - [`formula`]: formulas whose result is not stored, evaluated when simple arithmetic (on the
//!   tokens of [`crate::read::formula_tokens`]).
//! - [`structure`]: rows that are structure (headings, subtotals); [`discover`]: typed totals
//!   outside the pack's forms (`--discover`).

pub mod discover;
pub mod eval;
pub mod formula;
pub mod locate;
pub mod structure;

use self::eval::{Deferred, Linked, NotApplied};
use self::locate::Reporter;
use crate::finding::Finding;
use crate::model::Workbook;
use crate::registry::Kind;
use crate::registry::TextId;
use crate::result::Explanation;
use crate::rules::{Link, Pack};
use std::collections::BTreeSet;

pub use crate::result::{sheet_has_findings, FileResult, FormFound, Skip, Status, Unit};

/// A warning when the title block gives another report year than the run's; whether it does.
fn year_mismatch(
    wb: &Workbook,
    instances: &[locate::FormInstance],
    year: Option<u32>,
    rep: &mut Reporter<'_>,
) -> bool {
    let Some(run_year) = year else {
        return false;
    };
    let Some((si, at, given)) = locate::report_year(wb, rep.pack, instances) else {
        return false;
    };
    if given == run_year {
        return false;
    }
    let sheet = &wb.sheets[si];
    rep.engine(
        Kind::WorkbookYearMismatch,
        Some((si, &sheet.name)),
        vec![locate::loc(sheet, at)],
        Some(at),
        &[
            ("year", &given.to_string()),
            ("run_year", &run_year.to_string()),
            ("cell", &at.to_string()),
        ],
    );
    true
}

/// Checks one workbook already in memory. Checks that read other workbooks (`unit.…`,
/// `previous.…`) are not applied: [`crate::run::Run`] applies them once every file is read.
pub fn check_workbook(
    wb: &Workbook,
    shown: &str,
    pack: &Pack,
) -> (Vec<FormFound>, Vec<Finding>, Unit) {
    let (forms, findings, unit, _, _) = check_workbook_located(wb, shown, pack, Links::NONE, None);
    (forms, findings, unit)
}

/// Which checks of other workbooks the second phase of a run will apply to a file, and so
/// what the file keeps for it: memory follows what is needed, not the number of files.
///
/// With neither, a file keeps only the figures that checks of other workbooks read (last
/// year's workbooks, consolidation, the units of a summary). With `unit`, a file with checks
/// reading `unit.…` (a summary) keeps its located forms — no figures: the units a summary
/// names are read again for theirs. With `previous`, the same for checks reading
/// `previous.…` (last year's workbooks were given). With `last_year` (and neither), the file
/// is last year's workbook of a unit: it keeps every figure of its forms' named rows, for the
/// checks reading `previous.…` and for telling a figure copied from last year
/// ([`crate::explain::localise`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Links {
    pub unit: bool,
    pub previous: bool,
    #[serde(default)]
    pub last_year: bool,
}

impl Links {
    /// No second phase: the file is read for its figures.
    pub const NONE: Links = Links {
        unit: false,
        previous: false,
        last_year: false,
    };

    /// Last year's workbook of a unit, read for its figures.
    pub const LAST_YEAR: Links = Links {
        unit: false,
        previous: false,
        last_year: true,
    };

    /// Whether the file has a second phase of its own.
    fn second_phase(self) -> bool {
        self.unit || self.previous
    }

    fn runs(self, link: Link) -> bool {
        match link {
            Link::Unit => self.unit,
            Link::Previous => self.previous,
        }
    }
}

/// What one file keeps for the second phase of a run: the figures other workbooks' checks
/// read, and (when it has checks reading other workbooks) its own located figures.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Kept {
    pub linked: Linked,
    pub deferred: Option<Deferred>,
    /// The most likely causes of the file's findings; moved into [`FileResult::explanations`].
    #[serde(default)]
    pub explanations: Vec<Explanation>,
    /// The checks not applied; moved into [`FileResult::not_applied`].
    #[serde(default)]
    pub not_applied: Vec<NotApplied>,
    /// The report year of the title block (the pack's `report_year_label`), when it gives one:
    /// last year's workbook must report the year before.
    #[serde(default)]
    pub report_year: Option<i32>,
    /// The title block gives another report year than the run's (`check --year`): the
    /// workbook is not compared with last year's.
    #[serde(default)]
    pub other_year: bool,
}

/// What explaining a workbook's findings reads ([`crate::explain::explain_located`]): the
/// forms located, their figures, and whether a check failed (most workbooks cost nothing more).
pub struct Located {
    pub instances: Vec<locate::FormInstance>,
    pub values: Vec<eval::FormValues>,
    pub checks_failed: bool,
}

/// [`check_workbook`], also returning what the second phase of a run needs, and what the
/// explanation of its findings reads (left to the caller: explaining is a later stage, and
/// `check --no-explain` does not); `year`: the run's report year (`check --year`): a workbook
/// whose title block gives another is said, and its checks against last year are not made; one
/// whose title gives none is read as of that year.
pub fn check_workbook_located(
    wb: &Workbook,
    shown: &str,
    pack: &Pack,
    links: Links,
    year: Option<u32>,
) -> (Vec<FormFound>, Vec<Finding>, Unit, Kept, Located) {
    let mut rep = Reporter {
        file: shown,
        pack,
        findings: Vec::new(),
    };
    let instances = locate::locate_in_year(wb, &mut rep, year);
    let other_year = year_mismatch(wb, &instances, year, &mut rep);
    let ambiguous = rep
        .findings
        .iter()
        .any(|f| f.rule == Kind::WorkbookSheetAmbiguous.id());
    if instances.is_empty() && !ambiguous {
        no_form(wb, pack, &mut rep);
    }
    let values: Vec<_> = instances
        .iter()
        .map(|inst| eval::read_values(wb, inst, &mut rep))
        .collect();
    for (inst, v) in instances.iter().zip(&values) {
        crate::check::eval::check_subtotals(wb, inst, v, &mut rep);
    }
    let before = rep.findings.len();
    let not_applied = eval::run_checks(wb, &instances, &values, &mut rep);
    let checks_failed = rep.findings.len() > before;
    // Forms of a workbook kind that are expected together.
    let present: BTreeSet<usize> = instances.iter().map(|i| i.form).collect();
    for g in &pack.groups {
        if g.forms.iter().any(|f| present.contains(f)) {
            for f in &g.forms {
                if !present.contains(f) {
                    let form = &pack.forms[*f];
                    rep.engine_as(
                        Kind::WorkbookFormMissing,
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
        .map(|i| {
            let mut continued_on: Vec<String> = i
                .row_sheets
                .iter()
                .filter(|s| **s != i.sheet)
                .map(|s| wb.sheets[*s].name.clone())
                .collect();
            continued_on.dedup();
            FormFound {
                sheet: wb.sheets[i.sheet].name.clone(),
                form: pack.forms[i.form].id.clone(),
                confidence: i.confidence(),
                continued_on,
            }
        })
        .collect();
    let (name, code, report_year) = locate::unit_identity(wb, pack, &instances);
    let sheets: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
    let linked = if !links.second_phase() {
        eval::linked_figures(pack, shown, &sheets, &instances, &values, links.last_year)
    } else {
        Linked::default()
    };
    let defer = instances.iter().any(|i| {
        let form = &pack.forms[i.form];
        (form.matches_units() && links.second_phase())
            || form
                .checks
                .iter()
                .any(|c| c.links.iter().any(|l| links.runs(*l)))
    });
    // The located forms go to the second phase when it needs them, and to the explanation when
    // a check failed (copied only when both do).
    let (deferred, located) = if defer {
        let located = Located {
            instances: if checks_failed {
                instances.clone()
            } else {
                vec![]
            },
            values: if checks_failed {
                values.clone()
            } else {
                vec![]
            },
            checks_failed,
        };
        let deferred = Deferred {
            file: shown.to_string(),
            sheets,
            instances,
            values,
        };
        (Some(deferred), located)
    } else {
        let located = Located {
            instances,
            values,
            checks_failed,
        };
        (None, located)
    };
    (
        forms,
        findings,
        Unit {
            key: code.as_deref().map(|c| pack.settings.unit_key(c)),
            name,
            code,
        },
        Kept {
            linked,
            deferred,
            explanations: vec![],
            not_applied,
            report_year,
            other_year,
        },
        located,
    )
}

/// A workbook in which no sheet matches a form: an error naming the sheets seen and, for the
/// closest form, what matched and what did not.
fn no_form(wb: &Workbook, pack: &Pack, rep: &mut Reporter<'_>) {
    const SHOWN: usize = 12;
    let mut sheets: Vec<String> = wb
        .sheets
        .iter()
        .take(SHOWN)
        .map(|s| format!("\"{}\"", s.name))
        .collect();
    if wb.sheets.len() > SHOWN {
        sheets.push(format!("… ({} in all)", wb.sheets.len()));
    }
    let settings = &pack.settings;
    let closest = match locate::near_miss(wb, pack) {
        None => String::new(),
        Some(m) => {
            let form = &pack.forms[m.form];
            let quoted = |v: &[String]| {
                v.iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut lacks = Vec::new();
            if !m.missing_labels.is_empty() {
                lacks.push(settings.message(
                    TextId::HintNoFormLabels,
                    &[("labels", &quoted(&m.missing_labels))],
                ));
            }
            if let Some(p) = &m.pattern_missed {
                lacks.push(settings.message(TextId::HintNoFormPattern, &[("pattern", p)]));
            }
            if !m.titles_missed.is_empty() {
                lacks.push(settings.message(
                    TextId::HintNoFormTitle,
                    &[("titles", &quoted(&m.titles_missed))],
                ));
            }
            let found = (m.labels - m.missing_labels.len()).to_string();
            settings.message(
                TextId::HintNoFormClosest,
                &[
                    ("form", &form.id),
                    ("name", &form.name),
                    ("sheet", &wb.sheets[m.sheet].name),
                    ("found", &found),
                    ("labels", &m.labels.to_string()),
                    ("lacks", &lacks.join("; ")),
                ],
            )
        }
    };
    // Texts typed with a legacy font (TCVN3) match no label: said, not decoded on a guess.
    let texts = wb
        .sheets
        .iter()
        .flat_map(|s| s.cells.values())
        .filter_map(|c| match &c.value {
            crate::model::Value::Text(t) => Some(t.as_str()),
            _ => None,
        });
    let closest = match crate::text::legacy_vietnamese(texts) {
        Some(t) => {
            let text = crate::text::clip(t, 40);
            let read = crate::text::from_tcvn3(&text);
            closest
                + &settings.message(
                    TextId::HintNoFormLegacyFont,
                    &[("text", &text), ("read", &read)],
                )
        }
        None => closest,
    };
    rep.engine(
        Kind::WorkbookNoForm,
        None,
        vec![],
        None,
        &[("sheets", &sheets.join(", ")), ("closest", &closest)],
    );
}
