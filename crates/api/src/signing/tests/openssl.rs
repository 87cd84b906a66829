//! Independent cross-checks: OpenSSL must verify every issued certificate against its CA and
//! print the expected extensions.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rcgen::{PKCS_ECDSA_P384_SHA384, PKCS_ED25519};

use super::{Req, csr, csr_with, openssl_bin, openssl_csr, scratch_dir, usages};
use crate::csr::ParsedCsr;
use crate::signing::{CaKeyPair, SignRequest, sign};

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(openssl_bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn issue_now(ca: &CaKeyPair, request: &ParsedCsr, list: &[&str]) -> String {
    let usages = usages(list);
    let req = SignRequest {
        csr: request,
        usages: &usages,
        expiration_seconds: Some(3600),
        max_ttl: Duration::from_secs(24 * 3600),
    };
    let mut rng = |b: &mut [u8]| {
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), b).expect("rng")
    };
    sign(ca, &req, Timestamp::now(), &mut rng).expect("sign")
}

/// Verifies `leaf` against `ca_pem` with `openssl verify -x509_strict -purpose <purpose>`.
fn verify(dir: &Path, ca_pem: &str, leaf: &str, purpose: &str) {
    std::fs::write(dir.join("ca.pem"), ca_pem).expect("write ca");
    std::fs::write(dir.join("leaf.pem"), leaf).expect("write leaf");
    let out = run(
        dir,
        &[
            "verify",
            "-x509_strict",
            "-purpose",
            purpose,
            "-CAfile",
            "ca.pem",
            "leaf.pem",
        ],
    );
    assert_eq!(out, "leaf.pem: OK\n");
}

#[test]
fn openssl_verifies_every_key_type_from_a_generated_ca() {
    let dir = scratch_dir();
    let (ca, ca_pem, _) = CaKeyPair::generate(
        "signet-test-ca",
        Timestamp::now() - SignedDuration::from_hours(1),
        Duration::from_secs(48 * 3600),
    )
    .expect("ca");
    let serving = Req {
        cn: "system:node:n1",
        orgs: &["system:nodes"],
        dns: &["n1.example.com"],
        ips: &["10.0.0.1"],
        ..Req::default()
    };
    let requests = [
        csr(&serving),
        csr_with(&PKCS_ECDSA_P384_SHA384, &serving),
        csr_with(&PKCS_ED25519, &serving),
        openssl_csr(
            "rsa:2048",
            "/O=system:nodes/CN=system:node:n1",
            &["subjectAltName=DNS:n1.example.com,IP:10.0.0.1"],
        ),
    ];
    for request in &requests {
        let leaf = issue_now(
            &ca,
            request,
            &["digital signature", "key encipherment", "server auth"],
        );
        verify(&dir, &ca_pem, &leaf, "sslserver");
        std::fs::write(dir.join("leaf.pem"), &leaf).expect("write");
        let text = run(&dir, &["x509", "-in", "leaf.pem", "-noout", "-text"]);
        for want in [
            "Issuer: CN = signet-test-ca",
            "Subject: O = system:nodes, CN = system:node:n1",
            "X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment\n",
            "X509v3 Extended Key Usage: \n                TLS Web Server Authentication\n",
            "X509v3 Basic Constraints: critical\n                CA:FALSE\n",
            "X509v3 Subject Key Identifier",
            "X509v3 Authority Key Identifier",
            "X509v3 Subject Alternative Name: \n                DNS:n1.example.com, IP Address:10.0.0.1\n",
            "Signature Algorithm: ecdsa-with-SHA256",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
        // The "X509v3 extensions:" header and six extensions.
        assert_eq!(
            text.matches("X509v3 ").count(),
            7,
            "exactly six extensions:\n{text}"
        );
    }
    let client = issue_now(
        &ca,
        &csr(&Req {
            cn: "alice",
            orgs: &["dev"],
            ..Req::default()
        }),
        &["client auth"],
    );
    verify(&dir, &ca_pem, &client, "sslclient");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openssl_verifies_certificates_from_rsa_and_p384_cas() {
    let dir = scratch_dir();
    run(&dir, &["genrsa", "-traditional", "-out", "rsa.key", "2048"]);
    run(
        &dir,
        &[
            "ecparam",
            "-name",
            "secp384r1",
            "-genkey",
            "-noout",
            "-out",
            "ec.key",
        ],
    );
    for (key, sig_alg) in [
        ("rsa.key", "sha256WithRSAEncryption"),
        ("ec.key", "ecdsa-with-SHA384"),
    ] {
        run(
            &dir,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                key,
                "-subj",
                "/O=Example Org/CN=Example CA",
                "-days",
                "2",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-out",
                "ca-in.pem",
            ],
        );
        let ca_pem = std::fs::read_to_string(dir.join("ca-in.pem")).expect("ca");
        let key_pem = std::fs::read_to_string(dir.join(key)).expect("key");
        let ca = CaKeyPair::from_pem(&ca_pem, &key_pem).expect("load");
        let leaf = issue_now(
            &ca,
            &csr(&Req {
                cn: "alice",
                ..Req::default()
            }),
            &["client auth", "digital signature"],
        );
        verify(&dir, &ca_pem, &leaf, "sslclient");
        let text = run(&dir, &["x509", "-in", "leaf.pem", "-noout", "-text"]);
        assert!(
            text.contains(&format!("Signature Algorithm: {sig_alg}")),
            "{text}"
        );
        assert!(
            text.contains("Issuer: O = Example Org, CN = Example CA"),
            "{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
