//! Where the sandbox once differed from the reference, over real TCP: the
//! partner documents' error shape, proxies' pages, pending activations
//! and the sandbox's clock, a disabled key, upgrade-paths against
//! provision, `invalid_blog`, repeated fields, bodies over the cap,
//! another partner's site, and the reserved hosts for the errors that had
//! no way to happen.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use jetpack_partner::sandbox::{Sandbox, SandboxBuilder};
use jetpack_partner::Form;
use serde_json::{json, Value};

const OTHER_ID: &str = "5678";
const OTHER_SECRET: &str = "other-partner-secret";
const PROVISION: &str = "/rest/v1.3/jpphp/provision";
const FOURTEEN_DAYS: u64 = 14 * 24 * 60 * 60;

fn builder() -> SandboxBuilder {
    Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .partner(OTHER_ID, OTHER_SECRET)
}

fn start(builder: SandboxBuilder) -> Sandbox {
    builder.start().unwrap_or_else(|e| panic!("sandbox: {e}"))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and body (JSON when it is JSON, else the text as a string).
fn read(mut answer: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = answer.status().as_u16();
    let text = answer
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

/// A POST of `body` with this content type, and a bearer token if any.
fn post_body(
    base: &str,
    path: &str,
    bearer: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> (u16, Value) {
    let mut request = agent()
        .post(format!("{base}{path}"))
        .header("Content-Type", content_type);
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    read(request.send(body).unwrap_or_else(|e| panic!("{e}")))
}

fn get(base: &str, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = agent().get(format!("{base}{path}"));
    if let Some(token) = bearer {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    read(request.call().unwrap_or_else(|e| panic!("{e}")))
}

/// A multipart body of `fields`, as the library encodes it.
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut form = Form::new();
    for (name, value) in fields {
        form.text(name, value).unwrap_or_else(|e| panic!("{e}"));
    }
    let encoded = form.encode();
    (encoded.content_type.clone(), encoded.body.to_vec())
}

/// One partner's view of a sandbox at `base`.
struct Api {
    base: String,
    token: String,
}

impl Api {
    fn new(base: &str, id: &str, secret: &str) -> Api {
        let body = format!(
            "client_id={id}&client_secret={secret}&grant_type=client_credentials&scope=jetpack-partner"
        );
        let (status, json) = post_body(
            base,
            "/oauth2/token",
            None,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
        );
        assert_eq!(status, 200, "token for {id}: {json}");
        Api {
            base: base.to_owned(),
            token: json["access_token"].as_str().unwrap_or_default().to_owned(),
        }
    }

    fn of(sandbox: &Sandbox, id: &str, secret: &str) -> Api {
        Api::new(sandbox.base_url(), id, secret)
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        let (content_type, body) = multipart(fields);
        post_body(&self.base, path, Some(&self.token), &content_type, &body)
    }

    fn urlencoded(&self, path: &str, body: &[u8]) -> (u16, Value) {
        post_body(
            &self.base,
            path,
            Some(&self.token),
            "application/x-www-form-urlencoded",
            body,
        )
    }

    fn get(&self, path: &str) -> (u16, Value) {
        get(&self.base, path, Some(&self.token))
    }

    fn provision(&self, siteurl: &str, plan: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let mut fields = vec![
            ("local_user", "admin"),
            ("siteurl", siteurl),
            ("plan", plan),
        ];
        fields.extend_from_slice(extra);
        self.post(PROVISION, &fields)
    }

    #[track_caller]
    fn provisioned(&self, siteurl: &str, plan: &str) -> Value {
        let (status, json) = self.provision(siteurl, plan, &[]);
        assert_eq!(status, 200, "provision {plan} on {siteurl}: {json}");
        json
    }

    fn cancel(&self, site: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        self.post(&format!("/rest/v1.3/jpphp/{site}/partner-cancel"), fields)
    }

    #[track_caller]
    fn status(&self, site: &str) -> Value {
        let (status, json) = self.get(&format!("/rest/v1.4/jpphp/{site}/status"));
        assert_eq!(status, 200, "status of {site}: {json}");
        json
    }

    #[track_caller]
    fn upgrade_paths(&self, site: &str) -> Value {
        let (status, json) = self.get(&format!("/rest/v1.3/jpphp/{site}/upgrade-paths"));
        assert_eq!(status, 200, "upgrade paths of {site}: {json}");
        json
    }

    /// The slugs the v1.4 status lists.
    fn slugs(&self, site: &str) -> Vec<String> {
        self.products(site)
            .into_iter()
            .map(|(slug, _)| slug)
            .collect()
    }

    /// (slug, is_pending) of each product the v1.4 status lists.
    fn products(&self, site: &str) -> Vec<(String, bool)> {
        self.status(site)["products"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|p| {
                        let slug = p["slug"].as_str().unwrap_or_default().to_owned();
                        (slug, p["is_pending"] == true)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The partner documents' shape: `error_code` and `error_message`, no
/// `error` or `message`; `success: false` when `unsuccessful`.
#[track_caller]
fn assert_partner_shape(got: &(u16, Value), status: u16, code: &str, unsuccessful: bool) {
    let (got_status, json) = got;
    assert_eq!(*got_status, status, "{json}");
    assert_eq!(json["error_code"], code, "{json}");
    assert!(
        json["error_message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{json}"
    );
    assert!(
        json.get("error").is_none() && json.get("message").is_none(),
        "{json}"
    );
    let keys = if unsuccessful { 3 } else { 2 };
    assert_eq!(json.as_object().map(|o| o.len()), Some(keys), "{json}");
    if unsuccessful {
        assert_eq!(json["success"], false, "{json}");
    }
}

/// The WordPress.com REST shape: `error` and `message`.
#[track_caller]
fn assert_rest_shape(got: &(u16, Value), status: u16, code: &str) {
    let (got_status, json) = got;
    assert_eq!(*got_status, status, "{json}");
    assert_eq!(json["error"], code, "{json}");
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{json}"
    );
    assert!(json.get("error_code").is_none(), "{json}");
}

#[test]
fn provision_and_cancel_refuse_in_the_partner_documents_shape() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    let other = Api::of(&sandbox, OTHER_ID, OTHER_SECRET);
    let base = sandbox.base_url();
    for (got, code) in [
        (api.provision("a.test", "gold", &[]), "invalid_plan"),
        (api.post(PROVISION, &[("plan", "free")]), "invalid_siteurl"),
        (
            api.post(PROVISION, &[("siteurl", "a.test"), ("plan", "free")]),
            "invalid_local_user",
        ),
        (
            api.provision("https://x.nojetpack.test", "free", &[]),
            "method_not_found",
        ),
    ] {
        assert_partner_shape(&got, 400, code, false);
    }
    api.provisioned("a.test", "premium");
    assert_partner_shape(
        &api.provision("a.test", "personal", &[]),
        400,
        "plan_downgrade_disallowed",
        false,
    );
    let global = {
        let body = format!(
            "client_id={PARTNER_ID}&client_secret={SECRET}&grant_type=client_credentials&scope=global"
        );
        let (_, json) = post_body(
            base,
            "/oauth2/token",
            None,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
        );
        json["access_token"].as_str().unwrap_or_default().to_owned()
    };
    let (content_type, body) = multipart(&[]);
    assert_partner_shape(
        &post_body(base, PROVISION, Some(&global), &content_type, &body),
        403,
        "invalid_scope",
        false,
    );

    // Cancel: the same shape with its "success": false.
    assert_partner_shape(
        &api.cancel("a.test", &[("plan", "gold")]),
        400,
        "not_jps_plan",
        true,
    );
    assert_partner_shape(&api.cancel("nowhere.test", &[]), 403, "invalid_blog", true);
    assert_partner_shape(
        &other.cancel("a.test", &[]),
        403,
        "incorrect_partner_key",
        true,
    );
    assert_partner_shape(
        &post_body(
            base,
            "/rest/v1.3/jpphp/a.test/partner-cancel",
            Some(&global),
            &content_type,
            &body,
        ),
        403,
        "invalid_scope",
        true,
    );

    // The token checks every REST endpoint shares, and the endpoints
    // whose documents show no other shape, stay in the REST shape.
    let (content_type, body) = multipart(&[("plan", "free")]);
    assert_rest_shape(
        &post_body(base, PROVISION, None, &content_type, &body),
        403,
        "authorization_required",
    );
    assert_rest_shape(
        &post_body(base, PROVISION, Some("nope"), &content_type, &body),
        400,
        "invalid_token",
    );
    assert_rest_shape(
        &api.get("/rest/v1.4/jpphp/nowhere.test/status"),
        403,
        "invalid_blog",
    );

    // In an envelope, the body keeps its shape.
    let (status, json) = api.post(&format!("{PROVISION}?http_envelope=1"), &[("plan", "x")]);
    assert_eq!((status, json["code"].as_u64()), (200, Some(400)), "{json}");
    assert_eq!(json["body"]["error_code"], "invalid_siteurl", "{json}");

    // The client reads the shape: the binary exits 1 with the API's code.
    let run = partner_cli(
        &sandbox,
        &["cancel", "--site", "a.test", "--plan", "jetpack-scan"],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "nothing_to_cancel", "{run:#?}");
    let run = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--siteurl",
            "https://a.test",
            "--plan",
            "free",
        ],
    );
    run.assert_code(1);
    let error = run.error();
    assert_eq!(error["error_code"], "plan_downgrade_disallowed", "{run:#?}");
    assert_eq!(
        error["error_message"],
        "Can not automatically downgrade plans. Contact support."
    );
    assert_eq!(error["http_status"], 400);
}

/// `token` through the binary against `base`, two retries, 5 s budget.
fn token_run(base: &str) -> Run {
    cli(
        &[
            "--api-base",
            base,
            "--partner-id",
            PARTNER_ID,
            "--retries",
            "2",
            "--timeout",
            "5",
            "token",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    )
}

#[test]
fn proxy_pages_for_503_504_and_429_are_retried_and_reported() {
    let partner = format!("{PARTNER_ID}:{SECRET}");
    for (kind, status, error_code, title) in [
        (
            "503-html",
            503,
            "service_unavailable",
            "503 Service Temporarily Unavailable",
        ),
        (
            "504-html",
            504,
            "service_unavailable",
            "504 Gateway Time-out",
        ),
        ("429-html", 429, "rate_limited", "429 Too Many Requests"),
    ] {
        let sandbox =
            SandboxProcess::start(&["--partner", &partner, "--fault", kind, "--retry-after", "1"]);
        // What a client sees: the status, an HTML page, no JSON.
        let mut answer = agent()
            .post(format!("{}/oauth2/token", sandbox.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send("grant_type=client_credentials")
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(answer.status().as_u16(), status, "{kind}");
        let header = |name: &str| {
            answer
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("Content-Type").unwrap_or_default();
        let retry_after = header("Retry-After");
        assert!(
            content_type.starts_with("text/html"),
            "{kind}: {content_type}"
        );
        assert_eq!(
            retry_after.is_some(),
            status == 429,
            "{kind}: {retry_after:?}"
        );
        let page = answer.body_mut().read_to_string().unwrap_or_default();
        assert!(page.contains(title), "{kind}: {page}");
        assert!(serde_json::from_str::<Value>(&page).is_err(), "{kind}");

        // The binary retries it as temporary, then reports it: exit 3.
        let run = token_run(&sandbox.base);
        run.assert_code(3);
        let error = run.error();
        assert_eq!(error["error_code"], error_code, "{kind}: {run:#?}");
        assert_eq!(error["http_status"], status, "{kind}: {run:#?}");
        if status == 429 {
            assert_eq!(error["retry_after"], 1, "{kind}: {run:#?}");
        }
        assert!(
            error["excerpt"].as_str().is_some_and(|e| e.contains(title)),
            "{kind}: {run:#?}"
        );
        run.assert_hidden(SECRET);
        let stats = sandbox.stats();
        // The first request above, then three attempts: one and two retries.
        assert_eq!(stats["faults"][kind], 4, "{kind}: {stats}");
        assert_eq!(
            stats["by_endpoint"]["POST /oauth2/token"][status.to_string()],
            4,
            "{kind}: {stats}"
        );
    }
}

#[test]
fn an_unconnected_site_gets_a_pending_activation_until_it_connects() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    // Reachable, but not connected: no WordPress.com user yet.
    let json = api.provisioned("https://shop.test", "premium");
    assert_eq!(json["auth_required"], true, "{json}");
    assert_eq!(api.products("shop.test"), [("premium".to_owned(), true)]);
    let status = api.status("shop.test");
    assert_eq!(status["blog"]["is_connected"], false, "{status}");
    let (_, flat) = api.get("/rest/v1.3/jpphp/shop.test/status");
    assert_eq!(flat["has_pending_plan"], true, "{flat}");

    // Named, a WordPress.com user connects it: the activation attaches,
    // and the next product is active at once.
    let (_, json) = api.provision("shop.test", "premium", &[("wpcom_user_id", "7")]);
    assert_eq!(json["auth_required"], false, "{json}");
    assert_eq!(api.products("shop.test"), [("premium".to_owned(), false)]);
    let json = api.provisioned("shop.test", "jetpack-videopress");
    assert_eq!(json["auth_required"], false, "connected already: {json}");
    assert!(api
        .products("shop.test")
        .iter()
        .all(|(_, pending)| !pending));

    // Connected from the start: never pending.
    api.provision(
        "direct.test",
        "personal",
        &[("wpcom_user_email", "o@direct.test")],
    );
    assert_eq!(
        api.products("direct.test"),
        [("personal".to_owned(), false)]
    );

    // The owner connects from the authorize page: POST /_sandbox/connect.
    api.provisioned("later.test", "jetpack-scan");
    let (content_type, body) = multipart(&[]);
    let (status, json) = post_body(
        sandbox.base_url(),
        "/_sandbox/connect?site=later.test",
        None,
        &content_type,
        &body,
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["attached"], json!(["jetpack-scan"]), "{json}");
    assert_eq!(
        api.products("later.test"),
        [("jetpack-scan".to_owned(), false)]
    );
    assert_eq!(api.status("later.test")["blog"]["is_connected"], true);
    let (status, json) = post_body(
        sandbox.base_url(),
        "/_sandbox/connect?site=nowhere.test",
        None,
        &content_type,
        &body,
    );
    assert_rest_shape(&(status, json), 403, "invalid_blog");

    // Unreachable: pending even with a user, until the owner connects.
    api.provision("x.pending.test", "personal", &[("wpcom_user_id", "7")]);
    assert_eq!(
        api.products("x.pending.test"),
        [("personal".to_owned(), true)]
    );
}

fn clock(base: &str) -> u64 {
    let (status, json) = get(base, "/_sandbox/clock", None);
    assert_eq!(status, 200, "{json}");
    json["now"].as_u64().unwrap_or_else(|| panic!("{json}"))
}

fn advance(base: &str, seconds: &str) -> (u16, Value) {
    post_body(
        base,
        &format!("/_sandbox/clock?advance={seconds}"),
        None,
        "application/x-www-form-urlencoded",
        b"",
    )
}

#[test]
fn pending_activations_expire_after_14_days_by_the_sandbox_clock() {
    let sandbox = start(builder());
    let base = sandbox.base_url();
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    let started = clock(base);
    api.provisioned("a.pending.test", "premium");
    api.provisioned("b.test", "personal");
    api.provision("c.test", "personal", &[("wpcom_user_id", "1")]);

    // A minute short of 14 days (the system clock runs on meanwhile),
    // nothing has expired.
    let (status, json) = advance(base, &(FOURTEEN_DAYS - 60).to_string());
    assert_eq!(status, 200, "{json}");
    let now = json["now"].as_u64().unwrap_or(0);
    assert!(now >= started + FOURTEEN_DAYS - 60, "{now} from {started}");
    assert_eq!(
        api.products("a.pending.test"),
        [("premium".to_owned(), true)]
    );
    // A product added now waits its own 14 days.
    api.provisioned("b.test", "jetpack-scan");

    let (status, _) = advance(base, "60");
    assert_eq!(status, 200);
    assert!(clock(base) >= started + FOURTEEN_DAYS);
    assert_eq!(api.products("a.pending.test"), []);
    assert_eq!(api.products("b.test"), [("jetpack-scan".to_owned(), true)]);
    assert_eq!(
        api.products("c.test"),
        [("personal".to_owned(), false)],
        "active stays"
    );
    // Gone everywhere: nothing to cancel, the plans open again.
    let (_, json) = api.cancel("a.pending.test", &[("cancel-all", "true")]);
    assert_eq!(
        json,
        json!({"success": false, "activations": [], "pending_activations": []})
    );
    assert_eq!(
        api.upgrade_paths("a.pending.test")["jetpack-plans"],
        json!(["free", "personal", "premium", "professional", "complete"])
    );
    // A connection after the 14 days has nothing left to attach.
    let (_, json) = post_body(
        base,
        "/_sandbox/connect?site=a.pending.test",
        None,
        "application/x-www-form-urlencoded",
        b"",
    );
    assert_eq!(json["attached"], json!([]), "{json}");

    // The clock moves forward only, by whole seconds.
    for bad in ["", "-5", "1.5", "soon", "99999999999999999999999"] {
        assert_rest_shape(&advance(base, bad), 400, "invalid_advance");
    }
    let (status, _) = get(base, "/_sandbox/clock?advance=5", None);
    assert_eq!(status, 200, "a GET reads, never moves");
}

#[test]
fn a_disabled_key_meets_partner_key_disabled_on_status_only() {
    let partner = format!("{PARTNER_ID}:{SECRET}");
    let sandbox = SandboxProcess::start(&["--partner", &partner, "--disabled-partner", PARTNER_ID]);
    let api = Api::new(&sandbox.base, PARTNER_ID, SECRET);
    for version in ["v1.3", "v1.4"] {
        assert_rest_shape(
            &api.get(&format!("/rest/{version}/jpphp/a.test/status")),
            400,
            "partner_key_disabled",
        );
    }
    let provision = api.provision("a.test", "free", &[]);
    assert_partner_shape(&provision, 403, "invalid_scope", false);
    assert!(
        provision.1["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("disabled")),
        "{}",
        provision.1
    );
    assert_partner_shape(&api.cancel("a.test", &[]), 403, "invalid_scope", true);
    for path in [
        "/rest/v1.3/jpphp/a.test/upgrade-paths",
        "/rest/v1.3/jpphp/errors",
    ] {
        assert_rest_shape(&api.get(path), 403, "invalid_scope");
    }
    for path in [
        "/rest/v1.3/jpphp/1000/ssh-credentials",
        "/rest/v1.3/jpphp/partner-keys/new",
    ] {
        assert_rest_shape(&api.post(path, &[("name", "x")]), 403, "invalid_scope");
    }
    // The binary says which: exit 1, the API's code.
    let run = cli(
        &[
            "--api-base",
            &sandbox.base,
            "--partner-id",
            PARTNER_ID,
            "status",
            "--site",
            "a.test",
        ],
        &[("JETPACK_PARTNER_SECRET", SECRET)],
        None,
    );
    run.assert_code(1);
    assert_eq!(
        run.error()["error_code"],
        "partner_key_disabled",
        "{run:#?}"
    );

    // An ID no partner has is a usage problem: nothing starts.
    let run = cli(
        &[
            "sandbox",
            "--partner",
            &partner,
            "--disabled-partner",
            "777",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("777"), "{run:#?}");
}

/// For each holding, each product: provision accepts it exactly when
/// upgrade-paths lists it, on two sites that hold the same.
#[test]
fn upgrade_paths_list_exactly_what_provision_accepts() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    let all = [
        "free",
        "personal",
        "premium",
        "professional",
        "complete",
        "jetpack-backup-daily",
        "jetpack-backup-realtime",
        "jetpack-scan",
        "jetpack-anti-spam",
        "jetpack-videopress",
    ];
    let holdings: [&[&str]; 9] = [
        &[],
        &["jetpack-backup-realtime"],
        &["jetpack-backup-daily"],
        &["jetpack-scan"],
        &["free"],
        &["personal", "jetpack-videopress"],
        &["premium"],
        &["professional"],
        &["complete"],
    ];
    for (h, held) in holdings.iter().enumerate() {
        let listed_on = format!("h{h}-paths.test");
        for slug in *held {
            api.provisioned(&listed_on, slug);
        }
        if held.is_empty() {
            // A site must exist to have upgrade paths: give it one, then
            // take it back.
            api.provisioned(&listed_on, "free");
            let (status, _) = api.cancel(&listed_on, &[("plan", "free")]);
            assert_eq!(status, 200);
        }
        let paths = api.upgrade_paths(&listed_on);
        let listed: Vec<&str> = paths
            .as_object()
            .map(|families| {
                families
                    .values()
                    .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                    .filter_map(|v| all.iter().copied().find(|a| Some(*a) == v.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        for slug in all {
            let site = format!("h{h}-{slug}.test");
            for held_slug in *held {
                api.provisioned(&site, held_slug);
            }
            let (status, json) = api.provision(&site, slug, &[]);
            let accepted = status == 200;
            assert_eq!(
                accepted,
                listed.contains(&slug),
                "holding {held:?}, provision {slug}: {status} {json}; upgrade-paths {paths}"
            );
            if !accepted {
                assert_eq!(json["error_code"], "plan_downgrade_disallowed", "{json}");
            }
        }
        // The product the site has is listed: a repeat succeeds.
        for slug in *held {
            assert!(listed.contains(slug), "{held:?}: {paths}");
        }
    }
    // The reference's two examples, and what they mean for plans.
    api.provisioned("rt.test", "jetpack-backup-realtime");
    assert_eq!(
        api.upgrade_paths("rt.test"),
        json!({
            "jetpack-plans": ["professional", "complete"],
            "jetpack-backup": ["jetpack-backup-realtime"],
            "jetpack-scan": ["jetpack-scan"],
            "jetpack-anti-spam": ["jetpack-anti-spam"],
            "jetpack-videopress": ["jetpack-videopress"],
        })
    );
    api.provisioned("pro.test", "professional");
    let paths = api.upgrade_paths("pro.test");
    assert_eq!(paths["jetpack-backup"], json!([]), "{paths}");
    assert_eq!(
        paths["jetpack-plans"],
        json!(["professional", "complete"]),
        "{paths}"
    );
}

#[test]
fn invalid_blog_is_403_on_every_endpoint() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    api.provisioned("a.test", "jetpack-backup-daily");
    let full = [("ssh_user", "u"), ("ssh_host", "h.test"), ("ssh_pass", "p")];
    for site in ["a.test", "a.test::wp", "4242"] {
        let got = api.post(&format!("/rest/v1.3/jpphp/{site}/ssh-credentials"), &full);
        assert_rest_shape(&got, 403, "invalid_blog");
        assert_eq!(
            got.1["message"],
            format!("The blog ID {site} is invalid"),
            "{}",
            got.1
        );
    }
    assert_rest_shape(
        &api.get("/rest/v1.3/jpphp/4242/upgrade-paths"),
        403,
        "invalid_blog",
    );
    assert_rest_shape(
        &api.get("/rest/v1.3/jpphp/b.test/status"),
        403,
        "invalid_blog",
    );
    assert_partner_shape(&api.cancel("b.test", &[]), 403, "invalid_blog", true);
}

#[test]
fn a_repeated_field_keeps_its_last_value_as_php_does() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    let (status, json) = api.urlencoded(
        PROVISION,
        b"siteurl=first.test&local_user=admin&plan=free&plan=premium&siteurl=url.test",
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(api.slugs("url.test"), ["premium"]);
    assert_rest_shape(
        &api.get("/rest/v1.4/jpphp/first.test/status"),
        403,
        "invalid_blog",
    );

    let (status, json) = api.post(
        PROVISION,
        &[
            ("siteurl", "first.test"),
            ("local_user", "admin"),
            ("plan", "free"),
            ("siteurl", "multi.test"),
            ("plan", "personal"),
        ],
    );
    assert_eq!(status, 200, "{json}");
    assert_eq!(api.slugs("multi.test"), ["personal"]);
    // An empty last value wins too: the field counts as missing.
    let (status, json) = api.urlencoded(
        PROVISION,
        b"siteurl=empty.test&local_user=admin&local_user=&plan=free",
    );
    assert_partner_shape(&(status, json), 400, "invalid_local_user", false);
}

/// Sends a provision with `body` as a client does, the whole body after
/// the head, and reads the answer while it sends: (status, body JSON).
fn send_whole(sandbox: &Sandbox, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let mut stream = TcpStream::connect(sandbox.addr()).unwrap_or_else(|e| panic!("{e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let head = format!(
        "POST {PROVISION} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut writer = stream.try_clone().unwrap_or_else(|e| panic!("{e}"));
    // The sandbox may answer and close before it has read the body: the
    // rest of the body is then refused, and that is no failure here.
    let sending = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = sending.join();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, json)
}

#[test]
fn bodies_over_the_cap_are_refused_whole_in_either_encoding() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    let user = "a".repeat(9_000_000);
    let urlencoded = format!("siteurl=big.test&plan=free&local_user={user}");
    let got = send_whole(
        &sandbox,
        &api.token,
        "application/x-www-form-urlencoded",
        urlencoded.into_bytes(),
    );
    assert_rest_shape(&got, 413, "body_too_large");
    let (content_type, body) = multipart(&[
        ("siteurl", "big2.test"),
        ("plan", "free"),
        ("local_user", &user),
    ]);
    assert_rest_shape(
        &send_whole(&sandbox, &api.token, &content_type, body),
        413,
        "body_too_large",
    );
    for site in ["big.test", "big2.test"] {
        assert_rest_shape(
            &api.get(&format!("/rest/v1.4/jpphp/{site}/status")),
            403,
            "invalid_blog",
        );
    }
    // At the cap exactly, the whole value arrives.
    let room = 8 * 1024 * 1024 - "siteurl=fits.test&plan=free&local_user=".len();
    let fits = format!(
        "siteurl=fits.test&plan=free&local_user={}",
        "b".repeat(room)
    );
    let (status, json) = api.urlencoded(PROVISION, fits.as_bytes());
    assert_eq!(status, 200, "{json}");
    let stats = sandbox.stats();
    let stored = stats["last_fields"]["POST /rest/v1.3/jpphp/provision"]
        .as_array()
        .and_then(|fields| {
            fields
                .iter()
                .find(|f| f[0] == "local_user")
                .and_then(|f| f[1].as_str().map(str::len))
        });
    assert_eq!(stored, Some(room));
}

#[test]
fn another_partners_products_stay_theirs() {
    let sandbox = start(builder());
    let mine = Api::of(&sandbox, PARTNER_ID, SECRET);
    let other = Api::of(&sandbox, OTHER_ID, OTHER_SECRET);
    mine.provisioned("a.test", "personal");
    mine.provisioned("a.test", "jetpack-backup-daily");
    // Provisioning over them would cancel them: only their partner may.
    for slug in [
        "personal",
        "premium",
        "jetpack-backup-daily",
        "jetpack-backup-realtime",
    ] {
        let got = other.provision("a.test", slug, &[]);
        assert_partner_shape(&got, 403, "incorrect_partner_key", false);
        assert!(
            got.1["error_message"]
                .as_str()
                .is_some_and(|m| m.contains("another partner")),
            "{}",
            got.1
        );
    }
    // Beside them is fine.
    other.provisioned("a.test", "jetpack-scan");
    assert_eq!(
        mine.slugs("a.test"),
        ["personal", "jetpack-backup-daily", "jetpack-scan"]
    );
    // Each sees what it may provision: the same rule as provision.
    let theirs = other.upgrade_paths("a.test");
    assert_eq!(theirs["jetpack-plans"], json!([]), "{theirs}");
    assert_eq!(theirs["jetpack-backup"], json!([]), "{theirs}");
    assert_eq!(theirs["jetpack-scan"], json!(["jetpack-scan"]), "{theirs}");
    let ours = mine.upgrade_paths("a.test");
    assert_eq!(
        ours["jetpack-plans"],
        json!(["personal", "premium", "professional", "complete"]),
        "{ours}"
    );
    assert_eq!(
        ours["jetpack-scan"],
        json!([]),
        "theirs, not ours to repeat: {ours}"
    );

    // Backup credentials: only a partner with a product on the site.
    mine.provisioned("b.test", "jetpack-backup-daily");
    let ssh = [("ssh_user", "u"), ("ssh_host", "h.test"), ("ssh_pass", "p")];
    let got = other.post("/rest/v1.3/jpphp/1001/ssh-credentials", &ssh);
    assert_rest_shape(&got, 403, "incorrect_partner_key");
    assert_eq!(
        mine.status("b.test")["blog"]["has_backups_credentials"],
        false
    );
    let (status, json) = mine.post("/rest/v1.3/jpphp/1001/ssh-credentials", &ssh);
    assert_eq!((status, json), (200, json!({"success": true})));
    let (status, json) = other.post("/rest/v1.3/jpphp/1000/ssh-credentials", &ssh);
    assert_eq!(
        (status, json),
        (200, json!({"success": true})),
        "it has scan on 1000"
    );
}

#[test]
fn reserved_hosts_produce_the_errors_that_had_no_way_to_happen() {
    let sandbox = start(builder());
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    // The wrong scheme: an http site that redirects to https.
    for siteurl in [
        "shop.httpsonly.test",
        "http://shop.httpsonly.test",
        "HTTP://shop.httpsonly.test/",
    ] {
        let got = api.provision(siteurl, "free", &[]);
        assert_partner_shape(&got, 400, "method_not_found", false);
        assert_eq!(
            got.1["error_message"],
            "remoteRegister method not found on remote site."
        );
    }
    api.provisioned("https://shop.httpsonly.test", "free");

    let cases = [
        (
            "https://a.unknownblog.test",
            400,
            "failed_registration_unknown_blog",
        ),
        ("https://a.notoken.test", 500, "error_access_token"),
        ("https://a.nouser.test", 400, "invalid_local_user"),
        (
            "https://a.noproduct.test",
            400,
            "could_not_load_product_class",
        ),
    ];
    for (siteurl, status, code) in cases {
        let got = api.provision(siteurl, "premium", &[]);
        assert_partner_shape(&got, status, code, false);
    }
    let got = api.provision("https://a.nouser.test", "premium", &[]);
    assert!(
        got.1["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("\"admin\"") && m.contains("does not exist")),
        "{}",
        got.1
    );
    let got = api.provision("https://a.noproduct.test", "premium", &[]);
    assert_eq!(
        got.1["error_message"],
        "Could not load the product class for premium."
    );
    // As its catalogue entry says, force_register mends the access token.
    let (status, json) = api.provision(
        "https://a.notoken.test",
        "premium",
        &[("force_register", "1")],
    );
    assert_eq!(status, 200, "{json}");
    // Nothing was recorded for the others.
    for site in ["a.unknownblog.test", "a.nouser.test", "a.noproduct.test"] {
        assert_rest_shape(
            &api.get(&format!("/rest/v1.4/jpphp/{site}/status")),
            403,
            "invalid_blog",
        );
    }
    // Through the binary: the codes reach the sysadmin.
    let run = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "nobody",
            "--siteurl",
            "https://b.nouser.test",
            "--plan",
            "free",
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "invalid_local_user", "{run:#?}");
    let run = partner_cli(
        &sandbox,
        &[
            "provision",
            "--local-user",
            "admin",
            "--siteurl",
            "https://b.notoken.test",
            "--plan",
            "free",
        ],
    );
    run.assert_code(3);
    let error = run.error();
    assert_eq!(error["http_status"], 500, "{run:#?}");
    assert_eq!(error["api_error_code"], "error_access_token", "{run:#?}");
}

#[test]
fn the_sandbox_help_names_its_reserved_hosts_options_and_rules() {
    let run = cli(&["sandbox", "--help"], &[], None);
    run.assert_code(0);
    for needle in [
        "*.httpsonly.test",
        "*.unknownblog.test",
        "*.notoken.test",
        "*.nouser.test",
        "*.noproduct.test",
        "failed_registration_unknown_blog",
        "could_not_load_product_class",
        "error_access_token",
        "--disabled-partner ID",
        "partner_key_disabled",
        "--clock-at SECS",
        "/_sandbox/clock?advance=SECS",
        "/_sandbox/connect?site=SITE",
        "incorrect_partner_key",
        "503-html",
        "504-html",
        "429-html",
        "14 days",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle} missing:\n{}",
            run.stdout
        );
    }
    // The new kinds are read as the others are: a bad rate is refused as
    // a rate, an unknown kind with the list of kinds.
    for kind in ["503-html:2", "504-html:x", "429-html:-1"] {
        let run = cli(&["sandbox", "--partner", "1:2", "--fault", kind], &[], None);
        run.assert_code(2);
        assert!(run.stderr.contains("the rate"), "{kind}: {run:#?}");
    }
    let run = cli(
        &["sandbox", "--partner", "1:2", "--fault", "504"],
        &[],
        None,
    );
    run.assert_code(2);
    for kind in ["503-html", "504-html", "429-html"] {
        assert!(run.stderr.contains(kind), "{run:#?}");
    }
}

#[test]
fn the_clock_survives_a_restart_with_its_state_file() {
    let file = temp_file("clock-state.json", b"");
    let path = file.to_string_lossy().into_owned();
    let partner = format!("{PARTNER_ID}:{SECRET}");
    let args = ["--state", path.as_str(), "--partner", partner.as_str()];
    let moved = {
        let sandbox = SandboxProcess::start(&args);
        let (status, json) = advance(&sandbox.base, &(30 * 24 * 3600).to_string());
        assert_eq!(status, 200, "{json}");
        json["now"].as_u64().unwrap_or(0)
    };
    let sandbox = SandboxProcess::start(&args);
    assert!(clock(&sandbox.base) >= moved, "the clock went back");
    // --clock-at puts it where it is told.
    drop(sandbox);
    let sandbox = SandboxProcess::start(&["--partner", &partner, "--clock-at", "1000000000"]);
    let now = clock(&sandbox.base);
    assert!((1_000_000_000..1_000_000_060).contains(&now), "{now}");
}

#[test]
fn the_library_reads_and_moves_the_clock_and_disables_keys() {
    let sandbox = start(builder().clock_at(1_700_000_000));
    let now = sandbox.now();
    assert!((1_700_000_000..1_700_000_060).contains(&now), "{now}");
    assert!(clock(sandbox.base_url()) >= now, "one clock, two ways in");
    let api = Api::of(&sandbox, PARTNER_ID, SECRET);
    api.provisioned("lib.test", "premium");
    let later = sandbox.advance_clock(Duration::from_secs(FOURTEEN_DAYS));
    assert!(later >= now + FOURTEEN_DAYS, "{later}");
    assert!(sandbox.now() >= later);
    assert_eq!(api.products("lib.test"), []);

    // A key from the state file (here, one made by partner-keys/new) can
    // be disabled by its client ID; an ID no partner has stops the start.
    let file = temp_file("disable-state.json", b"");
    let (client_id, secret) = {
        let sandbox = start(builder().state_file(&file));
        let api = Api::of(&sandbox, PARTNER_ID, SECRET);
        let (status, key) = api.post("/rest/v1.3/jpphp/partner-keys/new", &[("name", "Sub")]);
        assert_eq!(status, 200, "{key}");
        (
            key["client_id"].to_string(),
            key["client_secret"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let sandbox = start(builder().state_file(&file).disable_partner(&client_id));
    let sub = Api::of(&sandbox, &client_id, &secret);
    assert_rest_shape(
        &sub.get("/rest/v1.4/jpphp/a.test/status"),
        400,
        "partner_key_disabled",
    );
    let mine = Api::of(&sandbox, PARTNER_ID, SECRET);
    assert_rest_shape(
        &mine.get("/rest/v1.4/jpphp/a.test/status"),
        403,
        "invalid_blog",
    );
    match builder().disable_partner("4321").start() {
        Ok(_) => panic!("an unknown partner was disabled"),
        Err(e) => {
            assert!(e.is_setting(), "{e}");
            assert!(e.to_string().contains("\"4321\""), "{e}");
        }
    }
}
