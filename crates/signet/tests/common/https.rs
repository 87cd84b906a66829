//! A deliberately small HTTPS/1.1 client for raw requests to `signet serve`.
//!
//! kubectl and the Python client never send malformed JSON, a wrong `kind`, a 4 MiB body or no
//! credentials at all; this client does, so the tests can assert the exact `Status` a user of
//! any client would get. It speaks one request per connection (`Connection: close`), verifies the
//! server certificate against the CA of the kubeconfig, and uses rustls with `ring`.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::Value;

use super::kubeconfig::Credentials;

/// How the client proves who it is.
#[derive(Clone, Debug)]
pub enum Identity {
    /// A TLS client certificate and its key, both PEM.
    ClientCert { cert_pem: Vec<u8>, key_pem: Vec<u8> },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// No credentials at all.
    Anonymous,
}

/// A response: status code, headers in the order received, and the de-chunked body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the raw body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body (HTTP {}) is not JSON ({e}):\n{}",
                self.status,
                self.text()
            )
        })
    }
}

/// A client bound to one server and one identity.
#[derive(Clone)]
pub struct HttpsClient {
    /// `host:port` to connect to.
    authority: String,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    bearer: Option<String>,
}

/// Splits `https://host:port[/...]` (or `https://[v6]:port`) into `(host, port)`.
fn parse_https_url(url: &str) -> Result<(String, u16), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("server URL {url:?} is not https://"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let parse_port = |p: &str| {
        p.parse::<u16>()
            .map_err(|e| format!("bad port in {url:?}: {e}"))
    };
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| format!("unclosed '[' in {url:?}"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None => 443,
        };
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, p)) => (host, parse_port(p)?),
            None => (authority, 443),
        }
    };
    Ok((host.to_string(), port))
}

impl HttpsClient {
    /// A client for `server_url` trusting only `ca_pem`.
    pub fn new(server_url: &str, ca_pem: &[u8], identity: Identity) -> Result<Self, String> {
        let (host, port) = parse_https_url(server_url)?;
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem) {
            let cert = cert.map_err(|e| format!("bad CA PEM: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("unusable CA certificate: {e}"))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS versions: {e}"))?
            .with_root_certificates(roots);
        let mut bearer = None;
        let config = match identity {
            Identity::ClientCert { cert_pem, key_pem } => {
                let chain = CertificateDer::pem_slice_iter(&cert_pem)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("bad client certificate PEM: {e}"))?;
                let key = PrivateKeyDer::from_pem_slice(&key_pem)
                    .map_err(|e| format!("bad client key PEM: {e}"))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("client certificate rejected by rustls: {e}"))?
            }
            Identity::Bearer(token) => {
                bearer = Some(token);
                builder.with_no_client_auth()
            }
            Identity::Anonymous => builder.with_no_client_auth(),
        };
        let server_name = ServerName::try_from(host.clone())
            .map_err(|e| format!("bad server name {host:?}: {e}"))?;
        let authority = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok(HttpsClient {
            authority,
            server_name,
            config: Arc::new(config),
            bearer,
        })
    }

    /// A client with the server and credentials of a kubeconfig.
    pub fn from_credentials(creds: &Credentials) -> Result<Self, String> {
        let identity = match (&creds.client_cert_pem, &creds.client_key_pem, &creds.token) {
            (Some(cert), Some(key), _) => Identity::ClientCert {
                cert_pem: cert.clone(),
                key_pem: key.clone(),
            },
            (_, _, Some(token)) => Identity::Bearer(token.clone()),
            _ => Identity::Anonymous,
        };
        Self::new(&creds.server, &creds.ca_pem, identity)
    }

    /// The same server and CA, another identity.
    pub fn with_identity(&self, ca_pem: &[u8], identity: Identity) -> Result<Self, String> {
        Self::new(&format!("https://{}", self.authority), ca_pem, identity)
    }

    pub fn get(&self, path: &str) -> Result<Response, String> {
        self.request("GET", path, &[], b"")
    }

    /// `POST`s `body` as `application/json`.
    pub fn post_json(&self, path: &str, body: &[u8]) -> Result<Response, String> {
        self.request("POST", path, &[("Content-Type", "application/json")], body)
    }

    /// Sends one request and reads the whole response.
    ///
    /// A server may answer (e.g. 413) and close before it has read a large body; a failed write is
    /// therefore not an error as long as a complete response can still be read.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, String> {
        let tcp = TcpStream::connect(&self.authority)
            .map_err(|e| format!("connect to {}: {e}", self.authority))?;
        let timeout = Some(Duration::from_secs(30));
        tcp.set_read_timeout(timeout).map_err(|e| e.to_string())?;
        tcp.set_write_timeout(timeout).map_err(|e| e.to_string())?;
        let conn = ClientConnection::new(self.config.clone(), self.server_name.clone())
            .map_err(|e| format!("TLS setup: {e}"))?;
        let mut tls = StreamOwned::new(conn, tcp);

        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\nUser-Agent: signet-e2e-tests\r\n",
            self.authority
        );
        if let Some(token) = &self.bearer {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");

        tls.write_all(head.as_bytes())
            .map_err(|e| format!("send request head: {e}"))?;
        let mut write_error = None;
        for chunk in body.chunks(64 * 1024) {
            if let Err(e) = tls.write_all(chunk) {
                write_error = Some(e);
                break;
            }
        }
        if write_error.is_none()
            && let Err(e) = tls.flush()
        {
            write_error = Some(e);
        }

        let mut received = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        let read_error = loop {
            if let Some(response) = parse_response(&received, false)? {
                return Ok(response);
            }
            match tls.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => break Some(e),
            }
        };
        match parse_response(&received, true)? {
            Some(response) => Ok(response),
            None => Err(format!(
                "incomplete response to {method} {path} ({} bytes received; write error: {write_error:?}; read error: {read_error:?}):\n{}",
                received.len(),
                String::from_utf8_lossy(&received)
            )),
        }
    }
}

/// Parses `data` as one HTTP/1.1 response; `None` while it is incomplete. `at_eof` says the
/// connection has ended, which completes a body that has neither a length nor chunking.
fn parse_response(data: &[u8], at_eof: bool) -> Result<Option<Response>, String> {
    let Some(head_end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&data[..head_end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let rest = &data[head_end + 4..];
    let chunked = find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        match dechunk(rest)? {
            Some(body) => body,
            None => return Ok(None),
        }
    } else if let Some(len) = find("content-length") {
        let len: usize = len
            .parse()
            .map_err(|e| format!("bad Content-Length {len:?}: {e}"))?;
        if rest.len() < len {
            return Ok(None);
        }
        rest[..len].to_vec()
    } else if at_eof {
        rest.to_vec()
    } else {
        return Ok(None);
    };
    Ok(Some(Response {
        status,
        headers,
        body,
    }))
}

/// Decodes a chunked body; `None` until the terminating zero-size chunk has arrived.
fn dechunk(mut data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&data[..line_end]);
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|e| format!("bad chunk size {size_text:?}: {e}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(Some(body));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}
