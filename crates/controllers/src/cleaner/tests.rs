//! Cleaner tests: every window at its boundary (one second inside, exactly on it, one second
//! past) on a fake clock, the predicates' edge cases, what a pass deletes and reports, and the
//! schedule of passes on paused time.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use rcgen::{CertificateParams, KeyPair};
use signet_api::clock::FakeClock;

use super::*;
use crate::fake::{Action, FakeCsrClient, Verb};

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().expect("timestamp")
}

fn ago(seconds: i64) -> Time {
    Time(now() - SignedDuration::from_secs(seconds))
}

const HOUR_S: i64 = 3600;

/// A self-signed certificate whose NotAfter is `seconds` from [`now`] (negative: past).
fn certificate(not_after_from_now: i64) -> String {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(vec!["node".to_string()]).expect("params");
    let midnight = rcgen::date_time_ymd(2026, 1, 1);
    let offset = Duration::from_secs(not_after_from_now.unsigned_abs());
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = if not_after_from_now < 0 {
        midnight - offset
    } else {
        midnight + offset
    };
    params.self_signed(&key).expect("certificate").pem()
}

fn condition(type_: &str, updated: Option<Time>) -> CertificateSigningRequestCondition {
    CertificateSigningRequestCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        last_update_time: updated,
        ..CertificateSigningRequestCondition::default()
    }
}

fn csr(
    name: &str,
    created: Option<Time>,
    conditions: Vec<CertificateSigningRequestCondition>,
    certificate: Option<String>,
) -> CertificateSigningRequest {
    CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            uid: Some(format!("uid-{name}")),
            creation_timestamp: created,
            ..ObjectMeta::default()
        },
        status: Some(CertificateSigningRequestStatus {
            conditions: Some(conditions),
            certificate: certificate.map(|c| ByteString(c.into_bytes())),
        }),
        ..CertificateSigningRequest::default()
    }
}

fn cleaner(config: CleanerConfig) -> Cleaner {
    let fake: Arc<dyn CsrClient> = Arc::new(FakeCsrClient::new());
    Cleaner::new(fake, Arc::new(FakeClock::new(now())), config)
}

#[test]
fn upstream_windows_at_their_boundaries() {
    let valid = certificate(365 * 24 * HOUR_S);
    let created = Some(ago(48 * HOUR_S));
    let issued = |age: i64| {
        csr(
            "c",
            created.clone(),
            vec![condition("Approved", Some(ago(age)))],
            Some(valid.clone()),
        )
    };
    let only = |type_: &str, age: i64| {
        csr(
            "c",
            created.clone(),
            vec![condition(type_, Some(ago(age)))],
            None,
        )
    };
    let pending = |age: i64| csr("c", Some(ago(age)), Vec::new(), None);
    let issued_expiring = |not_after: i64| {
        csr(
            "c",
            created.clone(),
            vec![condition("Approved", Some(ago(60)))],
            Some(certificate(not_after)),
        )
    };
    use Expiry::*;
    let table: Vec<(&str, CertificateSigningRequest, Option<Expiry>)> = vec![
        ("issued, inside", issued(HOUR_S - 1), None),
        ("issued, on the boundary", issued(HOUR_S), None),
        ("issued, past", issued(HOUR_S + 1), Some(IssuedPastDeadline)),
        ("denied, inside", only("Denied", HOUR_S - 1), None),
        ("denied, on the boundary", only("Denied", HOUR_S), None),
        (
            "denied, past",
            only("Denied", HOUR_S + 1),
            Some(DeniedPastDeadline),
        ),
        ("failed, inside", only("Failed", HOUR_S - 1), None),
        ("failed, on the boundary", only("Failed", HOUR_S), None),
        (
            "failed, past",
            only("Failed", HOUR_S + 1),
            Some(FailedPastDeadline),
        ),
        ("pending, inside", pending(24 * HOUR_S - 1), None),
        ("pending, on the boundary", pending(24 * HOUR_S), None),
        (
            "pending, past",
            pending(24 * HOUR_S + 1),
            Some(PendingPastDeadline),
        ),
        ("certificate valid a second more", issued_expiring(1), None),
        ("certificate ends now", issued_expiring(0), None),
        (
            "certificate ended a second ago",
            issued_expiring(-1),
            Some(IssuedExpired),
        ),
        // Upstream keeps approved-but-never-issued CSRs forever by default.
        (
            "approved, never issued",
            only("Approved", 1000 * HOUR_S),
            None,
        ),
    ];
    let cleaner = cleaner(CleanerConfig::default());
    for (name, csr, want) in table {
        assert_eq!(cleaner.expiry(&csr, now()), want, "{name}");
    }
}

#[test]
fn predicate_edge_cases() {
    let old = Some(ago(1000 * HOUR_S));
    let valid = Some(certificate(HOUR_S));
    let expired = Some(certificate(-HOUR_S));
    let approved_old = condition("Approved", old.clone());
    let table: Vec<(&str, CertificateSigningRequest, Option<Expiry>)> = vec![
        (
            "conditions without lastUpdateTime never expire",
            csr(
                "c",
                old.clone(),
                vec![
                    condition("Approved", None),
                    condition("Denied", None),
                    condition("Failed", None),
                ],
                valid.clone(),
            ),
            None,
        ),
        (
            "an Approved condition of status False still counts",
            csr(
                "c",
                old.clone(),
                vec![CertificateSigningRequestCondition {
                    status: "False".to_string(),
                    ..approved_old.clone()
                }],
                valid.clone(),
            ),
            Some(Expiry::IssuedPastDeadline),
        ),
        (
            "an empty certificate is not issued",
            csr(
                "c",
                old.clone(),
                vec![approved_old.clone()],
                Some(String::new()),
            ),
            None,
        ),
        (
            "only custom conditions: never collected",
            csr(
                "c",
                old.clone(),
                vec![condition("ApprovalPatch", old.clone())],
                None,
            ),
            None,
        ),
        (
            "no status at all is pending",
            CertificateSigningRequest {
                status: None,
                ..csr("c", old.clone(), Vec::new(), None)
            },
            Some(Expiry::PendingPastDeadline),
        ),
        (
            "pending without a creation timestamp",
            csr("c", None, Vec::new(), None),
            None,
        ),
        (
            "expired certificate without an Approved condition",
            csr(
                "c",
                old.clone(),
                vec![condition("Denied", Some(ago(60)))],
                expired.clone(),
            ),
            None,
        ),
        (
            "unreadable certificate is not expired",
            csr(
                "c",
                old.clone(),
                vec![condition("Approved", Some(ago(60)))],
                Some("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into()),
            ),
            None,
        ),
        (
            "the first PEM block is read whatever its label",
            csr(
                "c",
                old.clone(),
                vec![condition("Approved", Some(ago(60)))],
                expired
                    .clone()
                    .map(|pem| pem.replace("CERTIFICATE-----", "SOMETHING-----")),
            ),
            Some(Expiry::IssuedExpired),
        ),
        (
            "only the first certificate's NotAfter counts",
            csr(
                "c",
                old.clone(),
                vec![condition("Approved", Some(ago(60)))],
                Some(format!(
                    "{}{}",
                    certificate(HOUR_S),
                    expired.clone().unwrap_or_default()
                )),
            ),
            None,
        ),
        (
            "the first rule in upstream's order is the one reported",
            csr(
                "c",
                old.clone(),
                vec![approved_old.clone(), condition("Denied", old.clone())],
                expired.clone(),
            ),
            Some(Expiry::IssuedPastDeadline),
        ),
    ];
    let cleaner = cleaner(CleanerConfig::default());
    for (name, csr, want) in table {
        assert_eq!(cleaner.expiry(&csr, now()), want, "{name}");
    }
}

#[test]
fn windows_are_configurable() {
    let config = CleanerConfig {
        approved: Duration::from_secs(600),
        denied: Duration::from_secs(60),
        failed: Duration::from_secs(120),
        pending: Duration::from_secs(7200),
        approved_unissued: Some(Duration::from_secs(2 * 3600)),
        ..CleanerConfig::default()
    };
    let cert = Some(certificate(HOUR_S));
    let with = |type_: &str, age: i64, cert: Option<String>| {
        csr(
            "c",
            Some(ago(48 * HOUR_S)),
            vec![condition(type_, Some(ago(age)))],
            cert,
        )
    };
    use Expiry::*;
    let table: Vec<(&str, CertificateSigningRequest, Option<Expiry>)> = vec![
        ("issued, on", with("Approved", 600, cert.clone()), None),
        (
            "issued, past",
            with("Approved", 601, cert.clone()),
            Some(IssuedPastDeadline),
        ),
        ("denied, on", with("Denied", 60, None), None),
        (
            "denied, past",
            with("Denied", 61, None),
            Some(DeniedPastDeadline),
        ),
        ("failed, on", with("Failed", 120, None), None),
        (
            "failed, past",
            with("Failed", 121, None),
            Some(FailedPastDeadline),
        ),
        (
            "pending, on",
            csr("c", Some(ago(7200)), Vec::new(), None),
            None,
        ),
        (
            "pending, past",
            csr("c", Some(ago(7201)), Vec::new(), None),
            Some(PendingPastDeadline),
        ),
        ("unissued, inside", with("Approved", 7199, None), None),
        ("unissued, on", with("Approved", 7200, None), None),
        (
            "unissued, past",
            with("Approved", 7201, None),
            Some(ApprovedUnissuedPastDeadline),
        ),
        (
            "unissued without lastUpdateTime",
            csr(
                "c",
                Some(ago(48 * HOUR_S)),
                vec![condition("Approved", None)],
                None,
            ),
            None,
        ),
    ];
    let cleaner = cleaner(config);
    for (name, csr, want) in table {
        assert_eq!(cleaner.expiry(&csr, now()), want, "{name}");
    }
    assert_eq!(
        CleanerConfig::default(),
        CleanerConfig {
            interval: Duration::from_secs(3600),
            approved: Duration::from_secs(3600),
            denied: Duration::from_secs(3600),
            failed: Duration::from_secs(3600),
            pending: Duration::from_secs(24 * 3600),
            approved_unissued: None,
        }
    );
}

fn fixture(
    objects: Vec<CertificateSigningRequest>,
) -> (Arc<FakeCsrClient>, Arc<FakeClock>, Cleaner) {
    let fake = Arc::new(FakeCsrClient::with_objects(objects));
    let clock = Arc::new(FakeClock::new(now()));
    let client: Arc<dyn CsrClient> = fake.clone();
    let cleaner = Cleaner::new(client, clock.clone(), CleanerConfig::default());
    (fake, clock, cleaner)
}

#[tokio::test]
async fn a_pass_deletes_what_is_due_with_its_uid_and_reports_failures() {
    let (fake, _clock, cleaner) = fixture(vec![
        csr(
            "denied-old",
            Some(ago(48 * HOUR_S)),
            vec![condition("Denied", Some(ago(2 * HOUR_S)))],
            None,
        ),
        csr("fresh", Some(ago(60)), Vec::new(), None),
        csr("pending-old", Some(ago(25 * HOUR_S)), Vec::new(), None),
    ]);
    fake.fail_next(Verb::Delete, ClientError::Forbidden("no".to_string()));
    let report = cleaner.pass().await;
    assert_eq!(
        report.deleted,
        vec![("pending-old".to_string(), Expiry::PendingPastDeadline)]
    );
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors, ["unable to delete CSR \"denied-old\": no"]);
    assert_eq!(
        fake.actions(),
        vec![
            Action::List { signer_name: None },
            Action::Delete {
                name: "denied-old".to_string(),
                uid: "uid-denied-old".to_string()
            },
            Action::Delete {
                name: "pending-old".to_string(),
                uid: "uid-pending-old".to_string()
            },
        ]
    );

    // The next pass tries again.
    fake.clear_actions();
    let report = cleaner.pass().await;
    assert_eq!(
        report,
        PassReport {
            deleted: vec![("denied-old".to_string(), Expiry::DeniedPastDeadline)],
            errors: Vec::new(),
        }
    );
    assert!(fake.object("denied-old").is_none() && fake.object("pending-old").is_none());
    assert!(fake.object("fresh").is_some());

    // A failed list is reported and nothing is deleted.
    fake.fail_next(
        Verb::List,
        ClientError::Other("connection refused".to_string()),
    );
    let report = cleaner.pass().await;
    assert_eq!(
        report.errors,
        vec![CleanerError::List(ClientError::Other(
            "connection refused".to_string()
        ))]
    );
    assert_eq!(
        report.errors[0].to_string(),
        "unable to list CSRs: connection refused"
    );
    assert!(report.deleted.is_empty());
}

#[tokio::test(start_paused = true)]
async fn passes_run_at_start_and_every_interval() {
    let (fake, clock, cleaner) =
        fixture(vec![csr("old", Some(ago(25 * HOUR_S)), Vec::new(), None)]);
    let (stop, shutdown) = watch::channel(false);
    let run = tokio::spawn(cleaner.run(shutdown));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(fake.object("old").is_none(), "first pass at start");

    fake.insert(csr("young", Some(ago(23 * HOUR_S)), Vec::new(), None));
    clock.advance(SignedDuration::from_hours(2));
    tokio::time::sleep(Duration::from_secs(3600 - 2)).await;
    assert!(
        fake.object("young").is_some(),
        "no pass before the interval"
    );
    let lists = |fake: &FakeCsrClient| {
        fake.actions()
            .iter()
            .filter(|a| matches!(a, Action::List { .. }))
            .count()
    };
    assert_eq!(lists(&fake), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(fake.object("young").is_none(), "second pass after an hour");
    assert_eq!(lists(&fake), 2);

    stop.send(true).expect("stop");
    run.await.expect("cleaner");
}
