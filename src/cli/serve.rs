//! `crossfoot serve`: the review desk, built from its arguments and handed the same run as
//! `check`.

use super::args::ServeArgs;
use super::{isolation, load_pack, read_units, said, Step};
use crossfoot::annotate::Lang;
use crossfoot::run;
use crossfoot::run::Exit;
use crossfoot::write::notices;
use std::io::Write;

/// `crossfoot serve`: the review desk, checking each upload with the same run as `check`
/// (worker processes under the memory cap). Runs until stopped; exit 2 when it cannot start.
pub fn run_serve(args: ServeArgs) -> Step {
    let mut pack = load_pack(args.no_default_rules, &args.rules)?;
    pack.set_lang(args.lang);
    if let Some(line) = notices::untranslated(&pack) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    let isolation = isolation(&args.guard, args.jobs)?;
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
    let previous = said(run::inputs::previous(&args.previous))?;
    let register = read_units(args.units.as_deref(), &pack, &args.guard)?;
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
                return Err(Exit::Failed);
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
        Ok(()) => Ok(Exit::Clean),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "crossfoot serve: {}",
                crossfoot::text::visible(&e.to_string(), 2000, Lang::En)
            );
            Err(Exit::Failed)
        }
    }
}
