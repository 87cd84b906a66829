//! The one error type every backend returns.

use crate::Revision;

/// A storage failure, the same for every backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("key {key:?} not found")]
    NotFound { key: String },
    #[error("key {key:?} already exists")]
    AlreadyExists { key: String },
    /// A compare-and-swap precondition failed.
    #[error("key {key:?} was modified: expected revision {expected}, current {current:?}")]
    Conflict {
        key: String,
        expected: Revision,
        current: Option<Revision>,
    },
    /// The requested revision has been compacted away.
    #[error("too old resource version: {requested} ({compacted})")]
    Expired {
        requested: Revision,
        compacted: Revision,
    },
    /// The requested revision has not been written yet.
    #[error("revision {requested} is newer than the current revision {current}")]
    FutureRevision {
        requested: Revision,
        current: Revision,
    },
    /// The backend cannot be reached (etcd: no member answered).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The store was closed.
    #[error("storage is closed")]
    Closed,
    /// Anything else the backend reports (I/O, corruption).
    #[error("storage error: {0}")]
    Internal(String),
}
