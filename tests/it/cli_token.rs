//! `jetpack-partner token` against a real sandbox on 127.0.0.1.
use std::time::Duration;

use crate::common::*;
use jetpack_partner::{Client, Credentials, Secret, TokenGrant};

/// The token the sandbox issues to the test partner (it issues one token
/// per partner and scope, and gives the same one each time).
fn expected_token(base: &str, secret: &str) -> String {
    let client = Client::builder()
        .api_base(base)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let credentials = Credentials::new(PARTNER_ID, Secret::new(secret));
    let answer = client
        .send(&TokenGrant::new(&credentials), None)
        .unwrap_or_else(|e| panic!("{e}"));
    answer.access_token.expose().to_owned()
}

const AWKWARD_SECRETS: &[&str] = &[
    "a&b=c",
    "quote\"inside",
    "semi;colon",
    "with space",
    "100%25%zz",
    "--looks-like-a-flag",
    "-- --",
    "\u{e9}t\u{e9}-\u{20ac}-\u{1f600}",
    "&=\";% --",
];

/// `token` against `base` as the test partner, the secret in the environment.
fn token_at(base: &str) -> Run {
    cli(
        &["--api-base", base, "--partner-id", PARTNER_ID, "token"],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    )
}

fn four_kib_secret() -> String {
    (0..4096).map(|i| (b'!' + (i % 90) as u8) as char).collect()
}

#[test]
fn token_with_the_secret_from_env_file_stdin_and_flag() {
    let long = four_kib_secret();
    let secrets: Vec<&str> = AWKWARD_SECRETS
        .iter()
        .copied()
        .chain([long.as_str()])
        .collect();
    for secret in secrets {
        let sandbox = sandbox_with(secret);
        let base = sandbox.base_url();
        let want = format!("{}\n", expected_token(base, secret));
        let file = temp_file("secret", format!("{secret}\n").as_bytes());
        let file = file.to_string_lossy();
        let common = ["--api-base", base, "--partner-id", PARTNER_ID];

        let by_env = cli(
            &[&common[..], &["token"]].concat(),
            &[("JETPACK_PARTNER_SECRET", secret)],
            None,
        );
        let by_file = cli(
            &[&common[..], &["--partner-secret-file", &file, "token"]].concat(),
            &[],
            None,
        );
        let by_stdin = cli(
            &[&common[..], &["--partner-secret-file", "-", "token"]].concat(),
            &[],
            Some(secret.as_bytes()),
        );
        let by_flag = cli(
            &[&common[..], &["--partner-secret", secret, "token"]].concat(),
            &[],
            None,
        );
        for (way, run) in [
            ("env", &by_env),
            ("file", &by_file),
            ("stdin", &by_stdin),
            ("flag", &by_flag),
        ] {
            assert_eq!(run.code, 0, "{way} with {secret:?}: {run:#?}");
            assert_eq!(run.stdout, want, "{way} with {secret:?}");
            if secret.len() >= 4 {
                assert!(
                    !run.stderr.contains(secret),
                    "{way}: stderr shows the secret"
                );
            }
        }
        assert_eq!(by_env.stderr, "");
        assert!(
            by_flag.stderr.contains("visible to other users"),
            "{:?}",
            by_flag.stderr
        );
    }
}

#[test]
fn token_with_cr_and_lf_in_the_secret_from_file_and_stdin() {
    for secret in [
        "line1\nline2",
        "cr\rin-the-middle",
        "crlf\r\nsecret",
        "\nleading-newline",
    ] {
        let sandbox = sandbox_with(secret);
        let base = sandbox.base_url();
        let want = format!("{}\n", expected_token(base, secret));
        let file = temp_file("secret", format!("{secret}\n").as_bytes());
        let args = [
            "--api-base",
            base,
            "--partner-id",
            PARTNER_ID,
            "--partner-secret-file",
        ];
        let by_file = cli(
            &[&args[..], &[&*file.to_string_lossy(), "token"]].concat(),
            &[],
            None,
        );
        let by_stdin = cli(
            &[&args[..], &["-", "token"]].concat(),
            &[],
            Some(secret.as_bytes()),
        );
        for run in [by_file, by_stdin] {
            run.assert_code(0);
            assert_eq!(run.stdout, want, "{secret:?}");
        }
    }
}

#[test]
fn token_json_prints_the_whole_answer() {
    let sandbox = sandbox();
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "token",
            "--json",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 1);
    let answer: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    assert_eq!(answer["token_type"], "bearer");
    assert_eq!(answer["scope"], "jetpack-partner");
    assert_eq!(answer["blog_id"], 0);
    assert_eq!(
        answer["access_token"].as_str(),
        Some(expected_token(sandbox.base_url(), SECRET).as_str())
    );
    let pretty = cli(
        &[
            "--pretty",
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "token",
            "--json",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    assert!(pretty.stdout.lines().count() > 3, "{pretty:#?}");
}

#[test]
fn environment_supplies_every_credential() {
    let sandbox = sandbox();
    let base = sandbox.base_url();
    let run = cli(
        &["token"],
        &[
            ("JETPACK_API_BASE", base),
            ("JETPACK_PARTNER_ID", PARTNER_ID),
            ("JETPACK_PARTNER_SECRET", SECRET),
        ],
        None,
    );
    run.assert_code(0);
    let host = base.trim_start_matches("http://");
    let old = cli(
        &["token"],
        &[
            ("JETPACK_START_API_HOST", &format!("http://{host}")),
            ("JETPACK_PARTNER_ID", PARTNER_ID),
            ("JETPACK_PARTNER_SECRET", SECRET),
        ],
        None,
    );
    old.assert_code(0);
    assert_eq!(run.stdout, old.stdout);
    // The flag wins over the environment.
    let flag = cli(
        &["--api-base", base, "token"],
        &[
            ("JETPACK_API_BASE", &closed_port()),
            ("JETPACK_PARTNER_ID", PARTNER_ID),
            ("JETPACK_PARTNER_SECRET", SECRET),
        ],
        None,
    );
    flag.assert_code(0);
}

#[test]
fn wrong_secret_is_refused_with_exit_1_and_never_shown() {
    let sandbox = sandbox();
    let wrong = "wrong-secret-&-value";
    for verbose in [false, true] {
        let mut args = vec![
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "token",
        ];
        if verbose {
            args.insert(0, "-v");
        }
        let run = cli(&args, &[("JETPACK_PARTNER_SECRET", wrong)], None);
        run.assert_code(1)
            .assert_hidden(wrong)
            .assert_hidden(SECRET);
        assert_eq!(run.stdout, "");
        let error = run.error();
        assert_eq!(error["success"], false);
        assert_eq!(error["error_code"], "invalid_client");
        assert_eq!(error["http_status"], 400);
        assert!(error["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        if verbose {
            assert!(run.stderr.contains("> POST "), "{run:#?}");
            assert!(run.stderr.contains("client_secret = ***"), "{run:#?}");
            assert!(run.stderr.contains("< HTTP 400"), "{run:#?}");
        } else {
            assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
        }
    }
}

#[test]
fn unknown_partner_is_refused() {
    let sandbox = sandbox();
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            "999",
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "invalid_client");
}

#[test]
fn missing_partner_id_is_a_usage_error_and_sends_nothing() {
    let sandbox = sandbox();
    let run = cli(
        &["--api-base", sandbox.base_url(), "token"],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("no partner ID"), "{run:#?}");
    assert!(run.stderr.contains("JETPACK_PARTNER_ID"), "{run:#?}");
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn usage_errors_exit_2_and_send_nothing() {
    let sandbox = sandbox();
    let base = sandbox.base_url();
    let secret_file = temp_file("secret", SECRET.as_bytes());
    let secret_file = secret_file.to_string_lossy();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "no command"),
        (vec!["frobnicate"], "unknown command"),
        (
            vec!["--partner-id", "1", "token", "--bogus"],
            "unknown option",
        ),
        (
            vec!["--partner-id", "1", "token", "stray"],
            "unexpected argument",
        ),
        (
            vec!["--partner-id", "1", "--timeout", "soon", "token"],
            "not a number of seconds",
        ),
        (
            vec!["--partner-id", "1", "--timeout", "0", "token"],
            "not a number of seconds",
        ),
        (
            vec![
                "--partner-id",
                "1",
                "--api-base",
                "public-api.wordpress.com",
                "token",
            ],
            "https://",
        ),
        (
            vec!["--partner-id", "1", "--partner-id", "2", "token"],
            "more than once",
        ),
        (
            vec![
                "--partner-id",
                "1",
                "--partner-secret",
                "x",
                "--partner-secret-file",
                &secret_file,
                "token",
            ],
            "one way",
        ),
        (vec!["--partner-id", "1", "token"], "no partner secret"),
        (vec!["--partner-id"], "needs a value"),
    ];
    for (args, message) in cases {
        let mut full = args.clone();
        if !args.contains(&"--api-base") {
            full.splice(0..0, ["--api-base", base]);
        }
        let run = cli(&full, &[], None);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {:?}", run.stderr);
        assert!(run.stderr.contains("hint:"), "{args:?}: {:?}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn empty_or_binary_secret_file_is_a_usage_error() {
    let sandbox = sandbox();
    for content in [&b""[..], b"\n", b"\xff\xfe\xfd"] {
        let file = temp_file("secret", content);
        let run = cli(
            &[
                "--api-base",
                sandbox.base_url(),
                "--partner-id",
                PARTNER_ID,
                "--partner-secret-file",
                &file.to_string_lossy(),
                "token",
            ],
            &[],
            None,
        );
        run.assert_code(2);
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn missing_secret_file_is_a_local_io_failure() {
    let sandbox = sandbox();
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--partner-secret-file",
            "/nonexistent/secret",
            "token",
        ],
        &[],
        None,
    );
    run.assert_code(5);
    let error = run.error();
    assert_eq!(error["error_code"], "io_error");
    assert!(error["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("/nonexistent/secret")));
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn closed_port_is_temporary_connect_failed() {
    let run = token_at(&closed_port());
    run.assert_code(3).assert_hidden(SECRET);
    assert_eq!(run.error()["error_code"], "connect_failed");
}

#[test]
fn silent_server_times_out_after_about_the_budget() {
    let base = silent_server();
    let run = cli(
        &[
            "--api-base",
            &base,
            "--timeout",
            "1",
            "--partner-id",
            PARTNER_ID,
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "timeout");
    // A property of the budget, not a speed target: it waited for the
    // budget and stopped well before several times it.
    assert!(
        run.elapsed >= Duration::from_millis(900),
        "{:?}",
        run.elapsed
    );
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn html_answers_are_unexpected_with_an_excerpt() {
    for status in [400, 200, 404] {
        let page =
            "<html>\n<head><title>Oops</title></head>\n<body>\x07Proxy says no</body></html>";
        let base = fixed_server(http_response(status, "text/html", page));
        let run = token_at(&base);
        run.assert_code(4).assert_hidden(SECRET);
        let error = run.error();
        assert_eq!(error["error_code"], "unexpected_response");
        assert_eq!(error["http_status"], status);
        assert_eq!(
            error["excerpt"],
            "<html> <head><title>Oops</title></head> <body>Proxy says no</body></html>"
        );
    }
}

#[test]
fn html_5xx_is_temporary() {
    let base = fixed_server(http_response(502, "text/html", "<html>Bad Gateway</html>"));
    let run = token_at(&base);
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "service_unavailable");
    assert_eq!(run.error()["http_status"], 502);
}

#[test]
fn rate_limit_is_temporary_and_reports_retry_after() {
    let response = b"HTTP/1.1 429 Too Many\r\nRetry-After: 120\r\nContent-Length: 4\r\nConnection: close\r\n\r\nslow".to_vec();
    let run = token_at(&fixed_server(response));
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "rate_limited");
    assert_eq!(run.error()["retry_after"], 120);
}

#[test]
fn answers_over_one_mib_are_refused() {
    let body = format!("{{\"access_token\":\"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let base = fixed_server(http_response(200, "application/json", &body));
    let run = token_at(&base);
    run.assert_code(4);
    assert!(run.error()["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("larger than")));
    assert!(run.stderr.len() < 2000, "the excerpt is short");
}

#[test]
fn a_chunked_answer_over_one_mib_is_cut_off() {
    let chunk = "x".repeat(64 * 1024);
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..40 {
        response.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    response.extend_from_slice(b"0\r\n\r\n");
    let run = token_at(&fixed_server(response));
    run.assert_code(4);
    assert!(run.error()["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("larger than")));
}

#[test]
fn a_200_without_a_token_is_unexpected() {
    let base = fixed_server(http_response(
        200,
        "application/json",
        r#"{"token_type":"bearer"}"#,
    ));
    let run = token_at(&base);
    run.assert_code(4);
    assert!(run.error()["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("access_token")));
}

#[test]
fn help_and_version() {
    let top = cli(&["--help"], &[], None);
    top.assert_code(0);
    for needle in [
        "token",
        "demo",
        "sandbox",
        "--partner-secret-file",
        "Exit codes",
        "JETPACK_PARTNER_ID",
    ] {
        assert!(top.stdout.contains(needle), "{needle}: {}", top.stdout);
    }
    let token = cli(&["token", "--help"], &[], None);
    token.assert_code(0);
    assert!(token.stdout.contains("--json") && token.stdout.contains("Usage:"));
    let short = cli(&["token", "-h"], &[], None);
    assert_eq!(short.stdout, token.stdout);
    for cmd in ["sandbox", "demo"] {
        let run = cli(&[cmd, "--help"], &[], None);
        run.assert_code(0);
        assert!(run.stdout.contains("Usage:"), "{cmd}");
    }
    let version = cli(&["--version"], &[], None);
    version.assert_code(0);
    assert_eq!(
        version.stdout,
        format!("jetpack-partner {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_redirect_is_not_followed() {
    let response = b"HTTP/1.1 301 Moved\r\nLocation: https://elsewhere.example/oauth2/token\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec();
    let run = token_at(&fixed_server(response));
    run.assert_code(4);
    let error = run.error();
    assert_eq!(error["http_status"], 301);
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("elsewhere.example")),
        "{error}"
    );
}
