//! Loading a pack: rule files read from paths (bounded), the built-in pack, a user's forms
//! over the built-in ones, every file's `[settings]` merged into one (a key two files set
//! otherwise is a problem of both), and the notices of what loading decided.

use super::*;

/// Reads rule files from the given paths (files, or folders of `*.toml`), in a stable order.
/// Every path that cannot be read is an error, and so is a folder that holds no rule file.
/// The errors are said in `lang`.
pub fn read_rule_sources(
    paths: &[impl AsRef<Path>],
    lang: Lang,
) -> Result<Vec<Source>, Vec<RulePathError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let w = DiagWords::of(lang);
    let mut fail = |path: &Path, reason: String| {
        errors.push(RulePathError {
            path: path.display().to_string(),
            reason,
            help: w.rule_path_help,
            lang,
        })
    };
    for p in paths {
        let p = p.as_ref();
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                fail(p, e.to_string());
                continue;
            }
        };
        let files = if meta.is_dir() {
            let entries = match std::fs::read_dir(p) {
                Ok(entries) => entries,
                Err(e) => {
                    fail(p, e.to_string());
                    continue;
                }
            };
            let mut files = Vec::new();
            for entry in entries {
                match entry {
                    Ok(entry) => {
                        let f = entry.path();
                        if f.extension()
                            .is_some_and(|x| x.eq_ignore_ascii_case("toml"))
                        {
                            files.push(f);
                        }
                    }
                    Err(e) => fail(p, e.to_string()),
                }
            }
            files.sort();
            if files.is_empty() {
                fail(p, w.rule_path_no_toml.to_string());
            }
            files
        } else {
            vec![p.to_path_buf()]
        };
        for f in files {
            match read_rule_file(&f, lang) {
                Ok(text) => out.push(Source {
                    name: f.display().to_string(),
                    text,
                }),
                Err(reason) => fail(&f, reason),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Largest rule file read: a rule file is a few kilobytes (the largest built-in one is under
/// 40 KB); anything near this is no rule file.
pub const MAX_RULE_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Longest opening and reading one rule file may take.
pub(super) const RULE_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One rule file's text, read as workbooks are ([`crate::read::files::read_file`]): a regular
/// file only (a named pipe or a device is refused without waiting), at most
/// [`MAX_RULE_FILE_BYTES`], within [`RULE_READ_TIMEOUT`].
fn read_rule_file(path: &Path, lang: Lang) -> Result<String, String> {
    let w = DiagWords::of(lang);
    let bytes = crate::read::files::read_file(path, MAX_RULE_FILE_BYTES, RULE_READ_TIMEOUT)
        .map_err(|u| crate::messages::unreadable_text(&u, lang).0.into_owned())?;
    if bytes.len() as u64 > MAX_RULE_FILE_BYTES {
        return Err(render(
            w.rule_path_too_large,
            &[("mb", &(MAX_RULE_FILE_BYTES / (1024 * 1024)).to_string())],
        ));
    }
    String::from_utf8(bytes).map_err(|_| w.rule_path_not_utf8.to_string())
}

/// What a built-in rule file is called in messages: `rules/pack.toml (built in)`.
pub(super) const BUILT_IN: &str = " (built in)";

/// The rule pack shipped in `rules/`, compiled into the binary.
pub fn builtin_sources() -> Vec<Source> {
    let files: &[(&str, &str)] = &include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
    files
        .iter()
        .map(|(name, text)| Source {
            name: format!("{name}{BUILT_IN}"),
            text: (*text).to_string(),
        })
        .collect()
}

/// No rules at all.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{}", DiagWords::of(*.lang).no_rules)]
#[diagnostic(code(crossfoot::no_rules))]
pub struct NoRules {
    #[help]
    pub help: &'static str,
    /// The language it is said in.
    pub lang: Lang,
}

/// Why a pack could not be loaded: each item a diagnostic to show, in order.
pub type PackErrors = Vec<Box<dyn Diagnostic + Send + Sync>>;

/// The pack a command runs with: the built-in pack (unless `no_default`) and the rule files or
/// folders in `extra`, compiled together. On error: every problem of every file, each its own
/// diagnostic, then one that counts them.
pub fn load_pack(no_default: bool, extra: &[impl AsRef<Path>]) -> Result<Pack, PackErrors> {
    load_pack_in(no_default, extra, None)
}

/// [`load_pack`], its diagnostics said in `lang` (`--lang`; None: the language the rule files
/// set, see [`diagnostic_lang`]). The pack's own language is set with [`Pack::set_lang`].
pub fn load_pack_in(
    no_default: bool,
    extra: &[impl AsRef<Path>],
    lang: Option<Lang>,
) -> Result<Pack, PackErrors> {
    load(no_default, extra, |w| w.rules_fix, lang)
}

/// The language of what crossfoot says about rule files before (or instead of) a pack:
/// `lang` (`--lang`) when given, else the `language` the rule files set in `[settings]` (a
/// user's file over the built-in pack's, as with every setting), else English. Files that
/// cannot be read or parsed are passed over here (their errors are said in this language).
pub fn diagnostic_lang(no_default: bool, extra: &[impl AsRef<Path>], lang: Option<Lang>) -> Lang {
    if let Some(lang) = lang {
        return lang;
    }
    let mut sources = if no_default {
        Vec::new()
    } else {
        builtin_sources()
    };
    for p in extra {
        if let Ok(more) = read_rule_sources(std::slice::from_ref(p), Lang::En) {
            sources.extend(more);
        }
    }
    sources_lang(&sources)
}

/// The language the last of `sources` that sets `[settings] language` sets (English when none
/// does).
fn sources_lang(sources: &[Source]) -> Lang {
    sources
        .iter()
        .rev()
        .find_map(|s| {
            let table = toml::from_str::<toml::Table>(&s.text).ok()?;
            let language = table.get("settings")?.get("language")?.as_str()?;
            Some(Lang::from_pack(language))
        })
        .unwrap_or(Lang::En)
}

/// What `crossfoot rules check` tells of rule files that compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackStats {
    /// Rule files compiled, the built-in ones included.
    pub files: usize,
    /// Of them, built in.
    pub built_in: usize,
    pub forms: usize,
    /// Checks as written (a check with `columns` counts once).
    pub checks: usize,
    /// What loading decided ([`Pack::notices`]).
    pub notices: Vec<Notice>,
    /// The language it is said in.
    pub lang: Lang,
}

impl std::fmt::Display for PackStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = DiagWords::of(self.lang);
        let n = |count: usize, one: &str, many: &str| {
            format!("{count} {}", if count == 1 { one } else { many })
        };
        write!(
            f,
            "{}",
            render(
                w.rules_ok,
                &[("files", &n(self.files, w.rule_file, w.rule_files))]
            )
        )?;
        if self.built_in > 0 {
            write!(
                f,
                " {}",
                render(w.rules_built_in, &[("count", &self.built_in.to_string())])
            )?;
        }
        write!(
            f,
            ", {}, {}",
            n(self.forms, w.form, w.forms),
            n(self.checks, w.check, w.checks)
        )
    }
}

/// `crossfoot rules check`: compiles the rule files in `paths` (with the built-in pack unless
/// `no_default`) without a workbook. On error: every problem, as [`load_pack`] gives them.
/// Its diagnostics are said in `lang` (None: see [`diagnostic_lang`]).
pub fn check_rule_files(
    no_default: bool,
    paths: &[impl AsRef<Path>],
    lang: Option<Lang>,
) -> Result<PackStats, PackErrors> {
    let pack = load(no_default, paths, |w| w.rules_fix_and_check, lang)?;
    let checks: HashSet<(usize, &str)> = pack
        .forms
        .iter()
        .enumerate()
        .flat_map(|(fi, f)| f.checks.iter().map(move |c| (fi, c.id.as_str())))
        .collect();
    Ok(PackStats {
        files: pack.sources.len(),
        built_in: pack
            .sources
            .iter()
            .filter(|s| s.name.ends_with(BUILT_IN))
            .count(),
        forms: pack.forms.len(),
        checks: checks.len(),
        notices: pack.notices.clone(),
        lang: lang.unwrap_or_else(|| pack.settings.pack_lang()),
    })
}

pub(super) fn load(
    no_default: bool,
    extra: &[impl AsRef<Path>],
    help: fn(&DiagWords) -> &'static str,
    lang: Option<Lang>,
) -> Result<Pack, PackErrors> {
    let mut sources = if no_default {
        Vec::new()
    } else {
        builtin_sources()
    };
    // The language of the errors: settled only when there are errors to say.
    let lang_of = |sources: &[Source]| lang.unwrap_or_else(|| sources_lang(sources));
    let mut notices = match read_rule_sources(extra, lang_of(&sources)) {
        Ok(more) => {
            let notices = replace_built_in_forms(&mut sources, &more);
            sources.extend(more);
            notices
        }
        // The files that could be read are not compiled without the others: their references
        // into a missing file would all be reported as mistakes.
        Err(errors) => {
            return Err(errors
                .into_iter()
                .map(|e| Box::new(e) as Box<dyn Diagnostic + Send + Sync>)
                .collect())
        }
    };
    if sources.is_empty() {
        let lang = lang_of(&sources);
        return Err(vec![Box::new(NoRules {
            help: DiagWords::of(lang).no_rules_help,
            lang,
        })]);
    }
    let mut pack = compile(&sources).map_err(|files| {
        let lang = lang_of(&sources);
        // Compiled again to say the files' mistakes in that language (only when there are).
        let files = match lang {
            Lang::En => files,
            _ => compile_in(&sources, lang).err().unwrap_or(files),
        };
        flatten(files, help(DiagWords::of(lang)), lang)
    })?;
    notices.append(&mut pack.notices);
    pack.notices = notices;
    Ok(pack)
}

/// A user's rule file that defines a form with the id of a built-in form replaces the built-in
/// file of that form (a pack copied from `rules/` and edited works with `--rules` alone): the
/// built-in file is left out of `sources`. Gives the lines that say so, and a warning for each
/// check of the replaced form whose message was edited in one language and not in another
/// (the other language's report would still show the old text).
fn replace_built_in_forms(sources: &mut Vec<Source>, user: &[Source]) -> Vec<Notice> {
    let table = |s: &Source| toml::from_str::<toml::Table>(&s.text).ok();
    let form_id = |t: &toml::Table| {
        t.get("form")
            .and_then(|f| f.get("id"))
            .and_then(|id| id.as_str())
            .map(str::to_string)
    };
    let (mut replaced, mut warnings) = (Vec::new(), Vec::new());
    for u in user {
        let Some(ut) = table(u) else { continue };
        let Some(id) = form_id(&ut) else { continue };
        let Some(bi) = sources.iter().position(|s| {
            s.name.ends_with(BUILT_IN) && table(s).and_then(|t| form_id(&t)).as_ref() == Some(&id)
        }) else {
            continue;
        };
        let built_in = sources.remove(bi);
        replaced.push(format!("{id} ({})", u.name));
        if let Some(bt) = table(&built_in) {
            warnings.extend(messages_edited_in_one_language(&bt, &ut, &u.name));
        }
    }
    let mut notices = Vec::new();
    if !replaced.is_empty() {
        notices.push(Notice::FormsReplaced(replaced));
    }
    notices.extend(warnings);
    notices
}

/// The checks of `user` (a copy of `built_in`) whose message (or doc) was changed in some
/// languages and left as it was in others.
pub(super) fn messages_edited_in_one_language(
    built_in: &toml::Table,
    user: &toml::Table,
    file: &str,
) -> Vec<Notice> {
    // A check's texts of one kind (the message, or the doc) by key: `message`, `messages.en`.
    let checks =
        |t: &toml::Table, one: &str, many: &str| -> Vec<(String, BTreeMap<String, String>)> {
            let Some(list) = t.get("check").and_then(|c| c.as_array()) else {
                return Vec::new();
            };
            list.iter()
                .filter_map(|c| {
                    let id = c.get("id")?.as_str()?.to_string();
                    let mut texts = BTreeMap::new();
                    if let Some(m) = c.get(one).and_then(|m| m.as_str()) {
                        texts.insert(one.to_string(), m.to_string());
                    }
                    if let Some(ms) = c.get(many).and_then(|m| m.as_table()) {
                        for (lang, m) in ms {
                            if let Some(m) = m.as_str() {
                                texts.insert(format!("{many}.{lang}"), m.to_string());
                            }
                        }
                    }
                    Some((id, texts))
                })
                .collect()
        };
    let mut out = Vec::new();
    for (one, many) in [("message", "messages"), ("doc", "docs")] {
        out.extend(edited_in_one_language(
            &checks(built_in, one, many),
            checks(user, one, many),
            file,
        ));
    }
    out
}

/// The lines of [`messages_edited_in_one_language`] for one kind of text.
pub(super) fn edited_in_one_language(
    before: &[(String, BTreeMap<String, String>)],
    after_all: Vec<(String, BTreeMap<String, String>)>,
    file: &str,
) -> Vec<Notice> {
    let mut out = Vec::new();
    for (id, after) in after_all {
        let Some((_, was)) = before.iter().find(|(b, _)| *b == id) else {
            continue;
        };
        let (mut changed, mut kept) = (Vec::new(), Vec::new());
        for (key, text) in &after {
            match was.get(key) {
                Some(old) if old == text => kept.push(key.as_str()),
                Some(_) => changed.push(key.as_str()),
                None => {}
            }
        }
        if !changed.is_empty() && !kept.is_empty() {
            out.push(Notice::EditedInOneLanguage {
                file: file.to_string(),
                id: id.clone(),
                changed: changed.iter().map(|k| k.to_string()).collect(),
                kept: kept.iter().map(|k| k.to_string()).collect(),
            });
        }
    }
    out
}

/// Each problem its own diagnostic, then one that counts them. (Shown as one diagnostic with
/// the problems related to it, miette puts a line `Error:` before each.)
fn flatten(files: Vec<RuleFileError>, help: &'static str, lang: Lang) -> PackErrors {
    let summary = RulesSummary::of(&files, help, lang);
    let mut out: PackErrors = files
        .into_iter()
        .flat_map(|f| f.problems)
        .map(|p| Box::new(p) as Box<dyn Diagnostic + Send + Sync>)
        .collect();
    out.push(Box::new(summary));
    out
}

/// Where a `[settings]` key was first given: its value, the file, the value's characters.
pub(super) type Given<T> = Option<(T, usize, Range<usize>)>;

/// The `[settings]` keys as given so far.
#[derive(Default)]
pub(super) struct GivenSettings {
    pub(super) locale: Given<Locale>,
    pub(super) fold_diacritics: Given<bool>,
    pub(super) dash_is_zero: Given<bool>,
    pub(super) unit_name_label: Given<String>,
    pub(super) unit_code_label: Given<String>,
    pub(super) report_year_label: Given<String>,
    pub(super) unit_code: Given<UnitCodeStyle>,
    pub(super) language: Given<String>,
    pub(super) year_words: Given<Vec<String>>,
    pub(super) tolerance: Given<tolerance::ToleranceDef>,
    pub(super) messages: BTreeMap<String, (String, usize, Range<usize>)>,
    pub(super) abbreviations: BTreeMap<String, (String, usize, Range<usize>)>,
    pub(super) subtotal_labels: Vec<String>,
    pub(super) unit_words: Vec<String>,
}

/// What the help of a conflict says.
pub(super) fn conflict_help(other: &Source) -> String {
    if other.name.ends_with(BUILT_IN) {
        "[settings] hold for the whole pack, and the built-in pack sets this one: give the same \
         value, or leave the built-in pack out (--no-default-rules) and give every setting in \
         your own files"
            .to_string()
    } else {
        "[settings] hold for the whole pack: set it in one file only (or to the same value in both)"
            .to_string()
    }
}

/// Whether a setting given first by `first` is then given by `then` as a user's file over a
/// built-in one (the user's value wins).
pub(super) fn user_over_built_in(sources: &[Source], first: usize, then: usize) -> bool {
    sources[first].name.ends_with(BUILT_IN) && !sources[then].name.ends_with(BUILT_IN)
}

/// Keeps the first file's value of a setting; another value in a later file is a problem of
/// that file, showing both.
pub(super) fn merge_one<T: PartialEq + Clone>(
    slot: &mut Given<T>,
    key: &str,
    (si, value): (usize, &Spanned<T>),
    sources: &[Source],
    problems: &mut BTreeMap<usize, Vec<RuleProblem>>,
    overridden: &mut Vec<String>,
) {
    if value.span().start >= schema::placeholder_start(&sources[si].text) {
        return; // a placeholder for a mistake already reported
    }
    match slot {
        None => *slot = Some((value.get_ref().clone(), si, value.span())),
        Some((first, _, _)) if first == value.get_ref() => {}
        Some((_, fsi, _)) if user_over_built_in(sources, *fsi, si) => {
            overridden.push(format!("{key} ({})", sources[si].name));
            *slot = Some((value.get_ref().clone(), si, value.span()));
        }
        Some((_, fsi, fspan)) => {
            let problem = Conflict {
                message: format!("`{key}` is set differently in two rule files"),
                here: (&sources[si], value.span()),
                before: (&sources[*fsi], fspan.clone()),
                help: conflict_help(&sources[*fsi]),
            }
            .problem();
            problems.entry(si).or_default().push(problem);
        }
    }
}

/// The pack's settings from every file's `[settings]`: a key may be given in several files
/// only with the same value (another value is a problem naming both files, whatever the order
/// of the files); `[settings.messages]` keys must be message ids of crossfoot. Also gives the
/// `[[settings.workbook]]` groups, each id once.
pub(super) fn merge_settings<'d>(
    sources: &[Source],
    parsed: &'d [(usize, RuleFileDef)],
    skip: &HashSet<usize>,
    problems: &mut BTreeMap<usize, Vec<RuleProblem>>,
) -> (Settings, Vec<(usize, &'d WorkbookDef)>, Vec<Notice>) {
    let mut given = GivenSettings::default();
    // Settings a user's file gives otherwise than the built-in pack: the user's value wins.
    let mut overridden: Vec<String> = Vec::new();
    let mut total_words: Vec<String> = Vec::new();
    let mut part_words: Vec<String> = Vec::new();
    let mut groups: Vec<(usize, &WorkbookDef)> = Vec::new();
    let known: Vec<&str> = crate::messages::known_ids().collect();
    for (si, def) in parsed {
        let si = *si;
        let Some(s) = &def.settings else { continue };
        if skip.contains(&si) {
            continue;
        }
        macro_rules! merge {
            ($($key:ident),*) => {$(
                if let Some(v) = &s.$key {
                    merge_one(
                        &mut given.$key,
                        stringify!($key),
                        (si, v),
                        sources,
                        problems,
                        &mut overridden,
                    );
                }
            )*};
        }
        merge!(
            locale,
            fold_diacritics,
            dash_is_zero,
            unit_name_label,
            unit_code_label,
            report_year_label,
            unit_code,
            language,
            year_words,
            tolerance
        );
        for w in &s.total_words {
            if !total_words.contains(w) {
                total_words.push(w.clone());
            }
        }
        for w in &s.part_labels {
            if !part_words.contains(w) {
                part_words.push(w.clone());
            }
        }
        for w in &s.subtotal_labels {
            if !given.subtotal_labels.contains(w.get_ref()) {
                given.subtotal_labels.push(w.get_ref().clone());
            }
        }
        for w in &s.unit_words {
            if !given.unit_words.contains(w.get_ref()) {
                given.unit_words.push(w.get_ref().clone());
            }
        }
        let src = &sources[si];
        for (id, text) in &s.messages {
            let mut p = Problems::new(src);
            if !known.contains(&id.get_ref().as_str()) {
                p.add(
                    id.span(),
                    format!("`{}` is not the id of a message of crossfoot", id.get_ref()),
                    "unknown message id",
                    did_you_mean(id.get_ref(), known.iter().copied()).or_else(|| {
                        Some("the ids are those of crossfoot's own findings, listed in docs/rules.md (Writing rules)".into())
                    }),
                );
                problems.entry(si).or_default().extend(p.list);
                continue;
            }
            if text.span().start >= schema::placeholder_start(&src.text) {
                continue;
            }
            match given.messages.get(id.get_ref()) {
                None => {
                    given.messages.insert(
                        id.get_ref().clone(),
                        (text.get_ref().clone(), si, text.span()),
                    );
                }
                Some((first, _, _)) if first == text.get_ref() => {}
                Some((_, fsi, _)) if user_over_built_in(sources, *fsi, si) => {
                    overridden.push(format!(
                        "[settings.messages] {} ({})",
                        id.get_ref(),
                        src.name
                    ));
                    given.messages.insert(
                        id.get_ref().clone(),
                        (text.get_ref().clone(), si, text.span()),
                    );
                }
                Some((_, fsi, fspan)) => {
                    let problem = Conflict {
                        message: format!(
                            "the message `{}` is given two different texts",
                            id.get_ref()
                        ),
                        here: (src, text.span()),
                        before: (&sources[*fsi], fspan.clone()),
                        help: conflict_help(&sources[*fsi]),
                    }
                    .problem();
                    problems.entry(si).or_default().push(problem);
                }
            }
        }
        for (abbr, text) in &s.abbreviations {
            if text.span().start >= schema::placeholder_start(&src.text) {
                continue;
            }
            // Compared as keys: `ĐV` and `đv` are one abbreviation.
            let key = label_key(abbr.get_ref(), Folding { diacritics: false });
            match given.abbreviations.get(&key) {
                None => {
                    given
                        .abbreviations
                        .insert(key, (text.get_ref().clone(), si, text.span()));
                }
                Some((first, _, _))
                    if label_key(first, Folding { diacritics: false })
                        == label_key(text.get_ref(), Folding { diacritics: false }) => {}
                Some((_, fsi, _)) if user_over_built_in(sources, *fsi, si) => {
                    overridden.push(format!(
                        "[settings.abbreviations] {} ({})",
                        abbr.get_ref(),
                        src.name
                    ));
                    given
                        .abbreviations
                        .insert(key, (text.get_ref().clone(), si, text.span()));
                }
                Some((_, fsi, fspan)) => {
                    let problem = Conflict {
                        message: format!(
                            "the abbreviation `{}` is written out differently in two rule files",
                            abbr.get_ref()
                        ),
                        here: (src, text.span()),
                        before: (&sources[*fsi], fspan.clone()),
                        help: conflict_help(&sources[*fsi]),
                    }
                    .problem();
                    problems.entry(si).or_default().push(problem);
                }
            }
        }
        for w in &s.workbook {
            let same_id = groups
                .iter()
                .find(|(_, g)| g.id.get_ref() == w.id.get_ref());
            match same_id {
                None => groups.push((si, w)),
                Some((_, g)) if g.forms == w.forms && g.missing_severity == w.missing_severity => {}
                Some((gsi, g)) => {
                    let problem = Conflict {
                        message: format!(
                            "the workbook `{}` is described differently in two rule files",
                            w.id.get_ref()
                        ),
                        here: (src, w.id.span()),
                        before: (&sources[*gsi], g.id.span()),
                        help: conflict_help(&sources[*gsi]),
                    }
                    .problem();
                    problems.entry(si).or_default().push(problem);
                }
            }
        }
    }
    let mut settings = Settings::default();
    if let Some((l, ..)) = given.locale {
        settings.locale = l;
    }
    if let Some((f, ..)) = given.fold_diacritics {
        settings.folding.diacritics = f;
    }
    if let Some((d, ..)) = given.dash_is_zero {
        settings.dash_is_zero = d;
    }
    if let Some((l, ..)) = given.language {
        settings.language = l;
    }
    settings.lang = settings.pack_lang();
    settings.title_labels = [
        &given.unit_name_label,
        &given.unit_code_label,
        &given.report_year_label,
    ]
    .map(|g| g.as_ref().map(|(l, ..)| l.clone()));
    settings.unit_name_key = given
        .unit_name_label
        .map(|(l, ..)| label_key(&l, settings.folding));
    settings.unit_code_key = given
        .unit_code_label
        .map(|(l, ..)| label_key(&l, settings.folding));
    settings.report_year_key = given
        .report_year_label
        .map(|(l, ..)| label_key(&l, settings.folding));
    if let Some((u, ..)) = given.unit_code {
        settings.unit_code = u;
    }
    if let Some((t, si, span)) = given.tolerance {
        match tolerance::compile(&t) {
            Ok(t) => settings.tolerance = t,
            Err((message, help)) => {
                let mut p = Problems::new(&sources[si]);
                p.add(span, message, "this tolerance", Some(help));
                problems.entry(si).or_default().extend(p.list);
            }
        }
    }
    settings.total_words = total_words
        .iter()
        .map(|w| label_key(w, settings.folding))
        .filter(|k| !k.is_empty())
        .collect();
    settings.part_keys = part_words
        .iter()
        .map(|w| label_key(w, settings.folding))
        .filter(|k| !k.is_empty())
        .collect();
    if let Some((w, ..)) = given.year_words {
        settings.year_words = w.iter().map(|w| label_key(w, settings.folding)).collect();
    }
    let folding = settings.folding;
    settings.abbreviations = crate::read::labels::Abbreviations::new(
        given
            .abbreviations
            .into_iter()
            .map(|(a, (text, ..))| (label_key(&a, folding), label_key(&text, folding))),
    );
    settings.subtotal_keys = given
        .subtotal_labels
        .iter()
        .map(|w| label_key(w, settings.folding))
        .filter(|k| !k.is_empty())
        .collect();
    settings.unit_keys = given
        .unit_words
        .iter()
        .map(|w| label_key(w, settings.folding))
        .filter(|k| !k.is_empty())
        .collect();
    settings.messages = given
        .messages
        .into_iter()
        .map(|(id, (text, ..))| (id, text))
        .collect();
    let notices = if overridden.is_empty() {
        Vec::new()
    } else {
        vec![Notice::SettingsOverridden(
            overridden.iter().map(|k| k.to_string()).collect(),
        )]
    };
    (settings, groups, notices)
}
