//! `GET /wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/stripe/invoices`
//! and `…/stripe/upcoming-invoice` (reference 5.3 and 5.4).
//!
//! The reference documents neither answer. What follows is the sandbox's
//! own invention, plausible and no more: a key is invoiced once a calendar
//! month (UTC), in US cents, for each of its active products, at a made-up
//! wholesale price per site and month (below). Pending activations are not
//! billed (reference 15). An invoice:
//!
//! ```text
//! {"id": "in_sandbox_1234_202405", "status": "paid", "currency": "usd",
//!  "period_start": "2024-05-01", "period_end": "2024-05-31", "total": 1250,
//!  "lines": [{"product_id": "personal", "quantity": 1, "unit_amount": 350,
//!             "amount": 350}, …]}
//! ```
//!
//! `invoices` answers `{"invoices": [...]}`, newest first: one `paid`
//! invoice for each month that has ended since the month of the key's
//! first activation. `upcoming-invoice` answers one invoice object for the
//! current month, with `"id": null`, `"status": "upcoming"` and
//! `next_payment_attempt`, the first day of the next month. A product is
//! billed for a month when it was activated before the month's end.

use serde_json::{json, Value};

use super::catalogue;
use super::dates::{self, Scale};
use super::reply::Reply;
use super::reporting::{self, KeyActivation};
use super::request::{Incoming, Params};
use super::shared::Shared;

/// Made-up wholesale prices, in cents per site per month.
const PRICES: &[(&str, u64)] = &[
    ("free", 0),
    ("personal", 350),
    ("premium", 900),
    ("professional", 2900),
    ("complete", 4500),
    ("jetpack-backup-daily", 300),
    ("jetpack-backup-realtime", 900),
    ("jetpack-scan", 300),
    ("jetpack-anti-spam", 300),
    ("jetpack-videopress", 400),
];

/// Seconds in a day.
const DAY: u64 = 86_400;

pub(crate) fn past(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    with_key(shared, rq, params, |key, billed, now| {
        let Some(&(_, first)) = billed.first() else {
            return json!({"invoices": []});
        };
        let mut invoices = Vec::new();
        let mut start = dates::period_start(first, Scale::Month);
        loop {
            let end = dates::next_period(start, Scale::Month);
            if end > now {
                break;
            }
            let mut invoice = invoice(billed, start, end);
            invoice["id"] = json!(format!(
                "in_sandbox_{}_{}",
                id_part(key),
                dates::date(start)[..7].replace('-', "")
            ));
            invoice["status"] = json!("paid");
            invoices.push(invoice);
            start = end;
        }
        invoices.reverse();
        json!({"invoices": invoices})
    })
}

pub(crate) fn upcoming(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    with_key(shared, rq, params, |_, billed, now| {
        let start = dates::period_start(now, Scale::Month);
        let end = dates::next_period(start, Scale::Month);
        let mut invoice = invoice(billed, start, end);
        invoice["id"] = Value::Null;
        invoice["status"] = json!("upcoming");
        invoice["next_payment_attempt"] = json!(dates::date(end));
        invoice
    })
}

/// Checks the caller and the key, then answers with `body`, given the key,
/// its billed products (slug, moment of activation; oldest first) and the
/// time now.
fn with_key(
    shared: &Shared,
    rq: &Incoming,
    params: &Params,
    body: impl Fn(&str, &[(String, u64)], u64) -> Value,
) -> Reply {
    let state = shared.lock();
    let partner = reporting::path_param(params, "partner_id");
    let key = reporting::path_param(params, "key_id").unwrap_or_default();
    match reporting::readable_key(&state, rq, partner.as_deref(), &key) {
        Ok(key) => {
            let billed: Vec<(String, u64)> = reporting::activations_of(&state, &key)
                .iter()
                .filter_map(|a: &KeyActivation| {
                    a.activated_at().map(|at| (a.activation.slug.clone(), at))
                })
                .collect();
            Reply::ok(body(&key, &billed, state.now()))
        }
        Err(refusal) => refusal,
    }
}

/// An invoice for the month `[start, end)`: a line per product, in
/// catalogue order, for the products activated before `end`.
fn invoice(billed: &[(String, u64)], start: u64, end: u64) -> Value {
    let mut slugs: Vec<&str> = billed
        .iter()
        .filter(|(_, at)| *at < end)
        .map(|(slug, _)| slug.as_str())
        .collect();
    slugs.sort_by_key(|slug| catalogue::order(slug));
    slugs.dedup();
    let lines: Vec<Value> = slugs
        .iter()
        .map(|slug| {
            let quantity = billed
                .iter()
                .filter(|(s, at)| s == slug && *at < end)
                .count() as u64;
            let unit = price(slug);
            json!({
                "product_id": slug,
                "quantity": quantity,
                "unit_amount": unit,
                "amount": quantity * unit,
            })
        })
        .collect();
    let total: u64 = lines
        .iter()
        .filter_map(|line| line["amount"].as_u64())
        .sum();
    json!({
        "id": null,
        "status": null,
        "currency": "usd",
        "period_start": dates::date(start),
        "period_end": dates::date(end - DAY),
        "total": total,
        "lines": lines,
    })
}

fn price(slug: &str) -> u64 {
    PRICES
        .iter()
        .find(|(s, _)| *s == slug)
        .map_or(0, |(_, cents)| *cents)
}

/// A key as a part of an invoice ID: letters and digits only.
fn id_part(key: &str) -> String {
    key.chars().filter(char::is_ascii_alphanumeric).collect()
}
