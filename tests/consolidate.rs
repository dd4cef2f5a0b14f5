//! Consolidation across files: the district summary (TH01, TH02) against the branch
//! workbooks given in the same run, and each branch against last year's workbook.

use crate::common;

use common::district::*;
use common::forms::*;
use crossfoot::check::FileResult;
use crossfoot::finding::Finding;
use crossfoot::run::{collect, InProcess, Options, Run};
use std::path::Path;

fn pack() -> crossfoot::rules::Pack {
    crossfoot::rules::compile(&crossfoot::rules::builtin_sources()).expect("pack")
}

fn branches() -> Vec<Branch> {
    vec![
        Branch::clean("Đảng bộ xã Bình Lư", "TD-01", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "TD-02", 2),
        Branch::clean("Chi bộ Trường THPT Tam Đường", "TD-03", 3),
    ]
}

fn write_all(dir: &Path, branches: &[Branch], district: &District) {
    for b in branches {
        let name = format!("branch-{}.xlsx", b.code.to_lowercase());
        std::fs::write(dir.join(name), write_branch(b, &Layout::default())).unwrap();
    }
    std::fs::write(dir.join("district.xlsx"), write_district(district)).unwrap();
}

fn check_dir(dir: &Path) -> Vec<FileResult> {
    let pack = pack();
    Run::new(&pack, Options::default(), &InProcess)
        .check_all(&collect(&[dir.to_path_buf()]).files, None)
}

/// Every finding of every file.
fn findings(results: &[FileResult]) -> Vec<&Finding> {
    results.iter().flat_map(|r| &r.findings).collect()
}

/// (file name, rule, cells as `[file:]sheet!cell`) of every finding.
fn summary(results: &[FileResult]) -> Vec<(String, String, Vec<String>)> {
    findings(results)
        .iter()
        .map(|f| {
            let name = Path::new(&f.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let cells = f
                .cells
                .iter()
                .map(|c| match &c.file {
                    Some(file) => format!(
                        "{}:{}!{}",
                        Path::new(file).file_name().unwrap().to_string_lossy(),
                        c.sheet,
                        c.cell
                    ),
                    None => format!("{}!{}", c.sheet, c.cell),
                })
                .collect();
            (name, f.rule.clone(), cells)
        })
        .collect()
}

#[test]
fn a_consistent_summary_with_its_branches_gives_no_consolidation_finding() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3); // no repeated year
    write_all(dir.path(), &bs, &d);
    let results = check_dir(dir.path());
    let district = results
        .iter()
        .find(|r| r.path.ends_with("district.xlsx"))
        .unwrap();
    let forms: Vec<&str> = district.forms.iter().map(|f| f.form.as_str()).collect();
    assert_eq!(forms, ["TH01", "TH02"]);
    // The column header `Mã đơn vị` is no title-block code.
    assert_eq!(district.unit.code, None);
    assert_eq!(summary(&results), vec![]);
}

/// What each file keeps for the second phase: branches nothing unless `--previous` is given
/// (their figures are read again only when a summary names them), the summary its located
/// forms, and a file read for its figures only those figures.
#[test]
fn files_keep_for_the_second_phase_only_what_it_can_use() {
    use crossfoot::check::Links;
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    write_all(dir.path(), &bs, &District::from_branches(&bs));
    let inputs = collect(&[dir.path().to_path_buf()]).files;
    let pack = pack();
    let run = Run::new(&pack, Options::default(), &InProcess);
    let kept = |links: Links| -> Vec<(String, bool, usize)> {
        run.read(&inputs, links)
            .into_iter()
            .map(|(r, k)| {
                let name = Path::new(&r.path)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (name, k.deferred.is_some(), k.linked.grid.len())
            })
            .collect()
    };
    let units = kept(Links {
        unit: true,
        previous: false,
        last_year: false,
    });
    assert!(
        units
            .iter()
            .all(|(n, d, figures)| *figures == 0 && *d == (n == "district.xlsx")),
        "{units:?}"
    );
    let with_previous = kept(Links {
        unit: true,
        previous: true,
        last_year: false,
    });
    assert!(
        with_previous
            .iter()
            .all(|(_, d, figures)| *d && *figures == 0),
        "{with_previous:?}"
    );
    // Read for its figures, a summary keeps only its `Tổng cộng` row, one figure per column
    // (what a summary one level up reads of it as of a unit).
    let figures = kept(Links::NONE);
    assert!(
        figures.iter().all(|(n, d, f)| !*d
            && if n == "district.xlsx" {
                *f == TH01_COLUMNS.len()
            } else {
                *f > 0
            }),
        "{figures:?}"
    );
}

#[test]
fn a_summary_row_that_disagrees_with_its_branch_is_found_on_both_cells() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    // TD-02's women: one more in the summary than in its workbook (the total row follows).
    d.rows[1].figures[1] += 1;
    d.grand[1] += 1;
    write_all(dir.path(), &bs, &d);
    let results = check_dir(dir.path());
    let women = cell_ref(&Layout::default(), "M01", "1.1", Col::Count).unwrap();
    assert_eq!(
        summary(&results),
        vec![(
            "district.xlsx".to_string(),
            "TH01.matches-unit".to_string(),
            vec![
                format!("TH01-TongHop!{}", th01_cell(1, 1)),
                format!("branch-td-02.xlsx:{women}"),
            ]
        )]
    );
    let f = findings(&results)[0];
    assert_eq!(f.actual, Some((bs[1].m01.women + 1) as f64));
    assert_eq!(f.expected, Some(bs[1].m01.women as f64));
    assert!(f.message.contains("branch-td-02.xlsx"), "{}", f.message);
    assert!(f.message.contains("Nữ"), "{}", f.message);
    // The JSON contract: the branch's cell names its file; the summary's cell does not.
    let json = serde_json::to_value(&f.cells).unwrap();
    assert_eq!(json[0].get("file"), None);
    assert!(json[1]["file"]
        .as_str()
        .unwrap()
        .ends_with("branch-td-02.xlsx"));
}

#[test]
fn a_wrong_total_row_is_found_on_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    d.grand[6] -= 2; // HTXSNV
    write_all(dir.path(), &bs, &d);
    let results = check_dir(dir.path());
    let got = summary(&results);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "TH01.grand-total");
    assert_eq!(got[0].2[0], format!("TH01-TongHop!{}", th01_cell(3, 6)));
    assert_eq!(got[0].2.len(), 4, "the total and the three rows above");
    let f = findings(&results)[0];
    assert_eq!(f.difference, Some(-2.0));
    assert!(f.message.contains("HTXSNV"), "{}", f.message);
}

#[test]
fn a_missing_and_an_extra_branch_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    // TD-03 has a workbook but no row; TD-09 has a row but no workbook.
    d.rows[2].code = "TD-09".into();
    write_all(dir.path(), &bs, &d);
    let results = check_dir(dir.path());
    let got = summary(&results);
    assert_eq!(
        got,
        vec![
            (
                "district.xlsx".to_string(),
                "consolidation.row-without-unit".to_string(),
                vec![format!("TH01-TongHop!{}", th01_key_cell(2))]
            ),
            (
                "district.xlsx".to_string(),
                "consolidation.unit-without-row".to_string(),
                vec![]
            ),
        ]
    );
    let without_row = findings(&results)[1];
    assert!(
        without_row.message.contains("branch-td-03.xlsx"),
        "{}",
        without_row.message
    );
    assert!(
        without_row.message.contains("TD-03"),
        "{}",
        without_row.message
    );
}

#[test]
fn two_workbooks_with_the_same_code_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    write_all(dir.path(), &bs, &d);
    // A second workbook of TD-02 (a resubmission kept next to the first).
    let mut again = bs[1].clone();
    again.name = "Đảng bộ xã Bản Bo (gửi lại)".into();
    std::fs::write(
        dir.path().join("branch-td-02-v2.xlsx"),
        write_branch(&again, &Layout::default()),
    )
    .unwrap();
    let results = check_dir(dir.path());
    let got = summary(&results);
    // The later workbook by path (`-v2` sorts first) is warned about, naming the other; the
    // summary's row is not compared.
    assert_eq!(
        got,
        vec![
            (
                "branch-td-02.xlsx".to_string(),
                "unit.code-repeated".to_string(),
                vec![]
            ),
            (
                "district.xlsx".to_string(),
                "consolidation.duplicate-unit".to_string(),
                vec![format!("TH01-TongHop!{}", th01_key_cell(1))]
            )
        ]
    );
    assert!(
        findings(&results)[0]
            .message
            .contains("branch-td-02-v2.xlsx: "),
        "{}",
        findings(&results)[0].message
    );
    let msg = &findings(&results)[1].message;
    assert!(
        msg.contains("branch-td-02.xlsx") && msg.contains("branch-td-02-v2.xlsx"),
        "{msg}"
    );
}

#[test]
fn a_repeated_year_is_a_warning_on_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let d = District::from_branches(&bs);
    write_all(dir.path(), &bs, &d);
    let results = check_dir(dir.path());
    let got = summary(&results);
    let cols = |k: usize, from: usize| -> Vec<String> {
        (from..from + 5)
            .map(|c| format!("TH02-XepLoai!{}", th02_cell(k, c)))
            .collect()
    };
    // 2013 (row 3): the members' block repeats 2012; 2015 (row 5): the whole row repeats 2014.
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].1, "TH02.members-repeated");
    // This year's cells first (they are what the check tests), then the year before's.
    assert_eq!(got[0].2[0], cols(3, 11)[0]);
    for c in cols(3, 11).iter().chain(&cols(2, 11)) {
        assert!(got[0].2.contains(c), "{c} in {:?}", got[0].2);
    }
    assert_eq!(got[1].1, "TH02.row-repeated");
    assert_eq!(got[1].2[0], format!("TH02-XepLoai!{}", th02_cell(5, 1)));
    for f in findings(&results) {
        assert_eq!(f.severity, crossfoot::finding::Severity::Warning);
    }
    assert!(findings(&results)[0].message.contains("2013"));
    assert!(findings(&results)[1].message.contains("2015"));
}

#[test]
fn a_year_whose_ratings_do_not_add_up_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    d.years[1].sub[2] += 1; // HTTNV of sub-branches in 2011
    write_all(dir.path(), &bs, &d);
    let got = summary(&check_dir(dir.path()));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "TH02.sub-ratings-sum");
    assert_eq!(got[0].2[0], format!("TH02-XepLoai!{}", th02_cell(1, 7)));
}

#[test]
fn the_opening_figure_must_be_last_years_closing_one() {
    let now = tempfile::tempdir().unwrap();
    let last = tempfile::tempdir().unwrap();
    let bs = branches();
    for b in &bs {
        let name = format!("branch-{}.xlsx", b.code.to_lowercase());
        std::fs::write(now.path().join(&name), write_branch(b, &Layout::default())).unwrap();
    }
    // Last year: TD-01 closed with this year's opening figure, TD-02 with 3 more;
    // TD-03 sent nothing last year.
    for (b, shift) in [(&bs[0], 0), (&bs[1], 3)] {
        let mut prev = b.clone();
        prev.year -= 1;
        prev.m02.end = b.m02.start + shift;
        let name = format!("branch-{}-2020.xlsx", b.code.to_lowercase());
        std::fs::write(
            last.path().join(name),
            write_branch(&prev, &Layout::default()),
        )
        .unwrap();
    }
    let pack = pack();
    let results = Run::new(&pack, Options::default(), &InProcess).check_all(
        &collect(&[now.path().to_path_buf()]).files,
        Some(&collect(&[last.path().to_path_buf()]).files),
    );
    let got = summary(&results);
    let start = cell_ref(&Layout::default(), "M02", "1", Col::Count).unwrap();
    let end = cell_ref(&Layout::default(), "M02", "4", Col::Count).unwrap();
    assert_eq!(
        got,
        vec![
            (
                "branch-td-02.xlsx".to_string(),
                "M02.start-matches-last-year".to_string(),
                vec![start.to_string(), format!("branch-td-02-2020.xlsx:{end}"),]
            ),
            (
                "branch-td-03.xlsx".to_string(),
                "consolidation.previous-missing".to_string(),
                vec![]
            ),
        ]
    );
    let f = findings(&results)[0];
    assert_eq!(f.difference, Some(-3.0));
    // Last year's read once beforehand (as the review desk does): the same findings.
    let prev_inputs = collect(&[last.path().to_path_buf()]).files;
    let read = Run::new(&pack, Options::default(), &InProcess)
        .read(&prev_inputs, crossfoot::check::Links::LAST_YEAR);
    let again = Run::new(&pack, Options::default(), &InProcess)
        .with_previous_read(Some(&read))
        .check_all(
            &collect(&[now.path().to_path_buf()]).files,
            Some(&prev_inputs),
        );
    assert_eq!(summary(&again), got);
    // It is what is compared with: none read, every unit's last year is missing.
    let none = Run::new(&pack, Options::default(), &InProcess)
        .with_previous_read(Some(&[]))
        .check_all(
            &collect(&[now.path().to_path_buf()]).files,
            Some(&prev_inputs),
        );
    assert!(summary(&none)
        .iter()
        .all(|f| f.1 == "consolidation.previous-missing"));
    assert_eq!(summary(&none).len(), 3);
    // Without --previous, nothing is said about last year.
    assert_eq!(summary(&check_dir(now.path())), vec![]);
}

// ---------------------------------------------------------------------------------------------
// `crossfoot consolidate`

/// Runs `crossfoot consolidate PATHS -o OUTPUT`; its exit status.
fn consolidate(paths: Vec<std::path::PathBuf>, output: &Path) -> i32 {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .arg("consolidate")
        .args(&paths)
        .arg("-o")
        .arg(output)
        .output()
        .unwrap();
    out.status.code().unwrap_or(-1)
}

/// The numbers of one sheet row of a written workbook, by column.
fn row_numbers(path: &Path, sheet: &str, row: u32) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    let wb = crossfoot::read::load::load_bytes(
        &bytes,
        "x.xlsx",
        &crossfoot::read::load::Limits::default(),
    )
    .unwrap_or_else(|u| panic!("{u:?}"));
    let s = wb.sheet(sheet).unwrap();
    s.cells
        .iter()
        .filter(|(at, _)| at.row == row)
        .filter_map(|(_, c)| match c.value {
            crossfoot::model::Value::Number(n) => Some(n),
            _ => None,
        })
        .collect()
}

#[test]
fn consolidate_then_check_gives_no_finding_and_the_branch_sums() {
    let dir = tempfile::tempdir().unwrap();
    let bs = branches();
    // Written out of code order: the summary sorts by code.
    for b in bs.iter().rev() {
        let name = format!("{}.xlsx", b.name.replace(' ', "_"));
        std::fs::write(dir.path().join(name), write_branch(b, &Layout::default())).unwrap();
    }
    let out = dir.path().join("district.xlsx");
    let code = consolidate(vec![dir.path().to_path_buf()], &out);
    assert_eq!(code, 0);
    let results = check_dir(dir.path());
    assert_eq!(summary(&results), vec![]);
    let district = results
        .iter()
        .find(|r| r.path.ends_with("district.xlsx"))
        .unwrap();
    assert_eq!(district.forms[0].form, "TH01");
    // Rows in code order, then the total row = the branches' sums.
    let want = District::from_branches(&bs);
    for (k, r) in want.rows.iter().enumerate() {
        let got = row_numbers(&out, "TH01", 3 + k as u32);
        // The STT column first: the rows are numbered 1, 2, …
        let figures: Vec<f64> = std::iter::once((k + 1) as f64)
            .chain(r.figures.iter().map(|v| *v as f64))
            .collect();
        assert_eq!(got, figures, "row of {}", r.code);
    }
    let grand: Vec<f64> = want.grand.iter().map(|v| *v as f64).collect();
    assert_eq!(row_numbers(&out, "TH01", 6), grand);
    // Never over an input: a branch workbook is refused and kept.
    let branch = dir.path().join("Đảng_bộ_xã_Bình_Lư.xlsx");
    let before = std::fs::read(&branch).unwrap();
    assert_eq!(consolidate(vec![dir.path().to_path_buf()], &branch), 2);
    assert_eq!(std::fs::read(&branch).unwrap(), before);
    // The summary crossfoot wrote there is its own output: replaced (not read as an input),
    // with the same bytes.
    let before = std::fs::read(&out).unwrap();
    assert_eq!(consolidate(vec![dir.path().to_path_buf()], &out), 0);
    assert_eq!(std::fs::read(&out).unwrap(), before);
    // A summary given among the inputs is not a unit.
    let out2 = dir.path().join("sub").join("district-2.xlsx");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    assert_eq!(consolidate(vec![dir.path().to_path_buf()], &out2), 0);
    assert_eq!(row_numbers(&out2, "TH01", 6), grand);
}

#[test]
fn consolidating_the_samples_gives_a_summary_that_checks_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("branch-") && name.ends_with(".xlsx") {
            let to = dir.path().join(&name);
            std::fs::copy(&p, &to).unwrap();
            paths.push(to);
        }
    }
    assert!(paths.len() >= 5);
    let out = dir.path().join("district.xlsx");
    assert_eq!(consolidate(paths, &out), 0);
    let results = check_dir(dir.path());
    // Included with their slips: a branch whose own figures disagree (its ratings do not add
    // up) gives the same disagreement in its summary row, and nothing else does.
    let flagged: Vec<String> = results
        .iter()
        .filter(|r| r.count(crossfoot::finding::Severity::Error) > 0)
        .filter_map(|r| r.unit.name.clone())
        .collect();
    let district = results
        .iter()
        .find(|r| r.path.ends_with("district.xlsx"))
        .unwrap();
    for f in &district.findings {
        assert!(
            ["TH01.ratings-sum", "TH01.members-split"].contains(&f.rule.as_str()),
            "{f:?}"
        );
        assert!(
            flagged.iter().any(|n| f.message.starts_with(n.as_str())),
            "{f:?}"
        );
    }
    // The summary agrees with every branch and its total row with its rows.
    for f in findings(&results) {
        assert!(!f.rule.starts_with("consolidation."), "{f:?}");
        assert!(!f.rule.starts_with("TH01.matches-unit"), "{f:?}");
        assert!(!f.rule.starts_with("TH01.grand-total"), "{f:?}");
    }
    // The branches carrying errors are listed on the notes sheet.
    let bytes = std::fs::read(&out).unwrap();
    let wb = crossfoot::read::load::load_bytes(
        &bytes,
        "d.xlsx",
        &crossfoot::read::load::Limits::default(),
    )
    .unwrap();
    let notes = &wb.sheets[1];
    let with_errors = results
        .iter()
        .filter(|r| !r.path.ends_with("district.xlsx"))
        .filter(|r| r.count(crossfoot::finding::Severity::Error) > 0)
        .count();
    let listed = notes
        .cells
        .keys()
        .filter(|c| c.col == 0 && c.row > 0)
        .count();
    assert!(
        with_errors > 0 && listed >= with_errors,
        "{listed} < {with_errors}"
    );
}

/// The district's own workbook (code TD) among the branches' is left out with a note that names
/// its code, never the form's `unit_pattern` (a regular expression means nothing to a reviewer).
#[test]
fn a_workbook_that_is_no_unit_is_noted_by_its_code_not_by_a_pattern() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in ["branch-clean.xlsx", "reference-2021.xlsx"] {
        let to = dir.path().join(name);
        std::fs::copy(root.join(name), &to).unwrap();
        paths.push(to);
    }
    let out = dir.path().join("district.xlsx");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(["consolidate", "--lang", "en"])
        .args(&paths)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let bytes = std::fs::read(&out).unwrap();
    let wb = crossfoot::read::load::load_bytes(
        &bytes,
        "d.xlsx",
        &crossfoot::read::load::Limits::default(),
    )
    .unwrap();
    let texts: Vec<String> = wb.sheets[1].cells.values().map(|c| c.display()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("its code TD is not the code of a unit of this summary")),
        "{texts:?}"
    );
    for t in &texts {
        assert!(
            !t.contains("(?:") && !t.contains("\\d") && !t.contains('^'),
            "{t}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Unit codes as people type them: `td-08`, `TD - 08`, `TD–08`, ` TD-08 `, no-break spaces.

type Summary = Vec<(String, String, Vec<String>)>;

/// The findings other than the info findings on irregular codes, and those (cell names).
fn split_irregular(got: Summary) -> (Summary, Vec<(String, Vec<String>)>) {
    let (info, rest): (Vec<_>, Vec<_>) = got
        .into_iter()
        .partition(|(_, rule, _)| rule == "unit.code-irregular");
    (rest, info.into_iter().map(|(f, _, c)| (f, c)).collect())
}

#[test]
fn a_summary_row_typed_td_16_is_the_workbook_of_td_16() {
    let dir = tempfile::tempdir().unwrap();
    let bs = vec![
        Branch::clean("Đảng bộ xã Bình Lư", "TD-16", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "TD-08", 2),
        Branch::clean("Chi bộ Trường THPT Tam Đường", "TD-09", 3),
    ];
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    d.rows[0].code = "td-16".into();
    d.rows[1].code = "TD\u{a0}–\u{a0}08 ".into();
    d.rows[2].code = " TD - 09".into();
    // TD-16's women: one more in the summary than in its workbook; found only if matched.
    d.rows[0].figures[1] += 1;
    d.grand[1] += 1;
    write_all(dir.path(), &bs, &d);
    let (rest, info) = split_irregular(summary(&check_dir(dir.path())));
    let women = cell_ref(&Layout::default(), "M01", "1.1", Col::Count).unwrap();
    assert_eq!(
        rest,
        vec![(
            "district.xlsx".to_string(),
            "TH01.matches-unit".to_string(),
            vec![
                format!("TH01-TongHop!{}", th01_cell(0, 1)),
                format!("branch-td-16.xlsx:{women}"),
            ]
        )],
        "no row without unit, no unit without row"
    );
    assert_eq!(
        info,
        (0..3)
            .map(|k| (
                "district.xlsx".to_string(),
                vec![format!("TH01-TongHop!{}", th01_key_cell(k))]
            ))
            .collect::<Vec<_>>(),
        "one info finding on each irregular code"
    );
    let results = check_dir(dir.path());
    let f = findings(&results)
        .into_iter()
        .find(|f| f.rule == "unit.code-irregular")
        .unwrap();
    assert!(
        f.message.contains("\"td-16\"") && f.message.contains("TD-16"),
        "{}",
        f.message
    );
}

#[test]
fn title_block_codes_typed_otherwise_are_their_units_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let written = ["td-01", "TD - 02", "TD–03"];
    let bs: Vec<Branch> = written
        .iter()
        .enumerate()
        .map(|(i, c)| Branch::clean(&format!("Chi bộ {i}"), c, i as u64 + 1))
        .collect();
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    for (k, r) in d.rows.iter_mut().enumerate() {
        r.code = format!("TD-0{}", k + 1);
    }
    for b in &bs {
        let name = format!("branch-{}.xlsx", b.name.replace(' ', "_"));
        std::fs::write(dir.path().join(name), write_branch(b, &Layout::default())).unwrap();
    }
    std::fs::write(dir.path().join("district.xlsx"), write_district(&d)).unwrap();
    let (rest, info) = split_irregular(summary(&check_dir(dir.path())));
    assert_eq!(rest, vec![], "matched, nothing else");
    let code_cell = "M01-SoLuong!B3";
    assert_eq!(info.len(), 3, "{info:?}");
    assert!(
        info.iter().all(|(_, c)| c == &vec![code_cell.to_string()]),
        "{info:?}"
    );
}

#[test]
fn previous_matches_td_09_typed_with_spaces_to_last_years_td_09() {
    let now = tempfile::tempdir().unwrap();
    let last = tempfile::tempdir().unwrap();
    let b = Branch::clean("Chi bộ Trường THPT Tam Đường", "TD - 09", 3);
    std::fs::write(
        now.path().join("branch.xlsx"),
        write_branch(&b, &Layout::default()),
    )
    .unwrap();
    let mut prev = b.clone();
    prev.code = "TD-09".into();
    prev.year -= 1;
    prev.m02.end = b.m02.start + 3;
    std::fs::write(
        last.path().join("branch-2020.xlsx"),
        write_branch(&prev, &Layout::default()),
    )
    .unwrap();
    let pack = pack();
    let results = Run::new(&pack, Options::default(), &InProcess).check_all(
        &collect(&[now.path().to_path_buf()]).files,
        Some(&collect(&[last.path().to_path_buf()]).files),
    );
    let (rest, info) = split_irregular(summary(&results));
    let start = cell_ref(&Layout::default(), "M02", "1", Col::Count).unwrap();
    let end = cell_ref(&Layout::default(), "M02", "4", Col::Count).unwrap();
    assert_eq!(
        rest,
        vec![(
            "branch.xlsx".to_string(),
            "M02.start-matches-last-year".to_string(),
            vec![start.to_string(), format!("branch-2020.xlsx:{end}")]
        )]
    );
    assert_eq!(
        info,
        vec![(
            "branch.xlsx".to_string(),
            vec!["M01-SoLuong!B3".to_string()]
        )]
    );
    // Reports show the code as written.
    assert_eq!(results[0].unit.code.as_deref(), Some("TD - 09"));
    assert_eq!(results[0].unit.key.as_deref(), Some("TD-09"));
}

#[test]
fn consolidate_reads_codes_as_typed_and_writes_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let bs = vec![
        Branch::clean("Đảng bộ xã Bình Lư", "td-01", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "TD – 02", 2),
    ];
    for b in &bs {
        let name = format!("{}.xlsx", b.name.replace(' ', "_"));
        std::fs::write(dir.path().join(name), write_branch(b, &Layout::default())).unwrap();
    }
    let out = dir.path().join("district.xlsx");
    let code = consolidate(vec![dir.path().to_path_buf()], &out);
    assert_eq!(code, 0);
    let (rest, info) = split_irregular(summary(&check_dir(dir.path())));
    assert_eq!(rest, vec![]);
    assert_eq!(
        info.len(),
        2,
        "the branches' codes, not the summary's: {info:?}"
    );
}

#[test]
fn two_codes_that_read_as_one_unit_are_reported_not_matched() {
    let dir = tempfile::tempdir().unwrap();
    let bs = vec![
        Branch::clean("Đảng bộ xã Bình Lư", "TD-08", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "td - 08", 2),
    ];
    let mut d = District::from_branches(&bs);
    d.years.truncate(3);
    write_all(dir.path(), &bs, &d);
    let (rest, _) = split_irregular(summary(&check_dir(dir.path())));
    let rules: Vec<&str> = rest.iter().map(|(_, r, _)| r.as_str()).collect();
    assert!(rules.contains(&"consolidation.duplicate-unit"), "{rest:?}");
    assert!(rules.contains(&"consolidation.duplicate-row"), "{rest:?}");
    assert!(
        !rules.contains(&"TH01.matches-unit"),
        "never matched to one of them: {rest:?}"
    );
}

#[test]
fn a_workbook_titled_with_another_year_is_said_and_not_compared_with_last_year() {
    let now = tempfile::tempdir().unwrap();
    let last = tempfile::tempdir().unwrap();
    // Two branches whose opening figures are not last year's closing ones; the second's title
    // block says 2020 (last year's file sent again, or a title not updated).
    let mut stale = Branch::clean("Đảng bộ xã Bản Bo", "TD-10", 2);
    stale.year = 2020;
    for b in [
        Branch::clean("Chi bộ Trường THPT Tam Đường", "TD-09", 3),
        stale,
    ] {
        let name = format!("{}.xlsx", b.code.to_lowercase());
        std::fs::write(now.path().join(&name), write_branch(&b, &Layout::default())).unwrap();
        let mut prev = b.clone();
        prev.year -= 1;
        prev.m02.end = b.m02.start + 3;
        std::fs::write(
            last.path().join(name),
            write_branch(&prev, &Layout::default()),
        )
        .unwrap();
    }
    let pack = pack();
    let run = |year: Option<u32>| {
        let options = Options {
            year,
            ..Options::default()
        };
        let results = Run::new(&pack, options, &InProcess).check_all(
            &collect(&[now.path().to_path_buf()]).files,
            Some(&collect(&[last.path().to_path_buf()]).files),
        );
        split_irregular(summary(&results)).0
    };
    let start = cell_ref(&Layout::default(), "M02", "1", Col::Count).unwrap();
    let end = cell_ref(&Layout::default(), "M02", "4", Col::Count).unwrap();
    let compared = |file: &str| {
        (
            file.to_string(),
            "M02.start-matches-last-year".to_string(),
            vec![start.to_string(), format!("{file}:{end}")],
        )
    };
    // Without the run's year, nothing is said about years: both are compared.
    assert_eq!(
        run(None),
        vec![compared("td-09.xlsx"), compared("td-10.xlsx")]
    );
    // With it, the 2020 workbook is a warning on its title's year, and is not compared.
    let year_cell = "M01-SoLuong!D3".to_string();
    assert_eq!(
        run(Some(2021)),
        vec![
            compared("td-09.xlsx"),
            (
                "td-10.xlsx".to_string(),
                "workbook.year-mismatch".to_string(),
                vec![year_cell]
            ),
        ]
    );
}
