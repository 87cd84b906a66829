//! ClusterTrustBundle validation (`certificates.k8s.io/v1`), as upstream's
//! `ValidateClusterTrustBundle`: a bundle linked to a signer is named with the signer name as a
//! prefix (slashes as colons), and its `trustBundle` holds only PEM `CERTIFICATE` blocks of CA
//! certificates, without headers or duplicates.

use std::collections::BTreeMap;

use k8s_openapi::api::certificates::v1::ClusterTrustBundle;

use crate::content::is_dns1123_subdomain;
use crate::field::{BadValue, FieldError};
use crate::meta::{validate_object_meta, validate_object_meta_update};
use crate::signer::validate_signer_name;

/// The largest trust bundle accepted (upstream `MaxTrustBundleSize`, 1 MiB).
pub const MAX_TRUST_BUNDLE_SIZE: usize = 1024 * 1024;

/// The name prefix of bundles for `signer_name` (`example.com/foo` → `example.com:foo:`).
pub fn name_prefix(signer_name: &str) -> String {
    format!("{}:", signer_name.replace('/', ":"))
}

/// `ValidateClusterTrustBundleName(signerName)`.
fn name_rules(signer_name: &str, name: &str, prefix: bool) -> Vec<String> {
    if signer_name.is_empty() {
        if name.contains(':') {
            return vec![
                "ClusterTrustBundle without signer name must not have \":\" in its name"
                    .to_string(),
            ];
        }
        return is_dns1123_subdomain(name);
    }
    let required = name_prefix(signer_name);
    match name.strip_prefix(&required) {
        None => vec![format!(
            "ClusterTrustBundle for signerName {signer_name} must be named with prefix {required}"
        )],
        Some(rest) => {
            let _ = prefix;
            is_dns1123_subdomain(rest)
        }
    }
}

fn omitted() -> BadValue {
    BadValue::Str("<value omitted>".to_string())
}

/// `validateTrustBundle`.
fn validate_trust_bundle(path: &str, bundle: &str) -> Vec<FieldError> {
    if bundle.len() > MAX_TRUST_BUNDLE_SIZE {
        return vec![FieldError::too_long(path, MAX_TRUST_BUNDLE_SIZE as i64)];
    }
    let mut errs = Vec::new();
    let mut seen: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    let mut order: Vec<Vec<u8>> = Vec::new();
    let mut rest = bundle.as_bytes();
    let mut i = 0usize;
    while let Some((block, remaining)) = crate::gopem::decode(rest) {
        rest = remaining;
        let idx = i;
        i += 1;
        let invalid = |msg: String| FieldError::invalid(path, omitted(), msg);
        if block.label != "CERTIFICATE" {
            errs.push(invalid(format!(
                "entry {idx} has bad block type: {}",
                block.label
            )));
            continue;
        }
        if !block.headers.is_empty() {
            errs.push(invalid(format!("entry {idx} has PEM block headers")));
            continue;
        }
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(&block.bytes) else {
            errs.push(invalid(format!("entry {idx} does not parse as X.509")));
            continue;
        };
        match cert.basic_constraints() {
            Ok(Some(bc)) if bc.value.ca => {}
            Ok(Some(_)) | Ok(None) => {
                errs.push(invalid(format!("entry {idx} does not have the CA bit set")));
                continue;
            }
            Err(_) => {
                errs.push(invalid(format!(
                    "entry {idx} has invalid basic constraints"
                )));
                continue;
            }
        }
        let entry = seen.entry(block.bytes.clone()).or_default();
        if entry.is_empty() {
            order.push(block.bytes.clone());
        }
        entry.push(idx);
    }
    if !errs.is_empty() {
        return errs;
    }
    if seen.is_empty() {
        errs.push(FieldError::invalid(
            path,
            omitted(),
            "at least one trust anchor must be provided",
        ));
    }
    for key in &order {
        if let Some(indices) = seen.get(key).filter(|v| v.len() > 1) {
            let list: Vec<String> = indices.iter().map(usize::to_string).collect();
            errs.push(FieldError::invalid(
                path,
                omitted(),
                format!("duplicate trust anchor (indices [{}])", list.join(" ")),
            ));
        }
    }
    errs
}

fn validate(bundle: &ClusterTrustBundle, parse_bundle: bool) -> Vec<FieldError> {
    let signer = bundle.spec.signer_name.clone().unwrap_or_default();
    let name_fn = move |name: &str, prefix: bool| name_rules(&signer, name, prefix);
    let mut errs = validate_object_meta(&bundle.metadata, false, &name_fn, "metadata");
    let signer = bundle.spec.signer_name.as_deref().unwrap_or_default();
    if !signer.is_empty() {
        errs.extend(validate_signer_name("spec.signerName", signer));
    }
    if parse_bundle {
        errs.extend(validate_trust_bundle(
            "spec.trustBundle",
            &bundle.spec.trust_bundle,
        ));
    }
    errs
}

/// Validation of a create.
pub fn validate_cluster_trust_bundle(bundle: &ClusterTrustBundle) -> Vec<FieldError> {
    validate(bundle, true)
}

/// Validation of an update: the bundle is only re-parsed when it changed; `spec.signerName` is
/// immutable.
pub fn validate_cluster_trust_bundle_update(
    new: &ClusterTrustBundle,
    old: &ClusterTrustBundle,
) -> Vec<FieldError> {
    let mut errs = validate(new, new.spec.trust_bundle != old.spec.trust_bundle);
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));
    let (n, o) = (
        new.spec.signer_name.as_deref().unwrap_or(""),
        old.spec.signer_name.as_deref().unwrap_or(""),
    );
    if n != o {
        errs.push(FieldError::invalid(
            "spec.signerName",
            BadValue::Str(n.to_string()),
            "field is immutable",
        ));
    }
    errs
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
mod tests {
    use super::*;
    use k8s_openapi::api::certificates::v1::ClusterTrustBundleSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn ca_pem() -> String {
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.self_signed(&rcgen::KeyPair::generate().unwrap())
            .unwrap()
            .pem()
    }

    fn leaf_pem() -> String {
        rcgen::generate_simple_self_signed(vec!["x.example.com".into()])
            .unwrap()
            .cert
            .pem()
    }

    fn bundle(name: &str, signer: Option<&str>, pem: &str) -> ClusterTrustBundle {
        ClusterTrustBundle {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..Default::default()
            },
            spec: ClusterTrustBundleSpec {
                signer_name: signer.map(str::to_string),
                trust_bundle: pem.into(),
            },
        }
    }

    fn texts(errs: Vec<FieldError>) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn names_follow_the_signer() {
        let ca = ca_pem();
        assert!(
            validate_cluster_trust_bundle(&bundle(
                "example.com:foo:v1",
                Some("example.com/foo"),
                &ca
            ))
            .is_empty()
        );
        assert!(validate_cluster_trust_bundle(&bundle("plain", None, &ca)).is_empty());
        assert_eq!(
            texts(validate_cluster_trust_bundle(&bundle(
                "look-ma-no-prefix",
                Some("k8s.io/foo"),
                &ca
            ))),
            vec![
                "metadata.name: Invalid value: \"look-ma-no-prefix\": ClusterTrustBundle for signerName k8s.io/foo must be named with prefix k8s.io:foo:"
            ]
        );
        assert_eq!(
            texts(validate_cluster_trust_bundle(&bundle("a:b", None, &ca))),
            vec![
                "metadata.name: Invalid value: \"a:b\": ClusterTrustBundle without signer name must not have \":\" in its name"
            ]
        );
    }

    #[test]
    fn bundle_content_rules() {
        let ca = ca_pem();
        let leaf = leaf_pem();
        let t = |pem: &str| texts(validate_cluster_trust_bundle(&bundle("b", None, pem)));
        assert_eq!(
            t(""),
            vec![
                "spec.trustBundle: Invalid value: \"<value omitted>\": at least one trust anchor must be provided"
            ]
        );
        assert_eq!(
            t(&leaf),
            vec![
                "spec.trustBundle: Invalid value: \"<value omitted>\": entry 0 does not have the CA bit set"
            ]
        );
        assert_eq!(
            t(&format!("{ca}{ca}")),
            vec![
                "spec.trustBundle: Invalid value: \"<value omitted>\": duplicate trust anchor (indices [0 1])"
            ]
        );
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            t(key),
            vec![
                "spec.trustBundle: Invalid value: \"<value omitted>\": entry 0 has bad block type: PRIVATE KEY"
            ]
        );
        assert!(t(&format!("garbage\n{ca}\ngarbage\n")).is_empty());
    }

    #[test]
    fn signer_name_is_immutable() {
        let ca = ca_pem();
        let old = bundle("example.com:foo:v1", Some("example.com/foo"), &ca);
        let mut new = old.clone();
        new.metadata.resource_version = Some("2".into());
        new.spec.signer_name = Some("example.com/bar".into());
        let errs = texts(validate_cluster_trust_bundle_update(&new, &old));
        assert!(
            errs.contains(
                &"spec.signerName: Invalid value: \"example.com/bar\": field is immutable"
                    .to_string()
            ),
            "{errs:?}"
        );
    }
}
