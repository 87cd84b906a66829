//! `ObjectMeta` rules shared by every kind (apimachinery `pkg/api/validation/objectmeta.go`):
//! names, namespace scope, labels, annotations, owner references, finalizers and managed
//! fields on create, immutable fields on update, and `generateName` expansion.
//!
//! The name rule differs per kind, so callers pass a `name_fn` ([`any_name`] for CSRs,
//! [`path_segment_name`] for the generic layer every REST create and update runs).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    ManagedFieldsEntry, ObjectMeta, OwnerReference, Time,
};

use crate::content::{is_dns1123_label, is_label_value, is_qualified_name, is_valid_path_segment};
use crate::field::{BadValue, FieldError, index};
use crate::goformat::{go_json_string, go_quote, go_unicode_verb};

/// Upper bound on the summed size of annotation keys and values.
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;
/// `generateName` prefixes are cut to this many bytes before the random suffix.
pub const MAX_GENERATED_NAME_PREFIX: usize = 58;
/// Length of the random suffix appended to `generateName`.
pub const GENERATED_SUFFIX_LENGTH: usize = 5;
/// Characters of the random suffix (no vowels, so no words; no confusable digits).
pub const GENERATED_NAME_ALPHABET: &[u8; 27] = b"bcdfghjklmnpqrstvwxz2456789";
const FIELD_MANAGER_MAX_LENGTH: usize = 128;
const MAX_SUBRESOURCE_NAME_LENGTH: usize = 256;

/// A per-kind name check: `(name, is_prefix) -> messages`.
pub type NameFn = dyn Fn(&str, bool) -> Vec<String>;

/// CSRs accept any name (`ValidateCertificateRequestName`).
pub fn any_name(_name: &str, _prefix: bool) -> Vec<String> {
    Vec::new()
}

/// The generic rule: the name must be usable as one URL path segment.
pub fn path_segment_name(name: &str, prefix: bool) -> Vec<String> {
    is_valid_path_segment(name, prefix)
}

/// Appends five random characters to `prefix` (cut to 58 bytes), as upstream's
/// `SimpleNameGenerator` does. `pick(n)` must return a uniformly random index below `n`.
pub fn generate_name(prefix: &str, mut pick: impl FnMut(usize) -> usize) -> String {
    let mut cut = prefix.len().min(MAX_GENERATED_NAME_PREFIX);
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut name = prefix[..cut].to_string();
    for _ in 0..GENERATED_SUFFIX_LENGTH {
        let i = pick(GENERATED_NAME_ALPHABET.len()) % GENERATED_NAME_ALPHABET.len();
        name.push(char::from(GENERATED_NAME_ALPHABET[i]));
    }
    name
}

/// Validates metadata on create (`ValidateObjectMetaAccessor`), reporting under `path`
/// (normally `metadata`).
pub fn validate_object_meta(
    meta: &ObjectMeta,
    namespaced: bool,
    name_fn: &NameFn,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let generate_name = meta.generate_name.as_deref().unwrap_or_default();
    if !generate_name.is_empty() {
        for msg in name_fn(generate_name, true) {
            errs.push(FieldError::invalid(
                format!("{path}.generateName"),
                BadValue::Str(generate_name.to_string()),
                msg,
            ));
        }
    }
    let name = meta.name.as_deref().unwrap_or_default();
    if name.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_fn(name, false) {
            errs.push(FieldError::invalid(
                format!("{path}.name"),
                BadValue::Str(name.to_string()),
                msg,
            ));
        }
    }
    errs.extend(validate_common(meta, namespaced, path));
    errs
}

fn validate_common(meta: &ObjectMeta, namespaced: bool, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let namespace = meta.namespace.as_deref().unwrap_or_default();
    if namespaced {
        if namespace.is_empty() {
            errs.push(FieldError::required(format!("{path}.namespace"), ""));
        } else {
            for msg in is_dns1123_label(namespace) {
                errs.push(FieldError::invalid(
                    format!("{path}.namespace"),
                    BadValue::Str(namespace.to_string()),
                    msg,
                ));
            }
        }
    } else if !namespace.is_empty() {
        errs.push(FieldError::forbidden(
            format!("{path}.namespace"),
            "not allowed on this type",
        ));
    }
    if let Some(generation) = meta.generation
        && generation < 0
    {
        errs.push(FieldError::invalid(
            format!("{path}.generation"),
            BadValue::Int(generation),
            "must be greater than or equal to 0",
        ));
    }
    errs.extend(validate_tail(meta, path));
    errs
}

/// The checks create and update share, in upstream order.
fn validate_tail(meta: &ObjectMeta, path: &str) -> Vec<FieldError> {
    let empty = BTreeMap::new();
    let mut errs = validate_labels(
        meta.labels.as_ref().unwrap_or(&empty),
        &format!("{path}.labels"),
    );
    errs.extend(validate_annotations(
        meta.annotations.as_ref().unwrap_or(&empty),
        &format!("{path}.annotations"),
    ));
    errs.extend(validate_owner_references(
        meta.owner_references.as_deref().unwrap_or_default(),
        &format!("{path}.ownerReferences"),
    ));
    errs.extend(validate_finalizers(
        meta.finalizers.as_deref().unwrap_or_default(),
        &format!("{path}.finalizers"),
    ));
    errs.extend(validate_managed_fields(
        meta.managed_fields.as_deref().unwrap_or_default(),
        &format!("{path}.managedFields"),
    ));
    errs
}

/// Label keys must be qualified names and values valid label values.
pub fn validate_labels(labels: &BTreeMap<String, String>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (k, v) in labels {
        for msg in is_qualified_name(k) {
            errs.push(FieldError::invalid(path, BadValue::Str(k.clone()), msg));
        }
        for msg in is_label_value(v) {
            errs.push(FieldError::invalid(path, BadValue::Str(v.clone()), msg));
        }
    }
    errs
}

/// Annotation keys must be qualified names (case-insensitively); all keys and values together
/// may not exceed 256 KiB.
pub fn validate_annotations(annotations: &BTreeMap<String, String>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for k in annotations.keys() {
        for msg in is_qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(path, BadValue::Str(k.clone()), msg));
        }
    }
    let total: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(
            path,
            TOTAL_ANNOTATION_SIZE_LIMIT as i64,
        ));
    }
    errs
}

/// Finalizers must be qualified names, and `orphan` excludes `foregroundDeletion`.
pub fn validate_finalizers(finalizers: &[String], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for f in finalizers {
        for msg in is_qualified_name(f) {
            errs.push(FieldError::invalid(path, BadValue::Str(f.clone()), msg));
        }
    }
    let has = |name: &str| finalizers.iter().any(|f| f == name);
    if has("orphan") && has("foregroundDeletion") {
        errs.push(FieldError::invalid(
            path,
            BadValue::StrList(finalizers.to_vec()),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    errs
}

/// Owner references need a version, kind, name and uid; only one may be the controller, and
/// core `Event`s may not own anything.
pub fn validate_owner_references(refs: &[OwnerReference], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut first_controller: Option<String> = None;
    for r in refs {
        let (group, version) = split_api_version(&r.api_version);
        if version.is_empty() {
            errs.push(FieldError::invalid(
                format!("{path}.apiVersion"),
                BadValue::Str(r.api_version.clone()),
                "version must not be empty",
            ));
        }
        for (field, value, bad) in [
            ("kind", r.kind.as_str(), BadValue::Str(r.kind.clone())),
            ("name", r.name.as_str(), BadValue::Str(r.name.clone())),
            ("uid", r.uid.as_str(), BadValue::Named(r.uid.clone())),
        ] {
            if value.is_empty() {
                errs.push(FieldError::invalid(
                    format!("{path}.{field}"),
                    bad,
                    "must not be empty",
                ));
            }
        }
        if group.is_empty() && version == "v1" && r.kind == "Event" {
            errs.push(FieldError::invalid(
                path,
                BadValue::Json(owner_reference_json(r)),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if r.controller == Some(true) {
            let current = format!("{}/{}", r.kind, r.name);
            match &first_controller {
                Some(first) => errs.push(FieldError::invalid(
                    path,
                    BadValue::Json(format!(
                        "[{}]",
                        refs.iter().map(owner_reference_json).collect::<Vec<_>>().join(",")
                    )),
                    format!(
                        "Only one reference can have Controller set to true. Found \"true\" in references for {first} and {current}"
                    ),
                )),
                None => first_controller = Some(current),
            }
        }
    }
    errs
}

/// Go's `schema.ParseGroupVersion`: `v1` → ("", "v1"), `g/v` → ("g", "v"); anything with
/// more slashes (an error in Go) yields empty parts.
fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split('/').collect::<Vec<_>>().as_slice() {
        [] | [""] => ("", ""),
        [version] => ("", version),
        [group, version] => (group, version),
        _ => ("", ""),
    }
}

/// `encoding/json` of a Go `metav1.OwnerReference` (field order of the Go struct).
fn owner_reference_json(r: &OwnerReference) -> String {
    let mut s = format!(
        "{{\"apiVersion\":{},\"kind\":{},\"name\":{},\"uid\":{}",
        go_json_string(&r.api_version),
        go_json_string(&r.kind),
        go_json_string(&r.name),
        go_json_string(&r.uid)
    );
    if let Some(c) = r.controller {
        s.push_str(&format!(",\"controller\":{c}"));
    }
    if let Some(b) = r.block_owner_deletion {
        s.push_str(&format!(",\"blockOwnerDeletion\":{b}"));
    }
    s.push('}');
    s
}

/// Managed-fields entries: operation `Apply`/`Update`, fieldsType `FieldsV1`, a printable
/// manager of at most 128 bytes, a subresource of at most 256 bytes.
pub fn validate_managed_fields(entries: &[ManagedFieldsEntry], path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let p = index(path, i);
        let operation = entry.operation.as_deref().unwrap_or_default();
        if operation != "Apply" && operation != "Update" {
            errs.push(FieldError::invalid(
                format!("{p}.operation"),
                BadValue::Named(operation.to_string()),
                "must be `Apply` or `Update`",
            ));
        }
        let fields_type = entry.fields_type.as_deref().unwrap_or_default();
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errs.push(FieldError::invalid(
                format!("{p}.fieldsType"),
                BadValue::Str(fields_type.to_string()),
                "must be `FieldsV1`",
            ));
        }
        let manager = entry.manager.as_deref().unwrap_or_default();
        if manager.len() > FIELD_MANAGER_MAX_LENGTH {
            errs.push(FieldError::too_long(
                format!("{p}.manager"),
                FIELD_MANAGER_MAX_LENGTH as i64,
            ));
        }
        for (pos, c) in manager.char_indices() {
            if !crate::goformat::is_go_printable(c) {
                errs.push(FieldError::invalid(
                    format!("{p}.manager"),
                    BadValue::Str(manager.to_string()),
                    format!(
                        "invalid character {} (at position {pos})",
                        go_unicode_verb(c)
                    ),
                ));
            }
        }
        if entry.subresource.as_deref().unwrap_or_default().len() > MAX_SUBRESOURCE_NAME_LENGTH {
            errs.push(FieldError::too_long(
                format!("{p}.subresource"),
                MAX_SUBRESOURCE_NAME_LENGTH as i64,
            ));
        }
    }
    errs
}

/// Validates metadata on update (`ValidateObjectMetaAccessorUpdate`): finalizers frozen
/// while deleting, resourceVersion required, generation not decremented, identity and
/// deletion fields immutable, then the shared label/annotation/owner/finalizer checks.
pub fn validate_object_meta_update(
    new: &ObjectMeta,
    old: &ObjectMeta,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if old.deletion_timestamp.is_some() {
        let old_set: BTreeSet<&String> = old.finalizers.iter().flatten().collect();
        let extra: BTreeSet<&String> = new
            .finalizers
            .iter()
            .flatten()
            .filter(|f| !old_set.contains(f))
            .collect();
        if !extra.is_empty() {
            let list: Vec<String> = extra.iter().map(|f| go_quote(f)).collect();
            errs.push(FieldError::forbidden(
                format!("{path}.finalizers"),
                format!(
                    "no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}",
                    list.join(", ")
                ),
            ));
        }
    }
    if new
        .resource_version
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        errs.push(FieldError::invalid(
            format!("{path}.resourceVersion"),
            BadValue::Str(String::new()),
            "must be specified for an update",
        ));
    }
    let (new_gen, old_gen) = (new.generation.unwrap_or(0), old.generation.unwrap_or(0));
    if new_gen < old_gen {
        errs.push(FieldError::invalid(
            format!("{path}.generation"),
            BadValue::Int(new_gen),
            "must not be decremented",
        ));
    }
    let immutable = |field: &str, changed: bool, value: BadValue| {
        changed.then(|| FieldError::invalid(format!("{path}.{field}"), value, "field is immutable"))
    };
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    errs.extend(immutable(
        "name",
        s(&new.name) != s(&old.name),
        BadValue::Str(s(&new.name)),
    ));
    errs.extend(immutable(
        "namespace",
        s(&new.namespace) != s(&old.namespace),
        BadValue::Str(s(&new.namespace)),
    ));
    errs.extend(immutable(
        "uid",
        s(&new.uid) != s(&old.uid),
        BadValue::Named(s(&new.uid)),
    ));
    errs.extend(immutable(
        "creationTimestamp",
        new.creation_timestamp != old.creation_timestamp,
        time_json(new.creation_timestamp.as_ref()),
    ));
    errs.extend(immutable(
        "deletionTimestamp",
        new.deletion_timestamp != old.deletion_timestamp,
        time_json(new.deletion_timestamp.as_ref()),
    ));
    errs.extend(immutable(
        "deletionGracePeriodSeconds",
        new.deletion_grace_period_seconds != old.deletion_grace_period_seconds,
        new.deletion_grace_period_seconds
            .map_or(BadValue::Null, |v| BadValue::Json(v.to_string())),
    ));
    errs.extend(validate_tail(new, path));
    errs
}

/// `encoding/json` of a `metav1.Time`: RFC 3339 seconds in UTC, `null` when unset.
fn time_json(t: Option<&Time>) -> BadValue {
    match t {
        Some(t) => BadValue::Json(format!("\"{}\"", t.0.strftime("%Y-%m-%dT%H:%M:%SZ"))),
        None => BadValue::Null,
    }
}

#[cfg(test)]
mod tests;
