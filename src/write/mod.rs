//! Writing: the results of a run in, the files and texts people read out. A writer reads the
//! results, the rule pack, the registry and the model; it never calls a checking stage.
//!
//! - [`report`]: the terminal text and the JSON document.
//! - [`ci`]: GitHub Actions commands, JUnit XML, SARIF.
//! - [`annotate`]: the review workbook (one `.xlsx` for the reviewer: summary, findings,
//!   marked copies of the sheets).
//! - [`mark`]: the marked copy of a branch's own workbook.
//! - [`note`]: what a finding says in the note on a cell, shared by the two marked copies.
//! - [`consolidate`]: the district summary workbook (`crossfoot consolidate`).
//! - [`notices`]: what is said on the error stream besides the reports, as text.
//! - [`progress`]: the progress bar of a run on a terminal.
//! - [`output`]: the one way a produced file is written (atomically, never over a file
//!   crossfoot did not write).
//! - [`sinks`]: the terminal, JSON, CI and review-workbook outputs as
//!   [`crate::result::Sink`]s of a run's results.
//! - [`xlsx_limits`]: Excel's limits, applied per value by every workbook written.

pub mod annotate;
pub mod ci;
pub mod consolidate;
pub mod mark;
pub mod note;
pub mod notices;
pub mod output;
pub mod progress;
pub mod report;
pub mod sinks;
pub mod xlsx_limits;
