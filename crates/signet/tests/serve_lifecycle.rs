//! `signet serve` as a process: what the first start creates, readiness, a clean stop on SIGTERM,
//! and a restart on the same data directory that keeps the CA and the stored objects.

mod common;

use common::kubectl::KubectlVersion;
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;
use common::tools::openssl;

const PKI_FILES: [&str; 6] = [
    "ca.crt",
    "ca.key",
    "serving.crt",
    "serving.key",
    "admin.crt",
    "admin.key",
];

#[test]
fn first_start_creates_the_pki_and_an_admin_kubeconfig() {
    let server = Server::start();
    let pki_dir = server.pki_dir();
    for file in PKI_FILES {
        let path = pki_dir.join(file);
        let len = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{} missing after first start: {e}", path.display()))
            .len();
        assert!(len > 0, "{} is empty", path.display());
    }
    assert!(
        server.admin_kubeconfig().is_file(),
        "admin.kubeconfig missing"
    );

    // The admin certificate is a client certificate for CN signet-admin in group system:masters,
    // issued by the CA in ca.crt.
    let subject = openssl(
        &[
            "x509",
            "-in",
            "admin.crt",
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253",
        ],
        &pki_dir,
    );
    let subject = subject.stdout.trim();
    assert!(
        subject.contains("CN=signet-admin") && subject.contains("O=system:masters"),
        "admin.crt subject is {subject:?}, expected CN=signet-admin and O=system:masters"
    );
    let verify = openssl(&["verify", "-CAfile", "ca.crt", "admin.crt"], &pki_dir);
    assert_eq!(verify.stdout.trim(), "admin.crt: OK");

    // Both kubectl releases can use the kubeconfig as written.
    for version in [KubectlVersion::V1_37, KubectlVersion::V1_24] {
        let out = server.kubectl(version).ok(&["get", "--raw", "/readyz"]);
        assert_eq!(out.trim(), "ok", "{version}: get --raw /readyz");
    }
}

#[test]
fn sigterm_stops_cleanly_and_a_restart_keeps_ca_and_objects() {
    let mut server = Server::start();
    let ca_before = std::fs::read(server.pki_dir().join("ca.crt")).expect("read ca.crt");

    let csr = pki::openssl_csr(
        &server.work_dir(),
        "kept",
        KeyAlg::EcP256,
        Subject {
            cn: "kept",
            orgs: &[],
            sans: &[],
        },
    );
    let object = pki::csr_object("kept", &csr.pem, "example.com/kept", None, &["client auth"]);
    let client = server.admin_client();
    let created = client
        .post_json(
            "/apis/certificates.k8s.io/v1/certificatesigningrequests",
            object.to_string().as_bytes(),
        )
        .expect("create a CSR");
    assert_eq!(created.status, 201, "create: {}", created.text());
    let uid = created.json()["metadata"]["uid"].clone();
    assert!(
        uid.as_str().is_some_and(|u| !u.is_empty()),
        "created CSR has no uid"
    );

    let status = server.terminate();
    assert!(
        status.success(),
        "signet serve exited with {status} after SIGTERM"
    );

    server.restart();
    let ca_after = std::fs::read(server.pki_dir().join("ca.crt")).expect("read ca.crt");
    assert!(ca_before == ca_after, "ca.crt changed across a restart");
    let got = server
        .admin_client()
        .get("/apis/certificates.k8s.io/v1/certificatesigningrequests/kept")
        .expect("get the CSR after restart");
    assert_eq!(got.status, 200, "get after restart: {}", got.text());
    assert_eq!(
        got.json()["metadata"]["uid"],
        uid,
        "uid changed across a restart"
    );
}
