//! The `crossfoot` command line. Exit status: 0 when no finding reaches `--fail-on`, 1 when one
//! does, 2 when crossfoot could not do its job (bad arguments, a rule file that does not parse,
//! an input that could not be read — after every other input was checked and reported).

use clap::{Parser, Subcommand, ValueEnum};
use crossfoot::annotate::{self, Lang, ReviewOptions};
use crossfoot::check;
use crossfoot::consolidate;
use crossfoot::finding::Severity;
use crossfoot::load::Limits;
use crossfoot::report;
use crossfoot::rules::{self, Pack};
use crossfoot::run::{self, output, Inputs, Isolation, Run, Tally};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    Consolidate(ConsolidateArgs),
    /// List every rule id (without a subcommand: `rules` takes the options of `rules list`),
    /// or work on rule files without a workbook
    #[command(args_conflicts_with_subcommands = true)]
    Rules {
        #[command(subcommand)]
        command: Option<RulesCommand>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// What a rule id means: a finding of crossfoot, or a check of the rule pack
    Explain(ExplainArgs),
    /// Print a shell completion script (e.g. `crossfoot completions bash > ~/.local/share/bash-completion/completions/crossfoot`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `crossfoot man > crossfoot.1`
    Man,
    /// The review desk: a local web server where workbooks are uploaded, kept and checked,
    /// and their findings shown (see the README's "The review desk")
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The folder where submissions are kept (created when missing)
    #[arg(long, default_value = "crossfoot-desk", value_name = "DIR")]
    data: PathBuf,
    /// The address to listen on (port 0: any free port). Anything but a loopback address
    /// lets other machines reach the desk: said on start
    #[arg(long, default_value = "127.0.0.1:8025", value_name = "ADDR:PORT")]
    bind: std::net::SocketAddr,
    /// Most a single upload request may carry, in MB
    #[arg(long, default_value_t = 256, value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024))]
    max_upload_mb: u64,
    /// The units the round expects: a text file, one unit a line, its code then (after a
    /// tab, comma or semicolon) its name; those that have sent nothing are listed as not yet
    /// submitted
    #[arg(long, value_name = "FILE")]
    unit_list: Option<PathBuf>,
    /// Most workbooks in one upload request
    #[arg(long, default_value_t = 200, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    max_files: u64,
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    no_default_rules: bool,
    /// Language of the findings [default: the rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<Lang>,
    /// The report year of the round (as `check --year`)
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u32).range(1900..2200))]
    year: Option<u32>,
    /// Files read at once, each by its own worker process (0: one per core)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = jobs_arg)]
    jobs: usize,
    #[command(flatten)]
    guard: GuardArgs,
}

/// `crossfoot serve`: the review desk, checking each upload with the same run as `check`
/// (worker processes under the memory cap). Runs until stopped; exit 2 when it cannot start.
fn run_serve(args: ServeArgs) -> ExitCode {
    let mut pack = match load_pack(args.no_default_rules, &args.rules) {
        Ok(p) => p,
        Err(code) => return code,
    };
    pack.set_lang(args.lang);
    say_untranslated(&pack);
    let isolation = match args.guard.isolation(args.jobs) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let options = run::Options {
        limits: args.guard.limits(),
        jobs: args.jobs,
        keep_sheets: true,
        copy_all_up_to: 0,
        read_timeout: args.guard.timeout(),
        explain: true,
        year: args.year,
        // The pack's forms only, as `check` without `--discover`.
        discover: false,
    };
    let checker = run::desk::RunChecker::new(pack, options, isolation);
    let mut config = crossfoot::desk::Config::new(args.data, args.bind);
    config.max_request_bytes =
        usize::try_from(args.max_upload_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    config.max_file_bytes = config
        .max_request_bytes
        .min(usize::try_from(args.guard.limits().max_file_bytes).unwrap_or(usize::MAX));
    config.max_files = usize::try_from(args.max_files).unwrap_or(usize::MAX);
    if let Some(list) = &args.unit_list {
        let shown =
            crossfoot::text::visible(&list.display().to_string(), 500, Lang::En).into_owned();
        let read =
            crossfoot::files::read_file(list, 16 * 1024 * 1024, std::time::Duration::from_secs(30))
                .map_err(|u| u.reason)
                .and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
                })
                .and_then(|text| crossfoot::desk::parse_units(&text));
        match read {
            Ok(units) => config.expected = units,
            Err(why) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "crossfoot serve: the unit list {shown}: {}",
                    crossfoot::text::visible(&why, 2000, Lang::En)
                );
                return ExitCode::from(2);
            }
        }
    }
    let served = crossfoot::desk::serve(config, Box::new(checker), |ready| {
        let mut err = std::io::stderr();
        if ready.exposed {
            let _ = writeln!(
                err,
                "WARNING: the review desk listens on {}, which other machines can reach: anyone with the access URL can read every submission",
                ready.addr
            );
        }
        let _ = writeln!(
            err,
            "crossfoot review desk on http://{} — open (the token is a secret; also written to {}):\n{}",
            ready.addr,
            crossfoot::text::visible(&ready.access_file.display().to_string(), 500, Lang::En),
            ready.access_url
        );
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "crossfoot serve: {}",
                crossfoot::text::visible(&e.to_string(), 2000, Lang::En)
            );
            ExitCode::from(2)
        }
    }
}

/// The rule pack and language of `rules list` and `explain`.
#[derive(clap::Args)]
struct PackArgs {
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    no_default_rules: bool,
    /// Language [default: the rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<Lang>,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// A rule id, e.g. `value.required` or `M01.gender-split`
    id: String,
    #[command(flatten)]
    pack: PackArgs,
}

#[derive(clap::Args)]
struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: ListFormat,
    #[command(flatten)]
    pack: PackArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

impl PackArgs {
    fn pack(&self) -> Result<Pack, ExitCode> {
        let mut pack = load_pack(self.no_default_rules, &self.rules)?;
        pack.set_lang(self.lang);
        Ok(pack)
    }
}

/// `crossfoot explain ID`: exit 0 with the doc, 2 for an unknown id.
fn run_explain(args: ExplainArgs) -> ExitCode {
    let pack = match args.pack.pack() {
        Ok(p) => p,
        Err(code) => return code,
    };
    match crossfoot::explain::explain(&pack, &args.id, pack.settings.lang) {
        Ok(text) => {
            // A rule file's own words, which may hold anything: shown, never obeyed; wrapped
            // to the terminal as the report is.
            let text = crossfoot::safe::lines(&text);
            let text = match report::report_width(std::io::stdout().is_terminal()) {
                Some(width) => report::wrap(&text, width),
                None => text.into_owned(),
            };
            let _ = write!(std::io::stdout(), "{text}");
            ExitCode::SUCCESS
        }
        Err(unknown) => {
            eprint_diag(&unknown);
            ExitCode::from(2)
        }
    }
}

/// `crossfoot rules list`: every id with its severity and message.
fn run_list(args: ListArgs) -> ExitCode {
    let pack = match args.pack.pack() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let lang = pack.settings.lang;
    let entries = crossfoot::explain::list(&pack, lang);
    let text = match args.format {
        ListFormat::Human => {
            crossfoot::safe::lines(&crossfoot::explain::list_text(&entries, lang)).into_owned()
        }
        ListFormat::Json => match crossfoot::safe::json_pretty(&entries) {
            Ok(s) => s + "\n",
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let _ = write!(std::io::stdout(), "{text}");
    ExitCode::SUCCESS
}

/// Build the district summary workbook from branch workbooks
#[derive(clap::Args, Debug)]
struct ConsolidateArgs {
    /// Branch workbooks (.xlsx .xlsm .xlsb .xls .ods) or folders to walk (every file in them is
    /// accounted for)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The summary workbook to write (.xlsx; never over an input; an existing file only if it
    /// is a summary crossfoot wrote, unless --force)
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: PathBuf,
    /// Replace an existing file at the output path even if crossfoot did not write it (never
    /// a file the run reads); what was replaced is said on stderr
    #[arg(long)]
    force: bool,
    /// The form to build (default: the first form whose records are matched to units)
    #[arg(long, value_name = "FORM")]
    form: Option<String>,
    /// Leave out branches whose workbooks carry errors (by default they are included and listed)
    #[arg(long)]
    exclude_errors: bool,
    /// Leave this workbook out (repeatable): e.g. the older of two workbooks with one code
    #[arg(long, value_name = "FILE")]
    exclude: Vec<PathBuf>,
    /// When one code is in several workbooks, use the newest (by modification time) and list
    /// the others in Notes [default: such a conflict stops the run, nothing is written]
    #[arg(long, value_enum, value_name = "WHICH")]
    prefer: Option<Prefer>,
    /// The register of units: its units that sent nothing, codes not in it, other names and
    /// years outside a unit's life are said on stderr (a unit not yet submitted: exit 2)
    #[arg(long, value_name = "FILE")]
    units: Option<PathBuf>,
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    no_default_rules: bool,
    /// Language of the summary's Notes [default: the rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<Lang>,
    /// Files read at once, each by its own worker process (0: one per core; at most 4 × the
    /// cores)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = jobs_arg)]
    jobs: usize,
    #[command(flatten)]
    guard: GuardArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
enum Prefer {
    Newest,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check rule files: exit 0 when they compile together (with the built-in pack unless
    /// --no-default-rules), 2 with every problem of every file
    Check(RulesCheckArgs),
    /// List every rule id with its severity and message (the default)
    List(ListArgs),
    /// What the checks say together: contradictions, checks that follow from others, figures
    /// they fix, checks that never fail (under the tolerance crossfoot applies). Exit 0 when
    /// every message is explained in the pack, 1 otherwise, 2 when the rules do not compile
    Lint(RulesLintArgs),
}

#[derive(clap::Args)]
struct RulesLintArgs {
    /// Rule files, or folders of *.toml rule files (none: the built-in pack alone)
    paths: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot: lint the files alone
    #[arg(long)]
    no_default_rules: bool,
    /// The language of the messages (default: the pack's)
    #[arg(long, value_enum)]
    lang: Option<crossfoot::registry::Lang>,
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
        RulesCommand::List(args) => run_list(args),
        RulesCommand::Lint(args) => match rules::load_pack(args.no_default_rules, &args.paths) {
            Ok(mut pack) => {
                pack.set_lang(args.lang);
                let lint = crossfoot::lint::lint(&pack);
                let text = lint.render(pack.settings.lang);
                let _ = write!(std::io::stdout(), "{}", crossfoot::safe::lines(&text));
                if lint.unexplained() == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(errors) => {
                for e in &errors {
                    eprint_diag(e.as_ref());
                }
                ExitCode::from(2)
            }
        },
        RulesCommand::Check(args) => {
            match rules::check_rule_files(args.no_default_rules, &args.paths) {
                Ok(stats) => {
                    for notice in &stats.notices {
                        let _ = writeln!(std::io::stderr(), "{}", crossfoot::safe::lines(notice));
                    }
                    let stats = stats.to_string();
                    let _ = writeln!(std::io::stderr(), "{}", crossfoot::safe::lines(&stats));
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
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// JUnit XML (GitLab, Jenkins)
    Junit,
    /// SARIF 2.1.0 (code scanning)
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Workbooks (.xlsx .xlsm .xlsb .xls .ods) or folders to walk (every file in them is
    /// accounted for)
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
    /// The report year of the run: a workbook whose title block gives another year is a
    /// warning and is not compared with last year's; where a heading repeats under two years,
    /// a workbook whose title gives none is read in this year's column
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u32).range(1900..2200))]
    year: Option<u32>,
    /// The register of units (a workbook: code, name, parent, first and last year,
    /// predecessors): a code not in it, another name, a year outside the unit's life, and
    /// its units that sent nothing are said
    #[arg(long, value_name = "FILE")]
    units: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Lowest severity that makes the exit status 1
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Also write an annotated review workbook (.xlsx): a summary, every finding, and a marked
    /// copy of every checked sheet (never over an input; an existing file only if it is a
    /// review workbook crossfoot wrote, unless --force; where it went is said on stderr)
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Also write into DIR a marked copy of every checked workbook with findings: the branch's
    /// own workbook (.xlsx/.xlsm edited, other formats rebuilt as .xlsx), the cells findings
    /// name filled and noted, and a sheet listing the findings (never over an input)
    #[arg(long, value_name = "DIR")]
    mark: Option<PathBuf>,
    /// With --mark: a marked copy of every checked workbook, also those without findings
    #[arg(long, requires = "mark")]
    mark_all: bool,
    /// Let -o and --mark replace existing files crossfoot did not write (never a file the run
    /// reads, nor one output of this run with another); what was replaced is said on stderr
    #[arg(long)]
    force: bool,
    /// Report the findings only: do not look for the figures most likely wrong (the "most
    /// likely" explanations of the report, the review workbook and the marked copies)
    #[arg(long)]
    no_explain: bool,
    /// Also look, outside the pack's forms, for typed totals that do not add up: a row
    /// labelled as a total (the pack's total_words) against the block above or below it
    /// (warnings, discover.*)
    #[arg(long)]
    discover: bool,
    /// Language crossfoot writes in: findings, the terminal report, the review workbook
    /// [default: the rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    lang: Option<Lang>,
    /// Show only the files with findings (and the total line). The progress bar stays: it is
    /// shown on a terminal only, for runs longer than a second, and never with other formats
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Files read at once, each by its own worker process, with as many threads again checking
    /// what they read (0: one per core; at most 4 × the cores)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = jobs_arg)]
    jobs: usize,
    #[command(flatten)]
    guard: GuardArgs,
}

/// How far one file may make crossfoot go: the limits of reading, and the worker processes.
#[derive(clap::Args, Debug)]
struct GuardArgs {
    /// Most cells read from one sheet; a larger sheet is reported as too large to check safely
    #[arg(long, default_value_t = Limits::default().max_cells_per_sheet, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_SHEET_CELLS))]
    max_cells: u64,
    /// Most cells read from one workbook, all its sheets together
    #[arg(long, default_value_t = Limits::default().max_cells_total, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_SHEET_CELLS))]
    max_total_cells: u64,
    /// Most worksheets read from one workbook; a workbook with more is reported as too large
    #[arg(long, default_value_t = Limits::default().max_sheets, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_sheets: u64,
    /// Memory the whole run's reading may take, in MB: divided among the worker processes,
    /// each reading one file under its share (fewer workers run when a share would be under
    /// 256 MB); a file that needs more than its share is reported as too large to check safely
    #[arg(long, default_value_t = 4096, value_name = "MB",
          value_parser = clap::value_parser!(u64).range(64..=16 * 1024 * 1024))]
    max_reader_mb: u64,
    /// Longest one file's reading may take, in seconds (at most a day)
    #[arg(long, default_value_t = 120, value_name = "S",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    read_timeout: u64,
    /// Most a zip-based workbook may unpack to, in MB
    #[arg(long, default_value_t = Limits::default().max_unzipped_bytes / (1024 * 1024), value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=16 * 1024 * 1024))]
    max_unzipped_mb: u64,
    /// Read files in this process, without worker processes and their memory limit (for
    /// measurements; hostile files can then take the whole run down)
    #[arg(long, hide = true)]
    in_process: bool,
    /// Largest file read, in MB
    #[arg(long, default_value_t = Limits::default().max_file_bytes / (1024 * 1024), value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024))]
    max_file_mb: u64,
}

/// The most cells a sheet can have in any spreadsheet format crossfoot reads (Excel's
/// 1,048,576 rows × 16,384 columns): the ceiling of `--max-cells` and `--max-total-cells`.
const MAX_SHEET_CELLS: u64 = 1_048_576 * 16_384;

/// `--jobs`: a number from 0 to [`run::max_jobs`] (more workers than that only compete for the
/// same cores and memory).
fn jobs_arg(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of files read at once"))?;
    let max = run::max_jobs();
    if n > max {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        return Err(format!(
            "{n} is more than {max}, the most for this machine (4 × its {cores} cores, at least 8; 0: one per core)"
        ));
    }
    Ok(n)
}

impl GuardArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_file_bytes: self.max_file_mb.saturating_mul(1024 * 1024),
            max_cells_per_sheet: self.max_cells,
            max_unzipped_bytes: self.max_unzipped_mb.saturating_mul(1024 * 1024),
            max_sheets: self.max_sheets,
            max_cells_total: self.max_total_cells,
        }
    }

    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.read_timeout.max(1))
    }

    /// The isolation a run reads files with: worker processes under a memory and time limit,
    /// or (for measurements, `--in-process`) this process.
    fn isolation(&self, jobs: usize) -> Result<Box<dyn Isolation + Send>, ExitCode> {
        if self.in_process {
            return Ok(Box::new(run::InProcess));
        }
        match std::env::current_exe() {
            Ok(exe) => Ok(Box::new(crossfoot::worker::Pool::new(
                crossfoot::worker::PoolConfig {
                    exe,
                    max_memory_mb: self.max_reader_mb,
                    timeout: self.timeout(),
                    workers: jobs,
                },
            ))),
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "crossfoot cannot find its own executable to start its worker processes ({e}); nothing was read"
                );
                Err(ExitCode::from(2))
            }
        }
    }
}

/// No workbook was named.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("no workbook to check")]
#[diagnostic(code(crossfoot::no_input), help("name workbooks or folders, e.g. `crossfoot check submissions/` or `crossfoot check branch-07.xlsx`"))]
struct NoInput;

/// A diagnostic as the terminal shows it. Its text may quote an input (a rule file's snippet
/// and name, an id typed on the command line): rendered without colour first, and when that
/// holds a character a terminal would obey, that text is shown with such characters made
/// visible ([`crossfoot::safe::lines`]) instead of the coloured one.
fn render(diag: &dyn Diagnostic) -> String {
    let with = |theme: GraphicalTheme| {
        let mut s = String::new();
        if GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .render_report(&mut s, diag)
            .is_err()
        {
            s = diag.to_string();
        }
        s
    };
    let plain = with(GraphicalTheme::unicode_nocolor());
    if let std::borrow::Cow::Owned(shown) = crossfoot::safe::lines(&plain) {
        return shown;
    }
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        with(GraphicalTheme::unicode())
    } else {
        plain
    }
}

fn eprint_diag(diag: &dyn Diagnostic) {
    let _ = writeln!(std::io::stderr(), "{}", render(diag));
}

fn load_pack(no_default_rules: bool, rules: &[PathBuf]) -> Result<Pack, ExitCode> {
    let pack = rules::load_pack(no_default_rules, rules).map_err(|errors| {
        for e in &errors {
            eprint_diag(e.as_ref());
        }
        ExitCode::from(2)
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
struct UnitsUnread {
    path: String,
    reason: String,
}

/// The register of units, when given: refused before any checking when it cannot be read.
fn read_units(
    path: Option<&Path>,
    pack: &Pack,
    guard: &GuardArgs,
) -> Result<Option<crossfoot::register::Register>, ExitCode> {
    let Some(path) = path else { return Ok(None) };
    let shown = run::inputs::shown(path);
    crossfoot::register::read(path, &shown, pack, &guard.limits(), guard.timeout())
        .map(Some)
        .map_err(|reason| {
            eprint_diag(&UnitsUnread {
                path: crossfoot::text::visible(&shown, 500, Lang::En).into_owned(),
                reason: crossfoot::text::visible(&reason, 500, Lang::En).into_owned(),
            });
            ExitCode::from(2)
        })
}

/// `--previous` names nothing to compare with.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("--previous {paths}: {reason}")]
#[diagnostic(
    code(crossfoot::previous),
    help("name the folder (or the files) of last year's workbooks, e.g. `--previous submissions-2020/`")
)]
struct PreviousEmpty {
    paths: String,
    reason: String,
}

/// Last year's workbooks, when given: refused before any checking when they name nothing.
fn previous_inputs(paths: &[PathBuf]) -> Result<Option<Inputs>, ExitCode> {
    if paths.is_empty() {
        return Ok(None);
    }
    let prev = run::collect(paths);
    let shown: Vec<String> = paths
        .iter()
        .map(|p| crossfoot::text::visible(&run::inputs::shown(p), 500, Lang::En).into_owned())
        .collect();
    let reason = if prev.files.is_empty() {
        Some("no workbook there".to_string())
    } else if prev.files.iter().all(|f| f.problem.is_some()) {
        prev.files
            .iter()
            .find_map(|f| f.problem.as_ref())
            .map(|p| p.reason.clone())
    } else {
        None
    };
    match reason {
        Some(reason) => {
            eprint_diag(&PreviousEmpty {
                paths: shown.join(" "),
                reason,
            });
            Err(ExitCode::from(2))
        }
        None => Ok(Some(prev)),
    }
}

/// Said once per run: checks whose message is not in the chosen language.
fn say_untranslated(pack: &Pack) {
    let count = pack.untranslated();
    if count > 0 {
        let lang = pack.settings.lang;
        let words = crossfoot::registry::Words::of(lang);
        let _ = writeln!(
            std::io::stderr(),
            "{}",
            crossfoot::messages::render(
                words.fallback,
                &[
                    ("count", &count.to_string()),
                    ("lang", words.lang_name(lang)),
                    ("pack", words.lang_name(pack.settings.pack_lang())),
                ],
            )
        );
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    if args.paths.is_empty() {
        eprint_diag(&NoInput);
        return ExitCode::from(2);
    }
    let mut pack = match load_pack(args.no_default_rules, &args.rules) {
        Ok(p) => p,
        Err(code) => return code,
    };
    pack.set_lang(args.lang);
    say_untranslated(&pack);
    let lang = pack.settings.lang;
    // Everything the run reads, then where it writes: settled before any work.
    let mut inputs = run::collect(&args.paths);
    let previous = match previous_inputs(&args.previous) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let register = match read_units(args.units.as_deref(), &pack, &args.guard) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let output = match &args.output {
        None => None,
        Some(out) => {
            let reads = output::Reads {
                previous: previous.as_ref(),
                rule_paths: &args.rules,
            };
            match output::settle(
                out,
                crossfoot::sniff::REVIEW_MARK,
                args.force,
                &mut inputs,
                &reads,
            ) {
                Ok(p) => Some(p),
                Err(refused) => {
                    eprint_diag(&refused);
                    return ExitCode::from(2);
                }
            }
        }
    };
    let mark_dir = match &args.mark {
        None => None,
        Some(dir) => match run::marked::settle_dir(dir) {
            Ok(d) => Some(d),
            Err(refused) => {
                eprint_diag(&refused);
                return ExitCode::from(2);
            }
        },
    };
    if inputs.files.is_empty() {
        // Folders were named, and held nothing to read: said so, in the run's language.
        let named: Vec<String> = args.paths.iter().map(|p| run::inputs::shown(p)).collect();
        let text = report::human_nothing_found(&named, &inputs.passed_over, lang);
        let _ = writeln!(std::io::stderr(), "{text}");
        return ExitCode::from(2);
    }
    // What the inputs were like before the run: a file that changes is not marked.
    let stamps = if mark_dir.is_some() {
        run::marked::stamps(&inputs.files)
    } else {
        Default::default()
    };
    let isolation = match args.guard.isolation(args.jobs) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let options = run::Options {
        limits: args.guard.limits(),
        jobs: args.jobs,
        keep_sheets: output.is_some() || mark_dir.is_some(),
        copy_all_up_to: ReviewOptions::default().max_copied_sheets,
        read_timeout: args.guard.timeout(),
        explain: !args.no_explain,
        year: args.year,
        discover: args.discover,
    };
    let run = Run::new(&pack, options, isolation.as_ref()).with_register(register.as_ref());
    let progress = Progress::new(
        lang,
        inputs.files.len(),
        args.format == Format::Human && std::io::stderr().is_terminal(),
    );
    let on = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut sink = match args.format {
        Format::Json => Sink::Json(report::JsonStream::begin_in(&mut stdout, lang).ok()),
        Format::Human => Sink::Human {
            out: &mut stdout,
            lang,
            style: report::Style {
                on,
                width: report::report_width(std::io::stdout().is_terminal()),
            },
            quiet: args.quiet,
        },
        ci => Sink::Ci {
            out: &mut stdout,
            format: ci,
            results: Vec::new(),
        },
    };
    let mut tally = Tally {
        passed_over: inputs.passed_over,
        ..Tally::default()
    };
    let previous_files = previous.as_ref().map(|p| p.files.as_slice());
    let outcome;
    let mut wrote = None;
    let mut marked = Vec::new();
    if output.is_some() || mark_dir.is_some() {
        // The review workbook and the marked copies need every result: collected, then
        // reported.
        let mut results = Vec::with_capacity(inputs.files.len());
        outcome = run.check(
            &inputs.files,
            previous_files,
            &|_| progress.tick(),
            &mut |r| results.push(r),
        );
        progress.finish();
        let reads = output::Reads {
            previous: previous.as_ref(),
            rule_paths: &args.rules,
        };
        // Everything the run read: never written over, never removed as a stale temporary.
        let protected = run::marked::protected(&inputs, &reads);
        let spare = |p: &Path| run::FileId::of(p).is_some_and(|id| protected.contains(&id));
        if let Some(out) = &output {
            let given: Vec<PathBuf> = inputs.files.iter().map(|i| i.path.clone()).collect();
            let target = crossfoot::output::Target {
                path: &out.path,
                replace: out.replace,
                spare: &spare,
            };
            match annotate::write_review(
                &target,
                &given,
                &results,
                &ReviewOptions {
                    lang,
                    ..ReviewOptions::default()
                },
            ) {
                Ok(written) => wrote = Some((out.path.clone(), written)),
                Err(e) => {
                    eprint_diag(&e);
                    tally.output_failed = true;
                }
            }
        }
        if let Some(dir) = &mark_dir {
            let m = run::marked::MarkRun {
                dir,
                all: args.mark_all,
                lang,
                limits: args.guard.limits(),
                read_timeout: args.guard.timeout(),
                protected: protected.clone(),
                force: args.force,
                // The review workbook of this run is never replaced by a marked copy.
                other_outputs: wrote.iter().map(|(p, _)| p.clone()).collect(),
            };
            for copy in run::marked::write_marked(&m, &inputs.files, &stamps, &results) {
                match copy {
                    Ok(c) => marked.push(c),
                    Err(e) => {
                        eprint_diag(&e);
                        tally.output_failed = true;
                    }
                }
            }
        }
        for r in &results {
            tally.add(r);
            sink.file(r, &progress);
        }
    } else {
        // Without a review workbook the report is written as files finish, in path order: a
        // run holds neither its files nor its findings.
        outcome = run.check(
            &inputs.files,
            previous_files,
            &|_| progress.tick(),
            &mut |r| {
                tally.add(&r);
                sink.file(&r, &progress);
            },
        );
        progress.finish();
    }
    tally.previous_unreadable = outcome.previous_unreadable.len();
    sink.finish(&tally, &outcome.previous_unreadable, &pack);
    let _ = stdout.flush();
    if let Some((out, written)) = wrote {
        let mut err = std::io::stderr();
        say_notices(&written, &out, lang);
        let path = crossfoot::text::visible(&run::inputs::shown(&out), 500, lang).into_owned();
        let _ = writeln!(
            err,
            "{}",
            crossfoot::messages::render(
                crossfoot::registry::Words::of(lang).wrote_review,
                &[("path", &path)]
            )
        );
    }
    if let Some(dir) = &mark_dir {
        let mut err = std::io::stderr();
        for c in &marked {
            say_notices(&c.written, &c.path, lang);
            let w = crossfoot::registry::Words::of(lang);
            let how = match &c.how {
                crossfoot::mark::How::Edited => String::new(),
                crossfoot::mark::How::Rebuilt(why) => {
                    crossfoot::messages::render(w.rebuilt, &[("why", why)])
                }
            };
            let input = crossfoot::text::visible(&c.input, 500, lang);
            let path =
                crossfoot::text::visible(&run::inputs::shown(&c.path), 500, lang).into_owned();
            let _ = writeln!(
                err,
                "{}{}",
                crossfoot::messages::render(w.wrote_mark, &[("input", &input), ("path", &path)]),
                crossfoot::text::visible(&how, 500, lang)
            );
        }
        if marked.is_empty() && !tally.output_failed {
            let dir = crossfoot::text::visible(&run::inputs::shown(dir), 500, lang).into_owned();
            let _ = writeln!(
                err,
                "{}",
                crossfoot::messages::render(
                    crossfoot::registry::Words::of(lang).no_mark,
                    &[("dir", &dir)]
                )
            );
        }
    }
    let fail_on = match args.fail_on {
        FailOn::Error => run::FailOn::Severity(Severity::Error),
        FailOn::Warning => run::FailOn::Severity(Severity::Warning),
        FailOn::Info => run::FailOn::Severity(Severity::Info),
        FailOn::Never => run::FailOn::Never,
    };
    ExitCode::from(tally.exit(fail_on).code())
}

/// What writing an output has to tell (stale temporary files removed), on stderr, input text
/// made visible.
fn say_notices(written: &crossfoot::output::Written, path: &Path, lang: Lang) {
    let mut err = std::io::stderr();
    let words = crossfoot::registry::Words::of(lang);
    for stale in &written.stale_removed {
        let stale = crossfoot::text::visible(&run::inputs::shown(stale), 500, lang).into_owned();
        let line = crossfoot::messages::render(words.removed_stale, &[("path", &stale)]);
        let _ = writeln!(err, "{line}");
    }
    if written.replaced_foreign {
        let path = crossfoot::text::visible(&run::inputs::shown(path), 500, lang).into_owned();
        let line = crossfoot::messages::render(words.replaced_foreign, &[("path", &path)]);
        let _ = writeln!(err, "{line}");
    }
}

/// Why `consolidate` wrote nothing.
#[derive(Debug, thiserror::Error, Diagnostic)]
enum ConsolidateError {
    #[error("no form of the rule pack is a summary of units{}", .0.as_deref().map(|f| format!(" called `{f}`")).unwrap_or_default())]
    #[diagnostic(
        code(crossfoot::no_summary_form),
        help("a summary form has `[records]` with `key` and `match = \"unit_code\"` in its rule file")
    )]
    NoForm(Option<String>),
    #[error("no workbook to consolidate")]
    #[diagnostic(code(crossfoot::no_input), help("name branch workbooks or folders"))]
    NoInput,
    #[error("--exclude {0}: not one of the workbooks being consolidated")]
    #[diagnostic(
        code(crossfoot::exclude),
        help("name a workbook given or found under a folder given, as the report shows it")
    )]
    ExcludeUnknown(String),
    #[error("{}", conflict_text(.0))]
    #[diagnostic(
        code(crossfoot::duplicate_unit),
        help("leave the wrong one out with `--exclude FILE`, or take the newest of each with `--prefer newest`; nothing was written")
    )]
    Conflict(Vec<(String, Vec<String>)>),
    #[error("cannot write {path}: {reason}")]
    #[diagnostic(code(crossfoot::write))]
    Write {
        path: String,
        reason: String,
        #[help]
        help: Option<String>,
    },
}

fn conflict_text(codes: &[(String, Vec<String>)]) -> String {
    let list: Vec<String> = codes
        .iter()
        .map(|(code, files)| {
            let files: Vec<String> = files
                .iter()
                .map(|f| crossfoot::text::visible(f, 500, Lang::En).into_owned())
                .collect();
            format!(
                "unit code {} is in {}",
                crossfoot::text::visible(code, 100, Lang::En),
                files.join(" and ")
            )
        })
        .collect();
    format!("one unit code in several workbooks: {}", list.join("; "))
}

/// `crossfoot consolidate`. Exit status 0 when the summary was written with every input, 2
/// when it was not written, or an input is not in it (unreadable, no unit code), or it has no
/// unit row.
fn run_consolidate(args: ConsolidateArgs) -> ExitCode {
    let mut pack = match load_pack(args.no_default_rules, &args.rules) {
        Ok(p) => p,
        Err(code) => return code,
    };
    pack.set_lang(args.lang);
    let Some(fi) = consolidate::summary_form(&pack, args.form.as_deref()) else {
        eprint_diag(&ConsolidateError::NoForm(args.form.clone()));
        return ExitCode::from(2);
    };
    let mut inputs = run::collect(&args.paths);
    let reads = output::Reads {
        previous: None,
        rule_paths: &args.rules,
    };
    let out = match output::settle(
        &args.output,
        crossfoot::sniff::SUMMARY_MARK,
        args.force,
        &mut inputs,
        &reads,
    ) {
        Ok(p) => p,
        Err(refused) => {
            eprint_diag(&refused);
            return ExitCode::from(2);
        }
    };
    // Workbooks left out by name.
    for ex in &args.exclude {
        let id = run::FileId::of(ex);
        let before = inputs.files.len();
        inputs.files.retain(|f| match (&id, &f.id) {
            (Some(a), Some(b)) => a != b,
            _ => f.path != *ex,
        });
        if inputs.files.len() == before {
            eprint_diag(&ConsolidateError::ExcludeUnknown(
                crossfoot::text::visible(&run::inputs::shown(ex), 500, Lang::En).into_owned(),
            ));
            return ExitCode::from(2);
        }
    }
    if inputs.files.is_empty() {
        eprint_diag(&ConsolidateError::NoInput);
        return ExitCode::from(2);
    }
    let register = match read_units(args.units.as_deref(), &pack, &args.guard) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let isolation = match args.guard.isolation(args.jobs) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let options = run::Options {
        limits: args.guard.limits(),
        jobs: args.jobs,
        read_timeout: args.guard.timeout(),
        ..run::Options::default()
    };
    let run = Run::new(&pack, options, isolation.as_ref());
    let mut units = run.figures(&inputs.files);
    let not_submitted = register
        .as_ref()
        .map_or(0, |reg| say_register(&pack, reg, &mut units));
    let modified: std::collections::BTreeMap<String, std::time::SystemTime> = inputs
        .files
        .iter()
        .filter_map(|f| {
            let t = std::fs::metadata(&f.path).and_then(|m| m.modified()).ok()?;
            Some((f.shown.clone(), t))
        })
        .collect();
    units.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let plan = consolidate::Plan::of(&pack, fi, units, args.exclude_errors);
    // One code in several workbooks: the user chooses, crossfoot does not.
    let conflicts = plan.conflicts();
    let plan = match (conflicts.is_empty(), args.prefer) {
        (true, _) => plan,
        (false, Some(Prefer::Newest)) => plan.prefer(|path| modified.get(path).copied()),
        (false, None) => {
            eprint_diag(&ConsolidateError::Conflict(conflicts));
            return ExitCode::from(2);
        }
    };
    let summary = consolidate::build(&pack, fi, &plan);
    let written = consolidate::write(&pack, &pack.forms[fi], &summary)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            let read: std::collections::BTreeSet<run::FileId> =
                inputs.files.iter().filter_map(|f| f.id.clone()).collect();
            let spare = |p: &Path| run::FileId::of(p).is_some_and(|id| read.contains(&id));
            let target = crossfoot::output::Target {
                path: &out.path,
                replace: out.replace,
                spare: &spare,
            };
            crossfoot::output::write_atomic(&target, &bytes).map_err(|e| e.to_string())
        });
    let written = match written {
        Ok(w) => w,
        Err(reason) => {
            let help = Some(consolidate::write_hint(&reason).to_string());
            eprint_diag(&ConsolidateError::Write {
                path: crossfoot::text::visible(&run::inputs::shown(&out.path), 500, Lang::En)
                    .into_owned(),
                reason,
                help,
            });
            return ExitCode::from(2);
        }
    };
    let mut err = std::io::stderr();
    say_notices(&written, &out.path, pack.settings.lang);
    let path = crossfoot::text::visible(&run::inputs::shown(&out.path), 500, pack.settings.lang)
        .into_owned();
    let _ = writeln!(
        err,
        "{}",
        crossfoot::messages::render(
            crossfoot::registry::Words::of(pack.settings.lang).wrote_summary,
            &[
                ("path", &path),
                ("form", &pack.forms[fi].id),
                ("rows", &summary.rows.len().to_string()),
                ("notes", &summary.notes.len().to_string()),
            ]
        )
    );
    // Inputs left out (unreadable, no unit code), or no unit at all: said, and exit 2.
    match summary.incomplete(&pack) {
        Some(why) => {
            let _ = writeln!(err, "{why}");
            ExitCode::from(2)
        }
        None if not_submitted > 0 => ExitCode::from(2),
        None => ExitCode::SUCCESS,
    }
}

/// `consolidate --units`: the register's findings on stderr, one a line; how many of its
/// units sent nothing.
fn say_register(
    pack: &Pack,
    reg: &crossfoot::register::Register,
    units: &mut [(check::FileResult, check::Kept)],
) -> usize {
    let own = run::units::against_register(pack, reg, units, None);
    let mut err = std::io::stderr();
    let lang = pack.settings.lang;
    let line = |f: &crossfoot::finding::Finding| {
        crossfoot::text::visible(&format!("{}: {}", f.file, f.message), 1000, lang).into_owned()
    };
    for (r, _) in units.iter() {
        for f in r.findings.iter().filter(|f| f.rule.starts_with("unit.")) {
            let _ = writeln!(err, "{}", line(f));
        }
    }
    for f in &own.findings {
        let _ = writeln!(err, "{}", line(f));
    }
    own.findings
        .iter()
        .filter(|f| f.rule == crossfoot::registry::Kind::UnitNotSubmitted.id())
        .count()
}

/// The report on standard output, written file by file as results come (write errors, e.g.
/// a closed pipe, do not stop the run).
enum Sink<'w> {
    Json(Option<report::JsonStream<'w>>),
    Human {
        out: &'w mut dyn Write,
        lang: Lang,
        style: report::Style,
        /// Clean files left out.
        quiet: bool,
    },
    /// A CI format: written once every result is in.
    Ci {
        out: &'w mut dyn Write,
        format: Format,
        results: Vec<check::FileResult>,
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
                lang,
                style,
                quiet,
            } => {
                if *quiet && report::is_clean(r) {
                    return;
                }
                let text = report::human_file(r, *lang, style);
                // The progress bar steps aside while a file's part is printed.
                progress.suspend(|| {
                    let _ = out.write_all(text.as_bytes());
                    if progress.drawn() {
                        let _ = out.flush();
                    }
                });
            }
            Sink::Ci { results, .. } => {
                // Without the sheets kept for the review workbook.
                results.push(check::FileResult {
                    path: r.path.clone(),
                    status: r.status.clone(),
                    forms: r.forms.clone(),
                    findings: r.findings.clone(),
                    unit: r.unit.clone(),
                    kept: Vec::new(),
                    explanations: r.explanations.clone(),
                    not_applied: r.not_applied.clone(),
                });
            }
        }
    }

    fn finish(self, tally: &Tally, previous_unreadable: &[check::FileResult], pack: &Pack) {
        match self {
            Sink::Json(stream) => {
                if let Some(stream) = stream {
                    let _ = stream
                        .finish_run(tally.passed_over, previous_unreadable)
                        .and_then(|out| writeln!(out));
                }
            }
            Sink::Human {
                out, lang, style, ..
            } => {
                let _ = write!(
                    out,
                    "{}{}",
                    report::human_previous(previous_unreadable, lang, &style),
                    report::human_total(tally, lang, &style)
                );
            }
            Sink::Ci {
                out,
                format,
                mut results,
            } => {
                let lang = pack.settings.lang;
                results.extend(previous_unreadable.iter().cloned());
                let text = match format {
                    Format::Github => crossfoot::ci::github(&results, lang),
                    Format::Junit => crossfoot::ci::junit(&results, pack, lang),
                    _ => crossfoot::ci::sarif(&results, pack, lang),
                };
                let _ = out.write_all(text.as_bytes());
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
    fn new(lang: Lang, total: usize, wanted: bool) -> Progress {
        let bar = wanted.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::hidden(),
            );
            let template = format!(
                "{{bar:40}} {{pos}}/{{len}} {}",
                crossfoot::registry::Words::of(lang).progress
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
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
    let tip = format!(
        "to check workbooks, name the command: 'crossfoot check {}'",
        shown.join(" ")
    );
    e.insert(
        ContextKind::Suggested,
        ContextValue::StyledStrs(vec![tip.into()]),
    );
}

/// jemalloc: about 12 % faster than glibc's allocator on the benchmark (see Cargo.toml), and
/// without glibc's per-thread arenas (which left the main process at twice its live heap).
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
        Err(mut e) => {
            suggest_check(&mut e);
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
        Command::Consolidate(args) => run_consolidate(args),
        Command::Rules { command, list } => run_rules(command.unwrap_or(RulesCommand::List(list))),
        Command::Explain(args) => run_explain(args),
        Command::Serve(args) => run_serve(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "crossfoot", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut out) {
                Ok(()) => {
                    let _ = std::io::stdout().write_all(&out);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "cannot write the man page: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
