//! The one tokenizer of spreadsheet formulas: a formula's text (without its `=`) into
//! [`Token`]s, each with the text it was read from.
//!
//! Why one: three readers need a formula's pieces — the evaluator of formulas whose result is
//! not stored ([`crate::check::formula`]), the judge of which formulas may be copied
//! ([`crate::read::formula_safety`]) and the review workbook, which copies them with their
//! sheets renamed ([`crate::write::annotate`]). They must agree on where a string literal, a
//! quoted sheet name or an error value ends, or a name hidden in one is read by one of them
//! and not by the other. Each reads the tokens with its own strictness.
//!
//! What is read: string literals (`"…""…"`), sheet prefixes (`Sheet1!`, `'My sheet'!`, quotes
//! doubled inside), Excel's error values (`#N/A`, [`ERROR_VALUES`]: a `#` that begins none of
//! them is a [`Token::Hash`], and what follows is read as any other text), numbers (digits and
//! points, an exponent), words (function names, references, `TRUE`, defined names: letters of
//! any script, digits, `_ . $ \`), the punctuation of formulas and whitespace. Anything else
//! is a [`LexError`]: the formula is not read at all.

use std::borrow::Cow;

/// Excel's error values, as a formula writes them.
pub const ERROR_VALUES: &[&str] = &[
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "#PYTHON!",
    "#EXTERNAL!",
];

/// The length, in characters, of the error value ([`ERROR_VALUES`], any case) that `chars`
/// begins with; None when it begins with none (a `#` alone: the spill operator of `A1#`, or
/// text this tokenizer does not read).
pub fn error_value_len(chars: &[char]) -> Option<usize> {
    ERROR_VALUES
        .iter()
        .filter(|e| {
            e.chars().count() <= chars.len()
                && e.chars().zip(chars).all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
        .map(|e| e.chars().count())
        .max()
}

/// One piece of a formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    /// A string literal, its quotes included, as written (`"a""b"`).
    Text(&'a str),
    /// A sheet prefix, its `!` included (`Sheet1!`, `'My sheet'!`): the sheet's name, quotes
    /// undone (`'It''s'!` names `It's`), and whether it was quoted.
    Sheet { name: Cow<'a, str>, quoted: bool },
    /// An error value ([`ERROR_VALUES`]), as written.
    Error(&'a str),
    /// A `#` that begins no error value (the spill operator of `A1#`).
    Hash,
    /// `[` or `]`: a link to another workbook (`[1]Sheet1!A1`) or a structured reference
    /// (`Table1[Column]`).
    Bracket(char),
    /// `|`: a DDE link (`cmd|' /c calc'!A0`).
    Pipe,
    /// A number as written: digits and points, then an exponent (`1.5E-3`) if one follows.
    Number(&'a str),
    /// A name: a function when `(` follows at once, a cell or column reference, `TRUE`,
    /// `FALSE`, a defined name. Letters of any script, digits, `_`, `.`, `$`, `\`.
    Word(&'a str),
    /// One of `+ - * / ^ & = < > % , ; ( ) : { } @`.
    Punct(char),
    /// Whitespace (spaces, tabs, line breaks), as written.
    Space(&'a str),
}

/// Why a formula's text cannot be read into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexError {
    /// A string literal without its closing quote.
    UnclosedText,
    /// A quoted sheet name without its closing quote.
    UnclosedSheet,
    /// A quoted name not followed by `!`.
    QuotedNotSheet,
    /// A number followed at once by letters (`1abc`): nothing Excel writes.
    NumberThenLetters,
    /// A `!` with no sheet before it.
    BangWithoutSheet,
    /// A character no formula holds outside a string.
    Char(char),
}

impl LexError {
    /// The reason as a phrase ("a text without its closing quote").
    pub fn describe(self) -> String {
        match self {
            LexError::UnclosedText => "a text without its closing quote".into(),
            LexError::UnclosedSheet => "a sheet name without its closing quote".into(),
            LexError::QuotedNotSheet => "a quoted name that is not a sheet reference".into(),
            LexError::NumberThenLetters => "a number followed by letters".into(),
            LexError::BangWithoutSheet => "a sheet reference without a sheet".into(),
            LexError::Char(c) => format!("the character U+{:04X}", u32::from(c)),
        }
    }
}

/// Whether `c` continues a word.
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '\\')
}

/// The tokens of `formula` (its text after the `=`), in order; their texts, joined, are the
/// formula.
pub fn tokens(formula: &str) -> Result<Vec<Token<'_>>, LexError> {
    let chars: Vec<(usize, char)> = formula.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    // The byte offset of the `i`th character (the end of the text past the last).
    let byte = |i: usize| chars.get(i).map_or(formula.len(), |&(b, _)| b);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = i;
        match c {
            '"' => {
                i += 1;
                loop {
                    match at(i) {
                        None => return Err(LexError::UnclosedText),
                        Some('"') if at(i + 1) == Some('"') => i += 2,
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                out.push(Token::Text(&formula[byte(start)..byte(i)]));
            }
            '\'' => {
                i += 1;
                let mut doubled = false;
                loop {
                    match at(i) {
                        None => return Err(LexError::UnclosedSheet),
                        Some('\'') if at(i + 1) == Some('\'') => {
                            doubled = true;
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if at(i) != Some('!') {
                    return Err(LexError::QuotedNotSheet);
                }
                let inner = &formula[byte(start + 1)..byte(i - 1)];
                i += 1;
                let name = if doubled {
                    Cow::Owned(inner.replace("''", "'"))
                } else {
                    Cow::Borrowed(inner)
                };
                out.push(Token::Sheet { name, quoted: true });
            }
            '[' | ']' => {
                i += 1;
                out.push(Token::Bracket(c));
            }
            '|' => {
                i += 1;
                out.push(Token::Pipe);
            }
            '#' => {
                let rest: Vec<char> = chars[i..].iter().map(|&(_, c)| c).collect();
                match error_value_len(&rest) {
                    Some(n) => {
                        i += n;
                        out.push(Token::Error(&formula[byte(start)..byte(i)]));
                    }
                    None => {
                        i += 1;
                        out.push(Token::Hash);
                    }
                }
            }
            c if c.is_ascii_digit()
                || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                while at(i).is_some_and(|d| d.is_ascii_digit() || d == '.') {
                    i += 1;
                }
                if matches!(at(i), Some('e' | 'E')) {
                    let mut j = i + 1;
                    if matches!(at(j), Some('+' | '-')) {
                        j += 1;
                    }
                    if at(j).is_some_and(|d| d.is_ascii_digit()) {
                        while at(j).is_some_and(|d| d.is_ascii_digit()) {
                            j += 1;
                        }
                        i = j;
                    }
                }
                if at(i).is_some_and(|d| d.is_alphabetic() || d == '_') {
                    return Err(LexError::NumberThenLetters);
                }
                out.push(Token::Number(&formula[byte(start)..byte(i)]));
            }
            c if c.is_alphabetic() || matches!(c, '_' | '$' | '\\') => {
                while at(i).is_some_and(word_char) {
                    i += 1;
                }
                let word = &formula[byte(start)..byte(i)];
                if at(i) == Some('!') {
                    i += 1;
                    out.push(Token::Sheet {
                        name: Cow::Borrowed(word),
                        quoted: false,
                    });
                } else {
                    out.push(Token::Word(word));
                }
            }
            '+' | '-' | '*' | '/' | '^' | '&' | '=' | '<' | '>' | '%' | ',' | ';' | '(' | ')'
            | ':' | '{' | '}' | '@' => {
                i += 1;
                out.push(Token::Punct(c));
            }
            ' ' | '\t' | '\r' | '\n' => {
                while matches!(at(i), Some(' ' | '\t' | '\r' | '\n')) {
                    i += 1;
                }
                out.push(Token::Space(&formula[byte(start)..byte(i)]));
            }
            '!' => return Err(LexError::BangWithoutSheet),
            other => return Err(LexError::Char(other)),
        }
    }
    Ok(out)
}

/// The text a token was read from (a quoted sheet's quotes doubled again), so that the
/// tokens of a formula, written one after the other, are the formula.
pub fn written<'a>(t: &Token<'a>) -> Cow<'a, str> {
    match t {
        Token::Text(s) | Token::Error(s) | Token::Number(s) | Token::Word(s) | Token::Space(s) => {
            Cow::Borrowed(s)
        }
        Token::Sheet { name, quoted: true } => format!("'{}'!", name.replace('\'', "''")).into(),
        Token::Sheet {
            name,
            quoted: false,
        } => format!("{name}!").into(),
        Token::Hash => "#".into(),
        Token::Bracket(c) | Token::Punct(c) => c.to_string().into(),
        Token::Pipe => "|".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    fn sheet(name: &str, quoted: bool) -> Token<'_> {
        Sheet {
            name: Cow::Borrowed(name),
            quoted,
        }
    }

    /// Every formula read here is written back as it was.
    fn round_trip(f: &str) -> Vec<Token<'_>> {
        let t = tokens(f).unwrap_or_else(|e| panic!("{f:?}: {e:?}"));
        let back: String = t.iter().map(written).collect();
        assert_eq!(back, f);
        t
    }

    #[test]
    fn sums_ranges_and_functions() {
        assert_eq!(
            round_trip("SUM(C8:C15)+$D$2*0.5"),
            vec![
                Word("SUM"),
                Punct('('),
                Word("C8"),
                Punct(':'),
                Word("C15"),
                Punct(')'),
                Punct('+'),
                Word("$D$2"),
                Punct('*'),
                Number("0.5"),
            ]
        );
        assert_eq!(
            round_trip("_xlfn.STDEV.S(A:A)"),
            vec![
                Word("_xlfn.STDEV.S"),
                Punct('('),
                Word("A"),
                Punct(':'),
                Word("A"),
                Punct(')')
            ]
        );
    }

    #[test]
    fn strings_with_doubled_quotes_are_one_token() {
        assert_eq!(
            round_trip(r#""say ""WEBSERVICE(x)""" & A1"#),
            vec![
                Text(r#""say ""WEBSERVICE(x)""""#),
                Space(" "),
                Punct('&'),
                Space(" "),
                Word("A1"),
            ]
        );
        assert_eq!(round_trip(r#""""#), vec![Text(r#""""#)]);
        assert_eq!(tokens(r#""open"#), Err(LexError::UnclosedText));
        // A doubled quote at the end is a quote inside the text, not its end.
        assert_eq!(tokens(r#""a"""#), Err(LexError::UnclosedText));
    }

    #[test]
    fn sheet_references_quoted_or_not() {
        assert_eq!(
            round_trip("'A b'!C3+Sheet1!D4"),
            vec![
                sheet("A b", true),
                Word("C3"),
                Punct('+'),
                sheet("Sheet1", false),
                Word("D4"),
            ]
        );
        // Quotes doubled inside a quoted name are one quote of the name.
        assert_eq!(
            round_trip("'It''s'!A1:B2"),
            vec![
                Sheet {
                    name: Cow::Owned("It's".into()),
                    quoted: true
                },
                Word("A1"),
                Punct(':'),
                Word("B2"),
            ]
        );
        assert_eq!(tokens("'A b"), Err(LexError::UnclosedSheet));
        assert_eq!(tokens("'A b'+1"), Err(LexError::QuotedNotSheet));
        assert_eq!(tokens("!A1"), Err(LexError::BangWithoutSheet));
    }

    #[test]
    fn error_values_and_the_spill_hash() {
        assert_eq!(
            round_trip("IF(A1=#n/a,#DIV/0!,A1#)"),
            vec![
                Word("IF"),
                Punct('('),
                Word("A1"),
                Punct('='),
                Error("#n/a"),
                Punct(','),
                Error("#DIV/0!"),
                Punct(','),
                Word("A1"),
                Hash,
                Punct(')'),
            ]
        );
        // What follows a lone `#` is read as any other text.
        assert_eq!(
            round_trip("#WEBSERVICE(1)")[..2],
            [Hash, Word("WEBSERVICE")]
        );
    }

    #[test]
    fn numbers_with_exponents_and_their_limits() {
        assert_eq!(round_trip("1.5E-3"), vec![Number("1.5E-3")]);
        assert_eq!(round_trip(".5"), vec![Number(".5")]);
        assert_eq!(round_trip("2E+3"), vec![Number("2E+3")]);
        assert_eq!(tokens("1abc"), Err(LexError::NumberThenLetters));
        assert_eq!(tokens("1E"), Err(LexError::NumberThenLetters));
        assert_eq!(tokens("."), Err(LexError::Char('.')));
    }

    #[test]
    fn unicode_names_and_odd_characters() {
        assert_eq!(
            round_trip("Tổng_số+'Mẫu 01'!C7"),
            vec![
                Word("Tổng_số"),
                Punct('+'),
                sheet("Mẫu 01", true),
                Word("C7")
            ]
        );
        assert_eq!(
            round_trip("[1]Sheet1!A1"),
            vec![
                Bracket('['),
                Number("1"),
                Bracket(']'),
                sheet("Sheet1", false),
                Word("A1")
            ]
        );
        assert_eq!(
            round_trip("cmd|' /c calc'!A0"),
            vec![Word("cmd"), Pipe, sheet(" /c calc", true), Word("A0")]
        );
        assert_eq!(tokens("A1€"), Err(LexError::Char('€')));
        assert_eq!(tokens("A1\u{0}"), Err(LexError::Char('\u{0}')));
        assert_eq!(
            tokens("A1 \t\n+1"),
            Ok(vec![Word("A1"), Space(" \t\n"), Punct('+'), Number("1")])
        );
        assert_eq!(tokens(""), Ok(vec![]));
    }
}
