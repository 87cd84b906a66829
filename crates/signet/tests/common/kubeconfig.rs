//! Reading the kubeconfig `signet serve` writes, and writing kubeconfigs for other users.
//!
//! The raw-HTTPS tests connect with exactly what kubectl would use (server URL, CA, client
//! certificate), so they read it from `admin.kubeconfig` instead of guessing file names.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_yaml::Value;

/// What a kubeconfig's current context says about where and how to connect.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub server: String,
    pub ca_pem: Vec<u8>,
    pub client_cert_pem: Option<Vec<u8>>,
    pub client_key_pem: Option<Vec<u8>>,
    pub token: Option<String>,
}

fn named<'a>(doc: &'a Value, list: &str, name: Option<&str>, inner: &str) -> Option<&'a Value> {
    let items = doc.get(list)?.as_sequence()?;
    let item = match name {
        Some(name) => items
            .iter()
            .find(|i| i.get("name").and_then(Value::as_str) == Some(name))?,
        None => items.first()?,
    };
    item.get(inner)
}

/// Reads `<key>-data` (base64) or `<key>` (a path, relative to the kubeconfig's directory).
fn data_or_file(section: &Value, key: &str, dir: &Path) -> Result<Option<Vec<u8>>, String> {
    if let Some(data) = section.get(format!("{key}-data")).and_then(Value::as_str) {
        let bytes = BASE64
            .decode(data.trim())
            .map_err(|e| format!("{key}-data is not base64: {e}"))?;
        return Ok(Some(bytes));
    }
    if let Some(path) = section.get(key).and_then(Value::as_str) {
        let path = dir.join(path);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("read {key} {}: {e}", path.display()))?;
        return Ok(Some(bytes));
    }
    Ok(None)
}

/// Loads the current context of the kubeconfig at `path` (or its first entries, without one).
pub fn load(path: &Path) -> Result<Credentials, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let doc: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("parse {}: {e}", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let current = doc.get("current-context").and_then(Value::as_str);
    let context = named(&doc, "contexts", current, "context");
    let cluster_name = context
        .and_then(|c| c.get("cluster"))
        .and_then(Value::as_str);
    let user_name = context.and_then(|c| c.get("user")).and_then(Value::as_str);
    let cluster = named(&doc, "clusters", cluster_name, "cluster")
        .ok_or_else(|| format!("{}: no cluster", path.display()))?;
    let server = cluster
        .get("server")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{}: cluster has no server", path.display()))?
        .to_string();
    let ca_pem = data_or_file(cluster, "certificate-authority", dir)?
        .ok_or_else(|| format!("{}: cluster has no certificate-authority", path.display()))?;
    let (client_cert_pem, client_key_pem, token) = match named(&doc, "users", user_name, "user") {
        Some(user) => (
            data_or_file(user, "client-certificate", dir)?,
            data_or_file(user, "client-key", dir)?,
            user.get("token")
                .and_then(Value::as_str)
                .map(str::to_string),
        ),
        None => (None, None, None),
    };
    Ok(Credentials {
        server,
        ca_pem,
        client_cert_pem,
        client_key_pem,
        token,
    })
}

/// How a derived kubeconfig authenticates.
pub enum UserAuth<'a> {
    /// Client certificate and key files.
    ClientCert { cert: &'a Path, key: &'a Path },
    /// A bearer token.
    Token(&'a str),
}

/// Writes to `out` a kubeconfig for the same server and CA as `base`, authenticating as `user`.
pub fn write_for_user(base: &Path, out: &Path, user: &str, auth: UserAuth<'_>) {
    let creds = load(base).unwrap_or_else(|e| panic!("cannot read {}: {e}", base.display()));
    let user_entry = match auth {
        UserAuth::ClientCert { cert, key } => serde_json::json!({
            "client-certificate": cert.display().to_string(),
            "client-key": key.display().to_string(),
        }),
        UserAuth::Token(token) => serde_json::json!({ "token": token }),
    };
    let config = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{
            "name": "signet",
            "cluster": {
                "server": creds.server,
                "certificate-authority-data": BASE64.encode(&creds.ca_pem),
            },
        }],
        "users": [{ "name": user, "user": user_entry }],
        "contexts": [{ "name": user, "context": { "cluster": "signet", "user": user } }],
        "current-context": user,
    });
    let yaml = serde_yaml::to_string(&config).expect("a kubeconfig serialises as YAML");
    std::fs::write(out, yaml).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
}
