//! One table row per rule-matching rule of the spec (§9.3), plus subject matching.

use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};

use super::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        resource_names: (!names.is_empty()).then(|| strings(names)),
        non_resource_urls: None,
    }
}

fn url_rule(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: strings(verbs),
        non_resource_urls: Some(strings(urls)),
        ..PolicyRule::default()
    }
}

const CERTS: &str = "certificates.k8s.io";
const CSRS: &str = "certificatesigningrequests";

fn csr(verb: &str) -> RequestAttributes {
    RequestAttributes::resource("u", &[], verb, CERTS, CSRS)
}

/// `IsAuthorizedForSignerName`'s attributes: verb on `signers` named after the signer.
fn signer(verb: &str, name: &str) -> RequestAttributes {
    RequestAttributes::resource("u", &[], verb, CERTS, "signers").with_name(name)
}

#[test]
fn resource_rules() {
    let cases: Vec<(&str, PolicyRule, RequestAttributes, bool)> = vec![
        // Verbs: the verb itself or `*`.
        (
            "verb listed",
            rule(&["get", "list"], &[CERTS], &[CSRS], &[]),
            csr("list"),
            true,
        ),
        (
            "verb not listed",
            rule(&["get"], &[CERTS], &[CSRS], &[]),
            csr("delete"),
            false,
        ),
        (
            "verb wildcard",
            rule(&["*"], &[CERTS], &[CSRS], &[]),
            csr("delete"),
            true,
        ),
        // API groups: the group, `*`, and `""` is the core group only.
        (
            "group listed",
            rule(&["get"], &[CERTS], &[CSRS], &[]),
            csr("get"),
            true,
        ),
        (
            "group wildcard",
            rule(&["get"], &["*"], &[CSRS], &[]),
            csr("get"),
            true,
        ),
        (
            "other group",
            rule(&["get"], &["apps"], &[CSRS], &[]),
            csr("get"),
            false,
        ),
        (
            "core group is not a wildcard",
            rule(&["get"], &[""], &[CSRS], &[]),
            csr("get"),
            false,
        ),
        (
            "core group matches core requests",
            rule(&["get"], &[""], &["pods"], &[]),
            RequestAttributes::resource("u", &[], "get", "", "pods"),
            true,
        ),
        // Resources: exact, `*`, `*/sub` only with a subresource, no suffix globs.
        (
            "resource listed",
            rule(&["get"], &[CERTS], &[CSRS], &[]),
            csr("get"),
            true,
        ),
        (
            "resource wildcard",
            rule(&["get"], &[CERTS], &["*"], &[]),
            csr("get"),
            true,
        ),
        (
            "resource wildcard covers subresources",
            rule(&["update"], &[CERTS], &["*"], &[]),
            csr("update").with_subresource("approval"),
            true,
        ),
        (
            "resource does not grant its subresource",
            rule(&["update"], &[CERTS], &[CSRS], &[]),
            csr("update").with_subresource("approval"),
            false,
        ),
        (
            "subresource does not grant its resource",
            rule(
                &["update"],
                &[CERTS],
                &["certificatesigningrequests/approval"],
                &[],
            ),
            csr("update"),
            false,
        ),
        (
            "resource/subresource listed",
            rule(
                &["update"],
                &[CERTS],
                &["certificatesigningrequests/approval"],
                &[],
            ),
            csr("update").with_subresource("approval"),
            true,
        ),
        (
            "other subresource",
            rule(
                &["update"],
                &[CERTS],
                &["certificatesigningrequests/status"],
                &[],
            ),
            csr("update").with_subresource("approval"),
            false,
        ),
        (
            "*/subresource grants that subresource",
            rule(&["update"], &[CERTS], &["*/approval"], &[]),
            csr("update").with_subresource("approval"),
            true,
        ),
        (
            "*/subresource does not grant another",
            rule(&["update"], &[CERTS], &["*/approval"], &[]),
            csr("update").with_subresource("status"),
            false,
        ),
        (
            "*/subresource does not grant the main resource",
            rule(&["update"], &[CERTS], &["*/approval"], &[]),
            csr("update"),
            false,
        ),
        (
            "no suffix glob",
            rule(
                &["update"],
                &[CERTS],
                &["certificatesigningrequests/*"],
                &[],
            ),
            csr("update").with_subresource("approval"),
            false,
        ),
        (
            "no prefix glob",
            rule(&["get"], &[CERTS], &["certificate*"], &[]),
            csr("get"),
            false,
        ),
        // Resource names: exact only; a rule with names never matches a nameless request.
        (
            "no names matches any name",
            rule(&["get"], &[CERTS], &[CSRS], &[]),
            csr("get").with_name("x"),
            true,
        ),
        (
            "name listed",
            rule(&["get"], &[CERTS], &[CSRS], &["x", "y"]),
            csr("get").with_name("y"),
            true,
        ),
        (
            "name not listed",
            rule(&["get"], &[CERTS], &[CSRS], &["x"]),
            csr("get").with_name("z"),
            false,
        ),
        (
            "names never match a nameless request",
            rule(&["list"], &[CERTS], &[CSRS], &["x"]),
            csr("list"),
            false,
        ),
        (
            "[\"*\"] is not a wildcard",
            rule(&["get"], &[CERTS], &[CSRS], &["*"]),
            csr("get").with_name("x"),
            false,
        ),
        (
            "[\"*\"] matches the literal name *",
            rule(&["get"], &[CERTS], &[CSRS], &["*"]),
            csr("get").with_name("*"),
            true,
        ),
        (
            "names are case-sensitive",
            rule(&["get"], &[CERTS], &[CSRS], &["X"]),
            csr("get").with_name("x"),
            false,
        ),
        // Signers (§4.1): `<domain>/*` is a literal resource name.
        (
            "signer named exactly",
            rule(
                &["approve"],
                &[CERTS],
                &["signers"],
                &["example.com/my-signer"],
            ),
            signer("approve", "example.com/my-signer"),
            true,
        ),
        (
            "domain wildcard is not a glob",
            rule(&["approve"], &[CERTS], &["signers"], &["example.com/*"]),
            signer("approve", "example.com/my-signer"),
            false,
        ),
        (
            "domain wildcard answers the second check literally",
            rule(&["approve"], &[CERTS], &["signers"], &["example.com/*"]),
            signer("approve", "example.com/*"),
            true,
        ),
        (
            "rule without names matches every signer",
            rule(&["sign"], &[CERTS], &["signers"], &[]),
            signer("sign", "example.com/my-signer"),
            true,
        ),
        (
            "approve does not grant sign",
            rule(&["approve"], &[CERTS], &["signers"], &[]),
            signer("sign", "example.com/my-signer"),
            false,
        ),
        // Resource rules never match non-resource requests.
        (
            "resource rule vs non-resource request",
            rule(&["*"], &["*"], &["*"], &[]),
            RequestAttributes::non_resource("u", &[], "get", "/healthz"),
            false,
        ),
    ];
    for (what, rule, attrs, want) in cases {
        assert_eq!(rule_allows(&attrs, &rule), want, "{what}");
    }
}

#[test]
fn non_resource_rules() {
    let get = |path: &str| RequestAttributes::non_resource("u", &[], "get", path);
    let cases: Vec<(&str, PolicyRule, RequestAttributes, bool)> = vec![
        (
            "exact path",
            url_rule(&["get"], &["/healthz"]),
            get("/healthz"),
            true,
        ),
        (
            "other path",
            url_rule(&["get"], &["/healthz"]),
            get("/livez"),
            false,
        ),
        (
            "no implicit prefix",
            url_rule(&["get"], &["/healthz"]),
            get("/healthz/etcd"),
            false,
        ),
        (
            "trailing slash matters",
            url_rule(&["get"], &["/version"]),
            get("/version/"),
            false,
        ),
        (
            "url wildcard",
            url_rule(&["get"], &["*"]),
            get("/anything"),
            true,
        ),
        (
            "prefix*",
            url_rule(&["get"], &["/apis/*"]),
            get("/apis/certificates.k8s.io/v1"),
            true,
        ),
        (
            "prefix* needs the prefix",
            url_rule(&["get"], &["/apis/*"]),
            get("/apis"),
            false,
        ),
        (
            "prefix* without slash",
            url_rule(&["get"], &["/api*"]),
            get("/apis"),
            true,
        ),
        (
            "only a trailing * is special",
            url_rule(&["get"], &["/a*/b"]),
            get("/ax/b"),
            false,
        ),
        (
            "several trailing * act as one",
            url_rule(&["get"], &["/a**"]),
            get("/ab"),
            true,
        ),
        (
            "verb must match",
            url_rule(&["get"], &["/healthz"]),
            RequestAttributes::non_resource("u", &[], "post", "/healthz"),
            false,
        ),
        (
            "verb wildcard",
            url_rule(&["*"], &["/healthz"]),
            RequestAttributes::non_resource("u", &[], "post", "/healthz"),
            true,
        ),
        (
            "url rule vs resource request",
            url_rule(&["*"], &["*"]),
            csr("get"),
            false,
        ),
    ];
    for (what, rule, attrs, want) in cases {
        assert_eq!(rule_allows(&attrs, &rule), want, "{what}");
    }
}

#[test]
fn api_version_is_ignored() {
    // RequestAttributes has no version at all: a rule for a group matches every version.
    let r = rule(&["get"], &[CERTS], &[CSRS], &[]);
    assert!(rule_allows(&csr("get"), &r));
}

fn subject(kind: &str, name: &str, namespace: Option<&str>) -> Subject {
    Subject {
        kind: kind.to_string(),
        api_group: None,
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
    }
}

#[test]
fn subjects() {
    let groups = strings(&["system:authenticated", "team-a"]);
    let sa = "system:serviceaccount:ns1:builder";
    let cases: Vec<(&str, Subject, &str, &str, bool)> = vec![
        (
            "user exact",
            subject("User", "alice", None),
            "alice",
            "",
            true,
        ),
        (
            "user differs",
            subject("User", "alice", None),
            "bob",
            "",
            false,
        ),
        (
            "user is case-sensitive",
            subject("User", "Alice", None),
            "alice",
            "",
            false,
        ),
        (
            "group member",
            subject("Group", "team-a", None),
            "bob",
            "",
            true,
        ),
        (
            "not a member",
            subject("Group", "team-b", None),
            "bob",
            "",
            false,
        ),
        (
            "a group name is not a user name",
            subject("Group", "bob", None),
            "bob",
            "",
            false,
        ),
        (
            "SA with namespace, in a ClusterRoleBinding",
            subject("ServiceAccount", "builder", Some("ns1")),
            sa,
            "",
            true,
        ),
        (
            "SA with another namespace",
            subject("ServiceAccount", "builder", Some("ns2")),
            sa,
            "",
            false,
        ),
        (
            "SA without namespace, in a ClusterRoleBinding",
            subject("ServiceAccount", "builder", None),
            sa,
            "",
            false,
        ),
        (
            "SA without namespace takes the RoleBinding's",
            subject("ServiceAccount", "builder", None),
            sa,
            "ns1",
            true,
        ),
        (
            "SA empty namespace takes the RoleBinding's",
            subject("ServiceAccount", "builder", Some("")),
            sa,
            "ns1",
            true,
        ),
        (
            "SA in another RoleBinding namespace",
            subject("ServiceAccount", "builder", None),
            sa,
            "ns2",
            false,
        ),
        (
            "SA namespace wins over the RoleBinding's",
            subject("ServiceAccount", "builder", Some("ns1")),
            sa,
            "ns2",
            true,
        ),
        (
            "SA name differs",
            subject("ServiceAccount", "build", Some("ns1")),
            sa,
            "",
            false,
        ),
        (
            "SA name is not a prefix match",
            subject("ServiceAccount", "builder", Some("ns")),
            "system:serviceaccount:ns1:builder",
            "",
            false,
        ),
        (
            "SA subject vs plain user",
            subject("ServiceAccount", "builder", Some("ns1")),
            "builder",
            "",
            false,
        ),
        (
            "unknown kind",
            subject("Robot", "alice", None),
            "alice",
            "",
            false,
        ),
    ];
    for (what, s, user, binding_ns, want) in cases {
        assert_eq!(
            subject_applies(&s, user, &groups, binding_ns),
            want,
            "{what}"
        );
    }
}

#[test]
fn privileged_group() {
    assert!(privileged_group_allows(&strings(&[
        "system:authenticated",
        "system:masters"
    ])));
    assert!(!privileged_group_allows(&strings(&[
        "system:authenticated"
    ])));
    assert!(!privileged_group_allows(&strings(&["System:Masters"])));
    assert!(!privileged_group_allows(&[]));
}
