//! A memo of `remaining` counts, so paging through a large prefix costs one count, not one per
//! page.
//!
//! SQLite can only count the keys after a page by walking them, which for a million keys takes a
//! noticeable fraction of a second.  But "how many keys of prefix P follow key K at revision R"
//! never changes once R is committed, and a client paging through a list asks for the next page
//! with exactly the (P, R, K) of the page before.  So each page records its answer, and the next
//! page subtracts its own length from it instead of counting again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::Revision;

/// How many page ends are remembered: enough for many clients paging at once.
const CAPACITY: usize = 1024;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct PageEnd {
    prefix: String,
    revision: Revision,
    last_key: String,
}

/// Remembered counts of the keys after a page, oldest evicted first.
#[derive(Debug, Default)]
pub(super) struct RemainingCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    counts: HashMap<PageEnd, u64>,
    order: VecDeque<PageEnd>,
}

impl RemainingCache {
    /// The number of keys under `prefix` after `last_key` at `revision`, if a page ending there
    /// recorded it.
    pub fn get(&self, prefix: &str, revision: Revision, last_key: &str) -> Option<u64> {
        let end = PageEnd {
            prefix: prefix.into(),
            revision,
            last_key: last_key.into(),
        };
        self.lock().counts.get(&end).copied()
    }

    pub fn put(&self, prefix: &str, revision: Revision, last_key: &str, remaining: u64) {
        let end = PageEnd {
            prefix: prefix.into(),
            revision,
            last_key: last_key.into(),
        };
        let mut inner = self.lock();
        if inner.counts.insert(end.clone(), remaining).is_none() {
            inner.order.push_back(end);
        }
        while inner.order.len() > CAPACITY {
            if let Some(oldest) = inner.order.pop_front() {
                inner.counts.remove(&oldest);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Each update leaves the map and the queue consistent before anything can panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_by_prefix_revision_and_key() {
        let cache = RemainingCache::default();
        cache.put("/a/", 7, "/a/3", 40);
        assert_eq!(cache.get("/a/", 7, "/a/3"), Some(40));
        assert_eq!(cache.get("/a/", 8, "/a/3"), None);
        assert_eq!(cache.get("/b/", 7, "/a/3"), None);
        assert_eq!(cache.get("/a/", 7, "/a/4"), None);
    }

    #[test]
    fn forgets_the_oldest_beyond_capacity() {
        let cache = RemainingCache::default();
        for i in 0..=CAPACITY {
            cache.put("/", 1, &i.to_string(), i as u64);
        }
        assert_eq!(cache.get("/", 1, "0"), None);
        assert_eq!(cache.get("/", 1, "1"), Some(1));
        assert_eq!(
            cache.get("/", 1, &CAPACITY.to_string()),
            Some(CAPACITY as u64)
        );
        assert_eq!(cache.lock().counts.len(), CAPACITY);
    }
}
