//! Watch streams: history replayed from the database, then live events from the writer, with
//! neither a gap nor a duplicate between the two.
//!
//! A watch subscribes to the writer's notices BEFORE it reads history.  Any commit the history
//! read did not see committed after the subscription, so its notice reaches the subscriber; any
//! commit it did see is skipped when its notice arrives, by revision (`cursor`).  A watcher that
//! falls behind the notice buffer does not lose events either: it goes back to reading history
//! from its cursor and then rejoins the live notices, the same way it started.  Only when its
//! cursor has been compacted away does it get [`StorageError::Expired`] and end.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::pool::ReadPool;
use super::range::KeyRange;
use super::read::{Replay, replay};
use super::writer::Notice;
use crate::{Revision, StorageError, WatchEvent, WatchStream};

/// How many revisions one history read covers, bounding the memory a replay holds at once.
const REPLAY_REVISIONS: Revision = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Reading history after `cursor`.
    Replay,
    /// Caught up: taking events from the writer's notices.
    Live,
    /// The stream has ended.
    Done,
}

struct Watcher {
    pool: Arc<ReadPool>,
    notices: broadcast::Receiver<Notice>,
    range: KeyRange,
    /// Every event up to this revision has been queued or skipped.
    cursor: Revision,
    phase: Phase,
    pending: VecDeque<WatchEvent>,
}

/// Starts a watch of `prefix` after revision `after`.  `notices` must have been subscribed before
/// this call reads anything.  Fails right away when `after` is compacted or in the future.
pub(super) async fn start(
    pool: Arc<ReadPool>,
    notices: broadcast::Receiver<Notice>,
    prefix: &str,
    after: Revision,
) -> Result<WatchStream, StorageError> {
    let mut watcher = Watcher {
        pool,
        notices,
        range: KeyRange::prefix(prefix),
        cursor: after,
        phase: Phase::Replay,
        pending: VecDeque::new(),
    };
    let first = watcher.read_history().await?;
    watcher.accept(first);
    Ok(Box::pin(futures::stream::unfold(watcher, Watcher::next)))
}

impl Watcher {
    async fn next(mut self) -> Option<(Result<WatchEvent, StorageError>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            match self.phase {
                Phase::Done => return None,
                Phase::Replay => match self.read_history().await {
                    Ok(chunk) => self.accept(chunk),
                    Err(err) => return Some((Err(err), self.end())),
                },
                Phase::Live => match self.notices.recv().await {
                    Ok(Notice::Committed(events)) => self.take_live(&events),
                    Ok(Notice::Closed) | Err(RecvError::Closed) => {
                        return Some((Err(StorageError::Closed), self.end()));
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::debug!(missed, cursor = self.cursor, "watch lagged, replaying");
                        self.phase = Phase::Replay;
                    }
                },
            }
        }
    }

    async fn read_history(&self) -> Result<Replay, StorageError> {
        let range = self.range.clone();
        let after = self.cursor;
        self.pool
            .run(move |conn| replay(conn, &range, after, REPLAY_REVISIONS))
            .await
    }

    fn accept(&mut self, chunk: Replay) {
        self.pending.extend(chunk.events);
        self.cursor = chunk.through;
        if chunk.caught_up {
            self.phase = Phase::Live;
        }
    }

    fn take_live(&mut self, events: &[WatchEvent]) {
        let matching = events
            .iter()
            .filter(|e| e.revision() > self.cursor && self.range.contains(e.kv.key.as_bytes()));
        self.pending.extend(matching.cloned());
        if let Some(last) = events.last() {
            self.cursor = self.cursor.max(last.revision());
        }
    }

    fn end(mut self) -> Self {
        self.phase = Phase::Done;
        self.pending.clear();
        self
    }
}
