//! Merging bootstrap objects into what is stored, as kube-apiserver's
//! `rbac/bootstrap-roles` post-start hook does in union mode (upstream
//! `pkg/registry/rbac/reconciliation`): missing objects are created, stored ones gain the
//! expected labels, annotations, rules (or selectors, or subjects) while keeping everything
//! users added, and an object annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`
//! is left alone.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{AggregationRule, ClusterRole, ClusterRoleBinding, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::coverage::covers;
use super::names::AUTO_UPDATE_ANNOTATION;
use super::selector::selectors_equal;

/// What to do with one bootstrap object.
#[derive(Clone, Debug, PartialEq)]
pub enum ReconcileAction<T> {
    /// Nothing is stored under this name: create this object.
    Create(T),
    /// The stored object lacks something: replace it with this one (the stored object with
    /// the missing parts added; it keeps the stored `resourceVersion`).
    Update(T),
    /// The stored binding refers to another role, and `roleRef` cannot change: delete it and
    /// create this one.
    Recreate(T),
    /// The stored object is complete.
    Unchanged,
    /// The stored object opts out of reconciliation and lacks something; the server should
    /// leave it alone and say so.
    Protected,
}

/// Reconciles a bootstrap ClusterRole with the stored one, if any.
pub fn reconcile(
    existing: Option<&ClusterRole>,
    bootstrap: &ClusterRole,
) -> ReconcileAction<ClusterRole> {
    let Some(existing) = existing else {
        return ReconcileAction::Create(bootstrap.clone());
    };
    let mut result = existing.clone();
    let mut changed = merge_metadata(&mut result.metadata, &bootstrap.metadata);

    let existing_rules = existing.rules.as_deref().unwrap_or_default();
    let (_, missing) = covers(
        existing_rules,
        bootstrap.rules.as_deref().unwrap_or_default(),
    );
    if !missing.is_empty() {
        result.rules.get_or_insert_with(Vec::new).extend(missing);
        changed = true;
    }

    let missing_selectors = missing_selectors(
        existing.aggregation_rule.as_ref(),
        bootstrap.aggregation_rule.as_ref(),
    );
    if !missing_selectors.is_empty() {
        result
            .aggregation_rule
            .get_or_insert_with(AggregationRule::default)
            .cluster_role_selectors
            .get_or_insert_with(Vec::new)
            .extend(missing_selectors);
        changed = true;
    }
    decide(is_protected(&existing.metadata), changed, result)
}

/// Reconciles a bootstrap ClusterRoleBinding with the stored one, if any: subjects are
/// united; a different `roleRef` means recreating the binding.
pub fn reconcile_binding(
    existing: Option<&ClusterRoleBinding>,
    bootstrap: &ClusterRoleBinding,
) -> ReconcileAction<ClusterRoleBinding> {
    let Some(existing) = existing else {
        return ReconcileAction::Create(bootstrap.clone());
    };
    let protected = is_protected(&existing.metadata);
    let group = |b: &ClusterRoleBinding| b.role_ref.api_group.clone().unwrap_or_default();
    if group(existing) != group(bootstrap)
        || existing.role_ref.kind != bootstrap.role_ref.kind
        || existing.role_ref.name != bootstrap.role_ref.name
    {
        return if protected {
            ReconcileAction::Protected
        } else {
            ReconcileAction::Recreate(bootstrap.clone())
        };
    }
    let mut result = existing.clone();
    let mut changed = merge_metadata(&mut result.metadata, &bootstrap.metadata);

    let stored = existing.subjects.as_deref().unwrap_or_default();
    let mut missing: Vec<Subject> = Vec::new();
    for s in bootstrap.subjects.iter().flatten() {
        let known = |list: &[Subject]| list.iter().any(|have| subjects_equal(have, s));
        if !known(stored) && !known(&missing) {
            missing.push(s.clone());
        }
    }
    if !missing.is_empty() {
        result.subjects.get_or_insert_with(Vec::new).extend(missing);
        changed = true;
    }
    decide(protected, changed, result)
}

fn decide<T>(protected: bool, changed: bool, result: T) -> ReconcileAction<T> {
    match (changed, protected) {
        (false, _) => ReconcileAction::Unchanged,
        (true, true) => ReconcileAction::Protected,
        (true, false) => ReconcileAction::Update(result),
    }
}

fn is_protected(meta: &ObjectMeta) -> bool {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(AUTO_UPDATE_ANNOTATION))
        .is_some_and(|v| v == "false")
}

/// Adds expected labels and annotations the stored object lacks; stored values win.
/// Returns whether anything changed.
fn merge_metadata(stored: &mut ObjectMeta, expected: &ObjectMeta) -> bool {
    let before = (stored.labels.clone(), stored.annotations.clone());
    merge_map(&mut stored.labels, &expected.labels);
    merge_map(&mut stored.annotations, &expected.annotations);
    before != (stored.labels.clone(), stored.annotations.clone())
}

fn merge_map(
    stored: &mut Option<BTreeMap<String, String>>,
    expected: &Option<BTreeMap<String, String>>,
) {
    let Some(expected) = expected else {
        return;
    };
    let map = stored.get_or_insert_with(BTreeMap::new);
    for (k, v) in expected {
        map.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

/// Expected selectors not semantically equal to any stored one (`aggregationRuleCovers`).
fn missing_selectors(
    stored: Option<&AggregationRule>,
    expected: Option<&AggregationRule>,
) -> Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector> {
    let Some(expected) = expected else {
        return Vec::new();
    };
    let stored: &[_] = stored
        .and_then(|s| s.cluster_role_selectors.as_deref())
        .unwrap_or_default();
    expected
        .cluster_role_selectors
        .iter()
        .flatten()
        .filter(|want| !stored.iter().any(|have| selectors_equal(have, want)))
        .cloned()
        .collect()
}

/// Subject equality as Go's struct `==` sees it: absent and empty strings are the same.
fn subjects_equal(a: &Subject, b: &Subject) -> bool {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    a.kind == b.kind
        && a.name == b.name
        && s(&a.api_group) == s(&b.api_group)
        && s(&a.namespace) == s(&b.namespace)
}

#[cfg(test)]
mod tests;
