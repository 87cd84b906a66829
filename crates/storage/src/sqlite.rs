//! The embedded SQLite backend: one database file in WAL mode, with etcd's revision model.
//!
//! Start with [`SqliteStore::open`].  Inside, one writer thread owns the write connection and
//! commits whatever requests have queued up in one transaction (`writer`, `apply`); a pool of
//! read connections (`pool`) serves gets, lists and watch replays from consistent snapshots
//! (`read`, with `remaining` sparing a recount on every page); watch streams replay history and
//! then follow the writer's live notices (`watch`).  The tables and why they look the way they
//! do are described in `schema`.

mod apply;
mod pool;
mod range;
mod read;
mod remaining;
mod schema;
mod store;
mod watch;
mod writer;

pub use store::{SqliteOptions, SqliteStats, SqliteStore};
