//! Fuzzes PATCH bodies: every patch type applied to a fixed, realistic CSR, as the server does
//! before it decodes and validates the result.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use signet_apiserver::patch::{PatchType, apply_patch};

/// A stored CSR with labels, annotations, finalizers, managed fields and conditions, so that
/// every strategic-merge strategy and list key has something to merge into.
static ORIGINAL: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {
            "name": "csr-1",
            "uid": "6b2f0a44-2c1e-4c4e-9a55-0d6a1d3c9f10",
            "resourceVersion": "7",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": "signet"},
            "annotations": {"note": "x"},
            "finalizers": ["example.com/keep"],
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "u1"}],
            "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "certificates.k8s.io/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}}]
        },
        "spec": {
            "request": "LS0tLS1CRUdJTg==",
            "signerName": "kubernetes.io/kube-apiserver-client",
            "usages": ["digital signature", "client auth"],
            "username": "alice",
            "groups": ["system:authenticated"],
            "expirationSeconds": 3600
        },
        "status": {
            "conditions": [{"type": "Approved", "status": "True", "reason": "R", "message": "m", "lastUpdateTime": "2026-01-01T00:00:00Z"}]
        }
    })
});

fuzz_target!(|data: &[u8]| {
    for kind in PatchType::ALL {
        let _ = apply_patch(kind, &ORIGINAL, data);
    }
});
