//! Why a certificate request was rejected, worded as Go's `crypto/x509` words it.
//!
//! The `Display` text becomes the detail of the `spec.request` field error, so each variant
//! renders the exact Go message where one exists.

use thiserror::Error;

/// A CSR that cannot be accepted.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CsrError {
    /// No PEM block, or the first block is not `CERTIFICATE REQUEST`.
    #[error("PEM block type must be CERTIFICATE REQUEST")]
    PemBlockType,
    /// The block does not hold a well-formed PKCS#10 structure; the text is the parser's.
    #[error("{0}")]
    Malformed(String),
    /// The request carries the same extension twice.
    #[error("x509: certificate request contains duplicate requested extensions")]
    DuplicateExtensions,
    /// The public key is present but unusable; the text is Go's (`x509: ...`).
    #[error("{0}")]
    PublicKey(String),
    /// The signature algorithm is unknown or cannot be checked.
    #[error("x509: cannot verify signature: algorithm unimplemented")]
    UnsupportedAlgorithm,
    /// The signature algorithm is known to be broken (MD2, MD5).
    #[error("x509: cannot verify signature: insecure algorithm {0}")]
    InsecureAlgorithm(String),
    /// The signature algorithm names a different key type than the request's key.
    #[error(
        "x509: signature algorithm specifies an {expected} public key, but have public key of type {actual}"
    )]
    AlgorithmMismatch {
        expected: &'static str,
        actual: &'static str,
    },
    /// An RSA signature that does not verify.
    #[error("crypto/rsa: verification error")]
    RsaVerification,
    /// An ECDSA signature that does not verify.
    #[error("x509: ECDSA verification failure")]
    EcdsaVerification,
    /// An Ed25519 signature that does not verify.
    #[error("x509: Ed25519 verification failure")]
    Ed25519Verification,
}
