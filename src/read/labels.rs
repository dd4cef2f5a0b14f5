//! Labels as people shorten and mistype them: a pack's table of abbreviations (`[settings]
//! abbreviations`), and word-level matching that tolerates one dropped or doubled letter in a
//! long word. Both compare keys ([`label_key`](crate::text::label_key)), never raw text, and
//! come after the exact comparison: a label written as the rule file writes it always wins.
//!
//! How sure a match is, is kept ([`Quality`]): a row or column found only approximately is
//! found only when no other row or column of the form matches the same text as well (see
//! `locate`); two equally good matches are said, never picked.

use std::collections::BTreeMap;

/// How a text matched a label, best last (so that `max` is the best).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// Equal but for one dropped or doubled letter in one long word.
    Fuzzy,
    /// Equal once abbreviations are written out (`TS ĐV` → `tổng số đảng viên`).
    Abbreviated,
    /// Equal as written (after normalisation).
    Exact,
}

/// Shortest word (in letters), as the label writes it and as it is written, in which a dropped
/// or doubled letter is tolerated: `muong` is not `mong` (Mường and Mông, once diacritics are
/// folded), a dropped letter needs a word of six.
pub const FUZZY_MIN_LETTERS: usize = 5;

/// A pack's abbreviations, by key: a word (`sl`, `đv`) is written out wherever it stands as a
/// whole word; an abbreviation that is no word (`%`) only as the whole label.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Abbreviations {
    words: BTreeMap<String, String>,
    whole: BTreeMap<String, String>,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The words of a key with what stands between them: `(is_word, text)` runs.
fn runs(key: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut kind: Option<bool> = None;
    for (i, c) in key.char_indices() {
        let w = is_word_char(c);
        match kind {
            Some(k) if k == w => {}
            Some(k) => {
                out.push((k, &key[start..i]));
                start = i;
                kind = Some(w);
            }
            None => kind = Some(w),
        }
    }
    if let Some(k) = kind {
        out.push((k, &key[start..]));
    }
    out
}

impl Abbreviations {
    /// From (abbreviation key, expansion key) pairs, both already keys.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Abbreviations {
        let mut a = Abbreviations::default();
        for (k, v) in pairs {
            if k.is_empty() || v.is_empty() {
                continue;
            }
            if k.chars().all(is_word_char) {
                a.words.insert(k, v);
            } else {
                a.whole.insert(k, v);
            }
        }
        a
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.whole.is_empty()
    }

    /// Whether `word` (a key's word) is an abbreviation of the table.
    pub fn is_abbreviation(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// The key with its abbreviations written out; None when it has none.
    pub fn expand(&self, key: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        if let Some(v) = self.whole.get(key) {
            return Some(v.clone());
        }
        // Most labels hold no abbreviation: looked for without building anything.
        let any = key
            .split(|c: char| !is_word_char(c))
            .any(|w| !w.is_empty() && self.words.contains_key(w));
        if !any {
            return None;
        }
        let mut changed = false;
        let mut out = String::with_capacity(key.len() * 2);
        for (is_word, text) in runs(key) {
            match self.words.get(text).filter(|_| is_word) {
                Some(v) => {
                    out.push_str(v);
                    changed = true;
                }
                None => out.push_str(text),
            }
        }
        changed.then_some(out)
    }
}

/// Whether `written` is `word` with one letter dropped, or one letter doubled.
fn one_letter_slip(word: &str, written: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    let s: Vec<char> = written.chars().collect();
    if w.len().min(s.len()) < FUZZY_MIN_LETTERS {
        return false;
    }
    // The first position where they differ.
    let first = w.iter().zip(&s).take_while(|(a, b)| a == b).count();
    if s.len() + 1 == w.len() {
        // Dropped: the rest of the word follows one letter later.
        return w[first + 1..] == s[first..];
    }
    if s.len() == w.len() + 1 {
        // Doubled: the extra letter repeats the one before or after it.
        let extra = s[first];
        let doubles = (first > 0 && s[first - 1] == extra) || w.get(first) == Some(&extra);
        return doubles && s[first + 1..] == w[first..];
    }
    false
}

/// Whether `written` is the label `label` but for one dropped or doubled letter in one of its
/// long words (≥ [`FUZZY_MIN_LETTERS`] letters, no abbreviation of `abbr`). Both are keys;
/// every other word and what stands between the words must be equal.
pub fn fuzzy_eq(label: &str, written: &str, abbr: &Abbreviations) -> bool {
    // One letter is at most four bytes.
    if label == written || label.len().abs_diff(written.len()) > 4 {
        return false;
    }
    // One letter added or taken away: what comes before it and after it is shared.
    let (a, b) = (label.as_bytes(), written.as_bytes());
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    if prefix + suffix < a.len().min(b.len()) {
        return false;
    }
    let (a, b) = (runs(label), runs(written));
    if a.len() != b.len() {
        return false;
    }
    let mut slips = 0;
    for ((wa, ta), (wb, tb)) in a.iter().zip(&b) {
        if wa != wb {
            return false;
        }
        if ta == tb {
            continue;
        }
        if !*wa || abbr.is_abbreviation(ta) || !one_letter_slip(ta, tb) {
            return false;
        }
        slips += 1;
    }
    slips == 1
}

/// How well a text (its key, and its key without numbering) matches one of a label's keys,
/// beyond an exact match (which the caller tests first): written out by the abbreviations,
/// or with a one-letter slip (in the written-out forms too). None: no match.
pub fn approx_quality(
    label_keys: &[String],
    written: &[&str],
    abbr: &Abbreviations,
) -> Option<Quality> {
    let labels: Vec<String> = label_keys.iter().map(|k| written_out(k, abbr)).collect();
    let written: Vec<String> = written.iter().map(|k| written_out(k, abbr)).collect();
    let written: Vec<&str> = written.iter().map(String::as_str).collect();
    approx_match(&labels, &written, abbr)
}

/// A rule pack's form labels (the texts a sheet must carry to be a form's), prepared once when
/// the pack is compiled for locating to look them up: by form, each label's key with the
/// pack's abbreviations written out ([`written_out`]), the key a text's written-out keys are
/// compared with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormLabels {
    written: Vec<Vec<String>>,
}

impl FormLabels {
    /// From each form's label keys, in the pack's order of forms.
    pub fn new<'a>(forms: impl IntoIterator<Item = &'a [String]>, abbr: &Abbreviations) -> Self {
        FormLabels {
            written: forms
                .into_iter()
                .map(|labels| labels.iter().map(|k| written_out(k, abbr)).collect())
                .collect(),
        }
    }

    /// Label `label` of form `form` written out; None for a form or label it was not made with.
    pub fn written(&self, form: usize, label: usize) -> Option<&str> {
        self.written.get(form)?.get(label).map(String::as_str)
    }
}

/// A key with its abbreviations written out (the key itself when it has none).
pub fn written_out(key: &str, abbr: &Abbreviations) -> String {
    abbr.expand(key).unwrap_or_else(|| key.to_string())
}

/// [`approx_quality`] of keys already [`written_out`]: a label's keys, a text's keys.
pub fn approx_match(labels: &[String], written: &[&str], abbr: &Abbreviations) -> Option<Quality> {
    if written.iter().any(|w| labels.iter().any(|l| l == w)) {
        return Some(Quality::Abbreviated);
    }
    let fuzzy = written
        .iter()
        .any(|w| labels.iter().any(|l| fuzzy_eq(l, w, abbr)));
    fuzzy.then_some(Quality::Fuzzy)
}

/// Whether a title (a key) is in a text (a key) once the text's abbreviations are written out.
pub fn contains_expanded(text: &str, title: &str, abbr: &Abbreviations) -> bool {
    let title = abbr.expand(title).unwrap_or_else(|| title.to_string());
    abbr.expand(text)
        .is_some_and(|t| t.contains(title.as_str()))
}

/// The year a key names, when it names exactly one (a four-digit number 1900–2199 standing
/// as a word: `năm 2021`, `2021`, `số lượng năm 2021`).
pub fn year_in(key: &str) -> Option<u32> {
    if !key.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut years = runs(key)
        .into_iter()
        .filter(|(w, t)| *w && t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()))
        .filter_map(|(_, t)| t.parse::<u32>().ok())
        .filter(|y| (1900..2200).contains(y));
    let first = years.next()?;
    years.next().is_none().then_some(first)
}

/// A heading key without the year it names and the year words before it (`số lượng năm
/// 2021` → `số lượng`, with `năm` a year word): (the rest, the year). None when the key names
/// no single year, or nothing is left.
pub fn without_year(key: &str, year_words: &[String]) -> Option<(String, u32)> {
    let year = year_in(key)?;
    let parts = runs(key);
    let at = parts
        .iter()
        .position(|(w, t)| *w && t.parse::<u32>().ok() == Some(year))?;
    let mut keep: Vec<bool> = vec![true; parts.len()];
    keep[at] = false;
    let separator = |t: &str, closing: bool| {
        t.chars().all(|c| {
            c.is_whitespace()
                || "-–—:,/".contains(c)
                || (!closing && "([".contains(c))
                || (closing && ")]".contains(c))
        })
    };
    // The year words (and the separators) just before it; the separator after it.
    let mut i = at;
    while i > 0 {
        let (w, t) = parts[i - 1];
        if (!w && separator(t, false)) || (w && year_words.iter().any(|y| y == t)) {
            keep[i - 1] = false;
            i -= 1;
        } else {
            break;
        }
    }
    if let Some((false, t)) = parts.get(at + 1) {
        if separator(t, true) {
            keep[at + 1] = false;
        }
    }
    let rest: String = parts
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|((_, t), _)| *t)
        .collect();
    let rest = crate::text::collapse_spaces(&rest);
    let rest = rest.trim_matches(|c: char| c.is_whitespace() || "-–—:,/".contains(c));
    (!rest.is_empty()).then(|| (rest.to_string(), year))
}

/// A heading key without the unit of measure it names in brackets at its end (`số lượng
/// (người)`, `số lượng (đvt: người)` → `số lượng`), `unit_keys` being the units' keys. None
/// when the key ends in no such bracket, or nothing is left before it.
pub fn without_unit(key: &str, unit_keys: &[String]) -> Option<String> {
    let inner = key.trim_end().strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (rest, unit) = (inner[..open].trim_end(), inner[open + 1..].trim());
    // `(đvt: người)`: a caption before a colon names the unit that follows it.
    let unit = unit.rsplit_once(':').map_or(unit, |(_, u)| u.trim());
    (!rest.is_empty() && unit_keys.iter().any(|u| u == unit)).then(|| rest.to_string())
}

/// A figure typed with its unit after it (`25 người`, `3 đ/c`, `2.675 đồng chí`): the text
/// before the unit, when the last word or words of `text` are one of `unit_keys` (keys under
/// `folding`). None otherwise.
pub fn before_unit(
    text: &str,
    unit_keys: &[String],
    folding: crate::text::Folding,
) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    (1..words.len().min(4)).find_map(|k| {
        let (head, tail) = words.split_at(words.len() - k);
        let key = crate::text::label_key(&tail.join(" "), folding);
        unit_keys.contains(&key).then(|| head.join(" "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Abbreviations {
        Abbreviations::new(
            [
                ("sl", "số lượng"),
                ("tl", "tỷ lệ"),
                ("%", "tỷ lệ (%)"),
                ("ts", "tổng số"),
                ("đv", "đảng viên"),
                ("httnv", "hoàn thành tốt nhiệm vụ"),
                ("htnv", "hoàn thành nhiệm vụ"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string())),
        )
    }

    #[test]
    fn abbreviations_expand_as_whole_words_only() {
        let a = table();
        assert_eq!(a.expand("ts đv").as_deref(), Some("tổng số đảng viên"));
        assert_eq!(a.expand("tl (%)").as_deref(), Some("tỷ lệ (%)"));
        assert_eq!(a.expand("%").as_deref(), Some("tỷ lệ (%)"));
        assert_eq!(
            a.expand("số đv đầu năm").as_deref(),
            Some("số đảng viên đầu năm")
        );
        // Inside a word, or a non-word one inside a label: not an abbreviation.
        assert_eq!(a.expand("slot"), None);
        assert_eq!(a.expand("tỷ lệ %"), None);
        assert_eq!(a.expand("tsđv"), None);
    }

    #[test]
    fn one_dropped_or_doubled_letter_in_a_long_word_matches() {
        let a = table();
        assert!(fuzzy_eq(
            "sinh hoạt thường xuyên",
            "sinh hoạt thườg xuyên",
            &a
        ));
        assert!(
            !fuzzy_eq("đảng viên chính thức", "đảng viên chíh thức", &a),
            "4 letters left"
        );
        assert!(!fuzzy_eq("muong", "mong", &a));
        assert!(fuzzy_eq(
            "đảng viên chính thức",
            "đảng viên chínhh thức",
            &a
        ));
        assert!(fuzzy_eq("nghề nghiệp", "nghề nghiiệp", &a));
        assert!(fuzzy_eq("nghề nghiệp", "nghề nghệp", &a));
        assert!(fuzzy_eq("trung học phổ thông", "trung học phổ thôngg", &a));
        // A short word, two slips, a changed letter, a word too many: no.
        assert!(!fuzzy_eq("đảng viên nữ", "đảng viên nữữ", &a));
        assert!(!fuzzy_eq("chính thức", "chính thứ", &a), "a short word");
        assert!(!fuzzy_eq("chính thức chính", "chíh thức chín", &a));
        assert!(!fuzzy_eq("trung cấp", "trung cấpp", &a), "4 letters");
        assert!(
            !fuzzy_eq("chính thức", "chính thấc", &a),
            "a changed letter"
        );
        assert!(!fuzzy_eq("chính thức", "chính thức khác", &a));
        assert!(!fuzzy_eq("chính thức", "chính thức", &a), "equal is exact");
        // A letter doubled that is not beside its twin is no doubling.
        assert!(!fuzzy_eq("chính thức", "chínht thức", &a));
        // Abbreviations are never fuzzy: HTTNV is not HTNV with a doubled letter.
        assert!(!fuzzy_eq("htnv", "httnv", &a));
        assert!(!fuzzy_eq("httnv", "htnv", &a));
    }

    #[test]
    fn the_quality_of_a_match_is_kept() {
        let a = table();
        let keys = vec!["tổng số đảng viên chính thức".to_string()];
        assert_eq!(
            approx_quality(&keys, &["ts đv chính thức"], &a),
            Some(Quality::Abbreviated)
        );
        assert_eq!(
            approx_quality(&keys, &["tổng số đảng viên chínhh thức"], &a),
            Some(Quality::Fuzzy)
        );
        assert_eq!(
            approx_quality(&keys, &["ts đảng viên chínhh thức"], &a),
            Some(Quality::Fuzzy)
        );
        // `viên` is too short for a slip.
        assert_eq!(
            approx_quality(&keys, &["ts đảng viênn chính thức"], &a),
            None
        );
        assert_eq!(approx_quality(&keys, &["tổng số cấp ủy viên"], &a), None);
        assert!(Quality::Exact > Quality::Abbreviated && Quality::Abbreviated > Quality::Fuzzy);
    }

    #[test]
    fn a_year_in_a_heading_is_read_and_taken_off() {
        let words = vec!["năm".to_string()];
        assert_eq!(year_in("năm 2021"), Some(2021));
        assert_eq!(year_in("năm 2020 - 2021"), None, "two years");
        assert_eq!(year_in("số lượng"), None);
        assert_eq!(year_in("12021"), None);
        assert_eq!(
            without_year("số lượng năm 2021", &words),
            Some(("số lượng".to_string(), 2021))
        );
        assert_eq!(
            without_year("tỷ lệ (%) năm 2020", &words),
            Some(("tỷ lệ (%)".to_string(), 2020))
        );
        assert_eq!(
            without_year("số lượng (2021)", &words),
            Some(("số lượng".to_string(), 2021))
        );
        assert_eq!(without_year("năm 2021", &words), None, "nothing left");
    }
}

#[cfg(test)]
mod pack_tests {
    use super::*;
    use crate::rules::{builtin_sources, compile};

    /// Written out and within a slip of each other, the labels (and the headings) of each form
    /// of the built-in pack stay distinct: no abbreviation or one-letter slip can make one
    /// label read as another. Two rows sharing a label (`Sơ cấp` under two headings) are the
    /// same label, told apart by their headings.
    #[test]
    fn no_two_labels_of_a_builtin_form_collide() {
        let pack = match compile(&builtin_sources()) {
            Ok(p) => p,
            Err(e) => panic!("built-in pack: {e:?}"),
        };
        let abbr = &pack.settings.abbreviations;
        assert!(!abbr.is_empty(), "the built-in pack ships abbreviations");
        let out = |k: &String| abbr.expand(k).unwrap_or_else(|| k.clone());
        let mut pairs = 0;
        for form in &pack.forms {
            let groups: Vec<(&str, Vec<&String>)> = form
                .rows
                .iter()
                .map(|r| (r.label.as_str(), r.keys.iter().collect()))
                .chain(
                    form.columns
                        .iter()
                        .map(|c| (c.header.as_str(), c.keys.iter().collect())),
                )
                .collect();
            for (i, (la, ka)) in groups.iter().enumerate() {
                for (lb, kb) in &groups[i + 1..] {
                    if ka.iter().any(|k| kb.contains(k)) {
                        continue;
                    }
                    for a in ka {
                        for b in kb {
                            pairs += 1;
                            let (ea, eb) = (out(a), out(b));
                            assert_ne!(ea, eb, "{}: {la} / {lb} written out", form.id);
                            assert!(
                                !fuzzy_eq(&ea, &eb, abbr) && !fuzzy_eq(&eb, &ea, abbr),
                                "{}: {la} / {lb} one letter apart",
                                form.id
                            );
                        }
                    }
                }
            }
        }
        assert!(pairs > 1000, "{pairs} pairs compared");
    }

    #[test]
    fn a_unit_in_brackets_is_taken_off_a_heading() {
        let units = vec!["người".to_string(), "chi bộ".to_string()];
        assert_eq!(
            without_unit("số lượng (người)", &units).as_deref(),
            Some("số lượng")
        );
        assert_eq!(
            without_unit("số lượng (đvt: người)", &units).as_deref(),
            Some("số lượng")
        );
        assert_eq!(
            without_unit("số lượng ( chi bộ )", &units).as_deref(),
            Some("số lượng")
        );
        // The percent sign, another bracket, a unit alone: no unit taken off.
        assert_eq!(without_unit("tỷ lệ (%)", &units), None);
        assert_eq!(without_unit("đảng viên có đạo (tôn giáo)", &units), None);
        assert_eq!(without_unit("(người)", &units), None);
        assert_eq!(without_unit("số lượng người", &units), None);
    }

    #[test]
    fn a_figure_typed_with_its_unit() {
        let f = crate::text::Folding::default();
        let units: Vec<String> = ["người", "đ/c", "đồng chí"]
            .iter()
            .map(|u| crate::text::label_key(u, f))
            .collect();
        assert_eq!(before_unit("25 người", &units, f).as_deref(), Some("25"));
        assert_eq!(
            before_unit("2.675  ĐỒNG CHÍ", &units, f).as_deref(),
            Some("2.675")
        );
        assert_eq!(before_unit("3 đ/c", &units, f).as_deref(), Some("3"));
        assert_eq!(before_unit("người", &units, f), None);
        assert_eq!(before_unit("25 tuổi", &units, f), None);
        assert_eq!(before_unit("25", &units, f), None);
    }
}
