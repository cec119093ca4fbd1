//! The activity log's routes (reference 1.1 to 1.3):
//! `GET /wpcom/v2/sites/{blog_id}/activity` (newest first, filtered by
//! `group`, `not_group`, `after`, `before`; `number` entries a page, page
//! `page`), `GET …/activity/count/group`, and `GET …/activity/{rewind_id}`.
//!
//! `after` and `before` take a date, a date and time (with a zone, or UTC
//! without one) or Unix seconds; an entry matches from `after` on and
//! before `before`. `group` may be repeated, written `group[]`, or a
//! comma-separated list, as WordPress reads list parameters.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::activity::{group_name, Entry};
use super::dates;
use super::reply::Reply;
use super::request::{Incoming, Params};
use super::rewind_site::{invalid_param, site};
use super::shared::Shared;

/// Entries a page holds unless `number` says.
const DEFAULT_NUMBER: u64 = 100;

/// The most `number` may ask for.
const MAX_NUMBER: u64 = 1000;

/// What a list asks for.
struct Filter {
    groups: Vec<String>,
    not_groups: Vec<String>,
    after: Option<u64>,
    before: Option<u64>,
    number: u64,
    page: u64,
}

impl Filter {
    fn read(rq: &Incoming) -> Result<Filter, Reply> {
        let list = |name: &str| -> Vec<String> {
            let bracketed = format!("{name}[]");
            rq.query
                .iter()
                .filter(|(k, _)| *k == name || *k == bracketed)
                .flat_map(|(_, v)| v.split(','))
                .map(|g| g.trim().to_owned())
                .filter(|g| !g.is_empty())
                .collect()
        };
        let time = |name: &str| match rq.query_value(name) {
            None => Ok(None),
            Some(text) => dates::parse_ms(text).map(Some).ok_or_else(|| {
                invalid_param(
                    name,
                    &format!("{text:?} is not a date (e.g. 2020-11-05T14:01:13+00:00)"),
                )
            }),
        };
        let whole = |name: &str, default: u64, max: u64| match rq.query_value(name) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| invalid_param(name, &format!("{text:?} is not from 1 to {max}"))),
        };
        Ok(Filter {
            groups: list("group"),
            not_groups: list("not_group"),
            after: time("after")?,
            before: time("before")?,
            number: whole("number", DEFAULT_NUMBER, MAX_NUMBER)?,
            page: whole("page", 1, u64::MAX)?,
        })
    }

    fn keeps(&self, entry: &Entry) -> bool {
        let group = &entry.event.group;
        (self.groups.is_empty() || self.groups.contains(group))
            && !self.not_groups.contains(group)
            && self.after.is_none_or(|t| entry.published_ms >= t)
            && self.before.is_none_or(|t| entry.published_ms < t)
    }
}

pub(crate) fn list(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let site = match site(&mut state, rq, params) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let filter = match Filter::read(rq) {
        Ok(filter) => filter,
        Err(refusal) => return refusal,
    };
    let matching: Vec<&Entry> = state
        .activity
        .entries(site.blog)
        .iter()
        .rev()
        .filter(|e| filter.keeps(e))
        .collect();
    let total = matching.len() as u64;
    let pages = total.div_ceil(filter.number).max(1);
    let skip =
        usize::try_from((filter.page - 1).saturating_mul(filter.number)).unwrap_or(usize::MAX);
    let items: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(usize::try_from(filter.number).unwrap_or(usize::MAX))
        .map(|e| e.to_json(site.blog))
        .collect();
    let base = format!(
        "{}/wpcom/v2/sites/{}/activity",
        state.rewind.base_url, site.blog
    );
    let page_url = |page: u64| format!("{base}?number={}&page={page}", filter.number);
    Reply::ok(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "summary": "Activity log",
        "type": "OrderedCollection",
        "totalItems": total,
        "page": filter.page,
        "totalPages": pages,
        "itemsPerPage": filter.number,
        "id": base,
        "first": page_url(1),
        "last": page_url(pages),
        "oldestItemTs": matching.last().map(|e| e.published_ms),
        "current": {
            "type": "OrderedCollectionPage",
            "id": page_url(filter.page),
            "totalItems": items.len(),
            "orderedItems": items,
        },
    }))
}

pub(crate) fn counts(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let site = match site(&mut state, rq, params) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let number = match rq.query_value("number") {
        None => MAX_NUMBER,
        Some(text) => match text.trim().parse::<u64>().ok().filter(|&n| n > 0) {
            Some(n) => n,
            None => return invalid_param("number", &format!("{text:?} is not a positive number")),
        },
    };
    let mut groups: BTreeMap<String, u64> = BTreeMap::new();
    let mut total = 0;
    let newest = state.activity.entries(site.blog).iter().rev();
    for entry in newest.take(usize::try_from(number).unwrap_or(usize::MAX)) {
        *groups.entry(entry.event.group.clone()).or_default() += 1;
        total += 1;
    }
    let groups: serde_json::Map<String, Value> = groups
        .into_iter()
        .map(|(slug, count)| {
            let name = group_name(&slug);
            (slug, json!({"name": name, "count": count}))
        })
        .collect();
    Reply::ok(json!({"groups": groups, "totalItems": total, "took": 0.001}))
}

pub(crate) fn show(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let site = match site(&mut state, rq, params) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let segment = params.get("rewind_id").unwrap_or_default();
    let Some(at) = dates::parse_rewind_id(segment) else {
        return invalid_param(
            "rewind_id",
            &format!("{segment:?} is not a rewind ID (e.g. 1605878792.626)"),
        );
    };
    let found = state
        .activity
        .entries(site.blog)
        .iter()
        .find(|e| e.published_ms == at);
    match found {
        Some(entry) => Reply::ok(entry.to_json(site.blog)),
        None => Reply::wp_error(
            404,
            "activity_not_found",
            &format!("Blog {} has no activity at rewind ID {segment}.", site.blog),
        ),
    }
}
