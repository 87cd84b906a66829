//! Kubelet TLS bootstrapping end to end, as the Kubernetes docs describe it: a node holding only a
//! bootstrap token (`--bootstrap-token-file`) creates a kubelet client CSR with kubectl; once the
//! administrator has applied the documented bindings (`system:bootstrappers` →
//! `system:node-bootstrapper` and → `...:certificatesigningrequests:nodeclient`), the in-process
//! approver approves it (reason `AutoApproved`), the signer issues it, and the certificate logs in
//! as `system:node:worker-1` in `system:nodes` (`kubectl auth whoami`).  The same request to
//! `kubernetes.io/kube-apiserver-client` is never approved.  Last, the cleaner that runs next
//! to the approver, with its windows shortened by flags, deletes denied and pending CSRs.

mod common;

use std::time::{Duration, Instant};

use common::kubeconfig::{self, UserAuth};
use common::kubectl::{Kubectl, KubectlVersion};
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;

const TOKEN: &str = "abcdef.0123456789abcdef";
const NODE: &str = "system:node:worker-1";
const KUBELET: &str = "kubernetes.io/kube-apiserver-client-kubelet";
const CLIENT: &str = "kubernetes.io/kube-apiserver-client";
const USAGES: &[&str] = &["digital signature", "client auth"];

const TOKENS: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-abcdef
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: abcdef
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: "true"
  auth-extra-groups: system:bootstrappers:worker
"#;

/// The documented binding that lets bootstrappers create CSRs.
const CREATE_BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: create-csrs-for-bootstrapping
subjects:
- kind: Group
  name: system:bootstrappers
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: system:node-bootstrapper
  apiGroup: rbac.authorization.k8s.io
";

/// The documented binding that lets their node client CSRs be auto-approved.
const APPROVE_BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auto-approve-csrs-for-group
subjects:
- kind: Group
  name: system:bootstrappers
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: system:certificates.k8s.io:certificatesigningrequests:nodeclient
  apiGroup: rbac.authorization.k8s.io
";

/// Renewals: nodes may create CSRs (upstream's Node authorizer grants this; Signet has none, so a
/// binding does) and have their own renewals approved (the documented
/// `auto-approve-renewals-for-nodes`).
const RENEWAL_BINDINGS: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: nodes-create-csrs
subjects:
- kind: Group
  name: system:nodes
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: system:node-bootstrapper
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auto-approve-renewals-for-nodes
subjects:
- kind: Group
  name: system:nodes
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: ClusterRole
  name: system:certificates.k8s.io:certificatesigningrequests:selfnodeclient
  apiGroup: rbac.authorization.k8s.io
";

fn start() -> Server {
    Server::start_prepared(|work| {
        let file = work.join("bootstrap-tokens.yaml");
        std::fs::write(&file, TOKENS).expect("write the bootstrap token file");
        vec!["--bootstrap-token-file".into(), file.display().to_string()]
    })
}

fn apply(server: &Server, admin: &Kubectl, name: &str, manifest: &str) {
    let path = server.work_dir().join(format!("{name}.yaml"));
    std::fs::write(&path, manifest).expect("write the manifest");
    admin.ok(&["apply", "-f", &path.display().to_string()]);
}

/// The CONDITION column of `kubectl get csr`.
fn condition(kubectl: &Kubectl, name: &str) -> String {
    let out = kubectl.ok(&["get", "csr", name, "--no-headers"]);
    out.split_whitespace().last().unwrap_or("").to_string()
}

/// Polls until the CONDITION column of `name` is `want` (bounded).
fn wait_condition(kubectl: &Kubectl, name: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = condition(kubectl, name);
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: condition {got:?}, waited for {want:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn jsonpath(kubectl: &Kubectl, name: &str, path: &str) -> String {
    kubectl.ok(&["get", "csr", name, "-o", &format!("jsonpath={path}")])
}

#[test]
fn a_node_bootstraps_its_client_certificate_with_a_bootstrap_token() {
    let server = start();
    let work = server.work_dir();
    let admin = server.kubectl(KubectlVersion::V1_37);
    apply(&server, &admin, "create-binding", CREATE_BINDING);

    // The node, with only its bootstrap token.
    let node_config = work.join("bootstrap.kubeconfig");
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &node_config,
        "kubelet-bootstrap",
        UserAuth::Token(TOKEN),
    );
    let node = admin.with_kubeconfig(&node_config);
    let subject = Subject {
        cn: NODE,
        orgs: &["system:nodes"],
        sans: &[],
    };
    let csr = pki::openssl_csr(&work, "worker-1", KeyAlg::EcP256, subject);
    let create = |name: &str, signer: &str| {
        let path = work.join(format!("{name}.yaml"));
        std::fs::write(
            &path,
            pki::csr_manifest(name, &csr.pem, signer, None, USAGES),
        )
        .expect("write the CSR manifest");
        let out = node.ok(&["create", "-f", &path.display().to_string()]);
        assert_eq!(
            out.trim_end(),
            format!("certificatesigningrequest.certificates.k8s.io/{name} created")
        );
    };
    // The same request for the plain client signer first: it is never auto-approved.
    create("not-kubelet", CLIENT);
    create("node-csr-worker-1", KUBELET);
    assert_eq!(
        jsonpath(&admin, "node-csr-worker-1", "{.spec.username}"),
        "system:bootstrap:abcdef"
    );

    // Without the nodeclient binding the approver's review says no: nothing is written.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(condition(&admin, "node-csr-worker-1"), "Pending");

    // The administrator binds it; the approver's next retry approves, the signer issues.
    apply(&server, &admin, "approve-binding", APPROVE_BINDING);
    wait_condition(&admin, "node-csr-worker-1", "Approved,Issued");
    let approval = jsonpath(
        &admin,
        "node-csr-worker-1",
        "{.status.conditions[0].type}|{.status.conditions[0].status}|{.status.conditions[0].reason}|{.status.conditions[0].message}",
    );
    assert_eq!(
        approval,
        "Approved|True|AutoApproved|Auto approving kubelet client certificate after SubjectAccessReview."
    );
    assert!(
        !jsonpath(
            &admin,
            "node-csr-worker-1",
            "{.status.conditions[0].lastUpdateTime}"
        )
        .is_empty(),
        "the server stamps the approval"
    );

    // The node reads its certificate with its token and logs in with it.
    let cert_b64 = jsonpath(&node, "node-csr-worker-1", "{.status.certificate}");
    let cert_pem = {
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD
            .decode(cert_b64.trim())
            .expect("status.certificate is base64");
        String::from_utf8(der).expect("the certificate is PEM")
    };
    let cert_path = work.join("worker-1.crt");
    std::fs::write(&cert_path, &cert_pem).expect("write the certificate");
    let kubelet_config = work.join("kubelet.kubeconfig");
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &kubelet_config,
        NODE,
        UserAuth::ClientCert {
            cert: &cert_path,
            key: &csr.key_path,
        },
    );
    let kubelet = admin.with_kubeconfig(&kubelet_config);
    let whoami: serde_json::Value =
        serde_json::from_str(&kubelet.ok(&["auth", "whoami", "-o", "json"]))
            .expect("whoami prints JSON");
    assert_eq!(whoami["status"]["userInfo"]["username"], NODE);
    assert_eq!(
        whoami["status"]["userInfo"]["groups"],
        serde_json::json!(["system:nodes", "system:authenticated"])
    );

    // The node renews with its own certificate: approved as a self node client.
    apply(&server, &admin, "renewal-bindings", RENEWAL_BINDINGS);
    let renewal = pki::openssl_csr(&work, "worker-1-renewal", KeyAlg::EcP256, subject);
    let path = work.join("renewal.yaml");
    std::fs::write(
        &path,
        pki::csr_manifest("node-csr-renewal", &renewal.pem, KUBELET, None, USAGES),
    )
    .expect("write the renewal manifest");
    kubelet.ok(&["create", "-f", &path.display().to_string()]);
    wait_condition(&admin, "node-csr-renewal", "Approved,Issued");
    assert_eq!(
        jsonpath(
            &admin,
            "node-csr-renewal",
            "{.spec.username}|{.status.conditions[0].reason}|{.status.conditions[0].message}"
        ),
        format!(
            "{NODE}|AutoApproved|Auto approving self kubelet client certificate after SubjectAccessReview."
        )
    );

    // Long after, the request to the plain client signer is still pending.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(condition(&admin, "not-kubelet"), "Pending");
    assert_eq!(
        jsonpath(&admin, "not-kubelet", "{.status.conditions}"),
        "",
        "nothing was written to it"
    );
}

/// Polls until `kubectl get csr name` says it is not found (bounded).
fn wait_deleted(kubectl: &Kubectl, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = kubectl.run(&["get", "csr", name, "--no-headers"]);
        if !out.success() {
            assert_eq!(
                out.stderr.trim_end(),
                format!(
                    "Error from server (NotFound): certificatesigningrequests.certificates.k8s.io \"{name}\" not found"
                )
            );
            return;
        }
        assert!(Instant::now() < deadline, "{name} was not deleted:\n{out}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_cleaner_deletes_denied_and_pending_csrs_after_their_windows() {
    let server = Server::start_with(&[
        "--gc-interval",
        "1s",
        "--gc-denied-after",
        "2s",
        "--gc-pending-after",
        "4s",
    ]);
    let work = server.work_dir();
    let admin = server.kubectl(KubectlVersion::V1_37);
    let subject = Subject {
        cn: "dave",
        orgs: &["devs"],
        sans: &[],
    };
    let created = Instant::now();
    for name in ["denied", "pending", "approved"] {
        let csr = pki::openssl_csr(&work, name, KeyAlg::EcP256, subject);
        let path = work.join(format!("{name}.yaml"));
        std::fs::write(
            &path,
            pki::csr_manifest(name, &csr.pem, CLIENT, None, USAGES),
        )
        .expect("write the CSR manifest");
        admin.ok(&["create", "-f", &path.display().to_string()]);
    }
    let as_other = ["--as", "approver", "--as-group", "system:masters"];
    admin.ok(&[&["certificate", "deny", "denied"][..], &as_other[..]].concat());
    admin.ok(&[&["certificate", "approve", "approved"][..], &as_other[..]].concat());
    wait_condition(&admin, "approved", "Approved,Issued");

    wait_deleted(&admin, "denied");
    wait_deleted(&admin, "pending");
    // creationTimestamp has whole seconds, so "older than 4s" can hold 3s after the create.
    assert!(
        created.elapsed() >= Duration::from_secs(3),
        "deleted before the 4s pending window"
    );
    // The issued one is inside its (default, 1h) window.
    assert_eq!(condition(&admin, "approved"), "Approved,Issued");
    assert!(
        server
            .log()
            .contains("Cleaning CSR as it is more than deniedExpiration old and denied."),
        "the cleaner logs why it deletes"
    );
}

#[test]
fn a_negative_cleaner_window_stops_the_start() {
    let out = common::cmd::run(
        std::process::Command::new(env!("CARGO_BIN_EXE_signet"))
            .args(["serve", "--gc-denied-after=-1h"]),
        Duration::from_secs(30),
    );
    assert!(!out.success(), "{out}");
    assert!(
        out.stderr.contains("invalid value '-1h' for '--gc-denied-after <DURATION>': invalid duration \"-1h\": must not be negative"),
        "{out}"
    );
}
