//! The four built-in signers against valid and invalid requests, asserting upstream's exact
//! Failed messages and the order in which the checks run.

use rcgen::{PKCS_ECDSA_P384_SHA384, PKCS_ED25519};

use super::{Req, csr, csr_with, node, openssl_csr, usages};
use crate::signing::{WellKnownSigner, well_known_policy};

const CLIENT_3: &[&str] = &["digital signature", "key encipherment", "client auth"];
const CLIENT_2: &[&str] = &["digital signature", "client auth"];
const SERVING_3: &[&str] = &["key encipherment", "digital signature", "server auth"];
const SERVING_2: &[&str] = &["server auth", "digital signature"];
const KUBELET_CLIENT_USAGES: &str =
    "usages did not match [client auth digital signature key encipherment]";
const KUBELET_SERVING_USAGES: &str =
    "usages did not match [digital signature key encipherment server auth]";

fn check(signer: WellKnownSigner, req: &Req<'_>, list: &[&str]) -> Result<bool, String> {
    well_known_policy(signer, &csr(req), &usages(list))
}

#[test]
fn names_round_trip() {
    for signer in WellKnownSigner::ALL {
        assert_eq!(WellKnownSigner::from_name(signer.name()), Some(signer));
    }
    assert_eq!(
        WellKnownSigner::KubeApiserverClient.name(),
        "kubernetes.io/kube-apiserver-client"
    );
    assert_eq!(
        WellKnownSigner::KubeApiserverClientKubelet.name(),
        "kubernetes.io/kube-apiserver-client-kubelet"
    );
    assert_eq!(
        WellKnownSigner::KubeletServing.name(),
        "kubernetes.io/kubelet-serving"
    );
    assert_eq!(
        WellKnownSigner::LegacyUnknown.name(),
        "kubernetes.io/legacy-unknown"
    );
    assert_eq!(WellKnownSigner::from_name("example.com/signer"), None);
    assert_eq!(
        WellKnownSigner::from_name("kubernetes.io/Kubelet-serving"),
        None
    );
}

#[test]
fn kube_apiserver_client() {
    use WellKnownSigner::KubeApiserverClient as S;
    let anyone = Req {
        cn: "alice",
        orgs: &["dev"],
        dns: &["alice.example.com"],
        emails: &["alice@example.com"],
        ..Req::default()
    };
    let cases: &[(&[&str], Result<bool, &str>)] = &[
        (&["client auth"], Ok(true)),
        (CLIENT_3, Ok(true)),
        (&["client auth", "client auth"], Ok(true)),
        (&["key encipherment", "client auth"], Ok(true)),
        (
            &["client auth", "server auth"],
            Err("invalid usage for client certificate: server auth"),
        ),
        (
            &["signing", "client auth"],
            Err("invalid usage for client certificate: signing"),
        ),
        (
            &["digital signature", "key encipherment"],
            Err("missing required usage for client certificate: client auth"),
        ),
        (
            &[],
            Err("missing required usage for client certificate: client auth"),
        ),
        // The first foreign usage is reported even when client auth is also missing.
        (
            &["digital signature", "code signing", "any"],
            Err("invalid usage for client certificate: code signing"),
        ),
    ];
    for (list, want) in cases {
        let got = check(S, &anyone, list);
        assert_eq!(got, want.map_err(str::to_string), "usages {list:?}");
    }
    // Neither subject nor key type matters.
    let ed = csr_with(
        &PKCS_ED25519,
        &Req {
            cn: "x",
            ..Req::default()
        },
    );
    assert_eq!(
        well_known_policy(S, &ed, &usages(&["client auth"])),
        Ok(true)
    );
}

#[test]
fn kubelet_client_accepts_both_usage_sets_for_every_key_type() {
    use WellKnownSigner::KubeApiserverClientKubelet as S;
    let rsa = openssl_csr("rsa:2048", "/O=system:nodes/CN=system:node:n1", &[]);
    let p384 = csr_with(&PKCS_ECDSA_P384_SHA384, &node());
    let ed = csr_with(&PKCS_ED25519, &node());
    for request in [csr(&node()), rsa, p384, ed] {
        for list in [
            CLIENT_3,
            CLIENT_2,
            &["client auth", "digital signature", "client auth"],
        ] {
            assert_eq!(
                well_known_policy(S, &request, &usages(list)),
                Ok(true),
                "{:?} {list:?}",
                request.public_key
            );
        }
    }
}

#[test]
fn kubelet_client_refusals_in_upstream_order() {
    use WellKnownSigner::KubeApiserverClientKubelet as S;
    let org = "subject organization is not system:nodes";
    let cases: Vec<(Req<'_>, &[&str], &str)> = vec![
        (
            Req {
                orgs: &[],
                ..node()
            },
            CLIENT_3,
            org,
        ),
        (
            Req {
                orgs: &["system:node"],
                ..node()
            },
            CLIENT_3,
            org,
        ),
        // The organization check comes before the SAN checks.
        (
            Req {
                orgs: &["nodes"],
                dns: &["n1"],
                ..node()
            },
            CLIENT_3,
            org,
        ),
        (
            Req {
                dns: &["n1.example.com"],
                ips: &["10.0.0.1"],
                ..node()
            },
            CLIENT_3,
            "DNS subjectAltNames are not allowed",
        ),
        (
            Req {
                emails: &["n1@example.com"],
                ips: &["10.0.0.1"],
                ..node()
            },
            CLIENT_3,
            "Email subjectAltNames are not allowed",
        ),
        (
            Req {
                ips: &["10.0.0.1"],
                uris: &["spiffe://n1"],
                ..node()
            },
            CLIENT_3,
            "IP subjectAltNames are not allowed",
        ),
        (
            Req {
                uris: &["spiffe://n1"],
                ..node()
            },
            CLIENT_3,
            "URI subjectAltNames are not allowed",
        ),
        // SANs before the common name, the common name before usages.
        (
            Req {
                cn: "n1",
                uris: &["spiffe://n1"],
                ..node()
            },
            CLIENT_3,
            "URI subjectAltNames are not allowed",
        ),
        (
            Req { cn: "n1", ..node() },
            &["server auth"],
            "subject common name does not begin with system:node:",
        ),
        (
            Req {
                cn: "System:node:n1",
                ..node()
            },
            CLIENT_3,
            "subject common name does not begin with system:node:",
        ),
        (node(), &["client auth"], KUBELET_CLIENT_USAGES),
        (
            node(),
            &["key encipherment", "client auth"],
            KUBELET_CLIENT_USAGES,
        ),
        (
            node(),
            &[
                "digital signature",
                "key encipherment",
                "client auth",
                "server auth",
            ],
            KUBELET_CLIENT_USAGES,
        ),
        (node(), &["signing", "client auth"], KUBELET_CLIENT_USAGES),
        (node(), &[], KUBELET_CLIENT_USAGES),
    ];
    for (req, list, want) in cases {
        assert_eq!(
            check(S, &req, list),
            Err(want.to_string()),
            "cn {} orgs {:?} usages {list:?}",
            req.cn,
            req.orgs
        );
    }
}

#[test]
fn kubelet_client_organization_must_be_exactly_one() {
    use WellKnownSigner::KubeApiserverClientKubelet as S;
    for subj in [
        "/O=system:nodes/O=system:nodes/CN=system:node:n1",
        "/O=system:nodes/O=extra/CN=system:node:n1",
        "/O=extra/O=system:nodes/CN=system:node:n1",
    ] {
        let request = openssl_csr("ec", subj, &[]);
        assert_eq!(
            well_known_policy(S, &request, &usages(CLIENT_3)),
            Err("subject organization is not system:nodes".to_string()),
            "{subj}"
        );
    }
}

#[test]
fn kubelet_serving() {
    use WellKnownSigner::KubeletServing as S;
    let dns = Req {
        dns: &["n1.example.com"],
        ..node()
    };
    let ip = Req {
        ips: &["10.0.0.1", "fd00::1"],
        ..node()
    };
    for req in [&dns, &ip] {
        for list in [SERVING_3, SERVING_2] {
            assert_eq!(check(S, req, list), Ok(true), "{list:?}");
        }
    }
    let org = "subject organization is not system:nodes";
    let usage = KUBELET_SERVING_USAGES;
    let cn = "subject common name does not begin with system:node:";
    let cases: Vec<(Req<'_>, &[&str], &str)> = vec![
        (
            Req {
                orgs: &["system:masters"],
                ..dns
            },
            SERVING_3,
            org,
        ),
        (
            Req {
                orgs: &[],
                ..node()
            },
            SERVING_3,
            org,
        ),
        (node(), SERVING_3, "DNS or IP subjectAltName is required"),
        (
            Req {
                emails: &["n1@example.com"],
                ..node()
            },
            SERVING_3,
            "DNS or IP subjectAltName is required",
        ),
        (
            Req {
                emails: &["n1@example.com"],
                uris: &["https://n1"],
                ..dns
            },
            SERVING_3,
            "Email subjectAltNames are not allowed",
        ),
        (
            Req {
                uris: &["https://n1"],
                ..dns
            },
            SERVING_3,
            "URI subjectAltNames are not allowed",
        ),
        (dns, &["server auth"], usage),
        (
            dns,
            &[
                "digital signature",
                "key encipherment",
                "server auth",
                "client auth",
            ],
            usage,
        ),
        (dns, CLIENT_3, usage),
        // Usages are checked before the common name.
        (Req { cn: "n1", ..dns }, &["client auth"], usage),
        (Req { cn: "n1", ..dns }, SERVING_3, cn),
        (Req { cn: "", ..ip }, SERVING_2, cn),
    ];
    for (req, list, want) in cases {
        assert_eq!(
            check(S, &req, list),
            Err(want.to_string()),
            "cn {} orgs {:?} usages {list:?}",
            req.cn,
            req.orgs
        );
    }
}

#[test]
fn legacy_unknown_accepts_everything() {
    use WellKnownSigner::LegacyUnknown as S;
    let anything = Req {
        cn: "",
        orgs: &["system:masters"],
        dns: &["a"],
        ips: &["10.0.0.1"],
        emails: &["a@b"],
        uris: &["urn:x"],
    };
    for list in [&[][..], &["cert sign", "any", "server auth"][..], CLIENT_3] {
        assert_eq!(check(S, &anything, list), Ok(true));
    }
}
