//! `--exec PATH`: the host's own program, run once per notification with
//! the notification's JSON on its standard input.
//!
//! It is run directly, never through a shell, with no arguments, so
//! nothing in a notification can become a command. It runs in a process
//! group of its own; when it runs past its bound, the whole group is
//! killed (a shell script's `curl` or `sleep` too), and the notification
//! is answered as if there were no hook.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jetpack_partner::monitor::{hook_time, HookOutcome};
use jetpack_partner::UtcTime;

/// The most of a hook's standard output that is read: a time is 30 bytes.
const MAX_OUTPUT: u64 = 4096;

/// How often a running hook is looked at.
const POLL: Duration = Duration::from_millis(10);

/// Variables a hook never sees: the program's own secrets.
const HIDDEN_VARIABLES: &[&str] = &["JETPACK_PARTNER_SECRET", "JETPACK_ACCESS_TOKEN"];

/// The hook and its bound.
pub struct Hook {
    pub path: PathBuf,
    pub timeout: Duration,
}

/// How a hook ran.
pub struct Ran {
    pub outcome: HookOutcome,
    /// The time it printed, when it exited 0 and printed one.
    pub time: Option<UtcTime>,
    /// For people: its exit status, or why it did not run.
    pub detail: String,
}

impl Ran {
    fn new(outcome: HookOutcome, detail: impl Into<String>) -> Ran {
        Ran {
            outcome,
            time: None,
            detail: detail.into(),
        }
    }
}

/// Checks `--exec PATH` before the server starts, and makes the path
/// absolute (no `PATH` search, no surprise after a change of directory):
/// an executable regular file that only its owner may change.
pub fn check(path: &str) -> Result<PathBuf, String> {
    let absolute = Path::new(path)
        .canonicalize()
        .map_err(|e| format!("--exec {path}: {e}"))?;
    let meta = absolute
        .metadata()
        .map_err(|e| format!("--exec {path}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("--exec {path} is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o111 == 0 {
            return Err(format!(
                "--exec {path} is not executable (mode {mode:04o}); run: chmod u+x {path}"
            ));
        }
        if mode & 0o022 != 0 {
            return Err(format!(
                "--exec {path} is writable by group or others (mode {mode:04o}), who could \
                 make it run anything as this server; run: chmod go-w {path}"
            ));
        }
    }
    Ok(absolute)
}

impl Hook {
    /// Runs the hook with `input` on its standard input, within its bound.
    pub fn run(&self, input: String) -> Ran {
        let mut command = Command::new(&self.path);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for variable in HIDDEN_VARIABLES {
            command.env_remove(variable);
        }
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return Ran::new(HookOutcome::NotStarted, format!("could not start: {e}")),
        };
        let deadline = Instant::now() + self.timeout;
        // A hook that does not read its input, or whose output stays open,
        // must not hold the server: both are done on a thread of its own,
        // which ends when the hook's group is gone.
        let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
        let io = std::thread::spawn(move || {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(input.as_bytes());
            }
            let mut kept = Vec::new();
            if let Some(mut stdout) = stdout {
                let _ = (&mut stdout).take(MAX_OUTPUT).read_to_end(&mut kept);
                let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            }
            kept
        });
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
                _ => {
                    kill(&mut child);
                    return self.timed_out("did not finish");
                }
            }
        };
        while !io.is_finished() && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        if !io.is_finished() {
            // It exited, but something it started still holds its output.
            kill_group(&child);
            return self.timed_out("left a process holding its output open");
        }
        let printed = io.join().unwrap_or_default();
        if !status.success() {
            return Ran::new(HookOutcome::Failed, format!("failed ({status})"));
        }
        match hook_time(&printed) {
            Some(time) => Ran {
                time: Some(time),
                ..Ran::new(HookOutcome::Time, format!("printed {}", time.zulu()))
            },
            None => Ran::new(HookOutcome::NoTime, "printed no time"),
        }
    }

    fn timed_out(&self, what: &str) -> Ran {
        let secs = self.timeout.as_secs_f64();
        Ran::new(
            HookOutcome::TimedOut,
            format!("{what} within {secs} s and was killed, with what it started"),
        )
    }
}

/// Kills the hook and everything in its process group, and reaps it.
fn kill(child: &mut Child) {
    kill_group(child);
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
fn kill_group(child: &Child) {
    use rustix::process::{kill_process_group, Pid, Signal};
    let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
}

#[cfg(not(unix))]
fn kill_group(_: &Child) {}
