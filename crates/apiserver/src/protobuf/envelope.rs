//! The Kubernetes protobuf envelope: the 4-byte magic `k8s\0`, then a `runtime.Unknown` whose
//! `typeMeta` names the kind and whose `raw` holds the object's own message
//! (apimachinery `pkg/runtime/serializer/protobuf/protobuf.go`).
//!
//! Errors read as kube-apiserver's do: a body that is not an envelope is "the object provided is
//! unrecognized", an object that does not decode "cannot be handled as a <Kind>", and a type meta
//! that names another type gets the same messages as a JSON body would.

use k8s_pb::apimachinery::pkg::runtime::Unknown;
use prost::Message;
use serde_json::{Map, Value};

use super::kinds;
use crate::error::ApiError;

/// The media type of Kubernetes protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// `protoEncodingPrefix`: "k8s" and the encoding style 0 (a `runtime.Unknown` follows).
const PREFIX: [u8; 4] = [0x6b, 0x38, 0x73, 0x00];

/// Whether a `Content-Type` header value names the Kubernetes protobuf encoding.
pub fn is_protobuf(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case(MEDIA_TYPE))
}

/// Decode a protobuf request body for the endpoint of `expected_api_version`/`expected_kind` into
/// the JSON the same object has in Kubernetes' JSON encoding, `apiVersion` and `kind` included.
///
/// Errors: 415 when Signet does not decode this kind from protobuf; 400 BadRequest for a body that
/// is not a protobuf envelope, names another apiVersion or kind, or does not decode.
pub fn decode(
    body: &[u8],
    expected_api_version: &str,
    expected_kind: &str,
) -> Result<Value, ApiError> {
    let Some(entry) = kinds::lookup(expected_api_version, expected_kind) else {
        return Err(ApiError::unsupported_media_type(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {MEDIA_TYPE})"
        )));
    };
    let unknown = unwrap_envelope(body).map_err(|err| {
        ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {expected_kind}): {err} ({})",
            summarize(body)
        ))
    })?;
    let (api_version, version, kind) = type_meta(&unknown, expected_api_version, expected_kind);
    if entry.api_version.is_some() && api_version != expected_api_version {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({expected_api_version})"
        )));
    }
    if kind != expected_kind {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({expected_kind})"
        )));
    }
    let fields = (entry.convert)(unknown.raw.as_deref().unwrap_or_default()).map_err(|err| {
        ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {expected_kind}: {err}"
        ))
    })?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(api_version));
    object.insert("kind".into(), Value::String(kind));
    object.extend(fields.into_map());
    Ok(Value::Object(object))
}

/// Check the magic and decode the `runtime.Unknown` after it; errors are Go's texts.
fn unwrap_envelope(body: &[u8]) -> Result<Unknown, String> {
    if body.is_empty() {
        return Err("empty data".into());
    }
    let Some(message) = body.strip_prefix(&PREFIX) else {
        // Go prints the prefix with `%v`.
        return Err(
            "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
                .into(),
        );
    };
    if message.is_empty() {
        return Err("empty body".into());
    }
    Unknown::decode(message).map_err(|e| e.to_string())
}

/// The body's apiVersion (`group/version`), version and kind, each defaulted from the endpoint
/// when empty (apimachinery `copyKindDefaults`); an apiVersion with more than one `/` does not
/// parse and counts as empty, as `schema.FromAPIVersionAndKind` has it.
fn type_meta(
    unknown: &Unknown,
    expected_api_version: &str,
    expected_kind: &str,
) -> (String, String, String) {
    let meta = unknown.type_meta.as_ref();
    let sent = meta.and_then(|m| m.api_version.as_deref()).unwrap_or("");
    let (group, version) = split_group_version(sent).unwrap_or(("", ""));
    let (group, version) = if version.is_empty() {
        split_group_version(expected_api_version).unwrap_or(("", expected_api_version))
    } else {
        (group, version)
    };
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let kind = match meta.and_then(|m| m.kind.as_deref()) {
        None | Some("") => expected_kind,
        Some(k) => k,
    };
    (api_version, version.to_string(), kind.to_string())
}

/// `schema.ParseGroupVersion`: `""`/`"/"` are empty, `v` is the core group, `g/v` a group.
fn split_group_version(gv: &str) -> Option<(&str, &str)> {
    if gv.is_empty() || gv == "/" {
        return Some(("", ""));
    }
    match gv.split_once('/') {
        None => Some(("", gv)),
        Some((_, rest)) if rest.contains('/') => None,
        Some((group, version)) => Some((group, version)),
    }
}

/// apiserver's `summarizeData(body, 30)`: the first 30 bytes, as text when the body looks like
/// JSON and in hex otherwise.
fn summarize(body: &[u8]) -> String {
    const MAX: usize = 30;
    let head = &body[..body.len().min(MAX)];
    let more = if body.len() > MAX { " ..." } else { "" };
    match body.first() {
        None => "<empty>".into(),
        Some(b'{') => format!("{}{more}", String::from_utf8_lossy(head)),
        Some(_) => format!("{}{more}", hex::encode(head)),
    }
}
