//! The request's public key: which algorithm, how big, and whether Go would accept it.

use std::fmt;

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::CsrError;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_DSA: &str = "1.2.840.10040.4.1";

/// A named elliptic curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    P224,
    P256,
    P384,
    P521,
}

impl Curve {
    fn from_oid(oid: &str) -> Option<Self> {
        Some(match oid {
            "1.3.132.0.33" => Curve::P224,
            "1.2.840.10045.3.1.7" => Curve::P256,
            "1.3.132.0.34" => Curve::P384,
            "1.3.132.0.35" => Curve::P521,
            _ => return None,
        })
    }

    /// Bytes in one coordinate.
    fn coordinate_len(self) -> usize {
        match self {
            Curve::P224 => 28,
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// Key size in bits.
    pub fn bits(self) -> usize {
        match self {
            Curve::P224 => 224,
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    /// The name Go's `elliptic.Curve.Params().Name` gives.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P224 => "P-224",
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The key type and size of a request's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKeyAlgorithm {
    /// RSA with the modulus size in bits and the public exponent.
    Rsa {
        bits: usize,
        exponent: u64,
    },
    /// ECDSA on a named curve.
    Ecdsa {
        curve: Curve,
    },
    Ed25519,
    /// A key type Go parses but cannot verify with (DSA) or does not know; the OID is kept.
    Unknown {
        oid: String,
    },
}

impl PublicKeyAlgorithm {
    /// Go's `x509.PublicKeyAlgorithm` name: `RSA`, `ECDSA`, `Ed25519`, `DSA` or `Unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            PublicKeyAlgorithm::Rsa { .. } => "RSA",
            PublicKeyAlgorithm::Ecdsa { .. } => "ECDSA",
            PublicKeyAlgorithm::Ed25519 => "Ed25519",
            PublicKeyAlgorithm::Unknown { oid } if oid == OID_DSA => "DSA",
            PublicKeyAlgorithm::Unknown { .. } => "Unknown",
        }
    }

    /// Key size in bits (RSA modulus, curve size, 256 for Ed25519, 0 when unknown).
    pub fn bits(&self) -> usize {
        match self {
            PublicKeyAlgorithm::Rsa { bits, .. } => *bits,
            PublicKeyAlgorithm::Ecdsa { curve } => curve.bits(),
            PublicKeyAlgorithm::Ed25519 => 256,
            PublicKeyAlgorithm::Unknown { .. } => 0,
        }
    }

    /// Go's Go-type name of the parsed key, used in algorithm-mismatch messages.
    pub(crate) fn go_type(&self) -> &'static str {
        match self {
            PublicKeyAlgorithm::Rsa { .. } => "*rsa.PublicKey",
            PublicKeyAlgorithm::Ecdsa { .. } => "*ecdsa.PublicKey",
            PublicKeyAlgorithm::Ed25519 => "ed25519.PublicKey",
            PublicKeyAlgorithm::Unknown { .. } => "<nil>",
        }
    }
}

/// Parses the key as Go's `parsePublicKey` does, with its error texts.
pub(crate) fn parse_public_key(
    spki: &SubjectPublicKeyInfo<'_>,
) -> Result<PublicKeyAlgorithm, CsrError> {
    let oid = spki.algorithm.algorithm.to_id_string();
    let key = spki.subject_public_key.data.as_ref();
    let params = spki.algorithm.parameters.as_ref();
    match oid.as_str() {
        OID_RSA => {
            // Go insists on explicit NULL parameters for RSA keys.
            if params.is_none_or(|p| p.tag() != Tag::Null || !p.data.is_empty()) {
                return Err(pk_err("x509: RSA key missing NULL parameters"));
            }
            parse_rsa(key)
        }
        OID_EC => {
            let curve_oid = params
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .ok_or_else(|| pk_err("x509: invalid ECDSA parameters"))?;
            let curve = Curve::from_oid(&curve_oid)
                .ok_or_else(|| pk_err("x509: unsupported elliptic curve"))?;
            let n = curve.coordinate_len();
            if key.len() != 1 + 2 * n || key.first() != Some(&4) {
                return Err(pk_err("x509: failed to unmarshal elliptic curve point"));
            }
            Ok(PublicKeyAlgorithm::Ecdsa { curve })
        }
        OID_ED25519 => {
            if params.is_some() {
                return Err(pk_err("x509: Ed25519 key encoded with illegal parameters"));
            }
            if key.len() != 32 {
                return Err(pk_err("x509: wrong Ed25519 public key size"));
            }
            Ok(PublicKeyAlgorithm::Ed25519)
        }
        _ => Ok(PublicKeyAlgorithm::Unknown { oid }),
    }
}

fn pk_err(msg: &str) -> CsrError {
    CsrError::PublicKey(msg.to_string())
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`
fn parse_rsa(key: &[u8]) -> Result<PublicKeyAlgorithm, CsrError> {
    let (modulus, exponent) = read_rsa_public_key(key)?;
    if modulus.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(pk_err("x509: RSA modulus is not a positive number"));
    }
    let modulus = strip_leading_zeros(modulus);
    if modulus.is_empty() {
        return Err(pk_err("x509: RSA modulus is not a positive number"));
    }
    if exponent.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(pk_err("x509: RSA public exponent is not a positive number"));
    }
    let exponent = strip_leading_zeros(exponent);
    if exponent.is_empty() {
        return Err(pk_err("x509: RSA public exponent is not a positive number"));
    }
    if exponent.len() > 8 {
        // Go reads the exponent into an int64-sized int; anything wider fails to read.
        return Err(pk_err("x509: invalid RSA public exponent"));
    }
    let e = exponent
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let bits = (modulus.len() - 1) * 8 + (8 - modulus[0].leading_zeros() as usize);
    Ok(PublicKeyAlgorithm::Rsa { bits, exponent: e })
}

fn strip_leading_zeros(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        b = rest;
    }
    b
}

/// Reads `RSAPublicKey` by hand: x509-parser accepts negative integers silently and we need
/// Go's distinctions between a bad structure, modulus and exponent.
fn read_rsa_public_key(der: &[u8]) -> Result<(&[u8], &[u8]), CsrError> {
    let (body, _) = read_tlv(der, 0x30).ok_or_else(|| pk_err("x509: invalid RSA public key"))?;
    let (modulus, after) =
        read_tlv(body, 0x02).ok_or_else(|| pk_err("x509: invalid RSA modulus"))?;
    let (exponent, _) =
        read_tlv(after, 0x02).ok_or_else(|| pk_err("x509: invalid RSA public exponent"))?;
    Ok((modulus, exponent))
}

/// Reads one definite-length DER element with the given tag: returns (contents, rest).
fn read_tlv(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = der.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first & 0x80 == 0 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (len_bytes, after) = rest.split_at(n);
        rest = after;
        len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if rest.len() < len {
        return None;
    }
    Some(rest.split_at(len))
}
