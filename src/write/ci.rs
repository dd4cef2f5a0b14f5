//! The reports CI tools read: GitHub Actions workflow commands, JUnit XML (GitLab, Jenkins),
//! SARIF 2.1.0 (GitHub code scanning and other SARIF viewers). Each is made from the run's
//! results, the rule pack and the language, like the terminal and JSON reports.

use crate::finding::{Finding, Severity};
use crate::messages::unreadable_text;
use crate::registry::{unreadable_code, Lang, Words, KINDS};
use crate::result::{FileResult, Status};
use crate::rules::Pack;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Where a finding is: `sheet!cell`, the sheet, or None for the whole workbook.
fn place(f: &Finding) -> Option<String> {
    match (&f.sheet, f.cells.first()) {
        (Some(s), Some(c)) if c.sheet == *s && c.file.is_none() => Some(format!("{s}!{}", c.cell)),
        (Some(s), _) => Some(s.clone()),
        (None, _) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

/// A workflow command's message ([`crate::safe::github`]).
fn gh_data(s: &str) -> String {
    crate::safe::github(s, false)
}

/// A workflow command's property value ([`crate::safe::github`]).
fn gh_property(s: &str) -> String {
    crate::safe::github(s, true)
}

fn gh_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One workflow command per finding (`::error file=…,title=…::message`), and one `::error`
/// per unreadable file.
pub fn github(results: &[FileResult], lang: Lang) -> String {
    let w = Words::of(lang);
    let mut out = String::new();
    for r in results {
        match &r.status {
            Status::Unreadable(u) => {
                let (reason, hint) = unreadable_text(u, lang);
                let _ = writeln!(
                    out,
                    "::error file={},title={}::{}",
                    gh_property(&r.path),
                    gh_property(&format!("{} ({})", w.cannot_read, unreadable_code(u.kind))),
                    gh_data(&format!("{reason}\n{}: {hint}", w.hint))
                );
            }
            Status::Skipped(_) => {}
            Status::Checked => {
                for f in &r.findings {
                    let title = match place(f) {
                        Some(p) => format!("{p} {}", f.rule),
                        None => f.rule.clone(),
                    };
                    let mut body = f.message.clone();
                    if let (Some(e), Some(a), Some(d)) = (f.expected, f.actual, f.difference) {
                        let n = |v: f64| crate::text::format_number(v, f.decimals, lang.locale());
                        let d = if d > 0.0 { format!("+{}", n(d)) } else { n(d) };
                        let _ = write!(
                            body,
                            "\n{} {}, {} {}, {} {}",
                            w.expected,
                            n(e),
                            w.found,
                            n(a),
                            w.difference,
                            d
                        );
                    }
                    let _ = writeln!(
                        out,
                        "::{} file={},title={}::{}",
                        gh_level(f.severity),
                        gh_property(&f.file),
                        gh_property(&title),
                        gh_data(&body)
                    );
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// JUnit

/// XML text ([`crate::safe::xml`]).
fn xml(s: &str) -> String {
    crate::safe::xml(s)
}

/// The check ids a workbook was checked against: every check of the forms found in it, then
/// the rule ids of its findings that are not among them (crossfoot's own, checks between
/// workbooks). A check with a `when` that did not hold counts as applied and passed; one not
/// applied without a finding is a skipped case.
fn applied(r: &FileResult, pack: &Pack) -> Vec<String> {
    let found: BTreeSet<&str> = r.forms.iter().map(|f| f.form.as_str()).collect();
    let mut ids: Vec<String> = Vec::new();
    for form in pack.forms.iter().filter(|f| found.contains(f.id.as_str())) {
        for c in &form.checks {
            if !ids.contains(&c.id) {
                ids.push(c.id.clone());
            }
        }
    }
    for f in &r.findings {
        if !ids.contains(&f.rule) {
            ids.push(f.rule.clone());
        }
    }
    ids
}

/// One test suite per workbook, one test case per check applied (a failure per finding of
/// it), an unreadable file as a suite with one erroring case.
pub fn junit(results: &[FileResult], pack: &Pack, lang: Lang) -> String {
    let w = Words::of(lang);
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for r in results {
        let path = xml(&r.path);
        match &r.status {
            Status::Unreadable(u) => {
                let (reason, hint) = unreadable_text(u, lang);
                tests += 1;
                errors += 1;
                let _ = write!(
                    suites,
                    "  <testsuite name=\"{path}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase name=\"read\" classname=\"{path}\">\n      <error type=\"{}\" message=\"{}\">{}: {}</error>\n    </testcase>\n  </testsuite>\n",
                    unreadable_code(u.kind),
                    xml(&reason),
                    xml(w.hint),
                    xml(&hint)
                );
            }
            Status::Skipped(why) => {
                tests += 1;
                let _ = write!(
                    suites,
                    "  <testsuite name=\"{path}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">\n    <testcase name=\"read\" classname=\"{path}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n  </testsuite>\n",
                    xml(&crate::messages::skip_text(lang, why))
                );
            }
            Status::Checked => {
                let ids = applied(r, pack);
                let failed = ids
                    .iter()
                    .filter(|id| r.findings.iter().any(|f| &f.rule == *id))
                    .count();
                // A check without a finding that was not applied (to some row) is skipped,
                // with why: never listed as passed.
                let skipped_why = |id: &str| -> Option<String> {
                    let why: Vec<String> = r
                        .not_applied
                        .iter()
                        .filter(|n| n.rule == id)
                        .map(|n| format!("{} ({})", n.reason.words(w), n.count))
                        .collect();
                    (!why.is_empty()).then(|| format!("{}: {}", w.not_applied, why.join("; ")))
                };
                let skipped = ids
                    .iter()
                    .filter(|id| {
                        !r.findings.iter().any(|f| &f.rule == *id) && skipped_why(id).is_some()
                    })
                    .count();
                tests += ids.len();
                failures += failed;
                let _ = writeln!(
                    suites,
                    "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">",
                    ids.len()
                );
                for id in &ids {
                    let mine: Vec<&Finding> = r.findings.iter().filter(|f| &f.rule == id).collect();
                    if let (true, Some(why)) = (mine.is_empty(), skipped_why(id)) {
                        let _ = writeln!(
                            suites,
                            "    <testcase name=\"{}\" classname=\"{path}\">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml(id),
                            xml(&why)
                        );
                        continue;
                    }
                    if mine.is_empty() {
                        let _ = writeln!(
                            suites,
                            "    <testcase name=\"{}\" classname=\"{path}\"/>",
                            xml(id)
                        );
                        continue;
                    }
                    let _ = writeln!(
                        suites,
                        "    <testcase name=\"{}\" classname=\"{path}\">",
                        xml(id)
                    );
                    for f in mine {
                        let at = place(f).unwrap_or_else(|| w.workbook.to_string());
                        let _ = writeln!(
                            suites,
                            "      <failure type=\"{}\" message=\"{}\">{}: {}</failure>",
                            w.severity(f.severity),
                            xml(&f.message),
                            xml(&at),
                            xml(&f.message)
                        );
                    }
                    let _ = writeln!(suites, "    </testcase>");
                }
                let _ = writeln!(suites, "  </testsuite>");
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"crossfoot\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{suites}</testsuites>\n"
    )
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    artifacts: Vec<Artifact>,
    results: Vec<SResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    language: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

/// A text a SARIF viewer shows: what a viewer would obey shown ([`crate::safe::lines`]).
fn text(s: impl Into<String>) -> Text {
    let s: String = s.into();
    Text {
        text: crate::safe::lines(&s).into_owned(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Text>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    descriptor: Descriptor,
}

#[derive(Serialize)]
struct Descriptor {
    id: String,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a relative URI reference: `/` between parts, and what a URI cannot hold
/// percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The SARIF log of a run: the rules of the registry and of the pack, a result per finding
/// (the file as physical location, `sheet!cell` as logical location), unreadable files as
/// tool execution notifications.
pub fn sarif(results: &[FileResult], pack: &Pack, lang: Lang) -> String {
    let w = Words::of(lang);
    let mut rules: Vec<Rule> = KINDS
        .iter()
        .map(|k| Rule {
            id: k.id.to_string(),
            short_description: text(k.doc.what.get(lang)),
            full_description: Some(text(k.doc.why.get(lang))),
            help: Some(text(k.doc.fix.get(lang))),
            default_configuration: Configuration {
                level: level(k.severity),
            },
        })
        .collect();
    let pack_lang = pack.settings.pack_lang();
    for form in &pack.forms {
        for c in &form.checks {
            if rules.iter().any(|r| r.id == c.id) {
                continue;
            }
            rules.push(Rule {
                id: c.id.clone(),
                // The check's doc in the run's language, else its message.
                short_description: text(
                    c.doc_in(lang, pack_lang)
                        .or_else(|| c.message_in(lang, pack_lang))
                        .unwrap_or(&c.message)
                        .to_string(),
                ),
                full_description: Some(text(format!("{} {}: {}", w.form, form.id, c.expr_text))),
                help: None,
                default_configuration: Configuration {
                    level: level(c.severity),
                },
            });
        }
    }
    let mut artifacts = Vec::new();
    let mut out = Vec::new();
    let mut notifications = Vec::new();
    for r in results {
        let index = artifacts.len();
        let location = |logical: Vec<LogicalLocation>| Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri(&r.path),
                    index,
                },
            },
            logical_locations: logical,
        };
        artifacts.push(Artifact {
            location: ArtifactLocation {
                uri: uri(&r.path),
                index,
            },
        });
        if let Status::Unreadable(u) = &r.status {
            let (reason, hint) = unreadable_text(u, lang);
            notifications.push(Notification {
                level: "error",
                message: text(format!(
                    "{} {}: {reason} ({}: {hint})",
                    w.cannot_read, r.path, w.hint
                )),
                locations: vec![location(vec![])],
                descriptor: Descriptor {
                    id: format!("unreadable.{}", unreadable_code(u.kind)),
                },
            });
        }
        for f in &r.findings {
            let logical = match (place(f), f.cells.first()) {
                (Some(p), Some(c)) if p.contains('!') => vec![LogicalLocation {
                    name: crate::safe::lines(&c.cell).into_owned(),
                    fully_qualified_name: crate::safe::lines(&p).into_owned(),
                    kind: "element",
                }],
                (Some(p), _) => vec![LogicalLocation {
                    name: crate::safe::lines(&p).into_owned(),
                    fully_qualified_name: crate::safe::lines(&p).into_owned(),
                    kind: "module",
                }],
                (None, _) => vec![],
            };
            let rule_index = match rules.iter().position(|x| x.id == f.rule) {
                Some(i) => i,
                None => {
                    rules.push(Rule {
                        id: f.rule.clone(),
                        short_description: text(f.rule.clone()),
                        full_description: None,
                        help: None,
                        default_configuration: Configuration {
                            level: level(f.severity),
                        },
                    });
                    rules.len() - 1
                }
            };
            out.push(SResult {
                rule_id: f.rule.clone(),
                rule_index,
                level: level(f.severity),
                message: text(f.message.clone()),
                locations: vec![location(logical)],
            });
        }
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "crossfoot",
                    version: env!("CARGO_PKG_VERSION"),
                    language: lang.code(),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                tool_execution_notifications: notifications,
            }],
            artifacts,
            results: out,
        }],
    };
    match crate::safe::json_pretty(&log) {
        Ok(s) => s + "\n",
        Err(e) => format!("{{\"error\": \"cannot write SARIF: {e}\"}}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_what_github_requires() {
        assert_eq!(gh_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(gh_property("M01!C7, x: y"), "M01!C7%2C x%3A y");
    }

    #[test]
    fn xml_text_is_escaped_and_has_no_forbidden_characters() {
        assert_eq!(xml("a<b & \"c\"\u{1b}"), "a&lt;b &amp; &quot;c&quot;\\x1b");
    }

    #[test]
    fn paths_are_uri_references() {
        assert_eq!(uri("samples/Biểu 1.xlsx"), "samples/Bi%E1%BB%83u%201.xlsx");
        assert_eq!(uri("a\\b#c"), "a/b%23c");
    }
}
