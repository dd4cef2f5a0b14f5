//! The check expression language: lexer and precedence-climbing parser.
//!
//! Rule authors write checks such as `male + female == total`, `sum(age.*) == total`,
//! `$[pct] == $ / total * 100` or `M01.total == end`. Every node keeps the byte span of its
//! source so that a mistake is shown with a caret under the exact characters in the rule file.
//! Names are resolved later, against the form definitions (see `compile`).

use std::fmt;

/// Byte range within the expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Sum,
    Min,
    Max,
    Abs,
    Round,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "sum" => Func::Sum,
            "min" => Func::Min,
            "max" => Func::Max,
            "abs" => Func::Abs,
            "round" => Func::Round,
            _ => return None,
        })
    }
    pub const NAMES: [&'static str; 5] = ["sum", "min", "max", "abs", "round"];
}

/// A reference as written: `total`, `age.*`, `M01.total`, `$`, `women[pct]`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefExpr {
    /// The dotted path, as written (`M01.total`, `age.*`, `$`).
    pub path: String,
    pub path_span: Span,
    pub column: Option<(String, Span)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Num(f64),
    Ref(RefExpr),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    Logic(LogicOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Path(String),
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Op(&'static str),
    And,
    Or,
    Not,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Num(n) => write!(f, "number {n}"),
            Tok::Path(p) => write!(f, "`{p}`"),
            Tok::LBracket => f.write_str("`[`"),
            Tok::RBracket => f.write_str("`]`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::Op(o) => write!(f, "`{o}`"),
            Tok::And => f.write_str("`and`"),
            Tok::Or => f.write_str("`or`"),
            Tok::Not => f.write_str("`not`"),
        }
    }
}

fn is_seg_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The token one character is on its own (an operator, a bracket, a comma, `@`), if any.
fn single_char_token(c: char) -> Option<Tok> {
    match c {
        '+' => Some(Tok::Op("+")),
        '-' | '−' => Some(Tok::Op("-")),
        '*' | '×' => Some(Tok::Op("*")),
        '/' | '÷' => Some(Tok::Op("/")),
        '<' => Some(Tok::Op("<")),
        '>' => Some(Tok::Op(">")),
        '(' => Some(Tok::LParen),
        ')' => Some(Tok::RParen),
        '[' => Some(Tok::LBracket),
        ']' => Some(Tok::RBracket),
        ',' => Some(Tok::Comma),
        // `@`: the current column of a check with `columns` (written `x[@]`).
        '@' => Some(Tok::Path("@".into())),
        _ => None,
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, Span)>, ParseError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(src.len(), |(p, _)| *p);
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..].iter().take(2).map(|(_, c)| *c).collect();
        let op2 = ["==", "!=", "<=", ">="].into_iter().find(|o| *o == two);
        if let Some(op) = op2 {
            out.push((
                Tok::Op(op),
                Span {
                    start: pos,
                    end: pos + 2,
                },
            ));
            i += 2;
            continue;
        }
        if let Some(t) = single_char_token(c) {
            out.push((
                t,
                Span {
                    start: pos,
                    end: end_of(i + 1),
                },
            ));
            i += 1;
            continue;
        }
        if c == '=' {
            return Err(ParseError {
                span: Span {
                    start: pos,
                    end: pos + 1,
                },
                message: "a single `=` is not an operator here; write `==` to compare".into(),
            });
        }
        if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && (chars[i].1.is_ascii_digit() || chars[i].1 == '.') {
                i += 1;
            }
            let text = &src[pos..end_of(i)];
            let span = Span {
                start: pos,
                end: end_of(i),
            };
            if i < chars.len() && is_seg_char(chars[i].1) {
                return Err(ParseError {
                    span: Span {
                        start: pos,
                        end: end_of(i + 1),
                    },
                    message: format!(
                        "`{}` is neither a number nor a name (names start with a letter)",
                        &src[pos..end_of(i + 1)]
                    ),
                });
            }
            let _ = start;
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() => out.push((Tok::Num(n), span)),
                Ok(_) => {
                    return Err(ParseError {
                        span,
                        message: format!("`{text}` is too large a number"),
                    })
                }
                Err(_) => {
                    return Err(ParseError {
                        span,
                        message: format!("`{text}` is not a number"),
                    })
                }
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            if !c.is_ascii() {
                return Err(ParseError {
                    span: Span { start: pos, end: end_of(i + 1) },
                    message: format!("`{c}`: names in expressions use ASCII letters, digits and `_`; put the label text in the rule's `label`"),
                });
            }
            let mut j = i + 1;
            if c != '$' {
                while j < chars.len() && is_seg_char(chars[j].1) {
                    j += 1;
                }
            }
            // Dotted continuation: `.name`, `.1`, `.*`
            while j + 1 < chars.len()
                && chars[j].1 == '.'
                && (is_seg_char(chars[j + 1].1) || chars[j + 1].1 == '*')
            {
                j += 1;
                if chars[j].1 == '*' {
                    j += 1;
                    break;
                }
                while j < chars.len() && is_seg_char(chars[j].1) {
                    j += 1;
                }
            }
            let text = &src[pos..end_of(j)];
            let span = Span {
                start: pos,
                end: end_of(j),
            };
            let tok = match text {
                "and" => Tok::And,
                "or" => Tok::Or,
                "not" => Tok::Not,
                _ => Tok::Path(text.to_string()),
            };
            out.push((tok, span));
            i = j;
            continue;
        }
        return Err(ParseError {
            span: Span {
                start: pos,
                end: end_of(i + 1),
            },
            message: format!("unexpected character `{c}`"),
        });
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    src: &'a str,
    /// Levels of parentheses, arguments, signs and `not` the parser is inside.
    depth: usize,
}

/// How deep an expression may nest (parentheses, function arguments, signs, `not`, and the
/// operands of a chain such as `a + b + c`): the parser, the compiler and the evaluator recurse
/// once per level, on threads with as little as 2 MB of stack.
pub const MAX_DEPTH: usize = 100;

/// Most tokens in one expression (so that even a rejected expression is small).
pub const MAX_TOKENS: usize = 2_000;

fn too_deep(span: Span) -> ParseError {
    ParseError {
        span,
        message: format!(
            "the expression nests more than {MAX_DEPTH} levels deep; split it into several checks"
        ),
    }
}

/// The first node deeper than [`MAX_DEPTH`], found without recursion.
fn deeper_than_limit(e: &Expr) -> Option<Span> {
    let mut stack = vec![(e, 1usize)];
    while let Some((e, d)) = stack.pop() {
        if d > MAX_DEPTH {
            return Some(e.span);
        }
        match &e.kind {
            ExprKind::Num(_) | ExprKind::Ref(_) => {}
            ExprKind::Neg(x) | ExprKind::Not(x) => stack.push((x, d + 1)),
            ExprKind::Binary(_, a, b) | ExprKind::Compare(_, a, b) | ExprKind::Logic(_, a, b) => {
                stack.push((a, d + 1));
                stack.push((b, d + 1));
            }
            ExprKind::Call(_, args) => stack.extend(args.iter().map(|a| (a, d + 1))),
        }
    }
    None
}

/// Parses an expression; the error points at the first offending token.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    if toks.len() > MAX_TOKENS {
        return Err(ParseError {
            span: Span {
                start: 0,
                end: src.len(),
            },
            message: format!(
                "the expression is too long ({} parts; at most {MAX_TOKENS})",
                toks.len()
            ),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        src,
        depth: 0,
    };
    if p.toks.is_empty() {
        return Err(ParseError {
            span: Span {
                start: 0,
                end: src.len(),
            },
            message: "the expression is empty".into(),
        });
    }
    let e = p.logic_or()?;
    if let Some((t, span)) = p.toks.get(p.pos) {
        return Err(ParseError {
            span: *span,
            message: format!("unexpected {t} after a complete expression"),
        });
    }
    if let Some(span) = deeper_than_limit(&e) {
        return Err(too_deep(span));
    }
    Ok(e)
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn end_span(&self) -> Span {
        Span {
            start: self.src.len(),
            end: self.src.len(),
        }
    }

    fn next_span(&self) -> Span {
        self.toks.get(self.pos).map_or(self.end_span(), |(_, s)| *s)
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<Span, ParseError> {
        match self.toks.get(self.pos) {
            Some((t, s)) if *t == want => {
                let s = *s;
                self.pos += 1;
                Ok(s)
            }
            Some((t, s)) => Err(ParseError {
                span: *s,
                message: format!("expected {what}, found {t}"),
            }),
            None => Err(ParseError {
                span: self.end_span(),
                message: format!("expected {what} at the end"),
            }),
        }
    }

    /// Enters one more level of recursion, refusing more than [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(self.next_span()));
        }
        Ok(())
    }

    fn logic_or(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let e = self.logic_or_inner();
        self.depth -= 1;
        e
    }

    fn logic_or_inner(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.logic_and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            let rhs = self.logic_and()?;
            let span = lhs.span.join(rhs.span);
            lhs = Expr {
                kind: ExprKind::Logic(LogicOp::Or, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn logic_and(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.logic_not()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            let rhs = self.logic_not()?;
            let span = lhs.span.join(rhs.span);
            lhs = Expr {
                kind: ExprKind::Logic(LogicOp::And, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn logic_not(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == Some(&Tok::Not) {
            let start = self.next_span();
            self.pos += 1;
            self.enter()?;
            let inner = self.logic_not();
            self.depth -= 1;
            let inner = inner?;
            let span = start.join(inner.span);
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, ParseError> {
        let lhs = self.additive()?;
        let op = match self.peek() {
            Some(Tok::Op("==")) => CmpOp::Eq,
            Some(Tok::Op("!=")) => CmpOp::Ne,
            Some(Tok::Op("<")) => CmpOp::Lt,
            Some(Tok::Op("<=")) => CmpOp::Le,
            Some(Tok::Op(">")) => CmpOp::Gt,
            Some(Tok::Op(">=")) => CmpOp::Ge,
            _ => return Ok(lhs),
        };
        self.pos += 1;
        let rhs = self.additive()?;
        if let Some(Tok::Op(o @ ("==" | "!=" | "<" | "<=" | ">" | ">="))) = self.peek() {
            return Err(ParseError {
                span: self.next_span(),
                message: format!(
                    "comparisons cannot be chained; `{o}` follows another comparison (use `and`)"
                ),
            });
        }
        let span = lhs.span.join(rhs.span);
        Ok(Expr {
            kind: ExprKind::Compare(op, Box::new(lhs), Box::new(rhs)),
            span,
        })
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.term()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op("+")) => BinOp::Add,
                Some(Tok::Op("-")) => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.pos += 1;
            let rhs = self.term()?;
            let span = lhs.span.join(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op("*")) => BinOp::Mul,
                Some(Tok::Op("/")) => BinOp::Div,
                _ => return Ok(lhs),
            };
            self.pos += 1;
            let rhs = self.unary()?;
            let span = lhs.span.join(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == Some(&Tok::Op("-")) {
            let start = self.next_span();
            self.pos += 1;
            self.enter()?;
            let inner = self.unary();
            self.depth -= 1;
            let inner = inner?;
            let span = start.join(inner.span);
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                span,
            });
        }
        if self.peek() == Some(&Tok::Op("+")) {
            self.pos += 1;
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return e;
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, span)) = self.toks.get(self.pos).cloned() else {
            return Err(ParseError {
                span: self.end_span(),
                message: "the expression ends where a value was expected".into(),
            });
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr {
                kind: ExprKind::Num(n),
                span,
            }),
            Tok::LParen => {
                let inner = self.logic_or()?;
                let close = self.expect(Tok::RParen, "`)`")?;
                Ok(Expr {
                    kind: inner.kind,
                    span: span.join(close),
                })
            }
            Tok::Path(name) => {
                if self.peek() == Some(&Tok::LParen) {
                    let Some(func) = Func::from_name(&name) else {
                        let hint = crate::text::closest(&name, Func::NAMES)
                            .map(|c| format!("; did you mean `{c}`?"))
                            .unwrap_or_else(|| {
                                format!("; the functions are {}", Func::NAMES.join(", "))
                            });
                        return Err(ParseError {
                            span,
                            message: format!("unknown function `{name}`{hint}"),
                        });
                    };
                    self.pos += 1;
                    let mut args = Vec::new();
                    if self.peek() != Some(&Tok::RParen) {
                        loop {
                            args.push(self.logic_or()?);
                            if self.peek() == Some(&Tok::Comma) {
                                self.pos += 1;
                                continue;
                            }
                            break;
                        }
                    }
                    let close = self.expect(Tok::RParen, "`,` or `)`")?;
                    let call_span = span.join(close);
                    let arity_ok = match func {
                        Func::Abs => args.len() == 1,
                        Func::Round => args.len() == 2,
                        Func::Sum | Func::Min | Func::Max => !args.is_empty(),
                    };
                    if !arity_ok {
                        let want = match func {
                            Func::Abs => "one argument",
                            Func::Round => "two arguments: the value and the number of decimals",
                            _ => "at least one argument",
                        };
                        return Err(ParseError {
                            span: call_span,
                            message: format!("`{name}` takes {want}"),
                        });
                    }
                    return Ok(Expr {
                        kind: ExprKind::Call(func, args),
                        span: call_span,
                    });
                }
                let mut column = None;
                let mut full = span;
                if self.peek() == Some(&Tok::LBracket) {
                    self.pos += 1;
                    match self.toks.get(self.pos).cloned() {
                        Some((Tok::Path(col), cspan)) if !col.contains('.') && col != "$" => {
                            self.pos += 1;
                            column = Some((col, cspan));
                        }
                        Some((t, s)) => {
                            return Err(ParseError {
                                span: s,
                                message: format!("expected a column name inside `[ ]`, found {t}"),
                            })
                        }
                        None => {
                            return Err(ParseError {
                                span: self.end_span(),
                                message: "expected a column name after `[`".into(),
                            })
                        }
                    }
                    let close = self.expect(Tok::RBracket, "`]`")?;
                    full = span.join(close);
                }
                Ok(Expr {
                    kind: ExprKind::Ref(RefExpr {
                        path: name,
                        path_span: span,
                        column,
                    }),
                    span: full,
                })
            }
            other => Err(ParseError {
                span,
                message: format!("expected a value, found {other}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the tree compactly so tests are one-liners.
    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Num(n) => format!("{n}"),
            ExprKind::Ref(r) => match &r.column {
                Some((c, _)) => format!("{}[{c}]", r.path),
                None => r.path.clone(),
            },
            ExprKind::Neg(x) => format!("(-{})", show(x)),
            ExprKind::Not(x) => format!("(not {})", show(x)),
            ExprKind::Binary(op, a, b) => {
                let o = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::Div => "/",
                };
                format!("({} {o} {})", show(a), show(b))
            }
            ExprKind::Compare(op, a, b) => format!("({} {} {})", show(a), op.symbol(), show(b)),
            ExprKind::Logic(op, a, b) => format!(
                "({} {} {})",
                show(a),
                if *op == LogicOp::And { "and" } else { "or" },
                show(b)
            ),
            ExprKind::Call(f, args) => format!(
                "{:?}({})",
                f,
                args.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn ok(src: &str) -> String {
        show(&parse(src).unwrap_or_else(|e| panic!("{src}: {e:?}")))
    }

    fn err(src: &str) -> (String, usize, usize) {
        let e = parse(src).expect_err(src);
        (e.message, e.span.start, e.span.end)
    }

    #[test]
    fn precedence() {
        assert_eq!(ok("a + b * c"), "(a + (b * c))");
        assert_eq!(ok("a - b - c"), "((a - b) - c)");
        assert_eq!(ok("(a + b) * c"), "((a + b) * c)");
        assert_eq!(ok("male + female == total"), "((male + female) == total)");
        assert_eq!(ok("-a + 3"), "((-a) + 3)");
        assert_eq!(ok("a <= b and c != 0"), "((a <= b) and (c != 0))");
        assert_eq!(ok("not a == 0 or b > 1"), "((not (a == 0)) or (b > 1))");
    }

    #[test]
    fn references() {
        assert_eq!(ok("sum(age.*) == total"), "(Sum(age.*) == total)");
        assert_eq!(ok("M01.total == end"), "(M01.total == end)");
        assert_eq!(
            ok("$[pct] == $ / total * 100"),
            "($[pct] == (($ / total) * 100))"
        );
        assert_eq!(ok("women[pct]"), "women[pct]");
        assert_eq!(ok("q.5_1 + q.5_2"), "(q.5_1 + q.5_2)");
        assert_eq!(ok("round(a / b * 100, 2)"), "Round(((a / b) * 100), 2)");
        assert_eq!(ok("max(a, b, 1.5)"), "Max(a, b, 1.5)");
        assert_eq!(ok("a × b ÷ c − d"), "(((a * b) / c) - d)");
    }

    #[test]
    fn records_columns_and_other_files() {
        assert_eq!(
            ok("grand[@] == sum(records[@])"),
            "(grand[@] == Sum(records[@]))"
        );
        assert_eq!(ok("$[@] == unit[@]"), "($[@] == unit[@])");
        assert_eq!(
            ok("$[total] == unit.M01.total"),
            "($[total] == unit.M01.total)"
        );
        assert_eq!(
            ok("unit.M03.unit.members[excellent]"),
            "unit.M03.unit.members[excellent]"
        );
        assert_eq!(
            ok("start == previous.M02.end"),
            "(start == previous.M02.end)"
        );
        assert_eq!(
            ok("not ($[a] == prev[a] and $[b] == prev[b])"),
            "(not (($[a] == prev[a]) and ($[b] == prev[b])))"
        );
        assert_eq!(err("a[@@]").1, 3);
    }

    #[test]
    fn errors_point_at_the_token() {
        assert_eq!(err("a = b").1, 2);
        assert_eq!(
            err("a +").0,
            "the expression ends where a value was expected"
        );
        assert_eq!(
            err("summ(a)").0,
            "unknown function `summ`; did you mean `sum`?"
        );
        assert_eq!(err("a == b == c").1, 7);
        assert_eq!(
            err("round(a)").0,
            "`round` takes two arguments: the value and the number of decimals"
        );
        assert_eq!(err("(a + b").0, "expected `)` at the end");
        assert_eq!(err("a b").0, "unexpected `b` after a complete expression");
        assert!(err("tổng").0.contains("ASCII"));
        assert_eq!(err("").0, "the expression is empty");
        assert_eq!(err("a[1.2]").1, 2);
        assert_eq!(
            err("12abc").0,
            "`12a` is neither a number nor a name (names start with a letter)"
        );
        assert_eq!(err("a # b").0, "unexpected character `#`");
    }
}
