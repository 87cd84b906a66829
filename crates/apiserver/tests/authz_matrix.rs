//! The separation of powers, as a matrix: who may create, read, approve, deny, sign, fail, delete
//! CSRs and write RBAC — each cell asserted with its status code and message, exactly as
//! kube-apiserver's RBAC and CSR admission plugins answer.

mod common_setup;

use common_setup::*;
use serde_json::{Value, json};

const FOO: &str = "example.com/foo";
const OTHER: &str = "other.io/x";

const REQUESTER: &str = "requester-token-0123456789";
const APPROVER_FOO: &str = "approver-foo-token-0123456789";
const APPROVER_WILD: &str = "approver-wild-token-0123456789";
const SIGNER_FOO: &str = "signer-foo-token-0123456789";
const SIGNER_OTHER: &str = "signer-other-token-0123456789";
const SERVICE_ACCOUNT: &str = "sa-token-0123456789";
const NODE: &str = "abcdef.0123456789abcdef";
const ANONYMOUS: &str = "";

const TOKENS: &str = "requester-token-0123456789,requester,uid-r,\"requesters\"
approver-foo-token-0123456789,approver-foo,uid-af
approver-wild-token-0123456789,approver-wild,uid-aw
signer-foo-token-0123456789,signer-foo,uid-sf
signer-other-token-0123456789,signer-other,uid-so
sa-token-0123456789,system:serviceaccount:ci:deployer,uid-sa,\"system:serviceaccounts,system:serviceaccounts:ci\"
";

const BOOTSTRAP: &str = "apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-abcdef
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: abcdef
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: \"true\"
";

fn role(name: &str, rules: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules})
}

fn binding(name: &str, role: &str, subject: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject]})
}

fn user(name: &str) -> Value {
    json!({"kind": "User", "name": name})
}

const CLUSTER_ROLES: &str = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
const CLUSTER_ROLE_BINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";

fn read_csrs() -> Value {
    json!({"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests"], "verbs": ["get", "list", "watch"]})
}

fn signer_rule(verb: &str, name: &str) -> Value {
    json!({"apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "resourceNames": [name], "verbs": [verb]})
}

fn sub_rule(sub: &str) -> Value {
    json!({"apiGroups": ["certificates.k8s.io"], "resources": [format!("certificatesigningrequests/{sub}")], "verbs": ["update"]})
}

async fn setup() -> Harness {
    let h = harness_with(TOKENS, Some(BOOTSTRAP)).await;
    let create_rules = json!([{"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests"], "verbs": ["create", "get", "list", "watch"]}]);
    let objects = [
        (CLUSTER_ROLES, role("csr-requester", create_rules)),
        (
            CLUSTER_ROLES,
            role(
                "approve-foo",
                json!([
                    read_csrs(),
                    sub_rule("approval"),
                    signer_rule("approve", FOO)
                ]),
            ),
        ),
        (
            CLUSTER_ROLES,
            role(
                "approve-example",
                json!([
                    read_csrs(),
                    sub_rule("approval"),
                    signer_rule("approve", "example.com/*")
                ]),
            ),
        ),
        (
            CLUSTER_ROLES,
            role(
                "sign-foo",
                json!([read_csrs(), sub_rule("status"), signer_rule("sign", FOO)]),
            ),
        ),
        (
            CLUSTER_ROLES,
            role(
                "sign-other",
                json!([read_csrs(), sub_rule("status"), signer_rule("sign", OTHER)]),
            ),
        ),
        (
            CLUSTER_ROLE_BINDINGS,
            binding(
                "requesters",
                "csr-requester",
                json!({"kind": "Group", "name": "requesters"}),
            ),
        ),
        (
            CLUSTER_ROLE_BINDINGS,
            binding("approver-foo", "approve-foo", user("approver-foo")),
        ),
        (
            CLUSTER_ROLE_BINDINGS,
            binding("approver-wild", "approve-example", user("approver-wild")),
        ),
        (
            CLUSTER_ROLE_BINDINGS,
            binding("signer-foo", "sign-foo", user("signer-foo")),
        ),
        (
            CLUSTER_ROLE_BINDINGS,
            binding("signer-other", "sign-other", user("signer-other")),
        ),
        // The kubelet TLS-bootstrapping docs' binding: bootstrappers may create CSRs.
        (
            CLUSTER_ROLE_BINDINGS,
            binding(
                "create-csrs-for-bootstrapping",
                "system:node-bootstrapper",
                json!({"kind": "Group", "name": "system:bootstrappers"}),
            ),
        ),
    ];
    for (path, obj) in objects {
        let r = h.admin("POST", path, Some(obj)).await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    }
    h
}

/// A fresh CSR for `signer`, requested by the requester (so that nobody in the matrix is deciding
/// its own request, except where that is the point).
async fn fresh_csr(h: &Harness, name: &str, signer: &str) -> Value {
    let r = h
        .as_user(REQUESTER, "POST", CSRS, Some(csr_object(name, signer)))
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    r.body
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Create,
    Get,
    List,
    Watch,
    Approve,
    Deny,
    SetCertificate,
    SetFailed,
    Delete,
    CreateApproverRole,
    BindApproverRole,
}

async fn perform(h: &Harness, token: &str, action: Action, n: usize, signer: &str) -> Resp {
    let name = format!("m{n}");
    let csr = fresh_csr(h, &name, signer).await;
    let tok = if token.is_empty() { None } else { Some(token) };
    let json_ct = Some("application/json");
    let with_condition = |ty: &str| {
        let mut o = csr.clone();
        o["status"]["conditions"] = json!([{"type": ty, "status": "True", "reason": "Matrix"}]);
        o.to_string().into_bytes()
    };
    match action {
        Action::Create => {
            let body = csr_object(&format!("new{n}"), signer)
                .to_string()
                .into_bytes();
            h.call("POST", CSRS, tok, json_ct, body).await
        }
        Action::Get => {
            h.call("GET", &format!("{CSRS}/{name}"), tok, None, vec![])
                .await
        }
        Action::List => h.call("GET", CSRS, tok, None, vec![]).await,
        Action::Watch => {
            h.call(
                "GET",
                &format!("{CSRS}?watch=true&timeoutSeconds=1"),
                tok,
                None,
                vec![],
            )
            .await
        }
        Action::Approve => {
            h.call(
                "PUT",
                &format!("{CSRS}/{name}/approval"),
                tok,
                json_ct,
                with_condition("Approved"),
            )
            .await
        }
        Action::Deny => {
            h.call(
                "PUT",
                &format!("{CSRS}/{name}/approval"),
                tok,
                json_ct,
                with_condition("Denied"),
            )
            .await
        }
        Action::SetCertificate => {
            let cert = rcgen::generate_simple_self_signed(vec!["m.example.com".into()])
                .expect("cert")
                .cert
                .pem();
            let mut o = csr.clone();
            o["status"]["certificate"] = json!(b64(cert.as_bytes()));
            h.call(
                "PUT",
                &format!("{CSRS}/{name}/status"),
                tok,
                json_ct,
                o.to_string().into_bytes(),
            )
            .await
        }
        Action::SetFailed => {
            h.call(
                "PUT",
                &format!("{CSRS}/{name}/status"),
                tok,
                json_ct,
                with_condition("Failed"),
            )
            .await
        }
        Action::Delete => {
            h.call("DELETE", &format!("{CSRS}/{name}"), tok, None, vec![])
                .await
        }
        Action::CreateApproverRole => {
            let body = role(
                &format!("granted-{n}"),
                json!([signer_rule("approve", signer)]),
            )
            .to_string()
            .into_bytes();
            h.call("POST", CLUSTER_ROLES, tok, json_ct, body).await
        }
        Action::BindApproverRole => {
            let me = if token == NODE {
                "system:bootstrap:abcdef"
            } else {
                "someone"
            };
            let body = binding(&format!("bound-{n}"), "approve-foo", user(me))
                .to_string()
                .into_bytes();
            h.call("POST", CLUSTER_ROLE_BINDINGS, tok, json_ct, body)
                .await
        }
    }
}

fn rbac_denied(user: &str, verb: &str, resource: &str, name: &str) -> String {
    let target = if name.is_empty() {
        String::new()
    } else {
        format!(" \"{name}\"")
    };
    let (group, qualified) = if resource.starts_with("cluster") {
        (
            "rbac.authorization.k8s.io",
            format!("{}.rbac.authorization.k8s.io", resource),
        )
    } else {
        (
            "certificates.k8s.io",
            format!(
                "{}.certificates.k8s.io",
                resource.split('/').next().unwrap_or(resource)
            ),
        )
    };
    format!(
        "{qualified}{target} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" at the cluster scope"
    )
}

#[tokio::test]
async fn authorization_matrix() {
    use Action::*;
    let h = setup().await;
    let csrs = "certificatesigningrequests";
    // (token, user name, action, signer, expected code, expected message or "" when allowed)
    let cases: Vec<(&str, &str, Action, &str, u16, String)> = vec![
        // requester-only
        (REQUESTER, "requester", Create, FOO, 201, String::new()),
        (REQUESTER, "requester", Get, FOO, 200, String::new()),
        (REQUESTER, "requester", List, FOO, 200, String::new()),
        (REQUESTER, "requester", Watch, FOO, 200, String::new()),
        (REQUESTER, "requester", Approve, FOO, 403, rbac_denied("requester", "update", &format!("{csrs}/approval"), "m{n}")),
        (REQUESTER, "requester", Deny, FOO, 403, rbac_denied("requester", "update", &format!("{csrs}/approval"), "m{n}")),
        (REQUESTER, "requester", SetCertificate, FOO, 403, rbac_denied("requester", "update", &format!("{csrs}/status"), "m{n}")),
        (REQUESTER, "requester", SetFailed, FOO, 403, rbac_denied("requester", "update", &format!("{csrs}/status"), "m{n}")),
        (REQUESTER, "requester", Delete, FOO, 403, rbac_denied("requester", "delete", csrs, "m{n}")),
        (REQUESTER, "requester", CreateApproverRole, FOO, 403, rbac_denied("requester", "create", "clusterroles", "")),
        (REQUESTER, "requester", BindApproverRole, FOO, 403, rbac_denied("requester", "create", "clusterrolebindings", "")),
        // approver for example.com/foo
        (APPROVER_FOO, "approver-foo", Create, FOO, 403, rbac_denied("approver-foo", "create", csrs, "")),
        (APPROVER_FOO, "approver-foo", Get, FOO, 200, String::new()),
        (APPROVER_FOO, "approver-foo", List, FOO, 200, String::new()),
        (APPROVER_FOO, "approver-foo", Watch, FOO, 200, String::new()),
        (APPROVER_FOO, "approver-foo", Approve, FOO, 200, String::new()),
        (APPROVER_FOO, "approver-foo", Deny, FOO, 200, String::new()),
        (APPROVER_FOO, "approver-foo", Approve, OTHER, 403, "certificatesigningrequests.certificates.k8s.io \"m{n}\" is forbidden: user not permitted to approve requests with signerName \"other.io/x\"".into()),
        (APPROVER_FOO, "approver-foo", Approve, "example.com/bar", 403, "certificatesigningrequests.certificates.k8s.io \"m{n}\" is forbidden: user not permitted to approve requests with signerName \"example.com/bar\"".into()),
        (APPROVER_FOO, "approver-foo", SetCertificate, FOO, 403, rbac_denied("approver-foo", "update", &format!("{csrs}/status"), "m{n}")),
        (APPROVER_FOO, "approver-foo", SetFailed, FOO, 403, rbac_denied("approver-foo", "update", &format!("{csrs}/status"), "m{n}")),
        (APPROVER_FOO, "approver-foo", Delete, FOO, 403, rbac_denied("approver-foo", "delete", csrs, "m{n}")),
        (APPROVER_FOO, "approver-foo", CreateApproverRole, FOO, 403, rbac_denied("approver-foo", "create", "clusterroles", "")),
        (APPROVER_FOO, "approver-foo", BindApproverRole, FOO, 403, rbac_denied("approver-foo", "create", "clusterrolebindings", "")),
        // approver for example.com/* (the literal wildcard resourceName)
        (APPROVER_WILD, "approver-wild", Approve, FOO, 200, String::new()),
        (APPROVER_WILD, "approver-wild", Approve, "example.com/bar", 200, String::new()),
        (APPROVER_WILD, "approver-wild", Deny, FOO, 200, String::new()),
        (APPROVER_WILD, "approver-wild", Approve, OTHER, 403, "certificatesigningrequests.certificates.k8s.io \"m{n}\" is forbidden: user not permitted to approve requests with signerName \"other.io/x\"".into()),
        (APPROVER_WILD, "approver-wild", SetCertificate, FOO, 403, rbac_denied("approver-wild", "update", &format!("{csrs}/status"), "m{n}")),
        // signer for example.com/foo
        (SIGNER_FOO, "signer-foo", Create, FOO, 403, rbac_denied("signer-foo", "create", csrs, "")),
        (SIGNER_FOO, "signer-foo", Get, FOO, 200, String::new()),
        (SIGNER_FOO, "signer-foo", Approve, FOO, 403, rbac_denied("signer-foo", "update", &format!("{csrs}/approval"), "m{n}")),
        (SIGNER_FOO, "signer-foo", SetCertificate, FOO, 200, String::new()),
        (SIGNER_FOO, "signer-foo", SetFailed, FOO, 200, String::new()),
        (SIGNER_FOO, "signer-foo", SetCertificate, OTHER, 403, "certificatesigningrequests.certificates.k8s.io \"m{n}\" is forbidden: user not permitted to sign requests with signerName \"other.io/x\"".into()),
        (SIGNER_FOO, "signer-foo", Delete, FOO, 403, rbac_denied("signer-foo", "delete", csrs, "m{n}")),
        // signer for another signer: may fail, may not sign
        (SIGNER_OTHER, "signer-other", SetCertificate, FOO, 403, "certificatesigningrequests.certificates.k8s.io \"m{n}\" is forbidden: user not permitted to sign requests with signerName \"example.com/foo\"".into()),
        (SIGNER_OTHER, "signer-other", SetFailed, FOO, 200, String::new()),
        (SIGNER_OTHER, "signer-other", SetCertificate, OTHER, 200, String::new()),
        (SIGNER_OTHER, "signer-other", Approve, OTHER, 403, rbac_denied("signer-other", "update", &format!("{csrs}/approval"), "m{n}")),
        // admin (system:masters)
        (ADMIN, "admin", Create, FOO, 201, String::new()),
        (ADMIN, "admin", Get, FOO, 200, String::new()),
        (ADMIN, "admin", List, FOO, 200, String::new()),
        (ADMIN, "admin", Watch, FOO, 200, String::new()),
        (ADMIN, "admin", Approve, FOO, 200, String::new()),
        (ADMIN, "admin", Deny, OTHER, 200, String::new()),
        (ADMIN, "admin", SetCertificate, FOO, 200, String::new()),
        (ADMIN, "admin", SetFailed, FOO, 200, String::new()),
        (ADMIN, "admin", Delete, FOO, 200, String::new()),
        (ADMIN, "admin", CreateApproverRole, FOO, 201, String::new()),
        (ADMIN, "admin", BindApproverRole, FOO, 201, String::new()),
        // a node with a bootstrap token: may request, nothing more
        (NODE, "system:bootstrap:abcdef", Create, "kubernetes.io/kube-apiserver-client-kubelet", 201, String::new()),
        (NODE, "system:bootstrap:abcdef", Get, FOO, 200, String::new()),
        (NODE, "system:bootstrap:abcdef", Approve, FOO, 403, rbac_denied("system:bootstrap:abcdef", "update", &format!("{csrs}/approval"), "m{n}")),
        (NODE, "system:bootstrap:abcdef", SetCertificate, FOO, 403, rbac_denied("system:bootstrap:abcdef", "update", &format!("{csrs}/status"), "m{n}")),
        (NODE, "system:bootstrap:abcdef", Delete, FOO, 403, rbac_denied("system:bootstrap:abcdef", "delete", csrs, "m{n}")),
        (NODE, "system:bootstrap:abcdef", BindApproverRole, FOO, 403, rbac_denied("system:bootstrap:abcdef", "create", "clusterrolebindings", "")),
        // a service account with no bindings
        (SERVICE_ACCOUNT, "system:serviceaccount:ci:deployer", Create, FOO, 403, rbac_denied("system:serviceaccount:ci:deployer", "create", csrs, "")),
        (SERVICE_ACCOUNT, "system:serviceaccount:ci:deployer", List, FOO, 403, rbac_denied("system:serviceaccount:ci:deployer", "list", csrs, "")),
        (SERVICE_ACCOUNT, "system:serviceaccount:ci:deployer", Approve, FOO, 403, rbac_denied("system:serviceaccount:ci:deployer", "update", &format!("{csrs}/approval"), "m{n}")),
        (SERVICE_ACCOUNT, "system:serviceaccount:ci:deployer", CreateApproverRole, FOO, 403, rbac_denied("system:serviceaccount:ci:deployer", "create", "clusterroles", "")),
        // anonymous (disabled): 401 everywhere
        (ANONYMOUS, "", Create, FOO, 401, "Unauthorized".into()),
        (ANONYMOUS, "", Get, FOO, 401, "Unauthorized".into()),
        (ANONYMOUS, "", Approve, FOO, 401, "Unauthorized".into()),
        (ANONYMOUS, "", SetCertificate, FOO, 401, "Unauthorized".into()),
        (ANONYMOUS, "", CreateApproverRole, FOO, 401, "Unauthorized".into()),
    ];
    let mut failures = Vec::new();
    for (n, (token, who, action, signer, code, message)) in cases.into_iter().enumerate() {
        let r = perform(&h, token, action, n, signer).await;
        let expected_message = message.replace("{n}", &n.to_string());
        let got_message = r.body["message"].as_str().unwrap_or("").to_string();
        let ok = r.status.as_u16() == code
            && (expected_message.is_empty() || got_message == expected_message);
        if !ok {
            failures.push(format!(
                "{who} {action:?} on {signer}: expected {code} {expected_message:?}, got {} {got_message:?}",
                r.status.as_u16()
            ));
        }
        if code >= 400 && code != 401 {
            assert_eq!(r.body["kind"], "Status", "{who} {action:?}: {}", r.text);
            assert_eq!(
                r.body["reason"], "Forbidden",
                "{who} {action:?}: {}",
                r.text
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} cells differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn escalation_is_prevented_and_escalate_or_bind_lift_it() {
    let h = setup().await;
    let writer = "rbac-writer-token-0123456789";
    let extra = format!("{writer},rbac-writer,uid-w\n");
    let h2 = harness_with(&format!("{TOKENS}{extra}"), None).await;
    drop(h);
    let h = h2;
    let rbac_rules = json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles", "clusterrolebindings"], "verbs": ["create", "get", "list"]}]);
    for (path, obj) in [
        (CLUSTER_ROLES, role("rbac-writer", rbac_rules)),
        (
            CLUSTER_ROLE_BINDINGS,
            binding("rbac-writer", "rbac-writer", user("rbac-writer")),
        ),
        (
            CLUSTER_ROLES,
            role("approve-foo", json!([signer_rule("approve", FOO)])),
        ),
    ] {
        assert_eq!(h.admin("POST", path, Some(obj)).await.status.as_u16(), 201);
    }
    // A role granting approve, which the writer does not hold.
    let r = h
        .as_user(
            writer,
            "POST",
            CLUSTER_ROLES,
            Some(role("mine", json!([signer_rule("approve", FOO)]))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "clusterroles.rbac.authorization.k8s.io \"mine\" is forbidden: user \"rbac-writer\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"certificates.k8s.io\"], Resources:[\"signers\"], ResourceNames:[\"example.com/foo\"], Verbs:[\"approve\"]}"
    );
    // A binding to a role whose permissions the writer does not hold.
    let r = h
        .as_user(
            writer,
            "POST",
            CLUSTER_ROLE_BINDINGS,
            Some(binding("b", "approve-foo", user("rbac-writer"))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert!(
        r.text
            .contains("is attempting to grant RBAC permissions not currently held"),
        "{}",
        r.text
    );
    // A binding to a role that does not exist.
    let r = h
        .as_user(
            writer,
            "POST",
            CLUSTER_ROLE_BINDINGS,
            Some(binding("c", "nope", user("rbac-writer"))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "clusterroles.rbac.authorization.k8s.io \"nope\" not found"
    );
    // Granting `bind` on the role lifts the binding check; `escalate` lifts the role check.
    let lift = json!([
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "resourceNames": ["approve-foo"], "verbs": ["bind"]},
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "resourceNames": ["mine"], "verbs": ["escalate"]},
    ]);
    assert_eq!(
        h.admin("POST", CLUSTER_ROLES, Some(role("lift", lift)))
            .await
            .status
            .as_u16(),
        201
    );
    assert_eq!(
        h.admin(
            "POST",
            CLUSTER_ROLE_BINDINGS,
            Some(binding("lift", "lift", user("rbac-writer")))
        )
        .await
        .status
        .as_u16(),
        201
    );
    let r = h
        .as_user(
            writer,
            "POST",
            CLUSTER_ROLE_BINDINGS,
            Some(binding("b", "approve-foo", user("rbac-writer"))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let r = h
        .as_user(
            writer,
            "POST",
            CLUSTER_ROLES,
            Some(role("mine", json!([signer_rule("approve", FOO)]))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    // Still no escalation to a role it may neither escalate nor fully hold.
    let r = h
        .as_user(
            writer,
            "POST",
            CLUSTER_ROLES,
            Some(role("other", json!([signer_rule("sign", FOO)]))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
}

#[tokio::test]
async fn access_reviews_and_impersonation() {
    let h = setup().await;
    let ssar = |attrs: Value| json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": attrs});
    let r = h.as_user(APPROVER_FOO, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        Some(ssar(json!({"resourceAttributes": {"group": "certificates.k8s.io", "resource": "signers", "verb": "approve", "name": FOO}})))).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    assert_eq!(r.body["status"]["allowed"], true);
    assert_eq!(
        r.body["status"]["reason"],
        "RBAC: allowed by ClusterRoleBinding \"approver-foo\" of ClusterRole \"approve-foo\" to User \"approver-foo\""
    );
    let r = h.as_user(APPROVER_FOO, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        Some(ssar(json!({"resourceAttributes": {"group": "certificates.k8s.io", "resource": "signers", "verb": "approve", "name": OTHER}})))).await;
    assert_eq!(r.body["status"]["allowed"], false);
    let r = h
        .as_user(
            APPROVER_FOO,
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            Some(ssar(json!({}))),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(
        r.text.contains(
            "exactly one of nonResourceAttributes or resourceAttributes must be specified"
        ),
        "{}",
        r.text
    );
    // SubjectAccessReview needs `create` on subjectaccessreviews: the approver may not ask about others.
    let sar = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": "signer-foo", "resourceAttributes": {"group": "certificates.k8s.io", "resource": "signers", "verb": "sign", "name": FOO}}});
    let r = h
        .as_user(
            APPROVER_FOO,
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(sar.clone()),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    let r = h
        .admin(
            "POST",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            Some(sar),
        )
        .await;
    assert_eq!(r.body["status"]["allowed"], true, "{}", r.text);
    // whoami
    let r = h
        .as_user(
            REQUESTER,
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            Some(json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
        )
        .await;
    assert_eq!(
        r.body["status"]["userInfo"],
        json!({"username": "requester", "uid": "uid-r", "groups": ["requesters", "system:authenticated"]})
    );
    // Impersonation: the admin may, the approver may not.
    let req = |token: &str| {
        http::Request::builder()
            .uri(CSRS)
            .header("authorization", format!("Bearer {token}"))
            .header("impersonate-user", "requester")
            .header("impersonate-group", "requesters")
            .body(axum::body::Body::empty())
            .expect("req")
    };
    let resp = tower::ServiceExt::oneshot(h.app.clone(), req(ADMIN))
        .await
        .expect("resp");
    assert_eq!(resp.status().as_u16(), 200);
    // Impersonating the user alone does not bring its groups: the binding is to the group.
    let alone = http::Request::builder()
        .uri(CSRS)
        .header("authorization", format!("Bearer {ADMIN}"))
        .header("impersonate-user", "requester")
        .body(axum::body::Body::empty())
        .expect("req");
    let resp = tower::ServiceExt::oneshot(h.app.clone(), alone)
        .await
        .expect("resp");
    assert_eq!(resp.status().as_u16(), 403);
    let resp = tower::ServiceExt::oneshot(h.app.clone(), req(APPROVER_FOO))
        .await
        .expect("resp");
    assert_eq!(resp.status().as_u16(), 403);
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    let v: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(
        v["message"],
        "users \"requester\" is forbidden: User \"approver-foo\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
    );
}

#[tokio::test]
async fn aggregated_cluster_roles_collect_the_rules_of_the_roles_they_select() {
    let h = setup().await;
    let aggregate = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "csr-readers"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to-csr-readers": "true"}}]}});
    assert_eq!(
        h.admin("POST", CLUSTER_ROLES, Some(aggregate))
            .await
            .status
            .as_u16(),
        201
    );
    let mut piece = role("piece", json!([read_csrs()]));
    piece["metadata"]["labels"] = json!({"example.com/aggregate-to-csr-readers": "true"});
    assert_eq!(
        h.admin("POST", CLUSTER_ROLES, Some(piece))
            .await
            .status
            .as_u16(),
        201
    );
    assert_eq!(
        h.admin(
            "POST",
            CLUSTER_ROLE_BINDINGS,
            Some(binding(
                "readers",
                "csr-readers",
                user("system:serviceaccount:ci:deployer")
            ))
        )
        .await
        .status
        .as_u16(),
        201
    );
    // The aggregation controller runs on changes; wait (bounded) for it to write the rules.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = h
            .admin("GET", &format!("{CLUSTER_ROLES}/csr-readers"), None)
            .await;
        if r.body["rules"] == json!([read_csrs()]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "aggregated rules never appeared: {}",
            r.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = h.as_user(SERVICE_ACCOUNT, "GET", CSRS, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
}
