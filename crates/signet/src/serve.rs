//! `signet serve`: zero-configuration start of the API server on the embedded SQLite store.
//!
//! First start creates the data directory, the PKI and `admin.kubeconfig`; later starts reuse them.
//! SIGTERM or SIGINT stops accepting, lets in-flight requests finish, ends watches and closes the
//! store cleanly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use signet_api::clock::SystemClock;
use signet_apiserver::assemble::{ServerParts, assemble};
use signet_apiserver::authn::{Authenticator, AuthnConfig};
use signet_apiserver::inflight::InflightLimits;
use signet_apiserver::inprocess::InProcessCsrClient;
use signet_apiserver::pki::{self, PkiOptions};
use signet_apiserver::registry::csr_admission::GovernancePolicy;
use signet_apiserver::server::router;
use signet_apiserver::tls;
use signet_apiserver::user::UserInfo;
use signet_controllers::approver::{self, SarApprover};
use signet_controllers::ca_store::CaStore;
use signet_controllers::cleaner::{Cleaner, CleanerConfig};
use signet_controllers::client::CsrClient;
use signet_controllers::runtime::{Runner, RunnerConfig};
use signet_controllers::signer::{SignerSpec, SigningController};
use signet_storage::Store;
use signet_storage::sqlite::{SqliteOptions, SqliteStore};
use std::collections::BTreeMap;

/// Options of `signet serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Where the store, the PKI and admin.kubeconfig live (created on first start).
    #[arg(long, default_value = "./signet-data", env = "SIGNET_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Address and port to serve HTTPS on.
    #[arg(long, default_value = "127.0.0.1:6443", env = "SIGNET_LISTEN")]
    pub listen: SocketAddr,
    /// Extra IP address or DNS name clients use to reach the server (a serving-certificate SAN);
    /// repeatable.
    #[arg(long = "advertise-address", value_name = "ADDR")]
    pub advertise: Vec<String>,
    /// Static bearer tokens in kube-apiserver's CSV format: token,user,uid[,"group1,group2"].
    #[arg(long, value_name = "FILE")]
    pub token_auth_file: Option<PathBuf>,
    /// Bootstrap tokens: a YAML file of `bootstrap.kubernetes.io/token` Secrets.
    #[arg(long, value_name = "FILE")]
    pub bootstrap_token_file: Option<PathBuf>,
    /// Serve requests without credentials as `system:anonymous` (off by default: they get 401).
    #[arg(long)]
    pub anonymous_auth: bool,
    /// Let a CSR's requester approve or deny it (refused by default: governance policy).
    #[arg(long)]
    pub allow_self_approval: bool,
    /// Break-glass: allow self-approval for this signer name only; repeatable.
    #[arg(long = "allow-self-approval-for", value_name = "SIGNER")]
    pub self_approval_signers: Vec<String>,
    /// Signers (CAs, lifetimes, policies) as YAML; see the README.  Without it the four
    /// well-known signers run with generated CAs and upstream's one-year lifetime cap.
    #[arg(long, value_name = "FILE", env = "SIGNET_CONFIG")]
    pub config: Option<PathBuf>,
    /// Most read-only requests served at once; beyond, 429 with Retry-After (watches and
    /// system:masters are exempt).
    #[arg(long, value_name = "N", default_value_t = signet_apiserver::inflight::DEFAULT_READ_ONLY)]
    pub max_requests_inflight: usize,
    /// Most mutating requests served at once; beyond, 429 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = signet_apiserver::inflight::DEFAULT_MUTATING)]
    pub max_mutating_requests_inflight: usize,
    /// Write an audit.k8s.io/v1 Event per request to this file (JSON lines, mode 0600).
    #[arg(long, value_name = "FILE")]
    pub audit_log_path: Option<PathBuf>,
    /// Rotate the audit log when it reaches this many megabytes.
    #[arg(long, value_name = "MB", default_value_t = 100)]
    pub audit_log_maxsize: u64,
    /// How many rotated audit logs to keep.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub audit_log_maxbackup: usize,
    /// Time between two passes of the CSR cleaner.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub gc_interval: Duration,
    /// Delete an approved and issued CSR this long after its approval.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub gc_issued_after: Duration,
    /// Delete a denied CSR this long after its denial.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub gc_denied_after: Duration,
    /// Delete a failed CSR this long after its failure.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub gc_failed_after: Duration,
    /// Delete a CSR without any condition this long after its creation.
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub gc_pending_after: Duration,
    /// Delete an approved CSR that was never issued this long after its approval (off by
    /// default: upstream keeps them).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub gc_unissued_after: Option<Duration>,
}

/// A duration flag: `90m`, `1h30m`, `24h` or ISO 8601 (`PT1H`); never negative.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let d: jiff::SignedDuration = s
        .parse()
        .map_err(|e| format!("invalid duration {s:?}: {e}"))?;
    Duration::try_from(d).map_err(|_| format!("invalid duration {s:?}: must not be negative"))
}

/// Run the server until a termination signal.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    create_private_dir(&args.data_dir)?;
    let pki = pki::bootstrap(
        &args.data_dir,
        &PkiOptions {
            listen: args.listen,
            advertise: args.advertise.clone(),
        },
    )
    .context("failed to set up the PKI")?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&args.data_dir.join("signet.db"), SqliteOptions::default())
            .with_context(|| format!("failed to open the store in {}", args.data_dir.display()))?,
    );
    let authn = Authenticator::new(AuthnConfig {
        client_ca: true,
        token_file: args.token_auth_file.clone(),
        bootstrap_token_file: args.bootstrap_token_file.clone(),
        anonymous: args.anonymous_auth,
    })
    .context("failed to set up authentication")?;
    let clock: Arc<dyn signet_api::clock::Clock> = Arc::new(SystemClock);
    let signer_clock = clock.clone();
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let shutdown_rx2 = shutdown_rx.clone();
    let audit = match &args.audit_log_path {
        Some(path) => Some(
            signet_apiserver::audit::AuditLog::open(
                path.clone(),
                args.audit_log_maxsize * 1024 * 1024,
                args.audit_log_maxbackup,
            )
            .with_context(|| format!("failed to open the audit log {}", path.display()))?,
        ),
        None => None,
    };
    let state = assemble(ServerParts {
        store: store.clone(),
        clock,
        authn,
        governance: GovernancePolicy {
            allow_self_approval: args.allow_self_approval,
            self_approval_signers: args.self_approval_signers.iter().cloned().collect(),
        },
        shutdown: shutdown_rx,
        inflight: InflightLimits::new(
            args.max_requests_inflight,
            args.max_mutating_requests_inflight,
        ),
        audit,
    })
    .await
    .map_err(|e| anyhow::anyhow!("failed to start the API server: {}", e.message))?;
    let signers = crate::config::load(args.config.as_deref())?;
    let ca_store = Arc::new(
        CaStore::open(
            &args.data_dir,
            signers.iter().map(|s| (s.name.as_str(), &s.ca)),
            jiff::Timestamp::now(),
        )
        .context("failed to set up the signers' CAs")?,
    );
    let tls_config = tls_with_signer_roots(&pki, &ca_store)?;
    for (name, source) in ca_store.iter() {
        if let Ok(ca) = source.current() {
            let labels = format!("signer=\"{name}\"");
            state.metrics.set_gauge(
                "signet_signer_ca_not_after_seconds",
                &labels,
                ca.not_after().as_second() as f64,
            );
        }
    }
    start_approver_and_cleaner(
        &state,
        signer_clock.clone(),
        CleanerConfig {
            interval: args.gc_interval,
            approved: args.gc_issued_after,
            denied: args.gc_denied_after,
            failed: args.gc_failed_after,
            pending: args.gc_pending_after,
            approved_unissued: args.gc_unissued_after,
        },
        shutdown_rx2.clone(),
    );
    start_signing(
        &state,
        signer_clock,
        &signers,
        &ca_store,
        shutdown_rx2.clone(),
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("failed to listen on {}", args.listen))?;
    let addr = listener
        .local_addr()
        .context("failed to read the listening address")?;
    let kubeconfig = pki.paths().kubeconfig.clone();
    println!("signet: serving certificates.k8s.io/v1 on https://{addr}");
    println!("signet: data directory {}", args.data_dir.display());
    println!(
        "signet: admin credentials (group system:masters) in {}",
        kubeconfig.display()
    );
    println!("signet: try it:");
    println!("    export KUBECONFIG={}", kubeconfig.display());
    println!("    kubectl get csr");
    tracing::info!(%addr, "serving");
    let shutdown = async move {
        wait_for_signal().await;
        tracing::info!("shutting down: no new connections, finishing in-flight requests");
        let _ = shutdown_tx.send(true);
    };
    tls::serve(listener, tls_config, router(state), shutdown)
        .await
        .context("serving failed")?;
    store.close().await.context("failed to close the store")?;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM ({e}); stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The data directory holds private keys: create it 0700.
fn create_private_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("failed to create {}", dir.display()))
}

/// Client certificates issued by the kube-apiserver client signers authenticate to Signet, as
/// in a cluster: their CAs join the cluster CA as client-certificate roots.
fn tls_with_signer_roots(
    pki: &pki::ServerPki,
    ca_store: &CaStore,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut roots = (*pki
        .client_ca_roots()
        .context("failed to read the client CA")?)
    .clone();
    for name in [
        "kubernetes.io/kube-apiserver-client",
        "kubernetes.io/kube-apiserver-client-kubelet",
    ] {
        let Some(source) = ca_store.get(name) else {
            continue;
        };
        let ca = source
            .current()
            .with_context(|| format!("failed to read the CA of {name}"))?;
        let der = pki::certificate_der(&ca.cert_pem())
            .with_context(|| format!("invalid CA of {name}"))?;
        roots
            .add(der)
            .with_context(|| format!("the CA of {name} cannot be a client root"))?;
    }
    let key = pki
        .serving_key()
        .context("failed to read the serving key")?;
    tls::server_config(pki.serving_chain(), key, Some(Arc::new(roots)))
        .context("failed to configure TLS")
}

/// An in-process client acting as the controller user `name` (and `system:authenticated`).
fn controller_client(
    state: &signet_apiserver::server::AppState,
    csrs: signet_apiserver::registry::Registry,
    clock: Arc<dyn signet_api::clock::Clock>,
    name: &str,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Arc<dyn CsrClient> {
    let user = UserInfo {
        name: name.to_string(),
        groups: vec!["system:authenticated".to_string()],
        ..Default::default()
    };
    Arc::new(InProcessCsrClient::new(
        csrs,
        state.authz.clone(),
        clock,
        user,
        shutdown,
    ))
}

/// Run the approving controller (as `signet:controller:approver`) and the cleaner (as
/// `signet:controller:cleaner`) in-process, through the same authorization and admission as
/// any client, as kube-controller-manager runs `csrapproving` and `csrcleaner`.
fn start_approver_and_cleaner(
    state: &signet_apiserver::server::AppState,
    clock: Arc<dyn signet_api::clock::Clock>,
    cleaner: CleanerConfig,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let Some(csrs) = state
        .registry("certificates.k8s.io", "v1", "certificatesigningrequests")
        .cloned()
    else {
        return;
    };
    let client = controller_client(
        state,
        csrs.clone(),
        clock.clone(),
        signet_api::rbac::SIGNET_CONTROLLER_APPROVER,
        shutdown.clone(),
    );
    let controller = Arc::new(SarApprover::new(client.clone()));
    tokio::spawn(Runner::new(client, controller, approver::runner_config()).run(shutdown.clone()));
    let client = controller_client(
        state,
        csrs,
        clock.clone(),
        signet_api::rbac::SIGNET_CONTROLLER_CLEANER,
        shutdown.clone(),
    );
    tokio::spawn(Cleaner::new(client, clock, cleaner).run(shutdown));
}

/// Run the signing controller in-process (as `signet:controller:signer`, through the same
/// authorization and admission as any client) and publish every signer's trust bundle.
fn start_signing(
    state: &signet_apiserver::server::AppState,
    clock: Arc<dyn signet_api::clock::Clock>,
    signers: &[crate::config::SignerConfig],
    ca_store: &Arc<CaStore>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let Some(csrs) = state
        .registry("certificates.k8s.io", "v1", "certificatesigningrequests")
        .cloned()
    else {
        return;
    };
    let client = controller_client(
        state,
        csrs,
        clock.clone(),
        signet_api::rbac::SIGNET_CONTROLLER_SIGNER,
        shutdown.clone(),
    );
    let specs: BTreeMap<String, SignerSpec> = signers
        .iter()
        .filter_map(|s| {
            let ca = ca_store.get(&s.name)?;
            Some((
                s.name.clone(),
                SignerSpec {
                    ca,
                    policy: s.policy.clone(),
                    max_ttl: s.max_ttl,
                    default_ttl: s.default_ttl,
                },
            ))
        })
        .collect();
    let controller = Arc::new(SigningController::new(client.clone(), specs, clock));
    tokio::spawn(
        Runner::new(client, controller, RunnerConfig::new("csrsigning")).run(shutdown.clone()),
    );
    if let Some(bundles) = state
        .registry("certificates.k8s.io", "v1", "clustertrustbundles")
        .cloned()
    {
        let sources: Vec<(String, Arc<signet_controllers::ca_store::CaSource>)> = ca_store
            .iter()
            .map(|(n, s)| (n.to_string(), s.clone()))
            .collect();
        tokio::spawn(signet_apiserver::trust_bundles::publish_loop(
            bundles,
            sources,
            state.authz.clone(),
            shutdown,
        ));
    }
}
