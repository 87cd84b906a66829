//! PATCH bodies: JSON patch, merge patch, strategic merge patch and server-side apply, applied to
//! the JSON of the live object with the semantics and error texts of kube-apiserver
//! (`pkg/endpoints/handlers/patch.go`).
//!
//! Start at [`apply_patch`]. The caller reads the body (bounded by its request size limit), picks
//! the [`PatchType`] from `Content-Type` (answering [`unsupported_patch_type`] when there is none),
//! applies the patch to the object as the client last saw it, then decodes the result into the
//! typed object; when that decoding fails, [`PatchError::undecodable`] builds upstream's 422.
//! Checks that need the request (name, namespace, `fieldManager` for apply, preconditions) stay
//! with the caller.

mod apply;
mod gojson;
mod json_patch;
mod merge;
mod strategic;

use serde_json::{Value, json};
use signet_api::field::{BadValue, FieldError};
use signet_api::goformat::go_quote;

pub use json_patch::{MAX_COPY_BYTES, MAX_OPERATIONS};
pub use strategic::{FieldStrategy, PatchSchema};

use crate::error::ApiError;

/// The four PATCH content types kube-apiserver accepts for built-in resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// Every type, in the order upstream lists them in its 415 answer.
    pub const ALL: [PatchType; 4] = [
        PatchType::Json,
        PatchType::Merge,
        PatchType::StrategicMerge,
        PatchType::Apply,
    ];

    /// The type named by a `Content-Type` header. Like upstream, everything from the first `;`
    /// (`; charset=utf-8`) is ignored and the rest must match exactly.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let base = match content_type.find(';') {
            Some(i) if i > 0 => &content_type[..i],
            _ => content_type,
        };
        PatchType::ALL
            .into_iter()
            .find(|t| t.content_type() == base)
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

/// 415 for a PATCH whose `Content-Type` is none of the [`PatchType`]s.
pub fn unsupported_patch_type() -> ApiError {
    let accepted: Vec<&str> = PatchType::ALL.iter().map(|t| t.content_type()).collect();
    ApiError::unsupported_media_type(format!(
        "the body of the request was in an unknown format - accepted media types include: {}",
        accepted.join(", ")
    ))
}

/// Why a patch could not be applied, classed as kube-apiserver classes it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    /// 400 BadRequest: the patch is malformed (bad JSON or YAML, a malformed directive).
    #[error("{0}")]
    BadRequest(String),
    /// 422 with upstream's generic text: an operation did not apply (a failed JSON patch `test`, a
    /// path that does not exist) or the patch has lists of lists. Upstream drops the reason from
    /// the response; `cause` keeps it for logs.
    #[error("the server rejected our request due to an error in our request")]
    NotApplicable { cause: String },
    /// 422 Invalid: the patched document cannot be the object (`patch: Invalid value: ...`).
    #[error(" \"\" is invalid: patch: Invalid value: {}: {detail}", go_quote(.value))]
    Undecodable { value: String, detail: String },
    /// 413: a JSON patch with more operations than upstream allows.
    #[error(
        "Request entity too large: The allowed maximum operations in a JSON patch is {max}, got {got}"
    )]
    TooManyOperations { max: usize, got: usize },
    /// 500 without a reason: a strategic-merge failure upstream does not classify.
    #[error("{0}")]
    Internal(String),
}

impl PatchError {
    /// The HTTP status code upstream answers with.
    pub fn code(&self) -> u16 {
        match self {
            PatchError::BadRequest(_) => 400,
            PatchError::NotApplicable { .. } | PatchError::Undecodable { .. } => 422,
            PatchError::TooManyOperations { .. } => 413,
            PatchError::Internal(_) => 500,
        }
    }

    /// The 422 upstream answers when the patched document does not decode into the object
    /// (`detail` is the decoder's complaint). Upstream shows the patched document, except for a
    /// strategic merge patch, where it shows the patch (as Go prints a map).
    pub fn undecodable(
        kind: PatchType,
        patch: &Value,
        patched: &Value,
        detail: impl Into<String>,
    ) -> Self {
        let value = match kind {
            PatchType::StrategicMerge => gojson::go_value(patch),
            _ => gojson::marshal(patched),
        };
        PatchError::Undecodable {
            value,
            detail: detail.into(),
        }
    }

    /// The `Status` the client receives.
    pub fn to_api_error(&self) -> ApiError {
        match self {
            PatchError::BadRequest(m) => ApiError::bad_request(m.clone()),
            PatchError::NotApplicable { .. } => ApiError {
                code: 422,
                reason: "Invalid",
                message: self.to_string(),
                details: Some(json!({})),
                retry_after: None,
            },
            PatchError::Undecodable { value, detail } => {
                let err =
                    FieldError::invalid("patch", BadValue::Str(value.clone()), detail.clone());
                ApiError {
                    code: 422,
                    reason: "Invalid",
                    message: format!(" \"\" is invalid: {err}"),
                    details: Some(json!({"causes": [
                        {"reason": err.reason(), "message": err.body(), "field": err.field}
                    ]})),
                    retry_after: None,
                }
            }
            PatchError::TooManyOperations { .. } => ApiError::too_large(self.to_string()),
            // Upstream's status for an error it did not convert: code 500, no reason.
            PatchError::Internal(m) => ApiError {
                code: 500,
                reason: "",
                message: m.clone(),
                details: None,
                retry_after: None,
            },
        }
    }
}

impl From<PatchError> for ApiError {
    fn from(e: PatchError) -> Self {
        e.to_api_error()
    }
}

/// The decoder's complaint about a patched document that is not a JSON object, as the apiserver's
/// JSON serializer words it before it even looks at the fields.
const NOT_AN_OBJECT_DETAIL: &str = "couldn't get version/kind; json parse error: ";
const TYPE_META_GO_TYPE: &str = r#"struct { APIVersion string "json:\"apiVersion,omitempty\""; Kind string "json:\"kind,omitempty\"" }"#;

/// Applies `patch` to `original` (the live object's JSON) with the strategies every object has
/// ([`PatchSchema::OBJECT_META`]).
pub fn apply_patch(kind: PatchType, original: &Value, patch: &[u8]) -> Result<Value, PatchError> {
    apply_patch_with(kind, original, patch, &PatchSchema::OBJECT_META)
}

/// [`apply_patch`] with the strategic-merge strategies of a kind that declares more than
/// `ObjectMeta`'s.
pub fn apply_patch_with(
    kind: PatchType,
    original: &Value,
    patch: &[u8],
    schema: &PatchSchema,
) -> Result<Value, PatchError> {
    let patched = match kind {
        PatchType::Json => json_patch::apply(original, patch)?,
        PatchType::Merge => merge::apply(original, patch)?,
        PatchType::StrategicMerge => strategic::apply(original, patch, schema)?,
        PatchType::Apply => apply::apply(original, patch)?,
    };
    if !patched.is_object() {
        let detail = format!(
            "{NOT_AN_OBJECT_DETAIL}{}",
            gojson::unmarshal_type_error(&patched, TYPE_META_GO_TYPE)
        );
        return Err(PatchError::Undecodable {
            value: gojson::marshal(&patched),
            detail,
        });
    }
    Ok(patched)
}

#[cfg(test)]
mod tests;
