//! Proof bundles: everything needed to check, offline and without the server, that a
//! certificate was issued on the record — the certificate, its ledger entry, the entry's
//! inclusion proof and the signed checkpoint the proof leads to.
//!
//! Start with [`ProofBundle`] (its JSON form is versioned: [`ProofBundle::from_json`] reads
//! version 1) and [`verify_bundle`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::checkpoint::{Checkpoint, CheckpointError, VerifierKey, open_checkpoint};
use crate::entry::{EntryError, EntryKind, LedgerEntry, decode};
use crate::merkle::{Hash, MerkleTree, leaf_hash, verify_inclusion};

/// The bundle format version this crate writes.
pub const BUNDLE_VERSION: u32 = 1;

/// A self-contained proof that a certificate is in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    pub version: u32,
    /// The issued certificate, PEM.
    pub certificate_pem: String,
    /// The `issued` entry, exactly as encoded in the log (canonical JSON, so valid UTF-8).
    pub entry: String,
    pub leaf_index: u64,
    /// The audit path, leaf's sibling first, each hash base64 like checkpoint roots.
    pub inclusion_proof: Vec<String>,
    /// The signed checkpoint (signed-note text) the proof leads to.
    pub checkpoint: String,
}

/// Why a bundle does not prove what it claims.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("bundle is not valid JSON: {0}")]
    Syntax(String),
    #[error("unsupported bundle version {0}")]
    UnsupportedVersion(u64),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("entry: {0}")]
    Entry(#[from] EntryError),
    #[error("entry records index {recorded}, the bundle says {claimed}")]
    IndexMismatch { recorded: u64, claimed: u64 },
    #[error("entry is not an issued-certificate entry")]
    NotIssued,
    #[error("certificate is not a PEM CERTIFICATE")]
    BadCertificatePem,
    #[error("certificate fingerprint {actual} is not the recorded {recorded}")]
    FingerprintMismatch { actual: String, recorded: String },
    #[error("inclusion proof hash {0} is not base64 of 32 bytes")]
    BadProofHash(usize),
    #[error("entry is not included in the checkpoint's tree: {0}")]
    NotIncluded(String),
    #[error("the tree's head at size {size} is not the checkpoint's")]
    TreeMismatch { size: u64 },
    #[error("leaf {index} is not in the tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
}

/// What a verified bundle established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    pub entry: LedgerEntry,
    pub checkpoint: Checkpoint,
}

impl ProofBundle {
    /// Assembles the bundle for the entry at `leaf_index` of `tree`, proven against the tree
    /// head of `signed_checkpoint`, which is verified with `key` and must be a head of `tree`:
    /// the ledger never hands out a bundle that would not verify.
    pub fn new(
        certificate_pem: String,
        entry: &[u8],
        leaf_index: u64,
        tree: &MerkleTree,
        signed_checkpoint: &[u8],
        key: &VerifierKey,
    ) -> Result<Self, BundleError> {
        let checkpoint = open_checkpoint(signed_checkpoint, key)?;
        if tree.root_at(checkpoint.size) != Ok(checkpoint.root) {
            return Err(BundleError::TreeMismatch {
                size: checkpoint.size,
            });
        }
        let size = checkpoint.size;
        let proof =
            tree.inclusion_proof(leaf_index, size)
                .map_err(|_| BundleError::IndexOutOfRange {
                    index: leaf_index,
                    size,
                })?;
        let entry = String::from_utf8(entry.to_vec())
            .map_err(|e| BundleError::Entry(EntryError::Syntax(e.to_string())))?;
        let checkpoint = String::from_utf8(signed_checkpoint.to_vec())
            .map_err(|_| BundleError::Checkpoint(CheckpointError::MalformedNote))?;
        Ok(Self {
            version: BUNDLE_VERSION,
            certificate_pem,
            entry,
            leaf_index,
            inclusion_proof: proof.iter().map(|h| BASE64.encode(h)).collect(),
            checkpoint,
        })
    }

    /// The bundle as JSON.
    pub fn to_json(&self) -> Result<String, BundleError> {
        serde_json::to_string_pretty(self).map_err(|e| BundleError::Syntax(e.to_string()))
    }

    /// Reads a bundle, choosing the reader by its `version` field.
    pub fn from_json(json: &[u8]) -> Result<Self, BundleError> {
        let value: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| BundleError::Syntax(e.to_string()))?;
        let version = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        match version {
            1 => serde_json::from_value(value).map_err(|e| BundleError::Syntax(e.to_string())),
            other => Err(BundleError::UnsupportedVersion(other)),
        }
    }
}

/// Checks a bundle offline: the checkpoint is signed by `key`, the entry decodes, records this
/// index and this certificate's fingerprint, and the inclusion proof leads from the entry's
/// leaf to the checkpoint's root.
pub fn verify_bundle(
    bundle: &ProofBundle,
    key: &VerifierKey,
) -> Result<VerifiedBundle, BundleError> {
    if bundle.version != BUNDLE_VERSION {
        return Err(BundleError::UnsupportedVersion(u64::from(bundle.version)));
    }
    let checkpoint = open_checkpoint(bundle.checkpoint.as_bytes(), key)?;
    let entry = decode(bundle.entry.as_bytes())?;
    if entry.index != bundle.leaf_index {
        return Err(BundleError::IndexMismatch {
            recorded: entry.index,
            claimed: bundle.leaf_index,
        });
    }
    let Some(recorded) = entry
        .certificate
        .as_ref()
        .filter(|_| entry.kind == EntryKind::Issued)
    else {
        return Err(BundleError::NotIssued);
    };
    let actual = certificate_fingerprint(&bundle.certificate_pem)?;
    if actual != recorded.sha256_fingerprint {
        return Err(BundleError::FingerprintMismatch {
            actual,
            recorded: recorded.sha256_fingerprint.clone(),
        });
    }
    let proof = parse_proof(&bundle.inclusion_proof)?;
    let leaf = leaf_hash(bundle.entry.as_bytes());
    verify_inclusion(
        &leaf,
        bundle.leaf_index,
        checkpoint.size,
        &proof,
        &checkpoint.root,
    )
    .map_err(|e| BundleError::NotIncluded(e.to_string()))?;
    Ok(VerifiedBundle { entry, checkpoint })
}

/// Lowercase hex SHA-256 of the certificate's DER, as entries record it.
pub fn certificate_fingerprint(certificate_pem: &str) -> Result<String, BundleError> {
    let pem = pem::parse(certificate_pem).map_err(|_| BundleError::BadCertificatePem)?;
    if pem.tag() != "CERTIFICATE" {
        return Err(BundleError::BadCertificatePem);
    }
    Ok(hex::encode(sha2::Sha256::digest(pem.contents())))
}

fn parse_proof(encoded: &[String]) -> Result<Vec<Hash>, BundleError> {
    encoded
        .iter()
        .enumerate()
        .map(|(i, b64)| {
            BASE64
                .decode(b64)
                .ok()
                .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok())
                .ok_or(BundleError::BadProofHash(i))
        })
        .collect()
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
#[path = "bundle_tests.rs"]
mod tests;
