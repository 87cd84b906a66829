//! Runs the storage conformance suite on the SQLite backend, every case on its own database in
//! its own temporary directory.

use std::sync::{Mutex, PoisonError};

use signet_storage::Revision;
use signet_storage::StorageError;
use signet_storage::conformance::{self, Backend};
use signet_storage::sqlite::{SqliteOptions, SqliteStore};

/// Opens each store in a fresh temporary directory, kept until the backend is dropped.
struct Sqlite {
    dirs: Mutex<Vec<tempfile::TempDir>>,
}

impl Sqlite {
    fn new() -> Self {
        Self {
            dirs: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait::async_trait]
impl Backend for Sqlite {
    type Store = SqliteStore;

    async fn open(&self) -> Result<SqliteStore, StorageError> {
        let dir = tempfile::tempdir().map_err(|e| StorageError::Internal(e.to_string()))?;
        let store = SqliteStore::open(&dir.path().join("signet.db"), SqliteOptions::default());
        self.dirs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(dir);
        store
    }

    async fn compact(&self, store: &SqliteStore, revision: Revision) -> Result<(), StorageError> {
        assert_eq!(store.compact(revision).await?, revision);
        Ok(())
    }
}

signet_storage::conformance_tests!(Sqlite::new());

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn run_all_runs_every_case() {
    conformance::run_all(&Sqlite::new()).await;
}
