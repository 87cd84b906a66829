//! Applying a batch of write requests inside one SQLite transaction.
//!
//! Each request is checked against the state left by the requests before it in the batch and,
//! if its preconditions hold, written at the next revision.  A failed precondition is that
//! request's answer and writes nothing; a SQLite failure aborts the whole batch (nothing of it is
//! committed and every request in it fails).

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::schema::internal;
use crate::{
    Compare, EventKind, KeyValue, Op, Revision, StorageError, Txn, TxnResponse, WatchEvent,
};

/// One write request.
#[derive(Debug)]
pub(super) enum WriteOp {
    Create {
        key: String,
        value: Vec<u8>,
    },
    Update {
        key: String,
        expected: Revision,
        value: Vec<u8>,
    },
    Delete {
        key: String,
        expected: Option<Revision>,
    },
    Txn(Txn),
}

/// The answer to one write request.
#[derive(Debug)]
pub(super) enum Outcome {
    Kv(KeyValue),
    Txn(TxnResponse),
}

/// A committed batch.
pub(super) struct Batch {
    /// The revision of the batch's last write (unchanged when nothing was written).
    pub revision: Revision,
    /// Every change, in revision and op order.
    pub events: Vec<WatchEvent>,
    /// One answer per request, in request order.
    pub outcomes: Vec<Result<Outcome, StorageError>>,
}

/// A key's live version.
struct Live {
    history_id: i64,
    kv: KeyValue,
}

impl Batch {
    /// Applies `ops` on top of `revision` and commits them in one transaction.
    pub fn apply(
        conn: &mut Connection,
        revision: Revision,
        ops: Vec<WriteOp>,
    ) -> Result<Self, StorageError> {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(internal)?;
        let mut batch = Batch {
            revision,
            events: Vec::new(),
            outcomes: Vec::with_capacity(ops.len()),
        };
        for op in ops {
            let outcome = batch.apply_one(&tx, op).map_err(internal)?;
            batch.outcomes.push(outcome);
        }
        if batch.wrote(revision) {
            tx.prepare_cached("UPDATE meta SET revision = ?1 WHERE id = 0")
                .and_then(|mut stmt| stmt.execute([batch.revision]))
                .map_err(internal)?;
            tx.commit().map_err(internal)?;
        } else {
            // Every request failed its precondition: there is nothing to make durable.
            tx.rollback().map_err(internal)?;
        }
        Ok(batch)
    }

    /// Whether the batch wrote anything on top of `revision`.
    pub fn wrote(&self, revision: Revision) -> bool {
        self.revision != revision
    }

    fn apply_one(
        &mut self,
        tx: &Transaction<'_>,
        op: WriteOp,
    ) -> rusqlite::Result<Result<Outcome, StorageError>> {
        let next = self.revision + 1;
        let outcome = match op {
            WriteOp::Create { key, value } => match live(tx, &key)? {
                Some(_) => Err(StorageError::AlreadyExists { key }),
                None => Ok(Outcome::Kv(self.put(tx, key, value, None, next)?)),
            },
            WriteOp::Update {
                key,
                expected,
                value,
            } => match live(tx, &key)? {
                None => Err(StorageError::NotFound { key }),
                Some(old) if old.kv.mod_revision != expected => Err(StorageError::Conflict {
                    key,
                    expected,
                    current: Some(old.kv.mod_revision),
                }),
                Some(old) => Ok(Outcome::Kv(self.put(tx, key, value, Some(old), next)?)),
            },
            WriteOp::Delete { key, expected } => match (live(tx, &key)?, expected) {
                (None, _) => Err(StorageError::NotFound { key }),
                (Some(old), Some(expected)) if expected != old.kv.mod_revision => {
                    Err(StorageError::Conflict {
                        key,
                        expected,
                        current: Some(old.kv.mod_revision),
                    })
                }
                (Some(old), _) => Ok(Outcome::Kv(self.remove(tx, old, next)?)),
            },
            WriteOp::Txn(txn) => Ok(Outcome::Txn(self.txn(tx, txn, next)?)),
        };
        Ok(outcome)
    }

    fn txn(
        &mut self,
        tx: &Transaction<'_>,
        txn: Txn,
        next: Revision,
    ) -> rusqlite::Result<TxnResponse> {
        for compare in &txn.compares {
            let Compare::ModRevision { key, revision } = compare;
            let current = live(tx, key)?.map_or(0, |l| l.kv.mod_revision);
            if current != *revision {
                return Ok(TxnResponse {
                    succeeded: false,
                    revision: self.revision,
                    results: Vec::new(),
                });
            }
        }
        let mut results = Vec::with_capacity(txn.ops.len());
        for op in txn.ops {
            let result = match op {
                Op::Put { key, value } => {
                    let old = live(tx, &key)?;
                    Some(self.put(tx, key, value, old, next)?)
                }
                // Deleting a missing key writes nothing, as in etcd.
                Op::Delete { key } => match live(tx, &key)? {
                    Some(old) => Some(self.remove(tx, old, next)?),
                    None => None,
                },
            };
            results.push(result);
        }
        Ok(TxnResponse {
            succeeded: true,
            revision: self.revision,
            results,
        })
    }

    /// Writes a new version of `key` at `revision`.
    fn put(
        &mut self,
        tx: &Transaction<'_>,
        key: String,
        value: Vec<u8>,
        old: Option<Live>,
        revision: Revision,
    ) -> rusqlite::Result<KeyValue> {
        let create_revision = old.as_ref().map_or(revision, |o| o.kv.create_revision);
        let history_id = insert_history(
            tx,
            revision,
            &key,
            &value,
            false,
            create_revision,
            old.as_ref().map(|o| o.history_id),
        )?;
        tx.prepare_cached(
            "INSERT INTO current (key, history_id, create_revision, mod_revision)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET history_id = excluded.history_id,
                 create_revision = excluded.create_revision, mod_revision = excluded.mod_revision",
        )?
        .execute(params![
            key.as_bytes(),
            history_id,
            create_revision,
            revision
        ])?;
        let kv = KeyValue {
            key,
            value,
            create_revision,
            mod_revision: revision,
        };
        self.record(EventKind::Put, kv.clone(), old.map(|o| o.kv), revision);
        Ok(kv)
    }

    /// Deletes `old`'s key at `revision`; returns its last state stamped with that revision.
    fn remove(
        &mut self,
        tx: &Transaction<'_>,
        old: Live,
        revision: Revision,
    ) -> rusqlite::Result<KeyValue> {
        // The delete row keeps no value: the version it points at holds the last one.
        insert_history(
            tx,
            revision,
            &old.kv.key,
            &[],
            true,
            old.kv.create_revision,
            Some(old.history_id),
        )?;
        tx.prepare_cached("DELETE FROM current WHERE key = ?1")?
            .execute(params![old.kv.key.as_bytes()])?;
        let kv = KeyValue {
            mod_revision: revision,
            ..old.kv.clone()
        };
        self.record(EventKind::Delete, kv.clone(), Some(old.kv), revision);
        Ok(kv)
    }

    fn record(
        &mut self,
        kind: EventKind,
        kv: KeyValue,
        prev: Option<KeyValue>,
        revision: Revision,
    ) {
        self.revision = revision;
        self.events.push(WatchEvent { kind, kv, prev });
    }
}

/// The key's live version, as left by the writes so far in this transaction.
fn live(tx: &Transaction<'_>, key: &str) -> rusqlite::Result<Option<Live>> {
    tx.prepare_cached(
        "SELECT c.history_id, h.value, c.create_revision, c.mod_revision
         FROM current c JOIN history h ON h.id = c.history_id WHERE c.key = ?1",
    )?
    .query_row(params![key.as_bytes()], |row| {
        Ok(Live {
            history_id: row.get(0)?,
            kv: KeyValue {
                key: key.to_string(),
                value: row.get(1)?,
                create_revision: row.get(2)?,
                mod_revision: row.get(3)?,
            },
        })
    })
    .optional()
}

fn insert_history(
    tx: &Transaction<'_>,
    revision: Revision,
    key: &str,
    value: &[u8],
    deleted: bool,
    create_revision: Revision,
    prev_id: Option<i64>,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO history (revision, key, value, deleted, create_revision, prev_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        revision,
        key.as_bytes(),
        value,
        deleted,
        create_revision,
        prev_id
    ])?;
    Ok(tx.last_insert_rowid())
}
