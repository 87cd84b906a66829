//! Signet's controllers: the loops that make CSRs useful, run in-process by `signet serve` or
//! against a real cluster by `signet controllers`.
//!
//! Start with [`client::CsrClient`], the only way a controller reads or writes CSRs (tests use
//! [`fake::FakeCsrClient`]), then [`runtime`] (the queue, workers and backoff every controller
//! shares), [`signer`] (the signing controller, upstream's `csrsigning`) and [`ca_store`] (the
//! per-signer CA files it signs with), [`approver`] (upstream's `csrapproving`: kubelet client
//! CSRs approved after a SubjectAccessReview) and [`cleaner`] (upstream's `csrcleaner`).

pub mod approver;
pub mod ca_store;
pub mod cleaner;
pub mod client;
pub mod fake;
pub mod runtime;
pub mod signer;
