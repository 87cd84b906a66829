//! The signing controller: issues the certificate of every approved CSR addressed to a signer it
//! owns, as upstream's `csrsigning` controllers do (`pkg/controller/certificates/signer`).
//!
//! [`SigningController::handle`] is a column of early returns (not approved, failed, already
//! issued, someone else's signer), then the policy, then the signature.  A policy refusal is
//! recorded on the object as a `Failed` condition with reason `SignerValidationFailure` and is
//! final; a CA, signing or write problem is returned as an error, so the runner retries it with
//! backoff and it shows only in the logs, as upstream.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use ring::rand::{SecureRandom, SystemRandom};
use signet_api::clock::Clock;
use signet_api::conditions::{is_approved, is_denied};
use signet_api::csr::{CsrError, ParsedCsr, parse_csr_pem};
use signet_api::goformat::go_quote;
use signet_api::signing::{
    SignRequest, SignerPolicy, SigningError, WellKnownSigner, custom_policy, sign,
    well_known_policy,
};
use signet_api::usages::{CONDITION_FAILED, REASON_SIGNER_VALIDATION_FAILURE};

use crate::ca_store::{CaSource, CaStoreError};
use crate::client::{ClientError, CsrClient};
use crate::runtime::Handler;

/// Upstream's `--cluster-signing-duration` default: one year.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How one signer signs.
#[derive(Clone, Debug)]
pub struct SignerSpec {
    pub ca: Arc<CaSource>,
    /// Extra rules from config.  For a well-known signer they apply after upstream's policy (a
    /// config can only narrow it); for any other signer they are its whole policy, and without
    /// them the default [`SignerPolicy`] (no SANs, any subject and usage) applies.
    pub policy: Option<SignerPolicy>,
    /// The longest certificate lifetime this signer issues.
    pub max_ttl: Duration,
    /// The lifetime of a certificate whose CSR asks for none (`None`: `max_ttl`, as upstream).
    pub default_ttl: Option<Duration>,
}

/// Why a CSR could not be handled now; every one of these is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("unable to parse csr {}: {source}", go_quote(.name))]
    Parse {
        name: String,
        #[source]
        source: CsrError,
    },
    #[error("error adding failure condition for csr: {0}")]
    RecordFailure(#[source] ClientError),
    #[error("error auto signing csr: {0}")]
    Ca(#[source] CaStoreError),
    #[error("error auto signing csr: {0}")]
    Sign(#[source] SigningError),
    #[error("error auto signing csr: random number generator failed")]
    Random,
    #[error("error updating signature for csr: {0}")]
    Write(#[source] ClientError),
}

/// Upstream's `HasTrueCondition`: a condition of type `t` whose status is `True` or empty.
fn has_true_condition(csr: &CertificateSigningRequest, condition_type: &str) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == condition_type && (c.status == "True" || c.status.is_empty()))
        })
}

fn has_certificate(csr: &CertificateSigningRequest) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.certificate.as_ref())
        .is_some_and(|c| !c.0.is_empty())
}

/// The signing controller for a set of signers.
pub struct SigningController {
    client: Arc<dyn CsrClient>,
    signers: BTreeMap<String, SignerSpec>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom + Send + Sync>,
}

impl SigningController {
    /// A controller for the signers in `signers` (by `spec.signerName`).
    pub fn new(
        client: Arc<dyn CsrClient>,
        signers: BTreeMap<String, SignerSpec>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        SigningController {
            client,
            signers,
            clock,
            random: Arc::new(SystemRandom::new()),
        }
    }

    /// The signer names this controller owns.
    pub fn signer_names(&self) -> impl Iterator<Item = &str> {
        self.signers.keys().map(String::as_str)
    }

    /// Handles one CSR (upstream `signer.handle`).
    pub async fn handle(&self, csr: &CertificateSigningRequest) -> Result<(), SignerError> {
        if !is_approved(csr) || is_denied(csr) || has_true_condition(csr, CONDITION_FAILED) {
            return Ok(());
        }
        if has_certificate(csr) {
            return Ok(());
        }
        let Some(spec) = self.signers.get(&csr.spec.signer_name) else {
            return Ok(());
        };
        let name = csr.metadata.name.clone().unwrap_or_default();
        let parsed = parse_csr_pem(&csr.spec.request.0)
            .map_err(|source| SignerError::Parse { name, source })?;
        let usages = csr.spec.usages.clone().unwrap_or_default();
        match self.policy(&csr.spec.signer_name, spec, &parsed, &usages) {
            Err(message) => return self.record_failure(csr, message).await,
            Ok(false) => return Ok(()),
            Ok(true) => {}
        }
        let certificate = self.issue(spec, csr, &parsed, &usages)?;
        let mut signed = csr.clone();
        signed
            .status
            .get_or_insert_with(CertificateSigningRequestStatus::default)
            .certificate = Some(ByteString(certificate.into_bytes()));
        self.client
            .update_status(&signed)
            .await
            .map_err(SignerError::Write)?;
        Ok(())
    }

    /// Whether the request may be signed (`Ok(false)`: not this signer's to judge), or the
    /// message of the rule it breaks.
    fn policy(
        &self,
        signer_name: &str,
        spec: &SignerSpec,
        csr: &ParsedCsr,
        usages: &[String],
    ) -> Result<bool, String> {
        match WellKnownSigner::from_name(signer_name) {
            Some(signer) => {
                if !well_known_policy(signer, csr, usages)? {
                    return Ok(false);
                }
                if let Some(policy) = &spec.policy {
                    custom_policy(policy, csr, usages)?;
                }
            }
            None => {
                let default = SignerPolicy::default();
                custom_policy(spec.policy.as_ref().unwrap_or(&default), csr, usages)?;
            }
        }
        Ok(true)
    }

    async fn record_failure(
        &self,
        csr: &CertificateSigningRequest,
        message: String,
    ) -> Result<(), SignerError> {
        let mut failed = csr.clone();
        failed
            .status
            .get_or_insert_with(CertificateSigningRequestStatus::default)
            .conditions
            .get_or_insert_with(Vec::new)
            .push(CertificateSigningRequestCondition {
                type_: CONDITION_FAILED.to_string(),
                status: "True".to_string(),
                reason: Some(REASON_SIGNER_VALIDATION_FAILURE.to_string()),
                message: Some(message),
                last_update_time: Some(Time(self.clock.now())),
                last_transition_time: None,
            });
        self.client
            .update_status(&failed)
            .await
            .map_err(SignerError::RecordFailure)?;
        Ok(())
    }

    fn issue(
        &self,
        spec: &SignerSpec,
        csr: &CertificateSigningRequest,
        parsed: &ParsedCsr,
        usages: &[String],
    ) -> Result<String, SignerError> {
        let ca = spec.ca.current().map_err(SignerError::Ca)?;
        let request = SignRequest {
            csr: parsed,
            usages,
            expiration_seconds: csr.spec.expiration_seconds.or_else(|| {
                spec.default_ttl
                    .map(|d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX))
            }),
            max_ttl: spec.max_ttl,
        };
        // `sign` takes an infallible filler; a failure of the system RNG is noted and turned
        // into an error afterwards, so no certificate with a predictable serial is written.
        let mut random_failed = false;
        let mut fill = |buf: &mut [u8]| {
            if self.random.fill(buf).is_err() {
                random_failed = true;
            }
        };
        let certificate =
            sign(&ca, &request, self.clock.now(), &mut fill).map_err(SignerError::Sign)?;
        if random_failed {
            return Err(SignerError::Random);
        }
        Ok(certificate)
    }
}

#[async_trait]
impl Handler for SigningController {
    type Error = SignerError;

    async fn handle(&self, csr: &CertificateSigningRequest) -> Result<(), SignerError> {
        SigningController::handle(self, csr).await
    }
}

#[cfg(test)]
mod tests;
