//! Test support: the district summary workbook (forms TH01 and TH02 of
//! `/work/shared/forms/FORMS.md`) in the layout of the blank template
//! `templates/district-summary.xlsx`.
//!
//! * [`SummaryRow::of`] takes a branch's figures as TH01 carries them;
//!   [`District::from_branches`] builds a consistent summary (the `Tổng cộng`
//!   row is the column sums); tests break single figures by mutating the
//!   public fields.
//! * [`history`] is a TH02 table of 2010–2020 whose members' figures for 2013
//!   repeat 2012's and whose whole 2015 row repeats 2014 (the slips FORMS.md
//!   describes; the figures themselves are made up).
//! * [`write_district`] writes the `.xlsx`; [`th01_cell`] / [`th02_cell`] say
//!   where a figure lands.
#![allow(dead_code)]

use super::forms::Branch;
use rust_xlsxwriter::{Formula, Workbook};
use std::error::Error;

/// The TH01 figure columns, in template order (column D onwards).
pub const TH01_COLUMNS: [&str; 11] = [
    "Tổng số",
    "Nữ",
    "Dân tộc thiểu số",
    "Dự bị",
    "Chính thức",
    "Được đánh giá",
    "HTXSNV",
    "HTTNV",
    "HTNV",
    "KHTNV",
    "Kết nạp mới",
];

/// One TH01 row: a branch and its 11 figures (in [`TH01_COLUMNS`] order).
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    pub name: String,
    pub code: String,
    pub figures: [i64; 11],
}

impl SummaryRow {
    /// The branch's figures as TH01 carries them.
    pub fn of(b: &Branch) -> SummaryRow {
        let m = &b.m03.members;
        SummaryRow {
            name: b.name.clone(),
            code: b.code.clone(),
            figures: [
                b.m01.total,
                b.m01.women,
                b.m01.minority,
                b.m01.probationary,
                b.m01.full,
                m.rated,
                m.excellent,
                m.good,
                m.completed,
                m.not_completed,
                b.m02.admitted,
            ],
        }
    }
}

/// One TH02 row: a year and, for base organisations, sub-branches and members, the number
/// rated and the four ratings.
#[derive(Clone, Debug, PartialEq)]
pub struct YearRow {
    pub year: u32,
    pub org: [i64; 5],
    pub sub: [i64; 5],
    pub members: [i64; 5],
}

impl YearRow {
    fn figures(&self) -> Vec<i64> {
        self.org
            .iter()
            .chain(&self.sub)
            .chain(&self.members)
            .copied()
            .collect()
    }
}

/// The district summary: TH01 rows, the `Tổng cộng` row, TH02 years.
#[derive(Clone, Debug, PartialEq)]
pub struct District {
    pub rows: Vec<SummaryRow>,
    pub grand: [i64; 11],
    pub years: Vec<YearRow>,
    /// TH01's group rows (`I. Khối xã, thị trấn`), each over a run of the rows; empty: none.
    /// Written only under a [`DistrictLayout::th01_groups`] style.
    pub groups: Vec<GroupRow>,
    /// The committee the summary is of (name, code), written in a title block above TH01's
    /// header (`Tên tổ chức cơ sở đảng: …`, `Mã đơn vị: …`): a commune's summary, a unit of
    /// its province's. None: no title block (the district template).
    pub unit: Option<(String, String)>,
}

/// A group row of TH01 and the rows under it (indices into [`District::rows`], a contiguous
/// run, the groups in order).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRow {
    pub name: String,
    pub members: Vec<usize>,
    /// The group's figures (the members' sums, unless a test breaks one).
    pub figures: [i64; 11],
}

impl District {
    /// The rows split into groups named `names`, `sizes[g]` rows each (in order), each group
    /// row carrying its members' sums.
    pub fn grouped(mut self, names: &[&str], sizes: &[usize]) -> District {
        let mut next = 0;
        self.groups = names
            .iter()
            .zip(sizes)
            .map(|(name, n)| {
                let members: Vec<usize> = (next..next + n).collect();
                next += n;
                let mut figures = [0; 11];
                for m in &members {
                    for (f, v) in figures.iter_mut().zip(self.rows[*m].figures) {
                        *f += v;
                    }
                }
                GroupRow {
                    name: name.to_string(),
                    members,
                    figures,
                }
            })
            .collect();
        assert_eq!(next, self.rows.len(), "every row in a group");
        self
    }
}

impl District {
    /// A consistent summary of the branches (in the order given), with [`history`].
    pub fn from_branches(branches: &[Branch]) -> District {
        let rows: Vec<SummaryRow> = branches.iter().map(SummaryRow::of).collect();
        let mut grand = [0; 11];
        for r in &rows {
            for (g, v) in grand.iter_mut().zip(r.figures) {
                *g += v;
            }
        }
        District {
            rows,
            grand,
            years: history(),
            groups: Vec::new(),
            unit: None,
        }
    }

    /// A summary one level up: one row per summary of `units` (its committee's name and code,
    /// its `Tổng cộng` figures), and their sums (TH02 as [`history`]).
    pub fn of_summaries(units: &[District]) -> District {
        let rows: Vec<SummaryRow> = units
            .iter()
            .map(|d| {
                let (name, code) = d.unit.clone().expect("a summary of a committee");
                SummaryRow {
                    name,
                    code,
                    figures: d.grand,
                }
            })
            .collect();
        let mut grand = [0; 11];
        for r in &rows {
            for (g, v) in grand.iter_mut().zip(r.figures) {
                *g += v;
            }
        }
        District {
            rows,
            grand,
            years: history(),
            groups: Vec::new(),
            unit: None,
        }
    }

    /// The summary with a title block naming its committee.
    pub fn of_unit(mut self, name: &str, code: &str) -> District {
        self.unit = Some((name.to_string(), code.to_string()));
        self
    }
}

/// A rating block summing exactly: rated and its four parts.
fn block(rated: i64, excellent: i64, good: i64, failed: i64) -> [i64; 5] {
    [
        rated,
        excellent,
        good,
        rated - excellent - good - failed,
        failed,
    ]
}

/// TH02 for 2010–2020: members' figures of 2013 repeat 2012; all of 2015 repeats 2014.
pub fn history() -> Vec<YearRow> {
    let mut out = Vec::new();
    for (i, year) in (2010..=2020).enumerate() {
        let i = i as i64;
        out.push(YearRow {
            year,
            org: block(40 + i % 3, 8 + i / 2, 25 - i % 4, i % 2),
            sub: block(180 + 3 * i, 30 + 2 * i, 120 - i, 2 + i % 3),
            members: block(1500 + 90 * i, 250 + 20 * i, 1000 + 50 * i, 10 + i),
        });
    }
    // 2013 (index 3): the members' block copied from 2012.
    out[3].members = out[2].members;
    // 2015 (index 5): the whole row copied from 2014.
    let (y2014, year) = (out[4].clone(), out[5].year);
    out[5] = YearRow { year, ..y2014 };
    out
}

/// The first TH01 record row (0-based): the header is on row 4 (index 3).
pub const TH01_FIRST_ROW: u32 = 4;
/// The first TH02 year row (0-based): the header is on row 3 (index 2).
pub const TH02_FIRST_ROW: u32 = 3;

/// `TH01-TongHop!D7`: where figure `col` (index in [`TH01_COLUMNS`]) of record `k` lands;
/// `k == rows` is the `Tổng cộng` row.
pub fn th01_cell(k: usize, col: usize) -> String {
    format!(
        "{}{}",
        (b'D' + col as u8) as char,
        TH01_FIRST_ROW as usize + k + 1
    )
}

/// The key cell (`Mã đơn vị`) of record `k`.
pub fn th01_key_cell(k: usize) -> String {
    format!("C{}", TH01_FIRST_ROW as usize + k + 1)
}

/// `B7`: where column `col` (0 = Năm, 1.. the 15 figures) of year row `k` lands.
pub fn th02_cell(k: usize, col: usize) -> String {
    format!(
        "{}{}",
        (b'A' + col as u8) as char,
        TH02_FIRST_ROW as usize + k + 1
    )
}

/// TH02 for 2010–2020 exactly as the district's report gives it (FORMS.md, the TH02 section,
/// from the report's footnote 10), with its real slips: 2013's members repeat 2012's to the
/// digit, and all of 2015 repeats 2014. Every row adds up.
pub fn real_history() -> Vec<YearRow> {
    type Year = (u32, [i64; 5], [i64; 5], [i64; 5]);
    let rows: [Year; 11] = [
        (
            2010,
            [47, 27, 10, 10, 0],
            [201, 124, 73, 4, 0],
            [1602, 246, 1202, 147, 7],
        ),
        (
            2011,
            [51, 34, 16, 1, 0],
            [205, 134, 71, 0, 0],
            [1354, 178, 942, 185, 49],
        ),
        (
            2012,
            [51, 36, 12, 3, 0],
            [229, 119, 78, 31, 1],
            [1307, 197, 880, 223, 7],
        ),
        (
            2013,
            [45, 24, 15, 3, 3],
            [256, 155, 80, 21, 0],
            [1307, 197, 880, 223, 7],
        ),
        (
            2014,
            [45, 22, 21, 1, 1],
            [262, 126, 112, 24, 0],
            [2027, 253, 1551, 200, 23],
        ),
        (
            2015,
            [45, 22, 21, 1, 1],
            [262, 126, 112, 24, 0],
            [2027, 253, 1551, 200, 23],
        ),
        (
            2016,
            [42, 18, 24, 0, 0],
            [260, 125, 127, 7, 1],
            [2282, 270, 1820, 173, 19],
        ),
        (
            2017,
            [60, 30, 30, 0, 0],
            [239, 109, 121, 9, 0],
            [2375, 281, 1901, 171, 22],
        ),
        (
            2018,
            [55, 11, 42, 2, 0],
            [237, 47, 181, 9, 0],
            [2496, 278, 2018, 180, 20],
        ),
        (
            2019,
            [52, 10, 41, 1, 0],
            [206, 38, 154, 14, 0],
            [2513, 278, 2076, 142, 17],
        ),
        (
            2020,
            [51, 9, 38, 4, 0],
            [198, 37, 146, 15, 0],
            [2474, 303, 2034, 116, 21],
        ),
    ];
    rows.iter()
        .map(|(year, org, sub, members)| YearRow {
            year: *year,
            org: *org,
            sub: *sub,
            members: *members,
        })
        .collect()
}

/// The three TH02 blocks' group headings and each block's five sub-headings.
pub const TH02_GROUPS: [&str; 3] = ["TCCSĐ", "Chi bộ trực thuộc", "Đảng viên"];
pub const TH02_SUBS: [&str; 5] = ["Được đánh giá", "HTXSNV", "HTTNV", "HTNV", "KHTNV"];

/// How TH02's header is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Th02Headings {
    /// One header row of flat headings `TCCSĐ - HTXSNV` (the template).
    #[default]
    Flat,
    /// Flat headings with a colon: `Đảng viên: HTXSNV`.
    FlatColon,
    /// Two header rows: each group merged over its five sub-columns, `Năm` merged over both
    /// rows.
    Merged,
    /// Three header rows: `Kết quả xếp loại` merged over all fifteen columns, then the groups
    /// merged over their sub-columns, then the sub-headings; `Năm` merged over the three.
    MergedUnderOneHeading,
}

/// How the district summary is laid out (the default: the template).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DistrictLayout {
    pub th02: Th02Headings,
    /// TH02 starts in column B (an empty margin column A): the merges start elsewhere.
    pub th02_margin: bool,
    /// TH01's header over two rows: `Trong đó` merged over Nữ … Chính thức and
    /// `Kết quả xếp loại` over the five rating columns.
    pub th01_grouped: bool,
    /// How TH01's group rows ([`District::groups`]) are written.
    pub th01_groups: Th01Groups,
    /// A row of column numbers `1 2 3 … 14` under TH01's header.
    pub th01_column_numbers: bool,
    /// TH01's header row written again before the second group (or the second row).
    pub th01_header_repeated: bool,
    /// The `Tổng cộng` row as the sum of the group rows (`=D6+D9`), cached; else typed.
    pub th01_grand_of_groups: bool,
    /// A row of column numbers `(1) (2) … (16)` under TH02's header.
    pub th02_column_numbers: bool,
    /// TH02's header (all its rows) written again after this many year rows (a printed page).
    pub th02_header_again_after: Option<usize>,
}

/// How TH01's group rows are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Th01Groups {
    /// No group rows (the template).
    #[default]
    None,
    /// Before its rows: `I` in the STT column, the group's name in the name column.
    RomanInStt,
    /// Before its rows: `I. Khối xã, thị trấn` in the name column, STT empty.
    RomanInName,
    /// After its rows: `Cộng khối xã, thị trấn` in the name column, STT empty.
    CongAfter,
    /// Before its rows, with no numbering and no word: the name alone (told by its sums).
    NameOnly,
    /// Before its rows: the name alone and no figures (a heading).
    HeadingOnly,
}

/// Where TH01's rows land: each record's row, each group row's row, the `Tổng cộng` row, and
/// the column-number and repeated header rows (0-based).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Th01Rows {
    pub records: Vec<u32>,
    pub groups: Vec<u32>,
    pub grand: u32,
    pub numbers: Option<u32>,
    pub header_again: Option<u32>,
}

impl DistrictLayout {
    /// The first TH01 record row (0-based).
    pub fn th01_first_row(&self) -> u32 {
        TH01_FIRST_ROW + u32::from(self.th01_grouped)
    }

    /// Where TH01's rows of `d` land.
    pub fn th01_rows(&self, d: &District) -> Th01Rows {
        let mut out = Th01Rows::default();
        let mut row = self.th01_first_row();
        if self.th01_column_numbers {
            out.numbers = Some(row);
            row += 1;
        }
        out.records = vec![0; d.rows.len()];
        let groups: Vec<(Option<usize>, Vec<usize>)> =
            if self.th01_groups == Th01Groups::None || d.groups.is_empty() {
                vec![(None, (0..d.rows.len()).collect())]
            } else {
                d.groups
                    .iter()
                    .enumerate()
                    .map(|(g, x)| (Some(g), x.members.clone()))
                    .collect()
            };
        out.groups = vec![0; d.groups.len()];
        for (n, (g, members)) in groups.iter().enumerate() {
            if self.th01_header_repeated && n == 1 {
                out.header_again = Some(row);
                row += 1;
            }
            let after = self.th01_groups == Th01Groups::CongAfter;
            if let (Some(g), false) = (g, after) {
                out.groups[*g] = row;
                row += 1;
            }
            for (i, m) in members.iter().enumerate() {
                if self.th01_header_repeated && g.is_none() && i == 1 {
                    out.header_again = Some(row);
                    row += 1;
                }
                out.records[*m] = row;
                row += 1;
            }
            if let (Some(g), true) = (g, after) {
                out.groups[*g] = row;
                row += 1;
            }
        }
        out.grand = row;
        out
    }

    /// `D7`: where figure `col` of record `k` of `d` lands (`k == rows`: the `Tổng cộng` row).
    pub fn th01_cell_of(&self, d: &District, k: usize, col: usize) -> String {
        let rows = self.th01_rows(d);
        let row = rows.records.get(k).copied().unwrap_or(rows.grand);
        format!("{}{}", (b'D' + col as u8) as char, row + 1)
    }

    /// `D6`: where figure `col` of group row `g` of `d` lands.
    pub fn th01_group_cell(&self, d: &District, g: usize, col: usize) -> String {
        let row = self.th01_rows(d).groups[g];
        format!("{}{}", (b'D' + col as u8) as char, row + 1)
    }

    /// `D7`: where figure `col` of record `k` lands (`k == rows`: the `Tổng cộng` row).
    pub fn th01_cell(&self, k: usize, col: usize) -> String {
        format!(
            "{}{}",
            (b'D' + col as u8) as char,
            self.th01_first_row() as usize + k + 1
        )
    }

    fn th02_header_rows(&self) -> u32 {
        match self.th02 {
            Th02Headings::Flat | Th02Headings::FlatColon => 1,
            Th02Headings::Merged => 2,
            Th02Headings::MergedUnderOneHeading => 3,
        }
    }

    /// The first TH02 year row (0-based).
    pub fn th02_first_row(&self) -> u32 {
        2 + self.th02_header_rows() + u32::from(self.th02_column_numbers)
    }

    /// `C8`: where column `col` (0 = Năm, 1.. the 15 figures) of year row `k` lands.
    pub fn th02_cell(&self, k: usize, col: usize) -> String {
        let c = col as u8 + u8::from(self.th02_margin);
        format!("{}{}", (b'A' + c) as char, self.th02_year_row(k) + 1)
    }

    /// The row (0-based) of year row `k`: after the header again, when it is written.
    pub fn th02_year_row(&self, k: usize) -> u32 {
        let again = match self.th02_header_again_after {
            Some(n) if k >= n => self.th02_header_rows(),
            _ => 0,
        };
        self.th02_first_row() + k as u32 + again
    }
}

pub fn try_write_district(d: &District) -> Result<Vec<u8>, Box<dyn Error>> {
    try_write_district_with(d, &DistrictLayout::default())
}

/// The summary laid out as `layout` says.
pub fn try_write_district_with(
    d: &District,
    layout: &DistrictLayout,
) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("TH01-TongHop")?;
    ws.write_string(0, 0, "ĐẢNG BỘ HUYỆN TAM ĐƯỜNG")?;
    ws.write_string(1, 0, "BIỂU TH01 - TỔNG HỢP ĐẢNG VIÊN NĂM 2021")?;
    if let Some((name, code)) = &d.unit {
        ws.write_string(2, 0, format!("Tên tổ chức cơ sở đảng: {name}"))?;
        ws.write_string(2, 2, format!("Mã đơn vị: {code}"))?;
    }
    let headers = ["STT", "Tên tổ chức cơ sở đảng", "Mã đơn vị"];
    let first_row = layout.th01_first_row();
    if layout.th01_grouped {
        // Two header rows: `Trong đó` over Nữ … Chính thức, `Kết quả xếp loại` over the
        // rating columns; the others merged over both rows.
        let plain = rust_xlsxwriter::Format::new();
        for (c, h) in headers.iter().chain(TH01_COLUMNS.iter()).enumerate() {
            let c = c as u16;
            match c {
                4..=12 => ws.write_string(4, c, *h).map(|_| ())?,
                _ => ws.merge_range(3, c, 4, c, h, &plain).map(|_| ())?,
            }
        }
        ws.merge_range(3, 4, 3, 7, "Trong đó", &plain)?;
        ws.merge_range(3, 8, 3, 12, "Kết quả xếp loại", &plain)?;
    } else {
        for (c, h) in headers.iter().chain(TH01_COLUMNS.iter()).enumerate() {
            ws.write_string(3, c as u16, *h)?;
        }
    }
    let plan = layout.th01_rows(d);
    if let Some(row) = plan.numbers {
        for c in 0..(headers.len() + TH01_COLUMNS.len()) as u16 {
            ws.write_number(row, c, f64::from(c + 1))?;
        }
    }
    if let Some(row) = plan.header_again {
        for (c, h) in headers.iter().chain(TH01_COLUMNS.iter()).enumerate() {
            ws.write_string(row, c as u16, *h)?;
        }
    }
    for (k, r) in d.rows.iter().enumerate() {
        let row = plan.records[k];
        ws.write_number(row, 0, (k + 1) as f64)?;
        ws.write_string(row, 1, &r.name)?;
        ws.write_string(row, 2, &r.code)?;
        for (c, v) in r.figures.iter().enumerate() {
            ws.write_number(row, 3 + c as u16, *v as f64)?;
        }
    }
    const ROMAN: [&str; 6] = ["I", "II", "III", "IV", "V", "VI"];
    if layout.th01_groups != Th01Groups::None {
        for (g, group) in d.groups.iter().enumerate() {
            let row = plan.groups[g];
            match layout.th01_groups {
                Th01Groups::RomanInStt => {
                    ws.write_string(row, 0, ROMAN[g])?;
                    ws.write_string(row, 1, &group.name)?;
                }
                Th01Groups::RomanInName => {
                    ws.write_string(row, 1, format!("{}. {}", ROMAN[g], group.name))?;
                }
                Th01Groups::CongAfter => {
                    ws.write_string(row, 1, format!("Cộng {}", group.name.to_lowercase()))?;
                }
                Th01Groups::NameOnly | Th01Groups::HeadingOnly | Th01Groups::None => {
                    ws.write_string(row, 1, &group.name)?;
                }
            }
            if layout.th01_groups == Th01Groups::HeadingOnly {
                continue;
            }
            for (c, v) in group.figures.iter().enumerate() {
                ws.write_number(row, 3 + c as u16, *v as f64)?;
            }
        }
    }
    let grand = plan.grand;
    ws.write_string(grand, 1, "Tổng cộng")?;
    for (c, v) in d.grand.iter().enumerate() {
        let col = (b'D' + c as u8) as char;
        if layout.th01_grand_of_groups
            && !matches!(
                layout.th01_groups,
                Th01Groups::None | Th01Groups::HeadingOnly
            )
        {
            let f: Vec<String> = plan
                .groups
                .iter()
                .map(|r| format!("{col}{}", r + 1))
                .collect();
            ws.write_formula(
                grand,
                3 + c as u16,
                Formula::new(f.join("+")).set_result(v.to_string()),
            )?;
        } else if layout.th01_groups != Th01Groups::None || plan.numbers.is_some() {
            ws.write_number(grand, 3 + c as u16, *v as f64)?;
        } else {
            let f = format!("SUM({col}{}:{col}{})", first_row + 1, grand);
            ws.write_formula(
                grand,
                3 + c as u16,
                Formula::new(f).set_result(v.to_string()),
            )?;
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name("TH02-XepLoai")?;
    ws.write_string(0, 0, "BIỂU TH02 - KẾT QUẢ XẾP LOẠI QUA CÁC NĂM")?;
    let left = u16::from(layout.th02_margin);
    let top = 2u32;
    let height = layout.th02_header_rows();
    let plain = rust_xlsxwriter::Format::new();
    let header = |ws: &mut rust_xlsxwriter::Worksheet, top: u32| -> Result<(), Box<dyn Error>> {
        let sub_row = top + height - 1;
        if height == 1 {
            ws.write_string(top, left, "Năm")?;
        } else {
            ws.merge_range(top, left, sub_row, left, "Năm", &plain)?;
        }
        if layout.th02 == Th02Headings::MergedUnderOneHeading {
            ws.merge_range(top, left + 1, top, left + 15, "Kết quả xếp loại", &plain)?;
        }
        for (g, block) in TH02_GROUPS.iter().enumerate() {
            let first = left + 1 + 5 * g as u16;
            if height > 1 {
                ws.merge_range(sub_row - 1, first, sub_row - 1, first + 4, block, &plain)?;
            }
            for (i, what) in TH02_SUBS.iter().enumerate() {
                let text = match layout.th02 {
                    Th02Headings::Flat => format!("{block} - {what}"),
                    Th02Headings::FlatColon => format!("{block}: {what}"),
                    _ => what.to_string(),
                };
                ws.write_string(sub_row, first + i as u16, text)?;
            }
        }
        Ok(())
    };
    header(ws, top)?;
    if let Some(n) = layout.th02_header_again_after {
        header(ws, layout.th02_first_row() + n as u32)?;
    }
    if layout.th02_column_numbers {
        for c in 0..16u16 {
            ws.write_string(top + height, left + c, format!("({})", c + 1))?;
        }
    }
    for (k, y) in d.years.iter().enumerate() {
        let row = layout.th02_year_row(k);
        ws.write_number(row, left, f64::from(y.year))?;
        for (c, v) in y.figures().iter().enumerate() {
            ws.write_number(row, left + 1 + c as u16, *v as f64)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// The summary laid out as `layout` says, as `.xlsx` bytes (panics on a writer error).
pub fn write_district_with(d: &District, layout: &DistrictLayout) -> Vec<u8> {
    try_write_district_with(d, layout).expect("rust_xlsxwriter writes the district summary")
}

/// The summary as `.xlsx` bytes (panics on a writer error: test code).
pub fn write_district(d: &District) -> Vec<u8> {
    try_write_district(d).expect("rust_xlsxwriter writes the district summary")
}
