//! The CSR REST API through the real router (no socket): what a client sees for each operation
//! and each kind of bad input, and that a rejected request stores nothing.

mod common_setup;

use common_setup::*;
use http::StatusCode;
use serde_json::{Value, json};

const SIGNER: &str = "example.com/foo";

async fn count(h: &Harness) -> usize {
    h.admin("GET", CSRS, None).await.body["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn create_stamps_the_requester_and_clears_status() {
    let h = harness().await;
    let mut obj = csr_object("c1", SIGNER);
    obj["spec"]["username"] = json!("mallory");
    obj["spec"]["groups"] = json!(["system:masters"]);
    obj["status"] =
        json!({"conditions": [{"type": "Approved", "status": "True"}], "certificate": b64(b"x")});
    let r = h.admin("POST", CSRS, Some(obj)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["spec"]["username"], "admin");
    assert_eq!(r.body["spec"]["uid"], "uid-admin");
    assert_eq!(
        r.body["spec"]["groups"],
        json!(["system:masters", "system:authenticated"])
    );
    assert_eq!(r.body["status"], json!({}));
    assert!(
        r.body["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| !u.is_empty())
    );
    assert!(
        r.body["metadata"]["resourceVersion"]
            .as_str()
            .is_some_and(|v| v != "0")
    );
    let got = h.admin("GET", &format!("{CSRS}/c1"), None).await;
    assert_eq!(got.body["spec"]["username"], "admin");
    assert_eq!(got.body["kind"], "CertificateSigningRequest");
}

#[tokio::test]
async fn duplicate_name_conflicts_and_generate_name_works() {
    let h = harness().await;
    assert_eq!(
        h.admin("POST", CSRS, Some(csr_object("dup", SIGNER)))
            .await
            .status,
        StatusCode::CREATED
    );
    let r = h.admin("POST", CSRS, Some(csr_object("dup", SIGNER))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["reason"], "AlreadyExists");
    assert_eq!(
        r.body["message"],
        "certificatesigningrequests.certificates.k8s.io \"dup\" already exists"
    );
    let mut obj = csr_object("x", SIGNER);
    obj["metadata"] = json!({"generateName": "csr-"});
    let r = h.admin("POST", CSRS, Some(obj)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let name = r.body["metadata"]["name"].as_str().unwrap_or("");
    assert!(name.starts_with("csr-") && name.len() == 9, "{name}");
}

async fn rejected(h: &Harness, body: Vec<u8>, code: u16, reason: &str, message: &str) {
    let before = count(h).await;
    let r = h
        .call("POST", CSRS, Some(ADMIN), Some("application/json"), body)
        .await;
    assert_eq!(r.status.as_u16(), code, "{}", r.text);
    assert_eq!(r.body["kind"], "Status");
    assert_eq!(r.body["status"], "Failure");
    assert_eq!(r.body["reason"], reason, "{}", r.text);
    let msg = r.body["message"].as_str().unwrap_or("");
    assert!(msg.contains(message), "message {msg:?} lacks {message:?}");
    assert_eq!(
        count(h).await,
        before,
        "a rejected request stored something"
    );
}

#[tokio::test]
async fn bad_input_gets_a_status_and_stores_nothing() {
    let h = harness().await;
    rejected(
        &h,
        b"{not json".to_vec(),
        400,
        "BadRequest",
        "json parse error",
    )
    .await;
    let mut wrong = csr_object("w", SIGNER);
    wrong["apiVersion"] = json!("v1");
    wrong["kind"] = json!("Pod");
    rejected(
        &h,
        wrong.to_string().into_bytes(),
        400,
        "BadRequest",
        "does not match the expected API version",
    )
    .await;

    let mut not_csr = csr_object("notcsr", SIGNER);
    not_csr["spec"]["request"] = json!(b64(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    ));
    rejected(
        &h,
        not_csr.to_string().into_bytes(),
        422,
        "Invalid",
        "spec.request: Invalid value: ",
    )
    .await;
    rejected(
        &h,
        not_csr.to_string().into_bytes(),
        422,
        "Invalid",
        "PEM block type must be CERTIFICATE REQUEST",
    )
    .await;

    // Flip one bit of the signature: the request no longer verifies.
    let pem_text = csr_pem("tampered", &[]);
    let block = pem::parse(&pem_text).expect("pem");
    let mut der = block.contents().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", der));
    let mut bad_sig = csr_object("badsig", SIGNER);
    bad_sig["spec"]["request"] = json!(b64(tampered.as_bytes()));
    rejected(
        &h,
        bad_sig.to_string().into_bytes(),
        422,
        "Invalid",
        "spec.request: Invalid value",
    )
    .await;

    let mut signer = csr_object("badsigner", SIGNER);
    signer["spec"]["signerName"] = json!("an-invalid-signer-name");
    rejected(&h, signer.to_string().into_bytes(), 422, "Invalid",
        "spec.signerName: Invalid value: \"an-invalid-signer-name\": must be a fully qualified domain and path of the form 'example.com/signer-name'").await;

    let mut short = csr_object("invalid-csr-001", SIGNER);
    short["spec"]["expirationSeconds"] = json!(599);
    rejected(&h, short.to_string().into_bytes(), 422, "Invalid",
        "CertificateSigningRequest.certificates.k8s.io \"invalid-csr-001\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)").await;

    let mut dup = csr_object("dupusage", SIGNER);
    dup["spec"]["usages"] = json!(["client auth", "client auth"]);
    rejected(
        &h,
        dup.to_string().into_bytes(),
        422,
        "Invalid",
        "spec.usages[1]: Duplicate value: \"client auth\"",
    )
    .await;

    let mut unknown = csr_object("unknownusage", SIGNER);
    unknown["spec"]["usages"] = json!(["unknown"]);
    rejected(&h, unknown.to_string().into_bytes(), 422, "Invalid",
        "spec.usages[0]: Unsupported value: \"unknown\": supported values: \"any\", \"cert sign\", \"client auth\"").await;

    let mut wrong_type = csr_object("wrongtype", SIGNER);
    wrong_type["spec"]["usages"] = json!("client auth");
    rejected(
        &h,
        wrong_type.to_string().into_bytes(),
        400,
        "BadRequest",
        "cannot be handled as a CertificateSigningRequest",
    )
    .await;

    let huge = vec![b' '; 3 * 1024 * 1024 + 1];
    rejected(&h, huge, 413, "RequestEntityTooLarge", "limit is 3145728").await;
}

#[tokio::test]
async fn invalid_cause_carries_field_and_reason() {
    let h = harness().await;
    let mut short = csr_object("c", SIGNER);
    short["spec"]["expirationSeconds"] = json!(599);
    let r = h.admin("POST", CSRS, Some(short)).await;
    assert_eq!(r.body["details"]["kind"], "CertificateSigningRequest");
    assert_eq!(r.body["details"]["group"], "certificates.k8s.io");
    assert_eq!(
        r.body["details"]["causes"][0],
        json!({"reason": "FieldValueInvalid", "message": "Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)", "field": "spec.expirationSeconds"})
    );
}

#[tokio::test]
async fn authentication_and_interim_authorization() {
    let h = harness().await;
    let r = h.call("GET", CSRS, None, None, vec![]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
    );
    let r = h.call("GET", CSRS, Some("wrong-token"), None, vec![]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = h.call("GET", CSRS, Some(ALICE), None, vec![]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["message"],
        "certificatesigningrequests.certificates.k8s.io is forbidden: User \"alice\" cannot list resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope"
    );
    let r = h
        .call(
            "PUT",
            &format!("{CSRS}/x/approval"),
            Some(ALICE),
            Some("application/json"),
            b"{}".to_vec(),
        )
        .await;
    assert_eq!(
        r.body["message"],
        "certificatesigningrequests.certificates.k8s.io \"x\" is forbidden: User \"alice\" cannot update resource \"certificatesigningrequests/approval\" in API group \"certificates.k8s.io\" at the cluster scope"
    );
    // Health needs no credentials.
    let r = h.call("GET", "/readyz", None, None, vec![]).await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn not_found_and_method_not_allowed() {
    let h = harness().await;
    let r = h.admin("GET", &format!("{CSRS}/nope"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body["message"],
        "certificatesigningrequests.certificates.k8s.io \"nope\" not found"
    );
    assert_eq!(
        r.body["details"],
        json!({"name": "nope", "group": "certificates.k8s.io", "kind": "certificatesigningrequests"})
    );
    let r = h
        .admin("POST", &format!("{CSRS}/nope/approval"), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    let r = h.admin("GET", &format!("{CSRS}/nope/other"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn approval_status_and_main_endpoints_keep_to_their_fields() {
    let h = harness().await;
    h.admin("POST", CSRS, Some(csr_object("c", SIGNER))).await;
    let cur = h.admin("GET", &format!("{CSRS}/c"), None).await.body;

    // Main resource: spec and status changes are silently dropped, labels land.
    let mut edited = cur.clone();
    edited["spec"]["usages"] = json!(["server auth"]);
    edited["status"]["conditions"] = json!([{"type": "Approved", "status": "True"}]);
    edited["metadata"]["labels"] = json!({"team": "a"});
    let r = h.admin("PUT", &format!("{CSRS}/c"), Some(edited)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["spec"]["usages"], json!(["client auth"]));
    assert_eq!(r.body["status"], json!({}));
    assert_eq!(r.body["metadata"]["labels"], json!({"team": "a"}));

    // /status may not add Approved.
    let mut s = r.body.clone();
    s["status"]["conditions"] = json!([{"type": "Approved", "status": "True"}]);
    let r2 = h.admin("PUT", &format!("{CSRS}/c/status"), Some(s)).await;
    assert_eq!(r2.status.as_u16(), 422, "{}", r2.text);
    assert!(
        r2.body["message"].as_str().unwrap_or("").contains(
            "status.conditions: Forbidden: updates may not add a condition of type \"Approved\""
        ),
        "{}",
        r2.text
    );

    // /approval may, and fills in the timestamps.
    let mut a = r.body.clone();
    a["status"]["conditions"] = json!([{"type": "Approved", "status": "True", "reason": "KubectlApprove", "message": "ok"}]);
    let r3 = h
        .as_user(APPROVER, "PUT", &format!("{CSRS}/c/approval"), Some(a))
        .await;
    assert_eq!(r3.status, StatusCode::OK, "{}", r3.text);
    let c = &r3.body["status"]["conditions"][0];
    assert_eq!(c["type"], "Approved");
    assert!(c["lastUpdateTime"].as_str().is_some() && c["lastTransitionTime"].as_str().is_some());

    // Approved and Denied are mutually exclusive.
    let mut both = r3.body.clone();
    if let Some(v) = both["status"]["conditions"].as_array_mut() {
        v.push(json!({"type": "Denied", "status": "True"}));
    }
    let r4 = h
        .admin("PUT", &format!("{CSRS}/c/approval"), Some(both))
        .await;
    assert_eq!(r4.status.as_u16(), 422);
    assert!(
        r4.text
            .contains("Approved and Denied conditions are mutually exclusive"),
        "{}",
        r4.text
    );

    // The certificate is set once through /status, never changed.
    let cert = rcgen::generate_simple_self_signed(vec!["e2e.example.com".into()])
        .expect("cert")
        .cert
        .pem();
    let patch = json!({"status": {"certificate": b64(cert.as_bytes())}});
    let r5 = h
        .admin("PATCH", &format!("{CSRS}/c/status"), Some(patch))
        .await;
    assert_eq!(r5.status, StatusCode::OK, "{}", r5.text);
    assert_eq!(
        r5.body["status"]["certificate"],
        json!(b64(cert.as_bytes()))
    );
    let other = rcgen::generate_simple_self_signed(vec!["x.example.com".into()])
        .expect("cert")
        .cert
        .pem();
    let r6 = h
        .admin(
            "PATCH",
            &format!("{CSRS}/c/status"),
            Some(json!({"status": {"certificate": b64(other.as_bytes())}})),
        )
        .await;
    assert_eq!(r6.status.as_u16(), 422);
    assert!(
        r6.text.contains(
            "status.certificate: Forbidden: updates may not modify existing certificate content"
        ),
        "{}",
        r6.text
    );
    // ...and not through /approval (silently kept).
    let mut via_approval = r5.body.clone();
    via_approval["status"]["certificate"] = json!(b64(other.as_bytes()));
    let r7 = h
        .admin("PUT", &format!("{CSRS}/c/approval"), Some(via_approval))
        .await;
    assert_eq!(r7.status, StatusCode::OK, "{}", r7.text);
    assert_eq!(
        r7.body["status"]["certificate"],
        json!(b64(cert.as_bytes()))
    );
}

#[tokio::test]
async fn stale_resource_version_conflicts() {
    let h = harness().await;
    let created = h
        .admin("POST", CSRS, Some(csr_object("c", SIGNER)))
        .await
        .body;
    let mut a = created.clone();
    a["metadata"]["labels"] = json!({"a": "1"});
    assert_eq!(
        h.admin("PUT", &format!("{CSRS}/c"), Some(a)).await.status,
        StatusCode::OK
    );
    let mut b = created.clone();
    b["metadata"]["labels"] = json!({"b": "1"});
    let r = h.admin("PUT", &format!("{CSRS}/c"), Some(b)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["reason"], "Conflict");
    assert_eq!(
        r.body["message"],
        "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \"c\": the object has been modified; please apply your changes to the latest version and try again"
    );
    // Without a resourceVersion the update is unconditional.
    let mut c = created.clone();
    c["metadata"]
        .as_object_mut()
        .map(|m| m.remove("resourceVersion"));
    c["metadata"]["labels"] = json!({"c": "1"});
    assert_eq!(
        h.admin("PUT", &format!("{CSRS}/c"), Some(c)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn selectors_paging_and_table() {
    let h = harness().await;
    for (n, s) in [
        ("csr-1", "example.com/signer-name-1"),
        ("csr-2", "example.com/signer-name-2"),
        ("csr-3", "example.com/signer-name-2"),
    ] {
        let mut o = csr_object(n, s);
        o["metadata"]["labels"] = json!({"n": n});
        assert_eq!(
            h.admin("POST", CSRS, Some(o)).await.status,
            StatusCode::CREATED
        );
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let r = h
        .admin(
            "GET",
            &format!("{CSRS}?fieldSelector=spec.signerName%3Dexample.com%2Fsigner-name-2"),
            None,
        )
        .await;
    assert_eq!(names(&r.body), vec!["csr-2", "csr-3"]);
    assert!(
        r.body["items"][0].get("kind").is_none(),
        "list items are not decorated"
    );
    let r = h
        .admin(
            "GET",
            &format!("{CSRS}?labelSelector=n+in+(csr-1,csr-3)"),
            None,
        )
        .await;
    assert_eq!(names(&r.body), vec!["csr-1", "csr-3"]);
    let r = h
        .admin("GET", &format!("{CSRS}?fieldSelector=status.x%3Dy"), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["message"], "field label not supported: status.x");

    let p1 = h.admin("GET", &format!("{CSRS}?limit=2"), None).await.body;
    assert_eq!(names(&p1), vec!["csr-1", "csr-2"]);
    assert_eq!(p1["metadata"]["remainingItemCount"], 1);
    let token = p1["metadata"]["continue"]
        .as_str()
        .unwrap_or("")
        .to_string();
    h.admin("DELETE", &format!("{CSRS}/csr-3"), None).await;
    let p2 = h
        .admin(
            "GET",
            &format!("{CSRS}?limit=2&continue={}", urlencode(&token)),
            None,
        )
        .await
        .body;
    assert_eq!(
        names(&p2),
        vec!["csr-3"],
        "page 2 reads the snapshot of page 1"
    );
    assert_eq!(
        p2["metadata"]["resourceVersion"],
        p1["metadata"]["resourceVersion"]
    );

    let r = h.call("GET", CSRS, Some(ADMIN), None, vec![]).await;
    assert_eq!(r.status, StatusCode::OK);
    let table = h.app.clone();
    let req = http::Request::builder()
        .uri(CSRS)
        .header("authorization", format!("Bearer {ADMIN}"))
        .header(
            "accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .body(axum::body::Body::empty())
        .expect("req");
    let resp = tower::ServiceExt::oneshot(table, req).await.expect("resp");
    assert_eq!(
        resp.headers()["content-type"],
        "application/json;as=Table;v=v1;g=meta.k8s.io"
    );
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    let t: Value = serde_json::from_slice(&bytes).expect("json");
    let cols: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .expect("cols")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        cols,
        vec![
            "Name",
            "Age",
            "SignerName",
            "Requestor",
            "RequestedDuration",
            "Condition"
        ]
    );
    let row = &t["rows"][0]["cells"];
    assert_eq!(row[0], "csr-1");
    assert_eq!(row[2], "example.com/signer-name-1");
    assert_eq!(row[3], "admin");
    assert_eq!(row[4], "60m");
    assert_eq!(row[5], "Pending");
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn delete_and_delete_collection() {
    let h = harness().await;
    let created = h
        .admin("POST", CSRS, Some(csr_object("d1", SIGNER)))
        .await
        .body;
    h.admin("POST", CSRS, Some(csr_object("d2", "other.io/x")))
        .await;
    h.admin("POST", CSRS, Some(csr_object("d3", "other.io/x")))
        .await;
    let r = h.admin("DELETE", &format!("{CSRS}/d1"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success",
        "details":{"name":"d1","group":"certificates.k8s.io","kind":"certificatesigningrequests","uid":created["metadata"]["uid"]}})
    );
    assert_eq!(
        h.admin("GET", &format!("{CSRS}/d1"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = h
        .admin(
            "DELETE",
            &format!("{CSRS}?fieldSelector=spec.signerName%3Dother.io%2Fx"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], "CertificateSigningRequestList");
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(count(&h).await, 0);
}

#[tokio::test]
async fn finalizers_hold_a_deleted_object_until_removed() {
    let h = harness().await;
    let mut o = csr_object("f", SIGNER);
    o["metadata"]["finalizers"] = json!(["example.com/hold"]);
    h.admin("POST", CSRS, Some(o)).await;
    let r = h.admin("DELETE", &format!("{CSRS}/f"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body["metadata"]["deletionTimestamp"].is_string(),
        "{}",
        r.text
    );
    assert_eq!(
        h.admin("GET", &format!("{CSRS}/f"), None).await.status,
        StatusCode::OK
    );
    let r = h
        .admin(
            "PATCH",
            &format!("{CSRS}/f"),
            Some(json!({"metadata": {"finalizers": null}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        h.admin("GET", &format!("{CSRS}/f"), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_fields_strict_and_warn() {
    let h = harness().await;
    let mut o = csr_object("u", SIGNER);
    o["spec"]["foo"] = json!(1);
    let r = h
        .call(
            "POST",
            &format!("{CSRS}?fieldValidation=Strict"),
            Some(ADMIN),
            Some("application/json"),
            o.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["message"],
        "strict decoding error: unknown field \"spec.foo\""
    );
    let r = h
        .call(
            "POST",
            CSRS,
            Some(ADMIN),
            Some("application/json"),
            o.to_string().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        r.headers["warning"],
        "299 - \"unknown field \\\"spec.foo\\\"\""
    );
}

#[tokio::test]
async fn watch_from_a_resource_version_sees_the_change() {
    use futures::StreamExt;
    let h = harness().await;
    let created = h
        .admin("POST", CSRS, Some(csr_object("w", SIGNER)))
        .await
        .body;
    let rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let req = http::Request::builder()
        .uri(format!(
            "{CSRS}?watch=true&resourceVersion={rv}&fieldSelector=metadata.name%3Dw"
        ))
        .header("authorization", format!("Bearer {ADMIN}"))
        .body(axum::body::Body::empty())
        .expect("req");
    let resp = tower::ServiceExt::oneshot(h.app.clone(), req)
        .await
        .expect("resp");
    assert_eq!(resp.status(), StatusCode::OK);
    let mut body = resp.into_body().into_data_stream();
    h.admin(
        "PATCH",
        &format!("{CSRS}/w"),
        Some(json!({"metadata": {"annotations": {"patched": "true"}}})),
    )
    .await;
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), body.next())
        .await
        .expect("an event within the bound")
        .expect("stream open")
        .expect("chunk");
    let ev: Value = serde_json::from_slice(&chunk).expect("event json");
    assert_eq!(ev["type"], "MODIFIED");
    assert_eq!(ev["object"]["metadata"]["annotations"]["patched"], "true");
    assert_eq!(ev["object"]["kind"], "CertificateSigningRequest");
}

#[tokio::test]
async fn a_requester_may_not_decide_its_own_request() {
    let h = harness().await;
    let created = h
        .admin("POST", CSRS, Some(csr_object("mine", SIGNER)))
        .await
        .body;
    let mut a = created.clone();
    a["status"]["conditions"] =
        json!([{"type": "Approved", "status": "True", "reason": "KubectlApprove"}]);
    let r = h
        .admin("PUT", &format!("{CSRS}/mine/approval"), Some(a.clone()))
        .await;
    assert_eq!(count(&h).await, 1);
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "certificatesigningrequests.certificates.k8s.io \"mine\" is forbidden: user \"admin\" requested this CSR and may not approve it: self-approval is refused by Signet's governance policy"
    );
    let mut d = created.clone();
    d["status"]["conditions"] = json!([{"type": "Denied", "status": "True"}]);
    let r = h
        .admin("PUT", &format!("{CSRS}/mine/approval"), Some(d))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("may not deny it"), "{}", r.text);
    // Annotating through /approval is no decision.
    let r = h
        .admin(
            "PATCH",
            &format!("{CSRS}/mine/approval"),
            Some(json!({"metadata": {"annotations": {"x": "y"}}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Another approver may (unconditionally: the annotation moved the resourceVersion on).
    a["metadata"]
        .as_object_mut()
        .map(|m| m.remove("resourceVersion"));
    let r = h
        .as_user(APPROVER, "PUT", &format!("{CSRS}/mine/approval"), Some(a))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn system_masters_through_the_client_signer_is_refused() {
    let h = harness().await;
    let mut o = csr_object("m", "kubernetes.io/kube-apiserver-client");
    o["spec"]["request"] = json!(b64(csr_pem("m", &["system:masters"]).as_bytes()));
    let r = h.admin("POST", CSRS, Some(o)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["message"],
        "certificatesigningrequests.certificates.k8s.io \"m\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
    );
    let mut o = csr_object("n", "kubernetes.io/kube-apiserver-client");
    o["spec"]["request"] = json!(b64(csr_pem("n", &["system:notmasters"]).as_bytes()));
    assert_eq!(
        h.admin("POST", CSRS, Some(o)).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_list_selecting_one_name_is_still_a_list() {
    let h = harness().await;
    h.admin("POST", CSRS, Some(csr_object("csr-2", SIGNER)))
        .await;
    let r = h
        .admin(
            "GET",
            &format!("{CSRS}?fieldSelector=metadata.name%3Dcsr-2"),
            None,
        )
        .await;
    assert_eq!(
        r.body["kind"], "CertificateSigningRequestList",
        "{}",
        r.text
    );
    assert_eq!(r.body["items"][0]["metadata"]["name"], "csr-2");
    let r = h.admin("GET", "/apis/", None).await;
    assert_eq!(r.body["kind"], "APIGroupList", "{}", r.text);
}

#[tokio::test]
async fn beyond_the_in_flight_limit_requests_get_429() {
    let h = harness_full(
        "",
        None,
        signet_apiserver::inflight::InflightLimits::new(0, 0),
    )
    .await;
    let r = h.call("GET", CSRS, Some(ALICE), None, vec![]).await;
    assert_eq!(r.status.as_u16(), 429, "{}", r.text);
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(r.body["reason"], "TooManyRequests");
    assert_eq!(r.body["details"]["retryAfterSeconds"], 1);
    // system:masters is exempt, as upstream.
    assert_eq!(h.admin("GET", CSRS, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_reviews_are_rejected_not_crashed_on() {
    let h = harness().await;
    let lsar = "/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews";
    for body in [
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview", "metadata": "x"}),
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview", "spec": {"resourceAttributes": "x"}}),
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview", "spec": {"user": 7}}),
    ] {
        let r = h.admin("POST", lsar, Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.body["message"].as_str().unwrap_or("").starts_with("LocalSubjectAccessReview in version \"v1\" cannot be handled as a LocalSubjectAccessReview: "), "{}", r.text);
    }
    let ok = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
        "spec": {"user": "alice", "resourceAttributes": {"namespace": "team", "verb": "get", "resource": "pods"}}});
    let r = h.admin("POST", lsar, Some(ok)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["metadata"]["namespace"], "team");
    assert_eq!(r.body["status"]["allowed"], false);
}

#[tokio::test]
async fn a_patch_that_replaces_the_whole_object_is_rejected() {
    let h = harness().await;
    h.admin("POST", CSRS, Some(csr_object("p", SIGNER))).await;
    for (ct, body) in [
        (
            "application/json-patch+json",
            r#"[{"op":"replace","path":"","value":"x"}]"#,
        ),
        (
            "application/json-patch+json",
            r#"[{"op":"replace","path":"/metadata","value":"x"}]"#,
        ),
        ("application/merge-patch+json", r#"{"metadata":"x"}"#),
        (
            "application/strategic-merge-patch+json",
            r#"{"metadata":{"labels":"x"}}"#,
        ),
        ("application/apply-patch+yaml", "metadata: 7\n"),
    ] {
        let uri = format!("{CSRS}/p?fieldManager=t");
        let r = h
            .call(
                "PATCH",
                &uri,
                Some(ADMIN),
                Some(ct),
                body.as_bytes().to_vec(),
            )
            .await;
        assert!(
            matches!(r.status.as_u16(), 400 | 422),
            "{ct} {body}: {} {}",
            r.status,
            r.text
        );
        assert_eq!(r.body["kind"], "Status", "{ct} {body}: {}", r.text);
    }
    assert_eq!(
        h.admin("GET", &format!("{CSRS}/p"), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_count_requests_and_csr_events() {
    let h = harness().await;
    h.admin("POST", CSRS, Some(csr_object("m1", SIGNER))).await;
    h.admin("GET", CSRS, None).await;
    let r = h.call("GET", "/metrics", Some(ALICE), None, vec![]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // CSR events come from a storage watch: wait (bounded) for the creation to be counted.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = h.call("GET", "/metrics", Some(ADMIN), None, vec![]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains("apiserver_request_total{verb=\"create\",resource=\"certificatesigningrequests\",code=\"201\"} 1\n"), "{}", r.text);
        assert!(r.text.contains("apiserver_request_total{verb=\"list\",resource=\"certificatesigningrequests\",code=\"200\"} 1\n"), "{}", r.text);
        if r.text
            .contains("signet_csr_events_total{signer=\"example.com/foo\",event=\"created\"} 1\n")
            && r.text
                .contains("signet_csr_pending{signer=\"example.com/foo\"} 1\n")
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", r.text);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_request_is_audited_with_its_decision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.log");
    let log = signet_apiserver::audit::AuditLog::open(path.clone(), 0, 0).expect("audit log");
    let h = harness_audited(log).await;
    h.admin("POST", CSRS, Some(csr_object("a1", SIGNER))).await;
    h.call("GET", &format!("{CSRS}/a1"), Some(ALICE), None, vec![])
        .await;
    h.call("GET", CSRS, None, None, vec![]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let lines: Vec<Value> = loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines.len() >= 3 {
            break lines;
        }
        assert!(std::time::Instant::now() < deadline, "audit log: {text}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o600
    );
    let create = &lines[0];
    assert_eq!(create["kind"], "Event");
    assert_eq!(create["apiVersion"], "audit.k8s.io/v1");
    assert_eq!(create["verb"], "create");
    assert_eq!(create["user"]["username"], "admin");
    assert_eq!(
        create["objectRef"]["resource"],
        "certificatesigningrequests"
    );
    assert_eq!(create["objectRef"]["apiGroup"], "certificates.k8s.io");
    assert_eq!(create["responseStatus"]["code"], 201);
    assert_eq!(
        create["annotations"]["authorization.k8s.io/decision"],
        "allow"
    );
    let denied = &lines[1];
    assert_eq!(
        (denied["verb"].as_str(), denied["user"]["username"].as_str()),
        (Some("get"), Some("alice"))
    );
    assert_eq!(denied["objectRef"]["name"], "a1");
    assert_eq!(denied["responseStatus"]["code"], 403);
    assert_eq!(
        denied["annotations"]["authorization.k8s.io/decision"],
        "forbid"
    );
    let anonymous = &lines[2];
    assert_eq!(anonymous["responseStatus"]["code"], 401);
    assert_eq!(anonymous["user"], json!({}));
}
