//! The authorizer over a snapshot: upstream's reason texts, binding order, namespaces,
//! missing roles, and rule collection.

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::*;
use crate::rbac::snapshot::RoleRefError;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        ..PolicyRule::default()
    }
}

fn meta(namespace: Option<&str>, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        ..ObjectMeta::default()
    }
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: meta(None, name),
        rules: Some(rules),
        aggregation_rule: None,
    }
}

fn role(namespace: &str, name: &str, rules: Vec<PolicyRule>) -> Role {
    Role {
        metadata: meta(Some(namespace), name),
        rules: Some(rules),
    }
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef {
        api_group: Some("rbac.authorization.k8s.io".to_string()),
        kind: kind.to_string(),
        name: name.to_string(),
    }
}

fn subject(kind: &str, name: &str, namespace: Option<&str>) -> Subject {
    Subject {
        kind: kind.to_string(),
        api_group: None,
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
    }
}

fn crb(name: &str, role: &str, subjects: Vec<Subject>) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: meta(None, name),
        role_ref: role_ref("ClusterRole", role),
        subjects: Some(subjects),
    }
}

fn rb(namespace: &str, name: &str, kind: &str, role: &str, subjects: Vec<Subject>) -> RoleBinding {
    RoleBinding {
        metadata: meta(Some(namespace), name),
        role_ref: role_ref(kind, role),
        subjects: Some(subjects),
    }
}

const CERTS: &str = "certificates.k8s.io";
const CSRS: &str = "certificatesigningrequests";

fn snapshot() -> RbacSnapshot {
    let mut s = RbacSnapshot::new();
    s.insert_cluster_role(cluster_role(
        "csr-creator",
        vec![rule(&["create", "get"], &[CERTS], &[CSRS])],
    ));
    s.insert_cluster_role(cluster_role(
        "pod-reader",
        vec![rule(&["get"], &[""], &["pods"])],
    ));
    s.insert_cluster_role_binding(crb(
        "creators",
        "csr-creator",
        vec![subject("User", "alice", None)],
    ));
    s.insert_cluster_role_binding(crb(
        "nodes-create",
        "csr-creator",
        vec![
            subject("User", "nobody", None),
            subject("Group", "system:nodes", None),
        ],
    ));
    s.insert_role(role(
        "ns1",
        "cm-reader",
        vec![rule(&["get"], &[""], &["configmaps"])],
    ));
    s.insert_role_binding(rb(
        "ns1",
        "read-cm",
        "Role",
        "cm-reader",
        vec![subject("Group", "devs", None)],
    ));
    s.insert_role_binding(rb(
        "ns1",
        "sa-pods",
        "ClusterRole",
        "pod-reader",
        vec![subject("ServiceAccount", "builder", None)],
    ));
    s
}

#[test]
fn cluster_role_binding_reason_names_binding_role_and_subject() {
    let s = snapshot();
    let d = s.authorize(&RequestAttributes::resource(
        "alice",
        &[],
        "create",
        CERTS,
        CSRS,
    ));
    assert!(d.allowed);
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by ClusterRoleBinding "creators" of ClusterRole "csr-creator" to User "alice""#
    );
    assert_eq!(
        d.grant,
        Some(Grant {
            binding_kind: "ClusterRoleBinding".into(),
            binding_name: "creators".into(),
            binding_namespace: String::new(),
            role_kind: "ClusterRole".into(),
            role_name: "csr-creator".into(),
            subject_kind: "User".into(),
            subject_name: "alice".into(),
            subject_namespace: String::new(),
        })
    );
}

#[test]
fn reason_names_the_first_applying_subject() {
    let s = snapshot();
    let d = s.authorize(&RequestAttributes::resource(
        "node-1",
        &["system:nodes"],
        "get",
        CERTS,
        CSRS,
    ));
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by ClusterRoleBinding "nodes-create" of ClusterRole "csr-creator" to Group "system:nodes""#
    );
}

#[test]
fn role_binding_reason_uses_name_slash_namespace() {
    let s = snapshot();
    let a = RequestAttributes::resource("bob", &["devs"], "get", "", "configmaps")
        .with_namespace("ns1");
    let d = s.authorize(&a);
    assert!(d.allowed);
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by RoleBinding "read-cm/ns1" of Role "cm-reader" to Group "devs""#
    );
    let grant = d.grant.expect("grant");
    assert_eq!(grant.binding_kind, "RoleBinding");
    assert_eq!(grant.binding_namespace, "ns1");
}

#[test]
fn service_account_in_role_binding_takes_its_namespace() {
    let s = snapshot();
    let a =
        RequestAttributes::resource("system:serviceaccount:ns1:builder", &[], "get", "", "pods")
            .with_namespace("ns1");
    let d = s.authorize(&a);
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by RoleBinding "sa-pods/ns1" of ClusterRole "pod-reader" to ServiceAccount "builder/ns1""#
    );
    assert_eq!(d.grant.expect("grant").subject_namespace, "ns1");
    // The same service account in another namespace is a different user.
    let other =
        RequestAttributes::resource("system:serviceaccount:ns2:builder", &[], "get", "", "pods")
            .with_namespace("ns1");
    assert!(!s.authorize(&other).allowed);
}

#[test]
fn service_account_in_cluster_role_binding() {
    let mut s = snapshot();
    s.insert_cluster_role_binding(crb(
        "sa-all",
        "pod-reader",
        vec![
            subject("ServiceAccount", "builder", None),
            subject("ServiceAccount", "builder", Some("ns2")),
        ],
    ));
    let a =
        RequestAttributes::resource("system:serviceaccount:ns2:builder", &[], "get", "", "pods");
    let d = s.authorize(&a);
    // The namespace-less subject never applies cluster-wide; the second one does.
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by ClusterRoleBinding "sa-all" of ClusterRole "pod-reader" to ServiceAccount "builder/ns2""#
    );
    let a =
        RequestAttributes::resource("system:serviceaccount:ns1:builder", &[], "get", "", "pods");
    assert!(!s.authorize(&a).allowed);
}

#[test]
fn role_bindings_only_apply_in_their_namespace() {
    let s = snapshot();
    let a = |ns: &str| {
        RequestAttributes::resource("bob", &["devs"], "get", "", "configmaps").with_namespace(ns)
    };
    assert!(s.authorize(&a("ns1")).allowed);
    assert!(!s.authorize(&a("ns2")).allowed);
    assert!(!s.authorize(&a("")).allowed);
    // A namespace that sorts right after ns1 sees none of ns1's bindings.
    assert!(!s.authorize(&a("ns10")).allowed);
}

#[test]
fn no_match_is_no_opinion_with_empty_reason() {
    let s = snapshot();
    let d = s.authorize(&RequestAttributes::resource(
        "alice",
        &[],
        "delete",
        CERTS,
        CSRS,
    ));
    assert_eq!(
        d,
        RbacDecision {
            allowed: false,
            reason: String::new(),
            grant: None
        }
    );
}

#[test]
fn missing_roles_are_reported_only_when_nothing_allows() {
    let mut s = snapshot();
    s.insert_cluster_role_binding(crb(
        "a-dangling",
        "gone",
        vec![subject("User", "alice", None)],
    ));
    s.insert_cluster_role_binding(crb(
        "b-dangling",
        "gone",
        vec![subject("User", "alice", None)],
    ));
    s.insert_role_binding(rb(
        "ns1",
        "dangling",
        "Role",
        "gone-role",
        vec![subject("User", "alice", None)],
    ));
    // Another user's dangling binding resolves nothing and reports nothing.
    s.insert_cluster_role_binding(crb(
        "other",
        "missing-too",
        vec![subject("User", "carol", None)],
    ));

    let allowed = s.authorize(&RequestAttributes::resource(
        "alice",
        &[],
        "create",
        CERTS,
        CSRS,
    ));
    assert!(allowed.allowed);

    let one = s.authorize(&RequestAttributes::resource(
        "alice",
        &[],
        "delete",
        CERTS,
        CSRS,
    ));
    assert!(!one.allowed);
    // Two bindings to the same missing role give one message, bare.
    assert_eq!(
        one.reason,
        r#"RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found"#
    );

    let two = s.authorize(
        &RequestAttributes::resource("alice", &[], "delete", CERTS, CSRS).with_namespace("ns1"),
    );
    assert_eq!(
        two.reason,
        r#"RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "gone-role" not found]"#
    );
    assert_eq!(
        s.authorize(&RequestAttributes::resource("carol", &[], "get", "", "x"))
            .reason,
        r#"RBAC: clusterrole.rbac.authorization.k8s.io "missing-too" not found"#
    );
}

#[test]
fn cluster_role_bindings_are_visited_before_role_bindings() {
    let mut s = snapshot();
    s.insert_role_binding(rb(
        "ns1",
        "a-first",
        "ClusterRole",
        "csr-creator",
        vec![subject("User", "alice", None)],
    ));
    let d = s.authorize(
        &RequestAttributes::resource("alice", &[], "get", CERTS, CSRS).with_namespace("ns1"),
    );
    assert_eq!(d.grant.expect("grant").binding_kind, "ClusterRoleBinding");
}

#[test]
fn non_resource_requests_only_see_cluster_role_bindings() {
    let mut s = RbacSnapshot::new();
    s.insert_cluster_role(cluster_role(
        "health",
        vec![PolicyRule {
            verbs: strings(&["get"]),
            non_resource_urls: Some(strings(&["/healthz"])),
            ..PolicyRule::default()
        }],
    ));
    s.insert_cluster_role_binding(crb(
        "health",
        "health",
        vec![subject("Group", "system:authenticated", None)],
    ));
    let d = s.authorize(&RequestAttributes::non_resource(
        "x",
        &["system:authenticated"],
        "get",
        "/healthz",
    ));
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by ClusterRoleBinding "health" of ClusterRole "health" to Group "system:authenticated""#
    );
    assert!(
        !s.authorize(&RequestAttributes::non_resource(
            "x",
            &[],
            "get",
            "/healthz"
        ))
        .allowed
    );
}

#[test]
fn removing_objects_revokes() {
    let mut s = snapshot();
    let a = RequestAttributes::resource("alice", &[], "create", CERTS, CSRS);
    assert!(s.authorize(&a).allowed);
    assert!(s.remove_cluster_role_binding("creators").is_some());
    assert!(!s.authorize(&a).allowed);
    s.insert_cluster_role_binding(crb(
        "creators",
        "csr-creator",
        vec![subject("User", "alice", None)],
    ));
    assert!(s.remove_cluster_role("csr-creator").is_some());
    assert_eq!(
        s.authorize(&a).reason,
        r#"RBAC: clusterrole.rbac.authorization.k8s.io "csr-creator" not found"#
    );
    let b = RequestAttributes::resource("bob", &["devs"], "get", "", "configmaps")
        .with_namespace("ns1");
    assert!(s.authorize(&b).allowed);
    assert!(s.remove_role("ns1", "cm-reader").is_some());
    assert!(!s.authorize(&b).allowed);
    assert!(s.remove_role_binding("ns1", "read-cm").is_some());
    assert_eq!(s.authorize(&b).reason, "");
}

#[test]
fn unsupported_role_ref_kind() {
    let mut s = RbacSnapshot::new();
    let mut binding = crb("odd", "x", vec![subject("User", "alice", None)]);
    binding.role_ref.kind = "Policy".into();
    s.insert_cluster_role_binding(binding);
    let d = s.authorize(&RequestAttributes::resource(
        "alice",
        &[],
        "get",
        "",
        "pods",
    ));
    assert_eq!(
        d.reason,
        r#"RBAC: unsupported role reference kind: "Policy""#
    );
}

#[test]
fn rules_for_collects_cluster_and_namespace_rules_with_errors() {
    let mut s = snapshot();
    s.insert_cluster_role_binding(crb(
        "dangling",
        "gone",
        vec![subject("Group", "devs", None)],
    ));
    let groups = strings(&["devs", "system:nodes"]);
    let (rules, errors) = s.rules_for("bob", &groups, "ns1");
    assert_eq!(
        rules,
        vec![
            rule(&["create", "get"], &[CERTS], &[CSRS]),
            rule(&["get"], &[""], &["configmaps"]),
        ]
    );
    assert_eq!(
        errors,
        vec![r#"clusterrole.rbac.authorization.k8s.io "gone" not found"#]
    );
    let (cluster_only, _) = s.rules_for("bob", &groups, "");
    assert_eq!(
        cluster_only,
        vec![rule(&["create", "get"], &[CERTS], &[CSRS])]
    );
    // The escalation checks read through the registry, which names resources in plural.
    let (_, errors) = s.escalation_rules_for("bob", &groups, "ns1");
    assert_eq!(
        errors,
        vec![r#"clusterroles.rbac.authorization.k8s.io "gone" not found"#]
    );
}

#[test]
fn role_ref_rules_for_binding_checks() {
    let s = snapshot();
    assert_eq!(
        s.role_ref_rules(&role_ref("ClusterRole", "pod-reader"), "ns1"),
        Ok(&[rule(&["get"], &[""], &["pods"])][..])
    );
    assert_eq!(
        s.role_ref_rules(&role_ref("Role", "cm-reader"), "ns1"),
        Ok(&[rule(&["get"], &[""], &["configmaps"])][..])
    );
    let missing = s.role_ref_rules(&role_ref("Role", "cm-reader"), "ns2");
    assert_eq!(
        missing,
        Err(RoleRefError::NotFound {
            resource: "roles",
            name: "cm-reader".into()
        })
    );
    assert_eq!(
        missing.expect_err("missing").to_string(),
        r#"roles.rbac.authorization.k8s.io "cm-reader" not found"#
    );
    assert_eq!(
        s.role_ref_rules(&role_ref("ClusterRole", "nope"), "")
            .expect_err("missing")
            .to_string(),
        r#"clusterroles.rbac.authorization.k8s.io "nope" not found"#
    );
}

#[test]
fn snapshot_accessors() {
    let s = snapshot();
    assert!(s.cluster_role("pod-reader").is_some());
    assert!(s.cluster_role_binding("creators").is_some());
    assert!(s.role("ns1", "cm-reader").is_some());
    assert!(s.role("ns2", "cm-reader").is_none());
    assert!(s.role_binding("ns1", "read-cm").is_some());
    let names: Vec<_> = s
        .cluster_roles()
        .filter_map(|r| r.metadata.name.clone())
        .collect();
    assert_eq!(names, vec!["csr-creator", "pod-reader"]);
    assert_eq!(s.cluster_role_bindings().count(), 2);
    assert_eq!(s.roles().count(), 1);
    assert_eq!(s.role_bindings().count(), 2);
    assert_eq!(s.role_bindings_in("ns1").count(), 2);
    assert_eq!(s.role_bindings_in("ns").count(), 0);
}

#[test]
fn grant_serializes_in_camel_case() {
    let s = snapshot();
    let grant = s
        .authorize(&RequestAttributes::resource(
            "alice",
            &[],
            "get",
            CERTS,
            CSRS,
        ))
        .grant
        .expect("grant");
    let json = serde_json::to_value(&grant).expect("json");
    assert_eq!(json["bindingKind"], "ClusterRoleBinding");
    assert_eq!(json["roleName"], "csr-creator");
    assert_eq!(json["subjectNamespace"], "");
}

#[test]
fn go_error_aggregate_formats() {
    assert_eq!(go_error_aggregate(&[]), "");
    assert_eq!(go_error_aggregate(&strings(&["a"])), "a");
    assert_eq!(go_error_aggregate(&strings(&["a", "a"])), "a");
    assert_eq!(go_error_aggregate(&strings(&["a", "b", "a"])), "[a, b]");
}

#[test]
fn signer_name_checks_exact_then_domain_wildcard() {
    let mut s = RbacSnapshot::new();
    let signer_rule = |verb: &str, names: &[&str]| PolicyRule {
        resource_names: Some(strings(names)),
        ..rule(&[verb], &[CERTS], &["signers"])
    };
    s.insert_cluster_role(cluster_role(
        "exact",
        vec![signer_rule("approve", &["example.com/a"])],
    ));
    s.insert_cluster_role(cluster_role(
        "domain",
        vec![signer_rule("approve", &["example.com/*"])],
    ));
    s.insert_cluster_role_binding(crb("exact", "exact", vec![subject("User", "ann", None)]));
    s.insert_cluster_role_binding(crb("domain", "domain", vec![subject("User", "dan", None)]));

    let ann = s.authorize_signer_name("ann", &[], "approve", "example.com/a");
    assert_eq!(
        ann.reason,
        r#"RBAC: allowed by ClusterRoleBinding "exact" of ClusterRole "exact" to User "ann""#
    );
    assert!(
        !s.authorize_signer_name("ann", &[], "approve", "example.com/b")
            .allowed
    );
    assert!(
        !s.authorize_signer_name("ann", &[], "sign", "example.com/a")
            .allowed
    );
    let dan = s.authorize_signer_name("dan", &[], "approve", "example.com/anything/deeper");
    assert_eq!(dan.grant.expect("grant").binding_name, "domain");
    assert!(
        !s.authorize_signer_name("dan", &[], "approve", "example.org/a")
            .allowed
    );
}

#[test]
fn side_check_attributes() {
    let groups = strings(&["g"]);
    let [exact, domain] =
        RequestAttributes::signer_name_checks("u", &groups, "sign", "example.com/a/b");
    assert_eq!(
        exact,
        RequestAttributes {
            user: "u".into(),
            groups: groups.clone(),
            verb: "sign".into(),
            is_resource_request: true,
            api_group: "certificates.k8s.io".into(),
            resource: "signers".into(),
            name: "example.com/a/b".into(),
            ..RequestAttributes::default()
        }
    );
    assert_eq!(domain.name, "example.com/*");
    let [_, no_slash] = RequestAttributes::signer_name_checks("u", &groups, "sign", "odd");
    assert_eq!(no_slash.name, "odd/*");

    let escalate = RequestAttributes::escalate("u", &groups, "roles", "ns", "r");
    assert_eq!(
        (
            escalate.verb.as_str(),
            escalate.api_group.as_str(),
            escalate.resource.as_str(),
            escalate.namespace.as_str(),
            escalate.name.as_str()
        ),
        ("escalate", "rbac.authorization.k8s.io", "roles", "ns", "r")
    );
    assert!(escalate.is_resource_request);

    let bind = RequestAttributes::bind("u", &groups, &role_ref("ClusterRole", "view"), "ns")
        .expect("bindable");
    assert_eq!(
        (
            bind.verb.as_str(),
            bind.api_group.as_str(),
            bind.resource.as_str(),
            bind.namespace.as_str(),
            bind.name.as_str()
        ),
        (
            "bind",
            "rbac.authorization.k8s.io",
            "clusterroles",
            "ns",
            "view"
        )
    );
    let bind_role =
        RequestAttributes::bind("u", &groups, &role_ref("Role", "r"), "ns").expect("bindable");
    assert_eq!(bind_role.resource, "roles");
    assert_eq!(
        RequestAttributes::bind("u", &groups, &role_ref("Policy", "r"), ""),
        None
    );
}

#[test]
fn combined_resource() {
    let a = RequestAttributes::resource("u", &[], "get", CERTS, CSRS);
    assert_eq!(a.combined_resource(), "certificatesigningrequests");
    assert_eq!(
        a.with_subresource("approval").combined_resource(),
        "certificatesigningrequests/approval"
    );
}
