//! Shared setup for the router tests: a real SQLite store in a temp dir, token authentication
//! (an admin in `system:masters` and an ordinary user), and CSR fixtures made with rcgen.

#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use base64::Engine;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use signet_api::clock::{Clock, SystemClock};
use signet_apiserver::assemble::{ServerParts, assemble};
use signet_apiserver::authn::{Authenticator, AuthnConfig};
use signet_apiserver::registry::csr_admission::GovernancePolicy;
use signet_apiserver::server::router;
use signet_storage::Store;
use signet_storage::sqlite::{SqliteOptions, SqliteStore};
use tower::ServiceExt;

pub const ADMIN: &str = "admin-token-0123456789";
pub const ALICE: &str = "alice-token-0123456789";
/// A second member of `system:masters`: approves what `admin` requested.
pub const APPROVER: &str = "approver-token-0123456789";
pub const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

pub struct Harness {
    pub app: Router,
    pub store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

pub async fn harness() -> Harness {
    harness_with("", None).await
}

/// A harness with more token-file lines (`token,user,uid,"groups"`) and, optionally, a bootstrap
/// token file (YAML of bootstrap-token Secrets).
pub async fn harness_with(extra_tokens: &str, bootstrap_tokens: Option<&str>) -> Harness {
    harness_full(extra_tokens, bootstrap_tokens, Default::default()).await
}

/// [`harness_with`] and explicit max-in-flight limits.
pub async fn harness_full(
    extra_tokens: &str,
    bootstrap_tokens: Option<&str>,
    inflight: signet_apiserver::inflight::InflightLimits,
) -> Harness {
    build(extra_tokens, bootstrap_tokens, inflight, None).await
}

/// A harness that writes audit events to `log`.
pub async fn harness_audited(log: signet_apiserver::audit::AuditLog) -> Harness {
    build("", None, Default::default(), Some(log)).await
}

async fn build(
    extra_tokens: &str,
    bootstrap_tokens: Option<&str>,
    inflight: signet_apiserver::inflight::InflightLimits,
    audit: Option<signet_apiserver::audit::AuditLog>,
) -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens = dir.path().join("tokens.csv");
    std::fs::write(
        &tokens,
        format!(
            "{ADMIN},admin,uid-admin,\"system:masters\"\n{ALICE},alice,uid-alice,\"devs,qa\"\n{APPROVER},approver,uid-approver,\"system:masters\"\n{extra_tokens}"
        ),
    )
    .expect("token file");
    let bootstrap_token_file = bootstrap_tokens.map(|yaml| {
        let path = dir.path().join("bootstrap-tokens.yaml");
        std::fs::write(&path, yaml).expect("bootstrap token file");
        path
    });
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("db.sqlite"), SqliteOptions::default()).expect("store"),
    );
    let authn = Authenticator::new(AuthnConfig {
        client_ca: true,
        token_file: Some(tokens),
        bootstrap_token_file,
        anonymous: false,
    })
    .expect("authenticator");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let state = assemble(ServerParts {
        store: store.clone(),
        clock,
        authn,
        governance: GovernancePolicy::default(),
        shutdown: rx,
        inflight,
        audit,
    })
    .await
    .expect("assemble");
    Harness {
        app: router(state),
        store,
        _dir: dir,
        shutdown: tx,
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Harness {
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        ct: Option<&str>,
        body: Vec<u8>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        let resp = self
            .app
            .clone()
            .oneshot(b.body(Body::from(body)).expect("request"))
            .await
            .expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn admin(&self, method: &str, uri: &str, body: Option<Value>) -> Resp {
        self.as_user(ADMIN, method, uri, body).await
    }

    pub async fn as_user(&self, token: &str, method: &str, uri: &str, body: Option<Value>) -> Resp {
        let ct = if method == "PATCH" {
            Some("application/merge-patch+json")
        } else {
            Some("application/json")
        };
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.call(method, uri, Some(token), ct, bytes).await
    }
}

/// A PKCS#10 request (PEM) with the given CN and organizations, made with an ECDSA P-256 key.
pub fn csr_pem(cn: &str, orgs: &[&str]) -> String {
    let mut params =
        rcgen::CertificateParams::new(vec![format!("{cn}.example.com")]).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    for o in orgs {
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, *o);
    }
    let key = rcgen::KeyPair::generate().expect("key");
    params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem")
}

pub fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A CSR object for `signer` with usages `client auth`.
pub fn csr_object(name: &str, signer: &str) -> Value {
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {
            "request": b64(csr_pem(name, &["devs"]).as_bytes()),
            "signerName": signer,
            "usages": ["client auth"],
            "expirationSeconds": 3600
        }
    })
}
