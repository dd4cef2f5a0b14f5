//! Reading: a file's bytes in, a [`crate::model::Workbook`] (or the reason it cannot be read)
//! out. Nothing here knows a rule pack or a form.
//!
//! - [`files`]: one file from disk, bounded (regular files only, a size cap, a timeout); the
//!   rule files are read with it too.
//! - [`sniff`]: what a file really is, by its content.
//! - [`load`]: the workbook reader (calamine) into the model types.
//! - [`sheet_xml`]: one pass over an .xlsx worksheet's part for its formulas and merged ranges
//!   (what the review copies show; calamine would parse the sheet twice more for them).
//! - [`xlsx_values`]: an .xlsx workbook's values read by crossfoot itself for checking, when it
//!   is sure to read them as calamine does (calamine reads them otherwise).
//! - [`numfmt`]: the number formats calamine does not report (`.xls`, `.ods`, `.xlsb`).
//! - [`number`]: numbers typed as text, read in a locale.
//! - [`labels`]: labels as people write them (abbreviations, a letter slipped, a year in a
//!   heading), as keys; the rule pack's abbreviations table is of its type.
//! - [`formula_tokens`]: the one tokenizer of formulas, which the evaluator, the safety
//!   judge and the review workbook's copying read.
//! - [`formula_safety`]: which formulas of an input may be copied into a workbook crossfoot
//!   writes.

pub mod files;
pub mod formula_safety;
pub mod formula_tokens;
pub mod inflate;
pub mod labels;
pub mod load;
pub mod number;
pub mod numfmt;
pub mod sheet_xml;
pub mod sniff;
pub mod xlsx_values;
