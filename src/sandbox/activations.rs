//! `GET /wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/activations`
//! and `GET /wpcom/v2/jetpack-partners/activations?key_id=&scale=`
//! (reference 5.1 and 5.2), from the sandbox's own activations.
//!
//! The list holds one row per product a key provisioned (a site with two
//! of the key's products has two rows), oldest first, paged by `page` and
//! `per_page` (default 20, at most 100: the WordPress REST convention). It
//! filters by `plans` (given as `plans[]=a&plans[]=b`, as PHP reads a
//! list, or as `plans=a,b`, as WordPress REST also does) and by the moment
//! of activation (`activated_after` inclusive, `activated_before`
//! exclusive; ISO 8601, UTC unless an offset is given). `product_id` is
//! the product's slug: the sandbox knows no other product IDs. Its
//! moments are written `YYYY-MM-DD HH:MM:SS`, UTC.
//!
//! The counts list every period from the one of the key's first
//! activation to the current one, `date` its first day (`YYYY-MM-DD`),
//! `new` the activations made in it, `total` those made up to its end. A
//! key with no activation answers `[]`. Pending activations count in
//! neither: they are not active yet.

use serde_json::{json, Value};

use super::dates::{self, Scale};
use super::reply::Reply;
use super::reporting::{self, KeyActivation};
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites;

/// Sites per page unless `per_page` says.
const PER_PAGE: u64 = 20;

/// Most sites a page may hold.
const MAX_PER_PAGE: u64 = 100;

/// Most periods a count answers: twenty years of days.
const MAX_PERIODS: usize = 7305;

pub(crate) fn list(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let state = shared.lock();
    let partner = reporting::path_param(params, "partner_id");
    let key = reporting::path_param(params, "key_id").unwrap_or_default();
    let key = match reporting::readable_key(&state, rq, partner.as_deref(), &key) {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    let filter = match Filter::read(rq) {
        Ok(filter) => filter,
        Err(refusal) => return refusal,
    };
    let rows: Vec<KeyActivation> = reporting::activations_of(&state, &key)
        .into_iter()
        .filter(|a| filter.keeps(a))
        .collect();
    let total = rows.len();
    let first =
        usize::try_from((filter.page - 1).saturating_mul(filter.per_page)).unwrap_or(usize::MAX);
    let page: Vec<Value> = rows
        .iter()
        .skip(first)
        .take(usize::try_from(filter.per_page).unwrap_or(usize::MAX))
        .map(|a| row(&key, a))
        .collect();
    Reply::ok(json!({"total": total, "activations": page}))
}

/// What the list was asked for.
struct Filter {
    page: u64,
    per_page: u64,
    plans: Vec<String>,
    after: Option<u64>,
    before: Option<u64>,
}

impl Filter {
    fn read(rq: &Incoming) -> Result<Filter, Reply> {
        let whole = |name: &str, default: u64, max: u64| -> Result<u64, Reply> {
            let Some(text) = rq.query_value(name) else {
                return Ok(default);
            };
            text.parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    reporting::invalid_param(name, &format!("{name} must be between 1 and {max}"))
                })
        };
        let moment = |name: &str| -> Result<Option<u64>, Reply> {
            rq.query_value(name)
                .map(|text| {
                    dates::parse_seconds(text)
                        .ok_or_else(|| reporting::invalid_param(name, "not an ISO 8601 date"))
                })
                .transpose()
        };
        let plans = rq
            .query
            .iter()
            .filter(|(k, _)| k == "plans[]" || k == "plans")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Filter {
            page: whole("page", 1, u64::MAX)?,
            per_page: whole("per_page", PER_PAGE, MAX_PER_PAGE)?,
            plans,
            after: moment("activated_after")?,
            before: moment("activated_before")?,
        })
    }

    fn keeps(&self, a: &KeyActivation) -> bool {
        if !self.plans.is_empty() && !self.plans.contains(&a.activation.slug) {
            return false;
        }
        if self.after.is_none() && self.before.is_none() {
            return true;
        }
        a.activated_at().is_some_and(|at| {
            self.after.is_none_or(|after| at >= after)
                && self.before.is_none_or(|before| at < before)
        })
    }
}

/// One row of the list, in the fields of reference 5.1.
fn row(key: &str, a: &KeyActivation) -> Value {
    let registered = a.site.products.iter().filter_map(|p| p.created_at).min();
    let moment = |at: Option<u64>| at.map(dates::datetime);
    json!({
        "id": a.activation.id,
        "jetpack_partner_key_id": key.parse::<u64>().map_or_else(|_| json!(key), |n| json!(n)),
        "wpcom_blog_id": a.site.blog_id,
        "wpcom_user_id": null,
        "external_user_id": null,
        "product_id": a.activation.slug,
        "created_on": moment(a.activation.created_at),
        "activated_on": moment(a.activated_at()),
        "cancelled_on": null,
        "disputed_on": null,
        "site_registered": moment(registered),
        "site_url": format!("https://{}", a.site_key.replace("::", "/")),
        "site_name": sites::host(a.site_key),
        "site_icon": null,
        "current_product_id": a.activation.slug,
    })
}

pub(crate) fn counts(shared: &Shared, rq: &Incoming, _params: &Params) -> Reply {
    let state = shared.lock();
    let Some(key) = rq.query_value("key_id").filter(|k| !k.is_empty()) else {
        // The token is checked first, as WordPress checks permissions
        // before arguments.
        return match reporting::caller(&state, rq) {
            Err(refusal) => refusal,
            Ok(_) => Reply::wp_error(
                400,
                "rest_missing_callback_param",
                "Missing parameter(s): key_id",
            ),
        };
    };
    let key = match reporting::readable_key(&state, rq, None, key) {
        Ok(key) => key,
        Err(refusal) => return refusal,
    };
    let scale = match rq.query_value("scale") {
        None => Scale::Month,
        Some(text) => match Scale::parse(text) {
            Some(scale) => scale,
            None => {
                return reporting::invalid_param(
                    "scale",
                    "scale is not one of day, month, and year",
                )
            }
        },
    };
    let mut times: Vec<u64> = reporting::activations_of(&state, &key)
        .iter()
        .filter_map(KeyActivation::activated_at)
        .collect();
    times.sort_unstable();
    let Some(&first) = times.first() else {
        return Reply::ok(json!([]));
    };
    let now = state.now().max(first);
    let mut periods = Vec::new();
    let mut start = dates::period_start(first, scale);
    while start <= now && periods.len() < MAX_PERIODS {
        let end = dates::next_period(start, scale);
        let before_start = times.partition_point(|&t| t < start);
        let before_end = times.partition_point(|&t| t < end);
        periods.push(json!({
            "date": dates::date(start),
            "new": before_end - before_start,
            "total": before_end,
        }));
        start = end;
    }
    Reply::ok(Value::Array(periods))
}
