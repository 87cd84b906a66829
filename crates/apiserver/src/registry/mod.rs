//! The registry: per-resource strategies over one generic store (apiserver's `genericregistry.Store`).
//!
//! Objects travel as `serde_json::Value` between the HTTP layer and storage so that one generic
//! implementation of create / get / list / watch / update / patch / delete serves every resource;
//! each resource's [`Strategy`] decodes into its typed form (from `k8s-openapi`) to prepare,
//! validate and print it.  Start with [`Registry`] and the CSR strategy in [`csr`].

pub mod csr;
pub mod csr_admission;
mod decode;
mod delete;
pub mod lease;
mod list;
mod ops;
pub mod rbac;
pub mod table;
pub mod trust_bundle;
mod watch;

use std::sync::Arc;

use serde_json::Value;
use signet_api::clock::Clock;
use signet_api::field::FieldError;
use signet_storage::Store;

use crate::authz::Authorizer;
use crate::error::{ApiError, GroupResource};
use crate::user::UserInfo;

pub use decode::{FieldValidation, check_type, parse_body};
pub use delete::{DeleteParams, Deleted};
pub use list::{ListParams, ListResponse};
pub use ops::{CreateParams, PatchOutcome, UpdateParams};
pub use watch::{WatchEventOut, WatchParams};

/// The static facts about a served resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub resource: &'static str,
    pub kind: &'static str,
    pub list_kind: &'static str,
    pub namespaced: bool,
    /// Subresources with their own update strategy (e.g. `status`, `approval`).
    pub subresources: &'static [&'static str],
}

impl ResourceInfo {
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.group, self.resource)
    }

    /// `group/version`, or just `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// Which endpoint an update came through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Main,
    Subresource(&'a str),
}

/// What a request knows about its caller and time, passed to strategies.
#[derive(Clone)]
pub struct RequestContext {
    pub user: UserInfo,
    pub now: jiff::Timestamp,
    /// The authorizer, for admission checks that ask further questions (`approve`, `sign`,
    /// `escalate`, `bind`).
    pub authz: Arc<dyn Authorizer>,
    /// Why the request itself was allowed (kept for the governance record).
    pub authorization_reason: String,
}

impl RequestContext {
    /// The server acting for itself (bootstrap policy, aggregation, trust bundles), as
    /// `system:apiserver` in `system:masters`; `why` is the recorded reason.
    pub fn system(authz: Arc<dyn Authorizer>, now: jiff::Timestamp, why: &str) -> Self {
        RequestContext {
            user: crate::assemble::system_user(),
            now,
            authz,
            authorization_reason: why.to_string(),
        }
    }
}

/// One resource's behaviour: how objects are prepared, validated, selected and printed.
pub trait Strategy: Send + Sync + 'static {
    fn info(&self) -> &ResourceInfo;

    /// Decode into the typed form and encode back: what survives is what the type knows.  Used to
    /// reject wrongly typed fields (400) and to find unknown fields (`fieldValidation`).
    fn round_trip(&self, obj: &Value) -> Result<Value, String>;

    /// Stamp server-owned fields on create (apiserver `PrepareForCreate`).
    /// The default stamps nothing.
    fn prepare_for_create(&self, _ctx: &RequestContext, _obj: &mut Value) {}

    /// Validation on create; errors become a 422 `Invalid` Status.
    fn validate_create(&self, obj: &Value) -> Vec<FieldError>;

    /// Keep what this endpoint may not change (apiserver `PrepareForUpdate`).
    /// The default keeps nothing beyond the system fields the registry always keeps.
    fn prepare_for_update(
        &self,
        _ctx: &RequestContext,
        _ep: Endpoint<'_>,
        _new: &mut Value,
        _old: &Value,
    ) {
    }

    /// Validation on update through `ep`.
    fn validate_update(&self, ep: Endpoint<'_>, new: &Value, old: &Value) -> Vec<FieldError>;

    /// Validating admission of a create, after validation (403 on refusal).  Resources without
    /// an admission plugin admit everything that validated.
    fn admit_create(&self, _ctx: &RequestContext, _obj: &Value) -> Result<(), ApiError> {
        Ok(())
    }

    /// Validating admission of an update through `ep`, after validation.
    fn admit_update(
        &self,
        _ctx: &RequestContext,
        _ep: Endpoint<'_>,
        _new: &Value,
        _old: &Value,
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// The value of a selectable field (`metadata.name`, ...), or an error naming an unsupported
    /// field label.
    fn field_value(&self, obj: &Value, field: &str) -> Result<Option<String>, String>;

    /// Table columns (`meta.k8s.io/v1` TableColumnDefinition objects).
    fn table_columns(&self) -> Vec<Value>;

    /// Table cells of one object, in column order.
    fn table_cells(&self, obj: &Value, now: jiff::Timestamp) -> Vec<Value>;
}

/// One served resource: its strategy over the shared store.
#[derive(Clone)]
pub struct Registry {
    pub strategy: Arc<dyn Strategy>,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
}

impl Registry {
    pub fn new(strategy: Arc<dyn Strategy>, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Registry {
            strategy,
            store,
            clock,
        }
    }

    pub fn info(&self) -> &ResourceInfo {
        self.strategy.info()
    }

    /// The storage prefix of this resource (ending in `/`), within `namespace` when given.
    pub fn prefix(&self, namespace: &str) -> String {
        let info = self.info();
        let group = if info.group.is_empty() {
            "core"
        } else {
            info.group
        };
        if info.namespaced && !namespace.is_empty() {
            format!("/registry/{group}/{}/{namespace}/", info.resource)
        } else {
            format!("/registry/{group}/{}/", info.resource)
        }
    }

    /// The storage key of one object.
    pub fn key(&self, namespace: &str, name: &str) -> String {
        format!("{}{name}", self.prefix(namespace))
    }

    pub(crate) fn not_found(&self, name: &str) -> ApiError {
        ApiError::not_found(self.info().group_resource(), name)
    }
}

/// The usual [`Strategy::round_trip`]: decode into the typed form `T` and encode back.
pub fn round_trip_as<T: serde::de::DeserializeOwned + serde::Serialize>(
    obj: &Value,
) -> Result<Value, String> {
    let typed: T = serde_json::from_value(obj.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// A 422 for invalid request options (`CreateOptions`, `UpdateOptions`, `PatchOptions`,
/// `DeleteOptions`), as upstream validates them: `<Kind>.meta.k8s.io "" is invalid: ...`.
pub fn options_invalid(options_kind: &'static str, err: FieldError) -> ApiError {
    let cause = crate::error::Cause {
        reason: err.reason().to_string(),
        message: err.body(),
        field: err.field.clone(),
    };
    ApiError::invalid(
        "meta.k8s.io",
        options_kind,
        "",
        &err.to_string(),
        vec![cause],
    )
}

/// Decode an object into its typed form for validation (a failure is an internal field error:
/// the object already passed [`Strategy::round_trip`]).
pub fn typed<T: serde::de::DeserializeOwned>(obj: &Value) -> Result<T, FieldError> {
    serde_json::from_value(obj.clone())
        .map_err(|e| FieldError::internal("", format!("decoding object: {e}")))
}

/// Run create validation `f` on the typed form of `obj`.
pub fn validate_typed<T: serde::de::DeserializeOwned>(
    obj: &Value,
    f: impl FnOnce(T) -> Vec<FieldError>,
) -> Vec<FieldError> {
    match typed::<T>(obj) {
        Ok(t) => f(t),
        Err(e) => vec![e],
    }
}

/// Run update validation `f` on the typed forms of `new` and `old`.
pub fn validate_typed_update<T: serde::de::DeserializeOwned>(
    new: &Value,
    old: &Value,
    f: impl FnOnce(T, T) -> Vec<FieldError>,
) -> Vec<FieldError> {
    match (typed::<T>(new), typed::<T>(old)) {
        (Ok(n), Ok(o)) => f(n, o),
        (Err(e), _) | (_, Err(e)) => vec![e],
    }
}

/// Render validation errors as the 422 `Invalid` Status upstream sends.
pub fn invalid_error(info: &ResourceInfo, name: &str, errs: &[FieldError]) -> ApiError {
    let causes = errs
        .iter()
        .map(|e| crate::error::Cause {
            reason: e.reason().to_string(),
            message: e.body(),
            field: e.field.clone(),
        })
        .collect();
    ApiError::invalid(
        info.group,
        info.kind,
        name,
        &signet_api::field::aggregate(errs),
        causes,
    )
}

/// Read `metadata.<field>` as a string.
pub fn meta_str<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// Set `metadata.<field>`, creating `metadata` if needed.
pub fn set_meta(obj: &mut Value, field: &str, value: Value) {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = Value::Object(Default::default());
    }
    obj["metadata"][field] = value;
}

/// Remove `metadata.<field>`.
pub fn remove_meta(obj: &mut Value, field: &str) {
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove(field);
    }
}
