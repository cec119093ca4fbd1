//! Shared helpers: a real sandbox on 127.0.0.1, the real binary, and small
//! raw TCP servers for answers the sandbox does not give.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use jetpack_partner::sandbox::Sandbox;
use serde_json::Value;

pub mod proxy;
pub mod rewind;

pub const PARTNER_ID: &str = "1234";
pub const SECRET: &str = "s3cret-partner-value";

/// A sandbox with the test partner.
pub fn sandbox() -> Sandbox {
    sandbox_with(SECRET)
}

pub fn sandbox_with(secret: &str) -> Sandbox {
    Sandbox::builder()
        .partner(PARTNER_ID, secret)
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The stderr JSON line of a failed call.
    pub fn error(&self) -> Value {
        let line = self.stderr.lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr is not one JSON line ({e}): {:?}", self.stderr))
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code; run: {self:#?}");
        self
    }

    /// Neither stream holds `needle`.
    pub fn assert_hidden(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout shows a secret: {self:#?}"
        );
        assert!(
            !self.stderr.contains(needle),
            "stderr shows a secret: {self:#?}"
        );
        self
    }
}

/// Runs the binary with a clean environment plus `env`, feeding `stdin`.
pub fn cli(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"));
    cmd.args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)
            .unwrap_or_else(|e| panic!("stdin: {e}"));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Total requests the sandbox has counted.
pub fn requests(sandbox: &Sandbox) -> u64 {
    sandbox.stats()["requests"].as_u64().unwrap_or(u64::MAX)
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A server that accepts connections, reads, and never answers. Lives
/// until the test process ends.
pub fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://{addr}")
}

/// A server that answers every request with exactly `response` (a whole
/// HTTP/1.1 response, head and body) and closes the connection.
pub fn fixed_server(response: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let response = response.clone();
            thread::spawn(move || answer_once(stream, &response));
        }
    });
    format!("http://{addr}")
}

/// A server like [`fixed_server`] that also keeps every request it read
/// (head and body, as bytes), for a test to look at what was sent.
pub fn capturing_server(
    response: Vec<u8>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = seen.clone();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (response, keep) = (response.clone(), keep.clone());
            thread::spawn(move || {
                let mut stream = stream;
                // Kept before the answer goes out, so a test that has its
                // answer sees its request.
                let request = read_request(&mut stream);
                keep.lock().unwrap_or_else(|e| e.into_inner()).push(request);
                let _ = stream.write_all(&response);
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn answer_once(mut stream: TcpStream, response: &[u8]) {
    read_request(&mut stream);
    let _ = stream.write_all(response);
}

/// Reads one request: the head, and as much body as it announces.
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    // Read the head and as much body as Content-Length announces.
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = find(&seen, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                break;
            }
        }
    }
    seen
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An HTTP/1.1 response with the given status, content type and body.
pub fn http_response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A fresh directory of the temporary directory, named after `tag`, that
/// only its owner can use (0700) whatever the umask.
pub fn private_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "jetpack-partner-{tag}-{}-{}",
        std::process::id(),
        jetpack_partner::sandbox::random_secret()
    ));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .unwrap_or_else(|e| panic!("mkdir: {e}"));
    dir
}

/// A file with `content`, in a fresh directory of the temporary directory.
/// The directory is private (0700) whatever the umask, so a token cache
/// made inside it is used (the cache skips a directory in a parent that
/// group or others can write to).
pub fn temp_file(name: &str, content: &[u8]) -> std::path::PathBuf {
    let path = private_dir("test").join(name);
    std::fs::write(&path, content).unwrap_or_else(|e| panic!("write: {e}"));
    path
}

/// The access token the sandbox issues to the test partner.
pub fn token_of(sandbox: &Sandbox, secret: &str) -> String {
    let client = jetpack_partner::Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let credentials =
        jetpack_partner::Credentials::new(PARTNER_ID, jetpack_partner::Secret::new(secret));
    client
        .send(&jetpack_partner::TokenGrant::new(&credentials), None)
        .unwrap_or_else(|e| panic!("{e}"))
        .access_token
        .expose()
        .to_owned()
}

/// GETs a path with a bearer token: (status, body text).
pub fn raw_get(base: &str, path: &str, token: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .get(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .unwrap_or_else(|e| panic!("{e}"));
    let status = answer.status().as_u16();
    (
        status,
        answer.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// The fields the sandbox recorded for the last request to `endpoint`.
pub fn last_fields(sandbox: &Sandbox, endpoint: &str) -> Value {
    sandbox.stats()["last_fields"][endpoint].clone()
}

/// Runs the binary against `sandbox` as the test partner (secret from the
/// environment), with `args` after the global options.
pub fn partner_cli(sandbox: &Sandbox, args: &[&str]) -> Run {
    let mut full = vec!["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID];
    full.extend_from_slice(args);
    cli(&full, &[("JETPACK_PARTNER_SECRET", SECRET)], None)
}

/// Connects a site of the sandbox at `base`, as its owner does by
/// following `next_url`: `POST /_sandbox/connect?site=SITE`. Gives the
/// answer.
pub fn connect_site(base: &str, site: &str) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .post(format!("{base}/_sandbox/connect?site={site}"))
        .send_empty()
        .unwrap_or_else(|e| panic!("{e}"));
    let status = answer.status().as_u16();
    let body = answer.body_mut().read_to_string().unwrap_or_default();
    assert_eq!(status, 200, "connect {site}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// `jetpack-partner sandbox ARGS` in a child process, stopped when
/// dropped.
pub struct SandboxProcess {
    child: std::process::Child,
    /// The base URL it printed on its first line.
    pub base: String,
}

impl SandboxProcess {
    /// Starts it; panics with its stderr when it does not print a URL.
    pub fn start(args: &[&str]) -> SandboxProcess {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
            .arg("sandbox")
            .args(args)
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"));
        let mut first = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out)
                .read_line(&mut first)
                .unwrap_or_default();
        }
        let base = first.trim().to_owned();
        if !base.starts_with("http") {
            let mut why = String::new();
            if let Some(mut err) = child.stderr.take() {
                let _ = err.read_to_string(&mut why);
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!("sandbox {args:?} did not start: {why}");
        }
        SandboxProcess { child, base }
    }

    /// What its `GET /_sandbox/stats` answers.
    pub fn stats(&self) -> Value {
        let (status, body) = raw_get(&self.base, "/_sandbox/stats", "none");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("stats: {e}: {body}"))
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with `args` (the partner secret in its environment,
/// output thrown away) for at most `limit`: its exit status if it ended by
/// then, else `None` after a SIGKILL, as `kill -9` would leave it.
pub fn run_or_kill(args: &[&str], limit: Duration) -> Option<std::process::ExitStatus> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args(args)
        .env_clear()
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    None
}
