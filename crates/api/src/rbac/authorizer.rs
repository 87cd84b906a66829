//! The RBAC authorizer (`RBACAuthorizer.Authorize` in upstream `rbac.go`): the first rule
//! that allows the request wins, and the decision names the binding, role and subject that
//! granted it, in upstream's words, so the reason can be shown to users and kept on record.

use std::collections::HashSet;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::attributes::RequestAttributes;
use super::matching::rule_allows;
use super::names::{KIND_CLUSTER_ROLE_BINDING, KIND_ROLE_BINDING, KIND_SERVICE_ACCOUNT};
use super::snapshot::{RbacSnapshot, Source, Visit, Wording};
use crate::goformat::go_quote;

/// What RBAC said about one request. Not allowed means "no opinion": the next authorizer in
/// the chain (or the final deny) decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbacDecision {
    pub allowed: bool,
    /// `RBAC: allowed by ...` when allowed; on no match empty, or `RBAC: <errors>` when a
    /// binding that applies to the user refers to a role that does not exist.
    pub reason: String,
    /// The binding that allowed the request.
    pub grant: Option<Grant>,
}

/// The binding, role and subject through which a rule allowed a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// `ClusterRoleBinding` or `RoleBinding`.
    pub binding_kind: String,
    pub binding_name: String,
    /// Empty for a ClusterRoleBinding.
    pub binding_namespace: String,
    /// `ClusterRole` or `Role`, as the binding's `roleRef` says.
    pub role_kind: String,
    pub role_name: String,
    /// `User`, `Group` or `ServiceAccount`: the first subject of the binding that names the
    /// user.
    pub subject_kind: String,
    pub subject_name: String,
    /// The service account's namespace (the binding's when the subject leaves it out);
    /// empty for users and groups.
    pub subject_namespace: String,
}

impl Grant {
    fn from_source(source: Source<'_>) -> Self {
        let (binding_kind, meta, role_ref, subject) = match source {
            Source::ClusterRoleBinding(b, s) => {
                (KIND_CLUSTER_ROLE_BINDING, &b.metadata, &b.role_ref, s)
            }
            Source::RoleBinding(b, s) => (KIND_ROLE_BINDING, &b.metadata, &b.role_ref, s),
        };
        let binding_namespace = meta.namespace.clone().unwrap_or_default();
        let subject_namespace = if subject.kind == KIND_SERVICE_ACCOUNT {
            match subject.namespace.as_deref() {
                Some(ns) if !ns.is_empty() => ns.to_string(),
                _ => binding_namespace.clone(),
            }
        } else {
            String::new()
        };
        Grant {
            binding_kind: binding_kind.to_string(),
            binding_name: meta.name.clone().unwrap_or_default(),
            binding_namespace,
            role_kind: role_ref.kind.clone(),
            role_name: role_ref.name.clone(),
            subject_kind: subject.kind.clone(),
            subject_name: subject.name.clone(),
            subject_namespace,
        }
    }

    /// Upstream's description of the source: `ClusterRoleBinding "b" of ClusterRole "r" to
    /// User "u"`, `RoleBinding "b/ns" of Role "r" to Group "g"`, service accounts as
    /// `ServiceAccount "name/namespace"`.
    pub fn describe(&self) -> String {
        let binding = if self.binding_kind == KIND_ROLE_BINDING {
            format!("{}/{}", self.binding_name, self.binding_namespace)
        } else {
            self.binding_name.clone()
        };
        let subject = if self.subject_kind == KIND_SERVICE_ACCOUNT {
            format!("{}/{}", self.subject_name, self.subject_namespace)
        } else {
            self.subject_name.clone()
        };
        format!(
            "{} {} of {} {} to {} {}",
            self.binding_kind,
            go_quote(&binding),
            self.role_kind,
            go_quote(&self.role_name),
            self.subject_kind,
            go_quote(&subject)
        )
    }
}

impl RbacSnapshot {
    /// Decides one request: ClusterRoleBindings first, then the RoleBindings of the
    /// request's namespace; the first allowing rule short-circuits.
    pub fn authorize(&self, a: &RequestAttributes) -> RbacDecision {
        let mut grant = None;
        let mut errors = Vec::new();
        self.visit_rules_for(
            &a.user,
            &a.groups,
            &a.namespace,
            Wording::Authorizer,
            &mut |visit| match visit {
                Visit::Rule(source, rule) if rule_allows(a, rule) => {
                    grant = Some(Grant::from_source(source));
                    ControlFlow::Break(())
                }
                Visit::Rule(..) => ControlFlow::Continue(()),
                Visit::Error(e) => {
                    errors.push(e.to_string());
                    ControlFlow::Continue(())
                }
            },
        );
        match grant {
            Some(grant) => RbacDecision {
                allowed: true,
                reason: format!("RBAC: allowed by {}", grant.describe()),
                grant: Some(grant),
            },
            None => RbacDecision {
                allowed: false,
                reason: if errors.is_empty() {
                    String::new()
                } else {
                    format!("RBAC: {}", go_error_aggregate(&errors))
                },
                grant: None,
            },
        }
    }
}

impl RbacSnapshot {
    /// `IsAuthorizedForSignerName` (§4.1) over RBAC alone: `verb` on the signer's exact
    /// name, else on `<domain>/*`. Returns the allowing decision (with its grant) or the
    /// second denial. Like [`RbacSnapshot::authorize`] it does not consult the privileged
    /// group: callers ask [`super::privileged_group_allows`] first, as the chain does.
    pub fn authorize_signer_name(
        &self,
        user: &str,
        groups: &[String],
        verb: &str,
        signer_name: &str,
    ) -> RbacDecision {
        let [exact, domain] =
            RequestAttributes::signer_name_checks(user, groups, verb, signer_name);
        let decision = self.authorize(&exact);
        if decision.allowed {
            return decision;
        }
        self.authorize(&domain)
    }
}

/// Renders error messages as apimachinery's `utilerrors.NewAggregate(errs).Error()`: one
/// error bare, several de-duplicated and bracketed (`[e1, e2]`), none as `""`.
pub fn go_error_aggregate(messages: &[String]) -> String {
    let mut seen = HashSet::new();
    let unique: Vec<&str> = messages
        .iter()
        .filter(|m| seen.insert(m.as_str()))
        .map(String::as_str)
        .collect();
    match unique.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}

#[cfg(test)]
mod tests;
