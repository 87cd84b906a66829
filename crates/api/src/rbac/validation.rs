//! Defaulting and validation of Roles, ClusterRoles and their bindings, with upstream's
//! field paths and messages (`pkg/apis/rbac/v1/defaults.go`,
//! `pkg/apis/rbac/validation/validation.go` and the registry strategies that call it).
//!
//! Names of all four kinds need only be usable as a URL path segment. The `_update`
//! functions return exactly what upstream's `ValidateUpdate` strategies return, and those
//! run the create-time checks twice (once directly, once inside `Validate*Update`), so each
//! create-time error appears twice in the list; [`crate::field::aggregate`] shows it once in
//! the status message, as upstream does.

use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

use super::matching::list;
use super::names::{
    GROUP_NAME, KIND_CLUSTER_ROLE, KIND_GROUP, KIND_ROLE, KIND_SERVICE_ACCOUNT, KIND_USER,
};
use super::selector::{ClusterRoleSelector, has_invalid_label_value, validate_label_selector};
use crate::content::{is_dns1123_subdomain, is_valid_path_segment};
use crate::field::{BadValue, FieldError, index};
use crate::goformat::go_json_string;
use crate::meta::{validate_object_meta, validate_object_meta_update};

/// Fills an empty `roleRef.apiGroup` with `rbac.authorization.k8s.io`.
pub fn default_role_ref(role_ref: &mut RoleRef) {
    if role_ref.api_group.as_deref().unwrap_or_default().is_empty() {
        role_ref.api_group = Some(GROUP_NAME.to_string());
    }
}

/// Fills an empty subject `apiGroup`: `rbac.authorization.k8s.io` for users and groups;
/// service accounts keep the core group `""`.
pub fn default_subjects(subjects: &mut [Subject]) {
    for s in subjects {
        if s.api_group.as_deref().unwrap_or_default().is_empty()
            && (s.kind == KIND_USER || s.kind == KIND_GROUP)
        {
            s.api_group = Some(GROUP_NAME.to_string());
        }
    }
}

/// Names of RBAC objects and role references (`ValidateRBACName`): one URL path segment.
/// Unlike the generic rule, a `generateName` prefix gets the full check too (`.` and `..`
/// are refused), because upstream ignores the prefix flag here.
fn rbac_name(name: &str, _prefix: bool) -> Vec<String> {
    is_valid_path_segment(name, false)
}

/// Validates a Role on create.
pub fn validate_role(role: &Role) -> Vec<FieldError> {
    let mut errs = validate_object_meta(&role.metadata, true, &rbac_name, "metadata");
    errs.extend(validate_rules(&role.rules, true));
    errs
}

/// Validates a Role on update (see the module doc for the repeated errors).
pub fn validate_role_update(new: &Role, old: &Role) -> Vec<FieldError> {
    let mut errs = validate_role(new);
    errs.extend(validate_role(new));
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));
    errs
}

/// Validates a ClusterRole on create.
pub fn validate_cluster_role(role: &ClusterRole) -> Vec<FieldError> {
    validate_cluster_role_with(role, false)
}

/// Validates a ClusterRole on update. Invalid selector values are tolerated when the stored
/// object already failed selector validation.
pub fn validate_cluster_role_update(new: &ClusterRole, old: &ClusterRole) -> Vec<FieldError> {
    let lenient = old
        .aggregation_rule
        .iter()
        .flat_map(|a| a.cluster_role_selectors.iter().flatten())
        .any(has_invalid_label_value);
    let mut errs = validate_cluster_role_with(new, lenient);
    errs.extend(validate_cluster_role_with(new, lenient));
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));
    errs
}

fn validate_cluster_role_with(role: &ClusterRole, allow_invalid_values: bool) -> Vec<FieldError> {
    let mut errs = validate_object_meta(&role.metadata, false, &rbac_name, "metadata");
    errs.extend(validate_rules(&role.rules, false));
    if let Some(aggregation) = &role.aggregation_rule {
        let path = "aggregationRule.clusterRoleSelectors";
        let selectors = aggregation
            .cluster_role_selectors
            .as_deref()
            .unwrap_or_default();
        if selectors.is_empty() {
            errs.push(FieldError::required(
                path,
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            ));
        }
        for (i, selector) in selectors.iter().enumerate() {
            let p = index(path, i);
            errs.extend(validate_label_selector(selector, allow_invalid_values, &p));
            // Upstream converts the selector too and reports a failure against the nil
            // result, even when lenient validation let the values through.
            if ClusterRoleSelector::from_meta(selector).is_err() {
                errs.push(FieldError::invalid(
                    p,
                    BadValue::Null,
                    "invalid label selector.",
                ));
            }
        }
    }
    errs
}

fn validate_rules(rules: &Option<Vec<PolicyRule>>, namespaced: bool) -> Vec<FieldError> {
    rules
        .iter()
        .flatten()
        .enumerate()
        .flat_map(|(i, rule)| validate_policy_rule(rule, namespaced, &index("rules", i)))
        .collect()
}

/// Validates one rule (`ValidatePolicyRule`): verbs always; a non-resource rule only in a
/// ClusterRole and without resource fields; a resource rule needs groups and resources.
pub fn validate_policy_rule(rule: &PolicyRule, namespaced: bool, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if rule.verbs.is_empty() {
        errs.push(FieldError::required(
            format!("{path}.verbs"),
            "verbs must contain at least one value",
        ));
    }
    let urls = list(&rule.non_resource_urls);
    if !urls.is_empty() {
        let invalid = |detail: &str| {
            FieldError::invalid(
                format!("{path}.nonResourceURLs"),
                BadValue::StrList(urls.to_vec()),
                detail,
            )
        };
        if namespaced {
            errs.push(invalid(
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if !list(&rule.api_groups).is_empty()
            || !list(&rule.resources).is_empty()
            || !list(&rule.resource_names).is_empty()
        {
            errs.push(invalid(
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errs;
    }
    if list(&rule.api_groups).is_empty() {
        errs.push(FieldError::required(
            format!("{path}.apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if list(&rule.resources).is_empty() {
        errs.push(FieldError::required(
            format!("{path}.resources"),
            "resource rules must supply at least one resource",
        ));
    }
    errs
}

/// Validates a RoleBinding on create: it may refer to a Role or a ClusterRole.
pub fn validate_role_binding(binding: &RoleBinding) -> Vec<FieldError> {
    let mut errs = validate_object_meta(&binding.metadata, true, &rbac_name, "metadata");
    errs.extend(validate_binding(
        &binding.role_ref,
        &binding.subjects,
        &[KIND_ROLE, KIND_CLUSTER_ROLE],
        true,
    ));
    errs
}

/// Validates a RoleBinding on update; `roleRef` is immutable.
pub fn validate_role_binding_update(new: &RoleBinding, old: &RoleBinding) -> Vec<FieldError> {
    let mut errs = validate_role_binding(new);
    errs.extend(validate_role_binding(new));
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));
    errs.extend(role_ref_unchanged(&new.role_ref, &old.role_ref));
    errs
}

/// Validates a ClusterRoleBinding on create: it may only refer to a ClusterRole, and
/// service account subjects must name their namespace.
pub fn validate_cluster_role_binding(binding: &ClusterRoleBinding) -> Vec<FieldError> {
    let mut errs = validate_object_meta(&binding.metadata, false, &rbac_name, "metadata");
    errs.extend(validate_binding(
        &binding.role_ref,
        &binding.subjects,
        &[KIND_CLUSTER_ROLE],
        false,
    ));
    errs
}

/// Validates a ClusterRoleBinding on update; `roleRef` is immutable.
pub fn validate_cluster_role_binding_update(
    new: &ClusterRoleBinding,
    old: &ClusterRoleBinding,
) -> Vec<FieldError> {
    let mut errs = validate_cluster_role_binding(new);
    errs.extend(validate_cluster_role_binding(new));
    errs.extend(validate_object_meta_update(
        &new.metadata,
        &old.metadata,
        "metadata",
    ));
    errs.extend(role_ref_unchanged(&new.role_ref, &old.role_ref));
    errs
}

fn validate_binding(
    role_ref: &RoleRef,
    subjects: &Option<Vec<Subject>>,
    kinds: &[&str],
    namespaced: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let api_group = role_ref.api_group.as_deref().unwrap_or_default();
    if api_group != GROUP_NAME {
        errs.push(FieldError::not_supported(
            "roleRef.apiGroup",
            BadValue::Str(api_group.to_string()),
            &[GROUP_NAME],
        ));
    }
    if !kinds.contains(&role_ref.kind.as_str()) {
        errs.push(FieldError::not_supported(
            "roleRef.kind",
            BadValue::Str(role_ref.kind.clone()),
            kinds,
        ));
    }
    if role_ref.name.is_empty() {
        errs.push(FieldError::required("roleRef.name", ""));
    } else {
        for msg in rbac_name(&role_ref.name, false) {
            errs.push(FieldError::invalid(
                "roleRef.name",
                BadValue::Str(role_ref.name.clone()),
                msg,
            ));
        }
    }
    for (i, subject) in subjects.iter().flatten().enumerate() {
        errs.extend(validate_subject(subject, namespaced, &index("subjects", i)));
    }
    errs
}

/// `ValidateRoleBindingSubject`.
fn validate_subject(subject: &Subject, namespaced: bool, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if subject.name.is_empty() {
        errs.push(FieldError::required(format!("{path}.name"), ""));
    }
    let api_group = subject.api_group.as_deref().unwrap_or_default();
    let bad_group = || {
        FieldError::not_supported(
            format!("{path}.apiGroup"),
            BadValue::Str(api_group.to_string()),
            &[GROUP_NAME],
        )
    };
    match subject.kind.as_str() {
        KIND_SERVICE_ACCOUNT => {
            if !subject.name.is_empty() {
                for msg in is_dns1123_subdomain(&subject.name) {
                    errs.push(FieldError::invalid(
                        format!("{path}.name"),
                        BadValue::Str(subject.name.clone()),
                        msg,
                    ));
                }
            }
            if !api_group.is_empty() {
                errs.push(FieldError::not_supported(
                    format!("{path}.apiGroup"),
                    BadValue::Str(api_group.to_string()),
                    &[""],
                ));
            }
            if !namespaced && subject.namespace.as_deref().unwrap_or_default().is_empty() {
                errs.push(FieldError::required(format!("{path}.namespace"), ""));
            }
        }
        KIND_USER | KIND_GROUP if api_group != GROUP_NAME => errs.push(bad_group()),
        KIND_USER | KIND_GROUP => {}
        other => errs.push(FieldError::not_supported(
            format!("{path}.kind"),
            BadValue::Str(other.to_string()),
            &[KIND_SERVICE_ACCOUNT, KIND_USER, KIND_GROUP],
        )),
    }
    errs
}

/// `roleRef: Invalid value: {"APIGroup":...,"Kind":...,"Name":...}: cannot change roleRef`.
/// Upstream validates the internal type, which has no JSON tags, so the value is rendered
/// with Go's field names.
fn role_ref_unchanged(new: &RoleRef, old: &RoleRef) -> Option<FieldError> {
    let group = |r: &RoleRef| r.api_group.clone().unwrap_or_default();
    if group(new) == group(old) && new.kind == old.kind && new.name == old.name {
        return None;
    }
    Some(FieldError::invalid(
        "roleRef",
        BadValue::Json(format!(
            "{{\"APIGroup\":{},\"Kind\":{},\"Name\":{}}}",
            go_json_string(&group(new)),
            go_json_string(&new.kind),
            go_json_string(&new.name)
        )),
        "cannot change roleRef",
    ))
}

#[cfg(test)]
mod tests;
