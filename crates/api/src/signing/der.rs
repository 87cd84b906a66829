//! The small DER writer the signer builds certificates with.
//!
//! rcgen cannot express what Go's `x509.CreateCertificate` writes for a Kubernetes signer (a
//! subject with several `O` values in one multi-valued RDN, the issuer copied byte for byte from
//! the CA certificate, Go's extension order), so the TBSCertificate is assembled here and only
//! the signature comes from the CA's rcgen key pair.

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub(crate) const TAG_BOOLEAN: u8 = 0x01;
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_UTF8_STRING: u8 = 0x0c;
pub(crate) const TAG_PRINTABLE_STRING: u8 = 0x13;
pub(crate) const TAG_UTC_TIME: u8 = 0x17;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
pub(crate) const TAG_SET: u8 = 0x31;

/// One tag-length-value element.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already-encoded elements.
pub(crate) fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &parts.concat())
}

/// A SET OF, its elements sorted by their encodings as DER requires (and as Go's
/// `encoding/asn1` has done since Go 1.15).
pub(crate) fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    tlv(TAG_SET, &parts.concat())
}

/// An OBJECT IDENTIFIER from its arcs.
pub(crate) fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = Vec::new();
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (a * 40 + b, rest),
        [a] => (a * 40, &[][..]),
        [] => (0, &[][..]),
    };
    for arc in std::iter::once(first).chain(rest.iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        body.extend(groups.iter().rev());
    }
    tlv(TAG_OID, &body)
}

/// A non-negative INTEGER from big-endian magnitude bytes, minimally encoded.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|b| **b == 0).count();
    let trimmed = &magnitude[skip..];
    let mut body = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        body.push(0);
    }
    body.extend_from_slice(trimmed);
    tlv(TAG_INTEGER, &body)
}

/// A small non-negative INTEGER.
pub(crate) fn small_integer(value: u8) -> Vec<u8> {
    unsigned_integer(&[value])
}

pub(crate) fn boolean(value: bool) -> Vec<u8> {
    tlv(TAG_BOOLEAN, &[if value { 0xff } else { 0 }])
}

pub(crate) fn octet_string(content: &[u8]) -> Vec<u8> {
    tlv(TAG_OCTET_STRING, content)
}

/// A BIT STRING holding whole bytes.
pub(crate) fn bit_string(content: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(content.len() + 1);
    body.push(0);
    body.extend_from_slice(content);
    tlv(TAG_BIT_STRING, &body)
}

/// A BIT STRING of `bit_len` bits taken from the front of `bytes`.
pub(crate) fn bit_string_bits(bytes: &[u8], bit_len: usize) -> Vec<u8> {
    let byte_len = bit_len.div_ceil(8);
    let unused = (byte_len * 8 - bit_len) as u8;
    let mut body = Vec::with_capacity(byte_len + 1);
    body.push(unused);
    body.extend_from_slice(&bytes[..byte_len.min(bytes.len())]);
    tlv(TAG_BIT_STRING, &body)
}

/// A context-specific tag: `[n]`, constructed or primitive.
pub(crate) fn context(number: u8, constructed: bool, content: &[u8]) -> Vec<u8> {
    let tag = 0x80 | if constructed { 0x20 } else { 0 } | number;
    tlv(tag, content)
}

/// A directory string as Go's `encoding/asn1` marshals a plain Go string: PrintableString when
/// every character is in Go's printable set (which excludes `*` and `&` when marshalling),
/// otherwise UTF8String.
pub(crate) fn go_directory_string(value: &str) -> Vec<u8> {
    let printable = value.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
            )
    });
    let tag = if printable {
        TAG_PRINTABLE_STRING
    } else {
        TAG_UTF8_STRING
    };
    tlv(tag, value.as_bytes())
}

/// A certificate validity time as Go writes it: UTCTime for 1950–2049, GeneralizedTime
/// otherwise, whole seconds in UTC.
pub(crate) fn time(at: Timestamp) -> Vec<u8> {
    let civil = at.to_zoned(TimeZone::UTC);
    let year = civil.year();
    if (1950..2050).contains(&year) {
        tlv(
            TAG_UTC_TIME,
            civil.strftime("%y%m%d%H%M%SZ").to_string().as_bytes(),
        )
    } else {
        tlv(
            TAG_GENERALIZED_TIME,
            civil.strftime("%Y%m%d%H%M%SZ").to_string().as_bytes(),
        )
    }
}

/// One X.509 extension: `SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }`.
pub(crate) fn extension(oid_arcs: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(oid_arcs)];
    if critical {
        parts.push(boolean(true));
    }
    parts.push(octet_string(value));
    sequence(&parts)
}

/// Reads one element: returns (tag, content, rest).
pub(crate) fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > std::mem::size_of::<usize>() || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}
