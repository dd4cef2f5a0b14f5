//! The binary's own modules (not part of the library): the command line's arguments
//! ([`args`]), and for each command the building of its run and its outputs from them
//! ([`check`], [`consolidate`], [`rules`], [`serve`]). What they share is here: loading the
//! rule pack and the register, the isolation files are read with, and how a step's error is
//! said. Each command ends with its [`Step`]; `main` turns it into the exit status.

pub mod args;
pub mod check;
pub mod consolidate;
pub mod init;
pub mod rules;
pub mod serve;

use args::PackArgs;
use crossfoot::rules::Pack;
use crossfoot::run::{self, Exit, Isolation};
use crossfoot::write::annotate::Lang;
use crossfoot::write::notices;
use miette::Diagnostic;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

impl PackArgs {
    fn pack(&self) -> Result<Pack, Exit> {
        load_pack(self.no_default_rules, &self.rules, self.lang)
    }
}

/// The isolation a run reads files with ([`crossfoot::worker::isolation`]).
pub fn isolation(
    guard: &run::guard::GuardArgs,
    jobs: usize,
    lang: Lang,
) -> Result<Box<dyn Isolation + Send>, Exit> {
    crossfoot::worker::isolation(guard, jobs).map_err(|e| {
        let line = crossfoot::messages::render(
            crossfoot::registry::DiagWords::of(lang).no_worker,
            &[("error", &e.to_string())],
        );
        let _ = writeln!(std::io::stderr(), "{line}");
        Exit::Failed
    })
}

/// What a command ends with: its exit status, or (`Err`) the status of a step that failed,
/// after its error was said. `main` turns it into the process's exit code, in one place.
pub type Step = Result<Exit, Exit>;

/// A step's error said on stderr: the command then exits with status 2.
pub fn said<T, E: Diagnostic>(r: Result<T, E>) -> Result<T, Exit> {
    r.map_err(|e| {
        eprint_diag(&e);
        Exit::Failed
    })
}

pub fn eprint_diag(diag: &dyn Diagnostic) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = writeln!(std::io::stderr(), "{}", notices::diagnostic(diag, colour));
}

/// The pack, in the language `lang` (`--lang`; None: the pack's): its errors, and what loading
/// it decided, are said in that language.
pub fn load_pack(
    no_default_rules: bool,
    rules: &[PathBuf],
    lang: Option<Lang>,
) -> Result<Pack, Exit> {
    let mut pack =
        crossfoot::rules::load_pack_in(no_default_rules, rules, lang).map_err(|errors| {
            for e in &errors {
                eprint_diag(e.as_ref());
            }
            Exit::Failed
        })?;
    pack.set_lang(lang);
    // What loading decided (a built-in form replaced, settings of the user's files used).
    for notice in &pack.notices {
        let line = notice.text(pack.settings.lang);
        let _ = writeln!(std::io::stderr(), "{}", crossfoot::safe::lines(&line));
    }
    Ok(pack)
}

/// `--units` names no register crossfoot can read.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", crossfoot::messages::render(crossfoot::registry::DiagWords::of(*.lang).units_unread, &[("path", .path), ("reason", .reason)]))]
#[diagnostic(code(crossfoot::units))]
pub struct UnitsUnread {
    pub path: String,
    pub reason: String,
    #[help]
    pub help: &'static str,
    pub lang: Lang,
}

/// The register of units, when given: refused before any checking when it cannot be read.
pub fn read_units(
    path: Option<&Path>,
    pack: &Pack,
    guard: &run::guard::GuardArgs,
) -> Result<Option<crossfoot::register::Register>, Exit> {
    let Some(path) = path else { return Ok(None) };
    let shown = run::inputs::shown(path);
    said(
        crossfoot::register::read(path, &shown, pack, &guard.limits(), guard.timeout())
            .map(Some)
            .map_err(|reason| {
                let lang = pack.settings.lang;
                UnitsUnread {
                    path: crossfoot::text::visible(&shown, 500, lang).into_owned(),
                    reason: crossfoot::text::visible(&reason, 500, lang).into_owned(),
                    help: crossfoot::registry::DiagWords::of(lang).units_help,
                    lang,
                }
            }),
    )
}
