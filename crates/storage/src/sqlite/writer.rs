//! The single writer: a dedicated thread that owns the write connection and drains a queue of
//! write requests.
//!
//! Whatever has queued up while the previous commit was being fsynced is applied in ONE SQLite
//! transaction (group commit): each request gets its own revision and its own result, a failed
//! precondition fails only its request, and one fsync makes the whole batch durable.  Only after
//! the commit returns are the batch's events published to watchers and the callers answered, so an
//! acknowledged write is always on disk and always visible to a read that starts afterwards.
//!
//! The thread also compacts history, a chunk at a time between batches, and on shutdown
//! checkpoints the WAL into the database file.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rusqlite::Connection;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::apply::{Batch, Outcome, WriteOp};
use super::schema::{DbLock, Meta, internal};
use super::store::{Shared, SqliteOptions};
use crate::{Revision, StorageError};

/// The most requests committed in one transaction: bounds the latency of the batch's first
/// request and the size of one watch notice.
const MAX_BATCH: usize = 1024;

/// The most revisions one compaction transaction removes, so a large compaction debt is paid in
/// short steps between write batches.
const COMPACTION_CHUNK: Revision = 1000;

pub(super) type Reply<T> = oneshot::Sender<Result<T, StorageError>>;

/// What the store asks of its writer.
pub(super) enum Request {
    Write {
        op: WriteOp,
        reply: Reply<Outcome>,
    },
    /// Compact history up to the revision; replies with the compacted revision.
    Compact {
        revision: Revision,
        reply: Reply<Revision>,
    },
    /// Commit what is queued before this request, checkpoint and stop.
    Shutdown {
        reply: Reply<()>,
    },
}

/// What the writer tells watchers.
#[derive(Clone, Debug)]
pub(super) enum Notice {
    /// The events of one committed batch, in revision and op order.
    Committed(Arc<Vec<crate::WatchEvent>>),
    /// The writer stopped: no more events will come.
    Closed,
}

pub(super) struct Writer {
    conn: Connection,
    meta: Meta,
    shared: Arc<Shared>,
    notices: broadcast::Sender<Notice>,
    history_revisions: Revision,
    compaction_interval: Revision,
    _lock: DbLock,
}

impl Writer {
    pub fn new(
        conn: Connection,
        meta: Meta,
        shared: Arc<Shared>,
        notices: broadcast::Sender<Notice>,
        lock: DbLock,
        opts: &SqliteOptions,
    ) -> Self {
        Self {
            conn,
            meta,
            shared,
            notices,
            history_revisions: Revision::try_from(opts.history_revisions).unwrap_or(Revision::MAX),
            compaction_interval: Revision::try_from(opts.compaction_interval.max(1))
                .unwrap_or(Revision::MAX),
            _lock: lock,
        }
    }

    /// Serves requests until shut down or until every sender is gone.
    pub fn run(mut self, mut requests: mpsc::Receiver<Request>) {
        let mut shutdown = None;
        while shutdown.is_none() {
            let Some(first) = requests.blocking_recv() else {
                break;
            };
            let mut queued = vec![first];
            while queued.len() < MAX_BATCH {
                match requests.try_recv() {
                    Ok(request) => queued.push(request),
                    Err(_) => break,
                }
            }
            shutdown = self.serve(queued);
            self.compact_due();
        }
        // Whatever was queued after the shutdown request arrived after close(): refuse it.
        requests.close();
        while let Ok(request) = requests.try_recv() {
            refuse(request);
        }
        let checkpointed = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
        if let Err(err) = &checkpointed {
            tracing::warn!(error = %err, "sqlite: WAL checkpoint at shutdown failed");
        }
        self.shared.closed.store(true, Ordering::SeqCst);
        // Nobody may be watching: a send error only means that.
        let _ = self.notices.send(Notice::Closed);
        if let Some(reply) = shutdown {
            let _ = reply.send(checkpointed.map_err(internal));
        }
    }

    /// Serves one drained run of requests in order; returns the shutdown reply if one came.
    fn serve(&mut self, queued: Vec<Request>) -> Option<Reply<()>> {
        let mut writes = Vec::new();
        let mut queued = queued.into_iter();
        for request in queued.by_ref() {
            match request {
                Request::Write { op, reply } => writes.push((op, reply)),
                Request::Compact { revision, reply } => {
                    // Writes queued before the compaction come first.
                    self.commit(std::mem::take(&mut writes));
                    let _ = reply.send(self.compact_to(revision));
                }
                Request::Shutdown { reply } => {
                    self.commit(std::mem::take(&mut writes));
                    queued.for_each(refuse);
                    return Some(reply);
                }
            }
        }
        self.commit(writes);
        None
    }

    /// Applies the writes in one transaction, then publishes their events and answers them.
    fn commit(&mut self, writes: Vec<(WriteOp, Reply<Outcome>)>) {
        if writes.is_empty() {
            return;
        }
        let (ops, replies): (Vec<_>, Vec<_>) = writes.into_iter().unzip();
        self.shared
            .write_requests
            .fetch_add(ops.len() as u64, Ordering::Relaxed);
        match Batch::apply(&mut self.conn, self.meta.revision, ops) {
            Ok(batch) => {
                if batch.wrote(self.meta.revision) {
                    self.meta.revision = batch.revision;
                    self.shared.revision.store(batch.revision, Ordering::SeqCst);
                    self.shared.commits.fetch_add(1, Ordering::Relaxed);
                }
                if !batch.events.is_empty() {
                    let _ = self.notices.send(Notice::Committed(Arc::new(batch.events)));
                }
                for (reply, outcome) in replies.into_iter().zip(batch.outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "sqlite: write batch failed");
                for reply in replies {
                    let _ = reply.send(Err(err.clone()));
                }
            }
        }
    }

    /// Keeps the last `history_revisions` revisions: once `compaction_interval` more have
    /// accumulated, removes one chunk of the older ones.
    fn compact_due(&mut self) {
        let target = self.meta.revision.saturating_sub(self.history_revisions);
        if target - self.meta.compacted < self.compaction_interval {
            return;
        }
        let chunk_end = target.min(self.meta.compacted.saturating_add(COMPACTION_CHUNK));
        if let Err(err) = self.compact_chunk(chunk_end) {
            tracing::error!(error = %err, "sqlite: compaction failed");
        }
    }

    /// Compacts up to `revision` (at most the current revision), in chunks.
    fn compact_to(&mut self, revision: Revision) -> Result<Revision, StorageError> {
        if revision > self.meta.revision {
            return Err(StorageError::FutureRevision {
                requested: revision,
                current: self.meta.revision,
            });
        }
        while self.meta.compacted < revision {
            let chunk_end = revision.min(self.meta.compacted.saturating_add(COMPACTION_CHUNK));
            self.compact_chunk(chunk_end)?;
        }
        Ok(self.meta.compacted)
    }

    /// Removes the history no read at a revision `>= upto` can need: every version superseded at
    /// or before `upto`, and every delete at or before it.  The latest version of each key at
    /// `upto` stays, so a list at `upto` and a watch from `upto` still work.
    fn compact_chunk(&mut self, upto: Revision) -> Result<(), StorageError> {
        let from = self.meta.compacted;
        let tx = self.conn.transaction().map_err(internal)?;
        // A version is superseded by exactly one later row, the one whose prev_id names it, so
        // the rows written in (from, upto] name every version that became superseded there.
        tx.prepare_cached(
            "DELETE FROM history WHERE id IN (SELECT prev_id FROM history
             WHERE revision > ?1 AND revision <= ?2 AND prev_id IS NOT NULL)",
        )
        .and_then(|mut stmt| stmt.execute([from, upto]))
        .map_err(internal)?;
        tx.prepare_cached(
            "DELETE FROM history WHERE revision > ?1 AND revision <= ?2 AND deleted = 1",
        )
        .and_then(|mut stmt| stmt.execute([from, upto]))
        .map_err(internal)?;
        tx.prepare_cached("UPDATE meta SET compacted = ?1 WHERE id = 0")
            .and_then(|mut stmt| stmt.execute([upto]))
            .map_err(internal)?;
        tx.commit().map_err(internal)?;
        self.meta.compacted = upto;
        self.shared.compacted.store(upto, Ordering::SeqCst);
        self.shared.commits.fetch_add(1, Ordering::Relaxed);
        self.shared.compactions.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn refuse(request: Request) {
    match request {
        Request::Write { reply, .. } => {
            let _ = reply.send(Err(StorageError::Closed));
        }
        Request::Compact { reply, .. } => {
            let _ = reply.send(Err(StorageError::Closed));
        }
        Request::Shutdown { reply } => {
            let _ = reply.send(Err(StorageError::Closed));
        }
    }
}
