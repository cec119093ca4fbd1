//! `monitor serve`: the real binary on 127.0.0.1, driven over raw TCP as
//! Jetpack Monitor, a scanner, a slow client or a crowd would drive it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::temp_file;

/// The documented example body.
const DOCUMENTED: &str =
    r#"{"ts":1385139152,"url":"http:\/\/example.com","code":403,"host":"example","type":"http"}"#;

/// The bound on any wait that would otherwise hang a broken test.
const HANG: Duration = Duration::from_secs(30);

/// A private directory of its own.
fn temp_dir() -> PathBuf {
    let file = temp_file("placeholder", b"");
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    dir
}

/// A running `monitor serve`.
struct Server {
    child: Child,
    addr: String,
    dir: PathBuf,
    journal: PathBuf,
    stderr: Arc<Mutex<String>>,
}

/// Starts `monitor serve --listen 127.0.0.1:0 --output DIR/journal.jsonl
/// ARGS`, in DIR, and waits for the URL it prints.
fn start(args: &[&str]) -> Server {
    start_in(&temp_dir(), args)
}

fn start_in(dir: &Path, args: &[&str]) -> Server {
    let journal = dir.join("journal.jsonl");
    let mut command = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"));
    command
        .args(["monitor", "serve", "--listen", "127.0.0.1:0", "--output"])
        .arg(&journal)
        .args(args);
    spawn(command, dir, journal)
}

fn spawn(mut command: Command, dir: &Path, journal: PathBuf) -> Server {
    let mut child = command
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let stderr = Arc::new(Mutex::new(String::new()));
    if let Some(pipe) = child.stderr.take() {
        let stderr = Arc::clone(&stderr);
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut all = stderr.lock().unwrap_or_else(|e| e.into_inner());
                all.push_str(&line);
                all.push('\n');
            }
        });
    }
    let (sender, url) = mpsc::channel();
    if let Some(pipe) = child.stdout.take() {
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(pipe).read_line(&mut line);
            let _ = sender.send(line);
        });
    }
    let line = url.recv_timeout(HANG).unwrap_or_default();
    let mut server = Server {
        child,
        addr: String::new(),
        dir: dir.to_owned(),
        journal,
        stderr,
    };
    match line.trim().strip_prefix("http://") {
        Some(addr) => server.addr = addr.to_owned(),
        None => panic!("no URL on stdout: {line:?}; stderr: {}", server.stderr()),
    }
    server
}

/// What came back over one connection.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Server {
    fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).unwrap_or_else(|e| panic!("connect: {e}"));
        let _ = stream.set_read_timeout(Some(HANG));
        stream
    }

    /// Sends `request` as it is and reads the answer to its end.
    fn raw(&self, request: &[u8]) -> Answer {
        let mut stream = self.connect();
        let _ = stream.write_all(request);
        read_answer(&mut stream)
    }

    /// POSTs `body` to `path` with a Content-Length and `headers`.
    fn post_to(&self, path: &str, body: &str, headers: &str) -> Answer {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: monitor\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        );
        self.raw(request.as_bytes())
    }

    fn post(&self, body: &str) -> Answer {
        self.post_to("/jetpack-monitor", body, "")
    }

    /// The journal's lines as JSON.
    fn journal(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.journal)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("sh")
            .args(["-c", &format!("kill -{name} {}", self.child.id())])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name}");
    }

    /// Stops it with SIGTERM and waits for it: its exit status and stderr.
    fn stop(mut self) -> (ExitStatus, String) {
        self.signal("TERM");
        let status = wait(&mut self.child);
        // The stderr reader ends with the process.
        let until = Instant::now() + Duration::from_secs(5);
        while !self.stderr().contains("stopped") && Instant::now() < until {
            thread::sleep(Duration::from_millis(20));
        }
        (status, self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for a child, within [`HANG`].
fn wait(child: &mut Child) -> ExitStatus {
    let until = Instant::now() + HANG;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        assert!(Instant::now() < until, "the server did not stop");
        thread::sleep(Duration::from_millis(20));
    }
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// An executable script in `dir`.
fn script(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
    }
    path.to_string_lossy().into_owned()
}

/// Whether process `pid` is gone (or a zombie no one has reaped yet).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

fn wait_for_file(path: &Path) -> String {
    let until = Instant::now() + HANG;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.ends_with('\n') {
                return text;
            }
        }
        assert!(Instant::now() < until, "{path:?} never written");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_valid_notification_is_recorded_synced_and_answered_ok() {
    let server = start(&[]);
    let answer = server.post(DOCUMENTED);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "ok", "exactly two characters");
    assert!(answer.head.contains("Connection: close"), "{answer:?}");
    // Recorded before the answer: a crash right after it loses nothing.
    let journal = server.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    assert_eq!(journal[0]["journal"], "jetpack-partner monitor");
    let record = &journal[1];
    assert_eq!(
        record["notification"],
        serde_json::json!({"ts":1385139152,"url":"http://example.com","code":403,"host":"example","type":"http"})
    );
    assert_eq!(
        (record["answer"].as_str(), record["down"].as_bool()),
        (Some("ok"), Some(true))
    );
    assert!(record["remote"]
        .as_str()
        .is_some_and(|r| r.starts_with("127.0.0.1:")));
    assert!(record["received"]
        .as_str()
        .is_some_and(|r| r.ends_with('Z')));
    assert_eq!(record.get("hook"), None, "no hook given");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&server.journal).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }
    let (status, stderr) = server.stop();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("code=403 url=http://example.com host=example answer=ok"),
        "{stderr}"
    );
}

#[test]
fn a_killed_server_has_recorded_every_notification_it_answered() {
    let dir = temp_dir();
    let mut server = start_in(&dir, &[]);
    for code in [500, 0, 200] {
        let body = format!(r#"{{"ts":1,"url":"https://a.example","code":{code}}}"#);
        assert_eq!(server.post(&body).body, "ok");
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    let journal = server.journal();
    let codes: Vec<&Value> = journal[1..]
        .iter()
        .map(|r| &r["notification"]["code"])
        .collect();
    assert_eq!(codes, [500, 0, 200]);
    assert_eq!(journal[3]["down"], false, "200 is a recovery");
    // A new server on the same journal appends after what is there.
    let again = start_in(&dir, &[]);
    assert_eq!(again.post(DOCUMENTED).body, "ok");
    assert_eq!(again.journal().len(), 5);
}

#[test]
fn quiet_until_is_answered_with_the_time_while_it_is_to_come() {
    let server = start(&["--quiet-until", "2999-01-01T02:00:00+02:00"]);
    let answer = server.post(DOCUMENTED);
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "2999-01-01T00:00:00Z")
    );
    let recovery = server.post(r#"{"ts":1,"url":"http://example.com","code":200}"#);
    assert_eq!(recovery.body, "ok", "a site that is back gets ok");
    let journal = server.journal();
    assert_eq!(journal[1]["answer"], "2999-01-01T00:00:00Z");
    assert_eq!(journal[2]["answer"], "ok");

    let past = start(&["--quiet-until", "2001-01-01T00:00:00Z"]);
    assert_eq!(past.post(DOCUMENTED).body, "ok");
    let (_, stderr) = past.stop();
    assert!(
        stderr.contains("--quiet-until 2001-01-01T00:00:00Z has passed"),
        "{stderr}"
    );

    let bad = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            "/nonexistent/x",
            "--quiet-until",
            "tomorrow",
        ],
        &[],
        None,
    );
    bad.assert_code(2);
    assert!(
        bad.stderr
            .contains("--quiet-until \"tomorrow\" is not an RFC 3339 time"),
        "{bad:#?}"
    );
}

#[test]
fn a_hook_that_prints_a_time_gets_it_as_the_answer_and_reads_the_json_on_stdin() {
    let dir = temp_dir();
    let seen = dir.join("stdin.json");
    let hook = script(
        &dir,
        "hook",
        &format!(
            "#!/bin/sh\ncat > '{}'\necho 2999-06-01T12:00:00Z\n",
            seen.display()
        ),
    );
    let server = start_in(
        &dir,
        &["--exec", &hook, "--quiet-until", "2999-01-01T00:00:00Z"],
    );
    let answer = server.post(DOCUMENTED);
    assert_eq!(answer.body, "2999-06-01T12:00:00Z", "the hook's time wins");
    let stdin = std::fs::read_to_string(&seen).unwrap_or_default();
    assert_eq!(
        stdin,
        "{\"ts\":1385139152,\"url\":\"http://example.com\",\"code\":403,\"host\":\"example\",\"type\":\"http\"}\n"
    );
    assert_eq!(server.journal()[1]["hook"], "time");
}

#[test]
fn a_hook_that_prints_garbage_fails_or_hangs_gets_ok_and_a_hung_one_is_killed() {
    let dir = temp_dir();
    let garbage = script(&dir, "garbage", "#!/bin/sh\necho 'soon; rm -rf /'\n");
    let fails = script(
        &dir,
        "fails",
        "#!/bin/sh\necho 2999-06-01T12:00:00Z\nexit 3\n",
    );
    let pids = dir.join("pids");
    let hangs = script(
        &dir,
        "hangs",
        &format!(
            "#!/bin/sh\nsleep 120 &\necho \"$$ $!\" > '{}'\nwait\necho 2999-06-01T12:00:00Z\n",
            pids.display()
        ),
    );
    for (hook, outcome) in [
        (&garbage, "no_time"),
        (&fails, "failed"),
        (&hangs, "timed_out"),
    ] {
        let server = start_in(&dir, &["--exec", hook, "--exec-timeout", "1"]);
        let answer = server.post(DOCUMENTED);
        assert_eq!((answer.status, answer.body.as_str()), (200, "ok"), "{hook}");
        assert_eq!(
            server.journal().last().map(|r| r["hook"].clone()),
            Some(outcome.into())
        );
        let (_, stderr) = server.stop();
        if outcome != "no_time" {
            assert!(stderr.contains("hook for http://example.com:"), "{stderr}");
        }
        let _ = std::fs::remove_file(dir.join("journal.jsonl"));
    }
    // The hook and the sleep it started were killed.
    let pids = wait_for_file(&pids);
    for pid in pids.split_whitespace() {
        let until = Instant::now() + HANG;
        while !gone(pid) {
            assert!(
                Instant::now() < until,
                "process {pid} of the hook still runs"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_hook_that_cannot_start_or_leaves_its_output_open_gets_ok() {
    let dir = temp_dir();
    let broken = script(&dir, "broken", "#!/nonexistent/interpreter\n");
    let server = start_in(&dir, &["--exec", &broken]);
    assert_eq!(server.post(DOCUMENTED).body, "ok");
    assert_eq!(server.journal()[1]["hook"], "not_started");
    let (_, stderr) = server.stop();
    assert!(stderr.contains("could not start"), "{stderr}");
    let _ = std::fs::remove_file(dir.join("journal.jsonl"));

    // It exits at once, but what it started keeps its standard output.
    let pid = dir.join("pid");
    let leaves = script(
        &dir,
        "leaves",
        &format!(
            "#!/bin/sh\nsleep 120 &\necho $! > '{}'\nexit 0\n",
            pid.display()
        ),
    );
    let server = start_in(&dir, &["--exec", &leaves, "--exec-timeout", "1"]);
    assert_eq!(server.post(DOCUMENTED).body, "ok");
    assert_eq!(server.journal()[1]["hook"], "timed_out");
    let pid = wait_for_file(&pid);
    let until = Instant::now() + HANG;
    while !gone(&pid) {
        assert!(Instant::now() < until, "the hook's sleep still runs");
        thread::sleep(Duration::from_millis(20));
    }
    let (_, stderr) = server.stop();
    assert!(
        stderr.contains("left a process holding its output open"),
        "{stderr}"
    );
}

#[test]
fn nothing_in_a_notification_reaches_a_shell() {
    let dir = temp_dir();
    let seen = dir.join("stdin.json");
    let hook = script(
        &dir,
        "hook",
        &format!("#!/bin/sh\ncat > '{}'\n", seen.display()),
    );
    let server = start_in(&dir, &["--exec", &hook]);
    let url = "http://x.example/$(touch${IFS}pwned1)`touch${IFS}pwned2`;touch${IFS}pwned3";
    let host = "a;touch${IFS}pwned4|touch${IFS}pwned5&&$(touch${IFS}pwned6)";
    let body = serde_json::json!({"ts": 1, "url": url, "code": 503, "host": host, "type": "http"});
    let answer = server.post(&body.to_string());
    assert_eq!(answer.body, "ok", "{answer:?}");
    let stdin: Value = serde_json::from_str(&std::fs::read_to_string(&seen).unwrap_or_default())
        .unwrap_or_default();
    assert_eq!(
        (stdin["url"].as_str(), stdin["host"].as_str()),
        (Some(url), Some(host))
    );
    let (_, stderr) = server.stop();
    let files: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(!files.iter().any(|f| f.starts_with("pwned")), "{files:?}");
    assert!(stderr.contains(url), "logged as it came: {stderr}");
}

#[test]
fn bad_bodies_are_refused_with_their_statuses_and_not_recorded() {
    let server = start(&[]);
    let big = format!(
        r#"{{"ts":1,"url":"http://a","code":1,"x":"{}"}}"#,
        "a".repeat(16 * 1024)
    );
    let cases: &[(&str, u16, &str)] = &[
        (&big, 413, "the body is over 16 KiB"),
        ("not json", 400, "the body is not JSON"),
        ("[1,2]", 400, "not a JSON object"),
        (r#"{"ts":1,"code":500}"#, 400, "\"url\" is missing"),
        (r#"{"ts":1,"url":"http://a"}"#, 400, "\"code\" is missing"),
        (
            r#"{"ts":"now","url":"http://a","code":500}"#,
            400,
            "\"ts\" is not a whole number",
        ),
        (
            r#"{"ts":1,"url":["http://a"],"code":500}"#,
            400,
            "\"url\" is not a string",
        ),
        (
            r#"{"ts":1,"url":"http://a","code":"500"}"#,
            400,
            "\"code\" is not an HTTP status",
        ),
        (
            r#"{"ts":1,"url":"http://a","code":500,"host":7}"#,
            400,
            "\"host\" is not a string",
        ),
        (
            r#"{"ts":1,"url":"file:///etc/passwd","code":500}"#,
            400,
            "\"url\" is not an http",
        ),
    ];
    for (body, status, reason) in cases {
        let answer = server.post(body);
        assert_eq!(answer.status, *status, "{body:.80}: {answer:?}");
        assert!(answer.body.contains(reason), "{body:.80}: {answer:?}");
        assert!(!answer.body.contains("aaaa"), "the body is not echoed");
    }
    let raw: &[(&str, u16)] = &[
        ("POST / HTTP/1.1\r\nHost: a\r\n\r\n{}", 411),
        (
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
            411,
        ),
        (
            "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            400,
        ),
        ("POST / HTTP/1.1\r\nContent-Length: -2\r\n\r\n{}", 400),
        ("POST / HTTP/1.1\nContent-Length: 2\n\n{}", 400),
        ("POST / HTTP/2.0\r\nContent-Length: 2\r\n\r\n{}", 505),
        (
            "POST http://evil.example/ HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
            400,
        ),
        ("\x16\x03\x01\x02\x00\x01\x00\x01\x7f\x03\x03\r\n\r\n", 400),
    ];
    for (request, status) in raw {
        let answer = server.raw(request.as_bytes());
        assert_eq!(answer.status, *status, "{request:?}: {answer:?}");
    }
    let huge_head = format!("POST / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "h".repeat(9000));
    assert_eq!(server.raw(huge_head.as_bytes()).status, 431);
    assert_eq!(server.journal().len(), 1, "only the header");
    let (_, stderr) = server.stop();
    assert!(stderr.contains("refused 413"), "{stderr}");
    assert!(!stderr.contains("aaaa"), "bodies are not logged");
}

#[test]
fn get_and_other_methods_are_refused() {
    let server = start(&[]);
    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        let answer = server.raw(format!("{method} / HTTP/1.1\r\nHost: a\r\n\r\n").as_bytes());
        assert_eq!(answer.status, 405, "{method}: {answer:?}");
        assert!(
            answer.head.contains("\r\nAllow: POST"),
            "{method}: {answer:?}"
        );
    }
    assert_eq!(server.journal().len(), 1);
}

#[test]
fn a_missing_or_wrong_token_is_refused_and_the_token_never_shows() {
    let dir = temp_dir();
    let token = "3f1c9a7e0b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e";
    let file = dir.join("token");
    std::fs::write(&file, format!("{token}\n")).unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy().into_owned();
    let server = start_in(&dir, &["--require-token-file", &file, "-v"]);
    let wrong = "3f1c9a7e0b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1f";
    for (path, header) in [
        ("/jetpack-monitor".to_owned(), String::new()),
        (format!("/jetpack-monitor/{wrong}"), String::new()),
        (format!("/jetpack-monitor/{token}/x"), String::new()),
        (format!("/jetpack-monitor?token={token}"), String::new()),
        (
            "/jetpack-monitor".to_owned(),
            format!("Authorization: Bearer {wrong}\r\n"),
        ),
        (
            "/jetpack-monitor".to_owned(),
            format!("Authorization: {token}\r\n"),
        ),
    ] {
        let answer = server.post_to(&path, DOCUMENTED, &header);
        assert_eq!(answer.status, 401, "{path} {header}: {answer:?}");
        assert!(!answer.body.contains(token), "{answer:?}");
    }
    let in_path = server.post_to(&format!("/jetpack-monitor/{token}"), DOCUMENTED, "");
    assert_eq!((in_path.status, in_path.body.as_str()), (200, "ok"));
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let in_header = server.post_to("/jetpack-monitor", DOCUMENTED, &bearer);
    assert_eq!((in_header.status, in_header.body.as_str()), (200, "ok"));
    let journal = std::fs::read_to_string(&server.journal).unwrap_or_default();
    assert_eq!(journal.lines().count(), 3, "{journal}");
    assert!(!journal.contains(token), "{journal}");
    let (status, stderr) = server.stop();
    assert_eq!(status.code(), Some(0));
    assert!(stderr.contains("refused 401"), "{stderr}");
    assert!(
        !stderr.contains(token) && !stderr.contains(&token[..16]),
        "{stderr}"
    );

    // A token too short to be a secret is refused before serving, unshown.
    std::fs::write(&file, "short-secret\n").unwrap_or_else(|e| panic!("{e}"));
    let short = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            &dir.join("j").to_string_lossy(),
            "--require-token-file",
            &file,
        ],
        &[],
        None,
    );
    short.assert_code(2).assert_hidden("short-secret");
    assert!(
        short.stderr.contains("at least 32 characters"),
        "{short:#?}"
    );
    let missing = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            &dir.join("j").to_string_lossy(),
            "--require-token-file",
            "/nonexistent/token",
        ],
        &[],
        None,
    );
    missing.assert_code(5);
    assert!(
        missing.stderr.contains("/nonexistent/token"),
        "{missing:#?}"
    );
}

#[test]
fn two_servers_on_one_output_are_refused() {
    let first = start(&[]);
    let second = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            &first.journal.to_string_lossy(),
        ],
        &[],
        None,
    );
    second.assert_code(5);
    assert!(
        second.stderr.contains("in use by another monitor server"),
        "{second:#?}"
    );
    assert_eq!(second.error()["error_code"], "io_error");
    assert_eq!(first.post(DOCUMENTED).body, "ok", "the first one goes on");
    // A file that is not a monitor journal is not written to.
    let notes = first.dir.join("notes.txt");
    std::fs::write(&notes, "keep me\n").unwrap_or_else(|e| panic!("{e}"));
    let foreign = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            &notes.to_string_lossy(),
        ],
        &[],
        None,
    );
    foreign.assert_code(2);
    assert!(
        foreign.stderr.contains("is not a monitor journal"),
        "{foreign:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(&notes).ok().as_deref(),
        Some("keep me\n")
    );
}

#[test]
fn an_output_that_cannot_be_written_is_not_answered_ok() {
    // One that cannot be opened: the server does not start.
    let nowhere = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            "/nonexistent/dir/journal.jsonl",
        ],
        &[],
        None,
    );
    nowhere.assert_code(5);
    assert!(
        nowhere.stderr.contains("cannot open the output file"),
        "{nowhere:#?}"
    );

    // One that fills up while served: a file size limit of 1 KiB (as a
    // full disk, the write fails part way), with the signal it raises
    // ignored, as a full disk raises none.
    let dir = temp_dir();
    let journal = dir.join("journal.jsonl");
    let mut command = Command::new("sh");
    command.args([
        "-c",
        "trap '' XFSZ; ulimit -f 2; exec \"$0\" monitor serve --listen 127.0.0.1:0 --output \"$1\"",
        env!("CARGO_BIN_EXE_jetpack-partner"),
    ]);
    command.arg(&journal);
    let server = spawn(command, &dir, journal.clone());
    let mut answers = Vec::new();
    for _ in 0..12 {
        answers.push(server.post(DOCUMENTED).status);
    }
    assert_eq!(answers[0], 200, "{answers:?}");
    assert!(answers.contains(&503), "{answers:?}");
    let answered_ok = answers.iter().filter(|&&s| s == 200).count();
    assert!(
        answers[answered_ok..].iter().all(|&s| s == 503),
        "once full, never ok: {answers:?}"
    );
    // Every answered notification is recorded, and no line is torn.
    let journal = server.journal();
    assert_eq!(journal.len(), 1 + answered_ok, "{journal:?}");
    let (_, stderr) = server.stop();
    assert!(
        stderr.contains("could not be recorded, so it was answered 503"),
        "{stderr}"
    );
}

#[test]
fn many_concurrent_connections_are_bounded() {
    let server = start(&["--max-connections", "2", "--read-timeout", "30"]);
    // Two clients hold a connection each, their heads unfinished.
    let mut holders: Vec<TcpStream> = (0..2).map(|_| server.connect()).collect();
    for holder in &mut holders {
        let _ = holder.write_all(b"POST / HTTP/1.1\r\n");
    }
    let mut third = server.connect();
    let refused = read_answer(&mut third);
    assert_eq!(refused.status, 503, "{refused:?}");
    assert!(refused.head.contains("Retry-After: 1"), "{refused:?}");
    // One leaves: there is room again.
    drop(holders.pop());
    let until = Instant::now() + HANG;
    loop {
        let answer = server.post(DOCUMENTED);
        if answer.status == 200 {
            break;
        }
        assert_eq!(answer.status, 503);
        assert!(Instant::now() < until, "no room came back");
        thread::sleep(Duration::from_millis(50));
    }
    drop(holders);

    // A crowd: each is answered ok or 503, and every ok is recorded.
    let crowd = start(&["--max-connections", "3"]);
    let statuses: Vec<u16> = thread::scope(|scope| {
        let handles: Vec<_> = (0..24)
            .map(|_| scope.spawn(|| crowd.post(DOCUMENTED).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    assert!(
        statuses.iter().all(|s| [200, 503].contains(s)),
        "{statuses:?}"
    );
    let ok = statuses.iter().filter(|&&s| s == 200).count();
    assert!(ok >= 1, "{statuses:?}");
    assert_eq!(crowd.journal().len(), 1 + ok);
}

#[test]
fn running_out_of_file_descriptors_is_said_once_and_waited_out() {
    let dir = temp_dir();
    let journal = dir.join("journal.jsonl");
    let mut command = Command::new("sh");
    command.args([
        "-c",
        "ulimit -n 12; exec \"$0\" monitor serve --listen 127.0.0.1:0 --output \"$1\" --read-timeout 30",
        env!("CARGO_BIN_EXE_jetpack-partner"),
    ]);
    command.arg(&journal);
    let server = spawn(command, &dir, journal);
    // Idle clients take every descriptor the server has left.
    let mut holders = Vec::new();
    let until = Instant::now() + HANG;
    while !server.stderr().contains("cannot accept a connection") {
        assert!(
            Instant::now() < until,
            "accept never failed: {}",
            server.stderr()
        );
        let mut holder = server.connect();
        let _ = holder.write_all(b"POST / HTTP/1.1\r\n");
        holders.push(holder);
        thread::sleep(Duration::from_millis(30));
    }
    drop(holders);
    let until = Instant::now() + HANG;
    loop {
        let answer = server.post(DOCUMENTED);
        if answer.status == 200 {
            break;
        }
        assert!(Instant::now() < until, "never served again: {answer:?}");
        thread::sleep(Duration::from_millis(50));
    }
    let (_, stderr) = server.stop();
    assert_eq!(
        stderr.matches("cannot accept a connection").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_slow_loris_is_cut_off() {
    let server = start(&["--read-timeout", "1"]);
    // A head that never ends, one byte at a time.
    let mut stream = server.connect();
    let writer = stream.try_clone().unwrap_or_else(|e| panic!("{e}"));
    let dripping = thread::spawn(move || {
        let mut writer = writer;
        let _ = writer.write_all(b"POST / HTTP/1.1\r\n");
        for _ in 0..200 {
            if writer.write_all(b"X").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let answer = read_answer(&mut stream);
    assert_eq!(answer.status, 408, "{answer:?}");
    let _ = stream.shutdown(Shutdown::Both);
    let _ = dripping.join();
    // A body that never comes whole.
    let mut stream = server.connect();
    let _ = stream.write_all(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"ts\":");
    assert_eq!(read_answer(&mut stream).status, 408);
    assert_eq!(server.post(DOCUMENTED).body, "ok", "still serving");
    assert_eq!(server.journal().len(), 2);
}

#[test]
fn sigterm_stops_it_after_the_request_in_progress() {
    let dir = temp_dir();
    let started = dir.join("started");
    let hook = script(
        &dir,
        "hook",
        &format!(
            "#!/bin/sh\necho > '{}'\nsleep 1\necho 2999-01-01T00:00:00Z\n",
            started.display()
        ),
    );
    let server = start_in(&dir, &["--exec", &hook, "--max-connections", "2"]);
    let addr = server.addr.clone();
    let in_flight = thread::spawn(move || {
        let mut stream = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
        let _ = stream.set_read_timeout(Some(HANG));
        let request = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{DOCUMENTED}",
            DOCUMENTED.len()
        );
        let _ = stream.write_all(request.as_bytes());
        read_answer(&mut stream)
    });
    wait_for_file(&started);
    // A client still sending its head when the server stops. A third
    // connection, turned away, shows it was taken (connections are taken
    // in order).
    let mut slow = server.connect();
    let _ = slow.write_all(b"POST / HTTP/1.1\r\n");
    assert_eq!(read_answer(&mut server.connect()).status, 503);
    let addr = server.addr.clone();
    let (status, stderr) = server.stop();
    let cut = read_answer(&mut slow);
    assert_eq!(cut.status, 503, "{cut:?}");
    assert!(cut.body.contains("stopping"), "{cut:?}");
    let answer = in_flight.join().unwrap_or_else(|_| panic!("in flight"));
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "2999-01-01T00:00:00Z")
    );
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopping: finishing "), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(
        TcpStream::connect(&addr).is_err(),
        "nothing listens any more"
    );
    let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap_or_default();
    assert_eq!(journal.lines().count(), 2, "{journal}");
}

#[test]
fn a_second_signal_ends_it_without_waiting_for_the_hook() {
    let dir = temp_dir();
    let started = dir.join("started");
    let hook = script(
        &dir,
        "hook",
        &format!(
            "#!/bin/sh\necho $$ > '{}'\nexec sleep 25\n",
            started.display()
        ),
    );
    let mut server = start_in(&dir, &["--exec", &hook, "--exec-timeout", "30"]);
    let addr = server.addr.clone();
    let in_flight = thread::spawn(move || {
        let mut stream = TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
        let _ = stream.set_read_timeout(Some(HANG));
        let request = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n{DOCUMENTED}",
            DOCUMENTED.len()
        );
        let _ = stream.write_all(request.as_bytes());
        read_answer(&mut stream)
    });
    let hook_pid = wait_for_file(&started);
    server.signal("TERM");
    let until = Instant::now() + HANG;
    while !server.stderr().contains("stopping") {
        assert!(Instant::now() < until, "{}", server.stderr());
        thread::sleep(Duration::from_millis(20));
    }
    server.signal("TERM");
    let status = wait(&mut server.child);
    assert_eq!(status.code(), Some(128 + 15), "{}", server.stderr());
    let answer = in_flight.join().unwrap_or_else(|_| panic!("in flight"));
    assert_eq!(answer.status, 0, "never answered: {answer:?}");
    assert_eq!(
        server.journal().len(),
        1,
        "nothing answered, nothing recorded"
    );
    // The hook is left to run to its own end: ended here, not waited for.
    let _ = Command::new("sh")
        .args(["-c", &format!("kill -KILL {}", hook_pid.trim())])
        .status();
}

#[test]
fn an_existing_journal_others_can_read_gets_a_warning() {
    let dir = temp_dir();
    let journal = dir.join("journal.jsonl");
    std::fs::write(
        &journal,
        "{\"journal\":\"jetpack-partner monitor\",\"version\":1}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644));
    }
    let server = start_in(&dir, &[]);
    assert_eq!(server.post(DOCUMENTED).body, "ok");
    assert_eq!(server.journal().len(), 2, "appended after the header");
    let (_, stderr) = server.stop();
    assert!(
        stderr.contains("is readable by other users (mode 0644)"),
        "{stderr}"
    );
}

#[test]
fn sigint_stops_an_idle_server_at_once() {
    let server = start(&["--quiet"]);
    server.signal("INT");
    let mut server = server;
    let status = wait(&mut server.child);
    assert_eq!(status.code(), Some(0));
    assert_eq!(server.stderr(), "", "--quiet");
}

#[test]
fn usage_problems_are_reported_before_serving() {
    let run = crate::common::cli(&["monitor", "serve"], &[], None);
    run.assert_code(2);
    assert!(run.stderr.contains("--listen is required"), "{run:#?}");
    assert!(run.stderr.contains("--output is required"), "{run:#?}");
    let run = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "localhost:80",
            "--output",
            "/nonexistent/j",
            "--max-connections",
            "0",
            "--exec-timeout",
            "-1",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    for needle in [
        "--listen \"localhost:80\"",
        "--max-connections 0",
        "--exec-timeout \"-1\"",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    let dir = temp_dir();
    let writable = script(&dir, "hook", "#!/bin/sh\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&writable, std::fs::Permissions::from_mode(0o777));
    }
    let journal = dir.join("j").to_string_lossy().into_owned();
    let plain = dir.join("plain");
    std::fs::write(&plain, "#!/bin/sh\n").unwrap_or_else(|e| panic!("{e}"));
    let plain = plain.to_string_lossy().into_owned();
    for (hook, needle) in [
        (writable.as_str(), "writable by group or others"),
        (plain.as_str(), "is not executable"),
        ("/nonexistent/hook", "--exec /nonexistent/hook"),
        ("/", "is not a regular file"),
    ] {
        let run = crate::common::cli(
            &[
                "monitor",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--output",
                &journal,
                "--exec",
                hook,
            ],
            &[],
            None,
        );
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    let run = crate::common::cli(
        &[
            "monitor",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--output",
            &dir.to_string_lossy(),
        ],
        &[],
        None,
    );
    assert_ne!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains(&*dir.to_string_lossy()), "{run:#?}");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let taken = busy.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let run = crate::common::cli(
        &["monitor", "serve", "--listen", &taken, "--output", &journal],
        &[],
        None,
    );
    run.assert_code(5);
    assert!(
        run.stderr.contains(&format!("cannot listen on {taken}")),
        "{run:#?}"
    );
}
