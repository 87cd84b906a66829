//! The pool of read connections, lent out one per blocking task.
//!
//! The connection goes back to the pool from inside the blocking task, whatever becomes of the
//! caller: a list or watch whose future is dropped mid-read (a client hanging up) must not take
//! a connection with it.

use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::StorageError;

pub(super) struct ReadPool {
    conns: Mutex<Vec<Connection>>,
    /// One permit per connection: a permit holder always finds a connection in `conns`.
    permits: Arc<Semaphore>,
    size: u32,
}

/// A connection on loan; back into the pool when dropped, even while unwinding.
struct Lent {
    pool: Arc<ReadPool>,
    conn: Option<Connection>,
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().push(conn);
        }
    }
}

impl ReadPool {
    pub fn new(conns: Vec<Connection>) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(conns.len())),
            size: u32::try_from(conns.len()).unwrap_or(u32::MAX),
            conns: Mutex::new(conns),
        }
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StorageError::Closed)?;
        let pool = Arc::clone(self);
        let task = tokio::task::spawn_blocking(move || {
            // Declared after the permit, so dropped before it: the connection is back in the
            // pool before the permit that lets the next reader take it is released.
            let _permit = permit;
            let conn = pool.lock().pop();
            let mut lent = Lent { pool, conn };
            match lent.conn.as_mut() {
                Some(conn) => f(conn),
                None => Err(StorageError::Closed),
            }
        });
        task.await
            .map_err(|e| StorageError::Internal(format!("read task failed: {e}")))?
    }

    /// Waits for the reads in flight, then closes every connection; later reads fail with
    /// [`StorageError::Closed`].
    pub async fn close(&self) {
        if let Ok(all) = self.permits.acquire_many(self.size).await {
            all.forget();
        }
        self.permits.close();
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // Push and pop leave the Vec whole even if a holder panicked, so a poisoned lock is
        // still safe to use.
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(size: usize) -> Arc<ReadPool> {
        let conns = (0..size)
            .map(|_| Connection::open_in_memory().expect("in-memory connection"))
            .collect();
        Arc::new(ReadPool::new(conns))
    }

    #[tokio::test]
    async fn a_panicking_read_returns_its_connection() {
        let pool = pool(1);
        let failed = pool
            .run(|_| -> Result<(), StorageError> { panic!("read panicked") })
            .await;
        assert!(
            matches!(failed, Err(StorageError::Internal(ref m)) if m.starts_with("read task failed"))
        );
        assert_eq!(pool.run(|_| Ok(7)).await, Ok(7));
    }

    #[tokio::test]
    async fn a_dropped_caller_does_not_take_the_connection() {
        let pool = pool(1);
        let (started, wait) = tokio::sync::oneshot::channel::<()>();
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let slow = tokio::spawn({
            let pool = Arc::clone(&pool);
            async move {
                pool.run(move |_| {
                    let _ = started.send(());
                    let _ = blocked.recv();
                    Ok(())
                })
                .await
            }
        });
        wait.await.expect("the read started");
        slow.abort();
        let _ = slow.await;
        release.send(()).expect("unblock the read");
        assert_eq!(pool.run(|_| Ok(1)).await, Ok(1));
    }

    #[tokio::test]
    async fn reads_after_close_fail_with_closed() {
        let pool = pool(2);
        pool.close().await;
        assert_eq!(pool.run(|_| Ok(())).await, Err(StorageError::Closed));
    }
}
