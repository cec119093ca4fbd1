//! Sites: how the sandbox keys them and what they hold.
//!
//! A site is keyed like the API's site reference (section 8): lower-case
//! host with a non-default port, path segments joined by `::`. Keys are
//! kept percent-decoded, so `example.com/caf%C3%A9` given as `siteurl` and
//! `example.com::caf%C3%A9` given in a path name the same site.
//!
//! The sites themselves are kept in the state (`State::sites`); the
//! functions here are given the collection they search.
//!
//! A provision on a site that is not connected to WordPress.com, or that
//! WordPress.com cannot reach, is recorded as a *pending activation*
//! (section 2 of the reference): it attaches itself when the site
//! connects, and is dropped 14 days after it was recorded if the site has
//! not connected by then.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalogue::{self, Verdict};
use super::clock::DAY;
use super::reply::{Reply, Shape};
use super::request::percent_decode_path;
use crate::site::SiteRef;

/// How long a pending activation waits for its site to connect.
pub(crate) const PENDING_FOR: u64 = 14 * DAY;

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
    /// The site is not connected, or could not be reached: the
    /// activation waits for it to connect.
    #[serde(default)]
    pub pending: bool,
    /// When a pending activation was recorded (the sandbox's clock, Unix
    /// seconds); it is dropped [`PENDING_FOR`] later. `None` once active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_since: Option<u64>,
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

    /// The site connects to WordPress.com: its pending activations attach
    /// themselves. Gives the slugs that did.
    pub fn connect(&mut self) -> Vec<String> {
        self.is_connected = true;
        let mut attached = Vec::new();
        for activation in self.products.iter_mut().filter(|a| a.pending) {
            activation.pending = false;
            activation.pending_since = None;
            attached.push(activation.slug.clone());
        }
        attached
    }

    /// Drops the pending activations recorded [`PENDING_FOR`] or longer
    /// before `now`; whether any was. A pending activation without a time
    /// (from a state file of an older sandbox) starts waiting now.
    pub fn expire(&mut self, now: u64) -> bool {
        let before = self.products.len();
        let mut changed = false;
        for activation in self.products.iter_mut().filter(|a| a.pending) {
            if activation.pending_since.is_none() {
                activation.pending_since = Some(now);
                changed = true;
            }
        }
        self.products.retain(|a| {
            a.pending_since
                .is_none_or(|since| now < since.saturating_add(PENDING_FOR))
        });
        changed || self.products.len() != before
    }

    /// When the next pending activation of the site expires, if it has
    /// one.
    pub fn next_expiry(&self) -> Option<u64> {
        self.products
            .iter()
            .filter_map(|a| a.pending_since)
            .map(|since| since.saturating_add(PENDING_FOR))
            .min()
    }

    /// Whether `partner` holds any product here, active or pending.
    pub fn has_product_of(&self, partner: &str) -> bool {
        self.products.iter().any(|a| a.partner_id == partner)
    }
}

/// What provisioning a slug would do, for one partner on one site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The partner already has exactly this product here: succeed again,
    /// change nothing.
    Same,
    /// A superset of what the site has: add it, replacing the partner's
    /// lower product of its family.
    Allowed,
    /// A subset of what the site has (the superset rule).
    Downgrade,
    /// Another partner's product stands in the way: this slug, or a lower
    /// one of its family that it would replace. Only that partner may
    /// cancel or replace its subscription (section 3).
    HeldByAnother(String),
}

/// The one rule for provision and upgrade-paths, so they always agree:
/// what provisioning `slug` for `partner` on `site` (`None`: a site not
/// seen yet) would do.
pub(crate) fn decide(site: Option<&Site>, partner: &str, slug: &str) -> Decision {
    let Some(site) = site else {
        return match catalogue::verdict([], slug) {
            Verdict::Downgrade => Decision::Downgrade,
            Verdict::Same | Verdict::Allowed => Decision::Allowed,
        };
    };
    let mine = |a: &&Activation| a.partner_id == partner;
    if site.products.iter().filter(mine).any(|a| a.slug == slug) {
        return Decision::Same;
    }
    if let Some(theirs) = site
        .products
        .iter()
        .filter(|a| a.partner_id != partner)
        .find(|a| a.slug == slug || catalogue::replaced_by(&a.slug, slug))
    {
        return Decision::HeldByAnother(theirs.slug.clone());
    }
    match catalogue::verdict(site.slugs(), slug) {
        Verdict::Same | Verdict::Downgrade => Decision::Downgrade,
        Verdict::Allowed => Decision::Allowed,
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
/// (in `shape`) of a site it never provisioned.
pub(crate) fn known(sites: &Sites, segment: Option<&str>, shape: Shape) -> Result<String, Reply> {
    let segment = segment.unwrap_or_default();
    find(sites, segment).ok_or_else(|| invalid_blog(shape, segment))
}

/// `invalid_blog`, naming the site as the path gave it: 403 wherever the
/// reference lists it (cancel, status), and so on every endpoint.
pub(crate) fn invalid_blog(shape: Shape, segment: &str) -> Reply {
    Reply::error(
        shape,
        403,
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

    fn activation(slug: &str, partner: &str, pending_since: Option<u64>) -> Activation {
        Activation {
            slug: slug.into(),
            partner_id: partner.into(),
            pending: pending_since.is_some(),
            pending_since,
            ..Activation::default()
        }
    }

    #[test]
    fn pending_activations_expire_after_14_days_unless_the_site_connects() {
        let mut site = Site {
            products: vec![
                activation("premium", "1", Some(100)),
                activation("jetpack-scan", "1", Some(200)),
                activation("jetpack-anti-spam", "1", None),
            ],
            ..Site::default()
        };
        assert_eq!(site.next_expiry(), Some(100 + PENDING_FOR));
        assert!(!site.expire(100 + PENDING_FOR - 1));
        assert!(site.expire(100 + PENDING_FOR));
        let left: Vec<&str> = site.slugs().collect();
        assert_eq!(left, ["jetpack-scan", "jetpack-anti-spam"]);
        assert_eq!(site.connect(), ["jetpack-scan"]);
        assert!(site.is_connected && site.next_expiry().is_none());
        assert!(!site.expire(u64::MAX));
        assert_eq!(site.products.len(), 2);
    }

    #[test]
    fn another_partners_product_is_neither_repeated_nor_replaced() {
        let site = Site {
            products: vec![
                activation("personal", "1", None),
                activation("jetpack-scan", "2", None),
            ],
            ..Site::default()
        };
        let d = |partner, slug| decide(Some(&site), partner, slug);
        assert_eq!(d("1", "personal"), Decision::Same);
        assert_eq!(d("1", "premium"), Decision::Allowed);
        assert_eq!(
            d("1", "jetpack-scan"),
            Decision::HeldByAnother("jetpack-scan".into())
        );
        assert_eq!(
            d("2", "premium"),
            Decision::HeldByAnother("personal".into())
        );
        assert_eq!(
            d("2", "personal"),
            Decision::HeldByAnother("personal".into())
        );
        assert_eq!(d("2", "free"), Decision::Downgrade);
        assert_eq!(d("2", "jetpack-anti-spam"), Decision::Allowed);
        assert_eq!(decide(None, "1", "free"), Decision::Allowed);
        assert_eq!(decide(None, "1", "gold"), Decision::Downgrade);
    }

    #[test]
    fn the_host_drops_path_and_port() {
        assert_eq!(host("x.pending.test:8080::wp"), "x.pending.test");
        assert_eq!(host("x.test"), "x.test");
    }
}
