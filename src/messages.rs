//! Message templates for the findings crossfoot makes itself (a label not found, a figure
//! missing, …). The defaults are English; a rule pack overrides any of them under
//! `[settings.messages]`, in its own language. Checks carry their own message in the rule file.

use crate::rules::Settings;

/// Every engine finding id with its default English template.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("workbook.no-form", "no sheet of this workbook matches a form of the rule pack"),
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

/// The message for an engine finding, in the pack's language when it gives one.
pub fn engine(settings: &Settings, id: &str, params: &[(&str, &str)]) -> String {
    let template = settings
        .messages
        .get(id)
        .map(String::as_str)
        .or_else(|| DEFAULTS.iter().find(|(k, _)| *k == id).map(|(_, v)| *v))
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
}
