//! Fuzzes the `labelSelector` / `fieldSelector` query parameters, which any list or watch
//! request carries as arbitrary text, and matching a parsed selector against fixed objects.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use signet_api::selectors::{FieldSelector, LabelSelector};

fuzz_target!(|data: &[u8]| {
    // Query strings are UTF-8 by the time they reach the parsers.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let labels = BTreeMap::from([
        ("app".to_owned(), "signet".to_owned()),
        ("tier".to_owned(), "".to_owned()),
    ]);
    if let Ok(selector) = LabelSelector::parse(text) {
        let _ = selector.matches(&labels);
        let _ = selector.matches(&BTreeMap::new());
    }
    if let Ok(selector) = FieldSelector::parse(text) {
        let _ = selector.matches(|field| match field {
            "metadata.name" => Some("csr-1".to_owned()),
            "spec.signerName" => Some("kubernetes.io/kube-apiserver-client".to_owned()),
            _ => None,
        });
    }
});
