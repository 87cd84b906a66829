//! Watch: initial events, changes from a resourceVersion, selector transitions (an object that
//! stops matching is reported as DELETED, one that starts matching as ADDED), bookmarks, and the
//! `410 Expired` error for a revision older than the retained history.

use std::time::Duration;

use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use signet_storage::{EventKind, Revision, StorageError};

use super::list::parse_rv;
use super::ops::decode_stored;
use super::{ListParams, Registry};
use crate::error::ApiError;

/// Watch parameters beyond the list selectors.
#[derive(Clone, Debug, Default)]
pub struct WatchParams {
    pub list: ListParams,
    pub allow_bookmarks: bool,
    pub send_initial_events: Option<bool>,
    pub timeout: Option<Duration>,
}

/// One event to send: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`, and its object.
#[derive(Clone, Debug, PartialEq)]
pub struct WatchEventOut {
    pub kind: &'static str,
    pub object: Value,
}

/// How often an idle watch with bookmarks enabled gets one.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(60);

impl Registry {
    /// Start a watch; the stream ends at the timeout, on shutdown, or after an ERROR event.
    pub async fn watch(
        &self,
        namespace: &str,
        params: WatchParams,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Result<impl Stream<Item = WatchEventOut> + Send + 'static, ApiError> {
        let rv = params.list.resource_version.clone().unwrap_or_default();
        let send_initial = match params.send_initial_events {
            Some(true) => {
                if params.list.resource_version_match.as_deref() != Some("NotOlderThan") {
                    return Err(ApiError::invalid(
                        "meta.k8s.io",
                        "ListOptions",
                        "",
                        "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                        vec![],
                    ));
                }
                if !params.allow_bookmarks {
                    return Err(ApiError::invalid(
                        "meta.k8s.io",
                        "ListOptions",
                        "",
                        "allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true",
                        vec![],
                    ));
                }
                true
            }
            Some(false) => false,
            None => rv.is_empty() || rv == "0",
        };
        let mut initial = Vec::new();
        let start: Revision = if send_initial {
            let page = self
                .list(
                    namespace,
                    &ListParams {
                        limit: None,
                        continue_token: None,
                        resource_version: None,
                        resource_version_match: None,
                        ..params.list.clone()
                    },
                )
                .await?;
            initial.extend(page.items.into_iter().map(|o| WatchEventOut {
                kind: "ADDED",
                object: o,
            }));
            if params.send_initial_events == Some(true) {
                let mut bm = self.bookmark(page.resource_version);
                bm["metadata"]["annotations"] = json!({"k8s.io/initial-events-end": "true"});
                initial.push(WatchEventOut {
                    kind: "BOOKMARK",
                    object: bm,
                });
            }
            page.resource_version
        } else {
            parse_rv(&rv)?
        };
        let events = match self.store.watch(&self.prefix(namespace), start).await {
            Ok(s) => s,
            Err(e @ StorageError::Expired { .. }) => {
                let err = ApiError::expired(e.to_string());
                let item = WatchEventOut {
                    kind: "ERROR",
                    object: err.to_status(),
                };
                return Ok(futures::stream::iter(vec![item]).boxed());
            }
            Err(e) => return Err(e.into()),
        };
        let registry = self.clone();
        let filter = params.list.clone();
        let changes = events
            .filter_map(move |ev| {
                let out = match ev {
                    Ok(ev) => registry.translate(&filter, ev),
                    Err(e) => {
                        let err: ApiError = match e {
                            StorageError::Expired { .. } => ApiError::expired(e.to_string()),
                            other => ApiError::internal(other.to_string()),
                        };
                        Some(WatchEventOut {
                            kind: "ERROR",
                            object: err.to_status(),
                        })
                    }
                };
                futures::future::ready(out)
            })
            .boxed();
        let timeout = params.timeout.unwrap_or_else(default_timeout);
        let bookmarks = params.allow_bookmarks;
        let registry = self.clone();
        let stream = async_stream(initial, changes, timeout, bookmarks, registry, shutdown);
        Ok(stream.boxed())
    }

    fn bookmark(&self, rv: Revision) -> Value {
        let info = self.info();
        json!({"kind": info.kind, "apiVersion": info.api_version(), "metadata": {"resourceVersion": rv.to_string()}})
    }

    /// Map a storage event to an API watch event, applying selectors to old and new states.
    fn translate(
        &self,
        filter: &ListParams,
        ev: signet_storage::WatchEvent,
    ) -> Option<WatchEventOut> {
        let rev = ev.revision();
        let new = decode_stored(&ev.kv.value, rev).ok()?;
        let old = ev
            .prev
            .as_ref()
            .and_then(|p| decode_stored(&p.value, rev).ok());
        let info = self.info();
        let decorate = |mut o: Value| {
            o["apiVersion"] = Value::String(info.api_version());
            o["kind"] = Value::String(info.kind.to_string());
            o
        };
        let old_matches = old.as_ref().is_some_and(|o| filter.matches(self, o));
        match ev.kind {
            EventKind::Delete => old_matches.then(|| WatchEventOut {
                kind: "DELETED",
                object: decorate(new),
            }),
            EventKind::Put => {
                let new_matches = filter.matches(self, &new);
                match (old.is_some() && old_matches, new_matches) {
                    (false, true) => Some(WatchEventOut {
                        kind: "ADDED",
                        object: decorate(new),
                    }),
                    (true, true) => Some(WatchEventOut {
                        kind: "MODIFIED",
                        object: decorate(new),
                    }),
                    (true, false) => Some(WatchEventOut {
                        kind: "DELETED",
                        object: decorate(new),
                    }),
                    (false, false) => None,
                }
            }
        }
    }
}

/// Upstream picks a random timeout between `minRequestTimeout` (1800 s) and twice that, so that
/// watches do not all reconnect at once.
fn default_timeout() -> Duration {
    use rand::Rng;
    Duration::from_secs(rand::thread_rng().gen_range(1800..3600))
}

fn async_stream(
    initial: Vec<WatchEventOut>,
    mut changes: futures::stream::BoxStream<'static, WatchEventOut>,
    timeout: Duration,
    bookmarks: bool,
    registry: Registry,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = WatchEventOut> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<WatchEventOut>(64);
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut last_rv: Option<String> = None;
        for ev in initial {
            last_rv = ev.object["metadata"]["resourceVersion"]
                .as_str()
                .map(str::to_string);
            if tx.send(ev).await.is_err() {
                return;
            }
        }
        let mut ticker = tokio::time::interval(BOOKMARK_INTERVAL);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = shutdown.changed() => return,
                _ = ticker.tick(), if bookmarks => {
                    if let Some(rv) = last_rv.as_ref().and_then(|r| r.parse::<Revision>().ok()) {
                        let bm = WatchEventOut { kind: "BOOKMARK", object: registry.bookmark(rv) };
                        if tx.send(bm).await.is_err() { return; }
                    }
                }
                ev = changes.next() => {
                    let Some(ev) = ev else { return };
                    let is_error = ev.kind == "ERROR";
                    if let Some(rv) = ev.object["metadata"]["resourceVersion"].as_str() {
                        last_rv = Some(rv.to_string());
                    }
                    if tx.send(ev).await.is_err() || is_error { return; }
                }
                _ = tx.closed() => return,
            }
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}
