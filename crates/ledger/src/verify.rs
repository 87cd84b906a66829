//! Offline verification of a whole ledger: every entry decodes and sits at its own index, the
//! recomputed tree matches a checkpoint signed by the ledger key, and, optionally, an older
//! checkpoint is a prefix of it.
//!
//! Start with [`verify_log`]. [`verify_checkpoint_consistency`] serves clients that keep only
//! checkpoints (an auditor or witness) and are handed a consistency proof.

use crate::checkpoint::{Checkpoint, CheckpointError, VerifierKey, open_checkpoint};
use crate::entry::{EntryError, decode};
use crate::merkle::{Hash, MerkleError, MerkleTree, verify_consistency};

/// What is wrong with one entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntryFault {
    #[error(transparent)]
    Undecodable(#[from] EntryError),
    /// The entry is intact but not where it was written: an entry before it was removed or
    /// the entries were reordered.
    #[error("it records index {recorded}")]
    Misplaced { recorded: u64 },
}

/// Why a ledger or checkpoint failed verification.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("entry {index} is bad: {fault}")]
    BadEntry { index: u64, fault: EntryFault },
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the ledger has {entries} entries but the checkpoint covers {checkpoint}")]
    SizeMismatch { entries: u64, checkpoint: u64 },
    #[error("the entries' tree head {computed} is not the checkpoint's {signed}")]
    RootMismatch { computed: String, signed: String },
    #[error("older checkpoint of size {old_size} is not a prefix of the tree of size {new_size}")]
    Inconsistent { old_size: u64, new_size: u64 },
    #[error("older checkpoint of size {old_size} is larger than the newer of size {new_size}")]
    OlderIsLarger { old_size: u64, new_size: u64 },
}

/// Verifies `entries` (all of them, in log order, as encoded) against a signed checkpoint, and
/// against an older signed checkpoint when given. Returns the verified checkpoint.
///
/// Entries are checked in order and the first that fails to decode or sits at the wrong index
/// is named. A ledger rewritten consistently (entries, their digests and indexes all redone)
/// can only be caught by the signed tree head, as [`VerifyError::RootMismatch`].
pub fn verify_log<E: AsRef<[u8]>>(
    entries: &[E],
    signed_checkpoint: &[u8],
    key: &VerifierKey,
    older_checkpoint: Option<&[u8]>,
) -> Result<Checkpoint, VerifyError> {
    let mut tree = MerkleTree::new();
    for (position, bytes) in entries.iter().enumerate() {
        let index = position as u64;
        let entry = decode(bytes.as_ref()).map_err(|e| VerifyError::BadEntry {
            index,
            fault: e.into(),
        })?;
        if entry.index != index {
            return Err(VerifyError::BadEntry {
                index,
                fault: EntryFault::Misplaced {
                    recorded: entry.index,
                },
            });
        }
        tree.push(bytes.as_ref());
    }
    // Entries first: a damaged entry is named whatever the checkpoint says.
    let checkpoint = open_checkpoint(signed_checkpoint, key)?;
    if tree.size() != checkpoint.size {
        return Err(VerifyError::SizeMismatch {
            entries: tree.size(),
            checkpoint: checkpoint.size,
        });
    }
    check_root(&tree.root(), &checkpoint.root)?;
    if let Some(older) = older_checkpoint {
        let older = open_checkpoint(older, key)?;
        if older.size > checkpoint.size {
            return Err(VerifyError::OlderIsLarger {
                old_size: older.size,
                new_size: checkpoint.size,
            });
        }
        // With every entry at hand the older head is simply recomputed.
        let prefix_root = tree
            .root_at(older.size)
            .map_err(|_| VerifyError::Inconsistent {
                old_size: older.size,
                new_size: checkpoint.size,
            })?;
        if prefix_root != older.root {
            return Err(VerifyError::Inconsistent {
                old_size: older.size,
                new_size: checkpoint.size,
            });
        }
    }
    Ok(checkpoint)
}

/// Verifies two signed checkpoints of the same ledger and a consistency proof between them:
/// the older tree is a prefix of the newer one. Returns both checkpoints, older first.
pub fn verify_checkpoint_consistency(
    older: &[u8],
    newer: &[u8],
    proof: &[Hash],
    key: &VerifierKey,
) -> Result<(Checkpoint, Checkpoint), VerifyError> {
    let older = open_checkpoint(older, key)?;
    let newer = open_checkpoint(newer, key)?;
    verify_consistency(older.size, newer.size, &older.root, &newer.root, proof).map_err(
        |e| match e {
            MerkleError::SizesOutOfOrder { old_size, new_size } => {
                VerifyError::OlderIsLarger { old_size, new_size }
            }
            _ => VerifyError::Inconsistent {
                old_size: older.size,
                new_size: newer.size,
            },
        },
    )?;
    Ok((older, newer))
}

fn check_root(computed: &Hash, signed: &Hash) -> Result<(), VerifyError> {
    if computed == signed {
        return Ok(());
    }
    Err(VerifyError::RootMismatch {
        computed: hex::encode(computed),
        signed: hex::encode(signed),
    })
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
#[path = "verify_tests.rs"]
mod tests;
