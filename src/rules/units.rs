//! `[register]` and `[plausibility]`: what a pack says about units over time — the headings
//! of the register of units a reviewer keeps (`--units`), and which figures are compared with
//! last year and how unusual a change must be to be said ([`crate::history`]).

use super::{did_you_mean, Kind, Pack, Problems, Source};
use crate::text::{label_key, Folding};
use serde::Deserialize;
use toml::Spanned;

/// `[register]`: the headings of the register's columns, each a list of the ways it is
/// written (matched as form labels are: normalised, abbreviations written out, one letter off).
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct RegisterDef {
    code: Vec<String>,
    name: Vec<String>,
    #[serde(default)]
    parent: Vec<String>,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    predecessors: Vec<String>,
    /// The share of each predecessor a unit formed by a split took (`Tỷ lệ`): with it, a
    /// split is compared as a merger is, each predecessor's closing times its share.
    #[serde(default)]
    shares: Vec<String>,
    /// The figure that opens a unit's year and the one that closes it (`M02.start`,
    /// `M02.end`): across a merger, a unit's opening equals its predecessors' closings.
    opening: Option<Spanned<String>>,
    closing: Option<Spanned<String>>,
}

/// `[plausibility]`: figures compared with last year (`FORM.row` or `FORM.row[column]`; the
/// column by default the form's first count column), the Hidiroglou–Berthelot parameters, and
/// the figures whose non-zero value says the year had changes (`flows`).
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(super) struct PlausibilityDef {
    #[serde(default)]
    figures: Vec<Spanned<String>>,
    #[serde(default)]
    flows: Vec<Spanned<String>>,
    u: Option<Spanned<f64>>,
    a: Option<Spanned<f64>>,
    c: Option<Spanned<f64>>,
    min_units: Option<Spanned<usize>>,
    min_change: Option<Spanned<f64>>,
    min_figures: Option<Spanned<usize>>,
    /// Shares judged against last year: `"M01.of.women / M01.total"`.
    #[serde(default)]
    shares: Vec<Spanned<String>>,
    max_share_move: Option<Spanned<f64>>,
    min_share_base: Option<Spanned<f64>>,
}

/// The register's headings, as keys.
#[derive(Debug, Clone, Default)]
pub struct RegisterHeadings {
    pub code: Vec<String>,
    pub name: Vec<String>,
    pub parent: Vec<String>,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub predecessors: Vec<String>,
    pub shares: Vec<String>,
    /// The opening and closing figures compared across a merger (both, or neither).
    pub opening: Option<FigureRef>,
    pub closing: Option<FigureRef>,
}

impl RegisterHeadings {
    /// Whether the pack describes a register at all.
    pub fn given(&self) -> bool {
        !self.code.is_empty()
    }
}

/// One figure of a form: (form, row, column) indices, and how it is named (`M01.total`).
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRef {
    pub form: usize,
    pub row: usize,
    pub col: usize,
    pub name: String,
}

/// How figures are judged against last year ([`crate::history`]).
#[derive(Debug, Clone)]
pub struct Plausibility {
    pub figures: Vec<FigureRef>,
    pub flows: Vec<FigureRef>,
    /// Hidiroglou–Berthelot: the weight of a unit's size (0 ≤ U ≤ 1).
    pub u: f64,
    /// Hidiroglou–Berthelot: the least spread, as a share of the median score.
    pub a: f64,
    /// Hidiroglou–Berthelot: how many spreads from the median a score must lie to be said.
    pub c: f64,
    /// Fewest units with a figure in both years for its ratios to be scored.
    pub min_units: usize,
    /// A ratio within this share of the median ratio (either way: 0.25 is from ÷ 1.25 to
    /// × 1.25) is never said, however its score: in a run of few units the spread of the
    /// scores can be tiny.
    pub min_change: f64,
    /// Fewest figures two workbooks must share, not all zero, to be called copies.
    pub min_figures: usize,
    /// Shares judged against last year: (part, base), named `part / base`.
    pub shares: Vec<Share>,
    /// Most a share may move from last year (0.10: ten percentage points) before it is said.
    pub max_share_move: f64,
    /// Smallest base, both years, for a share's move to be judged: in a small unit one
    /// member moves a share by many points.
    pub min_share_base: f64,
}

/// A share judged against last year: a figure over its base (`M01.of.women / M01.total`).
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub part: FigureRef,
    pub base: FigureRef,
    pub name: String,
}

impl Default for Plausibility {
    /// univOutl's `HBmethod` defaults.
    fn default() -> Self {
        Plausibility {
            figures: Vec::new(),
            flows: Vec::new(),
            u: 0.5,
            a: 0.05,
            c: 4.0,
            min_units: 10,
            min_change: 0.25,
            min_figures: 20,
            shares: Vec::new(),
            max_share_move: 0.10,
            min_share_base: 30.0,
        }
    }
}

/// Whether a later file's table is set aside (the same as the first's), taken in place of the
/// first (the first is the built-in pack's: your own copy replaces it, as a form of the same id
/// does), or a problem (two files of yours give it differently).
enum Second {
    Same,
    Replaces,
    Conflict,
}

fn second<T: PartialEq>(first: (usize, &T), later: (usize, &T), sources: &[Source]) -> Second {
    let built_in = |si: usize| sources[si].name.ends_with(super::BUILT_IN);
    if first.1 == later.1 {
        Second::Same
    } else if built_in(first.0) && !built_in(later.0) {
        Second::Replaces
    } else {
        Second::Conflict
    }
}

/// The settings of every file's `[register]` and `[plausibility]`: each given in one file only
/// (or the same in several; a file of yours replaces the built-in pack's).
pub(super) fn compile_units(
    sources: &[Source],
    parsed: &[(usize, super::RuleFileDef)],
    forms: &[super::Form],
    folding: Folding,
    problems: &mut std::collections::BTreeMap<usize, Vec<super::RuleProblem>>,
) -> (RegisterHeadings, Plausibility) {
    let mut register = RegisterHeadings::default();
    let mut plaus = Plausibility::default();
    let mut register_from: Option<(usize, &RegisterDef)> = None;
    let mut plaus_from: Option<(usize, &PlausibilityDef)> = None;
    for (si, def) in parsed {
        let src = &sources[*si];
        let mut p = Problems::new(src);
        if let Some(r) = &def.register {
            if taken(register_from, (*si, r), "[register]", sources, &mut p) {
                register_from = Some((*si, r));
                register = register_headings(r, forms, folding, &mut p);
            }
        }
        if let Some(d) = &def.plausibility {
            if taken(plaus_from, (*si, d), "[plausibility]", sources, &mut p) {
                plaus_from = Some((*si, d));
                plaus = plausibility(d, forms, &mut p);
            }
        }
        if !p.list.is_empty() {
            problems.entry(*si).or_default().extend(p.list);
        }
    }
    (register, plaus)
}

/// Whether a file's `table` (`later`, in file `later.0`) is taken: when none was given
/// before (`first`), or it replaces the built-in pack's; a problem in `p` when two files of
/// yours give it differently.
fn taken<T: PartialEq>(
    first: Option<(usize, &T)>,
    later: (usize, &T),
    table: &str,
    sources: &[Source],
    p: &mut Problems<'_>,
) -> bool {
    let Some(first) = first else {
        return true;
    };
    match second(first, later, sources) {
        Second::Same => false,
        Second::Replaces => true,
        Second::Conflict => {
            p.add(
                0..0,
                format!("{table} is given differently in two rule files"),
                "this file",
                Some(format!(
                    "it is given in {} already; give it once",
                    sources[first.0].name
                )),
            );
            false
        }
    }
}

/// The register's headings of a `[register]` table (as label keys), and its opening and
/// closing figures; problems in `p` when only one figure, or no code or name heading, is
/// given.
fn register_headings(
    r: &RegisterDef,
    forms: &[super::Form],
    folding: Folding,
    p: &mut Problems<'_>,
) -> RegisterHeadings {
    let keys = |v: &[String]| -> Vec<String> { v.iter().map(|t| label_key(t, folding)).collect() };
    let register = RegisterHeadings {
        code: keys(&r.code),
        name: keys(&r.name),
        parent: keys(&r.parent),
        from: keys(&r.from),
        to: keys(&r.to),
        predecessors: keys(&r.predecessors),
        shares: keys(&r.shares),
        opening: r.opening.as_ref().and_then(|f| figure(f, forms, p)),
        closing: r.closing.as_ref().and_then(|f| figure(f, forms, p)),
    };
    if register.opening.is_some() != register.closing.is_some() {
        p.add(
            0..0,
            "[register] gives `opening` without `closing`, or `closing` without `opening`",
            "this file",
            Some("give both figures (e.g. opening = \"M02.start\", closing = \"M02.end\"), or neither".into()),
        );
    }
    if register.code.is_empty() || register.name.is_empty() {
        p.add(
            0..0,
            "[register] needs the headings of the code and name columns",
            "this file",
            Some("e.g. code = [\"Unit code\"], name = [\"Unit name\"]".into()),
        );
    }
    register
}

/// The settings of a `[plausibility]` table: its figures, flows and shares resolved, its
/// numbers where in range (a problem in `p` for each out of range).
fn plausibility(d: &PlausibilityDef, forms: &[super::Form], p: &mut Problems<'_>) -> Plausibility {
    let mut plaus = Plausibility {
        figures: d
            .figures
            .iter()
            .filter_map(|f| figure(f, forms, p))
            .collect(),
        flows: d.flows.iter().filter_map(|f| figure(f, forms, p)).collect(),
        ..Plausibility::default()
    };
    let mut number = |v: &Option<Spanned<f64>>, lo: f64, hi: f64, slot: &mut f64, key: &str| {
        if let Some(v) = v {
            let x = *v.get_ref();
            if x.is_finite() && x >= lo && x <= hi {
                *slot = x;
            } else {
                p.add(
                    v.span(),
                    format!("`{key}` must lie between {lo} and {hi}"),
                    "out of range",
                    None,
                );
            }
        }
    };
    number(&d.u, 0.0, 1.0, &mut plaus.u, "u");
    number(&d.a, 0.0, 1.0, &mut plaus.a, "a");
    number(&d.c, 0.5, 1000.0, &mut plaus.c, "c");
    number(
        &d.min_change,
        0.0,
        100.0,
        &mut plaus.min_change,
        "min_change",
    );
    number(
        &d.max_share_move,
        0.0,
        1.0,
        &mut plaus.max_share_move,
        "max_share_move",
    );
    number(
        &d.min_share_base,
        0.0,
        1e12,
        &mut plaus.min_share_base,
        "min_share_base",
    );
    plaus.shares = d.shares.iter().filter_map(|t| share(t, forms, p)).collect();
    if let Some(m) = &d.min_units {
        plaus.min_units = (*m.get_ref()).max(3);
    }
    if let Some(m) = &d.min_figures {
        plaus.min_figures = (*m.get_ref()).max(1);
    }
    plaus
}

/// A share of `[plausibility]`, `FORM.row / FORM.row` (a figure over its base), resolved;
/// None with a problem in `p` when it is not so written or a side does not resolve.
fn share(t: &Spanned<String>, forms: &[super::Form], p: &mut Problems<'_>) -> Option<Share> {
    let Some((part, base)) = t.get_ref().split_once('/') else {
        p.add(
            t.span(),
            "a share is written `FORM.row / FORM.row` (a figure over its base)",
            "no `/`",
            None,
        );
        return None;
    };
    // Each side resolved as a figure, its problems pointing at the share.
    let side = |x: &str| Spanned::new(t.span(), x.trim().to_string());
    let part = figure(&side(part), forms, p);
    let base = figure(&side(base), forms, p);
    Some(Share {
        name: format!("{} / {}", part.as_ref()?.name, base.as_ref()?.name),
        part: part?,
        base: base?,
    })
}

/// `FORM.row` or `FORM.row[column]` resolved, or a problem.
fn figure(
    text: &Spanned<String>,
    forms: &[super::Form],
    p: &mut Problems<'_>,
) -> Option<FigureRef> {
    let t = text.get_ref().trim();
    let (path, col) = match t.strip_suffix(']').and_then(|s| s.split_once('[')) {
        Some((path, col)) => (path, Some(col.trim())),
        None => (t, None),
    };
    let Some((form_id, row_id)) = path.split_once('.') else {
        p.add(
            text.span(),
            "a figure is written `FORM.row` or `FORM.row[column]`",
            "here",
            None,
        );
        return None;
    };
    let Some((fi, form)) = forms.iter().enumerate().find(|(_, f)| f.id == form_id) else {
        p.add(
            text.span(),
            format!("no form is called `{form_id}`"),
            "unknown form",
            did_you_mean(form_id, forms.iter().map(|f| f.id.as_str())),
        );
        return None;
    };
    let Some(row) = form.rows.iter().position(|r| r.id == row_id) else {
        p.add(
            text.span(),
            format!("form {form_id} has no row `{row_id}`"),
            "unknown row",
            did_you_mean(row_id, form.rows.iter().map(|r| r.id.as_str())),
        );
        return None;
    };
    let col = match col {
        Some(c) => form.columns.iter().position(|x| x.id == c),
        None => form.columns.iter().position(|x| x.kind == Kind::Count),
    };
    let Some(col) = col else {
        p.add(
            text.span(),
            format!("form {form_id} has no such column (a count column is needed)"),
            "unknown column",
            None,
        );
        return None;
    };
    Some(FigureRef {
        form: fi,
        row,
        col,
        name: t.to_string(),
    })
}

impl Pack {
    /// Whether the pack can read a register of units (`--units`).
    pub fn reads_register(&self) -> bool {
        self.register.given()
    }
}
