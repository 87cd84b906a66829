//! `meta.k8s.io/v1` messages shared by every kind: `ObjectMeta` (with owner references and managed
//! fields), label and field selector requirements, and `DeleteOptions`.
//!
//! JSON tags follow apimachinery `pkg/apis/meta/v1/types.go`.

use k8s_pb::apimachinery::pkg::apis::meta::v1 as meta;
use serde_json::{Map, Value};

use super::json::{ConvertError, Obj, each};

/// `metadata`: a struct field, so Go writes it (as `{}` at least) even when empty.
pub(super) fn object_meta(m: Option<&meta::ObjectMeta>) -> Result<Value, ConvertError> {
    let Some(m) = m else {
        return Ok(Value::Object(Map::new()));
    };
    let managed_fields = m
        .managed_fields
        .iter()
        .enumerate()
        .map(|(index, e)| managed_fields_entry(index, e))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Obj::new()
        .str("name", &m.name)
        .str("generateName", &m.generate_name)
        .str("namespace", &m.namespace)
        .str("selfLink", &m.self_link)
        .str("uid", &m.uid)
        .str("resourceVersion", &m.resource_version)
        .int("generation", m.generation)
        .time("creationTimestamp", m.creation_timestamp.as_ref())?
        .time("deletionTimestamp", m.deletion_timestamp.as_ref())?
        .int_ptr(
            "deletionGracePeriodSeconds",
            m.deletion_grace_period_seconds,
        )
        .str_map("labels", &m.labels)
        .str_map("annotations", &m.annotations)
        .list(
            "ownerReferences",
            each(&m.owner_references, owner_reference)?,
        )
        .strs("finalizers", &m.finalizers)
        .list("managedFields", managed_fields)
        .build())
}

fn owner_reference(o: &meta::OwnerReference) -> Result<Value, ConvertError> {
    Ok(Obj::new()
        .str_req("apiVersion", &o.api_version)
        .str_req("kind", &o.kind)
        .str_req("name", &o.name)
        .str_req("uid", &o.uid)
        .bool_ptr("controller", o.controller)
        .bool_ptr("blockOwnerDeletion", o.block_owner_deletion)
        .build())
}

fn managed_fields_entry(index: usize, e: &meta::ManagedFieldsEntry) -> Result<Value, ConvertError> {
    // FieldsV1.MarshalJSON writes the raw bytes verbatim: they are the JSON field set itself.
    let fields_v1 = match e.fields_v1.as_ref().and_then(|f| f.raw.as_deref()) {
        None => None,
        Some(raw) => Some(
            serde_json::from_slice::<Value>(raw)
                .map_err(|source| ConvertError::FieldsV1 { index, source })?,
        ),
    };
    Ok(Obj::new()
        .str("manager", &e.manager)
        .str("operation", &e.operation)
        .str("apiVersion", &e.api_version)
        .time("time", e.time.as_ref())?
        .str("fieldsType", &e.fields_type)
        .obj_opt("fieldsV1", fields_v1)
        .str("subresource", &e.subresource)
        .build())
}

/// `metav1.LabelSelector`.
pub(super) fn label_selector(s: &meta::LabelSelector) -> Result<Value, ConvertError> {
    Ok(Obj::new()
        .str_map("matchLabels", &s.match_labels)
        .list(
            "matchExpressions",
            each(&s.match_expressions, label_selector_requirement)?,
        )
        .build())
}

/// `metav1.LabelSelectorRequirement`: `key` and `operator` are required.
pub(super) fn label_selector_requirement(
    r: &meta::LabelSelectorRequirement,
) -> Result<Value, ConvertError> {
    Ok(Obj::new()
        .str_req("key", &r.key)
        .str_req("operator", &r.operator)
        .strs("values", &r.values)
        .build())
}

/// `metav1.FieldSelectorRequirement`: `key` and `operator` are required.
pub(super) fn field_selector_requirement(
    r: &meta::FieldSelectorRequirement,
) -> Result<Value, ConvertError> {
    Ok(Obj::new()
        .str_req("key", &r.key)
        .str_req("operator", &r.operator)
        .strs("values", &r.values)
        .build())
}

/// `DeleteOptions`: every field is a pointer or an `omitempty` slice.
pub(super) fn delete_options(o: &meta::DeleteOptions) -> Result<Obj, ConvertError> {
    let preconditions = o.preconditions.as_ref().map(|p| {
        Obj::new()
            .str_ptr("uid", &p.uid)
            .str_ptr("resourceVersion", &p.resource_version)
            .build()
    });
    Ok(Obj::new()
        .int_ptr("gracePeriodSeconds", o.grace_period_seconds)
        .obj_opt("preconditions", preconditions)
        .bool_ptr("orphanDependents", o.orphan_dependents)
        .str_ptr("propagationPolicy", &o.propagation_policy)
        .strs("dryRun", &o.dry_run)
        .bool_ptr(
            "ignoreStoreReadErrorWithClusterBreakingPotential",
            o.ignore_store_read_error_with_cluster_breaking_potential,
        ))
}
