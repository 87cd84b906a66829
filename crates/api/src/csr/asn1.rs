//! The outermost DER header check of Go's `encoding/asn1`, for its exact error texts.
//!
//! Go unmarshals a CSR with `encoding/asn1`; garbage inside a `CERTIFICATE REQUEST` block
//! fails at the very first tag, and that message is what clients see. We reproduce that
//! first step (tag, length, truncation, trailing data) byte for byte; failures deeper in the
//! structure are reported by the Rust parser with an `asn1: structure error:` prefix.

/// The parameters Go prints with `%+v` for a plain (untagged, non-optional) field.
const GO_FIELD_PARAMS: &str = "{optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false}";

struct TagAndLength {
    class: u8,
    tag: u64,
    length: usize,
    is_compound: bool,
}

/// Checks that `der` is exactly one DER SEQUENCE, as `asn1.Unmarshal(der, &certificateRequest{})`
/// would before looking inside it; returns Go's error text otherwise.
pub fn check_outer_sequence(der: &[u8], type_name: &str) -> Result<(), String> {
    if der.is_empty() {
        return Err("asn1: syntax error: sequence truncated".to_string());
    }
    let (t, offset) = parse_tag_and_length(der)?;
    if t.class != 0 || t.tag != 16 || !t.is_compound {
        return Err(format!(
            "asn1: structure error: tags don't match (16 vs {{class:{} tag:{} length:{} isCompound:{}}}) {GO_FIELD_PARAMS} {type_name} @{offset}",
            t.class, t.tag, t.length, t.is_compound
        ));
    }
    match offset.checked_add(t.length) {
        Some(end) if end <= der.len() => {
            if end < der.len() {
                Err("asn1: syntax error: trailing data".to_string())
            } else {
                Ok(())
            }
        }
        _ => Err("asn1: syntax error: data truncated".to_string()),
    }
}

fn parse_tag_and_length(bytes: &[u8]) -> Result<(TagAndLength, usize), String> {
    let mut offset = 0usize;
    let b = bytes[offset];
    offset += 1;
    let class = b >> 6;
    let is_compound = b & 0x20 == 0x20;
    let mut tag = u64::from(b & 0x1f);
    if tag == 0x1f {
        let (t, next) = parse_base128(bytes, offset)?;
        tag = t;
        offset = next;
        if tag < 0x1f {
            return Err("asn1: syntax error: non-minimal tag".to_string());
        }
    }
    let Some(&b) = bytes.get(offset) else {
        return Err("asn1: syntax error: truncated tag or length".to_string());
    };
    offset += 1;
    let length = if b & 0x80 == 0 {
        usize::from(b & 0x7f)
    } else {
        let num_bytes = usize::from(b & 0x7f);
        if num_bytes == 0 {
            return Err("asn1: syntax error: indefinite length found (not DER)".to_string());
        }
        let mut length = 0usize;
        for _ in 0..num_bytes {
            let Some(&b) = bytes.get(offset) else {
                return Err("asn1: syntax error: truncated tag or length".to_string());
            };
            offset += 1;
            if length >= 1 << 23 {
                return Err("asn1: structure error: length too large".to_string());
            }
            length = (length << 8) | usize::from(b);
            if length == 0 {
                return Err(
                    "asn1: structure error: superfluous leading zeros in length".to_string()
                );
            }
        }
        if length < 0x80 {
            return Err("asn1: structure error: non-minimal length".to_string());
        }
        length
    };
    Ok((
        TagAndLength {
            class,
            tag,
            length,
            is_compound,
        },
        offset,
    ))
}

fn parse_base128(bytes: &[u8], mut offset: usize) -> Result<(u64, usize), String> {
    let mut ret: u64 = 0;
    let mut shifted = 0;
    while let Some(&b) = bytes.get(offset) {
        // Go limits tags to 31 bits: five 7-bit groups at most.
        if shifted == 5 {
            return Err("asn1: structure error: base 128 integer too large".to_string());
        }
        ret = (ret << 7) | u64::from(b & 0x7f);
        if shifted == 0 && b == 0x80 {
            return Err("asn1: syntax error: integer is not minimally encoded".to_string());
        }
        offset += 1;
        shifted += 1;
        if b & 0x80 == 0 {
            if ret > i32::MAX as u64 {
                return Err("asn1: structure error: base 128 integer too large".to_string());
            }
            return Ok((ret, offset));
        }
    }
    Err("asn1: syntax error: truncated base 128 integer".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_gets_gos_tag_mismatch_text() {
        assert_eq!(
            check_outer_sequence(b"invalid data", "certificateRequest"),
            Err(format!(
                "asn1: structure error: tags don't match (16 vs {{class:1 tag:9 length:110 isCompound:true}}) {GO_FIELD_PARAMS} certificateRequest @2"
            ))
        );
    }

    #[test]
    fn truncation_and_trailing_data() {
        assert_eq!(
            check_outer_sequence(b"", "x"),
            Err("asn1: syntax error: sequence truncated".to_string())
        );
        assert_eq!(
            check_outer_sequence(&[0x30], "x"),
            Err("asn1: syntax error: truncated tag or length".to_string())
        );
        assert_eq!(
            check_outer_sequence(&[0x30, 0x05, 0x00], "x"),
            Err("asn1: syntax error: data truncated".to_string())
        );
        assert_eq!(
            check_outer_sequence(&[0x30, 0x00, 0x00], "x"),
            Err("asn1: syntax error: trailing data".to_string())
        );
        assert_eq!(check_outer_sequence(&[0x30, 0x00], "x"), Ok(()));
    }

    #[test]
    fn length_encoding_rules() {
        assert_eq!(
            check_outer_sequence(&[0x30, 0x80], "x"),
            Err("asn1: syntax error: indefinite length found (not DER)".to_string())
        );
        assert_eq!(
            check_outer_sequence(&[0x30, 0x81, 0x05], "x"),
            Err("asn1: structure error: non-minimal length".to_string())
        );
        assert_eq!(
            check_outer_sequence(&[0x30, 0x82, 0x00, 0x80], "x"),
            Err("asn1: structure error: superfluous leading zeros in length".to_string())
        );
    }
}
