//! ClusterTrustBundles through the router: naming by signer, content validation, and the
//! `attest` permission a signer-linked bundle needs.

mod common_setup;

use common_setup::*;
use serde_json::json;

const CTBS: &str = "/apis/certificates.k8s.io/v1/clustertrustbundles";

fn ca_pem() -> String {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.self_signed(&rcgen::KeyPair::generate().expect("key"))
        .expect("cert")
        .pem()
}

fn bundle(name: &str, signer: &str, pem: &str) -> serde_json::Value {
    json!({"apiVersion": "certificates.k8s.io/v1", "kind": "ClusterTrustBundle", "metadata": {"name": name},
        "spec": {"signerName": signer, "trustBundle": pem}})
}

#[tokio::test]
async fn bundles_are_validated_and_attested() {
    let attester = "attester-token-0123456789";
    let h = harness_with(&format!("{attester},attester,uid-at\n"), None).await;
    let ca = ca_pem();
    let r = h
        .admin(
            "POST",
            CTBS,
            Some(bundle("example.com:foo:v1", "example.com/foo", &ca)),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let r = h
        .admin(
            "GET",
            &format!("{CTBS}?fieldSelector=spec.signerName%3Dexample.com%2Ffoo"),
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["spec"]["trustBundle"], json!(ca));

    let r = h
        .admin("POST", CTBS, Some(bundle("wrong", "example.com/foo", &ca)))
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(
        r.body["message"],
        "ClusterTrustBundle.certificates.k8s.io \"wrong\" is invalid: metadata.name: Invalid value: \"wrong\": ClusterTrustBundle for signerName example.com/foo must be named with prefix example.com:foo:"
    );

    // A user allowed to create bundles but not to attest for the signer.
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "ctb-writer"},
        "rules": [{"apiGroups": ["certificates.k8s.io"], "resources": ["clustertrustbundles"], "verbs": ["create"]}]});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ctb-writer"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ctb-writer"},
        "subjects": [{"kind": "User", "name": "attester"}]});
    assert_eq!(
        h.admin(
            "POST",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            Some(role)
        )
        .await
        .status
        .as_u16(),
        201
    );
    assert_eq!(
        h.admin(
            "POST",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            Some(binding)
        )
        .await
        .status
        .as_u16(),
        201
    );
    let r = h
        .as_user(
            attester,
            "POST",
            CTBS,
            Some(bundle("example.com:foo:v2", "example.com/foo", &ca_pem())),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert_eq!(
        r.body["message"],
        "clustertrustbundles.certificates.k8s.io \"example.com:foo:v2\" is forbidden: user not permitted to attest for signerName \"example.com/foo\""
    );
    // A bundle linked to no signer needs no attestation.
    let r = h
        .as_user(
            attester,
            "POST",
            CTBS,
            Some(
                json!({"apiVersion": "certificates.k8s.io/v1", "kind": "ClusterTrustBundle",
        "metadata": {"name": "team-roots"}, "spec": {"trustBundle": ca_pem()}}),
            ),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
}
