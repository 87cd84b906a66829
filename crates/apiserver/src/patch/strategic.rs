//! Strategic merge patch (`application/strategic-merge-patch+json`), server side, as apimachinery's
//! `strategicpatch.StrategicMergeMapPatch` applies it.
//!
//! Objects merge recursively and `null` deletes a member. Lists are replaced unless the field has
//! a merge strategy in the [`PatchSchema`]: lists of scalars then merge as sets, lists of objects
//! merge element by element on their merge key. The directives kubectl sends are honoured:
//! `$patch: replace|delete` (and the `merge` upstream rejects), `$retainKeys`,
//! `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`.
//!
//! Upstream reads strategies from Go struct tags; Signet's types carry none except in `ObjectMeta`,
//! so a small table of field paths replaces them. Errors keep upstream's texts and classes: the
//! malformed-directive errors are 400, lists of lists 422, everything else a reason-less 500.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::PatchError;
use super::gojson::{self, go_map, go_s, go_type, go_value};

/// Patch strategy of one field (upstream's `patchStrategy`/`patchMergeKey` tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldStrategy {
    /// `patchStrategy:"merge"`: a list merged as a set of scalars (`key: None`) or as objects
    /// identified by the `key` member.
    Merge { key: Option<&'static str> },
    /// `patchStrategy:"replace"` on an object field: the patch value replaces it whole.
    Replace,
}

/// Where the patch strategies of a kind's fields are declared, by dotted JSON path from the object
/// root (list elements add no segment: `metadata.ownerReferences.uid`). Fields not listed use the
/// defaults: objects merge, lists are replaced (so RBAC `subjects` and `rules`, and CSR
/// `status.conditions`, need no entry).
#[derive(Clone, Copy, Debug)]
pub struct PatchSchema {
    pub fields: &'static [(&'static str, FieldStrategy)],
}

impl PatchSchema {
    /// The strategies every Kubernetes object has, from `ObjectMeta`'s tags.
    pub const OBJECT_META: PatchSchema = PatchSchema {
        fields: &[
            ("metadata.finalizers", FieldStrategy::Merge { key: None }),
            (
                "metadata.ownerReferences",
                FieldStrategy::Merge { key: Some("uid") },
            ),
        ],
    };

    fn strategy(&self, path: &str) -> Option<FieldStrategy> {
        self.fields
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, s)| *s)
    }
}

impl Default for PatchSchema {
    fn default() -> Self {
        PatchSchema::OBJECT_META
    }
}

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER: &str = "$setElementOrder";

/// Deeper than any patch serde_json will parse; guards against callers passing deep originals.
const MAX_DEPTH: usize = 256;

// Upstream's sentinel errors (apimachinery `mergepatch`), with their HTTP classes.
fn bad_primitive_list() -> PatchError {
    PatchError::BadRequest("invalid patch format of primitive list".to_string())
}
fn bad_retain_keys() -> PatchError {
    PatchError::BadRequest("invalid patch format of retainKeys".to_string())
}
fn bad_set_element_order() -> PatchError {
    PatchError::BadRequest("invalid patch format of setElementOrder list".to_string())
}
fn no_list_of_lists() -> PatchError {
    PatchError::NotApplicable {
        cause: "lists of lists are not supported".to_string(),
    }
}
fn no_merge_key(m: &Map<String, Value>, key: &str) -> PatchError {
    PatchError::Internal(format!(
        "map: {} does not contain declared merge key: {key}",
        go_map(m)
    ))
}
fn bad_arg_type(expected: &str, actual: &Value) -> PatchError {
    let actual = if actual.is_null() {
        "%!s(<nil>)"
    } else {
        go_type(actual)
    };
    PatchError::Internal(format!("expected a {expected}, but received a {actual}"))
}
fn bad_patch_type(t: &Value, m: &Map<String, Value>) -> PatchError {
    PatchError::Internal(format!(
        "unknown patch type: {} in map: {}",
        go_s(t),
        go_map(m)
    ))
}
fn too_deep() -> PatchError {
    PatchError::BadRequest(format!("patch nesting exceeds {MAX_DEPTH} levels"))
}

const GO_MAP: &str = "map[string]interface {}";
const GO_SLICE: &str = "[]interface {}";

/// Applies a strategic merge patch to `original`.
pub fn apply(original: &Value, patch: &[u8], schema: &PatchSchema) -> Result<Value, PatchError> {
    let patch = match gojson::parse(patch).map_err(PatchError::BadRequest)? {
        // `null` decodes to a nil map: nothing to merge.
        Value::Null => return Ok(original.clone()),
        Value::Object(m) => m,
        other => {
            return Err(PatchError::BadRequest(gojson::unmarshal_type_error(
                &other, GO_MAP,
            )));
        }
    };
    let original = match original {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    let merger = Merger { schema };
    merger.merge_map(original, patch, "", 0).map(Value::Object)
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `extractKey`: the field a `$prefix/field` directive key names.
fn extract_key<'a>(
    key: &'a str,
    prefix: &str,
    err: fn() -> PatchError,
) -> Result<&'a str, PatchError> {
    match key.split_once('/') {
        Some((p, rest)) if p == prefix => Ok(rest),
        _ => Err(err()),
    }
}

/// The Go dynamic type of a decoded value, which decides whether two values merge or replace.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GoKind {
    Map,
    Slice,
    String,
    Int,
    Float,
    Bool,
    Nil,
}

fn kind_of(v: &Value) -> GoKind {
    match v {
        Value::Object(_) => GoKind::Map,
        Value::Array(_) => GoKind::Slice,
        Value::String(_) => GoKind::String,
        Value::Number(n) if n.is_i64() => GoKind::Int,
        Value::Number(_) => GoKind::Float,
        Value::Bool(_) => GoKind::Bool,
        Value::Null => GoKind::Nil,
    }
}

/// Go's `==` on interface values holding scalars (and `nil`).
fn go_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None | Some(Value::Null), None | Some(Value::Null)) => true,
        (Some(a), Some(b)) => kind_of(a) == kind_of(b) && a == b,
        _ => false,
    }
}

/// `sliceElementType`: the one element type of the given lists.
fn slice_element_type(lists: &[&[Value]]) -> Result<GoKind, PatchError> {
    let mut prev: Option<GoKind> = None;
    for list in lists {
        for v in *list {
            let k = kind_of(v);
            match prev {
                None => {
                    if k == GoKind::Slice {
                        return Err(no_list_of_lists());
                    }
                    if k == GoKind::Nil {
                        return Err(PatchError::Internal(
                            "list element types are not identical: nil element".to_string(),
                        ));
                    }
                    prev = Some(k);
                }
                Some(p) if p != k => {
                    let rendered: Vec<String> = lists
                        .iter()
                        .map(|l| go_value(&Value::Array(l.to_vec())))
                        .collect();
                    return Err(PatchError::Internal(format!(
                        "list element types are not identical: [{}]",
                        rendered.join(" ")
                    )));
                }
                Some(_) => {}
            }
        }
    }
    prev.ok_or_else(|| PatchError::Internal("no elements in any of the given slices".to_string()))
}

struct Merger<'s> {
    schema: &'s PatchSchema,
}

impl Merger<'_> {
    /// `mergeMap`.
    fn merge_map(
        &self,
        mut original: Map<String, Value>,
        mut patch: Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<Map<String, Value>, PatchError> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        if let Some(directive) = patch.get(DIRECTIVE) {
            return match directive.as_str() {
                Some("replace") => {
                    patch.remove(DIRECTIVE);
                    Ok(patch)
                }
                Some("delete") => Ok(Map::new()),
                _ => Err(bad_patch_type(directive, &patch)),
            };
        }
        apply_retain_keys(&mut original, &mut patch)?;
        self.merge_set_element_order(&mut original, &mut patch, path, depth)?;

        // Go visits the patch in random order; plain fields go first here so that a
        // `$deleteFromPrimitiveList` applies to the list after its additions.
        let (deletions, fields): (Vec<_>, Vec<_>) = patch
            .into_iter()
            .partition(|(k, _)| k.starts_with(DELETE_FROM_PRIMITIVE_LIST));
        for (k, patch_v) in fields.into_iter().chain(deletions) {
            let (key, is_delete_list) = if k.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
                (
                    extract_key(&k, DELETE_FROM_PRIMITIVE_LIST, bad_primitive_list)?.to_string(),
                    true,
                )
            } else {
                (k, false)
            };
            if patch_v.is_null() {
                original.remove(&key);
                continue;
            }
            let Some(orig_v) = original.remove(&key) else {
                original.insert(key, patch_v);
                continue;
            };
            let field_path = child_path(path, &key);
            let strategy = self.schema.strategy(&field_path);
            let merged = match (orig_v, patch_v) {
                (Value::Object(o), Value::Object(p)) => {
                    if strategy == Some(FieldStrategy::Replace) {
                        Value::Object(p)
                    } else {
                        Value::Object(self.merge_map(o, p, &field_path, depth + 1)?)
                    }
                }
                (Value::Array(o), Value::Array(p)) => Value::Array(self.merge_slice_handler(
                    o,
                    p,
                    strategy,
                    is_delete_list,
                    &field_path,
                    depth,
                )?),
                (_, p) => p,
            };
            original.insert(key, merged);
        }
        Ok(original)
    }

    /// `mergeSliceHandler`: merge when the field's strategy says so, else the patch list wins.
    fn merge_slice_handler(
        &self,
        original: Vec<Value>,
        patch: Vec<Value>,
        strategy: Option<FieldStrategy>,
        is_delete_list: bool,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        match strategy {
            Some(FieldStrategy::Merge { key }) => self.merge_slice(
                original,
                patch,
                key.unwrap_or(""),
                is_delete_list,
                path,
                depth,
            ),
            _ => Ok(patch),
        }
    }

    /// `mergeSlice`.
    fn merge_slice(
        &self,
        original: Vec<Value>,
        patch: Vec<Value>,
        merge_key: &str,
        is_delete_list: bool,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        if original.is_empty() && patch.is_empty() {
            return Ok(original);
        }
        let kind = slice_element_type(&[&original, &patch])?;
        if kind != GoKind::Map {
            if is_delete_list {
                return Ok(original
                    .into_iter()
                    .filter(|v| !patch.iter().any(|d| go_eq(Some(v), Some(d))))
                    .collect());
            }
            let mut both = original.clone();
            both.extend(patch.iter().cloned());
            let merged = deduplicate_scalars(both);
            let (patch_items, server_only) = partition_primitives(merged, &patch);
            return normalize_element_order(patch_items, server_only, &patch, &original, "", kind);
        }
        if merge_key.is_empty() {
            return Err(PatchError::Internal(
                "cannot merge lists without merge key for type struct".to_string(),
            ));
        }
        let (original, patch) = merge_slice_with_special_elements(original, patch, merge_key)?;
        let merged = self.merge_slice_without_special_elements(
            original.clone(),
            &patch,
            merge_key,
            path,
            depth,
        )?;
        let (patch_items, server_only) = partition_maps(merged, &patch, merge_key)?;
        normalize_element_order(patch_items, server_only, &patch, &original, merge_key, kind)
    }

    /// `mergeSliceWithoutSpecialElements`: merge each patch element into its match, or append it.
    fn merge_slice_without_special_elements(
        &self,
        mut original: Vec<Value>,
        patch: &[Value],
        merge_key: &str,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Value>, PatchError> {
        for v in patch {
            let Value::Object(pm) = v else {
                return Err(bad_arg_type(GO_MAP, v));
            };
            let Some(merge_value) = pm.get(merge_key) else {
                return Err(no_merge_key(pm, merge_key));
            };
            match find_map_by_key(&original, merge_key, merge_value)? {
                Some(i) => {
                    let Value::Object(om) = std::mem::take(&mut original[i]) else {
                        return Err(bad_arg_type(GO_MAP, &original[i]));
                    };
                    original[i] = Value::Object(self.merge_map(om, pm.clone(), path, depth + 1)?);
                }
                None => original.push(v.clone()),
            }
        }
        Ok(original)
    }

    /// `mergePatchIntoOriginal`: lists named by `$setElementOrder/<field>` are merged here and put
    /// in the order the directive gives (patch items), keeping server-only items where they were.
    fn merge_set_element_order(
        &self,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<(), PatchError> {
        let directives: Vec<String> = patch
            .keys()
            .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
            .cloned()
            .collect();
        for directive_key in directives {
            let Some(order) = patch.remove(&directive_key) else {
                continue;
            };
            let Value::Array(order) = order else {
                return Err(bad_arg_type(GO_SLICE, &order));
            };
            let field =
                extract_key(&directive_key, SET_ELEMENT_ORDER, bad_set_element_order)?.to_string();
            let original_list = match original.get(&field) {
                Some(Value::Array(a)) => Some(a.clone()),
                Some(other) => return Err(bad_arg_type(GO_SLICE, other)),
                None => None,
            };
            let patch_list = match patch.get(&field) {
                Some(Value::Array(a)) => Some(a.clone()),
                Some(other) => return Err(bad_arg_type(GO_SLICE, other)),
                None => None,
            };
            let field_path = child_path(path, &field);
            let strategy = self.schema.strategy(&field_path);
            let merge_key = match strategy {
                Some(FieldStrategy::Merge { key: Some(k) }) => k,
                _ => "",
            };
            validate_patch_with_set_order_list(
                patch_list.as_deref().unwrap_or(&[]),
                &order,
                merge_key,
            )?;
            let merged = match (&original_list, &patch_list) {
                (Some(o), None) => o.clone(),
                (None, Some(p)) => p.clone(),
                (Some(o), Some(p)) => self.merge_slice_handler(
                    o.clone(),
                    p.clone(),
                    strategy,
                    false,
                    &field_path,
                    depth,
                )?,
                (None, None) => continue,
            };
            let (patch_items, server_only) = if merge_key.is_empty() {
                partition_primitives(merged, &order)
            } else {
                partition_maps(merged, &order, merge_key)?
            };
            let original_values = original_list.unwrap_or_default();
            let kind =
                slice_element_type(&[&original_values, patch_list.as_deref().unwrap_or(&[])])?;
            let both = normalize_element_order(
                patch_items,
                server_only,
                &order,
                &original_values,
                merge_key,
                kind,
            )?;
            original.insert(field.clone(), Value::Array(both));
            patch.remove(&field);
        }
        Ok(())
    }
}

/// `applyRetainKeysDirective`: drop the members of `original` the directive does not list, after
/// checking that the patch sets nothing outside it.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
) -> Result<(), PatchError> {
    let Some(retain) = patch.remove(RETAIN_KEYS) else {
        return Ok(());
    };
    let Value::Array(retain) = retain else {
        return Err(bad_retain_keys());
    };
    let keep = |k: &str| retain.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST)
            || k.starts_with(SET_ELEMENT_ORDER)
        {
            continue;
        }
        if !keep(k) {
            return Err(bad_retain_keys());
        }
    }
    original.retain(|k, _| keep(k));
    Ok(())
}

/// `validatePatchWithSetOrderList`: the patch list must follow the directive's relative order.
fn validate_patch_with_set_order_list(
    patch: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<(), PatchError> {
    if order.is_empty() || patch.is_empty() {
        return Ok(());
    }
    let non_delete: Vec<Value> = if merge_key.is_empty() {
        patch.to_vec()
    } else {
        extract_to_delete_items(patch.to_vec())?.0
    };
    let (mut pi, mut oi) = (0, 0);
    while pi < non_delete.len() && oi < order.len() {
        if is_directive_element(&non_delete[pi]) {
            pi += 1;
            continue;
        }
        if merge_key_value_equal(&non_delete[pi], &order[oi], merge_key)? {
            pi += 1;
        }
        oi += 1;
    }
    if pi < non_delete.len() && oi >= order.len() {
        return Err(PatchError::Internal(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER} list:\n{}\n",
            go_value(&Value::Array(patch.to_vec())),
            go_value(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn is_directive_element(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.contains_key(DIRECTIVE))
}

/// `mergeKeyValueEqual`.
fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool, PatchError> {
    if merge_key.is_empty() {
        return Ok(go_eq(Some(left), Some(right)));
    }
    let Value::Object(l) = left else {
        return Err(bad_arg_type(GO_MAP, left));
    };
    let Value::Object(r) = right else {
        return Err(bad_arg_type(GO_MAP, right));
    };
    let lv = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rv = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    Ok(go_eq(Some(lv), Some(rv)))
}

/// `mergeSliceWithSpecialElements`: apply `$patch: delete` elements to `original`; a
/// `$patch: replace` element makes the rest of the patch the whole list.
fn merge_slice_with_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut plain = Vec::new();
    let mut replace = false;
    for v in patch {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type(GO_MAP, &v));
        };
        let Some(directive) = m.get(DIRECTIVE) else {
            plain.push(v);
            continue;
        };
        match directive.as_str() {
            Some("delete") => {
                let Some(merge_value) = m.get(merge_key) else {
                    return Err(no_merge_key(m, merge_key));
                };
                while let Some(i) = find_map_by_key(&original, merge_key, merge_value)? {
                    original.remove(i);
                }
            }
            Some("replace") => replace = true,
            Some("merge") => {
                return Err(PatchError::Internal(
                    "merging lists cannot yet be specified in the patch".to_string(),
                ));
            }
            _ => return Err(bad_patch_type(directive, m)),
        }
    }
    if replace {
        Ok((plain, Vec::new()))
    } else {
        Ok((original, plain))
    }
}

/// `findMapInSliceBasedOnKeyValue`: the index of the element whose merge key equals `value`.
fn find_map_by_key(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>, PatchError> {
    for (i, v) in list.iter().enumerate() {
        let Value::Object(m) = v else {
            return Err(PatchError::Internal(format!(
                "value for key {i} is not a map."
            )));
        };
        if m.get(key).is_some_and(|mv| go_eq(Some(mv), Some(value))) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// `deduplicateScalars`, including the order its swap-with-last removal leaves behind.
fn deduplicate_scalars(mut s: Vec<Value>) -> Vec<Value> {
    let mut length = s.len();
    let mut i = 0;
    while i + 1 < length {
        let mut j = i + 1;
        while j < length {
            if go_eq(Some(&s[i]), Some(&s[j])) {
                s.swap(j, length - 1);
                length -= 1;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    s.truncate(length);
    s
}

/// Items of `merged` present in `by`, and the others (server-only), each in `merged`'s order.
fn partition_primitives(merged: Vec<Value>, by: &[Value]) -> (Vec<Value>, Vec<Value>) {
    merged
        .into_iter()
        .partition(|v| by.iter().any(|b| go_eq(Some(v), Some(b))))
}

fn partition_maps(
    merged: Vec<Value>,
    by: &[Value],
    key: &str,
) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut in_patch = Vec::new();
    let mut server_only = Vec::new();
    for v in merged {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type(GO_MAP, &v));
        };
        let Some(mv) = m.get(key) else {
            return Err(no_merge_key(m, key));
        };
        if find_map_by_key(by, key, mv)?.is_some() {
            in_patch.push(v)
        } else {
            server_only.push(v)
        }
    }
    Ok((in_patch, server_only))
}

/// `extractToDeleteItems`: elements without and with `$patch: delete`.
fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>), PatchError> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for v in list {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type(GO_MAP, &v));
        };
        if m.get(DIRECTIVE).and_then(Value::as_str) == Some("delete") {
            delete.push(v)
        } else {
            keep.push(v)
        }
    }
    Ok((keep, delete))
}

/// `index`: position of `item` in `list`, comparing merge key values for maps.
fn index_of(list: &[Value], item: &Value, key: &str, kind: GoKind) -> Option<usize> {
    let val = |v: &Value| -> Option<Value> {
        if kind == GoKind::Map {
            v.as_object().and_then(|m| m.get(key)).cloned()
        } else {
            Some(v.clone())
        }
    };
    let want = val(item);
    list.iter()
        .position(|v| go_eq(val(v).as_ref(), want.as_ref()))
}

/// `normalizeSliceOrder`: stable sort by position in `order`; delete directives go last.
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    key: &str,
    kind: GoKind,
) -> Result<Vec<Value>, PatchError> {
    let (mut to_sort, to_delete) = if kind == GoKind::Map {
        for v in to_sort.iter().chain(order) {
            let Value::Object(m) = v else {
                return Err(bad_arg_type(GO_MAP, v));
            };
            if !m.contains_key(key) {
                return Err(no_merge_key(m, key));
            }
        }
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    to_sort.sort_by(
        |a, b| match (index_of(order, a, key, kind), index_of(order, b, key, kind)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        },
    );
    to_sort.extend(to_delete);
    Ok(to_sort)
}

/// `normalizeElementOrder`: sort patch items by the patch order and server-only items by the
/// server order, then interleave them (`mergeSortedSlice`).
fn normalize_element_order(
    patch_items: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    key: &str,
    kind: GoKind,
) -> Result<Vec<Value>, PatchError> {
    let right = normalize_slice_order(patch_items, patch_order, key, kind)?;
    let left = normalize_slice_order(server_only, server_order, key, kind)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => {
                match (
                    index_of(server_order, l, key, kind),
                    index_of(server_order, r, key, kind),
                ) {
                    (Some(li), Some(ri)) => li < ri,
                    _ => false,
                }
            }
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    Ok(out)
}
