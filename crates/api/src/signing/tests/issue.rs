//! Issuing certificates: lifetimes, the CA's expiry, usages and the fields read back.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::{Req, csr, node, openssl_csr, ts, usages};
use crate::csr::ParsedCsr;
use crate::signing::{
    CaKeyPair, ExtKeyUsage, KeyUsage, SignRequest, SigningError, certificate_ttl, map_usages, sign,
    usage_to_ext_key_usage, usage_to_key_usage,
};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn now() -> Timestamp {
    ts("2026-06-01T12:00:00Z")
}

fn ca_until(not_after: Timestamp) -> CaKeyPair {
    let not_before = ts("2026-01-01T00:00:00Z");
    let lifetime = not_after.duration_since(not_before).unsigned_abs();
    CaKeyPair::generate("test-ca", not_before, lifetime)
        .expect("ca")
        .0
}

fn long_ca() -> CaKeyPair {
    ca_until(ts("2030-01-01T00:00:00Z"))
}

fn issue(
    ca: &CaKeyPair,
    request: &ParsedCsr,
    list: &[&str],
    expiration_seconds: Option<i32>,
    at: Timestamp,
) -> Result<String, SigningError> {
    let usages = usages(list);
    let req = SignRequest {
        csr: request,
        usages: &usages,
        expiration_seconds,
        max_ttl: DAY,
    };
    sign(ca, &req, at, &mut |b: &mut [u8]| b.fill(0xa5))
}

fn der_of(pem: &str) -> Vec<u8> {
    let (block, rest) = crate::gopem::decode(pem.as_bytes()).expect("pem");
    assert_eq!(block.label, "CERTIFICATE");
    assert!(
        rest.is_empty(),
        "exactly one PEM block and nothing after it"
    );
    block.bytes
}

fn with_cert<T>(pem: &str, f: impl FnOnce(&X509Certificate<'_>) -> T) -> T {
    let der = der_of(pem);
    let (rest, cert) = x509_parser::parse_x509_certificate(&der).expect("parse certificate");
    assert!(rest.is_empty());
    f(&cert)
}

fn span(pem: &str) -> (i64, i64) {
    with_cert(pem, |c| {
        (
            c.validity().not_before.timestamp(),
            c.validity().not_after.timestamp(),
        )
    })
}

#[test]
fn lifetime_table_with_a_24h_cap() {
    let ca = long_ca();
    let request = csr(&node());
    let m = |minutes: i64| minutes * 60;
    let h = |hours: i64| hours * 3600;
    let cases: [(Option<i32>, i64); 8] = [
        (None, h(24)),
        (Some(86400), h(24)),
        (Some(2 * 86400), h(24)),
        (Some(20 * 3600), h(20)),
        (Some(10 * 3600), h(10)),
        (Some(2 * 3600), h(2) + m(5)),
        (Some(30 * 60), m(35)),
        (Some(10 * 60), m(15)),
    ];
    for (seconds, want) in cases {
        let pem = issue(&ca, &request, &["client auth"], seconds, now()).expect("sign");
        let (nb, na) = span(&pem);
        assert_eq!(
            nb,
            now().as_second() - 300,
            "NotBefore is backdated 5m ({seconds:?})"
        );
        assert_eq!(na - nb, want, "span for expirationSeconds {seconds:?}");
    }
}

#[test]
fn ttl_rules() {
    assert_eq!(certificate_ttl(None, DAY), DAY);
    assert_eq!(certificate_ttl(Some(600), DAY), Duration::from_secs(600));
    // Below ten minutes (unreachable after validation) the minimum wins, even over the cap.
    assert_eq!(certificate_ttl(Some(60), DAY), Duration::from_secs(600));
    assert_eq!(certificate_ttl(Some(-5), DAY), Duration::from_secs(600));
    assert_eq!(
        certificate_ttl(Some(60), Duration::from_secs(120)),
        Duration::from_secs(600)
    );
    assert_eq!(certificate_ttl(Some(i32::MAX), DAY), DAY);
}

#[test]
fn short_certificates_keep_sub_second_issue_times_consistent() {
    let ca = long_ca();
    let at = ts("2026-06-01T12:00:00.999Z");
    let pem = issue(&ca, &csr(&node()), &["client auth"], Some(3600), at).expect("sign");
    let (nb, na) = span(&pem);
    assert_eq!(nb, ts("2026-06-01T11:55:00Z").as_second());
    assert_eq!(na, ts("2026-06-01T13:00:00Z").as_second());
}

#[test]
fn not_after_is_capped_at_the_ca() {
    let ca = ca_until(now() + SignedDuration::from_hours(2));
    let pem = issue(&ca, &csr(&node()), &["client auth"], None, now()).expect("sign");
    assert_eq!(span(&pem).1, ca.not_after().as_second());
    // Exactly at the cap is capped too.
    let ca = ca_until(now() + SignedDuration::from_mins(35));
    let pem = issue(&ca, &csr(&node()), &["client auth"], Some(2100), now()).expect("sign");
    assert_eq!(span(&pem).1, ca.not_after().as_second());
}

#[test]
fn expired_ca_errors() {
    let request = csr(&node());
    let expired = ca_until(ts("2026-06-01T11:00:00Z"));
    assert_eq!(
        issue(&expired, &request, &["client auth"], None, now()).map_err(|e| e.to_string()),
        Err("the signer has expired: NotAfter=2026-06-01 11:00:00 +0000 UTC".to_string())
    );
    // The backdated NotBefore (11:55) is before NotAfter, but now is not.
    let just_expired = ca_until(ts("2026-06-01T11:58:00Z"));
    assert_eq!(
        issue(&just_expired, &request, &["client auth"], None, now()).map_err(|e| e.to_string()),
        Err("refusing to sign a certificate that expired in the past: NotAfter=2026-06-01 11:58:00 +0000 UTC".to_string())
    );
    let at_expiry = ca_until(now());
    assert_eq!(
        issue(&at_expiry, &request, &["client auth"], None, now()).map_err(|e| e.to_string()),
        Err("refusing to sign a certificate that expired in the past: NotAfter=2026-06-01 12:00:00 +0000 UTC".to_string())
    );
}

#[test]
fn unrecognized_usages_are_listed_with_go_quoting() {
    let ca = long_ca();
    assert_eq!(
        issue(
            &ca,
            &csr(&node()),
            &["client auth", "bogus", "Server Auth"],
            None,
            now()
        )
        .map_err(|e| e.to_string()),
        Err(r#"unrecognized usage values: ["bogus" "Server Auth"]"#.to_string())
    );
    // Usages are mapped before the CA's expiry is checked, as upstream does.
    let expired = ca_until(ts("2026-06-01T11:00:00Z"));
    assert_eq!(
        issue(&expired, &csr(&node()), &["bogus"], None, now()).map_err(|e| e.to_string()),
        Err(r#"unrecognized usage values: ["bogus"]"#.to_string())
    );
}

#[test]
fn usage_mapping() {
    assert_eq!(
        usage_to_key_usage("signing"),
        Some(KeyUsage::DigitalSignature)
    );
    assert_eq!(
        usage_to_key_usage("digital signature"),
        Some(KeyUsage::DigitalSignature)
    );
    assert_eq!(
        usage_to_key_usage("decipher only"),
        Some(KeyUsage::DecipherOnly)
    );
    assert_eq!(usage_to_key_usage("server auth"), None);
    assert_eq!(
        usage_to_ext_key_usage("s/mime"),
        Some(ExtKeyUsage::EmailProtection)
    );
    assert_eq!(
        usage_to_ext_key_usage("netscape sgc"),
        Some(ExtKeyUsage::NetscapeServerGatedCrypto)
    );
    assert_eq!(usage_to_ext_key_usage("crl sign"), None);
    for usage in crate::usages::KEY_USAGES {
        assert!(
            usage_to_key_usage(usage).is_some() != usage_to_ext_key_usage(usage).is_some(),
            "{usage} maps to exactly one kind"
        );
    }
    let mapped = map_usages(&usages(&[
        "client auth",
        "s/mime",
        "server auth",
        "email protection",
        "any",
        "signing",
        "digital signature",
        "key encipherment",
        "microsoft sgc",
        "timestamping",
    ]))
    .expect("map");
    assert_eq!(
        mapped.key_usages,
        [KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
    );
    assert_eq!(
        mapped.ext_key_usages,
        [
            ExtKeyUsage::Any,
            ExtKeyUsage::ServerAuth,
            ExtKeyUsage::ClientAuth,
            ExtKeyUsage::EmailProtection,
            ExtKeyUsage::TimeStamping,
            ExtKeyUsage::MicrosoftServerGatedCrypto,
        ]
    );
}

fn extension_oids(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .map(|e| e.oid.to_id_string())
        .collect()
}

#[test]
fn certificate_fields_read_back() {
    let ca = long_ca();
    let request = csr(&Req {
        cn: "system:node:n1",
        orgs: &["system:nodes"],
        dns: &["n1.example.com", "n1"],
        ips: &["10.0.0.1", "fd00::1"],
        emails: &["n1@example.com"],
        uris: &["spiffe://example.org/n1"],
    });
    assert!(request.extensions.iter().any(|e| e.oid == "2.5.29.17"));
    let pem = issue(
        &ca,
        &request,
        &[
            "server auth",
            "digital signature",
            "key encipherment",
            "client auth",
            "server auth",
        ],
        None,
        now(),
    )
    .expect("sign");
    with_cert(&pem, |cert| {
        // Serial: positive, 128 random bits (0xa5 repeated from the injected rng).
        assert_eq!(cert.raw_serial(), [&[0u8][..], &[0xa5; 16]].concat());
        assert_eq!(cert.version().0, 2);
        assert_eq!(cert.issuer().as_raw(), ca_subject(&ca).as_slice());
        assert_eq!(
            cert.subject().to_string(),
            "O=system:nodes, CN=system:node:n1"
        );
        assert_eq!(cert.public_key().raw, request.spki_der.as_slice());
        assert_eq!(
            cert.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.10045.4.3.2"
        );
        assert_eq!(
            extension_oids(cert),
            [
                "2.5.29.15",
                "2.5.29.37",
                "2.5.29.19",
                "2.5.29.14",
                "2.5.29.35",
                "2.5.29.17"
            ]
        );
        let ku = cert.key_usage().expect("ku").expect("present");
        assert!(ku.critical);
        assert_eq!(
            ku.value.flags, 0b101,
            "digitalSignature and keyEncipherment only"
        );
        let eku = cert.extended_key_usage().expect("eku").expect("present");
        assert!(!eku.critical);
        assert!(eku.value.server_auth && eku.value.client_auth && !eku.value.any);
        let eku_ext = cert
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == "2.5.29.37")
            .expect("eku");
        // serverAuth then clientAuth, each once.
        assert_eq!(
            eku_ext.value,
            [
                0x30, 0x14, 6, 8, 43, 6, 1, 5, 5, 7, 3, 1, 6, 8, 43, 6, 1, 5, 5, 7, 3, 2
            ]
        );
        let bc = cert.basic_constraints().expect("bc").expect("present");
        assert!(bc.critical && !bc.value.ca && bc.value.path_len_constraint.is_none());
        let mut ski = None;
        let mut aki = None;
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => ski = Some(id.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    assert!(a.authority_cert_issuer.is_none() && a.authority_cert_serial.is_none());
                    aki = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                _ => {}
            }
        }
        assert_eq!(aki, Some(ca.subject_key_id()));
        let ski = ski.expect("ski");
        assert_eq!(ski.len(), 20);
        assert_ne!(ski, ca.subject_key_id());
        let san = cert
            .subject_alternative_name()
            .expect("san")
            .expect("present");
        assert!(!san.critical);
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .map(|n| match n {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::RFC822Name(e) => format!("email:{e}"),
                GeneralName::IPAddress(ip) => format!("IP:{}", hex::encode(ip)),
                GeneralName::URI(u) => format!("URI:{u}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "DNS:n1.example.com",
                "DNS:n1",
                "email:n1@example.com",
                "IP:0a000001",
                "IP:fd000000000000000000000000000001",
                "URI:spiffe://example.org/n1",
            ]
        );
    });
}

fn ca_subject(ca: &CaKeyPair) -> Vec<u8> {
    let (_, cert) = x509_parser::parse_x509_certificate(ca.cert_der()).expect("ca");
    cert.subject().as_raw().to_vec()
}

#[test]
fn requested_extensions_are_dropped_and_usages_come_from_spec() {
    let ca = long_ca();
    // The request asks to be a CA with cert-signing key usage and code signing.
    let request = openssl_csr(
        "ec",
        "/CN=sneaky",
        &[
            "basicConstraints=critical,CA:TRUE",
            "keyUsage=critical,keyCertSign",
            "extendedKeyUsage=codeSigning",
            "subjectKeyIdentifier=hash",
            "nsComment=hello",
        ],
    );
    assert_eq!(request.extensions.len(), 5);
    let pem = issue(&ca, &request, &["client auth"], None, now()).expect("sign");
    with_cert(&pem, |cert| {
        // No SANs, no key usage bits: only EKU, basicConstraints, SKI and AKI.
        assert_eq!(
            extension_oids(cert),
            ["2.5.29.37", "2.5.29.19", "2.5.29.14", "2.5.29.35"]
        );
        let bc = cert.basic_constraints().expect("bc").expect("present");
        assert!(!bc.value.ca);
    });
}

#[test]
fn subject_is_re_encoded_as_go_does() {
    let ca = long_ca();
    // OpenSSL writes CN before O and keeps emailAddress; Go's pkix.Name puts O first, keeps
    // both organizations in one multi-valued RDN, and drops attributes it has no field for.
    let request = openssl_csr(
        "ec",
        "/CN=alice/O=dev/O=admins/emailAddress=alice@example.com/C=NL/OU=eng",
        &[],
    );
    let pem = issue(&ca, &request, &["client auth"], None, now()).expect("sign");
    with_cert(&pem, |cert| {
        let rdns: Vec<Vec<(String, String)>> = cert
            .subject()
            .iter_rdn()
            .map(|rdn| {
                rdn.iter()
                    .map(|atv| {
                        (
                            atv.attr_type().to_id_string(),
                            atv.as_str().expect("string").to_string(),
                        )
                    })
                    .collect()
            })
            .collect();
        let pair = |o: &str, v: &str| (o.to_string(), v.to_string());
        assert_eq!(
            rdns,
            [
                vec![pair("2.5.4.6", "NL")],
                // DER sorts the SET by encoding: the shorter "dev" comes first.
                vec![pair("2.5.4.10", "dev"), pair("2.5.4.10", "admins")],
                vec![pair("2.5.4.11", "eng")],
                vec![pair("2.5.4.3", "alice")],
            ]
        );
    });
}

#[test]
fn subject_equals_the_requests() {
    let ca = long_ca();
    // A request already in Go's order and string types is copied byte for byte.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    let printable = |s: &str| rcgen::DnValue::PrintableString(s.try_into().expect("printable"));
    params
        .distinguished_name
        .push(rcgen::DnType::CountryName, printable("NL"));
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, printable("system:nodes"));
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, printable("system:node:n1"));
    let pem = params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem");
    let request = crate::csr::parse_csr_pem(pem.as_bytes()).expect("parse");
    let cert = issue(&ca, &request, &["client auth"], None, now()).expect("sign");
    with_cert(&cert, |c| {
        assert_eq!(c.subject().as_raw(), request.subject.der.as_slice())
    });
    // Other string types are re-encoded, but the names are equal.
    for request in [
        csr(&node()),
        openssl_csr("ec", "/O=system:nodes/CN=system:node:n1", &[]),
    ] {
        let cert = issue(&ca, &request, &["client auth"], None, now()).expect("sign");
        with_cert(&cert, |c| {
            assert_eq!(c.subject().to_string(), "O=system:nodes, CN=system:node:n1");
            assert_eq!(c.subject().to_string(), request_subject_string(&request));
        });
    }
}

fn request_subject_string(request: &ParsedCsr) -> String {
    let (_, parsed) =
        x509_parser::certification_request::X509CertificationRequest::from_der(&request.der)
            .expect("csr");
    parsed.certification_request_info.subject.to_string()
}

use x509_parser::prelude::FromDer as _;

#[test]
fn empty_subject_makes_san_critical() {
    let ca = long_ca();
    let request = csr(&Req {
        dns: &["only-san.example.com"],
        ..Req::default()
    });
    assert_eq!(request.subject.der, [0x30, 0]);
    let pem = issue(&ca, &request, &["server auth"], None, now()).expect("sign");
    with_cert(&pem, |cert| {
        assert_eq!(cert.subject().as_raw(), [0x30, 0]);
        let san = cert
            .subject_alternative_name()
            .expect("san")
            .expect("present");
        assert!(san.critical);
    });
}

#[test]
fn a_tampered_request_is_refused() {
    let ca = long_ca();
    let mut request = csr(&node());
    let last = request.der.len() - 1;
    request.der[last] ^= 1;
    assert_eq!(
        issue(&ca, &request, &["client auth"], None, now()).map_err(|e| e.to_string()),
        Err(
            "unable to verify certificate request signature: x509: ECDSA verification failure"
                .to_string()
        )
    );
    request.der.truncate(10);
    let err = issue(&ca, &request, &["client auth"], None, now()).map_err(|e| e.to_string());
    assert!(
        err.as_ref()
            .is_err_and(|e| e.starts_with("unable to parse certificate request: ")),
        "{err:?}"
    );
}
