//! Where each signer's CA comes from: files named in config, or a CA generated on first start
//! under `<data-dir>/signers/<signer>/ca.{crt,key}`.
//!
//! Key files must be mode 0600, checked at start and at every re-read: a key others can read is
//! a key that may already be copied, so Signet refuses it rather than sign with it.  The files
//! are re-read when their modification time or size changes, so a CA is rotated by replacing
//! the files, without a restart (upstream re-reads its `--cluster-signing-*-file`s the same
//! way).  The certificate that was current before a rotation stays in the trust bundle, so
//! certificates it issued keep verifying while clients move to the new CA.

use std::collections::BTreeMap;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use jiff::{SignedDuration, Timestamp};
use signet_api::signing::{CaKeyPair, SigningError};

/// File name of a generated CA certificate inside its signer directory.
pub const CA_CERT_FILE: &str = "ca.crt";
/// File name of a generated CA key inside its signer directory.
pub const CA_KEY_FILE: &str = "ca.key";

/// How long a generated CA is valid: ten years, as kubeadm's cluster CA.
const GENERATED_CA_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);
/// A generated CA starts a little in the past so that certificates backdated by five minutes
/// (as upstream backdates them) still fall inside its validity.
const GENERATED_CA_BACKDATE: SignedDuration = SignedDuration::from_hours(1);

/// Why a CA could not be loaded or generated.
#[derive(Debug, thiserror::Error)]
pub enum CaStoreError {
    #[error("CA key file {path} has mode {mode:04o}; it must be 0600 (run: chmod 600 {path})")]
    KeyMode { path: PathBuf, mode: u32 },
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid CA for signer {signer} in {cert} and {key}: {source}")]
    Invalid {
        signer: String,
        cert: PathBuf,
        key: PathBuf,
        #[source]
        source: SigningError,
    },
    #[error("cannot generate a CA for signer {signer}: {source}")]
    Generate {
        signer: String,
        #[source]
        source: SigningError,
    },
    #[error(
        "{present} exists but {missing} does not; restore it or remove both to generate a new CA"
    )]
    HalfPresent { present: PathBuf, missing: PathBuf },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CaStoreError + '_ {
    move |source| CaStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The directory name for a signer: `/` (the only character a valid signer name has that a
/// file name cannot) and anything else unusual become `_`.
pub fn sanitise_signer_name(signer_name: &str) -> String {
    signer_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The directory holding a generated CA for `signer_name`.
pub fn signer_dir(data_dir: &Path, signer_name: &str) -> PathBuf {
    data_dir
        .join("signers")
        .join(sanitise_signer_name(signer_name))
}

/// What identifies one version of a file without reading it.  The mode is part of it so that
/// a key made readable by others is noticed (and refused) even though its content is the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    modified: SystemTime,
    len: u64,
    mode: u32,
}

struct Loaded {
    ca: Arc<CaKeyPair>,
    cert_pem: String,
    stamps: (Stamp, Stamp),
    previous_pem: Option<String>,
}

/// One signer's CA, re-read from its files when they change.
pub struct CaSource {
    signer_name: String,
    cert_path: PathBuf,
    key_path: PathBuf,
    loaded: Mutex<Loaded>,
}

impl std::fmt::Debug for CaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaSource")
            .field("signer_name", &self.signer_name)
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

impl CaSource {
    /// Loads the CA from `cert_path` and `key_path` (the key must be mode 0600).
    pub fn from_files(
        signer_name: &str,
        cert_path: impl Into<PathBuf>,
        key_path: impl Into<PathBuf>,
    ) -> Result<Self, CaStoreError> {
        let cert_path = cert_path.into();
        let key_path = key_path.into();
        let (ca, cert_pem, stamps) = load(signer_name, &cert_path, &key_path)?;
        Ok(CaSource {
            signer_name: signer_name.to_string(),
            cert_path,
            key_path,
            loaded: Mutex::new(Loaded {
                ca: Arc::new(ca),
                cert_pem,
                stamps,
                previous_pem: None,
            }),
        })
    }

    /// Loads the CA generated earlier under `data_dir`, generating it (ECDSA P-256, key written
    /// 0600) if neither file exists yet.
    pub fn load_or_generate(
        data_dir: &Path,
        signer_name: &str,
        now: Timestamp,
    ) -> Result<Self, CaStoreError> {
        let dir = signer_dir(data_dir, signer_name);
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {}
            (false, false) => generate(signer_name, &dir, &cert_path, &key_path, now)?,
            (true, false) => return Err(half_present(cert_path, key_path)),
            (false, true) => return Err(half_present(key_path, cert_path)),
        }
        Self::from_files(signer_name, cert_path, key_path)
    }

    pub fn signer_name(&self) -> &str {
        &self.signer_name
    }

    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    fn lock(&self) -> MutexGuard<'_, Loaded> {
        // `Loaded` is replaced whole, never left half-updated.
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The CA to sign with now, re-reading the files first if they changed.  A change that does
    /// not load (a key with the wrong mode, a half-written pair) is an error, so nothing is
    /// signed until the files are right again.
    pub fn current(&self) -> Result<Arc<CaKeyPair>, CaStoreError> {
        let stamps = (stamp(&self.cert_path)?, stamp(&self.key_path)?);
        let mut loaded = self.lock();
        if stamps == loaded.stamps {
            return Ok(Arc::clone(&loaded.ca));
        }
        let (ca, cert_pem, stamps) = load(&self.signer_name, &self.cert_path, &self.key_path)?;
        let ca = Arc::new(ca);
        if cert_pem != loaded.cert_pem {
            tracing::info!(signer = %self.signer_name, path = %self.cert_path.display(), "CA rotated");
            let previous = std::mem::take(&mut loaded.cert_pem);
            loaded.previous_pem = Some(previous);
        }
        loaded.ca = Arc::clone(&ca);
        loaded.cert_pem = cert_pem;
        loaded.stamps = stamps;
        Ok(ca)
    }

    /// The certificates clients should trust for this signer, as PEM: the current CA and, after
    /// a rotation, the one before it.
    pub fn trust_bundle(&self) -> String {
        let loaded = self.lock();
        let mut bundle = loaded.cert_pem.clone();
        if let Some(previous) = &loaded.previous_pem {
            bundle.push_str(previous);
        }
        bundle
    }
}

fn half_present(present: PathBuf, missing: PathBuf) -> CaStoreError {
    CaStoreError::HalfPresent { present, missing }
}

fn stamp(path: &Path) -> Result<Stamp, CaStoreError> {
    let meta = fs::metadata(path).map_err(io_error(path))?;
    Ok(Stamp {
        modified: meta.modified().map_err(io_error(path))?,
        len: meta.len(),
        mode: meta.permissions().mode() & 0o777,
    })
}

fn load(
    signer_name: &str,
    cert_path: &Path,
    key_path: &Path,
) -> Result<(CaKeyPair, String, (Stamp, Stamp)), CaStoreError> {
    let mode = fs::metadata(key_path)
        .map_err(io_error(key_path))?
        .permissions()
        .mode()
        & 0o777;
    if mode != 0o600 {
        return Err(CaStoreError::KeyMode {
            path: key_path.to_path_buf(),
            mode,
        });
    }
    // Stamps are taken before reading, so a write racing with the read shows up as a change
    // next time rather than being missed.
    let stamps = (stamp(cert_path)?, stamp(key_path)?);
    let cert_pem = fs::read_to_string(cert_path).map_err(io_error(cert_path))?;
    let key_pem = fs::read_to_string(key_path).map_err(io_error(key_path))?;
    let ca = CaKeyPair::from_pem(&cert_pem, &key_pem).map_err(|source| CaStoreError::Invalid {
        signer: signer_name.to_string(),
        cert: cert_path.to_path_buf(),
        key: key_path.to_path_buf(),
        source,
    })?;
    // Keep the certificate as the CA re-encodes it, so the bundle holds exactly one PEM block
    // per CA whatever else the file carried.
    let cert_pem = ca.cert_pem();
    Ok((ca, cert_pem, stamps))
}

fn generate(
    signer_name: &str,
    dir: &Path,
    cert_path: &Path,
    key_path: &Path,
    now: Timestamp,
) -> Result<(), CaStoreError> {
    let not_before = now.saturating_sub(GENERATED_CA_BACKDATE).unwrap_or(now);
    let common_name = format!("{signer_name}-ca@{}", now.as_second());
    let (_, cert_pem, key_pem) =
        CaKeyPair::generate(&common_name, not_before, GENERATED_CA_LIFETIME).map_err(|source| {
            CaStoreError::Generate {
                signer: signer_name.to_string(),
                source,
            }
        })?;
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_error(dir))?;
    // Created with its final mode: the key is never readable by others, not even briefly.
    write_new(key_path, key_pem.as_bytes(), 0o600)?;
    write_new(cert_path, cert_pem.as_bytes(), 0o644)?;
    tracing::info!(signer = %signer_name, path = %cert_path.display(), "generated a new CA");
    Ok(())
}

fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaStoreError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(contents).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// Where one signer's CA comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaConfig {
    /// Files named in config.
    Files { cert: PathBuf, key: PathBuf },
    /// Generated on first start under the data directory.
    Generated,
}

/// The CAs of all configured signers, by signer name.
#[derive(Debug, Default)]
pub struct CaStore {
    sources: BTreeMap<String, Arc<CaSource>>,
}

impl CaStore {
    /// Loads (or generates) the CA of every signer in `signers`; the first failure stops the
    /// start, naming the signer's file.
    pub fn open<'a>(
        data_dir: &Path,
        signers: impl IntoIterator<Item = (&'a str, &'a CaConfig)>,
        now: Timestamp,
    ) -> Result<Self, CaStoreError> {
        let mut sources = BTreeMap::new();
        for (name, config) in signers {
            let source = match config {
                CaConfig::Files { cert, key } => CaSource::from_files(name, cert, key)?,
                CaConfig::Generated => CaSource::load_or_generate(data_dir, name, now)?,
            };
            sources.insert(name.to_string(), Arc::new(source));
        }
        Ok(CaStore { sources })
    }

    /// The CA of `signer_name`, if it is configured.
    pub fn get(&self, signer_name: &str) -> Option<Arc<CaSource>> {
        self.sources.get(signer_name).cloned()
    }

    /// Every configured signer and its CA.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<CaSource>)> {
        self.sources
            .iter()
            .map(|(name, source)| (name.as_str(), source))
    }
}

#[cfg(test)]
mod tests;
