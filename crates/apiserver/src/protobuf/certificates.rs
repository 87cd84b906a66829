//! `certificates.k8s.io`: CertificateSigningRequest (v1) and ClusterTrustBundle (v1alpha1, v1beta1,
//! and v1, which has v1beta1's wire form).
//!
//! JSON tags follow `k8s.io/api/certificates/v1/types.go` and its v1alpha1/v1beta1 siblings.

use k8s_pb::api::certificates::{v1, v1alpha1, v1beta1};
use k8s_pb::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value};

use super::json::{ConvertError, Obj, each};
use super::meta::object_meta;

/// `CertificateSigningRequest`: `metadata`, `spec` and `status` are structs, so all three are
/// always present (a fresh object has `"status": {}`).
pub(super) fn certificate_signing_request(
    m: &v1::CertificateSigningRequest,
) -> Result<Obj, ConvertError> {
    let spec = m
        .spec
        .as_ref()
        .map(csr_spec)
        .unwrap_or_else(|| csr_spec(&Default::default()));
    let status = match &m.status {
        None => Value::Object(Map::new()),
        Some(s) => Obj::new()
            .list("conditions", each(&s.conditions, condition)?)
            .bytes("certificate", &s.certificate)
            .build(),
    };
    Ok(Obj::new()
        .obj("metadata", object_meta(m.metadata.as_ref())?)
        .obj("spec", spec)
        .obj("status", status))
}

fn csr_spec(s: &v1::CertificateSigningRequestSpec) -> Value {
    Obj::new()
        .bytes_req("request", &s.request)
        .str_req("signerName", &s.signer_name)
        .int_ptr("expirationSeconds", s.expiration_seconds)
        .strs("usages", &s.usages)
        .str("username", &s.username)
        .str("uid", &s.uid)
        .strs("groups", &s.groups)
        .extra(
            "extra",
            s.extra.iter().map(|(k, v)| (k, v.items.as_slice())),
        )
        .build()
}

fn condition(c: &v1::CertificateSigningRequestCondition) -> Result<Value, ConvertError> {
    Ok(Obj::new()
        .str_req("type", &c.r#type)
        .str_req("status", &c.status)
        .str("reason", &c.reason)
        .str("message", &c.message)
        .time("lastUpdateTime", c.last_update_time.as_ref())?
        .time("lastTransitionTime", c.last_transition_time.as_ref())?
        .build())
}

/// `ClusterTrustBundle` (v1alpha1): `spec` is a struct, `trustBundle` is required.
pub(super) fn cluster_trust_bundle_v1alpha1(
    m: &v1alpha1::ClusterTrustBundle,
) -> Result<Obj, ConvertError> {
    let (signer_name, bundle) = match &m.spec {
        Some(s) => (&s.signer_name, &s.trust_bundle),
        None => (&None, &None),
    };
    trust_bundle(m.metadata.as_ref(), signer_name, bundle)
}

/// `ClusterTrustBundle` (v1beta1, and v1 which kept its fields): the same shape as v1alpha1.
pub(super) fn cluster_trust_bundle_v1beta1(
    m: &v1beta1::ClusterTrustBundle,
) -> Result<Obj, ConvertError> {
    let (signer_name, bundle) = match &m.spec {
        Some(s) => (&s.signer_name, &s.trust_bundle),
        None => (&None, &None),
    };
    trust_bundle(m.metadata.as_ref(), signer_name, bundle)
}

fn trust_bundle(
    metadata: Option<&ObjectMeta>,
    signer_name: &Option<String>,
    bundle: &Option<String>,
) -> Result<Obj, ConvertError> {
    let spec = Obj::new()
        .str("signerName", signer_name)
        .str_req("trustBundle", bundle)
        .build();
    Ok(Obj::new()
        .obj("metadata", object_meta(metadata)?)
        .obj("spec", spec))
}
