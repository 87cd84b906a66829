//! Authentication: who is making a request.
//!
//! [`Authenticator::authenticate`] tries, in kube-apiserver's order: the client certificate the TLS
//! layer verified ([`x509`]), then an `Authorization: Bearer` token against the static token file
//! ([`token_file`]) and the bootstrap tokens ([`bootstrap`]). The user it finds gets
//! `system:authenticated`; a request that presents no credential is `system:anonymous` when
//! anonymous access is enabled. A credential that is presented but does not authenticate — an
//! unknown bearer token, a certificate without clientAuth — is a 401 even when anonymous access is
//! on: an invalid credential is an error, never a fallback to anonymous.

pub mod bootstrap;
mod csv;
pub mod token_file;
pub mod x509;

use std::path::PathBuf;
use std::sync::Arc;

use http::HeaderMap;
use http::header::AUTHORIZATION;

use crate::error::ApiError;
use crate::tls::PeerCertificates;
use crate::user::UserInfo;

pub use bootstrap::{BootstrapError, BootstrapTokens};
pub use token_file::{TokenFile, TokenFileError};

/// The current time, injected so expiry can be tested without waiting.
pub type Clock = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(jiff::Timestamp::now)
}

/// Which authentication methods are enabled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthnConfig {
    /// Client certificates are accepted (the TLS layer is configured with a client CA and verified
    /// the chain before the request got here).
    pub client_ca: bool,
    /// `--token-auth-file`: static bearer tokens (CSV).
    pub token_file: Option<PathBuf>,
    /// A YAML file of `bootstrap.kubernetes.io/token` Secrets; re-read when it changes.
    pub bootstrap_token_file: Option<PathBuf>,
    /// Requests without credentials are `system:anonymous` instead of 401.
    pub anonymous: bool,
}

/// Why a request is not authenticated. Answered with 401 [`ApiError::unauthorized`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthnError {
    #[error("Unauthorized")]
    Unauthorized,
}

impl From<AuthnError> for ApiError {
    fn from(_: AuthnError) -> Self {
        ApiError::unauthorized()
    }
}

/// Why the authenticator could not be built (a startup error).
#[derive(Debug, thiserror::Error)]
pub enum AuthnConfigError {
    #[error(transparent)]
    TokenFile(#[from] TokenFileError),
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
}

/// All enabled authentication methods, tried in order.
pub struct Authenticator {
    x509: bool,
    tokens: Option<TokenFile>,
    bootstrap: Option<BootstrapTokens>,
    anonymous: bool,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("x509", &self.x509)
            .field("token_file", &self.tokens.is_some())
            .field("bootstrap_tokens", &self.bootstrap.is_some())
            .field("anonymous", &self.anonymous)
            .finish()
    }
}

impl Authenticator {
    /// Load the configured token files; bootstrap-token expiry uses the wall clock.
    pub fn new(config: AuthnConfig) -> Result<Self, AuthnConfigError> {
        Self::with_clock(config, system_clock())
    }

    /// [`Self::new`] with an injected clock.
    pub fn with_clock(config: AuthnConfig, clock: Clock) -> Result<Self, AuthnConfigError> {
        let tokens = config
            .token_file
            .as_deref()
            .map(TokenFile::load)
            .transpose()?;
        let bootstrap = config
            .bootstrap_token_file
            .as_deref()
            .map(|path| BootstrapTokens::load(path, clock))
            .transpose()?;
        Ok(Authenticator {
            x509: config.client_ca,
            tokens,
            bootstrap,
            anonymous: config.anonymous,
        })
    }

    /// Establish who sent a request from its connection's client certificate and its headers.
    pub fn authenticate(
        &self,
        peer: &PeerCertificates,
        headers: &HeaderMap,
    ) -> Result<UserInfo, AuthnError> {
        // As upstream's union authenticator: a method's error does not stop the next method, but
        // is remembered so that the request cannot end up anonymous.
        let mut rejected = false;
        if self.x509 {
            match x509::authenticate(peer) {
                Ok(Some(user)) => return Ok(user.with_authenticated_group()),
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "client certificate rejected");
                    rejected = true;
                }
            }
        }
        if let Some(token) = bearer_token(headers) {
            let user = self
                .tokens
                .as_ref()
                .and_then(|t| t.authenticate(token))
                .or_else(|| self.bootstrap.as_ref().and_then(|b| b.authenticate(token)));
            return match user {
                Some(user) => Ok(user.with_authenticated_group()),
                None => Err(AuthnError::Unauthorized),
            };
        }
        if !rejected && self.anonymous {
            return Ok(UserInfo::anonymous());
        }
        Err(AuthnError::Unauthorized)
    }
}

/// The bearer token of an `Authorization` header, read as upstream's `bearertoken` authenticator
/// does: trimmed, split on single spaces, scheme compared case-insensitively, the second part is
/// the token. Anything else (no header, another scheme, an empty token) is "no token".
pub fn bearer_token(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes().trim_ascii();
    let mut parts = value.splitn(3, |b| *b == b' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    (scheme.eq_ignore_ascii_case(b"bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
