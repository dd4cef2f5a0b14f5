//! The `crossfoot` command line. Exit status: 0 when no finding reaches `--fail-on`, 1 when one
//! does, 2 when crossfoot could not do its job (bad arguments, a rule file that does not parse,
//! an input that could not be read — after every other input was checked and reported).

use clap::{Parser, Subcommand, ValueEnum};
use crossfoot::annotate::{Lang, ReviewOptions};
use crossfoot::finding::Severity;
use crossfoot::report;
use crossfoot::result::Sink;
use crossfoot::rules::{self, Pack};
use crossfoot::run::{self, output, Exit, Isolation, Run};
use crossfoot::write::{notices, progress, sinks};
use miette::Diagnostic;
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
    /// Draft a rule pack from a template workbook (blank, or a filled example): one form per
    /// table, its rows, columns and the checks its formulas and figures show
    Init(InitArgs),
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
    /// The register of units (a workbook, as `check --units`): each upload is checked against
    /// it as `check` does, and its units are expected in the round (those alive in `--year`,
    /// when given)
    #[arg(long, value_name = "FILE")]
    units: Option<PathBuf>,
    /// Last year's workbooks (files or folders): each upload is compared with its unit's of
    /// last year, as `check --previous`, and last year's units are expected in the round
    #[arg(long, value_name = "PATH")]
    previous: Vec<PathBuf>,
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
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = run::guard::jobs_arg)]
    jobs: usize,
    #[command(flatten)]
    guard: run::guard::GuardArgs,
}

/// `crossfoot serve`: the review desk, checking each upload with the same run as `check`
/// (worker processes under the memory cap). Runs until stopped; exit 2 when it cannot start.
fn run_serve(args: ServeArgs) -> ExitCode {
    let pack = match load_pack(args.no_default_rules, &args.rules, args.lang) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Some(line) = notices::untranslated(&pack) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    let isolation = match isolation(&args.guard, args.jobs, pack.settings.lang) {
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
        history: true,
    };
    let lang = pack.settings.lang;
    let previous = match said(run::inputs::previous(&args.previous, lang)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let register = match read_units(args.units.as_deref(), &pack, &args.guard) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut checker = run::desk::RunChecker::new(pack, options, isolation);
    if let Some(register) = &register {
        checker = checker.with_register(register);
    }
    if let Some(previous) = previous {
        checker = checker.with_previous(previous.files);
    }
    let mut config = crossfoot::desk::Config::new(args.data, args.bind);
    config.max_request_bytes =
        usize::try_from(args.max_upload_mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    config.max_file_bytes = config
        .max_request_bytes
        .min(usize::try_from(args.guard.limits().max_file_bytes).unwrap_or(usize::MAX));
    config.max_files = usize::try_from(args.max_files).unwrap_or(usize::MAX);
    let w = crossfoot::registry::DiagWords::of(lang);
    let render = crossfoot::messages::render;
    if let Some(list) = &args.unit_list {
        let shown = crossfoot::text::visible(&list.display().to_string(), 500, lang).into_owned();
        let read =
            crossfoot::files::read_file(list, 16 * 1024 * 1024, std::time::Duration::from_secs(30))
                .map_err(|u| {
                    crossfoot::messages::unreadable_text(&u, lang)
                        .0
                        .into_owned()
                })
                .and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| w.serve_not_utf8.to_string())
                })
                .and_then(|text| crossfoot::desk::parse_units(&text));
        match read {
            Ok(units) => config.expected = units,
            Err(why) => {
                let line = render(
                    w.serve_unit_list,
                    &[
                        ("path", &shown),
                        ("reason", &crossfoot::text::visible(&why, 2000, lang)),
                    ],
                );
                let _ = writeln!(std::io::stderr(), "{line}");
                return ExitCode::from(2);
            }
        }
    }
    let served = crossfoot::desk::serve(config, Box::new(checker), |ready| {
        let mut err = std::io::stderr();
        let addr = ready.addr.to_string();
        if ready.exposed {
            let _ = writeln!(err, "{}", render(w.serve_exposed, &[("addr", &addr)]));
        }
        let file = crossfoot::text::visible(&ready.access_file.display().to_string(), 500, lang)
            .into_owned();
        let line = render(w.serve_ready, &[("addr", &addr), ("file", &file)]);
        let _ = writeln!(err, "{line}\n{}", ready.access_url);
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let error = crossfoot::text::visible(&e.to_string(), 2000, lang).into_owned();
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                render(w.serve_failed, &[("error", &error)])
            );
            ExitCode::from(2)
        }
    }
}

/// The rule pack and the language: declared once, for every command that reads a pack.
#[derive(clap::Args, Debug)]
struct PackArgs {
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    no_default_rules: bool,
    /// Language crossfoot writes in: findings, reports, the workbooks it writes [default: the
    /// rule pack's language]
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
        load_pack(self.no_default_rules, &self.rules, self.lang)
    }
}

/// `crossfoot explain ID`: exit 0 with the doc, 2 for an unknown id.
fn run_explain(args: ExplainArgs) -> Step {
    let pack = args.pack.pack()?;
    let text = said(crossfoot::explain::explain(
        &pack,
        &args.id,
        pack.settings.lang,
    ))?;
    // A rule file's own words, which may hold anything: shown, never obeyed; wrapped to the
    // terminal as the report is.
    let text = crossfoot::safe::lines(&text);
    let text = match report::report_width(std::io::stdout().is_terminal()) {
        Some(width) => report::wrap(&text, width),
        None => text.into_owned(),
    };
    let _ = write!(std::io::stdout(), "{text}");
    Ok(exit(Exit::Clean))
}

/// `crossfoot rules list`: every id with its severity and message.
fn run_list(args: ListArgs) -> Step {
    let pack = args.pack.pack()?;
    let lang = pack.settings.lang;
    let entries = crossfoot::explain::list(&pack, lang);
    let text = match args.format {
        ListFormat::Human => {
            crossfoot::safe::lines(&crossfoot::explain::list_text(&entries, lang)).into_owned()
        }
        ListFormat::Json => match crossfoot::safe::json_pretty(&entries) {
            Ok(s) => s + "\n",
            Err(e) => {
                let line = crossfoot::messages::render(
                    crossfoot::registry::DiagWords::of(lang).cannot_write_json,
                    &[("error", &e.to_string())],
                );
                let _ = writeln!(std::io::stderr(), "{line}");
                return Err(exit(Exit::Failed));
            }
        },
    };
    let _ = write!(std::io::stdout(), "{text}");
    Ok(exit(Exit::Clean))
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
    #[command(flatten)]
    pack: PackArgs,
    /// Files read at once, each by its own worker process (0: one per core; at most 4 × the
    /// cores)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = run::guard::jobs_arg)]
    jobs: usize,
    #[command(flatten)]
    guard: run::guard::GuardArgs,
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
    /// The language of what it says (default: the pack's)
    #[arg(long, value_enum)]
    lang: Option<crossfoot::registry::Lang>,
}

#[derive(clap::Args)]
struct InitArgs {
    /// The template workbook: blank, or filled (then its figures are an example too)
    template: PathBuf,
    /// A filled workbook of the same template, whose figures show the sums and the bases of
    /// the percentages (repeatable: a check is kept only when every example agrees)
    #[arg(long, value_name = "FILE")]
    example: Vec<PathBuf>,
    /// The folder the pack is written to (created when missing; no file in it is replaced)
    #[arg(long, default_value = "crossfoot-rules", value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    pack: PackArgs,
}

/// `crossfoot init`: the drafted pack written to `--out`, one file per form and the settings;
/// exit 2 when a workbook cannot be read or a file of the pack exists already.
fn run_init(args: InitArgs) -> Step {
    let mut pack = load_pack(args.pack.no_default_rules, &args.pack.rules, args.pack.lang)?;
    pack.set_lang(args.pack.lang);
    let mut sources = if args.pack.no_default_rules {
        Vec::new()
    } else {
        rules::builtin_sources()
    };
    if !args.pack.rules.is_empty() {
        // Compiled above: readable.
        sources.extend(
            rules::read_rule_sources(&args.pack.rules, pack.settings.lang).unwrap_or_default(),
        );
    }
    let limits = crossfoot::load::Limits::default();
    let read = |path: &Path| -> Result<crossfoot::model::Workbook, ExitCode> {
        let shown = run::inputs::shown(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        crossfoot::files::read_file(
            path,
            limits.max_file_bytes,
            std::time::Duration::from_secs(60),
        )
        .and_then(|bytes| crossfoot::load::load_bytes(&bytes, &name, &limits))
        .map_err(|u| {
            let _ = writeln!(
                std::io::stderr(),
                "crossfoot init: {}: {}",
                crossfoot::text::visible(&shown, 500, Lang::En),
                crossfoot::text::visible(&u.reason, 2000, Lang::En)
            );
            exit(Exit::Failed)
        })
    };
    let template = read(&args.template)?;
    let examples = args
        .example
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let example_refs: Vec<&crossfoot::model::Workbook> = examples.iter().collect();
    let source = args
        .template
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let draft = crossfoot::explain::init::draft(&template, &example_refs, &pack.settings, &source);
    let lang = pack.settings.pack_lang();
    if draft.forms == 0 {
        // Nothing to draft: no settings file alone, which no command could use.
        let mut err = std::io::stderr();
        for note in &draft.notes {
            let _ = writeln!(err, "{}", crossfoot::safe::lines(note));
        }
        let msg = crossfoot::messages::engine(
            None,
            pack.settings.lang,
            crossfoot::registry::TextId::InitNothing,
            &[],
        );
        let _ = writeln!(err, "crossfoot init: {msg}");
        return Err(exit(Exit::Failed));
    }
    let mut files = draft.files;
    files.push((
        "settings.toml".to_string(),
        crossfoot::explain::init::settings_file(&sources, lang),
    ));
    let say = |id: crossfoot::registry::TextId, params: &[(&str, &str)]| {
        crossfoot::messages::engine(None, pack.settings.lang, id, params)
    };
    // Nothing is written when a file of the pack stands there already: no half pack.
    let paths: Vec<PathBuf> = files.iter().map(|(n, _)| args.out.join(n)).collect();
    if let Some(p) = paths.iter().find(|p| std::fs::symlink_metadata(p).is_ok()) {
        let shown = crossfoot::text::visible(&p.display().to_string(), 500, Lang::En).into_owned();
        let _ = writeln!(
            std::io::stderr(),
            "crossfoot init: {}",
            say(crossfoot::registry::TextId::InitExists, &[("file", &shown)])
        );
        return Err(exit(Exit::Failed));
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        let shown =
            crossfoot::text::visible(&args.out.display().to_string(), 500, Lang::En).into_owned();
        let _ = writeln!(std::io::stderr(), "crossfoot init: {shown}: {e}");
        return Err(exit(Exit::Failed));
    }
    for ((_, text), path) in files.iter().zip(&paths) {
        let target =
            crossfoot::write::output::Target::new(path, crossfoot::write::output::Replace::Nothing);
        if let Err(e) = crossfoot::write::output::write_atomic(&target, text.as_bytes()) {
            let shown =
                crossfoot::text::visible(&path.display().to_string(), 500, Lang::En).into_owned();
            let _ = writeln!(std::io::stderr(), "crossfoot init: {shown}: {e}");
            return Err(exit(Exit::Failed));
        }
    }
    let mut err = std::io::stderr();
    for note in &draft.notes {
        let _ = writeln!(err, "{}", crossfoot::safe::lines(note));
    }
    let dir = crossfoot::text::visible(&args.out.display().to_string(), 500, Lang::En).into_owned();
    let _ = writeln!(
        err,
        "{}",
        say(
            crossfoot::registry::TextId::InitWritten,
            &[
                ("forms", &draft.forms.to_string()),
                ("checks", &draft.checks.to_string()),
                ("dir", &dir),
            ]
        )
    );
    Ok(exit(Exit::Clean))
}

/// `crossfoot rules …`. Exit status 0 when the rule files compile, 2 when they do not.
fn run_rules(command: RulesCommand) -> Step {
    match command {
        RulesCommand::List(args) => run_list(args),
        RulesCommand::Lint(args) => {
            // The pack's loading notices are not said here (lint says what the checks say).
            let mut pack = rules::load_pack_in(args.no_default_rules, &args.paths, args.lang)
                .map_err(|e| {
                    e.iter().for_each(|e| eprint_diag(e.as_ref()));
                    exit(Exit::Failed)
                })?;
            pack.set_lang(args.lang);
            let lint = crossfoot::lint::lint(&pack);
            let text = lint.render(pack.settings.lang);
            let _ = write!(std::io::stdout(), "{}", crossfoot::safe::lines(&text));
            Ok(exit(if lint.unexplained() == 0 {
                Exit::Clean
            } else {
                Exit::Findings
            }))
        }
        RulesCommand::Check(args) => {
            match rules::check_rule_files(args.no_default_rules, &args.paths, args.lang) {
                Ok(stats) => {
                    for notice in &stats.notices {
                        let line = notice.text(stats.lang);
                        let _ = writeln!(std::io::stderr(), "{}", crossfoot::safe::lines(&line));
                    }
                    let stats = stats.to_string();
                    let _ = writeln!(std::io::stderr(), "{}", crossfoot::safe::lines(&stats));
                    Ok(exit(Exit::Clean))
                }
                Err(errors) => {
                    for e in &errors {
                        eprint_diag(e.as_ref());
                    }
                    Err(exit(Exit::Failed))
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
    #[command(flatten)]
    pack: PackArgs,
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
    /// With --previous: do not judge the figures' plausibility against last year across the
    /// units (history.*: unusual changes, copies, moved shares); each workbook is still
    /// compared with its own last year's
    #[arg(long)]
    no_history: bool,
    /// Also look, outside the pack's forms, for typed figures that do not add up: a row
    /// labelled as a total (the pack's total_words) against the block above or below it, a
    /// numbered heading against its items, a percentage against its count and base
    /// (warnings, discover.*)
    #[arg(long)]
    discover: bool,
    /// Show only the files with findings (and the total line). The progress bar stays: it is
    /// shown on a terminal only, for runs longer than a second, and never with other formats
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Files read at once, each by its own worker process, with as many threads again checking
    /// what they read (0: one per core; at most 4 × the cores)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = run::guard::jobs_arg)]
    jobs: usize,
    #[command(flatten)]
    guard: run::guard::GuardArgs,
}

/// The isolation a run reads files with ([`run::guard::GuardArgs::isolation`]).
fn isolation(
    guard: &run::guard::GuardArgs,
    jobs: usize,
    lang: Lang,
) -> Result<Box<dyn Isolation + Send>, ExitCode> {
    guard.isolation(jobs).map_err(|e| {
        let line = crossfoot::messages::render(
            crossfoot::registry::DiagWords::of(lang).no_worker,
            &[("error", &e.to_string())],
        );
        let _ = writeln!(std::io::stderr(), "{line}");
        exit(Exit::Failed)
    })
}

/// No workbook was named.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", crossfoot::registry::DiagWords::of(*.0).no_input)]
#[diagnostic(code(crossfoot::no_input))]
struct NoInput(Lang, #[help] &'static str);

/// What a command ends with: its exit status, or (`Err`) the status of a step that failed,
/// after its error was said.
type Step = Result<ExitCode, ExitCode>;

/// A step's error said on stderr: the command then exits with status 2.
fn said<T, E: Diagnostic>(r: Result<T, E>) -> Result<T, ExitCode> {
    r.map_err(|e| {
        eprint_diag(&e);
        exit(Exit::Failed)
    })
}

fn eprint_diag(diag: &dyn Diagnostic) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = writeln!(std::io::stderr(), "{}", notices::diagnostic(diag, colour));
}

/// The pack, in the language `lang` (`--lang`; None: the pack's): its errors, and what loading
/// it decided, are said in that language.
fn load_pack(
    no_default_rules: bool,
    rules: &[PathBuf],
    lang: Option<Lang>,
) -> Result<Pack, ExitCode> {
    let mut pack = rules::load_pack_in(no_default_rules, rules, lang).map_err(|errors| {
        for e in &errors {
            eprint_diag(e.as_ref());
        }
        exit(Exit::Failed)
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
struct UnitsUnread {
    path: String,
    reason: String,
    #[help]
    help: &'static str,
    lang: Lang,
}

/// The register of units, when given: refused before any checking when it cannot be read.
fn read_units(
    path: Option<&Path>,
    pack: &Pack,
    guard: &run::guard::GuardArgs,
) -> Result<Option<crossfoot::register::Register>, ExitCode> {
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

fn run_check(args: CheckArgs) -> Step {
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
            crossfoot::sniff::REVIEW_MARK,
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
        return Err(exit(Exit::Failed));
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
    // Everything the run reads: never written over, never removed as a stale temporary.
    let protected = run::marked::protected(&inputs, &reads);
    let spare = |p: &Path| run::FileId::of(p).is_some_and(|id| protected.contains(&id));
    // The sinks of the results: the files first, then the report on standard output.
    let mut review = output.as_ref().map(|out| sinks::Review {
        target: crossfoot::output::Target {
            path: &out.path,
            replace: out.replace,
            spare: &spare,
        },
        given: inputs.files.iter().map(|i| i.path.clone()).collect(),
        options: ReviewOptions {
            lang,
            ..ReviewOptions::default()
        },
        results: Vec::with_capacity(inputs.files.len()),
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
    Ok(exit(tally.exit(fail_on)))
}

/// `crossfoot consolidate`. Exit status 0 when the summary was written with every input, 2
/// when it was not written, or an input is not in it (unreadable, no unit code), or it has no
/// unit row.
fn run_consolidate(args: ConsolidateArgs) -> Step {
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
            Err(exit(Exit::Failed))
        }
        None if done.not_submitted > 0 => Err(exit(Exit::Failed)),
        None => Ok(exit(Exit::Clean)),
    }
}

/// The exit status, in one place: [`Exit`] (0: clean, 1: a finding at `--fail-on`, 2:
/// crossfoot could not do its job).
fn exit(e: Exit) -> ExitCode {
    ExitCode::from(e.code())
}

fn ended(step: Step) -> ExitCode {
    step.unwrap_or_else(|code| code)
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
/// the language of the rule pack the arguments name ([`rules::diagnostic_lang`]).
fn args_lang(args: &[std::ffi::OsString]) -> Lang {
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
    let lang = value("--lang").last().and_then(|l| Lang::of_code(l));
    let no_default = args.iter().any(|a| a == "--no-default-rules");
    rules::diagnostic_lang(no_default, &value("--rules"), lang)
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
    // A reader worker (see src/worker/mod.rs): `crossfoot __read-worker MAX_MB`.
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
                exit(Exit::Failed)
            } else {
                exit(Exit::Clean)
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
        Command::Serve(args) => run_serve(args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "crossfoot", &mut std::io::stdout());
            exit(Exit::Clean)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut out) {
                Ok(()) => {
                    let _ = std::io::stdout().write_all(&out);
                    exit(Exit::Clean)
                }
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "cannot write the man page: {e}");
                    exit(Exit::Failed)
                }
            }
        }
    }
}
