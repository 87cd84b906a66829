//! Starting and stopping the real `signet serve` binary for one test.
//!
//! Each [`Server`] gets a fresh temporary directory (`data/` is the data dir, `work/` holds the
//! test's own files), a free loopback port, and a log file with everything the server printed.
//! It is ready when `GET /readyz` answers `ok` with the admin credentials from
//! `data/admin.kubeconfig`. Dropping it stops the server; when the test is failing (the drop
//! happens while unwinding), the server's log is printed and the directory is kept.

use std::fs::{File, OpenOptions};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::cmd::{self, POLL};
use super::https::{HttpsClient, Identity};
use super::kubeconfig::{self, Credentials};
use super::kubectl::{Kubectl, KubectlVersion};

/// How long a server may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a server may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of the log a failing test prints.
const LOG_TAIL: usize = 20_000;

pub struct Server {
    /// `None` only once the directory has been kept on purpose (failing test).
    root: Option<TempDir>,
    root_path: PathBuf,
    port: u16,
    extra_args: Vec<String>,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener
        .local_addr()
        .expect("read the ephemeral port")
        .port()
}

impl Server {
    /// Starts `signet serve` with defaults and waits until it is ready.
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    /// Starts `signet serve` with extra flags and waits until it is ready.
    pub fn start_with(extra_args: &[&str]) -> Server {
        let extra: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
        Self::start_prepared(|_| extra)
    }

    /// Lets `prepare` write files into the work directory (e.g. a token file) and return the
    /// extra flags that name them, then starts `signet serve` and waits until it is ready.
    pub fn start_prepared(prepare: impl FnOnce(&Path) -> Vec<String>) -> Server {
        let root = tempfile::Builder::new()
            .prefix("signet-e2e-")
            .tempdir()
            .expect("create the test's temporary directory");
        let root_path = root.path().to_path_buf();
        for sub in ["data", "work"] {
            std::fs::create_dir_all(root_path.join(sub)).expect("create test directories");
        }
        let extra_args = prepare(&root_path.join("work"));
        let mut server = Server {
            root: Some(root),
            root_path,
            port: 0,
            extra_args,
            child: None,
        };
        // Another process may grab the probed port before the server binds it; retry then.
        for attempt in 1..=3 {
            server.port = free_port();
            server.spawn();
            match server.wait_ready() {
                Ok(()) => return server,
                Err(why) if attempt < 3 && server.log().contains("in use") => {
                    eprintln!(
                        "signet serve could not bind port {}: {why}; retrying",
                        server.port
                    );
                }
                Err(why) => panic!("{why}"),
            }
        }
        unreachable!("the last attempt either returns or panics")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root_path.join("data")
    }

    /// A directory for the test's own files (manifests, keys, kubeconfigs).
    pub fn work_dir(&self) -> PathBuf {
        self.root_path.join("work")
    }

    pub fn pki_dir(&self) -> PathBuf {
        self.data_dir().join("pki")
    }

    pub fn admin_kubeconfig(&self) -> PathBuf {
        self.data_dir().join("admin.kubeconfig")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn log_path(&self) -> PathBuf {
        self.root_path.join("server.log")
    }

    /// Everything the server printed so far (stdout and stderr, all runs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_report(&self) -> String {
        let log = self.log();
        let tail = if log.len() > LOG_TAIL {
            let mut cut = log.len() - LOG_TAIL;
            while !log.is_char_boundary(cut) {
                cut += 1;
            }
            format!("[... {cut} bytes cut ...]\n{}", &log[cut..])
        } else {
            log
        };
        format!(
            "--- signet serve log ({}) ---\n{tail}\n--- end of signet serve log ---",
            self.log_path().display()
        )
    }

    /// The admin credentials, as kubectl would read them.
    pub fn admin_credentials(&self) -> Credentials {
        kubeconfig::load(&self.admin_kubeconfig())
            .unwrap_or_else(|e| panic!("admin kubeconfig unusable: {e}"))
    }

    /// A raw HTTPS client authenticated as the admin.
    pub fn admin_client(&self) -> HttpsClient {
        HttpsClient::from_credentials(&self.admin_credentials())
            .unwrap_or_else(|e| panic!("cannot build the admin HTTPS client: {e}"))
    }

    /// A raw HTTPS client with no credentials.
    pub fn anonymous_client(&self) -> HttpsClient {
        self.client_as(Identity::Anonymous)
    }

    /// A raw HTTPS client to this server (trusting its CA) with `identity`.
    pub fn client_as(&self, identity: Identity) -> HttpsClient {
        let creds = self.admin_credentials();
        HttpsClient::new(&creds.server, &creds.ca_pem, identity)
            .unwrap_or_else(|e| panic!("cannot build an HTTPS client: {e}"))
    }

    /// kubectl of `version` with the admin kubeconfig.
    pub fn kubectl(&self, version: KubectlVersion) -> Kubectl {
        let home = self.root_path.join(format!("kubectl-home-{version:?}"));
        Kubectl::new(version, &self.admin_kubeconfig(), &home)
    }

    fn spawn(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the server log");
        let log_err: File = log.try_clone().expect("clone the server log handle");
        let mut command = Command::new(env!("CARGO_BIN_EXE_signet"));
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.extra_args)
            .env_remove("KUBECONFIG")
            // The log is read from a file: no terminal colour codes in it.
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        let line = cmd::describe(&command);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{line}`: {e}"));
        self.child = Some(child);
    }

    /// Polls `/readyz` until it answers `ok`; fails early if the server exits.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut last = String::from("admin.kubeconfig not written yet");
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!(
                    "signet serve exited before it was ready ({status}); last readiness check: {last}"
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "signet serve was not ready within {READY_TIMEOUT:?}; last readiness check: {last}"
                ));
            }
            match self.probe_ready() {
                Ok(()) => return Ok(()),
                Err(why) => last = why,
            }
            sleep(POLL);
        }
    }

    fn probe_ready(&self) -> Result<(), String> {
        let creds = kubeconfig::load(&self.admin_kubeconfig())?;
        let client = HttpsClient::from_credentials(&creds)?;
        let response = client.get("/readyz")?;
        let body = response.text();
        if response.status == 200 && body.trim() == "ok" {
            Ok(())
        } else {
            Err(format!("GET /readyz: HTTP {} {body:?}", response.status))
        }
    }

    /// Sends SIGTERM and waits for the server to exit; panics if it does not within 10 s.
    pub fn terminate(&mut self) -> ExitStatus {
        let Some(mut child) = self.child.take() else {
            panic!("the server is not running");
        };
        cmd::terminate(child.id());
        match cmd::wait_exit(&mut child, STOP_TIMEOUT) {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("signet serve did not exit within {STOP_TIMEOUT:?} of SIGTERM");
            }
        }
    }

    /// Starts the server again on the same data dir and port (after [`Server::terminate`]).
    pub fn restart(&mut self) {
        assert!(
            self.child.is_none(),
            "terminate the server before restarting it"
        );
        self.spawn();
        if let Err(why) = self.wait_ready() {
            panic!("restart: {why}");
        }
    }

    /// The root directory of this test (kept when the test fails).
    pub fn root(&self) -> &Path {
        &self.root_path
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            cmd::terminate(child.id());
            if cmd::wait_exit(&mut child, STOP_TIMEOUT).is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if std::thread::panicking() {
            eprintln!("{}", self.log_report());
            if let Some(root) = self.root.take() {
                let kept = root.keep();
                eprintln!("test files kept in {}", kept.display());
            }
        }
    }
}
