//! JSON Merge Patch (RFC 7386, `application/merge-patch+json`) as kube-apiserver applies it
//! (`evanphx/json-patch` `MergePatch`): members set to `null` are removed, objects merge
//! recursively, anything else replaces. One library detail is kept: when a patch object lands where
//! the document has no object, `null` members are pruned from it, including inside objects nested
//! in its arrays.

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson;

/// The library's answer to a patch that is not a JSON object or array.
const BAD_PATCH: &str = "Invalid JSON Patch";

/// Applies a merge patch to `original`.
pub fn apply(original: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let patch = gojson::parse(patch).map_err(|_| PatchError::BadRequest(BAD_PATCH.to_string()))?;
    match patch {
        Value::Object(p) => {
            let Value::Object(mut doc) = original.clone() else {
                // Not a document to merge into: the pruned patch becomes the document.
                return Ok(Value::Object(prune_object(p)));
            };
            merge_objects(&mut doc, p);
            Ok(Value::Object(doc))
        }
        // An array patch replaces the whole document (which then fails to decode as an object).
        Value::Array(items) => Ok(Value::Array(prune_array(items))),
        _ => Err(PatchError::BadRequest(BAD_PATCH.to_string())),
    }
}

/// `mergeDocs`. Recursion follows the patch, whose depth serde_json bounds.
fn merge_objects(doc: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            doc.remove(&k);
            continue;
        }
        match doc.get_mut(&k) {
            Some(cur) if !cur.is_null() => merge_value(cur, v),
            _ => {
                doc.insert(k, prune(v));
            }
        }
    }
}

/// `merge`: objects merge into objects; anything else replaces (pruned when the current value is
/// not an object).
fn merge_value(cur: &mut Value, patch: Value) {
    match (cur, patch) {
        (Value::Object(c), Value::Object(p)) => merge_objects(c, p),
        (cur @ Value::Object(_), p) => *cur = p,
        (cur, p) => *cur = prune(p),
    }
}

fn prune(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(prune_object(m)),
        Value::Array(a) => Value::Array(prune_array(a)),
        other => other,
    }
}

fn prune_object(m: Map<String, Value>) -> Map<String, Value> {
    m.into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k, prune(v)))
        .collect()
}

/// Arrays keep their `null` elements; objects inside them lose their `null` members.
fn prune_array(a: Vec<Value>) -> Vec<Value> {
    a.into_iter().map(prune).collect()
}
