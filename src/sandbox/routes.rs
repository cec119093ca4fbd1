//! The route table: method, path pattern, handler.
//!
//! A pattern segment `{site}` matches one path segment and hands it to the
//! handler; every other segment must match exactly.

use serde_json::json;

use super::reply::Reply;
use super::request::Incoming;
use super::{oauth, Shared};

/// The path parameters a pattern captured.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub site: Option<String>,
}

type Handler = fn(&Shared, &Incoming, &Params) -> Reply;

pub(crate) struct Route {
    pub method: &'static str,
    pub pattern: &'static str,
    pub handler: Handler,
}

pub(crate) const ROUTES: &[Route] = &[Route {
    method: "POST",
    pattern: "/oauth2/token",
    handler: |shared, rq, _| oauth::token(shared, rq),
}];

/// Finds the route for a request: `(endpoint name, answer)`. The endpoint
/// name is `METHOD /pattern`, or `unmatched`.
pub(crate) fn dispatch(shared: &Shared, rq: &Incoming) -> (String, Reply) {
    let mut path_known = false;
    for route in ROUTES {
        if let Some(params) = matches(route.pattern, &rq.path) {
            path_known = true;
            if route.method == rq.method {
                let name = format!("{} {}", route.method, route.pattern);
                return (name, (route.handler)(shared, rq, &params));
            }
        }
    }
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

fn matches(pattern: &str, path: &str) -> Option<Params> {
    let mut params = Params::default();
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some("{site}"), Some(segment)) if !segment.is_empty() => {
                params.site = Some(segment.to_owned())
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// `GET /_sandbox/stats`.
pub(crate) fn stats(shared: &Shared) -> Reply {
    Reply::ok(json!(shared.lock().stats.to_json()))
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
}
