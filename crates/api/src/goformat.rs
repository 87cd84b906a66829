//! Go's text renderings that leak into Kubernetes error messages.
//!
//! apimachinery formats bad values with `%q` (Go's `strconv.Quote`) and with
//! `encoding/json`; clients compare these messages byte for byte, so we reproduce both
//! encoders here rather than relying on Rust's `{:?}` or `serde_json`, which escape
//! differently (Rust's debug quoting uses `\u{..}`, serde_json does not escape `<`/`>`/`&`).

use std::fmt::Write as _;

/// Quotes `s` exactly as Go's `strconv.Quote` (the `%q` verb) does.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_go_printable(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Encodes `s` as a JSON string exactly as Go's `encoding/json` does (HTML-safe escaping).
pub fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Encodes a list of strings as Go's `encoding/json` encodes a `[]string`.
pub fn go_json_string_list(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| go_json_string(s)).collect();
    format!("[{}]", parts.join(","))
}

/// Approximates Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and
/// the ASCII space are printable; controls, other spaces, format characters, private-use
/// and non-characters are not.
pub fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format_or_private = matches!(u,
        0x00AD
        | 0x0600..=0x0605
        | 0x061C
        | 0x06DD
        | 0x070F
        | 0x180E
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x2064
        | 0x2066..=0x206F
        | 0xFEFF
        | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF
        | 0xF0000..=0x10FFFF
        | 0xE0001
        | 0xE0020..=0xE007F
    );
    let non_character = (u & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&u);
    !format_or_private && !non_character
}

/// Renders a rune as Go's `%#U` verb does: `U+0041 'A'`, or just `U+0007` when unprintable.
pub fn go_unicode_verb(c: char) -> String {
    if is_go_printable(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go_strconv_quote() {
        assert_eq!(go_quote("abc"), "\"abc\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("tab\there\n"), "\"tab\\there\\n\"");
        assert_eq!(go_quote("\u{1}\u{7f}"), "\"\\x01\\x7f\"");
        assert_eq!(go_quote("\u{7}\u{8}\u{b}\u{c}\r"), "\"\\a\\b\\v\\f\\r\"");
        assert_eq!(go_quote("\u{a0}"), "\"\\u00a0\"");
        assert_eq!(go_quote("\u{feff}"), "\"\\ufeff\"");
        assert_eq!(go_quote("\u{f0000}"), "\"\\U000f0000\"");
        // Printable non-ASCII is kept as is.
        assert_eq!(go_quote("Tama-nui-te-rā"), "\"Tama-nui-te-rā\"");
        assert_eq!(go_quote("<a&b>"), "\"<a&b>\"");
    }

    #[test]
    fn json_matches_go_encoding_json() {
        assert_eq!(go_json_string("client auth"), "\"client auth\"");
        assert_eq!(go_json_string("<a&b>"), "\"\\u003ca\\u0026b\\u003e\"");
        assert_eq!(go_json_string("q\"\\"), "\"q\\\"\\\\\"");
        assert_eq!(
            go_json_string("\n\r\t\u{8}\u{c}\u{1}"),
            "\"\\n\\r\\t\\b\\f\\u0001\""
        );
        assert_eq!(go_json_string("\u{2028}"), "\"\\u2028\"");
        assert_eq!(go_json_string("rā"), "\"rā\"");
        assert_eq!(
            go_json_string_list(&["a".to_string(), "b".to_string()]),
            "[\"a\",\"b\"]"
        );
        assert_eq!(go_json_string_list(&[]), "[]");
    }

    #[test]
    fn unicode_verb_matches_go() {
        assert_eq!(go_unicode_verb('A'), "U+0041 'A'");
        assert_eq!(go_unicode_verb('\u{7}'), "U+0007");
    }
}
