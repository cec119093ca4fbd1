//! `GET /rest/v1.4/jpphp/{site}/status` and its deprecated flat v1.3 form
//! (section 4).

use serde_json::{json, Value};

use super::bearer::{self, Guard};
use super::catalogue;
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites::{self, Site};

/// Status is where the reference lists `partner_key_disabled`; its
/// refusals are in the REST shape, as its documents show no other.
const GUARD: Guard = Guard {
    action: "view the status of partner sites",
    shape: Shape::Rest,
    says_disabled: true,
};

/// The v1.4 form: the blog's flags, and every product with its owner.
pub(crate) fn status(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    with_site(shared, rq, params, |site, caller| {
        let products: Vec<Value> = site
            .products
            .iter()
            .map(|a| {
                json!({
                    "slug": a.slug,
                    "is_provisioned_by_partner": true,
                    "is_provisioned_by_calling_partner": a.partner_id == caller,
                    "is_pending": a.pending,
                })
            })
            .collect();
        json!({
            "blog": {
                "is_connected": site.is_connected,
                "has_backups_credentials": site.has_backups_credentials,
            },
            "products": products,
        })
    })
}

/// The deprecated v1.3 form: the plan proper up front, the stand-alone
/// products in `products`.
pub(crate) fn status_v13(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    with_site(shared, rq, params, |site, caller| {
        let plan = site.plan();
        let products: Vec<Value> = site
            .products
            .iter()
            .filter(|a| catalogue::find(&a.slug).is_some_and(|p| p.family != catalogue::PLANS))
            .map(|a| {
                json!({
                    "product": a.slug,
                    "is_partner_product": true,
                    "has_pending_product": a.pending,
                    "is_provisioned_by_calling_partner": a.partner_id == caller,
                })
            })
            .collect();
        json!({
            "plan": plan.map_or("free", |a| a.slug.as_str()),
            "is_partner_plan": plan.is_some(),
            "is_provisioned_by_calling_partner": plan.is_some_and(|a| a.partner_id == caller),
            "is_connected": site.is_connected,
            "has_pending_plan": plan.is_some_and(|a| a.pending),
            "has_backups_credentials": site.has_backups_credentials,
            "products": products,
        })
    })
}

/// Checks the token and finds the site, then answers with `body`, which
/// gets the site and the calling partner's ID.
fn with_site(
    shared: &Shared,
    rq: &Incoming,
    params: &Params,
    body: impl Fn(&Site, &str) -> Value,
) -> Reply {
    let state = shared.lock();
    let found = bearer::check(&state, rq, GUARD).and_then(|caller| {
        let key = sites::known(&state.sites, params.site.as_deref(), GUARD.shape)?;
        Ok((caller, key))
    });
    match found {
        Ok((caller, key)) => match state.sites.get(&key) {
            Some(site) => Reply::ok(body(site, &caller.partner_id)),
            None => sites::invalid_blog(GUARD.shape, &key),
        },
        Err(refusal) => refusal,
    }
}
