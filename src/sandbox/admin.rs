//! The sandbox's own routes under `/_sandbox/`, for tests and trials:
//! no token, never delayed or faulted, not counted in the stats.
//!
//! * `GET /_sandbox/stats`: what the sandbox has seen;
//! * `GET /_sandbox/clock`: the sandbox's time, `{"now": UNIX_SECONDS}`;
//! * `POST /_sandbox/clock?advance=SECONDS`: moves it forward, and
//!   answers the new time;
//! * `POST /_sandbox/connect?site=SITE`: the site's owner finishes
//!   connecting it (follows `next_url`, or sets Jetpack up from wp-admin):
//!   its pending activations attach themselves. `SITE` is a blog ID or a
//!   site reference, as in the API's paths.

use std::time::Duration;

use serde_json::{json, Value};

use super::reply::{Reply, Shape};
use super::request::Incoming;
use super::shared::Shared;
use super::sites;

/// The answer to a request under `/_sandbox/`; `stats` gives the stats.
pub(crate) fn answer(shared: &Shared, rq: &Incoming, stats: impl FnOnce() -> Value) -> Reply {
    match (rq.method.as_str(), rq.path.as_str()) {
        ("GET", "/_sandbox/stats") => Reply::ok(stats()),
        ("GET", "/_sandbox/clock") => Reply::ok(json!({"now": shared.lock().now()})),
        ("POST", "/_sandbox/clock") => advance(shared, rq),
        ("POST", "/_sandbox/connect") => connect(shared, rq),
        (_, "/_sandbox/stats" | "/_sandbox/clock" | "/_sandbox/connect") => Reply::rest_error(
            405,
            "invalid_method",
            "This endpoint does not accept that method.",
        ),
        (_, path) => Reply::rest_error(404, "unknown_path", &format!("Unknown path {path:?}.")),
    }
}

/// `?advance=SECONDS`: a whole number of seconds, forward only.
fn advance(shared: &Shared, rq: &Incoming) -> Reply {
    let Some(seconds) = rq
        .query_value("advance")
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return Reply::rest_error(
            400,
            "invalid_advance",
            "Say how far to move the clock forward, in whole seconds: POST /_sandbox/clock?advance=1209600 (14 days).",
        );
    };
    let mut state = shared.lock();
    let now = state.clock.advance(Duration::from_secs(seconds));
    state.dirty = true;
    // What the new time made expire goes now, not at the next request.
    state.sweep();
    Reply::ok(json!({"now": now}))
}

/// `?site=SITE`: connects the site; its pending activations attach.
fn connect(shared: &Shared, rq: &Incoming) -> Reply {
    let segment = rq.query_value("site").unwrap_or_default();
    if segment.is_empty() {
        return Reply::rest_error(
            400,
            "invalid_site",
            "Say which site connects, by blog ID or site reference: POST /_sandbox/connect?site=example.com",
        );
    }
    let mut state = shared.lock();
    let key = match sites::known(&state.sites, Some(segment), Shape::Rest) {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    let Some(site) = state.sites.get_mut(&key) else {
        return sites::invalid_blog(Shape::Rest, segment);
    };
    let attached = site.connect();
    let blog_id = site.blog_id;
    state.dirty = true;
    Reply::ok(json!({
        "blog_id": blog_id,
        "site": key,
        "is_connected": true,
        "attached": attached,
    }))
}
