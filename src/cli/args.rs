//! The command line's arguments: clap's structures, as the user types them. Nothing here
//! runs: each command's module ([`super::check`], [`super::consolidate`], [`super::rules`],
//! [`super::serve`]) turns them into a run and its outputs.

use clap::{Parser, Subcommand, ValueEnum};
use crossfoot::run;
use crossfoot::write::annotate::Lang;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "crossfoot",
    version,
    about = "Checks that the totals and percentages of branch statistical workbooks add up"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check workbooks against the rule pack and report every discrepancy
    Check(CheckArgs),
    /// Build the summary workbook of a level from the workbooks one level down (a commune's from
    /// its branches, a province's from its communes' summaries)
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
pub struct ServeArgs {
    /// The folder where submissions are kept (created when missing)
    #[arg(long, default_value = "crossfoot-desk", value_name = "DIR")]
    pub data: PathBuf,
    /// The address to listen on (port 0: any free port). Anything but a loopback address
    /// lets other machines reach the desk: said on start
    #[arg(long, default_value = "127.0.0.1:8025", value_name = "ADDR:PORT")]
    pub bind: std::net::SocketAddr,
    /// Most a single upload request may carry, in MB
    #[arg(long, default_value_t = 256, value_name = "MB",
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024))]
    pub max_upload_mb: u64,
    /// The units the round expects: a text file, one unit a line, its code then (after a
    /// tab, comma or semicolon) its name; those that have sent nothing are listed as not yet
    /// submitted
    #[arg(long, value_name = "FILE")]
    pub unit_list: Option<PathBuf>,
    /// The register of units (a workbook, as `check --units`): each upload is checked against
    /// it as `check` does, and its units are expected in the round (those alive in `--year`,
    /// when given)
    #[arg(long, value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// Last year's workbooks (files or folders): each upload is compared with its unit's of
    /// last year, as `check --previous`, and last year's units are expected in the round
    #[arg(long, value_name = "PATH")]
    pub previous: Vec<PathBuf>,
    /// Most workbooks in one upload request
    #[arg(long, default_value_t = 200, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_files: u64,
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    pub no_default_rules: bool,
    /// Language of the findings [default: the rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,
    /// The report year of the round (as `check --year`)
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u32).range(1900..2200))]
    pub year: Option<u32>,
    /// Files read at once, each by its own worker process (0: one per core)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = run::guard::jobs_arg)]
    pub jobs: usize,
    #[command(flatten)]
    pub guard: run::guard::GuardArgs,
}

/// The rule pack and the language: declared once, for every command that reads a pack.
#[derive(clap::Args, Debug)]
pub struct PackArgs {
    /// Add a rule file, or a folder of *.toml rule files (repeatable)
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot
    #[arg(long)]
    pub no_default_rules: bool,
    /// Language crossfoot writes in: findings, reports, the workbooks it writes [default: the
    /// rule pack's language]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<Lang>,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// The template workbook: blank, or filled (then its figures are an example too)
    pub template: PathBuf,
    /// A filled workbook of the same template, whose figures show the sums and the bases of
    /// the percentages (repeatable: a check is kept only when every example agrees)
    #[arg(long, value_name = "FILE")]
    pub example: Vec<PathBuf>,
    /// The folder the pack is written to (created when missing; no file in it is replaced)
    #[arg(long, default_value = "crossfoot-rules", value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub pack: PackArgs,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// A rule id, e.g. `value.required` or `M01.gender-split`
    pub id: String,
    #[command(flatten)]
    pub pack: PackArgs,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    pub format: ListFormat,
    #[command(flatten)]
    pub pack: PackArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// Build the summary workbook of a level from the workbooks one level down (a commune's from
/// its branches, a province's from its communes' summaries)
#[derive(clap::Args, Debug)]
pub struct ConsolidateArgs {
    /// Branch workbooks (.xlsx .xlsm .xlsb .xls .ods) or folders to walk (every file in them is
    /// accounted for)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The summary workbook to write (.xlsx; never over an input; an existing file only if it
    /// is a summary crossfoot wrote, unless --force)
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// Replace an existing file at the output path even if crossfoot did not write it (never
    /// a file the run reads); what was replaced is said on stderr
    #[arg(long)]
    pub force: bool,
    /// The form to build (default: the first form whose records are matched to units)
    #[arg(long, value_name = "FORM")]
    pub form: Option<String>,
    /// Leave out branches whose workbooks carry errors (by default they are included and listed)
    #[arg(long)]
    pub exclude_errors: bool,
    /// Leave this workbook out (repeatable): e.g. the older of two workbooks with one code
    #[arg(long, value_name = "FILE")]
    pub exclude: Vec<PathBuf>,
    /// When one code is in several workbooks, use the newest (by modification time) and list
    /// the others in Notes [default: such a conflict stops the run, nothing is written]
    #[arg(long, value_enum, value_name = "WHICH")]
    pub prefer: Option<Prefer>,
    /// The register of units: its units that sent nothing, codes not in it, other names and
    /// years outside a unit's life are said on stderr (a unit not yet submitted: exit 2)
    #[arg(long, value_name = "FILE")]
    pub units: Option<PathBuf>,
    #[command(flatten)]
    pub pack: PackArgs,
    /// Files read at once, each by its own worker process (0: one per core; at most 4 × the
    /// cores)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = run::guard::jobs_arg)]
    pub jobs: usize,
    #[command(flatten)]
    pub guard: run::guard::GuardArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Debug)]
pub enum Prefer {
    Newest,
}

#[derive(Subcommand)]
pub enum RulesCommand {
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
pub struct RulesLintArgs {
    /// Rule files, or folders of *.toml rule files (none: the built-in pack alone)
    pub paths: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot: lint the files alone
    #[arg(long)]
    pub no_default_rules: bool,
    /// The language of the messages (default: the pack's)
    #[arg(long, value_enum)]
    pub lang: Option<crossfoot::registry::Lang>,
}

#[derive(clap::Args)]
pub struct RulesCheckArgs {
    /// Rule files, or folders of *.toml rule files (none: the built-in pack alone)
    pub paths: Vec<PathBuf>,
    /// Do not use the rule pack built into crossfoot: check the files alone
    #[arg(long)]
    pub no_default_rules: bool,
    /// The language of what it says (default: the pack's)
    #[arg(long, value_enum)]
    pub lang: Option<crossfoot::registry::Lang>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
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
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Workbooks (.xlsx .xlsm .xlsb .xls .ods) or folders to walk (every file in them is
    /// accounted for)
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub pack: PackArgs,
    /// Last year's workbooks (files or folders): each branch's opening figures are compared with
    /// its closing figures of last year
    #[arg(long, value_name = "PATH")]
    pub previous: Vec<PathBuf>,
    /// The report year of the run: a workbook whose title block gives another year is a
    /// warning and is not compared with last year's; where a heading repeats under two years,
    /// a workbook whose title gives none is read in this year's column
    #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(u32).range(1900..2200))]
    pub year: Option<u32>,
    /// The register of units (a workbook: code, name, parent, first and last year,
    /// predecessors): a code not in it, another name, a year outside the unit's life, and
    /// its units that sent nothing are said
    #[arg(long, value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Lowest severity that makes the exit status 1
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Also write an annotated review workbook (.xlsx): a summary, every finding, and a marked
    /// copy of every checked sheet (never over an input; an existing file only if it is a
    /// review workbook crossfoot wrote, unless --force; where it went is said on stderr)
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Also write into DIR a marked copy of every checked workbook with findings: the branch's
    /// own workbook (.xlsx/.xlsm edited, other formats rebuilt as .xlsx), the cells findings
    /// name filled and noted, and a sheet listing the findings (never over an input)
    #[arg(long, value_name = "DIR")]
    pub mark: Option<PathBuf>,
    /// With --mark: a marked copy of every checked workbook, also those without findings
    #[arg(long, requires = "mark")]
    pub mark_all: bool,
    /// Let -o and --mark replace existing files crossfoot did not write (never a file the run
    /// reads, nor one output of this run with another); what was replaced is said on stderr
    #[arg(long)]
    pub force: bool,
    /// Report the findings only: do not look for the figures most likely wrong (the "most
    /// likely" explanations of the report, the review workbook and the marked copies)
    #[arg(long)]
    pub no_explain: bool,
    /// With --previous: do not judge the figures' plausibility against last year across the
    /// units (history.*: unusual changes, copies, moved shares); each workbook is still
    /// compared with its own last year's
    #[arg(long)]
    pub no_history: bool,
    /// Also look, outside the pack's forms, for typed figures that do not add up: a row
    /// labelled as a total (the pack's total_words) against the block above or below it, a
    /// heading against the rows under it (by numbering, or, in .xlsx, indentation or bold), a
    /// percentage against its count and base, a sum formula that leaves out an adjacent member
    /// of its block (warnings, discover.*)
    #[arg(long)]
    pub discover: bool,
    /// Show only the files with findings (and the total line). The progress bar stays: it is
    /// shown on a terminal only, for runs longer than a second, and never with other formats
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Files read at once, each by its own worker process, with as many threads again checking
    /// what they read (0: one per core; at most 4 × the cores)
    #[arg(long, short = 'j', default_value_t = 0, value_name = "N", value_parser = run::guard::jobs_arg)]
    pub jobs: usize,
    #[command(flatten)]
    pub guard: run::guard::GuardArgs,
}
