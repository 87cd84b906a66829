//! Kubernetes types and the pure rules of the CertificateSigningRequest API.
//!
//! Nothing here does IO or async.  The API server and the controllers call these functions; the
//! tests beside them mirror upstream's `validation_test.go`.
//!
//! Start with [`validation`] (what a create or update may do), [`csr`] (parsing and verifying a
//! PKCS#10 request) and [`field`] (how errors are rendered, exactly as apimachinery does).
//!
//! The rest: [`meta`] (ObjectMeta rules and `generateName`), [`certificate`]
//! (`status.certificate` content), [`signer`] and [`usages`] (the CSR vocabulary), [`signing`]
//! (CA key pairs, signer policies and issuing certificates), [`selectors`] (label and field
//! selectors), [`rbac`] (the RBAC authorizer, escalation
//! checks, RBAC object validation and bootstrap policy), [`duration`] and [`conditions`] (what
//! `kubectl get csr` prints), [`clock`] (injected time), and the Go-compatibility helpers
//! [`content`] (name formats), [`gopem`] (PEM scanning) and [`goformat`] (`%q` and JSON quoting).

pub mod certificate;
pub mod clock;
pub mod conditions;
pub mod content;
pub mod csr;
pub mod duration;
pub mod field;
pub mod goformat;
pub mod gopem;
pub mod meta;
pub mod rbac;
pub mod selectors;
pub mod signer;
pub mod signing;
pub mod trust_bundle;
pub mod usages;
pub mod validation;

pub use k8s_openapi;
