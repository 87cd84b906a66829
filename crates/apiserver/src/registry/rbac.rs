//! Strategies for `rbac.authorization.k8s.io/v1` Role, ClusterRole, RoleBinding and
//! ClusterRoleBinding: defaulting and validation as upstream, and the privilege-escalation checks
//! kube-apiserver runs on every write (a user may only grant what it holds, unless it has
//! `escalate` on the role or `bind` on the referenced role).

use std::sync::Arc;

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef,
};
use serde::Serialize;
use serde_json::{Value, json};
use signet_api::field::FieldError;
use signet_api::rbac::{self as rbac, RequestAttributes};

use super::table::age;
use super::{Endpoint, RequestContext, ResourceInfo, Strategy};
use crate::error::ApiError;
use crate::rbac_authorizer::RbacAuthorizer;

const GROUP: &str = "rbac.authorization.k8s.io";

/// Which RBAC kind a strategy serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RbacKind {
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
}

const fn info(
    resource: &'static str,
    kind: &'static str,
    list_kind: &'static str,
    namespaced: bool,
) -> ResourceInfo {
    ResourceInfo {
        group: GROUP,
        version: "v1",
        resource,
        kind,
        list_kind,
        namespaced,
        subresources: &[],
    }
}

pub const ROLES: ResourceInfo = info("roles", "Role", "RoleList", true);
pub const CLUSTER_ROLES: ResourceInfo =
    info("clusterroles", "ClusterRole", "ClusterRoleList", false);
pub const ROLE_BINDINGS: ResourceInfo =
    info("rolebindings", "RoleBinding", "RoleBindingList", true);
pub const CLUSTER_ROLE_BINDINGS: ResourceInfo = info(
    "clusterrolebindings",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    false,
);

/// The strategy of one RBAC kind.
pub struct RbacStrategy {
    kind: RbacKind,
    rbac: Arc<RbacAuthorizer>,
}

impl RbacStrategy {
    pub fn new(kind: RbacKind, rbac: Arc<RbacAuthorizer>) -> Self {
        RbacStrategy { kind, rbac }
    }

    /// All four strategies.
    pub fn all(rbac: &Arc<RbacAuthorizer>) -> Vec<RbacStrategy> {
        [
            RbacKind::Role,
            RbacKind::ClusterRole,
            RbacKind::RoleBinding,
            RbacKind::ClusterRoleBinding,
        ]
        .into_iter()
        .map(|k| RbacStrategy::new(k, rbac.clone()))
        .collect()
    }
}

fn to_value<T: Serialize>(obj: &T) -> Option<Value> {
    serde_json::to_value(obj).ok()
}

fn rules_of(obj: &Value) -> Vec<PolicyRule> {
    obj.get("rules")
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or_default()
}

fn role_ref_of(obj: &Value) -> Option<RoleRef> {
    obj.get("roleRef")
        .and_then(|r| serde_json::from_value(r.clone()).ok())
}

fn meta<'a>(obj: &'a Value, f: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(f))
        .and_then(Value::as_str)
        .unwrap_or("")
}

impl RbacStrategy {
    fn default_object(&self, obj: &mut Value) {
        match self.kind {
            RbacKind::RoleBinding | RbacKind::ClusterRoleBinding => {
                if let Some(mut r) = role_ref_of(obj) {
                    rbac::default_role_ref(&mut r);
                    if let Some(v) = to_value(&r) {
                        obj["roleRef"] = v;
                    }
                }
                if let Some(mut subjects) = obj.get("subjects").and_then(|s| {
                    serde_json::from_value::<Vec<k8s_openapi::api::rbac::v1::Subject>>(s.clone())
                        .ok()
                }) {
                    rbac::default_subjects(&mut subjects);
                    if let Some(v) = to_value(&subjects) {
                        obj["subjects"] = v;
                    }
                }
            }
            RbacKind::Role | RbacKind::ClusterRole => {}
        }
    }

    fn forbidden(&self, name: &str, why: &str) -> ApiError {
        ApiError::forbidden_for(GROUP, self.info().resource, name, why)
    }

    /// upstream's role escalation check (`RoleEscalationAuthorized` + `ConfirmNoEscalation`).
    fn check_role_write(&self, ctx: &RequestContext, obj: &Value) -> Result<(), ApiError> {
        let u = &ctx.user;
        if rbac::privileged_group_allows(&u.groups) {
            return Ok(());
        }
        let name = meta(obj, "name");
        let namespace = meta(obj, "namespace");
        let escalate =
            RequestAttributes::escalate(&u.name, &u.groups, self.info().resource, namespace, name);
        if ctx.authz.authorize(&from_rbac(&escalate, u)).allowed {
            return Ok(());
        }
        let (held, errors) = self
            .rbac
            .with_snapshot(|s| s.escalation_rules_for(&u.name, &u.groups, namespace))
            .unwrap_or_default();
        let has_aggregation = obj
            .get("aggregationRule")
            .and_then(|a| a.get("clusterRoleSelectors"))
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        if self.kind == RbacKind::ClusterRole && has_aggregation {
            let (full, _) = rbac::covers(&held, &rbac::full_authority());
            if !full {
                return Err(self.forbidden(
                    name,
                    "must have cluster-admin privileges to use the aggregationRule",
                ));
            }
        }
        let (ok, missing) = rbac::covers(&held, &rules_of(obj));
        if ok {
            return Ok(());
        }
        Err(self.forbidden(
            name,
            &rbac::escalation_message(&u.name, &u.groups, &missing, &errors),
        ))
    }

    /// upstream's binding escalation check (`BindingAuthorized` + `ConfirmNoEscalation` on the
    /// referenced role's rules).
    fn check_binding_write(&self, ctx: &RequestContext, obj: &Value) -> Result<(), ApiError> {
        let u = &ctx.user;
        if rbac::privileged_group_allows(&u.groups) {
            return Ok(());
        }
        let name = meta(obj, "name");
        let namespace = meta(obj, "namespace");
        let Some(role_ref) = role_ref_of(obj) else {
            return Ok(());
        };
        if let Some(bind) = RequestAttributes::bind(&u.name, &u.groups, &role_ref, namespace)
            && ctx.authz.authorize(&from_rbac(&bind, u)).allowed
        {
            return Ok(());
        }
        let resolved = self.rbac.with_snapshot(|s| {
            let rules = s
                .role_ref_rules(&role_ref, namespace)
                .map(<[PolicyRule]>::to_vec);
            let held = s.escalation_rules_for(&u.name, &u.groups, namespace);
            (rules, held)
        });
        let Some((rules, (held, errors))) = resolved else {
            return Err(ApiError::internal("the RBAC policy cache is unavailable"));
        };
        let rules = rules.map_err(|e| {
            let resource = if role_ref.kind == "Role" {
                "roles"
            } else {
                "clusterroles"
            };
            let mut err = ApiError::not_found(
                crate::error::GroupResource::new(GROUP, "clusterroles"),
                &role_ref.name,
            );
            err.message = e.to_string();
            if let Some(d) = err.details.as_mut() {
                d["kind"] = json!(resource);
            }
            err
        })?;
        let (ok, missing) = rbac::covers(&held, &rules);
        if ok {
            return Ok(());
        }
        Err(self.forbidden(
            name,
            &rbac::escalation_message(&u.name, &u.groups, &missing, &errors),
        ))
    }
}

/// Our attributes from the RBAC form (for asking the authorizer chain a side question).
fn from_rbac(a: &RequestAttributes, user: &crate::user::UserInfo) -> crate::authz::Attributes {
    crate::authz::Attributes {
        user: user.clone(),
        verb: a.verb.clone(),
        is_resource_request: a.is_resource_request,
        api_group: a.api_group.clone(),
        api_version: "*".to_string(),
        namespace: a.namespace.clone(),
        resource: a.resource.clone(),
        subresource: a.subresource.clone(),
        name: a.name.clone(),
        path: a.path.clone(),
    }
}

fn subjects_of_kind(obj: &Value, kind: &str) -> String {
    let names: Vec<String> = obj
        .get("subjects")
        .and_then(Value::as_array)
        .map(|ss| {
            ss.iter()
                .filter(|s| s.get("kind").and_then(Value::as_str) == Some(kind))
                .map(|s| {
                    let name = s.get("name").and_then(Value::as_str).unwrap_or("");
                    match (kind, s.get("namespace").and_then(Value::as_str)) {
                        ("ServiceAccount", Some(ns)) => format!("{ns}/{name}"),
                        _ => name.to_string(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    names.join(", ")
}

impl Strategy for RbacStrategy {
    fn info(&self) -> &ResourceInfo {
        match self.kind {
            RbacKind::Role => &ROLES,
            RbacKind::ClusterRole => &CLUSTER_ROLES,
            RbacKind::RoleBinding => &ROLE_BINDINGS,
            RbacKind::ClusterRoleBinding => &CLUSTER_ROLE_BINDINGS,
        }
    }

    fn round_trip(&self, obj: &Value) -> Result<Value, String> {
        match self.kind {
            RbacKind::Role => super::round_trip_as::<Role>(obj),
            RbacKind::ClusterRole => super::round_trip_as::<ClusterRole>(obj),
            RbacKind::RoleBinding => super::round_trip_as::<RoleBinding>(obj),
            RbacKind::ClusterRoleBinding => super::round_trip_as::<ClusterRoleBinding>(obj),
        }
    }

    fn prepare_for_create(&self, _ctx: &RequestContext, obj: &mut Value) {
        self.default_object(obj);
    }

    fn validate_create(&self, obj: &Value) -> Vec<FieldError> {
        match self.kind {
            RbacKind::Role => super::validate_typed::<Role>(obj, |r| rbac::validate_role(&r)),
            RbacKind::ClusterRole => {
                super::validate_typed::<ClusterRole>(obj, |r| rbac::validate_cluster_role(&r))
            }
            RbacKind::RoleBinding => {
                super::validate_typed::<RoleBinding>(obj, |r| rbac::validate_role_binding(&r))
            }
            RbacKind::ClusterRoleBinding => super::validate_typed::<ClusterRoleBinding>(obj, |r| {
                rbac::validate_cluster_role_binding(&r)
            }),
        }
    }

    fn prepare_for_update(
        &self,
        _ctx: &RequestContext,
        _ep: Endpoint<'_>,
        new: &mut Value,
        _old: &Value,
    ) {
        self.default_object(new);
    }

    fn validate_update(&self, _ep: Endpoint<'_>, new: &Value, old: &Value) -> Vec<FieldError> {
        match self.kind {
            RbacKind::Role => super::validate_typed_update::<Role>(new, old, |n, o| {
                rbac::validate_role_update(&n, &o)
            }),
            RbacKind::ClusterRole => {
                super::validate_typed_update::<ClusterRole>(new, old, |n, o| {
                    rbac::validate_cluster_role_update(&n, &o)
                })
            }
            RbacKind::RoleBinding => {
                super::validate_typed_update::<RoleBinding>(new, old, |n, o| {
                    rbac::validate_role_binding_update(&n, &o)
                })
            }
            RbacKind::ClusterRoleBinding => {
                super::validate_typed_update::<ClusterRoleBinding>(new, old, |n, o| {
                    rbac::validate_cluster_role_binding_update(&n, &o)
                })
            }
        }
    }

    fn admit_create(&self, ctx: &RequestContext, obj: &Value) -> Result<(), ApiError> {
        match self.kind {
            RbacKind::Role | RbacKind::ClusterRole => self.check_role_write(ctx, obj),
            RbacKind::RoleBinding | RbacKind::ClusterRoleBinding => {
                self.check_binding_write(ctx, obj)
            }
        }
    }

    fn admit_update(
        &self,
        ctx: &RequestContext,
        _ep: Endpoint<'_>,
        new: &Value,
        old: &Value,
    ) -> Result<(), ApiError> {
        // Updates that leave the granted permissions alone (labels, finalizers, owner
        // references) need no escalation check.
        let grants = |o: &Value| {
            (
                o.get("rules").cloned(),
                o.get("aggregationRule").cloned(),
                o.get("roleRef").cloned(),
                o.get("subjects").cloned(),
            )
        };
        if grants(new) == grants(old) {
            return Ok(());
        }
        self.admit_create(ctx, new)
    }

    fn field_value(&self, obj: &Value, field: &str) -> Result<Option<String>, String> {
        match field {
            "metadata.name" => Ok(Some(meta(obj, "name").to_string())),
            "metadata.namespace" => Ok(Some(meta(obj, "namespace").to_string())),
            other => Err(format!("field label not supported: {other}")),
        }
    }

    fn table_columns(&self) -> Vec<Value> {
        let col = |name: &str, ty: &str, priority: i32| json!({"name": name, "type": ty, "format": if name == "Name" { "name" } else { "" }, "description": "", "priority": priority});
        match self.kind {
            RbacKind::Role | RbacKind::ClusterRole => {
                vec![col("Name", "string", 0), col("Created At", "date", 0)]
            }
            RbacKind::RoleBinding | RbacKind::ClusterRoleBinding => vec![
                col("Name", "string", 0),
                col("Role", "string", 0),
                col("Age", "string", 0),
                col("Users", "string", 1),
                col("Groups", "string", 1),
                col("ServiceAccounts", "string", 1),
            ],
        }
    }

    fn table_cells(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
        let name = meta(obj, "name");
        match self.kind {
            RbacKind::Role | RbacKind::ClusterRole => {
                vec![json!(name), json!(meta(obj, "creationTimestamp"))]
            }
            RbacKind::RoleBinding | RbacKind::ClusterRoleBinding => {
                let role = role_ref_of(obj)
                    .map(|r| format!("{}/{}", r.kind, r.name))
                    .unwrap_or_default();
                vec![
                    json!(name),
                    json!(role),
                    json!(age(obj, now)),
                    json!(subjects_of_kind(obj, "User")),
                    json!(subjects_of_kind(obj, "Group")),
                    json!(subjects_of_kind(obj, "ServiceAccount")),
                ]
            }
        }
    }
}
