//! The annotated review workbook: branch workbooks with slips are written, checked with the
//! built-in pack, and the review workbook built from the results is read back — sheet names
//! and order, values and formulas (calamine), and the hyperlinks, notes, fills and chart from
//! the package's XML (zip).

use crate::common;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::forms::{write_branch_to, Branch, Layout, OneSheet, TotalStyle};
use crossfoot::check::FileResult;
use crossfoot::run::{collect, InProcess, Options, Run};
use crossfoot::write::annotate::{review_workbook, write_review, Lang, ReviewError, ReviewOptions};
use crossfoot::write::output::{Replace, Target};
use regex::Regex;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

type Book = Xlsx<Cursor<Vec<u8>>>;

/// Four submissions in a folder, sorted by path:
/// - `a-broken.xlsx`: a web page saved with an .xlsx name (unreadable);
/// - `b-td09.xlsx`: M04 left out (a warning about the whole workbook);
/// - `td07.xlsx`: men + women ≠ total, a wrong women's percent, a count cell holding the text
///   `=không rõ`; totals as formulas with cached results; a two-row merged header;
/// - `td08.xlsx`: clean.
struct Fixture {
    dir: TempDir,
    results: Vec<FileResult>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut b = Branch::clean("Chi bộ Bản Bo", "TD-07", 7);
    b.m01.gender[0] += 1;
    b.m01.women_pct += 1.0;
    let layout = Layout {
        totals: TotalStyle::Formulas,
        heading_totals: true,
        merged_header: true,
        text_in: vec![("M01", "9.2", "=không rõ".to_string())],
        ..Layout::default()
    };
    write_branch_to(dir.path().join("td07.xlsx"), &b, &layout).expect("write td07");
    let c = Branch::clean("Chi bộ Nà Tăm", "TD-08", 8);
    write_branch_to(dir.path().join("td08.xlsx"), &c, &Layout::default()).expect("write td08");
    let d = Branch::clean("Chi bộ Sơn Bình", "TD-09", 9);
    let no_m04 = Layout {
        omit: vec!["M04"],
        ..Layout::default()
    };
    write_branch_to(dir.path().join("b-td09.xlsx"), &d, &no_m04).expect("write td09");
    std::fs::write(
        dir.path().join("a-broken.xlsx"),
        b"<html><body>not a workbook</body></html>",
    )
    .expect("write broken");
    let results = check(dir.path());
    Fixture { dir, results }
}

fn check(dir: &Path) -> Vec<FileResult> {
    check_with(
        dir,
        &Options {
            keep_sheets: true,
            ..Options::default()
        },
    )
}

fn check_with(dir: &Path, opts: &Options) -> Vec<FileResult> {
    let pack = crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).expect("pack");
    let inputs = collect(&[dir.to_path_buf()]).files;
    Run::new(&pack, opts.clone(), &InProcess).check_all(&inputs, None)
}

fn vi() -> ReviewOptions {
    ReviewOptions {
        lang: Lang::Vi,
        max_copied_sheets: 300,
    }
}

fn open(bytes: &[u8]) -> Book {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("calamine opens the review")
}

fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut f = zip
        .by_name(name)
        .unwrap_or_else(|_| panic!("no part {name}"));
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8 part");
    s
}

fn sheet_xml(bytes: &[u8], index: usize) -> String {
    part(bytes, &format!("xl/worksheets/sheet{}.xml", index + 1))
}

/// The comments (notes) part of the sheet at `index`, through its relationships.
fn comments_xml(bytes: &[u8], index: usize) -> String {
    let rels = part(
        bytes,
        &format!("xl/worksheets/_rels/sheet{}.xml.rels", index + 1),
    );
    let re = Regex::new(r#"Target="\.\./(comments\d+\.xml)""#).expect("regex");
    let target = &re.captures(&rels).expect("the sheet has notes")[1];
    part(bytes, &format!("xl/{target}"))
}

use crate::common::comment_text as note;

/// `(location, display)` of the hyperlink on `cell`.
fn hyperlink(sheet: &str, cell: &str) -> Option<(String, String)> {
    let re = Regex::new(&format!(
        r#"<hyperlink ref="{cell}" location="([^"]*)" display="([^"]*)""#
    ))
    .ok()?;
    let c = re.captures(sheet)?;
    Some((c[1].replace("&apos;", "'"), c[2].to_string()))
}

#[derive(Debug, PartialEq)]
struct Look {
    fill: Option<String>,
    thick: bool,
    bold: bool,
}

/// A cell's fill colour, whether its border is thick and its font bold, from styles.xml.
fn look(bytes: &[u8], index: usize, cell: &str) -> Look {
    let sheet = sheet_xml(bytes, index);
    let re = Regex::new(&format!(r#"<c r="{cell}"(?: s="(\d+)")?"#)).expect("regex");
    let xf: usize = re
        .captures(&sheet)
        .unwrap_or_else(|| panic!("no cell {cell}"))
        .get(1)
        .map_or(0, |m| m.as_str().parse().expect("style index"));
    let styles = part(bytes, "xl/styles.xml");
    let section = |tag: &str| -> Vec<String> {
        let re = Regex::new(&format!(r"(?s)<{tag}s count=.*?</{tag}s>")).expect("regex");
        let block = re
            .find(&styles)
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
        let item = Regex::new(&format!(r"(?s)<{tag}>.*?</{tag}>|<{tag}/>")).expect("regex");
        item.find_iter(&block)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    let xfs_re = Regex::new(r"(?s)<cellXfs count=.*?</cellXfs>").expect("regex");
    let xfs_block = xfs_re.find(&styles).expect("cellXfs").as_str();
    let xfs: Vec<&str> = Regex::new(r"<xf [^>]*>")
        .expect("regex")
        .find_iter(xfs_block)
        .map(|m| m.as_str())
        .collect();
    let attr = |x: &str, name: &str| -> usize {
        Regex::new(&format!(r#"{name}="(\d+)""#))
            .expect("regex")
            .captures(x)
            .map_or(0, |c| c[1].parse().expect("id"))
    };
    let x = xfs[xf];
    let fills = section("fill");
    let borders = section("border");
    let fonts = section("font");
    let fill = Regex::new(r#"fgColor rgb="FF([0-9A-F]{6})""#)
        .expect("regex")
        .captures(&fills[attr(x, "fillId")])
        .map(|c| c[1].to_string());
    Look {
        fill,
        thick: borders[attr(x, "borderId")].contains(r#"style="thick""#),
        bold: fonts[attr(x, "fontId")].contains("<b/>"),
    }
}

fn string(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        other => panic!("expected text, found {other:?}"),
    }
}

fn number(d: Option<&Data>) -> f64 {
    match d {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("expected a number, found {other:?}"),
    }
}

/// Zero-based (row, col) of an A1 address.
fn rc(a1: &str) -> (u32, u32) {
    let at = crossfoot::model::CellRef::parse_a1(a1).expect("A1");
    (at.row, at.col)
}

#[test]
fn sheets_are_summary_findings_then_one_marked_copy_per_checked_sheet() {
    let fx = fixture();
    let bytes = review_workbook(&fx.results, &vi()).expect("review");
    let book = open(&bytes);
    let forms = ["M01", "M02", "M03", "M04"];
    let mut want = vec!["Tổng hợp".to_string(), "Phát hiện".to_string()];
    // TD-09 has no M04.
    want.extend(forms[..3].iter().map(|f| format!("TD-09 {f}")));
    want.extend(forms.iter().map(|f| format!("TD-07 {f}")));
    want.extend(forms.iter().map(|f| format!("TD-08 {f}")));
    assert_eq!(book.sheet_names(), want);

    // Without a branch code, copies are named from the file stem; two files with one code
    // (whatever its case) are told apart by their file names, not by a number.
    let mut results = fx.results.clone();
    results[1].unit.code = None;
    results[3].unit.code = Some("td-07".to_string());
    let bytes = review_workbook(&results, &vi()).expect("review");
    let names = open(&bytes).sheet_names();
    assert_eq!(&names[2..4], ["b-td09 M01", "b-td09 M02"]);
    assert_eq!(&names[5..7], ["td07 M01", "td07 M02"]);
    assert_eq!(&names[9..11], ["td08 M01", "td08 M02"]);

    let en = review_workbook(
        &fx.results,
        &ReviewOptions {
            lang: Lang::En,
            ..vi()
        },
    )
    .expect("review");
    assert_eq!(
        &open(&en).sheet_names()[..3],
        ["Summary", "Findings", "TD-09 M01"]
    );
    drop(fx.dir);
}

#[test]
fn summary_has_a_coloured_row_per_file_a_link_to_its_first_finding_and_a_chart() {
    let fx = fixture();
    let bytes = review_workbook(&fx.results, &vi()).expect("review");
    let mut book = open(&bytes);
    let s = book.worksheet_range("Tổng hợp").expect("summary");
    let headers: Vec<String> = (0..7).map(|c| string(s.get_value((0, c)))).collect();
    assert_eq!(
        headers,
        [
            "Tệp",
            "Đơn vị",
            "Mã đơn vị",
            "Trạng thái",
            "Số lỗi",
            "Số cảnh báo",
            "Phát hiện đầu tiên"
        ]
    );
    let rows: Vec<(String, String, String, String, f64, f64)> = (1..=4)
        .map(|r| {
            let text = |c| match s.get_value((r, c)) {
                Some(Data::String(t)) => t.clone(),
                _ => String::new(),
            };
            (
                text(0).rsplit('/').next().unwrap_or_default().to_string(),
                text(1),
                text(2),
                text(3),
                number(s.get_value((r, 4))),
                number(s.get_value((r, 5))),
            )
        })
        .collect();
    assert_eq!(rows[0].0, "a-broken.xlsx");
    assert!(rows[0].3.starts_with("không đọc được: "), "{}", rows[0].3);
    assert!(
        rows[0].3.contains("HTML"),
        "the reason is given: {}",
        rows[0].3
    );
    assert_eq!(
        rows[1],
        (
            "b-td09.xlsx".into(),
            "Chi bộ Sơn Bình".into(),
            "TD-09".into(),
            "có cảnh báo".into(),
            0.0,
            1.0
        )
    );
    assert_eq!(
        rows[2],
        (
            "td07.xlsx".into(),
            "Chi bộ Bản Bo".into(),
            "TD-07".into(),
            "có lỗi".into(),
            4.0,
            0.0
        )
    );
    assert_eq!(
        rows[3],
        (
            "td08.xlsx".into(),
            "Chi bộ Nà Tăm".into(),
            "TD-08".into(),
            "sạch".into(),
            0.0,
            0.0
        )
    );
    // Grey, amber, red, green.
    let fills: Vec<Option<String>> = (2..=5)
        .map(|r| look(&bytes, 0, &format!("A{r}")).fill)
        .collect();
    let want = ["D9D9D9", "FFEB9C", "FFC7CE", "C6EFCE"].map(|c| Some(c.to_string()));
    assert_eq!(fills, want);

    // First findings, as their messages say them after their severity: the unreadable file's
    // on Findings row 2, TD-09's warning on row 3, TD-07's on row 4; none for the clean file.
    // The status links to it (a short link: LibreOffice does not wrap a linked cell's text);
    // the first finding beside it is wrapped text.
    let xml = sheet_xml(&bytes, 0);
    let mut summary = open(&bytes);
    let s = summary.worksheet_range("Tổng hợp").expect("summary");
    let first = |row: u32| string(s.get_value((row, 6)));
    let (loc, status) = hyperlink(&xml, "D2").expect("link for the unreadable file");
    assert_eq!(loc, "'Phát hiện'!A2");
    assert!(status.starts_with("không đọc được"), "{status}");
    let text = first(1);
    assert!(
        text.starts_with("không đọc được: tệp là một trang web (HTML)"),
        "{text}"
    );
    let (loc, status) = hyperlink(&xml, "D3").expect("link for td09");
    assert_eq!(
        (loc.as_str(), status.as_str(), first(2).as_str()),
        (
            "'Phát hiện'!A3",
            "có cảnh báo",
            "cảnh báo: Tệp thiếu biểu M04 (Cấp ủy viên)"
        )
    );
    let (loc, status) = hyperlink(&xml, "D4").expect("link for td07");
    assert_eq!(
        (loc.as_str(), status.as_str()),
        ("'Phát hiện'!A4", "có lỗi")
    );
    let text = first(3);
    assert!(text.starts_with("lỗi: "), "{text}");
    assert!(
        !text.contains("M01.percent"),
        "the message, not the rule id: {text}"
    );
    assert!(hyperlink(&xml, "G5").is_none());
    let f = book.worksheet_range("Phát hiện").expect("findings");
    assert_eq!(string(f.get_value((3, 4))), "M01.percent");
    assert_eq!(text, format!("lỗi: {}", string(f.get_value((3, 6)))));
    assert!(string(f.get_value((3, 0))).ends_with("td07.xlsx"));

    // Frozen header, autofilter over the table, a totals line; no line about skipped sheets.
    assert!(xml.contains(r#"<pane ySplit="1""#));
    assert!(xml.contains(r#"<autoFilter ref="A1:H5"/>"#));
    let totals = string(s.get_value((6, 0)));
    assert!(
        totals.starts_with("4 tệp: 1 sạch, 1 có cảnh báo, 1 có lỗi, 1 không đọc được"),
        "{totals}"
    );
    assert!(s.get_value((7, 0)).is_none_or(|d| *d == Data::Empty));

    // The bar chart: errors and warnings per branch, two series over the table's columns.
    let chart = part(&bytes, "xl/charts/chart1.xml");
    assert!(chart.contains("<c:barChart>"));
    assert_eq!(chart.matches("<c:ser>").count(), 2);
    assert!(chart.contains("'Tổng hợp'!$E$2:$E$5"), "errors series");
    assert!(chart.contains("'Tổng hợp'!$F$2:$F$5"), "warnings series");
    assert!(chart.contains("'Tổng hợp'!$H$2:$H$5"), "categories");
    // Branch labels for the chart: code, else name, else the file stem; a helper column,
    // hidden, that the chart still shows.
    let labels: Vec<String> = (1..=4).map(|r| string(s.get_value((r, 7)))).collect();
    assert_eq!(labels, ["a-broken", "TD-09", "TD-07", "TD-08"]);
    let col_h = Regex::new(r#"<col min="8" max="8"[^>]*/>"#).expect("regex");
    let col_h = col_h.find(&xml).expect("column H").as_str();
    assert!(col_h.contains(r#"hidden="1""#), "{col_h}");
    assert!(
        !chart.contains("<c:plotVisOnly"),
        "the chart plots the hidden labels"
    );
}

#[test]
fn findings_list_every_finding_with_numbers_as_numbers_and_links_into_the_copies() {
    let fx = fixture();
    let bytes = review_workbook(&fx.results, &vi()).expect("review");
    let mut book = open(&bytes);
    let f = book.worksheet_range("Phát hiện").expect("findings");
    let headers: Vec<String> = (0..12).map(|c| string(f.get_value((0, c)))).collect();
    assert_eq!(
        headers,
        [
            "Tệp",
            "Đơn vị",
            "Trang tính",
            "Ô",
            "Mã quy tắc",
            "Mức độ",
            "Nội dung",
            "Giá trị đúng",
            "Giá trị ghi",
            "Chênh lệch",
            "Nguyên nhân khả dĩ nhất",
            "Giá trị đề xuất"
        ]
    );
    let all: Vec<_> = fx.results.iter().flat_map(|r| r.findings.iter()).collect();
    assert_eq!(all.len(), 5);
    // The header, the unreadable file, then the findings.
    assert_eq!(f.get_size().0, all.len() + 2);
    // The unreadable file has its row too: why, and what to do, in the review's language.
    assert!(string(f.get_value((1, 0))).ends_with("a-broken.xlsx"));
    assert_eq!(string(f.get_value((1, 5))), "không đọc được");
    let why = string(f.get_value((1, 6)));
    assert!(
        why.starts_with("tệp là một trang web (HTML)")
            && why.contains("hãy mở tệp bằng Excel và lưu lại"),
        "{why}"
    );
    assert_eq!(look(&bytes, 1, "F2").fill.as_deref(), Some("D9D9D9"));
    for (i, finding) in all.iter().enumerate() {
        let r = (i + 2) as u32;
        assert_eq!(string(f.get_value((r, 4))), finding.rule);
        assert_eq!(string(f.get_value((r, 6))), finding.message);
        let sev = string(f.get_value((r, 5)));
        assert_eq!(
            sev,
            if finding.severity == crossfoot::finding::Severity::Error {
                "lỗi"
            } else {
                "cảnh báo"
            }
        );
        for (c, v) in [
            (7, finding.expected),
            (8, finding.actual),
            (9, finding.difference),
        ] {
            match v {
                Some(v) => assert_eq!(number(f.get_value((r, c))), v),
                None => assert!(f.get_value((r, c)).is_none_or(|d| *d == Data::Empty)),
            }
        }
    }
    // Men + women ≠ total, on row 5 (after the unreadable file, the form-missing warning and
    // the women's percent).
    assert_eq!(string(f.get_value((4, 4))), "M01.gender-split");
    assert_eq!(string(f.get_value((4, 1))), "Chi bộ Bản Bo");
    assert_eq!(string(f.get_value((4, 2))), "M01-SoLuong");
    assert_eq!(string(f.get_value((4, 3))), "C14");
    assert_eq!(
        (
            number(f.get_value((4, 7))),
            number(f.get_value((4, 8))),
            number(f.get_value((4, 9)))
        ),
        (51.0, 52.0, 1.0)
    );
    // Its most likely cause: the men's figure C14, one too many.
    let cause = string(f.get_value((4, 10)));
    assert!(cause.starts_with("khả năng cao nhất: C14 "), "{cause}");
    assert_eq!(string(f.get_value((4, 11))), "C14: 31");
    let xml = sheet_xml(&bytes, 1);
    assert_eq!(
        hyperlink(&xml, "D5"),
        Some(("'TD-07 M01'!C14".to_string(), "C14".to_string()))
    );
    assert_eq!(
        hyperlink(&xml, "D4"),
        Some(("'TD-07 M01'!D9".to_string(), "D9".to_string()))
    );
    // The workbook-level warning and the unreadable file name no cell: no link.
    assert!(hyperlink(&xml, "D3").is_none() && hyperlink(&xml, "D2").is_none());
    assert!(xml.contains(r#"<pane ySplit="1""#));
    assert!(xml.contains(r#"<autoFilter ref="A1:L7"/>"#));
    assert!(
        xml.contains(r#"<col min="7" max="7" width="#),
        "a wide message column"
    );
    // The message column wraps.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"wrapText="1""#));
}

#[test]
fn copies_keep_values_formulas_with_results_and_merges() {
    let fx = fixture();
    let bytes = review_workbook(&fx.results, &vi()).expect("review");
    let mut review = open(&bytes);
    let original = std::fs::read(fx.dir.path().join("td07.xlsx")).expect("td07");
    let mut orig = open(&original);
    for (sheet, copy) in [("M01-SoLuong", "TD-07 M01"), ("M03-XepLoai", "TD-07 M03")] {
        let a = orig.worksheet_range(sheet).expect("original");
        let b = review.worksheet_range(copy).expect("copy");
        assert_eq!(a.start(), b.start(), "{copy}");
        let cells = |r: &calamine::Range<Data>| -> Vec<(u32, u32, Data)> {
            let (r0, c0) = r.start().unwrap_or((0, 0));
            r.used_cells()
                .filter(|(_, _, d)| **d != Data::Empty)
                .map(|(y, x, d)| (r0 + y as u32, c0 + x as u32, d.clone()))
                .collect()
        };
        let (ca, mut cb) = (cells(&a), cells(&b));
        // Two columns right of the copied cells, where it comes from and a link back to the
        // Summary (the copied cells keep their addresses).
        let banner = ca.iter().map(|c| c.1).max().expect("cells") + 2;
        let said: Vec<(u32, u32, Data)> = cb.iter().filter(|c| c.1 == banner).cloned().collect();
        let source = fx.dir.path().join("td07.xlsx");
        assert_eq!(
            said,
            [
                (
                    0,
                    banner,
                    Data::String(format!(
                        "Sao từ tệp: {}, trang tính {sheet}",
                        source.display()
                    ))
                ),
                (1, banner, Data::String("← Về trang Tổng hợp".into())),
            ],
            "{copy}"
        );
        let index = review
            .sheet_names()
            .iter()
            .position(|s| s == copy)
            .expect("copy");
        let xml = sheet_xml(&bytes, index);
        let at = format!("{}2", (b'A' + banner as u8) as char);
        assert_eq!(
            hyperlink(&xml, &at).map(|l| l.0),
            Some("'Tổng hợp'!A4".to_string()),
            "td07 is the third file: row 4 of the Summary"
        );
        assert!(xml.contains("<oddHeader>&amp;LSao từ tệp: "), "printed too");
        cb.retain(|c| c.1 != banner);
        // Below the copied cells, two rows down, the notes printed: "Ghi chú", then each
        // note's cell and text (notes on cells do not print).
        let last = ca.iter().map(|c| c.0).max().expect("cells");
        let printed: Vec<(u32, u32, Data)> = cb.iter().filter(|c| c.0 > last).cloned().collect();
        let noted = copy == "TD-07 M01";
        assert_eq!(
            printed.first(),
            noted
                .then(|| (last + 2, 0, Data::String("Ghi chú".into())))
                .as_ref(),
            "{copy}"
        );
        assert!(
            !noted || printed
                .iter()
                .any(|c| c.1 == 1 && matches!(&c.2, Data::String(t) if t.starts_with("[lỗi] "))),
            "{copy}: {printed:?}"
        );
        cb.retain(|c| c.0 <= last);
        // The copy holds exactly the original's values (numbers as numbers, text as text).
        let norm = |v: Vec<(u32, u32, Data)>| -> Vec<(u32, u32, String)> {
            v.into_iter()
                .map(|(y, x, d)| {
                    let s = match d {
                        Data::Int(i) => format!("n{}", i as f64),
                        Data::Float(f) => format!("n{f}"),
                        Data::String(s) => format!("s{s}"),
                        other => format!("{other:?}"),
                    };
                    (y, x, s)
                })
                .collect()
        };
        assert_eq!(norm(ca), norm(cb), "{copy}");
        let fa = orig.worksheet_formula(sheet).expect("formulas");
        let fb = review.worksheet_formula(copy).expect("formulas");
        let formulas = |r: &calamine::Range<String>| -> Vec<(u32, u32, String)> {
            let (r0, c0) = r.start().unwrap_or((0, 0));
            r.used_cells()
                .filter(|(_, _, f)| !f.is_empty())
                .map(|(y, x, f)| (r0 + y as u32, c0 + x as u32, f.clone()))
                .collect()
        };
        let (fa, fb) = (formulas(&fa), formulas(&fb));
        assert!(!fa.is_empty(), "the fixture has formulas in {sheet}");
        assert_eq!(fa, fb, "{copy}");
    }
    // The total =C11+C12 keeps its cached result, so a reader that does not recalculate
    // shows the same figure.
    let m01 = review.worksheet_range("TD-07 M01").expect("copy");
    let total = &fx.results[2].kept[0];
    assert_eq!(total.name, "M01-SoLuong");
    let c8 = total
        .get(crossfoot::model::CellRef::parse_a1("C8").expect("C8"))
        .expect("C8");
    assert_eq!(c8.formula.as_deref(), Some("C11+C12"));
    assert_eq!(number(m01.get_value(rc("C8"))), 51.0);
    let xml = sheet_xml(&bytes, 5);
    assert!(xml.contains(r#"<c r="C8" s=""#) && xml.contains("<f>C11+C12</f><v>51</v>"));

    // Merges kept: the two-row header.
    let dims = |b: &mut Book, s: &str| -> Vec<String> {
        let mut v: Vec<String> = b
            .merge_cells_by_sheet_name(s)
            .expect("merges")
            .iter()
            .map(|d| format!("{:?}-{:?}", d.start, d.end))
            .collect();
        v.sort();
        v
    };
    let want = dims(&mut orig, "M01-SoLuong");
    assert_eq!(want.len(), 3);
    // Below the copied cells, each printed note is merged across the sheet's columns.
    let end = orig
        .worksheet_range("M01-SoLuong")
        .expect("original")
        .end()
        .expect("cells")
        .0;
    let (copied, notes): (Vec<String>, Vec<String>) =
        dims(&mut review, "TD-07 M01").into_iter().partition(|d| {
            let row: u32 = d[1..d.find(',').unwrap_or(1)].parse().unwrap_or(0);
            row <= end
        });
    assert_eq!(copied, want);
    assert!(!notes.is_empty());
    assert!(notes.iter().all(|d| d.contains(", 1)-(")), "{notes:?}");
    // The header rows are bold, the data rows are not.
    assert!(look(&bytes, 5, "B6").bold && look(&bytes, 5, "C7").bold && look(&bytes, 5, "D7").bold);
    assert!(!look(&bytes, 5, "B9").bold);
}

#[test]
fn cells_named_by_findings_are_filled_and_carry_one_note_listing_every_finding() {
    let fx = fixture();
    let bytes = review_workbook(&fx.results, &vi()).expect("review");
    let book = open(&bytes);
    let m01 = book
        .sheet_names()
        .iter()
        .position(|s| s == "TD-07 M01")
        .expect("TD-07 M01");
    // C14 (men) is the cell men + women ≠ total most suspects, and read by the men's percent:
    // the strongest mark, and one note with both findings.
    let c14 = look(&bytes, m01, "C14");
    assert_eq!(
        c14,
        Look {
            fill: Some("FF7C80".into()),
            thick: true,
            bold: true
        }
    );
    // C15 (women) was only read: a lighter fill, no thick border.
    let c15 = look(&bytes, m01, "C15");
    assert_eq!((c15.fill.as_deref(), c15.thick), (Some("FFD7D7"), false));
    // An untouched cell.
    assert_eq!(look(&bytes, m01, "C20").fill, None);

    let comments = comments_xml(&bytes, m01);
    let n14 = note(&comments, "C14").expect("note on C14");
    assert!(n14.contains("[lỗi] M01.gender-split"), "{n14}");
    assert!(
        n14.contains("Nam + Nữ = 52, khác tổng số đảng viên 51"),
        "{n14}"
    );
    assert!(n14.contains("[lỗi] M01.percent"), "{n14}");
    assert_eq!(comments.matches(r#"<comment ref="C14""#).count(), 1);
    // C14 is one of the two figures the check adds up: the note says its own figure and that,
    // not the sum's.
    assert!(
        n14.contains("Ô này (32) là một trong các số dùng để tính số được kiểm tra"),
        "{n14}"
    );
    assert!(!n14.contains("Giá trị ghi: 52"), "{n14}");
    // The total C8 is read by three checks: one note, all three; its own figure and its part
    // in each, none of their totals.
    let n8 = note(&comments, "C8").expect("note on C8");
    assert_eq!(n8.matches("[lỗi]").count(), 3, "{n8}");
    assert!(
        n8.contains("C14") && n8.contains("D9") && n8.contains("D14"),
        "{n8}"
    );
    assert!(
        n8.contains("Ô này (51) là số dùng để đối chiếu"),
        "men + women against the total: {n8}"
    );
    assert_eq!(
        n8.matches("Ô này (51) là một trong các số dùng để tính giá trị đúng")
            .count(),
        2,
        "the base of two percentages: {n8}"
    );
    assert!(
        !n8.contains("Giá trị ghi") && !n8.contains("Giá trị đúng:"),
        "{n8}"
    );
    // C15 (women) was only read: its own figure, its part.
    let n15 = note(&comments, "C15").expect("note on C15");
    assert!(
        n15.contains("Ô này (20) là một trong các số dùng để tính số được kiểm tra")
            && !n15.contains("Giá trị ghi: 52"),
        "{n15}"
    );
    // The wrong percent D9.
    let n9 = note(&comments, "D9").expect("note on D9");
    assert!(
        n9.contains("Giá trị đúng: 39,22; Giá trị ghi: 40,22"),
        "{n9}"
    );
    assert!(note(&comments, "C20").is_none());
    // Notes are crossfoot's, not "Author"'s.
    assert!(
        comments.contains("<author>crossfoot</author>")
            && !comments.contains("<author>Author</author>")
    );

    // A warning fills amber: the clean copy of a file with only a workbook-level warning has
    // no marks at all, and the clean branch's copies none either.
    let td08 = book
        .sheet_names()
        .iter()
        .position(|s| s == "TD-08 M01")
        .expect("TD-08");
    assert!(!part(
        &bytes,
        &format!("xl/worksheets/_rels/sheet{}.xml.rels", m01 + 1)
    )
    .is_empty());
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).expect("zip");
    assert!(zip
        .by_name(&format!("xl/worksheets/_rels/sheet{}.xml.rels", td08 + 1))
        .is_err());
}

#[test]
fn text_that_starts_with_an_equals_sign_stays_text() {
    let fx = fixture();
    let bytes = review_workbook(&fx.results, &vi()).expect("review");
    let mut book = open(&bytes);
    let m01 = book.worksheet_range("TD-07 M01").expect("copy");
    assert_eq!(string(m01.get_value(rc("C68"))), "=không rõ");
    let f = book.worksheet_formula("TD-07 M01").expect("formulas");
    let (r0, c0) = f.start().unwrap_or((0, 0));
    let (r, c) = rc("C68");
    let at = f.get(((r - r0) as usize, (c - c0) as usize));
    assert!(at.is_none_or(String::is_empty), "{at:?}");
    let index = book
        .sheet_names()
        .iter()
        .position(|s| s == "TD-07 M01")
        .expect("copy");
    let xml = sheet_xml(&bytes, index);
    let cell = Regex::new(r#"<c r="C68"[^>]*>(.*?)</c>"#).expect("regex");
    let inner = &cell.captures(&xml).expect("C68")[0];
    assert!(!inner.contains("<f>"), "{inner}");
    // And it is marked: the checker said it is not a number.
    assert_eq!(look(&bytes, index, "C68").fill.as_deref(), Some("FF7C80"));
}

#[test]
fn the_same_results_give_the_same_bytes() {
    let fx = fixture();
    let a = review_workbook(&fx.results, &vi()).expect("review");
    let b = review_workbook(&fx.results, &vi()).expect("review");
    assert!(a == b, "two builds from the same results differ");
    // A second check of the same files, on one thread.
    let again = check_with(
        fx.dir.path(),
        &Options {
            keep_sheets: true,
            jobs: 1,
            ..Options::default()
        },
    );
    let c = review_workbook(&again, &vi()).expect("review");
    assert!(a == c, "a second check gives another workbook");
    let core = part(&a, "docProps/core.xml");
    assert!(core.contains("2000-01-01T00:00:00Z"), "{core}");
}

#[test]
fn the_review_never_overwrites_an_input_and_is_written_atomically() {
    let fx = fixture();
    let input = fx.dir.path().join("td07.xlsx");
    let before = std::fs::read(&input).expect("td07");
    let inputs: Vec<PathBuf> = vec![fx.dir.path().to_path_buf(), input.clone()];
    // The same file under another spelling is refused too.
    let other = fx.dir.path().join(".").join("td07.xlsx");
    fn own(p: &Path) -> Target<'_> {
        Target::new(p, Replace::Own("review"))
    }
    for out in [input.clone(), other] {
        let err = write_review(&own(&out), &inputs, &fx.results, &vi()).expect_err("refused");
        assert!(matches!(err, ReviewError::OutputIsInput { .. }), "{err:?}");
    }
    assert_eq!(
        std::fs::read(&input).expect("td07"),
        before,
        "the input is unchanged"
    );
    let err = write_review(&own(fx.dir.path()), &inputs, &fx.results, &vi()).expect_err("a folder");
    assert!(matches!(err, ReviewError::OutputIsFolder { .. }), "{err:?}");
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
    assert!(help.is_some_and(|h| h.ends_with("review.xlsx")));
    let missing = fx.dir.path().join("no-such-folder").join("review.xlsx");
    let err = write_review(&own(&missing), &inputs, &fx.results, &vi()).expect_err("no folder");
    assert!(matches!(err, ReviewError::Write { .. }), "{err:?}");

    let out_dir = tempfile::tempdir().expect("out dir");
    let out = out_dir.path().join("review.xlsx");
    // A file crossfoot did not write is left as it is; an earlier review workbook is replaced.
    std::fs::write(&out, b"not a review").expect("other file");
    let err = write_review(&own(&out), &inputs, &fx.results, &vi()).expect_err("not ours");
    assert!(matches!(err, ReviewError::Write { .. }), "{err:?}");
    assert_eq!(std::fs::read(&out).expect("kept"), b"not a review");
    std::fs::remove_file(&out).expect("rm");
    write_review(
        &Target::new(&out, Replace::Nothing),
        &inputs,
        &fx.results,
        &vi(),
    )
    .expect("written new");
    write_review(&own(&out), &inputs, &fx.results, &vi()).expect("an earlier review replaced");
    let written = std::fs::read(&out).expect("review");
    assert_eq!(
        written,
        review_workbook(&fx.results, &vi()).expect("review")
    );
    let left: Vec<_> = std::fs::read_dir(out_dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, ["review.xlsx"], "no temporary file left behind");
    // Diagnostics carry a code and help, in their language.
    for (lang, help) in [
        (Lang::En, "name the review workbook"),
        (Lang::Vi, "hãy đặt tên khác"),
    ] {
        let diag: &dyn miette::Diagnostic = &ReviewError::OutputIsInput {
            path: input.clone(),
            lang,
        };
        assert!(diag.code().is_some());
        let said = diag.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(said.starts_with(help), "{said}");
    }
}

#[test]
fn beyond_the_sheet_limit_only_sheets_with_findings_are_copied() {
    let fx = fixture();
    let opts = ReviewOptions {
        lang: Lang::En,
        max_copied_sheets: 5,
    };
    let bytes = review_workbook(&fx.results, &opts).expect("review");
    let mut book = open(&bytes);
    // 11 sheets checked; only TD-07's M01 carries findings (TD-09's warning is about the
    // whole workbook).
    assert_eq!(book.sheet_names(), ["Summary", "Findings", "TD-07 M01"]);
    let s = book.worksheet_range("Summary").expect("summary");
    let line = string(s.get_value((7, 0)));
    assert!(
        line.starts_with("10 of the 11 checked sheets carry no finding and were not copied"),
        "{line}"
    );
    let xml = sheet_xml(&bytes, 1);
    assert_eq!(
        hyperlink(&xml, "D5").map(|l| l.0),
        Some("'TD-07 M01'!C14".to_string())
    );
}

/// Beyond the limit the check keeps only the sheets with findings (memory follows the findings),
/// and the review is the same as from a check that kept every sheet.
#[test]
fn beyond_the_sheet_limit_the_check_keeps_only_sheets_with_findings() {
    let fx = fixture();
    let bounded = check_with(
        fx.dir.path(),
        &Options {
            keep_sheets: true,
            copy_all_up_to: 5,
            jobs: 1,
            ..Options::default()
        },
    );
    let kept = |results: &[FileResult]| -> usize { results.iter().map(|r| r.kept.len()).sum() };
    assert_eq!(kept(&fx.results), 11);
    // One thread, files in path order: b-td09's 3 sheets (3 seen, within the limit), then
    // td07's 4 (7, beyond: only its M01 with findings) and td08's 4 (none with findings).
    assert_eq!(kept(&bounded), 4);
    let opts = ReviewOptions {
        lang: Lang::En,
        max_copied_sheets: 5,
    };
    assert_eq!(
        review_workbook(&bounded, &opts).expect("review"),
        review_workbook(&fx.results, &opts).expect("review")
    );
}

#[test]
fn nothing_to_review_still_gives_a_valid_workbook() {
    for results in [Vec::new(), check(tempfile::tempdir().expect("dir").path())] {
        let bytes = review_workbook(&results, &vi()).expect("review");
        let mut book = open(&bytes);
        assert_eq!(book.sheet_names(), ["Tổng hợp", "Phát hiện"]);
        let s = book.worksheet_range("Tổng hợp").expect("summary");
        assert!(string(s.get_value((2, 0))).starts_with("0 tệp"));
    }
}

#[test]
fn two_files_with_one_code_are_told_apart_by_their_file_names_shortened_to_fit() {
    let fx = fixture();
    let mut results = fx.results.clone();
    // td07 and td08 sent under one code, with long file names that differ at their ends.
    for (i, n) in [(2, 1), (3, 2)] {
        results[i].unit.code = Some("TD-07".to_string());
        results[i].path = format!("nop/Báo cáo thống kê đảng viên năm 2021 - bản gửi lần {n}.xlsx");
    }
    let bytes = review_workbook(&results, &vi()).expect("review");
    let mut book = open(&bytes);
    let names = book.sheet_names();
    let ours: Vec<&String> = names[5..].iter().collect();
    assert_eq!(ours.len(), 8, "{names:?}");
    for n in &ours {
        assert!(n.encode_utf16().count() <= 31, "{n}");
        assert!(!n.ends_with(')'), "no (2): {n}");
        assert!(n.contains('…'), "shortened in its middle: {n}");
    }
    assert!(ours[..4].iter().all(|n| n.contains("lần 1")), "{ours:?}");
    assert!(ours[4..].iter().all(|n| n.contains("lần 2")), "{ours:?}");
    assert!(
        ours[0].starts_with("Báo cáo") && ours[0].ends_with(" M01"),
        "{}",
        ours[0]
    );
    // The chart tells them apart the same way; TD-09 keeps its code.
    let s = book.worksheet_range("Tổng hợp").expect("summary");
    let labels: Vec<String> = (1..=4).map(|r| string(s.get_value((r, 7)))).collect();
    assert_eq!(labels[1], "TD-09");
    // Shortened in their middle to one line of the chart (24 characters), the ends kept.
    for (label, end) in labels[2..].iter().zip(["lần 1", "lần 2"]) {
        assert!(
            label.starts_with("Báo cáo") && label.ends_with(end) && label.contains('…'),
            "{label}"
        );
        assert!(label.chars().count() <= 24, "{label}");
    }
}

/// The review workbook's own sheets (Summary, Findings) in the run's language: no English word
/// in the Vietnamese one, none of crossfoot's Vietnamese words in the English one (the
/// workbooks' own text — names, labels, sheet names — aside). Words as tests/cli.rs splits them:
/// tokens with `/`, `.` or `!` (paths, rule ids, cell references) left out.
#[test]
fn the_review_workbooks_own_sheets_speak_the_runs_language_only() {
    fn words_of(text: &str) -> Vec<String> {
        text.split_whitespace()
            .filter(|t| !t.contains('/') && !t.contains('.') && !t.contains('!'))
            .flat_map(|t| t.split(|c: char| !c.is_alphabetic()))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    }
    let texts = |lang: &str| -> String {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("review.xlsx");
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["check", "samples/", "--lang", lang, "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{run:?}");
        let bytes = std::fs::read(&out).unwrap();
        let mut book = open(&bytes);
        let names = book.sheet_names();
        let mut all = String::new();
        for name in names.iter().take(2) {
            let range = book.worksheet_range(name).unwrap();
            for (_, _, d) in range.used_cells() {
                if let Data::String(s) = d {
                    all.push_str(s);
                    all.push('\n');
                }
            }
        }
        all
    };
    let english = [
        "expected",
        "found",
        "difference",
        "cells",
        "read",
        "clean",
        "error",
        "errors",
        "warning",
        "warnings",
        "info",
        "checked",
        "unreadable",
        "cannot",
        "hint",
        "file",
        "files",
        "the",
        "is",
        "not",
        "save",
        "it",
        "workbook",
        "summary",
        "findings",
        "sheet",
        "unit",
        "status",
        "first",
        "finding",
        "suggested",
        "likely",
        "cause",
        "total",
    ];
    let vi = texts("vi");
    assert!(
        vi.contains("lỗi") && vi.contains("Nam + Nữ"),
        "the sheets were read: {vi}"
    );
    let found: Vec<String> = words_of(&vi)
        .into_iter()
        .filter(|w| english.contains(&w.as_str()))
        .collect();
    assert!(
        found.is_empty(),
        "English in the Vietnamese review: {found:?}\n{vi}"
    );
    let en = texts("en");
    assert!(
        en.contains("error") && en.contains("Men + women"),
        "the sheets were read: {en}"
    );
    for vietnamese in [
        "lỗi",
        "cảnh báo",
        "sạch",
        "tệp",
        "trang tính",
        "phát hiện",
        "đơn vị",
        "không đọc được",
        "tổng cộng",
    ] {
        assert!(
            !en.to_lowercase().contains(vietnamese),
            "{vietnamese} in the English review:\n{en}"
        );
    }
}

/// A form read in part (here: M01 twice on one sheet, neither read) says so on its file's
/// status, with how surely it was read.
#[test]
fn the_summary_says_which_forms_were_read_in_part() {
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = Layout {
        one_sheet: OneSheet::M01Twice,
        ..Layout::default()
    };
    let b = Branch::clean("Chi bộ Bản Bo", "TD-07", 7);
    write_branch_to(dir.path().join("td07.xlsx"), &b, &layout).expect("write td07");
    let results = check(dir.path());
    let bytes = review_workbook(&results, &vi()).expect("review");
    let mut book = open(&bytes);
    let s = book.worksheet_range("Tổng hợp").expect("summary");
    assert_eq!(
        string(s.get_value((1, 3))),
        "có lỗi; biểu đọc chưa trọn: M01 0 %"
    );
}
