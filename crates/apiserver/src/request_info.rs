//! Parsing a request path into Kubernetes request attributes (apiserver's `RequestInfoFactory`).
//!
//! Authorization, admission and audit all speak in these terms: is it a resource request, which
//! verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`), which
//! group, version, namespace, resource, subresource and name.

use http::Method;

/// The attributes of one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestInfo {
    pub is_resource_request: bool,
    /// The URL path (for non-resource requests).
    pub path: String,
    /// The Kubernetes verb (lower case HTTP method for non-resource requests).
    pub verb: String,
    pub api_prefix: String,
    pub api_group: String,
    pub api_version: String,
    pub namespace: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
}

fn is_watch(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&').any(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            k == "watch" && (v == "true" || v == "1")
        })
    })
}

/// `X` when the `fieldSelector` query parameter requires `metadata.name=X` (or `==`) and X is a
/// valid path segment.
fn name_from_field_selector(query: Option<&str>) -> Option<String> {
    let selector = form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "fieldSelector")
        .map(|(_, v)| v.into_owned())?;
    selector.split(',').find_map(|req| {
        let (field, value) = req.split_once("==").or_else(|| req.split_once('='))?;
        if field.trim() != "metadata.name" || field.ends_with('!') {
            return None;
        }
        let value = value.trim();
        let valid = !value.is_empty()
            && value != "."
            && value != ".."
            && !value.contains('/')
            && !value.contains('%');
        valid.then(|| value.to_string())
    })
}

impl RequestInfo {
    /// Parse `method` + `path` (+ query) the way kube-apiserver does.  Paths under `/api/v1` and
    /// `/apis/<group>/<version>` are resource requests; everything else is a non-resource request.
    pub fn parse(method: &Method, path: &str, query: Option<&str>) -> RequestInfo {
        let non_resource = || RequestInfo {
            is_resource_request: false,
            path: path.to_string(),
            verb: method.as_str().to_ascii_lowercase(),
            ..Default::default()
        };
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (prefix, rest) = match parts.split_first() {
            Some((p, rest)) if *p == "api" || *p == "apis" => (*p, rest),
            _ => return non_resource(),
        };
        let (group, version, mut rest) = if prefix == "api" {
            match rest.split_first() {
                Some((v, rest)) => ("", *v, rest),
                None => return non_resource(),
            }
        } else {
            match rest {
                [g, v, rest @ ..] => (*g, *v, rest),
                _ => return non_resource(),
            }
        };
        // `/api/v1` and `/apis/<group>/<version>` themselves are discovery documents:
        // non-resource requests, as upstream.
        if rest.is_empty() {
            return non_resource();
        }
        let mut info = RequestInfo {
            is_resource_request: true,
            path: path.to_string(),
            api_prefix: prefix.to_string(),
            api_group: group.to_string(),
            api_version: version.to_string(),
            ..Default::default()
        };
        let mut verb = match *method {
            Method::POST => "create",
            Method::GET | Method::HEAD => "get",
            Method::PUT => "update",
            Method::PATCH => "patch",
            Method::DELETE => "delete",
            _ => "",
        };
        // The deprecated `/watch/` path prefix.
        if rest.first() == Some(&"watch") {
            verb = "watch";
            rest = &rest[1..];
        }
        if rest.first() == Some(&"namespaces") {
            if let Some(ns) = rest.get(1) {
                info.namespace = (*ns).to_string();
                if rest.len() > 2 {
                    rest = &rest[2..];
                } else {
                    // `/namespaces/<ns>` is the namespace object itself.
                    info.resource = "namespaces".into();
                    info.name = (*ns).to_string();
                    rest = &[];
                }
            } else {
                info.resource = "namespaces".into();
                rest = &[];
            }
        }
        match rest {
            [] => {}
            [r] => info.resource = (*r).to_string(),
            [r, n] => {
                info.resource = (*r).to_string();
                info.name = (*n).to_string();
            }
            [r, n, s, ..] => {
                info.resource = (*r).to_string();
                info.name = (*n).to_string();
                info.subresource = (*s).to_string();
            }
        }
        if info.name.is_empty() && verb == "get" {
            verb = if is_watch(query) { "watch" } else { "list" };
        } else if info.name.is_empty() && verb == "delete" {
            verb = "deletecollection";
        } else if verb == "get" && is_watch(query) {
            verb = "watch";
        }
        info.verb = verb.to_string();
        // A list or watch selecting one object by name is authorized as that name, so that
        // resourceNames rules work for `kubectl get csr NAME -w` and client-go's WaitForCertificate.
        if (verb == "list" || verb == "watch")
            && info.name.is_empty()
            && let Some(name) = name_from_field_selector(query)
        {
            info.name = name;
        }
        info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(m: Method, p: &str, q: Option<&str>) -> RequestInfo {
        RequestInfo::parse(&m, p, q)
    }

    #[test]
    fn csr_paths() {
        let base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
        let i = parse(Method::GET, base, None);
        assert!(i.is_resource_request);
        assert_eq!(
            (i.verb.as_str(), i.api_group.as_str()),
            ("list", "certificates.k8s.io")
        );
        assert_eq!(parse(Method::GET, base, Some("watch=true")).verb, "watch");
        assert_eq!(
            parse(Method::GET, base, Some("watch=1&limit=5")).verb,
            "watch"
        );
        assert_eq!(parse(Method::POST, base, None).verb, "create");
        assert_eq!(parse(Method::DELETE, base, None).verb, "deletecollection");
        let i = parse(Method::PUT, &format!("{base}/x/approval"), None);
        assert_eq!(
            (i.verb.as_str(), i.name.as_str(), i.subresource.as_str()),
            ("update", "x", "approval")
        );
        assert_eq!(parse(Method::GET, &format!("{base}/x"), None).verb, "get");
        assert_eq!(
            parse(Method::PATCH, &format!("{base}/x/status"), None).verb,
            "patch"
        );
    }

    #[test]
    fn single_object_list_is_authorized_by_name() {
        let base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
        let i = parse(
            Method::GET,
            base,
            Some("fieldSelector=metadata.name%3Dcsr-1&watch=true"),
        );
        assert_eq!((i.verb.as_str(), i.name.as_str()), ("watch", "csr-1"));
        let i = parse(
            Method::GET,
            base,
            Some("fieldSelector=metadata.name%21%3Dcsr-1"),
        );
        assert_eq!(i.name, "");
        let i = parse(
            Method::GET,
            base,
            Some("fieldSelector=spec.signerName%3Da.io%2Fb"),
        );
        assert_eq!(i.name, "");
    }

    #[test]
    fn namespaced_and_core() {
        let i = parse(
            Method::GET,
            "/api/v1/namespaces/kube-system/secrets/s",
            None,
        );
        assert_eq!(
            (
                i.api_group.as_str(),
                i.namespace.as_str(),
                i.resource.as_str(),
                i.name.as_str()
            ),
            ("", "kube-system", "secrets", "s")
        );
        let i = parse(Method::GET, "/api/v1/namespaces/default", None);
        assert_eq!(
            (i.resource.as_str(), i.name.as_str()),
            ("namespaces", "default")
        );
    }

    #[test]
    fn non_resource() {
        for p in [
            "/healthz",
            "/apis",
            "/api",
            "/apis/certificates.k8s.io",
            "/openapi/v3",
            "/version",
        ] {
            let i = parse(Method::GET, p, None);
            assert!(!i.is_resource_request, "{p}");
            assert_eq!(i.verb, "get");
        }
    }
}
