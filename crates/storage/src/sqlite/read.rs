//! The read side: `get`, `list` and watch replays, each run on a pooled connection (`pool`) in
//! its own read transaction, so a read sees one consistent snapshot and never waits behind the
//! writer.
//!
//! A list at the latest revision scans `current`.  A list at an older revision R reads `current`
//! too and corrects it with the keys written after R, whose state at R comes from `history`: the
//! work is proportional to the page and to the writes since R (bounded by the retained window),
//! never to the number of versions stored.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::range::KeyRange;
use super::remaining::RemainingCache;
use super::schema::{Meta, internal, read_meta};
use crate::{EventKind, KeyValue, ListOptions, ListResult, Revision, StorageError, WatchEvent};

fn read_txn(conn: &mut Connection) -> Result<Transaction<'_>, StorageError> {
    conn.transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(internal)
}

pub(super) fn key_string(bytes: Vec<u8>) -> Result<String, StorageError> {
    String::from_utf8(bytes)
        .map_err(|e| StorageError::Internal(format!("stored key is not UTF-8: {e}")))
}

/// The key's current state.
pub(super) fn get(conn: &mut Connection, key: &str) -> Result<Option<KeyValue>, StorageError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT h.value, c.create_revision, c.mod_revision
             FROM current c JOIN history h ON h.id = c.history_id WHERE c.key = ?1",
        )
        .map_err(internal)?;
    stmt.query_row(params![key.as_bytes()], |row| {
        Ok(KeyValue {
            key: key.to_string(),
            value: row.get(0)?,
            create_revision: row.get(1)?,
            mod_revision: row.get(2)?,
        })
    })
    .optional()
    .map_err(internal)
}

/// A key written after the list revision: its state then, and whether it exists now.
struct Changed {
    then: Option<KeyValue>,
    exists_now: bool,
}

/// One page of keys at one revision.
pub(super) fn list(
    conn: &mut Connection,
    opts: &ListOptions,
    counts: &RemainingCache,
) -> Result<ListResult, StorageError> {
    let tx = read_txn(conn)?;
    let meta = read_meta(&tx)?;
    let at = readable_revision(opts.revision, meta)?;
    let mut range = KeyRange::prefix(&opts.prefix);
    if let Some(after) = &opts.start_after {
        range = range.after(after);
    }
    let changed = if at < meta.revision {
        changed_since(&tx, &range, at)?
    } else {
        BTreeMap::new()
    };
    let limit = opts.limit.filter(|&n| n > 0).unwrap_or(usize::MAX);
    let items = page(&tx, &range, &changed, limit)?;
    let remaining = match items.last() {
        Some(last) if items.len() == limit => {
            // The page before this one may have counted already: subtract instead of recounting.
            let known = opts.start_after.as_deref().and_then(|after| {
                let before = counts.get(&opts.prefix, at, after)?;
                before.checked_sub(items.len() as u64)
            });
            let remaining = match known {
                Some(remaining) => remaining,
                None => count_after(&tx, &range.after(&last.key), &changed)?,
            };
            counts.put(&opts.prefix, at, &last.key, remaining);
            remaining
        }
        _ => 0,
    };
    Ok(ListResult {
        items,
        revision: at,
        more: remaining > 0,
        remaining,
    })
}

/// The first `limit` keys of `range` at the list revision: the rows of `current` untouched since
/// then, merged in key order with the earlier state of the keys touched since (`changed`).
fn page(
    tx: &Transaction<'_>,
    range: &KeyRange,
    changed: &BTreeMap<Vec<u8>, Changed>,
    limit: usize,
) -> Result<Vec<KeyValue>, StorageError> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT c.key, h.value, c.create_revision, c.mod_revision
             FROM current c JOIN history h ON h.id = c.history_id
             WHERE c.key >= ?1 AND c.key < ?2 ORDER BY c.key",
        )
        .map_err(internal)?;
    // Rows are stepped one at a time, so only the page (plus one row) is read.
    let mut rows = stmt
        .query(params![range.start, range.end])
        .map_err(internal)?;
    let mut older = changed.values().filter_map(|c| c.then.as_ref()).peekable();
    let mut next_current = next_unchanged(&mut rows, changed)?;
    let mut items = Vec::new();
    while items.len() < limit {
        let take_current = match (&next_current, older.peek()) {
            (Some(cur), Some(old)) => cur.key < old.key,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_current {
            items.extend(next_current.take());
            next_current = next_unchanged(&mut rows, changed)?;
        } else {
            items.extend(older.next().cloned());
        }
    }
    Ok(items)
}

/// Checks that the snapshot can answer for `requested` (the latest when `None`).
fn readable_revision(requested: Option<Revision>, meta: Meta) -> Result<Revision, StorageError> {
    let at = requested.unwrap_or(meta.revision);
    if at > meta.revision {
        return Err(StorageError::FutureRevision {
            requested: at,
            current: meta.revision,
        });
    }
    if at < meta.compacted {
        return Err(StorageError::Expired {
            requested: at,
            compacted: meta.compacted,
        });
    }
    Ok(at)
}

fn next_unchanged(
    rows: &mut rusqlite::Rows<'_>,
    changed: &BTreeMap<Vec<u8>, Changed>,
) -> Result<Option<KeyValue>, StorageError> {
    while let Some(row) = rows.next().map_err(internal)? {
        let key: Vec<u8> = row.get(0).map_err(internal)?;
        if changed.contains_key(&key) {
            continue;
        }
        return Ok(Some(KeyValue {
            key: key_string(key)?,
            value: row.get(1).map_err(internal)?,
            create_revision: row.get(2).map_err(internal)?,
            mod_revision: row.get(3).map_err(internal)?,
        }));
    }
    Ok(None)
}

/// The keys in `range` written after `at`, each with its state at `at`.
fn changed_since(
    tx: &Transaction<'_>,
    range: &KeyRange,
    at: Revision,
) -> Result<BTreeMap<Vec<u8>, Changed>, StorageError> {
    let mut keys_stmt = tx
        .prepare_cached(
            // The revision index bounds the scan by the writes since `at` (at most the retained
            // window); the planner would otherwise walk every version under the prefix.
            "SELECT DISTINCT key FROM history INDEXED BY history_by_revision
             WHERE revision > ?1 AND key >= ?2 AND key < ?3",
        )
        .map_err(internal)?;
    let keys = keys_stmt
        .query_map(params![at, range.start, range.end], |row| {
            row.get::<_, Vec<u8>>(0)
        })
        .map_err(internal)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(internal)?;
    let mut then_stmt = tx
        .prepare_cached(
            "SELECT value, deleted, create_revision, revision FROM history
             WHERE key = ?1 AND revision <= ?2 ORDER BY revision DESC, id DESC LIMIT 1",
        )
        .map_err(internal)?;
    let mut now_stmt = tx
        .prepare_cached("SELECT 1 FROM current WHERE key = ?1")
        .map_err(internal)?;
    let mut changed = BTreeMap::new();
    for key in keys {
        let version = then_stmt
            .query_row(params![key, at], |row| {
                Ok((
                    row.get::<_, Vec<u8>>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, Revision>(2)?,
                    row.get::<_, Revision>(3)?,
                ))
            })
            .optional()
            .map_err(internal)?;
        let then = match version {
            Some((value, false, create_revision, mod_revision)) => Some(KeyValue {
                key: key_string(key.clone())?,
                value,
                create_revision,
                mod_revision,
            }),
            _ => None,
        };
        let exists_now = now_stmt.exists(params![key]).map_err(internal)?;
        changed.insert(key, Changed { then, exists_now });
    }
    Ok(changed)
}

/// How many keys of `range` existed at the list revision.
fn count_after(
    tx: &Transaction<'_>,
    range: &KeyRange,
    changed: &BTreeMap<Vec<u8>, Changed>,
) -> Result<u64, StorageError> {
    let now: i64 = tx
        .prepare_cached("SELECT count(*) FROM current WHERE key >= ?1 AND key < ?2")
        .and_then(|mut stmt| stmt.query_row(params![range.start, range.end], |row| row.get(0)))
        .map_err(internal)?;
    let mut count = now;
    for (key, change) in changed.range(range.start.clone()..range.end.clone()) {
        debug_assert!(range.contains(key));
        count -= i64::from(change.exists_now);
        count += i64::from(change.then.is_some());
    }
    u64::try_from(count)
        .map_err(|_| StorageError::Internal(format!("negative remaining count {count}")))
}

/// Events read back from history for a watch.
pub(super) struct Replay {
    /// The events in `(after, through]`, in commit order.
    pub events: Vec<WatchEvent>,
    pub through: Revision,
    /// True when `through` was the latest revision when the chunk was read.
    pub caught_up: bool,
}

/// Reads the events of `range` committed after `after`, at most `max_revisions` revisions of them.
pub(super) fn replay(
    conn: &mut Connection,
    range: &KeyRange,
    after: Revision,
    max_revisions: Revision,
) -> Result<Replay, StorageError> {
    let tx = read_txn(conn)?;
    let meta = read_meta(&tx)?;
    if after > meta.revision {
        return Err(StorageError::FutureRevision {
            requested: after,
            current: meta.revision,
        });
    }
    if after < meta.compacted {
        return Err(StorageError::Expired {
            requested: after,
            compacted: meta.compacted,
        });
    }
    let through = after.saturating_add(max_revisions).min(meta.revision);
    let mut stmt = tx
        .prepare_cached(
            "SELECT h.revision, h.key, h.value, h.deleted, h.create_revision,
                    p.value, p.create_revision, p.revision
             FROM history h INDEXED BY history_by_revision
             LEFT JOIN history p ON p.id = h.prev_id
             WHERE h.revision > ?1 AND h.revision <= ?2 AND h.key >= ?3 AND h.key < ?4
             ORDER BY h.revision, h.id",
        )
        .map_err(internal)?;
    let mut rows = stmt
        .query(params![after, through, range.start, range.end])
        .map_err(internal)?;
    let mut events = Vec::new();
    while let Some(row) = rows.next().map_err(internal)? {
        events.push(history_event(row)?);
    }
    Ok(Replay {
        events,
        through,
        caught_up: through == meta.revision,
    })
}

fn history_event(row: &rusqlite::Row<'_>) -> Result<WatchEvent, StorageError> {
    let revision: Revision = row.get(0).map_err(internal)?;
    let key = key_string(row.get(1).map_err(internal)?)?;
    let deleted: bool = row.get(3).map_err(internal)?;
    let create_revision: Revision = row.get(4).map_err(internal)?;
    let prev = match row.get::<_, Option<Vec<u8>>>(5).map_err(internal)? {
        Some(value) => Some(KeyValue {
            key: key.clone(),
            value,
            create_revision: row.get(6).map_err(internal)?,
            mod_revision: row.get(7).map_err(internal)?,
        }),
        None => None,
    };
    let (kind, value) = if deleted {
        // A delete row stores no value: the event carries the last value the key held.
        let last = prev.as_ref().map(|p| p.value.clone()).unwrap_or_default();
        (EventKind::Delete, last)
    } else {
        (EventKind::Put, row.get(2).map_err(internal)?)
    };
    Ok(WatchEvent {
        kind,
        kv: KeyValue {
            key,
            value,
            create_revision,
            mod_revision: revision,
        },
        prev,
    })
}
