//! The binary's own modules (not part of the library): the command line's arguments
//! ([`args`]), and for each command the building of its run and its outputs from them
//! ([`check`], [`consolidate`], [`rules`], [`serve`]). What they share is here: loading the
//! rule pack and the register, the isolation files are read with, and how a step's error is
//! said. Each command ends with its [`Step`]; `main` turns it into the exit status.

pub mod args;
pub mod check;
pub mod consolidate;
pub mod rules;
pub mod serve;

use args::PackArgs;
use crossfoot::annotate::Lang;
use crossfoot::rules::Pack;
use crossfoot::run::{self, Exit, Isolation};
use crossfoot::write::notices;
use miette::Diagnostic;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

impl PackArgs {
    fn pack(&self) -> Result<Pack, Exit> {
        let mut pack = load_pack(self.no_default_rules, &self.rules)?;
        pack.set_lang(self.lang);
        Ok(pack)
    }
}

/// The isolation a run reads files with ([`crossfoot::worker::isolation`]).
pub fn isolation(
    guard: &run::guard::GuardArgs,
    jobs: usize,
) -> Result<Box<dyn Isolation + Send>, Exit> {
    crossfoot::worker::isolation(guard, jobs).map_err(|e| {
        let _ = writeln!(
            std::io::stderr(),
            "crossfoot cannot find its own executable to start its worker processes ({e}); nothing was read"
        );
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

pub fn load_pack(no_default_rules: bool, rules: &[PathBuf]) -> Result<Pack, Exit> {
    let pack = crossfoot::rules::load_pack(no_default_rules, rules).map_err(|errors| {
        for e in &errors {
            eprint_diag(e.as_ref());
        }
        Exit::Failed
    })?;
    // What loading decided (a built-in form replaced, settings of the user's files used).
    for notice in &pack.notices {
        let _ = writeln!(std::io::stderr(), "{}", crossfoot::safe::lines(notice));
    }
    Ok(pack)
}

/// `--units` names no register crossfoot can read.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("--units {path}: {reason}")]
#[diagnostic(
    code(crossfoot::units),
    help("name a workbook with one row per unit under the headings of the rule pack's [register]")
)]
pub struct UnitsUnread {
    pub path: String,
    pub reason: String,
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
            .map_err(|reason| UnitsUnread {
                path: crossfoot::text::visible(&shown, 500, Lang::En).into_owned(),
                reason: crossfoot::text::visible(&reason, 500, Lang::En).into_owned(),
            }),
    )
}
