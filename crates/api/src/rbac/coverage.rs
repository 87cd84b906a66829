//! Privilege-escalation prevention: a user may only write a role (or bind one) whose rules
//! are all covered by rules they already hold. Upstream: `Covers` and `BreakdownRule` in
//! component-helpers `auth/rbac/validation/policy_comparator.go`, `CompactRules` and
//! `ConfirmNoEscalation` in `pkg/registry/rbac/validation`, `CompactString` in
//! `pkg/apis/rbac/v1/evaluation_helpers.go`.
//!
//! Each requested rule is broken into atoms — one API group × one resource × one verb × at
//! most one resource name, or one non-resource URL × one verb — and every atom must be
//! covered by a single owner rule.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::rbac::v1::PolicyRule;

use super::authorizer::go_error_aggregate;
use super::matching::list;
use super::names::WILDCARD;
use crate::goformat::go_quote;

/// The error (after `clusterroles.rbac.authorization.k8s.io "<name>" is forbidden: `) for a
/// ClusterRole with an `aggregationRule` written by a user without [`full_authority`].
pub const AGGREGATION_RULE_FORBIDDEN: &str =
    "must have cluster-admin privileges to use the aggregationRule";

/// Everything: what a user must hold to write an `aggregationRule`, since an aggregated role
/// can come to hold any rule.
pub fn full_authority() -> Vec<PolicyRule> {
    let all = || Some(vec![WILDCARD.to_string()]);
    vec![
        PolicyRule {
            verbs: vec![WILDCARD.to_string()],
            api_groups: all(),
            resources: all(),
            ..PolicyRule::default()
        },
        PolicyRule {
            verbs: vec![WILDCARD.to_string()],
            non_resource_urls: all(),
            ..PolicyRule::default()
        },
    ]
}

/// Whether `owner` covers every rule of `requested`, and the atoms it does not cover.
pub fn covers(owner: &[PolicyRule], requested: &[PolicyRule]) -> (bool, Vec<PolicyRule>) {
    let uncovered: Vec<PolicyRule> = requested
        .iter()
        .flat_map(breakdown_rule)
        .filter(|atom| !owner.iter().any(|o| rule_covers(o, atom)))
        .collect();
    (uncovered.is_empty(), uncovered)
}

/// Splits a rule into atoms, groups outermost, then resources, verbs and resource names;
/// non-resource URLs (each with each verb) last.
pub fn breakdown_rule(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut atoms = Vec::new();
    let names = list(&rule.resource_names);
    for group in list(&rule.api_groups) {
        for resource in list(&rule.resources) {
            for verb in &rule.verbs {
                let atom = |name: Option<&String>| PolicyRule {
                    api_groups: Some(vec![group.clone()]),
                    resources: Some(vec![resource.clone()]),
                    verbs: vec![verb.clone()],
                    resource_names: name.map(|n| vec![n.clone()]),
                    non_resource_urls: None,
                };
                if names.is_empty() {
                    atoms.push(atom(None));
                } else {
                    atoms.extend(names.iter().map(|n| atom(Some(n))));
                }
            }
        }
    }
    for url in list(&rule.non_resource_urls) {
        for verb in &rule.verbs {
            atoms.push(PolicyRule {
                non_resource_urls: Some(vec![url.clone()]),
                verbs: vec![verb.clone()],
                ..PolicyRule::default()
            });
        }
    }
    atoms
}

/// Whether one owner rule covers one atom (`ruleCovers`).
fn rule_covers(owner: &PolicyRule, atom: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, WILDCARD) || has_all(&owner.verbs, &atom.verbs);
    let groups = has(list(&owner.api_groups), WILDCARD)
        || has_all(list(&owner.api_groups), list(&atom.api_groups));
    let resources = resources_cover(list(&owner.resources), list(&atom.resources));
    let urls = list(&atom.non_resource_urls).iter().all(|path| {
        list(&owner.non_resource_urls)
            .iter()
            .any(|o| non_resource_url_covers(o, path))
    });
    let owner_names = list(&owner.resource_names);
    let atom_names = list(&atom.resource_names);
    // An atom without names stands for every name, which only a name-less rule grants.
    let names =
        owner_names.is_empty() || (!atom_names.is_empty() && has_all(owner_names, atom_names));
    verbs && groups && resources && urls && names
}

/// `resourceCoversAll`: `*`, exact matches, or `*/<sub>` for a `<resource>/<sub>`.
fn resources_cover(owner: &[String], wanted: &[String]) -> bool {
    if has(owner, WILDCARD) || has_all(owner, wanted) {
        return true;
    }
    wanted.iter().all(|path| {
        has(owner, path)
            || path
                .split_once('/')
                .is_some_and(|(_, sub)| has(owner, &format!("*/{sub}")))
    })
}

/// Equality, or an owner `<prefix>*` that the path starts with.
fn non_resource_url_covers(owner: &str, path: &str) -> bool {
    owner == path || (owner.ends_with('*') && path.starts_with(owner.trim_end_matches('*')))
}

fn has(set: &[String], item: &str) -> bool {
    set.iter().any(|s| s == item)
}

fn has_all(set: &[String], items: &[String]) -> bool {
    items.iter().all(|i| has(set, i))
}

/// Merges atoms that differ only in their verbs (`CompactRules`): rules with one API group,
/// one resource, at most one resource name and nothing else are combined per (group,
/// resource, name), appending verbs in order; every other rule is kept as it is.
pub fn compact_rules(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut compacted = Vec::new();
    let mut simple: BTreeMap<(String, String, Option<String>), PolicyRule> = BTreeMap::new();
    for rule in rules {
        match simple_key(rule) {
            Some(key) => match simple.get_mut(&key) {
                Some(existing) => existing.verbs.extend(rule.verbs.iter().cloned()),
                None => {
                    simple.insert(key, rule.clone());
                }
            },
            None => compacted.push(rule.clone()),
        }
    }
    compacted.extend(simple.into_values());
    compacted
}

fn simple_key(rule: &PolicyRule) -> Option<(String, String, Option<String>)> {
    let names = list(&rule.resource_names);
    match (
        list(&rule.api_groups),
        list(&rule.resources),
        names,
        list(&rule.non_resource_urls),
    ) {
        ([group], [resource], [] | [_], []) => {
            Some((group.clone(), resource.clone(), names.first().cloned()))
        }
        _ => None,
    }
}

/// Upstream's `CompactString`: `{APIGroups:["g"], Resources:["r"], NonResourceURLs:["/u"],
/// ResourceNames:["n"], Verbs:["v"]}`, each list Go-`%q`-formatted and empty lists left out.
pub fn compact_rule_string(rule: &PolicyRule) -> String {
    let parts: Vec<String> = [
        ("APIGroups", list(&rule.api_groups)),
        ("Resources", list(&rule.resources)),
        ("NonResourceURLs", list(&rule.non_resource_urls)),
        ("ResourceNames", list(&rule.resource_names)),
        ("Verbs", rule.verbs.as_slice()),
    ]
    .into_iter()
    .filter(|(_, items)| !items.is_empty())
    .map(|(label, items)| format!("{label}:{}", go_quote_list(items)))
    .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// The error `ConfirmNoEscalation` returns: `user "<u>" (groups=["g1" "g2"]) is attempting
/// to grant RBAC permissions not currently held:` then one line per missing rule (compacted,
/// de-duplicated, sorted), then `; resolution errors: [...]` when the user's own rules could
/// not all be resolved. Callers prefix it with `<resource> "<name>" is forbidden: `.
pub fn escalation_message(
    user: &str,
    groups: &[String],
    missing: &[PolicyRule],
    resolution_errors: &[String],
) -> String {
    let lines: BTreeSet<String> = compact_rules(missing)
        .iter()
        .map(compact_rule_string)
        .collect();
    let mut msg = format!(
        "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
        go_quote(user),
        go_quote_list(groups),
        lines.into_iter().collect::<Vec<_>>().join("\n")
    );
    if !resolution_errors.is_empty() {
        // Upstream prints a one-element `[]error` holding the aggregate with `%v`.
        msg.push_str(&format!(
            "; resolution errors: [{}]",
            go_error_aggregate(resolution_errors)
        ));
    }
    msg
}

#[cfg(test)]
mod tests;
