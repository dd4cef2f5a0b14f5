//! Which figure is wrong, and what it should be (`crossfoot::explain::localise`): generated workbooks
//! with one planted slip are explained by exactly the planted cell and its original value,
//! with the right kind of slip.

use crate::common;

use common::forms::*;
use crossfoot::check::Links;
use crossfoot::explain::check_workbook_kept;
use crossfoot::explain::localise::{Explanation, Slip};
use crossfoot::finding::Finding;
use crossfoot::read::load::{load_bytes, Limits};
use crossfoot::rules::{self, Pack};
use std::sync::OnceLock;

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| rules::compile(&rules::builtin_sources()).expect("built-in pack"))
}

/// The findings and explanations of a branch written in `layout`.
fn explain_with(b: &Branch, layout: &Layout) -> (Vec<Finding>, Vec<Explanation>) {
    let bytes = write_branch(b, layout);
    let wb = load_bytes(&bytes, "b.xlsx", &Limits::default()).expect("readable");
    let (_, findings, _, kept) = check_workbook_kept(&wb, "b.xlsx", pack(), Links::NONE);
    (findings, kept.explanations)
}

fn explain(b: &Branch) -> (Vec<Finding>, Vec<Explanation>) {
    explain_with(b, &Layout::default())
}

fn cell(form: &str, item: &str, col: Col) -> String {
    cell_ref(&Layout::default(), form, item, col)
        .expect("a cell of the template")
        .to_string()
        .rsplit('!')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The one explanation of a single planted slip: unique, one change.
fn single(found: &[Finding], ex: &[Explanation]) -> Explanation {
    assert!(!found.is_empty(), "the slip gives no finding");
    let localised: Vec<&Explanation> = ex.iter().filter(|e| e.localised).collect();
    assert_eq!(localised.len(), 1, "{ex:#?}");
    let e = localised[0].clone();
    assert_eq!(e.alternatives, 1, "{e:#?}");
    let own: Vec<_> = e
        .changes
        .iter()
        .filter(|c| c.kind != Some(Slip::Follows))
        .collect();
    assert_eq!(own.len(), 1, "{e:#?}");
    e
}

fn assert_explained(b: &Branch, form: &str, item: &str, col: Col, original: f64, kind: Slip) {
    let (found, ex) = explain(b);
    let e = single(&found, &ex);
    let c = &e.changes[0];
    assert_eq!(c.cell, cell(form, item, col), "{e:#?}");
    assert_eq!(c.suggested, Some(original), "{e:#?}");
    assert_eq!(c.kind, Some(kind), "{e:#?}");
    // Labelled as the most likely, in the pack's language.
    assert!(e.text.starts_with("khả năng cao nhất: "), "{}", e.text);
    // Every finding the slip caused is resolved by it.
    for f in &found {
        if f.severity == crossfoot::finding::Severity::Error {
            assert!(
                e.resolves.iter().any(|r| r.is(f)),
                "{f:?} not resolved: {e:#?}"
            );
        }
    }
}

const AGE: [&str; 8] = ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8"];

/// A clean branch and an age band whose count satisfies `pick`.
fn branch_with(pick: impl Fn(&Branch, &str) -> bool) -> (Branch, &'static str) {
    for seed in 1..200 {
        let b = Branch::clean("Chi bộ Thử", "TD-01", seed);
        if let Some(item) = AGE.iter().find(|i| pick(&b, i)) {
            return (b, item);
        }
    }
    panic!("no branch fits");
}

fn count(b: &Branch, form: &str, item: &str) -> f64 {
    b.get(form, item, Col::Count).expect("a count")
}

#[test]
fn two_digits_swapped() {
    let swapped = |v: f64| -> f64 {
        let s = format!("{}", v as i64);
        let mut d: Vec<char> = s.chars().collect();
        if d.len() >= 2 {
            d.swap(0, 1);
        }
        d.into_iter().collect::<String>().parse().unwrap_or(v)
    };
    let (mut b, item) = branch_with(|b, i| {
        let v = count(b, "M01", i);
        v >= 10.0 && swapped(v) != v && (swapped(v) - v).abs() > 1.0
    });
    let v = count(&b, "M01", item);
    b.set("M01", item, Col::Count, swapped(v));
    assert_explained(&b, "M01", item, Col::Count, v, Slip::SwappedDigits);
}

#[test]
fn one_digit_mistyped() {
    let (mut b, item) = branch_with(|b, i| {
        let v = count(b, "M01", i) as i64;
        (10..90).contains(&(v % 100)) && v % 10 != 0
    });
    let v = count(&b, "M01", item);
    // The tens digit one higher, by ten: 45 → 55.
    b.set("M01", item, Col::Count, v + 10.0);
    assert_explained(&b, "M01", item, Col::Count, v, Slip::MistypedDigit);
}

#[test]
fn off_by_one() {
    let (mut b, item) = branch_with(|b, i| count(b, "M01", i) >= 3.0);
    let v = count(&b, "M01", item);
    b.set("M01", item, Col::Count, v + 1.0);
    assert_explained(&b, "M01", item, Col::Count, v, Slip::OffByOne);
}

#[test]
fn pasted_one_row_off() {
    // The figure of the band above, typed again in this band's row.
    let (mut b, item) = branch_with(|b, i| {
        let k = AGE.iter().position(|x| x == &i).unwrap_or(0);
        k > 0 && {
            let (v, above) = (count(b, "M01", i), count(b, "M01", AGE[k - 1]));
            (v - above).abs() > 1.0
                && (v - above).abs() != 10.0
                && format!("{}", v as i64).len() != format!("{}", above as i64).len()
        }
    });
    let k = AGE.iter().position(|x| *x == item).unwrap_or(0);
    let v = count(&b, "M01", item);
    let above = count(&b, "M01", AGE[k - 1]);
    b.set("M01", item, Col::Count, above);
    assert_explained(&b, "M01", item, Col::Count, v, Slip::RowOff);
}

#[test]
fn percentage_truncated_instead_of_rounded() {
    for seed in 1..300 {
        let b = Branch::clean("Chi bộ Thử", "TD-01", seed);
        let total = count(&b, "M01", "1") as i64;
        let Some(item) = AGE.iter().find(|i| {
            let n = count(&b, "M01", i) as i64;
            pct(n, total) != pct_truncated(n, total)
        }) else {
            continue;
        };
        let n = count(&b, "M01", item) as i64;
        let mut b = b;
        b.set("M01", item, Col::Pct, pct_truncated(n, total));
        assert_explained(
            &b,
            "M01",
            item,
            Col::Pct,
            pct(n, total),
            Slip::TruncatedPercentage,
        );
        return;
    }
    panic!("no branch with a percentage that truncation changes");
}

#[test]
fn percentage_of_the_wrong_base() {
    // The band's count over the number of women, instead of over the total.
    let (mut b, item) = branch_with(|b, i| {
        let (n, total, women) = (
            count(b, "M01", i) as i64,
            count(b, "M01", "1") as i64,
            count(b, "M01", "1.1") as i64,
        );
        n > 0 && women > 0 && pct(n, women) != pct(n, total) && pct(n, women) <= 100.0
    });
    let (n, total, women) = (
        count(&b, "M01", item) as i64,
        count(&b, "M01", "1") as i64,
        count(&b, "M01", "1.1") as i64,
    );
    b.set("M01", item, Col::Pct, pct(n, women));
    assert_explained(&b, "M01", item, Col::Pct, pct(n, total), Slip::WrongBase);
}

/// The total typed wrong breaks every block's sum (and every percentage of it): the total
/// alone explains them all, with the percentages following.
#[test]
fn a_wrong_total_is_explained_by_the_total_alone() {
    let mut b = Branch::clean("Chi bộ Thử", "TD-01", 7);
    let total = count(&b, "M04", "1");
    b.set("M04", "1", Col::Count, total + 3.0);
    let (found, ex) = explain(&b);
    let sums = found
        .iter()
        .filter(|f| f.rule.ends_with("-sum") && f.sheet.as_deref().is_some_and(|s| s.contains("4")))
        .count();
    assert!(sums >= 2, "{found:#?}");
    let e = single(&found, &ex);
    assert_eq!(e.changes[0].cell, cell("M04", "1", Col::Count), "{e:#?}");
    assert_eq!(e.changes[0].suggested, Some(total));
    assert!(e.resolves.len() >= sums, "{e:#?}");
}

/// One random slip in a count of a random clean branch: the planted cell is in the (or one
/// of the) smallest explanations in at least 95 % of the detected cases, with its original
/// value suggested where the explanation is unique.
#[test]
fn property_one_random_slip_in_a_count_is_localised() {
    let mut rng = Lcg::new(2026);
    let (mut detected, mut hit) = (0, 0);
    let mut misses = Vec::new();
    for case in 0..24 {
        let mut b = Branch::clean("Chi bộ Thử", "TD-01", 1000 + case);
        let counts: Vec<Figure> = b
            .figures()
            .into_iter()
            .filter(|f| f.col == Col::Count && f.form != "M03")
            .collect();
        let f = &counts[rng.range(0, counts.len() as i64 - 1) as usize];
        let delta = rng.range(1, 30) as f64;
        b.set(f.form, f.item, Col::Count, f.value + delta);
        let (found, ex) = explain(&b);
        if found.is_empty() {
            continue;
        }
        detected += 1;
        let planted = cell(f.form, f.item, Col::Count);
        let sheet = sheet_name(f.form, SheetNames::default());
        let with: Vec<&Explanation> = ex
            .iter()
            .filter(|e| {
                e.changes
                    .iter()
                    .any(|c| c.cell == planted && c.sheet == sheet)
            })
            .collect();
        if with.is_empty() {
            misses.push(format!("{}/{} +{delta}: {ex:#?}", f.form, f.item));
            continue;
        }
        hit += 1;
        for e in with.iter().filter(|e| e.alternatives == 1) {
            let c = e
                .changes
                .iter()
                .find(|c| c.cell == planted && c.sheet == sheet)
                .expect("the planted cell");
            assert_eq!(c.suggested, Some(f.value), "{}/{}: {e:#?}", f.form, f.item);
        }
    }
    assert!(detected >= 12, "only {detected} slips detected");
    assert!(
        hit * 100 >= detected * 95,
        "{hit} of {detected} localised; missed: {misses:#?}"
    );
}

/// The district's own figures: what the explanations say, what each resolves.
#[test]
fn reference_2021_explanations() {
    let bytes = std::fs::read("samples/reference-2021.xlsx").expect("the sample");
    let wb = load_bytes(&bytes, "reference-2021.xlsx", &Limits::default()).expect("readable");
    let (_, findings, _, kept) =
        check_workbook_kept(&wb, "reference-2021.xlsx", pack(), Links::NONE);
    let mut out = String::new();
    for e in &kept.explanations {
        out.push_str(&format!(
            "cause {} (one of {}){}\n",
            e.cause,
            e.alternatives,
            if e.localised { "" } else { " not localised" }
        ));
        for c in &e.changes {
            out.push_str(&format!(
                "  {}!{} {} → {:?} {:?} {:?}\n",
                c.sheet, c.cell, c.found, c.suggested, c.range, c.kind
            ));
        }
        let resolved: Vec<String> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| e.resolves.iter().any(|r| r.is(f)))
            .map(|(i, f)| format!("{i} {}", f.rule))
            .collect();
        out.push_str(&format!("  resolves: {}\n", resolved.join(", ")));
    }
    insta::assert_snapshot!(out);
    // C7 (the total) is in every explanation of the first cause, 2.675 → 2.674.
    let first: Vec<&Explanation> = kept.explanations.iter().filter(|e| e.cause == 0).collect();
    assert!(!first.is_empty());
    for e in first {
        assert!(
            e.changes
                .iter()
                .any(|c| c.cell == "C7" && c.sheet == "M01-SoLuong" && c.suggested == Some(2674.0)),
            "{e:#?}"
        );
    }
}

/// A part of the review workbook's package.
fn part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut f = zip.by_name(name).expect("the part");
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8");
    s
}

/// A cell's fill colour in the sheet at `index` of the review workbook.
fn fill(bytes: &[u8], index: usize, cell: &str) -> Option<String> {
    use regex::Regex;
    let sheet = part(bytes, &format!("xl/worksheets/sheet{}.xml", index + 1));
    let re = Regex::new(&format!(r#"<c r="{cell}"(?: s="(\d+)")?"#)).expect("regex");
    let xf: usize = re
        .captures(&sheet)?
        .get(1)
        .map_or(0, |m| m.as_str().parse().expect("style"));
    let styles = part(bytes, "xl/styles.xml");
    let block = |re: &str| -> String {
        Regex::new(re)
            .expect("regex")
            .find(&styles)
            .map(|m| m.as_str().to_string())
            .unwrap_or_default()
    };
    let xfs = block(r"(?s)<cellXfs count=.*?</cellXfs>");
    let x = Regex::new(r"<xf [^>]*>")
        .expect("regex")
        .find_iter(&xfs)
        .nth(xf)?
        .as_str()
        .to_string();
    let fill_id: usize = Regex::new(r#"fillId="(\d+)""#)
        .expect("regex")
        .captures(&x)
        .map_or(0, |c| c[1].parse().expect("id"));
    let fills = block(r"(?s)<fills count=.*?</fills>");
    let f = Regex::new(r"(?s)<fill>.*?</fill>|<fill/>")
        .expect("regex")
        .find_iter(&fills)
        .nth(fill_id)?
        .as_str()
        .to_string();
    Regex::new(r#"fgColor rgb="FF([0-9A-F]{6})""#)
        .expect("regex")
        .captures(&f)
        .map(|c| c[1].to_string())
}

/// The review workbook of the district's own figures: the strongest mark on the total C7
/// (in every smallest explanation), a light one on the first cell of each breakdown, and the
/// Findings sheet's "most likely cause" and "suggested" columns.
#[test]
fn reference_2021_review_marks_the_explanation() {
    use crossfoot::run::{collect, InProcess, Options, Run};
    use crossfoot::write::annotate::{review_workbook, Lang, ReviewOptions};
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy("samples/reference-2021.xlsx", dir.path().join("td.xlsx")).expect("copy");
    let inputs = collect(&[dir.path().to_path_buf()]).files;
    let opts = Options {
        keep_sheets: true,
        ..Options::default()
    };
    let results = Run::new(pack(), opts, &InProcess).check_all(&inputs, None);
    assert!(!results[0].explanations.is_empty());
    let bytes = review_workbook(
        &results,
        &ReviewOptions {
            lang: Lang::Vi,
            max_copied_sheets: 300,
        },
    )
    .expect("review");
    let workbook = part(&bytes, "xl/workbook.xml");
    let names: Vec<String> = regex::Regex::new(r#"<sheet name="([^"]*)""#)
        .expect("regex")
        .captures_iter(&workbook)
        .map(|c| c[1].to_string())
        .collect();
    let m01 = names
        .iter()
        .position(|n| n.contains("M01"))
        .expect("the M01 copy");
    let m02 = names
        .iter()
        .position(|n| n.contains("M02"))
        .expect("the M02 copy");
    assert_eq!(fill(&bytes, m01, "C7").as_deref(), Some("FF7C80"));
    assert_eq!(fill(&bytes, m01, "C8").as_deref(), Some("FF7C80"));
    for first_of_breakdown in ["C16", "C25", "C38", "C43", "C56"] {
        assert_eq!(
            fill(&bytes, m01, first_of_breakdown).as_deref(),
            Some("FFD7D7"),
            "{first_of_breakdown}"
        );
    }
    // The opening figure of M02, in no finding, is part of every smallest explanation.
    assert_eq!(fill(&bytes, m02, "C7").as_deref(), Some("FF7C80"));
    let shared = part(&bytes, "xl/sharedStrings.xml");
    assert!(shared.contains("Nguyên nhân khả dĩ nhất") && shared.contains("Giá trị đề xuất"));
    assert!(shared.contains("C7: 2.674"), "the suggested column");
}

/// The district summary against its branches: a TH01 figure that differs from its branch's
/// workbook, while the branch's own checks pass, is explained by the TH01 cell (the branch's
/// figures are taken as given).
#[test]
fn a_summary_figure_that_differs_from_its_branch_is_explained_by_the_summary_cell() {
    use common::district::*;
    use crossfoot::run::{collect, InProcess, Options, Run};
    let dir = tempfile::tempdir().expect("temp dir");
    let bs = vec![
        Branch::clean("Đảng bộ xã Bình Lư", "TD-01", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "TD-02", 2),
        Branch::clean("Chi bộ Trường THPT Tam Đường", "TD-03", 3),
    ];
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    // TD-02's women: one more in the summary than in its workbook; the total row is right, so
    // the summary's own total breaks too.
    d.rows[1].figures[1] += 1;
    for b in &bs {
        let name = format!("branch-{}.xlsx", b.code.to_lowercase());
        std::fs::write(dir.path().join(name), write_branch(b, &Layout::default())).expect("write");
    }
    std::fs::write(dir.path().join("district.xlsx"), write_district(&d)).expect("write");
    let results = Run::new(pack(), Options::default(), &InProcess)
        .check_all(&collect(&[dir.path().to_path_buf()]).files, None);
    let district = results
        .iter()
        .find(|r| r.path.ends_with("district.xlsx"))
        .expect("the district");
    assert_eq!(district.findings.len(), 2, "{:#?}", district.findings);
    let e = single(&district.findings, &district.explanations);
    let own: Vec<_> = e
        .changes
        .iter()
        .filter(|c| c.kind != Some(Slip::Follows))
        .collect();
    assert_eq!(own[0].cell, th01_cell(1, 1), "{e:#?}");
    assert_eq!(own[0].suggested, Some(bs[1].m01.women as f64));
    assert_eq!(e.resolves.len(), 2, "{e:#?}");
    for f in &district.findings {
        assert!(e.resolves.iter().any(|r| r.is(f)), "{f:?}");
    }
    // The words say that the branch's figures were taken as right, and whose.
    assert!(
        e.text.contains("; số liệu của ") && e.text.ends_with("branch-td-02.xlsx được coi là đúng"),
        "{}",
        e.text
    );
    assert!(!e.text.contains("branch-td-01"), "{}", e.text);
    // The branches are not blamed.
    for r in results
        .iter()
        .filter(|r| !r.path.ends_with("district.xlsx"))
    {
        assert!(
            r.explanations.is_empty(),
            "{}: {:#?}",
            r.path,
            r.explanations
        );
    }
}

/// This year's and last year's workbooks of one branch (`--previous`), the same code, last
/// year's closing figure this year's opening one; `now` and `last` as given.
fn check_with_last_year(now: &Branch, last: &Branch) -> crossfoot::check::FileResult {
    check_with_last_year_in(pack(), now, last)
}

fn check_with_last_year_in(
    pack: &Pack,
    now: &Branch,
    last: &Branch,
) -> crossfoot::check::FileResult {
    use crossfoot::run::{collect, InProcess, Options, Run};
    let (dir, prev) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    std::fs::write(
        dir.path().join("branch.xlsx"),
        write_branch(now, &Layout::default()),
    )
    .expect("write");
    std::fs::write(
        prev.path().join("branch-last-year.xlsx"),
        write_branch(last, &Layout::default()),
    )
    .expect("write");
    let mut results = Run::new(pack, Options::default(), &InProcess).check_all(
        &collect(&[dir.path().to_path_buf()]).files,
        Some(&collect(&[prev.path().to_path_buf()]).files),
    );
    assert_eq!(results.len(), 1);
    results.remove(0)
}

/// An age band left at last year's figure breaks the age sum: the explanation names the
/// cell, this year's figure it should be, and "last year's figure" as the slip — with last
/// year's workbook linked; without it, the same change is no such slip.
#[test]
fn a_figure_left_at_last_years_is_named_so() {
    let b = Branch::clean("Chi bộ Thử", "TD-05", 11);
    let mut last = Branch::clean("Chi bộ Thử", "TD-05", 12);
    last.year = b.year - 1;
    last.m02.end = b.m02.start;
    let swapped = |v: i64| {
        let mut d: Vec<char> = v.to_string().chars().collect();
        d.reverse();
        d.into_iter()
            .collect::<String>()
            .parse::<i64>()
            .unwrap_or(v)
    };
    let k = (1..AGE.len())
        .find(|&k| {
            let (now, then) = (count(&b, "M01", AGE[k]), count(&last, "M01", AGE[k]));
            let neighbours = [k - 1, (k + 1).min(AGE.len() - 1)];
            then > 0.0
                && (now - then).abs() > 1.0
                && (now - then).abs() % 10.0 != 0.0
                && swapped(now as i64) != then as i64
                && neighbours.iter().all(|&n| count(&b, "M01", AGE[n]) != then)
        })
        .expect("an age band that differs from last year's");
    let item = AGE[k];
    let (now, then) = (count(&b, "M01", item), count(&last, "M01", item));
    let mut stale = b.clone();
    stale.set("M01", item, Col::Count, then);
    let planted = cell("M01", item, Col::Count);

    let r = check_with_last_year(&stale, &last);
    let e = single(&r.findings, &r.explanations);
    let c = &e.changes[0];
    assert_eq!(
        (c.cell.as_str(), c.found, c.suggested, c.kind),
        (
            planted.as_str(),
            then,
            Some(now),
            Some(Slip::LastYearsFigure)
        ),
        "{e:#?}"
    );
    assert!(
        e.text.contains("trùng số liệu năm trước (chưa cập nhật)"),
        "{}",
        e.text
    );
    assert!(c.note.contains("trùng số liệu năm trước"), "{}", c.note);

    // In English.
    let mut en = rules::compile(&rules::builtin_sources()).expect("built-in pack");
    en.set_lang(Some(crossfoot::registry::Lang::En));
    let r = check_with_last_year_in(&en, &stale, &last);
    let e = single(&r.findings, &r.explanations);
    assert_eq!(
        e.changes[0].note,
        format!("probably {now} — last year's figure, not updated"),
        "{e:#?}"
    );

    // The same workbook alone: the same cell and value, but no slip of last year's.
    let (found, ex) = explain(&stale);
    let e = single(&found, &ex);
    assert_eq!(e.changes[0].cell, planted);
    assert_eq!(e.changes[0].suggested, Some(now));
    assert_ne!(e.changes[0].kind, Some(Slip::LastYearsFigure), "{e:#?}");
}

/// In English, the slip's words are English.
#[test]
fn last_years_figure_has_words_in_both_languages() {
    use crossfoot::registry::Lang;
    for (lang, words) in [
        (Lang::En, "last year's figure, not updated"),
        (Lang::Vi, "trùng số liệu năm trước (chưa cập nhật)"),
    ] {
        assert_eq!(
            crossfoot::registry::template("slip.last-years-figure", lang),
            Some(words)
        );
    }
}

/// `check --no-explain`: the same findings and exit status, no explanations (and with it,
/// the explanation is there).
#[test]
fn no_explain_reports_the_findings_alone() {
    let (mut b, item) = branch_with(|b, i| count(b, "M01", i) >= 3.0);
    let v = count(&b, "M01", item);
    b.set("M01", item, Col::Count, v + 1.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("b.xlsx");
    std::fs::write(&path, write_branch(&b, &Layout::default())).expect("write");
    let run = |extra: &[&str]| -> (Option<i32>, serde_json::Value) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
            .args(["check", "--format", "json"])
            .args(extra)
            .arg(&path)
            .output()
            .expect("runs");
        let doc = serde_json::from_slice(&out.stdout).expect("one JSON document");
        (out.status.code(), doc)
    };
    let (code, with) = run(&[]);
    let (code_off, without) = run(&["--no-explain"]);
    assert_eq!((code, code_off), (Some(1), Some(1)));
    assert_eq!(with["findings"], without["findings"]);
    let planted = cell("M01", item, Col::Count);
    let explained = with["files"][0]["explanations"]
        .as_array()
        .expect("explanations");
    assert!(
        explained
            .iter()
            .any(|e| e["changes"][0]["cell"] == planted.as_str()),
        "{explained:#?}"
    );
    assert!(
        without["files"][0].get("explanations").is_none(),
        "{}",
        without["files"][0]
    );
}

/// A count that no sum reads (M02 2.1c, the minority members among those admitted, only at most
/// the admitted) typed too high: only its percentage disagrees. The percentage is wrong, or the
/// count: both one figure, both said — never the percentage alone as if it were certain — and
/// the count's reading suggests the count before the slip.
#[test]
fn a_percentage_that_disagrees_with_a_lone_count_names_both_readings() {
    let mut tried = 0;
    for seed in 0..40u64 {
        let mut b = Branch::clean("Chi bộ Thử", "TD-01", 9100 + seed);
        let figure = b
            .figures()
            .into_iter()
            .find(|f| f.form == "M02" && f.item == "2.1c" && f.col == Col::Count)
            .expect("M02 2.1c");
        let admitted = b
            .figures()
            .into_iter()
            .find(|f| f.form == "M02" && f.item == "2.1" && f.col == Col::Count)
            .expect("M02 2.1");
        // One more, still within the admitted, so that only the percentage tells.
        if admitted.value < figure.value + 1.0 || admitted.value == 0.0 {
            continue;
        }
        tried += 1;
        b.set("M02", "2.1c", Col::Count, figure.value + 1.0);
        let (found, ex) = explain(&b);
        assert!(!found.is_empty(), "seed {seed}: no finding");
        let localised: Vec<&Explanation> = ex.iter().filter(|e| e.localised).collect();
        assert_eq!(localised.len(), 2, "seed {seed}: {ex:#?}");
        assert!(localised.iter().all(|e| e.alternatives == 2), "{ex:#?}");
        let cells: Vec<&str> = localised
            .iter()
            .map(|e| e.changes[0].cell.as_str())
            .collect();
        let count_cell = cell("M02", "2.1c", Col::Count);
        let pct_cell = cell("M02", "2.1c", Col::Pct);
        assert!(cells.contains(&pct_cell.as_str()), "{cells:?}");
        let count = localised
            .iter()
            .find(|e| e.changes[0].cell == count_cell)
            .expect("the count's reading");
        assert_eq!(count.changes[0].suggested, Some(figure.value), "{count:#?}");
        assert!(
            count.text.contains("một trong 2"),
            "said as one of two: {}",
            count.text
        );
    }
    assert!(tried >= 5, "only {tried} branches could take the slip");
}
