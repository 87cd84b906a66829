//! Router tests of the discovery documents, asserting the exact JSON kubectl and client-go read.

use super::*;
use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

const KUBECTL_ACCEPT: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
const KUBECTL_126_ACCEPT: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

async fn call(path: &str, accept: Option<&str>) -> (StatusCode, HeaderMap, Value) {
    let mut req = Request::get(path).header(header::HOST, "127.0.0.1:6443");
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    let resp = router::<()>()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("json")
    };
    (status, headers, body)
}

fn content_type(h: &HeaderMap) -> &str {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn csr_aggregated_item() -> Value {
    let kind = json!({"group": "", "version": "", "kind": "CertificateSigningRequest"});
    json!({
        "metadata": {"name": "certificates.k8s.io"},
        "versions": [{
            "version": "v1",
            "freshness": "Current",
            "resources": [{
                "resource": "certificatesigningrequests",
                "responseKind": kind,
                "scope": "Cluster",
                "singularResource": "certificatesigningrequest",
                "shortNames": ["csr"],
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "subresources": [
                    {"subresource": "approval", "responseKind": kind, "verbs": ["get", "patch", "update"]},
                    {"subresource": "status", "responseKind": kind, "verbs": ["get", "patch", "update"]},
                ],
            }, {
                "resource": "clustertrustbundles",
                "responseKind": {"group": "", "version": "", "kind": "ClusterTrustBundle"},
                "scope": "Cluster",
                "singularResource": "clustertrustbundle",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            }],
        }],
    })
}

#[tokio::test]
async fn apis_aggregated_v2_for_kubectl() {
    let (status, headers, body) = call("/apis", Some(KUBECTL_ACCEPT)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type(&headers),
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    assert_eq!(
        headers.get(header::VARY).and_then(|v| v.to_str().ok()),
        Some("Accept")
    );
    assert_eq!(body["kind"], "APIGroupDiscoveryList");
    assert_eq!(body["apiVersion"], "apidiscovery.k8s.io/v2");
    assert_eq!(body["metadata"], json!({}));
    assert_eq!(body["items"][0], csr_aggregated_item());
    let groups: Vec<&str> = body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        groups,
        [
            "certificates.k8s.io",
            "rbac.authorization.k8s.io",
            "authorization.k8s.io",
            "coordination.k8s.io",
            "authentication.k8s.io"
        ]
    );
}

#[tokio::test]
async fn apis_aggregated_v2beta1_for_older_clients() {
    let (status, headers, body) = call("/apis", Some(KUBECTL_126_ACCEPT)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type(&headers),
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
    );
    assert_eq!(body["apiVersion"], "apidiscovery.k8s.io/v2beta1");
    assert_eq!(body["items"][0], csr_aggregated_item());
}

#[tokio::test]
async fn aggregated_etag_answers_not_modified() {
    let (_, headers, _) = call("/apis", Some(KUBECTL_ACCEPT)).await;
    let etag = headers.get(header::ETAG).expect("etag").clone();
    let req = Request::get("/apis")
        .header(header::ACCEPT, KUBECTL_ACCEPT)
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .expect("request");
    let resp = router::<()>().oneshot(req).await.expect("router answers");
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn apis_legacy_by_default() {
    for accept in [
        None,
        Some("application/json"),
        Some("*/*"),
        Some("application/json, */*"),
    ] {
        let (status, headers, body) = call("/apis", accept).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        assert_eq!(content_type(&headers), "application/json");
        assert_eq!(
            (body["kind"].as_str(), body["apiVersion"].as_str()),
            (Some("APIGroupList"), Some("v1"))
        );
        assert_eq!(
            body["groups"][0],
            json!({
                "name": "certificates.k8s.io",
                "versions": [{"groupVersion": "certificates.k8s.io/v1", "version": "v1"}],
                "preferredVersion": {"groupVersion": "certificates.k8s.io/v1", "version": "v1"},
            })
        );
        assert_eq!(body["groups"][1]["name"], "rbac.authorization.k8s.io");
    }
}

#[tokio::test]
async fn api_without_core_resources() {
    let (status, headers, body) = call("/api", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/json");
    assert_eq!(
        body,
        json!({
            "kind": "APIVersions",
            "versions": [],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
        })
    );
    let (status, _, body) = call("/api", Some(KUBECTL_ACCEPT)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": []})
    );
    let (status, _, body) = call("/api/v1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "the server could not find the requested resource"
    );
}

#[tokio::test]
async fn group_document() {
    let (status, headers, body) = call("/apis/certificates.k8s.io", Some(KUBECTL_ACCEPT)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/json");
    assert_eq!(
        body,
        json!({
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": "certificates.k8s.io",
            "versions": [{"groupVersion": "certificates.k8s.io/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "certificates.k8s.io/v1", "version": "v1"},
        })
    );
}

#[tokio::test]
async fn group_version_resources() {
    let (status, _, body) = call("/apis/certificates.k8s.io/v1", None).await;
    assert_eq!(status, StatusCode::OK);
    let verbs = json!([
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch"
    ]);
    assert_eq!(
        body,
        json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": "certificates.k8s.io/v1",
            "resources": [
                {"name": "certificatesigningrequests", "singularName": "certificatesigningrequest",
                 "namespaced": false, "kind": "CertificateSigningRequest", "verbs": verbs,
                 "shortNames": ["csr"], "storageVersionHash": "95fRKMXA+00="},
                {"name": "certificatesigningrequests/approval", "singularName": "", "namespaced": false,
                 "kind": "CertificateSigningRequest", "verbs": ["get", "patch", "update"]},
                {"name": "certificatesigningrequests/status", "singularName": "", "namespaced": false,
                 "kind": "CertificateSigningRequest", "verbs": ["get", "patch", "update"]},
                {"name": "clustertrustbundles", "singularName": "clustertrustbundle", "namespaced": false,
                 "kind": "ClusterTrustBundle", "verbs": verbs},
            ],
        })
    );
}

#[tokio::test]
async fn unknown_group_and_version_are_not_found() {
    let expected = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "the server could not find the requested resource", "reason": "NotFound",
        "details": {}, "code": 404,
    });
    for path in [
        "/apis/nope.example.com",
        "/apis/certificates.k8s.io/v1beta1",
        "/apis/nope.example.com/v1",
    ] {
        let (status, headers, body) = call(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(content_type(&headers), "application/json");
        assert_eq!(body, expected, "{path}");
    }
}

#[tokio::test]
async fn unacceptable_media_type() {
    let (status, _, body) = call("/apis", Some("application/vnd.kubernetes.protobuf")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert_eq!(body["reason"], "NotAcceptable");
    assert_eq!(
        body["message"],
        "only the following media types are accepted: application/json, \
         application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, \
         application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
    );
}

#[tokio::test]
async fn version_document() {
    let (status, headers, body) = call("/version", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/json");
    assert_eq!(body["major"], "1");
    assert_eq!(body["minor"], "37");
    assert_eq!(body["gitVersion"], "v1.37.0");
    assert_eq!(body["compiler"], "signet");
    assert_eq!(body["gitTreeState"], "clean");
    for field in ["gitCommit", "buildDate", "goVersion", "platform"] {
        assert!(
            body[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}"
        );
    }
}

#[test]
fn negotiation_follows_client_preference() {
    assert_eq!(negotiate(None, true), Ok(DiscoveryFormat::Legacy));
    assert_eq!(
        negotiate(Some(KUBECTL_ACCEPT), true),
        Ok(DiscoveryFormat::AggregatedV2)
    );
    // client-go 0.30+ lists v2, then v2beta1, then plain JSON.
    let both = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,\
                application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    assert_eq!(
        negotiate(Some(both), true),
        Ok(DiscoveryFormat::AggregatedV2)
    );
    // Newer clients add a profile parameter; parameter order does not matter.
    let nopeer = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;profile=nopeer,application/json";
    assert_eq!(
        negotiate(Some(nopeer), true),
        Ok(DiscoveryFormat::AggregatedV2)
    );
    let reordered = "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io";
    assert_eq!(
        negotiate(Some(reordered), true),
        Ok(DiscoveryFormat::AggregatedV2)
    );
    // q values outrank order.
    let weighted = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0.5,application/json";
    assert_eq!(negotiate(Some(weighted), true), Ok(DiscoveryFormat::Legacy));
    // Unknown aggregated versions and other kinds fall through to plain JSON.
    let unknown =
        "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json";
    assert_eq!(negotiate(Some(unknown), true), Ok(DiscoveryFormat::Legacy));
    assert_eq!(
        negotiate(Some(KUBECTL_ACCEPT), false),
        Ok(DiscoveryFormat::Legacy)
    );
    assert_eq!(
        negotiate(Some("application/*"), true),
        Ok(DiscoveryFormat::Legacy)
    );
}

#[test]
fn table_lookups() {
    assert!(find_group("certificates.k8s.io").is_some());
    assert!(find_group("").is_none());
    let csr =
        find_resource("certificates.k8s.io", "v1", "certificatesigningrequests").expect("csr");
    assert_eq!(csr.kind, "CertificateSigningRequest");
    assert!(find_resource("certificates.k8s.io", "v1", "nope").is_none());
    assert_eq!(group_version_string("", "v1"), "v1");
    assert_eq!(
        group_version_string("certificates.k8s.io", "v1"),
        "certificates.k8s.io/v1"
    );
}
