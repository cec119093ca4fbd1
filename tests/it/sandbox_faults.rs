//! The sandbox misbehaving on request, over real TCP: each fault kind,
//! the dice and their seed, `fault-after`, latency, the stats, what a
//! faulted provision leaves behind, HTTPS, and the `sandbox` command's
//! options.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use jetpack_partner::sandbox::{Fault, Sandbox, SandboxBuilder};
use serde_json::Value;

const TOKEN: &str = "/oauth2/token";
const PROVISION: &str = "/rest/v1.3/jpphp/provision";
const TOKEN_ENDPOINT: &str = "POST /oauth2/token";
const PROVISION_ENDPOINT: &str = "POST /rest/v1.3/jpphp/provision";

/// A sandbox with the test partner and whatever `configure` adds.
fn sandbox_with_faults(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    configure(Sandbox::builder().partner(PARTNER_ID, SECRET))
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

fn token_form() -> String {
    format!(
        "client_id={PARTNER_ID}&client_secret={SECRET}&grant_type=client_credentials&scope=jetpack-partner"
    )
}

/// An agent that reports every status as an answer, with a global
/// time-out if given.
fn agent(timeout: Option<Duration>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(timeout)
        .build()
        .into()
}

/// What a POST got: status, `Content-Type`, `Retry-After`, body text.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    retry_after: Option<String>,
    body: Result<String, ureq::Error>,
}

impl Answer {
    fn json(&self) -> Value {
        let text = self.body.as_deref().unwrap_or_else(|e| panic!("body: {e}"));
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
    }
}

fn post_with(
    agent: &ureq::Agent,
    url: &str,
    bearer: Option<&str>,
    form: &str,
) -> Result<Answer, ureq::Error> {
    let mut request = agent
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded");
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut answer = request.send(form)?;
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, retry_after) = (header("Content-Type"), header("Retry-After"));
    Ok(Answer {
        status: answer.status().as_u16(),
        content_type: content_type.unwrap_or_default(),
        retry_after,
        body: answer.body_mut().read_to_string(),
    })
}

/// Asks `sandbox` for a token over a fresh connection.
fn token_answer(sandbox: &Sandbox) -> Result<Answer, ureq::Error> {
    let url = format!("{}{TOKEN}", sandbox.base_url());
    post_with(
        &agent(Some(Duration::from_secs(10))),
        &url,
        None,
        &token_form(),
    )
}

fn token_status(sandbox: &Sandbox) -> u16 {
    token_answer(sandbox)
        .unwrap_or_else(|e| panic!("token: {e}"))
        .status
}

/// The access token, from an answer that must be a 200.
fn access_token(sandbox: &Sandbox) -> String {
    let answer = token_answer(sandbox).unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {answer:?}"))
        .to_owned()
}

/// What a raw HTTP/1.1 exchange left: every byte received until the
/// connection ended (or `timeout` passed), the error that ended it, if
/// any, and how long it took.
struct Raw {
    bytes: Vec<u8>,
    error: Option<std::io::Error>,
    elapsed: Duration,
}

impl Raw {
    fn head(&self) -> String {
        let end = find(&self.bytes, b"\r\n\r\n").unwrap_or(self.bytes.len());
        String::from_utf8_lossy(&self.bytes[..end]).into_owned()
    }

    fn body(&self) -> &[u8] {
        find(&self.bytes, b"\r\n\r\n").map_or(&[][..], |end| &self.bytes[end + 4..])
    }

    fn status(&self) -> Option<u16> {
        self.head().split(' ').nth(1).and_then(|s| s.parse().ok())
    }

    fn content_length(&self) -> Option<usize> {
        self.head().lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends a token request on a new connection and reads until it ends.
fn raw_token_request(addr: SocketAddr, timeout: Duration) -> Raw {
    let form = token_form();
    let request = format!(
        "POST {TOKEN} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect: {e}"));
    let _ = stream.set_read_timeout(Some(timeout));
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    let error = loop {
        match stream.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => break Some(e),
        }
    };
    Raw {
        bytes,
        error,
        elapsed: started.elapsed(),
    }
}

fn stats_count(sandbox: &Sandbox, pointer: &str) -> u64 {
    sandbox
        .stats()
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

#[test]
fn html_error_pages_replace_the_answer() {
    for (fault, status, words) in [
        (Fault::ServerErrorHtml, 500, "Internal Server Error"),
        (Fault::BadGatewayHtml, 502, "502 Bad Gateway"),
        (
            Fault::UnavailableHtml,
            503,
            "503 Service Temporarily Unavailable",
        ),
        (Fault::GatewayTimeoutHtml, 504, "504 Gateway Time-out"),
        (Fault::RateLimitedHtml, 429, "429 Too Many Requests"),
    ] {
        let sandbox = sandbox_with_faults(|b| b.fault(fault, 1.0));
        let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert_eq!(answer.status, status, "{fault}: {answer:?}");
        assert!(answer.content_type.starts_with("text/html"), "{answer:?}");
        let body = answer.body.as_deref().unwrap_or_default();
        assert!(body.contains("<html") && body.contains(words), "{body}");
        assert_eq!(stats_count(&sandbox, &format!("/faults/{fault}")), 1);
        let counted = format!(
            "/by_endpoint/{}/{status}",
            TOKEN_ENDPOINT.replace('/', "~1")
        );
        assert_eq!(stats_count(&sandbox, &counted), 1, "{}", sandbox.stats());
    }
}

#[test]
fn a_503_answers_in_json() {
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::Unavailable, 1.0));
    let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status, 503);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.json()["error"], "service_unavailable");
    assert!(answer.json()["message"].is_string());
}

#[test]
fn a_429_says_when_to_retry() {
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::RateLimited, 1.0));
    let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status, 429);
    assert_eq!(answer.retry_after.as_deref(), Some("1"), "the default");
    assert_eq!(answer.json()["error"], "rate_limited");

    // A proxy's 429 page says it too.
    let sandbox = sandbox_with_faults(|b| {
        b.fault(Fault::RateLimitedHtml, 1.0)
            .retry_after(Duration::from_secs(3))
    });
    let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status, 429);
    assert_eq!(answer.retry_after.as_deref(), Some("3"));
    assert!(answer.content_type.starts_with("text/html"), "{answer:?}");

    let sandbox = sandbox_with_faults(|b| {
        b.fault(Fault::RateLimited, 1.0)
            .retry_after(Duration::from_secs(7))
    });
    let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.retry_after.as_deref(), Some("7"));
    assert_eq!(stats_count(&sandbox, "/faults/429"), 1);
}

#[test]
fn reset_drops_the_connection_at_once() {
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::Reset, 1.0));
    let started = Instant::now();
    let error = token_answer(&sandbox).err();
    assert!(error.is_some(), "a reset connection gives no answer");
    assert!(
        !matches!(error, Some(ureq::Error::Timeout(_))),
        "the drop is seen, not waited out: {error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    let raw = raw_token_request(sandbox.addr(), Duration::from_secs(10));
    assert!(
        raw.bytes.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&raw.bytes)
    );
    assert!(raw.elapsed < Duration::from_secs(5), "{:?}", raw.elapsed);
    assert!(
        raw.error
            .as_ref()
            .is_none_or(|e| e.kind() != std::io::ErrorKind::WouldBlock),
        "not a read time-out: {:?}",
        raw.error
    );
    // Counted, under the pseudo status 0.
    let counted = format!("/by_endpoint/{}/0", TOKEN_ENDPOINT.replace('/', "~1"));
    assert_eq!(stats_count(&sandbox, &counted), 2, "{}", sandbox.stats());
    assert_eq!(stats_count(&sandbox, "/faults/reset"), 2);
    assert_eq!(stats_count(&sandbox, "/requests"), 2);
}

#[test]
fn truncate_sends_less_than_content_length() {
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::Truncate, 1.0));
    let raw = raw_token_request(sandbox.addr(), Duration::from_secs(10));
    assert_eq!(raw.status(), Some(200), "{}", raw.head());
    let length = raw.content_length().unwrap_or(0);
    assert!(length > 20, "{}", raw.head());
    assert!(
        !raw.body().is_empty() && raw.body().len() < length,
        "{} of {length} bytes",
        raw.body().len()
    );
    assert!(
        raw.elapsed < Duration::from_secs(5),
        "closed, not left open"
    );

    let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status, 200);
    assert!(answer.body.is_err(), "the body is cut short: {answer:?}");
    assert_eq!(stats_count(&sandbox, "/faults/truncate"), 2);
}

#[test]
fn slow_sends_the_whole_body_a_byte_at_a_time() {
    let every = Duration::from_millis(4);
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::Slow, 1.0).slow_interval(every));
    let raw = raw_token_request(sandbox.addr(), Duration::from_secs(20));
    let length = raw.content_length().unwrap_or(0);
    assert!(length > 100, "{}", raw.head());
    assert_eq!(raw.body().len(), length, "the whole body");
    let at_least = every * u32::try_from(length - 1).unwrap_or(0);
    assert!(raw.elapsed >= at_least, "{:?} < {at_least:?}", raw.elapsed);
    let json: Value = serde_json::from_slice(raw.body()).unwrap_or_default();
    assert_eq!(json["token_type"], "bearer");

    let started = Instant::now();
    let answer = token_answer(&sandbox).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        answer.json()["token_type"],
        "bearer",
        "clients read it whole"
    );
    assert!(started.elapsed() >= at_least);
    assert_eq!(stats_count(&sandbox, "/faults/slow"), 2);
}

#[test]
fn hang_leaves_clients_to_their_time_out_while_others_are_served() {
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::Hang, 1.0));
    let client_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let error = token_answer_within(&sandbox, client_timeout).err();
    assert!(
        matches!(error, Some(ureq::Error::Timeout(_))),
        "the client's own time-out ends it: {error:?}"
    );
    assert!(started.elapsed() >= client_timeout);

    // More hung connections than the sandbox has workers, all held open...
    let held: Vec<TcpStream> = (0..10).map(|_| hung_connection(&sandbox)).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while stats_count(&sandbox, "/faults/hang") < 11 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // ...and the workers are free: the stats are still served, over HTTP.
    let (status, body) = raw_get(sandbox.base_url(), "/_sandbox/stats", "");
    assert_eq!(status, 200);
    let stats: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(stats["faults"]["hang"], 11, "{stats}");
    let counted = stats["by_endpoint"][TOKEN_ENDPOINT]["0"].as_u64();
    assert_eq!(counted, Some(11), "{stats}");

    // Nothing was ever sent on them, and dropping the sandbox closes them.
    let started = Instant::now();
    drop(sandbox);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for mut stream in held {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut buf = [0u8; 64];
        let read = stream.read(&mut buf);
        assert!(
            matches!(read, Ok(0))
                || read
                    .as_ref()
                    .is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock),
            "closed with nothing sent: {read:?}"
        );
    }
}

fn token_answer_within(sandbox: &Sandbox, timeout: Duration) -> Result<Answer, ureq::Error> {
    let url = format!("{}{TOKEN}", sandbox.base_url());
    post_with(&agent(Some(timeout)), &url, None, &token_form())
}

/// A token request whose connection stays open with no answer.
fn hung_connection(sandbox: &Sandbox) -> TcpStream {
    let form = token_form();
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap_or_else(|e| panic!("{e}"));
    let request = format!(
        "POST {TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    stream
}

#[test]
fn a_seed_makes_the_sequence_repeat() {
    let run = || {
        let sandbox = sandbox_with_faults(|b| b.fault(Fault::Unavailable, 0.5).fault_seed(42));
        let statuses: Vec<u16> = (0..24).map(|_| token_status(&sandbox)).collect();
        let faulted = statuses.iter().filter(|&&s| s == 503).count() as u64;
        assert_eq!(stats_count(&sandbox, "/faults/503"), faulted);
        assert_eq!(stats_count(&sandbox, "/requests"), 24);
        statuses
    };
    let first = run();
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
    assert!(first.iter().all(|s| [200, 503].contains(s)), "{first:?}");
    assert_eq!(first, run());
}

#[test]
fn fault_after_lets_the_first_requests_through() {
    let sandbox = sandbox_with_faults(|b| b.fault(Fault::Unavailable, 1.0).fault_after(3));
    // The stats are never faulted, and do not count as API requests.
    assert_eq!(raw_get(sandbox.base_url(), "/_sandbox/stats", "").0, 200);
    let statuses: Vec<u16> = (0..5).map(|_| token_status(&sandbox)).collect();
    assert_eq!(statuses, [200, 200, 200, 503, 503]);
    assert_eq!(stats_count(&sandbox, "/faults/503"), 2);
    let counted = |status: &str| {
        let pointer = format!(
            "/by_endpoint/{}/{status}",
            TOKEN_ENDPOINT.replace('/', "~1")
        );
        stats_count(&sandbox, &pointer)
    };
    assert_eq!((counted("200"), counted("503")), (3, 2));
}

#[test]
fn several_kinds_give_at_most_one_fault_per_request() {
    let sandbox = sandbox_with_faults(|b| {
        b.fault(Fault::Unavailable, 0.4)
            .fault(Fault::RateLimited, 0.4)
            .fault_seed(9)
    });
    let statuses: Vec<u16> = (0..30).map(|_| token_status(&sandbox)).collect();
    for status in [200, 429, 503] {
        assert!(statuses.contains(&status), "{statuses:?}");
    }
    let stats = sandbox.stats();
    let faults =
        stats["faults"]["503"].as_u64().unwrap_or(0) + stats["faults"]["429"].as_u64().unwrap_or(0);
    let passed = statuses.iter().filter(|&&s| s == 200).count() as u64;
    assert_eq!(faults + passed, 30, "{stats}");
}

/// Provisions `b.test` with a token got before any fault.
fn provision(sandbox: &Sandbox, token: &str, timeout: Duration) -> Result<Answer, ureq::Error> {
    let url = format!("{}{PROVISION}", sandbox.base_url());
    let form = "siteurl=b.test&local_user=admin&plan=premium";
    post_with(&agent(Some(timeout)), &url, Some(token), form)
}

#[test]
fn faults_that_replace_the_handler_leave_the_state_alone() {
    let kinds = [
        Fault::ServerErrorHtml,
        Fault::BadGatewayHtml,
        Fault::Unavailable,
        Fault::UnavailableHtml,
        Fault::GatewayTimeoutHtml,
        Fault::RateLimited,
        Fault::RateLimitedHtml,
        Fault::Reset,
        Fault::Hang,
    ];
    for fault in kinds {
        let sandbox = sandbox_with_faults(|b| b.fault(fault, 1.0).fault_after(1));
        let token = access_token(&sandbox);
        let answer = provision(&sandbox, &token, Duration::from_millis(500));
        if let Ok(answer) = &answer {
            assert_eq!(answer.status, fault_status(fault), "{fault}: {answer:?}");
        }
        let stats = sandbox.stats();
        assert_eq!(
            stats["provisions"],
            serde_json::json!({}),
            "{fault}: {stats}"
        );
        assert_eq!(stats["faults"][fault.name()], 1, "{fault}: {stats}");
        assert_eq!(
            stats["by_endpoint"][PROVISION_ENDPOINT][fault_status(fault).to_string()],
            1
        );
    }
}

fn fault_status(fault: Fault) -> u16 {
    match fault {
        Fault::ServerErrorHtml => 500,
        Fault::BadGatewayHtml => 502,
        Fault::Unavailable | Fault::UnavailableHtml => 503,
        Fault::GatewayTimeoutHtml => 504,
        Fault::RateLimited | Fault::RateLimitedHtml => 429,
        _ => 0,
    }
}

#[test]
fn truncated_and_slow_answers_come_after_the_work_is_done() {
    for fault in [Fault::Truncate, Fault::Slow] {
        let sandbox = sandbox_with_faults(|b| {
            b.fault(fault, 1.0)
                .fault_after(1)
                .slow_interval(Duration::from_millis(1))
        });
        let token = access_token(&sandbox);
        let answer = provision(&sandbox, &token, Duration::from_secs(20));
        let answer = answer.unwrap_or_else(|e| panic!("{fault}: {e}"));
        assert_eq!(answer.status, 200, "{fault}");
        match fault {
            Fault::Slow => assert_eq!(answer.json()["success"], true),
            _ => assert!(answer.body.is_err(), "{answer:?}"),
        }
        let stats = sandbox.stats();
        assert_eq!(stats["provisions"]["b.test"], 1, "{fault}: {stats}");
        assert_eq!(
            stats["by_endpoint"][PROVISION_ENDPOINT]["200"], 1,
            "{stats}"
        );
    }
}

#[test]
fn latency_delays_every_api_answer() {
    let latency = Duration::from_millis(300);
    let sandbox = sandbox_with_faults(|b| b.latency(latency));
    for _ in 0..2 {
        let started = Instant::now();
        assert_eq!(token_status(&sandbox), 200);
        assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    }
    assert_eq!(stats_count(&sandbox, "/requests"), 2);
    assert_eq!(sandbox.stats()["faults"], serde_json::json!({}));
}

/// A CA, and a certificate for `localhost` and 127.0.0.1 that it signed:
/// (CA PEM, server chain PEM, server key PEM).
fn certificates() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("rcgen: {e}"));
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap_or_else(|e| panic!("rcgen: {e}"));
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "jetpack-partner test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .unwrap_or_else(|e| panic!("rcgen: {e}"));
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("rcgen: {e}"));
    let params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap_or_else(|e| panic!("rcgen: {e}"));
    let cert = params
        .signed_by(&key, &issuer)
        .unwrap_or_else(|e| panic!("rcgen: {e}"));
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

fn trusting(ca_pem: &[u8]) -> ureq::Agent {
    let ca = ureq::tls::Certificate::from_pem(ca_pem).unwrap_or_else(|e| panic!("CA: {e}"));
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
        .build();
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .tls_config(tls)
        .build()
        .into()
}

#[test]
fn tls_serves_clients_that_trust_the_certificate_only() {
    let (ca, chain, key) = certificates();
    let ca_file = temp_file("ca.pem", ca.as_bytes());
    let sandbox = sandbox_with_faults(|b| b.tls(chain.as_bytes(), key.as_bytes()));
    let base = sandbox.base_url().to_owned();
    assert!(base.starts_with("https://localhost:"), "{base}");
    let url = format!("{base}{TOKEN}");

    let ca_pem = std::fs::read(&ca_file).unwrap_or_else(|e| panic!("{e}"));
    let answer = post_with(&trusting(&ca_pem), &url, None, &token_form())
        .unwrap_or_else(|e| panic!("over HTTPS: {e}"));
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["token_type"], "bearer");

    let error = post_with(
        &agent(Some(Duration::from_secs(10))),
        &url,
        None,
        &token_form(),
    )
    .err();
    assert!(
        format!("{error:?}").contains("UnknownIssuer"),
        "an unknown issuer is refused: {error:?}"
    );
    // Plain HTTP on the HTTPS port gets nowhere either.
    let plain = format!("http://127.0.0.1:{}{TOKEN}", sandbox.addr().port());
    let answer = post_with(
        &agent(Some(Duration::from_secs(10))),
        &plain,
        None,
        &token_form(),
    );
    assert!(answer.is_err(), "{answer:?}");
    assert_eq!(stats_count(&sandbox, "/requests"), 1);
}

#[test]
fn faults_reach_https_clients_too() {
    let (ca, chain, key) = certificates();
    let sandbox = sandbox_with_faults(|b| {
        b.tls(chain.as_bytes(), key.as_bytes())
            .fault(Fault::Truncate, 1.0)
            .fault(Fault::Reset, 1.0)
    });
    let url = format!("{}{TOKEN}", sandbox.base_url());
    let answer = post_with(&trusting(ca.as_bytes()), &url, None, &token_form())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status, 200);
    assert!(answer.body.is_err(), "truncated: {answer:?}");
    assert_eq!(stats_count(&sandbox, "/faults/truncate"), 1);
    assert_eq!(
        stats_count(&sandbox, "/faults/reset"),
        0,
        "one fault per request"
    );
}

#[test]
fn rates_outside_zero_to_one_stop_the_start() {
    for rate in [-0.5, 1.5, f64::NAN] {
        let started = Sandbox::builder().fault(Fault::Reset, rate).start();
        assert!(started.is_err(), "{rate}");
    }
}

#[test]
fn unusable_tls_material_stops_the_start() {
    let (_, chain, key) = certificates();
    let (_, _, other_key) = certificates();
    for (chain, key) in [
        ("no PEM here", key.as_str()),
        (chain.as_str(), "no key here"),
        (chain.as_str(), other_key.as_str()),
    ] {
        let started = Sandbox::builder()
            .partner(PARTNER_ID, SECRET)
            .tls(chain.as_bytes(), key.as_bytes())
            .start();
        assert!(started.is_err(), "{chain:.20} / {key:.20}");
    }
}

/// Starts the binary's sandbox with `args`; returns the child and its URL.
fn sandbox_command(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .arg("sandbox")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out)
            .read_line(&mut first)
            .unwrap_or_default();
    }
    (child, first.trim().to_owned())
}

#[test]
fn the_sandbox_command_injects_faults() {
    let partner = format!("{PARTNER_ID}:{SECRET}");
    let (mut child, base) = sandbox_command(&[
        "--partner",
        &partner,
        "--fault",
        "503",
        "--fault-after",
        "1",
        "--fault-seed",
        "5",
        "--latency-ms",
        "50",
    ]);
    let url = format!("{base}{TOKEN}");
    let agent = agent(Some(Duration::from_secs(10)));
    let first = post_with(&agent, &url, None, &token_form()).map(|a| a.status);
    let second = post_with(&agent, &url, None, &token_form());
    let _ = child.kill();
    let _ = child.wait();
    assert!(base.starts_with("http://127.0.0.1:"), "{base:?}");
    assert_eq!(first.ok(), Some(200));
    let second = second.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.status, 503);
    assert_eq!(second.json()["error"], "service_unavailable");
}

#[test]
fn the_sandbox_command_serves_https() {
    let (ca, chain, key) = certificates();
    let chain_file = temp_file("chain.pem", chain.as_bytes());
    let key_file = temp_file("key.pem", key.as_bytes());
    let partner = format!("{PARTNER_ID}:{SECRET}");
    let (mut child, base) = sandbox_command(&[
        "--partner",
        &partner,
        "--tls-cert",
        &chain_file.to_string_lossy(),
        "--tls-key",
        &key_file.to_string_lossy(),
    ]);
    let answer = post_with(
        &trusting(ca.as_bytes()),
        &format!("{base}{TOKEN}"),
        None,
        &token_form(),
    );
    let _ = child.kill();
    let _ = child.wait();
    assert!(base.starts_with("https://localhost:"), "{base:?}");
    assert_eq!(answer.map(|a| a.status).ok(), Some(200));
}

#[test]
fn the_sandbox_command_checks_its_fault_options() {
    for args in [
        &["--fault", "404"][..],
        &["--fault", "503:2"],
        &["--fault", "503:half"],
        &["--fault-seed", "-1"],
        &["--latency-ms", "soon"],
        &["--tls-cert", "cert.pem"],
        &["--tls-key", "key.pem"],
    ] {
        let mut full = vec!["sandbox", "--partner", "1:2"];
        full.extend_from_slice(args);
        let run = cli(&full, &[], None);
        run.assert_code(2);
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    let missing = cli(
        &[
            "sandbox",
            "--partner",
            "1:2",
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
        ],
        &[],
        None,
    );
    missing.assert_code(5);
}
