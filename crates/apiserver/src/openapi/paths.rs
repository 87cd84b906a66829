//! The REST operations of every served resource, generated from the discovery table and rendered
//! as OpenAPI v3 and v2 path items the way kube-apiserver publishes them.
//!
//! kubectl reads one thing from them: the PATCH operation of a kind, found by its
//! `x-kubernetes-group-version-kind`, and whether it takes the `fieldValidation` query parameter
//! (then it lets the server validate fields instead of validating them itself).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::schemas::{self, API_RESOURCE_LIST, DELETE_OPTIONS, PATCH, STATUS, WATCH_EVENT};
use crate::discovery::{ApiResource, ApiSubresource};
use crate::patch::PatchType;

/// Where a parameter goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Path,
    Query,
}

/// A non-body parameter.
#[derive(Clone)]
struct Param {
    name: &'static str,
    location: In,
    ty: &'static str,
    description: String,
}

fn query(name: &'static str, ty: &'static str, description: &str) -> Param {
    Param {
        name,
        location: In::Query,
        ty,
        description: description.to_string(),
    }
}

const PRETTY: &str = "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).";
const DRY_RUN: &str = "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed";
const FIELD_MANAGER: &str = "fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.";
const FIELD_MANAGER_PATCH: &str = " This field is required for apply requests (application/apply-patch) but optional for non-apply patch types (JsonPatch, MergePatch, StrategicMergePatch).";
const FIELD_VALIDATION: &str = "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.";
const FORCE: &str = "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.";
const GRACE_PERIOD: &str = "The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.";
const ORPHAN_DEPENDENTS: &str = "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the \"orphan\" finalizer will be added to/removed from the object's finalizers list. Either this field or PropagationPolicy may be set, but not both.";
const PROPAGATION_POLICY: &str = "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.";
const ALLOW_WATCH_BOOKMARKS: &str = "allowWatchBookmarks requests watch events with type \"BOOKMARK\". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server's discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.";
const CONTINUE: &str = "The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize. If the specified continue value is no longer valid whether due to expiration (generally five to fifteen minutes) or a configuration change on the server, the server will respond with a 410 ResourceExpired error together with a continue token. If the client needs a consistent list, it must restart their list without the continue field. Otherwise, the client may send another list request with the token received with the 410 error, the server will respond with a list starting from the next key, but from the latest snapshot, which is inconsistent from the previous list results - objects that are created, modified, or deleted after the first list request will be included in the response, as long as their keys are after the \"next key\".\n\nThis field is not supported when watch is true. Clients may start a watch from the last resourceVersion value returned by the server and not miss any modifications.";
const FIELD_SELECTOR: &str =
    "A selector to restrict the list of returned objects by their fields. Defaults to everything.";
const LABEL_SELECTOR: &str =
    "A selector to restrict the list of returned objects by their labels. Defaults to everything.";
const LIMIT: &str = "limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results. Setting a limit may return fewer than the requested amount of items (up to zero items) in the event all requested objects are filtered out and clients should only use the presence of the continue field to determine whether more results are available. Servers may choose not to support the limit argument and will return all of the available results. If limit is specified and the continue field is empty, clients may assume that no more results are available. This field is not supported if watch is true.\n\nThe server guarantees that the objects returned when using continue will be identical to issuing a single list call without a limit - that is, no objects created, modified, or deleted after the first request is issued will be included in any subsequent continued requests. This is sometimes referred to as a consistent snapshot, and ensures that a client that is using limit to receive smaller chunks of a very large result can ensure they see all possible objects. If objects are updated during a chunked list the version of the object that was present at the time the first list result was calculated is returned.";
const RESOURCE_VERSION: &str = "resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset";
const RESOURCE_VERSION_MATCH: &str = "resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset";
const SEND_INITIAL_EVENTS: &str = "`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic \"Bookmark\" event  will be sent. The bookmark will report the ResourceVersion (RV) corresponding to the set of objects, and be marked with `\"k8s.io/initial-events-end\": \"true\"` annotation. Afterwards, the watch stream will proceed as usual, sending watch events corresponding to changes (subsequent to the RV) to objects watched.\n\nWhen `sendInitialEvents` option is set, we require `resourceVersionMatch` option to also be set. The semantic of the watch request is as following: - `resourceVersionMatch` = NotOlderThan\n  is interpreted as \"data at least as new as the provided `resourceVersion`\"\n  and the bookmark event is send when the state is synced\n  to a `resourceVersion` at least as fresh as the one provided by the ListOptions.\n  If `resourceVersion` is unset, this is interpreted as \"consistent read\" and the\n  bookmark event is send when the state is synced at least to the moment\n  when request started being processed.\n- `resourceVersionMatch` set to any other value or unset\n  Invalid error is returned.\n\nDefaults to true if `resourceVersion=\"\"` or `resourceVersion=\"0\"` (for backward compatibility reasons) and to false otherwise.";
const TIMEOUT_SECONDS: &str = "Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.";
const WATCH: &str = "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.";
const NAMESPACE: &str = "object name and auth scope, such as for teams and projects";

fn list_params(with_watch: bool) -> Vec<Param> {
    let mut p = vec![
        query("allowWatchBookmarks", "boolean", ALLOW_WATCH_BOOKMARKS),
        query("continue", "string", CONTINUE),
        query("fieldSelector", "string", FIELD_SELECTOR),
        query("labelSelector", "string", LABEL_SELECTOR),
        query("limit", "integer", LIMIT),
        query("resourceVersion", "string", RESOURCE_VERSION),
        query("resourceVersionMatch", "string", RESOURCE_VERSION_MATCH),
        query("sendInitialEvents", "boolean", SEND_INITIAL_EVENTS),
        query("timeoutSeconds", "integer", TIMEOUT_SECONDS),
    ];
    if with_watch {
        p.push(query("watch", "boolean", WATCH));
    }
    p
}

fn write_params(patch: bool) -> Vec<Param> {
    let manager = if patch {
        format!("{FIELD_MANAGER}{FIELD_MANAGER_PATCH}")
    } else {
        FIELD_MANAGER.to_string()
    };
    let mut p = vec![
        query("dryRun", "string", DRY_RUN),
        Param {
            name: "fieldManager",
            location: In::Query,
            ty: "string",
            description: manager,
        },
        query("fieldValidation", "string", FIELD_VALIDATION),
    ];
    if patch {
        p.push(query("force", "boolean", FORCE));
    }
    p
}

fn delete_params(collection: bool) -> Vec<Param> {
    let mut p = Vec::new();
    if collection {
        p.push(query("continue", "string", CONTINUE));
    }
    p.push(query("dryRun", "string", DRY_RUN));
    if collection {
        p.push(query("fieldSelector", "string", FIELD_SELECTOR));
    }
    p.push(query("gracePeriodSeconds", "integer", GRACE_PERIOD));
    if collection {
        p.push(query("labelSelector", "string", LABEL_SELECTOR));
        p.push(query("limit", "integer", LIMIT));
    }
    p.push(query("orphanDependents", "boolean", ORPHAN_DEPENDENTS));
    p.push(query("propagationPolicy", "string", PROPAGATION_POLICY));
    if collection {
        p.push(query("resourceVersion", "string", RESOURCE_VERSION));
        p.push(query(
            "resourceVersionMatch",
            "string",
            RESOURCE_VERSION_MATCH,
        ));
        p.push(query("sendInitialEvents", "boolean", SEND_INITIAL_EVENTS));
        p.push(query("timeoutSeconds", "integer", TIMEOUT_SECONDS));
    }
    p
}

/// The body an operation takes: its media types and schema.
struct Body {
    media_types: Vec<&'static str>,
    schema: String,
}

/// One operation of a path.
struct Operation {
    method: &'static str,
    description: String,
    operation_id: String,
    action: Option<&'static str>,
    params: Vec<Param>,
    body: Option<Body>,
    /// Status codes with their descriptions; all but 401 return `response`.
    codes: &'static [(&'static str, &'static str)],
    response: String,
    produces: &'static [&'static str],
    gvk: Option<Value>,
}

/// A path: its parameters and operations.
#[derive(Default)]
pub struct PathItem {
    params: Vec<Param>,
    operations: Vec<Operation>,
}

const PRODUCES: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];
const PRODUCES_WATCH: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf;stream=watch",
];
const OK: &[(&str, &str)] = &[("200", "OK"), ("401", "Unauthorized")];
const OK_CREATED: &[(&str, &str)] = &[("200", "OK"), ("201", "Created"), ("401", "Unauthorized")];
const CREATED: &[(&str, &str)] = &[
    ("200", "OK"),
    ("201", "Created"),
    ("202", "Accepted"),
    ("401", "Unauthorized"),
];
const DELETED: &[(&str, &str)] = &[("200", "OK"), ("202", "Accepted"), ("401", "Unauthorized")];

/// `Certificates`, `RbacAuthorization`, `Core`: the group as operation ids spell it.
fn group_camel(group: &str) -> String {
    if group.is_empty() {
        return "Core".to_string();
    }
    group
        .trim_end_matches(".k8s.io")
        .split('.')
        .map(capitalize)
        .collect()
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The operations' tag: `certificates_v1`, `rbacAuthorization_v1`, `core_v1`.
fn tag(group: &str, version: &str) -> String {
    let camel = group_camel(group);
    let mut c = camel.chars();
    let lower: String = c
        .next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default();
    format!("{lower}_{version}")
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// The paths of one group version, keyed by path.
pub fn group_version_paths(
    group: &str,
    version: &str,
    resources: &[ApiResource],
    schemas: &mut schemas::Schemas,
) -> BTreeMap<String, PathItem> {
    let prefix = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    let mut paths = BTreeMap::new();
    paths.insert(
        format!("{prefix}/"),
        PathItem {
            params: Vec::new(),
            operations: vec![Operation {
                method: "get",
                description: "get available resources".to_string(),
                operation_id: format!(
                    "get{}{}APIResources",
                    group_camel(group),
                    capitalize(version)
                ),
                action: None,
                params: Vec::new(),
                body: None,
                codes: OK,
                response: API_RESOURCE_LIST.to_string(),
                produces: PRODUCES,
                gvk: None,
            }],
        },
    );
    for r in resources {
        let (kind_schema, list_schema) = schemas::ensure_kind(schemas, group, version, r);
        let ctx = ResourceCtx {
            r,
            gv: format!("{}{}", group_camel(group), capitalize(version)),
            gvk: schemas::gvk(group, version, r.kind),
            kind_schema,
            list_schema,
        };
        ctx.add_paths(&prefix, &mut paths);
    }
    paths
}

struct ResourceCtx<'a> {
    r: &'a ApiResource,
    /// `CertificatesV1`.
    gv: String,
    gvk: Value,
    kind_schema: String,
    list_schema: String,
}

impl ResourceCtx<'_> {
    fn has(&self, verb: &str) -> bool {
        self.r.verbs.contains(&verb)
    }

    fn op(
        &self,
        method: &'static str,
        description: String,
        id: String,
        action: &'static str,
    ) -> Operation {
        Operation {
            method,
            description,
            operation_id: id,
            action: Some(action),
            params: Vec::new(),
            body: None,
            codes: OK,
            response: self.kind_schema.clone(),
            produces: PRODUCES,
            gvk: Some(self.gvk.clone()),
        }
    }

    fn add_paths(&self, prefix: &str, paths: &mut BTreeMap<String, PathItem>) {
        let r = self.r;
        let kind = r.kind;
        let (ns, ns_path) = if r.namespaced {
            ("Namespaced", "/namespaces/{namespace}")
        } else {
            ("", "")
        };
        let ns_params: Vec<Param> = if r.namespaced {
            vec![Param {
                name: "namespace",
                location: In::Path,
                ty: "string",
                description: NAMESPACE.to_string(),
            }]
        } else {
            Vec::new()
        };
        let name_param = Param {
            name: "name",
            location: In::Path,
            ty: "string",
            description: format!("name of the {kind}"),
        };
        let pretty = query("pretty", "string", PRETTY);
        let gv = &self.gv;

        // The collection.
        let mut collection = Vec::new();
        if self.has("list") {
            let mut list = self.op(
                "get",
                format!("list or watch objects of kind {kind}"),
                format!("list{gv}{ns}{kind}"),
                "list",
            );
            list.params = list_params(true);
            list.response = self.list_schema.clone();
            list.produces = PRODUCES_WATCH;
            collection.push(list);
        }
        if self.has("create") {
            let mut create = self.op(
                "post",
                format!("create {} {kind}", article(kind)),
                format!("create{gv}{ns}{kind}"),
                "post",
            );
            create.params = write_params(false);
            create.body = Some(Body {
                media_types: vec!["*/*"],
                schema: self.kind_schema.clone(),
            });
            create.codes = CREATED;
            collection.push(create);
        }
        if self.has("deletecollection") {
            let mut dc = self.op(
                "delete",
                format!("delete collection of {kind}"),
                format!("delete{gv}Collection{ns}{kind}"),
                "deletecollection",
            );
            dc.params = delete_params(true);
            dc.body = Some(Body {
                media_types: vec!["*/*"],
                schema: DELETE_OPTIONS.to_string(),
            });
            dc.response = STATUS.to_string();
            collection.push(dc);
        }
        if !collection.is_empty() {
            let mut params = ns_params.clone();
            params.push(pretty.clone());
            paths.insert(
                format!("{prefix}{ns_path}/{}", r.name),
                PathItem {
                    params,
                    operations: collection,
                },
            );
        }

        // The object.
        let mut item = Vec::new();
        if self.has("get") {
            item.push(self.op(
                "get",
                format!("read the specified {kind}"),
                format!("read{gv}{ns}{kind}"),
                "get",
            ));
        }
        if self.has("update") {
            let mut put = self.op(
                "put",
                format!("replace the specified {kind}"),
                format!("replace{gv}{ns}{kind}"),
                "put",
            );
            put.params = write_params(false);
            put.body = Some(Body {
                media_types: vec!["*/*"],
                schema: self.kind_schema.clone(),
            });
            put.codes = OK_CREATED;
            item.push(put);
        }
        if self.has("patch") {
            item.push(self.patch_op(
                format!("partially update the specified {kind}"),
                format!("patch{gv}{ns}{kind}"),
            ));
        }
        if self.has("delete") {
            let mut del = self.op(
                "delete",
                format!("delete {} {kind}", article(kind)),
                format!("delete{gv}{ns}{kind}"),
                "delete",
            );
            del.params = delete_params(false);
            del.body = Some(Body {
                media_types: vec!["*/*"],
                schema: DELETE_OPTIONS.to_string(),
            });
            del.codes = DELETED;
            del.response = STATUS.to_string();
            item.push(del);
        }
        let mut item_params = vec![name_param.clone()];
        item_params.extend(ns_params.clone());
        item_params.push(pretty.clone());
        if !item.is_empty() {
            paths.insert(
                format!("{prefix}{ns_path}/{}/{{name}}", r.name),
                PathItem {
                    params: item_params.clone(),
                    operations: item,
                },
            );
        }
        for s in r.subresources {
            self.add_subresource(prefix, ns_path, ns, s, &item_params, paths);
        }

        // The deprecated watch endpoints.
        if self.has("watch") {
            let watch_list = |id: String, description: String| {
                let mut w = self.op("get", description, id, "watchlist");
                w.params = list_params(true);
                w.response = WATCH_EVENT.to_string();
                w.produces = PRODUCES_WATCH;
                w
            };
            let mut params = ns_params.clone();
            params.push(pretty.clone());
            paths.insert(
                format!("{prefix}/watch{ns_path}/{}", r.name),
                PathItem {
                    params,
                    operations: vec![watch_list(
                        format!("watch{gv}{ns}{kind}List"),
                        format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead."),
                    )],
                },
            );
            let mut watch = watch_list(
                format!("watch{gv}{ns}{kind}"),
                format!(
                    "watch changes to an object of kind {kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter."
                ),
            );
            watch.action = Some("watch");
            paths.insert(
                format!("{prefix}/watch{ns_path}/{}/{{name}}", r.name),
                PathItem {
                    params: item_params.clone(),
                    operations: vec![watch],
                },
            );
            if r.namespaced {
                paths.insert(
                    format!("{prefix}/watch/{}", r.name),
                    PathItem {
                        params: vec![pretty.clone()],
                        operations: vec![watch_list(
                            format!("watch{gv}{kind}ListForAllNamespaces"),
                            format!("watch individual changes to a list of {kind}. deprecated: use the 'watch' parameter with a list operation instead."),
                        )],
                    },
                );
            }
        }
        if r.namespaced && self.has("list") {
            let mut list = self.op(
                "get",
                format!("list or watch objects of kind {kind}"),
                format!("list{gv}{kind}ForAllNamespaces"),
                "list",
            );
            list.params = list_params(true);
            list.response = self.list_schema.clone();
            list.produces = PRODUCES_WATCH;
            paths.insert(
                format!("{prefix}/{}", r.name),
                PathItem {
                    params: vec![pretty],
                    operations: vec![list],
                },
            );
        }
    }

    fn patch_op(&self, description: String, id: String) -> Operation {
        let mut patch = self.op("patch", description, id, "patch");
        patch.params = write_params(true);
        patch.body = Some(Body {
            media_types: PatchType::ALL.iter().map(|t| t.content_type()).collect(),
            schema: PATCH.to_string(),
        });
        patch.codes = OK_CREATED;
        patch
    }

    fn add_subresource(
        &self,
        prefix: &str,
        ns_path: &str,
        ns: &str,
        s: &ApiSubresource,
        item_params: &[Param],
        paths: &mut BTreeMap<String, PathItem>,
    ) {
        let (kind, gv, sub) = (self.r.kind, &self.gv, capitalize(s.name));
        let mut ops = Vec::new();
        if s.verbs.contains(&"get") {
            ops.push(self.op(
                "get",
                format!("read {} of the specified {kind}", s.name),
                format!("read{gv}{ns}{kind}{sub}"),
                "get",
            ));
        }
        if s.verbs.contains(&"update") {
            let mut put = self.op(
                "put",
                format!("replace {} of the specified {kind}", s.name),
                format!("replace{gv}{ns}{kind}{sub}"),
                "put",
            );
            put.params = write_params(false);
            put.body = Some(Body {
                media_types: vec!["*/*"],
                schema: self.kind_schema.clone(),
            });
            put.codes = OK_CREATED;
            ops.push(put);
        }
        if s.verbs.contains(&"patch") {
            ops.push(self.patch_op(
                format!("partially update {} of the specified {kind}", s.name),
                format!("patch{gv}{ns}{kind}{sub}"),
            ));
        }
        if !ops.is_empty() {
            paths.insert(
                format!("{prefix}{ns_path}/{}/{{name}}/{}", self.r.name, s.name),
                PathItem {
                    params: item_params.to_vec(),
                    operations: ops,
                },
            );
        }
    }
}

fn v3_param(p: &Param) -> Value {
    let mut v = json!({
        "description": p.description,
        "in": if p.location == In::Path { "path" } else { "query" },
        "name": p.name,
        "schema": {"type": p.ty, "uniqueItems": true},
    });
    if p.location == In::Path {
        v["required"] = json!(true);
    }
    v
}

fn v2_param(p: &Param) -> Value {
    let mut v = json!({
        "description": p.description,
        "in": if p.location == In::Path { "path" } else { "query" },
        "name": p.name,
        "type": p.ty,
        "uniqueItems": true,
    });
    if p.location == In::Path {
        v["required"] = json!(true);
    }
    v
}

fn common(op: &Operation, tag: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("description".into(), json!(op.description));
    m.insert("operationId".into(), json!(op.operation_id));
    m.insert("tags".into(), json!([tag]));
    if let Some(action) = op.action {
        m.insert("x-kubernetes-action".into(), json!(action));
    }
    if let Some(gvk) = &op.gvk {
        m.insert("x-kubernetes-group-version-kind".into(), gvk.clone());
    }
    m
}

/// The path item in OpenAPI v3 form.
pub fn to_v3(item: &PathItem, tag: &str) -> Value {
    let mut out = Map::new();
    if !item.params.is_empty() {
        out.insert(
            "parameters".into(),
            item.params.iter().map(v3_param).collect(),
        );
    }
    for op in &item.operations {
        let mut m = common(op, tag);
        if !op.params.is_empty() {
            m.insert(
                "parameters".into(),
                op.params.iter().map(v3_param).collect(),
            );
        }
        if let Some(body) = &op.body {
            let schema = json!({"$ref": format!("{}{}", schemas::REF_PREFIX_V3, body.schema)});
            let content: Map<String, Value> = body
                .media_types
                .iter()
                .map(|t| (t.to_string(), json!({"schema": schema})))
                .collect();
            m.insert(
                "requestBody".into(),
                json!({"content": content, "required": true}),
            );
        }
        let schema = json!({"$ref": format!("{}{}", schemas::REF_PREFIX_V3, op.response)});
        let responses: Map<String, Value> = op
            .codes
            .iter()
            .map(|(code, text)| {
                let body = if *code == "401" {
                    json!({"description": text})
                } else {
                    let content: Map<String, Value> = op
                        .produces
                        .iter()
                        .map(|t| (t.to_string(), json!({"schema": schema})))
                        .collect();
                    json!({"content": content, "description": text})
                };
                (code.to_string(), body)
            })
            .collect();
        m.insert("responses".into(), Value::Object(responses));
        out.insert(op.method.into(), Value::Object(m));
    }
    Value::Object(out)
}

/// The path item in OpenAPI v2 (swagger) form.
pub fn to_v2(item: &PathItem, tag: &str) -> Value {
    let mut out = Map::new();
    if !item.params.is_empty() {
        out.insert(
            "parameters".into(),
            item.params.iter().map(v2_param).collect(),
        );
    }
    for op in &item.operations {
        let mut m = common(op, tag);
        let mut params: Vec<Value> = Vec::new();
        if let Some(body) = &op.body {
            params.push(json!({
                "in": "body",
                "name": "body",
                "required": true,
                "schema": {"$ref": format!("{}{}", schemas::REF_PREFIX_V2, body.schema)},
            }));
            m.insert("consumes".into(), json!(body.media_types));
        } else {
            m.insert("consumes".into(), json!(["*/*"]));
        }
        params.extend(op.params.iter().map(v2_param));
        if !params.is_empty() {
            m.insert("parameters".into(), Value::Array(params));
        }
        m.insert("produces".into(), json!(op.produces));
        m.insert("schemes".into(), json!(["https"]));
        let schema = json!({"$ref": format!("{}{}", schemas::REF_PREFIX_V2, op.response)});
        let responses: Map<String, Value> = op
            .codes
            .iter()
            .map(|(code, text)| {
                let body = if *code == "401" {
                    json!({"description": text})
                } else {
                    json!({"description": text, "schema": schema})
                };
                (code.to_string(), body)
            })
            .collect();
        m.insert("responses".into(), Value::Object(responses));
        out.insert(op.method.into(), Value::Object(m));
    }
    Value::Object(out)
}

/// The operations' tag of a group version.
pub fn tag_of(group: &str, version: &str) -> String {
    tag(group, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_upstream() {
        assert_eq!(group_camel("certificates.k8s.io"), "Certificates");
        assert_eq!(
            group_camel("rbac.authorization.k8s.io"),
            "RbacAuthorization"
        );
        assert_eq!(group_camel(""), "Core");
        assert_eq!(
            tag("rbac.authorization.k8s.io", "v1"),
            "rbacAuthorization_v1"
        );
        assert_eq!(tag("certificates.k8s.io", "v1"), "certificates_v1");
        assert_eq!(article("Ingress"), "an");
        assert_eq!(article("CertificateSigningRequest"), "a");
    }
}
