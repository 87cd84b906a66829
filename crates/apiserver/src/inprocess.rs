//! The in-process [`CsrClient`]: controllers running inside `signet serve` call the registry
//! directly, under their own identity, through the same authorization, strategies, validation
//! and admission as a client over HTTPS — so the CertificateSigning check applies to the signer
//! like to anyone.

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use serde_json::Value;
use signet_api::clock::Clock;
use signet_api::selectors::FieldSelector;
use signet_controllers::client::{ClientError, CsrClient, CsrEvent, CsrEventStream, CsrList};

use crate::authz::{Attributes, Authorizer, forbidden_reason};
use crate::error::ApiError;
use crate::registry::{
    DeleteParams, Endpoint, ListParams, Registry, RequestContext, UpdateParams, WatchParams,
};
use crate::user::UserInfo;

/// A [`CsrClient`] over the CSR registry, acting as `user`.
#[derive(Clone)]
pub struct InProcessCsrClient {
    registry: Registry,
    authz: Arc<dyn Authorizer>,
    clock: Arc<dyn Clock>,
    user: UserInfo,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

fn to_client_error(e: ApiError) -> ClientError {
    match e.code {
        409 => ClientError::Conflict,
        404 => ClientError::NotFound,
        403 => ClientError::Forbidden(e.message),
        422 => ClientError::Invalid(e.message),
        410 => ClientError::Expired(e.message),
        _ => ClientError::Other(e.message),
    }
}

fn typed(v: Value) -> Result<CertificateSigningRequest, ClientError> {
    serde_json::from_value(v).map_err(|e| ClientError::Other(format!("decoding a CSR: {e}")))
}

impl InProcessCsrClient {
    pub fn new(
        registry: Registry,
        authz: Arc<dyn Authorizer>,
        clock: Arc<dyn Clock>,
        user: UserInfo,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        InProcessCsrClient {
            registry,
            authz,
            clock,
            user,
            shutdown,
        }
    }

    fn context(&self) -> RequestContext {
        RequestContext {
            user: self.user.clone(),
            now: self.clock.now(),
            authz: self.authz.clone(),
            authorization_reason: String::new(),
        }
    }

    /// Authorize a request the way the HTTP pipeline would, keeping the reason.
    async fn authorize(
        &self,
        verb: &str,
        name: &str,
        subresource: &str,
    ) -> Result<String, ClientError> {
        self.authz.sync().await;
        let attrs = Attributes {
            user: self.user.clone(),
            verb: verb.to_string(),
            is_resource_request: true,
            api_group: "certificates.k8s.io".to_string(),
            api_version: "v1".to_string(),
            resource: "certificatesigningrequests".to_string(),
            subresource: subresource.to_string(),
            name: name.to_string(),
            ..Default::default()
        };
        let d = self.authz.authorize(&attrs);
        if d.allowed {
            return Ok(d.reason);
        }
        let e = ApiError::forbidden_for(
            "certificates.k8s.io",
            "certificatesigningrequests",
            name,
            &forbidden_reason(&attrs, &d.reason),
        );
        Err(ClientError::Forbidden(e.message))
    }

    fn selector(signer: Option<&str>) -> Result<Option<FieldSelector>, ClientError> {
        signer
            .map(|s| {
                FieldSelector::parse(&format!("spec.signerName={s}")).map_err(ClientError::Other)
            })
            .transpose()
    }

    async fn update(
        &self,
        csr: &CertificateSigningRequest,
        sub: &str,
    ) -> Result<CertificateSigningRequest, ClientError> {
        let name = csr.metadata.name.clone().unwrap_or_default();
        let reason = self.authorize("update", &name, sub).await?;
        let mut ctx = self.context();
        ctx.authorization_reason = reason;
        let body = serde_json::to_value(csr).map_err(|e| ClientError::Other(e.to_string()))?;
        let out = self
            .registry
            .update(
                &ctx,
                "",
                &name,
                Endpoint::Subresource(sub),
                body,
                &UpdateParams::default(),
            )
            .await
            .map_err(to_client_error)?;
        typed(out.object)
    }
}

#[async_trait]
impl CsrClient for InProcessCsrClient {
    async fn list(&self, signer_name: Option<&str>) -> Result<CsrList, ClientError> {
        self.authorize("list", "", "").await?;
        let params = ListParams {
            field_selector: Self::selector(signer_name)?,
            ..Default::default()
        };
        let page = self
            .registry
            .list("", &params)
            .await
            .map_err(to_client_error)?;
        let items = page
            .items
            .into_iter()
            .map(typed)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CsrList {
            items,
            resource_version: page.resource_version.to_string(),
        })
    }

    async fn watch(
        &self,
        signer_name: Option<&str>,
        resource_version: &str,
    ) -> Result<CsrEventStream, ClientError> {
        self.authorize("watch", "", "").await?;
        let params = WatchParams {
            list: ListParams {
                field_selector: Self::selector(signer_name)?,
                resource_version: Some(resource_version.to_string()),
                ..Default::default()
            },
            allow_bookmarks: false,
            send_initial_events: Some(false),
            timeout: None,
        };
        let events = self
            .registry
            .watch("", params, self.shutdown.clone())
            .await
            .map_err(to_client_error)?;
        let mapped = events.filter_map(|ev| async move {
            match ev.kind {
                "ADDED" => Some(typed(ev.object).map(CsrEvent::Added)),
                "MODIFIED" => Some(typed(ev.object).map(CsrEvent::Modified)),
                "DELETED" => Some(typed(ev.object).map(CsrEvent::Deleted)),
                "ERROR" => {
                    let code = ev.object.get("code").and_then(Value::as_u64).unwrap_or(500);
                    let message = ev
                        .object
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    Some(Err(if code == 410 {
                        ClientError::Expired(message)
                    } else {
                        ClientError::Other(message)
                    }))
                }
                _ => None,
            }
        });
        Ok(mapped.boxed())
    }

    async fn get(&self, name: &str) -> Result<CertificateSigningRequest, ClientError> {
        self.authorize("get", name, "").await?;
        typed(self.registry.get("", name).await.map_err(to_client_error)?)
    }

    async fn update_status(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError> {
        self.update(csr, "status").await
    }

    async fn update_approval(
        &self,
        csr: &CertificateSigningRequest,
    ) -> Result<CertificateSigningRequest, ClientError> {
        self.update(csr, "approval").await
    }

    async fn delete(&self, name: &str, uid: &str) -> Result<(), ClientError> {
        self.authorize("delete", name, "").await?;
        let params = DeleteParams {
            precondition_uid: Some(uid.to_string()),
            ..Default::default()
        };
        self.registry
            .delete(&self.context(), "", name, &params)
            .await
            .map_err(to_client_error)?;
        Ok(())
    }
}
