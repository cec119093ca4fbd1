//! The WP-CLI hand-off, with a fake `wp` that records its arguments and
//! answers as a script tells it.
use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

/// A fake `wp` in a fresh directory: it appends its arguments (and whether
/// it can see a partner secret) to `wp.log` beside it, and answers from the
/// environment: `FAKE_SITEURL` for `home` and `siteurl` (empty: fail like
/// WP-CLI outside WordPress) and `FAKE_AUTHORIZE` (`fail`: print a WP-CLI
/// error). Its active plugins are akismet, jetpack and hello-dolly.
fn fake_wp() -> (PathBuf, PathBuf) {
    let script = r#"#!/bin/sh
log="$(dirname "$0")/wp.log"
echo "$*" >> "$log"
if [ -n "$JETPACK_PARTNER_SECRET" ]; then echo "SECRET-VISIBLE" >> "$log"; fi
case "$*" in
  *"plugin activate jetpack"*) echo "Success: Plugin 'jetpack' activated." ;;
  *"plugin list --status=active --field=name"*) printf 'akismet\njetpack\nhello-dolly\n' ;;
  *"option get home"*|*"option get siteurl"*)
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
            "--user=admin --skip-plugins --skip-themes plugin activate jetpack".to_owned(),
            "--user=admin --skip-plugins --skip-themes option get siteurl".to_owned(),
            "--user=admin --skip-plugins --skip-themes plugin list --status=active --field=name"
                .to_owned(),
            format!(
                "--user=admin --skip-plugins=akismet,hello-dolly --skip-themes jetpack \
                 authorize_user --token={token}"
            ),
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
    let global = "--allow-root --url=https://multi.test/sub --user=admin";
    assert_eq!(
        calls[0],
        format!("{global} --skip-plugins --skip-themes plugin activate jetpack")
    );
    assert!(calls[2].starts_with(&format!(
        "{global} --skip-plugins=akismet,hello-dolly --skip-themes jetpack authorize_user --token="
    )));
    assert_eq!(calls.len(), 3, "{calls:?}");
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
        ["--url=https://mail.test --user=admin --skip-plugins --skip-themes plugin activate jetpack"]
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
    assert_eq!(
        calls(&log),
        ["--skip-plugins --skip-themes option get siteurl"]
    );
}

/// Runs the binary in the old scripts' spelling, with the fake `wp` first on
/// PATH (or none at all when `wp` is `None`).
fn script(
    sandbox: &jetpack_partner::sandbox::Sandbox,
    wp: Option<&Path>,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let path = match wp.and_then(Path::parent) {
        Some(dir) => format!("{}:{PATH}", dir.display()),
        None => PATH.to_owned(),
    };
    let mut full_env = vec![
        ("JETPACK_START_API_HOST", sandbox.base_url()),
        ("PATH", &path),
    ];
    full_env.extend_from_slice(env);
    let mut full = vec!["--partner_id=1234", "--partner_secret=s3cret-partner-value"];
    full.extend_from_slice(args);
    cli(&full, &full_env, None)
}

/// The scripts' own spelling, with `wp` answering: no new flag is needed to
/// get what the script did (probe, activate, site URL, authorize), with the
/// same skip options; the short flags do the same.
#[test]
fn the_scripts_spelling_uses_wp_cli_as_the_script_did() {
    for short in [false, true] {
        let sandbox = sandbox();
        let (wp, log) = fake_wp();
        let args: &[&str] = if short {
            &["provision", "-i=admin", "-p=personal", "-w=42"]
        } else {
            &[
                "provision",
                "--user=admin",
                "--plan=personal",
                "--wpcom_user_id=42",
            ]
        };
        let run = script(
            &sandbox,
            Some(&wp),
            args,
            &[("FAKE_SITEURL", "https://probe.test")],
        );
        run.assert_code(0);
        let answer: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        let token = answer["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let core = "--user=admin --skip-plugins --skip-themes";
        assert_eq!(
            calls(&log),
            [
                format!("{core} option get home"),
                format!("{core} plugin activate jetpack"),
                format!("{core} option get siteurl"),
                format!("{core} plugin list --status=active --field=name"),
                format!(
                    "--user=admin --skip-plugins=akismet,hello-dolly --skip-themes jetpack \
                     authorize_user --token={token}"
                ),
            ],
            "short flags: {short}"
        );
        let fields = last_fields(&sandbox, "POST /rest/v1.3/jpphp/provision").to_string();
        assert!(
            fields.contains(r#"["siteurl","https://probe.test"]"#),
            "{fields}"
        );
    }
}

#[test]
fn no_wp_cli_opts_out_and_a_missing_wp_is_not_an_error_in_the_scripts_spelling() {
    let sandbox = sandbox();
    let (wp, log) = fake_wp();
    let run = script(
        &sandbox,
        Some(&wp),
        &[
            "provision",
            "--user=admin",
            "--plan=personal",
            "--no-wp-cli",
        ],
        &[("FAKE_SITEURL", "https://probe.test")],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("--siteurl is required"), "{run:#?}");
    assert!(calls(&log).is_empty(), "{:?}", calls(&log));
    // No wp on PATH: the script carried on without WP-CLI; so do we.
    let run = script(
        &sandbox,
        None,
        &[
            "provision",
            "--user=admin",
            "--plan=personal",
            "--url=https://nowp.test",
        ],
        &[],
    );
    run.assert_code(0);
    // A WordPress that does not answer the probe: WP-CLI is not used.
    let run = script(
        &sandbox,
        Some(&wp),
        &[
            "provision",
            "--user=admin",
            "--plan=personal",
            "--url=https://nosite.test",
        ],
        &[],
    );
    run.assert_code(0);
    assert_eq!(calls(&log).len(), 1, "only the probe: {:?}", calls(&log));
}

/// In the new spelling WP-CLI stays opt-in, but a provision that was to
/// connect a WordPress.com user and did not never exits 0.
#[test]
fn a_skipped_authorization_is_never_a_success() {
    let sandbox = sandbox();
    let (wp, log) = fake_wp();
    let new_spelling = [
        "provision",
        "--local-user",
        "admin",
        "--plan",
        "personal",
        "--siteurl",
        "https://b.test",
        "--wpcom-user-id",
        "42",
    ];
    for run in [
        script(
            &sandbox,
            Some(&wp),
            &[
                "provision",
                "--user=admin",
                "--plan=personal",
                "--url=https://a.test",
                "-w=42",
                "--no-wp-cli",
            ],
            &[("FAKE_SITEURL", "https://x.test")],
        ),
        partner_cli(&sandbox, &new_spelling),
    ] {
        run.assert_code(1);
        let answer: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        assert!(
            answer["access_token"].is_string(),
            "the answer is printed: {run:#?}"
        );
        let error = run.error();
        assert_eq!(error["error_code"], "authorization_skipped");
        let message = error["error_message"].as_str().unwrap_or_default();
        assert!(
            message.contains("wp jetpack authorize_user --token="),
            "{message}"
        );
        assert!(!run
            .stderr
            .contains(answer["access_token"].as_str().unwrap_or("-")));
    }
    assert!(calls(&log).is_empty(), "{:?}", calls(&log));
}

#[test]
fn cancel_in_the_scripts_spelling_reads_the_site_from_wp() {
    let sandbox = sandbox();
    script(
        &sandbox,
        None,
        &[
            "provision",
            "--user=admin",
            "--plan=personal",
            "--url=https://gone.test",
        ],
        &[],
    )
    .assert_code(0);
    let (wp, log) = fake_wp();
    let run = script(
        &sandbox,
        Some(&wp),
        &["cancel"],
        &[("FAKE_SITEURL", "https://gone.test")],
    );
    run.assert_code(0);
    assert_eq!(
        calls(&log),
        [
            "--skip-plugins --skip-themes option get home",
            "--skip-plugins --skip-themes option get siteurl"
        ]
    );
}

/// The scripts' last versions took the Backup credentials inline: they
/// work, with the warning `--partner_secret` gets; a key is told from a
/// path by its PEM header or a line break.
#[test]
fn the_scripts_backup_credentials_are_taken_with_a_warning() {
    let sandbox = sandbox();
    let key_text =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n";
    let key_file = temp_file("id_test", key_text.as_bytes());
    for (site, key) in [
        ("https://k1.test", format!("--ssh-private-key={key_text}")),
        (
            "https://k2.test",
            format!("--ssh-private-key={}", key_file.display()),
        ),
    ] {
        let run = script(
            &sandbox,
            None,
            &[
                "provision",
                "--user=admin",
                "--plan=jetpack-backup-daily",
                &format!("--url={site}"),
                "--ssh-user=deploy",
                "--ssh-host=ssh.k.test",
                "--ssh-port=2222",
                &key,
                "--ftp-user=ftpu",
                "--ftp-pass=ftp-p4ss-word",
                "--ftp-host=ftp.k.test",
                "--ftp-port=2121",
            ],
            &[],
        );
        run.assert_code(0)
            .assert_hidden("ftp-p4ss-word")
            .assert_hidden("b3BlbnNzaC1rZXk");
        assert!(
            run.stderr.contains("--ftp-pass makes the secret visible"),
            "{run:#?}"
        );
        let answer: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        assert_eq!(answer["ssh_set"], true, "{answer}");
        let fields = last_fields(&sandbox, "POST /rest/v1.3/jpphp/provision").to_string();
        for want in [
            r#"["ssh_private_key","***"]"#,
            r#"["ftp_pass","***"]"#,
            r#"["ssh_port","2222"]"#,
        ] {
            assert!(fields.contains(want), "{want} in {fields}");
        }
    }
    let run = script(
        &sandbox,
        None,
        &[
            "provision",
            "--user=admin",
            "--plan=jetpack-backup-daily",
            "--url=https://k3.test",
            "--ssh-user=deploy",
            "--ssh-pass=ssh-p4ss-word",
        ],
        &[],
    );
    run.assert_code(0).assert_hidden("ssh-p4ss-word");
    assert!(
        run.stderr.contains("--ssh-pass makes the secret visible"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("--ssh-pass-file"),
        "the hint names the file option"
    );
}

/// A site URL without its scheme: the new spelling refuses it, the
/// scripts' spelling sends it as the script did, with a warning.
#[test]
fn a_site_url_without_a_scheme() {
    let sandbox = sandbox();
    let new = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--plan",
            "free",
            "--siteurl",
            "example.org",
        ],
    );
    new.assert_code(2);
    assert!(new.stderr.contains("https://example.org"), "{new:#?}");
    assert_eq!(requests(&sandbox), 0);
    let old = script(
        &sandbox,
        None,
        &[
            "provision",
            "--user=admin",
            "--plan=free",
            "--url=example.org",
        ],
        &[],
    );
    old.assert_code(0);
    assert!(old.stderr.contains("has no scheme"), "{old:#?}");
    let fields = last_fields(&sandbox, "POST /rest/v1.3/jpphp/provision").to_string();
    assert!(fields.contains(r#"["siteurl","example.org"]"#), "{fields}");
}
