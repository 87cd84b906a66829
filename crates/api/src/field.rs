//! Field-level validation errors, rendered exactly as apimachinery's
//! `pkg/util/validation/field/errors.go` renders them.
//!
//! A [`FieldError`] becomes one `StatusCause` of a 422 `Invalid` status: its `reason` is
//! [`FieldError::reason`], its `message` is [`FieldError::body`] and its `field` is
//! [`FieldError::field`]. The status message joins the errors with [`aggregate`].

use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;

use crate::goformat::{go_json_string, go_json_string_list, go_quote};

/// What kind of problem a field has; one-to-one with apimachinery's `ErrorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    Required,
    Invalid,
    NotSupported,
    Duplicate,
    Forbidden,
    TooLong,
    TooMany,
    NotFound,
    Internal,
}

impl ErrorType {
    /// The human text that opens an error body (`Required value`, `Invalid value`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::NotFound => "Not found",
            ErrorType::Internal => "Internal error",
        }
    }

    /// The `StatusCause.reason` code (`FieldValueRequired`, ...).
    pub fn reason(self) -> &'static str {
        match self {
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Internal => "InternalError",
        }
    }

    /// Whether the bad value is printed after the type text.
    fn shows_value(self) -> bool {
        matches!(
            self,
            ErrorType::Invalid
                | ErrorType::NotSupported
                | ErrorType::Duplicate
                | ErrorType::NotFound
                | ErrorType::TooMany
        )
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The offending value, tagged with the Go type it would have had upstream, because Go
/// prints each type differently (`%v`, `%q` or `encoding/json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue {
    /// Go integers print bare: `599`.
    Int(i64),
    /// Go booleans print bare: `true`.
    Bool(bool),
    /// A Go `string` prints `%q`-quoted: `"example"`.
    Str(String),
    /// A named string type (`KeyUsage`, `types.UID`, ...) is JSON-marshalled: `"client auth"`.
    Named(String),
    /// A `[]byte` is JSON-marshalled as a base64 string; an empty one is treated as nil.
    Bytes(Vec<u8>),
    /// A nil pointer, slice or map: `null`.
    Null,
    /// A `[]string`, JSON-marshalled: `["a","b"]`.
    StrList(Vec<String>),
    /// Any other value, already rendered as Go's `encoding/json` would.
    Json(String),
    /// apimachinery's `omitValue`: nothing is printed after the type text.
    Omitted,
}

impl BadValue {
    /// The literal upstream uses instead of printing certificate bytes.
    pub fn certificate_data() -> Self {
        BadValue::Str("<certificate data>".to_string())
    }

    /// Renders the value as apimachinery's `ErrorBody` does; `None` for [`BadValue::Omitted`].
    pub fn render(&self) -> Option<String> {
        Some(match self {
            BadValue::Int(i) => i.to_string(),
            BadValue::Bool(b) => b.to_string(),
            BadValue::Str(s) => go_quote(s),
            BadValue::Named(s) => go_json_string(s),
            // Kubernetes types cannot tell a nil slice from an empty one after decoding; upstream
            // sees nil for a missing `request`, which marshals as `null`.
            BadValue::Bytes(b) if b.is_empty() => "null".to_string(),
            BadValue::Bytes(b) => {
                format!(
                    "\"{}\"",
                    base64::engine::general_purpose::STANDARD.encode(b)
                )
            }
            BadValue::Null => "null".to_string(),
            BadValue::StrList(items) => go_json_string_list(items),
            BadValue::Json(text) => text.clone(),
            BadValue::Omitted => return None,
        })
    }
}

/// One validation failure on one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub kind: ErrorType,
    pub field: String,
    pub bad_value: Option<BadValue>,
    pub detail: String,
}

impl FieldError {
    pub fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Required, path, None, detail)
    }

    pub fn invalid(path: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Invalid, path, Some(value), detail)
    }

    /// An enumerated value outside `supported`; the detail lists each supported value quoted.
    pub fn not_supported(path: impl Into<String>, value: BadValue, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(ErrorType::NotSupported, path, Some(value), detail)
    }

    pub fn duplicate(path: impl Into<String>, value: BadValue) -> Self {
        Self::new(ErrorType::Duplicate, path, Some(value), "")
    }

    pub fn not_found(path: impl Into<String>, value: BadValue) -> Self {
        Self::new(ErrorType::NotFound, path, Some(value), "")
    }

    pub fn forbidden(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Forbidden, path, None, detail)
    }

    /// A value longer than `max` bytes; a negative `max` gives the generic detail.
    pub fn too_long(path: impl Into<String>, max: i64) -> Self {
        let detail = if max >= 0 {
            let unit = if max == 1 { "byte" } else { "bytes" };
            format!("may not be more than {max} {unit}")
        } else {
            "value is too long".to_string()
        };
        Self::new(ErrorType::TooLong, path, None, detail)
    }

    /// A list with more than `max` items; a negative `actual` omits the count.
    pub fn too_many(path: impl Into<String>, actual: i64, max: i64) -> Self {
        let detail = if max >= 0 {
            let unit = if max == 1 { "item" } else { "items" };
            format!("must have at most {max} {unit}")
        } else {
            "has too many items".to_string()
        };
        let value = if actual >= 0 {
            BadValue::Int(actual)
        } else {
            BadValue::Omitted
        };
        Self::new(ErrorType::TooMany, path, Some(value), detail)
    }

    pub fn internal(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Internal, path, None, detail)
    }

    fn new(
        kind: ErrorType,
        path: impl Into<String>,
        bad_value: Option<BadValue>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            kind,
            field: path.into(),
            bad_value,
            detail: detail.into(),
        }
    }

    /// The message without the `field: ` prefix (apimachinery's `ErrorBody`), used as a
    /// `StatusCause.message`.
    pub fn body(&self) -> String {
        let mut s = self.kind.as_str().to_string();
        if self.kind.shows_value()
            && let Some(rendered) = self.bad_value.as_ref().and_then(BadValue::render)
        {
            s.push_str(": ");
            s.push_str(&rendered);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }

    /// The `StatusCause.reason` for this error.
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

/// Joins errors as `ErrorList.ToAggregate().Error()` does: duplicates (by rendered text)
/// dropped, a single error bare, several as `[e1, e2]`; an empty list gives `""`.
pub fn aggregate(errs: &[FieldError]) -> String {
    let mut seen = HashSet::new();
    let mut msgs = Vec::new();
    for e in errs {
        let msg = e.to_string();
        if seen.insert(msg.clone()) {
            msgs.push(msg);
        }
    }
    match msgs.len() {
        0 => String::new(),
        1 => msgs.remove(0),
        _ => format!("[{}]", msgs.join(", ")),
    }
}

/// `path[i]`, as `field.Path.Index` renders it.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// `path[key]`, as `field.Path.Key` renders it.
pub fn key(path: &str, key: &str) -> String {
    format!("{path}[{key}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_kind_like_apimachinery() {
        let cases = [
            (
                FieldError::required("spec.usages", ""),
                "spec.usages: Required value",
            ),
            (
                FieldError::required("metadata.name", "name or generateName is required"),
                "metadata.name: Required value: name or generateName is required",
            ),
            (
                FieldError::invalid(
                    "spec.expirationSeconds",
                    BadValue::Int(599),
                    "may not specify a duration less than 600 seconds (10 minutes)",
                ),
                "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)",
            ),
            (
                FieldError::invalid(
                    "spec.request",
                    BadValue::Bytes(b"invalid data".to_vec()),
                    "x",
                ),
                "spec.request: Invalid value: \"aW52YWxpZCBkYXRh\": x",
            ),
            (
                FieldError::invalid("spec.request", BadValue::Bytes(Vec::new()), "x"),
                "spec.request: Invalid value: null: x",
            ),
            (
                FieldError::not_supported(
                    "status.conditions[0].status",
                    BadValue::Str("False".into()),
                    &["True"],
                ),
                "status.conditions[0].status: Unsupported value: \"False\": supported values: \"True\"",
            ),
            (
                FieldError::duplicate("spec.usages[1]", BadValue::Named("any".into())),
                "spec.usages[1]: Duplicate value: \"any\"",
            ),
            (
                FieldError::forbidden("metadata.namespace", "not allowed on this type"),
                "metadata.namespace: Forbidden: not allowed on this type",
            ),
            (
                FieldError::too_long("spec.signerName", 571),
                "spec.signerName: Too long: may not be more than 571 bytes",
            ),
            (
                FieldError::too_long("x", 1),
                "x: Too long: may not be more than 1 byte",
            ),
            (
                FieldError::too_long("x", -1),
                "x: Too long: value is too long",
            ),
            (
                FieldError::too_many("items", 5, 1),
                "items: Too many: 5: must have at most 1 item",
            ),
            (
                FieldError::too_many("items", -1, 4),
                "items: Too many: must have at most 4 items",
            ),
            (
                FieldError::not_found("x", BadValue::Str("y".into())),
                "x: Not found: \"y\"",
            ),
            (FieldError::internal("x", "boom"), "x: Internal error: boom"),
            (
                FieldError::invalid("x", BadValue::Null, "must be set"),
                "x: Invalid value: null: must be set",
            ),
            (
                FieldError::invalid("x", BadValue::Bool(true), ""),
                "x: Invalid value: true",
            ),
            (
                FieldError::invalid("x", BadValue::StrList(vec!["a".into()]), "d"),
                "x: Invalid value: [\"a\"]: d",
            ),
            (
                FieldError::invalid("status.certificate", BadValue::certificate_data(), "d"),
                "status.certificate: Invalid value: \"<certificate data>\": d",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn body_and_reason_feed_status_causes() {
        let e = FieldError::invalid("spec.expirationSeconds", BadValue::Int(599), "too short");
        assert_eq!(e.body(), "Invalid value: 599: too short");
        assert_eq!(e.reason(), "FieldValueInvalid");
        assert_eq!(FieldError::required("a", "").reason(), "FieldValueRequired");
        assert_eq!(
            FieldError::not_supported("a", BadValue::Omitted, &[]).reason(),
            "FieldValueNotSupported"
        );
        assert_eq!(
            FieldError::duplicate("a", BadValue::Int(1)).reason(),
            "FieldValueDuplicate"
        );
        assert_eq!(
            FieldError::forbidden("a", "").reason(),
            "FieldValueForbidden"
        );
        assert_eq!(FieldError::too_long("a", 1).reason(), "FieldValueTooLong");
        assert_eq!(
            FieldError::too_many("a", 1, 1).reason(),
            "FieldValueTooMany"
        );
        assert_eq!(
            FieldError::not_found("a", BadValue::Int(1)).reason(),
            "FieldValueNotFound"
        );
        assert_eq!(FieldError::internal("a", "x").reason(), "InternalError");
    }

    #[test]
    fn aggregate_dedups_and_brackets() {
        let a = FieldError::required("spec.usages", "");
        let b = FieldError::required("spec.signerName", "");
        assert_eq!(aggregate(&[]), "");
        assert_eq!(
            aggregate(std::slice::from_ref(&a)),
            "spec.usages: Required value"
        );
        assert_eq!(
            aggregate(&[a.clone(), b.clone(), a.clone()]),
            "[spec.usages: Required value, spec.signerName: Required value]"
        );
        // Duplicates collapsing to one message lose the brackets, as in Go.
        assert_eq!(aggregate(&[a.clone(), a]), "spec.usages: Required value");
    }

    #[test]
    fn path_helpers() {
        assert_eq!(index("spec.usages", 3), "spec.usages[3]");
        assert_eq!(key("values[0]", "app"), "values[0][app]");
    }
}
