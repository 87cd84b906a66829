//! Aggregated ClusterRoles (upstream `clusterroleaggregation_controller.go`): a ClusterRole
//! with an `aggregationRule` holds the rules of every other ClusterRole its selectors match.
//! Authorization only reads `rules`, so aggregation is a controller writing them; this is the
//! pure part of that controller.

use k8s_openapi::api::rbac::v1::{ClusterRole, PolicyRule};

use super::matching::list;
use super::selector::ClusterRoleSelector;

/// The rules `target` should hold, or `None` when it has no `aggregationRule`.
///
/// For each selector in order: the matching ClusterRoles other than `target`, sorted by
/// name, contribute their rules, skipping rules already collected. A selector that does not
/// convert (validation rejects those) stops upstream's sync without writing; here that
/// yields `target`'s current rules, i.e. "no change".
pub fn aggregate_rules(target: &ClusterRole, all: &[ClusterRole]) -> Option<Vec<PolicyRule>> {
    let aggregation = target.aggregation_rule.as_ref()?;
    let target_name = target.metadata.name.as_deref().unwrap_or_default();
    let mut rules: Vec<PolicyRule> = Vec::new();
    for selector in aggregation.cluster_role_selectors.iter().flatten() {
        let Ok(selector) = ClusterRoleSelector::from_meta(selector) else {
            return Some(target.rules.clone().unwrap_or_default());
        };
        let mut matched: Vec<&ClusterRole> = all
            .iter()
            .filter(|r| r.metadata.name.as_deref().unwrap_or_default() != target_name)
            .filter(|r| selector.matches(r.metadata.labels.as_ref().unwrap_or(&Default::default())))
            .collect();
        matched.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        for rule in matched.iter().flat_map(|r| r.rules.iter().flatten()) {
            if !rules.iter().any(|have| rules_equal(have, rule)) {
                rules.push(rule.clone());
            }
        }
    }
    Some(rules)
}

/// Rule equality as apimachinery's semantic `DeepEqual` sees it: absent and empty lists are
/// the same.
pub(crate) fn rules_equal(a: &PolicyRule, b: &PolicyRule) -> bool {
    a.verbs == b.verbs
        && list(&a.api_groups) == list(&b.api_groups)
        && list(&a.resources) == list(&b.resources)
        && list(&a.resource_names) == list(&b.resource_names)
        && list(&a.non_resource_urls) == list(&b.non_resource_urls)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::api::rbac::v1::AggregationRule;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

    use super::*;

    fn rule(verbs: &[&str], resources: &[&str]) -> PolicyRule {
        PolicyRule {
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            api_groups: Some(vec![String::new()]),
            resources: Some(resources.iter().map(|r| r.to_string()).collect()),
            ..PolicyRule::default()
        }
    }

    fn role(name: &str, labels: &[(&str, &str)], rules: Vec<PolicyRule>) -> ClusterRole {
        ClusterRole {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            rules: Some(rules),
            aggregation_rule: None,
        }
    }

    fn selecting(label: &str) -> LabelSelector {
        LabelSelector {
            match_labels: Some(BTreeMap::from([(label.to_string(), "true".to_string())])),
            match_expressions: None,
        }
    }

    fn aggregate(name: &str, selectors: Vec<LabelSelector>) -> ClusterRole {
        ClusterRole {
            aggregation_rule: Some(AggregationRule {
                cluster_role_selectors: Some(selectors),
            }),
            ..role(name, &[("to-view", "true")], vec![rule(&["stale"], &["x"])])
        }
    }

    #[test]
    fn no_aggregation_rule_means_none() {
        let plain = role("plain", &[], vec![rule(&["get"], &["pods"])]);
        assert_eq!(aggregate_rules(&plain, std::slice::from_ref(&plain)), None);
    }

    #[test]
    fn selected_roles_in_selector_then_name_order_without_duplicates() {
        let view = aggregate("view", vec![selecting("to-view"), selecting("to-edit")]);
        let all = vec![
            view.clone(),
            role(
                "b-pods",
                &[("to-view", "true")],
                vec![rule(&["get"], &["pods"])],
            ),
            role(
                "a-secrets",
                &[("to-view", "true")],
                vec![rule(&["get"], &["secrets"]), rule(&["get"], &["pods"])],
            ),
            role(
                "c-edit",
                &[("to-edit", "true")],
                vec![rule(&["update"], &["pods"])],
            ),
            role(
                "d-other",
                &[("to-view", "false")],
                vec![rule(&["delete"], &["pods"])],
            ),
            // Semantically equal to a-secrets' pods rule: absent names equal empty names.
            role(
                "e-dup",
                &[("to-edit", "true")],
                vec![PolicyRule {
                    resource_names: Some(vec![]),
                    ..rule(&["get"], &["pods"])
                }],
            ),
        ];
        assert_eq!(
            aggregate_rules(&view, &all),
            Some(vec![
                rule(&["get"], &["secrets"]),
                rule(&["get"], &["pods"]),
                rule(&["update"], &["pods"]),
            ])
        );
    }

    #[test]
    fn nothing_selected_gives_no_rules() {
        let view = aggregate("view", vec![selecting("nobody")]);
        assert_eq!(
            aggregate_rules(&view, std::slice::from_ref(&view)),
            Some(vec![])
        );
    }

    #[test]
    fn malformed_selector_keeps_current_rules() {
        let bad = LabelSelector {
            match_labels: Some(BTreeMap::from([("bad key!".to_string(), "x".to_string())])),
            match_expressions: None,
        };
        let view = aggregate("view", vec![bad]);
        assert_eq!(
            aggregate_rules(&view, std::slice::from_ref(&view)),
            Some(vec![rule(&["stale"], &["x"])])
        );
    }
}
