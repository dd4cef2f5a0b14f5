//! The outputs of `crossfoot check` as [`Sink`]s of results: the terminal report, the JSON
//! document, the CI formats and the review workbook. (The marked copies, which read each
//! input again, are [`crate::run::marked::Marks`].) Each takes the results as they come and
//! keeps only what it needs for its end.

use crate::registry::{Lang, Words};
use crate::result::{End, FileResult, Said, Sink};
use crate::rules::Pack;
use crate::write::annotate::{self, ReviewOptions};
use crate::write::notices::{notices, shown};
use crate::write::output::Target;
use crate::write::report::{self, JsonStream, Style};
use std::io::Write;
use std::path::PathBuf;

/// What else is drawn on the terminal the report is printed on (a progress bar).
pub trait Screen {
    /// Runs `print` with the screen clear of what is drawn.
    fn clear_for(&self, print: &mut dyn FnMut());
    /// Whether anything is drawn: each file's part is then flushed at once.
    fn drawn(&self) -> bool;
    /// The run is over: what is drawn goes, before the total is printed.
    fn close(&self);
}

/// Nothing else on the screen.
pub struct Bare;

impl Screen for Bare {
    fn clear_for(&self, print: &mut dyn FnMut()) {
        print()
    }
    fn drawn(&self) -> bool {
        false
    }
    fn close(&self) {}
}

/// The terminal report, written file by file (write errors, e.g. a closed pipe, do not stop
/// the run).
pub struct Terminal<'w> {
    pub out: &'w mut dyn Write,
    pub lang: Lang,
    pub style: Style,
    /// Clean files left out.
    pub quiet: bool,
    pub screen: &'w dyn Screen,
}

impl Sink for Terminal<'_> {
    fn file(&mut self, r: &FileResult) {
        if self.quiet && report::is_clean(r) {
            return;
        }
        let text = report::human_file(r, self.lang, &self.style);
        let (out, screen) = (&mut *self.out, self.screen);
        // The progress bar steps aside while a file's part is printed.
        screen.clear_for(&mut || {
            let _ = out.write_all(text.as_bytes());
            if screen.drawn() {
                let _ = out.flush();
            }
        });
    }

    fn finish(&mut self, end: &End<'_>) -> Said {
        self.screen.close();
        let _ = write!(
            self.out,
            "{}{}",
            report::human_previous(end.previous_unreadable, self.lang, &self.style),
            report::human_total(end.tally, self.lang, &self.style)
        );
        Said::default()
    }
}

/// The JSON document, written file by file ([`JsonStream`]); nothing more once a write
/// failed.
pub struct Json<'w>(Option<JsonStream<'w>>);

impl<'w> Json<'w> {
    pub fn begin(out: &'w mut dyn Write, lang: Lang) -> Json<'w> {
        Json(JsonStream::begin_in(out, lang).ok())
    }
}

impl Sink for Json<'_> {
    fn file(&mut self, r: &FileResult) {
        if let Some(stream) = &mut self.0 {
            let _ = stream.file(r);
        }
    }

    fn finish(&mut self, end: &End<'_>) -> Said {
        if let Some(stream) = self.0.take() {
            let _ = stream
                .finish_run(end.tally.passed_over, end.previous_unreadable)
                .and_then(|out| writeln!(out));
        }
        Said::default()
    }
}

/// A CI format (see [`crate::write::ci`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiFormat {
    Github,
    Junit,
    Sarif,
}

/// A CI format, written once every result is in: it keeps them (without the sheets the
/// review workbook copies).
pub struct Ci<'w> {
    pub out: &'w mut dyn Write,
    pub format: CiFormat,
    pub pack: &'w Pack,
    pub results: Vec<FileResult>,
}

impl Sink for Ci<'_> {
    fn file(&mut self, r: &FileResult) {
        self.results.push(r.with_kept(Vec::new()));
    }

    fn finish(&mut self, end: &End<'_>) -> Said {
        let lang = self.pack.settings.lang;
        let mut results = std::mem::take(&mut self.results);
        results.extend(end.previous_unreadable.iter().cloned());
        let text = match self.format {
            CiFormat::Github => crate::write::ci::github(&results, lang),
            CiFormat::Junit => crate::write::ci::junit(&results, self.pack, lang),
            CiFormat::Sarif => crate::write::ci::sarif(&results, self.pack, lang),
        };
        let _ = self.out.write_all(text.as_bytes());
        Said::default()
    }
}

/// The review workbook ([`annotate::write_built_review`]): its marked copies are written as
/// the results come in ([`annotate::ReviewBuilder`]), the file once every result is in.
pub struct Review<'a> {
    pub target: Target<'a>,
    /// The inputs given: the review workbook is never one of them.
    pub given: Vec<PathBuf>,
    /// The workbook being built (None once written).
    built: Option<annotate::ReviewBuilder>,
}

impl<'a> Review<'a> {
    /// The review workbook in `lang` of the results of the inputs `given`, to be written to
    /// `target`.
    pub fn new(target: Target<'a>, given: Vec<PathBuf>, lang: Lang) -> Review<'a> {
        let options = ReviewOptions {
            lang,
            ..ReviewOptions::default()
        };
        let built = annotate::ReviewBuilder::new(options, given.len());
        Review {
            target,
            given,
            built: Some(built),
        }
    }
}

impl Sink for Review<'_> {
    fn file(&mut self, r: &FileResult) {
        if let Some(built) = &mut self.built {
            built.add(r);
        }
    }

    fn finish(&mut self, _: &End<'_>) -> Said {
        let mut said = Said::default();
        let Some(built) = self.built.take() else {
            return said;
        };
        let lang = built.lang();
        match annotate::write_built_review(&self.target, &self.given, built) {
            Ok(written) => {
                let path = self.target.path;
                said.notes = notices(&written, path, lang);
                said.notes.push(crate::messages::render(
                    Words::of(lang).wrote_review,
                    &[("path", &shown(path, lang))],
                ));
            }
            Err(e) => said.failures.push(Box::new(e)),
        }
        said
    }
}
