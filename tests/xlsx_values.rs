//! The .xlsx values' own reader (`crossfoot::read::xlsx_values`) on the benchmark's kind of
//! workbook (the generator's branch workbooks): it answers — it does not leave them all to
//! calamine — and gives what calamine's full read gives, less the formulas and merged ranges.

use crate::common::forms::{write_branch, Branch, Layout};
use crossfoot::model::{Value, Workbook};
use crossfoot::read::load::{load_bytes_for, read_xlsx_values, Detail, Limits};
use crossfoot::read::sheet_xml::Parts;

/// calamine's full read (`Detail::Full` does not take the fast path), its formulas and merged
/// ranges taken out.
fn by_calamine(bytes: &[u8], limits: &Limits) -> Workbook {
    let mut wb = load_bytes_for(bytes, "b.xlsx", limits, Detail::Full).expect("calamine reads it");
    for sheet in &mut wb.sheets {
        sheet.merges.clear();
        sheet.cells.retain(|_, c| c.value != Value::Empty);
        for cell in sheet.cells.values_mut() {
            cell.formula = None;
        }
    }
    wb
}

#[test]
fn the_fast_path_answers_for_the_benchmarks_workbooks_as_calamine_reads_them() {
    let limits = Limits::default();
    for seed in 0..12u64 {
        let b = Branch::clean(
            &format!("Chi bộ số {seed}"),
            &format!("CB-{seed:05}"),
            0xC0FF_EE00_0000 + seed,
        );
        let bytes = write_branch(&b, &Layout::default());
        let mut parts = Parts::open(&bytes).expect("a package");
        let (fast, with_formulas) = read_xlsx_values(&mut parts, &limits)
            .unwrap_or_else(|_| panic!("seed {seed}: the fast path declined"));
        assert!(with_formulas.is_empty(), "seed {seed}: {with_formulas:?}");
        assert!(fast.sheets.iter().map(|s| s.cells.len()).sum::<usize>() > 50);
        assert_eq!(fast, by_calamine(&bytes, &limits), "seed {seed}");
    }
}
