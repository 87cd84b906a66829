//! PKCS#10 certificate signing requests: decoding `spec.request`, reading what it asks for
//! and checking its self-signature, with Go's `crypto/x509` error texts.
//!
//! Start with [`parse_csr_pem`]; the API server calls it for validation and the signers call
//! it again to read the subject, key and SANs they will certify.

mod asn1;
mod error;
mod key;
mod name;
mod signature;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

pub use error::CsrError;
pub use key::{Curve, PublicKeyAlgorithm};
pub use name::Subject;
pub use signature::SignatureAlgorithm;

/// The PEM label a request must carry.
pub const CSR_PEM_LABEL: &str = "CERTIFICATE REQUEST";

const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";

/// One extension from the request's `extensionRequest` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestedExtension {
    /// Dotted OID, e.g. `2.5.29.17`.
    pub oid: String,
    pub critical: bool,
    /// The extension's DER value (the contents of its OCTET STRING).
    pub value: Vec<u8>,
}

/// A parsed certificate request whose signature has been verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedCsr {
    /// The whole request, DER.
    pub der: Vec<u8>,
    pub subject: Subject,
    pub dns_names: Vec<String>,
    pub email_addresses: Vec<String>,
    pub ip_addresses: Vec<IpAddr>,
    pub uris: Vec<String>,
    pub public_key: PublicKeyAlgorithm,
    /// The `SubjectPublicKeyInfo`, DER (what a signer puts in the certificate).
    pub spki_der: Vec<u8>,
    pub extensions: Vec<RequestedExtension>,
    pub signature_algorithm: SignatureAlgorithm,
}

/// Decodes the first PEM block of `request` (text before it skipped, anything after it
/// ignored), requires the label `CERTIFICATE REQUEST`, parses the PKCS#10 structure and
/// verifies its self-signature.
pub fn parse_csr_pem(request: &[u8]) -> Result<ParsedCsr, CsrError> {
    match crate::gopem::decode(request) {
        Some((block, _)) if block.label == CSR_PEM_LABEL => parse_csr_der(&block.bytes),
        _ => Err(CsrError::PemBlockType),
    }
}

/// Parses and verifies a DER-encoded PKCS#10 request.
pub fn parse_csr_der(der: &[u8]) -> Result<ParsedCsr, CsrError> {
    asn1::check_outer_sequence(der, "certificateRequest").map_err(CsrError::Malformed)?;
    let (rest, csr) = X509CertificationRequest::from_der(der)
        .map_err(|e| CsrError::Malformed(format!("asn1: structure error: {e}")))?;
    if !rest.is_empty() {
        return Err(CsrError::Malformed(
            "asn1: syntax error: trailing data".to_string(),
        ));
    }
    let info = &csr.certification_request_info;
    let public_key = key::parse_public_key(&info.subject_pki)?;
    let subject = Subject::from_name(&info.subject);
    let (extensions, sans) = read_extensions(&csr)?;
    let signature_algorithm = signature::identify(&csr.signature_algorithm);
    signature::verify(
        &signature_algorithm,
        &public_key,
        info.subject_pki.subject_public_key.data.as_ref(),
        info.raw,
        csr.signature_value.data.as_ref(),
    )?;
    Ok(ParsedCsr {
        der: der.to_vec(),
        subject,
        dns_names: sans.dns_names,
        email_addresses: sans.email_addresses,
        ip_addresses: sans.ip_addresses,
        uris: sans.uris,
        public_key,
        spki_der: info.subject_pki.raw.to_vec(),
        extensions,
        signature_algorithm,
    })
}

#[derive(Default)]
struct Sans {
    dns_names: Vec<String>,
    email_addresses: Vec<String>,
    ip_addresses: Vec<IpAddr>,
    uris: Vec<String>,
}

/// Collects the requested extensions (Go's `parseCSRExtensions`) and the SANs inside them.
fn read_extensions(
    csr: &X509CertificationRequest<'_>,
) -> Result<(Vec<RequestedExtension>, Sans), CsrError> {
    let mut extensions = Vec::new();
    let mut sans = Sans::default();
    for attr in csr.certification_request_info.iter_attributes() {
        let ParsedCriAttribute::ExtensionRequest(request) = attr.parsed_attribute() else {
            continue;
        };
        for ext in &request.extensions {
            let oid = ext.oid.to_id_string();
            if extensions.iter().any(|e: &RequestedExtension| e.oid == oid) {
                return Err(CsrError::DuplicateExtensions);
            }
            if oid == OID_SUBJECT_ALT_NAME {
                read_sans(ext.parsed_extension(), &mut sans)?;
            }
            extensions.push(RequestedExtension {
                oid,
                critical: ext.critical,
                value: ext.value.to_vec(),
            });
        }
    }
    Ok((extensions, sans))
}

/// Go's `parseSANExtension`, with its error texts.
fn read_sans(ext: &ParsedExtension<'_>, sans: &mut Sans) -> Result<(), CsrError> {
    let names = match ext {
        ParsedExtension::SubjectAlternativeName(san) => &san.general_names,
        ParsedExtension::ParseError { error } => {
            return Err(CsrError::Malformed(format!(
                "x509: invalid subject alternative names: {error}"
            )));
        }
        _ => return Ok(()),
    };
    for name in names {
        match name {
            GeneralName::RFC822Name(email) => {
                if !email.is_ascii() {
                    return Err(CsrError::Malformed(
                        "x509: SAN rfc822Name is malformed".to_string(),
                    ));
                }
                sans.email_addresses.push((*email).to_string());
            }
            GeneralName::DNSName(dns) => {
                if !dns.is_ascii() {
                    return Err(CsrError::Malformed(
                        "x509: SAN dNSName is malformed".to_string(),
                    ));
                }
                sans.dns_names.push((*dns).to_string());
            }
            GeneralName::URI(uri) => {
                if !uri.is_ascii() {
                    return Err(CsrError::Malformed(
                        "x509: SAN uniformResourceIdentifier is malformed".to_string(),
                    ));
                }
                sans.uris.push((*uri).to_string());
            }
            GeneralName::IPAddress(bytes) => {
                let ip = match bytes.len() {
                    4 => IpAddr::from(<[u8; 4]>::try_from(*bytes).unwrap_or_default()),
                    16 => IpAddr::from(<[u8; 16]>::try_from(*bytes).unwrap_or_default()),
                    n => {
                        return Err(CsrError::Malformed(format!(
                            "x509: cannot parse IP address of length {n}"
                        )));
                    }
                };
                sans.ip_addresses.push(ip);
            }
            GeneralName::Invalid(_, _) => {
                return Err(CsrError::Malformed(
                    "x509: SAN dNSName is malformed".to_string(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
