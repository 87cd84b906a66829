//! Prometheus metrics at `/metrics` (text exposition format 0.0.4): requests by verb, resource and
//! code with their latency, and CSR activity by signer — created, approved, denied, failed, issued,
//! deleted, pending now, and the time from request to certificate — plus gauges the binary sets
//! (e.g. each signer CA's expiry).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::Value;
use signet_storage::{EventKind, ListOptions, Store, WatchEvent};

use crate::request_info::RequestInfo;
use crate::server::AppState;

/// Upper bounds (seconds) of the latency histograms.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Clone, Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {}\n",
                self.counts[i]
            ));
        }
        out.push_str(&format!(
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}\n",
            self.count
        ));
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        out.push_str(&format!(
            "{name}_sum{braces} {}\n{name}_count{braces} {}\n",
            self.sum, self.count
        ));
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
    csr_events: BTreeMap<(String, &'static str), u64>,
    pending: BTreeMap<String, (String, bool)>,
    issuance: BTreeMap<String, Histogram>,
    gauges: BTreeMap<(String, String), f64>,
}

/// The server's metrics.
#[derive(Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Inner>>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn conditions(obj: &Value) -> (bool, bool, bool, bool) {
    let has = |t: &str| {
        obj.get("status")
            .and_then(|s| s.get("conditions"))
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.get("type").and_then(Value::as_str) == Some(t))
            })
    };
    let issued = obj
        .get("status")
        .and_then(|s| s.get("certificate"))
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty());
    (has("Approved"), has("Denied"), has("Failed"), issued)
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Option<T> {
        self.inner.lock().ok().map(|mut i| f(&mut i))
    }

    /// Record one finished request.
    pub fn observe_request(
        &self,
        verb: &str,
        resource: &str,
        code: u16,
        elapsed: Option<Duration>,
    ) {
        self.with(|i| {
            *i.requests
                .entry((verb.to_string(), String::new(), resource.to_string(), code))
                .or_default() += 1;
            if let Some(e) = elapsed {
                i.latency
                    .entry((verb.to_string(), resource.to_string()))
                    .or_default()
                    .observe(e.as_secs_f64());
            }
        });
    }

    /// Set a gauge (e.g. `signet_signer_ca_not_after_seconds`, `signer="..."`).
    pub fn set_gauge(&self, name: &str, labels: &str, value: f64) {
        self.with(|i| {
            i.gauges
                .insert((name.to_string(), labels.to_string()), value)
        });
    }

    /// Account one storage event of a CSR (old state → new state).
    fn csr_event(&self, ev: &WatchEvent, now: jiff::Timestamp) {
        let decode = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
        let new = decode(&ev.kv.value);
        let old = ev.prev.as_ref().and_then(|p| decode(&p.value));
        let Some(obj) = new.as_ref().or(old.as_ref()) else {
            return;
        };
        let signer = obj
            .get("spec")
            .and_then(|s| s.get("signerName"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let name = ev.kv.key.rsplit('/').next().unwrap_or("").to_string();
        self.with(|i| {
            let mut bump =
                |what: &'static str| *i.csr_events.entry((signer.clone(), what)).or_default() += 1;
            if ev.kind == EventKind::Delete {
                bump("deleted");
                i.pending.remove(&name);
                return;
            }
            let (a0, d0, f0, c0) = old.as_ref().map(conditions).unwrap_or_default();
            let (a1, d1, f1, c1) = new.as_ref().map(conditions).unwrap_or_default();
            if old.is_none() {
                bump("created");
            }
            if a1 && !a0 {
                bump("approved");
            }
            if d1 && !d0 {
                bump("denied");
            }
            if f1 && !f0 {
                bump("failed");
            }
            if c1 && !c0 {
                bump("issued");
                let created = obj
                    .get("metadata")
                    .and_then(|m| m.get("creationTimestamp"))
                    .and_then(Value::as_str)
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok());
                if let Some(t) = created {
                    let secs = (now.as_millisecond() - t.as_millisecond()).max(0) as f64 / 1000.0;
                    i.issuance.entry(signer.clone()).or_default().observe(secs);
                }
            }
            i.pending
                .insert(name, (signer.clone(), !(a1 || d1 || f1 || c1)));
        });
    }

    /// Follow the CSRs in the store to keep the CSR metrics, until shutdown.
    pub async fn follow_csrs(
        self,
        store: Arc<dyn Store>,
        clock: Arc<dyn signet_api::clock::Clock>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        const PREFIX: &str = "/registry/certificates.k8s.io/certificatesigningrequests/";
        let Ok(page) = store
            .list(ListOptions {
                prefix: PREFIX.to_string(),
                ..Default::default()
            })
            .await
        else {
            return;
        };
        self.with(|i| {
            for kv in &page.items {
                if let Ok(obj) = serde_json::from_slice::<Value>(&kv.value) {
                    let (a, d, f, c) = conditions(&obj);
                    let signer = obj
                        .get("spec")
                        .and_then(|s| s.get("signerName"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let name = kv.key.rsplit('/').next().unwrap_or("");
                    i.pending
                        .insert(name.to_string(), (signer.to_string(), !(a || d || f || c)));
                }
            }
        });
        let Ok(mut events) = store.watch(PREFIX, page.revision).await else {
            return;
        };
        loop {
            tokio::select! {
                _ = shutdown.changed() => return,
                ev = events.next() => match ev {
                    Some(Ok(ev)) => self.csr_event(&ev, clock.now()),
                    _ => return,
                }
            }
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.with(|i| {
            out.push_str("# HELP apiserver_request_total Requests by verb, resource and HTTP code.\n# TYPE apiserver_request_total counter\n");
            for ((verb, _, resource, code), n) in &i.requests {
                out.push_str(&format!(
                    "apiserver_request_total{{verb=\"{}\",resource=\"{}\",code=\"{code}\"}} {n}\n",
                    escape(verb),
                    escape(resource)
                ));
            }
            out.push_str("# HELP apiserver_request_duration_seconds Request latency (watches excluded).\n# TYPE apiserver_request_duration_seconds histogram\n");
            for ((verb, resource), h) in &i.latency {
                h.render(&mut out, "apiserver_request_duration_seconds", &format!("verb=\"{}\",resource=\"{}\"", escape(verb), escape(resource)));
            }
            out.push_str("# HELP signet_csr_events_total CSR state changes by signer: created, approved, denied, failed, issued, deleted.\n# TYPE signet_csr_events_total counter\n");
            for ((signer, what), n) in &i.csr_events {
                out.push_str(&format!("signet_csr_events_total{{signer=\"{}\",event=\"{what}\"}} {n}\n", escape(signer)));
            }
            let mut pending: BTreeMap<&str, u64> = BTreeMap::new();
            for (signer, is_pending) in i.pending.values() {
                let e = pending.entry(signer.as_str()).or_default();
                if *is_pending {
                    *e += 1;
                }
            }
            out.push_str("# HELP signet_csr_pending CSRs with no decision yet, by signer.\n# TYPE signet_csr_pending gauge\n");
            for (signer, n) in pending {
                out.push_str(&format!("signet_csr_pending{{signer=\"{}\"}} {n}\n", escape(signer)));
            }
            out.push_str("# HELP signet_csr_issuance_seconds Time from a CSR's creation to its certificate.\n# TYPE signet_csr_issuance_seconds histogram\n");
            for (signer, h) in &i.issuance {
                h.render(&mut out, "signet_csr_issuance_seconds", &format!("signer=\"{}\"", escape(signer)));
            }
            let mut last = "";
            for ((name, labels), v) in &i.gauges {
                if name != last {
                    out.push_str(&format!("# TYPE {name} gauge\n"));
                    last = name;
                }
                let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
                out.push_str(&format!("{name}{braces} {v}\n"));
            }
        });
        out
    }
}

/// Middleware: count every request and time the ones that are not watches.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let info = RequestInfo::parse(req.method(), req.uri().path(), req.uri().query());
    let started = Instant::now();
    let resp = next.run(req).await;
    let resource = if info.is_resource_request {
        if info.subresource.is_empty() {
            info.resource.clone()
        } else {
            format!("{}/{}", info.resource, info.subresource)
        }
    } else {
        String::new()
    };
    let elapsed = (info.verb != "watch").then(|| started.elapsed());
    state
        .metrics
        .observe_request(&info.verb, &resource, resp.status().as_u16(), elapsed);
    resp
}

/// `GET /metrics` (authorized like any non-resource URL: `system:masters` by default).
pub async fn handler(State(state): State<AppState>) -> Response {
    (
        [(
            http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_metrics_render() {
        let m = Metrics::default();
        m.observe_request(
            "list",
            "certificatesigningrequests",
            200,
            Some(Duration::from_millis(20)),
        );
        m.observe_request(
            "list",
            "certificatesigningrequests",
            200,
            Some(Duration::from_millis(700)),
        );
        m.set_gauge(
            "signet_signer_ca_not_after_seconds",
            "signer=\"example.com/a\"",
            1.5e9,
        );
        let text = m.render();
        assert!(text.contains("apiserver_request_total{verb=\"list\",resource=\"certificatesigningrequests\",code=\"200\"} 2\n"), "{text}");
        assert!(text.contains("apiserver_request_duration_seconds_bucket{verb=\"list\",resource=\"certificatesigningrequests\",le=\"0.025\"} 1\n"), "{text}");
        assert!(text.contains("apiserver_request_duration_seconds_bucket{verb=\"list\",resource=\"certificatesigningrequests\",le=\"+Inf\"} 2\n"), "{text}");
        assert!(
            text.contains(
                "signet_signer_ca_not_after_seconds{signer=\"example.com/a\"} 1500000000\n"
            ),
            "{text}"
        );
    }
}
