//! Text as people type it: label normalisation for matching, and numbers written for people.
//!
//! Labels in real submissions differ from the template in case, spacing, numbering prefixes,
//! trailing colons, Unicode form (NFC/NFD) and sometimes lack Vietnamese diacritics altogether.
//! Matching compares normalised keys, never raw text.

use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// How strictly labels are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Folding {
    /// Ignore diacritics (`Tong so dang vien` matches `Tổng số đảng viên`; `đ` folds to `d`).
    pub diacritics: bool,
}

fn numbering_prefix() -> Option<&'static Regex> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        // 1  1.1  1.1.  1)  (1)  2.1a  I.  IV)  a)  (a)  b.   and bullets - • *
        // (applied to a key: lower case, spaces collapsed).
        Regex::new(
            r"^(?:[-•*+–]\s*|\(?\d+(?:\.\d+)*[a-z]?[.)]?\s+|\(?(?:\d+(?:\.\d+)*[a-z]?|[ivxlc]+|[a-zđ])[.)]\s*)",
        )
        .ok()
    })
    .as_ref()
}

/// Labels, headers and titles are short; a longer text is a note or data, never matched.
pub const MAX_LABEL_BYTES: usize = 400;

/// The key a label is compared by: NFC, lower case, spaces collapsed, a trailing colon removed,
/// and (with `folding.diacritics`) diacritics removed. A numbering prefix is kept: it may be
/// the label's content (`60 tuổi trở lên`); [`strip_numbering`] gives the key without it.
///
/// Text longer than [`MAX_LABEL_BYTES`] is no label: its key is empty (nothing matches it).
pub fn label_key(text: &str, folding: Folding) -> String {
    if text.len() > MAX_LABEL_BYTES {
        return String::new();
    }
    // Every workbook of a run repeats the same few hundred labels: their keys are computed once
    // per thread (Unicode normalisation is most of the cost of recognising a form).
    thread_local! {
        static KEYS: std::cell::RefCell<[HashMap<String, String, FxBuild>; 2]> =
            std::cell::RefCell::new(Default::default());
    }
    let slot = usize::from(folding.diacritics);
    if let Some(k) = KEYS.with(|m| m.borrow()[slot].get(text).cloned()) {
        return k;
    }
    let key = compute_label_key(text, folding);
    KEYS.with(|m| {
        let mut m = m.borrow_mut();
        let map = &mut m[slot];
        // Bounded: a run over many workbooks with free text in their cells must not grow it
        // without end.
        if map.len() >= LABEL_KEY_CACHE {
            map.clear();
        }
        map.insert(text.to_string(), key.clone());
    });
    key
}

/// Most label keys remembered per thread.
const LABEL_KEY_CACHE: usize = 4_096;

/// What a pure function of a text gave, remembered for each distinct text (per thread, in a
/// `thread_local!`): every workbook of a run repeats the same few hundred labels, so what is
/// derived from a label's key (its flat key, its key without numbering, its abbreviations
/// written out) is computed once per text, not once per sheet and form. Bounded like the label
/// keys: beyond [`LABEL_KEY_CACHE`] texts it starts again empty.
pub struct Memo<V: Clone>(std::cell::RefCell<HashMap<String, V, FxBuild>>);

impl<V: Clone> Default for Memo<V> {
    fn default() -> Self {
        Memo(Default::default())
    }
}

/// A fast hash for the maps of remembered texts ([`label_key`]'s and [`Memo`]'s): FxHash's
/// rotate, xor and multiply over eight bytes at a time, as rustc hashes its own tables. SipHash
/// was a tenth of locating's instructions. Hash flooding does not matter here: these maps are
/// bounded ([`LABEL_KEY_CACHE`] texts, then emptied) and per thread, so texts made to collide
/// cost at most that many comparisons per look-up, and a wrong guess of a text's hash never
/// changes what is found (the texts are compared).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.add(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FxHasher`]s: `HashMap<K, V, FxBuild>`.
pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// A text's [`FxHasher`] hash (as a `HashMap<String, _, FxBuild>` hashes it).
pub fn fx_hash(text: &str) -> u64 {
    std::hash::BuildHasher::hash_one(&FxBuild::default(), text)
}

impl<V: Clone> Memo<V> {
    /// `f(text)`, from memory when this text was seen before. `f` must depend on `text` alone.
    pub fn get(&self, text: &str, f: impl FnOnce(&str) -> V) -> V {
        if let Some(v) = self.0.borrow().get(text) {
            return v.clone();
        }
        let v = f(text);
        let mut map = self.0.borrow_mut();
        if map.len() >= LABEL_KEY_CACHE {
            map.clear();
        }
        map.insert(text.to_string(), v.clone());
        v
    }

    /// Forget every text (for a function that changed: another pack's abbreviations).
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }
}

fn compute_label_key(text: &str, folding: Folding) -> String {
    let lowered: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.nfc().collect::<String>().to_lowercase()
    };
    let collapsed = collapse_spaces(&lowered);
    let s = collapsed.trim_end_matches([':', '：', ' ']).trim();
    if folding.diacritics && !s.is_ascii() {
        fold_diacritics(s)
    } else {
        s.to_string()
    }
}

/// A key ([`label_key`]) without its numbering prefix, once (`1.1 nam`, `i. tổng số`, `a) nữ`,
/// `1 tổng số`, `2.1a 18 - 30 tuổi`), when a label follows it; `None` when it has none.
///
/// Whether the prefix is numbering or the label's own beginning (`60 tuổi trở lên`) the key
/// cannot tell: the caller tries the key as written first (see `locate`).
pub fn strip_numbering(key: &str) -> Option<&str> {
    let m = numbering_prefix().and_then(|re| re.find(key))?;
    let rest = key[m.end()..].trim_start();
    // A label follows: a letter, or a number that is part of one (`2.1a 18 - 30 tuổi`).
    (rest.chars().next().is_some_and(char::is_alphanumeric)
        && rest.chars().any(char::is_alphabetic))
    .then_some(rest)
}

/// A key without the footnote mark after it (`tổng số đảng viên (*)`, `… *`, `… (1)`, `… [2]`,
/// `…¹`), referring to a note under the table, when a label is left; `None` when it has none.
/// Like numbering, a mark cannot be told from the label's own end: the caller tries the key
/// as written first.
pub fn strip_footnote_mark(key: &str) -> Option<&str> {
    let t = key.trim_end();
    let rest = if let Some(r) = t.strip_suffix(|c: char| c == '*' || "¹²³⁴⁵⁶⁷⁸⁹⁰".contains(c))
    {
        r.trim_end_matches(|c: char| c == '*' || "¹²³⁴⁵⁶⁷⁸⁹⁰".contains(c))
    } else {
        let (open, close) = match t.chars().last()? {
            ')' => ('(', ')'),
            ']' => ('[', ']'),
            _ => return None,
        };
        let inner_start = t.rfind(open)?;
        let inner = &t[inner_start + 1..t.len() - close.len_utf8()];
        let mark = !inner.is_empty()
            && inner.chars().count() <= 3
            && (inner.chars().all(|c| c == '*') || inner.chars().all(|c| c.is_ascii_digit()));
        if !mark {
            return None;
        }
        &t[..inner_start]
    };
    let rest = rest.trim_end();
    rest.chars().any(char::is_alphabetic).then_some(rest)
}

/// A heading key with its separators dropped, for comparing a flat heading
/// (`đảng viên - htxsnv`, `đảng viên: htxsnv`, `đảng viên (htxsnv)`) with a group and its
/// sub-heading: every `-` `–` `—` `:` `/` `|` `,` `(` `)` `[` `]` becomes a space, spaces collapse.
pub fn flat_key(key: &str) -> String {
    thread_local! {
        static FLAT: Memo<String> = Memo::default();
    }
    FLAT.with(|m| m.get(key, compute_flat_key))
}

fn compute_flat_key(key: &str) -> String {
    let spaced: String = key
        .chars()
        .map(|c| match c {
            '-' | '–' | '—' | ':' | '：' | '/' | '|' | ',' | '(' | ')' | '[' | ']' | '\n' => {
                ' '
            }
            c => c,
        })
        .collect();
    collapse_spaces(&spaced)
}

/// How unit codes are compared (a rule pack's `[settings] unit_code`): people type `td-08`,
/// `TD - 08`, `TD–08` or ` TD-08 ` for the same unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnitCodeStyle {
    /// Letter case: `upper` (the default), `lower` or `keep` (case matters).
    pub case: CodeCase,
    /// Every dash (`–`, `—`, `‐`, `−`, …) read as `-` (default true).
    pub dashes: bool,
    /// White space (no-break spaces included): `remove` (the default), `collapse` to one space,
    /// or `keep`; leading and trailing space always goes.
    pub spaces: CodeSpaces,
}

impl Default for UnitCodeStyle {
    fn default() -> Self {
        UnitCodeStyle {
            case: CodeCase::Upper,
            dashes: true,
            spaces: CodeSpaces::Remove,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeCase {
    Upper,
    Lower,
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeSpaces {
    Remove,
    Collapse,
    Keep,
}

/// The key a unit code is compared by, under `style`: `td - 08`, `TD–08`, ` TD-08 ` → `TD-08`.
pub fn unit_key(code: &str, style: &UnitCodeStyle) -> String {
    let dashed: String = code
        .chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe58}' | '\u{fe63}' | '\u{ff0d}'
                if style.dashes =>
            {
                '-'
            }
            c => c,
        })
        .collect();
    let spaced = match style.spaces {
        CodeSpaces::Remove => dashed
            .chars()
            .filter(|c| !(c.is_whitespace() || *c == '\u{a0}' || *c == '\u{202f}'))
            .collect(),
        CodeSpaces::Collapse => collapse_spaces(&dashed),
        CodeSpaces::Keep => dashed.trim().to_string(),
    };
    match style.case {
        CodeCase::Upper => spaced.to_uppercase(),
        CodeCase::Lower => spaced.to_lowercase(),
        CodeCase::Keep => spaced,
    }
}

/// Collapses every run of white space (including no-break spaces) to one space, and trims.
pub fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Removes diacritics: NFD, drop combining marks, then `đ`/`Đ` → `d`/`D`.
pub fn fold_diacritics(text: &str) -> String {
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect::<String>()
        .nfc()
        .collect()
}

/// The Vietnamese letters of the legacy TCVN3 (ABC) font encoding (`.VnTime`), in the order of
/// [`TCVN3_CODES`]: a text typed with such a font and stored as it shows keeps these codes
/// (`Tæng sè ®¶ng viªn` for `Tổng số đảng viên`).
const TCVN3_LETTERS: &str =
    "ăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĂÂÊÔƠƯĐ";
const TCVN3_CODES: &str =
    "¨©ª«¬\u{ad}®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ¡¢£¤¥¦§";

/// `text` read as TCVN3 (ABC): each code its Vietnamese letter, any other character as it is.
pub fn from_tcvn3(text: &str) -> String {
    text.chars()
        .map(|c| match TCVN3_CODES.chars().position(|x| x == c) {
            Some(i) => TCVN3_LETTERS.chars().nth(i).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// Whether the texts of a workbook look typed with a legacy TCVN3 (ABC) font: none holds a
/// letter beyond Latin-1 (every Unicode Vietnamese text has some: `đ`, `ư`, `ạ` …), and at least
/// three hold a TCVN3 code that is no letter in Latin-1 (`®` for `đ`, `¶` for `ả`, `¸` for `á`)
/// next to a Latin letter (`®¶ng`): Western names (`José`) are not taken for it. Gives the first
/// such text.
pub fn legacy_vietnamese<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let code = |c: char| c != '\u{ad}' && !c.is_alphabetic() && TCVN3_CODES.contains(c);
    let mut first = None;
    let mut seen = 0;
    for t in texts {
        if t.chars().any(|c| u32::from(c) > 0xFF) {
            return None;
        }
        let chars: Vec<char> = t.chars().collect();
        let inside_word = chars.windows(2).any(|w| {
            (code(w[0]) && w[1].is_ascii_alphabetic()) || (w[0].is_ascii_alphabetic() && code(w[1]))
        });
        if inside_word {
            seen += 1;
            first.get_or_insert(t);
        }
    }
    (seen >= 3).then_some(first).flatten()
}

/// A spreadsheet's date serial number (days since 30 December 1899, as a reader keeps a date
/// cell) as the date it stands for, `2021-02-01` (with the time when it has one); None for
/// text that is no serial of a day from 1 March 1900 on (before it the 1900 system counts a
/// day that never was).
pub fn serial_as_date(serial: &str) -> Option<String> {
    let v: f64 = serial.trim().parse().ok()?;
    if !(61.0..2_958_466.0).contains(&v) {
        return None;
    }
    let days = v.floor() as i64;
    // Civil from days (Howard Hinnant), from 1970-01-01.
    let z = days - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let secs = ((v - v.floor()) * 86_400.0).round() as i64;
    Some(if secs == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    })
}

/// `s` on one line, cut with `…` beyond `max` characters (no words: either language).
pub fn clip(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", head.trim_end())
}

/// Numbers written for people, in a locale ([`crate::locale`]).
pub use crate::locale::{format_number, format_plain, round_half_away};

/// Text from an input as a terminal line shows it: [`crate::safe::visible`].
pub use crate::safe::visible;

/// The closest of `candidates` to `wanted` (by normalised edit similarity), if any is close.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::normalized_levenshtein(wanted, c);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.filter(|(s, _)| *s >= 0.5).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_memo_computes_each_text_once_and_gives_what_the_function_gives() {
        let memo = super::Memo::<String>::default();
        let calls = std::cell::Cell::new(0);
        let f = |t: &str| {
            calls.set(calls.get() + 1);
            super::compute_flat_key(t)
        };
        for t in ["Đảng viên - HTXSNV", "Trong đó: nữ", "Đảng viên - HTXSNV"] {
            assert_eq!(memo.get(t, f), super::compute_flat_key(t), "{t:?}");
        }
        assert_eq!(calls.get(), 2, "the repeated text is not computed again");
        memo.clear();
        memo.get("Trong đó: nữ", f);
        assert_eq!(calls.get(), 3, "after clear every text is computed again");
        // Bounded: past the limit it starts again empty, and still gives the right value.
        for i in 0..=super::LABEL_KEY_CACHE {
            memo.get(&format!("nhãn {i}"), f);
        }
        assert!(memo.0.borrow().len() <= super::LABEL_KEY_CACHE);
        assert_eq!(memo.get("a - b", f), "a b");
    }

    #[test]
    fn serials_read_as_dates() {
        assert_eq!(serial_as_date("44228").as_deref(), Some("2021-02-01"));
        assert_eq!(serial_as_date("61").as_deref(), Some("1900-03-01"));
        assert_eq!(
            serial_as_date("45658.5").as_deref(),
            Some("2025-01-01 12:00:00")
        );
        for t in ["2021-02-01", "60", "-1", "x", "1e9"] {
            assert_eq!(serial_as_date(t), None, "{t}");
        }
    }

    #[test]
    fn footnote_marks_come_off_a_label() {
        for (k, bare) in [
            ("tổng số đảng viên (*)", "tổng số đảng viên"),
            ("đảng viên dự bị (1)", "đảng viên dự bị"),
            (
                "đảng viên có đạo (tôn giáo)*",
                "đảng viên có đạo (tôn giáo)",
            ),
            ("nữ **", "nữ"),
            ("nam [2]", "nam"),
            ("nam¹", "nam"),
        ] {
            assert_eq!(strip_footnote_mark(k), Some(bare), "{k}");
        }
        for k in [
            "đảng viên có đạo (tôn giáo)",
            "(1)",
            "*",
            "tỷ lệ (%)",
            "năm (2021)",
            "nam",
        ] {
            assert_eq!(strip_footnote_mark(k), None, "{k}");
        }
    }

    #[test]
    fn tcvn3_texts_are_told_and_read() {
        assert_eq!(from_tcvn3("Tæng sè ®¶ng viªn"), "Tổng số đảng viên");
        assert_eq!(from_tcvn3("TæNG Sè"), "TổNG Số");
        let legacy = [
            "M01",
            "Tæng sè ®¶ng viªn",
            "§¶ng viªn n÷",
            "Tr×nh ®é",
            "Tû lÖ (%)",
        ];
        assert_eq!(legacy_vietnamese(legacy), Some("Tæng sè ®¶ng viªn"));
        // Two texts only; Unicode Vietnamese beside them; Western names; plain ASCII.
        assert_eq!(legacy_vietnamese(["®¶ng", "§¶ng viªn n÷"]), None);
        assert_eq!(
            legacy_vietnamese(["®¶ng", "§¶ng", "Tr×nh", "Tổng số"]),
            None
        );
        assert_eq!(legacy_vietnamese(["Café", "José", "Zoë", "Tong so"]), None);
        assert_eq!(
            legacy_vietnamese(["Tong so dang vien", "So luong", "Ty le"]),
            None
        );
    }

    use super::*;
    use crate::locale::Locale;

    fn key(t: &str) -> String {
        label_key(t, Folding { diacritics: false })
    }
    fn folded(t: &str) -> String {
        label_key(t, Folding { diacritics: true })
    }

    #[test]
    fn labels_normalise() {
        assert_eq!(key("Tổng số đảng viên"), "tổng số đảng viên");
        assert_eq!(key("  TỔNG  SỐ   ĐẢNG VIÊN: "), "tổng số đảng viên");
        assert_eq!(key("1.1 Nam"), "1.1 nam");
        assert_eq!(key("Mã đơn vị:"), "mã đơn vị");
        // NFD input compares equal to NFC.
        let nfd: String = "Tổng số đảng viên".nfd().collect();
        assert_eq!(key(&nfd), "tổng số đảng viên");
        // A number that is the label itself is kept.
        assert_eq!(key("2021"), "2021");
        assert_eq!(key("1.1"), "1.1");
        assert_eq!(key("Từ 18 đến 30 tuổi"), "từ 18 đến 30 tuổi");
    }

    fn stripped(t: &str) -> Option<String> {
        strip_numbering(&key(t)).map(str::to_string)
    }

    #[test]
    fn numbering_comes_off_in_every_common_style() {
        for (text, rest) in [
            ("1 Tổng số đảng viên", "tổng số đảng viên"),
            ("1. Tổng số đảng viên", "tổng số đảng viên"),
            ("1.Tổng số đảng viên", "tổng số đảng viên"),
            ("1.1 Trong đó: Đảng viên nữ", "trong đó: đảng viên nữ"),
            ("1.1. Trong đó: Đảng viên nữ", "trong đó: đảng viên nữ"),
            ("1.1) Nam", "nam"),
            ("I. Tổng số đảng viên", "tổng số đảng viên"),
            ("IV) Dân tộc", "dân tộc"),
            ("2.1a Đoàn viên", "đoàn viên"),
            ("2.1a. Đoàn viên", "đoàn viên"),
            ("a) Nữ", "nữ"),
            ("a. Nữ", "nữ"),
            ("(a) Nữ", "nữ"),
            ("(1) Nam", "nam"),
            ("(1)Nam", "nam"),
            ("1) Nam", "nam"),
            ("- Nam", "nam"),
            ("• Nam", "nam"),
            ("2.1a 18 - 30 tuổi", "18 - 30 tuổi"),
        ] {
            assert_eq!(stripped(text).as_deref(), Some(rest), "{text}");
        }
    }

    #[test]
    fn a_number_that_is_the_label_is_no_numbering_by_itself() {
        // Nothing follows, or no letter follows: nothing to strip.
        assert_eq!(stripped("2021"), None);
        assert_eq!(stripped("1.1"), None);
        assert_eq!(stripped("18 - 30 tuổi"), None);
        assert_eq!(stripped("Từ 18 đến 30 tuổi"), None);
        // A label beginning with a number could be numbering: the key as written keeps it, so
        // that `locate` can try it as written first.
        assert_eq!(key("60 tuổi trở lên"), "60 tuổi trở lên");
        assert_eq!(stripped("60 tuổi trở lên").as_deref(), Some("tuổi trở lên"));
    }

    #[test]
    fn flat_headings_lose_their_separators() {
        for t in [
            "Đảng viên - HTXSNV",
            "Đảng viên – HTXSNV",
            "Đảng viên: HTXSNV",
            "Đảng viên (HTXSNV)",
            "Đảng viên/HTXSNV",
            "Đảng viên\nHTXSNV",
            "ĐẢNG VIÊN  -  HTXSNV",
        ] {
            assert_eq!(flat_key(&key(t)), "đảng viên htxsnv", "{t:?}");
        }
    }

    #[test]
    fn unit_codes_as_people_type_them() {
        let style = UnitCodeStyle::default();
        for written in [
            "TD-08",
            "td-08",
            "TD - 08",
            "TD–08",
            "TD—08",
            " TD-08 ",
            "TD\u{a0}-\u{a0}08",
            "\u{a0}td\u{2212}08\u{a0}",
        ] {
            assert_eq!(unit_key(written, &style), "TD-08", "{written:?}");
        }
        assert_ne!(unit_key("TD-09", &style), "TD-08");
        let strict = UnitCodeStyle {
            case: CodeCase::Keep,
            dashes: false,
            spaces: CodeSpaces::Collapse,
        };
        assert_eq!(unit_key(" td  – 08 ", &strict), "td – 08");
        assert_eq!(unit_key("TD-08", &strict), "TD-08");
    }

    #[test]
    fn diacritics_fold() {
        assert_eq!(folded("Tổng số đảng viên"), "tong so dang vien");
        assert_eq!(folded("Tong so dang vien"), "tong so dang vien");
        assert_eq!(folded("ĐẢNG VIÊN DỰ BỊ"), "dang vien du bi");
        assert_eq!(fold_diacritics("Đ"), "D");
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(format_number(2675.0, Some(0), Locale::Vi), "2.675");
        assert_eq!(format_number(2675.0, Some(0), Locale::En), "2,675");
        assert_eq!(format_number(72.2656, Some(2), Locale::Vi), "72,27");
        assert_eq!(format_number(-1.0, None, Locale::Vi), "-1");
        assert_eq!(format_number(1234567.5, Some(1), Locale::En), "1,234,567.5");
        assert_eq!(format_number(0.0, None, Locale::En), "0");
        assert_eq!(format_plain(2675.0), "2675");
        assert_eq!(format_plain(53.97), "53.97");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(72.265, 2), 72.27);
        assert_eq!(round_half_away(2.5, 0), 3.0);
        assert_eq!(round_half_away(-2.5, 0), -3.0);
        assert_eq!(round_half_away(0.125, 2), 0.13);
        assert_eq!(round_half_away(1.005, 2), 1.01);
        assert_eq!(round_half_away(72.2656, 2), 72.27);
        assert_eq!(round_half_away(4.296875, 1), 4.3);
    }

    #[test]
    fn rounding_with_extreme_digit_counts() {
        assert_eq!(round_half_away(1234.5678, 400), 1234.5678);
        assert_eq!(round_half_away(1234.5678, i32::MAX), 1234.5678);
        assert_eq!(round_half_away(1234.5678, -1), 1230.0);
        assert_eq!(round_half_away(1250.0, -2), 1300.0);
        assert_eq!(round_half_away(-1250.0, -2), -1300.0);
        assert_eq!(round_half_away(49.0, -2), 0.0);
        assert_eq!(round_half_away(1234.5678, -400), 0.0);
        assert_eq!(round_half_away(1234.5678, i32::MIN), 0.0);
        assert_eq!(round_half_away(-1e300, -400), 0.0);
        assert!(round_half_away(f64::MAX, -308).is_finite());
        assert_eq!(round_half_away(-4.0, -1).to_bits(), 0f64.to_bits());
    }
}
