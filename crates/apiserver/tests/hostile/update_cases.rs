//! The corpus's update rows: conditions, spec and certificates tampered with through the main
//! resource, `/status` and `/approval`, and stale preconditions.

use super::*;

/// Conditions, spec and certificates tampered with through every endpoint.
pub(super) fn update_cases(pending: &Value, approved: &Value) -> Vec<Case> {
    let p = format!("{CSRS}/pending");
    let a = format!("{CSRS}/approved");
    let with = |base: &Value, pointer: &str, value: Value| {
        let mut obj = base.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        if let Some(slot) = obj.pointer_mut(parent) {
            slot[key] = value;
        }
        obj
    };
    let approved_cond =
        json!({"type": "Approved", "status": "True", "reason": "R", "message": "m"});
    let denied_cond = json!({"type": "Denied", "status": "True", "reason": "R", "message": "m"});
    let old_approved = approved["status"]["conditions"][0].clone();
    let cert = b64(self_signed_pem().as_bytes());
    let bad_cert = |text: &str| b64(text.as_bytes());
    let cert_invalid = "status.certificate: Invalid value: \"<certificate data>\": ";
    let forbid_add =
        "status.conditions: Forbidden: updates may not add a condition of type \"Approved\"";
    let forbid_remove =
        "status.conditions: Forbidden: updates may not remove a condition of type \"Approved\"";
    let sign_denied = "certificatesigningrequests.certificates.k8s.io \"approved\" is forbidden: user not permitted to sign requests with signerName \"example.com/foo\"";
    let put = |name: &'static str,
               path: String,
               token: &'static str,
               obj: Value,
               code: u16,
               reason: &'static str,
               msg: Msg| {
        case(
            name,
            "PUT",
            path,
            Some(token),
            JSON,
            bytes(&obj),
            code,
            reason,
            msg,
        )
    };
    let patch = |name: &'static str,
                 path: String,
                 token: &'static str,
                 ct: Option<&'static str>,
                 body: Value,
                 code: u16,
                 reason: &'static str,
                 msg: Msg| {
        case(
            name,
            "PATCH",
            path,
            Some(token),
            ct,
            bytes(&body),
            code,
            reason,
            msg,
        )
    };
    vec![
        // The main resource keeps the old status and spec: a silent no-op.
        put(
            "main-put-adds-approved",
            p.clone(),
            ADMIN,
            with(pending, "/status/conditions", json!([approved_cond])),
            200,
            "",
            Msg::Success,
        ),
        put(
            "main-put-injects-certificate",
            p.clone(),
            ADMIN,
            with(pending, "/status/certificate", json!(cert)),
            200,
            "",
            Msg::Success,
        ),
        put(
            "main-put-changes-signer",
            p.clone(),
            ADMIN,
            with(pending, "/spec/signerName", json!("example.com/bar")),
            200,
            "",
            Msg::Success,
        ),
        put(
            "main-put-changes-usages",
            p.clone(),
            ADMIN,
            with(pending, "/spec/usages", json!(["server auth"])),
            200,
            "",
            Msg::Success,
        ),
        put(
            "main-put-changes-username",
            p.clone(),
            ADMIN,
            with(pending, "/spec/username", json!("mallory")),
            200,
            "",
            Msg::Success,
        ),
        put(
            "main-put-removes-approved",
            a.clone(),
            ADMIN,
            with(approved, "/status/conditions", json!([])),
            200,
            "",
            Msg::Success,
        ),
        patch(
            "main-merge-adds-approved",
            p.clone(),
            ADMIN,
            MERGE,
            json!({"status": {"conditions": [approved_cond]}}),
            200,
            "",
            Msg::Success,
        ),
        patch(
            "main-merge-changes-request",
            p.clone(),
            ADMIN,
            MERGE,
            json!({"spec": {"request": b64(csr_pem("x", &[]).as_bytes())}}),
            200,
            "",
            Msg::Success,
        ),
        patch(
            "main-json-patch-groups",
            p.clone(),
            ADMIN,
            JSON_PATCH,
            json!([{"op": "add", "path": "/spec/groups/-", "value": "system:masters"}]),
            200,
            "",
            Msg::Success,
        ),
        patch(
            "main-merge-removes-approved",
            a.clone(),
            ADMIN,
            MERGE,
            json!({"status": {"conditions": null}}),
            200,
            "",
            Msg::Success,
        ),
        // /status: Approved and Denied cannot be added or removed there.
        put(
            "status-put-adds-approved",
            format!("{p}/status"),
            ADMIN,
            with(pending, "/status/conditions", json!([approved_cond])),
            422,
            "Invalid",
            invalid("pending", forbid_add),
        ),
        put(
            "status-put-adds-denied",
            format!("{p}/status"),
            ADMIN,
            with(pending, "/status/conditions", json!([denied_cond])),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions: Forbidden: updates may not add a condition of type \"Denied\"",
            ),
        ),
        put(
            "status-put-removes-approved",
            format!("{a}/status"),
            ADMIN,
            with(approved, "/status/conditions", json!([])),
            422,
            "Invalid",
            invalid("approved", forbid_remove),
        ),
        patch(
            "status-merge-adds-approved",
            format!("{p}/status"),
            ADMIN,
            MERGE,
            json!({"status": {"conditions": [approved_cond]}}),
            422,
            "Invalid",
            invalid("pending", forbid_add),
        ),
        put(
            "status-put-failed-false",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Failed", "status": "False"}]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[0].status: Unsupported value: \"False\": supported values: \"True\"",
            ),
        ),
        put(
            "status-put-custom-maybe",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Custom", "status": "Maybe"}]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[0].status: Unsupported value: \"Maybe\": supported values: \"False\", \"True\", \"Unknown\"",
            ),
        ),
        put(
            "status-put-duplicate-custom",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Custom", "status": "True"}, {"type": "Custom", "status": "False"}]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[1].type: Duplicate value: \"Custom\"",
            ),
        ),
        put(
            "status-put-empty-type",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "", "status": "True"}]),
            ),
            422,
            "Invalid",
            invalid("pending", "status.conditions[0].type: Required value"),
        ),
        put(
            "status-put-empty-status",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Custom", "status": ""}]),
            ),
            422,
            "Invalid",
            invalid("pending", "status.conditions[0].status: Required value"),
        ),
        put(
            "status-put-certificate-garbage",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/certificate",
                json!(bad_cert(&pem_block("CERTIFICATE", b"\x30\x00"))),
            ),
            422,
            "Invalid",
            has(format!("{cert_invalid}x509: ")),
        ),
        put(
            "status-put-certificate-wrong-block",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/certificate",
                json!(bad_cert(
                    &self_signed_pem().replace("CERTIFICATE", "CERTIFICATE1")
                )),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                &format!(
                    "{cert_invalid}only CERTIFICATE PEM blocks are allowed, found \"CERTIFICATE1\""
                ),
            ),
        ),
        put(
            "status-put-certificate-headers",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/certificate",
                json!(bad_cert(&self_signed_pem().replacen(
                    "-----\n",
                    "-----\nProc-Type: 4,ENCRYPTED\n\n",
                    1
                ))),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                &format!("{cert_invalid}no PEM block headers are permitted"),
            ),
        ),
        put(
            "status-put-certificate-not-pem",
            format!("{p}/status"),
            ADMIN,
            with(pending, "/status/certificate", json!(bad_cert("just text"))),
            422,
            "Invalid",
            invalid(
                "pending",
                &format!("{cert_invalid}must contain at least one CERTIFICATE PEM block"),
            ),
        ),
        put(
            "status-put-certificate-empty-block",
            format!("{p}/status"),
            ADMIN,
            with(
                pending,
                "/status/certificate",
                json!(bad_cert(&pem_block("CERTIFICATE", b""))),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                &format!("{cert_invalid}found CERTIFICATE PEM block containing 0 certificates"),
            ),
        ),
        // /status: spec is silently ignored, a no-op.
        put(
            "status-put-changes-signer",
            format!("{p}/status"),
            ADMIN,
            with(pending, "/spec/signerName", json!("example.com/bar")),
            200,
            "",
            Msg::Success,
        ),
        put(
            "status-put-changes-groups",
            format!("{p}/status"),
            ADMIN,
            with(pending, "/spec/groups", json!(["system:masters"])),
            200,
            "",
            Msg::Success,
        ),
        // A certificate without `sign` on the signer.
        put(
            "status-put-certificate-without-sign",
            format!("{a}/status"),
            STATUSER,
            with(approved, "/status/certificate", json!(cert)),
            403,
            "Forbidden",
            exact(sign_denied),
        ),
        patch(
            "status-merge-certificate-without-sign",
            format!("{a}/status"),
            STATUSER,
            MERGE,
            json!({"status": {"certificate": cert}}),
            403,
            "Forbidden",
            exact(sign_denied),
        ),
        patch(
            "status-json-patch-certificate-without-sign",
            format!("{a}/status"),
            STATUSER,
            JSON_PATCH,
            json!([{"op": "add", "path": "/status/certificate", "value": cert}]),
            403,
            "Forbidden",
            exact(sign_denied),
        ),
        // /approval: no removal, True only for Approved/Denied/Failed, no duplicates, no both.
        put(
            "approval-put-removes-approved",
            format!("{a}/approval"),
            ADMIN,
            with(approved, "/status/conditions", json!([])),
            422,
            "Invalid",
            invalid("approved", forbid_remove),
        ),
        put(
            "approval-put-approved-false",
            format!("{p}/approval"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Approved", "status": "False"}]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[0].status: Unsupported value: \"False\": supported values: \"True\"",
            ),
        ),
        put(
            "approval-put-denied-unknown",
            format!("{p}/approval"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Denied", "status": "Unknown"}]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[0].status: Unsupported value: \"Unknown\": supported values: \"True\"",
            ),
        ),
        put(
            "approval-put-custom-maybe",
            format!("{p}/approval"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Custom", "status": "maybe"}]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[0].status: Unsupported value: \"maybe\": supported values: \"False\", \"True\", \"Unknown\"",
            ),
        ),
        put(
            "approval-put-duplicate-approved",
            format!("{p}/approval"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([approved_cond, approved_cond]),
            ),
            422,
            "Invalid",
            invalid(
                "pending",
                "status.conditions[1].type: Duplicate value: \"Approved\"",
            ),
        ),
        put(
            "approval-put-approved-and-denied",
            format!("{p}/approval"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([approved_cond, denied_cond]),
            ),
            422,
            "Invalid",
            has("Approved and Denied conditions are mutually exclusive"),
        ),
        put(
            "approval-put-denies-approved",
            format!("{a}/approval"),
            ADMIN,
            with(
                approved,
                "/status/conditions",
                json!([old_approved, denied_cond]),
            ),
            422,
            "Invalid",
            has("Approved and Denied conditions are mutually exclusive"),
        ),
        put(
            "approval-put-empty-status",
            format!("{p}/approval"),
            ADMIN,
            with(
                pending,
                "/status/conditions",
                json!([{"type": "Approved", "status": ""}]),
            ),
            422,
            "Invalid",
            invalid("pending", "status.conditions[0].status: Required value"),
        ),
        patch(
            "approval-merge-removes-approved",
            format!("{a}/approval"),
            ADMIN,
            MERGE,
            json!({"status": {"conditions": []}}),
            422,
            "Invalid",
            invalid("approved", forbid_remove),
        ),
        patch(
            "approval-json-patch-missing-path",
            format!("{p}/approval"),
            ADMIN,
            JSON_PATCH,
            json!([{"op": "replace", "path": "/status/conditions/5/status", "value": "True"}]),
            422,
            "Invalid",
            exact("the server rejected our request due to an error in our request"),
        ),
        patch(
            "approval-json-patch-remove-missing",
            format!("{p}/approval"),
            ADMIN,
            JSON_PATCH,
            json!([{"op": "remove", "path": "/metadata/labels/nope"}]),
            422,
            "Invalid",
            exact("the server rejected our request due to an error in our request"),
        ),
        patch(
            "approval-json-patch-test-fails",
            format!("{p}/approval"),
            ADMIN,
            JSON_PATCH,
            json!([{"op": "test", "path": "/spec/signerName", "value": "x"}]),
            422,
            "Invalid",
            exact("the server rejected our request due to an error in our request"),
        ),
        patch(
            "approval-json-patch-bad-op",
            format!("{p}/approval"),
            ADMIN,
            JSON_PATCH,
            json!([{"op": "frobnicate", "path": "/spec"}]),
            422,
            "Invalid",
            exact("the server rejected our request due to an error in our request"),
        ),
        // /approval: spec and certificate are silently ignored, a no-op.
        put(
            "approval-put-changes-spec",
            format!("{a}/approval"),
            ADMIN,
            with(approved, "/spec/expirationSeconds", json!(86400)),
            200,
            "",
            Msg::Success,
        ),
        put(
            "approval-put-injects-certificate",
            format!("{a}/approval"),
            ADMIN,
            with(approved, "/status/certificate", json!(cert)),
            200,
            "",
            Msg::Success,
        ),
        // Preconditions.
        put(
            "precondition-stale-resource-version",
            p.clone(),
            ADMIN,
            with(pending, "/metadata/resourceVersion", json!("1")),
            409,
            "Conflict",
            exact(
                "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \"pending\": the object has been modified; please apply your changes to the latest version and try again",
            ),
        ),
        patch(
            "precondition-stale-in-merge",
            p.clone(),
            ADMIN,
            MERGE,
            json!({"metadata": {"resourceVersion": "1", "labels": {"a": "b"}}}),
            409,
            "Conflict",
            exact(
                "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \"pending\": the object has been modified; please apply your changes to the latest version and try again",
            ),
        ),
        put(
            "precondition-stale-status",
            format!("{p}/status"),
            ADMIN,
            with(
                &with(pending, "/metadata/resourceVersion", json!("1")),
                "/metadata/labels",
                json!({"a": "b"}),
            ),
            409,
            "Conflict",
            exact(
                "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \"pending\": the object has been modified; please apply your changes to the latest version and try again",
            ),
        ),
        case(
            "precondition-delete-wrong-uid",
            "DELETE",
            p.clone(),
            Some(ADMIN),
            JSON,
            bytes(
                &json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "not-the-uid"}}),
            ),
            409,
            "Conflict",
            exact(format!(
                "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \"pending\": Precondition failed: UID in precondition: not-the-uid, UID in object meta: {}",
                pending["metadata"]["uid"].as_str().unwrap_or_default()
            )),
        ),
        case(
            "precondition-delete-wrong-rv",
            "DELETE",
            p.clone(),
            Some(ADMIN),
            JSON,
            bytes(
                &json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": "1"}}),
            ),
            409,
            "Conflict",
            has(
                "certificatesigningrequests.certificates.k8s.io \"pending\": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ",
            ),
        ),
        put(
            "put-name-mismatch",
            p.clone(),
            ADMIN,
            with(pending, "/metadata/name", json!("other")),
            400,
            "BadRequest",
            exact("the name of the object (other) does not match the name on the URL (pending)"),
        ),
        patch(
            "main-merge-changes-uid",
            p.clone(),
            ADMIN,
            MERGE,
            json!({"metadata": {"uid": "forged"}}),
            422,
            "Invalid",
            invalid(
                "pending",
                "metadata.uid: Invalid value: \"forged\": field is immutable",
            ),
        ),
    ]
}
