//! Accounts: `user create` (a new WordPress.com account and its token),
//! `magic-link`, and `provision --partner-redirect`, over TCP against the
//! sandbox: each documented error, the limits, where the new token may go
//! and where it must not, and what a lost answer leads to.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jetpack_partner::sandbox::{Fault, Sandbox};
use jetpack_partner::{
    Client, Credentials, Endpoint, Error, Form, MagicLink, NewPartnerKey, NewUser, ProductType,
    Reply, Secret, Session, LANGUAGES,
};
use serde_json::{json, Value};

use crate::common::*;

const USER: &str = "POST /rest/v1.3/jpphp/user";
const MAGIC_LINK: &str = "POST /rest/v1.3/jpphp/mobile-magic-link";

fn session(sandbox: &Sandbox, id: &str, secret: &str) -> Session {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Session::new(client, Credentials::new(id, Secret::new(secret)))
}

/// How many requests reached `endpoint`, by status.
fn hits(sandbox: &Sandbox, endpoint: &str) -> Value {
    sandbox.stats()["by_endpoint"][endpoint].clone()
}

fn stdout_json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

/// A fresh private directory.
fn dir() -> PathBuf {
    let file = temp_file("x", b"");
    let dir = file.parent().map(Path::to_owned).unwrap_or_default();
    let _ = std::fs::remove_file(file);
    dir
}

fn create(sandbox: &Sandbox, email: &str, more: &[&str]) -> Run {
    let mut args = vec![
        "user",
        "create",
        "--email",
        email,
        "--product-type",
        "jetpack",
    ];
    args.extend_from_slice(more);
    partner_cli(sandbox, &args)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
}

#[cfg(unix)]
#[test]
fn the_new_token_goes_to_a_private_new_file_and_is_shown_masked() {
    let sandbox = sandbox();
    let path = dir().join("owner.token");
    let path_text = path.to_string_lossy().into_owned();
    let run = create(
        &sandbox,
        "Owner@Example.com",
        &["--language", "pt-BR", "--token-file", &path_text, "-v"],
    );
    run.assert_code(0);
    let token = std::fs::read_to_string(&path).unwrap_or_default();
    let token = token
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("{token:?}"));
    assert_eq!(token.len(), 64, "{token:?}");
    assert_eq!(mode(&path), 0o600);
    run.assert_hidden(token);
    assert_eq!(
        stdout_json(&run),
        json!({"bearer_token": "***", "success": true})
    );
    // The trace shows the form and the answer's size, never its token.
    assert!(run.stderr.contains(">   language = pt-br"), "{run:#?}");
    assert_eq!(
        last_fields(&sandbox, USER),
        json!([
            ["email", "Owner@Example.com"],
            ["product_type", "jetpack"],
            ["language", "pt-br"]
        ])
    );
}

#[test]
fn show_token_prints_it_on_stdout_only() {
    let sandbox = sandbox();
    let run = create(&sandbox, "shown@example.com", &["--show-token", "-v"]);
    run.assert_code(0);
    let answer = stdout_json(&run);
    let token = answer["bearer_token"].as_str().unwrap_or_default();
    assert_eq!(token.len(), 64, "{answer}");
    assert!(!run.stderr.contains(token), "{run:#?}");
    assert_eq!(answer["success"], true);
}

#[cfg(unix)]
#[test]
fn no_place_for_the_token_or_a_path_that_cannot_take_it_sends_nothing() {
    let sandbox = sandbox();
    let none = create(&sandbox, "a@example.com", &[]);
    none.assert_code(2);
    assert!(
        none.stderr.contains("--token-file PATH or --show-token"),
        "{none:#?}"
    );
    let dir = dir();
    let existing = dir.join("existing");
    std::fs::write(&existing, "keep me").unwrap_or_else(|e| panic!("{e}"));
    let link = dir.join("link");
    std::os::unix::fs::symlink(dir.join("target"), &link).unwrap_or_else(|e| panic!("{e}"));
    for path in [&existing, &link] {
        let run = create(
            &sandbox,
            "a@example.com",
            &["--token-file", &path.to_string_lossy()],
        );
        run.assert_code(2);
        assert!(run.stderr.contains("already exists"), "{run:#?}");
    }
    assert_eq!(
        std::fs::read_to_string(&existing).ok().as_deref(),
        Some("keep me")
    );
    assert!(!dir.join("target").exists(), "the link was not followed");
    let nowhere = dir.join("no-such-dir").join("token");
    let run = create(
        &sandbox,
        "a@example.com",
        &["--token-file", &nowhere.to_string_lossy()],
    );
    run.assert_code(5);
    assert_eq!(run.error()["error_code"], "io_error");
    assert_eq!(requests(&sandbox), 0, "nothing was sent");
}

#[test]
fn a_bad_address_type_or_language_is_refused_before_sending() {
    let sandbox = sandbox();
    for (args, message) in [
        (
            vec!["--email", "nobody", "--product-type", "jetpack"],
            "not an e-mail address",
        ),
        (
            vec!["--email", "a@example", "--product-type", "jetpack"],
            "not an e-mail address",
        ),
        (
            vec!["--email", "a@example.com", "--product-type", "shop"],
            "is not jetpack or woocommerce",
        ),
        (
            vec![
                "--email",
                "a@example.com",
                "--product-type",
                "jetpack",
                "--language",
                "klingon",
            ],
            "not one the API takes",
        ),
        (vec!["--product-type", "jetpack"], "--email is required"),
        (
            vec!["--email", "a@example.com"],
            "--product-type is required",
        ),
    ] {
        let mut line = vec!["user", "create", "--show-token"];
        line.extend(args.iter().copied());
        let run = partner_cli(&sandbox, &line);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    for (args, message) in [
        (vec!["--email", "nobody"], "not an e-mail address"),
        (vec![], "--email is required"),
    ] {
        let mut line = vec!["magic-link"];
        line.extend(args.iter().copied());
        let run = partner_cli(&sandbox, &line);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    assert_eq!(requests(&sandbox), 0, "nothing was sent");
}

#[test]
fn a_second_account_for_an_address_is_user_exists_in_any_case() {
    let sandbox = sandbox();
    create(&sandbox, "twice@example.com", &["--show-token"]).assert_code(0);
    let again = create(&sandbox, "TWICE@example.com", &["--show-token"]);
    again.assert_code(1);
    let error = again.error();
    assert_eq!(error["error_code"], "user_exists", "{again:#?}");
    assert_eq!(error["http_status"], 400);
}

#[test]
fn a_partner_off_the_whitelist_and_a_sub_key_are_forbidden() {
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .partner("5678", "other-partner-secret")
        .forbid_user_creation("5678")
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            "5678",
            "user",
            "create",
            "--email",
            "a@example.com",
            "--product-type",
            "woocommerce",
            "--show-token",
        ],
        &[("JETPACK_PARTNER_SECRET", "other-partner-secret")],
        None,
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "forbidden", "{run:#?}");
    assert_eq!(run.error()["http_status"], 403);
    // A sub-key is a new OAuth client nobody put on the whitelist.
    let key = session(&sandbox, PARTNER_ID, SECRET)
        .send(&NewPartnerKey::new("reseller"))
        .unwrap_or_else(|e| panic!("{e}"));
    let sub = session(&sandbox, &key.client_id, key.client_secret.expose());
    match sub.send(&NewUser::new("b@example.com", ProductType::Jetpack)) {
        Err(Error::Api(api)) => {
            assert_eq!((api.status, api.code.as_str()), (403, "forbidden"));
            assert!(api.body.get("error_message").is_some(), "{:?}", api.body);
        }
        other => panic!("{other:?}"),
    }
    // The partner itself is on it.
    create(&sandbox, "c@example.com", &["--show-token"]).assert_code(0);
    // Forbidding a partner the sandbox does not have is a bad setting.
    let refused = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .forbid_user_creation("999")
        .start();
    assert!(refused.is_err());
    let run = cli(
        &[
            "sandbox",
            "--partner",
            "1234:x-secret",
            "--forbid-user-creation",
            "999",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("no such partner"), "{run:#?}");
}

#[test]
fn the_sandbox_command_takes_a_partner_off_the_whitelist() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--partner",
            "77:partner-77-secret",
            "--partner",
            "78:partner-78-secret",
            "--forbid-user-creation",
            "77",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out)
            .read_line(&mut first)
            .unwrap_or_default();
    }
    let base = first.trim().to_owned();
    let run_as = |id: &str, secret: &str| {
        cli(
            &[
                "--api-base",
                &base,
                "--partner-id",
                id,
                "--no-token-cache",
                "user",
                "create",
                "--email",
                "a@example.com",
                "--product-type",
                "jetpack",
                "--show-token",
            ],
            &[("JETPACK_PARTNER_SECRET", secret)],
            None,
        )
    };
    let forbidden = run_as("77", "partner-77-secret");
    let allowed = run_as("78", "partner-78-secret");
    let _ = child.kill();
    let _ = child.wait();
    forbidden.assert_code(1);
    assert_eq!(
        forbidden.error()["error_code"],
        "forbidden",
        "{forbidden:#?}"
    );
    allowed.assert_code(0);
}

/// A request of the test's own: `fields` as a form to `/jpphp/user`.
struct RawUser(Vec<(&'static str, &'static str)>);

impl Endpoint for RawUser {
    type Answer = Value;
    const METHOD: jetpack_partner::Method = jetpack_partner::Method::Post;

    fn path(&self) -> Result<String, Error> {
        Ok("/rest/v1.3/jpphp/user".into())
    }

    fn form(&self) -> Result<Form, Error> {
        let mut form = Form::new();
        for (name, value) in &self.0 {
            form.text(name, value)?;
        }
        Ok(form)
    }

    fn decode(&self, reply: Reply) -> Result<Value, Error> {
        reply.into_typed("an object")
    }
}

#[test]
fn the_sandbox_refuses_what_the_client_never_sends_in_the_documented_shape() {
    let sandbox = sandbox();
    let session = session(&sandbox, PARTNER_ID, SECRET);
    for (fields, code) in [
        (vec![("product_type", "jetpack")], "invalid_input_no_email"),
        (
            vec![("email", "no-at-sign"), ("product_type", "jetpack")],
            "invalid_input_no_email",
        ),
        (
            vec![("email", "a@example.com")],
            "invalid_input_no_product_id",
        ),
        (
            vec![("email", "a@example.com"), ("product_type", "wordpress")],
            "invalid_input_unknown_product_id",
        ),
        (
            vec![
                ("email", "a@example.com"),
                ("product_type", "jetpack"),
                ("language", "xx"),
            ],
            "invalid_input_unknown_language",
        ),
    ] {
        match session.send(&RawUser(fields.clone())) {
            Err(Error::Api(api)) => {
                assert_eq!((api.status, api.code.as_str()), (400, code), "{fields:?}");
                let keys: Vec<&String> = api
                    .body
                    .as_object()
                    .map(|o| o.keys().collect())
                    .unwrap_or_default();
                assert_eq!(keys, ["error_code", "error_message"], "{fields:?}");
            }
            other => panic!("{fields:?}: {other:?}"),
        }
    }
    assert!(
        sandbox.stats()["by_endpoint"][USER]["200"].is_null(),
        "no account was made"
    );
}

/// The token could not be made: temporary by its status (exit 3), never
/// repeated, and the account exists, as a second try shows.
#[test]
fn error_access_token_leaves_an_account_without_a_token() {
    let sandbox = sandbox();
    let path = dir().join("token");
    let run = create(
        &sandbox,
        "someone@notoken.test",
        &["--token-file", &path.to_string_lossy()],
    );
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["error_code"], "service_unavailable", "{run:#?}");
    assert_eq!(error["api_error_code"], "error_access_token");
    assert_eq!(error["http_status"], 500);
    assert!(!path.exists(), "an unwritten token file is removed");
    assert_eq!(hits(&sandbox, USER), json!({"500": 1}), "not repeated");
    let again = create(&sandbox, "someone@notoken.test", &["--show-token"]);
    again.assert_code(1);
    assert_eq!(again.error()["error_code"], "user_exists");
}

/// The form the client sends comes back byte for byte through the
/// independent multipart parser, here and in the sandbox.
#[test]
fn the_user_form_is_read_back_byte_for_byte() {
    let email = "o'brien+\"tag\"@exämple.com";
    let request = NewUser::new(email, ProductType::Woocommerce).language("zh-TW");
    let encoded = request.form().unwrap_or_else(|e| panic!("{e}")).encode();
    let mut parser =
        multipart::server::Multipart::with_body(&encoded.body[..], encoded.boundary.as_str());
    let mut fields = Vec::new();
    while let Some(mut field) = parser.read_entry().unwrap_or_else(|e| panic!("{e}")) {
        let mut data = Vec::new();
        field
            .data
            .read_to_end(&mut data)
            .unwrap_or_else(|e| panic!("{e}"));
        fields.push((field.headers.name.to_string(), data));
    }
    assert_eq!(
        fields,
        [
            ("email".to_owned(), email.as_bytes().to_vec()),
            ("product_type".to_owned(), b"woocommerce".to_vec()),
            ("language".to_owned(), b"zh-tw".to_vec()),
        ]
    );
    let sandbox = sandbox();
    session(&sandbox, PARTNER_ID, SECRET)
        .send(&request)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        last_fields(&sandbox, USER),
        json!([
            ["email", email],
            ["product_type", "woocommerce"],
            ["language", "zh-tw"]
        ])
    );
    let link = MagicLink::new(email);
    session(&sandbox, PARTNER_ID, SECRET)
        .send(&link)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(last_fields(&sandbox, MAGIC_LINK), json!([["email", email]]));
}

#[test]
fn every_language_the_client_takes_the_sandbox_takes() {
    let sandbox = sandbox();
    let session = session(&sandbox, PARTNER_ID, SECRET);
    for (i, code) in LANGUAGES.iter().enumerate() {
        let request =
            NewUser::new(format!("user{i}@example.com"), ProductType::Jetpack).language(*code);
        if let Err(e) = session.send(&request) {
            panic!("{code}: {e}");
        }
    }
}

#[cfg(unix)]
#[test]
fn an_answer_stdout_cannot_take_is_exit_5_and_the_file_keeps_the_token() {
    let sandbox = sandbox();
    let path = dir().join("token");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .args([
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "user",
            "create",
            "--email",
            "full@example.com",
            "--product-type",
            "jetpack",
            "--token-file",
            &path.to_string_lossy(),
        ])
        .env_clear()
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(full)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("io_error"), "{stderr}");
    let token = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(token.trim_end().len(), 64, "the token is kept: {token:?}");
    assert!(!stderr.contains(token.trim_end()), "{stderr}");
}

fn faulty(fault: Fault) -> Sandbox {
    // The first request (the token) goes through; every one after meets
    // the fault.
    Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .fault(fault, 1.0)
        .fault_after(1)
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A `Once` POST is not sent again after an answer it may have had (a
/// 502, an answer cut short after the work was done); a 503 says the
/// service did not act, and is retried.
#[test]
fn creating_a_user_or_sending_a_link_is_not_repeated_after_an_ambiguous_failure() {
    for (fault, error_code, tries) in [
        (Fault::BadGatewayHtml, "service_unavailable", 1),
        (Fault::Reset, "network_error", 1),
        (Fault::Unavailable, "service_unavailable", 3),
    ] {
        let sandbox = faulty(fault);
        let run = create(&sandbox, "a@example.com", &["--show-token"]);
        run.assert_code(3);
        assert_eq!(run.error()["error_code"], error_code, "{fault:?}: {run:#?}");
        assert_eq!(
            requests(&sandbox),
            1 + tries,
            "{fault:?}: the token, then the user"
        );
        let sandbox = faulty(fault);
        let run = partner_cli(&sandbox, &["magic-link", "--email", "a@example.com"]);
        run.assert_code(3);
        assert_eq!(
            requests(&sandbox),
            1 + tries,
            "{fault:?}: the token, then the link"
        );
    }
}

/// An answer cut short after the account was made: the token is lost, the
/// token file is not left behind, and the account exists.
#[test]
fn a_truncated_answer_loses_the_token_but_the_account_exists() {
    let state = dir().join("state.json");
    let path = dir().join("token");
    {
        let sandbox = Sandbox::builder()
            .partner(PARTNER_ID, SECRET)
            .state_file(&state)
            .fault(Fault::Truncate, 1.0)
            .fault_after(1)
            .start()
            .unwrap_or_else(|e| panic!("{e}"));
        let run = create(
            &sandbox,
            "cut@example.com",
            &["--token-file", &path.to_string_lossy()],
        );
        run.assert_code(3);
        assert_eq!(run.error()["error_code"], "network_error", "{run:#?}");
        assert_eq!(hits(&sandbox, USER), json!({"200": 1}), "sent once");
        assert!(!path.exists());
    }
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .state_file(&state)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let again = create(&sandbox, "cut@example.com", &["--show-token"]);
    again.assert_code(1);
    assert_eq!(again.error()["error_code"], "user_exists");
}

#[test]
fn five_magic_links_an_hour_then_too_many_requests_until_the_hour_frees_up() {
    let sandbox = sandbox();
    for email in [
        "Five@Example.com",
        "five@example.com",
        "FIVE@example.com",
        "five@EXAMPLE.com",
        "five@example.COM",
    ] {
        let run = partner_cli(&sandbox, &["magic-link", "--email", email]);
        run.assert_code(0);
        assert_eq!(stdout_json(&run), json!({"success": true}));
    }
    let run = partner_cli(&sandbox, &["magic-link", "--email", "five@example.com"]);
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["error_code"], "rate_limited", "{run:#?}");
    assert_eq!(error["api_error_code"], "too_many_requests");
    assert_eq!(error["http_status"], 429);
    let wait = error["retry_after"].as_u64().unwrap_or(0);
    assert!((3000..=3600).contains(&wait), "{wait}");
    assert_eq!(
        hits(&sandbox, MAGIC_LINK),
        json!({"200": 5, "429": 1}),
        "a wait past the budget is not waited: no retry"
    );
    // The limit is per address.
    partner_cli(&sandbox, &["magic-link", "--email", "other@example.com"]).assert_code(0);
    // The refusal as the reference shows it, with the wait in its header.
    let token = token_of(&sandbox, SECRET);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut answer = agent
        .post(format!(
            "{}/rest/v1.3/jpphp/mobile-magic-link",
            sandbox.base_url()
        ))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send("email=five%40example.com")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status().as_u16(), 429);
    let retry_after: u64 = answer
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(
        (1..=3600).contains(&retry_after) && retry_after <= wait,
        "{retry_after}"
    );
    let body: Value = serde_json::from_str(&answer.body_mut().read_to_string().unwrap_or_default())
        .unwrap_or_default();
    assert_eq!(
        body,
        json!({"error": "too_many_requests", "message": "Too many requests per time interval"})
    );
    // A missing address is refused in the same shape.
    let session = session(&sandbox, PARTNER_ID, SECRET);
    struct NoEmail;
    impl Endpoint for NoEmail {
        type Answer = Value;
        const METHOD: jetpack_partner::Method = jetpack_partner::Method::Post;
        fn path(&self) -> Result<String, Error> {
            Ok("/rest/v1.3/jpphp/mobile-magic-link".into())
        }
        fn decode(&self, reply: Reply) -> Result<Value, Error> {
            reply.into_typed("an object")
        }
    }
    match session.send(&NoEmail) {
        Err(Error::Api(api)) => assert_eq!((api.status, api.code.as_str()), (400, "invalid_input")),
        other => panic!("{other:?}"),
    }
}

fn provision_with_redirect(sandbox: &Sandbox, siteurl: &str, more: &[&str]) -> Run {
    let mut args = vec![
        "provision",
        "--local-user",
        "admin",
        "--siteurl",
        siteurl,
        "--plan",
        "personal",
        "--partner-redirect",
        "https://panel.example/done?site=1",
    ];
    args.extend_from_slice(more);
    partner_cli(sandbox, &args)
}

#[test]
fn partner_redirect_is_added_only_where_the_user_authorizes() {
    let sandbox = sandbox();
    let run = provision_with_redirect(&sandbox, "https://redirect.test", &[]);
    run.assert_code(0);
    assert_eq!(run.stderr, "", "{run:#?}");
    let answer = stdout_json(&run);
    assert_eq!(answer["auth_required"], true);
    let next_url = answer["next_url"].as_str().unwrap_or_default();
    assert!(
        next_url
            .starts_with("https://jetpack.wordpress.com/jetpack.authorize/1/?site=redirect.test&"),
        "{next_url}"
    );
    assert!(
        next_url.ends_with("&partner_redirect=https%3A%2F%2Fpanel.example%2Fdone%3Fsite%3D1"),
        "{next_url}"
    );
    // Nothing of it is sent: it is for the browser.
    let sent = last_fields(&sandbox, "POST /rest/v1.3/jpphp/provision").to_string();
    assert!(!sent.contains("panel.example"), "{sent}");
    // Connected to a WordPress.com user: no authorization page.
    let connected = provision_with_redirect(
        &sandbox,
        "https://connected.test",
        &["--wpcom-user-email", "owner@connected.test"],
    );
    connected.assert_code(0);
    let answer = stdout_json(&connected);
    assert_eq!(answer["auth_required"], false);
    assert!(!answer["next_url"]
        .as_str()
        .unwrap_or_default()
        .contains("partner_redirect"));
    assert!(
        connected
            .stderr
            .contains("--partner-redirect was not added")
            && connected.stderr.contains("auth_required is false"),
        "{connected:#?}"
    );
    // Not reachable: no next_url to add it to.
    let pending = provision_with_redirect(&sandbox, "https://far.pending.test", &[]);
    pending.assert_code(0);
    assert_eq!(stdout_json(&pending)["next_url"], "");
    assert!(pending.stderr.contains("next_url is empty"), "{pending:#?}");
    let before = requests(&sandbox);
    for bad in [
        "panel.example/done",
        "javascript:alert(1)",
        "https://a b.example",
    ] {
        let run = partner_cli(
            &sandbox,
            &[
                "provision",
                "--local-user",
                "admin",
                "--siteurl",
                "https://x.test",
                "--plan",
                "free",
                "--partner-redirect",
                bad,
            ],
        );
        run.assert_code(2);
        assert!(run.stderr.contains("partner redirect"), "{bad}: {run:#?}");
    }
    assert_eq!(requests(&sandbox), before, "nothing was sent");
}

#[test]
fn a_batch_line_may_carry_its_own_partner_redirect() {
    let sandbox = sandbox();
    let input = temp_file(
        "sites.csv",
        b"local_user,siteurl,plan,partner_redirect\n\
          admin,https://one.test,free,https://panel.example/one\n\
          admin,https://two.test,free,\n\
          admin,https://three.test,free,ftp://panel.example\n",
    );
    let run = partner_cli(
        &sandbox,
        &[
            "batch",
            "provision",
            "--input",
            &input.to_string_lossy(),
            "--quiet",
        ],
    );
    run.assert_code(1);
    let records: Vec<Value> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|r: &Value| r["outcome"] != "started")
        .collect();
    let by_line = |n: u64| {
        records
            .iter()
            .find(|r| r["line"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("line {n}: {records:?}"))
    };
    let one = by_line(2);
    assert_eq!(one["outcome"], "ok");
    assert!(
        one["answer"]["next_url"]
            .as_str()
            .unwrap_or_default()
            .ends_with("&partner_redirect=https%3A%2F%2Fpanel.example%2Fone"),
        "{one}"
    );
    let two = by_line(3);
    assert!(
        !two["answer"]["next_url"]
            .to_string()
            .contains("partner_redirect"),
        "{two}"
    );
    assert_eq!(by_line(4)["outcome"], "invalid");
}

/// The sandbox's address check, through a session's error: an address it
/// takes, a token it gives.
#[test]
fn the_library_gets_a_typed_answer_with_a_hidden_token() {
    let sandbox = sandbox();
    let answer = session(&sandbox, PARTNER_ID, SECRET)
        .send(&NewUser::new("lib@example.com", ProductType::Jetpack))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answer.success);
    let token = answer.bearer_token.expose().to_owned();
    assert!(!format!("{answer:?}").contains(&token));
    assert!(!answer.masked().contains(&token));
    assert!(answer.raw.get().unwrap_or_default().contains(&token));
}
