//! A check's own tolerance: how far its two sides may lie apart and the check still hold.
//!
//! Written `tolerance = 0.5` (absolute: in the figures' own unit) or `tolerance = "1%"`
//! (relative: a share of the expected side, the right-hand one), on a `[[check]]` or as the
//! pack's default in `[settings]`. It comes on top of the rounding of the figures as shown
//! (a percentage shown with one decimal still carries its half unit): crossfoot's comparison
//! allows the rounding plus this.

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A tolerance as written: a number, or a text that should be a percentage.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ToleranceDef {
    Absolute(f64),
    Percent(String),
}

impl<'de> Deserialize<'de> for ToleranceDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ToleranceDef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number (such as 0.5) or a percentage in quotes (such as \"1%\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ToleranceDef, E> {
                Ok(ToleranceDef::Absolute(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ToleranceDef, E> {
                Ok(ToleranceDef::Absolute(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ToleranceDef, E> {
                Ok(ToleranceDef::Absolute(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ToleranceDef, E> {
                Ok(ToleranceDef::Percent(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A tolerance, compiled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Tolerance {
    /// None of its own: the rounding shown only.
    #[default]
    None,
    /// This much, in the figures' unit.
    Absolute(f64),
    /// This share (0.01 for 1 %) of the expected side.
    Relative(f64),
}

impl Tolerance {
    /// What it allows when the expected side is `expected`.
    pub fn allows(self, expected: f64) -> f64 {
        match self {
            Tolerance::None => 0.0,
            Tolerance::Absolute(t) => t,
            Tolerance::Relative(r) => r * expected.abs(),
        }
    }
}

/// What is wrong with a tolerance as written: (message, help).
pub(super) type Mistake = (String, String);

/// The tolerance `def` stands for, or what is wrong with it.
pub(super) fn compile(def: &ToleranceDef) -> Result<Tolerance, Mistake> {
    let help = || {
        "write a number for an absolute tolerance (`tolerance = 0.5`) or a percentage in quotes \
         for a relative one (`tolerance = \"1%\"`)"
            .to_string()
    };
    match def {
        ToleranceDef::Absolute(t) if t.is_finite() && *t >= 0.0 => Ok(if *t == 0.0 {
            Tolerance::None
        } else {
            Tolerance::Absolute(*t)
        }),
        ToleranceDef::Absolute(t) => Err((
            format!("the tolerance {t} is not a number of 0 or more"),
            help(),
        )),
        ToleranceDef::Percent(text) => {
            let shown = text.trim();
            let number = shown.strip_suffix('%').map(str::trim);
            match number.and_then(|n| n.parse::<f64>().ok()) {
                Some(p) if p.is_finite() && (0.0..=100.0).contains(&p) => Ok(if p == 0.0 {
                    Tolerance::None
                } else {
                    Tolerance::Relative(p / 100.0)
                }),
                Some(_) => Err((
                    format!("the tolerance `{shown}` is not a percentage from 0% to 100%"),
                    help(),
                )),
                None => Err((format!("`{shown}` is not a percentage"), help())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(d: ToleranceDef) -> Result<Tolerance, String> {
        compile(&d).map_err(|(m, _)| m)
    }

    #[test]
    fn a_number_is_absolute() {
        assert_eq!(
            of(ToleranceDef::Absolute(0.5)),
            Ok(Tolerance::Absolute(0.5))
        );
        assert_eq!(Tolerance::Absolute(0.5).allows(-1000.0), 0.5);
    }

    #[test]
    fn a_percentage_is_relative_to_the_expected_side() {
        assert_eq!(
            of(ToleranceDef::Percent(" 1.5 % ".into())),
            Ok(Tolerance::Relative(0.015))
        );
        assert!((Tolerance::Relative(0.01).allows(-200.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn zero_is_none() {
        assert_eq!(of(ToleranceDef::Absolute(0.0)), Ok(Tolerance::None));
        assert_eq!(of(ToleranceDef::Percent("0%".into())), Ok(Tolerance::None));
    }

    #[test]
    fn bad_tolerances_are_mistakes() {
        assert!(of(ToleranceDef::Absolute(-1.0)).is_err());
        assert!(of(ToleranceDef::Absolute(f64::NAN)).is_err());
        assert!(of(ToleranceDef::Percent("1".into())).is_err());
        assert!(of(ToleranceDef::Percent("abc%".into())).is_err());
        assert!(of(ToleranceDef::Percent("150%".into())).is_err());
        assert!(of(ToleranceDef::Percent("".into())).is_err());
    }
}
