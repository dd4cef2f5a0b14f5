//! Rule files: the declarative description of a form and its checks.
//!
//! A rule file is TOML. It describes one form (how to recognise its sheet, where its values
//! stand, which checks hold between them), or pack-wide settings, or both. Loading runs in two
//! steps, as ripgrep parses arguments: raw TOML → `*Def` structs (serde; [`schema`] finds every
//! unknown key, wrong type and missing key of a file in one pass), then all files together →
//! the compiled [`Pack`] in which every name in every expression is resolved and every
//! `[settings]` key agrees between files. All problems of all files are reported at once, each
//! pointing at the exact characters in the file; a file with schema mistakes is reported with
//! its other mistakes, less those that may follow from them (an unknown name, a missing part),
//! and a file that is not TOML by its syntax errors alone. Nothing in `src/` knows any
//! particular form: it is all here.

pub mod expr;
mod schema;
mod tolerance;

pub use tolerance::Tolerance;
pub mod units;

use crate::finding::Severity;
use crate::messages::render;
use crate::model::CellRef;
use crate::number::Locale;
use crate::registry::{DiagWords, Lang};
use crate::text::{closest, label_key, Folding, UnitCodeStyle};
use expr::{BinOp, CmpOp, ExprKind, Func, LogicOp};
use miette::{Diagnostic, SourceSpan};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use toml::Spanned;

// ---------------------------------------------------------------------------------------------
// Raw definitions, as written in the file.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFileDef {
    settings: Option<SettingsDef>,
    form: Option<FormDef>,
    #[serde(default)]
    column: Vec<ColumnDef>,
    #[serde(default)]
    row: Vec<RowDef>,
    #[serde(default)]
    cell: Vec<CellDef>,
    #[serde(default)]
    check: Vec<CheckDef>,
    records: Option<RecordsDef>,
    localise: Option<LocaliseDef>,
    /// `[register]`: the headings of the register of units ([`units`]).
    register: Option<units::RegisterDef>,
    /// `[plausibility]`: figures judged against last year ([`units`]).
    plausibility: Option<units::PlausibilityDef>,
}

/// `[localise]`: how much each figure of the form weighs when the most likely wrong figures
/// are looked for ([`crate::localise`]): the explanation with the smallest sum of weights is
/// the most likely, so a heavier figure is trusted more. 1 by default; a figure's weight is
/// the form's `weight` times its row's (or its cell's) and its column's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocaliseDef {
    weight: Option<Spanned<f64>>,
    /// By [[row]] id.
    #[serde(default)]
    rows: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// By [[column]] id.
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// By [[cell]] id.
    #[serde(default)]
    cells: BTreeMap<Spanned<String>, Spanned<f64>>,
}

/// `[records]`: the form's table holds one row per record (a unit, a year) rather than fixed
/// labelled rows. Records are the filled rows between the header row and the `end` row (or the
/// end of the table).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordsDef {
    /// The column holding each record's key (a unit code, a year).
    key: Spanned<String>,
    /// The column naming the record in messages (default: the key).
    label: Option<Spanned<String>>,
    /// The row (a [[row]] id) that ends the records, such as a grand-total row.
    end: Option<Spanned<String>>,
    /// How a record is matched to another workbook of the same run: `unit_code` (the workbook
    /// whose title-block code equals the record's key).
    #[serde(rename = "match")]
    match_: Option<Spanned<String>>,
    /// With `match = "unit_code"`: a regular expression the codes of this summary's units
    /// match. A workbook whose code does not (the district's own, another organisation's) is
    /// no unit: not consolidated, and not expected to have a row.
    unit_pattern: Option<Spanned<String>>,
    /// The heading of a column numbering the records 1, 2, … (`STT`): `consolidate` writes it
    /// first; checking does not need it.
    number: Option<Spanned<String>>,
}

/// `[settings]`: what holds for the whole pack. Two files may both give a key only with the
/// same value (see `merge_settings`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsDef {
    locale: Option<Spanned<Locale>>,
    fold_diacritics: Option<Spanned<bool>>,
    dash_is_zero: Option<Spanned<bool>>,
    /// Labels in a title block that name the reporting unit and its code (`Mã đơn vị:` …).
    unit_name_label: Option<Spanned<String>>,
    unit_code_label: Option<Spanned<String>>,
    /// The title-block label of the report year (`Năm báo cáo:` 2021).
    report_year_label: Option<Spanned<String>>,
    /// How unit codes are compared: `{ case = "upper", dashes = true, spaces = "remove" }`.
    unit_code: Option<Spanned<UnitCodeStyle>>,
    /// The language of the pack's messages, for the headings of the review workbook.
    language: Option<Spanned<String>>,
    /// Texts for the engine's own findings and workbooks, by id ([`crate::messages`]).
    #[serde(default)]
    messages: BTreeMap<Spanned<String>, Spanned<String>>,
    /// How people shorten labels: `{ "SL" = "Số lượng", "%" = "Tỷ lệ (%)" }`. A word is
    /// written out wherever it stands as a whole word, anything else only as a whole label
    /// ([`crate::labels`]). Merged over the files: one abbreviation, one meaning.
    #[serde(default)]
    abbreviations: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Words written before a year in a heading (`Năm 2021`, `Số lượng năm 2021`).
    year_words: Option<Spanned<Vec<String>>>,
    /// The tolerance of every check that gives none of its own ([`tolerance`]).
    tolerance: Option<Spanned<tolerance::ToleranceDef>>,
    /// Labels of a row that totals the block above or below it (`Tổng cộng`, `Total`), for
    /// `check --discover`. Merged over the files: each adds its words.
    #[serde(default)]
    total_words: Vec<String>,
    #[serde(default)]
    workbook: Vec<WorkbookDef>,
    /// Words that label a row summing the rows of its block or group (`Cộng`, `Cộng khối …`):
    /// such a row is structure, not a figure of the form ([`crate::structure`]). The words of
    /// every file count together.
    #[serde(default)]
    subtotal_labels: Vec<Spanned<String>>,
    /// Units of measure a column heading may name in brackets after its text (`Số lượng
    /// (người)`, `Số lượng (ĐVT: người)`): the heading is the same column. The words of every
    /// file count together.
    #[serde(default)]
    unit_words: Vec<Spanned<String>>,
    /// Words that begin the label of a row that is a part of the row above it, not a member
    /// of a sum (`Trong đó:`, `Of which`), for `crossfoot init`. The words of every file count
    /// together.
    #[serde(default)]
    part_labels: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkbookDef {
    id: Spanned<String>,
    forms: Vec<Spanned<String>>,
    #[serde(default = "default_missing_severity")]
    missing_severity: Severity,
}

fn default_missing_severity() -> Severity {
    Severity::Warning
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormDef {
    id: Spanned<String>,
    name: String,
    /// Regular expression for the sheet name (matched against the name in lower case without
    /// diacritics).
    sheet: Option<Spanned<String>>,
    /// Texts of which one must appear in a cell of the sheet (a title), when `sheet` does not match.
    #[serde(default)]
    title: Vec<String>,
    /// Labels that must all be present for a sheet to be this form.
    #[serde(default)]
    labels: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A whole number ≥ 0, compared exactly.
    #[default]
    Count,
    /// A percentage, compared to half a unit of its last shown digit.
    Percent,
    /// Any number, compared exactly.
    Number,
    /// Text (a name, a code): never read as a figure; a record's key or label.
    Text,
}

/// What an empty cell (or `-`) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Empty {
    /// Zero.
    Zero,
    /// Not given: checks that read it are not applied.
    Skip,
    /// A finding of its own: the figure must be filled.
    Required,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnDef {
    id: Spanned<String>,
    header: String,
    #[serde(default)]
    aliases: Vec<String>,
    /// The group heading the column stands under (`Đảng viên` over `HTXSNV`): merged over the
    /// group's sub-headings in the row above, or written into one flat heading
    /// (`Đảng viên - HTXSNV`). With a group, the heading alone never matches.
    group: Option<String>,
    /// Other ways of writing the group heading.
    #[serde(default)]
    group_aliases: Vec<Spanned<String>>,
    #[serde(default)]
    kind: Kind,
    empty: Option<Empty>,
    /// Where the column's figure comes from in a matched unit's workbook (`M01.total`): an
    /// expression over that workbook's forms. Read by `unit[column]` and by `consolidate`.
    source: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDef {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    aliases: Vec<String>,
    under: Option<Spanned<String>>,
    #[serde(default)]
    required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CellDef {
    id: Spanned<String>,
    /// What the figure is, for messages.
    label: Option<String>,
    at: Option<Spanned<String>>,
    name: Option<String>,
    #[serde(default)]
    kind: Kind,
    empty: Option<Empty>,
    #[serde(default)]
    required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDef {
    id: Spanned<String>,
    #[serde(default = "default_severity")]
    severity: Severity,
    expr: Spanned<String>,
    when: Option<Spanned<String>>,
    each: Option<Spanned<String>>,
    /// Apply the check once per column (`["*"]`: every figure column); `@` is the column.
    columns: Option<Vec<Spanned<String>>>,
    message: Spanned<String>,
    /// The message in other languages, by language code: `messages.en = "…"`.
    #[serde(default)]
    messages: BTreeMap<Spanned<String>, Spanned<String>>,
    /// What the check means, for `crossfoot explain`: one paragraph in the pack's language.
    doc: Option<String>,
    /// The doc in other languages, by language code: `docs.en = "…"`.
    #[serde(default)]
    docs: BTreeMap<Spanned<String>, Spanned<String>>,
    /// How far its sides may lie apart beyond the rounding shown: `0.5` or `"1%"`
    /// ([`tolerance`]); by default the pack's `[settings] tolerance`.
    tolerance: Option<Spanned<tolerance::ToleranceDef>>,
    /// Why a message of `crossfoot rules lint` about this check is as meant, by its code
    /// without `lint.`: `[check.lint] redundant = "kept for its own message"`.
    #[serde(default)]
    lint: BTreeMap<Spanned<String>, Spanned<String>>,
}

fn default_severity() -> Severity {
    Severity::Error
}

// ---------------------------------------------------------------------------------------------
// Compiled pack.

/// A rule file's text, kept for diagnostics.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    /// Cheap identity of a list of sources (same texts, same pack).
    pub fn fingerprint(sources: &[Source]) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for s in sources {
            s.name.hash(&mut h);
            s.text.hash(&mut h);
        }
        h.finish()
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub locale: Locale,
    pub folding: Folding,
    pub dash_is_zero: bool,
    /// Normalised label of the cell that names the reporting unit, and of its code.
    pub unit_name_key: Option<String>,
    pub unit_code_key: Option<String>,
    /// Normalised label of the cell that gives the report year.
    pub report_year_key: Option<String>,
    /// The title block's labels as written (name, code, report year): what `consolidate`
    /// writes in a summary's title block.
    pub title_labels: [Option<String>; 3],
    /// How unit codes are compared ([`Settings::unit_key`]).
    pub unit_code: UnitCodeStyle,
    /// Language of the pack (`vi`, `en`, …): the default language of headings.
    pub language: String,
    /// Message templates for the findings crossfoot itself makes (`layout.label-not-found`, …).
    pub messages: BTreeMap<String, String>,
    /// The language crossfoot writes in (`--lang`; by default the pack's `language`).
    pub lang: crate::registry::Lang,
    /// How people shorten labels, as keys ([`crate::labels`]).
    pub abbreviations: crate::labels::Abbreviations,
    /// Keys of the words written before a year in a heading.
    pub year_words: Vec<String>,
    /// The tolerance of the checks that give none of their own.
    pub tolerance: Tolerance,
    /// Keys of the labels of a total row (`check --discover`).
    pub total_words: Vec<String>,
    /// Normalised words labelling a subtotal or group row (`[settings] subtotal_labels`).
    pub subtotal_keys: Vec<String>,
    /// Keys of the units of measure a heading may name in brackets (`[settings] unit_words`).
    pub unit_keys: Vec<String>,
    /// Keys of the words beginning a part's label (`[settings] part_labels`: `trong đó`).
    pub part_keys: Vec<String>,
}

impl Settings {
    /// The key a unit code is compared by (`td - 08` → `TD-08` by default): every place that
    /// matches codes compares these, and shows the code as written.
    pub fn unit_key(&self, code: &str) -> String {
        crate::text::unit_key(code, &self.unit_code)
    }

    /// The pack's language, as crossfoot speaks it.
    pub fn pack_lang(&self) -> crate::registry::Lang {
        crate::registry::Lang::from_pack(&self.language)
    }

    /// The text of an engine finding or text id in the chosen language: the pack's own
    /// (`[settings.messages]`) when that language is the pack's, else the registry's.
    pub fn message(
        &self,
        id: impl Into<crate::registry::MessageId>,
        params: &[(&str, &str)],
    ) -> String {
        let own = (self.lang == self.pack_lang()).then_some(&self.messages);
        crate::messages::engine(own, self.lang, id, params)
    }

    /// How numbers are shown in messages: the chosen language's way.
    pub fn shown_locale(&self) -> Locale {
        self.lang.locale()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            locale: Locale::En,
            folding: Folding { diacritics: false },
            dash_is_zero: true,
            unit_name_key: None,
            unit_code_key: None,
            report_year_key: None,
            title_labels: [None, None, None],
            unit_code: UnitCodeStyle::default(),
            language: "en".to_string(),
            messages: BTreeMap::new(),
            lang: crate::registry::Lang::En,
            abbreviations: crate::labels::Abbreviations::default(),
            year_words: Vec::new(),
            tolerance: Tolerance::None,
            total_words: Vec::new(),
            subtotal_keys: Vec::new(),
            unit_keys: Vec::new(),
            part_keys: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct WorkbookGroup {
    pub id: String,
    pub forms: Vec<usize>,
    pub missing_severity: Severity,
}

#[derive(Debug)]
pub struct Pack {
    pub settings: Settings,
    pub forms: Vec<Form>,
    pub groups: Vec<WorkbookGroup>,
    /// Every figure (form, row, column) that a check reads from another workbook: what a file
    /// keeps for the second phase of a run.
    pub linked: std::collections::BTreeSet<(usize, usize, usize)>,
    /// The headings of the register of units (`--units`; empty: the pack reads none).
    pub register: units::RegisterHeadings,
    /// Which figures are judged against last year, and how ([`crate::history`]).
    pub plausibility: units::Plausibility,
    /// The rule files it was compiled from: a worker process compiles the same pack from them.
    pub sources: Vec<Source>,
    /// [`Source::fingerprint`] of `sources`, taken once when the pack is compiled (the worker
    /// pool compares it with each worker's before every file: hashing the rule texts again
    /// for each file was a fifth of the main process's instructions).
    sources_fingerprint: u64,
    /// What loading the pack decided for the user and says on stderr, one line each: a
    /// built-in form replaced by a user's form of the same id, settings where the user's files
    /// win over the built-in pack's, a replaced check's message edited in one language only.
    pub notices: Vec<Notice>,
}

/// What loading a pack decided for the user ([`Pack::notices`]): said on stderr, in the
/// run's language ([`Notice::text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Built-in forms replaced by a user's form of the same id: `M01 (mine/m01.toml)`, …
    FormsReplaced(Vec<String>),
    /// A check of a replaced form whose texts were changed in some languages (`message`,
    /// `messages.en`, `doc`, …) and kept in others.
    EditedInOneLanguage {
        file: String,
        id: String,
        changed: Vec<String>,
        kept: Vec<String>,
    },
    /// `[settings]` keys the user's files set otherwise than the built-in pack.
    SettingsOverridden(Vec<String>),
}

impl Notice {
    /// The line that says it, in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let w = DiagWords::of(lang);
        match self {
            Notice::FormsReplaced(forms) => {
                render(w.forms_replaced, &[("forms", &forms.join(", "))])
            }
            Notice::EditedInOneLanguage {
                file,
                id,
                changed,
                kept,
            } => render(
                w.edited_in_one_language,
                &[
                    ("file", file),
                    ("id", id),
                    ("changed", &changed.join(", ")),
                    ("kept", &kept.join(", ")),
                ],
            ),
            Notice::SettingsOverridden(keys) => {
                render(w.settings_overridden, &[("keys", &keys.join(", "))])
            }
        }
    }
}

impl Pack {
    /// The identity of the rule files the pack was compiled from ([`Source::fingerprint`] of
    /// [`Pack::sources`], taken when it was compiled).
    pub fn sources_fingerprint(&self) -> u64 {
        self.sources_fingerprint
    }

    /// Sets the language crossfoot writes in (`--lang`; None: the pack's `language`).
    pub fn set_lang(&mut self, lang: Option<crate::registry::Lang>) {
        self.settings.lang = lang.unwrap_or_else(|| self.settings.pack_lang());
    }

    /// How many checks have no message in the chosen language (their message is then the
    /// pack's language's).
    pub fn untranslated(&self) -> usize {
        let (lang, pack) = (self.settings.lang, self.settings.pack_lang());
        self.forms
            .iter()
            .flat_map(|f| &f.checks)
            .filter(|c| c.message_in(lang, pack).is_none())
            .map(|c| &c.id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    }

    /// Whether any check reads another workbook through `link`.
    pub fn uses_link(&self, link: Link) -> bool {
        self.forms
            .iter()
            .flat_map(|f| &f.checks)
            .any(|c| c.links.contains(&link))
    }
}

#[derive(Debug)]
pub struct Form {
    pub id: String,
    pub name: String,
    pub sheet: Option<Regex>,
    pub titles: Vec<String>,
    pub labels: Vec<String>,
    /// The titles and labels as the rule file writes them (for messages).
    pub titles_written: Vec<String>,
    pub labels_written: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub cells: Vec<CellField>,
    pub checks: Vec<Check>,
    pub records: Option<Records>,
    /// What its figures weigh in localisation (`[localise]`).
    pub weights: Weights,
}

/// What the figures of a form weigh in localisation: the cost of supposing one wrong (1 by
/// default; a heavier figure is trusted more).
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub form: f64,
    /// By row index (records weigh 1).
    pub rows: Vec<f64>,
    /// By column index.
    pub columns: Vec<f64>,
    /// By cell field index.
    pub cells: Vec<f64>,
}

impl Weights {
    /// Every figure weighs 1.
    pub fn ones(rows: usize, columns: usize, cells: usize) -> Weights {
        Weights {
            form: 1.0,
            rows: vec![1.0; rows],
            columns: vec![1.0; columns],
            cells: vec![1.0; cells],
        }
    }

    /// The weight of the figure in row `row` (a named row or a record), column `col`.
    pub fn of_grid(&self, row: usize, col: usize) -> f64 {
        self.form
            * self.rows.get(row).copied().unwrap_or(1.0)
            * self.columns.get(col).copied().unwrap_or(1.0)
    }

    /// The weight of cell field `cell`.
    pub fn of_cell(&self, cell: usize) -> f64 {
        self.form * self.cells.get(cell).copied().unwrap_or(1.0)
    }
}

impl Form {
    /// Whether its records are matched to the unit workbooks of the run (a summary's form).
    pub fn matches_units(&self) -> bool {
        self.records.as_ref().is_some_and(|r| r.match_unit)
    }
}

/// How a record form's rows are found and matched.
#[derive(Debug)]
pub struct Records {
    /// The key column.
    pub key: usize,
    /// The column naming a record in messages.
    pub label: Option<usize>,
    /// The row ending the records.
    pub end: Option<usize>,
    /// Records are matched to the workbooks of the same run by unit code.
    pub match_unit: bool,
    /// The codes of the units (others are no unit of this form).
    pub unit_pattern: Option<Regex>,
    /// The heading of the records' numbering column, written by `consolidate`.
    pub number: Option<String>,
}

#[derive(Debug)]
pub struct Column {
    pub id: String,
    /// The heading for messages: `header`, or `group - header`.
    pub header: String,
    /// Keys of the heading and its aliases.
    pub keys: Vec<String>,
    /// Keys of the group heading and its aliases (empty: the column has no group).
    pub group_keys: Vec<String>,
    /// Keys of the group and heading written as one flat heading, separators dropped
    /// ([`crate::text::flat_key`]): `đảng viên htxsnv`.
    pub flat_keys: Vec<String>,
    pub kind: Kind,
    pub empty: Empty,
    /// The figure in a matched unit's workbook ([`FieldRef::Other`] references).
    pub source: Option<CExpr>,
}

#[derive(Debug)]
pub struct Row {
    pub id: String,
    pub label: String,
    pub keys: Vec<String>,
    /// The keys with other punctuation dropped ([`crate::text::flat_key`]), in the order of
    /// `keys`: taken once here, not for every sheet a form is looked for in.
    pub flat_keys: Vec<String>,
    /// Index of the heading row this row is searched under.
    pub under: Option<usize>,
    pub required: bool,
    /// Whether some row is searched under this one (it bounds a section).
    pub is_heading: bool,
}

#[derive(Debug)]
pub enum CellAt {
    Address(CellRef),
    Name(String),
}

#[derive(Debug)]
pub struct CellField {
    pub id: String,
    pub label: String,
    pub at: CellAt,
    pub kind: Kind,
    pub empty: Empty,
}

#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub severity: Severity,
    pub expr: CExpr,
    pub when: Option<CExpr>,
    pub each: Option<Each>,
    /// The column `@` stands for (a check with `columns` is compiled once per column).
    pub column: Option<usize>,
    /// Other workbooks the check reads: it is applied in the second phase of a run.
    pub links: Vec<Link>,
    /// The message in the pack's language.
    pub message: String,
    /// The message in other languages (`messages.en = "…"`).
    pub messages: BTreeMap<crate::registry::Lang, String>,
    /// The expression as the rule file writes it.
    pub expr_text: String,
    /// The rule file's `doc`, if any (in the pack's language).
    pub doc: Option<String>,
    /// The doc in other languages (`docs.en = "…"`).
    pub docs: BTreeMap<crate::registry::Lang, String>,
    /// How far its sides may lie apart beyond the rounding shown (its own, or the pack's).
    pub tolerance: Tolerance,
    /// Why a lint message about it is as meant, by the message's code (`lint.redundant`).
    pub lint: BTreeMap<String, String>,
}

/// The codes of `crossfoot rules lint`'s messages a check may explain (`[check.lint]`).
pub const LINT_CODES: [&str; 4] = ["contradiction", "redundant", "fixed", "never-fails"];

impl Check {
    /// The message template in `lang`: its own, or (None) the pack's language's is all there is.
    pub fn message_in(
        &self,
        lang: crate::registry::Lang,
        pack: crate::registry::Lang,
    ) -> Option<&str> {
        if lang == pack {
            return Some(&self.message);
        }
        self.messages.get(&lang).map(String::as_str)
    }

    /// The doc in `lang`: its own, or (None) there is none in that language.
    pub fn doc_in(&self, lang: crate::registry::Lang, pack: crate::registry::Lang) -> Option<&str> {
        if lang == pack {
            return self.doc.as_deref();
        }
        self.docs.get(&lang).map(String::as_str)
    }
}

/// What an `each` check iterates over.
#[derive(Debug, Clone, PartialEq)]
pub enum Each {
    /// Named rows.
    Rows(Vec<usize>),
    /// Every record of a `[records]` form.
    Records,
}

/// Another workbook a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Link {
    /// `unit.…`: the workbook matched to the current record.
    Unit,
    /// `previous.…`: last year's workbook of the same unit (`check --previous`).
    Previous,
}

/// A resolved reference.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldRef {
    /// Rows × one column of `form` (one row unless written with `*`).
    Rows {
        form: usize,
        rows: Vec<usize>,
        col: usize,
        glob: bool,
    },
    /// A cell field of `form`.
    Cell { form: usize, cell: usize },
    /// `$`: the current row of an `each` check, in a column.
    Current { col: usize },
    /// `prev[col]`: the record before the current one.
    Prev { col: usize },
    /// `records[col]`: every record of the form, in a column.
    Records { col: usize },
    /// A figure of another workbook: `unit.M01.total`, `previous.M02.end`.
    Other { link: Link, inner: Box<FieldRef> },
}

/// A compiled expression: every name resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum CExpr {
    Num(f64),
    Field(FieldRef),
    Neg(Box<CExpr>),
    Not(Box<CExpr>),
    Binary(BinOp, Box<CExpr>, Box<CExpr>),
    Compare(CmpOp, Box<CExpr>, Box<CExpr>),
    Logic(LogicOp, Box<CExpr>, Box<CExpr>),
    Call(Func, Vec<CExpr>),
}

// ---------------------------------------------------------------------------------------------
// Diagnostics.

/// The text a problem is shown in: its rule file and, for a conflict between two files, the
/// other one, each at its own offset (so that one diagnostic shows a snippet of each).
#[derive(Debug, Clone)]
struct RuleText {
    /// (file name, text, offset of its first character in the problem's spans)
    files: Vec<(String, Arc<String>, usize)>,
}

impl RuleText {
    fn of(src: &Source) -> RuleText {
        RuleText {
            files: vec![(src.name.clone(), Arc::new(src.text.clone()), 0)],
        }
    }

    /// Adds a file after the others; the offset its spans start at.
    fn push(&mut self, src: &Source) -> usize {
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
    message: String,
    #[source_code]
    src: RuleText,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[label(collection)]
    others: Vec<miette::LabeledSpan>,
    #[help]
    help: Option<String>,
    /// What written mistake it may follow from: then it is not shown with them.
    may_follow: Option<Follows>,
}

/// A problem of a file's definitions that may follow from a mistake in the file as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Follows {
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
    fn of(errors: &[RuleFileError], help: &'static str, lang: Lang) -> RulesSummary {
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

struct Problems<'a> {
    src: &'a Source,
    text: RuleText,
    list: Vec<RuleProblem>,
}

impl<'a> Problems<'a> {
    fn new(src: &'a Source) -> Problems<'a> {
        Problems {
            src,
            text: RuleText::of(src),
            list: Vec::new(),
        }
    }

    fn add(
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
    fn add_may_follow(
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
    fn add_part_missing(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        self.add_following(Follows::Part, span, message.into(), label.into(), help);
    }

    fn add_following(
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
struct Conflict<'a> {
    message: String,
    /// Where it is set now: the file, the value's characters.
    here: (&'a Source, Range<usize>),
    /// Where it was set before.
    before: (&'a Source, Range<usize>),
    help: String,
}

impl Conflict<'_> {
    fn problem(self) -> RuleProblem {
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

fn did_you_mean<'a>(wanted: &str, options: impl IntoIterator<Item = &'a str>) -> Option<String> {
    did_you_mean_in(wanted, options, Lang::En)
}

/// [`did_you_mean`] in `lang`.
fn did_you_mean_in<'a>(
    wanted: &str,
    options: impl IntoIterator<Item = &'a str>,
    lang: Lang,
) -> Option<String> {
    closest(wanted, options).map(|c| render(DiagWords::of(lang).did_you_mean, &[("name", c)]))
}

/// Where the text of a TOML string value starts, given the span of the whole value.
fn string_content_offset(text: &str, span: &Range<usize>) -> usize {
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

// ---------------------------------------------------------------------------------------------
// Loading.

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
const RULE_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One rule file's text, read as workbooks are ([`crate::files::read_file`]): a regular
/// file only (a named pipe or a device is refused without waiting), at most
/// [`MAX_RULE_FILE_BYTES`], within [`RULE_READ_TIMEOUT`].
fn read_rule_file(path: &Path, lang: Lang) -> Result<String, String> {
    let w = DiagWords::of(lang);
    let bytes = crate::files::read_file(path, MAX_RULE_FILE_BYTES, RULE_READ_TIMEOUT)
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
const BUILT_IN: &str = " (built in)";

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

fn load(
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
fn messages_edited_in_one_language(
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
fn edited_in_one_language(
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
type Given<T> = Option<(T, usize, Range<usize>)>;

/// The `[settings]` keys as given so far.
#[derive(Default)]
struct GivenSettings {
    locale: Given<Locale>,
    fold_diacritics: Given<bool>,
    dash_is_zero: Given<bool>,
    unit_name_label: Given<String>,
    unit_code_label: Given<String>,
    report_year_label: Given<String>,
    unit_code: Given<UnitCodeStyle>,
    language: Given<String>,
    year_words: Given<Vec<String>>,
    tolerance: Given<tolerance::ToleranceDef>,
    messages: BTreeMap<String, (String, usize, Range<usize>)>,
    abbreviations: BTreeMap<String, (String, usize, Range<usize>)>,
    subtotal_labels: Vec<String>,
    unit_words: Vec<String>,
}

/// What the help of a conflict says.
fn conflict_help(other: &Source) -> String {
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
fn user_over_built_in(sources: &[Source], first: usize, then: usize) -> bool {
    sources[first].name.ends_with(BUILT_IN) && !sources[then].name.ends_with(BUILT_IN)
}

/// Keeps the first file's value of a setting; another value in a later file is a problem of
/// that file, showing both.
fn merge_one<T: PartialEq + Clone>(
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
fn merge_settings<'d>(
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
    settings.abbreviations = crate::labels::Abbreviations::new(
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

/// Compiles rule sources into a pack. Every file's problems are collected: what is wrong in
/// the file as written (TOML syntax, unknown keys, wrong types, missing keys), settings that
/// contradict another file's, and what its definitions get wrong; one [`RuleFileError`] per
/// file with problems, in path order.
pub fn compile(sources: &[Source]) -> Result<Pack, Vec<RuleFileError>> {
    compile_in(sources, Lang::En)
}

/// [`compile`], the schema mistakes of the files as written said in `lang` (the problems of
/// what they define are English: docs/not-done.md).
pub fn compile_in(sources: &[Source], lang: Lang) -> Result<Pack, Vec<RuleFileError>> {
    // Problems of the files as written, and (below) of what they define.
    let mut written: BTreeMap<usize, Vec<RuleProblem>> = BTreeMap::new();
    let mut parsed: Vec<(usize, RuleFileDef)> = Vec::new();
    // Files that are not TOML: what the parser recovered of them only names their forms and
    // rows for the other files (their settings are not taken).
    let mut not_toml: HashSet<usize> = HashSet::new();
    for (i, src) in sources.iter().enumerate() {
        let read = schema::parse::<RuleFileDef>(&src.text, lang);
        let mut probs = Problems::new(src);
        for p in read.problems {
            probs.add(p.span, p.message, p.label, p.help);
        }
        if !probs.list.is_empty() {
            written.insert(i, probs.list);
        }
        if read.syntax {
            not_toml.insert(i);
        }
        if let Some(def) = read.def {
            parsed.push((i, def));
        }
    }

    // Settings first (their problems: values that contradict another file's, unknown message
    // ids), then the names of all forms.
    let mut settings_problems: BTreeMap<usize, Vec<RuleProblem>> = BTreeMap::new();
    let (settings, pending_groups, notices) =
        merge_settings(sources, &parsed, &not_toml, &mut settings_problems);
    let mut per_file: BTreeMap<usize, Vec<RuleProblem>> = BTreeMap::new();
    let mut form_ids: HashMap<String, usize> = HashMap::new();
    let mut form_files: Vec<(usize, usize)> = Vec::new(); // (source index, parsed index)
    let mut dup_forms: Vec<(usize, Range<usize>, String)> = Vec::new();
    for (pi, (si, def)) in parsed.iter().enumerate() {
        if let Some(f) = &def.form {
            let id = f.id.get_ref().clone();
            match form_ids.entry(id) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    dup_forms.push((*si, f.id.span(), e.key().clone()))
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(form_files.len());
                    form_files.push((*si, pi));
                }
            }
        }
    }

    for (si, span, id) in dup_forms {
        let first = form_ids
            .get(&id)
            .and_then(|fi| form_files.get(*fi))
            .map(|(fsi, _)| &sources[*fsi]);
        let help = match first {
            Some(f) if f.name.ends_with(BUILT_IN) => format!(
                "the built-in pack defines it in {}: give your form its own id, or check your files alone with --no-default-rules",
                f.name
            ),
            Some(f) => format!("it is defined in {} already; give each form its own id", f.name),
            None => "give each form its own id".to_string(),
        };
        let mut p = Problems::new(&sources[si]);
        p.add(
            span,
            format!("the form `{id}` is defined twice"),
            "second definition",
            Some(help),
        );
        per_file.entry(si).or_default().extend(p.list);
    }

    // Shapes of all forms, so cross-form references resolve whatever the file order.
    let mut shapes: Vec<FormShape> = Vec::new();
    for (_, pi) in &form_files {
        let def = &parsed[*pi].1;
        shapes.push(FormShape::of(def));
    }

    let mut forms = Vec::new();
    for (fi, (si, pi)) in form_files.iter().enumerate() {
        let def = &parsed[*pi].1;
        let mut probs = Problems::new(&sources[*si]);
        if let Some(form) = compile_form(fi, def, &shapes, &form_ids, &settings, &mut probs) {
            forms.push(form);
        }
        per_file.entry(*si).or_default().extend(probs.list);
    }
    // Files with rows/checks but no [form].
    for (si, def) in &parsed {
        if def.form.is_none()
            && (!def.row.is_empty()
                || !def.check.is_empty()
                || !def.column.is_empty()
                || !def.cell.is_empty()
                || def.localise.is_some())
        {
            let mut p = Problems::new(&sources[*si]);
            p.add_part_missing(
                0..0,
                "this file has rows, columns, cells, checks or [localise] weights but no [form] table",
                "start of file",
                Some("add a [form] table with an `id` and a `name`".into()),
            );
            per_file.entry(*si).or_default().extend(p.list);
        }
    }

    let mut groups = Vec::new();
    for (si, w) in pending_groups {
        let mut p = Problems::new(&sources[si]);
        let mut idx = Vec::new();
        for f in &w.forms {
            match form_ids.get(f.get_ref()) {
                Some(i) => idx.push(*i),
                None => p.add_may_follow(
                    f.span(),
                    format!("no form is called `{}`", f.get_ref()),
                    "unknown form",
                    did_you_mean(f.get_ref(), form_ids.keys().map(String::as_str)),
                ),
            }
        }
        per_file.entry(si).or_default().extend(p.list);
        groups.push(WorkbookGroup {
            id: w.id.get_ref().clone(),
            forms: idx,
            missing_severity: w.missing_severity,
        });
    }

    let (register, plausibility) =
        units::compile_units(sources, &parsed, &forms, settings.folding, &mut per_file);

    // A file with mistakes as written is reported with every other mistake of its
    // definitions, so that one run shows them all — except what may follow from those
    // mistakes: a name unknown or a part missing (a misspelt key is a missing one, a table
    // without its `id` defines no name). A file that is not TOML is reported by its syntax
    // errors alone: what was recovered of it is not what its author wrote.
    for (si, problems) in written {
        let own = per_file.entry(si).or_default();
        if not_toml.contains(&si) {
            own.clear();
        } else {
            // A table without its `id` (misspelt, say) defines no name either.
            let lost = problems.iter().any(|p| p.message == "missing key `id`")
                || names_lost(&sources[si].text, parsed.iter().find(|(i, _)| *i == si));
            own.retain(|p| match p.may_follow {
                None => true,
                Some(Follows::Name) => !lost,
                Some(Follows::Part) => false,
            });
        }
        own.extend(problems);
    }
    for (si, problems) in settings_problems {
        per_file.entry(si).or_default().extend(problems);
    }
    let mut errors = Vec::new();
    for (si, mut problems) in per_file {
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.span.offset());
            errors.push(RuleFileError {
                path: sources[si].name.clone(),
                problems,
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        return Err(errors);
    }
    let mut linked = std::collections::BTreeSet::new();
    for f in &forms {
        for c in &f.checks {
            collect_linked(&c.expr, &mut linked);
            if let Some(w) = &c.when {
                collect_linked(w, &mut linked);
            }
        }
        for col in &f.columns {
            if let Some(s) = &col.source {
                collect_linked(s, &mut linked);
            }
        }
    }
    Ok(Pack {
        settings,
        forms,
        groups,
        linked,
        register,
        plausibility,
        sources: sources.to_vec(),
        sources_fingerprint: Source::fingerprint(sources),
        notices,
    })
}

/// Whether a file read with schema mistakes lost names on the way: an `id` written in the
/// text (any table's, as plain TOML) that no definition read has. Then an unknown name in the
/// file may be that one, and is not reported beside the mistake that lost it.
fn names_lost(text: &str, read: Option<&(usize, RuleFileDef)>) -> bool {
    fn ids<'t>(v: &'t toml::Value, out: &mut Vec<&'t str>) {
        match v {
            toml::Value::Table(t) => {
                if let Some(toml::Value::String(id)) = t.get("id") {
                    out.push(id);
                }
                t.values().for_each(|v| ids(v, out));
            }
            toml::Value::Array(items) => items.iter().for_each(|v| ids(v, out)),
            _ => {}
        }
    }
    let Some((_, def)) = read else {
        return true;
    };
    let Ok(raw) = text.parse::<toml::Table>() else {
        return true;
    };
    let mut written = Vec::new();
    raw.values().for_each(|v| ids(v, &mut written));
    let id = |s: &Spanned<String>| s.get_ref().clone();
    let mut read_ids: HashSet<String> = HashSet::new();
    read_ids.extend(def.form.iter().map(|f| id(&f.id)));
    read_ids.extend(def.row.iter().map(|r| id(&r.id)));
    read_ids.extend(def.column.iter().map(|c| id(&c.id)));
    read_ids.extend(def.cell.iter().map(|c| id(&c.id)));
    read_ids.extend(def.check.iter().map(|c| id(&c.id)));
    if let Some(s) = &def.settings {
        read_ids.extend(s.workbook.iter().map(|w| id(&w.id)));
    }
    written.iter().any(|w| !read_ids.contains(*w))
}

/// The figures of other workbooks an expression reads.
fn collect_linked(e: &CExpr, out: &mut std::collections::BTreeSet<(usize, usize, usize)>) {
    match e {
        CExpr::Num(_) => {}
        CExpr::Field(FieldRef::Other { inner, .. }) => {
            if let FieldRef::Rows {
                form, rows, col, ..
            } = inner.as_ref()
            {
                for r in rows {
                    out.insert((*form, *r, *col));
                }
            }
        }
        CExpr::Field(_) => {}
        CExpr::Neg(x) | CExpr::Not(x) => collect_linked(x, out),
        CExpr::Binary(_, a, b) | CExpr::Compare(_, a, b) | CExpr::Logic(_, a, b) => {
            collect_linked(a, out);
            collect_linked(b, out);
        }
        CExpr::Call(_, args) => args.iter().for_each(|a| collect_linked(a, out)),
    }
}

/// The other workbooks an expression reads.
fn links_of(e: &CExpr, out: &mut Vec<Link>) {
    match e {
        CExpr::Num(_) => {}
        CExpr::Field(FieldRef::Other { link, .. }) => {
            if !out.contains(link) {
                out.push(*link);
            }
        }
        CExpr::Field(_) => {}
        CExpr::Neg(x) | CExpr::Not(x) => links_of(x, out),
        CExpr::Binary(_, a, b) | CExpr::Compare(_, a, b) | CExpr::Logic(_, a, b) => {
            links_of(a, out);
            links_of(b, out);
        }
        CExpr::Call(_, args) => args.iter().for_each(|a| links_of(a, out)),
    }
}

/// The names a form defines, for resolving references into it.
struct FormShape {
    id: String,
    columns: Vec<String>,
    /// Which columns hold text (never read as figures).
    text_cols: Vec<bool>,
    rows: Vec<String>,
    cells: Vec<String>,
}

impl FormShape {
    fn of(def: &RuleFileDef) -> FormShape {
        FormShape {
            id: def
                .form
                .as_ref()
                .map(|f| f.id.get_ref().clone())
                .unwrap_or_default(),
            columns: def.column.iter().map(|c| c.id.get_ref().clone()).collect(),
            text_cols: def.column.iter().map(|c| c.kind == Kind::Text).collect(),
            rows: def.row.iter().map(|r| r.id.get_ref().clone()).collect(),
            cells: def.cell.iter().map(|c| c.id.get_ref().clone()).collect(),
        }
    }
}

/// A rule file's regular expression (`what`: which pattern, for the message), compiled as
/// `regex`; a problem on its span when it does not compile.
fn pattern(
    pat: &Spanned<String>,
    regex: &str,
    what: &str,
    probs: &mut Problems<'_>,
) -> Option<Regex> {
    match Regex::new(regex) {
        Ok(re) => Some(re),
        Err(e) => {
            probs.add(
                pat.span(),
                format!("the {what} pattern is not a valid regular expression"),
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .to_string(),
                None,
            );
            None
        }
    }
}

/// A check id: ASCII letters, digits, `.`, `_` and `-`, starting with a letter. Only ASCII,
/// so that two ids never look alike (a Cyrillic `а` for a Latin `a`) and none hides a
/// zero-width or bidi control character.
fn valid_check_id(id: &str) -> bool {
    id.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// A form, column, row or cell id: ASCII letters, digits and `_`, parts joined by `.`,
/// starting with a letter (ASCII only, as [`valid_check_id`]).
fn valid_id(id: &str) -> bool {
    let mut parts = id.split('.');
    parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

const PLACEHOLDERS: [&str; 9] = [
    "found",
    "expected",
    "difference",
    "label",
    "form",
    "sheet",
    "cell",
    "column",
    "other",
];

fn compile_form(
    fi: usize,
    def: &RuleFileDef,
    shapes: &[FormShape],
    form_ids: &HashMap<String, usize>,
    settings: &Settings,
    probs: &mut Problems<'_>,
) -> Option<Form> {
    let fdef = def.form.as_ref()?;
    let folding = settings.folding;
    let key = |t: &str| label_key(t, folding);
    let form_id = fdef.id.get_ref().clone();
    if !valid_id(&form_id) || form_id.contains('.') {
        probs.add(
            fdef.id.span(),
            format!("`{form_id}` is not a valid form id"),
            "form id",
            Some("use letters, digits and `_`, starting with a letter (e.g. `F1`)".into()),
        );
    }
    let sheet = match &fdef.sheet {
        Some(pat) => pattern(pat, &format!("(?i){}", pat.get_ref()), "sheet", probs),
        None => None,
    };
    if fdef.labels.is_empty() && fdef.title.is_empty() && fdef.sheet.is_none() {
        probs.add_part_missing(
            fdef.id.span(),
            "the form says nothing to recognise its sheet by",
            "this form",
            Some("add `sheet`, `title` or `labels` to [form]".into()),
        );
    }

    let mut seen: HashSet<String> = HashSet::new();
    let mut columns = Vec::new();
    for c in &def.column {
        let id = c.id.get_ref();
        if !valid_id(id) || id.contains('.') {
            probs.add(
                c.id.span(),
                format!("`{id}` is not a valid column id"),
                "column id",
                Some("use letters, digits and `_`".into()),
            );
        }
        if !seen.insert(format!("col:{id}")) {
            probs.add(
                c.id.span(),
                format!("the column `{id}` is defined twice"),
                "again",
                None,
            );
        }
        let mut keys = vec![key(&c.header)];
        keys.extend(c.aliases.iter().map(|a| key(a)));
        let mut group_keys: Vec<String> = c.group.iter().map(|g| key(g)).collect();
        if c.group.is_some() {
            group_keys.extend(c.group_aliases.iter().map(|a| key(a.get_ref())));
        } else if let Some(a) = c.group_aliases.first() {
            probs.add(
                a.span(),
                "`group_aliases` without a `group`",
                "no group to be an alias of",
                Some(
                    "add `group = \"…\"` (the heading over this column) or drop the aliases".into(),
                ),
            );
        }
        let mut flat_keys = Vec::new();
        for g in &group_keys {
            for h in &keys {
                for joined in [format!("{g} {h}"), format!("{h} {g}")] {
                    let f = crate::text::flat_key(&joined);
                    if !flat_keys.contains(&f) {
                        flat_keys.push(f);
                    }
                }
            }
        }
        let empty = c.empty.unwrap_or(match c.kind {
            Kind::Percent => Empty::Skip,
            _ => Empty::Zero,
        });
        columns.push(Column {
            id: id.clone(),
            header: match &c.group {
                Some(g) => format!("{g} - {}", c.header),
                None => c.header.clone(),
            },
            keys,
            group_keys,
            flat_keys,
            kind: c.kind,
            empty,
            source: None,
        });
    }
    if columns.is_empty() && !def.row.is_empty() {
        probs.add_part_missing(
            fdef.id.span(),
            "the form has rows but no [[column]]",
            "this form",
            Some("add at least one [[column]] with the header of the values' column".into()),
        );
    }

    let row_index: HashMap<&str, usize> = def
        .row
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.get_ref().as_str(), i))
        .collect();
    let mut rows = Vec::new();
    for r in &def.row {
        let id = r.id.get_ref();
        if !valid_id(id) {
            probs.add(r.id.span(), format!("`{id}` is not a valid row id"), "row id", Some("use letters, digits, `_` and `.` between parts, starting with a letter (e.g. `age.18_30`)".into()));
        }
        if !seen.insert(format!("field:{id}")) {
            probs.add(
                r.id.span(),
                format!("`{id}` is defined twice in this form"),
                "again",
                None,
            );
        }
        let under = match &r.under {
            Some(u) => match row_index.get(u.get_ref().as_str()) {
                Some(&i) if def.row[i].under.is_some() => {
                    probs.add(
                        u.span(),
                        format!(
                            "`{}` is itself searched under another row; sections cannot nest",
                            u.get_ref()
                        ),
                        "nested section",
                        None,
                    );
                    None
                }
                Some(&i) if i == rows.len() => {
                    probs.add(
                        u.span(),
                        "a row cannot be searched under itself",
                        "itself",
                        None,
                    );
                    None
                }
                Some(&i) => Some(i),
                None => {
                    probs.add_may_follow(
                        u.span(),
                        format!("no row `{}` in this form", u.get_ref()),
                        "unknown row",
                        did_you_mean(u.get_ref(), row_index.keys().copied()),
                    );
                    None
                }
            },
            None => None,
        };
        let mut keys = vec![key(&r.label)];
        keys.extend(r.aliases.iter().map(|a| key(a)));
        let flat_keys = keys.iter().map(|k| crate::text::flat_key(k)).collect();
        rows.push(Row {
            id: id.clone(),
            label: r.label.clone(),
            keys,
            flat_keys,
            under,
            required: r.required,
            is_heading: false,
        });
    }
    let headings: Vec<usize> = rows.iter().filter_map(|r| r.under).collect();
    for h in headings {
        rows[h].is_heading = true;
    }

    let mut cells = Vec::new();
    for c in &def.cell {
        let id = c.id.get_ref();
        if !valid_id(id) {
            probs.add(
                c.id.span(),
                format!("`{id}` is not a valid cell id"),
                "cell id",
                None,
            );
        }
        if !seen.insert(format!("field:{id}")) {
            probs.add(
                c.id.span(),
                format!("`{id}` is defined twice in this form"),
                "again",
                None,
            );
        }
        let at = match (&c.at, &c.name) {
            (Some(a), None) => match CellRef::parse_a1(a.get_ref()) {
                Some(r) => Some(CellAt::Address(r)),
                None => {
                    probs.add(
                        a.span(),
                        format!("`{}` is not a cell address", a.get_ref()),
                        "not A1",
                        Some("write an address such as `D3`".into()),
                    );
                    None
                }
            },
            (None, Some(n)) => Some(CellAt::Name(n.clone())),
            _ => {
                probs.add(c.id.span(), "a [[cell]] needs exactly one of `at` (an address such as `D3`) or `name` (an Excel defined name)", "this cell", None);
                None
            }
        };
        let empty = if c.required {
            Empty::Required
        } else {
            c.empty.unwrap_or(Empty::Zero)
        };
        if let Some(at) = at {
            cells.push(CellField {
                id: id.clone(),
                label: c.label.clone().unwrap_or_else(|| id.clone()),
                at,
                kind: c.kind,
                empty,
            });
        }
    }

    let col_of = |name: &Spanned<String>, what: &str, probs: &mut Problems<'_>| {
        let found = def
            .column
            .iter()
            .position(|c| c.id.get_ref() == name.get_ref());
        if found.is_none() {
            probs.add_may_follow(
                name.span(),
                format!("no column `{}` in this form ({what})", name.get_ref()),
                "unknown column",
                did_you_mean(
                    name.get_ref(),
                    def.column.iter().map(|c| c.id.get_ref().as_str()),
                ),
            );
        }
        found
    };
    let records = def.records.as_ref().and_then(|r| {
        let key = col_of(&r.key, "the records' key", probs);
        let label = r.label.as_ref().and_then(|l| col_of(l, "the records' label", probs));
        let end = r.end.as_ref().and_then(|e| {
            let found = row_index.get(e.get_ref().as_str()).copied();
            if found.is_none() {
                probs.add(
                    e.span(),
                    format!("no row `{}` in this form", e.get_ref()),
                    "unknown row",
                    Some("`end` names the [[row]] that ends the records, e.g. a total row".into()),
                );
            }
            found
        });
        let match_unit = match &r.match_ {
            None => false,
            Some(m) if m.get_ref() == "unit_code" => true,
            Some(m) => {
                probs.add(
                    m.span(),
                    format!("`{}` is not a way to match records", m.get_ref()),
                    "unknown",
                    Some("write `match = \"unit_code\"`: the workbook whose unit code is the record's key".into()),
                );
                false
            }
        };
        let unit_pattern = r.unit_pattern.as_ref().and_then(|pat| {
            pattern(pat, &format!("^(?:{})$", pat.get_ref()), "unit", probs)
        });
        Some(Records {
            key: key?,
            label,
            end,
            match_unit,
            unit_pattern,
            number: r.number.as_ref().map(|n| n.get_ref().clone()),
        })
    });
    let has_records = def.records.is_some();
    let match_unit = records.as_ref().is_some_and(|r| r.match_unit);

    // Column sources: expressions over a matched unit's workbook.
    for (ci, c) in def.column.iter().enumerate() {
        let Some(src) = &c.source else { continue };
        if !match_unit {
            probs.add(
                src.span(),
                "a column `source` reads the matched unit's workbook, but this form has no `[records]` with `match`",
                "no match",
                Some("add `[records]` with `key` and `match = \"unit_code\"`".into()),
            );
            continue;
        }
        let cx = Ctx {
            fi,
            shapes,
            form_ids,
            has_each: false,
            each_records: false,
            has_records,
            match_unit,
            at_col: None,
            sources: &[],
            in_source: true,
        };
        let base = string_content_offset(&probs.src.text, &src.span());
        if let Some(e) = compile_expr_text(src.get_ref(), base, &cx, probs) {
            if let Some(col) = columns.get_mut(ci) {
                col.source = Some(e);
            }
        }
    }
    let sources: Vec<Option<CExpr>> = columns.iter().map(|c| c.source.clone()).collect();

    let mut checks = Vec::new();
    let mut check_ids: HashSet<&str> = HashSet::new();
    for c in &def.check {
        let id = c.id.get_ref();
        if !valid_check_id(id) {
            probs.add(
                c.id.span(),
                format!("`{}` is not a valid check id", id.escape_default()),
                "check id",
                Some("use ASCII letters, digits, `.`, `_` and `-`, starting with a letter (e.g. `F1.total-sum`): an id that only looks like another, or hides an invisible character, would tell two checks apart that no one can".into()),
            );
        }
        if !check_ids.insert(id) {
            probs.add(
                c.id.span(),
                format!("the check `{id}` is defined twice"),
                "again",
                Some("check ids must be unique and stable: reports and users refer to them".into()),
            );
        }
        let each = c.each.as_ref().and_then(|e| {
            if e.get_ref() == "records" && !shapes[fi].rows.iter().any(|r| r == "records") {
                if !has_records {
                    probs.add(
                        e.span(),
                        "`each = \"records\"` needs a `[records]` table in this form",
                        "no records",
                        None,
                    );
                    return None;
                }
                return Some(Each::Records);
            }
            let rs = resolve_rows(&shapes[fi], e.get_ref());
            if rs.is_empty() {
                probs.add_may_follow(
                    e.span(),
                    format!("`{}` names no row of this form", e.get_ref()),
                    "no rows",
                    did_you_mean(e.get_ref(), shapes[fi].rows.iter().map(String::as_str)),
                );
                None
            } else {
                Some(Each::Rows(rs))
            }
        });
        // The columns `@` stands for: one compiled check per column.
        let at_cols: Vec<Option<usize>> = match &c.columns {
            None => vec![None],
            Some(list) => {
                let mut out = Vec::new();
                for name in list {
                    if name.get_ref() == "*" {
                        out.extend(
                            def.column
                                .iter()
                                .enumerate()
                                .filter(|(_, col)| col.kind != Kind::Text)
                                .map(|(i, _)| Some(i)),
                        );
                    } else if let Some(i) = col_of(name, "in `columns`", probs) {
                        out.push(Some(i));
                    }
                }
                if out.is_empty() {
                    vec![None]
                } else {
                    out
                }
            }
        };
        let each_records = matches!(each, Some(Each::Records));
        let mut compiled = Vec::new();
        for (n, at_col) in at_cols.iter().enumerate() {
            let cx = Ctx {
                fi,
                shapes,
                form_ids,
                has_each: c.each.is_some(),
                each_records,
                has_records,
                match_unit,
                at_col: *at_col,
                sources: &sources,
                in_source: false,
            };
            let before = probs.list.len();
            let base = string_content_offset(&probs.src.text, &c.expr.span());
            let expr = compile_expr_text(c.expr.get_ref(), base, &cx, probs);
            if n == 0 {
                if let Some(e) = &expr {
                    if !matches!(e, CExpr::Compare(..) | CExpr::Logic(..) | CExpr::Not(..)) {
                        probs.add(
                            c.expr.span(),
                            "a check must compare two values (`==`, `!=`, `<`, `<=`, `>`, `>=`) or state a condition (`not …`, `… and …`)",
                            "no comparison",
                            Some("e.g. `male + female == total`".into()),
                        );
                    }
                }
            }
            let when = c.when.as_ref().and_then(|w| {
                let base = string_content_offset(&probs.src.text, &w.span());
                compile_expr_text(w.get_ref(), base, &cx, probs)
            });
            compiled.push((*at_col, expr, when));
            // The same mistake in every column is shown once.
            if probs.list.len() > before {
                break;
            }
        }
        // The message's and the doc's languages.
        let mut translations = BTreeMap::new();
        let mut doc_translations = BTreeMap::new();
        let both = c
            .messages
            .iter()
            .map(|t| (t, false))
            .chain(c.docs.iter().map(|t| (t, true)));
        for ((code, text), is_doc) in both {
            match crate::registry::Lang::of_code(code.get_ref()) {
                Some(l) => {
                    if is_doc {
                        doc_translations.insert(l, text.get_ref().clone());
                    } else {
                        translations.insert(l, text.get_ref().clone());
                    }
                }
                None => probs.add(
                    code.span(),
                    format!("`{}` is not a language crossfoot writes", code.get_ref()),
                    "unknown language",
                    Some(format!(
                        "the languages are {}",
                        crate::registry::Lang::ALL.map(|l| l.code()).join(", ")
                    )),
                ),
            }
        }
        // Placeholders in the messages.
        for text in std::iter::once(&c.message).chain(c.messages.values()) {
            let msg = text.get_ref();
            let mbase = string_content_offset(&probs.src.text, &text.span());
            let mut rest = msg.as_str();
            let mut offset = 0;
            while let Some(open) = rest.find('{') {
                let Some(close) = rest[open..].find('}') else {
                    break;
                };
                let name = &rest[open + 1..open + close];
                if !PLACEHOLDERS.contains(&name) {
                    let s = mbase + offset + open;
                    probs.add(
                        s..s + close + 1,
                        format!("unknown placeholder `{{{name}}}`"),
                        "unknown",
                        Some(format!(
                            "the placeholders are {}",
                            PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                        )),
                    );
                }
                offset += open + close + 1;
                rest = &rest[open + close + 1..];
            }
        }
        let tolerance = match &c.tolerance {
            None => settings.tolerance,
            Some(t) => match tolerance::compile(t.get_ref()) {
                Ok(t) => t,
                Err((message, help)) => {
                    probs.add(t.span(), message, "this tolerance", Some(help));
                    Tolerance::None
                }
            },
        };
        let mut lint = BTreeMap::new();
        for (code, why) in &c.lint {
            if LINT_CODES.contains(&code.get_ref().as_str()) {
                lint.insert(format!("lint.{}", code.get_ref()), why.get_ref().clone());
            } else {
                probs.add(
                    code.span(),
                    format!("`{}` is not the code of a lint message", code.get_ref()),
                    "unknown code",
                    Some(match did_you_mean(code.get_ref(), LINT_CODES) {
                        Some(d) => format!("{d} (the codes: {})", LINT_CODES.join(", ")),
                        None => format!("the codes: {}", LINT_CODES.join(", ")),
                    }),
                );
            }
        }
        let msg = c.message.get_ref();
        for (column, expr, when) in compiled {
            let Some(expr) = expr else { continue };
            let mut links = Vec::new();
            links_of(&expr, &mut links);
            if let Some(w) = &when {
                links_of(w, &mut links);
            }
            checks.push(Check {
                id: id.clone(),
                severity: c.severity,
                expr,
                when,
                each: each.clone(),
                column,
                links,
                message: msg.clone(),
                messages: translations.clone(),
                expr_text: c.expr.get_ref().clone(),
                doc: c.doc.clone(),
                docs: doc_translations.clone(),
                tolerance,
                lint: lint.clone(),
            });
        }
    }

    let weights = localise_weights(def, &rows, &columns, &cells, probs);
    Some(Form {
        id: form_id,
        name: fdef.name.clone(),
        sheet,
        titles: fdef.title.iter().map(|t| key(t)).collect(),
        labels: fdef.labels.iter().map(|t| key(t)).collect(),
        titles_written: fdef.title.clone(),
        labels_written: fdef.labels.clone(),
        columns,
        rows,
        cells,
        weights,
        checks,
        records,
    })
}

/// The form's `[localise]` weights: every name a row, column or cell of the form, every
/// weight a number above 0.
fn localise_weights(
    def: &RuleFileDef,
    rows: &[Row],
    columns: &[Column],
    cells: &[CellField],
    probs: &mut Problems<'_>,
) -> Weights {
    let mut w = Weights::ones(rows.len(), columns.len(), cells.len());
    let Some(l) = &def.localise else {
        return w;
    };
    let positive = |v: &Spanned<f64>, probs: &mut Problems<'_>| -> Option<f64> {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            return Some(x);
        }
        probs.add(
            v.span(),
            format!("a weight must be a number above 0, not {x}"),
            "not above 0",
            Some(
                "1 is the default; above 1 trusts the figure more, between 0 and 1 less (e.g. 0.5)"
                    .into(),
            ),
        );
        None
    };
    if let Some(v) = &l.weight {
        if let Some(x) = positive(v, probs) {
            w.form = x;
        }
    }
    let by_id = |table: &BTreeMap<Spanned<String>, Spanned<f64>>,
                 ids: &[&str],
                 out: &mut Vec<f64>,
                 what: &str,
                 probs: &mut Problems<'_>| {
        for (name, v) in table {
            let Some(x) = positive(v, probs) else {
                continue;
            };
            match ids.iter().position(|id| *id == name.get_ref().as_str()) {
                Some(i) => out[i] = x,
                None => {
                    let listed = if ids.is_empty() {
                        format!("this form has no {what}s")
                    } else {
                        format!("the {what}s of this form: {}", ids.join(", "))
                    };
                    let help = match did_you_mean(name.get_ref(), ids.iter().copied()) {
                        Some(d) => format!("{d} ({listed})"),
                        None => listed,
                    };
                    probs.add_may_follow(
                        name.span(),
                        format!("no {what} `{}` in this form to weight", name.get_ref()),
                        format!("unknown {what}"),
                        Some(help),
                    );
                }
            }
        }
    };
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    by_id(&l.rows, &ids, &mut w.rows, "row", probs);
    let ids: Vec<&str> = columns.iter().map(|c| c.id.as_str()).collect();
    by_id(&l.columns, &ids, &mut w.columns, "column", probs);
    let ids: Vec<&str> = cells.iter().map(|c| c.id.as_str()).collect();
    by_id(&l.cells, &ids, &mut w.cells, "cell", probs);
    w
}

/// Rows named by `path`: an id, `prefix.*`, or `*` (all rows).
fn resolve_rows(shape: &FormShape, path: &str) -> Vec<usize> {
    if path == "*" {
        return (0..shape.rows.len()).collect();
    }
    if let Some(prefix) = path.strip_suffix(".*") {
        let p = format!("{prefix}.");
        return shape
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.starts_with(&p))
            .map(|(i, _)| i)
            .collect();
    }
    shape
        .rows
        .iter()
        .position(|r| r == path)
        .into_iter()
        .collect()
}

struct Ctx<'a> {
    fi: usize,
    shapes: &'a [FormShape],
    form_ids: &'a HashMap<String, usize>,
    has_each: bool,
    /// The check iterates over the form's records (`prev`, `unit` make sense).
    each_records: bool,
    /// The form has `[records]` (`records[col]` makes sense).
    has_records: bool,
    /// Records are matched to unit workbooks (`unit.…` makes sense).
    match_unit: bool,
    /// The column `@` stands for.
    at_col: Option<usize>,
    /// Each column's `source`, compiled.
    sources: &'a [Option<CExpr>],
    /// Compiling a column's `source`: every reference reads the matched unit's workbook.
    in_source: bool,
}

fn compile_expr_text(
    text: &str,
    base: usize,
    cx: &Ctx<'_>,
    probs: &mut Problems<'_>,
) -> Option<CExpr> {
    match expr::parse(text) {
        Ok(e) => {
            let before = probs.list.len();
            let c = lower(&e, base, cx, false, probs);
            if probs.list.len() == before {
                c
            } else {
                None
            }
        }
        Err(pe) => {
            probs.add(
                base + pe.span.start..base + pe.span.end,
                pe.message,
                "here",
                None,
            );
            None
        }
    }
}

/// The value of an expression that reads no figure (`0`, `2 - 2`, `-(1 * 0)`), if it is one.
fn constant(e: &CExpr) -> Option<f64> {
    match e {
        CExpr::Num(n) => Some(*n),
        CExpr::Neg(x) => constant(x).map(|v| -v),
        CExpr::Binary(op, a, b) => {
            let (a, b) = (constant(a)?, constant(b)?);
            Some(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
            })
        }
        _ => None,
    }
}

fn lower(
    e: &expr::Expr,
    base: usize,
    cx: &Ctx<'_>,
    in_aggregate: bool,
    probs: &mut Problems<'_>,
) -> Option<CExpr> {
    let sp = |s: expr::Span| base + s.start..base + s.end;
    Some(match &e.kind {
        ExprKind::Num(n) => CExpr::Num(*n),
        ExprKind::Neg(x) => CExpr::Neg(Box::new(lower(x, base, cx, false, probs)?)),
        ExprKind::Not(x) => CExpr::Not(Box::new(lower(x, base, cx, false, probs)?)),
        ExprKind::Binary(op, a, b_expr) => {
            let a = lower(a, base, cx, false, probs);
            let b = lower(b_expr, base, cx, false, probs);
            // A division by a constant zero could never be applied: a rule-file error, not a
            // check that silently never runs.
            if *op == BinOp::Div && b.as_ref().and_then(constant).is_some_and(|v| v == 0.0) {
                probs.add(
                    sp(b_expr.span),
                    "this divides by zero: the check could never be applied",
                    "always 0",
                    Some("divide by a figure, e.g. `$ / total * 100`".into()),
                );
                return None;
            }
            CExpr::Binary(*op, Box::new(a?), Box::new(b?))
        }
        ExprKind::Compare(op, a, b) => {
            let a = lower(a, base, cx, false, probs);
            let b = lower(b, base, cx, false, probs);
            CExpr::Compare(*op, Box::new(a?), Box::new(b?))
        }
        ExprKind::Logic(op, a, b) => {
            let a = lower(a, base, cx, false, probs);
            let b = lower(b, base, cx, false, probs);
            CExpr::Logic(*op, Box::new(a?), Box::new(b?))
        }
        ExprKind::Call(f, args) => {
            let agg = matches!(f, Func::Sum | Func::Min | Func::Max);
            let mut out = Vec::new();
            let mut ok = true;
            for a in args {
                match lower(a, base, cx, agg, probs) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            CExpr::Call(*f, out)
        }
        ExprKind::Ref(r) => {
            let shape_own = &cx.shapes[cx.fi];
            let own_row = |p: &str| shape_own.rows.iter().any(|x| x == p);
            if r.path == "@" {
                probs.add(
                    sp(r.path_span),
                    "`@` is the current column; write it inside `[ ]`, e.g. `total[@]`",
                    "not a value",
                    None,
                );
                return None;
            }
            if cx.in_source {
                // A column's source: a reference into the matched unit's workbook.
                let inner = lower_plain(e, base, cx, in_aggregate, probs)?;
                return match inner {
                    CExpr::Field(f @ FieldRef::Rows { form, .. }) if form != cx.fi => {
                        Some(CExpr::Field(FieldRef::Other {
                            link: Link::Unit,
                            inner: Box::new(f),
                        }))
                    }
                    _ => {
                        probs.add(
                            sp(r.path_span),
                            "a source names a row of the unit's workbook, written `FORM.row` or `FORM.row[column]`",
                            "not in another form",
                            Some("e.g. `source = \"FORM.row\"`".into()),
                        );
                        None
                    }
                };
            }
            // `records[col]`: every record of this form.
            if r.path == "records" && cx.has_records && !own_row("records") {
                if !in_aggregate {
                    probs.add(
                        sp(r.path_span),
                        "`records` names several values; use it inside sum(), min() or max()",
                        "several values",
                        Some("e.g. `sum(records[total])`".into()),
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return Some(CExpr::Field(FieldRef::Records { col }));
            }
            // `prev[col]`: the record before the current one.
            if r.path == "prev" && !own_row("prev") {
                if !cx.each_records {
                    probs.add(
                        sp(r.path_span),
                        "`prev` is the record before the current one, but this check does not go through the records",
                        "no records",
                        Some("add `each = \"records\"` to the check".into()),
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return Some(CExpr::Field(FieldRef::Prev { col }));
            }
            // `unit[col]`: the column's source, read in the matched unit's workbook.
            if r.path == "unit" && !own_row("unit") {
                if !(cx.match_unit && cx.each_records) {
                    probs.add(
                        sp(r.path_span),
                        "`unit` is the workbook matched to the current record: it needs `[records]` with `match` and `each = \"records\"`",
                        "no matched unit",
                        None,
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return match cx.sources.get(col).cloned().flatten() {
                    Some(src) => Some(src),
                    None => {
                        probs.add(
                            r.column.as_ref().map_or(sp(r.path_span), |(_, s)| sp(*s)),
                            format!(
                                "the column `{}` has no `source` to read in the unit's workbook",
                                shape_own.columns.get(col).map_or("", String::as_str)
                            ),
                            "no source",
                            Some("add `source = \"FORM.row\"` to the [[column]]".into()),
                        );
                        None
                    }
                };
            }
            // `unit.FORM.row`, `previous.FORM.row`: a figure of another workbook.
            for (prefix, link) in [("unit.", Link::Unit), ("previous.", Link::Previous)] {
                let Some(rest) = r.path.strip_prefix(prefix) else {
                    continue;
                };
                if own_row(&r.path) {
                    break;
                }
                let form_named = rest
                    .split_once('.')
                    .is_some_and(|(f, _)| cx.form_ids.contains_key(f));
                if !form_named {
                    probs.add(
                        sp(r.path_span),
                        format!("`{prefix}` must be followed by a form and a row, e.g. `{prefix}FORM.row`"),
                        "no form",
                        None,
                    );
                    return None;
                }
                if link == Link::Unit && !(cx.match_unit && cx.each_records) {
                    probs.add(
                        sp(r.path_span),
                        "`unit.` reads the workbook matched to the current record: it needs `[records]` with `match` and `each = \"records\"`",
                        "no matched unit",
                        None,
                    );
                    return None;
                }
                let prefix_len = prefix.len();
                let inner_ref = expr::RefExpr {
                    path: rest.to_string(),
                    path_span: expr::Span {
                        start: r.path_span.start + prefix_len,
                        end: r.path_span.end,
                    },
                    column: r.column.clone(),
                };
                let inner_cx = Ctx {
                    at_col: None,
                    ..*cx
                };
                let inner = lower_plain(
                    &expr::Expr {
                        kind: ExprKind::Ref(inner_ref),
                        span: e.span,
                    },
                    base,
                    &inner_cx,
                    in_aggregate,
                    probs,
                )?;
                return match inner {
                    CExpr::Field(f @ FieldRef::Rows { .. }) => {
                        Some(CExpr::Field(FieldRef::Other {
                            link,
                            inner: Box::new(f),
                        }))
                    }
                    _ => {
                        probs.add(
                            sp(r.path_span),
                            "only rows of another workbook can be read (`FORM.row` or `FORM.row[column]`)",
                            "not a row",
                            None,
                        );
                        None
                    }
                };
            }
            return lower_plain(e, base, cx, in_aggregate, probs);
        }
    })
}

/// A reference in this workbook: `$`, a row, `FORM.row`, a cell.
fn lower_plain(
    e: &expr::Expr,
    base: usize,
    cx: &Ctx<'_>,
    in_aggregate: bool,
    probs: &mut Problems<'_>,
) -> Option<CExpr> {
    let sp = |s: expr::Span| base + s.start..base + s.end;
    let ExprKind::Ref(r) = &e.kind else {
        return None;
    };
    {
        {
            let shape_own = &cx.shapes[cx.fi];
            // `$`: the current row.
            if r.path == "$" {
                if !cx.has_each {
                    probs.add_part_missing(
                        sp(r.path_span),
                        "`$` means the current row, but this check has no `each`",
                        "no current row",
                        Some("add `each = \"group.*\"` to the check, or name the row".into()),
                    );
                    return None;
                }
                let col = resolve_col(shape_own, r, cx.at_col, base, probs)?;
                return Some(CExpr::Field(FieldRef::Current { col }));
            }
            // `FORM.path`: another form of the same workbook.
            let (fi, path) = match r.path.split_once('.') {
                Some((first, rest))
                    if cx.form_ids.contains_key(first)
                        && !shape_own.rows.iter().any(|x| x == &r.path) =>
                {
                    (cx.form_ids[first], rest)
                }
                _ => (cx.fi, r.path.as_str()),
            };
            let shape = &cx.shapes[fi];
            let glob = path == "*" || path.ends_with(".*");
            if glob {
                if !in_aggregate {
                    probs.add(
                        sp(r.path_span),
                        format!(
                            "`{}` names several values; use it inside sum(), min() or max()",
                            r.path
                        ),
                        "several values",
                        Some(format!("e.g. `sum({})`", r.path)),
                    );
                    return None;
                }
                let rows = resolve_rows(shape, path);
                if rows.is_empty() {
                    probs.add_may_follow(
                        sp(r.path_span),
                        format!("`{}` matches no row of form {}", r.path, shape.id),
                        "matches nothing",
                        did_you_mean(path, shape.rows.iter().map(String::as_str)),
                    );
                    return None;
                }
                let col = resolve_col(
                    shape,
                    r,
                    if fi == cx.fi { cx.at_col } else { None },
                    base,
                    probs,
                )?;
                return Some(CExpr::Field(FieldRef::Rows {
                    form: fi,
                    rows,
                    col,
                    glob: true,
                }));
            }
            if let Some(row) = shape.rows.iter().position(|x| x == path) {
                let col = resolve_col(
                    shape,
                    r,
                    if fi == cx.fi { cx.at_col } else { None },
                    base,
                    probs,
                )?;
                return Some(CExpr::Field(FieldRef::Rows {
                    form: fi,
                    rows: vec![row],
                    col,
                    glob: false,
                }));
            }
            if let Some(cell) = shape.cells.iter().position(|x| x == path) {
                if let Some((c, cspan)) = &r.column {
                    probs.add(
                        sp(*cspan),
                        format!("`{path}` is a single cell; it has no column `{c}`"),
                        "not a row",
                        None,
                    );
                    return None;
                }
                return Some(CExpr::Field(FieldRef::Cell { form: fi, cell }));
            }
            let names = shape
                .rows
                .iter()
                .chain(shape.cells.iter())
                .map(String::as_str);
            let mut help = did_you_mean(path, names);
            if help.is_none() && fi == cx.fi {
                help = Some(format!("form {} defines {} rows and {} cells; references to another form are written `FORM.row`", shape.id, shape.rows.len(), shape.cells.len()));
            }
            probs.add_may_follow(
                sp(r.path_span),
                format!("form {} has no field `{}`", shape.id, path),
                "unknown field",
                help,
            );
            None
        }
    }
}

fn resolve_col(
    shape: &FormShape,
    r: &expr::RefExpr,
    at: Option<usize>,
    base: usize,
    probs: &mut Problems<'_>,
) -> Option<usize> {
    let col = resolve_col_name(shape, r, at, base, probs)?;
    if shape.text_cols.get(col).copied().unwrap_or(false) {
        let span = r.column.as_ref().map_or(r.path_span, |(_, s)| *s);
        probs.add(
            base + span.start..base + span.end,
            format!(
                "the column `{}` of form {} holds text, not figures",
                shape.columns[col], shape.id
            ),
            "text column",
            None,
        );
        return None;
    }
    Some(col)
}

fn resolve_col_name(
    shape: &FormShape,
    r: &expr::RefExpr,
    at: Option<usize>,
    base: usize,
    probs: &mut Problems<'_>,
) -> Option<usize> {
    if let Some((c, cspan)) = &r.column {
        if c == "@" {
            if at.is_none() {
                probs.add_part_missing(
                    base + cspan.start..base + cspan.end,
                    "`@` is the current column, but this check has no `columns`",
                    "no current column",
                    Some(
                        "add `columns = [\"*\"]` (every figure column) or a list of column ids"
                            .into(),
                    ),
                );
            }
            return at;
        }
    }
    match &r.column {
        None => {
            if shape.columns.is_empty() {
                probs.add(
                    base + r.path_span.start..base + r.path_span.end,
                    format!("form {} has no columns", shape.id),
                    "no column",
                    None,
                );
                return None;
            }
            Some(0)
        }
        Some((c, cspan)) => match shape.columns.iter().position(|x| x == c) {
            Some(i) => Some(i),
            None => {
                probs.add_may_follow(
                    base + cspan.start..base + cspan.end,
                    format!("form {} has no column `{c}`", shape.id),
                    "unknown column",
                    did_you_mean(c, shape.columns.iter().map(String::as_str)),
                );
                None
            }
        },
    }
}

#[cfg(test)]
mod tests;
