//! Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`,
//! `a<1`, comma meaning AND. The lexer and recursive-descent parser follow apimachinery's
//! `labels/selector.go` token for token so that every error message matches.

use std::collections::{BTreeMap, BTreeSet};

use crate::content::{is_label_value, is_qualified_name};
use crate::field::{BadValue, FieldError, aggregate};

/// How a requirement relates a label to its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelOperator {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// One clause of a label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelRequirement {
    pub key: String,
    pub operator: LabelOperator,
    /// Sorted, without duplicates (Go keeps them in a string set).
    pub values: Vec<String>,
}

impl LabelRequirement {
    /// Whether `labels` satisfy this clause.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            LabelOperator::In | LabelOperator::Equals | LabelOperator::DoubleEquals => {
                value.is_some_and(|v| self.values.contains(v))
            }
            LabelOperator::NotIn | LabelOperator::NotEquals => {
                value.is_none_or(|v| !self.values.contains(v))
            }
            LabelOperator::Exists => value.is_some(),
            LabelOperator::DoesNotExist => value.is_none(),
            LabelOperator::GreaterThan | LabelOperator::LessThan => {
                let (Some(actual), [wanted]) = (value, self.values.as_slice()) else {
                    return false;
                };
                match (actual.parse::<i64>(), wanted.parse::<i64>()) {
                    (Ok(a), Ok(w)) if self.operator == LabelOperator::GreaterThan => a > w,
                    (Ok(a), Ok(w)) => a < w,
                    _ => false,
                }
            }
        }
    }
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<LabelRequirement>,
}

impl LabelSelector {
    /// Parses the selector syntax; the error is upstream's text.
    pub fn parse(selector: &str) -> Result<Self, String> {
        let mut parser = Parser {
            items: lex(selector),
            position: 0,
        };
        let mut requirements = parser.parse()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(LabelSelector { requirements })
    }

    /// The clauses, sorted by key.
    pub fn requirements(&self) -> &[LabelRequirement] {
        &self.requirements
    }

    /// Whether the selector has no clauses.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` satisfy every clause.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Error(String),
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier(String),
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

impl Token {
    /// The literal Go's parser prints in "found '...'" messages.
    fn literal(&self) -> &str {
        match self {
            Token::Error(s) | Token::Identifier(s) => s,
            Token::EndOfString => "",
            Token::ClosedPar => ")",
            Token::Comma => ",",
            Token::DoesNotExist => "!",
            Token::DoubleEquals => "==",
            Token::Equals => "=",
            Token::GreaterThan => ">",
            Token::In => "in",
            Token::LessThan => "<",
            Token::NotEquals => "!=",
            Token::NotIn => "notin",
            Token::OpenPar => "(",
        }
    }

    /// In a values context the keywords `in`/`notin` are plain identifiers.
    fn in_values(self) -> Token {
        match self {
            Token::In | Token::NotIn => Token::Identifier(self.literal().to_string()),
            other => other,
        }
    }
}

fn symbol_token(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Tokenises the whole input up to and including `EndOfString`.
fn lex(s: &str) -> Vec<Token> {
    let bytes = s.as_bytes();
    let mut pos = 0;
    let mut items = Vec::new();
    loop {
        while pos < bytes.len() && is_whitespace(bytes[pos]) {
            pos += 1;
        }
        let token = if pos >= bytes.len() {
            Token::EndOfString
        } else if is_special(bytes[pos]) {
            let mut buffer: Vec<u8> = Vec::new();
            let mut last: Option<Token> = None;
            while pos < bytes.len() && is_special(bytes[pos]) {
                buffer.push(bytes[pos]);
                if let Some(t) = symbol_token(&buffer) {
                    last = Some(t);
                    pos += 1;
                } else if last.is_some() {
                    break;
                } else {
                    pos += 1;
                }
            }
            last.unwrap_or_else(|| {
                Token::Error(format!(
                    "error expected: keyword found '{}'",
                    String::from_utf8_lossy(&buffer)
                ))
            })
        } else {
            let start = pos;
            while pos < bytes.len() && !is_special(bytes[pos]) && !is_whitespace(bytes[pos]) {
                pos += 1;
            }
            // Splitting only at ASCII bytes keeps `start..pos` on character boundaries.
            match &s[start..pos] {
                "in" => Token::In,
                "notin" => Token::NotIn,
                id => Token::Identifier(id.to_string()),
            }
        };
        let end = token == Token::EndOfString;
        items.push(token);
        if end {
            return items;
        }
    }
}

struct Parser {
    items: Vec<Token>,
    position: usize,
}

impl Parser {
    fn lookahead(&self) -> Token {
        self.items
            .get(self.position)
            .cloned()
            .unwrap_or(Token::EndOfString)
            .in_values()
    }

    fn consume(&mut self, values_context: bool) -> Token {
        let t = self
            .items
            .get(self.position)
            .cloned()
            .unwrap_or(Token::EndOfString);
        self.position += 1;
        if values_context { t.in_values() } else { t }
    }

    fn parse(&mut self) -> Result<Vec<LabelRequirement>, String> {
        let mut requirements = Vec::new();
        loop {
            match self.lookahead() {
                Token::Identifier(_) | Token::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| format!("unable to parse requirement: {e}"))?;
                    requirements.push(r);
                    match self.consume(true) {
                        Token::EndOfString => return Ok(requirements),
                        Token::Comma => {
                            let next = self.lookahead();
                            if !matches!(next, Token::Identifier(_) | Token::DoesNotExist) {
                                return Err(format!(
                                    "found '{}', expected: identifier after ','",
                                    next.literal()
                                ));
                            }
                        }
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                other.literal()
                            ));
                        }
                    }
                }
                Token::EndOfString => return Ok(requirements),
                other => {
                    return Err(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        other.literal()
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<LabelRequirement, String> {
        let (key, inferred) = self.parse_key_and_infer_operator()?;
        if let Some(op) = inferred {
            return new_requirement(key, op, Vec::new());
        }
        let op = self.parse_operator()?;
        let values = match op {
            LabelOperator::In | LabelOperator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(key, op, values.into_iter().collect())
    }

    /// Reads `[!]key`; infers Exists/DoesNotExist when no operator follows.
    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<LabelOperator>), String> {
        let mut token = self.consume(true);
        let negated = token == Token::DoesNotExist;
        if negated {
            token = self.consume(true);
        }
        let Token::Identifier(key) = token else {
            return Err(format!("found '{}', expected: identifier", token.literal()));
        };
        let msgs = is_qualified_name(&key);
        if !msgs.is_empty() {
            // Upstream validates against a nil field path, which prints as `<nil>`.
            return Err(
                FieldError::invalid("<nil>", BadValue::Str(key), msgs.join("; ")).to_string(),
            );
        }
        let next = self.lookahead();
        let at_end = matches!(next, Token::EndOfString | Token::Comma);
        let op = match (negated, at_end) {
            (true, _) => Some(LabelOperator::DoesNotExist),
            (false, true) => Some(LabelOperator::Exists),
            (false, false) => None,
        };
        Ok((key, op))
    }

    fn parse_operator(&mut self) -> Result<LabelOperator, String> {
        Ok(match self.consume(false) {
            Token::In => LabelOperator::In,
            Token::Equals => LabelOperator::Equals,
            Token::DoubleEquals => LabelOperator::DoubleEquals,
            Token::GreaterThan => LabelOperator::GreaterThan,
            Token::LessThan => LabelOperator::LessThan,
            Token::NotIn => LabelOperator::NotIn,
            Token::NotEquals => LabelOperator::NotEquals,
            other => {
                return Err(format!(
                    "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                    other.literal()
                ));
            }
        })
    }

    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let open = self.consume(true);
        if open != Token::OpenPar {
            return Err(format!("found '{}' expected: '('", open.literal()));
        }
        let next = self.lookahead();
        match next {
            Token::Identifier(_) | Token::Comma => {
                let set = self.parse_identifiers_list()?;
                if self.consume(true) != Token::ClosedPar {
                    return Err(format!("found '{}', expected: ')'", next.literal()));
                }
                Ok(set)
            }
            Token::ClosedPar => {
                self.consume(true);
                Ok(BTreeSet::from([String::new()]))
            }
            other => Err(format!(
                "found '{}', expected: ',', ')' or identifier",
                other.literal()
            )),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut set = BTreeSet::new();
        loop {
            match self.consume(true) {
                Token::Identifier(id) => {
                    set.insert(id);
                    match self.lookahead() {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(set),
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or ')'",
                                other.literal()
                            ));
                        }
                    }
                }
                Token::Comma => {
                    // "(," and ",," and ",)" all contribute the empty value.
                    if set.is_empty() {
                        set.insert(String::new());
                    }
                    match self.lookahead() {
                        Token::ClosedPar => {
                            set.insert(String::new());
                            return Ok(set);
                        }
                        Token::Comma => {
                            self.consume(true);
                            set.insert(String::new());
                        }
                        _ => {}
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: ',', or identifier",
                        other.literal()
                    ));
                }
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        if matches!(self.lookahead(), Token::EndOfString | Token::Comma) {
            return Ok(BTreeSet::from([String::new()]));
        }
        match self.consume(true) {
            Token::Identifier(id) => Ok(BTreeSet::from([id])),
            other => Err(format!("found '{}', expected: identifier", other.literal())),
        }
    }
}

/// Go's `NewRequirement` checks on values (the key was checked while parsing).
fn new_requirement(
    key: String,
    operator: LabelOperator,
    values: Vec<String>,
) -> Result<LabelRequirement, String> {
    let mut errs = Vec::new();
    if matches!(
        operator,
        LabelOperator::GreaterThan | LabelOperator::LessThan
    ) {
        for (i, v) in values.iter().enumerate() {
            if v.parse::<i64>().is_err() {
                errs.push(FieldError::invalid(
                    format!("values[{i}]"),
                    BadValue::Str(v.clone()),
                    "for 'Gt', 'Lt' operators, the value must be an integer",
                ));
            }
        }
    }
    for (i, v) in values.iter().enumerate() {
        let msgs = is_label_value(v);
        if !msgs.is_empty() {
            errs.push(FieldError::invalid(
                format!("values[{i}][{key}]"),
                BadValue::Str(v.clone()),
                msgs.join("; "),
            ));
        }
    }
    if errs.is_empty() {
        Ok(LabelRequirement {
            key,
            operator,
            values,
        })
    } else {
        Err(aggregate(&errs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn matches(selector: &str, pairs: &[(&str, &str)]) -> bool {
        LabelSelector::parse(selector)
            .expect("valid selector")
            .matches(&labels(pairs))
    }

    #[test]
    fn equality_and_sets() {
        assert!(matches("", &[]));
        assert!(matches("app=web", &[("app", "web")]));
        assert!(matches("app==web", &[("app", "web")]));
        assert!(!matches("app=web", &[("app", "db")]));
        assert!(!matches("app=web", &[]));
        assert!(matches("app!=web", &[]));
        assert!(matches("app!=web", &[("app", "db")]));
        assert!(!matches("app!=web", &[("app", "web")]));
        assert!(matches("env in (prod, staging)", &[("env", "staging")]));
        assert!(!matches("env in (prod)", &[]));
        assert!(matches("env notin (prod)", &[]));
        assert!(!matches("env notin (prod,dev)", &[("env", "dev")]));
        assert!(matches("app", &[("app", "")]));
        assert!(!matches("app", &[]));
        assert!(matches("!app", &[]));
        assert!(!matches("!app", &[("app", "x")]));
        assert!(matches("app=web,tier", &[("app", "web"), ("tier", "1")]));
        assert!(!matches("app=web,tier", &[("app", "web")]));
        assert!(matches("n>5,n<10", &[("n", "7")]));
        assert!(!matches("n>5", &[("n", "x")]));
        assert!(matches("app=", &[("app", "")]));
        assert!(matches("x in (in,notin)", &[("x", "notin")]));
        assert!(matches("x in (,a)", &[("x", "")]));
        assert!(matches("x in ()", &[("x", "")]));
    }

    #[test]
    fn requirements_are_sorted_and_deduplicated() {
        let s = LabelSelector::parse("z=1,a in (c,b,c)").expect("valid");
        assert_eq!(s.requirements()[0].key, "a");
        assert_eq!(s.requirements()[0].values, vec!["b", "c"]);
        assert_eq!(s.requirements()[1].operator, LabelOperator::Equals);
    }

    #[test]
    fn parse_errors_match_upstream() {
        let cases = [
            ("x=a,", "found '', expected: identifier after ','"),
            ("x=a b", "found 'b', expected: ',' or 'end of string'"),
            (
                "=a",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            (
                ",",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            (
                "x in a",
                "unable to parse requirement: found 'a' expected: '('",
            ),
            (
                "x in (a b)",
                "unable to parse requirement: found 'b', expected: ',' or ')'",
            ),
            (
                "x in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "x a",
                "unable to parse requirement: found 'a', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "!=",
                "found '!=', expected: !, identifier, or 'end of string'",
            ),
            (
                "!!x",
                "unable to parse requirement: found '!', expected: identifier",
            ),
            (
                "x=(",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "x>a",
                "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
            (
                "x=-bad",
                "unable to parse requirement: values[0][x]: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            ),
            (
                "Inv@lid=x",
                "unable to parse requirement: <nil>: Invalid value: \"Inv@lid\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            ),
        ];
        for (selector, want) in cases {
            assert_eq!(
                LabelSelector::parse(selector),
                Err(want.to_string()),
                "{selector}"
            );
        }
    }

    #[test]
    fn lexer_errors_on_unknown_symbol_runs() {
        assert_eq!(lex("x=!y")[1], Token::Equals, "'=!' lexes as '=' then '!'");
        assert_eq!(lex("x==y")[1], Token::DoubleEquals);
        assert_eq!(lex("x!=y")[1], Token::NotEquals);
    }
}
