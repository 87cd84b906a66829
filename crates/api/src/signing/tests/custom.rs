//! Custom signer policies: each rule on its own, with the message naming it.

use rcgen::{PKCS_ECDSA_P384_SHA384, PKCS_ED25519};

use super::{Req, csr, csr_with, openssl_csr, usages};
use crate::csr::Curve;
use crate::signing::{
    IpNet, KeyRequirement, Pattern, SignerPolicy, SubjectConstraints, custom_policy,
};

fn patterns(list: &[&str]) -> Vec<Pattern> {
    list.iter().map(|p| Pattern::new(*p)).collect()
}

/// The default policy leaves every rule out; each test narrows one.
fn open_policy() -> SignerPolicy {
    SignerPolicy::default()
}

const FULL: Req<'static> = Req {
    cn: "app",
    orgs: &["team-a"],
    dns: &["a.example.com"],
    ips: &["10.1.2.3"],
    emails: &["app@example.com"],
    uris: &["spiffe://example.org/ns/a/sa/app"],
};

#[test]
fn open_policy_accepts() {
    let request = csr(&FULL);
    assert_eq!(
        custom_policy(&open_policy(), &request, &usages(&["client auth"])),
        Ok(())
    );
}

#[test]
fn allowed_usages() {
    let policy = SignerPolicy {
        allowed_usages: Some(usages(&["digital signature", "client auth"])),
        ..open_policy()
    };
    let request = csr(&FULL);
    assert_eq!(
        custom_policy(
            &policy,
            &request,
            &usages(&["client auth", "digital signature"])
        ),
        Ok(())
    );
    assert_eq!(
        custom_policy(&policy, &request, &usages(&["client auth", "server auth"])),
        Err(r#"usage "server auth" is not allowed by allowedUsages [digital signature client auth]"#.to_string())
    );
}

#[test]
fn subject_patterns() {
    let policy = SignerPolicy {
        subject: SubjectConstraints {
            common_name: patterns(&["app", "svc-*"]),
            organization: patterns(&["team-*"]),
            organizational_unit: patterns(&["eng"]),
        },
        ..open_policy()
    };
    let ok = |cn: &str| custom_policy(&policy, &csr(&Req { cn, ..FULL }), &[]);
    assert_eq!(ok("app"), Ok(()));
    assert_eq!(ok("svc-"), Ok(()));
    assert_eq!(ok("svc-a.b/c"), Ok(()));
    assert_eq!(
        ok("apps"),
        Err(
            r#"subject common name "apps" is not allowed by subject.commonName [app svc-*]"#
                .to_string()
        )
    );
    assert_eq!(
        custom_policy(
            &policy,
            &csr(&Req {
                orgs: &["ops"],
                ..FULL
            }),
            &[]
        ),
        Err(
            r#"subject organization "ops" is not allowed by subject.organization [team-*]"#
                .to_string()
        )
    );
    // Every organization must match, not just one.
    let two = openssl_csr("ec", "/O=team-a/O=ops/OU=eng/CN=app", &[]);
    assert_eq!(
        custom_policy(&policy, &two, &[]),
        Err(
            r#"subject organization "ops" is not allowed by subject.organization [team-*]"#
                .to_string()
        )
    );
    let ou = openssl_csr("ec", "/O=team-a/OU=sales/CN=app", &[]);
    assert_eq!(
        custom_policy(&policy, &ou, &[]),
        Err(r#"subject organizational unit "sales" is not allowed by subject.organizationalUnit [eng]"#.to_string())
    );
    // An empty pattern list leaves the attribute free.
    let free = SignerPolicy {
        subject: SubjectConstraints::default(),
        ..open_policy()
    };
    assert_eq!(custom_policy(&free, &ou, &[]), Ok(()));
}

#[test]
fn dns_names_wildcard_is_one_label() {
    let policy = SignerPolicy {
        dns_names: patterns(&["*.example.com", "exact.test"]),
        ..open_policy()
    };
    let check =
        |dns: &'static [&'static str]| custom_policy(&policy, &csr(&Req { dns, ..FULL }), &[]);
    assert_eq!(
        check(&["a.example.com", "B.Example.COM", "EXACT.test"]),
        Ok(())
    );
    let refused = |name: &str| {
        Err(format!(
            r#"DNS name "{name}" is not allowed by dnsNames [*.example.com exact.test]"#
        ))
    };
    assert_eq!(check(&["x.evil.com"]), refused("x.evil.com"));
    assert_eq!(check(&["example.com"]), refused("example.com"));
    assert_eq!(check(&["a.b.example.com"]), refused("a.b.example.com"));
    assert_eq!(
        check(&["a.example.com", "sub.exact.test"]),
        refused("sub.exact.test")
    );
    // No dnsNames rule: any DNS name, however deep.
    let none = SignerPolicy {
        dns_names: Vec::new(),
        ..open_policy()
    };
    assert_eq!(
        custom_policy(
            &none,
            &csr(&Req {
                dns: &["a.b.c.evil.com"],
                ..FULL
            }),
            &[]
        ),
        Ok(())
    );
}

#[test]
fn ip_ranges() {
    let policy = SignerPolicy {
        ip_ranges: vec![
            "10.0.0.0/8".parse().expect("cidr"),
            "fd00::/8".parse().expect("cidr"),
        ],
        ..open_policy()
    };
    let check =
        |ips: &'static [&'static str]| custom_policy(&policy, &csr(&Req { ips, ..FULL }), &[]);
    assert_eq!(check(&["10.255.0.1", "fd12::1"]), Ok(()));
    assert_eq!(
        check(&["10.0.0.1", "11.0.0.1"]),
        Err(
            r#"IP address "11.0.0.1" is not allowed by ipRanges [10.0.0.0/8 fd00::/8]"#.to_string()
        )
    );
    assert_eq!(
        check(&["fe80::1"]),
        Err(r#"IP address "fe80::1" is not allowed by ipRanges [10.0.0.0/8 fd00::/8]"#.to_string())
    );
}

#[test]
fn ip_net_parsing_and_containment() {
    let net: IpNet = "192.168.4.0/22".parse().expect("cidr");
    assert_eq!(net.to_string(), "192.168.4.0/22");
    assert!(net.contains("192.168.7.255".parse().expect("ip")));
    assert!(!net.contains("192.168.8.0".parse().expect("ip")));
    assert!(!net.contains("::ffff:192.168.4.1".parse().expect("ip")));
    let all: IpNet = "0.0.0.0/0".parse().expect("cidr");
    assert!(all.contains("255.255.255.255".parse().expect("ip")));
    for bad in ["10.0.0.0", "10.0.0.0/33", "::/129", "x/8", "10.0.0.0/-1"] {
        assert_eq!(
            bad.parse::<IpNet>().map_err(|e| e.to_string()),
            Err(format!("invalid CIDR address: {bad}"))
        );
    }
}

#[test]
fn uri_prefixes() {
    let policy = SignerPolicy {
        uri_prefixes: vec!["spiffe://example.org/".to_string()],
        ..open_policy()
    };
    assert_eq!(custom_policy(&policy, &csr(&FULL), &[]), Ok(()));
    assert_eq!(
        custom_policy(&policy, &csr(&Req { uris: &["spiffe://example.org.evil/x"], ..FULL }), &[]),
        Err(r#"URI "spiffe://example.org.evil/x" is not allowed by uriPrefixes [spiffe://example.org/]"#.to_string())
    );
}

#[test]
fn email_patterns() {
    let policy = SignerPolicy {
        email_patterns: patterns(&["*@example.com"]),
        ..open_policy()
    };
    assert_eq!(custom_policy(&policy, &csr(&FULL), &[]), Ok(()));
    assert_eq!(
        custom_policy(&policy, &csr(&Req { emails: &["app@example.com.evil"], ..FULL }), &[]),
        Err(r#"email address "app@example.com.evil" is not allowed by emailPatterns [*@example.com]"#.to_string())
    );
}

#[test]
fn max_sans_counts_every_kind() {
    let policy = SignerPolicy {
        max_sans: Some(3),
        ..open_policy()
    };
    assert_eq!(
        custom_policy(&policy, &csr(&FULL), &[]),
        Err("4 subjectAltNames exceed maxSANs 3".to_string())
    );
    let four = SignerPolicy {
        max_sans: Some(4),
        ..open_policy()
    };
    assert_eq!(custom_policy(&four, &csr(&FULL), &[]), Ok(()));
}

#[test]
fn key_algorithms() {
    let policy = SignerPolicy {
        key_algorithms: vec![
            KeyRequirement::Rsa { min_bits: 3072 },
            KeyRequirement::Ecdsa { curve: Curve::P256 },
        ],
        ..open_policy()
    };
    let allowed = "[RSA>=3072 ECDSA-P-256]";
    assert_eq!(custom_policy(&policy, &csr(&FULL), &[]), Ok(()));
    assert_eq!(
        custom_policy(&policy, &csr_with(&PKCS_ECDSA_P384_SHA384, &FULL), &[]),
        Err(format!(
            r#"public key "ECDSA-P-384" is not allowed by keyAlgorithms {allowed}"#
        ))
    );
    assert_eq!(
        custom_policy(&policy, &csr_with(&PKCS_ED25519, &FULL), &[]),
        Err(format!(
            r#"public key "Ed25519" is not allowed by keyAlgorithms {allowed}"#
        ))
    );
    let rsa = openssl_csr("rsa:2048", "/CN=app", &[]);
    assert_eq!(
        custom_policy(&policy, &rsa, &[]),
        Err(format!(
            r#"public key "RSA-2048" is not allowed by keyAlgorithms {allowed}"#
        ))
    );
    let rsa_ok = SignerPolicy {
        key_algorithms: vec![KeyRequirement::Rsa { min_bits: 2048 }],
        ..open_policy()
    };
    assert_eq!(custom_policy(&rsa_ok, &rsa, &[]), Ok(()));
    let ed_ok = SignerPolicy {
        key_algorithms: vec![KeyRequirement::Ed25519],
        ..open_policy()
    };
    assert_eq!(
        custom_policy(&ed_ok, &csr_with(&PKCS_ED25519, &FULL), &[]),
        Ok(())
    );
}

#[test]
fn rules_run_in_documented_order() {
    let policy = SignerPolicy {
        allowed_usages: Some(usages(&["client auth"])),
        subject: SubjectConstraints {
            common_name: patterns(&["other"]),
            ..SubjectConstraints::default()
        },
        dns_names: Vec::new(),
        max_sans: Some(0),
        ..open_policy()
    };
    let request = csr(&FULL);
    assert_eq!(
        custom_policy(&policy, &request, &usages(&["server auth"])),
        Err(r#"usage "server auth" is not allowed by allowedUsages [client auth]"#.to_string())
    );
    assert_eq!(
        custom_policy(&policy, &request, &usages(&["client auth"])),
        Err(
            r#"subject common name "app" is not allowed by subject.commonName [other]"#.to_string()
        )
    );
    let no_subject_rule = SignerPolicy {
        subject: SubjectConstraints::default(),
        ..policy
    };
    assert_eq!(
        custom_policy(&no_subject_rule, &request, &[]),
        Err("4 subjectAltNames exceed maxSANs 0".to_string())
    );
}

#[test]
fn glob_matching() {
    let p = Pattern::new("a*b*c");
    assert!(p.matches_glob("abc"));
    assert!(p.matches_glob("aXXbYYc"));
    assert!(p.matches_glob("abbbc"));
    assert!(!p.matches_glob("ab"));
    assert!(!p.matches_glob("abcd"));
    assert!(Pattern::new("*").matches_glob(""));
    assert!(!Pattern::new("").matches_glob("x"));
    assert!(!Pattern::new("A*").matches_glob("abc"));
}
