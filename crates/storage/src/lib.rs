//! Signet's storage layer, shaped like etcd v3 as Kubernetes uses it.
//!
//! Every backend stores opaque byte values under string keys and stamps each write with a global,
//! monotonically increasing [`Revision`] (Kubernetes exposes it as `metadata.resourceVersion`).
//! Callers get, list (with paging at a consistent snapshot revision), create, update with
//! compare-and-swap on the key's last revision, delete with preconditions, commit several keys in
//! one atomic [`Txn`], and watch a prefix from a revision.  A watch from a revision older than the
//! retained history fails with [`StorageError::Expired`], which the API server turns into
//! `410 Gone` / reason `Expired` exactly as kube-apiserver does.
//!
//! The trait names no backend and no HTTP or Kubernetes REST concept.  Start with [`Store`]; the
//! embedded backend is [`sqlite::SqliteStore`]; [`conformance`] is the test suite every backend
//! must pass.

use std::pin::Pin;

use futures::Stream;

pub mod conformance;
mod error;
pub mod sqlite;

pub use error::StorageError;

/// A global revision.  Starts at 1 for an empty store; every committed write increments it.
pub type Revision = i64;

/// One stored key and the revisions that describe its history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: Vec<u8>,
    /// Revision of the write that created the key (reset when a key is deleted and created again).
    pub create_revision: Revision,
    /// Revision of the last write to the key.
    pub mod_revision: Revision,
}

/// What to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Only keys that start with this prefix.
    pub prefix: String,
    /// At most this many items (`None` or `Some(0)`: all of them).
    pub limit: Option<usize>,
    /// Start strictly after this key (the key of the last item of the previous page).
    pub start_after: Option<String>,
    /// Read the state as of this revision (`None`: the latest).  A revision older than the retained
    /// history fails with [`StorageError::Expired`]; one newer than the current revision with
    /// [`StorageError::FutureRevision`].
    pub revision: Option<Revision>,
}

/// One page of a list, read at one consistent revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListResult {
    /// Items in key order.
    pub items: Vec<KeyValue>,
    /// The revision the page was read at: pass it back as [`ListOptions::revision`] for the next page.
    pub revision: Revision,
    /// True when more items match after the last one returned.
    pub more: bool,
    /// How many matching items follow this page, when `more` is true.
    pub remaining: u64,
}

/// A condition a transaction checks before applying its operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compare {
    /// The key's `mod_revision` equals this value; `0` means the key must not exist.
    ModRevision { key: String, revision: Revision },
}

/// One write inside a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Put { key: String, value: Vec<u8> },
    Delete { key: String },
}

/// A multi-key atomic transaction: if every compare holds, all ops commit at one new revision;
/// otherwise nothing is written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Txn {
    pub compares: Vec<Compare>,
    pub ops: Vec<Op>,
}

/// The outcome of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnResponse {
    /// False when a compare failed (nothing was written).
    pub succeeded: bool,
    /// The revision of the commit when it succeeded, else the store's current revision.
    pub revision: Revision,
    /// For each op when succeeded: the key's state after a put, the deleted state for a delete
    /// (`None` when the key did not exist).
    pub results: Vec<Option<KeyValue>>,
}

/// What happened to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Put,
    Delete,
}

/// One change seen by a watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchEvent {
    pub kind: EventKind,
    /// After a put, the new state.  After a delete, the key with the last value it held and
    /// `mod_revision` set to the revision of the delete.
    pub kv: KeyValue,
    /// The state before the change, when the key existed.
    pub prev: Option<KeyValue>,
}

impl WatchEvent {
    /// The revision at which this change was committed.
    pub fn revision(&self) -> Revision {
        self.kv.mod_revision
    }
}

/// A stream of changes in revision order.  It ends with an `Err` (and then `None`) when the
/// watcher fell too far behind or the store closed.
pub type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchEvent, StorageError>> + Send>>;

/// The storage contract every backend implements (SQLite now, etcd later).
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// The key's current state, if it exists.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StorageError>;

    /// A page of keys under a prefix, at one consistent revision.
    async fn list(&self, opts: ListOptions) -> Result<ListResult, StorageError>;

    /// Create a key; fails with [`StorageError::AlreadyExists`] if it exists.
    async fn create(&self, key: &str, value: Vec<u8>) -> Result<KeyValue, StorageError>;

    /// Replace a key's value if its `mod_revision` still equals `expected`; fails with
    /// [`StorageError::NotFound`] or [`StorageError::Conflict`].
    async fn update(
        &self,
        key: &str,
        expected: Revision,
        value: Vec<u8>,
    ) -> Result<KeyValue, StorageError>;

    /// Delete a key, optionally only if its `mod_revision` equals `expected`.  Returns the deleted
    /// state with `mod_revision` set to the revision of the delete.
    async fn delete(&self, key: &str, expected: Option<Revision>)
    -> Result<KeyValue, StorageError>;

    /// Apply a multi-key transaction atomically.
    async fn txn(&self, txn: Txn) -> Result<TxnResponse, StorageError>;

    /// Watch keys under `prefix` for changes committed at revisions strictly greater than `after`.
    /// `after` older than the retained history fails with [`StorageError::Expired`].
    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream, StorageError>;

    /// The revision of the last committed write.
    async fn current_revision(&self) -> Result<Revision, StorageError>;

    /// Flush and close; later calls fail with [`StorageError::Closed`].
    async fn close(&self) -> Result<(), StorageError>;
}

/// Read-modify-write with compare-and-swap, retried while another writer races us — the
/// `GuaranteedUpdate` loop of Kubernetes storage.  `f` receives the current state and returns the
/// new value, or an error to stop.
pub async fn guaranteed_update<S, F, E>(store: &S, key: &str, mut f: F) -> Result<KeyValue, E>
where
    S: Store + ?Sized,
    F: FnMut(&KeyValue) -> Result<Vec<u8>, E>,
    E: From<StorageError>,
{
    loop {
        let current = store
            .get(key)
            .await?
            .ok_or_else(|| StorageError::NotFound {
                key: key.to_string(),
            })?;
        let value = f(&current)?;
        match store.update(key, current.mod_revision, value).await {
            Err(StorageError::Conflict { .. }) => continue,
            other => return Ok(other?),
        }
    }
}
