//! Text from an input as each output shows it: shown, never obeyed, never breaking the
//! output's syntax.
//!
//! A cell, a sheet or unit name, a unit code, a file name, a rule file's text or an id typed on
//! the command line may carry characters a terminal or a viewer obeys rather than shows (ESC
//! and every escape sequence, BEL, the 8-bit CSI U+009B, the direction overrides that make a
//! text read backwards, invisible characters) or that an output format cannot hold (a control
//! character in XML). Which characters those are is said once, by [`hidden`]; how each output
//! shows them is one function per output kind:
//!
//! | output                                   | function          |
//! |------------------------------------------|-------------------|
//! | a terminal line (human report, messages) | [`visible`]       |
//! | a text of several lines for a reader (diagnostics, `explain`, SARIF messages) | [`lines`] |
//! | a GitHub workflow command                | [`github`]        |
//! | XML crossfoot writes (JUnit, marked copies) | [`xml`]        |
//! | a text crossfoot writes in a workbook    | [`workbook`]      |
//! | JSON (report, SARIF, rule list)          | [`json_pretty`]   |
//!
//! SARIF is JSON whose texts (messages, descriptions, location names) a viewer shows: they are
//! [`lines`] too. All but JSON show a hidden character as `\x1b`, `\u{9b}`, `\n`, `\t` or `U+202E`; JSON
//! keeps the exact text and writes such a character as a `\u202e` escape, which a JSON reader
//! reads back and a terminal shows as it is. The cells of the copies of an input's sheets (the
//! review workbook's and the marked copies) are the input's data and keep their text: the
//! workbook writer stores a control character as OOXML's `_x001B_`, never raw.

use crate::registry::{Lang, Words};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is never written as it is, in any output: a control character (C0 — newline
/// and tab included —, DEL, C1), a direction control (U+202A–U+202E, U+2066–U+2069, U+200E,
/// U+200F, U+061C), a line or paragraph separator (U+2028, U+2029), an invisible character
/// (the zero-width space, joiners, word joiner and byte order mark U+200B–U+200D, U+2060,
/// U+FEFF, the interlinear annotation controls U+FFF9–U+FFFB, the tag characters
/// U+E0000–U+E007F) or a noncharacter XML cannot hold (U+FFFE, U+FFFF).
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{200b}'..='\u{200d}'
                | '\u{2060}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{fffe}'
                | '\u{ffff}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// How a [`hidden`] character is shown: `\n`, `\r`, `\t`, `\x1b` (ASCII), `\u{9b}` (C1),
/// `U+202E` (the others).
fn show(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => {
            let _ = write!(out, "U+{:04X}", u32::from(c));
        }
    }
}

/// `s` with every [`hidden`] character but those `keep` keeps shown ([`show`]); borrowed when
/// nothing changes.
fn shown_but(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let first = s.char_indices().find(|&(_, c)| hidden(c) && !keep(c));
    let Some((at, _)) = first else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..at]);
    for c in s[at..].chars() {
        if hidden(c) && !keep(c) {
            show(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text from an input as it may be printed on one line of a terminal: shown, never obeyed.
///
/// Every [`hidden`] character is shown — newlines and tabs included, so no input forges a line
/// — as `\n`, `\r`, `\t`, `\x1b`, `\x7f`, `\u{9b}` or `U+202E`. A text longer than `max_chars`
/// characters is cut there and ends with an ellipsis and its length in `lang`, the language of
/// the text it is shown in (the registry's [`Words::cut`](crate::registry::Words)):
/// `…(1,048,576 characters)`, `…(1.048.576 ký tự)`. The whole text stays in the JSON report
/// (exact) and the workbooks (uncut).
pub fn visible(s: &str, max_chars: usize, lang: Lang) -> Cow<'_, str> {
    // Cheap when nothing is to change: no allocation.
    let long = s.len() > max_chars && s.chars().nth(max_chars).is_some();
    if !long {
        return shown_but(s, |_| false);
    }
    let mut out = String::with_capacity(s.len().min(max_chars.saturating_mul(4)) + 32);
    for c in s.chars().take(max_chars) {
        if hidden(c) {
            show(c, &mut out);
        } else {
            out.push(c);
        }
    }
    let n = s.chars().count();
    let count = crate::locale::format_number(n as f64, Some(0), lang.locale());
    out.push_str(&Words::of(lang).cut.replace("{count}", &count));
    Cow::Owned(out)
}

/// A text of several lines for a reader — on a terminal (a rule file's error with its snippet,
/// `explain`), in a SARIF viewer (a result's message): as [`visible`], but its line ends are
/// kept, and it is not cut.
pub fn lines(s: &str) -> Cow<'_, str> {
    shown_but(s, |c| c == '\n')
}

/// A value of a GitHub Actions workflow command (`::error file=…,title=…::message`):
/// [`hidden`] characters shown, and then `%`, CR and LF percent-encoded as GitHub requires
/// (a `property` value — `file`, `title` — also `:` and `,`), so no text ends the command or
/// starts another. The message's own line ends stay line ends of the annotation.
pub fn github(s: &str, property: bool) -> String {
    let shown = shown_but(s, |c| c == '\n' || c == '\r');
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// Text as XML content or an attribute value crossfoot writes itself (JUnit, the parts of a
/// marked copy): `& < > " '` escaped, [`hidden`] characters shown but line ends and tabs (a
/// note of several lines), a CR included (XML would read it as a line end). Every character
/// of the result is one XML 1.0 allows.
pub fn xml(s: &str) -> String {
    let shown = shown_but(s, |c| c == '\n' || c == '\t');
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A text crossfoot writes in a workbook through the workbook writer (the review workbook's
/// Summary and Findings, notes, links and banners; the district summary): [`hidden`]
/// characters shown, line ends and tabs kept (a cell or a note may hold several lines). The
/// writer escapes XML's special characters.
pub fn workbook(s: &str) -> Cow<'_, str> {
    shown_but(s, |c| c == '\n' || c == '\t')
}

/// `v` as pretty-printed JSON in which every [`hidden`] character is written as a `\u` escape
/// (serde_json writes C0 so already; DEL, C1, direction controls and invisible characters it
/// writes as they are): a JSON reader reads the exact text back, and a terminal that shows the
/// file obeys nothing in it.
pub fn json_pretty<T: serde::Serialize + ?Sized>(v: &T) -> serde_json::Result<String> {
    let mut bytes = Vec::with_capacity(256);
    json_pretty_into(&mut bytes, v)?;
    // The serializer writes only UTF-8.
    String::from_utf8(bytes).map_err(|e| serde_json::Error::io(std::io::Error::other(e)))
}

/// [`json_pretty`] appended to `bytes` (a buffer kept from one value to the next).
pub fn json_pretty_into<T: serde::Serialize + ?Sized>(
    bytes: &mut Vec<u8>,
    v: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        bytes,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    v.serialize(&mut ser)
}

/// The bytes that may start a [`hidden`] character in UTF-8: C0 controls and DEL, and the lead
/// bytes of C1 (U+0080–U+009F: `C2`), U+061C (`D8`), U+200B–U+206F (`E2`), U+FEFF and
/// U+FFF9–U+FFFF (`EF`) and the tag characters (`F3`). No other byte starts one (a test walks
/// every character), so a string's other bytes, its letters and Vietnamese text among them,
/// are passed over without decoding them.
const MAY_HIDE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7f] = true;
    t[0xc2] = true;
    t[0xd8] = true;
    t[0xe2] = true;
    t[0xef] = true;
    t[0xf3] = true;
    t
};

/// A serde_json formatter that writes [`hidden`] characters of strings as `\u` escapes, and
/// otherwise formats as the one it wraps.
struct SafeJson<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            // Only a byte of [`MAY_HIDE`] starts a character to look at (each starts one).
            if !MAY_HIDE[usize::from(b)] {
                i += 1;
                continue;
            }
            let Some(c) = fragment.get(i..).and_then(|rest| rest.chars().next()) else {
                i += 1;
                continue;
            };
            let next = i + c.len_utf8();
            if hidden(c) {
                writer.write_all(&bytes[start..i])?;
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{u:04x}")?;
                }
                start = next;
            }
            i = next;
        }
        writer.write_all(&bytes[start..])
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hidden_character_starts_with_a_byte_looked_at() {
        let mut looked_at = 0;
        for c in (0..=0x10_ffffu32).filter_map(char::from_u32) {
            let mut utf8 = [0u8; 4];
            let lead = c.encode_utf8(&mut utf8).as_bytes()[0];
            if hidden(c) {
                assert!(MAY_HIDE[usize::from(lead)], "{:04x}", u32::from(c));
                looked_at += 1;
            }
        }
        assert!(looked_at > 200);
        // And the strings' bytes as JSON: each hidden character escaped, in any company.
        let text: String = [
            'a',
            'ệ',
            '\u{202e}',
            'ơ',
            '\u{9b}',
            '\u{e0041}',
            'z',
            '\u{fffe}',
        ]
        .into_iter()
        .cycle()
        .take(64)
        .collect();
        let json = json_pretty(&text).expect("json");
        let mut want = String::from("\"");
        for c in text.chars() {
            if hidden(c) {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    want.push_str(&format!("\\u{u:04x}"));
                }
            } else {
                want.push(c);
            }
        }
        want.push('"');
        assert_eq!(json, want);
    }

    /// Every character a hostile input may carry, and a few it may not be able to.
    const HOSTILE: &str = "a\u{1b}[2J\u{1b}]0;t\u{7}\u{1b}]8;;http://x\u{1b}\\\u{9b}31m\u{7f}\u{202e}\u{2066}\u{200b}\u{feff}\u{e0041}\u{fffe}\r\n\tz&<>\"'%:,";

    /// The characters of `s` that no output may hold raw, but those `allowed`.
    fn raw(s: &str, allowed: &[char]) -> Vec<char> {
        s.chars()
            .filter(|c| hidden(*c) && !allowed.contains(c))
            .collect()
    }

    #[test]
    fn visible_text() {
        assert!(matches!(
            visible("Chi bộ A", 80, Lang::En),
            Cow::Borrowed(_)
        ));
        assert_eq!(visible("a\u{1b}[2Jb", 80, Lang::En), "a\\x1b[2Jb");
        assert_eq!(
            visible("\u{1b}]0;title\u{7}", 80, Lang::En),
            "\\x1b]0;title\\x07"
        );
        assert_eq!(visible("x\u{9b}31m", 80, Lang::En), "x\\u{9b}31m");
        assert_eq!(
            visible("a\nb\r\tc\u{7f}", 80, Lang::En),
            "a\\nb\\r\\tc\\x7f"
        );
        assert_eq!(visible("abc\u{202e}fed", 80, Lang::En), "abcU+202Efed");
        assert_eq!(
            visible("\u{2066}\u{2069}\u{200e}\u{200f}\u{61c}", 80, Lang::En),
            "U+2066U+2069U+200EU+200FU+061C"
        );
        assert_eq!(visible("\u{2028}", 80, Lang::En), "U+2028");
        assert_eq!(
            visible("a\u{200b}b\u{feff}", 80, Lang::En),
            "aU+200BbU+FEFF"
        );
        assert_eq!(visible("\u{e0041}", 80, Lang::En), "U+E0041");
        assert_eq!(
            visible(&"é".repeat(1_048_576), 3, Lang::En),
            "ééé…(1,048,576 characters)"
        );
        assert_eq!(visible("abcd", 4, Lang::En), "abcd");
        assert_eq!(visible("abcde", 4, Lang::En), "abcd…(5 characters)");
        assert_eq!(visible("\u{1b}bcde", 2, Lang::En), "\\x1bb…(5 characters)");
        // The marker is in the language of the text around it, its number too.
        assert_eq!(
            visible(&"é".repeat(1_048_576), 3, Lang::Vi),
            "ééé…(1.048.576 ký tự)"
        );
        assert_eq!(visible("abcd", 4, Lang::Vi), "abcd");
        // Every output is free of control characters.
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!visible(&all, usize::MAX, Lang::En)
            .chars()
            .any(|c| c.is_control()));
        assert_eq!(raw(&visible(HOSTILE, usize::MAX, Lang::En), &[]), vec![]);
    }

    #[test]
    fn lines_keep_line_ends_only() {
        assert_eq!(lines("a\n\u{1b}[2J\tb"), "a\n\\x1b[2J\\tb");
        assert_eq!(raw(&lines(HOSTILE), &['\n']), vec![]);
        assert!(matches!(lines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn workflow_commands_escape_what_github_requires() {
        assert_eq!(github("50% a\r\nb", false), "50%25 a%0D%0Ab");
        assert_eq!(github("a:b,c", true), "a%3Ab%2Cc");
        assert_eq!(github("a:b,c", false), "a:b,c");
        assert_eq!(
            github("\u{1b}]0;OWNED\u{7}\u{9b}2J\u{202e}", false),
            "\\x1b]0;OWNED\\x07\\u{9b}2JU+202E"
        );
        for property in [false, true] {
            let g = github(HOSTILE, property);
            assert_eq!(raw(&g, &[]), vec![], "{g}");
            assert!(!g.contains("::"));
        }
    }

    #[test]
    fn xml_text_is_escaped_and_holds_only_what_xml_allows() {
        assert_eq!(
            xml("<a href=\"x\">&'\u{1}\u{1b}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\x01\\x1b&lt;/a&gt;"
        );
        assert_eq!(xml("a\tb\r\nc&"), "a\tb\\r\nc&amp;");
        assert_eq!(raw(&xml(HOSTILE), &['\n', '\t']), vec![]);
        let doc = format!("<a b=\"{}\">{}</a>", xml(HOSTILE), xml(HOSTILE));
        let mut reader = quick_xml::Reader::from_str(&doc);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}: {doc}"),
            }
        }
    }

    #[test]
    fn workbook_text_keeps_lines_and_shows_the_rest() {
        assert_eq!(workbook("a\nb\tc\u{1b}\u{202e}"), "a\nb\tc\\x1bU+202E");
        assert_eq!(raw(&workbook(HOSTILE), &['\n', '\t']), vec![]);
    }

    #[test]
    fn json_keeps_the_exact_text_in_escapes() {
        #[derive(serde::Serialize)]
        struct T<'a> {
            text: &'a str,
        }
        let j = json_pretty(&T { text: HOSTILE }).unwrap();
        assert_eq!(raw(&j, &['\n']), vec![], "{j}");
        assert!(j.contains("\\u202e") && j.contains("\\u009b") && j.contains("\\udb40\\udc41"));
        assert!(j.contains("\n  \"text\""), "still pretty: {j}");
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back["text"], HOSTILE);
        // Anything else as serde_json writes it.
        let plain = serde_json::json!({"a": [1, 2.5, "Chi bộ é"], "b": null});
        assert_eq!(
            json_pretty(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
    }
}
