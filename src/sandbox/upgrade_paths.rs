//! `GET /rest/v1.3/jpphp/{site}/upgrade-paths` (section 5).

use serde_json::json;

use super::bearer::{self, Guard};
use super::catalogue;
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites;

const GUARD: Guard = Guard::new("view upgrade paths of partner sites", Shape::Rest);

/// For every family, what the site may be given now; see the catalogue for
/// the superset rules.
pub(crate) fn upgrade_paths(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let state = shared.lock();
    let found = bearer::check(&state, rq, GUARD)
        .and_then(|_| sites::known(&state.sites, params.site.as_deref(), GUARD.shape));
    match found {
        Ok(key) => {
            let held: Vec<&str> = state
                .sites
                .get(&key)
                .map(|site| site.slugs().collect())
                .unwrap_or_default();
            Reply::ok(json!(catalogue::upgrade_paths(held.iter().copied())))
        }
        Err(refusal) => refusal,
    }
}
