//! The CSR garbage collector, upstream's `csrcleaner` (`pkg/controller/certificates/cleaner`):
//! a pass at start and then every interval lists every CSR and deletes those past their window.
//!
//! [`Cleaner::expiry`] holds upstream's five predicates in upstream's order (issued, denied or
//! failed for longer than their window after the condition's `lastUpdateTime`; pending, with no
//! conditions at all, for longer than its window after creation; issued certificate expired),
//! plus one of Signet's, off by default: approved but never issued for longer than a window
//! after the approval.  "Longer than" is strict and a missing timestamp never counts, as
//! upstream's `isOlderThan`.  Deletes carry the object's UID as a precondition, so a newer CSR
//! that reused the name is never removed; a failed delete is logged and tried again next pass.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use signet_api::certificate::parse_certificates;
use signet_api::clock::Clock;
use signet_api::conditions::has_certificate;
use signet_api::goformat::go_quote;
use signet_api::usages::{CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED};
use tokio::sync::watch;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::client::{ClientError, CsrClient};

const HOUR: Duration = Duration::from_secs(60 * 60);

/// The windows and the pace of the cleaner.  The default is upstream's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CleanerConfig {
    /// Time between the end of one pass and the start of the next (upstream: 1h).
    pub interval: Duration,
    /// Approved and issued, after the approval's `lastUpdateTime` (upstream: 1h).
    pub approved: Duration,
    /// Denied, after the denial's `lastUpdateTime` (upstream: 1h).
    pub denied: Duration,
    /// Failed, after the failure's `lastUpdateTime` (upstream: 1h, the denied window).
    pub failed: Duration,
    /// No conditions at all, after creation (upstream: 24h).
    pub pending: Duration,
    /// Approved but without a certificate, after the approval's `lastUpdateTime`; `None` (the
    /// default, as upstream) keeps such CSRs forever.
    pub approved_unissued: Option<Duration>,
}

impl Default for CleanerConfig {
    fn default() -> Self {
        CleanerConfig {
            interval: HOUR,
            approved: HOUR,
            denied: HOUR,
            failed: HOUR,
            pending: 24 * HOUR,
            approved_unissued: None,
        }
    }
}

/// Why a CSR is deleted; the text is upstream's log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Expiry {
    #[error("Cleaning CSR as it is more than approvedExpiration old and approved.")]
    IssuedPastDeadline,
    #[error("Cleaning CSR as it is more than deniedExpiration old and denied.")]
    DeniedPastDeadline,
    #[error("Cleaning CSR as it is more than failedExpiration old and failed.")]
    FailedPastDeadline,
    #[error("Cleaning CSR as it is more than pendingExpiration old and unhandled.")]
    PendingPastDeadline,
    #[error("Cleaning CSR as the associated certificate is expired.")]
    IssuedExpired,
    /// Signet's: approved, never issued.
    #[error("Cleaning CSR as it is approved but was not issued within the configured window.")]
    ApprovedUnissuedPastDeadline,
}

/// A pass's failure; the pass goes on with the next CSR, or the next pass tries again.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CleanerError {
    #[error("unable to list CSRs: {0}")]
    List(#[source] ClientError),
    #[error("unable to delete CSR {}: {source}", go_quote(.name))]
    Delete {
        name: String,
        #[source]
        source: ClientError,
    },
}

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// The names deleted, with why, in list order.
    pub deleted: Vec<(String, Expiry)>,
    pub errors: Vec<CleanerError>,
}

/// Upstream's `isOlderThan`: a timestamp is present and `t - now < -d`.
fn is_older_than(t: Option<&Time>, window: Duration, now: Timestamp) -> bool {
    let Some(Time(t)) = t else {
        return false;
    };
    let window = SignedDuration::try_from(window).unwrap_or(SignedDuration::MAX);
    now.duration_since(*t) > window
}

fn conditions(csr: &CertificateSigningRequest) -> &[CertificateSigningRequestCondition] {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
}

/// Upstream's `isExpired`: the first PEM block (of any label) holds certificates and the first
/// one's NotAfter is before `now`.  Anything unreadable is not expired.
fn certificate_expired(csr: &CertificateSigningRequest, now: Timestamp) -> bool {
    let Some(pem) = csr.status.as_ref().and_then(|s| s.certificate.as_ref()) else {
        return false;
    };
    let Some((block, _)) = signet_api::gopem::decode(&pem.0) else {
        return false;
    };
    // Go parses the whole block first and fails on any bad certificate in it.
    if !matches!(parse_certificates(&block.bytes), Ok(n) if n > 0) {
        return false;
    }
    let Ok((_, cert)) = X509Certificate::from_der(&block.bytes) else {
        return false;
    };
    match Timestamp::from_second(cert.validity().not_after.timestamp()) {
        Ok(not_after) => now > not_after,
        Err(_) => false,
    }
}

/// The CSR garbage collector.
pub struct Cleaner {
    client: Arc<dyn CsrClient>,
    clock: Arc<dyn Clock>,
    config: CleanerConfig,
}

impl Cleaner {
    pub fn new(client: Arc<dyn CsrClient>, clock: Arc<dyn Clock>, config: CleanerConfig) -> Self {
        Cleaner {
            client,
            clock,
            config,
        }
    }

    /// Why `csr` is due for deletion at `now`, if it is; the first matching rule in upstream's
    /// order, then Signet's.
    pub fn expiry(&self, csr: &CertificateSigningRequest, now: Timestamp) -> Option<Expiry> {
        let c = &self.config;
        let conds = conditions(csr);
        let issued = has_certificate(csr);
        let past = |type_: &str, window: Duration| {
            conds.iter().any(|x| {
                x.type_ == type_ && is_older_than(x.last_update_time.as_ref(), window, now)
            })
        };
        let approved = conds.iter().any(|x| x.type_ == CONDITION_APPROVED);
        if issued && past(CONDITION_APPROVED, c.approved) {
            return Some(Expiry::IssuedPastDeadline);
        }
        if past(CONDITION_DENIED, c.denied) {
            return Some(Expiry::DeniedPastDeadline);
        }
        if past(CONDITION_FAILED, c.failed) {
            return Some(Expiry::FailedPastDeadline);
        }
        if conds.is_empty()
            && is_older_than(csr.metadata.creation_timestamp.as_ref(), c.pending, now)
        {
            return Some(Expiry::PendingPastDeadline);
        }
        if approved && issued && certificate_expired(csr, now) {
            return Some(Expiry::IssuedExpired);
        }
        if let Some(window) = c.approved_unissued
            && !issued
            && past(CONDITION_APPROVED, window)
        {
            return Some(Expiry::ApprovedUnissuedPastDeadline);
        }
        None
    }

    /// One pass: list every CSR and delete those due, each guarded by its UID.  Failures are
    /// logged and reported; nothing is retried within the pass.
    pub async fn pass(&self) -> PassReport {
        let mut report = PassReport::default();
        let list = match self.client.list(None).await {
            Ok(list) => list,
            Err(err) => {
                let err = CleanerError::List(err);
                tracing::warn!(controller = "csrcleaner", %err);
                report.errors.push(err);
                return report;
            }
        };
        let now = self.clock.now();
        for csr in &list.items {
            let Some(why) = self.expiry(csr, now) else {
                continue;
            };
            let name = csr.metadata.name.clone().unwrap_or_default();
            let uid = csr.metadata.uid.as_deref().unwrap_or_default();
            tracing::info!(controller = "csrcleaner", csr = %name, "{why}");
            match self.client.delete(&name, uid).await {
                Ok(()) => report.deleted.push((name, why)),
                Err(source) => {
                    let err = CleanerError::Delete { name, source };
                    tracing::warn!(controller = "csrcleaner", %err);
                    report.errors.push(err);
                }
            }
        }
        report
    }

    /// Runs a pass now and then `interval` after each pass ends, until `shutdown` turns true
    /// (or its sender is gone).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => break,
                _ = self.pass() => {}
            }
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => break,
                () = tokio::time::sleep(self.config.interval) => {}
            }
        }
        tracing::info!(controller = "csrcleaner", "stopped");
    }
}

#[cfg(test)]
mod tests;
