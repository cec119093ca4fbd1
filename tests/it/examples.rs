//! The examples, built by `cargo test`, run against a real sandbox.
use std::path::PathBuf;
use std::process::Command;

use crate::common::rewind;
use crate::common::*;

/// Where cargo put the examples: beside the test binary's `deps` folder.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|d| d.join("examples").join(name))
        .unwrap_or_default();
    assert!(
        dir.exists(),
        "{} is missing: `cargo test` builds the examples",
        dir.display()
    );
    dir
}

fn run(name: &str, base: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(example(name))
        .arg("--api-base")
        .arg(base)
        .args(args)
        .env_clear()
        .env("JETPACK_PARTNER_ID", PARTNER_ID)
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn provision_one_prints_where_to_send_the_user() {
    let sandbox = sandbox();
    let (code, out, err) = run(
        "provision_one",
        sandbox.base_url(),
        &["https://ex.test", "admin", "premium"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Send the owner of https://ex.test to https://"),
        "{out}"
    );
    let (code, out, _) = run(
        "provision_one",
        sandbox.base_url(),
        &["https://later.pending.test", "admin", "premium"],
    );
    assert_eq!(code, 0);
    assert!(out.contains("finishes from wp-admin"), "{out}");
    let (code, _, err) = run(
        "provision_one",
        sandbox.base_url(),
        &["https://ex.test", "admin", "personal"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("plan_downgrade_disallowed"), "{err}");
}

#[test]
fn cancel_all_lists_what_was_cancelled() {
    let sandbox = sandbox();
    run(
        "provision_one",
        sandbox.base_url(),
        &["https://all.test", "admin", "personal"],
    );
    run(
        "provision_one",
        sandbox.base_url(),
        &["https://all.test", "admin", "jetpack-scan"],
    );
    // The site never connected: both activations were still pending.
    let (code, out, err) = run("cancel_all", sandbox.base_url(), &["all.test"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("cancelled pending personal, jetpack-scan")
            || out.contains("cancelled pending jetpack-scan, personal"),
        "{out}"
    );
    let (code, out, _) = run("cancel_all", sandbox.base_url(), &["all.test"]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing to cancel"), "{out}");
}

/// Runs an example with exactly this environment.
fn run_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(example(name))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn restore_latest_runs_against_a_sandbox_of_its_own() {
    let (code, out, err) = run_with("restore_latest", &[], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("a sandbox of its own at http://127.0.0.1:"),
        "{err}"
    );
    assert!(out.contains("Latest restore point of example.com"), "{out}");
    assert!(out.contains("Restored example.com to "), "{out}");
    assert!(out.trim_end().ends_with(": finished"), "{out}");
    assert!(err.contains(": running"), "progress on stderr: {err}");
}

#[test]
fn restore_latest_restores_a_site_of_the_api_base_it_is_given() {
    let sandbox = rewind::rewind_sandbox();
    let blog = rewind::provision(&sandbox, "shop.example");
    let point = rewind::restore_point(&sandbox, blog);
    let env = [
        ("JETPACK_API_BASE", sandbox.base_url()),
        ("JETPACK_PARTNER_ID", PARTNER_ID),
        ("JETPACK_PARTNER_SECRET", SECRET),
    ];
    let (code, out, err) = run_with("restore_latest", &["shop.example"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("Restored shop.example to {point}: finished")),
        "{out}"
    );
    assert!(
        err.contains("restore ") && err.contains(": queued"),
        "{err}"
    );
    assert_eq!(
        rewind::hits(
            &sandbox,
            "POST /wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}"
        ),
        1
    );
    // A restore that fails, and a site with no restore point.
    let failing = rewind::provision(&sandbox, "a.restorefail.test");
    rewind::restore_point(&sandbox, failing);
    let (code, _, err) = run_with("restore_latest", &["a.restorefail.test"], &env);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("ended: fail") && err.contains("(fail)"),
        "{err}"
    );
    let sandbox =
        rewind::rewind_sandbox_with(|b| b.backup_duration(std::time::Duration::from_secs(600)));
    rewind::provision(&sandbox, "new.example");
    let env = [
        ("JETPACK_API_BASE", sandbox.base_url()),
        ("JETPACK_PARTNER_ID", PARTNER_ID),
        ("JETPACK_PARTNER_SECRET", SECRET),
    ];
    let (code, _, err) = run_with("restore_latest", &["new.example"], &env);
    assert_eq!(code, 1);
    assert!(err.contains("has no restore point"), "{err}");
}
