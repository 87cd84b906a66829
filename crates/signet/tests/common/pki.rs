//! Keys, CSRs and certificates made with `openssl`, and the CSR manifests built from them.
//!
//! `openssl` is an independent implementation: a CSR it makes is what a user would submit, and a
//! client certificate it signs with the server's CA proves the server trusts its own CA file.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::tools::openssl;

/// The key type of a generated key pair.
#[derive(Clone, Copy, Debug)]
pub enum KeyAlg {
    Rsa2048,
    EcP256,
}

impl KeyAlg {
    fn newkey_args(self) -> &'static [&'static str] {
        match self {
            KeyAlg::Rsa2048 => &["-newkey", "rsa:2048"],
            KeyAlg::EcP256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        }
    }
}

/// The subject and SANs of a CSR or certificate.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub cn: &'a str,
    pub orgs: &'a [&'a str],
    /// In openssl's form: `DNS:example.com`, `IP:10.0.0.1`, `email:a@example.com`.
    pub sans: &'a [&'a str],
}

impl Subject<'_> {
    fn subj(&self) -> String {
        let mut s = format!("/CN={}", self.cn);
        for o in self.orgs {
            s.push_str(&format!("/O={o}"));
        }
        s
    }
}

/// A PEM certificate request and the file holding its private key.
#[derive(Clone, Debug)]
pub struct Csr {
    pub pem: String,
    pub key_path: PathBuf,
}

fn path_arg(p: &Path) -> String {
    p.display().to_string()
}

/// Makes a key pair and a CSR for `subject` with `openssl req`; files are `<stem>.key/.csr` in `dir`.
pub fn openssl_csr(dir: &Path, stem: &str, alg: KeyAlg, subject: Subject<'_>) -> Csr {
    let key = dir.join(format!("{stem}.key"));
    let csr = dir.join(format!("{stem}.csr"));
    let subj = subject.subj();
    let san = format!("subjectAltName={}", subject.sans.join(","));
    let (key_arg, csr_arg) = (path_arg(&key), path_arg(&csr));
    let mut args = vec!["req", "-new", "-nodes"];
    args.extend_from_slice(alg.newkey_args());
    args.extend_from_slice(&["-keyout", &key_arg, "-out", &csr_arg, "-subj", &subj]);
    if !subject.sans.is_empty() {
        args.extend_from_slice(&["-addext", &san]);
    }
    openssl(&args, dir);
    let pem =
        std::fs::read_to_string(&csr).unwrap_or_else(|e| panic!("read {}: {e}", csr.display()));
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
        "openssl wrote an unexpected CSR:\n{pem}"
    );
    Csr { pem, key_path: key }
}

/// A self-signed certificate for `cn` (with a matching DNS SAN); returns the PEM.
pub fn self_signed_cert(dir: &Path, stem: &str, cn: &str) -> String {
    let key = dir.join(format!("{stem}.key"));
    let cert = dir.join(format!("{stem}.crt"));
    let (key_arg, cert_arg) = (path_arg(&key), path_arg(&cert));
    let subj = format!("/CN={cn}");
    let san = format!("subjectAltName=DNS:{cn}");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "1"];
    args.extend_from_slice(KeyAlg::EcP256.newkey_args());
    args.extend_from_slice(&[
        "-keyout", &key_arg, "-out", &cert_arg, "-subj", &subj, "-addext", &san,
    ]);
    openssl(&args, dir);
    std::fs::read_to_string(&cert).unwrap_or_else(|e| panic!("read {}: {e}", cert.display()))
}

/// Issues a client certificate for `subject` signed by `<pki_dir>/ca.{crt,key}`, the way an
/// operator would add a user; returns the certificate and key paths in `out_dir`.
pub fn mint_client_cert(
    pki_dir: &Path,
    out_dir: &Path,
    stem: &str,
    subject: Subject<'_>,
) -> (PathBuf, PathBuf) {
    let csr = openssl_csr(out_dir, stem, KeyAlg::EcP256, subject);
    let csr_path = out_dir.join(format!("{stem}.csr"));
    let cert = out_dir.join(format!("{stem}.crt"));
    let ext = out_dir.join(format!("{stem}.ext"));
    std::fs::write(
        &ext,
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap_or_else(|e| panic!("write {}: {e}", ext.display()));
    let ca_crt = path_arg(&pki_dir.join("ca.crt"));
    let ca_key = path_arg(&pki_dir.join("ca.key"));
    let (csr_arg, cert_arg, ext_arg) = (path_arg(&csr_path), path_arg(&cert), path_arg(&ext));
    // The serial file lives beside the new certificate: openssl must not write a `ca.srl` into
    // the server's pki directory.
    let serial = path_arg(&out_dir.join(format!("{stem}.srl")));
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr_arg,
            "-CA",
            &ca_crt,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-CAserial",
            &serial,
            "-days",
            "1",
            "-sha256",
            "-extfile",
            &ext_arg,
            "-out",
            &cert_arg,
        ],
        out_dir,
    );
    (cert, csr.key_path)
}

/// The DER inside the first PEM block of `pem`.
pub fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN "))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END "))
        .collect();
    BASE64
        .decode(body.trim())
        .unwrap_or_else(|e| panic!("PEM body is not base64 ({e}):\n{pem}"))
}

/// Wraps `der` in a PEM block labelled `label`.
pub fn der_to_pem(label: &str, der: &[u8]) -> String {
    let b64 = BASE64.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The same CSR with the last byte of its signature flipped: it still parses, but its
/// self-signature no longer verifies.
pub fn corrupt_signature(csr_pem: &str) -> String {
    let mut der = pem_to_der(csr_pem);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    der_to_pem("CERTIFICATE REQUEST", &der)
}

/// `base64(pem)`: how `spec.request` and `status.certificate` travel in JSON and YAML.
pub fn b64(pem: &str) -> String {
    BASE64.encode(pem.as_bytes())
}

/// A `CertificateSigningRequest` object as JSON.
pub fn csr_object(
    name: &str,
    request_pem: &str,
    signer: &str,
    expiration_seconds: Option<i64>,
    usages: &[&str],
) -> Value {
    let mut spec = json!({
        "request": b64(request_pem),
        "signerName": signer,
        "usages": usages,
    });
    if let Some(seconds) = expiration_seconds {
        spec["expirationSeconds"] = json!(seconds);
    }
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": { "name": name },
        "spec": spec,
    })
}

/// The same object as a YAML manifest for `kubectl create -f` / `apply -f`.
pub fn csr_manifest(
    name: &str,
    request_pem: &str,
    signer: &str,
    expiration_seconds: Option<i64>,
    usages: &[&str],
) -> String {
    let object = csr_object(name, request_pem, signer, expiration_seconds, usages);
    serde_yaml::to_string(&object).expect("a CSR object serialises as YAML")
}
