//! Signer names: the well-known built-in ones and the syntax every `spec.signerName` must
//! follow (`ValidateSignerName` in upstream `pkg/apis/core/validation/names.go`).

use crate::content::{
    DNS1123_LABEL_MAX_LENGTH, DNS1123_SUBDOMAIN_MAX_LENGTH, is_dns1123_label, is_dns1123_subdomain,
};
use crate::field::{BadValue, FieldError};

/// Client certificates for the API server; never auto-approved by the built-in approver.
pub const KUBE_APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";
/// Kubelet client certificates for the API server; auto-approvable.
pub const KUBE_APISERVER_CLIENT_KUBELET: &str = "kubernetes.io/kube-apiserver-client-kubelet";
/// Kubelet serving certificates.
pub const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
/// The v1beta1 catch-all; cannot be created through v1 but existing objects stay updatable.
pub const LEGACY_UNKNOWN: &str = "kubernetes.io/legacy-unknown";

/// The signers Kubernetes itself defines (the legacy one excluded).
pub const WELL_KNOWN_SIGNERS: [&str; 3] = [
    KUBE_APISERVER_CLIENT,
    KUBE_APISERVER_CLIENT_KUBELET,
    KUBELET_SERVING,
];

/// Longest valid signer name: a 253-byte domain, `/`, then a 63-byte namespace, `.` and a
/// 253-byte resource name.
pub const MAX_SIGNER_NAME_LENGTH: usize = DNS1123_SUBDOMAIN_MAX_LENGTH
    + (DNS1123_SUBDOMAIN_MAX_LENGTH + DNS1123_LABEL_MAX_LENGTH + 1)
    + 1;

/// Whether the signer's domain is reserved by the Kubernetes project (`kubernetes.io` or a
/// subdomain of it).
pub fn is_kubernetes_signer_name(signer_name: &str) -> bool {
    let host = signer_name.split('/').next().unwrap_or_default();
    host == "kubernetes.io" || host.ends_with(".kubernetes.io")
}

/// Checks that `signer_name` has the form `example.com/signer-name`, reporting errors at
/// `path` exactly as upstream does (including which checks stop early and which do not).
pub fn validate_signer_name(path: &str, signer_name: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if signer_name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return errs;
    }
    let segments: Vec<&str> = signer_name.split('/').collect();
    let [domain, signer_path] = segments.as_slice() else {
        errs.push(FieldError::invalid(
            path,
            BadValue::Str(signer_name.to_string()),
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ));
        return errs;
    };
    if domain.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(FieldError::too_long(
            path,
            DNS1123_SUBDOMAIN_MAX_LENGTH as i64,
        ));
    }
    let domain_labels: Vec<&str> = domain.split('.').collect();
    // Only the first bad label is reported: later ones would repeat the same messages.
    if let Some((label, msgs)) = domain_labels
        .iter()
        .map(|l| (l, is_dns1123_label(l)))
        .find(|(_, msgs)| !msgs.is_empty())
    {
        errs.extend(
            msgs.into_iter()
                .map(|m| label_error(path, domain, label, &m)),
        );
    }
    if domain_labels.len() < 2 {
        errs.push(FieldError::invalid(
            path,
            BadValue::Str(domain.to_string()),
            "should be a domain with at least two segments separated by dots",
        ));
    }
    if let Some((label, msgs)) = signer_path
        .split('.')
        .map(|l| (l, is_dns1123_subdomain(l)))
        .find(|(_, msgs)| !msgs.is_empty())
    {
        errs.extend(
            msgs.into_iter()
                .map(|m| label_error(path, signer_path, label, &m)),
        );
    }
    if signer_name.len() > MAX_SIGNER_NAME_LENGTH {
        errs.push(FieldError::too_long(path, MAX_SIGNER_NAME_LENGTH as i64));
    }
    errs
}

fn label_error(path: &str, segment: &str, label: &str, msg: &str) -> FieldError {
    FieldError::invalid(
        path,
        BadValue::Str(segment.to_string()),
        format!(
            "validating label {}: {msg}",
            crate::goformat::go_quote(label)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::aggregate;

    const P: &str = "spec.signerName";
    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    fn check(name: &str) -> Vec<String> {
        validate_signer_name(P, name)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn max_length_signer() -> String {
        // Four domain labels totalling 253 bytes, then a 63-byte label and a 253-byte name.
        let domain = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "a".repeat(63),
            "a".repeat(63),
            "a".repeat(61)
        );
        format!("{domain}/{}.{}", "a".repeat(63), "a".repeat(253))
    }

    #[test]
    fn valid_names() {
        assert_eq!(max_length_signer().len(), 571);
        for ok in [
            "example.com/valid-name",
            "example.com/some-signer-name",
            KUBE_APISERVER_CLIENT,
            KUBELET_SERVING,
            &format!("abc.io/{}.{}", "a".repeat(253), "a".repeat(253)),
            &max_length_signer(),
        ] {
            assert!(check(ok).is_empty(), "{ok}: {:?}", check(ok));
        }
    }

    #[test]
    fn empty_is_required() {
        assert_eq!(check(""), vec!["spec.signerName: Required value"]);
    }

    #[test]
    fn slash_count_must_be_one() {
        for bad in [
            "an-invalid-signer-name",
            "an-invalid-signer-name.com/something/else",
        ] {
            assert_eq!(
                check(bad),
                vec![format!(
                    "spec.signerName: Invalid value: \"{bad}\": must be a fully qualified domain and path of the form 'example.com/signer-name'"
                )]
            );
        }
    }

    #[test]
    fn domain_needs_two_segments() {
        assert_eq!(
            check("example/some-signer-name"),
            vec![
                "spec.signerName: Invalid value: \"example\": should be a domain with at least two segments separated by dots"
            ]
        );
    }

    #[test]
    fn path_must_be_subdomain_labels() {
        for (name, path, label) in [
            ("example.com/", "", ""),
            ("example.com/something-", "something-", "something-"),
            ("example.com/-", "-", "-"),
            ("example.com/a..b", "a..b", ""),
        ] {
            assert_eq!(
                check(name),
                vec![format!(
                    "spec.signerName: Invalid value: \"{path}\": validating label \"{label}\": {SUBDOMAIN_MSG}"
                )],
                "{name}"
            );
        }
    }

    #[test]
    fn long_domain_label() {
        let label = "a".repeat(66);
        let domain = format!("{label}.io");
        assert_eq!(
            check(&format!("{domain}/valid")),
            vec![format!(
                "spec.signerName: Invalid value: \"{domain}\": validating label \"{label}\": must be no more than 63 characters"
            )]
        );
    }

    #[test]
    fn uppercase_domain_label_stops_at_first_bad_label() {
        assert_eq!(
            check("Bad.Example.com/x"),
            vec![format!(
                "spec.signerName: Invalid value: \"Bad.Example.com\": validating label \"Bad\": {LABEL_MSG}"
            )]
        );
    }

    #[test]
    fn too_long_overall_and_domain() {
        assert_eq!(
            check(&format!("{}.toolong", max_length_signer())),
            vec!["spec.signerName: Too long: may not be more than 571 bytes"]
        );
        let fqdn = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "a".repeat(63),
            "a".repeat(63),
            "a".repeat(61)
        );
        assert_eq!(
            check(&format!("{fqdn}.extra/valid")),
            vec!["spec.signerName: Too long: may not be more than 253 bytes"]
        );
    }

    #[test]
    fn errors_accumulate_in_upstream_order() {
        let errs = validate_signer_name(P, "x/-");
        assert_eq!(
            aggregate(&errs),
            format!(
                "[spec.signerName: Invalid value: \"x\": should be a domain with at least two segments separated by dots, spec.signerName: Invalid value: \"-\": validating label \"-\": {SUBDOMAIN_MSG}]"
            )
        );
    }

    #[test]
    fn kubernetes_signer_names() {
        assert!(is_kubernetes_signer_name(KUBE_APISERVER_CLIENT));
        assert!(is_kubernetes_signer_name("foo.kubernetes.io/bar"));
        assert!(is_kubernetes_signer_name("kubernetes.io"));
        assert!(!is_kubernetes_signer_name("notkubernetes.io/bar"));
        assert!(!is_kubernetes_signer_name("example.com/kubernetes.io"));
    }
}
