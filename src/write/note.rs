//! What a finding says in the note on a cell it names, after its message — shared by the
//! review workbook's marked sheets ([`crate::write::annotate`]) and the marked copies
//! ([`crate::write::mark`]), so the two kinds of marked copy say the same:
//! - on the cell the check tests (its [`Role::Found`], or the first cell of a finding whose
//!   cells have no role), the check's figures: `expected: 120; found: 118; difference: -2`;
//! - on any other cell, that cell's own figure and its part in the check: `This cell (124) is
//!   one of the figures the expected value is computed from` — a cell the check only read holds
//!   none of the check's totals.
//!
//! Depends on [`crate::finding`], [`crate::model`], [`crate::registry`] and [`crate::text`].

use crate::finding::{Finding, Role};
use crate::model::{CellRef, Sheet, Value};
use crate::registry::{Lang, RoleWords};
use crate::text::{clip, format_number};

/// The words the caller names the check's figures with (each kind of workbook has its own).
#[derive(Debug, Clone, Copy)]
pub struct FigureWords<'w> {
    pub expected: &'w str,
    pub found: &'w str,
    pub difference: &'w str,
}

/// Longest text a note quotes from a cell, in characters.
const QUOTED_CHARS: usize = 60;

/// A cell's own figure as a note quotes it: a number as the cell shows it, a text quoted.
pub fn own_figure(sheet: &Sheet, at: CellRef, lang: Lang) -> Option<String> {
    let cell = sheet.get(at)?;
    match &cell.value {
        Value::Number(n) if n.is_finite() => Some(if cell.fmt.percent {
            let d = cell.fmt.decimals.unwrap_or(2);
            format!("{}%", format_number(n * 100.0, Some(d), lang.locale()))
        } else {
            format_number(*n, cell.fmt.decimals, lang.locale())
        }),
        Value::Text(t) if !t.trim().is_empty() => Some(format!("\"{}\"", clip(t, QUOTED_CHARS))),
        _ => None,
    }
}

/// What finding `f` says about the cell `at` of the sheet `sheet_name` (of the finding's own
/// file), after its message: the check's figures on the cell it tests, else this cell's own
/// figure (read from `sheet`, when the caller has it) and its part in the check. None when
/// there is nothing to say (a tested cell of a check with no figures).
pub fn figures_line(
    f: &Finding,
    sheet_name: &str,
    at: CellRef,
    sheet: Option<&Sheet>,
    lang: Lang,
    words: FigureWords<'_>,
) -> Option<String> {
    let here = f.cells.iter().position(|c| {
        c.file.is_none() && c.sheet == sheet_name && CellRef::parse_a1(&c.cell) == Some(at)
    });
    let role = here
        .and_then(|i| f.cells.get(i))
        .map_or(Role::Read, |c| c.role);
    let tested = match role {
        Role::Found => true,
        Role::Read => here == Some(0),
        _ => false,
    };
    if !tested {
        let roles = RoleWords::of(lang);
        let figure = sheet
            .and_then(|s| own_figure(s, at, lang))
            .map(|v| format!(" ({v})"))
            .unwrap_or_default();
        return Some(format!("{}{figure} {}", roles.this_cell, roles.role(role)));
    }
    let n = |v: f64| format_number(v, f.decimals, lang.locale());
    let mut nums = Vec::new();
    if let Some(e) = f.expected {
        nums.push(format!("{}: {}", words.expected, n(e)));
    }
    if let Some(a) = f.actual {
        nums.push(format!("{}: {}", words.found, n(a)));
    }
    if let Some(d) = f.difference {
        let d = if d > 0.0 { format!("+{}", n(d)) } else { n(d) };
        nums.push(format!("{}: {}", words.difference, d));
    }
    (!nums.is_empty()).then(|| nums.join("; "))
}
