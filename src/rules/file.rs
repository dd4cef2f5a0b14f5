//! A rule file as written: the `*Def` structs its TOML is read into (serde, with
//! `deny_unknown_fields`; [`super::schema`] finds every mistake of a file in one pass against
//! them). Nothing here is resolved: [`super::compile`] turns them into the [`super::Pack`].

use super::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFileDef {
    pub(super) settings: Option<SettingsDef>,
    pub(super) form: Option<FormDef>,
    #[serde(default)]
    pub(super) column: Vec<ColumnDef>,
    #[serde(default)]
    pub(super) row: Vec<RowDef>,
    #[serde(default)]
    pub(super) cell: Vec<CellDef>,
    #[serde(default)]
    pub(super) check: Vec<CheckDef>,
    pub(super) records: Option<RecordsDef>,
    pub(super) localise: Option<LocaliseDef>,
    /// `[register]`: the headings of the register of units ([`units`]).
    pub(super) register: Option<units::RegisterDef>,
    /// `[plausibility]`: figures judged against last year ([`units`]).
    pub(super) plausibility: Option<units::PlausibilityDef>,
}

/// `[localise]`: how much each figure of the form weighs when the most likely wrong figures
/// are looked for ([`crate::explain::localise`]): the explanation with the smallest sum of weights is
/// the most likely, so a heavier figure is trusted more. 1 by default; a figure's weight is
/// the form's `weight` times its row's (or its cell's) and its column's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LocaliseDef {
    pub(super) weight: Option<Spanned<f64>>,
    /// By [[row]] id.
    #[serde(default)]
    pub(super) rows: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// By [[column]] id.
    #[serde(default)]
    pub(super) columns: BTreeMap<Spanned<String>, Spanned<f64>>,
    /// By [[cell]] id.
    #[serde(default)]
    pub(super) cells: BTreeMap<Spanned<String>, Spanned<f64>>,
}

/// `[records]`: the form's table holds one row per record (a unit, a year) rather than fixed
/// labelled rows. Records are the filled rows between the header row and the `end` row (or the
/// end of the table).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RecordsDef {
    /// The column holding each record's key (a unit code, a year).
    pub(super) key: Spanned<String>,
    /// The column naming the record in messages (default: the key).
    pub(super) label: Option<Spanned<String>>,
    /// The row (a [[row]] id) that ends the records, such as a grand-total row.
    pub(super) end: Option<Spanned<String>>,
    /// How a record is matched to another workbook of the same run: `unit_code` (the workbook
    /// whose title-block code equals the record's key).
    #[serde(rename = "match")]
    pub(super) match_: Option<Spanned<String>>,
    /// With `match = "unit_code"`: a regular expression the codes of this summary's units
    /// match. A workbook whose code does not (the district's own, another organisation's) is
    /// no unit: not consolidated, and not expected to have a row.
    pub(super) unit_pattern: Option<Spanned<String>>,
    /// The heading of a column numbering the records 1, 2, … (`STT`): `consolidate` writes it
    /// first; checking does not need it.
    pub(super) number: Option<Spanned<String>>,
}

/// `[settings]`: what holds for the whole pack. Two files may both give a key only with the
/// same value (see `merge_settings`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SettingsDef {
    pub(super) locale: Option<Spanned<Locale>>,
    pub(super) fold_diacritics: Option<Spanned<bool>>,
    pub(super) dash_is_zero: Option<Spanned<bool>>,
    /// Labels in a title block that name the reporting unit and its code (`Mã đơn vị:` …).
    pub(super) unit_name_label: Option<Spanned<String>>,
    pub(super) unit_code_label: Option<Spanned<String>>,
    /// The title-block label of the report year (`Năm báo cáo:` 2021).
    pub(super) report_year_label: Option<Spanned<String>>,
    /// How unit codes are compared: `{ case = "upper", dashes = true, spaces = "remove" }`.
    pub(super) unit_code: Option<Spanned<UnitCodeStyle>>,
    /// The language of the pack's messages, for the headings of the review workbook.
    pub(super) language: Option<Spanned<String>>,
    /// Texts for the engine's own findings and workbooks, by id ([`crate::messages`]).
    #[serde(default)]
    pub(super) messages: BTreeMap<Spanned<String>, Spanned<String>>,
    /// How people shorten labels: `{ "SL" = "Số lượng", "%" = "Tỷ lệ (%)" }`. A word is
    /// written out wherever it stands as a whole word, anything else only as a whole label
    /// ([`crate::read::labels`]). Merged over the files: one abbreviation, one meaning.
    #[serde(default)]
    pub(super) abbreviations: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Words written before a year in a heading (`Năm 2021`, `Số lượng năm 2021`).
    pub(super) year_words: Option<Spanned<Vec<String>>>,
    /// The tolerance of every check that gives none of its own ([`tolerance`]).
    pub(super) tolerance: Option<Spanned<tolerance::ToleranceDef>>,
    /// Labels of a row that totals the block above or below it (`Tổng cộng`, `Total`), for
    /// `check --discover`. Merged over the files: each adds its words.
    #[serde(default)]
    pub(super) total_words: Vec<String>,
    #[serde(default)]
    pub(super) workbook: Vec<WorkbookDef>,
    /// Words that label a row summing the rows of its block or group (`Cộng`, `Cộng khối …`):
    /// such a row is structure, not a figure of the form ([`crate::check::structure`]). The words of
    /// every file count together.
    #[serde(default)]
    pub(super) subtotal_labels: Vec<Spanned<String>>,
    /// Units of measure a column heading may name in brackets after its text (`Số lượng
    /// (người)`, `Số lượng (ĐVT: người)`): the heading is the same column. The words of every
    /// file count together.
    #[serde(default)]
    pub(super) unit_words: Vec<Spanned<String>>,
    /// Words that begin the label of a row that is a part of the row above it, not a member
    /// of a sum (`Trong đó:`, `Of which`), for `crossfoot init`. The words of every file count
    /// together.
    #[serde(default)]
    pub(super) part_labels: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkbookDef {
    pub(super) id: Spanned<String>,
    pub(super) forms: Vec<Spanned<String>>,
    #[serde(default = "default_missing_severity")]
    pub(super) missing_severity: Severity,
}

pub(super) fn default_missing_severity() -> Severity {
    Severity::Warning
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormDef {
    pub(super) id: Spanned<String>,
    pub(super) name: String,
    /// Regular expression for the sheet name (matched against the name in lower case without
    /// diacritics).
    pub(super) sheet: Option<Spanned<String>>,
    /// Texts of which one must appear in a cell of the sheet (a title), when `sheet` does not match.
    #[serde(default)]
    pub(super) title: Vec<String>,
    /// Labels that must all be present for a sheet to be this form.
    #[serde(default)]
    pub(super) labels: Vec<String>,
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
pub(super) struct ColumnDef {
    pub(super) id: Spanned<String>,
    pub(super) header: String,
    #[serde(default)]
    pub(super) aliases: Vec<String>,
    /// The group heading the column stands under (`Đảng viên` over `HTXSNV`): merged over the
    /// group's sub-headings in the row above, or written into one flat heading
    /// (`Đảng viên - HTXSNV`). With a group, the heading alone never matches.
    pub(super) group: Option<String>,
    /// Other ways of writing the group heading.
    #[serde(default)]
    pub(super) group_aliases: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) kind: Kind,
    pub(super) empty: Option<Empty>,
    /// Where the column's figure comes from in a matched unit's workbook (`M01.total`): an
    /// expression over that workbook's forms. Read by `unit[column]` and by `consolidate`.
    pub(super) source: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RowDef {
    pub(super) id: Spanned<String>,
    pub(super) label: String,
    #[serde(default)]
    pub(super) aliases: Vec<String>,
    pub(super) under: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CellDef {
    pub(super) id: Spanned<String>,
    /// What the figure is, for messages.
    pub(super) label: Option<String>,
    pub(super) at: Option<Spanned<String>>,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) kind: Kind,
    pub(super) empty: Option<Empty>,
    #[serde(default)]
    pub(super) required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckDef {
    pub(super) id: Spanned<String>,
    #[serde(default = "default_severity")]
    pub(super) severity: Severity,
    pub(super) expr: Spanned<String>,
    pub(super) when: Option<Spanned<String>>,
    pub(super) each: Option<Spanned<String>>,
    /// Apply the check once per column (`["*"]`: every figure column); `@` is the column.
    pub(super) columns: Option<Vec<Spanned<String>>>,
    pub(super) message: Spanned<String>,
    /// The message in other languages, by language code: `messages.en = "…"`.
    #[serde(default)]
    pub(super) messages: BTreeMap<Spanned<String>, Spanned<String>>,
    /// What the check means, for `crossfoot explain`: one paragraph in the pack's language.
    pub(super) doc: Option<String>,
    /// The doc in other languages, by language code: `docs.en = "…"`.
    #[serde(default)]
    pub(super) docs: BTreeMap<Spanned<String>, Spanned<String>>,
    /// How far its sides may lie apart beyond the rounding shown: `0.5` or `"1%"`
    /// ([`tolerance`]); by default the pack's `[settings] tolerance`.
    pub(super) tolerance: Option<Spanned<tolerance::ToleranceDef>>,
    /// Why a message of `crossfoot rules lint` about this check is as meant, by its code
    /// without `lint.`: `[check.lint] redundant = "kept for its own message"`.
    #[serde(default)]
    pub(super) lint: BTreeMap<Spanned<String>, Spanned<String>>,
}

pub(super) fn default_severity() -> Severity {
    Severity::Error
}
