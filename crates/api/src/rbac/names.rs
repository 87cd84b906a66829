//! Well-known RBAC strings: the API group, subject and role kinds, the privileged and
//! all-users groups, and the label and annotation bootstrap objects carry.

/// The RBAC API group.
pub const GROUP_NAME: &str = "rbac.authorization.k8s.io";

/// Members of this group are allowed everything, before RBAC is consulted.
pub const SYSTEM_MASTERS: &str = "system:masters";
/// Every authenticated user is in this group.
pub const ALL_AUTHENTICATED: &str = "system:authenticated";
/// Anonymous requests carry this group.
pub const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";
/// Service account user names are `system:serviceaccount:<namespace>:<name>`.
pub const SERVICE_ACCOUNT_USERNAME_PREFIX: &str = "system:serviceaccount:";

/// Subject kinds.
pub const KIND_USER: &str = "User";
pub const KIND_GROUP: &str = "Group";
pub const KIND_SERVICE_ACCOUNT: &str = "ServiceAccount";
/// Role reference kinds, and binding kinds as they appear in authorization reasons.
pub const KIND_ROLE: &str = "Role";
pub const KIND_CLUSTER_ROLE: &str = "ClusterRole";
pub const KIND_ROLE_BINDING: &str = "RoleBinding";
pub const KIND_CLUSTER_ROLE_BINDING: &str = "ClusterRoleBinding";

/// The wildcard for verbs, API groups, resources and non-resource URLs.
pub const WILDCARD: &str = "*";

/// Label every bootstrap object carries, with [`BOOTSTRAPPING_LABEL_VALUE`].
pub const BOOTSTRAPPING_LABEL: &str = "kubernetes.io/bootstrapping";
pub const BOOTSTRAPPING_LABEL_VALUE: &str = "rbac-defaults";
/// Annotation that, set to `"false"`, stops the server from reconciling a bootstrap object.
pub use crate::usages::ANNOTATION_RBAC_AUTOUPDATE as AUTO_UPDATE_ANNOTATION;
