//! Reporters: the same results as terminal text or as one JSON document.
//!
//! The JSON document is a public contract (see the README): one object with `crossfoot`,
//! `files`, `findings` and `summary`, sorted, so the same inputs give the same bytes.

use crate::check::{FileResult, Status};
use crate::finding::Severity;
use crate::number::Locale;
use crate::text::format_number;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;

#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub files: usize,
    pub checked: usize,
    pub unreadable: usize,
    pub errors: usize,
    pub warnings: usize,
    pub info: usize,
}

pub fn summarize(results: &[FileResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        s.add(r);
    }
    s
}

impl Summary {
    /// Counts one more file.
    pub fn add(&mut self, r: &FileResult) {
        self.files += 1;
        match r.status {
            Status::Checked => self.checked += 1,
            Status::Unreadable(_) => self.unreadable += 1,
        }
        self.errors += r.count(Severity::Error);
        self.warnings += r.count(Severity::Warning);
        self.info += r.count(Severity::Info);
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// A number as JSON shows it: whole numbers without `.0`.
struct JsonNum(f64);

impl Serialize for JsonNum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "unit_is_empty")]
    unit: &'a crate::check::Unit,
    forms: &'a [crate::check::FormFound],
    errors: usize,
    warnings: usize,
}

impl<'a> JsonFile<'a> {
    fn of(r: &'a FileResult) -> JsonFile<'a> {
        let (status, error, hint) = match &r.status {
            Status::Checked => ("checked", None, None),
            Status::Unreadable(u) => ("unreadable", Some(u.reason.as_str()), Some(u.hint.as_str())),
        };
        JsonFile {
            path: &r.path,
            status,
            error,
            hint,
            unit: &r.unit,
            forms: &r.forms,
            errors: r.count(Severity::Error),
            warnings: r.count(Severity::Warning),
        }
    }
}

impl<'a> JsonFinding<'a> {
    fn of(f: &'a crate::finding::Finding) -> JsonFinding<'a> {
        JsonFinding {
            file: &f.file,
            sheet: f.sheet.as_deref(),
            rule: &f.rule,
            severity: f.severity,
            message: &f.message,
            cells: &f.cells,
            expected: f.expected.map(JsonNum),
            actual: f.actual.map(JsonNum),
            difference: f.difference.map(JsonNum),
        }
    }
}

fn unit_is_empty(u: &&crate::check::Unit) -> bool {
    u.name.is_none() && u.code.is_none()
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    sheet: Option<&'a str>,
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    cells: &'a [crate::finding::CellLoc],
    expected: Option<JsonNum>,
    actual: Option<JsonNum>,
    difference: Option<JsonNum>,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    checked: usize,
    unreadable: usize,
    errors: usize,
    warnings: usize,
    info: usize,
}

pub fn json(results: &[FileResult]) -> String {
    let mut out = Vec::new();
    match write_json(results, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(e) => format!("{{\"error\": \"cannot write JSON: {e}\"}}"),
    }
}

/// [`json`], written as it is made.
pub fn write_json(results: &[FileResult], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut stream = JsonStream::begin(out)?;
    for r in results {
        stream.file(r)?;
    }
    stream.finish().map(|_| ())
}

/// The JSON report written file by file, in the order given: each file's entry as it comes,
/// its findings' entries kept for the `findings` list at the end — as text, in memory up to
/// [`SPILL_BYTES`], beyond in a temporary file (deleted when closed), so that a run holds
/// neither its files nor its findings. The same bytes as a whole-document rendering (a test
/// compares them).
pub struct JsonStream<'w> {
    out: &'w mut dyn std::io::Write,
    files: usize,
    findings: usize,
    kept: Vec<u8>,
    spill: Option<std::io::BufWriter<std::fs::File>>,
    summary: Summary,
}

/// Findings text kept in memory before it goes to a temporary file.
const SPILL_BYTES: usize = 1 << 20;

impl<'w> JsonStream<'w> {
    pub fn begin(out: &'w mut dyn std::io::Write) -> std::io::Result<JsonStream<'w>> {
        let version = serde_json::to_string(env!("CARGO_PKG_VERSION"))?;
        write!(out, "{{\n  \"crossfoot\": {version},\n  \"files\": [")?;
        Ok(JsonStream {
            out,
            files: 0,
            findings: 0,
            kept: Vec::new(),
            spill: None,
            summary: Summary::default(),
        })
    }

    pub fn file(&mut self, r: &FileResult) -> std::io::Result<()> {
        element(self.out, self.files == 0, &JsonFile::of(r))?;
        self.files += 1;
        self.summary.add(r);
        for f in &r.findings {
            let entry = JsonFinding::of(f);
            match &mut self.spill {
                Some(file) => element(file, self.findings == 0, &entry)?,
                None => element(&mut self.kept, self.findings == 0, &entry)?,
            }
            self.findings += 1;
        }
        if self.spill.is_none() && self.kept.len() > SPILL_BYTES {
            // No temporary file to be had: the text stays in memory.
            if let Ok(file) = tempfile::tempfile() {
                let mut file = std::io::BufWriter::new(file);
                file.write_all(&self.kept)?;
                self.kept = Vec::new();
                self.spill = Some(file);
            }
        }
        Ok(())
    }

    /// Writes the findings and the summary; gives the writer back.
    pub fn finish(self) -> std::io::Result<&'w mut dyn std::io::Write> {
        let out = self.out;
        close(out, self.files)?;
        write!(out, ",\n  \"findings\": [")?;
        match self.spill {
            Some(file) => {
                use std::io::Seek;
                let mut file = file.into_inner().map_err(|e| e.into_error())?;
                file.rewind()?;
                std::io::copy(&mut file, out)?;
            }
            None => out.write_all(&self.kept)?,
        }
        close(out, self.findings)?;
        let s = self.summary;
        let summary = serde_json::to_string_pretty(&JsonSummary {
            files: s.files,
            checked: s.checked,
            unreadable: s.unreadable,
            errors: s.errors,
            warnings: s.warnings,
            info: s.info,
        })?;
        write!(
            out,
            ",\n  \"summary\": {}\n}}",
            summary.replace('\n', "\n  ")
        )?;
        Ok(out)
    }
}

/// One element of a top-level list, as serde_json's pretty printer nests it.
fn element(out: &mut dyn std::io::Write, first: bool, v: &impl Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(v)?;
    out.write_all(if first { b"\n    " } else { b",\n    " })?;
    out.write_all(text.replace('\n', "\n    ").as_bytes())
}

fn close(out: &mut dyn std::io::Write, count: usize) -> std::io::Result<()> {
    out.write_all(if count == 0 { b"]" } else { b"\n  ]" })
}

// ---------------------------------------------------------------------------------------------
// Human

/// Terminal styles; empty strings when colour is off.
pub struct Style {
    pub on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        let (code, word) = match s {
            Severity::Error => ("1;31", "error  "),
            Severity::Warning => ("1;33", "warning"),
            Severity::Info => ("1;36", "info   "),
        };
        self.paint(code, word)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The terminal report: findings grouped by file, a line per file, then a total.
pub fn human(results: &[FileResult], locale: Locale, style: &Style) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&human_file(r, locale, style));
    }
    out.push_str(&human_total(&summarize(results)));
    out
}

/// The closing line of the human report.
pub fn human_total(s: &Summary) -> String {
    format!(
        "{}: {} checked, {} unreadable; {}, {}, {} info\n",
        plural(s.files, "file", "files"),
        s.checked,
        s.unreadable,
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.info
    )
}

/// One file's part of the human report.
pub fn human_file(r: &FileResult, locale: Locale, style: &Style) -> String {
    let mut out = String::new();
    {
        let _ = writeln!(out, "{}", style.paint("1", &r.path));
        match &r.status {
            Status::Unreadable(u) => {
                let diag = UnreadableDiag {
                    path: r.path.clone(),
                    reason: u.reason.clone(),
                    hint: u.hint.clone(),
                };
                let mut s = String::new();
                let handler = if style.on {
                    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode())
                } else {
                    miette::GraphicalReportHandler::new_themed(
                        miette::GraphicalTheme::unicode_nocolor(),
                    )
                }
                .with_width(100);
                if handler.render_report(&mut s, &diag).is_err() {
                    s = format!("cannot read {}: {}\n  hint: {}\n", r.path, u.reason, u.hint);
                }
                for line in s.trim_end().lines() {
                    let _ = writeln!(out, "{}", format!("  {line}").trim_end());
                }
            }
            Status::Checked => {
                if let (Some(name), code) = (&r.unit.name, &r.unit.code) {
                    let code = code
                        .as_deref()
                        .map(|c| format!(" [{c}]"))
                        .unwrap_or_default();
                    let _ = writeln!(out, "  unit: {name}{code}");
                }
                if !r.forms.is_empty() {
                    let forms: Vec<String> = r
                        .forms
                        .iter()
                        .map(|f| format!("{} ({})", f.form, f.sheet))
                        .collect();
                    let _ = writeln!(out, "  forms: {}", forms.join(", "));
                }
                for f in &r.findings {
                    let place = match (&f.sheet, f.cells.first()) {
                        (Some(s), Some(c)) if c.sheet == *s => format!("{s}!{}", c.cell),
                        (Some(s), _) => s.clone(),
                        (None, _) => "(workbook)".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "  {} {}  {}",
                        style.severity(f.severity),
                        style.paint("1", &place),
                        style.paint("2", &f.rule)
                    );
                    let _ = writeln!(out, "          {}", f.message);
                    if let (Some(e), Some(a), Some(d)) = (f.expected, f.actual, f.difference) {
                        let n = |v: f64| format_number(v, f.decimals, locale);
                        let d = if d > 0.0 { format!("+{}", n(d)) } else { n(d) };
                        let _ = writeln!(
                            out,
                            "          expected {}, found {}, difference {}",
                            n(e),
                            n(a),
                            d
                        );
                    }
                    if f.cells.len() > 1 {
                        let cells: Vec<String> = f
                            .cells
                            .iter()
                            .map(|c| match &c.file {
                                Some(file) => format!("{file}: {}!{}", c.sheet, c.cell),
                                None if Some(&c.sheet) == f.sheet.as_ref() => c.cell.clone(),
                                None => format!("{}!{}", c.sheet, c.cell),
                            })
                            .collect();
                        let _ = writeln!(out, "          cells read: {}", cells.join(", "));
                    }
                }
                let (e, w, i) = (
                    r.count(Severity::Error),
                    r.count(Severity::Warning),
                    r.count(Severity::Info),
                );
                let verdict = if e + w + i == 0 {
                    style.paint("32", "clean")
                } else {
                    format!(
                        "{}, {}{}",
                        plural(e, "error", "errors"),
                        plural(w, "warning", "warnings"),
                        if i > 0 {
                            format!(", {i} info")
                        } else {
                            String::new()
                        }
                    )
                };
                let _ = writeln!(out, "  {verdict}");
            }
        }
        out.push('\n');
    }
    out
}

/// An unreadable input, as a diagnostic: file, reason, hint.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot read {path}: {reason}")]
#[diagnostic(code(crossfoot::unreadable))]
pub struct UnreadableDiag {
    pub path: String,
    pub reason: String,
    #[help]
    pub hint: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{FormFound, Unit};
    use crate::finding::{CellLoc, Finding};
    use crate::sniff::{Unreadable, UnreadableKind};

    #[derive(Serialize)]
    struct Whole<'a> {
        crossfoot: &'static str,
        files: Vec<JsonFile<'a>>,
        findings: Vec<JsonFinding<'a>>,
        summary: JsonSummary,
    }

    /// The report as one serde document: what the stream must equal byte for byte.
    fn whole(results: &[FileResult]) -> String {
        let files = results.iter().map(JsonFile::of).collect();
        let findings = results
            .iter()
            .flat_map(|r| &r.findings)
            .map(JsonFinding::of)
            .collect();
        let s = summarize(results);
        serde_json::to_string_pretty(&Whole {
            crossfoot: env!("CARGO_PKG_VERSION"),
            files,
            findings,
            summary: JsonSummary {
                files: s.files,
                checked: s.checked,
                unreadable: s.unreadable,
                errors: s.errors,
                warnings: s.warnings,
                info: s.info,
            },
        })
        .expect("json")
    }

    fn results() -> Vec<FileResult> {
        let finding = |file: &str, rule: &str, other: Option<&str>| Finding {
            file: file.into(),
            sheet: Some("M01".into()),
            rule: rule.into(),
            severity: Severity::Error,
            message: "Nam + Nữ = 2.674, khác \"tổng số\" 2.675\nline two".into(),
            cells: vec![
                CellLoc {
                    file: None,
                    sheet: "M01".into(),
                    cell: "C7".into(),
                },
                CellLoc {
                    file: other.map(str::to_string),
                    sheet: "M01".into(),
                    cell: "C8".into(),
                },
            ],
            expected: Some(2675.0),
            actual: Some(2674.0),
            difference: Some(-1.0),
            order: (1, 6, 2),
            decimals: None,
        };
        vec![
            FileResult {
                path: "a.xlsx".into(),
                status: Status::Checked,
                forms: vec![FormFound {
                    sheet: "M01".into(),
                    form: "M01".into(),
                }],
                findings: vec![
                    finding("a.xlsx", "M01.gender", None),
                    finding("a.xlsx", "TH01.matches-unit", Some("b.xlsx")),
                ],
                unit: Unit {
                    name: Some("Chi bộ A".into()),
                    code: Some("TD-01".into()),
                    key: Some("TD-01".into()),
                },
                kept: vec![],
            },
            FileResult {
                path: "b.xlsx".into(),
                status: Status::Unreadable(Unreadable {
                    kind: UnreadableKind::Html,
                    reason: "a web page".into(),
                    hint: "ask again".into(),
                }),
                forms: vec![],
                findings: vec![],
                unit: Unit::default(),
                kept: vec![],
            },
        ]
    }

    #[test]
    fn the_streamed_report_is_the_whole_document() {
        let all = results();
        for n in 0..=all.len() {
            assert_eq!(json(&all[..n]), whole(&all[..n]), "{n} files");
        }
        let clean: Vec<FileResult> = all
            .into_iter()
            .map(|mut r| {
                r.findings.clear();
                r
            })
            .collect();
        assert_eq!(json(&clean), whole(&clean));
    }

    /// Beyond a few MB the findings' text goes to a temporary file: the bytes are the same.
    #[test]
    fn many_findings_are_spilled_and_the_report_is_the_same() {
        let mut all = results();
        let one = all[0].findings[1].clone();
        all[0].findings = vec![one; 20_000];
        let text = json(&all);
        assert!(text.len() > 2 * SPILL_BYTES, "{} bytes", text.len());
        assert_eq!(text, whole(&all));
    }
}
