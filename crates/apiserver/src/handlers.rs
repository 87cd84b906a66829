//! The REST handler for resource paths: it finds the registry, reads the query and body, calls
//! the registry operation for the verb and renders the response (object, list, table, watch
//! stream or Status).

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use signet_api::selectors::{FieldSelector, LabelSelector};

use crate::error::ApiError;
use crate::negotiate::{Representation, representation};
use crate::patch::PatchType;
use crate::registry::table::{IncludeObject, partial_metadata, table};
use crate::registry::{
    CreateParams, DeleteParams, Deleted, Endpoint, FieldValidation, ListParams, Registry,
    RequestContext, UpdateParams, WatchParams, meta_str,
};
use crate::server::{AppState, Caller, read_body};

type Query = HashMap<String, String>;

fn parse_query(q: Option<&str>) -> Query {
    form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn flag(q: &Query, k: &str) -> bool {
    q.get(k).is_some_and(|v| v == "true" || v == "1")
}

fn dry_run(q: &Query, options_kind: &'static str) -> Result<bool, ApiError> {
    match q.get("dryRun").map(String::as_str) {
        None | Some("") => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(crate::registry::options_invalid(
            options_kind,
            signet_api::field::FieldError::not_supported(
                "dryRun",
                signet_api::field::BadValue::StrList(vec![other.to_string()]),
                &["All"],
            ),
        )),
    }
}

fn json_response(code: StatusCode, body: &Value, warnings: &[String]) -> Response {
    let mut resp = (code, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for w in warnings {
        let text = format!("299 - \"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""));
        if let Ok(v) = HeaderValue::from_str(&text) {
            resp.headers_mut().append(header::WARNING, v);
        }
    }
    resp
}

fn table_response(body: &Value, v1beta1: bool) -> Response {
    let ct = if v1beta1 {
        "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
    } else {
        "application/json;as=Table;v=v1;g=meta.k8s.io"
    };
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

/// Entry point for `/api/v1/...` and `/apis/<group>/<version>/...`.
pub async fn resource(State(state): State<AppState>, req: Request) -> Response {
    match dispatch(state, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn dispatch(state: AppState, req: Request) -> Result<Response, ApiError> {
    let caller =
        req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            ApiError::internal("request reached a handler without authentication")
        })?;
    let info = caller.info.clone();
    if let Some(review) = crate::reviews::find(&info.api_group, &info.api_version, &info.resource) {
        if !info.name.is_empty() || !info.subresource.is_empty() {
            return Err(not_found_resource());
        }
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let method = req.method().clone();
        let body = read_body(req.into_body()).await?;
        let (code, obj) = crate::reviews::handle(
            &state,
            &caller,
            review,
            &method,
            &info.namespace,
            ct.as_deref(),
            &body,
        )
        .await?;
        return Ok(json_response(code, &obj, &[]));
    }
    let registry = state
        .registry(&info.api_group, &info.api_version, &info.resource)
        .cloned()
        .ok_or_else(not_found_resource)?;
    let ri = registry.info().clone();
    if !ri.namespaced && !info.namespace.is_empty() {
        return Err(not_found_resource());
    }
    let ep = match info.subresource.as_str() {
        "" => Endpoint::Main,
        s if ri.subresources.contains(&s) => Endpoint::Subresource(s),
        _ => return Err(not_found_resource()),
    };
    let q = parse_query(req.uri().query());
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let method = req.method().clone();
    let req_path_has_name =
        !crate::request_info::RequestInfo::parse(&method, req.uri().path(), None)
            .name
            .is_empty();
    let ctx = RequestContext {
        user: caller.user.clone(),
        now: state.clock.now(),
        authz: state.authz.clone(),
        authorization_reason: caller.authorization_reason.clone(),
    };
    let ns = info.namespace.clone();
    // The name in the path: for a list or watch selecting one object by name, `info.name`
    // carries that name for authorization, but the request is still a collection request.
    let name = if req_path_has_name {
        info.name.clone()
    } else {
        String::new()
    };
    let body = read_body(req.into_body()).await?;

    if name.is_empty() {
        return match method {
            Method::GET | Method::HEAD if info.verb == "watch" => {
                watch(&state, &registry, &ns, &q, accept.as_deref()).await
            }
            Method::GET | Method::HEAD => list(&state, &registry, &ns, &q, accept.as_deref()).await,
            Method::POST => {
                let obj = crate::registry::parse_body(&ri, content_type.as_deref(), &body)?;
                let params = CreateParams {
                    dry_run: dry_run(&q, "CreateOptions")?,
                    field_validation: FieldValidation::parse(
                        q.get("fieldValidation").map(String::as_str),
                        "CreateOptions",
                    )?,
                };
                let out = registry.create(&ctx, &ns, obj, &params).await?;
                Ok(json_response(
                    StatusCode::CREATED,
                    &out.object,
                    &out.warnings,
                ))
            }
            Method::DELETE => {
                let list = list_params(&registry, &q)?;
                let params = DeleteParams::from_body(&body, dry_run(&q, "DeleteOptions")?)?;
                let deleted = registry
                    .delete_collection(&ctx, &ns, &list, &params)
                    .await?;
                let items: Vec<Value> = deleted.into_iter().map(strip_type).collect();
                let rv = state.store.current_revision().await?;
                let body = json!({"kind": ri.list_kind, "apiVersion": ri.api_version(),
                    "metadata": {"resourceVersion": rv.to_string()}, "items": items});
                Ok(json_response(StatusCode::OK, &body, &[]))
            }
            _ => Err(method_not_allowed(&method, &info.path)),
        };
    }

    match (method.clone(), ep) {
        (Method::GET | Method::HEAD, _) if info.verb == "watch" => {
            let mut q = q;
            let selector = format!("metadata.name={name}");
            let fs = match q.get("fieldSelector").filter(|s| !s.is_empty()) {
                Some(existing) => format!("{existing},{selector}"),
                None => selector,
            };
            q.insert("fieldSelector".into(), fs);
            watch(&state, &registry, &ns, &q, accept.as_deref()).await
        }
        (Method::GET | Method::HEAD, _) => {
            let obj = registry.get(&ns, &name).await?;
            let rep = representation(accept.as_deref())?;
            match rep {
                Representation::Table { v1beta1 } if ep != Endpoint::Subresource("approval") => {
                    let include = IncludeObject::parse(q.get("includeObject").map(String::as_str))
                        .map_err(ApiError::bad_request)?;
                    let rv = meta_str(&obj, "resourceVersion").unwrap_or("").to_string();
                    let t = table(
                        registry.strategy.as_ref(),
                        &[obj],
                        json!({"resourceVersion": rv}),
                        include,
                        !flag(&q, "noHeaders"),
                        v1beta1,
                        state.clock.now(),
                    );
                    Ok(table_response(&t, v1beta1))
                }
                Representation::PartialObjectMetadata => {
                    Ok(json_response(StatusCode::OK, &partial_metadata(&obj), &[]))
                }
                _ => Ok(json_response(StatusCode::OK, &obj, &[])),
            }
        }
        (Method::PUT, _) => {
            let obj = crate::registry::parse_body(&ri, content_type.as_deref(), &body)?;
            let params = update_params(&q, "UpdateOptions")?;
            let out = registry.update(&ctx, &ns, &name, ep, obj, &params).await?;
            Ok(json_response(StatusCode::OK, &out.object, &out.warnings))
        }
        (Method::PATCH, _) => {
            let ct = content_type.unwrap_or_default();
            let pt = PatchType::from_content_type(&ct)
                .ok_or_else(crate::patch::unsupported_patch_type)?;
            let params = update_params(&q, "PatchOptions")?;
            let out = registry
                .patch(&ctx, &ns, &name, ep, pt, &body, &params)
                .await?;
            let code = if out.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(json_response(code, &out.object, &out.warnings))
        }
        (Method::DELETE, Endpoint::Main) => {
            let params = DeleteParams::from_body(&body, dry_run(&q, "DeleteOptions")?)?;
            match registry.delete(&ctx, &ns, &name, &params).await? {
                Deleted::Gone(obj) => {
                    let mut details = json!({"name": name, "group": ri.group, "kind": ri.resource});
                    if let Some(uid) = meta_str(&obj, "uid") {
                        details["uid"] = json!(uid);
                    }
                    let status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                        "status": "Success", "details": details});
                    Ok(json_response(StatusCode::OK, &status, &[]))
                }
                Deleted::Pending(obj) => Ok(json_response(StatusCode::OK, &obj, &[])),
            }
        }
        _ => Err(method_not_allowed(&method, &info.path)),
    }
}

fn not_found_resource() -> ApiError {
    let mut e = ApiError::not_found(crate::error::GroupResource::new("", ""), "");
    e.message = "the server could not find the requested resource".into();
    e.details = Some(json!({}));
    e
}

fn method_not_allowed(method: &Method, path: &str) -> ApiError {
    ApiError::method_not_allowed(format!("{method} is not supported on {path}"))
}

fn update_params(q: &Query, options_kind: &'static str) -> Result<UpdateParams, ApiError> {
    Ok(UpdateParams {
        dry_run: dry_run(q, options_kind)?,
        field_validation: FieldValidation::parse(
            q.get("fieldValidation").map(String::as_str),
            options_kind,
        )?,
        field_manager: q.get("fieldManager").cloned(),
        force: flag(q, "force"),
    })
}

fn list_params(registry: &Registry, q: &Query) -> Result<ListParams, ApiError> {
    let label_selector = match q.get("labelSelector").filter(|s| !s.is_empty()) {
        Some(s) => Some(LabelSelector::parse(s).map_err(ApiError::bad_request)?),
        None => None,
    };
    let field_selector = match q.get("fieldSelector").filter(|s| !s.is_empty()) {
        Some(s) => {
            let fs = FieldSelector::parse(s).map_err(ApiError::bad_request)?;
            registry.check_field_selector(&fs)?;
            Some(fs)
        }
        None => None,
    };
    let limit = match q.get("limit").filter(|s| !s.is_empty()) {
        Some(l) => Some(
            l.parse::<i64>()
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "limit: Invalid value: \"{l}\": must be a number"
                    ))
                })?
                .max(0) as usize,
        ),
        None => None,
    };
    Ok(ListParams {
        label_selector,
        field_selector,
        limit,
        continue_token: q.get("continue").filter(|s| !s.is_empty()).cloned(),
        resource_version: q.get("resourceVersion").cloned(),
        resource_version_match: q.get("resourceVersionMatch").cloned(),
    })
}

/// Items inside a list are not decorated with apiVersion/kind (upstream behaviour).
fn strip_type(mut o: Value) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
    }
    o
}

async fn list(
    state: &AppState,
    registry: &Registry,
    ns: &str,
    q: &Query,
    accept: Option<&str>,
) -> Result<Response, ApiError> {
    let rep = representation(accept)?;
    let params = list_params(registry, q)?;
    let page = registry.list(ns, &params).await?;
    let mut meta = json!({"resourceVersion": page.resource_version.to_string()});
    if let Some(c) = &page.continue_token {
        meta["continue"] = json!(c);
    }
    if let Some(r) = page.remaining {
        meta["remainingItemCount"] = json!(r);
    }
    let ri = registry.info();
    match rep {
        Representation::Table { v1beta1 } => {
            let include = IncludeObject::parse(q.get("includeObject").map(String::as_str))
                .map_err(ApiError::bad_request)?;
            let t = table(
                registry.strategy.as_ref(),
                &page.items,
                meta,
                include,
                !flag(q, "noHeaders"),
                v1beta1,
                state.clock.now(),
            );
            Ok(table_response(&t, v1beta1))
        }
        Representation::PartialObjectMetadata => {
            let items: Vec<Value> = page
                .items
                .iter()
                .map(|o| strip_type(partial_metadata(o)))
                .collect();
            let body = json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                "metadata": meta, "items": items});
            Ok(json_response(StatusCode::OK, &body, &[]))
        }
        Representation::Json => {
            let items: Vec<Value> = page.items.into_iter().map(strip_type).collect();
            let body = json!({"kind": ri.list_kind, "apiVersion": ri.api_version(), "metadata": meta, "items": items});
            Ok(json_response(StatusCode::OK, &body, &[]))
        }
    }
}

async fn watch(
    state: &AppState,
    registry: &Registry,
    ns: &str,
    q: &Query,
    accept: Option<&str>,
) -> Result<Response, ApiError> {
    let rep = representation(accept)?;
    let timeout = match q.get("timeoutSeconds").filter(|s| !s.is_empty()) {
        Some(t) => Some(Duration::from_secs(t.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("invalid timeoutSeconds: {t}"))
        })?)),
        None => None,
    };
    let send_initial_events = match q.get("sendInitialEvents").map(String::as_str) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid sendInitialEvents: {other}"
            )));
        }
    };
    let params = WatchParams {
        list: list_params(registry, q)?,
        allow_bookmarks: flag(q, "allowWatchBookmarks"),
        send_initial_events,
        timeout,
    };
    let events = registry.watch(ns, params, state.shutdown.clone()).await?;
    let strategy = registry.strategy.clone();
    let clock = state.clock.clone();
    let include = IncludeObject::parse(q.get("includeObject").map(String::as_str))
        .map_err(ApiError::bad_request)?;
    let mut first = true;
    let lines = events.map(move |ev| {
        let object = match rep {
            Representation::Table { v1beta1 } if ev.kind != "ERROR" && ev.kind != "BOOKMARK" => {
                let rv = meta_str(&ev.object, "resourceVersion")
                    .unwrap_or("")
                    .to_string();
                let t = table(
                    strategy.as_ref(),
                    std::slice::from_ref(&ev.object),
                    json!({"resourceVersion": rv}),
                    include,
                    first,
                    v1beta1,
                    clock.now(),
                );
                first = false;
                t
            }
            Representation::PartialObjectMetadata if ev.kind != "ERROR" => {
                partial_metadata(&ev.object)
            }
            _ => ev.object,
        };
        let mut line = json!({"type": ev.kind, "object": object}).to_string();
        line.push('\n');
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from(line))
    });
    let mut resp = Response::new(Body::from_stream(lines));
    let ct = match rep {
        Representation::Table { v1beta1: false } => "application/json;as=Table;v=v1;g=meta.k8s.io",
        Representation::Table { v1beta1: true } => {
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io"
        }
        _ => "application/json",
    };
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}
