//! Crash and restart tests for the SQLite backend.
//!
//! The crash test runs this test binary again as a child process (selected by an environment
//! variable) that writes keys from several tasks and prints each write once the store has
//! acknowledged it.  The parent kills the child with SIGKILL at a random point, reopens the
//! database and checks that every acknowledged write is there.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use futures::StreamExt;
use signet_storage::sqlite::{SqliteOptions, SqliteStore};
use signet_storage::{EventKind, KeyValue, ListOptions, Revision, StorageError, Store, WatchEvent};

/// Set (to the database path) only in the child process of the crash test.
const CHILD_DB: &str = "SIGNET_STORAGE_CRASH_CHILD_DB";
const CHILD_TASKS: usize = 8;

/// One acknowledged write, as the child prints it: `ACK <revision> <key> <value>`.
#[derive(Debug)]
struct Ack {
    revision: Revision,
    key: String,
    value: String,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut fields = line.strip_prefix("ACK ")?.splitn(3, ' ');
    let revision = fields.next()?.parse().ok()?;
    Some(Ack {
        revision,
        key: fields.next()?.to_string(),
        value: fields.next()?.to_string(),
    })
}

fn random_below(n: usize) -> usize {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    usize::try_from(random % n as u64).unwrap_or(0)
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("signet.db");
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "crash_child_writes_until_killed",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env(CHILD_DB, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let stdout = child.stdout.take().expect("child stdout");
    let mut lines = BufReader::new(stdout).lines();

    let kill_after = 100 + random_below(900);
    let mut acked = Vec::new();
    while acked.len() < kill_after {
        let line = lines
            .next()
            .expect("the child stopped early")
            .expect("read child stdout");
        acked.extend(parse_ack(&line));
    }
    child.kill().expect("SIGKILL the child");
    // Lines already written to the pipe were acknowledged before the kill; a torn last line is
    // not an acknowledgement and does not parse.
    acked.extend(
        lines
            .map_while(Result::ok)
            .filter_map(|line| parse_ack(&line)),
    );
    let status = child.wait().expect("reap the child");
    assert!(
        !status.success(),
        "the child must have been killed, not have finished"
    );

    let integrity: String = rusqlite::Connection::open(&db)
        .and_then(|conn| conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)))
        .expect("integrity check");
    assert_eq!(integrity, "ok");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(check_acknowledged(&db, &acked));
}

async fn check_acknowledged(db: &Path, acked: &[Ack]) {
    let store = SqliteStore::open(db, SqliteOptions::default()).expect("reopen after the crash");
    let mut latest_counter: BTreeMap<&str, u64> = BTreeMap::new();
    for ack in acked {
        if ack.key.ends_with("/counter") {
            let n = ack.value.parse().expect("counter value");
            let entry = latest_counter.entry(&ack.key).or_default();
            *entry = (*entry).max(n);
            continue;
        }
        let kv = store.get(&ack.key).await.expect("get");
        let kv = kv.unwrap_or_else(|| panic!("acknowledged {ack:?} is missing after the crash"));
        assert_eq!(kv.value, ack.value.as_bytes(), "{ack:?}");
        assert_eq!(kv.mod_revision, ack.revision, "{ack:?}");
    }
    for (key, acked_value) in latest_counter {
        let kv = store.get(key).await.expect("get").expect("counter exists");
        let value: u64 = std::str::from_utf8(&kv.value)
            .expect("utf-8")
            .parse()
            .expect("number");
        // A write may commit and the process die before it prints: never less than acknowledged.
        assert!(
            value >= acked_value,
            "{key}: {value} < acknowledged {acked_value}"
        );
    }

    let last_acked = acked.iter().map(|a| a.revision).max().expect("some acks");
    let now = store.current_revision().await.expect("revision");
    assert!(
        now >= last_acked,
        "revision {now} went back before {last_acked}"
    );
    let next = store
        .create("/after-crash", b"x".to_vec())
        .await
        .expect("write after the crash");
    assert_eq!(
        next.mod_revision,
        now + 1,
        "revisions continue after the crash"
    );
    store.close().await.expect("close");
}

/// The child side of `acknowledged_writes_survive_kill_9`: ignored in normal runs, it does
/// nothing unless that test started it.
#[test]
#[ignore = "run by acknowledged_writes_survive_kill_9 as its child process"]
fn crash_child_writes_until_killed() {
    let Some(db) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let store = Arc::new(
            SqliteStore::open(Path::new(&db), SqliteOptions::default()).expect("open in child"),
        );
        let tasks: Vec<_> = (0..CHILD_TASKS)
            .map(|task| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { write_forever(&store, task).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("writer task");
        }
    });
}

async fn write_forever(store: &SqliteStore, task: usize) {
    let counter_key = format!("/crash/{task}/counter");
    let mut counter = store
        .create(&counter_key, b"0".to_vec())
        .await
        .expect("create counter");
    print_ack(&counter);
    for i in 1u64.. {
        let key = format!("/crash/{task}/{i:08}");
        let created = store
            .create(&key, format!("value-{task}-{i}").into_bytes())
            .await;
        print_ack(&created.expect("create"));
        let updated = store.update(
            &counter_key,
            counter.mod_revision,
            i.to_string().into_bytes(),
        );
        counter = updated.await.expect("update counter");
        print_ack(&counter);
    }
}

fn print_ack(kv: &KeyValue) {
    let value = String::from_utf8_lossy(&kv.value);
    let mut out = std::io::stdout().lock();
    // The parent stops reading once it has killed us; a failed write here only means that.
    let _ = writeln!(out, "ACK {} {} {value}", kv.mod_revision, kv.key).and_then(|()| out.flush());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisions_and_watch_history_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("signet.db");

    let store = SqliteStore::open(&db, SqliteOptions::default()).expect("open");
    assert_eq!(
        store.current_revision().await,
        Ok(1),
        "an empty store is at revision 1"
    );
    let a1 = store
        .create("/r/a", b"a1".to_vec())
        .await
        .expect("create /r/a");
    assert_eq!(a1.mod_revision, 2, "the first write is revision 2");
    let b1 = store
        .create("/r/b", b"b1".to_vec())
        .await
        .expect("create /r/b");
    let a2 = store
        .update("/r/a", a1.mod_revision, b"a2".to_vec())
        .await
        .expect("update /r/a");
    let gone = store.delete("/r/b", None).await.expect("delete /r/b");
    let before = store.current_revision().await.expect("revision");
    store.close().await.expect("close");
    let wal = dir.path().join("signet.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "close must checkpoint the WAL into the database"
    );

    let store = SqliteStore::open(&db, SqliteOptions::default()).expect("reopen");
    assert_eq!(store.current_revision().await, Ok(before));
    let mut stream = store
        .watch("/r/", a1.mod_revision)
        .await
        .expect("watch from before");
    let replayed = [
        WatchEvent {
            kind: EventKind::Put,
            kv: b1.clone(),
            prev: None,
        },
        WatchEvent {
            kind: EventKind::Put,
            kv: a2.clone(),
            prev: Some(a1.clone()),
        },
        WatchEvent {
            kind: EventKind::Delete,
            kv: gone,
            prev: Some(b1.clone()),
        },
    ];
    for want in &replayed {
        assert_eq!(stream.next().await, Some(Ok(want.clone())));
    }
    let c = store
        .create("/r/c", b"c1".to_vec())
        .await
        .expect("create after restart");
    assert_eq!(c.mod_revision, before + 1);
    assert_eq!(
        stream.next().await,
        Some(Ok(WatchEvent {
            kind: EventKind::Put,
            kv: c,
            prev: None
        }))
    );
    let old = ListOptions {
        prefix: "/r/".into(),
        revision: Some(b1.mod_revision),
        ..Default::default()
    };
    let snapshot = store
        .list(old.clone())
        .await
        .expect("list at a pre-restart revision");
    assert_eq!(snapshot.items, [a1, b1.clone()]);

    store.compact(a2.mod_revision).await.expect("compact");
    store.close().await.expect("close");
    let store = SqliteStore::open(&db, SqliteOptions::default()).expect("reopen again");
    assert_eq!(
        store.list(old).await,
        Err(StorageError::Expired {
            requested: b1.mod_revision,
            compacted: a2.mod_revision
        }),
        "the compacted revision is durable too"
    );
    store.close().await.expect("close");
}
