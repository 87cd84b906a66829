//! Running external programs with a deadline, and programs left running in the background.
//!
//! Output goes to temporary files rather than pipes, so a chatty program can never block on a full
//! pipe while the test waits for it, and a background program's output can be read while it runs.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How often a waiting test looks again at a process or a file.
pub const POLL: Duration = Duration::from_millis(25);

/// The result of a finished command.
#[derive(Clone, Debug)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// The exit code; `None` when the process was killed by a signal (or by the deadline).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Whether the deadline passed and the process was killed.
    pub timed_out: bool,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.command)?;
        if self.timed_out {
            writeln!(f, "TIMED OUT (killed)")?;
        }
        writeln!(f, "exit code: {:?}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// Renders a command line for messages.
pub fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(char::is_whitespace) {
            format!("'{a}'")
        } else {
            a.into_owned()
        }
    }));
    parts.join(" ")
}

fn read_all(file: &mut File) -> String {
    let mut bytes = Vec::new();
    // A read error here means the temporary file vanished; the output is then reported as empty
    // and the caller's assertion on it shows what was missing.
    if file.seek(SeekFrom::Start(0)).is_ok() {
        let _ = file.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `cmd` to completion with stdin closed, killing it if it outlives `timeout`.
pub fn run(cmd: &mut Command, timeout: Duration) -> Output {
    let command = describe(cmd);
    let mut out = tempfile::tempfile().expect("create a temporary file for stdout");
    let mut err = tempfile::tempfile().expect("create a temporary file for stderr");
    cmd.stdin(Stdio::null())
        .stdout(out.try_clone().expect("clone the stdout file handle"))
        .stderr(err.try_clone().expect("clone the stderr file handle"));
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{command}`: {e}"));
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (Some(status), false),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                break (child.wait().ok(), true);
            }
            Ok(None) => sleep(POLL),
            Err(e) => panic!("cannot wait for `{command}`: {e}"),
        }
    };
    Output {
        command,
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout: read_all(&mut out),
        stderr: read_all(&mut err),
        timed_out,
    }
}

/// A program running in the background (e.g. `kubectl get -w`), killed when dropped.
pub struct Background {
    command: String,
    child: Child,
    stdout: File,
    stderr: File,
}

impl Background {
    /// Starts `cmd` with stdin closed and its output captured.
    pub fn spawn(cmd: &mut Command) -> Background {
        let command = describe(cmd);
        let stdout = tempfile::tempfile().expect("create a temporary file for stdout");
        let stderr = tempfile::tempfile().expect("create a temporary file for stderr");
        cmd.stdin(Stdio::null())
            .stdout(stdout.try_clone().expect("clone the stdout file handle"))
            .stderr(stderr.try_clone().expect("clone the stderr file handle"));
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{command}`: {e}"));
        Background {
            command,
            child,
            stdout,
            stderr,
        }
    }

    /// What the program printed so far.
    pub fn stdout(&mut self) -> String {
        read_all(&mut self.stdout)
    }

    pub fn stderr(&mut self) -> String {
        read_all(&mut self.stderr)
    }

    /// Waits until the program's stdout satisfies `done`, and returns it; panics after `timeout`
    /// with everything the program printed.
    pub fn wait_for_stdout(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.stdout();
            if done(&out) {
                return out;
            }
            let exited = matches!(self.child.try_wait(), Ok(Some(_)));
            if exited || Instant::now() >= deadline {
                // One last look: the output may have landed between the two reads.
                let out = self.stdout();
                if done(&out) {
                    return out;
                }
                let state = if exited { "exited" } else { "still running" };
                let stderr = self.stderr();
                panic!(
                    "`{}` ({state} after {timeout:?}) never printed {what}\n--- stdout ---\n{out}\n--- stderr ---\n{stderr}",
                    self.command
                );
            }
            sleep(POLL);
        }
    }

    /// Kills the program and returns its final output.
    pub fn stop(mut self) -> (String, String) {
        self.kill();
        (self.stdout(), self.stderr())
    }

    fn kill(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends SIGTERM to `pid` (through the shell's `kill` builtin: the tests may not use `unsafe`, and
/// the standard library only offers SIGKILL).
pub fn terminate(pid: u32) -> bool {
    Command::new("bash")
        .args(["-c", "kill -TERM \"$1\"", "kill", &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits up to `timeout` for `child` to exit.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() >= deadline => return None,
            Ok(None) => sleep(POLL),
            Err(_) => return None,
        }
    }
}

/// A path inside the crate's `tests/` directory.
pub fn tests_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(relative)
}
