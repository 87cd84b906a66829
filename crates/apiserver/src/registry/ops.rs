//! Create, get, update and patch over the generic store (apiserver `registry.Store` and the
//! `handlers` package): the order of checks decides which error a client sees (§4.6 of the
//! semantics doc: 404 → 409 stale resourceVersion → 422 validation → 403 admission → write).

use serde_json::Value;
use signet_storage::StorageError;

use super::decode::{FieldValidation, check_type, decode_typed, enforce_field_validation};
use super::{Endpoint, Registry, RequestContext, invalid_error, meta_str, remove_meta, set_meta};
use crate::error::ApiError;
use crate::patch::{PatchType, apply_patch};
use signet_api::field::FieldError;

/// Options of a create.
#[derive(Clone, Debug, Default)]
pub struct CreateParams {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
}

/// Options of an update or patch.
#[derive(Clone, Debug, Default)]
pub struct UpdateParams {
    pub dry_run: bool,
    pub field_validation: FieldValidation,
    /// Server-side apply: the field manager (required) and whether to force conflicts.
    pub field_manager: Option<String>,
    pub force: bool,
}

/// The result of a write: the object as stored and any warnings for the client.
#[derive(Clone, Debug)]
pub struct PatchOutcome {
    pub object: Value,
    pub created: bool,
    pub warnings: Vec<String>,
}

/// How many times a generated name is retried on collision (upstream: 8).
const GENERATE_NAME_ATTEMPTS: usize = 8;

impl Registry {
    /// Read one object with its resourceVersion.
    pub async fn get(&self, namespace: &str, name: &str) -> Result<Value, ApiError> {
        let kv = self.store.get(&self.key(namespace, name)).await?;
        let kv = kv.ok_or_else(|| self.not_found(name))?;
        decode_stored(&kv.value, kv.mod_revision)
    }

    /// Create an object (POST).
    pub async fn create(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        mut obj: Value,
        params: &CreateParams,
    ) -> Result<PatchOutcome, ApiError> {
        let info = self.info();
        check_type(info, &mut obj)?;
        let (mut obj, unknown) = decode_typed(self.strategy.as_ref(), &obj)?;
        let warnings = enforce_field_validation(params.field_validation, &unknown)?;
        if !info.namespaced {
            // Upstream clears the namespace of a cluster-scoped object before validation.
            remove_meta(&mut obj, "namespace");
        } else if !namespace.is_empty() {
            if let Some(ns) =
                meta_str(&obj, "namespace").filter(|ns| !ns.is_empty() && *ns != namespace)
            {
                return Err(ApiError::bad_request(format!(
                    "the namespace of the provided object does not match the namespace sent on the request ({ns} != {namespace})"
                )));
            }
            set_meta(&mut obj, "namespace", Value::String(namespace.to_string()));
        }
        self.strategy.prepare_for_create(ctx, &mut obj);
        fill_system_fields(&mut obj, ctx.now);
        let generate = meta_str(&obj, "name").is_none_or(str::is_empty)
            && meta_str(&obj, "generateName").is_some_and(|g| !g.is_empty());
        let attempts = if generate { GENERATE_NAME_ATTEMPTS } else { 1 };
        let mut last_name = String::new();
        for _ in 0..attempts {
            let mut candidate = obj.clone();
            if generate {
                let prefix = meta_str(&obj, "generateName").unwrap_or("").to_string();
                let name = signet_api::meta::generate_name(&prefix, &mut rand_index);
                set_meta(&mut candidate, "name", Value::String(name));
            }
            let name = meta_str(&candidate, "name").unwrap_or("").to_string();
            let shown = if name.is_empty() {
                meta_str(&candidate, "generateName").unwrap_or("")
            } else {
                &name
            };
            let errs = self.strategy.validate_create(&candidate);
            if !errs.is_empty() {
                return Err(invalid_error(info, shown, &errs));
            }
            self.strategy.admit_create(ctx, &candidate)?;
            last_name = name.clone();
            if params.dry_run {
                return Ok(PatchOutcome {
                    object: candidate,
                    created: true,
                    warnings,
                });
            }
            let bytes = encode_stored(&candidate)?;
            match self.store.create(&self.key(namespace, &name), bytes).await {
                Ok(kv) => {
                    set_meta(
                        &mut candidate,
                        "resourceVersion",
                        Value::String(kv.mod_revision.to_string()),
                    );
                    return Ok(PatchOutcome {
                        object: candidate,
                        created: true,
                        warnings,
                    });
                }
                Err(StorageError::AlreadyExists { .. }) if generate => continue,
                Err(StorageError::AlreadyExists { .. }) => {
                    return Err(ApiError::already_exists(info.group_resource(), &name));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut e = ApiError::already_exists(info.group_resource(), &last_name);
        e.message
            .push_str(", the server was not able to generate a unique name for the object");
        e.retry_after = Some(1);
        if let Some(d) = e.details.as_mut() {
            d["retryAfterSeconds"] = Value::from(1);
        }
        Err(e)
    }

    /// Replace an object (PUT) through the main endpoint or a subresource.
    pub async fn update(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        name: &str,
        ep: Endpoint<'_>,
        mut body: Value,
        params: &UpdateParams,
    ) -> Result<PatchOutcome, ApiError> {
        let info = self.info();
        check_type(info, &mut body)?;
        let (body, unknown) = decode_typed(self.strategy.as_ref(), &body)?;
        let warnings = enforce_field_validation(params.field_validation, &unknown)?;
        let body_name = meta_str(&body, "name").unwrap_or("");
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let precondition = meta_str(&body, "resourceVersion")
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        let mut out = self
            .write_loop(
                ctx,
                namespace,
                name,
                ep,
                precondition.as_deref(),
                params.dry_run,
                |_current| Ok(body.clone()),
            )
            .await?;
        out.warnings = warnings;
        Ok(out)
    }

    /// Apply a patch (PATCH) through the main endpoint or a subresource.
    #[allow(clippy::too_many_arguments)]
    pub async fn patch(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        name: &str,
        ep: Endpoint<'_>,
        patch_type: PatchType,
        patch: &[u8],
        params: &UpdateParams,
    ) -> Result<PatchOutcome, ApiError> {
        if patch_type == PatchType::Apply
            && params.field_manager.as_deref().is_none_or(str::is_empty)
        {
            return Err(super::options_invalid(
                "PatchOptions",
                FieldError::required("fieldManager", "is required for apply patch"),
            ));
        }
        let info = self.info().clone();
        let exists = self.store.get(&self.key(namespace, name)).await?.is_some();
        if !exists {
            if patch_type == PatchType::Apply && ep == Endpoint::Main {
                // Server-side apply creates what does not exist.
                let empty =
                    serde_json::json!({"apiVersion": info.api_version(), "kind": info.kind});
                let obj = apply_patch(patch_type, &empty, patch).map_err(patch_error)?;
                let obj_name = meta_str(&obj, "name").unwrap_or("");
                if obj_name != name {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object ({obj_name}) does not match the name on the URL ({name})"
                    )));
                }
                let create = CreateParams {
                    dry_run: params.dry_run,
                    field_validation: params.field_validation,
                };
                return self.create(ctx, namespace, obj, &create).await;
            }
            return Err(self.not_found(name));
        }
        let mut warnings = Vec::new();
        let strategy = self.strategy.clone();
        let field_validation = params.field_validation;
        let mut out = self
            .write_loop(ctx, namespace, name, ep, None, params.dry_run, |current| {
                let mut patched = apply_patch(patch_type, current, patch).map_err(patch_error)?;
                check_type(&info, &mut patched)?;
                let patched_name = meta_str(&patched, "name").unwrap_or("");
                if patched_name != name {
                    return Err(ApiError::bad_request(format!(
                        "the name of the object ({patched_name}) does not match the name on the URL ({name})"
                    )));
                }
                // A resourceVersion the patch itself sets acts as a precondition; otherwise the
                // patch applies to whatever is current.
                if let Some(rv) = meta_str(&patched, "resourceVersion")
                    && Some(rv) != meta_str(current, "resourceVersion")
                {
                        return Err(ApiError::conflict_modified(info.group_resource(), name));
                }
                let (typed, unknown) = decode_typed(strategy.as_ref(), &patched)?;
                warnings = enforce_field_validation(field_validation, &unknown)?;
                Ok(typed)
            })
            .await?;
        out.warnings = warnings;
        Ok(out)
    }

    /// The guaranteed-update loop shared by PUT and PATCH: read, build the new object, apply the
    /// endpoint's strategy, validate, write with compare-and-swap, retry on a race when the
    /// request carried no resourceVersion precondition.
    #[allow(clippy::too_many_arguments)]
    async fn write_loop(
        &self,
        ctx: &RequestContext,
        namespace: &str,
        name: &str,
        ep: Endpoint<'_>,
        precondition: Option<&str>,
        dry_run: bool,
        mut build: impl FnMut(&Value) -> Result<Value, ApiError>,
    ) -> Result<PatchOutcome, ApiError> {
        let info = self.info();
        let key = self.key(namespace, name);
        loop {
            let kv = self
                .store
                .get(&key)
                .await?
                .ok_or_else(|| self.not_found(name))?;
            let current = decode_stored(&kv.value, kv.mod_revision)?;
            if let Some(rv) = precondition
                && rv != kv.mod_revision.to_string()
            {
                return Err(ApiError::conflict_modified(info.group_resource(), name));
            }
            let mut new = build(&current)?;
            if !info.namespaced {
                remove_meta(&mut new, "namespace");
            }
            keep_system_fields(&mut new, &current);
            self.strategy
                .prepare_for_update(ctx, ep, &mut new, &current);
            let errs = self.strategy.validate_update(ep, &new, &current);
            if !errs.is_empty() {
                return Err(invalid_error(info, name, &errs));
            }
            self.strategy.admit_update(ctx, ep, &new, &current)?;
            // Removing the last finalizer of an object being deleted completes the delete.
            let finalize = meta_str(&new, "deletionTimestamp").is_some()
                && new["metadata"]
                    .get("finalizers")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty);
            if without_rv(&new) == without_rv(&current) && !finalize {
                return Ok(PatchOutcome {
                    object: current,
                    created: false,
                    warnings: Vec::new(),
                });
            }
            if dry_run {
                return Ok(PatchOutcome {
                    object: new,
                    created: false,
                    warnings: Vec::new(),
                });
            }
            // Removing the last finalizer deletes; anything else is a compare-and-swap update.
            let written = if finalize {
                self.store.delete(&key, Some(kv.mod_revision)).await
            } else {
                self.store
                    .update(&key, kv.mod_revision, encode_stored(&new)?)
                    .await
            };
            match written {
                Ok(stored) => {
                    set_meta(
                        &mut new,
                        "resourceVersion",
                        Value::String(stored.mod_revision.to_string()),
                    );
                    return Ok(PatchOutcome {
                        object: new,
                        created: false,
                        warnings: Vec::new(),
                    });
                }
                // Someone wrote in between: an unconditional request tries again on the new state.
                Err(StorageError::Conflict { .. }) if precondition.is_none() => continue,
                Err(StorageError::Conflict { .. }) => {
                    return Err(ApiError::conflict_modified(info.group_resource(), name));
                }
                Err(StorageError::NotFound { .. }) => return Err(self.not_found(name)),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

fn patch_error(e: crate::patch::PatchError) -> ApiError {
    e.to_api_error()
}

fn rand_index(n: usize) -> usize {
    use rand::Rng;
    rand::thread_rng().gen_range(0..n)
}

/// Stamp `uid` and `creationTimestamp` and clear fields a client may not set on create
/// (apiserver `FillObjectMetaSystemFields` + `BeforeCreate`).
fn fill_system_fields(obj: &mut Value, now: jiff::Timestamp) {
    set_meta(obj, "uid", Value::String(uuid::Uuid::new_v4().to_string()));
    set_meta(obj, "creationTimestamp", Value::String(format_time(now)));
    for f in [
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "selfLink",
        "managedFields",
    ] {
        remove_meta(obj, f);
    }
}

/// Fields no update may change: they are carried over from the stored object.
fn keep_system_fields(new: &mut Value, current: &Value) {
    // A request may leave the uid out (then it is the stored one); a different uid is left for
    // validation to reject as immutable, as upstream's `BeforeUpdate` does.
    if super::meta_str(new, "uid").is_none_or(str::is_empty)
        && let Some(uid) = current.get("metadata").and_then(|m| m.get("uid"))
    {
        set_meta(new, "uid", uid.clone());
    }
    for f in [
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
        match current.get("metadata").and_then(|m| m.get(f)) {
            Some(v) => set_meta(new, f, v.clone()),
            None => remove_meta(new, f),
        }
    }
    remove_meta(new, "managedFields");
    remove_meta(new, "selfLink");
    if let Some(rv) = meta_str(current, "resourceVersion") {
        set_meta(new, "resourceVersion", Value::String(rv.to_string()));
    }
}

fn without_rv(v: &Value) -> Value {
    let mut v = v.clone();
    remove_meta(&mut v, "resourceVersion");
    v
}

/// RFC 3339 with second precision, as `metav1.Time` serialises.
pub fn format_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Objects are stored without their resourceVersion (it is the key's revision).
pub(crate) fn encode_stored(obj: &Value) -> Result<Vec<u8>, ApiError> {
    let mut obj = obj.clone();
    remove_meta(&mut obj, "resourceVersion");
    serde_json::to_vec(&obj).map_err(|e| ApiError::internal(format!("encoding object: {e}")))
}

/// Decode a stored object and stamp its resourceVersion.
pub(crate) fn decode_stored(bytes: &[u8], revision: i64) -> Result<Value, ApiError> {
    let mut obj: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::internal(format!("decoding stored object: {e}")))?;
    set_meta(
        &mut obj,
        "resourceVersion",
        Value::String(revision.to_string()),
    );
    Ok(obj)
}
