//! Router tests of the OpenAPI documents, checking what kubectl reads from them: the v3 index,
//! the group documents, the PATCH operation with `fieldValidation`, the schemas `explain` prints,
//! and the same in the v2 JSON and protobuf forms kubectl 1.24 uses.

use super::*;
use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

const CSR: &str = "io.k8s.api.certificates.v1.CertificateSigningRequest";

async fn call(uri: &str, accept: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT, a);
    }
    let resp = router::<()>()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("json body")
}

/// What kubectl's `supportsQueryParamV3` does: find the PATCH operation of the kind and a query
/// parameter called `fieldValidation` on it.
fn v3_patch_supports_field_validation(doc: &Value, group: &str, version: &str, kind: &str) -> bool {
    let want = json!({"group": group, "version": version, "kind": kind});
    doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, item)| {
            let op = &item["patch"];
            op["x-kubernetes-group-version-kind"] == want
                && op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["name"] == "fieldValidation" && p["in"] == "query")
        })
}

/// Every `$ref` in `v` resolves to a schema of `schemas` (kubectl refuses documents that dangle).
fn assert_refs_resolve(v: &Value, prefix: &str, schemas: &Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if k == "$ref" {
                    let name = val
                        .as_str()
                        .and_then(|r| r.strip_prefix(prefix))
                        .expect("local reference");
                    assert!(schemas.get(name).is_some(), "dangling reference {name}");
                } else {
                    assert_refs_resolve(val, prefix, schemas);
                }
            }
        }
        Value::Array(a) => a
            .iter()
            .for_each(|v| assert_refs_resolve(v, prefix, schemas)),
        _ => {}
    }
}

#[tokio::test]
async fn v3_index_lists_every_group_version_with_its_hash() {
    let (status, headers, body) = call("/openapi/v3", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_str(&headers, header::CONTENT_TYPE),
        "application/json"
    );
    let index = json_of(&body);
    let docs = documents().expect("documents build");
    for g in discovery::API_GROUPS {
        for v in g.versions {
            let key = index_key(g.name, v.version);
            let served = docs.v3.get(&key).expect("document for each group version");
            assert_eq!(served.hash.len(), 128);
            assert!(
                served
                    .hash
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
            );
            assert_eq!(
                index["paths"][&key],
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", served.hash)})
            );
        }
    }
    assert!(index["paths"]["apis/certificates.k8s.io/v1"].is_object());
}

#[tokio::test]
async fn v3_group_document_serves_with_or_without_hash() {
    let index = json_of(&call("/openapi/v3", None).await.2);
    let url = index["paths"]["apis/certificates.k8s.io/v1"]["serverRelativeURL"]
        .as_str()
        .expect("url")
        .to_string();
    let (status, headers, body) = call(&url, Some("application/json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_str(&headers, header::CONTENT_TYPE),
        "application/json"
    );
    assert_eq!(
        header_str(&headers, header::CACHE_CONTROL),
        "public, immutable"
    );
    let hash = url.rsplit("hash=").next().expect("hash");
    assert_eq!(header_str(&headers, header::ETAG), format!("\"{hash}\""));
    assert_eq!(hex::encode_upper(Sha512::digest(&body)), hash);

    for uri in [
        "/openapi/v3/apis/certificates.k8s.io/v1",
        "/openapi/v3/apis/certificates.k8s.io/v1?hash=stale",
    ] {
        let (status, headers, other) = call(uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(other, body, "{uri}");
        assert_eq!(header_str(&headers, header::CACHE_CONTROL), "", "{uri}");
    }
    let (status, _, _) = call(
        &url,
        Some("application/com.github.proto-openapi.spec.v3@v1.0+protobuf"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    let (status, _, body) = call("/openapi/v3/apis/nope.example.com/v1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(&body)["message"],
        "the server could not find the requested resource"
    );
}

#[tokio::test]
async fn v3_csr_document_satisfies_kubectl() {
    let (_, _, body) = call("/openapi/v3/apis/certificates.k8s.io/v1", None).await;
    let doc = json_of(&body);
    assert_eq!(doc["openapi"], "3.0.0");
    assert!(v3_patch_supports_field_validation(
        &doc,
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest"
    ));
    let patch =
        &doc["paths"]["/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}"]["patch"];
    assert_eq!(
        patch["operationId"],
        "patchCertificatesV1CertificateSigningRequest"
    );
    assert_eq!(patch["x-kubernetes-action"], "patch");
    let content = patch["requestBody"]["content"]
        .as_object()
        .expect("patch content types");
    let types: Vec<&String> = content.keys().collect();
    assert_eq!(
        types,
        [
            "application/apply-patch+yaml",
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/strategic-merge-patch+json"
        ]
    );
    for sub in ["approval", "status"] {
        let item = &doc["paths"]
            [format!("/apis/certificates.k8s.io/v1/certificatesigningrequests/{{name}}/{sub}")];
        assert!(
            item["get"].is_object() && item["put"].is_object() && item["patch"].is_object(),
            "{sub}"
        );
        assert!(item["post"].is_null() && item["delete"].is_null(), "{sub}");
    }
    let collection = &doc["paths"]["/apis/certificates.k8s.io/v1/certificatesigningrequests"];
    assert_eq!(
        collection["post"]["operationId"],
        "createCertificatesV1CertificateSigningRequest"
    );
    assert_eq!(collection["get"]["x-kubernetes-action"], "list");
    assert_eq!(
        collection["delete"]["x-kubernetes-action"],
        "deletecollection"
    );

    let schemas = &doc["components"]["schemas"];
    let csr = &schemas[CSR];
    assert_eq!(
        csr["x-kubernetes-group-version-kind"],
        json!([{"group": "certificates.k8s.io", "kind": "CertificateSigningRequest", "version": "v1"}])
    );
    assert!(csr["description"].as_str().is_some_and(|d| d.starts_with("CertificateSigningRequest objects provide a mechanism")));
    let spec = &schemas["io.k8s.api.certificates.v1.CertificateSigningRequestSpec"];
    assert_eq!(spec["required"], json!(["request", "signerName"]));
    assert!(
        spec["properties"]["expirationSeconds"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("600"))
    );
    assert!(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].is_object());
    assert!(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"].is_object());
    assert_refs_resolve(&doc, "#/components/schemas/", schemas);
}

#[tokio::test]
async fn every_served_kind_is_described() {
    let docs = documents().expect("documents build");
    for g in discovery::API_GROUPS {
        for v in g.versions {
            let doc = json_of(
                &docs
                    .v3
                    .get(&index_key(g.name, v.version))
                    .expect("doc")
                    .body,
            );
            let schemas = &doc["components"]["schemas"];
            assert_refs_resolve(&doc, "#/components/schemas/", schemas);
            for r in v.resources {
                let want = json!([{"group": g.name, "kind": r.kind, "version": v.version}]);
                assert!(
                    schemas
                        .as_object()
                        .into_iter()
                        .flatten()
                        .any(|(_, s)| s["x-kubernetes-group-version-kind"] == want),
                    "{}/{} {}",
                    g.name,
                    v.version,
                    r.kind
                );
                if r.verbs.contains(&"patch") {
                    assert!(
                        v3_patch_supports_field_validation(&doc, g.name, v.version, r.kind),
                        "{}",
                        r.kind
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn v2_json_is_swagger_with_definitions() {
    for accept in [None, Some("application/json"), Some("*/*")] {
        let (status, headers, body) = call("/openapi/v2", accept).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        assert_eq!(
            header_str(&headers, header::CONTENT_TYPE),
            "application/json"
        );
        assert_eq!(header_str(&headers, header::VARY), "Accept");
        let doc = json_of(&body);
        assert_eq!(doc["swagger"], "2.0");
        let defs = &doc["definitions"];
        assert_eq!(
            defs[CSR]["properties"]["spec"],
            json!({
                "$ref": "#/definitions/io.k8s.api.certificates.v1.CertificateSigningRequestSpec",
                "default": {},
                "description": "spec contains the certificate request, and is immutable after creation. Only the request, signerName, expirationSeconds, and usages fields can be set on creation. Other fields are derived by Kubernetes and cannot be modified by users."
            })
        );
        assert_refs_resolve(&doc, "#/definitions/", defs);
        assert!(!String::from_utf8_lossy(&body).contains("#/components/"));
        let patch = &doc["paths"]["/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}"]
            ["patch"];
        let params = patch["parameters"].as_array().expect("parameters");
        assert_eq!(params[0]["in"], "body");
        assert_eq!(
            params[0]["schema"]["$ref"],
            "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
        );
        assert!(params.iter().any(|p| p["name"] == "fieldValidation"
            && p["in"] == "query"
            && p["type"] == "string"));
    }
}

#[tokio::test]
async fn v2_protobuf_for_client_go() {
    for accept in [PROTOBUF_V2_DEPRECATED, PROTOBUF_V2] {
        let (status, headers, body) = call("/openapi/v2", Some(accept)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header_str(&headers, header::CONTENT_TYPE), PROTOBUF_V2);
        let doc = Wire::parse(&body);
        assert_eq!(doc.strings(1), ["2.0"]);
        // definitions (9) → NamedSchema (1) { name (1), value (2) Schema }
        let defs = &doc.messages(9)[0];
        let csr = defs
            .messages(1)
            .into_iter()
            .find(|n| n.strings(1) == [CSR])
            .expect("CSR definition");
        let schema = &csr.messages(2)[0];
        assert!(schema.strings(4)[0].starts_with("CertificateSigningRequest objects provide"));
        // vendor_extension (31) → NamedAny { name, Any { yaml (2) } }
        let gvk = schema
            .messages(31)
            .into_iter()
            .find(|e| e.strings(1) == ["x-kubernetes-group-version-kind"]);
        let yaml = gvk.expect("gvk extension").messages(2)[0].strings(2)[0].clone();
        let parsed: Value = serde_yaml::from_str(&yaml).expect("yaml");
        assert_eq!(
            parsed,
            json!([{"group": "certificates.k8s.io", "kind": "CertificateSigningRequest", "version": "v1"}])
        );
        // kubectl 1.24's supportsQueryParam: paths (8) → path (2) NamedPathItem → PathItem.patch (8)
        // → parameters (8) ParametersItem.parameter (1) → non_body (2) → query (3) → name (4).
        let paths = &doc.messages(8)[0];
        let item = paths
            .messages(2)
            .into_iter()
            .find(|p| {
                p.strings(1) == ["/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}"]
            })
            .expect("path");
        let patch = &item.messages(2)[0].messages(8)[0];
        let names: Vec<String> = patch
            .messages(8)
            .iter()
            .flat_map(|p| p.messages(1))
            .flat_map(|p| p.messages(2))
            .flat_map(|p| p.messages(3))
            .flat_map(|q| q.strings(4))
            .collect();
        assert!(names.contains(&"fieldValidation".to_string()), "{names:?}");
        assert!(
            patch
                .messages(13)
                .iter()
                .any(|e| e.strings(1) == ["x-kubernetes-group-version-kind"])
        );
    }
    let (status, _, body) = call("/openapi/v2", Some("application/xml")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    assert!(body.is_empty());
}

#[tokio::test]
async fn etag_revalidation() {
    let (_, headers, _) = call("/openapi/v2", None).await;
    let etag = headers.get(header::ETAG).expect("etag").clone();
    let req = Request::get("/openapi/v2")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .expect("request");
    let resp = router::<()>().oneshot(req).await.expect("router answers");
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
}

/// A protobuf message decoded just enough to walk it: fields by number.
struct Wire(Vec<(u64, WireValue)>);

enum WireValue {
    Varint,
    Bytes(Vec<u8>),
}

impl Wire {
    fn parse(mut b: &[u8]) -> Wire {
        fn varint(b: &mut &[u8]) -> u64 {
            let mut v = 0u64;
            let mut shift = 0;
            loop {
                let byte = b[0];
                *b = &b[1..];
                v |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    return v;
                }
                shift += 7;
            }
        }
        let mut fields = Vec::new();
        while !b.is_empty() {
            let key = varint(&mut b);
            match key & 7 {
                0 => {
                    varint(&mut b);
                    fields.push((key >> 3, WireValue::Varint));
                }
                1 => b = &b[8..],
                2 => {
                    let len = varint(&mut b) as usize;
                    fields.push((key >> 3, WireValue::Bytes(b[..len].to_vec())));
                    b = &b[len..];
                }
                other => panic!("unexpected wire type {other}"),
            }
        }
        Wire(fields)
    }

    fn bytes(&self, field: u64) -> Vec<&[u8]> {
        self.0
            .iter()
            .filter(|(f, _)| *f == field)
            .filter_map(|(_, v)| match v {
                WireValue::Bytes(b) => Some(b.as_slice()),
                WireValue::Varint => None,
            })
            .collect()
    }

    fn strings(&self, field: u64) -> Vec<String> {
        self.bytes(field)
            .into_iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    fn messages(&self, field: u64) -> Vec<Wire> {
        self.bytes(field).into_iter().map(Wire::parse).collect()
    }
}

#[tokio::test]
async fn rbac_kinds_use_upstream_schemas() {
    let (status, _, body) = call("/openapi/v3/apis/rbac.authorization.k8s.io/v1", None).await;
    assert_eq!(status, StatusCode::OK);
    let doc = json_of(&body);
    let schemas = &doc["components"]["schemas"];
    let role = &schemas["io.k8s.api.rbac.v1.ClusterRole"];
    assert_eq!(
        role["x-kubernetes-group-version-kind"],
        json!([{"group": "rbac.authorization.k8s.io", "kind": "ClusterRole", "version": "v1"}])
    );
    assert_eq!(
        role["properties"]["rules"]["items"]["allOf"][0]["$ref"],
        "#/components/schemas/io.k8s.api.rbac.v1.PolicyRule"
    );
    assert!(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"].is_object());
    assert!(role.get("x-kubernetes-preserve-unknown-fields").is_none());
    let namespaced =
        &doc["paths"]["/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles/{name}"];
    assert_eq!(
        namespaced["patch"]["operationId"],
        "patchRbacAuthorizationV1NamespacedRole"
    );
    assert!(v3_patch_supports_field_validation(
        &doc,
        "rbac.authorization.k8s.io",
        "v1",
        "Role"
    ));
    let all = &doc["paths"]["/apis/rbac.authorization.k8s.io/v1/roles"]["get"];
    assert_eq!(
        all["operationId"],
        "listRbacAuthorizationV1RoleForAllNamespaces"
    );
}

#[test]
fn kinds_without_embedded_schemas_declare_no_fields() {
    // kubectl validates client-side against a schema that declares fields and rejects any other
    // field as unknown, so a placeholder must not declare any.
    let s = schemas::permissive_kind("authorization.k8s.io", "v1", "SelfSubjectAccessReview");
    assert!(s.get("properties").is_none());
    assert_eq!(s["type"], "object");
    assert_eq!(
        s["x-kubernetes-group-version-kind"],
        json!([{"group": "authorization.k8s.io", "kind": "SelfSubjectAccessReview", "version": "v1"}])
    );
}
