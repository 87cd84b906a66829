//! Bootstrap-token authentication (upstream `plugin/pkg/auth/authenticator/token/bootstrap`).
//!
//! Tokens look like `abcdef.0123456789abcdef` (`<token-id>.<token-secret>`) and are backed by the
//! Secrets kubeadm creates: `kube-system/bootstrap-token-<token-id>`, type
//! `bootstrap.kubernetes.io/token`. Signet has no Secret API, so the Secrets come from a YAML file
//! (one or more `Secret` documents, or a `List` of them, `data` in base64 and/or `stringData`), which
//! is re-read whenever it changes. The checks, their order and the resulting user are upstream's:
//! user `system:bootstrap:<token-id>`, groups the sorted set of `system:bootstrappers` and the
//! validated `auth-extra-groups`, no UID.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use k8s_openapi::api::core::v1::Secret;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::Clock;
use crate::user::UserInfo;

/// Secret type of bootstrap tokens.
pub const SECRET_TYPE: &str = "bootstrap.kubernetes.io/token";
/// Name prefix of a bootstrap-token Secret.
pub const SECRET_PREFIX: &str = "bootstrap-token-";
/// Namespace bootstrap-token Secrets live in.
pub const SECRET_NAMESPACE: &str = "kube-system";
/// User name prefix of an authenticated bootstrap token.
pub const USER_PREFIX: &str = "system:bootstrap:";
/// Group every bootstrap token belongs to.
pub const DEFAULT_GROUP: &str = "system:bootstrappers";

const KEY_TOKEN_ID: &str = "token-id";
const KEY_TOKEN_SECRET: &str = "token-secret";
const KEY_EXPIRATION: &str = "expiration";
const KEY_USAGE_AUTHENTICATION: &str = "usage-bootstrap-authentication";
const KEY_EXTRA_GROUPS: &str = "auth-extra-groups";

/// Why the bootstrap-token file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("failed to read bootstrap token file '{}': {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("bootstrap token file '{}', document {document}: {reason}", .path.display())]
    Parse {
        path: PathBuf,
        document: usize,
        reason: String,
    },
}

/// What is kept of one Secret: the fields the authenticator reads, `data` merged with `stringData`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TokenSecret {
    type_: String,
    deleted: bool,
    data: Option<BTreeMap<String, Vec<u8>>>,
}

impl TokenSecret {
    /// Upstream `GetData`: the value as a string, empty when absent.
    fn get(&self, key: &str) -> String {
        self.data
            .as_ref()
            .and_then(|d| d.get(key))
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    }
}

/// Identity of the file contents last read: a change of any of these means "read it again".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    inode: u64,
}

struct Loaded {
    stamp: Option<Stamp>,
    /// By Secret name.
    secrets: HashMap<String, TokenSecret>,
}

/// The bootstrap tokens of one file.
pub struct BootstrapTokens {
    path: PathBuf,
    clock: Clock,
    loaded: Mutex<Loaded>,
}

impl std::fmt::Debug for BootstrapTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapTokens")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl BootstrapTokens {
    /// Read the file at `path`; it must exist and parse now (later changes that break it disable
    /// all tokens until it is fixed, rather than keeping stale ones alive).
    pub fn load(path: &Path, clock: Clock) -> Result<Self, BootstrapError> {
        let stamp = stamp(path);
        let contents = std::fs::read_to_string(path).map_err(|source| BootstrapError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let secrets = parse(&contents, path)?;
        Ok(BootstrapTokens {
            path: path.to_path_buf(),
            clock,
            loaded: Mutex::new(Loaded { stamp, secrets }),
        })
    }

    /// The user a bearer token authenticates as, if it is a valid bootstrap token.
    pub fn authenticate(&self, token: &[u8]) -> Option<UserInfo> {
        // Not of the form: not a bootstrap token at all, no need to look at the file.
        let (token_id, token_secret) = parse_token(token)?;
        let name = format!("{SECRET_PREFIX}{token_id}");
        let secret = self.secret(&name)?;
        let reject = |why: &str| {
            tracing::debug!(secret = %format!("{SECRET_NAMESPACE}/{name}"), "bootstrap secret {why}");
            None
        };
        if secret.deleted {
            return reject("is deleted and awaiting removal");
        }
        if secret.type_ != SECRET_TYPE || secret.data.is_none() {
            return reject("has invalid type, expected bootstrap.kubernetes.io/token");
        }
        if !bool::from(
            secret
                .get(KEY_TOKEN_SECRET)
                .as_bytes()
                .ct_eq(token_secret.as_bytes()),
        ) {
            return reject("has invalid value for key token-secret");
        }
        let id = secret.get(KEY_TOKEN_ID);
        if id != token_id {
            return reject("has invalid value for key token-id");
        }
        if expired(&secret.get(KEY_EXPIRATION), (self.clock)()) {
            return reject("has expired");
        }
        if secret.get(KEY_USAGE_AUTHENTICATION) != "true" {
            return reject("not marked usage-bootstrap-authentication=true");
        }
        let Some(groups) = groups(&secret.get(KEY_EXTRA_GROUPS)) else {
            return reject("has invalid value for key auth-extra-groups");
        };
        Some(UserInfo {
            name: format!("{USER_PREFIX}{id}"),
            groups,
            ..Default::default()
        })
    }

    /// The Secret named `name`, after re-reading the file if it changed since the last read.
    fn secret(&self, name: &str) -> Option<TokenSecret> {
        let mut loaded = match self.loaded.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let now = stamp(&self.path);
        if now != loaded.stamp {
            let secrets = std::fs::read_to_string(&self.path)
                .map_err(|source| BootstrapError::Read {
                    path: self.path.clone(),
                    source,
                })
                .and_then(|contents| parse(&contents, &self.path));
            loaded.secrets = secrets.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "bootstrap tokens disabled until the file is fixed");
                HashMap::new()
            });
            loaded.stamp = now;
        }
        loaded.secrets.get(name).cloned()
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
        inode: meta.ino(),
    })
}

/// Upstream `ParseToken`: `^([a-z0-9]{6})\.([a-z0-9]{16})$`.
fn parse_token(token: &[u8]) -> Option<(&str, &str)> {
    let valid = |part: &[u8]| {
        part.iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if token.len() != 23 || token[6] != b'.' || !valid(&token[..6]) || !valid(&token[7..]) {
        return None;
    }
    let token = std::str::from_utf8(token).ok()?;
    Some((&token[..6], &token[7..]))
}

/// Upstream `HasExpired`: no expiration never expires; an unparsable one has expired; otherwise
/// expired once the time is reached.
fn expired(expiration: &str, now: jiff::Timestamp) -> bool {
    if expiration.is_empty() {
        return false;
    }
    match expiration.parse::<jiff::Timestamp>() {
        Ok(at) => at <= now,
        Err(_) => {
            tracing::debug!(
                expiration,
                "unparsable bootstrap token expiration, treating as expired"
            );
            true
        }
    }
}

/// Upstream `GetGroups`: `system:bootstrappers` plus every extra group, each matching
/// `\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z`, sorted and de-duplicated; `None` if any
/// extra group is invalid.
fn groups(extra: &str) -> Option<Vec<String>> {
    let mut groups = BTreeSet::from([DEFAULT_GROUP.to_string()]);
    if !extra.is_empty() {
        for group in extra.split(',') {
            if !valid_extra_group(group) {
                return None;
            }
            groups.insert(group.to_string());
        }
    }
    Some(groups.into_iter().collect())
}

fn valid_extra_group(group: &str) -> bool {
    let Some(rest) = group.strip_prefix("system:bootstrappers:") else {
        return false;
    };
    let bytes = rest.as_bytes();
    let middle = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b':' || *b == b'-';
    match bytes.split_last() {
        Some((last, body)) => {
            (last.is_ascii_lowercase() || last.is_ascii_digit())
                && body.len() <= 255
                && body.iter().all(middle)
        }
        None => false,
    }
}

/// The Secrets of a YAML file: `Secret` documents or `List`/`SecretList` documents of them. Only
/// Secrets in `kube-system` (or without a namespace) count, as upstream only looks there.
fn parse(contents: &str, path: &Path) -> Result<HashMap<String, TokenSecret>, BootstrapError> {
    let mut secrets = HashMap::new();
    for (index, document) in serde_yaml::Deserializer::from_str(contents).enumerate() {
        let document_number = index + 1;
        let error = |reason: String| BootstrapError::Parse {
            path: path.to_path_buf(),
            document: document_number,
            reason,
        };
        let value = serde_yaml::Value::deserialize(document).map_err(|e| error(e.to_string()))?;
        if value.is_null() {
            continue;
        }
        let items = match value.get("kind").and_then(serde_yaml::Value::as_str) {
            Some("List" | "SecretList") => match value.get("items") {
                Some(serde_yaml::Value::Sequence(items)) => items.clone(),
                None | Some(serde_yaml::Value::Null) => Vec::new(),
                Some(_) => return Err(error("items must be a list".to_string())),
            },
            _ => vec![value],
        };
        for item in items {
            let secret: Secret = serde_yaml::from_value(item).map_err(|e| error(e.to_string()))?;
            let namespace = secret
                .metadata
                .namespace
                .as_deref()
                .unwrap_or(SECRET_NAMESPACE);
            let Some(name) = secret.metadata.name.clone() else {
                return Err(error("a Secret without metadata.name".to_string()));
            };
            if namespace != SECRET_NAMESPACE {
                tracing::warn!(
                    namespace,
                    name,
                    "ignoring a bootstrap token Secret outside kube-system"
                );
                continue;
            }
            secrets.insert(name, token_secret(secret));
        }
    }
    Ok(secrets)
}

/// `stringData` is merged over `data`, as the API server does when the Secret is written.
fn token_secret(secret: Secret) -> TokenSecret {
    let mut data: Option<BTreeMap<String, Vec<u8>>> = secret
        .data
        .map(|d| d.into_iter().map(|(k, v)| (k, v.0)).collect());
    if let Some(string_data) = secret.string_data {
        let merged = data.get_or_insert_with(BTreeMap::new);
        for (k, v) in string_data {
            merged.insert(k, v.into_bytes());
        }
    }
    TokenSecret {
        type_: secret.type_.unwrap_or_default(),
        deleted: secret.metadata.deletion_timestamp.is_some(),
        data,
    }
}

#[cfg(test)]
#[path = "bootstrap_tests.rs"]
mod tests;
