//! Jetpack Scan through the binary: `scan status` with the partner's
//! credentials; `scan start`, `threat fix` (with `--wait`) and
//! `threat ignore` with a WordPress.com user's token from the environment;
//! each refusal, each end of a fix, and what the user is told when the
//! token is missing or of the wrong kind.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jetpack_partner::sandbox::{Fault, Sandbox, SandboxBuilder};
use jetpack_partner::{
    BlogId, Client, Credentials, Provision, ScanAnswer, ScanStatus, ScannerState, Secret, Session,
    SiteRef, Threat, ThreatStatus,
};
use serde_json::Value;

use crate::common::*;

/// A sandbox for the test partner, configured further by `configure`.
fn scan_sandbox(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    configure(Sandbox::builder().partner(PARTNER_ID, SECRET))
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

fn partner_session(sandbox: &Sandbox) -> Session {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Session::new(client, Credentials::new(PARTNER_ID, Secret::new(SECRET)))
}

/// Provisions `plan` for `host` as the test partner, connected; its blog ID.
fn provision(sandbox: &Sandbox, host: &str, plan: &str) -> BlogId {
    let session = partner_session(sandbox);
    let request = Provision::new("admin", format!("https://{host}"), plan).wpcom_user_id(42);
    session.send(&request).unwrap_or_else(|e| panic!("{e}"));
    let site = SiteRef::parse(host).unwrap_or_else(|e| panic!("{e}"));
    session.blog_id(&site).unwrap_or_else(|e| panic!("{e}"))
}

/// The scan status, read with the library.
fn scan(sandbox: &Sandbox, blog: BlogId) -> ScanAnswer {
    partner_session(sandbox)
        .send(&ScanStatus::new(blog))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The first threat matching `pick`, as a `--threat` value.
fn threat(sandbox: &Sandbox, blog: BlogId, pick: impl Fn(&Threat) -> bool) -> String {
    scan(sandbox, blog)
        .threats
        .iter()
        .find(|t| pick(t))
        .map(|t| t.id.to_string())
        .unwrap_or_else(|| panic!("no such threat on {blog}"))
}

fn critical(t: &Threat) -> bool {
    t.severity.0 == 5
}

fn unfixable(t: &Threat) -> bool {
    t.fixable.is_none()
}

/// A fixable threat whose fixer updates a plugin or theme.
fn update(t: &Threat) -> bool {
    t.fixable
        .as_ref()
        .is_some_and(|f| f.fixer.as_deref() == Some("update"))
}

/// The binary with the user's token in `JETPACK_USER_TOKEN`, which it never
/// shows.
fn user_cli(sandbox: &Sandbox, args: &[&str]) -> Run {
    let token = sandbox
        .user_token(PARTNER_ID)
        .unwrap_or_else(|| panic!("no user token"));
    let mut full = vec!["--api-base", sandbox.base_url()];
    full.extend_from_slice(args);
    let run = cli(&full, &[("JETPACK_USER_TOKEN", &token)], None);
    run.assert_hidden(&token);
    run
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

/// The progress lines `--wait` wrote on stderr (not the error line).
fn progress_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("threat fix "))
        .collect()
}

/// How many requests the sandbox counted for `endpoint`, any status.
fn hits(sandbox: &Sandbox, endpoint: &str) -> u64 {
    sandbox.stats()["by_endpoint"][endpoint]
        .as_object()
        .map_or(0, |by_status| {
            by_status.values().filter_map(Value::as_u64).sum()
        })
}

const SCAN: &str = "GET /wpcom/v2/sites/{blog_id}/scan";
const ENQUEUE: &str = "POST /wpcom/v2/sites/{blog_id}/scan/enqueue";
const FIX_STATUS: &str = "GET /wpcom/v2/sites/{blog_id}/alerts/fix";
const LOOKUP: &str = "GET /rest/v1.1/sites/{site}";

#[test]
fn scan_status_lists_an_infected_sites_threats_and_a_clean_site_scans_clean() {
    let sandbox = scan_sandbox(|b| b);
    provision(&sandbox, "shop.infected.test", "jetpack-scan");
    provision(&sandbox, "clean.example", "professional");
    let run = partner_cli(
        &sandbox,
        &["scan", "status", "--site", "shop.infected.test"],
    );
    run.assert_code(0).assert_hidden(SECRET);
    let answer = json(&run);
    assert_eq!(answer["state"], "idle");
    assert_eq!(answer["most_recent"]["is_initial"], true);
    assert_eq!(answer["most_recent"]["progress"], 100);
    let threats = answer["threats"].as_array().cloned().unwrap_or_default();
    let severities: BTreeSet<u64> = threats
        .iter()
        .filter_map(|t| t["severity"].as_u64())
        .collect();
    assert_eq!(severities, BTreeSet::from([1, 2, 3, 4, 5]), "{answer}");
    assert!(threats.iter().any(|t| t["fixable"] == false), "{answer}");
    assert!(threats.iter().any(|t| t["extension"]["type"] == "plugin"));
    for field in ["signature", "title", "description", "first_detected"] {
        assert!(threats.iter().all(|t| t[field].is_string()), "{field}");
    }
    assert!(threats.iter().any(|t| t["context"]["marks"].is_object()));
    let statuses: BTreeSet<&str> = threats
        .iter()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert_eq!(statuses, BTreeSet::from(["current", "new"]));

    let clean = partner_cli(&sandbox, &["scan", "status", "--site", "clean.example"]);
    clean.assert_code(0);
    assert_eq!(json(&clean)["state"], "idle");
    assert_eq!(json(&clean)["threats"], serde_json::json!([]));
}

#[test]
fn the_scanner_is_unavailable_without_scan_and_provisioning_while_scan_is_pending() {
    let sandbox = scan_sandbox(|b| b);
    provision(&sandbox, "small.infected.test", "personal");
    provision(&sandbox, "far.pending.test", "jetpack-scan");
    for (site, state) in [
        ("small.infected.test", "unavailable"),
        ("far.pending.test", "provisioning"),
    ] {
        let run = partner_cli(&sandbox, &["scan", "status", "--site", site]);
        run.assert_code(0);
        assert_eq!(json(&run)["state"], state, "{site}");
        assert_eq!(json(&run)["threats"], serde_json::json!([]), "{site}");
        // Nothing to scan or fix.
        let start = user_cli(&sandbox, &["scan", "start", "--site", site]);
        start.assert_code(1);
        assert_eq!(start.error()["error_code"], "unsuccessful", "{start:#?}");
        assert!(
            start.error()["error_message"]
                .as_str()
                .is_some_and(|m| m.contains("no scan was queued")),
            "{start:#?}"
        );
        let several = user_cli(
            &sandbox,
            &[
                "threat", "fix", "--site", site, "--threat", "1", "--threat", "2",
            ],
        );
        several.assert_code(1);
        assert_eq!(several.error()["error_code"], "unsuccessful");
        assert!(
            several.stderr.contains("scanner is not ready"),
            "{several:#?}"
        );
        let one = user_cli(
            &sandbox,
            &["threat", "fix", "--site", site, "--threat", "1"],
        );
        one.assert_code(1);
        assert_eq!(one.error()["error_code"], "threat_not_found");
    }
}

#[test]
fn scan_start_runs_a_scan_and_most_recent_follows_it() {
    let sandbox = scan_sandbox(|b| b.scan_duration(Duration::from_secs(3)));
    let blog = provision(&sandbox, "busy.infected.test", "jetpack-scan");
    let before = scan(&sandbox, blog);
    assert!(before.threats.iter().any(|t| t.status == ThreatStatus::New));
    let run = user_cli(&sandbox, &["scan", "start", "--site", "busy.infected.test"]);
    run.assert_code(0);
    assert_eq!(run.stdout.trim(), r#"{"success":true}"#);
    let during = scan(&sandbox, blog);
    assert_eq!(during.state, ScannerState::Scanning);
    let progress = during.most_recent.as_ref().and_then(|m| m.progress);
    assert!(progress.is_some_and(|p| p < 100), "{during:?}");
    // A second start while it runs queues nothing new, and says so fine.
    user_cli(&sandbox, &["scan", "start", "--site", &blog.to_string()]).assert_code(0);
    let started = Instant::now();
    let after = loop {
        let now = scan(&sandbox, blog);
        if now.state != ScannerState::Scanning || started.elapsed() > Duration::from_secs(60) {
            break now;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(after.state, ScannerState::Idle);
    let recent = after.most_recent.unwrap_or_default();
    assert!(!recent.is_initial && !recent.error);
    assert_eq!((recent.progress, recent.duration), (Some(100), Some(3)));
    assert_ne!(
        Some(recent.timestamp),
        before.most_recent.map(|m| m.timestamp)
    );
    assert!(after
        .threats
        .iter()
        .all(|t| t.status == ThreatStatus::Current));
    assert_eq!(hits(&sandbox, ENQUEUE), 2);
}

#[test]
fn fixing_one_threat_with_wait_shows_its_states_and_ends_fixed() {
    let sandbox = scan_sandbox(|b| b.fix_duration(Duration::from_millis(1500)));
    let blog = provision(&sandbox, "one.infected.test", "jetpack-scan");
    let id = threat(&sandbox, blog, critical);
    let args = [
        "threat",
        "fix",
        "--site",
        "one.infected.test",
        "--threat",
        &id,
        "--wait",
        "--wait-interval",
        "0.05",
    ];
    let run = user_cli(&sandbox, &args);
    run.assert_code(0);
    let lines = progress_lines(&run);
    assert_eq!(
        lines.first(),
        Some(&&*format!("threat fix {id}: in_progress")),
        "{run:#?}"
    );
    assert_eq!(
        lines.last(),
        Some(&&*format!("threat fix {id}: fixed")),
        "{run:#?}"
    );
    let answer = json(&run);
    assert_eq!(answer["ok"], true);
    assert_eq!(answer["threats"][&id]["status"], "fixed");
    // The documented way to see it: the threat's own status.
    let fixed = scan(&sandbox, blog);
    let status = fixed.threats.iter().find(|t| t.id.to_string() == id);
    assert_eq!(status.map(|t| &t.status), Some(&ThreatStatus::Fixed));
    // And the site's activity log has it.
    let log = partner_session(&sandbox)
        .send(&jetpack_partner::ActivityList::new(blog).group("security"))
        .unwrap_or_else(|e| panic!("{e}"));
    let entries: Vec<&str> = log.items().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(entries, ["security__threat_fixed"], "{log:?}");
    // Fixing it again changes nothing; without --wait it prints the alerts.
    let again = user_cli(
        &sandbox,
        &[
            "threat",
            "fix",
            "--site",
            "one.infected.test",
            "--threat",
            &id,
        ],
    );
    again.assert_code(0);
    let alerts = json(&again);
    assert_eq!(alerts["state"], "active");
    assert!(alerts["alerts"]["threats"].is_array(), "{alerts}");
}

#[test]
fn several_threats_are_fixed_at_once_and_a_refused_one_ends_not_fixed() {
    let sandbox = scan_sandbox(|b| b.fix_duration(Duration::from_millis(800)));
    let blog = provision(&sandbox, "many.infected.test", "professional");
    let (first, second, manual) = (
        threat(&sandbox, blog, critical),
        threat(&sandbox, blog, update),
        threat(&sandbox, blog, unfixable),
    );
    let site = ["threat", "fix", "--site", "many.infected.test"];
    let both = [
        &site[..],
        &["--threat", &first, "--threat", &second, "--wait"],
    ]
    .concat();
    let run = user_cli(
        &sandbox,
        &[&both[..], &["--wait-interval", "0.05"]].concat(),
    );
    run.assert_code(0);
    let label = format!("threat fix {first},{second}");
    let lines = progress_lines(&run);
    assert_eq!(
        lines.first().copied(),
        Some(&*format!("{label}: 0 of 2 fixed, 2 in_progress")),
        "{run:#?}"
    );
    assert_eq!(
        lines.last().copied(),
        Some(&*format!("{label}: 2 of 2 fixed")),
        "{run:#?}"
    );
    assert_eq!(json(&run)["threats"][&second]["status"], "fixed");

    // Without --wait: the answer, and the one without a fixer refused.
    let other = threat(&sandbox, blog, |t| t.severity.0 == 1);
    let args = [&site[..], &["--threat", &other, "--threat", &manual]].concat();
    let run = user_cli(&sandbox, &args);
    run.assert_code(1);
    assert_eq!(json(&run)["threats"][&other]["status"], "in_progress");
    let error = run.error();
    assert_eq!(error["error_code"], "not_fixed");
    assert_eq!(error["id"], manual.as_str());
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot be fixed automatically")),
        "{error}"
    );

    // With --wait, the other is followed to its end, and the exit says
    // which one was not fixed.
    let args = [
        &site[..],
        &["--threat", &other, "--threat", &manual, "--wait"],
    ]
    .concat();
    let run = user_cli(
        &sandbox,
        &[&args[..], &["--wait-interval", "0.05"]].concat(),
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "not_fixed");
    assert_eq!(run.error()["id"], manual.as_str());
    let lines = progress_lines(&run);
    assert!(
        lines
            .last()
            .is_some_and(|l| l.ends_with(": 1 of 2 fixed, 1 not_fixed")),
        "{run:#?}"
    );
    assert_eq!(json(&run)["threats"][&other]["status"], "fixed");
}

#[test]
fn a_fix_that_fails_exits_1_with_its_state() {
    let sandbox = scan_sandbox(|b| b.fix_duration(Duration::from_millis(300)));
    let blog = provision(&sandbox, "stuck.fixfails.infected.test", "jetpack-scan");
    let id = threat(&sandbox, blog, critical);
    let run = user_cli(
        &sandbox,
        &[
            "threat",
            "fix",
            "--site",
            "stuck.fixfails.infected.test",
            "--threat",
            &id,
            "--wait",
            "--wait-interval",
            "0.05",
            "--quiet",
        ],
    );
    run.assert_code(1);
    assert!(progress_lines(&run).is_empty(), "--quiet: {run:#?}");
    let error = run.error();
    assert_eq!(error["error_code"], "not_fixed");
    assert_eq!(error["id"], id.as_str());
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.starts_with(&format!("the threat fix {id} ended: not_fixed"))),
        "{error}"
    );
    assert_eq!(json(&run)["threats"][&id]["status"], "not_fixed");
    let after = scan(&sandbox, blog);
    let status = after.threats.iter().find(|t| t.id.to_string() == id);
    assert_eq!(status.map(|t| &t.status), Some(&ThreatStatus::Current));
}

#[test]
fn a_wait_that_runs_out_is_still_running_with_the_ids() {
    let sandbox = scan_sandbox(|b| b.fix_duration(Duration::from_secs(600)));
    let blog = provision(&sandbox, "slow.infected.test", "jetpack-scan");
    let (first, second) = (
        threat(&sandbox, blog, critical),
        threat(&sandbox, blog, update),
    );
    let run = user_cli(
        &sandbox,
        &[
            "threat",
            "fix",
            "--site",
            "slow.infected.test",
            "--threat",
            &first,
            "--threat",
            &second,
            "--wait",
            "--wait-timeout",
            "0.3",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["error_code"], "still_running");
    assert_eq!(error["id"], format!("{first},{second}"));
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("0 of 2 fixed, 2 in_progress") && m.contains("goes on")),
        "{error}"
    );
    assert_eq!(json(&run)["threats"][&first]["status"], "in_progress");
    assert!(hits(&sandbox, FIX_STATUS) >= 1);
}

#[test]
fn ignoring_a_threat_marks_it_ignored_and_each_refusal_has_its_code() {
    let sandbox = scan_sandbox(|b| b.fix_duration(Duration::from_millis(100)));
    let blog = provision(&sandbox, "calm.infected.test", "jetpack-scan");
    let site = "calm.infected.test";
    let manual = threat(&sandbox, blog, unfixable);
    let run = user_cli(
        &sandbox,
        &["threat", "ignore", "--site", site, "--threat", &manual],
    );
    run.assert_code(0);
    let answer = json(&run);
    let listed = answer["alerts"]["threats"].as_array().and_then(|all| {
        all.iter()
            .find(|t| t["id"] == manual.parse::<u64>().unwrap_or(0))
            .cloned()
    });
    assert_eq!(listed.map(|t| t["status"].clone()), Some("ignored".into()));
    let after = scan(&sandbox, blog);
    assert!(after
        .threats
        .iter()
        .any(|t| t.id.to_string() == manual && t.status == ThreatStatus::Ignored));

    let fix = user_cli(
        &sandbox,
        &["threat", "fix", "--site", site, "--threat", &manual],
    );
    fix.assert_code(1);
    assert_eq!(fix.error()["error_code"], "threat_not_fixable");
    assert_eq!(fix.error()["http_status"], 400);

    let missing = user_cli(
        &sandbox,
        &["threat", "ignore", "--site", site, "--threat", "77"],
    );
    missing.assert_code(1);
    assert_eq!(missing.error()["error_code"], "threat_not_found");
    assert_eq!(missing.error()["http_status"], 404);

    let id = threat(&sandbox, blog, critical);
    let fix = [
        "threat",
        "fix",
        "--site",
        site,
        "--threat",
        &id,
        "--wait",
        "--wait-interval",
        "0.05",
    ];
    user_cli(&sandbox, &fix).assert_code(0);
    let ignore_fixed = user_cli(
        &sandbox,
        &["threat", "ignore", "--site", site, "--threat", &id],
    );
    ignore_fixed.assert_code(1);
    assert_eq!(ignore_fixed.error()["error_code"], "threat_fixed");
}

#[test]
fn sites_the_partner_does_not_hold_are_refused() {
    let sandbox = scan_sandbox(|b| b.partner("5678", "other-partner-secret"));
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let other = Session::new(
        client,
        Credentials::new("5678", Secret::new("other-partner-secret")),
    );
    other
        .send(&Provision::new(
            "admin",
            "https://theirs.infected.test",
            "jetpack-scan",
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let theirs = partner_cli(
        &sandbox,
        &["scan", "status", "--site", "theirs.infected.test"],
    );
    theirs.assert_code(1);
    assert_eq!(theirs.error()["error_code"], "unauthorized");
    assert_eq!(theirs.error()["http_status"], 403);
    let fix = user_cli(
        &sandbox,
        &[
            "threat",
            "fix",
            "--site",
            "theirs.infected.test",
            "--threat",
            "1",
        ],
    );
    fix.assert_code(1);
    assert_eq!(fix.error()["error_code"], "unauthorized");

    let unknown = partner_cli(&sandbox, &["scan", "status", "--site", "999999"]);
    unknown.assert_code(1);
    assert_eq!(unknown.error()["error_code"], "unknown_blog");
    assert_eq!(unknown.error()["http_status"], 404);

    // A domain WordPress.com does not know has no blog ID to ask about.
    let nowhere = user_cli(&sandbox, &["scan", "start", "--site", "nowhere.example"]);
    nowhere.assert_code(2);
    assert!(
        nowhere.stderr.contains("does not know the site"),
        "{nowhere:#?}"
    );
    assert_eq!(hits(&sandbox, ENQUEUE), 0);
}

#[test]
fn without_a_users_token_the_user_commands_exit_2_naming_login() {
    let sandbox = scan_sandbox(|b| b);
    provision(&sandbox, "alone.infected.test", "jetpack-scan");
    let before = requests(&sandbox);
    for args in [
        &["scan", "start", "--site", "alone.infected.test"][..],
        &[
            "threat",
            "fix",
            "--site",
            "alone.infected.test",
            "--threat",
            "1",
        ],
        &[
            "threat",
            "ignore",
            "--site",
            "alone.infected.test",
            "--threat",
            "1",
        ],
    ] {
        // The partner's credentials are there: they are not what is needed.
        let run = partner_cli(&sandbox, args);
        run.assert_code(2);
        assert!(
            run.stderr.contains("jetpack-partner login"),
            "{args:?}: {run:#?}"
        );
        assert!(run.stderr.contains("JETPACK_USER_TOKEN"), "{run:#?}");
    }
    assert_eq!(requests(&sandbox), before, "nothing was sent");
}

#[test]
fn the_partners_token_given_as_the_users_is_named_for_what_it_is() {
    let sandbox = scan_sandbox(|b| b);
    provision(&sandbox, "mixed.infected.test", "jetpack-scan");
    let partner_token = token_of(&sandbox, SECRET);
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "scan",
            "start",
            "--site",
            "mixed.infected.test",
        ],
        &[("JETPACK_USER_TOKEN", &partner_token)],
        None,
    );
    run.assert_code(2).assert_hidden(&partner_token);
    for needle in [
        "$JETPACK_USER_TOKEN",
        "invalid_scope",
        "is it the partner's token?",
        "scope global",
        "jetpack-partner login",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {run:#?}");
    }
    // A token the API does not know at all: expired or revoked.
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "threat",
            "ignore",
            "--site",
            "mixed.infected.test",
            "--threat",
            "1",
        ],
        &[("JETPACK_USER_TOKEN", "no-such-user-token")],
        None,
    );
    run.assert_code(2).assert_hidden("no-such-user-token");
    assert!(
        run.stderr.contains("was refused (expired or revoked?)"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("jetpack-partner login"), "{run:#?}");
}

#[test]
fn a_domain_is_looked_up_once_however_many_requests_follow() {
    let sandbox = scan_sandbox(|b| b.fix_duration(Duration::from_millis(500)));
    let blog = provision(&sandbox, "traced.infected.test", "jetpack-scan");
    let id = threat(&sandbox, blog, critical);
    let lookups = hits(&sandbox, LOOKUP);
    let run = user_cli(
        &sandbox,
        &[
            "-v",
            "threat",
            "fix",
            "--site",
            "traced.infected.test",
            "--threat",
            &id,
            "--wait",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(0);
    let note = format!("! site traced.infected.test is blog {blog} (the public site lookup)");
    assert_eq!(run.stderr.matches(&note).count(), 1, "{run:#?}");
    assert_eq!(hits(&sandbox, LOOKUP), lookups + 1);
    assert!(hits(&sandbox, FIX_STATUS) >= 2, "{}", sandbox.stats());
    assert!(
        run.stderr.contains("> Authorization: Bearer ***"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains(&format!(
            "> POST {}/wpcom/v2/sites/{blog}/alerts/{id}?fix=true",
            sandbox.base_url()
        )),
        "{run:#?}"
    );
}

#[test]
fn a_read_is_retried_and_a_scan_start_is_not() {
    // Every request after the first four (a token, then provision's
    // token, provision and lookup) is a 502: it may have reached the
    // service.
    let sandbox = scan_sandbox(|b| b.fault(Fault::BadGatewayHtml, 1.0).fault_after(4));
    let token = token_of(&sandbox, SECRET);
    let blog = provision(&sandbox, "flaky.infected.test", "jetpack-scan").to_string();
    let status = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--access-token",
            &token,
            "--retries",
            "2",
            "scan",
            "status",
            "--site",
            &blog,
        ],
        &[],
        None,
    );
    status.assert_code(3);
    assert_eq!(status.error()["error_code"], "service_unavailable");
    assert_eq!(hits(&sandbox, SCAN), 3, "a read is tried 3 times");
    let start = user_cli(
        &sandbox,
        &["--retries", "2", "scan", "start", "--site", &blog],
    );
    start.assert_code(3);
    assert_eq!(hits(&sandbox, ENQUEUE), 1, "a scan start is sent once");
}

#[test]
fn usage_problems_are_found_before_anything_is_sent() {
    let sandbox = scan_sandbox(|b| b);
    let cases: &[(&[&str], &str)] = &[
        (&["scan", "status"], "--site is required"),
        (&["scan", "start"], "--site is required"),
        (
            &["threat", "fix", "--site", "x.test"],
            "--threat is required",
        ),
        (
            &["threat", "fix", "--site", "x.test", "--threat", "abc"],
            "--threat \"abc\" is not a threat ID",
        ),
        (
            &[
                "threat", "fix", "--site", "x.test", "--threat", "5", "--threat", "5",
            ],
            "--threat 5 is given twice",
        ),
        (
            &[
                "threat",
                "fix",
                "--site",
                "x.test",
                "--threat",
                "5",
                "--wait-timeout",
                "9",
            ],
            "--wait-timeout goes with --wait",
        ),
        (
            &[
                "threat", "ignore", "--site", "x.test", "--threat", "5", "--threat", "6",
            ],
            "--threat is given more than once",
        ),
        (
            &["threat", "ignore", "--site", "x.test"],
            "--threat is required",
        ),
        (&["scan"], "scan needs a subcommand"),
        (&["threat", "fixx"], "did you mean 'threat fix'?"),
    ];
    for (args, needle) in cases {
        let run = user_cli(&sandbox, args);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{args:?}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), 0);
}
