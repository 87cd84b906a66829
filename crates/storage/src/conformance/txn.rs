//! Cases for multi-key transactions and for the `guaranteed_update` retry loop under contention.

use std::sync::Arc;

use super::{Backend, close, open, revision};
use crate::{Compare, KeyValue, Op, StorageError, Store, Txn, TxnResponse, guaranteed_update};

fn put(key: &str, value: &[u8]) -> Op {
    Op::Put {
        key: key.into(),
        value: value.to_vec(),
    }
}

fn delete(key: &str) -> Op {
    Op::Delete { key: key.into() }
}

fn at(key: &str, revision: i64) -> Compare {
    Compare::ModRevision {
        key: key.into(),
        revision,
    }
}

/// When any compare fails, no op is applied and the revision does not move.
pub async fn txn_failed_compare_writes_nothing<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let a = store
        .create("/t/a", b"a1".to_vec())
        .await
        .expect("create /t/a");
    let before = revision(&store).await;
    let failed = TxnResponse {
        succeeded: false,
        revision: before,
        results: vec![],
    };

    // The first compare holds, the second does not (the key is missing, not at revision 5).
    let txn = Txn {
        compares: vec![at("/t/a", a.mod_revision), at("/t/b", 5)],
        ops: vec![put("/t/a", b"a2"), put("/t/b", b"b1"), delete("/t/a")],
    };
    assert_eq!(store.txn(txn).await, Ok(failed.clone()));
    // Revision 0 means "must not exist".
    let txn = Txn {
        compares: vec![at("/t/a", 0)],
        ops: vec![put("/t/a", b"a3")],
    };
    assert_eq!(store.txn(txn).await, Ok(failed.clone()));
    let txn = Txn {
        compares: vec![at("/t/a", a.mod_revision + 1)],
        ops: vec![delete("/t/a")],
    };
    assert_eq!(store.txn(txn).await, Ok(failed));

    assert_eq!(store.get("/t/a").await, Ok(Some(a)));
    assert_eq!(store.get("/t/b").await, Ok(None));
    assert_eq!(revision(&store).await, before);
    close(&store).await;
}

/// When every compare holds, all ops commit at one new revision and each reports its result.
pub async fn txn_commits_all_ops_at_one_revision<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let a = store
        .create("/t/a", b"a1".to_vec())
        .await
        .expect("create /t/a");
    let c = store
        .create("/t/c", b"c1".to_vec())
        .await
        .expect("create /t/c");

    let txn = Txn {
        compares: vec![at("/t/a", a.mod_revision), at("/t/b", 0)],
        ops: vec![
            put("/t/a", b"a2"),
            put("/t/b", b"b1"),
            delete("/t/c"),
            delete("/t/missing"),
        ],
    };
    let response = store.txn(txn).await.expect("txn");
    let rev = response.revision;
    assert!(rev > c.mod_revision, "the txn's revision {rev} must be new");
    let a2 = KeyValue {
        key: "/t/a".into(),
        value: b"a2".to_vec(),
        create_revision: a.create_revision,
        mod_revision: rev,
    };
    let b1 = KeyValue {
        key: "/t/b".into(),
        value: b"b1".to_vec(),
        create_revision: rev,
        mod_revision: rev,
    };
    let c_deleted = KeyValue {
        mod_revision: rev,
        ..c
    };
    assert_eq!(
        response,
        TxnResponse {
            succeeded: true,
            revision: rev,
            results: vec![Some(a2.clone()), Some(b1.clone()), Some(c_deleted), None],
        }
    );
    assert_eq!(revision(&store).await, rev);
    assert_eq!(store.get("/t/a").await, Ok(Some(a2)));
    assert_eq!(store.get("/t/b").await, Ok(Some(b1)));
    assert_eq!(store.get("/t/c").await, Ok(None));
    assert_eq!(store.get("/t/missing").await, Ok(None));
    close(&store).await;
}

/// Many tasks incrementing one counter through `guaranteed_update` lose no increment.
pub async fn guaranteed_update_counts_exactly_under_contention<B: Backend>(backend: &B) {
    const TASKS: u64 = 16;
    const INCREMENTS: u64 = 20;
    let store = Arc::new(open(backend).await);
    let created = store
        .create("/counter", b"0".to_vec())
        .await
        .expect("create /counter");

    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for _ in 0..INCREMENTS {
                    guaranteed_update(&*store, "/counter", increment)
                        .await
                        .expect("increment");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("incrementing task");
    }

    let counter = store
        .get("/counter")
        .await
        .expect("get")
        .expect("/counter exists");
    assert_eq!(counter.value, (TASKS * INCREMENTS).to_string().into_bytes());
    assert_eq!(counter.create_revision, created.create_revision);
    assert_eq!(counter.mod_revision, revision(&*store).await);

    assert_eq!(
        guaranteed_update(&*store, "/missing", increment).await,
        Err(StorageError::NotFound {
            key: "/missing".into()
        })
    );
    let refused = guaranteed_update(&*store, "/counter", |_| {
        Err::<Vec<u8>, _>(StorageError::Internal("refused".into()))
    })
    .await;
    assert_eq!(refused, Err(StorageError::Internal("refused".into())));
    assert_eq!(
        store.get("/counter").await,
        Ok(Some(counter)),
        "a refused update writes nothing"
    );
    close(&*store).await;
}

fn increment(current: &KeyValue) -> Result<Vec<u8>, StorageError> {
    let n: u64 = std::str::from_utf8(&current.value)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| StorageError::Internal(format!("not a counter: {:?}", current.value)))?;
    Ok((n + 1).to_string().into_bytes())
}
