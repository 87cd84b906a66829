//! The Lease strategy (`coordination.k8s.io/v1`): what leader election runs on — Signet's own
//! controller replicas, and client-go/kube-rs leader election pointed at Signet.

use k8s_openapi::api::coordination::v1::Lease;
use serde_json::{Value, json};
use signet_api::field::{BadValue, FieldError};
use signet_api::meta::{validate_object_meta, validate_object_meta_update};

use super::table::{age, columns};
use super::{Endpoint, ResourceInfo, Strategy};

pub const INFO: ResourceInfo = ResourceInfo {
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    kind: "Lease",
    list_kind: "LeaseList",
    namespaced: true,
    subresources: &[],
};

/// The Lease strategy.
#[derive(Clone, Copy, Debug, Default)]
pub struct LeaseStrategy;

/// Upstream `ValidateLeaseSpec`.
fn validate_spec(lease: &Lease) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(spec) = &lease.spec else { return errs };
    if let Some(d) = spec.lease_duration_seconds.filter(|d| *d <= 0) {
        errs.push(FieldError::invalid(
            "spec.leaseDurationSeconds",
            BadValue::Int(i64::from(d)),
            "must be greater than 0",
        ));
    }
    if let Some(t) = spec.lease_transitions.filter(|t| *t < 0) {
        errs.push(FieldError::invalid(
            "spec.leaseTransitions",
            BadValue::Int(i64::from(t)),
            "must be greater than or equal to 0",
        ));
    }
    if let Some(s) = spec
        .strategy
        .as_deref()
        .filter(|s| *s != "OldestEmulationVersion")
    {
        errs.push(FieldError::not_supported(
            "spec.strategy",
            BadValue::Str(s.to_string()),
            &["OldestEmulationVersion"],
        ));
    }
    if spec
        .preferred_holder
        .as_deref()
        .is_some_and(|p| !p.is_empty())
        && spec.strategy.as_deref().unwrap_or("").is_empty()
    {
        errs.push(FieldError::forbidden(
            "spec.preferredHolder",
            "may only be specified if `strategy` is defined",
        ));
    }
    errs
}

fn validate(lease: &Lease) -> Vec<FieldError> {
    let name_fn = |name: &str, prefix: bool| {
        signet_api::content::is_dns1123_subdomain(if prefix {
            name.trim_end_matches('-')
        } else {
            name
        })
    };
    let mut errs = validate_object_meta(&lease.metadata, true, &name_fn, "metadata");
    errs.extend(validate_spec(lease));
    errs
}

fn meta<'a>(obj: &'a Value, f: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(f))
        .and_then(Value::as_str)
        .unwrap_or("")
}

impl Strategy for LeaseStrategy {
    fn info(&self) -> &ResourceInfo {
        &INFO
    }

    fn round_trip(&self, obj: &Value) -> Result<Value, String> {
        super::round_trip_as::<Lease>(obj)
    }

    fn validate_create(&self, obj: &Value) -> Vec<FieldError> {
        super::validate_typed::<Lease>(obj, |l| validate(&l))
    }

    fn validate_update(&self, _ep: Endpoint<'_>, new: &Value, old: &Value) -> Vec<FieldError> {
        super::validate_typed_update::<Lease>(new, old, |n, o| {
            let mut errs = validate_object_meta_update(&n.metadata, &o.metadata, "metadata");
            errs.extend(validate_spec(&n));
            errs
        })
    }

    fn field_value(&self, obj: &Value, field: &str) -> Result<Option<String>, String> {
        match field {
            "metadata.name" => Ok(Some(meta(obj, "name").to_string())),
            "metadata.namespace" => Ok(Some(meta(obj, "namespace").to_string())),
            other => Err(format!("field label not supported: {other}")),
        }
    }

    fn table_columns(&self) -> Vec<Value> {
        columns(&[
            ("Name", "name", "Name must be unique within a namespace."),
            (
                "Holder",
                "",
                "holderIdentity contains the identity of the holder of a current lease.",
            ),
            (
                "Age",
                "",
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ])
    }

    fn table_cells(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
        let holder = obj
            .get("spec")
            .and_then(|s| s.get("holderIdentity"))
            .and_then(Value::as_str)
            .unwrap_or("");
        vec![
            json!(meta(obj, "name")),
            json!(holder),
            json!(age(obj, now)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_rules() {
        let lease = |spec: Value| {
            super::super::typed::<Lease>(
                &json!({"metadata": {"name": "l", "namespace": "kube-system"}, "spec": spec}),
            )
            .unwrap_or_default()
        };
        let texts = |l: &Lease| {
            validate(l)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert!(
            texts(&lease(
                json!({"holderIdentity": "a", "leaseDurationSeconds": 15})
            ))
            .is_empty()
        );
        assert_eq!(
            texts(&lease(json!({"leaseDurationSeconds": 0}))),
            vec!["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]
        );
        assert_eq!(
            texts(&lease(json!({"leaseTransitions": -1}))),
            vec!["spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"]
        );
    }
}
