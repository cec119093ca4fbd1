//! The sandbox as a server: the `sandbox` command, the token endpoint's
//! validation in both body encodings, stats, envelopes, concurrency.
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::*;
use jetpack_partner::{Client, Credentials, Secret, TokenGrant};
use serde_json::Value;

/// POSTs a raw body with a content type; returns status and JSON.
fn post(base: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .post(format!("{base}{path}"))
        .header("Content-Type", content_type)
        .send(body)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn urlencoded(base: &str, body: &str) -> (u16, Value) {
    post(
        base,
        "/oauth2/token",
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    )
}

#[test]
fn the_sandbox_command_prints_its_url_first_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--partner",
            "77:pa:ss",
        ])
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
    let base = first.trim().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first:?}");
    // The secret is split at the first colon: "pa:ss".
    let run = cli(
        &["--api-base", &base, "--partner-id", "77", "token"],
        &[("JETPACK_PARTNER_SECRET", "pa:ss")],
        None,
    );
    let _ = child.kill();
    let _ = child.wait();
    run.assert_code(0);
    assert_eq!(run.stdout.trim().len(), 64);
}

#[test]
fn the_sandbox_command_checks_its_arguments() {
    let none = cli(&["sandbox"], &[], None);
    none.assert_code(2);
    assert!(none.stderr.contains("--partner ID:SECRET"));
    for workers in ["0", "5000", "many"] {
        cli(
            &["sandbox", "--partner", "1:2", "--workers", workers],
            &[],
            None,
        )
        .assert_code(2);
    }
    for bad in ["nocolon", ":secret", "id:"] {
        cli(&["sandbox", "--partner", bad], &[], None).assert_code(2);
    }
    let taken = sandbox();
    let addr = taken.addr().to_string();
    let busy = cli(
        &["sandbox", "--listen", &addr, "--partner", "1:2"],
        &[],
        None,
    );
    busy.assert_code(5);
    assert!(busy.error()["error_message"]
        .as_str()
        .is_some_and(|m| m.contains(&addr)));
}

#[test]
fn urlencoded_bodies_are_accepted_and_decoded() {
    let secret = "a&b=c %+d";
    let sandbox = sandbox_with(secret);
    let (status, json) = urlencoded(
        sandbox.base_url(),
        "client_id=1234&client_secret=a%26b%3Dc+%25%2Bd&grant_type=client_credentials&scope=jetpack-partner",
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["token_type"], "bearer");
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let typed = client
        .send(
            &TokenGrant::new(&Credentials::new(PARTNER_ID, Secret::new(secret))),
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        json["access_token"].as_str(),
        Some(typed.access_token.expose()),
        "one token per partner"
    );
}

#[test]
fn the_token_endpoint_validates_like_the_service() {
    let sandbox = sandbox();
    let base = sandbox.base_url();
    let ok = "client_id=1234&client_secret=s3cret-partner-value&grant_type=client_credentials&scope=jetpack-partner";
    let cases = [
        (
            ok.replace("&grant_type=client_credentials", ""),
            "invalid_request",
        ),
        (
            ok.replace("client_credentials", "password"),
            "unsupported_grant_type",
        ),
        (ok.replace("client_id=1234&", ""), "invalid_request"),
        (
            ok.replace("client_secret=s3cret-partner-value&", ""),
            "invalid_request",
        ),
        (
            ok.replace("scope=jetpack-partner", "scope=everything"),
            "invalid_scope",
        ),
        (ok.replace("&scope=jetpack-partner", ""), "invalid_scope"),
        (
            ok.replace("client_id=1234", "client_id=4321"),
            "invalid_client",
        ),
        (
            ok.replace("s3cret-partner-value", "s3cret-partner-valuE"),
            "invalid_client",
        ),
    ];
    for (body, code) in cases {
        let (status, json) = urlencoded(base, &body);
        assert_eq!(
            (status, json["error"].as_str()),
            (400, Some(code)),
            "{body}: {json}"
        );
        assert!(json["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty()));
    }
    let (status, json) = post(base, "/oauth2/token", "application/json", b"{}");
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, json) = post(base, "/oauth2/token", "multipart/form-data", b"--x--\r\n");
    assert_eq!(
        (status, json["error"].as_str()),
        (400, Some("invalid_request")),
        "no boundary"
    );
}

#[test]
fn a_wrong_scope_token_is_issued_for_other_scopes() {
    let sandbox = sandbox();
    let ok =
        "client_id=1234&client_secret=s3cret-partner-value&grant_type=client_credentials&scope=";
    let (_, partner) = urlencoded(sandbox.base_url(), &format!("{ok}jetpack-partner"));
    let (status, global) = urlencoded(sandbox.base_url(), &format!("{ok}global"));
    assert_eq!(status, 200);
    assert_eq!(global["scope"], "global");
    assert_ne!(partner["access_token"], global["access_token"]);
}

#[test]
fn unknown_paths_and_methods_get_rest_errors() {
    let sandbox = sandbox();
    let (status, json) = post(sandbox.base_url(), "/nope", "text/plain", b"");
    assert_eq!(
        (status, json["error"].as_str()),
        (404, Some("unknown_path"))
    );
    let mut answer = ureq::get(format!("{}/oauth2/token", sandbox.base_url()))
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status().as_u16(), 405);
    let body: Value = serde_json::from_str(&answer.body_mut().read_to_string().unwrap_or_default())
        .unwrap_or_default();
    assert_eq!(body["error"], "invalid_method");
}

#[test]
fn http_envelope_and_pretty_apply_to_answers() {
    let sandbox = sandbox();
    let bad = "client_id=4321&client_secret=x&grant_type=client_credentials&scope=jetpack-partner";
    let (status, json) = post(
        sandbox.base_url(),
        "/oauth2/token?http_envelope=true",
        "application/x-www-form-urlencoded",
        bad.as_bytes(),
    );
    assert_eq!(status, 200);
    assert_eq!(json["code"], 400);
    assert_eq!(json["body"]["error"], "invalid_client");
    assert!(json["headers"].is_array());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let text = agent
        .post(format!("{}/oauth2/token?pretty=true", sandbox.base_url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(bad)
        .and_then(|mut a| a.body_mut().read_to_string())
        .unwrap_or_default();
    assert!(text.lines().count() > 2, "{text}");
}

#[test]
fn stats_count_requests_by_endpoint_and_mask_secrets() {
    let sandbox = sandbox();
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let good = Credentials::new(PARTNER_ID, Secret::new(SECRET));
    let bad = Credentials::new(PARTNER_ID, Secret::new("wrong-one"));
    for _ in 0..3 {
        client
            .send(&TokenGrant::new(&good), None)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(client.send(&TokenGrant::new(&bad), None).is_err());
    let stats = ureq::get(format!("{}/_sandbox/stats", sandbox.base_url()))
        .call()
        .and_then(|mut a| a.body_mut().read_to_string())
        .unwrap_or_default();
    let stats: Value = serde_json::from_str(&stats).unwrap_or_default();
    assert_eq!(stats["requests"], 4, "{stats}");
    assert_eq!(stats["by_endpoint"]["POST /oauth2/token"]["200"], 3);
    assert_eq!(stats["by_endpoint"]["POST /oauth2/token"]["400"], 1);
    let fields = stats["last_fields"]["POST /oauth2/token"].to_string();
    assert!(fields.contains(r#"["client_secret","***"]"#), "{fields}");
    assert!(fields.contains(r#"["client_id","1234"]"#), "{fields}");
    assert!(!fields.contains("wrong-one"));
}

#[test]
fn many_clients_at_once_are_all_served() {
    let sandbox = sandbox();
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let credentials = Credentials::new(PARTNER_ID, Secret::new(SECRET));
    let tokens: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..32)
            .map(|_| {
                s.spawn(|| {
                    client
                        .send(&TokenGrant::new(&credentials), None)
                        .map(|a| a.access_token.expose().to_owned())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("thread"))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect()
    });
    assert_eq!(tokens.len(), 32);
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(requests(&sandbox), 32);
}

/// The partner document's own curl example, run as written against the
/// sandbox: the sandbox must accept what curl sends.
#[test]
fn the_documented_curl_example_works_against_the_sandbox() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed; skipping the curl comparison");
        return;
    }
    let sandbox = sandbox();
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--request", "POST"])
        .args(["--url", &format!("{}/oauth2/token", sandbox.base_url())])
        .args([
            "--header",
            "cache-control: no-cache",
            "--header",
            "content-type: multipart/form-data;",
        ])
        .args([
            "--form",
            "client_id=1234",
            "--form",
            "client_secret=s3cret-partner-value",
        ])
        .args([
            "--form",
            "grant_type=client_credentials",
            "--form",
            "scope=jetpack-partner",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        json["token_type"],
        "bearer",
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
