//! What a CertificateSigningRequest create or update may contain: upstream's
//! `pkg/apis/certificates/validation` plus the generic ObjectMeta checks that
//! `rest.BeforeCreate` / `rest.BeforeUpdate` add around it, in the same order, so the
//! aggregated 422 message and its causes match kube-apiserver's.
//!
//! Updates are "ratcheting": problems already present in the stored object (a legacy signer
//! name, duplicate usages, a malformed certificate, ...) are tolerated so old objects stay
//! updatable; the options are computed from the OLD object only.

use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};

use crate::certificate::validate_certificate_pem;
use crate::field::{BadValue, FieldError, index};
use crate::meta::{any_name, path_segment_name, validate_object_meta, validate_object_meta_update};
use crate::signer::{LEGACY_UNKNOWN, validate_signer_name};
use crate::usages::{
    CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED, KEY_USAGES_SORTED, STATUS_FALSE,
    STATUS_TRUE, STATUS_UNKNOWN, TRUE_ONLY_CONDITION_TYPES, is_known_usage,
};

/// Which endpoint an update came through; each may change different parts of status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    /// PUT/PATCH of the main resource.
    Main,
    /// PUT/PATCH of `/status`: may set `status.certificate` once.
    Status,
    /// PUT/PATCH of `/approval`: may add or change Approved/Denied conditions.
    Approval,
}

/// Smallest accepted `spec.expirationSeconds`.
pub const MIN_EXPIRATION_SECONDS: i32 = 600;

#[derive(Default)]
struct Options {
    allow_setting_approval_conditions: bool,
    allow_setting_certificate: bool,
    allow_both_approved_and_denied: bool,
    allow_legacy_signer_name: bool,
    allow_duplicate_condition_types: bool,
    allow_empty_condition_type: bool,
    allow_arbitrary_certificate: bool,
    allow_unknown_usages: bool,
    allow_duplicate_usages: bool,
}

impl Options {
    /// Upstream's `getValidationOptions`: strict on create, lenient on update wherever the
    /// stored object already had the problem.
    fn new(new: &CertificateSigningRequest, old: Option<&CertificateSigningRequest>) -> Options {
        let Some(old) = old else {
            return Options::default();
        };
        let old_types: Vec<&str> = conditions(old).iter().map(|c| c.type_.as_str()).collect();
        let old_usages: Vec<&str> = usages(old).iter().map(String::as_str).collect();
        Options {
            allow_both_approved_and_denied: old_types.contains(&CONDITION_APPROVED)
                && old_types.contains(&CONDITION_DENIED),
            allow_legacy_signer_name: spec_signer(old) == LEGACY_UNKNOWN,
            allow_duplicate_condition_types: has_duplicates(&old_types),
            allow_empty_condition_type: old_types.contains(&""),
            allow_arbitrary_certificate: certificate(new) == certificate(old)
                || validate_certificate_pem(certificate(old)).is_err(),
            allow_unknown_usages: old_usages.iter().any(|u| !is_known_usage(u)),
            allow_duplicate_usages: has_duplicates(&old_usages),
            ..Options::default()
        }
    }
}

fn has_duplicates(items: &[&str]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, item)| items[..i].contains(item))
}

fn conditions(csr: &CertificateSigningRequest) -> &[CertificateSigningRequestCondition] {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
}

fn certificate(csr: &CertificateSigningRequest) -> &[u8] {
    csr.status
        .as_ref()
        .and_then(|s| s.certificate.as_ref())
        .map(|c| c.0.as_slice())
        .unwrap_or_default()
}

fn usages(csr: &CertificateSigningRequest) -> &[String] {
    csr.spec.usages.as_deref().unwrap_or_default()
}

fn spec_signer(csr: &CertificateSigningRequest) -> &str {
    &csr.spec.signer_name
}

/// Validates a new CSR (after the create strategy has run): CSR rules, then, only if those
/// passed, the generic path-segment name checks.
pub fn validate_csr_create(csr: &CertificateSigningRequest) -> Vec<FieldError> {
    let mut errs = validate_csr(csr, &Options::new(csr, None));
    if errs.is_empty() {
        // rest.BeforeCreate's own ObjectMeta pass runs only after the strategy's succeeded.
        errs = validate_object_meta(&csr.metadata, false, &path_segment_name, "metadata");
    }
    errs
}

/// Validates an update through `kind`'s endpoint (after its strategy has run). The list
/// starts with the generic ObjectMeta checks `rest.BeforeUpdate` runs, then the CSR rules,
/// the update-only rules and the ObjectMeta update rules, exactly as upstream concatenates
/// them (so one bad label appears several times; `aggregate` dedups the message).
pub fn validate_csr_update(
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    kind: UpdateKind,
) -> Vec<FieldError> {
    let mut errs = validate_object_meta(&new.metadata, false, &path_segment_name, "metadata");
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));

    let mut opts = Options::new(new, Some(old));
    opts.allow_setting_certificate = kind == UpdateKind::Status;
    opts.allow_setting_approval_conditions = kind == UpdateKind::Approval;
    errs.extend(validate_csr(new, &opts));
    errs.extend(validate_update_rules(new, old, &opts));
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));
    errs
}

/// `validateCertificateSigningRequest`: metadata (any name), request, usages, signer name,
/// expiration, conditions, certificate.
fn validate_csr(csr: &CertificateSigningRequest, opts: &Options) -> Vec<FieldError> {
    let mut errs = validate_object_meta(&csr.metadata, false, &any_name, "metadata");
    let spec = &csr.spec;
    if let Err(e) = crate::csr::parse_csr_pem(&spec.request.0) {
        errs.push(FieldError::invalid(
            "spec.request",
            BadValue::Bytes(spec.request.0.clone()),
            e.to_string(),
        ));
    }
    let usages = usages(csr);
    if usages.is_empty() {
        errs.push(FieldError::required("spec.usages", ""));
    }
    if !opts.allow_unknown_usages {
        for (i, usage) in usages.iter().enumerate() {
            if !is_known_usage(usage) {
                errs.push(FieldError::not_supported(
                    index("spec.usages", i),
                    BadValue::Named(usage.clone()),
                    &KEY_USAGES_SORTED,
                ));
            }
        }
    }
    if !opts.allow_duplicate_usages {
        for (i, usage) in usages.iter().enumerate() {
            if usages[..i].contains(usage) {
                errs.push(FieldError::duplicate(
                    index("spec.usages", i),
                    BadValue::Named(usage.clone()),
                ));
            }
        }
    }
    if !opts.allow_legacy_signer_name && spec.signer_name == LEGACY_UNKNOWN {
        errs.push(FieldError::invalid(
            "spec.signerName",
            BadValue::Str(spec.signer_name.clone()),
            "the legacy signerName is not allowed via this API version",
        ));
    } else {
        errs.extend(validate_signer_name("spec.signerName", &spec.signer_name));
    }
    if let Some(seconds) = spec.expiration_seconds
        && seconds < MIN_EXPIRATION_SECONDS
    {
        errs.push(FieldError::invalid(
            "spec.expirationSeconds",
            BadValue::Int(i64::from(seconds)),
            "may not specify a duration less than 600 seconds (10 minutes)",
        ));
    }
    errs.extend(validate_conditions(conditions(csr), opts));
    if !opts.allow_arbitrary_certificate
        && let Err(detail) = validate_certificate_pem(certificate(csr))
    {
        errs.push(FieldError::invalid(
            "status.certificate",
            BadValue::certificate_data(),
            detail,
        ));
    }
    errs
}

fn validate_conditions(
    conditions: &[CertificateSigningRequestCondition],
    opts: &Options,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let (mut has_approved, mut has_denied) = (false, false);
    for (i, c) in conditions.iter().enumerate() {
        let path = index("status.conditions", i);
        if !opts.allow_empty_condition_type && c.type_.is_empty() {
            errs.push(FieldError::required(format!("{path}.type"), ""));
        }
        let allowed: &[&str] = if TRUE_ONLY_CONDITION_TYPES.contains(&c.type_.as_str()) {
            &[STATUS_TRUE]
        } else {
            &[STATUS_FALSE, STATUS_TRUE, STATUS_UNKNOWN]
        };
        if c.status.is_empty() {
            errs.push(FieldError::required(format!("{path}.status"), ""));
        } else if !allowed.contains(&c.status.as_str()) {
            errs.push(FieldError::not_supported(
                format!("{path}.status"),
                BadValue::Named(c.status.clone()),
                allowed,
            ));
        }
        if !opts.allow_both_approved_and_denied {
            let conflict = match c.type_.as_str() {
                CONDITION_APPROVED => {
                    has_approved = true;
                    has_denied
                }
                CONDITION_DENIED => {
                    has_denied = true;
                    has_approved
                }
                _ => false,
            };
            if conflict {
                errs.push(FieldError::invalid(
                    "status.conditions",
                    BadValue::Named(c.type_.clone()),
                    "Approved and Denied conditions are mutually exclusive",
                ));
            }
        }
        if !opts.allow_duplicate_condition_types
            && conditions[..i].iter().any(|p| p.type_ == c.type_)
        {
            errs.push(FieldError::duplicate(
                format!("{path}.type"),
                BadValue::Named(c.type_.clone()),
            ));
        }
    }
    errs
}

/// `validateCertificateSigningRequestUpdate`'s own rules (§2.7).
fn validate_update_rules(
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    opts: &Options,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let of_type =
        |csr: &CertificateSigningRequest, t: &str| -> Vec<CertificateSigningRequestCondition> {
            conditions(csr)
                .iter()
                .filter(|c| c.type_ == t)
                .cloned()
                .collect()
        };
    for t in [CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED] {
        if of_type(new, t).len() < of_type(old, t).len() {
            errs.push(FieldError::forbidden(
                "status.conditions",
                format!("updates may not remove a condition of type \"{t}\""),
            ));
        }
    }
    if !opts.allow_setting_approval_conditions {
        for t in [CONDITION_APPROVED, CONDITION_DENIED] {
            let (old_c, new_c) = (of_type(old, t), of_type(new, t));
            if new_c.len() > old_c.len() {
                errs.push(FieldError::forbidden(
                    "status.conditions",
                    format!("updates may not add a condition of type \"{t}\""),
                ));
            } else if new_c.len() == old_c.len() && !semantically_equal(&old_c, &new_c) {
                errs.push(FieldError::forbidden(
                    "status.conditions",
                    format!(
                        "updates may not modify a condition of type \"{t}\"\n{}",
                        condition_diff(&old_c, &new_c)
                    ),
                ));
            }
        }
    }
    if certificate(new) != certificate(old) {
        if !opts.allow_setting_certificate {
            errs.push(FieldError::forbidden(
                "status.certificate",
                "updates may not set certificate content",
            ));
        } else if !certificate(old).is_empty() {
            errs.push(FieldError::forbidden(
                "status.certificate",
                "updates may not modify existing certificate content",
            ));
        }
    }
    errs
}

/// The condition fields as Go compares them (an absent string equals an empty one).
fn condition_fields(c: &CertificateSigningRequestCondition) -> [(&'static str, String); 6] {
    let time = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
        t.as_ref()
            .map(|t| t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    };
    [
        ("Type", c.type_.clone()),
        ("Status", c.status.clone()),
        ("Reason", c.reason.clone().unwrap_or_default()),
        ("Message", c.message.clone().unwrap_or_default()),
        ("LastUpdateTime", time(&c.last_update_time)),
        ("LastTransitionTime", time(&c.last_transition_time)),
    ]
}

fn semantically_equal(
    a: &[CertificateSigningRequestCondition],
    b: &[CertificateSigningRequestCondition],
) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| condition_fields(x) == condition_fields(y))
}

/// A readable old-vs-new listing of the fields that changed (upstream prints a `cmp.Diff`,
/// whose layout is not part of the API).
fn condition_diff(
    old: &[CertificateSigningRequestCondition],
    new: &[CertificateSigningRequestCondition],
) -> String {
    let mut lines = Vec::new();
    for (i, (o, n)) in old.iter().zip(new).enumerate() {
        for ((name, ov), (_, nv)) in condition_fields(o).into_iter().zip(condition_fields(n)) {
            if ov != nv {
                lines.push(format!("  [{i}].{name}:"));
                lines.push(format!("-\t{}", crate::goformat::go_quote(&ov)));
                lines.push(format!("+\t{}", crate::goformat::go_quote(&nv)));
            }
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests;
