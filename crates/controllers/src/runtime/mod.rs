//! The small runtime every controller runs on: a de-duplicating, rate-limited [`WorkQueue`] of
//! CSR names and a [`Runner`] that feeds it from list+watch and drives N workers until shutdown.
//!
//! Start with [`Runner::run`]; a controller supplies a [`Handler`].

mod queue;
mod runner;
#[cfg(test)]
mod tests;

pub use queue::{Backoff, WorkQueue};
pub use runner::{Handler, Runner, RunnerConfig};
