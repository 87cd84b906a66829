//! The external programs the end-to-end tests need, as installed by `scripts/test.sh`.
//!
//! kubectl and the Python client are named by environment variables, never found on `PATH`: the
//! machine may carry another kubectl, and the suite must test the exact builds it pins. A missing
//! tool fails the test with a message saying how to get it; nothing is skipped silently.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::cmd::{self, Output};

/// What a failing test tells the person running it.
pub const HOW_TO_RUN: &str = "run the suite with `scripts/test.sh`, which installs the test tools \
     into .tools/ and exports SIGNET_KUBECTL_1_37, SIGNET_KUBECTL_1_24 and SIGNET_PYTHON";

/// The executable named by the environment variable `var`.
pub fn required_tool(var: &str) -> PathBuf {
    let value = std::env::var_os(var).filter(|v| !v.is_empty());
    let Some(value) = value else {
        panic!("{var} is not set: {HOW_TO_RUN}");
    };
    let path = PathBuf::from(value);
    if !path.is_file() {
        panic!("{var}={} is not a file: {HOW_TO_RUN}", path.display());
    }
    path
}

/// The Python interpreter of `.tools/venv`, which has the official `kubernetes` client.
pub fn python_binary() -> PathBuf {
    required_tool("SIGNET_PYTHON")
}

/// `openssl`, a Debian package that `scripts/install-test-tools.sh` installs when missing.
pub fn openssl(args: &[&str], cwd: &Path) -> Output {
    if let Err(e) = Command::new("openssl").arg("version").output() {
        panic!("openssl cannot be started ({e}): {HOW_TO_RUN}");
    }
    let mut command = Command::new("openssl");
    command.args(args).current_dir(cwd);
    let out = cmd::run(&mut command, Duration::from_secs(60));
    assert!(out.success(), "openssl failed\n{out}");
    out
}

/// Runs a script from `tests/python/` with the venv's Python and the given arguments.
pub fn python(script: &str, args: &[&str], timeout: Duration) -> Output {
    let python = python_binary();
    let script = cmd::tests_path(&format!("python/{script}"));
    let mut command = Command::new(python);
    command
        .arg(script)
        .args(args)
        // Unbuffered, so output written before a hang or a crash is not lost.
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("KUBECONFIG");
    cmd::run(&mut command, timeout)
}
