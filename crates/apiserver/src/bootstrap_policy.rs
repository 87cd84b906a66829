//! The bootstrap RBAC policy, reconciled on every start as kube-apiserver does: missing roles and
//! bindings are created, stored ones that lack something get it added (user additions are kept),
//! and objects annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` are left alone.

use serde::Serialize;
use serde_json::Value;
use signet_api::rbac::{
    ReconcileAction, bootstrap_cluster_role_bindings, bootstrap_cluster_roles, reconcile,
    reconcile_binding,
};

use crate::error::ApiError;
use crate::registry::{
    CreateParams, DeleteParams, Endpoint, Registry, RequestContext, UpdateParams,
};

async fn apply<T: Serialize + serde::de::DeserializeOwned>(
    registry: &Registry,
    ctx: &RequestContext,
    action: ReconcileAction<T>,
    name: &str,
) -> Result<(), ApiError> {
    let encode = |t: &T| {
        let mut v = serde_json::to_value(t).map_err(|e| ApiError::internal(e.to_string()))?;
        v["apiVersion"] = Value::String(registry.info().api_version());
        v["kind"] = Value::String(registry.info().kind.to_string());
        Ok::<_, ApiError>(v)
    };
    match action {
        ReconcileAction::Create(t) => {
            registry
                .create(ctx, "", encode(&t)?, &CreateParams::default())
                .await?;
            tracing::info!(
                kind = registry.info().kind,
                name,
                "bootstrap policy: created"
            );
        }
        ReconcileAction::Update(t) => {
            let mut v = encode(&t)?;
            if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("resourceVersion");
            }
            registry
                .update(ctx, "", name, Endpoint::Main, v, &UpdateParams::default())
                .await?;
            tracing::info!(
                kind = registry.info().kind,
                name,
                "bootstrap policy: added what was missing"
            );
        }
        ReconcileAction::Recreate(t) => {
            registry
                .delete(ctx, "", name, &DeleteParams::default())
                .await?;
            let mut v = encode(&t)?;
            if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                for f in ["resourceVersion", "uid", "creationTimestamp"] {
                    m.remove(f);
                }
            }
            registry
                .create(ctx, "", v, &CreateParams::default())
                .await?;
            tracing::info!(
                kind = registry.info().kind,
                name,
                "bootstrap policy: recreated with the bootstrap roleRef"
            );
        }
        ReconcileAction::Unchanged => {}
        ReconcileAction::Protected => {
            tracing::warn!(
                kind = registry.info().kind,
                name,
                "bootstrap policy: object lacks bootstrap content but is marked autoupdate=false; left alone"
            );
        }
    }
    Ok(())
}

async fn existing<T: serde::de::DeserializeOwned>(
    registry: &Registry,
    name: &str,
) -> Result<Option<T>, ApiError> {
    match registry.get("", name).await {
        Ok(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| ApiError::internal(e.to_string())),
        Err(e) if e.code == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reconcile every bootstrap ClusterRole and ClusterRoleBinding.
pub async fn reconcile_policy(
    cluster_roles: &Registry,
    cluster_role_bindings: &Registry,
    ctx: &RequestContext,
) -> Result<(), ApiError> {
    for role in bootstrap_cluster_roles() {
        let name = role.metadata.name.clone().unwrap_or_default();
        let current = existing(cluster_roles, &name).await?;
        apply(
            cluster_roles,
            ctx,
            reconcile(current.as_ref(), &role),
            &name,
        )
        .await?;
    }
    for binding in bootstrap_cluster_role_bindings() {
        let name = binding.metadata.name.clone().unwrap_or_default();
        let current = existing(cluster_role_bindings, &name).await?;
        apply(
            cluster_role_bindings,
            ctx,
            reconcile_binding(current.as_ref(), &binding),
            &name,
        )
        .await?;
    }
    Ok(())
}
