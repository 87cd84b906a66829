//! Every RBAC validation message, with upstream's field paths (mirroring
//! `pkg/apis/rbac/validation/validation_test.go`), and v1 defaulting.

use std::collections::BTreeMap;

use k8s_openapi::api::rbac::v1::AggregationRule;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, LabelSelectorRequirement, ObjectMeta,
};

use super::*;
use crate::field::aggregate;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn opt(items: &[&str]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| strings(items))
}

fn rule(
    verbs: &[&str],
    groups: &[&str],
    resources: &[&str],
    names: &[&str],
    urls: &[&str],
) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: opt(groups),
        resources: opt(resources),
        resource_names: opt(names),
        non_resource_urls: opt(urls),
    }
}

fn meta(namespace: Option<&str>, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        resource_version: Some("1".to_string()),
        ..ObjectMeta::default()
    }
}

fn messages(errs: &[FieldError]) -> Vec<String> {
    errs.iter().map(ToString::to_string).collect()
}

fn role(rules: Vec<PolicyRule>) -> Role {
    Role {
        metadata: meta(Some("ns"), "r"),
        rules: Some(rules),
    }
}

fn cluster_role(rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: meta(None, "cr"),
        rules: Some(rules),
        aggregation_rule: None,
    }
}

fn role_ref(group: &str, kind: &str, name: &str) -> RoleRef {
    RoleRef {
        api_group: Some(group.to_string()),
        kind: kind.to_string(),
        name: name.to_string(),
    }
}

fn subject(kind: &str, group: Option<&str>, name: &str, namespace: Option<&str>) -> Subject {
    Subject {
        kind: kind.to_string(),
        api_group: group.map(str::to_string),
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
    }
}

fn user(name: &str) -> Subject {
    subject("User", Some(GROUP_NAME), name, None)
}

fn role_binding(role_ref: RoleRef, subjects: Vec<Subject>) -> RoleBinding {
    RoleBinding {
        metadata: meta(Some("ns"), "rb"),
        role_ref,
        subjects: Some(subjects),
    }
}

fn cluster_role_binding(role_ref: RoleRef, subjects: Vec<Subject>) -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: meta(None, "crb"),
        role_ref,
        subjects: Some(subjects),
    }
}

#[test]
fn valid_objects_pass() {
    assert!(validate_role(&role(vec![rule(&["get"], &[""], &["pods"], &["a"], &[])])).is_empty());
    assert!(
        validate_cluster_role(&cluster_role(vec![
            rule(&["get"], &["*"], &["*"], &[], &[]),
            rule(&["get"], &[], &[], &[], &["/healthz", "/apis/*"]),
        ]))
        .is_empty()
    );
    // Several resources with resource names are fine in v1 (an old restriction is gone).
    assert!(validate_role(&role(vec![rule(&["get"], &[""], &["a", "b"], &["x"], &[])])).is_empty());
    // Rules may be absent.
    assert!(
        validate_role(&Role {
            metadata: meta(Some("ns"), "r"),
            rules: None
        })
        .is_empty()
    );
    let refs = role_ref(GROUP_NAME, "ClusterRole", "view");
    let subjects = vec![
        user("alice"),
        subject("Group", Some(GROUP_NAME), "devs", None),
        subject("ServiceAccount", None, "builder", None),
        subject("ServiceAccount", Some(""), "builder", Some("other")),
    ];
    assert!(validate_role_binding(&role_binding(refs.clone(), subjects)).is_empty());
    assert!(
        validate_role_binding(&role_binding(role_ref(GROUP_NAME, "Role", "r"), vec![])).is_empty()
    );
    assert!(
        validate_cluster_role_binding(&cluster_role_binding(
            refs,
            vec![subject("ServiceAccount", None, "builder", Some("ns"))]
        ))
        .is_empty()
    );
}

#[test]
fn policy_rule_messages() {
    let cases: Vec<(PolicyRule, bool, Vec<&str>)> = vec![
        (
            rule(&[], &[""], &["pods"], &[], &[]),
            true,
            vec!["rules[0].verbs: Required value: verbs must contain at least one value"],
        ),
        (
            rule(&["get"], &[], &[], &[], &["/healthz"]),
            true,
            vec![
                r#"rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs"#,
            ],
        ),
        (
            rule(&["get"], &[""], &[], &[], &["/a", "/b"]),
            false,
            vec![
                r#"rules[0].nonResourceURLs: Invalid value: ["/a","/b"]: rules cannot apply to both regular resources and non-resource URLs"#,
            ],
        ),
        (
            rule(&["get"], &[], &["pods"], &[], &["/a"]),
            false,
            vec![
                r#"rules[0].nonResourceURLs: Invalid value: ["/a"]: rules cannot apply to both regular resources and non-resource URLs"#,
            ],
        ),
        (
            rule(&["get"], &[], &[], &["x"], &["/a"]),
            true,
            vec![
                r#"rules[0].nonResourceURLs: Invalid value: ["/a"]: namespaced rules cannot apply to non-resource URLs"#,
                r#"rules[0].nonResourceURLs: Invalid value: ["/a"]: rules cannot apply to both regular resources and non-resource URLs"#,
            ],
        ),
        (
            rule(&["get"], &[], &["pods"], &[], &[]),
            false,
            vec![
                "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
            ],
        ),
        (
            rule(&["get"], &[""], &[], &[], &[]),
            false,
            vec![
                "rules[0].resources: Required value: resource rules must supply at least one resource",
            ],
        ),
        (
            rule(&[], &[], &[], &[], &[]),
            false,
            vec![
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
                "rules[0].resources: Required value: resource rules must supply at least one resource",
            ],
        ),
    ];
    for (r, namespaced, want) in cases {
        let got = if namespaced {
            messages(&validate_role(&role(vec![r.clone()])))
        } else {
            messages(&validate_cluster_role(&cluster_role(vec![r.clone()])))
        };
        assert_eq!(got, want, "{r:?}");
    }
    // The index names the offending rule.
    let errs = validate_cluster_role(&cluster_role(vec![
        rule(&["get"], &[""], &["pods"], &[], &[]),
        rule(&[], &[""], &["pods"], &[], &[]),
    ]));
    assert_eq!(
        messages(&errs),
        vec!["rules[1].verbs: Required value: verbs must contain at least one value"]
    );
    assert_eq!(errs[0].reason(), "FieldValueRequired");
}

#[test]
fn object_meta_rules_apply_per_scope() {
    let mut r = role(vec![]);
    r.metadata.namespace = None;
    r.metadata.name = Some("a/b".into());
    assert_eq!(
        messages(&validate_role(&r)),
        vec![
            r#"metadata.name: Invalid value: "a/b": may not contain '/'"#,
            "metadata.namespace: Required value",
        ]
    );
    let mut cr = cluster_role(vec![]);
    cr.metadata.namespace = Some("ns".into());
    cr.metadata.name = Some("..".into());
    assert_eq!(
        messages(&validate_cluster_role(&cr)),
        vec![
            r#"metadata.name: Invalid value: "..": may not be '..'"#,
            "metadata.namespace: Forbidden: not allowed on this type",
        ]
    );
    // Colons are fine: bootstrap names are `system:...`.
    cr.metadata = meta(None, "system:controller:x");
    assert!(validate_cluster_role(&cr).is_empty());
    let mut rb = role_binding(role_ref(GROUP_NAME, "Role", "r"), vec![]);
    rb.metadata.name = Some("%".into());
    assert_eq!(
        messages(&validate_role_binding(&rb)),
        vec![r#"metadata.name: Invalid value: "%": may not contain '%'"#]
    );
    // generateName gets the whole path-segment check, `.` included.
    rb.metadata.name = None;
    rb.metadata.generate_name = Some(".".into());
    assert_eq!(
        messages(&validate_role_binding(&rb)),
        vec![
            r#"metadata.generateName: Invalid value: ".": may not be '.'"#,
            "metadata.name: Required value: name or generateName is required",
        ]
    );
    let mut crb = cluster_role_binding(role_ref(GROUP_NAME, "ClusterRole", "r"), vec![]);
    crb.metadata.name = None;
    assert_eq!(
        messages(&validate_cluster_role_binding(&crb)),
        vec!["metadata.name: Required value: name or generateName is required"]
    );
}

#[test]
fn role_ref_messages() {
    let rb = |r: RoleRef| messages(&validate_role_binding(&role_binding(r, vec![])));
    let crb = |r: RoleRef| {
        messages(&validate_cluster_role_binding(&cluster_role_binding(
            r,
            vec![],
        )))
    };
    assert_eq!(
        rb(role_ref("rbac", "Role", "r")),
        vec![
            r#"roleRef.apiGroup: Unsupported value: "rbac": supported values: "rbac.authorization.k8s.io""#
        ]
    );
    assert_eq!(
        rb(RoleRef {
            api_group: None,
            kind: "Role".into(),
            name: "r".into()
        }),
        vec![
            r#"roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io""#
        ]
    );
    assert_eq!(
        rb(role_ref(GROUP_NAME, "Policy", "r")),
        vec![
            r#"roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole""#
        ]
    );
    assert_eq!(
        crb(role_ref(GROUP_NAME, "Role", "r")),
        vec![r#"roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole""#]
    );
    assert_eq!(
        rb(role_ref(GROUP_NAME, "Role", "")),
        vec!["roleRef.name: Required value"]
    );
    assert_eq!(
        crb(role_ref(GROUP_NAME, "ClusterRole", "a/b")),
        vec![r#"roleRef.name: Invalid value: "a/b": may not contain '/'"#]
    );
    assert_eq!(
        crb(role_ref(GROUP_NAME, "ClusterRole", ".")),
        vec![r#"roleRef.name: Invalid value: ".": may not be '.'"#]
    );
}

#[test]
fn subject_messages() {
    let in_rb = |s: Subject| {
        messages(&validate_role_binding(&role_binding(
            role_ref(GROUP_NAME, "Role", "r"),
            vec![user("ok"), s],
        )))
    };
    let in_crb = |s: Subject| {
        messages(&validate_cluster_role_binding(&cluster_role_binding(
            role_ref(GROUP_NAME, "ClusterRole", "r"),
            vec![s],
        )))
    };
    assert_eq!(
        in_rb(subject("User", Some(GROUP_NAME), "", None)),
        vec!["subjects[1].name: Required value"]
    );
    assert_eq!(
        in_rb(subject("User", None, "alice", None)),
        vec![
            r#"subjects[1].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io""#
        ]
    );
    assert_eq!(
        in_rb(subject("Group", Some("v1"), "devs", None)),
        vec![
            r#"subjects[1].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io""#
        ]
    );
    assert_eq!(
        in_rb(subject("Robot", Some(GROUP_NAME), "r2", None)),
        vec![
            r#"subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group""#
        ]
    );
    assert_eq!(
        in_rb(subject("", None, "", None)),
        vec![
            "subjects[1].name: Required value",
            r#"subjects[1].kind: Unsupported value: "": supported values: "ServiceAccount", "User", "Group""#,
        ]
    );
    assert_eq!(
        in_rb(subject("ServiceAccount", None, "Bad_Name", None)),
        vec![format!(
            r#"subjects[1].name: Invalid value: "Bad_Name": {SUBDOMAIN_MSG}"#
        )]
    );
    assert_eq!(
        in_rb(subject("ServiceAccount", Some(GROUP_NAME), "sa", None)),
        vec![
            r#"subjects[1].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: """#
        ]
    );
    assert_eq!(
        in_rb(subject("ServiceAccount", None, "", None)),
        vec!["subjects[1].name: Required value"]
    );
    // Only ClusterRoleBindings require the service account's namespace.
    assert_eq!(
        in_crb(subject("ServiceAccount", None, "sa", None)),
        vec!["subjects[0].namespace: Required value"]
    );
    assert_eq!(
        in_crb(subject("ServiceAccount", None, "sa", Some(""))),
        vec!["subjects[0].namespace: Required value"]
    );
}

fn selector(labels: &[(&str, &str)], exprs: Vec<LabelSelectorRequirement>) -> LabelSelector {
    LabelSelector {
        match_labels: (!labels.is_empty()).then(|| {
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        }),
        match_expressions: (!exprs.is_empty()).then_some(exprs),
    }
}

fn aggregated(selectors: Option<Vec<LabelSelector>>) -> ClusterRole {
    ClusterRole {
        aggregation_rule: Some(AggregationRule {
            cluster_role_selectors: selectors,
        }),
        ..cluster_role(vec![])
    }
}

#[test]
fn aggregation_rule_messages() {
    let ok = aggregated(Some(vec![selector(
        &[("rbac.example.com/aggregate-to-x", "true")],
        vec![],
    )]));
    assert!(validate_cluster_role(&ok).is_empty());
    for empty in [None, Some(vec![])] {
        assert_eq!(
            messages(&validate_cluster_role(&aggregated(empty))),
            vec![
                "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil"
            ]
        );
    }
    let bad_op = LabelSelectorRequirement {
        key: "k".into(),
        operator: "Near".into(),
        values: None,
    };
    assert_eq!(
        messages(&validate_cluster_role(&aggregated(Some(vec![
            selector(&[], vec![]),
            selector(&[], vec![bad_op]),
        ])))),
        vec![
            r#"aggregationRule.clusterRoleSelectors[1].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator"#,
            "aggregationRule.clusterRoleSelectors[1]: Invalid value: null: invalid label selector.",
        ]
    );
}

fn with_invalid_value() -> ClusterRole {
    aggregated(Some(vec![selector(
        &[],
        vec![LabelSelectorRequirement {
            key: "k".into(),
            operator: "In".into(),
            values: Some(strings(&["bad value"])),
        }],
    )]))
}

#[test]
fn invalid_selector_values_are_tolerated_only_when_already_stored() {
    let value_msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    let new = with_invalid_value();
    let create = format!(
        r#"aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values[0]: Invalid value: "bad value": {value_msg}"#
    );
    let conversion =
        "aggregationRule.clusterRoleSelectors[0]: Invalid value: null: invalid label selector.";
    assert_eq!(
        messages(&validate_cluster_role(&new)),
        vec![create.clone(), conversion.to_string()]
    );
    // Updating an object that was valid: strict, and (as upstream) every create-time error twice.
    let old_valid = cluster_role(vec![]);
    assert_eq!(
        messages(&validate_cluster_role_update(&new, &old_valid)),
        vec![
            create.clone(),
            conversion.to_string(),
            create,
            conversion.to_string()
        ]
    );
    // Updating an object that already had the bad value: the value check is skipped, but
    // upstream's selector conversion still fails.
    assert_eq!(
        messages(&validate_cluster_role_update(&new, &with_invalid_value())),
        vec![conversion.to_string(), conversion.to_string()]
    );
}

#[test]
fn role_ref_is_immutable() {
    let old = role_binding(role_ref(GROUP_NAME, "Role", "a"), vec![]);
    let new = role_binding(role_ref(GROUP_NAME, "ClusterRole", "b"), vec![]);
    assert_eq!(
        messages(&validate_role_binding_update(&new, &old)),
        vec![
            r#"roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"b"}: cannot change roleRef"#
        ]
    );
    assert!(validate_role_binding_update(&old, &old).is_empty());
    let old = cluster_role_binding(role_ref(GROUP_NAME, "ClusterRole", "a"), vec![]);
    let mut new = old.clone();
    new.role_ref.name = "a<b".into();
    assert_eq!(
        messages(&validate_cluster_role_binding_update(&new, &old)),
        vec![
            r#"roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"a\u003cb"}: cannot change roleRef"#
        ]
    );
    // An absent apiGroup equals an empty one.
    let mut none = old.clone();
    none.role_ref.api_group = None;
    let mut empty = old.clone();
    empty.role_ref.api_group = Some(String::new());
    assert_eq!(
        messages(&validate_cluster_role_binding_update(&none, &empty)),
        vec![
            r#"roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io""#,
            r#"roleRef.apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io""#,
        ]
    );
}

#[test]
fn updates_check_metadata_and_repeat_create_errors() {
    let old = role(vec![]);
    let mut new = role(vec![rule(&[], &[""], &["pods"], &[], &[])]);
    new.metadata.resource_version = None;
    new.metadata.namespace = Some("other".into());
    let errs = validate_role_update(&new, &old);
    assert_eq!(
        messages(&errs),
        vec![
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[0].verbs: Required value: verbs must contain at least one value",
            r#"metadata.resourceVersion: Invalid value: "": must be specified for an update"#,
            r#"metadata.namespace: Invalid value: "other": field is immutable"#,
        ]
    );
    // The status message shows each error once.
    assert_eq!(
        aggregate(&errs),
        r#"[rules[0].verbs: Required value: verbs must contain at least one value, metadata.resourceVersion: Invalid value: "": must be specified for an update, metadata.namespace: Invalid value: "other": field is immutable]"#
    );
    let old = cluster_role(vec![]);
    let mut new = old.clone();
    new.metadata.name = Some("renamed".into());
    assert_eq!(
        messages(&validate_cluster_role_update(&new, &old)),
        vec![r#"metadata.name: Invalid value: "renamed": field is immutable"#]
    );
    let old = role_binding(role_ref(GROUP_NAME, "Role", "r"), vec![]);
    assert!(validate_role_binding_update(&old, &old).is_empty());
}

#[test]
fn defaulting() {
    let mut r = RoleRef {
        api_group: None,
        kind: "ClusterRole".into(),
        name: "x".into(),
    };
    default_role_ref(&mut r);
    assert_eq!(r.api_group.as_deref(), Some(GROUP_NAME));
    let mut r = role_ref("example.com", "ClusterRole", "x");
    default_role_ref(&mut r);
    assert_eq!(r.api_group.as_deref(), Some("example.com"));

    let mut subjects = vec![
        subject("User", None, "u", None),
        subject("Group", Some(""), "g", None),
        subject("ServiceAccount", None, "sa", None),
        subject("User", Some("custom"), "u2", None),
        subject("Robot", None, "r", None),
    ];
    default_subjects(&mut subjects);
    let groups: Vec<Option<&str>> = subjects.iter().map(|s| s.api_group.as_deref()).collect();
    assert_eq!(
        groups,
        vec![
            Some(GROUP_NAME),
            Some(GROUP_NAME),
            None,
            Some("custom"),
            None
        ]
    );
}
