//! `metav1.LabelSelector` objects (`matchLabels` + `matchExpressions`), the form
//! `aggregationRule.clusterRoleSelectors` uses, as opposed to the query-string syntax in
//! [`crate::selectors`]. Conversion follows apimachinery's `LabelSelectorAsSelector`,
//! validation its `ValidateLabelSelector`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector as MetaLabelSelector, LabelSelectorRequirement,
};
use std::collections::BTreeMap;

use crate::content::{is_label_value, is_qualified_name};
use crate::field::{BadValue, FieldError, index};
use crate::goformat::go_quote;
use crate::meta::validate_labels;
use crate::selectors::{LabelOperator, LabelRequirement};

const OP_IN: &str = "In";
const OP_NOT_IN: &str = "NotIn";
const OP_EXISTS: &str = "Exists";
const OP_DOES_NOT_EXIST: &str = "DoesNotExist";

/// A converted selector: every requirement must hold. A selector with neither
/// `matchLabels` nor `matchExpressions` matches every object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterRoleSelector {
    requirements: Vec<LabelRequirement>,
}

impl ClusterRoleSelector {
    /// Converts the object form; the error says which part is malformed (the same inputs
    /// [`validate_label_selector`] rejects).
    pub fn from_meta(selector: &MetaLabelSelector) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for (key, value) in selector.match_labels.iter().flatten() {
            requirements.push(requirement(
                key,
                LabelOperator::Equals,
                vec![value.clone()],
            )?);
        }
        for expr in selector.match_expressions.iter().flatten() {
            let operator = match expr.operator.as_str() {
                OP_IN => LabelOperator::In,
                OP_NOT_IN => LabelOperator::NotIn,
                OP_EXISTS => LabelOperator::Exists,
                OP_DOES_NOT_EXIST => LabelOperator::DoesNotExist,
                other => {
                    return Err(format!(
                        "{} is not a valid label selector operator",
                        go_quote(other)
                    ));
                }
            };
            let values = expr.values.clone().unwrap_or_default();
            requirements.push(requirement(&expr.key, operator, values)?);
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(ClusterRoleSelector { requirements })
    }

    /// Whether an object with `labels` is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    pub fn requirements(&self) -> &[LabelRequirement] {
        &self.requirements
    }
}

/// `labels.NewRequirement`: a qualified key, values that are label values, and as many
/// values as the operator takes.
fn requirement(
    key: &str,
    operator: LabelOperator,
    mut values: Vec<String>,
) -> Result<LabelRequirement, String> {
    if let Some(msg) = is_qualified_name(key).into_iter().next() {
        return Err(format!("key: Invalid value: {}: {msg}", go_quote(key)));
    }
    let count_ok = match operator {
        LabelOperator::In | LabelOperator::NotIn => !values.is_empty(),
        LabelOperator::Exists | LabelOperator::DoesNotExist => values.is_empty(),
        _ => values.len() == 1,
    };
    if !count_ok {
        return Err(format!(
            "values: wrong number of values for operator {operator:?}"
        ));
    }
    for v in &values {
        if let Some(msg) = is_label_value(v).into_iter().next() {
            return Err(format!("values: Invalid value: {}: {msg}", go_quote(v)));
        }
    }
    values.sort();
    values.dedup();
    Ok(LabelRequirement {
        key: key.to_string(),
        operator,
        values,
    })
}

/// Field errors for a selector object (`ValidateLabelSelector`) under `path`.
/// `allow_invalid_values` skips the label-value check of `matchExpressions` values, which
/// upstream grants on update when the stored object already had such values.
pub fn validate_label_selector(
    selector: &MetaLabelSelector,
    allow_invalid_values: bool,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = validate_labels(
        selector.match_labels.as_ref().unwrap_or(&BTreeMap::new()),
        &format!("{path}.matchLabels"),
    );
    for (i, expr) in selector.match_expressions.iter().flatten().enumerate() {
        let p = index(&format!("{path}.matchExpressions"), i);
        errs.extend(validate_requirement(expr, allow_invalid_values, &p));
    }
    errs
}

fn validate_requirement(
    expr: &LabelSelectorRequirement,
    allow_invalid_values: bool,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let values = expr.values.as_deref().unwrap_or_default();
    match expr.operator.as_str() {
        OP_IN | OP_NOT_IN if values.is_empty() => errs.push(FieldError::required(
            format!("{path}.values"),
            "must be specified when `operator` is 'In' or 'NotIn'",
        )),
        OP_EXISTS | OP_DOES_NOT_EXIST if !values.is_empty() => errs.push(FieldError::forbidden(
            format!("{path}.values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        )),
        OP_IN | OP_NOT_IN | OP_EXISTS | OP_DOES_NOT_EXIST => {}
        other => errs.push(FieldError::invalid(
            format!("{path}.operator"),
            BadValue::Named(other.to_string()),
            "not a valid selector operator",
        )),
    }
    for msg in is_qualified_name(&expr.key) {
        errs.push(FieldError::invalid(
            format!("{path}.key"),
            BadValue::Str(expr.key.clone()),
            msg,
        ));
    }
    if !allow_invalid_values {
        for (i, value) in values.iter().enumerate() {
            for msg in is_label_value(value) {
                errs.push(FieldError::invalid(
                    index(&format!("{path}.values"), i),
                    BadValue::Str(value.clone()),
                    msg,
                ));
            }
        }
    }
    errs
}

/// Whether the selector fails strict validation at all. Upstream's
/// `hasInvalidLabelValueInLabelSelector` runs the full check despite its name; a stored
/// ClusterRole for which it holds may keep invalid values on update.
pub fn has_invalid_label_value(selector: &MetaLabelSelector) -> bool {
    !validate_label_selector(selector, false, "").is_empty()
}

/// Selector equality as apimachinery's semantic `DeepEqual` sees it: absent and empty
/// lists and maps are the same.
pub(crate) fn selectors_equal(a: &MetaLabelSelector, b: &MetaLabelSelector) -> bool {
    let labels = |s: &MetaLabelSelector| s.match_labels.clone().unwrap_or_default();
    let exprs = |s: &MetaLabelSelector| -> Vec<(String, String, Vec<String>)> {
        s.match_expressions
            .iter()
            .flatten()
            .map(|e| {
                (
                    e.key.clone(),
                    e.operator.clone(),
                    e.values.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    labels(a) == labels(b) && exprs(a) == exprs(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.to_string(),
            operator: op.to_string(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn match_labels_and_expressions_all_must_hold() {
        let sel = ClusterRoleSelector::from_meta(&MetaLabelSelector {
            match_labels: Some(labels(&[("aggregate-to-edit", "true")])),
            match_expressions: Some(vec![
                expr("tier", OP_IN, &["a", "b"]),
                expr("legacy", OP_DOES_NOT_EXIST, &[]),
            ]),
        })
        .expect("valid");
        assert!(sel.matches(&labels(&[("aggregate-to-edit", "true"), ("tier", "b")])));
        assert!(!sel.matches(&labels(&[("aggregate-to-edit", "true"), ("tier", "c")])));
        assert!(!sel.matches(&labels(&[("aggregate-to-edit", "false"), ("tier", "a")])));
        assert!(!sel.matches(&labels(&[
            ("aggregate-to-edit", "true"),
            ("tier", "a"),
            ("legacy", "")
        ])));
        let not_in = ClusterRoleSelector::from_meta(&MetaLabelSelector {
            match_expressions: Some(vec![
                expr("tier", OP_NOT_IN, &["a"]),
                expr("x", OP_EXISTS, &[]),
            ]),
            ..MetaLabelSelector::default()
        })
        .expect("valid");
        assert!(not_in.matches(&labels(&[("x", "1")])));
        assert!(!not_in.matches(&labels(&[("x", "1"), ("tier", "a")])));
        assert!(!not_in.matches(&labels(&[])));
    }

    #[test]
    fn empty_selector_matches_everything() {
        let sel = ClusterRoleSelector::from_meta(&MetaLabelSelector::default()).expect("valid");
        assert!(sel.matches(&labels(&[])));
        assert!(sel.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn malformed_selectors_do_not_convert() {
        for bad in [
            expr("a", "Bogus", &[]),
            expr("a", OP_IN, &[]),
            expr("a", OP_EXISTS, &["x"]),
            expr("-bad", OP_EXISTS, &[]),
            expr("a", OP_IN, &["not valid"]),
        ] {
            let sel = MetaLabelSelector {
                match_expressions: Some(vec![bad.clone()]),
                ..MetaLabelSelector::default()
            };
            assert!(ClusterRoleSelector::from_meta(&sel).is_err(), "{bad:?}");
        }
        let bad_label = MetaLabelSelector {
            match_labels: Some(labels(&[("a", "b c")])),
            ..MetaLabelSelector::default()
        };
        assert!(ClusterRoleSelector::from_meta(&bad_label).is_err());
    }

    #[test]
    fn validation_messages() {
        let sel = MetaLabelSelector {
            match_labels: Some(labels(&[("a", "b c")])),
            match_expressions: Some(vec![
                expr("k", OP_IN, &[]),
                expr("k", OP_EXISTS, &["v"]),
                expr("k", "Bogus", &[]),
                expr("k", OP_IN, &["ok", "not ok"]),
            ]),
        };
        let got: Vec<String> = validate_label_selector(&sel, false, "s")
            .iter()
            .map(ToString::to_string)
            .collect();
        let value_msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        assert_eq!(
            got,
            vec![
                format!("s.matchLabels: Invalid value: \"b c\": {value_msg}"),
                "s.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'".to_string(),
                "s.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'".to_string(),
                "s.matchExpressions[2].operator: Invalid value: \"Bogus\": not a valid selector operator".to_string(),
                format!("s.matchExpressions[3].values[1]: Invalid value: \"not ok\": {value_msg}"),
            ]
        );
        // Lenient mode keeps every other check.
        assert_eq!(validate_label_selector(&sel, true, "s").len(), 4);
        assert!(has_invalid_label_value(&sel));
        assert!(!has_invalid_label_value(&MetaLabelSelector::default()));
    }

    #[test]
    fn semantic_equality_ignores_absent_versus_empty() {
        let a = MetaLabelSelector {
            match_labels: Some(BTreeMap::new()),
            match_expressions: None,
        };
        assert!(selectors_equal(&a, &MetaLabelSelector::default()));
        let b = MetaLabelSelector {
            match_labels: Some(labels(&[("x", "y")])),
            ..MetaLabelSelector::default()
        };
        assert!(!selectors_equal(&a, &b));
    }
}
