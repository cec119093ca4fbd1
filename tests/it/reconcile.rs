//! `reconcile` against a real sandbox: a mixed fleet planned, applied and
//! planned again (convergence), the guard, `--prune`, duplicates, saved and
//! stale plans, and kill -9 in the middle of an apply.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use jetpack_partner::sandbox::Sandbox;
use serde_json::Value;

const OTHER_ID: &str = "99";
const OTHER_SECRET: &str = "other-partner-secret";

fn fleet_sandbox() -> Sandbox {
    Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .partner(OTHER_ID, OTHER_SECRET)
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// Provisions `plan` on `host` for a partner, with a WordPress.com user so
/// that the site connects (unless it is unreachable).
fn give(sandbox: &Sandbox, partner: &str, secret: &str, host: &str, plan: &str) {
    let session = crate::common::rewind::session_as(sandbox, partner, secret);
    let request =
        jetpack_partner::Provision::new("admin", format!("https://{host}"), plan).wpcom_user_id(42);
    session
        .send(&request)
        .unwrap_or_else(|e| panic!("{host} {plan}: {e}"));
}

fn ours(sandbox: &Sandbox, host: &str, plan: &str) {
    give(sandbox, PARTNER_ID, SECRET, host, plan);
}

fn file(name: &str, content: &str) -> String {
    temp_file(name, content.as_bytes())
        .to_string_lossy()
        .into_owned()
}

fn out_path(name: &str) -> PathBuf {
    temp_file("unused", b"").with_file_name(format!(
        "{name}-{}-{:?}",
        std::process::id(),
        Instant::now()
    ))
}

fn reconcile(sandbox: &Sandbox, args: &[&str]) -> Run {
    partner_cli(sandbox, &[&["reconcile"][..], args].concat())
}

/// The plan rows on stdout, by site.
fn rows(run: &Run) -> HashMap<String, Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|r| (r["site"].as_str().unwrap_or_default().to_owned(), r))
        .collect()
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|r| r.get("journal").is_none())
        .collect()
}

/// This partner's products on a site, as its status shows them.
fn products_of(sandbox: &Sandbox, site: &str) -> Vec<String> {
    let run = partner_cli(sandbox, &["status", "--site", site]);
    if run.code != 0 {
        return Vec::new();
    }
    let status: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    status["products"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["is_provisioned_by_calling_partner"] == true)
                .filter_map(|p| p["slug"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn cancel_requests(sandbox: &Sandbox) -> u64 {
    let stats = sandbox.stats();
    stats["by_endpoint"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| k.contains("cancel"))
                .flat_map(|(_, v)| v.as_object().into_iter().flatten())
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0)
}

const MIXED: &str = "site,plan,local_user\n\
    https://new.test,personal jetpack-scan,admin\n\
    https://up.test,premium,admin\n\
    https://down.test,personal,admin\n\
    https://gone.test,none,\n\
    https://right.test,personal,admin\n\
    https://wait.pending.test,premium,admin\n\
    https://theirs.test,premium,admin\n\
    12345,personal,admin\n";

fn mixed_fleet(sandbox: &Sandbox) {
    ours(sandbox, "up.test", "personal");
    ours(sandbox, "down.test", "professional");
    ours(sandbox, "gone.test", "premium");
    ours(sandbox, "right.test", "personal");
    ours(sandbox, "wait.pending.test", "personal");
    give(sandbox, OTHER_ID, OTHER_SECRET, "theirs.test", "personal");
}

#[test]
fn a_mixed_fleet_is_planned_applied_and_converges() {
    let sandbox = fleet_sandbox();
    mixed_fleet(&sandbox);
    let desired = file("mixed.csv", MIXED);

    // The plan without options: every kind of row, nothing sent.
    let before = sandbox.stats()["provisions"].clone();
    let run = reconcile(&sandbox, &["--desired", &desired]);
    run.assert_code(0);
    let plan = rows(&run);
    let action = |site: &str| plan[site]["action"].as_str().unwrap_or_default().to_owned();
    let reason = |site: &str| plan[site]["reason"].as_str().unwrap_or_default().to_owned();
    assert_eq!(action("new.test"), "provision", "{plan:?}");
    assert_eq!(
        plan["new.test"]["provision"],
        serde_json::json!(["personal", "jetpack-scan"])
    );
    assert_eq!(action("up.test"), "provision");
    assert!(
        reason("up.test").contains("upgrade personal to premium"),
        "{}",
        reason("up.test")
    );
    assert_eq!(action("down.test"), "blocked");
    assert!(
        reason("down.test").contains("downgrade"),
        "{}",
        reason("down.test")
    );
    assert_eq!(action("gone.test"), "blocked");
    assert!(reason("gone.test").contains("--allow-cancel"));
    assert_eq!(action("right.test"), "none");
    assert_eq!(action("wait.pending.test"), "pending");
    assert_eq!(action("theirs.test"), "blocked");
    assert!(
        reason("theirs.test").contains("another partner"),
        "{}",
        reason("theirs.test")
    );
    assert_eq!(action("12345"), "blocked");
    assert!(
        reason("12345").contains("unknown site"),
        "{}",
        reason("12345")
    );
    assert_eq!(plan["new.test"]["line"], 2);
    assert!(
        run.stderr.contains(
            "reconcile: 8 sites: 2 provision, 0 cancel, 0 replace, 1 none, 1 pending, 4 blocked, 0 error; 2 site(s) to change"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        sandbox.stats()["provisions"],
        before,
        "a plan sends no change"
    );
    reconcile(&sandbox, &["--desired", &desired, "--detailed-exitcode"]).assert_code(6);

    // With the options, then the apply.
    let allow = ["--allow-cancel", "--allow-downgrade"];
    let run = reconcile(&sandbox, &[&["--desired", &desired][..], &allow].concat());
    let plan = rows(&run);
    assert_eq!(plan["down.test"]["action"], "replace");
    assert_eq!(
        plan["down.test"]["cancel"],
        serde_json::json!(["professional"])
    );
    assert_eq!(plan["gone.test"]["action"], "cancel");
    let journal = out_path("mixed-journal.jsonl");
    let journal_s = journal.to_string_lossy().into_owned();
    let run = reconcile(
        &sandbox,
        &[
            &["--desired", &desired, "--apply", "--output", &journal_s][..],
            &allow,
        ]
        .concat(),
    );
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("reconcile apply: 4 sites to act on: 4 ok, 0 refused, 0 failed, 0 changed"),
        "{}",
        run.stderr
    );
    let finals: Vec<Value> = records(&journal)
        .into_iter()
        .filter(|r| r["outcome"] != "started")
        .collect();
    assert_eq!(finals.len(), 4, "{finals:?}");
    assert_eq!(products_of(&sandbox, "down.test"), ["personal"]);
    assert_eq!(products_of(&sandbox, "up.test"), ["premium"]);
    assert!(products_of(&sandbox, "gone.test").is_empty());
    let mut new = products_of(&sandbox, "new.test");
    new.sort();
    assert_eq!(new, ["jetpack-scan", "personal"]);

    // Convergence: the same plan again has no changes.
    let again = reconcile(
        &sandbox,
        &[&["--desired", &desired, "--detailed-exitcode"][..], &allow].concat(),
    );
    again.assert_code(0);
    assert!(again.stderr.contains("; no changes;"), "{}", again.stderr);
    let plan = rows(&again);
    for site in ["up.test", "down.test", "gone.test", "right.test"] {
        assert_eq!(plan[site]["action"], "none", "{site}: {:?}", plan[site]);
    }
    // The new site waits for its owner to connect it (no WordPress.com
    // user was named): nothing to do until then, and then nothing at all.
    assert_eq!(plan["new.test"]["action"], "pending");
    connect_site(sandbox.base_url(), "new.test");
    let connected = reconcile(&sandbox, &["--desired", &desired, "--detailed-exitcode"]);
    connected.assert_code(0);
    assert_eq!(rows(&connected)["new.test"]["action"], "none");
    assert_eq!(plan["wait.pending.test"]["action"], "pending");
    assert_eq!(plan["theirs.test"]["action"], "blocked");
}

#[test]
fn the_guard_refuses_too_many_cancels_with_the_count_and_sends_nothing() {
    let sandbox = fleet_sandbox();
    let mut desired = String::from("site,plan\n");
    for i in 0..4 {
        ours(&sandbox, &format!("g{i}.test"), "premium");
        desired.push_str(&format!("g{i}.test,none\n"));
    }
    desired.push_str("keep.test,\n");
    let desired = file("guard.csv", &desired);
    for max in ["3", "50%"] {
        let journal = out_path("guard-journal.jsonl");
        let run = reconcile(
            &sandbox,
            &[
                "--desired",
                &desired,
                "--allow-cancel",
                "--max-cancel",
                max,
                "--apply",
                "--output",
                &journal.to_string_lossy(),
            ],
        );
        run.assert_code(2);
        assert!(
            run.stderr.contains("the plan cancels on 4 of 5 sites"),
            "{max}: {}",
            run.stderr
        );
        assert_eq!(cancel_requests(&sandbox), 0, "nothing was cancelled");
        assert!(records(&journal).is_empty());
    }
    // The plan alone says an apply would be refused, and exits as usual.
    let run = reconcile(
        &sandbox,
        &["--desired", &desired, "--allow-cancel", "--max-cancel", "3"],
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains("an apply would be refused"),
        "{}",
        run.stderr
    );
    // Within the limit, the apply goes through.
    let journal = out_path("guard-ok.jsonl");
    reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--allow-cancel",
            "--max-cancel",
            "80%",
            "--apply",
            "--output",
            &journal.to_string_lossy(),
        ],
    )
    .assert_code(0);
    assert_eq!(cancel_requests(&sandbox), 4);
}

#[test]
fn prune_cancels_the_known_sites_of_ours_the_desired_state_does_not_name() {
    let sandbox = fleet_sandbox();
    for host in ["a.test", "b.test", "c.test"] {
        ours(&sandbox, host, "personal");
    }
    give(&sandbox, OTHER_ID, OTHER_SECRET, "theirs.test", "personal");
    let desired = file("prune.csv", "site,plan\na.test,personal\n");
    let known = file(
        "known.csv",
        "siteurl,plan\nhttps://a.test,personal\nhttps://b.test,personal\nc.test,x\ntheirs.test,\nnever.test,\nb.test,\n",
    );
    reconcile(&sandbox, &["--desired", &desired, "--prune"]).assert_code(2);
    reconcile(&sandbox, &["--desired", &desired, "--known", &known]).assert_code(2);
    let run = reconcile(
        &sandbox,
        &["--desired", &desired, "--prune", "--known", &known],
    );
    run.assert_code(0);
    let plan = rows(&run);
    assert_eq!(plan.len(), 5, "{plan:?}");
    assert_eq!(plan["a.test"]["action"], "none");
    assert_eq!(plan["b.test"]["action"], "cancel");
    assert_eq!(
        plan["b.test"]["line"], 3,
        "numbered past the desired state's lines"
    );
    assert_eq!(plan["c.test"]["action"], "cancel");
    assert_eq!(plan["theirs.test"]["action"], "none");
    assert_eq!(plan["never.test"]["action"], "none");
    let journal = out_path("prune.jsonl");
    reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--prune",
            "--known",
            &known,
            "--apply",
            "--output",
            &journal.to_string_lossy(),
        ],
    )
    .assert_code(0);
    assert!(products_of(&sandbox, "b.test").is_empty());
    assert!(products_of(&sandbox, "c.test").is_empty());
    assert_eq!(products_of(&sandbox, "a.test"), ["personal"]);
    // Without --prune the same sites are left alone.
    ours(&sandbox, "b.test", "personal");
    let run = reconcile(&sandbox, &["--desired", &desired, "--detailed-exitcode"]);
    run.assert_code(0);
    assert_eq!(rows(&run).len(), 1);
}

#[test]
fn a_site_given_twice_is_refused_with_both_lines_before_anything_is_sent() {
    let sandbox = fleet_sandbox();
    let desired = file(
        "dup.csv",
        "site,plan\na.test,free\nb.test,free\nhttps://A.test/,personal\n",
    );
    let run = reconcile(&sandbox, &["--desired", &desired]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("line 4: site a.test is also on line 2"),
        "{}",
        run.stderr
    );
    assert_eq!(requests(&sandbox), 0);
    let empty = file("empty.csv", "site,plan\n");
    reconcile(&sandbox, &["--desired", &empty]).assert_code(2);
    // Usage problems together.
    let run = reconcile(
        &sandbox,
        &[
            "--apply",
            "--detailed-exitcode",
            "--resume",
            "--output",
            "x",
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("--desired is required"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--detailed-exitcode is for the plan"),
        "{}",
        run.stderr
    );
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn a_saved_plan_is_applied_as_it_is_and_a_stale_site_is_recorded_changed() {
    let sandbox = fleet_sandbox();
    ours(&sandbox, "s1.test", "personal");
    ours(&sandbox, "s2.test", "personal");
    let desired = file(
        "saved.csv",
        "site,plan,local_user\nhttps://s1.test,premium,admin\nhttps://s2.test,premium,admin\n",
    );
    let plan = out_path("plan.jsonl");
    let plan_s = plan.to_string_lossy().into_owned();
    reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--save-plan",
            &plan_s,
            "--detailed-exitcode",
        ],
    )
    .assert_code(6);
    let saved = std::fs::read_to_string(&plan).unwrap_or_default();
    assert!(
        saved.starts_with("{\"plan\":\"jetpack-partner reconcile\""),
        "{saved}"
    );
    assert_eq!(saved.lines().count(), 3);
    // s2 changes behind the plan's back.
    ours(&sandbox, "s2.test", "professional");
    let journal = out_path("saved-journal.jsonl");
    let run = reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--apply",
            "--plan-file",
            &plan_s,
            "--output",
            &journal.to_string_lossy(),
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "batch_incomplete");
    let finals: HashMap<String, Value> = records(&journal)
        .into_iter()
        .filter(|r| r["outcome"] != "started")
        .map(|r| (r["site"].as_str().unwrap_or_default().to_owned(), r))
        .collect();
    assert_eq!(finals["s1.test"]["outcome"], "ok");
    assert_eq!(finals["s2.test"]["outcome"], "changed");
    assert!(
        finals["s2.test"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("planned provision (provision premium), now blocked")),
        "{:?}",
        finals["s2.test"]
    );
    assert_eq!(
        products_of(&sandbox, "s2.test"),
        ["professional"],
        "not acted on"
    );
    // A plan of another desired state is refused.
    let other = file(
        "other.csv",
        "site,plan,local_user\nhttps://s1.test,professional,admin\n",
    );
    let run = reconcile(
        &sandbox,
        &[
            "--desired",
            &other,
            "--apply",
            "--plan-file",
            &plan_s,
            "--output",
            &out_path("other-journal.jsonl").to_string_lossy(),
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("another desired state"),
        "{}",
        run.stderr
    );
    // A batch journal is not resumed as a reconcile, nor the other way.
    let batch_journal = out_path("batch-journal.jsonl");
    let input = file(
        "batch.jsonl",
        "{\"local_user\":\"admin\",\"siteurl\":\"https://b1.test\",\"plan\":\"free\"}\n",
    );
    partner_cli(
        &sandbox,
        &[
            "batch",
            "provision",
            "--input",
            &input,
            "--output",
            &batch_journal.to_string_lossy(),
        ],
    )
    .assert_code(0);
    let run = reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--apply",
            "--resume",
            "--output",
            &batch_journal.to_string_lossy(),
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("journal of a batch provision"),
        "{}",
        run.stderr
    );
    let run = partner_cli(
        &sandbox,
        &[
            "batch",
            "provision",
            "--input",
            &input,
            "--resume",
            "--output",
            &journal.to_string_lossy(),
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("journal of a batch reconcile"),
        "{}",
        run.stderr
    );
}

#[test]
fn kill_nine_in_the_middle_of_an_apply_then_resume_provisions_no_site_twice() {
    let sandbox = fleet_sandbox();
    let n = 60;
    let mut desired = String::from("site,plan,local_user,wpcom_user_id\n");
    for i in 0..n {
        desired.push_str(&format!("https://k{i}.test,personal,admin,42\n"));
    }
    // Upgrades and cancels too.
    for i in 0..6 {
        ours(&sandbox, &format!("u{i}.test"), "personal");
        desired.push_str(&format!("https://u{i}.test,premium,admin,\n"));
        ours(&sandbox, &format!("c{i}.test"), "personal");
        desired.push_str(&format!("https://c{i}.test,none,,\n"));
    }
    let desired = file("kill.csv", &desired);
    let before = sandbox.stats()["provisions"].clone();
    let journal = out_path("kill-journal.jsonl");
    let journal_s = journal.to_string_lossy().into_owned();
    let mut kills = 0;
    for delay_ms in [150u64, 300, 220, 400, 30_000] {
        let mut args = vec![
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            // Each site's budget: a resume waits this long at most for a
            // killed run's request that could still be on its way.
            "--timeout",
            "2",
            "reconcile",
            "--desired",
            &desired,
            "--allow-cancel",
            "--apply",
            "--output",
            &journal_s,
            "--concurrency",
            "4",
            "--rate",
            "60/s",
            "--quiet",
        ];
        if journal.exists() {
            args.push("--resume");
        }
        match run_or_kill(&args, Duration::from_millis(delay_ms)) {
            Some(status) => {
                assert!(status.success(), "the last run ended {status:?}");
                break;
            }
            None => kills += 1,
        }
    }
    assert!(kills >= 2, "the apply was killed mid-way at least twice");
    // Every site acted on has one final record, ok.
    let mut finals: HashMap<u64, Value> = HashMap::new();
    for r in records(&journal)
        .into_iter()
        .filter(|r| r["outcome"] != "started")
    {
        let line = r["line"].as_u64().unwrap_or(0);
        assert!(
            finals.insert(line, r.clone()).is_none(),
            "line {line} has two final records"
        );
    }
    assert_eq!(finals.len(), n + 12);
    assert!(finals.values().all(|r| r["outcome"] == "ok"), "{finals:?}");
    // No site provisioned twice: one provision per new site, and one more
    // per upgraded site than before the apply.
    let provisions = sandbox.stats()["provisions"].clone();
    for i in 0..n {
        let site = format!("k{i}.test");
        assert_eq!(provisions[&site], 1, "{site}: {provisions}");
    }
    for i in 0..6 {
        let site = format!("u{i}.test");
        let had = before[&site].as_u64().unwrap_or(0);
        assert_eq!(
            provisions[&site].as_u64(),
            Some(had + 1),
            "{site}: {provisions}"
        );
        assert!(products_of(&sandbox, &format!("c{i}.test")).is_empty());
    }
    // And the fleet has converged.
    let again = reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--allow-cancel",
            "--detailed-exitcode",
        ],
    );
    again.assert_code(0);
    assert!(again.stderr.contains("; no changes;"), "{}", again.stderr);
}

/// Two applies on one journal: the second is refused before it sends
/// anything, and says which kind of run holds the file.
#[test]
fn a_second_apply_on_a_held_journal_is_refused_and_sends_nothing() {
    let sandbox = fleet_sandbox();
    let desired = file(
        "held.csv",
        "site,plan,local_user\nhttps://held.test,personal,admin\n",
    );
    let journal = out_path("held-journal.jsonl");
    let held = std::fs::File::create(&journal).unwrap_or_else(|e| panic!("{e}"));
    held.try_lock().unwrap_or_else(|e| panic!("{e}"));
    let before = requests(&sandbox);
    let run = reconcile(
        &sandbox,
        &[
            "--desired",
            &desired,
            "--apply",
            "--output",
            &journal.to_string_lossy(),
        ],
    );
    run.assert_code(5);
    assert!(
        run.stderr.contains("in use by another reconcile --apply"),
        "{run:#?}"
    );
    assert_eq!(requests(&sandbox), before, "{run:#?}");
    drop(held);
}
