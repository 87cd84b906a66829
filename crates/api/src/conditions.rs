//! Reading a CSR's state from its conditions and certificate: the CONDITION column of
//! `kubectl get csr` and the predicates controllers branch on.

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;

use crate::usages::{CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED};

fn has_condition(csr: &CertificateSigningRequest, condition_type: &str) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == condition_type))
}

/// Whether an `Approved` condition is present (its status is not looked at, as upstream).
pub fn is_approved(csr: &CertificateSigningRequest) -> bool {
    has_condition(csr, CONDITION_APPROVED)
}

/// Whether a `Denied` condition is present.
pub fn is_denied(csr: &CertificateSigningRequest) -> bool {
    has_condition(csr, CONDITION_DENIED)
}

/// Whether a `Failed` condition is present.
pub fn is_failed(csr: &CertificateSigningRequest) -> bool {
    has_condition(csr, CONDITION_FAILED)
}

/// Whether `status.certificate` is non-empty.
pub fn has_certificate(csr: &CertificateSigningRequest) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.certificate.as_ref())
        .is_some_and(|c| !c.0.is_empty())
}

/// The CONDITION column: `Denied`, else `Approved`, else `Pending`; then `,Failed` if failed
/// and `,Issued` if a certificate is present.
pub fn csr_condition_summary(csr: &CertificateSigningRequest) -> String {
    let mut summary = if is_denied(csr) {
        "Denied".to_string()
    } else if is_approved(csr) {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if is_failed(csr) {
        summary.push_str(",Failed");
    }
    if has_certificate(csr) {
        summary.push_str(",Issued");
    }
    summary
}

#[cfg(test)]
mod tests {
    use k8s_openapi::ByteString;
    use k8s_openapi::api::certificates::v1::{
        CertificateSigningRequestCondition, CertificateSigningRequestStatus,
    };

    use super::*;

    fn csr(types: &[&str], cert: bool) -> CertificateSigningRequest {
        CertificateSigningRequest {
            status: Some(CertificateSigningRequestStatus {
                conditions: Some(
                    types
                        .iter()
                        .map(|t| CertificateSigningRequestCondition {
                            type_: t.to_string(),
                            status: "False".to_string(),
                            ..CertificateSigningRequestCondition::default()
                        })
                        .collect(),
                ),
                certificate: cert.then(|| ByteString(b"pem".to_vec())),
            }),
            ..CertificateSigningRequest::default()
        }
    }

    #[test]
    fn summaries() {
        assert_eq!(
            csr_condition_summary(&CertificateSigningRequest::default()),
            "Pending"
        );
        for (types, cert, want) in [
            (&[][..], false, "Pending"),
            (&["Approved"][..], false, "Approved"),
            (&["Approved"][..], true, "Approved,Issued"),
            (&["Denied"][..], false, "Denied"),
            (&["Approved", "Failed"][..], false, "Approved,Failed"),
            (&["Failed"][..], false, "Pending,Failed"),
            (&["Denied"][..], true, "Denied,Issued"),
            (&["Approved", "Denied"][..], false, "Denied"),
            (&["Custom"][..], false, "Pending"),
            (&["Approved", "Failed"][..], true, "Approved,Failed,Issued"),
        ] {
            assert_eq!(csr_condition_summary(&csr(types, cert)), want, "{types:?}");
        }
    }

    #[test]
    fn predicates() {
        let c = csr(&["Approved", "Failed"], true);
        assert!(is_approved(&c) && is_failed(&c) && has_certificate(&c) && !is_denied(&c));
        let empty_cert = CertificateSigningRequest {
            status: Some(CertificateSigningRequestStatus {
                certificate: Some(ByteString(Vec::new())),
                conditions: None,
            }),
            ..CertificateSigningRequest::default()
        };
        assert!(!has_certificate(&empty_cert));
    }
}
