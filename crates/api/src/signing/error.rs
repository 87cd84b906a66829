//! Why a certificate could not be issued or a CA could not be loaded.
//!
//! Upstream reports these in controller logs and retries (only policy refusals become a
//! `Failed` condition), but the texts that upstream defines are reproduced exactly.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use thiserror::Error;

/// A signing or CA-loading failure.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum SigningError {
    /// The CA certificate PEM is unusable.
    #[error("error reading CA certificate: {0}")]
    CaCertificate(String),
    /// The CA private key PEM is unusable.
    #[error("error reading CA private key: {0}")]
    CaKey(String),
    /// The CA key is of a type the signer cannot sign with.
    #[error("unsupported CA key type: {0}")]
    UnsupportedCaKey(String),
    /// The private key does not belong to the certificate.
    #[error("tls: private key does not match public key")]
    KeyMismatch,
    /// The stored request no longer parses.
    #[error("unable to parse certificate request: {0}")]
    ParseRequest(String),
    /// The stored request's self-signature does not verify.
    #[error("unable to verify certificate request signature: {0}")]
    VerifyRequest(String),
    /// `spec.usages` holds values the signer does not know; the payload is Go's `%q` of the
    /// list, e.g. `["foo" "bar"]`.
    #[error("unrecognized usage values: {0}")]
    UnrecognizedUsages(String),
    /// Even the backdated NotBefore is not before the CA's NotAfter.
    #[error("the signer has expired: NotAfter={}", go_time(.0))]
    SignerExpired(Timestamp),
    /// The CA has already expired.
    #[error("refusing to sign a certificate that expired in the past: NotAfter={}", go_time(.0))]
    ExpiredInPast(Timestamp),
    /// A lifetime that cannot be represented.
    #[error("invalid lifetime: {0}")]
    Lifetime(String),
    /// The crypto provider failed.
    #[error("crypto failure: {0}")]
    Crypto(String),
}

/// A `time.Time` in UTC as Go's `%v` prints it: `2026-11-28 18:43:51 +0000 UTC` (fractional
/// seconds only when present, trailing zeros trimmed).
pub(crate) fn go_time(at: &Timestamp) -> String {
    let zoned = at.to_zoned(TimeZone::UTC);
    let mut out = zoned.strftime("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = at.subsec_nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}
