//! `meta.k8s.io` Table rendering (what `kubectl get` prints) and the AGE column.

use serde_json::{Value, json};

use super::Strategy;

/// Column definitions from (name, format, description) triples; all `string`, priority 0.
pub fn columns(cols: &[(&str, &str, &str)]) -> Vec<Value> {
    cols.iter()
        .map(|(name, format, description)| {
            json!({"name": name, "type": "string", "format": format, "description": description, "priority": 0})
        })
        .collect()
}

/// The AGE cell: `translateTimestampSince(creationTimestamp)`.
pub fn age(obj: &Value, now: jiff::Timestamp) -> String {
    let created = obj["metadata"]
        .get("creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok());
    match created {
        None => "<unknown>".to_string(),
        Some(t) => signet_api::duration::human_duration(now.as_second() - t.as_second()),
    }
}

/// What each row carries as `object` (`includeObject`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(v: Option<&str>) -> Result<Self, String> {
        match v {
            None | Some("") | Some("Metadata") => Ok(IncludeObject::Metadata),
            Some("None") => Ok(IncludeObject::None),
            Some("Object") => Ok(IncludeObject::Object),
            Some(other) => Err(format!("unrecognized includeObject value: \"{other}\"")),
        }
    }
}

/// Build a Table of `objects`.
pub fn table(
    strategy: &dyn Strategy,
    objects: &[Value],
    list_meta: Value,
    include: IncludeObject,
    headers: bool,
    v1beta1: bool,
    now: jiff::Timestamp,
) -> Value {
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut row = json!({"cells": strategy.table_cells(o, now)});
            match include {
                IncludeObject::None => {}
                IncludeObject::Metadata => row["object"] = partial_metadata(o),
                IncludeObject::Object => row["object"] = o.clone(),
            }
            row
        })
        .collect();
    let version = if v1beta1 {
        "meta.k8s.io/v1beta1"
    } else {
        "meta.k8s.io/v1"
    };
    let mut t =
        json!({"kind": "Table", "apiVersion": version, "metadata": list_meta, "rows": rows});
    t["columnDefinitions"] = if headers {
        Value::Array(strategy.table_columns())
    } else {
        json!([])
    };
    t
}

/// `meta.k8s.io/v1` PartialObjectMetadata of an object.
pub fn partial_metadata(o: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": o.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}
