//! What a program needs to tell why calls fail on one machine: the way
//! requests take to the API (straight, or through a proxy named in the
//! environment, or past it) and one timed exchange with the API that
//! brings its clock back. `jetpack-partner doctor` is built on them.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::client::{prepare, Client};
use crate::error::Error;
use crate::retry::parse_http_date;
use crate::time::UtcTime;

/// The variables a proxy is read from, in the order the HTTP stack reads
/// them: the first one set to an address it can read is used for every
/// request, `http://` and `https://` alike.
pub const PROXY_VARIABLES: &[&str] = &[
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// The variables that name the hosts no proxy is used for, in the order
/// they are read.
pub const NO_PROXY_VARIABLES: &[&str] = &["NO_PROXY", "no_proxy"];

/// How requests reach the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Straight to the API's host: no proxy variable names a proxy.
    Direct,
    /// Through the proxy a variable names.
    Proxy(ProxyInfo),
    /// A variable names a proxy, but requests to this API base do not use
    /// it.
    Bypassed {
        /// The proxy that is not used.
        proxy: ProxyInfo,
        /// Why not.
        why: Bypass,
    },
}

/// Why a proxy from the environment is not used for the API base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bypass {
    /// The API base is this machine (loopback): a plain-http request
    /// through a proxy would hand it the secret in clear text.
    Loopback,
    /// The API's host is on the list of this variable (`NO_PROXY`).
    NoProxy(&'static str),
}

/// A proxy from the environment, without its user name and password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyInfo {
    /// The variable it comes from.
    pub variable: &'static str,
    /// Its scheme: `http`, `https`, `socks5`…
    pub scheme: String,
    /// Its host, as the address writes it.
    pub host: String,
    /// Its port (the scheme's default when the address gives none).
    pub port: u16,
    /// Whether the address holds a user name or password (never kept
    /// here).
    pub credentials: bool,
}

impl std::fmt::Display for ProxyInfo {
    /// `http://***@proxy.example:3128`: credentials masked.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let userinfo = if self.credentials { "***@" } else { "" };
        write!(f, "{}://{userinfo}{}:{}", self.scheme, self.host, self.port)
    }
}

/// The proxy the HTTP stack takes from the environment, and its variable:
/// the first of [`PROXY_VARIABLES`] set to an address it reads.
fn environment_proxy() -> Option<(&'static str, ureq::Proxy)> {
    PROXY_VARIABLES.iter().find_map(|&variable| {
        let value = std::env::var(variable).ok()?;
        ureq::Proxy::new(&value).ok().map(|proxy| (variable, proxy))
    })
}

impl ProxyInfo {
    fn of(variable: &'static str, proxy: &ureq::Proxy) -> ProxyInfo {
        ProxyInfo {
            variable,
            scheme: proxy.uri().scheme_str().unwrap_or("http").to_owned(),
            host: proxy.host().to_owned(),
            port: proxy.port(),
            credentials: proxy.username().is_some() || proxy.password().is_some(),
        }
    }
}

/// One exchange with the API, timed: what [`Client::probe`] gives.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The answer's HTTP status. Any status is an answer: the host was
    /// reached, TLS (for `https://`) was done and HTTP spoken.
    pub status: u16,
    /// From the start of the request to the answer's head, connecting
    /// (and the TLS handshake) included.
    pub elapsed: Duration,
    /// The answer's `Date` header, when it holds an HTTP date.
    pub date: Option<UtcTime>,
    /// This machine's clock halfway through the exchange, in Unix
    /// milliseconds: what `date` is compared with.
    pub local_ms: u128,
}

impl Probe {
    /// The API's clock minus this machine's, in whole seconds: positive
    /// when the API's is ahead. `Date` is whole seconds (the server's time
    /// is somewhere in the second it names), so the result is good to
    /// about a second plus half the exchange. `None` without a `Date`.
    pub fn clock_skew(&self) -> Option<i64> {
        let date = self.date?;
        let server_ms = i128::from(date.unix()) * 1000 + 500;
        let local_ms = i128::try_from(self.local_ms).ok()?;
        let skew = (server_ms - local_ms) as f64 / 1000.0;
        Some(skew.round() as i64)
    }
}

impl Client {
    /// How requests reach the API: straight, through the proxy the
    /// environment names (`ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY`, in that
    /// order, upper case before lower case), or past it: an API base on
    /// this machine never uses a proxy, and one whose host `NO_PROXY`
    /// lists does not.
    pub fn route(&self) -> Route {
        let Some((variable, proxy)) = environment_proxy() else {
            return Route::Direct;
        };
        let info = ProxyInfo::of(variable, &proxy);
        if self.is_loopback() {
            return Route::Bypassed {
                proxy: info,
                why: Bypass::Loopback,
            };
        }
        let listed = match (
            self.agent().config().proxy(),
            self.api_base().parse::<ureq::http::Uri>(),
        ) {
            (Some(used), Ok(uri)) => used.is_no_proxy(&uri),
            _ => false,
        };
        if listed {
            let variable = NO_PROXY_VARIABLES
                .iter()
                .copied()
                .find(|v| std::env::var_os(v).is_some())
                .unwrap_or("NO_PROXY");
            return Route::Bypassed {
                proxy: info,
                why: Bypass::NoProxy(variable),
            };
        }
        Route::Proxy(info)
    }

    /// The host and port of the API base, as a connection is made to them
    /// (without a proxy): `("public-api.wordpress.com", 443)`. An IPv6
    /// address comes without its brackets.
    pub fn api_host(&self) -> (String, u16) {
        let target = self.target();
        let (host, port) = target.rsplit_once(':').unwrap_or((&target, "443"));
        let host = host.trim_start_matches('[').trim_end_matches(']');
        (host.to_owned(), port.parse().unwrap_or(443))
    }

    /// One `GET` of the API base's root, once (no retry), within the
    /// client's time budget: whether the API answers at all over this
    /// route and these certificates, how long it took, and its clock. Any
    /// HTTP status is an answer; what is not an answer is the error the
    /// other calls would give (`dns_failed`, `connect_failed`,
    /// `tls_error`, `timeout`…). No credential is sent.
    pub fn probe(&self) -> Result<Probe, Error> {
        let url = format!("{}/", self.api_base());
        let budget = match self.deadline() {
            Some(deadline) => deadline
                .saturating_duration_since(Instant::now())
                .min(self.timeout()),
            None => self.timeout(),
        };
        if budget.is_zero() {
            return Err(Error::InvalidInput(
                "the time budget was spent before the probe".into(),
            ));
        }
        let redactor = self.redactor().clone();
        let before = unix_ms();
        let started = Instant::now();
        let sent = prepare(self.agent().get(&url), budget, None).call();
        let elapsed = started.elapsed();
        let after = unix_ms();
        let answer = sent.map_err(|e| match e {
            ureq::Error::Timeout(ureq::Timeout::Connect) => self.connect_timed_out(e, &redactor),
            e => self.transport_error(e, &redactor),
        })?;
        let date = answer
            .headers()
            .get("date")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .and_then(|seconds| UtcTime::from_unix(seconds).ok());
        Ok(Probe {
            status: answer.status().as_u16(),
            elapsed,
            date,
            local_ms: before + (after.saturating_sub(before)) / 2,
        })
    }
}

/// This machine's clock in Unix milliseconds (0 before 1970).
fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skew_is_the_api_clock_minus_ours_to_the_second() {
        let probe = |date: u64, local_ms: u128| Probe {
            status: 200,
            elapsed: Duration::ZERO,
            date: UtcTime::from_unix(date).ok(),
            local_ms,
        };
        assert_eq!(probe(1_000_000, 1_000_000_400).clock_skew(), Some(0));
        assert_eq!(probe(1_000_600, 1_000_000_500).clock_skew(), Some(600));
        assert_eq!(probe(1_000_000, 1_000_600_500).clock_skew(), Some(-600));
        let without = Probe {
            date: None,
            ..probe(1, 0)
        };
        assert_eq!(without.clock_skew(), None);
    }

    #[test]
    fn a_proxy_is_shown_without_its_credentials() {
        let proxy = ureq::Proxy::new("http://user:pa55w0rd-secret@proxy.example:3128")
            .unwrap_or_else(|e| panic!("{e}"));
        let info = ProxyInfo::of("HTTPS_PROXY", &proxy);
        assert_eq!(info.to_string(), "http://***@proxy.example:3128");
        assert!(!format!("{info:?}").contains("pa55w0rd"));
        let bare = ureq::Proxy::new("proxy.example").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ProxyInfo::of("HTTP_PROXY", &bare).to_string(),
            "http://proxy.example:80"
        );
    }

    #[test]
    fn the_api_host_is_split_from_its_port() -> Result<(), Error> {
        let host = |base: &str| {
            Client::builder()
                .api_base(base)
                .build()
                .map(|c| c.api_host())
        };
        assert_eq!(
            host("https://public-api.wordpress.com")?,
            ("public-api.wordpress.com".into(), 443)
        );
        assert_eq!(host("http://127.0.0.1:8099/x")?, ("127.0.0.1".into(), 8099));
        assert_eq!(host("http://[::1]:8099")?, ("::1".into(), 8099));
        assert_eq!(host("https://[::1]")?, ("::1".into(), 443));
        Ok(())
    }
}
