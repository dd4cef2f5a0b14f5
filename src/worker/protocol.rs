//! What crosses the pipe between crossfoot and a worker process: length-prefixed frames, a
//! request, then (for a check) the file's bytes in a second frame; the reply. Requests and
//! replies are encoded with postcard (compact binary serde).

use crate::check::{FormFound, Kept, Unit};
use crate::finding::{CellLoc, Finding, Role, Severity, UnreadableKind};
use crate::read::load::Limits;
use crate::read::sniff::Container;
use crate::rules::Source;
use crate::run::Job;
use std::io::{Read, Write};

pub fn write_frame(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(bytes)
}

pub fn read_frame(r: &mut impl Read, max: u64) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    if len > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

/// A request, then (for reading and checking) the file's bytes in a second frame. Requests and
/// replies are encoded with postcard (compact binary serde).
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Request {
    /// The rule files later checks use, and the language crossfoot writes in: the worker
    /// compiles the same pack. Answered by `Result<(), String>`.
    Pack(Vec<Source>, crate::registry::Lang),
    /// Read and check the workbook; answered by `Result<Checked, Failure>`.
    Check {
        container: Container,
        limits: Limits,
        job: Job,
    },
    /// Open, read, tell and check the file at `path` (its bytes as the system has them, so
    /// that a name that is not UTF-8 crosses whole), named `name`; no bytes follow. Answered
    /// by [`Outcome`].
    CheckPath {
        path: Vec<u8>,
        name: String,
        limits: Limits,
        job: Job,
    },
}

/// What a [`Request::CheckPath`] gave (see [`crate::run::file::FileOutcome`]).
#[derive(serde::Serialize, serde::Deserialize)]
pub enum Outcome {
    /// Not read as a workbook: its kind, reason and hint.
    Unreadable(UnreadableKind, String, String),
    /// crossfoot's own review workbook.
    OwnReview,
    /// Read as the container and checked.
    Checked(Container, Box<Checked>),
}

/// A checked file as it crosses the pipe (findings without the JSON report's field skipping).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Checked {
    pub forms: Vec<FormFound>,
    pub findings: Vec<WireFinding>,
    pub unit: Unit,
    pub sheets: Vec<crate::model::Sheet>,
    pub explanations: Vec<crate::explain::localise::Explanation>,
    pub not_applied: Vec<crate::check::eval::NotApplied>,
    pub kept: Kept,
}

/// A cell a finding names: (file, sheet, cell, label, role).
type WireCell = (Option<String>, String, String, Option<String>, Role);

#[derive(serde::Serialize, serde::Deserialize)]
pub struct WireFinding {
    file: String,
    sheet: Option<String>,
    rule: String,
    severity: Severity,
    message: String,
    cells: Vec<WireCell>,
    expected: Option<f64>,
    actual: Option<f64>,
    difference: Option<f64>,
    order: (usize, u32, u32),
    decimals: Option<u8>,
}

impl From<Finding> for WireFinding {
    fn from(f: Finding) -> Self {
        WireFinding {
            file: f.file,
            sheet: f.sheet,
            rule: f.rule,
            severity: f.severity,
            message: f.message,
            cells: f
                .cells
                .into_iter()
                .map(|c| (c.file, c.sheet, c.cell, c.label, c.role))
                .collect(),
            expected: f.expected,
            actual: f.actual,
            difference: f.difference,
            order: f.order,
            decimals: f.decimals,
        }
    }
}

impl From<WireFinding> for Finding {
    fn from(f: WireFinding) -> Self {
        Finding {
            file: f.file,
            sheet: f.sheet,
            rule: f.rule,
            severity: f.severity,
            message: f.message,
            cells: f
                .cells
                .into_iter()
                .map(|(file, sheet, cell, label, role)| CellLoc {
                    file,
                    sheet,
                    cell,
                    label,
                    role,
                })
                .collect(),
            expected: f.expected,
            actual: f.actual,
            difference: f.difference,
            order: f.order,
            decimals: f.decimals,
        }
    }
}

impl Checked {
    /// What the worker sends for a file it checked.
    pub fn of(r: crate::check::FileResult, kept: Kept) -> Checked {
        Checked {
            forms: r.forms,
            findings: r.findings.into_iter().map(WireFinding::from).collect(),
            unit: r.unit,
            sheets: r.kept,
            explanations: r.explanations,
            not_applied: r.not_applied,
            kept,
        }
    }

    /// The result it stands for, the file shown as `shown`.
    pub fn into_result(self, shown: &str) -> (crate::check::FileResult, Kept) {
        (
            crate::check::FileResult {
                path: shown.to_string(),
                status: crate::check::Status::Checked,
                forms: self.forms,
                findings: self.findings.into_iter().map(Finding::from).collect(),
                unit: self.unit,
                kept: self.sheets,
                explanations: self.explanations,
                not_applied: self.not_applied,
            },
            self.kept,
        )
    }
}

impl From<crate::run::file::FileOutcome> for Outcome {
    fn from(o: crate::run::file::FileOutcome) -> Outcome {
        use crate::run::file::FileOutcome as F;
        match o {
            F::Unreadable(u) => Outcome::Unreadable(u.kind, u.reason, u.hint),
            F::OwnReview => Outcome::OwnReview,
            F::Checked(container, checked) => {
                let (r, kept) = *checked;
                Outcome::Checked(container, Box::new(Checked::of(r, kept)))
            }
        }
    }
}

impl Outcome {
    /// The outcome it stands for, the file shown as `shown`.
    pub fn into_outcome(self, shown: &str) -> crate::run::file::FileOutcome {
        use crate::run::file::FileOutcome as F;
        match self {
            Outcome::Unreadable(kind, reason, hint) => {
                F::Unreadable(crate::unreadable::Unreadable { kind, reason, hint })
            }
            Outcome::OwnReview => F::OwnReview,
            Outcome::Checked(container, c) => F::Checked(container, Box::new(c.into_result(shown))),
        }
    }
}
