//! Bad input over raw HTTPS: what no well-behaved client sends, but any client or attacker can.
//!
//! Each case asserts the `Status` a user gets — HTTP code, `reason`, exact `message`, and for
//! validation errors the `details.causes` (docs/upstream-csr-semantics.md §2, §11.4) — and then
//! lists the CSRs to prove the rejected request stored nothing.

mod common;

use common::https::{HttpsClient, Response};
use common::pki::{self, KeyAlg, Subject};
use common::server::Server;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const SIGNER: &str = "example.com/signet-e2e";
const CLIENT_USAGES: [&str; 3] = ["digital signature", "key encipherment", "client auth"];
/// kube-apiserver's limit on a request body (apiserver `MaxRequestBodyBytes`, 3 MiB).
const BODY_LIMIT: usize = 3 * 1024 * 1024;
/// All 23 usages in sorted order, as the `Unsupported value` detail lists them (§1.5).
const SUPPORTED_USAGES: &str = "\"any\", \"cert sign\", \"client auth\", \"code signing\", \
     \"content commitment\", \"crl sign\", \"data encipherment\", \"decipher only\", \
     \"digital signature\", \"email protection\", \"encipher only\", \"ipsec end system\", \
     \"ipsec tunnel\", \"ipsec user\", \"key agreement\", \"key encipherment\", \"microsoft sgc\", \
     \"netscape sgc\", \"ocsp signing\", \"s/mime\", \"server auth\", \"signing\", \"timestamping\"";

/// A server and a valid PEM CSR made by openssl.
fn setup() -> (Server, String) {
    let server = Server::start();
    let csr = pki::openssl_csr(
        &server.work_dir(),
        "valid",
        KeyAlg::Rsa2048,
        Subject {
            cn: "bad-input",
            orgs: &["e2e"],
            sans: &["DNS:bad-input.example.com"],
        },
    );
    (server, csr.pem)
}

fn post(client: &HttpsClient, body: &[u8]) -> Response {
    client
        .post_json(CSRS, body)
        .unwrap_or_else(|e| panic!("POST {CSRS}: {e}"))
}

fn post_object(server: &Server, object: &Value) -> Response {
    post(&server.admin_client(), object.to_string().as_bytes())
}

/// Asserts a failure `Status`: HTTP code, and the body's kind, status, code, reason and message.
fn assert_status(response: &Response, code: u16, reason: &str, message: Option<&str>) -> Value {
    let body = response.json();
    assert_eq!(response.status, code, "HTTP status; body: {body}");
    assert_eq!(body["kind"], "Status", "kind; body: {body}");
    assert_eq!(body["apiVersion"], "v1", "apiVersion; body: {body}");
    assert_eq!(body["status"], "Failure", "status; body: {body}");
    assert_eq!(body["code"], code, "code; body: {body}");
    assert_eq!(body["reason"], reason, "reason; body: {body}");
    if let Some(message) = message {
        assert_eq!(body["message"], message, "message; body: {body}");
    }
    body
}

/// One field error: `(field, cause reason, body)` where body is the message without the field.
type FieldError<'a> = (&'a str, &'a str, &'a str);

/// Asserts a 422 `Invalid` for the CSR `name` with exactly these field errors, in order.
fn assert_invalid(response: &Response, name: &str, errors: &[FieldError<'_>]) {
    let rendered: Vec<String> = errors.iter().map(|(f, _, b)| format!("{f}: {b}")).collect();
    let joined = match rendered.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    let message =
        format!("CertificateSigningRequest.certificates.k8s.io \"{name}\" is invalid: {joined}");
    let body = assert_status(response, 422, "Invalid", Some(&message));
    let details = &body["details"];
    assert_eq!(details["name"], name, "details.name; body: {body}");
    assert_eq!(
        details["group"], "certificates.k8s.io",
        "details.group; body: {body}"
    );
    assert_eq!(
        details["kind"], "CertificateSigningRequest",
        "details.kind; body: {body}"
    );
    let expected: Vec<Value> = errors
        .iter()
        .map(|(field, reason, body)| json!({"reason": reason, "message": body, "field": field}))
        .collect();
    assert_eq!(
        details["causes"],
        Value::Array(expected),
        "details.causes; body: {body}"
    );
}

/// Lists the CSRs as the admin and asserts there are none (each test has its own server).
fn assert_nothing_stored(server: &Server) {
    let response = server
        .admin_client()
        .get(CSRS)
        .unwrap_or_else(|e| panic!("GET {CSRS}: {e}"));
    let body = response.json();
    assert_eq!(response.status, 200, "list: {body}");
    assert_eq!(
        body["kind"], "CertificateSigningRequestList",
        "list kind: {body}"
    );
    assert_eq!(
        body["items"],
        json!([]),
        "a rejected request stored something: {body}"
    );
}

fn valid_object(name: &str, pem: &str) -> Value {
    pki::csr_object(name, pem, SIGNER, None, &CLIENT_USAGES)
}

#[test]
fn malformed_json_is_a_bad_request() {
    let (server, _) = setup();
    let response = post(
        &server.admin_client(),
        br#"{"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"#,
    );
    assert_status(&response, 400, "BadRequest", None);
    assert_nothing_stored(&server);
}

#[test]
fn wrong_api_version_is_a_bad_request() {
    let (server, pem) = setup();
    let mut object = valid_object("old-version", &pem);
    object["apiVersion"] = json!("certificates.k8s.io/v1beta1");
    let response = post_object(&server, &object);
    assert_status(
        &response,
        400,
        "BadRequest",
        Some(
            "the API version in the data (certificates.k8s.io/v1beta1) does not match the expected API version (certificates.k8s.io/v1)",
        ),
    );
    assert_nothing_stored(&server);
}

#[test]
fn wrong_kind_is_a_bad_request() {
    let (server, pem) = setup();
    let mut object = valid_object("wrong-kind", &pem);
    object["kind"] = json!("ConfigMap");
    let response = post_object(&server, &object);
    let body = assert_status(&response, 400, "BadRequest", None);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("ConfigMap")),
        "the message should name the kind that was sent: {body}"
    );
    assert_nothing_stored(&server);
}

#[test]
fn a_pem_that_is_not_a_csr_is_invalid() {
    let (server, pem) = setup();
    let cert = pki::self_signed_cert(&server.work_dir(), "not-a-csr", "not-a-csr.example.com");
    let response = post_object(&server, &valid_object("cert-not-csr", &cert));
    let detail = format!(
        "Invalid value: \"{}\": PEM block type must be CERTIFICATE REQUEST",
        pki::b64(&cert)
    );
    assert_invalid(
        &response,
        "cert-not-csr",
        &[("spec.request", "FieldValueInvalid", &detail)],
    );

    // The common mistake of sending base64(DER) instead of base64(PEM) (§2.3).
    let der = pki::pem_to_der(&pem);
    let mut object = valid_object("der-not-pem", &pem);
    let der_b64 = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&der)
    };
    object["spec"]["request"] = json!(der_b64);
    let response = post_object(&server, &object);
    let detail =
        format!("Invalid value: \"{der_b64}\": PEM block type must be CERTIFICATE REQUEST");
    assert_invalid(
        &response,
        "der-not-pem",
        &[("spec.request", "FieldValueInvalid", &detail)],
    );
    assert_nothing_stored(&server);
}

#[test]
fn a_csr_whose_signature_does_not_verify_is_invalid() {
    let (server, pem) = setup();
    let tampered = pki::corrupt_signature(&pem);
    let response = post_object(&server, &valid_object("bad-signature", &tampered));
    let body = assert_status(&response, 422, "Invalid", None);
    let prefix = format!(
        "CertificateSigningRequest.certificates.k8s.io \"bad-signature\" is invalid: spec.request: Invalid value: \"{}\": ",
        pki::b64(&tampered)
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&prefix) && message.len() > prefix.len(),
        "message should be {prefix:?} followed by the verification error; got {message:?}"
    );
    let causes = body["details"]["causes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(causes.len(), 1, "causes: {body}");
    assert_eq!(causes[0]["field"], "spec.request", "cause field: {body}");
    assert_eq!(
        causes[0]["reason"], "FieldValueInvalid",
        "cause reason: {body}"
    );
    assert_nothing_stored(&server);
}

#[test]
fn invalid_signer_names_are_invalid() {
    let (server, pem) = setup();
    let cases = [
        (
            "an-invalid-signer-name",
            "Invalid value: \"an-invalid-signer-name\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ),
        (
            "example/some-signer-name",
            "Invalid value: \"example\": should be a domain with at least two segments separated by dots",
        ),
        (
            "example.com/Upper_Case",
            "Invalid value: \"Upper_Case\": validating label \"Upper_Case\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ),
        (
            "kubernetes.io/legacy-unknown",
            "Invalid value: \"kubernetes.io/legacy-unknown\": the legacy signerName is not allowed via this API version",
        ),
    ];
    for (i, (signer, detail)) in cases.into_iter().enumerate() {
        let name = format!("bad-signer-{i}");
        let object = pki::csr_object(&name, &pem, signer, None, &CLIENT_USAGES);
        let response = post_object(&server, &object);
        assert_invalid(
            &response,
            &name,
            &[("spec.signerName", "FieldValueInvalid", detail)],
        );
    }
    assert_nothing_stored(&server);
}

#[test]
fn expiration_seconds_below_600_is_invalid() {
    let (server, pem) = setup();
    let object = pki::csr_object("short-lived", &pem, SIGNER, Some(599), &CLIENT_USAGES);
    let response = post_object(&server, &object);
    assert_invalid(
        &response,
        "short-lived",
        &[(
            "spec.expirationSeconds",
            "FieldValueInvalid",
            "Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)",
        )],
    );
    assert_nothing_stored(&server);
}

#[test]
fn duplicate_usages_are_invalid() {
    let (server, pem) = setup();
    let usages = ["client auth", "digital signature", "client auth"];
    let object = pki::csr_object("dup-usages", &pem, SIGNER, None, &usages);
    let response = post_object(&server, &object);
    assert_invalid(
        &response,
        "dup-usages",
        &[(
            "spec.usages[2]",
            "FieldValueDuplicate",
            "Duplicate value: \"client auth\"",
        )],
    );
    assert_nothing_stored(&server);
}

#[test]
fn unknown_usages_are_unsupported() {
    let (server, pem) = setup();
    let object = pki::csr_object("odd-usage", &pem, SIGNER, None, &["client auth", "bogus"]);
    let response = post_object(&server, &object);
    let detail = format!("Unsupported value: \"bogus\": supported values: {SUPPORTED_USAGES}");
    assert_invalid(
        &response,
        "odd-usage",
        &[("spec.usages[1]", "FieldValueNotSupported", &detail)],
    );
    assert_nothing_stored(&server);
}

#[test]
fn spoofed_requester_and_status_are_replaced_on_create() {
    let (server, pem) = setup();
    let mut object = valid_object("spoofed", &pem);
    object["spec"]["username"] = json!("mallory");
    object["spec"]["uid"] = json!("spoofed-uid");
    object["spec"]["groups"] = json!(["system:masters", "evil"]);
    object["spec"]["extra"] = json!({"spoofed": ["yes"]});
    object["status"] = json!({
        "conditions": [{"type": "Approved", "status": "True", "reason": "Spoofed"}],
        "certificate": pki::b64(&pki::self_signed_cert(&server.work_dir(), "spoof", "spoof.example.com")),
    });
    let response = post_object(&server, &object);
    let body = response.json();
    assert_eq!(response.status, 201, "create: {body}");
    let spec = &body["spec"];
    assert_eq!(spec["username"], "signet-admin", "spec.username: {body}");
    assert_eq!(
        spec["groups"],
        json!(["system:masters", "system:authenticated"]),
        "spec.groups: {body}"
    );
    assert!(
        spec.get("uid").is_none_or(|u| u == ""),
        "spec.uid must not be the client's: {body}"
    );
    // The extra of an x509 user is its credential id (§10.1), nothing the client sent.
    let admin_cert = server
        .admin_credentials()
        .client_cert_pem
        .expect("the admin kubeconfig has a client certificate");
    let fingerprint = hex::encode(Sha256::digest(pki::pem_to_der(&String::from_utf8_lossy(
        &admin_cert,
    ))));
    assert_eq!(
        spec["extra"],
        json!({"authentication.kubernetes.io/credential-id": [format!("X509SHA256={fingerprint}")]}),
        "spec.extra: {body}"
    );
    assert_eq!(
        body["status"],
        json!({}),
        "status must be wiped on create: {body}"
    );

    let stored = server
        .admin_client()
        .get(&format!("{CSRS}/spoofed"))
        .unwrap_or_else(|e| panic!("GET spoofed: {e}"));
    let stored = stored.json();
    assert_eq!(
        stored["spec"]["username"], "signet-admin",
        "stored: {stored}"
    );
    assert_eq!(stored["status"], json!({}), "stored: {stored}");
}

#[test]
fn a_body_over_3_mib_is_rejected() {
    let (server, pem) = setup();
    let mut object = valid_object("huge", &pem);
    object["metadata"]["annotations"] = json!({"padding": "x".repeat(BODY_LIMIT + 1024)});
    let response = post_object(&server, &object);
    assert_status(
        &response,
        413,
        "RequestEntityTooLarge",
        Some(&format!("Request entity too large: limit is {BODY_LIMIT}")),
    );
    assert_nothing_stored(&server);
}

#[test]
fn no_credentials_is_unauthorized() {
    let (server, pem) = setup();
    let anonymous = server.anonymous_client();
    let response = anonymous
        .get(CSRS)
        .unwrap_or_else(|e| panic!("GET {CSRS}: {e}"));
    assert_status(&response, 401, "Unauthorized", Some("Unauthorized"));
    let response = post(
        &anonymous,
        valid_object("anonymous", &pem).to_string().as_bytes(),
    );
    assert_status(&response, 401, "Unauthorized", Some("Unauthorized"));
    assert_nothing_stored(&server);
}
