//! The RBAC authorizer chain of kube-apiserver: the `system:masters` privileged group first, then
//! RBAC over an in-memory snapshot of every Role, ClusterRole and binding.
//!
//! The snapshot is fed by a storage watch.  Before a request is authorized, [`Authorizer::sync`]
//! waits until the snapshot has applied every revision committed so far, so a binding created a
//! moment ago already counts (no "eventually consistent" window for RBAC in one process).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use signet_api::rbac::{RbacSnapshot, RequestAttributes, privileged_group_allows};
use signet_storage::{EventKind, ListOptions, Revision, StorageError, Store, WatchEvent};

use crate::authz::{Attributes, Authorizer, Decision};
use crate::user::GROUP_MASTERS;

/// The storage prefix of the RBAC group (see `Registry::prefix`).
pub const RBAC_PREFIX: &str = "/registry/rbac.authorization.k8s.io/";

/// How long a request waits for the snapshot to catch up before being decided on what it has.
const SYNC_TIMEOUT: Duration = Duration::from_secs(2);

/// The authorizer: privileged group, then RBAC.
pub struct RbacAuthorizer {
    snapshot: RwLock<RbacSnapshot>,
    store: Arc<dyn Store>,
    applied: tokio::sync::watch::Sender<Revision>,
}

impl RbacAuthorizer {
    /// Load every RBAC object and keep following the store until `shutdown` flips.
    pub async fn start(
        store: Arc<dyn Store>,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Result<Arc<Self>, StorageError> {
        let (applied, _) = tokio::sync::watch::channel(0);
        let me = Arc::new(RbacAuthorizer {
            snapshot: RwLock::new(RbacSnapshot::new()),
            store,
            applied,
        });
        let rev = me.reload().await?;
        let follower = me.clone();
        tokio::spawn(async move { follower.follow(rev, shutdown).await });
        Ok(me)
    }

    /// Replace the snapshot with a fresh list; returns its revision.
    async fn reload(&self) -> Result<Revision, StorageError> {
        let page = self
            .store
            .list(ListOptions {
                prefix: RBAC_PREFIX.to_string(),
                ..Default::default()
            })
            .await?;
        let mut snap = RbacSnapshot::new();
        for kv in &page.items {
            apply_put(&mut snap, &kv.key, &kv.value);
        }
        if let Ok(mut s) = self.snapshot.write() {
            *s = snap;
        }
        self.applied.send_replace(page.revision);
        Ok(page.revision)
    }

    /// Follow every change in the store (all prefixes, so that the applied revision keeps up with
    /// writes to other resources too); relist when the watch breaks.
    async fn follow(
        self: Arc<Self>,
        mut from: Revision,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let mut events = match self.store.watch("/registry/", from).await {
                Ok(s) => s,
                Err(StorageError::Closed) => return,
                Err(e) => {
                    tracing::warn!("rbac: watch failed ({e}); reloading");
                    from = self.reload_or_wait(from, &mut shutdown).await;
                    continue;
                }
            };
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    ev = events.next() => match ev {
                        Some(Ok(ev)) => {
                            from = ev.revision();
                            self.apply(&ev);
                            self.applied.send_replace(from);
                        }
                        Some(Err(StorageError::Closed)) | None if *shutdown.borrow() => return,
                        Some(Err(e)) => {
                            tracing::warn!("rbac: watch ended ({e}); reloading");
                            from = self.reload_or_wait(from, &mut shutdown).await;
                            break;
                        }
                        None => {
                            from = self.reload_or_wait(from, &mut shutdown).await;
                            break;
                        }
                    }
                }
            }
        }
    }

    async fn reload_or_wait(
        &self,
        from: Revision,
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Revision {
        loop {
            match self.reload().await {
                Ok(rev) => return rev,
                Err(StorageError::Closed) => return from,
                Err(e) => {
                    tracing::warn!("rbac: reload failed ({e}); retrying");
                    tokio::select! {
                        _ = shutdown.changed() => return from,
                        _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    }
                }
            }
        }
    }

    fn apply(&self, ev: &WatchEvent) {
        if !ev.kv.key.starts_with(RBAC_PREFIX) {
            return;
        }
        let Ok(mut snap) = self.snapshot.write() else {
            return;
        };
        match ev.kind {
            EventKind::Put => apply_put(&mut snap, &ev.kv.key, &ev.kv.value),
            EventKind::Delete => apply_delete(&mut snap, &ev.kv.key),
        }
    }

    /// Run `f` over the current snapshot (for rules reviews and escalation checks).
    pub fn with_snapshot<T>(&self, f: impl FnOnce(&RbacSnapshot) -> T) -> Option<T> {
        self.snapshot.read().ok().map(|s| f(&s))
    }
}

/// `(resource, namespace, name)` of an RBAC storage key.
fn parse_key(key: &str) -> Option<(&str, &str, &str)> {
    let rest = key.strip_prefix(RBAC_PREFIX)?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [res, name] => Some((res, "", name)),
        [res, ns, name] => Some((res, ns, name)),
        _ => None,
    }
}

fn apply_put(snap: &mut RbacSnapshot, key: &str, value: &[u8]) {
    let Some((resource, _, _)) = parse_key(key) else {
        return;
    };
    let ok = match resource {
        "clusterroles" => serde_json::from_slice::<ClusterRole>(value).map(|o| {
            snap.insert_cluster_role(o);
        }),
        "clusterrolebindings" => serde_json::from_slice::<ClusterRoleBinding>(value).map(|o| {
            snap.insert_cluster_role_binding(o);
        }),
        "roles" => serde_json::from_slice::<Role>(value).map(|o| {
            snap.insert_role(o);
        }),
        "rolebindings" => serde_json::from_slice::<RoleBinding>(value).map(|o| {
            snap.insert_role_binding(o);
        }),
        _ => Ok(()),
    };
    if let Err(e) = ok {
        tracing::warn!(key, "rbac: ignoring an object that does not decode: {e}");
    }
}

fn apply_delete(snap: &mut RbacSnapshot, key: &str) {
    match parse_key(key) {
        Some(("clusterroles", _, name)) => {
            snap.remove_cluster_role(name);
        }
        Some(("clusterrolebindings", _, name)) => {
            snap.remove_cluster_role_binding(name);
        }
        Some(("roles", ns, name)) => {
            snap.remove_role(ns, name);
        }
        Some(("rolebindings", ns, name)) => {
            snap.remove_role_binding(ns, name);
        }
        _ => {}
    }
}

/// Our request attributes in the form the RBAC evaluator reads.
pub fn rbac_attributes(a: &Attributes) -> RequestAttributes {
    RequestAttributes {
        user: a.user.name.clone(),
        groups: a.user.groups.clone(),
        verb: a.verb.clone(),
        is_resource_request: a.is_resource_request,
        api_group: a.api_group.clone(),
        namespace: a.namespace.clone(),
        resource: a.resource.clone(),
        subresource: a.subresource.clone(),
        name: a.name.clone(),
        path: a.path.clone(),
    }
}

impl Authorizer for RbacAuthorizer {
    fn authorize(&self, attrs: &Attributes) -> Decision {
        if privileged_group_allows(&attrs.user.groups) {
            return Decision::allow(format!(
                "allowed by membership of group \"{GROUP_MASTERS}\""
            ));
        }
        let Ok(snap) = self.snapshot.read() else {
            return Decision::deny("RBAC: the policy cache is unavailable");
        };
        let d = snap.authorize(&rbac_attributes(attrs));
        Decision {
            allowed: d.allowed,
            reason: d.reason,
        }
    }

    fn sync(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let Ok(target) = self.store.current_revision().await else {
                return;
            };
            let mut rx = self.applied.subscribe();
            let caught_up = tokio::time::timeout(SYNC_TIMEOUT, rx.wait_for(|r| *r >= target))
                .await
                .is_ok_and(|r| r.is_ok());
            if !caught_up {
                // Never decide on a stale policy: read it afresh from the store instead.
                tracing::warn!(
                    target,
                    "rbac: policy cache did not catch up in time; reloading it"
                );
                if let Err(e) = self.reload().await {
                    tracing::warn!(target, "rbac: reloading the policy failed: {e}");
                }
            }
        })
    }
}
