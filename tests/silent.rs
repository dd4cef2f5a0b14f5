//! No check vanishes (issue 21, point 2): a required figure given as a dash, an infinite or
//! overflowing figure, a check that cannot be applied and a workbook none of whose checks
//! could be applied are each said — in the human report, JSON and JUnit — and never "clean".
//! The binary on generated workbooks ([`common::forms`]).

use crate::common;
use common::forms::{plan, Branch, Col, Content, Layout};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

fn crossfoot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn json(path: &Path) -> (Option<i32>, Value) {
    let out = crossfoot(&["check", "--format", "json", path.to_str().unwrap()]);
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn human(path: &Path) -> (Option<i32>, String) {
    let out = crossfoot(&["check", "--lang", "en", path.to_str().unwrap()]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn junit(path: &Path) -> String {
    let out = crossfoot(&[
        "check",
        "--format",
        "junit",
        "--lang",
        "en",
        path.to_str().unwrap(),
    ]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The rule id of every finding.
fn rules(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// What a figure cell holds instead of the planned content, from its form, item, value column
/// and planned content (None: as planned).
type Figure<'a> = &'a dyn Fn(&str, &str, Col, &Content) -> Option<Content>;

/// A branch workbook laid out as `layout`, each figure cell's content given by `figure`.
fn write_with(b: &Branch, layout: &Layout, figure: Figure<'_>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 10, 14).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    for sheet in plan(b, layout) {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).unwrap();
        let firsts: Vec<(u32, u16)> = sheet.merges.iter().map(|m| (m.0, m.1)).collect();
        for &(r1, c1, r2, c2) in &sheet.merges {
            let text = match sheet.at(r1, c1).map(|c| &c.content) {
                Some(Content::Text(t)) => t.clone(),
                _ => String::new(),
            };
            ws.merge_range(r1, c1, r2, c2, &text, &Format::new())
                .unwrap();
        }
        for cell in &sheet.cells {
            if firsts.contains(&(cell.row, cell.col)) {
                continue;
            }
            let content = match (cell.item, cell.value_col) {
                (Some(item), Some(col)) => figure(sheet.form, item, col, &cell.content)
                    .unwrap_or_else(|| cell.content.clone()),
                _ => cell.content.clone(),
            };
            match &content {
                Content::Text(t) => ws.write_string(cell.row, cell.col, t).unwrap(),
                Content::Number(v, _) => ws.write_number(cell.row, cell.col, *v).unwrap(),
                Content::Formula(..) => panic!("the template layout writes no formula"),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The package with `from` replaced by `to` in every worksheet part.
fn replace_in_sheets(xlsx: &[u8], from: &str, to: &str) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut replaced = 0;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut xml = String::new();
        file.read_to_string(&mut xml).unwrap();
        if name.starts_with("xl/worksheets/") {
            replaced += xml.matches(from).count();
            xml = xml.replace(from, to);
        }
        out.start_file(name, options).unwrap();
        out.write_all(xml.as_bytes()).unwrap();
    }
    assert!(replaced > 0, "{from} is not in the sheets");
    out.finish().unwrap().into_inner()
}

fn branch() -> Branch {
    Branch::clean("Đảng bộ xã Bình Lư", "TD-01", 7)
}

#[test]
fn a_workbook_of_dashes_is_never_clean() {
    let dir = tempfile::tempdir().unwrap();
    for dash in ["-", "—"] {
        let path = dir.path().join("dashes.xlsx");
        let bytes = write_with(&branch(), &Layout::default(), &|_, _, _, _| {
            Some(Content::Text(dash.to_string()))
        });
        std::fs::write(&path, bytes).unwrap();
        let (code, doc) = json(&path);
        assert_eq!(code, Some(1), "{doc:#}");
        let required: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "value.required")
            .map(|f| f["sheet"].as_str().unwrap().to_string())
            .collect();
        // The figures every check depends on (FORMS.md): M01 item 1, M02 items 1 and 4, M03
        // members rated, M04 item 1 — each a finding, never a zero.
        assert_eq!(
            required,
            vec![
                "M01-SoLuong",
                "M02-BienDong",
                "M02-BienDong",
                "M03-XepLoai",
                "M04-CapUy"
            ],
            "{dash}: {doc:#}"
        );
        // The other dashes are zeros (the pack's `dash_is_zero`): not numbers' findings.
        assert!(
            !rules(&doc).iter().any(|r| r == "value.not-a-number"),
            "{doc:#}"
        );
        // The checks reading the required figures are counted as not applied.
        assert!(
            doc["summary"]["not_applied"].as_u64().unwrap() > 0,
            "{doc:#}"
        );
        let (code, text) = human(&path);
        assert_eq!(code, Some(1));
        assert!(!text.contains("  clean"), "{text}");
        assert!(text.contains("checks not applied: "), "{text}");
    }
}

#[test]
fn an_infinite_percentage_is_a_finding_of_its_own() {
    // A number no spreadsheet keeps as finite: `1e999` in the cell's XML reads as infinity.
    const MARK: f64 = 987654.125;
    let bytes = write_with(&branch(), &Layout::default(), &|_, _, col, c| {
        (col == Col::Pct && matches!(c, Content::Number(..))).then_some(Content::Number(MARK, None))
    });
    let bytes = replace_in_sheets(&bytes, "<v>987654.125</v>", "<v>1e999</v>");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("infinite.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let (code, doc) = json(&path);
    assert_eq!(code, Some(1), "{doc:#}");
    let found = rules(&doc);
    let infinite = found.iter().filter(|r| *r == "value.not-finite").count();
    assert!(infinite > 10, "every percentage is a finding: {found:?}");
    // No percentage check passes on an infinity.
    assert!(found.iter().all(|r| !r.ends_with("percent")), "{found:?}");
    let (_, text) = human(&path);
    assert!(text.contains("which is not a finite number"), "{text}");
    assert!(!text.contains("  clean"), "{text}");
}

#[test]
fn an_overflowing_sum_is_a_finding_and_its_check_is_skipped_not_passed() {
    // Two age groups of 1e308: their sum is beyond the largest number.
    let bytes = write_with(&branch(), &Layout::default(), &|form, item, col, _| {
        (form == "M01" && col == Col::Count && matches!(item, "3.1" | "3.2"))
            .then_some(Content::Number(1e308, None))
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let (code, doc) = json(&path);
    assert_eq!(code, Some(1), "{doc:#}");
    let overflow: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "check.not-finite")
        .collect();
    assert!(
        overflow
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("M01.age-sum")),
        "{doc:#}"
    );
    let file = &doc["files"][0];
    let not_applied = file["not_applied"].as_array().unwrap();
    assert!(
        not_applied
            .iter()
            .any(|n| n["rule"] == "M01.age-sum" && n["reason"] == "not-finite" && n["count"] == 1),
        "{file:#}"
    );
    let total: u64 = not_applied
        .iter()
        .map(|n| n["count"].as_u64().unwrap())
        .sum();
    assert_eq!(doc["summary"]["not_applied"].as_u64(), Some(total));
    // JUnit: the check is skipped with why, never a passing case.
    let xml = junit(&path);
    let case = xml
        .split("<testcase name=\"M01.age-sum\"")
        .nth(1)
        .and_then(|rest| rest.split("<testcase").next())
        .unwrap_or_default();
    assert!(
        case.contains(
            "<skipped message=\"checks not applied: its figures are too large to compute with (1)\"/>"
        ),
        "{xml}"
    );
    let (code, text) = human(&path);
    assert_eq!(code, Some(1));
    assert!(
        text.contains("M01.age-sum: its figures are too large to compute with"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.ends_with(&format!("; checks not applied: {total}"))),
        "{text}"
    );
}

#[test]
fn a_check_reading_an_unreadable_figure_is_counted_as_not_applied() {
    let layout = Layout {
        text_in: vec![("M01", "3.1", "khoảng 5".to_string())],
        ..Layout::default()
    };
    let bytes = write_with(&branch(), &layout, &|_, _, _, _| None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let (code, doc) = json(&path);
    assert_eq!(code, Some(1), "{doc:#}");
    assert_eq!(rules(&doc), vec!["value.not-a-number"], "{doc:#}");
    // The age groups' sum and the group's percentage read it: both not applied, and said.
    assert_eq!(
        doc["files"][0]["not_applied"],
        serde_json::json!([
            {"rule": "M01.age-sum", "reason": "unreadable-figure", "count": 1},
            {"rule": "M01.percent", "reason": "unreadable-figure", "count": 1}
        ]),
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["not_applied"], 2);
    let (_, text) = human(&path);
    assert!(
        text.contains(
            "  checks not applied: 2\n          M01.age-sum: a figure it reads could not be read\n"
        ),
        "{text}"
    );
    let xml = junit(&path);
    assert!(
        xml.contains("<testcase name=\"M01.age-sum\" classname=\"")
            && xml.contains(
                "<skipped message=\"checks not applied: a figure it reads could not be read (1)\"/>"
            ),
        "{xml}"
    );
    assert!(xml.contains("skipped=\"2\""), "{xml}");
}

#[test]
fn a_workbook_whose_checks_none_applied_says_so() {
    // Only M04, its total a dash: every check of M04 reads the total.
    let layout = Layout {
        omit: vec!["M01", "M02", "M03"],
        ..Layout::default()
    };
    let bytes = write_with(&branch(), &layout, &|_, item, col, _| {
        (item == "1" && col == Col::Count).then(|| Content::Text("-".into()))
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m04.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let (code, doc) = json(&path);
    assert_eq!(code, Some(1), "{doc:#}");
    let found = rules(&doc);
    assert!(
        found.contains(&"workbook.no-check-applied".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"value.required".to_string()), "{found:?}");
    let (_, text) = human(&path);
    assert!(
        text.contains("no check of the forms found could be applied to this workbook"),
        "{text}"
    );
    // With the total given, the same workbook is checked and clean: the finding is not noise.
    let bytes = write_with(&branch(), &layout, &|_, _, _, _| None);
    std::fs::write(&path, bytes).unwrap();
    let (code, doc) = json(&path);
    assert!(
        !rules(&doc).contains(&"workbook.no-check-applied".to_string()),
        "{doc:#}"
    );
    assert_eq!(doc["summary"]["not_applied"], 0, "{doc:#}");
    assert_eq!(code, Some(0), "{doc:#}");
}
