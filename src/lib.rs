//! crossfoot: checks that the totals and percentages of statistical workbooks cross-foot.
//!
//! Data flows one way, and the folders show the stages:
//! - [`read`]: a file's bytes → a [`model::Workbook`] ([`read::sniff`], [`read::load`], …),
//!   and the one tokenizer of formulas ([`read::formula_tokens`]) that evaluating, judging and
//!   copying formulas read;
//! - [`rules`]: TOML rule files → the compiled [`rules::Pack`];
//! - [`check`]: a workbook and the pack → its findings ([`check::locate`]: labels and headers
//!   → cells; [`check::eval`]: figures read, checks evaluated);
//! - [`explain`]: which figure is most likely wrong ([`explain::localise`]), from what
//!   checking located ([`check::Located`]); checking never calls it — [`run`] does;
//! - [`result`]: what a file's check gives and a run adds up to — the one seam between
//!   checking and every output;
//! - [`write`]: results → the terminal and JSON reports, the CI formats, the review workbook,
//!   the marked copies, the summary one level up; each output a [`result::Sink`]. Writers never
//!   import a checking stage (a test in `tests/structure.rs` holds it).
//!
//! [`run`] runs the check over many files in parallel, with the isolation the command line
//! hands it ([`worker`] processes, built by [`worker::isolation`], or in-process), and feeds
//! the sinks. Below every stage: [`model`], [`finding`], [`registry`] and [`messages`] (every
//! text crossfoot says), [`text`] and [`safe`] (text from inputs as outputs show it); on the
//! ground floor, importing nothing of the crate, [`locale`] (how numbers are written) and
//! [`unreadable`] (why a file cannot be read). The library never prints (the progress bar,
//! [`write::progress`], draws only when the command line asks); the binary does: `main.rs`
//! and its own modules under `src/cli/` (the arguments, each command's run and outputs), which
//! the library does not declare.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod desk;
pub mod explain;
pub mod finding;
pub mod history;
pub mod locale;
pub mod messages;
pub mod model;
pub mod read;
pub mod register;
pub mod registry;
pub mod result;
pub mod rules;
pub mod run;
pub mod safe;
pub mod text;
pub mod unreadable;
pub mod worker;
pub mod write;
