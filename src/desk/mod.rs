//! The review desk, `crossfoot serve`: workbooks uploaded in a browser (or by a script), kept,
//! checked, and their findings shown as pages and served as JSON and workbooks.
//!
//! The desk is one more consumer of a run's results, never a second checker: it hands each
//! stored workbook to a [`Checker`] — the command line gives it [`crate::run::desk`]'s, the
//! same [`crate::run::Run`] `check` uses, reading in the worker processes under their memory
//! cap — and keeps what it gets back: the JSON of `check --format json`, the review workbook,
//! the marked copy and the sheets read. The desk itself imports no checking stage.
//!
//! - [`store`]: the bytes once by SHA-256, a SQLite row per submission, durable before a
//!   submission is acknowledged; nothing overwritten or deleted.
//! - [`server`]: the HTTP server (axum on tokio), its access token, CSRF check, limits and
//!   security headers; checking on blocking threads.
//! - [`pages`] and [`html`]: the pages, with every text from a workbook shown and escaped.

pub mod app;
pub mod html;
pub mod pages;
pub mod server;
pub mod store;

use crate::model::Sheet;
use crate::registry::Lang;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What checking one stored workbook gave.
#[derive(Debug, Default)]
pub struct Checked {
    /// The `check --format json` document of the one file.
    pub json: String,
    /// The review workbook (`check -o`), when it could be made.
    pub review: Option<Vec<u8>>,
    /// The marked copy (`check --mark`) and its extension, when the workbook was checked.
    pub marked: Option<(Vec<u8>, &'static str)>,
    /// The sheets that hold forms, as read (drawn on the unit page).
    pub sheets: Vec<Sheet>,
    /// When the workbook is a summary (it holds a form whose records are units): the units
    /// its records name.
    pub summary_of: Option<Vec<Expected>>,
}

/// A unit's latest workbook kept by the desk, handed to the checker for the checks of a
/// summary against its units.
#[derive(Debug, Clone)]
pub struct UnitWorkbook {
    /// A regular file named as the upload was.
    pub path: PathBuf,
    /// The name reports show (the upload's file name).
    pub shown: String,
    /// The unit code's key and name, as its own check read them.
    pub code: String,
    pub name: Option<String>,
}

/// Checks one stored workbook: the command line's run ([`crate::run::desk::RunChecker`]).
pub trait Checker: Send + Sync + 'static {
    /// Checks the workbook at `path` (a regular file named as the upload was), reported as
    /// `shown`, with the checks of other workbooks `check` applies: a summary against `units`
    /// (the other units' latest workbooks), every workbook against last year's (`serve
    /// --previous`).
    fn check(&self, path: &Path, shown: &str, units: &[UnitWorkbook]) -> Checked;
    /// The units the checker knows of besides the desk's own list: those of the register
    /// (`serve --units`) and last year's workbooks' (`serve --previous`).
    fn known_units(&self) -> Vec<Expected>;
    /// The rule pack's language (the pages' default).
    fn lang(&self) -> Lang;
    /// The key a unit code is matched by (the rule pack's `unit_key`), for the expected units.
    fn unit_key(&self, code: &str) -> String;
    /// The district summary workbook (`crossfoot consolidate`) built from `units`: each a
    /// regular file named as its upload was, and the name reports show.
    fn consolidate(&self, units: &[(PathBuf, String)]) -> Result<Vec<u8>, String>;
    /// The review workbook and the marked copy of the workbook at `path` (checked again, as
    /// [`Checker::check`] with `units`), with the reviewer's notes on its findings (by index
    /// in the result's `findings`).
    fn noted(
        &self,
        path: &Path,
        shown: &str,
        units: &[UnitWorkbook],
        notes: &std::collections::BTreeMap<usize, String>,
    ) -> Noted;
}

/// The review workbook and the marked copy with the reviewer's notes.
#[derive(Debug, Default)]
pub struct Noted {
    pub review: Option<Vec<u8>>,
    pub marked: Option<(Vec<u8>, &'static str)>,
}

/// A unit the round expects (`serve --unit-list FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub code: String,
    pub name: Option<String>,
}

/// Reads a unit list: one unit a line, its code then (after a tab, a comma or a semicolon)
/// its name; blank lines and lines starting with `#` skipped. A line with no code is an
/// error naming its number.
pub fn parse_units(text: &str) -> Result<Vec<Expected>, String> {
    let mut out: Vec<Expected> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (code, name) = match line.find(['\t', ',', ';']) {
            Some(at) => (line[..at].trim(), Some(line[at + 1..].trim())),
            None => (line, None),
        };
        if code.is_empty() {
            return Err(format!("line {}: no unit code before the name", n + 1));
        }
        out.push(Expected {
            code: code.to_string(),
            name: name.filter(|n| !n.is_empty()).map(str::to_string),
        });
    }
    Ok(out)
}

/// How the desk is run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where submissions are kept.
    pub data: PathBuf,
    /// The address to listen on (port 0: any free port).
    pub bind: SocketAddr,
    /// Most bytes one upload request may carry.
    pub max_request_bytes: usize,
    /// Most bytes of one workbook.
    pub max_file_bytes: usize,
    /// Most workbooks in one upload request.
    pub max_files: usize,
    /// The units the round expects (none: the round lists the units that sent something).
    pub expected: Vec<Expected>,
}

impl Config {
    pub fn new(data: PathBuf, bind: SocketAddr) -> Config {
        Config {
            data,
            bind,
            max_request_bytes: 256 * 1024 * 1024,
            max_file_bytes: 64 * 1024 * 1024,
            max_files: 200,
            expected: Vec::new(),
        }
    }
}

/// The desk listening: where, and the reviewer's access URL (which holds the token).
#[derive(Debug, Clone)]
pub struct Ready {
    pub addr: SocketAddr,
    pub access_url: String,
    /// Where the access URL was written (mode 0600).
    pub access_file: PathBuf,
    /// The address is not a loopback one: other machines can reach the desk.
    pub exposed: bool,
}

/// Why the desk could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("cannot open the desk's folder {path}: {reason}")]
    Store { path: String, reason: String },
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("cannot make the access token: {0}")]
    Token(String),
    #[error("cannot write the access URL to {path}: {reason}")]
    AccessFile { path: String, reason: String },
    #[error("the server stopped: {0}")]
    Serve(String),
}

/// Runs the desk until the process ends: opens the store, listens, writes the access URL,
/// calls `on_ready` (the command line prints it), then serves.
pub fn serve(
    config: Config,
    checker: Box<dyn Checker>,
    on_ready: impl FnOnce(&Ready),
) -> Result<(), DeskError> {
    server::serve(config, checker, on_ready)
}

/// A random token of 32 bytes, in hex.
pub fn random_token() -> Result<String, DeskError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| DeskError::Token(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `a` and `b` are equal, in a time that depends on their length only.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A finding of a `check --format json` report as a review mark follows it: its identity
/// (rule, sheet, the cells it names) and its figures (expected, found, difference).
pub fn finding_id(f: &serde_json::Value) -> store::FindingId {
    let cells: Vec<String> = f["cells"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    format!(
                        "{}!{}",
                        c["sheet"].as_str().unwrap_or(""),
                        c["cell"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    store::FindingId {
        key: format!(
            "{}\u{0}{}\u{0}{}",
            f["rule"].as_str().unwrap_or(""),
            f["sheet"].as_str().unwrap_or(""),
            cells.join(",")
        ),
        figures: format!("{} {} {}", f["expected"], f["actual"], f["difference"]),
    }
}

/// An upload's file name as a file name on this machine: the last part of any path it
/// carries, hidden characters and path or shell punctuation replaced by `_`, at most 120
/// characters, never empty nor starting with a dot.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut out: String = last
        .chars()
        .filter(|c| !crate::safe::hidden(*c) || *c == ' ')
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if out.starts_with('.') {
        out.insert(0, '_');
    }
    if out.trim().is_empty() {
        out = "workbook".to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The desk keeps and shows what the run gives: it imports no checking stage (check, eval,
    /// localise, locate, run, structure), only the checker it is handed.
    #[test]
    fn the_desk_imports_no_checking_stage() {
        let sources = [
            ("mod.rs", include_str!("mod.rs")),
            ("html.rs", include_str!("html.rs")),
            ("pages.rs", include_str!("pages.rs")),
            ("server.rs", include_str!("server.rs")),
            ("store.rs", include_str!("store.rs")),
        ];
        let stages = ["check", "eval", "localise", "locate", "run", "structure"];
        for (file, text) in sources {
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") || code.contains("\"crate::") {
                    continue;
                }
                for stage in stages {
                    for form in [format!("crate::{stage}::"), format!("crate::{stage};")] {
                        assert!(
                            !code.contains(&form),
                            "src/desk/{file}:{}: imports the checking stage {stage}: {line}",
                            n + 1
                        );
                    }
                }
                assert!(
                    !code.contains("crate::{"),
                    "src/desk/{file}:{}: {line}",
                    n + 1
                );
            }
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
    }

    #[test]
    fn tokens_are_long_and_differ() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn unit_lists_are_read() {
        let units =
            parse_units("# code, name\nTD-01,Xã A\n\nTD-02\tXã B, khối 2\nTD-03\n").unwrap();
        assert_eq!(units.len(), 3);
        assert_eq!(units[0].code, "TD-01");
        assert_eq!(units[0].name.as_deref(), Some("Xã A"));
        assert_eq!(units[1].name.as_deref(), Some("Xã B, khối 2"));
        assert_eq!(units[2].name, None);
        assert_eq!(
            parse_units("A\n,Tên\n").unwrap_err(),
            "line 2: no unit code before the name"
        );
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\x\\branch 07.xlsx"), "branch 07.xlsx");
        assert_eq!(safe_file_name(".hidden.xlsx"), "_.hidden.xlsx");
        assert_eq!(safe_file_name("a\u{202e}b<c>.xlsx"), "ab_c_.xlsx");
        assert_eq!(safe_file_name(""), "workbook");
        assert_eq!(safe_file_name("Đảng bộ.xls"), "Đảng bộ.xls");
    }
}
