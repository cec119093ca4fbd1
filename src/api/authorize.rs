//! `GET /oauth2/authorize`: the first step of the authorization-code flow,
//! which a person takes in a browser. The partner's WordPress.com user
//! signs in, approves the partner's app (scope `global`), and WordPress.com
//! redirects the browser to the app's redirect URI with a one-time `code`
//! and the `state` it was given. [`Authorize`] builds the address to open
//! and reads the redirect that comes back; the code is then exchanged with
//! [`AuthorizationCodeGrant`](crate::AuthorizationCodeGrant).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use serde_json::json;

use super::query::Query;
use crate::auth::Secret;
use crate::error::{clean_text, ApiError, Error};

/// The scope of a WordPress.com user's token: what scan actions and
/// partner reporting take.
pub const USER_SCOPE: &str = "global";

/// The redirect URI the reference suggests for a tool on the partner's
/// own machine, with the path a browser asks for.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:3210/";

/// The longest code taken from a redirect; WordPress.com's are far
/// shorter, and a longer one is not a code.
const MAX_CODE_LEN: usize = 2048;

/// The authorize step for one sign-in: the app's client ID, its registered
/// redirect URI, and a `state` of 128 random bits that the redirect must
/// carry back, so a redirect this sign-in did not start is refused.
///
/// ```
/// use jetpack_partner::Authorize;
/// let authorize = Authorize::new("5678", "http://127.0.0.1:3210/")?;
/// let url = authorize.url("https://public-api.wordpress.com");
/// assert!(url.starts_with(
///     "https://public-api.wordpress.com/oauth2/authorize?client_id=5678&response_type=code\
///      &redirect_uri=http%3A%2F%2F127.0.0.1%3A3210%2F&scope=global&state="
/// ));
/// let back = format!("http://127.0.0.1:3210/?code=c0de-value&state={}", authorize.state());
/// assert_eq!(authorize.code_from_redirect(&back)?.expose(), "c0de-value");
/// assert!(authorize.code_from_redirect("http://127.0.0.1:3210/?code=c0de-value&state=other").is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Authorize {
    client_id: String,
    redirect_uri: String,
    target: Target,
    state: String,
}

impl Authorize {
    /// The authorize step for the app `client_id`, whose registered
    /// redirect URI is `redirect_uri` (sent byte for byte as given: it must
    /// be exactly the one the app registered). The redirect URI must be an
    /// `http` or `https` address with a host and without user info, a
    /// fragment, white space or control characters.
    pub fn new(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, Error> {
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(Error::InvalidInput("the app's client ID is empty".into()));
        }
        if client_id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(Error::InvalidInput(
                "the app's client ID holds white space or a control character".into(),
            ));
        }
        let redirect_uri = redirect_uri.into();
        let target = Target::parse(&redirect_uri, false).map_err(|why| {
            Error::InvalidInput(format!(
                "the redirect URI {:?} is not usable: {why} (example: {DEFAULT_REDIRECT_URI})",
                clean_text(&redirect_uri, 200)
            ))
        })?;
        Ok(Authorize {
            client_id,
            redirect_uri,
            target,
            state: format!("{:032x}", crate::random::u128()),
        })
    }

    /// The app's client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The redirect URI, as given.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The `state` the redirect must carry back: 32 hexadecimal digits
    /// from the operating system's random source. It is in the address the
    /// user opens; it is not a secret from them, only unpredictable to
    /// anyone else.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The path and query of the authorize step, relative to the API base.
    pub fn path(&self) -> String {
        // Each value was checked to be one line: the query cannot refuse it.
        let query = Query::new()
            .pair("client_id", &self.client_id)
            .and_then(|q| q.pair("response_type", "code"))
            .and_then(|q| q.pair("redirect_uri", &self.redirect_uri))
            .and_then(|q| q.pair("scope", USER_SCOPE))
            .and_then(|q| q.pair("state", &self.state))
            .unwrap_or_default();
        query.after("/oauth2/authorize")
    }

    /// The address to open in a browser, on `api_base` (the client's
    /// [`api_base`](crate::Client::api_base)). It carries the client ID and
    /// the state, and no secret.
    pub fn url(&self, api_base: &str) -> String {
        format!("{}{}", api_base.trim_end_matches('/'), self.path())
    }

    /// Where a listener on this machine receives the redirect: the
    /// redirect URI's host and port. Only a plain `http` redirect URI whose
    /// host is this machine (`127.x.x.x`, `[::1]`, `localhost`, which is
    /// taken as 127.0.0.1) can be listened on; any other is an
    /// [`Error::InvalidInput`] that says why.
    pub fn listen_addr(&self) -> Result<SocketAddr, Error> {
        let refuse = |why: &str| {
            Err(Error::InvalidInput(format!(
                "cannot listen for the browser's redirect to {}: {why}",
                self.redirect_uri
            )))
        };
        if self.target.scheme != "http" {
            return refuse(
                "it is https, and a listener here has no certificate for it; register a \
                 plain http redirect URI on this machine, e.g. http://127.0.0.1:3210/, or \
                 paste the address the browser ends on",
            );
        }
        match loopback_ip(&self.target.host) {
            Some(ip) => Ok(SocketAddr::new(ip, self.target.port)),
            None => refuse(
                "its host is not this machine (only 127.x.x.x, [::1] and localhost are \
                 listened on, so no other machine can hand in a code); register a redirect \
                 URI on this machine, e.g. http://127.0.0.1:3210/, or paste the address the \
                 browser ends on",
            ),
        }
    }

    /// The code of the address the browser ended on after the user
    /// approved (pasted from its address bar): it must be this sign-in's
    /// redirect URI (same scheme, host, port and path), and carry this
    /// sign-in's state. See [`code_from_query`](Self::code_from_query).
    pub fn code_from_redirect(&self, address: &str) -> Result<Secret, Error> {
        let address = address.trim();
        if address.is_empty() {
            return Err(Error::InvalidInput("the redirect address is empty".into()));
        }
        let pasted = Target::parse(address, true).map_err(|why| {
            Error::InvalidInput(format!(
                "that is not the address the browser ended on ({why}); copy the whole address \
                 from the browser's address bar after approving"
            ))
        })?;
        if !pasted.same_place(&self.target) {
            return Err(Error::InvalidInput(format!(
                "that address is not on the redirect URI {}: copy the address the browser \
                 ended on after approving (it starts with the redirect URI)",
                self.redirect_uri
            )));
        }
        let Some(query) = pasted.query.as_deref() else {
            return Err(Error::InvalidInput(
                "that address has no query, so neither a code nor an error: copy the address \
                 the browser ended on after approving"
                    .into(),
            ));
        };
        self.code_from_query(query)
    }

    /// The code in a redirect's query string (without the `?`). The state
    /// is checked first: a redirect without this sign-in's state is an
    /// [`Error::InvalidInput`], whatever else it carries, and its code is
    /// not given out. A refusal (`error=access_denied` when the user said
    /// no) is an [`Error::Api`] with the OAuth code and description, and
    /// HTTP status 302 (it came in a redirect). A parameter given twice is
    /// refused.
    pub fn code_from_query(&self, query: &str) -> Result<Secret, Error> {
        let found = Parameters::read(query)?;
        let state = found.state.as_deref().unwrap_or_default();
        let matches = {
            use subtle::ConstantTimeEq;
            bool::from(state.as_bytes().ct_eq(self.state.as_bytes()))
        };
        if found.state.is_none() {
            return Err(Error::InvalidInput(
                "the redirect carries no state, so it cannot be told from a redirect this \
                 sign-in did not start: refused, and its code was not exchanged"
                    .into(),
            ));
        }
        if !matches {
            return Err(Error::InvalidInput(
                "the redirect's state is not this sign-in's (it comes from an older sign-in, or \
                 was not started by this program): refused, and its code was not exchanged; \
                 start the sign-in again"
                    .into(),
            ));
        }
        if let Some(error) = found.error {
            let body = json!({
                "error": error,
                "error_description": found.error_description.unwrap_or_default(),
            });
            return Err(ApiError::from_json(302, &body).map_or_else(
                || Error::InvalidInput("the redirect carries an empty error".into()),
                Error::Api,
            ));
        }
        let Some(code) = found.code.filter(|c| !c.is_empty()) else {
            return Err(Error::InvalidInput(
                "the redirect carries neither a code nor an error".into(),
            ));
        };
        if code.len() > MAX_CODE_LEN || code.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::InvalidInput(
                "the redirect's code is not a code (too long, or it holds white space or \
                 control characters)"
                    .into(),
            ));
        }
        Ok(Secret::new(code))
    }

    /// The redirect URI's path (`/` when it has none), which a listener
    /// serves.
    pub(crate) fn redirect_path(&self) -> &str {
        &self.target.path
    }

    /// Whether a request's `Host` header names the redirect URI's host and
    /// port (the port may be left out when it is the scheme's default).
    pub(crate) fn is_redirect_host(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let default = if self.target.scheme == "https" {
            443
        } else {
            80
        };
        host == format!("{}:{}", self.target.host, self.target.port)
            || (self.target.port == default && host == self.target.host)
    }
}

/// The parameters of a redirect that matter, each at most once.
#[derive(Default)]
struct Parameters {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl Parameters {
    fn read(query: &str) -> Result<Parameters, Error> {
        let mut found = Parameters::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match decode(name).as_str() {
                "code" => &mut found.code,
                "state" => &mut found.state,
                "error" => &mut found.error,
                "error_description" => &mut found.error_description,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Error::InvalidInput(format!(
                    "the redirect gives {} twice: refused",
                    decode(name)
                )));
            }
            *slot = Some(decode(value));
        }
        Ok(found)
    }
}

/// A query value decoded as browsers and servers write them: `%XX`, and
/// `+` for a space.
fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// The parts of an `http` or `https` address that place it: scheme, host
/// and port (the scheme's default when none is given), path; and its
/// query.
#[derive(Clone, Debug)]
struct Target {
    scheme: String,
    host: String,
    port: u16,
    path: String,
    query: Option<String>,
}

impl Target {
    /// Reads an address. `pasted`: a fragment is dropped (a redirect URI
    /// must have none).
    fn parse(address: &str, pasted: bool) -> Result<Target, &'static str> {
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("it holds white space or control characters");
        }
        let lower = address.to_ascii_lowercase();
        let (scheme, default_port) = if lower.starts_with("http://") {
            ("http", 80)
        } else if lower.starts_with("https://") {
            ("https", 443)
        } else {
            return Err("it must start with http:// or https://");
        };
        let rest = &address[scheme.len() + 3..];
        let rest = match rest.split_once('#') {
            Some(_) if !pasted => return Err("it must not hold a fragment (#)"),
            Some((before, _)) => before,
            None => rest,
        };
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query.to_owned())),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(at) => (&before_query[..at], &before_query[at..]),
            None => (before_query, "/"),
        };
        if authority.contains('@') {
            return Err("it must not hold user info (user@)");
        }
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => match v6.split_once(']') {
                Some((_, "")) => (authority, None),
                Some((address, tail)) => match tail.strip_prefix(':') {
                    Some(port) => (&authority[..address.len() + 2], Some(port)),
                    None => return Err("the IPv6 address must be followed by :PORT or nothing"),
                },
                None => return Err("the IPv6 address has no closing ']'"),
            },
            None => match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if host.is_empty() || host == "[]" {
            return Err("it has no host");
        }
        let port = match port {
            None => default_port,
            Some(text) => text
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0 && text.bytes().all(|b| b.is_ascii_digit()))
                .ok_or("its port is not a number from 1 to 65535")?,
        };
        Ok(Target {
            scheme: scheme.to_owned(),
            host: host.to_ascii_lowercase(),
            port,
            path: path.to_owned(),
            query,
        })
    }

    /// Same scheme, host, port and path.
    fn same_place(&self, other: &Target) -> bool {
        self.scheme == other.scheme
            && self.host == other.host
            && self.port == other.port
            && self.path == other.path
    }
}

/// The address to listen on for a host that is this machine.
fn loopback_ip(host: &str) -> Option<IpAddr> {
    if host == "localhost" {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    if host == "[::1]" {
        return Some(IpAddr::V6(Ipv6Addr::LOCALHOST));
    }
    host.parse::<Ipv4Addr>()
        .ok()
        .filter(Ipv4Addr::is_loopback)
        .map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorize(uri: &str) -> Authorize {
        Authorize::new("5678", uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
    }

    #[test]
    fn the_url_carries_every_parameter_of_the_reference_and_no_secret() {
        let a = authorize("http://127.0.0.1:3210/");
        assert_eq!(
            a.url("https://public-api.wordpress.com/"),
            format!(
                "https://public-api.wordpress.com/oauth2/authorize?client_id=5678&response_type=code\
                 &redirect_uri=http%3A%2F%2F127.0.0.1%3A3210%2F&scope=global&state={}",
                a.state()
            )
        );
        assert_eq!(a.state().len(), 32);
        assert!(a.state().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a.state(), authorize("http://127.0.0.1:3210/").state());
    }

    #[test]
    fn bad_redirect_uris_and_client_ids_are_refused() {
        for bad in [
            "",
            "127.0.0.1:3210",
            "ftp://127.0.0.1/",
            "http://",
            "http:///x",
            "http://u@127.0.0.1/",
            "http://127.0.0.1:0/",
            "http://127.0.0.1:70000/",
            "http://127.0.0.1:+80/",
            "http://127.0.0.1/#x",
            "http://127.0.0.1/a b",
            "http://[::1/",
        ] {
            assert!(
                matches!(Authorize::new("5678", bad), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
        for bad in ["", "56 78", "56\n78"] {
            assert!(
                Authorize::new(bad, DEFAULT_REDIRECT_URI).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn only_a_plain_http_redirect_to_this_machine_is_listened_on() {
        let addr = |uri: &str| authorize(uri).listen_addr().map(|a| a.to_string());
        assert_eq!(
            addr("http://127.0.0.1:3210/").ok().as_deref(),
            Some("127.0.0.1:3210")
        );
        assert_eq!(
            addr("http://127.0.0.2:99").ok().as_deref(),
            Some("127.0.0.2:99")
        );
        assert_eq!(
            addr("http://LOCALHOST:8080/cb").ok().as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            addr("http://[::1]:8080/").ok().as_deref(),
            Some("[::1]:8080")
        );
        assert_eq!(
            addr("http://127.0.0.1/").ok().as_deref(),
            Some("127.0.0.1:80")
        );
        for refused in [
            "http://example.com:3210/",
            "http://10.0.0.1:3210/",
            "http://0.0.0.0:3210/",
            "http://127.example.com/",
            "https://127.0.0.1:3210/",
        ] {
            let e = addr(refused);
            assert!(
                matches!(&e, Err(Error::InvalidInput(m)) if m.contains("paste the address")),
                "{refused}: {e:?}"
            );
        }
    }

    #[test]
    fn a_redirect_gives_its_code_only_with_this_sign_ins_state() {
        let a = authorize("http://127.0.0.1:3210/cb");
        let s = a.state().to_owned();
        let code = |query: &str| a.code_from_query(query).map(|c| c.expose().to_owned());
        assert_eq!(
            code(&format!("code=abc%2Bd&state={s}")).ok().as_deref(),
            Some("abc+d")
        );
        assert_eq!(
            code(&format!("state={s}&code=abc%2Fd")).ok().as_deref(),
            Some("abc/d")
        );
        assert_eq!(
            code(&format!("x=1&code=abcd&state={s}&y")).ok().as_deref(),
            Some("abcd")
        );
        for refused in [
            "code=abcd".to_owned(),
            "code=abcd&state=".to_owned(),
            "code=abcd&state=0123".to_owned(),
            format!("code=abcd&state={s}x"),
            format!("code=abcd&code=efgh&state={s}"),
            format!("code=abcd&state={s}&state={s}"),
            format!("state={s}"),
            format!("code=&state={s}"),
            format!("code=a%0Ab&state={s}"),
            format!("code=a+b&state={s}"),
            format!("code={}&state={s}", "a".repeat(MAX_CODE_LEN + 1)),
        ] {
            assert!(
                matches!(a.code_from_query(&refused), Err(Error::InvalidInput(_))),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_refusal_is_the_oauth_error_and_needs_the_state_too() {
        let a = authorize("http://127.0.0.1:3210/");
        let s = a.state().to_owned();
        match a.code_from_query(&format!(
            "error=access_denied&error_description=The+user+said+no.&state={s}"
        )) {
            Err(Error::Api(api)) => {
                assert_eq!(api.code.as_str(), "access_denied");
                assert_eq!(api.message, "The user said no.");
                assert_eq!(api.status, 302);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            a.code_from_query("error=access_denied&state=other"),
            Err(Error::InvalidInput(_))
        ));
    }

    #[test]
    fn a_pasted_address_must_be_on_the_redirect_uri() {
        let a = authorize("http://127.0.0.1:3210/");
        let s = a.state().to_owned();
        let code = |address: &str| a.code_from_redirect(address).map(|c| c.expose().to_owned());
        for good in [
            format!("http://127.0.0.1:3210/?code=abcd&state={s}"),
            format!("  HTTP://127.0.0.1:3210/?code=abcd&state={s}#frag\n"),
            format!("http://127.0.0.1:3210?code=abcd&state={s}"),
        ] {
            assert_eq!(code(&good).ok().as_deref(), Some("abcd"), "{good}");
        }
        for bad in [
            format!("http://127.0.0.1:3211/?code=abcd&state={s}"),
            format!("https://127.0.0.1:3210/?code=abcd&state={s}"),
            format!("http://localhost:3210/?code=abcd&state={s}"),
            format!("http://127.0.0.1:3210/other?code=abcd&state={s}"),
            "http://127.0.0.1:3210/".to_owned(),
            format!("code=abcd&state={s}"),
            String::new(),
        ] {
            let refused = code(&bad);
            assert!(
                matches!(&refused, Err(Error::InvalidInput(m)) if !m.contains("abcd")),
                "{bad}: {refused:?}"
            );
        }
    }

    #[test]
    fn the_host_header_must_name_the_redirect_uri() {
        let a = authorize("http://127.0.0.1:3210/");
        assert!(a.is_redirect_host("127.0.0.1:3210"));
        assert!(!a.is_redirect_host("127.0.0.1"));
        assert!(!a.is_redirect_host("evil.example:3210"));
        let default_port = authorize("http://localhost/cb");
        assert!(default_port.is_redirect_host("LOCALHOST"));
        assert!(default_port.is_redirect_host("localhost:80"));
        assert_eq!(default_port.redirect_path(), "/cb");
        assert_eq!(authorize("http://127.0.0.1:3210").redirect_path(), "/");
    }
}
