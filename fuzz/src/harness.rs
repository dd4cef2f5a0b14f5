//! What each fuzz target does with one input, shared by the libFuzzer targets in
//! `fuzz/fuzz_targets/` and by the regression tests in `tests/fuzz_regressions.rs` (which include
//! this file with `#[path]`), so that a crash input kept in `tests/fixtures/fuzz/<target>/` is
//! replayed by exactly the code that found it, in an ordinary `cargo test`.
//!
//! Every function here must return normally for every input; a panic (or an abort, a hang, an
//! allocation beyond libFuzzer's limits) is a bug in crossfoot. The harness also asserts a few
//! properties that must hold for any input (a number read from text is finite, the figures of
//! a finding are finite).

#![allow(dead_code)]

use crossfoot::check::check_workbook;
use crossfoot::finding::Finding;
use crossfoot::model::{Cell, CellRef, NumFmt, Sheet, Value, Workbook};
use crossfoot::read::load::{self, Limits};
use crossfoot::read::number::{parse_text_number, Locale};
use crossfoot::read::sniff::{self, Container, Sniffed};
use crossfoot::rules::{self, Pack, Source};
use std::fmt::Write as _;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Target `number`.

/// `number`: the input as text, read in both locales.
pub fn number(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for locale in [Locale::Vi, Locale::En] {
        if let Some(n) = parse_text_number(&text, locale) {
            assert!(
                n.value.is_finite(),
                "{text:?} ({locale:?}) read as {}",
                n.value
            );
            // The module documents that a negative zero reads as 0.
            assert!(
                n.value != 0.0 || n.value.is_sign_positive(),
                "{text:?} ({locale:?}) read as -0"
            );
            // A percent sign is reported only when one is there.
            assert!(
                !n.percent || text.contains(['%', '％']),
                "{text:?} ({locale:?}) read as a percentage"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Targets `rules` and `rules_expr`.

/// `rules`: the input is one whole rule file.
pub fn rules(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    compile_and_check(vec![Source {
        name: "f.toml".into(),
        text,
    }]);
}

/// The rule file of form T2 and T3 (and the pack settings), beside the fuzzed one: cross-form
/// references (`T2.total`) and record forms resolve.
pub const COMPANION: &str = r#"
[settings]
locale = "vi"
fold_diacritics = true
dash_is_zero = true
language = "en"
unit_name_label = "Unit"
unit_code_label = "Code"

[[settings.workbook]]
id = "fuzz"
forms = ["T1", "T2"]
missing_severity = "warning"

[form]
id = "T2"
name = "Fuzz form T2"
sheet = '^t2$'
labels = ["Total"]

[[column]]
id = "count"
header = "Count"
kind = "count"

[[row]]
id = "total"
label = "Total"
required = true

[[row]]
id = "start"
label = "Start"

[[row]]
id = "end"
label = "End"

[[check]]
id = "T2.chain"
expr = "end <= total"
message = "{found} {expected}"
"#;

/// Form T1, to which the fuzzed check is appended: every kind of column and of cell, rows in
/// sections, a cell by address and one by defined name.
pub const PREFIX: &str = r#"
[form]
id = "T1"
name = "Fuzz form T1"
sheet = '^t1$'
title = ["Fuzz form T1"]
labels = ["Total"]

[[column]]
id = "count"
header = "Count"
kind = "count"

[[column]]
id = "pct"
header = "Pct"
aliases = ["Percent"]
kind = "percent"

[[column]]
id = "val"
header = "Value"
kind = "number"
empty = "skip"

[[row]]
id = "total"
label = "Total"
required = true

[[row]]
id = "part"
label = "Parts"

[[row]]
id = "part.a"
label = "Part A"
under = "part"

[[row]]
id = "part.b"
label = "Part B"
under = "part"

[[row]]
id = "part.c"
label = "Part C"
under = "part"

[[row]]
id = "other"
label = "Other"

[[row]]
id = "bad"
label = "Bad"

[[row]]
id = "neg"
label = "Negative"

[[row]]
id = "half"
label = "Half"

[[row]]
id = "err"
label = "Error"

[[row]]
id = "empty"
label = "Empty"

[[row]]
id = "missing"
label = "Not in the sheet"

[[cell]]
id = "year"
at = "E1"
kind = "number"

[[cell]]
id = "yname"
label = "Year by name"
name = "ReportYear"
kind = "number"

[[check]]
id = "T1.sum"
expr = "sum(part.*) == total"
message = "{found} {expected} {difference}"

[[check]]
id = "T1.pct"
each = "part.*"
expr = "$[pct] == $ / total * 100"
message = "{label}: {found} {expected}"
"#;

/// Escapes `s` as a TOML basic string, quotes included.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The rule file `rules_expr` builds from its input: [`PREFIX`] and one check whose `expr`,
/// `when`, `each` and `message` are the input's parts separated by U+0001 (the missing ones
/// left out, the message defaulted).
pub fn expr_rule_file(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{1}');
    let expr = parts.next().unwrap_or("");
    let when = parts.next();
    let each = parts.next();
    let message = parts.next();
    let mut file = String::from(PREFIX);
    file.push_str("\n[[check]]\nid = \"fuzz\"\n");
    let _ = writeln!(file, "expr = {}", toml_string(expr));
    if let Some(w) = when.filter(|w| !w.is_empty()) {
        let _ = writeln!(file, "when = {}", toml_string(w));
    }
    if let Some(e) = each.filter(|e| !e.is_empty()) {
        let _ = writeln!(file, "each = {}", toml_string(e));
    }
    let message = message.unwrap_or("{label} {found} {expected} {difference} {cell}");
    let _ = writeln!(file, "message = {}", toml_string(message));
    file
}

/// `rules_expr`: the input as the expression (and `when`, `each`, message) of a check of a
/// valid form, so that most inputs reach the expression parser and the name resolution.
pub fn rules_expr(data: &[u8]) {
    compile_and_check(expr_sources(data));
}

/// The sources `rules_expr` compiles: [`COMPANION`] and the rule file [`expr_rule_file`] builds
/// from the input.
pub fn expr_sources(data: &[u8]) -> Vec<Source> {
    vec![
        Source {
            name: "companion.toml".into(),
            text: COMPANION.into(),
        },
        Source {
            name: "f.toml".into(),
            text: expr_rule_file(data),
        },
    ]
}

/// Compiles the sources; a pack that compiles checks [`small_workbook`], and rule-file errors
/// are rendered as the command line renders them.
pub fn compile_and_check(sources: Vec<Source>) {
    match rules::compile(&sources) {
        Ok(pack) => {
            let wb = small_workbook();
            let (_, findings, _) = check_workbook(&wb, "f.xlsx", &pack);
            assert_findings_sane(&findings);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without problems");
            for e in &errors {
                render(e);
            }
        }
    }
}

/// Renders a diagnostic with miette's graphical handler, as `crossfoot` does on stderr.
pub fn render(diag: &dyn miette::Diagnostic) -> String {
    let mut s = String::new();
    let _ = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .render_report(&mut s, diag);
    s
}

fn put(sheet: &mut Sheet, a1: &str, value: Value) {
    put_cell(sheet, a1, Cell::value(value));
}

fn put_cell(sheet: &mut Sheet, a1: &str, cell: Cell) {
    if let Some(at) = CellRef::parse_a1(a1) {
        sheet.cells.insert(at, cell);
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn num(v: f64) -> Value {
    Value::Number(v)
}

/// The workbook the fuzzed rules are checked on: sheets T1, T2 and T3 matching the forms of
/// [`PREFIX`] and [`COMPANION`], with every kind of value (numbers, numbers as text, a
/// percentage as a fraction with a percent format, a formula without a stored value, text,
/// an error, a negative and a fractional count, empty cells) and a defined name.
pub fn small_workbook() -> Workbook {
    let mut t1 = Sheet::new("T1");
    put(&mut t1, "A1", text("Fuzz form T1"));
    put(&mut t1, "D1", text("Year"));
    put(&mut t1, "E1", num(2021.0));
    put(&mut t1, "A2", text("Unit: Fuzz branch"));
    put(&mut t1, "C2", text("Code"));
    put(&mut t1, "D2", text("FZ-01"));
    put(&mut t1, "A3", text("Label"));
    put(&mut t1, "B3", text("Count"));
    put(&mut t1, "C3", text("Pct"));
    put(&mut t1, "D3", text("Value"));
    put(&mut t1, "A4", text("1. Total"));
    put(&mut t1, "B4", num(100.0));
    put(&mut t1, "D4", num(1.5));
    put(&mut t1, "A5", text("Parts:"));
    put(&mut t1, "A6", text("a) Part A"));
    put(&mut t1, "B6", num(40.0));
    put(&mut t1, "C6", num(40.0));
    put(&mut t1, "D6", num(-2.25));
    put(&mut t1, "A7", text("Part B"));
    put(&mut t1, "B7", text("35"));
    put(&mut t1, "C7", text("35,0%"));
    put(&mut t1, "D7", text("1.234,5"));
    put(&mut t1, "A8", text("Part C"));
    put(&mut t1, "B8", num(24.0));
    put_cell(
        &mut t1,
        "C8",
        Cell {
            value: num(0.2449),
            formula: None,
            fmt: NumFmt {
                percent: true,
                decimals: Some(2),
            },
        },
    );
    put(&mut t1, "A9", text("Other"));
    put_cell(
        &mut t1,
        "B9",
        Cell {
            value: Value::Empty,
            formula: Some("SUM(B6:B8)-B4".into()),
            fmt: NumFmt::default(),
        },
    );
    put(&mut t1, "C9", text("-"));
    put(&mut t1, "A10", text("Bad"));
    put(&mut t1, "B10", text("about 3"));
    put(&mut t1, "A11", text("Negative"));
    put(&mut t1, "B11", num(-3.0));
    put(&mut t1, "A12", text("Half"));
    put(&mut t1, "B12", num(2.5));
    put(&mut t1, "C12", num(1e300));
    put(&mut t1, "A13", text("Error"));
    put(&mut t1, "B13", Value::Error("#DIV/0!".into()));
    put(&mut t1, "C13", Value::Bool(true));
    put(&mut t1, "A14", text("Empty"));
    put(&mut t1, "D14", Value::Date("2021-12-31".into()));

    let mut t2 = Sheet::new("T2");
    put(&mut t2, "A1", text("Fuzz form T2"));
    put(&mut t2, "A3", text("Label"));
    put(&mut t2, "B3", text("Count"));
    put(&mut t2, "A4", text("Total"));
    put(&mut t2, "B4", num(100.0));
    put(&mut t2, "A5", text("Start"));
    put(&mut t2, "B5", num(90.0));
    put(&mut t2, "A6", text("End"));
    put(&mut t2, "B6", text("1.000"));

    let mut t3 = Sheet::new("Notes");
    put(&mut t3, "A1", text("Total"));
    put(&mut t3, "B1", text("Count"));

    Workbook {
        sheets: vec![t1, t2, t3],
        defined_names: vec![
            ("ReportYear".into(), "T1!$E$1".into()),
            ("Broken".into(), "'No such'!ZZZ0".into()),
        ],
    }
}

/// The figures of a finding are numbers a person can read: finite. (Set
/// `CROSSFOOT_FUZZ_ALLOW_NONFINITE=1` to fuzz on past a known failure of this property.)
pub fn assert_findings_sane(findings: &[Finding]) {
    static ALLOW: OnceLock<bool> = OnceLock::new();
    if *ALLOW.get_or_init(|| std::env::var_os("CROSSFOOT_FUZZ_ALLOW_NONFINITE").is_some()) {
        return;
    }
    for f in findings {
        for (what, v) in [
            ("expected", f.expected),
            ("actual", f.actual),
            ("difference", f.difference),
        ] {
            if let Some(v) = v {
                assert!(
                    v.is_finite(),
                    "finding {} ({}): {what} is {v}",
                    f.rule,
                    f.message
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Target `workbook`.

/// The limits of the `workbook` target.
pub const LIMITS: Limits = Limits {
    max_cells_per_sheet: 100_000,
    max_file_bytes: 10 << 20,
    max_unzipped_bytes: 64 << 20,
    max_sheets: 200,
    max_cells_total: 400_000,
};

/// The built-in rule pack, compiled once.
pub fn builtin_pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| match rules::compile(&rules::builtin_sources()) {
        Ok(p) => p,
        Err(e) => panic!("the built-in rule pack does not compile: {e:?}"),
    })
}

/// The file name the `workbook` target gives its input: named as what the content is, so that
/// the `.xls`, `.xlsb` and `.ods` readers are reached too (a name saying another format than
/// the content is refused before the reader runs).
pub fn name_for(data: &[u8]) -> &'static str {
    match sniff::sniff(data, "f.xlsx") {
        Sniffed::Workbook(Container::Xlsx) | Sniffed::Unreadable(_) => "f.xlsx",
        Sniffed::Workbook(Container::Xlsb) => "f.xlsb",
        Sniffed::Workbook(Container::Xls) => "f.xls",
        Sniffed::Workbook(Container::Ods) => "f.ods",
    }
}

/// `workbook`: the input is a workbook file, read and checked with the built-in pack, on a
/// thread with the stack `crossfoot check` gives each file (a rayon worker's).
pub fn workbook(data: &[u8]) {
    on_worker_stack(|| {
        let name = name_for(data);
        if let Ok(wb) = load::load_bytes(data, name, &LIMITS) {
            let (_, findings, _) = check_workbook(&wb, name, builtin_pack());
            assert_findings_sane(&findings);
        }
    });
}

/// The stack of the threads `crossfoot check` reads and checks files on (rayon's workers: the
/// default of a spawned thread), so that unbounded recursion shows as it would in a run.
pub const WORKER_STACK: usize = 2 << 20;

/// Runs `f` on a thread with [`WORKER_STACK`]; a panic in it is a panic here.
pub fn on_worker_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    on_stack(WORKER_STACK, f)
}

/// Runs `f` on a thread with a stack of `size` bytes; a panic in it is a panic here.
pub fn on_stack<R: Send>(size: usize, f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .stack_size(size)
            .spawn_scoped(s, f)
            .expect("a thread can be started");
        match handle.join() {
            Ok(r) => r,
            Err(e) => std::panic::resume_unwind(e),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Target `formula`.

/// The sheet the `formula` target evaluates its first line on: every further line is cell C1,
/// C2, … — a number when it reads as one, else a formula without a stored value (as in a
/// workbook written by a script), which the evaluator computes when another formula refers to it.
pub fn formula_sheet(text: &str) -> (String, Sheet) {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or("").to_string();
    let mut sheet = Sheet::new("S");
    for (i, line) in lines.take(256).enumerate() {
        let cell = match line.trim().parse::<f64>() {
            Ok(v) => Cell::value(Value::Number(v)),
            Err(_) => Cell {
                value: Value::Empty,
                formula: Some(line.to_string()),
                fmt: NumFmt::default(),
            },
        };
        sheet.cells.insert(CellRef::new(i as u32, 2), cell);
    }
    (first, sheet)
}

/// `formula`: the formula evaluator (formulas without a stored result), on a worker's stack.
pub fn formula(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (first, sheet) = formula_sheet(&text);
    on_worker_stack(|| {
        if let Some(v) = crossfoot::check::formula::evaluate(&sheet, &first) {
            assert!(v.is_finite(), "{first:?} evaluates to {v}");
        }
    });
}

/// Under libFuzzer a panic aborts the process (libfuzzer-sys installs a hook that does), even
/// one that crossfoot catches on purpose: the reader (calamine) panicking on a damaged file is
/// contained by `load_bytes` and reported as unreadable. This hook lets such a panic unwind to
/// crossfoot's `catch_unwind` and keeps every other panic fatal.
pub fn let_reader_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fatal = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !load::in_reader() {
                fatal(info);
            }
        }));
    });
}
