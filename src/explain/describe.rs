//! `crossfoot explain ID` and `crossfoot rules list`: what a finding kind of the registry or a
//! check of the rule pack means, in the chosen language.

use crate::finding::Severity;
use crate::registry::{Kind, Lang, Words, KINDS};
use crate::rules::{Check, Form, Pack};
use serde::Serialize;
use std::fmt::Write as _;

/// One id of `crossfoot rules list`.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub severity: Severity,
    /// The message template in the chosen language (the pack's language when the check has
    /// none in it).
    pub message: String,
    /// `crossfoot` for the findings it makes itself, else the form of the check.
    pub source: String,
}

/// Every id: crossfoot's own findings, then the pack's checks (each id once).
pub fn list(pack: &Pack, lang: Lang) -> Vec<Entry> {
    let mut out: Vec<Entry> = KINDS
        .iter()
        .map(|k| Entry {
            id: k.id.to_string(),
            severity: k.severity,
            message: k.message.get(lang).to_string(),
            source: "crossfoot".to_string(),
        })
        .collect();
    for (form, c) in checks(pack) {
        if out.iter().any(|e| e.id == c.id) {
            continue;
        }
        out.push(Entry {
            id: c.id.clone(),
            severity: c.severity,
            message: message(pack, c, lang).to_string(),
            source: form.id.clone(),
        });
    }
    out
}

fn checks(pack: &Pack) -> impl Iterator<Item = (&Form, &Check)> {
    pack.forms
        .iter()
        .flat_map(|f| f.checks.iter().map(move |c| (f, c)))
}

fn message<'p>(pack: &Pack, c: &'p Check, lang: Lang) -> &'p str {
    c.message_in(lang, pack.settings.pack_lang())
        .unwrap_or(&c.message)
}

/// The list as terminal text: id, severity, message, one line each.
pub fn list_text(entries: &[Entry], lang: Lang) -> String {
    let w = Words::of(lang);
    let width = entries
        .iter()
        .map(|e| e.id.chars().count())
        .max()
        .unwrap_or(0);
    let sev = [Severity::Error, Severity::Warning, Severity::Info]
        .iter()
        .map(|s| w.severity(*s).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for e in entries {
        let word = w.severity(e.severity);
        let _ = writeln!(
            out,
            "{}{}  {}{}  {}",
            e.id,
            " ".repeat(width - e.id.chars().count()),
            word,
            " ".repeat(sev - word.chars().count()),
            e.message
        );
    }
    out
}

/// An id that is neither a finding kind nor a check.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}", crate::messages::render(crate::registry::DiagWords::of(*.lang).unknown_id, &[("id", .id)]))]
#[diagnostic(code(crossfoot::unknown_id))]
pub struct UnknownId {
    pub id: String,
    #[help]
    pub help: Option<String>,
    /// The language it is said in.
    pub lang: Lang,
}

/// The doc of a finding kind, or of a check of the pack (its form, expression, severity and
/// message).
pub fn explain(pack: &Pack, id: &str, lang: Lang) -> Result<String, UnknownId> {
    let w = Words::of(lang);
    let mut out = String::new();
    if let Some(k) = Kind::of_id(id) {
        let d = k.def();
        let _ = writeln!(out, "{}  ({})", d.id, w.severity(d.severity));
        let _ = writeln!(out, "\n{}: {}", w.message, d.message.get(lang));
        if !d.params.is_empty() {
            let params: Vec<String> = d.params.iter().map(|p| format!("{{{p}}}")).collect();
            let _ = writeln!(out, "{}: {}", w.placeholders, params.join(", "));
        }
        for (head, text) in [
            (w.what, d.doc.what),
            (w.why, d.doc.why),
            (w.fix, d.doc.fix),
            (w.example, d.doc.example),
        ] {
            let _ = writeln!(out, "\n{head}\n  {}", text.get(lang));
        }
        return Ok(out);
    }
    let found: Vec<(&Form, &Check)> = checks(pack).filter(|(_, c)| c.id == id).collect();
    if let Some((form, c)) = found.first() {
        let _ = writeln!(out, "{}  ({})", c.id, w.severity(c.severity));
        let _ = writeln!(out, "\n{}: {} ({})", w.form, form.id, form.name);
        let _ = writeln!(out, "{}: {}", w.expression, c.expr_text);
        let _ = writeln!(out, "{}: {}", w.message, message(pack, c, lang));
        // Its doc in the chosen language, else the pack's (a rule file may give one only).
        if let Some(doc) = c
            .doc_in(lang, pack.settings.pack_lang())
            .or(c.doc.as_deref())
        {
            let _ = writeln!(out, "\n{}\n  {doc}", w.what);
        }
        return Ok(out);
    }
    let ids: Vec<String> = KINDS
        .iter()
        .map(|k| k.id.to_string())
        .chain(checks(pack).map(|(_, c)| c.id.clone()))
        .collect();
    let dw = crate::registry::DiagWords::of(lang);
    let help = crate::text::closest(id, ids.iter().map(String::as_str))
        .map(|c| crate::messages::render(dw.unknown_id_did_you_mean, &[("name", c)]))
        .or_else(|| Some(dw.unknown_id_help.to_string()));
    Err(UnknownId {
        id: id.to_string(),
        help,
        lang,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pack() -> Pack {
        let mut p = crate::rules::load_pack(false, &[] as &[std::path::PathBuf])
            .unwrap_or_else(|e| panic!("{e:?}"));
        p.set_lang(Some(Lang::En));
        p
    }

    #[test]
    fn an_engine_kind_is_explained_in_its_sections() {
        let text = explain(&pack(), "value.required", Lang::En).unwrap();
        for part in [
            "value.required  (error)",
            "What it means",
            "Why it matters",
            "How to fix",
            "Example",
            "{label}",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        let vi = explain(&pack(), "value.required", Lang::Vi).unwrap();
        assert!(vi.contains("Cách sửa") && vi.contains("(lỗi)"), "{vi}");
    }

    #[test]
    fn a_check_is_explained_with_its_form_and_expression() {
        let text = explain(&pack(), "M01.gender-split", Lang::En).unwrap();
        assert!(text.contains("Form: M01"), "{text}");
        assert!(text.contains("Expression: "), "{text}");
        assert!(text.contains("Men + women"), "{text}");
    }

    /// Every check of the built-in pack says what it means, in one paragraph, in each language.
    #[test]
    fn every_built_in_check_has_a_doc_in_each_language() {
        let p = pack();
        for (_, c) in checks(&p) {
            for lang in Lang::ALL {
                let doc = c.doc_in(lang, p.settings.pack_lang()).unwrap_or_default();
                assert!(
                    doc.len() > 60 && !doc.contains('\n'),
                    "{} {lang:?}: {doc:?}",
                    c.id
                );
                let text = explain(&p, &c.id, lang).unwrap();
                assert!(text.contains(doc), "{text}");
            }
        }
    }

    #[test]
    fn an_unknown_id_says_the_closest() {
        let e = explain(&pack(), "value.requird", Lang::En).unwrap_err();
        assert!(e.help.unwrap_or_default().contains("`value.required`"));
    }

    #[test]
    fn the_list_has_every_kind_and_every_check() {
        let p = pack();
        let all = list(&p, Lang::En);
        assert!(KINDS.iter().all(|k| all.iter().any(|e| e.id == k.id)));
        assert!(all
            .iter()
            .any(|e| e.id == "M01.gender-split" && e.source == "M01"));
        let text = list_text(&all, Lang::En);
        assert_eq!(text.lines().count(), all.len());
    }
}
