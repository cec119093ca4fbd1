//! Backups and archives over TCP: `backup list` and `backup download`
//! through the binary, the archive's link and its bytes (ranges, expiry),
//! the errors of each, faults, and the library's answers.

use std::time::{Duration, Instant};

use jetpack_partner::sandbox::Fault;
use jetpack_partner::{BackupList, BackupParts, BlogId, DownloadList, NewDownload, TraceEvent};
use serde_json::Value;

use crate::common::rewind::*;
use crate::common::*;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// A GET of `url` with these headers: (status, headers, body).
fn fetch(url: &str, headers: &[(&str, &str)]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut answer = request.call().unwrap_or_else(|e| panic!("{e}"));
    let status = answer.status().as_u16();
    let headers = answer
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = answer
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("{e}"));
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Asks for an archive of `blog` and waits for its link (through the
/// binary): the last answer.
fn ready_archive(sandbox: &jetpack_partner::sandbox::Sandbox, blog: u64, types: &str) -> Value {
    restore_point(sandbox, blog);
    let site = blog.to_string();
    let run = partner_cli(
        sandbox,
        &[
            "backup",
            "download",
            "--site",
            &site,
            "--types",
            types,
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    stdout_json(&run)
}

#[test]
fn backup_list_shows_an_attempt_under_way() {
    let sandbox = rewind_sandbox_with(|b| b.backup_duration(Duration::from_secs(600)));
    provision(&sandbox, "shop.example");
    let run = partner_cli(&sandbox, &["backup", "list", "--site", "shop.example"]);
    run.assert_code(0);
    let list = stdout_json(&run);
    let [only] = list.as_array().map(Vec::as_slice).unwrap_or_default() else {
        panic!("{list}");
    };
    assert_eq!(only["status"], "started");
    assert_eq!(only["has_snapshot"], false);
    let percent: u64 = only["percent"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .unwrap_or(100);
    assert!(percent < 100, "{only}");
    assert!(
        only["id"].is_string() && only["period"].is_string(),
        "{only}"
    );
}

#[test]
fn backup_list_shows_finished_backups_by_blog_id_or_domain() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    for site in [blog.to_string(), "https://Shop.example/".to_owned()] {
        let run = partner_cli(&sandbox, &["backup", "list", "--site", &site]);
        run.assert_code(0);
        let list = stdout_json(&run);
        let finished = list
            .as_array()
            .and_then(|l| l.iter().find(|b| b["status"] == "finished"))
            .unwrap_or_else(|| panic!("{list}"));
        assert_eq!(finished["has_snapshot"], true);
        assert_eq!(finished["is_scan"], "1");
        assert!(finished["stats"]["plugins"].is_u64(), "{finished}");
    }
}

#[test]
fn backups_accrue_and_the_list_keeps_the_last_ten_newest_first() {
    let sandbox = rewind_sandbox_with(|b| {
        b.backup_duration(Duration::from_millis(10))
            .backup_interval(Duration::from_millis(60))
    });
    let blog = provision(&sandbox, "busy.example");
    let session = session(&sandbox);
    let blog = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let answer = loop {
        let answer = session
            .send(&BackupList::new(blog))
            .unwrap_or_else(|e| panic!("{e}"));
        let finished = answer
            .backups
            .iter()
            .filter(|b| b.status.is_finished())
            .count();
        if finished >= 10 {
            break answer;
        }
        assert!(started.elapsed() < PATIENCE, "{answer:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(answer.backups.len(), 10);
    let periods: Vec<u64> = answer.backups.iter().filter_map(|b| b.period).collect();
    assert!(periods.windows(2).all(|w| w[0] >= w[1]), "{periods:?}");
    let mut ids: Vec<&str> = answer.backups.iter().map(|b| b.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 10, "every attempt has its own ID");
    assert!(answer.latest_finished().is_some());
}

#[test]
fn a_backupfail_site_fails_every_backup_and_has_nothing_to_restore() {
    let sandbox = rewind_sandbox_with(|b| {
        b.backup_duration(Duration::from_millis(5))
            .backup_interval(Duration::from_millis(40))
    });
    let blog = provision(&sandbox, "shop.backupfail.test");
    let session = session(&sandbox);
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let statuses = loop {
        let answer = session
            .send(&BackupList::new(id))
            .unwrap_or_else(|e| panic!("{e}"));
        let failed: Vec<String> = answer
            .backups
            .iter()
            .filter(|b| b.status.is_failure())
            .map(|b| b.status.to_string())
            .collect();
        if failed.len() >= 4 {
            assert!(answer.backups.iter().all(|b| !b.has_snapshot), "{answer:?}");
            break failed;
        }
        assert!(started.elapsed() < PATIENCE, "{answer:?}");
        std::thread::sleep(Duration::from_millis(40));
    };
    for status in [
        "error",
        "credential-error",
        "not-accessible",
        "error-will-retry",
    ] {
        assert!(
            statuses.iter().any(|s| s == status),
            "{status} in {statuses:?}"
        );
    }
    assert!(jetpack_partner::latest_restore_point(&session, id)
        .unwrap_or_else(|e| panic!("{e}"))
        .is_none());
    let site = blog.to_string();
    let run = partner_cli(&sandbox, &["backup", "download", "--site", &site]);
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "no_restore_point");
    assert!(
        run.error()["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("no finished backup")),
        "{run:#?}"
    );
    let now = jetpack_partner::UtcTime::from_unix(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            &site,
            "--to",
            &now.unix().to_string(),
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "no_restore_point");
}

#[test]
fn backup_download_prints_its_id_and_download_id_follows_it_to_the_link() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shop.example");
    let point = restore_point(&sandbox, blog);
    let site = blog.to_string();
    let run = partner_cli(
        &sandbox,
        &["backup", "download", "--site", &site, "--rewind-id", &point],
    );
    run.assert_code(0);
    let asked = stdout_json(&run);
    assert_eq!(asked["rewindId"], point.as_str());
    assert!(asked.get("url").is_none(), "not ready at once: {asked}");
    assert_eq!(asked["progress"], 0);
    let id = asked["downloadId"]
        .as_u64()
        .unwrap_or_else(|| panic!("{asked}"));
    // The rewind ID went as the string it is, the types as an object.
    let sent = last_fields(&sandbox, "POST /wpcom/v2/sites/{blog_id}/rewind/downloads");
    assert_eq!(sent, serde_json::json!([["rewindId", point]]));
    let follow = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &site,
            "--download-id",
            &id.to_string(),
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    follow.assert_code(0);
    let ready = stdout_json(&follow);
    assert_eq!(ready["downloadId"], id);
    let url = ready["url"].as_str().unwrap_or_else(|| panic!("{ready}"));
    assert!(
        url.contains(&format!("/rewind/downloads/{id}/data?token=")),
        "{url}"
    );
    assert!(ready["validUntil"].is_string());
    // One archive asked for: the follow-up sent no POST.
    assert_eq!(
        hits(&sandbox, "POST /wpcom/v2/sites/{blog_id}/rewind/downloads"),
        1
    );
    // Following a ready archive reads its status once: the wait's first
    // look is the only request.
    let status = "GET /wpcom/v2/sites/{blog_id}/rewind/downloads/{download_id}";
    let before = hits(&sandbox, status);
    let again = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &site,
            "--download-id",
            &id.to_string(),
            "--wait",
        ],
    );
    again.assert_code(0);
    assert_eq!(stdout_json(&again)["downloadId"], id);
    assert_eq!(hits(&sandbox, status), before + 1, "{again:#?}");
}

#[test]
fn backup_download_wait_shows_progress_and_keeps_the_link_off_stderr() {
    let sandbox = rewind_sandbox_with(|b| b.download_duration(Duration::from_millis(1200)));
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let run = partner_cli(
        &sandbox,
        &[
            "-v",
            "backup",
            "download",
            "--site",
            "shop.example",
            "--types",
            "themes,sqls",
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    let ready = stdout_json(&run);
    let url = ready["url"].as_str().unwrap_or_else(|| panic!("{ready}"));
    let token = url
        .split("token=")
        .nth(1)
        .unwrap_or_else(|| panic!("{url}"));
    assert!(token.len() >= 16);
    run.assert_hidden(SECRET);
    assert!(
        !run.stderr.contains(token),
        "the link's token on stderr: {}",
        run.stderr
    );
    let id = ready["downloadId"].as_u64().unwrap_or_default();
    let lines = progress_lines(&run, &format!("backup download {id}"));
    assert!(
        lines.iter().all(|(state, _)| state == "preparing"),
        "{lines:?}"
    );
    let percents: Vec<u64> = lines.iter().filter_map(|(_, p)| *p).collect();
    assert!(percents.len() >= 2, "{}", run.stderr);
    assert!(
        percents.windows(2).all(|w| w[0] < w[1]),
        "rising: {percents:?}"
    );
    // Not a terminal: plain lines, nothing rewritten in place.
    assert!(!run.stderr.contains('\r'), "{:?}", run.stderr);
    let sent = last_fields(&sandbox, "POST /wpcom/v2/sites/{blog_id}/rewind/downloads");
    let types = sent
        .as_array()
        .and_then(|f| f.iter().find(|pair| pair[0] == "types"))
        .map(|pair| pair[1].clone())
        .unwrap_or_default();
    let types: Value = serde_json::from_str(types.as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(
        types,
        serde_json::json!({"all": false, "themes": true, "plugins": false, "uploads": false,
            "sqls": true, "roots": false, "contents": false})
    );
}

#[test]
fn the_link_serves_the_archive_whole_or_by_range() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shop.example");
    let ready = ready_archive(&sandbox, blog, "all");
    let url = ready["url"].as_str().unwrap_or_default().to_owned();
    let (status, headers, whole) = fetch(&url, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/gzip"));
    assert_eq!(header(&headers, "accept-ranges"), Some("bytes"));
    assert_eq!(
        header(&headers, "content-length"),
        Some(whole.len().to_string().as_str())
    );
    assert!(header(&headers, "content-disposition").is_some_and(|d| d.contains(".tar.gz")));
    let etag = header(&headers, "etag").unwrap_or_default().to_owned();
    assert_eq!(&whole[..2], &[0x1f, 0x8b], "gzip");
    assert!(whole.len() > 100_000);
    let total = whole.len();
    // The same bytes every time.
    assert_eq!(fetch(&url, &[]).2, whole);
    for (range, first, last) in [
        ("bytes=100-199".to_owned(), 100, 199),
        ("bytes=-50".to_owned(), total - 50, total - 1),
        (format!("bytes={}-", total - 10), total - 10, total - 1),
        (format!("bytes=0-{}", total + 100), 0, total - 1),
    ] {
        let (status, headers, part) = fetch(&url, &[("Range", &range)]);
        assert_eq!(status, 206, "{range}");
        assert_eq!(
            header(&headers, "content-range"),
            Some(format!("bytes {first}-{last}/{total}").as_str()),
            "{range}"
        );
        assert_eq!(part, &whole[first..=last], "{range}");
    }
    let (status, headers, _) = fetch(&url, &[("Range", &format!("bytes={total}-"))]);
    assert_eq!(status, 416);
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes */{total}").as_str())
    );
    // A resume that names other bytes gets them all again.
    let (status, _, again) = fetch(&url, &[("Range", "bytes=10-"), ("If-Range", "\"other\"")]);
    assert_eq!((status, again.len()), (200, total));
    let (status, _, part) = fetch(&url, &[("Range", "bytes=10-"), ("If-Range", &etag)]);
    assert_eq!((status, part.len()), (206, total - 10));
    // HEAD: the size and validator, no bytes.
    let head = agent().head(&url).call().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(total.to_string().as_str())
    );
    // A real tar.gz, when this machine has tar to say so.
    let path = temp_file("backup.tar.gz", &whole);
    if let Ok(out) = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(&path)
        .output()
    {
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            listing.contains("sql/wp_posts.sql") && listing.contains("wp-content/themes/"),
            "{listing}"
        );
    }
    // Each fetch (not HEAD) counted.
    let status = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &blog.to_string(),
            "--download-id",
            &ready["downloadId"].to_string(),
        ],
    );
    assert_eq!(stdout_json(&status)["downloadCount"], 8);
}

#[test]
fn a_link_with_another_token_or_after_it_expired_is_refused() {
    let sandbox = rewind_sandbox_with(|b| {
        b.download_duration(Duration::from_millis(100))
            .download_lifetime(Duration::from_millis(1500))
    });
    let blog = provision(&sandbox, "shop.example");
    let ready = ready_archive(&sandbox, blog, "roots");
    let url = ready["url"].as_str().unwrap_or_default().to_owned();
    let (status, _, _) = fetch(&url, &[]);
    assert_eq!(status, 200);
    let (base, _) = url.split_once("?token=").unwrap_or_default();
    let (status, _, body) = fetch(&format!("{base}?token=not-the-token"), &[]);
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("invalid_token"));
    std::thread::sleep(Duration::from_millis(1600));
    let (status, _, body) = fetch(&url, &[]);
    assert_eq!(status, 410);
    assert!(String::from_utf8_lossy(&body).contains("download_expired"));
}

#[test]
fn an_archive_is_not_served_before_it_is_ready() {
    let state = temp_file("state.json", b"");
    let sandbox = rewind_sandbox_with(|b| {
        b.download_duration(Duration::from_secs(600))
            .state_file(&state)
    });
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let session = session(&sandbox);
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let asked = session
        .send(&NewDownload::new(id))
        .unwrap_or_else(|e| panic!("{e}"));
    let all = session
        .send(&DownloadList::new(id))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.downloads.len(), 1);
    assert!(!all.downloads[0].is_ready() && all.downloads[0].url.is_none());
    // The answers show no link before it is ready; the state file has its
    // token.
    let kept: Value = serde_json::from_slice(&std::fs::read(&state).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let token = kept["rewind"]["sites"][blog.to_string()]["downloads"][0]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{kept}"))
        .to_owned();
    let data = format!(
        "{}/wpcom/v2/sites/{blog}/rewind/downloads/{}/data?token={token}",
        sandbox.base_url(),
        asked.download_id
    );
    let (status, _, body) = fetch(&data, &[]);
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("download_not_ready"));
    let wait = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &blog.to_string(),
            "--download-id",
            &asked.download_id.to_string(),
            "--wait",
            "--wait-timeout",
            "0.3",
            "--wait-interval",
            "0.05",
        ],
    );
    wait.assert_code(3);
    let error = wait.error();
    assert_eq!(error["error_code"], "still_running");
    assert_eq!(error["id"], asked.download_id.to_string());
    assert!(
        wait.stderr
            .contains(&format!("--download-id {} --wait", asked.download_id)),
        "the follow-up: {}",
        wait.stderr
    );
}

#[test]
fn download_errors_say_what_is_wrong() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let site = blog.to_string();
    let before = requests(&sandbox);
    for (args, needle) in [
        (
            vec!["--types", "themes,db"],
            "\"db\" is not a part of a backup",
        ),
        (vec!["--rewind-id", "yesterday"], "is not a rewind ID"),
        (vec!["--download-id", "0"], "a download ID"),
        (
            vec!["--download-id", "5", "--types", "themes"],
            "--types describes a new archive",
        ),
        (
            vec!["--wait-timeout", "5"],
            "--wait-timeout goes with --wait",
        ),
    ] {
        let mut line = vec!["backup", "download", "--site", site.as_str()];
        line.extend(args);
        let run = partner_cli(&sandbox, &line);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), before, "nothing was sent");
    let run = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &site,
            "--download-id",
            "4242",
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "download_not_found");
    assert_eq!(run.error()["http_status"], 404);
    // Well formed, but before any backup.
    let run = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &site,
            "--rewind-id",
            "1000000000.5",
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "no_restore_point");
}

/// Every rewind command, for a site.
fn every_command(site: &str) -> Vec<Vec<String>> {
    let words = [
        "backup list",
        "backup download",
        "restore start --to 1604584873",
        "restore status --restore-id 5",
        "activity list",
        "activity counts",
        "activity show --rewind-id 1604584873.5",
    ];
    words
        .iter()
        .map(|w| {
            let mut line: Vec<String> = w.split(' ').map(str::to_owned).collect();
            line.extend(["--site".to_owned(), site.to_owned()]);
            line
        })
        .collect()
}

#[test]
fn an_unknown_blog_and_another_partners_blog_are_refused_by_every_command() {
    let sandbox = rewind_sandbox_with(|b| b.partner("5678", "another-partner-secret"));
    let theirs = provision_as(&sandbox, "5678", "another-partner-secret", "theirs.example");
    for (site, code, error_code, status) in [
        ("999999".to_owned(), 1, "unknown_blog", 404),
        (theirs.to_string(), 1, "unauthorized", 403),
    ] {
        for line in every_command(&site) {
            let args: Vec<&str> = line.iter().map(String::as_str).collect();
            let run = partner_cli(&sandbox, &args);
            run.assert_code(code);
            assert_eq!(run.error()["error_code"], error_code, "{args:?}: {run:#?}");
            assert_eq!(run.error()["http_status"], status, "{args:?}");
        }
    }
    // A domain WordPress.com does not know: a usage error with a hint.
    for line in every_command("never.example") {
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        let run = partner_cli(&sandbox, &args);
        run.assert_code(2);
        assert!(
            run.stderr.contains("does not know the site never.example"),
            "{args:?}: {run:#?}"
        );
        assert!(run.stderr.contains("hint: give the blog ID"), "{run:#?}");
    }
}

#[test]
fn every_command_needs_the_site() {
    let sandbox = rewind_sandbox();
    for line in every_command("x") {
        let args: Vec<&str> = line
            .iter()
            .map(String::as_str)
            .take(line.len() - 2)
            .collect();
        let run = partner_cli(&sandbox, &args);
        run.assert_code(2);
        assert!(
            run.stderr.contains("--site is required"),
            "{args:?}: {run:#?}"
        );
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn a_get_is_retried_and_a_post_that_starts_work_is_not() {
    // Provisioning and the token go through; every request after them
    // meets the fault.
    // (Provisioning is three requests: the token, the provision, the
    // site lookup; the test's token one more.)
    let configure = |fault| {
        move |b: jetpack_partner::sandbox::SandboxBuilder| b.fault(fault, 1.0).fault_after(4)
    };
    for (fault, line, endpoint, attempts, error_code) in [
        (
            Fault::Unavailable,
            "backup list",
            "GET /wpcom/v2/sites/{blog_id}/rewind/backups",
            3,
            "service_unavailable",
        ),
        (
            Fault::Reset,
            "backup list",
            "GET /wpcom/v2/sites/{blog_id}/rewind/backups",
            3,
            "network_error",
        ),
        (
            Fault::Reset,
            "backup download",
            "POST /wpcom/v2/sites/{blog_id}/rewind/downloads",
            1,
            "network_error",
        ),
        (
            Fault::Reset,
            "restore start --to 1604584873",
            "POST /wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}",
            1,
            "network_error",
        ),
        // Surely never arrived: a Once request may go again.
        (
            Fault::Unavailable,
            "restore start --to 1604584873",
            "POST /wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}",
            3,
            "service_unavailable",
        ),
    ] {
        let sandbox = rewind_sandbox_with(configure(fault));
        let blog = provision(&sandbox, "shop.example");
        let token = token_of(&sandbox, SECRET);
        let site = blog.to_string();
        let mut args = vec!["--access-token", token.as_str(), "--retries", "2"];
        args.extend(line.split(' '));
        args.extend(["--site", site.as_str()]);
        let run = partner_cli(&sandbox, &args);
        run.assert_code(3);
        assert_eq!(run.error()["error_code"], error_code, "{line}: {run:#?}");
        assert_eq!(
            hits(&sandbox, endpoint),
            attempts,
            "{fault:?} {line}: {}",
            sandbox.stats()
        );
    }
    // And a GET that meets a fault once gets its answer the second time.
    let sandbox = rewind_sandbox_with(|b| {
        b.fault(Fault::Unavailable, 0.5)
            .fault_seed(3)
            .fault_after(4)
    });
    let blog = provision(&sandbox, "shop.example");
    let token = token_of(&sandbox, SECRET);
    let notes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = notes.clone();
    let client = jetpack_partner::Client::builder()
        .api_base(sandbox.base_url())
        .retries(20)
        .trace(move |event: &TraceEvent| {
            if let TraceEvent::Retry { code, .. } = event {
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(code.clone());
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let session = jetpack_partner::Session::with_access_token(
        client,
        jetpack_partner::AccessToken::new(token),
    );
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..4 {
        session
            .send(&BackupList::new(id))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let retried = notes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        !retried.is_empty(),
        "the seed gives at least one 503 in four looks"
    );
    assert!(
        retried.iter().all(|c| c == "service_unavailable"),
        "{retried:?}"
    );
}

#[test]
fn the_library_reads_every_answer_and_hides_the_link() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "lib.example");
    let point = restore_point(&sandbox, blog);
    let session = session(&sandbox);
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let list = session
        .send(&BackupList::new(id))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(list.raw.get().is_some());
    let asked = session
        .send(
            &NewDownload::new(id)
                .rewind_id(point.parse().unwrap_or_else(|e| panic!("{e}")))
                .parts(BackupParts::parse("uploads").unwrap_or_else(|e| panic!("{e}"))),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        asked.rewind_id.as_ref().map(|r| r.as_str()),
        Some(point.as_str())
    );
    let done = download_ready(&session, id, asked.download_id);
    let url = done.url.clone().unwrap_or_else(|| panic!("no link"));
    let token = url.token().unwrap_or_default().to_owned();
    assert!(!format!("{done:?}").contains(&token));
    // A request to the link, traced: the token is masked in the trace.
    let urls = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = urls.clone();
    let client = jetpack_partner::Client::builder()
        .api_base(sandbox.base_url())
        .trace(move |event: &TraceEvent| {
            if let TraceEvent::Request { url, .. } = event {
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(url.clone());
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = url
        .as_str()
        .trim_start_matches(sandbox.base_url())
        .to_owned();
    let fetched = client.send(&Path(path), None);
    assert!(fetched.is_err(), "the archive is not JSON");
    let traced = urls.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(traced.len(), 1);
    assert!(
        traced[0].contains("token=***") && !traced[0].contains(&token),
        "{traced:?}"
    );
}

/// A GET of a path the test gives, without a token.
struct Path(String);

impl jetpack_partner::Endpoint for Path {
    type Answer = Value;
    const METHOD: jetpack_partner::Method = jetpack_partner::Method::Get;
    const TOKEN: jetpack_partner::Token = jetpack_partner::Token::None;

    fn path(&self) -> Result<String, jetpack_partner::Error> {
        Ok(self.0.clone())
    }

    fn decode(&self, reply: jetpack_partner::Reply) -> Result<Value, jetpack_partner::Error> {
        reply.into_typed("JSON")
    }
}
