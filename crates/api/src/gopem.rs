//! A PEM decoder that behaves like Go's `encoding/pem.Decode`.
//!
//! Which bytes count as a PEM block decides which error a CSR or certificate gets (a corrupt
//! base64 body, for instance, makes Go skip the block as if it were explanatory text), so the
//! scanning rules are reproduced exactly instead of using a general-purpose PEM crate.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// One decoded PEM block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The label after `BEGIN `, e.g. `CERTIFICATE REQUEST`.
    pub label: String,
    /// RFC 1421 headers (`Key: Value` lines before the body), in order of appearance.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub bytes: Vec<u8>,
}

const PEM_START: &[u8] = b"\n-----BEGIN ";
const PEM_END: &[u8] = b"\n-----END ";
const PEM_END_OF_LINE: &[u8] = b"-----";

/// Go's `base64.StdEncoding`: padding required, non-zero trailing bits tolerated.
const GO_STD_ENCODING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Finds the next PEM block in `data`; returns it and the bytes after it, or `None` when no
/// well-formed block remains (Go returns `nil, data`).
pub fn decode(data: &[u8]) -> Option<(Block, &[u8])> {
    let mut rest = data;
    loop {
        if let Some(after) = rest.strip_prefix(&PEM_START[1..]) {
            rest = after;
        } else if let Some(pos) = find(rest, PEM_START) {
            rest = &rest[pos + PEM_START.len()..];
        } else {
            return None;
        }

        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(label) = type_line.strip_suffix(PEM_END_OF_LINE) else {
            continue;
        };

        let mut headers: Vec<(String, String)> = Vec::new();
        let mut truncated = false;
        loop {
            if rest.is_empty() {
                truncated = true;
                break;
            }
            let (line, next) = get_line(rest);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                break;
            };
            let key = String::from_utf8_lossy(trim_space(&line[..colon])).into_owned();
            let val = String::from_utf8_lossy(trim_space(&line[colon + 1..])).into_owned();
            // Go stores headers in a map: a repeated key keeps its last value.
            if let Some(existing) = headers.iter_mut().find(|(k, _)| *k == key) {
                existing.1 = val;
            } else {
                headers.push((key, val));
            }
            rest = next;
        }
        if truncated {
            return None;
        }

        let (end_index, end_trailer_index) =
            if headers.is_empty() && rest.starts_with(&PEM_END[1..]) {
                (0, PEM_END.len() - 1)
            } else {
                match find(rest, PEM_END) {
                    Some(i) => (i, i + PEM_END.len()),
                    None => continue,
                }
            };

        let end_trailer = &rest[end_trailer_index..];
        let end_trailer_len = label.len() + PEM_END_OF_LINE.len();
        if end_trailer.len() < end_trailer_len {
            continue;
        }
        let (end_line, rest_of_end_line) = end_trailer.split_at(end_trailer_len);
        if !end_line.starts_with(label) || !end_line.ends_with(PEM_END_OF_LINE) {
            continue;
        }
        // The END line may only be followed by whitespace.
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }

        let body: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        let Ok(bytes) = GO_STD_ENCODING.decode(&body) else {
            continue;
        };

        // `- 1` because a block with an empty body matched PEM_END without its newline.
        let (_, after) = get_line(&rest[end_index + PEM_END.len() - 1..]);
        let block = Block {
            label: String::from_utf8_lossy(label).into_owned(),
            headers,
            bytes,
        };
        return Some((block, after));
    }
}

/// Go's `getLine`: the first `\n` or `\r\n` terminated line without trailing spaces and
/// tabs, and what follows it.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut end, next) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (i, i + 1),
        None => (data.len(), data.len()),
    };
    if next != end && end > 0 && data[end - 1] == b'\r' {
        end -= 1;
    }
    let mut line = &data[..end];
    while let [head @ .., b' ' | b'\t'] = line {
        line = head;
    }
    (line, &data[next..])
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && first.is_ascii_whitespace()
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && last.is_ascii_whitespace()
    {
        s = rest;
    }
    s
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_first_block_and_returns_rest() {
        let data = b"junk before\n-----BEGIN TEST-----\nAQID\n-----END TEST-----\ntrailing";
        let (block, rest) = decode(data).expect("block");
        assert_eq!(block.label, "TEST");
        assert_eq!(block.bytes, vec![1, 2, 3]);
        assert!(block.headers.is_empty());
        assert_eq!(rest, b"trailing");
    }

    #[test]
    fn begin_must_start_a_line() {
        assert!(decode(b"x-----BEGIN TEST-----\nAQID\n-----END TEST-----\n").is_none());
    }

    #[test]
    fn empty_body_and_crlf() {
        let (block, rest) = decode(b"-----BEGIN E-----\r\n-----END E-----\r\nnext").expect("block");
        assert_eq!(block.label, "E");
        assert!(block.bytes.is_empty());
        assert_eq!(rest, b"next");
    }

    #[test]
    fn headers_are_collected() {
        let data = b"-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END X-----\n";
        let (block, _) = decode(data).expect("block");
        assert_eq!(
            block.headers,
            vec![("Proc-Type".to_string(), "4,ENCRYPTED".to_string())]
        );
        assert_eq!(block.bytes, vec![1, 2, 3]);
    }

    #[test]
    fn corrupt_base64_skips_the_block() {
        let data =
            b"-----BEGIN A-----\n!!!!\n-----END A-----\n-----BEGIN B-----\nAQID\n-----END B-----\n";
        let (block, _) = decode(data).expect("second block");
        assert_eq!(block.label, "B");
        assert!(decode(b"-----BEGIN A-----\nAQI\n-----END A-----\n").is_none());
    }

    #[test]
    fn mismatched_end_label_is_not_a_block() {
        assert!(decode(b"-----BEGIN A-----\nAQID\n-----END B-----\n").is_none());
        assert!(decode(b"-----BEGIN A-----\nAQID\n-----END A----- x\n").is_none());
        assert!(decode(b"-----BEGIN A\nAQID\n-----END A-----\n").is_none());
    }

    #[test]
    fn no_block_in_plain_text() {
        assert!(decode(b"invalid data").is_none());
        assert!(decode(b"").is_none());
    }
}
