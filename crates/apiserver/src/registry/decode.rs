//! Decoding request bodies: JSON or YAML, the apiVersion/kind check, and `fieldValidation`
//! (unknown fields rejected with `Strict`, reported as `Warning` headers with `Warn`).

use serde_json::Value;

use super::{ResourceInfo, Strategy};
use crate::error::ApiError;

/// The `fieldValidation` query parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

impl FieldValidation {
    /// Read the parameter; an unknown value is a 422 on the request's options (`options_kind`).
    pub fn parse(v: Option<&str>, options_kind: &'static str) -> Result<Self, ApiError> {
        match v {
            None | Some("") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Warn") => Ok(FieldValidation::Warn),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(super::options_invalid(
                options_kind,
                signet_api::field::FieldError::not_supported(
                    "fieldValidation",
                    signet_api::field::BadValue::Str(other.to_string()),
                    &["", "Ignore", "Strict", "Warn"],
                ),
            )),
        }
    }
}

/// Parse a body as JSON, YAML or Kubernetes protobuf (what kubectl's typed clients send), as the
/// content type says, for the endpoint of `info`.
pub fn parse_body(
    info: &ResourceInfo,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Value, ApiError> {
    if crate::protobuf::is_protobuf(content_type) {
        return crate::protobuf::decode(body, &info.api_version(), info.kind);
    }
    let mime = content_type
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    let value: Value = match mime {
        "application/yaml" | "application/apply-patch+yaml" => {
            serde_yaml::from_slice(body).map_err(|e| ApiError::bad_request(format!("yaml: {e}")))?
        }
        "application/json" | "" | "*/*" => serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?,
        other => {
            return Err(ApiError::unsupported_media_type(format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {other})"
            )));
        }
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }",
        ));
    }
    Ok(value)
}

/// Check `apiVersion`/`kind` against the endpoint and fill them in when absent.
pub fn check_type(info: &ResourceInfo, obj: &mut Value) -> Result<(), ApiError> {
    if !obj.is_object() {
        // A JSON patch can replace the whole document with something that is not an object.
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: the object must be a JSON object",
            kind = info.kind,
            version = info.version
        )));
    }
    let expected_version = info.api_version();
    match obj.get("apiVersion") {
        None | Some(Value::Null) => obj["apiVersion"] = Value::String(expected_version.clone()),
        Some(Value::String(v)) if *v == expected_version => {}
        Some(Value::String(v)) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({expected_version})"
            )));
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "couldn't get version/kind; json parse error: apiVersion must be a string, got {other}"
            )));
        }
    }
    match obj.get("kind") {
        None | Some(Value::Null) => obj["kind"] = Value::String(info.kind.to_string()),
        Some(Value::String(k)) if k == info.kind => {}
        Some(Value::String(k)) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                info.kind
            )));
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "couldn't get version/kind; json parse error: kind must be a string, got {other}"
            )));
        }
    }
    Ok(())
}

/// Decode through the typed form: returns the normalised object and the unknown field paths.
pub fn decode_typed(
    strategy: &dyn Strategy,
    obj: &Value,
) -> Result<(Value, Vec<String>), ApiError> {
    let info = strategy.info();
    let typed = strategy.round_trip(obj).map_err(|e| {
        ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: {e}",
            kind = info.kind,
            version = info.version
        ))
    })?;
    let mut unknown = Vec::new();
    unknown_fields(obj, &typed, "", &mut unknown);
    Ok((typed, unknown))
}

/// Apply the `fieldValidation` directive: `Strict` fails, `Warn` returns warnings.
pub fn enforce_field_validation(
    mode: FieldValidation,
    unknown: &[String],
) -> Result<Vec<String>, ApiError> {
    if unknown.is_empty() || mode == FieldValidation::Ignore {
        return Ok(Vec::new());
    }
    let texts: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect();
    if mode == FieldValidation::Strict {
        return Err(ApiError::bad_request(format!(
            "strict decoding error: {}",
            texts.join(", ")
        )));
    }
    Ok(texts)
}

/// Collect paths present (and non-null) in `input` but absent from `known`.
fn unknown_fields(input: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    match (input, known) {
        (Value::Object(i), Value::Object(k)) => {
            for (key, v) in i {
                let p = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match k.get(key) {
                    Some(kv) => unknown_fields(v, kv, &p, out),
                    None if v.is_null() => {}
                    None => out.push(p),
                }
            }
        }
        (Value::Array(i), Value::Array(k)) => {
            for (idx, (iv, kv)) in i.iter().zip(k.iter()).enumerate() {
                unknown_fields(iv, kv, &format!("{path}[{idx}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_found() {
        let input =
            json!({"spec": {"request": "x", "foo": 1, "bar": null}, "a": [{"b": 1, "c": 2}]});
        let known = json!({"spec": {"request": "x"}, "a": [{"b": 1}]});
        let mut out = Vec::new();
        unknown_fields(&input, &known, "", &mut out);
        out.sort();
        assert_eq!(out, vec!["a[0].c", "spec.foo"]);
    }

    #[test]
    fn strict_and_warn() {
        let u = vec!["spec.foo".to_string()];
        let err = enforce_field_validation(FieldValidation::Strict, &u).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (400, "strict decoding error: unknown field \"spec.foo\"")
        );
        assert_eq!(
            enforce_field_validation(FieldValidation::Warn, &u).unwrap(),
            vec!["unknown field \"spec.foo\""]
        );
        assert!(
            enforce_field_validation(FieldValidation::Ignore, &u)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn malformed_json() {
        let err = parse_body(&crate::registry::csr::INFO, None, b"{not json").unwrap_err();
        assert_eq!(err.code, 400);
        assert!(
            err.message
                .starts_with("couldn't get version/kind; json parse error: "),
            "{}",
            err.message
        );
    }
}
