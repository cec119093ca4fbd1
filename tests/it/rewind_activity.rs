//! The activity log over TCP: what provisioning, backups, restores and
//! cancelling write to it, `activity list`, `counts` and `show` through the
//! binary with their filters and pages, their errors, and the library's
//! latest restore point.

use std::time::Duration;

use jetpack_partner::{latest_restore_point, ActivityList, BlogId, Cancel, SiteRef};
use serde_json::Value;

use crate::common::rewind::*;
use crate::common::*;

/// The names of a listing's entries, newest first.
fn names(list: &Value) -> Vec<String> {
    list["current"]["orderedItems"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn list(sandbox: &jetpack_partner::sandbox::Sandbox, args: &[&str]) -> Value {
    let mut line = vec!["activity", "list"];
    line.extend_from_slice(args);
    let run = partner_cli(sandbox, &line);
    run.assert_code(0);
    stdout_json(&run)
}

#[test]
fn provisioning_backups_restores_and_cancelling_write_the_log() {
    let sandbox = rewind_sandbox();
    // Two products, so that one can be cancelled and the log still read.
    let session = session(&sandbox);
    for plan in ["personal", "jetpack-scan"] {
        let request = jetpack_partner::Provision::new("admin", "https://story.example", plan)
            .wpcom_user_id(42);
        session.send(&request).unwrap_or_else(|e| panic!("{e}"));
    }
    let reference = SiteRef::parse("story.example").unwrap_or_else(|e| panic!("{e}"));
    let blog = session
        .blog_id(&reference)
        .unwrap_or_else(|e| panic!("{e}"))
        .get();
    let point = restore_point(&sandbox, blog);
    let site = blog.to_string();
    let run = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            &site,
            "--rewind-id",
            &point,
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    session
        .send(&Cancel::new(reference).plan("personal"))
        .unwrap_or_else(|e| panic!("{e}"));
    let log = list(&sandbox, &["--site", &site]);
    let names = names(&log);
    assert_eq!(
        names.iter().take(2).map(String::as_str).collect::<Vec<_>>(),
        ["plan__cancelled", "rewind__complete"],
        "{names:?}"
    );
    for name in ["rewind__restore_queued", "rewind__backup_complete_full"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let provisioned = names.iter().filter(|n| *n == "plan__provisioned").count();
    assert_eq!(provisioned, 2, "{names:?}");
    let items = log["current"]["orderedItems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for item in &items {
        let backup = item["name"] == "rewind__backup_complete_full";
        assert_eq!(item["is_rewindable"], backup, "{item}");
        assert!(
            item["rewind_id"].as_str().is_some_and(|r| r.contains('.')),
            "{item}"
        );
        if backup {
            assert_eq!(item["object"]["rewind_id"], item["rewind_id"]);
            assert_eq!(item["object"]["type"], "Backup");
            assert!(
                item["object"]["backup_stats"].is_string(),
                "a JSON text: {item}"
            );
            assert_eq!(
                item["group"],
                Value::Null,
                "the group is a filter, not a field"
            );
        }
    }
    let published: Vec<&str> = items
        .iter()
        .filter_map(|i| i["published"].as_str())
        .collect();
    assert!(
        published.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {published:?}"
    );
    assert_eq!(items[0]["content"]["text"], "personal");
}

#[test]
fn groups_dates_and_pages_choose_the_entries() {
    // Backups are daily here: the log holds a provision, a backup and a
    // restore's two entries, and no more while the test reads it.
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "many.example");
    let point = restore_point(&sandbox, blog);
    let site = blog.to_string();
    let run = partner_cli(
        &sandbox,
        &[
            "restore",
            "start",
            "--site",
            &site,
            "--rewind-id",
            &point,
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    let rewind = list(&sandbox, &["--site", &site, "--group", "rewind"]);
    assert_eq!(
        names(&rewind),
        [
            "rewind__complete",
            "rewind__restore_queued",
            "rewind__backup_complete_full"
        ]
    );
    let plan = list(&sandbox, &["--site", &site, "--group", "plan"]);
    assert_eq!(names(&plan), ["plan__provisioned"]);
    let everything = list(&sandbox, &["--site", &site]);
    assert_eq!(everything["totalItems"], 4);
    for groups in [
        &["--group", "plan,rewind"][..],
        &["--group", "plan", "--group", "rewind"],
    ] {
        let mut args = vec!["--site", site.as_str()];
        args.extend_from_slice(groups);
        assert_eq!(
            names(&list(&sandbox, &args)),
            names(&everything),
            "{groups:?}"
        );
    }
    // Pages of two.
    let page1 = list(
        &sandbox,
        &["--site", &site, "--group", "rewind", "--number", "2"],
    );
    let page2 = list(
        &sandbox,
        &[
            "--site", &site, "--group", "rewind", "--number", "2", "--page", "2",
        ],
    );
    assert_eq!(
        (page1["itemsPerPage"].as_u64(), page1["totalPages"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(page2["page"], 2);
    assert_eq!(
        names(&page1),
        ["rewind__complete", "rewind__restore_queued"]
    );
    assert_eq!(names(&page2), ["rewind__backup_complete_full"]);
    let page3 = list(
        &sandbox,
        &[
            "--site", &site, "--group", "rewind", "--number", "2", "--page", "3",
        ],
    );
    assert!(names(&page3).is_empty());
    // Dates: from the day of the provision on; nothing after 9999; nothing
    // before 2001; a time with its zone.
    let provisioned = plan["current"]["orderedItems"][0]["published"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let day = &provisioned[..10];
    assert_eq!(
        list(&sandbox, &["--site", &site, "--after", day])["totalItems"],
        4
    );
    assert_eq!(
        list(&sandbox, &["--site", &site, "--after", "9999-01-01"])["totalItems"],
        0
    );
    assert_eq!(
        list(
            &sandbox,
            &["--site", &site, "--before", "2001-01-01T00:00:00Z"]
        )["totalItems"],
        0
    );
    let backup = &rewind["current"]["orderedItems"][2];
    let backup_at: u64 = backup["rewind_id"]
        .as_str()
        .and_then(|r| r.split('.').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let from_next_second = (backup_at + 1).to_string();
    let next_second = jetpack_partner::UtcTime::from_unix(backup_at + 1)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    let later = list(
        &sandbox,
        &[
            "--site",
            &site,
            "--group",
            "rewind",
            "--after",
            &next_second,
        ],
    );
    assert!(
        !names(&later).contains(&"rewind__backup_complete_full".to_owned()),
        "{next_second}: {later}"
    );
    let until = list(
        &sandbox,
        &[
            "--site",
            &site,
            "--before",
            &from_next_second,
            "--group",
            "plan",
        ],
    );
    assert_eq!(names(&until), ["plan__provisioned"]);
}

#[test]
fn counts_are_by_group_at_count_group() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "counted.example");
    restore_point(&sandbox, blog);
    let run = partner_cli(
        &sandbox,
        &["activity", "counts", "--site", "counted.example"],
    );
    run.assert_code(0);
    let counts = stdout_json(&run);
    assert_eq!(
        counts["groups"]["plan"],
        serde_json::json!({"name": "Plans", "count": 1})
    );
    assert_eq!(counts["groups"]["rewind"]["name"], "Backups and Restores");
    assert!(counts["groups"]["rewind"]["count"].as_u64().unwrap_or(0) >= 1);
    assert!(counts["totalItems"].as_u64().unwrap_or(0) >= 2);
    assert_eq!(
        hits(
            &sandbox,
            "GET /wpcom/v2/sites/{blog_id}/activity/count/group"
        ),
        1
    );
    // The example's spelling is no route.
    let (status, body) = raw_get(
        sandbox.base_url(),
        &format!("/wpcom/v2/sites/{blog}/activity/count/groups"),
        &token_of(&sandbox, SECRET),
    );
    assert_eq!(status, 404, "{body}");
}

#[test]
fn show_finds_an_entry_by_its_rewind_id() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "shown.example");
    let point = restore_point(&sandbox, blog);
    let run = partner_cli(
        &sandbox,
        &[
            "activity",
            "show",
            "--site",
            "shown.example",
            "--rewind-id",
            &point,
        ],
    );
    run.assert_code(0);
    let entry = stdout_json(&run);
    assert_eq!(entry["name"], "rewind__backup_complete_full");
    assert_eq!(entry["rewind_id"], point.as_str());
    assert_eq!(entry["summary"], "Backup and scan complete");
    assert_eq!(entry["generator"]["blog_id"], blog);
    let run = partner_cli(
        &sandbox,
        &[
            "activity",
            "show",
            "--site",
            "shown.example",
            "--rewind-id",
            "1000000000.1",
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "activity_not_found");
    assert_eq!(run.error()["http_status"], 404);
    let before = requests(&sandbox);
    for (args, needle) in [
        (vec!["--rewind-id", "last"], "is not a rewind ID"),
        (vec![], "--rewind-id is required"),
    ] {
        let mut line = vec!["activity", "show", "--site", "shown.example"];
        line.extend(args);
        let run = partner_cli(&sandbox, &line);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), before);
}

#[test]
fn bad_filters_are_usage_errors_and_nothing_is_sent() {
    let sandbox = rewind_sandbox();
    for (args, needle) in [
        (
            vec!["--after", "yesterday"],
            "--after: \"yesterday\" is not a time",
        ),
        (
            vec!["--before", "2020-02-30"],
            "--before: \"2020-02-30\" is not a time",
        ),
        (
            vec!["--after", "2020-11-05", "--before", "2020-11-01"],
            "is not earlier than --before",
        ),
        (vec!["--number", "0"], "from 1 to 1000"),
        (vec!["--number", "1001"], "from 1 to 1000"),
        (vec!["--page", "0"], "a page number"),
        (vec!["--group", "Plugins!"], "is not an activity group"),
    ] {
        let mut line = vec!["activity", "list", "--site", "1000"];
        line.extend(args);
        let run = partner_cli(&sandbox, &line);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn the_sandbox_refuses_what_the_api_would() {
    let sandbox = rewind_sandbox();
    let blog = provision(&sandbox, "strict.example");
    let token = token_of(&sandbox, SECRET);
    for (query, param) in [
        ("after=soon", "after"),
        ("before=2020-13-01", "before"),
        ("number=5000", "number"),
        ("page=0", "page"),
    ] {
        let (status, body) = raw_get(
            sandbox.base_url(),
            &format!("/wpcom/v2/sites/{blog}/activity?{query}"),
            &token,
        );
        assert_eq!(status, 400, "{query}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(body["code"], "rest_invalid_param", "{query}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(param)),
            "{body}"
        );
    }
    let (status, body) = raw_get(
        sandbox.base_url(),
        &format!("/wpcom/v2/sites/{blog}/activity/latest"),
        &token,
    );
    assert_eq!(status, 400, "{body}");
    // The partner's token, not another kind.
    let user = sandbox.user_token(PARTNER_ID).unwrap_or_default();
    let (status, body) = raw_get(
        sandbox.base_url(),
        &format!("/wpcom/v2/sites/{blog}/activity"),
        &user,
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("invalid_scope"));
    let (status, body) = raw_get(
        sandbox.base_url(),
        &format!("/wpcom/v2/sites/{blog}/rewind/backups"),
        "not-a-token",
    );
    assert_eq!(status, 400, "{body}");
}

#[test]
fn the_library_finds_the_latest_restore_point() {
    let sandbox = rewind_sandbox_with(|b| {
        b.backup_duration(Duration::from_millis(5))
            .backup_interval(Duration::from_millis(40))
    });
    let blog = provision(&sandbox, "latest.example");
    let session = session(&sandbox);
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    restore_point(&sandbox, blog);
    let newest = || {
        session
            .send(&ActivityList::new(id).group("rewind").number(1000))
            .unwrap_or_else(|e| panic!("{e}"))
            .items()
            .iter()
            .filter(|a| a.is_restore_point())
            .filter_map(|a| a.rewind_id.clone())
            .max()
    };
    std::thread::sleep(Duration::from_millis(200));
    let before = newest();
    let latest = latest_restore_point(&session, id)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no restore point"));
    let after = newest();
    assert_eq!(latest.name, "rewind__backup_complete_full");
    assert!(latest.is_restore_point());
    // Backups go on meanwhile: it is the newest there was when it looked.
    assert!(
        before.is_some() && before <= latest.rewind_id,
        "{before:?} {latest:?}"
    );
    assert!(latest.rewind_id <= after, "{latest:?} {after:?}");
}
