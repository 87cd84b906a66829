//! The official Kubernetes Python client against `signet serve`.
//!
//! Each test starts a server, prepares openssl-made fixtures (and a second administrator, the
//! approver), and runs one check of
//! `tests/python/csr_client.py` with the venv's Python (`SIGNET_PYTHON`); the script asserts the
//! exact upstream behaviour and the test fails with its output when it does not hold.

mod common;

use std::time::Duration;

use common::kubeconfig::{self, UserAuth};
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;
use common::tools;

/// Bound on one check; each takes a few seconds.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Writes `csr.pem`, `cert.pem`, `cert2.pem` and `approver.kubeconfig` into the work directory.
///
/// The approver is a second member of `system:masters` (client certificate CN `approver`):
/// Signet refuses to let a CSR's requester decide on it, so approvals come from another user.
fn write_fixtures(server: &Server) {
    let dir = &server.work_dir();
    let csr = pki::openssl_csr(
        dir,
        "e2e",
        KeyAlg::Rsa2048,
        Subject {
            cn: "e2e.example.com",
            orgs: &[],
            sans: &["DNS:e2e.example.com"],
        },
    );
    std::fs::write(dir.join("csr.pem"), &csr.pem).expect("write csr.pem");
    let cert = pki::self_signed_cert(dir, "self-signed", "e2e.example.com");
    std::fs::write(dir.join("cert.pem"), cert).expect("write cert.pem");
    let cert2 = pki::self_signed_cert(dir, "self-signed-2", "other.example.com");
    std::fs::write(dir.join("cert2.pem"), cert2).expect("write cert2.pem");
    let (cert, key) = pki::mint_client_cert(
        &server.pki_dir(),
        dir,
        "approver",
        Subject {
            cn: "approver",
            orgs: &["system:masters"],
            sans: &[],
        },
    );
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &dir.join("approver.kubeconfig"),
        "approver",
        UserAuth::ClientCert {
            cert: &cert,
            key: &key,
        },
    );
}

fn run_check(check: &str) {
    let server = Server::start();
    write_fixtures(&server);
    let fixtures = server.work_dir();
    let kubeconfig = server.admin_kubeconfig().display().to_string();
    let fixtures = fixtures.display().to_string();
    let out = tools::python("csr_client.py", &[&kubeconfig, &fixtures, check], TIMEOUT);
    assert!(
        out.success() && out.stdout.contains(&format!("PASS {check}")),
        "python check {check} failed\n{out}"
    );
}

#[test]
fn create_and_generate_name() {
    run_check("create_and_generate_name");
}

#[test]
fn list_with_field_selector() {
    run_check("list_field_selector");
}

#[test]
fn watch_from_a_list_resource_version() {
    run_check("watch_from_resource_version");
}

#[test]
fn approve_via_the_approval_subresource() {
    run_check("approve_via_approval_subresource");
}

#[test]
fn set_the_certificate_via_status() {
    run_check("status_certificate");
}

#[test]
fn stale_resource_version_conflicts() {
    run_check("conflict_on_stale_resource_version");
}

#[test]
fn expiration_below_600_seconds_is_invalid() {
    run_check("invalid_expiration");
}

#[test]
fn missing_names_are_not_found() {
    run_check("not_found");
}

#[test]
fn conformance_csr_api_operations() {
    run_check("e2e_csr_api_operations");
}
