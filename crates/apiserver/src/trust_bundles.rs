//! Publishing each signer's CA certificates as a ClusterTrustBundle named
//! `<signer name with ':' for '/'>:ca`, so clients fetch trust anchors with kubectl.  The bundle
//! holds the current and the previous CA (after a rotation both are trusted); it is rewritten
//! whenever the CA files change.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use signet_controllers::ca_store::CaSource;

use crate::authz::Authorizer;
use crate::error::ApiError;
use crate::registry::{CreateParams, Endpoint, Registry, RequestContext, UpdateParams};

/// How often the CA files are checked for a rotation.
const REFRESH: Duration = Duration::from_secs(30);

/// The bundle name of `signer`.
pub fn bundle_name(signer: &str) -> String {
    format!("{}ca", signet_api::trust_bundle::name_prefix(signer))
}

/// Create or update the bundle of one signer; returns whether anything was written.
pub async fn publish_one(
    registry: &Registry,
    ctx: &RequestContext,
    signer: &str,
    pem: &str,
) -> Result<bool, ApiError> {
    let name = bundle_name(signer);
    match registry.get("", &name).await {
        Ok(current) => {
            if current
                .get("spec")
                .and_then(|s| s.get("trustBundle"))
                .and_then(Value::as_str)
                == Some(pem)
            {
                return Ok(false);
            }
            let mut updated = current;
            updated["spec"]["trustBundle"] = json!(pem);
            registry
                .update(
                    ctx,
                    "",
                    &name,
                    Endpoint::Main,
                    updated,
                    &UpdateParams::default(),
                )
                .await?;
            Ok(true)
        }
        Err(e) if e.code == 404 => {
            let obj = json!({
                "apiVersion": "certificates.k8s.io/v1",
                "kind": "ClusterTrustBundle",
                "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "signet"}},
                "spec": {"signerName": signer, "trustBundle": pem},
            });
            registry
                .create(ctx, "", obj, &CreateParams::default())
                .await?;
            Ok(true)
        }
        Err(e) => Err(e),
    }
}

/// Publish every signer's bundle now, then keep them current until shutdown.
pub async fn publish_loop(
    registry: Registry,
    signers: Vec<(String, Arc<CaSource>)>,
    authz: Arc<dyn Authorizer>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let ctx = RequestContext::system(
            authz.clone(),
            registry.clock.now(),
            "trust bundle publisher",
        );
        for (signer, source) in &signers {
            // Reading the current CA notices a rotation of the files.
            if let Err(e) = source.current() {
                tracing::warn!(signer, "trust bundle: CA unavailable: {e}");
                continue;
            }
            match publish_one(&registry, &ctx, signer, &source.trust_bundle()).await {
                Ok(true) => tracing::info!(
                    signer,
                    bundle = bundle_name(signer),
                    "trust bundle published"
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!(signer, "trust bundle: {}", e.message),
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(REFRESH) => {}
        }
    }
}
