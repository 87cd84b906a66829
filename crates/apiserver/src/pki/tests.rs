//! Tests of PKI bootstrap: what the first start creates (read back with x509-parser), what a restart
//! keeps, and when it re-issues.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry::OID_KEY_TYPE_EC_PUBLIC_KEY;

use super::*;

const DAY: u64 = 24 * 3600;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_900_000_000)
}

fn opts(listen: &str, advertise: &[&str]) -> PkiOptions {
    PkiOptions {
        listen: listen.parse().unwrap(),
        advertise: advertise.iter().map(|s| s.to_string()).collect(),
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn with_cert<T>(path: &Path, f: impl FnOnce(&X509Certificate<'_>) -> T) -> T {
    let der = certificate_der(&read(path)).unwrap();
    let cert = ca::parse(&der, path).unwrap();
    f(&cert)
}

fn subject_key_id(cert: &X509Certificate<'_>) -> Vec<u8> {
    cert.iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
        .unwrap()
}

fn authority_key_id(cert: &X509Certificate<'_>) -> Vec<u8> {
    cert.iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(k) => {
                k.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
        .unwrap()
}

fn lifetime_days(cert: &X509Certificate<'_>) -> i64 {
    let v = cert.validity();
    (v.not_after.timestamp() - v.not_before.timestamp() - 300) / 86_400
}

fn sans(path: &Path) -> Vec<String> {
    with_cert(path, |c| {
        ca::subject_alt_names(c)
            .iter()
            .map(ToString::to_string)
            .collect()
    })
}

#[test]
fn first_start_creates_ca_serving_admin_and_kubeconfig() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let pki = bootstrap_at(
        &data,
        &opts("0.0.0.0:6443", &["signet.example.com", "10.0.0.7"]),
        t0(),
    )
    .unwrap();
    let p = pki.paths();
    assert_eq!(p.dir, data.join("pki"));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&p.dir), 0o700);
    for key in [&p.ca_key, &p.serving_key, &p.admin_key, &p.kubeconfig] {
        assert_eq!(mode(key), 0o600, "{}", key.display());
    }

    let ca_ski = with_cert(&p.ca_cert, |ca| {
        assert_eq!(ca.subject().to_string(), "CN=signet-ca");
        assert_eq!(ca.issuer().to_string(), "CN=signet-ca");
        assert!(ca.is_ca());
        let ku = ca.key_usage().unwrap().unwrap();
        assert!(ku.critical);
        assert!(ku.value.key_cert_sign() && ku.value.crl_sign() && ku.value.digital_signature());
        assert_eq!(lifetime_days(ca), 3650);
        assert_eq!(ca.validity().not_before.timestamp(), 1_900_000_000 - 300);
        assert_eq!(
            ca.public_key().algorithm.algorithm,
            OID_KEY_TYPE_EC_PUBLIC_KEY
        );
        subject_key_id(ca)
    });
    assert_eq!(pki.ca_cert_pem(), read(&p.ca_cert));

    with_cert(&p.serving_cert, |s| {
        assert!(pki.ca().signed(s));
        assert!(!s.is_ca());
        let eku = s.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.server_auth && !eku.client_auth);
        assert_eq!(lifetime_days(s), 365);
        assert_eq!(authority_key_id(s), ca_ski);
    });
    assert_eq!(
        sans(&p.serving_cert),
        [
            "10.0.0.7",
            "127.0.0.1",
            "::1",
            "localhost",
            "signet.example.com"
        ]
    );

    with_cert(&p.admin_cert, |a| {
        assert!(pki.ca().signed(a));
        assert_eq!(a.subject().to_string(), "O=system:masters, CN=signet-admin");
        let eku = a.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth);
        assert_eq!(lifetime_days(a), 365);
    });

    let kubeconfig: serde_yaml::Value = serde_yaml::from_str(&read(&p.kubeconfig)).unwrap();
    let decode = |v: &serde_yaml::Value| {
        String::from_utf8(STANDARD.decode(v.as_str().unwrap()).unwrap()).unwrap()
    };
    assert_eq!(kubeconfig["current-context"], "signet");
    assert_eq!(
        kubeconfig["clusters"][0]["cluster"]["server"],
        "https://127.0.0.1:6443"
    );
    assert_eq!(pki.kubeconfig_server(), "https://127.0.0.1:6443");
    assert_eq!(
        decode(&kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]),
        read(&p.ca_cert)
    );
    assert_eq!(
        decode(&kubeconfig["users"][0]["user"]["client-certificate-data"]),
        read(&p.admin_cert)
    );
    assert_eq!(
        decode(&kubeconfig["users"][0]["user"]["client-key-data"]),
        read(&p.admin_key)
    );

    assert_eq!(pki.serving_chain().len(), 1);
    assert_eq!(pki.client_ca_roots().unwrap().len(), 1);
    crate::tls::server_config_for(&pki).unwrap();
}

#[test]
fn restart_reuses_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts("127.0.0.1:6443", &[]);
    let first = bootstrap_at(tmp.path(), &o, t0()).unwrap();
    let p = first.paths().clone();
    let before: Vec<String> = [
        &p.ca_cert,
        &p.ca_key,
        &p.serving_cert,
        &p.serving_key,
        &p.admin_cert,
        &p.admin_key,
        &p.kubeconfig,
    ]
    .iter()
    .map(|f| read(f))
    .collect();
    let second = bootstrap_at(tmp.path(), &o, t0() + Duration::from_secs(300 * DAY)).unwrap();
    let after: Vec<String> = [
        &p.ca_cert,
        &p.ca_key,
        &p.serving_cert,
        &p.serving_key,
        &p.admin_cert,
        &p.admin_key,
        &p.kubeconfig,
    ]
    .iter()
    .map(|f| read(f))
    .collect();
    assert_eq!(before, after);
    assert_eq!(second.ca_cert_der(), first.ca_cert_der());
    assert_eq!(second.serving_chain(), first.serving_chain());
}

#[test]
fn a_newly_requested_name_reissues_the_serving_certificate_from_the_same_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let first = bootstrap_at(tmp.path(), &opts("127.0.0.1:6443", &[]), t0()).unwrap();
    let p = first.paths().clone();
    let (ca, admin, serving) = (read(&p.ca_cert), read(&p.admin_cert), read(&p.serving_cert));
    let second = bootstrap_at(
        tmp.path(),
        &opts("127.0.0.1:6443", &["API.Example.com"]),
        t0(),
    )
    .unwrap();
    assert_eq!(read(&p.ca_cert), ca);
    assert_eq!(read(&p.admin_cert), admin);
    assert_ne!(read(&p.serving_cert), serving);
    assert_eq!(
        sans(&p.serving_cert),
        ["127.0.0.1", "::1", "api.example.com", "localhost"]
    );
    with_cert(&p.serving_cert, |s| assert!(second.ca().signed(s)));
    // Asking for a subset of what the certificate covers keeps it.
    let current = read(&p.serving_cert);
    bootstrap_at(tmp.path(), &opts("127.0.0.1:6443", &[]), t0()).unwrap();
    assert_eq!(read(&p.serving_cert), current);
}

#[test]
fn leaves_within_thirty_days_of_expiry_are_reissued_but_the_ca_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts("127.0.0.1:6443", &[]);
    let first = bootstrap_at(tmp.path(), &o, t0()).unwrap();
    let p = first.paths().clone();
    let (ca, admin, serving) = (read(&p.ca_cert), read(&p.admin_cert), read(&p.serving_cert));
    let kubeconfig = read(&p.kubeconfig);
    let later = t0() + Duration::from_secs(336 * DAY);
    bootstrap_at(tmp.path(), &o, later).unwrap();
    assert_eq!(read(&p.ca_cert), ca);
    assert_ne!(read(&p.serving_cert), serving);
    assert_ne!(read(&p.admin_cert), admin);
    with_cert(&p.serving_cert, |s| {
        assert_eq!(
            s.validity().not_before.timestamp(),
            1_900_000_000 + 336 * 86_400 - 300
        );
    });
    // The kubeconfig carries the new admin credentials.
    assert_ne!(read(&p.kubeconfig), kubeconfig);
    assert!(read(&p.kubeconfig).contains(&STANDARD.encode(read(&p.admin_cert))));
}

#[test]
fn a_new_listen_port_rewrites_the_kubeconfig_server_only() {
    let tmp = tempfile::tempdir().unwrap();
    let first = bootstrap_at(tmp.path(), &opts("127.0.0.1:6443", &[]), t0()).unwrap();
    let p = first.paths().clone();
    let serving = read(&p.serving_cert);
    let second = bootstrap_at(tmp.path(), &opts("[::]:7443", &[]), t0()).unwrap();
    assert_eq!(second.kubeconfig_server(), "https://127.0.0.1:7443");
    let kubeconfig: serde_yaml::Value = serde_yaml::from_str(&read(&p.kubeconfig)).unwrap();
    assert_eq!(
        kubeconfig["clusters"][0]["cluster"]["server"],
        "https://127.0.0.1:7443"
    );
    assert_eq!(mode(&p.kubeconfig), 0o600);
    assert_eq!(read(&p.serving_cert), serving);
}

#[test]
fn a_specific_listen_address_is_a_serving_san_and_the_kubeconfig_server() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = bootstrap_at(tmp.path(), &opts("192.168.7.9:6443", &[]), t0()).unwrap();
    assert_eq!(pki.kubeconfig_server(), "https://192.168.7.9:6443");
    assert_eq!(
        sans(&pki.paths().serving_cert),
        ["127.0.0.1", "192.168.7.9", "::1", "localhost"]
    );
}

#[test]
fn readable_keys_are_refused_naming_file_and_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts("127.0.0.1:6443", &[]);
    let p = bootstrap_at(tmp.path(), &o, t0()).unwrap().paths().clone();
    fs::set_permissions(&p.ca_key, fs::Permissions::from_mode(0o644)).unwrap();
    let err = bootstrap_at(tmp.path(), &o, t0()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "private key file {} has mode 0644: it must not be accessible by group or others \
             (fix with `chmod 600 {}` if the key has not leaked)",
            p.ca_key.display(),
            p.ca_key.display()
        )
    );
    fs::set_permissions(&p.ca_key, fs::Permissions::from_mode(0o600)).unwrap();
    fs::set_permissions(&p.kubeconfig, fs::Permissions::from_mode(0o640)).unwrap();
    assert!(matches!(
        bootstrap_at(tmp.path(), &o, t0()),
        Err(PkiError::InsecureKeyFile { mode: 0o640, ref path }) if *path == p.kubeconfig
    ));
}

#[test]
fn a_lost_ca_key_is_an_error_not_a_new_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts("127.0.0.1:6443", &[]);
    let p = bootstrap_at(tmp.path(), &o, t0()).unwrap().paths().clone();
    fs::remove_file(&p.ca_key).unwrap();
    let err = bootstrap_at(tmp.path(), &o, t0()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} exists but {} does not: restore it, or remove both to create new ones",
            p.ca_cert.display(),
            p.ca_key.display()
        )
    );
}

#[test]
fn a_serving_certificate_from_another_ca_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts("127.0.0.1:6443", &[]);
    let pki = bootstrap_at(tmp.path(), &o, t0()).unwrap();
    let p = pki.paths().clone();
    let (stranger, _) = CertificateAuthority::generate(t0()).unwrap();
    let foreign = stranger
        .issue_serving_cert(
            &[SubjectAltName::Dns("localhost".into())],
            t0(),
            LEAF_LIFETIME,
        )
        .unwrap();
    fs::write(&p.serving_cert, &foreign.cert_pem).unwrap();
    let pki = bootstrap_at(tmp.path(), &o, t0()).unwrap();
    assert_ne!(read(&p.serving_cert), foreign.cert_pem);
    with_cert(&p.serving_cert, |s| assert!(pki.ca().signed(s)));
}

#[test]
fn invalid_advertise_names_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in ["", "bad name", "-lead.example", "a..b", "ünicode.example"] {
        let err = bootstrap_at(tmp.path(), &opts("127.0.0.1:6443", &[bad]), t0()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid advertise address or DNS name {bad:?}")
        );
    }
}

#[test]
fn client_certificates_for_tests_and_their_limits() {
    let (ca, _) = CertificateAuthority::generate(t0()).unwrap();
    let (cert_pem, key_pem) =
        issue_client_cert(&ca, "alice", &["devs"], Duration::from_secs(3600)).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let der = certificate_der(&cert_pem).unwrap();
    let cert = ca::parse(&der, Path::new("alice")).unwrap();
    assert_eq!(cert.subject().to_string(), "O=devs, CN=alice");
    assert!(ca.signed(&cert));
    let err =
        issue_client_cert(&ca, "alice", &["a", "b", "c"], Duration::from_secs(1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a client certificate can carry at most two organizations (groups), 3 requested"
    );
}

#[test]
fn debug_output_never_contains_key_material() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = bootstrap_at(tmp.path(), &opts("127.0.0.1:6443", &[]), t0()).unwrap();
    let issued = pki
        .ca()
        .issue_client_cert("alice", &[], Duration::from_secs(60))
        .unwrap();
    for text in [
        format!("{pki:?}"),
        format!("{:?}", pki.ca()),
        format!("{issued:?}"),
    ] {
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }
    assert!(format!("{issued:?}").contains("[redacted]"));
}

#[test]
fn nothing_issued_outlives_the_ca() {
    let (ca, _) = CertificateAuthority::generate(t0()).unwrap();
    let late = t0() + Duration::from_secs(3600 * DAY);
    let issued = ca
        .issue_client_cert_at("alice", &[], late, LEAF_LIFETIME)
        .unwrap();
    let der = certificate_der(&issued.cert_pem).unwrap();
    let leaf = ca::parse(&der, Path::new("alice")).unwrap();
    let ca_cert = ca::parse(ca.cert_der(), Path::new("ca")).unwrap();
    assert_eq!(
        leaf.validity().not_after.timestamp(),
        ca_cert.validity().not_after.timestamp()
    );
    assert_eq!(
        ca_cert.validity().not_after.timestamp(),
        1_900_000_000 + 3650 * 86_400
    );
}

#[test]
fn a_ca_key_that_does_not_match_the_certificate_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let o = opts("127.0.0.1:6443", &[]);
    let p = bootstrap_at(tmp.path(), &o, t0()).unwrap().paths().clone();
    fs::write(&p.ca_key, read(&p.admin_key)).unwrap();
    let err = bootstrap_at(tmp.path(), &o, t0()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: this key does not belong to the certificate {}",
            p.ca_key.display(),
            p.ca_cert.display()
        )
    );
}
