//! Tests for the signing module: requests are made with rcgen (ECDSA, Ed25519) and OpenSSL
//! (RSA, multi-valued subjects), certificates are read back with x509-parser and cross-checked
//! with the `openssl` command line.

mod ca;
mod custom;
mod golden;
mod issue;
mod openssl;
mod well_known;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;

use jiff::Timestamp;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, SanType,
    SignatureAlgorithm as RcgenAlg,
};

use crate::csr::{ParsedCsr, parse_csr_pem};

/// What a test request carries.
#[derive(Clone, Copy, Default)]
pub(super) struct Req<'a> {
    pub cn: &'a str,
    pub orgs: &'a [&'a str],
    pub dns: &'a [&'a str],
    pub ips: &'a [&'a str],
    pub emails: &'a [&'a str],
    pub uris: &'a [&'a str],
}

/// A node-client-shaped request: CN system:node:n1, O system:nodes, no SANs.
pub(super) fn node() -> Req<'static> {
    Req {
        cn: "system:node:n1",
        orgs: &["system:nodes"],
        ..Req::default()
    }
}

/// A P-256 request made by rcgen (each attribute in its own RDN, at most one O).
pub(super) fn csr(req: &Req<'_>) -> ParsedCsr {
    csr_with(&PKCS_ECDSA_P256_SHA256, req)
}

pub(super) fn csr_with(alg: &'static RcgenAlg, req: &Req<'_>) -> ParsedCsr {
    let key = KeyPair::generate_for(alg).expect("key");
    let pem = csr_pem(&key, req);
    parse_csr_pem(pem.as_bytes()).expect("parse csr")
}

pub(super) fn csr_pem(key: &KeyPair, req: &Req<'_>) -> String {
    assert!(req.orgs.len() <= 1, "rcgen holds one O; use openssl_csr");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    let mut dn = DistinguishedName::new();
    for org in req.orgs {
        dn.push(DnType::OrganizationName, *org);
    }
    if !req.cn.is_empty() {
        dn.push(DnType::CommonName, req.cn);
    }
    params.distinguished_name = dn;
    for d in req.dns {
        params
            .subject_alt_names
            .push(SanType::DnsName((*d).try_into().expect("dns")));
    }
    for ip in req.ips {
        let ip: IpAddr = ip.parse().expect("ip");
        params.subject_alt_names.push(SanType::IpAddress(ip));
    }
    for e in req.emails {
        params
            .subject_alt_names
            .push(SanType::Rfc822Name((*e).try_into().expect("email")));
    }
    for u in req.uris {
        params
            .subject_alt_names
            .push(SanType::URI((*u).try_into().expect("uri")));
    }
    params
        .serialize_request(key)
        .expect("csr")
        .pem()
        .expect("pem")
}

/// A request made by `openssl req` with a fresh key (`keyspec` as for `-newkey`, e.g.
/// `rsa:2048`, or `ec` for P-256), a `-subj` and optional `-addext` values.
pub(super) fn openssl_csr(keyspec: &str, subj: &str, addext: &[&str]) -> ParsedCsr {
    let dir = scratch_dir();
    let key = dir.join("key.pem");
    let mut cmd = Command::new(openssl_bin());
    cmd.args(["req", "-new", "-newkey", keyspec]);
    if keyspec == "ec" {
        cmd.args(["-pkeyopt", "ec_paramgen_curve:prime256v1"]);
    }
    cmd.args(["-nodes", "-keyout"])
        .arg(&key)
        .args(["-subj", subj]);
    for ext in addext {
        cmd.args(["-addext", ext]);
    }
    let out = cmd.output().expect("run openssl req");
    assert!(
        out.status.success(),
        "openssl req failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    parse_csr_pem(&out.stdout).expect("parse openssl csr")
}

/// The openssl binary; tests that need it fail loudly when it is missing.
pub(super) fn openssl_bin() -> &'static str {
    let found = Command::new("openssl").arg("version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "the openssl command line is required by these tests and was not found"
    );
    "openssl"
}

/// A fresh directory under the system temp dir.
pub(super) fn scratch_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "signet-signing-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

pub(super) fn usages(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub(super) fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}
