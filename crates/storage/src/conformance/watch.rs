//! Cases for watches: replay of history followed by live events, no gap and no duplicate when a
//! watch starts while writes go on, prefix filtering, delete events, transactions seen as one
//! revision, and watches from compacted or future revisions.

use std::sync::Arc;

use super::{Backend, close, next_event, open, revision, watch};
use crate::{EventKind, KeyValue, Op, StorageError, Store, Txn, WatchEvent, WatchStream};

fn put(kv: &KeyValue, prev: Option<&KeyValue>) -> WatchEvent {
    WatchEvent {
        kind: EventKind::Put,
        kv: kv.clone(),
        prev: prev.cloned(),
    }
}

fn deleted(kv: &KeyValue, prev: &KeyValue) -> WatchEvent {
    WatchEvent {
        kind: EventKind::Delete,
        kv: kv.clone(),
        prev: Some(prev.clone()),
    }
}

async fn expect_events(stream: &mut WatchStream, expected: &[WatchEvent], what: &str) {
    for (i, want) in expected.iter().enumerate() {
        let got = next_event(stream, &format!("{what}: event {i}")).await;
        assert_eq!(&got, want, "{what}: event {i}");
    }
}

/// A watch first replays exactly the events after its revision, then streams new ones.
pub async fn watch_replays_history_then_streams_live<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let w1 = store
        .create("/w/1", b"1".to_vec())
        .await
        .expect("create /w/1");
    let w1b = store
        .update("/w/1", w1.mod_revision, b"2".to_vec())
        .await
        .expect("update /w/1");
    let w2 = store
        .create("/w/2", b"1".to_vec())
        .await
        .expect("create /w/2");

    let mut stream = watch(&store, "/w/", w1.mod_revision).await;
    expect_events(
        &mut stream,
        &[put(&w1b, Some(&w1)), put(&w2, None)],
        "replay",
    )
    .await;
    let w3 = store
        .create("/w/3", b"1".to_vec())
        .await
        .expect("create /w/3");
    let w2b = store
        .update("/w/2", w2.mod_revision, b"2".to_vec())
        .await
        .expect("update /w/2");
    expect_events(&mut stream, &[put(&w3, None), put(&w2b, Some(&w2))], "live").await;

    let mut from_now = watch(&store, "/w/", revision(&store).await).await;
    let w4 = store
        .create("/w/4", b"1".to_vec())
        .await
        .expect("create /w/4");
    expect_events(
        &mut from_now,
        &[put(&w4, None)],
        "watch from the current revision",
    )
    .await;
    expect_events(&mut stream, &[put(&w4, None)], "live, continued").await;
    close(&store).await;
}

/// Watches started at the current revision while writers are busy each see exactly the writes
/// after their revision, in order: none lost between replay and live, none twice.
pub async fn watch_start_races_writes_without_gap_or_duplicate<B: Backend>(backend: &B) {
    const WRITERS: usize = 4;
    const WRITES: usize = 60;
    const WATCHES: usize = 40;
    let store = Arc::new(open(backend).await);
    let start = revision(&*store).await;
    let mut watches = vec![(start, watch(&*store, "/r/", start).await)];

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut written = Vec::with_capacity(WRITES);
                for i in 0..WRITES {
                    let key = format!("/r/{w}/{:02}", i % 10);
                    let value = i.to_string().into_bytes();
                    let kv = match written.iter().rev().find(|kv: &&KeyValue| kv.key == key) {
                        None => store.create(&key, value).await,
                        Some(old) => store.update(&key, old.mod_revision, value).await,
                    };
                    written.push(kv.expect("write"));
                }
                written
            })
        })
        .collect();
    while watches.len() < WATCHES && !writers.iter().all(|w| w.is_finished()) {
        let after = revision(&*store).await;
        watches.push((after, watch(&*store, "/r/", after).await));
        tokio::task::yield_now().await;
    }
    let mut written = Vec::new();
    for writer in writers {
        written.extend(writer.await.expect("writer task"));
    }
    written.sort_by_key(|kv| kv.mod_revision);
    let end = store
        .create("/r/end", b"end".to_vec())
        .await
        .expect("create /r/end");

    assert!(
        watches.len() > 2,
        "only {} watches started during the writes",
        watches.len()
    );
    for (after, mut stream) in watches {
        let what = format!("watch after {after}");
        for kv in written.iter().filter(|kv| kv.mod_revision > after) {
            let got = next_event(&mut stream, &what).await;
            assert_eq!(got.kind, EventKind::Put, "{what}");
            assert_eq!(&got.kv, kv, "{what}");
        }
        let last = next_event(&mut stream, &what).await;
        assert_eq!(
            last,
            put(&end, None),
            "{what}: the sentinel must come next, nothing twice"
        );
    }
    close(&*store).await;
}

/// A watch sees only keys under its prefix.
pub async fn watch_ignores_keys_outside_its_prefix<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let mut stream = watch(&store, "/p/", revision(&store).await).await;
    for key in ["/p", "/px", "/q/1", "/o"] {
        store
            .create(key, b"x".to_vec())
            .await
            .expect("create outside the prefix");
    }
    let inside = store
        .create("/p/1", b"x".to_vec())
        .await
        .expect("create /p/1");
    store.delete("/px", None).await.expect("delete /px");
    let nested = store
        .create("/p/a/b", b"x".to_vec())
        .await
        .expect("create /p/a/b");
    expect_events(
        &mut stream,
        &[put(&inside, None), put(&nested, None)],
        "prefix /p/",
    )
    .await;

    let mut everything = watch(&store, "", nested.mod_revision).await;
    let other = store.create("/z", b"x".to_vec()).await.expect("create /z");
    expect_events(&mut everything, &[put(&other, None)], "empty prefix").await;
    close(&store).await;
}

/// A delete event carries the key's last value at the delete's revision, and the state before.
pub async fn watch_delete_events_carry_the_last_value<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let start = revision(&store).await;
    let v1 = store
        .create("/d/k", b"v1".to_vec())
        .await
        .expect("create /d/k");
    let v2 = store
        .update("/d/k", v1.mod_revision, b"v2".to_vec())
        .await
        .expect("update /d/k");
    let gone = store.delete("/d/k", None).await.expect("delete /d/k");
    assert_eq!(
        gone,
        KeyValue {
            mod_revision: gone.mod_revision,
            ..v2.clone()
        }
    );

    let mut stream = watch(&store, "/d/", start).await;
    let history = [put(&v1, None), put(&v2, Some(&v1)), deleted(&gone, &v2)];
    expect_events(&mut stream, &history, "replayed").await;

    let again = store
        .create("/d/k", b"v3".to_vec())
        .await
        .expect("create /d/k again");
    let txn = Txn {
        compares: vec![],
        ops: vec![Op::Delete { key: "/d/k".into() }],
    };
    let response = store.txn(txn).await.expect("txn delete");
    let gone_again = KeyValue {
        mod_revision: response.revision,
        ..again.clone()
    };
    let live = [put(&again, None), deleted(&gone_again, &again)];
    expect_events(&mut stream, &live, "live").await;
    close(&store).await;
}

/// A watcher sees a transaction's writes as events sharing its revision, in op order.
pub async fn watch_sees_txn_events_at_one_revision_in_op_order<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let a = store
        .create("/x/a", b"a1".to_vec())
        .await
        .expect("create /x/a");
    let c = store
        .create("/x/c", b"c1".to_vec())
        .await
        .expect("create /x/c");
    let start = revision(&store).await;
    let mut live = watch(&store, "/x/", start).await;

    let txn = Txn {
        compares: vec![],
        ops: vec![
            Op::Put {
                key: "/x/b".into(),
                value: b"b1".to_vec(),
            },
            Op::Put {
                key: "/x/a".into(),
                value: b"a2".to_vec(),
            },
            Op::Delete { key: "/x/c".into() },
            Op::Put {
                key: "/y/out".into(),
                value: b"o".to_vec(),
            },
            Op::Delete {
                key: "/x/missing".into(),
            },
        ],
    };
    let rev = store.txn(txn).await.expect("txn").revision;
    let b1 = KeyValue {
        key: "/x/b".into(),
        value: b"b1".to_vec(),
        create_revision: rev,
        mod_revision: rev,
    };
    let a2 = KeyValue {
        value: b"a2".to_vec(),
        mod_revision: rev,
        ..a.clone()
    };
    let c_gone = KeyValue {
        mod_revision: rev,
        ..c.clone()
    };
    let expected = [put(&b1, None), put(&a2, Some(&a)), deleted(&c_gone, &c)];
    let sentinel = store
        .create("/x/z", b"z".to_vec())
        .await
        .expect("create /x/z");

    expect_events(&mut live, &expected, "live").await;
    expect_events(&mut live, &[put(&sentinel, None)], "live, after the txn").await;
    let mut replayed = watch(&store, "/x/", start).await;
    expect_events(&mut replayed, &expected, "replayed").await;
    expect_events(
        &mut replayed,
        &[put(&sentinel, None)],
        "replayed, after the txn",
    )
    .await;
    close(&store).await;
}

/// A watch from a compacted revision is `Expired`; from the compacted revision itself it replays
/// what followed; after the current revision it is `FutureRevision`.
pub async fn watch_from_compacted_or_future_revision_fails<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let k1 = store
        .create("/e/1", b"1".to_vec())
        .await
        .expect("create /e/1");
    let k2 = store
        .create("/e/2", b"1".to_vec())
        .await
        .expect("create /e/2");
    let k1b = store
        .update("/e/1", k1.mod_revision, b"2".to_vec())
        .await
        .expect("update /e/1");
    let now = revision(&store).await;
    let compacted = k2.mod_revision;
    backend.compact(&store, compacted).await.expect("compact");

    for old in [k1.mod_revision, compacted - 1] {
        assert_eq!(
            store.watch("/e/", old).await.map(|_| ()).err(),
            Some(StorageError::Expired {
                requested: old,
                compacted
            })
        );
    }
    let mut from_compacted = watch(&store, "/e/", compacted).await;
    expect_events(
        &mut from_compacted,
        &[put(&k1b, Some(&k1))],
        "from the compacted revision",
    )
    .await;

    assert_eq!(
        store.watch("/e/", now + 1).await.map(|_| ()).err(),
        Some(StorageError::FutureRevision {
            requested: now + 1,
            current: now
        })
    );
    let mut from_now = watch(&store, "/e/", now).await;
    let k3 = store
        .create("/e/3", b"1".to_vec())
        .await
        .expect("create /e/3");
    expect_events(
        &mut from_now,
        &[put(&k3, None)],
        "from the current revision",
    )
    .await;
    expect_events(
        &mut from_compacted,
        &[put(&k3, None)],
        "from the compacted revision, live",
    )
    .await;
    close(&store).await;
}
