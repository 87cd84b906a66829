//! The bootstrap policy: exact rules of the upstream roles, least privilege of Signet's
//! controllers (checked through the authorizer), metadata, and validity.

use super::*;
use crate::rbac::{
    RbacSnapshot, RequestAttributes, compact_rule_string, validate_cluster_role,
    validate_cluster_role_binding,
};

fn role_named(name: &str) -> ClusterRole {
    bootstrap_cluster_roles()
        .into_iter()
        .find(|r| r.metadata.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no bootstrap role {name}"))
}

fn rules_of(name: &str) -> Vec<String> {
    role_named(name)
        .rules
        .iter()
        .flatten()
        .map(compact_rule_string)
        .collect()
}

fn snapshot() -> RbacSnapshot {
    let mut s = RbacSnapshot::new();
    for r in bootstrap_cluster_roles() {
        s.insert_cluster_role(r);
    }
    for b in bootstrap_cluster_role_bindings() {
        s.insert_cluster_role_binding(b);
    }
    s
}

#[test]
fn names_are_unique_and_complete() {
    let names: Vec<String> = bootstrap_cluster_roles()
        .into_iter()
        .filter_map(|r| r.metadata.name)
        .collect();
    assert_eq!(
        names,
        vec![
            "cluster-admin",
            "system:discovery",
            "system:basic-user",
            "system:public-info-viewer",
            "system:node-bootstrapper",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            "system:certificates.k8s.io:legacy-unknown-approver",
            "system:certificates.k8s.io:kubelet-serving-approver",
            "system:certificates.k8s.io:kube-apiserver-client-approver",
            "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
            "system:controller:certificate-controller",
            "signet:controller:signer",
            "signet:controller:approver",
            "signet:controller:cleaner",
        ]
    );
}

#[test]
fn upstream_rules_exactly() {
    assert_eq!(
        rules_of("cluster-admin"),
        vec![
            r#"{APIGroups:["*"], Resources:["*"], Verbs:["*"]}"#,
            r#"{NonResourceURLs:["*"], Verbs:["*"]}"#,
        ]
    );
    assert_eq!(
        rules_of("system:discovery"),
        vec![
            r#"{NonResourceURLs:["/api" "/api/*" "/apis" "/apis/*" "/healthz" "/livez" "/openapi" "/openapi/*" "/readyz" "/version" "/version/"], Verbs:["get"]}"#
        ]
    );
    assert_eq!(
        rules_of("system:basic-user"),
        vec![
            r#"{APIGroups:["authorization.k8s.io"], Resources:["selfsubjectaccessreviews" "selfsubjectrulesreviews"], Verbs:["create"]}"#,
            r#"{APIGroups:["authentication.k8s.io"], Resources:["selfsubjectreviews"], Verbs:["create"]}"#,
        ]
    );
    assert_eq!(
        rules_of("system:public-info-viewer"),
        vec![
            r#"{NonResourceURLs:["/healthz" "/livez" "/readyz" "/version" "/version/"], Verbs:["get"]}"#
        ]
    );
    assert_eq!(
        rules_of("system:node-bootstrapper"),
        vec![
            r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests"], Verbs:["create" "get" "list" "watch"]}"#
        ]
    );
    assert_eq!(
        rules_of("system:certificates.k8s.io:certificatesigningrequests:nodeclient"),
        vec![
            r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests/nodeclient"], Verbs:["create"]}"#
        ]
    );
    assert_eq!(
        rules_of("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"),
        vec![
            r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests/selfnodeclient"], Verbs:["create"]}"#
        ]
    );
    for (role, signer) in [
        ("legacy-unknown-approver", "kubernetes.io/legacy-unknown"),
        ("kubelet-serving-approver", "kubernetes.io/kubelet-serving"),
        (
            "kube-apiserver-client-approver",
            "kubernetes.io/kube-apiserver-client",
        ),
        (
            "kube-apiserver-client-kubelet-approver",
            "kubernetes.io/kube-apiserver-client-kubelet",
        ),
    ] {
        assert_eq!(
            rules_of(&format!("system:certificates.k8s.io:{role}")),
            vec![format!(
                r#"{{APIGroups:["certificates.k8s.io"], Resources:["signers"], ResourceNames:["{signer}"], Verbs:["approve"]}}"#
            )]
        );
    }
    assert_eq!(
        rules_of("system:controller:certificate-controller"),
        vec![
            r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests"], Verbs:["delete" "get" "list" "watch"]}"#,
            r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests/approval" "certificatesigningrequests/status"], Verbs:["update"]}"#,
            r#"{APIGroups:["certificates.k8s.io"], Resources:["signers"], ResourceNames:["kubernetes.io/kube-apiserver-client-kubelet"], Verbs:["approve"]}"#,
            r#"{APIGroups:["certificates.k8s.io"], Resources:["signers"], ResourceNames:["kubernetes.io/kube-apiserver-client" "kubernetes.io/kube-apiserver-client-kubelet" "kubernetes.io/kubelet-serving" "kubernetes.io/legacy-unknown"], Verbs:["sign"]}"#,
            r#"{APIGroups:["authorization.k8s.io"], Resources:["subjectaccessreviews"], Verbs:["create"]}"#,
            r#"{APIGroups:["" "events.k8s.io"], Resources:["events"], Verbs:["create" "patch" "update"]}"#,
        ]
    );
}

#[test]
fn every_object_is_labelled_annotated_and_valid() {
    for r in bootstrap_cluster_roles() {
        let labels = r.metadata.labels.clone().unwrap_or_default();
        let annotations = r.metadata.annotations.clone().unwrap_or_default();
        assert_eq!(
            labels
                .get("kubernetes.io/bootstrapping")
                .map(String::as_str),
            Some("rbac-defaults")
        );
        assert_eq!(
            annotations
                .get("rbac.authorization.kubernetes.io/autoupdate")
                .map(String::as_str),
            Some("true")
        );
        assert!(
            validate_cluster_role(&r).is_empty(),
            "{:?}",
            r.metadata.name
        );
    }
    let roles = snapshot();
    for b in bootstrap_cluster_role_bindings() {
        let labels = b.metadata.labels.clone().unwrap_or_default();
        assert_eq!(
            labels
                .get("kubernetes.io/bootstrapping")
                .map(String::as_str),
            Some("rbac-defaults")
        );
        assert!(
            validate_cluster_role_binding(&b).is_empty(),
            "{:?}",
            b.metadata.name
        );
        assert_eq!(b.metadata.name.as_deref(), Some(b.role_ref.name.as_str()));
        assert!(
            roles.cluster_role(&b.role_ref.name).is_some(),
            "{}",
            b.role_ref.name
        );
    }
}

#[test]
fn default_bindings() {
    let described: Vec<String> = bootstrap_cluster_role_bindings()
        .iter()
        .map(|b| {
            let subjects: Vec<String> = b
                .subjects
                .iter()
                .flatten()
                .map(|s| match &s.namespace {
                    Some(ns) => format!("{} {}/{}", s.kind, ns, s.name),
                    None => format!("{} {}", s.kind, s.name),
                })
                .collect();
            format!("{} -> {}", b.role_ref.name, subjects.join(", "))
        })
        .collect();
    assert_eq!(
        described,
        vec![
            "cluster-admin -> Group system:masters",
            "system:discovery -> Group system:authenticated",
            "system:basic-user -> Group system:authenticated",
            "system:public-info-viewer -> Group system:authenticated, Group system:unauthenticated",
            "system:controller:certificate-controller -> ServiceAccount kube-system/certificate-controller",
            "signet:controller:signer -> User signet:controller:signer",
            "signet:controller:approver -> User signet:controller:approver",
            "signet:controller:cleaner -> User signet:controller:cleaner",
        ]
    );
}

const CERTS: &str = "certificates.k8s.io";
const CSRS: &str = "certificatesigningrequests";

fn can(
    s: &RbacSnapshot,
    user: &str,
    groups: &[&str],
    verb: &str,
    resource: &str,
    sub: &str,
    name: &str,
) -> bool {
    let (group, resource) = match resource.split_once('.') {
        Some((r, g)) => (g, r),
        None => (CERTS, resource),
    };
    let a = RequestAttributes::resource(user, groups, verb, group, resource)
        .with_subresource(sub)
        .with_name(name);
    s.authorize(&a).allowed
}

#[test]
fn signet_controllers_hold_only_their_job() {
    let s = snapshot();
    let signer = SIGNET_CONTROLLER_SIGNER;
    let approver = SIGNET_CONTROLLER_APPROVER;
    let cleaner = SIGNET_CONTROLLER_CLEANER;
    let custom = "example.com/my-signer";
    for user in [signer, approver, cleaner] {
        for verb in ["get", "list", "watch"] {
            assert!(can(&s, user, &[], verb, CSRS, "", ""), "{user} {verb}");
        }
        assert!(!can(&s, user, &[], "create", CSRS, "", ""), "{user} create");
        assert!(
            !can(&s, user, &[], "update", CSRS, "", "x"),
            "{user} update"
        );
    }
    assert!(can(&s, signer, &[], "update", CSRS, "status", "x"));
    assert!(can(&s, signer, &[], "sign", "signers", "", custom));
    assert!(!can(&s, signer, &[], "update", CSRS, "approval", "x"));
    assert!(!can(&s, signer, &[], "approve", "signers", "", custom));
    assert!(!can(&s, signer, &[], "delete", CSRS, "", "x"));

    assert!(can(&s, approver, &[], "update", CSRS, "approval", "x"));
    assert!(can(&s, approver, &[], "approve", "signers", "", custom));
    assert!(can(
        &s,
        approver,
        &[],
        "create",
        "subjectaccessreviews.authorization.k8s.io",
        "",
        ""
    ));
    assert!(!can(&s, approver, &[], "update", CSRS, "status", "x"));
    assert!(!can(&s, approver, &[], "sign", "signers", "", custom));
    assert!(!can(&s, approver, &[], "delete", CSRS, "", "x"));

    assert!(can(&s, cleaner, &[], "delete", CSRS, "", "x"));
    assert!(!can(&s, cleaner, &[], "update", CSRS, "approval", "x"));
    assert!(!can(&s, cleaner, &[], "update", CSRS, "status", "x"));
    assert!(!can(&s, cleaner, &[], "sign", "signers", "", custom));
    assert!(!can(&s, cleaner, &[], "approve", "signers", "", custom));
}

#[test]
fn default_bindings_authorize_as_upstream() {
    let s = snapshot();
    let d = s.authorize(&RequestAttributes::resource(
        "admin",
        &["system:masters"],
        "delete",
        CERTS,
        CSRS,
    ));
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters""#
    );
    let authed = ["system:authenticated"];
    let anon = ["system:unauthenticated"];
    let get = |groups: &[&str], path: &str| {
        s.authorize(&RequestAttributes::non_resource("x", groups, "get", path))
            .allowed
    };
    assert!(get(&authed, "/apis/certificates.k8s.io/v1"));
    assert!(get(&authed, "/openapi/v3"));
    assert!(get(&anon, "/healthz"));
    assert!(get(&anon, "/version"));
    assert!(!get(&anon, "/apis"));
    assert!(!get(&anon, "/metrics"));
    assert!(can(
        &s,
        "x",
        &authed,
        "create",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "",
        ""
    ));
    assert!(can(
        &s,
        "x",
        &authed,
        "create",
        "selfsubjectreviews.authentication.k8s.io",
        "",
        ""
    ));
    // Nobody is given CSR access by default except the controllers.
    assert!(!can(&s, "x", &authed, "create", CSRS, "", ""));
    assert!(!can(
        &s,
        "x",
        &["system:bootstrappers"],
        "create",
        CSRS,
        "",
        ""
    ));
    // Upstream's certificate controller service account.
    assert!(can(
        &s,
        "system:serviceaccount:kube-system:certificate-controller",
        &[],
        "sign",
        "signers",
        "",
        "kubernetes.io/kubelet-serving"
    ));
    assert!(!can(
        &s,
        "system:serviceaccount:kube-system:certificate-controller",
        &[],
        "sign",
        "signers",
        "",
        "example.com/my-signer"
    ));
}
