//! Many concurrent writers on the SQLite backend: every write succeeds with its own revision,
//! and the writer commits them in batches (group commit) rather than one transaction each.

use std::collections::BTreeSet;
use std::sync::Arc;

use signet_storage::sqlite::{SqliteOptions, SqliteStore};
use signet_storage::{ListOptions, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_get_distinct_revisions_and_share_commits() {
    const TASKS: usize = 64;
    const CREATES: usize = 50;
    const WRITES: u64 = (TASKS * CREATES) as u64;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("signet.db"), SqliteOptions::default()).expect("open"),
    );
    let initial = store.current_revision().await.expect("revision");

    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut revisions = Vec::with_capacity(CREATES);
                for i in 0..CREATES {
                    let key = format!("/c/{task:02}/{i:02}");
                    let kv = store
                        .create(&key, key.clone().into_bytes())
                        .await
                        .expect("create");
                    assert_eq!(kv.create_revision, kv.mod_revision);
                    revisions.push(kv.mod_revision);
                }
                revisions
            })
        })
        .collect();
    let mut revisions = BTreeSet::new();
    for task in tasks {
        let mine = task.await.expect("writer task");
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "one task's writes go forward: {mine:?}"
        );
        revisions.extend(mine);
    }

    // Nothing else wrote: the writes took exactly the revisions after the initial one.
    let expected: BTreeSet<i64> = (initial + 1..=initial + WRITES as i64).collect();
    assert_eq!(
        revisions, expected,
        "every write has its own revision, none skipped"
    );
    assert_eq!(store.current_revision().await, Ok(initial + WRITES as i64));

    let stats = store.stats();
    assert_eq!(stats.write_requests, WRITES);
    assert!(stats.commits >= 1);
    assert!(
        stats.commits < stats.write_requests,
        "{} commits for {} writes: concurrent writes must share commits",
        stats.commits,
        stats.write_requests
    );

    let listed = store
        .list(ListOptions {
            prefix: "/c/".into(),
            limit: Some(1000),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(
        (listed.items.len(), listed.more, listed.remaining),
        (1000, true, WRITES - 1000)
    );
    store.close().await.expect("close");
}
