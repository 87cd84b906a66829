//! The corpus's request-surface rows: selectors, list options, paths and names, media types,
//! query options, methods and identities.

use super::*;

/// Selectors, list options, paths, names, media types, query options, methods and identities.
pub(super) fn surface_cases() -> Vec<Case> {
    let get = |name: &'static str, path: String, code: u16, reason: &'static str, msg: Msg| {
        case(
            name,
            "GET",
            path,
            Some(ADMIN),
            None,
            Vec::new(),
            code,
            reason,
            msg,
        )
    };
    let post_obj = |name: &'static str,
                    path: String,
                    obj: Value,
                    code: u16,
                    reason: &'static str,
                    msg: Msg| {
        case(
            name,
            "POST",
            path,
            Some(ADMIN),
            JSON,
            bytes(&obj),
            code,
            reason,
            msg,
        )
    };
    let named = |object_name: &str| {
        let mut obj = csr_object("x", FOO);
        obj["metadata"]["name"] = json!(object_name);
        obj
    };
    let masters = |name: &'static str| {
        let mut obj = csr_object(name, KAC);
        obj["spec"]["request"] = json!(b64(csr_pem(name, &["system:masters"]).as_bytes()));
        obj
    };
    let not_found = |n: &str| {
        exact(format!(
            "certificatesigningrequests.certificates.k8s.io \"{n}\" not found"
        ))
    };
    let patch_types = "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml";
    let p = format!("{CSRS}/pending");
    vec![
        get("selector-label-garbage", format!("{CSRS}?labelSelector=a%20b%20c"), 400, "BadRequest", exact("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")),
        get("selector-label-unclosed-set", format!("{CSRS}?labelSelector=a%20in%20(b"), 400, "BadRequest", exact("unable to parse requirement: found '', expected: ',' or ')'")),
        get("selector-label-bad-key", format!("{CSRS}?labelSelector=-a%3Db"), 400, "BadRequest", has("unable to parse requirement: <nil>: Invalid value: \"-a\": name part must consist of alphanumeric characters")),
        get("selector-label-bad-value", format!("{CSRS}?labelSelector=a%3D%25%25"), 400, "BadRequest", has("unable to parse requirement: values[0][a]: Invalid value: \"%%\": a valid label must be an empty string or consist of alphanumeric characters")),
        get("selector-label-only-operator", format!("{CSRS}?labelSelector=%3D%3D"), 400, "BadRequest", exact("found '==', expected: !, identifier, or 'end of string'")),
        get("selector-field-unsupported-label", format!("{CSRS}?fieldSelector=status.phase%3DApproved"), 400, "BadRequest",
            exact("field label not supported: status.phase")),
        get("selector-field-spec-username", format!("{CSRS}?fieldSelector=spec.username%3Dadmin"), 400, "BadRequest",
            exact("field label not supported: spec.username")),
        get("selector-field-no-operator", format!("{CSRS}?fieldSelector=metadata.name"), 400, "BadRequest", exact("invalid selector: 'metadata.name'; can't understand 'metadata.name'")),
        get("selector-field-set-operator", format!("{CSRS}?fieldSelector=metadata.name%20in%20(a)"), 400, "BadRequest", exact("invalid selector: 'metadata.name in (a)'; can't understand 'metadata.name in (a)'")),
        get("list-continue-garbage", format!("{CSRS}?limit=1&continue=garbage"), 400, "BadRequest", exact("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")),
        get("list-continue-base64-json", format!("{CSRS}?limit=1&continue={}", b64(b"{\"v\":\"x\",\"rv\":-5,\"start\":\"../\"}")), 400, "BadRequest", exact("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")),
        get("list-limit-not-a-number", format!("{CSRS}?limit=abc"), 400, "BadRequest", exact("limit: Invalid value: \"abc\": must be a number")),
        get("list-negative-limit", format!("{CSRS}?limit=-5"), 200, "", Msg::Success),
        get("list-resource-version-garbage", format!("{CSRS}?resourceVersion=abc"), 400, "BadRequest", exact("invalid resource version: abc")),
        get("list-resource-version-match-bogus", format!("{CSRS}?resourceVersion=0&resourceVersionMatch=Bogus"), 400, "BadRequest", exact("resourceVersionMatch \"Bogus\" is not supported: supported values: \"Exact\", \"NotOlderThan\"")),
        get("watch-resource-version-garbage", format!("{CSRS}?watch=1&resourceVersion=abc"), 400, "BadRequest", exact("invalid resource version: abc")),
        get("watch-bad-field-selector", format!("{CSRS}?watch=1&fieldSelector=status.phase%3DX"), 400, "BadRequest",
            exact("field label not supported: status.phase")),
        get("path-dot-dot", format!("{CSRS}/.."), 404, "NotFound", exact("certificatesigningrequests.certificates.k8s.io \"..\" not found")),
        get("path-encoded-slash", format!("{CSRS}/a%2Fb"), 404, "NotFound", has("not found")),
        get("path-extra-segment", format!("{CSRS}/a/b"), 404, "NotFound", exact("the server could not find the requested resource")),
        get("path-percent", format!("{CSRS}/a%25b"), 404, "NotFound", not_found("a%b")),
        get("path-traversal-to-secrets", format!("{CSRS}/../../../../api/v1/namespaces/kube-system/secrets"), 404, "NotFound", exact("the server could not find the requested resource")),
        get("path-unknown-subresource", format!("{p}/exec"), 404, "NotFound", exact("the server could not find the requested resource")),
        get("path-unknown-resource", "/apis/certificates.k8s.io/v1/foos".to_string(), 404, "NotFound", exact("the server could not find the requested resource")),
        get("path-unknown-group", "/apis/nope.example.com/v1/things".to_string(), 404, "NotFound", exact("the server could not find the requested resource")),
        get("path-unknown-version", "/apis/certificates.k8s.io/v9/certificatesigningrequests".to_string(), 404, "NotFound", exact("the server could not find the requested resource")),
        get("path-core-secrets", "/api/v1/namespaces/default/secrets".to_string(), 404, "NotFound", exact("the server could not find the requested resource")),
        post_obj("name-with-slash", CSRS.to_string(), named("a/b"), 422, "Invalid", has("metadata.name: Invalid value: \"a/b\": may not contain '/'")),
        post_obj("name-dot-dot", CSRS.to_string(), named(".."), 422, "Invalid", has("metadata.name: Invalid value: \"..\": may not be '..'")),
        post_obj("name-dot", CSRS.to_string(), named("."), 422, "Invalid", has("metadata.name: Invalid value: \".\": may not be '.'")),
        post_obj("name-percent", CSRS.to_string(), named("a%b"), 422, "Invalid", has("metadata.name: Invalid value: \"a%b\": may not contain '%'")),
        post_obj("name-empty", CSRS.to_string(), named(""), 422, "Invalid", has("metadata.name: Required value: name or generateName is required")),
        post_obj("name-in-url-path", format!("{CSRS}/pending"), csr_object("pending", FOO), 405, "MethodNotAllowed", has(" is not supported on ")),
        post_obj("masters-via-kube-apiserver-client", CSRS.to_string(), masters("masters"), 403, "Forbidden",
            exact("certificatesigningrequests.certificates.k8s.io \"masters\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed")),
        post_obj("masters-via-generate-name", CSRS.to_string(), {
            let mut obj = masters("gen");
            obj["metadata"] = json!({"generateName": "gen-"});
            obj
        }, 403, "Forbidden",
            // Validating admission runs after the name is generated, so the message names the object.
            around("certificatesigningrequests.certificates.k8s.io \"gen-", "\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed")),
        post_obj("masters-dry-run", format!("{CSRS}?dryRun=All"), masters("masters-dry"), 403, "Forbidden",
            exact("certificatesigningrequests.certificates.k8s.io \"masters-dry\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed")),
        post_obj("dry-run-valid-stores-nothing", format!("{CSRS}?dryRun=All"), csr_object("dry", FOO), 201, "", Msg::Success),
        post_obj("dry-run-bogus", format!("{CSRS}?dryRun=Bogus"), csr_object("dry-bogus", FOO), 422, "Invalid", exact("CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: [\"Bogus\"]: supported values: \"All\"")),
        post_obj("field-validation-bogus", format!("{CSRS}?fieldValidation=Bogus"), csr_object("fv-bogus", FOO), 422, "Invalid", exact("CreateOptions.meta.k8s.io \"\" is invalid: fieldValidation: Unsupported value: \"Bogus\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"")),
        case("content-type-text-plain", "POST", CSRS, Some(ADMIN), Some("text/plain"), bytes(&csr_object("ct1", FOO)), 415, "UnsupportedMediaType", has("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")),
        case("content-type-xml", "POST", CSRS, Some(ADMIN), Some("application/xml"), bytes(&csr_object("ct2", FOO)), 415, "UnsupportedMediaType", has("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")),
        // Without a Content-Type the body is read as JSON, the first supported type, as upstream does.
        case("content-type-missing-garbage", "POST", CSRS, Some(ADMIN), None, b"{garbage".to_vec(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
        case("content-type-patch-as-json", "PATCH", p.clone(), Some(ADMIN), JSON, b"{}".to_vec(), 415, "UnsupportedMediaType", has(patch_types)),
        case("content-type-patch-text", "PATCH", p.clone(), Some(ADMIN), Some("text/plain"), b"{}".to_vec(), 415, "UnsupportedMediaType", has(patch_types)),
        case("protobuf-garbage", "POST", CSRS, Some(ADMIN), Some("application/vnd.kubernetes.protobuf"), b"\x00\x01garbage\xff".to_vec(), 400, "BadRequest", has("the object provided is unrecognized (must be of type CertificateSigningRequest): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")),
        case("protobuf-magic-then-garbage", "POST", CSRS, Some(ADMIN), Some("application/vnd.kubernetes.protobuf"), b"k8s\x00\x0a\xff\xff\xff\xff\x0f".to_vec(), 400, "BadRequest", has("the object provided is unrecognized (must be of type CertificateSigningRequest): failed to decode Protobuf message: ")),
        case("protobuf-empty", "POST", CSRS, Some(ADMIN), Some("application/vnd.kubernetes.protobuf"), Vec::new(), 400, "BadRequest", exact("the object provided is unrecognized (must be of type CertificateSigningRequest): empty data (<empty>)")),
        case("apply-without-field-manager", "PATCH", p.clone(), Some(ADMIN), APPLY,
            b"apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: pending\n".to_vec(), 422, "Invalid", exact("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")),
        case("apply-bad-yaml", "PATCH", format!("{p}?fieldManager=x"), Some(ADMIN), APPLY, b"a: [\n".to_vec(), 400, "BadRequest", exact("error decoding YAML: error converting YAML to JSON: yaml: did not find expected node content at line 2 column 1, while parsing a flow node")),
        case("merge-patch-not-json", "PATCH", p.clone(), Some(ADMIN), MERGE, b"{not json".to_vec(), 400, "BadRequest", exact("Invalid JSON Patch")),
        case("json-patch-not-array", "PATCH", p.clone(), Some(ADMIN), JSON_PATCH, b"{\"op\":\"add\"}".to_vec(), 400, "BadRequest", exact("json: cannot unmarshal object into Go value of type jsonpatch.Patch")),
        case("merge-patch-makes-array", "PATCH", p.clone(), Some(ADMIN), MERGE, b"[1,2]".to_vec(), 422, "Invalid",
            has(" \"\" is invalid: patch: Invalid value: \"[1,2]\": couldn't get version/kind; json parse error: ")),
        case("patch-missing-object", "PATCH", format!("{CSRS}/nope"), Some(ADMIN), MERGE, b"{}".to_vec(), 404, "NotFound", not_found("nope")),
        case("oversize-patch", "PATCH", p.clone(), Some(ADMIN), MERGE, vec![b' '; 3 * 1024 * 1024 + 1], 413, "RequestEntityTooLarge", has("limit is 3145728")),
        case("oversize-put", "PUT", p.clone(), Some(ADMIN), JSON, vec![b' '; 4 * 1024 * 1024], 413, "RequestEntityTooLarge", has("limit is 3145728")),
        case("method-post-status", "POST", format!("{p}/status"), Some(ADMIN), JSON, b"{}".to_vec(), 405, "MethodNotAllowed", has(" is not supported on ")),
        case("method-delete-status", "DELETE", format!("{p}/status"), Some(ADMIN), None, Vec::new(), 405, "MethodNotAllowed", has(" is not supported on ")),
        case("method-post-approval", "POST", format!("{p}/approval"), Some(ADMIN), JSON, b"{}".to_vec(), 405, "MethodNotAllowed", has(" is not supported on ")),
        case("method-delete-approval", "DELETE", format!("{p}/approval"), Some(ADMIN), None, Vec::new(), 405, "MethodNotAllowed", has(" is not supported on ")),
        case("method-put-collection", "PUT", CSRS, Some(ADMIN), JSON, bytes(&csr_object("pc", FOO)), 405, "MethodNotAllowed", has(" is not supported on ")),
        case("method-patch-collection", "PATCH", CSRS, Some(ADMIN), MERGE, b"{}".to_vec(), 405, "MethodNotAllowed", has(" is not supported on ")),
        case("auth-no-token", "POST", CSRS, None, JSON, bytes(&csr_object("anon", FOO)), 401, "Unauthorized", exact("Unauthorized")),
        case("auth-bad-token", "DELETE", p.clone(), Some("not-a-token"), None, Vec::new(), 401, "Unauthorized", exact("Unauthorized")),
        case("auth-alice-create", "POST", CSRS, Some(ALICE), JSON, bytes(&csr_object("alice", FOO)), 403, "Forbidden",
            exact("certificatesigningrequests.certificates.k8s.io is forbidden: User \"alice\" cannot create resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope")),
        case("auth-alice-delete", "DELETE", p.clone(), Some(ALICE), None, Vec::new(), 403, "Forbidden",
            exact("certificatesigningrequests.certificates.k8s.io \"pending\" is forbidden: User \"alice\" cannot delete resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope")),
        case("auth-statuser-approves", "PUT", format!("{p}/approval"), Some(STATUSER), JSON, Vec::new(), 403, "Forbidden",
            exact("certificatesigningrequests.certificates.k8s.io \"pending\" is forbidden: User \"statuser\" cannot update resource \"certificatesigningrequests/approval\" in API group \"certificates.k8s.io\" at the cluster scope")),
        case("auth-statuser-grants-itself", "POST", CLUSTER_ROLE_BINDINGS, Some(STATUSER), JSON,
            bytes(&json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "own"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "User", "name": "statuser"}]})), 403, "Forbidden",
            exact("clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"statuser\" cannot create resource \"clusterrolebindings\" in API group \"rbac.authorization.k8s.io\" at the cluster scope")),
        case("delete-missing", "DELETE", format!("{CSRS}/nope"), Some(ADMIN), None, Vec::new(), 404, "NotFound", not_found("nope")),
        case("delete-collection-bad-selector", "DELETE", format!("{CSRS}?labelSelector=a%20b%20c"), Some(ADMIN), None, Vec::new(), 400, "BadRequest", exact("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")),
        case("delete-bad-options-body", "DELETE", p.clone(), Some(ADMIN), JSON, b"{not json".to_vec(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
        case("delete-dry-run-bogus", "DELETE", format!("{p}?dryRun=Bogus"), Some(ADMIN), None, Vec::new(), 422, "Invalid", exact("DeleteOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: [\"Bogus\"]: supported values: \"All\"")),
        case("delete-dry-run-stores-nothing", "DELETE", format!("{p}?dryRun=All"), Some(ADMIN), None, Vec::new(), 200, "", Msg::Success),
    ]
}
