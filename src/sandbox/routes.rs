//! The route table: method, path pattern, handler.
//!
//! A pattern segment `{site}` or `{blog_id}` matches one non-empty path
//! segment and hands it, still percent-encoded, to the handler as the site;
//! any other `{name}` is captured by its name; every other segment must
//! match exactly. The first route that matches wins, so a fixed path
//! (`…/alerts/fix`) is listed before a captured one (`…/alerts/{threat_id}`).

use super::reply::Reply;
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::status;
use super::upgrade_paths;
use super::{activations, activity_log, backups, invoices, magic_link, restores, users};
use super::{
    authorize, cancel, errors, oauth, partner_keys, provision, scan, site_lookup, ssh_credentials,
};

type Handler = fn(&Shared, &Incoming, &Params) -> Reply;

pub(crate) struct Route {
    pub method: &'static str,
    pub pattern: &'static str,
    pub handler: Handler,
}

const fn route(method: &'static str, pattern: &'static str, handler: Handler) -> Route {
    Route {
        method,
        pattern,
        handler,
    }
}

pub(crate) const ROUTES: &[Route] = &[
    route("POST", "/oauth2/token", |shared, rq, _| {
        oauth::token(shared, rq)
    }),
    route("GET", "/oauth2/authorize", |shared, rq, _| {
        authorize::authorize(shared, rq)
    }),
    route("POST", "/rest/v1.3/jpphp/provision", |shared, rq, _| {
        provision::provision(shared, rq)
    }),
    route(
        "POST",
        "/rest/v1.3/jpphp/{site}/partner-cancel",
        cancel::cancel,
    ),
    route("GET", "/rest/v1.4/jpphp/{site}/status", status::status),
    route("GET", "/rest/v1.3/jpphp/{site}/status", status::status_v13),
    route(
        "GET",
        "/rest/v1.3/jpphp/{site}/upgrade-paths",
        upgrade_paths::upgrade_paths,
    ),
    route("GET", "/rest/v1.3/jpphp/errors", |shared, rq, _| {
        errors::errors(shared, rq)
    }),
    route(
        "POST",
        "/rest/v1.3/jpphp/{blog_id}/ssh-credentials",
        ssh_credentials::ssh_credentials,
    ),
    route(
        "POST",
        "/rest/v1.3/jpphp/partner-keys/new",
        |shared, rq, _| partner_keys::new_key(shared, rq),
    ),
    route("GET", "/rest/v1.1/sites/{site}", site_lookup::lookup),
    route("GET", "/wpcom/v2/sites/{blog_id}/scan", scan::status),
    route(
        "POST",
        "/wpcom/v2/sites/{blog_id}/scan/enqueue",
        scan::enqueue,
    ),
    route(
        "POST",
        "/wpcom/v2/sites/{blog_id}/alerts/fix",
        scan::fix_threats,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/alerts/fix",
        scan::fix_status,
    ),
    route(
        "POST",
        "/wpcom/v2/sites/{blog_id}/alerts/{threat_id}",
        scan::alert,
    ),
    route("POST", "/rest/v1.3/jpphp/user", |shared, rq, _| {
        users::create(shared, rq)
    }),
    route(
        "POST",
        "/rest/v1.3/jpphp/mobile-magic-link",
        |shared, rq, _| magic_link::send(shared, rq),
    ),
    route(
        "GET",
        "/wpcom/v2/jetpack-partners/activations",
        activations::counts,
    ),
    route(
        "GET",
        "/wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/activations",
        activations::list,
    ),
    route(
        "GET",
        "/wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/stripe/invoices",
        invoices::past,
    ),
    route(
        "GET",
        "/wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/stripe/upcoming-invoice",
        invoices::upcoming,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/rewind/backups",
        backups::list,
    ),
    route(
        "POST",
        "/wpcom/v2/sites/{blog_id}/rewind/downloads",
        backups::new_download,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/rewind/downloads",
        backups::downloads,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/rewind/downloads/{download_id}",
        backups::download,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/rewind/downloads/{download_id}/data",
        backups::data,
    ),
    // The same headers without the bytes: a downloader learns the size
    // and the ETag first.
    route(
        "HEAD",
        "/wpcom/v2/sites/{blog_id}/rewind/downloads/{download_id}/data",
        backups::data,
    ),
    route(
        "POST",
        "/wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}",
        restores::start,
    ),
    route(
        "GET",
        "/wpcom/v1.1/activity-log/{blog_id}/rewind/{restore_id}/restore-status",
        restores::status,
    ),
    // The prefix of the reference's restore-status example (its gap B.3):
    // the client uses the pattern's, but a request as the example writes
    // it is answered too.
    route(
        "GET",
        "/rest/v1/activity-log/{blog_id}/rewind/{restore_id}/restore-status",
        restores::status,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/activity/count/group",
        activity_log::counts,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/activity",
        activity_log::list,
    ),
    route(
        "GET",
        "/wpcom/v2/sites/{blog_id}/activity/{rewind_id}",
        activity_log::show,
    ),
];

/// Finds the route for a request: `(endpoint name, answer)`. The endpoint
/// name is `METHOD /pattern`, or `unmatched`.
pub(crate) fn dispatch(shared: &Shared, rq: &Incoming) -> (String, Reply) {
    let path_known = match find(rq) {
        Ok((route, params)) => {
            let name = name(route);
            record_fields(shared, &name, rq);
            return (name, (route.handler)(shared, rq, &params));
        }
        Err(path_known) => path_known,
    };
    let reply = if path_known {
        Reply::rest_error(
            405,
            "invalid_method",
            "This endpoint does not accept that method.",
        )
    } else {
        Reply::rest_error(404, "unknown_path", &format!("Unknown path {:?}.", rq.path))
    };
    ("unmatched".into(), reply)
}

/// The endpoint name [`dispatch`] would give, without handling anything.
pub(crate) fn endpoint(rq: &Incoming) -> String {
    find(rq).map_or_else(|_| "unmatched".into(), |(route, _)| name(route))
}

/// The route of a request and what its pattern captured; else whether
/// the path is known (with another method).
fn find(rq: &Incoming) -> Result<(&'static Route, Params), bool> {
    let mut path_known = false;
    for route in ROUTES {
        if let Some(params) = matches(route.pattern, &rq.path) {
            path_known = true;
            if route.method == rq.method {
                return Ok((route, params));
            }
        }
    }
    Err(path_known)
}

fn name(route: &Route) -> String {
    format!("{} {}", route.method, route.pattern)
}

/// Keeps the form fields of a POST (and its `partner-tracking-id` query
/// parameter) for the stats, secrets masked; done here
/// so no handler can forget it, and before validation, so refused requests
/// show what was sent too.
fn record_fields(shared: &Shared, endpoint: &str, rq: &Incoming) {
    if rq.method != "POST" {
        return;
    }
    if rq.is_json() {
        // A JSON body's members, each value as JSON text (a string's
        // without its quotes).
        if let Ok(serde_json::Value::Object(members)) = rq.json() {
            let fields: Vec<(String, Vec<u8>)> = members
                .into_iter()
                .map(|(name, value)| {
                    let text = match value {
                        serde_json::Value::String(text) => text,
                        other => other.to_string(),
                    };
                    (name, text.into_bytes())
                })
                .collect();
            shared.lock().stats.record_fields(endpoint, &fields);
        }
        return;
    }
    if let Ok(mut fields) = rq.fields() {
        // The one query parameter a partner sends on purpose: shown with
        // the fields, so a test can see it arrived.
        if let Some(id) = rq.query_value("partner-tracking-id") {
            fields
                .0
                .push(("partner-tracking-id".to_owned(), id.as_bytes().to_vec()));
        }
        shared.lock().stats.record_fields(endpoint, &fields.0);
    }
}

fn matches(pattern: &'static str, path: &str) -> Option<Params> {
    let mut params = Params::default();
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some("{site}" | "{blog_id}"), Some(segment)) if !segment.is_empty() => {
                params.site = Some(segment.to_owned())
            }
            (Some(w), Some(segment))
                if w.starts_with('{') && w.ends_with('}') && !segment.is_empty() =>
            {
                params.named.push((&w[1..w.len() - 1], segment.to_owned()))
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_paths_and_capture_the_site() {
        assert!(matches("/oauth2/token", "/oauth2/token").is_some());
        assert!(matches("/oauth2/token", "/oauth2/token/x").is_none());
        assert!(matches("/oauth2/token", "/oauth2").is_none());
        let p = matches(
            "/rest/v1.3/jpphp/{site}/status",
            "/rest/v1.3/jpphp/example.com::wp/status",
        );
        assert_eq!(p.and_then(|p| p.site).as_deref(), Some("example.com::wp"));
        assert!(matches("/rest/v1.3/jpphp/{site}/status", "/rest/v1.3/jpphp//status").is_none());
    }

    #[test]
    fn fixed_paths_and_site_paths_do_not_overlap() {
        for path in [
            "/rest/v1.3/jpphp/provision",
            "/rest/v1.3/jpphp/errors",
            "/rest/v1.3/jpphp/partner-keys/new",
            "/rest/v1.3/jpphp/1000/ssh-credentials",
            "/rest/v1.3/jpphp/x.test/partner-cancel",
            "/wpcom/v2/sites/1000/scan/enqueue",
            "/rest/v1.3/jpphp/user",
            "/rest/v1.3/jpphp/mobile-magic-link",
            "/wpcom/v2/jetpack-partners/activations",
            "/wpcom/v2/jetpack-partners/1234/key/1234/activations",
            "/wpcom/v2/jetpack-partners/1234/key/1234/stripe/invoices",
            "/wpcom/v2/jetpack-partners/1234/key/1234/stripe/upcoming-invoice",
            "/wpcom/v2/sites/1000/activity/count/group",
            "/wpcom/v2/sites/1000/activity/1605878792.626",
            "/wpcom/v2/sites/1000/rewind/downloads/5/data",
            "/wpcom/v1.1/activity-log/1000/rewind/to/1605878792.626",
            "/wpcom/v1.1/activity-log/1000/rewind/5/restore-status",
        ] {
            // One pattern (which may serve more than one method).
            let hits: std::collections::BTreeSet<&str> = ROUTES
                .iter()
                .filter(|r| matches(r.pattern, path).is_some())
                .map(|r| r.pattern)
                .collect();
            assert_eq!(hits.len(), 1, "{path}");
        }
    }

    #[test]
    fn the_fix_route_wins_over_a_threat_id() {
        let rq = |method: &str, path: &str| Incoming {
            method: method.into(),
            path: path.into(),
            ..Incoming::default()
        };
        let found = |method, path| find(&rq(method, path)).ok().map(|(r, p)| (r.pattern, p));
        let fix = found("POST", "/wpcom/v2/sites/1000/alerts/fix");
        assert_eq!(
            fix.map(|(r, _)| r),
            Some("/wpcom/v2/sites/{blog_id}/alerts/fix")
        );
        let one = found("POST", "/wpcom/v2/sites/1000/alerts/1000001");
        assert_eq!(
            one.as_ref().and_then(|(_, p)| p.get("threat_id")),
            Some("1000001")
        );
        assert!(matches!(
            find(&rq("GET", "/wpcom/v2/sites/1000/alerts/1000001")),
            Err(true)
        ));
    }
}
