//! Layout problems are findings, never silent guesses: a label that is missing (with the closest
//! label present), a label in two rows, a formula whose value is not stored, a non-number.
//! Workbooks are built in memory with crossfoot's own model, here M04 of the built-in pack.

use crossfoot::check::{check_workbook, Links};
use crossfoot::explain::check_workbook_kept;
use crossfoot::model::{Cell, CellRef, Sheet, Value, Workbook};
use crossfoot::rules;

fn m04(rows: &[(&str, Value)]) -> Workbook {
    let mut s = Sheet::new("M04-CapUy");
    let mut put = |a: &str, v: Value| {
        s.cells
            .insert(CellRef::parse_a1(a).unwrap(), Cell::value(v));
    };
    put("A1", Value::Text("BIỂU M04 - CẤP ỦY VIÊN".into()));
    put("A3", Value::Text("STT".into()));
    put("B3", Value::Text("Chỉ tiêu".into()));
    put("C3", Value::Text("Số lượng".into()));
    put("D3", Value::Text("Tỷ lệ (%)".into()));
    for (i, (label, v)) in rows.iter().enumerate() {
        let r = 4 + i;
        put(&format!("B{r}"), Value::Text(label.to_string()));
        put(&format!("C{r}"), v.clone());
    }
    Workbook {
        sheets: vec![s],
        defined_names: vec![],
    }
}

fn n(v: f64) -> Value {
    Value::Number(v)
}

const GOOD: [(&str, f64); 11] = [
    ("Tổng số cấp ủy viên", 10.0),
    ("Trình độ chuyên môn", 0.0),
    ("Thạc sĩ", 1.0),
    ("Đại học", 6.0),
    ("Cao đẳng", 1.0),
    ("Trung cấp", 1.0),
    ("Sơ cấp và chưa qua đào tạo", 1.0),
    ("Trình độ lý luận chính trị", 0.0),
    ("Cao cấp", 2.0),
    ("Trung cấp", 5.0),
    ("Sơ cấp và chưa qua đào tạo", 3.0),
];

fn findings(wb: &Workbook) -> Vec<(String, String, Vec<String>)> {
    let pack = rules::compile(&rules::builtin_sources()).unwrap();
    let (_, f, _) = check_workbook(wb, "b.xlsx", &pack);
    f.into_iter()
        .filter(|f| f.rule != "workbook.form-missing")
        .map(|f| {
            (
                f.rule,
                f.message,
                f.cells.into_iter().map(|c| c.cell).collect(),
            )
        })
        .collect()
}

fn rows(edit: impl Fn(&mut Vec<(&'static str, Value)>)) -> Workbook {
    let mut r: Vec<(&str, Value)> = GOOD.iter().map(|(l, v)| (*l, n(*v))).collect();
    edit(&mut r);
    m04(&r)
}

#[test]
fn the_template_layout_is_clean() {
    assert_eq!(findings(&rows(|_| {})), vec![]);
}

#[test]
fn a_missing_label_names_the_closest_one_and_the_rest_is_still_checked() {
    let wb = rows(|r| {
        r[3].0 = "Đại hoc chính quy";
        r[8].1 = n(3.0); // and a slip elsewhere: theory sums to 11
    });
    let f = findings(&wb);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].0, "layout.label-not-found");
    assert!(
        f[0].1.contains("\"Đại học\"")
            && f[0].1.contains("Đại hoc chính quy")
            && f[0].1.contains("B7"),
        "{}",
        f[0].1
    );
    assert_eq!(f[1].0, "M04.theory-sum");
}

#[test]
fn a_label_in_two_rows_is_ambiguous_not_the_first_match() {
    let wb = rows(|r| r[4].0 = "Đại học");
    let f = findings(&wb);
    let amb = f
        .iter()
        .find(|x| x.0 == "layout.label-ambiguous")
        .expect("an ambiguity finding");
    assert_eq!(amb.2, vec!["B7", "B8"]);
    assert!(
        f.iter()
            .any(|x| x.0 == "layout.label-not-found" && x.1.contains("Cao đẳng")),
        "{f:?}"
    );
    assert!(
        f.iter().all(|x| x.0 != "M04.qualification-sum"),
        "a sum over an ambiguous row is not applied: {f:?}"
    );
}

#[test]
fn a_formula_without_a_stored_value_is_computed_or_reported() {
    let mut wb = rows(|r| r[0].1 = Value::Empty);
    let total = CellRef::parse_a1("C4").unwrap();
    wb.sheets[0].cells.get_mut(&total).unwrap().formula = Some("SUM(C6:C10)".into());
    assert_eq!(findings(&wb), vec![], "SUM over the cells is computed: 10");
    wb.sheets[0].cells.get_mut(&total).unwrap().formula = Some("VLOOKUP(A1,Data!A:B,2,0)".into());
    let f = findings(&wb);
    // Every check reads the total: none is applied, which is said as well.
    let rules: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        rules,
        vec!["workbook.no-check-applied", "value.formula-not-stored"],
        "{f:?}"
    );
    assert_eq!(f[1].2, vec!["C4"]);
    assert!(f[1].1.contains("=VLOOKUP"), "{}", f[1].1);
    assert!(
        f.iter().all(|x| !x.0.ends_with("-sum")),
        "never read as zero: {f:?}"
    );
}

#[test]
fn text_that_is_not_a_number_is_shown() {
    let f = findings(&rows(|r| r[2].1 = Value::Text("khoảng 1".into())));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "value.not-a-number");
    assert!(f[0].1.contains("khoảng 1"));
}

#[test]
fn counts_must_be_whole_and_not_negative() {
    let f = findings(&rows(|r| {
        r[2].1 = n(-1.0);
        r[9].1 = n(4.5);
    }));
    let rules: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
    // Both blocks of parts hold a bad figure (and the percentages are not given): no check
    // is applied, which is said as well.
    assert_eq!(
        rules,
        vec![
            "workbook.no-check-applied",
            "value.negative",
            "value.not-whole"
        ],
        "{f:?}"
    );
}

#[test]
fn a_required_figure_left_empty_is_never_zero() {
    let f = findings(&rows(|r| r[0].1 = Value::Empty));
    assert_eq!(
        f.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        vec!["workbook.no-check-applied", "value.required"]
    );
    assert_eq!(f[1].2, vec!["C4"]);
}

#[test]
fn text_numbers_and_dashes() {
    let f = findings(&rows(|r| {
        r[0].1 = Value::Text("10".into());
        r[2].1 = Value::Text("-".into());
        r[3].1 = Value::Text("7".into());
    }));
    assert_eq!(f, vec![], "`-` is zero, `7` is 7");
}

/// The findings under the built-in pack with its `dash_is_zero` setting as given, and the
/// checks not applied as (rule, reason, count).
fn checked_with(wb: &Workbook, dash_is_zero: bool) -> (Vec<(String, Vec<String>)>, Vec<String>) {
    let mut sources = rules::builtin_sources();
    for s in &mut sources {
        s.text = s.text.replace(
            "dash_is_zero = true",
            &format!("dash_is_zero = {dash_is_zero}"),
        );
    }
    let pack = rules::compile(&sources).unwrap();
    let (_, f, _, kept) = check_workbook_kept(wb, "b.xlsx", &pack, Links::NONE);
    (
        f.into_iter()
            .filter(|f| f.rule != "workbook.form-missing")
            .map(|f| (f.rule, f.cells.into_iter().map(|c| c.cell).collect()))
            .collect(),
        kept.not_applied
            .iter()
            .map(|n| format!("{} {} {}", n.rule, n.reason.code(), n.count))
            .collect(),
    )
}

#[test]
fn a_dash_in_a_required_figure_is_never_zero_whatever_the_dash_setting() {
    for dash in ["-", "–", "—", "−", " — "] {
        for setting in [true, false] {
            let (f, _) = checked_with(&rows(|r| r[0].1 = Value::Text(dash.into())), setting);
            assert_eq!(
                f,
                vec![
                    ("workbook.no-check-applied".to_string(), vec![]),
                    ("value.required".to_string(), vec!["C4".to_string()])
                ],
                "{dash:?} with dash_is_zero = {setting}"
            );
        }
    }
    // A dash elsewhere follows the setting: zero, or not a number.
    let part = rows(|r| {
        r[2].1 = Value::Text("-".into());
        r[3].1 = n(7.0);
    });
    assert_eq!(checked_with(&part, true).0, vec![]);
    assert_eq!(
        checked_with(&part, false).0,
        vec![("value.not-a-number".to_string(), vec!["C6".to_string()])]
    );
}

#[test]
fn an_infinite_figure_is_a_finding_of_its_own() {
    for v in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
        let (f, not_applied) = checked_with(&rows(|r| r[2].1 = n(v)), true);
        assert_eq!(
            f,
            vec![("value.not-finite".to_string(), vec!["C6".to_string()])],
            "{v}"
        );
        assert_eq!(
            not_applied,
            vec!["M04.qualification-sum unreadable-figure 1"],
            "{v}"
        );
    }
}

#[test]
fn an_overflowing_sum_is_a_finding_and_its_check_is_not_applied() {
    let (f, not_applied) = checked_with(
        &rows(|r| {
            r[2].1 = n(1e308);
            r[3].1 = n(1e308);
        }),
        true,
    );
    // The cells it read before the sum went beyond the largest number.
    assert_eq!(
        f,
        vec![(
            "check.not-finite".to_string(),
            ["C6", "C7", "C8", "C9", "C10"].map(String::from).to_vec()
        )],
        "{f:?}"
    );
    assert_eq!(not_applied, vec!["M04.qualification-sum not-finite 1"]);
}

#[test]
fn a_percentage_over_a_base_of_zero() {
    let zero = || {
        let mut wb = rows(|r| r.iter_mut().for_each(|x| x.1 = n(0.0)));
        let at = CellRef::parse_a1("D6").unwrap();
        wb.sheets[0].cells.insert(at, Cell::value(n(0.0)));
        wb
    };
    // 0 % of nothing: what the forms write (FORMS.md), nothing to check, nothing said.
    assert_eq!(checked_with(&zero(), true), (vec![], vec![]));
    // 50 % of nothing: the check cannot be applied, and is counted.
    let mut wb = zero();
    let at = CellRef::parse_a1("D6").unwrap();
    wb.sheets[0].cells.insert(at, Cell::value(n(50.0)));
    assert_eq!(
        checked_with(&wb, true),
        (vec![], vec!["M04.percent division-by-zero 1".to_string()])
    );
}
