//! The conformance suite every backend must pass.
//!
//! Each case is a `pub async fn case(backend: &impl Backend)` that opens fresh stores through the
//! [`Backend`] it is given and asserts exactly what the [`Store`] trait promises: results, error
//! variants with their fields, revision arithmetic, snapshot isolation of paged lists, atomicity
//! of transactions, and the order and completeness of watch events.  Nothing here knows which
//! backend it runs on; the only thing a backend must offer beyond [`Store`] is a way to compact
//! its history ([`Backend::compact`]), which etcd and SQLite both have.
//!
//! A backend's test file runs every case as its own test:
//!
//! ```ignore
//! struct MyBackend { /* temp dirs, endpoints, ... */ }
//! impl signet_storage::conformance::Backend for MyBackend { /* ... */ }
//! signet_storage::conformance_tests!(MyBackend::new());
//! ```
//!
//! (the calling crate needs `tokio` with the `macros` and `rt-multi-thread` features), or calls
//! [`run_all`] from one test.  Cases panic with a message naming what failed, like any test.

use std::time::Duration;

use futures::StreamExt;

use crate::{Revision, StorageError, Store, WatchEvent, WatchStream};

mod kv;
mod list;
mod txn;
mod watch;

pub use kv::*;
pub use list::*;
pub use txn::*;
pub use watch::*;

/// What the suite needs from a backend under test.
#[async_trait::async_trait]
pub trait Backend: Send + Sync {
    type Store: Store;

    /// A new, empty store that no other call shares.
    async fn open(&self) -> Result<Self::Store, StorageError>;

    /// Discards history so that lists at, and watches from, revisions older than `revision`
    /// fail with [`StorageError::Expired`] whose `compacted` is `revision`; reads at `revision`
    /// and later keep working.
    async fn compact(&self, store: &Self::Store, revision: Revision) -> Result<(), StorageError>;
}

/// Generates one `#[tokio::test]` per conformance case, each on the backend built by the given
/// expression (evaluated anew for every test).
#[macro_export]
macro_rules! conformance_tests {
    (@tests [$backend:expr] $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                $crate::conformance::$case(&$backend).await;
            }
        )*
    };
    (@run_all [$backend:expr] $($case:ident),* $(,)?) => {
        $( $crate::conformance::$case($backend).await; )*
    };
    // The one list of cases, shared by the generated tests and `run_all`.
    (@cases $mode:ident $($arg:tt)*) => {
        $crate::conformance_tests!(@$mode [$($arg)*]
            create_get_and_already_exists,
            update_compares_and_swaps,
            delete_with_and_without_precondition,
            revisions_increase_globally,
            closed_store_refuses_every_call,
            list_by_prefix_in_key_order,
            list_pages_with_limit_and_remaining,
            list_pages_read_one_snapshot_during_writes,
            list_at_compacted_or_future_revision_fails,
            txn_failed_compare_writes_nothing,
            txn_commits_all_ops_at_one_revision,
            guaranteed_update_counts_exactly_under_contention,
            watch_replays_history_then_streams_live,
            watch_start_races_writes_without_gap_or_duplicate,
            watch_ignores_keys_outside_its_prefix,
            watch_delete_events_carry_the_last_value,
            watch_sees_txn_events_at_one_revision_in_op_order,
            watch_from_compacted_or_future_revision_fails,
        );
    };
    ($backend:expr) => {
        $crate::conformance_tests!(@cases tests $backend);
    };
}

/// Runs every case in turn on stores from `backend`.
pub async fn run_all<B: Backend>(backend: &B) {
    crate::conformance_tests!(@cases run_all backend);
}

/// How long a case waits for a watch event before declaring it missing.  A guard against a hung
/// test, not a latency requirement.
const EVENT_WAIT: Duration = Duration::from_secs(20);

async fn open<B: Backend>(backend: &B) -> B::Store {
    backend.open().await.expect("open a fresh store")
}

async fn close<S: Store>(store: &S) {
    store.close().await.expect("close the store");
}

async fn revision<S: Store + ?Sized>(store: &S) -> Revision {
    store.current_revision().await.expect("current revision")
}

async fn next_event(stream: &mut WatchStream, what: &str) -> WatchEvent {
    match tokio::time::timeout(EVENT_WAIT, stream.next()).await {
        Ok(Some(Ok(event))) => event,
        Ok(Some(Err(err))) => panic!("{what}: the watch failed: {err}"),
        Ok(None) => panic!("{what}: the watch ended"),
        Err(_) => panic!("{what}: no event within {EVENT_WAIT:?}"),
    }
}

async fn watch<S: Store + ?Sized>(store: &S, prefix: &str, after: Revision) -> WatchStream {
    match store.watch(prefix, after).await {
        Ok(stream) => stream,
        Err(err) => panic!("watch {prefix:?} after {after}: {err}"),
    }
}
