//! Cases for lists: prefix selection and key order, paging with `limit`/`start_after` and
//! `remaining`, pages that keep showing one snapshot while writes go on, and lists at compacted
//! or future revisions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Backend, close, open, revision};
use crate::{KeyValue, ListOptions, ListResult, Revision, StorageError, Store};

fn page(
    prefix: &str,
    limit: usize,
    start_after: Option<&str>,
    at: Option<Revision>,
) -> ListOptions {
    ListOptions {
        prefix: prefix.into(),
        limit: Some(limit),
        start_after: start_after.map(Into::into),
        revision: at,
    }
}

fn all(prefix: &str) -> ListOptions {
    ListOptions {
        prefix: prefix.into(),
        ..ListOptions::default()
    }
}

fn keys(result: &ListResult) -> Vec<&str> {
    result.items.iter().map(|kv| kv.key.as_str()).collect()
}

async fn list<S: Store + ?Sized>(store: &S, opts: ListOptions) -> ListResult {
    let what = format!("{opts:?}");
    match store.list(opts).await {
        Ok(result) => result,
        Err(err) => panic!("list {what}: {err}"),
    }
}

/// A prefix selects exactly the keys that start with it, in byte order, at the latest revision.
pub async fn list_by_prefix_in_key_order<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let mut written = BTreeMap::new();
    for key in ["/a/2", "/a/10", "/a", "/ab", "/b/1", "/a/1", "/a/x/y"] {
        let kv = store
            .create(key, key.as_bytes().to_vec())
            .await
            .expect("create");
        written.insert(key, kv);
    }
    let now = revision(&store).await;

    let result = list(&store, all("/a/")).await;
    assert_eq!(keys(&result), ["/a/1", "/a/10", "/a/2", "/a/x/y"]);
    let expected: Vec<KeyValue> = keys(&result).iter().map(|k| written[k].clone()).collect();
    assert_eq!(
        result,
        ListResult {
            items: expected,
            revision: now,
            more: false,
            remaining: 0
        }
    );

    let everything = list(&store, all("")).await;
    assert_eq!(
        keys(&everything),
        ["/a", "/a/1", "/a/10", "/a/2", "/a/x/y", "/ab", "/b/1"]
    );
    let unlimited = list(&store, page("", 0, None, None)).await;
    assert_eq!(unlimited, everything, "limit 0 means no limit");

    let none = list(&store, all("/c/")).await;
    assert_eq!(
        none,
        ListResult {
            items: vec![],
            revision: now,
            more: false,
            remaining: 0
        }
    );

    let deleted = store.delete("/a/2", None).await.expect("delete /a/2");
    let after_delete = list(&store, all("/a/")).await;
    assert_eq!(keys(&after_delete), ["/a/1", "/a/10", "/a/x/y"]);
    assert_eq!(after_delete.revision, deleted.mod_revision);
    close(&store).await;
}

/// `limit` cuts pages, `start_after` continues them, `remaining` counts what follows.
pub async fn list_pages_with_limit_and_remaining<B: Backend>(backend: &B) {
    let store = open(backend).await;
    for i in 0..10 {
        store
            .create(&format!("/p/{i:02}"), vec![i])
            .await
            .expect("create");
    }
    store.create("/q/0", vec![0]).await.expect("create /q/0");
    let now = revision(&store).await;

    let first = list(&store, page("/p/", 4, None, None)).await;
    assert_eq!(keys(&first), ["/p/00", "/p/01", "/p/02", "/p/03"]);
    assert_eq!(
        (first.revision, first.more, first.remaining),
        (now, true, 6)
    );
    let second = list(&store, page("/p/", 4, Some("/p/03"), Some(first.revision))).await;
    assert_eq!(keys(&second), ["/p/04", "/p/05", "/p/06", "/p/07"]);
    assert_eq!(
        (second.revision, second.more, second.remaining),
        (now, true, 2)
    );
    let last = list(&store, page("/p/", 4, Some("/p/07"), Some(now))).await;
    assert_eq!(keys(&last), ["/p/08", "/p/09"]);
    assert_eq!((last.revision, last.more, last.remaining), (now, false, 0));

    let exact = list(&store, page("/p/", 10, None, None)).await;
    assert_eq!(
        (exact.items.len(), exact.more, exact.remaining),
        (10, false, 0)
    );
    let wider = list(&store, page("/p/", 11, None, None)).await;
    assert_eq!(
        (wider.items.len(), wider.more, wider.remaining),
        (10, false, 0)
    );
    let short = list(&store, page("/p/", 9, None, None)).await;
    assert_eq!(
        (short.items.len(), short.more, short.remaining),
        (9, true, 1)
    );

    let between = list(&store, page("/p/", 2, Some("/p/055"), None)).await;
    assert_eq!(
        keys(&between),
        ["/p/06", "/p/07"],
        "start_after need not be a stored key"
    );
    assert_eq!((between.more, between.remaining), (true, 2));
    let beyond = list(&store, page("/p/", 2, Some("/p/09"), None)).await;
    assert_eq!(
        (beyond.items.len(), beyond.more, beyond.remaining),
        (0, false, 0)
    );
    let before = list(&store, page("/p/", 1, Some("/a"), None)).await;
    assert_eq!(
        keys(&before),
        ["/p/00"],
        "start_after before the prefix starts at the prefix"
    );
    assert_eq!(before.remaining, 9);

    // The same page asked again at the latest revision after more writes shows them.
    store.delete("/p/05", None).await.expect("delete /p/05");
    store.create("/p/10", vec![10]).await.expect("create /p/10");
    let again = list(&store, page("/p/", 4, Some("/p/03"), None)).await;
    assert_eq!(keys(&again), ["/p/04", "/p/06", "/p/07", "/p/08"]);
    assert_eq!(
        (again.revision, again.more, again.remaining),
        (revision(&store).await, true, 2)
    );
    let old = list(&store, page("/p/", 4, Some("/p/03"), Some(now))).await;
    assert_eq!((keys(&old), old.remaining), (keys(&second), 2));
    close(&store).await;
}

/// Pages read at the first page's revision show that snapshot — values, deletions and all —
/// while other writers change the keys being paged through.
pub async fn list_pages_read_one_snapshot_during_writes<B: Backend>(backend: &B) {
    let store = Arc::new(open(backend).await);
    let mut snapshot = Vec::new();
    for i in 0..20 {
        snapshot.push(
            store
                .create(&format!("/s/{i:02}"), b"v0".to_vec())
                .await
                .expect("create"),
        );
    }
    let first = list(&*store, page("/s/", 5, None, None)).await;
    assert_eq!(first.items, snapshot[..5]);
    assert_eq!((first.more, first.remaining), (true, 15));
    let at = first.revision;

    // Writes a later page must not show: a changed value, a deletion, a new key inside the
    // next page, a new key after the end.
    store
        .update("/s/07", snapshot[7].mod_revision, b"new".to_vec())
        .await
        .expect("update /s/07");
    store.delete("/s/08", None).await.expect("delete /s/08");
    store
        .create("/s/07a", b"new".to_vec())
        .await
        .expect("create /s/07a");
    store
        .create("/s/99", b"new".to_vec())
        .await
        .expect("create /s/99");
    // And writers racing the reads of the later pages.
    let stop = Arc::new(AtomicBool::new(false));
    let racer = tokio::spawn({
        let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
        async move {
            let mut round = 0u32;
            while !stop.load(Ordering::SeqCst) {
                for i in (0..20).step_by(3) {
                    let key = format!("/s/{i:02}");
                    let _ = crate::guaranteed_update(&*store, &key, |_| {
                        Ok::<_, StorageError>(format!("race {round}").into_bytes())
                    })
                    .await;
                }
                store
                    .create(&format!("/s/{round:02}-race"), vec![])
                    .await
                    .expect("racing create");
                round += 1;
            }
        }
    });

    let mut seen = first.items.clone();
    let mut remaining = vec![first.remaining];
    let mut last_key = first.items.last().map(|kv| kv.key.clone());
    loop {
        let next = list(&*store, page("/s/", 5, last_key.as_deref(), Some(at))).await;
        assert_eq!(next.revision, at);
        remaining.push(next.remaining);
        seen.extend(next.items.iter().cloned());
        last_key = next.items.last().map(|kv| kv.key.clone());
        if !next.more {
            break;
        }
    }
    stop.store(true, Ordering::SeqCst);
    racer.await.expect("racing writer");
    assert_eq!(seen, snapshot, "the pages must add up to the snapshot");
    assert_eq!(remaining, [15, 10, 5, 0]);

    let latest = list(&*store, all("/s/")).await;
    let find = |key: &str| {
        latest
            .items
            .iter()
            .find(|kv| kv.key == key)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(find("/s/07"), Some(b"new".to_vec()));
    assert_eq!(find("/s/08"), None);
    assert_eq!(find("/s/07a"), Some(b"new".to_vec()));
    assert_eq!(find("/s/99"), Some(b"new".to_vec()));
    close(&*store).await;
}

/// A list at a compacted revision is `Expired`; at the compacted revision itself it still shows
/// that snapshot; after the current revision it is `FutureRevision`.
pub async fn list_at_compacted_or_future_revision_fails<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let a1 = store
        .create("/c/a", b"1".to_vec())
        .await
        .expect("create /c/a");
    let a2 = store
        .update("/c/a", a1.mod_revision, b"2".to_vec())
        .await
        .expect("update /c/a");
    let b = store
        .create("/c/b", b"1".to_vec())
        .await
        .expect("create /c/b");
    store.delete("/c/b", None).await.expect("delete /c/b");
    let c = store
        .create("/c/c", b"1".to_vec())
        .await
        .expect("create /c/c");
    let now = revision(&store).await;

    let compacted = b.mod_revision;
    backend.compact(&store, compacted).await.expect("compact");

    for old in [a1.mod_revision, compacted - 1] {
        assert_eq!(
            store.list(page("/c/", 0, None, Some(old))).await,
            Err(StorageError::Expired {
                requested: old,
                compacted
            })
        );
    }
    let at_compacted = list(&store, all_at("/c/", compacted)).await;
    assert_eq!(
        at_compacted,
        ListResult {
            items: vec![a2.clone(), b],
            revision: compacted,
            more: false,
            remaining: 0
        }
    );
    let at_now = list(&store, all_at("/c/", now)).await;
    assert_eq!(at_now.items, [a2, c]);
    assert_eq!(
        store.list(all_at("/c/", now + 1)).await,
        Err(StorageError::FutureRevision {
            requested: now + 1,
            current: now
        })
    );
    assert_eq!(list(&store, all("/c/")).await.revision, now);
    close(&store).await;
}

fn all_at(prefix: &str, at: Revision) -> ListOptions {
    ListOptions {
        revision: Some(at),
        ..all(prefix)
    }
}
