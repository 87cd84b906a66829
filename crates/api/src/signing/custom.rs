//! Policies for signers Signet defines itself: what subjects, SANs, key types and usages a
//! custom signer will certify.
//!
//! Upstream has no such policy, so this is Signet's own ground; the one promise is that every
//! failure names the rule that refused, e.g.
//! `DNS name "x.evil.com" is not allowed by dnsNames [*.example.com]`.
//!
//! Matching rules:
//! * `dnsNames` patterns compare ASCII case-insensitively; a `*` stands for exactly one whole
//!   DNS label (`*.example.com` matches `a.example.com`, not `example.com` or `a.b.example.com`)
//!   and may only be a whole label.
//! * subject and `emailPatterns` patterns are globs: `*` matches any run of characters
//!   (including none); everything else matches itself, case-sensitively.
//! * an empty list leaves its rule out: no subject pattern means any value, no `dnsNames`
//!   (`ipRanges`, `uriPrefixes`, `emailPatterns`) means any DNS name (IP, URI, email), no
//!   `keyAlgorithms` means every key the CSR parser accepts. So `SignerPolicy::default()`
//!   allows everything, and a policy laid over a well-known signer only narrows what it names.
//!   `maxSANs: 0` forbids SANs altogether.
//!
//! Checks run in this order and the first failure is reported: allowedUsages, subject
//! (commonName, organization, organizationalUnit), maxSANs, dnsNames, ipRanges, uriPrefixes,
//! emailPatterns, keyAlgorithms.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use thiserror::Error;

use crate::csr::{Curve, ParsedCsr, PublicKeyAlgorithm};
use crate::goformat::go_quote;

/// A glob pattern; see the module documentation for what `*` means where.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern(String);

impl Pattern {
    pub fn new(pattern: impl Into<String>) -> Self {
        Pattern(pattern.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Glob match: `*` is any run of characters.
    pub fn matches_glob(&self, value: &str) -> bool {
        glob(self.0.as_bytes(), value.as_bytes())
    }

    /// DNS match: `*` is exactly one non-empty label; case-insensitive.
    pub fn matches_dns(&self, name: &str) -> bool {
        let pattern: Vec<&str> = self.0.split('.').collect();
        let labels: Vec<&str> = name.split('.').collect();
        pattern.len() == labels.len()
            && pattern.iter().zip(&labels).all(|(p, l)| {
                if *p == "*" {
                    !l.is_empty()
                } else {
                    p.eq_ignore_ascii_case(l)
                }
            })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Iterative glob matcher with single-star backtracking (linear in practice, no recursion).
fn glob(pattern: &[u8], value: &[u8]) -> bool {
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, v));
            p += 1;
        } else if p < pattern.len() && pattern[p] == value[v] {
            p += 1;
            v += 1;
        } else if let Some((sp, sv)) = star {
            p = sp + 1;
            v = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

/// An IP network in CIDR form, e.g. `10.0.0.0/8` or `fd00::/8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix_len: u8,
}

/// Why a CIDR string was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("invalid CIDR address: {0}")]
pub struct IpNetError(pub String);

impl IpNet {
    /// A network; the prefix must fit the address family.
    pub fn new(addr: IpAddr, prefix_len: u8) -> Result<Self, IpNetError> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix_len > max {
            return Err(IpNetError(format!("{addr}/{prefix_len}")));
        }
        Ok(IpNet { addr, prefix_len })
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// Whether `ip` is inside; an IPv4 address is never inside an IPv6 network or vice versa.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix_len)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix_len)
            }
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix_len: u8) -> bool {
    let bits = prefix_len as usize;
    let whole = bits / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

impl FromStr for IpNet {
    type Err = IpNetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || IpNetError(s.to_string());
        let (addr, prefix) = s.split_once('/').ok_or_else(err)?;
        let addr: IpAddr = addr.parse().map_err(|_| err())?;
        let prefix: u8 = prefix.parse().map_err(|_| err())?;
        IpNet::new(addr, prefix).map_err(|_| err())
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

/// A key type a custom signer accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyRequirement {
    /// RSA with a modulus of at least this many bits.
    Rsa {
        min_bits: usize,
    },
    /// ECDSA on this curve.
    Ecdsa {
        curve: Curve,
    },
    Ed25519,
}

impl KeyRequirement {
    pub fn accepts(&self, key: &PublicKeyAlgorithm) -> bool {
        match (self, key) {
            (KeyRequirement::Rsa { min_bits }, PublicKeyAlgorithm::Rsa { bits, .. }) => {
                bits >= min_bits
            }
            (KeyRequirement::Ecdsa { curve }, PublicKeyAlgorithm::Ecdsa { curve: c }) => curve == c,
            (KeyRequirement::Ed25519, PublicKeyAlgorithm::Ed25519) => true,
            _ => false,
        }
    }
}

impl fmt::Display for KeyRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRequirement::Rsa { min_bits } => write!(f, "RSA>={min_bits}"),
            KeyRequirement::Ecdsa { curve } => write!(f, "ECDSA-{curve}"),
            KeyRequirement::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// Patterns for the subject's attributes; an empty list leaves the attribute unrestricted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectConstraints {
    pub common_name: Vec<Pattern>,
    pub organization: Vec<Pattern>,
    pub organizational_unit: Vec<Pattern>,
}

/// What a custom signer will certify.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerPolicy {
    /// `None`: any usage; otherwise every requested usage must be listed.
    pub allowed_usages: Option<Vec<String>>,
    pub subject: SubjectConstraints,
    pub dns_names: Vec<Pattern>,
    pub ip_ranges: Vec<IpNet>,
    /// Every URI SAN must start with one of these.
    pub uri_prefixes: Vec<String>,
    pub email_patterns: Vec<Pattern>,
    pub key_algorithms: Vec<KeyRequirement>,
    /// Most SANs (of all kinds together) a request may carry.
    pub max_sans: Option<usize>,
}

/// Checks `csr` and `usages` against `policy`; the error names the rule that refused.
pub fn custom_policy(
    policy: &SignerPolicy,
    csr: &ParsedCsr,
    usages: &[String],
) -> Result<(), String> {
    if let Some(allowed) = &policy.allowed_usages
        && let Some(usage) = usages.iter().find(|u| !allowed.contains(u))
    {
        return Err(refusal("usage", usage, "allowedUsages", allowed));
    }
    check_subject(&policy.subject, csr)?;
    let sans =
        csr.dns_names.len() + csr.ip_addresses.len() + csr.uris.len() + csr.email_addresses.len();
    if let Some(max) = policy.max_sans
        && sans > max
    {
        return Err(format!("{sans} subjectAltNames exceed maxSANs {max}"));
    }
    if let Some(dns) = refused(&csr.dns_names, &policy.dns_names, |p, d| p.matches_dns(d)) {
        return Err(refusal("DNS name", dns, "dnsNames", &policy.dns_names));
    }
    if let Some(ip) = refused(&csr.ip_addresses, &policy.ip_ranges, |n, ip| {
        n.contains(*ip)
    }) {
        return Err(refusal(
            "IP address",
            &ip.to_string(),
            "ipRanges",
            &policy.ip_ranges,
        ));
    }
    if let Some(uri) = refused(&csr.uris, &policy.uri_prefixes, |p, u| {
        u.starts_with(p.as_str())
    }) {
        return Err(refusal("URI", uri, "uriPrefixes", &policy.uri_prefixes));
    }
    if let Some(email) = refused(&csr.email_addresses, &policy.email_patterns, |p, e| {
        p.matches_glob(e)
    }) {
        return Err(refusal(
            "email address",
            email,
            "emailPatterns",
            &policy.email_patterns,
        ));
    }
    if !policy.key_algorithms.is_empty()
        && !policy
            .key_algorithms
            .iter()
            .any(|k| k.accepts(&csr.public_key))
    {
        let key = match &csr.public_key {
            PublicKeyAlgorithm::Rsa { bits, .. } => format!("RSA-{bits}"),
            PublicKeyAlgorithm::Ecdsa { curve } => format!("ECDSA-{curve}"),
            other => other.name().to_string(),
        };
        return Err(refusal(
            "public key",
            &key,
            "keyAlgorithms",
            &policy.key_algorithms,
        ));
    }
    Ok(())
}

/// The first value no rule matches; `None` when there are no rules (the rule is left out).
fn refused<'a, V, R>(
    values: &'a [V],
    rules: &[R],
    matches: impl Fn(&R, &V) -> bool,
) -> Option<&'a V> {
    if rules.is_empty() {
        return None;
    }
    values.iter().find(|v| !rules.iter().any(|r| matches(r, v)))
}

fn check_subject(constraints: &SubjectConstraints, csr: &ParsedCsr) -> Result<(), String> {
    let subject = &csr.subject;
    let rules: [(&str, &str, &[Pattern], Vec<&String>); 3] = [
        (
            "subject common name",
            "subject.commonName",
            &constraints.common_name,
            vec![&subject.common_name],
        ),
        (
            "subject organization",
            "subject.organization",
            &constraints.organization,
            subject.organizations.iter().collect(),
        ),
        (
            "subject organizational unit",
            "subject.organizationalUnit",
            &constraints.organizational_unit,
            subject.organizational_units.iter().collect(),
        ),
    ];
    for (what, rule, patterns, values) in rules {
        if patterns.is_empty() {
            continue;
        }
        if let Some(value) = values
            .into_iter()
            .find(|v| !patterns.iter().any(|p| p.matches_glob(v)))
        {
            return Err(refusal(what, value, rule, patterns));
        }
    }
    Ok(())
}

/// `<what> "<value>" is not allowed by <rule> [<allowed> ...]`.
fn refusal<T: fmt::Display>(what: &str, value: &str, rule: &str, allowed: &[T]) -> String {
    let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    format!(
        "{what} {} is not allowed by {rule} [{}]",
        go_quote(value),
        allowed.join(" ")
    )
}
