//! Where a run writes, settled before any work: an output never names anything the run reads.
//!
//! The output must be a new file or a regular file that is none of the inputs — given
//! directly, found under a folder being walked, last year's workbooks, the rule files — by
//! path, symbolic link or hard link (files are compared by what they are, not by name). An
//! earlier output of crossfoot itself of the same kind at that path (it carries crossfoot's
//! mark) is replaced, and is no input of the run. Any other file is replaced only with
//! `--force` (and then the run says what it replaced), never when the run reads it.
//! Everything else is refused up front with the real reason, before anything is read or
//! written; [`crate::write::output`] checks the path again when it puts the output in place.

use super::inputs::{FileId, Inputs};
use crate::messages::render;
use crate::registry::{DiagWords, Lang};
use crate::write::output::Replace;
use miette::Diagnostic;
use std::path::{Path, PathBuf};

/// Why an output path is refused.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", render(DiagWords::of(*.lang).cannot_write, &[("path", .path), ("reason", .reason)]))]
#[diagnostic(code(crossfoot::output_refused))]
pub struct Refused {
    pub path: String,
    pub reason: String,
    #[help]
    pub help: Option<String>,
    /// The language it is said in.
    pub lang: Lang,
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
/// A refusal is said in `lang`.
pub fn settle(
    path: &Path,
    mark: &'static str,
    force: bool,
    inputs: &mut Inputs,
    reads: &Reads<'_>,
    lang: Lang,
) -> Result<Settled, Refused> {
    let w = DiagWords::of(lang);
    let replace = if force {
        Replace::Forced(mark)
    } else {
        Replace::Own(mark)
    };
    let settled = |path: &Path| Settled {
        path: path.to_path_buf(),
        replace,
    };
    // Shown on a terminal: control characters in a name are made visible (in the language of
    // the refusal it is part of).
    let shown = crate::text::visible(&super::inputs::shown(path), 500, lang).into_owned();
    let refuse = |reason: String, help: Option<String>| Refused {
        path: shown.clone(),
        reason,
        help,
        lang,
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
            w.out_not_xlsx.to_string(),
            Some(render(
                w.out_not_xlsx_help,
                &[("name", &format!("{stem}.xlsx"))],
            )),
        ));
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(refuse(
            w.out_symlink.to_string(),
            Some(w.out_symlink_help.to_string()),
        )),
        Ok(meta) if meta.is_dir() => Err(refuse(
            w.out_folder.to_string(),
            Some(render(
                w.out_folder_help,
                &[("path", &super::inputs::shown(&path.join("review.xlsx")))],
            )),
        )),
        Ok(meta) if !meta.is_file() => Err(refuse(
            render(
                w.out_special,
                &[("kind", super::inputs::special_kind(&meta.file_type()))],
            ),
            Some(w.out_special_help.to_string()),
        )),
        Ok(_) => {
            let Some(id) = FileId::of(path) else {
                return Err(refuse(w.out_unexamined.to_string(), None));
            };
            if let Some(prev) = reads.previous {
                if prev.contains(&id) {
                    return Err(refuse(
                        w.out_previous.to_string(),
                        Some(w.out_new_name.to_string()),
                    ));
                }
            }
            if rule_files(reads.rule_paths).contains(&id) {
                return Err(refuse(
                    w.out_rule_file.to_string(),
                    Some(w.out_new_name.to_string()),
                ));
            }
            let own = crate::write::output::own_mark(path);
            if let Some(pos) = inputs.files.iter().position(|f| f.id.as_ref() == Some(&id)) {
                if own.as_deref() == Some(mark) {
                    inputs.files.remove(pos);
                } else {
                    return Err(refuse(
                        render(
                            w.out_input,
                            &[(
                                "file",
                                &crate::text::visible(&inputs.files[pos].shown, 500, lang),
                            )],
                        ),
                        Some(w.out_new_name.to_string()),
                    ));
                }
            }
            if own.as_deref() != Some(mark) && !force {
                let what = match own.as_deref() {
                    Some(crate::read::sniff::REVIEW_MARK) => w.out_is_review,
                    Some(crate::read::sniff::MARKED_MARK) => w.out_is_marked,
                    Some(crate::read::sniff::SUMMARY_MARK) => w.out_is_summary,
                    Some(_) => w.out_is_other_own,
                    None => w.out_is_foreign,
                };
                return Err(refuse(
                    render(w.out_exists, &[("what", what)]),
                    Some(w.out_exists_help.to_string()),
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
                    render(w.out_no_folder, &[("path", &super::inputs::shown(&parent))]),
                    Some(w.out_no_folder_help.to_string()),
                ))
            }
        }
        Err(e) => Err(refuse(super::inputs::open_error(&e), None)),
    }
}

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
