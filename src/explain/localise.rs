//! Which figure is most likely wrong, and what it should be: error localisation over a
//! workbook's checks (Fellegi–Holt: the smallest set of figures whose change makes every
//! linear check hold, failing and passing alike, each within its tolerance).
//!
//! It sits after [`crate::check::eval`]: the checks as constraints ([`eval::check_shapes`]) are
//! `Σ coef·figure + constant op 0` within the comparison's own tolerance (counts exact, a sum
//! of k rounded values within k halves); counts stay whole and ≥ 0. A check of the form
//! `figure == non-linear expression` (a percentage of a count and a base) is a follower: the
//! figure is recomputed when its count or base changes (not a second change), and is a one-cell
//! explanation of its own when it alone is wrong. Other checks are left out, and said so.
//!
//! Solving is exact enumeration: within each group of figures tied by checks, change sets of
//! size 1 to [`MAX_SIZE`] in turn, each set branching only on figures of a failing check (every
//! failing check must be hit) or of the checks that prove the set has no solution (a
//! Fourier–Motzkin certificate: a larger solution must change one of their figures); a set is
//! kept when the constraints it touches have a solution (equalities substituted, then
//! Fourier–Motzkin over its figures), which gives each figure's exact range. Equally small sets
//! are told apart by the percentages: a set after which a shown percentage still disagrees with
//! its unchanged count and base needs one more change. Integrality is checked exactly when
//! every figure of a set is determined; for a set with a range, the range is that of the LP
//! relaxation, rounded to whole counts. A figure whose range holds one value (at
//! the decimals it shows; whole for a count) gets that value suggested, otherwise the range.
//! All equally small sets are reported (up to [`MAX_ALTERNATIVES`]); beyond [`MAX_SIZE`]
//! changes, or the work bound, the group is "not localised", never a guess.
//!
//! "Small" is by weight: every figure weighs 1 unless its rule pack says otherwise (`[localise]`,
//! [`crate::rules::Weights`]), and the sets with the smallest sum of weights are the most
//! likely (with weights 1, the smallest sets, as above).
//!
//! A change is named by the slip it looks like ([`Slip`]); in the second phase of a run with
//! last year's workbook linked (`--previous`), a found figure equal to the same cell's last
//! year, where the checks want another, is last year's figure left as it was.
//!
//! It is the most likely explanation given the checks, never a certainty; the words say so.

use crate::check::eval::{self, CheckShape, Figure, FormValues, Origin, Shape};
use crate::check::locate::FormInstance;
use crate::registry::TextId;
use crate::rules::expr::CmpOp;
use crate::rules::Pack;
use crate::text::{format_number, round_half_away, FxBuild};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The largest change set looked for.
pub const MAX_SIZE: usize = 6;
/// Equally small explanations reported at most.
pub const MAX_ALTERNATIVES: usize = 16;
/// Equally small sets compared by their percentages at most.
const TIE_BREAK: usize = 24;
/// Search nodes per group of figures, and Fourier–Motzkin rows per set.
const NODE_BUDGET: usize = 200_000;
const ROW_BUDGET: usize = 20_000;

pub use crate::result::{Change, Explanation, FindingRef, Slip};

impl Slip {
    fn text(self) -> TextId {
        match self {
            Slip::SwappedDigits => TextId::SlipSwappedDigits,
            Slip::MistypedDigit => TextId::SlipMistypedDigit,
            Slip::OffByOne => TextId::SlipOffByOne,
            Slip::Sign => TextId::SlipSign,
            Slip::TruncatedPercentage => TextId::SlipTruncatedPercentage,
            Slip::WrongBase => TextId::SlipWrongBase,
            Slip::RowOff => TextId::SlipRowOff,
            Slip::Follows => TextId::SlipFollows,
            Slip::LastYearsFigure => TextId::SlipLastYearsFigure,
        }
    }
}

impl FindingRef {
    fn of(s: &CheckShape, sheets: &[String]) -> FindingRef {
        FindingRef {
            rule: s.rule.clone(),
            sheet: s.sheet.clone(),
            cells: s
                .cells(sheets)
                .into_iter()
                .map(|c| (c.file, c.sheet, c.cell))
                .collect(),
        }
    }
}

/// Explains the failing checks of one workbook's located forms.
pub fn explain(
    pack: &Pack,
    sheets: &[String],
    instances: &[FormInstance],
    values: &[FormValues],
) -> Vec<Explanation> {
    explain_with(pack, sheets, instances, values, None)
}

/// [`explain`] in the second phase of a run, with the checks that read other workbooks (a
/// summary against its units, last year's figures): the other workbooks' figures are taken
/// as given, so a summary figure that differs from its unit's is explained by the summary's
/// cell.
pub fn explain_linked(
    pack: &Pack,
    d: &eval::Deferred,
    others: eval::Others<'_>,
) -> Vec<Explanation> {
    explain_with(pack, &d.sheets, &d.instances, &d.values, Some(others))
}

/// The linear constraints of the checks of linear shape: Σ a·x + c ∈ [lo, hi] over the
/// figures (`fig_at`: a figure's index by its origin), each with whether it is violated. A
/// check reading a figure that is not a candidate is left out.
fn linear_constraints(
    shapes: &[CheckShape],
    fig_at: &HashMap<Origin, usize>,
    figures: &[Figure],
) -> Vec<Con> {
    let mut cons: Vec<Con> = Vec::new();
    'shapes: for (si, s) in shapes.iter().enumerate() {
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
        let c = *constant;
        for (o, a) in terms {
            match fig_at.get(o) {
                Some(i) => *merged.entry(*i).or_default() += a,
                None => continue 'shapes,
            }
        }
        let (lo, hi) = match op {
            CmpOp::Eq => (-tol, *tol),
            CmpOp::Le | CmpOp::Lt => (f64::NEG_INFINITY, *tol),
            CmpOp::Ge | CmpOp::Gt => (-tol, f64::INFINITY),
            CmpOp::Ne => continue,
        };
        let terms: Vec<(usize, f64)> = merged.into_iter().filter(|(_, a)| *a != 0.0).collect();
        let value: f64 = c + terms.iter().map(|(i, a)| a * figures[*i].v).sum::<f64>();
        cons.push(Con {
            shape: si,
            violated: !(lo <= value && value <= hi),
            terms,
            c,
            lo,
            hi,
        });
    }
    cons
}

/// The explanation of failing checks (`refs`, indices of `shapes`) that no figure changed
/// explains: said so, not guessed.
fn not_localised(
    words: &Words,
    sheets: &[String],
    shapes: &[CheckShape],
    refs: &[usize],
    cause: usize,
    left_out: usize,
) -> Explanation {
    Explanation {
        cause,
        alternatives: 0,
        larger: 0,
        or: vec![],
        localised: false,
        changes: vec![],
        text: words.text(
            TextId::ExplainNotLocalised,
            &[("count", &refs.len().to_string())],
        ),
        resolves: refs
            .iter()
            .map(|&i| FindingRef::of(&shapes[i], sheets))
            .collect(),
        left_out,
    }
}

/// Alternative readings of one cause (`n` in all) all given the one text that names them.
fn one_text_for_all(pack: &Pack, alternatives: &mut [Explanation], n: usize) {
    let text = {
        let alts: Vec<&Explanation> = alternatives.iter().collect();
        one_of_text(pack, &alts, n)
    };
    alternatives.iter_mut().for_each(|e| e.text = text.clone());
}

/// The readings of one cause, with the best reading one figure larger (`or`, of
/// `larger_count`) said beside them: in their text and in each cell's note (the marked copy
/// sent to the branch, the review workbook), which never shows the suggestion alone when
/// another reading exists.
fn with_larger_reading(
    readings: &mut [Explanation],
    or: &[Change],
    larger_count: usize,
    note: &str,
) {
    for e in readings {
        e.larger = larger_count;
        e.or = or.to_vec();
        e.text = format!("{}; {note}", e.text);
        for c in &mut e.changes {
            c.note = format!("{}; {note}", c.note);
        }
    }
}

fn explain_with(
    pack: &Pack,
    sheets: &[String],
    instances: &[FormInstance],
    values: &[FormValues],
    others: Option<eval::Others<'_>>,
) -> Vec<Explanation> {
    // With what re-checks corrections: only the checks reading a changed figure again.
    let (shapes, figures, recheck) =
        eval::check_shapes_rechecked(pack, sheets, instances, values, others);
    if !shapes.iter().any(|s| s.fails) {
        return vec![];
    }
    let words = Words { pack };
    let fig_at: HashMap<Origin, usize> =
        figures.iter().enumerate().map(|(i, f)| (f.at, i)).collect();
    let last_year = last_years(pack, instances, &figures, others.and_then(|o| o.previous));
    let left_out = shapes
        .iter()
        .filter(|s| s.fails && matches!(s.shape, Shape::Other))
        .count();
    let cons = linear_constraints(&shapes, &fig_at, &figures);
    let mut out = Vec::new();
    let mut resolved: HashSet<usize> = HashSet::new();
    let mut cause = 0;
    for group in groups(&cons, figures.len()) {
        if !group.iter().any(|&c| cons[c].violated) {
            continue;
        }
        let solver = Solver::new(&cons, &group, &figures);
        match solver.solve() {
            None => {
                let refs: Vec<usize> = group
                    .iter()
                    .filter(|&&c| cons[c].violated)
                    .map(|&c| cons[c].shape)
                    .collect();
                resolved.extend(&refs);
                out.push(not_localised(
                    &words, sheets, &shapes, &refs, cause, left_out,
                ));
            }
            Some((sets, larger)) => {
                let b = Build {
                    recheck: &recheck,
                    instances,
                    values,
                    sheets,
                    shapes: &shapes,
                    figures: &figures,
                    last_year: &last_year,
                    fig_at: &fig_at,
                    cons: &cons,
                    group: &group,
                    words: &words,
                };
                let readings = b.readings(sets, &larger, &mut resolved);
                let first = out.len();
                out.extend(readings);
                for e in &mut out[first..] {
                    e.cause = cause;
                    e.left_out = left_out;
                }
            }
        }
        cause += 1;
    }
    // Percentages that disagree with their count and base, where no smaller explanation
    // covered them: the percentage is wrong, or — as likely, one figure too — the count, when a
    // whole count gives the percentage shown and changing it breaks no check that holds. Both
    // are said, never the percentage alone as if it were certain.
    for (si, s) in shapes.iter().enumerate() {
        let Shape::Follows { target } = s.shape else {
            continue;
        };
        if !s.fails || resolved.contains(&si) {
            continue;
        }
        let Some(&fi) = fig_at.get(&target) else {
            continue;
        };
        let f = &figures[fi];
        let suggested = round_half_away(s.expected, i32::from(f.decimals));
        let kind = percent_slip(s, f, suggested, &figures, &fig_at, last_year[fi]);
        let label = f.label(pack, instances);
        let change = words.change(sheets, f, label, Some(suggested), None, kind);
        let mut alternatives = vec![change];
        if let Some(count) = count_for_percent(s, f, &figures, &fig_at, &cons) {
            let c = &figures[count.0];
            let kind = slip(c, count.1, &figures, last_year[count.0]);
            let label = c.label(pack, instances);
            alternatives.push(words.change(sheets, c, label, Some(count.1), None, kind));
        }
        let n = alternatives.len();
        let mut built: Vec<Explanation> = alternatives
            .into_iter()
            .map(|change| Explanation {
                cause,
                alternatives: n,
                larger: 0,
                or: vec![],
                localised: true,
                text: words.headline(std::slice::from_ref(&change), 1, 1),
                changes: vec![change],
                resolves: vec![FindingRef::of(s, sheets)],
                left_out,
            })
            .collect();
        if n > 1 {
            one_text_for_all(pack, &mut built, n);
        }
        out.extend(built);
        cause += 1;
    }
    with_notes(&words, &mut out, left_out);
    out
}

/// The notes every explanation carries where they apply: the other workbooks' figures are not
/// candidates (said where they weigh in), and `left_out` failing checks were not of a shape
/// the localisation reads.
fn with_notes(words: &Words, out: &mut [Explanation], left_out: usize) {
    for e in out.iter_mut() {
        if let Some(files) = other_files(&e.resolves) {
            let note = words.text(TextId::ExplainOthersGiven, &[("files", &files)]);
            e.text = format!("{}; {note}", e.text);
        }
    }
    if left_out > 0 {
        let note = words.text(TextId::ExplainLeftOut, &[("count", &left_out.to_string())]);
        for e in out.iter_mut() {
            e.text = format!("{}; {note}", e.text);
        }
    }
}

/// The other workbooks whose figures the findings read (a unit's, last year's), the first
/// few: their figures were taken as given.
fn other_files(resolves: &[FindingRef]) -> Option<String> {
    const SHOWN: usize = 3;
    let mut files: Vec<&str> = Vec::new();
    for f in resolves
        .iter()
        .flat_map(|r| &r.cells)
        .filter_map(|c| c.0.as_deref())
    {
        if !files.contains(&f) {
            files.push(f);
        }
    }
    if files.is_empty() {
        return None;
    }
    let more = files.len() > SHOWN;
    files.truncate(SHOWN);
    let mut list = files.join(", ");
    if more {
        list.push_str(", …");
    }
    Some(list)
}

/// One linear constraint over figure indexes.
#[derive(Debug, Clone)]
struct Con {
    shape: usize,
    violated: bool,
    terms: Vec<(usize, f64)>,
    c: f64,
    lo: f64,
    hi: f64,
}

/// Groups of constraints tied by shared figures (union–find over figures).
fn groups(cons: &[Con], n: usize) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    for c in cons {
        if let Some(&(first, _)) = c.terms.first() {
            for &(v, _) in &c.terms[1..] {
                let (a, b) = (root(&mut parent, first), root(&mut parent, v));
                parent[a] = b;
            }
        }
    }
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (ci, c) in cons.iter().enumerate() {
        if let Some(&(v, _)) = c.terms.first() {
            let r = root(&mut parent, v);
            by_root.entry(r).or_default().push(ci);
        }
    }
    by_root.into_values().collect()
}

/// A figure's possible values: [lo, hi].
type Range = (f64, f64);

/// Whether a change set has a solution ([`Solver::feasible`]).
type Feasibility = Result<Result<Vec<Range>, Vec<usize>>, ()>;

struct Solver<'a> {
    cons: &'a [Con],
    group: &'a [usize],
    figures: &'a [Figure],
}

impl<'a> Solver<'a> {
    fn new(cons: &'a [Con], group: &'a [usize], figures: &'a [Figure]) -> Solver<'a> {
        Solver {
            cons,
            group,
            figures,
        }
    }

    /// The constraints of the group each figure is in.
    fn by_var(&self) -> ByVar {
        let mut by_var: Vec<Vec<usize>> = Vec::new();
        for &c in self.group {
            for &(v, _) in &self.cons[c].terms {
                if by_var.len() <= v {
                    by_var.resize_with(v + 1, Vec::new);
                }
                by_var[v].push(c);
            }
        }
        ByVar(by_var)
    }

    /// The lightest change sets (the smallest sum of the figures' weights; with every figure
    /// weighing 1, the smallest) with each figure's range, and the sets of the next size after
    /// the lightest's (else the size after that) that contain none of them (inclusion-minimal: a different reading, not
    /// the same one with a needless change); None: not localised. The next size is looked for
    /// within its own share of the work bound: past it, no larger set is given (never a
    /// "not localised" for the lightest).
    ///
    /// Iterative deepening over the set size k: a set that misses a failing check branches on
    /// that check's figures; a set that hits them all but has no solution branches on the
    /// figures of the checks that prove it has none (a Fourier–Motzkin certificate): any
    /// larger set with a solution must change one of those, so every set of size k none of
    /// whose subsets has a solution is found at k. Sizes go on while k of the group's lightest
    /// figures weigh no more than the lightest set found: no lighter set is missed.
    #[allow(clippy::type_complexity)]
    fn solve(&self) -> Option<(Vec<(Vec<usize>, Vec<Range>)>, Vec<(Vec<usize>, Vec<Range>)>)> {
        let by_var = self.by_var();
        let violated: Vec<usize> = self
            .group
            .iter()
            .copied()
            .filter(|&c| self.cons[c].violated)
            .collect();
        let weight = |set: &[usize]| set.iter().map(|&v| self.figures[v].weight).sum::<f64>();
        // The lightest sum of k figures of the group: no set of k changes weighs less.
        let mut lightest: Vec<f64> = by_var.figures().map(|v| self.figures[v].weight).collect();
        lightest.sort_by(f64::total_cmp);
        let at_least = |k: usize| -> f64 {
            if k > lightest.len() {
                f64::INFINITY
            } else {
                lightest[..k].iter().sum()
            }
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        let mut best: Option<f64> = None;
        let mut kept: Vec<(Vec<usize>, Vec<Range>)> = Vec::new();
        let mut larger: Vec<(Vec<usize>, Vec<Range>)> = Vec::new();
        let mut best_size: Option<usize> = None;
        let mut nodes = 0usize;
        for k in 1..=MAX_SIZE {
            // Larger sets can only be lighter when their figures may weigh less: with every
            // figure weighing 1, the first size with a solution is the last looked at for the
            // lightest; one size more is looked at for the readings one figure larger.
            let next_only = best.is_some_and(|b| at_least(k) > b && !close(at_least(k), b));
            if next_only {
                // One figure more, else two: the first size with another reading.
                if best_size.is_some_and(|b| k == b + 1) {
                    for size in k..=(k + 1).min(MAX_SIZE) {
                        larger = self.sets_of_size(size, &violated, &by_var, &kept);
                        if !larger.is_empty() {
                            break;
                        }
                    }
                }
                break;
            }
            let Ok(found) = self.search_size(k, &violated, &by_var, &[], usize::MAX, &mut nodes)
            else {
                return None;
            };
            for f in found {
                let w = weight(&f.0);
                match best {
                    Some(b) if w > b && !close(w, b) => continue,
                    Some(b) if close(w, b) => {}
                    _ => {
                        best = Some(w);
                        kept.retain(|(set, _)| close(weight(set), w));
                    }
                }
                if best_size.is_none() {
                    best_size = Some(k);
                }
                kept.push(f);
            }
        }
        if kept.is_empty() {
            return None;
        }
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        Some((kept, larger))
    }

    /// The feasible sets of exactly `k` figures that contain none of `smaller` (each with its
    /// ranges, in order), searched as [`Solver::solve`] searches one size, within a work bound
    /// of its own; past that bound, none.
    #[allow(clippy::type_complexity)]
    fn sets_of_size(
        &self,
        k: usize,
        violated: &[usize],
        by_var: &ByVar,
        smaller: &[(Vec<usize>, Vec<Range>)],
    ) -> Vec<(Vec<usize>, Vec<Range>)> {
        if k > MAX_SIZE {
            return vec![];
        }
        let mut nodes = 0;
        let mut found = self
            .search_size(k, violated, by_var, smaller, TIE_BREAK, &mut nodes)
            .unwrap_or_default();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    /// One size of the search: the feasible sets of exactly `k` figures (each with its ranges,
    /// in the order found) containing none of `smaller`, at most `cap` of them. A set branches
    /// only on the figures of a failing check it misses, or of the checks that prove it has no
    /// solution; a feasible set is not grown. Err: the work bound was reached (`nodes` counts
    /// across calls), or a set's feasibility could not be decided within its own bound.
    #[allow(clippy::type_complexity)]
    fn search_size(
        &self,
        k: usize,
        violated: &[usize],
        by_var: &ByVar,
        smaller: &[(Vec<usize>, Vec<Range>)],
        cap: usize,
        nodes: &mut usize,
    ) -> Result<Vec<(Vec<usize>, Vec<Range>)>, ()> {
        let contains =
            |big: &[usize], small: &[usize]| small.iter().all(|v| big.binary_search(v).is_ok());
        // Each set and check as a 64-bit mask of its figures (a figure at bit `index % 64`):
        // a set whose mask misses a bit of another's cannot hold it, and a set none of whose
        // bits is a check's misses that check, without a look at each figure.
        let smaller: Vec<(u64, &[usize])> = smaller
            .iter()
            .map(|(s, _)| (mask(s.iter().copied()), s.as_slice()))
            .collect();
        let violated: Vec<(u64, usize)> = violated
            .iter()
            .map(|&c| (mask(self.cons[c].terms.iter().map(|(v, _)| *v)), c))
            .collect();
        // Sets are kept inline and hashed with FxHash; the buffers of the feasibility test and
        // of the figures to branch on are reused from node to node.
        let mut seen: HashSet<Set, FxBuild> = HashSet::default();
        let mut found: Vec<(Vec<usize>, Vec<Range>)> = Vec::new();
        let mut stack: Vec<Set> = vec![Set::default()];
        let mut branch: Vec<usize> = Vec::new();
        let mut work = Work::default();
        while let Some(node) = stack.pop() {
            let set = node.as_slice();
            *nodes += 1;
            if *nodes > NODE_BUDGET {
                return Err(());
            }
            let bits = mask(set.iter().copied());
            if smaller
                .iter()
                .any(|&(m, s)| m & !bits == 0 && contains(set, s))
            {
                continue;
            }
            let unhit = violated.iter().find_map(|&(m, c)| {
                let hit = m & bits != 0
                    && self.cons[c]
                        .terms
                        .iter()
                        .any(|(v, _)| set.binary_search(v).is_ok());
                (!hit).then_some(c)
            });
            branch.clear();
            match unhit {
                Some(c) if set.len() < k => {
                    branch.extend(self.cons[c].terms.iter().map(|(v, _)| *v));
                }
                Some(_) => continue,
                None => match self.feasible(set, by_var, &mut work) {
                    Err(()) => return Err(()),
                    Ok(Ok(r)) => {
                        if set.len() == k {
                            found.push((set.to_vec(), r));
                            if found.len() >= cap {
                                break;
                            }
                        }
                        continue;
                    }
                    Ok(Err(_)) if set.len() >= k => continue,
                    Ok(Err(why)) => branch.extend(
                        why.iter()
                            .flat_map(|&c| self.cons[c].terms.iter().map(|(v, _)| *v)),
                    ),
                },
            }
            // In increasing order, each once (as a sorted set gives them).
            branch.sort_unstable();
            branch.dedup();
            for &v in &branch {
                if set.binary_search(&v).is_ok() {
                    continue;
                }
                let Some(next) = node.with(v) else {
                    continue;
                };
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        Ok(found)
    }

    /// Whether the constraints have a solution with only `set` changed: each figure's range,
    /// or the constraints that prove there is none. Err: the work bound was reached.
    fn feasible(&self, set: &[usize], by_var: &ByVar, work: &mut Work) -> Feasibility {
        let touched = &mut work.touched;
        touched.clear();
        for &v in set {
            touched.extend_from_slice(by_var.of(v));
        }
        touched.sort_unstable();
        touched.dedup();
        if touched.len() <= u128::BITS as usize {
            self.feasible_in(set, &work.touched, &mut work.small)
        } else {
            self.feasible_in(set, &work.touched, &mut Scratch::<Vec<usize>>::default())
        }
    }

    /// [`Solver::feasible`] over the constraints `touched` (sorted), the rows' checks kept as
    /// `F` (a bitset of places in `touched`, or the checks' indexes).
    fn feasible_in<F: Origins>(
        &self,
        set: &[usize],
        touched: &[usize],
        scratch: &mut Scratch<F>,
    ) -> Feasibility {
        let k = set.len();
        let bits = mask(set.iter().copied());
        let rows = &mut scratch.rows;
        rows.clear();
        for (place, &c) in touched.iter().enumerate() {
            let con = &self.cons[c];
            let mut a = [0.0; MAX_SIZE];
            let mut rest = con.c;
            let mut scale: f64 = 1.0;
            for &(v, coef) in &con.terms {
                scale = scale.max((coef * self.figures[v].v).abs());
                // A figure whose bit the set lacks is not in it.
                match (bits & mask(std::iter::once(v)) != 0).then(|| set.binary_search(&v)) {
                    Some(Ok(i)) => a[i] += coef,
                    _ => rest += coef * self.figures[v].v,
                }
            }
            let eps = 1e-9 * scale;
            let from = F::one(place, c);
            if con.hi - con.lo <= 4.0 * eps {
                let mid = (con.hi + con.lo) / 2.0 - rest;
                rows.push(Row {
                    a,
                    b: mid,
                    eq: true,
                    from,
                });
                continue;
            }
            if con.hi.is_finite() {
                rows.push(Row {
                    a,
                    b: con.hi - rest + eps,
                    eq: false,
                    from: from.clone(),
                });
            }
            if con.lo.is_finite() {
                rows.push(Row {
                    a: a.map(|x| -x),
                    b: -(con.lo - rest) + eps,
                    eq: false,
                    from,
                });
            }
        }
        for (i, &v) in set.iter().enumerate() {
            if self.figures[v].count {
                let mut a = [0.0; MAX_SIZE];
                a[i] = -1.0;
                rows.push(Row {
                    a,
                    b: 0.0,
                    eq: false,
                    from: F::none(),
                });
            }
        }
        let mut ranges = Vec::with_capacity(k);
        for (j, &figure) in set.iter().enumerate() {
            let (lo, hi) = match project(&scratch.rows, k, j, &mut scratch.elim)? {
                Ok(r) => r,
                Err(why) => return Ok(Err(why.checks(touched))),
            };
            let f = &self.figures[figure];
            let step = step(f);
            let (lo_g, hi_g) = ((lo.0 / step - 1e-6).ceil(), (hi.0 / step + 1e-6).floor());
            if lo_g > hi_g {
                return Ok(Err(lo.1.union(&hi.1).checks(touched)));
            }
            ranges.push((lo_g * step, hi_g * step));
        }
        // A set whose figures are all determined must hold at that very point.
        if ranges.iter().all(|(l, h)| l == h) {
            let point: Vec<f64> = ranges.iter().map(|r| r.0).collect();
            let ok = scratch.rows.iter().all(|r| {
                let lhs: f64 = (0..k).map(|i| r.a[i] * point[i]).sum();
                let tol = 1e-6 * r.b.abs().max(1.0);
                if r.eq {
                    (lhs - r.b).abs() <= tol
                } else {
                    lhs <= r.b + tol
                }
            });
            if !ok {
                return Ok(Err(touched.to_vec()));
            }
        }
        Ok(Ok(ranges))
    }
}

/// Figures as a 64-bit mask: figure `v` at bit `v % 64` (two sets with a figure in common
/// share a bit; sharing one does not mean they have one).
fn mask(figures: impl Iterator<Item = usize>) -> u64 {
    figures.fold(0, |m, v| m | 1 << (v % 64))
}

/// The constraints of a group each figure is in, by the figure's index (in the group's
/// order; none for a figure outside the group).
struct ByVar(Vec<Vec<usize>>);

impl ByVar {
    fn of(&self, v: usize) -> &[usize] {
        self.0.get(v).map_or(&[], Vec::as_slice)
    }

    /// The figures of the group, each once.
    fn figures(&self) -> impl Iterator<Item = usize> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, cons)| !cons.is_empty())
            .map(|(v, _)| v)
    }
}

/// A change set of the search: at most [`MAX_SIZE`] figures' indexes, in increasing order,
/// held inline (a node of the search allocates nothing).
#[derive(Clone, Copy, Default)]
struct Set {
    len: usize,
    v: [usize; MAX_SIZE],
}

impl Set {
    fn as_slice(&self) -> &[usize] {
        &self.v[..self.len]
    }

    /// The set with `v` (not in it) added in its place; None when it is full.
    fn with(&self, v: usize) -> Option<Set> {
        if self.len >= MAX_SIZE {
            return None;
        }
        let mut next = *self;
        let pos = self.as_slice().partition_point(|x| *x < v);
        next.v.copy_within(pos..self.len, pos + 1);
        next.v[pos] = v;
        next.len += 1;
        Some(next)
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Set) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Set {}

impl std::hash::Hash for Set {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

/// What the feasibility test reuses from one set to the next.
#[derive(Default)]
struct Work {
    touched: Vec<usize>,
    small: Scratch<u128>,
}

/// The rows of one set and the buffers of their elimination.
struct Scratch<F> {
    rows: Vec<Row<F>>,
    elim: Elim<F>,
}

impl<F> Default for Scratch<F> {
    fn default() -> Self {
        Scratch {
            rows: Vec::new(),
            elim: Elim::default(),
        }
    }
}

/// The buffers of [`project`].
struct Elim<F> {
    work: Vec<Row<F>>,
    pos: Vec<Row<F>>,
    neg: Vec<Row<F>>,
    zero: Vec<Row<F>>,
}

impl<F> Default for Elim<F> {
    fn default() -> Self {
        Elim {
            work: Vec::new(),
            pos: Vec::new(),
            neg: Vec::new(),
            zero: Vec::new(),
        }
    }
}

/// The checks a row was derived from, as a set: a bitset of the places of the set's touched
/// checks (when there are at most 128 of them), else the checks' indexes in order.
trait Origins: Clone {
    /// No check (a count's row: at least 0).
    fn none() -> Self;
    /// The touched check at `place`, whose index is `check`.
    fn one(place: usize, check: usize) -> Self;
    fn union(&self, other: &Self) -> Self;
    /// The checks' indexes in increasing order, `touched` giving each place's index.
    fn checks(&self, touched: &[usize]) -> Vec<usize>;
}

impl Origins for u128 {
    fn none() -> Self {
        0
    }

    fn one(place: usize, _: usize) -> Self {
        1 << place
    }

    fn union(&self, other: &Self) -> Self {
        self | other
    }

    fn checks(&self, touched: &[usize]) -> Vec<usize> {
        let mut bits = *self;
        let mut out = Vec::with_capacity(bits.count_ones() as usize);
        while bits != 0 {
            if let Some(&c) = touched.get(bits.trailing_zeros() as usize) {
                out.push(c);
            }
            bits &= bits - 1;
        }
        out
    }
}

impl Origins for Vec<usize> {
    fn none() -> Self {
        Vec::new()
    }

    fn one(_: usize, check: usize) -> Self {
        vec![check]
    }

    fn union(&self, other: &Self) -> Self {
        union(self, other)
    }

    fn checks(&self, _: &[usize]) -> Vec<usize> {
        self.clone()
    }
}

/// A row `a·x ≤ b` (or `= b`) over a set's figures, with the checks it was derived from.
#[derive(Debug, Clone)]
struct Row<F> {
    a: [f64; MAX_SIZE],
    b: f64,
    eq: bool,
    from: F,
}

fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut v: Vec<usize> = a.iter().chain(b).copied().collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A bound and the checks it comes from.
type Bound<F> = (f64, F);

/// The range of variable `j` over the rows, the others eliminated (equalities substituted,
/// then Fourier–Motzkin), in the buffers `s`. Ok(Err(checks)): no solution, for those checks;
/// Err: the work bound.
#[allow(clippy::type_complexity)]
fn project<F: Origins>(
    rows: &[Row<F>],
    k: usize,
    j: usize,
    s: &mut Elim<F>,
) -> Result<Result<(Bound<F>, Bound<F>), F>, ()> {
    const TINY: f64 = 1e-12;
    s.work.clear();
    s.work.extend_from_slice(rows);
    for e in (0..k).filter(|&i| i != j) {
        if let Some(pi) = s.work.iter().position(|r| r.eq && r.a[e].abs() > TINY) {
            let p = s.work.swap_remove(pi);
            for r in &mut s.work {
                if r.a[e].abs() > TINY {
                    let m = r.a[e] / p.a[e];
                    for i in 0..k {
                        r.a[i] -= m * p.a[i];
                    }
                    r.a[e] = 0.0;
                    r.b -= m * p.b;
                    r.from = r.from.union(&p.from);
                }
            }
            continue;
        }
        s.pos.clear();
        s.neg.clear();
        s.zero.clear();
        for r in s.work.drain(..) {
            if r.a[e] > TINY {
                s.pos.push(r);
            } else if r.a[e] < -TINY {
                s.neg.push(r);
            } else {
                s.zero.push(r);
            }
        }
        if s.pos.len() * s.neg.len() + s.zero.len() > ROW_BUDGET {
            return Err(());
        }
        for p in &s.pos {
            for n in &s.neg {
                let (sp, sn) = (1.0 / p.a[e], -1.0 / n.a[e]);
                let mut a = [0.0; MAX_SIZE];
                for (i, x) in a.iter_mut().enumerate() {
                    *x = p.a[i] * sp + n.a[i] * sn;
                }
                a[e] = 0.0;
                s.zero.push(Row {
                    a,
                    b: p.b * sp + n.b * sn,
                    eq: false,
                    from: p.from.union(&n.from),
                });
            }
        }
        std::mem::swap(&mut s.work, &mut s.zero);
    }
    let mut lo: Bound<F> = (f64::NEG_INFINITY, F::none());
    let mut hi: Bound<F> = (f64::INFINITY, F::none());
    for r in &s.work {
        let x = r.a[j];
        let slack = 1e-6 * r.b.abs().max(1.0);
        if x.abs() <= TINY {
            let bad = if r.eq {
                r.b.abs() > slack
            } else {
                r.b < -slack
            };
            if bad {
                return Ok(Err(r.from.clone()));
            }
            continue;
        }
        let v = r.b / x;
        if (r.eq || x > 0.0) && v < hi.0 {
            hi = (v, r.from.clone());
        }
        if (r.eq || x < 0.0) && v > lo.0 {
            lo = (v, r.from.clone());
        }
    }
    if lo.0 > hi.0 + 1e-9 * lo.0.abs().max(hi.0.abs()).max(1.0) {
        return Ok(Err(lo.1.union(&hi.1)));
    }
    if hi.0 < lo.0 {
        hi.0 = lo.0;
    }
    Ok(Ok((lo, hi)))
}

/// The unit a figure is corrected in: 1 for a count, the last shown digit otherwise.
fn step(f: &Figure) -> f64 {
    if f.count {
        1.0
    } else {
        10f64.powi(-i32::from(f.decimals.min(6)))
    }
}

/// What the explanations of a group's change sets read: the checks as shapes and
/// constraints, the figures, and the words.
struct Build<'b> {
    recheck: &'b eval::Recheck<'b>,
    instances: &'b [FormInstance],
    values: &'b [FormValues],
    sheets: &'b [String],
    shapes: &'b [CheckShape],
    figures: &'b [Figure],
    last_year: &'b [Option<f64>],
    fig_at: &'b HashMap<Origin, usize>,
    cons: &'b [Con],
    group: &'b [usize],
    words: &'b Words<'b>,
}

/// One change set, assessed before it is put in words: its changes, the shapes it resolves
/// (sorted), and how many percentages are still wrong after it, that would need a change of
/// their own. Only the sets shown are put in words ([`Build::explanation`]).
struct Assessed {
    changes: Vec<Raw>,
    resolved: Vec<usize>,
    extra: usize,
}

/// A change before its words: the figure (an index of the figures), its suggested value or
/// its range, and whether it is a percentage recomputed from a corrected count.
struct Raw {
    figure: usize,
    suggested: Option<f64>,
    range: Option<(Option<f64>, Option<f64>)>,
    follows: bool,
}

impl Build<'_> {
    /// The explanations of a group's lightest change sets (`sets`, as the solver gives them;
    /// `resolved`: the shapes they resolve are added), each with the best reading one figure
    /// larger (of `larger`) said beside it.
    #[allow(clippy::type_complexity)]
    fn readings(
        &self,
        sets: Vec<(Vec<usize>, Vec<Range>)>,
        larger: &[(Vec<usize>, Vec<Range>)],
        resolved: &mut HashSet<usize>,
    ) -> Vec<Explanation> {
        // The readings one figure larger: the best of them (fewest percentages left to
        // change, then the first) is shown beside the smallest.
        let larger_count = larger.len().min(MAX_ALTERNATIVES);
        let best_len = sets.first().map_or(0, |s| s.0.len());
        let larger_len = larger.first().map_or(0, |s| s.0.len());
        // The first with the fewest: none has fewer than none, so the first with none ends
        // the look (each assessment checks the workbook again).
        let mut best: Option<Assessed> = None;
        for (set, ranges) in larger {
            let a = self.assess(set, ranges);
            let none = a.extra == 0;
            if best.as_ref().is_none_or(|b| a.extra < b.extra) {
                best = Some(a);
            }
            if none {
                break;
            }
        }
        let or: Vec<Change> = best.map(|a| self.changes(&a)).unwrap_or_default();
        // Equally small sets are told apart by the percentages: a set after which a shown
        // percentage still disagrees with its (unchanged) count and base needs that
        // percentage changed too, so it is larger.
        let total = sets.len();
        let mut assessed: Vec<Assessed> = sets
            .into_iter()
            .take(TIE_BREAK)
            .map(|(set, ranges)| self.assess(&set, &ranges))
            .collect();
        let least = assessed.iter().map(|a| a.extra).min().unwrap_or(0);
        assessed.retain(|a| a.extra == least);
        let n = if total > TIE_BREAK {
            total
        } else {
            assessed.len()
        };
        let mut out: Vec<Explanation> = Vec::new();
        for a in assessed.into_iter().take(MAX_ALTERNATIVES) {
            let (mut e, shapes_resolved) = self.explanation(a);
            resolved.extend(shapes_resolved.iter().copied());
            e.alternatives = n;
            out.push(e);
        }
        if n > 1 {
            one_text_for_all(self.words.pack, &mut out, n);
        }
        if !or.is_empty() {
            let more = larger_len.saturating_sub(best_len).max(1);
            let note = self.words.or_text(&or, larger_count, more);
            with_larger_reading(&mut out, &or, larger_count, &note);
        }
        out
    }

    /// The changes of one change set, the percentages that follow them, and the findings it
    /// resolves (checked again with the corrected figures when they are determined).
    fn assess(&self, set: &[usize], ranges: &[Range]) -> Assessed {
        let (figures, shapes) = (self.figures, self.shapes);
        let mut changes = Vec::new();
        // Percentages still wrong after the changes, that would need a change of their own.
        let mut extra = 0;
        let determined = ranges.iter().all(|(l, h)| l == h);
        for (&v, &(lo, hi)) in set.iter().zip(ranges) {
            let f = &figures[v];
            let (suggested, range) = if lo == hi {
                (Some(clean(lo, f.decimals)), None)
            } else {
                let side = |x: f64| x.is_finite().then(|| clean(x, f.decimals));
                (None, Some((side(lo), side(hi))))
            };
            changes.push(Raw {
                figure: v,
                suggested,
                range,
                follows: false,
            });
        }
        let mut resolved: Vec<usize> = self
            .group
            .iter()
            .filter(|&&c| self.cons[c].violated)
            .map(|&c| self.cons[c].shape)
            .collect();
        if determined {
            // Few figures: looked up in a list.
            let fixed: Vec<(Origin, f64)> = set
                .iter()
                .zip(ranges)
                .map(|(&v, r)| (figures[v].at, r.0))
                .collect();
            let is_fixed = |o: &Origin| fixed.iter().any(|(f, _)| f == o);
            let after = self.recheck.after(self.values, &fixed);
            for (si, s) in shapes.iter().enumerate() {
                let Some(&Some((a_fails, a_expected))) = after.get(si) else {
                    continue;
                };
                let reads_set = s.reads.iter().any(is_fixed);
                if let (Shape::Follows { target }, true, true) = (&s.shape, a_fails, reads_set) {
                    // A percentage of a corrected count: recomputed, not a change of its own.
                    if let Some(&fi) = self.fig_at.get(target) {
                        if !is_fixed(target) {
                            let d = i32::from(figures[fi].decimals);
                            changes.push(Raw {
                                figure: fi,
                                suggested: Some(round_half_away(a_expected, d)),
                                range: None,
                                follows: true,
                            });
                        }
                        if s.fails {
                            resolved.push(si);
                        }
                    }
                } else if let (Shape::Follows { .. }, true) = (&s.shape, a_fails) {
                    extra += 1;
                } else if s.fails && !a_fails && !resolved.contains(&si) {
                    resolved.push(si);
                }
            }
        } else {
            extra = shapes
                .iter()
                .filter(|s| s.fails && matches!(s.shape, Shape::Follows { .. }))
                .count();
        }
        resolved.sort_unstable();
        resolved.dedup();
        Assessed {
            changes,
            resolved,
            extra,
        }
    }

    /// The changes of an assessed set in words, each named by the slip it looks like.
    fn changes(&self, a: &Assessed) -> Vec<Change> {
        a.changes
            .iter()
            .map(|r| {
                let f = &self.figures[r.figure];
                let label = f.label(self.words.pack, self.instances);
                let kind = match (r.follows, r.suggested) {
                    (true, _) => Some(Slip::Follows),
                    (false, Some(s)) => slip(f, s, self.figures, self.last_year[r.figure]),
                    (false, None) => None,
                };
                self.words
                    .change(self.sheets, f, label, r.suggested, r.range, kind)
            })
            .collect()
    }

    /// The explanation of an assessed set, and the indexes of the shapes it resolves.
    fn explanation(&self, a: Assessed) -> (Explanation, Vec<usize>) {
        let changes = self.changes(&a);
        let text = self.words.headline(&changes, a.resolved.len(), 1);
        (
            Explanation {
                cause: 0,
                alternatives: 1,
                larger: 0,
                or: vec![],
                localised: true,
                changes,
                resolves: a
                    .resolved
                    .iter()
                    .map(|&i| FindingRef::of(&self.shapes[i], self.sheets))
                    .collect(),
                left_out: 0,
                text,
            },
            a.resolved,
        )
    }
}

/// A value at the decimals a figure shows (no 2673.9999999).
fn clean(v: f64, decimals: u8) -> f64 {
    round_half_away(v, i32::from(decimals.min(10)))
}

/// The digits of a value as shown, without sign and separators.
fn digits(v: f64, decimals: u8) -> Vec<u8> {
    format!("{:.*}", usize::from(decimals.min(10)), v.abs())
        .bytes()
        .filter(u8::is_ascii_digit)
        .collect()
}

/// The slip a change from `f.v` to `s` looks like; `last_year`: the same cell's figure in
/// last year's workbook, when one is linked.
///
/// The order: first the slips that tie the found figure to the suggestion itself, exactly
/// (the sign, two digits swapped): the checks computed the suggestion on their own, so such
/// a tie is hardly chance. Then a figure equal to last year's, exactly (never a zero: a zero
/// both years is most often a true zero): a workbook started from last year's file keeps every
/// figure not typed again, the commonest stale figure; before the row above or below, which a
/// small count shares with a neighbour often by chance. Last the weak ones, which hold for
/// many pairs of values: off by one, one digit mistyped.
fn slip(f: &Figure, s: f64, figures: &[Figure], last_year: Option<f64>) -> Option<Slip> {
    let found = f.v;
    if found != 0.0 && (found + s).abs() < 1e-9 {
        return Some(Slip::Sign);
    }
    let (a, b) = (digits(found, f.decimals), digits(s, f.decimals));
    let differ: Vec<usize> = (0..a.len().min(b.len()))
        .filter(|&i| a[i] != b[i])
        .collect();
    if a.len() == b.len()
        && differ.len() == 2
        && differ[1] == differ[0] + 1
        && a[differ[0]] == b[differ[1]]
        && a[differ[1]] == b[differ[0]]
    {
        return Some(Slip::SwappedDigits);
    }
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    if let Some(last) = last_year {
        if found != 0.0 && same(found, last) && !same(s, last) {
            return Some(Slip::LastYearsFigure);
        }
    }
    // The value of the row above or below, in the same column.
    if let Some((ii, ri, ci)) = f.grid {
        let neighbour = figures.iter().any(|g| {
            g.grid.is_some_and(|(gi, gr, gc)| {
                gi == ii && gc == ci && (gr + 1 == ri || ri + 1 == gr) && g.at.1.col == f.at.1.col
            }) && (g.v - found).abs() < 1e-9
                && (g.at.1.row + 1 == f.at.1.row || f.at.1.row + 1 == g.at.1.row)
        });
        if neighbour {
            return Some(Slip::RowOff);
        }
    }
    if ((found - s).abs() - step(f)).abs() < 1e-9 {
        return Some(Slip::OffByOne);
    }
    if a.len() == b.len() && differ.len() == 1 {
        return Some(Slip::MistypedDigit);
    }
    None
}

/// The slip of a percentage wrong while its count and base are right.
fn percent_slip(
    s: &CheckShape,
    f: &Figure,
    suggested: f64,
    figures: &[Figure],
    fig_at: &HashMap<Origin, usize>,
    last_year: Option<f64>,
) -> Option<Slip> {
    let d = i32::from(f.decimals);
    let unit = 10f64.powi(d);
    let truncated = (s.expected * unit + 1e-9).trunc() / unit;
    if (truncated - f.v).abs() < 1e-9 && (suggested - f.v).abs() > 1e-9 {
        return Some(Slip::TruncatedPercentage);
    }
    // The count of the same check over another figure of the form.
    let read: Vec<&Figure> = s
        .reads
        .iter()
        .filter(|o| **o != f.at)
        .filter_map(|o| fig_at.get(o).map(|&i| &figures[i]))
        .collect();
    if let Some(count) = read.first() {
        let form = count.grid.map(|g| g.0);
        let wrong_base = figures.iter().any(|o| {
            o.count
                && o.v > 0.0
                && o.grid.map(|g| g.0) == form
                && !read.iter().any(|r| r.at == o.at)
                && (round_half_away(count.v / o.v * 100.0, d) - f.v).abs() < 1e-9
        });
        if wrong_base {
            return Some(Slip::WrongBase);
        }
    }
    slip(f, suggested, figures, last_year).filter(|k| *k != Slip::RowOff)
}

/// The count of a percentage check `percentage == count / base * 100` that would give the
/// percentage shown, when that is the other one-figure reading: (the count's figure, the whole
/// count), if the count is a whole count, the base is positive, a whole count gives the
/// percentage shown exactly at its decimals, it differs from the count found, and every linear
/// check reading the count that holds still holds with it.
fn count_for_percent(
    s: &CheckShape,
    pct: &Figure,
    figures: &[Figure],
    fig_at: &HashMap<Origin, usize>,
    cons: &[Con],
) -> Option<(usize, f64)> {
    let others: Vec<usize> = s
        .reads
        .iter()
        .filter(|o| **o != pct.at)
        .filter_map(|o| fig_at.get(o).copied())
        .collect();
    let [ci, bi] = others[..] else {
        return None;
    };
    let (count, base) = (&figures[ci], &figures[bi]);
    if !count.count || base.v <= 0.0 {
        return None;
    }
    let d = i32::from(pct.decimals);
    let c = (pct.v * base.v / 100.0).round();
    let shows = (round_half_away(c / base.v * 100.0, d) - pct.v).abs() < 1e-9;
    if c < 0.0 || !shows || (c - count.v).abs() < 1e-9 {
        return None;
    }
    let breaks = cons.iter().filter(|k| !k.violated).any(|k| {
        let coef: f64 = k.terms.iter().filter(|t| t.0 == ci).map(|t| t.1).sum();
        if coef == 0.0 {
            return false;
        }
        let value = k.c
            + k.terms.iter().map(|(i, a)| a * figures[*i].v).sum::<f64>()
            + coef * (c - count.v);
        !(k.lo <= value && value <= k.hi)
    });
    (!breaks).then_some((ci, c))
}

/// Each figure's value in last year's workbook (`previous`): the same form, named row and
/// column (a record's row is another unit's from one year to the next: none).
fn last_years(
    pack: &Pack,
    instances: &[FormInstance],
    figures: &[Figure],
    previous: Option<&eval::Linked>,
) -> Vec<Option<f64>> {
    figures
        .iter()
        .map(|f| {
            let prev = previous?;
            let (ii, ri, ci) = f.grid?;
            let form = instances.get(ii)?.form;
            if ri >= pack.forms.get(form)?.rows.len() {
                return None;
            }
            match prev.grid.get(&(form, ri, ci)) {
                Some((eval::Read::Num(n), _)) => Some(n.v),
                _ => None,
            }
        })
        .collect()
}

/// The words of explanations, in the pack's language.
struct Words<'a> {
    pack: &'a Pack,
}

impl Words<'_> {
    fn text(&self, id: TextId, params: &[(&str, &str)]) -> String {
        self.pack.settings.message(id, params)
    }

    fn num(&self, v: f64, decimals: u8) -> String {
        format_number(v, Some(decimals), self.pack.settings.lang.locale())
    }

    fn change(
        &self,
        sheets: &[String],
        f: &Figure,
        label: String,
        suggested: Option<f64>,
        range: Option<(Option<f64>, Option<f64>)>,
        kind: Option<Slip>,
    ) -> Change {
        let side = |x: Option<f64>| x.map(|x| self.num(x, f.decimals)).unwrap_or_default();
        let value = match (suggested, range) {
            (Some(s), _) => self.num(s, f.decimals),
            (None, Some((lo, hi))) => self.text(
                TextId::ExplainRange,
                &[("low", &side(lo)), ("high", &side(hi))],
            ),
            (None, None) => String::new(),
        };
        let note = match kind {
            Some(k) => self.text(
                TextId::ExplainNoteKind,
                &[("value", &value), ("kind", &self.text(k.text(), &[]))],
            ),
            None => self.text(TextId::ExplainNote, &[("value", &value)]),
        };
        Change {
            sheet: sheets.get(f.at.0).cloned().unwrap_or_default(),
            cell: f.at.1.to_string(),
            label,
            found: f.v,
            suggested,
            range,
            kind,
            decimals: f.decimals,
            note,
        }
    }

    /// "C7 Tổng số đảng viên 2.675 → 2.674 (two digits swapped)".
    fn change_text(&self, c: &Change) -> String {
        let value = match (c.suggested, c.range) {
            (Some(s), _) => self.num(s, c.decimals),
            (None, Some((lo, hi))) => self.text(
                TextId::ExplainRange,
                &[
                    (
                        "low",
                        &lo.map(|x| self.num(x, c.decimals)).unwrap_or_default(),
                    ),
                    (
                        "high",
                        &hi.map(|x| self.num(x, c.decimals)).unwrap_or_default(),
                    ),
                ],
            ),
            (None, None) => String::new(),
        };
        let kind = c
            .kind
            .map(|k| format!(" ({})", self.text(k.text(), &[])))
            .unwrap_or_default();
        format!(
            "{} {} {} → {value}{kind}",
            c.cell,
            c.label,
            self.num(c.found, c.decimals)
        )
    }

    /// Changes as text, a cell of another sheet than the first change's named with its sheet.
    fn list(&self, changes: &[Change], sep: &str) -> String {
        let first = changes
            .first()
            .map(|c| c.sheet.as_str())
            .unwrap_or_default();
        changes
            .iter()
            .map(|c| {
                let t = self.change_text(c);
                if c.sheet == first {
                    t
                } else {
                    format!("{}!{t}", c.sheet)
                }
            })
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// "or, if 1 more figure(s) are wrong (3 such readings), for example: C13 Nam 36 → 37; C8
    /// 14 → 13" (`more`: how many figures more than the smallest reading changes).
    fn or_text(&self, changes: &[Change], count: usize, more: usize) -> String {
        self.text(
            TextId::ExplainOrLarger,
            &[
                ("changes", &self.list(changes, "; ")),
                ("count", &count.to_string()),
                ("more", &more.to_string()),
            ],
        )
    }

    fn headline(&self, changes: &[Change], resolves: usize, _alternatives: usize) -> String {
        self.text(
            TextId::ExplainMostLikely,
            &[
                ("changes", &self.list(changes, "; ")),
                ("count", &resolves.to_string()),
            ],
        )
    }
}

/// The text of equally small explanations shown together: the changes they all make, then
/// the others ("most likely: C7 … → 2.674 (in each of the 12 …), with one of: …").
fn one_of_text(pack: &Pack, alternatives: &[&Explanation], count: usize) -> String {
    let w = Words { pack };
    let same = |a: &Change, b: &Change| {
        a.sheet == b.sheet && a.cell == b.cell && a.suggested == b.suggested && a.range == b.range
    };
    let Some(first) = alternatives.first() else {
        return String::new();
    };
    let common: Vec<Change> = first
        .changes
        .iter()
        .filter(|c| {
            alternatives
                .iter()
                .all(|e| e.changes.iter().any(|d| same(c, d)))
        })
        .cloned()
        .collect();
    let mut rest: Vec<Change> = Vec::new();
    for e in alternatives {
        for c in &e.changes {
            if !common.iter().any(|d| same(c, d)) && !rest.iter().any(|d| same(c, d)) {
                rest.push(c.clone());
            }
        }
    }
    let resolves = alternatives
        .iter()
        .map(|e| e.resolves.len())
        .max()
        .unwrap_or(0);
    let count = count.to_string();
    let resolves = resolves.to_string();
    let rest_text = w.list(&rest, ", ");
    if common.is_empty() {
        w.text(
            TextId::ExplainOneOf,
            &[
                ("count", &count),
                ("changes", &rest_text),
                ("resolves", &resolves),
            ],
        )
    } else {
        w.text(
            TextId::ExplainCommon,
            &[
                ("count", &count),
                ("changes", &w.list(&common, "; ")),
                ("rest", &rest_text),
                ("more", &(first.changes.len() - common.len()).to_string()),
                ("resolves", &resolves),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Links;
    use crate::explain::check_workbook_kept;
    use crate::finding::Finding;
    use crate::model::{Cell, CellRef, Sheet, Value, Workbook};
    use crate::rules::{compile, Source};

    const FORM: &str = r#"
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
id = "balance"
header = "Balance"
kind = "number"

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
id = "opening"
label = "Opening"

[[row]]
id = "change"
label = "Change"

[[row]]
id = "closing"
label = "Closing"

[[check]]
id = "G.split"
expr = "men + women == total"
message = "men + women = {found}, total {expected}"

[[check]]
id = "G.chain"
expr = "opening[balance] + change[balance] == closing[balance]"
message = "chain {found} vs {expected}"

[[check]]
id = "G.chain-total"
expr = "closing[balance] == total[balance]"
message = "closing {found} vs {expected}"

[[check]]
id = "G.women-limit"
expr = "women <= 1000"
message = "women {found} > {expected}"
"#;

    /// A sheet "g": rows Total, Men, Women, Opening, Change, Closing; counts in B, balances
    /// in C.
    fn workbook(counts: [f64; 3], balances: [f64; 6]) -> Workbook {
        let mut s = Sheet::new("g");
        let mut put = |r: u32, c: u32, v: Value| {
            s.cells.insert(CellRef::new(r, c), Cell::value(v));
        };
        put(0, 0, Value::Text("Label".into()));
        put(0, 1, Value::Text("Count".into()));
        put(0, 2, Value::Text("Balance".into()));
        let labels = ["Total", "Men", "Women", "Opening", "Change", "Closing"];
        for (i, l) in labels.iter().enumerate() {
            let r = i as u32 + 1;
            put(r, 0, Value::Text((*l).into()));
            if let Some(v) = counts.get(i) {
                put(r, 1, Value::Number(*v));
            }
            put(r, 2, Value::Number(balances[i]));
        }
        Workbook {
            sheets: vec![s],
            defined_names: vec![],
        }
    }

    fn explained(wb: &Workbook) -> (Vec<Finding>, Vec<Explanation>) {
        explained_weighted(wb, "")
    }

    /// With `localise`, the form's `[localise]` table, added to the form.
    fn explained_weighted(wb: &Workbook, localise: &str) -> (Vec<Finding>, Vec<Explanation>) {
        let pack = compile(&[Source {
            name: "g.toml".into(),
            text: format!("{FORM}\n{localise}"),
        }])
        .unwrap_or_else(|e| panic!("{e:?}"));
        let (_, findings, _, kept) = check_workbook_kept(wb, "g.xlsx", &pack, Links::NONE);
        (findings, kept.explanations)
    }

    const BALANCED: [f64; 6] = [10.0, 0.0, 0.0, 12.5, -2.5, 10.0];

    #[test]
    fn men_and_women_against_the_total_is_one_of_three() {
        let (findings, ex) = explained(&workbook(
            [10.0, 6.0, 5.0],
            [10.0, 0.0, 0.0, 12.5, -2.5, 10.0],
        ));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(ex.len(), 3, "{ex:#?}");
        let mut cells: Vec<(&str, Option<f64>)> = ex
            .iter()
            .map(|e| {
                assert_eq!(e.alternatives, 3);
                assert_eq!(e.changes.len(), 1);
                (e.changes[0].cell.as_str(), e.changes[0].suggested)
            })
            .collect();
        cells.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            cells,
            [("B2", Some(11.0)), ("B3", Some(5.0)), ("B4", Some(4.0))]
        );
        // No single suggestion: the words say "one of".
        assert!(ex[0].text.contains("one of 3"), "{}", ex[0].text);
        assert!(ex
            .iter()
            .all(|e| e.resolves.len() == 1 && e.resolves[0].is(&findings[0])));
    }

    /// The cells of each explanation, sorted.
    fn cells_of(ex: &[Explanation]) -> Vec<Vec<&str>> {
        let mut out: Vec<Vec<&str>> = ex
            .iter()
            .map(|e| {
                let mut c: Vec<&str> = e.changes.iter().map(|c| c.cell.as_str()).collect();
                c.sort_unstable();
                c
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_total_weighted_higher_leaves_its_breakdown_to_blame() {
        let wb = workbook([10.0, 6.0, 5.0], BALANCED);
        let (findings, ex) = explained_weighted(&wb, "[localise]\nrows = { total = 3 }\n");
        assert_eq!(findings.len(), 1, "{findings:?}");
        // Men or women (1 each), no longer the total (3): one of two.
        assert_eq!(cells_of(&ex), [["B3"], ["B4"]], "{ex:#?}");
        assert!(ex.iter().all(|e| e.alternatives == 2), "{ex:#?}");
        assert!(ex[0].text.contains("one of 2"), "{}", ex[0].text);
        // The column and the form weigh in too: the count column at 2, the total row at 0.5,
        // so the total weighs 1 against 2 for men and for women.
        let (_, ex) = explained_weighted(
            &wb,
            "[localise]\nweight = 2\ncolumns = { count = 2 }\nrows = { total = 0.25 }\n",
        );
        assert_eq!(cells_of(&ex), [["B2"]], "{ex:#?}");
        assert_eq!(ex[0].changes[0].suggested, Some(11.0));
        assert_eq!(ex[0].alternatives, 1);
    }

    #[test]
    fn two_light_changes_outweigh_one_heavy() {
        // The closing balance breaks both the chain and its tie to the total: alone it
        // explains both; trusted at 3, the opening or the change with the total's balance
        // (2) are lighter.
        let mut b = BALANCED;
        b[5] = 11.0;
        let wb = workbook([11.0, 6.0, 5.0], b);
        let (findings, ex) = explained(&wb);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert_eq!(cells_of(&ex), [["C7"]], "{ex:#?}");
        let (_, ex) = explained_weighted(&wb, "[localise]\nrows = { closing = 3 }\n");
        assert_eq!(cells_of(&ex), [["C2", "C5"], ["C2", "C6"]], "{ex:#?}");
        assert!(ex
            .iter()
            .all(|e| e.alternatives == 2 && e.resolves.len() == 2));
        // Lighter alone (1.5 against 1 + 1 = 2): the one change still.
        let (_, ex) = explained_weighted(&wb, "[localise]\nrows = { closing = 1.5 }\n");
        assert_eq!(cells_of(&ex), [["C7"]], "{ex:#?}");
        // A tie (2 against 2): all three.
        let (_, ex) = explained_weighted(&wb, "[localise]\nrows = { closing = 2 }\n");
        assert_eq!(
            cells_of(&ex),
            [vec!["C2", "C5"], vec!["C2", "C6"], vec!["C7"]]
        );
    }

    #[test]
    fn a_sign_slip() {
        let mut b = BALANCED;
        b[4] = 2.5;
        let (findings, ex) = explained(&workbook([11.0, 6.0, 5.0], b));
        assert_eq!(findings.len(), 1, "{findings:?}");
        // Opening or change (the closing balance is tied to the total): one of two.
        assert_eq!(ex.len(), 2, "{ex:#?}");
        let c = ex
            .iter()
            .flat_map(|e| &e.changes)
            .find(|c| c.cell == "C6")
            .expect("the change");
        assert_eq!((c.suggested, c.kind), (Some(-2.5), Some(Slip::Sign)));
        // The note names the other reading, one figure larger: total and closing together.
        assert_eq!(
            c.note,
            "probably -2.5 — the sign; or, if 1 more figure(s) are wrong (1 such reading(s)), \
             for example: C2 Total — Balance 10 → 15 (one digit mistyped); C7 Closing — Balance \
             10 → 15 (one digit mistyped)"
        );
        let other = ex
            .iter()
            .flat_map(|e| &e.changes)
            .find(|c| c.cell == "C5")
            .expect("the opening");
        assert_eq!((other.suggested, other.kind), (Some(7.5), None));
    }

    #[test]
    fn a_limit_only_bounds_the_correction() {
        let (findings, ex) = explained(&workbook(
            [1500.0, 400.0, 1100.0],
            [10.0, 0.0, 0.0, 12.5, -2.5, 10.0],
        ));
        // women <= 1000 fails; men + women == total holds: women and one of men or total.
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            ex.iter().all(|e| e.localised && e.changes.len() == 2),
            "{ex:#?}"
        );
        let women: Vec<&Change> = ex
            .iter()
            .flat_map(|e| &e.changes)
            .filter(|c| c.cell == "B4")
            .collect();
        assert!(!women.is_empty());
        for w in women {
            assert_eq!(w.suggested, None, "{w:?}");
            assert_eq!(w.range, Some((Some(0.0), Some(1000.0))), "{w:?}");
        }
    }

    #[test]
    fn nothing_to_explain_when_every_check_holds() {
        let (findings, ex) = explained(&workbook([11.0, 6.0, 5.0], BALANCED));
        assert!(findings.is_empty(), "{findings:?}");
        assert!(ex.is_empty());
    }

    #[test]
    fn the_search_is_bounded() {
        // Every count of a chain of many equal sums broken at once: beyond the size bound,
        // not localised, never a guess.
        let cons: Vec<Con> = (0..MAX_SIZE + 1)
            .map(|i| Con {
                shape: i,
                violated: true,
                terms: vec![(i, 1.0)],
                c: -1.0,
                lo: 0.0,
                hi: 0.0,
            })
            .collect();
        let figures: Vec<Figure> = (0..MAX_SIZE + 1)
            .map(|i| Figure {
                at: (0, CellRef::new(i as u32, 1)),
                v: 0.0,
                count: true,
                percent: false,
                decimals: 0,
                grid: None,
                field: None,
                weight: 1.0,
            })
            .collect();
        let group: Vec<usize> = (0..cons.len()).collect();
        let solver = Solver::new(&cons, &group, &figures);
        assert!(solver.solve().is_none());
        // One fewer is localised, each to 1.
        let group: Vec<usize> = (0..MAX_SIZE).collect();
        let solver = Solver::new(&cons, &group, &figures);
        let (sets, larger) = solver.solve().expect("localised");
        assert_eq!(sets.len(), 1);
        assert!(sets[0].1.iter().all(|r| *r == (1.0, 1.0)));
        assert!(larger.is_empty(), "no set is larger than the largest size");
    }

    /// a + b = t and a = a2 (one figure given twice), with a typed one too high: the smallest
    /// reading changes a; the readings one figure larger that do not contain it change a2 with
    /// b or with t — and never {a, x}, which is the smallest reading with a needless change.
    #[test]
    fn the_readings_one_figure_larger_are_those_without_a_smaller_one() {
        let fig = |i: u32, v: f64| Figure {
            at: (0, CellRef::new(i, 1)),
            v,
            count: true,
            percent: false,
            decimals: 0,
            grid: None,
            field: None,
            weight: 1.0,
        };
        // 0: a = 11, 1: b = 5, 2: t = 15, 3: a2 = 10.
        let figures = vec![fig(0, 11.0), fig(1, 5.0), fig(2, 15.0), fig(3, 10.0)];
        let cons = vec![
            Con {
                shape: 0,
                violated: true,
                terms: vec![(0, 1.0), (1, 1.0), (2, -1.0)],
                c: 0.0,
                lo: 0.0,
                hi: 0.0,
            },
            Con {
                shape: 1,
                violated: true,
                terms: vec![(0, 1.0), (3, -1.0)],
                c: 0.0,
                lo: 0.0,
                hi: 0.0,
            },
        ];
        let group = vec![0, 1];
        let solver = Solver::new(&cons, &group, &figures);
        let (sets, larger) = solver.solve().expect("localised");
        let sets: Vec<Vec<usize>> = sets.into_iter().map(|s| s.0).collect();
        assert_eq!(sets, vec![vec![0]]);
        let larger: Vec<(Vec<usize>, Vec<Range>)> = larger;
        let got: Vec<&Vec<usize>> = larger.iter().map(|s| &s.0).collect();
        assert_eq!(got, vec![&vec![1, 3], &vec![2, 3]]);
        // a2 = 11 with b = 4, or a2 = 11 with t = 16.
        assert_eq!(larger[0].1, vec![(4.0, 4.0), (11.0, 11.0)]);
        assert_eq!(larger[1].1, vec![(16.0, 16.0), (11.0, 11.0)]);
    }

    /// The feasibility test keeps each row's checks as a bitset when a set touches at most
    /// 128 checks, else as their indexes: on generated systems (equalities, bounds, counts and
    /// amounts, figures on both sides of many checks) both give the same ranges, bit for bit,
    /// and the same checks proving a set has no solution, for every set of one to four figures.
    #[test]
    fn the_bitset_of_a_rows_checks_gives_what_their_indexes_give() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut compared = (0, 0);
        for case in 0..60 {
            let n = 4 + next(5) as usize;
            let figures: Vec<Figure> = (0..n)
                .map(|i| Figure {
                    at: (0, CellRef::new(i as u32, 1)),
                    v: next(40) as f64 - if case % 3 == 0 { 10.0 } else { 0.0 },
                    count: next(3) != 0,
                    percent: false,
                    decimals: next(2) as u8,
                    grid: None,
                    field: None,
                    weight: 1.0,
                })
                .collect();
            let cons: Vec<Con> = (0..3 + next(6) as usize)
                .map(|i| {
                    let mut vars: Vec<usize> = (0..2 + next(3) as usize)
                        .map(|_| next(n as u64) as usize)
                        .collect();
                    vars.sort_unstable();
                    vars.dedup();
                    let coef = [1.0, -1.0, 0.5, 2.0, -0.25];
                    let terms: Vec<(usize, f64)> =
                        vars.iter().map(|&v| (v, coef[next(5) as usize])).collect();
                    let (lo, hi) = match next(4) {
                        0 => (f64::NEG_INFINITY, 0.0),
                        1 => (-0.5, f64::INFINITY),
                        2 => (-1.5, 1.5),
                        _ => (0.0, 0.0),
                    };
                    Con {
                        shape: i,
                        violated: next(2) == 0,
                        terms,
                        c: next(30) as f64 - 15.0,
                        lo,
                        hi,
                    }
                })
                .collect();
            let group: Vec<usize> = (0..cons.len()).collect();
            let solver = Solver::new(&cons, &group, &figures);
            let by_var = solver.by_var();
            let mut sets: Vec<Vec<usize>> = vec![vec![]];
            for _ in 0..4 {
                let grown: Vec<Vec<usize>> = sets
                    .iter()
                    .flat_map(|s| {
                        let from = s.last().map_or(0, |l| l + 1);
                        (from..n).map(move |v| {
                            let mut t = s.clone();
                            t.push(v);
                            t
                        })
                    })
                    .collect();
                for set in &grown {
                    let mut touched: Vec<usize> =
                        set.iter().flat_map(|&v| by_var.of(v)).copied().collect();
                    touched.sort_unstable();
                    touched.dedup();
                    let bits = solver.feasible_in(set, &touched, &mut Scratch::<u128>::default());
                    let listed =
                        solver.feasible_in(set, &touched, &mut Scratch::<Vec<usize>>::default());
                    let bits_of = |r: &Feasibility| match r {
                        Ok(Ok(ranges)) => Ok(Ok(ranges
                            .iter()
                            .map(|(l, h)| (l.to_bits(), h.to_bits()))
                            .collect::<Vec<_>>())),
                        Ok(Err(why)) => Ok(Err(why.clone())),
                        Err(()) => Err(()),
                    };
                    assert_eq!(bits_of(&bits), bits_of(&listed), "case {case}, set {set:?}");
                    match listed {
                        Ok(Ok(_)) => compared.0 += 1,
                        _ => compared.1 += 1,
                    }
                    // The search's own test, with its reused buffers, gives the same.
                    let reused = solver.feasible(set, &by_var, &mut Work::default());
                    assert_eq!(bits_of(&reused), bits_of(&listed));
                }
                sets = grown;
            }
        }
        // Both outcomes were compared, many times.
        assert!(compared.0 > 500 && compared.1 > 500, "{compared:?}");
    }

    #[test]
    fn a_set_of_the_search_stays_in_order_and_is_equal_by_its_figures() {
        let a = Set::default().with(5).and_then(|s| s.with(2));
        let b = Set::default().with(2).and_then(|s| s.with(5));
        assert_eq!(a.map(|s| s.as_slice().to_vec()), Some(vec![2, 5]));
        assert!(a == b);
        let mut full = Some(Set::default());
        for v in 0..MAX_SIZE {
            full = full.and_then(|s| s.with(10 - v));
        }
        let full = full.expect("room for MAX_SIZE figures");
        assert!(full.as_slice().windows(2).all(|w| w[0] < w[1]));
        assert!(full.with(99).is_none(), "no room beyond MAX_SIZE");
    }
}
