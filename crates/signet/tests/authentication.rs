//! Who the server thinks a caller is: static tokens (`--token-auth-file`), bootstrap tokens
//! (`--bootstrap-token-file`), anonymous requests (`--anonymous-auth`) and client certificates
//! minted from the server's CA (docs/upstream-csr-semantics.md §10).
//!
//! The identity shows in two places a user can see: `spec.username/uid/groups` of a CSR the caller
//! creates, and the `User "<name>"` of a Forbidden message.

mod common;

use common::https::{HttpsClient, Identity};
use common::kubeconfig::{self, UserAuth};
use common::kubectl::KubectlVersion;
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;
use serde_json::{Value, json};

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const ADMIN_TOKEN: &str = "7d6c5e4f3a2b1c0d-admin";
const BOB_TOKEN: &str = "0f1e2d3c4b5a6978-bob";

fn forbidden_list(user: &str) -> String {
    format!(
        "certificatesigningrequests.certificates.k8s.io is forbidden: User \"{user}\" cannot list resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope"
    )
}

fn assert_status(client: &HttpsClient, code: u16, reason: &str, message: &str) {
    let response = client
        .get(CSRS)
        .unwrap_or_else(|e| panic!("GET {CSRS}: {e}"));
    let body = response.json();
    assert_eq!(response.status, code, "HTTP status; body: {body}");
    assert_eq!(body["kind"], "Status", "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["reason"], reason, "body: {body}");
    assert_eq!(body["message"], message, "body: {body}");
}

fn bearer(server: &Server, token: &str) -> HttpsClient {
    server.client_as(Identity::Bearer(token.to_string()))
}

fn create_csr(server: &Server, client: &HttpsClient, name: &str) -> Value {
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
    let object = pki::csr_object(name, &csr.pem, "example.com/auth", None, &["client auth"]);
    let response = client
        .post_json(CSRS, object.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("POST {CSRS}: {e}"));
    let body = response.json();
    assert_eq!(response.status, 201, "create as {name}: {body}");
    body
}

#[test]
fn static_token_users_are_authenticated_with_their_uid_and_groups() {
    let server = Server::start_prepared(|work| {
        let file = work.join("tokens.csv");
        let csv = format!(
            "{ADMIN_TOKEN},token-admin,1001,\"system:masters,ops\"\n{BOB_TOKEN},bob,1002\n"
        );
        std::fs::write(&file, csv).expect("write the token file");
        vec!["--token-auth-file".into(), file.display().to_string()]
    });

    let admin = bearer(&server, ADMIN_TOKEN);
    let created = create_csr(&server, &admin, "by-token");
    let spec = &created["spec"];
    assert_eq!(spec["username"], "token-admin", "spec: {spec}");
    assert_eq!(spec["uid"], "1001", "spec: {spec}");
    assert_eq!(
        spec["groups"],
        json!(["system:masters", "ops", "system:authenticated"]),
        "spec: {spec}"
    );
    assert!(
        spec.get("extra").is_none(),
        "a token user has no extra: {spec}"
    );

    assert_status(
        &bearer(&server, BOB_TOKEN),
        403,
        "Forbidden",
        &forbidden_list("bob"),
    );
    assert_status(
        &bearer(&server, "not-a-known-token"),
        401,
        "Unauthorized",
        "Unauthorized",
    );

    // kubectl with a token kubeconfig sees the token user as the requestor.
    let config = server.work_dir().join("token-admin.kubeconfig");
    kubeconfig::write_for_user(
        &server.admin_kubeconfig(),
        &config,
        "token-admin",
        UserAuth::Token(ADMIN_TOKEN),
    );
    let kubectl = server
        .kubectl(KubectlVersion::V1_37)
        .with_kubeconfig(&config);
    let out = kubectl.ok(&["get", "csr", "by-token", "-o", "jsonpath={.spec.username}"]);
    assert_eq!(out, "token-admin");
}

#[test]
fn bootstrap_tokens_authenticate_as_system_bootstrap_users() {
    let server = Server::start_prepared(|work| {
        let file = work.join("bootstrap-tokens.yaml");
        let yaml = r#"apiVersion: v1
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
---
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-expird
  namespace: kube-system
type: bootstrap.kubernetes.io/token
stringData:
  token-id: expird
  token-secret: 0123456789abcdef
  usage-bootstrap-authentication: "true"
  expiration: "2020-01-01T00:00:00Z"
"#;
        std::fs::write(&file, yaml).expect("write the bootstrap token file");
        vec!["--bootstrap-token-file".into(), file.display().to_string()]
    });

    assert_status(
        &bearer(&server, "abcdef.0123456789abcdef"),
        403,
        "Forbidden",
        &forbidden_list("system:bootstrap:abcdef"),
    );
    for bad in ["abcdef.ffffffffffffffff", "expird.0123456789abcdef"] {
        assert_status(&bearer(&server, bad), 401, "Unauthorized", "Unauthorized");
    }
}

#[test]
fn with_anonymous_auth_a_request_without_credentials_is_system_anonymous() {
    let server = Server::start_with(&["--anonymous-auth"]);
    assert_status(
        &server.anonymous_client(),
        403,
        "Forbidden",
        &forbidden_list("system:anonymous"),
    );
}

#[test]
fn client_certificates_from_the_server_ca_name_the_user_and_groups() {
    let server = Server::start();
    let (cert, key) = pki::mint_client_cert(
        &server.pki_dir(),
        &server.work_dir(),
        "carol",
        Subject {
            cn: "carol",
            orgs: &["team-a", "team-b"],
            sans: &[],
        },
    );
    let read = |p: &std::path::Path| std::fs::read(p).expect("read the minted credentials");
    let carol = server.client_as(Identity::ClientCert {
        cert_pem: read(&cert),
        key_pem: read(&key),
    });
    assert_status(&carol, 403, "Forbidden", &forbidden_list("carol"));

    // A certificate from another CA is not a credential.
    let stranger_ca = server.work_dir().join("stranger");
    std::fs::create_dir_all(&stranger_ca).expect("create a directory for another CA");
    // Writes stranger/ca.crt and stranger/ca.key.
    pki::self_signed_cert(&stranger_ca, "ca", "stranger-ca");
    let (cert, key) = pki::mint_client_cert(
        &stranger_ca,
        &server.work_dir(),
        "mallory",
        Subject {
            cn: "signet-admin",
            orgs: &["system:masters"],
            sans: &[],
        },
    );
    let mallory = server.client_as(Identity::ClientCert {
        cert_pem: read(&cert),
        key_pem: read(&key),
    });
    match mallory.get(CSRS) {
        // Upstream answers 401; refusing the TLS handshake is as safe.
        Ok(response) => {
            let body = response.json();
            assert_eq!(response.status, 401, "a foreign certificate: {body}");
            assert_eq!(
                body["reason"], "Unauthorized",
                "a foreign certificate: {body}"
            );
        }
        // A TLS alert from the server (e.g. UnknownCA) means the handshake was refused.
        Err(e) => assert!(
            e.contains("AlertReceived"),
            "a foreign certificate must get 401 or a refused handshake, got: {e}"
        ),
    }
}
