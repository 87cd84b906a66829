//! The ClusterRole aggregation controller (upstream `clusterroleaggregation`): a ClusterRole with
//! an `aggregationRule` gets the rules of every ClusterRole its selectors match, rewritten
//! whenever a ClusterRole changes.  Authorization reads only `rules`, so this is all aggregation is.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::rbac::v1::ClusterRole;
use serde_json::Value;
use signet_api::rbac::aggregate_rules;

use crate::authz::Authorizer;
use crate::error::ApiError;
use crate::registry::{Endpoint, ListParams, Registry, RequestContext, UpdateParams};

/// Bring every aggregated ClusterRole up to date; returns how many were rewritten.
pub async fn sync(cluster_roles: &Registry, ctx: &RequestContext) -> Result<usize, ApiError> {
    let page = cluster_roles.list("", &ListParams::default()).await?;
    let all: Vec<ClusterRole> = page
        .items
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    let mut written = 0;
    for (role, raw) in all.iter().zip(page.items.iter()) {
        let Some(rules) = aggregate_rules(role, &all) else {
            continue;
        };
        if role.rules.clone().unwrap_or_default() == rules {
            continue;
        }
        let name = role.metadata.name.clone().unwrap_or_default();
        let mut updated = raw.clone();
        updated["rules"] =
            serde_json::to_value(&rules).map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(m) = updated.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("resourceVersion");
        }
        match cluster_roles
            .update(
                ctx,
                "",
                &name,
                Endpoint::Main,
                updated,
                &UpdateParams::default(),
            )
            .await
        {
            Ok(_) => written += 1,
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}

/// Keep aggregated ClusterRoles current until shutdown.
pub async fn run(
    cluster_roles: Registry,
    authz: Arc<dyn Authorizer>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let ctx = RequestContext::system(
            authz.clone(),
            cluster_roles.clock.now(),
            "clusterrole aggregation",
        );
        let from = match cluster_roles.store.current_revision().await {
            Ok(r) => r,
            Err(_) => return,
        };
        if let Err(e) = sync(&cluster_roles, &ctx).await {
            tracing::warn!("clusterrole aggregation: {}", e.message);
        }
        let Ok(mut events) = cluster_roles
            .store
            .watch(&cluster_roles.prefix(""), from)
            .await
        else {
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
            }
        };
        // Re-sync after each change (our own writes come back as events and settle at once).
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = events.next() => {}
        }
    }
}
