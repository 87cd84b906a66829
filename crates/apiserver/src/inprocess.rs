//! The in-process [`CsrClient`]: controllers running inside `signet serve` call the registry
//! directly, under their own identity, through the same authorization, strategies, validation
//! and admission as a client over HTTPS — so the CertificateSigning check applies to the signer
//! like to anyone.

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use k8s_openapi::api::authorization::v1::SubjectAccessReviewSpec;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use serde_json::Value;
use signet_api::clock::Clock;
use signet_api::field::{BadValue, FieldError};
use signet_api::selectors::FieldSelector;
use signet_controllers::client::{ClientError, CsrClient, CsrEvent, CsrEventStream, CsrList};

use crate::authz::{Attributes, Authorizer, forbidden_reason};
use crate::error::ApiError;
use crate::registry::{
    DeleteParams, Endpoint, ListParams, Registry, RequestContext, UpdateParams, WatchParams,
    invalid_error,
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

/// A SubjectAccessReview the HTTP endpoint would reject as invalid, with its message.
fn review_invalid(err: FieldError) -> ClientError {
    match crate::reviews::find("authorization.k8s.io", "v1", "subjectaccessreviews") {
        Some(info) => to_client_error(invalid_error(info, "", &[err])),
        None => ClientError::Invalid(err.to_string()),
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
        self.check(attrs, name)
    }

    /// The reason `attrs` is allowed, or the Forbidden error the HTTP pipeline would return.
    fn check(&self, attrs: Attributes, name: &str) -> Result<String, ClientError> {
        let d = self.authz.authorize(&attrs);
        if d.allowed {
            return Ok(d.reason);
        }
        let e = ApiError::forbidden_for(
            &attrs.api_group,
            &attrs.resource,
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

    /// Answers as `POST /apis/authorization.k8s.io/v1/subjectaccessreviews` would: the caller
    /// must be allowed to create SubjectAccessReviews, the review must name a user or a group,
    /// and its resource attributes are put to the server's authorizer.
    async fn subject_access_review(
        &self,
        review: &SubjectAccessReviewSpec,
    ) -> Result<bool, ClientError> {
        self.authz.sync().await;
        self.check(
            Attributes {
                user: self.user.clone(),
                verb: "create".to_string(),
                is_resource_request: true,
                api_group: "authorization.k8s.io".to_string(),
                api_version: "v1".to_string(),
                resource: "subjectaccessreviews".to_string(),
                ..Default::default()
            },
            "",
        )?;
        let user = UserInfo {
            name: review.user.clone().unwrap_or_default(),
            uid: review.uid.clone().unwrap_or_default(),
            groups: review.groups.clone().unwrap_or_default(),
            extra: review.extra.clone().unwrap_or_default(),
        };
        if user.name.is_empty() && user.groups.is_empty() {
            return Err(review_invalid(FieldError::invalid(
                "spec.user",
                BadValue::Str(String::new()),
                "at least one of user or group must be specified",
            )));
        }
        let attrs = match (&review.resource_attributes, &review.non_resource_attributes) {
            (Some(ra), None) => Attributes {
                user,
                verb: ra.verb.clone().unwrap_or_default(),
                is_resource_request: true,
                api_group: ra.group.clone().unwrap_or_default(),
                api_version: ra.version.clone().unwrap_or_default(),
                namespace: ra.namespace.clone().unwrap_or_default(),
                resource: ra.resource.clone().unwrap_or_default(),
                subresource: ra.subresource.clone().unwrap_or_default(),
                name: ra.name.clone().unwrap_or_default(),
                path: String::new(),
            },
            (None, Some(nra)) => Attributes {
                user,
                verb: nra.verb.clone().unwrap_or_default(),
                path: nra.path.clone().unwrap_or_default(),
                ..Default::default()
            },
            (_, nra) => {
                let shown = nra
                    .as_ref()
                    .and_then(|n| serde_json::to_string(n).ok())
                    .map_or(BadValue::Null, BadValue::Json);
                return Err(review_invalid(FieldError::invalid(
                    "spec.resourceAttributes",
                    shown,
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                )));
            }
        };
        Ok(self.authz.authorize(&attrs).allowed)
    }
}

#[cfg(test)]
mod tests;
