//! Real submissions drift from the template (FORMS.md, "What real submissions look like").
//! One test per drift: the same slipped branch written in the drifted layout gives the same
//! findings, on the cells where the drifted layout put the figures, as the generator's own
//! reading of the rules says (`expected_findings`), and as the template layout gives.

mod common;

use common::forms::*;
use crossfoot::check::check_workbook;
use crossfoot::load::{load_bytes, Limits};
use crossfoot::rules;
use std::collections::BTreeSet;

/// A branch with slips of several kinds: a gender split that does not add up, a broken
/// opening/closing chain, a truncated percentage and a wrong rating sum.
fn slipped() -> Branch {
    let mut b = Branch::clean("Đảng bộ xã Thử Nghiệm", "TD-99", 11);
    let men = b.get("M01", "2.1", Col::Count).unwrap();
    b.set("M01", "2.1", Col::Count, men - 1.0);
    let died = b.get("M02", "3.1", Col::Count).unwrap();
    b.set("M02", "3.1", Col::Count, died + 1.0);
    let good = b.get("M03", "2", Col::Good).unwrap();
    b.set("M03", "2", Col::Good, good + 2.0);
    b.recompute_percents();
    let pct = b.get("M04", "2.2", Col::Pct).unwrap();
    b.set("M04", "2.2", Col::Pct, pct + 0.5);
    b
}

/// Each finding as the set of cells it names (`sheet!cell`), with the rule, sorted.
fn ours(bytes: &[u8]) -> BTreeSet<(String, Vec<String>)> {
    let pack = rules::compile(&rules::builtin_sources()).unwrap();
    let wb = load_bytes(bytes, "branch.xlsx", &Limits::default())
        .unwrap_or_else(|u| panic!("unreadable: {u:?}"));
    let (_, findings, _) = check_workbook(&wb, "branch.xlsx", &pack);
    findings
        .iter()
        .map(|f| {
            let mut cells: Vec<String> = f
                .cells
                .iter()
                .map(|c| format!("{}!{}", c.sheet, c.cell))
                .collect();
            cells.sort();
            (f.rule.clone(), cells)
        })
        .collect()
}

fn cell_sets(found: &BTreeSet<(String, Vec<String>)>) -> BTreeSet<Vec<String>> {
    found.iter().map(|(_, c)| c.clone()).collect()
}

fn expected(b: &Branch, layout: &Layout) -> BTreeSet<Vec<String>> {
    expected_findings(b, layout)
        .iter()
        .map(|f| {
            let mut cells: Vec<String> = f.cells(layout).iter().map(|c| c.to_string()).collect();
            cells.sort();
            cells
        })
        .collect()
}

fn same_as_template(layout: Layout) {
    let b = slipped();
    let template = ours(&write_branch(&b, &Layout::default()));
    assert_eq!(
        cell_sets(&template),
        expected(&b, &Layout::default()),
        "template layout"
    );
    assert!(template.len() >= 4, "the slips give findings: {template:?}");
    let drifted = ours(&write_branch(&b, &layout));
    assert_eq!(
        cell_sets(&drifted),
        expected(&b, &layout),
        "drifted layout: the same slips on the drifted cells"
    );
    let rules =
        |s: &BTreeSet<(String, Vec<String>)>| s.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>();
    assert_eq!(rules(&drifted), rules(&template), "the same rules fire");
}

#[test]
fn title_blocks_of_other_heights() {
    same_as_template(Layout {
        title_rows_extra: 4,
        ..Layout::default()
    });
}

#[test]
fn inserted_blank_and_note_rows() {
    same_as_template(Layout {
        blank_rows_between: true,
        ..Layout::default()
    });
}

#[test]
fn an_extra_column_before_the_labels() {
    same_as_template(Layout {
        extra_code_column: true,
        ..Layout::default()
    });
}

#[test]
fn renamed_sheets() {
    same_as_template(Layout {
        sheet_names: SheetNames::Renamed,
        ..Layout::default()
    });
}

#[test]
fn reordered_sheets() {
    same_as_template(Layout {
        sheet_names: SheetNames::Reordered,
        ..Layout::default()
    });
}

#[test]
fn labels_in_other_case() {
    same_as_template(Layout {
        labels: LabelStyle::Upper,
        ..Layout::default()
    });
}

#[test]
fn labels_with_extra_spaces_and_a_trailing_colon() {
    same_as_template(Layout {
        labels: LabelStyle::ExtraSpaces,
        ..Layout::default()
    });
}

#[test]
fn labels_with_other_numbering() {
    same_as_template(Layout {
        labels: LabelStyle::Numbering,
        ..Layout::default()
    });
}

/// No STT column: `1 Tổng số đảng viên`, `1.1 Trong đó: Đảng viên nữ`, `2.1a Đoàn viên…`.
#[test]
fn item_numbers_typed_into_the_labels() {
    same_as_template(Layout {
        labels: LabelStyle::NumberedPlain,
        ..Layout::default()
    });
}

/// `1. …`, `1.1. …`, `2.1a. …`.
#[test]
fn item_numbers_with_a_closing_dot_in_the_labels() {
    same_as_template(Layout {
        labels: LabelStyle::NumberedDotted,
        ..Layout::default()
    });
}

/// `(1) …`, `(1.1) …`, `(2.1a) …`.
#[test]
fn item_numbers_in_brackets_in_the_labels() {
    same_as_template(Layout {
        labels: LabelStyle::NumberedBracketed,
        ..Layout::default()
    });
}

#[test]
fn labels_in_decomposed_unicode() {
    same_as_template(Layout {
        labels: LabelStyle::Nfd,
        ..Layout::default()
    });
}

#[test]
fn labels_without_diacritics() {
    same_as_template(Layout {
        labels: LabelStyle::NoDiacritics,
        ..Layout::default()
    });
}

#[test]
fn numbers_typed_as_vietnamese_text_and_dash_for_zero() {
    same_as_template(Layout {
        numbers: NumberStyle::ViText,
        ..Layout::default()
    });
}

#[test]
fn percentages_as_fractions_with_a_percent_format() {
    same_as_template(Layout {
        percents: PercentStyle::Fraction,
        ..Layout::default()
    });
}

#[test]
fn percentages_as_text() {
    same_as_template(Layout {
        percents: PercentStyle::ViText,
        ..Layout::default()
    });
}

#[test]
fn totals_as_formulas_with_cached_values() {
    same_as_template(Layout {
        totals: TotalStyle::Formulas,
        heading_totals: true,
        ..Layout::default()
    });
}

/// Without cached values crossfoot computes the totals from their formulas, as a spreadsheet
/// would: a slip in a part then moves the total with it, so only slips outside the formulas
/// remain, and a clean branch stays clean (not zero everywhere, which would be wrong).
#[test]
fn totals_as_formulas_without_cached_values() {
    let layout = Layout {
        totals: TotalStyle::FormulasNoCache,
        heading_totals: true,
        ..Layout::default()
    };
    let clean = Branch::clean("Đảng bộ xã Sạch", "TD-98", 12);
    assert_eq!(
        ours(&write_branch(&clean, &layout)),
        BTreeSet::new(),
        "a clean branch with uncached formulas"
    );
    let mut b = clean.clone();
    let pct = b.get("M04", "2.2", Col::Pct).unwrap();
    b.set("M04", "2.2", Col::Pct, pct + 0.5);
    let found = ours(&write_branch(&b, &layout));
    assert_eq!(cell_sets(&found), expected(&b, &layout));
    assert_eq!(found, ours(&write_branch(&b, &Layout::default())));
}

#[test]
fn merged_header_cells() {
    same_as_template(Layout {
        merged_header: true,
        ..Layout::default()
    });
}

#[test]
fn everything_at_once() {
    same_as_template(Layout {
        title_rows_extra: 2,
        blank_rows_between: true,
        extra_code_column: true,
        sheet_names: SheetNames::Reordered,
        labels: LabelStyle::NoDiacritics,
        numbers: NumberStyle::ViText,
        percents: PercentStyle::Fraction,
        merged_header: true,
        ..Layout::default()
    });
}

// ---------------------------------------------------------------------------------------------
// The district summary: TH02 with the district's real 2010–2020 history, its headings flat
// or under merged group headings.

use common::district::*;

fn district_findings(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let pack = rules::compile(&rules::builtin_sources()).unwrap();
    let wb = load_bytes(bytes, "district.xlsx", &Limits::default())
        .unwrap_or_else(|u| panic!("unreadable: {u:?}"));
    let (_, findings, _) = check_workbook(&wb, "district.xlsx", &pack);
    let mut out: Vec<(String, Vec<String>)> = findings
        .iter()
        .map(|f| {
            let mut cells: Vec<String> = f
                .cells
                .iter()
                .map(|c| format!("{}!{}", c.sheet, c.cell))
                .collect();
            cells.sort();
            (f.rule.clone(), cells)
        })
        .collect();
    out.sort();
    out
}

fn real_district() -> District {
    let branches = [
        Branch::clean("Đảng bộ xã Bình Lư", "TD-01", 1),
        Branch::clean("Đảng bộ xã Bản Bo", "TD-02", 2),
    ];
    let mut d = District::from_branches(&branches);
    d.years = real_history();
    d
}

const TH02_LAYOUTS: [DistrictLayout; 5] = [
    DistrictLayout {
        th02: Th02Headings::Flat,
        th02_margin: false,
    },
    DistrictLayout {
        th02: Th02Headings::FlatColon,
        th02_margin: false,
    },
    DistrictLayout {
        th02: Th02Headings::Merged,
        th02_margin: false,
    },
    DistrictLayout {
        th02: Th02Headings::Merged,
        th02_margin: true,
    },
    DistrictLayout {
        th02: Th02Headings::MergedUnderOneHeading,
        th02_margin: true,
    },
];

/// The rules of the findings on TH02, with the row (1-based) each names.
fn th02_rows(found: &[(String, Vec<String>)]) -> Vec<(String, Vec<u32>)> {
    found
        .iter()
        .filter(|(r, _)| r.starts_with("TH02"))
        .map(|(r, cells)| {
            let mut rows: Vec<u32> = cells
                .iter()
                .map(|c| {
                    let a1 = c.rsplit('!').next().unwrap_or_default();
                    a1.trim_start_matches(|ch: char| ch.is_ascii_alphabetic())
                        .parse()
                        .unwrap()
                })
                .collect();
            rows.sort();
            rows.dedup();
            (r.clone(), rows)
        })
        .collect()
}

#[test]
fn the_real_th02_history_gives_exactly_its_two_repeats_in_every_heading_layout() {
    let d = real_district();
    for layout in &TH02_LAYOUTS {
        let found = district_findings(&write_district_with(&d, layout));
        // 2013 (year row 3) against 2012, 2015 (row 5) against 2014.
        let row = |k: u32| layout.th02_first_row() + k + 1;
        let mut want = vec![
            ("TH02.members-repeated".to_string(), vec![row(2), row(3)]),
            ("TH02.row-repeated".to_string(), vec![row(4), row(5)]),
        ];
        want.sort();
        let mut got = th02_rows(&found);
        got.sort();
        assert_eq!(got, want, "{layout:?}: {found:?}");
        assert_eq!(found.len(), 2, "nothing else, {layout:?}: {found:?}");
    }
}

#[test]
fn a_mistyped_2017_figure_is_found_on_its_row_in_every_heading_layout() {
    let mut d = real_district();
    // 2017 (year row 7): members HTTNV 1,901 typed as 1,910.
    assert_eq!(d.years[7].members[2], 1901);
    d.years[7].members[2] = 1910;
    for layout in &TH02_LAYOUTS {
        let found = district_findings(&write_district_with(&d, layout));
        let slip = format!("TH02-XepLoai!{}", layout.th02_cell(7, 1 + 10 + 2));
        let sums: Vec<_> = found
            .iter()
            .filter(|(r, _)| r == "TH02.members-ratings-sum")
            .collect();
        assert_eq!(sums.len(), 1, "{layout:?}: {found:?}");
        assert!(sums[0].1.contains(&slip), "{slip} in {:?}", sums[0].1);
        assert_eq!(
            found.len(),
            3,
            "the two repeats and the sum, {layout:?}: {found:?}"
        );
    }
}
