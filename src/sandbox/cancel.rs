//! `POST /rest/v1.3/jpphp/{site}/partner-cancel` (section 3).
//!
//! Only the partner that provisioned a product may cancel it. Sites under
//! `*.undeletable.test` fail at the deletion itself, so clients can meet
//! `invalid_input`.
//!
//! Its refusals come in the partner documents' shape with the answer's
//! `success` flag: `{"success": false, "error_code": …, "error_message":
//! …}`, but for the token checks every REST endpoint shares.

use serde_json::json;

use super::activity::{self, Actor, Event};
use super::bearer::{self, Caller, Guard};
use super::catalogue;
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites::{self, Site};
use super::state::State;

/// The shape of cancel's own refusals.
const SHAPE: Shape = Shape::PartnerUnsuccessful;

const GUARD: Guard = Guard::new("cancel partner plans", SHAPE);

pub(crate) fn cancel(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(shared, rq, params).unwrap_or_else(|refusal| refusal)
}

fn refuse(status: u16, code: &str, message: &str) -> Reply {
    Reply::error(SHAPE, status, code, message)
}

fn run(shared: &Shared, rq: &Incoming, params: &Params) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let caller = bearer::check(&state, rq, GUARD)?;
    let fields = rq.form(SHAPE)?;
    let key = sites::known(&state.sites, params.site.as_deref(), SHAPE)?;
    let plan = fields.text("plan");
    if let Some(plan) = &plan {
        if catalogue::find(plan).is_none() {
            return Err(refuse(
                400,
                "not_jps_plan",
                "The plan is not provisioned by Jetpack Start",
            ));
        }
    }
    // `cancel-all` wins over `plan`: it asks for strictly more.
    if fields.flag("cancel-all") {
        return cancel_all(&mut state, &caller, &key);
    }
    cancel_one(&mut state, &caller, &key, plan.as_deref())
}

/// Cancels one product: `plan`, or without it the site's plan proper.
fn cancel_one(
    state: &mut State,
    caller: &Caller,
    key: &str,
    plan: Option<&str>,
) -> Result<Reply, Reply> {
    let Some(site) = state.sites.get_mut(key) else {
        return Ok(nothing());
    };
    let target = match plan {
        Some(slug) => site.activation(slug),
        None => site.plan(),
    };
    let Some(target) = target else {
        return Ok(nothing());
    };
    if target.partner_id != caller.partner_id {
        return Err(refuse(
            403,
            "incorrect_partner_key",
            "Only the partner that provisioned the subscription can cancel it.",
        ));
    }
    undeletable(key)?;
    let slug = target.slug.clone();
    site.products.retain(|a| a.slug != slug);
    let blog = site.blog_id;
    cancelled(state, caller, blog, &[slug]);
    state.dirty = true;
    Ok(Reply::ok(json!({"success": true})))
}

/// Cancels everything the caller provisioned on the site.
fn cancel_all(state: &mut State, caller: &Caller, key: &str) -> Result<Reply, Reply> {
    let Some(site) = state.sites.get_mut(key) else {
        return Ok(nothing_at_all());
    };
    let (pending, active) = owned(site, caller);
    if pending.is_empty() && active.is_empty() {
        return Ok(nothing_at_all());
    }
    undeletable(key)?;
    site.products.retain(|a| a.partner_id != caller.partner_id);
    let blog = site.blog_id;
    let slugs: Vec<String> = active.iter().chain(&pending).cloned().collect();
    cancelled(state, caller, blog, &slugs);
    state.dirty = true;
    Ok(Reply::ok(json!({
        "success": true,
        "activations": active,
        "pending_activations": pending,
    })))
}

/// Each cancelled product is in the site's activity log.
fn cancelled(state: &mut State, caller: &Caller, blog: u64, slugs: &[String]) {
    let now = state.now_ms();
    for slug in slugs {
        let event = Event::new("plan__cancelled", "plan", "Plan cancelled")
            .text(slug.clone())
            .gridicon("plans")
            .actor(Actor::Application(format!(
                "Jetpack partner {}",
                caller.partner_id
            )))
            .object(json!({"type": "Plan", "slug": slug}));
        activity::record(&mut state.activity, blog, now, event);
    }
}

/// The caller's slugs on the site: (pending, active).
fn owned(site: &Site, caller: &Caller) -> (Vec<String>, Vec<String>) {
    let (pending, active): (Vec<_>, Vec<_>) = site
        .products
        .iter()
        .filter(|a| a.partner_id == caller.partner_id)
        .partition(|a| a.pending);
    let slugs = |list: Vec<&sites::Activation>| list.iter().map(|a| a.slug.clone()).collect();
    (slugs(pending), slugs(active))
}

fn undeletable(key: &str) -> Result<(), Reply> {
    if sites::host(key).ends_with(".undeletable.test") {
        return Err(refuse(
            400,
            "invalid_input",
            "Unable to delete subscription",
        ));
    }
    Ok(())
}

/// Nothing to cancel: a refusal in a 200, not worth a retry.
fn nothing() -> Reply {
    Reply::ok(json!({"success": false}))
}

fn nothing_at_all() -> Reply {
    Reply::ok(json!({"success": false, "activations": [], "pending_activations": []}))
}
