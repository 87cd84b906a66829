//! Assembling and signing an X.509 certificate the way Go's `x509.CreateCertificate` lays it
//! out for a Kubernetes signer: the subject re-encoded from its parsed fields, the issuer copied
//! from the CA, extensions in Go's order, one PEM `CERTIFICATE` block out.

use std::net::IpAddr;

use base64::Engine as _;
use jiff::Timestamp;
use rcgen::{KeyPair, SigningKey as _};
use sha2::{Digest as _, Sha256};

use super::SigningError;
use super::der;
use crate::csr::Subject;

const OID_COUNTRY: &[u64] = &[2, 5, 4, 6];
const OID_PROVINCE: &[u64] = &[2, 5, 4, 8];
const OID_LOCALITY: &[u64] = &[2, 5, 4, 7];
const OID_STREET: &[u64] = &[2, 5, 4, 9];
const OID_POSTAL_CODE: &[u64] = &[2, 5, 4, 17];
const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const OID_ORGANIZATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const OID_SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];

pub(crate) const OID_KEY_USAGE: &[u64] = &[2, 5, 29, 15];
pub(crate) const OID_EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
pub(crate) const OID_BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
pub(crate) const OID_SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];
pub(crate) const OID_AUTHORITY_KEY_ID: &[u64] = &[2, 5, 29, 35];
pub(crate) const OID_SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];

/// The DER of an empty `Name` (an empty RDNSequence).
pub(crate) const EMPTY_NAME: &[u8] = &[0x30, 0x00];

/// Encodes a subject as Go's `pkix.Name.ToRDNSequence` does when a certificate template
/// carries a parsed `Subject`: C, ST, L, STREET, POSTALCODE, O, OU (each attribute's values
/// together in one multi-valued RDN), then CN and SERIALNUMBER when non-empty. Attributes Go
/// does not map to a field (emailAddress, UID, DC, ...) are dropped, exactly as upstream's
/// signer drops them.
pub(crate) fn go_subject_der(subject: &Subject) -> Vec<u8> {
    let groups: [(&[u64], &[String]); 7] = [
        (OID_COUNTRY, &subject.countries),
        (OID_PROVINCE, &subject.provinces),
        (OID_LOCALITY, &subject.localities),
        (OID_STREET, &subject.street_addresses),
        (OID_POSTAL_CODE, &subject.postal_codes),
        (OID_ORGANIZATION, &subject.organizations),
        (OID_ORGANIZATIONAL_UNIT, &subject.organizational_units),
    ];
    let mut rdns: Vec<Vec<u8>> = Vec::new();
    for (oid, values) in groups {
        if !values.is_empty() {
            rdns.push(der::set_of(
                values.iter().map(|v| attribute(oid, v)).collect(),
            ));
        }
    }
    for (oid, value) in [
        (OID_COMMON_NAME, &subject.common_name),
        (OID_SERIAL_NUMBER, &subject.serial_number),
    ] {
        if !value.is_empty() {
            rdns.push(der::set_of(vec![attribute(oid, value)]));
        }
    }
    der::sequence(&rdns)
}

/// A Name holding only a common name, for generated CAs.
pub(crate) fn common_name_der(common_name: &str) -> Vec<u8> {
    go_subject_der(&Subject {
        common_name: common_name.to_string(),
        ..Subject::default()
    })
}

fn attribute(oid: &[u64], value: &str) -> Vec<u8> {
    der::sequence(&[der::oid(oid), der::go_directory_string(value)])
}

/// A key identifier: SHA-256 of the subjectPublicKey bits truncated to 160 bits (RFC 7093
/// method 1, what Go 1.25+ uses for the identifiers it generates).
pub(crate) fn key_identifier(public_key_bits: &[u8]) -> Vec<u8> {
    Sha256::digest(public_key_bits)[..20].to_vec()
}

/// The SubjectAltName value in Go's order: DNS names, emails, IPs, URIs.
pub(crate) fn subject_alt_name_value(
    dns_names: &[String],
    emails: &[String],
    ips: &[IpAddr],
    uris: &[String],
) -> Option<Vec<u8>> {
    let mut names = Vec::new();
    names.extend(
        dns_names
            .iter()
            .map(|d| der::context(2, false, d.as_bytes())),
    );
    names.extend(emails.iter().map(|e| der::context(1, false, e.as_bytes())));
    names.extend(ips.iter().map(|ip| {
        // Go writes `ip.To4()` when it is non-nil, so IPv4-mapped IPv6 becomes 4 bytes.
        let bytes = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets().to_vec(),
            },
        };
        der::context(7, false, &bytes)
    }));
    names.extend(uris.iter().map(|u| der::context(6, false, u.as_bytes())));
    (!names.is_empty()).then(|| der::sequence(&names))
}

/// `AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }`.
pub(crate) fn authority_key_id_value(id: &[u8]) -> Vec<u8> {
    der::sequence(&[der::context(0, false, id)])
}

/// Everything that goes into a TBSCertificate.
pub(crate) struct Tbs<'a> {
    /// Big-endian magnitude of the (non-negative) serial number.
    pub serial: &'a [u8],
    pub issuer_der: &'a [u8],
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub subject_der: &'a [u8],
    pub spki_der: &'a [u8],
    /// Encoded `Extension` elements, in order.
    pub extensions: Vec<Vec<u8>>,
}

/// The signature AlgorithmIdentifier Go picks for the CA's key type.
fn signature_algorithm(key: &KeyPair) -> Result<Vec<u8>, SigningError> {
    let alg = key.algorithm();
    if alg == &rcgen::PKCS_ECDSA_P256_SHA256 {
        Ok(der::sequence(&[der::oid(&[1, 2, 840, 10045, 4, 3, 2])]))
    } else if alg == &rcgen::PKCS_ECDSA_P384_SHA384 {
        Ok(der::sequence(&[der::oid(&[1, 2, 840, 10045, 4, 3, 3])]))
    } else if alg == &rcgen::PKCS_ED25519 {
        Ok(der::sequence(&[der::oid(&[1, 3, 101, 112])]))
    } else if alg == &rcgen::PKCS_RSA_SHA256 {
        Ok(der::sequence(&[
            der::oid(&[1, 2, 840, 113549, 1, 1, 11]),
            der::tlv(0x05, &[]),
        ]))
    } else {
        Err(SigningError::UnsupportedCaKey(format!("{alg:?}")))
    }
}

/// Builds the TBSCertificate, signs it with `key` and returns the certificate DER.
pub(crate) fn build(tbs: &Tbs<'_>, key: &KeyPair) -> Result<Vec<u8>, SigningError> {
    let alg = signature_algorithm(key)?;
    let mut fields = vec![
        der::context(0, true, &der::small_integer(2)),
        der::unsigned_integer(tbs.serial),
        alg.clone(),
        tbs.issuer_der.to_vec(),
        der::sequence(&[der::time(tbs.not_before), der::time(tbs.not_after)]),
        tbs.subject_der.to_vec(),
        tbs.spki_der.to_vec(),
    ];
    if !tbs.extensions.is_empty() {
        fields.push(der::context(3, true, &der::sequence(&tbs.extensions)));
    }
    let tbs_der = der::sequence(&fields);
    let signature = key
        .sign(&tbs_der)
        .map_err(|e| SigningError::Crypto(e.to_string()))?;
    Ok(der::sequence(&[tbs_der, alg, der::bit_string(&signature)]))
}

/// One PEM block exactly as Go's `pem.EncodeToMemory` writes it (64-column base64, `\n`).
pub(crate) fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
