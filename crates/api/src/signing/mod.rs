//! Certificate signing as pure functions: the CA key pair, the policies of the four built-in
//! signers and of Signet's custom signers, and certificate construction exactly as upstream's
//! `kube-controller-manager` signer builds it.
//!
//! Start with [`sign`]: given a [`CaKeyPair`] and an approved request it returns the PEM for
//! `status.certificate`. Before signing, a controller asks [`well_known_policy`] (or
//! [`custom_policy`]) whether the request may be signed; an `Err` message is what goes into
//! the `Failed` condition. Nothing here does IO: time and randomness are passed in.

mod ca;
mod certificate;
mod custom;
mod der;
mod error;
mod sign;
mod usage;
mod well_known;

pub use ca::CaKeyPair;
pub use custom::{
    IpNet, IpNetError, KeyRequirement, Pattern, SignerPolicy, SubjectConstraints, custom_policy,
};
pub use error::SigningError;
pub use sign::{BACKDATE, MIN_REQUESTED_TTL, SHORT, SignRequest, certificate_ttl, sign, validity};
pub use usage::{
    ExtKeyUsage, KeyUsage, MappedUsages, map_usages, usage_to_ext_key_usage, usage_to_key_usage,
};
pub use well_known::{WellKnownSigner, well_known_policy};

#[cfg(test)]
mod tests;
