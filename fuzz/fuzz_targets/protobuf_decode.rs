//! Fuzzes the Kubernetes protobuf body decoder for every endpoint that accepts protobuf
//! (kubectl's typed client sends it), plus one kind it does not decode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_apiserver::protobuf::decode;

/// The (apiVersion, kind) pairs of the protobuf kinds table, and one it does not hold.
const KINDS: &[(&str, &str)] = &[
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1alpha1", "ClusterTrustBundle"),
    ("certificates.k8s.io/v1beta1", "ClusterTrustBundle"),
    ("certificates.k8s.io/v1", "ClusterTrustBundle"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("authorization.k8s.io/v1", "SubjectAccessReview"),
    ("authorization.k8s.io/v1", "LocalSubjectAccessReview"),
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"),
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
    ("authentication.k8s.io/v1", "TokenReview"),
    ("authentication.k8s.io/v1", "SelfSubjectReview"),
    ("coordination.k8s.io/v1", "Lease"),
    ("v1", "DeleteOptions"),
    ("v1", "Pod"),
];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the endpoint, so the fuzzer can specialise inputs per kind; the
    // rest is the request body.
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (api_version, kind) = KINDS[usize::from(selector) % KINDS.len()];
    if let Ok(value) = decode(body, api_version, kind) {
        // What the decoder returns is JSON the rest of the server re-reads: it must serialize.
        let text = serde_json::to_vec(&value).unwrap_or_default();
        assert!(!text.is_empty(), "decoded {kind} does not serialize");
    }
});
