//! Building the JSON form of a decoded protobuf message, field by field, with Go's `encoding/json`
//! rules: which fields `omitempty` drops, how `[]byte` becomes base64, how `metav1.Time` and
//! `metav1.MicroTime` print.
//!
//! Kubernetes' protobuf encoding (gogo, proto2) writes every non-pointer scalar even when it is zero,
//! while pointer fields (`*int32`, `*string`, `*bool`) are written only when set.  So a field's
//! presence on the wire says little; what matters is the Go JSON tag of the field.  [`Obj`] has one
//! method per kind of tag, and every converter names the tag it is reproducing.
//!
//! Where Go would write `null` (a nil slice or `[]byte` without `omitempty`, a zero `metav1.Time`),
//! the key is left out instead: the rest of the server reads both the same way, and the JSON a
//! kubectl sends for the same object has no such key either.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use jiff::tz::Offset;
use k8s_pb::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use serde_json::{Map, Value};

/// Why a decoded message could not be turned into JSON.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The bytes are not a valid protobuf encoding of the expected message.
    #[error("{0}")]
    Decode(#[from] prost::DecodeError),
    /// A `metav1.Time`/`MicroTime` that has no RFC 3339 form (years 0000–9999).
    #[error("{field}: time {seconds}s {nanos}ns is outside the range RFC 3339 can express")]
    TimeOutOfRange {
        field: &'static str,
        seconds: i64,
        nanos: i32,
    },
    /// `managedFields[].fieldsV1` must hold JSON.
    #[error("metadata.managedFields[{index}].fieldsV1: {source}")]
    FieldsV1 {
        index: usize,
        source: serde_json::Error,
    },
}

/// A `metav1.Time` or `metav1.MicroTime` on the wire: `seconds` and `nanos` since the Unix epoch.
pub(super) trait Stamp {
    fn parts(&self) -> (Option<i64>, Option<i32>);
}

impl Stamp for Time {
    fn parts(&self) -> (Option<i64>, Option<i32>) {
        (self.seconds, self.nanos)
    }
}

impl Stamp for MicroTime {
    fn parts(&self) -> (Option<i64>, Option<i32>) {
        (self.seconds, self.nanos)
    }
}

/// Seconds from the Unix epoch to Go's zero `time.Time` (0001-01-01T00:00:00Z).
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// How many fractional digits a time prints with.
#[derive(Clone, Copy)]
enum Precision {
    /// `metav1.Time`: RFC 3339, whole seconds.
    Seconds,
    /// `metav1.MicroTime`: RFC 3339 with exactly six fractional digits.
    Micros,
}

/// Format a time as Go's `metav1.Time`/`MicroTime` `MarshalJSON` does, or `None` for the zero time
/// (which Go prints as `null`).
///
/// Go's `Time.Unmarshal` turns an empty message into the zero time and anything else into
/// `time.Unix(seconds, nanos)`, which normalises `nanos` into `[0, 1e9)`; JSON then truncates
/// (never rounds) to the precision.
fn format_stamp(
    field: &'static str,
    stamp: &dyn Stamp,
    precision: Precision,
) -> Result<Option<String>, ConvertError> {
    let (seconds, nanos) = stamp.parts();
    if seconds.is_none() && nanos.is_none() {
        return Ok(None);
    }
    let (seconds, nanos) = (seconds.unwrap_or(0), nanos.unwrap_or(0));
    let out_of_range = || ConvertError::TimeOutOfRange {
        field,
        seconds,
        nanos,
    };
    let whole = seconds
        .checked_add(i64::from(nanos.div_euclid(1_000_000_000)))
        .ok_or_else(out_of_range)?;
    let frac = nanos.rem_euclid(1_000_000_000);
    if whole == GO_ZERO_TIME_UNIX && frac == 0 {
        return Ok(None);
    }
    let ts = Timestamp::from_second(whole).map_err(|_| out_of_range())?;
    let dt = Offset::UTC.to_datetime(ts);
    if dt.year() < 0 {
        return Err(out_of_range());
    }
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    Ok(Some(match precision {
        Precision::Seconds => format!("{base}Z"),
        Precision::Micros => format!("{base}.{:06}Z", frac / 1000),
    }))
}

/// One JSON object under construction; each method reproduces one kind of Go JSON tag.
#[derive(Default)]
pub(super) struct Obj(Map<String, Value>);

impl Obj {
    pub(super) fn new() -> Self {
        Obj::default()
    }

    pub(super) fn build(self) -> Value {
        Value::Object(self.0)
    }

    pub(super) fn into_map(self) -> Map<String, Value> {
        self.0
    }

    fn put(mut self, key: &str, value: Value) -> Self {
        self.0.insert(key.to_string(), value);
        self
    }

    /// `string` with `omitempty`.
    pub(super) fn str(self, key: &str, v: &Option<String>) -> Self {
        match v.as_deref() {
            None | Some("") => self,
            Some(s) => self.put(key, Value::String(s.to_string())),
        }
    }

    /// `string` without `omitempty`: always present.
    pub(super) fn str_req(self, key: &str, v: &Option<String>) -> Self {
        let s = v.clone().unwrap_or_default();
        self.put(key, Value::String(s))
    }

    /// `*string` with `omitempty`: present when set, even when empty.
    pub(super) fn str_ptr(self, key: &str, v: &Option<String>) -> Self {
        match v {
            None => self,
            Some(s) => self.put(key, Value::String(s.clone())),
        }
    }

    /// An integer with `omitempty`: dropped when zero.
    pub(super) fn int<T: Into<i64> + Copy>(self, key: &str, v: Option<T>) -> Self {
        match v.map(Into::into) {
            None | Some(0) => self,
            Some(n) => self.put(key, Value::from(n)),
        }
    }

    /// `*int32`/`*int64` with `omitempty`: present when set, even when zero.
    pub(super) fn int_ptr<T: Into<i64> + Copy>(self, key: &str, v: Option<T>) -> Self {
        match v.map(Into::into) {
            None => self,
            Some(n) => self.put(key, Value::from(n)),
        }
    }

    /// `bool` without `omitempty`: always present.
    pub(super) fn bool_req(self, key: &str, v: Option<bool>) -> Self {
        self.put(key, Value::Bool(v.unwrap_or(false)))
    }

    /// `bool` with `omitempty`: dropped when false.
    pub(super) fn bool(self, key: &str, v: Option<bool>) -> Self {
        match v {
            Some(true) => self.put(key, Value::Bool(true)),
            _ => self,
        }
    }

    /// `*bool` with `omitempty`: present when set, even when false.
    pub(super) fn bool_ptr(self, key: &str, v: Option<bool>) -> Self {
        match v {
            None => self,
            Some(b) => self.put(key, Value::Bool(b)),
        }
    }

    /// `[]string` with `omitempty`.
    pub(super) fn strs(self, key: &str, v: &[String]) -> Self {
        if v.is_empty() {
            self
        } else {
            self.strs_req(key, v)
        }
    }

    /// `[]string` without `omitempty`: always present (`[]` where Go would write `null`, so that
    /// typed decoding of a required list still succeeds and validation reports it).
    pub(super) fn strs_req(self, key: &str, v: &[String]) -> Self {
        let items = v.iter().map(|s| Value::String(s.clone())).collect();
        self.put(key, Value::Array(items))
    }

    /// `map[string]string` with `omitempty`.
    pub(super) fn str_map(self, key: &str, v: &BTreeMap<String, String>) -> Self {
        if v.is_empty() {
            return self;
        }
        let map = v
            .iter()
            .map(|(k, s)| (k.clone(), Value::String(s.clone())))
            .collect();
        self.put(key, Value::Object(map))
    }

    /// `map[string]ExtraValue` (`ExtraValue` = `[]string`) with `omitempty`.  Each group has its own
    /// generated `ExtraValue`, so the caller passes the string lists.
    pub(super) fn extra<'a>(
        self,
        key: &str,
        v: impl ExactSizeIterator<Item = (&'a String, &'a [String])>,
    ) -> Self {
        if v.len() == 0 {
            return self;
        }
        let map = v
            .map(|(k, items)| {
                let list = items.iter().map(|s| Value::String(s.clone())).collect();
                (k.clone(), Value::Array(list))
            })
            .collect();
        self.put(key, Value::Object(map))
    }

    /// `[]byte` with `omitempty`: base64, dropped when empty.
    pub(super) fn bytes(self, key: &str, v: &Option<Vec<u8>>) -> Self {
        match v {
            Some(b) if !b.is_empty() => self.put(key, Value::String(STANDARD.encode(b))),
            _ => self,
        }
    }

    /// `[]byte` without `omitempty`: base64 whenever the field was on the wire (Go decodes an
    /// absent field as a nil slice and writes `null`, which is left out).
    pub(super) fn bytes_req(self, key: &str, v: &Option<Vec<u8>>) -> Self {
        match v {
            Some(b) => self.put(key, Value::String(STANDARD.encode(b))),
            None => self,
        }
    }

    /// A struct-typed field: Go writes structs even with `omitempty`.
    pub(super) fn obj(self, key: &str, v: Value) -> Self {
        self.put(key, v)
    }

    /// A pointer-to-struct field with `omitempty`: present when set.
    pub(super) fn obj_opt(self, key: &str, v: Option<Value>) -> Self {
        match v {
            None => self,
            Some(v) => self.put(key, v),
        }
    }

    /// A slice of structs with `omitempty`.
    pub(super) fn list(self, key: &str, v: Vec<Value>) -> Self {
        if v.is_empty() {
            self
        } else {
            self.put(key, Value::Array(v))
        }
    }

    /// A slice of structs without `omitempty`: always present.
    pub(super) fn list_req(self, key: &str, v: Vec<Value>) -> Self {
        self.put(key, Value::Array(v))
    }

    /// A `metav1.Time` (or `*metav1.Time`): RFC 3339 in UTC, whole seconds; left out when zero.
    pub(super) fn time(self, key: &'static str, v: Option<&Time>) -> Result<Self, ConvertError> {
        self.stamp(key, v.map(|t| t as &dyn Stamp), Precision::Seconds)
    }

    /// A `*metav1.MicroTime`: RFC 3339 in UTC with six fractional digits; left out when zero.
    pub(super) fn micro_time(
        self,
        key: &'static str,
        v: Option<&MicroTime>,
    ) -> Result<Self, ConvertError> {
        self.stamp(key, v.map(|t| t as &dyn Stamp), Precision::Micros)
    }

    fn stamp(
        self,
        key: &'static str,
        v: Option<&dyn Stamp>,
        precision: Precision,
    ) -> Result<Self, ConvertError> {
        let Some(stamp) = v else { return Ok(self) };
        Ok(match format_stamp(key, stamp, precision)? {
            Some(s) => self.put(key, Value::String(s)),
            None => self,
        })
    }
}

/// Convert each element of a repeated message field.
pub(super) fn each<T>(
    items: &[T],
    f: impl Fn(&T) -> Result<Value, ConvertError>,
) -> Result<Vec<Value>, ConvertError> {
    items.iter().map(f).collect()
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;

    fn time(seconds: Option<i64>, nanos: Option<i32>) -> Time {
        Time { seconds, nanos }
    }

    fn micro(seconds: Option<i64>, nanos: Option<i32>) -> MicroTime {
        MicroTime { seconds, nanos }
    }

    fn fmt_time(t: &Time) -> Option<String> {
        format_stamp("t", t, Precision::Seconds).unwrap()
    }

    fn fmt_micro(t: &MicroTime) -> Option<String> {
        format_stamp("t", t, Precision::Micros).unwrap()
    }

    #[test]
    fn time_is_rfc3339_whole_seconds_truncated() {
        let t = time(Some(1_700_000_000), Some(999_999_999));
        assert_eq!(fmt_time(&t).as_deref(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(
            fmt_time(&time(Some(0), None)).as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
    }

    #[test]
    fn zero_times_are_left_out() {
        assert_eq!(fmt_time(&time(None, None)), None);
        assert_eq!(fmt_time(&time(Some(GO_ZERO_TIME_UNIX), Some(0))), None);
        assert_eq!(fmt_micro(&micro(None, None)), None);
    }

    #[test]
    fn micro_time_has_six_digits() {
        let t = micro(Some(1_700_000_000), Some(123_456_789));
        assert_eq!(
            fmt_micro(&t).as_deref(),
            Some("2023-11-14T22:13:20.123456Z")
        );
        let t = micro(Some(1_700_000_000), None);
        assert_eq!(
            fmt_micro(&t).as_deref(),
            Some("2023-11-14T22:13:20.000000Z")
        );
    }

    #[test]
    fn nanos_are_normalised_like_go_time_unix() {
        // time.Unix(10, -1) is 9.999999999s after the epoch.
        let t = micro(Some(10), Some(-1));
        assert_eq!(
            fmt_micro(&t).as_deref(),
            Some("1970-01-01T00:00:09.999999Z")
        );
        let t = time(Some(10), Some(2_100_000_000));
        assert_eq!(fmt_time(&t).as_deref(), Some("1970-01-01T00:00:12Z"));
    }

    #[test]
    fn years_outside_rfc3339_are_errors() {
        for t in [
            time(Some(i64::MAX), Some(i32::MAX)),
            time(Some(i64::MIN), None),
            time(Some(300_000_000_000), None),
            time(Some(GO_ZERO_TIME_UNIX - 800 * 86_400), None),
        ] {
            let err = format_stamp("creationTimestamp", &t, Precision::Seconds).unwrap_err();
            assert!(
                err.to_string().starts_with("creationTimestamp: time "),
                "{err}"
            );
        }
        // Year 0001 is fine and is not Go's zero time when a nanosecond is set.
        let t = time(Some(GO_ZERO_TIME_UNIX), Some(1));
        assert_eq!(fmt_time(&t).as_deref(), Some("0001-01-01T00:00:00Z"));
    }
}
