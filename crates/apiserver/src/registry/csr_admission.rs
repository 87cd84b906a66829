//! Validating admission for CSRs: upstream's three plugins, exactly as kube-apiserver runs them
//! after validation (so an invalid and unauthorised request gets 422, not 403), plus Signet's
//! governance rule that a requester may not decide its own request.
//!
//! * CertificateApproval — any write to `/approval` needs `approve` on `signers` for the stored
//!   signer name (or its `<domain>/*` wildcard).
//! * CertificateSigning — a write to `/status` that changes the certificate needs `sign`.
//! * CertificateSubjectRestriction — no `system:masters` organization through
//!   `kubernetes.io/kube-apiserver-client`.
//! * Self-approval refusal (Signet) — the CSR's requester may not add an Approved or Denied
//!   condition to it, unless its signer is listed as a break-glass exception.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::Value;

use super::{Endpoint, RequestContext};
use crate::authz::{Attributes, Authorizer};
use crate::error::ApiError;
use crate::user::UserInfo;

const GROUP: &str = "certificates.k8s.io";
const RESOURCE: &str = "certificatesigningrequests";
const KUBE_APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";

/// Signet's governance policy for CSR decisions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GovernancePolicy {
    /// Allow a requester to approve or deny its own CSRs (off by default).
    pub allow_self_approval: bool,
    /// Signer names for which self-approval is allowed anyway (break-glass).
    pub self_approval_signers: BTreeSet<String>,
}

/// upstream `IsAuthorizedForSignerName`: the exact signer name, then `<domain>/*`.
pub fn authorized_for_signer(
    authz: &dyn Authorizer,
    user: &UserInfo,
    verb: &str,
    signer: &str,
) -> bool {
    let mut attrs = Attributes {
        user: user.clone(),
        verb: verb.to_string(),
        is_resource_request: true,
        api_group: GROUP.to_string(),
        api_version: "*".to_string(),
        resource: "signers".to_string(),
        name: signer.to_string(),
        ..Default::default()
    };
    if authz.authorize(&attrs).allowed {
        return true;
    }
    let Some((domain, _)) = signer.split_once('/') else {
        return false;
    };
    attrs.name = format!("{domain}/*");
    authz.authorize(&attrs).allowed
}

fn signer_of(obj: &Value) -> &str {
    obj.get("spec")
        .and_then(|s| s.get("signerName"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn name_of<'a>(obj: &'a Value, fallback: &'a str) -> &'a str {
    let meta = obj.get("metadata");
    meta.and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| {
            meta.and_then(|m| m.get("generateName"))
                .and_then(Value::as_str)
        })
        .unwrap_or(fallback)
}

fn forbidden(name: &str, why: &str) -> ApiError {
    ApiError::forbidden_for(GROUP, RESOURCE, name, why)
}

fn count(obj: &Value, ty: &str) -> usize {
    obj.get("status")
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .map_or(0, |cs| {
            cs.iter()
                .filter(|c| c.get("type").and_then(Value::as_str) == Some(ty))
                .count()
        })
}

/// Admission of a create.
pub fn admit_create(obj: &Value) -> Result<(), ApiError> {
    if signer_of(obj) != KUBE_APISERVER_CLIENT {
        return Ok(());
    }
    let name = name_of(obj, "Unknown");
    let request = obj
        .get("spec")
        .and_then(|s| s.get("request"))
        .and_then(Value::as_str)
        .and_then(|r| base64::engine::general_purpose::STANDARD.decode(r).ok())
        .unwrap_or_default();
    let csr = signet_api::csr::parse_csr_pem(&request)
        .map_err(|e| forbidden(name, &format!("failed to parse CSR: {e}")))?;
    if csr
        .subject
        .organizations
        .iter()
        .any(|o| o == "system:masters")
    {
        return Err(forbidden(
            name,
            "use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed",
        ));
    }
    Ok(())
}

/// Admission of an update through `ep`.
pub fn admit_update(
    ctx: &RequestContext,
    policy: &GovernancePolicy,
    ep: Endpoint<'_>,
    new: &Value,
    old: &Value,
) -> Result<(), ApiError> {
    let name = name_of(old, "Unknown");
    let signer = signer_of(old);
    match ep {
        Endpoint::Subresource("approval") => {
            if !authorized_for_signer(ctx.authz.as_ref(), &ctx.user, "approve", signer) {
                return Err(forbidden(
                    name,
                    &format!("user not permitted to approve requests with signerName \"{signer}\""),
                ));
            }
            let decided = ["Approved", "Denied"]
                .iter()
                .find(|ty| count(new, ty) > count(old, ty));
            let requester = old
                .get("spec")
                .and_then(|s| s.get("username"))
                .and_then(Value::as_str);
            if let Some(ty) = decided {
                let self_decision = requester.is_some_and(|r| !r.is_empty() && r == ctx.user.name);
                let exempt =
                    policy.allow_self_approval || policy.self_approval_signers.contains(signer);
                if self_decision && !exempt {
                    let verb = if *ty == "Approved" { "approve" } else { "deny" };
                    return Err(forbidden(
                        name,
                        &format!(
                            "user \"{}\" requested this CSR and may not {verb} it: self-approval is refused by Signet's governance policy",
                            ctx.user.name
                        ),
                    ));
                }
            }
            Ok(())
        }
        Endpoint::Subresource("status") => {
            let cert = |o: &Value| o.get("status").and_then(|s| s.get("certificate")).cloned();
            if cert(new) != cert(old)
                && !authorized_for_signer(ctx.authz.as_ref(), &ctx.user, "sign", signer)
            {
                return Err(forbidden(
                    name,
                    &format!("user not permitted to sign requests with signerName \"{signer}\""),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
