//! `crossfoot rules lint`: what a pack's checks say together, before any workbook is read.
//!
//! Why: a rule author writes checks one by one; nothing tells them that two contradict each
//! other (every workbook would fail one), that one follows from others (it only ever fails
//! beside them, a second finding for one slip), that together they leave a figure one value,
//! or that one holds whatever the figures. All four are questions about the linear
//! constraints the checks are, and they are asked **under the tolerance crossfoot applies**:
//! a check's own `tolerance`, the rounding of percentages as shown, counts whole and ≥ 0.
//!
//! The constraints are the ones error localisation uses ([`crate::check::eval::check_shapes`],
//! [`Shape::Linear`]), built on a stand-in workbook in which every figure of every form is
//! present (each form on a sheet of its own, row by row, column by column); a question is a
//! feasibility question, decided by Fourier–Motzkin elimination as [`crate::explain::localise`] does,
//! over as many figures as a group of connected checks reads (hence a routine of its own:
//! localisation eliminates over at most six). Each answer carries the checks it was derived
//! from: the message names them.
//!
//! Assumed, and said in the README: percentages are shown with one decimal (half a unit of
//! rounding each); counts are whole numbers ≥ 0 (the ≥ 0 in every elimination; whole numbers
//! by the common divisor of one equality's coefficients, and in the bounds of one figure: a
//! system whose real solutions are all fractions is not found otherwise). Left out: checks that
//! are not linear (percentages of a base, conditions), checks with `when` (whose condition is
//! only asked whether any figures satisfy it), checks with a relative tolerance (not linear),
//! checks that read other workbooks. A question whose elimination grows past its bound is not
//! decided, and said so.

use crate::check::eval::{check_shapes, FormValues, Num, Read, Shape};
use crate::check::locate::FormInstance;
use crate::model::CellRef;
use crate::registry::Lang;
use crate::registry::TextId;
use crate::rules::expr::{BinOp, CmpOp, Func, LogicOp};
use crate::rules::{CExpr, FieldRef, Kind, Pack, Tolerance};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The decimals percentages are assumed to be shown with.
pub const PERCENT_DECIMALS: u8 = 1;
/// Rows an elimination may hold at once.
const ROW_BUDGET: usize = 20_000;
/// The sheet row of the stand-in workbook's single cells (below every form row).
const CELL_ROW: u32 = 1_000_000;
/// A tolerance at most this is an exact equality.
const EXACT: f64 = 1e-6;

/// The kind of a lint message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Code {
    Contradiction,
    Redundant,
    Fixed,
    NeverFails,
    NotWhole,
    NeverApplies,
}

impl Code {
    /// The stable code: `lint.contradiction`, …
    pub fn id(self) -> &'static str {
        self.text().id()
    }

    /// Its message's text.
    pub fn text(self) -> TextId {
        match self {
            Code::Contradiction => TextId::LintContradiction,
            Code::Redundant => TextId::LintRedundant,
            Code::Fixed => TextId::LintFixed,
            Code::NeverFails => TextId::LintNeverFails,
            Code::NotWhole => TextId::LintNotWhole,
            Code::NeverApplies => TextId::LintNeverApplies,
        }
    }
}

/// One message of the lint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LintMessage {
    pub code: &'static str,
    /// The form of the checks (the first check's).
    pub form: String,
    /// The checks involved: the one the message is about first.
    pub checks: Vec<String>,
    pub text: String,
    pub hint: String,
    /// The pack's reason, when a check involved explains this code (`[check.lint]`).
    pub explained: Option<String>,
}

/// What the lint of a pack gave.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Lint {
    pub messages: Vec<LintMessage>,
    /// Checks (by id) read as linear constraints.
    pub linear: usize,
    /// Checks (by id) left out: not linear, conditional, relative tolerance, other workbooks.
    pub left_out: usize,
    /// Checks for which a question was not decided (the elimination's bound).
    pub undecided: Vec<String>,
}

impl Lint {
    /// Messages not explained in the pack.
    pub fn unexplained(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.explained.is_none())
            .count()
    }

    /// The messages as text, one block each, and a last line counting them.
    pub fn render(&self, lang: Lang) -> String {
        let t =
            |id: TextId, params: &[(&str, &str)]| crate::messages::engine(None, lang, id, params);
        let mut out = String::new();
        for m in &self.messages {
            let mark = if m.explained.is_some() { "·" } else { "×" };
            out.push_str(&format!("{mark} {} {}\n", m.code, m.text));
            out.push_str(&format!(
                "  {}: {}\n",
                crate::registry::DiagWords::of(lang).lint_hint,
                m.hint
            ));
            if let Some(why) = &m.explained {
                out.push_str(&format!(
                    "  {}\n",
                    t(TextId::LintExplained, &[("reason", why)])
                ));
            }
        }
        if !self.undecided.is_empty() {
            out.push_str(&format!(
                "? {}\n",
                t(
                    TextId::LintUndecided,
                    &[("checks", &self.undecided.join(", "))]
                )
            ));
        }
        let explained = self.messages.len() - self.unexplained();
        out.push_str(&t(
            TextId::LintSummary,
            &[
                ("checks", &self.linear.to_string()),
                ("messages", &self.unexplained().to_string()),
                ("explained", &explained.to_string()),
                ("left", &self.left_out.to_string()),
            ],
        ));
        out.push('\n');
        out
    }
}

/// One application of a check as a linear constraint: `Σ terms + constant  op  0` within `tol`.
#[derive(Debug, Clone)]
struct Con {
    /// (form, check id)
    check: (usize, String),
    name: String,
    terms: Vec<(usize, f64)>,
    constant: f64,
    op: CmpOp,
    tol: f64,
}

impl Con {
    /// The constraint as rows `a·x ≤ b` (or one `a·x = b` when exact).
    fn rows(&self, me: usize) -> Vec<Row> {
        let a: Vec<(usize, f64)> = self.terms.clone();
        let neg: Vec<(usize, f64)> = a.iter().map(|(v, c)| (*v, -c)).collect();
        let row = |a: Vec<(usize, f64)>, b: f64, eq: bool| Row {
            a: a.into_iter().collect(),
            b,
            eq,
            from: vec![me],
        };
        match self.op {
            CmpOp::Eq if self.tol <= EXACT => vec![row(a, -self.constant, true)],
            CmpOp::Eq => vec![
                row(a, self.tol - self.constant, false),
                row(neg, self.tol + self.constant, false),
            ],
            CmpOp::Le | CmpOp::Lt => vec![row(a, self.tol - self.constant, false)],
            CmpOp::Ge | CmpOp::Gt => vec![row(neg, self.tol + self.constant, false)],
            CmpOp::Ne => vec![],
        }
    }

    /// The ways the check fails, each a row: `a·x ≥ b + δ` for each side `a·x ≤ b`.
    fn violations(&self, me: usize) -> Vec<Row> {
        self.rows(me)
            .into_iter()
            .flat_map(|r| {
                let flip = |r: &Row, sign: f64| {
                    let delta = 1e-6 * r.b.abs().max(1.0);
                    Row {
                        a: r.a.iter().map(|(v, c)| (*v, -sign * c)).collect(),
                        b: -sign * r.b - delta,
                        eq: false,
                        from: vec![me],
                    }
                };
                if r.eq {
                    vec![flip(&r, 1.0), flip(&r, -1.0)]
                } else {
                    vec![flip(&r, 1.0)]
                }
            })
            .collect()
    }
}

/// A row over the figures: `Σ a·x ≤ b` (`= b` when `eq`), from these constraints.
#[derive(Debug, Clone)]
struct Row {
    a: BTreeMap<usize, f64>,
    b: f64,
    eq: bool,
    from: Vec<usize>,
}

/// The outcome of an elimination.
enum Elim {
    /// No solution: the constraints that show it.
    Infeasible(Vec<usize>),
    /// Solutions: the rows left (over the kept figure only).
    Feasible(Vec<Row>),
    /// The bound was reached.
    Undecided,
}

const TINY: f64 = 1e-12;

fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut v: Vec<usize> = a.iter().chain(b).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Eliminates every figure but `keep` (equalities substituted, then Fourier–Motzkin, the
/// figure with the fewest new rows first).
fn eliminate(mut rows: Vec<Row>, keep: Option<usize>) -> Elim {
    loop {
        // Rows left without figures: each must hold as it is.
        let mut kept = Vec::with_capacity(rows.len());
        for mut r in rows {
            r.a.retain(|_, c| c.abs() > TINY);
            if r.a.is_empty() {
                let eps = 1e-7 * r.b.abs().max(1.0);
                let bad = if r.eq { r.b.abs() > eps } else { r.b < -eps };
                if bad {
                    return Elim::Infeasible(r.from);
                }
                continue;
            }
            kept.push(r);
        }
        rows = kept;
        let vars: BTreeSet<usize> = rows
            .iter()
            .flat_map(|r| r.a.keys().copied())
            .filter(|v| Some(*v) != keep)
            .collect();
        if vars.is_empty() {
            return Elim::Feasible(rows);
        }
        // An equality: substituted.
        if let Some(pi) = rows
            .iter()
            .position(|r| r.eq && r.a.keys().any(|v| Some(*v) != keep))
        {
            let p = rows.swap_remove(pi);
            let Some((&e, &pe)) = p.a.iter().find(|(v, _)| Some(**v) != keep) else {
                continue;
            };
            for r in &mut rows {
                let Some(&re) = r.a.get(&e) else { continue };
                let m = re / pe;
                for (v, c) in &p.a {
                    *r.a.entry(*v).or_insert(0.0) -= m * c;
                }
                r.a.remove(&e);
                r.b -= m * p.b;
                r.from = union(&r.from, &p.from);
            }
            continue;
        }
        // Fourier–Motzkin on the figure that makes the fewest rows.
        let cost = |e: usize| {
            let pos = rows
                .iter()
                .filter(|r| r.a.get(&e).is_some_and(|c| *c > 0.0))
                .count();
            let neg = rows
                .iter()
                .filter(|r| r.a.get(&e).is_some_and(|c| *c < 0.0))
                .count();
            pos * neg
        };
        let Some(e) = vars.iter().copied().min_by_key(|e| cost(*e)) else {
            return Elim::Feasible(rows);
        };
        let (mut pos, mut neg, mut zero) = (vec![], vec![], vec![]);
        for r in rows {
            match r.a.get(&e) {
                Some(c) if *c > 0.0 => pos.push(r),
                Some(c) if *c < 0.0 => neg.push(r),
                _ => zero.push(r),
            }
        }
        if pos.len() * neg.len() + zero.len() > ROW_BUDGET {
            return Elim::Undecided;
        }
        for p in &pos {
            for n in &neg {
                let (sp, sn) = (1.0 / p.a[&e], -1.0 / n.a[&e]);
                let mut a: BTreeMap<usize, f64> = BTreeMap::new();
                for (v, c) in &p.a {
                    *a.entry(*v).or_insert(0.0) += c * sp;
                }
                for (v, c) in &n.a {
                    *a.entry(*v).or_insert(0.0) += c * sn;
                }
                a.remove(&e);
                zero.push(Row {
                    a,
                    b: p.b * sp + n.b * sn,
                    eq: false,
                    from: union(&p.from, &n.from),
                });
            }
        }
        rows = zero;
    }
}

/// Whether an expression reads records (`records[col]`, `prev[col]`): the stand-in workbook
/// has none, so what it says of them is not what a workbook would say.
fn reads_records(e: &CExpr) -> bool {
    match e {
        CExpr::Num(_) => false,
        CExpr::Field(f) => matches!(f, FieldRef::Records { .. } | FieldRef::Prev { .. }),
        CExpr::Neg(x) | CExpr::Not(x) => reads_records(x),
        CExpr::Binary(_, a, b) | CExpr::Compare(_, a, b) | CExpr::Logic(_, a, b) => {
            reads_records(a) || reads_records(b)
        }
        CExpr::Call(_, args) => args.iter().any(reads_records),
    }
}

/// The fewest of `premises` (a certificate found by elimination) that still make `goal`
/// infeasible, one left out at a time: what a message names.
fn smallest(
    premises: &[usize],
    rows_of: &dyn Fn(&[usize]) -> Vec<Row>,
    goal: &[Row],
) -> Vec<usize> {
    let mut kept: Vec<usize> = premises.to_vec();
    for p in premises {
        let without: Vec<usize> = kept.iter().copied().filter(|k| k != p).collect();
        let mut rows = rows_of(&without);
        rows.extend(goal.iter().cloned());
        if let Elim::Infeasible(_) = eliminate(rows, None) {
            kept = without;
        }
    }
    kept
}

/// A linear form over the stand-in's figures (terms, constant), when the expression is one:
/// single figures (a row in a column, `$` at `current`, a cell), `sum` of rows, `+ - `, and
/// `* /` by a number.
fn lin_of(
    e: &CExpr,
    fi: usize,
    current: Option<usize>,
    var_at: &HashMap<(usize, CellRef), usize>,
) -> Option<(BTreeMap<usize, f64>, f64)> {
    let scale = |(mut t, c): (BTreeMap<usize, f64>, f64), k: f64| {
        t.values_mut().for_each(|x| *x *= k);
        (t, c * k)
    };
    let add = |(mut t, c): (BTreeMap<usize, f64>, f64), (u, d): (BTreeMap<usize, f64>, f64)| {
        for (v, x) in u {
            *t.entry(v).or_insert(0.0) += x;
        }
        (t, c + d)
    };
    let figure = |at: (usize, CellRef)| -> Option<(BTreeMap<usize, f64>, f64)> {
        let v = *var_at.get(&at)?;
        Some(([(v, 1.0)].into_iter().collect(), 0.0))
    };
    match e {
        CExpr::Num(n) => Some((BTreeMap::new(), *n)),
        CExpr::Field(FieldRef::Rows {
            form, rows, col, ..
        }) if rows.len() == 1 => figure((*form, CellRef::new(rows[0] as u32, *col as u32))),
        CExpr::Field(FieldRef::Current { col }) => {
            figure((fi, CellRef::new(current? as u32, *col as u32)))
        }
        CExpr::Field(FieldRef::Cell { form, cell }) => {
            figure((*form, CellRef::new(CELL_ROW + *cell as u32, 0)))
        }
        CExpr::Neg(x) => Some(scale(lin_of(x, fi, current, var_at)?, -1.0)),
        CExpr::Binary(op, a, b) => {
            let (a, b) = (
                lin_of(a, fi, current, var_at)?,
                lin_of(b, fi, current, var_at)?,
            );
            match op {
                BinOp::Add => Some(add(a, b)),
                BinOp::Sub => Some(add(a, scale(b, -1.0))),
                BinOp::Mul if a.0.is_empty() => Some(scale(b, a.1)),
                BinOp::Mul if b.0.is_empty() => Some(scale(a, b.1)),
                BinOp::Div if b.0.is_empty() && b.1 != 0.0 => Some(scale(a, 1.0 / b.1)),
                _ => None,
            }
        }
        CExpr::Call(Func::Sum, args) => {
            let mut out = (BTreeMap::new(), 0.0);
            for a in args {
                let part = match a {
                    CExpr::Field(FieldRef::Rows {
                        form, rows, col, ..
                    }) => {
                        let mut t = (BTreeMap::new(), 0.0);
                        for r in rows {
                            t = add(t, figure((*form, CellRef::new(*r as u32, *col as u32)))?);
                        }
                        t
                    }
                    other => lin_of(other, fi, current, var_at)?,
                };
                out = add(out, part);
            }
            Some(out)
        }
        _ => None,
    }
}

/// A condition as rows `a·x ≤ b` over the stand-in's figures, when it is a comparison of
/// linear forms or a conjunction of such (`not` of a comparison flips it); within `tol`.
fn condition_rows(
    e: &CExpr,
    fi: usize,
    current: Option<usize>,
    var_at: &HashMap<(usize, CellRef), usize>,
    tol: f64,
) -> Option<Vec<Row>> {
    let compare = |op: CmpOp, a: &CExpr, b: &CExpr| -> Option<Vec<Row>> {
        let (ta, ca) = lin_of(a, fi, current, var_at)?;
        let (tb, cb) = lin_of(b, fi, current, var_at)?;
        let mut d = ta;
        for (v, x) in tb {
            *d.entry(v).or_insert(0.0) -= x;
        }
        let c = ca - cb;
        let neg: BTreeMap<usize, f64> = d.iter().map(|(v, x)| (*v, -x)).collect();
        let delta = 1e-6 * c.abs().max(1.0);
        let row = |a: BTreeMap<usize, f64>, b: f64| Row {
            a,
            b,
            eq: false,
            from: vec![],
        };
        // d + c  op  0, within tol.
        Some(match op {
            CmpOp::Le => vec![row(d, tol - c)],
            CmpOp::Lt => vec![row(d, tol - c - delta)],
            CmpOp::Ge => vec![row(neg, tol + c)],
            CmpOp::Gt => vec![row(neg, tol + c - delta)],
            CmpOp::Eq => vec![row(d, tol - c), row(neg, tol + c)],
            CmpOp::Ne => return None,
        })
    };
    match e {
        CExpr::Compare(op, a, b) => compare(*op, a, b),
        CExpr::Not(x) => match x.as_ref() {
            CExpr::Compare(op, a, b) => {
                let flipped = match op {
                    CmpOp::Le => CmpOp::Gt,
                    CmpOp::Lt => CmpOp::Ge,
                    CmpOp::Ge => CmpOp::Lt,
                    CmpOp::Gt => CmpOp::Le,
                    CmpOp::Eq | CmpOp::Ne => return None,
                };
                compare(flipped, a, b)
            }
            _ => None,
        },
        CExpr::Logic(LogicOp::And, a, b) => {
            let mut rows = condition_rows(a, fi, current, var_at, tol)?;
            rows.extend(condition_rows(b, fi, current, var_at, tol)?);
            Some(rows)
        }
        _ => None,
    }
}

/// Whether `Σ terms + constant = 0` within `tol` has a solution in whole numbers, by the
/// greatest common divisor of the coefficients (scaled to whole numbers): `Σ a·x` is always a
/// multiple of it. None when the coefficients are not decimal fractions of a few places.
fn whole_solution(terms: &[(usize, f64)], constant: f64, tol: f64) -> Option<bool> {
    fn gcd(a: i64, b: i64) -> i64 {
        if b == 0 {
            a.abs()
        } else {
            gcd(b, a % b)
        }
    }
    let scale = [1.0, 10.0, 100.0, 1000.0, 10_000.0].into_iter().find(|s| {
        terms
            .iter()
            .all(|(_, c)| ((c * s).round() - c * s).abs() < 1e-9 && (c * s).abs() < 1e12)
    })?;
    let g = terms
        .iter()
        .fold(0i64, |g, (_, c)| gcd(g, (c * scale).round() as i64));
    if g == 0 {
        return None;
    }
    let g = g as f64;
    let (lo, hi) = ((-constant - tol) * scale, (-constant + tol) * scale);
    let eps = 1e-7 * scale.max(1.0);
    Some(((hi + eps) / g).floor() >= ((lo - eps) / g).ceil())
}

/// A figure of the stand-in workbook.
struct Var {
    name: String,
    count: bool,
    percent: bool,
}

/// The lint of a pack.
pub fn lint(pack: &Pack) -> Lint {
    let lang = pack.settings.lang;
    let t = |id: TextId, params: &[(&str, &str)]| crate::messages::engine(None, lang, id, params);

    // The stand-in workbook: form i on sheet i, its row r and column c at (r, c).
    let sheets: Vec<String> = pack.forms.iter().map(|f| f.id.clone()).collect();
    let mut instances = Vec::new();
    let mut values = Vec::new();
    let mut vars: Vec<Var> = Vec::new();
    let mut var_at: HashMap<(usize, CellRef), usize> = HashMap::new();
    for (fi, form) in pack.forms.iter().enumerate() {
        let n = form.rows.len();
        let mut inst = FormInstance::unread(form, fi, fi);
        inst.rows = (0..n as u32).map(Some).collect();
        inst.cols = (0..form.columns.len() as u32).map(Some).collect();
        inst.cells = (0..form.cells.len() as u32)
            .map(|k| Some((fi, CellRef::new(CELL_ROW + k, 0))))
            .collect();
        instances.push(inst);
        let num = |kind: Kind| -> Option<Num> {
            match kind {
                Kind::Count => Some(Num {
                    v: 1.0,
                    slack: 0.0,
                    decimals: 0,
                    exact: crate::check::eval::Exact::default(),
                }),
                Kind::Percent => Some(Num {
                    v: 1.5,
                    slack: 0.5 * 10f64.powi(-i32::from(PERCENT_DECIMALS)),
                    decimals: PERCENT_DECIMALS,
                    exact: crate::check::eval::Exact::default(),
                }),
                Kind::Number => Some(Num {
                    v: 1.5,
                    slack: 0.0,
                    decimals: 1,
                    exact: crate::check::eval::Exact::default(),
                }),
                Kind::Text => None,
            }
        };
        let mut fv = FormValues::default();
        let wide = form.columns.len() > 1;
        for (ri, row) in form.rows.iter().enumerate() {
            for (ci, col) in form.columns.iter().enumerate() {
                let Some(v) = num(col.kind) else { continue };
                let at = CellRef::new(ri as u32, ci as u32);
                fv.grid.insert((ri, ci), (Read::Num(v), (fi, at)));
                var_at.insert((fi, at), vars.len());
                vars.push(Var {
                    name: if wide {
                        format!("{}.{}[{}]", form.id, row.id, col.id)
                    } else {
                        format!("{}.{}", form.id, row.id)
                    },
                    count: col.kind == Kind::Count,
                    percent: col.kind == Kind::Percent,
                });
            }
        }
        for (k, cell) in form.cells.iter().enumerate() {
            let at = CellRef::new(CELL_ROW + k as u32, 0);
            let v = num(cell.kind);
            fv.cells.push(v.map(|v| (Read::Num(v), (fi, at))));
            if v.is_some() {
                var_at.insert((fi, at), vars.len());
                vars.push(Var {
                    name: format!("{}.{}", form.id, cell.id),
                    count: cell.kind == Kind::Count,
                    percent: cell.kind == Kind::Percent,
                });
            }
        }
        values.push(fv);
    }
    let (shapes, _) = check_shapes(pack, &sheets, &instances, &values);

    // The checks as constraints: linear, unconditional, with an absolute tolerance.
    let mut cons: Vec<Con> = Vec::new();
    let mut per_check: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for s in &shapes {
        let Some(fi) = sheets.iter().position(|f| *f == s.sheet) else {
            continue;
        };
        let form = &pack.forms[fi];
        let Some(check) = form.checks.iter().find(|c| c.id == s.rule) else {
            continue;
        };
        if check.when.is_some()
            || matches!(check.tolerance, Tolerance::Relative(_))
            || reads_records(&check.expr)
        {
            continue;
        }
        let Shape::Linear {
            terms,
            constant,
            op,
            tol,
        } = &s.shape
        else {
            continue;
        };
        let mut merged: BTreeMap<usize, f64> = BTreeMap::new();
        let mut all_known = true;
        for (o, c) in terms {
            match var_at.get(o) {
                Some(v) => *merged.entry(*v).or_insert(0.0) += c,
                None => all_known = false,
            }
        }
        if !all_known || *op == CmpOp::Ne {
            continue;
        }
        // Where it is applied: its first figure (the current row of an `each` check, the
        // column of a `columns` check).
        let at = s
            .reads
            .first()
            .and_then(|o| var_at.get(o))
            .map(|v| vars[*v].name.clone())
            .unwrap_or_default();
        *per_check.entry((fi, s.rule.clone())).or_insert(0) += 1;
        cons.push(Con {
            check: (fi, s.rule.clone()),
            name: at,
            terms: merged.into_iter().filter(|(_, c)| c.abs() > TINY).collect(),
            constant: *constant,
            op: *op,
            tol: *tol,
        });
    }
    // A check applied once is named by its id; applied several times, with where.
    for c in &mut cons {
        c.name = if per_check.get(&c.check).copied().unwrap_or(0) > 1 {
            format!("{} ({})", c.check.1, c.name)
        } else {
            c.check.1.clone()
        };
    }
    let all_checks: BTreeSet<(usize, &str)> = pack
        .forms
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| f.checks.iter().map(move |c| (fi, c.id.as_str())))
        .collect();
    let mut out = Lint {
        linear: per_check.len(),
        left_out: all_checks.len().saturating_sub(per_check.len()),
        ..Lint::default()
    };

    // Checks whose condition no figures satisfy (counts ≥ 0): they never apply. A condition
    // that is no conjunction of linear comparisons is not decided.
    for (fi, form) in pack.forms.iter().enumerate() {
        for check in &form.checks {
            let Some(when) = &check.when else { continue };
            let tol = match check.tolerance {
                Tolerance::Absolute(t) => t,
                Tolerance::None => 0.0,
                Tolerance::Relative(_) => continue,
            };
            let at: Vec<Option<usize>> = match &check.each {
                None => vec![None],
                Some(crate::rules::Each::Rows(rows)) => rows.iter().map(|r| Some(*r)).collect(),
                Some(crate::rules::Each::Records) => continue,
            };
            let mut never = !at.is_empty();
            for current in at {
                let Some(mut rows) = condition_rows(when, fi, current, &var_at, tol) else {
                    never = false;
                    break;
                };
                let figures: BTreeSet<usize> =
                    rows.iter().flat_map(|r| r.a.keys().copied()).collect();
                // Percentages are rounded as shown: their conditions are not decided here.
                if figures.iter().any(|v| vars[*v].percent) {
                    never = false;
                    break;
                }
                rows.extend(figures.into_iter().filter(|v| vars[*v].count).map(|v| Row {
                    a: [(v, -1.0)].into_iter().collect(),
                    b: 0.0,
                    eq: false,
                    from: vec![],
                }));
                if !matches!(eliminate(rows, None), Elim::Infeasible(_)) {
                    never = false;
                    break;
                }
            }
            if never {
                out.messages.push(LintMessage {
                    code: Code::NeverApplies.id(),
                    form: form.id.clone(),
                    checks: vec![check.id.clone()],
                    text: t(TextId::LintNeverApplies, &[("check", &check.id)]),
                    hint: t(TextId::LintNeverAppliesHint, &[]),
                    explained: check.lint.get(Code::NeverApplies.id()).cloned(),
                });
            }
        }
    }

    // Checks whole numbers cannot satisfy: an equality over counts whose coefficients'
    // common divisor leaves no multiple within its tolerance (`2 * men == 7`).
    let mut said_whole: BTreeSet<(usize, String)> = BTreeSet::new();
    for c in &cons {
        if c.op != CmpOp::Eq
            || c.terms.is_empty()
            || !c.terms.iter().all(|(v, _)| vars[*v].count)
            || said_whole.contains(&c.check)
        {
            continue;
        }
        if whole_solution(&c.terms, c.constant, c.tol) == Some(false) {
            said_whole.insert(c.check.clone());
            let check = pack.forms[c.check.0]
                .checks
                .iter()
                .find(|x| x.id == c.check.1);
            out.messages.push(LintMessage {
                code: Code::NotWhole.id(),
                form: pack.forms[c.check.0].id.clone(),
                checks: vec![c.check.1.clone()],
                text: t(TextId::LintNotWhole, &[("checks", &c.name)]),
                hint: t(TextId::LintNotWholeHint, &[]),
                explained: check.and_then(|x| x.lint.get(Code::NotWhole.id()).cloned()),
            });
        }
    }

    // Groups of constraints that share figures.
    let mut parent: Vec<usize> = (0..vars.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for c in &cons {
        if let Some((first, _)) = c.terms.first() {
            for (v, _) in &c.terms {
                let (a, b) = (root(&mut parent, *first), root(&mut parent, *v));
                parent[a] = b;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, c) in cons.iter().enumerate() {
        match c.terms.first() {
            Some((v, _)) => groups.entry(root(&mut parent, *v)).or_default().push(i),
            // A check over constants only: a group of its own.
            None => groups.entry(usize::MAX - i).or_default().push(i),
        }
    }

    let check_of = |i: usize| {
        let (fi, id) = &cons[i].check;
        pack.forms[*fi].checks.iter().find(|c| c.id == *id)
    };
    let explained = |code: Code, involved: &[usize]| -> Option<String> {
        involved
            .iter()
            .find_map(|i| check_of(*i).and_then(|c| c.lint.get(code.id()).cloned()))
    };
    let names = |ids: &[usize]| -> Vec<String> {
        let mut seen = Vec::new();
        for i in ids {
            if !seen.contains(&cons[*i].name) {
                seen.push(cons[*i].name.clone());
            }
        }
        seen
    };
    let mut undecided: BTreeSet<String> = BTreeSet::new();
    let domain = |members: &[usize]| -> Vec<Row> {
        let figures: BTreeSet<usize> = members
            .iter()
            .flat_map(|i| cons[*i].terms.iter().map(|(v, _)| *v))
            .collect();
        figures
            .into_iter()
            .filter(|v| vars[*v].count)
            .map(|v| Row {
                a: [(v, -1.0)].into_iter().collect(),
                b: 0.0,
                eq: false,
                from: vec![],
            })
            .collect()
    };
    let rows_of = |members: &[usize]| -> Vec<Row> {
        members.iter().flat_map(|i| cons[*i].rows(*i)).collect()
    };

    for members in groups.values() {
        let form = pack.forms[cons[members[0]].check.0].id.clone();
        let mut system = rows_of(members);
        system.extend(domain(members));
        match eliminate(system, None) {
            Elim::Infeasible(from) => {
                let from = smallest(&from, &rows_of, &domain(members));
                let checks = names(&from);
                out.messages.push(LintMessage {
                    code: Code::Contradiction.id(),
                    form,
                    text: t(TextId::LintContradiction, &[("checks", &checks.join(", "))]),
                    hint: t(TextId::LintContradictionHint, &[]),
                    explained: explained(Code::Contradiction, &from),
                    checks,
                });
                // Anything follows from a contradiction: nothing more to say of the group.
                continue;
            }
            Elim::Undecided => {
                undecided.extend(names(members));
                continue;
            }
            Elim::Feasible(_) => {}
        }

        // Checks that hold whatever the figures.
        let mut active: Vec<usize> = Vec::new();
        for &c in members {
            let mut never = true;
            for v in cons[c].violations(c) {
                let mut rows = domain(&[c]);
                rows.push(v);
                match eliminate(rows, None) {
                    Elim::Infeasible(_) => {}
                    Elim::Feasible(_) => never = false,
                    Elim::Undecided => {
                        never = false;
                        undecided.insert(cons[c].name.clone());
                    }
                }
            }
            if never {
                out.messages.push(LintMessage {
                    code: Code::NeverFails.id(),
                    form: form.clone(),
                    checks: vec![cons[c].name.clone()],
                    text: t(TextId::LintNeverFails, &[("check", &cons[c].name)]),
                    hint: t(TextId::LintNeverFailsHint, &[]),
                    explained: explained(Code::NeverFails, &[c]),
                });
            } else {
                active.push(c);
            }
        }

        // Checks that follow from the others (the later of two alike is the one said).
        let mut redundant: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &c in active.clone().iter().rev() {
            let premises: Vec<usize> = active.iter().copied().filter(|p| *p != c).collect();
            let mut base = rows_of(&premises);
            base.extend(domain(members));
            let mut because: Vec<usize> = Vec::new();
            let mut follows = true;
            for v in cons[c].violations(c) {
                let mut rows = base.clone();
                rows.push(v);
                let goal: Vec<Row> = rows[base.len()..].to_vec();
                match eliminate(rows, None) {
                    Elim::Infeasible(from) => {
                        let mut goal = goal;
                        goal.extend(domain(members));
                        let from: Vec<usize> = from.into_iter().filter(|x| *x != c).collect();
                        because = union(&because, &smallest(&from, &rows_of, &goal));
                    }
                    Elim::Feasible(_) => {
                        follows = false;
                        break;
                    }
                    Elim::Undecided => {
                        follows = false;
                        undecided.insert(cons[c].name.clone());
                        break;
                    }
                }
            }
            if follows {
                because.retain(|x| *x != c);
                redundant.insert(c, because);
                active.retain(|x| *x != c);
            }
        }
        // A check every application of which follows: one message for the check.
        let mut by_check: BTreeMap<&(usize, String), Vec<usize>> = BTreeMap::new();
        for &c in members {
            by_check.entry(&cons[c].check).or_default().push(c);
        }
        let mut said: BTreeSet<usize> = BTreeSet::new();
        for (check, apps) in &by_check {
            if apps.len() > 1 && apps.iter().all(|a| redundant.contains_key(a)) {
                let because: Vec<usize> = apps
                    .iter()
                    .flat_map(|a| redundant[a].iter().copied())
                    .filter(|b| cons[*b].check != **check)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let subject = check.1.clone();
                let mut checks = vec![subject.clone()];
                checks.extend(names(&because));
                out.messages.push(LintMessage {
                    code: Code::Redundant.id(),
                    form: form.clone(),
                    text: t(
                        TextId::LintRedundant,
                        &[("check", &subject), ("checks", &names(&because).join(", "))],
                    ),
                    hint: t(TextId::LintRedundantHint, &[]),
                    explained: explained(Code::Redundant, &apps[..1]),
                    checks,
                });
                said.extend(apps.iter().copied());
            }
        }
        for (c, because) in &redundant {
            if said.contains(c) {
                continue;
            }
            let mut checks = vec![cons[*c].name.clone()];
            checks.extend(names(because));
            out.messages.push(LintMessage {
                code: Code::Redundant.id(),
                form: form.clone(),
                text: t(
                    TextId::LintRedundant,
                    &[
                        ("check", &cons[*c].name),
                        ("checks", &names(because).join(", ")),
                    ],
                ),
                hint: t(TextId::LintRedundantHint, &[]),
                explained: explained(Code::Redundant, &[*c]),
                checks,
            });
        }

        // Figures the checks leave one value.
        let mut system = rows_of(&active);
        system.extend(domain(members));
        let figures: BTreeSet<usize> = members
            .iter()
            .flat_map(|i| cons[*i].terms.iter().map(|(v, _)| *v))
            .collect();
        for v in figures {
            let rows = match eliminate(system.clone(), Some(v)) {
                Elim::Feasible(rows) => rows,
                Elim::Infeasible(_) => continue,
                Elim::Undecided => {
                    undecided.insert(vars[v].name.clone());
                    continue;
                }
            };
            let (mut lo, mut hi) = ((f64::NEG_INFINITY, vec![]), (f64::INFINITY, vec![]));
            for r in rows {
                let Some(&x) = r.a.get(&v) else { continue };
                let bound = r.b / x;
                if (r.eq || x > 0.0) && bound < hi.0 {
                    hi = (bound, r.from.clone());
                }
                if (r.eq || x < 0.0) && bound > lo.0 {
                    lo = (bound, r.from.clone());
                }
            }
            if !lo.0.is_finite() || !hi.0.is_finite() {
                continue;
            }
            let value = if vars[v].count {
                let (a, b) = ((lo.0 - 1e-9).ceil(), (hi.0 + 1e-9).floor());
                let from = union(&lo.1, &hi.1);
                let known = from.iter().all(|i| said_whole.contains(&cons[*i].check));
                if a > b && !known {
                    // Between its bounds lies no whole number: the checks need a count that
                    // is not whole.
                    let checks = names(&from);
                    out.messages.push(LintMessage {
                        code: Code::NotWhole.id(),
                        form: form.clone(),
                        text: t(TextId::LintNotWhole, &[("checks", &checks.join(", "))]),
                        hint: t(TextId::LintNotWholeHint, &[]),
                        explained: explained(Code::NotWhole, &from),
                        checks,
                    });
                    continue;
                }
                if a > b {
                    continue;
                }
                (a == b).then_some(a)
            } else {
                (hi.0 - lo.0 <= 1e-9 * lo.0.abs().max(1.0)).then_some(lo.0)
            };
            let Some(value) = value else { continue };
            let from = union(&lo.1, &hi.1);
            let checks = names(&from);
            let shown = crate::text::format_number(value, None, lang.locale());
            out.messages.push(LintMessage {
                code: Code::Fixed.id(),
                form: form.clone(),
                text: t(
                    TextId::LintFixed,
                    &[
                        ("figure", &vars[v].name),
                        ("value", &shown),
                        ("checks", &checks.join(", ")),
                    ],
                ),
                hint: t(TextId::LintFixedHint, &[]),
                explained: explained(Code::Fixed, &from),
                checks,
            });
        }
    }
    out.undecided = undecided.into_iter().collect();
    out.messages
        .sort_by(|a, b| (&a.form, a.code, &a.checks).cmp(&(&b.form, b.code, &b.checks)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{compile, Source};

    /// The lint of a form with rows total, a, b, c (counts) and the given checks.
    fn lint_of(checks: &str) -> Lint {
        let text = format!(
            r#"
[settings]
language = "en"

[form]
id = "F"
name = "F"
labels = ["Total"]

[[column]]
id = "n"
header = "N"

[[row]]
id = "total"
label = "Total"

[[row]]
id = "a"
label = "A"

[[row]]
id = "b"
label = "B"

[[row]]
id = "c"
label = "C"
{checks}"#
        );
        let pack = compile(&[Source {
            name: "f.toml".into(),
            text,
        }])
        .unwrap_or_else(|e| panic!("{e:?}"));
        lint(&pack)
    }

    fn check(id: &str, expr: &str, extra: &str) -> String {
        format!("\n[[check]]\nid = \"{id}\"\nexpr = \"{expr}\"\nmessage = \"m\"\n{extra}\n")
    }

    /// (code, checks) of each message.
    fn said(l: &Lint) -> Vec<(&str, Vec<&str>)> {
        l.messages
            .iter()
            .map(|m| (m.code, m.checks.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn checks_that_agree_say_nothing() {
        let l = lint_of(&(check("F.sum", "a + b + c == total", "") + &check("F.ab", "a <= b", "")));
        assert!(l.messages.is_empty(), "{:?}", l.messages);
        assert_eq!(l.linear, 2);
    }

    #[test]
    fn a_contradiction_names_its_checks() {
        let l = lint_of(
            &(check("F.sum", "a + b == total", "")
                + &check("F.more", "total >= a + b + 1", "")
                + &check("F.c", "c <= total", "")),
        );
        assert_eq!(
            said(&l),
            vec![("lint.contradiction", vec!["F.sum", "F.more"])]
        );
        assert!(l.messages[0].text.starts_with("no figures can satisfy"));
    }

    #[test]
    fn the_tolerance_can_lift_a_contradiction() {
        // total = a + b within 1 and total ≥ a + b + 1: total = a + b + 1 satisfies both.
        let l = lint_of(
            &(check("F.sum", "a + b == total", "tolerance = 1")
                + &check("F.more", "total >= a + b + 1", "")),
        );
        assert!(
            said(&l).iter().all(|(c, _)| *c != "lint.contradiction"),
            "{:?}",
            said(&l)
        );
    }

    #[test]
    fn a_check_that_follows_from_others_is_redundant() {
        let l =
            lint_of(&(check("F.sum", "a + b + c == total", "") + &check("F.a", "a <= total", "")));
        assert_eq!(said(&l), vec![("lint.redundant", vec!["F.a", "F.sum"])]);
        // Under a tolerance of 2 on the sum, a may exceed the total by 2: no longer implied.
        let l = lint_of(
            &(check("F.sum", "a + b + c == total", "tolerance = 2")
                + &check("F.a", "a <= total", "")),
        );
        assert!(l.messages.is_empty(), "{:?}", said(&l));
    }

    #[test]
    fn only_its_tolerance_makes_a_check_redundant() {
        // |a - b| ≤ 3 from the two limits: `a == b` follows only within a tolerance of 3.
        let limits = check("F.up", "a <= b + 3", "") + &check("F.down", "a >= b - 3", "");
        // Exact, it is the limits that follow from it.
        let exact = lint_of(&(limits.clone() + &check("F.eq", "a == b", "")));
        assert_eq!(
            said(&exact),
            vec![
                ("lint.redundant", vec!["F.down", "F.eq"]),
                ("lint.redundant", vec!["F.up", "F.eq"]),
            ]
        );
        let loose = lint_of(&(limits + &check("F.eq", "a == b", "tolerance = 3")));
        assert_eq!(
            said(&loose),
            vec![("lint.redundant", vec!["F.eq", "F.up", "F.down"])]
        );
    }

    #[test]
    fn a_figure_the_checks_fix() {
        let l = lint_of(&(check("F.zero", "a + b == 0", "") + &check("F.c", "c <= total", "")));
        assert_eq!(
            said(&l),
            vec![
                ("lint.fixed", vec!["F.zero"]),
                ("lint.fixed", vec!["F.zero"]),
            ]
        );
        assert!(
            l.messages[0].text.contains("F.a only one value, 0"),
            "{}",
            l.messages[0].text
        );
        // A count within half a unit of 3 can only be 3.
        let l = lint_of(&check("F.three", "a == 3", "tolerance = 0.5"));
        assert_eq!(said(&l), vec![("lint.fixed", vec!["F.three"])]);
        // Within 1 it may be 2, 3 or 4.
        let l = lint_of(&check("F.three", "a == 3", "tolerance = 1"));
        assert!(l.messages.is_empty(), "{:?}", said(&l));
    }

    #[test]
    fn a_check_that_never_fails() {
        let l = lint_of(
            &(check("F.pos", "total >= 0", "")
                + &check("F.same", "a + b == b + a", "")
                + &check("F.sum", "a + b == total", "")),
        );
        assert_eq!(
            said(&l),
            vec![
                ("lint.never-fails", vec!["F.pos"]),
                ("lint.never-fails", vec!["F.same"]),
            ]
        );
        // Only under its tolerance: a ≤ a + 0.5 + … is always true; a ≤ b is not.
        let l = lint_of(&check("F.near", "a <= a - 1", "tolerance = 1"));
        assert_eq!(said(&l), vec![("lint.never-fails", vec!["F.near"])]);
    }

    #[test]
    fn a_check_that_never_applies() {
        // A count is never below zero; two bounds that exclude each other.
        let l = lint_of(
            &(check("F.neg", "a == 0", "when = \"total < 0\"")
                + &check("F.gap", "a == 0", "when = \"a > 5 and a < 3\"")
                + &check("F.ok", "a == 0", "when = \"total > 0\"")),
        );
        assert_eq!(
            said(&l),
            vec![
                ("lint.never-applies", vec!["F.gap"]),
                ("lint.never-applies", vec!["F.neg"]),
            ]
        );
        // Only its tolerance lets it apply: a ≤ -1 within 1 holds at a = 0.
        let l = lint_of(&check(
            "F.near",
            "b == 0",
            "when = \"a <= -1\"\ntolerance = 1",
        ));
        assert!(l.messages.is_empty(), "{:?}", said(&l));
    }

    #[test]
    fn whole_numbers_no_check_can_be_satisfied_with() {
        // 2 men = 7: 3.5 over the reals, no whole number.
        let l = lint_of(&check("F.half", "2 * a == 7", ""));
        assert_eq!(said(&l), vec![("lint.not-whole", vec!["F.half"])]);
        // Within a tolerance of 1, 2 × 3 = 6 will do.
        let l = lint_of(&check("F.half", "2 * a == 7", "tolerance = 1"));
        assert!(l.messages.is_empty(), "{:?}", said(&l));
        // Two limits that leave a count only 3.5 (neither an equality).
        let l = lint_of(&(check("F.up", "2 * a <= 7", "") + &check("F.down", "2 * a >= 7", "")));
        assert_eq!(said(&l), vec![("lint.not-whole", vec!["F.up", "F.down"])]);
        // Shares as decimals: 0.335 of the total is whole at total = 200.
        let l = lint_of(&check("F.share", "a == total * 0.335", ""));
        assert!(l.messages.is_empty(), "{:?}", said(&l));
    }

    #[test]
    fn an_explained_message_is_shown_as_explained() {
        let l = lint_of(
            &(check("F.sum", "a + b + c == total", "")
                + &check("F.a", "a <= total", "lint.redundant = \"names the part\"")),
        );
        assert_eq!(l.unexplained(), 0);
        assert_eq!(l.messages[0].explained.as_deref(), Some("names the part"));
    }

    #[test]
    fn conditional_and_non_linear_checks_are_left_out() {
        let l = lint_of(
            &(check("F.when", "a == 0", "when = \"total > 0\"")
                + &check("F.ratio", "a == b / total * 100", "")
                + &check("F.rel", "a == 5", "tolerance = \"1%\"")),
        );
        assert!(l.messages.is_empty(), "{:?}", said(&l));
        assert_eq!((l.linear, l.left_out), (0, 3));
    }
}
