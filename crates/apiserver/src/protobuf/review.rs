//! The review kinds clients POST to ask a question: `authorization.k8s.io/v1` SubjectAccessReview,
//! LocalSubjectAccessReview, SelfSubjectAccessReview and SelfSubjectRulesReview (what
//! `kubectl auth can-i` sends), and `authentication.k8s.io/v1` TokenReview and SelfSubjectReview
//! (`kubectl auth whoami`).
//!
//! JSON tags follow `k8s.io/api/authorization/v1/types.go` and `k8s.io/api/authentication/v1/types.go`.
//! `spec` and `status` are structs, so Go always writes them; `status.allowed` and the rules lists
//! of a rules review have no `omitempty`.

use k8s_pb::api::authentication::v1 as authn;
use k8s_pb::api::authorization::v1 as authz;
use k8s_pb::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::json::{ConvertError, Obj, each};
use super::meta::{field_selector_requirement, label_selector_requirement, object_meta};

pub(super) fn subject_access_review(m: &authz::SubjectAccessReview) -> Result<Obj, ConvertError> {
    review(
        m.metadata.as_ref(),
        sar_spec(m.spec.as_ref())?,
        sar_status(m.status.as_ref()),
    )
}

pub(super) fn local_subject_access_review(
    m: &authz::LocalSubjectAccessReview,
) -> Result<Obj, ConvertError> {
    review(
        m.metadata.as_ref(),
        sar_spec(m.spec.as_ref())?,
        sar_status(m.status.as_ref()),
    )
}

pub(super) fn self_subject_access_review(
    m: &authz::SelfSubjectAccessReview,
) -> Result<Obj, ConvertError> {
    let default = authz::SelfSubjectAccessReviewSpec::default();
    let s = m.spec.as_ref().unwrap_or(&default);
    let spec = attributes(
        Obj::new(),
        s.resource_attributes.as_ref(),
        s.non_resource_attributes.as_ref(),
    )?;
    review(
        m.metadata.as_ref(),
        spec.build(),
        sar_status(m.status.as_ref()),
    )
}

pub(super) fn self_subject_rules_review(
    m: &authz::SelfSubjectRulesReview,
) -> Result<Obj, ConvertError> {
    let namespace = m.spec.as_ref().and_then(|s| s.namespace.clone());
    let spec = Obj::new().str("namespace", &namespace).build();
    let default = authz::SubjectRulesReviewStatus::default();
    let s = m.status.as_ref().unwrap_or(&default);
    let resource_rules = s
        .resource_rules
        .iter()
        .map(|r| {
            Obj::new()
                .strs_req("verbs", &r.verbs)
                .strs("apiGroups", &r.api_groups)
                .strs("resources", &r.resources)
                .strs("resourceNames", &r.resource_names)
                .build()
        })
        .collect();
    let non_resource_rules = s
        .non_resource_rules
        .iter()
        .map(|r| {
            Obj::new()
                .strs_req("verbs", &r.verbs)
                .strs("nonResourceURLs", &r.non_resource_ur_ls)
                .build()
        })
        .collect();
    let status = Obj::new()
        .list_req("resourceRules", resource_rules)
        .list_req("nonResourceRules", non_resource_rules)
        .bool_req("incomplete", s.incomplete)
        .str("evaluationError", &s.evaluation_error)
        .build();
    review(m.metadata.as_ref(), spec, status)
}

fn review(metadata: Option<&ObjectMeta>, spec: Value, status: Value) -> Result<Obj, ConvertError> {
    Ok(Obj::new()
        .obj("metadata", object_meta(metadata)?)
        .obj("spec", spec)
        .obj("status", status))
}

fn sar_spec(s: Option<&authz::SubjectAccessReviewSpec>) -> Result<Value, ConvertError> {
    let default = authz::SubjectAccessReviewSpec::default();
    let s = s.unwrap_or(&default);
    Ok(attributes(
        Obj::new(),
        s.resource_attributes.as_ref(),
        s.non_resource_attributes.as_ref(),
    )?
    .str("user", &s.user)
    .strs("groups", &s.groups)
    .extra(
        "extra",
        s.extra.iter().map(|(k, v)| (k, v.items.as_slice())),
    )
    .str("uid", &s.uid)
    .build())
}

/// `resourceAttributes` and `nonResourceAttributes`: pointers, present when set.
fn attributes(
    obj: Obj,
    resource: Option<&authz::ResourceAttributes>,
    non_resource: Option<&authz::NonResourceAttributes>,
) -> Result<Obj, ConvertError> {
    let resource = match resource {
        None => None,
        Some(r) => Some(resource_attributes(r)?),
    };
    let non_resource =
        non_resource.map(|n| Obj::new().str("path", &n.path).str("verb", &n.verb).build());
    Ok(obj
        .obj_opt("resourceAttributes", resource)
        .obj_opt("nonResourceAttributes", non_resource))
}

fn resource_attributes(r: &authz::ResourceAttributes) -> Result<Value, ConvertError> {
    let field_selector = match &r.field_selector {
        None => None,
        Some(f) => Some(
            Obj::new()
                .str("rawSelector", &f.raw_selector)
                .list(
                    "requirements",
                    each(&f.requirements, field_selector_requirement)?,
                )
                .build(),
        ),
    };
    let label_selector = match &r.label_selector {
        None => None,
        Some(l) => Some(
            Obj::new()
                .str("rawSelector", &l.raw_selector)
                .list(
                    "requirements",
                    each(&l.requirements, label_selector_requirement)?,
                )
                .build(),
        ),
    };
    Ok(Obj::new()
        .str("namespace", &r.namespace)
        .str("verb", &r.verb)
        .str("group", &r.group)
        .str("version", &r.version)
        .str("resource", &r.resource)
        .str("subresource", &r.subresource)
        .str("name", &r.name)
        .obj_opt("fieldSelector", field_selector)
        .obj_opt("labelSelector", label_selector)
        .build())
}

fn sar_status(s: Option<&authz::SubjectAccessReviewStatus>) -> Value {
    let default = authz::SubjectAccessReviewStatus::default();
    let s = s.unwrap_or(&default);
    Obj::new()
        .bool_req("allowed", s.allowed)
        .bool("denied", s.denied)
        .str("reason", &s.reason)
        .str("evaluationError", &s.evaluation_error)
        .build()
}

pub(super) fn token_review(m: &authn::TokenReview) -> Result<Obj, ConvertError> {
    let spec = match &m.spec {
        None => Obj::new().build(),
        Some(s) => Obj::new()
            .str("token", &s.token)
            .strs("audiences", &s.audiences)
            .build(),
    };
    let default = authn::TokenReviewStatus::default();
    let s = m.status.as_ref().unwrap_or(&default);
    let status = Obj::new()
        .bool("authenticated", s.authenticated)
        .obj("user", user_info(s.user.as_ref()))
        .strs("audiences", &s.audiences)
        .str("error", &s.error)
        .build();
    review(m.metadata.as_ref(), spec, status)
}

/// `SelfSubjectReview` has no spec; `status.userInfo` is a struct and always present.
pub(super) fn self_subject_review(m: &authn::SelfSubjectReview) -> Result<Obj, ConvertError> {
    let user = user_info(m.status.as_ref().and_then(|s| s.user_info.as_ref()));
    Ok(Obj::new()
        .obj("metadata", object_meta(m.metadata.as_ref())?)
        .obj("status", Obj::new().obj("userInfo", user).build()))
}

fn user_info(u: Option<&authn::UserInfo>) -> Value {
    let default = authn::UserInfo::default();
    let u = u.unwrap_or(&default);
    Obj::new()
        .str("username", &u.username)
        .str("uid", &u.uid)
        .strs("groups", &u.groups)
        .extra(
            "extra",
            u.extra.iter().map(|(k, v)| (k, v.items.as_slice())),
        )
        .build()
}
