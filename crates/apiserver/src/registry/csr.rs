//! The CertificateSigningRequest strategy: one per endpoint, as upstream's
//! `pkg/registry/certificates/certificates/strategy.go` — the main resource keeps spec and status,
//! `/status` may set the certificate once and add Failed or custom conditions, `/approval` may
//! change conditions only.

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use serde_json::{Value, json};
use signet_api::field::FieldError;
use signet_api::validation::{UpdateKind, validate_csr_create, validate_csr_update};

use super::csr_admission::{GovernancePolicy, admit_create, admit_update};
use super::ops::format_time;
use super::{Endpoint, RequestContext, ResourceInfo, Strategy};
use crate::error::ApiError;

pub const INFO: ResourceInfo = ResourceInfo {
    group: "certificates.k8s.io",
    version: "v1",
    resource: "certificatesigningrequests",
    kind: "CertificateSigningRequest",
    list_kind: "CertificateSigningRequestList",
    namespaced: false,
    subresources: &["approval", "status"],
};

/// The CSR strategy, with Signet's governance policy for decisions.
#[derive(Clone, Debug, Default)]
pub struct CsrStrategy {
    pub policy: GovernancePolicy,
}

fn conditions(obj: &Value) -> Vec<Value> {
    obj.get("status")
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn cond_field<'a>(c: &'a Value, f: &str) -> &'a str {
    c.get(f).and_then(Value::as_str).unwrap_or("")
}

/// Fill `lastUpdateTime` and `lastTransitionTime` the way upstream's
/// `populateConditionTimestamps` does.
fn populate_timestamps(conds: &mut [Value], old: &[Value], now: &str) {
    for c in conds.iter_mut() {
        if !c.is_object() {
            continue;
        }
        if cond_field(c, "lastUpdateTime").is_empty() {
            c["lastUpdateTime"] = json!(now);
        }
        if cond_field(c, "lastTransitionTime").is_empty() {
            let previous = old.iter().find(|o| {
                cond_field(o, "type") == cond_field(c, "type")
                    && cond_field(o, "status") == cond_field(c, "status")
                    && !cond_field(o, "lastTransitionTime").is_empty()
            });
            c["lastTransitionTime"] = match previous {
                Some(p) => p["lastTransitionTime"].clone(),
                None => json!(now),
            };
        }
    }
}

/// On `/status`, Approved and Denied conditions cannot be edited: when their count is unchanged
/// the stored instances are put back (a changed count is left for validation to reject).
fn preserve_decisions(conds: &mut [Value], old: &[Value]) {
    for ty in ["Approved", "Denied"] {
        let old_of: Vec<&Value> = old.iter().filter(|c| cond_field(c, "type") == ty).collect();
        let new_idx: Vec<usize> = (0..conds.len())
            .filter(|i| cond_field(&conds[*i], "type") == ty)
            .collect();
        if old_of.len() != new_idx.len() {
            continue;
        }
        for (i, o) in new_idx.into_iter().zip(old_of) {
            conds[i] = o.clone();
        }
    }
}

fn set_status_field(obj: &mut Value, field: &str, value: Option<Value>) {
    if !obj.get("status").is_some_and(Value::is_object) {
        obj["status"] = json!({});
    }
    if let Some(status) = obj["status"].as_object_mut() {
        match value {
            Some(v) => {
                status.insert(field.to_string(), v);
            }
            None => {
                status.remove(field);
            }
        }
    }
}

impl Strategy for CsrStrategy {
    fn info(&self) -> &ResourceInfo {
        &INFO
    }

    fn round_trip(&self, obj: &Value) -> Result<Value, String> {
        super::round_trip_as::<CertificateSigningRequest>(obj)
    }

    fn prepare_for_create(&self, ctx: &RequestContext, obj: &mut Value) {
        if !obj.get("spec").is_some_and(Value::is_object) {
            obj["spec"] = json!({});
        }
        if let Some(spec) = obj["spec"].as_object_mut() {
            for f in ["username", "uid", "groups", "extra"] {
                spec.remove(f);
            }
            let u = &ctx.user;
            if !u.name.is_empty() {
                spec.insert("username".into(), json!(u.name));
            }
            if !u.uid.is_empty() {
                spec.insert("uid".into(), json!(u.uid));
            }
            if !u.groups.is_empty() {
                spec.insert("groups".into(), json!(u.groups));
            }
            if !u.extra.is_empty() {
                spec.insert("extra".into(), json!(u.extra));
            }
        }
        obj["status"] = json!({});
    }

    fn validate_create(&self, obj: &Value) -> Vec<FieldError> {
        super::validate_typed::<CertificateSigningRequest>(obj, |csr| validate_csr_create(&csr))
    }

    fn prepare_for_update(
        &self,
        ctx: &RequestContext,
        ep: Endpoint<'_>,
        new: &mut Value,
        old: &Value,
    ) {
        new["spec"] = old.get("spec").cloned().unwrap_or_else(|| json!({}));
        let now = format_time(ctx.now);
        let old_conds = conditions(old);
        match ep {
            Endpoint::Subresource("status") => {
                let mut conds = conditions(new);
                preserve_decisions(&mut conds, &old_conds);
                populate_timestamps(&mut conds, &old_conds, &now);
                let has = new
                    .get("status")
                    .and_then(|s| s.get("conditions"))
                    .is_some_and(|c| !c.is_null());
                set_status_field(new, "conditions", has.then_some(Value::Array(conds)));
            }
            Endpoint::Subresource("approval") => {
                let mut conds = conditions(new);
                populate_timestamps(&mut conds, &old_conds, &now);
                let has = new
                    .get("status")
                    .and_then(|s| s.get("conditions"))
                    .is_some_and(|c| !c.is_null());
                new["status"] = old.get("status").cloned().unwrap_or_else(|| json!({}));
                set_status_field(new, "conditions", has.then_some(Value::Array(conds)));
            }
            _ => {
                new["status"] = old.get("status").cloned().unwrap_or_else(|| json!({}));
            }
        }
    }

    fn validate_update(&self, ep: Endpoint<'_>, new: &Value, old: &Value) -> Vec<FieldError> {
        let kind = match ep {
            Endpoint::Subresource("status") => UpdateKind::Status,
            Endpoint::Subresource("approval") => UpdateKind::Approval,
            _ => UpdateKind::Main,
        };
        super::validate_typed_update::<CertificateSigningRequest>(new, old, |n, o| {
            validate_csr_update(&n, &o, kind)
        })
    }

    fn admit_create(&self, _ctx: &RequestContext, obj: &Value) -> Result<(), ApiError> {
        admit_create(obj)
    }

    fn admit_update(
        &self,
        ctx: &RequestContext,
        ep: Endpoint<'_>,
        new: &Value,
        old: &Value,
    ) -> Result<(), ApiError> {
        admit_update(ctx, &self.policy, ep, new, old)
    }

    fn field_value(&self, obj: &Value, field: &str) -> Result<Option<String>, String> {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        match field {
            "metadata.name" => Ok(Some(s(obj.get("metadata").and_then(|m| m.get("name"))))),
            "spec.signerName" => Ok(Some(s(obj.get("spec").and_then(|m| m.get("signerName"))))),
            other => Err(format!("field label not supported: {other}")),
        }
    }

    fn table_columns(&self) -> Vec<Value> {
        super::table::columns(&[
            (
                "Name",
                "name",
                "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
            ),
            (
                "Age",
                "",
                "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            ),
            (
                "SignerName",
                "",
                "signerName indicates the requested signer, and is a qualified name.",
            ),
            (
                "Requestor",
                "",
                "username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.",
            ),
            (
                "RequestedDuration",
                "",
                "expirationSeconds is the requested duration of validity of the issued certificate.",
            ),
            (
                "Condition",
                "",
                "conditions applied to the request. Known conditions are \"Approved\", \"Denied\", and \"Failed\".",
            ),
        ])
    }

    fn table_cells(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value> {
        let name = obj["metadata"]
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let signer = obj["spec"]
            .get("signerName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        let requestor = obj["spec"]
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or("");
        let duration = obj["spec"]
            .get("expirationSeconds")
            .and_then(Value::as_i64)
            .map(signet_api::duration::human_duration)
            .unwrap_or_else(|| "<none>".to_string());
        let condition = super::typed::<CertificateSigningRequest>(obj)
            .map(|c| signet_api::conditions::csr_condition_summary(&c))
            .unwrap_or_else(|_| "Pending".to_string());
        vec![
            json!(name),
            json!(super::table::age(obj, now)),
            json!(signer.unwrap_or("<none>")),
            json!(requestor),
            json!(duration),
            json!(condition),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_time_is_kept_for_unchanged_condition() {
        let old = vec![
            json!({"type": "Approved", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z"}),
        ];
        let mut new = vec![
            json!({"type": "Approved", "status": "True"}),
            json!({"type": "Failed", "status": "True"}),
        ];
        populate_timestamps(&mut new, &old, "2026-01-01T00:00:00Z");
        assert_eq!(new[0]["lastTransitionTime"], "2020-01-01T00:00:00Z");
        assert_eq!(new[0]["lastUpdateTime"], "2026-01-01T00:00:00Z");
        assert_eq!(new[1]["lastTransitionTime"], "2026-01-01T00:00:00Z");
    }

    #[test]
    fn status_endpoint_restores_edited_decisions() {
        let old = vec![json!({"type": "Approved", "status": "True", "reason": "A"})];
        let mut new = vec![json!({"type": "Approved", "status": "True", "reason": "Edited"})];
        preserve_decisions(&mut new, &old);
        assert_eq!(new[0]["reason"], "A");
    }

    #[test]
    fn unsupported_field_label() {
        assert_eq!(
            CsrStrategy::default().field_value(&json!({}), "status.x"),
            Err("field label not supported: status.x".to_string())
        );
    }
}
