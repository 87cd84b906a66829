//! Real kubectl against `signet serve`: every scenario runs once with kubectl 1.37 and once with
//! kubectl 1.24, and asserts what the user sees — table columns, condition text, messages and
//! exit codes — as upstream kube-apiserver would make kubectl print them
//! (docs/upstream-csr-semantics.md §3.8, §11).

mod common;

use std::time::Duration;

use common::kubeconfig::{self, UserAuth};
use common::kubectl::{Kubectl, KubectlVersion};
use common::pki::{self, Csr, KeyAlg, Subject};
use common::server::Server;
use serde_yaml::Value;

const SIGNER: &str = "example.com/signet-e2e";
const CLIENT_USAGES: [&str; 3] = ["digital signature", "key encipherment", "client auth"];
const TABLE_HEADER: [&str; 6] = [
    "NAME",
    "AGE",
    "SIGNERNAME",
    "REQUESTOR",
    "REQUESTEDDURATION",
    "CONDITION",
];
const ADMIN: &str = "signet-admin";

/// Generates one `#[test]` per scenario and kubectl version: `kubectl_1_37::<scenario>` and
/// `kubectl_1_24::<scenario>`.
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

for_both_kubectl_versions!(
    create_get_and_describe,
    approve_deny_and_watch,
    label_annotate_and_apply,
    explain,
    delete_then_not_found,
    non_admin_user_is_forbidden,
);

/// Makes a CSR with openssl, writes its manifest and `kubectl create -f`s it.
fn create_csr(
    server: &Server,
    kubectl: &Kubectl,
    name: &str,
    alg: KeyAlg,
    subject: Subject<'_>,
    expiration_seconds: Option<i64>,
) -> Csr {
    let csr = pki::openssl_csr(&server.work_dir(), name, alg, subject);
    let manifest = pki::csr_manifest(name, &csr.pem, SIGNER, expiration_seconds, &CLIENT_USAGES);
    let path = write_manifest(server, name, &manifest);
    let out = kubectl.ok(&["create", "-f", &path]);
    assert_eq!(
        out.trim_end(),
        format!("certificatesigningrequest.certificates.k8s.io/{name} created"),
        "{}: kubectl create output",
        kubectl.version
    );
    csr
}

fn write_manifest(server: &Server, stem: &str, manifest: &str) -> String {
    let path = server.work_dir().join(format!("{stem}.yaml"));
    std::fs::write(&path, manifest).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.display().to_string()
}

fn simple_csr(server: &Server, kubectl: &Kubectl, name: &str) -> Csr {
    let subject = Subject {
        cn: name,
        orgs: &[],
        sans: &[],
    };
    create_csr(server, kubectl, name, KeyAlg::EcP256, subject, None)
}

/// A `kubectl get` table: the header cells and one vector of cells per row.
fn table(stdout: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = stdout.lines().filter(|l| !l.trim().is_empty());
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("no table in kubectl output:\n{stdout}"))
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Asserts an AGE cell of a just-created object: `<n>s` (kubectl's HumanDuration below 2 min).
fn assert_fresh_age(cell: &str, context: &str) {
    let seconds = cell.strip_suffix('s').and_then(|n| n.parse::<u32>().ok());
    assert!(
        seconds.is_some_and(|s| s < 120),
        "{context}: AGE {cell:?} is not a fresh age like `3s`"
    );
}

/// Asserts a row is `[name, <age>, SIGNER, signet-admin, duration, condition]`.
fn assert_row(row: &[String], name: &str, duration: &str, condition: &str, context: &str) {
    assert_eq!(row.len(), 6, "{context}: row {row:?} does not have 6 cells");
    assert_eq!(row[0], name, "{context}: NAME");
    assert_fresh_age(&row[1], context);
    assert_eq!(
        row[2..],
        [SIGNER, ADMIN, duration, condition],
        "{context}: SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION of {name}"
    );
}

fn get_yaml(kubectl: &Kubectl, name: &str) -> Value {
    let out = kubectl.ok(&["get", "csr", name, "-o", "yaml"]);
    serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("`get -o yaml` is not YAML ({e}):\n{out}"))
}

fn condition_of(kubectl: &Kubectl, name: &str) -> String {
    let (header, rows) = table(&kubectl.ok(&["get", "csr", name]));
    assert_eq!(
        header, TABLE_HEADER,
        "{}: get csr {name} header",
        kubectl.version
    );
    assert_eq!(
        rows.len(),
        1,
        "{}: get csr {name} rows {rows:?}",
        kubectl.version
    );
    rows[0].last().cloned().unwrap_or_default()
}

fn create_get_and_describe(version: KubectlVersion) {
    let server = Server::start();
    let kubectl = server.kubectl(version);
    let rsa = create_csr(
        &server,
        &kubectl,
        "e2e-rsa",
        KeyAlg::Rsa2048,
        Subject {
            cn: "e2e-user",
            orgs: &["e2e-group"],
            sans: &["DNS:e2e.example.com", "IP:10.0.0.1"],
        },
        Some(86400),
    );
    let ec = create_csr(
        &server,
        &kubectl,
        "e2e-ec",
        KeyAlg::EcP256,
        Subject {
            cn: "e2e-ec-user",
            orgs: &[],
            sans: &[],
        },
        None,
    );

    // The list is ordered by name; the six upstream columns with the requestor and duration.
    let (header, rows) = table(&kubectl.ok(&["get", "csr"]));
    assert_eq!(header, TABLE_HEADER, "{version}: get csr header");
    assert_eq!(rows.len(), 2, "{version}: get csr rows {rows:?}");
    assert_row(
        &rows[0],
        "e2e-ec",
        "<none>",
        "Pending",
        &format!("{version} get csr"),
    );
    assert_row(
        &rows[1],
        "e2e-rsa",
        "24h",
        "Pending",
        &format!("{version} get csr"),
    );

    for extra in [&[][..], &["-o", "wide"][..]] {
        let mut args = vec!["get", "csr", "e2e-rsa"];
        args.extend_from_slice(extra);
        let (header, rows) = table(&kubectl.ok(&args));
        let context = format!("{version}: {}", args.join(" "));
        assert_eq!(header, TABLE_HEADER, "{context}: header");
        assert_eq!(rows.len(), 1, "{context}: rows {rows:?}");
        assert_row(&rows[0], "e2e-rsa", "24h", "Pending", &context);
    }

    let name = kubectl.ok(&["get", "csr", "e2e-rsa", "-o", "name"]);
    assert_eq!(
        name.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/e2e-rsa"
    );
    let signer = kubectl.ok(&["get", "csr", "e2e-rsa", "-o", "jsonpath={.spec.signerName}"]);
    assert_eq!(
        signer, SIGNER,
        "{version}: -o jsonpath={{.spec.signerName}}"
    );

    let obj = get_yaml(&kubectl, "e2e-rsa");
    assert_eq!(obj["apiVersion"].as_str(), Some("certificates.k8s.io/v1"));
    assert_eq!(obj["kind"].as_str(), Some("CertificateSigningRequest"));
    assert_eq!(obj["metadata"]["name"].as_str(), Some("e2e-rsa"));
    for field in ["uid", "resourceVersion", "creationTimestamp"] {
        assert!(
            obj["metadata"][field]
                .as_str()
                .is_some_and(|v| !v.is_empty()),
            "{version}: metadata.{field} missing in {obj:?}"
        );
    }
    let spec = &obj["spec"];
    assert_eq!(
        spec["request"].as_str(),
        Some(pki::b64(&rsa.pem).as_str()),
        "spec.request"
    );
    assert_eq!(spec["signerName"].as_str(), Some(SIGNER));
    assert_eq!(spec["expirationSeconds"].as_i64(), Some(86400));
    let usages: Vec<&str> = spec["usages"]
        .as_sequence()
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(usages, CLIENT_USAGES, "{version}: spec.usages");
    assert_eq!(
        spec["username"].as_str(),
        Some(ADMIN),
        "{version}: spec.username"
    );
    let groups: Vec<&str> = spec["groups"]
        .as_sequence()
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for group in ["system:masters", "system:authenticated"] {
        assert!(
            groups.contains(&group),
            "{version}: spec.groups {groups:?} lacks {group}"
        );
    }
    assert!(
        obj["status"].as_mapping().is_some_and(|m| m.is_empty()),
        "{version}: a new CSR must have `status: {{}}`, got {:?}",
        obj["status"]
    );
    let ec_obj = get_yaml(&kubectl, "e2e-ec");
    assert_eq!(
        ec_obj["spec"]["request"].as_str(),
        Some(pki::b64(&ec.pem).as_str())
    );
    assert!(
        ec_obj["spec"].get("expirationSeconds").is_none(),
        "{version}: expirationSeconds must be absent when not requested: {:?}",
        ec_obj["spec"]
    );

    let describe = kubectl.ok(&["describe", "csr", "e2e-rsa"]);
    for (label, value) in [
        ("Name", "e2e-rsa"),
        ("Requesting User", ADMIN),
        ("Signer", SIGNER),
        ("Requested Duration", "24h"),
        ("Status", "Pending"),
        ("Common Name", "e2e-user"),
        ("Organization", "e2e-group"),
        ("DNS Names", "e2e.example.com"),
        ("IP Addresses", "10.0.0.1"),
    ] {
        let found = describe.lines().any(|line| {
            line.trim_start()
                .strip_prefix(label)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|rest| rest.trim() == value)
        });
        assert!(
            found,
            "{version}: describe lacks `{label}: {value}`:\n{describe}"
        );
    }
    for heading in ["Subject:", "Subject Alternative Names:"] {
        assert!(
            describe.lines().any(|l| l.trim_end() == heading),
            "{version}: describe lacks `{heading}`:\n{describe}"
        );
    }
}

/// Impersonation of a second administrator, who is not the requester of the admin's CSRs.
const APPROVER: [&str; 4] = ["--as", "approver", "--as-group", "system:masters"];

/// Runs kubectl as [`APPROVER`] and asserts success, like [`Kubectl::ok`].
fn approver(kubectl: &Kubectl, args: &[&str]) -> String {
    kubectl.ok(&[&APPROVER[..], args].concat())
}

fn approve_deny_and_watch(version: KubectlVersion) {
    let server = Server::start();
    let kubectl = server.kubectl(version);
    simple_csr(&server, &kubectl, "to-approve");
    simple_csr(&server, &kubectl, "to-deny");

    // `get -w` prints the current row, then one row per change.
    let mut watch = kubectl.spawn(&["get", "csr", "to-approve", "-w"]);
    let timeout = Duration::from_secs(20);
    let has_row = |out: &str, condition: &str| {
        out.lines().any(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            cells.first() == Some(&"to-approve") && cells.last() == Some(&condition)
        })
    };
    watch.wait_for_stdout("the Pending row", timeout, |out| has_row(out, "Pending"));

    // Signet's governance: the requester (here the admin who created it) may not decide on its
    // own CSR, not even as system:masters (README, "no self-approval").
    for verb in ["approve", "deny"] {
        let out = kubectl.fails(&["certificate", verb, "to-approve"]);
        assert_eq!(
            out.stderr.trim_end(),
            format!(
                "Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io \"to-approve\" is forbidden: user \"signet-admin\" requested this CSR and may not {verb} it: self-approval is refused by Signet's governance policy"
            ),
            "{version}: certificate {verb} by the requester"
        );
    }
    assert_eq!(condition_of(&kubectl, "to-approve"), "Pending");

    // Another administrator decides, as the README shows.
    let out = approver(&kubectl, &["certificate", "approve", "to-approve"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/to-approve approved"
    );
    let seen = watch.wait_for_stdout("a row with CONDITION Approved", timeout, |out| {
        has_row(out, "Approved")
    });
    let (header, _) = table(&seen);
    assert_eq!(header, TABLE_HEADER, "{version}: get -w header");
    drop(watch);

    assert_eq!(condition_of(&kubectl, "to-approve"), "Approved");
    assert_eq!(condition_of(&kubectl, "to-deny"), "Pending");

    let out = approver(&kubectl, &["certificate", "deny", "to-deny"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/to-deny denied"
    );
    assert_eq!(condition_of(&kubectl, "to-deny"), "Denied");

    // kubectl itself refuses to flip a decision (upstream §11.9).
    let out = kubectl.fails(&[&APPROVER[..], &["certificate", "deny", "to-approve"]].concat());
    assert_eq!(
        out.stderr.trim_end(),
        "error: certificate signing request \"to-approve\" is already Approved",
        "{version}: deny of an approved CSR"
    );
    let out = kubectl.fails(&[&APPROVER[..], &["certificate", "approve", "to-deny"]].concat());
    assert_eq!(
        out.stderr.trim_end(),
        "error: certificate signing request \"to-deny\" is already Denied",
        "{version}: approve of a denied CSR"
    );

    for (name, kind, reason, message) in [
        (
            "to-approve",
            "Approved",
            "KubectlApprove",
            "This CSR was approved by kubectl certificate approve.",
        ),
        (
            "to-deny",
            "Denied",
            "KubectlDeny",
            "This CSR was denied by kubectl certificate deny.",
        ),
    ] {
        let obj = get_yaml(&kubectl, name);
        let conditions = obj["status"]["conditions"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{version}: {name} has no status.conditions: {obj:?}"));
        assert_eq!(
            conditions.len(),
            1,
            "{version}: {name} conditions {conditions:?}"
        );
        let c = &conditions[0];
        assert_eq!(
            c["type"].as_str(),
            Some(kind),
            "{version}: {name} condition type"
        );
        assert_eq!(
            c["status"].as_str(),
            Some("True"),
            "{version}: {name} condition status"
        );
        assert_eq!(
            c["reason"].as_str(),
            Some(reason),
            "{version}: {name} condition reason"
        );
        assert_eq!(
            c["message"].as_str(),
            Some(message),
            "{version}: {name} condition message"
        );
        for stamp in ["lastUpdateTime", "lastTransitionTime"] {
            assert!(
                c[stamp].as_str().is_some_and(|t| t.ends_with('Z')),
                "{version}: {name} condition {stamp} missing or not RFC 3339 UTC: {c:?}"
            );
        }
    }
}

fn label_annotate_and_apply(version: KubectlVersion) {
    let server = Server::start();
    let kubectl = server.kubectl(version);
    simple_csr(&server, &kubectl, "tagged");

    let out = kubectl.ok(&["label", "csr", "tagged", "env=e2e"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/tagged labeled"
    );
    let out = kubectl.ok(&["annotate", "csr", "tagged", "note=hello world"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/tagged annotated"
    );
    let obj = get_yaml(&kubectl, "tagged");
    assert_eq!(
        obj["metadata"]["labels"]["env"].as_str(),
        Some("e2e"),
        "{version}: label"
    );
    assert_eq!(
        obj["metadata"]["annotations"]["note"].as_str(),
        Some("hello world"),
        "{version}: annotation"
    );
    let selected = kubectl.ok(&["get", "csr", "-l", "env=e2e", "-o", "name"]);
    assert_eq!(
        selected.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/tagged",
        "{version}: label selector"
    );

    // Client-side apply: created, unchanged, then configured by a metadata change.
    let csr = pki::openssl_csr(
        &server.work_dir(),
        "applied",
        KeyAlg::EcP256,
        Subject {
            cn: "applied",
            orgs: &[],
            sans: &[],
        },
    );
    let manifest = pki::csr_manifest("applied", &csr.pem, SIGNER, Some(3600), &CLIENT_USAGES);
    let path = write_manifest(&server, "applied", &manifest);
    let applied = |expected: &str| {
        let out = kubectl.ok(&["apply", "-f", &path]);
        assert_eq!(
            out.trim_end(),
            format!("certificatesigningrequest.certificates.k8s.io/applied {expected}"),
            "{version}: kubectl apply -f"
        );
    };
    applied("created");
    applied("unchanged");
    let obj = get_yaml(&kubectl, "applied");
    let last_applied =
        obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .unwrap_or_else(|| {
                panic!("{version}: no last-applied-configuration annotation: {obj:?}")
            });
    let last_applied: serde_json::Value =
        serde_json::from_str(last_applied).expect("last-applied-configuration is JSON");
    assert_eq!(last_applied["spec"]["signerName"], SIGNER);
    let mut with_label: Value = serde_yaml::from_str(&manifest).expect("manifest is YAML");
    with_label["metadata"]["labels"] = serde_yaml::from_str("{tier: gold}").expect("YAML");
    let labelled = serde_yaml::to_string(&with_label).expect("YAML");
    std::fs::write(&path, labelled).expect("rewrite the applied manifest");
    applied("configured");
    let obj = get_yaml(&kubectl, "applied");
    assert_eq!(
        obj["metadata"]["labels"]["tier"].as_str(),
        Some("gold"),
        "{version}: applied label"
    );
    assert_eq!(condition_of(&kubectl, "applied"), "Pending");

    // Server-side apply creates, and re-applying the same configuration succeeds again.
    let csr = pki::openssl_csr(
        &server.work_dir(),
        "ssa",
        KeyAlg::Rsa2048,
        Subject {
            cn: "ssa",
            orgs: &[],
            sans: &[],
        },
    );
    let manifest = pki::csr_manifest("ssa", &csr.pem, SIGNER, None, &CLIENT_USAGES);
    let path = write_manifest(&server, "ssa", &manifest);
    for _ in 0..2 {
        let out = kubectl.ok(&["apply", "--server-side", "-f", &path]);
        assert_eq!(
            out.trim_end(),
            "certificatesigningrequest.certificates.k8s.io/ssa serverside-applied",
            "{version}: kubectl apply --server-side"
        );
    }
    let obj = get_yaml(&kubectl, "ssa");
    assert_eq!(
        obj["spec"]["username"].as_str(),
        Some(ADMIN),
        "{version}: ssa requestor"
    );
    assert_eq!(
        obj["spec"]["request"].as_str(),
        Some(pki::b64(&csr.pem).as_str())
    );
}

/// Collapses runs of whitespace, so wrapped and tab-aligned text compares as prose.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn explain(version: KubectlVersion) {
    let server = Server::start();
    let kubectl = server.kubectl(version);

    let out = squash(&kubectl.ok(&["explain", "csr"]));
    for expected in [
        "KIND: CertificateSigningRequest",
        "CertificateSigningRequest objects provide a mechanism to obtain x509 certificates by submitting a certificate signing request, and having it asynchronously approved and issued.",
        "spec <",
        "status <",
    ] {
        assert!(
            out.contains(expected),
            "{version}: explain csr lacks {expected:?}:\n{out}"
        );
    }

    let out = squash(&kubectl.ok(&["explain", "csr.spec"]));
    for expected in [
        "signerName <string> -required-",
        "signerName indicates the requested signer, and is a qualified name.",
        "request <string> -required-",
        "expirationSeconds <integer>",
        "usages <",
    ] {
        assert!(
            out.contains(expected),
            "{version}: explain csr.spec lacks {expected:?}:\n{out}"
        );
    }
}

fn delete_then_not_found(version: KubectlVersion) {
    let server = Server::start();
    let kubectl = server.kubectl(version);
    simple_csr(&server, &kubectl, "doomed");

    let out = kubectl.ok(&["delete", "csr", "doomed"]);
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io \"doomed\" deleted",
        "{version}: kubectl delete"
    );
    let not_found = "Error from server (NotFound): certificatesigningrequests.certificates.k8s.io \"doomed\" not found";
    let out = kubectl.fails(&["get", "csr", "doomed"]);
    assert_eq!(
        out.stderr.trim_end(),
        not_found,
        "{version}: get after delete"
    );
    let out = kubectl.fails(&["delete", "csr", "doomed"]);
    assert_eq!(out.stderr.trim_end(), not_found, "{version}: second delete");

    let out = kubectl.run(&["get", "csr"]);
    assert!(out.success(), "{version}: get csr on an empty list\n{out}");
    assert_eq!(
        out.stdout, "",
        "{version}: get csr on an empty list prints no table"
    );
    assert_eq!(
        out.stderr.trim_end(),
        "No resources found",
        "{version}: empty list message"
    );
}

fn non_admin_user_is_forbidden(version: KubectlVersion) {
    let server = Server::start();
    let work = server.work_dir();
    let (cert, key) = pki::mint_client_cert(
        &server.pki_dir(),
        &work,
        "alice",
        Subject {
            cn: "alice",
            orgs: &["some-group"],
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
    let alice = server.kubectl(version).with_kubeconfig(&alice_config);

    let out = alice.fails(&["get", "csr"]);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io is forbidden: User \"alice\" cannot list resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope",
        "{version}: alice's get csr\n{out}"
    );
    assert_eq!(out.stdout, "", "{version}: a forbidden get prints no table");
}
