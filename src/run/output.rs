//! Where a run writes, settled before any work: an output never names anything the run reads.
//!
//! The output must be a new file or a regular file that is none of the inputs — given
//! directly, found under a folder being walked, last year's workbooks, the rule files — by
//! path, symbolic link or hard link (files are compared by what they are, not by name). An
//! earlier output of crossfoot itself of the same kind at that path (it carries crossfoot's
//! mark) is replaced, and is no input of the run. Any other file is replaced only with
//! `--force` (and then the run says what it replaced), never when the run reads it.
//! Everything else is refused up front with the real reason, before anything is read or
//! written; [`crate::output`] checks the path again when it puts the output in place.

use super::inputs::{FileId, Inputs};
use crate::output::Replace;
use miette::Diagnostic;
use std::path::{Path, PathBuf};

/// Why an output path is refused.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("cannot write {path}: {reason}")]
#[diagnostic(code(crossfoot::output_refused))]
pub struct Refused {
    pub path: String,
    pub reason: String,
    #[help]
    pub help: Option<String>,
}

/// What the run reads besides its inputs, for [`settle`].
#[derive(Debug, Default)]
pub struct Reads<'a> {
    /// Last year's workbooks.
    pub previous: Option<&'a Inputs>,
    /// The rule files given (files, or folders of `*.toml`).
    pub rule_paths: &'a [PathBuf],
}

/// An output path settled: where, and what it may replace when it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub path: PathBuf,
    pub replace: Replace,
}

/// Settles the output path `path` (of a workbook crossfoot writes, marked `mark`) against the
/// run's inputs. An earlier output of crossfoot with the same mark at that path is taken out
/// of `inputs` (it is replaced, not read); any other existing file is refused unless `force`.
pub fn settle(
    path: &Path,
    mark: &'static str,
    force: bool,
    inputs: &mut Inputs,
    reads: &Reads<'_>,
) -> Result<Settled, Refused> {
    let replace = if force {
        Replace::Forced(mark)
    } else {
        Replace::Own(mark)
    };
    let settled = |path: &Path| Settled {
        path: path.to_path_buf(),
        replace,
    };
    // Shown on a terminal: control characters in a name are made visible (in English, as the
    // refusal it is part of).
    let shown = crate::text::visible(&super::inputs::shown(path), 500, crate::registry::Lang::En)
        .into_owned();
    let refuse = |reason: String, help: Option<String>| Refused {
        path: shown.clone(),
        reason,
        help,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_xlsx = Path::new(&name)
        .extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        let stem = Path::new(&name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "review".to_string());
        return Err(refuse(
            "crossfoot writes an Excel workbook, and its name must end in .xlsx".to_string(),
            Some(format!("name it e.g. `{stem}.xlsx`")),
        ));
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(refuse(
            "it is a symbolic link, and crossfoot does not write through links (it could \
             replace what the link points to)"
                .to_string(),
            Some("name a new file, or the file the link points to".to_string()),
        )),
        Ok(meta) if meta.is_dir() => Err(refuse(
            "it is a folder".to_string(),
            Some(format!(
                "name a file in it, e.g. `{}`",
                super::inputs::shown(&path.join("review.xlsx"))
            )),
        )),
        Ok(meta) if !meta.is_file() => Err(refuse(
            format!(
                "it is not a regular file ({})",
                super::inputs::special_kind(&meta.file_type())
            ),
            Some("name a new .xlsx file".to_string()),
        )),
        Ok(_) => {
            let Some(id) = FileId::of(path) else {
                return Err(refuse("it cannot be examined".to_string(), None));
            };
            if let Some(prev) = reads.previous {
                if prev.contains(&id) {
                    return Err(refuse(
                        "it is one of last year's workbooks (--previous), which this run reads"
                            .to_string(),
                        Some(NEW_NAME.to_string()),
                    ));
                }
            }
            if rule_files(reads.rule_paths).contains(&id) {
                return Err(refuse(
                    "it is one of the rule files this run reads".to_string(),
                    Some(NEW_NAME.to_string()),
                ));
            }
            let own = crate::output::own_mark(path);
            if let Some(pos) = inputs.files.iter().position(|f| f.id.as_ref() == Some(&id)) {
                if own.as_deref() == Some(mark) {
                    inputs.files.remove(pos);
                } else {
                    return Err(refuse(
                        format!(
                            "it is one of the workbooks being checked ({}); crossfoot never \
                             writes over what it reads",
                            crate::text::visible(
                                &inputs.files[pos].shown,
                                500,
                                crate::registry::Lang::En
                            )
                        ),
                        Some(NEW_NAME.to_string()),
                    ));
                }
            }
            if own.as_deref() != Some(mark) && !force {
                let what = match own.as_deref() {
                    Some(crate::sniff::REVIEW_MARK) => "a review workbook crossfoot wrote",
                    Some(crate::sniff::MARKED_MARK) => "a marked copy crossfoot wrote",
                    Some(crate::sniff::SUMMARY_MARK) => "a summary crossfoot wrote",
                    Some(_) => "another kind of crossfoot workbook",
                    None => "a file crossfoot did not write",
                };
                return Err(refuse(
                    format!(
                        "it exists and is {what}; crossfoot replaces only its own earlier                          output of this kind, and the file was left as it is"
                    ),
                    Some(
                        "name another file, or add --force to replace it (crossfoot then                          says what it replaced)"
                            .to_string(),
                    ),
                ));
            }
            Ok(settled(path))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if parent.is_dir() {
                Ok(Settled {
                    path: path.to_path_buf(),
                    replace: Replace::Nothing,
                })
            } else {
                Err(refuse(
                    format!(
                        "the folder {} does not exist",
                        super::inputs::shown(&parent)
                    ),
                    Some("create the folder first, or name a file in an existing one".to_string()),
                ))
            }
        }
        Err(e) => Err(refuse(super::inputs::open_error(&e), None)),
    }
}

const NEW_NAME: &str = "write the output to a new file outside the folders being checked, e.g. \
                        `-o review.xlsx` in the current folder";

/// The identities of the rule files given: files as they are, folders' `*.toml` files.
pub(super) fn rule_files(paths: &[PathBuf]) -> Vec<FileId> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    if let Some(id) = FileId::of(&e.path()) {
                        out.push(id);
                    }
                }
            }
        } else if let Some(id) = FileId::of(p) {
            out.push(id);
        }
    }
    out
}
