//! crossfoot: checks that the totals and percentages of statistical workbooks cross-foot.
//!
//! Data flows one way: [`load`] (calamine → [`model`]) → [`rules`] (TOML + expressions) →
//! [`locate`] (labels and headers → cells) → [`eval`] (checks → [`finding::Finding`]s) →
//! [`report`] (terminal, JSON) and [`annotate`] (the review workbook). [`check`] checks one
//! workbook; [`run`] runs that over files in parallel, with the isolation the command line
//! hands it ([`worker`] processes, or in-process). The library never prints; the binary in
//! `main.rs` does.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod annotate;
pub mod check;
pub mod ci;
pub mod consolidate;
pub mod desk;
pub mod discover;
pub mod eval;
pub mod explain;
pub mod files;
pub mod finding;
pub mod formula;
pub mod formula_safety;
pub mod history;
pub mod labels;
pub mod lint;
pub mod load;
pub mod localise;
pub mod locate;
pub mod mark;
pub mod messages;
pub mod model;
pub mod note;
pub mod number;
pub mod numfmt;
pub mod output;
pub mod register;
pub mod registry;
pub mod report;
pub mod rules;
pub mod run;
pub mod safe;
pub mod sniff;
pub mod structure;
pub mod text;
pub mod worker;
pub mod xlsx_limits;
