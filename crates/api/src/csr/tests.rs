//! CSR parsing and verification against requests made by rcgen (ECDSA, Ed25519) and by
//! OpenSSL (RSA PKCS#1 v1.5, RSA-PSS, P-384 with SHA-256, P-521), valid and tampered.

use std::net::IpAddr;

use base64::Engine as _;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256,
    PKCS_ECDSA_P384_SHA384, PKCS_ED25519, SanType, SignatureAlgorithm as RcgenAlg,
};

use super::*;

const RSA_SHA256: &str = include_str!("testdata/rsa2048-sha256.pem");
const RSA_PSS: &str = include_str!("testdata/rsa2048-pss-sha256.pem");
const P384_SHA256: &str = include_str!("testdata/p384-sha256.pem");
const P521_SHA512: &str = include_str!("testdata/p521-sha512.pem");

fn rcgen_csr(alg: &'static RcgenAlg) -> String {
    let key = KeyPair::generate_for(alg).expect("key");
    let mut params = CertificateParams::new(vec!["node.example.com".to_string()]).expect("params");
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "system:node:n1");
    dn.push(DnType::OrganizationName, "system:nodes");
    params.distinguished_name = dn;
    params
        .subject_alt_names
        .push(SanType::IpAddress("192.0.2.1".parse().expect("ip")));
    params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem")
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    crate::gopem::decode(pem.as_bytes()).expect("pem").0.bytes
}

fn der_to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    )
}

/// Flips a bit in the last byte: for every CSR that byte belongs to the signature.
fn tamper_signature(pem: &str) -> String {
    let mut der = pem_to_der(pem);
    if let Some(last) = der.last_mut() {
        *last ^= 0x01;
    }
    der_to_pem(&der)
}

/// Changes one character of the CN inside the signed part.
fn tamper_subject(pem: &str, from: &[u8], to: &[u8]) -> String {
    let mut der = pem_to_der(pem);
    let pos = der
        .windows(from.len())
        .position(|w| w == from)
        .expect("subject bytes present");
    der[pos..pos + to.len()].copy_from_slice(to);
    der_to_pem(&der)
}

#[test]
fn ecdsa_p256_valid() {
    let csr = parse_csr_pem(rcgen_csr(&PKCS_ECDSA_P256_SHA256).as_bytes()).expect("valid");
    assert_eq!(csr.signature_algorithm, SignatureAlgorithm::EcdsaWithSha256);
    assert_eq!(csr.signature_algorithm.to_string(), "ECDSA-SHA256");
    assert_eq!(
        csr.public_key,
        PublicKeyAlgorithm::Ecdsa { curve: Curve::P256 }
    );
    assert_eq!(csr.public_key.bits(), 256);
    assert_eq!(csr.subject.common_name, "system:node:n1");
    assert_eq!(csr.subject.organizations, vec!["system:nodes"]);
    assert_eq!(csr.subject.rdn_string, "CN=system:node:n1,O=system:nodes");
    assert_eq!(csr.dns_names, vec!["node.example.com"]);
    assert_eq!(
        csr.ip_addresses,
        vec!["192.0.2.1".parse::<IpAddr>().expect("ip")]
    );
    assert_eq!(csr.extensions.len(), 1);
    assert_eq!(csr.extensions[0].oid, "2.5.29.17");
    assert!(csr.spki_der.starts_with(&[0x30]));
}

#[test]
fn ecdsa_p384_and_ed25519_valid() {
    let p384 = parse_csr_pem(rcgen_csr(&PKCS_ECDSA_P384_SHA384).as_bytes()).expect("p384");
    assert_eq!(
        p384.public_key,
        PublicKeyAlgorithm::Ecdsa { curve: Curve::P384 }
    );
    assert_eq!(p384.signature_algorithm.name(), "ECDSA-SHA384");
    let ed = parse_csr_pem(rcgen_csr(&PKCS_ED25519).as_bytes()).expect("ed25519");
    assert_eq!(ed.public_key, PublicKeyAlgorithm::Ed25519);
    assert_eq!(ed.signature_algorithm, SignatureAlgorithm::Ed25519);
    let cross = parse_csr_pem(P384_SHA256.as_bytes()).expect("p384 with sha256");
    assert_eq!(
        cross.signature_algorithm,
        SignatureAlgorithm::EcdsaWithSha256
    );
    assert_eq!(cross.subject.common_name, "p384 sha256");
}

#[test]
fn rsa_pkcs1_valid_with_all_san_kinds() {
    let csr = parse_csr_pem(RSA_SHA256.as_bytes()).expect("valid");
    assert_eq!(csr.signature_algorithm.name(), "SHA256-RSA");
    assert_eq!(
        csr.public_key,
        PublicKeyAlgorithm::Rsa {
            bits: 2048,
            exponent: 65537
        }
    );
    assert_eq!(csr.subject.common_name, "system:node:worker-1");
    assert_eq!(
        csr.subject.organizations,
        vec!["system:nodes", "second org"]
    );
    assert_eq!(csr.subject.organizational_units, vec!["unit"]);
    assert_eq!(csr.subject.countries, vec!["US"]);
    assert_eq!(
        csr.subject.rdn_string,
        "CN=system:node:worker-1,OU=unit,O=system:nodes+O=second org,C=US"
    );
    assert_eq!(csr.dns_names, vec!["worker-1.example.com"]);
    assert_eq!(csr.email_addresses, vec!["ops@example.com"]);
    assert_eq!(csr.uris, vec!["spiffe://cluster.local/ns/a"]);
    assert_eq!(
        csr.ip_addresses,
        vec!["10.0.0.7".parse::<IpAddr>().expect("ip")]
    );
}

#[test]
fn rsa_pss_valid() {
    let csr = parse_csr_pem(RSA_PSS.as_bytes()).expect("valid");
    assert_eq!(
        csr.signature_algorithm,
        SignatureAlgorithm::Sha256WithRsaPss
    );
    assert_eq!(csr.signature_algorithm.name(), "SHA256-RSAPSS");
}

#[test]
fn tampered_signatures_are_rejected_with_go_messages() {
    let cases = [
        (
            rcgen_csr(&PKCS_ECDSA_P256_SHA256),
            "x509: ECDSA verification failure",
        ),
        (
            rcgen_csr(&PKCS_ECDSA_P384_SHA384),
            "x509: ECDSA verification failure",
        ),
        (
            rcgen_csr(&PKCS_ED25519),
            "x509: Ed25519 verification failure",
        ),
        (RSA_SHA256.to_string(), "crypto/rsa: verification error"),
        (RSA_PSS.to_string(), "crypto/rsa: verification error"),
    ];
    for (pem, want) in cases {
        let err = parse_csr_pem(tamper_signature(&pem).as_bytes()).expect_err("tampered");
        assert_eq!(err.to_string(), want);
    }
}

#[test]
fn tampered_subject_is_rejected() {
    let ecdsa = rcgen_csr(&PKCS_ECDSA_P256_SHA256);
    let err = parse_csr_pem(tamper_subject(&ecdsa, b"node:n1", b"node:n2").as_bytes())
        .expect_err("tampered");
    assert_eq!(err, CsrError::EcdsaVerification);
    let err = parse_csr_pem(tamper_subject(RSA_SHA256, b"worker-1", b"worker-2").as_bytes())
        .expect_err("tampered");
    assert_eq!(err, CsrError::RsaVerification);
}

#[test]
fn algorithms_beyond_ring_are_unimplemented() {
    let err = parse_csr_pem(P521_SHA512.as_bytes()).expect_err("p521");
    assert_eq!(
        err.to_string(),
        "x509: cannot verify signature: algorithm unimplemented"
    );
}

#[test]
fn wrong_pem_type_and_no_pem() {
    let ecdsa = rcgen_csr(&PKCS_ECDSA_P256_SHA256);
    let new_label = ecdsa.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
    for input in [
        new_label.as_str(),
        "invalid data",
        "",
        "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n",
    ] {
        let err = parse_csr_pem(input.as_bytes()).expect_err("rejected");
        assert_eq!(
            err.to_string(),
            "PEM block type must be CERTIFICATE REQUEST"
        );
    }
    // base64(DER) instead of base64(PEM) is the usual client mistake.
    let der = pem_to_der(&ecdsa);
    assert_eq!(parse_csr_pem(&der), Err(CsrError::PemBlockType));
}

#[test]
fn text_around_the_first_block_is_ignored() {
    let ecdsa = rcgen_csr(&PKCS_ECDSA_P256_SHA256);
    let wrapped = format!("explanatory text\n{ecdsa}trailing\n-----BEGIN JUNK-----\n");
    assert!(parse_csr_pem(wrapped.as_bytes()).is_ok());
}

#[test]
fn garbage_der_gets_go_asn1_errors() {
    let garbage = der_to_pem(b"invalid data");
    assert_eq!(
        parse_csr_pem(garbage.as_bytes())
            .expect_err("garbage")
            .to_string(),
        "asn1: structure error: tags don't match (16 vs {class:1 tag:9 length:110 isCompound:true}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} certificateRequest @2"
    );
    let empty = der_to_pem(b"");
    assert_eq!(
        parse_csr_pem(empty.as_bytes())
            .expect_err("empty")
            .to_string(),
        "asn1: syntax error: sequence truncated"
    );
    let mut der = pem_to_der(RSA_SHA256);
    der.push(0);
    assert_eq!(
        parse_csr_pem(der_to_pem(&der).as_bytes())
            .expect_err("trailing")
            .to_string(),
        "asn1: syntax error: trailing data"
    );
    let inner = der_to_pem(&[0x30, 0x03, 0x02, 0x01, 0x00]);
    let err = parse_csr_pem(inner.as_bytes()).expect_err("inner garbage");
    assert!(
        err.to_string().starts_with("asn1: structure error: "),
        "{err}"
    );
}

#[test]
fn relabelled_signature_algorithms() {
    // ECDSA-SHA256 (…3d 04 03 02) relabelled ECDSA-SHA384 (…3d 04 03 03): same key, other
    // hash, so the signature no longer verifies.
    let ecdsa = rcgen_csr(&PKCS_ECDSA_P256_SHA256);
    let relabelled = tamper_subject(
        &ecdsa,
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
    );
    assert_eq!(
        parse_csr_pem(relabelled.as_bytes()),
        Err(CsrError::EcdsaVerification)
    );
    let ed = rcgen_csr(&PKCS_ED25519);
    // The Ed25519 signature OID 1.3.101.112 (06 03 2b 65 70) also names the key; change only
    // the last signature-algorithm occurrence to 1.3.101.113 (Ed448), unknown to Go.
    let mut der = pem_to_der(&ed);
    let needle = [0x06, 0x03, 0x2b, 0x65, 0x70];
    let pos = der
        .windows(needle.len())
        .rposition(|w| w == needle)
        .expect("signature oid");
    der[pos + 4] = 0x71;
    assert_eq!(
        parse_csr_pem(der_to_pem(&der).as_bytes()),
        Err(CsrError::UnsupportedAlgorithm)
    );
}

#[test]
fn rsa_signature_with_ecdsa_key_is_a_mismatch() {
    let err = signature::verify(
        &SignatureAlgorithm::Sha256WithRsa,
        &PublicKeyAlgorithm::Ecdsa { curve: Curve::P256 },
        &[],
        &[],
        &[],
    )
    .expect_err("mismatch");
    assert_eq!(
        err.to_string(),
        "x509: signature algorithm specifies an RSA public key, but have public key of type *ecdsa.PublicKey"
    );
    let err = signature::verify(
        &SignatureAlgorithm::Md5WithRsa,
        &PublicKeyAlgorithm::Rsa {
            bits: 2048,
            exponent: 3,
        },
        &[],
        &[],
        &[],
    )
    .expect_err("insecure");
    assert_eq!(
        err.to_string(),
        "x509: cannot verify signature: insecure algorithm MD5-RSA"
    );
}
