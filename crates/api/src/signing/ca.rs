//! The signing CA: its certificate (kept as DER, with the subject, key identifier and
//! NotAfter the signer needs) and its private key.
//!
//! Keys load from PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) and SEC1
//! (`EC PRIVATE KEY`) PEM — the forms Go's `keyutil` reads — and sign with ring through rcgen:
//! ECDSA P-256/P-384, RSA (2048 bits or more) and Ed25519.

use std::fmt;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rcgen::KeyPair;
use x509_parser::extensions::ParsedExtension;

use super::certificate::{self, Tbs};
use super::{SigningError, der};

const OID_RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113549, 1, 1, 1];
const OID_EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];

/// A CA certificate and its key.
pub struct CaKeyPair {
    cert_der: Vec<u8>,
    subject_der: Vec<u8>,
    subject_key_id: Vec<u8>,
    not_after: Timestamp,
    key: KeyPair,
}

impl fmt::Debug for CaKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key stays out of logs.
        f.debug_struct("CaKeyPair")
            .field("subject_der", &hex::encode(&self.subject_der))
            .field("subject_key_id", &hex::encode(&self.subject_key_id))
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl CaKeyPair {
    /// Loads a CA: `cert_pem` must hold exactly one `CERTIFICATE` block and `key_pem` the
    /// matching private key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, SigningError> {
        let blocks =
            pem::parse_many(cert_pem).map_err(|e| SigningError::CaCertificate(e.to_string()))?;
        let certs: Vec<&pem::Pem> = blocks.iter().filter(|b| b.tag() == "CERTIFICATE").collect();
        let cert = match certs.as_slice() {
            [one] => one.contents().to_vec(),
            [] => {
                return Err(SigningError::CaCertificate(
                    "data does not contain any valid RSA or ECDSA certificates".to_string(),
                ));
            }
            many => {
                return Err(SigningError::CaCertificate(format!(
                    "expected 1 certificate, found {}",
                    many.len()
                )));
            }
        };
        let key = parse_private_key(key_pem)?;
        Self::from_parts(cert, key)
    }

    /// Generates a self-signed ECDSA P-256 CA named `common_name`, valid from `not_before`
    /// for `lifetime` (basicConstraints CA:TRUE, keyCertSign and cRLSign, a subject key
    /// identifier). Returns the CA with its certificate and PKCS#8 key as PEM.
    pub fn generate(
        common_name: &str,
        not_before: Timestamp,
        lifetime: Duration,
    ) -> Result<(Self, String, String), SigningError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| SigningError::Crypto(e.to_string()))?;
        let mut serial = [0u8; 16];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut serial)
            .map_err(|_| SigningError::Crypto("random number generator failed".to_string()))?;
        let lifetime = SignedDuration::try_from(lifetime)
            .map_err(|e| SigningError::Lifetime(e.to_string()))?;
        let not_after = not_before
            .checked_add(lifetime)
            .map_err(|e| SigningError::Lifetime(e.to_string()))?;
        let name = certificate::common_name_der(common_name);
        let ski = certificate::key_identifier(key.public_key_raw());
        let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
        let key_usage =
            super::usage::key_usage_value(&[super::KeyUsage::CertSign, super::KeyUsage::CrlSign])
                .unwrap_or_default();
        let tbs = Tbs {
            serial: &serial,
            issuer_der: &name,
            not_before,
            not_after,
            subject_der: &name,
            spki_der: &spki,
            extensions: vec![
                der::extension(certificate::OID_KEY_USAGE, true, &key_usage),
                der::extension(
                    certificate::OID_BASIC_CONSTRAINTS,
                    true,
                    &der::sequence(&[der::boolean(true)]),
                ),
                der::extension(
                    certificate::OID_SUBJECT_KEY_ID,
                    false,
                    &der::octet_string(&ski),
                ),
            ],
        };
        let cert_der = certificate::build(&tbs, &key)?;
        let cert_pem = certificate::pem_block("CERTIFICATE", &cert_der);
        let key_pem = certificate::pem_block("PRIVATE KEY", key.serialized_der());
        let ca = Self::from_parts(cert_der, key)?;
        Ok((ca, cert_pem, key_pem))
    }

    fn from_parts(cert_der: Vec<u8>, key: KeyPair) -> Result<Self, SigningError> {
        let (rest, cert) = x509_parser::parse_x509_certificate(&cert_der)
            .map_err(|e| SigningError::CaCertificate(e.to_string()))?;
        if !rest.is_empty() {
            return Err(SigningError::CaCertificate(
                "trailing data after certificate".to_string(),
            ));
        }
        let tbs = &cert.tbs_certificate;
        if tbs.subject_pki.subject_public_key.data.as_ref() != key.public_key_raw() {
            return Err(SigningError::KeyMismatch);
        }
        let subject_key_id = tbs
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                _ => None,
            })
            .unwrap_or_default();
        let not_after = Timestamp::from_second(tbs.validity.not_after.timestamp())
            .map_err(|e| SigningError::CaCertificate(e.to_string()))?;
        let subject_der = tbs.subject.as_raw().to_vec();
        Ok(CaKeyPair {
            subject_der,
            subject_key_id,
            not_after,
            key,
            cert_der,
        })
    }

    /// The CA certificate as one PEM block.
    pub fn cert_pem(&self) -> String {
        certificate::pem_block("CERTIFICATE", &self.cert_der)
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate's NotAfter.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// The CA certificate's subject key identifier (empty when it has none; issued certificates
    /// then carry no authority key identifier, as with Go).
    pub fn subject_key_id(&self) -> Vec<u8> {
        self.subject_key_id.clone()
    }

    pub(crate) fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    pub(crate) fn key(&self) -> &KeyPair {
        &self.key
    }
}

/// Reads the first private key block, converting PKCS#1 and SEC1 to the PKCS#8 that rcgen's
/// ring backend requires. Other blocks (such as `EC PARAMETERS` from `openssl ecparam`) are
/// skipped, as Go's `keyutil.ParsePrivateKeyPEM` skips them.
fn parse_private_key(key_pem: &str) -> Result<KeyPair, SigningError> {
    let blocks = pem::parse_many(key_pem).map_err(|e| SigningError::CaKey(e.to_string()))?;
    let pkcs8 = blocks
        .iter()
        .find_map(|b| match b.tag() {
            "PRIVATE KEY" => Some(Ok(b.contents().to_vec())),
            "RSA PRIVATE KEY" => Some(Ok(wrap_pkcs8(
                der::sequence(&[der::oid(OID_RSA_ENCRYPTION), der::tlv(0x05, &[])]),
                b.contents(),
            ))),
            "EC PRIVATE KEY" => Some(sec1_curve(b.contents()).map(|curve| {
                wrap_pkcs8(
                    der::sequence(&[der::oid(OID_EC_PUBLIC_KEY), curve]),
                    b.contents(),
                )
            })),
            _ => None,
        })
        .ok_or_else(|| {
            SigningError::CaKey(
                "data does not contain a valid RSA or ECDSA private key".to_string(),
            )
        })??;
    KeyPair::try_from(pkcs8.as_slice()).map_err(|e| SigningError::CaKey(e.to_string()))
}

fn wrap_pkcs8(algorithm: Vec<u8>, private_key: &[u8]) -> Vec<u8> {
    der::sequence(&[
        der::small_integer(0),
        algorithm,
        der::octet_string(private_key),
    ])
}

/// The named-curve OID (whole TLV) from a SEC1 `ECPrivateKey`'s `[0] parameters`.
fn sec1_curve(sec1: &[u8]) -> Result<Vec<u8>, SigningError> {
    let err = || SigningError::CaKey("EC private key without named curve parameters".to_string());
    let (_, body, _) = der::read_tlv(sec1).ok_or_else(err)?;
    let (_, _, rest) = der::read_tlv(body).ok_or_else(err)?; // version
    let (_, _, mut rest) = der::read_tlv(rest).ok_or_else(err)?; // privateKey
    while let Some((tag, content, next)) = der::read_tlv(rest) {
        if tag == 0xa0 {
            return Ok(content.to_vec());
        }
        rest = next;
    }
    Err(err())
}
