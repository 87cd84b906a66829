//! Approving controller tests: a table of CSRs and granted permissions handed to `handle`, each
//! asserting the exact reviews asked, the approval written and the error returned; then the
//! review's exact content, the error paths, and a run through the runner.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec,
    CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SanType};
use signet_api::signer::{KUBE_APISERVER_CLIENT, KUBELET_SERVING};
use tokio::sync::watch;

use super::*;
use crate::fake::{Action, FakeCsrClient, Verb};
use crate::runtime::Runner;

const NODE: &str = "system:node:worker-1";
const BOOTSTRAP_USER: &str = "system:bootstrap:abcdef";
const BOOTSTRAPPERS: &str = "system:bootstrappers";
const CLIENT_USAGES: &[&str] = &["digital signature", "client auth"];

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

fn condition(type_: &str) -> CertificateSigningRequestCondition {
    CertificateSigningRequestCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        ..CertificateSigningRequestCondition::default()
    }
}

/// A kubelet client CSR for `worker-1`, requested by `username` in `system:bootstrappers`.
struct Csr {
    signer: &'static str,
    username: &'static str,
    usages: &'static [&'static str],
    request: String,
    conditions: Vec<CertificateSigningRequestCondition>,
    certificate: Option<&'static str>,
}

impl Csr {
    fn node(username: &'static str) -> Self {
        Csr {
            signer: KUBE_APISERVER_CLIENT_KUBELET,
            username,
            usages: CLIENT_USAGES,
            request: request_pem(NODE, &["system:nodes"], &[]),
            conditions: Vec::new(),
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
                username: Some(self.username.to_string()),
                uid: Some("requester-uid".to_string()),
                groups: Some(vec![
                    BOOTSTRAPPERS.to_string(),
                    "system:authenticated".to_string(),
                ]),
                extra: Some(BTreeMap::from([(
                    "scopes".to_string(),
                    vec!["a".to_string(), "b".to_string()],
                )])),
                ..CertificateSigningRequestSpec::default()
            },
            status: Some(CertificateSigningRequestStatus {
                conditions: Some(self.conditions),
                certificate: self.certificate.map(|c| ByteString(c.as_bytes().to_vec())),
            }),
        }
    }
}

fn setup(
    csr: CertificateSigningRequest,
    grants: &[(&str, &str)],
) -> (Arc<FakeCsrClient>, SarApprover) {
    let fake = Arc::new(FakeCsrClient::with_objects([csr]));
    for (subject, subresource) in grants {
        fake.allow_access(
            subject,
            &format!("certificatesigningrequests/{subresource}"),
            "create",
        );
    }
    let client: Arc<dyn CsrClient> = fake.clone();
    (fake, SarApprover::new(client))
}

async fn handle(fake: &FakeCsrClient, approver: &SarApprover) -> Result<(), ApproverError> {
    let stored = fake.object("csr-1").expect("stored");
    approver.handle(&stored).await
}

/// The subresources the recorded reviews asked about, in order.
fn reviewed(fake: &FakeCsrClient) -> Vec<String> {
    fake.actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::SubjectAccessReview(spec) => spec.resource_attributes?.subresource,
            _ => None,
        })
        .collect()
}

/// `(type, status, reason, message)` of every condition an approval write carried.
fn approvals(fake: &FakeCsrClient) -> Vec<Vec<(String, String, String, String)>> {
    fake.writes()
        .into_iter()
        .map(|a| match a {
            Action::UpdateApproval(csr) => csr
                .status
                .and_then(|s| s.conditions)
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    assert!(c.last_update_time.is_none() && c.last_transition_time.is_none());
                    (
                        c.type_,
                        c.status,
                        c.reason.unwrap_or_default(),
                        c.message.unwrap_or_default(),
                    )
                })
                .collect(),
            other => panic!("unexpected write {other:?}"),
        })
        .collect()
}

fn approved(message: &str) -> Vec<(String, String, String, String)> {
    vec![(
        "Approved".to_string(),
        "True".to_string(),
        "AutoApproved".to_string(),
        message.to_string(),
    )]
}

const NOT_APPROVED_BOTH: &str = "recognized csr \"csr-1\" as [selfnodeclient nodeclient] but subject access review was not approved";
const NOT_APPROVED_NODE: &str =
    "recognized csr \"csr-1\" as [nodeclient] but subject access review was not approved";

#[tokio::test]
async fn recognizers_reviews_and_approvals() {
    struct Case {
        name: &'static str,
        csr: Csr,
        grants: &'static [(&'static str, &'static str)],
        reviews: &'static [&'static str],
        message: Option<&'static str>,
        error: Option<&'static str>,
    }
    let wrong_usages = Csr {
        usages: &["digital signature", "client auth", "server auth"],
        ..Csr::node(BOOTSTRAP_USER)
    };
    let cases = vec![
        Case {
            name: "renewal by the node itself, allowed selfnodeclient",
            csr: Csr::node(NODE),
            grants: &[(NODE, "selfnodeclient")],
            reviews: &["selfnodeclient"],
            message: Some(MESSAGE_SELF_NODE_CLIENT),
            error: None,
        },
        Case {
            name: "renewal by the node itself, allowed only nodeclient: falls through",
            csr: Csr::node(NODE),
            grants: &[(BOOTSTRAPPERS, "nodeclient")],
            reviews: &["selfnodeclient", "nodeclient"],
            message: Some(MESSAGE_NODE_CLIENT),
            error: None,
        },
        Case {
            name: "bootstrap request, group allowed nodeclient",
            csr: Csr::node(BOOTSTRAP_USER),
            grants: &[(BOOTSTRAPPERS, "nodeclient")],
            reviews: &["nodeclient"],
            message: Some(MESSAGE_NODE_CLIENT),
            error: None,
        },
        Case {
            name: "bootstrap request, only selfnodeclient granted: not self, not approved",
            csr: Csr::node(BOOTSTRAP_USER),
            grants: &[(BOOTSTRAPPERS, "selfnodeclient")],
            reviews: &["nodeclient"],
            message: None,
            error: Some(NOT_APPROVED_NODE),
        },
        Case {
            name: "renewal with nothing granted",
            csr: Csr::node(NODE),
            grants: &[(NODE, "nodeclients")],
            reviews: &["selfnodeclient", "nodeclient"],
            message: None,
            error: Some(NOT_APPROVED_BOTH),
        },
        Case {
            name: "a granted permission for another user does not count",
            csr: Csr::node(BOOTSTRAP_USER),
            grants: &[("someone-else", "nodeclient")],
            reviews: &["nodeclient"],
            message: None,
            error: Some(NOT_APPROVED_NODE),
        },
        Case {
            name: "kube-apiserver-client signer is never auto-approved",
            csr: Csr {
                signer: KUBE_APISERVER_CLIENT,
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient"), (NODE, "nodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "kubelet-serving signer is never auto-approved",
            csr: Csr {
                signer: KUBELET_SERVING,
                usages: &["digital signature", "server auth"],
                request: request_pem(NODE, &["system:nodes"], &["worker-1"]),
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient"), (NODE, "nodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "organization other than system:nodes is not recognized",
            csr: Csr {
                request: request_pem(NODE, &["system:nodes", "extra"], &[]),
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient"), (NODE, "nodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "a DNS SAN is not recognized",
            csr: Csr {
                request: request_pem(NODE, &["system:nodes"], &["worker-1"]),
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "nodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "a common name without system:node: is not recognized",
            csr: Csr {
                request: request_pem("worker-1", &["system:nodes"], &[]),
                ..Csr::node("worker-1")
            },
            grants: &[("worker-1", "selfnodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "server auth usage is not recognized",
            csr: wrong_usages,
            grants: &[(BOOTSTRAPPERS, "nodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "the three-usage set is recognized",
            csr: Csr {
                usages: &["key encipherment", "client auth", "digital signature"],
                ..Csr::node(BOOTSTRAP_USER)
            },
            grants: &[(BOOTSTRAPPERS, "nodeclient")],
            reviews: &["nodeclient"],
            message: Some(MESSAGE_NODE_CLIENT),
            error: None,
        },
        Case {
            name: "already approved",
            csr: Csr {
                conditions: vec![condition("Approved")],
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "an Approved condition of status False still stops it",
            csr: Csr {
                conditions: vec![CertificateSigningRequestCondition {
                    status: "False".to_string(),
                    ..condition("Approved")
                }],
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "denied",
            csr: Csr {
                conditions: vec![condition("Denied")],
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
        Case {
            name: "already issued",
            csr: Csr {
                certificate: Some("issued"),
                ..Csr::node(NODE)
            },
            grants: &[(NODE, "selfnodeclient")],
            reviews: &[],
            message: None,
            error: None,
        },
    ];
    for case in cases {
        let (fake, approver) = setup(case.csr.build(), case.grants);
        let result = handle(&fake, &approver).await;
        assert_eq!(
            result.as_ref().err().map(ToString::to_string).as_deref(),
            case.error,
            "{}",
            case.name
        );
        if let Err(err) = &result {
            assert!(err.is_ignorable(), "{}", case.name);
        }
        assert_eq!(reviewed(&fake), case.reviews, "{}", case.name);
        let want: Vec<_> = case.message.map(approved).into_iter().collect();
        assert_eq!(approvals(&fake), want, "{}", case.name);
    }
}

#[tokio::test]
async fn a_failed_condition_does_not_stop_approval_and_conditions_are_kept() {
    let csr = Csr {
        conditions: vec![CertificateSigningRequestCondition {
            reason: Some("Custom".to_string()),
            ..condition("Failed")
        }],
        ..Csr::node(BOOTSTRAP_USER)
    };
    let (fake, approver) = setup(csr.build(), &[(BOOTSTRAPPERS, "nodeclient")]);
    handle(&fake, &approver).await.expect("approved");
    let mut want = vec![(
        "Failed".to_string(),
        "True".to_string(),
        "Custom".to_string(),
        String::new(),
    )];
    want.extend(approved(MESSAGE_NODE_CLIENT));
    assert_eq!(approvals(&fake), vec![want]);
    // The write carried the resourceVersion it read, so a concurrent change is a conflict.
    let Some(Action::UpdateApproval(sent)) = fake.writes().pop() else {
        panic!("no approval written");
    };
    assert_eq!(sent.metadata.resource_version.as_deref(), Some("1"));
}

#[tokio::test]
async fn the_review_asks_about_the_recorded_requester() {
    let (fake, approver) = setup(Csr::node(NODE).build(), &[]);
    let _ = handle(&fake, &approver).await;
    let reviews: Vec<_> = fake
        .actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::SubjectAccessReview(spec) => Some(spec),
            _ => None,
        })
        .collect();
    let csr = fake.object("csr-1").expect("stored");
    assert_eq!(
        reviews,
        vec![
            review_for(&csr, "selfnodeclient"),
            review_for(&csr, "nodeclient")
        ]
    );
    let review = &reviews[1];
    assert_eq!(review.user.as_deref(), Some(NODE));
    assert_eq!(review.uid.as_deref(), Some("requester-uid"));
    assert_eq!(
        review.groups,
        Some(vec![
            BOOTSTRAPPERS.to_string(),
            "system:authenticated".to_string()
        ])
    );
    assert_eq!(
        review.extra,
        Some(BTreeMap::from([(
            "scopes".to_string(),
            vec!["a".to_string(), "b".to_string()]
        )]))
    );
    assert!(review.non_resource_attributes.is_none());
    let attrs = review
        .resource_attributes
        .clone()
        .expect("resource attributes");
    assert_eq!(
        (
            attrs.group.as_deref(),
            attrs.version.as_deref(),
            attrs.resource.as_deref(),
            attrs.subresource.as_deref(),
            attrs.verb.as_deref(),
            attrs.namespace,
            attrs.name,
        ),
        (
            Some("certificates.k8s.io"),
            Some("*"),
            Some("certificatesigningrequests"),
            Some("nodeclient"),
            Some("create"),
            None,
            None,
        )
    );
}

#[tokio::test]
async fn error_paths() {
    // An unparseable request is an error, before any review.
    let garbage = Csr {
        request: "not a request".to_string(),
        ..Csr::node(NODE)
    };
    let (fake, approver) = setup(garbage.build(), &[(NODE, "selfnodeclient")]);
    let err = handle(&fake, &approver).await.expect_err("parse");
    assert_eq!(
        err.to_string(),
        "unable to parse csr \"csr-1\": PEM block type must be CERTIFICATE REQUEST"
    );
    assert!(!err.is_ignorable());
    assert!(reviews_and_writes_are_empty(&fake));

    // A failed review is returned as the client's error, nothing written.
    let (fake, approver) = setup(Csr::node(NODE).build(), &[(NODE, "selfnodeclient")]);
    fake.fail_next(
        Verb::SubjectAccessReview,
        ClientError::Forbidden("subjectaccessreviews.authorization.k8s.io is forbidden".into()),
    );
    let err = handle(&fake, &approver).await.expect_err("review");
    assert_eq!(
        err.to_string(),
        "subjectaccessreviews.authorization.k8s.io is forbidden"
    );
    assert!(!err.is_ignorable());
    assert_eq!(reviewed(&fake), ["selfnodeclient"]);
    assert!(fake.writes().is_empty());

    // A stale object: the write conflicts and is retried from a fresh read.
    let (fake, approver) = setup(Csr::node(NODE).build(), &[(NODE, "selfnodeclient")]);
    let stale = fake.object("csr-1").expect("stored");
    fake.insert(stale.clone());
    let err = approver.handle(&stale).await.expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "error updating approval for csr: the object has been modified; please apply your changes to the latest version and try again"
    );
    let current = fake.object("csr-1").expect("stored");
    assert!(!is_approved(&current));
    approver.handle(&current).await.expect("approved");
    assert!(is_approved(&fake.object("csr-1").expect("stored")));
}

fn reviews_and_writes_are_empty(fake: &FakeCsrClient) -> bool {
    reviewed(fake).is_empty() && fake.writes().is_empty()
}

#[tokio::test(start_paused = true)]
async fn the_runner_approves_once_the_permission_is_granted() {
    let fake = Arc::new(FakeCsrClient::with_objects([
        Csr::node(BOOTSTRAP_USER).build()
    ]));
    let client: Arc<dyn CsrClient> = fake.clone();
    let approver = Arc::new(SarApprover::new(client.clone()));
    let (stop, shutdown) = watch::channel(false);
    let config = runner_config();
    assert_eq!(config.name, "csrapproving");
    assert_eq!(config.workers, 5);
    assert_eq!(
        config.signer_name.as_deref(),
        Some(KUBE_APISERVER_CLIENT_KUBELET)
    );
    let run = tokio::spawn(Runner::new(client, approver, config).run(shutdown));

    // Not allowed: retried with backoff, nothing written.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(fake.writes().is_empty());
    assert!(!reviewed(&fake).is_empty());

    // The operator binds the role; a later retry approves.
    fake.allow_access(
        BOOTSTRAPPERS,
        "certificatesigningrequests/nodeclient",
        "create",
    );
    for _ in 0..600 {
        if is_approved(&fake.object("csr-1").expect("stored")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(approvals(&fake), vec![approved(MESSAGE_NODE_CLIENT)]);
    // The approved object comes back through the watch and is left alone.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(fake.writes().len(), 1);

    stop.send(true).expect("stop");
    run.await.expect("runner");
}
