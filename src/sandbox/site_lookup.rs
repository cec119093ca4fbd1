//! `GET /rest/v1.1/sites/{site}`: the public site lookup (reference 7.2).
//! No token. A site the sandbox provisioned answers with its blog ID, and
//! `"jetpack"` as its connection; any other site is 404 `unknown_blog`, as
//! WordPress.com answers for a site it does not know.
//!
//! A site under `*.nojsonapi.test` answers without the `jetpack` field, as
//! a connected site with Jetpack's JSON API module turned off does (the
//! lookup's documented false negative).

use serde_json::{json, Map, Value};

use super::reply::Reply;
use super::request::{Incoming, Params};
use super::shared::Shared;
use super::sites::{self, Lookup};

pub(crate) fn lookup(shared: &Shared, _rq: &Incoming, params: &Params) -> Reply {
    let state = shared.lock();
    let segment = params.site.as_deref().unwrap_or_default();
    let found = match Lookup::parse(segment) {
        Lookup::BlogId(id) => state.sites.iter().find(|(_, s)| s.blog_id == id),
        Lookup::Key(key) => state.sites.get_key_value(&key),
    };
    let Some((key, site)) = found else {
        return Reply::rest_error(404, "unknown_blog", "Unknown blog");
    };
    let host = sites::host(key);
    let url = format!("https://{}", key.replace("::", "/"));
    let mut body = Map::new();
    body.insert("ID".into(), json!(site.blog_id));
    body.insert("name".into(), json!(host));
    body.insert("description".into(), json!(""));
    body.insert("URL".into(), json!(url));
    if !host.ends_with(".nojsonapi.test") {
        body.insert("jetpack".into(), json!(site.is_connected));
    }
    body.insert("subscribers_count".into(), json!(0));
    body.insert(
        "meta".into(),
        json!({"links": {"self": format!("https://public-api.wordpress.com/rest/v1.1/sites/{}", site.blog_id)}}),
    );
    Reply::ok(Value::Object(body))
}
