//! Runner tests on tokio's paused clock: retries with backoff, one handler per name at a time,
//! re-listing after a broken watch, and a clean shutdown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use super::{Backoff, Handler, Runner, RunnerConfig};
use crate::client::{ClientError, CsrClient};
use crate::fake::{Action, FakeCsrClient, Verb};

#[derive(Debug, thiserror::Error)]
#[error("try again")]
struct TryAgain;

/// Records each call (name, time, resourceVersion); fails the first `failures` calls; waits for a
/// permit from `gate` before returning, so a test can hold a call open.
struct Recorder {
    calls: Mutex<Vec<(String, Instant, String)>>,
    failures: Mutex<u32>,
    gate: Arc<Semaphore>,
    running: Mutex<u32>,
    max_running: Mutex<u32>,
}

impl Recorder {
    fn new(failures: u32, gate: Arc<Semaphore>) -> Arc<Self> {
        Arc::new(Recorder {
            calls: Mutex::default(),
            failures: Mutex::new(failures),
            gate,
            running: Mutex::default(),
            max_running: Mutex::default(),
        })
    }

    fn calls(&self) -> Vec<(String, Instant, String)> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Handler for Recorder {
    type Error = TryAgain;

    async fn handle(&self, csr: &CertificateSigningRequest) -> Result<(), TryAgain> {
        if let (Ok(mut running), Ok(mut max)) = (self.running.lock(), self.max_running.lock()) {
            *running += 1;
            *max = (*max).max(*running);
        }
        if let Ok(mut calls) = self.calls.lock() {
            calls.push((
                csr.metadata.name.clone().unwrap_or_default(),
                Instant::now(),
                csr.metadata.resource_version.clone().unwrap_or_default(),
            ));
        }
        if let Ok(permit) = self.gate.acquire().await {
            permit.forget();
        }
        if let Ok(mut running) = self.running.lock() {
            *running -= 1;
        }
        let mut failures = self.failures.lock().map_err(|_| TryAgain)?;
        if *failures > 0 {
            *failures -= 1;
            return Err(TryAgain);
        }
        Ok(())
    }
}

fn csr(name: &str, signer: &str) -> CertificateSigningRequest {
    CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            uid: Some(format!("uid-{name}")),
            ..ObjectMeta::default()
        },
        spec: CertificateSigningRequestSpec {
            signer_name: signer.to_string(),
            ..CertificateSigningRequestSpec::default()
        },
        status: None,
    }
}

fn config(workers: usize) -> RunnerConfig {
    RunnerConfig {
        workers,
        backoff: Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        },
        ..RunnerConfig::new("test")
    }
}

fn open_gate() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(Semaphore::MAX_PERMITS))
}

/// Lets the runner work until `done` holds, moving paused time forward in small steps.
async fn until(done: impl Fn() -> bool) {
    for _ in 0..10_000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("condition not reached within 10s of paused time");
}

fn start(
    fake: &Arc<FakeCsrClient>,
    handler: &Arc<Recorder>,
    config: RunnerConfig,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let (stop, shutdown) = watch::channel(false);
    let client: Arc<dyn CsrClient> = fake.clone();
    let runner = Runner::new(client, Arc::clone(handler), config);
    (stop, tokio::spawn(runner.run(shutdown)))
}

#[tokio::test(start_paused = true)]
async fn a_failing_csr_is_retried_with_exponential_backoff_until_it_succeeds() {
    let fake = Arc::new(FakeCsrClient::with_objects([csr("a", "example.com/s")]));
    let handler = Recorder::new(4, open_gate());
    let (stop, run) = start(&fake, &handler, config(2));
    until(|| handler.calls().len() == 5).await;
    // Nothing further once it succeeded.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let calls = handler.calls();
    assert_eq!(calls.len(), 5);
    let first = calls[0].1;
    let offsets: Vec<u128> = calls
        .iter()
        .map(|(_, at, _)| (*at - first).as_millis())
        .collect();
    // 100, 200, 400, then 800ms apart.
    assert_eq!(offsets, vec![0, 100, 300, 700, 1500]);
    let _ = stop.send(true);
    assert!(run.await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn changes_during_a_call_lead_to_one_more_call_never_a_concurrent_one() {
    let fake = Arc::new(FakeCsrClient::with_objects([csr("a", "example.com/s")]));
    let gate = Arc::new(Semaphore::new(0));
    let handler = Recorder::new(0, Arc::clone(&gate));
    let (stop, run) = start(&fake, &handler, config(4));
    until(|| handler.calls().len() == 1).await;
    // Three changes while the first call is held open.
    for _ in 0..3 {
        fake.insert(csr("a", "example.com/s"));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(handler.calls().len(), 1);
    gate.add_permits(10);
    until(|| handler.calls().len() == 2).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let calls = handler.calls();
    assert_eq!(calls.len(), 2);
    // The second call sees the latest object.
    assert_eq!(calls[1].2, "4");
    assert_eq!(handler.max_running.lock().map(|m| *m).ok(), Some(1));
    let _ = stop.send(true);
    assert!(run.await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_broken_watch_is_followed_by_a_fresh_list_that_catches_up() {
    let fake = Arc::new(FakeCsrClient::with_objects([csr("a", "example.com/s")]));
    let handler = Recorder::new(0, open_gate());
    let config = RunnerConfig {
        signer_name: Some("example.com/s".to_string()),
        ..config(1)
    };
    let (stop, run) = start(&fake, &handler, config);
    until(|| handler.calls().len() == 1).await;
    fake.break_watches(ClientError::Expired("resource version 1 is too old".into()));
    // The first re-list fails: it is retried after the relist backoff.
    fake.fail_next(Verb::List, ClientError::Other("connection refused".into()));
    tokio::time::sleep(Duration::from_millis(10)).await;
    // While nobody watches, "b" appears and "a" goes away.
    fake.insert(csr("b", "example.com/s"));
    fake.remove("a");
    until(|| handler.calls().len() == 2).await;
    let names: Vec<String> = handler.calls().into_iter().map(|c| c.0).collect();
    assert_eq!(names, vec!["a", "b"]);
    let filter = Some("example.com/s".to_string());
    assert_eq!(
        fake.actions(),
        vec![
            Action::List {
                signer_name: filter.clone()
            },
            Action::Watch {
                signer_name: filter.clone(),
                resource_version: "1".into()
            },
            Action::List {
                signer_name: filter.clone()
            },
            Action::List {
                signer_name: filter.clone()
            },
            Action::Watch {
                signer_name: filter,
                resource_version: "3".into()
            },
        ]
    );
    let _ = stop.send(true);
    assert!(run.await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_the_call_in_flight_finish_and_starts_no_more() {
    let fake = Arc::new(FakeCsrClient::with_objects([csr("a", "example.com/s")]));
    let gate = Arc::new(Semaphore::new(0));
    let handler = Recorder::new(0, Arc::clone(&gate));
    let (stop, run) = start(&fake, &handler, config(1));
    until(|| handler.calls().len() == 1).await;
    fake.insert(csr("b", "example.com/s"));
    let _ = stop.send(true);
    tokio::time::sleep(Duration::from_millis(10)).await;
    // Still waiting for the held call.
    assert!(!run.is_finished());
    gate.add_permits(10);
    assert!(run.await.is_ok());
    assert_eq!(handler.calls().len(), 1);
    fake.insert(csr("c", "example.com/s"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(handler.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn failing_watches_are_retried_with_a_growing_delay() {
    let fake = Arc::new(FakeCsrClient::with_objects([csr("a", "example.com/s")]));
    for _ in 0..3 {
        fake.fail_next(Verb::Watch, ClientError::Expired("too old".into()));
    }
    let handler = Recorder::new(0, open_gate());
    let t0 = Instant::now();
    let (stop, run) = start(&fake, &handler, config(1));
    let lists = || {
        fake.actions()
            .iter()
            .filter(|a| matches!(a, Action::List { .. }))
            .count()
    };
    // Lists at 0s, then after 0.8s, 1.6s and 3.2s more: at 0, 0.8, 2.4 and 5.6s.
    let mut seen = Vec::new();
    for at_ms in [700, 900, 2300, 2500, 5500, 5700, 60_000] {
        tokio::time::sleep_until(t0 + Duration::from_millis(at_ms)).await;
        seen.push(lists());
    }
    assert_eq!(seen, vec![1, 2, 2, 3, 3, 4, 4]);
    let _ = stop.send(true);
    assert!(run.await.is_ok());
}
