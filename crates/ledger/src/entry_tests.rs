//! Tests of the canonical entry encoding and the version 1 reader.

use super::*;
use crate::test_support::{issued, requested};

/// A version 1 entry as written on 2026-11-28; the version 1 reader must keep reading it.
const V1_GOLDEN: &str = r#"{"condition":{"message":"no\n","reason":"KubectlDeny","type":"Denied"},"csr":{"name":"csr-é\"1","request_sha256":"0000000000000000000000000000000000000000000000000000000000000000","signer_name":"example.com/signer","usages":[]},"entry_sha256":"75f9a7f30bb814743ecad867432ff4848ebd5f3e2d0eff68b8ffe761d97243d2","index":0,"key_provenance":{"declared":"laptop","disagreement":true,"inferred":"kubelet"},"kind":"denied","policy":{"dry_run":true,"name":"p","outcome":"no_opinion","reason":"r","version":"3"},"recorded_at":"2026-11-28T10:00:00Z","requester":{"extra":{},"groups":[],"username":"u"},"version":1}"#;

fn minimal() -> LedgerEntry {
    LedgerEntry {
        version: 1,
        index: 0,
        kind: EntryKind::Denied,
        recorded_at: "2026-11-28T10:00:00Z".parse().unwrap(),
        csr: CsrRecord {
            name: "csr-é\"1".to_owned(),
            uid: None,
            signer_name: "example.com/signer".to_owned(),
            usages: vec![],
            requested_lifetime_seconds: None,
            request_sha256: "00".repeat(32),
        },
        requester: UserRecord {
            username: "u".to_owned(),
            ..UserRecord::default()
        },
        actor: None,
        condition: Some(ConditionRecord {
            type_: "Denied".to_owned(),
            reason: "KubectlDeny".to_owned(),
            message: "no\n".to_owned(),
        }),
        approver: None,
        signer_identity: None,
        policy: Some(PolicyRecord {
            name: "p".to_owned(),
            version: "3".to_owned(),
            outcome: PolicyOutcome::NoOpinion,
            dry_run: true,
            reason: "r".to_owned(),
        }),
        certificate: None,
        key_provenance: KeyProvenance::new(Some("laptop".to_owned()), Some(KeyOrigin::Kubelet)),
    }
}

#[test]
fn version_1_golden_bytes_are_what_encode_writes_and_decode_reads() {
    let bytes = encode(&minimal()).unwrap();
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), V1_GOLDEN);
    assert_eq!(decode(V1_GOLDEN.as_bytes()), Ok(minimal()));
}

#[test]
fn full_entries_round_trip() {
    for entry in [requested(4, "a"), issued(5, "b", b"der")] {
        let bytes = encode(&entry).unwrap();
        assert_eq!(decode(&bytes), Ok(entry.clone()));
        // Encoding is a function of the entry: twice the same bytes.
        assert_eq!(encode(&entry).unwrap(), bytes);
    }
}

#[test]
fn keys_are_sorted_and_there_is_no_whitespace() {
    let text = String::from_utf8(encode(&issued(0, "x", b"d")).unwrap()).unwrap();
    assert!(text.starts_with(
        r#"{"actor":{"authorized_by":{"binding":"ClusterRoleBinding/csr-creators","role":"ClusterRole/csr-creator","subject":"Group/dev"},"groups":["dev"],"username":"alice"},"approver":"bob","certificate":{"issuer_key_id":"0a0b","not_after":"2026-11-28T11:00:00Z","#
    ), "{text}");
    assert!(
        text.ends_with(r#""signer_identity":"signet:controller:signer","version":1}"#),
        "{text}"
    );
    assert!(!text.contains(": ") && !text.contains(", ") && !text.contains('\n'));
}

fn reencode_with(value: &Value) -> Vec<u8> {
    // Builds bytes with a correct digest around an arbitrary (possibly invalid) entry body.
    let mut body = Vec::new();
    write_canonical(value, &mut body).unwrap();
    let mut value = value.clone();
    value
        .as_object_mut()
        .unwrap()
        .insert(DIGEST_FIELD.to_owned(), Value::String(sha256_hex(&body)));
    let mut out = Vec::new();
    write_canonical(&value, &mut out).unwrap();
    out
}

fn minimal_value() -> Value {
    serde_json::to_value(minimal()).unwrap()
}

#[test]
fn non_canonical_bytes_are_refused() {
    let text = V1_GOLDEN.to_owned();
    let spaced = text.replacen(",", ", ", 1);
    assert_eq!(decode(spaced.as_bytes()), Err(EntryError::NotCanonical));
    let escaped = text.replacen("é", "\\u00e9", 1);
    assert_eq!(decode(escaped.as_bytes()), Err(EntryError::NotCanonical));
    let newline = format!("{text}\n");
    assert_eq!(decode(newline.as_bytes()), Err(EntryError::NotCanonical));
    let mut with_null = minimal_value();
    with_null["approver"] = Value::Null;
    assert_eq!(
        decode(&reencode_with(&with_null)),
        Err(EntryError::NotCanonical)
    );
}

#[test]
fn the_digest_names_a_changed_entry() {
    let changed = V1_GOLDEN.replacen("\"u\"", "\"v\"", 1);
    assert_eq!(decode(changed.as_bytes()), Err(EntryError::DigestMismatch));
    let mut value: Value = serde_json::from_str(V1_GOLDEN).unwrap();
    value.as_object_mut().unwrap().remove(DIGEST_FIELD);
    let mut stripped = Vec::new();
    write_canonical(&value, &mut stripped).unwrap();
    assert_eq!(decode(&stripped), Err(EntryError::MissingDigest));
}

#[test]
fn versions_are_read_by_their_own_reader() {
    let mut v2 = minimal_value();
    v2["version"] = Value::from(2);
    assert_eq!(
        decode(&reencode_with(&v2)),
        Err(EntryError::UnsupportedVersion(2))
    );
    let mut none = minimal_value();
    none.as_object_mut().unwrap().remove("version");
    assert_eq!(
        decode(&reencode_with(&none)),
        Err(EntryError::MissingVersion)
    );
    let mut unknown = minimal_value();
    unknown["surprise"] = Value::from(1);
    let err = decode(&reencode_with(&unknown)).unwrap_err();
    assert!(
        matches!(&err, EntryError::Schema { version: 1, message } if message.starts_with("unknown field `surprise`")),
        "{err:?}"
    );
    assert!(matches!(decode(b"[1,2"), Err(EntryError::Syntax(_))));
    assert_eq!(decode(b"[]"), Err(EntryError::MissingDigest));
}

#[test]
fn digests_must_be_lowercase_hex_sha256() {
    let mut upper = minimal_value();
    upper["csr"]["request_sha256"] = Value::from("AB".repeat(32));
    assert_eq!(
        decode(&reencode_with(&upper)),
        Err(EntryError::BadDigest {
            field: "csr.request_sha256"
        })
    );
    let mut entry = issued(0, "n", b"d");
    if let Some(cert) = entry.certificate.as_mut() {
        cert.sha256_fingerprint = "12".to_owned();
    }
    assert_eq!(
        decode(&encode(&entry).unwrap()),
        Err(EntryError::BadDigest {
            field: "certificate.sha256_fingerprint"
        })
    );
}

#[test]
fn strings_use_minimal_escapes_and_floats_are_refused() {
    let mut out = Vec::new();
    write_string("a\"\\\u{8}\u{c}\n\r\t\u{1}\u{1f}/é\u{7f}😀", &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f/é\u{7f}😀\""
    );
    let mut out = Vec::new();
    assert_eq!(
        write_canonical(&serde_json::json!({"a": 1.5}), &mut out),
        Err(EntryError::Float)
    );
    let mut out = Vec::new();
    write_canonical(
        &serde_json::json!({"b": -3, "a": [u64::MAX, true, null]}),
        &mut out,
    )
    .unwrap();
    assert_eq!(out, br#"{"a":[18446744073709551615,true,null],"b":-3}"#);
}

#[test]
fn key_provenance_flags_disagreement_only_when_both_sides_are_known() {
    let agree = KeyProvenance::new(Some("kubelet".to_owned()), Some(KeyOrigin::Kubelet));
    assert!(!agree.disagreement);
    let differ = KeyProvenance::new(Some("human-operator".to_owned()), Some(KeyOrigin::Kubelet));
    assert!(differ.disagreement);
    let unknown_value = KeyProvenance::new(Some("laptop".to_owned()), Some(KeyOrigin::Kubelet));
    assert!(unknown_value.disagreement);
    assert!(!KeyProvenance::new(None, Some(KeyOrigin::Kubelet)).disagreement);
    assert!(!KeyProvenance::new(Some("kubelet".to_owned()), None).disagreement);
    for origin in [
        "human-operator",
        "automated-workflow",
        "kubelet",
        "platform-controller",
    ] {
        let parsed = KeyOrigin::parse(origin).unwrap();
        assert_eq!(parsed.as_str(), origin);
        assert_eq!(serde_json::to_value(parsed).unwrap(), Value::from(origin));
    }
    assert_eq!(KeyOrigin::parse("Kubelet"), None);
    assert_eq!(KEY_ORIGIN_ANNOTATION, "signet.dev/key-origin");
}

#[test]
fn timestamps_are_utc_with_fractions_only_when_present() {
    let mut entry = minimal();
    entry.recorded_at = "2026-11-28T10:00:00.5Z".parse().unwrap();
    let text = String::from_utf8(encode(&entry).unwrap()).unwrap();
    assert!(
        text.contains(r#""recorded_at":"2026-11-28T10:00:00.5Z""#),
        "{text}"
    );
    assert_eq!(decode(text.as_bytes()), Ok(entry));
    let mut offset = minimal_value();
    offset["recorded_at"] = Value::from("2026-11-28T11:00:00+01:00");
    assert_eq!(
        decode(&reencode_with(&offset)),
        Err(EntryError::NotCanonical)
    );
}
