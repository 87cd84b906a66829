//! The cluster certificate authority and the certificates it issues.
//!
//! [`CertificateAuthority`] holds the CA certificate and its key; it issues the serving certificate,
//! client certificates (the admin's, or a test user's such as `alice` in group `devs`), and answers
//! the questions a restart asks about an existing certificate: was it issued by this CA, which names
//! does it cover, when does it expire. Building is done with rcgen, reading back with x509-parser.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType,
};
use rustls::pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

use super::PkiError;

/// Common name of the cluster CA.
pub const CA_COMMON_NAME: &str = "signet-ca";
/// Common name of the serving certificate (clients check SANs, not this).
pub const SERVING_COMMON_NAME: &str = "signet-apiserver";
/// Lifetime of the cluster CA: ten years.
pub const CA_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// Lifetime of the serving and admin certificates: one year.
pub const LEAF_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);
/// Certificates start this long before "now", so a client whose clock runs a little behind does
/// not reject a certificate issued a moment ago.
const BACKDATE: Duration = Duration::from_secs(5 * 60);

/// A certificate and its private key, both PEM. `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"[redacted]")
            .finish()
    }
}

/// The cluster CA: its certificate and the key that signs with it.
pub struct CertificateAuthority {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    /// End of the CA's validity: nothing it issues may outlive it.
    not_after: SystemTime,
}

impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("cert_pem", &self.cert_pem)
            .finish()
    }
}

impl CertificateAuthority {
    /// Create a new self-signed CA (ECDSA P-256, CN `signet-ca`, ten years). Returns the CA and its
    /// key PEM, which the caller stores.
    pub fn generate(now: SystemTime) -> Result<(Self, String), PkiError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name(CA_COMMON_NAME, &[])?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        let not_after = set_validity(&mut params, now, CA_LIFETIME, None);
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        let ca = CertificateAuthority {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
            not_after,
        };
        Ok((ca, key_pem))
    }

    /// Load a CA from its certificate and key PEM; `cert_path` and `key_path` only name the files in
    /// errors. The key must be the one the certificate certifies.
    pub fn from_pem(
        cert_pem: &str,
        key_pem: &str,
        cert_path: &Path,
        key_path: &Path,
    ) -> Result<Self, PkiError> {
        let cert_der = pem_certificate(cert_pem, cert_path)?;
        let key = KeyPair::from_pem(key_pem)
            .map_err(|e| PkiError::invalid(key_path, format!("not a usable private key: {e}")))?;
        let cert = parse(&cert_der, cert_path)?;
        if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
            return Err(PkiError::invalid(
                key_path,
                format!(
                    "this key does not belong to the certificate {}",
                    cert_path.display()
                ),
            ));
        }
        if !cert.is_ca() {
            return Err(PkiError::invalid(cert_path, "not a CA certificate"));
        }
        let end = cert.validity().not_after.timestamp();
        let not_after = UNIX_EPOCH + Duration::from_secs(u64::try_from(end).unwrap_or(0));
        let issuer = Issuer::from_ca_cert_der(&cert_der, key)?;
        Ok(CertificateAuthority {
            cert_pem: cert_pem.to_string(),
            cert_der,
            issuer,
            not_after,
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// Issue a client certificate (EKU clientAuth) for user `cn` in groups `orgs` (the Subject
    /// Organization values, in order; at most two), valid from now for `lifetime`, with a fresh
    /// P-256 key.
    pub fn issue_client_cert(
        &self,
        cn: &str,
        orgs: &[&str],
        lifetime: Duration,
    ) -> Result<IssuedCert, PkiError> {
        self.issue_client_cert_at(cn, orgs, SystemTime::now(), lifetime)
    }

    /// [`Self::issue_client_cert`] with an explicit "now".
    pub fn issue_client_cert_at(
        &self,
        cn: &str,
        orgs: &[&str],
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<IssuedCert, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(cn, orgs)?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, now, lifetime)
    }

    /// Issue a serving certificate (EKU serverAuth) for the given subject alternative names.
    pub fn issue_serving_cert(
        &self,
        sans: &[SubjectAltName],
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<IssuedCert, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = name(SERVING_COMMON_NAME, &[])?;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.subject_alt_names = sans
            .iter()
            .map(|san| match san {
                SubjectAltName::Ip(ip) => Ok(SanType::IpAddress(*ip)),
                SubjectAltName::Dns(dns) => Ok(SanType::DnsName(dns.clone().try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        self.issue(params, now, lifetime)
    }

    fn issue(
        &self,
        mut params: CertificateParams,
        now: SystemTime,
        lifetime: Duration,
    ) -> Result<IssuedCert, PkiError> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        set_validity(&mut params, now, lifetime, Some(self.not_after));
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Whether `cert` carries a valid signature of this CA.
    pub fn signed(&self, cert: &X509Certificate<'_>) -> bool {
        match parse(&self.cert_der, Path::new(CA_COMMON_NAME)) {
            Ok(ca) => cert.verify_signature(Some(ca.public_key())).is_ok(),
            Err(_) => false,
        }
    }
}

/// One subject alternative name of the serving certificate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SubjectAltName {
    Ip(IpAddr),
    /// Lower-case DNS name.
    Dns(String),
}

impl SubjectAltName {
    /// Read an `--advertise-address` value: an IP address, or else a DNS name.
    pub fn parse(value: &str) -> Result<Self, PkiError> {
        let value = value.trim();
        if let Ok(ip) = value.parse::<IpAddr>() {
            return Ok(SubjectAltName::Ip(ip));
        }
        let valid = !value.is_empty()
            && value.len() <= 253
            && value.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !valid {
            return Err(PkiError::InvalidName(value.to_string()));
        }
        Ok(SubjectAltName::Dns(value.to_ascii_lowercase()))
    }
}

impl fmt::Display for SubjectAltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectAltName::Ip(ip) => write!(f, "{ip}"),
            SubjectAltName::Dns(dns) => f.write_str(dns),
        }
    }
}

/// The subject alternative names (IP and DNS) of a certificate.
pub fn subject_alt_names(cert: &X509Certificate<'_>) -> BTreeSet<SubjectAltName> {
    let mut out = BTreeSet::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(dns) => {
                    out.insert(SubjectAltName::Dns(dns.to_ascii_lowercase()));
                }
                GeneralName::IPAddress(bytes) => {
                    if let Ok(octets) = <[u8; 4]>::try_from(*bytes) {
                        out.insert(SubjectAltName::Ip(IpAddr::from(octets)));
                    } else if let Ok(octets) = <[u8; 16]>::try_from(*bytes) {
                        out.insert(SubjectAltName::Ip(IpAddr::from(octets)));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Seconds from `now` until the certificate stops being valid (negative when already expired).
pub fn seconds_left(cert: &X509Certificate<'_>, now: SystemTime) -> i64 {
    cert.validity().not_after.timestamp() - unix_seconds(now)
}

/// Decode the first `CERTIFICATE` block of a PEM text.
pub fn pem_certificate(text: &str, path: &Path) -> Result<CertificateDer<'static>, PkiError> {
    let blocks = pem::parse_many(text)
        .map_err(|e| PkiError::invalid(path, format!("not valid PEM: {e}")))?;
    blocks
        .into_iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .map(|b| CertificateDer::from(b.into_contents()))
        .ok_or_else(|| PkiError::invalid(path, "no CERTIFICATE block"))
}

/// Parse a DER certificate; `path` names it in the error.
pub fn parse<'a>(der: &'a [u8], path: &Path) -> Result<X509Certificate<'a>, PkiError> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| cert)
        .map_err(|e| PkiError::invalid(path, format!("not a valid X.509 certificate: {e}")))
}

/// OID of the Subject Organization attribute (`O`, 2.5.4.10).
const ORGANIZATION_OID: [u64; 4] = [2, 5, 4, 10];

/// Build a Subject `O=orgs[0], [O=orgs[1],] CN=cn`.
///
/// rcgen keeps one value per attribute type, so the second organization is written under the same
/// OID spelled as a custom type; a third cannot be expressed and is refused.
fn name(cn: &str, orgs: &[&str]) -> Result<DistinguishedName, PkiError> {
    let mut dn = DistinguishedName::new();
    match orgs {
        [] => {}
        [first] => dn.push(DnType::OrganizationName, *first),
        [first, second] => {
            dn.push(DnType::OrganizationName, *first);
            dn.push(DnType::CustomDnType(ORGANIZATION_OID.to_vec()), *second);
        }
        _ => return Err(PkiError::TooManyOrganizations(orgs.len())),
    }
    dn.push(DnType::CommonName, cn);
    Ok(dn)
}

/// Valid from a little before `now` for `lifetime`, but never past `cap`; returns the end.
fn set_validity(
    params: &mut CertificateParams,
    now: SystemTime,
    lifetime: Duration,
    cap: Option<SystemTime>,
) -> SystemTime {
    let mut not_after = now.checked_add(lifetime).unwrap_or(now);
    if let Some(cap) = cap {
        not_after = not_after.min(cap);
    }
    params.not_before = now.checked_sub(BACKDATE).unwrap_or(now).into();
    params.not_after = not_after.into();
    not_after
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
