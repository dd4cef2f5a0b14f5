//! Numbers typed as text in spreadsheet cells, read in a locale.
//!
//! Why this exists: calamine hands a cell typed as text back as a string, and
//! its own number parsing (like Rust's `str::parse`) only reads English-style
//! numbers. Vietnamese workbooks write `2.675` for two thousand six hundred
//! and seventy-five and `53,97%` for a percentage with two decimals, so those
//! cells would be read wrongly or not at all. This module reads them, and
//! also reports how many decimals the text shows, which the checker needs to
//! know how far a rounded figure may be from an exact one.
//!
//! # What is accepted
//!
//! A text is a number when, after trimming whitespace (including U+00A0,
//! U+202F, tabs and a stray BOM or zero-width space), it is:
//!
//! * an optional sign `+`, `-` or `−` (U+2212) directly before the digits, or
//!   the whole number in accounting parentheses `(12)` = -12 (not both);
//! * an optional `%` (or full-width `％`) at the end or at the start,
//!   whitespace allowed between it and the digits, outside or inside the
//!   parentheses; the value is kept as written (`53,97%` is 53.97);
//! * the digits, with the locale's marks: in [`Locale::Vi`] `.` groups
//!   thousands and `,` is the decimal mark, in [`Locale::En`] the reverse.
//!   Spaces (ordinary, no-break, narrow no-break, thin, figure) may also group
//!   thousands, in either locale.
//!
//! # Decisions on ambiguous text
//!
//! * **Groups must be well formed**: the first group has 1 to 3 digits and
//!   does not start with `0`, every later one exactly 3, and one kind of
//!   separator is used (the group mark or spaces). `1.23.456`, `1.234.56` and
//!   `12.5.2021` are not numbers in vi.
//! * **Lenient foreign decimal point**: when the text has no decimal mark of
//!   the locale and exactly one group mark that cannot be a thousands group
//!   (`53.97`, `12.3456`, `0.500`, `1234.567` in vi), that mark is read as the
//!   decimal point, because people paste numbers written the other way. When
//!   it can be a group, it is one: `2.675` in vi is 2675, never 2.675. The
//!   rule is symmetric for en (`2,5` is 2.5, `2,675` is 2675).
//! * Both marks in the wrong order (`1,234.5` in vi) are not a number.
//! * **Leading zeros**: an integer part with a leading zero followed by more
//!   digits (`0123`, `00,5`) is not a number: such text is a code, not a
//!   quantity. `0`, `0,5` and `-0` are numbers (negative zero reads as 0).
//! * A decimal mark needs digits after it (`5,` is not a number) but not
//!   before it (`,5` is 0.5).
//! * **Exponents** (`1e5`, `1E-3`, `2,5e3`) are accepted only without group
//!   separators; the mantissa has at most one mark, `.` or `,`, which is the
//!   decimal point in either locale (no grouping can be meant there). The
//!   exponent has 1 to 3 digits. `decimals` then counts the decimal places
//!   the number really has: mantissa decimals minus the exponent, never below
//!   0 (`1E-3` -> 3, `2,5e3` -> 0).
//! * A space between a sign and the digits (`- 12`), a sign inside the
//!   parentheses (`(-12)`), dashes other than `-` and `−`, `NaN`, `inf` and
//!   anything too large for an `f64` are not numbers.

pub use crate::locale::{format_number, format_plain, round_half_away, shown_decimals, Locale};

/// A number read from text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextNumber {
    /// The number as written: for `53,97%` this is 53.97, not 0.5397.
    pub value: f64,
    /// Decimal places shown: `53,97` -> 2, `2.675` -> 0 (vi), `4,3` -> 1;
    /// capped at 255.
    pub decimals: u8,
    /// A `%` sign was present.
    pub percent: bool,
}

/// `Some(TextNumber)` when the whole text is a number in this locale, else
/// `None`. See the module documentation for the exact rules.
pub fn parse_text_number(text: &str, locale: Locale) -> Option<TextNumber> {
    // Full-width forms (`２６７５`, `５３，９７％`, typed with an East Asian input method) are
    // the ASCII characters they stand for.
    let narrowed: String;
    let text = if text.chars().any(is_full_width) {
        narrowed = text.chars().map(narrow).collect();
        narrowed.as_str()
    } else {
        text
    };
    let s = trim(text);
    // `'2675`: the apostrophe that makes a spreadsheet keep a number as text, stored in the
    // text by programs other than Excel (which keeps it as a style).
    let s = s
        .strip_prefix(['\'', '\u{2019}', '\u{2018}'])
        .map_or(s, trim);
    let (s, mut percent) = strip_percent(s);
    let (s, in_parens) = match s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (trim(inner), true),
        None => (s, false),
    };
    let s = if in_parens && !percent {
        let (inner, p) = strip_percent(s);
        percent = p;
        inner
    } else {
        s
    };
    let (negative, body) = if in_parens { (true, s) } else { strip_sign(s) };

    let parts = parse_unsigned(body, locale)?;
    let mut literal = parts.int;
    if !parts.frac.is_empty() {
        literal.push('.');
        literal.push_str(&parts.frac);
    }
    if parts.exp != 0 {
        literal.push_str(&format!("e{}", parts.exp));
    }
    let magnitude: f64 = literal.parse().ok()?;
    if !magnitude.is_finite() {
        return None;
    }
    // Adding 0.0 turns a negative zero into a positive one.
    let value = if negative { -magnitude } else { magnitude } + 0.0;
    let decimals = (parts.frac.len() as i64 - i64::from(parts.exp)).clamp(0, i64::from(u8::MAX));
    Some(TextNumber {
        value,
        decimals: decimals as u8,
        percent,
    })
}

/// The digits of an unsigned number: `int` (never empty) `.` `frac` `e` `exp`.
struct Parts {
    int: String,
    frac: String,
    exp: i32,
}

/// Whether `text` is a dash standing for zero: `-`, `–`, `—` or `−`, also typed with the
/// apostrophe that keeps it as text (`'-`, the apostrophe stored by programs other than Excel).
pub fn is_zero_dash(text: &str) -> bool {
    let t = trim(text);
    let t = t
        .strip_prefix(['\'', '\u{2019}', '\u{2018}'])
        .map_or(t, trim);
    matches!(t, "-" | "–" | "—" | "−")
}

/// A full-width form of an ASCII character (U+FF01–U+FF5E) or the ideographic space.
fn is_full_width(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c) || c == '\u{3000}'
}

/// The ASCII character a full-width form stands for; any other character as it is.
fn narrow(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        c if is_full_width(c) => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// Characters trimmed from both ends of the text and around `%`.
fn is_trimmed(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}'
}

fn trim(s: &str) -> &str {
    s.trim_matches(is_trimmed)
}

/// Spaces that may group thousands.
fn is_space_sep(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{2007}')
}

fn is_percent(c: char) -> bool {
    c == '%' || c == '％'
}

/// Removes one `%` at the end, or else at the start, with the whitespace
/// next to it.
fn strip_percent(s: &str) -> (&str, bool) {
    if let Some(rest) = s.strip_suffix(is_percent) {
        (trim(rest), true)
    } else if let Some(rest) = s.strip_prefix(is_percent) {
        (trim(rest), true)
    } else {
        (s, false)
    }
}

/// Removes a leading sign; true when it was a minus.
fn strip_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix(['-', '\u{2212}']) {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    }
}

/// Reads digits, marks and group separators (no sign, no `%`).
fn parse_unsigned(body: &str, locale: Locale) -> Option<Parts> {
    if let Some((mantissa, exp)) = body.split_once(['e', 'E']) {
        return parse_scientific(mantissa, exp);
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || is_space_sep(c))
    {
        return None;
    }
    let (group, decimal) = (locale.group_mark(), locale.decimal_mark());
    let integer = |int: String| Parts {
        int,
        frac: String::new(),
        exp: 0,
    };
    match body.matches(decimal).count() {
        0 => {
            if let Some(int) = grouped_integer(body, group) {
                return Some(integer(int));
            }
            // Lenient: a lone group mark that cannot be a group is a decimal point.
            if body.matches(group).count() == 1 {
                let (int, frac) = body.split_once(group)?;
                return decimal_parts(int, frac, group);
            }
            None
        }
        1 => {
            let (int, frac) = body.split_once(decimal)?;
            decimal_parts(int, frac, group)
        }
        _ => None,
    }
}

/// An integer part (possibly empty, then 0) and decimals of at least one digit.
fn decimal_parts(int: &str, frac: &str, group: char) -> Option<Parts> {
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let int = if int.is_empty() {
        "0".to_string()
    } else {
        grouped_integer(int, group)?
    };
    Some(Parts {
        int,
        frac: frac.to_string(),
        exp: 0,
    })
}

/// The digits of an integer written plain (`2675`) or in well-formed groups
/// of thousands separated by `group` or by spaces, one kind only (`2.675`,
/// `2 675`). No leading zero unless the integer is `0`.
fn grouped_integer(s: &str, group: char) -> Option<String> {
    let is_sep = |c: char| c == group || is_space_sep(c);
    let Some(first_sep) = s.chars().find(|&c| is_sep(c)) else {
        return plain_integer(s).map(str::to_string);
    };
    let same_kind = |c: char| {
        if first_sep == group {
            c == group
        } else {
            is_space_sep(c)
        }
    };
    if s.chars().any(|c| is_sep(c) && !same_kind(c)) {
        return None;
    }
    let mut groups = s.split(same_kind);
    let head = groups.next()?;
    let head_ok = (1..=3).contains(&head.len())
        && head.bytes().all(|b| b.is_ascii_digit())
        && !head.starts_with('0');
    if !head_ok {
        return None;
    }
    let mut digits = head.to_string();
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.push_str(g);
    }
    Some(digits)
}

/// One or more ASCII digits without a superfluous leading zero.
fn plain_integer(s: &str) -> Option<&str> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && !(s.len() > 1 && s.starts_with('0'));
    ok.then_some(s)
}

/// `1e5`, `2,5E-3`: a mantissa with at most one mark (either) and an
/// exponent of 1 to 3 digits with an optional sign.
fn parse_scientific(mantissa: &str, exp: &str) -> Option<Parts> {
    let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    if !(1..=3).contains(&exp_digits.len()) || !exp_digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exp: i32 = exp.strip_prefix('+').unwrap_or(exp).parse().ok()?;
    if !mantissa
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return None;
    }
    // No group mark can occur in the mantissa ('\0'), and spaces were refused above.
    let parts = match mantissa.split_once(['.', ',']) {
        Some((int, frac)) => decimal_parts(int, frac, '\0')?,
        None => Parts {
            int: plain_integer(mantissa)?.to_string(),
            frac: String::new(),
            exp: 0,
        },
    };
    Some(Parts { exp, ..parts })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Locale::{En, Vi};

    /// Asserts that `text` reads as `value` with `decimals`, percent or not.
    #[track_caller]
    fn ok(text: &str, locale: Locale, value: f64, decimals: u8, percent: bool) {
        let got = parse_text_number(text, locale)
            .unwrap_or_else(|| panic!("{text:?} ({locale:?}) should be a number"));
        let close = (got.value - value).abs() <= 1e-12 * value.abs().max(1.0);
        assert!(
            close,
            "{text:?} ({locale:?}): value {} != {value}",
            got.value
        );
        assert_eq!(got.decimals, decimals, "{text:?} ({locale:?}): decimals");
        assert_eq!(got.percent, percent, "{text:?} ({locale:?}): percent");
    }

    #[track_caller]
    fn none(text: &str, locale: Locale) {
        let got = parse_text_number(text, locale);
        assert_eq!(got, None, "{text:?} ({locale:?}) should not be a number");
    }

    #[test]
    fn trims_whitespace() {
        ok(" 57 ", Vi, 57.0, 0, false);
        ok("\u{a0}57\u{a0}", Vi, 57.0, 0, false);
        ok("\u{202f}57\u{202f}", Vi, 57.0, 0, false);
        ok("\t57\r\n", Vi, 57.0, 0, false);
        ok("\u{feff}57\u{200b}", Vi, 57.0, 0, false);
        ok(" \u{a0}53,97\u{a0}%\t", Vi, 53.97, 2, true);
    }

    #[test]
    fn vi_integers_and_groups() {
        ok("57", Vi, 57.0, 0, false);
        ok("0", Vi, 0.0, 0, false);
        ok("2.675", Vi, 2675.0, 0, false);
        ok("1.234.567", Vi, 1_234_567.0, 0, false);
        ok("2 675", Vi, 2675.0, 0, false);
        ok("2\u{a0}675", Vi, 2675.0, 0, false);
        ok("'2675", Vi, 2675.0, 0, false);
        ok("'2.675", Vi, 2675.0, 0, false);
        ok("\u{2019}53,97%", Vi, 53.97, 2, true);
        ok("2\u{202f}675", Vi, 2675.0, 0, false);
        ok("1 234 567", Vi, 1_234_567.0, 0, false);
    }

    #[test]
    fn vi_decimals() {
        ok("53,97", Vi, 53.97, 2, false);
        ok("0,5", Vi, 0.5, 1, false);
        ok("4,3", Vi, 4.3, 1, false);
        ok("4,30", Vi, 4.3, 2, false);
        ok("1.234,5", Vi, 1234.5, 1, false);
        ok("1 234,5", Vi, 1234.5, 1, false);
        ok(",5", Vi, 0.5, 1, false);
    }

    #[test]
    fn signs_and_parentheses() {
        ok("-12", Vi, -12.0, 0, false);
        ok("\u{2212}12", Vi, -12.0, 0, false);
        ok("+5", Vi, 5.0, 0, false);
        ok("(12)", Vi, -12.0, 0, false);
        ok("( 1.234,5 )", Vi, -1234.5, 1, false);
        ok("-0", Vi, 0.0, 0, false);
        assert!(parse_text_number("-0", Vi).is_some_and(|n| n.value.is_sign_positive()));
    }

    #[test]
    fn percent_signs() {
        ok("53,97%", Vi, 53.97, 2, true);
        ok("53,97 %", Vi, 53.97, 2, true);
        ok("53,97\u{a0}%", Vi, 53.97, 2, true);
        ok("%53,97", Vi, 53.97, 2, true);
        ok("% 12", Vi, 12.0, 0, true);
        ok("-4,5%", Vi, -4.5, 1, true);
        ok("(4,5%)", Vi, -4.5, 1, true);
        ok("(4,5)%", Vi, -4.5, 1, true);
        ok("12％", Vi, 12.0, 0, true);
    }

    #[test]
    fn dashes_for_zero() {
        for t in ["-", " – ", "—", "−", "'-", "\u{2019}–"] {
            assert!(is_zero_dash(t), "{t:?}");
        }
        for t in ["", "'", "--", "-1", "'0", "- -"] {
            assert!(!is_zero_dash(t), "{t:?}");
        }
    }

    #[test]
    fn full_width_forms() {
        ok("２６７５", Vi, 2675.0, 0, false);
        ok("２．６７５", Vi, 2675.0, 0, false);
        ok("５３，９７％", Vi, 53.97, 2, true);
        ok("\u{3000}－１２", Vi, -12.0, 0, false);
        assert!(parse_text_number("２ａ", Vi).is_none());
    }

    #[test]
    fn en_numbers() {
        ok("2,675", En, 2675.0, 0, false);
        ok("53.97", En, 53.97, 2, false);
        ok("1,234,567.8", En, 1_234_567.8, 1, false);
        ok("53.97%", En, 53.97, 2, true);
        ok("1 234.5", En, 1234.5, 1, false);
        ok("(12.5)", En, -12.5, 1, false);
        ok(".5", En, 0.5, 1, false);
    }

    #[test]
    fn lenient_foreign_decimal_point() {
        ok("53.97", Vi, 53.97, 2, false);
        ok("12.3456", Vi, 12.3456, 4, false);
        ok("4.3", Vi, 4.3, 1, false);
        ok("0.500", Vi, 0.5, 3, false);
        ok("1234.567", Vi, 1234.567, 3, false);
        ok("1 234.5", Vi, 1234.5, 1, false);
        ok("53.97%", Vi, 53.97, 2, true);
        ok("2,5", En, 2.5, 1, false);
        ok("0,500", En, 0.5, 3, false);
        // A possible group is a group.
        ok("2.675", Vi, 2675.0, 0, false);
        ok("2,675", En, 2675.0, 0, false);
    }

    #[test]
    fn malformed_groups() {
        none("1.23.456", Vi);
        none("1.234.56", Vi);
        none("1234.567.890", Vi);
        none("0.123.456", Vi);
        none("1..234", Vi);
        none("1.234 567", Vi);
        none("12 34", Vi);
        none("2  675", Vi);
        none("1,23,456", En);
        none("1.234.5", En);
    }

    #[test]
    fn wrong_order_and_repeated_marks() {
        none("1,2,3", Vi);
        none("1,234.5", Vi);
        none("1.234,5", En);
        none("1.2.3", En);
        none("12.5.2021", Vi);
        none("12.5.2021", En);
        none("5,", Vi);
        none("5.", En);
        none("12.", Vi);
        none(",", Vi);
        none(".", Vi);
    }

    #[test]
    fn leading_zeros_are_codes() {
        none("0123", Vi);
        none("00", Vi);
        none("00,5", Vi);
        none("007", En);
        ok("0,25", Vi, 0.25, 2, false);
    }

    #[test]
    fn exponents() {
        ok("1e5", Vi, 1e5, 0, false);
        ok("1E-3", Vi, 1e-3, 3, false);
        ok("2,5e3", Vi, 2500.0, 0, false);
        ok("2.5E+02", Vi, 250.0, 0, false);
        ok("1,25e-2", En, 0.0125, 4, false);
        ok("-1e2%", En, -100.0, 0, true);
        none("1.234.567e3", Vi);
        none("1 000e3", Vi);
        none("1.2,3e3", Vi);
        none("1e", Vi);
        none("e5", Vi);
        none("1e1234", Vi);
        none("1e+-3", Vi);
        none("1e999", Vi);
        none("1e5e5", Vi);
    }

    #[test]
    fn not_numbers() {
        for text in [
            "", " ", "-", "+", "%", "()", "abc", "12abc", "--5", "+-5", "(-12)", "-(12)", "- 12",
            "NaN", "nan", "inf", "-inf", "Infinity", "TD-07", "%12%", "12%%", "–5", "1/2", "12-",
            "(12", "12)", "0x1F", "١٢",
        ] {
            none(text, Vi);
            none(text, En);
        }
    }

    #[test]
    fn huge_inputs() {
        none(&"9".repeat(400), Vi);
        let long_decimals = format!("0,{}", "1".repeat(300));
        ok(&long_decimals, Vi, 0.111_111_111_111_111_1, 255, false);
    }

    #[test]
    fn locale_basics() {
        assert_eq!(Locale::default(), Vi);
        assert_eq!((Vi.group_mark(), Vi.decimal_mark()), ('.', ','));
        assert_eq!((En.group_mark(), En.decimal_mark()), (',', '.'));
        assert_eq!(serde_json::to_string(&Vi).ok().as_deref(), Some("\"vi\""));
        assert_eq!(serde_json::from_str::<Locale>("\"en\"").ok(), Some(En));
    }

    #[test]
    fn shown_decimals_of_floats() {
        let cases: [(f64, u8); 14] = [
            (72.26, 2),
            (4.3, 1),
            (2675.0, 0),
            (-72.26, 2),
            (0.0, 0),
            (0.5397, 4),
            (0.1 + 0.2, 15),
            (1e-7, 7),
            (1.5e-7, 8),
            (1e-20, 15),
            (1e300, 0),
            (f64::NAN, 0),
            (f64::INFINITY, 0),
            (f64::NEG_INFINITY, 0),
        ];
        for (v, d) in cases {
            assert_eq!(shown_decimals(v), d, "{v}");
        }
    }

    /// Writes `int` with `sep` between groups of three digits.
    fn grouped(int: u64, sep: &str) -> String {
        let digits = int.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && i % 3 == digits.len() % 3 {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A decimal number `mantissa / 10^decimals`, written in `locale` with or
    /// without groups (`sep` None) and a percent sign, and its exact value.
    fn write(
        mantissa: u64,
        decimals: u8,
        negative: bool,
        locale: Locale,
        sep: Option<&str>,
        percent: bool,
    ) -> (String, f64) {
        let scale = 10u64.pow(u32::from(decimals));
        let (int, frac) = (mantissa / scale, mantissa % scale);
        let frac = format!("{frac:0width$}", width = usize::from(decimals));
        let mut text = String::from(if negative { "-" } else { "" });
        text.push_str(&match sep {
            Some(sep) => grouped(int, sep),
            None => int.to_string(),
        });
        let mut literal = format!("{int}");
        if decimals > 0 {
            text.push(locale.decimal_mark());
            text.push_str(&frac);
            literal = format!("{int}.{frac}");
        }
        if percent {
            text.push('%');
        }
        let value: f64 = literal.parse().unwrap_or(f64::NAN);
        (text, if negative { -value } else { value })
    }

    fn any_sep(locale: Locale) -> impl Strategy<Value = Option<&'static str>> {
        let group: &'static str = match locale {
            Vi => ".",
            En => ",",
        };
        prop_oneof![
            Just(None),
            Just(Some(group)),
            Just(Some(" ")),
            Just(Some("\u{a0}")),
            Just(Some("\u{202f}")),
        ]
    }

    fn round_trip(
        mantissa: u64,
        decimals: u8,
        negative: bool,
        locale: Locale,
        sep: Option<&str>,
        percent: bool,
    ) -> Result<(), TestCaseError> {
        let (text, value) = write(mantissa, decimals, negative, locale, sep, percent);
        let got = parse_text_number(&text, locale);
        prop_assert!(got.is_some(), "{:?} ({:?}) not read", text, locale);
        let got = got.unwrap_or(TextNumber {
            value: f64::NAN,
            decimals: 0,
            percent: false,
        });
        let tolerance = 1e-9 * value.abs().max(1e-300);
        prop_assert!(
            (got.value - value).abs() <= tolerance,
            "{:?}: {} != {}",
            text,
            got.value,
            value
        );
        prop_assert_eq!(got.decimals, decimals, "{:?}", text);
        prop_assert_eq!(got.percent, percent, "{:?}", text);
        Ok(())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in any::<String>(), en in any::<bool>()) {
            let _ = parse_text_number(&text, if en { En } else { Vi });
        }

        #[test]
        fn number_like_text_never_panics(
            text in "[-+−()%0-9.,eE \u{a0}\u{202f}]{0,24}",
            en in any::<bool>(),
        ) {
            let locale = if en { En } else { Vi };
            if let Some(n) = parse_text_number(&text, locale) {
                prop_assert!(n.value.is_finite());
            }
        }

        #[test]
        fn vi_round_trips(
            mantissa in prop_oneof![0u64..1_000, 0u64..10_000_000, 0u64..1_000_000_000_000_000],
            decimals in 0u8..=4,
            negative in any::<bool>(),
            sep in any_sep(Vi),
            percent in any::<bool>(),
        ) {
            round_trip(mantissa, decimals, negative, Vi, sep, percent)?;
        }

        #[test]
        fn en_round_trips(
            mantissa in prop_oneof![0u64..1_000, 0u64..10_000_000, 0u64..1_000_000_000_000_000],
            decimals in 0u8..=4,
            negative in any::<bool>(),
            sep in any_sep(En),
            percent in any::<bool>(),
        ) {
            round_trip(mantissa, decimals, negative, En, sep, percent)?;
        }

        #[test]
        fn shown_decimals_match_display(v in any::<f64>()) {
            let d = shown_decimals(v);
            prop_assert!(d <= 15);
            if v.is_finite() {
                let shown = format!("{v}");
                let after = shown.split_once('.').map_or(0, |(_, f)| f.len());
                prop_assert_eq!(usize::from(d), after.min(15));
            }
        }
    }
}
