//! Test support: generated panels of units over years (issue 27) — each branch a year later
//! consistent with the year before ([`next_year`]: flows in proportion to its size, every
//! breakdown in last year's proportions), and [`run_panel`]: units × years with planted slips
//! (a figure ×10, one ÷10, last year's workbook sent again, another unit's sent), judged by the
//! pack's `[plausibility]` through [`crossfoot::history`], counting what was found and the
//! clean units flagged. Shared by `tests/units.rs` and `benches/throughput.rs`.
#![allow(dead_code)]

use super::forms::{Branch, Lcg};
use crossfoot::history::UnitFigures;
use crossfoot::history::{copied_unchanged, moved_shares, same_figures, unusual_changes};
use crossfoot::rules::units::{FigureRef, Share};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Largest-remainder split of `n` in the proportions of `weights` (all zero: the first part).
pub fn split_like<const K: usize>(n: i64, weights: &[i64; K]) -> [i64; K] {
    let total: i64 = weights.iter().sum();
    let mut parts = [0i64; K];
    if total <= 0 {
        parts[0] = n;
        return parts;
    }
    let mut rest: Vec<(i64, usize)> = Vec::new();
    for (i, w) in weights.iter().enumerate() {
        parts[i] = n * w / total;
        rest.push((n * w % total, i));
    }
    rest.sort_by(|a, b| b.cmp(a));
    let mut left = n - parts.iter().sum::<i64>();
    for (_, i) in rest.iter().cycle() {
        if left == 0 {
            break;
        }
        parts[*i] += 1;
        left -= 1;
    }
    parts
}

/// The same branch a year later: it opens with last year's closing members, admits and
/// loses a few, and every breakdown follows in last year's proportions; consistent, so every
/// check of its own holds.
pub fn next_year(b0: &Branch, seed: u64) -> Branch {
    let mut r = Lcg::new(seed);
    let mut b = b0.clone();
    b.year = b0.year + 1;
    let start = b0.m02.end;
    // Flows in proportion to the branch's size (a small branch loses few members a year).
    let pct = |r: &mut Lcg, per_100: i64| r.range(0, start * per_100 / 100 + 1);
    let admitted = pct(&mut r, 6);
    let transferred_in = pct(&mut r, 3);
    let expelled = i64::from(r.one_in(40));
    let decrease_by = [
        pct(&mut r, 2),
        expelled,
        i64::from(r.one_in(10)),
        i64::from(r.one_in(30)),
        i64::from(r.one_in(50)),
        pct(&mut r, 3),
    ];
    let (increase, decrease) = (admitted + transferred_in, decrease_by.iter().sum::<i64>());
    let n = start + increase - decrease;
    let m = &mut b.m02;
    m.start = start;
    m.admitted = admitted;
    m.admitted_of = m.admitted_of.map(|x| x.min(admitted));
    m.transferred_in = transferred_in;
    m.increase = increase;
    m.decrease_by = decrease_by;
    m.decrease = decrease;
    m.end = n;
    m.disciplined_by[3] = expelled;
    m.disciplined = m.disciplined_by.iter().sum();
    let m = &mut b.m01;
    m.total = n;
    m.gender = split_like(n, &b0.m01.gender);
    m.women = m.gender[1];
    m.age = split_like(n, &b0.m01.age);
    m.education = split_like(n, &b0.m01.education);
    m.qualification = split_like(n, &b0.m01.qualification);
    m.theory = split_like(n, &b0.m01.theory);
    m.ethnicity = split_like(n, &b0.m01.ethnicity);
    m.minority = n - m.ethnicity[0];
    m.occupation = split_like(n, &b0.m01.occupation);
    m.probationary = b0.m01.probationary.min(n);
    m.full = n - m.probationary;
    m.religious = b0.m01.religious.min(n);
    m.religious_parts = split_like(m.religious, &b0.m01.religious_parts);
    let m = &mut b.m03;
    m.newly_admitted = m.newly_admitted.min(admitted);
    m.exempt = m.exempt.min(n / 15);
    m.not_rated = m.exempt + m.newly_admitted;
    let rated = n - m.not_rated;
    let [e, g, c, nc] = split_like(
        rated,
        &[
            b0.m03.members.excellent,
            b0.m03.members.good,
            b0.m03.members.completed,
            b0.m03.members.not_completed,
        ],
    );
    m.members.rated = rated;
    m.members.excellent = e;
    m.members.good = g;
    m.members.completed = c;
    m.members.not_completed = nc;
    b.recompute_percents();
    b
}

/// Every figure of a branch, keyed (form, item, column) as `keys` numbers them.
pub fn figure_map(
    b: &Branch,
    keys: &mut BTreeMap<(String, String, String), usize>,
) -> HashMap<(usize, usize, usize), f64> {
    b.figures()
        .into_iter()
        .map(|f| {
            let k = (
                f.form.to_string(),
                f.item.to_string(),
                format!("{:?}", f.col),
            );
            let n = keys.len();
            let i = *keys.entry(k).or_insert(n);
            ((0, i, 0), f.value)
        })
        .collect()
}

/// One unit's figures of one year, keyed as [`figure_map`] numbers them.
pub type Figures = HashMap<(usize, usize, usize), f64>;

/// What a panel found: per kind of slip (name, found, planted), and the clean units (in no
/// slip, neither copied nor copied from) flagged by any history check, of how many — over
/// every pair of consecutive years.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelOutcome {
    pub found: Vec<(&'static str, usize, usize)>,
    pub clean_flagged: usize,
    pub clean: usize,
}

impl PanelOutcome {
    /// The least share found among the kinds of slip.
    pub fn least_found(&self) -> f64 {
        self.found
            .iter()
            .map(|(_, f, of)| *f as f64 / (*of).max(1) as f64)
            .fold(1.0, f64::min)
    }

    pub fn clean_share(&self) -> f64 {
        self.clean_flagged as f64 / self.clean.max(1) as f64
    }
}

/// `units` branches over `years` years (each consecutive pair judged: the later year with
/// `per_slip` units of each slip planted, the earlier as sent), with the pack's figures,
/// shares and thresholds.
pub fn run_panel(
    pack: &crossfoot::rules::Pack,
    units: usize,
    years: usize,
    per_slip: usize,
    seed: u64,
) -> PanelOutcome {
    let mut keys = BTreeMap::new();
    // Each unit's years, clean.
    let series: Vec<Vec<Figures>> = (0..units)
        .map(|i| {
            let mut b = Branch::clean(
                &format!("Chi bộ số {i}"),
                &format!("TD-{i:02}"),
                seed + i as u64,
            );
            let mut out = vec![figure_map(&b, &mut keys)];
            for y in 1..years {
                b = next_year(&b, seed * 7 + (y * units + i) as u64);
                out.push(figure_map(&b, &mut keys));
            }
            out
        })
        .collect();
    let at = |form: &str, item: &str| -> (usize, usize, usize) {
        (
            0,
            keys[&(form.to_string(), item.to_string(), "Count".to_string())],
            0,
        )
    };
    let refer = |form: &str, item: &str| {
        let (f, row, col) = at(form, item);
        FigureRef {
            form: f,
            row,
            col,
            name: format!("{form}.{item}"),
        }
    };
    // The pack's figures, flows and shares, on the generator's numbering (its items by the
    // forms' row labels: M01 1 is total, 1.1 women, 1.2 minority, 1.4 full; M02 2 increase,
    // 3 decrease, 4 end).
    let item = |name: &str| -> (&'static str, &'static str) {
        match name {
            "M01.total" => ("M01", "1"),
            "M01.of.women" => ("M01", "1.1"),
            "M01.of.minority" => ("M01", "1.2"),
            "M01.of.full" => ("M01", "1.4"),
            "M02.end" => ("M02", "4"),
            "M02.inc" => ("M02", "2"),
            "M02.dec" => ("M02", "3"),
            other => panic!("no generator item for {other}"),
        }
    };
    let mut p = pack.plausibility.clone();
    let remap = |f: &FigureRef| {
        let (form, it) = item(&f.name);
        refer(form, it)
    };
    p.figures = p.figures.iter().map(remap).collect();
    p.flows = p.flows.iter().map(remap).collect();
    p.shares = p
        .shares
        .iter()
        .map(|s| Share {
            part: remap(&s.part),
            base: remap(&s.base),
            name: s.name.clone(),
        })
        .collect();
    let total = at("M01", "1");
    let end = at("M02", "4");
    let mut found = [0usize; 4];
    let mut planted = 0;
    let (mut clean, mut clean_flagged) = (0, 0);
    let mut rng = Lcg::new(seed ^ 0x5eed);
    for y in 1..years {
        let mut panel: Vec<UnitFigures> = series
            .iter()
            .map(|s| UnitFigures {
                now: s[y].clone(),
                before: Some(s[y - 1].clone()),
            })
            .collect();
        let mut order: Vec<usize> = (0..units).collect();
        for i in (1..units).rev() {
            order.swap(i, rng.range(0, i as i64) as usize);
        }
        let k = per_slip;
        let (times10, div10, unchanged, copied, sources) = (
            &order[0..k],
            &order[k..2 * k],
            &order[2 * k..3 * k],
            &order[3 * k..4 * k],
            &order[4 * k..5 * k],
        );
        for &u in times10 {
            if let Some(v) = panel[u].now.get_mut(&total) {
                *v *= 10.0;
            }
        }
        for &u in div10 {
            if let Some(v) = panel[u].now.get_mut(&end) {
                *v = (*v / 10.0).round();
            }
        }
        for &u in unchanged {
            panel[u].now = series[u][y - 1].clone();
        }
        for (&u, &s) in copied.iter().zip(sources) {
            panel[u].now = panel[s].now.clone();
        }
        planted += k;
        let unusual = unusual_changes(&panel, &p);
        let same = same_figures(&panel, &p);
        let moved = moved_shares(&panel, &p);
        let flagged_unusual = |u: usize, fig: (usize, usize, usize)| {
            unusual.iter().any(|x| {
                let f = &p.figures[x.figure];
                x.unit == u && (f.form, f.row, f.col) == fig
            })
        };
        let count = |units: &[usize], hit: &dyn Fn(usize) -> bool| {
            units.iter().filter(|u| hit(**u)).count()
        };
        found[0] += count(times10, &|u| flagged_unusual(u, total));
        found[1] += count(div10, &|u| flagged_unusual(u, end));
        found[2] += count(unchanged, &|u| copied_unchanged(&panel[u], &p).is_some());
        found[3] += count(copied, &|u| {
            same.iter().any(|(a, b, _)| *a == u && sources.contains(b))
        });
        let involved: BTreeSet<usize> = order[..5 * k].iter().copied().collect();
        let clean_units: Vec<usize> = (0..units).filter(|u| !involved.contains(u)).collect();
        clean += clean_units.len();
        clean_flagged += count(&clean_units, &|u| {
            unusual.iter().any(|x| x.unit == u)
                || copied_unchanged(&panel[u], &p).is_some()
                || same.iter().any(|(a, _, _)| *a == u)
                || moved.iter().any(|m| m.unit == u)
        });
    }
    PanelOutcome {
        found: vec![
            ("×10", found[0], planted),
            ("÷10", found[1], planted),
            ("copied unchanged", found[2], planted),
            ("copied from another unit", found[3], planted),
        ],
        clean_flagged,
        clean,
    }
}
