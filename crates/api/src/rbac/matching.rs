//! Whether one policy rule allows one request, and whether one binding subject names a user
//! (upstream `RuleAllows` in `rbac.go`, the matchers in `pkg/apis/rbac/v1/evaluation_helpers.go`
//! and `appliesToUser` in `pkg/registry/rbac/validation/rule.go`).
//!
//! RBAC has exactly three kinds of wildcard and nothing else: `*` as a whole list entry (verbs,
//! API groups, resources, non-resource URLs), `*/<subresource>` in resources, and a trailing
//! `*` in non-resource URLs. Resource names are compared byte for byte: `["*"]` is the literal
//! name `*`, and a signer rule for `example.com/*` is the literal resource name
//! `example.com/*` that the signer-name admission checks ask for.

use k8s_openapi::api::rbac::v1::{PolicyRule, Subject};

use super::attributes::RequestAttributes;
use super::names::{
    KIND_GROUP, KIND_SERVICE_ACCOUNT, KIND_USER, SERVICE_ACCOUNT_USERNAME_PREFIX, SYSTEM_MASTERS,
    WILDCARD,
};

/// The privileged-group authorizer that kube-apiserver runs before RBAC: members of
/// `system:masters` may do anything, whatever the RBAC objects say.
pub fn privileged_group_allows(groups: &[String]) -> bool {
    groups.iter().any(|g| g == SYSTEM_MASTERS)
}

/// Whether `rule` allows the request (`RuleAllows`).
pub fn rule_allows(a: &RequestAttributes, rule: &PolicyRule) -> bool {
    if a.is_resource_request {
        verb_matches(rule, &a.verb)
            && api_group_matches(rule, &a.api_group)
            && resource_matches(rule, &a.combined_resource(), &a.subresource)
            && resource_name_matches(rule, &a.name)
    } else {
        verb_matches(rule, &a.verb) && non_resource_url_matches(rule, &a.path)
    }
}

/// The rule lists `*` or the verb.
pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == WILDCARD || v == verb)
}

/// The rule lists `*` or the group (`""` for the core group).
pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    list(&rule.api_groups)
        .iter()
        .any(|g| g == WILDCARD || g == group)
}

/// The rule lists `*`, the combined `resource[/subresource]`, or — only for a request with a
/// subresource — `*/<subresource>`. A plain resource never covers its subresources.
pub fn resource_matches(rule: &PolicyRule, combined: &str, subresource: &str) -> bool {
    list(&rule.resources).iter().any(|r| {
        r == WILDCARD
            || r == combined
            || (!subresource.is_empty()
                && r.strip_prefix("*/").is_some_and(|sub| sub == subresource))
    })
}

/// A rule without resource names matches any name; otherwise the name must be listed
/// exactly, so a rule with names never matches a request without one (create, list).
pub fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    let names = list(&rule.resource_names);
    names.is_empty() || names.iter().any(|n| n == name)
}

/// The rule lists `*`, the path itself, or `<prefix>*` with the path starting with
/// `<prefix>`. Only a trailing `*` is special.
pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    list(&rule.non_resource_urls).iter().any(|u| {
        u == WILDCARD
            || u == path
            // Go trims every trailing `*` (`strings.TrimRight`), so `/a**` acts as `/a*`.
            || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}

/// Whether a binding subject names the user (`appliesToUser`). A ServiceAccount subject
/// without a namespace takes the binding's namespace; in a ClusterRoleBinding
/// (`binding_namespace` empty) such a subject matches nobody.
pub fn subject_applies(
    subject: &Subject,
    user: &str,
    groups: &[String],
    binding_namespace: &str,
) -> bool {
    match subject.kind.as_str() {
        KIND_USER => user == subject.name,
        KIND_GROUP => groups.contains(&subject.name),
        KIND_SERVICE_ACCOUNT => {
            let namespace = match subject.namespace.as_deref() {
                Some(ns) if !ns.is_empty() => ns,
                _ => binding_namespace,
            };
            !namespace.is_empty() && service_account_matches(namespace, &subject.name, user)
        }
        _ => false,
    }
}

/// `user == "system:serviceaccount:<namespace>:<name>"`, without allocating.
fn service_account_matches(namespace: &str, name: &str, user: &str) -> bool {
    user.strip_prefix(SERVICE_ACCOUNT_USERNAME_PREFIX)
        .and_then(|rest| rest.strip_prefix(namespace))
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|rest| rest == name)
}

/// An optional list as a slice; Kubernetes does not tell absent from empty.
pub(crate) fn list(items: &Option<Vec<String>>) -> &[String] {
    items.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests;
