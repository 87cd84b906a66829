//! The ClusterRoles and ClusterRoleBindings a fresh server creates (and reconciles at every
//! start): the upstream defaults a CSR API needs (`bootstrappolicy/policy.go` and
//! `controller_policy.go`), and one least-privilege role per Signet controller, bound to the
//! user that controller authenticates as.
//!
//! As upstream's rule builder does, every list in a rule is sorted, and every object carries
//! the `kubernetes.io/bootstrapping: rbac-defaults` label and the
//! `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::names::{
    ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, AUTO_UPDATE_ANNOTATION, BOOTSTRAPPING_LABEL,
    BOOTSTRAPPING_LABEL_VALUE, GROUP_NAME, KIND_CLUSTER_ROLE, KIND_GROUP, KIND_SERVICE_ACCOUNT,
    KIND_USER, SYSTEM_MASTERS, WILDCARD,
};
use crate::signer::{
    KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, LEGACY_UNKNOWN,
};

/// User (and ClusterRole) of Signet's signing controller.
pub const SIGNET_CONTROLLER_SIGNER: &str = "signet:controller:signer";
/// User (and ClusterRole) of Signet's approving controller.
pub const SIGNET_CONTROLLER_APPROVER: &str = "signet:controller:approver";
/// User (and ClusterRole) of Signet's CSR garbage collector.
pub const SIGNET_CONTROLLER_CLEANER: &str = "signet:controller:cleaner";

/// Upstream's single identity for its CSR signing, approving and cleaning controllers.
pub const CERTIFICATE_CONTROLLER_ROLE: &str = "system:controller:certificate-controller";

const CERTIFICATES: &str = "certificates.k8s.io";
const AUTHORIZATION: &str = "authorization.k8s.io";
const AUTHENTICATION: &str = "authentication.k8s.io";
const CSRS: &str = "certificatesigningrequests";
const READ: [&str; 3] = ["get", "list", "watch"];

/// A resource rule; lists are sorted, as upstream's `RuleOrDie` sorts them.
fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: sorted(verbs),
        api_groups: Some(sorted(groups)),
        resources: Some(sorted(resources)),
        resource_names: (!names.is_empty()).then(|| sorted(names)),
        non_resource_urls: None,
    }
}

/// A non-resource-URL rule.
fn url_rule(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: sorted(verbs),
        non_resource_urls: Some(sorted(urls)),
        ..PolicyRule::default()
    }
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn metadata(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(BTreeMap::from([(
            BOOTSTRAPPING_LABEL.to_string(),
            BOOTSTRAPPING_LABEL_VALUE.to_string(),
        )])),
        annotations: Some(BTreeMap::from([(
            AUTO_UPDATE_ANNOTATION.to_string(),
            "true".to_string(),
        )])),
        ..ObjectMeta::default()
    }
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: metadata(name),
        rules: Some(rules),
        aggregation_rule: None,
    }
}

/// Every bootstrap ClusterRole.
pub fn bootstrap_cluster_roles() -> Vec<ClusterRole> {
    let mut roles = upstream_roles();
    roles.extend(csr_roles());
    roles.extend(signet_controller_roles());
    roles
}

fn upstream_roles() -> Vec<ClusterRole> {
    vec![
        cluster_role(
            "cluster-admin",
            vec![
                rule(&[WILDCARD], &[WILDCARD], &[WILDCARD], &[]),
                url_rule(&[WILDCARD], &[WILDCARD]),
            ],
        ),
        cluster_role(
            "system:discovery",
            vec![url_rule(
                &["get"],
                &[
                    "/livez",
                    "/readyz",
                    "/healthz",
                    "/version",
                    "/version/",
                    "/openapi",
                    "/openapi/*",
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                ],
            )],
        ),
        cluster_role(
            "system:basic-user",
            vec![
                rule(
                    &["create"],
                    &[AUTHORIZATION],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &[],
                ),
                rule(&["create"], &[AUTHENTICATION], &["selfsubjectreviews"], &[]),
            ],
        ),
        cluster_role(
            "system:public-info-viewer",
            vec![url_rule(
                &["get"],
                &["/livez", "/readyz", "/healthz", "/version", "/version/"],
            )],
        ),
    ]
}

/// The CSR roles of upstream's default policy, including its certificate controller.
fn csr_roles() -> Vec<ClusterRole> {
    let approver = |name: &str, signer: &str| {
        cluster_role(
            &format!("system:certificates.k8s.io:{name}"),
            vec![rule(&["approve"], &[CERTIFICATES], &["signers"], &[signer])],
        )
    };
    let subresource_creator = |sub: &str| {
        cluster_role(
            &format!("system:certificates.k8s.io:certificatesigningrequests:{sub}"),
            vec![rule(
                &["create"],
                &[CERTIFICATES],
                &[&format!("{CSRS}/{sub}")],
                &[],
            )],
        )
    };
    vec![
        cluster_role(
            "system:node-bootstrapper",
            vec![rule(
                &["create", "get", "list", "watch"],
                &[CERTIFICATES],
                &[CSRS],
                &[],
            )],
        ),
        subresource_creator("nodeclient"),
        subresource_creator("selfnodeclient"),
        approver("legacy-unknown-approver", LEGACY_UNKNOWN),
        approver("kubelet-serving-approver", KUBELET_SERVING),
        approver("kube-apiserver-client-approver", KUBE_APISERVER_CLIENT),
        approver(
            "kube-apiserver-client-kubelet-approver",
            KUBE_APISERVER_CLIENT_KUBELET,
        ),
        cluster_role(
            CERTIFICATE_CONTROLLER_ROLE,
            vec![
                rule(
                    &["get", "list", "watch", "delete"],
                    &[CERTIFICATES],
                    &[CSRS],
                    &[],
                ),
                rule(
                    &["update"],
                    &[CERTIFICATES],
                    &[
                        "certificatesigningrequests/status",
                        "certificatesigningrequests/approval",
                    ],
                    &[],
                ),
                rule(
                    &["approve"],
                    &[CERTIFICATES],
                    &["signers"],
                    &[KUBE_APISERVER_CLIENT_KUBELET],
                ),
                rule(
                    &["sign"],
                    &[CERTIFICATES],
                    &["signers"],
                    &[
                        LEGACY_UNKNOWN,
                        KUBE_APISERVER_CLIENT,
                        KUBE_APISERVER_CLIENT_KUBELET,
                        KUBELET_SERVING,
                    ],
                ),
                rule(
                    &["create"],
                    &[AUTHORIZATION],
                    &["subjectaccessreviews"],
                    &[],
                ),
                rule(
                    &["create", "update", "patch"],
                    &["", "events.k8s.io"],
                    &["events"],
                    &[],
                ),
            ],
        ),
    ]
}

/// One role per Signet controller, holding only what its job needs: the signer reads CSRs
/// and writes certificates for any signer; the approver reads CSRs, writes approvals for any
/// signer and asks SubjectAccessReviews about requesters; the cleaner reads and deletes.
fn signet_controller_roles() -> Vec<ClusterRole> {
    vec![
        cluster_role(
            SIGNET_CONTROLLER_SIGNER,
            vec![
                rule(&READ, &[CERTIFICATES], &[CSRS], &[]),
                rule(
                    &["update"],
                    &[CERTIFICATES],
                    &["certificatesigningrequests/status"],
                    &[],
                ),
                rule(&["sign"], &[CERTIFICATES], &["signers"], &[]),
            ],
        ),
        cluster_role(
            SIGNET_CONTROLLER_APPROVER,
            vec![
                rule(&READ, &[CERTIFICATES], &[CSRS], &[]),
                rule(
                    &["update"],
                    &[CERTIFICATES],
                    &["certificatesigningrequests/approval"],
                    &[],
                ),
                rule(&["approve"], &[CERTIFICATES], &["signers"], &[]),
                rule(
                    &["create"],
                    &[AUTHORIZATION],
                    &["subjectaccessreviews"],
                    &[],
                ),
            ],
        ),
        cluster_role(
            SIGNET_CONTROLLER_CLEANER,
            vec![rule(
                &["get", "list", "watch", "delete"],
                &[CERTIFICATES],
                &[CSRS],
                &[],
            )],
        ),
    ]
}

fn subject(kind: &str, name: &str) -> Subject {
    Subject {
        kind: kind.to_string(),
        api_group: Some(GROUP_NAME.to_string()),
        name: name.to_string(),
        namespace: None,
    }
}

/// A binding named after its ClusterRole (upstream `NewClusterBinding`).
fn binding(role: &str, subjects: Vec<Subject>) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: metadata(role),
        role_ref: RoleRef {
            api_group: Some(GROUP_NAME.to_string()),
            kind: KIND_CLUSTER_ROLE.to_string(),
            name: role.to_string(),
        },
        subjects: Some(subjects),
    }
}

/// Every bootstrap ClusterRoleBinding. The node-client and approver roles stay unbound, as
/// upstream leaves them: operators bind them to the groups they trust.
pub fn bootstrap_cluster_role_bindings() -> Vec<ClusterRoleBinding> {
    let group = |name| subject(KIND_GROUP, name);
    let user = |name| subject(KIND_USER, name);
    vec![
        binding("cluster-admin", vec![group(SYSTEM_MASTERS)]),
        binding("system:discovery", vec![group(ALL_AUTHENTICATED)]),
        binding("system:basic-user", vec![group(ALL_AUTHENTICATED)]),
        binding(
            "system:public-info-viewer",
            vec![group(ALL_AUTHENTICATED), group(ALL_UNAUTHENTICATED)],
        ),
        // Upstream binds each controller role to the kube-system service account of the
        // same name.
        binding(
            CERTIFICATE_CONTROLLER_ROLE,
            vec![Subject {
                kind: KIND_SERVICE_ACCOUNT.to_string(),
                api_group: None,
                name: "certificate-controller".to_string(),
                namespace: Some("kube-system".to_string()),
            }],
        ),
        binding(
            SIGNET_CONTROLLER_SIGNER,
            vec![user(SIGNET_CONTROLLER_SIGNER)],
        ),
        binding(
            SIGNET_CONTROLLER_APPROVER,
            vec![user(SIGNET_CONTROLLER_APPROVER)],
        ),
        binding(
            SIGNET_CONTROLLER_CLEANER,
            vec![user(SIGNET_CONTROLLER_CLEANER)],
        ),
    ]
}

#[cfg(test)]
mod tests;
