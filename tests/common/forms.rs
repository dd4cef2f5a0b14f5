//! Test support: a model of one branch workbook (forms M01–M04 of
//! `/work/shared/forms/FORMS.md`) and a writer that lays it out like the
//! blank template `templates/branch-report.xlsx`, or drifted from it the way
//! real submissions drift.
//!
//! * [`Branch::clean`] builds a branch whose figures satisfy every
//!   relationship of FORMS.md exactly; tests break single figures by
//!   mutating the public numeric fields (call [`Branch::recompute_percents`]
//!   first if the percentages should follow the mutated counts).
//! * [`Layout`] (its `Default` is the template) holds the drift options and
//!   the per-cell damage (`omit`, `blank`, `text_in`, …).
//! * [`plan`] computes every cell the writer will write, [`cell_ref`] where an
//!   item's figure lands, [`write_branch`] / [`write_branch_to`] produce the
//!   `.xlsx`.
//! * [`reference_2021`] holds the district figures of the report, slips
//!   included, and [`write_reference_2021`] writes them as the report prints
//!   them.
//!
//! Included by the integration tests as `mod common;` and by
//! `examples/gen_samples.rs` through `#[path]`.
#![allow(dead_code)]

use std::collections::HashSet;
use std::error::Error;
use std::fmt;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::OnceLock;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};
use unicode_normalization::UnicodeNormalization;

/// The four branch forms, in template order.
pub const FORMS: [&str; 4] = ["M01", "M02", "M03", "M04"];

// ---------------------------------------------------------------------------
// The figures
// ---------------------------------------------------------------------------

/// One branch workbook's figures. Block arrays are indexed by sub-item
/// number − 1 (`age[0]` is item 3.1); `*_pct` fields are the `Tỷ lệ (%)`
/// column as written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Branch {
    pub name: String,
    pub code: String,
    pub year: u32,
    pub m01: M01,
    pub m02: M02,
    pub m03: M03,
    pub m04: M04,
}

/// M01 — Số lượng và cơ cấu đảng viên.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct M01 {
    /// 1 Tổng số đảng viên.
    pub total: i64,
    pub total_pct: f64,
    /// 1.1 Trong đó: Đảng viên nữ.
    pub women: i64,
    pub women_pct: f64,
    /// 1.2 Đảng viên người dân tộc thiểu số.
    pub minority: i64,
    pub minority_pct: f64,
    /// 1.3 Đảng viên dự bị.
    pub probationary: i64,
    pub probationary_pct: f64,
    /// 1.4 Đảng viên chính thức.
    pub full: i64,
    pub full_pct: f64,
    /// 2.1 Nam, 2.2 Nữ.
    pub gender: [i64; 2],
    pub gender_pct: [f64; 2],
    /// 3.1–3.8 age bands.
    pub age: [i64; 8],
    pub age_pct: [f64; 8],
    /// 4.1–4.4 general education.
    pub education: [i64; 4],
    pub education_pct: [f64; 4],
    /// 5.1–5.7 professional qualification.
    pub qualification: [i64; 7],
    pub qualification_pct: [f64; 7],
    /// 6.1–6.4 political theory.
    pub theory: [i64; 4],
    pub theory_pct: [f64; 4],
    /// 7.1–7.12 ethnicity (7.1 = Kinh).
    pub ethnicity: [i64; 12],
    pub ethnicity_pct: [f64; 12],
    /// 8.1–8.9 occupation.
    pub occupation: [i64; 9],
    pub occupation_pct: [f64; 9],
    /// 9 Đảng viên có đạo.
    pub religious: i64,
    pub religious_pct: f64,
    /// 9.1 Chính thống, 9.2 Bị ảnh hưởng.
    pub religious_parts: [i64; 2],
    pub religious_parts_pct: [f64; 2],
}

/// M02 — Biến động đảng viên trong năm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct M02 {
    /// 1 Số đảng viên đầu năm.
    pub start: i64,
    /// 2 Tăng trong năm.
    pub increase: i64,
    /// 2.1 Kết nạp mới.
    pub admitted: i64,
    /// 2.1a–d: youth-union members, women, minority, rural.
    pub admitted_of: [i64; 4],
    /// Percent of 2.1, for 2.1a–d.
    pub admitted_of_pct: [f64; 4],
    /// 2.2 Chuyển đến.
    pub transferred_in: i64,
    /// 3 Giảm trong năm.
    pub decrease: i64,
    /// 3.1–3.6: died, expelled, struck off, resigned, annulled, transferred out.
    pub decrease_by: [i64; 6],
    /// 4 Số đảng viên cuối năm.
    pub end: i64,
    /// 5 Đảng viên bị kỷ luật.
    pub disciplined: i64,
    /// 5.1–5.4: reprimand, warning, dismissal, expulsion.
    pub disciplined_by: [i64; 4],
}

/// One row of M03: the number rated and the four ratings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rating {
    /// `Tổng số được đánh giá`.
    pub rated: i64,
    /// HTXSNV.
    pub excellent: i64,
    /// HTTNV.
    pub good: i64,
    /// HTNV.
    pub completed: i64,
    /// KHTNV.
    pub not_completed: i64,
    /// `Tỷ lệ HTTNV trở lên (%)` = (HTXSNV + HTTNV) ÷ rated × 100.
    pub share_pct: f64,
}

/// M03 — Kết quả đánh giá, xếp loại.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct M03 {
    /// Row 1 Chi bộ trực thuộc.
    pub sub_branches: Rating,
    /// Row 2 Đảng viên.
    pub members: Rating,
    /// 3 Đảng viên không đánh giá.
    pub not_rated: i64,
    /// 3.1 Miễn sinh hoạt.
    pub exempt: i64,
    /// 3.2 Mới kết nạp.
    pub newly_admitted: i64,
}

/// M04 — Cấp ủy viên.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct M04 {
    /// 1 Tổng số cấp ủy viên.
    pub total: i64,
    pub total_pct: f64,
    /// 2.1–2.5: Thạc sĩ, Đại học, Cao đẳng, Trung cấp, Sơ cấp và chưa qua đào tạo.
    pub qualification: [i64; 5],
    pub qualification_pct: [f64; 5],
    /// 3.1–3.3: Cao cấp, Trung cấp, Sơ cấp và chưa qua đào tạo.
    pub theory: [i64; 3],
    pub theory_pct: [f64; 3],
}

/// `count ÷ base × 100`, rounded half away from zero to 2 decimals (exact
/// integer arithmetic); 0 when the base is 0.
pub fn pct(count: i64, base: i64) -> f64 {
    if base == 0 {
        return 0.0;
    }
    let num = (count * 10_000).abs();
    let den = base.abs();
    let q = (2 * num + den) / (2 * den);
    let sign = if (count < 0) != (base < 0) { -1 } else { 1 };
    (sign * q) as f64 / 100.0
}

/// Like [`pct`] but truncated instead of rounded (a typical slip:
/// 185 ÷ 256 → 72.26 instead of 72.27).
pub fn pct_truncated(count: i64, base: i64) -> f64 {
    if base == 0 {
        return 0.0;
    }
    ((count * 10_000) / base) as f64 / 100.0
}

/// Deterministic linear congruential generator (no `rand`).
#[derive(Clone, Debug)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        let mut lcg = Lcg(seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03));
        lcg.next_u32();
        lcg
    }

    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// Uniform in `lo..=hi` (returns `lo` when `hi < lo`).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u32() as i64) % (hi - lo + 1)
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: i64) -> bool {
        self.range(1, n) == 1
    }
}

/// Splits `n` into parts roughly proportional to jittered `weights`; the
/// parts always add up to `n` exactly. Zero weights get zero.
fn split<const K: usize>(rng: &mut Lcg, n: i64, weights: [u64; K]) -> [i64; K] {
    let mut parts = [0i64; K];
    if n <= 0 {
        return parts;
    }
    let w: Vec<u64> = weights
        .iter()
        .map(|&w| w * rng.range(50, 150) as u64)
        .collect();
    let total: u64 = w.iter().sum();
    assert!(total > 0, "split needs a non-zero weight");
    for (part, &wi) in parts.iter_mut().zip(&w) {
        *part = (n as u64 * wi / total) as i64;
    }
    let mut rest = n - parts.iter().sum::<i64>();
    while rest > 0 {
        let mut pick = rng.range(0, total as i64 - 1) as u64;
        for (part, &wi) in parts.iter_mut().zip(&w) {
            if pick < wi {
                *part += 1;
                break;
            }
            pick -= wi;
        }
        rest -= 1;
    }
    parts
}

impl Branch {
    /// A consistent branch of 20–150 members: every relationship of
    /// FORMS.md holds exactly, percentages included. Deterministic in `seed`.
    pub fn clean(name: &str, code: &str, seed: u64) -> Branch {
        let mut r = Lcg::new(seed);
        let n = r.range(20, 150);

        // M01
        let probationary = r.range(0, (n / 12).max(1));
        let women = n * r.range(18, 45) / 100;
        let mut ethnic_weights = [480, 150, 130, 55, 55, 53, 51, 9, 7, 2, 1, 10];
        for w in ethnic_weights.iter_mut().skip(1) {
            if r.one_in(2) {
                *w = 0;
            }
        }
        let ethnicity = split(&mut r, n, ethnic_weights);
        let religious = r.range(0, n / 15);
        let orthodox = r.range(0, religious);
        let m01 = M01 {
            total: n,
            women,
            minority: n - ethnicity[0],
            probationary,
            full: n - probationary,
            gender: [n - women, women],
            age: split(&mut r, n, [15, 18, 18, 13, 8, 6, 5, 8]),
            education: split(&mut r, n, [1, 10, 22, 67]),
            qualification: split(&mut r, n, [30, 3, 21, 12, 32, 1, 0]),
            theory: split(&mut r, n, [60, 16, 21, 3]),
            ethnicity,
            occupation: split(&mut r, n, [5, 12, 17, 36, 16, 6, 1, 7, 1]),
            religious,
            religious_parts: [orthodox, religious - orthodox],
            ..M01::default()
        };

        // M02: the year ends with the M01 total.
        let admitted = r.range(0, (n / 10).max(2));
        let mut share_of_admitted = |lo, hi| (admitted * r.range(lo, hi) + 50) / 100;
        let admitted_of = [
            share_of_admitted(60, 100),
            share_of_admitted(20, 60),
            share_of_admitted(30, 90),
            share_of_admitted(50, 100),
        ];
        let transferred_in = r.range(0, 4);
        let expelled = i64::from(r.one_in(8));
        let decrease_by = [
            r.range(0, 3),
            expelled,
            i64::from(r.one_in(4)),
            i64::from(r.one_in(12)),
            i64::from(r.one_in(25)),
            r.range(0, 4),
        ];
        let increase = admitted + transferred_in;
        let decrease: i64 = decrease_by.iter().sum();
        let disciplined_by = [
            r.range(0, 3),
            r.range(0, 2),
            i64::from(r.one_in(8)),
            expelled,
        ];
        let m02 = M02 {
            start: n - increase + decrease,
            increase,
            admitted,
            admitted_of,
            transferred_in,
            decrease,
            decrease_by,
            end: n,
            disciplined: disciplined_by.iter().sum(),
            disciplined_by,
            ..M02::default()
        };

        // M03: rated + not rated = M01 total.
        let exempt = r.range(0, n / 15);
        let newly_admitted = r.range(0, admitted);
        let rated = n - exempt - newly_admitted;
        let [excellent, good, completed, not_completed] = split(&mut r, rated, [15, 70, 13, 2]);
        let subs = if r.one_in(2) { 0 } else { r.range(3, 12) };
        let [s_exc, s_good, s_comp, s_not] = split(&mut r, subs, [20, 65, 15, 0]);
        let m03 = M03 {
            sub_branches: Rating {
                rated: subs,
                excellent: s_exc,
                good: s_good,
                completed: s_comp,
                not_completed: s_not,
                share_pct: 0.0,
            },
            members: Rating {
                rated,
                excellent,
                good,
                completed,
                not_completed,
                share_pct: 0.0,
            },
            not_rated: exempt + newly_admitted,
            exempt,
            newly_admitted,
        };

        // M04
        let committee = [3, 5, 7, 9][r.range(0, 3) as usize];
        let m04 = M04 {
            total: committee,
            qualification: split(&mut r, committee, [5, 65, 5, 20, 5]),
            theory: split(&mut r, committee, [10, 75, 15]),
            ..M04::default()
        };

        let mut b = Branch {
            name: name.to_string(),
            code: code.to_string(),
            year: 2021,
            m01,
            m02,
            m03,
            m04,
        };
        b.recompute_percents();
        b
    }

    /// Sets every percentage from the counts as the forms define it
    /// (rounded half away from zero to 2 decimals; a total's own percent is
    /// 100; a zero base gives 0).
    pub fn recompute_percents(&mut self) {
        let m = &mut self.m01;
        let n = m.total;
        m.total_pct = if n > 0 { 100.0 } else { 0.0 };
        m.women_pct = pct(m.women, n);
        m.minority_pct = pct(m.minority, n);
        m.probationary_pct = pct(m.probationary, n);
        m.full_pct = pct(m.full, n);
        fill_pct(&m.gender, &mut m.gender_pct, n);
        fill_pct(&m.age, &mut m.age_pct, n);
        fill_pct(&m.education, &mut m.education_pct, n);
        fill_pct(&m.qualification, &mut m.qualification_pct, n);
        fill_pct(&m.theory, &mut m.theory_pct, n);
        fill_pct(&m.ethnicity, &mut m.ethnicity_pct, n);
        fill_pct(&m.occupation, &mut m.occupation_pct, n);
        m.religious_pct = pct(m.religious, n);
        fill_pct(&m.religious_parts, &mut m.religious_parts_pct, n);

        let m = &mut self.m02;
        fill_pct(&m.admitted_of, &mut m.admitted_of_pct, m.admitted);

        for r in [&mut self.m03.sub_branches, &mut self.m03.members] {
            r.share_pct = pct(r.excellent + r.good, r.rated);
        }

        let m = &mut self.m04;
        m.total_pct = if m.total > 0 { 100.0 } else { 0.0 };
        fill_pct(&m.qualification, &mut m.qualification_pct, m.total);
        fill_pct(&m.theory, &mut m.theory_pct, m.total);
    }
}

fn fill_pct(counts: &[i64], pcts: &mut [f64], base: i64) {
    for (p, &c) in pcts.iter_mut().zip(counts) {
        *p = pct(c, base);
    }
}

// ---------------------------------------------------------------------------
// The district's reference figures
// ---------------------------------------------------------------------------

/// The district totals of report 154-BC/HU (FORMS.md "Reference figures")
/// exactly as printed, slips included. Its M03 is all zero: the report has
/// no M03 and [`reference_layout`] omits it. Percent fields hold the printed
/// percentages (M01 prints none; M04 prints none for item 1).
pub fn reference_2021() -> Branch {
    let m01 = M01 {
        total: 2675,
        women: 884,
        minority: 1398,
        probationary: 103,
        full: 2572,
        gender: [1793, 881],
        age: [376, 645, 675, 373, 176, 125, 105, 199],
        education: [1, 275, 550, 1848],
        qualification: [808, 68, 574, 339, 859, 27, 0],
        theory: [1611, 427, 569, 67],
        ethnicity: [1276, 399, 347, 148, 148, 142, 136, 24, 18, 6, 4, 26],
        occupation: [147, 321, 447, 955, 423, 154, 28, 177, 22],
        religious: 82,
        religious_parts: [6, 76],
        ..M01::default()
    };
    let m02 = M02 {
        start: 1657,
        increase: 2131,
        admitted: 1633,
        admitted_of: [1314, 724, 743, 1245],
        admitted_of_pct: [80.5, 44.3, 45.5, 76.2],
        transferred_in: 498,
        decrease: 1113,
        decrease_by: [128, 42, 37, 22, 3, 881],
        end: 2675,
        disciplined: 149,
        disciplined_by: [79, 24, 4, 42],
    };
    let m04 = M04 {
        total: 256,
        total_pct: 0.0,
        qualification: [20, 169, 5, 57, 5],
        qualification_pct: [7.81, 66.02, 1.95, 22.27, 1.95],
        theory: [60, 185, 11],
        theory_pct: [23.44, 72.26, 4.3],
    };
    Branch {
        name: "Đảng bộ huyện Tam Đường".to_string(),
        code: "TD".to_string(),
        year: 2021,
        m01,
        m02,
        m03: M03::default(),
        m04,
    }
}

/// The layout of the reference workbook: the template, without M03, with
/// M01's percent column and M04 item 1's percent left empty (the report
/// prints none) and percentages shown to the decimals printed (80.5, 4.3).
pub fn reference_layout() -> Layout {
    Layout {
        omit: vec!["M03"],
        no_pct_column: vec!["M01"],
        blank_pct: vec![("M04", "1")],
        pct_decimals: PctDecimals::AsGiven,
        ..Layout::default()
    }
}

/// The reference workbook as `.xlsx` bytes.
pub fn write_reference_2021() -> Vec<u8> {
    write_branch(&reference_2021(), &reference_layout())
}

/// Writes the reference workbook to `path`.
pub fn write_reference_2021_to(path: impl AsRef<Path>) -> std::io::Result<()> {
    std::fs::write(path, write_reference_2021())
}

// ---------------------------------------------------------------------------
// Layout and drift
// ---------------------------------------------------------------------------

/// How the workbook is laid out. `Layout::default()` is the blank template
/// exactly; every other value is a drift seen in real submissions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    /// Extra rows in the title block: the first goes on top
    /// (`ĐẢNG CỘNG SẢN VIỆT NAM` in column C), the rest after the form title
    /// (`Đơn vị tính: người`, a note, blank rows).
    pub title_rows_extra: u32,
    /// A blank row and a note row `(Ghi chú: số liệu đến 30/9)` inside each
    /// table, between two blocks of items.
    pub blank_rows_between: bool,
    /// An item-code column (`Mã số`: `M01.01`, …) before STT.
    pub extra_code_column: bool,
    pub sheet_names: SheetNames,
    pub labels: LabelStyle,
    pub numbers: NumberStyle,
    pub percents: PercentStyle,
    pub pct_decimals: PctDecimals,
    pub totals: TotalStyle,
    /// Write the block sums into the heading rows (M01 items 2–8, M04 items
    /// 2–3), which the template leaves empty; as formulas under
    /// `TotalStyle::Formulas*` (`=C13+C14`, `=SUM(C16:C23)`).
    pub heading_totals: bool,
    /// Two header rows: `STT`/`Chỉ tiêu` merged over both, the value
    /// columns grouped on the first and named on the second.
    pub merged_header: bool,
    /// Forms left out of the workbook (`"M04"`).
    pub omit: Vec<&'static str>,
    /// `(form, item)` whose count cell (M03: the `Tổng số được đánh giá` /
    /// not-rated cell) is left empty.
    pub blank: Vec<(&'static str, &'static str)>,
    /// `(form, item)` whose percent cell (M03: the share) is left empty.
    pub blank_pct: Vec<(&'static str, &'static str)>,
    /// Forms whose whole percent column is left empty.
    pub no_pct_column: Vec<&'static str>,
    /// `(form, item, text)`: the count cell holds this text instead.
    pub text_in: Vec<(&'static str, &'static str, String)>,
    /// The percent column's heading over two rows: `Tỷ lệ` above `(%)`.
    pub pct_header_split: bool,
    /// An empty margin column A: the table starts in B (labels in C).
    pub margin_column: bool,
    /// Each label merged across two columns (the values one column further right).
    pub merged_labels: bool,
    /// Labels written as rich text (the first word bold): a `<r>` run per part.
    pub rich_labels: bool,
    /// No-break spaces between the words of the labels and a trailing
    /// space and no-break space after them.
    pub nbsp_spaces: bool,
    /// A `Ghi chú` (notes) column between the first and the second value columns.
    pub notes_column: bool,
    /// The value columns in reverse order (`Tỷ lệ (%)` before `Số lượng`).
    pub values_reversed: bool,
    /// The title block in single cells: `Mã đơn vị: TD-04`.
    pub title_in_one_cell: bool,
    /// Sheets that are not forms: instructions (`Hướng dẫn`) first, a hidden
    /// list of codes (`DanhMuc`), an empty sheet (`Sheet5`).
    pub extra_sheets: bool,
    /// Some item rows hidden (M01 3.1–3.8, M04 3–3.3): they still count.
    pub hidden_rows: bool,
    /// Written with rust_xlsxwriter's constant-memory worksheets: every string
    /// inline in the sheet (`t="inlineStr"`), no shared-strings table.
    pub inline_strings: bool,
    /// Under `TotalStyle::Formulas`, M02 item 4 as a formula on M01's sheet
    /// (`='M01-SoLuong'!C9`).
    pub cross_sheet: bool,
    /// Percentages as formulas (`ROUND(C10/C$9*100,2)`) with cached results.
    pub pct_formulas: bool,
    /// With `pct_formulas`: each sheet's percent formulas turned into one Excel
    /// shared formula (`<f t="shared" ref=… si="0">`), as Excel writes them.
    pub shared_formulas: bool,
    /// Labels, headings and titles abbreviated as people shorten them.
    pub abbreviated: Abbreviated,
    /// Each item label with one letter doubled in its first word of five letters or more
    /// (`Troong đó: …`); labels without such a word as written.
    pub label_slips: bool,
    /// The value columns twice, last year's then the report year's (not in M03).
    pub year_columns: YearColumns,
    /// A row of column numbers under the header (`1 | 2 | 3 | …`).
    pub column_numbers: ColumnNumbers,
    /// The header row written again further down each table (a printed page's
    /// repeated title rows), before the row `blank_rows_between` puts its note
    /// before.
    pub header_repeated: bool,
    /// A blank row after every item row.
    pub blank_after_every_row: bool,
    /// A subtotal row `Cộng` after each block of sub-items whose heading row
    /// holds no figure (M01 items 2–8, M04 items 2–3).
    pub subtotals: Subtotals,
    /// `(form, heading item, delta)`: that block's subtotal written off by
    /// `delta` (a subtotal that does not add up).
    pub subtotal_off: Vec<(&'static str, &'static str, i64)>,
    /// Several forms on one sheet `Báo cáo`.
    pub one_sheet: OneSheet,
    /// M01 continued on a second sheet `… (tiếp)` from this item on: the second
    /// sheet repeats the title and header rows, the items follow in the same
    /// columns from the first item row.
    pub continued_at: Option<&'static str>,
    /// A second column headed `Số lượng` after the value columns of the forms
    /// that have one (M01, M02, M04), holding other counts (each one less):
    /// which is the form's cannot be told.
    pub count_column_twice: bool,
    /// `(form, item)`: that item's row written twice, the copy right under it
    /// with its count one more (which is the form's cannot be told).
    pub row_twice: Option<(&'static str, &'static str)>,
    /// Ways offices fill, copy and re-save the forms that FORMS.md does not list
    /// (issue 23 point 5), applied in order to every sheet of the plan; see [`Office`].
    pub office: Vec<Office>,
}

/// How labels, headings and titles are shortened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Abbreviated {
    #[default]
    No,
    /// `SL`, `TL (%)`, `TS`, `ĐV`, `DTTS`, `LLCT`, `CM`, `ĐG` wherever they stand
    /// (`TS ĐV`, `Trong đó: ĐV nữ`, `Số ĐV đầu năm`, `Tổng số được ĐG`, `Trình độ LLCT`).
    Short,
    /// The same, the percent heading a bare `%` and the count heading `SL`.
    Terse,
}

/// Two years side by side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum YearColumns {
    #[default]
    No,
    /// `Năm 2020 | Năm 2021` merged over `Số lượng | Tỷ lệ (%)` twice.
    Grouped,
    /// `Số lượng năm 2020 | Tỷ lệ (%) năm 2020 | Số lượng năm 2021 | Tỷ lệ (%) năm 2021`.
    InHeading,
}

/// `s` shortened as `a` says (whole phrases only, as people do).
fn abbreviate(s: &str, a: Abbreviated) -> String {
    if a == Abbreviated::No {
        return s.to_string();
    }
    if a == Abbreviated::Terse && s == "Tỷ lệ (%)" {
        return "%".to_string();
    }
    const SHORT: [(&str, &str); 13] = [
        ("Tổng số", "TS"),
        ("Số lượng", "SL"),
        ("SỐ LƯỢNG", "SL"),
        ("Tỷ lệ (%)", "TL (%)"),
        ("Tỷ lệ", "TL"),
        ("đảng viên", "ĐV"),
        ("Đảng viên", "ĐV"),
        ("ĐẢNG VIÊN", "ĐV"),
        ("dân tộc thiểu số", "DTTS"),
        ("lý luận chính trị", "LLCT"),
        ("chuyên môn", "CM"),
        ("đánh giá", "ĐG"),
        ("ĐÁNH GIÁ", "ĐG"),
    ];
    let mut out = s.to_string();
    for (long, short) in SHORT {
        out = out.replace(long, short);
    }
    out
}

/// `s` with the last letter of its first word of five letters or more doubled.
fn slipped(s: &str) -> String {
    let mut done = false;
    s.split(' ')
        .map(|w| {
            if done || w.chars().filter(|c| c.is_alphabetic()).count() < 5 {
                return w.to_string();
            }
            done = true;
            let last = w.chars().rev().find(|c| c.is_alphabetic()).unwrap();
            let at = w.rfind(last).unwrap() + last.len_utf8();
            format!("{}{last}{}", &w[..at], &w[at..])
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Several forms on one sheet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OneSheet {
    /// A sheet per form (the template).
    #[default]
    Separate,
    /// All four forms stacked on one sheet `Báo cáo`, each with its own title
    /// block and header, three blank rows between them.
    Stacked,
    /// M01 and M04 side by side on one sheet `Báo cáo` (M04 two columns right
    /// of M01's last), M02 and M03 on their own sheets.
    SideBySide,
    /// As `SideBySide`, each form's title over its label column (not over its
    /// first column).
    SideBySideTitlesOverLabels,
    /// M01 twice on one sheet `Báo cáo`, stacked (an old and a new copy, here
    /// with the same figures), the other forms on their own sheets. Which one
    /// is M01 is not decided; `cell_ref` gives the second.
    M01Twice,
}

/// The sheet several forms share.
pub const ONE_SHEET: &str = "Báo cáo";

fn shift_plan(p: &mut SheetPlan, dr: u32, dc: u16) {
    for c in &mut p.cells {
        c.row += dr;
        c.col += dc;
    }
    for m in &mut p.merges {
        *m = (m.0 + dr, m.1 + dc, m.2 + dr, m.3 + dc);
    }
    for (_, r) in &mut p.item_rows {
        *r += dr;
    }
    for c in &mut p.value_cols {
        *c += dc;
    }
    p.first_value_col += dc;
    p.name = ONE_SHEET.to_string();
}

/// Puts the plans that share a sheet under `layout.one_sheet` on it.
fn share_sheet(plans: &mut Vec<SheetPlan>, layout: &Layout) {
    let extent = |p: &SheetPlan| {
        let rows = p.cells.iter().map(|c| c.row).max().unwrap_or(0);
        let cols = p.cells.iter().map(|c| c.col).max().unwrap_or(0);
        (rows, cols)
    };
    match layout.one_sheet {
        OneSheet::Separate => {}
        OneSheet::Stacked => {
            let mut top = 0;
            for p in plans.iter_mut() {
                let (rows, _) = extent(p);
                shift_plan(p, top, 0);
                top += rows + 4;
            }
        }
        OneSheet::M01Twice => {
            let Some(i) = plans.iter().position(|p| p.form == "M01") else {
                return;
            };
            let mut old = plans[i].clone();
            let (rows, _) = extent(&old);
            shift_plan(&mut old, 0, 0);
            shift_plan(&mut plans[i], rows + 4, 0);
            plans.insert(i, old);
        }
        OneSheet::SideBySide | OneSheet::SideBySideTitlesOverLabels => {
            let mut left = 0;
            for p in plans.iter_mut().filter(|p| matches!(p.form, "M01" | "M04")) {
                let (_, cols) = extent(p);
                if layout.one_sheet == OneSheet::SideBySideTitlesOverLabels {
                    let title = form_title(p.form);
                    for c in &mut p.cells {
                        if matches!(&c.content, Content::Text(t) if t.as_str() == title) {
                            c.col += 1;
                        }
                    }
                }
                shift_plan(p, 0, left);
                left += cols + 3;
            }
        }
    }
}

/// A row of column numbers under the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColumnNumbers {
    #[default]
    None,
    /// `1 2 3 4 …` as numbers.
    Plain,
    /// `(1) (2) (3) …` as text.
    Bracketed,
    /// `A B` over the number and label columns, then `1 2 …` over the values.
    Lettered,
}

/// How block subtotal rows are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Subtotals {
    #[default]
    None,
    /// The sum typed as a number.
    Typed,
    /// `=SUM(C16:C23)` with its cached result.
    Formula,
    /// The sum typed, and no label at all (the row told by its figures).
    Unlabelled,
}

/// Sheet names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SheetNames {
    /// `M01-SoLuong`, `M02-BienDong`, `M03-XepLoai`, `M04-CapUy`.
    #[default]
    Template,
    /// `M01 - Số lượng`, `Mau 02`, `Biểu M03 - Xếp loại`, `Mau 04 - Cap uy`.
    Renamed,
    /// Template names, sheets in the order M04, M02, M01, M03.
    Reordered,
    /// `Sheet1` … `Sheet4`: the forms known by their titles only.
    Generic,
}

/// How the fixed texts (labels, headers, captions) are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LabelStyle {
    #[default]
    Template,
    /// Upper case.
    Upper,
    /// Double spaces; item labels also get a trailing colon.
    ExtraSpaces,
    /// STT cells left empty; item labels prefixed `I.` (top level),
    /// `1)` (second level) or `a)` (2.1a–d).
    Numbering,
    /// STT cells left empty; the item number typed into the label as the
    /// STT column has it, followed by a space: `1 Tổng số đảng viên`,
    /// `1.1 Trong đó: Đảng viên nữ`, `2.1a Đoàn viên thanh niên`.
    NumberedPlain,
    /// The same with a closing dot: `1. …`, `1.1. …`, `2.1a. …`.
    NumberedDotted,
    /// The same in brackets: `(1) …`, `(1.1) …`, `(2.1a) …`.
    NumberedBracketed,
    /// Unicode NFD (decomposed).
    Nfd,
    /// Vietnamese diacritics stripped, `đ` → `d`, `Đ` → `D`.
    NoDiacritics,
}

impl LabelStyle {
    /// Whether the item number is typed into the label (no STT figures).
    pub fn numbers_in_label(self) -> bool {
        matches!(
            self,
            LabelStyle::Numbering
                | LabelStyle::NumberedPlain
                | LabelStyle::NumberedDotted
                | LabelStyle::NumberedBracketed
        )
    }
}

/// How counts are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NumberStyle {
    /// Numbers.
    #[default]
    Numbers,
    /// Text in Vietnamese style: `2.675`; zero as `-`. Percent cells under
    /// `PercentStyle::Plain` become text too (`53,97`).
    ViText,
    /// Text typed with a leading apostrophe as other programs store it:
    /// `'2675` (the apostrophe in the text).
    Apostrophe,
    /// Text as Excel stores a number typed `'2675`: the text `2675` with the
    /// quote-prefix style.
    QuotePrefix,
    /// Text with a space as the thousands separator: `2 675`.
    SpaceGrouped,
    /// Text with a no-break space as the thousands separator and a trailing
    /// no-break space: `2\u{a0}675\u{a0}`.
    NbspGrouped,
}

/// How percentages are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PercentStyle {
    /// `53.97` with number format `0.00`.
    #[default]
    Plain,
    /// `0.5397` with number format `0.00%`.
    Fraction,
    /// Text `53,97%` (zero as `-`).
    ViText,
    /// Text with a space before the sign: `53,97 %` (zero as `-`).
    ViTextSpaced,
}

/// Decimals percentages are shown to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PctDecimals {
    /// Always this many (the template: 2).
    Fixed(u32),
    /// As many as the value has (80.5 → 1, 7.81 → 2, 100 → 0), at most 4.
    AsGiven,
}

impl Default for PctDecimals {
    fn default() -> Self {
        PctDecimals::Fixed(2)
    }
}

/// How totals are written: M01 1 (`=C10+C11`) and 9, M02 2, 3, 4
/// (`=C7+C8-C15`) and 5, M03 rated (`=SUM(D8:G8)`) and 3, M04 1, and the
/// heading subtotals when `heading_totals` is set. The cached result is
/// always the true figure, even over `NumberStyle::ViText` cells (which a
/// spreadsheet recomputing the formula would not sum).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TotalStyle {
    #[default]
    Values,
    /// Formulas with their cached result.
    Formulas,
    /// Formulas with no cached value at all (no `<v>` element), like a file
    /// written by a script and never opened in a spreadsheet program.
    FormulasNoCache,
}

/// A value column. In M03 `Count` is `Tổng số được đánh giá` (and the
/// not-rated cells) and `Pct` is `Tỷ lệ HTTNV trở lên (%)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Col {
    Count,
    Pct,
    /// M03 HTXSNV.
    Excellent,
    /// M03 HTTNV.
    Good,
    /// M03 HTNV.
    Completed,
    /// M03 KHTNV.
    NotCompleted,
}

impl Col {
    fn index(self, form: &str) -> u16 {
        match self {
            Col::Count => 0,
            Col::Pct if form == "M03" => 5,
            Col::Pct => 1,
            Col::Excellent => 1,
            Col::Good => 2,
            Col::Completed => 3,
            Col::NotCompleted => 4,
        }
    }

    fn from_index(form: &str, i: u16) -> Col {
        match (form == "M03", i) {
            (_, 0) => Col::Count,
            (false, _) => Col::Pct,
            (true, 1) => Col::Excellent,
            (true, 2) => Col::Good,
            (true, 3) => Col::Completed,
            (true, 4) => Col::NotCompleted,
            (true, _) => Col::Pct,
        }
    }
}

// ---------------------------------------------------------------------------
// Form definitions (labels exactly as in the template)
// ---------------------------------------------------------------------------

const M01_BLOCKS: [(&str, &str, &[&str]); 7] = [
    ("2", "Giới tính", &["Nam", "Nữ"]),
    (
        "3",
        "Độ tuổi",
        &[
            "Từ 18 đến 30 tuổi",
            "Từ 31 đến 35 tuổi",
            "Từ 36 đến 40 tuổi",
            "Từ 41 đến 45 tuổi",
            "Từ 46 đến 50 tuổi",
            "Từ 51 đến 55 tuổi",
            "Từ 56 đến 60 tuổi",
            "Trên 60 tuổi",
        ],
    ),
    (
        "4",
        "Trình độ học vấn",
        &[
            "Chưa biết chữ quốc ngữ",
            "Tiểu học",
            "Trung học cơ sở",
            "Trung học phổ thông",
        ],
    ),
    (
        "5",
        "Trình độ chuyên môn, nghiệp vụ",
        &[
            "Chưa qua đào tạo",
            "Sơ cấp",
            "Trung cấp",
            "Cao đẳng",
            "Đại học",
            "Thạc sĩ",
            "Tiến sĩ",
        ],
    ),
    (
        "6",
        "Trình độ lý luận chính trị",
        &[
            "Chưa qua đào tạo",
            "Sơ cấp",
            "Trung cấp",
            "Cao cấp, cử nhân",
        ],
    ),
    (
        "7",
        "Dân tộc",
        &[
            "Kinh",
            "Mông",
            "Thái",
            "Dao",
            "Lự",
            "Lào",
            "Giáy",
            "Mường",
            "Tày",
            "Nùng",
            "Kháng",
            "Dân tộc khác",
        ],
    ),
    (
        "8",
        "Nghề nghiệp",
        &[
            "Cán bộ, công chức cấp huyện",
            "Cán bộ, công chức cấp xã",
            "Không chuyên trách ở thôn, bản",
            "Viên chức sự nghiệp",
            "Nông, lâm, ngư nghiệp",
            "Quân đội, công an",
            "Trong doanh nghiệp",
            "Nghỉ hưu, nghỉ chế độ",
            "Khác",
        ],
    ),
];

const M02_DECREASE: [&str; 6] = [
    "Từ trần",
    "Khai trừ",
    "Xóa tên",
    "Xin ra khỏi Đảng",
    "Hủy quyết định kết nạp",
    "Chuyển đi",
];
const M02_DISCIPLINE: [&str; 4] = ["Khiển trách", "Cảnh cáo", "Cách chức", "Khai trừ"];
const M04_QUALIFICATION: [&str; 5] = [
    "Thạc sĩ",
    "Đại học",
    "Cao đẳng",
    "Trung cấp",
    "Sơ cấp và chưa qua đào tạo",
];
const M04_THEORY: [&str; 3] = ["Cao cấp", "Trung cấp", "Sơ cấp và chưa qua đào tạo"];

const DISTRICT: &str = "ĐẢNG BỘ HUYỆN TAM ĐƯỜNG";
const NOTE: &str = "(Ghi chú: số liệu đến 30/9)";

fn form_title(form: &str) -> &'static str {
    match form {
        "M01" => "BIỂU M01 - SỐ LƯỢNG VÀ CƠ CẤU ĐẢNG VIÊN",
        "M02" => "BIỂU M02 - BIẾN ĐỘNG ĐẢNG VIÊN TRONG NĂM",
        "M03" => "BIỂU M03 - KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI",
        _ => "BIỂU M04 - CẤP ỦY VIÊN",
    }
}

fn headers(form: &str) -> &'static [&'static str] {
    if form == "M03" {
        &[
            "STT",
            "Đối tượng",
            "Tổng số được đánh giá",
            "HTXSNV",
            "HTTNV",
            "HTNV",
            "KHTNV",
            "Tỷ lệ HTTNV trở lên (%)",
        ]
    } else {
        &["STT", "Chỉ tiêu", "Số lượng", "Tỷ lệ (%)"]
    }
}

/// The sheet name of `form` under `layout`.
pub fn sheet_name(form: &str, names: SheetNames) -> String {
    let (template, renamed) = match form {
        "M01" => ("M01-SoLuong", "M01 - Số lượng"),
        "M02" => ("M02-BienDong", "Mau 02"),
        "M03" => ("M03-XepLoai", "Biểu M03 - Xếp loại"),
        _ => ("M04-CapUy", "Mau 04 - Cap uy"),
    };
    match names {
        SheetNames::Renamed => renamed.to_string(),
        SheetNames::Generic => format!(
            "Sheet{}",
            FORMS.iter().position(|f| *f == form).unwrap_or(3) + 1
        ),
        _ => template.to_string(),
    }
}

/// The blocks a subtotal row may follow: each heading row with no figure of its own
/// and its sub-items `P.1`, `P.2`, … directly under it.
fn subtotal_blocks(rows: &[LRow]) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if !r.values.is_empty() {
            continue;
        }
        let items: Vec<&'static str> = rows[i + 1..]
            .iter()
            .take_while(|x| {
                x.item
                    .strip_prefix(r.item)
                    .and_then(|t| t.strip_prefix('.'))
                    .is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()))
            })
            .map(|x| x.item)
            .collect();
        if items.len() >= 2 {
            out.push((r.item, items));
        }
    }
    out
}

/// Rows before which `blank_rows_between` inserts a blank row and a note row.
fn breaks(form: &str) -> (&'static str, &'static str) {
    match form {
        "M01" => ("3", "7"),
        "M02" => ("3", "5"),
        "M03" => ("2", "3"),
        _ => ("2", "3"),
    }
}

// ---------------------------------------------------------------------------
// Logical rows
// ---------------------------------------------------------------------------

/// A reference inside a total's formula: an item's cell in a value column,
/// or a range from one to another.
#[derive(Clone, Debug)]
enum Ref {
    Cell(&'static str, u16),
    Range((&'static str, u16), (&'static str, u16)),
}

#[derive(Clone, Debug)]
enum Val {
    Count(i64),
    Pct(f64),
    /// A total: its value and the formula that computes it.
    Total(i64, Vec<(i8, Ref)>),
}

#[derive(Clone, Debug)]
struct LRow {
    item: &'static str,
    label: &'static str,
    values: Vec<(u16, Val)>,
}

/// Item number `{parent}.{i + 1}` (`3.1`, `7.12`) as a `&'static str`;
/// parents 1–9, at most 12 sub-items.
fn sub_item(parent: &str, i: usize) -> &'static str {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        (1..=9)
            .flat_map(|p| (1..=12).map(move |s| format!("{p}.{s}")))
            .collect()
    });
    let p: usize = parent.parse().expect("numeric parent item");
    assert!((1..=9).contains(&p) && i < 12, "no item {parent}.{}", i + 1);
    &names[(p - 1) * 12 + i]
}

fn sum_of(items: &[&'static str], col: u16) -> Vec<(i8, Ref)> {
    match items {
        [a, b] => vec![(1, Ref::Cell(a, col)), (1, Ref::Cell(b, col))],
        [first, .., last] => vec![(1, Ref::Range((first, col), (last, col)))],
        [one] => vec![(1, Ref::Cell(one, col))],
        [] => vec![],
    }
}

fn counted(item: &'static str, label: &'static str, n: i64, p: f64) -> LRow {
    LRow {
        item,
        label,
        values: vec![(0, Val::Count(n)), (1, Val::Pct(p))],
    }
}

fn block(
    rows: &mut Vec<LRow>,
    head: &'static str,
    head_label: &'static str,
    labels: &[&'static str],
    counts: &[i64],
    pcts: &[f64],
    heading_totals: bool,
) {
    let items: Vec<&'static str> = (0..labels.len()).map(|i| sub_item(head, i)).collect();
    let values = if heading_totals {
        vec![(0, Val::Total(counts.iter().sum(), sum_of(&items, 0)))]
    } else {
        vec![]
    };
    rows.push(LRow {
        item: head,
        label: head_label,
        values,
    });
    for (i, item) in items.into_iter().enumerate() {
        rows.push(counted(item, labels[i], counts[i], pcts[i]));
    }
}

fn m01_rows(m: &M01, heading_totals: bool) -> Vec<LRow> {
    let mut rows = vec![
        LRow {
            item: "1",
            label: "Tổng số đảng viên",
            values: vec![
                (
                    0,
                    Val::Total(
                        m.total,
                        vec![(1, Ref::Cell("1.3", 0)), (1, Ref::Cell("1.4", 0))],
                    ),
                ),
                (1, Val::Pct(m.total_pct)),
            ],
        },
        counted("1.1", "Trong đó: Đảng viên nữ", m.women, m.women_pct),
        counted(
            "1.2",
            "Đảng viên người dân tộc thiểu số",
            m.minority,
            m.minority_pct,
        ),
        counted("1.3", "Đảng viên dự bị", m.probationary, m.probationary_pct),
        counted("1.4", "Đảng viên chính thức", m.full, m.full_pct),
    ];
    let blocks: [(&[i64], &[f64]); 7] = [
        (&m.gender, &m.gender_pct),
        (&m.age, &m.age_pct),
        (&m.education, &m.education_pct),
        (&m.qualification, &m.qualification_pct),
        (&m.theory, &m.theory_pct),
        (&m.ethnicity, &m.ethnicity_pct),
        (&m.occupation, &m.occupation_pct),
    ];
    for ((head, label, labels), (counts, pcts)) in M01_BLOCKS.iter().zip(blocks) {
        block(&mut rows, head, label, labels, counts, pcts, heading_totals);
    }
    rows.push(LRow {
        item: "9",
        label: "Đảng viên có đạo (tôn giáo)",
        values: vec![
            (0, Val::Total(m.religious, sum_of(&["9.1", "9.2"], 0))),
            (1, Val::Pct(m.religious_pct)),
        ],
    });
    rows.push(counted(
        "9.1",
        "Chính thống",
        m.religious_parts[0],
        m.religious_parts_pct[0],
    ));
    rows.push(counted(
        "9.2",
        "Bị ảnh hưởng",
        m.religious_parts[1],
        m.religious_parts_pct[1],
    ));
    rows
}

fn m02_rows(m: &M02) -> Vec<LRow> {
    let count = |item, label, n| LRow {
        item,
        label,
        values: vec![(0, Val::Count(n))],
    };
    let total = |item, label, n, f| LRow {
        item,
        label,
        values: vec![(0, Val::Total(n, f))],
    };
    let mut rows = vec![
        count("1", "Số đảng viên đầu năm", m.start),
        total(
            "2",
            "Tăng trong năm",
            m.increase,
            sum_of(&["2.1", "2.2"], 0),
        ),
        count("2.1", "Kết nạp mới", m.admitted),
    ];
    let of = [
        ("2.1a", "Trong đó: Đoàn viên thanh niên"),
        ("2.1b", "Nữ"),
        ("2.1c", "Người dân tộc thiểu số"),
        ("2.1d", "Khối nông thôn"),
    ];
    for (i, (item, label)) in of.into_iter().enumerate() {
        rows.push(counted(item, label, m.admitted_of[i], m.admitted_of_pct[i]));
    }
    rows.push(count("2.2", "Chuyển đến", m.transferred_in));
    let dec: Vec<&'static str> = (0..6).map(|i| sub_item("3", i)).collect();
    rows.push(total("3", "Giảm trong năm", m.decrease, sum_of(&dec, 0)));
    for (i, item) in dec.iter().enumerate() {
        rows.push(count(item, M02_DECREASE[i], m.decrease_by[i]));
    }
    rows.push(total(
        "4",
        "Số đảng viên cuối năm",
        m.end,
        vec![
            (1, Ref::Cell("1", 0)),
            (1, Ref::Cell("2", 0)),
            (-1, Ref::Cell("3", 0)),
        ],
    ));
    let dis: Vec<&'static str> = (0..4).map(|i| sub_item("5", i)).collect();
    rows.push(total(
        "5",
        "Đảng viên bị kỷ luật",
        m.disciplined,
        sum_of(&dis, 0),
    ));
    for (i, item) in dis.iter().enumerate() {
        rows.push(count(item, M02_DISCIPLINE[i], m.disciplined_by[i]));
    }
    rows
}

fn m03_rows(m: &M03) -> Vec<LRow> {
    let rating = |item: &'static str, label, r: &Rating| LRow {
        item,
        label,
        values: vec![
            (
                0,
                Val::Total(r.rated, vec![(1, Ref::Range((item, 1), (item, 4)))]),
            ),
            (1, Val::Count(r.excellent)),
            (2, Val::Count(r.good)),
            (3, Val::Count(r.completed)),
            (4, Val::Count(r.not_completed)),
            (5, Val::Pct(r.share_pct)),
        ],
    };
    vec![
        rating("1", "Chi bộ trực thuộc", &m.sub_branches),
        rating("2", "Đảng viên", &m.members),
        LRow {
            item: "3",
            label: "Đảng viên không đánh giá",
            values: vec![(0, Val::Total(m.not_rated, sum_of(&["3.1", "3.2"], 0)))],
        },
        LRow {
            item: "3.1",
            label: "Miễn sinh hoạt",
            values: vec![(0, Val::Count(m.exempt))],
        },
        LRow {
            item: "3.2",
            label: "Mới kết nạp",
            values: vec![(0, Val::Count(m.newly_admitted))],
        },
    ]
}

fn m04_rows(m: &M04, heading_totals: bool) -> Vec<LRow> {
    let qual: Vec<&'static str> = (0..5).map(|i| sub_item("2", i)).collect();
    let mut rows = vec![LRow {
        item: "1",
        label: "Tổng số cấp ủy viên",
        values: vec![
            (0, Val::Total(m.total, sum_of(&qual, 0))),
            (1, Val::Pct(m.total_pct)),
        ],
    }];
    block(
        &mut rows,
        "2",
        "Trình độ chuyên môn",
        &M04_QUALIFICATION,
        &m.qualification,
        &m.qualification_pct,
        heading_totals,
    );
    block(
        &mut rows,
        "3",
        "Trình độ lý luận chính trị",
        &M04_THEORY,
        &m.theory,
        &m.theory_pct,
        heading_totals,
    );
    rows
}

fn logical_rows(b: &Branch, form: &str, layout: &Layout) -> Vec<LRow> {
    match form {
        "M01" => m01_rows(&b.m01, layout.heading_totals),
        "M02" => m02_rows(&b.m02),
        "M03" => m03_rows(&b.m03),
        _ => m04_rows(&b.m04, layout.heading_totals),
    }
}

// ---------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------

/// `s` without Vietnamese diacritics (`đ` → `d`, `Đ` → `D`).
pub fn strip_diacritics(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}

fn roman(n: u32) -> &'static str {
    const R: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    R.get(n as usize - 1).copied().unwrap_or("?")
}

/// `I.`, `1)`, `a)` for items `1`, `1.1`, `2.1a`.
fn numbering(item: &str) -> String {
    match item.rsplit_once('.') {
        None => format!("{}.", roman(item.parse().unwrap_or(0))),
        Some((_, last)) => match last.chars().last() {
            Some(c) if c.is_ascii_alphabetic() => format!("{c})"),
            _ => format!("{last})"),
        },
    }
}

/// A fixed text (caption, title, header) in the layout's style.
fn styled(s: &str, style: LabelStyle) -> String {
    match style {
        LabelStyle::Template
        | LabelStyle::Numbering
        | LabelStyle::NumberedPlain
        | LabelStyle::NumberedDotted
        | LabelStyle::NumberedBracketed => s.to_string(),
        LabelStyle::Upper => s.to_uppercase(),
        LabelStyle::ExtraSpaces => s.replace(' ', "  "),
        LabelStyle::Nfd => s.nfd().collect(),
        LabelStyle::NoDiacritics => strip_diacritics(s),
    }
}

/// An item label in the layout's style.
fn styled_label(item: &str, label: &str, style: LabelStyle) -> String {
    match style {
        LabelStyle::ExtraSpaces => format!("{}:", label.replace(' ', "  ")),
        LabelStyle::Numbering => format!("{} {label}", numbering(item)),
        LabelStyle::NumberedPlain => format!("{item} {label}"),
        LabelStyle::NumberedDotted => format!("{item}. {label}"),
        LabelStyle::NumberedBracketed => format!("({item}) {label}"),
        other => styled(label, other),
    }
}

/// A count as Vietnamese text: `2.675`, zero as `-`.
pub fn vi_count(n: i64) -> String {
    if n == 0 {
        return "-".to_string();
    }
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A decimal as Vietnamese text with `decimals` places: `53,97`,
/// `1.234,50`; zero as `-`.
pub fn vi_decimal(v: f64, decimals: u32) -> String {
    if v == 0.0 {
        return "-".to_string();
    }
    let s = format!("{:.*}", decimals as usize, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut out = vi_count(int.parse().expect("formatted integer part"));
    if out == "-" {
        out = "0".to_string();
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// The decimals `v` is shown to under `d`.
fn decimals_of(v: f64, d: PctDecimals) -> u32 {
    match d {
        PctDecimals::Fixed(n) => n,
        PctDecimals::AsGiven => {
            let s = format!("{v:.4}");
            let frac = s.split_once('.').map_or("", |(_, f)| f);
            frac.trim_end_matches('0').len() as u32
        }
    }
}

fn decimal_format(decimals: u32) -> String {
    if decimals == 0 {
        "0".to_string()
    } else {
        format!("0.{}", "0".repeat(decimals as usize))
    }
}

/// `C13`-style name of a zero-based cell.
pub fn a1(row: u32, col: u16) -> String {
    let mut name = String::new();
    let mut c = col as u32 + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        name.insert(0, (b'A' + rem as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

// ---------------------------------------------------------------------------
// The plan: every cell the writer writes
// ---------------------------------------------------------------------------

/// A cell of the workbook: sheet name and zero-based row and column.
/// Displays as `M01-SoLuong!C13`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRef {
    pub sheet: String,
    pub row: u32,
    pub col: u16,
}

impl CellRef {
    /// `C13`.
    pub fn a1(&self) -> String {
        a1(self.row, self.col)
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}", self.sheet, self.a1())
    }
}

/// What a planned cell holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Text(String),
    /// A number and its number format (`None` = General).
    Number(f64, Option<String>),
    /// A formula (without `=`) and its cached result (`None` = no `<v>`).
    Formula(String, Option<f64>),
}

/// One cell the writer writes; `item`/`col` say which figure it is, for
/// figure cells.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedCell {
    pub row: u32,
    pub col: u16,
    pub item: Option<&'static str>,
    pub value_col: Option<Col>,
    pub content: Content,
    /// An item's label (the writer may write it as rich text).
    pub is_label: bool,
}

/// One sheet of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct SheetPlan {
    pub form: &'static str,
    pub name: String,
    pub cells: Vec<PlannedCell>,
    /// Merged ranges `(first_row, first_col, last_row, last_col)`; the text
    /// is the first cell's.
    pub merges: Vec<(u32, u16, u32, u16)>,
    /// Row of every item, in table order.
    pub item_rows: Vec<(&'static str, u32)>,
    /// Column of the first value column (`Số lượng` / `Tổng số được đánh giá`).
    pub first_value_col: u16,
    /// Column of each value column, by its index ([`Col`] order of the form).
    pub value_cols: Vec<u16>,
    /// Columns the writer hides ([`Office`] drifts).
    pub hidden_cols: Vec<u16>,
    /// Formulas the writer writes with an error as their cached result: (row, column,
    /// formula, error).
    pub error_formulas: Vec<(u32, u16, String, &'static str)>,
}

impl SheetPlan {
    /// Where `item`'s figure in `col` goes (whether or not it is written).
    pub fn cell(&self, item: &str, col: Col) -> Option<CellRef> {
        let row = self.item_rows.iter().find(|(i, _)| *i == item)?.1;
        Some(CellRef {
            sheet: self.name.clone(),
            row,
            col: *self.value_cols.get(usize::from(col.index(self.form)))?,
        })
    }

    /// The planned cell at `(row, col)`, if any.
    pub fn at(&self, row: u32, col: u16) -> Option<&PlannedCell> {
        self.cells.iter().find(|c| c.row == row && c.col == col)
    }
}

/// Every sheet and cell `write_branch` writes, in workbook order.
pub fn plan(b: &Branch, layout: &Layout) -> Vec<SheetPlan> {
    let order: [&'static str; 4] = match layout.sheet_names {
        SheetNames::Reordered => ["M04", "M02", "M01", "M03"],
        _ => FORMS,
    };
    let mut plans: Vec<SheetPlan> = order
        .into_iter()
        .filter(|f| !layout.omit.contains(f))
        .map(|form| plan_sheet(b, layout, form))
        .collect();
    if let Some(at) = layout.continued_at {
        if let Some(i) = plans.iter().position(|p| p.form == "M01") {
            let second = continue_plan(&mut plans[i], at);
            plans.insert(i + 1, second);
        }
    }
    share_sheet(&mut plans, layout);
    if layout.office.contains(&Office::SheetCopied) {
        if let Some(m01) = plans.iter().find(|p| p.form == "M01") {
            let mut copy = m01.clone();
            copy.name = format!("{} (2)", m01.name);
            plans.insert(0, copy);
        }
    }
    for p in &mut plans {
        for drift in &layout.office {
            office_drift(p, *drift, b.year);
        }
    }
    plans
}

/// Moves the items of `p` from `at` on to a second sheet `… (tiếp)`, which repeats the rows
/// above the first item (title block and header); returns the second sheet.
fn continue_plan(p: &mut SheetPlan, at: &str) -> SheetPlan {
    let first = p.item_rows.first().map(|(_, r)| *r).unwrap_or(0);
    let Some(split) = p.item_rows.iter().find(|(i, _)| *i == at).map(|(_, r)| *r) else {
        return p.clone();
    };
    let up = split - first;
    let mut second = p.clone();
    second.name = format!("{} (tiếp)", p.name);
    second.cells = p
        .cells
        .iter()
        .filter(|c| c.row < first || c.row >= split)
        .cloned()
        .map(|mut c| {
            if c.row >= split {
                c.row -= up;
            }
            c
        })
        .collect();
    second.merges = p
        .merges
        .iter()
        .filter(|m| m.0 < first || m.0 >= split)
        .map(|m| {
            if m.0 >= split {
                (m.0 - up, m.1, m.2 - up, m.3)
            } else {
                *m
            }
        })
        .collect();
    second.item_rows = p
        .item_rows
        .iter()
        .filter(|(_, r)| *r >= split)
        .map(|(i, r)| (*i, r - up))
        .collect();
    p.cells.retain(|c| c.row < split);
    p.merges.retain(|m| m.0 < split);
    p.item_rows.retain(|(_, r)| *r < split);
    second
}

/// Where `item`'s figure in `col` of `form` lands under `layout`
/// (`None` if the form is omitted or has no such item).
pub fn cell_ref(layout: &Layout, form: &str, item: &str, col: Col) -> Option<CellRef> {
    let form = FORMS.into_iter().find(|f| *f == form)?;
    if layout.omit.contains(&form) {
        return None;
    }
    if layout.one_sheet != OneSheet::Separate
        || layout.continued_at.is_some()
        || !layout.office.is_empty()
    {
        return plan(&Branch::default(), layout)
            .into_iter()
            .rev()
            .filter(|p| p.form == form)
            .find_map(|p| p.cell(item, col));
    }
    plan_sheet(&Branch::default(), layout, form).cell(item, col)
}

fn plan_sheet(b: &Branch, layout: &Layout, form: &'static str) -> SheetPlan {
    let style = layout.labels;
    let mut cells = Vec::new();
    let mut merges = Vec::new();

    // Title block.
    let extra = layout.title_rows_extra;
    let top = u32::from(extra >= 1);
    if top == 1 {
        text(&mut cells, 0, 2, styled("ĐẢNG CỘNG SẢN VIỆT NAM", style));
    }
    text(&mut cells, top, 0, styled(DISTRICT, style));
    if layout.title_in_one_cell {
        // `Mã đơn vị: TD-04` in one cell.
        let name = format!("{} {}", styled("Tên tổ chức cơ sở đảng:", style), b.name);
        text(&mut cells, top + 1, 0, name);
        let code = format!("{} {}", styled("Mã đơn vị:", style), b.code);
        text(&mut cells, top + 2, 0, code);
        let year = format!("{} {}", styled("Năm báo cáo:", style), b.year);
        text(&mut cells, top + 2, 2, year);
    } else {
        text(
            &mut cells,
            top + 1,
            0,
            styled("Tên tổ chức cơ sở đảng:", style),
        );
        text(&mut cells, top + 1, 1, b.name.clone());
        text(&mut cells, top + 2, 0, styled("Mã đơn vị:", style));
        text(&mut cells, top + 2, 1, b.code.clone());
        text(&mut cells, top + 2, 2, styled("Năm báo cáo:", style));
        cells.push(PlannedCell {
            row: top + 2,
            col: 3,
            item: None,
            value_col: None,
            content: Content::Number(f64::from(b.year), None),
            is_label: false,
        });
    }
    text(
        &mut cells,
        top + 3,
        0,
        abbreviate(&styled(form_title(form), style), layout.abbreviated),
    );
    let notes = [
        "Đơn vị tính: người",
        "(Kèm theo báo cáo thống kê năm của tổ chức cơ sở đảng)",
        "",
    ];
    for i in 0..extra.saturating_sub(top) {
        let s = notes[i as usize % notes.len()];
        if !s.is_empty() {
            text(&mut cells, top + 4 + i, 0, styled(s, style));
        }
    }
    // One blank row, then the header.
    let header = top + 4 + extra.saturating_sub(top) + 1;

    // Columns: [margin] [Mã số] STT label [label's second column] values (with Ghi chú).
    let margin = u16::from(layout.margin_column);
    let shift = margin + u16::from(layout.extra_code_column);
    let label_col = shift + 1;
    let first_value_col = label_col + 1 + u16::from(layout.merged_labels);
    let heads = headers(form);
    let n_values = heads.len() as u16 - 2;
    let notes_col = layout.notes_column.then_some(first_value_col + 1);
    // Two years: last year's columns first, the report year's after them.
    let years = layout.year_columns != YearColumns::No && form != "M03";
    let year_shift = if years { n_values } else { 0 };
    let value_cols: Vec<u16> = (0..n_values)
        .map(|v| {
            let order = if layout.values_reversed {
                n_values - 1 - v
            } else {
                v
            };
            first_value_col + year_shift + order + u16::from(layout.notes_column && order >= 1)
        })
        .collect();
    // (column, text, value column index).
    let mut head_cols: Vec<(u16, String, Option<u16>)> = Vec::new();
    if layout.extra_code_column {
        head_cols.push((margin, styled("Mã số", style), None));
    }
    head_cols.push((shift, styled(heads[0], style), None));
    head_cols.push((label_col, styled(heads[1], style), None));
    for (v, h) in heads[2..].iter().enumerate() {
        let h = abbreviate(&styled(h, style), layout.abbreviated);
        head_cols.push((value_cols[v], h, Some(v as u16)));
    }
    if let Some(c) = notes_col {
        head_cols.push((c, styled("Ghi chú", style), None));
    }
    // A second `Số lượng` column after every other.
    let twice_col = (layout.count_column_twice && heads[2] == "Số lượng").then(|| {
        let last = head_cols.iter().map(|(c, _, _)| *c).max().unwrap_or(0);
        head_cols.push((last + 1, styled(heads[2], style), None));
        last + 1
    });
    let label_merge = |row: u32, merges: &mut Vec<(u32, u16, u32, u16)>, rows: u32| {
        if layout.merged_labels {
            merges.push((row, label_col, row + rows - 1, label_col + 1));
        }
    };
    let first_item_row = if years {
        assert!(
            !layout.merged_header && !layout.pct_header_split,
            "two years with one header row"
        );
        let (last, this) = (b.year.saturating_sub(1), b.year);
        let grouped = layout.year_columns == YearColumns::Grouped;
        let row = header + u32::from(grouped);
        for (col, h, v) in &head_cols {
            let Some(_) = v else {
                text(&mut cells, header, *col, h.clone());
                if grouped {
                    merges.push((header, *col, header + 1, *col));
                }
                continue;
            };
            if grouped {
                text(&mut cells, row, *col - year_shift, h.clone());
                text(&mut cells, row, *col, h.clone());
            } else {
                text(
                    &mut cells,
                    row,
                    *col - year_shift,
                    format!("{h} năm {last}"),
                );
                text(&mut cells, row, *col, format!("{h} năm {this}"));
            }
        }
        if grouped {
            let first = value_cols[0].min(value_cols[n_values as usize - 1]);
            text(
                &mut cells,
                header,
                first - year_shift,
                format!("Năm {last}"),
            );
            merges.push((header, first - year_shift, header, first - 1));
            text(&mut cells, header, first, format!("Năm {this}"));
            merges.push((header, first, header, first + year_shift - 1));
        }
        row + 1
    } else if layout.merged_header {
        let (group_first, group_last, group) = if form == "M03" {
            (value_cols[1], value_cols[4], "Kết quả xếp loại")
        } else {
            (
                value_cols[0],
                value_cols[n_values as usize - 1],
                "Số liệu năm báo cáo",
            )
        };
        let (group_first, group_last) = (group_first.min(group_last), group_first.max(group_last));
        // STT, label (and code, notes) merged over two rows; values grouped (a notes column
        // between grouped values stands under the group).
        for (col, h, v) in &head_cols {
            let spans = match v {
                // Rated and share stand alone; the four ratings are grouped.
                Some(v) if form == "M03" => !(1..5).contains(v),
                Some(_) => false,
                None => !(group_first..=group_last).contains(col),
            };
            if spans {
                text(&mut cells, header, *col, h.clone());
                if *col == label_col && layout.merged_labels {
                    merges.push((header, *col, header + 1, *col + 1));
                } else {
                    merges.push((header, *col, header + 1, *col));
                }
            } else {
                text(&mut cells, header + 1, *col, h.clone());
            }
        }
        text(&mut cells, header, group_first, styled(group, style));
        merges.push((header, group_first, header, group_last));
        header + 2
    } else if layout.pct_header_split {
        // `Tỷ lệ` on the header row, `(%)` under it.
        for (col, h, _) in &head_cols {
            match h.strip_suffix(" (%)") {
                Some(head) => {
                    text(&mut cells, header, *col, head.to_string());
                    text(&mut cells, header + 1, *col, "(%)".to_string());
                }
                None => text(&mut cells, header, *col, h.clone()),
            }
        }
        label_merge(header, &mut merges, 1);
        header + 2
    } else {
        for (col, h, _) in &head_cols {
            text(&mut cells, header, *col, h.clone());
        }
        label_merge(header, &mut merges, 1);
        header + 1
    };

    // A row of column numbers under the header.
    let first_item_row = if layout.column_numbers == ColumnNumbers::None {
        first_item_row
    } else {
        let mut order: Vec<u16> = head_cols.iter().map(|(c, _, _)| *c).collect();
        order.sort_unstable();
        for (i, col) in order.iter().enumerate() {
            let n = i as u32 + 1;
            let content = match layout.column_numbers {
                ColumnNumbers::Plain => Content::Number(f64::from(n), None),
                ColumnNumbers::Bracketed => Content::Text(format!("({n})")),
                _ if *col <= label_col => Content::Text(char::from(b'A' + i as u8).to_string()),
                _ => {
                    let before = order.iter().filter(|c| **c <= label_col).count() as u32;
                    Content::Number(f64::from(n - before), None)
                }
            };
            cells.push(PlannedCell {
                row: first_item_row,
                col: *col,
                item: None,
                value_col: None,
                content,
                is_label: false,
            });
        }
        first_item_row + 1
    };

    // Items.
    let rows = logical_rows(b, form, layout);
    let (blank_before, note_before) = breaks(form);
    // Blocks with a subtotal row after them: (heading item, its sub-items).
    let blocks: Vec<(&'static str, Vec<&'static str>)> = if layout.subtotals == Subtotals::None {
        vec![]
    } else {
        subtotal_blocks(&logical_rows(b, form, &Layout::default()))
    };
    let mut subtotal_rows: Vec<(&'static str, u32)> = Vec::new();
    let mut twice_rows: Vec<(&'static str, &'static str, u32)> = Vec::new();
    let mut item_rows = Vec::new();
    let mut row = first_item_row;
    for lrow in &rows {
        if form == "M03" && lrow.item == "3" {
            row += 1; // the template's blank row
        }
        if layout.header_repeated && lrow.item == note_before {
            for (col, h, _) in &head_cols {
                text(&mut cells, row, *col, h.clone());
            }
            row += 1;
        }
        if layout.blank_rows_between && lrow.item == blank_before {
            row += 1;
        }
        if layout.blank_rows_between && lrow.item == note_before {
            text(&mut cells, row, label_col, styled(NOTE, style));
            label_merge(row, &mut merges, 1);
            row += 1;
        }
        item_rows.push((lrow.item, row));
        row += 1;
        if layout.blank_after_every_row {
            row += 1;
        }
        if layout.row_twice == Some((form, lrow.item)) {
            twice_rows.push((lrow.item, lrow.label, row));
            row += 1;
        }
        if let Some((head, _)) = blocks
            .iter()
            .find(|(_, items)| items.last() == Some(&lrow.item))
        {
            subtotal_rows.push((head, row));
            row += 1;
            if layout.blank_after_every_row {
                row += 1;
            }
        }
    }
    let row_of = |item: &str| {
        item_rows
            .iter()
            .find(|(i, _)| *i == item)
            .map(|(_, r)| *r)
            .expect("formula refers to an item of the same form")
    };
    let col_of = |v: u16| value_cols[v as usize];

    // A row written twice: the copy one more in its count.
    for (item, label, row) in &twice_rows {
        let label = styled_label(item, label, style);
        text(&mut cells, *row, label_col, label);
        if let Some(n) = b.get(form, item, Col::Count) {
            count_cell(&mut cells, *row, value_cols[0], n as i64 + 1);
        }
    }
    if let Some(col) = twice_col {
        for (lrow, &(_, row)) in rows.iter().zip(&item_rows) {
            let count = lrow.values.iter().find_map(|(v, val)| match val {
                Val::Count(n) | Val::Total(n, _) if *v == 0 => Some(*n),
                _ => None,
            });
            if let Some(n) = count {
                count_cell(&mut cells, row, col, (n - 1).max(0));
            }
        }
    }
    let pct_cols_empty = layout.no_pct_column.contains(&form);
    for (idx, (lrow, &(_, row))) in rows.iter().zip(&item_rows).enumerate() {
        if layout.extra_code_column {
            text(&mut cells, row, margin, format!("{form}.{:02}", idx + 1));
        }
        if !style.numbers_in_label() {
            text(&mut cells, row, shift, lrow.item.to_string());
        }
        let mut label = styled_label(
            lrow.item,
            &abbreviate(lrow.label, layout.abbreviated),
            style,
        );
        if layout.label_slips {
            label = slipped(&label);
        }
        if layout.nbsp_spaces {
            // No-break spaces inside, an ordinary and a no-break one after.
            label = format!("{} \u{a0}", label.replace(' ', "\u{a0}"));
        }
        cells.push(PlannedCell {
            row,
            col: label_col,
            item: None,
            value_col: None,
            content: Content::Text(label),
            is_label: true,
        });
        label_merge(row, &mut merges, 1);
        for (vcol, val) in &lrow.values {
            let col = col_of(*vcol);
            let kind = Col::from_index(form, *vcol);
            let key = (form, lrow.item);
            let text_in = layout
                .text_in
                .iter()
                .find(|(f, i, _)| *f == form && *i == lrow.item)
                .filter(|_| *vcol == 0);
            let content = match val {
                Val::Pct(p) => {
                    if pct_cols_empty || layout.blank_pct.contains(&key) {
                        continue;
                    }
                    match pct_formula(form, lrow, *p, layout, &row_of, &col_of) {
                        Some(f) => f,
                        None => pct_content(*p, layout),
                    }
                }
                _ if *vcol == 0 && layout.blank.contains(&key) => continue,
                _ if text_in.is_some() => {
                    Content::Text(text_in.map(|t| t.2.clone()).unwrap_or_default())
                }
                Val::Count(n) => count_content(*n, layout),
                Val::Total(n, terms) => match layout.totals {
                    TotalStyle::Values => count_content(*n, layout),
                    TotalStyle::Formulas | TotalStyle::FormulasNoCache => {
                        let cross = layout.cross_sheet && form == "M02" && lrow.item == "4";
                        let expr = if cross {
                            // The closing figure taken from M01's total, on its sheet.
                            let m01 = cell_ref(layout, "M01", "1", Col::Count)
                                .expect("M01 is in the workbook");
                            format!("'{}'!{}", m01.sheet, m01.a1())
                        } else {
                            formula_text(terms, &row_of, &col_of)
                        };
                        let cached = (layout.totals == TotalStyle::Formulas).then_some(*n as f64);
                        Content::Formula(expr, cached)
                    }
                },
            };
            if years {
                // Last year's figure: this year's, one more for a count (so that last year's
                // columns, read as this year's, would not add up).
                let last = match &content {
                    Content::Number(v, f) if *vcol == 0 => Content::Number(v + 1.0, f.clone()),
                    Content::Formula(_, Some(v)) => Content::Number(*v, None),
                    Content::Formula(_, None) => Content::Number(0.0, None),
                    other => other.clone(),
                };
                cells.push(PlannedCell {
                    row,
                    col: col - year_shift,
                    item: None,
                    value_col: None,
                    content: last,
                    is_label: false,
                });
            }
            cells.push(PlannedCell {
                row,
                col,
                item: Some(lrow.item),
                value_col: Some(kind),
                content,
                is_label: false,
            });
        }
    }

    for (head, row) in &subtotal_rows {
        let Some((_, items)) = blocks.iter().find(|(h, _)| h == head) else {
            continue;
        };
        if layout.subtotals != Subtotals::Unlabelled {
            text(&mut cells, *row, label_col, styled("Cộng", style));
        }
        let off = layout
            .subtotal_off
            .iter()
            .filter(|(f, h, _)| *f == form && h == head)
            .map(|(_, _, d)| *d)
            .sum::<i64>();
        let sum: i64 = items
            .iter()
            .filter_map(|i| b.get(form, i, Col::Count))
            .map(|v| v as i64)
            .sum::<i64>()
            + off;
        let content = match layout.subtotals {
            Subtotals::Formula if off == 0 => {
                let (first, last) = (row_of(items[0]), row_of(items[items.len() - 1]));
                let c = col_of(0);
                Content::Formula(
                    format!("SUM({}:{})", a1(first, c), a1(last, c)),
                    Some(sum as f64),
                )
            }
            _ => count_content(sum, layout),
        };
        cells.push(PlannedCell {
            row: *row,
            col: col_of(0),
            item: None,
            value_col: None,
            content,
            is_label: false,
        });
    }

    SheetPlan {
        form,
        name: sheet_name(form, layout.sheet_names),
        cells,
        merges,
        item_rows,
        first_value_col,
        value_cols,
        hidden_cols: Vec::new(),
        error_formulas: Vec::new(),
    }
}

/// Under `Layout::pct_formulas`, a percent as the formula that computes it
/// (`ROUND(C10/C$9*100,2)`, relative in the row, as a shared formula can
/// hold it) with the percent as its cached result.
fn pct_formula(
    form: &str,
    lrow: &LRow,
    p: f64,
    layout: &Layout,
    row_of: &dyn Fn(&str) -> u32,
    col_of: &dyn Fn(u16) -> u16,
) -> Option<Content> {
    if !layout.pct_formulas {
        return None;
    }
    let d = decimals_of(p, layout.pct_decimals);
    let r = row_of(lrow.item);
    let count = a1(r, col_of(0));
    let expr = match form {
        "M03" => format!(
            "ROUND(({}+{})/{}*100,{d})",
            a1(r, col_of(1)),
            a1(r, col_of(2)),
            count
        ),
        _ => {
            let base_item = if form == "M02" { "2.1" } else { "1" };
            let base = a1(row_of(base_item), col_of(0));
            let (letters, digits) = base.split_at(base.find(|c: char| c.is_ascii_digit())?);
            format!("ROUND({count}/{letters}${digits}*100,{d})")
        }
    };
    Some(Content::Formula(expr, Some(p)))
}

fn count_cell(cells: &mut Vec<PlannedCell>, row: u32, col: u16, n: i64) {
    cells.push(PlannedCell {
        row,
        col,
        item: None,
        value_col: None,
        content: Content::Number(n as f64, None),
        is_label: false,
    })
}

fn text(cells: &mut Vec<PlannedCell>, row: u32, col: u16, s: String) {
    cells.push(PlannedCell {
        row,
        col,
        item: None,
        value_col: None,
        content: Content::Text(s),
        is_label: false,
    })
}

fn count_content(n: i64, layout: &Layout) -> Content {
    let grouped = |sep: &str| {
        let digits = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push_str(sep);
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    };
    match layout.numbers {
        NumberStyle::Numbers => Content::Number(n as f64, None),
        NumberStyle::ViText => Content::Text(vi_count(n)),
        NumberStyle::Apostrophe => Content::Text(format!("'{n}")),
        NumberStyle::QuotePrefix => Content::Text(n.to_string()),
        NumberStyle::SpaceGrouped => Content::Text(grouped(" ")),
        NumberStyle::NbspGrouped => Content::Text(format!("{}\u{a0}", grouped("\u{a0}"))),
    }
}

fn pct_content(p: f64, layout: &Layout) -> Content {
    let d = decimals_of(p, layout.pct_decimals);
    match layout.percents {
        PercentStyle::Plain => match layout.numbers {
            NumberStyle::ViText => Content::Text(vi_decimal(p, d)),
            _ => Content::Number(p, Some(decimal_format(d))),
        },
        PercentStyle::ViTextSpaced => {
            let t = vi_decimal(p, d);
            Content::Text(if t == "-" { t } else { format!("{t} %") })
        }
        PercentStyle::Fraction => {
            // 53.97 → 0.5397 exactly as typed (not 53.97 / 100 = 0.5397000…01).
            let fraction = format!("{p}e-2").parse().unwrap_or(p / 100.0);
            Content::Number(fraction, Some(format!("{}%", decimal_format(d))))
        }
        PercentStyle::ViText => {
            let t = vi_decimal(p, d);
            Content::Text(if t == "-" { t } else { format!("{t}%") })
        }
    }
}

fn formula_text(
    terms: &[(i8, Ref)],
    row_of: &dyn Fn(&str) -> u32,
    col_of: &dyn Fn(u16) -> u16,
) -> String {
    let mut out = String::new();
    for (i, (sign, r)) in terms.iter().enumerate() {
        if *sign < 0 {
            out.push('-');
        } else if i > 0 {
            out.push('+');
        }
        match r {
            Ref::Cell(item, c) => out.push_str(&a1(row_of(item), col_of(*c))),
            Ref::Range((ia, ca), (ib, cb)) => out.push_str(&format!(
                "SUM({}:{})",
                a1(row_of(ia), col_of(*ca)),
                a1(row_of(ib), col_of(*cb))
            )),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------

/// Placeholder result of formulas that must have no cached value; removed
/// from the saved file by [`strip_cached_values`].
const NO_CACHE: &str = "__CROSSFOOT_NO_CACHE__";

/// The workbook as `.xlsx` bytes.
///
/// Written by rust_xlsxwriter: rich-text labels by `write_rich_string`,
/// inline strings by its constant-memory worksheets, the quote prefix by
/// `Format::set_quote_prefix`, hidden rows and sheets by `set_row_hidden` /
/// `set_hidden`. Two features no library writes are made by rewriting the
/// saved sheet XML as Excel writes it: formulas without a cached value
/// ([`TotalStyle::FormulasNoCache`]) and shared formulas
/// ([`Layout::shared_formulas`]).
pub fn try_write_branch(b: &Branch, layout: &Layout) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut wb = Workbook::new();
    // A fixed creation date keeps the bytes reproducible.
    let created = ExcelDateTime::from_ymd(b.year.clamp(1900, 9999) as u16, 10, 14)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let plain = Format::new();
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    let new_sheet = |wb: &mut Workbook| -> Result<(), Box<dyn Error>> {
        if layout.inline_strings {
            wb.add_worksheet_with_constant_memory()?;
        } else {
            wb.add_worksheet();
        }
        Ok(())
    };
    if layout.extra_sheets {
        new_sheet(&mut wb)?;
        let ws = wb.worksheet_from_index(0)?;
        ws.set_name("Hướng dẫn")?;
        for (r, line) in INSTRUCTIONS.iter().enumerate() {
            ws.write_string(r as u32, 0, *line)?;
        }
    }
    let mut shared: Vec<(String, Vec<String>)> = Vec::new();
    for sheet in plan(b, layout) {
        // A sheet several forms share is written once per form.
        let existing = wb.worksheets().iter().position(|w| w.name() == sheet.name);
        let last = match existing {
            Some(i) => i,
            None => {
                new_sheet(&mut wb)?;
                let last = wb.worksheets().len() - 1;
                wb.worksheet_from_index(last)?.set_name(&sheet.name)?;
                last
            }
        };
        let ws = wb.worksheet_from_index(last)?;
        // Constant-memory worksheets write each row once: rows in order, each merged range
        // when its row comes. Otherwise the plan's order, merged ranges first (the shared
        // strings keep their order, the samples their bytes).
        let mut cells: Vec<&PlannedCell> = sheet.cells.iter().collect();
        if layout.inline_strings {
            cells.sort_by_key(|c| (c.row, c.col));
        }
        let merged_firsts: HashSet<(u32, u16)> = sheet.merges.iter().map(|m| (m.0, m.1)).collect();
        let hidden: HashSet<u32> = if layout.hidden_rows {
            sheet
                .item_rows
                .iter()
                .filter(|(item, _)| {
                    (sheet.form == "M01" && item.starts_with("3."))
                        || (sheet.form == "M04" && item.starts_with('3'))
                })
                .map(|(_, r)| *r)
                .collect()
        } else {
            HashSet::new()
        };
        let mut merges = sheet.merges.clone();
        if layout.inline_strings {
            merges.sort();
        } else {
            for &(r1, c1, r2, c2) in &merges {
                let text = match sheet.at(r1, c1).map(|c| &c.content) {
                    Some(Content::Text(t)) => t.clone(),
                    _ => String::new(),
                };
                ws.merge_range(r1, c1, r2, c2, &text, &plain)?;
            }
            merges.clear();
        }
        let mut merges = merges.into_iter().peekable();
        let mut last_row = None;
        for cell in cells {
            let (r, c) = (cell.row, cell.col);
            if last_row != Some(r) {
                last_row = Some(r);
                if hidden.contains(&r) {
                    ws.set_row_hidden(r)?;
                }
            }
            while let Some(&(r1, c1, r2, c2)) = merges.peek() {
                if (r1, c1) > (r, c) {
                    break;
                }
                merges.next();
                let text = match sheet.at(r1, c1).map(|c| &c.content) {
                    Some(Content::Text(t)) => t.clone(),
                    _ => String::new(),
                };
                ws.merge_range(r1, c1, r2, c2, &text, &plain)?;
            }
            // A merged range's text was written with it; a figure is written over its first cell.
            if merged_firsts.contains(&(r, c)) && matches!(cell.content, Content::Text(_)) {
                continue;
            }
            match &cell.content {
                Content::Text(t) if cell.is_label && layout.rich_labels => {
                    match t.split_once(' ') {
                        Some((first, rest)) if !first.is_empty() && !rest.is_empty() => {
                            let rest = format!(" {rest}");
                            ws.write_rich_string(r, c, &[(&bold, first), (&plain, &rest)])?;
                        }
                        _ => {
                            ws.write_string(r, c, t)?;
                        }
                    }
                }
                Content::Text(t)
                    if cell.item.is_some() && layout.numbers == NumberStyle::QuotePrefix =>
                {
                    ws.write_string_with_format(r, c, t, &quoted)?;
                }
                Content::Text(t) => {
                    ws.write_string(r, c, t)?;
                }
                Content::Number(v, None) => {
                    ws.write_number(r, c, *v)?;
                }
                Content::Number(v, Some(f)) => {
                    ws.write_number_with_format(r, c, *v, &Format::new().set_num_format(f))?;
                }
                Content::Formula(expr, cached) => {
                    let result = match cached {
                        Some(v) => v.to_string(),
                        None => NO_CACHE.to_string(),
                    };
                    let f = Formula::new(expr).set_result(result);
                    if cell.value_col == Some(Col::Pct) && layout.pct_formulas {
                        let d = match &cell.content {
                            Content::Formula(_, Some(p)) => decimals_of(*p, layout.pct_decimals),
                            _ => 2,
                        };
                        let fmt = Format::new().set_num_format(decimal_format(d));
                        ws.write_formula_with_format(r, c, f, &fmt)?;
                    } else {
                        ws.write_formula(r, c, f)?;
                    }
                }
            }
        }
        for (r1, c1, r2, c2) in merges {
            let text = match sheet.at(r1, c1).map(|c| &c.content) {
                Some(Content::Text(t)) => t.clone(),
                _ => String::new(),
            };
            ws.merge_range(r1, c1, r2, c2, &text, &plain)?;
        }
        for &c in &sheet.hidden_cols {
            ws.set_column_hidden(c)?;
        }
        for (r, c, f, e) in &sheet.error_formulas {
            ws.write_formula(*r, *c, Formula::new(f).set_result(*e))?;
        }
        let first_item = sheet.item_rows.iter().map(|(_, r)| *r).min().unwrap_or(0);
        if layout.office.contains(&Office::Protected) {
            ws.protect();
            ws.set_freeze_panes(first_item, sheet.first_value_col)?;
        }
        if layout.office.contains(&Office::RowIds) {
            ws.set_freeze_panes(first_item, 0)?;
        }
        if layout.office.contains(&Office::CellNotes) {
            const NOTES: [&str; 3] = [
                "Đã trừ 2 đ/c chuyển đi tháng 9",
                "Số liệu theo CSDL đảng viên ngày 30/9",
                "Tăng 3 so với năm trước",
            ];
            let counts = sheet
                .cells
                .iter()
                .filter(|c| c.value_col == Some(Col::Count));
            for (k, c) in counts.step_by(4).take(3).enumerate() {
                let note = rust_xlsxwriter::Note::new(NOTES[k]).set_author("Văn phòng");
                ws.insert_note(c.row, c.col, &note)?;
            }
        }
        if layout.office.contains(&Office::Autofilter) {
            let last_row = sheet.item_rows.iter().map(|(_, r)| *r).max().unwrap_or(0);
            let last_col = sheet.value_cols.iter().copied().max().unwrap_or(0);
            ws.autofilter(first_item.saturating_sub(1), 0, last_row, last_col)?;
        }
        if layout.office.contains(&Office::FormattedToTheLastRow) {
            let bordered = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
            for c in 0..=sheet.first_value_col + 1 {
                ws.write_blank(1_048_575, c, &bordered)?;
            }
        }
        if layout.shared_formulas {
            let pct: Vec<String> = sheet
                .cells
                .iter()
                .filter(|c| {
                    c.value_col == Some(Col::Pct) && matches!(c.content, Content::Formula(..))
                })
                .map(|c| a1(c.row, c.col))
                .collect();
            shared.push((format!("xl/worksheets/sheet{}.xml", last + 1), pct));
        }
    }
    if layout.extra_sheets {
        new_sheet(&mut wb)?;
        let n = wb.worksheets().len() - 1;
        let ws = wb.worksheet_from_index(n)?;
        ws.set_name("DanhMuc")?;
        ws.set_hidden(true);
        for k in 1..=12u32 {
            ws.write_string(k - 1, 0, format!("TD-{k:02}"))?;
            ws.write_string(k - 1, 1, format!("Chi bộ số {k}"))?;
        }
        new_sheet(&mut wb)?;
        let n = wb.worksheets().len() - 1;
        wb.worksheet_from_index(n)?.set_name("Sheet5")?;
    }
    let mut bytes = wb.save_to_buffer()?;
    if layout.totals == TotalStyle::FormulasNoCache {
        bytes = strip_cached_values(&bytes)?;
    }
    if !shared.is_empty() {
        bytes = share_formulas(&bytes, &shared)?;
    }
    Ok(bytes)
}

/// The instructions sheet of [`Layout::extra_sheets`]: sentences naming
/// the forms and their labels, as real instruction sheets do.
const INSTRUCTIONS: [&str; 5] = [
    "HƯỚNG DẪN ĐIỀN BIỂU",
    "Biểu M01 - Số lượng và cơ cấu đảng viên: ghi Tổng số đảng viên có đến 30/9.",
    "Mục Giới tính và Độ tuổi: tổng các dòng bằng Tổng số đảng viên.",
    "Biểu M03: Tổng số được đánh giá = HTXSNV + HTTNV + HTNV + KHTNV.",
    "Mã đơn vị: ghi theo danh mục (ví dụ TD-01).",
];

/// Rewrites the saved zip so that in each listed sheet the formulas of the
/// listed cells become one shared formula: the first keeps its text with
/// `t="shared" ref="first:last" si="0"`, the others only `<f t="shared" si="0"/>`
/// (their cached values stay), as Excel saves a formula filled down.
fn share_formulas(
    xlsx: &[u8],
    sheets: &[(String, Vec<String>)],
) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.to_string();
        match sheets
            .iter()
            .find(|(n, cells)| *n == name && cells.len() > 1)
        {
            Some((_, cells)) => {
                let mut xml = String::new();
                file.read_to_string(&mut xml)?;
                out.start_file(name, options)?;
                out.write_all(share_sheet_xml(&xml, cells)?.as_bytes())?;
            }
            None => out.raw_copy_file(file)?,
        }
    }
    Ok(out.finish()?.into_inner())
}

fn share_sheet_xml(xml: &str, cells: &[String]) -> Result<String, Box<dyn Error>> {
    let mut xml = xml.to_string();
    let range = format!("{}:{}", cells[0], cells[cells.len() - 1]);
    for (k, cell) in cells.iter().enumerate() {
        let at = xml
            .find(&format!("<c r=\"{cell}\""))
            .ok_or("planned formula cell missing")?;
        let f_open = at + xml[at..].find("<f>").ok_or("formula missing")?;
        let f_close = f_open + xml[f_open..].find("</f>").ok_or("formula not closed")?;
        let replacement = if k == 0 {
            format!(
                "<f t=\"shared\" ref=\"{range}\" si=\"0\">{}</f>",
                &xml[f_open + 3..f_close]
            )
        } else {
            "<f t=\"shared\" si=\"0\"/>".to_string()
        };
        xml.replace_range(f_open..f_close + 4, &replacement);
    }
    Ok(xml)
}

/// The workbook as `.xlsx` bytes (panics on a writer error: test code).
pub fn write_branch(b: &Branch, layout: &Layout) -> Vec<u8> {
    try_write_branch(b, layout).expect("rust_xlsxwriter writes the planned workbook")
}

/// Writes the workbook to `path`.
pub fn write_branch_to(
    path: impl AsRef<Path>,
    b: &Branch,
    layout: &Layout,
) -> Result<(), Box<dyn Error>> {
    std::fs::write(path, try_write_branch(b, layout)?)?;
    Ok(())
}

/// Rewrites the saved zip so that formulas whose result is the [`NO_CACHE`]
/// placeholder have no `<v>` (and no `t="str"`) at all.
fn strip_cached_values(xlsx: &[u8]) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.to_string();
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            let mut xml = String::new();
            file.read_to_string(&mut xml)?;
            out.start_file(name, options)?;
            out.write_all(strip_sheet_xml(&xml).as_bytes())?;
        } else {
            out.raw_copy_file(file)?;
        }
    }
    Ok(out.finish()?.into_inner())
}

fn strip_sheet_xml(xml: &str) -> String {
    let marker = format!("<v>{NO_CACHE}</v>");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(pos) = rest.find(&marker) {
        let (before, after) = rest.split_at(pos);
        // Drop the string-result type of this cell: it has no result now.
        let cell_start = before.rfind("<c ").expect("a <v> sits inside a <c>");
        out.push_str(&before[..cell_start]);
        out.push_str(&before[cell_start..].replacen(r#" t="str""#, "", 1));
        rest = &after[marker.len()..];
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------
// Figures and an oracle of the expected findings
// ---------------------------------------------------------------------------

/// One figure of the branch: form, item, value column, value.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub form: &'static str,
    pub item: &'static str,
    pub col: Col,
    pub value: f64,
}

impl Branch {
    /// Every count and percentage of the four forms, in table order (the
    /// template's figures; heading rows carry none).
    pub fn figures(&self) -> Vec<Figure> {
        let layout = Layout::default();
        FORMS
            .into_iter()
            .flat_map(|form| {
                logical_rows(self, form, &layout)
                    .into_iter()
                    .flat_map(move |row| {
                        row.values.into_iter().map(move |(vcol, val)| Figure {
                            form,
                            item: row.item,
                            col: Col::from_index(form, vcol),
                            value: match val {
                                Val::Count(n) | Val::Total(n, _) => n as f64,
                                Val::Pct(p) => p,
                            },
                        })
                    })
            })
            .collect()
    }
}

/// A mutable figure: a count or a percentage.
pub enum Slot<'a> {
    Count(&'a mut i64),
    Pct(&'a mut f64),
}

fn pick<'a>(counts: &'a mut [i64], pcts: &'a mut [f64], i: usize, col: Col) -> Option<Slot<'a>> {
    match col {
        Col::Count => counts.get_mut(i).map(Slot::Count),
        Col::Pct => pcts.get_mut(i).map(Slot::Pct),
        _ => None,
    }
}

fn only_count(n: &mut i64, col: Col) -> Option<Slot<'_>> {
    (col == Col::Count).then_some(Slot::Count(n))
}

fn pair<'a>(count: &'a mut i64, p: &'a mut f64, col: Col) -> Option<Slot<'a>> {
    match col {
        Col::Count => Some(Slot::Count(count)),
        Col::Pct => Some(Slot::Pct(p)),
        _ => None,
    }
}

impl Branch {
    /// The field behind figure `(form, item, col)`, e.g.
    /// `("M01", "2.1", Col::Count)` → `m01.gender[0]`.
    pub fn slot(&mut self, form: &str, item: &str, col: Col) -> Option<Slot<'_>> {
        let (head, sub) = match item.split_once('.') {
            Some((h, s)) => (h, Some(s)),
            None => (item, None),
        };
        let index = |s: &str| s.parse::<usize>().ok().filter(|&i| i >= 1).map(|i| i - 1);
        match form {
            "M01" => {
                let m = &mut self.m01;
                match (head, sub) {
                    ("1", None) => pair(&mut m.total, &mut m.total_pct, col),
                    ("1", Some("1")) => pair(&mut m.women, &mut m.women_pct, col),
                    ("1", Some("2")) => pair(&mut m.minority, &mut m.minority_pct, col),
                    ("1", Some("3")) => pair(&mut m.probationary, &mut m.probationary_pct, col),
                    ("1", Some("4")) => pair(&mut m.full, &mut m.full_pct, col),
                    ("9", None) => pair(&mut m.religious, &mut m.religious_pct, col),
                    (h, Some(s)) => {
                        let i = index(s)?;
                        match h {
                            "2" => pick(&mut m.gender, &mut m.gender_pct, i, col),
                            "3" => pick(&mut m.age, &mut m.age_pct, i, col),
                            "4" => pick(&mut m.education, &mut m.education_pct, i, col),
                            "5" => pick(&mut m.qualification, &mut m.qualification_pct, i, col),
                            "6" => pick(&mut m.theory, &mut m.theory_pct, i, col),
                            "7" => pick(&mut m.ethnicity, &mut m.ethnicity_pct, i, col),
                            "8" => pick(&mut m.occupation, &mut m.occupation_pct, i, col),
                            "9" => pick(&mut m.religious_parts, &mut m.religious_parts_pct, i, col),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            "M02" => {
                let m = &mut self.m02;
                match (head, sub) {
                    ("1", None) => only_count(&mut m.start, col),
                    ("2", None) => only_count(&mut m.increase, col),
                    ("2", Some("1")) => only_count(&mut m.admitted, col),
                    ("2", Some("2")) => only_count(&mut m.transferred_in, col),
                    ("2", Some(s)) if s.len() == 2 && s.starts_with('1') => {
                        let i = match s.as_bytes()[1] {
                            c @ b'a'..=b'd' => usize::from(c - b'a'),
                            _ => return None,
                        };
                        pick(&mut m.admitted_of, &mut m.admitted_of_pct, i, col)
                    }
                    ("3", None) => only_count(&mut m.decrease, col),
                    ("3", Some(s)) => only_count(m.decrease_by.get_mut(index(s)?)?, col),
                    ("4", None) => only_count(&mut m.end, col),
                    ("5", None) => only_count(&mut m.disciplined, col),
                    ("5", Some(s)) => only_count(m.disciplined_by.get_mut(index(s)?)?, col),
                    _ => None,
                }
            }
            "M03" => {
                let m = &mut self.m03;
                let r = match (head, sub) {
                    ("1", None) => &mut m.sub_branches,
                    ("2", None) => &mut m.members,
                    ("3", None) => return only_count(&mut m.not_rated, col),
                    ("3", Some("1")) => return only_count(&mut m.exempt, col),
                    ("3", Some("2")) => return only_count(&mut m.newly_admitted, col),
                    _ => return None,
                };
                Some(match col {
                    Col::Count => Slot::Count(&mut r.rated),
                    Col::Excellent => Slot::Count(&mut r.excellent),
                    Col::Good => Slot::Count(&mut r.good),
                    Col::Completed => Slot::Count(&mut r.completed),
                    Col::NotCompleted => Slot::Count(&mut r.not_completed),
                    Col::Pct => Slot::Pct(&mut r.share_pct),
                })
            }
            "M04" => {
                let m = &mut self.m04;
                match (head, sub) {
                    ("1", None) => pair(&mut m.total, &mut m.total_pct, col),
                    ("2", Some(s)) => pick(
                        &mut m.qualification,
                        &mut m.qualification_pct,
                        index(s)?,
                        col,
                    ),
                    ("3", Some(s)) => pick(&mut m.theory, &mut m.theory_pct, index(s)?, col),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The value of figure `(form, item, col)`.
    pub fn get(&self, form: &str, item: &str, col: Col) -> Option<f64> {
        self.figures()
            .into_iter()
            .find(|f| f.form == form && f.item == item && f.col == col)
            .map(|f| f.value)
    }

    /// Sets figure `(form, item, col)` (a count is rounded to a whole
    /// number). Panics if the form has no such figure.
    pub fn set(&mut self, form: &str, item: &str, col: Col, value: f64) {
        match self.slot(form, item, col) {
            Some(Slot::Count(n)) => *n = value.round() as i64,
            Some(Slot::Pct(p)) => *p = value,
            None => panic!("no figure {form} {item} {col:?}"),
        }
    }
}

/// A figure's address: form, item, value column.
pub type Key = (&'static str, &'static str, Col);

/// One finding the oracle expects a correct checker to report.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// `form-missing`, `required-missing`, `not-a-number`, `negative`,
    /// `relation` (a sum or an equality), `limit` (a ≤), `percent`.
    pub kind: &'static str,
    /// The figures involved, the checked one first.
    pub keys: Vec<Key>,
    pub message: String,
}

impl Finding {
    /// The cells of the figures involved, under `layout`.
    pub fn cells(&self, layout: &Layout) -> Vec<CellRef> {
        self.keys
            .iter()
            .filter_map(|&(form, item, col)| cell_ref(layout, form, item, col))
            .collect()
    }
}

/// Figures every check depends on: empty is a finding, never zero.
pub const REQUIRED: [(&str, &str); 5] = [
    ("M01", "1"),
    ("M02", "1"),
    ("M02", "4"),
    ("M03", "2"),
    ("M04", "1"),
];

/// The findings FORMS.md asks for when `b` is written with `layout`: this
/// module's own reading of the rules, independent of the checker, used to
/// state what each sample workbook must give. An empty count is zero except
/// the [`REQUIRED`] ones; an empty percent is not given (not checked); a
/// check with a missing, text or required-empty operand is not evaluated.
pub fn expected_findings(b: &Branch, layout: &Layout) -> Vec<Finding> {
    let mut out = Vec::new();
    for form in FORMS {
        if layout.omit.contains(&form) {
            out.push(Finding {
                kind: "form-missing",
                keys: vec![],
                message: format!("form {form} is missing"),
            });
        }
    }
    // Known values; `None` = present but unusable.
    let mut known: Vec<(Key, Option<f64>)> = Vec::new();
    for fig in b.figures() {
        let key = (fig.form, fig.item, fig.col);
        if layout.omit.contains(&fig.form) {
            continue;
        }
        if fig.col == Col::Pct {
            if !layout.no_pct_column.contains(&fig.form)
                && !layout.blank_pct.contains(&(fig.form, fig.item))
            {
                known.push((key, Some(fig.value)));
            }
            continue;
        }
        let is_main = fig.col == Col::Count;
        if is_main && layout.blank.contains(&(fig.form, fig.item)) {
            if REQUIRED.contains(&(fig.form, fig.item)) {
                out.push(Finding {
                    kind: "required-missing",
                    keys: vec![key],
                    message: format!("{} {} is required but empty", fig.form, fig.item),
                });
                known.push((key, None));
            } else {
                known.push((key, Some(0.0)));
            }
        } else if let Some(t) = layout
            .text_in
            .iter()
            .find(|(f, i, _)| is_main && *f == fig.form && *i == fig.item)
        {
            out.push(Finding {
                kind: "not-a-number",
                keys: vec![key],
                message: format!(
                    "{} {} holds the text {:?}, not a number",
                    fig.form, fig.item, t.2
                ),
            });
            known.push((key, None));
        } else {
            if fig.value < 0.0 {
                out.push(Finding {
                    kind: "negative",
                    keys: vec![key],
                    message: format!("{} {} is negative: {}", fig.form, fig.item, fig.value),
                });
            }
            known.push((key, Some(fig.value)));
        }
    }
    let get = |k: Key| known.iter().find(|(kk, _)| *kk == k).and_then(|(_, v)| *v);
    let c = |form: &'static str, item: &'static str| (form, item, Col::Count);

    // a = b (both sides sums of signed terms).
    let mut relation = |lhs: &[(i8, Key)], rhs: &[(i8, Key)]| {
        let side = |terms: &[(i8, Key)]| -> Option<f64> {
            terms
                .iter()
                .map(|&(s, k)| get(k).map(|v| f64::from(s) * v))
                .sum()
        };
        let (Some(l), Some(r)) = (side(lhs), side(rhs)) else {
            return;
        };
        if l != r {
            out.push(Finding {
                kind: "relation",
                keys: lhs.iter().chain(rhs).map(|&(_, k)| k).collect(),
                message: format!("{} = {l} ≠ {} = {r}", expr(lhs), expr(rhs)),
            });
        }
    };
    let plus = |keys: &[Key]| keys.iter().map(|&k| (1i8, k)).collect::<Vec<_>>();
    let subs = |form: &'static str, parent: &str, n: usize| {
        (0..n)
            .map(|i| (form, sub_item(parent, i), Col::Count))
            .collect::<Vec<_>>()
    };

    // M01
    let total = [c("M01", "1")];
    relation(&plus(&[c("M01", "1.3"), c("M01", "1.4")]), &plus(&total));
    relation(&plus(&subs("M01", "2", 2)), &plus(&total));
    relation(&plus(&[c("M01", "2.2")]), &plus(&[c("M01", "1.1")]));
    for (head, n) in [("3", 8), ("4", 4), ("5", 7), ("6", 4), ("7", 12), ("8", 9)] {
        relation(&plus(&subs("M01", head, n)), &plus(&total));
    }
    relation(
        &plus(&[c("M01", "1.2")]),
        &[(1, c("M01", "1")), (-1, c("M01", "7.1"))],
    );
    relation(&plus(&[c("M01", "9")]), &plus(&subs("M01", "9", 2)));
    // M02
    relation(&plus(&[c("M02", "2")]), &plus(&subs("M02", "2", 2)));
    relation(&plus(&[c("M02", "3")]), &plus(&subs("M02", "3", 6)));
    relation(
        &plus(&[c("M02", "4")]),
        &[(1, c("M02", "1")), (1, c("M02", "2")), (-1, c("M02", "3"))],
    );
    relation(&plus(&[c("M02", "4")]), &plus(&total));
    relation(&plus(&[c("M02", "5")]), &plus(&subs("M02", "5", 4)));
    relation(&plus(&[c("M02", "5.4")]), &plus(&[c("M02", "3.2")]));
    // M03
    for row in ["1", "2"] {
        relation(
            &plus(&[c("M03", row)]),
            &plus(&[
                ("M03", row, Col::Excellent),
                ("M03", row, Col::Good),
                ("M03", row, Col::Completed),
                ("M03", row, Col::NotCompleted),
            ]),
        );
    }
    relation(&plus(&[c("M03", "2"), c("M03", "3")]), &plus(&total));
    relation(
        &plus(&[c("M03", "3")]),
        &plus(&[c("M03", "3.1"), c("M03", "3.2")]),
    );
    // M04
    relation(&plus(&subs("M04", "2", 5)), &plus(&[c("M04", "1")]));
    relation(&plus(&subs("M04", "3", 3)), &plus(&[c("M04", "1")]));

    // Limits.
    let mut limit = |a: Key, b: Key| {
        if let (Some(x), Some(y)) = (get(a), get(b)) {
            if x > y {
                out.push(Finding {
                    kind: "limit",
                    keys: vec![a, b],
                    message: format!("{} {} = {x} > {} {} = {y}", a.0, a.1, b.0, b.1),
                });
            }
        }
    };
    for item in ["1.1", "1.2", "1.3", "1.4", "9"] {
        limit(c("M01", item), c("M01", "1"));
    }
    for item in ["2.1a", "2.1b", "2.1c", "2.1d"] {
        limit(c("M02", item), c("M02", "2.1"));
    }

    // Percentages, at the decimals shown.
    let mut percent = |p: Key, parts: &[Key], base: Key| {
        let Some(shown) = get(p) else { return };
        let Some(count) = parts.iter().map(|&k| get(k)).sum::<Option<f64>>() else {
            return;
        };
        let Some(base_v) = get(base) else { return };
        if base_v == 0.0 {
            if shown != 0.0 {
                out.push(Finding {
                    kind: "percent",
                    keys: vec![p, base],
                    message: format!("{} {} shows {shown} % of a zero base", p.0, p.1),
                });
            }
            return;
        }
        let d = decimals_of(shown, layout.pct_decimals) as i32;
        let scale = 10f64.powi(d);
        let shown_scaled = (shown * scale).round() as i64;
        let num = count as i64 * 100 * 10i64.pow(d as u32);
        let den = base_v as i64;
        let right = (2 * num + den) / (2 * den);
        if shown_scaled != right {
            // Exact when it has at most 4 decimals.
            let exact = if (count as i64 * 1_000_000) % den == 0 {
                format!("{}", count * 100.0 / base_v)
            } else {
                format!("{:.4}…", count * 100.0 / base_v)
            };
            out.push(Finding {
                kind: "percent",
                keys: [p]
                    .into_iter()
                    .chain(parts.iter().copied())
                    .chain([base])
                    .collect(),
                message: format!(
                    "{} {} shows {shown} %, but {count} ÷ {base_v} × 100 = {exact} \
                     ({} at {d} decimals)",
                    p.0,
                    p.1,
                    right as f64 / scale
                ),
            });
        }
    };
    for fig in b.figures() {
        if fig.col != Col::Pct {
            continue;
        }
        let pk = (fig.form, fig.item, Col::Pct);
        match fig.form {
            "M01" | "M04" => percent(pk, &[c(fig.form, fig.item)], c(fig.form, "1")),
            "M02" => percent(pk, &[c("M02", fig.item)], c("M02", "2.1")),
            _ => percent(
                pk,
                &[
                    ("M03", fig.item, Col::Excellent),
                    ("M03", fig.item, Col::Good),
                ],
                c("M03", fig.item),
            ),
        }
    }
    out
}

fn expr(terms: &[(i8, Key)]) -> String {
    let mut s = String::new();
    let mut last_item = "";
    for (i, (sign, (form, item, col))) in terms.iter().enumerate() {
        if i > 0 {
            s.push_str(if *sign < 0 { " − " } else { " + " });
        } else if *sign < 0 {
            s.push('−');
        }
        if i == 0 {
            s.push_str(form);
            s.push(' ');
        }
        // `M03 2 HTXSNV + HTTNV + …`: the item once, then the columns.
        if *item != last_item {
            s.push_str(item);
            if *col != Col::Count {
                s.push(' ');
            }
        }
        if *col != Col::Count {
            s.push_str(col_name(*col));
        }
        last_item = item;
    }
    s
}

/// The column's header (`HTXSNV`, …; `Số lượng`, `Tỷ lệ`).
pub fn col_name(col: Col) -> &'static str {
    match col {
        Col::Count => "Số lượng",
        Col::Pct => "Tỷ lệ",
        Col::Excellent => "HTXSNV",
        Col::Good => "HTTNV",
        Col::Completed => "HTNV",
        Col::NotCompleted => "KHTNV",
    }
}

// ---------------------------------------------------------------------------
// Office drift: how offices fill, copy and re-save the forms (issue 23 point 5)
// ---------------------------------------------------------------------------

/// A way people in offices fill, copy and re-save the forms that FORMS.md does
/// not list. Applied to every sheet's plan after the rest of the layout; meant
/// for values (not formulas: cells that move are not re-referenced) on a sheet
/// per form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Office {
    /// A hidden first column `ID` of row ids (1, 2, 3 … on the item rows), as
    /// left by an export from a database or a pasted list; panes frozen.
    RowIds,
    /// `Trong đó:` in the label cell and the rest of that label (`Đảng viên nữ`)
    /// in the cell right of it (a column inserted after the labels).
    OfWhichSplit,
    /// A unit column `ĐVT` after the labels (`người`, M03's sub-branches
    /// `chi bộ`), and the count heading `Số lượng (người)`.
    UnitColumn,
    /// Counts as text with a trailing `.0` (`25.0`), as other programs export them.
    PointZeroText,
    /// Percentages as text with a leading space: ` 53,97%` (a cell formatted as text).
    PctTextLeadingSpace,
    /// Every item over two rows: its label, number and figures merged vertically.
    TwoRowItems,
    /// A remarks column `Ghi chú` after the values with text like `tăng 2`.
    RemarksColumn,
    /// Under the table: a note, `Người lập biểu` and `T/M CHI ỦY` with their
    /// names, a place and date, a phone number as text and as a number under
    /// the counts.
    Footer,
    /// The header in capitals broken over lines inside the cell (Alt+Enter):
    /// `SỐ\nLƯỢNG`, `TỶ\nLỆ\n(%)`.
    HeaderLineBreaks,
    /// The whole sheet six rows down and three columns right, under a merged
    /// logo placeholder.
    ShiftedWithLogo,
    /// A hidden column `Kiểm tra` after the values holding a 0 on every item row
    /// (the office's own check, kept out of print).
    HiddenCheckColumn,
    /// The sheet protected, panes frozen under the header and right of the labels.
    Protected,
    /// A formatted empty cell in the sheet's last row, 1,048,576 (a whole
    /// column formatted: the used range runs to the end).
    FormattedToTheLastRow,
    /// STT `1.1`, `3.8` … turned into dates as Excel in a locale with a decimal
    /// comma does (`3.8` → 3 August, shown `03/08`); `1`, `2.1a` stay.
    SttAsDates,
    /// STT typed as numbers: `7.10` becomes 7.1, `1.1` 1.1.
    SttAsNumbers,
    /// Counts typed with full-width digits (an East Asian input method): `２６７５`.
    FullWidthDigits,
    /// Zero counts written four ways in turn: an empty cell, `'-` (the apostrophe kept in the
    /// text), the text `0`, an en dash `–` (word processors' autocorrect of `-`).
    ZeroVariants,
    /// Percentages as numbers (53.97) under a format with a literal percent sign
    /// (`0.00"%"`): shown `53.97%`, not a percent format.
    PctLiteralSignFormat,
    /// Counts under a format naming the unit: `0 "người"` (shown `25 người`).
    CountUnitFormat,
    /// Notes (comments) on some count cells: `Đã trừ 2 đ/c chuyển đi`.
    CellNotes,
    /// An autofilter over the table (its header row gets the filter buttons).
    Autofilter,
    /// Heading rows (`Độ tuổi`, no figure) merged from the label across the value columns.
    HeadingsMergedAcross,
    /// Long labels broken over two lines inside the cell (Alt+Enter):
    /// `Đảng viên người dân tộc\nthiểu số`.
    LabelLineBreaks,
    /// Every text in the legacy TCVN3 (ABC) encoding, as typed with a `.VnTime` font in old
    /// offices and copied on: `Tæng sè ®¶ng viªn` (capitals of a `.VnTimeH` font are stored
    /// as the small letters' codes: `TæNG Sè`).
    Tcvn3,
    /// Counts typed as text with their unit: `25 người`, `3 đ/c`.
    CountsWithUnitText,
    /// Percentages typed as text with a decimal point (a machine set to English): `53.97`.
    PctTextDotDecimal,
    /// Percentages as the unrounded quotient (`=C10/C9*100` pasted as values) shown to two
    /// decimals by the format: 53.9737… shown `53.97`.
    PctUnrounded,
    /// M01's sheet copied at the end of the workbook as Excel names a copy
    /// (`M01-SoLuong (2)`), with the same figures (a copy kept "just in case").
    SheetCopied,
    /// Footnote marks after some labels, referring to notes under the table: `Tổng số đảng
    /// viên (*)`, `Đảng viên dự bị (1)`, `Đảng viên có đạo (tôn giáo)*`.
    FootnoteMarks,
    /// Sub-items bulleted as Vietnamese documents do: `- Nam`, `+ Đoàn viên thanh niên`.
    Bullets,
    /// Percentages as formulas dividing by their base (`=C9/C$8*100`), which shows `#DIV/0!`
    /// where the base is zero (nothing admitted, no sub-branches): the error is the cached
    /// result. Percentages over a non-zero base stay as typed.
    DivZeroErrors,
    /// `Trong đó:` written another way: `Tr.đó:` (0), `Trong đó -` (1), `Trong đó,` (2),
    /// `Trong đó` with no mark (3).
    OfWhichWritten(u8),
    /// M02's `Chuyển đến` (2.2) typed `1/2` and turned into a date by the spreadsheet (1 February
    /// of the report year, shown `01-Feb`): a slip of typing, not a figure.
    DateInCount,
}

/// `s` in the TCVN3 (ABC) encoding, as a `.VnTime` / `.VnTimeH` font shows it.
pub fn tcvn3(s: &str) -> String {
    const SMALL: &str = "ăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ";
    const CODES: &str = "¨©ª«¬\u{ad}®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ";
    let small: Vec<char> = SMALL.chars().collect();
    let codes: Vec<char> = CODES.chars().collect();
    assert_eq!(small.len(), codes.len(), "a TCVN3 code for every letter");
    s.nfc()
        .map(|c| {
            // Capitals with a mark are written with the small letter's code (.VnTimeH).
            let low = c.to_lowercase().next().unwrap_or(c);
            match small.iter().position(|x| *x == low) {
                Some(i) => codes[i],
                None => c,
            }
        })
        .collect()
}

/// Days from 1899-12-30 to `year-month-day` (Excel's serial date).
fn excel_serial(year: i64, month: i64, day: i64) -> i64 {
    // Days from civil (Howard Hinnant's algorithm), relative to 1970-01-01.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + 25_569
}

/// Moves every cell, merge and column mark at or right of `at` one column right.
fn insert_column(p: &mut SheetPlan, at: u16) {
    for c in &mut p.cells {
        if c.col >= at {
            c.col += 1;
        }
    }
    for m in &mut p.merges {
        if m.1 >= at {
            m.1 += 1;
        }
        if m.3 >= at {
            m.3 += 1;
        }
    }
    for c in p
        .value_cols
        .iter_mut()
        .chain(p.hidden_cols.iter_mut())
        .chain(std::iter::once(&mut p.first_value_col))
    {
        if *c >= at {
            *c += 1;
        }
    }
}

fn office_drift(p: &mut SheetPlan, drift: Office, year: u32) {
    let first_item = p.item_rows.iter().map(|(_, r)| *r).min().unwrap_or(0);
    let item_rows: Vec<u32> = p.item_rows.iter().map(|(_, r)| *r).collect();
    let label_col = p.cells.iter().find(|c| c.is_label).map_or(1, |c| c.col);
    // The header's first row: the highest row of text over the value columns
    // above the items (the title block stands in the first columns only).
    let header = p
        .cells
        .iter()
        .filter(|c| {
            c.row < first_item
                && p.value_cols.contains(&c.col)
                && matches!(&c.content, Content::Text(t) if !t.is_empty())
        })
        .map(|c| c.row)
        .min()
        .unwrap_or(first_item.saturating_sub(1));
    let last_col = p.cells.iter().map(|c| c.col).max().unwrap_or(0);
    let last_row = p.cells.iter().map(|c| c.row).max().unwrap_or(0);
    let stt_col = label_col.saturating_sub(1);
    let is_count = |c: &PlannedCell| {
        c.item.is_some()
            && c.value_col.is_some_and(|v| v != Col::Pct)
            && matches!(c.content, Content::Number(_, None))
    };
    let count_of = |c: &PlannedCell| match c.content {
        Content::Number(v, _) => v as i64,
        _ => 0,
    };
    match drift {
        Office::RowIds => {
            insert_column(p, 0);
            text(&mut p.cells, header, 0, "ID".to_string());
            for (i, r) in item_rows.iter().enumerate() {
                count_cell(&mut p.cells, *r, 0, i as i64 + 1);
            }
            p.hidden_cols.push(0);
        }
        Office::OfWhichSplit => {
            insert_column(p, label_col + 1);
            // Every label cell that starts so (one per form at most in the template).
            let more: Vec<(u32, u16, String)> = p
                .cells
                .iter()
                .filter(|c| c.is_label)
                .filter_map(|c| match &c.content {
                    Content::Text(t) => t
                        .strip_prefix("Trong đó: ")
                        .map(|rest| (c.row, c.col, rest.to_string())),
                    _ => None,
                })
                .collect();
            for (row, col, rest) in more {
                if let Some(c) = p
                    .cells
                    .iter_mut()
                    .find(|c| c.row == row && c.col == col && c.is_label)
                {
                    c.content = Content::Text("Trong đó:".to_string());
                }
                text(&mut p.cells, row, col + 1, rest);
            }
            p.merges.push((header, label_col, header, label_col + 1));
        }
        Office::UnitColumn => {
            let unit_col = label_col + 1;
            insert_column(p, unit_col);
            text(&mut p.cells, header, unit_col, "ĐVT".to_string());
            let count_col = p.value_cols[0];
            for c in &mut p.cells {
                if c.row >= header && c.row < first_item && c.col == count_col {
                    if let Content::Text(t) = &mut c.content {
                        if t == "Số lượng" {
                            t.push_str(" (người)");
                        }
                    }
                }
            }
            for (item, r) in p.item_rows.clone() {
                let unit = if p.form == "M03" && item == "1" {
                    "chi bộ"
                } else {
                    "người"
                };
                text(&mut p.cells, r, unit_col, unit.to_string());
            }
        }
        Office::PointZeroText => {
            for c in p.cells.iter_mut().filter(|c| is_count(c)) {
                c.content = Content::Text(format!("{}.0", count_of(c)));
            }
        }
        Office::FullWidthDigits => {
            for c in p.cells.iter_mut().filter(|c| is_count(c)) {
                let wide: String = count_of(c)
                    .to_string()
                    .chars()
                    .map(|d| char::from_u32(u32::from(d) - u32::from('0') + 0xFF10).unwrap_or(d))
                    .collect();
                c.content = Content::Text(wide);
            }
        }
        Office::PctTextLeadingSpace => {
            for c in &mut p.cells {
                if c.item.is_some() && c.value_col == Some(Col::Pct) {
                    if let Content::Number(v, _) = c.content {
                        c.content =
                            Content::Text(format!(" {}%", format!("{v:.2}").replace('.', ",")));
                    }
                }
            }
        }
        Office::TwoRowItems => {
            let down = |r: u32| {
                if r >= first_item {
                    first_item + 2 * (r - first_item)
                } else {
                    r
                }
            };
            for c in &mut p.cells {
                c.row = down(c.row);
            }
            for m in &mut p.merges {
                *m = (down(m.0), m.1, down(m.2), m.3);
            }
            for (_, r) in &mut p.item_rows {
                *r = down(*r);
            }
            let mut merges: Vec<(u32, u16, u32, u16)> = p
                .cells
                .iter()
                .filter(|c| c.row >= first_item)
                .map(|c| (c.row, c.col, c.row + 1, c.col))
                .collect();
            merges.sort_unstable();
            merges.dedup();
            p.merges.extend(merges);
        }
        Office::RemarksColumn => {
            let col = last_col + 1;
            text(&mut p.cells, header, col, "Ghi chú".to_string());
            const REMARKS: [&str; 4] = [
                "tăng 2",
                "giảm 1 so với năm 2020",
                "3 đ/c mới kết nạp",
                "số liệu đến 30/9",
            ];
            for (i, r) in item_rows.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
                text(
                    &mut p.cells,
                    *r,
                    col,
                    REMARKS[(i / 3) % REMARKS.len()].to_string(),
                );
            }
        }
        Office::Footer => {
            let count_col = p.first_value_col;
            let at = last_row + 2;
            text(
                &mut p.cells,
                at,
                stt_col,
                "Ghi chú: Số liệu tính đến ngày 30/9; 2 đồng chí chuyển đến tháng 10 chưa tính."
                    .to_string(),
            );
            text(
                &mut p.cells,
                at + 2,
                label_col,
                "Tam Đường, ngày 15 tháng 10 năm 2021".to_string(),
            );
            text(
                &mut p.cells,
                at + 3,
                label_col,
                "NGƯỜI LẬP BIỂU".to_string(),
            );
            text(&mut p.cells, at + 3, count_col, "T/M CHI ỦY".to_string());
            text(
                &mut p.cells,
                at + 4,
                label_col,
                "(Ký, ghi rõ họ tên)".to_string(),
            );
            text(&mut p.cells, at + 4, count_col, "BÍ THƯ".to_string());
            text(&mut p.cells, at + 8, label_col, "Lò Thị Hoa".to_string());
            text(
                &mut p.cells,
                at + 8,
                count_col,
                "Nguyễn Văn Minh".to_string(),
            );
            text(
                &mut p.cells,
                at + 9,
                label_col,
                "ĐT: 0912 345 678".to_string(),
            );
            count_cell(&mut p.cells, at + 9, count_col, 912_345_678);
        }
        Office::HeaderLineBreaks => {
            for c in &mut p.cells {
                if c.row < header || c.row >= first_item {
                    continue;
                }
                if let Content::Text(t) = &mut c.content {
                    let upper = t.to_uppercase();
                    let (head, pct) = match upper.strip_suffix(" (%)") {
                        Some(h) => (h.to_string(), "\n(%)"),
                        None => (upper.clone(), ""),
                    };
                    let words: Vec<&str> = head.split(' ').collect();
                    let lines: Vec<String> = words.chunks(2).map(|w| w.join(" ")).collect();
                    let broken = if words.len() == 2 {
                        words.join("\n")
                    } else {
                        lines.join("\n")
                    };
                    *t = format!("{broken}{pct}");
                }
            }
        }
        Office::ShiftedWithLogo => {
            for c in &mut p.cells {
                c.row += 6;
                c.col += 3;
            }
            for m in &mut p.merges {
                *m = (m.0 + 6, m.1 + 3, m.2 + 6, m.3 + 3);
            }
            for (_, r) in &mut p.item_rows {
                *r += 6;
            }
            for c in p.value_cols.iter_mut().chain(p.hidden_cols.iter_mut()) {
                *c += 3;
            }
            p.first_value_col += 3;
            text(&mut p.cells, 0, 0, String::new());
            p.merges.push((0, 0, 4, 1));
        }
        Office::HiddenCheckColumn => {
            let col = last_col + 1;
            text(&mut p.cells, header, col, "Kiểm tra".to_string());
            for r in &item_rows {
                count_cell(&mut p.cells, *r, col, 0);
            }
            p.hidden_cols.push(col);
        }
        Office::ZeroVariants => {
            let mut k = 0;
            let mut drop = Vec::new();
            for (i, c) in p.cells.iter_mut().enumerate() {
                if !is_count(c) || count_of(c) != 0 {
                    continue;
                }
                match k % 4 {
                    0 => drop.push(i),
                    1 => c.content = Content::Text("'-".to_string()),
                    2 => c.content = Content::Text("0".to_string()),
                    _ => c.content = Content::Text("\u{2013}".to_string()),
                }
                k += 1;
            }
            for i in drop.into_iter().rev() {
                p.cells.remove(i);
            }
        }
        Office::PctLiteralSignFormat => {
            for c in &mut p.cells {
                if c.item.is_some() && c.value_col == Some(Col::Pct) {
                    if let Content::Number(_, f) = &mut c.content {
                        *f = Some("0.00\"%\"".to_string());
                    }
                }
            }
        }
        Office::CountUnitFormat => {
            for c in p.cells.iter_mut().filter(|c| is_count(c)) {
                if let Content::Number(_, f) = &mut c.content {
                    *f = Some("0 \"người\"".to_string());
                }
            }
        }
        Office::HeadingsMergedAcross => {
            let last_value = p.value_cols.iter().copied().max().unwrap_or(label_col);
            for (_, r) in p.item_rows.clone() {
                let has_figures = p.cells.iter().any(|c| c.row == r && c.value_col.is_some());
                if !has_figures {
                    p.merges.push((r, label_col, r, last_value));
                }
            }
        }
        Office::LabelLineBreaks => {
            for c in p.cells.iter_mut().filter(|c| c.is_label) {
                if let Content::Text(t) = &mut c.content {
                    let spaces: Vec<usize> = t.match_indices(' ').map(|(i, _)| i).collect();
                    if spaces.len() >= 3 {
                        let at = spaces[spaces.len() / 2 + 1];
                        t.replace_range(at..at + 1, "\n");
                    }
                }
            }
        }
        Office::CountsWithUnitText => {
            for (k, c) in p.cells.iter_mut().filter(|c| is_count(c)).enumerate() {
                let unit = if k % 2 == 0 { "người" } else { "đ/c" };
                c.content = Content::Text(format!("{} {unit}", count_of(c)));
            }
        }
        Office::PctTextDotDecimal => {
            for c in &mut p.cells {
                if c.item.is_some() && c.value_col == Some(Col::Pct) {
                    if let Content::Number(v, _) = c.content {
                        c.content = Content::Text(format!("{v:.2}"));
                    }
                }
            }
        }
        Office::PctUnrounded => {
            // The base of each percentage: the count the form divides by.
            let count_at = |row: u32| {
                p.cells
                    .iter()
                    .find(|c| c.row == row && c.value_col == Some(Col::Count))
                    .map(count_of)
            };
            let base_item = if p.form == "M02" { "2.1" } else { "1" };
            let base = p
                .item_rows
                .iter()
                .find(|(i, _)| *i == base_item)
                .and_then(|(_, r)| count_at(*r));
            let updates: Vec<(usize, f64)> = p
                .cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.item.is_some() && c.value_col == Some(Col::Pct))
                .filter_map(|(i, c)| {
                    let Content::Number(shown, _) = c.content else {
                        return None;
                    };
                    let n = if p.form == "M03" {
                        let of = |col| {
                            p.cells
                                .iter()
                                .find(|x| x.row == c.row && x.value_col == Some(col))
                                .map(count_of)
                        };
                        let rated = of(Col::Count)?;
                        let good = of(Col::Excellent)? + of(Col::Good)?;
                        (rated > 0).then(|| good as f64 / rated as f64 * 100.0)?
                    } else {
                        let (n, b) = (count_at(c.row)?, base?);
                        (b > 0).then(|| n as f64 / b as f64 * 100.0)?
                    };
                    // Only where the shown value is the quotient rounded (a slipped
                    // percentage stays as typed).
                    ((n * 100.0).round() / 100.0 == shown).then_some((i, n))
                })
                .collect();
            for (i, n) in updates {
                p.cells[i].content = Content::Number(n, Some("0.00".to_string()));
            }
        }
        Office::SheetCopied => {}
        Office::DateInCount => {
            let row = p
                .item_rows
                .iter()
                .find(|(i, _)| *i == "2.2")
                .map(|(_, r)| *r);
            if p.form != "M02" {
                return;
            }
            if let Some(c) = p
                .cells
                .iter_mut()
                .find(|c| Some(c.row) == row && c.value_col == Some(Col::Count))
            {
                let serial = excel_serial(i64::from(year.max(1900)), 2, 1) as f64;
                c.content = Content::Number(serial, Some("dd-mmm".to_string()));
            }
        }
        Office::OfWhichWritten(way) => {
            const WAYS: [&str; 4] = ["Tr.đó: ", "Trong đó - ", "Trong đó, ", "Trong đó "];
            for c in p.cells.iter_mut().filter(|c| c.is_label) {
                if let Content::Text(t) = &mut c.content {
                    if let Some(rest) = t.strip_prefix("Trong đó: ") {
                        *t = format!("{}{rest}", WAYS[usize::from(way) % WAYS.len()]);
                    }
                }
            }
        }
        Office::DivZeroErrors => {
            let count_at = |row: u32| {
                p.cells
                    .iter()
                    .find(|c| c.row == row && c.value_col == Some(Col::Count))
                    .map(|c| (count_of(c), c.col))
            };
            let base_item = if p.form == "M02" { "2.1" } else { "1" };
            let base_row = p
                .item_rows
                .iter()
                .find(|(i, _)| *i == base_item)
                .map(|(_, r)| *r);
            let mut errors = Vec::new();
            for (i, c) in p.cells.iter().enumerate() {
                if c.item.is_none() || c.value_col != Some(Col::Pct) {
                    continue;
                }
                let Some(base_row) = (if p.form == "M03" {
                    Some(c.row)
                } else {
                    base_row
                }) else {
                    continue;
                };
                let (Some((0, base_col)), Some((_, count_col))) =
                    (count_at(base_row), count_at(c.row))
                else {
                    continue;
                };
                let f = if p.form == "M03" {
                    let (good, exc) = (a1(c.row, count_col + 1), a1(c.row, count_col + 2));
                    format!("({exc}+{good})/{}*100", a1(base_row, base_col))
                } else {
                    format!("{}/{}*100", a1(c.row, count_col), a1(base_row, base_col))
                };
                errors.push((i, (c.row, c.col, f, "#DIV/0!")));
            }
            for (i, e) in errors.into_iter().rev() {
                p.cells.remove(i);
                p.error_formulas.push(e);
            }
        }
        Office::FootnoteMarks => {
            const MARKS: [&str; 3] = [" (*)", " (1)", "*"];
            let mut k = 0;
            for c in p.cells.iter_mut().filter(|c| c.is_label) {
                if let Content::Text(t) = &mut c.content {
                    if c.row % 5 == 0 {
                        t.push_str(MARKS[k % MARKS.len()]);
                        k += 1;
                    }
                }
            }
        }
        Office::Bullets => {
            let rows: Vec<(u32, &'static str)> =
                p.item_rows.iter().map(|(i, r)| (*r, *i)).collect();
            for c in p.cells.iter_mut().filter(|c| c.is_label) {
                let Some((_, item)) = rows.iter().find(|(r, _)| *r == c.row) else {
                    continue;
                };
                if let Content::Text(t) = &mut c.content {
                    if item.ends_with(|ch: char| ch.is_ascii_alphabetic()) {
                        *t = format!("+ {t}");
                    } else if item.contains('.') {
                        *t = format!("- {t}");
                    }
                }
            }
        }
        Office::Tcvn3 => {
            for c in &mut p.cells {
                if let Content::Text(t) = &mut c.content {
                    *t = tcvn3(t);
                }
            }
        }
        Office::Protected
        | Office::FormattedToTheLastRow
        | Office::CellNotes
        | Office::Autofilter => {}
        Office::SttAsDates | Office::SttAsNumbers => {
            for c in &mut p.cells {
                if c.col != stt_col || !item_rows.contains(&c.row) {
                    continue;
                }
                let Content::Text(t) = &c.content else {
                    continue;
                };
                let parts: Vec<&str> = t.split('.').collect();
                let nums: Option<Vec<i64>> = parts.iter().map(|x| x.parse().ok()).collect();
                let Some(nums) = nums else {
                    continue;
                };
                c.content = match (drift, nums.as_slice()) {
                    (_, [n]) => Content::Number(*n as f64, None),
                    (Office::SttAsDates, [d, m]) if (1..=12).contains(m) => Content::Number(
                        excel_serial(i64::from(year.max(1900)), *m, *d) as f64,
                        Some("dd/mm".to_string()),
                    ),
                    (Office::SttAsNumbers, [_, _]) => {
                        Content::Number(t.parse().unwrap_or(0.0), None)
                    }
                    _ => continue,
                };
            }
        }
    }
}
