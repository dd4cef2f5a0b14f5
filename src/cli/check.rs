//! `crossfoot check`: the run built from the arguments, its outputs (the report on standard
//! output, the review workbook, the marked copies) as sinks of its results, and the exit
//! status its tally gives.

use super::args::{CheckArgs, FailOn, Format};
use super::{eprint_diag, isolation, read_units, said, Step};
use crossfoot::finding::Severity;
use crossfoot::result::Sink;
use crossfoot::run::{self, output, Exit, Run};
use crossfoot::write::annotate::ReviewOptions;
use crossfoot::write::report;
use crossfoot::write::{notices, progress, sinks};
use miette::Diagnostic;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// No workbook was named.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", crossfoot::registry::DiagWords::of(*.0).no_input)]
#[diagnostic(code(crossfoot::no_input))]
pub struct NoInput(crossfoot::write::annotate::Lang, #[help] &'static str);

pub fn run_check(args: CheckArgs) -> Step {
    let pack = args.pack.pack()?;
    if args.paths.is_empty() {
        let lang = pack.settings.lang;
        return said(Err(NoInput(
            lang,
            crossfoot::registry::DiagWords::of(lang).no_input_help,
        )));
    }
    if let Some(line) = notices::untranslated(&pack) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    let lang = pack.settings.lang;
    // Everything the run reads, then where it writes: settled before any work.
    let mut inputs = run::collect(&args.paths);
    let previous = said(run::inputs::previous(&args.previous, lang))?;
    let register = read_units(args.units.as_deref(), &pack, &args.guard)?;
    let reads = output::Reads {
        previous: previous.as_ref(),
        rule_paths: &args.pack.rules,
    };
    let output = match &args.output {
        Some(out) => Some(said(output::settle(
            out,
            crossfoot::read::sniff::REVIEW_MARK,
            args.force,
            &mut inputs,
            &reads,
            lang,
        ))?),
        None => None,
    };
    let mark_dir = match &args.mark {
        Some(dir) => Some(said(run::marked::settle_dir(dir, lang))?),
        None => None,
    };
    if inputs.files.is_empty() {
        // Folders were named, and held nothing to read: said so, in the run's language.
        let named: Vec<String> = args.paths.iter().map(|p| run::inputs::shown(p)).collect();
        let text = report::human_nothing_found(&named, &inputs.passed_over, lang);
        let _ = writeln!(std::io::stderr(), "{text}");
        return Err(Exit::Failed);
    }
    let isolation = isolation(&args.guard, args.jobs, lang)?;
    let options = run::Options {
        limits: args.guard.limits(),
        jobs: args.jobs,
        keep_sheets: output.is_some() || mark_dir.is_some(),
        copy_all_up_to: ReviewOptions::default().max_copied_sheets,
        read_timeout: args.guard.timeout(),
        explain: !args.no_explain,
        year: args.year,
        discover: args.discover,
        history: !args.no_history,
    };
    let run = Run::new(&pack, options, isolation.as_ref()).with_register(register.as_ref());
    let progress = progress::Progress::new(
        lang,
        inputs.files.len(),
        args.format == Format::Human && std::io::stderr().is_terminal(),
    );
    // Everything the run reads: never written over, never removed as a stale temporary. Only
    // a run that writes files needs it (a set of every input's identity: not kept otherwise).
    let writes = output.is_some() || mark_dir.is_some();
    let protected = if writes {
        run::marked::protected(&inputs, &reads)
    } else {
        Default::default()
    };
    let spare = |p: &Path| run::FileId::of(p).is_some_and(|id| protected.contains(&id));
    // The sinks of the results: the files first, then the report on standard output.
    let mut review = output.as_ref().map(|out| {
        let target = crossfoot::write::output::Target {
            path: &out.path,
            replace: out.replace,
            spare: &spare,
        };
        let given = inputs.files.iter().map(|i| i.path.clone()).collect();
        sinks::Review::new(target, given, lang)
    });
    let mut marks = mark_dir.as_ref().map(|dir| run::marked::Marks {
        run: run::marked::MarkRun {
            dir,
            all: args.mark_all,
            lang,
            limits: args.guard.limits(),
            read_timeout: args.guard.timeout(),
            protected: protected.clone(),
            force: args.force,
            // The review workbook of this run is never replaced by a marked copy.
            other_outputs: output.iter().map(|o| o.path.clone()).collect(),
        },
        inputs: &inputs.files,
        stamps: run::marked::stamps(&inputs.files),
        results: Vec::new(),
    });
    let on = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut report: Box<dyn Sink> = match args.format {
        Format::Json => Box::new(sinks::Json::begin(&mut stdout, lang)),
        Format::Human => Box::new(sinks::Terminal {
            out: &mut stdout,
            lang,
            style: report::Style {
                on,
                width: report::report_width(std::io::stdout().is_terminal()),
            },
            quiet: args.quiet,
            screen: &progress,
        }),
        ci => Box::new(sinks::Ci {
            out: &mut stdout,
            format: match ci {
                Format::Github => sinks::CiFormat::Github,
                Format::Junit => sinks::CiFormat::Junit,
                _ => sinks::CiFormat::Sarif,
            },
            pack: &pack,
            results: Vec::new(),
        }),
    };
    let mut all: Vec<&mut dyn Sink> = Vec::new();
    all.extend(review.as_mut().map(|s| s as &mut dyn Sink));
    all.extend(marks.as_mut().map(|s| s as &mut dyn Sink));
    all.push(report.as_mut());
    let previous_files = previous.as_ref().map(|p| p.files.as_slice());
    let (tally, said) = run.report(&inputs, previous_files, &|_| progress.tick(), &mut all);
    drop(all);
    drop(report);
    let _ = stdout.flush();
    for failure in said.iter().flat_map(|s| &s.failures) {
        eprint_diag(failure.as_ref());
    }
    let mut err = std::io::stderr();
    for note in said.iter().flat_map(|s| &s.notes) {
        let _ = writeln!(err, "{note}");
    }
    let fail_on = match args.fail_on {
        FailOn::Error => run::FailOn::Severity(Severity::Error),
        FailOn::Warning => run::FailOn::Severity(Severity::Warning),
        FailOn::Info => run::FailOn::Severity(Severity::Info),
        FailOn::Never => run::FailOn::Never,
    };
    Ok(tally.exit(fail_on))
}
