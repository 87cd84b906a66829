//! HTTPS serving: the rustls configuration and the accept loop that hands connections to axum.
//!
//! [`server_config`] builds a TLS 1.2/1.3 configuration (ring, ALPN `h2` and `http/1.1`) that
//! *asks* for a client certificate and verifies it when one is presented: a certificate from an
//! unknown CA fails the handshake, no certificate leaves the request to bearer tokens or anonymous.
//! [`serve`] runs the accept loop. Every request carries two extensions: [`PeerCertificates`] (for
//! x509 authentication) and [`RemoteAddr`].
//!
//! # Shutdown and long-running requests
//!
//! When the `shutdown` future passed to [`serve`] completes, the listener is closed, every connection
//! is asked to finish (HTTP/1: after the response in flight; HTTP/2: GOAWAY) and `serve` waits for
//! them. A response that never ends on its own — a watch — would hold that wait forever, so the
//! application must observe the same signal and end such streams itself. The intended wiring is one
//! `tokio_util::sync::CancellationToken` (or a `tokio::sync::watch` channel): pass
//! `token.clone().cancelled_owned()` as `shutdown`, keep a clone in the router state, and end every
//! watch stream when `token.cancelled()` fires. As a last resort [`serve_with`] stops waiting after
//! [`ServeOptions::shutdown_grace`] and drops the connections still open.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::pki::ServerPki;

/// The client certificate chain presented on the connection a request came in on (leaf first), or
/// `None` when the client sent none. Only chains that verified against the client CA get here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerCertificates(pub Option<Arc<Vec<CertificateDer<'static>>>>);

impl PeerCertificates {
    /// The leaf (end-entity) certificate, if any.
    pub fn leaf(&self) -> Option<&CertificateDer<'static>> {
        self.0.as_deref().and_then(|chain| chain.first())
    }
}

/// The TCP peer address of the connection a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("invalid client CA: {0}")]
    ClientCa(#[from] rustls::server::VerifierBuilderError),
    #[error("invalid TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
}

/// Timeouts of the accept loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeOptions {
    /// A client that has not completed the TLS handshake by then is dropped.
    pub handshake_timeout: Duration,
    /// An HTTP/1 client that has not sent a complete request head by then is dropped (slow-loris).
    pub header_read_timeout: Duration,
    /// How long shutdown waits for open connections before dropping them.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            handshake_timeout: Duration::from_secs(10),
            // kube-apiserver's ReadHeaderTimeout.
            header_read_timeout: Duration::from_secs(32),
            shutdown_grace: Duration::from_secs(60),
        }
    }
}

/// A rustls server configuration: ring, TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`, serving `chain`
/// with `key`. With `client_ca_roots`, client certificates are optional but verified when presented.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_ca_roots: Option<Arc<RootCertStore>>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
    let builder = match client_ca_roots {
        Some(roots) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider)
                .allow_unauthenticated()
                .build()?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// [`server_config`] for the server's own PKI, with the cluster CA as client CA.
pub fn server_config_for(pki: &ServerPki) -> Result<Arc<ServerConfig>, TlsError> {
    server_config(
        pki.serving_chain(),
        pki.serving_key()?,
        Some(pki.client_ca_roots()?),
    )
}

/// Serve `app` over TLS on `listener` until `shutdown` completes, with [`ServeOptions::default`].
/// See the module documentation for how long-running requests must take part in shutdown.
///
/// Failed accepts (e.g. out of file descriptors) and failed handshakes are logged, not returned:
/// this returns once shutdown has completed.
pub async fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    serve_with(listener, config, app, shutdown, ServeOptions::default()).await
}

/// [`serve`] with explicit timeouts.
pub async fn serve_with(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    http.http2().timer(TokioTimer::new());
    let http = Arc::new(http);
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, remote)) => {
                    let conn = Connection {
                        acceptor: acceptor.clone(),
                        http: http.clone(),
                        app: app.clone(),
                        watcher: graceful.watcher(),
                        options,
                    };
                    connections.spawn(conn.run(tcp, remote));
                }
                Err(e) => {
                    // Usually out of file descriptors: back off instead of spinning, keep serving.
                    tracing::warn!(error = %e, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }

    drop(listener);
    tracing::info!(
        open = graceful.count(),
        "shutting down: waiting for open connections"
    );
    if tokio::time::timeout(options.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the shutdown grace period; closing them"
        );
    }
    connections.shutdown().await;
    Ok(())
}

/// One accepted TCP connection and what it needs to serve it.
struct Connection {
    acceptor: TlsAcceptor,
    http: Arc<auto::Builder<TokioExecutor>>,
    app: Router,
    watcher: Watcher,
    options: ServeOptions,
}

impl Connection {
    async fn run(self, tcp: TcpStream, remote: SocketAddr) {
        // Latency matters more than packet count for API calls and watch events.
        let _ = tcp.set_nodelay(true);
        let tls =
            match tokio::time::timeout(self.options.handshake_timeout, self.acceptor.accept(tcp))
                .await
            {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(%remote, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%remote, "TLS handshake timed out");
                    return;
                }
            };
        let peer = PeerCertificates(
            tls.get_ref()
                .1
                .peer_certificates()
                .map(|chain| Arc::new(chain.iter().map(|c| c.clone().into_owned()).collect())),
        );
        let app = self.app;
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(peer.clone());
            req.extensions_mut().insert(RemoteAddr(remote));
            // The router never fails (its error type is `Infallible`) and is always ready.
            app.clone().oneshot(req)
        });
        let conn = self.http.serve_connection(TokioIo::new(tls), service);
        if let Err(e) = self.watcher.watch(conn).await {
            tracing::debug!(%remote, error = %e, "connection ended with an error");
        }
    }
}
