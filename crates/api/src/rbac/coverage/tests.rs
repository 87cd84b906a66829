//! Coverage atoms, compaction, `CompactString` and the escalation message, against
//! upstream's `policy_comparator_test.go`, `policy_compact_test.go` and `rule_test.go`.

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn opt(items: &[&str]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| strings(items))
}

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: opt(groups),
        resources: opt(resources),
        resource_names: opt(names),
        non_resource_urls: None,
    }
}

fn url_rule(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        non_resource_urls: opt(urls),
        ..PolicyRule::default()
    }
}

#[test]
fn breakdown_order_and_shape() {
    let r = PolicyRule {
        non_resource_urls: opt(&["/x"]),
        ..rule(&["get", "list"], &["", "apps"], &["pods"], &["a", "b"])
    };
    let atoms: Vec<String> = breakdown_rule(&r).iter().map(compact_rule_string).collect();
    assert_eq!(
        atoms,
        vec![
            r#"{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}"#,
            r#"{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["get"]}"#,
            r#"{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["list"]}"#,
            r#"{APIGroups:[""], Resources:["pods"], ResourceNames:["b"], Verbs:["list"]}"#,
            r#"{APIGroups:["apps"], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}"#,
            r#"{APIGroups:["apps"], Resources:["pods"], ResourceNames:["b"], Verbs:["get"]}"#,
            r#"{APIGroups:["apps"], Resources:["pods"], ResourceNames:["a"], Verbs:["list"]}"#,
            r#"{APIGroups:["apps"], Resources:["pods"], ResourceNames:["b"], Verbs:["list"]}"#,
            r#"{NonResourceURLs:["/x"], Verbs:["get"]}"#,
            r#"{NonResourceURLs:["/x"], Verbs:["list"]}"#,
        ]
    );
    // A rule without groups or resources yields no resource atoms at all.
    assert!(breakdown_rule(&rule(&["get"], &[], &["pods"], &[])).is_empty());
}

/// What is checked, the rules held, the rules requested, the uncovered atoms.
type CoverageCase = (
    &'static str,
    Vec<PolicyRule>,
    Vec<PolicyRule>,
    Vec<&'static str>,
);

#[test]
fn coverage_table() {
    let csrs = "certificatesigningrequests";
    let certs = "certificates.k8s.io";
    let cases: Vec<CoverageCase> = vec![
        (
            "exact",
            vec![rule(&["get", "list"], &[certs], &[csrs], &[])],
            vec![rule(&["get"], &[certs], &[csrs], &[])],
            vec![],
        ),
        (
            "wildcards cover everything",
            vec![rule(&["*"], &["*"], &["*"], &[])],
            vec![rule(
                &["approve"],
                &[certs],
                &["signers"],
                &["example.com/x"],
            )],
            vec![],
        ),
        (
            "split across owner rules",
            vec![
                rule(&["get"], &[certs], &[csrs], &[]),
                rule(&["list"], &[certs], &[csrs], &[]),
            ],
            vec![rule(&["get", "list"], &[certs], &[csrs], &[])],
            vec![],
        ),
        (
            "missing verb",
            vec![rule(&["get"], &[certs], &[csrs], &[])],
            vec![rule(&["get", "delete"], &[certs], &[csrs], &[])],
            vec![
                r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests"], Verbs:["delete"]}"#,
            ],
        ),
        (
            "resource does not cover subresource",
            vec![rule(&["update"], &[certs], &[csrs], &[])],
            vec![rule(
                &["update"],
                &[certs],
                &["certificatesigningrequests/approval"],
                &[],
            )],
            vec![
                r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests/approval"], Verbs:["update"]}"#,
            ],
        ),
        (
            "*/sub covers the subresource of any resource",
            vec![rule(&["update"], &[certs], &["*/approval"], &[])],
            vec![rule(
                &["update"],
                &[certs],
                &["certificatesigningrequests/approval"],
                &[],
            )],
            vec![],
        ),
        (
            "*/sub does not cover the main resource",
            vec![rule(&["update"], &[certs], &["*/approval"], &[])],
            vec![rule(&["update"], &[certs], &[csrs], &[])],
            vec![
                r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests"], Verbs:["update"]}"#,
            ],
        ),
        (
            "owner without names covers named atoms",
            vec![rule(&["approve"], &[certs], &["signers"], &[])],
            vec![rule(&["approve"], &[certs], &["signers"], &["a/b", "c/d"])],
            vec![],
        ),
        (
            "named owner covers only its names",
            vec![rule(&["approve"], &[certs], &["signers"], &["a/b"])],
            vec![rule(&["approve"], &[certs], &["signers"], &["a/b", "c/d"])],
            vec![
                r#"{APIGroups:["certificates.k8s.io"], Resources:["signers"], ResourceNames:["c/d"], Verbs:["approve"]}"#,
            ],
        ),
        (
            "named owner never covers the unnamed atom",
            vec![rule(&["approve"], &[certs], &["signers"], &["*"])],
            vec![rule(&["approve"], &[certs], &["signers"], &[])],
            vec![
                r#"{APIGroups:["certificates.k8s.io"], Resources:["signers"], Verbs:["approve"]}"#,
            ],
        ),
        (
            "core group is not a wildcard",
            vec![rule(&["get"], &[""], &["*"], &[])],
            vec![rule(&["get"], &[certs], &[csrs], &[])],
            vec![
                r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests"], Verbs:["get"]}"#,
            ],
        ),
        (
            "non-resource prefix*",
            vec![url_rule(&["get"], &["/apis/*"])],
            vec![url_rule(&["get"], &["/apis/x", "/api"])],
            vec![r#"{NonResourceURLs:["/api"], Verbs:["get"]}"#],
        ),
        (
            "url * covers every url",
            vec![url_rule(&["*"], &["*"])],
            vec![url_rule(&["get", "post"], &["/healthz"])],
            vec![],
        ),
        (
            "resource rules do not cover urls",
            vec![rule(&["*"], &["*"], &["*"], &[])],
            vec![url_rule(&["get"], &["/healthz"])],
            vec![r#"{NonResourceURLs:["/healthz"], Verbs:["get"]}"#],
        ),
        (
            "nothing held",
            vec![],
            vec![rule(&["get"], &[""], &["pods"], &[])],
            vec![r#"{APIGroups:[""], Resources:["pods"], Verbs:["get"]}"#],
        ),
    ];
    for (what, owner, requested, want) in cases {
        let (ok, missing) = covers(&owner, &requested);
        let got: Vec<String> = missing.iter().map(compact_rule_string).collect();
        assert_eq!(got, want, "{what}");
        assert_eq!(ok, want.is_empty(), "{what}");
    }
}

#[test]
fn compact_string_lists_fields_in_upstream_order() {
    let full = PolicyRule {
        verbs: strings(&["get", "watch"]),
        api_groups: opt(&["", "apps"]),
        resources: opt(&["pods"]),
        resource_names: opt(&["a\"b"]),
        non_resource_urls: opt(&["/x"]),
    };
    assert_eq!(
        compact_rule_string(&full),
        r#"{APIGroups:["" "apps"], Resources:["pods"], NonResourceURLs:["/x"], ResourceNames:["a\"b"], Verbs:["get" "watch"]}"#
    );
    assert_eq!(compact_rule_string(&PolicyRule::default()), "{}");
    // Present-but-empty lists are left out like absent ones.
    let empty_lists = PolicyRule {
        verbs: strings(&["get"]),
        api_groups: Some(vec![]),
        ..PolicyRule::default()
    };
    assert_eq!(compact_rule_string(&empty_lists), r#"{Verbs:["get"]}"#);
}

#[test]
fn compaction_merges_verbs_of_simple_atoms() {
    let atoms = breakdown_rule(&rule(&["get", "list"], &[""], &["pods", "secrets"], &[]));
    let mut got: Vec<String> = compact_rules(&atoms)
        .iter()
        .map(compact_rule_string)
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            r#"{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}"#,
            r#"{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}"#,
        ]
    );
    // Per resource name, and never across names or with URL atoms.
    let named = breakdown_rule(&rule(&["get", "update"], &[""], &["cm"], &["a", "b"]));
    let mut got: Vec<String> = compact_rules(&named)
        .iter()
        .map(compact_rule_string)
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            r#"{APIGroups:[""], Resources:["cm"], ResourceNames:["a"], Verbs:["get" "update"]}"#,
            r#"{APIGroups:[""], Resources:["cm"], ResourceNames:["b"], Verbs:["get" "update"]}"#,
        ]
    );
    let urls = breakdown_rule(&url_rule(&["get", "post"], &["/x"]));
    assert_eq!(compact_rules(&urls), urls);
    // A multi-resource rule is not simple and is kept as is.
    let complex = rule(&["get"], &[""], &["a", "b"], &[]);
    assert_eq!(compact_rules(std::slice::from_ref(&complex)), vec![complex]);
}

#[test]
fn escalation_message_matches_upstream() {
    let owner = vec![rule(
        &["get"],
        &["certificates.k8s.io"],
        &["certificatesigningrequests"],
        &[],
    )];
    let requested = vec![
        rule(
            &["get", "list", "watch"],
            &["certificates.k8s.io"],
            &["certificatesigningrequests"],
            &[],
        ),
        rule(
            &["approve"],
            &["certificates.k8s.io"],
            &["signers"],
            &["example.com/*"],
        ),
        url_rule(&["get"], &["/healthz"]),
    ];
    let (ok, missing) = covers(&owner, &requested);
    assert!(!ok);
    let groups = strings(&["system:authenticated", "devs"]);
    assert_eq!(
        escalation_message("bob", &groups, &missing, &[]),
        "user \"bob\" (groups=[\"system:authenticated\" \"devs\"]) is attempting to grant RBAC permissions not currently held:\n\
         {APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests\"], Verbs:[\"list\" \"watch\"]}\n\
         {APIGroups:[\"certificates.k8s.io\"], Resources:[\"signers\"], ResourceNames:[\"example.com/*\"], Verbs:[\"approve\"]}\n\
         {NonResourceURLs:[\"/healthz\"], Verbs:[\"get\"]}"
    );
}

#[test]
fn escalation_message_dedups_lines_and_appends_resolution_errors() {
    let missing = vec![
        rule(&["get"], &[""], &["pods"], &[]),
        url_rule(&["get"], &["/x"]),
        url_rule(&["get"], &["/x"]),
    ];
    assert_eq!(
        escalation_message(
            "u",
            &[],
            &missing,
            &strings(&[r#"clusterroles.rbac.authorization.k8s.io "gone" not found"#])
        ),
        "user \"u\" (groups=[]) is attempting to grant RBAC permissions not currently held:\n\
         {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}\n\
         {NonResourceURLs:[\"/x\"], Verbs:[\"get\"]}; resolution errors: [clusterroles.rbac.authorization.k8s.io \"gone\" not found]"
    );
    assert_eq!(
        escalation_message("u", &[], &missing[..1], &strings(&["e1", "e2"])),
        "user \"u\" (groups=[]) is attempting to grant RBAC permissions not currently held:\n\
         {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}; resolution errors: [[e1, e2]]"
    );
}

#[test]
fn aggregation_rules_need_full_authority() {
    let cluster_admin = vec![rule(&["*"], &["*"], &["*"], &[]), url_rule(&["*"], &["*"])];
    assert_eq!(covers(&cluster_admin, &full_authority()), (true, vec![]));
    let (ok, missing) = covers(&[rule(&["*"], &["*"], &["*"], &[])], &full_authority());
    assert!(!ok);
    assert_eq!(
        missing.iter().map(compact_rule_string).collect::<Vec<_>>(),
        vec![r#"{NonResourceURLs:["*"], Verbs:["*"]}"#]
    );
    assert_eq!(
        AGGREGATION_RULE_FORBIDDEN,
        "must have cluster-admin privileges to use the aggregationRule"
    );
}
