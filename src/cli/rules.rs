//! The commands on the rule pack without a workbook: `crossfoot explain ID`, `crossfoot rules
//! list`, `rules check`, `rules lint`.

use super::args::{ExplainArgs, ListArgs, ListFormat, RulesCommand};
use super::{eprint_diag, said, Step};
use crossfoot::rules;
use crossfoot::run::Exit;
use crossfoot::write::report;
use std::io::{IsTerminal, Write};

/// `crossfoot explain ID`: exit 0 with the doc, 2 for an unknown id.
pub fn run_explain(args: ExplainArgs) -> Step {
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
    Ok(Exit::Clean)
}

/// `crossfoot rules list`: every id with its severity and message.
pub fn run_list(args: ListArgs) -> Step {
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
                return Err(Exit::Failed);
            }
        },
    };
    let _ = write!(std::io::stdout(), "{text}");
    Ok(Exit::Clean)
}

/// `crossfoot rules …`. Exit status 0 when the rule files compile, 2 when they do not.
pub fn run_rules(command: RulesCommand) -> Step {
    match command {
        RulesCommand::List(args) => run_list(args),
        RulesCommand::Lint(args) => {
            // The pack's loading notices are not said here (lint says what the checks say).
            let mut pack = rules::load_pack_in(args.no_default_rules, &args.paths, args.lang)
                .map_err(|e| {
                    e.iter().for_each(|e| eprint_diag(e.as_ref()));
                    Exit::Failed
                })?;
            pack.set_lang(args.lang);
            let lint = crossfoot::explain::lint::lint(&pack);
            let text = lint.render(pack.settings.lang);
            let _ = write!(std::io::stdout(), "{}", crossfoot::safe::lines(&text));
            Ok(if lint.unexplained() == 0 {
                Exit::Clean
            } else {
                Exit::Findings
            })
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
                    Ok(Exit::Clean)
                }
                Err(errors) => {
                    for e in &errors {
                        eprint_diag(e.as_ref());
                    }
                    Err(Exit::Failed)
                }
            }
        }
    }
}
