//! The reports CI tools read (`--format github|junit|sarif`): snapshots of the samples in both
//! languages, the JUnit read back with an XML parser, the SARIF validated against the
//! published SARIF 2.1.0 JSON schema (tests/fixtures/sarif-2.1.0-rtm.5.json, as the npm
//! package @microsoft/jest-sarif ships it, MIT).

use serde_json::Value;
use std::process::{Command, Output};

fn crossfoot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The samples and an unreadable file (a web page with an .xls name).
fn inputs(dir: &std::path::Path) -> Vec<String> {
    let page = dir.join("branch-12.xls");
    std::fs::write(
        &page,
        "<html><body><table><tr><td>1</td></tr></table></body></html>",
    )
    .unwrap();
    vec!["samples/".to_string(), page.to_string_lossy().into_owned()]
}

fn run(format: &str, lang: &str) -> (String, Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["check", "--format", format, "--lang", lang];
    let paths = inputs(dir.path());
    args.extend(paths.iter().map(String::as_str));
    let out = crossfoot(&args);
    let tmp = dir.path().to_string_lossy().into_owned();
    (
        stdout(&out).replace(&tmp, "[tmp]"),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn github_workflow_commands_of_the_samples() {
    for lang in ["vi", "en"] {
        let (text, code, _) = run("github", lang);
        assert_eq!(code, Some(2), "an unreadable input: exit 2");
        for line in text.lines() {
            assert!(
                line.starts_with("::error file=")
                    || line.starts_with("::warning file=")
                    || line.starts_with("::notice file="),
                "{line}"
            );
            let (props, _) = line[2..].split_once("::").unwrap();
            let (_, props) = props.split_once(' ').unwrap();
            // Properties: `name=value` separated by commas, no raw comma or colon inside.
            for p in props.split(',') {
                let (k, v) = p.split_once('=').unwrap();
                assert!(["file", "title"].contains(&k), "{line}");
                assert!(!v.contains(':'), "{line}");
            }
        }
        insta::assert_snapshot!(format!("github_{lang}"), text);
    }
}

#[test]
fn junit_of_the_samples_is_read_by_an_xml_parser() {
    use quick_xml::events::Event;
    for lang in ["vi", "en"] {
        let (text, _, _) = run("junit", lang);
        let mut reader = quick_xml::Reader::from_str(&text);
        let (mut suites, mut cases, mut failures, mut errors) = (0, 0, 0, 0);
        let mut declared = (0, 0, 0);
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let attr = |name: &str| -> usize {
                        e.try_get_attribute(name)
                            .unwrap()
                            .map(|a| {
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .parse()
                                    .unwrap()
                            })
                            .unwrap_or(0)
                    };
                    let name = e.name();
                    let name: &str = name.as_ref();
                    match name {
                        "testsuites" => {
                            declared = (attr("tests"), attr("failures"), attr("errors"))
                        }
                        "testsuite" => suites += 1,
                        "testcase" => cases += 1,
                        "failure" => failures += 1,
                        "error" => errors += 1,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        assert_eq!(suites, 13, "one suite per workbook");
        assert_eq!(declared.0, cases);
        assert_eq!(errors, 1, "the unreadable file");
        assert_eq!(declared.2, errors);
        // A failure per finding: as many as the JSON report has findings.
        let dir = tempfile::tempdir().unwrap();
        let paths = inputs(dir.path());
        let json = stdout(&crossfoot(&[
            "check", "--format", "json", &paths[0], &paths[1],
        ]));
        let doc: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(failures, doc["findings"].as_array().unwrap().len());
        assert!(declared.1 <= failures && declared.1 > 0);
        insta::assert_snapshot!(format!("junit_{lang}"), text);
    }
}

#[test]
fn sarif_of_the_samples_is_valid_sarif_2_1_0() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif-2.1.0-rtm.5.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for lang in ["vi", "en"] {
        let (text, _, _) = run("sarif", lang);
        let doc: Value = serde_json::from_str(&text).expect("one JSON document");
        let mut errors = Vec::new();
        validate(&schema, &schema, &doc, "$", &mut errors);
        assert!(errors.is_empty(), "{lang}: {errors:#?}");
        let run = &doc["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.iter().any(|r| r["id"] == "value.required"));
        assert!(rules.iter().any(|r| r["id"] == "M01.gender-split"));
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
        let gender = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "M01.gender-split")
            .unwrap();
        let at = &gender["locations"][0];
        assert_eq!(
            at["physicalLocation"]["artifactLocation"]["uri"],
            "samples/branch-gender-split.xlsx"
        );
        assert_eq!(
            at["logicalLocations"][0]["fullyQualifiedName"],
            "M01-SoLuong!C13"
        );
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        assert_eq!(notes.len(), 1, "the unreadable file");
        assert_eq!(notes[0]["descriptor"]["id"], "unreadable.html");
        insta::assert_snapshot!(
            format!("sarif_{lang}"),
            text.replace(env!("CARGO_PKG_VERSION"), "[version]")
        );
    }
    // The validator itself finds mistakes.
    let mut errors = Vec::new();
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]});
    validate(&schema, &schema, &bad, "$", &mut errors);
    assert!(errors.iter().any(|e| e.contains("name")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("fatal")), "{errors:?}");
}

/// A JSON schema (draft 4) validator for what the SARIF schema uses: `$ref` into
/// `#/definitions`, `type`, `required`, `properties`, `additionalProperties`, `items`,
/// `enum`, `minItems`, `uniqueItems`, `minimum`, `maximum`, `pattern`, `anyOf`, `oneOf`
/// (`format` is not checked).
fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/definitions/").expect("a local $ref");
        return validate(root, &root["definitions"][name], v, at, errors);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: not of type {types:?}: {v}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
        if let Some(s) = v.as_str() {
            if !regex::Regex::new(p).unwrap().is_match(s) {
                errors.push(format!("{at}: {s:?} does not match {p}"));
            }
        }
    }
    if let Some(n) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if n < min {
                errors.push(format!("{at}: {n} < {min}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if n > max {
                errors.push(format!("{at}: {n} > {max}"));
            }
        }
    }
    for (key, one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let passing = options
                .iter()
                .filter(|o| {
                    let mut e = Vec::new();
                    validate(root, o, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if passing == 0 || (one && passing > 1) {
                errors.push(format!("{at}: {passing} of the {key} options hold"));
            }
        }
    }
    if let Some(a) = v.as_array() {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
            if (a.len() as u64) < min {
                errors.push(format!("{at}: fewer than {min} items"));
            }
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, x) in a.iter().enumerate() {
                if a[..i].contains(x) {
                    errors.push(format!("{at}[{i}]: a repeated item"));
                }
            }
        }
        if let Some(items) = schema.get("items") {
            for (i, x) in a.iter().enumerate() {
                validate(root, items, x, &format!("{at}[{i}]"), errors);
            }
        }
    }
    if let Some(o) = v.as_object() {
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap();
            if !o.contains_key(r) {
                errors.push(format!("{at}: the required property {r} is missing"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(root, s, x, &format!("{at}.{k}"), errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{at}: the property {k} is not allowed"))
                    }
                    Some(s @ Value::Object(_)) => {
                        validate(root, s, x, &format!("{at}.{k}"), errors)
                    }
                    _ => {}
                },
            }
        }
    }
}
