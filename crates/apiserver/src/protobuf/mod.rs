//! Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), as kubectl's typed
//! client sends them for built-in kinds (`kubectl certificate approve`, `kubectl auth can-i`).
//!
//! [`decode`] unwraps the envelope, checks its type meta against the endpoint, decodes the object
//! with the `k8s-pb` message types and renders it as the exact JSON Kubernetes' JSON encoding gives
//! the same object, so everything after body parsing works on JSON only.  Start at `envelope`;
//! `kinds` is the table of accepted kinds; `json` holds Go's JSON rules; the other modules convert
//! one API group each.

mod certificates;
mod envelope;
mod json;
mod kinds;
mod lease;
mod meta;
mod rbac;
mod review;

pub use envelope::{MEDIA_TYPE, decode, is_protobuf};

#[cfg(test)]
mod kinds_tests;
#[cfg(test)]
mod kubectl_tests;
#[cfg(test)]
mod tests;
