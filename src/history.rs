//! Figures implausible against history, across the units of a run: a figure whose change from
//! last year is far from the other units' (the Hidiroglou–Berthelot method), a workbook equal
//! to last year's where its own flows say the year had changes, two units with the same
//! figures. Pure: figures in, what is unusual out; the run says it ([`crate::run`]).

#[cfg(test)]
use crate::rules::units::Share;
use crate::rules::units::{FigureRef, Plausibility};
use std::collections::{BTreeMap, HashMap};

/// A figure's place: (form, row, column).
pub type At = (usize, usize, usize);

/// One unit's figures this year and, when last year's workbook was paired, last year.
#[derive(Debug, Clone, Default)]
pub struct UnitFigures {
    pub now: HashMap<At, f64>,
    pub before: Option<HashMap<At, f64>>,
}

/// A ratio this year / last year unusual among the units.
#[derive(Debug, Clone, PartialEq)]
pub struct Unusual {
    /// Index of the unit in the panel, and of the figure in [`Plausibility::figures`].
    pub unit: usize,
    pub figure: usize,
    pub value: f64,
    pub previous: f64,
    pub ratio: f64,
    /// The median ratio of the units.
    pub median: f64,
    /// How many spreads the unit's score lies from the median score.
    pub score: f64,
    /// Units whose ratio was scored.
    pub units: usize,
}

/// Quantile of sorted values (R's type 7).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The Hidiroglou–Berthelot scores of (this year, last year) pairs, both > 0: for each, how
/// many spreads its effect lies from the median effect (signed: below the median negative),
/// and the median ratio. None when fewer than `min_units` pairs.
pub fn hb_scores(pairs: &[(f64, f64)], p: &Plausibility) -> Option<(Vec<f64>, f64)> {
    if pairs.len() < p.min_units.max(3) {
        return None;
    }
    let ratios: Vec<f64> = pairs.iter().map(|(now, before)| now / before).collect();
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let rm = quantile(&sorted, 0.5);
    let effects: Vec<f64> = ratios
        .iter()
        .zip(pairs)
        .map(|(r, (now, before))| {
            let s = if *r < rm { 1.0 - rm / r } else { r / rm - 1.0 };
            s * now.max(*before).powf(p.u)
        })
        .collect();
    let mut e = effects.clone();
    e.sort_by(f64::total_cmp);
    let (q1, em, q3) = (quantile(&e, 0.25), quantile(&e, 0.5), quantile(&e, 0.75));
    let floor = (p.a * em).abs();
    let (d1, d3) = ((em - q1).max(floor), (q3 - em).max(floor));
    let scores = effects
        .iter()
        .map(|x| {
            if *x < em {
                if d1 > 0.0 {
                    -(em - x) / d1
                } else {
                    0.0
                }
            } else if d3 > 0.0 {
                (x - em) / d3
            } else {
                0.0
            }
        })
        .collect();
    Some((scores, rm))
}

/// Every figure of the pack's list whose ratio to last year is unusual among the units (more
/// than `c` spreads from the median score, and beyond `min_change` of the median ratio).
pub fn unusual_changes(units: &[UnitFigures], p: &Plausibility) -> Vec<Unusual> {
    let mut out = Vec::new();
    for (fi, f) in p.figures.iter().enumerate() {
        let at = (f.form, f.row, f.col);
        let mut who = Vec::new();
        let mut pairs = Vec::new();
        for (ui, u) in units.iter().enumerate() {
            let (Some(now), Some(before)) =
                (u.now.get(&at), u.before.as_ref().and_then(|b| b.get(&at)))
            else {
                continue;
            };
            if *now > 0.0 && *before > 0.0 && now.is_finite() && before.is_finite() {
                who.push(ui);
                pairs.push((*now, *before));
            }
        }
        let Some((scores, median)) = hb_scores(&pairs, p) else {
            continue;
        };
        for ((ui, (now, before)), score) in who.iter().zip(&pairs).zip(scores) {
            let ratio = now / before;
            let off = (ratio / median).max(median / ratio);
            if score.abs() > p.c && off >= 1.0 + p.min_change {
                out.push(Unusual {
                    unit: *ui,
                    figure: fi,
                    value: *now,
                    previous: *before,
                    ratio: now / before,
                    median,
                    score,
                    units: pairs.len(),
                });
            }
        }
    }
    out
}

/// A unit's figures equal last year's, every one of them they share (at least `min_figures`
/// not zero), while one of the flows is not zero: how many are equal, and the flows that are
/// not zero.
pub fn copied_unchanged<'p>(
    u: &UnitFigures,
    p: &'p Plausibility,
) -> Option<(usize, Vec<&'p FigureRef>)> {
    let before = u.before.as_ref()?;
    let mut shared = 0;
    let mut non_zero = 0;
    for (at, now) in &u.now {
        if let Some(b) = before.get(at) {
            if b != now {
                return None;
            }
            shared += 1;
            if *now != 0.0 {
                non_zero += 1;
            }
        }
    }
    let flows: Vec<&FigureRef> = p
        .flows
        .iter()
        .filter(|f| {
            u.now
                .get(&(f.form, f.row, f.col))
                .is_some_and(|v| *v != 0.0)
        })
        .collect();
    (non_zero >= p.min_figures && !flows.is_empty()).then_some((shared, flows))
}

/// Units with the same figures as another (at least `min_figures` not zero): (unit, the first
/// unit with the same figures, how many figures), in unit order, for every unit but the first
/// of each group — and for the first, naming the second.
pub fn same_figures(units: &[UnitFigures], p: &Plausibility) -> Vec<(usize, usize, usize)> {
    use std::hash::{Hash, Hasher};
    // Grouped by a hash of the figures (a run of thousands of units holds no copy of every
    // unit's figures), then by the figures themselves: a hash shared by chance joins nothing.
    let mut groups: BTreeMap<(u64, usize), Vec<usize>> = BTreeMap::new();
    for (ui, u) in units.iter().enumerate() {
        if u.now.values().filter(|v| **v != 0.0).count() < p.min_figures {
            continue;
        }
        let mut sig: Vec<(At, u64)> = u.now.iter().map(|(at, v)| (*at, v.to_bits())).collect();
        sig.sort_unstable();
        // SipHash with fixed keys: the same grouping in every run.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sig.hash(&mut h);
        groups.entry((h.finish(), sig.len())).or_default().push(ui);
    }
    let mut out = Vec::new();
    for members in groups.into_values().filter(|m| m.len() > 1) {
        let mut alike: Vec<Vec<usize>> = Vec::new();
        for m in members {
            match alike.iter_mut().find(|c| units[c[0]].now == units[m].now) {
                Some(c) => c.push(m),
                None => alike.push(vec![m]),
            }
        }
        for class in alike {
            if let [first, second, ..] = class[..] {
                let count = units[first].now.len();
                out.push((first, second, count));
                for m in &class[1..] {
                    out.push((*m, first, count));
                }
            }
        }
    }
    out.sort();
    out
}

/// A share that moved from last year more than the pack allows.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareMoved {
    /// Index of the unit in the panel, and of the share in [`Plausibility::shares`].
    pub unit: usize,
    pub share: usize,
    pub now: f64,
    pub before: f64,
}

/// Every share of the pack's list that moved from last year by more than `max_share_move`,
/// in a unit whose base is at least `min_share_base` both years (a share of a few members
/// moves by many points with one member).
pub fn moved_shares(units: &[UnitFigures], p: &Plausibility) -> Vec<ShareMoved> {
    let mut out = Vec::new();
    for (ui, u) in units.iter().enumerate() {
        let Some(before) = &u.before else { continue };
        for (si, s) in p.shares.iter().enumerate() {
            let share = |m: &HashMap<At, f64>| -> Option<f64> {
                let part = *m.get(&(s.part.form, s.part.row, s.part.col))?;
                let base = *m.get(&(s.base.form, s.base.row, s.base.col))?;
                (base >= p.min_share_base.max(f64::MIN_POSITIVE) && part.is_finite())
                    .then(|| part / base)
            };
            if let (Some(now), Some(then)) = (share(&u.now), share(before)) {
                if (now - then).abs() > p.max_share_move + 1e-12 {
                    out.push(ShareMoved {
                        unit: ui,
                        share: si,
                        now,
                        before: then,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plaus() -> Plausibility {
        Plausibility {
            figures: vec![FigureRef {
                form: 0,
                row: 0,
                col: 0,
                name: "F.total".into(),
            }],
            ..Plausibility::default()
        }
    }

    #[test]
    fn a_tenfold_figure_stands_out_and_ordinary_growth_does_not() {
        let mut pairs: Vec<(f64, f64)> = (0..40)
            .map(|i| {
                let before = 20.0 + (i * 7 % 130) as f64;
                (before * (0.95 + (i % 9) as f64 * 0.015), before)
            })
            .collect();
        pairs[7].0 *= 10.0;
        pairs[23].0 /= 10.0;
        let (scores, median) = hb_scores(&pairs, &plaus()).unwrap();
        assert!((median - 1.0).abs() < 0.1, "{median}");
        let flagged: Vec<usize> = (0..40).filter(|i| scores[*i].abs() > 4.0).collect();
        assert_eq!(flagged, vec![7, 23]);
        assert!(scores[7] > 0.0 && scores[23] < 0.0);
        // Too few units: nothing scored.
        assert!(hb_scores(&pairs[..5], &plaus()).is_none());
    }

    #[test]
    fn copies_need_enough_figures_and_a_flow() {
        let mut p = plaus();
        p.flows = p.figures.clone();
        p.min_figures = 5;
        let now: HashMap<At, f64> = (0..6).map(|i| ((0, i, 0), 10.0 + i as f64)).collect();
        let u = UnitFigures {
            now: now.clone(),
            before: Some(now.clone()),
        };
        assert_eq!(copied_unchanged(&u, &p).map(|c| c.0), Some(6));
        let mut other = now.clone();
        other.insert((0, 3, 0), 99.0);
        let changed = UnitFigures {
            now: now.clone(),
            before: Some(other),
        };
        assert!(copied_unchanged(&changed, &p).is_none());
        let mut calm = u.clone();
        calm.now.insert((0, 0, 0), 0.0);
        calm.before = Some(calm.now.clone());
        assert!(
            copied_unchanged(&calm, &p).is_none(),
            "no flow: a quiet year"
        );
        let units = vec![u.clone(), changed.clone(), u.clone()];
        p.min_figures = 7;
        assert!(
            same_figures(&units, &p).is_empty(),
            "too few figures to call them copies"
        );
        assert!(copied_unchanged(&u, &p).is_none());
        p.min_figures = 5;
        assert_eq!(
            same_figures(&units, &p),
            vec![(0, 1, 6), (1, 0, 6), (2, 0, 6)]
        );
    }

    #[test]
    fn a_share_that_moved_beyond_the_limit_in_a_unit_large_enough() {
        let at = |row: usize| FigureRef {
            form: 0,
            row,
            col: 0,
            name: format!("F.{row}"),
        };
        let p = Plausibility {
            shares: vec![Share {
                part: at(1),
                base: at(0),
                name: "F.1 / F.0".into(),
            }],
            ..Plausibility::default()
        };
        let unit = |base: f64, part: f64, base0: f64, part0: f64| UnitFigures {
            now: [((0, 0, 0), base), ((0, 1, 0), part)].into_iter().collect(),
            before: Some(
                [((0, 0, 0), base0), ((0, 1, 0), part0)]
                    .into_iter()
                    .collect(),
            ),
        };
        let units = vec![
            // 30 % → 60 %: said.
            unit(100.0, 60.0, 100.0, 30.0),
            // 30 % → 39 %: within ten points.
            unit(100.0, 39.0, 100.0, 30.0),
            // A branch of 10: 30 % → 60 % is three members, not judged.
            unit(10.0, 6.0, 10.0, 3.0),
            // 40 % → 25 %: said (a fall too).
            unit(200.0, 50.0, 200.0, 80.0),
        ];
        let moved: Vec<usize> = moved_shares(&units, &p).iter().map(|m| m.unit).collect();
        assert_eq!(moved, vec![0, 3]);
        let strict = Plausibility {
            max_share_move: 0.05,
            ..p.clone()
        };
        assert_eq!(moved_shares(&units, &strict).len(), 3);
    }
}
