//! The table of kinds whose protobuf bodies Signet accepts: (apiVersion, kind) → converter.
//!
//! A converter decodes `runtime.Unknown.raw` as the kind's message (the `k8s-pb` types) and
//! renders the object's JSON fields; [`super::decode`] adds `apiVersion` and `kind`.

use prost::Message;

use super::json::{ConvertError, Obj};
use super::meta::delete_options;
use super::{certificates, lease, rbac, review};

/// Turns `raw` into the object's JSON fields, `apiVersion` and `kind` excepted.
pub(super) type Convert = fn(&[u8]) -> Result<Obj, ConvertError>;

/// One row of [`KINDS`].
pub(super) struct Kind {
    /// `None` for a kind decoded whatever version its body names: apimachinery registers
    /// `DeleteOptions` as an unversioned type, so clients send it as `v1`, `meta.k8s.io/v1` or the
    /// resource's own group version.
    pub(super) api_version: Option<&'static str>,
    pub(super) kind: &'static str,
    pub(super) convert: Convert,
}

/// Decode `raw` as `M` and convert it.
fn message<M: Message + Default>(
    raw: &[u8],
    convert: fn(&M) -> Result<Obj, ConvertError>,
) -> Result<Obj, ConvertError> {
    convert(&M::decode(raw)?)
}

const fn kind(api_version: &'static str, kind: &'static str, convert: Convert) -> Kind {
    Kind {
        api_version: Some(api_version),
        kind,
        convert,
    }
}

const CERTIFICATES_V1: &str = "certificates.k8s.io/v1";
const RBAC_V1: &str = "rbac.authorization.k8s.io/v1";
const AUTHORIZATION_V1: &str = "authorization.k8s.io/v1";
const AUTHENTICATION_V1: &str = "authentication.k8s.io/v1";

pub(super) const KINDS: &[Kind] = &[
    kind(CERTIFICATES_V1, "CertificateSigningRequest", |raw| {
        message(raw, certificates::certificate_signing_request)
    }),
    kind(
        "certificates.k8s.io/v1alpha1",
        "ClusterTrustBundle",
        |raw| message(raw, certificates::cluster_trust_bundle_v1alpha1),
    ),
    kind("certificates.k8s.io/v1beta1", "ClusterTrustBundle", |raw| {
        message(raw, certificates::cluster_trust_bundle_v1beta1)
    }),
    // The v1 ClusterTrustBundle (Kubernetes 1.36+) kept v1beta1's fields and numbers; `k8s-pb`
    // predates it, so the v1beta1 message decodes it.
    kind(CERTIFICATES_V1, "ClusterTrustBundle", |raw| {
        message(raw, certificates::cluster_trust_bundle_v1beta1)
    }),
    kind(RBAC_V1, "Role", |raw| message(raw, rbac::role)),
    kind(RBAC_V1, "ClusterRole", |raw| {
        message(raw, rbac::cluster_role)
    }),
    kind(RBAC_V1, "RoleBinding", |raw| {
        message(raw, rbac::role_binding)
    }),
    kind(RBAC_V1, "ClusterRoleBinding", |raw| {
        message(raw, rbac::cluster_role_binding)
    }),
    kind(AUTHORIZATION_V1, "SubjectAccessReview", |raw| {
        message(raw, review::subject_access_review)
    }),
    kind(AUTHORIZATION_V1, "LocalSubjectAccessReview", |raw| {
        message(raw, review::local_subject_access_review)
    }),
    kind(AUTHORIZATION_V1, "SelfSubjectAccessReview", |raw| {
        message(raw, review::self_subject_access_review)
    }),
    kind(AUTHORIZATION_V1, "SelfSubjectRulesReview", |raw| {
        message(raw, review::self_subject_rules_review)
    }),
    kind(AUTHENTICATION_V1, "TokenReview", |raw| {
        message(raw, review::token_review)
    }),
    kind(AUTHENTICATION_V1, "SelfSubjectReview", |raw| {
        message(raw, review::self_subject_review)
    }),
    kind("coordination.k8s.io/v1", "Lease", |raw| {
        message(raw, lease::lease)
    }),
    Kind {
        api_version: None,
        kind: "DeleteOptions",
        convert: |raw| message(raw, delete_options),
    },
];

/// The row for an endpoint's (apiVersion, kind), if Signet decodes that kind from protobuf.
pub(super) fn lookup(api_version: &str, kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.kind == kind && k.api_version.is_none_or(|v| v == api_version))
}
