//! The `crossfoot` command line. Exit status: 0 when no finding reaches `--fail-on`, 1 when one
//! does, 2 when crossfoot could not do its job (bad arguments, a rule file that does not parse,
//! an input that could not be read — after every other input was checked and reported).

use clap::{Parser, Subcommand, ValueEnum};
use crossfoot::annotate::{self, Lang, ReviewOptions};
use crossfoot::check::{self, Status};
use crossfoot::finding::Severity;
use crossfoot::load::Limits;
use crossfoot::report;
use crossfoot::rules::{self, Pack};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "crossfoot",
    version,
    about = "Checks that the totals and percentages of branch statistical workbooks add up"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check workbooks against the rule pack and report every discrepancy
    Check(CheckArgs),
    /// Build the district summary workbook from branch workbooks
    Consolidate(crossfoot::consolidate::ConsolidateArgs),
    /// Work on rule files without a workbook
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check rule files: exit 0 when they compile together (with the built-in pack unless
    /// --no-default-rules), 2 with every problem of every file
    Check(RulesCheckArgs),
}

#[derive(clap::Args)]
struct RulesCheckArgs {
    /// Rule files, or folders of *.toml rule files (none: the built-in pack alone)
    paths: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot: check the files alone
    #[arg(long)]
    no_default_rules: bool,
}

/// `crossfoot rules …`. Exit status 0 when the rule files compile, 2 when they do not.
fn run_rules(command: RulesCommand) -> ExitCode {
    match command {
        RulesCommand::Check(args) => {
            match rules::check_rule_files(args.no_default_rules, &args.paths) {
                Ok(stats) => {
                    let _ = writeln!(std::io::stderr(), "{stats}");
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    for e in &errors {
                        eprint_diag(e.as_ref());
                    }
                    ExitCode::from(2)
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Workbooks (.xlsx .xlsm .xlsb .xls .ods) or folders to walk for them
    paths: Vec<PathBuf>,
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    no_default_rules: bool,
    /// Last year's workbooks (files or folders): each branch's opening figures are compared with
    /// its closing figures of last year
    #[arg(long, value_name = "PATH")]
    previous: Vec<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Lowest severity that makes the exit status 1
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Also write an annotated review workbook (.xlsx): a summary, every finding, and a marked
    /// copy of every checked sheet
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Language of the review workbook's headings [default: the rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<Lang>,
    /// No progress bar (it is only ever shown on a terminal, for runs longer than a second, and
    /// never with --format json)
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Files read at once, each by its own worker process, with as many threads again checking
    /// what they read (0: one per core)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N")]
    jobs: usize,
    /// Most cells read from one sheet; a larger sheet is reported as too large to check safely
    #[arg(long, default_value_t = Limits::default().max_cells_per_sheet, value_name = "N")]
    max_cells: u64,
    /// Memory one file's reading may take, in MB (each file is read in a worker process under
    /// this limit; a file that needs more is reported as too large to check safely)
    #[arg(long, default_value_t = 4096, value_name = "MB")]
    max_reader_mb: u64,
    /// Longest one file's reading may take, in seconds
    #[arg(long, default_value_t = 120, value_name = "S")]
    read_timeout: u64,
    /// Most a zip-based workbook may unpack to, in MB
    #[arg(long, default_value_t = Limits::default().max_unzipped_bytes / (1024 * 1024), value_name = "MB")]
    max_unzipped_mb: u64,
    /// Read files in this process, without worker processes and their memory limit (for
    /// measurements; hostile files can then take the whole run down)
    #[arg(long, hide = true)]
    in_process: bool,
    /// Largest file read, in MB
    #[arg(long, default_value_t = Limits::default().max_file_bytes / (1024 * 1024), value_name = "MB")]
    max_file_mb: u64,
}

/// No workbook was named.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("no workbook to check")]
#[diagnostic(code(crossfoot::no_input), help("name workbooks or folders, e.g. `crossfoot check submissions/` or `crossfoot check branch-07.xlsx`"))]
struct NoInput;

fn render(diag: &dyn Diagnostic) -> String {
    let theme = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut s = String::new();
    if GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut s, diag)
        .is_err()
    {
        s = diag.to_string();
    }
    s
}

fn eprint_diag(diag: &dyn Diagnostic) {
    let _ = writeln!(std::io::stderr(), "{}", render(diag));
}

fn load_pack(args: &CheckArgs) -> Result<Pack, ExitCode> {
    rules::load_pack(args.no_default_rules, &args.rules).map_err(|errors| {
        for e in &errors {
            eprint_diag(e.as_ref());
        }
        ExitCode::from(2)
    })
}

fn run_check(args: CheckArgs) -> ExitCode {
    if args.paths.is_empty() {
        eprint_diag(&NoInput);
        return ExitCode::from(2);
    }
    let pack = match load_pack(&args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let (false, Ok(exe)) = (args.in_process, std::env::current_exe()) {
        crossfoot::worker::install(crossfoot::worker::PoolConfig {
            exe,
            max_memory_mb: args.max_reader_mb,
            timeout: std::time::Duration::from_secs(args.read_timeout.max(1)),
            workers: args.jobs,
        });
    }
    let limits = Limits {
        max_file_bytes: args.max_file_mb.saturating_mul(1024 * 1024),
        max_cells_per_sheet: args.max_cells,
        max_unzipped_bytes: args.max_unzipped_mb.saturating_mul(1024 * 1024),
    };
    let mut inputs = check::collect_inputs(&args.paths);
    // The review workbook of an earlier run, inside a folder being checked, is not a submission.
    if let Some(out) = &args.output {
        if let Ok(out) = out.canonicalize() {
            inputs.retain(|i| i.path.canonicalize().map_or(true, |p| p != out));
        }
    }
    if inputs.is_empty() {
        eprint_diag(&NoInput);
        return ExitCode::from(2);
    }
    let opts = check::Options {
        limits,
        jobs: args.jobs,
        keep_sheets: args.output.is_some(),
        copy_all_up_to: ReviewOptions::default().max_copied_sheets,
    };
    let progress = Progress::new(
        inputs.len(),
        !args.quiet && args.format == Format::Human && std::io::stderr().is_terminal(),
    );
    let mut worst: Option<Severity> = None;
    let mut unreadable = false;
    let mut note = |r: &check::FileResult| {
        unreadable |= matches!(r.status, Status::Unreadable(_));
        worst = worst.max(r.findings.iter().map(|f| f.severity).max());
    };
    let on = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut sink = match args.format {
        Format::Json => Sink::Json(report::JsonStream::begin(&mut stdout).ok()),
        Format::Human => Sink::Human {
            out: &mut stdout,
            summary: report::Summary::default(),
            locale: pack.settings.locale,
            style: report::Style { on },
        },
    };
    let mut review_failed = false;
    if let Some(out) = &args.output {
        // The review workbook needs every result: collected, then reported.
        let results =
            check::check_all_previous(&inputs, &args.previous, &pack, &opts, &|_| progress.tick());
        progress.finish();
        results.iter().for_each(&mut note);
        let lang = args
            .lang
            .unwrap_or_else(|| Lang::from_pack(&pack.settings.language));
        let given: Vec<PathBuf> = args
            .paths
            .iter()
            .cloned()
            .chain(inputs.iter().map(|i| i.path.clone()))
            .collect();
        if let Err(e) = annotate::write_review(
            out,
            &given,
            &results,
            &ReviewOptions {
                lang,
                ..ReviewOptions::default()
            },
        ) {
            eprint_diag(&e);
            review_failed = true;
        }
        for r in &results {
            sink.file(r, &progress);
        }
    } else {
        // Without a review workbook the report is written as files finish, in path order: a
        // run holds neither its files nor its findings.
        let tick = |_: &check::FileResult| progress.tick();
        check::check_all_emit(&inputs, &args.previous, &pack, &opts, &tick, &mut |r| {
            note(&r);
            sink.file(&r, &progress);
        });
        progress.finish();
    }
    sink.finish();
    let _ = stdout.flush();
    let fails = match (args.fail_on, worst) {
        (FailOn::Never, _) | (_, None) => false,
        (FailOn::Error, Some(s)) => s >= Severity::Error,
        (FailOn::Warning, Some(s)) => s >= Severity::Warning,
    };
    if unreadable || review_failed {
        ExitCode::from(2)
    } else if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The report on standard output, written file by file as results come (write errors, e.g.
/// a closed pipe, do not stop the run).
enum Sink<'w> {
    Json(Option<report::JsonStream<'w>>),
    Human {
        out: &'w mut dyn Write,
        summary: report::Summary,
        locale: crossfoot::number::Locale,
        style: report::Style,
    },
}

impl Sink<'_> {
    fn file(&mut self, r: &check::FileResult, progress: &Progress) {
        match self {
            Sink::Json(stream) => {
                if let Some(stream) = stream {
                    let _ = stream.file(r);
                }
            }
            Sink::Human {
                out,
                summary,
                locale,
                style,
            } => {
                summary.add(r);
                let text = report::human_file(r, *locale, style);
                // The progress bar steps aside while a file's part is printed.
                progress.suspend(|| {
                    let _ = out.write_all(text.as_bytes());
                    if progress.drawn() {
                        let _ = out.flush();
                    }
                });
            }
        }
    }

    fn finish(self) {
        match self {
            Sink::Json(stream) => {
                if let Some(stream) = stream {
                    let _ = stream.finish().and_then(|out| writeln!(out));
                }
            }
            Sink::Human { out, summary, .. } => {
                let _ = write!(out, "{}", report::human_total(&summary));
            }
        }
    }
}

/// A progress bar on stderr, drawn only once a run has taken more than a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: std::time::Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(total: usize, wanted: bool) -> Progress {
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} workbooks checked, {eta} left",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: std::time::Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn tick(&self) {
        let Some(bar) = &self.bar else { return };
        if self.start.elapsed() > std::time::Duration::from_secs(1)
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        bar.inc(1);
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Whether the bar is on the screen.
    fn drawn(&self) -> bool {
        self.shown.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `f` with the bar off the screen (to print on the same terminal).
    fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) if self.drawn() => bar.suspend(f),
            _ => f(),
        }
    }
}

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // A panic inside the workbook reader is a damaged file, reported as unreadable by the
    // checker; only other panics (bugs) are printed.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !crossfoot::load::in_reader() {
            default_hook(info);
        }
    }));
    // A reader worker (see worker.rs): `crossfoot __read-worker MAX_MB`.
    let mut argv = std::env::args();
    if argv.nth(1).as_deref() == Some(crossfoot::worker::WORKER_COMMAND) {
        let mb = argv.next().and_then(|m| m.parse().ok()).unwrap_or(4096);
        return crossfoot::worker::worker_main(mb);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check(args) => run_check(args),
        Command::Consolidate(args) => crossfoot::consolidate::run(args),
        Command::Rules { command } => run_rules(command),
    }
}
