//! How numbers are written in a locale: the [`Locale`] (which mark groups thousands, which
//! starts the decimals), and numbers written for people in it ([`format_number`]), rounded as
//! Excel rounds ([`round_half_away`]).
//!
//! Why this is on the ground floor: every text crossfoot says writes numbers ([`crate::registry`],
//! [`crate::safe`], [`crate::text`]), and reading numbers typed as text ([`crate::read::number`])
//! uses the same locale; so the locale lives below both, and imports nothing of the crate.

use serde::{Deserialize, Serialize};

/// How a workbook writes numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Vietnamese: `.` groups thousands, `,` is the decimal mark (`1.234,5`).
    #[default]
    Vi,
    /// English: `,` groups thousands, `.` is the decimal mark (`1,234.5`).
    En,
}

impl Locale {
    /// The character that groups thousands.
    pub fn group_mark(self) -> char {
        match self {
            Locale::Vi => '.',
            Locale::En => ',',
        }
    }

    /// The character that starts the decimals.
    pub fn decimal_mark(self) -> char {
        match self {
            Locale::Vi => ',',
            Locale::En => '.',
        }
    }
}

/// Decimals a plain `f64` shows when written in General format: the digits
/// after the point in its shortest round-trip representation, capped at 15
/// (`72.26` -> 2, `4.3` -> 1, `2675.0` -> 0, `1e-7` -> 7). NaN and
/// infinities show none.
pub fn shown_decimals(value: f64) -> u8 {
    if !value.is_finite() || (value.fract() == 0.0 && value.abs() < 1e15) {
        return 0;
    }
    repr_decimals(&format!("{value}")).min(15)
}

/// Decimal places of a Rust float representation, which may carry an
/// exponent (`1.5e-7` -> 8); capped at 255.
fn repr_decimals(repr: &str) -> u8 {
    let (mantissa, exp) = match repr.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (repr, 0),
    };
    let frac = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i64);
    (frac - exp).clamp(0, i64::from(u8::MAX)) as u8
}

/// A number as plain text: shortest form, no exponent for ordinary sizes, `-0` as `0`.
pub fn format_plain(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A number written for a person in `locale`, with `decimals` digits after the mark
/// (`None`: as many as the value needs, at most 4). vi: `2.675`, `72,27`; en: `2,675`, `72.27`.
pub fn format_number(v: f64, decimals: Option<u8>, locale: Locale) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let decimals = decimals.unwrap_or_else(|| shown_decimals(v).min(4));
    let rounded = round_half_away(v, i32::from(decimals));
    let body = format!("{:.*}", usize::from(decimals), rounded.abs());
    let (int_part, frac_part) = match body.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (body.clone(), None),
    };
    let (group, mark) = match locale {
        Locale::Vi => ('.', ','),
        Locale::En => (',', '.'),
    };
    let mut grouped = String::new();
    let digits: Vec<char> = int_part.chars().collect();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(*c);
    }
    let mut out = String::new();
    if rounded < 0.0 {
        out.push('-');
    }
    out.push_str(&grouped);
    if let Some(f) = frac_part {
        out.push(mark);
        out.push_str(&f);
    }
    out
}

/// Rounds half away from zero at `decimals` digits, as Excel's ROUND does
/// (Rust's `round` is also half away from zero, but only at 0 digits; a scaled value like
/// 72.265 × 100 is 7226.499999…, so the scaling is corrected by a relative epsilon).
///
/// Negative `decimals` round to tens, hundreds, … (`round_half_away(1250.0, -2)` is 1300); a
/// digit count beyond the range of an f64 gives 0 (far negative) or `v` itself (far positive),
/// as in Excel. Never NaN or infinite for a finite `v`.
pub fn round_half_away(v: f64, decimals: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    if decimals < 0 {
        // 10^400 is infinite: every finite value is then nearer 0 than one unit.
        let unit = 10f64.powi(-(decimals.max(-400)));
        if !unit.is_finite() {
            return 0.0;
        }
        let scaled = v / unit;
        let nudge = scaled.abs() * 4.0 * f64::EPSILON;
        let r = if scaled >= 0.0 {
            (scaled + nudge).round()
        } else {
            (scaled - nudge).round()
        };
        let out = r * unit;
        // 1.7e308 rounded to 1e308s overflows: the value is kept, as the nearest finite one.
        return if !out.is_finite() {
            v
        } else if out == 0.0 {
            0.0
        } else {
            out
        };
    }
    let factor = 10f64.powi(decimals);
    let scaled = v * factor;
    // Beyond 2^52 every f64 is whole: nothing to round (and v × factor may overflow to ∞).
    if !scaled.is_finite() || scaled.abs() >= 4_503_599_627_370_496.0 {
        return v;
    }
    // Correct binary representation error: 72.265 is stored as 72.26499999999999.
    let nudge = scaled.abs() * 4.0 * f64::EPSILON;
    let r = if scaled >= 0.0 {
        (scaled + nudge).round()
    } else {
        (scaled - nudge).round()
    };
    r / factor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_decimals_handles_exponents() {
        for (repr, d) in [("1e-7", 7), ("1.5e-7", 8), ("2.5e3", 0), ("1.2345e2", 2)] {
            assert_eq!(repr_decimals(repr), d, "{repr}");
        }
        assert_eq!(repr_decimals("1E21"), 0);
        assert_eq!(repr_decimals("72.26"), 2);
    }
}
