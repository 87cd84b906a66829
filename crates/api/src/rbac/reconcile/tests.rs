//! Reconciling bootstrap objects with stored ones (union mode), after upstream's
//! `reconcile_role_test.go` and `reconcile_rolebindings_test.go`.

use k8s_openapi::api::rbac::v1::{PolicyRule, RoleRef};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::*;
use crate::rbac::bootstrap::{bootstrap_cluster_role_bindings, bootstrap_cluster_roles};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(verbs: &[&str], resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: Some(vec![String::new()]),
        resources: Some(strings(resources)),
        ..PolicyRule::default()
    }
}

fn map(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn role(
    labels: &[(&str, &str)],
    annotations: &[(&str, &str)],
    rules: Vec<PolicyRule>,
) -> ClusterRole {
    ClusterRole {
        metadata: ObjectMeta {
            name: Some("r".into()),
            labels: map(labels),
            annotations: map(annotations),
            ..ObjectMeta::default()
        },
        rules: Some(rules),
        aggregation_rule: None,
    }
}

const LABEL: (&str, &str) = ("kubernetes.io/bootstrapping", "rbac-defaults");
const AUTO: (&str, &str) = ("rbac.authorization.kubernetes.io/autoupdate", "true");
const NO_AUTO: (&str, &str) = ("rbac.authorization.kubernetes.io/autoupdate", "false");

#[test]
fn missing_role_is_created() {
    let want = role(&[LABEL], &[AUTO], vec![rule(&["get"], &["pods"])]);
    assert_eq!(
        reconcile(None, &want),
        ReconcileAction::Create(want.clone())
    );
}

#[test]
fn complete_role_is_unchanged_even_with_user_additions() {
    let want = role(&[LABEL], &[AUTO], vec![rule(&["get"], &["pods"])]);
    let mut stored = role(
        &[LABEL, ("team", "a")],
        &[AUTO, ("note", "x")],
        vec![
            rule(&["get", "list"], &["pods"]),
            rule(&["get"], &["secrets"]),
        ],
    );
    stored.metadata.resource_version = Some("7".into());
    assert_eq!(reconcile(Some(&stored), &want), ReconcileAction::Unchanged);
}

#[test]
fn missing_rules_are_appended_as_atoms() {
    let want = role(
        &[LABEL],
        &[AUTO],
        vec![rule(&["get", "list", "watch"], &["pods"])],
    );
    let mut stored = role(
        &[LABEL],
        &[AUTO],
        vec![rule(&["get"], &["pods"]), rule(&["delete"], &["x"])],
    );
    stored.metadata.resource_version = Some("7".into());
    let ReconcileAction::Update(updated) = reconcile(Some(&stored), &want) else {
        panic!("expected an update");
    };
    assert_eq!(
        updated.rules,
        Some(vec![
            rule(&["get"], &["pods"]),
            rule(&["delete"], &["x"]),
            rule(&["list"], &["pods"]),
            rule(&["watch"], &["pods"]),
        ])
    );
    assert_eq!(updated.metadata.resource_version.as_deref(), Some("7"));
}

#[test]
fn labels_and_annotations_are_merged_stored_values_winning() {
    let want = role(&[LABEL, ("extra", "1")], &[AUTO], vec![]);
    let stored = role(&[("extra", "mine")], &[], vec![]);
    let ReconcileAction::Update(updated) = reconcile(Some(&stored), &want) else {
        panic!("expected an update");
    };
    assert_eq!(updated.metadata.labels, map(&[LABEL, ("extra", "mine")]));
    assert_eq!(updated.metadata.annotations, map(&[AUTO]));
    let mut bare = stored.clone();
    bare.metadata.labels = None;
    bare.metadata.annotations = None;
    assert!(matches!(
        reconcile(Some(&bare), &want),
        ReconcileAction::Update(_)
    ));
}

#[test]
fn autoupdate_false_protects() {
    let want = role(&[LABEL], &[AUTO], vec![rule(&["get"], &["pods"])]);
    let stored = role(&[LABEL], &[NO_AUTO], vec![]);
    assert_eq!(reconcile(Some(&stored), &want), ReconcileAction::Protected);
    // A protected object that needs nothing is simply unchanged.
    let complete = role(&[LABEL], &[NO_AUTO], vec![rule(&["*"], &["*"])]);
    assert_eq!(
        reconcile(Some(&complete), &want),
        ReconcileAction::Unchanged
    );
}

fn selecting(label: &str) -> LabelSelector {
    LabelSelector {
        match_labels: map(&[(label, "true")]),
        match_expressions: None,
    }
}

#[test]
fn aggregation_selectors_are_united() {
    let mut want = role(&[LABEL], &[AUTO], vec![]);
    want.aggregation_rule = Some(AggregationRule {
        cluster_role_selectors: Some(vec![selecting("a"), selecting("b")]),
    });
    let mut stored = role(&[LABEL], &[AUTO], vec![]);
    assert!(
        matches!(reconcile(Some(&stored), &want), ReconcileAction::Update(ref r)
        if r.aggregation_rule == want.aggregation_rule)
    );
    stored.aggregation_rule = Some(AggregationRule {
        cluster_role_selectors: Some(vec![selecting("b"), selecting("mine")]),
    });
    let ReconcileAction::Update(updated) = reconcile(Some(&stored), &want) else {
        panic!("expected an update");
    };
    assert_eq!(
        updated.aggregation_rule,
        Some(AggregationRule {
            cluster_role_selectors: Some(vec![selecting("b"), selecting("mine"), selecting("a")]),
        })
    );
}

fn binding(role: &str, subjects: Vec<Subject>, annotations: &[(&str, &str)]) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: ObjectMeta {
            name: Some("b".into()),
            labels: map(&[LABEL]),
            annotations: map(annotations),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".into()),
            kind: "ClusterRole".into(),
            name: role.into(),
        },
        subjects: Some(subjects),
    }
}

fn group(name: &str) -> Subject {
    Subject {
        kind: "Group".into(),
        api_group: Some("rbac.authorization.k8s.io".into()),
        name: name.into(),
        namespace: None,
    }
}

#[test]
fn binding_subjects_are_united() {
    let want = binding("r", vec![group("a"), group("b"), group("a")], &[AUTO]);
    assert_eq!(
        reconcile_binding(None, &want),
        ReconcileAction::Create(want.clone())
    );
    let stored = binding("r", vec![group("mine"), group("b")], &[AUTO]);
    let ReconcileAction::Update(updated) = reconcile_binding(Some(&stored), &want) else {
        panic!("expected an update");
    };
    assert_eq!(
        updated.subjects,
        Some(vec![group("mine"), group("b"), group("a")])
    );
    assert_eq!(
        reconcile_binding(Some(&updated), &want),
        ReconcileAction::Unchanged
    );
}

#[test]
fn service_account_subjects_compare_without_api_group() {
    let sa = |group: Option<&str>| Subject {
        kind: "ServiceAccount".into(),
        api_group: group.map(str::to_string),
        name: "sa".into(),
        namespace: Some("ns".into()),
    };
    let want = binding("r", vec![sa(None)], &[AUTO]);
    let stored = binding("r", vec![sa(Some(""))], &[AUTO]);
    assert_eq!(
        reconcile_binding(Some(&stored), &want),
        ReconcileAction::Unchanged
    );
}

#[test]
fn changed_role_ref_recreates_unless_protected() {
    let want = binding("r", vec![group("a")], &[AUTO]);
    let stored = binding("other", vec![group("a")], &[AUTO]);
    assert_eq!(
        reconcile_binding(Some(&stored), &want),
        ReconcileAction::Recreate(want.clone())
    );
    let protected = binding("other", vec![group("a")], &[NO_AUTO]);
    assert_eq!(
        reconcile_binding(Some(&protected), &want),
        ReconcileAction::Protected
    );
    let protected_missing = binding("r", vec![], &[NO_AUTO]);
    assert_eq!(
        reconcile_binding(Some(&protected_missing), &want),
        ReconcileAction::Protected
    );
}

#[test]
fn bootstrap_policy_reconciles_to_itself() {
    for r in bootstrap_cluster_roles() {
        assert_eq!(reconcile(Some(&r), &r), ReconcileAction::Unchanged);
    }
    for b in bootstrap_cluster_role_bindings() {
        assert_eq!(reconcile_binding(Some(&b), &b), ReconcileAction::Unchanged);
    }
}
