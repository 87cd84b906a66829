//! X.509 client-certificate authentication (upstream `x509.CommonNameUserConversion`).
//!
//! The TLS handshake has already verified the chain against the client CA; this reads the identity
//! out of the leaf: user = Subject CommonName, groups = Subject Organization values in order, and
//! the extra `authentication.kubernetes.io/credential-id` = `X509SHA256=<hex sha256 of the leaf>`.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::AttributeTypeAndValue;

use crate::tls::PeerCertificates;
use crate::user::UserInfo;

/// Extra key naming the credential a request was authenticated with.
pub const CREDENTIAL_ID_KEY: &str = "authentication.kubernetes.io/credential-id";

/// Why a presented client certificate is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum X509Error {
    #[error("the client certificate cannot be parsed: {0}")]
    Unparsable(String),
    #[error("the client certificate is not valid for client authentication (extended key usage)")]
    NotForClientAuth,
}

/// The user a verified client certificate names: `Ok(None)` when no certificate was presented or
/// its CommonName is empty (not an error: other methods may still authenticate the request).
pub fn authenticate(peer: &PeerCertificates) -> Result<Option<UserInfo>, X509Error> {
    let Some(leaf) = peer.leaf() else {
        return Ok(None);
    };
    let (_, cert) = x509_parser::parse_x509_certificate(leaf)
        .map_err(|e| X509Error::Unparsable(e.to_string()))?;
    if !usable_for_client_auth(&cert)? {
        return Err(X509Error::NotForClientAuth);
    }
    let subject = cert.subject();
    // Go's pkix.Name keeps the last CommonName it meets.
    let name = subject
        .iter_common_name()
        .filter_map(attribute_string)
        .last()
        .unwrap_or_default();
    if name.is_empty() {
        return Ok(None);
    }
    let groups = subject
        .iter_organization()
        .filter_map(attribute_string)
        .collect();
    let credential = format!("X509SHA256={}", hex::encode(Sha256::digest(leaf.as_ref())));
    Ok(Some(UserInfo {
        name,
        uid: String::new(),
        groups,
        extra: BTreeMap::from([(CREDENTIAL_ID_KEY.to_string(), vec![credential])]),
    }))
}

/// Go's verifier with `ExtKeyUsageClientAuth` accepts a leaf with no EKU extension, with
/// `anyExtendedKeyUsage`, or with `clientAuth`.
fn usable_for_client_auth(cert: &X509Certificate<'_>) -> Result<bool, X509Error> {
    match cert.extended_key_usage() {
        Ok(None) => Ok(true),
        Ok(Some(eku)) => Ok(eku.value.any || eku.value.client_auth),
        Err(e) => Err(X509Error::Unparsable(e.to_string())),
    }
}

/// The string value of a name attribute, for the string types Go decodes (others are skipped,
/// as Go skips them).
fn attribute_string(attr: &AttributeTypeAndValue<'_>) -> Option<String> {
    if let Ok(s) = attr.as_str() {
        return Some(s.to_string());
    }
    let value = attr.attr_value();
    let data = value.data;
    match value.tag() {
        // Go decodes T61String as ISO 8859-1.
        Tag::T61String => Some(data.iter().map(|b| char::from(*b)).collect()),
        Tag::BmpString if data.len() % 2 == 0 => {
            let units = data
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    }
}
