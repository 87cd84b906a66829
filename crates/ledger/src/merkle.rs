//! The RFC 6962 Merkle tree over encoded entries: leaf hashes `SHA-256(0x00 ‖ entry)`, node
//! hashes `SHA-256(0x01 ‖ left ‖ right)`, tree heads, inclusion and consistency proofs.
//!
//! The math is `tlog_tiles` (Cloudflare's port of Go's `golang.org/x/mod/sumdb/tlog`, the code
//! behind the Go checksum database); this module keeps its "stored hashes" in memory — every
//! complete subtree hash, about two per leaf — so building a tree is O(n) and every head and
//! proof after that is O(log n) reads. Start with [`MerkleTree`], [`verify_inclusion`] and
//! [`verify_consistency`].

use tlog_tiles::{HashReader, stored_hash_index};

/// A SHA-256 digest: a leaf, interior node or tree head.
pub type Hash = [u8; 32];

/// Why a tree operation or proof check failed.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum MerkleError {
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {size} is larger than the log ({log_size} entries)")]
    SizeOutOfRange { size: u64, log_size: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    SizesOutOfOrder { old_size: u64, new_size: u64 },
    #[error("inclusion proof does not lead to the tree head")]
    InvalidInclusionProof,
    #[error("consistency proof does not join the two tree heads")]
    InvalidConsistencyProof,
}

/// The hash of a leaf holding `entry` (RFC 6962 §2.1: `SHA-256(0x00 ‖ entry)`).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    tlog_tiles::record_hash(entry).0
}

/// The hash of an interior node (RFC 6962 §2.1: `SHA-256(0x01 ‖ left ‖ right)`).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    tlog_tiles::node_hash(tlog_tiles::Hash(*left), tlog_tiles::Hash(*right)).0
}

/// The head of the empty tree: SHA-256 of nothing.
pub const EMPTY_ROOT: Hash = tlog_tiles::EMPTY_HASH.0;

/// An append-only Merkle tree held in memory.
#[derive(Debug, Clone, Default)]
pub struct MerkleTree {
    /// Every complete subtree hash, in `tlog_tiles`' stored-hash order.
    stored: Vec<tlog_tiles::Hash>,
    size: u64,
}

impl HashReader for MerkleTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.stored.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

impl MerkleTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over the given encoded entries, in order.
    pub fn from_entries<I, E>(entries: I) -> Self
    where
        I: IntoIterator<Item = E>,
        E: AsRef<[u8]>,
    {
        let mut tree = Self::new();
        for entry in entries {
            tree.push(entry.as_ref());
        }
        tree
    }

    /// Appends an encoded entry and returns its leaf index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf_hash(leaf_hash(entry))
    }

    /// Appends a leaf by its hash and returns its leaf index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size;
        // Same as `tlog_tiles::stored_hashes_for_record_hash`, which asserts on its reader's
        // answers; here the hashes of completed subtrees are read directly from `stored`,
        // where they are always present, so no path can fail.
        let mut hash = leaf;
        self.stored.push(tlog_tiles::Hash(hash));
        let completed = (index + 1).trailing_zeros();
        for level in 0..completed {
            let sibling_at = stored_hash_index(level as u8, (index >> level) - 1);
            let sibling = self.stored[sibling_at as usize].0;
            hash = node_hash(&sibling, &hash);
            self.stored.push(tlog_tiles::Hash(hash));
        }
        self.size += 1;
        index
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The tree head over all leaves.
    pub fn root(&self) -> Hash {
        // The stored hashes for `self.size` leaves are all present, so this cannot fail.
        self.root_at(self.size).unwrap_or(EMPTY_ROOT)
    }

    /// The tree head over the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        self.check_size(size)?;
        tlog_tiles::tree_hash(size, self)
            .map(|h| h.0)
            .map_err(|_| MerkleError::SizeOutOfRange {
                size,
                log_size: self.size,
            })
    }

    /// The audit path proving leaf `index` is in the tree of the first `size` leaves, ordered
    /// from the leaf's sibling up to the root's child (RFC 6962 §2.1.1).
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        tlog_tiles::prove_record(size, index, self)
            .map(|p| p.into_iter().map(|h| h.0).collect())
            .map_err(|_| MerkleError::IndexOutOfRange { index, size })
    }

    /// The proof that the tree of the first `old_size` leaves is a prefix of the tree of the
    /// first `new_size` leaves (RFC 6962 §2.1.2); empty when `old_size` is 0 or equal.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(MerkleError::SizesOutOfOrder { old_size, new_size });
        }
        if old_size == 0 {
            return Ok(Vec::new());
        }
        tlog_tiles::prove_tree(new_size, old_size, self)
            .map(|p| p.into_iter().map(|h| h.0).collect())
            .map_err(|_| MerkleError::SizesOutOfOrder { old_size, new_size })
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        if size > self.size {
            return Err(MerkleError::SizeOutOfRange {
                size,
                log_size: self.size,
            });
        }
        Ok(())
    }
}

/// Checks that `proof` shows the leaf with hash `leaf` at `index` in the tree of `size` leaves
/// whose head is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    // A proof has at most one hash per level; anything longer is refused before the
    // (recursive) check runs.
    if proof.len() > 64 {
        return Err(MerkleError::InvalidInclusionProof);
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().copied().map(tlog_tiles::Hash).collect();
    tlog_tiles::check_record(
        &proof,
        size,
        tlog_tiles::Hash(*root),
        index,
        tlog_tiles::Hash(*leaf),
    )
    .map_err(|_| MerkleError::InvalidInclusionProof)
}

/// Checks that `proof` shows the tree of `old_size` leaves with head `old_root` is a prefix
/// of the tree of `new_size` leaves with head `new_root`.
///
/// Following RFC 9162 §2.1.4.2: the empty tree is a prefix of every tree (empty proof), and
/// equal sizes need equal heads and an empty proof.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(MerkleError::InvalidConsistencyProof)
        };
    }
    if proof.len() > 128 {
        return Err(MerkleError::InvalidConsistencyProof);
    }
    let proof: Vec<tlog_tiles::Hash> = proof.iter().copied().map(tlog_tiles::Hash).collect();
    tlog_tiles::check_tree(
        &proof,
        new_size,
        tlog_tiles::Hash(*new_root),
        old_size,
        tlog_tiles::Hash(*old_root),
    )
    .map_err(|_| MerkleError::InvalidConsistencyProof)
}

#[cfg(test)]
#[path = "merkle_tests.rs"]
mod tests;
