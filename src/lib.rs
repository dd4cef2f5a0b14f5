//! crossfoot: checks that the totals and percentages of statistical workbooks cross-foot.
//!
//! Data flows one way: [`load`] (calamine → [`model`]) → [`rules`] (TOML + expressions) →
//! [`locate`] (labels and headers → cells) → [`eval`] (checks → [`finding::Finding`]s) →
//! [`report`] (terminal, JSON) and [`annotate`] (the review workbook). [`check`] checks one
//! workbook; [`run`] runs that over files in parallel, with the isolation the command line
//! hands it ([`worker`] processes, or in-process). The library never prints; the binary in
//! `main.rs` does.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod explain;
pub mod finding;
pub mod messages;
pub mod model;
pub mod read;
pub mod registry;
pub mod result;
pub mod rules;
pub mod run;
pub mod safe;
pub mod text;
pub mod worker;
pub mod write;

// The stages' modules under their earlier paths (`crate::load`, `crossfoot::report`, …), so
// code written against the flat layout keeps compiling.
pub use check::{eval, formula, labels, locate};
pub use explain::localise;
pub use read::{files, formula_safety, load, number, numfmt, sniff};
pub use write::{annotate, ci, consolidate, mark, note, output, report, xlsx_limits};
