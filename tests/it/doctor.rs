//! `doctor` against real servers on 127.0.0.1: the sandbox (plain and its
//! TLS front), a closed port, a host that does not resolve, a CONNECT
//! proxy, a clock moved away, a token cache others can write to, a secret
//! file others can read, and a fake `wp`. No secret in any output.
#![cfg(unix)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::*;
use jetpack_partner::sandbox::Sandbox;
use serde_json::Value;

/// The names of the checks, in their order.
const CHECKS: &[&str] = &[
    "config file",
    "api base",
    "credentials",
    "secret storage",
    "proxy",
    "dns",
    "tcp",
    "tls",
    "http",
    "clock",
    "token",
    "token cache",
    "wp-cli",
];

/// A proxy password that must never be printed.
const PROXY_PASSWORD: &str = "pr0xy-PASSWORD-marker";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {path:?}: {e}"));
}

/// The test secret in a private file, and a private token cache beside it.
fn secret_file(secret: &str) -> (PathBuf, PathBuf) {
    let file = temp_file("secret", format!("{secret}\n").as_bytes());
    chmod(&file, 0o600);
    let cache = file.with_file_name("cache");
    (file, cache)
}

/// `doctor --json` with `globals` before it, `extra` after it, `env` in
/// the environment: the run and its document.
fn doctor(globals: &[&str], extra: &[&str], env: &[(&str, &str)]) -> (Run, Value) {
    let mut args = vec!["--timeout", "10"];
    args.extend_from_slice(globals);
    args.push("doctor");
    args.push("--json");
    args.extend_from_slice(extra);
    let run = cli(&args, env, None);
    let document = serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {run:#?}"));
    (run, document)
}

/// The check named `name`.
fn check<'a>(document: &'a Value, name: &str) -> &'a Value {
    document["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no check {name}: {document:#}"))
}

fn status(document: &Value, name: &str) -> String {
    check(document, name)["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn detail(document: &Value, name: &str) -> String {
    check(document, name)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn fix(document: &Value, name: &str) -> String {
    check(document, name)["fix"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The partner's global options against `base`, the secret from `file`
/// and the token cache in `cache`.
fn partner<'a>(base: &'a str, file: &'a Path, cache: &'a Path) -> Vec<&'a str> {
    vec![
        "--api-base",
        base,
        "--partner-id",
        PARTNER_ID,
        "--partner-secret-file",
        file.to_str().unwrap_or_default(),
        "--token-cache",
        cache.to_str().unwrap_or_default(),
    ]
}

/// Exit 1 with `checks_failed` naming exactly `failed`.
fn assert_failed(run: &Run, document: &Value, failed: &[&str]) {
    run.assert_code(1);
    assert_eq!(document["ok"], false, "{document:#}");
    let error = run.error();
    assert_eq!(error["error_code"], "checks_failed", "{run:#?}");
    let named: Vec<&str> = document["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter(|c| c["status"] == "fail")
                .filter_map(|c| c["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(named, failed, "{document:#}");
    for name in failed {
        assert!(!fix(document, name).is_empty(), "{name} has a fix");
        assert!(
            error["error_message"]
                .as_str()
                .is_some_and(|m| m.contains(name)),
            "{error}"
        );
    }
}

#[test]
fn everything_passes_against_the_sandbox_and_the_json_has_its_shape() {
    let sandbox = sandbox();
    let (file, cache) = secret_file(SECRET);
    let (run, document) = doctor(&partner(sandbox.base_url(), &file, &cache), &[], &[]);
    run.assert_code(0).assert_hidden(SECRET);
    assert_eq!(run.stderr, "", "{run:#?}");
    assert_eq!(document["ok"], true);
    assert_eq!(document["api_base"], sandbox.base_url());
    let checks = document["checks"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, CHECKS);
    for check in &checks {
        let status = check["status"].as_str().unwrap_or_default();
        assert!(matches!(status, "pass" | "skip"), "{check}");
        assert!(
            check["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{check}"
        );
        assert!(check["fix"].is_null(), "{check}");
    }
    for skipped in ["config file", "tls", "wp-cli"] {
        assert_eq!(status(&document, skipped), "skip", "{skipped}");
    }
    assert!(detail(&document, "tls").contains("loopback"));
    assert!(detail(&document, "credentials").contains("--partner-id"));
    assert!(detail(&document, "credentials").contains("--partner-secret-file"));
    assert!(detail(&document, "secret storage").contains("0600"));
    assert!(detail(&document, "proxy").contains("no proxy variable"));
    assert!(detail(&document, "token cache").contains("not made yet"));
    assert!(!cache.exists(), "doctor makes no token cache");
    assert!(check(&document, "token")["elapsed_ms"].is_u64());
    assert!(check(&document, "tcp")["elapsed_ms"].is_u64());
    assert_eq!(
        check(&document, "clock")["skew_seconds"]
            .as_i64()
            .map(i64::abs)
            .map(|s| s <= 2),
        Some(true)
    );

    // The checklist for people: a mark, the name, the detail; a summary.
    let mut args = partner(sandbox.base_url(), &file, &cache);
    args.push("doctor");
    let human = cli(&args, &[], None);
    human.assert_code(0).assert_hidden(SECRET);
    assert!(
        human
            .stdout
            .starts_with("jetpack-partner doctor: http://127.0.0.1:"),
        "{human:#?}"
    );
    assert!(human.stdout.contains("✓ token "), "{human:#?}");
    assert!(human.stdout.contains("– tls "), "{human:#?}");
    assert!(human.stdout.contains("none failed."), "{human:#?}");
    assert!(!human.stdout.contains('✗'), "{human:#?}");
}

#[test]
fn a_wrong_secret_fails_the_token_check_with_the_fix_and_is_never_shown() {
    let sandbox = sandbox();
    let wrong = "WRONG-secret-MARKER-7f3a";
    let (file, cache) = secret_file(wrong);
    let (run, document) = doctor(&partner(sandbox.base_url(), &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["token"]);
    run.assert_hidden(wrong).assert_hidden(SECRET);
    assert!(
        detail(&document, "token").contains("invalid_client"),
        "{document:#}"
    );
    assert!(fix(&document, "token").contains("partner ID and the secret"));
    // The same secret as a variable, and on the command line (which is
    // flagged: ps shows it).
    let (run, document) = doctor(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--no-token-cache",
        ],
        &[],
        &[("JETPACK_PARTNER_SECRET", wrong)],
    );
    assert_failed(&run, &document, &["token"]);
    run.assert_hidden(wrong);
    assert!(detail(&document, "credentials").contains("$JETPACK_PARTNER_SECRET"));
    let (run, document) = doctor(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--no-token-cache",
            "--partner-secret",
            wrong,
        ],
        &[],
        &[],
    );
    assert_failed(&run, &document, &["secret storage", "token"]);
    run.assert_hidden(wrong);
    assert!(detail(&document, "secret storage").contains("ps"));
    assert_eq!(status(&document, "token cache"), "skip");
}

#[test]
fn missing_credentials_fail_and_an_access_token_skips_the_token_request() {
    let sandbox = sandbox();
    let (run, document) = doctor(
        &["--api-base", sandbox.base_url(), "--no-token-cache"],
        &[],
        &[],
    );
    assert_failed(&run, &document, &["credentials"]);
    assert!(fix(&document, "credentials").contains("--partner-id"));
    assert_eq!(status(&document, "token"), "skip");
    assert_eq!(
        status(&document, "http"),
        "pass",
        "the network is still checked"
    );
    let token = "an-access-TOKEN-marker-1234";
    let (run, document) = doctor(
        &["--api-base", sandbox.base_url(), "--no-token-cache"],
        &[],
        &[("JETPACK_ACCESS_TOKEN", token)],
    );
    run.assert_code(0).assert_hidden(token);
    assert!(detail(&document, "credentials").contains("$JETPACK_ACCESS_TOKEN"));
    assert!(detail(&document, "token").contains("access token"));
}

#[test]
fn a_closed_port_fails_tcp_and_skips_what_needs_it() {
    let (file, cache) = secret_file(SECRET);
    let base = closed_port();
    let (run, document) = doctor(&partner(&base, &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["tcp"]);
    run.assert_hidden(SECRET);
    assert!(detail(&document, "tcp").contains("refused"), "{document:#}");
    for skipped in ["http", "clock", "token"] {
        assert_eq!(status(&document, skipped), "skip", "{skipped}");
        assert!(
            detail(&document, skipped).contains("no TCP connection"),
            "{skipped}"
        );
    }
    assert_eq!(status(&document, "dns"), "pass");
}

#[test]
fn a_host_that_does_not_resolve_fails_dns_and_skips_the_rest_of_the_way() {
    let (file, cache) = secret_file(SECRET);
    let (run, document) = doctor(
        &partner("https://no-such-host.invalid", &file, &cache),
        &[],
        &[],
    );
    assert_failed(&run, &document, &["dns"]);
    assert!(detail(&document, "dns").contains("no-such-host.invalid"));
    assert!(fix(&document, "dns").contains("DNS"));
    for skipped in ["tcp", "tls", "http", "clock", "token"] {
        assert_eq!(status(&document, skipped), "skip", "{skipped}");
        assert!(
            detail(&document, skipped).contains("does not resolve"),
            "{skipped}"
        );
    }
}

#[test]
fn an_unsafe_token_cache_and_a_secret_file_others_can_read_fail_with_their_fixes() {
    let sandbox = sandbox();
    let (file, cache) = secret_file(SECRET);
    chmod(&file, 0o644);
    std::fs::create_dir(&cache).unwrap_or_else(|e| panic!("{e}"));
    chmod(&cache, 0o777);
    let (run, document) = doctor(&partner(sandbox.base_url(), &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["secret storage", "token cache"]);
    run.assert_hidden(SECRET);
    assert!(detail(&document, "secret storage").contains("0644"));
    assert_eq!(
        fix(&document, "secret storage"),
        format!("chmod 600 {}", file.display())
    );
    assert!(detail(&document, "token cache").contains("writable by group or others"));
    assert!(fix(&document, "token cache").contains("--token-cache DIR"));
    // Nothing was changed.
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!((mode(&file), mode(&cache)), (0o644, 0o777));
    // The token still works: the credentials are fine.
    assert_eq!(status(&document, "token"), "pass");

    // A private cache that exists is used; one inside a directory others
    // can write to is not.
    chmod(&cache, 0o700);
    let (_, document) = doctor(&partner(sandbox.base_url(), &file, &cache), &[], &[]);
    assert_eq!(status(&document, "token cache"), "pass");
    assert!(detail(&document, "token cache").contains("0700"));
    chmod(&cache, 0o777);
    let inside = cache.join("inner");
    let (_, document) = doctor(&partner(sandbox.base_url(), &file, &inside), &[], &[]);
    assert_eq!(status(&document, "token cache"), "fail");
    assert!(
        detail(&document, "token cache").contains("not sticky"),
        "{document:#}"
    );
    let mut off = partner(sandbox.base_url(), &file, &cache);
    off.push("--no-token-cache");
    let (_, document) = doctor(&off, &[], &[]);
    assert_eq!(status(&document, "token cache"), "skip");
}

#[test]
fn a_clock_far_from_the_apis_fails_and_a_near_one_passes() {
    let (file, cache) = secret_file(SECRET);
    let ahead = sandbox();
    ahead.advance_clock(Duration::from_secs(3600));
    let (run, document) = doctor(&partner(ahead.base_url(), &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["clock"]);
    let skew = check(&document, "clock")["skew_seconds"]
        .as_i64()
        .unwrap_or(0);
    assert!((3598..=3602).contains(&skew), "{document:#}");
    assert!(
        detail(&document, "clock").contains("behind the API's"),
        "{document:#}"
    );
    assert!(fix(&document, "clock").contains("NTP"));

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let behind = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .clock_at(now - 600)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let (run, document) = doctor(&partner(behind.base_url(), &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["clock"]);
    assert!(
        detail(&document, "clock").contains("ahead of the API's"),
        "{document:#}"
    );

    let near = sandbox();
    near.advance_clock(Duration::from_secs(120));
    let (run, document) = doctor(&partner(near.base_url(), &file, &cache), &[], &[]);
    run.assert_code(0);
    let skew = check(&document, "clock")["skew_seconds"]
        .as_i64()
        .unwrap_or(0);
    assert!((118..=122).contains(&skew), "{document:#}");
}

/// A CA, a certificate it signed for `names`, and a sandbox serving HTTPS
/// with it: (sandbox, the CA's file).
fn tls_sandbox(names: &[&str]) -> (Sandbox, PathBuf) {
    let (ca, chain, key) = crate::tls::certificates(names);
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .tls(chain.as_bytes(), key.as_bytes())
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    (sandbox, temp_file("ca.pem", ca.as_bytes()))
}

#[test]
fn over_tls_the_roots_are_named_and_an_untrusted_certificate_fails() {
    let (sandbox, ca) = tls_sandbox(&["localhost"]);
    let (file, cache) = secret_file(SECRET);
    let ca = ca.to_string_lossy().into_owned();
    let base = sandbox.base_url();
    let mut with_ca = partner(base, &file, &cache);
    with_ca.extend(["--ca-file", &ca]);
    let (run, document) = doctor(&with_ca, &[], &[]);
    run.assert_code(0).assert_hidden(SECRET);
    assert_eq!(status(&document, "tls"), "pass");
    assert!(
        detail(&document, "tls").contains(&format!("--ca-file {ca}")),
        "{document:#}"
    );

    let (run, document) = doctor(
        &partner(base, &file, &cache),
        &[],
        &[("SSL_CERT_FILE", &ca)],
    );
    run.assert_code(0);
    assert!(
        detail(&document, "tls").contains("$SSL_CERT_FILE"),
        "{document:#}"
    );

    let (run, document) = doctor(&partner(base, &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["tls"]);
    assert!(
        detail(&document, "tls").contains("TLS failed"),
        "{document:#}"
    );
    assert!(fix(&document, "tls").contains("--ca-file"), "{document:#}");
    assert!(
        fix(&document, "tls").contains("bundled Mozilla roots"),
        "{document:#}"
    );
    for skipped in ["http", "clock", "token"] {
        assert_eq!(status(&document, skipped), "skip", "{skipped}");
    }

    // A CA file that is not one: TLS fails with what is wrong, nothing
    // after it is tried.
    let not_pem = temp_file("not.pem", b"hello");
    let mut bad = partner(base, &file, &cache);
    bad.extend(["--ca-file", not_pem.to_str().unwrap_or_default()]);
    let (run, document) = doctor(&bad, &[], &[]);
    assert_failed(&run, &document, &["tls"]);
    assert!(
        detail(&document, "tls").contains("PEM")
            || detail(&document, "tls").contains("certificate"),
        "{document:#}"
    );
    assert_eq!(
        requests(&sandbox),
        4,
        "two probes and two tokens, then nothing"
    );
}

#[test]
fn https_to_the_plain_sandbox_says_to_use_http() {
    let sandbox = sandbox();
    let (file, cache) = secret_file(SECRET);
    let base = sandbox.base_url().replace("http://", "https://");
    let (run, document) = doctor(&partner(&base, &file, &cache), &[], &[]);
    assert_failed(&run, &document, &["tls"]);
    assert!(fix(&document, "tls").contains("http://"), "{document:#}");
}

/// A CONNECT proxy on 127.0.0.1 that sends every tunnel to `target`
/// (whatever host it names) and keeps the request heads it read.
fn connect_proxy(target: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let keep = heads.clone();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (target, keep) = (target.clone(), keep.clone());
            thread::spawn(move || tunnel(client, &target, &keep));
        }
    });
    (format!("{address}"), heads)
}

fn tunnel(mut client: TcpStream, target: &str, heads: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    heads
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(String::from_utf8_lossy(&head).into_owned());
    let Ok(server) = TcpStream::connect(target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let mut server_in = server;
    thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut server_in, &mut client);
    let _ = client.shutdown(std::net::Shutdown::Write);
}

#[test]
fn a_proxy_in_force_is_used_shown_without_its_password_and_bypassed_for_loopback() {
    // The API at a name only the proxy knows: the certificate is for it,
    // and the tunnel ends at the sandbox's TLS front.
    let (sandbox, ca) = tls_sandbox(&["api.jetpack.test"]);
    let port = sandbox
        .base_url()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let (proxy, heads) = connect_proxy(format!("127.0.0.1:{port}"));
    let proxy_url = format!("http://deploy:{PROXY_PASSWORD}@{proxy}");
    let base = format!("https://api.jetpack.test:{port}");
    let (file, cache) = secret_file(SECRET);
    let mut args = partner(&base, &file, &cache);
    let ca = ca.to_string_lossy().into_owned();
    args.extend(["--ca-file", &ca]);
    let (run, document) = doctor(&args, &[], &[("HTTPS_PROXY", &proxy_url)]);
    run.assert_code(0)
        .assert_hidden(PROXY_PASSWORD)
        .assert_hidden("deploy:")
        .assert_hidden(SECRET);
    let shown = detail(&document, "proxy");
    assert!(
        shown.contains(&format!("HTTPS_PROXY=http://***@{proxy}")),
        "{shown}"
    );
    assert!(
        shown.contains("go through the proxy of $HTTPS_PROXY"),
        "{shown}"
    );
    assert!(detail(&document, "dns").contains("proxy"), "{document:#}");
    assert!(detail(&document, "tcp").contains("proxy"), "{document:#}");
    assert!(
        detail(&document, "http").contains("through the proxy"),
        "{document:#}"
    );
    let heads = heads.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        heads
            .iter()
            .all(|h| h.starts_with(&format!("CONNECT api.jetpack.test:{port} "))),
        "{heads:?}"
    );
    assert_eq!(heads.len(), 2, "the probe and the token request: {heads:?}");

    // NO_PROXY lists the host: bypassed, and then the name does not
    // resolve here.
    let (run, document) = doctor(
        &args,
        &[],
        &[
            ("HTTPS_PROXY", &proxy_url),
            ("NO_PROXY", "api.jetpack.test"),
        ],
    );
    assert_failed(&run, &document, &["dns"]);
    run.assert_hidden(PROXY_PASSWORD);
    assert!(
        detail(&document, "proxy").contains("$NO_PROXY lists api.jetpack.test"),
        "{document:#}"
    );

    // The sandbox on loopback never goes through a proxy, and says so.
    let plain = crate::common::sandbox();
    let (run, document) = doctor(
        &partner(plain.base_url(), &file, &cache),
        &[],
        &[
            ("HTTP_PROXY", &proxy_url),
            ("ALL_PROXY", "http://other:pw-2@proxy.invalid:1"),
        ],
    );
    run.assert_code(0)
        .assert_hidden(PROXY_PASSWORD)
        .assert_hidden("pw-2");
    let shown = detail(&document, "proxy");
    assert!(
        shown.contains("ALL_PROXY=http://***@proxy.invalid:1"),
        "{shown}"
    );
    assert!(shown.contains("bypassed"), "{shown}");
    assert!(shown.contains("loopback"), "{shown}");

    // A proxy that is down: TCP to it fails, with a fix that names it.
    let (run, document) = doctor(
        &args,
        &[],
        &[(
            "HTTPS_PROXY",
            &format!(
                "http://deploy:{PROXY_PASSWORD}@{}",
                closed_port().trim_start_matches("http://")
            ),
        )],
    );
    assert_failed(&run, &document, &["tcp"]);
    run.assert_hidden(PROXY_PASSWORD);
    assert!(
        fix(&document, "tcp").contains("$HTTPS_PROXY"),
        "{document:#}"
    );
}

/// A fake `wp` that answers `option get home` with `home`, or fails when
/// it is empty.
fn fake_wp(home: &str) -> PathBuf {
    let wp = temp_file("unused", b"").with_file_name("wp");
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in *\"option get home\"*) \
         if [ -z '{home}' ]; then echo 'Error: This does not seem to be a WordPress installation.' >&2; exit 1; fi; \
         echo '{home}' ;; esac\n"
    );
    // Written by a child process (see wp_cli.rs: "Text file busy").
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            "printf '%s' \"$2\" > \"$1\" && chmod 755 \"$1\"",
            "sh",
        ])
        .arg(&wp)
        .arg(script)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    wp
}

#[test]
fn wp_cli_is_checked_when_asked_for() {
    let sandbox = sandbox();
    let (file, cache) = secret_file(SECRET);
    let args = partner(sandbox.base_url(), &file, &cache);
    let good = fake_wp("https://example.com");
    let (run, document) = doctor(
        &args,
        &["--wp-cli-path", good.to_str().unwrap_or_default()],
        &[],
    );
    run.assert_code(0);
    assert_eq!(status(&document, "wp-cli"), "pass");
    assert!(detail(&document, "wp-cli").contains("https://example.com"));
    let bad = fake_wp("");
    let (run, document) = doctor(
        &args,
        &["--wp-cli-path", bad.to_str().unwrap_or_default()],
        &[],
    );
    assert_failed(&run, &document, &["wp-cli"]);
    assert!(
        detail(&document, "wp-cli").contains("WordPress installation"),
        "{document:#}"
    );
    let (run, document) = doctor(&args, &["--wp-cli-path", "/nonexistent/wp"], &[]);
    assert_failed(&run, &document, &["wp-cli"]);
    assert!(fix(&document, "wp-cli").contains("--wp-cli-path"));
}

#[test]
fn bad_usage_is_exit_2_and_nothing_is_checked() {
    let sandbox = sandbox();
    for extra in [&["--bogus"][..], &["--wp-cli", "--no-wp-cli"], &["stray"]] {
        let mut args = vec!["--api-base", sandbox.base_url(), "doctor"];
        args.extend_from_slice(extra);
        let run = cli(&args, &[], None);
        run.assert_code(2);
        assert_eq!(run.stdout, "", "{extra:?}");
    }
    assert_eq!(requests(&sandbox), 0);
}
