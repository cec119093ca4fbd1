//! Hostile answers and hostile input: a server that echoes secrets in every
//! spelling, answers that are huge or lie about their status, a wait asked
//! for that would overflow the clock, and input that tries to send a
//! request somewhere it should not go. The program masks, cuts, refuses,
//! and never aborts.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::common::*;

/// One request as a test server read it.
struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn path(&self) -> &str {
        self.head.split_whitespace().nth(1).unwrap_or_default()
    }

    /// A multipart field's value, read the simple way the client writes it.
    fn field(&self, name: &str) -> Option<String> {
        let body = String::from_utf8_lossy(&self.body);
        let start = body.find(&format!("name=\"{name}\"\r\n\r\n"))? + name.len() + 11;
        let end = body[start..].find("\r\n--")? + start;
        Some(body[start..end].to_owned())
    }

    fn bearer(&self) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (name, value) = l.split_once(':')?;
            let token = value.trim().strip_prefix("Bearer ")?;
            name.eq_ignore_ascii_case("authorization")
                .then(|| token.to_owned())
        })
    }
}

/// A server that answers each request with what `answer` makes of it.
fn server(answer: impl Fn(&Request) -> Vec<u8> + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let answer = Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            thread::spawn(move || serve(stream, &*answer));
        }
    });
    format!("http://{addr}")
}

fn serve(mut stream: TcpStream, answer: &dyn Fn(&Request) -> Vec<u8>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buf[..n]);
        let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&seen[..end]).into_owned();
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(str::to_owned)
            })
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if seen.len() < end + 4 + length {
            continue;
        }
        let request = Request {
            head,
            body: seen[end + 4..end + 4 + length].to_vec(),
        };
        let _ = stream.write_all(&answer(&request));
        return;
    }
}

fn json_answer(status: u16, body: &serde_json::Value) -> Vec<u8> {
    http_response(status, "application/json", &body.to_string())
}

/// Every secret starts with a marker no message of ours holds: if any
/// piece of a secret shows, its start shows.
const MARK: &str = "Zq7";

fn nasty_secrets() -> Vec<String> {
    [
        "se\"cr\\et\tx-1",
        "new\nline-secret",
        "esc\u{1b}[31mred-secret",
        "amp&<tag>'apos\"",
        "über-ünïcödé-😀-secret",
        "rtl\u{202e}override",
        "slash/es\\/and%41",
    ]
    .iter()
    .map(|s| format!("{MARK}{s}"))
    .chain([format!("{MARK}{}", "long-secret-".repeat(30))])
    .collect()
}

/// PHP's `json_encode` defaults: `\/` and `\uXXXX` for all but ASCII.
fn php_json(text: &str) -> String {
    let serde = serde_json::to_string(text).unwrap_or_default();
    let mut out = String::new();
    for c in serde.chars() {
        match c {
            '/' => out.push_str("\\/"),
            c if !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
}

/// The ways a server echoes the secret it was sent.
fn echo(mode: usize, secret: &str) -> Vec<u8> {
    match mode {
        0 => json_answer(
            400,
            &serde_json::json!({"error": "invalid_client", "error_description": format!("Unknown secret {secret}")}),
        ),
        1 => {
            let body = format!(
                "{{\"error\":\"invalid_client\",\"error_description\":\"bad {}\"}}",
                php_json(secret).trim_matches('"')
            );
            http_response(400, "application/json", &body)
        }
        // Straddling the 200-character excerpt cut, raw and HTML-escaped.
        2 => {
            let body = format!(
                "<html><body><p>{}{secret}</p><p>{}</p></body></html>",
                "x".repeat(185),
                html(secret)
            );
            http_response(502, "text/html", &body)
        }
        // In the middle of a long JSON message.
        3 => json_answer(
            500,
            &serde_json::json!({"error": "boom", "message": format!("{}{secret}{}", "y".repeat(300_000), "z".repeat(300_000))}),
        ),
        _ => json_answer(
            200,
            &serde_json::json!({"success": false, "error_code": "nope", "error_message": format!("echo {secret}")}),
        ),
    }
}

#[test]
fn a_secret_echoed_by_the_server_never_shows_in_any_spelling() {
    for secret in nasty_secrets() {
        for mode in 0..5 {
            let base = server(move |rq| {
                let secret = rq.field("client_secret").unwrap_or_default();
                echo(mode, &secret)
            });
            let run = cli(
                &[
                    "--api-base",
                    &base,
                    "--partner-id",
                    PARTNER_ID,
                    "--retries",
                    "0",
                    "-v",
                    "token",
                ],
                &[("JETPACK_PARTNER_SECRET", &secret)],
                None,
            );
            assert_ne!(run.code, 0, "{mode}: {run:#?}");
            assert!(
                !run.stderr.contains(MARK) && !run.stdout.contains(MARK),
                "mode {mode}, secret {secret:?}: {run:#?}"
            );
            assert!(
                run.stderr.lines().count() < 40 && run.stderr.len() < 8_000,
                "{run:#?}"
            );
        }
    }
}

#[test]
fn an_access_token_echoed_by_the_server_never_shows() {
    let token = format!("{MARK}tok\"en\\with-escapes");
    for mode in 0..5 {
        let base = server(move |rq| {
            let bearer = rq.bearer();
            assert!(bearer.is_some(), "no bearer in {}", rq.head);
            echo(mode, &bearer.unwrap_or_default())
        });
        let run = cli(
            &[
                "--api-base",
                &base,
                "--access-token",
                &token,
                "--retries",
                "0",
                "status",
                "--site",
                "a.test",
            ],
            &[],
            None,
        );
        assert_ne!(run.code, 0);
        assert!(!run.stderr.contains(MARK), "mode {mode}: {run:#?}");
    }
}

#[test]
fn a_secret_echoed_in_a_batch_refusal_stays_out_of_the_output_file() {
    let base = server(|rq| {
        if rq.path().starts_with("/oauth2/token") {
            return json_answer(
                200,
                &serde_json::json!({"access_token": "batch-token-1234", "scope": "jetpack-partner"}),
            );
        }
        let pass = rq.field("ssh_pass").unwrap_or_default();
        let secret = rq.field("client_secret").unwrap_or_default();
        json_answer(
            400,
            &serde_json::json!({"error": "invalid_input", "message": format!("pass {pass} / {secret}")}),
        )
    });
    let mut lines = String::new();
    for (i, secret) in nasty_secrets().iter().enumerate() {
        let line = serde_json::json!({
            "local_user": "admin", "siteurl": format!("https://s{i}.test"), "plan": "free",
            "ssh_user": "deploy", "ssh_pass": secret,
        });
        lines.push_str(&format!("{line}\n"));
    }
    let input = temp_file("echo.jsonl", lines.as_bytes());
    let output = input.with_file_name("echo-out.jsonl");
    let run = cli(
        &[
            "--api-base",
            &base,
            "--partner-id",
            PARTNER_ID,
            "--no-token-cache",
            "--retries",
            "0",
            "batch",
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--output",
            &output.to_string_lossy(),
        ],
        &[("JETPACK_PARTNER_SECRET", "the-partner-secret")],
        None,
    );
    run.assert_code(1);
    let written = std::fs::read_to_string(&output).unwrap_or_default();
    assert_eq!(
        written.matches("\"refused\"").count(),
        nasty_secrets().len(),
        "{written}"
    );
    assert!(written.contains("pass ***"), "{written}");
    assert!(!written.contains(MARK), "{written}");
    assert!(!run.stderr.contains(MARK), "{run:#?}");
}

#[test]
fn secrets_too_short_to_mask_are_refused_before_sending() {
    let sandbox = sandbox();
    for (args, env) in [
        (vec!["--partner-secret", "abc", "token"], vec![]),
        (vec!["token"], vec![("JETPACK_PARTNER_SECRET", "x")]),
        (
            vec!["--access-token", "abc", "status", "--site", "a.test"],
            vec![],
        ),
    ] {
        let mut full = vec!["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID];
        full.extend(args);
        let run = cli(&full, &env, None);
        run.assert_code(2);
        assert!(run.stderr.contains("shorter than 4"), "{run:#?}");
    }
    let ssh_file = temp_file("ssh-pass", b"pw\n");
    let run = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://a.test",
            "--plan",
            "free",
            "--ssh-user",
            "u",
            "--ssh-pass-file",
            &ssh_file.to_string_lossy(),
        ],
    );
    run.assert_code(2);
    assert_eq!(requests(&sandbox), 0);
}

fn run_against(base: &str, args: &[&str]) -> Run {
    let mut full = vec![
        "--api-base",
        base,
        "--partner-id",
        PARTNER_ID,
        "--no-token-cache",
    ];
    full.extend_from_slice(args);
    cli(&full, &[("JETPACK_PARTNER_SECRET", SECRET)], None)
}

#[test]
fn a_wait_longer_than_any_budget_fails_at_once_without_aborting() {
    let huge = "18446744073709551615";
    let header = format!(
        "HTTP/1.1 429 Too Many\r\nRetry-After: {huge}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    let envelope = json_answer(
        200,
        &serde_json::json!({"code": 429, "headers": [{"name": "Retry-After", "value": huge}], "body": {"error": "rate_limited"}}),
    );
    let date = "HTTP/1.1 503 X\r\nRetry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    for answer in [header.into_bytes(), envelope, date.as_bytes().to_vec()] {
        let base = fixed_server(answer);
        let run = run_against(&base, &["token"]);
        run.assert_code(3);
        assert!(
            run.elapsed < Duration::from_secs(20),
            "it did not sleep: {run:#?}"
        );
        let error = run.error();
        assert!(
            matches!(
                error["error_code"].as_str(),
                Some("rate_limited" | "service_unavailable")
            ),
            "{error}"
        );
    }
}

#[test]
fn redirects_name_their_target_cut_and_clean() {
    let location = format!("https://elsewhere.test/{}", "a".repeat(4_000));
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let run = run_against(&fixed_server(redirect.into_bytes()), &["token"]);
    run.assert_code(4);
    assert!(
        run.stderr.contains("redirects to https://elsewhere.test/"),
        "{run:#?}"
    );
    assert!(
        run.stderr.len() < 2_000,
        "{} bytes on stderr",
        run.stderr.len()
    );
    assert!(!run.stderr.contains('\u{202e}'), "{run:#?}");
}

#[test]
fn huge_server_texts_are_cut_and_cleaned() {
    let location = format!("https://elsewhere.test/{}", "a".repeat(60_000));
    let redirect = format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let message = format!("evil \u{202e}reversed\u{1b}[2J {}", "m".repeat(900_000));
    let refusal = json_answer(
        400,
        &serde_json::json!({"error": "invalid_client\u{202e}", "error_description": message}),
    );
    // A 60 KB head is refused as too large (a 4 KB one is read: see
    // `redirects_name_their_target_cut_and_clean`).
    for (answer, code, says) in [
        (redirect.into_bytes(), 4, "head is larger than 12288 bytes"),
        (refusal, 1, "invalid_client"),
    ] {
        let run = run_against(&fixed_server(answer), &["token"]);
        run.assert_code(code);
        assert!(run.stderr.contains(says), "{run:#?}");
        assert!(
            run.stderr.len() < 2_000,
            "{} bytes on stderr",
            run.stderr.len()
        );
        assert!(
            !run.stderr.contains('\u{202e}') && !run.stderr.contains('\u{1b}'),
            "{run:#?}"
        );
    }
}

#[test]
fn a_status_http_does_not_define_is_an_unexpected_answer() {
    for status in [999u16, 600, 199] {
        let run = run_against(
            &fixed_server(http_response(status, "application/json", "{}")),
            &["token"],
        );
        run.assert_code(4);
        assert_eq!(
            run.error()["error_code"],
            "unexpected_response",
            "{status}: {run:#?}"
        );
    }
}

#[test]
fn an_api_base_port_out_of_range_is_refused() {
    for base in [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:-1",
        "http://127.0.0.1:+80",
        "http://127.0.0.1:0",
    ] {
        let run = run_against(base, &["token"]);
        run.assert_code(2);
        assert!(run.stderr.contains("port"), "{base}: {run:#?}");
    }
}

#[test]
fn percent_encoded_paths_cannot_leave_the_site() {
    let sandbox = sandbox();
    for site in [
        "a.example/%2F..%2F..%2Foauth2",
        "a.example/%2e%2e/%2e%2e/oauth2",
        "a.example/x%3Fhttp_envelope=1",
        "a.example/x%0D%0AX-Injected%3A%201",
    ] {
        for command in [
            &["status", "--site", site][..],
            &["upgrade-paths", "--site", site],
            &["cancel", "--site", site, "--cancel-all"],
        ] {
            let run = partner_cli(&sandbox, command);
            run.assert_code(2);
            assert!(run.stderr.contains("decodes to"), "{run:#?}");
        }
    }
    partner_cli(&sandbox, &["status", "--site", "a.example/caf%C3%A9"]).assert_code(1);
    assert_eq!(
        requests(&sandbox),
        2,
        "only the valid site was asked for (token + status)"
    );
}

#[test]
fn what_cannot_be_a_site_url_is_refused_before_sending() {
    let sandbox = sandbox();
    for siteurl in [
        "https://exa mple.com",
        "https://example.com\r\nX-Injected: 1",
        "https://example.com\n",
        "javascript:alert(1)",
        "ftp://example.com",
        "https://user:pass@example.com",
    ] {
        let run = partner_cli(
            &sandbox,
            &[
                "provision",
                "--local-user",
                "admin",
                "--siteurl",
                siteurl,
                "--plan",
                "free",
            ],
        );
        run.assert_code(2);
        assert!(run.stderr.contains("siteurl"), "{siteurl:?}: {run:#?}");
    }
    for local_user in ["admin\r\nrole: administrator", "ad\u{1b}[2Jmin"] {
        let run = partner_cli(
            &sandbox,
            &[
                "provision",
                "--local-user",
                local_user,
                "--siteurl",
                "https://a.test",
                "--plan",
                "free",
            ],
        );
        run.assert_code(2);
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn files_named_by_mistake_are_not_read_whole() {
    let sandbox = sandbox();
    for args in [
        vec!["--partner-secret-file", "/dev/zero", "token"],
        vec![
            "--ca-file",
            "/dev/zero",
            "--partner-secret-file",
            "/dev/null",
            "token",
        ],
    ] {
        let mut full = vec!["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID];
        full.extend(args);
        let run = cli(&full, &[], None);
        run.assert_code(2);
        assert!(run.stderr.contains("larger than"), "{run:#?}");
    }
    assert_eq!(requests(&sandbox), 0);
}

/// A new credential in an answer that cannot be read (cut short, or not
/// JSON at all) is in no mask yet: the error's excerpt finds it by its
/// field's name.
#[test]
fn a_new_credential_in_an_answer_that_cannot_be_read_never_shows() {
    let fresh = format!("{MARK}fresh\"credential");
    let quoted = serde_json::to_string(&fresh).unwrap_or_default();
    let cut = |field: &str| format!("{{\"ok\":true,\"{field}\":{quoted},\"note\":\"cut he");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["token"], cut("access_token")),
        (
            vec![
                "provision",
                "--url",
                "https://a.test",
                "--local-user",
                "admin",
                "--plan",
                "jetpack_security_daily",
            ],
            cut("access_token"),
        ),
        (
            vec![
                "user",
                "create",
                "--email",
                "a@example.com",
                "--product-type",
                "jetpack",
                "--show-token",
            ],
            cut("bearer_token"),
        ),
        (
            vec!["partner-key", "new", "--name", "Reseller"],
            cut("client_secret"),
        ),
        (vec!["token"], format!("<html>access_token={fresh}</html>")),
    ];
    for (args, body) in cases {
        let is_token = args == ["token"];
        let base = server(move |rq| {
            if rq.path().starts_with("/oauth2/token") && !is_token {
                json_answer(
                    200,
                    &serde_json::json!({"access_token": "Kn0wnToken", "token_type": "bearer"}),
                )
            } else {
                http_response(200, "application/json", &body)
            }
        });
        let run = run_against(&base, &[&["--retries", "0"], &args[..]].concat());
        assert_eq!(run.code, 4, "{args:?}: {run:#?}");
        assert!(run.stderr.contains("***"), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains(MARK), "{args:?}: {}", run.stderr);
        assert!(!run.stdout.contains(MARK), "{args:?}: {}", run.stdout);
    }
}
