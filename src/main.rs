//! The `crossfoot` command line. Exit status: 0 when no finding reaches `--fail-on`, 1 when one
//! does, 2 when crossfoot could not do its job (bad arguments, a rule file that does not parse,
//! an input that could not be read — after every other input was checked and reported).
//!
//! In: the process's arguments. Out: the exit status, decided here once from the [`Exit`] the
//! command ends with. This file parses the arguments (clap's structures are in
//! [`cli::args`]), starts a reader worker when asked (`crossfoot __read-worker`, see
//! `crossfoot::worker`), and hands each command to its module under `cli/`, which builds its
//! run and its outputs.

mod cli;

use clap::Parser;
use cli::args::{Cli, Command, RulesCommand};
use cli::check::run_check;
use cli::consolidate::run_consolidate;
use cli::init::run_init;
use cli::rules::{run_explain, run_rules};
use cli::serve::run_serve;
use cli::Step;
use crossfoot::run::Exit;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// A command's status: a failed step's (its error said) or the one it ended with.
fn ended(step: Step) -> Exit {
    step.unwrap_or_else(|failed| failed)
}

/// `crossfoot samples/` (a path where a command belongs): the error suggests
/// `crossfoot check samples/`.
fn suggest_check(e: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::InvalidSubcommand {
        return;
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let Some(first) = args.first() else { return };
    let path = Path::new(first);
    let workbook = path.extension().is_some_and(|x| {
        crossfoot::run::inputs::WORKBOOK_EXTENSIONS
            .iter()
            .any(|w| x.eq_ignore_ascii_case(w))
    });
    if !(path.exists() || workbook) {
        return;
    }
    let shown: Vec<String> = args
        .iter()
        .map(|a| crossfoot::safe::lines(&a.to_string_lossy()).into_owned())
        .collect();
    let tip = crossfoot::messages::render(
        crossfoot::registry::DiagWords::of(args_lang(&args)).name_the_command,
        &[("args", &shown.join(" "))],
    );
    e.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![tip.into()]),
    );
}

/// The language of what is said about arguments clap could not parse: `--lang` as given, else
/// the language of the rule pack the arguments name ([`crossfoot::rules::diagnostic_lang`]).
fn args_lang(args: &[std::ffi::OsString]) -> crossfoot::write::annotate::Lang {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let value = |flag: &str| -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if a == flag {
                out.extend(args.get(i + 1).cloned());
            } else if let Some(v) = a.strip_prefix(&format!("{flag}=")) {
                out.push(v.to_string());
            }
        }
        out
    };
    let lang = value("--lang")
        .last()
        .and_then(|l| crossfoot::write::annotate::Lang::of_code(l));
    let no_default = args.iter().any(|a| a == "--no-default-rules");
    crossfoot::rules::diagnostic_lang(no_default, &value("--rules"), lang)
}

/// jemalloc: about 12 % faster than glibc's allocator on the benchmark (see Cargo.toml), and
/// without glibc's per-thread arenas (which left the main process at twice its live heap).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main` (the environment's `_RJEM_MALLOC_CONF` still comes
/// after): one arena. With one per thread group (jemalloc's default, 4 × the cores), an arena
/// whose last thread ends is purged at once; `-o`'s save starts and ends a thread per worksheet
/// (rust_xlsxwriter), each end purging pages (`madvise`, a TLB shootdown on every core): 4,724
/// `madvise` calls in a `check -o` of the 2,000 benchmark workbooks, 616 with one arena, and
/// that run 2 % faster (wall and CPU; `check --format json` unchanged). The threads that
/// allocate much are few (the main thread, the review's copies, the report), so one arena
/// does not make them wait on each other.
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8; 10] = b"narenas:1\0";

fn main() -> ExitCode {
    // A panic inside the workbook reader is a damaged file, reported as unreadable by the
    // checker; only other panics (bugs) are printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !crossfoot::read::load::in_reader() {
            default_hook(info);
        }
    }));
    // A reader worker (see src/worker/mod.rs): `crossfoot __read-worker MAX_MB`.
    let mut argv = std::env::args();
    if argv.nth(1).as_deref() == Some(crossfoot::worker::WORKER_COMMAND) {
        let mb = argv.next().and_then(|m| m.parse().ok()).unwrap_or(4096);
        return crossfoot::worker::worker_main(mb);
    }
    // The exit status, decided in one place: 0 clean, 1 a finding at `--fail-on`, 2 crossfoot
    // could not do its job ([`Exit`]).
    ExitCode::from(command().code())
}

/// The command the arguments name, run: the status it ends with.
fn command() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(mut e) => {
            suggest_check(&mut e);
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Failed
            } else {
                Exit::Clean
            };
        }
    };
    match cli.command {
        Command::Check(args) => ended(run_check(args)),
        Command::Consolidate(args) => ended(run_consolidate(args)),
        Command::Rules { command, list } => {
            ended(run_rules(command.unwrap_or(RulesCommand::List(list))))
        }
        Command::Explain(args) => ended(run_explain(args)),
        Command::Init(args) => ended(run_init(args)),
        Command::Serve(args) => ended(run_serve(args)),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "crossfoot", &mut std::io::stdout());
            Exit::Clean
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut out) {
                Ok(()) => {
                    let _ = std::io::stdout().write_all(&out);
                    Exit::Clean
                }
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "cannot write the man page: {e}");
                    Exit::Failed
                }
            }
        }
    }
}
