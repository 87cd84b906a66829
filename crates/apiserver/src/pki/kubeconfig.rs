//! `admin.kubeconfig`: how an operator (and every test) reaches a fresh `signet serve` with kubectl.
//!
//! The file names cluster `signet` (server URL and embedded CA), user `signet-admin` (embedded client
//! certificate and key) and context `signet`. On restart only those managed values are brought up to
//! date — a changed listen port, a re-issued admin certificate — so contexts or preferences an
//! operator added survive.

use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_yaml::{Mapping, Value};

use super::IssuedCert;

/// Name of the cluster and of the context in the kubeconfig.
pub const CLUSTER_NAME: &str = "signet";
/// Name of the user in the kubeconfig (also the admin certificate's CN).
pub const ADMIN_USER: &str = "signet-admin";

/// The values Signet owns in the kubeconfig.
pub(super) struct Managed<'a> {
    pub server: String,
    pub ca_pem: &'a str,
    pub admin: &'a IssuedCert,
}

/// The URL clients use for a listen address: a wildcard address is reached through loopback.
pub fn server_url(listen: SocketAddr) -> String {
    let ip = listen.ip();
    let port = listen.port();
    match ip {
        ip if ip.is_unspecified() => format!("https://127.0.0.1:{port}"),
        std::net::IpAddr::V4(v4) => format!("https://{v4}:{port}"),
        std::net::IpAddr::V6(v6) => format!("https://[{v6}]:{port}"),
    }
}

/// A complete new kubeconfig.
pub(super) fn render(m: &Managed<'_>) -> String {
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {CLUSTER_NAME}\n  \
           cluster:\n    \
             server: {server}\n    \
             certificate-authority-data: {ca}\n\
         users:\n\
         - name: {ADMIN_USER}\n  \
           user:\n    \
             client-certificate-data: {cert}\n    \
             client-key-data: {key}\n\
         contexts:\n\
         - name: {CLUSTER_NAME}\n  \
           context:\n    \
             cluster: {CLUSTER_NAME}\n    \
             user: {ADMIN_USER}\n\
         current-context: {CLUSTER_NAME}\n\
         preferences: {{}}\n",
        server = m.server,
        ca = STANDARD.encode(m.ca_pem),
        cert = STANDARD.encode(&m.admin.cert_pem),
        key = STANDARD.encode(&m.admin.key_pem),
    )
}

/// Bring an existing kubeconfig up to date. `None` when nothing changed; a full [`render`] when the
/// file is not a kubeconfig we can edit (unparsable, or our entries are gone).
pub(super) fn update(existing: &str, m: &Managed<'_>) -> Option<String> {
    let Ok(mut doc) = serde_yaml::from_str::<Value>(existing) else {
        return Some(render(m));
    };
    let before = doc.clone();
    let patched = set_entry(
        &mut doc,
        "clusters",
        CLUSTER_NAME,
        "cluster",
        &[
            ("server", m.server.clone()),
            ("certificate-authority-data", STANDARD.encode(m.ca_pem)),
        ],
    ) && set_entry(
        &mut doc,
        "users",
        ADMIN_USER,
        "user",
        &[
            (
                "client-certificate-data",
                STANDARD.encode(&m.admin.cert_pem),
            ),
            ("client-key-data", STANDARD.encode(&m.admin.key_pem)),
        ],
    ) && find_entry(&mut doc, "contexts", CLUSTER_NAME).is_some();
    if !patched {
        return Some(render(m));
    }
    if doc == before {
        return None;
    }
    serde_yaml::to_string(&doc).ok().or_else(|| Some(render(m)))
}

/// Set `fields` in `<list>[name=<name>].<inner>`; false when that entry does not exist.
fn set_entry(
    doc: &mut Value,
    list: &str,
    name: &str,
    inner: &str,
    fields: &[(&str, String)],
) -> bool {
    let Some(entry) = find_entry(doc, list, name) else {
        return false;
    };
    let Some(inner) = entry.get_mut(inner).and_then(Value::as_mapping_mut) else {
        return false;
    };
    for (key, value) in fields {
        inner.insert(Value::from(*key), Value::from(value.as_str()));
    }
    true
}

fn find_entry<'a>(doc: &'a mut Value, list: &str, name: &str) -> Option<&'a mut Mapping> {
    doc.get_mut(list)?
        .as_sequence_mut()?
        .iter_mut()
        .filter_map(Value::as_mapping_mut)
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(name))
}

#[cfg(test)]
#[expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]
mod tests {
    use super::*;

    fn admin() -> IssuedCert {
        IssuedCert {
            cert_pem: "CERT".into(),
            key_pem: "KEY".into(),
        }
    }

    #[test]
    fn server_url_uses_loopback_for_wildcards_and_brackets_ipv6() {
        assert_eq!(
            server_url("0.0.0.0:6443".parse().unwrap()),
            "https://127.0.0.1:6443"
        );
        assert_eq!(
            server_url("[::]:8443".parse().unwrap()),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            server_url("10.1.2.3:6443".parse().unwrap()),
            "https://10.1.2.3:6443"
        );
        assert_eq!(
            server_url("[::1]:6443".parse().unwrap()),
            "https://[::1]:6443"
        );
    }

    #[test]
    fn render_embeds_base64_data_and_selects_the_context() {
        let a = admin();
        let m = Managed {
            server: "https://127.0.0.1:6443".into(),
            ca_pem: "CA",
            admin: &a,
        };
        let doc: Value = serde_yaml::from_str(&render(&m)).unwrap();
        assert_eq!(doc["current-context"], "signet");
        assert_eq!(doc["clusters"][0]["name"], "signet");
        assert_eq!(
            doc["clusters"][0]["cluster"]["server"],
            "https://127.0.0.1:6443"
        );
        assert_eq!(
            doc["clusters"][0]["cluster"]["certificate-authority-data"],
            "Q0E="
        );
        assert_eq!(doc["users"][0]["name"], "signet-admin");
        assert_eq!(
            doc["users"][0]["user"]["client-certificate-data"],
            "Q0VSVA=="
        );
        assert_eq!(doc["users"][0]["user"]["client-key-data"], "S0VZ");
        assert_eq!(doc["contexts"][0]["context"]["cluster"], "signet");
        assert_eq!(doc["contexts"][0]["context"]["user"], "signet-admin");
        assert_eq!(update(&render(&m), &m), None);
    }

    #[test]
    fn update_rewrites_only_managed_values_and_keeps_operator_additions() {
        let a = admin();
        let old = Managed {
            server: "https://127.0.0.1:6443".into(),
            ca_pem: "CA",
            admin: &a,
        };
        let mut doc: Value = serde_yaml::from_str(&render(&old)).unwrap();
        doc["contexts"].as_sequence_mut().unwrap().push(
            serde_yaml::from_str("{name: other, context: {cluster: signet, user: x}}").unwrap(),
        );
        doc["current-context"] = Value::from("other");
        let existing = serde_yaml::to_string(&doc).unwrap();
        let new = Managed {
            server: "https://127.0.0.1:7443".into(),
            ca_pem: "CA",
            admin: &a,
        };
        let updated: Value = serde_yaml::from_str(&update(&existing, &new).unwrap()).unwrap();
        assert_eq!(
            updated["clusters"][0]["cluster"]["server"],
            "https://127.0.0.1:7443"
        );
        assert_eq!(updated["contexts"][1]["name"], "other");
        assert_eq!(updated["current-context"], "other");
    }

    #[test]
    fn unusable_files_are_replaced_whole() {
        let a = admin();
        let m = Managed {
            server: "https://127.0.0.1:6443".into(),
            ca_pem: "CA",
            admin: &a,
        };
        assert_eq!(update("{not yaml", &m), Some(render(&m)));
        assert_eq!(
            update("apiVersion: v1\nkind: Config\n", &m),
            Some(render(&m))
        );
    }
}
