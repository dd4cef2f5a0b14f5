//! What crossfoot says on the error stream besides its reports, as text: what was written
//! where, the rule pack's untranslated messages, a diagnostic rendered for a terminal. The
//! library never prints; the command line writes these lines.

use crate::registry::{Lang, Words};
use crate::rules::Pack;
use crate::text::visible;
use crate::write::output::Written;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use std::path::Path;

/// A path as the error stream shows it: as reports show paths, every character a terminal
/// would obey made visible.
pub fn shown(path: &Path, lang: Lang) -> String {
    visible(&crate::read::files::shown(path), 500, lang).into_owned()
}

/// What writing an output has to tell besides that it was written: stale temporary files
/// removed, a file crossfoot did not write replaced (`--force`).
pub fn notices(written: &Written, path: &Path, lang: Lang) -> Vec<String> {
    let words = Words::of(lang);
    let mut out: Vec<String> = written
        .stale_removed
        .iter()
        .map(|stale| crate::messages::render(words.removed_stale, &[("path", &shown(stale, lang))]))
        .collect();
    if written.replaced_foreign {
        out.push(crate::messages::render(
            words.replaced_foreign,
            &[("path", &shown(path, lang))],
        ));
    }
    out
}

/// Said once per run: the checks whose message is not in the chosen language (None: all are).
pub fn untranslated(pack: &Pack) -> Option<String> {
    let count = pack.untranslated();
    if count == 0 {
        return None;
    }
    let lang = pack.settings.lang;
    let words = Words::of(lang);
    Some(crate::messages::render(
        words.fallback,
        &[
            ("count", &count.to_string()),
            ("lang", words.lang_name(lang)),
            ("pack", words.lang_name(pack.settings.pack_lang())),
        ],
    ))
}

/// A diagnostic as a terminal shows it (in colour when `colour`). Its text may quote an input
/// (a rule file's snippet and name, an id typed on the command line): rendered without colour
/// first, and when that holds a character a terminal would obey, that text is shown with such
/// characters made visible ([`crate::safe::lines`]) instead of the coloured one.
pub fn diagnostic(diag: &dyn Diagnostic, colour: bool) -> String {
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
    if let std::borrow::Cow::Owned(shown) = crate::safe::lines(&plain) {
        return shown;
    }
    if colour {
        with(GraphicalTheme::unicode())
    } else {
        plain
    }
}
