//! What is wrong in rule files, pointing at the characters: one [`RuleProblem`] each, a file's
//! problems together ([`RuleFileError`]), a path that cannot be read ([`RulePathError`]), and
//! the help they carry ("did you mean …?").

use super::*;

/// The text a problem is shown in: its rule file and, for a conflict between two files, the
/// other one, each at its own offset (so that one diagnostic shows a snippet of each).
#[derive(Debug, Clone)]
pub(super) struct RuleText {
    /// (file name, text, offset of its first character in the problem's spans)
    pub(super) files: Vec<(String, Arc<String>, usize)>,
}

impl RuleText {
    pub(super) fn of(src: &Source) -> RuleText {
        RuleText {
            files: vec![(src.name.clone(), Arc::new(src.text.clone()), 0)],
        }
    }

    /// Adds a file after the others; the offset its spans start at.
    pub(super) fn push(&mut self, src: &Source) -> usize {
        let base = self
            .files
            .last()
            .map_or(0, |(_, text, base)| base + text.len() + 1);
        self.files
            .push((src.name.clone(), Arc::new(src.text.clone()), base));
        base
    }
}

impl miette::SourceCode for RuleText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let start = span.offset();
        let end = start + span.len();
        // A span reaching across two files cannot be read (the handler then shows them apart).
        let (name, text, base) = self
            .files
            .iter()
            .find(|(_, text, base)| start >= *base && end <= base + text.len())
            .ok_or(miette::MietteError::OutOfBounds)?;
        let local = SourceSpan::new((start - base).into(), span.len());
        let inner = text
            .as_str()
            .read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// One problem in a rule file, pointing at its characters (and, for a conflict between
/// files, at the other file's too).
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
pub struct RuleProblem {
    pub(super) message: String,
    #[source_code]
    pub(super) src: RuleText,
    #[label("{label}")]
    pub(super) span: SourceSpan,
    pub(super) label: String,
    #[label(collection)]
    pub(super) others: Vec<miette::LabeledSpan>,
    #[help]
    pub(super) help: Option<String>,
    /// What written mistake it may follow from: then it is not shown with them.
    pub(super) may_follow: Option<Follows>,
}

/// A problem of a file's definitions that may follow from a mistake in the file as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Follows {
    /// A name unknown: a definition may have lost its `id` (or its whole table).
    Name,
    /// A part missing: a misspelt or mistyped key is a missing one.
    Part,
}

impl RuleProblem {
    /// The message, without the snippet.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The characters the problem points at in its own file.
    pub fn span(&self) -> Range<usize> {
        self.span.offset()..self.span.offset() + self.span.len()
    }
}

/// All problems of one rule file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("the rule file {path} has {} problem{}", problems.len(), if problems.len() == 1 { "" } else { "s" })]
#[diagnostic(
    code(crossfoot::rule_file),
    help("fix the rule file; no workbook was checked")
)]
pub struct RuleFileError {
    pub path: String,
    #[related]
    pub problems: Vec<RuleProblem>,
}

/// A rule path that could not be read at all.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", render(DiagWords::of(*.lang).rule_path, &[("path", .path), ("reason", .reason)]))]
#[diagnostic(code(crossfoot::rule_path))]
pub struct RulePathError {
    pub path: String,
    pub reason: String,
    #[help]
    pub help: &'static str,
    /// The language it is said in.
    pub lang: Lang,
}

/// The last line after the problems of the rule files: how many, where, and what it means.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{text}")]
#[diagnostic(code(crossfoot::rule_files))]
pub struct RulesSummary {
    pub count: usize,
    /// "1 problem in the rule file my-form.toml", "4 problems in 2 rule files (a.toml: 3,
    /// b.toml: 1)", in the language it is said in.
    pub text: String,
    #[help]
    pub help: &'static str,
}

impl RulesSummary {
    pub(super) fn of(errors: &[RuleFileError], help: &'static str, lang: Lang) -> RulesSummary {
        let w = DiagWords::of(lang);
        let count: usize = errors.iter().map(|e| e.problems.len()).sum();
        let files = match errors {
            [one] => render(w.rules_in_file, &[("path", &one.path)]),
            _ => render(
                w.rules_in_files,
                &[
                    ("count", &errors.len().to_string()),
                    (
                        "each",
                        &errors
                            .iter()
                            .map(|e| format!("{}: {}", e.path, e.problems.len()))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
            ),
        };
        let one = if count == 1 {
            w.rules_problem_one
        } else {
            w.rules_problems
        };
        RulesSummary {
            count,
            text: render(one, &[("count", &count.to_string()), ("files", &files)]),
            help,
        }
    }
}

pub(super) struct Problems<'a> {
    pub(super) src: &'a Source,
    pub(super) text: RuleText,
    pub(super) list: Vec<RuleProblem>,
}

impl<'a> Problems<'a> {
    pub(super) fn new(src: &'a Source) -> Problems<'a> {
        Problems {
            src,
            text: RuleText::of(src),
            list: Vec::new(),
        }
    }

    pub(super) fn add(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        if span.start >= schema::placeholder_start(&self.src.text) {
            // It points at a placeholder for a schema mistake already reported.
            return;
        }
        let len = self.src.text.len();
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        self.list.push(RuleProblem {
            message: message.into(),
            src: self.text.clone(),
            span: (start, end - start).into(),
            label: label.into(),
            others: Vec::new(),
            help,
            may_follow: None,
        });
    }

    /// [`Problems::add`] for a name that is unknown: a definition that lost its `id` to a
    /// mistake as written may be the one meant ([`Follows::Name`]).
    pub(super) fn add_may_follow(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.add_following(Follows::Name, span, message.into(), label.into(), help);
    }

    /// [`Problems::add`] for a part that is missing: a misspelt or mistyped key is a missing
    /// one ([`Follows::Part`]).
    pub(super) fn add_part_missing(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.add_following(Follows::Part, span, message.into(), label.into(), help);
    }

    pub(super) fn add_following(
        &mut self,
        follows: Follows,
        span: Range<usize>,
        message: String,
        label: String,
        help: Option<String>,
    ) {
        let before = self.list.len();
        self.add(span, message, label, help);
        for p in &mut self.list[before..] {
            p.may_follow = Some(follows);
        }
    }
}

/// A key set in two files: a problem of the second, showing both.
pub(super) struct Conflict<'a> {
    pub(super) message: String,
    /// Where it is set now: the file, the value's characters.
    pub(super) here: (&'a Source, Range<usize>),
    /// Where it was set before.
    pub(super) before: (&'a Source, Range<usize>),
    pub(super) help: String,
}

impl Conflict<'_> {
    pub(super) fn problem(self) -> RuleProblem {
        let (src, span) = self.here;
        let (other, other_span) = self.before;
        let mut text = RuleText::of(src);
        let base = text.push(other);
        let shown = |s: &Source, r: &Range<usize>| s.text.get(r.clone()).unwrap_or("").to_string();
        let value_here = shown(src, &span);
        let value_before = shown(other, &other_span);
        RuleProblem {
            message: self.message,
            src: text,
            span: (span.start, span.len()).into(),
            label: format!("{value_here} here"),
            others: vec![miette::LabeledSpan::new(
                Some(format!("{value_before} here")),
                base + other_span.start,
                other_span.len(),
            )],
            help: Some(self.help),
            may_follow: None,
        }
    }
}

pub(super) fn did_you_mean<'a>(
    wanted: &str,
    options: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    did_you_mean_in(wanted, options, Lang::En)
}

/// [`did_you_mean`] in `lang`.
pub(super) fn did_you_mean_in<'a>(
    wanted: &str,
    options: impl IntoIterator<Item = &'a str>,
    lang: Lang,
) -> Option<String> {
    closest(wanted, options).map(|c| render(DiagWords::of(lang).did_you_mean, &[("name", c)]))
}

/// Where the text of a TOML string value starts, given the span of the whole value.
pub(super) fn string_content_offset(text: &str, span: &Range<usize>) -> usize {
    let raw = text.get(span.start..span.end).unwrap_or("");
    let skip = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        let after = &raw[3..];
        3 + if after.starts_with("\r\n") {
            2
        } else if after.starts_with('\n') {
            1
        } else {
            0
        }
    } else if raw.starts_with('"') || raw.starts_with('\'') {
        1
    } else {
        0
    };
    span.start + skip
}
