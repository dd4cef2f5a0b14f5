//! Explaining: what crossfoot says about its findings beyond the finding itself.
//!
//! - [`localise`]: the checks' findings and the figures they read in; out, which figure is
//!   most likely wrong and what it should be ([`localise::Explanation`]).
//! - [`init`]: `crossfoot init`, a starter pack drafted from a template workbook.
//! - [`lint`]: `crossfoot rules lint`, what the checks of a pack say together.
//! - [`describe`]: `crossfoot explain ID` and `crossfoot rules list`, what a finding kind or a
//!   check of the pack means; its items are re-exported here (`crate::explain::list`, …).

pub mod describe;
pub mod init;
pub mod lint;
pub mod localise;

pub use describe::*;

use crate::check::{self, FormFound, Kept, Links, Located, Unit};
use crate::finding::Finding;
use crate::model::Workbook;
use crate::result::Explanation;
use crate::rules::Pack;

/// The figures most likely wrong in a workbook [`check::check_workbook_located`] checked:
/// none when no check failed.
pub fn explain_located(pack: &Pack, wb: &Workbook, located: &Located) -> Vec<Explanation> {
    if !located.checks_failed {
        return vec![];
    }
    let sheet_names: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
    localise::explain(pack, &sheet_names, &located.instances, &located.values)
}

/// [`check::check_workbook`] with what the second phase of a run needs and the explanation of
/// its findings ([`Kept::explanations`]).
pub fn check_workbook_kept(
    wb: &Workbook,
    shown: &str,
    pack: &Pack,
    links: Links,
) -> (Vec<FormFound>, Vec<Finding>, Unit, Kept) {
    let (forms, findings, unit, mut kept, located) =
        check::check_workbook_located(wb, shown, pack, links, None);
    kept.explanations = explain_located(pack, wb, &located);
    (forms, findings, unit, kept)
}
