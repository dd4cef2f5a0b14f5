//! Reporters: the same results as terminal text or as one JSON document.
//!
//! The JSON document is a public contract (see docs/usage.md): one object with `crossfoot`,
//! `files`, `findings` and `summary`, sorted, so the same inputs give the same bytes.

use crate::finding::Severity;
use crate::messages::unreadable_text;
use crate::registry::{unreadable_code, Lang, Words};
use crate::result::{FileResult, Status};
use crate::text::{format_number, visible};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write as _;

/// The counts of a report (the run's tally: see [`crate::result::Tally`]).
pub type Summary = crate::result::Tally;

pub fn summarize(results: &[FileResult]) -> Summary {
    Summary::of(results)
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
    error: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "unit_is_empty")]
    unit: &'a crate::result::Unit,
    forms: Vec<JsonForm<'a>>,
    errors: usize,
    warnings: usize,
    /// The most likely causes of the file's findings ([`crate::explain::localise`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    explanations: Vec<JsonExplanation<'a>>,
    /// The checks not applied, by rule and reason.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    not_applied: &'a [crate::result::NotApplied],
}

/// A form found in a file: where, how surely it was read, the sheets it continues on.
#[derive(Serialize)]
struct JsonForm<'a> {
    sheet: &'a str,
    form: &'a str,
    confidence: f64,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    continued_on: &'a [String],
}

#[derive(Serialize)]
struct JsonExplanation<'a> {
    cause: usize,
    alternatives: usize,
    /// How many readings one figure larger also resolve the findings; `or`: the best of them.
    larger: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    or: Vec<JsonChange<'a>>,
    localised: bool,
    text: &'a str,
    changes: Vec<JsonChange<'a>>,
    /// Indexes into the report's `findings` list.
    resolves: Vec<usize>,
    left_out: usize,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    sheet: &'a str,
    cell: &'a str,
    label: &'a str,
    found: JsonNum,
    suggested: Option<JsonNum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<[Option<JsonNum>; 2]>,
    kind: Option<crate::result::Slip>,
    note: &'a str,
}

impl<'a> JsonExplanation<'a> {
    /// `first`: the index in the report's `findings` of the file's first finding.
    fn of(e: &'a crate::result::Explanation, r: &FileResult, first: usize) -> Self {
        let change = |c: &'a crate::result::Change| JsonChange {
            sheet: &c.sheet,
            cell: &c.cell,
            label: &c.label,
            found: JsonNum(c.found),
            suggested: c.suggested.map(JsonNum),
            range: c.range.map(|(lo, hi)| [lo.map(JsonNum), hi.map(JsonNum)]),
            kind: c.kind,
            note: &c.note,
        };
        JsonExplanation {
            cause: e.cause,
            alternatives: e.alternatives,
            larger: e.larger,
            or: e.or.iter().map(change).collect(),
            localised: e.localised,
            text: &e.text,
            changes: e.changes.iter().map(change).collect(),
            resolves: resolved_indexes(e, r).map(|i| first + i).collect(),
            left_out: e.left_out,
        }
    }
}

/// The indexes in `r.findings` of the findings an explanation resolves.
pub fn resolved_indexes<'r>(
    e: &'r crate::result::Explanation,
    r: &'r FileResult,
) -> impl Iterator<Item = usize> + 'r {
    r.findings
        .iter()
        .enumerate()
        .filter(|(_, f)| e.resolves.iter().any(|x| x.is(f)))
        .map(|(i, _)| i)
}

impl<'a> JsonFile<'a> {
    fn of(r: &'a FileResult, lang: Lang) -> JsonFile<'a> {
        Self::at(r, 0, lang)
    }

    /// The entry of a file whose first finding is `first` in the report's `findings`.
    fn at(r: &'a FileResult, first: usize, lang: Lang) -> JsonFile<'a> {
        let (status, error, hint, reason) = match &r.status {
            Status::Checked => ("checked", None, None, None),
            Status::Unreadable(u) => {
                let (reason, hint) = unreadable_text(u, lang);
                (
                    "unreadable",
                    Some(reason),
                    Some(hint),
                    Some(unreadable_code(u.kind)),
                )
            }
            Status::Skipped(why) => (
                "skipped",
                Some(crate::messages::skip_text(lang, why)),
                None,
                Some(why.code()),
            ),
        };
        JsonFile {
            path: &r.path,
            status,
            error,
            hint,
            reason,
            unit: &r.unit,
            forms: r
                .forms
                .iter()
                .map(|f| JsonForm {
                    sheet: &f.sheet,
                    form: &f.form,
                    confidence: f.confidence,
                    continued_on: &f.continued_on,
                })
                .collect(),
            errors: r.count(Severity::Error),
            warnings: r.count(Severity::Warning),
            explanations: r
                .explanations
                .iter()
                .map(|e| JsonExplanation::of(e, r, first))
                .collect(),
            not_applied: &r.not_applied,
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

fn unit_is_empty(u: &&crate::result::Unit) -> bool {
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
    skipped: usize,
    passed_over: usize,
    no_form: usize,
    previous_unreadable: usize,
    errors: usize,
    warnings: usize,
    info: usize,
    not_applied: usize,
}

impl JsonSummary {
    fn of(s: &Summary) -> JsonSummary {
        JsonSummary {
            files: s.files,
            checked: s.checked,
            unreadable: s.unreadable,
            skipped: s.skipped,
            passed_over: s.passed_over.total(),
            no_form: s.no_form,
            previous_unreadable: s.previous_unreadable,
            errors: s.errors,
            warnings: s.warnings,
            info: s.info,
            not_applied: s.not_applied,
        }
    }
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
    /// The language of an unreadable file's `error` and `hint`.
    lang: Lang,
    /// Each element's text, in buffers kept from one element to the next.
    text: Text,
}

/// Findings text kept in memory before it goes to a temporary file.
const SPILL_BYTES: usize = 1 << 20;

impl<'w> JsonStream<'w> {
    pub fn begin(out: &'w mut dyn std::io::Write) -> std::io::Result<JsonStream<'w>> {
        Self::begin_in(out, Lang::En)
    }

    /// [`Self::begin`], with unreadable files' prose in `lang`.
    pub fn begin_in(
        out: &'w mut dyn std::io::Write,
        lang: Lang,
    ) -> std::io::Result<JsonStream<'w>> {
        let version = serde_json::to_string(env!("CARGO_PKG_VERSION"))?;
        write!(out, "{{\n  \"crossfoot\": {version},\n  \"files\": [")?;
        Ok(JsonStream {
            out,
            files: 0,
            findings: 0,
            kept: Vec::new(),
            spill: None,
            summary: Summary::default(),
            lang,
            text: Text::default(),
        })
    }

    pub fn file(&mut self, r: &FileResult) -> std::io::Result<()> {
        self.text.element(
            self.out,
            self.files == 0,
            &JsonFile::at(r, self.findings, self.lang),
        )?;
        self.files += 1;
        self.summary.add(r);
        for f in &r.findings {
            let entry = JsonFinding::of(f);
            match &mut self.spill {
                Some(file) => self.text.element(file, self.findings == 0, &entry)?,
                None => self
                    .text
                    .element(&mut self.kept, self.findings == 0, &entry)?,
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
        self.finish_run(crate::result::PassedOver::default(), &[])
    }

    /// [`Self::finish`], with what the run passed over while walking folders and last year's
    /// workbooks that could not be read (a `previous` list, when there are any).
    pub fn finish_run(
        mut self,
        passed_over: crate::result::PassedOver,
        previous_unreadable: &[FileResult],
    ) -> std::io::Result<&'w mut dyn std::io::Write> {
        self.summary.passed_over = passed_over;
        self.summary.previous_unreadable = previous_unreadable.len();
        let lang = self.lang;
        let out = self.out;
        close(out, self.files)?;
        if !previous_unreadable.is_empty() {
            write!(out, ",\n  \"previous\": [")?;
            for (i, r) in previous_unreadable.iter().enumerate() {
                self.text.element(out, i == 0, &JsonFile::of(r, lang))?;
            }
            close(out, previous_unreadable.len())?;
        }
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
        let summary = crate::safe::json_pretty(&JsonSummary::of(&s))?;
        write!(
            out,
            ",\n  \"summary\": {}\n}}",
            summary.replace('\n', "\n  ")
        )?;
        Ok(out)
    }
}

/// The buffers an element's text is made in: as [`crate::safe::json_pretty`] writes it, then
/// nested.
#[derive(Default)]
struct Text {
    flat: Vec<u8>,
    nested: Vec<u8>,
}

impl Text {
    /// One element of a top-level list, as serde_json's pretty printer nests it: each line
    /// after the first indented by four spaces (a newline in the text is always the printer's:
    /// one inside a string is written `\n`), written in one piece.
    fn element(
        &mut self,
        out: &mut dyn std::io::Write,
        first: bool,
        v: &impl Serialize,
    ) -> std::io::Result<()> {
        let Text { flat, nested } = self;
        flat.clear();
        crate::safe::json_pretty_into(flat, v)?;
        nested.clear();
        nested.extend_from_slice(if first { b"\n    " } else { b",\n    " });
        let mut rest = &flat[..];
        while let Some(i) = memchr::memchr(b'\n', rest) {
            nested.extend_from_slice(&rest[..=i]);
            nested.extend_from_slice(b"    ");
            rest = &rest[i + 1..];
        }
        nested.extend_from_slice(rest);
        out.write_all(nested)
    }
}

fn close(out: &mut dyn std::io::Write, count: usize) -> std::io::Result<()> {
    out.write_all(if count == 0 { b"]" } else { b"\n  ]" })
}

// ---------------------------------------------------------------------------------------------
// Human

/// Terminal styles; empty strings when colour is off.
pub struct Style {
    pub on: bool,
    /// The width lines are wrapped to, in columns ([`wrap`]); `None`: not wrapped (the
    /// report is not on a terminal: a pipe or a file keeps one line per item).
    pub width: Option<usize>,
}

/// The variable that sets the terminal report's width in columns, terminal or not (`0`: no
/// wrapping). For scripts and tests; a terminal's own width is read otherwise.
pub const WIDTH_VAR: &str = "CROSSFOOT_WIDTH";

/// The narrowest width lines are wrapped to.
const MIN_WIDTH: usize = 40;

/// The width the terminal report is wrapped to: [`WIDTH_VAR`] when set, else the terminal's
/// width when standard output is one (`COLUMNS`, else 100, when it cannot be read), else none.
pub fn report_width(stdout_is_terminal: bool) -> Option<usize> {
    let columns = |v: std::ffi::OsString| v.to_str().and_then(|v| v.trim().parse::<usize>().ok());
    if let Some(n) = std::env::var_os(WIDTH_VAR).and_then(columns) {
        return (n > 0).then_some(n.max(MIN_WIDTH));
    }
    if !stdout_is_terminal {
        return None;
    }
    let n = terminal_columns()
        .or_else(|| std::env::var_os("COLUMNS").and_then(columns))
        .filter(|n| *n > 0)
        .unwrap_or(100);
    Some(n.max(MIN_WIDTH))
}

/// The width of the terminal on standard output, in columns.
#[cfg(unix)]
fn terminal_columns() -> Option<usize> {
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct it is given, which lives for
    // the call; on a descriptor that is not a terminal it fails and writes nothing.
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

#[cfg(not(unix))]
fn terminal_columns() -> Option<usize> {
    None
}

/// The visible characters of `s`: escape sequences of [`Style::paint`] take no column.
fn columns(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (false, _) => n += 1,
            (true, c) if c.is_ascii_alphabetic() => in_escape = false,
            (true, _) => {}
        }
    }
    n
}

/// `s` cut after `max` visible columns (never inside an escape sequence): the head and the rest.
fn split_at_columns(s: &str, max: usize) -> (&str, &str) {
    let mut n = 0;
    let mut in_escape = false;
    for (i, c) in s.char_indices() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (false, _) => {
                if n == max {
                    return s.split_at(i);
                }
                n += 1;
            }
            (true, c) if c.is_ascii_alphabetic() => in_escape = false,
            (true, _) => {}
        }
    }
    (s, "")
}

/// Each line of `text` longer than `width` columns wrapped at spaces, its continuation lines
/// indented two more than the line (a word longer than a line is cut). Lines that fit, and
/// the spaces inside them, are kept as they are.
pub fn wrap(text: &str, width: usize) -> String {
    let width = width.max(MIN_WIDTH / 2);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if columns(body) <= width {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start_matches(' ').len();
        let more = (indent + 2).min(width / 2);
        let mut used = indent;
        out.push_str(&body[..indent]);
        let mut at_start = true;
        for word in body[indent..].split(' ') {
            let mut word = word;
            let w = columns(word);
            if !at_start && used + 1 + w <= width {
                out.push(' ');
                out.push_str(word);
                used += 1 + w;
                continue;
            }
            if !at_start {
                if word.is_empty() {
                    // A run of spaces at a break is dropped.
                    continue;
                }
                out.push('\n');
                out.push_str(&" ".repeat(more));
                used = more;
            }
            // A word longer than the line: cut.
            while used + columns(word) > width {
                let (head, rest) = split_at_columns(word, width.saturating_sub(used).max(1));
                out.push_str(head);
                out.push('\n');
                out.push_str(&" ".repeat(more));
                used = more;
                word = rest;
            }
            out.push_str(word);
            used += columns(word);
            at_start = false;
        }
        out.push_str(newline);
    }
    out
}

impl Style {
    /// `text` as this style shows it: wrapped to its width, if any.
    fn fit(&self, text: String) -> String {
        match self.width {
            Some(width) => wrap(&text, width),
            None => text,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn severity(&self, s: Severity, words: &Words) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        // The words padded to one width, so that the places line up.
        let width = [Severity::Error, Severity::Warning, Severity::Info]
            .iter()
            .map(|s| words.severity(*s).chars().count())
            .max()
            .unwrap_or(0);
        let word = words.severity(s);
        let pad = width.saturating_sub(word.chars().count());
        self.paint(code, &format!("{word}{}", " ".repeat(pad)))
    }
}

/// The terminal report: findings grouped by file, a line per file, then a total.
pub fn human(results: &[FileResult], lang: Lang, style: &Style) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&human_file(r, lang, style));
    }
    out.push_str(&human_total(&summarize(results), lang, style));
    out
}

/// The closing lines of the human report: one line that counts the files (clean, with
/// warnings, with errors, unreadable) and the findings, then what the run could not do.
pub fn human_total(s: &Summary, lang: Lang, style: &Style) -> String {
    let w = Words::of(lang);
    let n = |v: usize| format_number(v as f64, Some(0), lang.locale());
    let count = |v: usize, (one, many): (&str, &str)| {
        format!("{} {}", n(v), if v == 1 { one } else { many })
    };
    let mut out = format!(
        "{}: {} {}, {} {}, {} {}, {} {}",
        count(s.files, w.files),
        n(s.clean_files),
        w.clean,
        n(s.files_with_warnings),
        w.with_warnings,
        n(s.files_with_errors),
        w.with_errors,
        n(s.unreadable),
        w.unreadable,
    );
    if s.skipped > 0 {
        let _ = write!(out, ", {} {}", n(s.skipped), w.skipped);
    }
    let _ = write!(
        out,
        "; {}, {}, {}",
        count(s.errors, w.errors),
        count(s.warnings, w.warnings),
        count(s.info, w.infos)
    );
    if s.not_applied > 0 {
        let _ = write!(out, "; {}: {}", w.not_applied, n(s.not_applied));
    }
    if let Some(passed_over) = passed_over_text(&s.passed_over, lang) {
        let _ = write!(out, "; {passed_over}");
    }
    out.push('\n');
    if s.previous_unreadable > 0 {
        let _ = writeln!(
            out,
            "{}",
            crate::messages::render(
                w.previous_unreadable,
                &[("count", &n(s.previous_unreadable))]
            )
        );
    }
    if s.files > 0 && s.checked == 0 {
        let _ = writeln!(out, "{}", w.none_checked);
    } else if s.checked > 0 && s.no_form == s.checked {
        let _ = writeln!(out, "{}", w.no_form_matched);
    }
    style.fit(out)
}

/// What walking the folders passed over (`passed over: 1 lock file`), if anything.
fn passed_over_text(p: &crate::result::PassedOver, lang: Lang) -> Option<String> {
    let w = Words::of(lang);
    let count = |v: usize, (one, many): (&str, &str)| {
        let n = format_number(v as f64, Some(0), lang.locale());
        format!("{n} {}", if v == 1 { one } else { many })
    };
    let mut parts = Vec::new();
    if p.lock_files > 0 {
        parts.push(count(p.lock_files, w.lock_files));
    }
    if p.hidden > 0 {
        parts.push(count(p.hidden, w.hidden_files));
    }
    if p.system > 0 {
        parts.push(count(p.system, w.system_files));
    }
    (!parts.is_empty()).then(|| format!("{}: {}", w.passed_over, parts.join(", ")))
}

/// The line of a run whose named folders held no file to read: which were empty, and what
/// was passed over in them (a lock file is left by a spreadsheet program that has the
/// workbook open).
pub fn human_nothing_found(paths: &[String], p: &crate::result::PassedOver, lang: Lang) -> String {
    let w = Words::of(lang);
    let named: Vec<String> = paths.iter().map(|p| name(p, lang).into_owned()).collect();
    let mut out = crate::messages::render(w.nothing_found, &[("paths", &named.join(", "))]);
    if let Some(passed_over) = passed_over_text(p, lang) {
        let _ = write!(out, "; {passed_over}");
    }
    out
}

/// Whether `--quiet` leaves the file out of the terminal report: checked and clean.
pub fn is_clean(r: &FileResult) -> bool {
    matches!(r.status, Status::Checked) && r.findings.is_empty() && r.not_applied.is_empty()
}

/// Last year's workbooks that could not be read, as a section of the human report.
pub fn human_previous(unreadable: &[FileResult], lang: Lang, style: &Style) -> String {
    if unreadable.is_empty() {
        return String::new();
    }
    let mut out = format!("{}\n", Words::of(lang).previous_section);
    for r in unreadable {
        out.push_str(&human_file(r, lang, style));
    }
    out
}

/// Longest file, sheet or unit name, code, rule or cell reference shown on a terminal, in
/// characters (the JSON report and the workbooks hold the whole text).
const SHOWN_NAME: usize = 200;
/// Longest message, reason or hint shown on a terminal, in characters.
const SHOWN_MESSAGE: usize = 1_000;

/// Longest cell label shown after its cell in "cells read", in characters; with a column
/// heading (`Nữ — Tỷ lệ (%)`), the longest row label and heading.
const SHOWN_LABEL: usize = 30;
const SHOWN_LABEL_PART: usize = 24;

/// A cell's label as "cells read" shows it: one line, a row label and a column heading each
/// cut with `…` when long (the JSON report holds the whole label), through [`visible`].
fn short_label(s: &str, lang: Lang) -> String {
    let clip = |s: &str, max: usize| -> String {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > max {
            let head: String = s.chars().take(max - 1).collect();
            format!("{}…", head.trim_end())
        } else {
            s
        }
    };
    let shown = match s.rsplit_once(" — ") {
        Some((row, heading)) => format!(
            "{} — {}",
            clip(row, SHOWN_LABEL_PART),
            clip(heading, SHOWN_LABEL_PART)
        ),
        None => clip(s, SHOWN_LABEL),
    };
    visible(&shown, 2 * SHOWN_LABEL_PART + 3, lang).into_owned()
}

/// A name from an input as the terminal shows it ([`visible`]).
fn name(s: &str, lang: Lang) -> std::borrow::Cow<'_, str> {
    visible(s, SHOWN_NAME, lang)
}

/// An unreadable file's lines of the human report: its diagnostic (miette's in English,
/// crossfoot's words otherwise), indented.
fn unreadable_lines(
    out: &mut String,
    path: &str,
    u: &crate::unreadable::Unreadable,
    lang: Lang,
    style: &Style,
) {
    let w = Words::of(lang);
    let (reason, hint) = unreadable_text(u, lang);
    let diag = UnreadableDiag::shown(path, &reason, &hint, w, lang);
    let mut s = String::new();
    let handler = if lang != Lang::En {
        // miette's own words (`help`) are English: crossfoot's words instead.
        None
    } else if style.on {
        Some(miette::GraphicalTheme::unicode())
    } else {
        Some(miette::GraphicalTheme::unicode_nocolor())
    }
    .map(|theme| {
        miette::GraphicalReportHandler::new_themed(theme)
            .with_width(style.width.map_or(100, |w| w.min(100)))
    });
    if handler.is_none_or(|h| h.render_report(&mut s, &diag).is_err()) {
        s = format!(
            "{} {}: {}\n  {}: {}\n",
            w.cannot_read, diag.path, diag.reason, w.hint, diag.hint
        );
    }
    for line in s.trim_end().lines() {
        let _ = writeln!(out, "{}", format!("  {line}").trim_end());
    }
}

/// A finding's lines of the human report: where and which rule, its message, the figures
/// (expected, found, difference) and the cells it read.
fn finding_lines(out: &mut String, f: &crate::finding::Finding, lang: Lang, style: &Style) {
    let w = Words::of(lang);
    let locale = lang.locale();
    let place = match (&f.sheet, f.cells.first()) {
        (Some(s), Some(c)) if c.sheet == *s => {
            format!("{}!{}", name(s, lang), name(&c.cell, lang))
        }
        (Some(s), _) => name(s, lang).into_owned(),
        (None, _) => w.workbook.to_string(),
    };
    let _ = writeln!(
        out,
        "  {} {}  {}",
        style.severity(f.severity, w),
        style.paint("1", &place),
        style.paint("2", &name(&f.rule, lang))
    );
    let _ = writeln!(
        out,
        "          {}",
        visible(&f.message, SHOWN_MESSAGE, lang)
    );
    if let (Some(e), Some(a), Some(d)) = (f.expected, f.actual, f.difference) {
        let n = |v: f64| format_number(v, f.decimals, locale);
        let d = if d > 0.0 { format!("+{}", n(d)) } else { n(d) };
        let _ = writeln!(
            out,
            "          {} {}, {} {}, {} {}",
            w.expected,
            n(e),
            w.found,
            n(a),
            w.difference,
            d
        );
    }
    if f.cells.len() > 1 {
        let cells: Vec<String> = f
            .cells
            .iter()
            .map(|c| {
                let at = match &c.file {
                    Some(file) => format!(
                        "{}: {}!{}",
                        name(file, lang),
                        name(&c.sheet, lang),
                        name(&c.cell, lang)
                    ),
                    None if Some(&c.sheet) == f.sheet.as_ref() => name(&c.cell, lang).into_owned(),
                    None => {
                        format!("{}!{}", name(&c.sheet, lang), name(&c.cell, lang))
                    }
                };
                match c.label.as_deref().map(|l| short_label(l, lang)) {
                    Some(l) if !l.is_empty() => format!("{at} {l}"),
                    _ => at,
                }
            })
            .collect();
        // Labels hold commas (`Cán bộ, công chức cấp xã`): then cells are
        // parted by semicolons.
        let sep = if f.cells.iter().any(|c| c.label.is_some()) {
            "; "
        } else {
            ", "
        };
        let _ = writeln!(out, "          {}: {}", w.cells_read, cells.join(sep));
    }
}

/// One file's part of the human report. Everything in it that came from an input (file,
/// sheet and unit names, codes, cell text in messages) is shown, never obeyed: control
/// characters, escape sequences, direction controls and newlines made visible, long texts cut
/// ([`crate::text::visible`]).
pub fn human_file(r: &FileResult, lang: Lang, style: &Style) -> String {
    let w = Words::of(lang);
    let locale = lang.locale();
    let mut out = String::new();
    // A clean file is one line (a run of fifty files reads as a list).
    if is_clean(r) {
        let unit = match (&r.unit.name, &r.unit.code) {
            (Some(unit), Some(code)) => format!("  {} [{}]", name(unit, lang), name(code, lang)),
            (Some(unit), None) => format!("  {}", name(unit, lang)),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{}{unit}  {}",
            style.paint("1", &name(&r.path, lang)),
            style.paint("32", w.clean)
        );
        return style.fit(out);
    }
    {
        let path = name(&r.path, lang);
        let _ = writeln!(out, "{}", style.paint("1", &path));
        match &r.status {
            Status::Unreadable(u) => unreadable_lines(&mut out, &r.path, u, lang, style),
            Status::Skipped(why) => {
                let _ = writeln!(
                    out,
                    "  {}: {}",
                    w.skipped,
                    crate::messages::skip_text(lang, why)
                );
            }
            Status::Checked => {
                if let (Some(unit), code) = (&r.unit.name, &r.unit.code) {
                    let code = code
                        .as_deref()
                        .map(|c| format!(" [{}]", name(c, lang)))
                        .unwrap_or_default();
                    let _ = writeln!(out, "  {}: {}{code}", w.unit, name(unit, lang));
                }
                if !r.forms.is_empty() {
                    let forms: Vec<String> = r
                        .forms
                        .iter()
                        .map(|f| format!("{} ({})", name(&f.form, lang), name(&f.sheet, lang)))
                        .collect();
                    let _ = writeln!(out, "  {}: {}", w.forms, forms.join(", "));
                }
                // The most likely causes, one line each (alternatives share their line).
                let mut causes = std::collections::BTreeSet::new();
                for e in &r.explanations {
                    if causes.insert(e.cause) {
                        let _ = writeln!(
                            out,
                            "  {}",
                            style.paint("1", &visible(&e.text, SHOWN_MESSAGE, lang))
                        );
                    }
                }
                for f in &r.findings {
                    finding_lines(&mut out, f, lang, style);
                }
                // The checks not applied: their count, then each rule and why.
                if !r.not_applied.is_empty() {
                    let total: usize = r.not_applied.iter().map(|n| n.count).sum();
                    let _ = writeln!(
                        out,
                        "  {}: {}",
                        w.not_applied,
                        format_number(total as f64, Some(0), locale)
                    );
                    for na in &r.not_applied {
                        let times = if na.count > 1 {
                            format!(" ({})", format_number(na.count as f64, Some(0), locale))
                        } else {
                            String::new()
                        };
                        let _ = writeln!(
                            out,
                            "          {}{times}: {}",
                            style.paint("2", &name(&na.rule, lang)),
                            na.reason.words(w)
                        );
                    }
                }
                let (e, wn, i) = (
                    r.count(Severity::Error),
                    r.count(Severity::Warning),
                    r.count(Severity::Info),
                );
                let verdict = if e + wn + i == 0 {
                    style.paint("32", w.clean)
                } else {
                    format!(
                        "{}, {}{}",
                        w.count(e, w.errors),
                        w.count(wn, w.warnings),
                        if i > 0 {
                            format!(", {}", w.count(i, w.infos))
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
    style.fit(out)
}

/// An unreadable input, as a diagnostic: file, reason, hint. Without a code: a reviewer reads
/// the reason, not a crate path (the JSON report carries the file's `error` code).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{cannot_read} {path}: {reason}")]
pub struct UnreadableDiag {
    pub cannot_read: &'static str,
    pub path: String,
    pub reason: String,
    #[help]
    pub hint: String,
}

impl UnreadableDiag {
    /// The diagnostic as a terminal shows it: the path, the reason and the hint (which may
    /// quote the file) through [`visible`].
    pub fn shown(
        path: &str,
        reason: &str,
        hint: &str,
        words: &Words,
        lang: Lang,
    ) -> UnreadableDiag {
        UnreadableDiag {
            cannot_read: words.cannot_read,
            path: visible(path, SHOWN_NAME, lang).into_owned(),
            reason: visible(reason, SHOWN_MESSAGE, lang).into_owned(),
            hint: visible(hint, SHOWN_MESSAGE, lang).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{CellLoc, Finding};
    use crate::read::sniff::{Unreadable, UnreadableKind};
    use crate::result::{FormFound, Unit};

    #[derive(Serialize)]
    struct Whole<'a> {
        crossfoot: &'static str,
        files: Vec<JsonFile<'a>>,
        findings: Vec<JsonFinding<'a>>,
        summary: JsonSummary,
    }

    /// The report as one serde document: what the stream must equal byte for byte.
    fn whole(results: &[FileResult]) -> String {
        let mut first = 0;
        let files = results
            .iter()
            .map(|r| {
                let f = JsonFile::at(r, first, Lang::En);
                first += r.findings.len();
                f
            })
            .collect();
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
            summary: JsonSummary::of(&s),
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
                CellLoc::new(None, "M01".into(), "C7".into()),
                CellLoc::new(other.map(str::to_string), "M01".into(), "C8".into()),
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
                    confidence: 1.0,
                    continued_on: vec![],
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
                explanations: vec![],
                not_applied: vec![],
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
                explanations: vec![],
                not_applied: vec![],
            },
        ]
    }

    #[test]
    fn the_human_report_shows_input_text_and_never_obeys_it() {
        let mut all = results();
        let hostile = "A\u{1b}[2J\u{1b}]0;pwned\u{7}\nfake: clean\u{202e}\u{9b}31m";
        all[0].path = format!("{hostile}.xlsx");
        all[0].unit.name = Some(hostile.to_string());
        all[0].unit.code = Some(hostile.to_string());
        all[0].forms[0].sheet = hostile.to_string();
        all[0].findings[0].sheet = Some(hostile.to_string());
        all[0].findings[0].cells[0].sheet = hostile.to_string();
        all[0].findings[0].message = format!("{hostile}{}", "x".repeat(1 << 20));
        all[0].findings[1].cells[1].file = Some(hostile.to_string());
        all[1].path = hostile.to_string();
        if let Status::Unreadable(u) = &mut all[1].status {
            u.reason = hostile.to_string();
            u.hint = hostile.to_string();
        }
        for on in [false, true] {
            let text = human(&all, Lang::Vi, &Style { on, width: None });
            let bad: Vec<char> = text
                .chars()
                .filter(|c| {
                    (c.is_control() && *c != '\n' && !(on && *c == '\u{1b}'))
                        || ('\u{202a}'..='\u{202e}').contains(c)
                })
                .collect();
            assert!(bad.is_empty(), "{bad:?}");
            assert!(text.contains("A\\x1b[2J\\x1b]0;pwned\\x07\\nfake: cleanU+202E\\u{9b}31m"));
            // In the report's language, its number too: not `…(1,048,6… characters)`.
            assert!(
                text.contains("…(1.048.6") && text.contains(" ký tự)"),
                "the long message is cut with its length"
            );
            assert!(!text.contains("characters)"));
            assert!(text.len() < 50_000, "{} bytes", text.len());
            // No line of the report starts with the forged text.
            assert!(!text.lines().any(|l| l.trim_start().starts_with("fake")));
        }
        // Colour on, wrapped or not: the only escapes are crossfoot's own SGR sequences,
        // whole (a line is never broken inside one).
        let text = human(
            &all,
            Lang::Vi,
            &Style {
                on: true,
                width: None,
            },
        ) + &human(
            &all,
            Lang::Vi,
            &Style {
                on: true,
                width: Some(40),
            },
        );
        for (i, _) in text.match_indices('\u{1b}') {
            let rest = &text[i + 1..];
            let sgr = rest.starts_with('[')
                && rest[1..].find('m').is_some_and(|m| {
                    rest[1..1 + m]
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b == b';')
                });
            assert!(sgr, "{:?}", &rest[..rest.len().min(20)]);
        }
    }

    #[test]
    fn long_lines_are_wrapped_at_spaces_with_a_hanging_indent() {
        let text = "short line\n  most likely: one two three four five six seven\n";
        assert_eq!(
            wrap(text, 20),
            "short line\n  most likely: one\n    two three four\n    five six seven\n"
        );
        // A line that fits keeps its spaces; a word longer than a line is cut.
        assert_eq!(wrap("  error   C5  rule", 20), "  error   C5  rule");
        assert_eq!(
            wrap(&format!("  {}", "x".repeat(45)), 20),
            format!(
                "  {}\n    {}\n    {}",
                "x".repeat(18),
                "x".repeat(16),
                "x".repeat(11)
            )
        );
        // Escape sequences take no column and are never cut.
        let bold = format!("\u{1b}[1m{}\u{1b}[0m", "y".repeat(16));
        assert_eq!(wrap(&bold, 20), bold);
        let wrapped = wrap(&format!("{bold} {bold}"), 20);
        assert_eq!(wrapped, format!("{bold}\n  {bold}"));
    }

    #[test]
    fn the_summary_line_counts_files_by_their_worst_finding() {
        let s = summarize(&results());
        assert_eq!(
            s.files,
            s.clean_files + s.files_with_warnings + s.files_with_errors + s.unreadable + s.skipped
        );
        let style = Style {
            on: false,
            width: None,
        };
        let summary = Summary {
            files: 104,
            checked: 101,
            unreadable: 2,
            skipped: 1,
            errors: 48,
            warnings: 17,
            info: 3,
            clean_files: 70,
            files_with_warnings: 9,
            files_with_errors: 22,
            ..Summary::default()
        };
        let en = human_total(&summary, Lang::En, &style);
        let vi = human_total(&summary, Lang::Vi, &style);
        assert_eq!(en.lines().count(), 1, "{en}");
        insta::assert_snapshot!(format!("{en}{vi}"), @r"
        104 files: 70 clean, 9 with warnings, 22 with errors, 2 unreadable, 1 skipped; 48 errors, 17 warnings, 3 info
        104 tệp: 70 không có sai sót, 9 có cảnh báo, 22 có lỗi, 2 không đọc được, 1 bỏ qua; 48 lỗi, 17 cảnh báo, 3 ghi chú
        ");
        // On a narrow terminal the line is wrapped like the rest of the report.
        let narrow = human_total(
            &summary,
            Lang::En,
            &Style {
                on: false,
                width: Some(40),
            },
        );
        assert!(narrow.lines().all(|l| l.chars().count() <= 40), "{narrow}");
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

    #[test]
    fn a_long_label_is_cut_keeping_its_column_heading() {
        assert_eq!(short_label("Nam", Lang::Vi), "Nam");
        assert_eq!(
            short_label("Đảng viên người dân tộc thiểu số", Lang::Vi),
            "Đảng viên người dân tộc thiểu…"
        );
        assert_eq!(
            short_label("Trong đó: Đảng viên nữ làm công tác — Tỷ lệ (%)", Lang::Vi),
            "Trong đó: Đảng viên nữ… — Tỷ lệ (%)"
        );
        // One line, shown and never obeyed.
        assert_eq!(short_label("Nam\n\u{1b}[31m", Lang::Vi), "Nam \\x1b[31m");
    }
}
