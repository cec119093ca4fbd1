//! Restores over TCP: `restore start` and `restore status` through the
//! binary, every end a restore can come to, `--wait` and its progress, a
//! wait that runs out, a domain looked up once, and the errors of each.

use std::time::Duration;

use jetpack_partner::{BlogId, Error, Restore, RestoreStatus, RewindId, Wait};

use crate::common::rewind::*;
use crate::common::*;

#[test]
fn restore_start_prints_the_restore_and_status_follows_it_to_finished() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shop.example");
    let point = restore_point(&sandbox, blog);
    let site = blog.to_string();
    let run = partner_cli(
        &sandbox,
        &["restore", "start", "--site", &site, "--rewind-id", &point],
    );
    run.assert_code(0);
    let started = stdout_json(&run);
    assert_eq!(started["ok"], true);
    let id = started["restore_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{started}"));
    assert!(started["job_id"].is_u64());
    let now = partner_cli(
        &sandbox,
        &[
            "restore",
            "status",
            "--site",
            &site,
            "--restore-id",
            &id.to_string(),
        ],
    );
    now.assert_code(0);
    let status = stdout_json(&now);
    let state = status["restore_status"]["status"]
        .as_str()
        .unwrap_or_default();
    assert!(["queued", "running"].contains(&state), "{status}");
    // The rewind ID went into the path as it is, fraction and all.
    assert_eq!(status["restore_status"]["rewind_id"], point.as_str());
    assert!(point.contains('.'), "{point}");
    let done = partner_cli(
        &sandbox,
        &[
            "restore",
            "status",
            "--site",
            &site,
            "--restore-id",
            &id.to_string(),
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    done.assert_code(0);
    let end = stdout_json(&done);
    assert_eq!(end["restore_status"]["status"], "finished");
    assert_eq!(end["restore_status"]["percent"], 100);
    // The client asks under the pattern's /wpcom/v1.1/ prefix.
    assert!(
        hits(
            &sandbox,
            "GET /wpcom/v1.1/activity-log/{blog_id}/rewind/{restore_id}/restore-status"
        ) >= 2
    );
    assert_eq!(
        hits(
            &sandbox,
            "GET /rest/v1/activity-log/{blog_id}/rewind/{restore_id}/restore-status"
        ),
        0
    );
    // The reference's example prefix is answered too.
    let token = token_of(&sandbox, SECRET);
    let (status, body) = raw_get(
        sandbox.base_url(),
        &format!("/rest/v1/activity-log/{blog}/rewind/{id}/restore-status"),
        &token,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"finished\""), "{body}");
}

#[test]
fn restore_start_wait_shows_its_progress_and_prints_the_restore_with_its_end() {
    let sandbox = rewind_sandbox_with(|b| {
        b.restore_queue(Duration::from_millis(300))
            .restore_duration(Duration::from_millis(1500))
    });
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let to = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + 1)
        .unwrap_or_default()
        .to_string();
    let run = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            &blog.to_string(),
            "--to",
            &to,
            "--types",
            "themes,sqls",
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    let end = stdout_json(&run);
    let id = end["restore_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{end}"));
    assert_eq!(end["restore_status"]["status"], "finished");
    let lines = progress_lines(&run, &format!("restore {id}"));
    assert_eq!(
        lines.first().map(|(s, p)| (s.as_str(), *p)),
        Some(("queued", Some(0))),
        "{}",
        run.stderr
    );
    let running: Vec<u64> = lines
        .iter()
        .filter(|(state, _)| state == "running")
        .filter_map(|(_, p)| *p)
        .collect();
    assert!(running.iter().any(|&p| p > 0 && p < 100), "{}", run.stderr);
    assert!(
        running.windows(2).all(|w| w[0] < w[1]),
        "rising: {running:?}"
    );
    assert!(
        !run.stderr.contains('\r'),
        "plain lines off a terminal: {:?}",
        run.stderr
    );
    // The body: roleName always, types as a list.
    let sent = last_fields(
        &sandbox,
        "POST /wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}",
    );
    assert_eq!(
        sent,
        serde_json::json!([["roleName", "main"], ["types", "[\"themes\",\"sqls\"]"]])
    );
    // --quiet: no progress at all.
    let quiet = partner_cli(
        &sandbox,
        &[
            "restore",
            "status",
            "--site",
            &blog.to_string(),
            "--restore-id",
            &id.to_string(),
            "--wait",
            "--quiet",
        ],
    );
    quiet.assert_code(0);
    assert_eq!(quiet.stderr, "");
}

#[test]
fn each_end_of_a_restore_has_its_exit_and_error_code() {
    let sandbox = rewind_sandbox();
    for (host, code, error_code) in [
        ("fine.example", 0, None),
        ("a.restorefail.test", 1, Some("fail")),
        ("a.restoreabort.test", 1, Some("aborted")),
        ("a.restorekill.test", 1, Some("killed")),
    ] {
        let blog = provision(&sandbox, host);
        let point = restore_point(&sandbox, blog);
        let run = partner_cli(
            &sandbox,
            &[
                "restore",
                "start",
                "--site",
                host,
                "--rewind-id",
                &point,
                "--wait",
                "--wait-interval",
                "0.05",
            ],
        );
        run.assert_code(code);
        let Some(error_code) = error_code else {
            assert_eq!(stdout_json(&run)["restore_status"]["status"], "finished");
            continue;
        };
        assert_eq!(run.stdout, "", "{host}");
        let error = run.error();
        assert_eq!(error["error_code"], error_code, "{host}: {run:#?}");
        let id = error["id"].as_str().unwrap_or_else(|| panic!("{error}"));
        assert!(
            error["error_message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("the restore {id} ended: {error_code}"))),
            "{error}"
        );
        // Its status without --wait is an answer like any other.
        let status = partner_cli(
            &sandbox,
            &["restore", "status", "--site", host, "--restore-id", id],
        );
        status.assert_code(0);
        assert_eq!(stdout_json(&status)["restore_status"]["status"], error_code);
        // With --wait, the same end.
        let again = partner_cli(
            &sandbox,
            &[
                "restore",
                "status",
                "--site",
                host,
                "--restore-id",
                id,
                "--wait",
            ],
        );
        again.assert_code(1);
        assert_eq!(again.error()["error_code"], error_code);
    }
    let failed = partner_cli(
        &sandbox,
        &[
            "activity",
            "list",
            "--site",
            "a.restorefail.test",
            "--group",
            "rewind",
            "--number",
            "1",
        ],
    );
    assert_eq!(
        stdout_json(&failed)["current"]["orderedItems"][0]["name"],
        "rewind__error"
    );
}

#[test]
fn a_wait_that_runs_out_says_still_running_with_the_restore_id() {
    let sandbox = rewind_sandbox_with(|b| b.restore_duration(Duration::from_secs(600)));
    let blog = provision(&sandbox, "slow.example");
    let point = restore_point(&sandbox, blog);
    let run = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            "slow.example",
            "--rewind-id",
            &point,
            "--wait",
            "--wait-timeout",
            "0.5",
            "--wait-interval",
            "0.1",
        ],
    );
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["error_code"], "still_running");
    let id = error["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{error}"))
        .to_owned();
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("the restore {id} was still running"))),
        "{error}"
    );
    assert!(error["percent"].is_u64(), "{error}");
    assert!(
        run.stderr.contains(&format!(
            "follow it with: jetpack-partner restore status --site {blog} --restore-id {id} --wait"
        )),
        "{}",
        run.stderr
    );
    // It goes on: a second restore is refused while it runs.
    let second = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            "slow.example",
            "--rewind-id",
            &point,
        ],
    );
    second.assert_code(1);
    assert_eq!(second.error()["error_code"], "restore_in_progress");
    assert!(
        second.error()["error_message"]
            .as_str()
            .is_some_and(|m| m.contains(&id)),
        "{second:#?}"
    );
    // --quiet: the error line alone.
    let quiet = partner_cli(
        &sandbox,
        &[
            "restore",
            "status",
            "--site",
            "slow.example",
            "--restore-id",
            &id,
            "--wait",
            "--wait-timeout",
            "0.2",
            "--quiet",
        ],
    );
    quiet.assert_code(3);
    assert_eq!(quiet.stderr.lines().count(), 1, "{}", quiet.stderr);
    assert_eq!(quiet.error()["id"], id.as_str());
}

#[test]
fn a_domain_is_looked_up_once_for_a_whole_wait_and_shown_under_v() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "looked-up.example");
    let point = restore_point(&sandbox, blog);
    let lookups_before = hits(&sandbox, "GET /rest/v1.1/sites/{site}");
    let run = partner_cli(
        &sandbox,
        &[
            "-v",
            "restore",
            "start",
            "--site",
            "https://Looked-Up.example/",
            "--rewind-id",
            &point,
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    assert_eq!(
        hits(&sandbox, "GET /rest/v1.1/sites/{site}") - lookups_before,
        1
    );
    let lookups = run
        .stderr
        .lines()
        .filter(|l| l.contains("/rest/v1.1/sites/"))
        .count();
    assert_eq!(lookups, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "! site looked-up.example is blog {blog} (the public site lookup)"
        )),
        "{}",
        run.stderr
    );
    let looks = run
        .stderr
        .lines()
        .filter(|l| l.contains("/restore-status"))
        .count();
    assert!(looks >= 2, "{}", run.stderr);
    run.assert_hidden(SECRET);
}

#[test]
fn restore_errors_are_caught_before_sending_or_named_by_the_api() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shop.example");
    let point = restore_point(&sandbox, blog);
    let site = blog.to_string();
    let before = requests(&sandbox);
    for (args, needle) in [
        (vec![], "restore start needs the point to restore to"),
        (
            vec!["--to", "1604584873", "--rewind-id", "1604584873.5"],
            "--to and --rewind-id both",
        ),
        (vec!["--to", "2020-13-01"], "is not a time"),
        (vec!["--to", "2020-11-05T14:01"], "with a zone"),
        (vec!["--rewind-id", "1604584873,5"], "is not a rewind ID"),
        (
            vec!["--to", "1604584873", "--role", "import"],
            "internal use only",
        ),
        (
            vec!["--to", "1604584873", "--role", "clone"],
            "is not a restore role",
        ),
        (
            vec!["--to", "1604584873", "--destination-site-name", "Copy"],
            "--role alternate",
        ),
        (
            vec!["--to", "1604584873", "--types", "everything"],
            "is not a part of a backup",
        ),
        (
            vec!["--to", "1604584873", "--quiet"],
            "--quiet goes with --wait",
        ),
    ] {
        let mut line = vec!["restore", "start", "--site", site.as_str()];
        line.extend(args);
        let run = partner_cli(&sandbox, &line);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    for (args, needle) in [
        (vec![], "--restore-id is required"),
        (vec!["--restore-id", "x"], "a restore ID"),
    ] {
        let mut line = vec!["restore", "status", "--site", site.as_str()];
        line.extend(args);
        let run = partner_cli(&sandbox, &line);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), before, "nothing was sent");
    // Refusals of the API.
    let far = (RewindId::from_unix(4_000_000_000).unwrap_or_else(|e| panic!("{e}"))).to_string();
    for (args, error_code, status) in [
        (vec!["--rewind-id", far.as_str()], "invalid_timestamp", 400),
        (vec!["--to", "2001-01-01"], "no_restore_point", 400),
    ] {
        let mut line = vec!["restore", "start", "--site", site.as_str()];
        line.extend(args);
        let run = partner_cli(&sandbox, &line);
        run.assert_code(1);
        assert_eq!(run.error()["error_code"], error_code, "{run:#?}");
        assert_eq!(run.error()["http_status"], status);
    }
    let run = partner_cli(
        &sandbox,
        &["restore", "status", "--site", &site, "--restore-id", "77"],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "restore_not_found");
    // A clone into another site, with its name and parts.
    let run = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            &site,
            "--rewind-id",
            &point,
            "--role",
            "alternate",
            "--destination-site-name",
            "Staging copy",
            "--types",
            "plugins",
        ],
    );
    run.assert_code(0);
    let id = stdout_json(&run)["restore_id"].to_string();
    let status = partner_cli(
        &sandbox,
        &["restore", "status", "--site", &site, "--restore-id", &id],
    );
    assert_eq!(
        stdout_json(&status)["restore_status"]["context"],
        "alternate"
    );
}

#[test]
fn the_library_restores_and_follows_with_a_wait() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "lib.example");
    let point = restore_point(&sandbox, blog);
    let session = session(&sandbox);
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let rewind_id: RewindId = point.parse().unwrap_or_else(|e| panic!("{e}"));
    let queued = session
        .send(&Restore::to_rewind_id(id, rewind_id.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen = Vec::new();
    let done = Wait::new("restore", queued.restore_id.to_string())
        .interval(Duration::from_millis(40))
        .timeout(PATIENCE)
        .until(
            || {
                session
                    .send(&RestoreStatus::new(id, queued.restore_id))?
                    .into_look(queued.restore_id)
            },
            |progress| seen.push(progress.state.clone()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(done.is_finished());
    assert_eq!(done.restore_status.rewind_id, Some(rewind_id.clone()));
    assert!(
        seen.iter().any(|s| s == "queued" || s == "running"),
        "{seen:?}"
    );
    // A bound too short: still running, with the ID.
    let again = session
        .send(&Restore::to_rewind_id(id, rewind_id))
        .unwrap_or_else(|e| panic!("{e}"));
    let short = Wait::new("restore", again.restore_id.to_string())
        .timeout(Duration::from_millis(1))
        .until(
            || {
                session
                    .send(&RestoreStatus::new(id, again.restore_id))?
                    .into_look(again.restore_id)
            },
            |_| {},
        );
    match short {
        Err(Error::StillRunning(still)) => assert_eq!(still.id, again.restore_id.to_string()),
        other => panic!("{other:?}"),
    }
}

/// Starts the binary's sandbox with the test partner and `args`; the
/// child and its URL.
fn sandbox_command(args: &[&str]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let partner = format!("{PARTNER_ID}:{SECRET}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args(["sandbox", "--partner", &partner])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out)
            .read_line(&mut first)
            .unwrap_or_default();
    }
    (child, first.trim().to_owned())
}

/// The binary as the test partner against `base`.
fn against(base: &str, args: &[&str]) -> Run {
    let mut line = vec!["--api-base", base, "--partner-id", PARTNER_ID];
    line.extend_from_slice(args);
    cli(&line, &[("JETPACK_PARTNER_SECRET", SECRET)], None)
}

/// Provisions, waits for a backup, asks for an archive and a restore, and
/// reads the restore's status a moment later.
fn slow_story(base: &str, provision: &[&str]) -> (Run, String, Run, Run) {
    let provisioned = against(base, provision);
    let mut point = String::new();
    for _ in 0..200 {
        let log = against(
            base,
            &[
                "activity",
                "list",
                "--site",
                "t.example",
                "--group",
                "rewind",
            ],
        );
        if let Some(id) = stdout_json(&log)["current"]["orderedItems"][0]["rewind_id"].as_str() {
            point = id.to_owned();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let download = against(base, &["backup", "download", "--site", "t.example"]);
    let restore = against(
        base,
        &[
            "restore",
            "start",
            "--site",
            "t.example",
            "--rewind-id",
            &point,
        ],
    );
    let id = stdout_json(&restore)["restore_id"].to_string();
    std::thread::sleep(Duration::from_millis(100));
    let status = against(
        base,
        &[
            "restore",
            "status",
            "--site",
            "t.example",
            "--restore-id",
            &id,
        ],
    );
    (provisioned, point, download, status)
}

#[test]
fn the_sandbox_command_takes_the_timings() {
    // No backup for ten minutes: the list is empty.
    let (mut late, base) = sandbox_command(&["--backup-delay-ms", "600000"]);
    let provision = [
        "provision",
        "--local-user",
        "admin",
        "--siteurl",
        "https://t.example",
        "--plan",
        "personal",
    ];
    let run = against(&base, &provision);
    let listed = against(&base, &["backup", "list", "--site", "t.example"]);
    let _ = late.kill();
    let _ = late.wait();
    run.assert_code(0);
    listed.assert_code(0);
    assert_eq!(listed.stdout.trim(), "[]");
    // Quick backups; an archive and a restore that take ten minutes.
    let (mut slow, base) = sandbox_command(&[
        "--backup-ms",
        "5",
        "--download-ms",
        "600000",
        "--restore-queue-ms",
        "600000",
        "--restore-ms",
        "5",
        "--backup-every",
        "3600",
        "--download-valid",
        "60",
    ]);
    let runs = slow_story(&base, &provision);
    let _ = slow.kill();
    let _ = slow.wait();
    let (provisioned, point, download, status) = runs;
    provisioned.assert_code(0);
    assert!(!point.is_empty(), "a backup finished");
    download.assert_code(0);
    assert_eq!(stdout_json(&download)["progress"], 0);
    status.assert_code(0);
    assert_eq!(stdout_json(&status)["restore_status"]["status"], "queued");
    // Bad timings are usage errors.
    for args in [
        ["--backup-every", "0"],
        ["--backup-ms", "soon"],
        ["--download-valid", "-5"],
    ] {
        let mut line = vec!["sandbox", "--partner", "1:secret-value"];
        line.extend(args);
        let run = cli(&line, &[], None);
        run.assert_code(2);
        assert!(run.stderr.contains(args[0]), "{run:#?}");
    }
}
