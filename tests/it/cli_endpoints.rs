//! Every endpoint through the CLI against a real sandbox on 127.0.0.1: the
//! successes, the documented errors with exit 1 and the API's code, and
//! the old scripts' spellings.
use crate::common::*;
use serde_json::{json, Value};

const PROVISION: &str = "POST /rest/v1.3/jpphp/provision";

fn stdout_json(run: &Run) -> Value {
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "one line: {run:#?}");
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

fn provision(sandbox: &jetpack_partner::sandbox::Sandbox, site: &str, plan: &str) -> Run {
    // A site URL needs its scheme; the sandbox keys sites by host.
    let site = &if site.contains("://") {
        site.to_owned()
    } else {
        format!("https://{site}")
    };
    partner_cli(
        sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--siteurl",
            site,
            "--plan",
            plan,
        ],
    )
}

fn refused(run: &Run, code: &str) {
    run.assert_code(1);
    assert_eq!(run.stdout, "", "{run:#?}");
    let error = run.error();
    assert_eq!(error["success"], false);
    assert_eq!(error["error_code"], code, "{run:#?}");
    assert!(
        error["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{run:#?}"
    );
}

fn slugs(status: &Value) -> Vec<String> {
    status["products"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["slug"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn the_whole_flow_through_the_cli() {
    let sandbox = sandbox();
    let answer = stdout_json(&provision(
        &sandbox,
        "https://example.com/blog",
        "professional",
    ));
    assert_eq!(answer["success"], true);
    assert_eq!(answer["auth_required"], true);
    assert!(
        answer["next_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")),
        "{answer}"
    );

    let status = stdout_json(&partner_cli(
        &sandbox,
        &["status", "--site", "example.com/blog"],
    ));
    assert_eq!(slugs(&status), ["professional"]);
    assert_eq!(
        status["products"][0]["is_provisioned_by_calling_partner"],
        true
    );
    let by_url = stdout_json(&partner_cli(
        &sandbox,
        &["status", "--site", "https://EXAMPLE.com/blog/"],
    ));
    assert_eq!(by_url, status, "a URL and its reference name the same site");

    let old = stdout_json(&partner_cli(
        &sandbox,
        &["status", "--v1.3", "--site", "example.com/blog"],
    ));
    assert_eq!(old["plan"], "professional");
    assert_eq!(old["is_provisioned_by_calling_partner"], true);

    let paths = stdout_json(&partner_cli(
        &sandbox,
        &["upgrade-paths", "--site", "example.com/blog"],
    ));
    // The plan the site has is listed: provisioning it again succeeds.
    assert_eq!(
        paths["jetpack-plans"],
        json!(["professional", "complete"]),
        "{paths}"
    );
    assert_eq!(
        paths["jetpack-backup"],
        json!([]),
        "professional includes realtime backup"
    );

    let cancelled = stdout_json(&partner_cli(
        &sandbox,
        &["cancel", "--site", "example.com/blog"],
    ));
    assert_eq!(cancelled["success"], true);
    let after = stdout_json(&partner_cli(
        &sandbox,
        &["status", "--site", "example.com/blog"],
    ));
    assert!(slugs(&after).is_empty(), "{after}");
    assert_eq!(sandbox.stats()["provisions"]["example.com::blog"], 1);
}

#[test]
fn pretty_output_is_the_same_json() {
    let sandbox = sandbox();
    provision(&sandbox, "example.com", "personal").assert_code(0);
    let plain = partner_cli(&sandbox, &["status", "--site", "example.com"]);
    let pretty = partner_cli(&sandbox, &["--pretty", "status", "--site", "example.com"]);
    assert!(pretty.stdout.lines().count() > 3);
    let a: Value = serde_json::from_str(&plain.stdout).unwrap_or_default();
    let b: Value = serde_json::from_str(&pretty.stdout).unwrap_or_default();
    assert_eq!(a, b);
}

#[test]
fn every_provision_field_reaches_the_api() {
    let sandbox = sandbox();
    let pass = temp_file("ssh-pass", b"ssh-p4ss&word\n");
    let ftp = temp_file("ftp-pass", b"ftp-p4ss\n");
    let run = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--siteurl",
            "https://fields.test",
            "--plan",
            "jetpack-backup-daily",
            "--force-register",
            "--force-connect",
            "--onboarding",
            "--wpcom-user-id",
            "42",
            "--wpcom-user-email",
            "owner@fields.test",
            "--partner-tracking-id",
            "cust 7&x",
            "--ssh-user",
            "deploy",
            "--ssh-pass-file",
            &pass.to_string_lossy(),
            "--ssh-host",
            "ssh.fields.test",
            "--ssh-port",
            "2222",
            "--ftp-user",
            "ftpuser",
            "--ftp-pass-file",
            &ftp.to_string_lossy(),
            "--ftp-host",
            "ftp.fields.test",
            "--ftp-port",
            "2121",
        ],
    );
    // A WordPress.com user was to be connected and no WP-CLI ran: the
    // answer is printed, and the command says the step is left to do.
    run.assert_code(1);
    assert_eq!(
        run.error()["error_code"],
        "authorization_skipped",
        "{run:#?}"
    );
    let answer: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"));
    assert_eq!(answer["ssh_set"], true, "{answer}");
    run.assert_hidden("ssh-p4ss").assert_hidden("ftp-p4ss");
    assert_eq!(
        last_fields(&sandbox, PROVISION),
        json!([
            ["local_user", "admin"],
            ["siteurl", "https://fields.test"],
            ["plan", "jetpack-backup-daily"],
            ["force_register", "true"],
            ["force_connect", "true"],
            ["onboarding", "true"],
            ["wpcom_user_id", "42"],
            ["wpcom_user_email", "owner@fields.test"],
            ["ssh_user", "deploy"],
            ["ssh_pass", "***"],
            ["ssh_host", "ssh.fields.test"],
            ["ssh_port", "2222"],
            ["ftp_user", "ftpuser"],
            ["ftp_pass", "***"],
            ["ftp_host", "ftp.fields.test"],
            ["ftp_port", "2121"],
            ["partner-tracking-id", "cust 7&x"],
        ])
    );
    let status = stdout_json(&partner_cli(&sandbox, &["status", "--site", "fields.test"]));
    assert_eq!(status["blog"]["has_backups_credentials"], true);
    assert_eq!(status["blog"]["is_connected"], true);
}

#[test]
fn bad_provision_input_is_refused_before_sending() {
    let sandbox = sandbox();
    let key = temp_file("key", b"KEY");
    let key = key.to_string_lossy();
    // A valid request, to which each case adds one mistake.
    let valid = "--local-user a --siteurl https://x --plan free";
    let cases: Vec<(String, &str)> = vec![
        (
            "--siteurl x.test --plan free".into(),
            "--local-user is required",
        ),
        (
            "--local-user a --siteurl x.test".into(),
            "--plan is required",
        ),
        ("--local-user a --plan free".into(), "--siteurl is required"),
        (format!("{valid} --url y"), "both name the site"),
        (
            format!("{valid} --wpcom-user-id abc"),
            "not a WordPress.com user ID",
        ),
        (
            format!("{valid} --wpcom-user-email nobody"),
            "not an e-mail",
        ),
        (format!("{valid} --ssh-user u"), "password or a private key"),
        (format!("{valid} --ssh-host h"), "--ssh-user"),
        (
            format!("{valid} --ssh-user u --ssh-private-key {key} --ssh-port ssh"),
            "port number",
        ),
        (
            format!("{valid} --ssh-user u --ssh-private-key {key} --ssh-port 0"),
            "port number",
        ),
        (format!("{valid} --ftp-user u"), "--ftp-pass-file"),
        (format!("{valid} --onboarding=maybe"), "expected 1 or 0"),
    ];
    for (args, message) in &cases {
        let words: Vec<&str> = std::iter::once("provision")
            .chain(args.split(' '))
            .collect();
        let run = partner_cli(&sandbox, &words);
        assert_eq!(run.code, 2, "{args}: {run:#?}");
        assert!(run.stderr.contains(message), "{args}: {}", run.stderr);
    }
    let blank = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            " ",
            "--plan",
            "free",
        ],
    );
    blank.assert_code(2);
    assert!(blank.stderr.contains("empty"), "{blank:#?}");
    let mut both_stdin = vec![
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "--partner-secret-file",
        "-",
        "provision",
    ];
    both_stdin.extend(valid.split(' '));
    both_stdin.extend(["--ssh-user", "u", "--ssh-pass-file", "-"]);
    let run = cli(&both_stdin, &[], Some(SECRET.as_bytes()));
    run.assert_code(2);
    assert!(run.stderr.contains("standard input"), "{run:#?}");
    assert_eq!(requests(&sandbox), 0, "nothing was sent");
}

#[test]
fn documented_provision_errors_exit_1_with_the_api_code() {
    let sandbox = sandbox();
    refused(
        &provision(&sandbox, "https://plans.test", "platinum"),
        "invalid_plan",
    );
    refused(
        &provision(&sandbox, "https://site.nojetpack.test", "free"),
        "method_not_found",
    );
    refused(
        &provision(&sandbox, "https://site.badstate.test", "free"),
        "method_not_found",
    );
    let forced = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://site.badstate.test",
            "--plan",
            "free",
            "--force-register",
        ],
    );
    forced.assert_code(0);
    provision(&sandbox, "https://down.test", "professional").assert_code(0);
    refused(
        &provision(&sandbox, "https://down.test", "premium"),
        "plan_downgrade_disallowed",
    );
    refused(
        &provision(&sandbox, "https://down.test", "jetpack-backup-realtime"),
        "plan_downgrade_disallowed",
    );
}

#[test]
fn superset_rules_follow_the_reference() {
    let sandbox = sandbox();
    provision(&sandbox, "https://up.test", "jetpack-backup-daily").assert_code(0);
    provision(&sandbox, "https://up.test", "jetpack-backup-realtime").assert_code(0);
    refused(
        &provision(&sandbox, "https://up.test", "jetpack-backup-daily"),
        "plan_downgrade_disallowed",
    );
    provision(&sandbox, "https://up.test", "professional").assert_code(0);
    provision(&sandbox, "https://up.test", "professional").assert_code(0);
    assert_eq!(
        sandbox.stats()["provisions"]["up.test"],
        4,
        "repeats count as provisions"
    );
}

#[test]
fn the_scope_and_token_errors_exit_1() {
    let sandbox = sandbox();
    let global = {
        let (_, body) = post_form(
            sandbox.base_url(),
            "client_id=1234&client_secret=s3cret-partner-value&grant_type=client_credentials&scope=global",
        );
        body["access_token"].as_str().unwrap_or_default().to_owned()
    };
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--access-token",
            &global,
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://x.test",
            "--plan",
            "free",
        ],
        &[],
        None,
    );
    refused(&run, "invalid_scope");
    run.assert_hidden(&global);
    let bogus = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "status",
            "--site",
            "x.test",
        ],
        &[("JETPACK_ACCESS_TOKEN", "not-a-real-token")],
        None,
    );
    refused(&bogus, "invalid_token");
    bogus.assert_hidden("not-a-real-token");
}

fn post_form(base: &str, body: &str) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .post(format!("{base}/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or_default())
}

#[test]
fn a_disabled_partner_key_is_refused() {
    let sandbox = jetpack_partner::sandbox::Sandbox::builder()
        .disabled_partner(PARTNER_ID, SECRET)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    refused(
        &partner_cli(&sandbox, &["status", "--site", "x.test"]),
        "partner_key_disabled",
    );
}

#[test]
fn documented_site_errors_exit_1() {
    let sandbox = sandbox();
    refused(
        &partner_cli(&sandbox, &["status", "--site", "never.test"]),
        "invalid_blog",
    );
    refused(
        &partner_cli(&sandbox, &["status", "--v1.3", "--site", "99999"]),
        "invalid_blog",
    );
    refused(
        &partner_cli(&sandbox, &["upgrade-paths", "--site", "never.test"]),
        "invalid_blog",
    );
    refused(
        &partner_cli(&sandbox, &["cancel", "--site", "never.test"]),
        "invalid_blog",
    );
    provision(&sandbox, "https://gone.undeletable.test", "personal").assert_code(0);
    refused(
        &partner_cli(&sandbox, &["cancel", "--site", "gone.undeletable.test"]),
        "invalid_input",
    );
    provision(&sandbox, "https://c.test", "personal").assert_code(0);
    refused(
        &partner_cli(&sandbox, &["cancel", "--site", "c.test", "--plan", "gold"]),
        "not_jps_plan",
    );
}

#[test]
fn only_the_provisioning_partner_may_cancel() {
    let sandbox = jetpack_partner::sandbox::Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .partner("5678", "other-partner-secret")
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    provision(&sandbox, "https://owned.test", "premium").assert_code(0);
    let other = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            "5678",
            "cancel",
            "--site",
            "owned.test",
            "--plan",
            "premium",
        ],
        &[("JETPACK_PARTNER_SECRET", "other-partner-secret")],
        None,
    );
    refused(&other, "incorrect_partner_key");
    let status = stdout_json(&cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            "5678",
            "status",
            "--site",
            "owned.test",
        ],
        &[("JETPACK_PARTNER_SECRET", "other-partner-secret")],
        None,
    ));
    assert_eq!(
        status["products"][0]["is_provisioned_by_calling_partner"],
        false
    );
}

#[test]
fn nothing_to_cancel_is_its_own_refusal() {
    let sandbox = sandbox();
    provision(&sandbox, "https://n.test", "jetpack-scan").assert_code(0);
    let run = partner_cli(
        &sandbox,
        &["cancel", "--site", "n.test", "--plan", "jetpack-anti-spam"],
    );
    refused(&run, "nothing_to_cancel");
    assert_eq!(run.error()["http_status"], 200);
    let plan = partner_cli(&sandbox, &["cancel", "--site", "n.test"]);
    refused(&plan, "nothing_to_cancel");
}

#[test]
fn cancel_all_lists_active_and_pending_activations() {
    let sandbox = sandbox();
    let pending = stdout_json(&provision(&sandbox, "https://shop.pending.test", "premium"));
    assert_eq!(
        (
            pending["auth_required"].as_bool(),
            pending["next_url"].as_str()
        ),
        (Some(true), Some(""))
    );
    provision(&sandbox, "https://shop.pending.test", "jetpack-videopress").assert_code(0);
    let status = stdout_json(&partner_cli(
        &sandbox,
        &["status", "--site", "shop.pending.test"],
    ));
    assert!(
        status["products"]
            .as_array()
            .is_some_and(|p| p.iter().all(|p| p["is_pending"] == true)),
        "{status}"
    );
    let all = stdout_json(&partner_cli(
        &sandbox,
        &["cancel", "--site", "shop.pending.test", "--cancel-all"],
    ));
    assert_eq!(all["success"], true);
    assert_eq!(
        all["pending_activations"].as_array().map(Vec::len),
        Some(2),
        "{all}"
    );
    assert_eq!(all["activations"], json!([]));

    provision(&sandbox, "https://live.test", "personal").assert_code(0);
    provision(&sandbox, "https://live.test", "jetpack-backup-daily").assert_code(0);
    // The owner connects the site: its pending activations become active.
    connect_site(sandbox.base_url(), "live.test");
    let all = stdout_json(&partner_cli(
        &sandbox,
        &["cancel", "--site", "live.test", "--cancel-all"],
    ));
    let mut active: Vec<String> =
        serde_json::from_value(all["activations"].clone()).unwrap_or_default();
    active.sort();
    assert_eq!(active, ["jetpack-backup-daily", "personal"]);
    refused(
        &partner_cli(&sandbox, &["cancel", "--site", "live.test", "--cancel-all"]),
        "nothing_to_cancel",
    );
}

#[test]
fn the_error_catalogue_in_both_forms() {
    let sandbox = sandbox();
    let terse = stdout_json(&partner_cli(&sandbox, &["errors"]));
    assert!(
        terse["errors"]["activation_limit_reached"].is_string(),
        "{terse}"
    );
    let details = stdout_json(&partner_cli(&sandbox, &["errors", "--details"]));
    for field in ["description", "cause", "solution"] {
        assert!(
            details["errors"]["activation_limit_reached"][field].is_string(),
            "{details}"
        );
    }
    // -v and --verbose trace, before the command or after it; --details is
    // the catalogue's own option (the API's ?verbose).
    for args in [&["-v", "errors"][..], &["errors", "--verbose"]] {
        let traced = partner_cli(&sandbox, args);
        assert!(traced.stderr.contains("> GET "), "{traced:#?}");
        assert!(traced.stdout.contains("\"activation_limit_reached\":\""));
    }
}

#[test]
fn ssh_credentials_are_stored() {
    let sandbox = sandbox();
    provision(&sandbox, "https://backup.test", "jetpack-backup-daily").assert_code(0);
    let key = temp_file(
        "id_ed25519",
        b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    let run = partner_cli(
        &sandbox,
        &[
            "ssh-credentials",
            "--blog-id",
            "1000",
            "--ssh-user",
            "deploy",
            "--ssh-host",
            "backup.test",
            "--ssh-private-key",
            &key.to_string_lossy(),
        ],
    );
    assert_eq!(stdout_json(&run)["success"], true);
    run.assert_hidden("b3Blbn");
    let status = stdout_json(&partner_cli(&sandbox, &["status", "--site", "1000"]));
    assert_eq!(status["blog"]["has_backups_credentials"], true);
    for (args, message) in [
        (
            vec!["--ssh-user", "u", "--ssh-host", "h"],
            "--blog-id is required",
        ),
        (
            vec!["--blog-id", "x", "--ssh-user", "u", "--ssh-host", "h"],
            "blog ID",
        ),
        (
            vec!["--blog-id", "1000", "--ssh-user", "u"],
            "--ssh-host is required",
        ),
        (vec!["--blog-id", "1000", "--ssh-host", "h"], "--ssh-user"),
    ] {
        let run = partner_cli(&sandbox, &[&["ssh-credentials"][..], &args].concat());
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    refused(
        &partner_cli(
            &sandbox,
            &[
                "ssh-credentials",
                "--blog-id",
                "4242",
                "--ssh-user",
                "u",
                "--ssh-host",
                "h",
                "--ssh-private-key",
                &key.to_string_lossy(),
            ],
        ),
        "invalid_blog",
    );
}

#[test]
fn a_new_partner_key_gets_its_own_token_and_limits() {
    let sandbox = sandbox();
    let run = partner_cli(
        &sandbox,
        &[
            "partner-key",
            "new",
            "--name",
            "Reseller A",
            "--allowed-personal-plans",
            "1",
            "--notes",
            "bundle",
        ],
    );
    let key = stdout_json(&run);
    // Printed as the API sent it: a number here.
    let id = key["client_id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| key["client_id"].as_u64().map(|n| n.to_string()))
        .unwrap_or_default();
    let secret = key["client_secret"].as_str().unwrap_or_default().to_owned();
    assert!(!id.is_empty() && secret.len() >= 32, "{key}");
    assert_eq!(key["name"], "Reseller A");
    let as_sub = |args: &[&str]| {
        let mut full = vec![
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            id.as_str(),
        ];
        full.extend_from_slice(args);
        cli(&full, &[("JETPACK_PARTNER_SECRET", secret.as_str())], None)
    };
    as_sub(&["token"]).assert_code(0).assert_hidden(&secret);
    as_sub(&[
        "provision",
        "--local-user",
        "a",
        "--siteurl",
        "https://one.test",
        "--plan",
        "personal",
    ])
    .assert_code(0);
    refused(
        &as_sub(&[
            "provision",
            "--local-user",
            "a",
            "--siteurl",
            "https://two.test",
            "--plan",
            "personal",
        ]),
        "activation_limit_reached",
    );
    let bad = partner_cli(
        &sandbox,
        &[
            "partner-key",
            "new",
            "--allowed-premium-plans",
            "many",
            "--name",
            "x",
        ],
    );
    bad.assert_code(2);
    partner_cli(&sandbox, &["partner-key", "new"]).assert_code(2);
    partner_cli(&sandbox, &["partner-key"]).assert_code(2);
}

/// The old spelling and the new one must build the very same request and
/// print the very same thing.
#[test]
fn old_script_spellings_send_exactly_the_same_request() {
    let old_sandbox = sandbox();
    let new_sandbox = sandbox();
    let old = cli(
        &[
            "provision",
            "--partner_id=1234",
            "--partner_secret=s3cret-partner-value",
            "--user=admin",
            "--plan=personal",
            "--url=https://compat.test/wp",
            "--onboarding=1",
            "--force_register=1",
            "--force_connect=0",
            "--wpcom_user_id=42",
            "--partner-tracking-id=77",
        ],
        &[("JETPACK_START_API_HOST", old_sandbox.base_url())],
        None,
    );
    let new = cli(
        &[
            "--api-base",
            new_sandbox.base_url(),
            "--partner-id",
            "1234",
            "--partner-secret",
            "s3cret-partner-value",
            "provision",
            "--local-user",
            "admin",
            "--plan",
            "personal",
            "--siteurl",
            "https://compat.test/wp",
            "--onboarding",
            "--force-register",
            "--wpcom-user-id",
            "42",
            "--partner-tracking-id",
            "77",
        ],
        &[],
        None,
    );
    // No WP-CLI answers here: the WordPress.com user is left to authorize,
    // and both spellings say so the same way.
    assert_eq!(old.code, 1, "{old:#?}");
    assert_eq!(
        old.error()["error_code"],
        "authorization_skipped",
        "{old:#?}"
    );
    assert_eq!(new.code, 1, "{new:#?}");
    assert_eq!(
        last_fields(&old_sandbox, PROVISION),
        last_fields(&new_sandbox, PROVISION)
    );
    let fields = last_fields(&old_sandbox, PROVISION);
    assert!(
        fields.to_string().contains(r#"["force_register","true"]"#),
        "{fields}"
    );
    assert!(!fields.to_string().contains("force_connect"), "{fields}");
    let strip_token = |run: &Run| {
        let mut v: Value = serde_json::from_str(&run.stdout).unwrap_or_default();
        v.as_object_mut().map(|o| o.remove("access_token"));
        v
    };
    assert_eq!(strip_token(&old), strip_token(&new));
    assert_eq!(
        old.stderr, new.stderr,
        "the same warning about a secret on the command line"
    );

    let short_sandbox = sandbox();
    let short = cli(
        &[
            "provision",
            "-c=1234",
            "-s=s3cret-partner-value",
            "-i=admin",
            "-p=personal",
            "-u=https://compat.test/wp",
            "-o=1",
            "--force_register=1",
            "-w=42",
            "--partner-tracking-id=77",
        ],
        &[("JETPACK_START_API_HOST", short_sandbox.base_url())],
        None,
    );
    short.assert_code(1);
    assert_eq!(short.error()["error_code"], "authorization_skipped");
    assert_eq!(
        last_fields(&short_sandbox, PROVISION),
        last_fields(&new_sandbox, PROVISION)
    );
}

#[test]
fn old_script_spellings_fail_the_same_way() {
    let sandbox = sandbox();
    let old = cli(
        &[
            "provision",
            "--partner_id=1234",
            "--user=admin",
            "--plan=platinum",
            "--url=https://x.test",
        ],
        &[
            ("JETPACK_START_API_HOST", sandbox.base_url()),
            ("JETPACK_PARTNER_SECRET", SECRET),
        ],
        None,
    );
    let new = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--plan",
            "platinum",
            "--siteurl",
            "https://x.test",
        ],
    );
    refused(&old, "invalid_plan");
    assert_eq!(
        (old.code, &old.stdout, &old.stderr),
        (new.code, &new.stdout, &new.stderr)
    );
    let cancel_old = cli(
        &["cancel", "--partner_id=1234", "-u=https://nothing.test"],
        &[
            ("JETPACK_START_API_HOST", sandbox.base_url()),
            ("JETPACK_PARTNER_SECRET", SECRET),
        ],
        None,
    );
    let cancel_new = partner_cli(&sandbox, &["cancel", "--site", "https://nothing.test"]);
    refused(&cancel_old, "invalid_blog");
    assert_eq!(
        (cancel_old.code, &cancel_old.stderr),
        (cancel_new.code, &cancel_new.stderr)
    );
    let usage = cli(&["provision", "--partner_id=1234", "--bogus=1"], &[], None);
    usage.assert_code(2);
}

/// invalid_siteurl and invalid_local_user cannot come from our own client
/// (it refuses to send an empty field); an API that answers with them, as
/// documented, still surfaces as exit 1 with the API's code.
#[test]
fn documented_missing_field_answers_surface_as_refusals() {
    for (code, message) in [
        (
            "invalid_siteurl",
            "The required \\\"siteurl\\\" argument is missing.",
        ),
        (
            "invalid_local_user",
            "The required \\\"local_user\\\" argument is missing.",
        ),
    ] {
        let body = format!(r#"{{"error":"{code}","message":"{message}"}}"#);
        let base = fixed_server(http_response(400, "application/json", &body));
        let run = cli(
            &[
                "--api-base",
                &base,
                "--access-token",
                "tok-for-test",
                "provision",
                "--local-user",
                "a",
                "--siteurl",
                "https://x.test",
                "--plan",
                "free",
            ],
            &[],
            None,
        );
        refused(&run, code);
        assert_eq!(run.error()["http_status"], 400);
    }
}

/// The sandbox's own http_envelope answer, replayed to the CLI, prints the
/// same as the plain answer.
#[test]
fn an_envelope_answer_decodes_like_a_plain_one() {
    let sandbox = sandbox();
    provision(&sandbox, "https://env.test", "premium").assert_code(0);
    let token = token_of(&sandbox, SECRET);
    for (path, plain_args) in [
        (
            "/rest/v1.4/jpphp/env.test/status",
            vec!["status", "--site", "env.test"],
        ),
        (
            "/rest/v1.4/jpphp/missing.test/status",
            vec!["status", "--site", "missing.test"],
        ),
    ] {
        let (status, wrapped) = raw_get(
            sandbox.base_url(),
            &format!("{path}?http_envelope=true"),
            &token,
        );
        assert_eq!(status, 200);
        let replay = fixed_server(http_response(200, "application/json", &wrapped));
        let mut through_envelope = vec![
            "--api-base",
            replay.as_str(),
            "--access-token",
            token.as_str(),
        ];
        through_envelope.extend_from_slice(&plain_args);
        let enveloped = cli(&through_envelope, &[], None);
        let mut direct = vec![
            "--api-base",
            sandbox.base_url(),
            "--access-token",
            token.as_str(),
        ];
        direct.extend_from_slice(&plain_args);
        let plain = cli(&direct, &[], None);
        assert_eq!(
            (enveloped.code, &enveloped.stdout, &enveloped.stderr),
            (plain.code, &plain.stdout, &plain.stderr)
        );
    }
}

#[test]
fn command_help_lists_fields_and_an_example() {
    for command in [
        &["provision"][..],
        &["cancel"],
        &["status"],
        &["upgrade-paths"],
        &["errors"],
        &["ssh-credentials"],
        &["partner-key", "new"],
    ] {
        let run = cli(&[command, &["--help"]].concat(), &[], None);
        run.assert_code(0);
        assert!(run.stdout.contains("Usage:"), "{command:?}");
        assert!(run.stdout.contains("jetpack-partner"), "{command:?}");
    }
    let provision = cli(&["provision", "--help"], &[], None);
    for needle in [
        "--local-user",
        "--siteurl",
        "--ssh-pass-file",
        "--ftp-pass-file",
        "--partner_id=",
        "--wp-cli",
        "Example",
    ] {
        assert!(provision.stdout.contains(needle), "{needle}");
    }
}
