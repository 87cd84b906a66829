//! The OpenAPI v2 document as the protobuf message `openapi.v2.Document` of
//! `google/gnostic` (`openapiv2/OpenAPIv2.proto`).
//!
//! client-go's `DiscoveryClient.OpenAPISchema` asks `/openapi/v2` for
//! `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` and unmarshals the answer as that
//! message without looking at the content type, so kubectl 1.24 (validation, `explain`) and newer
//! kubectl falling back from v3 need the protobuf form. Only the parts of swagger 2.0 that the
//! documents use are encoded; vendor extensions and `default`/`example`/`enum` values travel as
//! YAML text (JSON is YAML), as gnostic stores them.

use serde_json::{Map, Value};

/// A protobuf message being written.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn tag(&mut self, field: u32, wire: u8) {
        self.varint(u64::from(field) << 3 | u64::from(wire));
    }

    fn bytes(&mut self, field: u32, b: &[u8]) {
        self.tag(field, 2);
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    /// A string field; proto3 omits empty ones.
    fn string(&mut self, field: u32, s: &str) {
        if !s.is_empty() {
            self.bytes(field, s.as_bytes());
        }
    }

    fn message(&mut self, field: u32, m: Msg) {
        self.bytes(field, &m.0);
    }

    fn bool(&mut self, field: u32, b: bool) {
        if b {
            self.tag(field, 0);
            self.varint(1);
        }
    }

    fn int64(&mut self, field: u32, v: i64) {
        if v != 0 {
            self.tag(field, 0);
            self.varint(v as u64);
        }
    }

    fn double(&mut self, field: u32, v: f64) {
        if v != 0.0 {
            self.tag(field, 1);
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// `string` member `key` of `obj`, if any.
    fn str_of(&mut self, field: u32, obj: &Map<String, Value>, key: &str) {
        if let Some(s) = obj.get(key).and_then(Value::as_str) {
            self.string(field, s);
        }
    }

    fn strings_of(&mut self, field: u32, obj: &Map<String, Value>, key: &str) {
        for s in obj
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            self.bytes(field, s.as_bytes());
        }
    }

    fn bool_of(&mut self, field: u32, obj: &Map<String, Value>, key: &str) {
        self.bool(
            field,
            obj.get(key).and_then(Value::as_bool).unwrap_or(false),
        );
    }

    fn int_of(&mut self, field: u32, obj: &Map<String, Value>, key: &str) {
        if let Some(v) = obj.get(key).and_then(Value::as_i64) {
            self.int64(field, v);
        }
    }

    fn double_of(&mut self, field: u32, obj: &Map<String, Value>, key: &str) {
        if let Some(v) = obj.get(key).and_then(Value::as_f64) {
            self.double(field, v);
        }
    }
}

/// gnostic's `Any`: the value as YAML text.
fn any(v: &Value) -> Msg {
    let mut m = Msg::default();
    m.string(2, &v.to_string());
    m
}

/// `NamedAny` entries for the `x-` members of `obj`.
fn vendor_extensions(m: &mut Msg, field: u32, obj: &Map<String, Value>) {
    for (k, v) in obj.iter().filter(|(k, _)| k.starts_with("x-")) {
        let mut named = Msg::default();
        named.string(1, k);
        named.message(2, any(v));
        m.message(field, named);
    }
}

/// Encodes a swagger 2.0 document.
pub fn encode_document(doc: &Value) -> Vec<u8> {
    let empty = Map::new();
    let d = doc.as_object().unwrap_or(&empty);
    let mut m = Msg::default();
    m.str_of(1, d, "swagger");
    if let Some(info) = d.get("info").and_then(Value::as_object) {
        let mut i = Msg::default();
        i.str_of(1, info, "title");
        i.str_of(2, info, "version");
        i.str_of(3, info, "description");
        m.message(2, i);
    }
    if let Some(paths) = d.get("paths").and_then(Value::as_object) {
        let mut p = Msg::default();
        for (name, item) in paths {
            let mut named = Msg::default();
            named.string(1, name);
            named.message(2, path_item(item.as_object().unwrap_or(&empty)));
            p.message(2, named);
        }
        m.message(8, p);
    }
    if let Some(defs) = d.get("definitions").and_then(Value::as_object) {
        let mut p = Msg::default();
        for (name, schema) in defs {
            let mut named = Msg::default();
            named.string(1, name);
            named.message(2, encode_schema(schema));
            p.message(1, named);
        }
        m.message(9, p);
    }
    for requirement in d
        .get("security")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut req = Msg::default();
        for (name, scopes) in requirement.as_object().unwrap_or(&empty) {
            let mut arr = Msg::default();
            for s in scopes
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                arr.bytes(1, s.as_bytes());
            }
            let mut named = Msg::default();
            named.string(1, name);
            named.message(2, arr);
            req.message(1, named);
        }
        m.message(12, req);
    }
    if let Some(defs) = d.get("securityDefinitions").and_then(Value::as_object) {
        let mut sd = Msg::default();
        for (name, def) in defs {
            let def = def.as_object().unwrap_or(&empty);
            // Only API-key schemes (the bearer token) are published.
            let mut key = Msg::default();
            key.str_of(1, def, "type");
            key.str_of(2, def, "name");
            key.str_of(3, def, "in");
            key.str_of(4, def, "description");
            let mut item = Msg::default();
            item.message(2, key);
            let mut named = Msg::default();
            named.string(1, name);
            named.message(2, item);
            sd.message(1, named);
        }
        m.message(13, sd);
    }
    vendor_extensions(&mut m, 16, d);
    m.0
}

fn path_item(item: &Map<String, Value>) -> Msg {
    let mut m = Msg::default();
    m.str_of(1, item, "$ref");
    for (field, method) in [
        (2, "get"),
        (3, "put"),
        (4, "post"),
        (5, "delete"),
        (6, "options"),
        (7, "head"),
        (8, "patch"),
    ] {
        if let Some(op) = item.get(method).and_then(Value::as_object) {
            m.message(field, operation(op));
        }
    }
    for p in item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        m.message(9, parameters_item(p));
    }
    vendor_extensions(&mut m, 10, item);
    m
}

fn operation(op: &Map<String, Value>) -> Msg {
    let mut m = Msg::default();
    m.strings_of(1, op, "tags");
    m.str_of(2, op, "summary");
    m.str_of(3, op, "description");
    m.str_of(5, op, "operationId");
    m.strings_of(6, op, "produces");
    m.strings_of(7, op, "consumes");
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        m.message(8, parameters_item(p));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let mut r = Msg::default();
        for (code, resp) in responses {
            let empty = Map::new();
            let resp = resp.as_object().unwrap_or(&empty);
            let mut body = Msg::default();
            body.str_of(1, resp, "description");
            if let Some(schema) = resp.get("schema") {
                let mut item = Msg::default();
                item.message(1, encode_schema(schema));
                body.message(2, item);
            }
            let mut value = Msg::default();
            value.message(1, body);
            let mut named = Msg::default();
            named.string(1, code);
            named.message(2, value);
            r.message(1, named);
        }
        m.message(9, r);
    }
    m.strings_of(10, op, "schemes");
    m.bool_of(11, op, "deprecated");
    vendor_extensions(&mut m, 13, op);
    m
}

/// `ParametersItem`: a `$ref` to a shared parameter or an inline body or non-body parameter.
fn parameters_item(p: &Value) -> Msg {
    let empty = Map::new();
    let p = p.as_object().unwrap_or(&empty);
    let mut item = Msg::default();
    if let Some(r) = p.get("$ref").and_then(Value::as_str) {
        let mut reference = Msg::default();
        reference.string(1, r);
        item.message(2, reference);
        return item;
    }
    let mut parameter = Msg::default();
    if p.get("in").and_then(Value::as_str) == Some("body") {
        let mut body = Msg::default();
        body.str_of(1, p, "description");
        body.str_of(2, p, "name");
        body.str_of(3, p, "in");
        body.bool_of(4, p, "required");
        if let Some(schema) = p.get("schema") {
            body.message(5, encode_schema(schema));
        }
        vendor_extensions(&mut body, 6, p);
        parameter.message(1, body);
    } else {
        let mut non_body = Msg::default();
        match p.get("in").and_then(Value::as_str) {
            Some("query") => non_body.message(3, query_parameter(p)),
            Some("path") => non_body.message(4, path_or_header_parameter(p)),
            Some("header") => non_body.message(1, path_or_header_parameter(p)),
            _ => {}
        }
        parameter.message(2, non_body);
    }
    item.message(1, parameter);
    item
}

/// `QueryParameterSubSchema` (and `FormDataParameterSubSchema`, which numbers alike).
fn query_parameter(p: &Map<String, Value>) -> Msg {
    let mut m = Msg::default();
    m.bool_of(1, p, "required");
    m.str_of(2, p, "in");
    m.str_of(3, p, "description");
    m.str_of(4, p, "name");
    m.bool_of(5, p, "allowEmptyValue");
    m.str_of(6, p, "type");
    m.str_of(7, p, "format");
    if let Some(d) = p.get("default") {
        m.message(10, any(d));
    }
    m.bool_of(20, p, "uniqueItems");
    vendor_extensions(&mut m, 23, p);
    m
}

/// `PathParameterSubSchema` and `HeaderParameterSubSchema`, which number their fields alike.
fn path_or_header_parameter(p: &Map<String, Value>) -> Msg {
    let mut m = Msg::default();
    m.bool_of(1, p, "required");
    m.str_of(2, p, "in");
    m.str_of(3, p, "description");
    m.str_of(4, p, "name");
    m.str_of(5, p, "type");
    m.str_of(6, p, "format");
    if let Some(d) = p.get("default") {
        m.message(9, any(d));
    }
    m.bool_of(19, p, "uniqueItems");
    vendor_extensions(&mut m, 22, p);
    m
}

/// gnostic's `Schema`. Recursion follows the embedded schemas, which are shallow.
fn encode_schema(schema: &Value) -> Msg {
    let empty = Map::new();
    let s = schema.as_object().unwrap_or(&empty);
    let mut m = Msg::default();
    m.str_of(1, s, "$ref");
    m.str_of(2, s, "format");
    m.str_of(3, s, "title");
    m.str_of(4, s, "description");
    if let Some(d) = s.get("default") {
        m.message(5, any(d));
    }
    m.double_of(6, s, "multipleOf");
    m.double_of(7, s, "maximum");
    m.bool_of(8, s, "exclusiveMaximum");
    m.double_of(9, s, "minimum");
    m.bool_of(10, s, "exclusiveMinimum");
    m.int_of(11, s, "maxLength");
    m.int_of(12, s, "minLength");
    m.str_of(13, s, "pattern");
    m.int_of(14, s, "maxItems");
    m.int_of(15, s, "minItems");
    m.bool_of(16, s, "uniqueItems");
    m.int_of(17, s, "maxProperties");
    m.int_of(18, s, "minProperties");
    m.strings_of(19, s, "required");
    for e in s
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        m.message(20, any(e));
    }
    match s.get("additionalProperties") {
        Some(Value::Bool(b)) => {
            let mut item = Msg::default();
            item.tag(2, 0);
            item.varint(u64::from(*b));
            m.message(21, item);
        }
        Some(schema @ Value::Object(_)) => {
            let mut item = Msg::default();
            item.message(1, encode_schema(schema));
            m.message(21, item);
        }
        _ => {}
    }
    match s.get("type") {
        Some(Value::String(t)) => {
            let mut item = Msg::default();
            item.string(1, t);
            m.message(22, item);
        }
        Some(Value::Array(types)) => {
            let mut item = Msg::default();
            for t in types.iter().filter_map(Value::as_str) {
                item.bytes(1, t.as_bytes());
            }
            m.message(22, item);
        }
        _ => {}
    }
    match s.get("items") {
        Some(Value::Array(items)) => {
            let mut item = Msg::default();
            for i in items {
                item.message(1, encode_schema(i));
            }
            m.message(23, item);
        }
        Some(single @ Value::Object(_)) => {
            let mut item = Msg::default();
            item.message(1, encode_schema(single));
            m.message(23, item);
        }
        _ => {}
    }
    for a in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        m.message(24, encode_schema(a));
    }
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        let mut p = Msg::default();
        for (name, prop) in props {
            let mut named = Msg::default();
            named.string(1, name);
            named.message(2, encode_schema(prop));
            p.message(1, named);
        }
        m.message(25, p);
    }
    m.str_of(26, s, "discriminator");
    m.bool_of(27, s, "readOnly");
    if let Some(e) = s.get("example") {
        m.message(30, any(e));
    }
    vendor_extensions(&mut m, 31, s);
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_format() {
        let mut m = Msg::default();
        m.varint(300);
        assert_eq!(m.0, [0xac, 0x02]);
        let mut m = Msg::default();
        m.string(1, "2.0");
        m.string(3, "");
        m.bool(4, false);
        m.int64(11, -1);
        assert_eq!(m.0[..5], [0x0a, 0x03, b'2', b'.', b'0']);
        // A negative int64 is ten bytes of two's complement.
        assert_eq!(
            m.0[5..],
            [
                0x58, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ]
        );
    }

    #[test]
    fn schema_fields_use_gnostic_numbers() {
        let s = json!({"$ref": "#/definitions/X", "type": "object", "x-a": "b"});
        let bytes = encode_schema(&s).0;
        // _ref = 1
        assert_eq!(&bytes[..2], [0x0a, 15]);
        assert_eq!(&bytes[2..17], b"#/definitions/X");
        // type = 22 (TypeItem { value = 1 }), wire type 2: tag varint (22 << 3 | 2) = 0xb2 0x01
        assert_eq!(&bytes[17..20], [0xb2, 0x01, 8]);
        assert_eq!(
            &bytes[20..28],
            [0x0a, 6, b'o', b'b', b'j', b'e', b'c', b't']
        );
        // vendor_extension = 31: NamedAny { name = 1, value = 2 Any { yaml = 2 } }
        assert_eq!(&bytes[28..30], [0xfa, 0x01]);
        assert_eq!(
            &bytes[31..],
            [
                0x0a, 3, b'x', b'-', b'a', 0x12, 5, 0x12, 3, b'"', b'b', b'"'
            ]
        );
    }
}
