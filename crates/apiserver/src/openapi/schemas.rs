//! The component schemas the documents publish: upstream's own schemas for the kinds Signet
//! serves (embedded from `crates/apiserver/openapi/*.json`, in OpenAPI v3 form), a permissive
//! schema for served kinds whose upstream schema is not embedded yet, and the conversion of a
//! schema to its OpenAPI v2 (swagger) form.
//!
//! To publish the real schema of a group version, add its upstream
//! `components.schemas` (trimmed to its own types) as a data file and list it in
//! [`GROUP_SCHEMAS`]; `meta/v1` types they reference come from `meta.v1.json`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::discovery::{self, ApiResource};

/// Schemas by name (`io.k8s.api.certificates.v1.CertificateSigningRequest`).
pub type Schemas = BTreeMap<String, Value>;

/// `meta/v1` and `runtime` schemas, shared by every group.
const META_SCHEMAS: &str = include_str!("../../openapi/meta.v1.json");

/// One group version's embedded schemas.
struct GroupSchemas {
    group: &'static str,
    version: &'static str,
    json: &'static str,
}

/// The group versions whose upstream schemas are embedded.
const GROUP_SCHEMAS: &[GroupSchemas] = &[
    GroupSchemas {
        group: "certificates.k8s.io",
        version: "v1",
        json: include_str!("../../openapi/certificates.k8s.io.v1.json"),
    },
    GroupSchemas {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        json: include_str!("../../openapi/rbac.authorization.k8s.io.v1.json"),
    },
];

pub const REF_PREFIX_V3: &str = "#/components/schemas/";
pub const REF_PREFIX_V2: &str = "#/definitions/";

pub const LIST_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
pub const STATUS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
pub const DELETE_OPTIONS: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
pub const WATCH_EVENT: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent";
pub const PATCH: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
pub const API_RESOURCE_LIST: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList";

const GVK_EXTENSION: &str = "x-kubernetes-group-version-kind";

const API_VERSION_DESCRIPTION: &str = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DESCRIPTION: &str = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

fn parse(name: &str, json: &str) -> Result<Schemas, String> {
    serde_json::from_str(json).map_err(|e| format!("embedded OpenAPI schemas {name}: {e}"))
}

/// The shared `meta/v1` schemas.
pub fn meta() -> Result<Schemas, String> {
    parse("meta.v1.json", META_SCHEMAS)
}

/// The embedded schemas of a group version (empty when none are embedded).
pub fn group(group: &str, version: &str) -> Result<Schemas, String> {
    GROUP_SCHEMAS
        .iter()
        .find(|g| g.group == group && g.version == version)
        .map(|g| parse(&format!("{}/{}", g.group, g.version), g.json))
        .unwrap_or_else(|| Ok(Schemas::new()))
}

/// `{group, kind, version}` as the GVK extensions spell it.
pub fn gvk(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "kind": kind, "version": version})
}

/// The name of the schema carrying this GVK.
pub fn find_kind(schemas: &Schemas, group: &str, version: &str, kind: &str) -> Option<String> {
    let want = gvk(group, version, kind);
    schemas
        .iter()
        .find(|(_, s)| {
            s.get(GVK_EXTENSION)
                .and_then(Value::as_array)
                .is_some_and(|list| list.contains(&want))
        })
        .map(|(name, _)| name.clone())
}

/// The name upstream gives a group's types: `io.k8s.api.<first label of the group>.<version>.<Kind>`.
pub fn default_name(group: &str, version: &str, kind: &str) -> String {
    let package = if group.is_empty() {
        "core"
    } else {
        group.split('.').next().unwrap_or(group)
    };
    format!("io.k8s.api.{package}.{version}.{kind}")
}

fn ref_to(name: &str) -> Value {
    json!({"allOf": [{"$ref": format!("{REF_PREFIX_V3}{name}")}]})
}

/// A schema for a served kind whose upstream schema is not embedded: an object with no declared
/// fields, so clients can find the kind (`explain`, the PATCH operation) and their client-side
/// validation accepts any content. Declaring some fields would make kubectl reject every other one
/// as unknown: it does not honour `x-kubernetes-preserve-unknown-fields`.
pub fn permissive_kind(group: &str, version: &str, kind: &str) -> Value {
    json!({
        "description": format!("{kind} is served by Signet; its schema is not published yet, so its fields are not described."),
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
        GVK_EXTENSION: [gvk(group, version, kind)],
    })
}

/// The list kind of a permissive kind.
pub fn permissive_list(group: &str, version: &str, kind: &str, item: &str) -> Value {
    let mut metadata = ref_to(LIST_META);
    metadata["default"] = json!({});
    let mut items = ref_to(item);
    items["default"] = json!({});
    json!({
        "description": format!("{kind}List is a list of {kind} objects."),
        "properties": {
            "apiVersion": {"description": API_VERSION_DESCRIPTION, "type": "string"},
            "items": {"description": format!("items is a list of {kind} objects."), "items": items, "type": "array"},
            "kind": {"description": KIND_DESCRIPTION, "type": "string"},
            "metadata": metadata,
        },
        "required": ["items"],
        "type": "object",
        GVK_EXTENSION: [gvk(group, version, &format!("{kind}List"))],
    })
}

/// The schema names of a resource's kind and list kind in `schemas`, adding permissive ones when
/// the group's data does not have them.
pub fn ensure_kind(
    schemas: &mut Schemas,
    group: &str,
    version: &str,
    r: &ApiResource,
) -> (String, String) {
    let kind_name = find_kind(schemas, group, version, r.kind).unwrap_or_else(|| {
        let name = default_name(group, version, r.kind);
        schemas.insert(name.clone(), permissive_kind(group, version, r.kind));
        name
    });
    let list_kind = format!("{}List", r.kind);
    let list_name = find_kind(schemas, group, version, &list_kind).unwrap_or_else(|| {
        let name = default_name(group, version, &list_kind);
        if r.verbs.contains(&"list") {
            schemas.insert(
                name.clone(),
                permissive_list(group, version, r.kind, &kind_name),
            );
        }
        name
    });
    (kind_name, list_name)
}

/// Every `$ref` target (schema name) inside a schema.
fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "$ref" {
                    if let Some(name) = v.as_str().and_then(|r| r.strip_prefix(REF_PREFIX_V3)) {
                        out.insert(name.to_string());
                    }
                } else {
                    refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Adds to `schemas` every schema of `library` that `schemas` references, transitively. A reference
/// found nowhere is an error in the embedded data.
pub fn close_over(schemas: &mut Schemas, library: &Schemas) -> Result<(), String> {
    loop {
        let mut wanted = BTreeSet::new();
        for s in schemas.values() {
            refs(s, &mut wanted);
        }
        let missing: Vec<String> = wanted
            .into_iter()
            .filter(|n| !schemas.contains_key(n))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for name in missing {
            let schema = library
                .get(&name)
                .ok_or_else(|| format!("OpenAPI schema {name} is referenced but not defined"))?;
            schemas.insert(name, schema.clone());
        }
    }
}

/// Sets the GVK list of `DeleteOptions` and `WatchEvent`, which every served group version uses.
pub fn stamp_shared_kinds(schemas: &mut Schemas) {
    for (name, kind) in [
        (DELETE_OPTIONS, "DeleteOptions"),
        (WATCH_EVENT, "WatchEvent"),
    ] {
        if let Some(Value::Object(s)) = schemas.get_mut(name) {
            let mut list = vec![gvk("", "v1", kind)];
            for g in discovery::API_GROUPS.iter().filter(|g| !g.name.is_empty()) {
                for v in g.versions {
                    list.push(gvk(g.name, v.version, kind));
                }
            }
            s.insert(GVK_EXTENSION.to_string(), Value::Array(list));
        }
    }
}

/// A schema in OpenAPI v2 form: `allOf: [{$ref}]` wrappers become plain `$ref`s into
/// `#/definitions/`, keeping the wrapper's description and default.
pub fn to_v2(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, val) in m {
                let single_ref = match (k.as_str(), val) {
                    ("allOf", Value::Array(items)) if items.len() == 1 => {
                        items[0].get("$ref").and_then(Value::as_str)
                    }
                    ("$ref", Value::String(r)) => Some(r.as_str()),
                    _ => None,
                };
                match single_ref {
                    Some(r) => {
                        let converted = match r.strip_prefix(REF_PREFIX_V3) {
                            Some(name) => format!("{REF_PREFIX_V2}{name}"),
                            None => r.to_string(),
                        };
                        out.insert("$ref".to_string(), Value::String(converted));
                    }
                    None => {
                        out.insert(k.clone(), to_v2(val));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(to_v2).collect()),
        other => other.clone(),
    }
}
