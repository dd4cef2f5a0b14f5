//! Evaluates simple spreadsheet formulas whose result is not stored in the file.
//!
//! A workbook written by a script and never opened in a spreadsheet program carries formulas
//! such as `SUM(C8:C15)` or `C8+C9-C10` without their cached results. Those are computed here,
//! over the same sheet; anything else (other functions, other sheets, text) is not guessed at:
//! the caller reports the value as not stored. Never treat such a cell as zero.

use crate::model::{CellRef, Sheet, Value};
use crate::read::formula_tokens::{tokens, Token};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

const MAX_DEPTH: usize = 32;
/// Levels of parentheses, function calls, signs and formula-to-formula references one
/// evaluation may go through: the evaluator recurses once per level, on a 2 MB stack.
const MAX_NESTING: usize = 100;

/// What one evaluation shares between the formulas it follows: every referenced formula cell
/// is computed once (the value remembered), and a cell met again while it is being computed is
/// a circular reference (no value).
#[derive(Default)]
struct Memo {
    done: RefCell<HashMap<CellRef, Option<f64>>>,
    active: RefCell<HashSet<CellRef>>,
    /// The formula divided by an exact zero (of its own, not of a formula it refers to).
    div_zero: std::cell::Cell<bool>,
}
const MAX_RANGE_CELLS: u64 = 100_000;

/// The value of `formula` (without `=`) on `sheet`, when it is simple arithmetic over cells.
pub fn evaluate(sheet: &Sheet, formula: &str) -> Option<f64> {
    eval_depth(sheet, formula, 0, 0, &Memo::default())
}

/// Whether `formula` (without `=`) on `sheet` is simple arithmetic over cells that divides by
/// zero: its `#DIV/0!` is then the spreadsheet's "no quotient" (a percentage of an empty base),
/// not a broken formula.
pub fn divides_by_zero(sheet: &Sheet, formula: &str) -> bool {
    let memo = Memo::default();
    let f = formula.trim().trim_start_matches('=');
    let Some(toks) = lex(f) else {
        return false;
    };
    let mut p = P {
        toks,
        pos: 0,
        sheet,
        depth: 0,
        nest: 0,
        memo: &memo,
    };
    // Evaluated up to the division by zero: what is read so far must be arithmetic.
    p.expr();
    memo.div_zero.get()
}

fn eval_depth(sheet: &Sheet, formula: &str, depth: usize, nest: usize, memo: &Memo) -> Option<f64> {
    if depth > MAX_DEPTH || nest > MAX_NESTING {
        return None;
    }
    let f = formula.trim().trim_start_matches('=');
    let toks = lex(f)?;
    let mut p = P {
        toks,
        pos: 0,
        sheet,
        depth,
        nest,
        memo,
    };
    let v = p.expr()?;
    if p.pos != p.toks.len() || !v.is_finite() {
        return None;
    }
    Some(v)
}

#[derive(Debug, Clone, PartialEq)]
enum T {
    Num(f64),
    Ref(CellRef),
    Range(CellRef, CellRef),
    Func(String),
    Op(char),
    LParen,
    RParen,
    Sep,
}

/// The formula's tokens ([`crate::read::formula_tokens`]) as the evaluator reads them: only
/// spaces, `+ - * /`, parentheses, separators, plain numbers (no exponent), ASCII cell
/// references, ranges and function names; anything else (text, other sheets, error values,
/// names of other scripts) is no simple arithmetic: None.
fn lex(s: &str) -> Option<Vec<T>> {
    let toks = tokens(s).ok()?;
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(t) = toks.get(k) {
        k += 1;
        match t {
            Token::Space(w) if w.bytes().all(|b| b == b' ') => {}
            Token::Punct(c @ ('+' | '-' | '*' | '/')) => out.push(T::Op(*c)),
            Token::Punct('(') => out.push(T::LParen),
            Token::Punct(')') => out.push(T::RParen),
            Token::Punct(',' | ';') => out.push(T::Sep),
            Token::Number(n) if !n.contains(['e', 'E']) => out.push(T::Num(n.parse().ok()?)),
            Token::Word(w) if plain_word(w) => match toks.get(k) {
                Some(Token::Punct('(')) => out.push(T::Func(w.to_ascii_uppercase())),
                Some(Token::Punct(':')) => {
                    let Some(Token::Word(last)) = toks.get(k + 1) else {
                        return None;
                    };
                    k += 2;
                    out.push(T::Range(CellRef::parse_a1(w)?, CellRef::parse_a1(last)?));
                }
                _ => out.push(T::Ref(CellRef::parse_a1(w)?)),
            },
            _ => return None,
        }
    }
    Some(out)
}

/// A word the evaluator reads: ASCII letters first (or `$`), then ASCII letters, digits, `$`,
/// `_`, `.`.
fn plain_word(w: &str) -> bool {
    w.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'$')
        && w.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_' | b'.'))
}

struct P<'a> {
    toks: Vec<T>,
    pos: usize,
    sheet: &'a Sheet,
    depth: usize,
    /// Levels of recursion so far (this formula's and the formulas that led to it).
    nest: usize,
    memo: &'a Memo,
}

impl P<'_> {
    fn peek(&self) -> Option<&T> {
        self.toks.get(self.pos)
    }

    fn expr(&mut self) -> Option<f64> {
        let mut v = self.term()?;
        while let Some(T::Op(o @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let r = self.term()?;
            v = if o == '+' { v + r } else { v - r };
        }
        Some(v)
    }

    fn term(&mut self) -> Option<f64> {
        let mut v = self.unary()?;
        while let Some(T::Op(o @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let r = self.unary()?;
            v = if o == '*' {
                v * r
            } else {
                if r == 0.0 {
                    if self.depth == 0 {
                        self.memo.div_zero.set(true);
                    }
                    return None;
                }
                v / r
            };
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<f64> {
        self.nest += 1;
        let v = if self.nest > MAX_NESTING {
            None
        } else {
            self.unary_inner()
        };
        self.nest -= 1;
        v
    }

    fn unary_inner(&mut self) -> Option<f64> {
        match self.peek() {
            Some(T::Op('-')) => {
                self.pos += 1;
                Some(-self.unary()?)
            }
            Some(T::Op('+')) => {
                self.pos += 1;
                self.unary()
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Option<f64> {
        let t = self.toks.get(self.pos).cloned()?;
        self.pos += 1;
        match t {
            T::Num(n) => Some(n),
            T::Ref(r) => self.cell(r, false),
            T::LParen => {
                let v = self.expr()?;
                if self.peek() != Some(&T::RParen) {
                    return None;
                }
                self.pos += 1;
                Some(v)
            }
            T::Func(name) => {
                if self.peek() != Some(&T::LParen) {
                    return None;
                }
                self.pos += 1;
                let mut vals = Vec::new();
                loop {
                    match self.peek().cloned() {
                        Some(T::RParen) => {
                            self.pos += 1;
                            break;
                        }
                        Some(T::Range(a, b)) => {
                            self.pos += 1;
                            vals.extend(self.range(a, b)?);
                        }
                        Some(T::Ref(r))
                            if matches!(self.toks.get(self.pos + 1), Some(T::Sep | T::RParen)) =>
                        {
                            self.pos += 1;
                            if let Some(v) = self.cell(r, true) {
                                vals.push(v);
                            }
                        }
                        Some(_) => vals.push(self.expr()?),
                        None => return None,
                    }
                    if self.peek() == Some(&T::Sep) {
                        self.pos += 1;
                    }
                }
                match name.as_str() {
                    "SUM" => Some(vals.iter().sum()),
                    "MIN" => Some(vals.iter().copied().fold(f64::INFINITY, f64::min))
                        .filter(|v| v.is_finite())
                        .or(Some(0.0)),
                    "MAX" => Some(vals.iter().copied().fold(f64::NEG_INFINITY, f64::max))
                        .filter(|v| v.is_finite())
                        .or(Some(0.0)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn range(&self, a: CellRef, b: CellRef) -> Option<Vec<f64>> {
        let (r0, r1) = (a.row.min(b.row), a.row.max(b.row));
        let (c0, c1) = (a.col.min(b.col), a.col.max(b.col));
        if u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1) > MAX_RANGE_CELLS {
            return None;
        }
        let mut out = Vec::new();
        for (at, _) in self
            .sheet
            .cells
            .range(CellRef::new(r0, 0)..=CellRef::new(r1, u32::MAX))
        {
            if at.col >= c0 && at.col <= c1 {
                if let Some(v) = self.cell(*at, true) {
                    out.push(v);
                }
            }
        }
        Some(out)
    }

    /// The value of the formula in `at`, computed once per evaluation; None for a circular
    /// reference.
    fn referenced(&self, at: CellRef, formula: &str) -> Option<f64> {
        if let Some(v) = self.memo.done.borrow().get(&at) {
            return *v;
        }
        if !self.memo.active.borrow_mut().insert(at) {
            return None;
        }
        let v = eval_depth(
            self.sheet,
            formula,
            self.depth + 1,
            self.nest + 1,
            self.memo,
        );
        self.memo.active.borrow_mut().remove(&at);
        self.memo.done.borrow_mut().insert(at, v);
        v
    }

    /// A referenced cell's number. In a function's arguments (`lenient`) text is skipped, as
    /// spreadsheets do; in arithmetic text makes the whole formula unknown.
    fn cell(&self, at: CellRef, lenient: bool) -> Option<f64> {
        let Some(cell) = self.sheet.get(at) else {
            return if lenient { None } else { Some(0.0) };
        };
        match &cell.value {
            Value::Number(n) => Some(*n),
            Value::Empty => match &cell.formula {
                Some(f) => self.referenced(at, f),
                None => {
                    if lenient {
                        None
                    } else {
                        Some(0.0)
                    }
                }
            },
            Value::Bool(b) if !lenient => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cell;

    fn sheet(cells: &[(&str, Value, Option<&str>)]) -> Sheet {
        let mut s = Sheet::new("S");
        for (a, v, f) in cells {
            let mut c = Cell::value(v.clone());
            c.formula = f.map(str::to_string);
            s.cells.insert(CellRef::parse_a1(a).unwrap(), c);
        }
        s
    }

    #[test]
    fn a_division_by_zero_is_told() {
        let s = sheet(&[
            ("C8", Value::Number(0.0), None),
            ("C9", Value::Number(4.0), None),
            ("C10", Value::Empty, Some("C9/C8")),
            ("C11", Value::Text("x".into()), None),
        ]);
        assert!(divides_by_zero(&s, "C9/C8*100"));
        assert!(divides_by_zero(&s, "=(C9+C9)/C8*100"));
        assert!(divides_by_zero(&s, "C9/C7*100"), "an empty divisor is zero");
        assert!(!divides_by_zero(&s, "C8/C9*100"));
        assert!(!divides_by_zero(&s, "C11/C8"), "text: not arithmetic");
        assert!(
            !divides_by_zero(&s, "C10*2"),
            "the referenced formula's own division"
        );
        assert!(!divides_by_zero(&s, "VLOOKUP(C8,A1:B2,2)"));
    }

    #[test]
    fn sums_and_arithmetic() {
        let s = sheet(&[
            ("C8", Value::Number(3.0), None),
            ("C9", Value::Number(4.0), None),
            ("C10", Value::Text("note".into()), None),
            ("C11", Value::Empty, Some("C8*2")),
            ("C12", Value::Empty, Some("C12+1")),
        ]);
        assert_eq!(evaluate(&s, "SUM(C8:C10)"), Some(7.0));
        assert_eq!(evaluate(&s, "=C8+C9-1"), Some(6.0));
        assert_eq!(evaluate(&s, "sum(C8,C9,10)"), Some(17.0));
        assert_eq!(evaluate(&s, "(C8+C9)*2/7"), Some(2.0));
        assert_eq!(evaluate(&s, "C11+1"), Some(7.0));
        assert_eq!(evaluate(&s, "$C$8+C20"), Some(3.0));
        assert_eq!(evaluate(&s, "SUM(C8:C11)"), Some(13.0));
        assert_eq!(evaluate(&s, "MAX(C8:C9)"), Some(4.0));
    }

    #[test]
    fn unknown_is_none_never_zero() {
        let s = sheet(&[
            ("C10", Value::Text("x".into()), None),
            ("C12", Value::Empty, Some("C12+1")),
        ]);
        assert_eq!(evaluate(&s, "C10+1"), None);
        assert_eq!(evaluate(&s, "VLOOKUP(A1,B1:C3,2)"), None);
        assert_eq!(evaluate(&s, "Sheet2!A1"), None);
        assert_eq!(evaluate(&s, "C12"), None, "a cycle is not a value");
        assert_eq!(evaluate(&s, "1/0"), None);
        assert_eq!(evaluate(&s, "SUM(A1:XFD1048576)"), None);
        assert_eq!(evaluate(&s, "1+"), None);
        assert_eq!(evaluate(&s, "\"a\"&\"b\""), None);
    }
}
