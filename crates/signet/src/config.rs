//! `signet serve --config FILE`: the signers Signet runs, as YAML.
//!
//! ```yaml
//! signers:
//!   kubernetes.io/kube-apiserver-client:     # a well-known signer: narrow it, set its lifetime
//!     maxLifetime: 24h
//!   example.com/payments:                    # a custom signer: its whole policy is here
//!     ca: {certFile: /etc/signet/payments-ca.crt, keyFile: /etc/signet/payments-ca.key}
//!     defaultLifetime: 24h
//!     maxLifetime: 720h
//!     allowedUsages: [digital signature, client auth]
//!     subject: {commonName: ["*.payments.example.com"], organization: [payments]}
//!     dnsNames: ["*.payments.example.com"]
//!     ipRanges: [10.20.0.0/16]
//!     uriPrefixes: ["spiffe://example.com/payments/"]
//!     emails: ["*@example.com"]
//!     keyAlgorithms: [ecdsa-p256, ed25519, rsa-3072]
//!     maxSANs: 8
//! ```
//!
//! Every field is checked while the file is read, so an error names its line and column.
//! Without `ca`, a signer's CA is generated on first start under the data directory.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use signet_api::csr::Curve;
use signet_api::signing::{IpNet, KeyRequirement, Pattern, SignerPolicy, SubjectConstraints};
use signet_controllers::ca_store::CaConfig;
use signet_controllers::signer::DEFAULT_MAX_TTL;

/// The four well-known signers, always run.
pub const WELL_KNOWN: [&str; 4] = [
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/kubelet-serving",
    "kubernetes.io/legacy-unknown",
];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    signers: BTreeMap<SignerName, SignerEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SignerName(String);

impl<'de> Deserialize<'de> for SignerName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let errs = signet_api::signer::validate_signer_name("signerName", &s);
        if let Some(e) = errs.first() {
            return Err(de::Error::custom(format!("invalid signer name: {e}")));
        }
        Ok(SignerName(s))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignerEntry {
    ca: Option<CaFiles>,
    default_lifetime: Option<Lifetime>,
    max_lifetime: Option<Lifetime>,
    allowed_usages: Option<Vec<Usage>>,
    #[serde(default)]
    subject: SubjectEntry,
    #[serde(default)]
    dns_names: Vec<String>,
    #[serde(default)]
    ip_ranges: Vec<Cidr>,
    #[serde(default)]
    uri_prefixes: Vec<String>,
    #[serde(default)]
    emails: Vec<String>,
    #[serde(default)]
    key_algorithms: Vec<KeyAlgorithm>,
    #[serde(rename = "maxSANs")]
    max_sans: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CaFiles {
    cert_file: PathBuf,
    key_file: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubjectEntry {
    #[serde(default)]
    common_name: Vec<String>,
    #[serde(default)]
    organization: Vec<String>,
    #[serde(default)]
    organizational_unit: Vec<String>,
}

/// A lifetime such as `90s`, `30m`, `24h`, `7d` (at least 10 minutes, as the CSR API's floor).
#[derive(Debug, Clone, Copy)]
struct Lifetime(Duration);

impl<'de> Deserialize<'de> for Lifetime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let dur = parse_duration(&s).map_err(de::Error::custom)?;
        if dur < Duration::from_secs(600) {
            return Err(de::Error::custom(format!(
                "lifetime {s:?} is shorter than the 10 minute minimum"
            )));
        }
        Ok(Lifetime(dur))
    }
}

/// Parse `<number><unit>` with unit `s`, `m`, `h` or `d`, possibly repeated (`1h30m`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration {s:?}: use a number and a unit s, m, h or d, e.g. 24h or 1h30m")
    };
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() || total == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(total))
}

#[derive(Debug, Clone)]
struct Usage(String);

impl<'de> Deserialize<'de> for Usage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if !signet_api::usages::is_known_usage(&s) {
            return Err(de::Error::custom(format!("unknown usage {s:?}")));
        }
        Ok(Usage(s))
    }
}

#[derive(Debug, Clone, Copy)]
struct Cidr(IpNet);

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let bad = || {
            de::Error::custom(format!(
                "invalid CIDR {s:?}: use e.g. 10.0.0.0/8 or fd00::/8"
            ))
        };
        let (addr, len) = s.split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let len: u8 = len.parse().map_err(|_| bad())?;
        IpNet::new(addr, len).map(Cidr).map_err(|_| bad())
    }
}

#[derive(Debug, Clone, Copy)]
struct KeyAlgorithm(KeyRequirement);

impl<'de> Deserialize<'de> for KeyAlgorithm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let req = match s.as_str() {
            "ecdsa-p256" => KeyRequirement::Ecdsa { curve: Curve::P256 },
            "ecdsa-p384" => KeyRequirement::Ecdsa { curve: Curve::P384 },
            "ed25519" => KeyRequirement::Ed25519,
            other => match other
                .strip_prefix("rsa-")
                .and_then(|b| b.parse::<usize>().ok())
            {
                Some(bits) if bits >= 2048 => KeyRequirement::Rsa { min_bits: bits },
                _ => {
                    return Err(de::Error::custom(format!(
                        "unknown key algorithm {s:?}: use ecdsa-p256, ecdsa-p384, ed25519 or rsa-<bits> (2048 or more)"
                    )));
                }
            },
        };
        Ok(KeyAlgorithm(req))
    }
}

/// One signer as the server runs it.
#[derive(Debug, Clone)]
pub struct SignerConfig {
    pub name: String,
    pub ca: CaConfig,
    pub max_ttl: Duration,
    pub default_ttl: Option<Duration>,
    pub policy: Option<SignerPolicy>,
}

fn patterns(v: &[String]) -> Vec<Pattern> {
    v.iter().map(Pattern::new).collect()
}

impl SignerEntry {
    fn has_policy(&self) -> bool {
        self.allowed_usages.is_some()
            || !self.subject.common_name.is_empty()
            || !self.subject.organization.is_empty()
            || !self.subject.organizational_unit.is_empty()
            || !self.dns_names.is_empty()
            || !self.ip_ranges.is_empty()
            || !self.uri_prefixes.is_empty()
            || !self.emails.is_empty()
            || !self.key_algorithms.is_empty()
            || self.max_sans.is_some()
    }

    fn into_config(self, name: String) -> SignerConfig {
        let well_known = WELL_KNOWN.contains(&name.as_str());
        let policy = (!well_known || self.has_policy()).then(|| SignerPolicy {
            allowed_usages: self
                .allowed_usages
                .map(|u| u.into_iter().map(|u| u.0).collect()),
            subject: SubjectConstraints {
                common_name: patterns(&self.subject.common_name),
                organization: patterns(&self.subject.organization),
                organizational_unit: patterns(&self.subject.organizational_unit),
            },
            dns_names: patterns(&self.dns_names),
            ip_ranges: self.ip_ranges.iter().map(|c| c.0).collect(),
            uri_prefixes: self.uri_prefixes.clone(),
            email_patterns: patterns(&self.emails),
            key_algorithms: self.key_algorithms.iter().map(|k| k.0).collect(),
            max_sans: self.max_sans,
        });
        SignerConfig {
            name,
            ca: match self.ca {
                Some(f) => CaConfig::Files {
                    cert: f.cert_file,
                    key: f.key_file,
                },
                None => CaConfig::Generated,
            },
            max_ttl: self.max_lifetime.map_or(DEFAULT_MAX_TTL, |l| l.0),
            default_ttl: self.default_lifetime.map(|l| l.0),
            policy,
        }
    }
}

/// The signers to run: the four well-known ones (as configured, or with upstream's defaults)
/// and every custom signer of the file.
pub fn load(path: Option<&Path>) -> anyhow::Result<Vec<SignerConfig>> {
    let file: File = match path {
        None => File::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("failed to read {}", p.display()))?;
            parse(&text).map_err(|e| anyhow::anyhow!("invalid config {}: {e}", p.display()))?
        }
    };
    Ok(resolve(file))
}

fn parse(text: &str) -> Result<File, String> {
    if text.trim().is_empty() {
        return Ok(File::default());
    }
    serde_yaml::from_str(text).map_err(|e| e.to_string())
}

fn resolve(mut file: File) -> Vec<SignerConfig> {
    let mut out = Vec::new();
    for name in WELL_KNOWN {
        let entry = file
            .signers
            .remove(&SignerName(name.to_string()))
            .unwrap_or_default();
        out.push(entry.into_config(name.to_string()));
    }
    for (name, entry) in file.signers {
        out.push(entry.into_config(name.0));
    }
    out
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_the_four_well_known_signers() {
        let s = resolve(parse("").unwrap());
        let names: Vec<&str> = s.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, WELL_KNOWN);
        assert!(s.iter().all(|c| c.max_ttl == DEFAULT_MAX_TTL
            && c.policy.is_none()
            && c.ca == CaConfig::Generated));
    }

    #[test]
    fn a_custom_signer_with_its_policy() {
        let yaml = "signers:\n  kubernetes.io/kube-apiserver-client:\n    maxLifetime: 24h\n  example.com/payments:\n    ca: {certFile: /a.crt, keyFile: /a.key}\n    defaultLifetime: 1h30m\n    maxLifetime: 30d\n    allowedUsages: [client auth]\n    dnsNames: [\"*.example.com\"]\n    ipRanges: [10.0.0.0/8]\n    keyAlgorithms: [ecdsa-p256, rsa-3072]\n    maxSANs: 3\n";
        let s = resolve(parse(yaml).unwrap());
        assert_eq!(s[0].max_ttl, Duration::from_secs(86400));
        let p = &s[4];
        assert_eq!(p.name, "example.com/payments");
        assert_eq!(
            p.ca,
            CaConfig::Files {
                cert: "/a.crt".into(),
                key: "/a.key".into()
            }
        );
        assert_eq!(p.default_ttl, Some(Duration::from_secs(5400)));
        assert_eq!(p.max_ttl, Duration::from_secs(30 * 86400));
        let policy = p.policy.as_ref().unwrap();
        assert_eq!(policy.allowed_usages, Some(vec!["client auth".to_string()]));
        assert_eq!(policy.max_sans, Some(3));
        assert_eq!(
            policy.key_algorithms,
            vec![
                KeyRequirement::Ecdsa { curve: Curve::P256 },
                KeyRequirement::Rsa { min_bits: 3072 }
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "signers:\n  example.com/x:\n    maxLifetime: soon\n",
                "line 3",
            ),
            (
                "signers:\n  example.com/x:\n    ipRanges: [10.0.0.0/40]\n",
                "line 3",
            ),
            ("signers:\n  example.com/x:\n    colour: blue\n", "line 3"),
            ("signers:\n  Not_A_Signer:\n    maxLifetime: 1h\n", "line 2"),
            (
                "signers:\n  example.com/x:\n    keyAlgorithms: [dsa]\n",
                "line 3",
            ),
            (
                "signers:\n  example.com/x:\n    allowedUsages: [flying]\n",
                "line 3",
            ),
            (
                "signers:\n  example.com/x:\n    maxLifetime: 5m\n",
                "line 3",
            ),
        ];
        for (yaml, line) in cases {
            let e = parse(yaml).unwrap_err();
            assert!(e.contains(line), "{yaml:?}: {e}");
        }
        assert!(
            parse("signers:\n  example.com/x:\n    colour: blue\n")
                .unwrap_err()
                .contains("unknown field `colour`")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("24").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("").is_err());
    }
}
