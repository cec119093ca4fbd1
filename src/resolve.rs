//! Finding the API host's addresses: an address written in the base is
//! taken as it is; a name goes to ureq's resolver.
//!
//! ureq looks every host up on a thread of its own, so that a lookup that
//! hangs cannot outlast the request's time-out. For `127.0.0.1` or `[::1]`
//! there is nothing to look up, and that thread (its 2 MiB stack mapped,
//! started and joined) is a third of a short command's own work.

use std::net::SocketAddr;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// An IP address in the URI is its own answer; anything else is looked up
/// by [`DefaultResolver`].
#[derive(Debug)]
pub(crate) struct AddressFirst;

impl Resolver for AddressFirst {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if let Some(address) = literal(uri) {
            let mut found = self.empty();
            found.push(address);
            return Ok(found);
        }
        DefaultResolver::default().resolve(uri, config, timeout)
    }
}

/// The socket address of a URI whose host is an IP address (IPv6 in
/// brackets), with its port or the scheme's (as ureq's resolver spells
/// them).
fn literal(uri: &Uri) -> Option<SocketAddr> {
    DefaultResolver::host_and_port(uri.scheme()?, uri.authority()?)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::literal;

    fn of(text: &str) -> Option<String> {
        let uri: ureq::http::Uri = text.parse().ok()?;
        literal(&uri).map(|a| a.to_string())
    }

    #[test]
    fn addresses_are_taken_and_names_are_not() {
        assert_eq!(
            of("http://127.0.0.1:8080/x").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(of("https://10.0.0.1/").as_deref(), Some("10.0.0.1:443"));
        assert_eq!(of("http://[::1]:9/").as_deref(), Some("[::1]:9"));
        assert_eq!(of("http://[::1]/").as_deref(), Some("[::1]:80"));
        assert_eq!(of("https://public-api.wordpress.com/"), None);
        assert_eq!(of("http://localhost:80/"), None);
        assert_eq!(of("http://127.0.0.1.nip.io/"), None);
    }
}
