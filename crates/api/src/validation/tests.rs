//! Mirrors upstream `validation_test.go`: create cases, the ratcheting option cases, and the
//! update tables for the main resource, `/status` and `/approval`.

use std::sync::OnceLock;

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec,
    CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::*;
use crate::field::aggregate;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const ALL_USAGES: &str = "\"any\", \"cert sign\", \"client auth\", \"code signing\", \"content commitment\", \"crl sign\", \"data encipherment\", \"decipher only\", \"digital signature\", \"email protection\", \"encipher only\", \"ipsec end system\", \"ipsec tunnel\", \"ipsec user\", \"key agreement\", \"key encipherment\", \"microsoft sgc\", \"netscape sgc\", \"ocsp signing\", \"s/mime\", \"server auth\", \"signing\", \"timestamping\"";

fn request_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("key");
        let params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .serialize_request(&key)
            .expect("csr")
            .pem()
            .expect("pem")
    })
}

fn certificate_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["x.example".to_string()]).expect("params");
        params.self_signed(&key).expect("cert").pem()
    })
}

fn valid_csr() -> CertificateSigningRequest {
    CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some("testcsr".to_string()),
            resource_version: Some("1".to_string()),
            ..ObjectMeta::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(request_pem().as_bytes().to_vec()),
            signer_name: "example.com/valid-name".to_string(),
            usages: Some(vec!["client auth".to_string()]),
            ..CertificateSigningRequestSpec::default()
        },
        status: None,
    }
}

fn cond(t: &str, status: &str) -> CertificateSigningRequestCondition {
    CertificateSigningRequestCondition {
        type_: t.to_string(),
        status: status.to_string(),
        ..CertificateSigningRequestCondition::default()
    }
}

fn with_status(
    mut csr: CertificateSigningRequest,
    conditions: Vec<CertificateSigningRequestCondition>,
    certificate: &[u8],
) -> CertificateSigningRequest {
    csr.status = Some(CertificateSigningRequestStatus {
        conditions: Some(conditions),
        certificate: (!certificate.is_empty()).then(|| ByteString(certificate.to_vec())),
    });
    csr
}

fn create_errs(csr: &CertificateSigningRequest) -> Vec<String> {
    validate_csr_create(csr)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn update_msg(
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    kind: UpdateKind,
) -> String {
    aggregate(&validate_csr_update(new, old, kind))
}

#[test]
fn valid_create() {
    assert!(create_errs(&valid_csr()).is_empty());
    let mut csr = valid_csr();
    csr.spec.expiration_seconds = Some(600);
    assert!(create_errs(&csr).is_empty());
}

#[test]
fn request_errors() {
    let mut csr = valid_csr();
    csr.spec.request = ByteString(Vec::new());
    assert_eq!(
        create_errs(&csr),
        vec!["spec.request: Invalid value: null: PEM block type must be CERTIFICATE REQUEST"]
    );
    csr.spec.request = ByteString(b"invalid data".to_vec());
    assert_eq!(
        create_errs(&csr),
        vec![
            "spec.request: Invalid value: \"aW52YWxpZCBkYXRh\": PEM block type must be CERTIFICATE REQUEST"
        ]
    );
}

#[test]
fn usages_required() {
    let mut csr = valid_csr();
    csr.spec.usages = None;
    assert_eq!(create_errs(&csr), vec!["spec.usages: Required value"]);
    csr.spec.usages = Some(Vec::new());
    assert_eq!(create_errs(&csr), vec!["spec.usages: Required value"]);
}

#[test]
fn unknown_and_duplicate_usages() {
    let mut csr = valid_csr();
    csr.spec.usages = Some(vec!["unknown".to_string(), "unknown".to_string()]);
    assert_eq!(
        create_errs(&csr),
        vec![
            format!(
                "spec.usages[0]: Unsupported value: \"unknown\": supported values: {ALL_USAGES}"
            ),
            format!(
                "spec.usages[1]: Unsupported value: \"unknown\": supported values: {ALL_USAGES}"
            ),
            "spec.usages[1]: Duplicate value: \"unknown\"".to_string(),
        ]
    );
}

#[test]
fn signer_name_errors() {
    let cases: Vec<(String, String)> = vec![
        (String::new(), "spec.signerName: Required value".to_string()),
        (
            "an-invalid-signer-name".to_string(),
            "spec.signerName: Invalid value: \"an-invalid-signer-name\": must be a fully qualified domain and path of the form 'example.com/signer-name'".to_string(),
        ),
        (
            "an-invalid-signer-name.com/something/else".to_string(),
            "spec.signerName: Invalid value: \"an-invalid-signer-name.com/something/else\": must be a fully qualified domain and path of the form 'example.com/signer-name'".to_string(),
        ),
        (
            "example/some-signer-name".to_string(),
            "spec.signerName: Invalid value: \"example\": should be a domain with at least two segments separated by dots".to_string(),
        ),
        (
            "example.com/".to_string(),
            format!("spec.signerName: Invalid value: \"\": validating label \"\": {SUBDOMAIN_MSG}"),
        ),
        (
            "example.com/something-".to_string(),
            format!("spec.signerName: Invalid value: \"something-\": validating label \"something-\": {SUBDOMAIN_MSG}"),
        ),
        (
            "kubernetes.io/legacy-unknown".to_string(),
            "spec.signerName: Invalid value: \"kubernetes.io/legacy-unknown\": the legacy signerName is not allowed via this API version".to_string(),
        ),
    ];
    for (signer, want) in cases {
        let mut csr = valid_csr();
        csr.spec.signer_name = signer.clone();
        assert_eq!(create_errs(&csr), vec![want], "{signer}");
    }
    let mut csr = valid_csr();
    csr.spec.signer_name = format!("abc.io/{}.{}", "a".repeat(253), "a".repeat(253));
    assert!(create_errs(&csr).is_empty());
}

#[test]
fn expiration_seconds() {
    for seconds in [-1, 0, 1, 60, 599] {
        let mut csr = valid_csr();
        csr.spec.expiration_seconds = Some(seconds);
        assert_eq!(
            create_errs(&csr),
            vec![format!(
                "spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration less than 600 seconds (10 minutes)"
            )]
        );
    }
}

#[test]
fn errors_come_in_upstream_order() {
    let mut csr = valid_csr();
    csr.metadata.namespace = Some("ns".to_string());
    csr.spec.request = ByteString(Vec::new());
    csr.spec.usages = None;
    csr.spec.signer_name = String::new();
    csr.spec.expiration_seconds = Some(1);
    assert_eq!(
        aggregate(&validate_csr_create(&csr)),
        "[metadata.namespace: Forbidden: not allowed on this type, spec.request: Invalid value: null: PEM block type must be CERTIFICATE REQUEST, spec.usages: Required value, spec.signerName: Required value, spec.expirationSeconds: Invalid value: 1: may not specify a duration less than 600 seconds (10 minutes)]"
    );
}

#[test]
fn metadata_on_create() {
    let mut csr = valid_csr();
    csr.metadata.name = None;
    assert_eq!(
        create_errs(&csr),
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    csr.metadata.name = Some("..".to_string());
    assert_eq!(
        create_errs(&csr),
        vec!["metadata.name: Invalid value: \"..\": may not be '..'"]
    );
    // The path-segment pass only runs when the CSR rules passed.
    csr.spec.usages = None;
    assert_eq!(create_errs(&csr), vec!["spec.usages: Required value"]);
}

#[test]
fn strict_condition_and_certificate_rules_on_create() {
    let cases: Vec<(Vec<CertificateSigningRequestCondition>, &[u8], &str)> = vec![
        (
            vec![cond("", "True")],
            b"",
            "status.conditions[0].type: Required value",
        ),
        (
            vec![cond("Approved", "True"), cond("Denied", "True")],
            b"",
            "status.conditions: Invalid value: \"Denied\": Approved and Denied conditions are mutually exclusive",
        ),
        (
            vec![cond("Approved", "True"), cond("Approved", "True")],
            b"",
            "status.conditions[1].type: Duplicate value: \"Approved\"",
        ),
        (
            vec![cond("Approved", "False")],
            b"",
            "status.conditions[0].status: Unsupported value: \"False\": supported values: \"True\"",
        ),
        (
            vec![cond("Custom", "Maybe")],
            b"",
            "status.conditions[0].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\"",
        ),
        (
            vec![cond("Custom", "")],
            b"",
            "status.conditions[0].status: Required value",
        ),
        (
            vec![],
            b"no pem",
            "status.certificate: Invalid value: \"<certificate data>\": must contain at least one CERTIFICATE PEM block",
        ),
        (
            vec![],
            b"-----BEGIN CERTIFICATE1-----\nAQID\n-----END CERTIFICATE1-----\n",
            "status.certificate: Invalid value: \"<certificate data>\": only CERTIFICATE PEM blocks are allowed, found \"CERTIFICATE1\"",
        ),
        (
            vec![],
            b"-----BEGIN CERTIFICATE-----\nA: b\n\nAQID\n-----END CERTIFICATE-----\n",
            "status.certificate: Invalid value: \"<certificate data>\": no PEM block headers are permitted",
        ),
        (
            vec![],
            b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            "status.certificate: Invalid value: \"<certificate data>\": found CERTIFICATE PEM block containing 0 certificates",
        ),
        (
            vec![],
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
            "status.certificate: Invalid value: \"<certificate data>\": x509: malformed tbs certificate",
        ),
    ];
    for (conditions, cert, want) in cases {
        let csr = with_status(valid_csr(), conditions, cert);
        assert_eq!(create_errs(&csr), vec![want.to_string()]);
    }
}

#[test]
fn valid_strict_status_cases() {
    for conditions in [
        vec![],
        vec![cond("Approved", "True")],
        vec![cond("Denied", "True")],
        vec![cond("Failed", "True")],
        vec![cond("Custom", "False"), cond("Other", "Unknown")],
    ] {
        assert!(create_errs(&with_status(valid_csr(), conditions, b"")).is_empty());
    }
    let approved_and_issued = with_status(
        valid_csr(),
        vec![cond("Approved", "True")],
        certificate_pem().as_bytes(),
    );
    assert!(create_errs(&approved_and_issued).is_empty());
}

/// Each lenient case: the old object already has the problem, so an update keeping it passes,
/// while the same object fails on create.
#[test]
fn ratcheting_options() {
    let mut legacy = valid_csr();
    legacy.spec.signer_name = "kubernetes.io/legacy-unknown".to_string();
    let mut bad_usages = valid_csr();
    bad_usages.spec.usages = Some(vec!["unknown".to_string(), "unknown".to_string()]);
    let cases = vec![
        legacy,
        bad_usages,
        with_status(valid_csr(), vec![cond("", "True")], b""),
        with_status(
            valid_csr(),
            vec![cond("Approved", "True"), cond("Denied", "True")],
            b"",
        ),
        with_status(
            valid_csr(),
            vec![cond("Approved", "True"), cond("Approved", "True")],
            b"",
        ),
        with_status(
            valid_csr(),
            vec![],
            b"-----BEGIN CERTIFICATE1-----\nAQID\n-----END CERTIFICATE1-----\n",
        ),
    ];
    for old in cases {
        assert!(!validate_csr_create(&old).is_empty());
        for kind in [UpdateKind::Main, UpdateKind::Status, UpdateKind::Approval] {
            assert_eq!(update_msg(&old, &old, kind), "", "{kind:?}");
            // A finalizer-only change is also fine.
            let mut new = old.clone();
            new.metadata.finalizers = Some(vec!["example.com/keep".to_string()]);
            assert_eq!(update_msg(&new, &old, kind), "", "{kind:?}");
        }
    }
}

#[test]
fn replacing_an_invalid_stored_certificate_is_not_content_checked() {
    let old = with_status(valid_csr(), vec![], b"garbage");
    let new = with_status(valid_csr(), vec![], b"other garbage");
    assert_eq!(
        update_msg(&new, &old, UpdateKind::Status),
        "status.certificate: Forbidden: updates may not modify existing certificate content"
    );
}

fn approved() -> CertificateSigningRequest {
    with_status(valid_csr(), vec![cond("Approved", "True")], b"")
}
fn denied() -> CertificateSigningRequest {
    with_status(valid_csr(), vec![cond("Denied", "True")], b"")
}
fn failed() -> CertificateSigningRequest {
    with_status(valid_csr(), vec![cond("Failed", "True")], b"")
}
fn issued() -> CertificateSigningRequest {
    with_status(
        valid_csr(),
        vec![cond("Approved", "True")],
        certificate_pem().as_bytes(),
    )
}

const ADD_APPROVED: &str =
    "status.conditions: Forbidden: updates may not add a condition of type \"Approved\"";
const ADD_DENIED: &str =
    "status.conditions: Forbidden: updates may not add a condition of type \"Denied\"";
const REMOVE_APPROVED: &str =
    "status.conditions: Forbidden: updates may not remove a condition of type \"Approved\"";
const REMOVE_DENIED: &str =
    "status.conditions: Forbidden: updates may not remove a condition of type \"Denied\"";
const REMOVE_FAILED: &str =
    "status.conditions: Forbidden: updates may not remove a condition of type \"Failed\"";
const SET_CERT: &str = "status.certificate: Forbidden: updates may not set certificate content";
const MODIFY_CERT: &str =
    "status.certificate: Forbidden: updates may not modify existing certificate content";

/// The §2.7/§2.8 tables: (old, new, expected message) for each endpoint.
#[test]
fn update_tables() {
    let pending = valid_csr;
    let cases: Vec<(
        &str,
        CertificateSigningRequest,
        CertificateSigningRequest,
        [&str; 3],
    )> = vec![
        ("no-op", pending(), pending(), ["", "", ""]),
        (
            "add Approved",
            pending(),
            approved(),
            [ADD_APPROVED, ADD_APPROVED, ""],
        ),
        (
            "add Denied",
            pending(),
            denied(),
            [ADD_DENIED, ADD_DENIED, ""],
        ),
        ("add Failed", pending(), failed(), ["", "", ""]),
        (
            "remove Approved",
            approved(),
            pending(),
            [REMOVE_APPROVED, REMOVE_APPROVED, REMOVE_APPROVED],
        ),
        (
            "remove Denied",
            denied(),
            pending(),
            [REMOVE_DENIED, REMOVE_DENIED, REMOVE_DENIED],
        ),
        (
            "remove Failed",
            failed(),
            pending(),
            [REMOVE_FAILED, REMOVE_FAILED, REMOVE_FAILED],
        ),
        (
            "set certificate",
            approved(),
            issued(),
            [SET_CERT, "", SET_CERT],
        ),
        (
            "reset certificate",
            issued(),
            approved(),
            [SET_CERT, MODIFY_CERT, SET_CERT],
        ),
        (
            "change certificate",
            issued(),
            with_status(
                valid_csr(),
                vec![cond("Approved", "True")],
                format!("{}\n{}", certificate_pem(), certificate_pem()).as_bytes(),
            ),
            [SET_CERT, MODIFY_CERT, SET_CERT],
        ),
    ];
    let kinds = [UpdateKind::Main, UpdateKind::Status, UpdateKind::Approval];
    for (name, old, new, wants) in cases {
        for (kind, want) in kinds.iter().zip(wants) {
            assert_eq!(update_msg(&new, &old, *kind), want, "{name} via {kind:?}");
        }
    }
}

#[test]
fn approve_and_deny_together_is_rejected_on_approval() {
    let both = with_status(
        valid_csr(),
        vec![cond("Approved", "True"), cond("Denied", "True")],
        b"",
    );
    assert_eq!(
        update_msg(&both, &approved(), UpdateKind::Approval),
        "status.conditions: Invalid value: \"Denied\": Approved and Denied conditions are mutually exclusive"
    );
}

#[test]
fn modifying_approved_outside_approval_is_forbidden() {
    let mut changed = approved();
    if let Some(c) = changed
        .status
        .as_mut()
        .and_then(|s| s.conditions.as_mut())
        .and_then(|c| c.first_mut())
    {
        c.reason = Some("Other".to_string());
    }
    let errs = validate_csr_update(&changed, &approved(), UpdateKind::Status);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0]
            .to_string()
            .starts_with("status.conditions: Forbidden: updates may not modify a condition of type \"Approved\"\n"),
        "{}",
        errs[0]
    );
    assert!(errs[0].detail.contains("Reason"));
    assert_eq!(update_msg(&changed, &approved(), UpdateKind::Approval), "");
    // Absent and empty reasons are the same to Go.
    let mut empty_reason = approved();
    if let Some(c) = empty_reason
        .status
        .as_mut()
        .and_then(|s| s.conditions.as_mut())
        .and_then(|c| c.first_mut())
    {
        c.reason = Some(String::new());
    }
    assert_eq!(update_msg(&empty_reason, &approved(), UpdateKind::Main), "");
}

#[test]
fn update_metadata_rules_and_duplicated_causes() {
    let mut new = valid_csr();
    new.metadata.resource_version = None;
    // Upstream runs ObjectMeta update validation twice (generic layer and CSR strategy).
    let errs = validate_csr_update(&new, &valid_csr(), UpdateKind::Main);
    assert_eq!(errs.len(), 2);
    assert_eq!(
        aggregate(&errs),
        "metadata.resourceVersion: Invalid value: \"\": must be specified for an update"
    );
    let mut renamed = valid_csr();
    renamed.metadata.name = Some("other".to_string());
    assert_eq!(
        update_msg(&renamed, &valid_csr(), UpdateKind::Main),
        "metadata.name: Invalid value: \"other\": field is immutable"
    );
}
