//! The sandbox under abuse, over real TCP: many keep-alive connections
//! opened at once, a request head that never ends, bodies it will not
//! read, and more connections at once than it serves, over HTTP and HTTPS
//! and through the `sandbox` command. Each is answered (200, or 431, 413,
//! 411, 505, 503) and the sandbox goes on serving.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::*;
use jetpack_partner::sandbox::Sandbox;
use serde_json::Value;

const MIB: usize = 1024 * 1024;

/// An HTTP/1.1 answer read off a raw socket.
#[derive(Debug, Default)]
struct Answer {
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn status(&self) -> Option<u16> {
        self.head.split(' ').nth(1).and_then(|s| s.parse().ok())
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// Reads one answer: its head, then as many bytes of body as it
/// announces. `None` if the connection ends or the read times out first.
fn read_answer(stream: &mut impl BufRead) -> Option<Answer> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut answer = Answer {
        head: head.trim_end().to_owned(),
        body: Vec::new(),
    };
    let length = answer.header("Content-Length")?.parse().ok()?;
    answer.body = vec![0; length];
    stream.read_exact(&mut answer.body).ok()?;
    Some(answer)
}

/// The request the `i`th of many clients sends: the stats or a token.
fn request(i: usize) -> String {
    if i.is_multiple_of(2) {
        return "GET /_sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n".to_owned();
    }
    let form = format!(
        "client_id={PARTNER_ID}&client_secret={SECRET}&grant_type=client_credentials&scope=jetpack-partner"
    );
    format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
}

/// Opens `clients` connections at once, then asks on each; all stay open
/// (keep-alive) until every one has its answer, or has waited 10 s for
/// it. The answers, in the order of the clients.
fn ask_all_at_once(addr: SocketAddr, clients: usize) -> Vec<Option<Answer>> {
    let barrier = || Arc::new(Barrier::new(clients));
    let (ready, connected, answered) = (barrier(), barrier(), barrier());
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (ready, connected) = (ready.clone(), connected.clone());
            let answered = answered.clone();
            thread::spawn(move || {
                ready.wait();
                let mut stream = TcpStream::connect(addr).ok();
                connected.wait();
                let answer = stream.as_mut().and_then(|stream| {
                    stream
                        .set_read_timeout(Some(Duration::from_secs(10)))
                        .ok()?;
                    // A write may fail on a connection already answered
                    // and closed; its answer is still there to read.
                    let _ = stream.write_all(request(i).as_bytes());
                    read_answer(&mut BufReader::new(stream))
                });
                answered.wait();
                drop(stream);
                answer
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().ok().flatten())
        .collect()
}

#[test]
fn keep_alive_connections_opened_at_once_are_all_served() {
    // More than tiny_http's idle threads, all arriving at once.
    const CLIENTS: usize = 128;
    let sandbox = sandbox();
    let started = Instant::now();
    let answers = ask_all_at_once(sandbox.addr(), CLIENTS);
    let statuses: Vec<Option<u16>> = answers
        .iter()
        .map(|a| a.as_ref().and_then(Answer::status))
        .collect();
    let silent = statuses.iter().filter(|s| s.is_none()).count();
    assert_eq!(silent, 0, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == Some(200)), "{statuses:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(requests(&sandbox), CLIENTS as u64 / 2, "the token requests");
}

/// This process's resident memory, where it can be read (Linux).
fn rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn stats_get(addr: SocketAddr) -> Option<Answer> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    stream
        .write_all(b"GET /_sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        .ok()?;
    read_answer(&mut BufReader::new(stream))
}

#[test]
fn a_request_head_that_never_ends_is_cut_off_with_431() {
    let sandbox = sandbox();
    let rss_before = rss_bytes();
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap_or_else(|e| panic!("{e}"));
    let timeout = Some(Duration::from_secs(10));
    let _ = stream.set_read_timeout(timeout);
    let _ = stream.set_write_timeout(timeout);
    // Everything the sandbox sends, read while the head is being written.
    let reader = {
        let mut stream = stream.try_clone().unwrap_or_else(|e| panic!("{e}"));
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let ended = stream.read_to_end(&mut bytes);
            (bytes, ended)
        })
    };

    let started = Instant::now();
    let mut sent = 0;
    let mut error = None;
    let chunk = vec![b'a'; MIB];
    if let Err(e) = stream.write_all(b"GET / HTTP/1.1\r\nX: ") {
        error = Some(e);
    }
    while error.is_none() && sent < 32 * MIB {
        match stream.write(&chunk) {
            Ok(n) => sent += n,
            Err(e) => error = Some(e),
        }
    }
    let error = error.unwrap_or_else(|| panic!("{sent} bytes of head were all taken"));
    assert!(
        !matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "the connection was closed, not left to fill up: {error}"
    );
    assert!(
        sent < 8 * MIB,
        "{sent} bytes sent before the connection ended"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let (bytes, _) = reader.join().unwrap_or_else(|_| panic!("reader"));
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
    assert!(
        head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        "{text:?}"
    );
    assert!(head.contains("\r\nConnection: close"), "{head}");
    let body: Value = serde_json::from_str(body).unwrap_or_default();
    assert_eq!(body["error"], "header_too_large", "{text:?}");
    assert!(body["message"].is_string());

    // The sandbox serves on, and counts what it refused.
    let stats = stats_get(sandbox.addr()).unwrap_or_else(|| panic!("no stats"));
    assert_eq!(stats.status(), Some(200), "{stats:?}");
    assert_eq!(stats.json()["refused"]["header_too_large"], 1, "{stats:?}");
    assert_eq!(stats.json()["requests"], 0, "the inner server never saw it");
    let client = jetpack_partner::Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let credentials =
        jetpack_partner::Credentials::new(PARTNER_ID, jetpack_partner::Secret::new(SECRET));
    let token = client.send(&jetpack_partner::TokenGrant::new(&credentials), None);
    assert!(token.is_ok(), "{token:?}");

    // The head was not kept: a generous bound, as other tests share the
    // process.
    if let (Some(before), Some(after)) = (rss_before, rss_bytes()) {
        let grown = after.saturating_sub(before);
        assert!(grown < 64 * MIB, "resident memory grew by {grown} bytes");
    }
}

/// Sends `request` on a new connection and reads until the sandbox closes
/// it.
fn exchange(addr: SocketAddr, request: &[u8]) -> (Option<Answer>, bool) {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.write_all(request);
    let mut reader = BufReader::new(stream);
    let answer = read_answer(&mut reader);
    let closed = matches!(reader.read(&mut [0u8; 64]), Ok(0));
    (answer, closed)
}

#[test]
fn bodies_the_sandbox_will_not_read_are_refused_before_they_are_sent() {
    let sandbox = sandbox();
    let too_long = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        8 * MIB + 1
    );
    let chunked = "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    // tiny_http would answer it itself, and hang.
    let http2 = "GET /_sandbox/stats HTTP/2.0\r\n\r\n";
    for (request, status, code) in [
        (too_long.as_str(), 413, "body_too_large"),
        (chunked, 411, "length_required"),
        (http2, 505, "http_version_not_supported"),
    ] {
        let (answer, closed) = exchange(sandbox.addr(), request.as_bytes());
        let answer = answer.unwrap_or_else(|| panic!("no answer to {request:?}"));
        assert_eq!(answer.status(), Some(status), "{answer:?}");
        assert_eq!(answer.json()["error"], code, "{answer:?}");
        assert_eq!(answer.header("Connection"), Some("close"));
        assert!(closed, "{request:?}");
    }
    let stats = sandbox.stats();
    assert_eq!(stats["requests"], 0, "{stats}");
    for code in [
        "body_too_large",
        "length_required",
        "http_version_not_supported",
    ] {
        assert_eq!(stats["refused"][code], 1, "{stats}");
    }

    // A request before the refused one on the same connection is answered
    // first, and a body of exactly the bound is let through.
    let form = format!(
        "client_id={PARTNER_ID}&client_secret={SECRET}&grant_type=client_credentials&scope=jetpack-partner"
    );
    let token = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap_or_else(|e| panic!("{e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.write_all(format!("{token}{chunked}").as_bytes());
    let mut reader = BufReader::new(stream);
    let first = read_answer(&mut reader).unwrap_or_default();
    assert_eq!(first.status(), Some(200), "{first:?}");
    assert_eq!(first.json()["token_type"], "bearer");
    let second = read_answer(&mut reader).unwrap_or_default();
    assert_eq!(second.status(), Some(411), "{second:?}");

    let mut stream = TcpStream::connect(sandbox.addr()).unwrap_or_else(|e| panic!("{e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let head = format!(
        "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        8 * MIB
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&vec![b'a'; 8 * MIB]);
    let answer = read_answer(&mut BufReader::new(stream)).unwrap_or_default();
    assert_eq!(answer.status(), Some(400), "read and judged: {answer:?}");
}

/// What each of the raw connections got.
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    overloaded: usize,
    other: Vec<String>,
}

#[test]
fn connections_past_the_limit_get_503_at_once_and_none_is_left_silent() {
    const CLIENTS: usize = 400;
    const LIMIT: usize = 64;
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .max_connections(LIMIT)
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let addr = sandbox.addr();
    let started = Instant::now();
    let answers = ask_all_at_once(addr, CLIENTS);
    let mut tally = Tally::default();
    for answer in answers {
        match answer {
            Some(a) if a.status() == Some(200) => tally.ok += 1,
            Some(a)
                if a.status() == Some(503)
                    && a.header("Retry-After") == Some("1")
                    && a.header("Connection") == Some("close")
                    && a.json()["error"] == "sandbox_overloaded" =>
            {
                tally.overloaded += 1
            }
            other => tally.other.push(format!("{other:?}")),
        }
    }
    assert!(tally.other.is_empty(), "{tally:?}");
    assert_eq!(tally.ok, LIMIT, "{tally:?}");
    assert_eq!(tally.overloaded, CLIENTS - LIMIT, "{tally:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{tally:?}");

    // Once they have closed, the sandbox serves as many again.
    let deadline = Instant::now() + Duration::from_secs(10);
    let held: Vec<TcpStream> = loop {
        let held: Vec<TcpStream> = (0..LIMIT)
            .filter_map(|_| TcpStream::connect(addr).ok())
            .collect();
        let statuses: Vec<Option<u16>> = held
            .iter()
            .map(|stream| {
                let mut stream = stream.try_clone().ok()?;
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .ok()?;
                stream
                    .write_all(b"GET /_sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n")
                    .ok()?;
                read_answer(&mut BufReader::new(stream))?.status()
            })
            .collect();
        if statuses.iter().all(|s| *s == Some(200)) {
            break held;
        }
        assert!(Instant::now() < deadline, "{statuses:?}");
        drop(held);
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(held.len(), LIMIT);
    let stats = sandbox.stats();
    let refused = stats["refused"]["sandbox_overloaded"].as_u64();
    assert!(
        refused >= Some((CLIENTS - LIMIT) as u64),
        "{}",
        stats["refused"]
    );
    drop(held);
    assert!(!token_of(&sandbox, SECRET).is_empty());
}

/// A CA and a certificate it signed for localhost: (CA PEM, chain PEM,
/// key PEM).
fn certificates() -> (String, String, String) {
    let fail = |e: rcgen::Error| -> ! { panic!("rcgen: {e}") };
    let ca_key = rcgen::KeyPair::generate().unwrap_or_else(|e| fail(e));
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| fail(e));
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "jetpack-partner test CA");
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap_or_else(|e| fail(e));
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap_or_else(|e| fail(e));
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap_or_else(|e| fail(e));
    let cert = params.signed_by(&key, &issuer).unwrap_or_else(|e| fail(e));
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[test]
fn a_tls_client_past_the_limit_gets_its_503_over_tls() {
    let (ca, chain, key) = certificates();
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .tls(chain.as_bytes(), key.as_bytes())
        .max_connections(1)
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"));
    let ca = ureq::tls::Certificate::from_pem(ca.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let url = format!("{}/_sandbox/stats", sandbox.base_url());
    let status = |agent: &ureq::Agent| {
        let mut answer = agent.get(&url).call().unwrap_or_else(|e| panic!("{e}"));
        let body = answer.body_mut().read_to_string().unwrap_or_default();
        let retry_after = answer.headers().get("Retry-After").cloned();
        (answer.status().as_u16(), retry_after, body)
    };

    // The one connection it serves, taken and held with no handshake.
    let held = TcpStream::connect(sandbox.addr()).unwrap_or_else(|e| panic!("{e}"));
    let (code, retry_after, body) = status(&agent);
    assert_eq!(code, 503, "{body}");
    assert_eq!(retry_after.as_ref().map(|v| v.as_bytes()), Some(&b"1"[..]));
    let body: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(body["error"], "sandbox_overloaded");

    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&agent).0 != 200 {
        assert!(Instant::now() < deadline, "still refused");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_sandbox_command_takes_max_connections() {
    for bad in ["0", "4097", "many"] {
        cli(
            &["sandbox", "--partner", "1:2", "--max-connections", bad],
            &[],
            None,
        )
        .assert_code(2);
    }
    let help = cli(&["sandbox", "--help"], &[], None);
    assert!(help.stdout.contains("--max-connections N"), "{help:?}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args(["sandbox", "--partner", "1:2", "--max-connections", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut first);
    }
    let addr: Option<SocketAddr> = first
        .trim()
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok());
    let statuses = addr.map(|addr| {
        let held = TcpStream::connect(addr);
        let refused = stats_get(addr).and_then(|a| a.status());
        drop(held);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut served = stats_get(addr).and_then(|a| a.status());
        while served != Some(200) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
            served = stats_get(addr).and_then(|a| a.status());
        }
        (refused, served)
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(statuses, Some((Some(503), Some(200))), "{first:?}");
}
