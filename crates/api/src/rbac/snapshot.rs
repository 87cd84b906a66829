//! The RBAC objects the authorizer reads, held in memory and kept current by the API server
//! from a watch, and the rule resolution over them (upstream `DefaultRuleResolver` in
//! `pkg/registry/rbac/validation/rule.go`).
//!
//! Resolution visits ClusterRoleBindings first, then — for a namespaced request — the
//! RoleBindings of that namespace, each in name order. A binding contributes the rules of
//! its role only if one of its subjects names the user; a binding whose role is missing
//! contributes an error instead, which never denies anything by itself (RBAC is purely
//! additive) but is reported.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

use super::matching::subject_applies;
use super::names::{KIND_CLUSTER_ROLE, KIND_ROLE};
use crate::goformat::go_quote;

/// Why a binding's role reference gave no rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoleRefError {
    /// The referenced role does not exist. `resource` is how the reader names it: the
    /// authorizer's informer cache says `clusterrole`/`role`, the registry (used by the
    /// escalation checks) says `clusterroles`/`roles`.
    #[error("{resource}.rbac.authorization.k8s.io {} not found", go_quote(.name))]
    NotFound {
        resource: &'static str,
        name: String,
    },
    /// `roleRef.kind` is neither `Role` nor `ClusterRole` (validation prevents this).
    #[error("unsupported role reference kind: {}", go_quote(.kind))]
    UnsupportedKind { kind: String },
}

/// Which reader's wording [`RoleRefError::NotFound`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wording {
    /// The authorizer's informer cache (`clusterrole.rbac.authorization.k8s.io "x" not found`).
    Authorizer,
    /// The registry behind the escalation checks (`clusterroles.rbac...`).
    Registry,
}

impl Wording {
    fn resource(self, kind: &str) -> &'static str {
        match (self, kind == KIND_CLUSTER_ROLE) {
            (Wording::Authorizer, true) => "clusterrole",
            (Wording::Authorizer, false) => "role",
            (Wording::Registry, true) => "clusterroles",
            (Wording::Registry, false) => "roles",
        }
    }
}

/// The binding (and the subject in it) a visited rule comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    ClusterRoleBinding(&'a ClusterRoleBinding, &'a Subject),
    RoleBinding(&'a RoleBinding, &'a Subject),
}

/// One step of rule resolution.
pub(crate) enum Visit<'a> {
    Rule(Source<'a>, &'a PolicyRule),
    Error(RoleRefError),
}

/// Every Role, ClusterRole, RoleBinding and ClusterRoleBinding, keyed by (namespace and)
/// name.
#[derive(Clone, Debug, Default)]
pub struct RbacSnapshot {
    cluster_roles: BTreeMap<String, ClusterRole>,
    cluster_role_bindings: BTreeMap<String, ClusterRoleBinding>,
    roles: BTreeMap<(String, String), Role>,
    role_bindings: BTreeMap<(String, String), RoleBinding>,
}

fn name_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> String {
    meta.name.clone().unwrap_or_default()
}

fn key_of(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> (String, String) {
    (meta.namespace.clone().unwrap_or_default(), name_of(meta))
}

fn key(namespace: &str, name: &str) -> (String, String) {
    (namespace.to_string(), name.to_string())
}

impl RbacSnapshot {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a ClusterRole; returns the one it replaced.
    pub fn insert_cluster_role(&mut self, role: ClusterRole) -> Option<ClusterRole> {
        self.cluster_roles.insert(name_of(&role.metadata), role)
    }

    pub fn remove_cluster_role(&mut self, name: &str) -> Option<ClusterRole> {
        self.cluster_roles.remove(name)
    }

    /// Adds or replaces a ClusterRoleBinding; returns the one it replaced.
    pub fn insert_cluster_role_binding(
        &mut self,
        binding: ClusterRoleBinding,
    ) -> Option<ClusterRoleBinding> {
        self.cluster_role_bindings
            .insert(name_of(&binding.metadata), binding)
    }

    pub fn remove_cluster_role_binding(&mut self, name: &str) -> Option<ClusterRoleBinding> {
        self.cluster_role_bindings.remove(name)
    }

    /// Adds or replaces a Role (keyed by its namespace and name); returns the one it replaced.
    pub fn insert_role(&mut self, role: Role) -> Option<Role> {
        self.roles.insert(key_of(&role.metadata), role)
    }

    pub fn remove_role(&mut self, namespace: &str, name: &str) -> Option<Role> {
        self.roles.remove(&key(namespace, name))
    }

    /// Adds or replaces a RoleBinding (keyed by its namespace and name); returns the one it
    /// replaced.
    pub fn insert_role_binding(&mut self, binding: RoleBinding) -> Option<RoleBinding> {
        self.role_bindings
            .insert(key_of(&binding.metadata), binding)
    }

    pub fn remove_role_binding(&mut self, namespace: &str, name: &str) -> Option<RoleBinding> {
        self.role_bindings.remove(&key(namespace, name))
    }

    pub fn cluster_role(&self, name: &str) -> Option<&ClusterRole> {
        self.cluster_roles.get(name)
    }

    pub fn cluster_role_binding(&self, name: &str) -> Option<&ClusterRoleBinding> {
        self.cluster_role_bindings.get(name)
    }

    pub fn role(&self, namespace: &str, name: &str) -> Option<&Role> {
        self.roles.get(&key(namespace, name))
    }

    pub fn role_binding(&self, namespace: &str, name: &str) -> Option<&RoleBinding> {
        self.role_bindings.get(&key(namespace, name))
    }

    /// All ClusterRoles, by name.
    pub fn cluster_roles(&self) -> impl Iterator<Item = &ClusterRole> {
        self.cluster_roles.values()
    }

    /// All ClusterRoleBindings, by name.
    pub fn cluster_role_bindings(&self) -> impl Iterator<Item = &ClusterRoleBinding> {
        self.cluster_role_bindings.values()
    }

    /// All Roles, by namespace then name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// All RoleBindings, by namespace then name.
    pub fn role_bindings(&self) -> impl Iterator<Item = &RoleBinding> {
        self.role_bindings.values()
    }

    /// The RoleBindings of one namespace, by name.
    pub fn role_bindings_in<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = &'a RoleBinding> + use<'a> {
        let namespace = namespace.to_string();
        self.role_bindings
            .range(key(&namespace, "")..)
            .take_while(move |((ns, _), _)| *ns == namespace)
            .map(|(_, binding)| binding)
    }

    /// The rules a role reference grants, for the binding escalation check
    /// (`GetRoleReferenceRules`): a `Role` is looked up in the binding's namespace. Errors
    /// use the registry's wording (`clusterroles.rbac.authorization.k8s.io "x" not found`),
    /// which is what kube-apiserver returns (as a 404) when the role is missing.
    pub fn role_ref_rules(
        &self,
        role_ref: &RoleRef,
        binding_namespace: &str,
    ) -> Result<&[PolicyRule], RoleRefError> {
        self.resolve(role_ref, binding_namespace, Wording::Registry)
    }

    fn resolve(
        &self,
        role_ref: &RoleRef,
        binding_namespace: &str,
        wording: Wording,
    ) -> Result<&[PolicyRule], RoleRefError> {
        let not_found = || RoleRefError::NotFound {
            resource: wording.resource(&role_ref.kind),
            name: role_ref.name.clone(),
        };
        let rules = match role_ref.kind.as_str() {
            KIND_CLUSTER_ROLE => {
                &self
                    .cluster_role(&role_ref.name)
                    .ok_or_else(not_found)?
                    .rules
            }
            KIND_ROLE => {
                &self
                    .role(binding_namespace, &role_ref.name)
                    .ok_or_else(not_found)?
                    .rules
            }
            other => {
                return Err(RoleRefError::UnsupportedKind {
                    kind: other.to_string(),
                });
            }
        };
        Ok(rules.as_deref().unwrap_or_default())
    }

    /// Every rule that applies to the user in `namespace` (cluster-wide only when empty),
    /// and the resolution errors met on the way, in the authorizer's wording. This is what
    /// `SelfSubjectRulesReview` reports.
    pub fn rules_for(
        &self,
        user: &str,
        groups: &[String],
        namespace: &str,
    ) -> (Vec<PolicyRule>, Vec<String>) {
        self.collect_rules(user, groups, namespace, Wording::Authorizer)
    }

    /// As [`RbacSnapshot::rules_for`], with errors in the registry's wording, which is what
    /// the escalation checks on role and binding writes report in `resolution errors`.
    pub fn escalation_rules_for(
        &self,
        user: &str,
        groups: &[String],
        namespace: &str,
    ) -> (Vec<PolicyRule>, Vec<String>) {
        self.collect_rules(user, groups, namespace, Wording::Registry)
    }

    fn collect_rules(
        &self,
        user: &str,
        groups: &[String],
        namespace: &str,
        wording: Wording,
    ) -> (Vec<PolicyRule>, Vec<String>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        self.visit_rules_for(user, groups, namespace, wording, &mut |visit| {
            match visit {
                Visit::Rule(_, rule) => rules.push(rule.clone()),
                Visit::Error(e) => errors.push(e.to_string()),
            }
            ControlFlow::Continue(())
        });
        (rules, errors)
    }

    /// Calls `visitor` with each rule that applies to the user and each resolution error,
    /// stopping when it breaks (`VisitRulesFor`).
    pub(crate) fn visit_rules_for<'a>(
        &'a self,
        user: &str,
        groups: &[String],
        namespace: &str,
        wording: Wording,
        visitor: &mut dyn FnMut(Visit<'a>) -> ControlFlow<()>,
    ) {
        for binding in self.cluster_role_bindings.values() {
            let Some(subject) = applying_subject(&binding.subjects, user, groups, "") else {
                continue;
            };
            let source = Source::ClusterRoleBinding(binding, subject);
            if self
                .visit_role(&binding.role_ref, "", wording, source, visitor)
                .is_break()
            {
                return;
            }
        }
        if namespace.is_empty() {
            return;
        }
        for binding in self.role_bindings_in(namespace) {
            let Some(subject) = applying_subject(&binding.subjects, user, groups, namespace) else {
                continue;
            };
            let source = Source::RoleBinding(binding, subject);
            if self
                .visit_role(&binding.role_ref, namespace, wording, source, visitor)
                .is_break()
            {
                return;
            }
        }
    }

    fn visit_role<'a>(
        &'a self,
        role_ref: &RoleRef,
        binding_namespace: &str,
        wording: Wording,
        source: Source<'a>,
        visitor: &mut dyn FnMut(Visit<'a>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        match self.resolve(role_ref, binding_namespace, wording) {
            Ok(rules) => {
                for rule in rules {
                    visitor(Visit::Rule(source, rule))?;
                }
                ControlFlow::Continue(())
            }
            Err(e) => visitor(Visit::Error(e)),
        }
    }
}

/// The first subject of a binding that names the user (upstream `appliesTo`).
fn applying_subject<'a>(
    subjects: &'a Option<Vec<Subject>>,
    user: &str,
    groups: &[String],
    binding_namespace: &str,
) -> Option<&'a Subject> {
    subjects
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|s| subject_applies(s, user, groups, binding_namespace))
}
