//! One round trip per kind of the table: encode as client-go would, decode, compare with the
//! exact JSON, and read that JSON back through k8s-openapi's type for the kind.

use std::collections::BTreeMap;

use k8s_openapi::api::{authentication, authorization, certificates, coordination, rbac};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::DeleteOptions;
use k8s_pb::api::authentication::v1 as authn_pb;
use k8s_pb::api::authorization::v1 as authz_pb;
use k8s_pb::api::certificates::{v1alpha1 as ctb_alpha_pb, v1beta1 as ctb_beta_pb};
use k8s_pb::api::coordination::v1 as lease_pb;
use k8s_pb::api::rbac::v1 as rbac_pb;
use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use prost::Message;
use serde_json::json;

use super::decode;
use super::tests::{envelope, round_trip, s, strings};

const RBAC: &str = "rbac.authorization.k8s.io/v1";
const AUTHZ: &str = "authorization.k8s.io/v1";
const AUTHN: &str = "authentication.k8s.io/v1";

fn named(name: &str) -> Option<meta::ObjectMeta> {
    Some(meta::ObjectMeta {
        name: s(name),
        generate_name: s(""),
        namespace: s(""),
        generation: Some(0),
        creation_timestamp: Some(meta::Time::default()),
        ..Default::default()
    })
}

fn rule() -> rbac_pb::PolicyRule {
    rbac_pb::PolicyRule {
        verbs: strings(&["approve"]),
        api_groups: strings(&["certificates.k8s.io"]),
        resources: strings(&["signers"]),
        resource_names: strings(&["example.com/*"]),
        non_resource_ur_ls: Vec::new(),
    }
}

fn rule_json() -> serde_json::Value {
    json!({"verbs": ["approve"], "apiGroups": ["certificates.k8s.io"], "resources": ["signers"],
           "resourceNames": ["example.com/*"]})
}

#[test]
fn role_and_cluster_role() {
    let role = rbac_pb::Role {
        metadata: Some(meta::ObjectMeta {
            namespace: s("team"),
            ..named("approver").unwrap_or_default()
        }),
        rules: vec![rule()],
    };
    round_trip::<_, rbac::v1::Role>(
        RBAC,
        "Role",
        &role,
        json!({"apiVersion": RBAC, "kind": "Role",
               "metadata": {"name": "approver", "namespace": "team"},
               "rules": [rule_json()]}),
    );
    // `rules` has no omitempty; `verbs` is required even when a rule has none.
    let empty = rbac_pb::Role {
        metadata: named("none"),
        rules: Vec::new(),
    };
    round_trip::<_, rbac::v1::Role>(
        RBAC,
        "Role",
        &empty,
        json!({"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "none"}, "rules": []}),
    );
    let cluster_role = rbac_pb::ClusterRole {
        metadata: named("aggregate"),
        rules: vec![rbac_pb::PolicyRule {
            verbs: Vec::new(),
            non_resource_ur_ls: strings(&["/healthz"]),
            ..Default::default()
        }],
        aggregation_rule: Some(rbac_pb::AggregationRule {
            cluster_role_selectors: vec![meta::LabelSelector {
                match_labels: BTreeMap::from([("agg".to_string(), "true".to_string())]),
                match_expressions: vec![meta::LabelSelectorRequirement {
                    key: s("tier"),
                    operator: s("In"),
                    values: strings(&["a", "b"]),
                }],
            }],
        }),
    };
    round_trip::<_, rbac::v1::ClusterRole>(
        RBAC,
        "ClusterRole",
        &cluster_role,
        json!({"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": "aggregate"},
               "rules": [{"verbs": [], "nonResourceURLs": ["/healthz"]}],
               "aggregationRule": {"clusterRoleSelectors": [{
                   "matchLabels": {"agg": "true"},
                   "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]}]}}),
    );
}

#[test]
fn role_binding_and_cluster_role_binding() {
    let subjects = vec![
        rbac_pb::Subject {
            kind: s("User"),
            api_group: s("rbac.authorization.k8s.io"),
            name: s("alice"),
            namespace: s(""),
        },
        rbac_pb::Subject {
            kind: s("ServiceAccount"),
            api_group: s(""),
            name: s("signer"),
            namespace: s("kube-system"),
        },
    ];
    let role_ref = rbac_pb::RoleRef {
        api_group: s("rbac.authorization.k8s.io"),
        kind: s("ClusterRole"),
        name: s("approver"),
    };
    let subjects_json = json!([
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
        {"kind": "ServiceAccount", "name": "signer", "namespace": "kube-system"}
    ]);
    let role_ref_json =
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "approver"});
    round_trip::<_, rbac::v1::RoleBinding>(
        RBAC,
        "RoleBinding",
        &rbac_pb::RoleBinding {
            metadata: named("rb"),
            subjects: subjects.clone(),
            role_ref: Some(role_ref.clone()),
        },
        json!({"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": "rb"},
               "subjects": subjects_json, "roleRef": role_ref_json}),
    );
    round_trip::<_, rbac::v1::ClusterRoleBinding>(
        RBAC,
        "ClusterRoleBinding",
        &rbac_pb::ClusterRoleBinding {
            metadata: named("crb"),
            subjects,
            role_ref: Some(role_ref),
        },
        json!({"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": "crb"},
               "subjects": subjects_json, "roleRef": role_ref_json}),
    );
    // No subjects (omitempty) and an empty roleRef (a struct with required strings).
    round_trip::<_, rbac::v1::ClusterRoleBinding>(
        RBAC,
        "ClusterRoleBinding",
        &rbac_pb::ClusterRoleBinding::default(),
        json!({"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {},
               "roleRef": {"apiGroup": "", "kind": "", "name": ""}}),
    );
}

fn resource_attributes() -> authz_pb::ResourceAttributes {
    authz_pb::ResourceAttributes {
        namespace: s(""),
        verb: s("approve"),
        group: s("certificates.k8s.io"),
        version: s(""),
        resource: s("signers"),
        subresource: s(""),
        name: s("example.com/signer"),
        field_selector: Some(authz_pb::FieldSelectorAttributes {
            raw_selector: s("spec.signerName=example.com/signer"),
            requirements: vec![meta::FieldSelectorRequirement {
                key: s("spec.signerName"),
                operator: s("In"),
                values: strings(&["example.com/signer"]),
            }],
        }),
        label_selector: Some(authz_pb::LabelSelectorAttributes {
            raw_selector: s(""),
            requirements: vec![meta::LabelSelectorRequirement {
                key: s("team"),
                operator: s("Exists"),
                values: Vec::new(),
            }],
        }),
    }
}

fn resource_attributes_json() -> serde_json::Value {
    json!({"verb": "approve", "group": "certificates.k8s.io", "resource": "signers",
           "name": "example.com/signer",
           "fieldSelector": {"rawSelector": "spec.signerName=example.com/signer",
                             "requirements": [{"key": "spec.signerName", "operator": "In",
                                               "values": ["example.com/signer"]}]},
           "labelSelector": {"requirements": [{"key": "team", "operator": "Exists"}]}})
}

fn empty_status() -> Option<authz_pb::SubjectAccessReviewStatus> {
    Some(authz_pb::SubjectAccessReviewStatus {
        allowed: Some(false),
        denied: Some(false),
        reason: s(""),
        evaluation_error: s(""),
    })
}

#[test]
fn self_subject_access_review_as_kubectl_auth_can_i_sends() {
    let m = authz_pb::SelfSubjectAccessReview {
        metadata: Some(meta::ObjectMeta {
            creation_timestamp: Some(meta::Time::default()),
            ..Default::default()
        }),
        spec: Some(authz_pb::SelfSubjectAccessReviewSpec {
            resource_attributes: Some(resource_attributes()),
            non_resource_attributes: None,
        }),
        status: empty_status(),
    };
    round_trip::<_, authorization::v1::SelfSubjectAccessReview>(
        AUTHZ,
        "SelfSubjectAccessReview",
        &m,
        json!({"apiVersion": AUTHZ, "kind": "SelfSubjectAccessReview", "metadata": {},
               "spec": {"resourceAttributes": resource_attributes_json()},
               "status": {"allowed": false}}),
    );
    let m = authz_pb::SelfSubjectAccessReview {
        spec: Some(authz_pb::SelfSubjectAccessReviewSpec {
            resource_attributes: None,
            non_resource_attributes: Some(authz_pb::NonResourceAttributes {
                path: s("/metrics"),
                verb: s("get"),
            }),
        }),
        ..Default::default()
    };
    round_trip::<_, authorization::v1::SelfSubjectAccessReview>(
        AUTHZ,
        "SelfSubjectAccessReview",
        &m,
        json!({"apiVersion": AUTHZ, "kind": "SelfSubjectAccessReview", "metadata": {},
               "spec": {"nonResourceAttributes": {"path": "/metrics", "verb": "get"}},
               "status": {"allowed": false}}),
    );
}

fn sar_spec() -> authz_pb::SubjectAccessReviewSpec {
    authz_pb::SubjectAccessReviewSpec {
        resource_attributes: Some(resource_attributes()),
        non_resource_attributes: None,
        user: s("bob"),
        groups: strings(&["system:authenticated"]),
        extra: BTreeMap::from([(
            "scopes".to_string(),
            authz_pb::ExtraValue {
                items: strings(&["a", "b"]),
            },
        )]),
        uid: s("uid-bob"),
    }
}

#[test]
fn subject_access_reviews() {
    let spec_json = json!({"resourceAttributes": resource_attributes_json(), "user": "bob",
                           "groups": ["system:authenticated"], "extra": {"scopes": ["a", "b"]},
                           "uid": "uid-bob"});
    round_trip::<_, authorization::v1::SubjectAccessReview>(
        AUTHZ,
        "SubjectAccessReview",
        &authz_pb::SubjectAccessReview {
            metadata: None,
            spec: Some(sar_spec()),
            status: Some(authz_pb::SubjectAccessReviewStatus {
                allowed: Some(false),
                denied: Some(true),
                reason: s("no"),
                evaluation_error: s("partial"),
            }),
        },
        json!({"apiVersion": AUTHZ, "kind": "SubjectAccessReview", "metadata": {},
               "spec": spec_json,
               "status": {"allowed": false, "denied": true, "reason": "no",
                          "evaluationError": "partial"}}),
    );
    round_trip::<_, authorization::v1::LocalSubjectAccessReview>(
        AUTHZ,
        "LocalSubjectAccessReview",
        &authz_pb::LocalSubjectAccessReview {
            metadata: Some(meta::ObjectMeta {
                namespace: s("team"),
                ..Default::default()
            }),
            spec: Some(sar_spec()),
            status: empty_status(),
        },
        json!({"apiVersion": AUTHZ, "kind": "LocalSubjectAccessReview",
               "metadata": {"namespace": "team"}, "spec": spec_json,
               "status": {"allowed": false}}),
    );
}

#[test]
fn self_subject_rules_review() {
    round_trip::<_, authorization::v1::SelfSubjectRulesReview>(
        AUTHZ,
        "SelfSubjectRulesReview",
        &authz_pb::SelfSubjectRulesReview {
            metadata: named(""),
            spec: Some(authz_pb::SelfSubjectRulesReviewSpec {
                namespace: s("team"),
            }),
            status: Some(authz_pb::SubjectRulesReviewStatus {
                resource_rules: vec![authz_pb::ResourceRule {
                    verbs: strings(&["get"]),
                    api_groups: strings(&[""]),
                    resources: strings(&["pods"]),
                    resource_names: Vec::new(),
                }],
                non_resource_rules: vec![authz_pb::NonResourceRule {
                    verbs: strings(&["get"]),
                    non_resource_ur_ls: strings(&["/api"]),
                }],
                incomplete: Some(true),
                evaluation_error: s(""),
            }),
        },
        json!({"apiVersion": AUTHZ, "kind": "SelfSubjectRulesReview", "metadata": {},
               "spec": {"namespace": "team"},
               "status": {"resourceRules": [{"verbs": ["get"], "apiGroups": [""],
                                             "resources": ["pods"]}],
                          "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/api"]}],
                          "incomplete": true}}),
    );
    // What `kubectl auth can-i --list` sends: a namespace and a zero status.
    round_trip::<_, authorization::v1::SelfSubjectRulesReview>(
        AUTHZ,
        "SelfSubjectRulesReview",
        &authz_pb::SelfSubjectRulesReview {
            metadata: None,
            spec: Some(authz_pb::SelfSubjectRulesReviewSpec {
                namespace: s("default"),
            }),
            status: Some(authz_pb::SubjectRulesReviewStatus {
                incomplete: Some(false),
                evaluation_error: s(""),
                ..Default::default()
            }),
        },
        json!({"apiVersion": AUTHZ, "kind": "SelfSubjectRulesReview", "metadata": {},
               "spec": {"namespace": "default"},
               "status": {"resourceRules": [], "nonResourceRules": [], "incomplete": false}}),
    );
}

#[test]
fn token_review_and_self_subject_review() {
    let user = authn_pb::UserInfo {
        username: s("system:node:n1"),
        uid: s(""),
        groups: strings(&["system:nodes"]),
        extra: BTreeMap::from([("k".to_string(), authn_pb::ExtraValue { items: Vec::new() })]),
    };
    round_trip::<_, authentication::v1::TokenReview>(
        AUTHN,
        "TokenReview",
        &authn_pb::TokenReview {
            metadata: None,
            spec: Some(authn_pb::TokenReviewSpec {
                token: s("abc.def"),
                audiences: strings(&["https://signet"]),
            }),
            status: Some(authn_pb::TokenReviewStatus {
                authenticated: Some(true),
                user: Some(user.clone()),
                audiences: Vec::new(),
                error: s(""),
            }),
        },
        json!({"apiVersion": AUTHN, "kind": "TokenReview", "metadata": {},
               "spec": {"token": "abc.def", "audiences": ["https://signet"]},
               "status": {"authenticated": true,
                          "user": {"username": "system:node:n1", "groups": ["system:nodes"],
                                   "extra": {"k": []}}}}),
    );
    // A TokenReview as created: empty status still carries its `user` struct.
    round_trip::<_, authentication::v1::TokenReview>(
        AUTHN,
        "TokenReview",
        &authn_pb::TokenReview {
            spec: Some(authn_pb::TokenReviewSpec {
                token: s("t"),
                audiences: Vec::new(),
            }),
            ..Default::default()
        },
        json!({"apiVersion": AUTHN, "kind": "TokenReview", "metadata": {},
               "spec": {"token": "t"}, "status": {"user": {}}}),
    );
    round_trip::<_, authentication::v1::SelfSubjectReview>(
        AUTHN,
        "SelfSubjectReview",
        &authn_pb::SelfSubjectReview::default(),
        json!({"apiVersion": AUTHN, "kind": "SelfSubjectReview", "metadata": {},
               "status": {"userInfo": {}}}),
    );
    round_trip::<_, authentication::v1::SelfSubjectReview>(
        AUTHN,
        "SelfSubjectReview",
        &authn_pb::SelfSubjectReview {
            metadata: None,
            status: Some(authn_pb::SelfSubjectReviewStatus {
                user_info: Some(user),
            }),
        },
        json!({"apiVersion": AUTHN, "kind": "SelfSubjectReview", "metadata": {},
               "status": {"userInfo": {"username": "system:node:n1", "groups": ["system:nodes"],
                                       "extra": {"k": []}}}}),
    );
}

#[test]
fn lease_micro_times_keep_microseconds() {
    let m = lease_pb::Lease {
        metadata: Some(meta::ObjectMeta {
            namespace: s("kube-system"),
            ..named("signet-signer").unwrap_or_default()
        }),
        spec: Some(lease_pb::LeaseSpec {
            holder_identity: s("replica-1"),
            lease_duration_seconds: Some(15),
            acquire_time: Some(meta::MicroTime {
                seconds: Some(1_700_000_000),
                nanos: Some(123_456_789),
            }),
            renew_time: Some(meta::MicroTime {
                seconds: Some(1_700_000_010),
                nanos: Some(0),
            }),
            lease_transitions: Some(0),
            strategy: None,
            preferred_holder: s(""),
        }),
    };
    round_trip::<_, coordination::v1::Lease>(
        "coordination.k8s.io/v1",
        "Lease",
        &m,
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
               "metadata": {"name": "signet-signer", "namespace": "kube-system"},
               "spec": {"holderIdentity": "replica-1", "leaseDurationSeconds": 15,
                        "acquireTime": "2023-11-14T22:13:20.123456Z",
                        "renewTime": "2023-11-14T22:13:30.000000Z",
                        "leaseTransitions": 0, "preferredHolder": ""}}),
    );
    round_trip::<_, coordination::v1::Lease>(
        "coordination.k8s.io/v1",
        "Lease",
        &lease_pb::Lease::default(),
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {},
               "spec": {}}),
    );
}

#[test]
fn cluster_trust_bundles() {
    const BUNDLE: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let expected = |api_version: &str| {
        json!({"apiVersion": api_version, "kind": "ClusterTrustBundle",
               "metadata": {"name": "example.com:signer:1"},
               "spec": {"signerName": "example.com/signer", "trustBundle": BUNDLE}})
    };
    let beta = ctb_beta_pb::ClusterTrustBundle {
        metadata: named("example.com:signer:1"),
        spec: Some(ctb_beta_pb::ClusterTrustBundleSpec {
            signer_name: s("example.com/signer"),
            trust_bundle: s(BUNDLE),
        }),
    };
    round_trip::<_, certificates::v1beta1::ClusterTrustBundle>(
        "certificates.k8s.io/v1beta1",
        "ClusterTrustBundle",
        &beta,
        expected("certificates.k8s.io/v1beta1"),
    );
    round_trip::<_, certificates::v1::ClusterTrustBundle>(
        "certificates.k8s.io/v1",
        "ClusterTrustBundle",
        &beta,
        expected("certificates.k8s.io/v1"),
    );
    let alpha = ctb_alpha_pb::ClusterTrustBundle {
        metadata: named("example.com:signer:1"),
        spec: Some(ctb_alpha_pb::ClusterTrustBundleSpec {
            signer_name: s("example.com/signer"),
            trust_bundle: s(BUNDLE),
        }),
    };
    let body = envelope(
        "certificates.k8s.io/v1alpha1",
        "ClusterTrustBundle",
        alpha.encode_to_vec(),
    );
    assert_eq!(
        decode(&body, "certificates.k8s.io/v1alpha1", "ClusterTrustBundle").ok(),
        Some(expected("certificates.k8s.io/v1alpha1"))
    );
    // `trustBundle` has no omitempty; `signerName` has.
    round_trip::<_, certificates::v1beta1::ClusterTrustBundle>(
        "certificates.k8s.io/v1beta1",
        "ClusterTrustBundle",
        &ctb_beta_pb::ClusterTrustBundle::default(),
        json!({"apiVersion": "certificates.k8s.io/v1beta1", "kind": "ClusterTrustBundle",
               "metadata": {}, "spec": {"trustBundle": ""}}),
    );
}

#[test]
fn delete_options_in_any_version() {
    let m = meta::DeleteOptions {
        grace_period_seconds: Some(0),
        preconditions: Some(meta::Preconditions {
            uid: s("uid-1"),
            resource_version: s(""),
        }),
        orphan_dependents: None,
        propagation_policy: s("Background"),
        dry_run: strings(&["All"]),
        ignore_store_read_error_with_cluster_breaking_potential: Some(false),
    };
    let fields = json!({"gracePeriodSeconds": 0,
                        "preconditions": {"uid": "uid-1", "resourceVersion": ""},
                        "propagationPolicy": "Background", "dryRun": ["All"],
                        "ignoreStoreReadErrorWithClusterBreakingPotential": false});
    // Clients send DeleteOptions as `v1`, `meta.k8s.io/v1` or the resource's group version; all
    // decode for any endpoint, keeping the version they name.
    for sent in ["v1", "meta.k8s.io/v1", "certificates.k8s.io/v1"] {
        let body = envelope(sent, "DeleteOptions", m.encode_to_vec());
        let got = decode(&body, "certificates.k8s.io/v1", "DeleteOptions").unwrap_or_default();
        let mut expected = json!({"apiVersion": sent, "kind": "DeleteOptions"});
        if let (Some(e), Some(f)) = (expected.as_object_mut(), fields.as_object()) {
            e.extend(f.clone());
        }
        assert_eq!(got, expected, "{sent}");
        let typed: Result<DeleteOptions, _> = serde_json::from_value(got.clone());
        assert_eq!(
            typed.ok().and_then(|t| serde_json::to_value(t).ok()),
            Some(got)
        );
    }
    let body = envelope("", "", meta::DeleteOptions::default().encode_to_vec());
    assert_eq!(
        decode(&body, "meta.k8s.io/v1", "DeleteOptions").ok(),
        Some(json!({"apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions"}))
    );
}
