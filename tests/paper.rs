//! The review workbook and the marked copies read on screen and on paper (issue 24, point 2),
//! read back from their XML: every text too long for its column is wrapped in a row tall enough
//! for it, the lists print on A4 in landscape one page across with their headings repeated,
//! frozen and filtered, the Summary's chart names every branch (or there is none when there
//! are too many for one page), and the notes print (below a copied sheet; in the marked copy's
//! "Ghi chú" column).
//!
//! The bound on row heights is independent of crossfoot's estimate: a line holds at most 1.4
//! characters per unit of column width (measured on LibreOffice's rendering of the samples:
//! Vietnamese text at Calibri's metrics runs at about that), at 15 points a line less a little.

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use crossfoot::check::FileResult;
use crossfoot::read::sniff::Container;
use crossfoot::run::{collect, InProcess, Options, Run};
use crossfoot::write::annotate::{review_workbook, Lang, ReviewOptions, MAX_CHART_BRANCHES};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::Path;

type Book = Xlsx<Cursor<Vec<u8>>>;

fn samples() -> Vec<FileResult> {
    let pack = crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).expect("pack");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let inputs = collect(&[dir]).files;
    let opts = Options {
        keep_sheets: true,
        ..Options::default()
    };
    Run::new(&pack, opts, &InProcess).check_all(&inputs, None)
}

fn vi() -> ReviewOptions {
    ReviewOptions {
        lang: Lang::Vi,
        max_copied_sheets: 300,
    }
}

fn part(bytes: &[u8], name: &str) -> Option<String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut f = zip.by_name(name).ok()?;
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8 part");
    Some(s)
}

/// The worksheet part of each sheet, by name, through the workbook's relationships.
fn sheet_parts(bytes: &[u8]) -> Vec<(String, String)> {
    let wb = part(bytes, "xl/workbook.xml").expect("workbook");
    let rels = part(bytes, "xl/_rels/workbook.xml.rels").expect("rels");
    let sheet =
        Regex::new(r#"<sheet name="([^"]*)" sheetId="\d+" (?:xmlns:r="[^"]*" )?r:id="([^"]*)""#)
            .expect("regex");
    sheet
        .captures_iter(&wb)
        .map(|c| {
            let id = &c[2];
            let target = Regex::new(&format!(r#"Id="{id}"[^>]*Target="([^"]*)""#))
                .expect("regex")
                .captures(&rels)
                .or_else(|| {
                    Regex::new(&format!(r#"Target="([^"]*)"[^>]*Id="{id}""#))
                        .expect("regex")
                        .captures(&rels)
                })
                .map(|t| t[1].trim_start_matches('/').to_string())
                .expect("target");
            let target = if target.starts_with("xl/") {
                target
            } else {
                format!("xl/{target}")
            };
            (c[1].replace("&amp;", "&"), target)
        })
        .collect()
}

/// Whether each cell format of `cellXfs` wraps its text.
fn wrapping_formats(bytes: &[u8]) -> Vec<bool> {
    let styles = part(bytes, "xl/styles.xml").expect("styles");
    let block = Regex::new(r"(?s)<cellXfs[^>]*>.*?</cellXfs>")
        .expect("regex")
        .find(&styles)
        .expect("cellXfs")
        .as_str()
        .to_string();
    Regex::new(r"(?s)<xf [^>]*/>|<xf [^>]*[^/]>.*?</xf>")
        .expect("regex")
        .find_iter(&block)
        .map(|m| m.as_str().contains(r#"wrapText="1""#))
        .collect()
}

fn col_index(letters: &str) -> u32 {
    letters
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1))
        - 1
}

/// Row heights (points, 0-based rows), cell formats by (row, col), and column widths.
struct Layout {
    heights: BTreeMap<u32, f64>,
    formats: BTreeMap<(u32, u32), usize>,
    widths: BTreeMap<u32, f64>,
}

fn layout(xml: &str) -> Layout {
    let heights = Regex::new(r#"<row r="(\d+)"[^>]*?ht="([\d.]+)""#)
        .expect("regex")
        .captures_iter(xml)
        .map(|c| {
            (
                c[1].parse::<u32>().expect("row") - 1,
                c[2].parse().expect("ht"),
            )
        })
        .collect();
    let formats = Regex::new(r#"<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?"#)
        .expect("regex")
        .captures_iter(xml)
        .map(|c| {
            (
                (c[2].parse::<u32>().expect("row") - 1, col_index(&c[1])),
                c.get(3).map_or(0, |s| s.as_str().parse().expect("s")),
            )
        })
        .collect();
    let mut widths = BTreeMap::new();
    for c in Regex::new(r#"<col min="(\d+)" max="(\d+)" width="([\d.]+)""#)
        .expect("regex")
        .captures_iter(xml)
    {
        let (a, b): (u32, u32) = (c[1].parse().expect("min"), c[2].parse().expect("max"));
        for col in a..=b {
            widths.insert(col - 1, c[3].parse().expect("width"));
        }
    }
    Layout {
        heights,
        formats,
        widths,
    }
}

/// The lines a text needs at the most characters a line can hold (1.4 a width unit).
fn lines_at_least(text: &str, width: f64) -> usize {
    let per_line = (width * 1.4).max(1.0);
    text.split('\n')
        .map(|p| ((p.chars().count() as f64) / per_line).ceil().max(1.0) as usize)
        .sum()
}

/// Every text of the rows `rows` of `sheet` that does not fit its column on one line is
/// wrapped, and its row is tall enough for it. Returns how many such texts were checked.
fn texts_fit(
    bytes: &[u8],
    book: &mut Book,
    sheet: &str,
    xml: &str,
    rows: std::ops::RangeInclusive<u32>,
) -> usize {
    let wraps = wrapping_formats(bytes);
    let l = layout(xml);
    let range = book.worksheet_range(sheet).expect("sheet");
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut checked = 0;
    for (y, x, d) in range.used_cells() {
        let (row, col) = (r0 + y as u32, c0 + x as u32);
        let Data::String(text) = d else { continue };
        if !rows.contains(&row) {
            continue;
        }
        let width = l.widths.get(&col).copied().unwrap_or(8.43);
        let lines = lines_at_least(text, width);
        if lines < 2 {
            continue;
        }
        checked += 1;
        let at = format!("{sheet} row {} col {col}: {text:?}", row + 1);
        let format = l.formats.get(&(row, col)).copied().unwrap_or(0);
        assert!(wraps[format], "not wrapped: {at}");
        let height = l.heights.get(&row).copied().unwrap_or(15.0);
        assert!(
            height >= 14.0 * lines as f64,
            "{height} points for {lines} lines: {at}"
        );
    }
    checked
}

/// A4 (`paperSize="9"`), landscape, fitted to one page across and as many down as it takes.
fn a4_landscape_one_across(xml: &str, what: &str) {
    let setup = Regex::new(r"<pageSetup [^>]*/>")
        .expect("regex")
        .find(xml)
        .unwrap_or_else(|| panic!("{what}: no page setup"))
        .as_str();
    assert!(setup.contains(r#"paperSize="9""#), "{what}: A4: {setup}");
    assert!(
        setup.contains(r#"orientation="landscape""#),
        "{what}: {setup}"
    );
    // fitToWidth is 1 when left out.
    assert!(
        !setup.contains("fitToWidth=") || setup.contains(r#"fitToWidth="1""#),
        "{what}: {setup}"
    );
    assert!(setup.contains(r#"fitToHeight="0""#), "{what}: {setup}");
    assert!(xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "{what}");
}

/// The rows the workbook repeats at the top of each printed page of its sheet `index`.
fn print_titles(bytes: &[u8], index: usize) -> Option<String> {
    let wb = part(bytes, "xl/workbook.xml").expect("workbook");
    Regex::new(&format!(
        r#"<definedName name="_xlnm.Print_Titles" localSheetId="{index}">([^<]*)</definedName>"#
    ))
    .expect("regex")
    .captures(&wb)
    .map(|c| c[1].replace("&apos;", "'"))
}

#[test]
fn the_review_workbook_reads_on_paper() {
    let results = samples();
    assert_eq!(results.len(), 12);
    let bytes = review_workbook(&results, &vi()).expect("review");
    let mut book: Book = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("opens");
    let parts = sheet_parts(&bytes);
    let xml_of = |i: usize| part(&bytes, &parts[i].1).expect("sheet part");

    // Summary and Findings: A4 landscape, one page across, the header row repeated, frozen
    // and filtered; every long text wrapped in a row tall enough.
    // (The Summary's table: the totals line below it runs on over empty cells.)
    for (i, name, last_col, rows) in [
        (0, "Tổng hợp", "H", 1..=12),
        (1, "Phát hiện", "L", 1..=u32::MAX),
    ] {
        assert_eq!(parts[i].0, name);
        let xml = xml_of(i);
        a4_landscape_one_across(&xml, name);
        assert_eq!(print_titles(&bytes, i), Some(format!("'{name}'!$1:$1")));
        assert!(
            xml.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "{name}: frozen header"
        );
        assert!(
            Regex::new(&format!(r#"<autoFilter ref="A1:{last_col}\d+"/>"#))
                .expect("regex")
                .is_match(&xml),
            "{name}: filters on"
        );
        let checked = texts_fit(&bytes, &mut book, name, &xml, rows);
        assert!(checked > 0, "{name}: no long text to check");
    }
    // The "most likely" texts (with their "or, if N more figures are wrong …") are the longest.
    let findings = book.worksheet_range("Phát hiện").expect("findings");
    let longest = (1..findings.height() as u32)
        .map(|r| match findings.get_value((r, 10)) {
            Some(Data::String(s)) => s.chars().count(),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    assert!(longest > 400, "{longest}");

    // The chart names every branch: one category a row of the table, one line a label, and
    // room for each (26 pixels or more a branch).
    let chart = part(&bytes, "xl/charts/chart1.xml").expect("a chart for 12 branches");
    assert!(
        chart.contains("'Tổng hợp'!$H$2:$H$13"),
        "every branch a category"
    );
    let skip = Regex::new(r#"<c:tickLblSkip val="(\d+)"/>"#).expect("regex");
    assert!(
        skip.captures_iter(&chart).all(|c| &c[1] == "1"),
        "no label skipped"
    );
    let summary = book.worksheet_range("Tổng hợp").expect("summary");
    for r in 1..=12u32 {
        let label = match summary.get_value((r, 7)) {
            Some(Data::String(s)) => s.clone(),
            other => panic!("label of row {r}: {other:?}"),
        };
        assert!(!label.is_empty() && label.chars().count() <= 24, "{label}");
    }
    let drawing = part(&bytes, "xl/drawings/drawing1.xml").expect("drawing");
    // Anchored from one cell to another, over rows of the default height (20 pixels).
    let anchor = Regex::new(
        r"<xdr:from><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff></xdr:from><xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row><xdr:rowOff>(\d+)</xdr:rowOff>",
    )
    .expect("regex")
    .captures(&drawing)
    .expect("chart anchor");
    let n = |i: usize| -> f64 { anchor[i].parse().expect("number") };
    let pixels = (n(3) - n(1)) * 20.0 + (n(4) - n(2)) / 9525.0;
    assert!(pixels >= 26.0 * 12.0, "{pixels} pixels");

    // The copies: A4, one page across, the table's header rows repeated; their notes printed
    // below the cells, one entry per note, under "Ghi chú".
    let comment_refs = |sheet_part: &str| -> BTreeSet<String> {
        let rels_part = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels";
        let Some(rels) = part(&bytes, &rels_part) else {
            return BTreeSet::new();
        };
        let Some(c) = Regex::new(r#"Target="\.\./(comments\d+\.xml)""#)
            .expect("regex")
            .captures(&rels)
        else {
            return BTreeSet::new();
        };
        let comments = part(&bytes, &format!("xl/{}", &c[1])).expect("comments");
        Regex::new(r#"<comment ref="([A-Z]+\d+)""#)
            .expect("regex")
            .captures_iter(&comments)
            .map(|c| c[1].to_string())
            .collect()
    };
    let mut noted_copies = 0;
    for (i, (name, sheet_part)) in parts.iter().enumerate().skip(2) {
        let xml = part(&bytes, sheet_part).expect("copy");
        assert!(xml.contains(r#"paperSize="9""#), "{name}: A4");
        assert!(xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#), "{name}");
        assert!(print_titles(&bytes, i).is_some(), "{name}: header repeated");
        let notes = comment_refs(sheet_part);
        let range = book.worksheet_range(name).expect("copy");
        let heading = range
            .rows()
            .position(|r| r.first() == Some(&Data::String("Ghi chú".into())));
        if notes.is_empty() {
            assert_eq!(heading, None, "{name}");
            continue;
        }
        noted_copies += 1;
        let heading = heading.unwrap_or_else(|| panic!("{name}: notes not printed"));
        let printed: BTreeSet<String> = range
            .rows()
            .skip(heading + 1)
            .filter_map(|r| match r.first() {
                Some(Data::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(printed, notes, "{name}: every note printed, by its cell");
    }
    assert!(noted_copies >= 5, "{noted_copies}");
}

#[test]
fn many_branches_get_the_table_without_a_chart() {
    let one = samples();
    let mut results = Vec::new();
    while results.len() <= MAX_CHART_BRANCHES {
        results.extend(one.iter().cloned());
    }
    let bytes = review_workbook(&results, &vi()).expect("review");
    assert!(part(&bytes, "xl/charts/chart1.xml").is_none());
    let few = review_workbook(&one, &vi()).expect("review");
    assert!(part(&few, "xl/charts/chart1.xml").is_some());
}

#[test]
fn a_marked_copy_reads_on_paper() {
    let results = samples();
    let r = results
        .iter()
        .find(|r| r.path.ends_with("branch-gender-split.xlsx"))
        .expect("sample");
    let input = std::fs::read(&r.path).expect("sample bytes");
    let limits = crossfoot::read::load::Limits::default();
    let filter = Regex::new(r#"<autoFilter ref="A3:I\d+"/>"#).expect("regex");
    for (container, how) in [(Container::Xlsx, "edited"), (Container::Ods, "rebuilt")] {
        // The .ods path rebuilds the copy from the values read: the same result serves.
        let marked = crossfoot::write::mark::mark_workbook(&input, container, r, Lang::Vi, &limits)
            .expect("marked");
        let bytes = marked.bytes;
        let parts = sheet_parts(&bytes);
        let (index, (name, sheet_part)) = parts
            .iter()
            .enumerate()
            .find(|(_, (n, _))| n == "Kết quả kiểm tra")
            .expect("findings sheet");
        let xml = part(&bytes, sheet_part).expect("findings sheet part");
        a4_landscape_one_across(&xml, how);
        assert_eq!(
            print_titles(&bytes, index),
            Some(format!("'{name}'!$3:$3")),
            "{how}"
        );
        assert!(
            xml.contains(r#"ySplit="3" topLeftCell="A4""#) && xml.contains(r#"state="frozen""#),
            "{how}: frozen headings"
        );
        assert!(filter.is_match(&xml), "{how}: filters on");
        // One table across: the columns add up to at most 200 characters.
        let width: f64 = layout(&xml).widths.values().sum();
        assert!(width <= 200.0, "{how}: {width}");
        let mut book: Book = open_workbook_from_rs(Cursor::new(bytes.clone())).expect("opens");
        let checked = texts_fit(&bytes, &mut book, name, &xml, 2..=u32::MAX);
        assert!(checked > 0, "{how}: no long text to check");
        // The notes print: the "Ghi chú" column says what the note on the cell adds.
        let range = book.worksheet_range(name).expect("findings");
        assert_eq!(
            range.get_value((2, 8)),
            Some(&Data::String("Ghi chú".into()))
        );
        let notes: Vec<String> = (3..range.height() as u32)
            .filter_map(|r| match range.get_value((r, 8)) {
                Some(Data::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert!(
            notes.iter().any(|n| n.starts_with("crossfoot: có lẽ là ")),
            "{how}: {notes:?}"
        );
    }
}
