//! `crossfoot consolidate`: the run built from the arguments, the library's consolidation
//! policy applied (`crossfoot::run::consolidate`), and what was written said on stderr.

use super::args::{ConsolidateArgs, Prefer};
use super::{isolation, read_units, said, Step};
use crossfoot::run::{self, Exit, Run};
use crossfoot::write::notices;
use std::io::Write;

/// `crossfoot consolidate`. Exit status 0 when the summary was written with every input, 2
/// when it was not written, or an input is not in it (unreadable, no unit code), or it has no
/// unit row.
pub fn run_consolidate(args: ConsolidateArgs) -> Step {
    let pack = args.pack.pack()?;
    let register = read_units(args.units.as_deref(), &pack, &args.guard)?;
    let isolation = isolation(&args.guard, args.jobs, pack.settings.lang)?;
    let options = run::Options {
        limits: args.guard.limits(),
        jobs: args.jobs,
        read_timeout: args.guard.timeout(),
        ..run::Options::default()
    };
    let run = Run::new(&pack, options, isolation.as_ref());
    let say = |line: &str| {
        let _ = writeln!(std::io::stderr(), "{line}");
    };
    let request = run::consolidate::Request {
        paths: &args.paths,
        output: &args.output,
        force: args.force,
        form: args.form.as_deref(),
        exclude_errors: args.exclude_errors,
        exclude: &args.exclude,
        prefer_newest: args.prefer == Some(Prefer::Newest),
        rule_paths: &args.pack.rules,
        register: register.as_ref(),
        say: &say,
    };
    let done = said(run::consolidate::consolidate(&run, &request))?;
    let lang = pack.settings.lang;
    let mut err = std::io::stderr();
    for note in notices::notices(&done.written, &done.path, lang) {
        let _ = writeln!(err, "{note}");
    }
    let line = crossfoot::messages::render(
        crossfoot::registry::Words::of(lang).wrote_summary,
        &[
            ("path", &notices::shown(&done.path, lang)),
            ("form", &pack.forms[done.form].id),
            ("rows", &done.summary.rows.len().to_string()),
            ("notes", &done.summary.notes.len().to_string()),
        ],
    );
    let _ = writeln!(err, "{line}");
    // Inputs left out (unreadable, no unit code), or no unit at all: said, and exit 2.
    match done.summary.incomplete(&pack) {
        Some(why) => {
            let _ = writeln!(err, "{why}");
            Err(Exit::Failed)
        }
        None if done.not_submitted > 0 => Err(Exit::Failed),
        None => Ok(Exit::Clean),
    }
}
