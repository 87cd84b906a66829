//! Delete and delete-collection, with DeleteOptions preconditions and finalizers: an object with
//! finalizers gets a `deletionTimestamp` and stays until the last finalizer is removed.

use serde_json::{Value, json};
use signet_storage::StorageError;

use super::ops::{decode_stored, encode_stored, format_time};
use super::{ListParams, Registry, RequestContext, meta_str, set_meta};
use crate::error::ApiError;

/// The parts of `DeleteOptions` Signet honours.
#[derive(Clone, Debug, Default)]
pub struct DeleteParams {
    pub dry_run: bool,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
}

impl DeleteParams {
    /// Read a `DeleteOptions` body (may be empty) merged with query parameters.
    pub fn from_body(body: &[u8], dry_run_query: bool) -> Result<Self, ApiError> {
        let mut p = DeleteParams {
            dry_run: dry_run_query,
            ..Default::default()
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(p);
        }
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?;
        if let Some(dr) = v.get("dryRun").and_then(Value::as_array) {
            for d in dr {
                match d.as_str() {
                    Some("All") => p.dry_run = true,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "dryRun: Unsupported value: {}: supported values: \"All\"",
                            other
                                .map(|s| format!("{s:?}"))
                                .unwrap_or_else(|| d.to_string())
                        )));
                    }
                }
            }
        }
        if let Some(pre) = v.get("preconditions") {
            p.precondition_uid = pre.get("uid").and_then(Value::as_str).map(str::to_string);
            p.precondition_rv = pre
                .get("resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        Ok(p)
    }
}

/// What a delete did.
#[derive(Clone, Debug)]
pub enum Deleted {
    /// Gone: the last state of the object.
    Gone(Value),
    /// Finalizers remain: the object with its deletionTimestamp.
    Pending(Value),
}

impl Registry {
    /// Delete one object.
    pub async fn delete(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        name: &str,
        params: &DeleteParams,
    ) -> Result<Deleted, ApiError> {
        let info = self.info();
        let key = self.key(namespace, name);
        loop {
            let kv = self
                .store
                .get(&key)
                .await?
                .ok_or_else(|| self.not_found(name))?;
            let current = decode_stored(&kv.value, kv.mod_revision)?;
            if let Some(uid) = &params.precondition_uid {
                let actual = meta_str(&current, "uid").unwrap_or("");
                if uid != actual {
                    return Err(ApiError::conflict(
                        info.group_resource(),
                        name,
                        &format!(
                            "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                        ),
                    ));
                }
            }
            if let Some(rv) = &params.precondition_rv {
                let actual = kv.mod_revision.to_string();
                if *rv != actual {
                    return Err(ApiError::conflict(
                        info.group_resource(),
                        name,
                        &format!(
                            "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"
                        ),
                    ));
                }
            }
            let has_finalizers = current["metadata"]
                .get("finalizers")
                .and_then(Value::as_array)
                .is_some_and(|f| !f.is_empty());
            if has_finalizers {
                if meta_str(&current, "deletionTimestamp").is_some() {
                    return Ok(Deleted::Pending(current));
                }
                let mut marked = current.clone();
                set_meta(
                    &mut marked,
                    "deletionTimestamp",
                    Value::String(format_time(ctx.now)),
                );
                set_meta(&mut marked, "deletionGracePeriodSeconds", json!(0));
                if params.dry_run {
                    return Ok(Deleted::Pending(marked));
                }
                match self
                    .store
                    .update(&key, kv.mod_revision, encode_stored(&marked)?)
                    .await
                {
                    Ok(stored) => {
                        set_meta(
                            &mut marked,
                            "resourceVersion",
                            Value::String(stored.mod_revision.to_string()),
                        );
                        return Ok(Deleted::Pending(marked));
                    }
                    Err(StorageError::Conflict { .. }) => continue,
                    Err(StorageError::NotFound { .. }) => return Err(self.not_found(name)),
                    Err(e) => return Err(e.into()),
                }
            }
            if params.dry_run {
                return Ok(Deleted::Gone(current));
            }
            match self.store.delete(&key, Some(kv.mod_revision)).await {
                Ok(_) => return Ok(Deleted::Gone(current)),
                Err(StorageError::Conflict { .. }) => continue,
                Err(StorageError::NotFound { .. }) => return Err(self.not_found(name)),
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Delete every object matching the selectors; returns what was deleted (or marked).
    pub async fn delete_collection(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        list: &ListParams,
        params: &DeleteParams,
    ) -> Result<Vec<Value>, ApiError> {
        let page = self
            .list(
                namespace,
                &ListParams {
                    limit: None,
                    continue_token: None,
                    ..list.clone()
                },
            )
            .await?;
        let mut out = Vec::with_capacity(page.items.len());
        for obj in page.items {
            let Some(name) = meta_str(&obj, "name").map(str::to_string) else {
                continue;
            };
            let ns = meta_str(&obj, "namespace").unwrap_or(namespace).to_string();
            match self.delete(ctx, &ns, &name, params).await {
                Ok(Deleted::Gone(o) | Deleted::Pending(o)) => out.push(o),
                // Deleted concurrently: nothing left to do for it.
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}
