//! Honest credentials and honest exits: one refused secret is one request,
//! a cached token never answers for another secret, everything the user
//! typed is sent or refused, and an answer that cannot be printed is not a
//! success.
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use jetpack_partner::sandbox::{Fault, Sandbox};
use serde_json::Value;

const TOKEN: &str = "POST /oauth2/token";

/// Token requests the sandbox answered with `status`.
fn token_requests(sandbox: &Sandbox, status: &str) -> u64 {
    sandbox.stats()["by_endpoint"][TOKEN][status]
        .as_u64()
        .unwrap_or(0)
}

/// Every command that needs a token, with valid arguments.
fn every_command() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://c.test",
            "--plan",
            "free",
        ],
        vec!["cancel", "--site", "c.test", "--cancel-all"],
        vec!["status", "--site", "c.test"],
        vec!["upgrade-paths", "--site", "c.test"],
        vec!["errors"],
        vec![
            "ssh-credentials",
            "--blog-id",
            "1000",
            "--ssh-user",
            "u",
            "--ssh-host",
            "h",
            "--ssh-pass-file",
            "-",
        ],
        vec!["partner-key", "new", "--name", "k"],
        vec!["token"],
    ]
}

fn run_with_secret(sandbox: &Sandbox, secret: &str, extra: &[&str], command: &[&str]) -> Run {
    let mut args = vec![
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "--no-token-cache",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(command);
    let stdin = command.contains(&"-").then_some(&b"ssh-p4ss\n"[..]);
    cli(&args, &[("JETPACK_PARTNER_SECRET", secret)], stdin)
}

#[test]
fn a_refused_secret_is_one_request_for_every_command() {
    for command in every_command() {
        let sandbox = sandbox();
        let run = run_with_secret(&sandbox, "a-wrong-secret", &[], &command);
        run.assert_code(1);
        assert_eq!(
            run.error()["error_code"],
            "invalid_client",
            "{command:?}: {run:#?}"
        );
        assert_eq!(requests(&sandbox), 1, "{command:?}: {}", sandbox.stats());
    }
    let sandbox = sandbox();
    let input = temp_file(
        "one.jsonl",
        b"{\"local_user\":\"a\",\"siteurl\":\"https://b.test\",\"plan\":\"free\"}\n",
    );
    let run = run_with_secret(
        &sandbox,
        "a-wrong-secret",
        &[],
        &["batch", "provision", "--input", &input.to_string_lossy()],
    );
    run.assert_code(1);
    assert_eq!(requests(&sandbox), 1, "{}", sandbox.stats());
}

#[test]
fn a_temporary_failure_is_tried_one_plus_retries_times_for_the_whole_command() {
    for (retries, want) in [("2", 3), ("0", 1)] {
        for command in every_command() {
            let sandbox = Sandbox::builder()
                .partner(PARTNER_ID, SECRET)
                .fault(Fault::Unavailable, 1.0)
                .start()
                .unwrap_or_else(|e| panic!("{e}"));
            let run = run_with_secret(&sandbox, SECRET, &["--retries", retries], &command);
            run.assert_code(3);
            assert_eq!(
                token_requests(&sandbox, "503"),
                want,
                "{command:?} --retries {retries}"
            );
            assert_eq!(requests(&sandbox), want, "{command:?}: {}", sandbox.stats());
        }
    }
}

/// After a good run, a wrong or rotated secret is not answered from the
/// cache: the cache is keyed by a fingerprint of the secret too.
#[test]
fn a_cached_token_does_not_answer_for_another_secret() {
    let sandbox = sandbox();
    let cache = temp_file("unused", b"").with_file_name("cache");
    let cache_s = cache.to_string_lossy();
    let with = |secret: &str| {
        cli(
            &[
                "--api-base",
                sandbox.base_url(),
                "--partner-id",
                PARTNER_ID,
                "--token-cache",
                &cache_s,
                "errors",
            ],
            &[("JETPACK_PARTNER_SECRET", secret)],
            None,
        )
    };
    with(SECRET).assert_code(0);
    with(SECRET).assert_code(0);
    assert_eq!(
        token_requests(&sandbox, "200"),
        1,
        "the second run used the cache"
    );
    let wrong = with("a-rotated-secret");
    wrong.assert_code(1);
    assert_eq!(wrong.error()["error_code"], "invalid_client");
    assert_eq!(token_requests(&sandbox, "400"), 1);
    let names: Vec<String> = std::fs::read_dir(&cache)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for name in names {
        let text = std::fs::read_to_string(cache.join(&name)).unwrap_or_default();
        assert!(
            !text.contains(SECRET) && !name.contains(SECRET),
            "{name}: {text}"
        );
    }
}

#[test]
fn cancel_sends_the_tracking_id_and_refuses_plan_with_cancel_all() {
    let sandbox = sandbox();
    partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://t.test",
            "--plan",
            "personal",
            "--partner-tracking-id",
            "cust-9",
        ],
    )
    .assert_code(0);
    let provision = last_fields(&sandbox, "POST /rest/v1.3/jpphp/provision").to_string();
    assert!(
        provision.contains(r#"["partner-tracking-id","cust-9"]"#),
        "{provision}"
    );
    let both = partner_cli(
        &sandbox,
        &[
            "cancel",
            "--site",
            "t.test",
            "--plan",
            "personal",
            "--cancel-all",
        ],
    );
    both.assert_code(2);
    assert!(both.stderr.contains("alternatives"), "{both:#?}");
    partner_cli(
        &sandbox,
        &[
            "cancel",
            "--site",
            "t.test",
            "--plan",
            "personal",
            "--partner-tracking-id",
            "cust 9&x",
        ],
    )
    .assert_code(0);
    let cancel = last_fields(&sandbox, "POST /rest/v1.3/jpphp/{site}/partner-cancel").to_string();
    assert!(
        cancel.contains(r#"["partner-tracking-id","cust 9&x"]"#),
        "{cancel}"
    );
    assert!(!cancel.contains("cancel-all"), "{cancel}");
}

/// How stdout fails to take the answer.
#[derive(Clone, Copy, Debug)]
enum Lost {
    /// Open for reading only (`1</dev/null`): found before sending.
    ReadOnly,
    /// A full disk (`> /dev/full`).
    Full,
    /// A pipe whose reader has gone.
    Gone,
    /// `/dev/null` open for reading and writing, as Python's
    /// `subprocess.DEVNULL` gives it: discarded on purpose, not lost.
    Discarded,
}

/// Runs the binary with a stdout that cannot take its answer.
fn without_stdout(sandbox: &Sandbox, args: &[&str], lost: Lost) -> (i32, String) {
    let mut full = vec!["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID];
    full.extend_from_slice(args);
    let mut command = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"));
    command
        .args(&full)
        .env_clear()
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    let output = if let Lost::ReadOnly | Lost::Full | Lost::Discarded = lost {
        let redirect = match lost {
            Lost::ReadOnly => "1</dev/null",
            Lost::Discarded => "1<>/dev/null",
            _ => ">/dev/full",
        };
        let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_jetpack-partner").to_owned())
            .chain(full.iter().map(|a| format!("'{a}'")))
            .collect();
        Command::new("sh")
            .args(["-c", &format!("exec {} {redirect}", line.join(" "))])
            .env_clear()
            .env("JETPACK_PARTNER_SECRET", SECRET)
            .stderr(Stdio::piped())
            .output()
    } else {
        // A reader that has gone before the answer comes.
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        drop(child.stdout.take());
        child.wait_with_output()
    }
    .unwrap_or_else(|e| panic!("{e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An answer the user cannot get back (a provision, a cancel, a new key)
/// that stdout cannot take is exit 5, never a success; a read-only command
/// may treat a closed pipe as `| head` does.
#[test]
fn a_lost_answer_is_not_a_success() {
    let sandbox = sandbox();
    for lost in [Lost::ReadOnly, Lost::Full, Lost::Gone] {
        for (i, args) in [
            vec![
                "provision",
                "--local-user",
                "a",
                "--siteurl",
                "https://lost.test",
                "--plan",
                "free",
            ],
            vec!["partner-key", "new", "--name", "lost"],
        ]
        .into_iter()
        .enumerate()
        {
            let (code, stderr) = without_stdout(&sandbox, &args, lost);
            assert_eq!(code, 5, "{args:?} {lost:?}: {stderr}");
            let line = stderr.lines().last().unwrap_or_default();
            let error: Value = serde_json::from_str(line).unwrap_or_default();
            assert_eq!(error["error_code"], "io_error", "{stderr}");
            let _ = i;
        }
    }
    // Found before anything was sent: no request at all.
    let before = requests(&sandbox);
    let (code, _) = without_stdout(
        &sandbox,
        &["cancel", "--site", "lost.test", "--cancel-all"],
        Lost::ReadOnly,
    );
    assert_eq!(code, 5);
    assert_eq!(requests(&sandbox), before, "nothing was sent");
    let provision = [
        "provision",
        "--local-user",
        "a",
        "--siteurl",
        "https://kept.test",
        "--plan",
        "free",
    ];
    let (code, stderr) = without_stdout(&sandbox, &provision, Lost::Discarded);
    assert_eq!(code, 0, "an answer sent to /dev/null on purpose: {stderr}");
    let (code, stderr) = without_stdout(&sandbox, &["errors"], Lost::Gone);
    assert_eq!(code, 0, "a read-only answer to a gone reader: {stderr}");
}

/// One test per row of the README's exit-code table.
#[test]
fn every_row_of_the_exit_code_table() {
    let sandbox = sandbox();
    let ok = partner_cli(&sandbox, &["token"]);
    ok.assert_code(0);
    assert_eq!(ok.stderr, "");
    let refused = run_with_secret(&sandbox, "a-wrong-secret", &[], &["token"]);
    refused.assert_code(1);
    assert_eq!(refused.error()["success"], false);
    let usage = partner_cli(&sandbox, &["token", "--frobnicate"]);
    usage.assert_code(2);
    assert!(usage.stderr.contains("hint:"), "{usage:#?}");
    let temporary = cli(
        &[
            "--api-base",
            &closed_port(),
            "--partner-id",
            PARTNER_ID,
            "--timeout",
            "5",
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    temporary.assert_code(3);
    assert_eq!(temporary.error()["error_code"], "connect_failed");
    let unexpected = cli(
        &[
            "--api-base",
            &fixed_server(http_response(200, "text/html", "<html>hi</html>")),
            "--partner-id",
            PARTNER_ID,
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    unexpected.assert_code(4);
    assert!(unexpected.error()["excerpt"].is_string());
    let local = cli(
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
    local.assert_code(5);
    assert_eq!(local.error()["error_code"], "io_error");
    let _ = Duration::ZERO;
}

/// A batch whose secret is refused stops before any site is touched, with
/// one token request, and resumes once the secret is right; lines that
/// ended `failed` are sent again with --retry-failed.
#[test]
fn a_batch_refused_for_its_credentials_is_not_done() {
    let sandbox = sandbox();
    let input = temp_file("cred.jsonl", (0..3).map(|i| format!("{{\"local_user\":\"a\",\"siteurl\":\"https://cred{i}.test\",\"plan\":\"free\"}}\n")).collect::<String>().as_bytes());
    let output = input.with_file_name("cred-out.jsonl");
    let (input_s, output_s) = (input.to_string_lossy(), output.to_string_lossy());
    let wrong = run_with_secret(
        &sandbox,
        "a-wrong-secret",
        &[],
        &[
            "batch",
            "provision",
            "--input",
            &input_s,
            "--output",
            &output_s,
        ],
    );
    wrong.assert_code(1);
    assert_eq!(wrong.error()["error_code"], "invalid_client");
    assert!(
        wrong.error()["error_message"]
            .as_str()
            .unwrap_or_default()
            .contains("before touching"),
        "{wrong:#?}"
    );
    assert_eq!(requests(&sandbox), 1);
    let journal = std::fs::read_to_string(&output).unwrap_or_default();
    assert!(
        !journal.contains("\"line\""),
        "no line was recorded: {journal}"
    );
    let right = run_with_secret(
        &sandbox,
        SECRET,
        &[],
        &[
            "batch",
            "provision",
            "--input",
            &input_s,
            "--output",
            &output_s,
            "--resume",
        ],
    );
    right.assert_code(0);
    assert!(right.stderr.contains("3 lines: 3 ok"), "{right:#?}");
}

#[test]
fn failed_lines_are_sent_again_with_retry_failed() {
    // The API is down for provisions (the token gets through first).
    let down = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .fault(Fault::Unavailable, 1.0)
        .fault_after(1)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let input = temp_file("retry.jsonl", (0..3).map(|i| format!("{{\"local_user\":\"a\",\"siteurl\":\"https://retry{i}.test\",\"plan\":\"free\"}}\n")).collect::<String>().as_bytes());
    let output = input.with_file_name("retry-out.jsonl");
    let (input_s, output_s) = (input.to_string_lossy(), output.to_string_lossy());
    let batch = |sandbox: &Sandbox, extra: &[&str]| {
        let mut args = vec![
            "--retries",
            "0",
            "--timeout",
            "2",
            "batch",
            "provision",
            "--input",
            &input_s,
            "--output",
            &output_s,
        ];
        args.extend_from_slice(extra);
        run_with_secret(sandbox, SECRET, &[], &args)
    };
    let first = batch(&down, &[]);
    first.assert_code(1);
    assert!(first.stderr.contains("3 failed"), "{first:#?}");
    let up = sandbox();
    let resumed = batch(&up, &["--resume"]);
    resumed.assert_code(1);
    assert_eq!(
        requests(&up),
        0,
        "failed lines are final without --retry-failed"
    );
    batch(&up, &["--retry-failed"]).assert_code(2);
    let retried = batch(&up, &["--resume", "--retry-failed"]);
    retried.assert_code(0);
    assert!(retried.stderr.contains("3 lines: 3 ok"), "{retried:#?}");
    let provisions = up.stats()["provisions"].clone();
    assert_eq!(
        provisions.as_object().map(|o| o.len()),
        Some(3),
        "{provisions}"
    );
    assert!(
        provisions
            .as_object()
            .is_some_and(|o| o.values().all(|v| v == 1)),
        "{provisions}"
    );
}
