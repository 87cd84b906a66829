#!/usr/bin/env python3
"""Drives `signet serve` with the official Kubernetes Python client (the `kubernetes` package).

Run by crates/signet/tests/python_client.rs, one check per process:

    csr_client.py KUBECONFIG FIXTURES_DIR CHECK

FIXTURES_DIR holds `csr.pem` (an RSA CSR for CN/DNS e2e.example.com, made by openssl),
`cert.pem`, `cert2.pem` (self-signed certificates) and `approver.kubeconfig` (a second member of
system:masters: Signet refuses to let a CSR's requester approve it, so the CSRs the admin creates
are approved by the approver). Every check asserts the exact status codes,
reasons and messages of upstream kube-apiserver (docs/upstream-csr-semantics.md); a failed
assertion exits non-zero with what was expected and what the server sent.
"""

import base64
import json
import queue
import sys
import threading
import time
from pathlib import Path

from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

CSR_GROUP = "certificates.k8s.io"
CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"]
SERVING_USAGES = ["digital signature", "key encipherment", "server auth"]
ADMIN = "signet-admin"
MERGE_PATCH = "application/merge-patch+json"
# Generated name suffixes use this alphabet (apiserver names.SimpleNameGenerator).
NAME_ALPHABET = set("bcdfghjklmnpqrstvwxz2456789")
WAIT = 20  # seconds any single wait may take


def log(message):
    print(message, flush=True)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def as_text(value):
    """`[]byte` fields arrive base64-encoded; the client may hand them over as str or bytes."""
    if isinstance(value, bytes):
        return value.decode()
    return value


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def expect_api_error(call, status, reason, message=None):
    """Runs `call`, which must raise ApiException with this Status; returns the Status body."""
    try:
        result = call()
    except ApiException as e:
        try:
            body = json.loads(e.body)
        except (TypeError, ValueError):
            raise AssertionError(f"error body is not JSON (HTTP {e.status}): {e.body!r}")
        expect_eq(e.status, status, f"HTTP status (body {body})")
        expect_eq(body.get("kind"), "Status", f"error kind (body {body})")
        expect_eq(body.get("status"), "Failure", f"Status.status (body {body})")
        expect_eq(body.get("code"), status, f"Status.code (body {body})")
        expect_eq(body.get("reason"), reason, f"Status.reason (body {body})")
        if message is not None:
            expect_eq(body.get("message"), message, "Status.message")
        return body
    raise AssertionError(f"expected HTTP {status} {reason}, but the call succeeded: {result!r}")


class Context:
    def __init__(self, kubeconfig, fixtures):
        self.api = config.new_client_from_config(config_file=kubeconfig)
        self.certs = client.CertificatesV1Api(self.api)
        fixtures = Path(fixtures)
        self.csr_pem = (fixtures / "csr.pem").read_text()
        self.cert_pem = (fixtures / "cert.pem").read_text()
        self.cert2_pem = (fixtures / "cert2.pem").read_text()
        approver_api = config.new_client_from_config(config_file=str(fixtures / "approver.kubeconfig"))
        self.approver = client.CertificatesV1Api(approver_api)

    def template(self, name=None, generate_name=None, signer="example.com/signet-py",
                 expiration_seconds=None, usages=None):
        return client.V1CertificateSigningRequest(
            api_version=f"{CSR_GROUP}/v1",
            kind="CertificateSigningRequest",
            metadata=client.V1ObjectMeta(name=name, generate_name=generate_name),
            spec=client.V1CertificateSigningRequestSpec(
                request=b64(self.csr_pem),
                signer_name=signer,
                expiration_seconds=expiration_seconds,
                usages=usages if usages is not None else CLIENT_USAGES,
            ),
        )

    def create(self, **kwargs):
        return self.certs.create_certificate_signing_request(self.template(**kwargs))

    def names(self, **list_kwargs):
        items = self.certs.list_certificate_signing_request(**list_kwargs).items
        return [item.metadata.name for item in items]

    def raw_get(self, path):
        """GET returning the decoded JSON, bypassing the client's models (like a dynamic client)."""
        response = self.api.call_api(
            *self.api.param_serialize(method="GET", resource_path=path,
                                      header_params={"Accept": "application/json"},
                                      auth_settings=["BearerToken"]))
        response.read()
        expect_eq(response.status, 200, f"GET {path}")
        return json.loads(response.data)


def start_watch(ctx, resource_version, field_selector):
    """Watches CSRs from `resource_version` in a thread; events arrive on the returned queue."""
    events = queue.Queue()
    stream = watch.Watch()

    def run():
        try:
            for event in stream.stream(ctx.certs.list_certificate_signing_request,
                                       resource_version=resource_version,
                                       field_selector=field_selector,
                                       timeout_seconds=WAIT + 10,
                                       _request_timeout=WAIT + 15):
                events.put(("event", event))
        except Exception as e:  # reported to the main thread, which fails the check
            events.put(("error", e))
        events.put(("closed", None))

    threading.Thread(target=run, daemon=True).start()
    return stream, events


def next_event(events, what):
    try:
        kind, value = events.get(timeout=WAIT)
    except queue.Empty:
        raise AssertionError(f"no watch event within {WAIT}s while waiting for {what}")
    if kind == "error":
        raise AssertionError(f"watch failed while waiting for {what}: {value!r}")
    if kind == "closed":
        raise AssertionError(f"watch closed while waiting for {what}")
    return value


def approved_condition():
    return client.V1CertificateSigningRequestCondition(
        type="Approved", status="True", reason="E2E", message="Set from an e2e test")


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

def check_create_and_generate_name(ctx):
    created = ctx.create(name="py-named")
    expect_eq(created.metadata.name, "py-named", "name")
    expect(created.metadata.uid, "created CSR has a uid")
    expect(created.metadata.resource_version, "created CSR has a resourceVersion")
    expect_eq(created.spec.username, ADMIN, "spec.username")
    expect("system:masters" in created.spec.groups, f"groups {created.spec.groups}")
    expect("system:authenticated" in created.spec.groups, f"groups {created.spec.groups}")
    expect_eq(as_text(created.spec.request), b64(ctx.csr_pem), "spec.request round trip")
    expect_eq(created.spec.usages, CLIENT_USAGES, "spec.usages")
    expect(created.status is None or (not created.status.conditions and not created.status.certificate),
           f"a new CSR has an empty status, got {created.status}")
    log("ok: create with a name")

    generated = ctx.create(generate_name="py-gen-")
    name = generated.metadata.name
    expect(name.startswith("py-gen-") and len(name) == len("py-gen-") + 5,
           f"generated name {name!r} should be 'py-gen-' plus 5 characters")
    expect(set(name[len("py-gen-"):]) <= NAME_ALPHABET, f"generated suffix of {name!r}")
    expect_eq(generated.metadata.generate_name, "py-gen-", "metadata.generateName")
    again = ctx.certs.read_certificate_signing_request(name)
    expect_eq(again.metadata.uid, generated.metadata.uid, "uid on read")
    log(f"ok: create with generateName -> {name}")


def check_list_field_selector(ctx):
    # Created out of order: lists are ordered by name, not by creation (§11.3).
    ctx.create(name="csr-3", signer="example.com/signer-name-2")
    ctx.create(name="csr-1", signer="example.com/signer-name-1")
    ctx.create(name="csr-2", signer="example.com/signer-name-2")

    listed = ctx.certs.list_certificate_signing_request()
    expect_eq([i.metadata.name for i in listed.items], ["csr-1", "csr-2", "csr-3"], "full list")
    expect(listed.metadata.resource_version, "list has a resourceVersion")
    cases = [
        ("spec.signerName=example.com/signer-name-1", ["csr-1"]),
        ("spec.signerName=example.com/signer-name-2", ["csr-2", "csr-3"]),
        ("spec.signerName!=example.com/signer-name-1", ["csr-2", "csr-3"]),
        ("metadata.name=csr-2", ["csr-2"]),
        ("metadata.name=csr-2,spec.signerName=example.com/signer-name-1", []),
    ]
    for selector, expected in cases:
        expect_eq(ctx.names(field_selector=selector), expected, f"fieldSelector {selector}")
        log(f"ok: fieldSelector {selector} -> {expected}")
    expect_api_error(lambda: ctx.certs.list_certificate_signing_request(field_selector="spec.username=x"),
                     400, "BadRequest", "field label not supported: spec.username")
    log("ok: unsupported field label -> 400")


def check_watch_from_resource_version(ctx):
    ctx.create(name="watched")
    ctx.create(name="unwatched")
    rv = ctx.certs.list_certificate_signing_request().metadata.resource_version
    stream, events = start_watch(ctx, rv, "metadata.name=watched")
    patch = {"metadata": {"annotations": {"patched": "true"}}}
    ctx.certs.patch_certificate_signing_request("unwatched", patch, _content_type=MERGE_PATCH)
    ctx.certs.patch_certificate_signing_request("watched", patch, _content_type=MERGE_PATCH)
    event = next_event(events, "the MODIFIED event of the patch")
    stream.stop()
    raw = event["raw_object"]
    expect_eq(event["type"], "MODIFIED", f"first event after the list's resourceVersion ({raw})")
    expect_eq(raw.get("kind"), "CertificateSigningRequest", "event object kind")
    expect_eq(raw.get("apiVersion"), f"{CSR_GROUP}/v1", "event object apiVersion")
    expect_eq(raw["metadata"]["name"], "watched", "event object name")
    expect_eq(raw["metadata"].get("annotations", {}).get("patched"), "true", "event annotation")
    log("ok: watch from the list's resourceVersion -> MODIFIED")


def check_approve_via_approval_subresource(ctx):
    ctx.create(name="py-approve")
    csr = ctx.certs.read_certificate_signing_request("py-approve")
    csr.status = client.V1CertificateSigningRequestStatus(conditions=[approved_condition()])
    expect_api_error(
        lambda: ctx.certs.replace_certificate_signing_request_approval("py-approve", csr),
        403, "Forbidden",
        'certificatesigningrequests.certificates.k8s.io "py-approve" is forbidden: user '
        '"signet-admin" requested this CSR and may not approve it: self-approval is refused by '
        "Signet's governance policy")
    log("ok: the requester may not approve its own CSR")
    result = ctx.approver.replace_certificate_signing_request_approval("py-approve", csr)
    conditions = result.status.conditions
    expect_eq(len(conditions), 1, f"conditions {conditions}")
    c = conditions[0]
    expect_eq((c.type, c.status, c.reason, c.message),
              ("Approved", "True", "E2E", "Set from an e2e test"), "Approved condition")
    expect(c.last_update_time is not None, "the server fills lastUpdateTime")
    expect(c.last_transition_time is not None, "the server fills lastTransitionTime")
    stored = ctx.certs.read_certificate_signing_request("py-approve")
    expect_eq([x.type for x in stored.status.conditions], ["Approved"], "stored conditions")
    log("ok: replace_certificate_signing_request_approval")


def check_status_certificate(ctx):
    ctx.create(name="py-issued")
    body = {"status": {"certificate": b64(ctx.cert_pem)}}
    result = ctx.certs.patch_certificate_signing_request_status("py-issued", body,
                                                                _content_type=MERGE_PATCH)
    expect_eq(as_text(result.status.certificate), b64(ctx.cert_pem), "certificate in the response")
    stored = ctx.certs.read_certificate_signing_request("py-issued")
    expect_eq(as_text(stored.status.certificate), b64(ctx.cert_pem), "stored certificate")
    log("ok: patch_certificate_signing_request_status sets the certificate")

    other = {"status": {"certificate": b64(ctx.cert2_pem)}}
    expect_api_error(
        lambda: ctx.certs.patch_certificate_signing_request_status("py-issued", other,
                                                                   _content_type=MERGE_PATCH),
        422, "Invalid",
        'CertificateSigningRequest.certificates.k8s.io "py-issued" is invalid: '
        "status.certificate: Forbidden: updates may not modify existing certificate content")
    log("ok: the certificate cannot be changed once set")


def check_conflict_on_stale_resource_version(ctx):
    ctx.create(name="contested")
    stale = ctx.certs.read_certificate_signing_request("contested")
    ctx.certs.patch_certificate_signing_request(
        "contested", {"metadata": {"labels": {"winner": "first"}}}, _content_type=MERGE_PATCH)
    stale.metadata.labels = {"winner": "second"}
    message = ("Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io "
               '"contested": the object has been modified; please apply your changes to the '
               "latest version and try again")
    body = expect_api_error(lambda: ctx.certs.replace_certificate_signing_request("contested", stale),
                            409, "Conflict", message)
    expect_eq(body.get("details"), {"name": "contested", "group": CSR_GROUP,
                                    "kind": "certificatesigningrequests"}, "Conflict details")
    log("ok: replace with a stale resourceVersion -> 409 Conflict")

    stale.status = client.V1CertificateSigningRequestStatus(conditions=[approved_condition()])
    expect_api_error(
        lambda: ctx.approver.replace_certificate_signing_request_approval("contested", stale),
        409, "Conflict", message)
    log("ok: approval with a stale resourceVersion -> 409 Conflict")

    stored = ctx.certs.read_certificate_signing_request("contested")
    expect_eq(stored.metadata.labels, {"winner": "first"}, "labels after the conflicts")
    expect(not stored.status or not stored.status.conditions, "no condition after the conflicts")


def check_invalid_expiration(ctx):
    body = expect_api_error(
        lambda: ctx.create(name="invalid-csr-001", expiration_seconds=599), 422, "Invalid",
        'CertificateSigningRequest.certificates.k8s.io "invalid-csr-001" is invalid: '
        "spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 "
        "seconds (10 minutes)")
    expect_eq(body.get("details", {}).get("causes"), [{
        "reason": "FieldValueInvalid",
        "message": "Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)",
        "field": "spec.expirationSeconds",
    }], "causes")
    expect_eq(ctx.names(), [], "nothing stored after a 422")
    created = ctx.create(name="valid-csr-600", expiration_seconds=600)
    expect_eq(created.spec.expiration_seconds, 600, "600 s is the minimum accepted")
    log("ok: expiration_seconds=599 -> 422, 600 accepted")


def check_not_found(ctx):
    message = 'certificatesigningrequests.certificates.k8s.io "missing" not found'
    details = {"name": "missing", "group": CSR_GROUP, "kind": "certificatesigningrequests"}
    for what, call in [
        ("read", lambda: ctx.certs.read_certificate_signing_request("missing")),
        ("delete", lambda: ctx.certs.delete_certificate_signing_request("missing")),
        ("read approval", lambda: ctx.certs.read_certificate_signing_request_approval("missing")),
        ("patch", lambda: ctx.certs.patch_certificate_signing_request(
            "missing", {"metadata": {"labels": {"a": "b"}}}, _content_type=MERGE_PATCH)),
    ]:
        body = expect_api_error(call, 404, "NotFound", message)
        expect_eq(body.get("details"), details, f"{what}: NotFound details")
        log(f"ok: {what} of a missing CSR -> 404")


def check_e2e_csr_api_operations(ctx):
    """The conformance test "should support CSR API operations" (§12.1 Test B)."""
    signer = f"example.com/e2e-{int(time.time() * 1000)}"
    selector = f"spec.signerName={signer}"

    # 1. Discovery.
    groups = client.ApisApi(ctx.api).get_api_versions().groups
    group = next((g for g in groups if g.name == CSR_GROUP), None)
    expect(group is not None, f"/apis lists {CSR_GROUP}")
    expect("v1" in [v.version for v in group.versions], "/apis lists certificates.k8s.io/v1")
    api_group = client.CertificatesApi(ctx.api).get_api_group()
    expect("v1" in [v.version for v in api_group.versions], "/apis/certificates.k8s.io lists v1")
    resources = {r.name for r in ctx.certs.get_api_resources().resources}
    for name in ["certificatesigningrequests", "certificatesigningrequests/approval",
                 "certificatesigningrequests/status"]:
        expect(name in resources, f"/apis/certificates.k8s.io/v1 lists {name}: {resources}")
    log("ok: discovery")

    # 2-4. Create three, get the third, list by signer.
    def template():
        return dict(generate_name="e2e-example-csr-", signer=signer, expiration_seconds=3600,
                    usages=SERVING_USAGES)
    created = [ctx.create(**template()) for _ in range(3)]
    name = created[2].metadata.name
    got = ctx.certs.read_certificate_signing_request(name)
    expect_eq(got.metadata.uid, created[2].metadata.uid, "uid of the third CSR")
    expect_eq(got.spec.expiration_seconds, 3600, "spec.expirationSeconds")
    listed = ctx.certs.list_certificate_signing_request(field_selector=selector)
    expect_eq(len(listed.items), 3, "list by signer")
    log("ok: create x3, get, list")

    # 5-8. Watch, patch, update; the watch sees MODIFIED events only.
    stream, events = start_watch(ctx, listed.metadata.resource_version, f"metadata.name={name}")
    patched = ctx.certs.patch_certificate_signing_request(
        name, {"metadata": {"annotations": {"patched": "true"}}}, _content_type=MERGE_PATCH)
    expect_eq(patched.metadata.annotations.get("patched"), "true", "patched annotation")
    patched.metadata.annotations["updated"] = "true"
    updated = ctx.certs.replace_certificate_signing_request(name, patched)
    expect_eq(updated.metadata.annotations.get("updated"), "true", "updated annotation")
    while True:
        event = next_event(events, "an event with annotation patched=true")
        expect_eq(event["type"], "MODIFIED", "watch event type")
        expect_eq(event["raw_object"].get("kind"), "CertificateSigningRequest", "event kind")
        if event["raw_object"]["metadata"].get("annotations", {}).get("patched") == "true":
            break
    stream.stop()
    log("ok: patch, update, watch")

    # 9-11. The /approval subresource, written by the approver (not the requester).
    path = f"/apis/{CSR_GROUP}/v1/certificatesigningrequests/{name}"
    raw = ctx.raw_get(f"{path}/approval")
    expect_eq((raw.get("apiVersion"), raw.get("kind")), (f"{CSR_GROUP}/v1", "CertificateSigningRequest"),
              "GET /approval kind")
    expect_eq(raw["metadata"]["uid"], got.metadata.uid, "GET /approval uid")
    approval_patch = {
        "metadata": {"annotations": {"patchedapproval": "true"}},
        "status": {"conditions": [{"type": "ApprovalPatch", "status": "True", "reason": "e2e"}]},
    }
    patched = ctx.approver.patch_certificate_signing_request_approval(name, approval_patch,
                                                                      _content_type=MERGE_PATCH)
    expect_eq([c.type for c in patched.status.conditions], ["ApprovalPatch"], "approval patch")
    expect_eq(patched.metadata.annotations.get("patchedapproval"), "true", "approval annotation")
    patched.status.conditions.append(approved_condition())
    approved = ctx.approver.replace_certificate_signing_request_approval(name, patched)
    expect_eq([c.type for c in approved.status.conditions], ["ApprovalPatch", "Approved"],
              "conditions after the approval update")
    log("ok: /approval get, patch, update")

    # 12-14. The /status subresource.
    raw = ctx.raw_get(f"{path}/status")
    expect_eq((raw.get("apiVersion"), raw.get("kind")), (f"{CSR_GROUP}/v1", "CertificateSigningRequest"),
              "GET /status kind")
    expect_eq(raw["metadata"]["uid"], got.metadata.uid, "GET /status uid")
    status_patch = {
        "metadata": {"annotations": {"patchedstatus": "true"}},
        "status": {"certificate": b64(ctx.cert_pem)},
    }
    patched = ctx.certs.patch_certificate_signing_request_status(name, status_patch,
                                                                 _content_type=MERGE_PATCH)
    expect_eq(as_text(patched.status.certificate), b64(ctx.cert_pem), "certificate after /status patch")
    expect_eq(patched.metadata.annotations.get("patchedstatus"), "true", "status annotation")
    patched.status.conditions.append(client.V1CertificateSigningRequestCondition(
        type="StatusUpdate", status="True", reason="E2E", message="Set from an e2e test"))
    updated = ctx.certs.replace_certificate_signing_request_status(name, patched)
    expect_eq([c.type for c in updated.status.conditions],
              ["ApprovalPatch", "Approved", "StatusUpdate"], "conditions after the status update")
    log("ok: /status get, patch, update")

    # 15-16. Delete one, then the collection.
    ctx.certs.delete_certificate_signing_request(name)
    expect_api_error(lambda: ctx.certs.read_certificate_signing_request(name), 404, "NotFound")
    expect_eq(len(ctx.names(field_selector=selector)), 2, "list by signer after delete")
    ctx.certs.delete_collection_certificate_signing_request(field_selector=selector)
    expect_eq(ctx.names(field_selector=selector), [], "list by signer after deletecollection")
    log("ok: delete, deletecollection")


CHECKS = {name[len("check_"):]: fn for name, fn in globals().items() if name.startswith("check_")}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in CHECKS:
        sys.exit(f"usage: {sys.argv[0]} KUBECONFIG FIXTURES_DIR {{{'|'.join(sorted(CHECKS))}}}")
    ctx = Context(sys.argv[1], sys.argv[2])
    CHECKS[sys.argv[3]](ctx)
    log(f"PASS {sys.argv[3]}")


if __name__ == "__main__":
    main()
