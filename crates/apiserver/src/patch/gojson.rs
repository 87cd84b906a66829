//! Go's `encoding/json` as far as patch errors show it: the syntax checker's messages
//! (`invalid character 'x' looking for beginning of value`, `unexpected end of JSON input`), the
//! names of JSON types in `cannot unmarshal` errors, `json.Marshal` output and `fmt`'s `%v` of
//! decoded values. Upstream puts these texts into `Status` messages, so we reproduce them instead
//! of passing serde_json's wording through.

use serde_json::{Map, Value};
use signet_api::goformat::{go_json_string, go_quote};

/// Go's scanner refuses documents nested deeper than this.
const GO_MAX_NESTING: usize = 10_000;

/// What the scanner expects inside the innermost open container.
#[derive(Clone, Copy)]
enum Nest {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside a literal: the literal's text and the index of the next expected byte.
    Literal(&'static [u8], usize),
}

/// An iterative port of Go's `encoding/json` scanner, so arbitrarily deep input cannot exhaust
/// the stack and every syntax error reads as Go's does.
struct Scanner {
    state: State,
    nest: Vec<Nest>,
    end_top: bool,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Go's `quoteChar`: the offending byte in single quotes.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            // Go converts the byte to the rune of the same value before quoting it.
            let quoted = go_quote(&char::from(c).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

fn syntax_error(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            state: State::BeginValue,
            nest: Vec::new(),
            end_top: false,
        }
    }

    fn push(&mut self, n: Nest, next: State) -> Result<(), String> {
        self.nest.push(n);
        if self.nest.len() > GO_MAX_NESTING {
            return Err("exceeded max depth".to_string());
        }
        self.state = next;
        Ok(())
    }

    fn pop(&mut self) {
        self.nest.pop();
        if self.nest.is_empty() {
            self.state = State::EndTop;
            self.end_top = true;
        } else {
            self.state = State::EndValue;
        }
    }

    fn step(&mut self, c: u8) -> Result<(), String> {
        match self.state {
            State::BeginValueOrEmpty => {
                if is_space(c) {
                    return Ok(());
                }
                if c == b']' {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            State::BeginValue => self.begin_value(c),
            State::BeginStringOrEmpty => {
                if is_space(c) {
                    return Ok(());
                }
                if c == b'}' {
                    if let Some(top) = self.nest.last_mut() {
                        *top = Nest::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            State::BeginString => self.begin_string(c),
            State::EndValue => self.end_value(c),
            State::EndTop => {
                if is_space(c) {
                    Ok(())
                } else {
                    Err(syntax_error(c, "after top-level value"))
                }
            }
            State::InString => {
                match c {
                    b'"' => self.state = State::EndValue,
                    b'\\' => self.state = State::InStringEsc,
                    c if c < 0x20 => return Err(syntax_error(c, "in string literal")),
                    _ => {}
                }
                Ok(())
            }
            State::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = State::InString;
                    Ok(())
                }
                b'u' => {
                    self.state = State::InStringEscU(0);
                    Ok(())
                }
                _ => Err(syntax_error(c, "in string escape code")),
            },
            State::InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err(syntax_error(c, "in \\u hexadecimal character escape"));
                }
                self.state = if n == 3 {
                    State::InString
                } else {
                    State::InStringEscU(n + 1)
                };
                Ok(())
            }
            State::Neg => match c {
                b'0' => {
                    self.state = State::Zero;
                    Ok(())
                }
                b'1'..=b'9' => {
                    self.state = State::One;
                    Ok(())
                }
                _ => Err(syntax_error(c, "in numeric literal")),
            },
            State::One if c.is_ascii_digit() => Ok(()),
            State::One | State::Zero => match c {
                b'.' => {
                    self.state = State::Dot;
                    Ok(())
                }
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::Dot => {
                if c.is_ascii_digit() {
                    self.state = State::Dot0;
                    Ok(())
                } else {
                    Err(syntax_error(c, "after decimal point in numeric literal"))
                }
            }
            State::Dot0 => match c {
                c if c.is_ascii_digit() => Ok(()),
                b'e' | b'E' => {
                    self.state = State::E;
                    Ok(())
                }
                _ => self.end_value(c),
            },
            State::E if c == b'+' || c == b'-' => {
                self.state = State::ESign;
                Ok(())
            }
            State::E | State::ESign => {
                if c.is_ascii_digit() {
                    self.state = State::E0;
                    Ok(())
                } else {
                    Err(syntax_error(c, "in exponent of numeric literal"))
                }
            }
            State::E0 => {
                if c.is_ascii_digit() {
                    Ok(())
                } else {
                    self.end_value(c)
                }
            }
            State::Literal(text, i) => {
                if c != text[i] {
                    let name = String::from_utf8_lossy(text);
                    let expected = char::from(text[i]);
                    return Err(syntax_error(
                        c,
                        &format!("in literal {name} (expecting '{expected}')"),
                    ));
                }
                self.state = if i + 1 == text.len() {
                    State::EndValue
                } else {
                    State::Literal(text, i + 1)
                };
                Ok(())
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Result<(), String> {
        if is_space(c) {
            self.state = State::BeginValue;
            return Ok(());
        }
        match c {
            b'{' => self.push(Nest::ObjectKey, State::BeginStringOrEmpty),
            b'[' => self.push(Nest::ArrayValue, State::BeginValueOrEmpty),
            b'"' => {
                self.state = State::InString;
                Ok(())
            }
            b'-' => {
                self.state = State::Neg;
                Ok(())
            }
            b'0' => {
                self.state = State::Zero;
                Ok(())
            }
            b'1'..=b'9' => {
                self.state = State::One;
                Ok(())
            }
            b't' => {
                self.state = State::Literal(b"true", 1);
                Ok(())
            }
            b'f' => {
                self.state = State::Literal(b"false", 1);
                Ok(())
            }
            b'n' => {
                self.state = State::Literal(b"null", 1);
                Ok(())
            }
            _ => Err(syntax_error(c, "looking for beginning of value")),
        }
    }

    fn begin_string(&mut self, c: u8) -> Result<(), String> {
        if is_space(c) {
            self.state = State::BeginString;
            return Ok(());
        }
        if c == b'"' {
            self.state = State::InString;
            return Ok(());
        }
        Err(syntax_error(
            c,
            "looking for beginning of object key string",
        ))
    }

    fn end_value(&mut self, c: u8) -> Result<(), String> {
        let Some(top) = self.nest.last().copied() else {
            self.state = State::EndTop;
            self.end_top = true;
            return self.step(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Ok(());
        }
        match (top, c) {
            (Nest::ObjectKey, b':') => {
                if let Some(t) = self.nest.last_mut() {
                    *t = Nest::ObjectValue;
                }
                self.state = State::BeginValue;
                Ok(())
            }
            (Nest::ObjectKey, _) => Err(syntax_error(c, "after object key")),
            (Nest::ObjectValue, b',') => {
                if let Some(t) = self.nest.last_mut() {
                    *t = Nest::ObjectKey;
                }
                self.state = State::BeginString;
                Ok(())
            }
            (Nest::ObjectValue, b'}') | (Nest::ArrayValue, b']') => {
                self.pop();
                Ok(())
            }
            (Nest::ObjectValue, _) => Err(syntax_error(c, "after object key:value pair")),
            (Nest::ArrayValue, b',') => {
                self.state = State::BeginValue;
                Ok(())
            }
            (Nest::ArrayValue, _) => Err(syntax_error(c, "after array element")),
        }
    }

    /// Go's `scanner.eof`: a pending number ends on a virtual space; anything else open is an
    /// unexpected end.
    fn eof(&mut self) -> Result<(), String> {
        if self.end_top {
            return Ok(());
        }
        self.step(b' ')?;
        if self.end_top {
            Ok(())
        } else {
            Err("unexpected end of JSON input".to_string())
        }
    }
}

/// Go's `checkValid`: `Ok` when `data` is one well-formed JSON value, else Go's error text.
pub fn check_valid(data: &[u8]) -> Result<(), String> {
    let mut s = Scanner::new();
    for &c in data {
        s.step(c)?;
    }
    s.eof()
}

/// Parses a JSON document, reporting syntax errors in Go's words. Invalid UTF-8 inside strings is
/// replaced by U+FFFD, as Go's decoder does.
pub fn parse(data: &[u8]) -> Result<Value, String> {
    check_valid(data)?;
    let text = String::from_utf8_lossy(data);
    serde_json::from_str(&text).map_err(|e| {
        // Only limits Go does not have get here: nesting beyond serde_json's 128 levels, or
        // numbers beyond float64.
        format!("json: {e}")
    })
}

/// The JSON type name Go's `UnmarshalTypeError` uses.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// `json: cannot unmarshal <type> into Go value of type <go_type>`.
pub fn unmarshal_type_error(v: &Value, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go value of type {go_type}",
        type_name(v)
    )
}

/// The Go type a decoded value has (`map[string]interface {}`, `int64`, ...), as `%T` and
/// `reflect.TypeOf` print it. Integers are `int64` because the apiserver decodes patches with
/// `UnmarshalCaseSensitivePreserveInts`.
pub fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "map[string]interface {}",
        Value::Array(_) => "[]interface {}",
        Value::String(_) => "string",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "float64",
        Value::Bool(_) => "bool",
        Value::Null => "<nil>",
    }
}

/// `fmt`'s `%v` of a decoded JSON value: `map[k:v ...]` with sorted keys, `[a b]`, bare strings.
pub fn go_value(v: &Value) -> String {
    match v {
        Value::Object(m) => go_map(m),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(go_value).collect();
            format!("[{}]", items.join(" "))
        }
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => go_float_v(f),
            (None, None) => n.to_string(),
        },
        Value::Bool(b) => b.to_string(),
        Value::Null => "<nil>".to_string(),
    }
}

/// `%v` of a `map[string]interface{}`.
pub fn go_map(m: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    let items: Vec<String> = keys
        .iter()
        .map(|k| format!("{k}:{}", go_value(m.get(*k).unwrap_or(&Value::Null))))
        .collect();
    format!("map[{}]", items.join(" "))
}

/// `%s` of an interface value: strings bare, other scalars in Go's `%!s(type=value)` form.
pub fn go_s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) | Value::Array(_) => go_value(v),
        Value::Null => "%!s(<nil>)".to_string(),
        other => format!("%!s({}={})", go_type(other), go_value(other)),
    }
}

/// Splits Rust's `{:e}` rendering (`1.5e-7`) into mantissa and exponent.
fn sci_parts(f: f64) -> (String, i32) {
    let s = format!("{f:e}");
    match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse().unwrap_or(0)),
        None => (s, 0),
    }
}

/// `%v` of a float64: shortest digits, `%e` form when the exponent is below -4 or at least 21.
fn go_float_v(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f.is_infinite() {
            go_inf(f)
        } else {
            "0".into()
        };
    }
    let (mantissa, exp) = sci_parts(f);
    if (-4..21).contains(&exp) {
        format!("{f}")
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

fn go_inf(f: f64) -> String {
    if f > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

/// `json.Marshal` of a float64: plain decimal between 1e-6 and 1e21, else `%e` with the exponent's
/// leading zero dropped.
fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (mantissa, exp) = sci_parts(f);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// `json.Marshal` of a decoded value: compact, keys sorted, HTML-safe string escaping.
pub fn marshal(v: &Value) -> String {
    let mut out = String::new();
    write_marshal(v, &mut out);
    out
}

fn write_marshal(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&go_json_string(k));
                out.push(':');
                write_marshal(m.get(*k).unwrap_or(&Value::Null), out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_marshal(item, out);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(&go_json_string(s)),
        Value::Number(n) => match (n.is_f64(), n.as_f64()) {
            (true, Some(f)) => out.push_str(&go_json_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

/// Go's `strconv.Atoi`, with its error texts.
pub fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn syntax_errors_read_like_go() {
        let cases: &[(&str, &str)] = &[
            ("", "unexpected end of JSON input"),
            ("{", "unexpected end of JSON input"),
            ("{\"a\":1", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            (
                "{]",
                "invalid character ']' looking for beginning of object key string",
            ),
            ("{\"a\" 1}", "invalid character '1' after object key"),
            (
                "{\"a\":1 \"b\":2}",
                "invalid character '\"' after object key:value pair",
            ),
            ("[1 2]", "invalid character '2' after array element"),
            ("{} x", "invalid character 'x' after top-level value"),
            ("\"a\nb\"", "invalid character '\\n' in string literal"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            (
                "\"\\u12g4\"",
                "invalid character 'g' in \\u hexadecimal character escape",
            ),
            ("-x", "invalid character 'x' in numeric literal"),
            (
                "1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            (
                "1.x",
                "invalid character 'x' after decimal point in numeric literal",
            ),
            (
                "1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            (
                "tru",
                "invalid character ' ' in literal true (expecting 'e')",
            ),
            (
                "fals3",
                "invalid character '3' in literal false (expecting 'e')",
            ),
            (
                "nil",
                "invalid character 'i' in literal null (expecting 'u')",
            ),
            (
                "'a'",
                "invalid character '\\'' looking for beginning of value",
            ),
            (
                "\u{1}",
                "invalid character '\\x01' looking for beginning of value",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                check_valid(input.as_bytes()).err().as_deref(),
                Some(*want),
                "{input:?}"
            );
        }
        for ok in [
            "{}",
            "[]",
            " [1, -2.5e+3, true, false, null, \"\\u00e9\"] ",
            "0",
            "{\"a\":{\"b\":[]}}",
        ] {
            assert_eq!(check_valid(ok.as_bytes()), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let deep = "[".repeat(200_000);
        assert_eq!(
            check_valid(deep.as_bytes()).err().as_deref(),
            Some("exceeded max depth")
        );
        let nested = format!("{}{}", "[".repeat(500), "]".repeat(500));
        assert_eq!(check_valid(nested.as_bytes()), Ok(()));
        // serde_json's own limit turns the rest into an error, not a crash.
        assert!(parse(nested.as_bytes()).is_err());
    }

    #[test]
    fn go_renderings() {
        let v = json!({"b": [1, "x", true, null], "a": {"c": 1.5}, "d": 1e21, "e": 0.00001});
        assert_eq!(
            go_value(&v),
            "map[a:map[c:1.5] b:[1 x true <nil>] d:1e+21 e:1e-05]"
        );
        assert_eq!(
            marshal(&json!({"z": "<&>", "a": [1.5, 1e21, 1e-7]})),
            r#"{"a":[1.5,1e+21,1e-7],"z":"\u003c\u0026\u003e"}"#
        );
        assert_eq!(go_s(&json!("merge")), "merge");
        assert_eq!(go_s(&json!(1)), "%!s(int64=1)");
        assert_eq!(go_type(&json!(1)), "int64");
        assert_eq!(go_type(&json!(1.5)), "float64");
        assert_eq!(
            unmarshal_type_error(&json!([]), "map[string]interface {}"),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn atoi_matches_strconv() {
        assert_eq!(atoi("12"), Ok(12));
        assert_eq!(atoi("-3"), Ok(-3));
        assert_eq!(atoi("+4"), Ok(4));
        assert_eq!(
            atoi("x").err().as_deref(),
            Some("strconv.Atoi: parsing \"x\": invalid syntax")
        );
        assert_eq!(
            atoi("").err().as_deref(),
            Some("strconv.Atoi: parsing \"\": invalid syntax")
        );
        assert_eq!(
            atoi("99999999999999999999").err().as_deref(),
            Some("strconv.Atoi: parsing \"99999999999999999999\": value out of range")
        );
    }
}
