//! Fuzzes RBAC rule matching with arbitrary rules and request attributes: the authorizer runs it
//! for every request against every rule of every bound role.
#![no_main]

use arbitrary::Arbitrary;
use k8s_openapi::api::rbac::v1::PolicyRule;
use libfuzzer_sys::fuzz_target;
use signet_api::rbac::{RequestAttributes, rule_allows};

/// Words that matching treats specially, so arbitrary inputs reach the interesting branches
/// (wildcards, subresources, path prefixes) far more often than random bytes would.
const WORDS: &[&str] = &[
    "",
    "*",
    "get",
    "list",
    "create",
    "certificatesigningrequests",
    "certificatesigningrequests/approval",
    "*/status",
    "approval",
    "certificates.k8s.io",
    "/healthz",
    "/api/*",
    "/*",
    "*/*",
    "csr-1",
    "signers",
    "kubernetes.io/*",
];

/// A string that is either one of [`WORDS`] or anything at all.
#[derive(Arbitrary, Debug)]
enum Word {
    Known(u8),
    Free(String),
}

impl Word {
    fn into_string(self) -> String {
        match self {
            Word::Known(i) => WORDS[usize::from(i) % WORDS.len()].to_owned(),
            Word::Free(s) => s,
        }
    }
}

fn strings(words: Vec<Word>) -> Vec<String> {
    words.into_iter().map(Word::into_string).collect()
}

/// `None` and `Some(vec![])` differ for k8s-openapi lists, so both are generated.
fn list(words: Option<Vec<Word>>) -> Option<Vec<String>> {
    words.map(strings)
}

#[derive(Arbitrary, Debug)]
struct Input {
    verbs: Vec<Word>,
    api_groups: Option<Vec<Word>>,
    resources: Option<Vec<Word>>,
    resource_names: Option<Vec<Word>>,
    non_resource_urls: Option<Vec<Word>>,
    verb: Word,
    is_resource_request: bool,
    api_group: Word,
    namespace: Word,
    resource: Word,
    subresource: Word,
    name: Word,
    path: Word,
}

fuzz_target!(|input: Input| {
    let rule = PolicyRule {
        verbs: strings(input.verbs),
        api_groups: list(input.api_groups),
        resources: list(input.resources),
        resource_names: list(input.resource_names),
        non_resource_urls: list(input.non_resource_urls),
    };
    let attributes = RequestAttributes {
        user: "alice".to_owned(),
        groups: vec!["system:authenticated".to_owned()],
        verb: input.verb.into_string(),
        is_resource_request: input.is_resource_request,
        api_group: input.api_group.into_string(),
        namespace: input.namespace.into_string(),
        resource: input.resource.into_string(),
        subresource: input.subresource.into_string(),
        name: input.name.into_string(),
        path: input.path.into_string(),
    };
    let first = rule_allows(&attributes, &rule);
    // Matching is a pure function of its inputs.
    assert_eq!(first, rule_allows(&attributes, &rule));
});
