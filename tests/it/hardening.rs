//! Secrets, the token cache, plain-http refusal and proxies, against a real
//! sandbox on 127.0.0.1.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

use crate::common::*;
use jetpack_partner::{AccessToken, TokenCache};

const STATUS: &str = "GET /rest/v1.4/jpphp/{site}/status";
const TOKEN: &str = "POST /oauth2/token";

fn count(sandbox: &jetpack_partner::sandbox::Sandbox, endpoint: &str, status: &str) -> u64 {
    sandbox.stats()["by_endpoint"][endpoint][status]
        .as_u64()
        .unwrap_or(0)
}

fn with_cache(sandbox: &jetpack_partner::sandbox::Sandbox, cache: &Path, args: &[&str]) -> Run {
    let cache = cache.to_string_lossy();
    let mut full = vec![
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "--token-cache",
        &cache,
    ];
    full.extend_from_slice(args);
    cli(&full, &[("JETPACK_PARTNER_SECRET", SECRET)], None)
}

fn cache_dir(name: &str) -> std::path::PathBuf {
    temp_file("unused", b"").with_file_name(name)
}

#[test]
fn a_cached_token_saves_the_token_round_trip() {
    let sandbox = sandbox();
    let cache = cache_dir("cache");
    with_cache(
        &sandbox,
        &cache,
        &[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://c.test",
            "--plan",
            "free",
        ],
    )
    .assert_code(0);
    with_cache(&sandbox, &cache, &["status", "--site", "c.test"]).assert_code(0);
    with_cache(&sandbox, &cache, &["upgrade-paths", "--site", "c.test"]).assert_code(0);
    assert_eq!(count(&sandbox, TOKEN, "200"), 1, "{}", sandbox.stats());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&cache), 0o700);
        let files: Vec<_> = std::fs::read_dir(&cache)
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(mode(&files[0].path()), 0o600);
    }
    // The environment variable names the same cache.
    let by_env = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "status",
            "--site",
            "c.test",
        ],
        &[
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("JETPACK_TOKEN_CACHE", &cache.to_string_lossy()),
        ],
        None,
    );
    by_env.assert_code(0);
    assert_eq!(count(&sandbox, TOKEN, "200"), 1);
    // --no-token-cache asks every time; XDG_CACHE_HOME is the default place.
    let args = [
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "--no-token-cache",
        "status",
        "--site",
        "c.test",
    ];
    cli(
        &args,
        &[
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("JETPACK_TOKEN_CACHE", &cache.to_string_lossy()),
        ],
        None,
    )
    .assert_code(0);
    assert_eq!(count(&sandbox, TOKEN, "200"), 2);
    let xdg = cache_dir("xdg");
    let default = [
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "status",
        "--site",
        "c.test",
    ];
    cli(
        &default,
        &[
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("XDG_CACHE_HOME", &xdg.to_string_lossy()),
        ],
        None,
    )
    .assert_code(0);
    assert!(xdg.join("jetpack-partner").is_dir());
}

#[test]
fn a_refused_cached_token_is_replaced_and_the_call_repeated_once() {
    let sandbox = sandbox();
    provision_direct(&sandbox, "r.test");
    let cache = cache_dir("revoked");
    TokenCache::new(&cache)
        .store(
            sandbox.base_url(),
            &test_partner(),
            &AccessToken::new("revoked-token-value"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let run = with_cache(&sandbox, &cache, &["-v", "status", "--site", "r.test"]);
    run.assert_code(0).assert_hidden("revoked-token-value");
    assert_eq!(count(&sandbox, STATUS, "400"), 1, "{}", sandbox.stats());
    assert_eq!(count(&sandbox, STATUS, "200"), 1);
    let cached = TokenCache::new(&cache)
        .load(sandbox.base_url(), &test_partner())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cached.map(|t| t.expose().to_owned()),
        Some(token_of(&sandbox, SECRET))
    );
    // A token given with --access-token is never replaced.
    let given = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--access-token",
            "revoked-token-value",
            "status",
            "--site",
            "r.test",
        ],
        &[],
        None,
    );
    given.assert_code(1);
    assert_eq!(given.error()["error_code"], "invalid_token");
}

fn provision_direct(sandbox: &jetpack_partner::sandbox::Sandbox, site: &str) {
    partner_cli(
        sandbox,
        &[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            &format!("https://{site}"),
            "--plan",
            "free",
        ],
    )
    .assert_code(0);
}

#[test]
fn a_broken_cache_never_stops_the_work() {
    let sandbox = sandbox();
    provision_direct(&sandbox, "b.test");
    // A cache "directory" that is a file: cannot be created or written.
    let blocker = temp_file("not-a-dir", b"x");
    let quiet = with_cache(
        &sandbox,
        &blocker.join("cache"),
        &["status", "--site", "b.test"],
    );
    quiet.assert_code(0);
    assert_eq!(
        quiet.stderr, "",
        "without -v the cache problem is not mentioned"
    );
    let loud = with_cache(
        &sandbox,
        &blocker.join("cache"),
        &["-v", "status", "--site", "b.test"],
    );
    loud.assert_code(0);
    assert_eq!(
        loud.stderr.matches("token not cached").count(),
        1,
        "{}",
        loud.stderr
    );
    // A corrupt cache file is ignored and replaced.
    let cache = cache_dir("corrupt");
    let store = TokenCache::new(&cache);
    store
        .store(sandbox.base_url(), &test_partner(), &AccessToken::new("x"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        store.path(sandbox.base_url(), &test_partner()),
        b"{not json",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = with_cache(&sandbox, &cache, &["-v", "status", "--site", "b.test"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("token cache not used"),
        "{}",
        run.stderr
    );
    assert!(store
        .load(sandbox.base_url(), &test_partner())
        .is_ok_and(|t| t.is_some()));
}

#[test]
fn concurrent_runs_never_read_half_a_token() {
    let sandbox = sandbox();
    provision_direct(&sandbox, "p.test");
    let cache = cache_dir("parallel");
    let runs: Vec<Run> = thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| with_cache(&sandbox, &cache, &["status", "--site", "p.test"])))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("thread")))
            .collect()
    });
    for run in &runs {
        run.assert_code(0);
    }
    assert_eq!(
        count(&sandbox, STATUS, "400"),
        0,
        "no run used a torn token"
    );
    let leftovers: Vec<String> = std::fs::read_dir(&cache)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn plain_http_to_another_machine_is_refused_before_sending() {
    let run = cli(
        &[
            "--api-base",
            "http://public-api.wordpress.com",
            "--partner-id",
            PARTNER_ID,
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("--allow-insecure-http"), "{run:#?}");
    let old = cli(
        &["--partner-id", PARTNER_ID, "token"],
        &[
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("JETPACK_START_API_HOST", "http://example.com"),
        ],
        None,
    );
    old.assert_code(2);
}

#[test]
fn a_secret_file_others_can_read_gets_a_warning() {
    let sandbox = sandbox();
    let file = temp_file("secret", format!("{SECRET}\n").as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let set = |mode| {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let run = |file: &Path| {
            cli(
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
            )
        };
        set(0o644);
        let loose = run(&file);
        loose.assert_code(0);
        assert!(
            loose.stderr.contains("readable by other users") && loose.stderr.contains("chmod 600"),
            "{loose:#?}"
        );
        set(0o600);
        let tight = run(&file);
        tight.assert_code(0);
        assert_eq!(tight.stderr, "");
    }
}

/// Every command, with and without -v, succeeding and failing: neither the
/// partner secret nor the access token shows, except where asked for.
#[test]
fn no_command_shows_the_secret_or_the_token() {
    let sandbox = sandbox();
    let token = token_of(&sandbox, SECRET);
    provision_direct(&sandbox, "shown.test");
    let key = temp_file(
        "key",
        b"-----BEGIN KEY-----\nkey-material-123\n-----END KEY-----\n",
    );
    let key = key.to_string_lossy();
    let good_batch = temp_file(
        "good.jsonl",
        b"{\"local_user\":\"a\",\"siteurl\":\"b1.test\",\"plan\":\"free\"}\n",
    );
    let bad_batch = temp_file(
        "bad.jsonl",
        b"{\"local_user\":\"a\",\"siteurl\":\"b2.test\",\"plan\":\"gold\"}\n",
    );
    let (good_batch, bad_batch) = (good_batch.to_string_lossy(), bad_batch.to_string_lossy());
    let commands: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["batch", "provision", "--input", &good_batch],
            vec!["batch", "provision", "--input", &bad_batch],
        ),
        (vec!["token"], vec!["token", "--partner-id", "999"]),
        (
            vec!["token", "--json"],
            vec![
                "token",
                "--json",
                "--timeout",
                "0.2",
                "--api-base",
                "http://127.0.0.1:9",
            ],
        ),
        (
            vec![
                "provision",
                "--local-user",
                "a",
                "--siteurl",
                "https://s2.test",
                "--plan",
                "free",
            ],
            vec![
                "provision",
                "--local-user",
                "a",
                "--siteurl",
                "https://s2.test",
                "--plan",
                "gold",
            ],
        ),
        (
            vec!["status", "--site", "shown.test"],
            vec!["status", "--site", "never.test"],
        ),
        (
            vec!["status", "--v1.3", "--site", "shown.test"],
            vec!["status", "--v1.3", "--site", "never.test"],
        ),
        (
            vec!["upgrade-paths", "--site", "shown.test"],
            vec!["upgrade-paths", "--site", "never.test"],
        ),
        (
            vec!["errors"],
            vec![
                "errors",
                "--api-base",
                "http://127.0.0.1:9",
                "--timeout",
                "0.2",
            ],
        ),
        (vec!["errors", "--details"], vec!["errors", "--bogus"]),
        (
            vec![
                "ssh-credentials",
                "--blog-id",
                "1000",
                "--ssh-user",
                "u",
                "--ssh-host",
                "h",
                "--ssh-private-key",
                &key,
            ],
            vec![
                "ssh-credentials",
                "--blog-id",
                "4242",
                "--ssh-user",
                "u",
                "--ssh-host",
                "h",
                "--ssh-private-key",
                &key,
            ],
        ),
        (
            vec!["partner-key", "new", "--name", "n"],
            vec![
                "partner-key",
                "new",
                "--name",
                "n",
                "--allowed-premium-plans",
                "x",
            ],
        ),
        (
            vec!["cancel", "--site", "s2.test", "--plan", "free"],
            vec!["cancel", "--site", "s2.test", "--plan", "free"],
        ),
    ];
    for (ok, bad) in &commands {
        for verbose in [false, true] {
            for (args, succeeds) in [(ok, true), (bad, false)] {
                let mut full = vec!["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID];
                if verbose {
                    full.push("-v");
                }
                full.extend(args.iter().copied());
                if args[0] == "cancel" && succeeds {
                    provision_direct(&sandbox, "s2.test");
                }
                let run = cli(&full, &[("JETPACK_PARTNER_SECRET", SECRET)], None);
                assert_eq!(run.code == 0, succeeds, "{args:?} -v={verbose}: {run:#?}");
                assert!(
                    !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
                    "{args:?}: secret shown\n{run:#?}"
                );
                assert!(
                    !run.stderr.contains(&token),
                    "{args:?}: token on stderr\n{run:#?}"
                );
                assert!(
                    !run.stdout.contains("key-material-123")
                        && !run.stderr.contains("key-material-123")
                );
                let asked_for_token = args[0] == "token" && succeeds;
                assert_eq!(
                    run.stdout.contains(&token),
                    asked_for_token,
                    "{args:?}: token on stdout\n{run:#?}"
                );
            }
        }
    }
}

/// A forward proxy on loopback that records request lines and relays.
fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = log.clone();
            thread::spawn(move || relay(client, &log));
        }
    });
    (format!("http://{addr}"), seen)
}

/// Handles one proxied connection: `CONNECT host:port` opens a tunnel (as
/// ureq uses for every target behind an HTTP proxy).
fn relay(client: TcpStream, log: &Mutex<Vec<String>>) {
    let Ok(mut write_back) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(client);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => head.push(line.trim_end().to_owned()),
        }
    }
    let Some(request) = head.first().cloned() else {
        return;
    };
    if let Ok(mut log) = log.lock() {
        log.push(request.clone());
    }
    let target = match request.split_whitespace().collect::<Vec<_>>().as_slice() {
        ["CONNECT", target, _] => (*target).to_owned(),
        _ => return,
    };
    let target = match target.rsplit_once(':') {
        Some((host, port)) if host.ends_with(".test") => format!("127.0.0.1:{port}"),
        _ => target,
    };
    let Ok(server) = TcpStream::connect(&target) else {
        return;
    };
    let _ = write_back.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n");
    let (Ok(mut to_server), Ok(mut from_server)) = (server.try_clone(), server.try_clone()) else {
        return;
    };
    thread::spawn(move || {
        let _ = std::io::copy(&mut from_server, &mut write_back);
    });
    let buffered = reader.buffer().to_vec();
    let _ = to_server.write_all(&buffered);
    let mut client = reader.into_inner();
    let _ = std::io::copy(&mut client, &mut to_server);
    let _ = to_server.shutdown(std::net::Shutdown::Write);
}

/// Runs `token` against `base` through `proxy`, with extra environment.
fn token_via_proxy(base: &str, proxy: &str, more: &[(&str, &str)]) -> Run {
    let mut env = vec![("JETPACK_PARTNER_SECRET", SECRET), ("HTTP_PROXY", proxy)];
    env.extend_from_slice(more);
    cli(
        &[
            "--api-base",
            base,
            "--allow-insecure-http",
            "--partner-id",
            PARTNER_ID,
            "--no-token-cache",
            "--timeout",
            "10",
            "token",
        ],
        &env,
        None,
    )
}

#[test]
fn requests_go_through_an_http_proxy_from_the_environment() {
    let sandbox = sandbox();
    let (proxy, log) = recording_proxy();
    // A host name that only the proxy knows (it sends *.test to loopback).
    let port = sandbox.base_url().rsplit(':').next().unwrap_or_default();
    let named = format!("http://api.test:{port}");
    token_via_proxy(&named, &proxy, &[]).assert_code(0);
    let seen = log.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(seen, [format!("CONNECT api.test:{port} HTTP/1.1")]);
    assert_eq!(count(&sandbox, TOKEN, "200"), 1);
    // NO_PROXY sends it straight, where api.test does not resolve.
    let direct = token_via_proxy(&named, &proxy, &[("NO_PROXY", "api.test")]);
    direct.assert_code(3);
    assert_eq!(direct.error()["error_code"], "dns_failed", "{direct:#?}");
    assert_eq!(
        log.lock().map(|s| s.len()).unwrap_or(0),
        1,
        "NO_PROXY bypassed the proxy"
    );
}

/// A plain-http API base on this machine (the sandbox) never goes through a
/// proxy from the environment: the proxy would read the secret in clear.
#[test]
fn a_loopback_api_base_bypasses_proxies() {
    let sandbox = sandbox();
    let (proxy, log) = recording_proxy();
    for variable in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"] {
        let run = cli(
            &[
                "--api-base",
                sandbox.base_url(),
                "--partner-id",
                PARTNER_ID,
                "--no-token-cache",
                "--timeout",
                "10",
                "token",
            ],
            &[("JETPACK_PARTNER_SECRET", SECRET), (variable, &proxy)],
            None,
        );
        run.assert_code(0);
    }
    assert_eq!(
        log.lock().map(|s| s.clone()).unwrap_or_default(),
        Vec::<String>::new()
    );
    assert_eq!(count(&sandbox, TOKEN, "200"), 4);
}

/// The test partner's credentials, as the cache keys its tokens.
fn test_partner() -> jetpack_partner::Credentials {
    jetpack_partner::Credentials::new(PARTNER_ID, jetpack_partner::Secret::new(SECRET))
}
