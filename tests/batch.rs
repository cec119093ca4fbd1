//! `batch provision` and `batch cancel` against a real sandbox: results,
//! bad lines, resume, and kill -9 at any moment.
#![cfg(feature = "sandbox")]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn sites_jsonl(n: usize, plan: &str) -> String {
    (0..n)
        .map(|i| format!("{{\"local_user\":\"admin\",\"siteurl\":\"https://site{i}.test\",\"plan\":\"{plan}\"}}\n"))
        .collect()
}

fn out_path(name: &str) -> PathBuf {
    temp_file("unused", b"").with_file_name(name)
}

fn batch(sandbox: &jetpack_partner::sandbox::Sandbox, args: &[&str]) -> Run {
    partner_cli(sandbox, &[&["batch"][..], args].concat())
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Final records by line number; panics if a line has two.
fn finals(records: &[Value]) -> HashMap<u64, Value> {
    let mut out = HashMap::new();
    for r in records.iter().filter(|r| r["outcome"] != "started") {
        let line = r["line"].as_u64().unwrap_or(0);
        assert!(
            out.insert(line, r.clone()).is_none(),
            "line {line} has two final records"
        );
    }
    out
}

#[test]
fn provision_many_sites_from_json_lines_and_csv() {
    let sandbox = sandbox();
    let input = temp_file("sites.jsonl", sites_jsonl(40, "personal").as_bytes());
    let output = out_path("out.jsonl");
    let run = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--output",
            &output.to_string_lossy(),
            "--concurrency",
            "8",
        ],
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains("batch: 40 lines: 40 ok"),
        "{}",
        run.stderr
    );
    let records = records(&output);
    assert_eq!(records.len(), 80, "a started and a final record per line");
    let finals = finals(&records);
    assert_eq!(finals.len(), 40);
    for (line, r) in &finals {
        assert_eq!(r["outcome"], "ok");
        assert_eq!(r["attempts"], 1);
        assert_eq!(r["site"], format!("site{}.test", line - 1));
        assert_eq!(r["answer"]["success"], true);
    }
    let stats = sandbox.stats();
    assert_eq!(
        stats["by_endpoint"]["POST /oauth2/token"]["200"], 1,
        "one token for all workers"
    );
    assert_eq!(stats["provisions"].as_object().map(|o| o.len()), Some(40));

    let csv = "local_user,siteurl,plan\nadmin,https://csv1.test,premium\nadmin,\"https://csv2.test\",premium\n";
    let input = temp_file("sites.csv", csv.as_bytes());
    let run = batch(
        &sandbox,
        &["provision", "--input", &input.to_string_lossy()],
    );
    run.assert_code(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(
        self::finals(&lines).len(),
        2,
        "results go to stdout without --output"
    );
}

#[test]
fn bad_lines_are_reported_recorded_and_skipped() {
    let sandbox = sandbox();
    let text = format!(
        "{}{{\"siteurl\":\"x.test\",\"plan\":\"free\"}}\nnot json\n{}",
        sites_jsonl(2, "free"),
        sites_jsonl(1, "gold")
    );
    let input = temp_file("mixed.jsonl", text.as_bytes());
    let output = out_path("mixed-out.jsonl");
    let run = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--output",
            &output.to_string_lossy(),
        ],
    );
    run.assert_code(1);
    assert!(
        run.stderr.contains("line 3: local_user is required"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("line 4: the line is not JSON"),
        "{}",
        run.stderr
    );
    let finals = finals(&records(&output));
    let outcome = |n: u64| {
        finals[&n]["outcome"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        [outcome(1), outcome(2), outcome(3), outcome(4), outcome(5)],
        ["ok", "ok", "invalid", "invalid", "refused"]
    );
    assert_eq!(finals[&5]["error"]["error_code"], "invalid_plan");

    let fresh = sandbox_with(SECRET);
    let strict = batch(
        &fresh,
        &[
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--fail-fast",
        ],
    );
    strict.assert_code(2);
    assert!(strict.stderr.contains("2 bad line(s)"), "{}", strict.stderr);
    assert_eq!(requests(&fresh), 0, "nothing was sent");
}

#[test]
fn a_finished_batch_resumes_to_nothing_and_is_not_overwritten() {
    let sandbox = sandbox();
    let input = temp_file("sites.jsonl", sites_jsonl(5, "free").as_bytes());
    let output = out_path("done.jsonl");
    let (input, output) = (
        input.to_string_lossy().into_owned(),
        output.to_string_lossy().into_owned(),
    );
    batch(
        &sandbox,
        &["provision", "--input", &input, "--output", &output],
    )
    .assert_code(0);
    let before = requests(&sandbox);
    let again = batch(
        &sandbox,
        &["provision", "--input", &input, "--output", &output],
    );
    again.assert_code(2);
    assert!(again.stderr.contains("--resume"), "{}", again.stderr);
    let resumed = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input,
            "--output",
            &output,
            "--resume",
        ],
    );
    resumed.assert_code(0);
    assert!(
        resumed.stderr.contains("5 ok") && resumed.stderr.contains("0 requests"),
        "{}",
        resumed.stderr
    );
    assert_eq!(requests(&sandbox), before);
    batch(&sandbox, &["provision", "--input", &input, "--resume"]).assert_code(2);
}

/// Lines left in doubt by a crash are settled from the site's status when
/// the work is already done, without sending them again.
#[test]
fn lines_in_doubt_are_checked_before_they_are_sent_again() {
    let sandbox = sandbox();
    partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--siteurl",
            "https://site0.test",
            "--plan",
            "premium",
        ],
    )
    .assert_code(0);
    let input = temp_file("doubt.jsonl", sites_jsonl(2, "premium").as_bytes());
    let output = out_path("doubt-out.jsonl");
    std::fs::write(
        &output,
        "{\"line\":1,\"site\":\"site0.test\",\"outcome\":\"started\"}\n{\"line\":2,\"site\":\"site1.test\",\"outcome\":\"started\"}\n{\"line\":2,\"si",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--output",
            &output.to_string_lossy(),
            "--resume",
        ],
    );
    run.assert_code(0);
    let finals = finals(&records(&output));
    assert_eq!(
        finals[&1]["attempts"], 0,
        "settled by status: {:?}",
        finals[&1]
    );
    assert!(finals[&1]["answer"]["settled_by_status"].is_object());
    assert_eq!(finals[&2]["attempts"], 1, "not done yet: sent");
    let provisions = &sandbox.stats()["provisions"];
    assert_eq!(
        (
            provisions["site0.test"].as_u64(),
            provisions["site1.test"].as_u64()
        ),
        (Some(1), Some(1))
    );

    // The same for cancel: a cancel whose plan is already gone is settled.
    let cancel_in = temp_file("cancel.csv", b"site,plan\nsite0.test,premium\n");
    partner_cli(&sandbox, &["cancel", "--site", "site0.test"]).assert_code(0);
    let cancel_out = out_path("cancel-out.jsonl");
    std::fs::write(
        &cancel_out,
        "{\"line\":2,\"site\":\"site0.test\",\"outcome\":\"started\"}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cancels_before = sandbox.stats()["by_endpoint"]
        ["POST /rest/v1.3/jpphp/{site}/partner-cancel"]["200"]
        .as_u64();
    batch(
        &sandbox,
        &[
            "cancel",
            "--input",
            &cancel_in.to_string_lossy(),
            "--output",
            &cancel_out.to_string_lossy(),
            "--resume",
        ],
    )
    .assert_code(0);
    let cancels_after = sandbox.stats()["by_endpoint"]
        ["POST /rest/v1.3/jpphp/{site}/partner-cancel"]["200"]
        .as_u64();
    assert_eq!(
        cancels_before, cancels_after,
        "the settled cancel was not sent"
    );
}

/// Kill -9 at several moments, resume each time: every line ends with
/// exactly one final record and no site is provisioned twice.
#[test]
fn kill_nine_at_any_moment_then_resume() {
    let sandbox = sandbox();
    let n = 60;
    let input = temp_file("kill.jsonl", sites_jsonl(n, "personal").as_bytes());
    let output = out_path("kill-out.jsonl");
    let (input, output_s) = (
        input.to_string_lossy().into_owned(),
        output.to_string_lossy().into_owned(),
    );
    let mut kills = 0;
    for delay_ms in [150u64, 300, 220, 400, 10_000] {
        let mut args = vec![
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "batch",
            "provision",
            "--input",
            &input,
            "--output",
            &output_s,
            "--concurrency",
            "4",
            "--rate",
            "40/s",
            "--quiet",
        ];
        if output.exists() {
            args.push("--resume");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
            .args(&args)
            .env_clear()
            .env("JETPACK_PARTNER_SECRET", SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let mut finished = false;
        while started.elapsed() < Duration::from_millis(delay_ms) {
            if let Ok(Some(_)) = child.try_wait() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !finished {
            let _ = child.kill(); // SIGKILL
            kills += 1;
        }
        let _ = child.wait();
        // Let requests the killed process left in flight land first.
        std::thread::sleep(Duration::from_millis(100));
        if finished {
            break;
        }
    }
    assert!(kills >= 2, "the run was killed mid-way at least twice");
    let finals = finals(&records(&output));
    assert_eq!(finals.len(), n, "every line has one final record");
    assert!(finals.values().all(|r| r["outcome"] == "ok"), "{finals:?}");
    let provisions = sandbox.stats()["provisions"].clone();
    let counts: Vec<u64> = provisions
        .as_object()
        .map(|o| o.values().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    assert_eq!(counts.len(), n, "{provisions}");
    assert!(
        counts.iter().all(|&c| c == 1),
        "a site was provisioned twice: {provisions}"
    );
}

#[test]
fn batch_cancel_and_nothing_to_cancel() {
    let sandbox = sandbox();
    let input = temp_file("p.jsonl", sites_jsonl(3, "personal").as_bytes());
    batch(
        &sandbox,
        &["provision", "--input", &input.to_string_lossy(), "--quiet"],
    )
    .assert_code(0);
    let cancel = temp_file("c.jsonl", b"{\"site\":\"site0.test\"}\n{\"siteurl\":\"https://site1.test\",\"cancel-all\":true}\n{\"site\":\"site9.test\"}\n{\"site\":\"site2.test\",\"plan\":\"jetpack-scan\"}\n");
    let run = batch(&sandbox, &["cancel", "--input", &cancel.to_string_lossy()]);
    run.assert_code(1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let finals = finals(&lines);
    assert_eq!(finals[&1]["outcome"], "ok");
    assert_eq!(
        finals[&2]["answer"]["activations"],
        serde_json::json!(["personal"])
    );
    assert_eq!(finals[&3]["error"]["error_code"], "invalid_blog");
    assert_eq!(finals[&4]["error"]["error_code"], "nothing_to_cancel");
}

#[test]
fn usage_and_output_errors() {
    let sandbox = sandbox();
    let input = temp_file("u.jsonl", sites_jsonl(1, "free").as_bytes());
    let input = input.to_string_lossy();
    for (args, code, message) in [
        (vec!["provision"], 2, "--input is required"),
        (
            vec!["provision", "--input", &input, "--concurrency", "0"],
            2,
            "--concurrency",
        ),
        (
            vec!["provision", "--input", &input, "--rate", "fast"],
            2,
            "not a rate",
        ),
        (
            vec!["provision", "--input", &input, "--format", "xml"],
            2,
            "jsonl or csv",
        ),
        (
            vec!["provision", "--input", "/nonexistent/in.jsonl"],
            5,
            "cannot read the batch input",
        ),
        (
            vec![
                "provision",
                "--input",
                &input,
                "--output",
                "/nonexistent/dir/out.jsonl",
            ],
            5,
            "cannot open the output file",
        ),
        (vec!["frobnicate"], 2, "batch needs a subcommand"),
    ] {
        let run = batch(&sandbox, &args);
        assert_eq!(run.code, code, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn the_rate_limit_spaces_requests() {
    let sandbox = sandbox();
    let input = temp_file("r.jsonl", sites_jsonl(10, "free").as_bytes());
    let run = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--rate",
            "20/s",
            "--concurrency",
            "8",
            "--quiet",
        ],
    );
    run.assert_code(0);
    // 10 starts at 20/s need at least 9 intervals of 50 ms: a lower bound
    // that holds on any machine, not a speed target.
    assert!(
        run.elapsed >= Duration::from_millis(450),
        "{:?}",
        run.elapsed
    );
    assert_eq!(run.stderr, "", "--quiet");
}

/// In a batch, --timeout is each site's budget: a run longer than it goes on.
#[test]
fn the_time_out_is_per_site_not_per_run() {
    let sandbox = sandbox();
    let input = temp_file("t.jsonl", sites_jsonl(8, "free").as_bytes());
    let input = input.to_string_lossy();
    // 8 sites at 8/s take about a second: twice the half-second budget.
    let args = [
        "--timeout",
        "0.5",
        "batch",
        "provision",
        "--input",
        &input,
        "--rate",
        "8/s",
        "--concurrency",
        "1",
        "--quiet",
    ];
    let run = partner_cli(&sandbox, &args);
    run.assert_code(0);
    assert!(
        run.elapsed > Duration::from_millis(800),
        "{:?}",
        run.elapsed
    );
}
