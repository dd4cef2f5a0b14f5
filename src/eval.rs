//! Reading the located figures and evaluating the checks on them.
//!
//! Every figure is read once: a count must be a whole number ≥ 0, a required figure must be
//! filled, text must be a number in the pack's locale; each problem is one finding, and a check
//! that reads a bad figure is not applied (its cause is already reported). Values carry the
//! rounding "slack" of what the cell shows, so a percentage shown with two decimals is compared
//! to half a unit of its last digit, and a sum of k such values to k halves.

use crate::finding::{CellLoc, Finding, Severity};
use crate::formula;
use crate::locate::{loc, FormInstance, Reporter};
use crate::model::{Cell, CellRef, Value, Workbook};
use crate::number::{parse_text_number, shown_decimals};
use crate::rules::expr::{BinOp, CmpOp, Func, LogicOp};
use crate::rules::{CExpr, Check, Empty, FieldRef, Kind, Pack};
use crate::text::{format_number, round_half_away};
use std::collections::HashMap;

/// A figure as read: its value, the rounding it may carry, and the decimals it shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num {
    pub v: f64,
    pub slack: f64,
    pub decimals: u8,
}

impl Num {
    fn exact(v: f64) -> Num {
        Num {
            v,
            slack: 0.0,
            decimals: shown_decimals(v).min(4),
        }
    }
}

/// The outcome of reading one figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Read {
    Num(Num),
    /// Empty where empty means "not given": checks reading it are not applied.
    NotGiven,
    /// Unreadable or missing; already reported.
    Bad,
}

/// Where a value was read: (sheet index, cell).
type Origin = (usize, CellRef);

/// The figures of one located form.
pub struct FormValues {
    /// (row index, column index) → figure.
    pub grid: HashMap<(usize, usize), (Read, Origin)>,
    pub cells: Vec<Option<(Read, Origin)>>,
}

/// Reads every figure of a located form, reporting the bad ones.
pub fn read_values(wb: &Workbook, inst: &FormInstance, rep: &mut Reporter<'_>) -> FormValues {
    let pack = rep.pack;
    let form = &pack.forms[inst.form];
    let sheet = &wb.sheets[inst.sheet];
    let mut grid = HashMap::new();
    for (ri, row) in form.rows.iter().enumerate() {
        let Some(r) = inst.rows[ri] else { continue };
        for (ci, col) in form.columns.iter().enumerate() {
            let Some(c) = inst.cols[ci] else { continue };
            let at = CellRef::new(r, c);
            let empty = if ci == 0 && row.required {
                Empty::Required
            } else {
                col.empty
            };
            let label = inst.row_labels[ri]
                .clone()
                .unwrap_or_else(|| row.label.clone());
            let read = read_cell(wb, inst.sheet, at, col.kind, empty, &label, rep);
            grid.insert((ri, ci), (read, (inst.sheet, at)));
        }
    }
    let mut cells = Vec::new();
    for (i, cf) in form.cells.iter().enumerate() {
        cells.push(inst.cells[i].map(|(si, at)| {
            (
                read_cell(wb, si, at, cf.kind, cf.empty, &cf.label, rep),
                (si, at),
            )
        }));
    }
    let _ = sheet;
    FormValues { grid, cells }
}

fn read_cell(
    wb: &Workbook,
    si: usize,
    at: CellRef,
    kind: Kind,
    empty: Empty,
    label: &str,
    rep: &mut Reporter<'_>,
) -> Read {
    let settings = &rep.pack.settings;
    let sheet = &wb.sheets[si];
    let cell: Option<&Cell> = sheet.get(at);
    let here = Some((si, sheet.name.as_str()));
    let cells = vec![loc(sheet, at)];
    let mut report = |rep: &mut Reporter<'_>, rule: &str, text: &str| {
        rep.engine(
            rule,
            Severity::Error,
            here,
            cells.clone(),
            Some(at),
            &[("label", label), ("text", text)],
        );
        Read::Bad
    };
    let on_empty =
        |rep: &mut Reporter<'_>, report: &mut dyn FnMut(&mut Reporter<'_>, &str, &str) -> Read| {
            match empty {
                Empty::Zero => Read::Num(Num {
                    v: 0.0,
                    slack: 0.0,
                    decimals: 0,
                }),
                Empty::Skip => Read::NotGiven,
                Empty::Required => report(rep, "value.required", ""),
            }
        };
    let (v, decimals, percent_scale) = match cell.map(|c| (&c.value, &c.formula, c.fmt)) {
        None | Some((Value::Empty, None, _)) => return on_empty(rep, &mut report),
        Some((Value::Empty, Some(f), fmt)) => match formula::evaluate(sheet, f) {
            Some(v) => (v, fmt.decimals, fmt.percent),
            None => return report(rep, "value.formula-not-stored", f),
        },
        Some((Value::Number(v), _, fmt)) => (*v, fmt.decimals, fmt.percent),
        Some((Value::Text(t), _, _)) => {
            let t = t.trim();
            if t.is_empty() {
                return on_empty(rep, &mut report);
            }
            if settings.dash_is_zero && matches!(t, "-" | "–" | "—" | "−") {
                return Read::Num(Num {
                    v: 0.0,
                    slack: 0.0,
                    decimals: 0,
                });
            }
            match parse_text_number(t, settings.locale) {
                Some(n) => (n.value, Some(n.decimals), false),
                None => return report(rep, "value.not-a-number", t),
            }
        }
        Some((Value::Error(e), _, _)) => return report(rep, "value.error", e),
        Some((Value::Bool(_) | Value::Date(_), _, _)) => {
            let shown = cell.map(|c| c.display()).unwrap_or_default();
            return report(rep, "value.not-a-number", &shown);
        }
    };
    // A fraction shown with a percent format is the percentage it shows.
    let v = if percent_scale && kind == Kind::Percent {
        round_half_away(v * 100.0, 10)
    } else {
        v
    };
    let decimals = decimals.unwrap_or_else(|| shown_decimals(v));
    match kind {
        Kind::Count => {
            let shown = format_number(v, None, settings.locale);
            if v < 0.0 {
                return report(rep, "value.negative", &shown);
            }
            if v.fract() != 0.0 {
                return report(rep, "value.not-whole", &shown);
            }
            Read::Num(Num {
                v,
                slack: 0.0,
                decimals: 0,
            })
        }
        Kind::Number => Read::Num(Num {
            v,
            slack: 0.0,
            decimals,
        }),
        Kind::Percent => Read::Num(Num {
            v,
            slack: 0.5 * 10f64.powi(-i32::from(decimals.min(15))),
            decimals,
        }),
    }
}

/// A value during evaluation.
#[derive(Debug, Clone)]
enum V {
    Num(Num),
    List(Vec<Num>),
    Bool(bool),
}

/// Why an expression has no value: the check is then not applied.
#[derive(Debug)]
struct NotApplicable;

struct Env<'a> {
    /// The first instance of each form in this workbook.
    by_form: &'a HashMap<usize, usize>,
    values: &'a [FormValues],
    instances: &'a [FormInstance],
    own: usize,
    current: Option<usize>,
    read: Vec<Origin>,
}

impl Env<'_> {
    fn field(&mut self, f: &FieldRef) -> Result<V, NotApplicable> {
        let (inst_idx, rows, col, glob): (usize, Vec<usize>, usize, bool) = match f {
            FieldRef::Rows {
                form,
                rows,
                col,
                glob,
            } => {
                let idx = if *form == self.instances[self.own].form {
                    self.own
                } else {
                    *self.by_form.get(form).ok_or(NotApplicable)?
                };
                (idx, rows.clone(), *col, *glob)
            }
            FieldRef::Current { col } => (
                self.own,
                vec![self.current.ok_or(NotApplicable)?],
                *col,
                false,
            ),
            FieldRef::Cell { form, cell } => {
                let idx = if *form == self.instances[self.own].form {
                    self.own
                } else {
                    *self.by_form.get(form).ok_or(NotApplicable)?
                };
                let (read, origin) = self.values[idx]
                    .cells
                    .get(*cell)
                    .copied()
                    .flatten()
                    .ok_or(NotApplicable)?;
                return match read {
                    Read::Num(n) => {
                        self.read.push(origin);
                        Ok(V::Num(n))
                    }
                    _ => Err(NotApplicable),
                };
            }
        };
        let mut nums = Vec::with_capacity(rows.len());
        for r in rows {
            let (read, origin) = self.values[inst_idx]
                .grid
                .get(&(r, col))
                .copied()
                .ok_or(NotApplicable)?;
            match read {
                Read::Num(n) => {
                    self.read.push(origin);
                    nums.push(n);
                }
                _ => return Err(NotApplicable),
            }
        }
        if glob {
            Ok(V::List(nums))
        } else {
            nums.into_iter().next().map(V::Num).ok_or(NotApplicable)
        }
    }

    fn num(&mut self, e: &CExpr) -> Result<Num, NotApplicable> {
        match self.eval(e)? {
            V::Num(n) => Ok(n),
            _ => Err(NotApplicable),
        }
    }

    fn eval(&mut self, e: &CExpr) -> Result<V, NotApplicable> {
        Ok(match e {
            CExpr::Num(n) => V::Num(Num::exact(*n)),
            CExpr::Field(f) => self.field(f)?,
            CExpr::Neg(x) => {
                let n = self.num(x)?;
                V::Num(Num { v: -n.v, ..n })
            }
            CExpr::Not(x) => match self.eval(x)? {
                V::Bool(b) => V::Bool(!b),
                _ => return Err(NotApplicable),
            },
            CExpr::Binary(op, a, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                let decimals = a.decimals.max(b.decimals);
                let (v, slack) = match op {
                    BinOp::Add => (a.v + b.v, a.slack + b.slack),
                    BinOp::Sub => (a.v - b.v, a.slack + b.slack),
                    BinOp::Mul => (
                        a.v * b.v,
                        a.v.abs() * b.slack + b.v.abs() * a.slack + a.slack * b.slack,
                    ),
                    BinOp::Div => {
                        if b.v == 0.0 || b.v.abs() <= b.slack {
                            return Err(NotApplicable);
                        }
                        (
                            a.v / b.v,
                            a.slack / b.v.abs()
                                + a.v.abs() * b.slack / (b.v.abs() * (b.v.abs() - b.slack)),
                        )
                    }
                };
                if !v.is_finite() {
                    return Err(NotApplicable);
                }
                V::Num(Num { v, slack, decimals })
            }
            CExpr::Compare(op, a, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                V::Bool(compare(*op, a, b))
            }
            CExpr::Logic(op, a, b) => {
                let a = matches!(self.eval(a)?, V::Bool(true));
                let b = matches!(self.eval(b)?, V::Bool(true));
                V::Bool(match op {
                    LogicOp::And => a && b,
                    LogicOp::Or => a || b,
                })
            }
            CExpr::Call(f, args) => {
                let mut items = Vec::new();
                for a in args {
                    match self.eval(a)? {
                        V::Num(n) => items.push(n),
                        V::List(l) => items.extend(l),
                        V::Bool(_) => return Err(NotApplicable),
                    }
                }
                match f {
                    Func::Sum => V::Num(items.iter().fold(
                        Num {
                            v: 0.0,
                            slack: 0.0,
                            decimals: 0,
                        },
                        |acc, n| Num {
                            v: acc.v + n.v,
                            slack: acc.slack + n.slack,
                            decimals: acc.decimals.max(n.decimals),
                        },
                    )),
                    Func::Min => V::Num(
                        items
                            .into_iter()
                            .min_by(|a, b| a.v.total_cmp(&b.v))
                            .ok_or(NotApplicable)?,
                    ),
                    Func::Max => V::Num(
                        items
                            .into_iter()
                            .max_by(|a, b| a.v.total_cmp(&b.v))
                            .ok_or(NotApplicable)?,
                    ),
                    Func::Abs => {
                        let n = items.first().copied().ok_or(NotApplicable)?;
                        V::Num(Num { v: n.v.abs(), ..n })
                    }
                    Func::Round => {
                        let (x, d) = (
                            items.first().copied().ok_or(NotApplicable)?,
                            items.get(1).copied().ok_or(NotApplicable)?,
                        );
                        let digits = d.v.round().clamp(0.0, 15.0) as i32;
                        V::Num(Num {
                            v: round_half_away(x.v, digits),
                            slack: 0.0,
                            decimals: digits as u8,
                        })
                    }
                }
            }
        })
    }
}

fn tolerance(a: Num, b: Num) -> f64 {
    a.slack + b.slack + 1e-9 * a.v.abs().max(b.v.abs()).max(1.0)
}

fn compare(op: CmpOp, a: Num, b: Num) -> bool {
    let tol = tolerance(a, b);
    match op {
        CmpOp::Eq => (a.v - b.v).abs() <= tol,
        CmpOp::Ne => (a.v - b.v).abs() > tol,
        CmpOp::Lt => a.v < b.v + tol,
        CmpOp::Le => a.v <= b.v + tol,
        CmpOp::Gt => a.v + tol > b.v,
        CmpOp::Ge => a.v + tol >= b.v,
    }
}

/// Applies every check of every located form of a workbook.
pub fn run_checks(
    wb: &Workbook,
    instances: &[FormInstance],
    values: &[FormValues],
    rep: &mut Reporter<'_>,
) {
    let pack = rep.pack;
    let mut by_form: HashMap<usize, usize> = HashMap::new();
    for (i, inst) in instances.iter().enumerate() {
        by_form.entry(inst.form).or_insert(i);
    }
    for (ii, inst) in instances.iter().enumerate() {
        let form = &pack.forms[inst.form];
        for check in &form.checks {
            let targets: Vec<Option<usize>> = match &check.each {
                Some(rows) => rows.iter().map(|r| Some(*r)).collect(),
                None => vec![None],
            };
            for current in targets {
                if let Some(r) = current {
                    if inst.rows[r].is_none() {
                        continue;
                    }
                }
                let mut env = Env {
                    by_form: &by_form,
                    values,
                    instances,
                    own: ii,
                    current,
                    read: Vec::new(),
                };
                if let Some(f) = apply(check, &mut env, wb, inst, pack, rep.file) {
                    rep.findings.push(f);
                }
            }
        }
    }
}

fn apply(
    check: &Check,
    env: &mut Env<'_>,
    wb: &Workbook,
    inst: &FormInstance,
    pack: &Pack,
    file: &str,
) -> Option<Finding> {
    if let Some(w) = &check.when {
        match env.eval(w) {
            Ok(V::Bool(true)) => {}
            _ => return None,
        }
        env.read.clear();
    }
    let CExpr::Compare(op, lhs, rhs) = &check.expr else {
        return None;
    };
    let found = env.num(lhs).ok()?;
    let expected = env.num(rhs).ok()?;
    if compare(*op, found, expected) {
        return None;
    }
    let form = &pack.forms[inst.form];
    let sheet = &wb.sheets[inst.sheet];
    // Cells in reading order (the left side first: it is what the check tests), once each.
    let mut cells: Vec<CellLoc> = Vec::new();
    let mut first: Option<CellRef> = None;
    for (si, at) in &env.read {
        let l = loc(&wb.sheets[*si], *at);
        if !cells.contains(&l) {
            if first.is_none() && *si == inst.sheet {
                first = Some(*at);
            }
            cells.push(l);
        }
    }
    // A rounded figure is expected at the precision it shows.
    let decimals = if found.slack > 0.0 {
        found.decimals
    } else {
        found.decimals.max(expected.decimals).min(4)
    };
    let exp_v = if found.slack > 0.0 {
        round_half_away(expected.v, i32::from(found.decimals))
    } else {
        expected.v
    };
    let exp_v = round_half_away(exp_v, 10);
    let act_v = round_half_away(found.v, 10);
    let diff = round_half_away(act_v - exp_v, 10);
    let locale = pack.settings.locale;
    let show = |v: f64| format_number(v, Some(decimals), locale);
    let diff_text = if diff > 0.0 {
        format!("+{}", show(diff))
    } else {
        show(diff)
    };
    let label = env
        .current
        .and_then(|r| {
            inst.row_labels[r]
                .clone()
                .or_else(|| Some(form.rows[r].label.clone()))
        })
        .unwrap_or_default();
    let cell_text = cells.first().map(|c| c.cell.clone()).unwrap_or_default();
    let message = crate::messages::render(
        &check.message,
        &[
            ("found", &show(act_v)),
            ("expected", &show(exp_v)),
            ("difference", &diff_text),
            ("label", &label),
            ("form", &form.id),
            ("sheet", &sheet.name),
            ("cell", &cell_text),
        ],
    );
    let first = first.unwrap_or(CellRef::new(0, 0));
    Some(Finding {
        file: file.to_string(),
        sheet: Some(sheet.name.clone()),
        rule: check.id.clone(),
        severity: check.severity,
        message,
        cells,
        expected: Some(exp_v),
        actual: Some(act_v),
        difference: Some(diff),
        order: (inst.sheet + 1, first.row, first.col),
        decimals: Some(decimals),
    })
}

/// Severity helper for callers that only count.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let e = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let w = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let i = findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .count();
    (e, w, i)
}
