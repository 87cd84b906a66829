//! A rough scale check of the SQLite backend: load many objects from concurrent writers, page
//! through them by prefix at the latest and at an older revision, and time a restart.
//!
//! ```text
//! cargo run --release -p signet-storage --example sqlite_scale -- [objects] [dir]
//! ```
//!
//! Defaults: 100000 objects of about 1.5 KiB in a temporary directory.  Prints timings only; the
//! assertions that matter live in the test suite.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use signet_storage::sqlite::{SqliteOptions, SqliteStore};
use signet_storage::{ListOptions, Op, StorageError, Store, Txn};

const WRITERS: usize = 64;
const PAGE: usize = 500;

#[tokio::main]
async fn main() -> Result<(), StorageError> {
    let mut args = std::env::args().skip(1);
    let objects: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let temp = tempfile::tempdir().map_err(|e| StorageError::Internal(e.to_string()))?;
    let dir = args
        .next()
        .map_or_else(|| temp.path().to_path_buf(), Into::into);
    let db = dir.join("scale.db");

    let store = Arc::new(SqliteStore::open(&db, SqliteOptions::default())?);
    load(&store, objects).await?;
    single_creates(&store, 20_000).await?;
    page_through(&store).await?;
    snapshot_while_writing(&store).await?;
    store.close().await?;
    restart(&db).await
}

async fn load(store: &Arc<SqliteStore>, objects: usize) -> Result<(), StorageError> {
    let started = Instant::now();
    let value = vec![b'x'; 1500];
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, value) = (Arc::clone(store), value.clone());
            tokio::spawn(async move {
                // Ten objects per transaction keeps the load quick; the CSR path writes one each.
                for chunk in (w..objects).step_by(WRITERS).collect::<Vec<_>>().chunks(10) {
                    let ops = chunk
                        .iter()
                        .map(|i| Op::Put {
                            key: format!("/registry/csrs/csr-{i:08}"),
                            value: value.clone(),
                        })
                        .collect();
                    store
                        .txn(Txn {
                            compares: vec![],
                            ops,
                        })
                        .await?;
                }
                Ok::<_, StorageError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(|e| StorageError::Internal(e.to_string()))??;
    }
    let took = started.elapsed();
    let stats = store.stats();
    println!(
        "loaded {objects} objects in {took:.2?} ({:.0}/s), {} txns in {} commits",
        objects as f64 / took.as_secs_f64(),
        stats.write_requests,
        stats.commits
    );
    Ok(())
}

/// One create per request from many writers: the shape of CSR traffic.
async fn single_creates(store: &Arc<SqliteStore>, creates: usize) -> Result<(), StorageError> {
    let before = store.stats();
    let started = Instant::now();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                for i in (w..creates).step_by(WRITERS) {
                    store
                        .create(&format!("/registry/other/obj-{i:08}"), vec![b'z'; 1500])
                        .await?;
                }
                Ok::<_, StorageError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await
            .map_err(|e| StorageError::Internal(e.to_string()))??;
    }
    let took = started.elapsed();
    let commits = store.stats().commits - before.commits;
    println!(
        "{creates} single creates from {WRITERS} writers in {took:.2?} ({:.0}/s) in {commits} commits",
        creates as f64 / took.as_secs_f64()
    );
    Ok(())
}

async fn page_through(store: &SqliteStore) -> Result<(), StorageError> {
    let started = Instant::now();
    let mut opts = ListOptions {
        prefix: "/registry/csrs/".into(),
        limit: Some(PAGE),
        ..Default::default()
    };
    let (mut pages, mut items, mut slowest) = (0, 0, std::time::Duration::ZERO);
    loop {
        let page_started = Instant::now();
        let page = store.list(opts.clone()).await?;
        slowest = slowest.max(page_started.elapsed());
        pages += 1;
        items += page.items.len();
        if pages == 1 {
            println!(
                "first page: {:.2?}, remaining {}",
                page_started.elapsed(),
                page.remaining
            );
        }
        if !page.more {
            break;
        }
        opts.revision = Some(page.revision);
        opts.start_after = page.items.last().map(|kv| kv.key.clone());
    }
    println!(
        "listed {items} in {pages} pages in {:.2?}, slowest page {slowest:.2?}",
        started.elapsed()
    );
    Ok(())
}

async fn snapshot_while_writing(store: &Arc<SqliteStore>) -> Result<(), StorageError> {
    let at = store.current_revision().await?;
    for i in 0..5_000 {
        store
            .create(&format!("/registry/csrs/new-{i:05}"), vec![b'y'; 1500])
            .await?;
    }
    let started = Instant::now();
    let page = store
        .list(ListOptions {
            prefix: "/registry/csrs/".into(),
            limit: Some(PAGE),
            revision: Some(at),
            start_after: Some("/registry/csrs/csr-00000100".into()),
        })
        .await?;
    println!(
        "page at a revision 5000 writes old: {:.2?}, remaining {}",
        started.elapsed(),
        page.remaining
    );
    let started = Instant::now();
    let mut watch = store.watch("/registry/csrs/", at).await?;
    let mut events = 0;
    while events < 5_000 {
        watch.next().await.ok_or(StorageError::Closed)??;
        events += 1;
    }
    println!("replayed {events} events in {:.2?}", started.elapsed());
    Ok(())
}

async fn restart(db: &Path) -> Result<(), StorageError> {
    let started = Instant::now();
    let store = SqliteStore::open(db, SqliteOptions::default())?;
    let first = store
        .list(ListOptions {
            prefix: "/registry/csrs/".into(),
            limit: Some(PAGE),
            ..Default::default()
        })
        .await?;
    println!(
        "restart and first page: {:.2?} (revision {}, {} more)",
        started.elapsed(),
        first.revision,
        first.remaining
    );
    store.close().await
}
