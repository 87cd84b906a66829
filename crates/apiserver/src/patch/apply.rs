//! Server-side apply (`application/apply-patch+yaml`) without managed-field tracking.
//!
//! The applied configuration (YAML or JSON, first document) is merged into the live object: objects
//! merge member by member, anything else (lists included) is replaced, members the configuration
//! does not mention are left alone, and a member set to `null` is removed. With no record of which
//! manager owns which field, nothing is ever removed for having been dropped from a manager's
//! configuration and no conflict is ever reported; the caller checks `fieldManager`.

use serde_json::{Map, Number, Value};

use super::PatchError;
use super::gojson;

/// Deeper than any configuration the YAML parser accepts; guards the recursion.
const MAX_DEPTH: usize = 256;

/// Applies `body` to `live`. For a create-by-apply, pass a live object holding only `apiVersion`
/// and `kind`, so that the configuration's version is still checked.
pub fn apply(live: &Value, body: &[u8]) -> Result<Value, PatchError> {
    let config = decode(body)?;
    check_type(live, &config)?;
    if config
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .is_some_and(|v| !v.is_null())
    {
        return Err(PatchError::BadRequest(
            "metadata.managedFields must be nil".to_string(),
        ));
    }
    let mut merged = match live {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    merge(&mut merged, config, 0)?;
    Ok(Value::Object(merged))
}

/// Upstream refuses a configuration for another version of the resource (400) or of another kind
/// (a reason-less 500, from the type converter).
fn check_type(live: &Value, config: &Map<String, Value>) -> Result<(), PatchError> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let Some(expected_version) = live.get("apiVersion").and_then(Value::as_str) else {
        return Ok(());
    };
    let version = text(config.get("apiVersion"));
    if version != expected_version {
        return Err(PatchError::BadRequest(format!(
            "Incorrect version specified in apply patch. Specified patch version: {version}, expected: {expected_version}"
        )));
    }
    let expected_kind = text(live.get("kind"));
    let kind = text(config.get("kind"));
    if !expected_kind.is_empty() && kind != expected_kind {
        let gvk = format!("{version}, Kind={kind}");
        return Err(PatchError::Internal(format!(
            "failed to create typed patch object ({gvk}): no corresponding type for {gvk}"
        )));
    }
    Ok(())
}

/// Decodes the configuration as `sigs.k8s.io/yaml` does: YAML (of which JSON is a subset) to a
/// JSON object; an empty body is an empty configuration.
fn decode(body: &[u8]) -> Result<Map<String, Value>, PatchError> {
    let err = |msg: String| PatchError::BadRequest(format!("error decoding YAML: {msg}"));
    if flow_depth(body) > MAX_FLOW_DEPTH {
        return Err(err(format!(
            "error converting YAML to JSON: yaml: exceeded max depth of {MAX_FLOW_DEPTH}"
        )));
    }
    let first = serde_yaml::Deserializer::from_slice(body).next();
    let yaml = match first {
        None => return Ok(Map::new()),
        Some(doc) => serde::Deserialize::deserialize(doc).map_err(|e: serde_yaml::Error| {
            err(format!("error converting YAML to JSON: yaml: {e}"))
        })?,
    };
    match yaml_to_json(yaml, 0)
        .map_err(|e| err(format!("error converting YAML to JSON: yaml: {e}")))?
    {
        Value::Null => Ok(Map::new()),
        Value::Object(m) => Ok(m),
        other => Err(err(format!(
            "error unmarshaling JSON: while decoding JSON: {}",
            gojson::unmarshal_type_error(&other, "map[string]interface {}")
        ))),
    }
}

/// The YAML parser slows down quadratically with the nesting of flow collections (`[`, `{`), and
/// serde_yaml refuses more than 128 levels anyway, so deeper bodies are refused before parsing.
const MAX_FLOW_DEPTH: usize = 128;

/// The deepest nesting of flow brackets, counting brackets inside quoted scalars too (a
/// configuration with that many unmatched brackets in its strings is not worth the risk).
fn flow_depth(body: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for &b in body {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// A YAML value as JSON: scalar keys become strings, as `sigs.k8s.io/yaml` converts them.
fn yaml_to_json(v: serde_yaml::Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nesting exceeds {MAX_DEPTH} levels"));
    }
    Ok(match v {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => yaml_number(&n)?,
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(|i| yaml_to_json(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        serde_yaml::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    serde_yaml::Value::String(s) => s,
                    serde_yaml::Value::Bool(b) => b.to_string(),
                    serde_yaml::Value::Number(n) => n.to_string(),
                    serde_yaml::Value::Null => "null".to_string(),
                    other => return Err(format!("invalid map key: {other:?}")),
                };
                out.insert(key, yaml_to_json(v, depth + 1)?);
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(t) => yaml_to_json(t.value, depth + 1)?,
    })
}

fn yaml_number(n: &serde_yaml::Number) -> Result<Value, String> {
    if let Some(i) = n.as_i64() {
        return Ok(Value::Number(i.into()));
    }
    if let Some(u) = n.as_u64() {
        return Ok(Value::Number(u.into()));
    }
    n.as_f64()
        .and_then(Number::from_f64)
        .map(Value::Number)
        .ok_or_else(|| format!("cannot convert {n} to JSON"))
}

/// Merges the configuration into the live object.
fn merge(
    live: &mut Map<String, Value>,
    config: Map<String, Value>,
    depth: usize,
) -> Result<(), PatchError> {
    if depth > MAX_DEPTH {
        return Err(PatchError::BadRequest(format!(
            "apply configuration nesting exceeds {MAX_DEPTH} levels"
        )));
    }
    for (k, v) in config {
        match (live.get_mut(&k), v) {
            (_, Value::Null) => {
                live.remove(&k);
            }
            (Some(Value::Object(cur)), Value::Object(cfg)) => merge(cur, cfg, depth + 1)?,
            (_, v) => {
                live.insert(k, without_nulls(v));
            }
        }
    }
    Ok(())
}

/// A newly set object holds no `null` members (they would decode as absent anyway).
fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}
