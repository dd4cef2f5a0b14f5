//! Rule-file compilation: every mistake is found, all at once, at the right characters.

use super::*;

fn src(name: &str, text: &str) -> Source {
    Source {
        name: name.to_string(),
        text: text.to_string(),
    }
}

const FORM: &str = r#"
[form]
id = "F1"
name = "Test form"
labels = ["Total"]

[[column]]
id = "count"
header = "Count"

[[column]]
id = "pct"
header = "Percent"
kind = "percent"

[[row]]
id = "total"
label = "Total"

[[row]]
id = "part.a"
label = "A"

[[row]]
id = "part.b"
label = "B"
"#;

fn with_checks(checks: &str) -> Vec<Source> {
    vec![src("f1.toml", &format!("{FORM}\n{checks}"))]
}

/// (message, the characters the problem points at) of each problem.
fn problems(sources: &[Source]) -> Vec<(String, String)> {
    let errs = compile(sources).expect_err("should not compile");
    let mut out = Vec::new();
    for e in errs {
        let text = &sources.iter().find(|s| s.name == e.path).unwrap().text;
        for p in e.problems {
            let start = p.span.offset();
            out.push((
                p.message.clone(),
                text[start..start + p.span.len()].to_string(),
            ));
        }
    }
    out
}

#[test]
fn a_valid_form_compiles() {
    let pack = compile(&with_checks(
        r#"
[[check]]
id = "F1.sum"
expr = "sum(part.*) == total"
message = "parts {found} vs total {expected}"

[[check]]
id = "F1.pct"
each = "*"
expr = "$[pct] == $ / total * 100"
message = "{label}: {found}"
"#,
    ))
    .unwrap();
    assert_eq!(pack.forms.len(), 1);
    let f = &pack.forms[0];
    assert_eq!(f.checks.len(), 2);
    assert_eq!(
        f.checks[0].expr,
        CExpr::Compare(
            CmpOp::Eq,
            Box::new(CExpr::Call(
                Func::Sum,
                vec![CExpr::Field(FieldRef::Rows {
                    form: 0,
                    rows: vec![1, 2],
                    col: 0,
                    glob: true
                })]
            )),
            Box::new(CExpr::Field(FieldRef::Rows {
                form: 0,
                rows: vec![0],
                col: 0,
                glob: false
            }))
        )
    );
    assert_eq!(f.checks[1].each, Some(super::Each::Rows(vec![0, 1, 2])));
    assert_eq!(
        f.columns[1].empty,
        Empty::Skip,
        "an empty percent is 'not given' by default"
    );
}

#[test]
fn all_problems_of_a_file_at_once_with_their_characters() {
    let p = problems(&with_checks(
        r#"
[[check]]
id = "F1.a"
expr = "sum(part.*) == totl"
message = "x"

[[check]]
id = "F1.b"
expr = "part.a + "
message = "x"

[[check]]
id = "F1.c"
expr = "total[pcnt] == 1"
message = "{found} {expectd}"

[[check]]
id = "F1.d"
expr = "part.* == total"
message = "x"

[[check]]
id = "F1.e"
expr = "$ == 1"
message = "x"

[[check]]
id = "F1.f"
expr = "total + 1"
message = "x"
"#,
    ));
    assert_eq!(
        p,
        vec![
            (
                "form F1 has no field `totl`".to_string(),
                "totl".to_string()
            ),
            (
                "the expression ends where a value was expected".to_string(),
                "".to_string()
            ),
            (
                "form F1 has no column `pcnt`".to_string(),
                "pcnt".to_string()
            ),
            (
                "unknown placeholder `{expectd}`".to_string(),
                "{expectd}".to_string()
            ),
            (
                "`part.*` names several values; use it inside sum(), min() or max()".to_string(),
                "part.*".to_string()
            ),
            (
                "`$` means the current row, but this check has no `each`".to_string(),
                "$".to_string()
            ),
            (
                "a check must compare two values (`==`, `!=`, `<`, `<=`, `>`, `>=`) or state a condition (`not …`, `… and …`)".to_string(),
                "\"total + 1\"".to_string()
            ),
        ]
    );
}

#[test]
fn toml_mistakes_point_into_the_file() {
    let p = problems(&[src(
        "bad.toml",
        "[form]\nid = \"F\"\nname = \"x\"\nlabels = [\"a\"]\nsheet_name = \"x\"\n",
    )]);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].0, "unknown key `sheet_name`");
    assert_eq!(p[0].1, "sheet_name");
    let p = problems(&[src("bad.toml", "[form\nid = 1\n")]);
    assert_eq!(p.len(), 1);
}

#[test]
fn names_are_checked_across_forms_and_sections() {
    let other = src(
        "f2.toml",
        r#"
[form]
id = "F2"
name = "Other"
labels = ["End"]

[[column]]
id = "count"
header = "Count"

[[row]]
id = "end"
label = "End"

[[row]]
id = "x"
label = "X"
under = "ned"

[[check]]
id = "F2.link"
expr = "end == F1.total"
message = "x"

[[check]]
id = "F2.bad-link"
expr = "end == F1.totl"
message = "x"

[[check]]
id = "F2.link"
expr = "end == summ(F1.part.*)"
message = "x"
"#,
    );
    let mut sources = with_checks("");
    sources.push(other);
    let p = problems(&sources);
    assert_eq!(
        p,
        vec![
            (
                "no row `ned` in this form".to_string(),
                "\"ned\"".to_string()
            ),
            (
                "form F1 has no field `totl`".to_string(),
                "F1.totl".to_string()
            ),
            (
                "the check `F2.link` is defined twice".to_string(),
                "\"F2.link\"".to_string()
            ),
            (
                "unknown function `summ`; did you mean `sum`?".to_string(),
                "summ".to_string()
            ),
        ]
    );
}

#[test]
fn bad_regex_and_unknown_group_form() {
    let p = problems(&[src(
        "r.toml",
        r#"
[settings]
[[settings.workbook]]
id = "set"
forms = ["F9"]

[form]
id = "F"
name = "x"
sheet = "(unclosed"
"#,
    )]);
    assert_eq!(
        p.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        vec![
            "no form is called `F9`",
            "the sheet pattern is not a valid regular expression",
        ]
    );
}

#[test]
fn the_builtin_pack_compiles() {
    let pack = compile(&builtin_sources()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!pack.forms.is_empty());
}

const RECORDS: &str = r#"
[form]
id = "S1"
name = "Summary"
labels = ["Total"]

[records]
key = "code"
end = "grand"
match = "unit_code"

[[column]]
id = "code"
header = "Code"
kind = "text"

[[column]]
id = "n"
header = "N"
source = "F1.total"

[[column]]
id = "m"
header = "M"

[[row]]
id = "grand"
label = "Total"
"#;

fn records_with(checks: &str) -> Vec<Source> {
    vec![
        src("f1.toml", FORM),
        src("s1.toml", &format!("{RECORDS}\n{checks}")),
    ]
}

#[test]
fn record_forms_compile_column_checks_and_links() {
    let pack = compile(&records_with(
        r#"
[[check]]
id = "S1.grand"
columns = ["*"]
expr = "grand[@] == sum(records[@])"
message = "{column}"

[[check]]
id = "S1.unit"
each = "records"
columns = ["n"]
expr = "$[@] == unit[@] + unit.F1.part.a"
message = "{other}"

[[check]]
id = "S1.repeat"
each = "records"
expr = "not ($[n] == prev[n] and $[m] == prev[m])"
message = "{label}"
"#,
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    let s1 = &pack.forms[1];
    let r = s1.records.as_ref().unwrap();
    assert_eq!((r.key, r.end, r.match_unit), (0, Some(0), true));
    // One check per figure column (the text column is left out).
    let grand: Vec<_> = s1.checks.iter().filter(|c| c.id == "S1.grand").collect();
    assert_eq!(
        grand.iter().map(|c| c.column).collect::<Vec<_>>(),
        [Some(1), Some(2)]
    );
    assert!(grand.iter().all(|c| c.links.is_empty()));
    let unit = s1.checks.iter().find(|c| c.id == "S1.unit").unwrap();
    assert_eq!(unit.links, [Link::Unit]);
    assert_eq!(unit.each, Some(Each::Records));
    // The figures a run keeps per unit workbook: F1.total and F1.part.a, first column.
    assert_eq!(
        pack.linked.iter().copied().collect::<Vec<_>>(),
        [(0, 0, 0), (0, 1, 0)]
    );
}

#[test]
fn record_mistakes_point_at_the_token() {
    let got = problems(&records_with(
        r#"
[[check]]
id = "S1.a"
expr = "$[@] == unit[m]"
each = "records"
message = "x"

[[check]]
id = "S1.b"
expr = "total[@] == prev[n]"
message = "x"

[[check]]
id = "S1.c"
expr = "code == 1"
message = "x"
"#,
    ));
    let msgs: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert!(
        msgs.contains(&"`@` is the current column, but this check has no `columns`"),
        "{msgs:?}"
    );
    assert!(
        got.iter()
            .any(|(m, at)| m.contains("has no `source`") && at == "m"),
        "{got:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("does not go through the records")),
        "{msgs:?}"
    );
}
