//! The corpus's certificate-request and JSON-decoding rows: malformed, mislabelled, unverifiable and
//! unsupported requests in `spec.request`, wrong JSON types for every field, hostile documents.

use super::*;

/// Malformed, truncated, mislabelled, unverifiable and unsupported certificate requests: all
/// rejected by validation of `spec.request` before anything is stored.
pub(super) fn request_cases() -> Vec<Case> {
    let good = csr_pem("good", &["devs"]);
    let der = der_of(&good);
    let other_der = der_of(&csr_pem("other", &[]));
    let mut flipped = der.clone();
    if let Some(last) = flipped.last_mut() {
        *last ^= 0x01;
    }
    // The body of one request with the signature of another.
    let mut swapped = der[..der.len() - 64.min(der.len())].to_vec();
    swapped.extend_from_slice(&other_der[other_der.len() - 64.min(other_der.len())..]);
    // One full line of base64 and one stray character: a length no base64 text can have.
    let first_line = good.lines().nth(1).unwrap_or_default();
    let truncated_b64 = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{first_line}\nQ\n-----END CERTIFICATE REQUEST-----\n"
    );
    let truncated_der = pem_block("CERTIFICATE REQUEST", &der[..der.len() / 2]);
    let garbage = pem_block("CERTIFICATE REQUEST", b"\x30\x03\x02\x01\x00garbage");
    let not_sequence = pem_block("CERTIFICATE REQUEST", b"not der at all");
    let with_headers = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n{}\n-----END CERTIFICATE REQUEST-----\n",
        b64(&flipped)
    );
    let pem_err = "PEM block type must be CERTIFICATE REQUEST";
    let post = |name: &'static str, req: Vec<u8>, msg: Msg| {
        case(
            name,
            "POST",
            CSRS,
            Some(ADMIN),
            JSON,
            bytes(&request_with(name, &req)),
            422,
            "Invalid",
            msg,
        )
    };
    let verbatim = |name: &str, req: &[u8]| {
        invalid(
            name,
            &format!("spec.request: Invalid value: \"{}\": {pem_err}", b64(req)),
        )
    };
    let parse = |name: &str| {
        has(format!(
            "CertificateSigningRequest.certificates.k8s.io \"{name}\" is invalid: spec.request: Invalid value: \""
        ))
    };
    vec![
        post(
            "req-empty",
            Vec::new(),
            has(format!("spec.request: Invalid value: null: {pem_err}")),
        ),
        post(
            "req-no-block",
            b"hello".to_vec(),
            verbatim("req-no-block", b"hello"),
        ),
        post(
            "req-certificate-block",
            pem_block("CERTIFICATE", &der).into_bytes(),
            verbatim(
                "req-certificate-block",
                pem_block("CERTIFICATE", &der).as_bytes(),
            ),
        ),
        post(
            "req-new-certificate-request",
            pem_block("NEW CERTIFICATE REQUEST", &der).into_bytes(),
            verbatim(
                "req-new-certificate-request",
                pem_block("NEW CERTIFICATE REQUEST", &der).as_bytes(),
            ),
        ),
        post(
            "req-private-key-block",
            pem_block("PRIVATE KEY", &der).into_bytes(),
            verbatim(
                "req-private-key-block",
                pem_block("PRIVATE KEY", &der).as_bytes(),
            ),
        ),
        post(
            "req-lowercase-label",
            pem_block("certificate request", &der).into_bytes(),
            verbatim(
                "req-lowercase-label",
                pem_block("certificate request", &der).as_bytes(),
            ),
        ),
        post(
            "req-der-not-pem",
            der.clone(),
            verbatim("req-der-not-pem", &der),
        ),
        post(
            "req-truncated-base64",
            truncated_b64.clone().into_bytes(),
            verbatim("req-truncated-base64", truncated_b64.as_bytes()),
        ),
        post(
            "req-truncated-der",
            truncated_der.into_bytes(),
            parse("req-truncated-der"),
        ),
        post(
            "req-garbage-der",
            garbage.into_bytes(),
            parse("req-garbage-der"),
        ),
        post(
            "req-not-a-sequence",
            not_sequence.into_bytes(),
            parse("req-not-a-sequence"),
        ),
        post(
            "req-certificate-then-request",
            format!("{}{good}", pem_block("CERTIFICATE", &der)).into_bytes(),
            verbatim(
                "req-certificate-then-request",
                format!("{}{good}", pem_block("CERTIFICATE", &der)).as_bytes(),
            ),
        ),
        post(
            "req-garbage-then-request",
            format!("{}{good}", pem_block("CERTIFICATE REQUEST", b"junk")).into_bytes(),
            parse("req-garbage-then-request"),
        ),
        post(
            "req-headers-bad-signature",
            with_headers.into_bytes(),
            parse("req-headers-bad-signature"),
        ),
        post(
            "req-bad-signature",
            pem_block("CERTIFICATE REQUEST", &flipped).into_bytes(),
            parse("req-bad-signature"),
        ),
        post(
            "req-swapped-signature",
            pem_block("CERTIFICATE REQUEST", &swapped).into_bytes(),
            parse("req-swapped-signature"),
        ),
        post("req-dsa-key", data("dsa.csr"), parse("req-dsa-key")),
        post("req-ed448-key", data("ed448.csr"), parse("req-ed448-key")),
        post(
            "req-secp256k1-key",
            data("secp256k1.csr"),
            parse("req-secp256k1-key"),
        ),
        post("req-rsa-md5", data("rsa_md5.csr"), parse("req-rsa-md5")),
        post(
            "req-trailing-nul",
            {
                let mut v = b"\0\0".to_vec();
                v.extend_from_slice(b"not pem");
                v
            },
            verbatim("req-trailing-nul", b"\0\0not pem"),
        ),
    ]
}

/// Wrong JSON types for every spec field, and hostile JSON documents.
pub(super) fn decode_cases() -> Vec<Case> {
    let handled = "cannot be handled as a CertificateSigningRequest";
    let mut out = Vec::new();
    let typed: Vec<(&'static str, &'static str, Value)> = vec![
        ("type-request-number", "/spec/request", json!(123)),
        ("type-request-array", "/spec/request", json!(["a"])),
        (
            "type-request-not-base64",
            "/spec/request",
            json!("!!!not base64!!!"),
        ),
        ("type-request-bad-padding", "/spec/request", json!("YWJj=")),
        ("type-signer-number", "/spec/signerName", json!(5)),
        ("type-signer-object", "/spec/signerName", json!({"a": "b"})),
        ("type-usages-string", "/spec/usages", json!("client auth")),
        ("type-usages-numbers", "/spec/usages", json!([1, 2])),
        (
            "type-usages-object",
            "/spec/usages",
            json!({"client auth": true}),
        ),
        (
            "type-expiration-string",
            "/spec/expirationSeconds",
            json!("3600"),
        ),
        (
            "type-expiration-float",
            "/spec/expirationSeconds",
            json!(3600.5),
        ),
        (
            "type-expiration-overflow",
            "/spec/expirationSeconds",
            json!(4294967296_i64),
        ),
        (
            "type-expiration-bool",
            "/spec/expirationSeconds",
            json!(true),
        ),
        ("type-username-number", "/spec/username", json!(1)),
        ("type-uid-array", "/spec/uid", json!([])),
        (
            "type-groups-string",
            "/spec/groups",
            json!("system:masters"),
        ),
        ("type-groups-numbers", "/spec/groups", json!([1])),
        ("type-extra-array", "/spec/extra", json!(["a"])),
        ("type-extra-string-values", "/spec/extra", json!({"a": "b"})),
        ("type-extra-number-values", "/spec/extra", json!({"a": [1]})),
        ("type-spec-string", "/spec", json!("spec")),
        ("type-status-number", "/status", json!(5)),
        (
            "type-conditions-object",
            "/status/conditions",
            json!({"type": "Approved"}),
        ),
        ("type-certificate-number", "/status/certificate", json!(7)),
        ("type-metadata-array", "/metadata", json!([])),
        ("type-name-number", "/metadata/name", json!(5)),
        (
            "type-labels-number-values",
            "/metadata/labels",
            json!({"a": 1}),
        ),
        (
            "type-annotations-array",
            "/metadata/annotations",
            json!(["a"]),
        ),
    ];
    for (name, pointer, value) in typed {
        let mut obj = csr_object(name, FOO);
        if let Some(slot) = obj.pointer_mut(pointer) {
            *slot = value;
        } else if let Some(parent) = pointer
            .rsplit_once('/')
            .and_then(|(p, _)| obj.pointer_mut(p))
        {
            let key = pointer.rsplit('/').next().unwrap_or_default();
            parent[key] = value;
        }
        out.push(case(
            name,
            "POST",
            CSRS,
            Some(ADMIN),
            JSON,
            bytes(&obj),
            400,
            "BadRequest",
            has(handled),
        ));
    }
    let deep_usages = {
        let obj = csr_object("deep-arrays", FOO).to_string();
        obj.replacen("[\"client auth\"]", &nested(10_000, "[", "]", ""), 1)
    };
    let deep_annotations = {
        let obj = csr_object("deep-objects", FOO).to_string();
        obj.replacen(
            "{\"name\":\"deep-objects\"}",
            &format!(
                "{{\"name\":\"deep-objects\",\"annotations\":{}}}",
                nested(10_000, "{\"a\":", "}", "1")
            ),
            1,
        )
    };
    let post = |name: &'static str, body: Vec<u8>, code: u16, reason: &'static str, msg: Msg| {
        case(
            name,
            "POST",
            CSRS,
            Some(ADMIN),
            JSON,
            body,
            code,
            reason,
            msg,
        )
    };
    out.extend([
        post("json-10000-nested-arrays", deep_usages.into_bytes(), 400, "BadRequest", has("couldn't get version/kind; json parse error: recursion limit exceeded")),
        post("json-10000-nested-objects", deep_annotations.into_bytes(), 400, "BadRequest", has("couldn't get version/kind; json parse error: recursion limit exceeded")),
        post("json-bare-nested-arrays", nested(100_000, "[", "]", "").into_bytes(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
        post("json-empty-body", Vec::new(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
        post("json-null", b"null".to_vec(), 400, "BadRequest", has("couldn't get version/kind; json parse error: json: cannot unmarshal ")),
        post("json-array", b"[]".to_vec(), 400, "BadRequest", has("couldn't get version/kind; json parse error: json: cannot unmarshal ")),
        // Kind and apiVersion default from the endpoint, so an empty object fails validation.
        post("json-empty-object", b"{}".to_vec(), 422, "Invalid",
            has("CertificateSigningRequest.certificates.k8s.io \"\" is invalid: [metadata.name: Required value: name or generateName is required, ")),
        post("json-truncated", csr_object("trunc", FOO).to_string().as_bytes()[..40].to_vec(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
        post("json-invalid-utf8", b"{\"apiVersion\":\"certificates.k8s.io/v1\",\"kind\":\"CertificateSigningRequest\",\"metadata\":{\"name\":\"\xff\xfe\"}}".to_vec(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
        post("json-huge-number", csr_object("hugenum", FOO).to_string().replace("\"expirationSeconds\":3600", &format!("\"expirationSeconds\":{}", "9".repeat(500))).into_bytes(), 400, "BadRequest", has("json parse error: number out of range")),
        post("json-over-3mib", {
            let mut obj = csr_object("big", FOO);
            obj["metadata"]["annotations"] = json!({"a": "x".repeat(3 * 1024 * 1024)});
            bytes(&obj)
        }, 413, "RequestEntityTooLarge", has("limit is 3145728")),
        post("json-wrong-kind", {
            let mut obj = csr_object("pod", FOO);
            obj["kind"] = json!("Pod");
            bytes(&obj)
        }, 400, "BadRequest", exact("the kind in the data (Pod) does not match the expected kind (CertificateSigningRequest)")),
        post("json-trailing-garbage", format!("{} trailing", csr_object("tg", FOO)).into_bytes(), 400, "BadRequest", has("couldn't get version/kind; json parse error: ")),
    ]);
    let strict = format!("{CSRS}?fieldValidation=Strict");
    let mut unknown_spec = csr_object("strict-spec", FOO);
    unknown_spec["spec"]["foo"] = json!("bar");
    let mut unknown_top = csr_object("strict-top", FOO);
    unknown_top["bogus"] = json!(1);
    let mut unknown_meta = csr_object("strict-meta", FOO);
    unknown_meta["metadata"]["nombre"] = json!("x");
    let mut unknown_status = csr_object("strict-status", FOO);
    unknown_status["status"] = json!({"phase": "Approved"});
    out.extend([
        case(
            "strict-unknown-spec-field",
            "POST",
            strict.clone(),
            Some(ADMIN),
            JSON,
            bytes(&unknown_spec),
            400,
            "BadRequest",
            exact("strict decoding error: unknown field \"spec.foo\""),
        ),
        case(
            "strict-unknown-top-field",
            "POST",
            strict.clone(),
            Some(ADMIN),
            JSON,
            bytes(&unknown_top),
            400,
            "BadRequest",
            exact("strict decoding error: unknown field \"bogus\""),
        ),
        case(
            "strict-unknown-metadata-field",
            "POST",
            strict.clone(),
            Some(ADMIN),
            JSON,
            bytes(&unknown_meta),
            400,
            "BadRequest",
            exact("strict decoding error: unknown field \"metadata.nombre\""),
        ),
        case(
            "strict-unknown-status-field",
            "POST",
            strict.clone(),
            Some(ADMIN),
            JSON,
            bytes(&unknown_status),
            400,
            "BadRequest",
            exact("strict decoding error: unknown field \"status.phase\""),
        ),
        case(
            "strict-duplicate-field",
            "POST",
            strict,
            Some(ADMIN),
            JSON,
            csr_object("strict-dup", FOO)
                .to_string()
                .replacen("\"spec\":", "\"spec\":{},\"spec\":", 1)
                .into_bytes(),
            400,
            "BadRequest",
            has("duplicate field"),
        ),
    ]);
    out
}
