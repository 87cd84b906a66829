//! Impersonation (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`,
//! `Impersonate-Extra-<key>`), as kube-apiserver's `WithImpersonation`: every impersonated value
//! needs the `impersonate` verb on its resource, and the request then runs as that user.

use http::HeaderMap;

use crate::authz::{Attributes, Authorizer, forbidden_reason};
use crate::error::ApiError;
use crate::user::{GROUP_AUTHENTICATED, UserInfo};

const USER: &str = "impersonate-user";
const GROUP: &str = "impersonate-group";
const UID: &str = "impersonate-uid";
const EXTRA_PREFIX: &str = "impersonate-extra-";
const SA_PREFIX: &str = "system:serviceaccount:";

fn values(headers: &HeaderMap, name: &str) -> Result<Vec<String>, ApiError> {
    headers
        .get_all(name)
        .iter()
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                ApiError::bad_request(format!("invalid {name} header: not valid text"))
            })
        })
        .collect()
}

/// Percent-decoding of extra keys (upstream unescapes `Impersonate-Extra-` keys).
fn unescape(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = key
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Apply the impersonation headers of a request made by `actual`.  Returns `None` when the
/// request impersonates nobody.
pub fn impersonate(
    authz: &dyn Authorizer,
    actual: &UserInfo,
    headers: &HeaderMap,
) -> Result<Option<UserInfo>, ApiError> {
    let users = values(headers, USER)?;
    let groups = values(headers, GROUP)?;
    let uids = values(headers, UID)?;
    let mut extra = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix(EXTRA_PREFIX) {
            let v = value.to_str().map_err(|_| {
                ApiError::bad_request(format!("invalid {name} header: not valid text"))
            })?;
            extra.entry(unescape(key)).or_default().push(v.to_string());
        }
    }
    if users.is_empty() && groups.is_empty() && uids.is_empty() && extra.is_empty() {
        return Ok(None);
    }
    let [user] = users.as_slice() else {
        return Err(ApiError::bad_request(
            "requested impersonation of groups, uid or extra without impersonating a user",
        ));
    };
    if uids.len() > 1 {
        return Err(ApiError::bad_request(
            "only one Impersonate-Uid header may be given",
        ));
    }
    let check = |mut attrs: Attributes, shown_resource: &str, name: &str| -> Result<(), ApiError> {
        attrs.user = actual.clone();
        attrs.verb = "impersonate".to_string();
        attrs.is_resource_request = true;
        if authz.authorize(&attrs).allowed {
            return Ok(());
        }
        Err(ApiError::forbidden_for(
            &attrs.api_group,
            shown_resource,
            name,
            &forbidden_reason(&attrs, ""),
        ))
    };
    let mut result = UserInfo {
        name: user.clone(),
        ..Default::default()
    };
    if let Some(sa) = user.strip_prefix(SA_PREFIX) {
        let (ns, name) = sa.split_once(':').unwrap_or(("", sa));
        let attrs = Attributes {
            namespace: ns.to_string(),
            resource: "serviceaccounts".to_string(),
            name: name.to_string(),
            ..Default::default()
        };
        check(attrs, "serviceaccounts", name)?;
        result.groups = vec![
            "system:serviceaccounts".to_string(),
            format!("system:serviceaccounts:{ns}"),
        ];
    } else {
        let attrs = Attributes {
            resource: "users".to_string(),
            name: user.clone(),
            ..Default::default()
        };
        check(attrs, "users", user)?;
    }
    for g in &groups {
        let attrs = Attributes {
            resource: "groups".to_string(),
            name: g.clone(),
            ..Default::default()
        };
        check(attrs, "groups", g)?;
        result.groups.push(g.clone());
    }
    if let Some(uid) = uids.first() {
        let attrs = Attributes {
            api_group: "authentication.k8s.io".to_string(),
            resource: "uids".to_string(),
            name: uid.clone(),
            ..Default::default()
        };
        check(attrs, "uids", uid)?;
        result.uid = uid.clone();
    }
    for (key, vals) in &extra {
        for v in vals {
            let attrs = Attributes {
                api_group: "authentication.k8s.io".to_string(),
                resource: "userextras".to_string(),
                subresource: key.clone(),
                name: v.clone(),
                ..Default::default()
            };
            check(attrs, "userextras", v)?;
        }
    }
    result.extra = extra;
    if !result.groups.iter().any(|g| g == GROUP_AUTHENTICATED)
        && result.name != crate::user::USER_ANONYMOUS
    {
        result.groups.push(GROUP_AUTHENTICATED.to_string());
    }
    Ok(Some(result))
}

/// Strip impersonation headers once they have been applied.
pub fn strip_headers(headers: &mut HeaderMap) {
    let names: Vec<http::HeaderName> = headers
        .keys()
        .filter(|n| {
            let n = n.as_str();
            n == USER || n == GROUP || n == UID || n.starts_with(EXTRA_PREFIX)
        })
        .cloned()
        .collect();
    for n in names {
        headers.remove(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_keys_are_unescaped() {
        assert_eq!(unescape("example.com%2fscopes"), "example.com/scopes");
        assert_eq!(unescape("plain"), "plain");
        assert_eq!(unescape("bad%zz"), "bad%zz");
        assert_eq!(unescape("trailing%2"), "trailing%2");
    }
}
