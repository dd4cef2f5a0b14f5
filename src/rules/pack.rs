//! The compiled rule pack: what checking reads ([`Pack`], [`Form`], [`Check`], [`CExpr`] with
//! every name resolved, the pack's [`Settings`]), and the rule sources it was compiled from.

use super::*;

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
    /// How people shorten labels, as keys ([`crate::read::labels`]).
    pub abbreviations: crate::read::labels::Abbreviations,
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
            abbreviations: crate::read::labels::Abbreviations::default(),
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
    pub(super) sources_fingerprint: u64,
    /// The forms' labels prepared for locating, made once when the pack is compiled.
    pub form_labels: crate::read::labels::FormLabels,
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
