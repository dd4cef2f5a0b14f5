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
//!
//! In: rule files (paths, or the built-in pack's sources). Out: the compiled [`Pack`], or every
//! problem of every file. Layout, by concern: `file` the `*Def` structs a file is read into,
//! `schema` reading them with every mistake at once; `load` reading files and merging
//! their settings; `compile` the pack compiled, [`expr`] the expression language; `pack`
//! the compiled types checking reads; `problems` what is wrong, pointing at the characters;
//! `tolerance` and [`units`] the pack's tolerance and register settings.

pub mod expr;
mod schema;
mod tolerance;

mod compile;
mod file;
mod load;
mod pack;
mod problems;

pub use compile::*;
use file::*;
pub use file::{Empty, Kind};
pub use load::*;
pub use pack::*;
pub use problems::*;

pub use tolerance::Tolerance;
pub mod units;

use crate::finding::Severity;
use crate::messages::render;
use crate::model::CellRef;
use crate::read::number::Locale;
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

#[cfg(test)]
mod tests;
