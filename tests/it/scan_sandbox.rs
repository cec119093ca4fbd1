//! The sandbox's Jetpack Scan routes as any HTTP client meets them (the
//! token kinds, the bodies and queries it takes, its refusals, its state
//! file), and the library's threat requests with a WordPress.com user's
//! token.

use std::time::{Duration, Instant};

use jetpack_partner::sandbox::Sandbox;
use jetpack_partner::{
    BlogId, Client, Credentials, Error, FixStatus, FixThreats, FixerState, Provision, ScanStatus,
    Secret, Session, SiteRef, ThreatId, ThreatStatus,
};
use serde_json::{json, Value};

use crate::common::*;

fn session(sandbox: &Sandbox) -> Session {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Session::new(client, Credentials::new(PARTNER_ID, Secret::new(SECRET)))
}

/// Provisions Jetpack Scan for `host`, connected (a pending Scan is only
/// `provisioning`); its blog ID.
fn provision(sandbox: &Sandbox, host: &str) -> BlogId {
    let session = session(sandbox);
    let request =
        Provision::new("admin", format!("https://{host}"), "jetpack-scan").wpcom_user_id(42);
    session.send(&request).unwrap_or_else(|e| panic!("{e}"));
    let site = SiteRef::parse(host).unwrap_or_else(|e| panic!("{e}"));
    session.blog_id(&site).unwrap_or_else(|e| panic!("{e}"))
}

fn user_token(sandbox: &Sandbox) -> String {
    sandbox
        .user_token(PARTNER_ID)
        .unwrap_or_else(|| panic!("no user token"))
}

/// POSTs `body` (with its content type, if any) with a bearer token:
/// (status, JSON answer).
fn raw_post(base: &str, path: &str, token: &str, body: Option<(&str, &str)>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let request = agent
        .post(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"));
    let answer = match body {
        Some((kind, text)) => request.header("Content-Type", kind).send(text),
        None => request.send_empty(),
    };
    let mut answer = answer.unwrap_or_else(|e| panic!("{e}"));
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn get(base: &str, path: &str, token: &str) -> (u16, Value) {
    let (status, text) = raw_get(base, path, token);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The WordPress REST error code of an answer.
fn code(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["code"].as_str().unwrap_or_default())
}

#[test]
fn each_route_takes_its_own_kind_of_token() {
    let sandbox = sandbox();
    let blog = provision(&sandbox, "tokens.infected.test");
    let base = sandbox.base_url();
    let (partner, user) = (token_of(&sandbox, SECRET), user_token(&sandbox));
    let scan = format!("/wpcom/v2/sites/{blog}/scan");
    let enqueue = format!("/wpcom/v2/sites/{blog}/scan/enqueue");
    assert_eq!(get(base, &scan, &partner).0, 200);
    let wrong = get(base, &scan, &user);
    assert_eq!(code(&wrong), (403, "invalid_scope"));
    assert_eq!(wrong.1["data"]["status"], 403);
    assert_eq!(
        code(&raw_post(base, &enqueue, &partner, None)),
        (403, "invalid_scope")
    );
    assert_eq!(
        code(&raw_post(base, &enqueue, "", None)),
        (401, "authorization_required")
    );
    assert_eq!(
        code(&raw_post(base, &enqueue, "no-such-token", None)),
        (400, "invalid_token")
    );
    assert_eq!(
        raw_post(base, &enqueue, &user, None),
        (200, json!({"success": true}))
    );
    // The envelope every endpoint honours.
    let wrapped = get(base, &format!("{scan}?http_envelope=1"), &user);
    assert_eq!((wrapped.0, &wrapped.1["code"]), (200, &json!(403)));
}

#[test]
fn fixes_are_asked_for_in_json_or_a_form_and_their_ids_are_checked() {
    let sandbox = sandbox();
    let blog = provision(&sandbox, "bodies.infected.test");
    let (base, user) = (sandbox.base_url(), user_token(&sandbox));
    let fix = format!("/wpcom/v2/sites/{blog}/alerts/fix");
    let (first, second) = (blog.get() * 1000 + 1, blog.get() * 1000 + 2);
    let json_body = format!(r#"{{"threat_ids":[{first},"{second}"]}}"#);
    let (status, answer) = raw_post(base, &fix, &user, Some(("application/json", &json_body)));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["ok"], true);
    assert_eq!(
        answer["threats"][first.to_string()]["status"],
        "in_progress"
    );
    assert_eq!(
        answer["threats"][second.to_string()]["status"],
        "in_progress"
    );
    let form = format!("threat_ids%5B%5D={first}&threat_ids%5B%5D=999");
    let form_kind = "application/x-www-form-urlencoded";
    let (status, answer) = raw_post(base, &fix, &user, Some((form_kind, &form)));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["threats"][first.to_string()]["status"],
        "in_progress"
    );
    assert!(answer["threats"]["999"]["error"].is_string(), "{answer}");
    for (kind, body, want) in [
        (
            "application/json",
            "{}",
            (400, "rest_missing_callback_param"),
        ),
        (
            "application/json",
            r#"{"threat_ids":[]}"#,
            (400, "rest_missing_callback_param"),
        ),
        (
            "application/json",
            r#"{"threat_ids":["x"]}"#,
            (400, "rest_invalid_param"),
        ),
        (
            "application/json",
            r#"{"threat_ids":7}"#,
            (400, "rest_invalid_param"),
        ),
        ("application/json", "{not json", (400, "rest_invalid_json")),
        (form_kind, "", (400, "rest_missing_callback_param")),
    ] {
        let answer = raw_post(base, &fix, &user, Some((kind, body)));
        assert_eq!(code(&answer), want, "{body}: {answer:?}");
    }
    let status = format!("/wpcom/v2/sites/{blog}/alerts/fix?threat_ids[]={first}&threat_ids[]=7");
    let (code_, answer) = get(base, &status, &user);
    assert_eq!(code_, 200);
    assert_eq!(
        answer["threats"][first.to_string()]["status"],
        "in_progress"
    );
    assert!(answer["threats"]["7"]["error"].is_string(), "{answer}");
    let bare = get(base, &format!("/wpcom/v2/sites/{blog}/alerts/fix"), &user);
    assert_eq!(code(&bare), (400, "rest_missing_callback_param"));
}

#[test]
fn one_threat_takes_fix_or_ignore_and_nothing_else() {
    let sandbox = sandbox();
    let blog = provision(&sandbox, "query.infected.test");
    let (base, user) = (sandbox.base_url(), user_token(&sandbox));
    let threat = format!("/wpcom/v2/sites/{blog}/alerts/{}", blog.get() * 1000 + 1);
    for query in ["", "?fix=true&ignore=true", "?fix=false"] {
        let answer = raw_post(base, &format!("{threat}{query}"), &user, None);
        assert_eq!(code(&answer), (400, "rest_invalid_param"), "{query}");
    }
    let answer = raw_post(base, &format!("{threat}?ignore=true"), &user, None);
    assert_eq!(answer.0, 200);
    assert_eq!(answer.1["alerts"]["threats"][0]["status"], "ignored");
    assert_eq!(answer.1["downloads"], json!([]));
    let bad_id = format!("/wpcom/v2/sites/{blog}/alerts/x1?fix=true");
    assert_eq!(
        code(&raw_post(base, &bad_id, &user, None)),
        (400, "rest_invalid_param")
    );
    let (status, _) = raw_get(base, &threat, &user);
    assert_eq!(status, 405, "a threat is not read on its own");
}

#[test]
fn the_library_fixes_with_a_users_token_and_follows_the_fixers() {
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .fix_duration(Duration::from_millis(200))
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let blog = provision(&sandbox, "lib.infected.test");
    let ids: Vec<ThreatId> = [1, 6]
        .iter()
        .map(|n| ThreatId::new(blog.get() * 1000 + n).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    // The partner's session has no user's token: nothing is sent.
    let before = requests(&sandbox);
    let request = FixThreats::new(blog, ids.clone()).unwrap_or_else(|e| panic!("{e}"));
    match session(&sandbox).send(&request) {
        Err(Error::InvalidInput(message)) => {
            assert!(message.contains("WordPress.com user approved"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&sandbox), before);
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let user = Session::without_credentials(client)
        .user_token(jetpack_partner::AccessToken::new(user_token(&sandbox)));
    let started = user.send(&request).unwrap_or_else(|e| panic!("{e}"));
    assert!(started.ok);
    assert_eq!(
        started.threats.get(&ids[0]).map(|f| f.state()),
        Some(FixerState::InProgress)
    );
    let status = FixStatus::new(blog, ids.clone()).unwrap_or_else(|e| panic!("{e}"));
    let begun = Instant::now();
    let progress = loop {
        let answer = user.send(&status).unwrap_or_else(|e| panic!("{e}"));
        let progress = answer.progress(&ids);
        if progress.is_over() || begun.elapsed() > Duration::from_secs(30) {
            break progress;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(progress.fixed, ids);
    let scan = session(&sandbox)
        .send(&ScanStatus::new(blog))
        .unwrap_or_else(|e| panic!("{e}"));
    for id in &ids {
        let threat = scan.threat(*id).unwrap_or_else(|| panic!("{id}"));
        assert_eq!(threat.status, ThreatStatus::Fixed);
        assert!(threat.extra.contains_key("fixed_on"), "{threat:?}");
    }
}

#[test]
fn scanners_are_kept_in_the_state_file() {
    let path = temp_file("state.json", b"");
    let start = || {
        Sandbox::builder()
            .partner(PARTNER_ID, SECRET)
            .state_file(&path)
            .start()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let first = start();
    let blog = provision(&first, "kept.infected.test");
    let threat = format!("/wpcom/v2/sites/{blog}/alerts/{}", blog.get() * 1000 + 2);
    let answer = raw_post(
        first.base_url(),
        &format!("{threat}?ignore=true"),
        &user_token(&first),
        None,
    );
    assert_eq!(answer.0, 200);
    drop(first);
    let again = start();
    let scan = session(&again)
        .send(&ScanStatus::new(blog))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scan.threats[1].status, ThreatStatus::Ignored);
    assert_eq!(scan.threats[0].status, ThreatStatus::Current);
}
