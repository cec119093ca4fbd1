//! The ground the hosting-partner endpoints stand on: the public site
//! lookup (`connection`, and a domain turned into a blog ID once), the
//! request bodies beyond forms (JSON, nothing), the WordPress REST error
//! shape, and the commands that need a WordPress.com user's token.

use std::time::Duration;

use jetpack_partner::{Body, Client, Endpoint, Error, Method, Reply, Session, SiteRef, TraceEvent};
use serde_json::{json, Value};

use crate::common::*;

/// Provisions `site` for the test partner, connected to a WordPress.com
/// user (so Jetpack connects it).
fn provision(sandbox: &jetpack_partner::sandbox::Sandbox, site: &str) {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let credentials =
        jetpack_partner::Credentials::new(PARTNER_ID, jetpack_partner::Secret::new(SECRET));
    let session = Session::new(client, credentials);
    let request = jetpack_partner::Provision::new("admin", format!("https://{site}"), "personal")
        .wpcom_user_id(42);
    session.send(&request).unwrap_or_else(|e| panic!("{e}"));
}

fn lookups(sandbox: &jetpack_partner::sandbox::Sandbox) -> u64 {
    sandbox.stats()["by_endpoint"]["GET /rest/v1.1/sites/{site}"]
        .as_object()
        .map_or(0, |by_status| {
            by_status.values().filter_map(Value::as_u64).sum()
        })
}

#[test]
fn connection_gives_the_blog_id_and_whether_jetpack_connects_the_site() {
    let sandbox = sandbox();
    provision(&sandbox, "shop.example");
    // No credentials: the lookup is public.
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "connection",
            "--site",
            "https://Shop.example/",
        ],
        &[],
        None,
    );
    run.assert_code(0);
    let answer: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:#?}"));
    assert_eq!(answer["site"], "shop.example");
    assert_eq!(answer["connected"], true);
    let id = answer["blog_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(answer["lookup"]["ID"], id);
    // By blog ID, the same site.
    let by_id = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "connection",
            "--site",
            &id.to_string(),
        ],
        &[],
        None,
    );
    by_id.assert_code(0);
    assert!(by_id.stdout.contains("\"connected\":true"), "{by_id:#?}");
}

#[test]
fn a_site_without_the_json_api_is_unknown_and_an_unknown_site_is_refused() {
    let sandbox = sandbox();
    provision(&sandbox, "quiet.nojsonapi.test");
    let run = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "connection",
            "--site",
            "quiet.nojsonapi.test",
        ],
        &[],
        None,
    );
    run.assert_code(0);
    assert!(run.stdout.contains("\"connected\":null"), "{run:#?}");
    let unknown = cli(
        &[
            "--api-base",
            sandbox.base_url(),
            "connection",
            "--site",
            "never.example",
        ],
        &[],
        None,
    );
    unknown.assert_code(1);
    assert_eq!(unknown.error()["error_code"], "unknown_blog");
    let missing = cli(&["--api-base", sandbox.base_url(), "connection"], &[], None);
    missing.assert_code(2);
    assert!(missing.stderr.contains("--site"), "{missing:#?}");
}

#[test]
fn a_domain_is_looked_up_once_per_session_and_the_lookup_is_traced() {
    let sandbox = sandbox();
    provision(&sandbox, "once.example");
    let notes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = notes.clone();
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .trace(move |event: &TraceEvent| {
            if let TraceEvent::Note(note) = event {
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(note.clone());
            }
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let session = Session::without_credentials(client);
    let site = SiteRef::parse("once.example").unwrap_or_else(|e| panic!("{e}"));
    let first = session.blog_id(&site).unwrap_or_else(|e| panic!("{e}"));
    let again = session.blog_id(&site).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first, again);
    assert_eq!(lookups(&sandbox), 1);
    let notes = notes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        notes
            .iter()
            .any(|n| n.contains(&format!("once.example is blog {first}"))),
        "{notes:?}"
    );
    // A blog ID needs no lookup.
    let given = SiteRef::parse("4242").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(session.blog_id(&given).map(|id| id.get()).ok(), Some(4242));
    assert_eq!(lookups(&sandbox), 1);
}

/// An endpoint of the test's own, sending `body`.
struct Sends(fn() -> Body);

impl Endpoint for Sends {
    type Answer = Value;
    const METHOD: Method = Method::Post;
    const TOKEN: jetpack_partner::Token = jetpack_partner::Token::None;

    fn path(&self) -> Result<String, Error> {
        Ok("/wpcom/v2/test".into())
    }

    fn body(&self) -> Result<Body, Error> {
        Ok((self.0)())
    }

    fn decode(&self, reply: Reply) -> Result<Value, Error> {
        reply.into_typed("an object")
    }
}

fn sent(body: fn() -> Body) -> String {
    let (base, seen) = capturing_server(http_response(200, "application/json", "{\"ok\":true}"));
    let client = Client::builder()
        .api_base(&base)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = client
        .send(&Sends(body), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer, json!({"ok": true}));
    let requests = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(requests.len(), 1);
    String::from_utf8_lossy(&requests[0]).into_owned()
}

#[test]
fn json_and_empty_bodies_go_as_they_should() {
    let json = sent(|| Body::Json(json!({"threat_ids": [81444650, 81444645]})));
    let lower = json.to_ascii_lowercase();
    assert!(
        lower.starts_with("post /wpcom/v2/test http/1.1\r\n"),
        "{json}"
    );
    assert!(
        lower.contains("\r\ncontent-type: application/json\r\n"),
        "{json}"
    );
    assert!(
        json.ends_with("\r\n\r\n{\"threat_ids\":[81444650,81444645]}"),
        "{json}"
    );
    let empty = sent(|| Body::Empty);
    let lower = empty.to_ascii_lowercase();
    assert!(lower.contains("\r\ncontent-length: 0\r\n"), "{empty}");
    assert!(!lower.contains("content-type"), "{empty}");
    assert!(empty.ends_with("\r\n\r\n"), "{empty}");
}

#[test]
fn the_wordpress_rest_error_shape_is_an_api_error() {
    let base = fixed_server(http_response(
        403,
        "application/json",
        r#"{"code":"rest_forbidden","message":"Sorry, you cannot.","data":{"status":403}}"#,
    ));
    let client = Client::builder()
        .api_base(&base)
        .retries(0)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    match client.send(&Sends(|| Body::Empty), None) {
        Err(Error::Api(api)) => {
            assert_eq!(api.code.as_str(), "rest_forbidden");
            assert_eq!(api.message, "Sorry, you cannot.");
            assert_eq!(api.status, 403);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_sandbox_gives_a_user_token_only_for_a_partner_it_knows() {
    let sandbox = sandbox();
    let token = sandbox
        .user_token(PARTNER_ID)
        .unwrap_or_else(|| panic!("no token"));
    assert!(token.len() >= 16);
    assert_eq!(
        sandbox.user_token(PARTNER_ID).as_deref(),
        Some(token.as_str())
    );
    assert!(sandbox.user_token("999").is_none());
    // It is not the partner's token.
    assert_ne!(token, token_of(&sandbox, SECRET));
}
