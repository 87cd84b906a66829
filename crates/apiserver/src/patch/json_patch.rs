//! JSON Patch (RFC 6902, `application/json-patch+json`) with the semantics and error texts of the
//! library kube-apiserver applies it with (`gopkg.in/evanphx/json-patch.v4`).
//!
//! That library differs from the RFC in ways clients can observe, and Signet keeps them: `replace`
//! of a missing object member adds it, negative array indices count from the end, `copy` from a
//! missing member copies `null`, and a path whose first segment is not empty is treated as if it
//! were. The `json-patch` crate follows the RFC instead and words its errors differently, which is
//! why this module does not use it.

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson::{self, atoi};

/// The most operations one patch may contain (apiserver's `maxJSONPatchOperations`).
pub const MAX_OPERATIONS: usize = 10_000;

/// How much `copy` operations may grow the document, in bytes of JSON (apiserver's
/// `JSONPatchMaxCopyBytes`, which defaults to the maximum request body size).
pub const MAX_COPY_BYTES: usize = 3 * 1024 * 1024;

const MISSING: &str = "missing value";
const INVALID_INDEX: &str = "invalid index referenced";

/// Applies a JSON patch to `original`.
pub fn apply(original: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    let ops = decode(patch)?;
    if ops.len() > MAX_OPERATIONS {
        return Err(PatchError::TooManyOperations {
            max: MAX_OPERATIONS,
            got: ops.len(),
        });
    }
    let mut doc = original.clone();
    let mut copied = 0usize;
    for op in &ops {
        apply_op(&mut doc, op.as_ref(), &mut copied)
            .map_err(|cause| PatchError::NotApplicable { cause })?;
    }
    Ok(doc)
}

/// Decodes the patch document as Go decodes it into `jsonpatch.Patch` (`[]map[string]*RawMessage`).
fn decode(patch: &[u8]) -> Result<Vec<Option<Map<String, Value>>>, PatchError> {
    let value = gojson::parse(patch).map_err(PatchError::BadRequest)?;
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(PatchError::BadRequest(gojson::unmarshal_type_error(
                &other,
                "jsonpatch.Patch",
            )));
        }
    };
    let mut ops = Vec::with_capacity(items.len());
    let mut first_error = None;
    for item in items {
        match item {
            Value::Object(m) => ops.push(Some(m)),
            Value::Null => ops.push(None),
            other => {
                // Go's decoder keeps going after a type error and reports the first one.
                first_error.get_or_insert_with(|| {
                    gojson::unmarshal_type_error(&other, "jsonpatch.Operation")
                });
            }
        }
    }
    match first_error {
        Some(e) => Err(PatchError::BadRequest(e)),
        None => Ok(ops),
    }
}

/// The text of a string member, or the error `Operation.Path`/`From` report.
fn string_member(
    op: Option<&Map<String, Value>>,
    name: &str,
    missing: &str,
) -> Result<String, String> {
    match op.and_then(|m| m.get(name)) {
        None | Some(Value::Null) => Err(format!("{missing}: {MISSING}")),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(gojson::unmarshal_type_error(other, "string")),
    }
}

fn path_of(op: Option<&Map<String, Value>>) -> Result<String, String> {
    string_member(op, "path", "operation missing path field")
}

fn from_of(op: Option<&Map<String, Value>>) -> Result<String, String> {
    string_member(op, "from", "operation, missing from field")
}

/// The operation's `value`: `None` when absent, `Some(Null)` for an explicit `null`.
fn value_of(op: Option<&Map<String, Value>>) -> Option<Value> {
    op.and_then(|m| m.get("value")).cloned()
}

fn apply_op(
    doc: &mut Value,
    op: Option<&Map<String, Value>>,
    copied: &mut usize,
) -> Result<(), String> {
    let kind = match op.and_then(|m| m.get("op")) {
        Some(Value::String(s)) => s.as_str(),
        _ => "unknown",
    };
    match kind {
        "add" => add(doc, op),
        "remove" => remove(doc, op),
        "replace" => replace(doc, op),
        "move" => move_op(doc, op),
        "test" => test(doc, op),
        "copy" => copy(doc, op, copied),
        other => Err(format!("Unexpected kind: {other}")),
    }
}

/// RFC 6901 unescaping: `~1` is `/`, `~0` is `~`.
fn decode_key(part: &str) -> String {
    part.replace("~1", "/").replace("~0", "~")
}

/// An array index as the library parses it: Go integers, negative ones counted from the end.
fn array_index(key: &str, len: usize) -> Result<usize, String> {
    let idx = atoi(key)?;
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let adjusted = if idx < 0 {
        if idx < -len {
            return Err(format!(
                "Unable to access invalid index: {idx}: {INVALID_INDEX}"
            ));
        }
        idx + len
    } else {
        idx
    };
    if adjusted >= len {
        return Err(format!(
            "Unable to access invalid index: {adjusted}: {INVALID_INDEX}"
        ));
    }
    usize::try_from(adjusted)
        .map_err(|_| format!("Unable to access invalid index: {idx}: {INVALID_INDEX}"))
}

/// `findObject`: the container holding the last segment of `path`, and that segment decoded.
fn find_container<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let mut current = doc;
    for part in &split[1..split.len() - 1] {
        let part = decode_key(part);
        let next = match current {
            Value::Object(m) => m.get_mut(&part)?,
            Value::Array(a) => {
                let i = array_index(&part, a.len()).ok()?;
                a.get_mut(i)?
            }
            _ => return None,
        };
        if !matches!(next, Value::Object(_) | Value::Array(_)) {
            return None;
        }
        current = next;
    }
    let key = decode_key(split[split.len() - 1]);
    Some((current, key))
}

/// `container.get`: `Ok(None)` for a missing member and for a `null` member or element, which the
/// library holds as a nil node.
fn get<'a>(con: &'a Value, key: &str) -> Result<Option<&'a Value>, String> {
    let found = match con {
        Value::Object(m) => m.get(key),
        Value::Array(a) => a.get(array_index(key, a.len())?),
        _ => None,
    };
    Ok(found.filter(|v| !v.is_null()))
}

fn container_add(con: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(val);
                return Ok(());
            }
            let idx = atoi(key)
                .map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let len = i64::try_from(a.len()).unwrap_or(i64::MAX) + 1;
            if idx >= len || idx < -len {
                return Err(format!(
                    "Unable to access invalid index: {idx}: {INVALID_INDEX}"
                ));
            }
            let at = if idx < 0 { idx + len } else { idx };
            let at = usize::try_from(at).unwrap_or(a.len()).min(a.len());
            a.insert(at, val);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn container_remove(con: &mut Value, key: &str) -> Result<Value, String> {
    match con {
        Value::Object(m) => m
            .remove(key)
            .ok_or_else(|| format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        Value::Array(a) => {
            let i = array_index(key, a.len())?;
            Ok(a.remove(i))
        }
        _ => Ok(Value::Null),
    }
}

fn add(doc: &mut Value, op: Option<&Map<String, Value>>) -> Result<(), String> {
    let path =
        path_of(op).map_err(|_| format!("add operation failed to decode path: {MISSING}"))?;
    let Some((con, key)) = find_container(doc, &path) else {
        return Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    let val = value_of(op).unwrap_or(Value::Null);
    container_add(con, &key, val).map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove(doc: &mut Value, op: Option<&Map<String, Value>>) -> Result<(), String> {
    let path =
        path_of(op).map_err(|_| format!("remove operation failed to decode path: {MISSING}"))?;
    let Some((con, key)) = find_container(doc, &path) else {
        return Err(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    container_remove(con, &key)
        .map(|_| ())
        .map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace(doc: &mut Value, op: Option<&Map<String, Value>>) -> Result<(), String> {
    let path = path_of(op).map_err(|e| format!("replace operation failed to decode path: {e}"))?;
    if path.is_empty() {
        // The library wraps a nil error here, which Go renders as `%!w(<nil>)`.
        return match value_of(op) {
            Some(v @ (Value::Object(_) | Value::Array(_))) => {
                *doc = v;
                Ok(())
            }
            _ => Err("replace operation value must be object or array: %!w(<nil>)".to_string()),
        };
    }
    let Some((con, key)) = find_container(doc, &path) else {
        return Err(format!(
            "replace operation does not apply: doc is missing path: {path}: {MISSING}"
        ));
    };
    if get(con, &key).is_err() {
        return Err(format!(
            "replace operation does not apply: doc is missing key: {path}: {MISSING}"
        ));
    }
    let val = value_of(op).unwrap_or(Value::Null);
    match con {
        Value::Object(m) => {
            m.insert(key, val);
        }
        Value::Array(a) => {
            let i = array_index(&key, a.len())
                .map_err(|e| format!("error in remove for path: '{path}': {e}"))?;
            if let Some(slot) = a.get_mut(i) {
                *slot = val;
            }
        }
        _ => {}
    }
    Ok(())
}

fn move_op(doc: &mut Value, op: Option<&Map<String, Value>>) -> Result<(), String> {
    let from = from_of(op).map_err(|e| format!("move operation failed to decode from: {e}"))?;
    let Some((con, key)) = find_container(doc, &from) else {
        return Err(format!(
            "move operation does not apply: doc is missing from path: {from}: {MISSING}"
        ));
    };
    get(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let val =
        container_remove(con, &key).map_err(|e| format!("error in move for path: '{key}': {e}"))?;
    let path = path_of(op).map_err(|e| format!("move operation failed to decode path: {e}"))?;
    let Some((con, key)) = find_container(doc, &path) else {
        return Err(format!(
            "move operation does not apply: doc is missing destination path: {path}: {MISSING}"
        ));
    };
    container_add(con, &key, val).map_err(|e| format!("error in move for path: '{path}': {e}"))
}

fn test(doc: &mut Value, op: Option<&Map<String, Value>>) -> Result<(), String> {
    let path = path_of(op).map_err(|e| format!("test operation failed to decode path: {e}"))?;
    let expected = value_of(op);
    let failed = || format!("testing value {path} failed: test failed");
    if path.is_empty() {
        return if expected.as_ref() == Some(&*doc) {
            Ok(())
        } else {
            Err(failed())
        };
    }
    let Some((con, key)) = find_container(doc, &path) else {
        return Err(format!(
            "test operation does not apply: is missing path: {path}: {MISSING}"
        ));
    };
    let actual = get(con, &key).map_err(|e| format!("error in test for path: '{path}': {e}"))?;
    match (actual, expected) {
        // A missing member passes against an absent or null value.
        (None, None | Some(Value::Null)) => Ok(()),
        (Some(a), Some(e)) if *a == e => Ok(()),
        _ => Err(failed()),
    }
}

fn copy(
    doc: &mut Value,
    op: Option<&Map<String, Value>>,
    copied: &mut usize,
) -> Result<(), String> {
    let from = from_of(op).map_err(|e| format!("copy operation failed to decode from: {e}"))?;
    let Some((con, key)) = find_container(doc, &from) else {
        return Err(format!(
            "copy operation does not apply: doc is missing from path: {from}: {MISSING}"
        ));
    };
    let val = get(con, &key)
        .map_err(|e| format!("error in copy for from: '{from}': {e}"))?
        .cloned();
    let path =
        path_of(op).map_err(|_| format!("copy operation failed to decode path: {MISSING}"))?;
    let Some((con, key)) = find_container(doc, &path) else {
        return Err(format!(
            "copy operation does not apply: doc is missing destination path: {path}: {MISSING}"
        ));
    };
    let size = val.as_ref().map(|v| gojson::marshal(v).len()).unwrap_or(0);
    *copied = copied.saturating_add(size);
    if *copied > MAX_COPY_BYTES {
        return Err(format!(
            "Unable to complete the copy, the accumulated size increase of copy is {}, exceeding the limit {MAX_COPY_BYTES}",
            *copied
        ));
    }
    container_add(con, &key, val.unwrap_or(Value::Null))
        .map_err(|e| format!("error while adding value during copy: {e}"))
}
