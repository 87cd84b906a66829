//! Golden certificates in `crates/api/tests/fixtures/signing/`: issuing the fixture requests
//! again with the fixture CA, time and serial must reproduce the stored TBSCertificate byte for
//! byte (ECDSA signatures are randomized, so only the signed part is compared), and OpenSSL must
//! verify the stored certificates at their issue time.

use std::time::Duration;

use super::{openssl_bin, scratch_dir, ts, usages};
use crate::csr::parse_csr_pem;
use crate::signing::der::read_tlv;
use crate::signing::{CaKeyPair, SignRequest, sign};

const CA: &str = include_str!("../../../tests/fixtures/signing/ca.pem");
const CA_KEY: &str = include_str!("../../../tests/fixtures/signing/ca-key.pem");

/// (request, usages, expirationSeconds, certificate)
const CASES: [(&str, &[&str], Option<i32>, &str); 2] = [
    (
        include_str!("../../../tests/fixtures/signing/kubelet-serving.csr"),
        &["digital signature", "server auth"],
        None,
        include_str!("../../../tests/fixtures/signing/kubelet-serving.pem"),
    ),
    (
        include_str!("../../../tests/fixtures/signing/client-rsa.csr"),
        &["client auth", "digital signature", "key encipherment"],
        Some(3600),
        include_str!("../../../tests/fixtures/signing/client-rsa.pem"),
    ),
];

/// When the fixtures were issued (`expirationSeconds` aside, with a 24h cap).
const ISSUED_AT: &str = "2026-06-01T12:00:00Z";

fn issue(request: &str, list: &[&str], expiration_seconds: Option<i32>) -> String {
    let ca = CaKeyPair::from_pem(CA, CA_KEY).expect("fixture CA");
    let csr = parse_csr_pem(request.as_bytes()).expect("fixture request");
    let usages = usages(list);
    let req = SignRequest {
        csr: &csr,
        usages: &usages,
        expiration_seconds,
        max_ttl: Duration::from_secs(24 * 3600),
    };
    sign(&ca, &req, ts(ISSUED_AT), &mut |b: &mut [u8]| b.fill(0x5a)).expect("sign")
}

/// The TBSCertificate element (tag, length and content) of a PEM certificate.
fn tbs(pem: &str) -> Vec<u8> {
    let der = crate::gopem::decode(pem.as_bytes()).expect("pem").0.bytes;
    let (_, body, _) = read_tlv(&der).expect("certificate");
    let (tag, _, after_tbs) = read_tlv(body).expect("tbs");
    assert_eq!(tag, 0x30);
    body[..body.len() - after_tbs.len()].to_vec()
}

#[test]
fn reissuing_reproduces_the_golden_certificates() {
    for (request, list, expiration, golden) in CASES {
        let fresh = issue(request, list, expiration);
        assert_eq!(
            hex::encode(tbs(&fresh)),
            hex::encode(tbs(golden)),
            "usages {list:?}"
        );
    }
}

#[test]
fn openssl_verifies_the_golden_certificates() {
    let dir = scratch_dir();
    std::fs::write(dir.join("ca.pem"), CA).expect("write");
    let at = (ts(ISSUED_AT).as_second()).to_string();
    for (_, _, _, golden) in CASES {
        std::fs::write(dir.join("leaf.pem"), golden).expect("write");
        let out = std::process::Command::new(openssl_bin())
            .current_dir(&dir)
            .args([
                "verify",
                "-x509_strict",
                "-attime",
                &at,
                "-CAfile",
                "ca.pem",
                "leaf.pem",
            ])
            .output()
            .expect("openssl verify");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "leaf.pem: OK\n",
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
