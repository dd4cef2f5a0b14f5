//! `crossfoot init`: a starter rule pack drafted from a template workbook (and filled
//! examples), written to `--out` with the atomic writer, never over a file.

use super::args::InitArgs;
use super::{load_pack, Step};
use crossfoot::rules;
use crossfoot::run::{self, Exit};
use crossfoot::write::annotate::Lang;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `crossfoot init`: the drafted pack written to `--out`, one file per form and the settings;
/// exit 2 when a workbook cannot be read or a file of the pack exists already.
pub fn run_init(args: InitArgs) -> Step {
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
    let limits = crossfoot::read::load::Limits::default();
    let read = |path: &Path| -> Result<crossfoot::model::Workbook, Exit> {
        let shown = run::inputs::shown(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        crossfoot::read::files::read_file(
            path,
            limits.max_file_bytes,
            std::time::Duration::from_secs(60),
        )
        .and_then(|bytes| crossfoot::read::load::load_bytes(&bytes, &name, &limits))
        .map_err(|u| {
            let _ = writeln!(
                std::io::stderr(),
                "crossfoot init: {}: {}",
                crossfoot::text::visible(&shown, 500, Lang::En),
                crossfoot::text::visible(&u.reason, 2000, Lang::En)
            );
            Exit::Failed
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
        return Err(Exit::Failed);
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
        return Err(Exit::Failed);
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        let shown =
            crossfoot::text::visible(&args.out.display().to_string(), 500, Lang::En).into_owned();
        let _ = writeln!(std::io::stderr(), "crossfoot init: {shown}: {e}");
        return Err(Exit::Failed);
    }
    for ((_, text), path) in files.iter().zip(&paths) {
        let target =
            crossfoot::write::output::Target::new(path, crossfoot::write::output::Replace::Nothing);
        if let Err(e) = crossfoot::write::output::write_atomic(&target, text.as_bytes()) {
            let shown =
                crossfoot::text::visible(&path.display().to_string(), 500, Lang::En).into_owned();
            let _ = writeln!(std::io::stderr(), "crossfoot init: {shown}: {e}");
            return Err(Exit::Failed);
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
    Ok(Exit::Clean)
}
