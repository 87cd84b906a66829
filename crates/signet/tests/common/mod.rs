//! Harness shared by the end-to-end tests of the `signet` binary.
//!
//! The tests start the real `signet serve` ([`server::Server`]) on a free loopback port with a fresh
//! data directory and drive it the way users do: with real `kubectl` builds ([`kubectl`]), the
//! official Python client (run through [`tools::python`]), `openssl` ([`pki`]) and raw HTTPS requests
//! ([`https`]). The external tools come from `scripts/test.sh`; when one is missing the tests fail
//! and say so instead of skipping.
//!
//! Start with [`server::Server::start`] and the helpers it hands out.
#![allow(
    dead_code,
    reason = "every test binary compiles this module and uses a different part of it"
)]

pub mod cmd;
pub mod https;
pub mod kubeconfig;
pub mod kubectl;
pub mod pki;
pub mod server;
pub mod tools;
