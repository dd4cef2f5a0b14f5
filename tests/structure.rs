//! The import structure of `src/`, read from the code: no circle among modules, and no writer
//! imports a checking stage (issue 22). An edge is a path naming a module of the crate —
//! `crate::…`, `super::…`, `self::…` in the library, also `crossfoot::…` in the binary (`main.rs`
//! and its own modules under `cli/`) — outside
//! comments, string literals and `#[cfg(test)]` modules (a test may build its fixtures with
//! any stage). The old flat paths that `lib.rs` re-exports (`crate::load`, …) are resolved to
//! the module they name. And text ids (`explain.note`, …) are named by their type at call sites,
//! never written as strings outside the registry (issue 22).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The modules whose code writes outputs: they read results, never produce them (the review
/// desk, wherever it stands, is one more).
const WRITERS: &[&str] = &["write", "desk", "serve"];
/// The binary: `main.rs` and its own modules (`mod cli;` of main.rs), which name the library
/// as `crossfoot::…`.
const BINARY: &[&str] = &["main", "cli"];
/// The checking stages: what writers must not import.
const STAGES: &[&str] = &["check", "explain::localise", "run"];

/// Source with comments, string and char literals blanked (replaced by spaces, newlines kept).
fn code_only(src: &str) -> String {
    scan(src, &mut |lit, out| {
        out.extend(lit.chars().map(|ch| if ch == '\n' { '\n' } else { ' ' }))
    })
}

/// Source without its comments and char literals; each string literal's text (as written,
/// between its quotes) is given to `literal`, which writes what stands for it.
fn scan(src: &str, literal: &mut dyn FnMut(&str, &mut String)) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut lit = String::new();
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if c[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            lit.clear();
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                lit.push(c[j]);
                j += 1;
            }
            literal(&lit, &mut out);
            i = j;
        } else if c[i] == '"' {
            i += 1;
            lit.clear();
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    lit.push(c[i]);
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    lit.push(ch);
                }
                i += 1;
            }
            literal(&lit, &mut out);
            i += 1;
        } else if c[i] == '\'' {
            // A char literal ('x', '\n', '\u{…}'), or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                out.push(c[i]);
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The code without its `#[cfg(test)]` items (the attribute to the end of the item's braces).
fn without_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item ends at its closing brace, or at a `;` before any brace.
        let open = after.find('{');
        let semi = after.find(';');
        let end = match (open, semi) {
            (Some(o), Some(s)) if s < o => s + 1,
            (Some(o), _) => {
                let mut depth = 0;
                let mut end = after.len();
                for (k, ch) in after[o..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = o + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every path a `root::` prefix starts (`root` is `crate`, `super`, `self` or `crossfoot`),
/// use trees (`crate::{a, b::{c, d}}`) expanded; each as its segments after the root.
fn paths_after(code: &str, root: &str) -> Vec<Vec<String>> {
    let c: Vec<char> = code.chars().collect();
    let pat: Vec<char> = format!("{root}::").chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + pat.len() <= c.len() {
        let starts_word = i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if starts_word && c[i..i + pat.len()] == pat[..] {
            let mut j = i + pat.len();
            tree(&c, &mut j, Vec::new(), &mut out);
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Reads a use tree at `c[*j]` under `prefix` into `out`.
fn tree(c: &[char], j: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let skip_ws = |j: &mut usize| {
        while *j < c.len() && c[*j].is_whitespace() {
            *j += 1;
        }
    };
    let mut path = prefix;
    loop {
        skip_ws(j);
        if c.get(*j) == Some(&'{') {
            *j += 1;
            loop {
                skip_ws(j);
                if c.get(*j) == Some(&'}') {
                    *j += 1;
                    break;
                }
                tree(c, j, path.clone(), out);
                skip_ws(j);
                match c.get(*j) {
                    Some(',') => *j += 1,
                    Some('}') => {
                        *j += 1;
                        break;
                    }
                    _ => return,
                }
            }
            return;
        }
        let start = *j;
        while *j < c.len() && (c[*j].is_alphanumeric() || c[*j] == '_') {
            *j += 1;
        }
        if start == *j {
            break;
        }
        path.push(c[start..*j].iter().collect());
        if c.get(*j) == Some(&':') && c.get(*j + 1) == Some(&':') {
            *j += 2;
        } else {
            break;
        }
    }
    if !path.is_empty() {
        out.push(path);
    }
}

/// The module of each file of `src/` (`read::load`, `check` for `check/mod.rs`; `main` for
/// the binary), with its code.
fn modules(src: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        let name = parts.join("::");
        let text = std::fs::read_to_string(&f).unwrap();
        out.insert(name, text);
    }
    out
}

/// `pub use a::{b, c};` and `pub use a::b;` of lib.rs: the flat name (`b`) → the module
/// (`a::b`).
fn aliases(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let code = code_only(lib);
    for stmt in code.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        // `pub use x::{…}` names no root; read it as `crate::x::{…}`.
        for path in paths_after(&format!("crate::{rest}"), "crate") {
            if let Some(last) = path.last() {
                out.insert(last.clone(), path.join("::"));
            }
        }
    }
    out
}

/// The module a path names: its longest prefix that is a module (after the aliases).
fn resolve(
    path: &[String],
    known: &BTreeSet<String>,
    aliases: &BTreeMap<String, String>,
) -> Option<String> {
    let mut segs: Vec<String> = path.to_vec();
    if let Some(first) = segs.first() {
        if !known.contains(first) {
            if let Some(real) = aliases.get(first) {
                let mut v: Vec<String> = real.split("::").map(str::to_string).collect();
                v.extend(segs.drain(1..));
                segs = v;
            }
        }
    }
    (1..=segs.len())
        .rev()
        .map(|n| segs[..n].join("::"))
        .find(|m| known.contains(m))
}

/// The modules each module imports.
fn edges(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(src);
    let known: BTreeSet<String> = mods
        .keys()
        .filter(|m| *m != "lib" && *m != "main")
        .cloned()
        .collect();
    let aliases = aliases(&mods["lib"]);
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, text) in &mods {
        if name == "lib" {
            continue;
        }
        let code = without_tests(&code_only(text));
        let own: Vec<&str> = name.split("::").collect();
        // `super::` is the parent of a file's module: for `run::marked`, `run`; for
        // `check` (check/mod.rs), the crate.
        let parent: Vec<String> = own[..own.len().saturating_sub(1)]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut found: Vec<Vec<String>> = Vec::new();
        if within(name, BINARY) {
            found.extend(paths_after(&code, "crossfoot"));
        }
        found.extend(paths_after(&code, "crate"));
        for p in paths_after(&code, "super") {
            let mut v = parent.clone();
            v.extend(p);
            found.push(v);
        }
        for p in paths_after(&code, "self") {
            let mut v: Vec<String> = own.iter().map(|s| s.to_string()).collect();
            v.extend(p);
            found.push(v);
        }
        let set = out.entry(name.clone()).or_default();
        for p in found {
            if let Some(m) = resolve(&p, &known, &aliases) {
                if m != *name {
                    set.insert(m);
                }
            }
        }
    }
    out
}

/// The circles of the graph (its strongly connected components of more than one module).
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: finishing order on the graph, then components on the reversed graph.
    fn dfs(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if !seen.insert(n.to_string()) {
            return;
        }
        for m in g.get(n).into_iter().flatten() {
            dfs(m, g, seen, out);
        }
        out.push(n.to_string());
    }
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for n in g.keys() {
        dfs(n, g, &mut seen, &mut order);
    }
    let mut rev: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, bs) in g {
        for b in bs {
            rev.entry(b.clone()).or_default().insert(a.clone());
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for n in order.iter().rev() {
        let mut comp = Vec::new();
        dfs(n, &rev, &mut seen, &mut comp);
        if comp.len() > 1 {
            comp.sort();
            out.push(comp);
        }
    }
    out
}

fn within(m: &str, tops: &[&str]) -> bool {
    tops.iter()
        .any(|t| m == *t || m.starts_with(&format!("{t}::")))
}

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_import_circle_among_modules() {
    let g = edges(&src());
    assert!(g.len() > 30, "too few modules read: {:?}", g.keys());
    let found = circles(&g);
    assert!(
        found.is_empty(),
        "modules that import one another in a circle: {found:#?}"
    );
}

#[test]
fn no_writer_imports_a_checking_stage() {
    let g = edges(&src());
    let writers: Vec<&String> = g.keys().filter(|m| within(m, WRITERS)).collect();
    assert!(writers.len() >= 8, "writers not found: {writers:?}");
    let wrong: Vec<String> = writers
        .iter()
        .flat_map(|w| {
            g[*w]
                .iter()
                .filter(|m| within(m, STAGES))
                .map(move |m| format!("{w} → {m}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "writers importing a checking stage: {wrong:#?}"
    );
}

#[test]
fn edges_are_read_from_code_not_comments_or_strings() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("write")).unwrap();
    std::fs::create_dir_all(src.join("check")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod check;\npub use check::eval;\n").unwrap();
    std::fs::write(src.join("check/mod.rs"), "pub mod eval;\n").unwrap();
    std::fs::write(
        src.join("check/eval.rs"),
        "// use crate::write::out;\nconst S: &str = \"crate::write::out\";\nconst R: &str = r#\"crate::write\"#;\nfn f<'a>(c: char) -> bool { c == '\"' }\n",
    )
    .unwrap();
    std::fs::write(
        src.join("write/out.rs"),
        "use crate::{model, eval::{Reason, x}};\n/* crate::check */\n#[cfg(test)]\nmod tests { use crate::check; }\n",
    )
    .unwrap();
    std::fs::write(src.join("write/mod.rs"), "pub mod out;\n").unwrap();
    std::fs::write(src.join("model.rs"), "use super::check::eval::X;\n").unwrap();
    let g = edges(src);
    assert!(g["check::eval"].is_empty(), "{g:?}");
    assert_eq!(
        g["write::out"],
        BTreeSet::from(["check::eval".to_string(), "model".to_string()]),
        "the alias `eval` resolves to check::eval; the test module is not an edge"
    );
    assert_eq!(g["model"], BTreeSet::from(["check::eval".to_string()]));
    assert!(circles(&g).is_empty());
    // A circle is found: check::eval → write::out → model → check::eval.
    std::fs::write(src.join("check/eval.rs"), "use crate::write::out;\n").unwrap();
    let g = edges(src);
    assert_eq!(
        circles(&g),
        vec![vec![
            "check::eval".to_string(),
            "model".to_string(),
            "write::out".to_string()
        ]]
    );
}

/// The binary is thin: `main.rs` parses the arguments, dispatches and decides the exit status;
/// the arguments and the building of each command's run and outputs are in its `cli/` modules,
/// which the library does not declare.
#[test]
fn main_rs_is_thin() {
    let main = std::fs::read_to_string(src().join("main.rs")).unwrap();
    let lines = main.lines().count();
    assert!(lines < 500, "src/main.rs has {lines} lines (at most 499)");
    assert!(
        code_only(&main).contains("mod cli;"),
        "main.rs declares its own modules"
    );
    let lib = code_only(&std::fs::read_to_string(src().join("lib.rs")).unwrap());
    assert!(
        !lib.contains("mod cli"),
        "the binary's modules are not the library's"
    );
    // The exit status is decided in one place: main.rs turns the command's status into the
    // process's exit code once; the commands give an `Exit`.
    let code = without_tests(&code_only(&main));
    assert_eq!(code.matches("ExitCode::from(").count(), 1, "{code}");
    for (name, text) in modules(&src()) {
        if within(&name, &["cli"]) {
            assert!(
                !code_only(&text).contains("ExitCode"),
                "{name}: a command gives an Exit, main decides the exit code"
            );
        }
    }
}

/// The string literals of a file's code outside comments and `#[cfg(test)]` items.
fn literals_outside_tests(src: &str) -> Vec<String> {
    let mut lits: Vec<String> = Vec::new();
    // Each literal stands as `§n§` in the code (no brace, no semicolon: `without_tests` reads
    // the items around it as before).
    let code = scan(src, &mut |lit, out| {
        out.push_str(&format!("§{}§", lits.len()));
        lits.push(lit.to_string());
    });
    without_tests(&code)
        .split('§')
        .skip(1)
        .step_by(2)
        .filter_map(|n| n.parse::<usize>().ok())
        .map(|n| lits[n].clone())
        .collect()
}

/// The modules that are tests as a whole: a file declared `#[cfg(test)] mod name;`.
fn test_modules(mods: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, text) in mods {
        let code = code_only(text);
        let mut rest = code.as_str();
        while let Some(at) = rest.find("#[cfg(test)]") {
            rest = &rest[at + "#[cfg(test)]".len()..];
            let item: Vec<&str> = rest.split_whitespace().take(2).collect();
            if let [m, child] = item[..] {
                if m == "mod" {
                    if let Some(child) = child.strip_suffix(';') {
                        let parent = if name == "lib" || name == "main" {
                            String::new()
                        } else {
                            format!("{name}::")
                        };
                        out.insert(format!("{parent}{child}"));
                    }
                }
            }
        }
    }
    out
}

/// Whether a string literal is a text id of the registry written out: one of `ids`, or shaped
/// like one (a prefix the registry's ids use, a dot, a kebab-case name) and either hyphenated
/// as ids are or a misspelling of one (at most two letters off). `workbook.xml` is neither.
fn bare_id(lit: &str, ids: &BTreeSet<&str>) -> bool {
    if ids.contains(lit) {
        return true;
    }
    let Some((prefix, name)) = lit.split_once('.') else {
        return false;
    };
    let prefixes: BTreeSet<&str> = ids
        .iter()
        .filter_map(|id| id.split_once('.'))
        .map(|(p, _)| p)
        .collect();
    let kebab = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    prefixes.contains(prefix)
        && kebab
        && (name.contains('-') || ids.iter().any(|id| strsim::levenshtein(id, lit) <= 2))
}

/// The bare text ids of each module but the registry's (which defines them), outside tests.
fn bare_ids(src: &Path, ids: &BTreeSet<&str>) -> Vec<String> {
    let mods = modules(src);
    let tests = test_modules(&mods);
    let mut out = Vec::new();
    for (name, text) in &mods {
        if name == "registry" || tests.contains(name) {
            continue;
        }
        for lit in literals_outside_tests(text) {
            if bare_id(&lit, ids) {
                out.push(format!("{name}: \"{lit}\""));
            }
        }
    }
    out
}

#[test]
fn no_bare_text_id_at_a_call_site() {
    let ids: BTreeSet<&str> = crossfoot::registry::known_ids().collect();
    assert!(
        ids.len() > 60,
        "too few ids read from the registry: {ids:?}"
    );
    let found = bare_ids(&src(), &ids);
    assert!(
        found.is_empty(),
        "text ids written as strings outside the registry (name them by their type, \
         registry::Kind or registry::TextId): {found:#?}"
    );
}

#[test]
fn bare_ids_are_read_from_code_not_comments_or_tests() {
    let ids: BTreeSet<&str> = ["explain.most-likely", "value.required", "slip.sign"]
        .into_iter()
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("check")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "pub mod check;\npub mod registry;\n#[cfg(test)]\nmod fixtures;\n",
    )
    .unwrap();
    std::fs::write(
        src.join("registry.rs"),
        "const A: &str = \"explain.most-likely\";\n",
    )
    .unwrap();
    std::fs::write(
        src.join("fixtures.rs"),
        "const A: &str = \"value.required\";\n",
    )
    .unwrap();
    std::fs::write(
        src.join("check/mod.rs"),
        "// \"explain.most-likely\"\n/* \"slip.sign\" */\nfn f() { g(\"slip.sing\"); h(r#\"explain.most-likly\"#); open(\"workbook.xml\"); k(\"value.new-kind\"); }\n#[cfg(test)]\nmod tests { const B: &str = \"value.required\"; }\nfn l() { m(\"value.required\") }\n",
    )
    .unwrap();
    assert_eq!(
        bare_ids(src, &ids),
        vec![
            "check: \"slip.sing\"".to_string(),
            "check: \"explain.most-likly\"".to_string(),
            "check: \"value.new-kind\"".to_string(),
            "check: \"value.required\"".to_string(),
        ],
        "a misspelling, a raw string, an id-shaped new name and an id are found; comments, \
         tests, the registry and a file name are not"
    );
    assert!(!bare_id("workbook.xml", &ids) && !bare_id("explain", &ids));
}

/// Functions longer than this are hard to read whole; each that is longer is on [`LONG`], to
/// be broken up (issue 22).
const MAX_FN_LINES: usize = 150;

/// The non-test functions of `src/` over [`MAX_FN_LINES`] lines today (13) (file, function): the
/// debt, to shrink. A function that grows past the limit is refused; one that is broken up
/// leaves the list.
const LONG: &[(&str, &str)] = &[
    ("check/locate.rs", "locate_form_carrying"),
    ("desk/pages.rs", "submission"),
    ("explain/lint.rs", "lint"),
    ("read/sniff.rs", "sniff_zip_entries"),
    ("rules/compile.rs", "lower"),
    ("rules/load.rs", "merge_settings"),
    ("run/links.rs", "link_files"),
    ("run/mod.rs", "check"),
    ("write/annotate.rs", "write_copy"),
    ("write/annotate.rs", "write_findings"),
    ("write/annotate.rs", "write_summary"),
    ("write/mark.rs", "edit"),
    ("write/mark.rs", "edit_package"),
];

/// Every function of `code` (comments and strings blanked) with its length in lines, from its
/// `fn` to its closing brace; declarations without a body are left out.
fn function_lengths(code: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 3 <= c.len() {
        let starts_word = i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if !(starts_word && c[i] == 'f' && c[i + 1] == 'n' && c[i + 2] == ' ') {
            i += 1;
            continue;
        }
        let mut j = i + 3;
        let name_start = j;
        while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_') {
            j += 1;
        }
        let name: String = c[name_start..j].iter().collect();
        // The body's opening brace, unless a `;` ends a declaration first.
        while j < c.len() && c[j] != '{' && c[j] != ';' {
            j += 1;
        }
        if name.is_empty() || j >= c.len() || c[j] == ';' {
            i = j.max(i + 1);
            continue;
        }
        let mut depth = 0;
        let mut end = j;
        for (k, &ch) in c.iter().enumerate().skip(j) {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let lines = c[i..=end].iter().filter(|&&ch| ch == '\n').count() + 1;
        out.push((name, lines));
        // Functions inside this one are measured too.
        i = j + 1;
    }
    out
}

#[test]
fn no_new_function_over_150_lines() {
    let src = src();
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&src, &mut files);
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // A whole file of tests (`#[cfg(test)] mod tests;`) is no code of the program.
        if rel.ends_with("/tests.rs") {
            continue;
        }
        let code = without_tests(&code_only(&std::fs::read_to_string(&f).unwrap()));
        for (name, lines) in function_lengths(&code) {
            if lines > MAX_FN_LINES {
                found.insert((rel.clone(), name));
            }
        }
    }
    let listed: BTreeSet<(String, String)> = LONG
        .iter()
        .map(|(f, n)| (f.to_string(), n.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&listed).collect();
    assert!(
        new.is_empty(),
        "functions over {MAX_FN_LINES} lines: break them into functions with names: {new:#?}"
    );
    let gone: Vec<_> = listed.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "no longer over {MAX_FN_LINES} lines (or renamed): take them off LONG: {gone:#?}"
    );
}

#[test]
fn function_lengths_are_read_from_the_code() {
    let code = "fn a() {\n    let x = 1;\n}\ntrait T { fn d(&self); }\nfn b(f: fn(u8)) -> u8 {\n    fn c() {}\n    1\n}\n";
    assert_eq!(
        function_lengths(code),
        vec![
            ("a".to_string(), 3),
            ("b".to_string(), 4),
            ("c".to_string(), 1)
        ]
    );
}
