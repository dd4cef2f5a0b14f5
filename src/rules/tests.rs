//! Rule-file compilation: every mistake is found, all at once, at the right characters.

use super::*;
use miette::SourceCode as _;

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

/// The worker pool tells packs apart by the fingerprint taken when the pack was compiled: it
/// is the sources' own, and another rule text gives another.
#[test]
fn a_pack_carries_the_fingerprint_of_its_sources() {
    let sources = builtin_sources();
    let pack = compile(&sources).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(pack.sources_fingerprint(), Source::fingerprint(&sources));
    let mut edited = sources.clone();
    edited[0].text.push_str("\n# an edit\n");
    let other = compile(&edited).unwrap_or_else(|e| panic!("{e:?}"));
    assert_ne!(other.sources_fingerprint(), pack.sources_fingerprint());
}

#[test]
fn the_builtin_pack_speaks_both_languages() {
    use crate::registry::Lang;
    let mut pack = compile(&builtin_sources()).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        pack.settings.lang,
        Lang::Vi,
        "the pack's language by default"
    );
    for lang in Lang::ALL {
        pack.set_lang(Some(lang));
        assert_eq!(pack.untranslated(), 0, "{lang:?}: a check has no message");
    }
}

#[test]
fn a_check_gives_its_message_in_other_languages() {
    use crate::registry::Lang;
    let mut pack = compile(&with_checks(
        r#"
[[check]]
id = "F1.sum"
expr = "sum(part.*) == total"
message = "parts {found} vs total {expected}"
messages.vi = "các phần {found}, tổng số {expected}"
"#,
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    let c = &pack.forms[0].checks[0];
    assert_eq!(
        c.message_in(Lang::Vi, Lang::En),
        Some("các phần {found}, tổng số {expected}")
    );
    assert_eq!(
        c.message_in(Lang::En, Lang::En),
        Some("parts {found} vs total {expected}")
    );
    pack.set_lang(Some(Lang::Vi));
    assert_eq!(pack.untranslated(), 0);
    // Without it: one check falls back.
    let mut pack = compile(&with_checks(
        r#"
[[check]]
id = "F1.sum"
expr = "sum(part.*) == total"
message = "parts {found} vs total {expected}"
"#,
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    pack.set_lang(Some(Lang::Vi));
    assert_eq!(pack.untranslated(), 1);
    // A language crossfoot does not write, and a wrong placeholder in a translation.
    let found = problems(&with_checks(
        r#"
[[check]]
id = "F1.sum"
expr = "sum(part.*) == total"
message = "parts {found}"
messages.fr = "parties {found}"
messages.vi = "các phần {fuond}"
"#,
    ));
    assert!(
        found.contains(&(
            "`fr` is not a language crossfoot writes".into(),
            "fr".into()
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&("unknown placeholder `{fuond}`".into(), "{fuond}".into())),
        "{found:?}"
    );
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

/// (file, message, the characters pointed at) of every problem.
fn problems_with_files(sources: &[Source]) -> Vec<(String, String, String)> {
    let errs = compile(sources).expect_err("should not compile");
    let mut out = Vec::new();
    for e in errs {
        let text = &sources.iter().find(|s| s.name == e.path).unwrap().text;
        for p in e.problems {
            out.push((
                e.path.clone(),
                p.message.clone(),
                text[p.span()].to_string(),
            ));
        }
    }
    out
}

#[test]
fn settings_given_in_two_files_must_agree() {
    let a = src(
        "a.toml",
        &format!(
            "[settings]\nlocale = \"vi\"\nfold_diacritics = true\nunit_code_label = \"Mã\"\n\n[[settings.workbook]]\nid = \"b\"\nforms = [\"F1\"]\n{FORM}"
        ),
    );
    // The same values again: one pack, one workbook group.
    let same = src(
        "b.toml",
        "[settings]\nunit_code_label = \"Mã\"\nlocale = \"vi\"\n\n[[settings.workbook]]\nid = \"b\"\nforms = [\"F1\"]\n",
    );
    let pack = compile(&[a.clone(), same]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(pack.settings.locale, Locale::Vi);
    assert!(pack.settings.folding.diacritics);
    assert_eq!(pack.groups.len(), 1);

    let other = src(
        "b.toml",
        "[settings]\nlocale = \"vi\"\nfold_diacritics = false\n\n[settings.messages]\n\"value.required\" = \"{label}: trống\"\n",
    );
    let third = src(
        "c.toml",
        "[settings.messages]\n\"value.required\" = \"{label}: trống\"\n\n[[settings.workbook]]\nid = \"b\"\nforms = []\n",
    );
    let sources = [a, other, third];
    assert_eq!(
        problems_with_files(&sources),
        vec![
            (
                "b.toml".to_string(),
                "`fold_diacritics` is set differently in two rule files".to_string(),
                "false".to_string()
            ),
            (
                "c.toml".to_string(),
                "the workbook `b` is described differently in two rule files".to_string(),
                "\"b\"".to_string()
            ),
        ]
    );
    // Each conflict also points at the first file's value.
    let errs = compile(&sources).expect_err("conflicts");
    let p = &errs[0].problems[0];
    let shown = p.src.read_span(&p.others[0].inner().clone(), 0, 0).unwrap();
    assert_eq!(shown.name(), Some("a.toml"));
    assert_eq!(std::str::from_utf8(shown.data()).unwrap(), "true");
    assert_eq!(shown.line(), 2);
}

#[test]
fn a_placeholder_for_a_mistake_never_conflicts() {
    // `fr` is no locale: that is the problem, not a conflict with the other file's `en`.
    let sources = [
        src("a.toml", &format!("[settings]\nlocale = \"fr\"\n{FORM}")),
        src("b.toml", "[settings]\nlocale = \"en\"\n"),
    ];
    let p = problems_with_files(&sources);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].1, "`fr` is not one of the values allowed here");
}

#[test]
fn message_ids_are_those_of_crossfoot() {
    let ok = src(
        "m.toml",
        "[settings.messages]\n\"hint.closest\" = \"; x {text}\"\n\"consolidation.unit-without-row\" = \"x\"\n\"consolidate.notes-sheet\" = \"Ghi chú\"\n",
    );
    let pack = compile(&[src("f.toml", FORM), ok]).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(pack.settings.messages.len(), 3);
    let bad = src(
        "m.toml",
        "[settings.messages]\n\"value.requried\" = \"x\"\n\"layout.nothing-like-it\" = \"y\"\n",
    );
    let p = problems_with_files(&[src("f.toml", FORM), bad]);
    assert_eq!(
        p.iter()
            .map(|x| (x.1.as_str(), x.2.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (
                "`value.requried` is not the id of a message of crossfoot",
                "\"value.requried\""
            ),
            (
                "`layout.nothing-like-it` is not the id of a message of crossfoot",
                "\"layout.nothing-like-it\""
            ),
        ]
    );
}

/// A file with schema mistakes is reported with its other mistakes, less what may follow from
/// them (a misspelt `labels` is not also "a form with nothing to recognise it by"); the other
/// files' problems all come in the same run.
#[test]
fn schema_mistakes_with_the_others_less_what_follows() {
    let a = src(
        "a.toml",
        &format!(
            "{}\n[[check]]\nid = \"F1.x\"\nexpr = \"totl == 1\"\nmessage = \"x\"\n",
            FORM.replace("labels = [", "lables = [")
        ),
    );
    let b = src(
        "b.toml",
        "[form]\nid = \"F2\"\nname = \"Two\"\nlabels = [\"X\"]\n\n[[column]]\nid = \"n\"\nheader = \"N\"\n\n[[row]]\nid = \"x\"\nlabel = \"X\"\n\n[[check]]\nid = \"F2.y\"\nexpr = \"x == F1.totl\"\nmessage = \"y\"\n",
    );
    assert_eq!(
        problems_with_files(&[a, b]),
        vec![
            (
                "a.toml".to_string(),
                "unknown key `lables`".to_string(),
                "lables".to_string()
            ),
            (
                "a.toml".to_string(),
                "form F1 has no field `totl`".to_string(),
                "totl".to_string()
            ),
            (
                "b.toml".to_string(),
                "form F1 has no field `totl`".to_string(),
                "F1.totl".to_string()
            ),
        ]
    );
}

#[test]
fn every_unreadable_rule_path_is_said() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("empty/notes.txt"), "x").unwrap();
    let errs = read_rule_sources(
        &[dir.path().join("empty"), dir.path().join("nope.toml")],
        Lang::En,
    )
    .expect_err("two bad paths");
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].reason, "the folder holds no .toml rule file");
    assert!(errs[1].path.ends_with("nope.toml"));
}

#[test]
fn built_in_files_say_so() {
    let sources = builtin_sources();
    assert!(!sources.is_empty());
    assert!(sources
        .iter()
        .all(|s| s.name.starts_with("rules/") && s.name.ends_with(" (built in)")));
    let stats =
        check_rule_files(false, &[] as &[&str], Some(Lang::En)).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (stats.files, stats.built_in),
        (sources.len(), sources.len())
    );
    assert!(stats.to_string().starts_with(&format!(
        "rules ok: {n} files ({n} built in), ",
        n = sources.len()
    )));
}

#[test]
fn localise_weights_by_form_row_column_and_cell() {
    let pack = compile(&with_checks(
        r#"
[[cell]]
id = "year"
at = "D3"
kind = "number"

[localise]
weight = 2
rows = { total = 3, "part.a" = 0.5 }
columns = { pct = 4 }
cells = { year = 10 }
"#,
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    let w = &pack.forms[0].weights;
    assert_eq!(w.of_grid(0, 0), 6.0, "total, count: 2 × 3");
    assert_eq!(w.of_grid(1, 1), 4.0, "part.a, pct: 2 × 0.5 × 4");
    assert_eq!(w.of_grid(2, 0), 2.0, "part.b: the form's");
    assert_eq!(w.of_grid(9, 0), 2.0, "a record: the form's");
    assert_eq!(w.of_cell(0), 20.0);
    // Without [localise], every figure weighs 1.
    let pack = compile(&with_checks("")).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(pack.forms[0].weights.of_grid(0, 1), 1.0);
    assert_eq!(pack.forms[0].weights.of_cell(0), 1.0);
}

#[test]
fn localise_weights_name_what_the_form_has_and_are_above_zero() {
    let p = problems(&with_checks(
        r#"
[localise]
weight = 0
rows = { totl = 2, "part.a" = -1 }
columns = { percent = 2 }
cells = { year = 2 }
"#,
    ));
    assert_eq!(
        p,
        vec![
            (
                "a weight must be a number above 0, not 0".into(),
                "0".into()
            ),
            ("no row `totl` in this form to weight".into(), "totl".into()),
            (
                "a weight must be a number above 0, not -1".into(),
                "-1".into()
            ),
            (
                "no column `percent` in this form to weight".into(),
                "percent".into()
            ),
            (
                "no cell `year` in this form to weight".into(),
                "year".into()
            ),
        ],
        "{p:#?}"
    );
    let errs = compile(&with_checks("[localise]\nrows = { totl = 2 }\n")).expect_err("unknown row");
    let help = errs[0].problems[0].help.clone().unwrap_or_default();
    assert!(help.starts_with("did you mean `total`?"), "{help}");
    assert!(help.contains("total, part.a, part.b"), "{help}");
    // Weights without a form.
    let p = problems(&[src("w.toml", "[localise]\nweight = 2\n")]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].0.contains("[localise] weights but no [form]"), "{p:?}");
}

#[test]
fn a_division_by_a_constant_zero_points_at_the_divisor() {
    let check = |expr: &str| {
        with_checks(&format!(
            "[[check]]\nid = \"F1.z\"\nexpr = \"{expr}\"\nmessage = \"x\"\n"
        ))
    };
    for (expr, divisor) in [
        ("total / 0 == total", "0"),
        ("part.a == total / (2 - 2) * 100", "(2 - 2)"),
        ("part.a / -(1 * 0.0) <= 1", "-(1 * 0.0)"),
    ] {
        assert_eq!(
            problems(&check(expr)),
            vec![(
                "this divides by zero: the check could never be applied".to_string(),
                divisor.to_string()
            )],
            "{expr}"
        );
    }
    // A figure, or a constant that is not zero, may divide.
    for expr in ["part.a / total * 100 <= 100", "part.a / 0.5 <= total"] {
        assert!(compile(&check(expr)).is_ok(), "{expr}");
    }
}

#[test]
fn abbreviations_are_merged_over_the_files_one_meaning_each() {
    let a = src(
        "a.toml",
        &format!("[settings.abbreviations]\n\"SL\" = \"Số lượng\"\n\"ĐV\" = \"đảng viên\"\n{FORM}"),
    );
    // The same abbreviation (in another case) with the same meaning, and a new one.
    let b = src(
        "b.toml",
        "[settings.abbreviations]\n\"sl\" = \"số lượng\"\n\"GV\" = \"giáo viên\"\n",
    );
    let pack = compile(&[a.clone(), b]).unwrap_or_else(|e| panic!("{e:?}"));
    let abbr = &pack.settings.abbreviations;
    assert_eq!(abbr.expand("sl").as_deref(), Some("số lượng"));
    assert_eq!(abbr.expand("gv đv").as_deref(), Some("giáo viên đảng viên"));
    // Another meaning for `SL` is a conflict naming both files.
    let c = src(
        "c.toml",
        "[settings.abbreviations]\n\"SL\" = \"Sinh lực\"\n",
    );
    assert_eq!(
        problems_with_files(&[a, c]),
        vec![(
            "c.toml".to_string(),
            "the abbreviation `SL` is written out differently in two rule files".to_string(),
            "\"Sinh lực\"".to_string()
        )]
    );
}

/// `[plausibility]` and `[register]`: figures resolved to the form's rows and count column,
/// mistakes pointed at, a second file giving either refused.
#[test]
fn plausibility_and_register_tables() {
    let good = src(
        "p.toml",
        r#"
[register]
code = ["Code"]
name = ["Name"]
opening = "F1.part.a"
closing = "F1.total[count]"

[plausibility]
figures = ["F1.total", "F1.part.b[pct]"]
flows = ["F1.part.a"]
c = 20
"#,
    );
    let pack = compile(&[src("f1.toml", FORM), good.clone()]).unwrap();
    let f: Vec<(usize, usize, &str)> = pack
        .plausibility
        .figures
        .iter()
        .map(|f| (f.row, f.col, f.name.as_str()))
        .collect();
    assert_eq!(f, [(0, 0, "F1.total"), (2, 1, "F1.part.b[pct]")]);
    assert_eq!((pack.plausibility.c, pack.plausibility.u), (20.0, 0.5));
    assert_eq!(pack.register.opening.as_ref().map(|f| f.row), Some(1));
    assert_eq!(pack.register.code, ["code"]);
    let bad = src(
        "p.toml",
        r#"
[plausibility]
figures = ["F1.nope", "F9.total", "total", "F1.total[wrong]"]
c = -1
"#,
    );
    let got = problems(&[src("f1.toml", FORM), bad]);
    let messages: Vec<&str> = got.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "form F1 has no row `nope`",
            "no form is called `F9`",
            "a figure is written `FORM.row` or `FORM.row[column]`",
            "form F1 has no such column (a count column is needed)",
            "`c` must lie between 0.5 and 1000",
        ]
    );
    assert_eq!(got[0].1, "\"F1.nope\"");
    // The same table in two files: one; another in a second file of yours: a problem.
    assert!(compile(&[
        src("f1.toml", FORM),
        good.clone(),
        src("q.toml", &good.text)
    ])
    .is_ok());
    let other = good
        .text
        .replace("c = 20", "c = 10")
        .replace("[\"Name\"]", "[\"Title\"]");
    let twice = problems(&[src("f1.toml", FORM), good.clone(), src("q.toml", &other)]);
    let messages: Vec<&str> = twice.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        messages,
        [
            "[register] is given differently in two rule files",
            "[plausibility] is given differently in two rule files"
        ]
    );
    // Yours replaces the built-in pack's.
    let built_in = src(&format!("b.toml{}", BUILT_IN), &good.text);
    let pack = compile(&[src("f1.toml", FORM), built_in, src("q.toml", &other)]).unwrap();
    assert_eq!(
        (pack.plausibility.c, pack.register.name[0].as_str()),
        (10.0, "title")
    );
}
