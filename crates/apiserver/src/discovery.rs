//! API discovery: the table of served groups, versions and resources, and the documents clients read
//! from it (`/version`, `/api`, `/apis`, `/apis/{group}`, `/apis/{group}/{version}`).
//!
//! Everything a client learns about what Signet serves comes from [`API_GROUPS`]: discovery, the
//! OpenAPI documents ([`crate::openapi`]) and the REST mapping of other modules all read it, so a new
//! resource (RBAC, access reviews, leases, ClusterTrustBundles) is served by adding an entry there.
//!
//! `/api` and `/apis` answer in the legacy format (`APIVersions`, `APIGroupList`) unless the `Accept`
//! header asks for aggregated discovery (`apidiscovery.k8s.io/v2`, or `v2beta1` for client-go
//! 0.26–0.29), which kubectl 1.26+ does; clients recognise the format by the response `Content-Type`.

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// One API group and the versions it serves, preferred version first. The core group has the
/// empty name and is served under `/api` instead of `/apis`.
#[derive(Debug)]
pub struct ApiGroup {
    pub name: &'static str,
    pub versions: &'static [ApiGroupVersion],
}

/// One version of a group and its resources, in the order discovery lists them.
#[derive(Debug)]
pub struct ApiGroupVersion {
    pub version: &'static str,
    pub resources: &'static [ApiResource],
}

/// A served resource, with what `APIResource` and `APIResourceDiscovery` say about it.
#[derive(Debug)]
pub struct ApiResource {
    /// Plural name, the URL segment (`certificatesigningrequests`).
    pub name: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Opaque hash of the storage version; clients only compare it for equality.
    pub storage_version_hash: Option<&'static str>,
    pub subresources: &'static [ApiSubresource],
}

/// A subresource (`/status`, `/approval`) of a resource.
#[derive(Debug)]
pub struct ApiSubresource {
    pub name: &'static str,
    /// Kind of the object the subresource accepts and returns.
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

/// The verbs of an ordinary persisted resource, in discovery's (sorted) order.
pub const STANDARD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The verbs of a `/status`-like subresource.
pub const SUBRESOURCE_VERBS: &[&str] = &["get", "patch", "update"];

/// The verbs of a create-only virtual resource (access reviews, token reviews).
pub const CREATE_ONLY_VERBS: &[&str] = &["create"];

/// `certificates.k8s.io/v1` `certificatesigningrequests` with `/approval` and `/status` (§11.2).
pub const CERTIFICATE_SIGNING_REQUESTS: ApiResource = ApiResource {
    name: "certificatesigningrequests",
    singular: "certificatesigningrequest",
    kind: "CertificateSigningRequest",
    namespaced: false,
    verbs: STANDARD_VERBS,
    short_names: &["csr"],
    categories: &[],
    storage_version_hash: Some("95fRKMXA+00="),
    subresources: &[
        ApiSubresource {
            name: "approval",
            kind: "CertificateSigningRequest",
            verbs: SUBRESOURCE_VERBS,
        },
        ApiSubresource {
            name: "status",
            kind: "CertificateSigningRequest",
            verbs: SUBRESOURCE_VERBS,
        },
    ],
};

/// A resource without subresources or short names.
const fn plain(
    name: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    verbs: &'static [&'static str],
) -> ApiResource {
    ApiResource {
        name,
        singular,
        kind,
        namespaced,
        verbs,
        short_names: &[],
        categories: &[],
        storage_version_hash: None,
        subresources: &[],
    }
}

/// `certificates.k8s.io/v1` `clustertrustbundles`: where signers publish their CA certificates.
pub const CLUSTER_TRUST_BUNDLES: ApiResource = plain(
    "clustertrustbundles",
    "clustertrustbundle",
    "ClusterTrustBundle",
    false,
    STANDARD_VERBS,
);

/// `rbac.authorization.k8s.io/v1`.
pub const RBAC_RESOURCES: &[ApiResource] = &[
    plain(
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        STANDARD_VERBS,
    ),
    plain(
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        STANDARD_VERBS,
    ),
    plain(
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        STANDARD_VERBS,
    ),
    plain("roles", "role", "Role", true, STANDARD_VERBS),
];

/// `coordination.k8s.io/v1`: leases, for leader election.
pub const COORDINATION_RESOURCES: &[ApiResource] =
    &[plain("leases", "lease", "Lease", true, STANDARD_VERBS)];

/// `authorization.k8s.io/v1`: the access reviews (create only).
pub const AUTHORIZATION_RESOURCES: &[ApiResource] = &[
    plain(
        "localsubjectaccessreviews",
        "localsubjectaccessreview",
        "LocalSubjectAccessReview",
        true,
        CREATE_ONLY_VERBS,
    ),
    plain(
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        false,
        CREATE_ONLY_VERBS,
    ),
    plain(
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
        false,
        CREATE_ONLY_VERBS,
    ),
    plain(
        "subjectaccessreviews",
        "subjectaccessreview",
        "SubjectAccessReview",
        false,
        CREATE_ONLY_VERBS,
    ),
];

/// `authentication.k8s.io/v1`: who am I (create only).
pub const AUTHENTICATION_RESOURCES: &[ApiResource] = &[plain(
    "selfsubjectreviews",
    "selfsubjectreview",
    "SelfSubjectReview",
    false,
    CREATE_ONLY_VERBS,
)];

/// Every group Signet serves, in discovery priority order.
pub static API_GROUPS: &[ApiGroup] = &[
    ApiGroup {
        name: "certificates.k8s.io",
        versions: &[ApiGroupVersion {
            version: "v1",
            resources: &[CERTIFICATE_SIGNING_REQUESTS, CLUSTER_TRUST_BUNDLES],
        }],
    },
    ApiGroup {
        name: "rbac.authorization.k8s.io",
        versions: &[ApiGroupVersion {
            version: "v1",
            resources: RBAC_RESOURCES,
        }],
    },
    ApiGroup {
        name: "authorization.k8s.io",
        versions: &[ApiGroupVersion {
            version: "v1",
            resources: AUTHORIZATION_RESOURCES,
        }],
    },
    ApiGroup {
        name: "coordination.k8s.io",
        versions: &[ApiGroupVersion {
            version: "v1",
            resources: COORDINATION_RESOURCES,
        }],
    },
    ApiGroup {
        name: "authentication.k8s.io",
        versions: &[ApiGroupVersion {
            version: "v1",
            resources: AUTHENTICATION_RESOURCES,
        }],
    },
];

/// The version Signet reports and the Kubernetes API level it implements.
pub const KUBERNETES_MAJOR: &str = "1";
pub const KUBERNETES_MINOR: &str = "37";
pub const KUBERNETES_GIT_VERSION: &str = "v1.37.0";

/// The group served under `/apis/{name}` (never the core group).
pub fn find_group(name: &str) -> Option<&'static ApiGroup> {
    API_GROUPS
        .iter()
        .find(|g| g.name == name && !g.name.is_empty())
}

/// The core group (`/api`), when any core resource is served.
pub fn core_group() -> Option<&'static ApiGroup> {
    API_GROUPS.iter().find(|g| g.name.is_empty())
}

/// A served version of a group (`""` for the core group).
pub fn find_group_version(group: &str, version: &str) -> Option<&'static ApiGroupVersion> {
    API_GROUPS
        .iter()
        .find(|g| g.name == group)
        .and_then(|g| g.versions.iter().find(|v| v.version == version))
}

/// A served resource by its plural name.
pub fn find_resource(group: &str, version: &str, resource: &str) -> Option<&'static ApiResource> {
    find_group_version(group, version)
        .and_then(|gv| gv.resources.iter().find(|r| r.name == resource))
}

/// `group/version`, or just `version` for the core group.
pub fn group_version_string(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// The discovery routes. They need no state; the caller decides which of them require
/// authentication (upstream lets `system:unauthenticated` read them via `system:public-info-viewer`
/// and `system:discovery`).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/version", get(version))
        .route("/api", get(legacy_core_versions))
        .route("/api/{version}", get(core_resources))
        .route("/apis", get(groups))
        .route("/apis/{group}", get(group))
        .route("/apis/{group}/{version}", get(group_resources))
}

/// The `/version` document. Free-text fields say it is Signet; `gitVersion` stays a plain semver
/// that client version checks parse, and every field the Python client requires is present.
pub fn version_info() -> Value {
    json!({
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "gitVersion": KUBERNETES_GIT_VERSION,
        "gitCommit": concat!("signet-", env!("CARGO_PKG_VERSION")),
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "none (signet is written in Rust)",
        "compiler": "signet",
        "platform": platform(),
    })
}

/// `GOOS/GOARCH` of the running binary, in Go's spelling.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    };
    format!("{}/{arch}", std::env::consts::OS)
}

async fn version() -> Response {
    json_response(StatusCode::OK, LEGACY_CONTENT_TYPE, &version_info())
}

/// The 404 the apiserver answers for a path nothing serves (unknown group or version).
pub fn path_not_found() -> ApiError {
    ApiError {
        code: 404,
        reason: "NotFound",
        message: "the server could not find the requested resource".to_string(),
        details: Some(json!({})),
        retry_after: None,
    }
}

const LEGACY_CONTENT_TYPE: &str = "application/json";
const DISCOVERY_GROUP: &str = "apidiscovery.k8s.io";
const DISCOVERY_LIST_KIND: &str = "APIGroupDiscoveryList";

/// The representation of `/api` and `/apis` a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscoveryFormat {
    /// `APIVersions` / `APIGroupList` (and per-group documents).
    Legacy,
    /// `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`.
    AggregatedV2,
    /// `apidiscovery.k8s.io/v2beta1`, asked for by client-go 0.26–0.29.
    AggregatedV2Beta1,
}

impl DiscoveryFormat {
    fn api_version(self) -> &'static str {
        match self {
            DiscoveryFormat::AggregatedV2Beta1 => "apidiscovery.k8s.io/v2beta1",
            _ => "apidiscovery.k8s.io/v2",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            DiscoveryFormat::Legacy => LEGACY_CONTENT_TYPE,
            DiscoveryFormat::AggregatedV2 => {
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
            }
            DiscoveryFormat::AggregatedV2Beta1 => {
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
            }
        }
    }
}

/// One media range of an `Accept` header.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MediaRange {
    /// `type/subtype`, lower-cased.
    pub mime: String,
    /// Parameters other than `q`, in order, keys lower-cased.
    pub params: Vec<(String, String)>,
    pub q: f32,
}

impl MediaRange {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this range admits `mime` (`*/*` and `type/*` wildcards included).
    pub fn admits(&self, mime: &str) -> bool {
        if self.mime == "*/*" || self.mime == mime {
            return true;
        }
        match (self.mime.strip_suffix("/*"), mime.split_once('/')) {
            (Some(t), Some((mt, _))) => t == mt,
            _ => false,
        }
    }
}

/// Parses an `Accept` header into media ranges, most preferred first: by `q`, then in the client's
/// order (which is how kubectl expresses preference). Ranges with `q=0` are dropped. A missing or
/// empty header means `*/*`.
pub(crate) fn parse_accept(accept: Option<&str>) -> Vec<MediaRange> {
    let accept = accept
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or("*/*");
    let mut ranges: Vec<MediaRange> = accept
        .split(',')
        .filter_map(|clause| {
            let mut parts = clause.split(';').map(str::trim);
            let mime = parts.next()?.to_ascii_lowercase();
            if mime.is_empty() {
                return None;
            }
            let mut q = 1.0f32;
            let mut params = Vec::new();
            for p in parts {
                let Some((k, v)) = p.split_once('=') else {
                    continue;
                };
                let k = k.trim().to_ascii_lowercase();
                let v = v.trim().trim_matches('"').to_string();
                if k == "q" {
                    q = v.parse().unwrap_or(1.0);
                } else {
                    params.push((k, v));
                }
            }
            Some(MediaRange { mime, params, q })
        })
        .filter(|r| r.q > 0.0)
        .collect();
    // A stable sort keeps the client's order among equal weights.
    ranges.sort_by(|a, b| b.q.partial_cmp(&a.q).unwrap_or(std::cmp::Ordering::Equal));
    ranges
}

/// Chooses the discovery format for `/api` or `/apis` from `Accept`.
pub fn negotiate(
    accept: Option<&str>,
    aggregated_allowed: bool,
) -> Result<DiscoveryFormat, ApiError> {
    for range in parse_accept(accept) {
        let (g, v, as_) = (range.param("g"), range.param("v"), range.param("as"));
        if g.is_none() && v.is_none() && as_.is_none() {
            if range.admits(LEGACY_CONTENT_TYPE) {
                return Ok(DiscoveryFormat::Legacy);
            }
            continue;
        }
        if !aggregated_allowed
            || range.mime != LEGACY_CONTENT_TYPE
            || g != Some(DISCOVERY_GROUP)
            || as_ != Some(DISCOVERY_LIST_KIND)
        {
            continue;
        }
        match v {
            Some("v2") => return Ok(DiscoveryFormat::AggregatedV2),
            Some("v2beta1") => return Ok(DiscoveryFormat::AggregatedV2Beta1),
            _ => continue,
        }
    }
    let mut accepted = vec![LEGACY_CONTENT_TYPE];
    if aggregated_allowed {
        accepted.push(DiscoveryFormat::AggregatedV2.content_type());
        accepted.push(DiscoveryFormat::AggregatedV2Beta1.content_type());
    }
    Err(ApiError::not_acceptable(format!(
        "only the following media types are accepted: {}",
        accepted.join(", ")
    )))
}

fn accept_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

fn json_response(status: StatusCode, content_type: &'static str, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// An aggregated document, with the `ETag`/`Vary` headers upstream sends and a `304` when the
/// client already holds this version.
fn aggregated_response(format: DiscoveryFormat, body: &Value, headers: &HeaderMap) -> Response {
    let text = body.to_string();
    let etag = format!("\"{}\"", hex::encode_upper(Sha256::digest(text.as_bytes())));
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, text).into_response()
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    resp
}

async fn legacy_core_versions(headers: HeaderMap) -> Result<Response, ApiError> {
    let format = negotiate(accept_header(&headers), true)?;
    if format != DiscoveryFormat::Legacy {
        let body = aggregated_list(core_group().into_iter(), format);
        return Ok(aggregated_response(format, &body, &headers));
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    Ok(json_response(
        StatusCode::OK,
        LEGACY_CONTENT_TYPE,
        &api_versions(host),
    ))
}

/// `GET /api`: the core versions (none while no core resource is served; client-go treats an empty
/// list like a server without the core group).
pub fn api_versions(host: Option<&str>) -> Value {
    let versions: Vec<&str> = core_group()
        .map(|g| g.versions.iter().map(|v| v.version).collect())
        .unwrap_or_default();
    let addresses: Vec<Value> = host
        .map(|h| vec![json!({"clientCIDR": "0.0.0.0/0", "serverAddress": h})])
        .unwrap_or_default();
    json!({"kind": "APIVersions", "versions": versions, "serverAddressByClientCIDRs": addresses})
}

async fn core_resources(
    Path(version): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    negotiate(accept_header(&headers), false)?;
    let gv = find_group_version("", &version).ok_or_else(path_not_found)?;
    Ok(json_response(
        StatusCode::OK,
        LEGACY_CONTENT_TYPE,
        &api_resource_list("", gv),
    ))
}

async fn groups(headers: HeaderMap) -> Result<Response, ApiError> {
    let format = negotiate(accept_header(&headers), true)?;
    let named = API_GROUPS.iter().filter(|g| !g.name.is_empty());
    if format != DiscoveryFormat::Legacy {
        let body = aggregated_list(named, format);
        return Ok(aggregated_response(format, &body, &headers));
    }
    Ok(json_response(
        StatusCode::OK,
        LEGACY_CONTENT_TYPE,
        &api_group_list(),
    ))
}

/// `GET /apis` in the legacy format.
pub fn api_group_list() -> Value {
    let groups: Vec<Value> = API_GROUPS
        .iter()
        .filter(|g| !g.name.is_empty())
        .map(api_group_body)
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn api_group_body(g: &ApiGroup) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|v| json!({"groupVersion": group_version_string(g.name, v.version), "version": v.version}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": g.name, "versions": versions, "preferredVersion": preferred})
}

async fn group(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    negotiate(accept_header(&headers), false)?;
    let g = find_group(&name).ok_or_else(path_not_found)?;
    Ok(json_response(
        StatusCode::OK,
        LEGACY_CONTENT_TYPE,
        &api_group(g),
    ))
}

/// `GET /apis/{group}`.
pub fn api_group(g: &ApiGroup) -> Value {
    let mut body = api_group_body(g);
    body["kind"] = json!("APIGroup");
    body["apiVersion"] = json!("v1");
    body
}

async fn group_resources(
    Path((group, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    negotiate(accept_header(&headers), false)?;
    find_group(&group).ok_or_else(path_not_found)?;
    let gv = find_group_version(&group, &version).ok_or_else(path_not_found)?;
    Ok(json_response(
        StatusCode::OK,
        LEGACY_CONTENT_TYPE,
        &api_resource_list(&group, gv),
    ))
}

/// `GET /apis/{group}/{version}` (or `/api/v1`): the `APIResourceList`, subresources as
/// `resource/subresource` entries with an empty singular name.
pub fn api_resource_list(group: &str, gv: &ApiGroupVersion) -> Value {
    let mut resources = Vec::new();
    for r in gv.resources {
        let mut entry = json!({
            "name": r.name,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        if let Some(hash) = r.storage_version_hash {
            entry["storageVersionHash"] = json!(hash);
        }
        resources.push(entry);
        for s in r.subresources {
            resources.push(json!({
                "name": format!("{}/{}", r.name, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": s.kind,
                "verbs": s.verbs,
            }));
        }
    }
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version_string(group, gv.version),
        "resources": resources,
    })
}

/// An `APIGroupDiscoveryList` of the given groups.
pub fn aggregated_list<'a>(
    groups: impl Iterator<Item = &'a ApiGroup>,
    format: DiscoveryFormat,
) -> Value {
    let items: Vec<Value> = groups
        .map(|g| {
            let versions: Vec<Value> = g
                .versions
                .iter()
                .map(|v| {
                    let resources: Vec<Value> =
                        v.resources.iter().map(aggregated_resource).collect();
                    json!({"version": v.version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g.name}, "versions": versions})
        })
        .collect();
    json!({
        "kind": DISCOVERY_LIST_KIND,
        "apiVersion": format.api_version(),
        "metadata": {},
        "items": items,
    })
}

/// The kind a resource answers with; group and version stay empty when they are the resource's own.
fn response_kind(kind: &str) -> Value {
    json!({"group": "", "version": "", "kind": kind})
}

fn aggregated_resource(r: &ApiResource) -> Value {
    let mut entry = json!({
        "resource": r.name,
        "responseKind": response_kind(r.kind),
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        entry["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        entry["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        let subs: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| json!({"subresource": s.name, "responseKind": response_kind(s.kind), "verbs": s.verbs}))
            .collect();
        entry["subresources"] = json!(subs);
    }
    entry
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
