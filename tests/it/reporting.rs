//! Partner reporting: `report activations`, `report activation-counts`,
//! `report invoices` and `report upcoming-invoice`, with the token a
//! WordPress.com user approved, over TCP against the sandbox's own
//! activations: what each answers, who may read which key, every limit,
//! and that a read is retried where a create is not.

use jetpack_partner::sandbox::{Fault, Sandbox};
use jetpack_partner::{
    AccessToken, ActivationCounts, Activations, Client, Credentials, Error, Invoices,
    NewPartnerKey, Provision, Scale, Secret, Session, UpcomingInvoice,
};
use serde_json::{json, Value};

use crate::common::*;

const LIST: &str = "GET /wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/activations";

fn partner_session(sandbox: &Sandbox, id: &str, secret: &str) -> Session {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Session::new(client, Credentials::new(id, Secret::new(secret)))
}

/// Provisions `plan` on `site`, connected to its owner's WordPress.com
/// account (so the activation is active, unless the site cannot be
/// reached).
fn provision(session: &Session, site: &str, plan: &str) {
    let request = Provision::new("admin", format!("https://{site}"), plan)
        .wpcom_user_email(format!("owner@{site}"));
    session
        .send(&request)
        .unwrap_or_else(|e| panic!("{site} {plan}: {e}"));
}

/// A sandbox where the test partner holds personal on one.test, premium
/// and daily backup on two.test, and a pending personal on
/// three.pending.test; another partner holds a site of its own.
fn with_activations() -> Sandbox {
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .partner("5678", "other-partner-secret")
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let ours = partner_session(&sandbox, PARTNER_ID, SECRET);
    provision(&ours, "one.test", "personal");
    provision(&ours, "two.test", "premium");
    provision(&ours, "two.test", "jetpack-backup-realtime");
    provision(&ours, "three.pending.test", "personal");
    provision(
        &partner_session(&sandbox, "5678", "other-partner-secret"),
        "theirs.test",
        "personal",
    );
    sandbox
}

fn user_token(sandbox: &Sandbox) -> String {
    sandbox
        .user_token(PARTNER_ID)
        .unwrap_or_else(|| panic!("no user token"))
}

/// The binary as the partner's WordPress.com user (no partner secret).
fn report(sandbox: &Sandbox, args: &[&str]) -> Run {
    let mut full = vec![
        "--api-base",
        sandbox.base_url(),
        "--partner-id",
        PARTNER_ID,
        "report",
    ];
    full.extend_from_slice(args);
    let token = user_token(sandbox);
    cli(&full, &[("JETPACK_USER_TOKEN", &token)], None)
}

fn stdout_json(run: &Run) -> Value {
    run.assert_code(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"))
}

fn products(answer: &Value) -> Vec<String> {
    answer["activations"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| r["product_id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn activations_list_the_keys_sites_with_the_documented_fields() {
    let sandbox = with_activations();
    let answer = stdout_json(&report(&sandbox, &["activations", "--key-id", PARTNER_ID]));
    assert_eq!(answer["total"], 4, "{answer}");
    assert_eq!(
        products(&answer),
        ["personal", "premium", "jetpack-backup-realtime", "personal"]
    );
    let first = &answer["activations"][0];
    for field in [
        "id",
        "jetpack_partner_key_id",
        "wpcom_blog_id",
        "wpcom_user_id",
        "external_user_id",
        "product_id",
        "created_on",
        "activated_on",
        "cancelled_on",
        "disputed_on",
        "site_registered",
        "site_url",
        "site_name",
        "site_icon",
        "current_product_id",
    ] {
        assert!(first.get(field).is_some(), "{field}: {first}");
    }
    assert_eq!(first["jetpack_partner_key_id"], 1234);
    assert_eq!(first["site_url"], "https://one.test");
    assert_eq!(first["current_product_id"], first["product_id"]);
    assert_eq!(first["cancelled_on"], Value::Null);
    let pending = &answer["activations"][3];
    assert_eq!(pending["site_name"], "three.pending.test");
    assert!(
        pending["created_on"].is_string() && pending["activated_on"].is_null(),
        "{pending}"
    );
}

#[test]
fn activations_filter_and_page() {
    let sandbox = with_activations();
    let run = |args: &[&str]| {
        let mut line = vec!["activations", "--key-id", PARTNER_ID];
        line.extend_from_slice(args);
        stdout_json(&report(&sandbox, &line))
    };
    let personal = run(&["--plans", "personal"]);
    assert_eq!(
        (personal["total"].clone(), products(&personal)),
        (json!(2), vec!["personal".to_owned(); 2])
    );
    let two = run(&["--plans", "premium,jetpack-backup-realtime"]);
    assert_eq!(two["total"], 2);
    let page = run(&["--per-page", "3", "--page", "2"]);
    assert_eq!(
        (page["total"].clone(), products(&page)),
        (json!(4), vec!["personal".to_owned()])
    );
    let beyond = run(&["--per-page", "3", "--page", "9"]);
    assert_eq!(beyond, json!({"total": 4, "activations": []}));
    // A moment filter keeps active sites only: the pending one has none.
    let since = run(&["--activated-after", "2000-01-01"]);
    assert_eq!(since["total"], 3);
    let future = run(&["--activated-after", "2999-01-01T00:00:00Z"]);
    assert_eq!(future["total"], 0);
    let before = run(&["--activated-before", "2999-01-01T00:00:00+02:00"]);
    assert_eq!(before["total"], 3);
}

#[test]
fn counts_per_period_from_the_sandboxs_own_activations() {
    let sandbox = with_activations();
    for (scale, suffix) in [("day", ""), ("month", "-01"), ("year", "-01-01")] {
        let answer = stdout_json(&report(
            &sandbox,
            &[
                "activation-counts",
                "--key-id",
                PARTNER_ID,
                "--scale",
                scale,
            ],
        ));
        let periods = answer.as_array().cloned().unwrap_or_default();
        // One period, or two when the test ran across midnight.
        assert!(
            !periods.is_empty() && periods.len() <= 2,
            "{scale}: {answer}"
        );
        let new: u64 = periods.iter().filter_map(|p| p["new"].as_u64()).sum();
        assert_eq!(new, 3, "{scale}: the pending activation is not counted");
        assert_eq!(periods.last().map(|p| p["total"].clone()), Some(json!(3)));
        let date = periods[0]["date"].as_str().unwrap_or_default();
        assert!(
            date.len() == 10 && date.ends_with(suffix),
            "{scale}: {date}"
        );
    }
    // Month is the default; a key with nothing is an empty list.
    let default = stdout_json(&report(
        &sandbox,
        &["activation-counts", "--key-id", PARTNER_ID],
    ));
    assert!(
        default[0]["date"]
            .as_str()
            .unwrap_or_default()
            .ends_with("-01"),
        "{default}"
    );
    let key = partner_session(&sandbox, PARTNER_ID, SECRET)
        .send(&NewPartnerKey::new("empty"))
        .unwrap_or_else(|e| panic!("{e}"));
    let empty = stdout_json(&report(
        &sandbox,
        &["activation-counts", "--key-id", &key.client_id],
    ));
    assert_eq!(empty, json!([]));
}

/// Invoices need months that have ended: the state file dates the
/// activations back to January 2024.
#[test]
fn invoices_bill_each_ended_month_and_the_upcoming_one_this_month() {
    let state = temp_file("state.json", b"");
    {
        let sandbox = Sandbox::builder()
            .partner(PARTNER_ID, SECRET)
            .state_file(&state)
            .start()
            .unwrap_or_else(|e| panic!("{e}"));
        let session = partner_session(&sandbox, PARTNER_ID, SECRET);
        provision(&session, "one.test", "personal");
        provision(&session, "two.test", "premium");
        let fresh = stdout_json(&report(&sandbox, &["invoices", "--key-id", PARTNER_ID]));
        assert_eq!(fresh, json!({"invoices": []}), "no month has ended yet");
    }
    let mut saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
    // one.test from 2024-01-15, two.test from 2024-02-10 (UTC).
    for (site, at) in [("one.test", 1_705_276_800_u64), ("two.test", 1_707_523_200)] {
        saved["sites"][site]["products"][0]["created_at"] = json!(at);
    }
    std::fs::write(&state, saved.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let sandbox = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .state_file(&state)
        .start()
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = stdout_json(&report(&sandbox, &["invoices", "--key-id", PARTNER_ID]));
    let invoices = answer["invoices"].as_array().cloned().unwrap_or_default();
    assert!(
        invoices.len() >= 12,
        "every month since January 2024: {}",
        invoices.len()
    );
    let january = invoices.last().cloned().unwrap_or_default();
    assert_eq!(january["id"], "in_sandbox_1234_202401");
    assert_eq!(
        (
            january["period_start"].clone(),
            january["period_end"].clone()
        ),
        (json!("2024-01-01"), json!("2024-01-31"))
    );
    assert_eq!(january["status"], "paid");
    assert_eq!(
        january["lines"],
        json!([{"product_id": "personal", "quantity": 1, "unit_amount": 350, "amount": 350}])
    );
    assert_eq!(january["total"], 350);
    let february = &invoices[invoices.len() - 2];
    assert_eq!(february["period_end"], "2024-02-29");
    assert_eq!(
        february["total"],
        350 + 900,
        "newest first; premium from February"
    );
    let upcoming = stdout_json(&report(
        &sandbox,
        &["upcoming-invoice", "--key-id", PARTNER_ID],
    ));
    assert_eq!(upcoming["status"], "upcoming");
    assert_eq!(upcoming["id"], Value::Null);
    assert_eq!(upcoming["total"], 1250);
    assert!(upcoming["next_payment_attempt"]
        .as_str()
        .unwrap_or_default()
        .ends_with("-01"));
    // The library reads the invented shape leniently.
    let session = Session::without_credentials(
        Client::builder()
            .api_base(sandbox.base_url())
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .user_token(AccessToken::new(user_token(&sandbox)));
    let typed = session
        .send(&Invoices::new(PARTNER_ID, PARTNER_ID))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(typed.invoices.len(), invoices.len());
    assert_eq!(typed.invoices.last().and_then(|i| i.total), Some(350));
    let next = session
        .send(&UpcomingInvoice::new(PARTNER_ID, PARTNER_ID))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.invoice.lines.len(), 2);
    assert!(next.invoice.extra.contains_key("next_payment_attempt"));
}

#[test]
fn a_partner_reads_its_own_keys_and_its_sub_keys_only() {
    let sandbox = with_activations();
    let ours = partner_session(&sandbox, PARTNER_ID, SECRET);
    let sub = ours
        .send(&NewPartnerKey::new("reseller").allowed_personal_plans(5))
        .unwrap_or_else(|e| panic!("{e}"));
    provision(
        &partner_session(&sandbox, &sub.client_id, sub.client_secret.expose()),
        "resold.test",
        "personal",
    );
    let resold = stdout_json(&report(
        &sandbox,
        &["activations", "--key-id", &sub.client_id],
    ));
    assert_eq!(resold["total"], 1);
    assert_eq!(resold["activations"][0]["site_name"], "resold.test");
    for args in [
        vec!["activations", "--key-id", "5678"],
        vec!["activation-counts", "--key-id", "5678"],
        vec!["invoices", "--key-id", "5678"],
        vec!["upcoming-invoice", "--key-id", "999999"],
    ] {
        let run = report(&sandbox, &args);
        run.assert_code(1);
        assert_eq!(
            run.error()["error_code"],
            "rest_forbidden",
            "{args:?}: {run:#?}"
        );
        assert_eq!(run.error()["http_status"], 403);
    }
    // The path's partner must be the token's.
    let token = user_token(&sandbox);
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            "5678",
            "report",
            "invoices",
            "--key-id",
            "5678",
        ],
        &[("JETPACK_USER_TOKEN", &token)],
        None,
    );
    run.assert_code(1);
    assert!(run.stderr.contains("not for partner 5678"), "{run:#?}");
    run.assert_hidden(&token);
}

#[test]
fn reports_take_a_users_token_and_say_so() {
    let sandbox = with_activations();
    let base = ["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID];
    let line = |more: &[&'static str]| {
        let mut line = base.to_vec();
        line.extend_from_slice(&["report", "activations", "--key-id", PARTNER_ID]);
        line.extend_from_slice(more);
        line
    };
    let none = cli(&line(&[]), &[("JETPACK_PARTNER_SECRET", SECRET)], None);
    none.assert_code(2);
    assert!(none.stderr.contains("login"), "{none:#?}");
    // The partner's token is not a user's.
    let partner = token_of(&sandbox, SECRET);
    let before = requests(&sandbox);
    let run = cli(&line(&[]), &[("JETPACK_USER_TOKEN", &partner)], None);
    run.assert_code(2);
    assert!(run.stderr.contains("invalid_scope"), "{run:#?}");
    assert!(run.stderr.contains("the partner's token"), "{run:#?}");
    run.assert_hidden(&partner);
    // A token the API does not know: sign in again.
    let bogus = cli(
        &line(&[]),
        &[("JETPACK_USER_TOKEN", "not-a-known-token")],
        None,
    );
    bogus.assert_code(2);
    assert!(bogus.stderr.contains("login"), "{bogus:#?}");
    bogus.assert_hidden("not-a-known-token");
    assert_eq!(requests(&sandbox), before + 2);
    // From a file, too.
    let file = temp_file(
        "user-token",
        format!("{}\n", user_token(&sandbox)).as_bytes(),
    );
    let file = file.to_string_lossy();
    let mut from_file = line(&[]);
    from_file.extend_from_slice(&["--user-token-file", &file]);
    let from_file = cli(&from_file, &[], None);
    assert_eq!(stdout_json(&from_file)["total"], 4);
}

#[test]
fn bad_report_options_are_refused_before_sending() {
    let sandbox = with_activations();
    let before = requests(&sandbox);
    for (args, message) in [
        (vec!["activations"], "--key-id is required"),
        (
            vec!["activations", "--key-id", "1", "--page", "0"],
            "a page number from 1",
        ),
        (
            vec!["activations", "--key-id", "1", "--per-page", "101"],
            "from 1 to 100",
        ),
        (
            vec!["activations", "--key-id", "1", "--per-page", "x"],
            "from 1 to 100",
        ),
        (
            vec![
                "activations",
                "--key-id",
                "1",
                "--plans",
                "personal,,premium",
            ],
            "not a product slug",
        ),
        (
            vec![
                "activations",
                "--key-id",
                "1",
                "--activated-after",
                "yesterday",
            ],
            "is not a date",
        ),
        (
            vec![
                "activations",
                "--key-id",
                "1",
                "--activated-before",
                "2024-13-01",
            ],
            "is not a date",
        ),
        (
            vec!["activation-counts", "--key-id", "1", "--scale", "week"],
            "day, month or year",
        ),
        (vec!["activation-counts"], "--key-id is required"),
        (vec!["invoices"], "--key-id is required"),
        (
            vec!["upcoming-invoice", "--key-id", ""],
            "--key-id is required",
        ),
    ] {
        let run = report(&sandbox, &args);
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    let token = user_token(&sandbox);
    let no_partner = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "report",
            "invoices",
            "--key-id",
            "1",
        ],
        &[("JETPACK_USER_TOKEN", &token)],
        None,
    );
    no_partner.assert_code(2);
    assert!(
        no_partner.stderr.contains("--partner-id"),
        "{no_partner:#?}"
    );
    assert_eq!(requests(&sandbox), before, "nothing was sent");
}

#[test]
fn the_sandbox_refuses_bad_parameters_in_the_wordpress_rest_shape() {
    let sandbox = with_activations();
    let token = user_token(&sandbox);
    let list = "/wpcom/v2/jetpack-partners/1234/key/1234/activations";
    for (path, code) in [
        (format!("{list}?per_page=101"), "rest_invalid_param"),
        (format!("{list}?per_page=0"), "rest_invalid_param"),
        (format!("{list}?page=0"), "rest_invalid_param"),
        (format!("{list}?activated_after=soon"), "rest_invalid_param"),
        (
            "/wpcom/v2/jetpack-partners/activations?key_id=1234&scale=week".into(),
            "rest_invalid_param",
        ),
        (
            "/wpcom/v2/jetpack-partners/activations".into(),
            "rest_missing_callback_param",
        ),
    ] {
        let (status, body) = raw_get(sandbox.base_url(), &path, &token);
        let body: Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(
            (status, body["code"].clone()),
            (400, json!(code)),
            "{path}: {body}"
        );
        assert_eq!(body["data"]["status"], 400, "{path}");
    }
    // `plans` as WordPress REST also reads it, comma-separated.
    let (status, body) = raw_get(
        sandbox.base_url(),
        &format!("{list}?plans=premium,personal&per_page=100"),
        &token,
    );
    let body: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!((status, body["total"].clone()), (200, json!(3)));
    // No token at all.
    let (status, _) = raw_get(sandbox.base_url(), list, "");
    assert_eq!(status, 401);
}

#[test]
fn the_library_sends_each_report_with_the_users_token() {
    let sandbox = with_activations();
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let session =
        Session::without_credentials(client).user_token(AccessToken::new(user_token(&sandbox)));
    let page = session
        .send(&Activations::new(PARTNER_ID, PARTNER_ID).per_page(2))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((page.total, page.activations.len()), (4, 2));
    assert_eq!(page.activations[0].site_name.as_deref(), Some("one.test"));
    let counts = session
        .send(&ActivationCounts::new(PARTNER_ID).scale(Scale::Year))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.periods.iter().map(|p| p.new).sum::<u64>(), 3);
    // Without the user's token, nothing is sent.
    let partner_only = partner_session(&sandbox, PARTNER_ID, SECRET);
    let before = requests(&sandbox);
    assert!(matches!(
        partner_only.send(&Activations::new(PARTNER_ID, PARTNER_ID)),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(requests(&sandbox), before);
}

/// A report is a read: retried after a failure that may have been
/// answered (502, a reset connection), unlike creating a user.
#[test]
fn a_report_is_retried_after_an_ambiguous_failure() {
    for (fault, error_code) in [
        (Fault::BadGatewayHtml, "service_unavailable"),
        (Fault::Reset, "network_error"),
    ] {
        let sandbox = Sandbox::builder()
            .partner(PARTNER_ID, SECRET)
            .fault(fault, 1.0)
            .start()
            .unwrap_or_else(|e| panic!("{e}"));
        let run = report(&sandbox, &["activations", "--key-id", PARTNER_ID]);
        run.assert_code(3);
        assert_eq!(run.error()["error_code"], error_code, "{fault:?}: {run:#?}");
        let tries: u64 = sandbox.stats()["by_endpoint"][LIST]
            .as_object()
            .map(|m| m.values().filter_map(Value::as_u64).sum())
            .unwrap_or(0);
        assert_eq!(tries, 3, "{fault:?}: once and two retries");
    }
}
