//! Authorization: the [`Authorizer`] seam and the decision every request carries.
//!
//! The decision keeps its reason (which binding, role and subject allowed the request) so the
//! registry can record *why* an action was allowed.  The server's authorizer is
//! [`crate::rbac_authorizer::RbacAuthorizer`].

use crate::request_info::RequestInfo;
use crate::user::UserInfo;

/// The attributes an authorizer decides on (apiserver's `authorizer.Attributes`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    pub user: UserInfo,
    pub verb: String,
    pub is_resource_request: bool,
    pub api_group: String,
    pub api_version: String,
    pub namespace: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    pub path: String,
}

impl Attributes {
    pub fn from_request(user: &UserInfo, info: &RequestInfo) -> Self {
        Attributes {
            user: user.clone(),
            verb: info.verb.clone(),
            is_resource_request: info.is_resource_request,
            api_group: info.api_group.clone(),
            api_version: info.api_version.clone(),
            namespace: info.namespace.clone(),
            resource: info.resource.clone(),
            subresource: info.subresource.clone(),
            name: info.name.clone(),
            path: info.path.clone(),
        }
    }
}

/// An authorization decision and why it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Human-readable reason (for an allow: what granted it; for a deny: optional detail).
    pub reason: String,
}

impl Decision {
    pub fn allow(reason: impl Into<String>) -> Self {
        Decision {
            allowed: true,
            reason: reason.into(),
        }
    }
    pub fn deny(reason: impl Into<String>) -> Self {
        Decision {
            allowed: false,
            reason: reason.into(),
        }
    }
}

/// Decides whether a request may proceed.
pub trait Authorizer: Send + Sync + 'static {
    fn authorize(&self, attrs: &Attributes) -> Decision;

    /// Wait until the policy reflects every write committed so far (a cache catching up).
    fn sync(&self) -> futures::future::BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// The text after `is forbidden: ` for a denied resource request, exactly as kube-apiserver
/// renders it (`User "u" cannot get resource "r/s" in API group "g" at the cluster scope`).
pub fn forbidden_reason(attrs: &Attributes, reason: &str) -> String {
    let resource = if attrs.subresource.is_empty() {
        attrs.resource.clone()
    } else {
        format!("{}/{}", attrs.resource, attrs.subresource)
    };
    let scope = if attrs.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{}\"", attrs.namespace)
    };
    let mut msg = format!(
        "User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        attrs.user.name, attrs.verb, attrs.api_group
    );
    if !reason.is_empty() {
        msg.push_str(": ");
        msg.push_str(reason);
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        UserInfo {
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn forbidden_text() {
        let a = Attributes {
            user: user("alice", &[]),
            verb: "update".into(),
            is_resource_request: true,
            api_group: "certificates.k8s.io".into(),
            resource: "certificatesigningrequests".into(),
            subresource: "approval".into(),
            ..Default::default()
        };
        assert_eq!(
            forbidden_reason(&a, ""),
            "User \"alice\" cannot update resource \"certificatesigningrequests/approval\" in API group \"certificates.k8s.io\" at the cluster scope"
        );
    }
}
