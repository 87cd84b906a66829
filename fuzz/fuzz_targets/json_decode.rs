//! Fuzzes JSON request bodies the way the server reads them: `serde_json::from_slice` into each
//! accepted kind's k8s-openapi type, then that kind's validation on whatever decoded.
#![no_main]

use k8s_openapi::api::authorization::v1::SubjectAccessReview;
use k8s_openapi::api::certificates::v1::{CertificateSigningRequest, ClusterTrustBundle};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use libfuzzer_sys::fuzz_target;
use signet_api::rbac::{
    validate_cluster_role, validate_cluster_role_binding, validate_cluster_role_binding_update,
    validate_cluster_role_update, validate_role, validate_role_binding,
    validate_role_binding_update, validate_role_update,
};
use signet_api::trust_bundle::{
    validate_cluster_trust_bundle, validate_cluster_trust_bundle_update,
};
use signet_api::validation::{UpdateKind, validate_csr_create, validate_csr_update};
use signet_apiserver::registry::Strategy;
use signet_apiserver::registry::lease::LeaseStrategy;

fuzz_target!(|data: &[u8]| {
    if let Ok(csr) = serde_json::from_slice::<CertificateSigningRequest>(data) {
        let _ = validate_csr_create(&csr);
        // An update against itself reaches the update-only rules without a second input.
        for kind in [UpdateKind::Main, UpdateKind::Status, UpdateKind::Approval] {
            let _ = validate_csr_update(&csr, &csr, kind);
        }
    }
    if let Ok(role) = serde_json::from_slice::<Role>(data) {
        let _ = validate_role(&role);
        let _ = validate_role_update(&role, &role);
    }
    if let Ok(role) = serde_json::from_slice::<ClusterRole>(data) {
        let _ = validate_cluster_role(&role);
        let _ = validate_cluster_role_update(&role, &role);
    }
    if let Ok(binding) = serde_json::from_slice::<RoleBinding>(data) {
        let _ = validate_role_binding(&binding);
        let _ = validate_role_binding_update(&binding, &binding);
    }
    if let Ok(binding) = serde_json::from_slice::<ClusterRoleBinding>(data) {
        let _ = validate_cluster_role_binding(&binding);
        let _ = validate_cluster_role_binding_update(&binding, &binding);
    }
    // Reviews have no validation of their own in the api crate: the server decodes them
    // through their type, which is what must not panic.
    let _ = serde_json::from_slice::<SubjectAccessReview>(data);
    if serde_json::from_slice::<Lease>(data).is_ok() {
        // Lease validation lives in the server's strategy, which validates the JSON value.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
            let _ = LeaseStrategy.validate_create(&value);
        }
    }
    if let Ok(bundle) = serde_json::from_slice::<ClusterTrustBundle>(data) {
        let _ = validate_cluster_trust_bundle(&bundle);
        let _ = validate_cluster_trust_bundle_update(&bundle, &bundle);
    }
});
