//! `rbac.authorization.k8s.io/v1`: Role, ClusterRole, RoleBinding and ClusterRoleBinding.
//!
//! JSON tags follow `k8s.io/api/rbac/v1/types.go`.  `rules` and `verbs` have no `omitempty`, so
//! they are always present.

use k8s_pb::api::rbac::v1 as rbac;
use k8s_pb::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::json::{ConvertError, Obj, each};
use super::meta::{label_selector, object_meta};

pub(super) fn role(m: &rbac::Role) -> Result<Obj, ConvertError> {
    Ok(Obj::new()
        .obj("metadata", object_meta(m.metadata.as_ref())?)
        .list_req("rules", m.rules.iter().map(policy_rule).collect()))
}

pub(super) fn cluster_role(m: &rbac::ClusterRole) -> Result<Obj, ConvertError> {
    let aggregation = match &m.aggregation_rule {
        None => None,
        Some(a) => Some(
            Obj::new()
                .list(
                    "clusterRoleSelectors",
                    each(&a.cluster_role_selectors, label_selector)?,
                )
                .build(),
        ),
    };
    Ok(Obj::new()
        .obj("metadata", object_meta(m.metadata.as_ref())?)
        .list_req("rules", m.rules.iter().map(policy_rule).collect())
        .obj_opt("aggregationRule", aggregation))
}

pub(super) fn role_binding(m: &rbac::RoleBinding) -> Result<Obj, ConvertError> {
    binding(m.metadata.as_ref(), &m.subjects, m.role_ref.as_ref())
}

pub(super) fn cluster_role_binding(m: &rbac::ClusterRoleBinding) -> Result<Obj, ConvertError> {
    binding(m.metadata.as_ref(), &m.subjects, m.role_ref.as_ref())
}

/// RoleBinding and ClusterRoleBinding share one shape; `roleRef` is a struct with three required
/// strings.
fn binding(
    metadata: Option<&ObjectMeta>,
    subjects: &[rbac::Subject],
    role_ref: Option<&rbac::RoleRef>,
) -> Result<Obj, ConvertError> {
    let default = rbac::RoleRef::default();
    let r = role_ref.unwrap_or(&default);
    let role_ref = Obj::new()
        .str_req("apiGroup", &r.api_group)
        .str_req("kind", &r.kind)
        .str_req("name", &r.name)
        .build();
    let subjects = subjects.iter().map(subject).collect();
    Ok(Obj::new()
        .obj("metadata", object_meta(metadata)?)
        .list("subjects", subjects)
        .obj("roleRef", role_ref))
}

fn subject(s: &rbac::Subject) -> Value {
    Obj::new()
        .str_req("kind", &s.kind)
        .str("apiGroup", &s.api_group)
        .str_req("name", &s.name)
        .str("namespace", &s.namespace)
        .build()
}

fn policy_rule(r: &rbac::PolicyRule) -> Value {
    Obj::new()
        .strs_req("verbs", &r.verbs)
        .strs("apiGroups", &r.api_groups)
        .strs("resources", &r.resources)
        .strs("resourceNames", &r.resource_names)
        .strs("nonResourceURLs", &r.non_resource_ur_ls)
        .build()
}
