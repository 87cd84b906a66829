//! Behaviour of the SQLite backend beyond the shared conformance suite: its revision numbering,
//! periodic compaction, watchers that fall behind, the single-opener lock, and its counters.

use futures::StreamExt;
use signet_storage::sqlite::{SqliteOptions, SqliteStats, SqliteStore};
use signet_storage::{EventKind, ListOptions, Revision, StorageError, Store, WatchEvent};

fn open(dir: &tempfile::TempDir, opts: SqliteOptions) -> SqliteStore {
    SqliteStore::open(&dir.path().join("signet.db"), opts).expect("open")
}

fn list_at(prefix: &str, revision: Revision) -> ListOptions {
    ListOptions {
        prefix: prefix.into(),
        revision: Some(revision),
        ..Default::default()
    }
}

#[tokio::test]
async fn counters_track_requests_commits_and_revisions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, SqliteOptions::default());
    assert_eq!(
        store.stats(),
        SqliteStats {
            revision: 1,
            ..SqliteStats::default()
        }
    );
    let a = store.create("/a", b"1".to_vec()).await.expect("create");
    assert_eq!(a.mod_revision, 2);
    assert_eq!(
        store.create("/a", b"2".to_vec()).await,
        Err(StorageError::AlreadyExists { key: "/a".into() })
    );
    store
        .update("/a", a.mod_revision, b"3".to_vec())
        .await
        .expect("update");
    assert_eq!(
        store.stats(),
        SqliteStats {
            write_requests: 3,
            commits: 2,
            compactions: 0,
            revision: 3,
            compacted_revision: 0
        },
        "a request that writes nothing commits nothing"
    );
    store.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_keeps_the_configured_window_and_bounds_history() {
    const WINDOW: u64 = 20;
    const INTERVAL: u64 = 10;
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = SqliteOptions {
        history_revisions: WINDOW,
        compaction_interval: INTERVAL,
        ..SqliteOptions::default()
    };
    let store = open(&dir, opts);
    let mut hot = store.create("/k/hot", b"0".to_vec()).await.expect("create");
    for i in 0..200 {
        store
            .create(&format!("/k/{i:03}"), b"x".to_vec())
            .await
            .expect("create");
        hot = store
            .update("/k/hot", hot.mod_revision, i.to_string().into_bytes())
            .await
            .expect("update");
        if i % 3 == 0 {
            store
                .delete(&format!("/k/{i:03}"), None)
                .await
                .expect("delete");
        }
    }
    store
        .compact(0)
        .await
        .expect("wait for the last compaction step");
    let stats = store.stats();
    let lag = stats.revision - stats.compacted_revision;
    assert!(
        (WINDOW as i64..WINDOW as i64 + INTERVAL as i64).contains(&lag),
        "compacted {} at revision {}: the window must stay between {WINDOW} and {} revisions",
        stats.compacted_revision,
        stats.revision,
        WINDOW + INTERVAL
    );
    assert!(stats.compactions > 0);

    let compacted = stats.compacted_revision;
    assert_eq!(
        store.list(list_at("/k/", compacted - 1)).await,
        Err(StorageError::Expired {
            requested: compacted - 1,
            compacted
        })
    );
    assert_eq!(
        store.watch("/k/", compacted - 1).await.map(|_| ()).err(),
        Some(StorageError::Expired {
            requested: compacted - 1,
            compacted
        })
    );
    let latest = store
        .list(ListOptions {
            prefix: "/k/".into(),
            ..Default::default()
        })
        .await;
    let latest = latest.expect("list latest");
    assert_eq!(
        latest.items.len(),
        1 + 200 - 67,
        "the hot key and the undeleted keys"
    );
    assert!(latest.items.iter().any(|kv| kv == &hot));
    let oldest = store
        .list(list_at("/k/", compacted))
        .await
        .expect("list at the compacted revision");
    assert!(oldest.items.len() >= latest.items.len() - 20);
    store.close().await.expect("close");

    // History holds one version per live key plus at most the window's writes.
    let rows: i64 = rusqlite::Connection::open(dir.path().join("signet.db"))
        .and_then(|conn| conn.query_row("SELECT count(*) FROM history", [], |row| row.get(0)))
        .expect("count history rows");
    let bound = latest.items.len() as i64 + 2 * (WINDOW + INTERVAL) as i64;
    assert!(
        rows <= bound,
        "{rows} history rows, more than {bound}: compaction must remove them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_behind_its_buffer_catches_up_from_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(
        &dir,
        SqliteOptions {
            watch_buffer: 1,
            ..SqliteOptions::default()
        },
    );
    let start = store.current_revision().await.expect("revision");
    let mut stream = store.watch("/lag/", start).await.expect("watch");
    let mut written = Vec::new();
    for i in 0..100 {
        written.push(
            store
                .create(&format!("/lag/{i:03}"), vec![])
                .await
                .expect("create"),
        );
    }
    for kv in written {
        let event = WatchEvent {
            kind: EventKind::Put,
            kv,
            prev: None,
        };
        assert_eq!(stream.next().await, Some(Ok(event)));
    }
    store.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_behind_the_history_window_expires() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = SqliteOptions {
        history_revisions: 10,
        compaction_interval: 1,
        watch_buffer: 1,
        ..SqliteOptions::default()
    };
    let store = open(&dir, opts);
    let start = store.current_revision().await.expect("revision");
    let mut stream = store.watch("/lag/", start).await.expect("watch");
    for i in 0..100 {
        store
            .create(&format!("/lag/{i:03}"), vec![])
            .await
            .expect("create");
    }
    // The writer compacts after answering a batch; a compaction request queued behind it
    // returns once that is done.
    let compacted = store.compact(0).await.expect("wait for compaction");
    assert_eq!(
        compacted,
        store.current_revision().await.expect("revision") - 10
    );
    assert_eq!(
        stream.next().await,
        Some(Err(StorageError::Expired {
            requested: start,
            compacted
        }))
    );
    assert_eq!(stream.next().await, None);
    store.close().await.expect("close");
}

#[tokio::test]
async fn explicit_compaction_is_bounded_by_the_current_revision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, SqliteOptions::default());
    for i in 0..5 {
        store
            .create(&format!("/x/{i}"), vec![])
            .await
            .expect("create");
    }
    assert_eq!(
        store.compact(7).await,
        Err(StorageError::FutureRevision {
            requested: 7,
            current: 6
        })
    );
    assert_eq!(store.compact(4).await, Ok(4));
    assert_eq!(store.compact(3).await, Ok(4), "compaction never goes back");
    assert_eq!(store.stats().compacted_revision, 4);
    store.close().await.expect("close");
    assert_eq!(store.compact(5).await, Err(StorageError::Closed));
}

#[tokio::test]
async fn a_database_opens_in_one_store_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("signet.db");
    let first = SqliteStore::open(&path, SqliteOptions::default()).expect("open");
    assert_eq!(
        SqliteStore::open(&path, SqliteOptions::default())
            .map(|_| ())
            .err(),
        Some(StorageError::Unavailable(format!(
            "database {} is in use by another store",
            path.display()
        )))
    );
    first.close().await.expect("close");
    let second = SqliteStore::open(&path, SqliteOptions::default()).expect("open after close");
    second.close().await.expect("close");
}
