//! Message templates filled in: the findings crossfoot makes itself (a label not found, a figure
//! missing, …) and the texts of the workbooks it writes, from the [`crate::registry`] in the
//! chosen language; a rule pack overrides any of them under `[settings.messages]`, in its own
//! language, and a key there that is none of these ids is a rule-file error. Checks carry their
//! own message in the rule file.

use crate::registry::{self, Lang, MessageId};
use std::collections::BTreeMap;

pub use crate::registry::known_ids;

/// The built-in English template of a message id written as text (a pack's key).
pub fn default_text(id: &str) -> Option<&'static str> {
    registry::template(id, Lang::En)
}

/// Fills `{name}` placeholders; unknown ones are left as written.
pub fn render(template: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match params.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The message for an engine finding or text `id` in `lang`: the pack's own text when it gives
/// one (`own`: the pack's `[settings.messages]`, when `lang` is the pack's language), else the
/// registry's.
pub fn engine(
    own: Option<&BTreeMap<String, String>>,
    lang: Lang,
    id: impl Into<MessageId>,
    params: &[(&str, &str)],
) -> String {
    let id = id.into();
    let template = own
        .and_then(|m| m.get(id.id()))
        .map(String::as_str)
        .unwrap_or_else(|| id.template(lang));
    render(template, params)
}

/// Why a file was passed over, in the words of `lang` (a name in it made visible).
pub fn skip_text(lang: Lang, why: &crate::finding::Skip) -> std::borrow::Cow<'static, str> {
    let w = registry::Words::of(lang);
    match why {
        crate::finding::Skip::OwnReview => w.skip_own_review.into(),
        crate::finding::Skip::SameFile(first) => render(
            w.skip_same_file,
            &[("file", &crate::text::visible(first, 500, lang))],
        )
        .into(),
    }
}

/// An unreadable file's reason and hint in `lang`: the reader's own English sentences, which
/// name the file's details, or the kind's text in another language.
pub fn unreadable_text<'a>(
    u: &'a crate::unreadable::Unreadable,
    lang: Lang,
) -> (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>) {
    match lang {
        Lang::En => (u.reason.as_str().into(), u.hint.as_str().into()),
        Lang::Vi => {
            let d = registry::unreadable(u.kind);
            (d.reason.get(lang).into(), d.hint.get(lang).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            render("{a} + {b} = {c}", &[("a", "1"), ("b", "2")]),
            "1 + 2 = {c}"
        );
        assert_eq!(render("no close {x", &[("x", "1")]), "no close {x");
        assert_eq!(render("", &[]), "");
    }

    #[test]
    fn ids_are_unique_and_have_texts() {
        let ids: Vec<&str> = known_ids().collect();
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "an id is listed twice");
        for id in ids {
            assert!(default_text(id).is_some_and(|t| !t.is_empty()), "{id}");
        }
        assert_eq!(
            engine(
                None,
                Lang::En,
                registry::Kind::ConsolidationDuplicateRow,
                &[("code", "07"), ("form", "TH01"), ("cells", "B3, B9")]
            ),
            "the unit code \"07\" is in several rows of form TH01 (B3, B9)"
        );
        let own = BTreeMap::from([("value.required".to_string(), "{label}: vide".to_string())]);
        assert_eq!(
            engine(
                Some(&own),
                Lang::Vi,
                registry::Kind::ValueRequired,
                &[("label", "x")]
            ),
            "x: vide"
        );
        assert_eq!(
            engine(
                None,
                Lang::Vi,
                registry::Kind::ValueRequired,
                &[("label", "x")]
            ),
            "x: thiếu số liệu bắt buộc (ô để trống)"
        );
    }
}
