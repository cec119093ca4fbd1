//! Jetpack Scan's routes (reference 4.1 to 4.5): the scanner's state and
//! threats with the partner's token; queueing a scan, fixing and ignoring
//! threats with a token a WordPress.com user approved.
//!
//! Which token each takes is the reference's (its gap B.1 leaves open
//! whether the other would do): the wrong one is 403 `invalid_scope`. A
//! site is the partner's while it holds one of its products (`wpcom.rs`).
//!
//! A site's scanner is `unavailable` without a product that includes Scan
//! (`jetpack-scan`, `premium`, `professional`, `complete`), `provisioning`
//! while every such product is pending (`*.pending.test`), and otherwise
//! `idle` or `scanning`; its threats are `threats.rs`'s. The reference
//! lists no errors for Scan (gap B.8); those here are the sandbox's own:
//! 404 `threat_not_found`, 400 `threat_not_fixable`, 400 `threat_fixed`,
//! 400 `rest_invalid_param` and `rest_missing_callback_param`, and
//! `{"success": false}` or `{"ok": false, "error": …}` from a scanner that
//! cannot act.

use serde_json::{json, Map, Value};

use super::activity::{self, Actor};
use super::catalogue;
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites::{self, Site};
use super::state::State;
use super::threats::{self, Event, Kind, Refusal, Scanner};
use super::wpcom::{self, Needs};

/// The sandbox's clock for Scan, in milliseconds since 1970: every scan and
/// fix time is read here, and nowhere else.
fn now_ms(state: &State) -> u64 {
    state.now_ms()
}

/// A threat's fix has ended well, at `at` (milliseconds since 1970): the
/// one place a fix is recorded, as an entry of the site's activity log
/// (group `security`, as Jetpack's own log files fixes).
fn fixed(state: &mut State, blog_id: u64, threat: u64, at: u64) {
    let event = activity::Event::new("security__threat_fixed", "security", "Threat fixed")
        .text(format!("Threat {threat} was fixed"))
        .gridicon("shield")
        .actor(Actor::Application("Jetpack".into()))
        .object(json!({"type": "Threat", "id": threat}));
    activity::record(&mut state.activity, blog_id, at, event);
    state.dirty = true;
}

/// What a site's products let its scanner do.
enum Readiness {
    Unavailable,
    Provisioning,
    Ready(Kind),
}

/// The scanner of the site a route names, once its token and the site are
/// checked: the blog ID, or the state word of a scanner that cannot scan.
struct Opened {
    blog_id: u64,
    ready: Option<Kind>,
    not_ready: &'static str,
}

/// Checks the token and the site, and brings the site's scanner up to
/// `now`: what should have ended by now has ended.
fn open(state: &mut State, rq: &Incoming, params: &Params, needs: Needs) -> Result<Opened, Reply> {
    let partner = wpcom::caller(state, rq, needs)?;
    let (key, site) = wpcom::partner_site(&state.sites, &partner, params)?;
    let blog_id = site.blog_id;
    let readiness = readiness(site, sites::host(&key));
    let (ready, not_ready) = match readiness {
        Readiness::Unavailable => (None, "unavailable"),
        Readiness::Provisioning => (None, "provisioning"),
        Readiness::Ready(kind) => (Some(kind), ""),
    };
    if let Some(kind) = ready {
        let now = now_ms(state);
        if !state.scans.contains_key(&blog_id) {
            state.dirty = true;
        }
        let scanner = state
            .scans
            .entry(blog_id)
            .or_insert_with(|| Scanner::new(blog_id, kind, now));
        let events = scanner.advance(now);
        if !events.is_empty() {
            state.dirty = true;
        }
        for event in events {
            if let Event::Fixed { threat, at } = event {
                fixed(state, blog_id, threat, at);
            }
        }
    }
    Ok(Opened {
        blog_id,
        ready,
        not_ready,
    })
}

fn readiness(site: &Site, host: &str) -> Readiness {
    let with_scan: Vec<bool> = site
        .products
        .iter()
        .filter(|a| catalogue::covered([a.slug.as_str()]).contains("jetpack-scan"))
        .map(|a| a.pending)
        .collect();
    if with_scan.is_empty() {
        Readiness::Unavailable
    } else if with_scan.iter().all(|&pending| pending) {
        Readiness::Provisioning
    } else {
        Readiness::Ready(Kind::of_host(host))
    }
}

/// The site's scanner, which [`open`] made when it was ready.
fn scanner_of(state: &mut State, blog_id: u64) -> &mut Scanner {
    state.scans.entry(blog_id).or_default()
}

/// `GET /wpcom/v2/sites/{blog_id}/scan` (partner token).
pub(crate) fn status(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let opened = match open(&mut state, rq, params, Needs::Partner) {
        Ok(opened) => opened,
        Err(refusal) => return refusal,
    };
    if opened.ready.is_none() {
        return Reply::ok(threats::not_ready(opened.not_ready));
    }
    let now = now_ms(&state);
    Reply::ok(scanner_of(&mut state, opened.blog_id).answer(now))
}

/// `POST /wpcom/v2/sites/{blog_id}/scan/enqueue` (user token): starts a
/// scan unless one is under way; a scanner that cannot scan answers
/// `{"success": false}`.
pub(crate) fn enqueue(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let opened = match open(&mut state, rq, params, Needs::User) {
        Ok(opened) => opened,
        Err(refusal) => return refusal,
    };
    if opened.ready.is_none() {
        return Reply::ok(json!({"success": false}));
    }
    let (now, timing) = (now_ms(&state), state.scan_timing);
    scanner_of(&mut state, opened.blog_id).enqueue(now, timing);
    state.dirty = true;
    Reply::ok(json!({"success": true}))
}

/// `POST /wpcom/v2/sites/{blog_id}/alerts/{threat_id}?fix=true` or
/// `?ignore=true` (user token).
pub(crate) fn alert(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let opened = match open(&mut state, rq, params, Needs::User) {
        Ok(opened) => opened,
        Err(refusal) => return refusal,
    };
    let fix = match (rq.query_flag("fix"), rq.query_flag("ignore")) {
        (true, false) => true,
        (false, true) => false,
        _ => {
            return Reply::wp_error(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): give one of fix=true and ignore=true.",
            )
        }
    };
    let Some(id) = params.get("threat_id").and_then(threat_id) else {
        return Reply::wp_error(
            400,
            "rest_invalid_param",
            "Invalid parameter(s): threat_id (not a threat ID).",
        );
    };
    let found = opened
        .ready
        .and_then(|_| scanner_of(&mut state, opened.blog_id).find(id));
    let Some(at) = found else {
        return not_found(id, opened.blog_id);
    };
    let (now, timing) = (now_ms(&state), state.scan_timing);
    let fails = opened.ready == Some(Kind::FixesFail);
    let scanner = scanner_of(&mut state, opened.blog_id);
    let done = if fix {
        scanner.fix(at, now, timing, fails)
    } else {
        scanner.ignore(at)
    };
    let answer = scanner.alerts(now);
    match done {
        Ok(()) => {
            state.dirty = true;
            Reply::ok(answer)
        }
        Err(Refusal::NotFixable) => Reply::wp_error(
            400,
            "threat_not_fixable",
            &format!("Threat {id} cannot be fixed automatically: fix it by hand, or ignore it."),
        ),
        Err(Refusal::AlreadyFixed) => Reply::wp_error(
            400,
            "threat_fixed",
            &format!("Threat {id} is fixed: there is nothing to ignore."),
        ),
    }
}

/// `POST /wpcom/v2/sites/{blog_id}/alerts/fix` (user token): starts the
/// fixers of `threat_ids` (a JSON body, or a form with `threat_ids[]`).
pub(crate) fn fix_threats(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let opened = match open(&mut state, rq, params, Needs::User) {
        Ok(opened) => opened,
        Err(refusal) => return refusal,
    };
    let ids = match body_ids(rq) {
        Ok(ids) => ids,
        Err(refusal) => return refusal,
    };
    let Some(kind) = opened.ready else {
        return not_ready_to_fix();
    };
    let (now, timing) = (now_ms(&state), state.scan_timing);
    let scanner = scanner_of(&mut state, opened.blog_id);
    for &id in &ids {
        if let Some(at) = scanner.find(id) {
            // An unfixable threat's entry says so.
            let _ = scanner.fix(at, now, timing, kind == Kind::FixesFail);
        }
    }
    let answer = fix_answer(scanner, &ids);
    state.dirty = true;
    Reply::ok(answer)
}

/// `GET /wpcom/v2/sites/{blog_id}/alerts/fix?threat_ids[]=…` (user token):
/// each fixer's state.
pub(crate) fn fix_status(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let opened = match open(&mut state, rq, params, Needs::User) {
        Ok(opened) => opened,
        Err(refusal) => return refusal,
    };
    let texts: Vec<&str> = rq
        .query
        .iter()
        .filter(|(k, _)| k == "threat_ids[]")
        .map(|(_, v)| v.as_str())
        .collect();
    let ids = match listed_ids(texts) {
        Ok(ids) => ids,
        Err(refusal) => return refusal,
    };
    if opened.ready.is_none() {
        return not_ready_to_fix();
    }
    Reply::ok(fix_answer(scanner_of(&mut state, opened.blog_id), &ids))
}

/// `{"ok": true, "threats": {id: entry}}`.
fn fix_answer(scanner: &Scanner, ids: &[u64]) -> Value {
    let entries: Map<String, Value> = ids
        .iter()
        .map(|&id| (id.to_string(), scanner.fix_entry(id)))
        .collect();
    json!({"ok": true, "threats": entries})
}

fn not_ready_to_fix() -> Reply {
    Reply::ok(json!({
        "ok": false,
        "error": "The site's scanner is not ready (provisioning or unavailable); nothing can be fixed.",
    }))
}

fn not_found(id: u64, blog_id: u64) -> Reply {
    Reply::wp_error(
        404,
        "threat_not_found",
        &format!("No threat {id} on blog {blog_id}."),
    )
}

/// The threat IDs of a `POST …/alerts/fix`: `{"threat_ids": [...]}` as
/// JSON (numbers or numeric strings), or `threat_ids[]` form fields.
fn body_ids(rq: &Incoming) -> Result<Vec<u64>, Reply> {
    if rq.is_json() {
        let body = rq.json()?;
        return match body.get("threat_ids") {
            None | Some(Value::Null) => Err(missing_ids()),
            Some(Value::Array(items)) => {
                let texts: Vec<String> = items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                listed_ids(texts.iter().map(String::as_str).collect())
            }
            Some(_) => Err(invalid_ids()),
        };
    }
    let fields = rq.form(Shape::Wp)?;
    let texts: Vec<String> = fields
        .0
        .iter()
        .filter(|(k, _)| k == "threat_ids[]")
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .collect();
    listed_ids(texts.iter().map(String::as_str).collect())
}

/// At least one ID, each a threat ID.
fn listed_ids(texts: Vec<&str>) -> Result<Vec<u64>, Reply> {
    if texts.is_empty() {
        return Err(missing_ids());
    }
    texts
        .into_iter()
        .map(|text| threat_id(text).ok_or_else(invalid_ids))
        .collect()
}

fn threat_id(text: &str) -> Option<u64> {
    text.parse()
        .ok()
        .filter(|&id| id > 0 && text.bytes().all(|b| b.is_ascii_digit()))
}

fn missing_ids() -> Reply {
    Reply::wp_error(
        400,
        "rest_missing_callback_param",
        "Missing parameter(s): threat_ids",
    )
}

fn invalid_ids() -> Reply {
    Reply::wp_error(
        400,
        "rest_invalid_param",
        "Invalid parameter(s): threat_ids (each must be a threat ID).",
    )
}
