//! The WP-CLI hand-off, with a fake `wp` that records its arguments and
//! answers as a script tells it.
#![cfg(feature = "sandbox")]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A fake `wp` in a fresh directory: it appends its arguments (and whether
/// it can see a partner secret) to `wp.log` beside it, and answers from the
/// environment: `FAKE_SITEURL` (empty: fail like WP-CLI outside WordPress)
/// and `FAKE_AUTHORIZE` (`fail`: print a WP-CLI error).
fn fake_wp() -> (PathBuf, PathBuf) {
    let script = r#"#!/bin/sh
log="$(dirname "$0")/wp.log"
echo "$*" >> "$log"
if [ -n "$JETPACK_PARTNER_SECRET" ]; then echo "SECRET-VISIBLE" >> "$log"; fi
case "$*" in
  *"plugin activate jetpack"*) echo "Success: Plugin 'jetpack' activated." ;;
  *"option get siteurl"*)
    if [ -z "$FAKE_SITEURL" ]; then
      echo "Error: This does not seem to be a WordPress installation." >&2; exit 1
    fi
    echo "$FAKE_SITEURL" ;;
  *"jetpack authorize_user"*)
    if [ "$FAKE_AUTHORIZE" = "fail" ]; then echo "Error: Invalid token."; exit 1; fi
    echo "Success: Authorized." ;;
esac
"#;
    // Written by a child process, never opened for writing here: another
    // test thread that forks meanwhile would inherit the descriptor, and
    // running the script would then fail with "Text file busy".
    let wp = temp_file("unused", b"").with_file_name("wp");
    let mut writer = std::process::Command::new("sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(&wp)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = writer.stdin.take() {
        std::io::Write::write_all(&mut stdin, script.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        writer.wait().is_ok_and(|s| s.success()),
        "cannot write {wp:?}"
    );
    let log = wp.with_file_name("wp.log");
    (wp, log)
}

fn calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

const PATH: &str = "/usr/bin:/bin";

fn provision_with_wp(
    sandbox: &jetpack_partner::sandbox::Sandbox,
    wp: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let wp = wp.to_string_lossy();
    let mut args = vec![
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "provision",
        "--local-user",
        "admin",
        "--plan",
        "personal",
        "--wp-cli-path",
        &wp,
    ];
    args.extend_from_slice(extra);
    let mut full_env = vec![("JETPACK_PARTNER_SECRET", SECRET), ("PATH", PATH)];
    full_env.extend_from_slice(env);
    cli(&args, &full_env, None)
}

#[test]
fn wp_cli_activates_reads_the_site_url_and_authorizes_in_order() {
    let sandbox = sandbox();
    let (wp, log) = fake_wp();
    let run = provision_with_wp(
        &sandbox,
        &wp,
        &["--wpcom-user-id", "42"],
        &[("FAKE_SITEURL", "https://wp.example.test")],
    );
    run.assert_code(0).assert_hidden(SECRET);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
    let token = answer["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(token.len(), 64, "{answer}");
    assert_eq!(
        calls(&log),
        [
            "--user=admin plugin activate jetpack".to_owned(),
            "--user=admin option get siteurl".to_owned(),
            format!("--user=admin jetpack authorize_user --token={token}"),
        ]
    );
    let fields = last_fields(&sandbox, "POST /rest/v1.3/jpphp/provision").to_string();
    assert!(
        fields.contains(r#"["siteurl","https://wp.example.test"]"#),
        "{fields}"
    );
}

#[test]
fn url_and_allow_root_pass_through_and_skip_the_lookup() {
    let sandbox = sandbox();
    let (wp, log) = fake_wp();
    let dir = wp.parent().map(Path::to_path_buf).unwrap_or_default();
    let path = format!("{}:{PATH}", dir.display());
    let run = cli(
        &[
            "provision",
            "--partner_id=1234",
            "--user=admin",
            "--plan=personal",
            "--url=https://multi.test/sub",
            "--allow-root",
            "--wp-cli",
            "--wpcom_user_id=7",
        ],
        &[
            ("JETPACK_START_API_HOST", sandbox.base_url()),
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("PATH", &path),
        ],
        None,
    );
    run.assert_code(0);
    let calls = calls(&log);
    assert_eq!(
        calls[0],
        "--allow-root --url=https://multi.test/sub --user=admin plugin activate jetpack"
    );
    assert!(calls[1].starts_with(
        "--allow-root --url=https://multi.test/sub --user=admin jetpack authorize_user --token="
    ));
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        !calls.iter().any(|c| c.contains("SECRET-VISIBLE")),
        "the partner secret leaked into wp's environment"
    );
}

#[test]
fn no_authorization_without_a_wpcom_user_id() {
    let sandbox = sandbox();
    let (wp, log) = fake_wp();
    let run = provision_with_wp(
        &sandbox,
        &wp,
        &[
            "--siteurl",
            "https://mail.test",
            "--wpcom-user-email",
            "owner@mail.test",
        ],
        &[],
    );
    run.assert_code(0);
    assert_eq!(
        calls(&log),
        ["--url=https://mail.test --user=admin plugin activate jetpack"]
    );
}

#[test]
fn a_failed_authorization_is_authorization_failure() {
    let sandbox = sandbox();
    let (wp, _) = fake_wp();
    let run = provision_with_wp(
        &sandbox,
        &wp,
        &["--siteurl", "https://auth.test", "--wpcom-user-id", "42"],
        &[("FAKE_AUTHORIZE", "fail")],
    );
    run.assert_code(1);
    assert_eq!(run.stdout, "");
    let error = run.error();
    assert_eq!(error["error_code"], "authorization_failure");
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("Invalid token")),
        "{error}"
    );
}

#[test]
fn a_wp_that_cannot_read_the_site_url_stops_before_sending() {
    let sandbox = sandbox();
    let (wp, log) = fake_wp();
    let run = provision_with_wp(&sandbox, &wp, &[], &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("could not read the site URL"),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains("does not seem to be a WordPress installation"),
        "{run:#?}"
    );
    assert_eq!(requests(&sandbox), 0);
    assert_eq!(calls(&log).len(), 2);
}

#[test]
fn a_missing_wp_stops_before_sending() {
    let sandbox = sandbox();
    let run = provision_with_wp(
        &sandbox,
        Path::new("/nonexistent/wp"),
        &["--siteurl", "https://x.test"],
        &[],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("cannot run WP-CLI"), "{run:#?}");
    let from_path = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "provision",
            "--local-user",
            "a",
            "--plan",
            "free",
            "--siteurl",
            "https://x.test",
            "--wp-cli",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET), ("PATH", "/nonexistent")],
        None,
    );
    from_path.assert_code(2);
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn cancel_reads_the_site_url_from_wp_cli() {
    let sandbox = sandbox();
    provision_with_wp(
        &sandbox,
        &fake_wp().0,
        &["--siteurl", "https://c.test/blog"],
        &[],
    )
    .assert_code(0);
    let (wp, log) = fake_wp();
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "cancel",
            "--wp-cli-path",
            &wp.to_string_lossy(),
        ],
        &[
            ("JETPACK_PARTNER_SECRET", SECRET),
            ("PATH", PATH),
            ("FAKE_SITEURL", "https://c.test/blog/"),
        ],
        None,
    );
    run.assert_code(0);
    assert_eq!(calls(&log), ["option get siteurl"]);
}
