//! The sandbox's partner endpoints over real HTTP: the bearer check, every
//! success and refusal of provision, cancel, status, upgrade paths, the
//! error catalogue, SSH credentials and partner keys, the superset rules,
//! stats, and the state file.
use std::path::Path;

use crate::common::*;
use jetpack_partner::sandbox::{Sandbox, SandboxBuilder};
use jetpack_partner::Form;
use serde_json::{json, Value};

const OTHER_ID: &str = "5678";
const OTHER_SECRET: &str = "other-partner-secret";
const DISABLED_ID: &str = "999";
const DISABLED_SECRET: &str = "disabled-partner-secret";

const PROVISION: &str = "/rest/v1.3/jpphp/provision";
const ERRORS: &str = "/rest/v1.3/jpphp/errors";
const NEW_KEY: &str = "/rest/v1.3/jpphp/partner-keys/new";

fn builder() -> SandboxBuilder {
    Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .partner(OTHER_ID, OTHER_SECRET)
        .disabled_partner(DISABLED_ID, DISABLED_SECRET)
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

fn read(mut answer: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

/// POSTs `fields` as multipart, with `Authorization: <authorization>`.
fn post_raw(
    base: &str,
    path: &str,
    authorization: Option<&str>,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = Form::new();
    for (name, value) in fields {
        form.text(name, value).unwrap_or_else(|e| panic!("{e}"));
    }
    let encoded = form.encode();
    let mut request = agent()
        .post(format!("{base}{path}"))
        .header("Content-Type", &encoded.content_type);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    read(
        request
            .send(&encoded.body[..])
            .unwrap_or_else(|e| panic!("{e}")),
    )
}

fn get_raw(base: &str, path: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut request = agent().get(format!("{base}{path}"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    read(request.call().unwrap_or_else(|e| panic!("{e}")))
}

/// A token from the token endpoint (urlencoded, to use both encodings).
fn token(base: &str, id: &str, secret: &str, scope: &str) -> String {
    let body = format!(
        "client_id={id}&client_secret={secret}&grant_type=client_credentials&scope={scope}"
    );
    let answer = agent()
        .post(format!("{base}/oauth2/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, json) = read(answer);
    assert_eq!(status, 200, "token for {id}: {json}");
    json["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {json}"))
        .to_owned()
}

/// One partner's view of a sandbox.
struct Api {
    base: String,
    bearer: String,
}

impl Api {
    fn new(sandbox: &Sandbox, id: &str, secret: &str) -> Api {
        Api {
            base: sandbox.base_url().to_owned(),
            bearer: format!(
                "Bearer {}",
                token(sandbox.base_url(), id, secret, "jetpack-partner")
            ),
        }
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        post_raw(&self.base, path, Some(&self.bearer), fields)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        get_raw(&self.base, path, Some(&self.bearer))
    }

    /// Provisions `plan` on `siteurl` with the required fields plus `extra`.
    fn provision(&self, siteurl: &str, plan: &str, extra: &[(&str, &str)]) -> (u16, Value) {
        let mut fields = vec![
            ("local_user", "admin"),
            ("siteurl", siteurl),
            ("plan", plan),
        ];
        fields.extend_from_slice(extra);
        self.post(PROVISION, &fields)
    }

    fn provisioned(&self, siteurl: &str, plan: &str) -> Value {
        let (status, json) = self.provision(siteurl, plan, &[]);
        assert_eq!(status, 200, "provision {plan} on {siteurl}: {json}");
        assert_eq!(json["success"], true, "{json}");
        json
    }

    fn cancel(&self, site: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        self.post(&format!("/rest/v1.3/jpphp/{site}/partner-cancel"), fields)
    }

    fn status(&self, site: &str) -> Value {
        let (status, json) = self.get(&format!("/rest/v1.4/jpphp/{site}/status"));
        assert_eq!(status, 200, "status of {site}: {json}");
        json
    }

    fn status_v13(&self, site: &str) -> Value {
        let (status, json) = self.get(&format!("/rest/v1.3/jpphp/{site}/status"));
        assert_eq!(status, 200, "v1.3 status of {site}: {json}");
        json
    }

    fn upgrade_paths(&self, site: &str) -> Value {
        let (status, json) = self.get(&format!("/rest/v1.3/jpphp/{site}/upgrade-paths"));
        assert_eq!(status, 200, "upgrade paths of {site}: {json}");
        json
    }

    /// The slugs the v1.4 status lists.
    fn slugs(&self, site: &str) -> Vec<String> {
        self.status(site)["products"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|p| p["slug"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Asserts a refusal: status, code, and (if given) the exact message, in
/// the REST shape or the partner documents' (`sandbox_fidelity.rs`
/// checks which endpoint answers in which).
#[track_caller]
fn assert_refused(got: (u16, Value), status: u16, code: &str, message: Option<&str>) {
    let (got_status, json) = got;
    let text = |rest: &str, partner: &str| {
        json.get(rest)
            .or_else(|| json.get(partner))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    assert_eq!(
        (got_status, text("error", "error_code").as_deref()),
        (status, Some(code)),
        "{json}"
    );
    let said = text("message", "error_message");
    match message {
        Some(want) => assert_eq!(said.as_deref(), Some(want), "{json}"),
        None => assert!(said.is_some_and(|m| !m.is_empty()), "{json}"),
    }
}

/// Every partner endpoint once, as (method, path, invalid_scope message).
fn partner_endpoints() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "POST",
            PROVISION.into(),
            "This token is not authorized to provision partner sites",
        ),
        (
            "POST",
            "/rest/v1.3/jpphp/a.test/partner-cancel".into(),
            "This token is not authorized to cancel partner plans",
        ),
        (
            "GET",
            "/rest/v1.4/jpphp/a.test/status".into(),
            "This token is not authorized to view the status of partner sites",
        ),
        (
            "GET",
            "/rest/v1.3/jpphp/a.test/status".into(),
            "This token is not authorized to view the status of partner sites",
        ),
        (
            "GET",
            "/rest/v1.3/jpphp/a.test/upgrade-paths".into(),
            "This token is not authorized to view upgrade paths of partner sites",
        ),
        (
            "GET",
            ERRORS.into(),
            "This token is not authorized to view the partner error catalogue",
        ),
        (
            "POST",
            "/rest/v1.3/jpphp/1000/ssh-credentials".into(),
            "This token is not authorized to set backup credentials for partner sites",
        ),
        (
            "POST",
            NEW_KEY.into(),
            "This token is not authorized to create partner keys",
        ),
    ]
}

fn call(base: &str, method: &str, path: &str, authorization: Option<&str>) -> (u16, Value) {
    if method == "POST" {
        post_raw(base, path, authorization, &[])
    } else {
        get_raw(base, path, authorization)
    }
}

#[test]
fn every_partner_endpoint_checks_the_bearer_token() {
    let sandbox = start(builder());
    let base = sandbox.base_url();
    let global = format!("Bearer {}", token(base, PARTNER_ID, SECRET, "global"));
    let stats = format!("Bearer {}", token(base, PARTNER_ID, SECRET, "stats"));
    let disabled = format!(
        "Bearer {}",
        token(base, DISABLED_ID, DISABLED_SECRET, "jetpack-partner")
    );
    for (method, path, scope_message) in partner_endpoints() {
        for missing in [None, Some("Basic MTIzNDpzM2NyZXQ=")] {
            assert_refused(
                call(base, method, &path, missing),
                403,
                "authorization_required",
                Some("An active access token must be used to access partner endpoints."),
            );
        }
        for unknown in ["Bearer nope", "Bearer ", "bearer 0123"] {
            assert_refused(
                call(base, method, &path, Some(unknown)),
                400,
                "invalid_token",
                Some("The OAuth2 token is invalid."),
            );
        }
        for other_scope in [&global, &stats] {
            assert_refused(
                call(base, method, &path, Some(other_scope)),
                403,
                "invalid_scope",
                Some(scope_message),
            );
        }
        // The reference lists partner_key_disabled for status only; the
        // other endpoints refuse the disabled key's token as not
        // authorized for them.
        if path.ends_with("/status") {
            assert_refused(
                call(base, method, &path, Some(&disabled)),
                400,
                "partner_key_disabled",
                None,
            );
        } else {
            assert_refused(
                call(base, method, &path, Some(&disabled)),
                403,
                "invalid_scope",
                Some(&format!(
                    "{scope_message}: its partner key has been disabled. Contact Jetpack partner support."
                )),
            );
        }
    }
}

#[test]
fn provision_checks_its_required_fields_in_order() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    assert_refused(
        api.post(PROVISION, &[("local_user", "admin"), ("plan", "premium")]),
        400,
        "invalid_siteurl",
        Some("The required \"siteurl\" argument is missing."),
    );
    assert_refused(
        api.post(PROVISION, &[]),
        400,
        "invalid_siteurl",
        Some("The required \"siteurl\" argument is missing."),
    );
    for bad in ["https://a.test/?p=1", "12345", "https://user:pw@a.test"] {
        assert_refused(
            api.post(
                PROVISION,
                &[("siteurl", bad), ("local_user", "admin"), ("plan", "free")],
            ),
            400,
            "invalid_siteurl",
            None,
        );
    }
    assert_refused(
        api.post(PROVISION, &[("siteurl", "a.test"), ("plan", "premium")]),
        400,
        "invalid_local_user",
        Some("The required \"local_user\" argument is missing."),
    );
    assert_refused(
        api.post(PROVISION, &[("siteurl", "a.test"), ("local_user", "admin")]),
        400,
        "invalid_plan",
        Some(" is not a valid plan"),
    );
    assert_refused(
        api.provision("a.test", "gold", &[]),
        400,
        "invalid_plan",
        Some("gold is not a valid plan"),
    );
    assert_refused(
        api.provision("a.test", "free", &[("wpcom_user_id", "12ab")]),
        400,
        "invalid_wpcom_user_id",
        None,
    );
    assert_refused(
        api.provision("a.test", "free", &[("wpcom_user_email", "nobody")]),
        400,
        "invalid_wpcom_user_email",
        None,
    );
    // Nothing was refused into existence.
    assert_refused(
        api.get("/rest/v1.4/jpphp/a.test/status"),
        403,
        "invalid_blog",
        Some("The blog ID a.test is invalid"),
    );
    let body = "siteurl=b.test&local_user=admin&plan=premium";
    let answer = agent()
        .post(format!("{}{PROVISION}", sandbox.base_url()))
        .header("Authorization", &api.bearer)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read(answer).0, 200, "urlencoded bodies work too");
    let answer = agent()
        .post(format!("{}{PROVISION}", sandbox.base_url()))
        .header("Authorization", &api.bearer)
        .header("Content-Type", "application/json")
        .send("{}")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_refused(read(answer), 400, "invalid_input", None);
}

#[test]
fn provision_answers_with_the_authorize_url_and_records_the_site() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    let json = api.provisioned("https://Example.com/Blog/", "premium");
    assert_eq!(
        json,
        json!({
            "success": true,
            "auth_required": true,
            "next_url": "https://jetpack.wordpress.com/jetpack.authorize/1/?site=example.com%3A%3ABlog&plan=premium",
        })
    );
    let (_, json) = api.provision("a.test", "free", &[("onboarding", "1")]);
    assert_eq!(
        json["next_url"],
        "https://jetpack.wordpress.com/jetpack.authorize/1/?site=a.test&plan=free&onboarding=1"
    );
    // Blog IDs count up from 1000 in the order sites were first provisioned.
    assert_eq!(api.slugs("1000"), ["premium"]);
    assert_eq!(api.slugs("example.com::Blog"), ["premium"]);
    assert_eq!(api.slugs("EXAMPLE.com%3A%3ABlog"), ["premium"], "decoded");
    assert_eq!(api.slugs("1001"), ["free"]);
    // Not connected yet (no WordPress.com user named): pending.
    let status = api.status("example.com::Blog");
    assert_eq!(
        status,
        json!({
            "blog": {"is_connected": false, "has_backups_credentials": false},
            "products": [{
                "slug": "premium",
                "is_provisioned_by_partner": true,
                "is_provisioned_by_calling_partner": true,
                "is_pending": true,
            }],
        })
    );
    assert_refused(
        api.get("/rest/v1.4/jpphp/example.com::blog/status"),
        403,
        "invalid_blog",
        None,
    );
    assert_refused(
        api.get("/rest/v1.4/jpphp/1002/status"),
        403,
        "invalid_blog",
        Some("The blog ID 1002 is invalid"),
    );
}

#[test]
fn a_named_wordpress_com_user_connects_the_site() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    for (site, field, value) in [
        ("a.test", "wpcom_user_id", "42"),
        ("b.test", "wpcom_user_email", "owner@b.test"),
    ] {
        let (status, json) = api.provision(site, "personal", &[(field, value)]);
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["auth_required"], false, "{json}");
        let token = json["access_token"].as_str().unwrap_or_default();
        assert!(
            token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
            "{json}"
        );
        assert_eq!(api.status(site)["blog"]["is_connected"], true);
        assert_eq!(api.status_v13(site)["is_connected"], true);
    }
    let (_, json) = api.provision("c.test", "personal", &[]);
    assert!(json.get("access_token").is_none(), "{json}");
    assert_eq!(api.status("c.test")["blog"]["is_connected"], false);
}

#[test]
fn reserved_hosts_meet_the_documented_failures() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    assert_refused(
        api.provision(
            "https://shop.nojetpack.test",
            "premium",
            &[("force_register", "true")],
        ),
        400,
        "method_not_found",
        Some("remoteRegister method not found on remote site."),
    );
    for no in ["false", "0", "", "no"] {
        assert_refused(
            api.provision("shop.badstate.test", "premium", &[("force_register", no)]),
            400,
            "method_not_found",
            Some("remoteProvision method not found on remote site. Try calling again with --force_register=true."),
        );
    }
    assert_refused(
        api.provision("shop.badstate.test", "premium", &[]),
        400,
        "method_not_found",
        None,
    );
    for (i, yes) in ["true", "1", "yes"].iter().enumerate() {
        let site = format!("s{i}.badstate.test");
        let (status, json) = api.provision(&site, "premium", &[("force_register", yes)]);
        assert_eq!(status, 200, "force_register={yes}: {json}");
    }
    // Unreachable: pending, no URL, and no connection even with a user.
    let (status, json) = api.provision("shop.pending.test", "premium", &[("wpcom_user_id", "7")]);
    assert_eq!(status, 200);
    assert_eq!(
        json,
        json!({"success": true, "auth_required": true, "next_url": ""})
    );
    let status = api.status("shop.pending.test");
    assert_eq!(status["blog"]["is_connected"], false);
    assert_eq!(status["products"][0]["is_pending"], true);
    let flat = api.status_v13("shop.pending.test");
    assert_eq!(flat["plan"], "premium");
    assert_eq!(flat["has_pending_plan"], true);
}

#[test]
fn ssh_and_ftp_fields_set_backup_credentials() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    let (_, json) = api.provision(
        "a.test",
        "jetpack-backup-daily",
        &[
            ("ssh_user", "deploy"),
            ("ssh_pass", "pw"),
            ("ssh_port", "2222"),
        ],
    );
    assert_eq!(json["ssh_set"], true, "{json}");
    assert!(json.get("ssh_error").is_none());
    assert_eq!(
        api.status("a.test")["blog"]["has_backups_credentials"],
        true
    );
    let refusals = [
        vec![("ssh_pass", "pw")],
        vec![("ssh_user", "deploy")],
        vec![
            ("ssh_user", "deploy"),
            ("ssh_private_key", "KEY"),
            ("ssh_port", "0"),
        ],
        vec![
            ("ssh_user", "deploy"),
            ("ssh_pass", "pw"),
            ("ssh_port", "65536"),
        ],
        vec![
            ("ssh_user", "deploy"),
            ("ssh_pass", "pw"),
            ("ssh_port", "ssh"),
        ],
    ];
    for (i, ssh) in refusals.iter().enumerate() {
        let site = format!("b{i}.test");
        let (status, json) = api.provision(&site, "jetpack-scan", ssh);
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["ssh_set"], false, "{ssh:?}: {json}");
        assert!(json["ssh_error"].as_str().is_some_and(|e| !e.is_empty()));
        assert_eq!(api.status(&site)["blog"]["has_backups_credentials"], false);
    }
    let (_, json) = api.provision("c.test", "jetpack-scan", &[]);
    assert!(
        json.get("ssh_set").is_none(),
        "no SSH fields, no ssh_set: {json}"
    );
    let (_, json) = api.provision(
        "d.test",
        "jetpack-scan",
        &[("ftp_user", "u"), ("ftp_pass", "p"), ("ftp_port", "21")],
    );
    assert!(json.get("ssh_set").is_none(), "{json}");
    assert_eq!(
        api.status("d.test")["blog"]["has_backups_credentials"],
        true
    );
    let (_, _) = api.provision("e.test", "jetpack-scan", &[("ftp_user", "u")]);
    assert_eq!(
        api.status("e.test")["blog"]["has_backups_credentials"],
        false
    );
}

#[test]
fn the_superset_rules_decide_what_a_site_may_get() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    let downgrade = |site: &str, plan: &str| {
        assert_refused(
            api.provision(site, plan, &[]),
            400,
            "plan_downgrade_disallowed",
            Some("Can not automatically downgrade plans. Contact support."),
        )
    };
    api.provisioned("pro.test", "professional");
    downgrade("pro.test", "jetpack-backup-realtime");
    downgrade("pro.test", "jetpack-backup-daily");
    downgrade("pro.test", "jetpack-scan");
    downgrade("pro.test", "premium");
    api.provisioned("pro.test", "jetpack-videopress");

    api.provisioned("rt.test", "jetpack-backup-realtime");
    api.provisioned("rt.test", "professional");
    assert_eq!(
        api.slugs("rt.test"),
        ["professional", "jetpack-backup-realtime"]
    );

    api.provisioned("daily.test", "jetpack-backup-daily");
    api.provisioned("daily.test", "jetpack-backup-realtime");
    assert_eq!(
        api.slugs("daily.test"),
        ["jetpack-backup-realtime"],
        "replaced"
    );
    downgrade("daily.test", "jetpack-backup-daily");

    api.provisioned("up.test", "personal");
    api.provisioned("up.test", "premium");
    assert_eq!(api.slugs("up.test"), ["premium"]);
    downgrade("up.test", "personal");
    downgrade("up.test", "free");

    // The same product again succeeds, changes nothing, and counts.
    api.provisioned("up.test", "premium");
    assert_eq!(api.slugs("up.test"), ["premium"]);
    let stats = sandbox.stats();
    assert_eq!(stats["provisions"]["up.test"], 3, "{stats}");
    assert_eq!(stats["provisions"]["daily.test"], 2, "{stats}");
    assert_eq!(stats["provisions"]["pro.test"], 2, "refusals do not count");
}

#[test]
fn upgrade_paths_follow_the_site() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    assert_refused(
        api.get("/rest/v1.3/jpphp/a.test/upgrade-paths"),
        403,
        "invalid_blog",
        Some("The blog ID a.test is invalid"),
    );
    // Daily backup alone: a plan must include it; the product the site
    // has is listed, since provisioning it again succeeds.
    api.provisioned("a.test", "jetpack-backup-daily");
    assert_eq!(
        api.upgrade_paths("a.test"),
        json!({
            "jetpack-plans": ["premium", "professional", "complete"],
            "jetpack-backup": ["jetpack-backup-daily", "jetpack-backup-realtime"],
            "jetpack-scan": ["jetpack-scan"],
            "jetpack-anti-spam": ["jetpack-anti-spam"],
            "jetpack-videopress": ["jetpack-videopress"],
        })
    );
    api.provisioned("a.test", "premium");
    assert_eq!(
        api.upgrade_paths("1000"),
        json!({
            "jetpack-plans": ["premium", "professional", "complete"],
            "jetpack-backup": ["jetpack-backup-daily", "jetpack-backup-realtime"],
            "jetpack-scan": [],
            "jetpack-anti-spam": [],
            "jetpack-videopress": ["jetpack-videopress"],
        })
    );
    api.provisioned("a.test", "complete");
    assert_eq!(
        api.upgrade_paths("a.test"),
        json!({
            "jetpack-plans": ["complete"],
            "jetpack-backup": ["jetpack-backup-daily"],
            "jetpack-scan": [],
            "jetpack-anti-spam": [],
            "jetpack-videopress": [],
        })
    );
}

#[test]
fn status_in_both_forms_follows_the_state() {
    let sandbox = start(builder());
    let mine = Api::new(&sandbox, PARTNER_ID, SECRET);
    let other = Api::new(&sandbox, OTHER_ID, OTHER_SECRET);
    for version in ["v1.3", "v1.4"] {
        assert_refused(
            mine.get(&format!("/rest/{version}/jpphp/9999/status")),
            403,
            "invalid_blog",
            Some("The blog ID 9999 is invalid"),
        );
    }
    mine.provisioned("a.test", "jetpack-scan");
    let flat = mine.status_v13("a.test");
    assert_eq!(
        flat,
        json!({
            "plan": "free",
            "is_partner_plan": false,
            "is_provisioned_by_calling_partner": false,
            "is_connected": false,
            "has_pending_plan": false,
            "has_backups_credentials": false,
            "products": [{
                "product": "jetpack-scan",
                "is_partner_product": true,
                "has_pending_product": true,
                "is_provisioned_by_calling_partner": true,
            }],
        })
    );
    // A plan over the scan must include it.
    other.provisioned("a.test", "premium");
    let flat = mine.status_v13("a.test");
    assert_eq!(flat["plan"], "premium");
    assert_eq!(flat["is_partner_plan"], true);
    assert_eq!(flat["is_provisioned_by_calling_partner"], false);
    assert_eq!(
        other.status_v13("a.test")["is_provisioned_by_calling_partner"],
        true
    );
    let status = mine.status("a.test");
    assert_eq!(
        status["products"],
        json!([
            {"slug": "premium", "is_provisioned_by_partner": true, "is_provisioned_by_calling_partner": false, "is_pending": true},
            {"slug": "jetpack-scan", "is_provisioned_by_partner": true, "is_provisioned_by_calling_partner": true, "is_pending": true},
        ])
    );
    let (status, _) = other.cancel("a.test", &[]);
    assert_eq!(status, 200);
    assert_eq!(mine.status_v13("a.test")["plan"], "free");
    assert_eq!(mine.slugs("a.test"), ["jetpack-scan"]);
}

#[test]
fn cancel_checks_the_site_the_plan_and_the_owner() {
    let sandbox = start(builder());
    let mine = Api::new(&sandbox, PARTNER_ID, SECRET);
    let other = Api::new(&sandbox, OTHER_ID, OTHER_SECRET);
    assert_refused(
        mine.cancel("nowhere.test", &[("plan", "premium")]),
        403,
        "invalid_blog",
        Some("The blog ID nowhere.test is invalid"),
    );
    mine.provisioned("a.test/wp", "premium");
    mine.provisioned("a.test/wp", "jetpack-backup-realtime");
    assert_refused(
        mine.cancel("a.test::wp", &[("plan", "gold")]),
        400,
        "not_jps_plan",
        Some("The plan is not provisioned by Jetpack Start"),
    );
    assert_refused(
        other.cancel("a.test::wp", &[("plan", "premium")]),
        403,
        "incorrect_partner_key",
        Some("Only the partner that provisioned the subscription can cancel it."),
    );
    assert_refused(
        other.cancel("1000", &[]),
        403,
        "incorrect_partner_key",
        None,
    );
    let (status, json) = mine.cancel("a.test::wp", &[("plan", "personal")]);
    assert_eq!((status, json), (200, json!({"success": false})), "not held");
    let (status, json) = mine.cancel("a.test%3A%3Awp", &[("plan", "jetpack-backup-realtime")]);
    assert_eq!((status, json), (200, json!({"success": true})));
    assert_eq!(mine.slugs("a.test::wp"), ["premium"]);
    // Without a plan: the plan proper.
    let (status, json) = mine.cancel("1000", &[]);
    assert_eq!((status, json), (200, json!({"success": true})));
    assert!(mine.slugs("1000").is_empty());
    let (status, json) = mine.cancel("1000", &[]);
    assert_eq!((status, json), (200, json!({"success": false})));
    // A site still answers after everything is cancelled.
    assert_eq!(mine.status_v13("1000")["plan"], "free");
}

#[test]
fn cancel_all_reports_active_and_pending_activations() {
    let sandbox = start(builder());
    let mine = Api::new(&sandbox, PARTNER_ID, SECRET);
    let other = Api::new(&sandbox, OTHER_ID, OTHER_SECRET);
    // Connected (a WordPress.com user named): its activations are active.
    let (status, json) = mine.provision("a.test", "premium", &[("wpcom_user_id", "7")]);
    assert_eq!(status, 200, "{json}");
    mine.provisioned("a.test", "jetpack-videopress");
    other.provisioned("a.test", "jetpack-backup-realtime");
    let (status, json) = mine.cancel("a.test", &[("cancel-all", "true"), ("plan", "premium")]);
    assert_eq!(status, 200);
    assert_eq!(
        json,
        json!({"success": true, "activations": ["premium", "jetpack-videopress"], "pending_activations": []})
    );
    assert_eq!(
        mine.slugs("a.test"),
        ["jetpack-backup-realtime"],
        "the other partner's stays"
    );
    let (_, json) = mine.cancel("a.test", &[("cancel-all", "1")]);
    assert_eq!(
        json,
        json!({"success": false, "activations": [], "pending_activations": []})
    );

    mine.provisioned("b.pending.test", "personal");
    mine.provisioned("b.pending.test", "jetpack-scan");
    let (_, json) = mine.cancel("b.pending.test", &[("cancel-all", "yes")]);
    assert_eq!(
        json,
        json!({"success": true, "activations": [], "pending_activations": ["personal", "jetpack-scan"]})
    );
    // cancel-all=false is a plain cancel of the plan.
    mine.provisioned("c.test", "personal");
    let (_, json) = mine.cancel("c.test", &[("cancel-all", "false")]);
    assert_eq!(json, json!({"success": true}));
}

#[test]
fn an_undeletable_site_fails_to_cancel() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    api.provisioned("shop.undeletable.test", "premium");
    for fields in [
        vec![],
        vec![("plan", "premium")],
        vec![("cancel-all", "true")],
    ] {
        assert_refused(
            api.cancel("shop.undeletable.test", &fields),
            400,
            "invalid_input",
            Some("Unable to delete subscription"),
        );
    }
    assert_eq!(api.slugs("shop.undeletable.test"), ["premium"]);
}

#[test]
fn the_error_catalogue_comes_short_or_verbose() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    let codes = [
        "activation_limit_reached",
        "could_not_load_product_class",
        "error_access_token",
        "failed_registration_unknown_blog",
        "invalid_siteurl",
        "invalid_local_user",
        "invalid_plan",
        "plan_downgrade_disallowed",
        "method_not_found",
        "invalid_scope",
        "invalid_blog",
        "incorrect_partner_key",
        "not_jps_plan",
        "invalid_input",
        "partner_key_disabled",
        "invalid_token",
        "authorization_required",
    ];
    let (status, short) = api.get(ERRORS);
    assert_eq!(status, 200);
    for code in codes {
        assert!(
            short["errors"][code].as_str().is_some_and(|d| d.len() > 10),
            "{code}: {short}"
        );
    }
    for query in ["?verbose", "?verbose=", "?verbose=1", "?verbose=false"] {
        let (status, verbose) = api.get(&format!("{ERRORS}{query}"));
        assert_eq!(status, 200);
        for code in codes {
            let entry = &verbose["errors"][code];
            assert_eq!(
                entry["description"], short["errors"][code],
                "{query} {code}"
            );
            for key in ["cause", "solution"] {
                assert!(
                    entry[key].as_str().is_some_and(|t| t.len() > 10),
                    "{query} {code} {key}: {entry}"
                );
            }
        }
    }
}

#[test]
fn ssh_credentials_validate_and_set_the_flag() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    api.provisioned("a.test", "jetpack-backup-daily");
    let path = |site: &str| format!("/rest/v1.3/jpphp/{site}/ssh-credentials");
    let full = [("ssh_user", "u"), ("ssh_host", "h.test"), ("ssh_pass", "p")];
    assert_refused(
        api.post(&path("a.test"), &full),
        403,
        "invalid_blog",
        Some("The blog ID a.test is invalid"),
    );
    assert_refused(
        api.post(&path("4242"), &full),
        403,
        "invalid_blog",
        Some("The blog ID 4242 is invalid"),
    );
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("ssh_host", "h"), ("ssh_pass", "p")], "missing_ssh_user"),
        (&[("ssh_user", "u"), ("ssh_pass", "p")], "missing_ssh_host"),
        (
            &[("ssh_user", "u"), ("ssh_host", "h")],
            "missing_ssh_credentials",
        ),
        (
            &[
                ("ssh_user", "u"),
                ("ssh_host", "h"),
                ("ssh_pass", "p"),
                ("ssh_port", "0"),
            ],
            "invalid_ssh_port",
        ),
        (
            &[
                ("ssh_user", "u"),
                ("ssh_host", "h"),
                ("ssh_pass", "p"),
                ("ssh_port", "65536"),
            ],
            "invalid_ssh_port",
        ),
        (
            &[
                ("ssh_user", "u"),
                ("ssh_host", "h"),
                ("ssh_pass", "p"),
                ("ssh_port", "-22"),
            ],
            "invalid_ssh_port",
        ),
    ];
    for (fields, code) in cases {
        assert_refused(api.post(&path("1000"), fields), 400, code, None);
    }
    assert_eq!(api.status("1000")["blog"]["has_backups_credentials"], false);
    let (status, json) = api.post(
        &path("1000"),
        &[
            ("ssh_user", "u"),
            ("ssh_host", "h"),
            ("ssh_private_key", "KEY"),
            ("ssh_port", "65535"),
        ],
    );
    assert_eq!((status, json), (200, json!({"success": true})));
    assert_eq!(api.status("1000")["blog"]["has_backups_credentials"], true);
    assert_eq!(api.status_v13("1000")["has_backups_credentials"], true);
    let stats = sandbox.stats();
    let fields =
        stats["last_fields"]["POST /rest/v1.3/jpphp/{blog_id}/ssh-credentials"].to_string();
    assert!(fields.contains(r#"["ssh_private_key","***"]"#), "{fields}");
    assert!(!fields.contains("KEY"), "{fields}");
}

#[test]
fn a_sub_key_gets_its_own_token_and_meets_its_allowance() {
    let sandbox = start(builder());
    let reseller = Api::new(&sandbox, PARTNER_ID, SECRET);
    assert_refused(reseller.post(NEW_KEY, &[]), 400, "invalid_name", None);
    assert_refused(
        reseller.post(NEW_KEY, &[("name", "  ")]),
        400,
        "invalid_name",
        None,
    );
    for bad in ["-1", "x", "1.5", "+2"] {
        assert_refused(
            reseller.post(
                NEW_KEY,
                &[("name", "Bundle"), ("allowed_premium_plans", bad)],
            ),
            400,
            "invalid_allowance",
            None,
        );
    }
    let (status, key) = reseller.post(
        NEW_KEY,
        &[
            ("name", "Bundle"),
            ("allowed_personal_plans", "1"),
            ("notes", "for tests"),
        ],
    );
    assert_eq!(status, 200, "{key}");
    assert_eq!(key["name"], "Bundle");
    assert_eq!(key["notes"], "for tests");
    assert_eq!(key["allowed_personal_plans"], 1);
    assert_eq!(key["allowed_premium_plans"], 0);
    assert_eq!(key["allowed_professional_plans"], 0);
    assert!(key["id"].is_u64(), "{key}");
    let client_id = key["client_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{key}"))
        .to_string();
    let secret = key["client_secret"].as_str().unwrap_or_default().to_owned();
    assert_eq!(secret.len(), 64);
    assert_ne!(client_id, PARTNER_ID);
    let stats = sandbox.stats().to_string();
    assert!(
        !stats.contains(&secret),
        "the new secret stays out of the stats"
    );

    let sub = Api::new(&sandbox, &client_id, &secret);
    sub.provisioned("a.test", "personal");
    let limit = |site: &str, plan: &str| {
        assert_refused(
            sub.provision(site, plan, &[]),
            400,
            "activation_limit_reached",
            None,
        )
    };
    limit("b.test", "personal");
    limit("b.test", "premium");
    limit("b.test", "professional");
    limit("b.test", "complete");
    sub.provisioned("b.test", "free");
    sub.provisioned("b.test", "jetpack-backup-realtime");
    sub.provisioned("a.test", "personal");
    // Cancelling gives the activation back.
    assert_eq!(sub.cancel("a.test", &[]).1, json!({"success": true}));
    sub.provisioned("c.test", "personal");

    assert_refused(
        sub.post(NEW_KEY, &[("name", "Nested")]),
        403,
        "invalid_scope",
        Some("This token is not authorized to create partner keys"),
    );
    let (_, second) = reseller.post(NEW_KEY, &[("name", "Another")]);
    assert_ne!(second["client_id"], key["client_id"]);
    assert_ne!(second["id"], key["id"]);
    assert_eq!(second["notes"], "");
}

#[test]
fn a_partner_endpoint_error_can_come_in_an_envelope() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    let (status, json) = api.get("/rest/v1.4/jpphp/nowhere.test/status?http_envelope=true");
    assert_eq!(status, 200);
    assert_eq!(json["code"], 403);
    assert_eq!(json["body"]["error"], "invalid_blog");
    assert!(json["headers"].is_array());
    let (status, json) = post_raw(
        sandbox.base_url(),
        &format!("{PROVISION}?http_envelope=1"),
        None,
        &[],
    );
    assert_eq!((status, json["code"].as_u64()), (200, Some(403)));
    assert_eq!(json["body"]["error"], "authorization_required");
}

#[test]
fn stats_name_the_endpoints_and_count_provisions() {
    let sandbox = start(builder());
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    let (status, _) = api.post(
        &format!("{PROVISION}?partner-tracking-id=T-1"),
        &[
            ("siteurl", "https://a.test/wp"),
            ("local_user", "admin"),
            ("plan", "premium"),
            ("ssh_pass", "hunter2"),
        ],
    );
    assert_eq!(status, 200);
    let (status, _) = api.provision(
        "https://a.test/wp?p=1",
        "premium",
        &[
            ("ssh_user", "u"),
            ("ssh_pass", "hunter2"),
            ("access_token", "leak"),
        ],
    );
    assert_eq!(status, 400, "a query in siteurl is refused");
    let fields = sandbox.stats()["last_fields"]["POST /rest/v1.3/jpphp/provision"].to_string();
    assert!(fields.contains(r#"["access_token","***"]"#), "{fields}");
    assert!(fields.contains(r#"["ssh_user","u"]"#), "{fields}");
    api.cancel("a.test::wp", &[("plan", "premium")]);
    api.status("a.test::wp");
    let stats = sandbox.stats();
    let by = &stats["by_endpoint"];
    assert_eq!(by["POST /rest/v1.3/jpphp/provision"]["200"], 1, "{stats}");
    assert_eq!(by["POST /rest/v1.3/jpphp/provision"]["400"], 1, "{stats}");
    assert_eq!(
        by["POST /rest/v1.3/jpphp/{site}/partner-cancel"]["200"], 1,
        "{stats}"
    );
    assert_eq!(
        by["GET /rest/v1.4/jpphp/{site}/status"]["200"], 1,
        "{stats}"
    );
    assert_eq!(stats["provisions"], json!({"a.test::wp": 1}));
    let text = stats.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("leak"),
        "{text}"
    );
}

fn state_dir() -> std::path::PathBuf {
    temp_file("unused", b"")
        .parent()
        .unwrap_or_else(|| panic!("no parent"))
        .to_path_buf()
}

fn no_temporary_files_in(dir: &Path) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn the_state_file_keeps_sites_and_keys_across_runs() {
    let dir = state_dir();
    let file = dir.join("sandbox-state.json");
    let (client_id, secret) = {
        let sandbox = start(builder().state_file(&file));
        let api = Api::new(&sandbox, PARTNER_ID, SECRET);
        api.provisioned("a.test", "premium");
        let (_, key) = api.post(
            NEW_KEY,
            &[("name", "Bundle"), ("allowed_premium_plans", "1")],
        );
        let sub = Api::new(
            &sandbox,
            key["client_id"].to_string().as_str(),
            key["client_secret"].as_str().unwrap_or_default(),
        );
        sub.provisioned("b.test", "premium");
        let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap_or_default())
            .unwrap_or_else(|e| panic!("the state file is JSON: {e}"));
        assert!(saved.is_object());
        (
            key["client_id"].to_string(),
            key["client_secret"].as_str().unwrap_or_default().to_owned(),
        )
    };
    no_temporary_files_in(&dir);
    // Started again with the same file and only the top-level partner.
    let sandbox = start(
        Sandbox::builder()
            .partner(PARTNER_ID, SECRET)
            .state_file(&file),
    );
    let api = Api::new(&sandbox, PARTNER_ID, SECRET);
    assert_eq!(api.slugs("a.test"), ["premium"]);
    assert_eq!(api.slugs("1000"), ["premium"]);
    assert_eq!(
        api.status("b.test")["products"][0]["is_provisioned_by_calling_partner"],
        false
    );
    let sub = Api::new(&sandbox, &client_id, &secret);
    assert_eq!(
        sub.status("b.test")["products"][0]["is_provisioned_by_calling_partner"],
        true
    );
    assert_refused(
        sub.provision("c.test", "premium", &[]),
        400,
        "activation_limit_reached",
        None,
    );
    api.provisioned("c.test", "free");
    assert_eq!(api.slugs("1002"), ["free"], "blog IDs go on counting");
    // The command line's partner replaces the file's.
    drop(sandbox);
    let sandbox = start(
        Sandbox::builder()
            .partner(PARTNER_ID, "new-secret")
            .state_file(&file),
    );
    let api = Api::new(&sandbox, PARTNER_ID, "new-secret");
    assert_eq!(api.slugs("a.test"), ["premium"]);
}

#[test]
fn a_corrupt_state_file_stops_the_start() {
    let file = temp_file("state.json", b"{\"sites\": [");
    match Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .state_file(&file)
        .start()
    {
        Ok(_) => panic!("a corrupt state file was accepted"),
        Err(e) => assert!(e.to_string().contains("corrupt"), "{e}"),
    }
    let path = file.to_string_lossy().into_owned();
    let run = cli(
        &["sandbox", "--state", &path, "--partner", "1:2"],
        &[],
        None,
    );
    run.assert_code(5);
    assert!(
        run.error()["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("corrupt") && m.contains("state.json")),
        "{run:?}"
    );
}

/// Starts `jetpack-partner sandbox` with `args`; returns the child and the
/// base URL it printed first.
fn sandbox_process(args: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
        .arg("sandbox")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        BufReader::new(out)
            .read_line(&mut first)
            .unwrap_or_default();
    }
    (child, first.trim().to_owned())
}

#[test]
fn the_sandbox_command_keeps_its_state_file() {
    let file = state_dir().join("cli-state.json");
    let path = file.to_string_lossy().into_owned();
    let partner = format!("{PARTNER_ID}:{SECRET}");
    let args = ["--state", path.as_str(), "--partner", partner.as_str()];
    let (mut child, base) = sandbox_process(&args);
    let bearer = format!(
        "Bearer {}",
        token(&base, PARTNER_ID, SECRET, "jetpack-partner")
    );
    let fields = [
        ("siteurl", "cli.test"),
        ("local_user", "admin"),
        ("plan", "personal"),
    ];
    let (status, json) = post_raw(&base, PROVISION, Some(&bearer), &fields);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "{json}");
    let (mut child, base) = sandbox_process(&args);
    let (status, json) = get_raw(&base, "/rest/v1.4/jpphp/cli.test/status", Some(&bearer));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        status, 200,
        "the token and the site survive a restart: {json}"
    );
    assert_eq!(json["products"][0]["slug"], "personal");
}
