//! Tests of each patch type, each strategic-merge directive and each upstream error text.

use super::*;
use serde_json::json;

fn csr() -> Value {
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {
            "name": "csr-1",
            "labels": {"a": "1", "b": "2"},
            "finalizers": ["x", "y"],
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": "n1", "uid": "u1"},
                {"apiVersion": "v1", "kind": "Node", "name": "n2", "uid": "u2"},
            ],
        },
        "spec": {"signerName": "example.com/s", "usages": ["client auth", "digital signature"]},
        "status": {"conditions": [{"type": "Approved", "status": "True"}]},
    })
}

fn patch(kind: PatchType, original: &Value, body: &str) -> Result<Value, PatchError> {
    apply_patch(kind, original, body.as_bytes())
}

fn json_patch(body: &str) -> Result<Value, PatchError> {
    patch(PatchType::Json, &csr(), body)
}

fn smp(body: &str) -> Result<Value, PatchError> {
    patch(PatchType::StrategicMerge, &csr(), body)
}

fn not_applicable(cause: &str) -> Result<Value, PatchError> {
    Err(PatchError::NotApplicable {
        cause: cause.to_string(),
    })
}

fn bad_request(msg: &str) -> Result<Value, PatchError> {
    Err(PatchError::BadRequest(msg.to_string()))
}

fn internal(msg: &str) -> Result<Value, PatchError> {
    Err(PatchError::Internal(msg.to_string()))
}

#[test]
fn content_types() {
    assert_eq!(
        PatchType::from_content_type("application/json-patch+json"),
        Some(PatchType::Json)
    );
    assert_eq!(
        PatchType::from_content_type("application/merge-patch+json"),
        Some(PatchType::Merge)
    );
    assert_eq!(
        PatchType::from_content_type("application/strategic-merge-patch+json; charset=utf-8"),
        Some(PatchType::StrategicMerge)
    );
    assert_eq!(
        PatchType::from_content_type("application/apply-patch+yaml;charset=utf-8"),
        Some(PatchType::Apply)
    );
    for other in [
        "application/json",
        "application/apply-patch+cbor",
        "",
        ";application/json-patch+json",
    ] {
        assert_eq!(PatchType::from_content_type(other), None, "{other}");
    }
    let e = unsupported_patch_type();
    assert_eq!((e.code, e.reason), (415, "UnsupportedMediaType"));
    assert_eq!(
        e.message,
        "the body of the request was in an unknown format - accepted media types include: \
         application/json-patch+json, application/merge-patch+json, \
         application/strategic-merge-patch+json, application/apply-patch+yaml"
    );
}

#[test]
fn json_patch_operations() {
    let out = json_patch(
        r#"[
        {"op": "add", "path": "/metadata/annotations", "value": {"k": "v"}},
        {"op": "replace", "path": "/metadata/labels/a", "value": "one"},
        {"op": "remove", "path": "/metadata/labels/b"},
        {"op": "add", "path": "/spec/usages/-", "value": "server auth"},
        {"op": "add", "path": "/spec/usages/0", "value": "signing"},
        {"op": "copy", "from": "/metadata/name", "path": "/metadata/labels/name"},
        {"op": "move", "from": "/metadata/labels/a", "path": "/metadata/labels/moved"},
        {"op": "test", "path": "/metadata/labels/moved", "value": "one"},
        {"op": "test", "path": "/metadata/labels/absent", "value": null},
        {"op": "remove", "path": "/metadata/finalizers/-1"},
        {"op": "add", "path": "/metadata/labels/a~1b~0c", "value": "escaped"}
    ]"#,
    )
    .expect("patch applies");
    assert_eq!(out["metadata"]["annotations"], json!({"k": "v"}));
    assert_eq!(
        out["metadata"]["labels"],
        json!({"moved": "one", "name": "csr-1", "a/b~c": "escaped"})
    );
    assert_eq!(
        out["spec"]["usages"],
        json!(["signing", "client auth", "digital signature", "server auth"])
    );
    assert_eq!(out["metadata"]["finalizers"], json!(["x"]));
}

#[test]
fn json_patch_library_quirks_are_kept() {
    // `replace` of a missing member adds it.
    let out =
        json_patch(r#"[{"op": "replace", "path": "/metadata/annotations", "value": {"a": "b"}}]"#);
    assert_eq!(
        out.expect("applies")["metadata"]["annotations"],
        json!({"a": "b"})
    );
    // `copy` from a missing member copies null.
    let out =
        json_patch(r#"[{"op": "copy", "from": "/metadata/nothing", "path": "/metadata/copied"}]"#);
    assert_eq!(out.expect("applies")["metadata"]["copied"], Value::Null);
    // A null patch is an empty patch.
    assert_eq!(json_patch("null"), Ok(csr()));
}

#[test]
fn json_patch_failures_are_422_with_the_library_reason() {
    let cases = [
        (
            r#"[{"op": "test", "path": "/metadata/name", "value": "other"}]"#,
            "testing value /metadata/name failed: test failed",
        ),
        (
            r#"[{"op": "test", "path": "/metadata/labels/zzz", "value": "x"}]"#,
            "testing value /metadata/labels/zzz failed: test failed",
        ),
        (
            r#"[{"op": "remove", "path": "/metadata/nope"}]"#,
            "error in remove for path: '/metadata/nope': Unable to remove nonexistent key: nope: missing value",
        ),
        (
            r#"[{"op": "remove", "path": "/nope/deeper"}]"#,
            "remove operation does not apply: doc is missing path: \"/nope/deeper\": missing value",
        ),
        (
            r#"[{"op": "add", "path": "/nope/deeper", "value": 1}]"#,
            "add operation does not apply: doc is missing path: \"/nope/deeper\": missing value",
        ),
        (
            r#"[{"op": "replace", "path": "/nope/deeper", "value": 1}]"#,
            "replace operation does not apply: doc is missing path: /nope/deeper: missing value",
        ),
        (
            r#"[{"op": "replace", "path": "/spec/usages/5", "value": "x"}]"#,
            "replace operation does not apply: doc is missing key: /spec/usages/5: missing value",
        ),
        (
            r#"[{"op": "add", "path": "/spec/usages/9", "value": "x"}]"#,
            "error in add for path: '/spec/usages/9': Unable to access invalid index: 9: invalid index referenced",
        ),
        (
            r#"[{"op": "add", "path": "/spec/usages/x", "value": "x"}]"#,
            "error in add for path: '/spec/usages/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            r#"[{"op": "remove", "path": "/spec/usages/-3"}]"#,
            "error in remove for path: '/spec/usages/-3': Unable to access invalid index: -3: invalid index referenced",
        ),
        (
            r#"[{"op": "move", "from": "/metadata/nope", "path": "/metadata/x"}]"#,
            "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value",
        ),
        (
            r#"[{"op": "move", "path": "/metadata/x"}]"#,
            "move operation failed to decode from: operation, missing from field: missing value",
        ),
        (
            r#"[{"op": "copy", "from": "/a/b", "path": "/metadata/x"}]"#,
            "copy operation does not apply: doc is missing from path: /a/b: missing value",
        ),
        (
            r#"[{"op": "add", "value": 1}]"#,
            "add operation failed to decode path: missing value",
        ),
        (
            r#"[{"op": "replace", "path": 5, "value": 1}]"#,
            "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
        ),
        (
            r#"[{"op": "replace", "path": "", "value": "s"}]"#,
            "replace operation value must be object or array: %!w(<nil>)",
        ),
        (
            r#"[{"op": "test", "value": 1}]"#,
            "test operation failed to decode path: operation missing path field: missing value",
        ),
        (
            r#"[{"op": "frobnicate", "path": "/a"}]"#,
            "Unexpected kind: frobnicate",
        ),
        (r#"[{"path": "/a"}]"#, "Unexpected kind: unknown"),
        (r#"[null]"#, "Unexpected kind: unknown"),
    ];
    for (body, cause) in cases {
        assert_eq!(json_patch(body), not_applicable(cause), "{body}");
    }
    let e = PatchError::NotApplicable { cause: "x".into() }.to_api_error();
    assert_eq!(
        e.to_status(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "the server rejected our request due to an error in our request",
               "reason": "Invalid", "details": {}, "code": 422})
    );
}

#[test]
fn json_patch_decoding_errors_are_400() {
    assert_eq!(
        json_patch("[{"),
        bad_request("unexpected end of JSON input")
    );
    assert_eq!(
        json_patch("nope"),
        bad_request("invalid character 'o' in literal null (expecting 'u')")
    );
    assert_eq!(
        json_patch("x"),
        bad_request("invalid character 'x' looking for beginning of value")
    );
    assert_eq!(
        json_patch(r#"{"op": "add"}"#),
        bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    );
    assert_eq!(
        json_patch(r#"[{"op": "add", "path": "/a", "value": 1}, 7]"#),
        bad_request("json: cannot unmarshal number into Go value of type jsonpatch.Operation")
    );
}

#[test]
fn json_patch_limits() {
    let op = r#"{"op": "test", "path": "/kind", "value": "CertificateSigningRequest"}"#;
    let body = format!("[{}]", vec![op; MAX_OPERATIONS + 1].join(","));
    let err = json_patch(&body).expect_err("too many operations");
    assert_eq!(
        err,
        PatchError::TooManyOperations {
            max: 10_000,
            got: 10_001
        }
    );
    let api = err.to_api_error();
    assert_eq!((api.code, api.reason), (413, "RequestEntityTooLarge"));
    assert_eq!(
        api.message,
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001"
    );
    let body = format!("[{}]", vec![op; MAX_OPERATIONS].join(","));
    assert!(json_patch(&body).is_ok());

    let big = json!({"metadata": {"name": "x"}, "data": "a".repeat(2 * 1024 * 1024)});
    let copy_twice = r#"[{"op": "copy", "from": "/data", "path": "/c1"}, {"op": "copy", "from": "/data", "path": "/c2"}]"#;
    let err = patch(PatchType::Json, &big, copy_twice).expect_err("copy limit");
    assert_eq!(
        err,
        PatchError::NotApplicable {
            cause: "Unable to complete the copy, the accumulated size increase of copy is 4194308, exceeding the limit 3145728".into()
        }
    );
}

#[test]
fn json_patch_to_a_non_object_is_undecodable() {
    let err = json_patch(r#"[{"op": "replace", "path": "", "value": [1, "<"]}]"#)
        .expect_err("array document");
    let api = err.to_api_error();
    let detail = r#"couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\"apiVersion,omitempty\""; Kind string "json:\"kind,omitempty\"" }"#;
    let body = format!(r#"Invalid value: "[1,\"\\u003c\"]": {detail}"#);
    assert_eq!(api.code, 422);
    assert_eq!(api.reason, "Invalid");
    assert_eq!(api.message, format!(" \"\" is invalid: patch: {body}"));
    assert_eq!(api.message, format!("{err}"));
    assert_eq!(
        api.details,
        Some(
            json!({"causes": [{"reason": "FieldValueInvalid", "message": body, "field": "patch"}]})
        )
    );
}

#[test]
fn merge_patch() {
    let out = patch(
        PatchType::Merge,
        &csr(),
        r#"{"metadata": {"labels": {"a": null, "c": "3"}, "annotations": {"n": {"deep": null, "keep": 1}}},
            "spec": {"usages": ["server auth"]}, "status": null}"#,
    )
    .expect("merge applies");
    assert_eq!(out["metadata"]["labels"], json!({"b": "2", "c": "3"}));
    // Nulls are pruned from objects the document did not have.
    assert_eq!(out["metadata"]["annotations"], json!({"n": {"keep": 1}}));
    assert_eq!(out["spec"]["usages"], json!(["server auth"]));
    assert!(out.get("status").is_none());
    // Arrays keep null elements but objects inside them lose null members.
    let out = patch(
        PatchType::Merge,
        &csr(),
        r#"{"spec": {"usages": [null, {"a": null, "b": 1}]}}"#,
    )
    .expect("applies");
    assert_eq!(out["spec"]["usages"], json!([null, {"b": 1}]));
}

#[test]
fn merge_patch_errors() {
    for body in ["", "{", "null", "\"s\"", "12", "true"] {
        assert_eq!(
            patch(PatchType::Merge, &csr(), body),
            bad_request("Invalid JSON Patch"),
            "{body:?}"
        );
    }
    let err = patch(PatchType::Merge, &csr(), "[1, null]").expect_err("array document");
    assert!(
        matches!(&err, PatchError::Undecodable { value, .. } if value == "[1,null]"),
        "{err:?}"
    );
}

#[test]
fn strategic_merge_maps_and_replaced_lists() {
    let out = smp(r#"{"metadata": {"labels": {"a": null, "c": "3"}},
                      "spec": {"usages": ["server auth"]},
                      "status": {"conditions": [{"type": "Denied", "status": "True"}]}}"#)
    .expect("applies");
    assert_eq!(out["metadata"]["labels"], json!({"b": "2", "c": "3"}));
    assert_eq!(out["spec"]["usages"], json!(["server auth"]));
    assert_eq!(
        out["status"]["conditions"],
        json!([{"type": "Denied", "status": "True"}])
    );
    // A null for an absent field is dropped, not stored.
    let out = smp(r#"{"metadata": {"annotations": null}}"#).expect("applies");
    assert!(out["metadata"].get("annotations").is_none());
    assert_eq!(smp("null"), Ok(csr()));
}

#[test]
fn strategic_merge_primitive_merge_list() {
    let out = smp(r#"{"metadata": {"finalizers": ["z", "x"]}}"#).expect("applies");
    assert_eq!(out["metadata"]["finalizers"], json!(["z", "x", "y"]));
    let out =
        smp(r#"{"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}}"#).expect("applies");
    assert_eq!(out["metadata"]["finalizers"], json!(["y"]));
    // kubectl's three-way patch: additions, deletions and the final order.
    let out = smp(
        r#"{"metadata": {"$setElementOrder/finalizers": ["y", "w"], "finalizers": ["w"],
                          "$deleteFromPrimitiveList/finalizers": ["x"]}}"#,
    )
    .expect("applies");
    assert_eq!(out["metadata"]["finalizers"], json!(["y", "w"]));
    // Upstream quirk: a deletion list for an absent list becomes the list.
    let mut original = csr();
    original["metadata"]
        .as_object_mut()
        .map(|m| m.remove("finalizers"));
    let out = patch(
        PatchType::StrategicMerge,
        &original,
        r#"{"metadata": {"$deleteFromPrimitiveList/finalizers": ["q"]}}"#,
    );
    assert_eq!(
        out.expect("applies")["metadata"]["finalizers"],
        json!(["q"])
    );
}

#[test]
fn strategic_merge_list_of_objects_by_merge_key() {
    let out = smp(r#"{"metadata": {"ownerReferences": [
            {"uid": "u2", "name": "renamed"},
            {"uid": "u3", "apiVersion": "v1", "kind": "Node", "name": "n3"},
            {"uid": "u1", "$patch": "delete"}]}}"#)
    .expect("applies");
    assert_eq!(
        out["metadata"]["ownerReferences"],
        json!([
            {"apiVersion": "v1", "kind": "Node", "name": "renamed", "uid": "u2"},
            {"apiVersion": "v1", "kind": "Node", "name": "n3", "uid": "u3"},
        ])
    );
    let out = smp(r#"{"metadata": {"ownerReferences": [{"$patch": "replace"}, {"uid": "u9", "name": "only"}]}}"#)
        .expect("applies");
    assert_eq!(
        out["metadata"]["ownerReferences"],
        json!([{"uid": "u9", "name": "only"}])
    );
    let out = smp(
        r#"{"metadata": {"$setElementOrder/ownerReferences": [{"uid": "u2"}, {"uid": "u1"}],
                          "ownerReferences": [{"uid": "u1", "name": "first"}]}}"#,
    )
    .expect("applies");
    let uids: Vec<&str> = out["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["uid"].as_str())
        .collect();
    assert_eq!(uids, ["u2", "u1"]);
    assert_eq!(out["metadata"]["ownerReferences"][1]["name"], "first");
}

#[test]
fn strategic_merge_map_directives() {
    let out =
        smp(r#"{"metadata": {"labels": {"$patch": "replace", "only": "this"}}}"#).expect("applies");
    assert_eq!(out["metadata"]["labels"], json!({"only": "this"}));
    let out = smp(r#"{"metadata": {"labels": {"$patch": "delete"}}}"#).expect("applies");
    assert_eq!(out["metadata"]["labels"], json!({}));
    let out = smp(r#"{"spec": {"$retainKeys": ["signerName", "usages"], "usages": ["any"]}}"#)
        .expect("applies");
    assert_eq!(
        out["spec"],
        json!({"signerName": "example.com/s", "usages": ["any"]})
    );
    let schema = PatchSchema {
        fields: &[("spec", FieldStrategy::Replace)],
    };
    let out = apply_patch_with(
        PatchType::StrategicMerge,
        &csr(),
        br#"{"spec": {"usages": []}}"#,
        &schema,
    );
    assert_eq!(out.expect("applies")["spec"], json!({"usages": []}));
}

#[test]
fn strategic_merge_errors() {
    assert_eq!(smp("{"), bad_request("unexpected end of JSON input"));
    assert_eq!(
        smp("[]"),
        bad_request("json: cannot unmarshal array into Go value of type map[string]interface {}")
    );
    assert_eq!(
        smp(r#"{"spec": {"$retainKeys": "usages"}}"#),
        bad_request("invalid patch format of retainKeys")
    );
    assert_eq!(
        smp(r#"{"spec": {"$retainKeys": ["usages"], "signerName": "x"}}"#),
        bad_request("invalid patch format of retainKeys")
    );
    assert_eq!(
        smp(r#"{"metadata": {"$deleteFromPrimitiveListfinalizers": ["x"]}}"#),
        bad_request("invalid patch format of primitive list")
    );
    assert_eq!(
        smp(r#"{"metadata": {"$setElementOrder": ["x"]}}"#),
        bad_request("invalid patch format of setElementOrder list")
    );
    assert_eq!(
        smp(r#"{"metadata": {"labels": {"$patch": "merge"}}}"#),
        internal("unknown patch type: merge in map: map[$patch:merge]")
    );
    assert_eq!(
        smp(r#"{"metadata": {"ownerReferences": [{"$patch": "merge"}]}}"#),
        internal("merging lists cannot yet be specified in the patch")
    );
    assert_eq!(
        smp(r#"{"metadata": {"ownerReferences": [{"name": "no-uid"}]}}"#),
        internal("map: map[name:no-uid] does not contain declared merge key: uid")
    );
    let mut empty_finalizers = csr();
    empty_finalizers["metadata"]["finalizers"] = json!([]);
    assert_eq!(
        patch(
            PatchType::StrategicMerge,
            &empty_finalizers,
            r#"{"metadata": {"finalizers": [["nested"]]}}"#
        ),
        not_applicable("lists of lists are not supported")
    );
    assert_eq!(
        smp(r#"{"metadata": {"finalizers": [1]}}"#),
        internal("list element types are not identical: [[x y] [1]]")
    );
    let e = PatchError::Internal("boom".into()).to_api_error();
    assert_eq!(
        e.to_status(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "boom", "reason": "", "code": 500})
    );
}

#[test]
fn strategic_merge_undecodable_shows_the_patch_as_go_prints_it() {
    let p = json!({"spec": {"usages": "any", "n": 1.5}});
    let err = PatchError::undecodable(PatchType::StrategicMerge, &p, &Value::Null, "cannot decode");
    assert_eq!(
        err.to_string(),
        r#" "" is invalid: patch: Invalid value: "map[spec:map[n:1.5 usages:any]]": cannot decode"#
    );
}

#[test]
fn server_side_apply_merges_configuration() {
    let config = "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: csr-1\n  labels:\n    c: \"3\"\n    a: null\nspec:\n  usages: [server auth]\n";
    let out = patch(PatchType::Apply, &csr(), config).expect("applies");
    assert_eq!(out["metadata"]["labels"], json!({"b": "2", "c": "3"}));
    assert_eq!(
        out["spec"],
        json!({"signerName": "example.com/s", "usages": ["server auth"]})
    );
    assert_eq!(out["status"], csr()["status"]);
    // JSON is YAML too; only the first document counts.
    let out = patch(
        PatchType::Apply,
        &csr(),
        "{\"apiVersion\": \"certificates.k8s.io/v1\", \"kind\": \"CertificateSigningRequest\", \"spec\": {\"usages\": []}}\n---\nkind: Other\n",
    );
    assert_eq!(out.expect("applies")["spec"]["usages"], json!([]));
    // Create-by-apply starts from a skeleton.
    let skeleton =
        json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest"});
    let out = patch(PatchType::Apply, &skeleton, config).expect("applies");
    assert_eq!(out["metadata"]["labels"], json!({"c": "3"}));
}

#[test]
fn server_side_apply_errors() {
    assert_eq!(
        patch(
            PatchType::Apply,
            &csr(),
            "apiVersion: certificates.k8s.io/v1beta1\nkind: CertificateSigningRequest\n"
        ),
        bad_request(
            "Incorrect version specified in apply patch. Specified patch version: certificates.k8s.io/v1beta1, expected: certificates.k8s.io/v1"
        )
    );
    assert_eq!(
        patch(PatchType::Apply, &csr(), ""),
        bad_request(
            "Incorrect version specified in apply patch. Specified patch version: , expected: certificates.k8s.io/v1"
        )
    );
    assert_eq!(
        patch(
            PatchType::Apply,
            &csr(),
            "apiVersion: certificates.k8s.io/v1\nkind: Lease\n"
        ),
        internal(
            "failed to create typed patch object (certificates.k8s.io/v1, Kind=Lease): no corresponding type for certificates.k8s.io/v1, Kind=Lease"
        )
    );
    assert_eq!(
        patch(
            PatchType::Apply,
            &csr(),
            "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  managedFields: [{manager: x}]\n"
        ),
        bad_request("metadata.managedFields must be nil")
    );
    assert_eq!(
        patch(PatchType::Apply, &csr(), "- a\n- b\n"),
        bad_request(
            "error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        )
    );
    let err = patch(PatchType::Apply, &csr(), "a: [b\n").expect_err("bad yaml");
    assert!(
        matches!(&err, PatchError::BadRequest(m) if m.starts_with("error decoding YAML: error converting YAML to JSON: yaml: ")),
        "{err:?}"
    );
}

#[test]
fn deep_patches_are_rejected_not_crashing() {
    // Beyond serde_json's 128 levels, and beyond Go's own limit of 10000.
    for depth in [200, 20_000] {
        let deep = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for kind in PatchType::ALL {
            let err = patch(kind, &csr(), &deep).expect_err("too deep");
            assert_eq!(err.code(), 400, "{kind:?} {depth}: {err:?}");
        }
    }
    assert_eq!(
        patch(
            PatchType::Json,
            &csr(),
            &format!("{}{}", "[".repeat(20_000), "]".repeat(20_000))
        ),
        bad_request("exceeded max depth")
    );
    assert_eq!(
        patch(PatchType::Apply, &csr(), &"[".repeat(1_000_000)),
        bad_request(
            "error decoding YAML: error converting YAML to JSON: yaml: exceeded max depth of 128"
        )
    );
    let block: String = (0..1500)
        .map(|i| format!("{}a:\n", " ".repeat(i)))
        .collect();
    let err = patch(PatchType::Apply, &csr(), &block).expect_err("too deep");
    assert_eq!(err.code(), 400, "{err:?}");
}
