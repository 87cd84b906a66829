//! [`ApiError`]: the one error type of the API server, rendered as a `metav1.Status` in one place.
//!
//! Every rejection a client can cause becomes a `Status` with the code, reason, message and details
//! kube-apiserver would send (apimachinery `pkg/api/errors`).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

/// A group and resource, e.g. `certificates.k8s.io` / `certificatesigningrequests`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupResource {
    pub group: &'static str,
    pub resource: &'static str,
}

impl GroupResource {
    pub const fn new(group: &'static str, resource: &'static str) -> Self {
        GroupResource { group, resource }
    }

    /// `resource.group`, or just `resource` for the core group.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// One `details.causes` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    pub reason: String,
    pub message: String,
    pub field: String,
}

/// An error that is sent to the client as a Kubernetes `Status`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// `details`, when the error names an object.
    pub details: Option<Value>,
    /// Sent as `Retry-After` (and `details.retryAfterSeconds`).
    pub retry_after: Option<u32>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} {})", self.message, self.code, self.reason)
    }
}

impl std::error::Error for ApiError {}

fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut d = serde_json::Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    d.insert("group".into(), json!(group));
    d.insert("kind".into(), json!(kind));
    Value::Object(d)
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    /// 404 `<resource>.<group> "<name>" not found`.
    pub fn not_found(gr: GroupResource, name: &str) -> Self {
        let mut e = Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", gr.qualified()),
        );
        e.details = Some(details(name, gr.group, gr.resource));
        e
    }

    /// 409 `<resource>.<group> "<name>" already exists`.
    pub fn already_exists(gr: GroupResource, name: &str) -> Self {
        let mut e = Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", gr.qualified()),
        );
        e.details = Some(details(name, gr.group, gr.resource));
        e
    }

    /// 409 Conflict with the standard "the object has been modified" text.
    pub fn conflict_modified(gr: GroupResource, name: &str) -> Self {
        Self::conflict(
            gr,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 409 `Operation cannot be fulfilled on <resource>.<group> "<name>": <why>`.
    pub fn conflict(gr: GroupResource, name: &str, why: &str) -> Self {
        let mut e = Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": {why}",
                gr.qualified()
            ),
        );
        e.details = Some(details(name, gr.group, gr.resource));
        e
    }

    /// 422 `<Kind>.<group> "<name>" is invalid: <errors>`; `errors` is the already-rendered
    /// aggregate text and `causes` one entry per field error.
    pub fn invalid(
        group: &'static str,
        kind: &'static str,
        name: &str,
        errors: &str,
        causes: Vec<Cause>,
    ) -> Self {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{qualified} \"{name}\" is invalid: {errors}"),
        );
        let mut d = details(name, group, kind);
        if !causes.is_empty() {
            d["causes"] = Value::Array(
                causes
                    .into_iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                    .collect(),
            );
        }
        e.details = Some(d);
        e
    }

    /// 403 `<resource>.<group> "<name>" is forbidden: <why>` (without the name part when empty).
    pub fn forbidden(gr: GroupResource, name: &str, why: &str) -> Self {
        Self::forbidden_for(gr.group, gr.resource, name, why)
    }

    /// [`ApiError::forbidden`] for a group and resource known only at run time.
    pub fn forbidden_for(group: &str, resource: &str, name: &str, why: &str) -> Self {
        let qualified = if group.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}.{group}")
        };
        let message = if name.is_empty() {
            format!("{qualified} is forbidden: {why}")
        } else {
            format!("{qualified} \"{name}\" is forbidden: {why}")
        };
        let mut e = Self::new(403, "Forbidden", message);
        e.details = Some(details(name, group, resource));
        e
    }

    /// 403 for a non-resource URL: `forbidden: User "<u>" cannot get path "<path>"`.
    pub fn forbidden_path(user: &str, verb: &str, path: &str) -> Self {
        let mut e = Self::new(
            403,
            "Forbidden",
            format!("forbidden: User \"{user}\" cannot {verb} path \"{path}\""),
        );
        e.details = Some(json!({}));
        e
    }

    /// 400 BadRequest.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 401 Unauthorized.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// 406 NotAcceptable.
    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, "NotAcceptable", message)
    }

    /// 410 Gone / reason Expired (a watch or continue token older than the retained history).
    pub fn expired(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 413 RequestEntityTooLarge.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(413, "RequestEntityTooLarge", message)
    }

    /// 415 UnsupportedMediaType.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 429 TooManyRequests with `Retry-After`.
    pub fn too_many_requests(message: impl Into<String>, retry_after: u32) -> Self {
        let mut e = Self::new(429, "TooManyRequests", message);
        e.retry_after = Some(retry_after);
        e.details = Some(json!({"retryAfterSeconds": retry_after}));
        e
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// 503 ServiceUnavailable.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "ServiceUnavailable", message)
    }

    /// 504 Timeout.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(504, "Timeout", message)
    }

    /// The `metav1.Status` body.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.to_status().to_string();
        let mut resp = (code, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<signet_storage::StorageError> for ApiError {
    fn from(e: signet_storage::StorageError) -> Self {
        use signet_storage::StorageError as S;
        match e {
            S::Expired { .. } => ApiError::expired(e.to_string()),
            S::Unavailable(m) => ApiError::unavailable(m),
            S::FutureRevision { requested, .. } => ApiError::timeout(format!(
                "Too large resource version: {requested}, current: {}",
                match e {
                    S::FutureRevision { current, .. } => current,
                    _ => 0,
                }
            )),
            other => ApiError::internal(other.to_string()),
        }
    }
}
