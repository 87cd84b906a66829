//! Field selectors: `field=value`, `field==value`, `field!=value`, comma meaning AND, with
//! `\` escaping `\`, `,` and `=` in values (apimachinery `fields/selector.go`), plus the
//! fields a CertificateSigningRequest can be selected by.

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;

/// How a requirement compares a field with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldOperator {
    /// `=` or `==`.
    Equals,
    /// `!=`.
    NotEquals,
}

/// One clause of a field selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    pub field: String,
    pub operator: FieldOperator,
    /// The unescaped value.
    pub value: String,
}

/// A parsed field selector; the empty selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses the selector; the error is upstream's text.
    pub fn parse(selector: &str) -> Result<Self, String> {
        let mut parts = split_terms(selector);
        parts.sort_unstable();
        let mut requirements = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let Some((field, op, raw)) = split_term(part) else {
                return Err(format!(
                    "invalid selector: '{selector}'; can't understand '{part}'"
                ));
            };
            requirements.push(FieldRequirement {
                field: field.to_string(),
                operator: op,
                value: unescape_value(raw)?,
            });
        }
        Ok(FieldSelector { requirements })
    }

    /// The clauses, in the order upstream sorts them (by their text).
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// Whether the selector has no clauses.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether the object satisfies every clause; `get` returns a field's value, `None` for a
    /// field the object does not have (compared as the empty string, as upstream does).
    pub fn matches(&self, get: impl Fn(&str) -> Option<String>) -> bool {
        self.requirements.iter().all(|r| {
            let actual = get(&r.field).unwrap_or_default();
            match r.operator {
                FieldOperator::Equals => actual == r.value,
                FieldOperator::NotEquals => actual != r.value,
            }
        })
    }
}

/// Splits on commas not preceded by a backslash (the backslash stays in the term).
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in s.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// Splits at the first operator; `!=` and `==` are tried before `=` at each position.
fn split_term(term: &str) -> Option<(&str, FieldOperator, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for (op, kind) in [
            ("!=", FieldOperator::NotEquals),
            ("==", FieldOperator::Equals),
            ("=", FieldOperator::Equals),
        ] {
            if let Some(value) = rest.strip_prefix(op) {
                return Some((&term[..i], kind, value));
            }
        }
    }
    None
}

fn unescape_value(s: &str) -> Result<String, String> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            match c {
                '\\' | ',' | '=' => out.push(c),
                _ => {
                    return Err(format!(
                        "invalid field selector: invalid escape sequence: \\{c}"
                    ));
                }
            }
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, i.e. as its number.
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                ));
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_string());
    }
    Ok(out)
}

/// The field labels `certificates.k8s.io/v1` CSRs can be selected by.
pub const CSR_FIELD_LABELS: [&str; 2] = ["metadata.name", "spec.signerName"];

/// The value of a selectable CSR field, or `None` for any other label.
pub fn csr_field_value(csr: &CertificateSigningRequest, field: &str) -> Option<String> {
    match field {
        "metadata.name" => Some(csr.metadata.name.clone().unwrap_or_default()),
        "spec.signerName" => Some(csr.spec.signer_name.clone()),
        _ => None,
    }
}

/// The v1 field-label conversion: every clause must use a supported label
/// (`field label not supported: <label>` otherwise, a 400 on list/watch).
pub fn check_csr_field_labels(selector: &FieldSelector) -> Result<(), String> {
    match selector
        .requirements()
        .iter()
        .find(|r| !CSR_FIELD_LABELS.contains(&r.field.as_str()))
    {
        Some(r) => Err(format!("field label not supported: {}", r.field)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::certificates::v1::CertificateSigningRequestSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;

    fn csr(name: &str, signer: &str) -> CertificateSigningRequest {
        CertificateSigningRequest {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                ..ObjectMeta::default()
            },
            spec: CertificateSigningRequestSpec {
                signer_name: signer.to_string(),
                ..CertificateSigningRequestSpec::default()
            },
            status: None,
        }
    }

    fn matches(selector: &str, obj: &CertificateSigningRequest) -> bool {
        FieldSelector::parse(selector)
            .expect("valid")
            .matches(|f| csr_field_value(obj, f))
    }

    #[test]
    fn operators_and_conjunction() {
        let c = csr("csr-2", "example.com/a");
        assert!(matches("", &c));
        assert!(matches("metadata.name=csr-2", &c));
        assert!(matches("metadata.name==csr-2", &c));
        assert!(!matches("metadata.name!=csr-2", &c));
        assert!(matches(
            "spec.signerName=example.com/a,metadata.name!=csr-3",
            &c
        ));
        assert!(!matches(
            "spec.signerName=example.com/a,metadata.name=csr-3",
            &c
        ));
        assert!(matches("status.x=", &c), "missing fields compare as empty");
    }

    #[test]
    fn escaping() {
        let s = FieldSelector::parse("a=x\\,y\\=z\\\\,b!=w").expect("valid");
        assert_eq!(
            s.requirements(),
            &[
                FieldRequirement {
                    field: "a".to_string(),
                    operator: FieldOperator::Equals,
                    value: "x,y=z\\".to_string()
                },
                FieldRequirement {
                    field: "b".to_string(),
                    operator: FieldOperator::NotEquals,
                    value: "w".to_string()
                },
            ]
        );
        assert_eq!(
            FieldSelector::parse("a=b\\c"),
            Err("invalid field selector: invalid escape sequence: \\c".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b\\"),
            Err("invalid field selector: invalid escape sequence: \\".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b=c"),
            Err("invalid field selector: unescaped character in value: 61".to_string())
        );
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            FieldSelector::parse("metadata.name"),
            Err("invalid selector: 'metadata.name'; can't understand 'metadata.name'".to_string())
        );
        assert_eq!(
            FieldSelector::parse("a=b,,c"),
            Err("invalid selector: 'a=b,,c'; can't understand 'c'".to_string())
        );
    }

    #[test]
    fn supported_csr_labels() {
        let ok = FieldSelector::parse("spec.signerName=x,metadata.name=y").expect("valid");
        assert_eq!(check_csr_field_labels(&ok), Ok(()));
        let bad = FieldSelector::parse("metadata.name=y,status.x=1").expect("valid");
        assert_eq!(
            check_csr_field_labels(&bad),
            Err("field label not supported: status.x".to_string())
        );
        let ns = FieldSelector::parse("metadata.namespace=default").expect("valid");
        assert_eq!(
            check_csr_field_labels(&ns),
            Err("field label not supported: metadata.namespace".to_string())
        );
        assert_eq!(csr_field_value(&csr("n", "s"), "spec.username"), None);
    }
}
