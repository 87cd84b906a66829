//! The ClusterTrustBundle strategy (`certificates.k8s.io/v1`): where signers publish their CA
//! certificates so clients fetch trust anchors with kubectl.  Writing a bundle linked to a signer
//! needs the `attest` verb on that signer (upstream's ClusterTrustBundleAttest admission).

use k8s_openapi::api::certificates::v1::ClusterTrustBundle;
use serde_json::{Value, json};
use signet_api::field::FieldError;
use signet_api::trust_bundle::{
    validate_cluster_trust_bundle, validate_cluster_trust_bundle_update,
};

use super::csr_admission::authorized_for_signer;
use super::table::{age, columns};
use super::{Endpoint, RequestContext, ResourceInfo, Strategy};
use crate::error::ApiError;

pub const INFO: ResourceInfo = ResourceInfo {
    group: "certificates.k8s.io",
    version: "v1",
    resource: "clustertrustbundles",
    kind: "ClusterTrustBundle",
    list_kind: "ClusterTrustBundleList",
    namespaced: false,
    subresources: &[],
};

/// The ClusterTrustBundle strategy.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustBundleStrategy;

fn signer(obj: &Value) -> &str {
    obj.get("spec")
        .and_then(|s| s.get("signerName"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn name(obj: &Value) -> &str {
    obj.get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn check_attest(ctx: &RequestContext, obj: &Value) -> Result<(), ApiError> {
    let signer = signer(obj);
    if signer.is_empty() || authorized_for_signer(ctx.authz.as_ref(), &ctx.user, "attest", signer) {
        return Ok(());
    }
    Err(ApiError::forbidden_for(
        INFO.group,
        INFO.resource,
        name(obj),
        &format!("user not permitted to attest for signerName \"{signer}\""),
    ))
}

impl Strategy for TrustBundleStrategy {
    fn info(&self) -> &ResourceInfo {
        &INFO
    }

    fn round_trip(&self, obj: &Value) -> Result<Value, String> {
        super::round_trip_as::<ClusterTrustBundle>(obj)
    }

    fn validate_create(&self, obj: &Value) -> Vec<FieldError> {
        super::validate_typed::<ClusterTrustBundle>(obj, |b| validate_cluster_trust_bundle(&b))
    }

    fn validate_update(&self, _ep: Endpoint<'_>, new: &Value, old: &Value) -> Vec<FieldError> {
        super::validate_typed_update::<ClusterTrustBundle>(new, old, |n, o| {
            validate_cluster_trust_bundle_update(&n, &o)
        })
    }

    fn admit_create(&self, ctx: &RequestContext, obj: &Value) -> Result<(), ApiError> {
        check_attest(ctx, obj)
    }

    fn admit_update(
        &self,
        ctx: &RequestContext,
        _ep: Endpoint<'_>,
        new: &Value,
        old: &Value,
    ) -> Result<(), ApiError> {
        // Metadata-only changes need no attestation, as upstream.
        if new.get("spec") == old.get("spec") {
            return Ok(());
        }
        check_attest(ctx, new)
    }

    fn field_value(&self, obj: &Value, field: &str) -> Result<Option<String>, String> {
        match field {
            "metadata.name" => Ok(Some(name(obj).to_string())),
            "spec.signerName" => Ok(Some(signer(obj).to_string())),
            other => Err(format!("field label not supported: {other}")),
        }
    }

    fn table_columns(&self) -> Vec<Value> {
        columns(&[
            ("Name", "name", "Name must be unique within a namespace."),
            (
                "SignerName",
                "",
                "signerName indicates the associated signer, if any.",
            ),
            (
                "Age",
                "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ])
    }

    fn table_cells(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
        let s = signer(obj);
        vec![
            json!(name(obj)),
            json!(if s.is_empty() { "<none>" } else { s }),
            json!(age(obj, now)),
        ]
    }
}
