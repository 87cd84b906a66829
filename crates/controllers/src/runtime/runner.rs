//! The runner: keeps a cache of CSRs fed by list+watch, queues every name that changes, and lets
//! N workers call a [`Handler`] on the cached object, retrying failures with backoff.
//!
//! This is upstream's `CertificateController` loop: an informer on CSRs, "every add, update and
//! delete enqueues the name", "sync reads the cached object and returns if it was deleted", and
//! "handler errors are requeued rate-limited".  A watch that fails (410 Gone included) or ends is
//! followed by a fresh list, so nothing that happened in between is missed.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use tokio::sync::watch;

use crate::client::{ClientError, CsrClient, CsrEvent};
use crate::runtime::queue::{Backoff, WorkQueue};

/// What a controller does with one CSR.  An error requeues the name with backoff.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    type Error: std::error::Error + Send + Sync + 'static;

    async fn handle(&self, csr: &CertificateSigningRequest) -> Result<(), Self::Error>;
}

/// How a runner runs.
#[derive(Clone, Debug)]
pub struct RunnerConfig {
    /// The controller's name, for logs (`csrsigning`, ...).
    pub name: String,
    /// How many CSRs are handled at once (upstream runs 5 per signer).
    pub workers: usize,
    /// Retry delays for a CSR whose handler failed.
    pub backoff: Backoff,
    /// Delays between failed attempts to list or watch.
    pub relist_backoff: Backoff,
    /// Only CSRs with this `spec.signerName`, or all.
    pub signer_name: Option<String>,
}

impl RunnerConfig {
    pub fn new(name: impl Into<String>) -> Self {
        RunnerConfig {
            name: name.into(),
            workers: 5,
            backoff: Backoff::default(),
            relist_backoff: Backoff {
                base: Duration::from_millis(800),
                max: Duration::from_secs(30),
            },
            signer_name: None,
        }
    }
}

type Cache = Arc<RwLock<BTreeMap<String, CertificateSigningRequest>>>;

/// One controller's loop.
pub struct Runner<H: Handler> {
    client: Arc<dyn CsrClient>,
    handler: Arc<H>,
    config: RunnerConfig,
}

/// Resolves once `shutdown` is true, or once its sender is gone (nothing could stop us later).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // Either outcome means stop; which one does not matter.
    let _ = shutdown.wait_for(|stop| *stop).await;
}

fn name_of(csr: &CertificateSigningRequest) -> String {
    csr.metadata.name.clone().unwrap_or_default()
}

impl<H: Handler> Runner<H> {
    pub fn new(client: Arc<dyn CsrClient>, handler: Arc<H>, config: RunnerConfig) -> Self {
        Runner {
            client,
            handler,
            config,
        }
    }

    /// Runs until `shutdown` turns true; in-flight handlers finish before this returns.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let queue = Arc::new(WorkQueue::new(self.config.backoff));
        let cache: Cache = Arc::default();
        let workers: Vec<_> = (0..self.config.workers.max(1))
            .map(|_| {
                tokio::spawn(work(
                    Arc::clone(&queue),
                    Arc::clone(&cache),
                    Arc::clone(&self.handler),
                    self.config.name.clone(),
                ))
            })
            .collect();
        tokio::select! {
            () = stopped(&mut shutdown) => {}
            () = self.inform(&queue, &cache) => {}
        }
        queue.shut_down();
        for worker in workers {
            if let Err(err) = worker.await {
                tracing::error!(controller = %self.config.name, %err, "worker ended abnormally");
            }
        }
        tracing::info!(controller = %self.config.name, "stopped");
    }

    /// List, then watch; on any watch failure, list again.  Never returns on its own.
    async fn inform(&self, queue: &WorkQueue, cache: &Cache) {
        let filter = self.config.signer_name.as_deref();
        let mut failures = 0u32;
        loop {
            let stream = match self.list_and_watch(queue, cache, filter).await {
                Ok(stream) => stream,
                Err(err) => {
                    let delay = self.config.relist_backoff.delay(failures);
                    failures = failures.saturating_add(1);
                    tracing::warn!(controller = %self.config.name, %err, ?delay, "list or watch failed");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            };
            let mut stream = stream;
            let mut delivered = false;
            while let Some(item) = stream.next().await {
                match item {
                    Ok(event) => {
                        delivered = true;
                        apply(queue, cache, event);
                    }
                    Err(err) => {
                        tracing::info!(controller = %self.config.name, %err, "watch ended; listing again");
                        break;
                    }
                }
            }
            // A watch that ends before delivering anything counts as a failure, so a server
            // that keeps closing watches at once is not listed in a tight loop.
            if delivered {
                failures = 0;
            } else {
                let delay = self.config.relist_backoff.delay(failures);
                failures = failures.saturating_add(1);
                tokio::time::sleep(delay).await;
            }
        }
    }

    async fn list_and_watch(
        &self,
        queue: &WorkQueue,
        cache: &Cache,
        filter: Option<&str>,
    ) -> Result<crate::client::CsrEventStream, ClientError> {
        let list = self.client.list(filter).await?;
        let fresh: BTreeMap<String, CertificateSigningRequest> = list
            .items
            .into_iter()
            .map(|csr| (name_of(&csr), csr))
            .collect();
        let old = {
            let mut cache = cache.write().unwrap_or_else(|p| p.into_inner());
            std::mem::replace(&mut *cache, fresh.clone())
        };
        // Names that vanished while we were not watching are queued too, as deletions.
        for name in old.keys().filter(|n| !fresh.contains_key(*n)) {
            queue.add(name);
        }
        for name in fresh.keys() {
            queue.add(name);
        }
        self.client.watch(filter, &list.resource_version).await
    }
}

fn apply(queue: &WorkQueue, cache: &Cache, event: CsrEvent) {
    let name = name_of(event.object());
    {
        let mut cache = cache.write().unwrap_or_else(|p| p.into_inner());
        match event {
            CsrEvent::Added(csr) | CsrEvent::Modified(csr) => {
                cache.insert(name.clone(), csr);
            }
            CsrEvent::Deleted(_) => {
                cache.remove(&name);
            }
        }
    }
    queue.add(&name);
}

async fn work<H: Handler>(
    queue: Arc<WorkQueue>,
    cache: Cache,
    handler: Arc<H>,
    controller: String,
) {
    while let Some(name) = queue.get().await {
        let cached = cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name)
            .cloned();
        match cached {
            // Deleted: nothing to do.
            None => queue.forget(&name),
            Some(csr) => match handler.handle(&csr).await {
                Ok(()) => queue.forget(&name),
                Err(err) => {
                    tracing::warn!(%controller, csr = %name, %err, "requeueing");
                    queue.add_rate_limited(&name);
                }
            },
        }
        queue.done(&name);
    }
}
