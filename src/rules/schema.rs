//! A rule file's TOML read into its `*Def` structs with every schema mistake found in one pass.
//!
//! serde stops at a document's first mistake (an unknown key, a value of the wrong type, a
//! missing key). Here the text is parsed into a spanned tree first and deserialized from it; at
//! each mistake the node it points at is set aside — an unknown key removed, a wrong value or a
//! missing key replaced by a placeholder of a type that fits — and the tree deserialized again,
//! until it goes through. The schema is the `*Def` structs alone: no key, type or list of
//! allowed values is written a second time.
//!
//! A placeholder's span lies past the end of the text (from [`placeholder_start`]): whatever
//! later points at one is a consequence of a mistake already reported, not a problem of its own.

use crate::messages::render;
use crate::registry::{DiagWords, Lang};
use serde::Deserialize;
use std::ops::Range;
use toml::de::{DeArray, DeString, DeTable, DeValue};
use toml::Spanned;

/// One schema (or TOML syntax) mistake.
#[derive(Debug)]
pub(super) struct SchemaProblem {
    pub span: Range<usize>,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// What reading a rule file gave.
pub(super) struct Parsed<T> {
    /// The definitions, placeholders standing in for the mistakes; `None` when a mistake could
    /// not be set aside.
    pub def: Option<T>,
    pub problems: Vec<SchemaProblem>,
    /// The text is not valid TOML: `problems` are its syntax errors and `def` (if any) was read
    /// from what the parser recovered.
    pub syntax: bool,
}

/// Spans from here on belong to placeholders, not to the text.
pub(super) fn placeholder_start(text: &str) -> usize {
    text.len() + 1
}

/// Most mistakes reported for one file (each costs one more deserialization).
const MAX_PROBLEMS: usize = 200;

type Tree<'i> = Spanned<DeTable<'i>>;

/// Reads `text` as a `T`, collecting every mistake (said in `lang`; the TOML parser's own
/// syntax errors are English).
pub(super) fn parse<'i, T: Deserialize<'i>>(text: &'i str, lang: Lang) -> Parsed<T> {
    let (tree, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let problems = errors
            .iter()
            .map(|e| SchemaProblem {
                span: e.span().unwrap_or(0..0),
                message: e.message().trim().to_string(),
                label: DiagWords::of(lang).schema_here.into(),
                help: None,
            })
            .collect();
        // What was recovered still names the file's forms and rows for the other files; its
        // own schema mistakes are not reported on top of the syntax errors.
        let def = Reader::new(text, tree, lang).run().def;
        return Parsed {
            def,
            problems,
            syntax: true,
        };
    }
    Reader::new(text, tree, lang).run()
}

struct Reader<'i> {
    text: &'i str,
    tree: Tree<'i>,
    next_placeholder: usize,
    /// (table span, key) of values set aside: their "missing" is already reported.
    removed: Vec<(Range<usize>, String)>,
    problems: Vec<SchemaProblem>,
    lang: Lang,
}

enum Edit<'i> {
    /// Remove the entry whose key has the span.
    RemoveKey,
    /// Remove the value (an entry or an array item) with the span.
    Remove,
    /// Put this in place of the value with the span.
    Replace(Spanned<DeValue<'i>>),
    /// Add this entry to the table with the span.
    Insert(String, Spanned<DeValue<'i>>),
}

impl<'i> Reader<'i> {
    fn new(text: &'i str, tree: Tree<'i>, lang: Lang) -> Self {
        Reader {
            text,
            tree,
            next_placeholder: placeholder_start(text),
            removed: Vec::new(),
            problems: Vec::new(),
            lang,
        }
    }

    fn attempt<T: Deserialize<'i>>(tree: &Tree<'i>) -> Result<T, toml::de::Error> {
        T::deserialize(toml::de::Deserializer::from(tree.clone()))
    }

    fn run<T: Deserialize<'i>>(mut self) -> Parsed<T> {
        // Each step reports a mistake or fills a key in a table that lacked it: bounded.
        for _ in 0..MAX_PROBLEMS * 4 {
            let err = match Self::attempt::<T>(&self.tree) {
                Ok(def) => return self.finish(Some(def)),
                Err(e) => e,
            };
            if self.problems.len() >= MAX_PROBLEMS {
                let w = DiagWords::of(self.lang);
                self.problems.push(SchemaProblem {
                    span: 0..0,
                    message: render(w.schema_too_many, &[("max", &MAX_PROBLEMS.to_string())]),
                    label: w.schema_this_file.into(),
                    help: None,
                });
                return self.finish(None);
            }
            if !self.set_aside::<T>(&err) {
                if self.problems.is_empty() {
                    // Never a file left out without a word.
                    self.report(&err);
                }
                return self.finish(None);
            }
        }
        self.finish(None)
    }

    fn finish<T>(mut self, def: Option<T>) -> Parsed<T> {
        self.problems.sort_by_key(|p| (p.span.start, p.span.end));
        Parsed {
            def,
            problems: self.problems,
            syntax: false,
        }
    }

    /// Reports `err` (unless it follows from one already reported) and changes the tree so
    /// that it does not come again; false when nothing in the tree could be changed.
    fn set_aside<T: Deserialize<'i>>(&mut self, err: &toml::de::Error) -> bool {
        let Some(span) = err.span() else {
            self.report(err);
            return false;
        };
        if span.start >= placeholder_start(self.text) {
            // A placeholder itself does not fit (a consequence of a mistake reported).
            return false;
        }
        let message = err.message().trim();
        if let Some(key) = quoted_after(message, "missing field `") {
            if !self.removed.contains(&(span.clone(), key.to_string())) {
                self.report(err);
            }
            let key = key.to_string();
            let (inserted, _) = self.fill::<T>(&span, |v| Edit::Insert(key.clone(), v), &[]);
            // A table whose missing key nothing can stand in for is dropped as a whole.
            return inserted || self.apply(&span, &Edit::Remove);
        }
        self.report(err);
        if self.apply(&span, &Edit::RemoveKey) {
            return true;
        }
        let found = value_at(&self.tree, &span).map(|v| v.type_str());
        let (replaced, allowed) = self.fill::<T>(&span, Edit::Replace, &expected_list(message));
        if message == "wanted string or table" && !allowed.is_empty() {
            // A word of a list was wanted: say which.
            if let Some(p) = self.problems.last_mut() {
                let w = DiagWords::of(self.lang);
                let listed = listing(&allowed);
                let shown = self.text.get(span.clone()).unwrap_or("");
                p.message = render(
                    w.schema_wrong_word,
                    &[
                        ("found", &type_words(found.unwrap_or("a value"), self.lang)),
                        ("shown", shown),
                        ("values", &listed),
                    ],
                );
                p.label = w.schema_wrong_word_label.into();
                p.help = Some(render(w.schema_wrong_word_help, &[("values", &listed)]));
            }
        }
        replaced || self.apply_remove(&span)
    }

    /// Removes the value with `span`, remembering its key so that its "missing" is not
    /// reported a second time.
    fn apply_remove(&mut self, span: &Range<usize>) -> bool {
        if let Some((table, key)) = entry_of(&self.tree, span) {
            self.removed.push((table, key));
        }
        self.apply(span, &Edit::Remove)
    }

    /// Tries placeholders for the node at `span` (each made into an edit by `edit`); keeps the
    /// first the schema accepts there. Also gives the words allowed there when the schema
    /// wants one of a list (learnt from the placeholders it refused).
    fn fill<T: Deserialize<'i>>(
        &mut self,
        span: &Range<usize>,
        edit: impl Fn(Spanned<DeValue<'i>>) -> Edit<'i>,
        variants: &[String],
    ) -> (bool, Vec<String>) {
        let word = |w: &str| DeValue::String(DeString::Owned(w.to_string()));
        let mut candidates: std::collections::VecDeque<DeValue<'i>> =
            variants.iter().take(1).map(|v| word(v)).collect();
        candidates.extend([
            word(""),
            DeValue::Boolean(false),
            DeValue::Array(DeArray::new()),
            DeValue::Table(DeTable::new()),
        ]);
        let mut allowed: Vec<String> = variants.to_vec();
        while let Some(value) = candidates.pop_front() {
            let at = self.next_placeholder;
            self.next_placeholder += 1;
            let mut tree = self.tree.clone();
            if !apply_to(&mut tree, span, &edit(Spanned::new(at..at, value))) {
                return (false, allowed);
            }
            match Self::attempt::<T>(&tree) {
                Err(e) if e.span().is_some_and(|s| s.start == at) => {
                    // A list of words: try the first of them next.
                    if allowed.is_empty()
                        && quoted_after(e.message(), "unknown variant `").is_some()
                    {
                        allowed = expected_list(e.message());
                        if let Some(first) = allowed.first() {
                            candidates.push_front(word(first));
                        }
                    }
                }
                _ => {
                    self.tree = tree;
                    return (true, allowed);
                }
            }
        }
        (false, allowed)
    }

    fn apply(&mut self, span: &Range<usize>, edit: &Edit<'i>) -> bool {
        apply_to(&mut self.tree, span, edit)
    }

    fn report(&mut self, err: &toml::de::Error) {
        let span = err.span().unwrap_or(0..0);
        let message = err.message().trim();
        self.problems
            .push(describe(self.text, span, message, self.lang));
    }
}

/// The problem for one of serde's messages, in the words of a TOML file, in `lang`.
fn describe(text: &str, span: Range<usize>, message: &str, lang: Lang) -> SchemaProblem {
    let w = DiagWords::of(lang);
    if let Some(key) = quoted_after(message, "unknown field `") {
        let options = expected_list(message);
        let listed = listing(&options);
        let help = match super::did_you_mean_in(key, options.iter().map(String::as_str), lang) {
            Some(d) if !listed.is_empty() => {
                render(w.schema_hint_keys, &[("hint", &d), ("keys", &listed)])
            }
            _ if listed.is_empty() => w.schema_no_keys.to_string(),
            _ => render(w.schema_keys, &[("keys", &listed)]),
        };
        return SchemaProblem {
            span,
            message: render(w.schema_unknown_key, &[("key", key)]),
            label: w.schema_unknown_key_label.into(),
            help: Some(help),
        };
    }
    if let Some(key) = quoted_after(message, "missing field `") {
        return SchemaProblem {
            span: first_line(text, span),
            message: render(w.schema_missing_key, &[("key", key)]),
            label: render(w.schema_missing_key_label, &[("key", key)]),
            help: Some(render(w.schema_missing_key_help, &[("key", key)])),
        };
    }
    if let Some(value) = quoted_after(message, "unknown variant `") {
        let options = expected_list(message);
        let listed = listing(&options);
        let help = match super::did_you_mean_in(value, options.iter().map(String::as_str), lang) {
            Some(d) => render(w.schema_hint_values, &[("hint", &d), ("values", &listed)]),
            None => render(w.schema_write_one_of, &[("values", &listed)]),
        };
        return SchemaProblem {
            span,
            message: render(w.schema_unknown_value, &[("value", value)]),
            label: w.schema_unknown_value_label.into(),
            help: Some(help),
        };
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, wanted) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let (found, wanted) = (type_words(found, lang), type_words(wanted, lang));
        return SchemaProblem {
            span,
            message: render(
                w.schema_wrong_type,
                &[("found", &found), ("wanted", &wanted)],
            ),
            label: render(w.schema_wrong_type_label, &[("wanted", &wanted)]),
            help: None,
        };
    }
    SchemaProblem {
        span,
        message: message.to_string(),
        label: w.schema_here.into(),
        help: None,
    }
}

/// A type as serde names it (`a boolean`, `integer `2``, `string "yes"`) in `lang`: the
/// words of a type crossfoot knows translated, the value quoted after them kept as written,
/// anything else left as serde wrote it.
fn type_words(serde: &str, lang: Lang) -> String {
    let w = DiagWords::of(lang);
    let en = DiagWords::of(Lang::En);
    let words = [
        (en.type_string_or_table, w.type_string_or_table),
        (en.type_another, w.type_another),
        (en.type_a_value, w.type_a_value),
        (en.type_a_string, w.type_a_string),
        (en.type_a_boolean, w.type_a_boolean),
        (en.type_a_sequence, w.type_a_sequence),
        (en.type_a_map, w.type_a_map),
        (en.type_an_integer, w.type_an_integer),
        (en.type_a_number, w.type_a_number),
        (en.type_integer, w.type_integer),
        (en.type_float, w.type_float),
        (en.type_string, w.type_string),
        (en.type_boolean, w.type_boolean),
        (en.type_array, w.type_array),
        (en.type_table, w.type_table),
        (en.type_datetime, w.type_datetime),
    ];
    for (from, to) in words {
        if serde == from {
            return to.to_string();
        }
        if let Some(rest) = serde.strip_prefix(from) {
            if rest.starts_with(' ') {
                return format!("{to}{rest}");
            }
        }
    }
    serde.to_string()
}

/// `X` in "PREFIX X` …".
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    message
        .strip_prefix(prefix)?
        .split_once('`')
        .map(|(k, _)| k)
}

/// The names in serde's "…, expected one of `a`, `b`" (or "expected `a` or `b`").
fn expected_list(message: &str) -> Vec<String> {
    let Some((_, rest)) = message.split_once("expected") else {
        return Vec::new();
    };
    rest.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A table's span narrowed to its first line (its `[header]`).
fn first_line(text: &str, span: Range<usize>) -> Range<usize> {
    let Some(raw) = text.get(span.clone()) else {
        return span;
    };
    if span.start == 0 && span.end >= text.trim_end().len() {
        // The whole file: point at its start.
        return 0..0;
    }
    match raw.find('\n') {
        Some(n) => span.start..span.start + raw[..n].trim_end().len(),
        None => span,
    }
}

fn apply_to<'i>(tree: &mut Tree<'i>, span: &Range<usize>, edit: &Edit<'i>) -> bool {
    if let Edit::Insert(key, value) = edit {
        if tree.span() == *span {
            insert(tree.get_mut(), key, value);
            return true;
        }
    }
    in_table(tree.get_mut(), span, edit)
}

fn insert<'i>(table: &mut DeTable<'i>, key: &str, value: &Spanned<DeValue<'i>>) {
    let span = value.span();
    table.insert(
        Spanned::new(span, DeString::Owned(key.to_string())),
        value.clone(),
    );
}

/// Applies `edit` to the innermost node inside `table` with `span`.
fn in_table<'i>(table: &mut DeTable<'i>, span: &Range<usize>, edit: &Edit<'i>) -> bool {
    let keys: Vec<Spanned<DeString<'i>>> = table.keys().cloned().collect();
    for key in &keys {
        if matches!(edit, Edit::RemoveKey) && key.span() == *span {
            table.remove(key);
            return true;
        }
        let Some(value) = table.get_mut(key) else {
            continue;
        };
        if in_value(value.get_mut(), span, edit) {
            return true;
        }
        if value.span() == *span {
            match edit {
                Edit::Remove => {
                    table.remove(key);
                    return true;
                }
                Edit::Replace(new) => {
                    *value = new.clone();
                    return true;
                }
                Edit::Insert(k, new) => {
                    if let DeValue::Table(inner) = value.get_mut() {
                        insert(inner, k, new);
                        return true;
                    }
                }
                Edit::RemoveKey => {}
            }
        }
    }
    false
}

fn in_value<'i>(value: &mut DeValue<'i>, span: &Range<usize>, edit: &Edit<'i>) -> bool {
    match value {
        DeValue::Table(table) => in_table(table, span, edit),
        DeValue::Array(array) => {
            for i in 0..array.len() {
                let items: &mut [Spanned<DeValue<'i>>] = array;
                if in_value(items[i].get_mut(), span, edit) {
                    return true;
                }
                if items[i].span() != *span {
                    continue;
                }
                match edit {
                    Edit::Remove => {
                        let old = std::mem::replace(array, DeArray::new());
                        *array = old
                            .into_iter()
                            .enumerate()
                            .filter(|(j, _)| *j != i)
                            .map(|(_, v)| v)
                            .collect();
                        return true;
                    }
                    Edit::Replace(new) => {
                        items[i] = new.clone();
                        return true;
                    }
                    Edit::Insert(k, new) => {
                        if let DeValue::Table(inner) = items[i].get_mut() {
                            insert(inner, k, new);
                            return true;
                        }
                    }
                    Edit::RemoveKey => {}
                }
            }
            false
        }
        _ => false,
    }
}

/// `` `a`, `b`, `c` ``.
fn listing(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value with `span`.
fn value_at<'t, 'i>(tree: &'t Tree<'i>, span: &Range<usize>) -> Option<&'t DeValue<'i>> {
    fn find<'t, 'i>(v: &'t Spanned<DeValue<'i>>, span: &Range<usize>) -> Option<&'t DeValue<'i>> {
        let inner = match v.get_ref() {
            DeValue::Table(t) => t.values().find_map(|c| find(c, span)),
            DeValue::Array(items) => items.iter().find_map(|c| find(c, span)),
            _ => None,
        };
        inner.or_else(|| (v.span() == *span).then(|| v.get_ref()))
    }
    tree.get_ref().values().find_map(|v| find(v, span))
}

/// The table span and key of the entry whose value has `span`.
fn entry_of(tree: &Tree<'_>, span: &Range<usize>) -> Option<(Range<usize>, String)> {
    fn in_table(
        table: &DeTable<'_>,
        own: Range<usize>,
        span: &Range<usize>,
    ) -> Option<(Range<usize>, String)> {
        for (k, v) in table.iter() {
            if let Some(found) = in_value(v, span) {
                return Some(found);
            }
            if v.span() == *span {
                return Some((own, k.get_ref().to_string()));
            }
        }
        None
    }
    fn in_value(v: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<(Range<usize>, String)> {
        match v.get_ref() {
            DeValue::Table(t) => in_table(t, v.span(), span),
            DeValue::Array(items) => items.iter().find_map(|i| in_value(i, span)),
            _ => None,
        }
    }
    in_table(tree.get_ref(), tree.span(), span)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: String,
        #[serde(default)]
        flag: bool,
        #[serde(default)]
        item: Vec<Item>,
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        id: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
        Slow,
    }

    fn shown(text: &str) -> Vec<(String, String)> {
        let parsed = parse::<Doc>(text, Lang::En);
        parsed
            .problems
            .iter()
            .map(|p| {
                (
                    p.message.clone(),
                    text.get(p.span.clone())
                        .unwrap_or("<past the end>")
                        .to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_good_document_has_no_problem() {
        let parsed = parse::<Doc>(
            "name = \"x\"\nmode = \"slow\"\n[[item]]\nid = \"a\"\ntags = [\"t\"]\n",
            Lang::En,
        );
        assert!(parsed.problems.is_empty());
        let doc = parsed.def.expect("read");
        assert_eq!(doc.name, "x");
        assert!(!doc.flag);
        assert!(matches!(doc.mode, Some(Mode::Slow)));
        assert_eq!(doc.item.len(), 1);
        assert_eq!((doc.item[0].id.as_str(), doc.item[0].tags.len()), ("a", 1));
    }

    #[test]
    fn the_mistakes_in_vietnamese() {
        let text = "nmae = \"x\"\nflag = \"yes\"\nmode = \"fsat\"\n\n[[item]]\ntags = [\"a\", 3]\n";
        let parsed = parse::<Doc>(text, Lang::Vi);
        let said: Vec<(&str, &str, Option<&str>)> = parsed
            .problems
            .iter()
            .map(|p| (p.message.as_str(), p.label.as_str(), p.help.as_deref()))
            .collect();
        assert_eq!(
            said,
            vec![
                (
                    "thiếu khóa `name`",
                    "bảng này không có `name`",
                    Some("hãy thêm `name = …` vào bảng này")
                ),
                (
                    "khóa lạ `nmae`",
                    "khóa lạ",
                    Some("có phải ý bạn là `name`? (các khóa của bảng này: `name`, `flag`, `item`, `mode`)")
                ),
                (
                    "sai kiểu: chuỗi \"yes\" ở chỗ cần một giá trị đúng/sai (true/false)",
                    "cần một giá trị đúng/sai (true/false)",
                    None
                ),
                (
                    "`fsat` không phải một giá trị được phép ở đây",
                    "giá trị lạ",
                    Some("có phải ý bạn là `fast`? (một trong `fast`, `slow`)")
                ),
                (
                    "thiếu khóa `id`",
                    "bảng này không có `id`",
                    Some("hãy thêm `id = …` vào bảng này")
                ),
                ("sai kiểu: số nguyên `3` ở chỗ cần một chuỗi", "cần một chuỗi", None),
            ],
            "{said:#?}"
        );
        // A type serde names that crossfoot does not know is left as serde wrote it.
        assert_eq!(type_words("u8", Lang::Vi), "u8");
        assert_eq!(type_words("integer `3`", Lang::Vi), "số nguyên `3`");
        assert_eq!(type_words("integer `3`", Lang::En), "integer `3`");
    }

    #[test]
    fn every_mistake_at_once() {
        let text = "nmae = \"x\"\nflag = \"yes\"\nmode = \"fsat\"\n\n[[item]]\ntags = [\"a\", 3]\n\n[[item]]\nid = 7\n";
        let got = shown(text);
        assert_eq!(
            got,
            vec![
                // `name` is missing (its only spelling is the unknown key): the file's start.
                ("missing key `name`".into(), "".into()),
                ("unknown key `nmae`".into(), "nmae".into()),
                (
                    "wrong type: string \"yes\" where a boolean is expected".into(),
                    "\"yes\"".into()
                ),
                (
                    "`fsat` is not one of the values allowed here".into(),
                    "\"fsat\"".into()
                ),
                ("missing key `id`".into(), "[[item]]".into()),
                (
                    "wrong type: integer `3` where a string is expected".into(),
                    "3".into()
                ),
                (
                    "wrong type: integer `7` where a string is expected".into(),
                    "7".into()
                ),
            ],
            "{got:#?}"
        );
        let parsed = parse::<Doc>(text, Lang::En);
        assert!(parsed.def.is_some());
        let unknown = parsed
            .problems
            .iter()
            .find(|p| p.message == "unknown key `nmae`");
        assert!(unknown
            .and_then(|p| p.help.as_deref())
            .is_some_and(|h| h.starts_with("did you mean `name`?")));
        let variant = parsed.problems.iter().find(|p| p.label == "unknown value");
        assert!(variant
            .and_then(|p| p.help.as_deref())
            .is_some_and(|h| h.starts_with("did you mean `fast`?")));
    }

    #[test]
    fn a_wrong_required_value_is_not_also_missing() {
        let got = shown("name = 3\n");
        assert_eq!(
            got,
            vec![(
                "wrong type: integer `3` where a string is expected".to_string(),
                "3".to_string()
            )]
        );
    }

    #[test]
    fn a_flood_of_mistakes_is_cut_short_and_said() {
        let text: String = std::iter::once("name = \"x\"\n".to_string())
            .chain((0..MAX_PROBLEMS + 50).map(|i| format!("k{i} = 1\n")))
            .collect();
        let parsed = parse::<Doc>(&text, Lang::En);
        assert!(parsed.def.is_none());
        assert_eq!(parsed.problems.len(), MAX_PROBLEMS + 1);
        assert!(parsed
            .problems
            .iter()
            .any(|p| p.message.starts_with("more than 200 mistakes")));
    }

    #[test]
    fn syntax_errors_come_all_at_once() {
        let parsed = parse::<Doc>("name = \"x\nflag = = true\n[item\n", Lang::En);
        assert!(parsed.syntax);
        assert!(parsed.problems.len() >= 2, "{:#?}", parsed.problems);
    }
}
