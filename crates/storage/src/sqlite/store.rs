//! [`SqliteStore`]: the [`Store`] implementation that ties the writer thread, the read pool and
//! the watch streams together.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::apply::{Outcome, WriteOp};
use super::pool::ReadPool;
use super::read;
use super::remaining::RemainingCache;
use super::schema::{self, DbLock};
use super::watch;
use super::writer::{Notice, Request, Writer};
use crate::{
    KeyValue, ListOptions, ListResult, Revision, StorageError, Store, Txn, TxnResponse, WatchStream,
};

/// How the SQLite backend is tuned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteOptions {
    /// How many of the latest revisions stay readable: lists at and watches from older revisions
    /// fail with [`StorageError::Expired`].
    pub history_revisions: u64,
    /// How many revisions past the window may accumulate before compaction removes them.
    pub compaction_interval: u64,
    /// Connections in the read pool: how many reads run at once.
    pub read_connections: usize,
    /// Committed batches buffered for live watchers.  A watcher further behind catches up from
    /// the database, so this trades memory for re-reads, not for correctness.
    pub watch_buffer: usize,
    /// Write requests that may wait for the writer before callers are made to wait.
    pub write_queue: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            history_revisions: 10_000,
            compaction_interval: 1_000,
            read_connections: 4,
            watch_buffer: 256,
            write_queue: 4096,
        }
    }
}

/// Counters describing the work the store has done since it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SqliteStats {
    /// Write requests served (create, update, delete, txn), including those whose
    /// precondition failed.
    pub write_requests: u64,
    /// Transactions committed to disk, each one fsync: write batches and compaction steps.
    pub commits: u64,
    /// Compaction steps committed.
    pub compactions: u64,
    /// The revision of the last committed write.
    pub revision: Revision,
    /// Lists at and watches from revisions older than this fail with [`StorageError::Expired`].
    pub compacted_revision: Revision,
}

/// State the writer publishes for the store to read without asking it.
#[derive(Debug, Default)]
pub(super) struct Shared {
    pub revision: AtomicI64,
    pub compacted: AtomicI64,
    pub closed: AtomicBool,
    pub write_requests: AtomicU64,
    pub commits: AtomicU64,
    pub compactions: AtomicU64,
}

/// The embedded backend: one SQLite database file in WAL mode.
///
/// The first revision of an empty store is 1; the first write is committed at revision 2.
/// Every write is on disk (fsynced) before it is acknowledged.
///
/// Call [`Store::close`] before dropping the store: it commits what is queued, checkpoints the
/// WAL and releases the database before it returns.  A store dropped without `close` stops its
/// writer in the background, so opening the same file again at once may find it still in use.
pub struct SqliteStore {
    path: PathBuf,
    requests: mpsc::Sender<Request>,
    readers: Arc<ReadPool>,
    counts: Arc<RemainingCache>,
    notices: broadcast::Sender<Notice>,
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and starts its writer thread.  Fails with
    /// [`StorageError::Unavailable`] while another store has the same database open.
    pub fn open(path: &Path, opts: SqliteOptions) -> Result<Self, StorageError> {
        let lock = DbLock::acquire(path)?;
        let (conn, meta) = schema::open_writer(path)?;
        let readers = (0..opts.read_connections.max(1))
            .map(|_| schema::open_reader(path))
            .collect::<Result<Vec<_>, _>>()?;
        let shared = Arc::new(Shared::default());
        shared.revision.store(meta.revision, Ordering::SeqCst);
        shared.compacted.store(meta.compacted, Ordering::SeqCst);
        let (notices, _) = broadcast::channel(opts.watch_buffer.max(1));
        let (requests, queue) = mpsc::channel(opts.write_queue.max(1));
        let writer = Writer::new(
            conn,
            meta,
            Arc::clone(&shared),
            notices.clone(),
            lock,
            &opts,
        );
        let handle = std::thread::Builder::new()
            .name("signet-sqlite-writer".into())
            .spawn(move || writer.run(queue))
            .map_err(|e| StorageError::Internal(format!("start the writer thread: {e}")))?;
        Ok(Self {
            path: path.to_path_buf(),
            requests,
            readers: Arc::new(ReadPool::new(readers)),
            counts: Arc::default(),
            notices,
            shared,
            writer: Mutex::new(Some(handle)),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the store has done since it was opened.
    pub fn stats(&self) -> SqliteStats {
        SqliteStats {
            write_requests: self.shared.write_requests.load(Ordering::Relaxed),
            commits: self.shared.commits.load(Ordering::Relaxed),
            compactions: self.shared.compactions.load(Ordering::Relaxed),
            revision: self.shared.revision.load(Ordering::SeqCst),
            compacted_revision: self.shared.compacted.load(Ordering::SeqCst),
        }
    }

    /// Discards the history older than `revision` now, without waiting for the periodic
    /// compaction; returns the compacted revision.  Reads at `revision` and later still work.
    pub async fn compact(&self, revision: Revision) -> Result<Revision, StorageError> {
        self.ensure_open()?;
        let (reply, answer) = oneshot::channel();
        self.send(Request::Compact { revision, reply }).await?;
        answer.await.map_err(|_| StorageError::Closed)?
    }

    fn ensure_open(&self) -> Result<(), StorageError> {
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(StorageError::Closed);
        }
        Ok(())
    }

    async fn send(&self, request: Request) -> Result<(), StorageError> {
        self.requests
            .send(request)
            .await
            .map_err(|_| StorageError::Closed)
    }

    async fn write(&self, op: WriteOp) -> Result<Outcome, StorageError> {
        self.ensure_open()?;
        let (reply, answer) = oneshot::channel();
        self.send(Request::Write { op, reply }).await?;
        answer.await.map_err(|_| StorageError::Closed)?
    }

    async fn write_kv(&self, op: WriteOp) -> Result<KeyValue, StorageError> {
        match self.write(op).await? {
            Outcome::Kv(kv) => Ok(kv),
            Outcome::Txn(_) => Err(StorageError::Internal(
                "writer answered a txn to a key write".into(),
            )),
        }
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, StorageError> + Send + 'static,
    {
        self.ensure_open()?;
        self.readers.run(f).await
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StorageError> {
        let key = key.to_string();
        self.read(move |conn| read::get(conn, &key)).await
    }

    async fn list(&self, opts: ListOptions) -> Result<ListResult, StorageError> {
        let counts = Arc::clone(&self.counts);
        self.read(move |conn| read::list(conn, &opts, &counts))
            .await
    }

    async fn create(&self, key: &str, value: Vec<u8>) -> Result<KeyValue, StorageError> {
        self.write_kv(WriteOp::Create {
            key: key.to_string(),
            value,
        })
        .await
    }

    async fn update(
        &self,
        key: &str,
        expected: Revision,
        value: Vec<u8>,
    ) -> Result<KeyValue, StorageError> {
        self.write_kv(WriteOp::Update {
            key: key.to_string(),
            expected,
            value,
        })
        .await
    }

    async fn delete(
        &self,
        key: &str,
        expected: Option<Revision>,
    ) -> Result<KeyValue, StorageError> {
        self.write_kv(WriteOp::Delete {
            key: key.to_string(),
            expected,
        })
        .await
    }

    async fn txn(&self, txn: Txn) -> Result<TxnResponse, StorageError> {
        match self.write(WriteOp::Txn(txn)).await? {
            Outcome::Txn(response) => Ok(response),
            Outcome::Kv(_) => Err(StorageError::Internal(
                "writer answered a key write to a txn".into(),
            )),
        }
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream, StorageError> {
        // Subscribe first, then check: a close that lands in between is seen by one or the other.
        let notices = self.notices.subscribe();
        self.ensure_open()?;
        watch::start(Arc::clone(&self.readers), notices, prefix, after).await
    }

    async fn current_revision(&self) -> Result<Revision, StorageError> {
        self.ensure_open()?;
        Ok(self.shared.revision.load(Ordering::SeqCst))
    }

    async fn close(&self) -> Result<(), StorageError> {
        if self.shared.closed.swap(true, Ordering::SeqCst) {
            return Err(StorageError::Closed);
        }
        // Reads finish first so the checkpoint at shutdown can fold the whole WAL back.
        self.readers.close().await;
        let (reply, answer) = oneshot::channel();
        self.send(Request::Shutdown { reply }).await?;
        let checkpointed = answer.await.map_err(|_| StorageError::Closed)?;
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            tokio::task::spawn_blocking(move || handle.join())
                .await
                .map_err(|e| StorageError::Internal(format!("join the writer thread: {e}")))?
                .map_err(|_| StorageError::Internal("the writer thread panicked".into()))?;
        }
        checkpointed
    }
}
