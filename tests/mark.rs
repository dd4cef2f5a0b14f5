//! Marked copies (`check --mark DIR`): the branch's own package edited, not rebuilt.
//!
//! A richly formatted copy of `samples/branch-percent-rounding.xlsx` (two slips: M01 D8 and
//! M02 D11) is written here with rust_xlsxwriter — fonts, fills, double borders, number
//! formats, widths and heights, merged cells, a formula with its result, a defined name, notes
//! (one on a cell a finding reads), data validation, a conditional format, and a second sheet
//! holding no form with a formula and a chart — and the same workbook saved by LibreOffice.
//! Each is marked and the copy is read back: (a) every zip entry that need not change is
//! byte-identical (stored bytes and CRC); (b) the marked cells keep their font, border, number
//! format and alignment and gain the fill and a note — read with this file's own XML reading
//! (regular expressions over styles.xml, the sheet and the comments parts); (c) LibreOffice
//! converts each copy to PDF; (d) `crossfoot check` on the copy gives the findings of the
//! original. An .xlsm keeps its `vbaProject.bin` (taken at run time from the corpus, when present).

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use crossfoot::check::FileResult;
use crossfoot::read::load::Limits;
use crossfoot::read::sniff::Container;
use crossfoot::run::{collect, InProcess, Options, Run};
use crossfoot::write::annotate::Lang;
use crossfoot::write::mark::{self, How};
use regex::Regex;
use rust_xlsxwriter::{
    Chart, ChartType, ConditionalFormatCell, ConditionalFormatCellRule, DataValidation,
    DataValidationRule, Format, FormatBorder, Formula, Note, Workbook,
};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/samples/branch-percent-rounding.xlsx"
);

/// The sample's cells, by sheet (in order).
type Cells = Vec<((u32, u32), Data)>;

fn sample_cells() -> Vec<(String, Cells)> {
    let bytes = std::fs::read(SAMPLE).unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let cells = range
                .cells()
                .filter(|(_, _, d)| !matches!(d, Data::Empty))
                .map(|(r, c, d)| ((r as u32 + r0, c as u32 + c0), d.clone()))
                .collect();
            (n, cells)
        })
        .collect()
}

/// The sample, richly formatted (see the module documentation); with a VBA project when given.
fn rich_workbook(vba: Option<&Path>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_font_name("Times New Roman");
    let header = Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_border(FormatBorder::Double)
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    let count = Format::new()
        .set_num_format("#,##0")
        .set_border(FormatBorder::Double)
        .set_font_color(0x1F4E79);
    let percent = Format::new()
        .set_num_format("0.00")
        .set_border(FormatBorder::Double)
        .set_italic()
        .set_align(rust_xlsxwriter::FormatAlign::Right);
    let text = Format::new().set_border(FormatBorder::Thin);
    for (si, (name, cells)) in sample_cells().into_iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(&name).unwrap();
        ws.set_column_width(0, 8).unwrap();
        ws.set_column_width(1, 42).unwrap();
        ws.set_column_width(2, 12).unwrap();
        ws.set_column_width(3, 12).unwrap();
        ws.set_row_height(0, 24).unwrap();
        let header_row = cells
            .iter()
            .find(|(_, d)| matches!(d, Data::String(s) if s == "STT"))
            .map(|((r, _), _)| *r);
        for ((r, c), d) in &cells {
            let (r, c16) = (*r, *c as u16);
            let in_table = header_row.is_some_and(|h| r > h);
            match d {
                Data::String(s) if r == 0 => {
                    // The title merged over the table's width.
                    ws.merge_range(0, 0, 0, 3, s, &title).unwrap();
                }
                Data::String(s) if Some(r) == header_row => {
                    ws.write_string_with_format(r, c16, s, &header).unwrap();
                }
                Data::String(s) if in_table => {
                    ws.write_string_with_format(r, c16, s, &text).unwrap();
                }
                Data::String(s) => {
                    ws.write_string(r, c16, s).unwrap();
                }
                Data::Float(f) if in_table && (f.fract() != 0.0 || *c == 3) => {
                    // The percentages; the total's 100.00 as a formula with its result.
                    if si == 0 && *f == 100.0 && *c == 3 {
                        let at = format!("C{}", r + 1);
                        ws.write_formula_with_format(
                            r,
                            c16,
                            Formula::new(format!("={at}/{at}*100")).set_result("100"),
                            &percent,
                        )
                        .unwrap();
                    } else {
                        ws.write_number_with_format(r, c16, *f, &percent).unwrap();
                    }
                }
                Data::Float(f) if in_table => {
                    ws.write_number_with_format(r, c16, *f, &count).unwrap();
                }
                Data::Float(f) => {
                    ws.write_number(r, c16, *f).unwrap();
                }
                Data::Int(i) => {
                    ws.write_number_with_format(r, c16, *i as f64, &count)
                        .unwrap();
                }
                other => panic!("unexpected sample cell {other:?}"),
            }
        }
        if si == 0 {
            // A note the branch wrote on a cell a finding reads (C8), and one elsewhere.
            ws.insert_note(7, 2, &Note::new("Số của tháng 12").set_author("Chi bộ"))
                .unwrap();
            ws.insert_note(6, 1, &Note::new("Ghi chú gốc").set_author("Chi bộ"))
                .unwrap();
            ws.add_data_validation(
                7,
                2,
                60,
                2,
                &DataValidation::new()
                    .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0)),
            )
            .unwrap();
            ws.add_conditional_format(
                7,
                3,
                60,
                3,
                &ConditionalFormatCell::new()
                    .set_rule(ConditionalFormatCellRule::GreaterThan(100))
                    .set_format(Format::new().set_font_color(0xFF0000)),
            )
            .unwrap();
            ws.set_landscape();
        }
    }
    // A second kind of sheet: no form, a formula and a chart.
    let ws = wb.add_worksheet();
    ws.set_name("Ghi chu").unwrap();
    ws.write_string(0, 0, "Năm").unwrap();
    ws.write_string(0, 1, "Số đảng viên").unwrap();
    for (i, (y, n)) in [(2019, 90), (2020, 94), (2021, 97)].iter().enumerate() {
        ws.write_number(i as u32 + 1, 0, *y).unwrap();
        ws.write_number(i as u32 + 1, 1, *n).unwrap();
    }
    ws.write_formula(4, 1, Formula::new("=SUM(B2:B4)").set_result("281"))
        .unwrap();
    let mut chart = Chart::new(ChartType::Column);
    chart
        .add_series()
        .set_categories("='Ghi chu'!$A$2:$A$4")
        .set_values("='Ghi chu'!$B$2:$B$4");
    ws.insert_chart(6, 0, &chart).unwrap();
    wb.define_name("TongSo", "='M01-SoLuong'!$C$7").unwrap();
    if let Some(v) = vba {
        wb.add_vba_project(v).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn pack() -> crossfoot::rules::Pack {
    crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).expect("pack")
}

fn check(path: &Path) -> FileResult {
    let inputs = collect(&[path.to_path_buf()]).files;
    let opts = Options {
        keep_sheets: true,
        ..Options::default()
    };
    let mut r = Run::new(&pack(), opts, &InProcess).check_all(&inputs, None);
    assert_eq!(r.len(), 1);
    r.remove(0)
}

/// What a finding says, without the file it is in.
fn said(r: &FileResult) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?} {:?} {:?} {:?} {}",
                f.rule, f.severity, f.sheet, f.cells, f.expected, f.actual, f.message
            )
        })
        .collect()
}

struct Zip {
    /// name → (data, crc, stored size)
    entries: BTreeMap<String, (Vec<u8>, u32, u64)>,
}

fn unzip(bytes: &[u8]) -> Zip {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut entries = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        entries.insert(
            f.name().unwrap().into_owned(),
            (data, f.crc32(), f.compressed_size()),
        );
    }
    Zip { entries }
}

impl Zip {
    fn text(&self, name: &str) -> String {
        String::from_utf8(
            self.entries
                .get(name)
                .unwrap_or_else(|| panic!("no {name}"))
                .0
                .clone(),
        )
        .unwrap()
    }

    /// Sheet name → its part, from workbook.xml and its relationships.
    fn sheet_parts(&self) -> BTreeMap<String, String> {
        let wb = self.text("xl/workbook.xml");
        let rels = self.text("xl/_rels/workbook.xml.rels");
        let rel = Regex::new(r#"<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)""#).unwrap();
        let rel2 = Regex::new(r#"<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)""#).unwrap();
        let mut targets: BTreeMap<String, String> = rel
            .captures_iter(&rels)
            .map(|c| (c[1].to_string(), c[2].to_string()))
            .collect();
        targets.extend(
            rel2.captures_iter(&rels)
                .map(|c| (c[2].to_string(), c[1].to_string())),
        );
        let sheet = Regex::new(r#"<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)""#).unwrap();
        sheet
            .captures_iter(&wb)
            .map(|c| {
                let t = &targets[&c[2]];
                let part = t
                    .strip_prefix('/')
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("xl/{t}"));
                (c[1].replace("&amp;", "&"), part)
            })
            .collect()
    }

    /// The `s` of a cell in a sheet part (0 when absent).
    fn style_of(&self, part: &str, cell: &str) -> Option<usize> {
        let xml = self.text(part);
        let tag = Regex::new(&format!(r#"<c r="{cell}"[^>]*>"#)).unwrap();
        let t = tag.find(&xml)?.as_str().to_string();
        let s = Regex::new(r#" s="(\d+)""#).unwrap();
        Some(s.captures(&t).map_or(0, |c| c[1].parse().unwrap()))
    }

    /// The `<xf>` elements of `cellXfs`, raw.
    fn xfs(&self) -> Vec<String> {
        let st = self.text("xl/styles.xml");
        let block = Regex::new(r"(?s)<cellXfs[^>]*>(.*?)</cellXfs>").unwrap();
        let inner = block.captures(&st).unwrap()[1].to_string();
        let xf = Regex::new(r"(?s)<xf\b[^>]*?/>|<xf\b[^>]*?[^/]>.*?</xf>").unwrap();
        xf.find_iter(&inner)
            .map(|m| m.as_str().to_string())
            .collect()
    }

    fn fills(&self) -> Vec<String> {
        let st = self.text("xl/styles.xml");
        let block = Regex::new(r"(?s)<fills[^>]*>(.*?)</fills>").unwrap();
        let inner = block.captures(&st).unwrap()[1].to_string();
        let fill = Regex::new(r"(?s)<fill>.*?</fill>|<fill/>").unwrap();
        fill.find_iter(&inner)
            .map(|m| m.as_str().to_string())
            .collect()
    }

    /// The comments part of a sheet part, from its relationships.
    fn comments_of(&self, part: &str) -> String {
        let (dir, file) = part.rsplit_once('/').unwrap();
        let rels = self.text(&format!("{dir}/_rels/{file}.rels"));
        let re = Regex::new(r#"<Relationship [^>]*?Type="[^"]*/comments"[^>]*?Target="([^"]+)""#)
            .unwrap();
        let re2 = Regex::new(r#"<Relationship [^>]*?Target="([^"]+)"[^>]*?Type="[^"]*/comments""#)
            .unwrap();
        let t = re
            .captures(&rels)
            .or_else(|| re2.captures(&rels))
            .expect("a comments relationship")[1]
            .to_string();
        let path = if let Some(abs) = t.strip_prefix('/') {
            abs.to_string()
        } else {
            let mut parts: Vec<&str> = dir.split('/').collect();
            for p in t.split('/') {
                if p == ".." {
                    parts.pop();
                } else {
                    parts.push(p);
                }
            }
            parts.join("/")
        };
        self.text(&path)
    }
}

/// An attribute of a raw tag.
fn attr_of(tag: &str, key: &str) -> Option<String> {
    Regex::new(&format!(r#"\b{key}="([^"]*)""#))
        .unwrap()
        .captures(tag)
        .map(|c| c[1].to_string())
}

/// The `<xf>` with its fill attributes and the tag's own layout left out: what must not change.
fn xf_kept(xf: &str) -> (Option<String>, Option<String>, Option<String>, String) {
    let inner = xf.split_once('>').map_or("", |(_, r)| r).to_string();
    (
        attr_of(xf, "fontId"),
        attr_of(xf, "borderId"),
        attr_of(xf, "numFmtId"),
        inner,
    )
}

/// Marks the workbook at `path` and checks (a), (b), (d); returns the copy's bytes.
fn mark_and_verify(path: &Path, expect_ext: &str) -> Vec<u8> {
    let original = std::fs::read(path).unwrap();
    let result = check(path);
    assert!(
        result.findings.len() >= 2,
        "the rich workbook carries the sample's slips: {:?}",
        said(&result)
    );
    let marked = mark::mark_workbook(
        &original,
        Container::Xlsx,
        &result,
        Lang::Vi,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(marked.how, How::Edited, "{}", path.display());
    assert_eq!(marked.extension, expect_ext);
    let before = unzip(&original);
    let after = unzip(&marked.bytes);
    let parts = before.sheet_parts();
    let marked_sheets: BTreeSet<&str> = result
        .findings
        .iter()
        .flat_map(|f| f.cells.iter().map(|c| c.sheet.as_str()))
        .collect();
    // (a) Every entry that need not change is byte for byte the original's.
    let mut may_change: BTreeSet<String> = [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "docProps/custom.xml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in &marked_sheets {
        let part = &parts[*s];
        may_change.insert(part.clone());
        let (dir, file) = part.rsplit_once('/').unwrap();
        may_change.insert(format!("{dir}/_rels/{file}.rels"));
    }
    let mut changed = Vec::new();
    for (name, (data, crc, stored)) in &before.entries {
        let (d2, c2, s2) = after
            .entries
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing from the copy"));
        let same = data == d2 && crc == c2 && stored == s2;
        if !same {
            changed.push(name.clone());
        }
        let is_notes = name.contains("comments") || name.contains("vmlDrawing");
        if !may_change.contains(name) && !is_notes {
            assert!(same, "{name} changed in the copy of {}", path.display());
        }
    }
    for must in ["xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml"] {
        assert!(changed.iter().any(|c| c == must), "{must} was not edited");
    }
    assert!(
        after
            .text("docProps/custom.xml")
            .contains("<vt:lpwstr>marked</vt:lpwstr>"),
        "crossfoot's mark"
    );
    // The new sheet, last, in the output language.
    let names: Vec<String> = after.sheet_parts().into_keys().collect();
    assert!(names.iter().any(|n| n == "Kết quả kiểm tra"), "{names:?}");
    let wb_xml = after.text("xl/workbook.xml");
    assert!(
        wb_xml.rfind("name=\"Kết quả kiểm tra\"") > wb_xml.rfind("name=\"M04-CapUy\""),
        "the findings sheet comes last"
    );

    // (b) The marked cells keep their font, border, number format and alignment, and gain a
    // fill in the severity's colour and a note.
    let (xb, xa) = (before.xfs(), after.xfs());
    let fills = after.fills();
    for f in &result.findings {
        for (i, c) in f.cells.iter().enumerate() {
            if c.file.is_some() {
                continue;
            }
            let part = &parts[&c.sheet];
            let s0 = before.style_of(part, &c.cell);
            let s1 = after
                .style_of(part, &c.cell)
                .unwrap_or_else(|| panic!("{}!{} is in the copy", c.sheet, c.cell));
            let new = &xa[s1];
            if let Some(s0) = s0 {
                assert_eq!(
                    xf_kept(&xb[s0]),
                    xf_kept(new),
                    "{}!{} keeps its format",
                    c.sheet,
                    c.cell
                );
            }
            let fill = &fills[attr_of(new, "fillId").unwrap().parse::<usize>().unwrap()];
            let (strong, light) = crossfoot::write::annotate::mark_fill(f.severity);
            assert!(
                fill.contains(&format!("FF{strong:06X}"))
                    || (i > 0 && fill.contains(&format!("FF{light:06X}"))),
                "{}!{}: {fill}",
                c.sheet,
                c.cell
            );
            assert_eq!(attr_of(new, "applyFill").as_deref(), Some("1"));
        }
    }
    // The strongest cell of the M01 slip, its neighbour with the branch's own note.
    let m01 = &parts["M01-SoLuong"];
    let comments = after.comments_of(m01);
    let note = Regex::new(r#"(?s)<comment ref="C8"[^>]*>(.*?)</comment>"#).unwrap();
    let c8 = note.captures(&comments).expect("C8 keeps its note")[1].to_string();
    assert!(
        c8.contains("Số của tháng 12"),
        "the branch's note is kept: {c8}"
    );
    assert!(
        c8.contains("crossfoot ["),
        "crossfoot's text is added: {c8}"
    );
    let d8 = Regex::new(r#"(?s)<comment ref="D8"[^>]*>(.*?)</comment>"#).unwrap();
    let d8 = d8.captures(&comments).expect("D8 gets a note")[1].to_string();
    assert!(
        d8.contains("M01.percent") && d8.contains("giá trị đúng: 42,27"),
        "{d8}"
    );
    assert!(comments.contains("Ghi chú gốc"), "the other note is kept");

    // (d) The copy is read as the original: same figures, same findings.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("copy.{expect_ext}"));
    std::fs::write(&copy, &marked.bytes).unwrap();
    let again = check(&copy);
    assert_eq!(
        said(&again),
        said(&result),
        "the marked copy checks the same"
    );
    marked.bytes
}

fn soffice() -> &'static str {
    ["soffice", "libreoffice"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect(
            "LibreOffice (soffice) is not installed: install libreoffice-calc-nogui (.ci/run does)",
        )
}

/// Converts `file` with LibreOffice into `to` (pdf, xlsx, ods) in `out`; the path written.
pub fn convert(file: &Path, to: &str, out: &Path) -> PathBuf {
    let profile = format!(
        "-env:UserInstallation=file://{}",
        out.join("lo-profile").display()
    );
    let conv = Command::new(soffice())
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            to,
            "--outdir",
        ])
        .arg(out)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        conv.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&conv.stderr)
    );
    let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
    let ext = to.split(':').next().unwrap();
    let p = out.join(format!("{stem}.{ext}"));
    assert!(
        p.exists(),
        "soffice wrote no {}: {}",
        p.display(),
        String::from_utf8_lossy(&conv.stdout)
    );
    p
}

/// (c) LibreOffice opens the copy and converts it to PDF.
fn converts_to_pdf(bytes: &[u8], ext: &str) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("marked.{ext}"));
    std::fs::write(&copy, bytes).unwrap();
    let pdf = convert(&copy, "pdf", dir.path());
    let pdf = std::fs::read(pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF") && pdf.len() > 5_000, "a real PDF");
}

#[test]
#[ignore = "needs LibreOffice (soffice); CI installs it and runs it"]
fn a_rich_workbook_is_marked_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rich.xlsx");
    std::fs::write(&path, rich_workbook(None)).unwrap();
    let bytes = mark_and_verify(&path, "xlsx");
    // The chart, the defined name, validation and conditional format are the original's parts.
    let after = unzip(&bytes);
    assert!(after.entries.contains_key("xl/charts/chart1.xml"));
    assert!(after.text("xl/workbook.xml").contains("TongSo"));
    let m01 = after.text(&after.sheet_parts()["M01-SoLuong"]);
    assert!(m01.contains("<dataValidations") && m01.contains("<conditionalFormatting"));
    assert!(
        m01.contains("<f>C7/C7*100</f>"),
        "the formula is kept as it was"
    );
    converts_to_pdf(&bytes, "xlsx");
}

#[test]
#[ignore = "needs LibreOffice (soffice); CI installs it and runs it"]
fn a_workbook_saved_by_libreoffice_is_marked_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let rich = src.join("lo.xlsx");
    std::fs::write(&rich, rich_workbook(None)).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let saved = convert(&rich, "xlsx:Calc MS Excel 2007 XML", &out);
    let bytes = mark_and_verify(&saved, "xlsx");
    converts_to_pdf(&bytes, "xlsx");
}

/// The corpus's `calamine__vba.xlsm` (`../shared/corpus/real-world`, when present, as in
/// tests/corpus.rs), whose VBA project is taken at run time (never into the repository).
fn corpus_vba(dir: &Path) -> Option<PathBuf> {
    let xlsm = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/real-world/calamine__vba.xlsm");
    let bytes = std::fs::read(xlsm).ok()?;
    let z = unzip(&bytes);
    let vba = &z.entries.get("xl/vbaProject.bin")?.0;
    let p = dir.join("vbaProject.bin");
    std::fs::write(&p, vba).ok()?;
    Some(p)
}

#[test]
#[ignore = "needs ../shared (the corpus's VBA project) and LibreOffice; CI runs it"]
fn an_xlsm_keeps_its_macros_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let Some(vba) = corpus_vba(dir.path()) else {
        panic!("../shared/corpus/real-world/calamine__vba.xlsm is needed for this test");
    };
    let path = dir.path().join("macros.xlsm");
    std::fs::write(&path, rich_workbook(Some(&vba))).unwrap();
    let bytes = mark_and_verify(&path, "xlsm");
    let (before, after) = (unzip(&std::fs::read(&path).unwrap()), unzip(&bytes));
    assert_eq!(
        before.entries["xl/vbaProject.bin"],
        after.entries["xl/vbaProject.bin"]
    );
    assert!(after
        .text("[Content_Types].xml")
        .contains("macroEnabled.main+xml"));
    converts_to_pdf(&bytes, "xlsm");
}

#[test]
#[ignore = "needs LibreOffice (soffice); CI installs it and runs it"]
fn a_package_that_cannot_be_edited_safely_is_rebuilt_with_the_reason() {
    // The workbook already carries another crossfoot mark (a district summary's): not edited.
    let dir = tempfile::tempdir().unwrap();
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let orig = rich_workbook(None);
    let mut src = zip::ZipArchive::new(Cursor::new(orig.as_slice())).unwrap();
    for i in 0..src.len() {
        z.raw_copy_file(src.by_index_raw(i).unwrap()).unwrap();
    }
    z.start_file(
        "docProps/custom.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut z, br#"<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="crossfoot"><vt:lpwstr>summary</vt:lpwstr></property></Properties>"#).unwrap();
    let bytes = z.finish().unwrap().into_inner();
    let path = dir.path().join("odd.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let result = check(&path);
    let marked = mark::mark_workbook(
        &bytes,
        Container::Xlsx,
        &result,
        Lang::En,
        &Limits::default(),
    )
    .unwrap();
    let How::Rebuilt(why) = &marked.how else {
        panic!("rebuilt")
    };
    assert!(why.contains("another crossfoot mark"), "{why}");
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(marked.bytes.clone())).unwrap();
    let names = wb.sheet_names().to_vec();
    assert_eq!(names.last().map(String::as_str), Some("crossfoot findings"));
    let notes = wb.worksheet_range("crossfoot findings").unwrap();
    let first = notes.get_value((0, 0)).unwrap().to_string();
    assert!(first.contains("rebuilt") && first.contains(why), "{first}");
    // The rebuilt copy is still read as the branch's figures.
    let copy = dir.path().join("copy.xlsx");
    std::fs::write(&copy, &marked.bytes).unwrap();
    assert_eq!(said(&check(&copy)), said(&result));
    converts_to_pdf(&marked.bytes, "xlsx");
}

#[test]
#[ignore = "needs LibreOffice (soffice); CI installs it and runs it"]
fn an_ods_gets_a_rebuilt_copy_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rich = dir.path().join("branch.xlsx");
    std::fs::write(&rich, rich_workbook(None)).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let ods = convert(&rich, "ods", &out);
    let result = check(&ods);
    assert!(!result.findings.is_empty());
    let bytes = std::fs::read(&ods).unwrap();
    let marked = mark::mark_workbook(
        &bytes,
        Container::Ods,
        &result,
        Lang::Vi,
        &Limits::default(),
    )
    .unwrap();
    assert!(matches!(&marked.how, How::Rebuilt(w) if w.contains(".ods")));
    assert_eq!(
        mark::copy_name("branch.ods", Container::Ods, Lang::Vi, marked.extension),
        "branch.tu-ods.kiem-tra.xlsx"
    );
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(marked.bytes.clone())).unwrap();
    assert_eq!(
        wb.sheet_names().last().map(String::as_str),
        Some("Kết quả kiểm tra")
    );
    let first = wb
        .worksheet_range("Kết quả kiểm tra")
        .unwrap()
        .get_value((0, 0))
        .unwrap()
        .to_string();
    assert!(first.contains("dựng lại"), "{first}");
}

fn crossfoot(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_command_line_writes_copies_and_never_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let rich = rich_workbook(None);
    std::fs::write(inbox.join("td03.xlsx"), &rich).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/samples/branch-clean.xlsx"),
        inbox.join("clean.xlsx"),
    )
    .unwrap();
    let marked = dir.path().join("marked");
    let review = dir.path().join("review.xlsx");
    let out = crossfoot(&[
        "check".as_ref(),
        inbox.as_os_str(),
        "--mark".as_ref(),
        marked.as_os_str(),
        "-o".as_ref(),
        review.as_os_str(),
        "-q".as_ref(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let copy = marked.join("td03.kiem-tra.xlsx");
    assert!(copy.exists(), "{err}");
    // In the pack's language (Vietnamese: no --lang given).
    assert!(err.contains("đã ghi bản đánh dấu của"), "{err}");
    assert!(!err.contains("wrote the marked copy"), "{err}");
    assert!(review.exists(), "--mark combines with -o: {err}");
    assert!(
        !marked.join("clean.kiem-tra.xlsx").exists(),
        "no findings, no copy"
    );
    assert_eq!(
        std::fs::read(inbox.join("td03.xlsx")).unwrap(),
        rich,
        "input untouched"
    );

    // --mark-all marks the clean workbook too.
    let all = dir.path().join("all");
    let out = crossfoot(&[
        "check".as_ref(),
        inbox.as_os_str(),
        "--mark".as_ref(),
        all.as_os_str(),
        "--mark-all".as_ref(),
        "-q".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(all.join("clean.kiem-tra.xlsx").exists());

    // Copies written into the folder being checked: a marked copy is checked again like any
    // workbook (it is the branch's), and a copy whose name is an input is refused.
    let out = crossfoot(&[
        "check".as_ref(),
        inbox.as_os_str(),
        "--mark".as_ref(),
        inbox.as_os_str(),
        "-q".as_ref(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first_copy = std::fs::read(inbox.join("td03.kiem-tra.xlsx")).unwrap();
    let out = crossfoot(&[
        "check".as_ref(),
        inbox.as_os_str(),
        "--mark".as_ref(),
        inbox.as_os_str(),
        "-q".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "a copy was refused: {err}");
    // Said in the run's language (the built-in pack's: Vietnamese).
    assert!(
        err.contains("sẽ ghi đè lên một tệp mà lần chạy này đọc"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(inbox.join("td03.kiem-tra.xlsx")).unwrap(),
        first_copy,
        "an input is never written over"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("td03.kiem-tra.xlsx"),
        "the copy was checked"
    );
    assert!(inbox.join("td03.kiem-tra.kiem-tra.xlsx").exists());

    // A file as DIR is refused before any work.
    let out = crossfoot(&[
        "check".as_ref(),
        inbox.as_os_str(),
        "--mark".as_ref(),
        inbox.join("td03.xlsx").as_os_str(),
        "--lang".as_ref(),
        "en".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("this is a file"));
}

#[test]
fn a_file_that_changed_since_the_run_began_is_not_marked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("td03.xlsx");
    let rich = rich_workbook(None);
    std::fs::write(&path, &rich).unwrap();
    let inputs = collect(std::slice::from_ref(&path)).files;
    let stamps = crossfoot::run::marked::stamps(&inputs);
    let opts = Options {
        keep_sheets: true,
        ..Options::default()
    };
    let results = Run::new(&pack(), opts, &InProcess).check_all(&inputs, None);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let m = crossfoot::run::marked::MarkRun {
        dir: &out,
        all: false,
        lang: Lang::En,
        limits: Limits::default(),
        read_timeout: std::time::Duration::from_secs(30),
        protected: BTreeSet::new(),
        force: false,
        other_outputs: Vec::new(),
    };
    // Unchanged: marked.
    let done = crossfoot::run::marked::write_marked(&m, &inputs, &stamps, &results);
    assert_eq!(done.len(), 1);
    let copy = done[0].as_ref().unwrap();
    assert_eq!(copy.path, out.join("td03.checked.xlsx"));
    // Changed after it was read (one byte more): not marked, and said why.
    let mut grown = rich.clone();
    grown.push(0);
    std::fs::write(&path, &grown).unwrap();
    let done = crossfoot::run::marked::write_marked(&m, &inputs, &stamps, &results);
    let err = done[0].as_ref().unwrap_err();
    assert!(
        err.reason.contains("changed while it was being checked"),
        "{err}"
    );
}

/// The rich workbook with `edit` applied to some of its parts' text.
fn rewritten(edit: &dyn Fn(&str, String) -> String) -> Vec<u8> {
    let orig = rich_workbook(None);
    let mut src = zip::ZipArchive::new(Cursor::new(orig.as_slice())).unwrap();
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        let data = match String::from_utf8(data.clone()) {
            Ok(t) if name.ends_with(".xml") || name.ends_with(".rels") => {
                edit(&name, t).into_bytes()
            }
            _ => data,
        };
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, &data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
#[ignore = "needs LibreOffice (soffice); CI installs it and runs it"]
fn writers_quirks_are_edited_right() {
    // Every part with a byte order mark, and the relationships namespace declared on each
    // <sheet> rather than on <workbook> (as some writers do).
    let bytes = rewritten(&|name, text| {
        let text = if name == "xl/workbook.xml" {
            text.replacen(
                " xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"",
                "",
                1,
            )
            .replace(
                "<sheet ",
                "<sheet xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" ",
            )
        } else {
            text
        };
        format!("\u{FEFF}{text}")
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quirks.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let marked = mark_and_verify(&path, "xlsx");
    let wb = unzip(&marked).text("xl/workbook.xml");
    assert!(
        wb.contains("<sheet name=\"Kết quả kiểm tra\" sheetId=\"6\" xmlns:r="),
        "the new sheet declares the namespace it uses: {wb}"
    );
    converts_to_pdf(&marked, "xlsx");
}

/// The strong mark goes on the cells the most likely explanation changes, not on the first
/// cell of every breakdown: on the district's own figures, C7 (2.675, most likely 2.674), not
/// C13, the first cell of the gender split that disagrees with it.
#[test]
fn the_strong_mark_follows_the_most_likely_explanation() {
    use crossfoot::run::{InProcess, Input, Options, Run};
    let pack = crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/reference-2021.xlsx");
    let results =
        Run::new(&pack, Options::default(), &InProcess).check_all(&[Input::file(path)], None);
    let r = &results[0];
    assert!(
        !r.explanations.is_empty(),
        "the reference figures are explained"
    );
    let split = r
        .findings
        .iter()
        .find(|f| f.rule == "M01.gender-split")
        .expect("the gender split of the reference disagrees with its total");
    let strong: Vec<&str> = crossfoot::write::mark::strongest_cells(r, split)
        .iter()
        .map(|c| c.cell.as_str())
        .collect();
    assert_eq!(strong, ["C7"], "{:?}", split.cells);
}

use crate::common::comment_text as note_on;

/// An edited copy's notes follow the review workbook's: the check's figures (expected, found,
/// difference) only on the cell the check tests; a cell the check only read says its own
/// figure and its part in the check (the branch of tests/review.rs: men + women ≠ total, a
/// wrong women's percent).
#[test]
fn an_edited_copys_notes_give_the_totals_only_on_the_tested_cell() {
    use crate::common::forms::{write_branch_to, Branch, Layout, TotalStyle};
    let dir = tempfile::tempdir().unwrap();
    let mut b = Branch::clean("Chi bộ Bản Bo", "TD-07", 7);
    b.m01.gender[0] += 1;
    b.m01.women_pct += 1.0;
    let layout = Layout {
        totals: TotalStyle::Formulas,
        heading_totals: true,
        merged_header: true,
        ..Layout::default()
    };
    let path = dir.path().join("td07.xlsx");
    write_branch_to(&path, &b, &layout).unwrap();
    let result = check(&path);
    let original = std::fs::read(&path).unwrap();
    let marked = mark::mark_workbook(
        &original,
        Container::Xlsx,
        &result,
        Lang::Vi,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(marked.how, How::Edited);
    let after = unzip(&marked.bytes);
    let m01 = result
        .findings
        .iter()
        .find(|f| f.rule == "M01.gender-split")
        .and_then(|f| f.sheet.clone())
        .expect("the gender split disagrees with its total");
    let comments = after.comments_of(&after.sheet_parts()[&m01]);
    // C14 (men): one of the two figures the check adds up — its own figure and that, not the
    // sum's.
    let n14 = note_on(&comments, "C14").expect("note on C14");
    assert!(
        n14.contains("Ô này (32) là một trong các số dùng để tính số được kiểm tra"),
        "{n14}"
    );
    assert!(!n14.contains("giá trị ghi: 52"), "{n14}");
    // The total C8, read by three checks: its own figure and its part in each, no totals.
    let n8 = note_on(&comments, "C8").expect("note on C8");
    assert_eq!(n8.matches("crossfoot [lỗi]").count(), 3, "{n8}");
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
        !n8.contains("giá trị ghi") && !n8.contains("giá trị đúng:"),
        "{n8}"
    );
    // C15 (women) was only read.
    let n15 = note_on(&comments, "C15").expect("note on C15");
    assert!(
        n15.contains("Ô này (20) là một trong các số dùng để tính số được kiểm tra")
            && !n15.contains("giá trị ghi: 52"),
        "{n15}"
    );
    // The wrong percent D9 is the cell its check tests: the figures.
    let n9 = note_on(&comments, "D9").expect("note on D9");
    assert!(
        n9.contains("giá trị đúng: 39,22; giá trị ghi: 40,22"),
        "{n9}"
    );
    assert!(!n9.contains("Ô này"), "{n9}");
}

/// A marked copy suggests a value alone only where the reading is the only one of its size:
/// a count that no sum reads, typed one too high, disagrees with its percentage only, and
/// either figure may be the wrong one — the notes of both cells list both candidates.
#[test]
fn a_marked_copy_lists_the_candidates_where_the_reading_is_not_unique() {
    use crate::common::forms::{cell_ref, write_branch_to, Branch, Col, Layout};
    let dir = tempfile::tempdir().unwrap();
    let mut chosen = None;
    for seed in 0..40u64 {
        let b = Branch::clean("Chi bộ Thử", "TD-01", 9100 + seed);
        let get = |item: &str| {
            b.figures()
                .into_iter()
                .find(|f| f.form == "M02" && f.item == item && f.col == Col::Count)
                .map(|f| f.value)
                .unwrap_or_default()
        };
        if get("2.1") >= get("2.1c") + 1.0 && get("2.1") > 0.0 {
            chosen = Some((b.clone(), get("2.1c")));
            break;
        }
    }
    let (mut b, count) = chosen.expect("a branch that can take the slip");
    b.set("M02", "2.1c", Col::Count, count + 1.0);
    let path = dir.path().join("td01.xlsx");
    write_branch_to(&path, &b, &Layout::default()).unwrap();
    let result = check(&path);
    assert!(
        result.explanations.iter().all(|e| e.alternatives == 2),
        "{:#?}",
        result.explanations
    );
    let marked = mark::mark_workbook(
        &std::fs::read(&path).unwrap(),
        Container::Xlsx,
        &result,
        Lang::Vi,
        &Limits::default(),
    )
    .unwrap();
    let after = unzip(&marked.bytes);
    let layout = Layout::default();
    let count_at = cell_ref(&layout, "M02", "2.1c", Col::Count).unwrap();
    let pct_at = cell_ref(&layout, "M02", "2.1c", Col::Pct).unwrap();
    let comments = after.comments_of(&after.sheet_parts()[&count_at.sheet]);
    for at in [&count_at, &pct_at] {
        let note = note_on(&comments, &at.a1()).unwrap_or_else(|| panic!("no note on {at:?}"));
        assert!(note.contains("một trong 2"), "{at:?}: {note}");
        assert!(
            note.contains(&count_at.a1()) && note.contains(&pct_at.a1()),
            "both candidates named: {note}"
        );
    }
}
