//! Listing with label and field selectors, `limit`/`continue` paging at one consistent revision,
//! and the `resourceVersion` / `resourceVersionMatch` rules of kube-apiserver.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use signet_api::selectors::{FieldSelector, LabelSelector};
use signet_storage::{ListOptions, Revision, StorageError};

use super::Registry;
use super::ops::decode_stored;
use crate::error::ApiError;

/// How many keys one storage page reads while filtering.
const STORAGE_PAGE: usize = 500;

/// The list/watch query parameters.
#[derive(Clone, Debug, Default)]
pub struct ListParams {
    pub label_selector: Option<LabelSelector>,
    pub field_selector: Option<FieldSelector>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
}

/// One page of a list.
#[derive(Clone, Debug)]
pub struct ListResponse {
    pub items: Vec<Value>,
    pub resource_version: Revision,
    pub continue_token: Option<String>,
    pub remaining: Option<u64>,
}

const EXPIRED_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

fn encode_continue(rv: Revision, start: &str) -> String {
    STANDARD.encode(json!({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).to_string())
}

fn decode_continue(token: &str) -> Result<(Revision, String), ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let bytes = STANDARD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if v.get("v").and_then(Value::as_str) != Some("meta.k8s.io/v1") {
        return Err(bad());
    }
    let rv = v
        .get("rv")
        .and_then(Value::as_i64)
        .filter(|rv| *rv > 0)
        .ok_or_else(bad)?;
    let start = v.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    if start.contains('/') || start.contains("..") {
        return Err(bad());
    }
    Ok((rv, start.to_string()))
}

/// Parse a resourceVersion query value.
pub(crate) fn parse_rv(rv: &str) -> Result<Revision, ApiError> {
    rv.parse::<Revision>()
        .ok()
        .filter(|r| *r >= 0)
        .ok_or_else(|| ApiError::bad_request(format!("invalid resource version: {rv}")))
}

impl ListParams {
    /// Whether an object passes the selectors.
    pub fn matches(&self, registry: &Registry, obj: &Value) -> bool {
        if let Some(ls) = &self.label_selector {
            let labels = obj["metadata"]
                .get("labels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            if !ls.matches(&labels) {
                return false;
            }
        }
        if let Some(fs) = &self.field_selector {
            return fs.matches(|field| registry.strategy.field_value(obj, field).ok().flatten());
        }
        true
    }
}

impl Registry {
    /// Reject field selectors on fields this resource does not support (400, upstream text).
    pub fn check_field_selector(&self, fs: &FieldSelector) -> Result<(), ApiError> {
        let probe = json!({"metadata": {}});
        for req in fs.requirements() {
            self.strategy
                .field_value(&probe, &req.field)
                .map_err(ApiError::bad_request)?;
        }
        Ok(())
    }

    /// List objects in `namespace` ("" = all) with selectors and paging.
    pub async fn list(
        &self,
        namespace: &str,
        params: &ListParams,
    ) -> Result<ListResponse, ApiError> {
        let (revision, mut start_after) = match &params.continue_token {
            Some(token) if !token.is_empty() => {
                let (rv, start) = decode_continue(token)?;
                (Some(rv), Some(format!("{}{start}", self.prefix(namespace))))
            }
            _ => (self.read_revision(params).await?, None),
        };
        let limit = params.limit.filter(|l| *l > 0);
        let filtered = params.label_selector.is_some() || params.field_selector.is_some();
        let mut items = Vec::new();
        let mut read_rev = revision;
        loop {
            let want = match limit {
                Some(l) if !filtered => l - items.len(),
                _ => STORAGE_PAGE,
            };
            let page = self
                .store
                .list(ListOptions {
                    prefix: self.prefix(namespace),
                    limit: Some(want),
                    start_after: start_after.clone(),
                    revision: read_rev,
                })
                .await
                .map_err(|e| match e {
                    StorageError::Expired { .. } if params.continue_token.is_some() => {
                        ApiError::expired(EXPIRED_CONTINUE)
                    }
                    StorageError::Expired {
                        requested,
                        compacted,
                    } => ApiError::expired(format!(
                        "too old resource version: {requested} ({compacted})"
                    )),
                    other => other.into(),
                })?;
            read_rev = Some(page.revision);
            let n = page.items.len();
            for (i, kv) in page.items.iter().enumerate() {
                let obj = decode_stored(&kv.value, kv.mod_revision)?;
                if !params.matches(self, &obj) {
                    continue;
                }
                items.push(obj);
                if limit.is_some_and(|l| items.len() >= l) {
                    let more_here = i + 1 < n;
                    if more_here || page.more {
                        let start = kv
                            .key
                            .strip_prefix(&self.prefix(namespace))
                            .unwrap_or(&kv.key);
                        let remaining = (!filtered).then_some(page.remaining + (n - i - 1) as u64);
                        return Ok(ListResponse {
                            items,
                            resource_version: page.revision,
                            continue_token: Some(encode_continue(page.revision, start)),
                            remaining,
                        });
                    }
                    return Ok(ListResponse {
                        items,
                        resource_version: page.revision,
                        continue_token: None,
                        remaining: None,
                    });
                }
            }
            if !page.more || n == 0 {
                return Ok(ListResponse {
                    items,
                    resource_version: page.revision,
                    continue_token: None,
                    remaining: None,
                });
            }
            start_after = page.items.last().map(|kv| kv.key.clone());
        }
    }

    /// The snapshot revision a list reads at: `resourceVersionMatch=Exact` reads the given
    /// revision; everything else reads the latest state (which is never older than the one asked).
    async fn read_revision(&self, params: &ListParams) -> Result<Option<Revision>, ApiError> {
        let rv = params.resource_version.as_deref().filter(|v| !v.is_empty());
        match (
            params
                .resource_version_match
                .as_deref()
                .filter(|m| !m.is_empty()),
            rv,
        ) {
            (None, _) => {
                if let Some(rv) = rv {
                    self.check_not_future(parse_rv(rv)?).await?;
                }
                Ok(None)
            }
            (Some("NotOlderThan"), Some(rv)) => {
                self.check_not_future(parse_rv(rv)?).await?;
                Ok(None)
            }
            (Some("Exact"), Some(rv)) => {
                let rev = parse_rv(rv)?;
                if rev == 0 {
                    return Err(ApiError::bad_request(
                        "resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"",
                    ));
                }
                Ok(Some(rev))
            }
            (Some(m @ ("NotOlderThan" | "Exact")), None) => Err(ApiError::bad_request(format!(
                "resourceVersionMatch is forbidden unless resourceVersion is provided (resourceVersionMatch {m:?})"
            ))),
            (Some(other), _) => Err(ApiError::bad_request(format!(
                "resourceVersionMatch \"{other}\" is not supported: supported values: \"Exact\", \"NotOlderThan\""
            ))),
        }
    }

    async fn check_not_future(&self, rev: Revision) -> Result<(), ApiError> {
        let current = self.store.current_revision().await?;
        if rev > current {
            return Err(ApiError::timeout(format!(
                "Too large resource version: {rev}, current: {current}"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let t = encode_continue(42, "csr-1");
        assert_eq!(decode_continue(&t).unwrap(), (42, "csr-1".to_string()));
        assert_eq!(decode_continue("garbage!").unwrap_err().code, 400);
        let traversal = STANDARD.encode(r#"{"v":"meta.k8s.io/v1","rv":3,"start":"../x"}"#);
        assert_eq!(decode_continue(&traversal).unwrap_err().code, 400);
    }
}
