//! Signet's governance ledger, the pure core: the record of every CSR state change in a
//! canonical, versioned encoding ([`entry`]), the RFC 6962 Merkle tree over those records with
//! inclusion and consistency proofs ([`merkle`]), C2SP signed-note checkpoints signed by the
//! ledger's Ed25519 key ([`checkpoint`]), offline verification of a whole ledger ([`verify`])
//! and of a single certificate's record ([`bundle`]).
//!
//! No IO, no async: storage writes the encoded entries and checkpoints, the CLI reads them
//! back and calls [`verify_log`] or [`verify_bundle`]. A newcomer starts with
//! [`LedgerEntry`] and [`encode`], then [`MerkleTree`].

pub mod bundle;
pub mod checkpoint;
pub mod entry;
pub mod merkle;
pub mod verify;

pub use bundle::{
    BundleError, ProofBundle, VerifiedBundle, certificate_fingerprint, verify_bundle,
};
pub use checkpoint::{Checkpoint, CheckpointError, LedgerSigningKey, VerifierKey, open_checkpoint};
pub use entry::{
    ActorRecord, CURRENT_VERSION, CertificateRecord, ConditionRecord, CsrRecord, EntryError,
    EntryKind, KEY_ORIGIN_ANNOTATION, KeyOrigin, KeyProvenance, LedgerEntry, PolicyOutcome,
    PolicyRecord, RbacReason, UserRecord, decode, encode,
};
pub use merkle::{
    EMPTY_ROOT, Hash, MerkleError, MerkleTree, leaf_hash, node_hash, verify_consistency,
    verify_inclusion,
};
pub use verify::{EntryFault, VerifyError, verify_checkpoint_consistency, verify_log};

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "test fixtures fail loudly")]
mod test_support;
