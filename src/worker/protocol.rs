//! What crosses the pipe between crossfoot and a worker process: length-prefixed frames, a
//! request, then (for a check) the file's bytes in a second frame; the reply. Requests and
//! replies are encoded with postcard (compact binary serde).

use crate::check::{FormFound, Kept, Unit};
use crate::finding::{CellLoc, Finding, Role, Severity};
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
