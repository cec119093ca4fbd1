//! The client: one configured HTTP agent and the calls made through it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::Value;
use ureq::Agent;

use crate::auth::{AccessToken, Credentials, TokenResponse};
use crate::error::{Error, Transport, TransportKind, UnexpectedResponse};
use crate::form::Form;
use crate::response::{self, Raw, MAX_BODY};
use crate::trace::{TraceEvent, TraceFn};

/// The production API.
pub const DEFAULT_API_BASE: &str = "https://public-api.wordpress.com";

/// Default budget for one whole call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    api_base: String,
    timeout: Duration,
    user_agent: String,
    trace: Option<Arc<TraceFn>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            user_agent: concat!("jetpack-partner/", env!("CARGO_PKG_VERSION")).to_owned(),
            trace: None,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL, e.g. `https://public-api.wordpress.com` or a
    /// sandbox's `http://127.0.0.1:PORT`.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = url.into();
        self
    }

    /// Budget for one whole call: connecting, sending and reading the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the `User-Agent` (default `jetpack-partner/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Receives a [`TraceEvent`] for every request and answer.
    pub fn trace(mut self, f: impl Fn(&TraceEvent) + Send + Sync + 'static) -> Self {
        self.trace = Some(Arc::new(f));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let api_base = check_api_base(&self.api_base)?;
        if self.timeout.is_zero() {
            return Err(Error::InvalidInput(
                "the time-out must be above zero".into(),
            ));
        }
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .user_agent(self.user_agent.as_str())
            .build();
        Ok(Client {
            agent: Agent::new_with_config(config),
            api_base,
            trace: self.trace,
        })
    }
}

/// A client of the Jetpack Start partner API. Cheap to share between
/// threads: it holds one connection pool.
#[derive(Clone)]
pub struct Client {
    agent: Agent,
    api_base: String,
    trace: Option<Arc<TraceFn>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: production API, 30 s time-out.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The API base this client talks to, without a trailing `/`.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// Exchanges the partner ID and secret for an access token
    /// (`POST /oauth2/token`, client-credentials grant, as `multipart/form-data`).
    pub fn request_token(&self, credentials: &Credentials) -> Result<TokenResponse, Error> {
        if credentials.partner_id().is_empty() {
            return Err(Error::InvalidInput("the partner ID is empty".into()));
        }
        if credentials.secret().is_empty() {
            return Err(Error::InvalidInput("the partner secret is empty".into()));
        }
        let mut form = Form::new();
        form.text("client_id", credentials.partner_id())?
            .secret("client_secret", credentials.secret())?
            .text("grant_type", "client_credentials")?
            .text("scope", "jetpack-partner")?;
        let json = self.post_form("/oauth2/token", None, &form)?;
        typed(json, "the token answer has no access_token string")
    }

    /// POSTs a form and returns the successful answer's JSON.
    pub(crate) fn post_form(
        &self,
        path: &str,
        bearer: Option<&AccessToken>,
        form: &Form,
    ) -> Result<Value, Error> {
        let url = format!("{}{path}", self.api_base);
        let encoded = form.encode();
        self.emit(|| TraceEvent::Request {
            method: "POST",
            url: url.clone(),
            content_type: Some(encoded.content_type.clone()),
            content_length: encoded.content_length(),
            fields: form.describe(),
            bearer: bearer.is_some(),
        });
        let mut request = self
            .agent
            .post(&url)
            .header("Accept", "application/json")
            .header("Content-Type", &encoded.content_type);
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {}", token.expose()));
        }
        let started = Instant::now();
        self.finish(started, request.send(&encoded.body[..]))
    }

    /// GETs a path and returns the successful answer's JSON.
    pub(crate) fn get(&self, path: &str, bearer: Option<&AccessToken>) -> Result<Value, Error> {
        let url = format!("{}{path}", self.api_base);
        self.emit(|| TraceEvent::Request {
            method: "GET",
            url: url.clone(),
            content_type: None,
            content_length: 0,
            fields: Vec::new(),
            bearer: bearer.is_some(),
        });
        let mut request = self.agent.get(&url).header("Accept", "application/json");
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {}", token.expose()));
        }
        let started = Instant::now();
        self.finish(started, request.call())
    }

    fn finish(
        &self,
        started: Instant,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Value, Error> {
        let raw = sent.map_err(from_ureq).and_then(read);
        match &raw {
            Ok(raw) => self.emit(|| TraceEvent::Response {
                status: raw.status,
                elapsed: started.elapsed(),
                bytes: raw.body.len(),
            }),
            Err(e) => self.emit(|| TraceEvent::Failed {
                code: e.code().to_owned(),
                elapsed: started.elapsed(),
            }),
        }
        response::decode(raw?)
    }

    fn emit(&self, event: impl FnOnce() -> TraceEvent) {
        if let Some(trace) = &self.trace {
            trace(&event());
        }
    }
}

/// Reads status, the headers we use, and at most [`MAX_BODY`] bytes.
fn read(mut answer: ureq::http::Response<ureq::Body>) -> Result<Raw, Error> {
    let status = answer.status().as_u16();
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_after = header("retry-after");
    let location = header("location");
    let too_large = || {
        Error::UnexpectedResponse(UnexpectedResponse {
            status,
            reason: format!("the answer is larger than {} KiB", MAX_BODY / 1024),
            excerpt: String::new(),
        })
    };
    if answer.body().content_length().is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let body = answer
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(),
            other => from_ureq(other),
        })?;
    Ok(Raw {
        status,
        retry_after,
        location,
        body,
    })
}

/// Turns a successful answer into its typed form. The reason names what is
/// missing; the body is not quoted, since it may hold a token.
pub(crate) fn typed<T: DeserializeOwned>(json: Value, reason: &str) -> Result<T, Error> {
    if let Some(refusal) = response::refusal(&json) {
        return Err(Error::Api(refusal));
    }
    serde_json::from_value(json).map_err(|_| {
        Error::UnexpectedResponse(UnexpectedResponse {
            status: 200,
            reason: reason.to_owned(),
            excerpt: String::new(),
        })
    })
}

fn from_ureq(e: ureq::Error) -> Error {
    use std::io::ErrorKind;
    use ureq::Error as U;
    let kind = match &e {
        U::Timeout(_) => TransportKind::Timeout,
        U::HostNotFound => TransportKind::Dns,
        U::ConnectionFailed | U::ConnectProxyFailed(_) | U::InvalidProxyUrl => {
            TransportKind::Connect
        }
        U::Tls(_) | U::Pem(_) | U::Rustls(_) | U::TlsRequired => TransportKind::Tls,
        U::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable => TransportKind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Network,
        },
        U::BadUri(_) | U::Http(_) => {
            return Error::InvalidInput(format!("cannot build the request: {e}"))
        }
        U::Protocol(_) | U::LargeResponseHeader(..) => {
            return Error::UnexpectedResponse(UnexpectedResponse {
                status: 0,
                reason: format!("the answer is not valid HTTP: {e}"),
                excerpt: String::new(),
            })
        }
        _ => TransportKind::Network,
    };
    Error::Transport(Transport {
        kind,
        detail: e.to_string(),
    })
}

/// Accepts `http://` and `https://` bases with a host and no query or
/// fragment; drops trailing slashes.
fn check_api_base(base: &str) -> Result<String, Error> {
    let bad = |why: &str| {
        Err(Error::InvalidInput(format!(
            "API base {base:?} is not usable: {why} (example: {DEFAULT_API_BASE})"
        )))
    };
    let lower = base.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return bad("it must start with https:// or http://");
    };
    if rest.is_empty() || rest.starts_with('/') {
        return bad("it has no host");
    }
    if base.contains(['?', '#']) || base.chars().any(char::is_whitespace) {
        return bad("it must not hold a query, a fragment or white space");
    }
    if rest
        .split('/')
        .next()
        .is_some_and(|host| host.contains('@'))
    {
        return bad("it must not hold user info");
    }
    Ok(base.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_is_checked_and_trimmed() {
        let ok = |b: &str| check_api_base(b).unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(
            ok("https://public-api.wordpress.com/"),
            "https://public-api.wordpress.com"
        );
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(
            ok("HTTPS://api.example/prefix//"),
            "HTTPS://api.example/prefix"
        );
        for bad in [
            "",
            "public-api.wordpress.com",
            "ftp://x",
            "https://",
            "https:///x",
            "https://x/?q",
            "https://x/#f",
            "https://u:p@x",
            "https://x y",
        ] {
            assert!(
                matches!(check_api_base(bad), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn zero_timeout_is_refused() {
        let built = Client::builder().timeout(Duration::ZERO).build();
        assert!(matches!(built, Err(Error::InvalidInput(_))));
    }

    #[test]
    fn empty_credentials_are_refused_before_sending() -> Result<(), Error> {
        // Port 9 on loopback: nothing would answer, but nothing is sent anyway.
        let client = Client::builder().api_base("http://127.0.0.1:9").build()?;
        let empty_id = Credentials::new("", crate::Secret::new("s"));
        let empty_secret = Credentials::new("1", crate::Secret::new(""));
        for c in [empty_id, empty_secret] {
            assert!(matches!(
                client.request_token(&c),
                Err(Error::InvalidInput(_))
            ));
        }
        Ok(())
    }
}
