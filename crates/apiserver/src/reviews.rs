//! The review resources (create only, nothing stored): `authorization.k8s.io/v1`
//! SubjectAccessReview, SelfSubjectAccessReview, LocalSubjectAccessReview and
//! SelfSubjectRulesReview, and `authentication.k8s.io/v1` SelfSubjectReview — what
//! `kubectl auth can-i`, `kubectl auth can-i --list` and `kubectl auth whoami` call.

use http::{Method, StatusCode};
use k8s_openapi::api::rbac::v1::PolicyRule;
use serde_json::{Value, json};
use signet_api::field::{BadValue, FieldError};

use crate::authz::Attributes;
use crate::error::ApiError;
use crate::registry::{ResourceInfo, invalid_error, parse_body};
use crate::server::{AppState, Caller};
use crate::user::UserInfo;

const fn review(
    group: &'static str,
    resource: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceInfo {
    ResourceInfo {
        group,
        version: "v1",
        resource,
        kind,
        list_kind: "",
        namespaced,
        subresources: &[],
    }
}

const AUTHZ: &str = "authorization.k8s.io";
pub const SUBJECT_ACCESS_REVIEWS: ResourceInfo =
    review(AUTHZ, "subjectaccessreviews", "SubjectAccessReview", false);
pub const SELF_SUBJECT_ACCESS_REVIEWS: ResourceInfo = review(
    AUTHZ,
    "selfsubjectaccessreviews",
    "SelfSubjectAccessReview",
    false,
);
pub const LOCAL_SUBJECT_ACCESS_REVIEWS: ResourceInfo = review(
    AUTHZ,
    "localsubjectaccessreviews",
    "LocalSubjectAccessReview",
    true,
);
pub const SELF_SUBJECT_RULES_REVIEWS: ResourceInfo = review(
    AUTHZ,
    "selfsubjectrulesreviews",
    "SelfSubjectRulesReview",
    false,
);
pub const SELF_SUBJECT_REVIEWS: ResourceInfo = review(
    "authentication.k8s.io",
    "selfsubjectreviews",
    "SelfSubjectReview",
    false,
);

const REVIEWS: &[ResourceInfo] = &[
    SUBJECT_ACCESS_REVIEWS,
    SELF_SUBJECT_ACCESS_REVIEWS,
    LOCAL_SUBJECT_ACCESS_REVIEWS,
    SELF_SUBJECT_RULES_REVIEWS,
    SELF_SUBJECT_REVIEWS,
];

/// The review resource a request path names, if any.
pub fn find(group: &str, version: &str, resource: &str) -> Option<&'static ResourceInfo> {
    REVIEWS
        .iter()
        .find(|r| r.group == group && r.version == version && r.resource == resource)
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The attributes a SubjectAccessReview spec asks about.
fn spec_attributes(spec: &Value, user: UserInfo) -> Attributes {
    if let Some(ra) = spec.get("resourceAttributes").filter(|v| v.is_object()) {
        Attributes {
            user,
            verb: str_at(ra, &["verb"]).to_string(),
            is_resource_request: true,
            api_group: str_at(ra, &["group"]).to_string(),
            api_version: str_at(ra, &["version"]).to_string(),
            namespace: str_at(ra, &["namespace"]).to_string(),
            resource: str_at(ra, &["resource"]).to_string(),
            subresource: str_at(ra, &["subresource"]).to_string(),
            name: str_at(ra, &["name"]).to_string(),
            path: String::new(),
        }
    } else {
        let nra = spec
            .get("nonResourceAttributes")
            .cloned()
            .unwrap_or(Value::Null);
        Attributes {
            user,
            verb: str_at(&nra, &["verb"]).to_string(),
            path: str_at(&nra, &["path"]).to_string(),
            ..Default::default()
        }
    }
}

fn check_one_of(spec: &Value) -> Vec<FieldError> {
    let has = |k: &str| spec.get(k).is_some_and(Value::is_object);
    if has("resourceAttributes") == has("nonResourceAttributes") {
        let shown = spec
            .get("nonResourceAttributes")
            .map_or(BadValue::Null, |v| BadValue::Json(v.to_string()));
        return vec![FieldError::invalid(
            "spec.resourceAttributes",
            shown,
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )];
    }
    Vec::new()
}

/// Decode through the typed form: a field of the wrong type is a 400, as upstream's decoder says.
fn check_types(info: &ResourceInfo, obj: &Value) -> Result<(), ApiError> {
    use k8s_openapi::api::authentication::v1::SelfSubjectReview;
    use k8s_openapi::api::authorization::v1::{
        LocalSubjectAccessReview, SelfSubjectAccessReview, SelfSubjectRulesReview,
        SubjectAccessReview,
    };
    fn check<T: serde::de::DeserializeOwned>(obj: &Value) -> Result<(), String> {
        serde_json::from_value::<T>(obj.clone())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    let result = match info.kind {
        "SubjectAccessReview" => check::<SubjectAccessReview>(obj),
        "SelfSubjectAccessReview" => check::<SelfSubjectAccessReview>(obj),
        "LocalSubjectAccessReview" => check::<LocalSubjectAccessReview>(obj),
        "SelfSubjectRulesReview" => check::<SelfSubjectRulesReview>(obj),
        _ => check::<SelfSubjectReview>(obj),
    };
    result.map_err(|e| {
        ApiError::bad_request(format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: {e}",
            kind = info.kind
        ))
    })
}

/// Handle a POST to a review resource.
pub async fn handle(
    state: &AppState,
    caller: &Caller,
    info: &'static ResourceInfo,
    method: &Method,
    namespace: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(StatusCode, Value), ApiError> {
    if *method != Method::POST {
        return Err(ApiError::method_not_allowed(format!(
            "{method} is not supported on {}",
            info.resource
        )));
    }
    let mut obj = parse_body(info, content_type, body)?;
    crate::registry::check_type(info, &mut obj)?;
    check_types(info, &obj)?;
    let spec = obj.get("spec").cloned().unwrap_or_else(|| json!({}));
    let status = match info.kind {
        "SelfSubjectReview" => {
            let u = &caller.user;
            let mut ui = json!({"username": u.name, "groups": u.groups});
            if !u.uid.is_empty() {
                ui["uid"] = json!(u.uid);
            }
            if !u.extra.is_empty() {
                ui["extra"] = json!(u.extra);
            }
            json!({"userInfo": ui})
        }
        "SelfSubjectRulesReview" => {
            let ns = str_at(&spec, &["namespace"]);
            rules_review(state, &caller.user, ns)
        }
        kind => {
            let errs = check_one_of(&spec);
            let mut errs = errs;
            let user = match kind {
                "SelfSubjectAccessReview" => caller.user.clone(),
                _ => {
                    let u = UserInfo {
                        name: str_at(&spec, &["user"]).to_string(),
                        uid: str_at(&spec, &["uid"]).to_string(),
                        groups: strings(spec.get("groups")),
                        extra: spec
                            .get("extra")
                            .and_then(|e| serde_json::from_value(e.clone()).ok())
                            .unwrap_or_default(),
                    };
                    if u.name.is_empty() && u.groups.is_empty() {
                        errs.push(FieldError::invalid(
                            "spec.user",
                            BadValue::Str(String::new()),
                            "at least one of user or group must be specified",
                        ));
                    }
                    u
                }
            };
            if kind == "LocalSubjectAccessReview" {
                let ns_in_spec = str_at(&spec, &["resourceAttributes", "namespace"]);
                if spec.get("resourceAttributes").is_some_and(Value::is_object)
                    && ns_in_spec != namespace
                {
                    errs.push(FieldError::invalid(
                        "spec.resourceAttributes.namespace",
                        BadValue::Str(ns_in_spec.to_string()),
                        "must match metadata.namespace",
                    ));
                }
            }
            if !errs.is_empty() {
                return Err(invalid_error(info, "", &errs));
            }
            let attrs = spec_attributes(&spec, user);
            let d = state.authz.authorize(&attrs);
            let mut status = json!({"allowed": d.allowed});
            if !d.reason.is_empty() {
                status["reason"] = json!(d.reason);
            }
            status
        }
    };
    obj["status"] = status;
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    if info.namespaced && !namespace.is_empty() {
        crate::registry::set_meta(&mut obj, "namespace", json!(namespace));
    }
    Ok((StatusCode::CREATED, obj))
}

fn rules_review(state: &AppState, user: &UserInfo, namespace: &str) -> Value {
    let (rules, errors) = state
        .rbac
        .with_snapshot(|s| s.rules_for(&user.name, &user.groups, namespace))
        .unwrap_or_else(|| {
            (
                Vec::new(),
                vec!["the RBAC policy cache is unavailable".to_string()],
            )
        });
    // Members of system:masters are allowed everything by the privileged-group authorizer; the
    // rules they see come from their bindings (cluster-admin by default), as upstream.
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    for r in &rules {
        push_rule(r, &mut resource_rules, &mut non_resource_rules);
    }
    let mut status = json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": !errors.is_empty(),
    });
    if !errors.is_empty() {
        status["evaluationError"] = json!(signet_api::rbac::go_error_aggregate(&errors));
    }
    status
}

fn push_rule(r: &PolicyRule, resource: &mut Vec<Value>, non_resource: &mut Vec<Value>) {
    let non_urls = r.non_resource_urls.clone().unwrap_or_default();
    if !non_urls.is_empty() {
        non_resource.push(json!({"verbs": r.verbs, "nonResourceURLs": non_urls}));
        return;
    }
    let mut rule = json!({"verbs": r.verbs});
    if let Some(g) = &r.api_groups {
        rule["apiGroups"] = json!(g);
    }
    if let Some(res) = &r.resources {
        rule["resources"] = json!(res);
    }
    if let Some(n) = r.resource_names.as_ref().filter(|n| !n.is_empty()) {
        rule["resourceNames"] = json!(n);
    }
    resource.push(rule);
}
