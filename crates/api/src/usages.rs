//! The CSR vocabulary: key usages, condition types, condition reasons and annotation keys.
//!
//! Well-known strings live here so the API server, controllers and CLI spell them one way.

/// The 23 key usages in upstream declaration order (`KeyUsage` constants).
pub const KEY_USAGES: [&str; 23] = [
    "signing",
    "digital signature",
    "content commitment",
    "key encipherment",
    "key agreement",
    "data encipherment",
    "cert sign",
    "crl sign",
    "encipher only",
    "decipher only",
    "any",
    "server auth",
    "client auth",
    "code signing",
    "email protection",
    "s/mime",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "timestamping",
    "ocsp signing",
    "microsoft sgc",
    "netscape sgc",
];

/// The same usages sorted bytewise: the order of the `supported values` list in the
/// `Unsupported value` error.
pub const KEY_USAGES_SORTED: [&str; 23] = [
    "any",
    "cert sign",
    "client auth",
    "code signing",
    "content commitment",
    "crl sign",
    "data encipherment",
    "decipher only",
    "digital signature",
    "email protection",
    "encipher only",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "key agreement",
    "key encipherment",
    "microsoft sgc",
    "netscape sgc",
    "ocsp signing",
    "s/mime",
    "server auth",
    "signing",
    "timestamping",
];

pub const USAGE_SIGNING: &str = "signing";
pub const USAGE_DIGITAL_SIGNATURE: &str = "digital signature";
pub const USAGE_CONTENT_COMMITMENT: &str = "content commitment";
pub const USAGE_KEY_ENCIPHERMENT: &str = "key encipherment";
pub const USAGE_KEY_AGREEMENT: &str = "key agreement";
pub const USAGE_DATA_ENCIPHERMENT: &str = "data encipherment";
pub const USAGE_CERT_SIGN: &str = "cert sign";
pub const USAGE_CRL_SIGN: &str = "crl sign";
pub const USAGE_ENCIPHER_ONLY: &str = "encipher only";
pub const USAGE_DECIPHER_ONLY: &str = "decipher only";
pub const USAGE_ANY: &str = "any";
pub const USAGE_SERVER_AUTH: &str = "server auth";
pub const USAGE_CLIENT_AUTH: &str = "client auth";
pub const USAGE_CODE_SIGNING: &str = "code signing";
pub const USAGE_EMAIL_PROTECTION: &str = "email protection";
pub const USAGE_SMIME: &str = "s/mime";
pub const USAGE_IPSEC_END_SYSTEM: &str = "ipsec end system";
pub const USAGE_IPSEC_TUNNEL: &str = "ipsec tunnel";
pub const USAGE_IPSEC_USER: &str = "ipsec user";
pub const USAGE_TIMESTAMPING: &str = "timestamping";
pub const USAGE_OCSP_SIGNING: &str = "ocsp signing";
pub const USAGE_MICROSOFT_SGC: &str = "microsoft sgc";
pub const USAGE_NETSCAPE_SGC: &str = "netscape sgc";

/// Whether `usage` is one of the 23 known key usages.
pub fn is_known_usage(usage: &str) -> bool {
    KEY_USAGES.contains(&usage)
}

/// Condition type set by an approver; may only have status `True`.
pub const CONDITION_APPROVED: &str = "Approved";
/// Condition type set by an approver; may only have status `True`.
pub const CONDITION_DENIED: &str = "Denied";
/// Condition type set by a signer that will not sign; may only have status `True`.
pub const CONDITION_FAILED: &str = "Failed";

/// Condition types whose status can only be `True`.
pub const TRUE_ONLY_CONDITION_TYPES: [&str; 3] =
    [CONDITION_APPROVED, CONDITION_DENIED, CONDITION_FAILED];

/// Condition status values (`core/v1.ConditionStatus`).
pub const STATUS_TRUE: &str = "True";
pub const STATUS_FALSE: &str = "False";
pub const STATUS_UNKNOWN: &str = "Unknown";

/// Reason `kubectl certificate approve` writes.
pub const REASON_KUBECTL_APPROVE: &str = "KubectlApprove";
/// Reason `kubectl certificate deny` writes.
pub const REASON_KUBECTL_DENY: &str = "KubectlDeny";
/// Reason the built-in approver writes.
pub const REASON_AUTO_APPROVED: &str = "AutoApproved";
/// Reason a built-in signer writes with a `Failed` condition when its policy rejects a CSR.
pub const REASON_SIGNER_VALIDATION_FAILURE: &str = "SignerValidationFailure";

/// Message `kubectl certificate approve` writes.
pub const MESSAGE_KUBECTL_APPROVE: &str = "This CSR was approved by kubectl certificate approve.";
/// Message `kubectl certificate deny` writes.
pub const MESSAGE_KUBECTL_DENY: &str = "This CSR was denied by kubectl certificate deny.";
/// Message of the built-in approver for a kubelet's own client certificate renewal.
pub const MESSAGE_AUTO_APPROVED_SELF_NODE_CLIENT: &str =
    "Auto approving self kubelet client certificate after SubjectAccessReview.";
/// Message of the built-in approver for a bootstrapping kubelet's client certificate.
pub const MESSAGE_AUTO_APPROVED_NODE_CLIENT: &str =
    "Auto approving kubelet client certificate after SubjectAccessReview.";

/// Annotation kube-apiserver puts on the bootstrap RBAC objects it reconciles.
pub const ANNOTATION_RBAC_AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";
/// Annotation on the bookmark that ends the initial events of a streaming list.
pub const ANNOTATION_INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";
/// Key of the credential-id extra that authenticators add to `spec.extra`.
pub const EXTRA_CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_list_is_the_declaration_list_sorted() {
        let mut sorted = KEY_USAGES;
        sorted.sort_unstable();
        assert_eq!(sorted, KEY_USAGES_SORTED);
    }

    #[test]
    fn known_usages() {
        assert!(is_known_usage("client auth"));
        assert!(is_known_usage("s/mime"));
        assert!(!is_known_usage("Client Auth"));
        assert!(!is_known_usage("unknown"));
    }
}
