//! What an authorizer is asked: apiserver's `authorizer.Attributes`, reduced to the fields
//! RBAC reads (API version is ignored by RBAC, so it is not here), and the attributes of the
//! authorization checks upstream makes on the side: `escalate` and `bind` for RBAC writes,
//! and the two signer-name checks of the CSR admission plugins.

use k8s_openapi::api::rbac::v1::RoleRef;

use super::names::{GROUP_NAME, KIND_CLUSTER_ROLE, KIND_ROLE};

/// The group of the `signers` pseudo-resource the CSR admission plugins authorize against.
const CERTIFICATES_GROUP: &str = "certificates.k8s.io";

/// One request to authorize. Strings are empty when not applicable: the core API group is
/// `""`, a cluster-scoped request has no namespace, a list has no name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestAttributes {
    pub user: String,
    pub groups: Vec<String>,
    pub verb: String,
    /// `false` for anything not under `/api` or `/apis`; then only `verb` and `path` count.
    pub is_resource_request: bool,
    pub api_group: String,
    pub namespace: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    pub path: String,
}

impl RequestAttributes {
    /// A resource request without namespace, subresource or name; refine with the `with_*`
    /// methods.
    pub fn resource(
        user: &str,
        groups: &[&str],
        verb: &str,
        api_group: &str,
        resource: &str,
    ) -> Self {
        RequestAttributes {
            user: user.to_string(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            verb: verb.to_string(),
            is_resource_request: true,
            api_group: api_group.to_string(),
            resource: resource.to_string(),
            ..RequestAttributes::default()
        }
    }

    /// A non-resource request (`/healthz`, `/version`, ...).
    pub fn non_resource(user: &str, groups: &[&str], verb: &str, path: &str) -> Self {
        RequestAttributes {
            user: user.to_string(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            verb: verb.to_string(),
            path: path.to_string(),
            ..RequestAttributes::default()
        }
    }

    pub fn with_namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.to_string();
        self
    }

    pub fn with_subresource(mut self, subresource: &str) -> Self {
        self.subresource = subresource.to_string();
        self
    }

    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// `resource` or `resource/subresource`, the form rules name resources in.
    pub fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
    /// `escalate` on the Role or ClusterRole being written (`RoleEscalationAuthorized`):
    /// `resource` is `roles` or `clusterroles`, `namespace` empty for ClusterRoles. Holding it
    /// lets a user write rules they do not hold.
    pub fn escalate(
        user: &str,
        groups: &[String],
        resource: &str,
        namespace: &str,
        name: &str,
    ) -> Self {
        RequestAttributes {
            user: user.to_string(),
            groups: groups.to_vec(),
            verb: "escalate".to_string(),
            is_resource_request: true,
            api_group: GROUP_NAME.to_string(),
            namespace: namespace.to_string(),
            resource: resource.to_string(),
            name: name.to_string(),
            ..RequestAttributes::default()
        }
    }

    /// `bind` on the role a binding refers to (`BindingAuthorized`), in the binding's
    /// namespace (empty for ClusterRoleBindings); `None` for a role kind that cannot be bound.
    /// Holding it lets a user bind a role whose rules they do not hold.
    pub fn bind(
        user: &str,
        groups: &[String],
        role_ref: &RoleRef,
        binding_namespace: &str,
    ) -> Option<Self> {
        let resource = match role_ref.kind.as_str() {
            KIND_CLUSTER_ROLE => "clusterroles",
            KIND_ROLE => "roles",
            _ => return None,
        };
        Some(RequestAttributes {
            user: user.to_string(),
            groups: groups.to_vec(),
            verb: "bind".to_string(),
            is_resource_request: true,
            api_group: role_ref.api_group.clone().unwrap_or_default(),
            namespace: binding_namespace.to_string(),
            resource: resource.to_string(),
            name: role_ref.name.clone(),
            ..RequestAttributes::default()
        })
    }

    /// The two checks of `IsAuthorizedForSignerName` (§4.1), in order: `verb` on the
    /// `signers` resource named after the signer, then named `<domain>/*`, the domain being
    /// the text before the first `/`. Either allowing is enough.
    pub fn signer_name_checks(
        user: &str,
        groups: &[String],
        verb: &str,
        signer_name: &str,
    ) -> [Self; 2] {
        let check = |name: String| RequestAttributes {
            user: user.to_string(),
            groups: groups.to_vec(),
            verb: verb.to_string(),
            is_resource_request: true,
            api_group: CERTIFICATES_GROUP.to_string(),
            resource: "signers".to_string(),
            name,
            ..RequestAttributes::default()
        };
        let domain = signer_name.split('/').next().unwrap_or_default();
        [check(signer_name.to_string()), check(format!("{domain}/*"))]
    }
}
