//! The server's own PKI: on first start, a cluster CA, a serving certificate, an admin client
//! certificate and `admin.kubeconfig`; on every later start, the same CA and whatever still fits.
//!
//! Start at [`bootstrap`]. Layout under the data directory:
//!
//! ```text
//! <data_dir>/pki/ca.crt, ca.key            cluster CA (ECDSA P-256, CN signet-ca, 10 years)
//! <data_dir>/pki/serving.crt, serving.key  serving certificate (localhost, 127.0.0.1, ::1, advertised)
//! <data_dir>/pki/admin.crt, admin.key      CN signet-admin, O system:masters
//! <data_dir>/admin.kubeconfig              cluster/context `signet`, user `signet-admin`
//! ```
//!
//! Keys and the kubeconfig are created 0600 and directories 0700; a key file that group or others
//! can access is refused, not repaired. Key material is never logged.

mod ca;
mod files;
mod kubeconfig;

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

pub use ca::{
    CA_COMMON_NAME, CA_LIFETIME, CertificateAuthority, IssuedCert, LEAF_LIFETIME,
    SERVING_COMMON_NAME, SubjectAltName,
};
pub use kubeconfig::{ADMIN_USER, CLUSTER_NAME, server_url};

use crate::user::GROUP_MASTERS;

/// A leaf certificate with less than this left is re-issued on start.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);

/// What the PKI must cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiOptions {
    /// The address `signet serve` listens on; its port (and its IP, when not a wildcard) end up in
    /// the kubeconfig, and a specific IP is also a serving SAN.
    pub listen: SocketAddr,
    /// Extra IP addresses or DNS names clients use to reach the server (`--advertise-address`).
    pub advertise: Vec<String>,
}

/// Where the PKI files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiPaths {
    pub dir: PathBuf,
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub serving_cert: PathBuf,
    pub serving_key: PathBuf,
    pub admin_cert: PathBuf,
    pub admin_key: PathBuf,
    pub kubeconfig: PathBuf,
}

impl PkiPaths {
    /// The layout under `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join("pki");
        PkiPaths {
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            serving_cert: dir.join("serving.crt"),
            serving_key: dir.join("serving.key"),
            admin_cert: dir.join("admin.crt"),
            admin_key: dir.join("admin.key"),
            kubeconfig: data_dir.join("admin.kubeconfig"),
            dir,
        }
    }
}

/// Why the PKI could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("failed to {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "private key file {} has mode {mode:04o}: it must not be accessible by group or others \
         (fix with `chmod 600 {}` if the key has not leaked)",
        .path.display(), .path.display()
    )]
    InsecureKeyFile { path: PathBuf, mode: u32 },
    #[error("{}: {reason}", .path.display())]
    Invalid { path: PathBuf, reason: String },
    #[error("{} exists but {} does not: restore it, or remove both to create new ones", .found.display(), .missing.display())]
    Incomplete { found: PathBuf, missing: PathBuf },
    #[error("invalid advertise address or DNS name {0:?}")]
    InvalidName(String),
    #[error("a client certificate can carry at most two organizations (groups), {0} requested")]
    TooManyOrganizations(usize),
    #[error("failed to build a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

impl PkiError {
    fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        PkiError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    fn invalid(path: &Path, reason: impl Into<String>) -> Self {
        PkiError::Invalid {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// The PKI the server runs with.
pub struct ServerPki {
    ca: CertificateAuthority,
    serving: IssuedCert,
    serving_chain: Vec<CertificateDer<'static>>,
    paths: PkiPaths,
    kubeconfig_server: String,
}

impl fmt::Debug for ServerPki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerPki")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl ServerPki {
    /// The cluster CA (also the client CA), to issue further client certificates.
    pub fn ca(&self) -> &CertificateAuthority {
        &self.ca
    }

    /// The cluster CA certificate, PEM.
    pub fn ca_cert_pem(&self) -> &str {
        self.ca.cert_pem()
    }

    /// The cluster CA certificate, DER.
    pub fn ca_cert_der(&self) -> &CertificateDer<'static> {
        self.ca.cert_der()
    }

    /// The serving certificate chain for rustls (the serving certificate alone: clients hold the
    /// CA already).
    pub fn serving_chain(&self) -> Vec<CertificateDer<'static>> {
        self.serving_chain.clone()
    }

    /// The serving private key for rustls.
    pub fn serving_key(&self) -> Result<PrivateKeyDer<'static>, PkiError> {
        PrivateKeyDer::from_pem_slice(self.serving.key_pem.as_bytes())
            .map_err(|e| PkiError::invalid(&self.paths.serving_key, format!("unreadable key: {e}")))
    }

    /// The roots client certificates are verified against: the cluster CA.
    pub fn client_ca_roots(&self) -> Result<Arc<RootCertStore>, PkiError> {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca.cert_der().clone()).map_err(|e| {
            PkiError::invalid(&self.paths.ca_cert, format!("unusable as a root: {e}"))
        })?;
        Ok(Arc::new(roots))
    }

    /// Where the files are.
    pub fn paths(&self) -> &PkiPaths {
        &self.paths
    }

    /// The `server:` URL written into `admin.kubeconfig`.
    pub fn kubeconfig_server(&self) -> &str {
        &self.kubeconfig_server
    }
}

/// Issue a client certificate from `ca` for user `cn` in groups `orgs`, e.g. `alice` in `devs` for
/// a test. Returns `(cert_pem, key_pem)`.
pub fn issue_client_cert(
    ca: &CertificateAuthority,
    cn: &str,
    orgs: &[&str],
    lifetime: Duration,
) -> Result<(String, String), PkiError> {
    let issued = ca.issue_client_cert(cn, orgs, lifetime)?;
    Ok((issued.cert_pem, issued.key_pem))
}

/// The first certificate of a PEM text as DER, e.g. for a rustls client's certificate chain.
pub fn certificate_der(cert_pem: &str) -> Result<CertificateDer<'static>, PkiError> {
    ca::pem_certificate(cert_pem, Path::new("certificate PEM"))
}

/// Create or reuse the PKI under `<data_dir>/pki` and `<data_dir>/admin.kubeconfig`.
pub fn bootstrap(data_dir: &Path, opts: &PkiOptions) -> Result<ServerPki, PkiError> {
    bootstrap_at(data_dir, opts, SystemTime::now())
}

/// [`bootstrap`] as if the time were `now` (validity periods and the renewal window use it).
pub fn bootstrap_at(
    data_dir: &Path,
    opts: &PkiOptions,
    now: SystemTime,
) -> Result<ServerPki, PkiError> {
    let paths = PkiPaths::new(data_dir);
    let sans = requested_sans(opts)?;
    files::ensure_dir(data_dir)?;
    files::ensure_dir(&paths.dir)?;

    let ca = load_or_create_ca(&paths, now)?;
    let serving = ensure_leaf(
        &ca,
        (&paths.serving_cert, &paths.serving_key),
        now,
        |cert| sans.is_subset(&ca::subject_alt_names(cert)),
        |ca| {
            let sans: Vec<_> = sans.iter().cloned().collect();
            ca.issue_serving_cert(&sans, now, LEAF_LIFETIME)
        },
    )?;
    let admin = ensure_leaf(
        &ca,
        (&paths.admin_cert, &paths.admin_key),
        now,
        |_| true,
        |ca| ca.issue_client_cert_at(ADMIN_USER, &[GROUP_MASTERS], now, LEAF_LIFETIME),
    )?;

    let server = server_url(opts.listen);
    write_kubeconfig(
        &paths.kubeconfig,
        &kubeconfig::Managed {
            server: server.clone(),
            ca_pem: ca.cert_pem(),
            admin: &admin,
        },
    )?;

    let serving_chain = vec![ca::pem_certificate(&serving.cert_pem, &paths.serving_cert)?];
    Ok(ServerPki {
        ca,
        serving,
        serving_chain,
        paths,
        kubeconfig_server: server,
    })
}

/// `localhost`, `127.0.0.1`, `::1`, the listen IP when it is specific, and every advertised name.
fn requested_sans(opts: &PkiOptions) -> Result<BTreeSet<SubjectAltName>, PkiError> {
    let mut sans = BTreeSet::from([
        SubjectAltName::Dns("localhost".to_string()),
        SubjectAltName::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SubjectAltName::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ]);
    if !opts.listen.ip().is_unspecified() {
        sans.insert(SubjectAltName::Ip(opts.listen.ip()));
    }
    for name in &opts.advertise {
        sans.insert(SubjectAltName::parse(name)?);
    }
    Ok(sans)
}

/// The CA is created once and then only ever reused: re-creating it would orphan every
/// certificate it signed.
fn load_or_create_ca(paths: &PkiPaths, now: SystemTime) -> Result<CertificateAuthority, PkiError> {
    if !pair_exists(&paths.ca_cert, &paths.ca_key)? {
        let (ca, key_pem) = CertificateAuthority::generate(now)?;
        files::write_private(&paths.ca_key, &key_pem)?;
        files::write_public(&paths.ca_cert, ca.cert_pem())?;
        tracing::info!(cert = %paths.ca_cert.display(), "created the cluster CA");
        return Ok(ca);
    }
    let key_pem = files::read_private(&paths.ca_key)?;
    let cert_pem = files::read_public(&paths.ca_cert)?;
    let ca = CertificateAuthority::from_pem(&cert_pem, &key_pem, &paths.ca_cert, &paths.ca_key)?;
    let left = ca::parse(ca.cert_der(), &paths.ca_cert).map(|c| ca::seconds_left(&c, now))?;
    if left < i64::try_from(LEAF_LIFETIME.as_secs()).unwrap_or(i64::MAX) {
        // Replacing the CA is a decision for the operator (every client trusts it); say so early.
        tracing::warn!(
            cert = %paths.ca_cert.display(),
            days_left = left / 86_400,
            "the cluster CA expires within a year; certificates it issues end with it"
        );
    }
    Ok(ca)
}

/// Whether both files exist (false when neither does; an error when only one does).
fn pair_exists(cert: &Path, key: &Path) -> Result<bool, PkiError> {
    match (files::exists(cert)?, files::exists(key)?) {
        (true, true) => Ok(true),
        (false, false) => Ok(false),
        (true, false) => Err(PkiError::Incomplete {
            found: cert.into(),
            missing: key.into(),
        }),
        (false, true) => Err(PkiError::Incomplete {
            found: key.into(),
            missing: cert.into(),
        }),
    }
}

/// Reuse the leaf in `(cert_path, key_path)` if it was issued by `ca`, belongs to its key, has
/// more than [`RENEW_BEFORE`] left and still `fits`; otherwise issue a new one with `issue`.
fn ensure_leaf(
    ca: &CertificateAuthority,
    (cert_path, key_path): (&Path, &Path),
    now: SystemTime,
    fits: impl Fn(&x509_parser::certificate::X509Certificate<'_>) -> bool,
    issue: impl Fn(&CertificateAuthority) -> Result<IssuedCert, PkiError>,
) -> Result<IssuedCert, PkiError> {
    if pair_exists(cert_path, key_path)? {
        let key_pem = files::read_private(key_path)?;
        let cert_pem = files::read_public(cert_path)?;
        let der = ca::pem_certificate(&cert_pem, cert_path)?;
        let cert = ca::parse(&der, cert_path)?;
        let key_matches = rcgen::KeyPair::from_pem(&key_pem).is_ok_and(|k| {
            k.public_key_raw() == cert.public_key().subject_public_key.data.as_ref()
        });
        let renew_secs = i64::try_from(RENEW_BEFORE.as_secs()).unwrap_or(i64::MAX);
        let reason = if !ca.signed(&cert) {
            Some("not issued by the current CA")
        } else if !key_matches {
            Some("the key does not match")
        } else if ca::seconds_left(&cert, now) <= renew_secs {
            Some("expires within 30 days")
        } else if !fits(&cert) {
            Some("does not cover the requested names")
        } else {
            None
        };
        match reason {
            None => return Ok(IssuedCert { cert_pem, key_pem }),
            Some(reason) => {
                tracing::info!(cert = %cert_path.display(), reason, "re-issuing certificate");
            }
        }
    }
    let issued = issue(ca)?;
    files::write_private(key_path, &issued.key_pem)?;
    files::write_public(cert_path, &issued.cert_pem)?;
    Ok(issued)
}

fn write_kubeconfig(path: &Path, managed: &kubeconfig::Managed<'_>) -> Result<(), PkiError> {
    let contents = if files::exists(path)? {
        match kubeconfig::update(&files::read_private(path)?, managed) {
            Some(contents) => contents,
            None => return Ok(()),
        }
    } else {
        kubeconfig::render(managed)
    };
    files::write_private(path, &contents)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
