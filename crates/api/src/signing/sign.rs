//! Issuing a certificate for an approved request: upstream's `signer.sign`,
//! `CertificateAuthority.Sign` and `PermissiveSigningPolicy` (§5.4), step for step.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::certificate::{self, Tbs};
use super::usage::{ext_key_usage_value, key_usage_value, map_usages};
use super::{CaKeyPair, SigningError, der};
use crate::csr::{CsrError, ParsedCsr, parse_csr_der};

/// Certificates are backdated by this much to absorb clock skew.
pub const BACKDATE: Duration = Duration::from_secs(5 * 60);
/// Below this lifetime the end is not backdated, so the certificate keeps its full span.
pub const SHORT: Duration = Duration::from_secs(8 * 60 * 60);
/// The shortest lifetime honoured for `expirationSeconds` (twice the backdate).
pub const MIN_REQUESTED_TTL: Duration = Duration::from_secs(10 * 60);

/// What to sign.
#[derive(Clone, Copy, Debug)]
pub struct SignRequest<'a> {
    pub csr: &'a ParsedCsr,
    pub usages: &'a [String],
    /// `spec.expirationSeconds`.
    pub expiration_seconds: Option<i32>,
    /// The signer's lifetime cap (upstream's `--cluster-signing-duration`).
    pub max_ttl: Duration,
}

/// Upstream's `signer.duration`: the cap when nothing is requested, otherwise the request
/// clamped to at most the cap and at least ten minutes (the minimum wins over the cap).
pub fn certificate_ttl(expiration_seconds: Option<i32>, max_ttl: Duration) -> Duration {
    let Some(seconds) = expiration_seconds else {
        return max_ttl;
    };
    let requested = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
    if requested > max_ttl {
        max_ttl
    } else if requested < MIN_REQUESTED_TTL {
        MIN_REQUESTED_TTL
    } else {
        requested
    }
}

/// NotBefore and NotAfter for a certificate of lifetime `ttl` issued at `now` by a CA that
/// expires at `ca_not_after`, with upstream's two expired-CA errors.
pub fn validity(
    now: Timestamp,
    ttl: Duration,
    ca_not_after: Timestamp,
) -> Result<(Timestamp, Timestamp), SigningError> {
    let not_before = add(now, BACKDATE, false);
    let mut not_after = if ttl < SHORT {
        add(now, ttl, true)
    } else {
        add(add(now, ttl, true), BACKDATE, false)
    };
    if not_after >= ca_not_after {
        not_after = ca_not_after;
    }
    if not_before >= ca_not_after {
        return Err(SigningError::SignerExpired(ca_not_after));
    }
    if now >= ca_not_after {
        return Err(SigningError::ExpiredInPast(ca_not_after));
    }
    Ok((not_before, not_after))
}

/// `at ± by`, saturating at the ends of time (a lifetime past year 9999 is capped by the CA's
/// NotAfter anyway).
fn add(at: Timestamp, by: Duration, forward: bool) -> Timestamp {
    let by = SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX);
    let result = if forward {
        at.checked_add(by)
    } else {
        at.checked_sub(by)
    };
    result.unwrap_or(if forward {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    })
}

/// Issues the certificate for `req`, as one PEM `CERTIFICATE` block.
///
/// In upstream's order: the request is re-parsed and its signature re-verified; a serial is
/// drawn (128 random bits from `rng`); usages are mapped (unknown ones fail); the validity is
/// computed and checked against the CA; then the certificate is built: the subject re-encoded
/// as Go re-encodes a parsed `pkix.Name` (C, ST, L, STREET, POSTALCODE, O, OU, CN,
/// SERIALNUMBER; other attributes dropped), the request's DNS/email/IP/URI SANs and public key
/// copied, KeyUsage and ExtKeyUsage from
/// `usages` only, basicConstraints CA:FALSE, subject and authority key identifiers, and every
/// other requested extension dropped. Extensions appear in Go's order (KeyUsage, ExtKeyUsage,
/// basicConstraints, SKI, AKI, SAN; SAN critical when the subject is empty).
///
/// One deliberate difference: Go writes a subject key identifier only into CA certificates;
/// Signet also gives every issued certificate one (RFC 5280 §4.2.1.2 recommends it, and
/// clients ignore it), truncated SHA-256 of the public key as Go 1.25 computes it for CAs.
/// The authority key identifier is the CA's SKI, omitted when the CA has none, as in Go.
pub fn sign(
    ca: &CaKeyPair,
    req: &SignRequest<'_>,
    now: Timestamp,
    rng: &mut dyn FnMut(&mut [u8]),
) -> Result<String, SigningError> {
    let csr = parse_csr_der(&req.csr.der).map_err(|e| match e {
        CsrError::UnsupportedAlgorithm
        | CsrError::InsecureAlgorithm(_)
        | CsrError::AlgorithmMismatch { .. }
        | CsrError::RsaVerification
        | CsrError::EcdsaVerification
        | CsrError::Ed25519Verification => SigningError::VerifyRequest(e.to_string()),
        other => SigningError::ParseRequest(other.to_string()),
    })?;
    let mut serial = [0u8; 16];
    rng(&mut serial);
    let usages = map_usages(req.usages)?;
    let ttl = certificate_ttl(req.expiration_seconds, req.max_ttl);
    let (not_before, not_after) = validity(now, ttl, ca.not_after())?;

    let subject = certificate::go_subject_der(&csr.subject);
    let mut extensions = Vec::new();
    if let Some(ku) = key_usage_value(&usages.key_usages) {
        extensions.push(der::extension(certificate::OID_KEY_USAGE, true, &ku));
    }
    if let Some(eku) = ext_key_usage_value(&usages.ext_key_usages) {
        extensions.push(der::extension(certificate::OID_EXT_KEY_USAGE, false, &eku));
    }
    extensions.push(der::extension(
        certificate::OID_BASIC_CONSTRAINTS,
        true,
        &der::sequence(&[]),
    ));
    let ski = certificate::key_identifier(spki_bits(&csr.spki_der)?);
    extensions.push(der::extension(
        certificate::OID_SUBJECT_KEY_ID,
        false,
        &der::octet_string(&ski),
    ));
    let ca_ski = ca.subject_key_id();
    if !ca_ski.is_empty() {
        extensions.push(der::extension(
            certificate::OID_AUTHORITY_KEY_ID,
            false,
            &certificate::authority_key_id_value(&ca_ski),
        ));
    }
    if let Some(san) = certificate::subject_alt_name_value(
        &csr.dns_names,
        &csr.email_addresses,
        &csr.ip_addresses,
        &csr.uris,
    ) {
        // Go marks SANs critical when the subject is empty (RFC 5280 §4.2.1.6).
        let critical = subject == certificate::EMPTY_NAME;
        extensions.push(der::extension(
            certificate::OID_SUBJECT_ALT_NAME,
            critical,
            &san,
        ));
    }
    let tbs = Tbs {
        serial: &serial,
        issuer_der: ca.subject_der(),
        not_before,
        not_after,
        subject_der: &subject,
        spki_der: &csr.spki_der,
        extensions,
    };
    let cert = certificate::build(&tbs, ca.key())?;
    Ok(certificate::pem_block("CERTIFICATE", &cert))
}

/// The subjectPublicKey BIT STRING's bytes inside an SPKI.
fn spki_bits(spki: &[u8]) -> Result<&[u8], SigningError> {
    let malformed = || SigningError::ParseRequest("malformed subjectPublicKeyInfo".to_string());
    let (_, body, _) = der::read_tlv(spki).ok_or_else(malformed)?;
    let (_, _, rest) = der::read_tlv(body).ok_or_else(malformed)?;
    let (tag, bits, _) = der::read_tlv(rest).ok_or_else(malformed)?;
    match (tag, bits.split_first()) {
        (der::TAG_BIT_STRING, Some((0, key))) => Ok(key),
        _ => Err(malformed()),
    }
}
