//! Cases for single-key writes: create, compare-and-swap update, delete with and without a
//! precondition, the global revision counter, and a closed store.

use futures::StreamExt;

use super::{Backend, close, open, revision, watch};
use crate::{Compare, KeyValue, ListOptions, Op, StorageError, Store, Txn};

fn kv(key: &str, value: &[u8], create_revision: i64, mod_revision: i64) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: value.to_vec(),
        create_revision,
        mod_revision,
    }
}

/// Create returns the new state at a new revision, get reads it back, and a second create fails
/// with `AlreadyExists` without consuming a revision.
pub async fn create_get_and_already_exists<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let initial = revision(&store).await;
    assert!(
        initial >= 1,
        "an empty store's revision must be at least 1, got {initial}"
    );
    assert_eq!(store.get("/k").await, Ok(None), "get of a missing key");

    let created = store.create("/k", b"v1".to_vec()).await.expect("create /k");
    assert!(
        created.mod_revision > initial,
        "{created:?} must be after {initial}"
    );
    assert_eq!(
        created,
        kv("/k", b"v1", created.mod_revision, created.mod_revision)
    );
    assert_eq!(revision(&store).await, created.mod_revision);
    assert_eq!(store.get("/k").await, Ok(Some(created.clone())));

    assert_eq!(
        store.create("/k", b"v2".to_vec()).await,
        Err(StorageError::AlreadyExists { key: "/k".into() })
    );
    assert_eq!(
        store.get("/k").await,
        Ok(Some(created.clone())),
        "a failed create changes nothing"
    );
    assert_eq!(
        revision(&store).await,
        created.mod_revision,
        "a failed create takes no revision"
    );

    let empty = store
        .create("/empty", Vec::new())
        .await
        .expect("create an empty value");
    assert_eq!(store.get("/empty").await, Ok(Some(empty.clone())));
    assert!(empty.value.is_empty());
    close(&store).await;
}

/// Update replaces the value only while the caller's revision is still the key's.
pub async fn update_compares_and_swaps<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let created = store.create("/k", b"v1".to_vec()).await.expect("create /k");

    let updated = store
        .update("/k", created.mod_revision, b"v2".to_vec())
        .await
        .expect("update");
    assert!(updated.mod_revision > created.mod_revision);
    assert_eq!(
        updated,
        kv("/k", b"v2", created.create_revision, updated.mod_revision)
    );
    assert_eq!(store.get("/k").await, Ok(Some(updated.clone())));

    assert_eq!(
        store
            .update("/k", created.mod_revision, b"v3".to_vec())
            .await,
        Err(StorageError::Conflict {
            key: "/k".into(),
            expected: created.mod_revision,
            current: Some(updated.mod_revision),
        })
    );
    assert_eq!(
        store.get("/k").await,
        Ok(Some(updated.clone())),
        "a conflict changes nothing"
    );
    assert_eq!(
        revision(&store).await,
        updated.mod_revision,
        "a conflict takes no revision"
    );

    assert_eq!(
        store
            .update("/missing", updated.mod_revision, b"x".to_vec())
            .await,
        Err(StorageError::NotFound {
            key: "/missing".into()
        })
    );
    assert_eq!(
        store.get("/missing").await,
        Ok(None),
        "update never creates"
    );

    let same = store
        .update("/k", updated.mod_revision, b"v2".to_vec())
        .await
        .expect("rewrite");
    assert!(
        same.mod_revision > updated.mod_revision,
        "every successful write is a new revision"
    );
    close(&store).await;
}

/// Delete returns the last state at the delete's revision; a precondition guards it; a deleted
/// key created again starts a new life.
pub async fn delete_with_and_without_precondition<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let a = store.create("/a", b"a1".to_vec()).await.expect("create /a");
    let b = store.create("/b", b"b1".to_vec()).await.expect("create /b");

    let deleted = store
        .delete("/a", None)
        .await
        .expect("unconditional delete");
    assert!(deleted.mod_revision > b.mod_revision);
    assert_eq!(
        deleted,
        kv("/a", b"a1", a.create_revision, deleted.mod_revision)
    );
    assert_eq!(revision(&store).await, deleted.mod_revision);
    assert_eq!(store.get("/a").await, Ok(None));
    assert_eq!(
        store.delete("/a", None).await,
        Err(StorageError::NotFound { key: "/a".into() })
    );
    assert_eq!(
        store.delete("/a", Some(a.mod_revision)).await,
        Err(StorageError::NotFound { key: "/a".into() })
    );

    let stale = b.mod_revision - 1;
    assert_eq!(
        store.delete("/b", Some(stale)).await,
        Err(StorageError::Conflict {
            key: "/b".into(),
            expected: stale,
            current: Some(b.mod_revision)
        })
    );
    assert_eq!(
        store.get("/b").await,
        Ok(Some(b.clone())),
        "a refused delete keeps the key"
    );
    assert_eq!(
        revision(&store).await,
        deleted.mod_revision,
        "a refused delete takes no revision"
    );
    let deleted_b = store
        .delete("/b", Some(b.mod_revision))
        .await
        .expect("conditional delete");
    assert_eq!(
        deleted_b,
        kv("/b", b"b1", b.create_revision, deleted_b.mod_revision)
    );
    assert_eq!(store.get("/b").await, Ok(None));

    let again = store
        .create("/a", b"a2".to_vec())
        .await
        .expect("create /a again");
    assert!(again.mod_revision > deleted_b.mod_revision);
    assert_eq!(
        again,
        kv("/a", b"a2", again.mod_revision, again.mod_revision)
    );
    close(&store).await;
}

/// One counter for the whole store: every write, whatever its key or kind, gets a revision
/// greater than every earlier one, and `current_revision` is the last of them.
pub async fn revisions_increase_globally<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let mut last = revision(&store).await;
    let mut check = |rev: i64, what: &str| {
        assert!(rev > last, "{what}: revision {rev} must be after {last}");
        last = rev;
    };
    let x = store.create("/x", b"1".to_vec()).await.expect("create /x");
    check(x.mod_revision, "create /x");
    let y = store
        .create("/other/y", b"1".to_vec())
        .await
        .expect("create /other/y");
    check(y.mod_revision, "create /other/y");
    let x2 = store
        .update("/x", x.mod_revision, b"2".to_vec())
        .await
        .expect("update /x");
    check(x2.mod_revision, "update /x");
    assert_eq!(
        store.create("/x", b"dup".to_vec()).await,
        Err(StorageError::AlreadyExists { key: "/x".into() })
    );
    let y2 = store
        .delete("/other/y", None)
        .await
        .expect("delete /other/y");
    check(y2.mod_revision, "delete /other/y");
    let txn = Txn {
        compares: vec![],
        ops: vec![Op::Put {
            key: "/z".into(),
            value: b"1".to_vec(),
        }],
    };
    let response = store.txn(txn).await.expect("txn");
    check(response.revision, "txn");
    assert_eq!(revision(&store).await, response.revision);
    assert_eq!(
        store
            .get("/x")
            .await
            .expect("get /x")
            .map(|k| k.mod_revision),
        Some(x2.mod_revision)
    );
    close(&store).await;
}

/// After `close`, every call fails with `Closed` and open watches end with `Closed`.
pub async fn closed_store_refuses_every_call<B: Backend>(backend: &B) {
    let store = open(backend).await;
    let k = store.create("/k", b"v".to_vec()).await.expect("create /k");
    let mut stream = watch(&store, "/", k.mod_revision).await;
    close(&store).await;

    let closed = Some(StorageError::Closed);
    assert_eq!(store.get("/k").await.err(), closed);
    assert_eq!(store.list(ListOptions::default()).await.err(), closed);
    assert_eq!(store.create("/new", b"v".to_vec()).await.err(), closed);
    assert_eq!(
        store
            .update("/k", k.mod_revision, b"v2".to_vec())
            .await
            .err(),
        closed
    );
    assert_eq!(store.delete("/k", None).await.err(), closed);
    let txn = Txn {
        compares: vec![Compare::ModRevision {
            key: "/k".into(),
            revision: k.mod_revision,
        }],
        ops: vec![Op::Delete { key: "/k".into() }],
    };
    assert_eq!(store.txn(txn).await.err(), closed);
    assert_eq!(store.watch("/", k.mod_revision).await.err(), closed);
    assert_eq!(store.current_revision().await.err(), closed);
    assert_eq!(store.close().await.err(), closed);

    let ended = tokio::time::timeout(super::EVENT_WAIT, async {
        (stream.next().await, stream.next().await)
    })
    .await
    .expect("the watch must end once the store is closed");
    assert_eq!(ended, (Some(Err(StorageError::Closed)), None));
}
