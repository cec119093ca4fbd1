//! Site references: how a path names a site (section 8 of the API reference).
//!
//! A site is either its WordPress.com blog ID (digits) or its host and path
//! with every `/` of the path written `::`: `https://example.com/demo/wp/`
//! becomes `example.com::demo::wp`.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A site as the partner endpoints name it in their paths.
///
/// ```
/// use jetpack_partner::SiteRef;
/// let site = SiteRef::parse("https://Example.com/demo/wp/")?;
/// assert_eq!(site.to_string(), "example.com::demo::wp");
/// assert_eq!(SiteRef::parse("12345")?.to_string(), "12345");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SiteRef {
    /// A WordPress.com blog ID.
    BlogId(u64),
    /// A site URL: lower-case host (with a non-default port, if any) and
    /// the path's segments.
    Url {
        /// Host name, lower-case, with `:port` when the URL had one that is
        /// not the scheme's default.
        host: String,
        /// Path segments, decoded (`caf%C3%A9` is `café`); they are
        /// percent-encoded again where the reference is printed.
        path: Vec<String>,
    },
}

impl SiteRef {
    /// Parses a blog ID, a domain, a site URL, or a reference as it prints
    /// (`example.com::demo::wp`), so that printing and parsing agree.
    ///
    /// Refuses anything that cannot be part of a site reference: a query, a
    /// fragment, user info, white space, an empty or non-ASCII host, a scheme
    /// other than http and https.
    pub fn parse(input: &str) -> Result<SiteRef, Error> {
        let bad = |why: &str| {
            Error::InvalidInput(format!(
                "site {input:?} is not a site URL, domain or blog ID: {why}"
            ))
        };
        if input.is_empty() {
            return Err(bad("it is empty"));
        }
        if input.chars().any(char::is_whitespace) {
            return Err(bad("it contains white space (check the quoting)"));
        }
        if input.bytes().all(|b| b.is_ascii_digit()) {
            return match input.parse::<u64>() {
                Ok(0) | Err(_) => Err(bad("a blog ID is a positive number")),
                Ok(id) => Ok(SiteRef::BlogId(id)),
            };
        }
        if input.contains('?') {
            return Err(bad("it has a query ('?…'); give the site URL without it"));
        }
        if input.contains('#') {
            return Err(bad(
                "it has a fragment ('#…'); give the site URL without it",
            ));
        }
        // A printed reference: read every `::` as the `/` it stands for.
        // (A URL, with its `/`, keeps a `::` as it is, and is refused.)
        let url = if input.contains("::") && !input.contains('/') {
            input.replace("::", "/")
        } else {
            input.to_owned()
        };
        let (scheme, rest) = split_scheme(&url);
        let default_port = match scheme.as_deref() {
            None => None,
            Some("https") => Some("443"),
            Some("http") => Some("80"),
            Some(_) => return Err(bad("only http:// and https:// URLs name a WordPress site")),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.contains('@') {
            return Err(bad(
                "it has user info ('user@'); never put credentials in a site URL",
            ));
        }
        let host = parse_host(authority, default_port).map_err(|why| bad(&why))?;
        let mut segments = Vec::new();
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            if segment == "." || segment == ".." {
                return Err(bad(
                    "its path has '.' or '..' segments; give the site's real path",
                ));
            }
            if segment.contains(':') {
                return Err(bad(
                    "a path segment contains ':', which the reference uses as separator",
                ));
            }
            segments.push(check_decoded(segment).map_err(|why| bad(&why))?);
        }
        Ok(SiteRef::Url {
            host,
            path: segments,
        })
    }
}

/// A segment, percent-decoded: the server decodes what it is sent, so what
/// the segment decodes to must pass the checks, or `%2F..` would walk out
/// of the site's path. A `%` not followed by two hex digits is itself.
fn check_decoded(segment: &str) -> Result<String, String> {
    let Ok(decoded) = percent_encoding::percent_decode_str(segment).decode_utf8() else {
        return Err(format!(
            "the path segment {segment:?} decodes to bytes that are not UTF-8"
        ));
    };
    if decoded == "." || decoded == ".." {
        return Err(format!(
            "the path segment {segment:?} decodes to {decoded:?}; give the site's real path"
        ));
    }
    if let Some(c) = decoded
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '?' | '#' | ':') || c.is_control() || c.is_whitespace())
    {
        return Err(format!(
            "the path segment {segment:?} decodes to one holding {c:?}, which cannot be \
             part of a site reference"
        ));
    }
    Ok(decoded.into_owned())
}

/// Splits off `scheme://`, lower-cased, if there is one.
fn split_scheme(input: &str) -> (Option<String>, &str) {
    match input.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            (Some(scheme.to_ascii_lowercase()), rest)
        }
        _ => (None, input),
    }
}

fn parse_host(authority: &str, default_port: Option<&str>) -> Result<String, String> {
    if authority.starts_with('[') {
        return Err(
            "an IPv6 address cannot be written in a site reference; use the blog ID".into(),
        );
    }
    let (name, port) = match authority.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (authority, None),
    };
    if name.is_empty() {
        return Err("the host is empty".into());
    }
    if !name.is_ascii() {
        return Err(format!(
            "the host is not ASCII; write it in its punycode form (xn--…), \
             as the site's WordPress settings show it, or use the blog ID ({name})"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._".contains(*c)))
    {
        return Err(format!("the host contains {c:?}"));
    }
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "the host {name:?} is all digits, and would be read as a blog ID; \
             give the blog ID alone, or the site's real host name"
        ));
    }
    let name = name.to_ascii_lowercase();
    match port {
        None => Ok(name),
        // `u16::from_str` also takes a sign: "+80".
        Some(p)
            if p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0) =>
        {
            let p = p.trim_start_matches('0');
            if Some(p) == default_port {
                Ok(name)
            } else {
                Ok(format!("{name}:{p}"))
            }
        }
        Some(p) => Err(format!("the port {p:?} is not a number from 1 to 65535")),
    }
}

impl FromStr for SiteRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        SiteRef::parse(s)
    }
}

/// The path segment to send: the blog ID, or host and path joined with `::`,
/// percent-encoded where a character cannot stand in a URL path.
impl fmt::Display for SiteRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SiteRef::BlogId(id) => write!(f, "{id}"),
            SiteRef::Url { host, path } => {
                f.write_str(host)?;
                for segment in path {
                    f.write_str("::")?;
                    write_escaped(f, segment)?;
                }
                Ok(())
            }
        }
    }
}

/// Escapes every byte but RFC 3986's unreserved characters.
fn write_escaped(f: &mut fmt::Formatter<'_>, segment: &str) -> fmt::Result {
    write!(
        f,
        "{}",
        percent_encoding::utf8_percent_encode(segment, UNRESERVED)
    )
}

/// What a path segment or a query value may hold as it is: letters, digits,
/// `-`, `.`, `_`, `~`.
pub(crate) const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_accepted_references() {
        let table = [
            ("example.com", "example.com"),
            ("https://example.com/", "example.com"),
            ("http://example.com", "example.com"),
            ("example.com/demo", "example.com::demo"),
            ("example.com/demo/wp", "example.com::demo::wp"),
            ("https://example.com/demo/wp/", "example.com::demo::wp"),
            ("HTTPS://Example.COM/Blog", "example.com::Blog"),
            ("example.com:8080", "example.com:8080"),
            ("https://example.com:8443/wp", "example.com:8443::wp"),
            ("https://example.com:443/", "example.com"),
            ("http://example.com:80/wp", "example.com::wp"),
            ("http://example.com:443/", "example.com:443"),
            ("example.com//double//", "example.com::double"),
            ("12345", "12345"),
            ("007", "7"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
            ("sub_domain.example.com", "sub_domain.example.com"),
            ("127.0.0.1/wp", "127.0.0.1::wp"),
            ("example.com/caf%C3%A9", "example.com::caf%C3%A9"),
            ("example.com/café", "example.com::caf%C3%A9"),
            ("example.com/100%/x", "example.com::100%25::x"),
            ("example.com/a+b", "example.com::a%2Bb"),
            ("example.com/~user", "example.com::~user"),
            ("example.com::demo::wp", "example.com::demo::wp"),
            ("Example.com:8443::wp::", "example.com:8443::wp"),
        ];
        for (input, want) in table {
            match SiteRef::parse(input) {
                Ok(site) => assert_eq!(site.to_string(), want, "{input}"),
                Err(e) => panic!("{input}: {e}"),
            }
        }
    }

    #[test]
    fn printed_references_parse_back() {
        // Found by the site_ref fuzz target: "example.com::demo" was refused
        // ("the port \":demo\" is not a number").
        for input in [
            "https://example.com/demo/wp/",
            "example.com:8080/a/b",
            "example.com/caf%C3%A9",
            "example.com/café/100%/a+b",
            "12345",
        ] {
            let printed = SiteRef::parse(input).map(|s| s.to_string());
            let again = printed.as_deref().map(SiteRef::parse);
            match (&printed, again) {
                (Ok(printed), Ok(Ok(again))) => assert_eq!(&again.to_string(), printed),
                other => panic!("{input:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn table_of_refused_references() {
        let table = [
            ("", "empty"),
            ("example.com/?p=1", "query"),
            ("example.com#top", "fragment"),
            ("https://user:pw@example.com", "user info"),
            ("example .com", "white space"),
            ("example.com\n", "white space"),
            ("https://", "host is empty"),
            ("https:///blog", "host is empty"),
            ("/blog", "host is empty"),
            ("bücher.example", "punycode"),
            ("ftp://example.com", "only http"),
            ("example.com:0", "port"),
            ("example.com:99999", "port"),
            ("example.com:http", "port"),
            ("[::1]/wp", "IPv6"),
            ("0", "positive"),
            ("99999999999999999999999", "positive"),
            ("example.com/../etc", "'..'"),
            ("exa!mple.com", "contains '!'"),
            ("example.com/a:b", "separator"),
            ("example.com/a::b", "separator"),
            ("https://example.com::wp", "port"),
            // Found by the site_ref fuzz target: these printed as "4", the
            // reference of blog 4.
            ("4/", "all digits"),
            ("4::", "all digits"),
            ("http://12345", "all digits"),
            ("https://0/", "all digits"),
            ("12345:8080/wp", "all digits"),
            // Found by the site_ref fuzz target: printed as "e.com:+79".
            ("http://e.com:+79", "port"),
            ("https://example.com:+443/", "port"),
            // Escapes are decoded before the checks: these walked out of
            // the site's path on the server.
            (
                "a.example/%2F..%2F..%2Foauth2",
                "decodes to one holding '/'",
            ),
            ("a.example/%2e%2E", "decodes to \"..\""),
            ("a.example/%2E", "decodes to \".\""),
            ("a.example/x%3Fy", "'?'"),
            ("a.example/x%23y", "'#'"),
            ("a.example/x%3Ay", "':'"),
            ("a.example/x%00y", "'\\0'"),
            ("a.example/x%0Ay", "'\\n'"),
            ("a.example/x%20y", "' '"),
            ("a.example/x%5Cy", "'\\\\'"),
            ("a.example/%FF", "not UTF-8"),
        ];
        for (input, why) in table {
            match SiteRef::parse(input) {
                Ok(site) => panic!("{input:?} was accepted as {site}"),
                Err(Error::InvalidInput(msg)) => assert!(msg.contains(why), "{input:?}: {msg}"),
                Err(e) => panic!("{input:?}: wrong error {e:?}"),
            }
        }
    }
}
