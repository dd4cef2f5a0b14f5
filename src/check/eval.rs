//! Reading the located figures and evaluating the checks on them.
//!
//! Every figure is read once: a count must be a whole number ≥ 0, a required figure must be
//! filled, text must be a number in the pack's locale; each problem is one finding, and a check
//! that reads a bad figure is not applied (its cause is already reported). Values carry the
//! rounding "slack" of what the cell shows, so a percentage shown with two decimals is compared
//! to half a unit of its last digit, and a sum of k such values to k halves.

use crate::check::formula;
use crate::check::locate::{loc, FormInstance, Reporter};
use crate::finding::{CellLoc, Finding, Severity};
use crate::model::{Cell, CellRef, Value, Workbook};
use crate::read::number::{parse_text_number, shown_decimals};
use crate::registry::Kind as K;
use crate::rules::expr::{BinOp, CmpOp, Func, LogicOp};
use crate::rules::{CExpr, Check, Each, Empty, FieldRef, Kind, Link, Pack, Tolerance};
use crate::text::{format_number, round_half_away, FxBuild};
use std::collections::{HashMap, HashSet};

/// A figure as read: its value, the rounding it may carry, and the decimals it shows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Num {
    pub v: f64,
    pub slack: f64,
    pub decimals: u8,
    /// The value in exact arithmetic, when it is known: see [`Exact`].
    pub exact: Exact,
}

/// What is known of a figure beyond its floating-point value, to decide exact ties: a
/// percentage of 1 in 8 is exactly 12.5, which shown to no decimals is 13 (half away from zero,
/// as Excel shows it and as its `ROUND` rounds), so a sheet showing 12 made a slip.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum Exact {
    /// Nothing more than the value.
    #[default]
    Unknown,
    /// A fraction `n / d` (`d > 0`): whole figures and the whole numbers of a rule, and what
    /// `+ - × ÷` and `sum` make of them.
    Ratio(i128, i128),
    /// A figure as its cell shows it, rounded: `n` units of its last shown decimal
    /// (12.5 shown with one decimal: `(125, 1)`).
    Shown(i128, u8),
}

/// The largest whole number a float holds exactly (2^53).
const EXACT_WHOLE: f64 = 9_007_199_254_740_992.0;

impl Exact {
    /// A whole number, exactly.
    fn whole(v: f64) -> Exact {
        if v.fract() == 0.0 && v.abs() <= EXACT_WHOLE {
            Exact::Ratio(v as i128, 1)
        } else {
            Exact::Unknown
        }
    }

    /// A rounded figure as shown with `decimals` decimals.
    fn shown(v: f64, decimals: u8) -> Exact {
        if decimals > 15 {
            return Exact::Unknown;
        }
        let units = round_half_away(v, i32::from(decimals)) * 10f64.powi(i32::from(decimals));
        match Exact::whole(units.round()) {
            Exact::Ratio(n, _) => Exact::Shown(n, decimals),
            _ => Exact::Unknown,
        }
    }

    /// A fraction in lowest terms, if nothing overflowed.
    fn ratio(n: Option<i128>, d: Option<i128>) -> Exact {
        match (n, d) {
            (Some(n), Some(d)) if d != 0 => {
                Exact::ratio_64(n, d).unwrap_or_else(|| Exact::ratio_128(n, d))
            }
            _ => Exact::Unknown,
        }
    }

    /// [`Exact::ratio`] of `n / d` (`d != 0`) in 128 bits.
    fn ratio_128(n: i128, d: i128) -> Exact {
        fn gcd(mut a: i128, mut b: i128) -> i128 {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a.abs()
        }
        let g = gcd(n, d).max(1);
        let sign = if d < 0 { -1 } else { 1 };
        match ((n / g).checked_mul(sign), (d / g).checked_mul(sign)) {
            (Some(n), Some(d)) => Exact::Ratio(n, d),
            _ => Exact::Unknown,
        }
    }

    /// [`Exact::ratio`] of `n / d` (`d != 0`) in 64 bits, when both fit there (the same
    /// fraction: lowest terms with a positive denominator are one; i128 division is a library
    /// call, ten times a 64-bit one). None: they do not fit.
    fn ratio_64(n: i128, d: i128) -> Option<Exact> {
        let (n, d) = (i64::try_from(n).ok()?, i64::try_from(d).ok()?);
        if n == i64::MIN || d == i64::MIN {
            return None;
        }
        let (mut a, mut b) = (n.unsigned_abs(), d.unsigned_abs());
        while b != 0 {
            (a, b) = (b, a % b);
        }
        // At most |d| ≤ i64::MAX, so it fits; 1 when n is 0 and d is 1.
        let g = i64::try_from(a.max(1)).ok()?;
        let sign = if d < 0 { -1 } else { 1 };
        Some(Exact::Ratio(
            i128::from(n / g * sign),
            i128::from(d / g * sign),
        ))
    }

    fn op(self, op: BinOp, other: Exact) -> Exact {
        let (Exact::Ratio(a, b), Exact::Ratio(c, d)) = (self, other) else {
            return Exact::Unknown;
        };
        let whole = |n: i128| Exact::Ratio(n, 1);
        let cross = |a: i128, d: i128, c: i128, b: i128, sub: bool| {
            let (x, y) = (a.checked_mul(d)?, c.checked_mul(b)?);
            if sub {
                x.checked_sub(y)
            } else {
                x.checked_add(y)
            }
        };
        match op {
            // Whole numbers (the counts of a sum): what the fraction gives, without its gcd.
            BinOp::Add if b == 1 && d == 1 => a.checked_add(c).map_or(Exact::Unknown, whole),
            BinOp::Sub if b == 1 && d == 1 => a.checked_sub(c).map_or(Exact::Unknown, whole),
            BinOp::Add => Exact::ratio(cross(a, d, c, b, false), b.checked_mul(d)),
            BinOp::Sub => Exact::ratio(cross(a, d, c, b, true), b.checked_mul(d)),
            BinOp::Mul => Exact::ratio(a.checked_mul(c), b.checked_mul(d)),
            BinOp::Div => Exact::ratio(a.checked_mul(d), b.checked_mul(c)),
        }
    }

    fn neg(self) -> Exact {
        match self {
            Exact::Ratio(n, d) => Exact::ratio(n.checked_neg(), Some(d)),
            Exact::Shown(n, k) => n
                .checked_neg()
                .map_or(Exact::Unknown, |n| Exact::Shown(n, k)),
            Exact::Unknown => Exact::Unknown,
        }
    }

    fn abs(self) -> Exact {
        match self {
            Exact::Ratio(n, _) | Exact::Shown(n, _) if n < 0 => self.neg(),
            other => other,
        }
    }

    /// The fraction rounded to `decimals` decimals, half away from zero, in units of the
    /// last decimal (`None`: too large to compute exactly).
    fn rounded_units(n: i128, d: i128, decimals: u8) -> Option<i128> {
        let scaled = n.checked_mul(10i128.checked_pow(u32::from(decimals))?)?;
        let (q, r) = (scaled / d, scaled % d);
        // |r| / d ≥ 1/2: away from zero.
        if r.checked_abs()?.checked_mul(2)? >= d {
            q.checked_add(scaled.signum())
        } else {
            Some(q)
        }
    }

    /// Whether two figures equal within their rounding are equal as the sheet shows them: a
    /// rounded figure against an exact fraction is equal only if the fraction, rounded half
    /// away from zero to the decimals shown, is what the cell shows. Otherwise (nothing
    /// exact known, or too large) the rounding tolerance decides.
    fn agree(a: Exact, b: Exact) -> bool {
        match (a, b) {
            (Exact::Shown(shown, k), Exact::Ratio(n, d))
            | (Exact::Ratio(n, d), Exact::Shown(shown, k)) => {
                Exact::rounded_units(n, d, k).is_none_or(|r| r == shown)
            }
            _ => true,
        }
    }
}

impl Num {
    fn exact(v: f64) -> Num {
        Num {
            v,
            slack: 0.0,
            decimals: shown_decimals(v).min(4),
            exact: Exact::whole(v),
        }
    }

    /// The same kind of figure with another value (a correction being tried).
    fn with_value(self, v: f64) -> Num {
        let exact = match self.exact {
            Exact::Ratio(..) => Exact::whole(v),
            Exact::Shown(_, k) => Exact::shown(v, k),
            Exact::Unknown => Exact::Unknown,
        };
        Num { v, exact, ..self }
    }
}

/// The outcome of reading one figure.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Read {
    Num(Num),
    /// Empty where empty means "not given": checks reading it are not applied.
    NotGiven,
    /// Unreadable or missing; already reported.
    Bad,
}

/// Where a value was read: (sheet index, cell).
pub type Origin = (usize, CellRef);

/// The figures of one located form.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FormValues {
    /// (row index, column index) → figure. Hashed with FxHash: every application of a check
    /// looks its figures up here (a pair of small indexes, not text an input chooses).
    pub grid: HashMap<(usize, usize), (Read, Origin), FxBuild>,
    pub cells: Vec<Option<(Read, Origin)>>,
}

/// Reads every figure of a located form, reporting the bad ones.
pub fn read_values(wb: &Workbook, inst: &FormInstance, rep: &mut Reporter<'_>) -> FormValues {
    let pack = rep.pack;
    let form = &pack.forms[inst.form];
    let sheet = &wb.sheets[inst.sheet];
    // Sized once: grown cell by cell, rehashing was a third of filling it.
    let mut grid = HashMap::with_capacity_and_hasher(
        (form.rows.len() + inst.records.len()).saturating_mul(form.columns.len()),
        FxBuild::default(),
    );
    for (ri, row) in form.rows.iter().enumerate() {
        let Some(r) = inst.rows[ri] else { continue };
        for (ci, col) in form.columns.iter().enumerate() {
            let Some(c) = inst.cols[ci] else { continue };
            if col.kind == Kind::Text {
                continue;
            }
            let at = CellRef::new(r, c);
            let empty = if ci == 0 && row.required {
                Empty::Required
            } else {
                col.empty
            };
            let label = inst.row_labels[ri].as_deref().unwrap_or(&row.label);
            let si = inst.row_sheet(ri);
            let read = read_cell(wb, si, at, col.kind, empty, label, rep);
            grid.insert((ri, ci), (read, (si, at)));
        }
    }
    // Records follow the named rows in the grid.
    for (k, rec) in inst.records.iter().enumerate() {
        let idx = inst.record_index(form, k);
        for (ci, col) in form.columns.iter().enumerate() {
            let Some(c) = inst.cols[ci] else { continue };
            if col.kind == Kind::Text {
                continue;
            }
            let at = CellRef::new(rec.row, c);
            let label = format!("{} — {}", rec.label, col.header);
            let read = read_cell(wb, inst.sheet, at, col.kind, col.empty, &label, rep);
            grid.insert((idx, ci), (read, (inst.sheet, at)));
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
    // The location is built only when a finding is reported (most cells are fine).
    let mut report = |rep: &mut Reporter<'_>, kind: K, text: &str| {
        let mut cell = loc(sheet, at);
        cell.label = Some(label.trim().to_string()).filter(|l| !l.is_empty());
        rep.engine(
            kind,
            here,
            vec![cell],
            Some(at),
            &[("label", label), ("text", text)],
        );
        Read::Bad
    };
    let on_empty = |rep: &mut Reporter<'_>,
                    report: &mut dyn FnMut(&mut Reporter<'_>, K, &str) -> Read| {
        match empty {
            Empty::Zero => Read::Num(Num {
                v: 0.0,
                slack: 0.0,
                decimals: 0,
                exact: Exact::Ratio(0, 1),
            }),
            Empty::Skip => Read::NotGiven,
            Empty::Required => report(rep, K::ValueRequired, ""),
        }
    };
    let (v, decimals, percent_scale) = match cell.map(|c| (&c.value, &c.formula, c.fmt)) {
        None | Some((Value::Empty, None, _)) => return on_empty(rep, &mut report),
        Some((Value::Empty, Some(f), fmt)) => match formula::evaluate(sheet, f) {
            Some(v) => (v, fmt.decimals, fmt.percent),
            None => return report(rep, K::ValueFormulaNotStored, f),
        },
        Some((Value::Number(v), _, fmt)) => (*v, fmt.decimals, fmt.percent),
        Some((Value::Text(t), _, _)) => {
            let t = t.trim();
            if t.is_empty() {
                return on_empty(rep, &mut report);
            }
            let dash = crate::read::number::is_zero_dash(t);
            // A required figure is never zero by a dash, whatever the pack says of dashes.
            if dash && empty == Empty::Required {
                return report(rep, K::ValueRequired, t);
            }
            if settings.dash_is_zero && dash {
                return Read::Num(Num {
                    v: 0.0,
                    slack: 0.0,
                    decimals: 0,
                    exact: Exact::Ratio(0, 1),
                });
            }
            // `25 người`: a figure typed with its unit of measure (the pack's unit words).
            let read = parse_text_number(t, settings.locale).or_else(|| {
                crate::read::labels::before_unit(t, &settings.unit_keys, settings.folding)
                    .and_then(|head| parse_text_number(&head, settings.locale))
            });
            match read {
                Some(n) => (n.value, Some(n.decimals), false),
                None => return report(rep, K::ValueNotANumber, t),
            }
        }
        // `#DIV/0!` of a formula dividing by a zero or empty cell: no quotient, as if empty
        // (a percentage over a base of zero); any other error is one.
        Some((Value::Error(e), Some(f), _))
            if e == "#DIV/0!" && formula::divides_by_zero(sheet, f) =>
        {
            return on_empty(rep, &mut report)
        }
        Some((Value::Error(e), _, _)) => return report(rep, K::ValueError, e),
        // A date where a figure belongs (`1/2` typed, turned into 1 February): shown as the
        // date it is, not as its serial number.
        Some((Value::Date(d), _, _)) => {
            let shown = crate::text::serial_as_date(d).unwrap_or_else(|| d.clone());
            return report(rep, K::ValueNotANumber, &shown);
        }
        Some((Value::Bool(_), _, _)) => {
            let shown = cell.map(|c| c.display()).unwrap_or_default();
            return report(rep, K::ValueNotANumber, &shown);
        }
    };
    // A fraction shown with a percent format is the percentage it shows.
    let v = if percent_scale && kind == Kind::Percent {
        round_half_away(v * 100.0, 10)
    } else {
        v
    };
    // An infinity or NaN (`1e999` stored as a number, a formula's result, a percentage scaled
    // past the largest number) is no figure: a finding of its own, never compared.
    if !v.is_finite() {
        let shown = cell.map(|c| c.display()).unwrap_or_default();
        return report(rep, K::ValueNotFinite, &shown);
    }
    let decimals = decimals.unwrap_or_else(|| shown_decimals(v));
    match kind {
        Kind::Count => {
            let shown = || format_number(v, None, settings.shown_locale());
            if v < 0.0 {
                return report(rep, K::ValueNegative, &shown());
            }
            if v.fract() != 0.0 {
                return report(rep, K::ValueNotWhole, &shown());
            }
            Read::Num(Num {
                v,
                slack: 0.0,
                decimals: 0,
                exact: Exact::whole(v),
            })
        }
        Kind::Number => Read::Num(Num {
            v,
            slack: 0.0,
            decimals,
            exact: Exact::whole(v),
        }),
        Kind::Percent => Read::Num(Num {
            v,
            slack: 0.5 * 10f64.powi(-i32::from(decimals.min(15))),
            decimals,
            exact: Exact::shown(v, decimals),
        }),
        // Text columns are never read as figures.
        Kind::Text => Read::NotGiven,
    }
}

/// The figures of one workbook that checks of other workbooks read (`unit.…`, `previous.…`):
/// only those the pack names, so a run keeps little per file.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Linked {
    /// The file, as shown in reports.
    pub file: String,
    /// The names of the workbook's sheets.
    pub sheets: Vec<String>,
    /// (form, row, column) → figure.
    pub grid: HashMap<(usize, usize, usize), (Read, Origin)>,
}

/// Keeps the figures of a workbook that the pack's checks read from other workbooks; with
/// `every` (last year's workbook), every figure of its forms' named rows as well.
pub fn linked_figures(
    pack: &Pack,
    file: &str,
    sheets: &[String],
    instances: &[FormInstance],
    values: &[FormValues],
    every: bool,
) -> Linked {
    let mut grid = HashMap::new();
    if every {
        // The first sheet holding each form, as below.
        let mut seen = std::collections::HashSet::new();
        for (i, inst) in instances.iter().enumerate() {
            if !seen.insert(inst.form) {
                continue;
            }
            let rows = pack.forms[inst.form].rows.len();
            for (&(row, col), v) in &values[i].grid {
                if row < rows && matches!(v.0, Read::Num(_)) {
                    grid.insert((inst.form, row, col), *v);
                }
            }
        }
    }
    for &(form, row, col) in &pack.linked {
        // The first sheet holding the form, as cross-form references do.
        let Some(i) = instances.iter().position(|i| i.form == form) else {
            continue;
        };
        if let Some(v) = values[i].grid.get(&(row, col)) {
            grid.insert((form, row, col), *v);
        }
    }
    // A summary is itself a unit of the summary one level up (a commune's summary of its
    // branches under the province's): what a column's `source` reads in a unit's workbook
    // is, in a summary, that column's figure on its end row (the total of its units).
    for (key, v) in summary_totals(pack, instances, values) {
        grid.insert(key, v);
    }
    Linked {
        file: file.to_string(),
        sheets: sheets.to_vec(),
        grid,
    }
}

/// A figure kept for other workbooks' checks: (form, row, column) → the figure and its cell.
pub type LinkedFigure = ((usize, usize, usize), (Read, Origin));

/// The end-row figures of the first summary form (records matched to units) a workbook
/// holds, keyed as its columns' `source` reads a unit's workbook: `(M01, total, 0)` → the
/// `Tổng cộng` row's figure in the column whose source is `M01.total`. A column whose
/// source is not one figure (a sum of several) has no total here: read in a summary, it is
/// missing, never guessed.
pub fn summary_totals(
    pack: &Pack,
    instances: &[FormInstance],
    values: &[FormValues],
) -> Vec<LinkedFigure> {
    let Some((i, form, end)) = instances.iter().enumerate().find_map(|(i, inst)| {
        let form = &pack.forms[inst.form];
        let end = form.records.as_ref().filter(|r| r.match_unit)?.end?;
        Some((i, form, end))
    }) else {
        return Vec::new();
    };
    form.columns
        .iter()
        .enumerate()
        .filter_map(|(c, col)| {
            let CExpr::Field(FieldRef::Other { inner, .. }) = col.source.as_ref()? else {
                return None;
            };
            let FieldRef::Rows {
                form: f,
                rows,
                col: sc,
                glob: false,
            } = inner.as_ref()
            else {
                return None;
            };
            let [r] = rows.as_slice() else { return None };
            let v = values.get(i)?.grid.get(&(end, c))?;
            Some(((*f, *r, *sc), *v))
        })
        .collect()
}

/// What a workbook keeps for the checks that read other workbooks, applied once every file
/// of the run is read: its located forms and their figures (bounded by the rule pack and the
/// records, never the whole workbook).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Deferred {
    pub file: String,
    pub sheets: Vec<String>,
    pub instances: Vec<FormInstance>,
    pub values: Vec<FormValues>,
}

impl Deferred {
    /// Whether the workbook holds a form with checks reading `link`.
    pub fn uses(&self, pack: &Pack, link: Link) -> bool {
        self.instances.iter().any(|i| {
            pack.forms[i.form]
                .checks
                .iter()
                .any(|c| c.links.contains(&link))
        })
    }
}

/// A value during evaluation.
#[derive(Debug, Clone)]
enum V {
    Num(Num),
    List(Vec<Num>),
    Bool(bool),
}

pub use crate::result::{NotApplied, Reason};

/// Adds `count` applications of `rule` not applied for `reason`.
pub fn count_not_applied(list: &mut Vec<NotApplied>, rule: &str, reason: Reason, count: usize) {
    match list
        .iter_mut()
        .find(|n| n.rule == rule && n.reason == reason)
    {
        Some(n) => n.count += count,
        None => list.push(NotApplied {
            rule: rule.to_string(),
            reason,
            count,
        }),
    }
}

/// Why an expression has no value: the check is then not applied, for a reason (None: there
/// is nothing to check, e.g. the record before the first one).
#[derive(Debug, Clone, Copy)]
struct NotApplicable(Option<Reason>);

const NOTHING: NotApplicable = NotApplicable(None);
const MISSING: NotApplicable = NotApplicable(Some(Reason::FigureMissing));
const INVALID: NotApplicable = NotApplicable(Some(Reason::CannotEvaluate));
const DIVISION_BY_ZERO: NotApplicable = NotApplicable(Some(Reason::DivisionByZero));
const NOT_FINITE: NotApplicable = NotApplicable(Some(Reason::NotFinite));

/// Why a figure read as `read` gives no value. A figure left empty where the rule pack says
/// empty means "not given" (a percentage) leaves nothing to check: the pack's own word, not a
/// check that vanishes.
fn not_read(read: Read) -> NotApplicable {
    match read {
        Read::NotGiven => NOTHING,
        Read::Bad | Read::Num(_) => NotApplicable(Some(Reason::UnreadableFigure)),
    }
}

struct Env<'a> {
    pack: &'a Pack,
    /// The first instance of each form in this workbook.
    by_form: &'a HashMap<usize, usize>,
    values: &'a [FormValues],
    instances: &'a [FormInstance],
    own: usize,
    current: Option<usize>,
    read: Vec<Origin>,
    /// The workbook matched to the current record, and last year's workbook.
    unit: Option<&'a Linked>,
    previous: Option<&'a Linked>,
    /// Cells read in those workbooks, with their labels' parts (the rule file's words: the
    /// kept figures carry no label as written).
    other_read: Vec<(CellLoc, Option<LabelParts>)>,
    /// Figures taken as changed to these values (re-checking a correction).
    changed: Option<&'a [(Origin, f64)]>,
    /// The tolerance of the check being applied, for each of its comparisons.
    tol: Tolerance,
}

impl Env<'_> {
    fn own_rows(&self) -> usize {
        self.pack.forms[self.instances[self.own].form].rows.len()
    }

    /// A figure read, as changed when re-checking a correction.
    fn as_changed(&self, mut n: Num, at: &Origin) -> Num {
        if let Some((_, v)) = self.changed.and_then(|c| c.iter().find(|(o, _)| o == at)) {
            n = n.with_value(*v);
        }
        n
    }

    fn field(&mut self, f: &FieldRef) -> Result<V, NotApplicable> {
        // The rows are read where the rule holds them (no copy of its list, no list made for
        // one figure): a field is read at every application of every check.
        match f {
            FieldRef::Rows {
                form,
                rows,
                col,
                glob,
            } => {
                let idx = self.instance_of(*form)?;
                self.grid_field(idx, rows.iter().copied(), *col, *glob)
            }
            FieldRef::Current { col } => {
                let cur = self.current.ok_or(INVALID)?;
                self.grid_field(self.own, std::iter::once(cur), *col, false)
            }
            FieldRef::Prev { col } => {
                let cur = self.current.ok_or(INVALID)?;
                // The first record has none before it.
                if cur <= self.own_rows() {
                    return Err(NOTHING);
                }
                self.grid_field(self.own, std::iter::once(cur - 1), *col, false)
            }
            FieldRef::Records { col } => {
                let n = self.own_rows();
                let k = self.instances[self.own].records.len();
                self.grid_field(self.own, n..n + k, *col, true)
            }
            FieldRef::Other { link, inner } => self.other(*link, inner),
            FieldRef::Cell { form, cell } => {
                let idx = self.instance_of(*form)?;
                let (read, origin) = self.values[idx]
                    .cells
                    .get(*cell)
                    .copied()
                    .flatten()
                    .ok_or(MISSING)?;
                match read {
                    Read::Num(n) => {
                        self.read.push(origin);
                        Ok(V::Num(self.as_changed(n, &origin)))
                    }
                    other => Err(not_read(other)),
                }
            }
        }
    }

    /// The instance a field of `form` is read in: this one, else the form's first.
    fn instance_of(&self, form: usize) -> Result<usize, NotApplicable> {
        if form == self.instances[self.own].form {
            Ok(self.own)
        } else {
            self.by_form.get(&form).copied().ok_or(MISSING)
        }
    }

    /// The figures of `rows` in column `col` of instance `ii`, each read in turn: all of them
    /// (`glob`), else the first.
    fn grid_field(
        &mut self,
        ii: usize,
        rows: impl ExactSizeIterator<Item = usize>,
        col: usize,
        glob: bool,
    ) -> Result<V, NotApplicable> {
        let mut nums = Vec::with_capacity(if glob { rows.len() } else { 0 });
        let mut first = None;
        for r in rows {
            let (read, origin) = self.values[ii]
                .grid
                .get(&(r, col))
                .copied()
                .ok_or(MISSING)?;
            match read {
                Read::Num(n) => {
                    let n = self.as_changed(n, &origin);
                    if glob {
                        nums.push(n);
                    } else if first.is_none() {
                        first = Some(n);
                    }
                    self.read.push(origin);
                }
                other => return Err(not_read(other)),
            }
        }
        if glob {
            Ok(V::List(nums))
        } else {
            first.map(V::Num).ok_or(INVALID)
        }
    }

    /// A figure of another workbook.
    fn other(&mut self, link: Link, inner: &FieldRef) -> Result<V, NotApplicable> {
        let linked = match link {
            Link::Unit => self.unit,
            Link::Previous => self.previous,
        }
        .ok_or(MISSING)?;
        let FieldRef::Rows {
            form,
            rows,
            col,
            glob,
        } = inner
        else {
            return Err(INVALID);
        };
        let mut nums = Vec::with_capacity(rows.len());
        for r in rows {
            let (read, (si, at)) = linked
                .grid
                .get(&(*form, *r, *col))
                .copied()
                .ok_or(MISSING)?;
            let Read::Num(n) = read else {
                return Err(not_read(read));
            };
            let form_def = &self.pack.forms[*form];
            let parts = form_def.rows.get(*r).map(|row| {
                (
                    row.label.clone(),
                    form_def.columns.get(*col).map(|c| c.header.clone()),
                )
            });
            self.other_read.push((
                CellLoc::new(
                    Some(linked.file.clone()),
                    linked.sheets.get(si).cloned().unwrap_or_default(),
                    at.to_string(),
                ),
                parts,
            ));
            nums.push(n);
        }
        if *glob {
            Ok(V::List(nums))
        } else {
            nums.into_iter().next().map(V::Num).ok_or(INVALID)
        }
    }

    fn num(&mut self, e: &CExpr) -> Result<Num, NotApplicable> {
        match self.eval(e)? {
            V::Num(n) => Ok(n),
            _ => Err(INVALID),
        }
    }

    fn eval(&mut self, e: &CExpr) -> Result<V, NotApplicable> {
        Ok(match e {
            CExpr::Num(n) => V::Num(Num::exact(*n)),
            CExpr::Field(f) => self.field(f)?,
            CExpr::Neg(x) => {
                let n = self.num(x)?;
                V::Num(Num {
                    v: -n.v,
                    exact: n.exact.neg(),
                    ..n
                })
            }
            CExpr::Not(x) => match self.eval(x)? {
                V::Bool(b) => V::Bool(!b),
                _ => return Err(INVALID),
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
                            return Err(DIVISION_BY_ZERO);
                        }
                        (
                            a.v / b.v,
                            a.slack / b.v.abs()
                                + a.v.abs() * b.slack / (b.v.abs() * (b.v.abs() - b.slack)),
                        )
                    }
                };
                if !v.is_finite() || !slack.is_finite() {
                    return Err(NOT_FINITE);
                }
                V::Num(Num {
                    v,
                    slack,
                    decimals,
                    exact: a.exact.op(*op, b.exact),
                })
            }
            CExpr::Compare(op, a, b) => {
                let (a, b) = (self.num(a)?, self.num(b)?);
                V::Bool(compare(*op, a, b, self.tol))
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
                        V::Bool(_) => return Err(INVALID),
                    }
                }
                match f {
                    Func::Sum => {
                        let sum = items.iter().fold(
                            Num {
                                v: 0.0,
                                slack: 0.0,
                                decimals: 0,
                                exact: Exact::Ratio(0, 1),
                            },
                            |acc, n| Num {
                                v: acc.v + n.v,
                                slack: acc.slack + n.slack,
                                decimals: acc.decimals.max(n.decimals),
                                exact: acc.exact.op(BinOp::Add, n.exact),
                            },
                        );
                        // Figures too large to add up: never a sum of infinity that passes.
                        if !sum.v.is_finite() || !sum.slack.is_finite() {
                            return Err(NOT_FINITE);
                        }
                        V::Num(sum)
                    }
                    Func::Min => V::Num(
                        items
                            .into_iter()
                            .min_by(|a, b| a.v.total_cmp(&b.v))
                            .ok_or(NOTHING)?,
                    ),
                    Func::Max => V::Num(
                        items
                            .into_iter()
                            .max_by(|a, b| a.v.total_cmp(&b.v))
                            .ok_or(NOTHING)?,
                    ),
                    Func::Abs => {
                        let n = items.first().copied().ok_or(INVALID)?;
                        V::Num(Num {
                            v: n.v.abs(),
                            exact: n.exact.abs(),
                            ..n
                        })
                    }
                    Func::Round => {
                        let (x, d) = (
                            items.first().copied().ok_or(INVALID)?,
                            items.get(1).copied().ok_or(INVALID)?,
                        );
                        // Excel's ROUND: the digit count is truncated (2.9 → 2); negative
                        // counts round to tens, hundreds, …; counts beyond ±400 are the same
                        // as ±400 (0, or the value itself).
                        if d.v.is_nan() {
                            return Err(NOT_FINITE);
                        }
                        let digits = d.v.trunc().clamp(-400.0, 400.0) as i32;
                        V::Num(Num {
                            v: round_half_away(x.v, digits),
                            slack: 0.0,
                            decimals: digits.clamp(0, 15) as u8,
                            exact: Exact::Unknown,
                        })
                    }
                }
            }
        })
    }
}

/// How far `a` (found) and `b` (expected) may lie apart: the rounding both carry as shown,
/// the check's own tolerance on top ([`Tolerance`]), and a hair for binary fractions.
fn tolerance(a: Num, b: Num, own: Tolerance) -> f64 {
    a.slack + b.slack + own.allows(b.v) + 1e-9 * a.v.abs().max(b.v.abs()).max(1.0)
}

/// Whether `a op b` holds, within the rounding of the figures and the check's own tolerance. An
/// exact tie — the two exactly half a unit of the last shown decimal apart, with no tolerance of
/// the check's own — of a rounded figure and an exact fraction is decided exactly
/// ([`Exact::agree`]: half away from zero). Only ties: elsewhere the tolerance decides, so that
/// the noise of floating point in a figure shown with many decimals (a formula's
/// 33.33333333333333 in a General cell) is never a finding.
fn compare(op: CmpOp, a: Num, b: Num, own: Tolerance) -> bool {
    let tol = tolerance(a, b, own);
    let rounding = a.slack + b.slack;
    let at_rounding_only = own.allows(b.v) == 0.0;
    let equal = || {
        let d = (a.v - b.v).abs();
        let tie = at_rounding_only && rounding > 0.0 && (d - rounding).abs() <= rounding * 1e-6;
        d <= tol && (!tie || Exact::agree(a.exact, b.exact))
    };
    match op {
        CmpOp::Eq => equal(),
        CmpOp::Ne => !equal(),
        CmpOp::Lt => a.v < b.v + tol,
        CmpOp::Le => a.v <= b.v + tol,
        CmpOp::Gt => a.v + tol > b.v,
        CmpOp::Ge => a.v + tol >= b.v,
    }
}

/// Applies every check of every located form of a workbook, except those that read other
/// workbooks (see [`run_linked_checks`]); gives the checks not applied. A workbook with forms
/// none of whose own checks could be applied gets a finding saying so.
pub fn run_checks(
    wb: &Workbook,
    instances: &[FormInstance],
    values: &[FormValues],
    rep: &mut Reporter<'_>,
) -> Vec<NotApplied> {
    let sheets: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
    let pack = rep.pack;
    let Outcome {
        findings,
        not_applied,
        applied,
    } = run(pack, rep.file, &sheets, instances, values, Scope::Local);
    rep.findings.extend(findings);
    // Forms found whose own checks could none of them be applied: the workbook is not checked,
    // which is said, never left to read as clean.
    let local = instances
        .iter()
        .any(|i| pack.forms[i.form].checks.iter().any(|c| c.links.is_empty()));
    if local && applied == 0 {
        rep.engine(K::WorkbookNoCheckApplied, None, vec![], None, &[]);
    }
    not_applied
}

/// What applying the checks of a workbook gave.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// The checks not applied, by rule and reason.
    pub not_applied: Vec<NotApplied>,
    /// How many applications were made (a check whose `when` did not hold counts as made).
    pub applied: usize,
}

/// Which checks of a workbook are applied: the phase of a run, or every check at once.
#[derive(Clone, Copy)]
enum Scope<'o> {
    /// The first phase: the checks that read no other workbook (the others wait).
    Local,
    /// The second phase: the checks that read other workbooks, once every file is read.
    Linked(Others<'o>),
    /// Both (the explanations, which weigh every check a figure is in).
    All(Others<'o>),
}

impl<'o> Scope<'o> {
    /// Whether `check` is applied in this scope.
    fn takes(self, check: &Check) -> bool {
        match self {
            Scope::Local => check.links.is_empty(),
            Scope::Linked(_) => !check.links.is_empty(),
            Scope::All(_) => true,
        }
    }

    /// The other workbooks this scope reads.
    fn others(self) -> Option<Others<'o>> {
        match self {
            Scope::Local => None,
            Scope::Linked(o) | Scope::All(o) => Some(o),
        }
    }
}

/// Applies the checks that read other workbooks, once every file of the run is read.
/// `unit_for` gives the workbook matched to a record key (None: no single match, reported
/// elsewhere); `previous` is last year's workbook of the same unit.
pub fn run_linked_checks<'a>(
    pack: &'a Pack,
    d: &'a Deferred,
    unit_for: &'a dyn Fn(&str) -> Option<&'a Linked>,
    previous: Option<&'a Linked>,
) -> Outcome {
    let others = Others { unit_for, previous };
    run(
        pack,
        &d.file,
        &d.sheets,
        &d.instances,
        &d.values,
        Scope::Linked(others),
    )
}

/// Applies the checks of `scope` ([`applications`]) and gathers what they give.
fn run<'a, 'o: 'a>(
    pack: &'a Pack,
    file: &str,
    sheets: &[String],
    instances: &'a [FormInstance],
    values: &'a [FormValues],
    scope: Scope<'o>,
) -> Outcome {
    let mut out = Outcome::default();
    let by_form = first_instances(instances);
    // The figures read by one application, the buffer kept for the next.
    let mut read: Vec<Origin> = Vec::new();
    for Applied {
        ii,
        check,
        current,
        unit,
        previous,
    } in applications(pack, instances, scope)
    {
        let inst = &instances[ii];
        let mut env = Env {
            pack,
            by_form: &by_form,
            values,
            instances,
            own: ii,
            current,
            read: std::mem::take(&mut read),
            unit,
            previous,
            other_read: Vec::new(),
            changed: None,
            tol: check.tolerance,
        };
        env.read.clear();
        match apply(check, &mut env, sheets, inst, pack, file) {
            Ok(found) => {
                out.applied += 1;
                out.findings.extend(found);
            }
            Err(NotApplicable(None)) => {}
            Err(NotApplicable(Some(reason))) => {
                count_not_applied(&mut out.not_applied, &check.id, reason, 1);
                if reason == Reason::NotFinite {
                    out.findings
                        .push(not_finite(check, &env, sheets, inst, pack, file));
                }
            }
        }
        read = std::mem::take(&mut env.read);
    }
    out
}

/// A cell's row label as written and its column's heading (None for a single-cell field).
type LabelParts = (String, Option<String>);

/// What the located forms call the cell at `origin`: the label of its row (a named row, a
/// record) and the heading of its column, or a single-cell field's label.
fn label_parts(pack: &Pack, instances: &[FormInstance], (si, at): Origin) -> Option<LabelParts> {
    for inst in instances
        .iter()
        .filter(|i| i.sheet == si || i.row_sheets.contains(&si))
    {
        let form = &pack.forms[inst.form];
        let Some(ci) = inst.cols.iter().position(|c| *c == Some(at.col)) else {
            continue;
        };
        // Named rows by a look through them, records (top to bottom) by a binary search.
        let named = (0..inst.rows.len())
            .find(|ri| inst.rows[*ri] == Some(at.row) && inst.row_sheet(*ri) == si);
        let record = || {
            inst.records
                .binary_search_by_key(&at.row, |r| r.row)
                .ok()
                .map(|k| inst.record_index(form, k))
        };
        if let Some(ri) = named.or_else(record) {
            let header = form.columns.get(ci).map(|c| c.header.clone());
            return Some((inst.label_of(form, ri), header));
        }
    }
    instances.iter().find_map(|inst| {
        let i = inst.cells.iter().position(|c| *c == Some((si, at)))?;
        let form = &pack.forms[inst.form];
        Some((form.cells.get(i)?.label.clone(), None))
    })
}

/// Sets the label of each cell (`parts[i]` is cell i's): its row label, with the column's
/// heading when another cell of the same sheet has the same row label under another heading.
fn set_labels(cells: &mut [CellLoc], parts: &[Option<LabelParts>]) {
    // (file, sheet, row label) → the headings its cells stand under.
    type Row<'a> = (Option<&'a str>, &'a str, &'a str);
    let mut headings: HashMap<Row<'_>, Vec<Option<&str>>> = HashMap::new();
    for (c, p) in cells.iter().zip(parts) {
        if let Some((row, header)) = p {
            let seen = headings
                .entry((c.file.as_deref(), c.sheet.as_str(), row.trim()))
                .or_default();
            if !seen.contains(&header.as_deref()) {
                seen.push(header.as_deref());
            }
        }
    }
    let ambiguous: Vec<bool> = cells
        .iter()
        .zip(parts)
        .map(|(c, p)| {
            p.as_ref().is_some_and(|(row, _)| {
                headings
                    .get(&(c.file.as_deref(), c.sheet.as_str(), row.trim()))
                    .is_some_and(|h| h.len() > 1)
            })
        })
        .collect();
    for (i, ambiguous) in ambiguous.into_iter().enumerate() {
        let Some(Some((row, header))) = parts.get(i) else {
            continue;
        };
        let row = row.trim();
        if row.is_empty() {
            continue;
        }
        cells[i].label = Some(match header {
            Some(h) if ambiguous && !h.trim().is_empty() => format!("{row} — {}", h.trim()),
            _ => row.to_string(),
        });
    }
}

/// Sets the role of each cell of a comparison (`on_left[i]`: the left side read cell i): the
/// figure found or expected when its side read that cell alone, else a part of it.
fn set_roles(cells: &mut [CellLoc], on_left: &[bool]) {
    let lefts = on_left.iter().filter(|l| **l).count();
    let rights = on_left.len() - lefts;
    for (c, left) in cells.iter_mut().zip(on_left) {
        c.role = match (*left, lefts, rights) {
            (true, 1, _) => crate::finding::Role::Found,
            (true, _, _) => crate::finding::Role::PartOfFound,
            (false, _, 1) => crate::finding::Role::Expected,
            (false, _, _) => crate::finding::Role::PartOfExpected,
        };
    }
}

/// A comparison's figures as its finding gives them: (decimals shown, expected, found,
/// difference). A rounded figure is expected at the precision it shows.
fn compared_figures(found: Num, expected: Num) -> (u8, f64, f64, f64) {
    let decimals = if found.slack > 0.0 {
        found.decimals
    } else {
        found.decimals.max(expected.decimals).min(4)
    };
    let exp_v = if found.slack > 0.0 {
        match expected.exact {
            Exact::Ratio(n, d) => Exact::rounded_units(n, d, found.decimals)
                .map(|u| u as f64 / 10f64.powi(i32::from(found.decimals)))
                .unwrap_or_else(|| round_half_away(expected.v, i32::from(found.decimals))),
            _ => round_half_away(expected.v, i32::from(found.decimals)),
        }
    } else {
        expected.v
    };
    let exp_v = round_half_away(exp_v, 10);
    let act_v = round_half_away(found.v, 10);
    let diff = round_half_away(act_v - exp_v, 10);
    (decimals, exp_v, act_v, diff)
}

fn apply(
    check: &Check,
    env: &mut Env<'_>,
    sheets: &[String],
    inst: &FormInstance,
    pack: &Pack,
    file: &str,
) -> Result<Option<Finding>, NotApplicable> {
    if let Some(w) = &check.when {
        match env.eval(w)? {
            V::Bool(true) => {}
            V::Bool(false) => return Ok(None),
            _ => return Err(INVALID),
        }
        env.read.clear();
        env.other_read.clear();
    }
    // A comparison: found (left) against expected (right). A condition: it must hold.
    // How many reads the left side made, in this workbook and in others.
    let mut left: Option<(usize, usize)> = None;
    let figures = match &check.expr {
        CExpr::Compare(op, lhs, rhs) => {
            let found = env.num(lhs)?;
            left = Some((env.read.len(), env.other_read.len()));
            let expected = match env.num(rhs) {
                // A ratio over a base of zero, and the figure compared with it is 0: what the
                // forms write then (nothing to check). Any other figure is a check not applied.
                Err(NotApplicable(Some(Reason::DivisionByZero))) if found.v == 0.0 => {
                    return Err(NOTHING)
                }
                other => other?,
            };
            if !tolerance(found, expected, check.tolerance).is_finite() {
                return Err(NOT_FINITE);
            }
            if compare(*op, found, expected, check.tolerance) {
                return Ok(None);
            }
            Some((found, expected))
        }
        cond => match env.eval(cond)? {
            V::Bool(false) => None,
            V::Bool(true) => return Ok(None),
            _ => return Err(INVALID),
        },
    };
    let form = &pack.forms[inst.form];
    let sheet_name = sheets.get(inst.sheet).cloned().unwrap_or_default();
    // Cells in reading order (the left side first: it is what the check tests), once each;
    // cells of other workbooks after this workbook's.
    let mut cells: Vec<CellLoc> = Vec::new();
    // Per cell: its label's parts, and whether the left side read it.
    let mut parts: Vec<Option<LabelParts>> = Vec::new();
    let mut on_left: Vec<bool> = Vec::new();
    let mut first: Option<CellRef> = None;
    for (k, (si, at)) in env.read.iter().enumerate() {
        let l = CellLoc::new(
            None,
            sheets.get(*si).cloned().unwrap_or_default(),
            at.to_string(),
        );
        if !cells.contains(&l) {
            if first.is_none() && *si == inst.sheet {
                first = Some(*at);
            }
            cells.push(l);
            parts.push(label_parts(pack, env.instances, (*si, *at)));
            on_left.push(left.is_some_and(|(n, _)| k < n));
        }
    }
    let other = env.other_read.first().map(|(c, _)| {
        format!(
            "{}, {}!{}",
            c.file.as_deref().unwrap_or_default(),
            c.sheet,
            c.cell
        )
    });
    for (k, (l, p)) in std::mem::take(&mut env.other_read).into_iter().enumerate() {
        if !cells.contains(&l) {
            parts.push(p);
            on_left.push(left.is_some_and(|(_, n)| k < n));
            cells.push(l);
        }
    }
    set_labels(&mut cells, &parts);
    if left.is_some() {
        set_roles(&mut cells, &on_left);
    }
    let locale = pack.settings.shown_locale();
    let (decimals, exp_v, act_v, diff) = match figures {
        Some((found, expected)) => {
            let (decimals, exp_v, act_v, diff) = compared_figures(found, expected);
            (Some(decimals), Some(exp_v), Some(act_v), Some(diff))
        }
        None => (None, None, None, None),
    };
    let show = |v: Option<f64>| {
        v.map(|v| format_number(v, decimals, locale))
            .unwrap_or_default()
    };
    let diff_text = match diff {
        Some(d) if d > 0.0 => format!("+{}", show(Some(d))),
        d => show(d),
    };
    let label = env
        .current
        .map(|r| inst.label_of(form, r))
        .unwrap_or_default();
    let column = check
        .column
        .and_then(|c| form.columns.get(c))
        .map(|c| c.header.clone())
        .unwrap_or_default();
    let cell_text = cells.first().map(|c| c.cell.clone()).unwrap_or_default();
    let template = check
        .message_in(pack.settings.lang, pack.settings.pack_lang())
        .unwrap_or(&check.message);
    let message = crate::messages::render(
        template,
        &[
            ("found", &show(act_v)),
            ("expected", &show(exp_v)),
            ("difference", &diff_text),
            ("label", &label),
            ("form", &form.id),
            ("sheet", &sheet_name),
            ("cell", &cell_text),
            ("column", &column),
            ("other", other.as_deref().unwrap_or_default()),
        ],
    );
    let first = first.unwrap_or(CellRef::new(0, 0));
    Ok(Some(Finding {
        file: file.to_string(),
        sheet: Some(sheet_name),
        rule: check.id.clone(),
        severity: check.severity,
        message,
        cells,
        expected: exp_v,
        actual: act_v,
        difference: diff,
        order: (inst.sheet + 1, first.row, first.col),
        decimals,
    }))
}

/// The finding of a check not applied because its figures are too large to compute with:
/// the cells it read, in this workbook and in others.
fn not_finite(
    check: &Check,
    env: &Env<'_>,
    sheets: &[String],
    inst: &FormInstance,
    pack: &Pack,
    file: &str,
) -> Finding {
    let mut cells: Vec<CellLoc> = Vec::new();
    let mut parts: Vec<Option<LabelParts>> = Vec::new();
    let mut first: Option<CellRef> = None;
    for (si, at) in &env.read {
        let l = CellLoc::new(
            None,
            sheets.get(*si).cloned().unwrap_or_default(),
            at.to_string(),
        );
        if !cells.contains(&l) {
            if first.is_none() && *si == inst.sheet {
                first = Some(*at);
            }
            cells.push(l);
            parts.push(label_parts(pack, env.instances, (*si, *at)));
        }
    }
    for (l, p) in &env.other_read {
        if !cells.contains(l) {
            cells.push(l.clone());
            parts.push(p.clone());
        }
    }
    set_labels(&mut cells, &parts);
    let first = first.unwrap_or(CellRef::new(0, 0));
    let kind = K::CheckNotFinite;
    Finding {
        file: file.to_string(),
        sheet: sheets.get(inst.sheet).cloned(),
        rule: kind.id().to_string(),
        severity: kind.severity(),
        message: pack.settings.message(kind, &[("check", &check.id)]),
        cells,
        expected: None,
        actual: None,
        difference: None,
        order: (inst.sheet + 1, first.row, first.col),
        decimals: None,
    }
}

/// A check of one workbook as a constraint over its figures, for error localisation
/// ([`crate::explain::localise`]): what it reads, whether it holds, and — when both sides are linear in
/// the figures — the constraint `Σ coef·figure + constant  op  0`, within the tolerance the
/// comparison itself uses.
#[derive(Debug, Clone)]
pub struct CheckShape {
    pub rule: String,
    pub sheet: String,
    /// The figures read: the first read of each cell, in order.
    pub reads: Vec<Origin>,
    /// The cells of other workbooks the check reads, after this workbook's (each once).
    pub other_cells: Vec<CellLoc>,
    pub fails: bool,
    /// The figures found and expected (the two sides), when the check is a comparison.
    pub found: f64,
    pub expected: f64,
    pub shape: Shape,
}

impl CheckShape {
    /// The cells the finding of this check names (the same list, in the same order): the
    /// figures read (`sheets`: the workbook's sheet names), then [`CheckShape::other_cells`].
    pub fn cells(&self, sheets: &[String]) -> Vec<CellLoc> {
        let name = |si: usize| sheets.get(si).map(String::as_str).unwrap_or_default();
        self.reads
            .iter()
            .map(|(si, at)| CellLoc::new(None, name(*si).to_string(), at.to_string()))
            .chain(self.other_cells.iter().cloned())
            .collect()
    }
}

#[derive(Debug, Clone)]
pub enum Shape {
    Linear {
        terms: Vec<(Origin, f64)>,
        constant: f64,
        op: CmpOp,
        tol: f64,
    },
    /// `figure == expression` with an expression that is not linear (a percentage of a count
    /// and a base): the figure follows the others.
    Follows { target: Origin },
    /// Neither: left out of localisation.
    Other,
}

/// A figure the checks read: where, its value, and what it may be changed to.
#[derive(Debug, Clone)]
pub struct Figure {
    pub at: Origin,
    pub v: f64,
    pub count: bool,
    pub percent: bool,
    pub decimals: u8,
    /// The form instance's (instance, row, column) indexes, for neighbours; None for a
    /// single-cell field.
    pub grid: Option<(usize, usize, usize)>,
    /// A single-cell field's (instance, field) indexes; None for a figure of a grid.
    pub field: Option<(usize, usize)>,
    /// What supposing it wrong costs ([`crate::rules::Weights`]; 1 by default).
    pub weight: f64,
}

impl Figure {
    /// What the sheet calls the figure: its row's label (as written, else the rule's), with
    /// its column's heading when the form has more than one column; a field's label. Made
    /// only for the figures an explanation names.
    pub fn label(&self, pack: &Pack, instances: &[FormInstance]) -> String {
        let form_of = |ii: usize| {
            let inst = instances.get(ii)?;
            Some((inst, pack.forms.get(inst.form)?))
        };
        if let Some((ii, ri, ci)) = self.grid {
            let Some((inst, form)) = form_of(ii) else {
                return String::new();
            };
            let label = inst.label_of(form, ri);
            return match form.columns.get(ci) {
                Some(c) if form.columns.len() > 1 => format!("{label} — {}", c.header),
                _ => label,
            };
        }
        self.field
            .and_then(|(ii, i)| form_of(ii)?.1.cells.get(i))
            .map(|c| c.label.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
struct Lin {
    terms: Vec<(Origin, f64)>,
    c: f64,
}

impl Lin {
    fn constant(c: f64) -> Lin {
        Lin { terms: vec![], c }
    }
    fn scale(mut self, k: f64) -> Lin {
        for t in &mut self.terms {
            t.1 *= k;
        }
        self.c *= k;
        self
    }
    fn add(mut self, o: Lin) -> Lin {
        self.terms.extend(o.terms);
        self.c += o.c;
        self
    }
}

enum LinV {
    One(Lin),
    List(Vec<Lin>),
}

impl Env<'_> {
    fn lin_one(&mut self, e: &CExpr) -> Result<Lin, NotApplicable> {
        match self.lin(e)? {
            LinV::One(l) => Ok(l),
            LinV::List(_) => Err(INVALID),
        }
    }

    /// An expression as a linear form over the figures it reads (Err: not linear).
    fn lin(&mut self, e: &CExpr) -> Result<LinV, NotApplicable> {
        Ok(LinV::One(match e {
            CExpr::Num(n) => Lin::constant(*n),
            CExpr::Field(f) => {
                let start = self.read.len();
                let v = self.field(f)?;
                let origins: Vec<Origin> = self.read[start..].to_vec();
                return match v {
                    V::Num(n) => Ok(LinV::One(match origins.as_slice() {
                        [o] => Lin {
                            terms: vec![(*o, 1.0)],
                            c: 0.0,
                        },
                        // Another workbook's figure: taken as given.
                        _ => Lin::constant(n.v),
                    })),
                    V::List(ns) if origins.len() == ns.len() => Ok(LinV::List(
                        origins
                            .into_iter()
                            .map(|o| Lin {
                                terms: vec![(o, 1.0)],
                                c: 0.0,
                            })
                            .collect(),
                    )),
                    V::List(ns) => Ok(LinV::List(
                        ns.into_iter().map(|n| Lin::constant(n.v)).collect(),
                    )),
                    V::Bool(_) => Err(INVALID),
                };
            }
            CExpr::Neg(x) => self.lin_one(x)?.scale(-1.0),
            CExpr::Binary(op, a, b) => {
                let (a, b) = (self.lin_one(a)?, self.lin_one(b)?);
                match op {
                    BinOp::Add => a.add(b),
                    BinOp::Sub => a.add(b.scale(-1.0)),
                    BinOp::Mul if a.terms.is_empty() => b.scale(a.c),
                    BinOp::Mul if b.terms.is_empty() => a.scale(b.c),
                    BinOp::Div if b.terms.is_empty() && b.c != 0.0 => a.scale(1.0 / b.c),
                    _ => return Err(INVALID),
                }
            }
            CExpr::Call(Func::Sum, args) => {
                let mut acc = Lin::constant(0.0);
                for a in args {
                    match self.lin(a)? {
                        LinV::One(l) => acc = acc.add(l),
                        LinV::List(ls) => {
                            for l in ls {
                                acc = acc.add(l);
                            }
                        }
                    }
                }
                acc
            }
            _ => return Err(INVALID),
        }))
    }
}

/// The first instance of each form, by form index: what a check of another form reads.
fn first_instances(instances: &[FormInstance]) -> HashMap<usize, usize> {
    let mut by_form: HashMap<usize, usize> = HashMap::new();
    for (i, inst) in instances.iter().enumerate() {
        by_form.entry(inst.form).or_insert(i);
    }
    by_form
}

/// The rows a check is applied to in one instance: each of its `each` rows the form has,
/// each record, or once (None).
fn targets(check: &Check, form: &crate::rules::Form, inst: &FormInstance) -> Vec<Option<usize>> {
    match &check.each {
        Some(Each::Rows(rows)) => rows
            .iter()
            .filter(|r| inst.rows[**r].is_some())
            .map(|r| Some(*r))
            .collect(),
        Some(Each::Records) => (0..inst.records.len())
            .map(|k| Some(inst.record_index(form, k)))
            .collect(),
        None => vec![None],
    }
}

/// One application of a check: the instance, the row it is applied to, the other workbooks
/// it reads.
struct Applied<'a> {
    ii: usize,
    check: &'a Check,
    current: Option<usize>,
    unit: Option<&'a Linked>,
    previous: Option<&'a Linked>,
}

/// Every application of the checks of a workbook in `scope`, in order (instance, check, row):
/// the one enumeration that applying the checks ([`run`]), their shapes
/// ([`check_shapes_linked`]) and rechecking them ([`Recheck`]) go through, so their
/// applications are the same, in the same order. A check reading a workbook that is not
/// there (no single unit matched to the record, no last year's) is not applied.
fn applications<'a, 'o: 'a>(
    pack: &'a Pack,
    instances: &[FormInstance],
    scope: Scope<'o>,
) -> Vec<Applied<'a>> {
    let others = scope.others();
    let mut out = Vec::new();
    for (ii, inst) in instances.iter().enumerate() {
        let Some(form) = pack.forms.get(inst.form) else {
            continue;
        };
        for check in form.checks.iter().filter(|c| scope.takes(c)) {
            for current in targets(check, form, inst) {
                let (unit, previous) = match others {
                    Some(o) if !check.links.is_empty() => (
                        current
                            .and_then(|c| c.checked_sub(form.rows.len()))
                            .and_then(|k| inst.records.get(k))
                            .and_then(|r| (o.unit_for)(&r.key)),
                        o.previous,
                    ),
                    _ => (None, None),
                };
                if (check.links.contains(&Link::Unit) && unit.is_none())
                    || (check.links.contains(&Link::Previous) && previous.is_none())
                {
                    continue;
                }
                out.push(Applied {
                    ii,
                    check,
                    current,
                    unit,
                    previous,
                });
            }
        }
    }
    out
}

/// Every local check of a workbook (those not reading other workbooks), applied to each of
/// its rows, as a constraint over the figures, with the figures the checks may read.
pub fn check_shapes(
    pack: &Pack,
    sheets: &[String],
    instances: &[FormInstance],
    values: &[FormValues],
) -> (Vec<CheckShape>, Vec<Figure>) {
    check_shapes_linked(pack, sheets, instances, values, None)
}

/// The other workbooks the checks of a workbook read, in the second phase of a run: the unit
/// workbook of a record key, last year's workbook (their figures are taken as given).
#[derive(Clone, Copy)]
pub struct Others<'a> {
    pub unit_for: &'a dyn Fn(&str) -> Option<&'a Linked>,
    pub previous: Option<&'a Linked>,
}

/// [`check_shapes`], with the checks reading other workbooks too when `others` are given.
pub fn check_shapes_linked<'a, 'o: 'a>(
    pack: &'a Pack,
    sheets: &'a [String],
    instances: &'a [FormInstance],
    values: &'a [FormValues],
    others: Option<Others<'o>>,
) -> (Vec<CheckShape>, Vec<Figure>) {
    let mut shapes = Vec::new();
    for (_, shape, _) in shapes_pass(pack, sheets, instances, values, others) {
        shapes.extend(shape);
    }
    (shapes, figures_read(pack, instances, values))
}

/// [`check_shapes_linked`] and the [`Recheck`] of the same checks from one evaluation of
/// each application (what [`Recheck::new`] gives, without applying every check again).
pub fn check_shapes_rechecked<'a, 'o: 'a>(
    pack: &'a Pack,
    sheets: &'a [String],
    instances: &'a [FormInstance],
    values: &'a [FormValues],
    others: Option<Others<'o>>,
) -> (Vec<CheckShape>, Vec<Figure>, Recheck<'a>) {
    let mut r = Recheck::empty(pack, sheets, instances);
    let mut shapes = Vec::new();
    for (applied, shape, deps) in shapes_pass(pack, sheets, instances, values, others) {
        let verdict = shape.as_ref().map(|s| Verdict {
            rule: &applied.check.id,
            reads: s.reads.clone(),
            fails: s.fails,
            expected: s.expected,
        });
        r.add(applied, verdict, deps);
        shapes.extend(shape);
    }
    (shapes, figures_read(pack, instances, values), r)
}

/// Each application of the checks ([`applications`], in order) with its shape (None: not
/// applied, its condition does not hold or a figure it reads is missing) and every figure read
/// on the way, its condition's too (the verdict is the same as long as none of them changes).
fn shapes_pass<'a, 'o: 'a>(
    pack: &'a Pack,
    sheets: &'a [String],
    instances: &'a [FormInstance],
    values: &'a [FormValues],
    others: Option<Others<'o>>,
) -> Vec<(Applied<'a>, Option<CheckShape>, Vec<Origin>)> {
    let by_form = first_instances(instances);
    applications(pack, instances, others.map_or(Scope::Local, Scope::All))
        .into_iter()
        .map(|a| {
            let mut env = Env {
                pack,
                by_form: &by_form,
                values,
                instances,
                own: a.ii,
                current: a.current,
                read: Vec::new(),
                unit: a.unit,
                previous: a.previous,
                other_read: Vec::new(),
                changed: None,
                tol: a.check.tolerance,
            };
            let sheet = sheets.get(instances[a.ii].sheet);
            let (shape, deps) = shape_of(&mut env, a.check, sheets, sheet);
            (a, shape, deps)
        })
        .collect()
}

/// One application of `check` (its `env`) as a constraint ([`CheckShape`]; None: not applied),
/// with every figure read on the way, its condition's too.
fn shape_of(
    env: &mut Env<'_>,
    check: &Check,
    sheets: &[String],
    sheet: Option<&String>,
) -> (Option<CheckShape>, Vec<Origin>) {
    let mut deps: Vec<Origin> = Vec::new();
    if let Some(w) = &check.when {
        let r = env.eval(w);
        deps.append(&mut env.read);
        match r {
            Ok(V::Bool(true)) => {}
            _ => return (None, deps),
        }
        env.other_read.clear();
    }
    let (fails, found, expected, shape) = match &check.expr {
        CExpr::Compare(op, lhs, rhs) => {
            let (Ok(f), Ok(x)) = (env.num(lhs), env.num(rhs)) else {
                deps.append(&mut env.read);
                return (None, deps);
            };
            let fails = !compare(*op, f, x, check.tolerance);
            let shape = linear_shape(env, *op, lhs, rhs, tolerance(f, x, check.tolerance));
            (fails, f.v, x.v, shape)
        }
        cond => match env.eval(cond) {
            Ok(V::Bool(b)) => (!b, 0.0, 0.0, Shape::Other),
            _ => {
                deps.append(&mut env.read);
                return (None, deps);
            }
        },
    };
    let reads = first_reads(&env.read, sheets);
    deps.append(&mut env.read);
    // Cells of other workbooks after this workbook's, as findings name them (each once: a
    // set, not a search of the list, so that a check reading every record of a long summary
    // stays linear). This workbook's cells are named from `reads` when asked
    // ([`CheckShape::cells`]).
    let other_read = std::mem::take(&mut env.other_read);
    let mut other_cells: Vec<CellLoc> = Vec::new();
    if !other_read.is_empty() {
        let name = |si: usize| sheets.get(si).map(String::as_str).unwrap_or_default();
        let mut named: std::collections::BTreeSet<CellLoc> = reads
            .iter()
            .map(|(si, at)| CellLoc::new(None, name(*si).to_string(), at.to_string()))
            .collect();
        for (l, _) in other_read {
            if named.insert(l.clone()) {
                other_cells.push(l);
            }
        }
    }
    let shape = CheckShape {
        rule: check.id.clone(),
        sheet: sheet.cloned().unwrap_or_default(),
        other_cells,
        reads,
        fails,
        found,
        expected,
        shape,
    };
    (Some(shape), deps)
}

/// The constraint `lhs op rhs` when both sides are linear in the figures (`tol`: the
/// comparison's own tolerance), a follower `figure == expression`, or neither. The figures
/// read on the way are left as they were.
fn linear_shape(env: &mut Env<'_>, op: CmpOp, lhs: &CExpr, rhs: &CExpr, tol: f64) -> Shape {
    let read = std::mem::take(&mut env.read);
    let other_read = std::mem::take(&mut env.other_read);
    let l = env.lin_one(lhs);
    let r = env.lin_one(rhs);
    env.read = read;
    env.other_read = other_read;
    match (l, r) {
        (Ok(l), Ok(r)) if op != CmpOp::Ne => {
            let d = l.add(r.scale(-1.0));
            Shape::Linear {
                terms: d.terms,
                constant: d.c,
                op,
                tol,
            }
        }
        (Ok(l), Err(_)) if op == CmpOp::Eq && l.terms.len() == 1 && l.c == 0.0 => Shape::Follows {
            target: l.terms[0].0,
        },
        _ => Shape::Other,
    }
}

/// Every figure of the form instances (each number of their grids and cells), with its
/// label, kind and weight.
fn figures_read(pack: &Pack, instances: &[FormInstance], values: &[FormValues]) -> Vec<Figure> {
    let mut figures = Vec::new();
    for (ii, inst) in instances.iter().enumerate() {
        let form = &pack.forms[inst.form];
        let mut grid: Vec<_> = values[ii].grid.iter().collect();
        grid.sort_by_key(|(k, _)| **k);
        for (&(ri, ci), &(read, at)) in grid {
            let Read::Num(n) = read else { continue };
            let kind = form.columns.get(ci).map(|c| c.kind).unwrap_or_default();
            figures.push(Figure {
                at,
                v: n.v,
                count: kind == Kind::Count,
                percent: kind == Kind::Percent,
                decimals: n.decimals,
                grid: Some((ii, ri, ci)),
                field: None,
                weight: form.weights.of_grid(ri, ci),
            });
        }
        for (i, c) in values[ii].cells.iter().enumerate() {
            let Some((Read::Num(n), at)) = c else {
                continue;
            };
            let cf = &form.cells[i];
            figures.push(Figure {
                at: *at,
                v: n.v,
                count: cf.kind == Kind::Count,
                percent: cf.kind == Kind::Percent,
                decimals: n.decimals,
                grid: None,
                field: Some((ii, i)),
                weight: form.weights.of_cell(i),
            });
        }
    }
    figures
}

/// The figures with some of them changed: the tests' reference for re-checking a correction
/// from the start.
#[cfg(test)]
pub fn with_changes(values: &[FormValues], changes: &HashMap<Origin, f64>) -> Vec<FormValues> {
    let mut out = values.to_vec();
    let set = |e: &mut (Read, Origin)| {
        if let (Read::Num(n), Some(v)) = (&mut e.0, changes.get(&e.1)) {
            // As a correction is read when re-checking it ([`Env::as_changed`]).
            *n = n.with_value(*v);
        }
    };
    for fv in &mut out {
        fv.grid.values_mut().for_each(set);
        fv.cells.iter_mut().flatten().for_each(set);
    }
    out
}

/// The verdict of one application of a check (a form instance, a check, a row or record):
/// what [`CheckShape`] tells of it, without its cells and its constraint, for re-checking a
/// correction.
#[derive(Debug, Clone)]
pub struct Verdict<'a> {
    pub rule: &'a str,
    /// The figures read, in the same order as [`CheckShape::reads`].
    pub reads: Vec<Origin>,
    pub fails: bool,
    pub expected: f64,
}

/// One application of a check, with the figures its verdict depends on.
struct Application<'a> {
    ii: usize,
    check: &'a Check,
    current: Option<usize>,
    unit: Option<&'a Linked>,
    previous: Option<&'a Linked>,
    /// Every figure read on the way (its condition too), sorted: the verdict is the same as
    /// long as none of them changes.
    deps: Vec<Origin>,
    /// Its verdict over the figures as found: the key of its rule and figures read, whether
    /// it fails, the expected side.
    verdict: Option<(usize, bool, f64)>,
    /// The figures its verdict read (as [`CheckShape::reads`]; none without a verdict).
    reads: Vec<Origin>,
}

/// The first read of each cell among `read`, in order: cells told apart by their sheet's name
/// (two instances of one sheet are one sheet) and address. Linear: a check that sums every
/// record of a summary of 100,000 rows reads 100,000 cells.
fn first_reads(read: &[Origin], sheets: &[String]) -> Vec<Origin> {
    // A few cells (most checks): a search of those kept is quicker than a set.
    const FEW: usize = 16;
    if read.len() > FEW {
        return first_reads_by_set(read, sheets);
    }
    let name = |si: usize| sheets.get(si).map(String::as_str).unwrap_or_default();
    let mut kept: Vec<Origin> = Vec::with_capacity(read.len());
    for &(si, at) in read {
        if !kept
            .iter()
            .any(|&(sk, bt)| bt == at && (sk == si || name(sk) == name(si)))
        {
            kept.push((si, at));
        }
    }
    kept
}

/// [`first_reads`] of many cells: those seen kept in a set.
fn first_reads_by_set(read: &[Origin], sheets: &[String]) -> Vec<Origin> {
    let name = |si: usize| sheets.get(si).map(String::as_str).unwrap_or_default();
    let mut seen: HashSet<(&str, CellRef)> = HashSet::with_capacity(read.len());
    read.iter()
        .filter(|(si, at)| seen.insert((name(*si), *at)))
        .copied()
        .collect()
}

/// The checks of a workbook, applied once, for re-checking corrections: an application none
/// of whose figures a correction changes keeps its verdict, the others are evaluated again
/// (the same applications as [`check_shapes_linked`], in the same order).
pub struct Recheck<'a> {
    pack: &'a Pack,
    sheets: &'a [String],
    instances: &'a [FormInstance],
    by_form: HashMap<usize, usize>,
    applications: Vec<Application<'a>>,
    /// The figures read by an application with a verdict (as [`CheckShape::reads`]), and
    /// each rule with them: the key that tells the shapes apart.
    keys: HashMap<Vec<Origin>, Vec<(&'a str, usize)>, FxBuild>,
    /// The key of each verdict (each shape of [`check_shapes_linked`]), in order.
    shape_keys: Vec<usize>,
}

impl<'a> Recheck<'a> {
    /// Applies every check of the workbook once, apart from the shapes: the reference the
    /// tests hold [`check_shapes_rechecked`] to (which gives the same with the shapes, from
    /// one evaluation, and is what explaining calls).
    #[cfg(test)]
    pub fn new<'o: 'a>(
        pack: &'a Pack,
        sheets: &'a [String],
        instances: &'a [FormInstance],
        values: &[FormValues],
        others: Option<Others<'o>>,
    ) -> Recheck<'a> {
        let mut r = Recheck::empty(pack, sheets, instances);
        for applied in applications(pack, instances, others.map_or(Scope::Local, Scope::All)) {
            let a = Application {
                ii: applied.ii,
                check: applied.check,
                current: applied.current,
                unit: applied.unit,
                previous: applied.previous,
                deps: Vec::new(),
                verdict: None,
                reads: Vec::new(),
            };
            let (verdict, deps) = r.apply(&a, values, None);
            r.add(applied, verdict, deps);
        }
        r
    }

    fn empty(pack: &'a Pack, sheets: &'a [String], instances: &'a [FormInstance]) -> Recheck<'a> {
        Recheck {
            pack,
            sheets,
            instances,
            by_form: first_instances(instances),
            applications: Vec::new(),
            keys: HashMap::default(),
            shape_keys: Vec::new(),
        }
    }

    /// The next application, with its verdict over the figures as found and every figure
    /// read on the way.
    fn add(&mut self, applied: Applied<'a>, verdict: Option<Verdict<'a>>, mut deps: Vec<Origin>) {
        deps.sort_unstable();
        deps.dedup();
        // A new key is the index of the first shape with its rule and figures read.
        let next_key = self.shape_keys.len();
        let reads = verdict
            .as_ref()
            .map(|v| v.reads.clone())
            .unwrap_or_default();
        let verdict = verdict.map(|v| {
            let rules = self.keys.entry(v.reads).or_default();
            let key = match rules.iter().find(|(rule, _)| *rule == v.rule) {
                Some(&(_, k)) => k,
                None => {
                    rules.push((v.rule, next_key));
                    next_key
                }
            };
            self.shape_keys.push(key);
            (key, v.fails, v.expected)
        });
        self.applications.push(Application {
            ii: applied.ii,
            check: applied.check,
            current: applied.current,
            unit: applied.unit,
            previous: applied.previous,
            deps,
            verdict,
            reads,
        });
    }

    /// The verdict of one application over the given figures, and the figures read.
    fn apply(
        &self,
        a: &Application<'a>,
        values: &[FormValues],
        changed: Option<&[(Origin, f64)]>,
    ) -> (Option<Verdict<'a>>, Vec<Origin>) {
        let mut env = Env {
            pack: self.pack,
            by_form: &self.by_form,
            values,
            instances: self.instances,
            own: a.ii,
            current: a.current,
            read: Vec::new(),
            unit: a.unit,
            previous: a.previous,
            other_read: Vec::new(),
            changed,
            tol: a.check.tolerance,
        };
        let check = a.check;
        let mut deps: Vec<Origin> = Vec::new();
        if let Some(w) = &check.when {
            let r = env.eval(w);
            deps.append(&mut env.read);
            match r {
                Ok(V::Bool(true)) => {}
                _ => return (None, deps),
            }
        }
        let (fails, expected) = match &check.expr {
            CExpr::Compare(op, lhs, rhs) => {
                let (Ok(f), Ok(x)) = (env.num(lhs), env.num(rhs)) else {
                    deps.append(&mut env.read);
                    return (None, deps);
                };
                (!compare(*op, f, x, check.tolerance), x.v)
            }
            cond => match env.eval(cond) {
                Ok(V::Bool(b)) => (!b, 0.0),
                _ => {
                    deps.append(&mut env.read);
                    return (None, deps);
                }
            },
        };
        // The same figures as `check_shapes_linked` keeps: the first read of each cell.
        let reads = first_reads(&env.read, self.sheets);
        deps.append(&mut env.read);
        (
            Some(Verdict {
                rule: &check.id,
                reads,
                fails,
                expected,
            }),
            deps,
        )
    }

    /// After a correction (the figures of `changed` changed, each to its value; each figure
    /// once), the verdict
    /// of each shape of [`check_shapes_linked`] (by index): that of the last application with
    /// the same rule and figures read, whether it fails and the expected side (None: no such
    /// application any more). Only the applications reading a changed figure are evaluated
    /// again.
    pub fn after(
        &self,
        values: &[FormValues],
        changed: &[(Origin, f64)],
    ) -> Vec<Option<(bool, f64)>> {
        let mut by_key: Vec<Option<(bool, f64)>> = vec![None; self.shape_keys.len()];
        for a in &self.applications {
            let touched = changed.iter().any(|(o, _)| a.deps.binary_search(o).is_ok());
            if !touched {
                if let Some((k, fails, expected)) = a.verdict {
                    if let Some(slot) = by_key.get_mut(k) {
                        *slot = Some((fails, expected));
                    }
                }
                continue;
            }
            if let Some(v) = self.apply(a, values, Some(changed)).0 {
                // The same figures read as before (the commonest): its own key, without
                // looking it up.
                let key = match a.verdict {
                    Some((k, ..)) if v.reads == a.reads => Some(k),
                    _ => self
                        .keys
                        .get(v.reads.as_slice())
                        .and_then(|rules| rules.iter().find(|(rule, _)| *rule == v.rule))
                        .map(|&(_, k)| k),
                };
                if let Some(slot) = key.and_then(|k| by_key.get_mut(k)) {
                    *slot = Some((v.fails, v.expected));
                }
            }
        }
        self.shape_keys
            .iter()
            .map(|&k| by_key.get(k).copied().flatten())
            .collect()
    }
}

/// Evaluates an expression over a unit workbook's kept figures only (a column's `source`):
/// None when a figure it reads is missing or unreadable.
pub fn eval_linked(pack: &Pack, e: &CExpr, unit: &Linked) -> Option<f64> {
    let by_form = HashMap::new();
    let mut env = Env {
        pack,
        by_form: &by_form,
        values: &[],
        instances: &[],
        own: 0,
        current: None,
        read: Vec::new(),
        unit: Some(unit),
        previous: None,
        other_read: Vec::new(),
        changed: None,
        tol: Tolerance::None,
    };
    env.num(e).ok().map(|n| n.v)
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

/// Checks each subtotal of a located form against the rows it sums, column by column (counts
/// and plain numbers; a percentage of a subtotal is no sum of its rows' percentages). A figure
/// of the form that could not be read is reported where it is read: a column reading one is not
/// checked here.
pub fn check_subtotals(
    wb: &Workbook,
    inst: &FormInstance,
    values: &FormValues,
    rep: &mut Reporter<'_>,
) {
    let pack = rep.pack;
    let form = &pack.forms[inst.form];
    let sheet = &wb.sheets[inst.sheet];
    let locale = pack.settings.shown_locale();
    for s in &inst.subtotals {
        for (ci, col) in form.columns.iter().enumerate() {
            if !matches!(col.kind, Kind::Count | Kind::Number) {
                continue;
            }
            let Some(c) = inst.cols[ci] else { continue };
            let at = CellRef::new(s.row, c);
            let Some(found) = crate::check::structure::figure(sheet, at, &pack.settings) else {
                continue;
            };
            let mut expected = 0.0;
            let mut cells: Vec<CellLoc> = Vec::new();
            let mut readable = true;
            for m in &s.members {
                match values.grid.get(&(*m, ci)) {
                    Some((Read::Num(n), (_, mat))) => {
                        expected += n.v;
                        let mut l = loc(sheet, *mat);
                        l.label = Some(inst.label_of(form, *m).trim().to_string());
                        l.role = crate::finding::Role::PartOfExpected;
                        cells.push(l);
                    }
                    Some((Read::NotGiven, _)) => {}
                    _ => readable = false,
                }
            }
            if !readable || (found - expected).abs() < 1e-9 {
                continue;
            }
            let mut own = loc(sheet, at);
            own.label = Some(s.label.clone()).filter(|l| !l.is_empty());
            own.role = crate::finding::Role::Found;
            cells.insert(0, own);
            let rows: Vec<String> = s
                .members
                .iter()
                .filter_map(|m| inst.sheet_row(form, *m))
                .map(|r| (r + 1).to_string())
                .collect();
            let rows = match rows.as_slice() {
                [] => String::new(),
                [one] => one.clone(),
                [first, .., last] => format!("{first}–{last}"),
            };
            let show = |v: f64| format_number(v, None, locale);
            let diff = found - expected;
            let diff_text = if diff > 0.0 {
                format!("+{}", show(diff))
            } else {
                show(diff)
            };
            let label = if s.label.is_empty() {
                CellRef::new(s.row, c).to_string()
            } else {
                s.label.clone()
            };
            rep.engine(
                K::SubtotalMismatch,
                Some((inst.sheet, &sheet.name)),
                cells,
                Some(at),
                &[
                    ("form", &form.id),
                    ("label", &label),
                    ("column", &col.header),
                    ("found", &show(found)),
                    ("expected", &show(expected)),
                    ("difference", &diff_text),
                    ("rows", &rows),
                ],
            );
            if let Some(f) = rep.findings.last_mut() {
                f.expected = Some(expected);
                f.actual = Some(found);
                f.difference = Some(diff);
                f.decimals = Some(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPES_PACK: &str = r#"
[settings]
locale = "en"
language = "en"

[form]
id = "G"
name = "Gender"
sheet = '^g$'
labels = ["Total"]

[[column]]
id = "count"
header = "Count"
kind = "count"

[[column]]
id = "pct"
header = "Share"
kind = "percent"

[[row]]
id = "total"
label = "Total"

[[row]]
id = "men"
label = "Men"

[[row]]
id = "women"
label = "Women"

[[row]]
id = "young"
label = "Young"

[[row]]
id = "old"
label = "Old"

[[check]]
id = "G.split"
expr = "men + women == total"
message = "{found} {expected}"

[[check]]
id = "G.age"
expr = "young + old == total"
message = "{found} {expected}"

[[check]]
id = "G.young"
expr = "young <= men + 3"
message = "{found} {expected}"

[[check]]
id = "G.women"
when = "men > 20"
expr = "women >= 5"
message = "{found} {expected}"

[[check]]
id = "G.pct"
each = "*"
when = "total > 0"
expr = "$[pct] == $ / total * 100"
message = "{found} {expected}"
"#;

    /// A workbook of the pack above: counts near 10..40 with slips, shares computed from them
    /// with some typed wrong (`next`: the generator's next number).
    fn generated(next: &mut dyn FnMut() -> u64) -> crate::model::Workbook {
        let mut s = crate::model::Sheet::new("g");
        let mut put = |r: u32, c: u32, v: Value| {
            s.cells.insert(CellRef::new(r, c), Cell::value(v));
        };
        put(0, 0, Value::Text("Label".into()));
        put(0, 1, Value::Text("Count".into()));
        put(0, 2, Value::Text("Share".into()));
        let men = (next() % 30) as f64;
        let women = (next() % 30) as f64;
        let young = (next() % 30) as f64;
        let mut counts = [men + women, men, women, young, men + women - young];
        for c in &mut counts {
            if next() % 4 == 0 {
                *c += (next() % 5) as f64 - 2.0;
            }
        }
        let labels = ["Total", "Men", "Women", "Young", "Old"];
        for (i, l) in labels.iter().enumerate() {
            let r = i as u32 + 1;
            put(r, 0, Value::Text((*l).into()));
            put(r, 1, Value::Number(counts[i]));
            let mut pct = if counts[0] > 0.0 {
                round_half_away(counts[i] / counts[0] * 100.0, 1)
            } else {
                0.0
            };
            if next() % 5 == 0 {
                pct += 1.0;
            }
            put(r, 2, Value::Text(format!("{pct:.1}")));
        }
        crate::model::Workbook {
            sheets: vec![s],
            defined_names: vec![],
        }
    }

    /// A few cells' first reads, kept by a search of the list, are those kept by a set, on
    /// generated reads: repeated cells, two instances of one sheet (one sheet by name), a
    /// sheet index past the names.
    #[test]
    fn few_first_reads_by_search_are_those_by_set() {
        let sheets = ["a".to_string(), "b".to_string(), "a".to_string()];
        let mut state = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut differ = 0;
        for _ in 0..2_000 {
            let n = (next() % 17) as usize;
            let read: Vec<Origin> = (0..n)
                .map(|_| {
                    let si = (next() % 5) as usize;
                    (si, CellRef::new((next() % 4) as u32, (next() % 2) as u32))
                })
                .collect();
            let kept = first_reads(&read, &sheets);
            assert_eq!(kept, first_reads_by_set(&read, &sheets), "{read:?}");
            differ += usize::from(kept.len() < read.len());
        }
        assert!(differ > 500, "{differ}");
    }

    /// The shapes and the re-checking of corrections from one pass
    /// ([`check_shapes_rechecked`]) are those of applying every check again: the shapes as
    /// [`check_shapes_linked`] gives them, and after any correction, the verdicts of
    /// [`Recheck::new`] and of checking the corrected figures from the start
    /// ([`with_changes`]), on generated workbooks and corrections.
    #[test]
    fn one_pass_rechecks_as_the_full_reevaluation() {
        use crate::check::{check_workbook_located, Links};
        let pack = crate::rules::compile(&[crate::rules::Source {
            name: "g.toml".into(),
            text: SHAPES_PACK.into(),
        }])
        .unwrap_or_else(|e| panic!("{e:?}"));
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let sheets = vec!["g".to_string()];
        let (mut compared, mut changed_verdicts) = (0, 0);
        for _ in 0..60 {
            let wb = generated(&mut next);
            let (.., located) = check_workbook_located(&wb, "g.xlsx", &pack, Links::NONE, None);
            let (instances, values) = (&located.instances, &located.values);
            let (shapes, figures, one) =
                check_shapes_rechecked(&pack, &sheets, instances, values, None);
            let (again, _) = check_shapes_linked(&pack, &sheets, instances, values, None);
            assert_eq!(format!("{shapes:?}"), format!("{again:?}"));
            let full = Recheck::new(&pack, &sheets, instances, values, None);
            assert!(figures.len() >= 5, "{figures:?}");
            for _ in 0..20 {
                // One to three figures corrected, each to a value near its own.
                let mut fixed: Vec<(Origin, f64)> = Vec::new();
                for _ in 0..=(next() % 3) {
                    let f = &figures[(next() % figures.len() as u64) as usize];
                    if !fixed.iter().any(|(o, _)| *o == f.at) {
                        let by = (next() % 7) as f64 - 3.0;
                        fixed.push((f.at, if f.percent { f.v + by / 10.0 } else { f.v + by }));
                    }
                }
                let after = one.after(values, &fixed);
                assert_eq!(after, full.after(values, &fixed), "{fixed:?}");
                let map: HashMap<Origin, f64> = fixed.iter().copied().collect();
                let (re, _) = check_shapes_linked(
                    &pack,
                    &sheets,
                    instances,
                    &with_changes(values, &map),
                    None,
                );
                for (si, s) in shapes.iter().enumerate() {
                    // The last application with the same rule and figures read.
                    let expected = re
                        .iter()
                        .rev()
                        .find(|r| r.rule == s.rule && r.reads == s.reads)
                        .map(|r| (r.fails, r.expected));
                    assert_eq!(after[si], expected, "{} after {fixed:?}", s.rule);
                    compared += 1;
                    changed_verdicts += usize::from(expected.map(|e| e.0) != Some(s.fails));
                }
            }
        }
        // The cases are not all alike: many verdicts compared, some changed by a correction.
        assert!(compared > 5_000, "{compared}");
        assert!(changed_verdicts > 100, "{changed_verdicts}");
    }

    /// A check summing every record of a summary of 100,000 rows reads 100,000 cells (and
    /// the end row): the first read of each is kept in one pass. A search of the list for each
    /// cell (as before) took minutes here; no time is asserted, the test is only quick when
    /// the keeping is linear.
    #[test]
    fn the_first_reads_of_100000_cells_are_kept_in_order_in_one_pass() {
        // Sheets 0 and 2 are one sheet by name (a form found twice on it).
        let sheets = ["TH01".to_string(), "TH02".to_string(), "TH01".to_string()];
        let mut read: Vec<Origin> = (0..100_000u32).map(|r| (0, CellRef::new(r, 3))).collect();
        read.extend((0..100_000u32).map(|r| (2, CellRef::new(r, 3))));
        read.push((1, CellRef::new(7, 3)));
        read.push((0, CellRef::new(7, 3)));
        let first = first_reads(&read, &sheets);
        assert_eq!(first.len(), 100_001);
        assert_eq!(first[..100_000], read[..100_000]);
        assert_eq!(first[100_000], (1, CellRef::new(7, 3)));
    }

    /// `round(x, n)` of the rule language, evaluated.
    fn round(x: f64, n: f64) -> Option<f64> {
        let pack = crate::rules::compile(&crate::rules::builtin_sources()).expect("built-in pack");
        let e = CExpr::Call(Func::Round, vec![CExpr::Num(x), CExpr::Num(n)]);
        eval_linked(&pack, &e, &Linked::default())
    }

    /// An expression of constants, evaluated: its value, or why it has none.
    fn value_of(e: &CExpr) -> Result<f64, Option<Reason>> {
        let pack = crate::rules::compile(&crate::rules::builtin_sources()).expect("built-in pack");
        let by_form = HashMap::new();
        let mut env = Env {
            pack: &pack,
            by_form: &by_form,
            values: &[],
            instances: &[],
            own: 0,
            current: None,
            read: Vec::new(),
            unit: None,
            previous: None,
            other_read: Vec::new(),
            changed: None,
            tol: Tolerance::None,
        };
        env.num(e).map(|n| n.v).map_err(|e| e.0)
    }

    fn bin(op: BinOp, a: f64, b: f64) -> CExpr {
        CExpr::Binary(op, Box::new(CExpr::Num(a)), Box::new(CExpr::Num(b)))
    }

    /// `count / base * 100` evaluated as a check evaluates it.
    fn share(count: f64, base: f64) -> Num {
        let pack = crate::rules::compile(&crate::rules::builtin_sources()).expect("built-in pack");
        let by_form = HashMap::new();
        let mut env = Env {
            pack: &pack,
            by_form: &by_form,
            values: &[],
            instances: &[],
            own: 0,
            current: None,
            read: Vec::new(),
            unit: None,
            previous: None,
            other_read: Vec::new(),
            changed: None,
            tol: Tolerance::None,
        };
        let e = CExpr::Binary(
            BinOp::Mul,
            Box::new(bin(BinOp::Div, count, base)),
            Box::new(CExpr::Num(100.0)),
        );
        env.num(&e).expect("a share")
    }

    /// A percentage as its cell shows it, with `decimals` decimals.
    fn shown(v: f64, decimals: u8) -> Num {
        Num {
            v,
            slack: 0.5 * 10f64.powi(-i32::from(decimals)),
            decimals,
            exact: Exact::shown(v, decimals),
        }
    }

    #[test]
    fn an_exact_tie_is_rounded_half_away_from_zero_as_the_sheet_shows_it() {
        // 1 of 8 is exactly 12.5 %: shown to no decimals 13, and 12 is a slip.
        let eq = |cell: Num, count: f64, base: f64| {
            compare(CmpOp::Eq, cell, share(count, base), Tolerance::None)
        };
        assert_eq!(
            (eq(shown(13.0, 0), 1.0, 8.0), eq(shown(12.0, 0), 1.0, 8.0)),
            (true, false)
        );
        // 7 of 40 is 17.5 exactly, though 7 / 40 * 100 in floating point is 17.499999999999996.
        assert!(eq(shown(18.0, 0), 7.0, 40.0) && !eq(shown(17.0, 0), 7.0, 40.0));
        // The same ties one decimal further, and below zero (away from zero: -13).
        assert!(eq(shown(12.5, 1), 1.0, 8.0) && !eq(shown(12.4, 1), 1.0, 8.0));
        assert!(eq(shown(1.3, 1), 1.0, 80.0) && !eq(shown(1.2, 1), 1.0, 80.0));
        assert!(eq(shown(-13.0, 0), -1.0, 8.0) && !eq(shown(-12.0, 0), -1.0, 8.0));
        // A cell holding 0.125 shown as 13 % (its value, not what it shows, is 12.5).
        assert!(eq(shown(12.5, 0), 1.0, 8.0));
        // Not a tie: the tolerance of the shown rounding, as before.
        assert!(eq(shown(33.0, 0), 1.0, 3.0) && !eq(shown(34.0, 0), 1.0, 3.0));
        // A formula's share in a General cell, shown with every decimal a float holds: its
        // last digit is the float's noise, never a finding.
        let general = 100.0 / 3.0;
        assert!(eq(shown(general, shown_decimals(general)), 1.0, 3.0));
        assert!(eq(
            shown(700.0 / 9.0, shown_decimals(700.0 / 9.0)),
            7.0,
            9.0
        ));
        assert!(compare(
            CmpOp::Ne,
            shown(12.0, 0),
            share(1.0, 8.0),
            Tolerance::None
        ));
        // Nothing exact known (a sum of rounded percentages): the rounding tolerance decides.
        let sum = Num {
            v: 99.5,
            slack: 1.0,
            decimals: 0,
            exact: Exact::Unknown,
        };
        assert!(compare(CmpOp::Eq, sum, Num::exact(100.0), Tolerance::None));
    }

    #[test]
    fn a_sum_beyond_the_largest_number_is_not_finite() {
        let e = CExpr::Call(Func::Sum, vec![CExpr::Num(1e308), CExpr::Num(1e308)]);
        assert_eq!(value_of(&e), Err(Some(Reason::NotFinite)));
    }
    #[test]
    fn a_product_beyond_the_largest_number_is_not_finite() {
        assert_eq!(
            value_of(&bin(BinOp::Mul, 1e308, 10.0)),
            Err(Some(Reason::NotFinite))
        );
    }
    #[test]
    fn a_difference_beyond_the_largest_number_is_not_finite() {
        assert_eq!(
            value_of(&bin(BinOp::Sub, -1e308, 1e308)),
            Err(Some(Reason::NotFinite))
        );
    }
    #[test]
    fn a_division_by_zero_says_so() {
        assert_eq!(
            value_of(&bin(BinOp::Div, 5.0, 0.0)),
            Err(Some(Reason::DivisionByZero))
        );
    }
    #[test]
    fn a_large_finite_sum_is_a_value() {
        let e = CExpr::Call(Func::Sum, vec![CExpr::Num(1e307), CExpr::Num(1e307)]);
        assert_eq!(value_of(&e), Ok(2e307));
    }
    #[test]
    fn the_least_of_nothing_is_nothing_to_check() {
        assert_eq!(value_of(&CExpr::Call(Func::Min, vec![])), Err(None));
    }

    #[test]
    fn round_far_negative_digits_is_zero() {
        assert_eq!(round(1234.5, -1e9), Some(0.0));
    }
    #[test]
    fn round_negative_infinite_digits_is_zero() {
        assert_eq!(round(1234.5, f64::NEG_INFINITY), Some(0.0));
    }
    #[test]
    fn round_far_positive_digits_is_the_value() {
        assert_eq!(round(1234.5678, 400.0), Some(1234.5678));
    }
    #[test]
    fn round_infinite_digits_is_the_value() {
        assert_eq!(round(1234.5678, f64::INFINITY), Some(1234.5678));
    }
    #[test]
    fn round_to_tens() {
        assert_eq!(round(1234.5, -1.0), Some(1230.0));
    }
    #[test]
    fn round_to_hundreds_half_away() {
        assert_eq!(round(-1250.0, -2.0), Some(-1300.0));
    }
    #[test]
    fn round_truncates_the_digit_count_as_excel_does() {
        assert_eq!(round(2.567, 1.9), Some(2.6));
    }
    #[test]
    fn round_with_nan_digits_is_not_applicable() {
        assert_eq!(round(1.0, f64::NAN), None);
    }
    #[test]
    fn round_of_a_huge_value_to_huge_units_stays_finite() {
        assert!(round(f64::MAX, -308.0).is_some_and(f64::is_finite));
    }

    #[test]
    fn a_label_gets_its_column_heading_only_when_its_row_label_is_not_enough() {
        use crate::finding::Role;
        let at = |c: &str| CellLoc::new(None, "M01".into(), c.into());
        let p = |r: &str, h: Option<&str>| Some((r.to_string(), h.map(str::to_string)));
        // A percentage, its count (same row) and the base; a single-cell field; a cell that
        // is no located figure.
        let mut cells = vec![at("D14"), at("C14"), at("C7"), at("H2"), at("Z9")];
        let parts = vec![
            p("Nữ", Some("Tỷ lệ (%)")),
            p("Nữ", Some("Số lượng")),
            p("Tổng số đảng viên", Some("Số lượng")),
            p("Năm báo cáo", None),
            None,
        ];
        set_labels(&mut cells, &parts);
        let labels: Vec<Option<&str>> = cells.iter().map(|c| c.label.as_deref()).collect();
        assert_eq!(
            labels,
            [
                Some("Nữ — Tỷ lệ (%)"),
                Some("Nữ — Số lượng"),
                Some("Tổng số đảng viên"),
                Some("Năm báo cáo"),
                None
            ]
        );
        // One cell on the left: the figure found; three on the right: parts of the expected.
        set_roles(&mut cells[..4], &[true, false, false, false]);
        let roles: Vec<Role> = cells.iter().map(|c| c.role).collect();
        assert_eq!(
            roles,
            [
                Role::Found,
                Role::PartOfExpected,
                Role::PartOfExpected,
                Role::PartOfExpected,
                Role::Read
            ]
        );
        set_roles(&mut cells[..3], &[true, true, false]);
        let roles: Vec<Role> = cells[..3].iter().map(|c| c.role).collect();
        assert_eq!(
            roles,
            [Role::PartOfFound, Role::PartOfFound, Role::Expected]
        );
    }

    /// A fraction put in lowest terms in 64 bits is the one the 128-bit reduction gives, on
    /// generated numerators and denominators of every sign and size that fits (zero, one,
    /// shared factors, the largest and smallest 64-bit numbers); beyond 64 bits, none.
    #[test]
    fn a_fraction_in_64_bits_is_the_one_in_128() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let edges: [i128; 10] = [
            0,
            1,
            -1,
            100,
            -360,
            i128::from(i64::MAX),
            i128::from(i64::MIN) + 1,
            i128::from(i64::MAX) - 1,
            1 << 53,
            -(1 << 40) * 3,
        ];
        let mut compared = 0;
        for i in 0..20_000 {
            let pick = |r: u64| -> i128 {
                match r % 4 {
                    0 => edges[(r / 4 % 10) as usize],
                    1 => i128::from((r >> 8) as i64 % 1000),
                    2 => i128::from((r >> 3) as i64 % 1_000_000_007) * 6,
                    _ => i128::from(r as i64),
                }
            };
            let (n, d) = (pick(next()), pick(next()));
            if d == 0 {
                continue;
            }
            let fast = Exact::ratio_64(n, d);
            if fast.is_none() {
                assert!(
                    n == i128::from(i64::MIN) || d == i128::from(i64::MIN),
                    "{n}/{d}"
                );
            }
            if let Some(r) = fast {
                assert_eq!(r, Exact::ratio_128(n, d), "case {i}: {n}/{d}");
                compared += 1;
            }
        }
        assert!(compared > 15_000, "{compared}");
        assert_eq!(Exact::ratio_64(1 << 70, 3), None);
        assert_eq!(Exact::ratio_64(6, -4), Some(Exact::Ratio(-3, 2)));
        assert_eq!(Exact::ratio_64(0, -7), Some(Exact::Ratio(0, 1)));
        // Whole numbers added and taken away as the fraction gives them.
        for (a, c) in [(3, 4), (-5, 2), (0, 0), (i128::MAX, 1)] {
            let (x, y) = (Exact::Ratio(a, 1), Exact::Ratio(c, 1));
            let slow = |sub: bool| {
                let n = if sub {
                    a.checked_sub(c)
                } else {
                    a.checked_add(c)
                };
                n.map_or(Exact::Unknown, |n| Exact::ratio_128(n, 1))
            };
            assert_eq!(x.op(BinOp::Add, y), slow(false));
            assert_eq!(x.op(BinOp::Sub, y), slow(true));
        }
    }
}

/// A check's own tolerance ([`Tolerance`]) on top of the rounding shown.
#[cfg(test)]
mod tolerance_tests {
    use crate::check::check_workbook;
    use crate::model::{Cell, CellRef, Sheet, Value, Workbook};
    use crate::rules::{compile, Source};

    /// A form T: Total, Men, Women counts, and a percent column (one decimal shown).
    fn findings(settings: &str, check_extra: &str, counts: [f64; 3], pct: [f64; 2]) -> Vec<String> {
        let text = format!(
            r#"
[settings]
locale = "en"
language = "en"
{settings}

[form]
id = "T"
name = "T"
labels = ["Total"]

[[column]]
id = "count"
header = "Count"

[[column]]
id = "pct"
header = "Share"
kind = "percent"

[[row]]
id = "total"
label = "Total"

[[row]]
id = "men"
label = "Men"

[[row]]
id = "women"
label = "Women"

[[check]]
id = "T.split"
expr = "men + women == total"
message = "{{found}} vs {{expected}}"
{check_extra}

[[check]]
id = "T.shares"
expr = "men[pct] + women[pct] == 100"
message = "{{found}} vs {{expected}}"
"#
        );
        let pack = compile(&[Source {
            name: "t.toml".into(),
            text,
        }])
        .unwrap_or_else(|e| panic!("{e:?}"));
        let mut s = Sheet::new("t");
        let mut put = |r: u32, c: u32, v: Value| {
            s.cells.insert(CellRef::new(r, c), Cell::value(v));
        };
        put(0, 0, Value::Text("Label".into()));
        put(0, 1, Value::Text("Count".into()));
        put(0, 2, Value::Text("Share".into()));
        for (i, l) in ["Total", "Men", "Women"].iter().enumerate() {
            let r = i as u32 + 1;
            put(r, 0, Value::Text((*l).into()));
            put(r, 1, Value::Number(counts[i]));
            if i > 0 {
                put(r, 2, Value::Number(pct[i - 1]));
            }
        }
        let wb = Workbook {
            sheets: vec![s],
            defined_names: vec![],
        };
        let (_, found, _) = check_workbook(&wb, "t.xlsx", &pack);
        found
            .into_iter()
            .filter(|f| f.rule.starts_with("T."))
            .map(|f| f.rule)
            .collect()
    }

    const SHARES: [f64; 2] = [60.0, 40.0];

    #[test]
    fn without_a_tolerance_a_count_off_by_one_fails() {
        assert_eq!(findings("", "", [101.0, 60.0, 40.0], SHARES), ["T.split"]);
    }

    #[test]
    fn an_absolute_tolerance_allows_that_much_and_no_more() {
        let own = "tolerance = 1";
        assert!(findings("", own, [101.0, 60.0, 40.0], SHARES).is_empty());
        assert_eq!(findings("", own, [102.0, 60.0, 40.0], SHARES), ["T.split"]);
    }

    #[test]
    fn a_relative_tolerance_is_a_share_of_the_expected_side() {
        let own = r#"tolerance = "1%""#;
        // 1 % of 1000 is 10: 1010 passes, 1011 does not.
        assert!(findings("", own, [1010.0, 600.0, 400.0], SHARES).is_empty());
        assert_eq!(
            findings("", own, [1011.0, 600.0, 400.0], SHARES),
            ["T.split"]
        );
        // 1 % of 100 is 1: off by two fails.
        assert_eq!(findings("", own, [102.0, 60.0, 40.0], SHARES), ["T.split"]);
    }

    #[test]
    fn the_pack_default_holds_for_checks_without_their_own() {
        let pack = "tolerance = 2";
        assert!(findings(pack, "", [102.0, 60.0, 40.0], SHARES).is_empty());
        // Shares 61.2 + 40.1 = 101.3: 0.1 of rounding (two figures shown with one decimal,
        // half a unit each) plus 2 on top.
        assert!(findings(pack, "", [100.0, 60.0, 40.0], [61.2, 40.1]).is_empty());
        // A check's own tolerance wins over the pack's.
        assert_eq!(
            findings(pack, "tolerance = 0.5", [102.0, 60.0, 40.0], SHARES),
            ["T.split"]
        );
    }

    #[test]
    fn the_rounding_shown_still_comes_on_top() {
        // 60.3 + 39.8 = 100.1: the shown rounding (0.05 each) allows 0.1, but not 0.2.
        assert!(findings("", "", [100.0, 60.0, 40.0], [60.3, 39.8]).is_empty());
        assert_eq!(
            findings("", "", [100.0, 60.0, 40.0], [60.3, 39.9]),
            ["T.shares"]
        );
        // With 0.25 of its own the same check allows 0.35 in all: 100.3 passes, 100.4 not.
        let pack = "tolerance = 0.25";
        assert!(findings(pack, "", [100.0, 60.0, 40.0], [60.4, 39.9]).is_empty());
        assert_eq!(
            findings(pack, "", [100.0, 60.0, 40.0], [60.5, 39.9]),
            ["T.shares"]
        );
    }
}
