//! Leases (`coordination.k8s.io/v1`) through the router: namespaced create, compare-and-swap
//! renewals as leader election does them, validation, and listing across namespaces.

mod common_setup;

use common_setup::*;
use serde_json::json;

const LEASES: &str = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";

fn lease(holder: &str, duration: i64) -> serde_json::Value {
    json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "signet-controllers"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration,
                 "acquireTime": "2026-11-28T10:00:00.000000Z", "renewTime": "2026-11-28T10:00:00.000000Z", "leaseTransitions": 0}})
}

#[tokio::test]
async fn leader_election_on_leases() {
    let h = harness().await;
    let r = h.admin("POST", LEASES, Some(lease("replica-a", 15))).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    assert_eq!(r.body["metadata"]["namespace"], "kube-system");
    assert_eq!(r.body["spec"]["renewTime"], "2026-11-28T10:00:00.000000Z");
    // Two candidates renew from the same read: the second loses with 409.
    let mut a = r.body.clone();
    a["spec"]["renewTime"] = json!("2026-11-28T10:00:05.000000Z");
    let mut b = r.body.clone();
    b["spec"]["holderIdentity"] = json!("replica-b");
    assert_eq!(
        h.admin("PUT", &format!("{LEASES}/signet-controllers"), Some(a))
            .await
            .status
            .as_u16(),
        200
    );
    let r = h
        .admin("PUT", &format!("{LEASES}/signet-controllers"), Some(b))
        .await;
    assert_eq!(r.status.as_u16(), 409, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "Operation cannot be fulfilled on leases.coordination.k8s.io \"signet-controllers\": the object has been modified; please apply your changes to the latest version and try again"
    );
    let r = h
        .admin("GET", &format!("{LEASES}/signet-controllers"), None)
        .await;
    assert_eq!(r.body["spec"]["holderIdentity"], "replica-a");

    let r = h
        .admin(
            "POST",
            "/apis/coordination.k8s.io/v1/namespaces/default/leases",
            Some(lease("x", 0)),
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(
        r.body["message"],
        "Lease.coordination.k8s.io \"signet-controllers\" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"
    );

    let r = h
        .admin("GET", "/apis/coordination.k8s.io/v1/leases", None)
        .await;
    assert_eq!(r.body["kind"], "LeaseList");
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));
    // Namespaced objects are not reachable through another namespace.
    let r = h
        .admin(
            "GET",
            "/apis/coordination.k8s.io/v1/namespaces/default/leases/signet-controllers",
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
}
