//! ObjectMeta rules, each asserted with the exact upstream message.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    ManagedFieldsEntry, ObjectMeta, OwnerReference, Time,
};

use super::*;
use crate::field::aggregate;

fn named(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        ..ObjectMeta::default()
    }
}

fn create(meta: &ObjectMeta) -> Vec<String> {
    validate_object_meta(meta, false, &path_segment_name, "metadata")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn ts(s: &str) -> Time {
    Time(s.parse().expect("timestamp"))
}

#[test]
fn name_or_generate_name_required() {
    assert_eq!(
        create(&ObjectMeta::default()),
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    assert!(create(&named("csr-1")).is_empty());
}

#[test]
fn path_segment_rules_for_name_and_generate_name() {
    assert_eq!(
        create(&named("..")),
        vec!["metadata.name: Invalid value: \"..\": may not be '..'"]
    );
    assert_eq!(
        create(&named(".")),
        vec!["metadata.name: Invalid value: \".\": may not be '.'"]
    );
    assert_eq!(
        create(&named("a/b%")),
        vec![
            "metadata.name: Invalid value: \"a/b%\": may not contain '/'",
            "metadata.name: Invalid value: \"a/b%\": may not contain '%'"
        ]
    );
    let meta = ObjectMeta {
        generate_name: Some("x/".to_string()),
        name: Some("x/abcde".to_string()),
        ..ObjectMeta::default()
    };
    assert_eq!(
        create(&meta),
        vec![
            "metadata.generateName: Invalid value: \"x/\": may not contain '/'",
            "metadata.name: Invalid value: \"x/abcde\": may not contain '/'"
        ]
    );
    // The CSR name rule accepts anything.
    assert!(validate_object_meta(&named("a/b"), false, &any_name, "metadata").is_empty());
}

#[test]
fn namespace_scope() {
    let mut meta = named("x");
    meta.namespace = Some("default".to_string());
    assert_eq!(
        create(&meta),
        vec!["metadata.namespace: Forbidden: not allowed on this type"]
    );
    let namespaced = |m: &ObjectMeta| {
        aggregate(&validate_object_meta(
            m,
            true,
            &path_segment_name,
            "metadata",
        ))
    };
    assert_eq!(namespaced(&meta), "");
    assert_eq!(
        namespaced(&named("x")),
        "metadata.namespace: Required value"
    );
    meta.namespace = Some("Bad_NS".to_string());
    assert_eq!(
        namespaced(&meta),
        "metadata.namespace: Invalid value: \"Bad_NS\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    );
}

#[test]
fn negative_generation() {
    let mut meta = named("x");
    meta.generation = Some(-1);
    assert_eq!(
        create(&meta),
        vec!["metadata.generation: Invalid value: -1: must be greater than or equal to 0"]
    );
}

#[test]
fn labels() {
    let mut meta = named("x");
    meta.labels = Some(BTreeMap::from([
        ("good".to_string(), "value".to_string()),
        ("bad key!".to_string(), "-bad".to_string()),
    ]));
    assert_eq!(
        create(&meta),
        vec![
            "metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ]
    );
}

#[test]
fn annotations_keys_and_total_size() {
    let mut meta = named("x");
    meta.annotations = Some(BTreeMap::from([
        (
            "Example.COM/Key".to_string(),
            "any value at all".to_string(),
        ),
        ("/nokey".to_string(), String::new()),
    ]));
    assert_eq!(
        create(&meta),
        vec!["metadata.annotations: Invalid value: \"/nokey\": prefix part must be non-empty"]
    );
    let big = "v".repeat(TOTAL_ANNOTATION_SIZE_LIMIT);
    meta.annotations = Some(BTreeMap::from([("k".to_string(), big.clone())]));
    assert_eq!(
        create(&meta),
        vec!["metadata.annotations: Too long: may not be more than 262144 bytes"]
    );
    meta.annotations = Some(BTreeMap::from([(String::new(), big)]));
    // Two messages for the empty key; a total of exactly the limit is allowed.
    assert_eq!(create(&meta).len(), 2);
}

#[test]
fn finalizers() {
    let mut meta = named("x");
    meta.finalizers = Some(vec![
        "example.com/cleanup".to_string(),
        "orphan".to_string(),
        "foregroundDeletion".to_string(),
        "bad/".to_string(),
    ]);
    assert_eq!(
        create(&meta),
        vec![
            "metadata.finalizers: Invalid value: \"bad/\": name part must be non-empty",
            "metadata.finalizers: Invalid value: \"bad/\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "metadata.finalizers: Invalid value: [\"example.com/cleanup\",\"orphan\",\"foregroundDeletion\",\"bad/\"]: finalizer orphan and foregroundDeletion cannot be both set"
        ]
    );
}

#[test]
fn owner_references() {
    let good = OwnerReference {
        api_version: "apps/v1".to_string(),
        kind: "Deployment".to_string(),
        name: "web".to_string(),
        uid: "u1".to_string(),
        controller: Some(true),
        block_owner_deletion: None,
    };
    let mut meta = named("x");
    meta.owner_references = Some(vec![good.clone()]);
    assert!(create(&meta).is_empty());

    let empty = OwnerReference::default();
    meta.owner_references = Some(vec![empty]);
    assert_eq!(
        create(&meta),
        vec![
            "metadata.ownerReferences.apiVersion: Invalid value: \"\": version must not be empty",
            "metadata.ownerReferences.kind: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.name: Invalid value: \"\": must not be empty",
            "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty"
        ]
    );

    let event = OwnerReference {
        api_version: "v1".to_string(),
        kind: "Event".to_string(),
        name: "e".to_string(),
        uid: "u2".to_string(),
        ..OwnerReference::default()
    };
    meta.owner_references = Some(vec![event]);
    assert_eq!(
        create(&meta),
        vec![
            "metadata.ownerReferences: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"e\",\"uid\":\"u2\"}: /v1, Kind=Event is disallowed from being an owner"
        ]
    );

    let second = OwnerReference {
        name: "api".to_string(),
        uid: "u3".to_string(),
        ..good.clone()
    };
    meta.owner_references = Some(vec![good, second]);
    assert_eq!(
        create(&meta),
        vec![
            "metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\",\"uid\":\"u1\",\"controller\":true},{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"api\",\"uid\":\"u3\",\"controller\":true}]: Only one reference can have Controller set to true. Found \"true\" in references for Deployment/web and Deployment/api"
        ]
    );
}

#[test]
fn managed_fields() {
    let mut meta = named("x");
    meta.managed_fields = Some(vec![ManagedFieldsEntry {
        operation: Some("Patch".to_string()),
        fields_type: Some("FieldsV2".to_string()),
        manager: Some(format!("kubectl\u{7}{}", "m".repeat(130))),
        subresource: Some("s".repeat(257)),
        ..ManagedFieldsEntry::default()
    }]);
    let manager = format!("kubectl\u{7}{}", "m".repeat(130));
    assert_eq!(
        create(&meta),
        vec![
            "metadata.managedFields[0].operation: Invalid value: \"Patch\": must be `Apply` or `Update`".to_string(),
            "metadata.managedFields[0].fieldsType: Invalid value: \"FieldsV2\": must be `FieldsV1`".to_string(),
            "metadata.managedFields[0].manager: Too long: may not be more than 128 bytes".to_string(),
            format!(
                "metadata.managedFields[0].manager: Invalid value: {}: invalid character U+0007 (at position 7)",
                crate::goformat::go_quote(&manager)
            ),
            "metadata.managedFields[0].subresource: Too long: may not be more than 256 bytes".to_string(),
        ]
    );
}

fn stored() -> ObjectMeta {
    ObjectMeta {
        name: Some("csr-1".to_string()),
        uid: Some("uid-1".to_string()),
        resource_version: Some("7".to_string()),
        creation_timestamp: Some(ts("2026-01-01T00:00:00Z")),
        generation: Some(2),
        ..ObjectMeta::default()
    }
}

fn update(new: &ObjectMeta, old: &ObjectMeta) -> Vec<String> {
    validate_object_meta_update(new, old, "metadata")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn update_unchanged_is_valid() {
    assert!(update(&stored(), &stored()).is_empty());
}

#[test]
fn update_requires_resource_version() {
    let mut new = stored();
    new.resource_version = None;
    assert_eq!(
        update(&new, &stored()),
        vec!["metadata.resourceVersion: Invalid value: \"\": must be specified for an update"]
    );
}

#[test]
fn update_immutable_fields() {
    let mut new = stored();
    new.name = Some("csr-2".to_string());
    new.uid = Some("uid-2".to_string());
    new.creation_timestamp = Some(ts("2026-02-01T10:20:30Z"));
    new.generation = Some(1);
    new.deletion_timestamp = Some(ts("2026-03-01T00:00:00Z"));
    new.deletion_grace_period_seconds = Some(30);
    assert_eq!(
        update(&new, &stored()),
        vec![
            "metadata.generation: Invalid value: 1: must not be decremented",
            "metadata.name: Invalid value: \"csr-2\": field is immutable",
            "metadata.uid: Invalid value: \"uid-2\": field is immutable",
            "metadata.creationTimestamp: Invalid value: \"2026-02-01T10:20:30Z\": field is immutable",
            "metadata.deletionTimestamp: Invalid value: \"2026-03-01T00:00:00Z\": field is immutable",
            "metadata.deletionGracePeriodSeconds: Invalid value: 30: field is immutable"
        ]
    );
    let mut cleared = stored();
    cleared.creation_timestamp = None;
    assert_eq!(
        update(&cleared, &stored()),
        vec!["metadata.creationTimestamp: Invalid value: null: field is immutable"]
    );
}

#[test]
fn update_no_new_finalizers_while_deleting() {
    let mut old = stored();
    old.deletion_timestamp = Some(ts("2026-03-01T00:00:00Z"));
    old.finalizers = Some(vec!["a.io/x".to_string()]);
    let mut new = old.clone();
    new.finalizers = Some(vec![
        "a.io/x".to_string(),
        "b.io/y".to_string(),
        "a.io/z".to_string(),
    ]);
    assert_eq!(
        update(&new, &old),
        vec![
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"a.io/z\", \"b.io/y\"}"
        ]
    );
    // Removing finalizers while deleting is how deletion completes.
    let mut removing = old.clone();
    removing.finalizers = None;
    assert!(update(&removing, &old).is_empty());
}

#[test]
fn update_runs_label_checks() {
    let mut new = stored();
    new.labels = Some(BTreeMap::from([("a".to_string(), "b c".to_string())]));
    assert_eq!(update(&new, &stored()).len(), 1);
}

#[test]
fn generate_name_truncates_and_appends_five() {
    let mut n = 0;
    let name = generate_name("csr-", |bound| {
        assert_eq!(bound, 27);
        n += 1;
        n - 1
    });
    assert_eq!(name, "csr-bcdfg");
    let long = "p".repeat(70);
    let name = generate_name(&long, |_| 26);
    assert_eq!(name, format!("{}99999", "p".repeat(58)));
    assert_eq!(name.len(), 63);
    // A multi-byte character straddling byte 58 is dropped whole.
    let wide = format!("{}é", "a".repeat(57));
    assert_eq!(
        generate_name(&wide, |_| 0),
        format!("{}bbbbb", "a".repeat(57))
    );
}
