//! Tests of the envelope, its errors, and CertificateSigningRequest/ObjectMeta decoding.
//!
//! Messages are encoded as client-go's gogo code does: every non-pointer string and integer is on
//! the wire even when empty or zero, a zero `metav1.Time` is an empty message, pointers only when
//! set.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use std::collections::BTreeMap;

use k8s_pb::api::certificates::v1 as csr;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{decode, is_protobuf};
use crate::error::ApiError;

const CSR_V1: &str = "certificates.k8s.io/v1";
const CSR: &str = "CertificateSigningRequest";
const REQUEST_PEM: &[u8] =
    b"-----BEGIN CERTIFICATE REQUEST-----\nMIIBLTCB1AIBADAQ\n-----END CERTIFICATE REQUEST-----\n";
const REQUEST_B64: &str = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQkxUQ0IxQUlCQURBUQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K";

pub(super) fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

pub(super) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

pub(super) fn time(seconds: i64, nanos: i32) -> Option<meta::Time> {
    Some(meta::Time {
        seconds: Some(seconds),
        nanos: Some(nanos),
    })
}

/// What gogo writes for a zero `metav1.Time` held by value: the field, with an empty message.
fn zero_time() -> Option<meta::Time> {
    Some(meta::Time::default())
}

/// The body client-go sends: magic, then `runtime.Unknown` with empty content encoding and type.
pub(super) fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s(api_version),
            kind: s(kind),
        }),
        raw: Some(raw),
        content_encoding: s(""),
        content_type: s(""),
    };
    let mut body = b"k8s\0".to_vec();
    body.extend(unknown.encode_to_vec());
    body
}

/// Decode `msg` sent for its own endpoint, compare with `expected`, and check that k8s-openapi's
/// type for the kind reads the JSON and writes it back unchanged (so no key is misspelt or
/// mistyped).
pub(super) fn round_trip<M: Message, T: DeserializeOwned + Serialize>(
    api_version: &str,
    kind: &str,
    msg: &M,
    expected: Value,
) {
    let got = decode(
        &envelope(api_version, kind, msg.encode_to_vec()),
        api_version,
        kind,
    )
    .unwrap_or_else(|e| panic!("{kind}: {e}"));
    assert_eq!(got, expected, "{kind}");
    let typed: T = serde_json::from_value(got.clone()).unwrap_or_else(|e| panic!("{kind}: {e}"));
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        got,
        "{kind} via k8s-openapi"
    );
}

fn bad(body: &[u8], api_version: &str, kind: &str) -> ApiError {
    let err = decode(body, api_version, kind).expect_err("must be rejected");
    assert_eq!(
        (err.code, err.reason),
        (400, "BadRequest"),
        "{}",
        err.message
    );
    err
}

/// A CSR as `kubectl certificate approve` PUTs it to `/approval`: the object it read, with an
/// Approved condition appended whose lastUpdateTime is `metav1.Now()`.
fn approved_csr() -> csr::CertificateSigningRequest {
    csr::CertificateSigningRequest {
        metadata: Some(meta::ObjectMeta {
            name: s("alice"),
            generate_name: s(""),
            namespace: s(""),
            self_link: s(""),
            uid: s("6f1c2a0e-8f7e-4f55-9d0c-1f0b9a6f3c11"),
            resource_version: s("42"),
            generation: Some(0),
            creation_timestamp: time(1_700_000_000, 0),
            managed_fields: vec![meta::ManagedFieldsEntry {
                manager: s("kubectl-create"),
                operation: s("Update"),
                api_version: s(CSR_V1),
                time: time(1_700_000_000, 0),
                fields_type: s("FieldsV1"),
                fields_v1: Some(meta::FieldsV1 {
                    raw: Some(
                        br#"{"f:spec":{"f:request":{},"f:signerName":{},"f:usages":{}}}"#.to_vec(),
                    ),
                }),
                subresource: s(""),
            }],
            ..Default::default()
        }),
        spec: Some(csr::CertificateSigningRequestSpec {
            request: Some(REQUEST_PEM.to_vec()),
            signer_name: s("kubernetes.io/kube-apiserver-client"),
            expiration_seconds: Some(86_400),
            usages: strings(&["client auth"]),
            username: s("kubernetes-admin"),
            uid: s(""),
            groups: strings(&["kubeadm:cluster-admins", "system:authenticated"]),
            extra: BTreeMap::from([(
                "authentication.kubernetes.io/credential-id".to_string(),
                csr::ExtraValue {
                    items: strings(&["X509SHA256=ab12"]),
                },
            )]),
        }),
        status: Some(csr::CertificateSigningRequestStatus {
            conditions: vec![csr::CertificateSigningRequestCondition {
                r#type: s("Approved"),
                status: s("True"),
                reason: s("KubectlApprove"),
                message: s("This CSR was approved by kubectl certificate approve."),
                last_update_time: time(1_700_000_100, 123_456_789),
                last_transition_time: zero_time(),
            }],
            certificate: None,
        }),
    }
}

#[test]
fn csr_approval_from_kubectl_decodes_to_its_json() {
    let expected = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {
            "name": "alice",
            "uid": "6f1c2a0e-8f7e-4f55-9d0c-1f0b9a6f3c11",
            "resourceVersion": "42",
            "creationTimestamp": "2023-11-14T22:13:20Z",
            "managedFields": [{
                "manager": "kubectl-create",
                "operation": "Update",
                "apiVersion": "certificates.k8s.io/v1",
                "time": "2023-11-14T22:13:20Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {"f:request": {}, "f:signerName": {}, "f:usages": {}}}
            }]
        },
        "spec": {
            "request": REQUEST_B64,
            "signerName": "kubernetes.io/kube-apiserver-client",
            "expirationSeconds": 86400,
            "usages": ["client auth"],
            "username": "kubernetes-admin",
            "groups": ["kubeadm:cluster-admins", "system:authenticated"],
            "extra": {"authentication.kubernetes.io/credential-id": ["X509SHA256=ab12"]}
        },
        "status": {
            "conditions": [{
                "type": "Approved",
                "status": "True",
                "reason": "KubectlApprove",
                "message": "This CSR was approved by kubectl certificate approve.",
                "lastUpdateTime": "2023-11-14T22:15:00Z"
            }]
        }
    });
    round_trip::<_, k8s_openapi::api::certificates::v1::CertificateSigningRequest>(
        CSR_V1,
        CSR,
        &approved_csr(),
        expected,
    );
}

#[test]
fn csr_status_with_certificate_and_failed_condition() {
    let mut m = approved_csr();
    m.metadata = None;
    m.spec = None;
    m.status = Some(csr::CertificateSigningRequestStatus {
        conditions: vec![csr::CertificateSigningRequestCondition {
            r#type: s("Failed"),
            status: s("True"),
            reason: s("SignerValidationFailure"),
            message: s(""),
            last_update_time: time(1_700_000_000, 0),
            last_transition_time: time(1_700_003_600, 5),
        }],
        certificate: Some(
            b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmg\n-----END CERTIFICATE-----\n".to_vec(),
        ),
    });
    let expected = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {},
        "spec": {"signerName": ""},
        "status": {
            "conditions": [{
                "type": "Failed",
                "status": "True",
                "reason": "SignerValidationFailure",
                "lastUpdateTime": "2023-11-14T22:13:20Z",
                "lastTransitionTime": "2023-11-14T23:13:20Z"
            }],
            "certificate": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJzekNDQVZtZwotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="
        }
    });
    let got = decode(&envelope(CSR_V1, CSR, m.encode_to_vec()), CSR_V1, CSR).unwrap();
    assert_eq!(got, expected);
}

#[test]
fn fresh_csr_has_empty_status_and_no_creation_timestamp() {
    let m = csr::CertificateSigningRequest {
        metadata: Some(meta::ObjectMeta {
            name: s("bob"),
            generate_name: s(""),
            namespace: s(""),
            self_link: s(""),
            uid: s(""),
            resource_version: s(""),
            generation: Some(0),
            creation_timestamp: zero_time(),
            ..Default::default()
        }),
        spec: Some(csr::CertificateSigningRequestSpec {
            request: Some(REQUEST_PEM.to_vec()),
            signer_name: s("example.com/signer"),
            usages: strings(&["digital signature", "client auth"]),
            username: s(""),
            uid: s(""),
            ..Default::default()
        }),
        status: Some(csr::CertificateSigningRequestStatus::default()),
    };
    let expected = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": "bob"},
        "spec": {
            "request": REQUEST_B64,
            "signerName": "example.com/signer",
            "usages": ["digital signature", "client auth"]
        },
        "status": {}
    });
    round_trip::<_, k8s_openapi::api::certificates::v1::CertificateSigningRequest>(
        CSR_V1, CSR, &m, expected,
    );
}

/// Protobuf bytes written by hand from upstream's field numbers (spec: request=1, usages=5,
/// signerName=7, expirationSeconds=8), independent of the `k8s-pb` types.
#[test]
fn hand_encoded_csr_matches_upstream_field_numbers() {
    fn field(tag: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![(tag << 3) | 2, u8::try_from(payload.len()).unwrap()];
        out.extend_from_slice(payload);
        out
    }
    let metadata = field(1, b"x");
    let mut spec = field(1, b"PEM");
    spec.extend(field(7, b"example.com/s"));
    spec.extend(field(5, b"client auth"));
    spec.extend([8 << 3, 0xd8, 0x04]); // expirationSeconds = 600 (varint)
    let mut raw = field(1, &metadata);
    raw.extend(field(2, &spec));
    raw.extend(field(3, &[]));
    let mut type_meta = field(1, CSR_V1.as_bytes());
    type_meta.extend(field(2, CSR.as_bytes()));
    let mut body = b"k8s\0".to_vec();
    body.extend(field(1, &type_meta));
    body.extend(field(2, &raw));
    body.extend(field(3, b""));
    body.extend(field(4, b""));
    assert_eq!(
        decode(&body, CSR_V1, CSR).unwrap(),
        json!({
            "apiVersion": "certificates.k8s.io/v1",
            "kind": "CertificateSigningRequest",
            "metadata": {"name": "x"},
            "spec": {
                "request": "UEVN",
                "signerName": "example.com/s",
                "expirationSeconds": 600,
                "usages": ["client auth"]
            },
            "status": {}
        })
    );
}

#[test]
fn object_meta_complete() {
    let m = csr::CertificateSigningRequest {
        metadata: Some(meta::ObjectMeta {
            name: s("carol"),
            generate_name: s("carol-"),
            namespace: s("ns1"),
            self_link: s("/apis/certificates.k8s.io/v1/certificatesigningrequests/carol"),
            uid: s("uid-1"),
            resource_version: s("7"),
            generation: Some(3),
            creation_timestamp: time(1_700_000_000, 999_999_999),
            deletion_timestamp: time(1_700_086_400, 0),
            deletion_grace_period_seconds: Some(0),
            labels: BTreeMap::from([
                ("app".to_string(), "web".to_string()),
                ("empty".to_string(), String::new()),
            ]),
            annotations: BTreeMap::from([("note".to_string(), "a\nb".to_string())]),
            owner_references: vec![
                meta::OwnerReference {
                    api_version: s("v1"),
                    kind: s("Node"),
                    name: s("node-1"),
                    uid: s("uid-node"),
                    controller: Some(true),
                    block_owner_deletion: Some(false),
                },
                meta::OwnerReference {
                    api_version: s("v1"),
                    kind: s("Pod"),
                    name: s(""),
                    uid: s(""),
                    controller: None,
                    block_owner_deletion: None,
                },
            ],
            finalizers: strings(&["example.com/keep", "orphan"]),
            managed_fields: vec![
                meta::ManagedFieldsEntry {
                    manager: s("kubectl"),
                    operation: s("Apply"),
                    api_version: s(CSR_V1),
                    time: None,
                    fields_type: s("FieldsV1"),
                    fields_v1: Some(meta::FieldsV1 {
                        raw: Some(br#"{"f:metadata":{"f:labels":{"f:app":{}}}}"#.to_vec()),
                    }),
                    subresource: s(""),
                },
                meta::ManagedFieldsEntry {
                    manager: s("kube-controller-manager"),
                    operation: s("Update"),
                    api_version: s(CSR_V1),
                    time: time(1_700_003_600, 0),
                    fields_type: s(""),
                    fields_v1: Some(meta::FieldsV1 { raw: None }),
                    subresource: s("approval"),
                },
            ],
        }),
        spec: Some(csr::CertificateSigningRequestSpec {
            request: Some(Vec::new()),
            signer_name: s(""),
            ..Default::default()
        }),
        status: None,
    };
    let expected = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {
            "name": "carol",
            "generateName": "carol-",
            "namespace": "ns1",
            "selfLink": "/apis/certificates.k8s.io/v1/certificatesigningrequests/carol",
            "uid": "uid-1",
            "resourceVersion": "7",
            "generation": 3,
            "creationTimestamp": "2023-11-14T22:13:20Z",
            "deletionTimestamp": "2023-11-15T22:13:20Z",
            "deletionGracePeriodSeconds": 0,
            "labels": {"app": "web", "empty": ""},
            "annotations": {"note": "a\nb"},
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": "node-1", "uid": "uid-node",
                 "controller": true, "blockOwnerDeletion": false},
                {"apiVersion": "v1", "kind": "Pod", "name": "", "uid": ""}
            ],
            "finalizers": ["example.com/keep", "orphan"],
            "managedFields": [
                {"manager": "kubectl", "operation": "Apply", "apiVersion": "certificates.k8s.io/v1",
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}},
                {"manager": "kube-controller-manager", "operation": "Update",
                 "apiVersion": "certificates.k8s.io/v1", "time": "2023-11-14T23:13:20Z",
                 "subresource": "approval"}
            ]
        },
        "spec": {"request": "", "signerName": ""},
        "status": {}
    });
    round_trip::<_, k8s_openapi::api::certificates::v1::CertificateSigningRequest>(
        CSR_V1, CSR, &m, expected,
    );
}

#[test]
fn missing_type_meta_defaults_to_the_endpoint() {
    let unknown = Unknown {
        type_meta: None,
        raw: Some(approved_csr().encode_to_vec()),
        content_encoding: None,
        content_type: None,
    };
    let mut body = b"k8s\0".to_vec();
    body.extend(unknown.encode_to_vec());
    let got = decode(&body, CSR_V1, CSR).unwrap();
    assert_eq!(got["apiVersion"], "certificates.k8s.io/v1");
    assert_eq!(got["kind"], "CertificateSigningRequest");
    assert_eq!(got["metadata"]["name"], "alice");
    // An empty message decodes as an empty object.
    let got = decode(&envelope("", "", Vec::new()), CSR_V1, CSR).unwrap();
    assert_eq!(
        got,
        json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
               "metadata": {}, "spec": {"signerName": ""}, "status": {}})
    );
}

#[test]
fn envelope_errors_read_like_kube_apiserver() {
    let unrecognized =
        "the object provided is unrecognized (must be of type CertificateSigningRequest): ";
    let cases: [(&[u8], String); 4] = [
        (b"", format!("{unrecognized}empty data (<empty>)")),
        (b"k8s\0", format!("{unrecognized}empty body (6b387300)")),
        (
            br#"{"kind":"CertificateSigningRequest"}"#,
            format!(
                "{unrecognized}provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({{\"kind\":\"CertificateSigningReq ...)"
            ),
        ),
        (
            b"k8s\x01\x0a\x00",
            format!(
                "{unrecognized}provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (6b3873010a00)"
            ),
        ),
    ];
    for (body, message) in cases {
        assert_eq!(bad(body, CSR_V1, CSR).message, message);
    }
}

#[test]
fn garbage_and_truncated_bodies_are_bad_requests() {
    let unrecognized =
        "the object provided is unrecognized (must be of type CertificateSigningRequest): ";
    // Field 1 claims 16 bytes but none follow.
    let err = bad(b"k8s\0\x0a\x10", CSR_V1, CSR);
    assert_eq!(
        err.message,
        format!(
            "{unrecognized}failed to decode Protobuf message: Unknown.type_meta: buffer underflow (6b3873000a10)"
        )
    );
    // Wire type 7 does not exist.
    let err = bad(b"k8s\0\x0f", CSR_V1, CSR);
    assert_eq!(
        err.message,
        format!(
            "{unrecognized}failed to decode Protobuf message: invalid wire type value: 7 (6b3873000f)"
        )
    );
    // An envelope cut short fails unless the cut falls between two of its top-level fields:
    // protobuf has no end marker, so (as in Go) those prefixes are shorter valid messages.
    let raw = approved_csr().encode_to_vec();
    let body = envelope(CSR_V1, CSR, raw.clone());
    let mut unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: s(CSR_V1),
            kind: s(CSR),
        }),
        ..Default::default()
    };
    let mut boundaries = vec![4 + unknown.encoded_len()];
    unknown.raw = Some(raw);
    boundaries.push(4 + unknown.encoded_len());
    unknown.content_encoding = s("");
    boundaries.push(4 + unknown.encoded_len());
    assert_eq!(boundaries[2] + 2, body.len());
    for len in 5..body.len() {
        match decode(&body[..len], CSR_V1, CSR) {
            Ok(_) => assert!(boundaries.contains(&len), "{len} bytes decoded"),
            Err(e) => {
                assert!(!boundaries.contains(&len), "{len}: {}", e.message);
                assert_eq!(e.code, 400, "{len}: {}", e.message);
            }
        }
    }
}

#[test]
fn a_bad_object_cannot_be_handled() {
    let cannot = "CertificateSigningRequest in version \"v1\" cannot be handled as a CertificateSigningRequest: ";
    let err = bad(
        &envelope(CSR_V1, CSR, b"\x12\x05\x0a\x03".to_vec()),
        CSR_V1,
        CSR,
    );
    assert_eq!(
        err.message,
        format!(
            "{cannot}failed to decode Protobuf message: CertificateSigningRequest.spec: buffer underflow"
        )
    );
    // Kubernetes strings must be UTF-8.
    let err = bad(
        &envelope(CSR_V1, CSR, b"\x0a\x03\x0a\x01\xff".to_vec()),
        CSR_V1,
        CSR,
    );
    assert_eq!(
        err.message,
        format!(
            "{cannot}failed to decode Protobuf message: ObjectMeta.name: CertificateSigningRequest.metadata: invalid string value: data is not UTF-8 encoded"
        )
    );
    let mut m = approved_csr();
    if let Some(md) = m.metadata.as_mut() {
        md.creation_timestamp = time(i64::MAX, 0);
    }
    let err = bad(&envelope(CSR_V1, CSR, m.encode_to_vec()), CSR_V1, CSR);
    assert_eq!(
        err.message,
        format!(
            "{cannot}creationTimestamp: time 9223372036854775807s 0ns is outside the range RFC 3339 can express"
        )
    );
    let mut m = approved_csr();
    if let Some(md) = m.metadata.as_mut() {
        md.managed_fields[0].fields_v1 = Some(meta::FieldsV1 {
            raw: Some(b"{\"f:spec\":".to_vec()),
        });
    }
    let err = bad(&envelope(CSR_V1, CSR, m.encode_to_vec()), CSR_V1, CSR);
    assert_eq!(
        err.message,
        format!(
            "{cannot}metadata.managedFields[0].fieldsV1: EOF while parsing a value at line 1 column 10"
        )
    );
}

#[test]
fn deeply_nested_input_is_rejected_without_overflowing_the_stack() {
    // 100k nested start-group tags of an unknown field, then the same as a length-delimited pile.
    let err = bad(&envelope(CSR_V1, CSR, vec![0x7b; 100_000]), CSR_V1, CSR);
    assert!(err.message.starts_with("CertificateSigningRequest in version \"v1\" cannot be handled as a CertificateSigningRequest: failed to decode Protobuf message: "), "{}", err.message);
    let mut raw = Vec::new();
    for _ in 0..2_000 {
        let mut outer = vec![0x0a];
        let len = raw.len();
        let mut n = len;
        while n >= 0x80 {
            outer.push(u8::try_from(n & 0x7f).unwrap() | 0x80);
            n >>= 7;
        }
        outer.push(u8::try_from(n).unwrap());
        outer.extend(raw);
        raw = outer;
    }
    let err = decode(&envelope(CSR_V1, CSR, raw), CSR_V1, CSR).expect_err("nesting");
    assert_eq!(err.code, 400);
}

#[test]
fn random_bytes_never_panic() {
    // A fixed xorshift stream: the same inputs every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let valid = envelope(CSR_V1, CSR, approved_csr().encode_to_vec());
    for round in 0..3_000 {
        let mut body = valid.clone();
        // Flip a few bytes after the magic, so most inputs reach the decoders.
        for _ in 0..=(round % 6) {
            let at = 4 + usize::try_from(next() % (body.len() as u64 - 4)).unwrap();
            body[at] = u8::try_from(next() & 0xff).unwrap();
        }
        if let Err(e) = decode(&body, CSR_V1, CSR) {
            assert_eq!(e.code, 400, "{}", e.message);
        }
    }
}

#[test]
fn type_meta_must_match_the_endpoint() {
    let raw = approved_csr().encode_to_vec();
    let err = bad(
        &envelope("certificates.k8s.io/v1beta1", CSR, raw.clone()),
        CSR_V1,
        CSR,
    );
    assert_eq!(
        err.message,
        "the API version in the data (certificates.k8s.io/v1beta1) does not match the expected API version (certificates.k8s.io/v1)"
    );
    let err = bad(&envelope(CSR_V1, "Role", raw.clone()), CSR_V1, CSR);
    assert_eq!(
        err.message,
        "the kind in the data (Role) does not match the expected kind (CertificateSigningRequest)"
    );
    // The version is checked first, as for JSON bodies.
    let err = bad(
        &envelope("rbac.authorization.k8s.io/v1", "Role", raw),
        CSR_V1,
        CSR,
    );
    assert_eq!(
        err.message,
        "the API version in the data (rbac.authorization.k8s.io/v1) does not match the expected API version (certificates.k8s.io/v1)"
    );
}

#[test]
fn kinds_without_a_protobuf_decoder_are_unsupported_media() {
    let body = envelope("v1", "Pod", Vec::new());
    let err = decode(&body, "v1", "Pod").expect_err("Pod is not decoded");
    assert_eq!(
        (err.code, err.reason, err.message.as_str()),
        (
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got application/vnd.kubernetes.protobuf)"
        )
    );
    // A kind that exists, but not in the endpoint's version.
    let err = decode(&body, "certificates.k8s.io/v1beta1", CSR).expect_err("v1beta1 CSR");
    assert_eq!(err.code, 415);
}

#[test]
fn protobuf_content_types() {
    assert!(is_protobuf(Some("application/vnd.kubernetes.protobuf")));
    assert!(is_protobuf(Some(
        "application/vnd.kubernetes.protobuf; charset=utf-8"
    )));
    assert!(is_protobuf(Some(" Application/VND.Kubernetes.Protobuf ")));
    assert!(!is_protobuf(Some("application/json")));
    assert!(!is_protobuf(Some(
        "application/vnd.kubernetes.protobuf+json"
    )));
    assert!(!is_protobuf(Some("")));
    assert!(!is_protobuf(None));
}
