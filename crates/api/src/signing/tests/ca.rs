//! Loading and generating CA key pairs.

use std::process::Command;
use std::time::Duration;

use x509_parser::extensions::ParsedExtension;

use super::{openssl_bin, scratch_dir, ts};
use crate::signing::{CaKeyPair, SigningError};

const DAY: Duration = Duration::from_secs(24 * 3600);

#[test]
fn generated_ca_is_a_p256_ca_with_a_key_identifier() {
    let (ca, cert_pem, key_pem) =
        CaKeyPair::generate("signet-ca", ts("2026-01-01T00:00:00.75Z"), DAY).expect("generate");
    assert_eq!(ca.cert_pem(), cert_pem);
    assert!(cert_pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    // NotAfter is whole seconds, as the certificate holds it.
    assert_eq!(ca.not_after(), ts("2026-01-02T00:00:00Z"));
    let (_, cert) = x509_parser::parse_x509_certificate(ca.cert_der()).expect("parse");
    assert_eq!(cert.subject().to_string(), "CN=signet-ca");
    assert_eq!(cert.issuer().to_string(), "CN=signet-ca");
    assert_eq!(
        cert.tbs_certificate.validity.not_before.timestamp(),
        ts("2026-01-01T00:00:00Z").as_second()
    );
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.10045.4.3.2"
    );
    let oids: Vec<String> = cert
        .extensions()
        .iter()
        .map(|e| e.oid.to_id_string())
        .collect();
    assert_eq!(oids, ["2.5.29.15", "2.5.29.19", "2.5.29.14"]);
    let bc = cert.basic_constraints().expect("bc").expect("present");
    assert!(bc.critical && bc.value.ca && bc.value.path_len_constraint.is_none());
    let ku = cert.key_usage().expect("ku").expect("present");
    assert!(ku.critical && ku.value.key_cert_sign() && ku.value.crl_sign());
    assert_eq!(ku.value.flags, 0b110_0000);
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        })
        .expect("ski");
    assert_eq!(ski.len(), 20);
    assert_eq!(ca.subject_key_id(), ski);
    // Self-signed: the signature verifies with its own key.
    cert.verify_signature(None).expect("self-signature");
    // And it loads back.
    let loaded = CaKeyPair::from_pem(&cert_pem, &key_pem).expect("load");
    assert_eq!(loaded.not_after(), ca.not_after());
    assert_eq!(loaded.subject_key_id(), ski);
}

#[test]
fn from_pem_requires_exactly_one_certificate_and_the_matching_key() {
    let now = ts("2026-01-01T00:00:00Z");
    let (_, cert_a, key_a) = CaKeyPair::generate("a", now, DAY).expect("a");
    let (_, cert_b, _) = CaKeyPair::generate("b", now, DAY).expect("b");
    let err = |r: Result<CaKeyPair, SigningError>| r.map(|_| ()).map_err(|e| e.to_string());
    assert_eq!(
        err(CaKeyPair::from_pem(&format!("{cert_a}{cert_b}"), &key_a)),
        Err("error reading CA certificate: expected 1 certificate, found 2".to_string())
    );
    assert_eq!(
        err(CaKeyPair::from_pem(&key_a, &key_a)),
        Err("error reading CA certificate: data does not contain any valid RSA or ECDSA certificates".to_string())
    );
    assert_eq!(
        err(CaKeyPair::from_pem(&cert_b, &key_a)),
        Err("tls: private key does not match public key".to_string())
    );
    assert_eq!(
        err(CaKeyPair::from_pem(&cert_a, &cert_a)),
        Err(
            "error reading CA private key: data does not contain a valid RSA or ECDSA private key"
                .to_string()
        )
    );
}

/// Runs openssl with `args` in `dir`, failing the test on error.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new(openssl_bin())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn load_openssl_ca(dir: &std::path::Path, key_args: &[&str], key_file: &str) -> CaKeyPair {
    openssl(dir, key_args);
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            key_file,
            "-subj",
            "/O=Example/CN=openssl-ca",
            "-days",
            "2",
            "-out",
            "ca.pem",
        ],
    );
    let cert = std::fs::read_to_string(dir.join("ca.pem")).expect("cert");
    let key = std::fs::read_to_string(dir.join(key_file)).expect("key");
    CaKeyPair::from_pem(&cert, &key).expect("load openssl CA")
}

#[test]
fn loads_pkcs1_sec1_and_pkcs8_keys_made_by_openssl() {
    let dir = scratch_dir();
    let rsa = load_openssl_ca(
        &dir,
        &["genrsa", "-traditional", "-out", "rsa.pem", "2048"],
        "rsa.pem",
    );
    assert!(
        std::fs::read_to_string(dir.join("rsa.pem"))
            .expect("key")
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert_eq!(rsa.subject_key_id().len(), 20);
    let ec = load_openssl_ca(
        &dir,
        &["ecparam", "-name", "secp384r1", "-genkey", "-out", "ec.pem"],
        "ec.pem",
    );
    let ec_pem = std::fs::read_to_string(dir.join("ec.pem")).expect("key");
    assert!(
        ec_pem.contains("-----BEGIN EC PARAMETERS-----")
            && ec_pem.contains("-----BEGIN EC PRIVATE KEY-----")
    );
    assert!(!ec.subject_key_id().is_empty());
    load_openssl_ca(
        &dir,
        &["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"],
        "ed.pem",
    );
    load_openssl_ca(
        &dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "p8.pem",
        ],
        "p8.pem",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
