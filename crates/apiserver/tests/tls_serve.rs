//! The HTTPS server end to end on 127.0.0.1: a real rustls client against `tls::serve`, over
//! HTTP/1.1 and HTTP/2, with and without client certificates, and graceful shutdown.

#![expect(
    clippy::unwrap_used,
    reason = "a test fails loudly on an unexpected error"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use axum::routing::get;
use axum::{Extension, Router};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ClientConfig;
use rustls::pki_types::{PrivateKeyDer, ServerName, pem::PemObject};
use sha2::{Digest, Sha256};
use signet_apiserver::pki::{self, CertificateAuthority, PkiOptions, ServerPki};
use signet_apiserver::tls::{self, PeerCertificates, RemoteAddr, ServeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Answers `certs=<n> leaf=<sha256 of the leaf or -> remote=<ip>`.
async fn whoami(
    Extension(peer): Extension<PeerCertificates>,
    Extension(RemoteAddr(remote)): Extension<RemoteAddr>,
) -> String {
    let count = peer.0.as_ref().map_or(0, |c| c.len());
    let leaf = peer
        .leaf()
        .map_or("-".to_string(), |l| hex::encode(Sha256::digest(l.as_ref())));
    format!("certs={count} leaf={leaf} remote={}", remote.ip())
}

struct Server {
    _dir: tempfile::TempDir,
    pki: ServerPki,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(app: Router, options: ServeOptions) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let pki = pki::bootstrap(
            dir.path(),
            &PkiOptions {
                listen: addr,
                advertise: vec![],
            },
        )
        .unwrap();
        let config = tls::server_config_for(&pki).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(tls::serve_with(listener, config, app, shutdown, options));
        Server {
            _dir: dir,
            pki,
            addr,
            stop: Some(stop),
            task,
        }
    }

    async fn whoami() -> Server {
        Server::start(
            Router::new().route("/whoami", get(whoami)),
            ServeOptions::default(),
        )
        .await
    }

    fn client_config(&self, identity: Option<(&str, &str)>, alpn: &[&[u8]]) -> ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.pki.ca_cert_der().clone()).unwrap();
        client_config(roots, identity, alpn)
    }

    async fn connect(&self, config: ClientConfig) -> std::io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(self.addr).await?;
        TlsConnector::from(Arc::new(config))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
    }

    async fn stop(mut self) -> Duration {
        let started = Instant::now();
        if let Some(stop) = self.stop.take() {
            stop.send(()).unwrap();
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        started.elapsed()
    }
}

fn client_config(
    roots: rustls::RootCertStore,
    identity: Option<(&str, &str)>,
    alpn: &[&[u8]],
) -> ClientConfig {
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
    let mut config = match identity {
        Some((cert_pem, key_pem)) => builder
            .with_client_auth_cert(
                vec![pki::certificate_der(cert_pem).unwrap()],
                PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    config
}

/// Send a raw HTTP/1.1 request and return the whole response text.
async fn http1(stream: &mut TlsStream<TcpStream>, path: &str) -> std::io::Result<String> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn sha(cert_pem: &str) -> String {
    hex::encode(Sha256::digest(
        pki::certificate_der(cert_pem).unwrap().as_ref(),
    ))
}

#[tokio::test]
async fn http1_request_with_client_certificate_carries_the_peer_chain() {
    let server = Server::whoami().await;
    let alice = server
        .pki
        .ca()
        .issue_client_cert("alice", &["devs"], Duration::from_secs(600))
        .unwrap();
    let config = server.client_config(Some((&alice.cert_pem, &alice.key_pem)), &[b"http/1.1"]);
    let mut stream = server.connect(config).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let response = http1(&mut stream, "/whoami").await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert_eq!(
        body(&response),
        format!("certs=1 leaf={} remote=127.0.0.1", sha(&alice.cert_pem))
    );
    server.stop().await;
}

#[tokio::test]
async fn request_without_client_certificate_is_served_without_peer_chain() {
    let server = Server::whoami().await;
    let mut stream = server
        .connect(server.client_config(None, &[]))
        .await
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), None);
    let response = http1(&mut stream, "/whoami").await.unwrap();
    assert_eq!(body(&response), "certs=0 leaf=- remote=127.0.0.1");
    server.stop().await;
}

#[tokio::test]
async fn http2_is_negotiated_with_alpn_and_sees_the_certificate() {
    let server = Server::whoami().await;
    let admin = (
        read(&server.pki.paths().admin_cert),
        read(&server.pki.paths().admin_key),
    );
    let config = server.client_config(Some((&admin.0, &admin.1)), &[b"h2", b"http/1.1"]);
    let stream = server.connect(config).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(conn);
    let request = http::Request::get("https://localhost/whoami")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.version(), http::Version::HTTP_2);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        format!("certs=1 leaf={} remote=127.0.0.1", sha(&admin.0))
    );
    drop(sender);
    server.stop().await;
}

/// Present `identity` and return the error the connection ends with.
async fn refused(server: &Server, identity: (&str, &str)) -> String {
    let config = server.client_config(Some(identity), &[]);
    // With TLS 1.3 the client finishes its side first; the server's verdict arrives as an alert.
    let outcome = match server.connect(config).await {
        Ok(mut stream) => http1(&mut stream, "/whoami").await,
        Err(e) => Err(e),
    };
    outcome.unwrap_err().to_string()
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_fails_the_handshake() {
    let server = Server::whoami().await;

    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mallory");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let self_signed = params.self_signed(&key).unwrap();
    assert_eq!(
        refused(&server, (&self_signed.pem(), &key.serialize_pem())).await,
        "received fatal alert: UnknownCA"
    );

    // Another Signet installation's CA has the same name as ours, so the chain is built and its
    // signature fails to verify instead.
    let (stranger, _) = CertificateAuthority::generate(SystemTime::now()).unwrap();
    let mallory = stranger
        .issue_client_cert("mallory", &["system:masters"], Duration::from_secs(600))
        .unwrap();
    assert_eq!(
        refused(&server, (&mallory.cert_pem, &mallory.key_pem)).await,
        "received fatal alert: DecryptError"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_tls_1_1_client_is_refused_with_a_protocol_version_alert() {
    let server = Server::whoami().await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(&tls11_client_hello()).await.unwrap();
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut reply))
        .await
        .unwrap()
        .unwrap();
    // One alert record: type 21, fatal (2), protocol_version (70).
    assert!(reply.len() >= 7, "{reply:?}");
    assert_eq!(reply[0], 21);
    assert_eq!(&reply[5..7], &[2, 70]);
    server.stop().await;
}

/// A ClientHello offering only TLS 1.1 (legacy version 0x0302, no supported_versions extension),
/// otherwise acceptable (a cipher suite and signature algorithms in common), so that the version
/// is the one reason to refuse it.
fn tls11_client_hello() -> Vec<u8> {
    let mut hello = vec![0x03, 0x02];
    hello.extend_from_slice(&[0x42; 32]); // random
    hello.push(0); // session id
    // ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-ECDSA-AES128-SHA
    hello.extend_from_slice(&[0x00, 0x04, 0xc0, 0x2b, 0xc0, 0x09]);
    hello.extend_from_slice(&[0x01, 0x00]); // null compression
    // extensions: signature_algorithms = ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
    hello.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04,
    ]);
    let mut handshake = vec![0x01, 0x00, 0x00, u8::try_from(hello.len()).unwrap()];
    handshake.extend_from_slice(&hello);
    let mut record = vec![
        0x16,
        0x03,
        0x01,
        0x00,
        u8::try_from(handshake.len()).unwrap(),
    ];
    record.extend_from_slice(&handshake);
    record
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_request_in_flight_and_stops_accepting() {
    let started = Arc::new(Notify::new());
    let notify = started.clone();
    let app = Router::new().route(
        "/slow",
        get(move || {
            let notify = notify.clone();
            async move {
                notify.notify_one();
                tokio::time::sleep(Duration::from_millis(400)).await;
                "finished"
            }
        }),
    );
    let server = Server::start(app, ServeOptions::default()).await;
    let mut stream = server
        .connect(server.client_config(None, &[]))
        .await
        .unwrap();
    let request = tokio::spawn(async move { http1(&mut stream, "/slow").await });
    started.notified().await;
    let addr = server.addr;
    let took = server.stop().await;
    assert!(
        took >= Duration::from_millis(300),
        "shutdown did not wait: {took:?}"
    );
    let response = request.await.unwrap().unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert_eq!(body(&response), "finished");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn shutdown_gives_up_on_never_ending_responses_after_the_grace_period() {
    let started = Arc::new(Notify::new());
    let notify = started.clone();
    let app = Router::new().route(
        "/watch",
        get(move || {
            let notify = notify.clone();
            async move {
                notify.notify_one();
                std::future::pending::<()>().await;
                "unreachable"
            }
        }),
    );
    let options = ServeOptions {
        shutdown_grace: Duration::from_millis(300),
        ..Default::default()
    };
    let server = Server::start(app, options).await;
    let mut stream = server
        .connect(server.client_config(None, &[]))
        .await
        .unwrap();
    let request = tokio::spawn(async move { http1(&mut stream, "/watch").await });
    started.notified().await;
    let took = server.stop().await;
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let outcome = tokio::time::timeout(Duration::from_secs(5), request)
        .await
        .unwrap()
        .unwrap();
    assert!(!outcome.unwrap_or_default().contains("200 OK"));
}

#[tokio::test]
async fn silent_clients_are_dropped_after_the_handshake_and_header_timeouts() {
    let options = ServeOptions {
        handshake_timeout: Duration::from_millis(200),
        header_read_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let server = Server::start(Router::new().route("/whoami", get(whoami)), options).await;

    // No ClientHello at all.
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
    assert_eq!(read.unwrap().unwrap(), 0);

    // A request head that never ends (slow-loris).
    let mut stream = server
        .connect(server.client_config(None, &[]))
        .await
        .unwrap();
    stream
        .write_all(b"GET /whoami HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let started = Instant::now();
    let read =
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    assert!(read.is_ok(), "connection not closed");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    assert!(!String::from_utf8_lossy(&response).contains("200 OK"));
    server.stop().await;
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}
