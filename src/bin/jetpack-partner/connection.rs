//! `connection`: whether Jetpack connects a site to WordPress.com, and its
//! blog ID, by the public site lookup (no token).

use jetpack_partner::{Session, SiteLookup};
use serde_json::json;

use crate::args::{require, Args, Flag};
use crate::globals::Globals;
use crate::output::{Failure, Problems};

pub const FLAGS: &[&[Flag]] = &[&[crate::site::SITE]];

pub const HELP: &str = "\
Tell whether Jetpack connects a site to WordPress.com, and give its blog ID
(GET /rest/v1.1/sites/{site}, the public site lookup; no credentials).

Prints {\"site\", \"blog_id\", \"connected\", \"lookup\"}. \"connected\" is
true or false, or null when the answer lacks the \"jetpack\" field: a
connected site with Jetpack's JSON API module off answers that way, so
null means unknown (ask `status --site`, or `wp jetpack status` on the
site). A site WordPress.com does not know is exit 1, unknown_blog.

Usage: jetpack-partner [global options] connection --site SITE

Example:
  jetpack-partner connection --site example.com
";

pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, a.given("--site"), "--site", "SITE");
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let Some(site) = args.site.clone() else {
        unreachable!("check requires --site");
    };
    let session = Session::without_credentials(globals.client()?);
    let answer = session.send(&SiteLookup::new(site.clone()))?;
    let connected = answer.jetpack;
    let lookup: serde_json::Value = match answer.raw.get() {
        Some(raw) => serde_json::from_str(raw).unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Null,
    };
    globals.out.json(&json!({
        "site": site.to_string(),
        "blog_id": answer.id,
        "connected": connected,
        "lookup": lookup,
    }))
}
