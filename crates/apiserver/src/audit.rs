//! The audit log: one `audit.k8s.io/v1` Event per request (level Metadata, stage
//! ResponseComplete) as a JSON line — who (user, groups, impersonation), what (verb, resource,
//! name), the answer (code) and why it was allowed or refused (the authorization decision and
//! reason, as annotations).  Lines go to a file that is rotated at a size limit, keeping a number
//! of old files (`audit.log.1`, `audit.log.2`, ...), like kube-apiserver's `--audit-log-*` flags.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::request_info::RequestInfo;
use crate::user::UserInfo;

/// What the pipeline learned about a request, for its audit event.
#[derive(Clone, Debug, Default)]
pub struct AuditRecord {
    pub user: Option<UserInfo>,
    pub impersonated: Option<UserInfo>,
    pub info: Option<RequestInfo>,
    /// `allow` or `forbid`, and the reason.
    pub decision: Option<(&'static str, String)>,
}

/// Where events go.
#[derive(Clone, Debug)]
pub struct AuditLog {
    tx: tokio::sync::mpsc::Sender<String>,
}

fn user_json(u: &UserInfo) -> Value {
    let mut v = json!({"username": u.name, "groups": u.groups});
    if !u.uid.is_empty() {
        v["uid"] = json!(u.uid);
    }
    if !u.extra.is_empty() {
        v["extra"] = json!(u.extra);
    }
    v
}

/// The Event for one finished request.
#[allow(clippy::too_many_arguments)]
pub fn event(
    record: &AuditRecord,
    audit_id: &str,
    uri: &str,
    method: &str,
    source_ip: Option<String>,
    user_agent: Option<&str>,
    code: u16,
    received: jiff::Timestamp,
    done: jiff::Timestamp,
) -> Value {
    let fmt = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string();
    let verb = record
        .info
        .as_ref()
        .map_or_else(|| method.to_ascii_lowercase(), |i| i.verb.clone());
    let mut e = json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": audit_id,
        "stage": "ResponseComplete",
        "requestURI": uri,
        "verb": verb,
        "user": record.user.as_ref().map_or_else(|| json!({}), user_json),
        "sourceIPs": source_ip.into_iter().collect::<Vec<_>>(),
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": fmt(received),
        "stageTimestamp": fmt(done),
    });
    if let Some(ua) = user_agent {
        e["userAgent"] = json!(ua);
    }
    if let Some(u) = &record.impersonated {
        e["impersonatedUser"] = user_json(u);
    }
    if let Some(i) = record.info.as_ref().filter(|i| i.is_resource_request) {
        let mut obj = json!({"resource": i.resource, "apiVersion": i.api_version});
        for (k, v) in [
            ("namespace", &i.namespace),
            ("name", &i.name),
            ("apiGroup", &i.api_group),
            ("subresource", &i.subresource),
        ] {
            if !v.is_empty() {
                obj[k] = json!(v);
            }
        }
        e["objectRef"] = obj;
    }
    if let Some((decision, reason)) = &record.decision {
        let mut a = json!({"authorization.k8s.io/decision": decision});
        if !reason.is_empty() {
            a["authorization.k8s.io/reason"] = json!(reason);
        }
        e["annotations"] = a;
    }
    e
}

impl AuditLog {
    /// Open (append to) `path`; rotate past `max_bytes`, keeping `max_backups` old files.
    pub fn open(path: PathBuf, max_bytes: u64, max_backups: usize) -> std::io::Result<AuditLog> {
        let mut file = open_append(&path)?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(4096);
        std::thread::Builder::new()
            .name("signet-audit".into())
            .spawn(move || {
                while let Some(line) = rx.blocking_recv() {
                    if let Err(e) = writeln!(file, "{line}").and_then(|()| file.flush()) {
                        tracing::warn!("audit: cannot write {}: {e}", path.display());
                        continue;
                    }
                    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                    if max_bytes > 0 && size >= max_bytes {
                        match rotate(&path, max_backups).and_then(|()| open_append(&path)) {
                            Ok(f) => file = f,
                            Err(e) => {
                                tracing::warn!("audit: cannot rotate {}: {e}", path.display())
                            }
                        }
                    }
                }
            })?;
        Ok(AuditLog { tx })
    }

    /// Queue one event; when the writer falls far behind, the event is dropped and logged.
    pub fn record(&self, event: &Value) {
        if self.tx.try_send(event.to_string()).is_err() {
            tracing::warn!("audit: writer is behind; an event was dropped");
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

/// `audit.log` → `audit.log.1` → ... → `audit.log.<max>`; the oldest goes.
fn rotate(path: &Path, max_backups: usize) -> std::io::Result<()> {
    let numbered = |n: usize| PathBuf::from(format!("{}.{n}", path.display()));
    if max_backups == 0 {
        return std::fs::remove_file(path);
    }
    let _ = std::fs::remove_file(numbered(max_backups));
    for n in (1..max_backups).rev() {
        if numbered(n).exists() {
            std::fs::rename(numbered(n), numbered(n + 1))?;
        }
    }
    std::fs::rename(path, numbered(1))
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "tests fail loudly on unexpected results"
)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_the_configured_backups() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("audit.log");
        for i in 0..4 {
            std::fs::write(&p, format!("{i}")).unwrap();
            rotate(&p, 2).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("audit.log.1")).unwrap(),
            "3"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("audit.log.2")).unwrap(),
            "2"
        );
        assert!(!dir.path().join("audit.log.3").exists());
    }
}
