//! The `CsrClient` seam: the handful of CertificateSigningRequest calls a controller makes.
//!
//! Controllers never talk HTTP or storage directly; they hold an `Arc<dyn CsrClient>`.  Signet
//! serves it in-process over the API server's registry, or over kube-rs against a real cluster,
//! and tests use [`crate::fake::FakeCsrClient`].  Every write is a full-object update that carries
//! the object's `metadata.resourceVersion`, so a concurrent change surfaces as
//! [`ClientError::Conflict`] and the controller retries from a fresh read, as upstream's do.

use async_trait::async_trait;
use futures::stream::BoxStream;
use k8s_openapi::api::authorization::v1::SubjectAccessReviewSpec;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;

/// Why a call failed, in the terms a controller acts on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The write carried a stale `resourceVersion` (HTTP 409): re-read and try again.
    #[error(
        "the object has been modified; please apply your changes to the latest version and try again"
    )]
    Conflict,
    /// The object does not exist (any more) (HTTP 404).
    #[error("not found")]
    NotFound,
    /// The caller may not do this (HTTP 403); the text is the server's whole message.
    #[error("{0}")]
    Forbidden(String),
    /// The server rejected the object (HTTP 422); the text is the server's message.
    #[error("{0}")]
    Invalid(String),
    /// A watch asked for a `resourceVersion` older than the server's history (HTTP 410 Gone):
    /// the caller must list again.  The text is the server's message.
    #[error("{0}")]
    Expired(String),
    /// Anything else (transport, server error); the text says what happened.
    #[error("{0}")]
    Other(String),
}

/// One change seen by a watch.
#[derive(Clone, Debug, PartialEq)]
pub enum CsrEvent {
    Added(CertificateSigningRequest),
    Modified(CertificateSigningRequest),
    Deleted(CertificateSigningRequest),
}

impl CsrEvent {
    /// The object the event carries (its last state, for a deletion).
    pub fn object(&self) -> &CertificateSigningRequest {
        match self {
            CsrEvent::Added(csr) | CsrEvent::Modified(csr) | CsrEvent::Deleted(csr) => csr,
        }
    }
}

/// The result of a list: the objects and the collection's `resourceVersion` to watch from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CsrList {
    pub items: Vec<CertificateSigningRequest>,
    pub resource_version: String,
}

/// A watch: events in order; an `Err` item or the end of the stream means the watch is over
/// and the caller must list again (an [`ClientError::Expired`] item is the usual reason).
pub type CsrEventStream = BoxStream<'static, Result<CsrEvent, ClientError>>;

/// The CSR calls a controller makes.  Object-safe: controllers hold `Arc<dyn CsrClient>`.
#[async_trait]
pub trait CsrClient: Send + Sync {
    /// Lists all CSRs, or only those whose `spec.signerName` equals `signer_name` (the
    /// `spec.signerName` field selector).
    async fn list(&self, signer_name: Option<&str>) -> Result<CsrList, ClientError>;

    /// Watches changes after `resource_version` (as returned by [`CsrClient::list`]), with the
    /// same filter as `list`.
    async fn watch(
        &self,
        signer_name: Option<&str>,
        resource_version: &str,
    ) -> Result<CsrEventStream, ClientError>;

    /// Reads one CSR by name.
    async fn get(&self, name: &str) -> Result<CertificateSigningRequest, ClientError>;

    /// Writes `csr.status` through the `/status` subresource, guarded by the object's
    /// `resourceVersion`; returns the object as stored.
    async fn update_status(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError>;

    /// Writes the Approved/Denied conditions through the `/approval` subresource, guarded by
    /// the object's `resourceVersion`; returns the object as stored.
    async fn update_approval(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError>;

    /// Deletes the CSR `name` if its `metadata.uid` is still `uid` (a UID precondition, so a
    /// newer object of the same name is never removed by mistake).
    async fn delete(&self, name: &str, uid: &str) -> Result<(), ClientError>;

    /// Asks whether the subject of `review` may do what it describes (a SubjectAccessReview,
    /// created as the controller itself); returns `status.allowed`.
    async fn subject_access_review(
        &self,
        review: &SubjectAccessReviewSpec,
    ) -> Result<bool, ClientError>;
}
