//! Message templates for the findings crossfoot makes itself (a label not found, a figure
//! missing, …) and the texts of the workbooks it writes. The defaults are English; a rule pack
//! overrides any of them under `[settings.messages]`, in its own language, and a key there that
//! is none of these ids is a rule-file error. Checks carry their own message in the rule file.
//!
//! This module depends on nothing else of crossfoot: the rule loader checks message ids against
//! it, the checker and the writers read their defaults from it.

use std::collections::BTreeMap;

/// Every engine finding id of a single workbook with its default English template.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("workbook.no-form", "no sheet of this workbook matches a form of the rule pack (sheets: {sheets}){closest}"),
    ("hint.no-form-closest", "; the closest is form {form} ({name}) in sheet \"{sheet}\": {found} of its {labels} labels found; {lacks}"),
    ("hint.no-form-labels", "missing labels {labels}"),
    ("hint.no-form-pattern", "the sheet name does not match the form's pattern {pattern}"),
    ("hint.no-form-title", "no title {titles}"),
    ("workbook.wrong-extension", "the file is {what} saved with a .{ext} name; it was read as what it is (rename it to .{right}, or open it and save it as .xlsx)"),
    ("workbook.form-missing", "the workbook has no sheet with form {form} ({name})"),
    ("workbook.form-repeated", "form {form} appears in more than one sheet ({sheets}); cross-form checks use the first"),
    ("workbook.sheet-ambiguous", "sheet {sheet} could be form {form} or form {other}; it was not checked"),
    ("layout.column-not-found", "form {form}: no column headed \"{header}\"{closest}"),
    ("layout.column-ambiguous", "form {form}: the column header \"{header}\" appears more than once ({cells})"),
    ("layout.label-not-found", "form {form}: no row labelled \"{label}\"{closest}"),
    ("layout.label-ambiguous", "form {form}: the label \"{label}\" appears in more than one row ({cells}); none was used"),
    ("layout.label-numbering-ambiguous", "form {form}: {cell} reads \"{text}\": the row \"{other}\", or numbering before the row \"{label}\"? It was not used for \"{label}\""),
    ("unit.code-irregular", "the unit code is written \"{written}\", read as {code}"),
    ("layout.name-not-found", "form {form}: the workbook has no defined name \"{name}\""),
    ("value.required", "{label}: required figure missing (the cell is empty)"),
    ("value.not-a-number", "{label}: the cell holds \"{text}\", which is not a number"),
    ("value.error", "{label}: the cell shows the error {text}"),
    ("value.negative", "{label}: a count cannot be negative ({text})"),
    ("value.not-whole", "{label}: a count must be a whole number ({text})"),
    ("value.formula-not-stored", "{label}: the value of the formula ={text} is not stored in the file; open and save it in a spreadsheet program"),
    ("hint.closest", "; the closest is \"{text}\" in {cell}"),
];

/// The findings of the second phase of a run, between workbooks (records matched to unit
/// workbooks by code, workbooks to last year's).
pub const LINK_MESSAGES: &[(&str, &str)] = &[
    ("consolidation.unit-without-row", "{unit_file} (unit {unit}, code {code}) has no row in form {form}"),
    ("consolidation.row-without-unit", "{label}: the row with code \"{code}\" of form {form} has no unit workbook in this run"),
    ("consolidation.duplicate-unit", "the unit code \"{code}\" is in several workbooks ({files}); the row was not compared"),
    ("consolidation.duplicate-row", "the unit code \"{code}\" is in several rows of form {form} ({cells})"),
    ("consolidation.previous-missing", "no workbook of last year with unit code {code} among --previous; the opening figures were not compared"),
    ("consolidation.previous-unread", "no readable workbook of last year with unit code {code} among --previous ({count} of last year's workbooks could not be read); the opening figures were not compared"),
    ("consolidation.previous-duplicate", "the unit code \"{code}\" is in several workbooks of last year ({files}); {used} was used"),
];

/// The texts of the summary workbook `crossfoot consolidate` writes (its Notes sheet).
pub const SUMMARY_TEXTS: &[(&str, &str)] = &[
    ("consolidate.notes-sheet", "Notes"),
    ("consolidate.file", "File"),
    ("consolidate.code", "Code"),
    ("consolidate.name", "Unit"),
    ("consolidate.note", "Note"),
    (
        "consolidate.errors",
        "included; the workbook carries {count} error(s)",
    ),
    (
        "consolidate.figures-missing",
        "included; figures not readable, left empty: {columns}",
    ),
    (
        "consolidate.unreadable",
        "left out: the file cannot be read ({reason})",
    ),
    (
        "consolidate.no-code",
        "left out: no unit code in the title block",
    ),
    (
        "consolidate.duplicate",
        "left out: the same code as {file}, which was used",
    ),
    (
        "consolidate.summary",
        "left out: the workbook is a summary itself, not a unit",
    ),
    (
        "consolidate.not-a-unit",
        "left out: its code is not the code of a unit of this summary (the pattern {pattern})",
    ),
    (
        "consolidate.older",
        "left out (--prefer newest): {file} has the same code and was modified later",
    ),
    (
        "consolidate.excluded-errors",
        "left out (--exclude-errors): the workbook carries {count} error(s)",
    ),
    (
        "consolidate.cut",
        "this text has {count} characters, more than a cell holds ({max}): it is cut here; the whole text is in the branch's workbook",
    ),
    (
        "consolidate.rows-cut",
        "only the first {shown} of {count} units fit in a worksheet: the others are left out, and the totals are of those shown",
    ),
    (
        "consolidate.columns-cut",
        "only the first {shown} of the form's {count} columns fit in a worksheet",
    ),
];

/// The words of explanations ([`crate::explain`]): the most likely cause of a workbook's
/// findings, never presented as certain.
pub const EXPLAIN_TEXTS: &[(&str, &str)] = &[
    ("explain.most-likely", "most likely: {changes} (resolves {count} finding(s))"),
    ("explain.one-of", "most likely one of {count} equally small explanations (each resolves {resolves} finding(s)): {changes}"),
    ("explain.common", "most likely: {changes} — in each of the {count} equally small explanations (each resolves {resolves} finding(s)), with {more} more change(s) among: {rest}"),
    ("explain.not-localised", "not localised (too many possibilities): {count} finding(s)"),
    ("explain.left-out", "{count} failing check(s) that are not linear were left out of the explanation"),
    ("explain.note", "probably {value}"),
    ("explain.note-kind", "probably {value} — {kind}"),
    ("explain.range", "between {low} and {high}"),
    ("slip.swapped-digits", "two digits swapped"),
    ("slip.mistyped-digit", "one digit mistyped"),
    ("slip.off-by-one", "off by one"),
    ("slip.sign", "the sign"),
    ("slip.truncated-percentage", "a percentage truncated instead of rounded"),
    ("slip.wrong-base", "a percentage of the wrong base"),
    ("slip.row-off", "the figure of the row above or below (pasted one row off)"),
    ("slip.follows", "recomputed from its count and base"),
];

/// Every id a pack may give a text for under `[settings.messages]`.
pub fn known_ids() -> impl Iterator<Item = &'static str> {
    DEFAULTS
        .iter()
        .chain(LINK_MESSAGES)
        .chain(SUMMARY_TEXTS)
        .chain(EXPLAIN_TEXTS)
        .map(|(id, _)| *id)
}

/// The default English template of a message id.
pub fn default_text(id: &str) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .chain(LINK_MESSAGES)
        .chain(SUMMARY_TEXTS)
        .chain(EXPLAIN_TEXTS)
        .find(|(k, _)| *k == id)
        .map(|(_, v)| *v)
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

/// The message for an engine finding, in the pack's language when it gives one (`messages`:
/// the pack's `[settings.messages]`).
pub fn engine(messages: &BTreeMap<String, String>, id: &str, params: &[(&str, &str)]) -> String {
    let template = messages
        .get(id)
        .map(String::as_str)
        .or_else(|| default_text(id))
        .unwrap_or(id);
    render(template, params)
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
                &BTreeMap::new(),
                "consolidation.duplicate-row",
                &[("code", "07"), ("form", "TH01"), ("cells", "B3, B9")]
            ),
            "the unit code \"07\" is in several rows of form TH01 (B3, B9)"
        );
        let own = BTreeMap::from([("value.required".to_string(), "{label}: vide".to_string())]);
        assert_eq!(engine(&own, "value.required", &[("label", "x")]), "x: vide");
    }
}
