//! Bodies captured from kubectl v1.37.1 (`testdata/kubectl-1.37-*.bin`), decoded to exact JSON.
//!
//! They were recorded by pointing kubectl at a stub HTTP server that answered discovery and a GET
//! of CSR "alice" in JSON and saved every request body: `kubectl certificate approve alice` and
//! `deny alice` (PUT `/approval`), `kubectl auth can-i approve
//! signers.certificates.k8s.io/example.com/signer`, `kubectl auth can-i --list -n team`, and
//! `kubectl auth whoami`.  They pin the wire form real clients send, independent of `k8s-pb`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::decode;

const APPROVE: &[u8] = include_bytes!("testdata/kubectl-1.37-approve.bin");
const DENY: &[u8] = include_bytes!("testdata/kubectl-1.37-deny.bin");
const CAN_I: &[u8] = include_bytes!("testdata/kubectl-1.37-ssar.bin");
const CAN_I_LIST: &[u8] = include_bytes!("testdata/kubectl-1.37-ssrr.bin");
const WHOAMI: &[u8] = include_bytes!("testdata/kubectl-1.37-ssr.bin");

/// Decode, compare, and check k8s-openapi reads the JSON and writes it back unchanged.
fn check<T: DeserializeOwned + Serialize>(body: &[u8], api_version: &str, kind: &str, want: Value) {
    let got = decode(body, api_version, kind);
    assert_eq!(got.as_ref().ok(), Some(&want), "{kind}: {got:?}");
    let typed: Result<T, _> = serde_json::from_value(want.clone());
    let back = typed.ok().and_then(|t| serde_json::to_value(t).ok());
    assert_eq!(back, Some(want), "{kind} via k8s-openapi");
}

/// The CSR as the stub served it, with the condition kubectl appends.
fn csr_with(condition: Value) -> Value {
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {
            "name": "alice",
            "uid": "6f1c2a0e-8f7e-4f55-9d0c-1f0b9a6f3c11",
            "resourceVersion": "42",
            "creationTimestamp": "2023-11-14T22:13:20Z",
            "labels": {"app": "web"},
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
            "request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQkxUQ0IxQUlCQURBUQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
            "signerName": "kubernetes.io/kube-apiserver-client",
            "expirationSeconds": 86400,
            "usages": ["client auth"],
            "username": "kubernetes-admin",
            "groups": ["kubeadm:cluster-admins", "system:authenticated"],
            "extra": {"authentication.kubernetes.io/credential-id": ["X509SHA256=ab12"]}
        },
        "status": {"conditions": [condition]}
    })
}

#[test]
fn kubectl_certificate_approve() {
    let want = csr_with(json!({
        "type": "Approved",
        "status": "True",
        "reason": "KubectlApprove",
        "message": "This CSR was approved by kubectl certificate approve.",
        "lastUpdateTime": "2026-11-28T18:27:39Z"
    }));
    check::<k8s_openapi::api::certificates::v1::CertificateSigningRequest>(
        APPROVE,
        "certificates.k8s.io/v1",
        "CertificateSigningRequest",
        want,
    );
}

#[test]
fn kubectl_certificate_deny() {
    let want = csr_with(json!({
        "type": "Denied",
        "status": "True",
        "reason": "KubectlDeny",
        "message": "This CSR was denied by kubectl certificate deny.",
        "lastUpdateTime": "2026-11-28T18:37:52Z"
    }));
    check::<k8s_openapi::api::certificates::v1::CertificateSigningRequest>(
        DENY,
        "certificates.k8s.io/v1",
        "CertificateSigningRequest",
        want,
    );
}

#[test]
fn kubectl_auth_can_i() {
    check::<k8s_openapi::api::authorization::v1::SelfSubjectAccessReview>(
        CAN_I,
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "metadata": {},
            "spec": {"resourceAttributes": {
                "namespace": "default",
                "verb": "approve",
                "resource": "signers.certificates.k8s.io",
                "name": "example.com/signer"
            }},
            "status": {"allowed": false}
        }),
    );
    check::<k8s_openapi::api::authorization::v1::SelfSubjectRulesReview>(
        CAN_I_LIST,
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        json!({
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectRulesReview",
            "metadata": {},
            "spec": {"namespace": "team"},
            "status": {"resourceRules": [], "nonResourceRules": [], "incomplete": false}
        }),
    );
}

#[test]
fn kubectl_auth_whoami() {
    check::<k8s_openapi::api::authentication::v1::SelfSubjectReview>(
        WHOAMI,
        "authentication.k8s.io/v1",
        "SelfSubjectReview",
        json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "SelfSubjectReview",
            "metadata": {},
            "status": {"userInfo": {}}
        }),
    );
}

#[test]
fn a_captured_body_sent_to_another_endpoint_is_rejected() {
    let err = decode(
        APPROVE,
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
    );
    assert_eq!(
        err.map_err(|e| (e.code, e.message)),
        Err((
            400,
            "the API version in the data (certificates.k8s.io/v1) does not match the expected API version (authorization.k8s.io/v1)".to_string()
        ))
    );
}
