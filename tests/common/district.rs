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
        }
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

pub fn try_write_district(d: &District) -> Result<Vec<u8>, Box<dyn Error>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("TH01-TongHop")?;
    ws.write_string(0, 0, "ĐẢNG BỘ HUYỆN TAM ĐƯỜNG")?;
    ws.write_string(1, 0, "BIỂU TH01 - TỔNG HỢP ĐẢNG VIÊN NĂM 2021")?;
    let headers = ["STT", "Tên tổ chức cơ sở đảng", "Mã đơn vị"];
    for (c, h) in headers.iter().chain(TH01_COLUMNS.iter()).enumerate() {
        ws.write_string(3, c as u16, *h)?;
    }
    for (k, r) in d.rows.iter().enumerate() {
        let row = TH01_FIRST_ROW + k as u32;
        ws.write_number(row, 0, (k + 1) as f64)?;
        ws.write_string(row, 1, &r.name)?;
        ws.write_string(row, 2, &r.code)?;
        for (c, v) in r.figures.iter().enumerate() {
            ws.write_number(row, 3 + c as u16, *v as f64)?;
        }
    }
    let grand = TH01_FIRST_ROW + d.rows.len() as u32;
    ws.write_string(grand, 1, "Tổng cộng")?;
    for (c, v) in d.grand.iter().enumerate() {
        let col = (b'D' + c as u8) as char;
        let f = format!("SUM({col}{}:{col}{})", TH01_FIRST_ROW + 1, grand);
        ws.write_formula(
            grand,
            3 + c as u16,
            Formula::new(f).set_result(v.to_string()),
        )?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("TH02-XepLoai")?;
    ws.write_string(0, 0, "BIỂU TH02 - KẾT QUẢ XẾP LOẠI QUA CÁC NĂM")?;
    ws.write_string(2, 0, "Năm")?;
    let mut c = 1;
    for block in ["TCCSĐ", "Chi bộ trực thuộc", "Đảng viên"] {
        for what in ["Được đánh giá", "HTXSNV", "HTTNV", "HTNV", "KHTNV"] {
            ws.write_string(2, c, format!("{block} - {what}"))?;
            c += 1;
        }
    }
    for (k, y) in d.years.iter().enumerate() {
        let row = TH02_FIRST_ROW + k as u32;
        ws.write_number(row, 0, f64::from(y.year))?;
        for (c, v) in y.figures().iter().enumerate() {
            ws.write_number(row, 1 + c as u16, *v as f64)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// The summary as `.xlsx` bytes (panics on a writer error: test code).
pub fn write_district(d: &District) -> Vec<u8> {
    try_write_district(d).expect("rust_xlsxwriter writes the district summary")
}
