//! Sites: how the sandbox keys them and what they hold.
//!
//! A site is keyed like the API's site reference (section 8): lower-case
//! host with a non-default port, path segments joined by `::`. Keys are
//! kept percent-decoded, so `example.com/caf%C3%A9` given as `siteurl` and
//! `example.com::caf%C3%A9` given in a path name the same site.
//!
//! The sites themselves are kept in the state (`State::sites`); the
//! functions here are given the collection they search.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalogue;
use super::reply::Reply;
use super::request::percent_decode_path;
use crate::site::SiteRef;

/// The sites the sandbox knows, by key (`example.com::blog`).
pub(crate) type Sites = BTreeMap<String, Site>;

/// One site the sandbox has provisioned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Site {
    pub blog_id: u64,
    #[serde(default)]
    pub is_connected: bool,
    #[serde(default)]
    pub has_backups_credentials: bool,
    #[serde(default)]
    pub products: Vec<Activation>,
}

/// A product on a site, and who provisioned it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Activation {
    /// Its number, for the reports; 0 in a state file older than them.
    #[serde(default)]
    pub id: u64,
    /// When it was provisioned (Unix seconds); none in a state file older
    /// than the reports.
    #[serde(default)]
    pub created_at: Option<u64>,
    pub slug: String,
    pub partner_id: String,
    /// The site could not be reached: the activation waits for it.
    #[serde(default)]
    pub pending: bool,
    #[serde(default)]
    pub local_user: String,
    #[serde(default)]
    pub partner_tracking_id: Option<String>,
}

impl Site {
    /// The slugs the site holds, active or pending, whoever provisioned them.
    pub fn slugs(&self) -> impl Iterator<Item = &str> + Clone {
        self.products.iter().map(|a| a.slug.as_str())
    }

    pub fn activation(&self, slug: &str) -> Option<&Activation> {
        self.products.iter().find(|a| a.slug == slug)
    }

    /// The site's product in the plans family, if any.
    pub fn plan(&self) -> Option<&Activation> {
        self.products
            .iter()
            .find(|a| catalogue::find(&a.slug).is_some_and(|p| p.family == catalogue::PLANS))
    }

    /// Keeps the product list in catalogue order, so answers are stable.
    pub fn sort(&mut self) {
        self.products.sort_by_key(|a| catalogue::order(&a.slug));
    }
}

/// The key for a `siteurl` field: a bare domain or a full URL. `None` for
/// what cannot name a site (including a bare blog ID).
pub(crate) fn key_from_siteurl(siteurl: &str) -> Option<String> {
    match SiteRef::parse(siteurl.trim()).ok()? {
        SiteRef::BlogId(_) => None,
        reference @ SiteRef::Url { .. } => Some(decode(&reference.to_string())),
    }
}

/// The host part of a key, without its port.
pub(crate) fn host(key: &str) -> &str {
    let authority = key.split("::").next().unwrap_or(key);
    authority.split(':').next().unwrap_or(authority)
}

/// What a `{site}` path segment names: a blog ID or a key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    BlogId(u64),
    Key(String),
}

impl Lookup {
    pub fn parse(segment: &str) -> Lookup {
        let decoded = decode(segment);
        if !decoded.is_empty() && decoded.bytes().all(|b| b.is_ascii_digit()) {
            // Too many digits for a u64 cannot be a blog ID the sandbox gave.
            return Lookup::BlogId(decoded.parse().unwrap_or(0));
        }
        // Hosts are case-insensitive; paths are not.
        let key = match decoded.split_once("::") {
            Some((host, path)) => format!("{}::{path}", host.to_ascii_lowercase()),
            None => decoded.to_ascii_lowercase(),
        };
        Lookup::Key(key)
    }
}

/// The key of the site a `{site}` segment names, if it is one of `sites`.
fn find(sites: &Sites, segment: &str) -> Option<String> {
    match Lookup::parse(segment) {
        Lookup::BlogId(id) => sites
            .iter()
            .find(|(_, site)| site.blog_id == id)
            .map(|(key, _)| key.clone()),
        Lookup::Key(key) => sites.contains_key(&key).then_some(key),
    }
}

/// The key of the site a `{site}` segment names, or the service's refusal
/// of a site it never provisioned.
pub(crate) fn known(sites: &Sites, segment: Option<&str>) -> Result<String, Reply> {
    let segment = segment.unwrap_or_default();
    find(sites, segment).ok_or_else(|| invalid_blog(403, segment))
}

/// `invalid_blog`, naming the site as the path gave it.
pub(crate) fn invalid_blog(status: u16, segment: &str) -> Reply {
    Reply::rest_error(
        status,
        "invalid_blog",
        &format!("The blog ID {} is invalid", decode(segment)),
    )
}

fn decode(text: &str) -> String {
    String::from_utf8_lossy(&percent_decode_path(text.as_bytes())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siteurls_become_keys() {
        let table = [
            ("example.com", Some("example.com")),
            ("https://Example.com/Blog/", Some("example.com::Blog")),
            (
                "http://example.com:8080/a/b",
                Some("example.com:8080::a::b"),
            ),
            ("example.com/caf%C3%A9", Some("example.com::café")),
            ("12345", None),
            ("", None),
            ("https://example.com/?p=1", None),
        ];
        for (siteurl, want) in table {
            assert_eq!(key_from_siteurl(siteurl).as_deref(), want, "{siteurl}");
        }
    }

    #[test]
    fn path_segments_are_decoded_and_hosts_lower_cased() {
        assert_eq!(Lookup::parse("1000"), Lookup::BlogId(1000));
        assert_eq!(
            Lookup::parse("Example.com::Blog"),
            Lookup::Key("example.com::Blog".into())
        );
        assert_eq!(
            Lookup::parse("example.com%3A%3Acaf%C3%A9"),
            Lookup::Key("example.com::café".into())
        );
        assert_eq!(Lookup::parse("a+b.test"), Lookup::Key("a+b.test".into()));
    }

    #[test]
    fn the_host_drops_path_and_port() {
        assert_eq!(host("x.pending.test:8080::wp"), "x.pending.test");
        assert_eq!(host("x.test"), "x.test");
    }
}
