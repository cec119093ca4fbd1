//! `batch backups` and `batch scan` against a real sandbox: a mixed fleet,
//! stale backups as the sandbox's clock moves, every exit code, the input
//! forms of every batch, many workers, and no secret in the output.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jetpack_partner::sandbox::{Sandbox, SandboxBuilder};
use jetpack_partner::{BackupList, BlogId, Provision, SiteRef};
use serde_json::Value;

use crate::common::rewind::{session, PATIENCE};
use crate::common::*;

const DAY: u64 = 86_400;

/// A sandbox whose backups take 30 ms.
fn fleet_sandbox(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    let builder = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .backup_duration(Duration::from_millis(30));
    configure(builder)
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// Provisions `plan` for `host`, connected; its blog ID.
fn provision(sandbox: &Sandbox, host: &str, plan: &str) -> u64 {
    let session = session(sandbox);
    let request = Provision::new("admin", format!("https://{host}"), plan).wpcom_user_id(42);
    session.send(&request).unwrap_or_else(|e| panic!("{e}"));
    let site = SiteRef::parse(host).unwrap_or_else(|e| panic!("{e}"));
    session
        .blog_id(&site)
        .unwrap_or_else(|e| panic!("{e}"))
        .get()
}

/// Waits until the site's newest backup attempt has ended.
fn backup_ended(sandbox: &Sandbox, blog: u64) {
    let session = session(sandbox);
    let blog = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    loop {
        let list = session
            .send(&BackupList::new(blog))
            .unwrap_or_else(|e| panic!("{e}"));
        if list.backups.first().is_some_and(|b| !b.status.is_running()) {
            return;
        }
        assert!(started.elapsed() < PATIENCE, "blog {blog} has no backup");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn batch(sandbox: &Sandbox, args: &[&str]) -> Run {
    partner_cli(sandbox, &[&["batch"][..], args].concat())
}

/// The binary fed `stdin`, as the test partner.
fn batch_stdin(sandbox: &Sandbox, args: &[&str], stdin: &[u8]) -> Run {
    let mut full = vec![
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "batch",
    ];
    full.extend_from_slice(args);
    cli(&full, &[("JETPACK_PARTNER_SECRET", SECRET)], Some(stdin))
}

fn lines_of(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Records by input line; panics if a line has two.
fn by_line(records: &[Value]) -> BTreeMap<u64, Value> {
    let mut out = BTreeMap::new();
    for r in records {
        let line = r["line"].as_u64().unwrap_or_else(|| panic!("no line: {r}"));
        assert!(out.insert(line, r.clone()).is_none(), "line {line} twice");
    }
    out
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[test]
fn batch_health_backups_of_a_mixed_fleet() {
    let sandbox = fleet_sandbox(|b| b);
    let healthy = provision(&sandbox, "healthy.test", "professional");
    let failing = provision(&sandbox, "shop.backupfail.test", "professional");
    backup_ended(&sandbox, healthy);
    backup_ended(&sandbox, failing);
    let input = format!(
        "{{\"site\":\"healthy.test\"}}\n\
         {{\"blog_id\":{failing}}}\n\
         {{\"siteurl\":\"https://nobody-knows.test\"}}\n\
         not json\n\
         {{\"url\":\"https://Healthy.test/\",\"local_user\":\"admin\",\"plan\":\"free\"}}\n"
    );
    let input = temp_file("fleet.jsonl", input.as_bytes());
    let run = batch(&sandbox, &["backups", "--input", &path_text(&input)]);
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "batch_incomplete", "{run:#?}");
    assert!(
        run.stderr
            .contains("batch backups: 5 lines: 2 ok, 0 stale, 1 failed, 0 none, 2 error"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("line 4: the line is not JSON"),
        "{}",
        run.stderr
    );
    let records = by_line(&lines_of(&run.stdout));
    assert_eq!(records.len(), 5, "{records:?}");

    let ok = &records[&1];
    assert_eq!(ok["site"], "healthy.test");
    assert_eq!(ok["blog_id"], healthy);
    assert_eq!(ok["verdict"], "ok");
    assert_eq!(ok["newest_status"], "finished");
    let age = ok["last_good_age_s"].as_u64().unwrap_or(u64::MAX);
    assert!(age < 60, "{ok}");
    let at = ok["last_good_at"].as_str().unwrap_or_default();
    assert!(at.ends_with("+00:00") && at.contains('T'), "{ok}");
    assert_eq!(records[&5]["verdict"], "ok", "a URL of a provision line");
    assert_eq!(records[&5]["site"], "healthy.test");

    let failed = &records[&2];
    assert_eq!(failed["site"], failing.to_string());
    assert_eq!(failed["verdict"], "failed");
    assert_eq!(failed["newest_status"], "error");
    assert!(failed["last_good_at"].is_null(), "{failed}");
    assert!(failed.get("error").is_none(), "{failed}");

    let unknown = &records[&3];
    assert_eq!(unknown["verdict"], "error");
    assert_eq!(unknown["error"]["error_code"], "unknown_blog");
    assert_eq!(unknown["error"]["http_status"], 404);
    let message = unknown["error"]["error_message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("give its blog ID"), "{unknown}");
    assert!(unknown.get("blog_id").is_none(), "{unknown}");

    let bad = &records[&4];
    assert_eq!(bad["verdict"], "error");
    assert_eq!(bad["error"]["error_code"], "invalid_input");
    assert!(bad["site"].is_null(), "{bad}");

    // Nothing but reads was sent (besides the provisions above).
    let stats = sandbox.stats();
    let writes: Vec<&String> = stats["by_endpoint"]
        .as_object()
        .map(|o| o.keys().filter(|k| !k.starts_with("GET ")).collect())
        .unwrap_or_default();
    assert!(
        writes
            .iter()
            .all(|k| *k == "POST /oauth2/token" || k.contains("provision")),
        "{writes:?}"
    );
}

#[test]
fn batch_health_backups_go_stale_and_fresh_as_the_sandbox_clock_moves() {
    // The sandbox's clock three days behind: its site's only backup is
    // three days old by this machine's clock.
    let sandbox = fleet_sandbox(|b| b.clock_at(unix_now() - 3 * DAY));
    let blog = provision(&sandbox, "old.test", "professional");
    backup_ended(&sandbox, blog);
    let input = temp_file("old.csv", b"site\nold.test\n");
    let input = path_text(&input);

    let stale = batch(&sandbox, &["backups", "--input", &input]);
    stale.assert_code(0);
    let record = &lines_of(&stale.stdout)[0];
    assert_eq!(record["verdict"], "stale", "{record}");
    let age = record["last_good_age_s"].as_u64().unwrap_or(0);
    assert!((3 * DAY - 120..3 * DAY + 120).contains(&age), "{record}");
    assert!(
        stale
            .stderr
            .contains("0 ok, 1 stale, 0 failed, 0 none, 0 error"),
        "{}",
        stale.stderr
    );

    let flagged = batch(
        &sandbox,
        &[
            "backups",
            "--input",
            &input,
            "--fail-on",
            "failed",
            "--fail-on",
            "stale",
        ],
    );
    flagged.assert_code(1);
    assert_eq!(flagged.error()["error_code"], "unhealthy_sites");
    assert!(
        flagged.error()["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("1 site(s)") && m.contains("failed, stale")),
        "{flagged:#?}"
    );

    let lenient = batch(
        &sandbox,
        &[
            "backups",
            "--input",
            &input,
            "--max-age",
            "4d",
            "--fail-on",
            "stale",
        ],
    );
    lenient.assert_code(0);
    assert_eq!(lines_of(&lenient.stdout)[0]["verdict"], "ok");

    // Three days on, the daily backups have been taken.
    sandbox.advance_clock(Duration::from_secs(3 * DAY));
    backup_ended(&sandbox, blog);
    let fresh = batch(
        &sandbox,
        &[
            "backups",
            "--input",
            &input,
            "--fail-on",
            "stale,failed,none",
        ],
    );
    fresh.assert_code(0);
    let record = &lines_of(&fresh.stdout)[0];
    assert_eq!(record["verdict"], "ok", "{record}");
    assert!(
        record["last_good_age_s"].as_u64().unwrap_or(u64::MAX) < DAY,
        "{record}"
    );
}

#[test]
fn batch_health_a_site_without_backups_yet_is_none() {
    let sandbox = fleet_sandbox(|b| b.backup_delay(Duration::from_secs(3600)));
    let blog = provision(&sandbox, "new.test", "professional");
    let input = temp_file(
        "new.jsonl",
        format!("{{\"blog_id\":\"{blog}\"}}\n").as_bytes(),
    );
    let run = batch(
        &sandbox,
        &[
            "backups",
            "--input",
            &path_text(&input),
            "--fail-on",
            "none",
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "unhealthy_sites");
    let record = &lines_of(&run.stdout)[0];
    assert_eq!(record["verdict"], "none", "{record}");
    assert!(record["newest_status"].is_null(), "{record}");
}

#[test]
fn batch_health_scan_counts_open_threats_by_severity() {
    let sandbox = fleet_sandbox(|b| b);
    let clean = provision(&sandbox, "clean.test", "professional");
    let infected = provision(&sandbox, "blog.infected.test", "professional");
    provision(&sandbox, "plain.test", "personal");
    let csv = format!(
        "\u{feff}site,plan\r\nclean.test,professional\r\n{infected},\r\nplain.test,personal\r\nnobody-knows.test,\r\n"
    );
    let input = temp_file("fleet.csv", csv.as_bytes());
    let run = batch(&sandbox, &["scan", "--input", &path_text(&input)]);
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "batch_incomplete");
    assert!(
        run.stderr
            .contains("batch scan: 4 lines: 1 clean, 1 threats, 1 unavailable, 1 error"),
        "{}",
        run.stderr
    );
    let records = by_line(&lines_of(&run.stdout));
    let clean_record = &records[&2];
    assert_eq!(clean_record["blog_id"], clean);
    assert_eq!(clean_record["verdict"], "clean");
    assert_eq!(clean_record["state"], "idle");
    assert_eq!(clean_record["open"], 0);

    let threats = &records[&3];
    assert_eq!(threats["verdict"], "threats", "{threats}");
    assert_eq!(threats["open"], 6, "{threats}");
    let severities = &threats["by_severity"];
    for (name, count) in [
        ("critical", 1),
        ("high", 1),
        ("medium", 2),
        ("low", 1),
        ("suspicious", 1),
        ("other", 0),
    ] {
        assert_eq!(severities[name], count, "{name}: {threats}");
    }
    assert_eq!(
        (&threats["fixed"], &threats["ignored"]),
        (&0.into(), &0.into())
    );
    assert!(threats["last_scan_at"].is_string(), "{threats}");

    let unavailable = &records[&4];
    assert_eq!(unavailable["verdict"], "unavailable", "{unavailable}");
    assert_eq!(unavailable["state"], "unavailable");
    assert_eq!(records[&5]["verdict"], "error");

    // An ignored threat is no longer open; the rest still are.
    let scan = session(&sandbox)
        .send(&jetpack_partner::ScanStatus::new(
            BlogId::new(infected).unwrap_or_else(|e| panic!("{e}")),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let low = scan
        .threats
        .iter()
        .find(|t| t.severity.0 == 2)
        .map(|t| t.id.to_string())
        .unwrap_or_default();
    let token = sandbox
        .user_token(PARTNER_ID)
        .unwrap_or_else(|| panic!("no user token"));
    let ignored = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "threat",
            "ignore",
            "--site",
            &infected.to_string(),
            "--threat",
            &low,
        ],
        &[("JETPACK_USER_TOKEN", &token)],
        None,
    );
    ignored.assert_code(0);
    let only = temp_file(
        "one.jsonl",
        format!("{{\"site\":\"{infected}\"}}\n").as_bytes(),
    );
    let again = batch(
        &sandbox,
        &["scan", "--input", &path_text(&only), "--fail-on", "threats"],
    );
    again.assert_code(1);
    assert_eq!(again.error()["error_code"], "unhealthy_sites");
    let record = &lines_of(&again.stdout)[0];
    assert_eq!(
        (&record["open"], &record["ignored"]),
        (&5.into(), &1.into())
    );
    assert_eq!(record["by_severity"]["low"], 0);

    let fine = temp_file("clean.jsonl", b"{\"site\":\"clean.test\"}\n");
    batch(
        &sandbox,
        &[
            "scan",
            "--input",
            &path_text(&fine),
            "--fail-on",
            "threats,unavailable",
        ],
    )
    .assert_code(0);
    let no_scan = temp_file("plain.jsonl", b"{\"site\":\"plain.test\"}\n");
    batch(
        &sandbox,
        &[
            "scan",
            "--input",
            &path_text(&no_scan),
            "--fail-on",
            "unavailable",
        ],
    )
    .assert_code(1);
}

#[test]
fn batch_health_stdin_many_workers_one_line_each_and_no_secret() {
    let sandbox = fleet_sandbox(|b| b);
    let mut sites = Vec::new();
    for i in 0..12 {
        let host = format!("w{i}.test");
        let blog = provision(&sandbox, &host, "professional");
        // Half by domain, half by blog ID.
        sites.push(if i % 2 == 0 { host } else { blog.to_string() });
    }
    let input: String = sites
        .iter()
        .map(|s| format!("{{\"site\":\"{s}\"}}\n"))
        .collect();
    let started = Instant::now();
    let run = batch_stdin(
        &sandbox,
        &[
            "scan",
            "--input",
            "-",
            "--concurrency",
            "8",
            "--rate",
            "40/s",
        ],
        input.as_bytes(),
    );
    run.assert_code(0);
    // 6 lookups and 12 reads at 40 a second: at least 17 intervals.
    assert!(
        started.elapsed() >= Duration::from_millis(17 * 25),
        "{:?}",
        started.elapsed()
    );
    let records = by_line(&lines_of(&run.stdout));
    assert_eq!(records.len(), 12);
    let seen: BTreeSet<String> = records
        .values()
        .map(|r| r["site"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(seen, sites.iter().cloned().collect::<BTreeSet<_>>());
    assert!(records.values().all(|r| r["verdict"] == "clean"));
    assert!(run.stderr.contains("; 18 requests in "), "{}", run.stderr);
    let token = token_of(&sandbox, SECRET);
    run.assert_hidden(SECRET).assert_hidden(&token);

    // The same, as CSV on stdin, with a provision input's secrets in it.
    let csv: String = std::iter::once("local_user,siteurl,plan,ssh_user,ssh_pass\r\n".to_owned())
        .chain(
            sites
                .iter()
                .map(|s| format!("admin,{s},professional,u,ssh-s3cret-value\r\n")),
        )
        .collect();
    let run = batch_stdin(
        &sandbox,
        &[
            "backups",
            "--input",
            "-",
            "--format",
            "csv",
            "--concurrency",
            "4",
        ],
        csv.as_bytes(),
    );
    run.assert_code(0);
    assert_eq!(by_line(&lines_of(&run.stdout)).len(), 12);
    run.assert_hidden(SECRET)
        .assert_hidden(&token)
        .assert_hidden("ssh-s3cret-value");
}

#[test]
fn batch_health_output_file_is_rewritten_and_never_a_journal() {
    let sandbox = fleet_sandbox(|b| b);
    let blog = provision(&sandbox, "out.test", "professional");
    backup_ended(&sandbox, blog);
    let input = temp_file(
        "sites.jsonl",
        b"{\"site\":\"out.test\"}\n{\"site\":\"out.test\"}\n",
    );
    let input = path_text(&input);
    let output = path_text(&temp_file("report.jsonl", b""));
    for _ in 0..2 {
        let run = batch(
            &sandbox,
            &["backups", "--input", &input, "--output", &output],
        );
        run.assert_code(0);
        assert_eq!(run.stdout, "", "the report goes to the file");
        let text = std::fs::read_to_string(&output).unwrap_or_default();
        assert_eq!(lines_of(&text).len(), 2, "rewritten, not appended: {text}");
    }
    // A scan report may replace a backups report.
    batch(&sandbox, &["scan", "--input", &input, "--output", &output]).assert_code(0);

    // A batch journal (a resume needs it) and any other file are left alone.
    let journal = temp_file(
        "journal.jsonl",
        b"{\"journal\":\"jetpack-partner batch\",\"version\":1,\"action\":\"provision\"}\n",
    );
    let foreign = temp_file("notes.txt", b"my notes\n");
    for kept in [&journal, &foreign] {
        let before = std::fs::read(kept).unwrap_or_default();
        let run = batch(
            &sandbox,
            &["backups", "--input", &input, "--output", &path_text(kept)],
        );
        run.assert_code(2);
        assert!(run.stderr.contains("not a report"), "{}", run.stderr);
        assert_eq!(std::fs::read(kept).unwrap_or_default(), before);
    }
    let same = batch(&sandbox, &["scan", "--input", &input, "--output", &input]);
    same.assert_code(2);
    assert!(same.stderr.contains("is the input file"), "{}", same.stderr);

    // Another run holding the file: exit 5, the file as it was.
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&output)
        .unwrap_or_else(|e| panic!("{e}"));
    held.lock().unwrap_or_else(|e| panic!("{e}"));
    let locked = batch(&sandbox, &["scan", "--input", &input, "--output", &output]);
    locked.assert_code(5);
    assert!(locked.stderr.contains("in use"), "{}", locked.stderr);
    drop(held);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let fresh = temp_file("x", b"").with_file_name("fresh-report.jsonl");
        batch(
            &sandbox,
            &["scan", "--input", &input, "--output", &path_text(&fresh)],
        )
        .assert_code(0);
        let mode = std::fs::metadata(&fresh).map_or(0, |m| m.permissions().mode() & 0o777);
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn batch_health_usage_credentials_and_an_unreachable_api() {
    let sandbox = fleet_sandbox(|b| b);
    let input = temp_file("sites.jsonl", b"{\"site\":\"12345\"}\n");
    let input = path_text(&input);
    let empty = temp_file("empty.csv", b"site\r\n");
    let cases: &[(&[&str], &str)] = &[
        (&["backups"], "--input is required"),
        (
            &["backups", "--input", &path_text(&empty)],
            "holds no sites",
        ),
        (
            &["scan", "--input", &input, "--fail-on", "stale"],
            "not a verdict of batch scan",
        ),
        (
            &["backups", "--input", &input, "--fail-on", "ok"],
            "not a verdict of batch backups",
        ),
        (
            &["backups", "--input", &input, "--max-age", "36"],
            "give a whole number and a unit",
        ),
        (&["backups", "--input", &input, "--resume"], "--resume"),
    ];
    for (args, message) in cases {
        let run = batch(&sandbox, args);
        run.assert_code(2);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    assert_eq!(requests(&sandbox), 0, "nothing was sent");

    // A refused secret stops the run before any site is read.
    let wrong = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "batch",
            "backups",
            "--input",
            &input,
        ],
        &[("JETPACK_PARTNER_SECRET", "not-the-secret-value")],
        None,
    );
    wrong.assert_code(1);
    assert_eq!(wrong.stdout, "");
    assert!(
        wrong.error()["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("partner's credentials")),
        "{wrong:#?}"
    );
    wrong.assert_hidden("not-the-secret-value");

    // No API at all: temporary, exit 3.
    let down = cli(
        &[
            "--api-base",
            &closed_port(),
            "--partner-id",
            PARTNER_ID,
            "--retries",
            "0",
            "batch",
            "scan",
            "--input",
            &input,
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    down.assert_code(3);
    assert_eq!(down.error()["error_code"], "connect_failed");
}
