//! The router and the request pipeline in front of every handler: body limit, authentication,
//! request attributes, authorization.  `router(state)` is all a caller (the `signet` binary, or a
//! test with `tower::ServiceExt::oneshot`) needs.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use signet_api::clock::Clock;
use signet_storage::Store;

use crate::audit::AuditRecord;
use crate::authn::Authenticator;
use crate::authz::{Attributes, Authorizer, forbidden_reason};
use crate::error::{ApiError, GroupResource};
use crate::registry::Registry;
use crate::request_info::RequestInfo;
use crate::tls::PeerCertificates;
use crate::user::UserInfo;

/// The largest request body accepted (kube-apiserver's `MaxRequestBodyBytes`, 3 MiB).
pub const MAX_REQUEST_BODY_BYTES: usize = 3 * 1024 * 1024;

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub registries: Arc<Vec<Registry>>,
    pub store: Arc<dyn Store>,
    pub authn: Arc<Authenticator>,
    pub authz: Arc<dyn Authorizer>,
    /// The RBAC policy cache behind `authz` (for rules reviews).
    pub rbac: Arc<crate::rbac_authorizer::RbacAuthorizer>,
    pub clock: Arc<dyn Clock>,
    /// Flips to `true` when the server shuts down; long watches end on it.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Max-in-flight request limits.
    pub inflight: crate::inflight::InflightLimits,
    /// Prometheus metrics.
    pub metrics: crate::metrics::Metrics,
    /// Where audit events go, when enabled.
    pub audit: Option<crate::audit::AuditLog>,
}

impl AppState {
    /// The registry serving `group/version/resource`.
    pub fn registry(&self, group: &str, version: &str, resource: &str) -> Option<&Registry> {
        self.registries.iter().find(|r| {
            let i = r.info();
            i.group == group && i.version == version && i.resource == resource
        })
    }
}

/// The authenticated caller and the parsed request attributes, for handlers.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserInfo,
    pub info: RequestInfo,
    /// Why the request was allowed (kept for the governance record).
    pub authorization_reason: String,
}

/// Build the full router.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(crate::health::healthz))
        .route("/livez", get(crate::health::livez))
        .route("/readyz", get(crate::health::readyz))
        .route("/metrics", get(crate::metrics::handler))
        .merge(crate::discovery::router())
        .merge(crate::openapi::router())
        .route(
            "/apis/{group}/{version}/{*rest}",
            any(crate::handlers::resource),
        )
        .route("/api/v1/{*rest}", any(crate::handlers::resource))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            authenticate_and_authorize,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::record,
        ))
        .with_state(state);
    // `/apis/` and `/apis/certificates.k8s.io/` (as the Python client asks) are the same
    // documents as without the trailing slash.
    Router::new().fallback_service(tower::ServiceExt::map_request(routes, trim_trailing_slash))
}

fn trim_trailing_slash(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let pq = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        if let Ok(uri) = pq.parse::<http::Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

async fn not_found() -> ApiError {
    let mut e = ApiError::not_found(GroupResource::new("", ""), "");
    e.message = "the server could not find the requested resource".into();
    e.details = Some(serde_json::json!({}));
    e
}

/// Health endpoints answer without credentials so that load balancers and probes can use them.
fn is_health_path(path: &str) -> bool {
    ["/healthz", "/livez", "/readyz"].contains(&path)
}

/// Authenticate, impersonate, limit, authorize — and write the request's audit event.
async fn authenticate_and_authorize(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let Some(log) = state.audit.clone() else {
        return pipeline(&state, req, next, &mut AuditRecord::default()).await;
    };
    let received = state.clock.now();
    let uri = req.uri().to_string();
    let method = req.method().to_string();
    let source = req
        .extensions()
        .get::<crate::tls::RemoteAddr>()
        .map(|a| a.0.ip().to_string());
    let agent = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut record = AuditRecord::default();
    let resp = pipeline(&state, req, next, &mut record).await;
    let id = uuid::Uuid::new_v4().to_string();
    let e = crate::audit::event(
        &record,
        &id,
        &uri,
        &method,
        source,
        agent.as_deref(),
        resp.status().as_u16(),
        received,
        state.clock.now(),
    );
    log.record(&e);
    resp
}

async fn pipeline(
    state: &AppState,
    mut req: Request,
    next: Next,
    audit: &mut AuditRecord,
) -> Response {
    let peer = req
        .extensions()
        .get::<PeerCertificates>()
        .cloned()
        .unwrap_or(PeerCertificates(None));
    let path = req.uri().path().to_string();
    let user = match state.authn.authenticate(&peer, req.headers()) {
        Ok(u) => u,
        Err(_) if is_health_path(&path) => UserInfo::anonymous(),
        Err(_) => return ApiError::unauthorized().into_response(),
    };
    // Credentials stop here: nothing downstream (handlers, logs, audit) sees the bearer token.
    req.headers_mut().remove(http::header::AUTHORIZATION);
    state.authz.sync().await;
    audit.user = Some(user.clone());
    let user = match crate::impersonation::impersonate(state.authz.as_ref(), &user, req.headers()) {
        Ok(Some(impersonated)) => {
            audit.impersonated = Some(impersonated.clone());
            impersonated
        }
        Ok(None) => user,
        Err(e) => return e.into_response(),
    };
    crate::impersonation::strip_headers(req.headers_mut());
    let info = RequestInfo::parse(req.method(), &path, req.uri().query());
    audit.info = Some(info.clone());
    let _slot = match state.inflight.admit(&user, &info) {
        Ok(slot) => slot,
        Err(e) => return e.into_response(),
    };
    let attrs = Attributes::from_request(&user, &info);
    let decision = state.authz.authorize(&attrs);
    audit.decision = Some((
        if decision.allowed { "allow" } else { "forbid" },
        decision.reason.clone(),
    ));
    if !decision.allowed && !is_health_path(&path) {
        return forbidden(&attrs, &info, &decision.reason).into_response();
    }
    req.extensions_mut().insert(Caller {
        user,
        info,
        authorization_reason: decision.reason,
    });
    next.run(req).await
}

/// The 403 kube-apiserver sends when authorization denies a request.
fn forbidden(attrs: &Attributes, info: &RequestInfo, reason: &str) -> ApiError {
    if !info.is_resource_request {
        return ApiError::forbidden_path(&attrs.user.name, &attrs.verb, &info.path);
    }
    ApiError::forbidden_for(
        &info.api_group,
        &info.resource,
        &info.name,
        &forbidden_reason(attrs, reason),
    )
}

/// Read a whole request body, refusing more than [`MAX_REQUEST_BODY_BYTES`].
pub async fn read_body(body: Body) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, MAX_REQUEST_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::too_large(format!(
                "Request entity too large: limit is {MAX_REQUEST_BODY_BYTES}"
            ))
        })
}
