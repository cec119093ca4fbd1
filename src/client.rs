//! The client: one configured HTTP agent and the calls made through it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::Agent;

use crate::auth::AccessToken;
use crate::endpoint::{Body, Endpoint, Method, Repeat, Token};
use crate::error::{Error, Transport, TransportKind, UnexpectedResponse, EXCERPT_CHARS};
use crate::redact::{mask_url_token, Redactor, MIN_SECRET_LEN};
use crate::response::{self, Raw, Reply, MAX_BODY};
use crate::retry;
use crate::trace::{TraceEvent, TraceFn};

/// The production API.
pub const DEFAULT_API_BASE: &str = "https://public-api.wordpress.com";

/// Default budget for one whole call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Longest wait for a connection within a call's budget.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest silence while reading an answer: a stalled connection fails
/// (and may be retried) instead of eating the whole budget.
const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// The transport's input buffer: 16 KiB (ureq's default, 128 KiB, costs a
/// zero-fill per client that is most of a short run).
const INPUT_BUFFER: usize = 16 * 1024;

/// The longest answer head taken: 12 KiB, over the 4 or 8 KiB a default
/// nginx passes from the server behind it. It must stay below
/// [`INPUT_BUFFER`]: a head that fills the buffer is then refused as too
/// large, rather than read as a connection closed mid-answer.
const MAX_HEAD: usize = 12 * 1024;

/// The transport's output buffer: a request head and a body go out
/// through it in pieces of at most this size.
const OUTPUT_BUFFER: usize = 16 * 1024;

/// Configures a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    api_base: String,
    timeout: Duration,
    deadline: Option<Instant>,
    retries: u32,
    user_agent: String,
    root_certs_pem: Option<Vec<u8>>,
    allow_insecure_http: bool,
    trace: Option<Arc<TraceFn>>,
    redactor: Redactor,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            deadline: None,
            retries: crate::retry::DEFAULT_RETRIES,
            user_agent: concat!("jetpack-partner/", env!("CARGO_PKG_VERSION")).to_owned(),
            root_certs_pem: None,
            allow_insecure_http: false,
            trace: None,
            redactor: Redactor::new(),
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

    /// Budget for one whole call, retries included: connecting, sending,
    /// waiting, reading the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A moment no call may run past, whatever its own budget: for a
    /// program that makes several calls within one overall time limit.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Extra attempts for temporary failures (default 2): a connection
    /// refused or broken before an answer, a time-out, 429, 502, 503, 504.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Trust these PEM root certificates instead of the bundled Mozilla
    /// roots (a private CA, an inspecting proxy), as curl's `--cacert` does.
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certs_pem = Some(pem.into());
        self
    }

    /// Allow a plain `http://` API base on a host that is not loopback. Off
    /// by default, so that a typo cannot send a secret in clear text.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
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

    /// Shares `redactor` with the client. The client adds every secret it
    /// sends or receives (the partner secret, access tokens) and masks all
    /// of them, and the secrets of each request, in the errors it returns.
    /// A program that prints passes the same redactor to its printer.
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Checks the configuration as [`build`](Self::build) does, without
    /// building the HTTP agent and its TLS configuration.
    pub fn check(&self) -> Result<(), Error> {
        self.checked().map(|_| ())
    }

    /// The checked API base, whether it is loopback, and the root
    /// certificates to trust, parsed once (a system bundle takes a
    /// millisecond).
    fn checked(&self) -> Result<Checked, Error> {
        let (api_base, loopback) = check_api_base(&self.api_base, self.allow_insecure_http)?;
        if self.timeout.is_zero() {
            return Err(Error::InvalidInput(
                "the time-out must be above zero".into(),
            ));
        }
        let roots = match &self.root_certs_pem {
            Some(pem) => Some(certificates(pem)?),
            None => None,
        };
        Ok(Checked {
            api_base,
            loopback,
            roots,
        })
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let Checked {
            api_base,
            loopback,
            roots,
        } = self.checked()?;
        let mut tls = TlsConfig::builder();
        if let Some(roots) = roots {
            tls = tls.root_certs(RootCerts::new_with_certs(&roots));
        }
        let mut config = Agent::config_builder();
        if loopback {
            // A proxy from the environment is for the way out of this
            // machine; a plain-http loopback base through it would hand the
            // secret to the proxy in clear text (Go's client bypasses
            // proxies for loopback the same way).
            config = config.proxy(None);
        }
        let config = config
            // ureq zero-fills each buffer before the first request (128 KiB
            // by default, 73 % of a token request's instructions). An answer
            // head here is small and a body is read through a bound anyway;
            // the head bound stays below the input buffer.
            .input_buffer_size(INPUT_BUFFER)
            .max_response_header_size(MAX_HEAD)
            .output_buffer_size(OUTPUT_BUFFER)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .user_agent(self.user_agent.as_str())
            .tls_config(tls.build())
            .build();
        Ok(Client {
            agent: Agent::with_parts(
                config,
                ureq::unversioned::transport::DefaultConnector::default(),
                crate::resolve::AddressFirst,
            ),
            api_base,
            loopback,
            timeout: self.timeout,
            deadline: self.deadline,
            retries: self.retries,
            trace: self.trace,
            redactor: self.redactor,
        })
    }
}

/// A client of the Jetpack Start partner API. Cheap to share between
/// threads: it holds one connection pool.
#[derive(Clone)]
pub struct Client {
    agent: Agent,
    api_base: String,
    /// The API base's host is this machine: no proxy is used.
    loopback: bool,
    timeout: Duration,
    deadline: Option<Instant>,
    retries: u32,
    trace: Option<Arc<TraceFn>>,
    redactor: Redactor,
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

    /// The same client (same connection pool, same settings) with one more
    /// trace: e.g. one per worker thread, to count each one's attempts.
    /// The client's own trace still sees every event, first.
    pub fn with_trace(&self, f: impl Fn(&TraceEvent) + Send + Sync + 'static) -> Client {
        let trace: Arc<TraceFn> = match self.trace.clone() {
            Some(first) => Arc::new(move |event: &TraceEvent| {
                first(event);
                f(event);
            }),
            None => Arc::new(f),
        };
        Client {
            trace: Some(trace),
            ..self.clone()
        }
    }

    /// The same client, with a moment no call may run past (the earlier of
    /// this and any deadline it had).
    pub fn with_deadline(&self, deadline: Instant) -> Client {
        Client {
            deadline: Some(self.deadline.map_or(deadline, |d| d.min(deadline))),
            ..self.clone()
        }
    }

    /// The budget of one whole call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The API base this client talks to, without a trailing `/`.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// Whether the API base is this machine (loopback), which no proxy
    /// is used for.
    pub(crate) fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The redactor this client masks errors with.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends a request and reads its answer: the one path every call
    /// takes, with the budget, the retries the endpoint's [`Repeat`]
    /// allows, the size limits, the masking of secrets and the trace.
    /// `token` is the bearer token, for every endpoint but the token grant;
    /// [`Session::send`](crate::Session::send) gives it for you.
    pub fn send<E: Endpoint>(
        &self,
        endpoint: &E,
        token: Option<&AccessToken>,
    ) -> Result<E::Answer, Error> {
        let reply = self.call(&|| prepare_request(endpoint), E::TOKEN, E::REPEAT, token)?;
        endpoint.decode(reply)
    }

    /// [`send`](Self::send) up to the answer's decoding: the part that is
    /// the same for every endpoint, compiled once. `request` gives the
    /// endpoint's path and body.
    pub(crate) fn call(
        &self,
        request: Prepare<'_>,
        kind: Token,
        repeat: Repeat,
        token: Option<&AccessToken>,
    ) -> Result<Reply, Error> {
        let (path, body) = request()?;
        let bearer = match kind {
            Token::None => None,
            Token::Partner => Some(token.ok_or_else(|| {
                Error::InvalidInput("this request needs the partner's access token".into())
            })?),
            Token::User => Some(token.ok_or_else(|| {
                Error::InvalidInput(
                    "this request needs a token a WordPress.com user approved".into(),
                )
            })?),
        };
        self.transmit(&path, bearer, body.as_ref(), repeat)
    }

    /// The part of [`send`](Self::send) that is the same for every
    /// endpoint (kept out of the generic function, so it is compiled once).
    fn transmit(
        &self,
        path: &str,
        bearer: Option<&AccessToken>,
        body: Option<&Body>,
        repeat: Repeat,
    ) -> Result<Reply, Error> {
        let url = format!("{}{path}", self.api_base);
        let secrets = match body {
            Some(Body::Form(form)) => form.secret_values(),
            _ => Vec::new(),
        };
        let redactor = self.request_redactor(bearer, secrets)?;
        let form = match body {
            None => {
                self.emit(|| TraceEvent::Request {
                    method: "GET",
                    url: mask_url_token(&url),
                    content_type: None,
                    content_length: 0,
                    fields: Vec::new(),
                    bearer: bearer.is_some(),
                });
                return self.exchange(repeat, &redactor, |budget| {
                    prepare(self.agent.get(&url), budget, bearer).call()
                });
            }
            Some(Body::Empty) => {
                return self.post_bytes(&url, bearer, repeat, &redactor, None, &[])
            }
            Some(Body::Json(value)) => {
                let bytes = serde_json::to_vec(value).map_err(|e| {
                    Error::InvalidInput(format!("the request cannot be written as JSON: {e}"))
                })?;
                return self.post_bytes(
                    &url,
                    bearer,
                    repeat,
                    &redactor,
                    Some("application/json"),
                    &bytes,
                );
            }
            Some(Body::Form(form)) => form,
        };
        let encoded = form.encode();
        self.emit(|| TraceEvent::Request {
            method: "POST",
            url: mask_url_token(&url),
            content_type: Some(encoded.content_type.clone()),
            content_length: encoded.content_length(),
            fields: form.describe(),
            bearer: bearer.is_some(),
        });
        self.exchange(repeat, &redactor, |budget| {
            prepare(self.agent.post(&url), budget, bearer)
                .header("Content-Type", &encoded.content_type)
                .send(&encoded.body[..])
        })
    }

    /// A `POST` of `bytes` (JSON, or nothing), traced without field names.
    fn post_bytes(
        &self,
        url: &str,
        bearer: Option<&AccessToken>,
        repeat: Repeat,
        redactor: &Redactor,
        content_type: Option<&str>,
        bytes: &[u8],
    ) -> Result<Reply, Error> {
        self.emit(|| TraceEvent::Request {
            method: "POST",
            url: mask_url_token(url),
            content_type: content_type.map(str::to_owned),
            content_length: bytes.len(),
            fields: Vec::new(),
            bearer: bearer.is_some(),
        });
        self.exchange(repeat, redactor, |budget| {
            let request = prepare(self.agent.post(url), budget, bearer);
            match content_type {
                Some(kind) => request.header("Content-Type", kind).send(bytes),
                None => request.send_empty(),
            }
        })
    }

    /// The secrets one request carries, checked and joined to the client's:
    /// its bearer token (kept by the client from now on) and its secret
    /// form fields (masked in this request's errors only, so that a batch
    /// of many sites does not grow the list without end).
    fn request_redactor(
        &self,
        bearer: Option<&AccessToken>,
        fields: Vec<(&str, &str)>,
    ) -> Result<Redactor, Error> {
        if let Some(token) = bearer {
            if token.expose().len() < MIN_SECRET_LEN {
                return Err(Error::InvalidInput(format!(
                    "the access token is shorter than {MIN_SECRET_LEN} characters: not a real token"
                )));
            }
            self.redactor.add(token.expose());
        }
        let mut values = Vec::new();
        for (name, value) in fields {
            if value.len() < MIN_SECRET_LEN {
                return Err(Error::InvalidInput(format!(
                    "{name} is shorter than {MIN_SECRET_LEN} characters; a secret that short \
                     cannot be kept out of logs, and is too easy to guess"
                )));
            }
            values.push(value);
        }
        Ok(self.redactor.with(&values))
    }

    /// Sends with `send(budget)` until an answer is final, the retries are
    /// spent, or the next wait would pass the call's budget.
    fn exchange(
        &self,
        repeat: Repeat,
        redactor: &Redactor,
        send: impl Fn(Duration) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Reply, Error> {
        let started = Instant::now();
        let budget_end = started + self.timeout;
        let deadline = self.deadline.map_or(budget_end, |d| d.min(budget_end));
        let mut attempt = 1;
        loop {
            let now = Instant::now();
            let budget = deadline.saturating_duration_since(now);
            let result = if budget.is_zero() {
                Err(out_of_time())
            } else {
                self.attempt(now, send(budget), redactor)
            };
            let error = match result {
                Err(e) if attempt <= self.retries && retry::is_retryable(&e, repeat) => e,
                other => return other,
            };
            let wait = retry::wait_before_next(attempt, &error);
            // A wait past the budget (a Retry-After of years, say) is not
            // waited: the call fails now, as temporary.
            if wait >= deadline.saturating_duration_since(Instant::now()) {
                return Err(error);
            }
            self.emit(|| TraceEvent::Retry {
                attempt,
                code: error.code().to_owned(),
                wait,
            });
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn attempt(
        &self,
        started: Instant,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        redactor: &Redactor,
    ) -> Result<Reply, Error> {
        let raw = sent
            .map_err(|e| match e {
                ureq::Error::Timeout(ureq::Timeout::Connect) => self.connect_timed_out(e, redactor),
                e => from_ureq(e, redactor),
            })
            .and_then(|answer| read(answer, redactor))
            .map_err(|e| match e {
                Error::Transport(mut t) => {
                    t.detail = format!("{} ({})", self.target(), t.detail);
                    Error::Transport(t)
                }
                other => other,
            });
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
        response::decode(raw?, redactor)
    }

    /// The API's host and port, as failures name it.
    pub(crate) fn target(&self) -> String {
        let (rest, port) = match strip_scheme_ci(&self.api_base, "https://") {
            Some(rest) => (rest, "443"),
            None => (
                strip_scheme_ci(&self.api_base, "http://").unwrap_or(&self.api_base),
                "80",
            ),
        };
        let authority = rest.split('/').next().unwrap_or_default();
        let has_port = authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| !p.contains(']'));
        if has_port {
            authority.to_owned()
        } else {
            format!("{authority}:{port}")
        }
    }

    /// A connection that did not open in time. Over https, ureq counts the
    /// TLS handshake in it: when the host takes a plain TCP connection at
    /// once, it was the handshake that got no answer (a plain-http server,
    /// such as the sandbox, behind an https:// base), and that is a TLS
    /// failure, not something to wait for again.
    pub(crate) fn connect_timed_out(&self, e: ureq::Error, redactor: &Redactor) -> Error {
        if strip_scheme_ci(&self.api_base, "https://").is_none() {
            return from_ureq(e, redactor);
        }
        let target = self.target();
        let answers = std::net::ToSocketAddrs::to_socket_addrs(&target)
            .ok()
            .and_then(|mut addrs| addrs.next())
            .is_some_and(|addr| {
                std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
            });
        if !answers {
            return from_ureq(e, redactor);
        }
        Error::Transport(Transport {
            kind: TransportKind::Tls,
            source: Some(Arc::new(e)),
            detail: "it took the connection but never answered the TLS handshake; is it a \
                     plain http server? (The sandbox is: give its http:// address as the API \
                     base)"
                .into(),
        })
    }

    /// Reports something that did not stop the work, through the trace.
    pub(crate) fn note(&self, text: String) {
        self.emit(|| TraceEvent::Note(text));
    }

    /// The connection pool, for a call of this crate that reads its answer
    /// itself (an archive, streamed to a file).
    pub(crate) fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Extra attempts after a temporary failure.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// The moment no call may run past, if one was set.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// A transport failure as an [`Error`] that names the API's host, as
    /// [`send`](Self::send) reports it.
    pub(crate) fn transport_error(&self, e: ureq::Error, redactor: &Redactor) -> Error {
        match from_ureq(e, redactor) {
            Error::Transport(mut t) => {
                t.detail = format!("{} ({})", self.target(), t.detail);
                Error::Transport(t)
            }
            other => other,
        }
    }

    /// The absolute address of a link the API gave, checked to be on the
    /// API base's own origin (scheme, host and port): a link that is a
    /// path (`/wpcom/v2/…`, as the reference writes it) is taken on that
    /// origin, and one on another origin is refused, so that what grants
    /// an archive is only ever sent where the API said it is, over the
    /// transport the API base was allowed. The error names origins only,
    /// never the link (its query holds its token).
    pub(crate) fn same_origin_url(&self, link: &str) -> Result<String, Error> {
        let unexpected = |reason: String| {
            Error::UnexpectedResponse(UnexpectedResponse {
                status: None,
                reason,
                excerpt: String::new(),
            })
        };
        if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(unexpected(
                "the archive's link holds white space or control characters".into(),
            ));
        }
        let ours = origin(&self.api_base)
            .ok_or_else(|| unexpected("the API base has no origin".into()))?;
        if link.starts_with('/') && !link.starts_with("//") {
            return Ok(format!("{}{link}", ours.text));
        }
        match origin(link) {
            Some(theirs) if theirs.same_as(&ours) => Ok(link.to_owned()),
            Some(theirs) => Err(unexpected(format!(
                "the archive's link is on {}, not on the API base's {}: it is not fetched \
                 from another host",
                theirs.text, ours.text
            ))),
            None => Err(unexpected(
                "the archive's link is neither an http(s) address nor a path".into(),
            )),
        }
    }

    pub(crate) fn emit(&self, event: impl FnOnce() -> TraceEvent) {
        if let Some(trace) = &self.trace {
            trace(&event());
        }
    }
}

/// Builds an endpoint's path and, for a `POST`, its body: what is checked
/// before anything is sent.
pub(crate) type Prepare<'a> = &'a dyn Fn() -> Result<(String, Option<Body>), Error>;

/// The path and body of `endpoint`, as [`Prepare`] gives them.
pub(crate) fn prepare_request<E: Endpoint>(endpoint: &E) -> Result<(String, Option<Body>), Error> {
    let path = endpoint.path()?;
    let body = match E::METHOD {
        Method::Post => Some(endpoint.body()?),
        Method::Get => None,
    };
    Ok((path, body))
}

/// What every attempt carries: its share of the budget, shorter connect and
/// read limits within it, `Accept`, and the bearer token if any.
pub(crate) fn prepare<B>(
    request: ureq::RequestBuilder<B>,
    budget: Duration,
    bearer: Option<&AccessToken>,
) -> ureq::RequestBuilder<B> {
    let request = request
        .config()
        .timeout_global(Some(budget))
        // Shorter than the budget, so that a handshake that never ends is
        // seen as such (and named) before the whole budget is gone.
        .timeout_connect(Some(budget.mul_f64(0.75).min(CONNECT_TIMEOUT)))
        .timeout_per_read(Some(budget.min(READ_TIMEOUT)))
        .build()
        .header("Accept", "application/json");
    match bearer {
        Some(token) => {
            // ureq copies the value; this copy is cleared when dropped.
            let value = zeroize::Zeroizing::new(format!("Bearer {}", token.expose()));
            request.header("Authorization", value.as_str())
        }
        None => request,
    }
}

/// Reads status, the headers we use, and at most [`MAX_BODY`] bytes.
fn read(mut answer: ureq::http::Response<ureq::Body>, redactor: &Redactor) -> Result<Raw, Error> {
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
            status: Some(status),
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
            other => from_ureq(other, redactor),
        })?;
    Ok(Raw {
        status,
        retry_after,
        location,
        body,
    })
}

/// A transport failure as an [`Error`]. ureq's texts can quote what the
/// server sent (a malformed status line, a header): they are masked,
/// cleaned and cut like any server-supplied text.
pub(crate) fn from_ureq(e: ureq::Error, redactor: &Redactor) -> Error {
    let text = || crate::error::clean_text(&redactor.clean(&e.to_string()), EXCERPT_CHARS);
    use std::io::ErrorKind;
    use ureq::Error as U;
    let kind = match &e {
        U::Timeout(_) => TransportKind::Timeout,
        U::HostNotFound => TransportKind::Dns,
        U::ConnectionFailed | U::ConnectProxyFailed(_) | U::InvalidProxyUrl => {
            TransportKind::Connect
        }
        U::Tls(_) | U::Pem(_) | U::Rustls(_) | U::TlsRequired => TransportKind::Tls,
        U::Io(io) if is_tls(io) => TransportKind::Tls,
        // The standard library's resolver reports getaddrinfo's failures
        // as I/O errors of no particular kind, with this text.
        U::Io(io) if io.to_string().contains("failed to lookup address") => TransportKind::Dns,
        U::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::AddrNotAvailable => TransportKind::Connect,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => TransportKind::Timeout,
            _ => TransportKind::Network,
        },
        U::BadUri(_) | U::Http(_) => {
            return Error::InvalidInput(format!("cannot build the request: {}", text()))
        }
        U::LargeResponseHeader(_, limit) => {
            return Error::UnexpectedResponse(UnexpectedResponse {
                status: None,
                reason: format!(
                    "the answer's head is larger than {limit} bytes (its status line and \
                     headers; no API answer has one so long)"
                ),
                excerpt: String::new(),
            })
        }
        U::Protocol(_) => {
            return Error::UnexpectedResponse(UnexpectedResponse {
                status: None,
                reason: format!("the answer is not valid HTTP: {}", text()),
                excerpt: String::new(),
            })
        }
        _ => TransportKind::Network,
    };
    let detail = plain_words(&e).map_or_else(text, str::to_owned);
    Error::Transport(Transport {
        kind,
        detail,
        source: Some(Arc::new(e)),
    })
}

/// What happened, in words, for the failures whose own text is jargon
/// (`timeout: global`, `io: Connection refused (os error 111)`).
fn plain_words(e: &ureq::Error) -> Option<&'static str> {
    use ureq::Error as U;
    use ureq::Timeout as T;
    Some(match e {
        U::Timeout(T::Global | T::PerCall) => "the time budget ran out",
        U::Timeout(T::Resolve) => "looking up the host name took too long",
        U::Timeout(T::Connect) => "no connection was made in time",
        U::Timeout(T::SendRequest | T::SendBody) => "sending the request took too long",
        U::Timeout(T::RecvResponse | T::Await100) => "no answer came in time",
        U::Timeout(T::RecvBody) => "the answer stopped coming",
        U::HostNotFound => "the host name does not resolve",
        U::ConnectionFailed => "the connection failed",
        U::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "the connection was refused",
            std::io::ErrorKind::ConnectionReset => "the connection was reset",
            std::io::ErrorKind::UnexpectedEof => "the connection closed before the answer ended",
            std::io::ErrorKind::TimedOut => "no answer came in time",
            _ => return None,
        },
        _ => return None,
    })
}

/// ureq hands rustls's verdicts (unknown issuer, wrong name, expired
/// certificate) over as I/O errors.
fn is_tls(io: &std::io::Error) -> bool {
    io.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

fn out_of_time() -> Error {
    Error::Transport(Transport {
        kind: TransportKind::Timeout,
        detail: "the time budget was spent before this attempt".into(),
        source: None,
    })
}

/// The certificates of a PEM bundle; none is an error.
/// A configuration that passed [`ClientBuilder::check`].
struct Checked {
    api_base: String,
    loopback: bool,
    roots: Option<Vec<Certificate<'static>>>,
}

fn certificates(pem: &[u8]) -> Result<Vec<Certificate<'static>>, Error> {
    let mut found = Vec::new();
    for item in ureq::tls::parse_pem(pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => found.push(cert),
            Ok(_) => {}
            Err(e) => {
                return Err(Error::InvalidInput(format!(
                    "the CA file is not valid PEM: {e}"
                )))
            }
        }
    }
    if found.is_empty() {
        return Err(Error::InvalidInput(
            "the CA file holds no certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(found)
}

/// `text` after `prefix`, matched without regard to case.
fn strip_scheme_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// The scheme, host and port of an `http(s)://` address, as the address
/// wrote them (`text`) and in the form two are compared in.
struct Origin {
    text: String,
    https: bool,
    host: String,
    port: u16,
}

impl Origin {
    fn same_as(&self, other: &Origin) -> bool {
        (self.https, &self.host, self.port) == (other.https, &other.host, other.port)
    }
}

/// The origin of an `http://` or `https://` address; `None` for anything
/// else, or an authority with user info.
fn origin(url: &str) -> Option<Origin> {
    let (https, rest) = match strip_scheme_ci(url, "https://") {
        Some(rest) => (true, rest),
        None => (false, strip_scheme_ci(url, "http://")?),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse::<u16>().ok()?),
        _ => (authority, if https { 443 } else { 80 }),
    };
    let scheme = if https { "https://" } else { "http://" };
    Some(Origin {
        text: format!("{scheme}{authority}"),
        https,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// Whether a URL host (without port) is this machine.
pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Accepts `http://` and `https://` bases with a host, an optional port
/// from 1 to 65535, and no query or fragment; drops trailing slashes.
/// Plain `http://` only to loopback, unless allowed. Gives the base and
/// whether its host is this machine.
fn check_api_base(base: &str, allow_insecure_http: bool) -> Result<(String, bool), Error> {
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
    if base.contains(['?', '#']) || base.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it must not hold a query, a fragment, white space or control characters");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return bad("it must not hold user info");
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((_, "")) => (authority, None),
            Some((address, tail)) => match tail.strip_prefix(':') {
                Some(port) => (&authority[..address.len() + 2], Some(port)),
                None => return bad("the IPv6 address must be followed by :PORT or nothing"),
            },
            None => return bad("the IPv6 address has no closing ']'"),
        },
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() || host == "[]" {
        return bad("it has no host");
    }
    if let Some(port) = port {
        // `u16::from_str` takes a sign; ureq would read a bad port as none
        // and connect to 80 or 443.
        let number = port
            .parse::<u16>()
            .ok()
            .filter(|_| port.bytes().all(|b| b.is_ascii_digit()));
        if !matches!(number, Some(1..)) {
            return bad(&format!(
                "the port {port:?} is not a number from 1 to 65535"
            ));
        }
    }
    let loopback = is_loopback(host);
    if lower.starts_with("http://") && !allow_insecure_http && !loopback {
        return Err(Error::InvalidInput(format!(
            "API base {base:?} is plain http to a host that is not this machine: the secret \
             and tokens would cross the network unencrypted; use https://, or allow plain \
             http on purpose"
        )));
    }
    Ok((base.trim_end_matches('/').to_owned(), loopback))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;

    #[test]
    fn api_base_is_checked_and_trimmed() {
        let ok = |b: &str| {
            check_api_base(b, false)
                .map(|(base, _)| base)
                .unwrap_or_else(|e| panic!("{b}: {e}"))
        };
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
            "http://127.0.0.1:99999",
            "http://127.0.0.1:-1",
            "http://127.0.0.1:+80",
            "http://127.0.0.1:0",
            "http://127.0.0.1:",
            "http://127.0.0.1:80x",
            "https://[::1",
            "https://[::1]x",
            "https://:443",
            "https://x\u{7f}y",
        ] {
            assert!(
                matches!(check_api_base(bad, false), Err(Error::InvalidInput(_))),
                "{bad}"
            );
        }
        assert_eq!(ok("http://localhost:8080/"), "http://localhost:8080");
        assert_eq!(ok("http://[::1]:8080"), "http://[::1]:8080");
        assert_eq!(ok("http://127.9.9.9"), "http://127.9.9.9");
    }

    #[test]
    fn plain_http_leaves_this_machine_only_when_allowed() {
        for remote in [
            "http://public-api.wordpress.com",
            "http://10.0.0.1:80",
            "http://127.example.com",
        ] {
            let refused = check_api_base(remote, false);
            assert!(
                matches!(&refused, Err(Error::InvalidInput(m)) if m.contains("allow plain http")),
                "{remote}: {refused:?}"
            );
            assert!(check_api_base(remote, true).is_ok(), "{remote}");
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        for pem in [
            &b""[..],
            b"not pem",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            let built = Client::builder().root_certificates_pem(pem).build();
            assert!(matches!(built, Err(Error::InvalidInput(_))), "{pem:?}");
        }
    }

    #[test]
    fn an_archive_link_is_fetched_only_from_the_api_base_origin() -> Result<(), Error> {
        let client = Client::builder()
            .api_base("https://Public-API.wordpress.com/prefix")
            .build()?;
        let link = "/wpcom/v2/sites/1/rewind/downloads/2/data?token=t0k3n";
        assert_eq!(
            client.same_origin_url(link)?,
            format!("https://Public-API.wordpress.com{link}")
        );
        for same in [
            "https://public-api.wordpress.com/x/data?token=t0k3n",
            "HTTPS://public-api.wordpress.com:443/x?token=t0k3n",
        ] {
            assert_eq!(client.same_origin_url(same)?, same);
        }
        for other in [
            "http://public-api.wordpress.com/x?token=t0k3n",
            "https://public-api.wordpress.com:8443/x?token=t0k3n",
            "https://evil.example/x?token=t0k3n",
            "https://public-api.wordpress.com@evil.example/x?token=t0k3n",
            "//evil.example/x?token=t0k3n",
            "ftp://public-api.wordpress.com/x",
            "https://public-api.wordpress.com/x y",
        ] {
            let refused = client.same_origin_url(other);
            assert!(
                matches!(&refused, Err(Error::UnexpectedResponse(u)) if !u.reason.contains("t0k3n")),
                "{other}: {refused:?}"
            );
        }
        Ok(())
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
                client.send(&crate::TokenGrant::new(&c), None),
                Err(Error::InvalidInput(_))
            ));
        }
        Ok(())
    }
}
