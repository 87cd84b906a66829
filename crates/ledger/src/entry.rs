//! Ledger entries: what one state change of one CertificateSigningRequest records, and the
//! canonical, versioned byte encoding that is hashed into the Merkle log.
//!
//! Start with [`LedgerEntry`] and the pair [`encode`] / [`decode`]. The encoding is canonical
//! JSON (the rules are in [`encode`]'s documentation) so that one entry has exactly one byte
//! string: the log hashes bytes, and a verifier must be able to tell a changed entry from a
//! re-serialised one. `decode` therefore refuses any input that is not byte-for-byte what
//! `encode` would write.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The entry format version this crate writes.
pub const CURRENT_VERSION: u32 = 1;

/// The annotation by which a requester declares where its private key came from.
pub const KEY_ORIGIN_ANNOTATION: &str = "signet.dev/key-origin";

/// What happened to the CSR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Requested,
    Approved,
    Denied,
    Failed,
    Issued,
    Deleted,
    /// An automated policy evaluated the CSR (also recorded for dry runs).
    PolicyDecision,
}

/// One record in the ledger (format version 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerEntry {
    /// The format version; [`decode`] picks its reader by this field.
    pub version: u32,
    /// The entry's position in the log (its Merkle leaf index), so that a removed or moved
    /// entry is named by the first entry found out of place.
    pub index: u64,
    pub kind: EntryKind,
    pub recorded_at: Timestamp,
    pub csr: CsrRecord,
    /// The user that created the CSR, as the API server recorded it in the spec.
    pub requester: UserRecord,
    /// Who performed this change and which RBAC grant allowed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<ActorRecord>,
    /// The `Approved` / `Denied` / `Failed` condition this change added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<ConditionRecord>,
    /// The username that approved the CSR, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// The signer (controller identity) that issued or failed the certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_identity: Option<String>,
    /// The automated policy that decided, for policy decisions and auto-approvals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRecord>,
    /// The issued certificate, for `issued` entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateRecord>,
    pub key_provenance: KeyProvenance,
}

/// The CSR's identity and its immutable spec fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsrRecord {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub signer_name: String,
    pub usages: Vec<String>,
    /// `spec.expirationSeconds`, when the requester asked for a lifetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_lifetime_seconds: Option<i32>,
    /// Lowercase hex SHA-256 of the PEM bytes of `spec.request`.
    pub request_sha256: String,
}

/// An authenticated user as Kubernetes records it (`username`, `uid`, `groups`, `extra`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRecord {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub groups: Vec<String>,
    pub extra: BTreeMap<String, Vec<String>>,
}

/// The user behind a change, and the RBAC reason the authorizer gave for allowing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorRecord {
    pub username: String,
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_by: Option<RbacReason>,
}

/// The grant that allowed an action, each part written `Kind/name` (namespaced objects
/// `Kind/namespace/name`), e.g. `ClusterRoleBinding/csr-approvers`, `ClusterRole/approver`,
/// `Group/ops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RbacReason {
    pub binding: String,
    pub role: String,
    pub subject: String,
}

/// A condition as it was written to `status.conditions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionRecord {
    #[serde(rename = "type")]
    pub type_: String,
    pub reason: String,
    pub message: String,
}

/// What an automated policy decided, and under which policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub name: String,
    pub version: String,
    pub outcome: PolicyOutcome,
    /// A dry run decides and records, but changes nothing on the CSR.
    pub dry_run: bool,
    pub reason: String,
}

/// A policy's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyOutcome {
    Approve,
    Deny,
    /// The policy does not apply; a human decides.
    NoOpinion,
}

/// The certificate a signer issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateRecord {
    /// Lowercase hex of the serial number's big-endian bytes.
    pub serial: String,
    /// Lowercase hex SHA-256 of the certificate's DER.
    pub sha256_fingerprint: String,
    pub subject: String,
    pub sans: Vec<String>,
    /// Lowercase hex of the issuing CA's subject key identifier.
    pub issuer_key_id: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
}

/// Where the private key came from: what the requester declared (verbatim, since anyone can
/// write any annotation value) beside what Signet inferred from the requester's identity.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyProvenance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inferred: Option<KeyOrigin>,
    /// True when both are known and differ (an unknown declared value differs from any origin).
    pub disagreement: bool,
}

impl KeyProvenance {
    /// Records both sides and computes the disagreement flag.
    pub fn new(declared: Option<String>, inferred: Option<KeyOrigin>) -> Self {
        let disagreement = match (&declared, inferred) {
            (Some(d), Some(i)) => d != i.as_str(),
            _ => false,
        };
        Self {
            declared,
            inferred,
            disagreement,
        }
    }
}

/// The key origins Signet knows, as written in the `signet.dev/key-origin` annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyOrigin {
    HumanOperator,
    AutomatedWorkflow,
    Kubelet,
    PlatformController,
}

impl KeyOrigin {
    /// The annotation value for this origin.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyOrigin::HumanOperator => "human-operator",
            KeyOrigin::AutomatedWorkflow => "automated-workflow",
            KeyOrigin::Kubelet => "kubelet",
            KeyOrigin::PlatformController => "platform-controller",
        }
    }

    /// Parses an annotation value; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        [
            KeyOrigin::HumanOperator,
            KeyOrigin::AutomatedWorkflow,
            KeyOrigin::Kubelet,
            KeyOrigin::PlatformController,
        ]
        .into_iter()
        .find(|origin| origin.as_str() == value)
    }
}

/// Why bytes are not a ledger entry, or an entry cannot be encoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntryError {
    #[error("entry is not valid JSON: {0}")]
    Syntax(String),
    #[error("entry has no numeric \"version\" field")]
    MissingVersion,
    #[error("unsupported entry version {0}")]
    UnsupportedVersion(u64),
    #[error("entry does not match format version {version}: {message}")]
    Schema { version: u32, message: String },
    #[error("entry is not in canonical encoding")]
    NotCanonical,
    #[error("entry field {field} is not lowercase hex SHA-256")]
    BadDigest { field: &'static str },
    #[error("entry contains a floating-point number, which has no canonical form")]
    Float,
    #[error("entry has no \"entry_sha256\" field")]
    MissingDigest,
    #[error("entry content does not match its entry_sha256")]
    DigestMismatch,
}

/// The member holding the hex SHA-256 of the rest of the entry (see [`encode`], rule 7).
const DIGEST_FIELD: &str = "entry_sha256";

/// Encodes an entry canonically.
///
/// The rules, which every reader and writer of version 1 must follow:
/// 1. UTF-8 JSON (RFC 8259) with no insignificant whitespace: no space, tab or newline outside
///    strings, and no trailing newline.
/// 2. Object members are sorted by key, comparing the keys' UTF-8 bytes; keys are unique.
/// 3. Strings are written with the minimal escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`,
///    other characters below U+0020 as `\u00xx` (lowercase hex), everything else literally
///    (no `\u` escapes for non-ASCII, `/` is not escaped).
/// 4. Numbers are integers in shortest decimal form (no `+`, no leading zeros, no exponent,
///    no fraction); floating-point numbers are not allowed.
/// 5. Optional fields that are absent are omitted, never `null`; lists and maps are always
///    written, empty as `[]` / `{}`.
/// 6. Timestamps are RFC 3339 strings in UTC (`Z`), fractional seconds only when non-zero.
/// 7. The top-level object has one member more than [`LedgerEntry`]: `entry_sha256`, the
///    lowercase hex SHA-256 of the canonical encoding of the object without that member. It
///    is not a security measure (the signed tree head is); it lets a verifier name exactly
///    which entry was damaged instead of only learning that the tree head differs.
pub fn encode(entry: &LedgerEntry) -> Result<Vec<u8>, EntryError> {
    let mut value = serde_json::to_value(entry).map_err(|e| EntryError::Schema {
        version: entry.version,
        message: e.to_string(),
    })?;
    let mut body = Vec::with_capacity(512);
    write_canonical(&value, &mut body)?;
    if let Value::Object(map) = &mut value {
        map.insert(DIGEST_FIELD.to_owned(), Value::String(sha256_hex(&body)));
    }
    let mut out = Vec::with_capacity(body.len() + 90);
    write_canonical(&value, &mut out)?;
    Ok(out)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Decodes an entry, choosing the reader by its `version` field, and refuses any bytes that
/// are not the canonical encoding of the decoded entry.
pub fn decode(bytes: &[u8]) -> Result<LedgerEntry, EntryError> {
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| EntryError::Syntax(e.to_string()))?;
    let claimed = match &mut value {
        Value::Object(map) => map.remove(DIGEST_FIELD),
        _ => None,
    };
    let Some(Value::String(claimed)) = claimed else {
        return Err(EntryError::MissingDigest);
    };
    let mut body = Vec::with_capacity(bytes.len());
    write_canonical(&value, &mut body)?;
    if sha256_hex(&body) != claimed {
        return Err(EntryError::DigestMismatch);
    }
    let version = value
        .get("version")
        .and_then(Value::as_u64)
        .ok_or(EntryError::MissingVersion)?;
    let entry = match version {
        1 => decode_v1(value)?,
        other => return Err(EntryError::UnsupportedVersion(other)),
    };
    if encode(&entry)? != bytes {
        return Err(EntryError::NotCanonical);
    }
    Ok(entry)
}

/// The reader for format version 1. When version 2 arrives, this keeps reading version 1
/// records (into the version 1 shape, converted forward) so old logs stay verifiable.
fn decode_v1(value: Value) -> Result<LedgerEntry, EntryError> {
    let entry: LedgerEntry = serde_json::from_value(value).map_err(|e| EntryError::Schema {
        version: 1,
        message: e.to_string(),
    })?;
    check_digest("csr.request_sha256", &entry.csr.request_sha256)?;
    if let Some(cert) = &entry.certificate {
        check_digest("certificate.sha256_fingerprint", &cert.sha256_fingerprint)?;
    }
    Ok(entry)
}

fn check_digest(field: &'static str, value: &str) -> Result<(), EntryError> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if ok {
        Ok(())
    } else {
        Err(EntryError::BadDigest { field })
    }
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) -> Result<(), EntryError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(EntryError::Float);
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map type: serde_json's `preserve_order`
            // feature, if any crate in a build enables it, keeps insertion order instead.
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_canonical(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Rule 3 of [`encode`], written out so that it does not depend on a serializer's choices.
fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for ch in s.chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
#[path = "entry_tests.rs"]
mod tests;
