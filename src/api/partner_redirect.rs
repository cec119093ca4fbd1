//! `partner_redirect` (reference 8): where the user lands after authorizing
//! the connection, instead of wp-admin. Not an endpoint: a query parameter
//! the partner adds to the `next_url` a provision answered, when that URL
//! is the authorization page (`auth_required` true).
//!
//! WordPress.com checks the target against a list of the partner's
//! addresses that Automattic keeps (ask them to add yours first); a client
//! cannot check it, and the reference does not say what happens to a
//! target that is not on it.

use super::encode_query_value;
use crate::error::Error;

/// Longest redirect target accepted: more than any landing page needs, and
/// short enough that the authorization URL stays within what browsers and
/// servers take.
const MAX_TARGET: usize = 2000;

/// A checked `partner_redirect` target: an `http://` or `https://` URL
/// with a host, no user info, no white space or control character.
///
/// ```
/// use jetpack_partner::PartnerRedirect;
/// assert!(PartnerRedirect::parse("https://panel.example/welcome?site=42").is_ok());
/// assert!(PartnerRedirect::parse("javascript:alert(1)").is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerRedirect(String);

impl PartnerRedirect {
    /// Checks `url` as a redirect target.
    pub fn parse(url: &str) -> Result<PartnerRedirect, Error> {
        let bad = |why: &str| {
            Err(Error::InvalidInput(format!(
                "the partner redirect {url:?} is not usable: {why}"
            )))
        };
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return bad("it holds white space or a control character");
        }
        if url.len() > MAX_TARGET {
            return bad("it is longer than 2000 characters");
        }
        let lower = url.to_ascii_lowercase();
        let Some(rest) = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
        else {
            return bad("it must be an http:// or https:// URL, e.g. https://panel.example/done");
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return bad("it must not hold user info (name@host)");
        }
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        if host.is_empty() {
            return bad("it has no host");
        }
        Ok(PartnerRedirect(url.to_owned()))
    }

    /// The target as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `next_url` with `partner_redirect=<target, percent-encoded>` added
    /// to its query: after `&`, or after `?` when it has no query yet,
    /// and before a `#fragment`.
    pub fn add_to(&self, next_url: &str) -> String {
        let (base, fragment) = match next_url.split_once('#') {
            Some((base, fragment)) => (base, Some(fragment)),
            None => (next_url, None),
        };
        let separator = match base.split_once('?') {
            None => "?",
            Some((_, "")) => "",
            Some((_, query)) if query.ends_with('&') => "",
            Some(_) => "&",
        };
        let mut url = format!(
            "{base}{separator}partner_redirect={}",
            encode_query_value(&self.0)
        );
        if let Some(fragment) = fragment {
            url.push('#');
            url.push_str(fragment);
        }
        url
    }
}

/// What [`ProvisionAnswer::add_partner_redirect`] did.
///
/// [`ProvisionAnswer::add_partner_redirect`]: crate::ProvisionAnswer::add_partner_redirect
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectOutcome {
    /// `next_url` now carries `partner_redirect`.
    Added,
    /// Left as it was: `auth_required` is false, so `next_url` leads back
    /// to the site, not to the authorization page that reads the
    /// parameter.
    NoAuthorization,
    /// Left as it was: `next_url` is empty (WordPress.com could not reach
    /// the site; the user finishes from wp-admin).
    NoNextUrl,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked() {
        for good in [
            "https://panel.example",
            "http://panel.example:8443/done?site=1&x=y#top",
            "HTTPS://Panel.Example/",
        ] {
            assert!(PartnerRedirect::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "panel.example/done",
            "ftp://panel.example",
            "javascript:alert(1)",
            "https://",
            "https:///done",
            "https://user:pw@panel.example",
            "https://panel.example/a b",
            "https://panel.example/\r\nX: 1",
            "https://panel.example/\u{7f}",
        ] {
            assert!(
                matches!(PartnerRedirect::parse(bad), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
        let long = format!("https://panel.example/{}", "a".repeat(2000));
        assert!(PartnerRedirect::parse(&long).is_err());
    }

    #[test]
    fn the_parameter_joins_the_query_the_way_it_should() -> Result<(), Error> {
        let to = PartnerRedirect::parse("http://example.com")?;
        for (next_url, want) in [
            (
                "https://wp.example/authorize?site=a",
                "https://wp.example/authorize?site=a&partner_redirect=http%3A%2F%2Fexample.com",
            ),
            (
                "https://wp.example/authorize",
                "https://wp.example/authorize?partner_redirect=http%3A%2F%2Fexample.com",
            ),
            (
                "https://wp.example/authorize?",
                "https://wp.example/authorize?partner_redirect=http%3A%2F%2Fexample.com",
            ),
            (
                "https://wp.example/a?x=1&",
                "https://wp.example/a?x=1&partner_redirect=http%3A%2F%2Fexample.com",
            ),
            (
                "https://wp.example/a?x=1#step",
                "https://wp.example/a?x=1&partner_redirect=http%3A%2F%2Fexample.com#step",
            ),
        ] {
            assert_eq!(to.add_to(next_url), want, "{next_url}");
        }
        let awkward = PartnerRedirect::parse("https://p.example/d?a=1&b=é#f")?;
        assert_eq!(
            awkward.add_to("https://wp.example/a?x=1"),
            "https://wp.example/a?x=1&partner_redirect=https%3A%2F%2Fp.example%2Fd%3Fa%3D1%26b%3D%C3%A9%23f"
        );
        Ok(())
    }
}
