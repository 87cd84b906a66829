//! A work queue of CSR names, shaped like client-go's rate-limited workqueue.
//!
//! A name is queued at most once however often it is added; a name added while a worker holds it
//! is marked dirty and handed out again only after that worker calls [`WorkQueue::done`], so two
//! workers never handle the same CSR at once.  Failed names come back after an exponential
//! backoff per name ([`Backoff`]), measured with tokio's clock so tests run on paused time.

use std::collections::{HashMap, HashSet, VecDeque};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

/// Exponential per-item backoff: `base * 2^failures`, never more than `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// client-go's per-item default: 5ms doubling up to 1000s.
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(5),
            max: Duration::from_secs(1000),
        }
    }
}

impl Backoff {
    /// The delay before retry number `failures + 1` (`failures` is how many came before).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 2u32.checked_pow(failures).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.max, |d| d.min(self.max))
    }
}

#[derive(Default)]
struct State {
    queue: VecDeque<String>,
    /// Names waiting to be handled (queued, or re-added while being handled).
    dirty: HashSet<String>,
    processing: HashSet<String>,
    failures: HashMap<String, u32>,
    shut_down: bool,
}

/// The queue; share it as `Arc<WorkQueue>`.
#[derive(Default)]
pub struct WorkQueue {
    state: Mutex<State>,
    ready: Notify,
    backoff: Backoff,
}

impl WorkQueue {
    pub fn new(backoff: Backoff) -> Self {
        WorkQueue {
            backoff,
            ..WorkQueue::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every mutation below completes before it could panic, so a poisoned lock is whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `name` unless it is already waiting; ignored after shutdown.
    pub fn add(&self, name: &str) {
        let mut state = self.lock();
        if state.shut_down || !state.dirty.insert(name.to_string()) {
            return;
        }
        if state.processing.contains(name) {
            return;
        }
        state.queue.push_back(name.to_string());
        drop(state);
        self.ready.notify_one();
    }

    /// Queues `name` again after its backoff, and counts the failure.
    pub fn add_rate_limited(self: &Arc<Self>, name: &str) {
        let delay = {
            let mut state = self.lock();
            let failures = state.failures.entry(name.to_string()).or_insert(0);
            let delay = self.backoff.delay(*failures);
            *failures = failures.saturating_add(1);
            delay
        };
        let queue = Arc::clone(self);
        let name = name.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            queue.add(&name);
        });
    }

    /// Clears `name`'s failure count: its next failure starts the backoff afresh.
    pub fn forget(&self, name: &str) {
        self.lock().failures.remove(name);
    }

    /// How many times `name` has failed since it was last forgotten.
    pub fn num_requeues(&self, name: &str) -> u32 {
        self.lock().failures.get(name).copied().unwrap_or(0)
    }

    /// How many names are waiting to be handed out.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for the next name; `None` once the queue is shut down and drained of nothing more
    /// to hand out.  The caller must call [`WorkQueue::done`] with it when finished.
    pub async fn get(&self) -> Option<String> {
        loop {
            let mut notified = pin!(self.ready.notified());
            {
                let mut state = self.lock();
                if state.shut_down {
                    return None;
                }
                if let Some(name) = state.queue.pop_front() {
                    state.dirty.remove(&name);
                    state.processing.insert(name.clone());
                    return Some(name);
                }
                // Registered before the lock is released, so an add in between still wakes us.
                notified.as_mut().enable();
            }
            notified.await;
        }
    }

    /// Marks `name` handled; if it was added meanwhile it is queued again now.
    pub fn done(&self, name: &str) {
        let mut state = self.lock();
        state.processing.remove(name);
        if state.dirty.contains(name) && !state.shut_down {
            state.queue.push_back(name.to_string());
            drop(state);
            self.ready.notify_one();
        }
    }

    /// Stops handing out names: every waiting and future [`WorkQueue::get`] returns `None`.
    pub fn shut_down(&self) {
        self.lock().shut_down = true;
        self.ready.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_base_and_stops_at_max() {
        let b = Backoff::default();
        let delays: Vec<u128> = (0..4).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(delays, vec![5, 10, 20, 40]);
        assert_eq!(b.delay(18), Duration::from_secs(1000));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn a_name_is_queued_once_however_often_it_is_added() {
        let q = WorkQueue::default();
        q.add("a");
        q.add("b");
        q.add("a");
        q.add("a");
        assert_eq!(q.len(), 2);
        assert_eq!(q.get().await.as_deref(), Some("a"));
        assert_eq!(q.get().await.as_deref(), Some("b"));
        assert!(q.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_name_added_while_held_comes_back_once_after_done() {
        let q = WorkQueue::default();
        q.add("a");
        let held = q.get().await;
        assert_eq!(held.as_deref(), Some("a"));
        q.add("a");
        q.add("a");
        // Not handed to a second worker while the first holds it.
        assert!(q.is_empty());
        q.done("a");
        assert_eq!(q.len(), 1);
        assert_eq!(q.get().await.as_deref(), Some("a"));
        q.done("a");
        assert!(q.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn failures_come_back_after_a_growing_delay_until_forgotten() {
        let q = Arc::new(WorkQueue::default());
        let start = tokio::time::Instant::now();
        let mut seen = Vec::new();
        for _ in 0..3 {
            q.add_rate_limited("a");
            let name = q.get().await;
            assert_eq!(name.as_deref(), Some("a"));
            seen.push(start.elapsed().as_millis());
            q.done("a");
        }
        // 5ms, then 10ms more, then 20ms more.
        assert_eq!(seen, vec![5, 15, 35]);
        assert_eq!(q.num_requeues("a"), 3);
        q.forget("a");
        assert_eq!(q.num_requeues("a"), 0);
        q.add_rate_limited("a");
        let _ = q.get().await;
        assert_eq!(start.elapsed().as_millis(), 40);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_wakes_waiting_workers_and_ignores_later_adds() {
        let q = Arc::new(WorkQueue::default());
        let waiter = tokio::spawn({
            let q = Arc::clone(&q);
            async move { q.get().await }
        });
        tokio::task::yield_now().await;
        q.shut_down();
        assert_eq!(waiter.await.ok(), Some(None));
        q.add("a");
        assert!(q.is_empty());
        assert_eq!(q.get().await, None);
    }
}
