//! Which algorithm signed the request, and checking that signature as Go's
//! `CertificateRequest.CheckSignature` does (SHA-1 allowed, MD2/MD5 refused).
//!
//! Verification uses `ring`. Go additionally verifies ECDSA with SHA-512 and on P-521, and
//! ECDSA with SHA-1; `ring` has none of these, so such requests are refused as
//! `algorithm unimplemented` here while Go would accept them.

use std::fmt;

use ring::signature::{self as ring_sig, VerificationAlgorithm};
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::AlgorithmIdentifier;

use super::CsrError;
use super::key::{Curve, PublicKeyAlgorithm};

/// A signature algorithm, named as Go's `x509.SignatureAlgorithm.String()` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    Md2WithRsa,
    Md5WithRsa,
    Sha1WithRsa,
    Sha256WithRsa,
    Sha384WithRsa,
    Sha512WithRsa,
    Sha256WithRsaPss,
    Sha384WithRsaPss,
    Sha512WithRsaPss,
    EcdsaWithSha1,
    EcdsaWithSha256,
    EcdsaWithSha384,
    EcdsaWithSha512,
    Ed25519,
    /// Anything else (including RSA-PSS with parameters Go does not accept).
    Unknown {
        oid: String,
    },
}

impl SignatureAlgorithm {
    /// Go's name for the algorithm (`SHA256-RSA`, `ECDSA-SHA256`, `Ed25519`, ...).
    pub fn name(&self) -> &str {
        match self {
            SignatureAlgorithm::Md2WithRsa => "MD2-RSA",
            SignatureAlgorithm::Md5WithRsa => "MD5-RSA",
            SignatureAlgorithm::Sha1WithRsa => "SHA1-RSA",
            SignatureAlgorithm::Sha256WithRsa => "SHA256-RSA",
            SignatureAlgorithm::Sha384WithRsa => "SHA384-RSA",
            SignatureAlgorithm::Sha512WithRsa => "SHA512-RSA",
            SignatureAlgorithm::Sha256WithRsaPss => "SHA256-RSAPSS",
            SignatureAlgorithm::Sha384WithRsaPss => "SHA384-RSAPSS",
            SignatureAlgorithm::Sha512WithRsaPss => "SHA512-RSAPSS",
            SignatureAlgorithm::EcdsaWithSha1 => "ECDSA-SHA1",
            SignatureAlgorithm::EcdsaWithSha256 => "ECDSA-SHA256",
            SignatureAlgorithm::EcdsaWithSha384 => "ECDSA-SHA384",
            SignatureAlgorithm::EcdsaWithSha512 => "ECDSA-SHA512",
            SignatureAlgorithm::Ed25519 => "Ed25519",
            SignatureAlgorithm::Unknown { oid } => oid,
        }
    }

    /// The key type the algorithm needs, as Go names it in mismatch errors.
    fn key_kind(&self) -> Option<&'static str> {
        use SignatureAlgorithm::*;
        match self {
            Md2WithRsa | Md5WithRsa | Sha1WithRsa | Sha256WithRsa | Sha384WithRsa
            | Sha512WithRsa | Sha256WithRsaPss | Sha384WithRsaPss | Sha512WithRsaPss => Some("RSA"),
            EcdsaWithSha1 | EcdsaWithSha256 | EcdsaWithSha384 | EcdsaWithSha512 => Some("ECDSA"),
            Ed25519 => Some("Ed25519"),
            Unknown { .. } => None,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_MGF1: &str = "1.2.840.113549.1.1.8";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// Identifies the algorithm as Go's `getSignatureAlgorithmFromAI` does.
pub(crate) fn identify(ai: &AlgorithmIdentifier<'_>) -> SignatureAlgorithm {
    let oid = ai.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.2" => SignatureAlgorithm::Md2WithRsa,
        "1.2.840.113549.1.1.4" => SignatureAlgorithm::Md5WithRsa,
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => SignatureAlgorithm::Sha1WithRsa,
        "1.2.840.113549.1.1.11" => SignatureAlgorithm::Sha256WithRsa,
        "1.2.840.113549.1.1.12" => SignatureAlgorithm::Sha384WithRsa,
        "1.2.840.113549.1.1.13" => SignatureAlgorithm::Sha512WithRsa,
        "1.2.840.10045.4.1" => SignatureAlgorithm::EcdsaWithSha1,
        "1.2.840.10045.4.3.2" => SignatureAlgorithm::EcdsaWithSha256,
        "1.2.840.10045.4.3.3" => SignatureAlgorithm::EcdsaWithSha384,
        "1.2.840.10045.4.3.4" => SignatureAlgorithm::EcdsaWithSha512,
        // RFC 8410: the parameters must be absent.
        "1.3.101.112" if ai.parameters.is_none() => SignatureAlgorithm::Ed25519,
        OID_RSA_PSS => identify_pss(ai).unwrap_or(SignatureAlgorithm::Unknown { oid }),
        _ => SignatureAlgorithm::Unknown { oid },
    }
}

/// RSA-PSS is only recognised with MGF1 over the same hash, a salt as long as the hash and
/// the standard trailer, exactly the combinations Go accepts.
fn identify_pss(ai: &AlgorithmIdentifier<'_>) -> Option<SignatureAlgorithm> {
    let params = RsaSsaPssParams::try_from(ai.parameters.as_ref()?).ok()?;
    let hash_params_ok = |p: Option<&AlgorithmIdentifier<'_>>| {
        p.and_then(|h| h.parameters.as_ref())
            .is_none_or(|p| p.tag() == Tag::Null && p.data.is_empty())
    };
    if !hash_params_ok(params.hash_algorithm()) {
        return None;
    }
    let hash = params.hash_algorithm_oid().to_id_string();
    let mgf = params.mask_gen_algorithm().ok()?;
    if mgf.mgf.to_id_string() != OID_MGF1 || mgf.hash.to_id_string() != hash {
        return None;
    }
    if params.trailer_field() != 1 {
        return None;
    }
    match (hash.as_str(), params.salt_length()) {
        (OID_SHA256, 32) => Some(SignatureAlgorithm::Sha256WithRsaPss),
        (OID_SHA384, 48) => Some(SignatureAlgorithm::Sha384WithRsaPss),
        (OID_SHA512, 64) => Some(SignatureAlgorithm::Sha512WithRsaPss),
        _ => None,
    }
}

/// Checks `signature` over `signed` with the request's own key (`key_bits` is the raw
/// `subjectPublicKey` bit string contents).
pub(crate) fn verify(
    algorithm: &SignatureAlgorithm,
    key: &PublicKeyAlgorithm,
    key_bits: &[u8],
    signed: &[u8],
    signature: &[u8],
) -> Result<(), CsrError> {
    use SignatureAlgorithm as S;
    if matches!(algorithm, S::Md2WithRsa | S::Md5WithRsa) {
        return Err(CsrError::InsecureAlgorithm(algorithm.name().to_string()));
    }
    let Some(expected) = algorithm.key_kind() else {
        return Err(CsrError::UnsupportedAlgorithm);
    };
    if matches!(key, PublicKeyAlgorithm::Unknown { .. }) {
        return Err(CsrError::UnsupportedAlgorithm);
    }
    if expected != key.name() {
        return Err(CsrError::AlgorithmMismatch {
            expected,
            actual: key.go_type(),
        });
    }
    let (alg, failure): (&'static dyn VerificationAlgorithm, CsrError) = match (algorithm, key) {
        (S::Sha1WithRsa, _) => (
            &ring_sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            CsrError::RsaVerification,
        ),
        (S::Sha256WithRsa, _) => (
            &ring_sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            CsrError::RsaVerification,
        ),
        (S::Sha384WithRsa, _) => (
            &ring_sig::RSA_PKCS1_2048_8192_SHA384,
            CsrError::RsaVerification,
        ),
        (S::Sha512WithRsa, _) => (
            &ring_sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            CsrError::RsaVerification,
        ),
        (S::Sha256WithRsaPss, _) => (
            &ring_sig::RSA_PSS_2048_8192_SHA256,
            CsrError::RsaVerification,
        ),
        (S::Sha384WithRsaPss, _) => (
            &ring_sig::RSA_PSS_2048_8192_SHA384,
            CsrError::RsaVerification,
        ),
        (S::Sha512WithRsaPss, _) => (
            &ring_sig::RSA_PSS_2048_8192_SHA512,
            CsrError::RsaVerification,
        ),
        (S::EcdsaWithSha256, PublicKeyAlgorithm::Ecdsa { curve: Curve::P256 }) => (
            &ring_sig::ECDSA_P256_SHA256_ASN1,
            CsrError::EcdsaVerification,
        ),
        (S::EcdsaWithSha384, PublicKeyAlgorithm::Ecdsa { curve: Curve::P256 }) => (
            &ring_sig::ECDSA_P256_SHA384_ASN1,
            CsrError::EcdsaVerification,
        ),
        (S::EcdsaWithSha256, PublicKeyAlgorithm::Ecdsa { curve: Curve::P384 }) => (
            &ring_sig::ECDSA_P384_SHA256_ASN1,
            CsrError::EcdsaVerification,
        ),
        (S::EcdsaWithSha384, PublicKeyAlgorithm::Ecdsa { curve: Curve::P384 }) => (
            &ring_sig::ECDSA_P384_SHA384_ASN1,
            CsrError::EcdsaVerification,
        ),
        (S::Ed25519, _) => (&ring_sig::ED25519, CsrError::Ed25519Verification),
        // SHA-512 or SHA-1 ECDSA, P-224 and P-521: beyond ring.
        _ => return Err(CsrError::UnsupportedAlgorithm),
    };
    ring_sig::UnparsedPublicKey::new(alg, key_bits)
        .verify(signed, signature)
        .map_err(|_| failure)
}
