//! Putting a server together: the store, the RBAC authorizer fed from it, every served registry,
//! and the bootstrap policy reconciled before the first request.  Used by `signet serve` and by the
//! router tests, so both run exactly the same wiring.

use std::sync::Arc;

use signet_api::clock::Clock;
use signet_storage::Store;

use crate::authn::Authenticator;
use crate::error::ApiError;
use crate::rbac_authorizer::RbacAuthorizer;
use crate::registry::csr::CsrStrategy;
use crate::registry::csr_admission::GovernancePolicy;
use crate::registry::rbac::{RbacKind, RbacStrategy};
use crate::registry::{Registry, RequestContext};
use crate::server::AppState;
use crate::user::{GROUP_MASTERS, UserInfo};

/// What a server is made of, beyond its listener and TLS.
pub struct ServerParts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub authn: Authenticator,
    pub governance: GovernancePolicy,
    /// Flips to `true` at shutdown.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Max-in-flight request limits.
    pub inflight: crate::inflight::InflightLimits,
    /// The audit log, when enabled.
    pub audit: Option<crate::audit::AuditLog>,
}

/// The identity the server uses for its own writes (bootstrap policy).
pub fn system_user() -> UserInfo {
    UserInfo {
        name: "system:apiserver".to_string(),
        groups: vec![
            GROUP_MASTERS.to_string(),
            crate::user::GROUP_AUTHENTICATED.to_string(),
        ],
        ..Default::default()
    }
}

/// Build the application state and reconcile the bootstrap policy.
pub async fn assemble(parts: ServerParts) -> Result<AppState, ApiError> {
    let ServerParts {
        store,
        clock,
        authn,
        governance,
        shutdown,
        inflight,
        audit,
    } = parts;
    let rbac = RbacAuthorizer::start(store.clone(), shutdown.clone()).await?;
    let registry =
        |s: Arc<dyn crate::registry::Strategy>| Registry::new(s, store.clone(), clock.clone());
    let mut registries = vec![
        registry(Arc::new(CsrStrategy { policy: governance })),
        registry(Arc::new(crate::registry::trust_bundle::TrustBundleStrategy)),
        registry(Arc::new(crate::registry::lease::LeaseStrategy)),
    ];
    let rbac_registry = |k| registry(Arc::new(RbacStrategy::new(k, rbac.clone())));
    let cluster_roles = rbac_registry(RbacKind::ClusterRole);
    let cluster_role_bindings = rbac_registry(RbacKind::ClusterRoleBinding);
    registries.push(rbac_registry(RbacKind::Role));
    registries.push(cluster_roles.clone());
    registries.push(rbac_registry(RbacKind::RoleBinding));
    registries.push(cluster_role_bindings.clone());
    let ctx = RequestContext::system(rbac.clone(), clock.now(), "bootstrap policy");
    let metrics = crate::metrics::Metrics::default();
    tokio::spawn(
        metrics
            .clone()
            .follow_csrs(store.clone(), clock.clone(), shutdown.clone()),
    );
    crate::bootstrap_policy::reconcile_policy(&cluster_roles, &cluster_role_bindings, &ctx).await?;
    crate::aggregation::sync(&cluster_roles, &ctx).await?;
    tokio::spawn(crate::aggregation::run(
        cluster_roles.clone(),
        rbac.clone(),
        shutdown.clone(),
    ));
    Ok(AppState {
        registries: Arc::new(registries),
        store,
        authn: Arc::new(authn),
        authz: rbac.clone(),
        rbac,
        clock,
        shutdown: shutdown.clone(),
        inflight,
        metrics,
        audit,
    })
}
