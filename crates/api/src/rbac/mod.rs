//! Role-based access control as pure functions, matching kube-apiserver's RBAC authorizer
//! (`plugin/pkg/auth/authorizer/rbac`), its escalation checks (`pkg/registry/rbac`), object
//! validation (`pkg/apis/rbac/validation`) and bootstrap policy, message for message.
//!
//! Start with [`RbacSnapshot`]: the API server keeps one up to date from a watch and asks it
//! [`RbacSnapshot::authorize`] for every request, after [`privileged_group_allows`]. The
//! rest:
//!
//! - [`attributes`]: what is asked, including the side checks upstream makes (`escalate`,
//!   `bind`, and the signer-name checks of the CSR admission plugins);
//! - [`matching`]: whether one rule allows one request ([`rule_allows`]) and whether one
//!   binding subject names a user ([`subject_applies`]);
//! - [`coverage`]: whether the rules a user holds cover the rules they try to grant, and the
//!   403 text when they do not ([`covers`], [`escalation_message`]);
//! - [`validation`]: defaulting and field validation of the four kinds;
//! - [`selector`] and [`aggregation`]: `aggregationRule` label selectors and the rules an
//!   aggregated ClusterRole should hold;
//! - [`bootstrap`] and [`reconcile`](mod@reconcile): the roles and bindings a fresh server
//!   creates, and how they are merged into what is already stored.

pub mod aggregation;
pub mod attributes;
pub mod authorizer;
pub mod bootstrap;
pub mod coverage;
pub mod matching;
pub mod names;
pub mod reconcile;
pub mod selector;
pub mod snapshot;
pub mod validation;

pub use aggregation::aggregate_rules;
pub use attributes::RequestAttributes;
pub use authorizer::{Grant, RbacDecision, go_error_aggregate};
pub use bootstrap::{
    SIGNET_CONTROLLER_APPROVER, SIGNET_CONTROLLER_CLEANER, SIGNET_CONTROLLER_SIGNER,
    bootstrap_cluster_role_bindings, bootstrap_cluster_roles,
};
pub use coverage::{
    AGGREGATION_RULE_FORBIDDEN, breakdown_rule, compact_rule_string, compact_rules, covers,
    escalation_message, full_authority,
};
pub use matching::{
    api_group_matches, non_resource_url_matches, privileged_group_allows, resource_matches,
    resource_name_matches, rule_allows, subject_applies, verb_matches,
};
pub use names::*;
pub use reconcile::{ReconcileAction, reconcile, reconcile_binding};
pub use selector::{ClusterRoleSelector, validate_label_selector};
pub use snapshot::{RbacSnapshot, RoleRefError};
pub use validation::{
    default_role_ref, default_subjects, validate_cluster_role, validate_cluster_role_binding,
    validate_cluster_role_binding_update, validate_cluster_role_update, validate_policy_rule,
    validate_role, validate_role_binding, validate_role_binding_update, validate_role_update,
};
