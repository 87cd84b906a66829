//! The approving controller: approves kubelet client CSRs whose requester is allowed to ask for
//! one, as upstream's `csrapproving` controller does (`pkg/controller/certificates/approver`).
//!
//! [`SarApprover::handle`] is a column of early returns (issued, already approved or denied),
//! then the recognizers in upstream's order (`selfnodeclient`, then `nodeclient`).  For each one
//! that recognizes the request, a SubjectAccessReview asks whether the CSR's recorded requester
//! may `create` `certificatesigningrequests/<recognizer>`; the first allowed one appends an
//! `Approved` condition with reason `AutoApproved` and writes it through `/approval`.  A request
//! that was recognized but not allowed is an ignorable error: it is retried with backoff and
//! nothing is written, so an operator who grants the permission later sees it approved.

use std::sync::Arc;

use async_trait::async_trait;
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SubjectAccessReviewSpec};
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestStatus,
};
use signet_api::conditions::{has_certificate, is_approved, is_denied};
use signet_api::csr::{CsrError, ParsedCsr, parse_csr_pem};
use signet_api::goformat::go_quote;
use signet_api::signer::KUBE_APISERVER_CLIENT_KUBELET;
use signet_api::signing::{WellKnownSigner, well_known_policy};
use signet_api::usages::CONDITION_APPROVED;

use crate::client::{ClientError, CsrClient};
use crate::runtime::{Handler, RunnerConfig};

/// The reason of every condition this controller writes.
pub const REASON_AUTO_APPROVED: &str = "AutoApproved";

/// The message of an approval by the `selfnodeclient` recognizer.
pub const MESSAGE_SELF_NODE_CLIENT: &str =
    "Auto approving self kubelet client certificate after SubjectAccessReview.";

/// The message of an approval by the `nodeclient` recognizer.
pub const MESSAGE_NODE_CLIENT: &str =
    "Auto approving kubelet client certificate after SubjectAccessReview.";

/// Why a CSR could not be handled now; every one of these is retried with backoff.
#[derive(Debug, thiserror::Error)]
pub enum ApproverError {
    #[error("unable to parse csr {}: {source}", go_quote(.name))]
    Parse {
        name: String,
        #[source]
        source: CsrError,
    },
    /// The SubjectAccessReview itself failed; upstream returns the client's error unchanged.
    #[error("{0}")]
    Review(#[source] ClientError),
    #[error("error updating approval for csr: {0}")]
    Write(#[source] ClientError),
    /// Recognized, but no review allowed it: upstream's `IgnorableError`.
    #[error(
        "recognized csr {} as [{}] but subject access review was not approved",
        go_quote(.name),
        .tried.join(" ")
    )]
    NotApproved {
        name: String,
        tried: Vec<&'static str>,
    },
}

impl ApproverError {
    /// Whether this is upstream's ignorable error: expected, retried, not worth a warning.
    pub fn is_ignorable(&self) -> bool {
        matches!(self, ApproverError::NotApproved { .. })
    }
}

/// One way of recognizing a CSR the approver may approve.
#[derive(Clone, Copy, Debug)]
pub struct Recognizer {
    /// The subresource of `certificatesigningrequests` the requester needs `create` on.
    pub subresource: &'static str,
    /// The approval condition's message.
    pub message: &'static str,
    recognize: fn(&CertificateSigningRequest, &ParsedCsr) -> bool,
}

impl Recognizer {
    /// Whether this recognizer applies to `csr` (whose request parsed as `parsed`).
    pub fn recognizes(&self, csr: &CertificateSigningRequest, parsed: &ParsedCsr) -> bool {
        (self.recognize)(csr, parsed)
    }
}

/// Upstream's recognizers, in upstream's order.
pub const RECOGNIZERS: [Recognizer; 2] = [
    Recognizer {
        subresource: "selfnodeclient",
        message: MESSAGE_SELF_NODE_CLIENT,
        recognize: is_self_node_client_cert,
    },
    Recognizer {
        subresource: "nodeclient",
        message: MESSAGE_NODE_CLIENT,
        recognize: is_node_client_cert,
    },
];

/// `isNodeClientCert`: addressed to the kubelet client signer and `IsKubeletClientCSR` (the
/// signer's own policy, so what is approved is exactly what will be signed).
fn is_node_client_cert(csr: &CertificateSigningRequest, parsed: &ParsedCsr) -> bool {
    if csr.spec.signer_name != KUBE_APISERVER_CLIENT_KUBELET {
        return false;
    }
    let usages = csr.spec.usages.as_deref().unwrap_or_default();
    well_known_policy(WellKnownSigner::KubeApiserverClientKubelet, parsed, usages) == Ok(true)
}

/// `isSelfNodeClientCert`: a node client certificate requested by the node it names.
fn is_self_node_client_cert(csr: &CertificateSigningRequest, parsed: &ParsedCsr) -> bool {
    csr.spec.username.as_deref() == Some(parsed.subject.common_name.as_str())
        && is_node_client_cert(csr, parsed)
}

/// The runner settings upstream uses: 5 workers.  Only the kubelet client signer's CSRs are
/// watched, since no recognizer matches any other signer.
pub fn runner_config() -> RunnerConfig {
    RunnerConfig {
        signer_name: Some(KUBE_APISERVER_CLIENT_KUBELET.to_string()),
        ..RunnerConfig::new("csrapproving")
    }
}

/// The SubjectAccessReview upstream sends for `csr` and `subresource`: the CSR's recorded
/// requester, asking to `create` the subresource (any version, no namespace or name).
pub fn review_for(csr: &CertificateSigningRequest, subresource: &str) -> SubjectAccessReviewSpec {
    SubjectAccessReviewSpec {
        user: csr.spec.username.clone(),
        uid: csr.spec.uid.clone(),
        groups: csr.spec.groups.clone(),
        extra: csr.spec.extra.clone(),
        resource_attributes: Some(ResourceAttributes {
            group: Some("certificates.k8s.io".to_string()),
            version: Some("*".to_string()),
            resource: Some("certificatesigningrequests".to_string()),
            subresource: Some(subresource.to_string()),
            verb: Some("create".to_string()),
            ..ResourceAttributes::default()
        }),
        non_resource_attributes: None,
    }
}

/// The approving controller (upstream `sarApprover`).
pub struct SarApprover {
    client: Arc<dyn CsrClient>,
}

impl SarApprover {
    pub fn new(client: Arc<dyn CsrClient>) -> Self {
        SarApprover { client }
    }

    /// Handles one CSR (upstream `sarApprover.handle`).
    pub async fn handle(&self, csr: &CertificateSigningRequest) -> Result<(), ApproverError> {
        if has_certificate(csr) {
            return Ok(());
        }
        if is_approved(csr) || is_denied(csr) {
            return Ok(());
        }
        let name = csr.metadata.name.clone().unwrap_or_default();
        let parsed = match parse_csr_pem(&csr.spec.request.0) {
            Ok(parsed) => parsed,
            Err(source) => return Err(ApproverError::Parse { name, source }),
        };
        let mut tried = Vec::new();
        for recognizer in RECOGNIZERS {
            if !recognizer.recognizes(csr, &parsed) {
                continue;
            }
            tried.push(recognizer.subresource);
            let allowed = self
                .client
                .subject_access_review(&review_for(csr, recognizer.subresource))
                .await
                .map_err(ApproverError::Review)?;
            if allowed {
                return self.approve(csr, recognizer.message).await;
            }
        }
        if tried.is_empty() {
            return Ok(());
        }
        Err(ApproverError::NotApproved { name, tried })
    }

    /// Appends the approval (no timestamps: the server stamps them) and writes it.
    async fn approve(
        &self,
        csr: &CertificateSigningRequest,
        message: &str,
    ) -> Result<(), ApproverError> {
        let mut approved = csr.clone();
        approved
            .status
            .get_or_insert_with(CertificateSigningRequestStatus::default)
            .conditions
            .get_or_insert_with(Vec::new)
            .push(CertificateSigningRequestCondition {
                type_: CONDITION_APPROVED.to_string(),
                status: "True".to_string(),
                reason: Some(REASON_AUTO_APPROVED.to_string()),
                message: Some(message.to_string()),
                last_update_time: None,
                last_transition_time: None,
            });
        self.client
            .update_approval(&approved)
            .await
            .map_err(ApproverError::Write)?;
        Ok(())
    }
}

#[async_trait]
impl Handler for SarApprover {
    type Error = ApproverError;

    async fn handle(&self, csr: &CertificateSigningRequest) -> Result<(), ApproverError> {
        SarApprover::handle(self, csr).await
    }
}

#[cfg(test)]
mod tests;
