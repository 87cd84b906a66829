//! The on-disk layout of the SQLite backend: connection settings, tables and indexes, the
//! single-row `meta` record, and the lock file that keeps a second process from opening the
//! same database.
//!
//! The layout is etcd's MVCC model in three tables:
//!
//! * `history` holds every version of every key ever written and not yet compacted away, one row
//!   per put or delete, in commit order (`id` grows with the revision).  A row points at the version
//!   it replaced (`prev_id`), which is what a watch event's `prev` and compaction both need.
//! * `current` maps each live key to its latest `history` row: a small table, so a list at the
//!   latest revision is a range scan over it and a join by primary key for the values.
//! * `meta` records the revision of the last commit and the compacted revision, updated in the
//!   same transaction as the writes they describe.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::{Revision, StorageError};

/// The version of the layout below; a database written by another version is refused rather
/// than misread.
const SCHEMA_VERSION: i64 = 1;

/// The revision of an empty store.  Kubernetes clients treat resourceVersion "0" as "any", so the
/// first revision a store reports is 1 and the first write is committed at revision 2.
pub(super) const INITIAL_REVISION: Revision = 1;

const CREATE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS meta (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    schema_version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    compacted INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL,
    key BLOB NOT NULL,
    value BLOB NOT NULL,
    deleted INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_id INTEGER
);
CREATE INDEX IF NOT EXISTS history_by_revision ON history (revision);
CREATE INDEX IF NOT EXISTS history_by_key ON history (key, revision);
CREATE TABLE IF NOT EXISTS current (
    key BLOB PRIMARY KEY,
    history_id INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL
) WITHOUT ROWID;
";

/// The revisions recorded in `meta`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Meta {
    /// The revision of the last committed write.
    pub revision: Revision,
    /// History at revisions up to this one has been compacted: reads at older revisions and
    /// watches from older revisions are refused.
    pub compacted: Revision,
}

/// Turns a SQLite failure into the storage error every backend reports.
pub(super) fn internal(err: rusqlite::Error) -> StorageError {
    StorageError::Internal(format!("sqlite: {err}"))
}

/// An exclusive advisory lock on `<db>.lock`, held for as long as the store's writer lives.  Two
/// processes writing one database would hand out the same revisions twice; the kernel drops
/// the lock when the holder dies, so a killed process does not block its successor.
#[derive(Debug)]
pub(super) struct DbLock {
    _file: File,
}

impl DbLock {
    pub(super) fn acquire(db_path: &Path) -> Result<Self, StorageError> {
        let path = lock_path(db_path);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StorageError::Internal(format!("open {}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StorageError::Unavailable(format!(
                "database {} is in use by another store",
                db_path.display()
            ))),
            Err(TryLockError::Error(e)) => Err(StorageError::Internal(format!(
                "lock {}: {e}",
                path.display()
            ))),
        }
    }
}

fn lock_path(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Opens the connection the writer owns, switches the database to WAL with full fsync on commit,
/// and creates or checks the schema.
pub(super) fn open_writer(path: &Path) -> Result<(Connection, Meta), StorageError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(internal)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(internal)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StorageError::Internal(format!(
            "sqlite: cannot switch {} to WAL mode (got {mode})",
            path.display()
        )));
    }
    // FULL makes every commit fsync the WAL before it returns: an acknowledged write survives a
    // crash of the process or the machine.
    // A checkpoint leaves the WAL file at its largest size unless told to shrink it.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF; PRAGMA journal_size_limit = 67108864;",
    )
        .map_err(internal)?;
    tune(&conn)?;
    conn.execute_batch(CREATE_TABLES).map_err(internal)?;
    let meta = init_meta(&conn)?;
    Ok((conn, meta))
}

/// Opens one connection of the read pool.  Reads run in their own transactions and see the last
/// commit that finished before they began (WAL snapshot isolation), never waiting for the writer.
pub(super) fn open_reader(path: &Path) -> Result<Connection, StorageError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(internal)?;
    conn.execute_batch("PRAGMA query_only = ON;")
        .map_err(internal)?;
    tune(&conn)?;
    Ok(conn)
}

fn tune(conn: &Connection) -> Result<(), StorageError> {
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(internal)?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.execute_batch("PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;")
        .map_err(internal)
}

/// Reads `meta`, creating it for a new database and refusing one of another schema version.
fn init_meta(conn: &Connection) -> Result<Meta, StorageError> {
    let row = conn
        .query_row(
            "SELECT schema_version, revision, compacted FROM meta WHERE id = 0",
            [],
            |row| Ok((row.get::<_, i64>(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(internal)?;
    match row {
        Some((SCHEMA_VERSION, revision, compacted)) => Ok(Meta {
            revision,
            compacted,
        }),
        Some((version, _, _)) => Err(StorageError::Internal(format!(
            "unsupported database schema version {version} (this build reads version {SCHEMA_VERSION})"
        ))),
        None => {
            conn.execute(
                "INSERT INTO meta (id, schema_version, revision, compacted) VALUES (0, ?1, ?2, 0)",
                params![SCHEMA_VERSION, INITIAL_REVISION],
            )
            .map_err(internal)?;
            Ok(Meta {
                revision: INITIAL_REVISION,
                compacted: 0,
            })
        }
    }
}

/// Reads `meta` inside the caller's transaction, so the revisions match the snapshot it reads.
pub(super) fn read_meta(conn: &Connection) -> Result<Meta, StorageError> {
    conn.prepare_cached("SELECT revision, compacted FROM meta WHERE id = 0")
        .and_then(|mut stmt| {
            stmt.query_row([], |row| {
                Ok(Meta {
                    revision: row.get(0)?,
                    compacted: row.get(1)?,
                })
            })
        })
        .map_err(internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_database_starts_at_the_initial_revision_and_reopens_with_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let (conn, meta) = open_writer(&path).expect("open");
        assert_eq!(
            meta,
            Meta {
                revision: INITIAL_REVISION,
                compacted: 0
            }
        );
        conn.execute("UPDATE meta SET revision = 7, compacted = 3", [])
            .expect("update");
        drop(conn);
        let (conn, meta) = open_writer(&path).expect("reopen");
        assert_eq!(
            meta,
            Meta {
                revision: 7,
                compacted: 3
            }
        );
        assert_eq!(read_meta(&conn).expect("read"), meta);
    }

    #[test]
    fn another_schema_version_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let (conn, _) = open_writer(&path).expect("open");
        conn.execute("UPDATE meta SET schema_version = 99", [])
            .expect("update");
        drop(conn);
        let err = open_writer(&path).expect_err("must refuse");
        assert_eq!(
            err,
            StorageError::Internal(
                "unsupported database schema version 99 (this build reads version 1)".into()
            )
        );
    }

    #[test]
    fn the_lock_is_exclusive_until_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let lock = DbLock::acquire(&path).expect("first lock");
        let err = DbLock::acquire(&path).expect_err("second lock must fail");
        assert_eq!(
            err,
            StorageError::Unavailable(format!(
                "database {} is in use by another store",
                path.display()
            ))
        );
        drop(lock);
        DbLock::acquire(&path).expect("lock again after release");
    }
}
