//! Excel's limits, applied per value by everything crossfoot writes: a value beyond a limit is
//! cut (with a visible marker, and the writer adds a note saying so) for that cell or sheet
//! only; nothing about one value stops the others from being written.

use crate::read::number::Locale;
use crate::text::format_number;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Characters (UTF-16 units, Excel's measure) a cell holds.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Characters a note holds (rust_xlsxwriter keeps 54 for the author's name).
pub const MAX_NOTE_CHARS: usize = 32_767 - 54;
/// Characters a worksheet name holds.
pub const MAX_SHEET_NAME: usize = 31;
/// Rows of a worksheet.
pub const MAX_ROWS: u32 = 1_048_576;
/// Columns of a worksheet.
pub const MAX_COLS: u32 = 16_384;

/// Length in UTF-16 units, Excel's measure of text.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// `s` cut to at most `max` UTF-16 units, on a character boundary.
pub fn cut_utf16(s: &str, max: usize) -> &str {
    let mut n = 0;
    for (i, c) in s.char_indices() {
        n += c.len_utf16();
        if n > max {
            return &s[..i];
        }
    }
    s
}

/// The marker that ends a text cut to fit: `… [cut: 40,000 characters]` (the length of the
/// whole text, in characters).
pub fn cut_marker(chars: usize) -> String {
    format!(
        "… [cut: {} characters]",
        format_number(chars as f64, Some(0), Locale::En)
    )
}

/// `s` as a text of at most `max` UTF-16 units: unchanged, or cut with [`cut_marker`] at its
/// end; with the whole text's length in characters when it was cut.
pub fn fit_text(s: &str, max: usize) -> (Cow<'_, str>, Option<usize>) {
    if s.len() <= max || utf16_len(s) <= max {
        return (Cow::Borrowed(s), None);
    }
    let n = s.chars().count();
    let marker = cut_marker(n);
    let room = max.saturating_sub(utf16_len(&marker));
    (
        Cow::Owned(format!("{}{marker}", cut_utf16(s, room))),
        Some(n),
    )
}

/// `s` as a cell holds it ([`fit_text`] at [`MAX_CELL_CHARS`]).
pub fn cell_text(s: &str) -> (Cow<'_, str>, Option<usize>) {
    fit_text(s, MAX_CELL_CHARS)
}

/// `s` as a note holds it ([`fit_text`] at [`MAX_NOTE_CHARS`]).
pub fn note_text(s: &str) -> Cow<'_, str> {
    fit_text(s, MAX_NOTE_CHARS).0
}

/// A worksheet name Excel accepts made from `wanted`: none of `[]:*?/\` (each becomes `_`), no
/// [`crate::safe::hidden`] character (a space), spaces collapsed, at most 31 characters, no
/// apostrophe at either end, not empty (`Sheet`).
pub fn sheet_name(wanted: &str) -> String {
    let cleaned: String = wanted
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            // Control, direction and invisible characters would make the name read differently
            // from what it is.
            c if crate::safe::hidden(c) => ' ',
            c => c,
        })
        .collect();
    let cleaned = crate::text::collapse_spaces(&cleaned);
    let tidy = |s: &str| s.trim().trim_matches('\'').trim().to_string();
    let base = tidy(cut_utf16(&tidy(&cleaned), MAX_SHEET_NAME));
    if base.is_empty() {
        "Sheet".to_string()
    } else {
        base
    }
}

/// [`sheet_name`], made unique case-insensitively among `taken` (which it joins) by a
/// ` (2)`, ` (3)`, … suffix.
pub fn unique_sheet_name(wanted: &str, taken: &mut BTreeSet<String>) -> String {
    let base = sheet_name(wanted);
    let tidy = |s: &str| s.trim().trim_matches('\'').trim().to_string();
    let mut n = 1usize;
    loop {
        let candidate = if n == 1 {
            base.clone()
        } else {
            let suffix = format!(" ({n})");
            let room = MAX_SHEET_NAME.saturating_sub(utf16_len(&suffix));
            format!("{}{suffix}", tidy(cut_utf16(&base, room)))
        };
        if taken.insert(candidate.to_lowercase()) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_a_marker() {
        let s = "a".repeat(40_000);
        let (t, cut) = cell_text(&s);
        assert_eq!(cut, Some(40_000));
        assert!(utf16_len(&t) <= MAX_CELL_CHARS);
        assert!(
            t.ends_with("… [cut: 40,000 characters]"),
            "{}",
            &t[t.len() - 40..]
        );
        let (t, cut) = cell_text("short");
        assert_eq!((t.as_ref(), cut), ("short", None));
        let exact = "b".repeat(MAX_CELL_CHARS);
        assert_eq!(cell_text(&exact).1, None);
        // Wide characters count twice.
        let wide = "😀".repeat(20_000);
        let (t, cut) = cell_text(&wide);
        assert_eq!(cut, Some(20_000));
        assert!(utf16_len(&t) <= MAX_CELL_CHARS);
    }

    #[test]
    fn sheet_names_are_valid() {
        assert_eq!(sheet_name("M01\u{1b}[2J\nX"), "M01 [2J X".replace('[', "_"));
        assert_eq!(sheet_name("a/b:c*d?e[f]g\\h"), "a_b_c_d_e_f_g_h");
        assert_eq!(utf16_len(&sheet_name(&"x".repeat(40))), 31);
        assert_eq!(sheet_name("''"), "Sheet");
        assert_eq!(sheet_name("abc\u{202e}def"), "abc def");
        let mut taken = BTreeSet::new();
        assert_eq!(unique_sheet_name("Notes", &mut taken), "Notes");
        assert_eq!(unique_sheet_name("notes", &mut taken), "notes (2)");
    }
}
