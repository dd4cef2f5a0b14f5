//! HTML that escapes by default: a page is built with [`Html`], whose only way to add markup
//! is a `&'static str` written in this crate's source ([`Html::raw`]); every other text —
//! everything that comes from a workbook, a file name, a rule pack, a number — goes through
//! [`Html::text`] or [`Html::attr`], which first show the characters a reader would obey
//! rather than see ([`crate::safe::visible`]: direction overrides, controls, invisible
//! characters) and then escape `& < > " '`. No text can open a tag, close an attribute or
//! turn a text's direction.

use crate::registry::Lang;

/// The longest text one value may show on a page (the JSON keeps it whole).
const MAX_CHARS: usize = 2_000;

/// A page being built.
pub struct Html {
    out: String,
    lang: Lang,
}

/// `s` with `& < > " '` escaped (nothing else changed).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Html {
    pub fn new(lang: Lang) -> Html {
        Html {
            out: String::with_capacity(8 * 1024),
            lang,
        }
    }

    /// Markup written in crossfoot's own source.
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.out.push_str(markup);
        self
    }

    /// Text: shown ([`crate::safe::visible`]) and escaped.
    pub fn text(&mut self, s: &str) -> &mut Html {
        let shown = crate::safe::visible(s, MAX_CHARS, self.lang);
        self.out.push_str(&escape(&shown));
        self
    }

    /// The value of an attribute (inside double quotes): as [`Html::text`].
    pub fn attr(&mut self, s: &str) -> &mut Html {
        self.text(s)
    }

    /// A number written by crossfoot.
    pub fn num(&mut self, n: i64) -> &mut Html {
        use std::fmt::Write as _;
        let _ = write!(self.out, "{n}");
        self
    }

    /// A link to one of the desk's own paths: `path` is percent-encoded piece by piece by
    /// [`path_segment`], then escaped.
    pub fn href(&mut self, path: &str) -> &mut Html {
        self.out.push_str(&escape(path));
        self
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// One segment of a URL path, percent-encoded (unreserved characters kept).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            use std::fmt::Write as _;
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_make_markup_or_turn_direction() {
        let mut h = Html::new(Lang::En);
        h.raw("<p title=\"")
            .attr("\" onclick=\"x")
            .raw("\">")
            .text("<script>alert(1)</script>\u{202e}gpj.exe & 'x'\u{1b}[31m")
            .raw("</p>");
        let page = h.finish();
        assert_eq!(
            page,
            "<p title=\"&quot; onclick=&quot;x\">&lt;script&gt;alert(1)&lt;/script&gt;U+202Egpj.exe &amp; &#39;x&#39;\\x1b[31m</p>"
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("TD-01"), "TD-01");
        assert_eq!(path_segment("a/b?c#d"), "a%2Fb%3Fc%23d");
        assert_eq!(path_segment("Đ"), "%C4%90");
    }
}
