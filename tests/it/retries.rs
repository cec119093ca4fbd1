//! The CLI against a sandbox that misbehaves on purpose: for each fault, the
//! exit code, the error code, how many attempts reached the sandbox, and
//! that the command ended within its time budget.
use std::time::Duration;

use crate::common::*;
use jetpack_partner::sandbox::{Fault, Sandbox, SandboxBuilder};

fn faulty(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    configure(Sandbox::builder().partner(PARTNER_ID, SECRET))
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// `token` with `--retries 2` and the given time-out.
fn token(sandbox: &Sandbox, timeout: &str) -> Run {
    cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--retries",
            "2",
            "--timeout",
            timeout,
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    )
}

fn attempts(sandbox: &Sandbox) -> u64 {
    requests(sandbox)
}

/// Ended within a few times its budget: a property, not a speed target.
fn within_budget(run: &Run, budget_secs: f64) {
    assert!(
        run.elapsed < Duration::from_secs_f64(budget_secs * 3.0 + 1.0),
        "{:?} for a {budget_secs} s budget",
        run.elapsed
    );
}

#[test]
fn each_fault_gives_its_exit_code_error_code_and_attempts() {
    let cases: [(Fault, i32, &str, u64); 9] = [
        (Fault::ServerErrorHtml, 3, "service_unavailable", 1),
        (Fault::BadGatewayHtml, 3, "service_unavailable", 3),
        (Fault::Unavailable, 3, "service_unavailable", 3),
        (Fault::UnavailableHtml, 3, "service_unavailable", 3),
        (Fault::GatewayTimeoutHtml, 3, "service_unavailable", 3),
        (Fault::RateLimited, 3, "rate_limited", 3),
        (Fault::RateLimitedHtml, 3, "rate_limited", 3),
        (Fault::Reset, 3, "network_error", 3),
        (Fault::Truncate, 3, "network_error", 3),
    ];
    for (fault, code, error_code, tries) in cases {
        let sandbox = faulty(|b| b.fault(fault, 1.0).retry_after(Duration::from_millis(100)));
        let run = token(&sandbox, "5");
        assert_eq!(run.code, code, "{fault:?}: {run:#?}");
        assert_eq!(run.error()["error_code"], error_code, "{fault:?}: {run:#?}");
        assert_eq!(attempts(&sandbox), tries, "{fault:?}: {}", sandbox.stats());
        within_budget(&run, 5.0);
        run.assert_hidden(SECRET);
    }
}

#[test]
fn html_from_a_5xx_is_temporary_but_from_anything_else_is_unexpected() {
    let sandbox = faulty(|b| b.fault(Fault::BadGatewayHtml, 1.0));
    let run = token(&sandbox, "5");
    assert!(
        run.error()["excerpt"]
            .as_str()
            .is_some_and(|e| e.contains("Bad Gateway")),
        "{run:#?}"
    );
}

#[test]
fn slow_and_hung_answers_are_cut_off_by_the_budget() {
    for fault in [Fault::Slow, Fault::Hang] {
        let sandbox = faulty(|b| {
            b.fault(fault, 1.0)
                .slow_interval(Duration::from_millis(500))
        });
        let run = token(&sandbox, "1.5");
        run.assert_code(3);
        assert_eq!(run.error()["error_code"], "timeout", "{fault:?}: {run:#?}");
        assert!(
            run.elapsed >= Duration::from_millis(1400),
            "{fault:?}: gave up early: {:?}",
            run.elapsed
        );
        within_budget(&run, 1.5);
        assert_eq!(
            attempts(&sandbox),
            1,
            "the budget was spent on the first attempt"
        );
    }
}

#[test]
fn retry_after_is_honoured_but_never_past_the_budget() {
    let sandbox = faulty(|b| {
        b.fault(Fault::RateLimited, 1.0)
            .retry_after(Duration::from_secs(30))
    });
    let run = token(&sandbox, "2");
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["error_code"], "rate_limited");
    assert_eq!(error["retry_after"], 30);
    assert_eq!(
        attempts(&sandbox),
        1,
        "a 30 s wait does not fit a 2 s budget: stop at once"
    );
    assert!(run.elapsed < Duration::from_secs(2), "{:?}", run.elapsed);

    let sandbox = faulty(|b| {
        b.fault(Fault::RateLimited, 1.0)
            .retry_after(Duration::from_secs(1))
    });
    let run = token(&sandbox, "10");
    run.assert_code(3);
    assert_eq!(attempts(&sandbox), 3);
    assert!(
        run.elapsed >= Duration::from_millis(1900),
        "two waits of 1 s: {:?}",
        run.elapsed
    );
}

#[test]
fn temporary_failures_then_success() {
    let sandbox = faulty(|b| b.fault(Fault::Unavailable, 0.5).fault_seed(11));
    for _ in 0..8 {
        let run = cli(
            &[
                "--api-base",
                sandbox.base_url(),
                "--partner-id",
                PARTNER_ID,
                "--retries",
                "6",
                "-v",
                "token",
            ],
            &[("JETPACK_PARTNER_SECRET", SECRET)],
            None,
        );
        run.assert_code(0);
    }
    let stats = sandbox.stats();
    let faults = stats["faults"]["503"].as_u64().unwrap_or(0);
    assert!(faults > 0, "{stats}");
    assert_eq!(
        attempts(&sandbox),
        8 + faults,
        "each fault cost exactly one more attempt"
    );
}

#[test]
fn retries_zero_and_refusals_are_never_retried() {
    let sandbox = faulty(|b| b.fault(Fault::Unavailable, 1.0));
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--retries",
            "0",
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(3);
    assert_eq!(attempts(&sandbox), 1);
    let plain = sandbox_with(SECRET);
    let refused = cli(
        &[
            "--api-base",
            plain.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--retries",
            "5",
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", "wrong-secret")],
        None,
    );
    refused.assert_code(1);
    assert_eq!(attempts(&plain), 1, "a 400 is final");
    let bad = cli(
        &["--api-base", plain.base_url(), "--retries", "many", "token"],
        &[],
        None,
    );
    bad.assert_code(2);
}

#[test]
fn a_retry_shows_in_the_trace() {
    let sandbox = faulty(|b| b.fault(Fault::Unavailable, 1.0).fault_after(1));
    // The first request (the token) goes through; every later one is a 503.
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--retries",
            "1",
            "-v",
            "errors",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(3);
    assert!(
        run.stderr
            .contains("! attempt 1 failed (service_unavailable); trying again in"),
        "{}",
        run.stderr
    );
}

#[test]
fn creating_a_partner_key_is_not_repeated_after_an_ambiguous_failure() {
    let sandbox = faulty(|b| b.fault(Fault::BadGatewayHtml, 1.0).fault_after(1));
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "partner-key",
            "new",
            "--name",
            "x",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(3);
    assert_eq!(
        attempts(&sandbox),
        2,
        "the token, then one try at the key: a 502 may have created it"
    );
}

#[test]
fn a_batch_reports_attempts_per_line() {
    let sandbox = faulty(|b| {
        b.fault(Fault::Unavailable, 0.3)
            .fault_seed(3)
            .fault_after(1)
    });
    let sites: String = (0..20)
        .map(|i| {
            format!(
                "{{\"local_user\":\"a\",\"siteurl\":\"https://s{i}.test\",\"plan\":\"free\"}}\n"
            )
        })
        .collect();
    let input = temp_file("sites.jsonl", sites.as_bytes());
    let run = partner_cli(
        &sandbox,
        &[
            "--retries",
            "8",
            "batch",
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--quiet",
        ],
    );
    run.assert_code(0);
    let attempts: u64 = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["outcome"] == "ok")
        .filter_map(|r| r["attempts"].as_u64())
        .sum();
    let faults = sandbox.stats()["faults"]["503"].as_u64().unwrap_or(0);
    assert!(faults > 0);
    assert_eq!(
        attempts,
        20 + faults,
        "every 503 shows as one more attempt on its line"
    );
}
