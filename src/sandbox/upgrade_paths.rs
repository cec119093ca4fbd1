//! `GET /rest/v1.3/jpphp/{site}/upgrade-paths` (section 5).

use std::collections::BTreeMap;

use serde_json::json;

use super::bearer::{self, Guard};
use super::catalogue::{FAMILIES, PRODUCTS};
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites::{self, Decision};

const GUARD: Guard = Guard::new("view upgrade paths of partner sites", Shape::Rest);

/// For every family, what the calling partner may provision on the site
/// now: exactly what provision would accept (one rule, `sites::decide`),
/// the product the partner already has included, since provisioning it
/// again succeeds. A sub-key's allowance is the key's, not the site's,
/// and is not applied here.
pub(crate) fn upgrade_paths(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let state = shared.lock();
    let found = bearer::check(&state, rq, GUARD).and_then(|caller| {
        let key = sites::known(&state.sites, params.site.as_deref(), GUARD.shape)?;
        Ok((caller, key))
    });
    let (caller, key) = match found {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let site = state.sites.get(&key);
    let paths: BTreeMap<&str, Vec<&str>> = FAMILIES
        .iter()
        .map(|family| {
            let open = PRODUCTS
                .iter()
                .filter(|p| p.family == *family)
                .filter(|p| {
                    matches!(
                        sites::decide(site, &caller.partner_id, p.slug),
                        Decision::Same | Decision::Allowed
                    )
                })
                .map(|p| p.slug)
                .collect();
            (*family, open)
        })
        .collect();
    Reply::ok(json!(paths))
}
