//! `crossfoot serve`: the review desk, built from its arguments and handed the same run as
//! `check`.

use super::args::ServeArgs;
use super::{isolation, load_pack, read_units, said, Step};
use crossfoot::run;
use crossfoot::run::Exit;
use crossfoot::write::notices;
use std::io::Write;

/// `crossfoot serve`: the review desk, checking each upload with the same run as `check`
/// (worker processes under the memory cap). Runs until stopped; exit 2 when it cannot start.
pub fn run_serve(args: ServeArgs) -> Step {
    let pack = load_pack(args.no_default_rules, &args.rules, args.lang)?;
    if let Some(line) = notices::untranslated(&pack) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    let isolation = isolation(&args.guard, args.jobs, pack.settings.lang)?;
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
    let previous = said(run::inputs::previous(&args.previous, lang))?;
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
    let w = crossfoot::registry::DiagWords::of(lang);
    let render = crossfoot::messages::render;
    if let Some(list) = &args.unit_list {
        let shown = crossfoot::text::visible(&list.display().to_string(), 500, lang).into_owned();
        let read = crossfoot::read::files::read_file(
            list,
            16 * 1024 * 1024,
            std::time::Duration::from_secs(30),
        )
        .map_err(|u| {
            crossfoot::messages::unreadable_text(&u, lang)
                .0
                .into_owned()
        })
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| w.serve_not_utf8.to_string()))
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
                return Err(Exit::Failed);
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
        Ok(()) => Ok(Exit::Clean),
        Err(e) => {
            let error = crossfoot::text::visible(&e.to_string(), 2000, lang).into_owned();
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                render(w.serve_failed, &[("error", &error)])
            );
            Err(Exit::Failed)
        }
    }
}
