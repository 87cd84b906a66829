//! Signing controller tests: a table of CSRs handed to `handle`, each asserting exactly which
//! writes the fake client recorded, then the error paths (CA, parse, conflict) and a run through
//! the runner where a conflicting write is retried.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec,
    CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SanType};
use signet_api::clock::FakeClock;
use signet_api::signer::{KUBE_APISERVER_CLIENT, KUBELET_SERVING};
use signet_api::signing::SignerPolicy;
use tokio::sync::watch;

use super::*;
use crate::ca_store::CaSource;
use crate::fake::{Action, FakeCsrClient, Verb};
use crate::runtime::{Backoff, Runner, RunnerConfig};

const CUSTOM: &str = "example.com/custom";
const FORBIDDEN: &str = "certificatesigningrequests.certificates.k8s.io \"csr-1\" is forbidden: user not permitted to sign requests with signerName \"kubernetes.io/kube-apiserver-client\"";

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("timestamp")
}

fn request_pem(cn: &str, orgs: &[&str], dns: &[&str]) -> String {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    for org in orgs {
        dn.push(DnType::OrganizationName, *org);
    }
    params.distinguished_name = dn;
    params.subject_alt_names = dns
        .iter()
        .map(|d| SanType::DnsName((*d).try_into().expect("dns")))
        .collect();
    params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem")
}

fn condition(type_: &str, status: &str) -> CertificateSigningRequestCondition {
    CertificateSigningRequestCondition {
        type_: type_.to_string(),
        status: status.to_string(),
        ..CertificateSigningRequestCondition::default()
    }
}

struct Csr {
    signer: &'static str,
    usages: &'static [&'static str],
    request: String,
    conditions: Vec<CertificateSigningRequestCondition>,
    certificate: Option<&'static str>,
}

impl Csr {
    fn client() -> Self {
        Csr {
            signer: KUBE_APISERVER_CLIENT,
            usages: &["digital signature", "client auth"],
            request: request_pem("alice", &["devs"], &[]),
            conditions: vec![condition("Approved", "True")],
            certificate: None,
        }
    }

    fn build(self) -> CertificateSigningRequest {
        CertificateSigningRequest {
            metadata: ObjectMeta {
                name: Some("csr-1".to_string()),
                uid: Some("uid-1".to_string()),
                ..ObjectMeta::default()
            },
            spec: CertificateSigningRequestSpec {
                signer_name: self.signer.to_string(),
                request: ByteString(self.request.into_bytes()),
                usages: Some(self.usages.iter().map(|u| u.to_string()).collect()),
                ..CertificateSigningRequestSpec::default()
            },
            status: Some(CertificateSigningRequestStatus {
                conditions: Some(self.conditions),
                certificate: self.certificate.map(|c| ByteString(c.as_bytes().to_vec())),
            }),
        }
    }
}

struct Setup {
    fake: Arc<FakeCsrClient>,
    controller: SigningController,
    ca: Arc<CaSource>,
    _data: tempfile::TempDir,
}

fn fixture(csr: CertificateSigningRequest) -> Setup {
    let data = tempfile::tempdir().expect("tempdir");
    let ca = Arc::new(CaSource::load_or_generate(data.path(), "ca", now()).expect("ca"));
    let spec = |policy: Option<SignerPolicy>| SignerSpec {
        ca: Arc::clone(&ca),
        policy,
        max_ttl: Duration::from_secs(24 * 60 * 60),
        default_ttl: None,
    };
    let custom = SignerPolicy {
        max_sans: Some(1),
        ..SignerPolicy::default()
    };
    let signers = BTreeMap::from([
        (KUBE_APISERVER_CLIENT.to_string(), spec(None)),
        (KUBELET_SERVING.to_string(), spec(None)),
        (CUSTOM.to_string(), spec(Some(custom))),
    ]);
    let fake = Arc::new(FakeCsrClient::with_objects([csr]));
    let client: Arc<dyn CsrClient> = fake.clone();
    let clock = Arc::new(FakeClock::new(now()));
    Setup {
        controller: SigningController::new(client, signers, clock),
        fake,
        ca,
        _data: data,
    }
}

/// Runs `handle` on the stored object, as the runner would hand it over.
async fn handle(setup: &Setup) -> Result<(), SignerError> {
    let stored = setup.fake.object("csr-1").expect("stored");
    setup.controller.handle(&stored).await
}

fn issued(setup: &Setup) -> Option<String> {
    let stored = setup.fake.object("csr-1")?;
    let pem = stored.status?.certificate?;
    String::from_utf8(pem.0).ok()
}

#[tokio::test]
async fn only_approved_unfailed_unissued_csrs_of_owned_signers_are_signed() {
    let failed_empty_status = vec![condition("Approved", "True"), condition("Failed", "")];
    let cases: Vec<(&str, Csr, bool)> = vec![
        ("approved", Csr::client(), true),
        (
            "approved with status False is still approved",
            Csr {
                conditions: vec![condition("Approved", "False")],
                ..Csr::client()
            },
            true,
        ),
        (
            "pending",
            Csr {
                conditions: vec![],
                ..Csr::client()
            },
            false,
        ),
        (
            "denied",
            Csr {
                conditions: vec![condition("Denied", "True")],
                ..Csr::client()
            },
            false,
        ),
        (
            "approved and denied",
            Csr {
                conditions: vec![condition("Approved", "True"), condition("Denied", "True")],
                ..Csr::client()
            },
            false,
        ),
        (
            "failed",
            Csr {
                conditions: vec![condition("Approved", "True"), condition("Failed", "True")],
                ..Csr::client()
            },
            false,
        ),
        (
            "failed with an empty status",
            Csr {
                conditions: failed_empty_status,
                ..Csr::client()
            },
            false,
        ),
        (
            "a Failed condition that is False does not stop signing",
            Csr {
                conditions: vec![condition("Approved", "True"), condition("Failed", "False")],
                ..Csr::client()
            },
            true,
        ),
        (
            "already issued",
            Csr {
                certificate: Some("-----BEGIN CERTIFICATE-----\n"),
                ..Csr::client()
            },
            false,
        ),
        (
            "another signer",
            Csr {
                signer: "example.com/other",
                ..Csr::client()
            },
            false,
        ),
    ];
    for (name, csr, signs) in cases {
        let setup = fixture(csr.build());
        let before = setup.fake.object("csr-1").expect("stored");
        assert!(handle(&setup).await.is_ok(), "{name}");
        let writes = setup.fake.writes();
        if !signs {
            assert_eq!(writes, vec![], "{name}");
            continue;
        }
        assert_eq!(writes.len(), 1, "{name}");
        let Action::UpdateStatus(sent) = &writes[0] else {
            panic!("{name}: expected a status update, got {writes:?}");
        };
        // Only the certificate changed, and the write carried the read's resourceVersion.
        let mut expected = before.clone();
        let pem = issued(&setup).expect("certificate");
        if let Some(status) = expected.status.as_mut() {
            status.certificate = Some(ByteString(pem.clone().into_bytes()));
        }
        assert_eq!(sent, &expected, "{name}");
        assert_issued_by(&pem, &setup.ca, "alice");
    }
}

/// The certificate is one PEM block, issued by the signer's CA to the requested subject, with
/// the 24h cap as its span.
fn assert_issued_by(pem_text: &str, ca: &CaSource, cn: &str) {
    assert!(pem_text.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(pem_text.matches("BEGIN").count(), 1);
    let (_, block) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes()).expect("pem");
    let cert = block.parse_x509().expect("certificate");
    let ca_pem = ca.trust_bundle();
    let (_, ca_block) = x509_parser::pem::parse_x509_pem(ca_pem.as_bytes()).expect("ca pem");
    let ca_cert = ca_block.parse_x509().expect("ca certificate");
    assert_eq!(cert.issuer(), ca_cert.subject());
    assert!(cert.verify_signature(Some(ca_cert.public_key())).is_ok());
    let subject_cn = cert.subject().iter_common_name().next();
    assert_eq!(subject_cn.and_then(|c| c.as_str().ok()), Some(cn));
    let span = cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp();
    assert_eq!(span, 24 * 60 * 60);
    assert_eq!(
        cert.validity().not_before.timestamp(),
        now().as_second() - 5 * 60
    );
}

#[tokio::test]
async fn a_policy_violation_is_recorded_once_as_a_failed_condition() {
    let cases = [
        (
            "client usages",
            Csr {
                usages: &["digital signature", "client auth", "server auth"],
                ..Csr::client()
            },
            "invalid usage for client certificate: server auth",
        ),
        (
            "client auth missing",
            Csr {
                usages: &["digital signature"],
                ..Csr::client()
            },
            "missing required usage for client certificate: client auth",
        ),
        (
            "kubelet serving organization",
            Csr {
                signer: KUBELET_SERVING,
                usages: &["digital signature", "server auth"],
                request: request_pem("system:node:n1", &["devs"], &["n1.example.com"]),
                ..Csr::client()
            },
            "subject organization is not system:nodes",
        ),
        (
            "custom signer rule",
            Csr {
                signer: CUSTOM,
                request: request_pem("svc", &[], &["a.example.com", "b.example.com"]),
                ..Csr::client()
            },
            "2 subjectAltNames exceed maxSANs 1",
        ),
    ];
    for (name, csr, message) in cases {
        let setup = fixture(csr.build());
        let before = setup.fake.object("csr-1").expect("stored");
        assert!(handle(&setup).await.is_ok(), "{name}");
        let mut expected = before.clone();
        if let Some(conditions) = expected.status.as_mut().and_then(|s| s.conditions.as_mut()) {
            conditions.push(CertificateSigningRequestCondition {
                type_: "Failed".to_string(),
                status: "True".to_string(),
                reason: Some("SignerValidationFailure".to_string()),
                message: Some(message.to_string()),
                last_update_time: Some(Time(now())),
                last_transition_time: None,
            });
        }
        assert_eq!(
            setup.fake.writes(),
            vec![Action::UpdateStatus(expected)],
            "{name}"
        );
        assert_eq!(issued(&setup), None, "{name}");
        // Handled again (the write's own watch event): Failed is final, nothing more is written.
        assert!(handle(&setup).await.is_ok(), "{name}");
        assert_eq!(setup.fake.writes().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn a_ca_problem_is_an_error_to_retry_and_writes_nothing() {
    let setup = fixture(Csr::client().build());
    let key = setup.ca.key_path().to_path_buf();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o640))
        .expect("chmod");
    let err = handle(&setup).await.expect_err("CA refused");
    assert_eq!(
        err.to_string(),
        format!(
            "error auto signing csr: CA key file {0} has mode 0640; it must be 0600 (run: chmod 600 {0})",
            key.display()
        )
    );
    assert_eq!(setup.fake.writes(), vec![]);
}

#[tokio::test]
async fn an_unparsable_request_is_an_error_to_retry_and_writes_nothing() {
    let setup = fixture(
        Csr {
            request: "not a request".to_string(),
            ..Csr::client()
        }
        .build(),
    );
    let err = handle(&setup).await.expect_err("unparsable");
    assert_eq!(
        err.to_string(),
        "unable to parse csr \"csr-1\": PEM block type must be CERTIFICATE REQUEST"
    );
    assert_eq!(setup.fake.writes(), vec![]);
}

#[tokio::test]
async fn failed_writes_are_errors_with_upstream_texts() {
    let setup = fixture(Csr::client().build());
    setup
        .fake
        .fail_next(Verb::UpdateStatus, ClientError::Conflict);
    let err = handle(&setup).await.expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "error updating signature for csr: the object has been modified; please apply your changes to the latest version and try again"
    );
    assert_eq!(issued(&setup), None);
    assert!(handle(&setup).await.is_ok());
    assert!(issued(&setup).is_some());

    let refused = fixture(
        Csr {
            usages: &["server auth", "client auth"],
            ..Csr::client()
        }
        .build(),
    );
    refused
        .fake
        .fail_next(Verb::UpdateStatus, ClientError::Forbidden(FORBIDDEN.into()));
    let err = handle(&refused).await.expect_err("forbidden");
    assert_eq!(
        err.to_string(),
        format!("error adding failure condition for csr: {FORBIDDEN}")
    );
}

#[tokio::test(start_paused = true)]
async fn under_the_runner_a_conflicting_write_is_retried_until_the_certificate_lands() {
    let setup = fixture(Csr::client().build());
    setup
        .fake
        .fail_next(Verb::UpdateStatus, ClientError::Conflict);
    setup
        .fake
        .fail_next(Verb::UpdateStatus, ClientError::Conflict);
    let Setup {
        fake,
        controller,
        _data,
        ..
    } = setup;
    let (stop, shutdown) = watch::channel(false);
    let client: Arc<dyn CsrClient> = fake.clone();
    let config = RunnerConfig {
        backoff: Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(10),
        },
        ..RunnerConfig::new("csrsigning")
    };
    let run = tokio::spawn(Runner::new(client, Arc::new(controller), config).run(shutdown));
    for _ in 0..1000 {
        if fake
            .object("csr-1")
            .and_then(|c| c.status?.certificate)
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let writes = fake.writes();
    assert_eq!(writes.len(), 3);
    assert!(
        fake.object("csr-1")
            .and_then(|c| c.status?.certificate)
            .is_some()
    );
    // The certificate's own watch event is handled too, and writes nothing more.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(fake.writes().len(), 3);
    let _ = stop.send(true);
    assert!(run.await.is_ok());
}
