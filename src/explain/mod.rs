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
