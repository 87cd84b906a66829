//! OpenAPI documents: `/openapi/v3` (an index of group versions), one v3 document per served group
//! version, and the swagger 2.0 document `/openapi/v2` in JSON or gnostic protobuf.
//!
//! kubectl needs them for `create`/`apply` (it looks for the `fieldValidation` parameter on the
//! kind's PATCH operation to decide to let the server validate fields, §11.11) and for `explain`.
//! The documents are built once from the discovery table ([`crate::discovery::API_GROUPS`]), which
//! gives the paths, and from upstream's schemas embedded in `crates/apiserver/openapi/`
//! ([`schemas`]); nothing about a group is written here.

mod paths;
mod proto;
mod schemas;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha512};

use crate::discovery::{self, parse_accept};
use crate::error::ApiError;

/// A document ready to serve: its bytes and their hash (upstream's ETag and `?hash=`).
#[derive(Debug)]
pub struct Served {
    pub body: Vec<u8>,
    /// Upper-case hex SHA-512 of `body`, as kube-openapi computes it.
    pub hash: String,
}

impl Served {
    fn new(body: Vec<u8>) -> Self {
        let hash = hex::encode_upper(Sha512::digest(&body));
        Served { body, hash }
    }
}

/// Every OpenAPI document Signet serves.
#[derive(Debug)]
pub struct Documents {
    /// v3 documents by index key (`apis/certificates.k8s.io/v1`, `api/v1`).
    pub v3: BTreeMap<String, Served>,
    /// The `/openapi/v3` index.
    pub v3_index: Served,
    pub v2_json: Served,
    pub v2_proto: Served,
}

const SECURITY_SCHEME: &str = "BearerToken";

fn security_scheme() -> Value {
    json!({"description": "Bearer Token authentication", "in": "header", "name": "authorization", "type": "apiKey"})
}

/// The index key of a group version: `apis/<group>/<version>`, or `api/<version>` for core.
pub fn index_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Builds all documents from the discovery table and the embedded schemas.
pub fn build() -> Result<Documents, String> {
    let meta = schemas::meta()?;
    let mut v3 = BTreeMap::new();
    let mut v2_paths = Map::new();
    let mut v2_definitions = Map::new();
    for g in discovery::API_GROUPS {
        for v in g.versions {
            let mut schemas = schemas::group(g.name, v.version)?;
            let paths = paths::group_version_paths(g.name, v.version, v.resources, &mut schemas);
            // Shared types the operations use even when no field refers to them.
            for name in [
                schemas::STATUS,
                schemas::DELETE_OPTIONS,
                schemas::WATCH_EVENT,
                schemas::PATCH,
                schemas::API_RESOURCE_LIST,
            ] {
                if let Some(s) = meta.get(name) {
                    schemas.insert(name.to_string(), s.clone());
                }
            }
            schemas::close_over(&mut schemas, &meta)?;
            schemas::stamp_shared_kinds(&mut schemas);
            let tag = paths::tag_of(g.name, v.version);
            let v3_paths: Map<String, Value> = paths
                .iter()
                .map(|(p, item)| (p.clone(), paths::to_v3(item, &tag)))
                .collect();
            for (p, item) in &paths {
                v2_paths.insert(p.clone(), paths::to_v2(item, &tag));
            }
            for (name, s) in &schemas {
                v2_definitions.insert(name.clone(), schemas::to_v2(s));
            }
            let doc = json!({
                "openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": "unversioned"},
                "paths": v3_paths,
                "components": {"schemas": schemas, "securitySchemes": {SECURITY_SCHEME: security_scheme()}},
            });
            let body = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
            v3.insert(index_key(g.name, v.version), Served::new(body));
        }
    }
    let index_paths: Map<String, Value> = v3
        .iter()
        .map(|(key, served)| {
            (
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", served.hash)}),
            )
        })
        .collect();
    let index = serde_json::to_vec(&json!({"paths": index_paths})).map_err(|e| e.to_string())?;
    let v2 = json!({
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": discovery::KUBERNETES_GIT_VERSION},
        "paths": v2_paths,
        "definitions": v2_definitions,
        "securityDefinitions": {SECURITY_SCHEME: security_scheme()},
        "security": [{SECURITY_SCHEME: []}],
    });
    let v2_json = serde_json::to_vec(&v2).map_err(|e| e.to_string())?;
    let v2_proto = proto::encode_document(&v2);
    Ok(Documents {
        v3,
        v3_index: Served::new(index),
        v2_json: Served::new(v2_json),
        v2_proto: Served::new(v2_proto),
    })
}

/// The documents, built on first use. The inputs are compiled in, so an error here is a defect
/// in the embedded data (the tests build them); it is reported per request rather than crashing.
pub fn documents() -> Result<&'static Documents, ApiError> {
    static DOCS: OnceLock<Result<Documents, String>> = OnceLock::new();
    DOCS.get_or_init(build)
        .as_ref()
        .map_err(|e| ApiError::internal(format!("OpenAPI documents are unavailable: {e}")))
}

/// The OpenAPI routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/openapi/v2", get(v2))
        .route("/openapi/v3", get(v3_index))
        .route("/openapi/v3/api/{version}", get(v3_core))
        .route("/openapi/v3/apis/{group}/{version}", get(v3_group))
}

const JSON: &str = "application/json";
const PROTOBUF_V2: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
const PROTOBUF_V2_DEPRECATED: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

/// A document with its `ETag`, or `304` when the client already holds it.
fn respond(served: &Served, content_type: &'static str, headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", served.hash);
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        served.body.clone().into_response()
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

/// kube-openapi answers an unacceptable `Accept` with a bare 406.
fn not_acceptable() -> Response {
    StatusCode::NOT_ACCEPTABLE.into_response()
}

fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

async fn v2(headers: HeaderMap) -> Result<Response, ApiError> {
    let docs = documents()?;
    for range in parse_accept(accept(&headers)) {
        // kube-openapi's order: JSON first, then the protobuf types.
        let choice = if range.admits(JSON) {
            Some((&docs.v2_json, JSON))
        } else if range.mime == PROTOBUF_V2 || range.mime == PROTOBUF_V2_DEPRECATED {
            Some((&docs.v2_proto, PROTOBUF_V2))
        } else {
            None
        };
        if let Some((served, content_type)) = choice {
            let mut resp = respond(served, content_type, &headers);
            resp.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Accept"));
            return Ok(resp);
        }
    }
    Ok(not_acceptable())
}

async fn v3_index(headers: HeaderMap) -> Result<Response, ApiError> {
    let docs = documents()?;
    Ok(respond(&docs.v3_index, JSON, &headers))
}

async fn v3_core(
    Path(version): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    v3_document(&index_key("", &version), q.get("hash"), &headers)
}

async fn v3_group(
    Path((group, version)): Path<(String, String)>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    v3_document(&index_key(&group, &version), q.get("hash"), &headers)
}

/// A group version's v3 document, whatever `hash` says; a matching hash makes it cacheable forever,
/// as upstream marks it.
fn v3_document(
    key: &str,
    hash: Option<&String>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let docs = documents()?;
    let served = docs.v3.get(key).ok_or_else(discovery::path_not_found)?;
    if !parse_accept(accept(headers)).iter().any(|r| r.admits(JSON)) {
        return Ok(not_acceptable());
    }
    let mut resp = respond(served, JSON, headers);
    if hash.is_some_and(|h| *h == served.hash) {
        let h = resp.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Accept"));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, immutable"),
        );
        if let Ok(v) = HeaderValue::from_str(&expires_in_a_year()) {
            h.insert(header::EXPIRES, v);
        }
    }
    Ok(resp)
}

/// An HTTP date one year from now.
fn expires_in_a_year() -> String {
    let now = jiff::Timestamp::now();
    let later = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 365))
        .unwrap_or(now);
    later
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests;
