//! What a run is given: the paths on the command line expanded into the files to read.
//!
//! Every file given or found under a given folder is accounted for: it is read (and, if it is
//! not a workbook, reported as such by its content), or reported without being read with the
//! reason (a folder that cannot be read, a symbolic link not followed, a special file, folders
//! nested too deep). Only spreadsheet lock files (`~$…`), hidden dot-files and
//! operating-system litter are passed over, and they are counted. Files are told apart by what
//! they are (device and inode on Unix), never by how their names display.

use crate::read::sniff::{Unreadable, UnreadableKind};
use std::path::{Path, PathBuf};

/// Folders nested deeper than this under a given folder are not walked (and are reported).
pub const MAX_DEPTH: usize = 32;

/// The extensions of the workbooks crossfoot reads (for messages; content decides).
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// What a file is, whatever its name: device and inode on Unix, the canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileId {
    Inode(u64, u64),
    Path(PathBuf),
}

impl FileId {
    /// The identity of the file at `path` (following symbolic links), if it exists.
    pub fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Self::from_meta(path, &meta))
    }

    fn from_meta(path: &Path, meta: &std::fs::Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path;
            FileId::Inode(meta.dev(), meta.ino())
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileId::Path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()))
        }
    }
}

/// One input of a run.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    /// The path as reports show it (bytes that are not UTF-8 written as `\xNN`, so that two
    /// files never show alike).
    pub shown: String,
    /// What the file is, when it could be found.
    pub id: Option<FileId>,
    /// Why it is reported without being read (a folder that cannot be read, a link not
    /// followed, a special file, a folder nested too deep). Boxed: few inputs have one, and a
    /// run holds the list of all of them (48 bytes less an input; about 1 MB at 20,000).
    pub problem: Option<Box<Unreadable>>,
    /// The input (as shown) that is the same file under another name (a hard link, a
    /// symbolic link given by name): this one is listed, not read again.
    pub same_as: Option<String>,
}

impl Input {
    /// An input for `path` as given, to be read.
    pub fn file(path: PathBuf) -> Input {
        Input {
            shown: shown(&path),
            id: FileId::of(&path),
            path,
            problem: None,
            same_as: None,
        }
    }

    fn problem(path: PathBuf, kind: UnreadableKind, reason: String, hint: &str) -> Input {
        Input {
            shown: shown(&path),
            id: None,
            path,
            problem: Some(Box::new(Unreadable {
                kind,
                reason,
                hint: hint.to_string(),
            })),
            same_as: None,
        }
    }
}

pub use crate::result::PassedOver;

/// The inputs of a run, in path order.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub files: Vec<Input>,
    pub passed_over: PassedOver,
}

impl Inputs {
    /// Whether `id` is one of the inputs.
    pub fn contains(&self, id: &FileId) -> bool {
        self.files.iter().any(|f| f.id.as_ref() == Some(id))
    }
}

pub use crate::read::files::shown;

/// `--previous` names nothing to compare with.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{}", crate::messages::render(crate::registry::DiagWords::of(*.lang).previous_empty, &[("paths", .paths), ("reason", .reason)]))]
#[diagnostic(code(crossfoot::previous))]
pub struct PreviousEmpty {
    pub paths: String,
    pub reason: String,
    #[help]
    pub help: String,
    /// The language it is said in.
    pub lang: crate::registry::Lang,
}

/// Last year's workbooks, when given: refused before any checking when they name nothing.
pub fn previous(
    paths: &[PathBuf],
    lang: crate::registry::Lang,
) -> Result<Option<Inputs>, PreviousEmpty> {
    if paths.is_empty() {
        return Ok(None);
    }
    let prev = collect(paths);
    let shown: Vec<String> = paths
        .iter()
        .map(|p| crate::text::visible(&shown(p), 500, lang).into_owned())
        .collect();
    let w = crate::registry::DiagWords::of(lang);
    let reason = if prev.files.is_empty() {
        Some(w.previous_nothing.to_string())
    } else if prev.files.iter().all(|f| f.problem.is_some()) {
        prev.files
            .iter()
            .find_map(|f| f.problem.as_ref())
            .map(|p| crate::messages::unreadable_text(p, lang).0.into_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(PreviousEmpty {
            paths: shown.join(" "),
            reason,
            help: w.previous_help.to_string(),
            lang,
        }),
        None => Ok(Some(prev)),
    }
}

/// Expands the given paths: files as they are (a file named explicitly is read whatever its
/// name), folders walked for every file in them. A path that does not exist is kept: it is
/// reported as missing. A path given or found again is listed once; a file found again under
/// another name (a hard link, a symbolic link named) is listed under each name, read under
/// the first only ([`Input::same_as`]).
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    for p in paths {
        let mut found = Vec::new();
        if p.is_dir() {
            walk(p, &mut found, &mut inputs.passed_over, 0);
            // In place: the paths of one walk are all different, so no order between equals
            // is lost, and no buffer of half the list is taken.
            found.sort_unstable_by(|a: &Input, b: &Input| a.path.cmp(&b.path));
        } else {
            found.push(given_file(p));
        }
        if inputs.files.is_empty() {
            inputs.files = found;
        } else {
            inputs.files.append(&mut found);
        }
    }
    // Told apart by their places in the list, not by copies of their paths and identities: a
    // run of many files holds their list once.
    drop_repeated_paths(&mut inputs.files);
    mark_same_files(&mut inputs.files);
    inputs
}

/// A path listed again (given twice, or given and found in a folder given): only its first
/// listing is kept.
fn drop_repeated_paths(files: &mut Vec<Input>) {
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by(|&a, &b| files[a].path.cmp(&files[b].path).then(a.cmp(&b)));
    let mut again = vec![false; files.len()];
    for w in order.windows(2) {
        if let [first, next] = *w {
            if files[first].path == files[next].path {
                again[next] = true;
            }
        }
    }
    let mut at = 0;
    files.retain(|_| {
        at += 1;
        !again[at - 1]
    });
}

/// A file listed under several names (a hard link, a symbolic link named): each listing after
/// the first names the first ([`Input::same_as`]).
fn mark_same_files(files: &mut [Input]) {
    let mut order: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].id.is_some())
        .collect();
    order.sort_by(|&a, &b| files[a].id.cmp(&files[b].id).then(a.cmp(&b)));
    let mut first: Option<usize> = None;
    for i in order {
        match first {
            Some(f) if files[f].id == files[i].id => {
                let shown = files[f].shown.clone();
                files[i].same_as = Some(shown);
            }
            _ => first = Some(i),
        }
    }
}

/// A path given on the command line that is not a folder.
fn given_file(p: &Path) -> Input {
    match std::fs::metadata(p) {
        Err(e) => Input::problem(
            p.to_path_buf(),
            UnreadableKind::Missing,
            open_error(&e),
            "check the path",
        ),
        Ok(meta) if !meta.is_file() => Input::problem(
            p.to_path_buf(),
            UnreadableKind::NotRegular,
            format!("not a regular file ({})", special_kind(&meta.file_type())),
            "name the workbook file itself",
        ),
        Ok(meta) => Input {
            shown: shown(p),
            id: Some(FileId::from_meta(p, &meta)),
            path: p.to_path_buf(),
            problem: None,
            same_as: None,
        },
    }
}

pub use crate::read::files::{open_error, special_kind};

/// Whether a file found in a folder is passed over, and as what.
fn passed_over(name: &std::ffi::OsStr) -> Option<fn(&mut PassedOver)> {
    let name = name.to_string_lossy();
    let lower = name.to_lowercase();
    if name.starts_with("~$") {
        Some(|p| p.lock_files += 1)
    } else if matches!(lower.as_str(), "thumbs.db" | "desktop.ini" | ".ds_store") {
        Some(|p| p.system += 1)
    } else if name.starts_with('.') {
        Some(|p| p.hidden += 1)
    } else {
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<Input>, skipped: &mut PassedOver, depth: usize) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.push(Input::problem(
                dir.to_path_buf(),
                UnreadableKind::Missing,
                format!("the folder cannot be read ({})", open_error(&e)),
                "give the account running crossfoot read access to the folder, or check its \
                 workbooks by name",
            ));
            return;
        }
    };
    for entry in rd {
        let e = match entry {
            Ok(e) => e,
            Err(e) => {
                out.push(Input::problem(
                    dir.to_path_buf(),
                    UnreadableKind::Missing,
                    format!("the folder could not be listed completely ({e})"),
                    "check the folder (a network share that went away?) and run again",
                ));
                return;
            }
        };
        let p = e.path();
        if let Some(count) = passed_over(&e.file_name()) {
            count(skipped);
            continue;
        }
        let ft = match e.file_type() {
            Ok(ft) => ft,
            Err(err) => {
                out.push(Input::problem(
                    p,
                    UnreadableKind::Missing,
                    open_error(&err),
                    "check the file",
                ));
                continue;
            }
        };
        if ft.is_dir() {
            if depth + 1 > MAX_DEPTH {
                out.push(Input::problem(
                    p,
                    UnreadableKind::NotRegular,
                    format!("the folder was not walked: it is nested more than {MAX_DEPTH} folders deep"),
                    "name that folder directly to check what is in it",
                ));
            } else {
                walk(&p, out, skipped, depth + 1);
            }
        } else if ft.is_symlink() {
            out.push(Input::problem(
                p,
                UnreadableKind::NotRegular,
                "a symbolic link, not followed inside a folder".to_string(),
                "name the file or folder it points to directly to check it",
            ));
        } else if ft.is_file() {
            match e.metadata() {
                Ok(meta) => out.push(Input {
                    shown: shown(&p),
                    id: Some(FileId::from_meta(&p, &meta)),
                    path: p,
                    problem: None,
                    same_as: None,
                }),
                Err(err) => out.push(Input::problem(
                    p,
                    UnreadableKind::Missing,
                    open_error(&err),
                    "check the file",
                )),
            }
        } else {
            out.push(Input::problem(
                p,
                UnreadableKind::NotRegular,
                format!("not a regular file ({})", special_kind(&ft)),
                "only workbook files are checked; remove it from the folder",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn litter_is_passed_over_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a.xlsx",
            "~$a.xlsx",
            ".hidden.xlsx",
            "Thumbs.db",
            "notes.pdf",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let got = collect(&[dir.path().to_path_buf()]);
        let names: Vec<String> = got
            .files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.xlsx", "notes.pdf"]);
        assert_eq!(
            got.passed_over,
            PassedOver {
                lock_files: 1,
                hidden: 1,
                system: 1
            }
        );
    }

    #[test]
    fn one_file_given_twice_is_one_input() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.xlsx");
        std::fs::write(&f, b"x").unwrap();
        let got = collect(&[f.clone(), dir.path().to_path_buf(), f]);
        assert_eq!(got.files.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_is_listed_as_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("branch-07.xlsx");
        let b = dir.path().join("branch-08.xlsx");
        std::fs::write(&a, b"x").unwrap();
        std::fs::hard_link(&a, &b).unwrap();
        // Given by name, and found again in the folder: each name once.
        let got = collect(&[a.clone(), b.clone(), dir.path().to_path_buf()]);
        assert_eq!(got.files.len(), 2);
        assert_eq!(got.files[0].path, a);
        assert_eq!(got.files[0].same_as, None);
        assert_eq!(got.files[1].path, b);
        assert_eq!(got.files[1].same_as.as_deref(), Some(shown(&a).as_str()));
    }

    #[cfg(unix)]
    #[test]
    fn a_repeat_keeps_the_first_listing_in_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let [a, b, c, d] = ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"].map(|n| dir.path().join(n));
        for f in [&a, &b, &c] {
            std::fs::write(f, b"x").unwrap();
        }
        std::fs::hard_link(&c, &d).unwrap();
        // c given first, then the folder (a, b, c again, d: the same file as c), then b again.
        let got = collect(&[c.clone(), dir.path().to_path_buf(), b.clone()]);
        let listed: Vec<(&Path, Option<&str>)> = got
            .files
            .iter()
            .map(|f| (f.path.as_path(), f.same_as.as_deref()))
            .collect();
        let first = shown(&c);
        assert_eq!(
            listed,
            [
                (c.as_path(), None),
                (a.as_path(), None),
                (b.as_path(), None),
                (d.as_path(), Some(first.as_str())),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_show_apart() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join(std::ffi::OsStr::from_bytes(b"b\xff.xlsx"));
        let b = dir.path().join(std::ffi::OsStr::from_bytes(b"b\xfe.xlsx"));
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"y").unwrap();
        let got = collect(&[dir.path().to_path_buf()]);
        assert_eq!(got.files.len(), 2);
        assert_ne!(got.files[0].shown, got.files[1].shown);
        assert!(got.files.iter().any(|f| f.shown.ends_with("b\\xFF.xlsx")));
    }

    #[cfg(unix)]
    #[test]
    fn links_and_special_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.xlsx"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("a.xlsx"), dir.path().join("link.xlsx"))
            .unwrap();
        let fifo =
            std::ffi::CString::new(dir.path().join("pipe.xlsx").to_string_lossy().into_owned())
                .unwrap();
        // SAFETY: mkfifo(3) with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let got = collect(&[dir.path().to_path_buf()]);
        let problems: Vec<(&str, &str)> = got
            .files
            .iter()
            .filter_map(|f| {
                f.problem.as_ref().map(|p| {
                    (
                        f.path.file_name().unwrap().to_str().unwrap(),
                        p.reason.as_str(),
                    )
                })
            })
            .collect();
        assert_eq!(
            problems,
            [
                ("link.xlsx", "a symbolic link, not followed inside a folder"),
                ("pipe.xlsx", "not a regular file (a named pipe (FIFO))"),
            ]
        );
    }

    #[test]
    fn deep_folders_are_reported_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..=MAX_DEPTH {
            deep.push(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("a.xlsx"), b"x").unwrap();
        let got = collect(&[dir.path().to_path_buf()]);
        assert_eq!(got.files.len(), 1);
        let p = got.files[0].problem.as_ref().expect("reported");
        assert!(p.reason.contains("nested more than 32"), "{}", p.reason);
    }
}
