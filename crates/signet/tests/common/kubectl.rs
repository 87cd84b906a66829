//! Running a pinned kubectl build against the test server.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::cmd::{self, Background, Output};
use super::tools::required_tool;

/// The kubectl releases the suite runs every scenario with: the current one and an old one whose
/// requests (discovery, OpenAPI v2, older content types) the server must still serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubectlVersion {
    V1_37,
    V1_24,
}

impl KubectlVersion {
    /// The environment variable `scripts/test.sh` sets to the binary.
    pub fn env_var(self) -> &'static str {
        match self {
            KubectlVersion::V1_37 => "SIGNET_KUBECTL_1_37",
            KubectlVersion::V1_24 => "SIGNET_KUBECTL_1_24",
        }
    }

    pub fn binary(self) -> PathBuf {
        required_tool(self.env_var())
    }
}

impl fmt::Display for KubectlVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KubectlVersion::V1_37 => "kubectl 1.37",
            KubectlVersion::V1_24 => "kubectl 1.24",
        })
    }
}

/// kubectl bound to a kubeconfig, with its own HOME and discovery cache (so nothing from the
/// machine's ~/.kube, nor from an earlier server on the same port, leaks into a test).
#[derive(Clone, Debug)]
pub struct Kubectl {
    pub version: KubectlVersion,
    binary: PathBuf,
    kubeconfig: PathBuf,
    home: PathBuf,
}

/// Bound on one kubectl invocation; a healthy one takes well under a second.
const TIMEOUT: Duration = Duration::from_secs(60);

impl Kubectl {
    pub fn new(version: KubectlVersion, kubeconfig: &Path, home: &Path) -> Kubectl {
        std::fs::create_dir_all(home)
            .unwrap_or_else(|e| panic!("create kubectl home {}: {e}", home.display()));
        Kubectl {
            version,
            binary: version.binary(),
            kubeconfig: kubeconfig.to_path_buf(),
            home: home.to_path_buf(),
        }
    }

    /// The same kubectl with another kubeconfig (another user).
    pub fn with_kubeconfig(&self, kubeconfig: &Path) -> Kubectl {
        Kubectl {
            kubeconfig: kubeconfig.to_path_buf(),
            ..self.clone()
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.home.join("cache"))
            .args(args)
            .env("HOME", &self.home)
            .env_remove("KUBECONFIG")
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .current_dir(&self.home);
        command
    }

    /// Runs kubectl and returns whatever happened.
    pub fn run(&self, args: &[&str]) -> Output {
        cmd::run(&mut self.command(args), TIMEOUT)
    }

    /// Runs kubectl, asserts it succeeded without printing anything on stderr (a user would see
    /// it), and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.success() && out.stderr.is_empty(),
            "{}: expected success with an empty stderr\n{out}",
            self.version
        );
        out.stdout
    }

    /// Runs kubectl and asserts it failed with exit code 1; returns the output.
    pub fn fails(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.code,
            Some(1),
            "{}: expected exit code 1\n{out}",
            self.version
        );
        out
    }

    /// Starts kubectl in the background (e.g. `get -w`).
    pub fn spawn(&self, args: &[&str]) -> Background {
        Background::spawn(&mut self.command(args))
    }
}
