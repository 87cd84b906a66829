//! Issuing certificates end to end with real kubectl (1.37 and 1.24): `create -f`, approval by
//! someone else, the certificate read with `-o jsonpath` — checked by openssl against the CA the
//! signer publishes as a ClusterTrustBundle and by pkilint — then used to log in as its CN/O.
//! Also the upstream lifetime table under a 24h cap, a policy failure recorded as a Failed
//! condition, and a custom signer's policy from `--config`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::cmd;
use common::kubeconfig::{self, UserAuth};
use common::kubectl::{Kubectl, KubectlVersion};
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;

const CLIENT: &str = "kubernetes.io/kube-apiserver-client";
const PAYMENTS: &str = "example.com/payments";
const APPROVE_AS: [&str; 4] = ["--as", "approver", "--as-group", "system:masters"];

const CONFIG: &str = "signers:
  kubernetes.io/kube-apiserver-client:
    maxLifetime: 24h
  example.com/payments:
    maxLifetime: 720h
    allowedUsages: [digital signature, server auth]
    dnsNames: [\"*.payments.example.com\"]
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

for_both_kubectl_versions!(issue_verify_and_log_in);

fn start() -> Server {
    Server::start_prepared(|work| {
        let config = work.join("signet.yaml");
        std::fs::write(&config, CONFIG).expect("write config");
        vec!["--config".into(), config.display().to_string()]
    })
}

fn create(
    server: &Server,
    kubectl: &Kubectl,
    name: &str,
    signer: &str,
    subject: Subject<'_>,
    expiration: Option<i64>,
    usages: &[&str],
) -> pki::Csr {
    let csr = pki::openssl_csr(&server.work_dir(), name, KeyAlg::EcP256, subject);
    let path = server.work_dir().join(format!("{name}.yaml"));
    std::fs::write(
        &path,
        pki::csr_manifest(name, &csr.pem, signer, expiration, usages),
    )
    .expect("manifest");
    kubectl.ok(&["create", "-f", &path.display().to_string()]);
    csr
}

/// Poll until the CSR's CONDITION column is `want` (bounded).
fn wait_condition(kubectl: &Kubectl, name: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = kubectl.run(&["get", "csr", name, "--no-headers"]);
        let cond = out
            .stdout
            .split_whitespace()
            .last()
            .unwrap_or("")
            .to_string();
        if cond == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name}: condition {cond:?}, waited for {want:?}\n{out}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn certificate(kubectl: &Kubectl, name: &str) -> String {
    let b64 = kubectl.ok(&["get", "csr", name, "-o", "jsonpath={.status.certificate}"]);
    let bytes = base64_decode(b64.trim());
    String::from_utf8(bytes).expect("certificate is PEM text")
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

fn openssl(args: &[&str], dir: &Path) -> cmd::Output {
    cmd::run(
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir),
        Duration::from_secs(30),
    )
}

fn span_seconds(pem: &str) -> i64 {
    let der = pki::pem_to_der(pem);
    let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("certificate parses");
    cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()
}

fn issue_verify_and_log_in(version: KubectlVersion) {
    let server = start();
    let work = server.work_dir();
    let admin = Kubectl::new(version, &server.admin_kubeconfig(), &work);

    // Request, approve (as someone else than the requester), wait for the certificate.
    let csr = create(
        &server,
        &admin,
        "dave",
        CLIENT,
        Subject {
            cn: "dave",
            orgs: &["devs"],
            sans: &[],
        },
        Some(3600),
        &["digital signature", "client auth"],
    );
    let out = admin.ok(&[&["certificate", "approve", "dave"][..], &APPROVE_AS[..]].concat());
    assert_eq!(
        out.trim_end(),
        "certificatesigningrequest.certificates.k8s.io/dave approved"
    );
    wait_condition(&admin, "dave", "Approved,Issued");
    let cert = certificate(&admin, "dave");
    assert_eq!(
        cert.matches("-----BEGIN CERTIFICATE-----").count(),
        1,
        "a single PEM CERTIFICATE"
    );
    let cert_path = work.join("dave.crt");
    std::fs::write(&cert_path, &cert).expect("write cert");
    assert_eq!(
        span_seconds(&cert),
        3600 + 300,
        "1h requested, below 8h: span = TTL + 5m backdate"
    );

    // The CA published as the signer's ClusterTrustBundle verifies it.
    let bundle = admin.ok(&[
        "get",
        "clustertrustbundle",
        "kubernetes.io:kube-apiserver-client:ca",
        "-o",
        "jsonpath={.spec.trustBundle}",
    ]);
    let ca_path = work.join("client-ca.pem");
    std::fs::write(&ca_path, bundle).expect("write bundle");
    let out = openssl(
        &[
            "verify",
            "-CAfile",
            &ca_path.display().to_string(),
            &cert_path.display().to_string(),
        ],
        &work,
    );
    assert!(
        out.success() && out.stdout.trim_end().ends_with(": OK"),
        "{out}"
    );
    let text = openssl(
        &[
            "x509",
            "-in",
            &cert_path.display().to_string(),
            "-noout",
            "-text",
        ],
        &work,
    )
    .stdout;
    for expected in [
        "CA:FALSE",
        "TLS Web Client Authentication",
        "Digital Signature",
        "Subject: O = devs, CN = dave",
    ] {
        assert!(
            text.contains(expected),
            "openssl x509 -text lacks {expected:?}\n{text}"
        );
    }
    assert!(!text.contains("TLS Web Server Authentication"), "{text}");
    let lint = common::tools::python_binary().with_file_name("lint_pkix_cert");
    let out = cmd::run(
        std::process::Command::new(&lint).args([
            "lint",
            "-s",
            "ERROR",
            &cert_path.display().to_string(),
        ]),
        Duration::from_secs(60),
    );
    assert!(
        out.success() && out.stdout.trim().is_empty(),
        "pkilint found errors:\n{out}"
    );

    // The certificate (with its key, which never left this directory) logs in as CN / O.
    let config = work.join("dave.kubeconfig");
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &config,
        "dave",
        UserAuth::ClientCert {
            cert: &cert_path,
            key: &csr.key_path,
        },
    );
    let dave = admin.with_kubeconfig(&config);
    let out = dave.fails(&["get", "csr"]);
    assert_eq!(
        out.stderr.trim_end(),
        "Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io is forbidden: User \"dave\" cannot list resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope"
    );
    let out = admin.fails(&[
        "auth",
        "can-i",
        "list",
        "certificatesigningrequests",
        "--as",
        "dave",
        "--as-group",
        "devs",
    ]);
    assert_eq!(out.stdout.trim_end(), "no");

    // The lifetime table with a 24h cap (NotAfter - NotBefore).
    let h = 3600;
    for (name, requested, span) in [
        ("none", None, 24 * h),
        ("d2", Some(48 * h), 24 * h),
        ("h20", Some(20 * h), 20 * h),
        ("h2", Some(2 * h), 2 * h + 300),
        ("m10", Some(600), 900),
    ] {
        create(
            &server,
            &admin,
            name,
            CLIENT,
            Subject {
                cn: name,
                orgs: &[],
                sans: &[],
            },
            requested,
            &["client auth"],
        );
        admin.ok(&[&["certificate", "approve", name][..], &APPROVE_AS[..]].concat());
        wait_condition(&admin, name, "Approved,Issued");
        assert_eq!(
            span_seconds(&certificate(&admin, name)),
            span,
            "{name}: requested {requested:?}"
        );
    }

    // A policy violation is recorded on the CSR, not retried.
    create(
        &server,
        &admin,
        "bad-usage",
        CLIENT,
        Subject {
            cn: "x",
            orgs: &[],
            sans: &[],
        },
        None,
        &["client auth", "server auth"],
    );
    admin.ok(&[
        &["certificate", "approve", "bad-usage"][..],
        &APPROVE_AS[..],
    ]
    .concat());
    wait_condition(&admin, "bad-usage", "Approved,Failed");
    let failed = admin.ok(&["get", "csr", "bad-usage", "-o", "jsonpath={.status.conditions[?(@.type==\"Failed\")].reason}: {.status.conditions[?(@.type==\"Failed\")].message}"]);
    assert_eq!(
        failed,
        "SignerValidationFailure: invalid usage for client certificate: server auth"
    );

    // A custom signer's policy from --config.
    let sans_ok = ["DNS:api.payments.example.com"];
    create(
        &server,
        &admin,
        "pay-ok",
        PAYMENTS,
        Subject {
            cn: "api",
            orgs: &[],
            sans: &sans_ok,
        },
        None,
        &["digital signature", "server auth"],
    );
    let sans_bad = ["DNS:api.evil.example.org"];
    create(
        &server,
        &admin,
        "pay-bad",
        PAYMENTS,
        Subject {
            cn: "api",
            orgs: &[],
            sans: &sans_bad,
        },
        None,
        &["digital signature", "server auth"],
    );
    for name in ["pay-ok", "pay-bad"] {
        admin.ok(&[&["certificate", "approve", name][..], &APPROVE_AS[..]].concat());
    }
    wait_condition(&admin, "pay-ok", "Approved,Issued");
    wait_condition(&admin, "pay-bad", "Approved,Failed");
    let message = admin.ok(&[
        "get",
        "csr",
        "pay-bad",
        "-o",
        "jsonpath={.status.conditions[?(@.type==\"Failed\")].message}",
    ]);
    assert!(
        message.contains("api.evil.example.org"),
        "the Failed message names the SAN and the rule: {message}"
    );
    let bundle = admin.ok(&[
        "get",
        "clustertrustbundles",
        "--field-selector",
        &format!("spec.signerName={PAYMENTS}"),
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    assert_eq!(bundle, "example.com:payments:ca");
}

#[test]
fn an_invalid_config_stops_the_start_and_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("signet.yaml");
    std::fs::write(
        &config,
        "signers:\n  example.com/x:\n    ipRanges: [10.0.0.0/40]\n",
    )
    .expect("write");
    let out = cmd::run(
        std::process::Command::new(env!("CARGO_BIN_EXE_signet")).args([
            "serve",
            "--data-dir",
            &dir.path().join("data").display().to_string(),
            "--listen",
            "127.0.0.1:0",
            "--config",
            &config.display().to_string(),
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr.contains("invalid CIDR \"10.0.0.0/40\"") && out.stderr.contains("line 3"),
        "{out}"
    );
}
