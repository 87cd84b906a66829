//! Signet's Kubernetes-compatible API server.
//!
//! A request travels `TLS → authenticate → authorize → decode → strategy → validation → admission →
//! storage → response/watch`.  [`server::router`] assembles the routes; [`registry`] holds the
//! per-resource strategies and REST handlers; [`error::ApiError`] is the one error that becomes a
//! Kubernetes `Status` response.

pub mod aggregation;
pub mod assemble;
pub mod audit;
pub mod authn;
pub mod authz;
pub mod bootstrap_policy;
pub mod discovery;
pub mod error;
pub mod handlers;
pub mod health;
pub mod impersonation;
pub mod inflight;
pub mod inprocess;
pub mod metrics;
pub mod negotiate;
pub mod openapi;
pub mod patch;
pub mod pki;
pub mod protobuf;
pub mod rbac_authorizer;
pub mod registry;
pub mod request_info;
pub mod reviews;
pub mod server;
pub mod tls;
pub mod trust_bundles;
pub mod user;
