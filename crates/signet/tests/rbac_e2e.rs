//! The separation of powers with real kubectl (1.37 and 1.24): a role granting `approve` on
//! `signers` for `example.com/*`, bound to a user who then approves — through `kubectl --as` and
//! with its own token — a CSR for `example.com/foo` but not one for `other.io/x`; a requester that
//! may not approve its own CSR; `kubectl auth can-i` and `kubectl auth whoami`.

mod common;

use common::kubeconfig::{self, UserAuth};
use common::kubectl::{Kubectl, KubectlVersion};
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;

const BOB_TOKEN: &str = "bob-token-7f3c2a91d0e84b56";
const USAGES: [&str; 2] = ["digital signature", "client auth"];

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: example-approver
rules:
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [\"example.com/*\"]
  verbs: [approve]
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests]
  verbs: [get, list, watch]
- apiGroups: [certificates.k8s.io]
  resources: [certificatesigningrequests/approval]
  verbs: [update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: example-approvers
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: example-approver
subjects:
- kind: User
  name: bob
- kind: User
  name: alice
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: alice-requests
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:node-bootstrapper
subjects:
- kind: User
  name: alice
";

macro_rules! for_both_kubectl_versions {
    ($($scenario:ident),* $(,)?) => {
        mod kubectl_1_37 {
            $(#[test] fn $scenario() { super::$scenario(super::KubectlVersion::V1_37) })*
        }
        mod kubectl_1_24 {
            $(#[test] fn $scenario() { super::$scenario(super::KubectlVersion::V1_24) })*
        }
    };
}

for_both_kubectl_versions!(separation_of_powers);

fn create_csr(server: &Server, kubectl: &Kubectl, name: &str, signer: &str, extra: &[&str]) {
    let csr = pki::openssl_csr(
        &server.work_dir(),
        name,
        KeyAlg::EcP256,
        Subject {
            cn: name,
            orgs: &[],
            sans: &[],
        },
    );
    let manifest = pki::csr_manifest(name, &csr.pem, signer, None, &USAGES);
    let path = server.work_dir().join(format!("{name}.yaml"));
    std::fs::write(&path, manifest).expect("write manifest");
    let file = path.display().to_string();
    let mut args = vec!["create", "-f", file.as_str()];
    args.extend_from_slice(extra);
    let out = kubectl.ok(&args);
    assert_eq!(
        out.trim_end(),
        format!("certificatesigningrequest.certificates.k8s.io/{name} created")
    );
}

fn separation_of_powers(version: KubectlVersion) {
    let server = Server::start_prepared(|work| {
        let tokens = work.join("tokens.csv");
        std::fs::write(&tokens, format!("{BOB_TOKEN},bob,uid-bob\n")).expect("token file");
        vec!["--token-auth-file".into(), tokens.display().to_string()]
    });
    let work = server.work_dir();
    let admin = Kubectl::new(version, &server.admin_kubeconfig(), &work);
    let rbac = work.join("rbac.yaml");
    std::fs::write(&rbac, RBAC).expect("write rbac.yaml");
    let out = admin.ok(&["apply", "-f", &rbac.display().to_string()]);
    assert_eq!(
        out.trim_end(),
        "clusterrole.rbac.authorization.k8s.io/example-approver created\n\
         clusterrolebinding.rbac.authorization.k8s.io/example-approvers created\n\
         clusterrolebinding.rbac.authorization.k8s.io/alice-requests created",
        "{version}"
    );

    // Two CSRs requested by carol (the admin impersonating her).
    let as_carol = ["--as", "carol", "--as-group", "system:masters"];
    create_csr(&server, &admin, "for-foo", "example.com/foo", &as_carol);
    create_csr(&server, &admin, "for-other", "other.io/x", &as_carol);

    // bob, through the admin's impersonation, approves for example.com/* only.
    let out = admin.ok(&["certificate", "approve", "for-foo", "--as", "bob"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/for-foo approved",
        "{version}"
    );
    let out = admin.fails(&["certificate", "approve", "for-other", "--as", "bob"]);
    assert_eq!(
        out.stderr.trim_end(),
        "Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io \"for-other\" is forbidden: user not permitted to approve requests with signerName \"other.io/x\"",
        "{version}"
    );

    // bob with his own token: the same answer.
    let bob_config = work.join("bob.kubeconfig");
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &bob_config,
        "bob",
        UserAuth::Token(BOB_TOKEN),
    );
    let bob = admin.with_kubeconfig(&bob_config);
    let out = bob.fails(&["certificate", "approve", "for-other"]);
    assert!(
        out.stderr
            .contains("user not permitted to approve requests with signerName \"other.io/x\""),
        "{version}\n{out}"
    );

    // alice (a client certificate) may request and approve for example.com/*, but not her own CSR.
    let (cert, key) = pki::mint_client_cert(
        &server.pki_dir(),
        &work,
        "alice",
        Subject {
            cn: "alice",
            orgs: &["devs"],
            sans: &[],
        },
    );
    let alice_config = work.join("alice.kubeconfig");
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &alice_config,
        "alice",
        UserAuth::ClientCert {
            cert: &cert,
            key: &key,
        },
    );
    let alice = admin.with_kubeconfig(&alice_config);
    create_csr(&server, &alice, "alices", "example.com/foo", &[]);
    let out = alice.fails(&["certificate", "approve", "alices"]);
    assert_eq!(
        out.stderr.trim_end(),
        "Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io \"alices\" is forbidden: user \"alice\" requested this CSR and may not approve it: self-approval is refused by Signet's governance policy",
        "{version}"
    );
    let out = bob.ok(&["certificate", "approve", "alices"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/alices approved",
        "{version}"
    );
    let rows = admin.ok(&["get", "csr", "--no-headers"]);
    let conditions: Vec<(String, String)> = rows
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (
                cells[0].to_string(),
                cells.last().copied().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        conditions,
        vec![
            ("alices".to_string(), "Approved".to_string()),
            ("for-foo".to_string(), "Approved".to_string()),
            ("for-other".to_string(), "Pending".to_string()),
        ],
        "{version}"
    );
    let requestors: Vec<String> = rows
        .lines()
        .map(|l| l.split_whitespace().nth(3).unwrap_or("").to_string())
        .collect();
    assert_eq!(requestors, vec!["alice", "carol", "carol"], "{version}");

    // kubectl auth can-i
    let out = admin.fails(&[
        "auth",
        "can-i",
        "create",
        "certificatesigningrequests",
        "--as",
        "bob",
    ]);
    assert_eq!(out.stdout.trim_end(), "no", "{version}");
    let out = admin.run(&[
        "auth",
        "can-i",
        "create",
        "certificatesigningrequests",
        "--as",
        "alice",
    ]);
    assert!(out.success(), "{version}\n{out}");
    assert_eq!(out.stdout.trim_end(), "yes", "{version}");
    let out = bob.run(&[
        "auth",
        "can-i",
        "update",
        "certificatesigningrequests",
        "--subresource",
        "approval",
    ]);
    assert_eq!(out.stdout.trim_end(), "yes", "{version}\n{out}");

    // Namespaced RBAC: a Role and RoleBinding in kube-system grant bob leases there only.
    let out = admin.ok(&[
        "-n",
        "kube-system",
        "create",
        "role",
        "lease-reader",
        "--verb=get,list",
        "--resource=leases",
    ]);
    assert_eq!(
        out.trim_end(),
        "role.rbac.authorization.k8s.io/lease-reader created",
        "{version}"
    );
    let out = admin.ok(&[
        "-n",
        "kube-system",
        "create",
        "rolebinding",
        "bob-leases",
        "--role=lease-reader",
        "--user=bob",
    ]);
    assert_eq!(
        out.trim_end(),
        "rolebinding.rbac.authorization.k8s.io/bob-leases created",
        "{version}"
    );
    let out = bob.run(&["-n", "kube-system", "auth", "can-i", "list", "leases"]);
    assert_eq!(out.stdout.trim_end(), "yes", "{version}\n{out}");
    let out = bob.run(&["-n", "default", "auth", "can-i", "list", "leases"]);
    assert_eq!(out.stdout.trim_end(), "no", "{version}\n{out}");
    let out = admin.ok(&["get", "rolebindings", "-A", "--no-headers"]);
    assert!(
        out.contains("kube-system") && out.contains("Role/lease-reader"),
        "{version}\n{out}"
    );

    // kubectl auth whoami (kubectl 1.26+): with a client certificate and with a token.
    if version == KubectlVersion::V1_37 {
        let out = alice.ok(&[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username} {.status.userInfo.groups}",
        ]);
        assert_eq!(out, "alice [\"devs\",\"system:authenticated\"]");
        let out = bob.ok(&[
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username} {.status.userInfo.groups}",
        ]);
        assert_eq!(out, "bob [\"system:authenticated\"]");
    }
}
