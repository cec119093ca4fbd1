//! `batch provision` and `batch cancel` against a real sandbox: results,
//! bad lines, resume, and kill -9 at any moment.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
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

/// `batch ACTION --input INPUT --output OUTPUT`, then `more`.
fn batch_to(
    sandbox: &jetpack_partner::sandbox::Sandbox,
    action: &str,
    input: &Path,
    output: &Path,
    more: &[&str],
) -> Run {
    let (input, output) = (input.to_string_lossy(), output.to_string_lossy());
    batch(
        sandbox,
        &[&[action, "--input", &input, "--output", &output][..], more].concat(),
    )
}

/// The records of a journal, without its header line.
fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|r| r.get("journal").is_none())
        .collect()
}

/// The records of a journal that holds damaged lines (kept as they are),
/// and how many damaged lines there are.
fn records_around_damage(path: &Path) -> (Vec<Value>, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let parsed: Vec<Option<Value>> = text.lines().map(|l| serde_json::from_str(l).ok()).collect();
    let damaged = parsed.iter().filter(|r| r.is_none()).count();
    let records = parsed
        .into_iter()
        .flatten()
        .filter(|r| r.get("journal").is_none())
        .collect();
    (records, damaged)
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
    let run = batch_to(
        &sandbox,
        "provision",
        &input,
        &output,
        &["--concurrency", "8"],
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
fn fail_fast_stops_at_a_refused_site_while_lines_wait_in_the_queue() {
    let sandbox = sandbox();
    let text = format!("{}{}", sites_jsonl(1, "gold"), sites_jsonl(40, "free"));
    let input = temp_file("refused-first.jsonl", text.as_bytes());
    let output = out_path("refused-first-out.jsonl");
    let run = batch_to(
        &sandbox,
        "provision",
        &input,
        &output,
        &["--concurrency", "1", "--fail-fast"],
    );
    run.assert_code(1);
    assert!(run.elapsed < Duration::from_secs(20), "{run:#?}");
    let finals = finals(&records(&output));
    assert_eq!(finals[&1]["outcome"], "refused");
    assert!(finals.len() < 41, "the run stopped: {}", finals.len());
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
    let run = batch_to(&sandbox, "provision", &input, &output, &[]);
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
    let run = batch_to(&sandbox, "provision", &input, &output, &["--resume"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("line 3 is not a record"),
        "the torn record is reported: {}",
        run.stderr
    );
    let (records, damaged) = records_around_damage(&output);
    assert_eq!(damaged, 1, "the torn record is kept, not cut off");
    let finals = finals(&records);
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
    batch_to(&sandbox, "cancel", &cancel_in, &cancel_out, &["--resume"]).assert_code(0);
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
    kill_nine_then_resume(&sandbox(), Some("40/s"));
}

/// The same without a rate, where workers start lines ahead of their turn
/// (some never sent when the run dies), against a sandbox that takes 20 ms
/// a request.
#[test]
fn kill_nine_while_lines_are_started_ahead_then_resume() {
    kill_nine_then_resume(&sandbox_with_latency(20), None);
}

fn kill_nine_then_resume(sandbox: &jetpack_partner::sandbox::Sandbox, rate: Option<&str>) {
    let n = 60;
    let input = temp_file("kill.jsonl", sites_jsonl(n, "personal").as_bytes());
    let output = out_path("kill-out.jsonl");
    let (input, output_s) = (
        input.to_string_lossy().into_owned(),
        output.to_string_lossy().into_owned(),
    );
    let mut kills = 0;
    for delay_ms in [150u64, 300, 220, 400, 30_000] {
        let mut args = vec![
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            // Each line's budget: a resume waits this long at most for a
            // killed run's request that could still be on its way.
            "--timeout",
            "2",
            "batch",
            "provision",
            "--input",
            &input,
            "--output",
            &output_s,
            "--concurrency",
            "4",
            "--quiet",
        ];
        if let Some(rate) = rate {
            args.extend(["--rate", rate]);
        }
        if output.exists() {
            args.push("--resume");
        }
        if run_or_kill(&args, Duration::from_millis(delay_ms)).is_some() {
            break;
        }
        // Killed: the next run starts at once, and requests the killed
        // process left in flight may land after it has begun.
        kills += 1;
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
    // Not connected: the activation was pending.
    assert_eq!(
        finals[&2]["answer"]["pending_activations"],
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
            vec!["provision", "--input", &input, "--rate", "1e-20/s"],
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
        (vec!["frobnicate"], 2, "unknown batch subcommand"),
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

fn sandbox_with_latency(ms: u64) -> jetpack_partner::sandbox::Sandbox {
    jetpack_partner::sandbox::Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .latency(Duration::from_millis(ms))
        .workers(32)
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Starts a batch in the background against `base`.
fn spawn_batch(base: &str, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args([
            "--api-base",
            base,
            "--partner-id",
            PARTNER_ID,
            "--no-token-cache",
            "batch",
        ])
        .args(args)
        .env_clear()
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Waits until the journal at `path` holds `n` started records.
fn wait_for_started(path: &Path, n: usize) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.matches("\"outcome\":\"started\"").count() >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no {n} started records in {path:?}");
}

/// Provisions per site, as the sandbox counted them.
fn provisions(sandbox: &jetpack_partner::sandbox::Sandbox) -> Vec<u64> {
    sandbox.stats()["provisions"]
        .as_object()
        .map(|o| o.values().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

#[test]
fn a_second_run_on_the_same_journal_is_refused_and_sends_nothing() {
    let sandbox = sandbox_with_latency(100);
    let input = temp_file("twice.jsonl", sites_jsonl(20, "personal").as_bytes());
    let output = out_path("twice-out.jsonl");
    let (input, output_s) = (input.to_string_lossy(), output.to_string_lossy());
    let base = sandbox.base_url();
    let mut first = spawn_batch(
        base,
        &[
            "provision",
            "--input",
            &input,
            "--output",
            &output_s,
            "--concurrency",
            "1",
            "--quiet",
        ],
    );
    wait_for_started(&output, 1);
    let second = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input,
            "--output",
            &output_s,
            "--resume",
            "--quiet",
        ],
    );
    second.assert_code(5);
    assert!(
        second.stderr.contains("in use by another batch run"),
        "{second:#?}"
    );
    let also = batch(
        &sandbox,
        &["provision", "--input", &input, "--output", &output_s],
    );
    also.assert_code(5);
    assert!(
        first.wait().is_ok_and(|s| s.success()),
        "the first run ends well"
    );
    let counts = provisions(&sandbox);
    assert_eq!(counts.len(), 20);
    assert!(
        counts.iter().all(|&c| c == 1),
        "a site was provisioned twice: {counts:?}"
    );
}

/// A relay that holds every byte a client sends for `delay` before passing
/// it on, even after the client is gone: a slow proxy in front of the API.
fn delaying_relay(target: &str, delay: Duration) -> String {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let target = target.trim_start_matches("http://").to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&target) else {
                continue;
            };
            let (Ok(mut back), Ok(mut from_server)) = (client.try_clone(), server.try_clone())
            else {
                continue;
            };
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from_server, &mut back);
            });
            std::thread::spawn(move || {
                let (mut client, mut server) = (client, server);
                let mut buf = [0u8; 16 * 1024];
                while let Ok(n) = client.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let due = Instant::now() + delay;
                    let chunk = buf[..n].to_vec();
                    std::thread::sleep(due.saturating_duration_since(Instant::now()));
                    if server.write_all(&chunk).is_err() {
                        break;
                    }
                }
                // Hold the connection a while so the answer is written.
                std::thread::sleep(delay);
            });
        }
    });
    format!("http://{addr}")
}

/// A run killed while its requests are held by a slow proxy, then resumed
/// at once: the lines in doubt are not sent again before their earlier
/// requests can no longer arrive, and no site is provisioned twice.
#[test]
fn requests_still_in_flight_when_the_run_dies_are_waited_for() {
    let sandbox = sandbox();
    let relay = delaying_relay(sandbox.base_url(), Duration::from_millis(1500));
    let n = 8;
    let input = temp_file("flight.jsonl", sites_jsonl(n, "personal").as_bytes());
    let output = out_path("flight-out.jsonl");
    let (input, output_s) = (input.to_string_lossy(), output.to_string_lossy());
    // With a token at hand, each line's provision request goes out right
    // after its started record.
    let token = token_of(&sandbox, SECRET);
    let mut first = spawn_batch(
        &relay,
        &[
            "provision",
            "--access-token",
            &token,
            "--timeout",
            "5",
            "--input",
            &input,
            "--output",
            &output_s,
            "--concurrency",
            "8",
            "--quiet",
        ],
    );
    wait_for_started(&output, n);
    std::thread::sleep(Duration::from_millis(300));
    let _ = first.kill(); // SIGKILL: the requests are still in the relay
    let _ = first.wait();
    assert!(provisions(&sandbox).is_empty(), "nothing has arrived yet");
    let resumed = batch(
        &sandbox,
        &[
            "provision",
            "-v",
            "--timeout",
            "5",
            "--input",
            &input,
            "--output",
            &output_s,
            "--resume",
        ],
    );
    resumed.assert_code(0);
    assert!(resumed.stderr.contains("waiting"), "{resumed:#?}");
    let counts = provisions(&sandbox);
    assert_eq!(counts.len(), n, "{counts:?}");
    assert!(
        counts.iter().all(|&c| c == 1),
        "a site was provisioned twice: {counts:?}"
    );
    let finals = finals(&records(&output));
    assert!(finals.values().all(|r| r["outcome"] == "ok"), "{finals:?}");
}

/// A journal damaged in the middle: every intact record after the damage
/// is trusted, nothing is cut off, and no site is sent twice.
#[test]
fn a_damaged_line_in_the_middle_of_the_journal_loses_nothing() {
    let sandbox = sandbox();
    let n = 30;
    let input = temp_file("mid.jsonl", sites_jsonl(n, "personal").as_bytes());
    let output = out_path("mid-out.jsonl");
    let (input_s, output_s) = (input.to_string_lossy(), output.to_string_lossy());
    batch(
        &sandbox,
        &["provision", "--input", &input_s, "--output", &output_s],
    )
    .assert_code(0);
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let total = lines.len();
    // A record torn, with the next record glued on; and garbage in place
    // of a later record. The garbage never takes the other record of the
    // torn record's line: a line whose records are all destroyed is one
    // the journal knows nothing of, and it is sent again. Records come in
    // completion order, so which line that is varies from run to run.
    let line_of = |text: &str| {
        serde_json::from_str::<Value>(text)
            .ok()
            .map(|r| r["line"].clone())
    };
    let torn = lines[20].clone();
    let garbage = (30..total)
        .find(|&i| line_of(&lines[i]) != line_of(&torn))
        .unwrap_or_else(|| panic!("no record to damage after line 30: {text}"));
    lines[20] = format!("{}{}", &torn[..torn.len() / 2], lines[21]);
    lines[garbage] = "\u{0}\u{0}\u{0} not a record".into();
    std::fs::write(&output, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    let resumed = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input_s,
            "--output",
            &output_s,
            "--resume",
        ],
    );
    resumed.assert_code(0);
    assert!(
        resumed.stderr.contains("line 21 is not a record"),
        "{resumed:#?}"
    );
    assert!(
        resumed
            .stderr
            .contains(&format!("line {} is not a record", garbage + 1)),
        "{resumed:#?}"
    );
    let after = std::fs::read_to_string(&output).unwrap_or_default();
    assert!(after.lines().count() >= total, "nothing was cut off");
    let counts = provisions(&sandbox);
    assert_eq!(counts.len(), n);
    assert!(
        counts.iter().all(|&c| c == 1),
        "a site was provisioned twice: {counts:?}"
    );
}

#[test]
fn files_that_are_not_journals_are_never_written() {
    let sandbox = sandbox();
    let input = temp_file(
        "in.csv",
        b"local_user,siteurl,plan\nadmin,https://a.test,free\n",
    );
    let input_s = input.to_string_lossy();
    let notes = temp_file("notes.txt", b"my notes\nabout sites\n");
    let notes_s = notes.to_string_lossy();
    let run = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input_s,
            "--output",
            &notes_s,
            "--resume",
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("is not the journal of a batch"),
        "{run:#?}"
    );
    let run = batch(
        &sandbox,
        &["provision", "--input", &input_s, "--output", &notes_s],
    );
    run.assert_code(2);
    assert_eq!(
        std::fs::read(&notes).unwrap_or_default(),
        b"my notes\nabout sites\n"
    );
    for resume in [false, true] {
        let mut args = vec!["provision", "--input", &input_s, "--output", &input_s];
        if resume {
            args.push("--resume");
        }
        let run = batch(&sandbox, &args);
        run.assert_code(2);
        assert!(run.stderr.contains("is the input file"), "{run:#?}");
    }
    assert_eq!(
        std::fs::read(&input).unwrap_or_default(),
        b"local_user,siteurl,plan\nadmin,https://a.test,free\n"
    );
    // A journal of `batch cancel` is not continued by `batch provision`.
    let cancel_in = temp_file("c.csv", b"site,plan\na.test,free\n");
    let journal = out_path("cancel-journal.jsonl");
    let journal_s = journal.to_string_lossy();
    batch(
        &sandbox,
        &[
            "cancel",
            "--input",
            &cancel_in.to_string_lossy(),
            "--output",
            &journal_s,
        ],
    );
    let before = std::fs::read(&journal).unwrap_or_default();
    let run = batch(
        &sandbox,
        &[
            "provision",
            "--input",
            &input_s,
            "--output",
            &journal_s,
            "--resume",
        ],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("batch cancel"), "{run:#?}");
    assert_eq!(std::fs::read(&journal).unwrap_or_default(), before);
    assert_eq!(
        sandbox.stats()["provisions"].as_object().map(|o| o.len()),
        Some(0)
    );
}

#[test]
fn inputs_as_real_machines_write_them() {
    let sandbox = sandbox();
    let sites = |n: usize, sep: &str, bom: bool| {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text.push_str("local_user,siteurl,plan");
        for i in 0..n {
            text.push_str(&format!(
                "{sep}admin,https://{sep_name}{i}.test,free",
                sep_name = sep.len()
            ));
        }
        text + sep
    };
    for (name, text, ok) in [
        ("mac.csv", sites(3, "\r", false), 3),
        ("excel.csv", sites(3, "\r\n", true), 3),
        (
            "bom.jsonl",
            format!("\u{feff}{}", sites_jsonl(2, "free")),
            2,
        ),
    ] {
        let input = temp_file(name, text.as_bytes());
        let run = batch(
            &sandbox,
            &["provision", "--input", &input.to_string_lossy()],
        );
        run.assert_code(0);
        assert!(
            run.stderr.contains(&format!("{ok} lines: {ok} ok")),
            "{name}: {run:#?}"
        );
    }
    // Refused whole, nothing sent: no sites, a column named twice.
    let before = requests(&sandbox);
    for (name, text) in [
        ("empty.csv", "local_user,siteurl,plan\n"),
        ("blank.jsonl", "\n\n"),
        (
            "twice.csv",
            "local_user,siteurl,plan,plan\nadmin,https://x.test,free,personal\n",
        ),
    ] {
        let input = temp_file(name, text.as_bytes());
        let run = batch(
            &sandbox,
            &["provision", "--input", &input.to_string_lossy()],
        );
        run.assert_code(2);
        assert!(
            run.stderr.contains("nothing was sent") || run.stderr.contains("twice"),
            "{name}: {run:#?}"
        );
    }
    // Refused line by line: a key given twice, control characters.
    let lines = "{\"local_user\":\"a\",\"siteurl\":\"https://d.test\",\"plan\":\"personal\",\"plan\":\"professional\"}\n\
                 {\"local_user\":\"a\\u0000b\",\"siteurl\":\"https://e.test\",\"plan\":\"free\"}\n\
                 {\"local_user\":\"a\\r\\nb\",\"siteurl\":\"https://f.test\",\"plan\":\"free\"}\n\
                 {\"local_user\":\"a\",\"siteurl\":\"https://g.test\\n\",\"plan\":\"free\"}\n";
    let input = temp_file("bad.jsonl", lines.as_bytes());
    let run = batch(
        &sandbox,
        &["provision", "--input", &input.to_string_lossy()],
    );
    run.assert_code(1);
    assert!(run.stderr.contains("4 invalid"), "{run:#?}");
    assert!(run.stderr.contains("\"plan\" is given twice"), "{run:#?}");
    assert_eq!(requests(&sandbox), before, "no bad line was sent");
    // Standard input is read once, checked, then sent.
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "batch",
            "provision",
            "--input",
            "-",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        Some(sites_jsonl(3, "premium").as_bytes()),
    );
    run.assert_code(0);
    assert!(run.stderr.contains("3 lines: 3 ok"), "{run:#?}");
}

/// A batch's output is an input too: its `ok` records undo themselves
/// through `batch cancel`, and `invalid` records name their site.
#[test]
fn the_journal_of_a_provision_is_the_input_of_its_cancel() {
    let sandbox = sandbox();
    let mut lines = sites_jsonl(4, "personal");
    lines.push_str("{\"local_user\":\"admin\",\"siteurl\":\"https://bad.test\",\"plan\":\"personal\",\"colour\":\"red\"}\n");
    let input = temp_file("trial.jsonl", lines.as_bytes());
    let output = out_path("trial-out.jsonl");
    let run = batch_to(&sandbox, "provision", &input, &output, &[]);
    run.assert_code(1);
    let finals = finals(&records(&output));
    assert_eq!(finals[&5]["outcome"], "invalid");
    assert_eq!(finals[&5]["site"], "bad.test", "{:?}", finals[&5]);
    assert_eq!(finals[&1]["plan"], "personal");
    let undone = out_path("undo-out.jsonl");
    let run = batch(
        &sandbox,
        &[
            "cancel",
            "--input",
            &output.to_string_lossy(),
            "--format",
            "jsonl",
            "--output",
            &undone.to_string_lossy(),
        ],
    );
    run.assert_code(0);
    assert!(run.stderr.contains("4 lines: 4 ok"), "{run:#?}");
    let cancels = sandbox.stats()["by_endpoint"]["POST /rest/v1.3/jpphp/{site}/partner-cancel"]
        ["200"]
        .as_u64();
    assert_eq!(cancels, Some(4));
    let fields = last_fields(&sandbox, "POST /rest/v1.3/jpphp/{site}/partner-cancel").to_string();
    assert!(fields.contains(r#"["plan","personal"]"#), "{fields}");
}

/// Answers are printed and recorded as the API sent them: key order and
/// escapes kept, not re-serialized.
#[test]
fn answers_are_kept_as_they_came() {
    let body = r#"{"success":true,"next_url":"https:\/\/jetpack.example\/a?b=1","zeta":"caf\u00e9","auth_required":false}"#;
    let base = fixed_server(http_response(200, "application/json", body));
    let token = "a-token-of-the-test-partner";
    let single = cli(
        &[
            "--api-base",
            &base,
            "--access-token",
            token,
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://raw.test",
            "--plan",
            "free",
        ],
        &[],
        None,
    );
    single.assert_code(0);
    assert_eq!(single.stdout, format!("{body}\n"));
    let pretty = cli(
        &[
            "--api-base",
            &base,
            "--access-token",
            token,
            "--pretty",
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://raw.test",
            "--plan",
            "free",
        ],
        &[],
        None,
    );
    pretty.assert_code(0);
    assert!(
        pretty
            .stdout
            .starts_with("{\n  \"success\": true,\n  \"next_url\": \"https:\\/\\/jetpack"),
        "{pretty:#?}"
    );
    let input = temp_file("raw.jsonl", sites_jsonl(1, "free").as_bytes());
    let run = cli(
        &[
            "--api-base",
            &base,
            "--access-token",
            token,
            "batch",
            "provision",
            "--input",
            &input.to_string_lossy(),
        ],
        &[],
        None,
    );
    run.assert_code(0);
    let ok = run
        .stdout
        .lines()
        .find(|l| l.contains("\"outcome\":\"ok\""))
        .unwrap_or_default();
    assert!(ok.ends_with(&format!("\"answer\":{body}}}")), "{ok}");
}

/// `-v` traces every request of a batch, as it does a single command's.
#[test]
fn verbose_shows_every_request_of_a_batch() {
    let sandbox = sandbox();
    let input = temp_file("traced.jsonl", sites_jsonl(5, "free").as_bytes());
    let run = batch(
        &sandbox,
        &[
            "provision",
            "-v",
            "--quiet",
            "--input",
            &input.to_string_lossy(),
        ],
    );
    run.assert_code(0);
    let provisions = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("> POST ") && l.ends_with("/rest/v1.3/jpphp/provision"))
        .count();
    assert_eq!(provisions, 5, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("< HTTP 200").count(),
        6,
        "token and five provisions: {}",
        run.stderr
    );
}
