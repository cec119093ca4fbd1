//! Errors, and the error shapes the API answers with.
//!
//! The API refuses in four JSON shapes, all read by [`ApiError::from_json`]:
//!
//! * WordPress.com REST: `{"error": "code", "message": "text"}`
//! * the partner documents: `{"error_code": "code", "error_message": "text"}`
//! * OAuth 2: `{"error": "code", "error_description": "text"}`
//! * WordPress REST (`wpcom/v2`): `{"code": "code", "message": "text", "data": {…}}`

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

/// Everything that can go wrong in a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API refused: an HTTP error with an error body, or `success: false`.
    Api(ApiError),
    /// The request did not get an answer: DNS, connect, TLS, time-out.
    Transport(Transport),
    /// The service answered that it is unavailable for now: 429, or a 5xx.
    Unavailable(Unavailable),
    /// An answer that is not what the API sends: not JSON, the wrong shape,
    /// too large, a redirect.
    UnexpectedResponse(UnexpectedResponse),
    /// Bad input from the caller; nothing was sent.
    InvalidInput(String),
    /// A local file or stream could not be read or written.
    Io {
        /// What was being done, naming the file.
        context: String,
        /// The cause.
        source: io::Error,
    },
    /// A long operation (a restore, an archive, a fix) had not ended when
    /// the time to wait for it ran out. It goes on; follow it by its ID.
    StillRunning(StillRunning),
    /// A long operation ended without success: a restore that ended
    /// `fail`, `aborted` or `killed`, a fix that failed.
    Ended(Ended),
}

impl Error {
    /// A short, stable, machine-readable name for the error. For
    /// [`Error::Api`] it is the API's own code (see [`ApiErrorCode`]); for
    /// the others one of `connect_failed`, `dns_failed`, `tls_error`,
    /// `timeout`, `network_error`, `rate_limited`, `service_unavailable`,
    /// `unexpected_response`, `invalid_input`, `io_error`, `still_running`,
    /// or for [`Error::Ended`] the operation's end state (`fail`, …). Match on the
    /// variant, not on this text, to tell the API's refusals from local
    /// failures.
    pub fn code(&self) -> &str {
        match self {
            Error::Api(e) => e.code.as_str(),
            Error::Transport(t) => t.kind.code(),
            Error::Unavailable(u) if u.status == 429 => "rate_limited",
            Error::Unavailable(_) => "service_unavailable",
            Error::UnexpectedResponse(_) => "unexpected_response",
            Error::InvalidInput(_) => "invalid_input",
            Error::Io { .. } => "io_error",
            Error::StillRunning(_) => "still_running",
            Error::Ended(e) => e.state.as_str(),
        }
    }

    /// The API's code, when the API refused.
    pub fn api_code(&self) -> Option<&ApiErrorCode> {
        match self {
            Error::Api(e) => Some(&e.code),
            _ => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(
            self,
            Error::Transport(_) | Error::Unavailable(_) | Error::StillRunning(_)
        )
    }

    /// Whether the API refused the access token (invalid, revoked,
    /// expired): a new one may do.
    pub fn is_token_refused(&self) -> bool {
        matches!(self, Error::Api(api)
            if matches!(api.status, 400 | 401 | 403) && api.code.is_token_refused())
    }

    /// The HTTP status of the answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Unavailable(u) => Some(u.status),
            Error::UnexpectedResponse(u) => u.status,
            _ => None,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport(t) => t.fmt(f),
            Error::Unavailable(u) => u.fmt(f),
            Error::UnexpectedResponse(u) => u.fmt(f),
            Error::InvalidInput(msg) => f.write_str(msg),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::StillRunning(e) => e.fmt(f),
            Error::Ended(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Transport(t) => t
                .source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

/// The API's error codes: the documented ones by name, any other as
/// [`ApiErrorCode::Other`]. Two are the client's own reading of an answer
/// that has no code: [`Unsuccessful`](ApiErrorCode::Unsuccessful) and
/// [`NothingToCancel`](ApiErrorCode::NothingToCancel).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorCode {
    /// `invalid_client`: the partner ID or secret is wrong.
    InvalidClient,
    /// `invalid_request`: the token request is malformed.
    InvalidRequest,
    /// `invalid_grant`.
    InvalidGrant,
    /// `unauthorized_client`.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`: the token or key may not do this.
    InvalidScope,
    /// `invalid_token`: the access token is not valid.
    InvalidToken,
    /// `unauthorized`.
    Unauthorized,
    /// `token_revoked`.
    TokenRevoked,
    /// `expired_token`.
    ExpiredToken,
    /// `invalid_siteurl`.
    InvalidSiteurl,
    /// `invalid_local_user`.
    InvalidLocalUser,
    /// `plan_downgrade_disallowed`.
    PlanDowngradeDisallowed,
    /// `invalid_plan`.
    InvalidPlan,
    /// `method_not_found`: Jetpack is not active, or the site needs
    /// `force_register`.
    MethodNotFound,
    /// `invalid_input`: e.g. a subscription that cannot be deleted.
    InvalidInput,
    /// `not_jps_plan`: the plan was not provisioned by Jetpack Start.
    NotJpsPlan,
    /// `invalid_blog`: the API knows no such site.
    InvalidBlog,
    /// `incorrect_partner_key`: another partner provisioned it.
    IncorrectPartnerKey,
    /// `partner_key_disabled`.
    PartnerKeyDisabled,
    /// `activation_limit_reached`.
    ActivationLimitReached,
    /// `rate_limited`: the API's own code for a 429.
    RateLimited,
    /// `unsuccessful`: `"success": false` without a code.
    Unsuccessful,
    /// `nothing_to_cancel`: a cancel that found nothing of this partner.
    NothingToCancel,
    /// Any other code, as the API sent it (cleaned).
    Other(String),
}

/// The named codes and their text.
const NAMED_CODES: &[(ApiErrorCode, &str)] = &[
    (ApiErrorCode::InvalidClient, "invalid_client"),
    (ApiErrorCode::InvalidRequest, "invalid_request"),
    (ApiErrorCode::InvalidGrant, "invalid_grant"),
    (ApiErrorCode::UnauthorizedClient, "unauthorized_client"),
    (ApiErrorCode::UnsupportedGrantType, "unsupported_grant_type"),
    (ApiErrorCode::InvalidScope, "invalid_scope"),
    (ApiErrorCode::InvalidToken, "invalid_token"),
    (ApiErrorCode::Unauthorized, "unauthorized"),
    (ApiErrorCode::TokenRevoked, "token_revoked"),
    (ApiErrorCode::ExpiredToken, "expired_token"),
    (ApiErrorCode::InvalidSiteurl, "invalid_siteurl"),
    (ApiErrorCode::InvalidLocalUser, "invalid_local_user"),
    (
        ApiErrorCode::PlanDowngradeDisallowed,
        "plan_downgrade_disallowed",
    ),
    (ApiErrorCode::InvalidPlan, "invalid_plan"),
    (ApiErrorCode::MethodNotFound, "method_not_found"),
    (ApiErrorCode::InvalidInput, "invalid_input"),
    (ApiErrorCode::NotJpsPlan, "not_jps_plan"),
    (ApiErrorCode::InvalidBlog, "invalid_blog"),
    (ApiErrorCode::IncorrectPartnerKey, "incorrect_partner_key"),
    (ApiErrorCode::PartnerKeyDisabled, "partner_key_disabled"),
    (
        ApiErrorCode::ActivationLimitReached,
        "activation_limit_reached",
    ),
    (ApiErrorCode::RateLimited, "rate_limited"),
    (ApiErrorCode::Unsuccessful, "unsuccessful"),
    (ApiErrorCode::NothingToCancel, "nothing_to_cancel"),
];

impl ApiErrorCode {
    /// The code as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            ApiErrorCode::Other(code) => code,
            named => NAMED_CODES
                .iter()
                .find(|(code, _)| code == named)
                .map_or("", |(_, text)| text),
        }
    }

    /// The code for a text: a named one, or [`ApiErrorCode::Other`].
    pub fn from_text(text: &str) -> ApiErrorCode {
        NAMED_CODES
            .iter()
            .find(|(_, named)| *named == text)
            .map_or_else(
                || ApiErrorCode::Other(text.to_owned()),
                |(code, _)| code.clone(),
            )
    }

    /// The ways the API says a token is no good (section 1 of the
    /// reference).
    pub fn is_token_refused(&self) -> bool {
        matches!(
            self,
            ApiErrorCode::InvalidToken
                | ApiErrorCode::Unauthorized
                | ApiErrorCode::TokenRevoked
                | ApiErrorCode::ExpiredToken
        )
    }

    /// The partner's credentials or key are no good, not one request: the
    /// token grant's refusals, a token the API will not take, a key that
    /// may not do this or is disabled.
    pub fn is_credential_refused(&self) -> bool {
        self.is_token_refused()
            || matches!(
                self,
                ApiErrorCode::InvalidClient
                    | ApiErrorCode::UnauthorizedClient
                    | ApiErrorCode::InvalidGrant
                    | ApiErrorCode::InvalidScope
                    | ApiErrorCode::PartnerKeyDisabled
            )
    }
}

impl fmt::Display for ApiErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal from the API, in any of its shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status (from the envelope, when the answer was wrapped; 200
    /// for a `"success": false`).
    pub status: u16,
    /// The API's error code.
    pub code: ApiErrorCode,
    /// The API's message for people, cleaned and cut short.
    pub message: String,
    /// The error body as the API sent it (unwrapped from an envelope),
    /// secrets masked.
    pub body: Value,
}

impl ApiError {
    /// Reads an error from a JSON answer, whichever of the four shapes it
    /// has. `None` when the body holds no error code (an empty string is
    /// none: [`Error::code`] is never empty). The code and the message are
    /// cleaned for printing and cut short (at most 500 characters of
    /// message); `body` keeps the answer as it came.
    pub fn from_json(status: u16, body: &Value) -> Option<ApiError> {
        let text = |key: &str| body.get(key).and_then(Value::as_str);
        let code = |key: &str| text(key).filter(|code| !code.is_empty());
        // `code` last: the WordPress REST shape of the `wpcom/v2` routes,
        // `{"code": …, "message": …, "data": {"status": …}}`.
        let code = code("error_code")
            .or_else(|| code("error"))
            .or_else(|| code("code"))?;
        let code = clean_text(code, CODE_CHARS);
        if code.is_empty() {
            return None;
        }
        let message = text("error_message")
            .or_else(|| text("message"))
            .or_else(|| text("error_description"))
            .unwrap_or("");
        Some(ApiError {
            status,
            code: ApiErrorCode::from_text(&code),
            message: clean_text(message, MESSAGE_CHARS),
            body: body.clone(),
        })
    }
}
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the API refused (HTTP {}): {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

/// Why a request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// The connection was refused or could not be made.
    Connect,
    /// The TLS handshake failed (certificate, host name, protocol).
    Tls,
    /// The time budget ran out.
    Timeout,
    /// The connection broke during the exchange (reset, closed early).
    Network,
}

impl TransportKind {
    /// The stable code of this kind.
    pub fn code(self) -> &'static str {
        match self {
            TransportKind::Dns => "dns_failed",
            TransportKind::Connect => "connect_failed",
            TransportKind::Tls => "tls_error",
            TransportKind::Timeout => "timeout",
            TransportKind::Network => "network_error",
        }
    }
}

/// A request that got no answer.
#[derive(Clone, Debug)]
pub struct Transport {
    /// What kind of failure.
    pub kind: TransportKind,
    /// What happened, for people: where, and in words.
    pub detail: String,
    /// The failure underneath, as the HTTP or TLS stack reported it.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, advice) = match self.kind {
            TransportKind::Dns => (
                "could not resolve the API host",
                "check the API base and this machine's DNS",
            ),
            TransportKind::Connect => (
                "could not connect to the API",
                "check the API base; if it is right, the service or the network is down: \
                 try again later",
            ),
            TransportKind::Tls => (
                "TLS failed with the API host",
                "check the API base, the clock, and which certificates are trusted",
            ),
            TransportKind::Timeout => (
                "the API did not answer in time",
                "try again later, or give the call a longer time budget",
            ),
            TransportKind::Network => ("the connection to the API broke", "try again later"),
        };
        write!(f, "{what} at {}; {advice}", self.detail)
    }
}

/// The service said it cannot serve now: 429 or 5xx.
#[derive(Clone, Debug)]
pub struct Unavailable {
    /// 429, 500, 502, 503, 504…
    pub status: u16,
    /// The API's own error code, when the answer had one.
    pub code: Option<String>,
    /// What the `Retry-After` header asked for, when it did.
    pub retry_after: Option<Duration>,
    /// A short, cleaned excerpt of the body.
    pub excerpt: String,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status == 429 {
            write!(f, "the API is rate limiting requests (HTTP 429)")?;
        } else {
            write!(f, "the API is unavailable (HTTP {})", self.status)?;
        }
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if let Some(d) = self.retry_after {
            write!(f, "; it asks to retry after {}s", d.as_secs())?;
        }
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        Ok(())
    }
}

/// A long operation that was still going when the wait for it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StillRunning {
    /// What it is, in words: `restore`, `backup download`, `threat fix`.
    pub what: String,
    /// The ID to follow it with (a restore ID, a download ID, threat IDs).
    pub id: String,
    /// Its last state, as the API gave it (`queued`, `running`, …).
    pub state: String,
    /// Its last progress in percent, when the API gave one.
    pub percent: Option<u8>,
    /// How long it was waited for.
    pub waited: Duration,
}

impl fmt::Display for StillRunning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} {} was still {} after {}s",
            self.what,
            self.id,
            if self.state.is_empty() {
                "going"
            } else {
                &self.state
            },
            self.waited.as_secs()
        )?;
        if let Some(percent) = self.percent {
            write!(f, " ({percent}%)")?;
        }
        write!(f, "; it goes on: follow it by its ID")
    }
}

/// A long operation that ended without success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    /// What it is, in words.
    pub what: String,
    /// Its ID.
    pub id: String,
    /// The state it ended in, as the API gave it (`fail`, `aborted`,
    /// `killed`, …), cleaned: the error code.
    pub state: String,
    /// Why, when the API said (a failure reason, a message), cleaned and
    /// cut short.
    pub reason: String,
}

impl Ended {
    /// An ended operation; `state` and `reason` are cleaned for printing.
    pub fn new(what: &str, id: &str, state: &str, reason: &str) -> Ended {
        let state = clean_text(state, CODE_CHARS);
        Ended {
            what: what.to_owned(),
            id: id.to_owned(),
            state: if state.is_empty() {
                "failed".to_owned()
            } else {
                state
            },
            reason: clean_text(reason, MESSAGE_CHARS),
        }
    }
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} {} ended: {}", self.what, self.id, self.state)?;
        if !self.reason.is_empty() {
            write!(f, ": {}", self.reason)?;
        }
        Ok(())
    }
}

/// An answer that is not what the API sends.
#[derive(Clone, Debug)]
pub struct UnexpectedResponse {
    /// HTTP status of the answer; `None` when it was not valid HTTP.
    pub status: Option<u16>,
    /// What is wrong with it.
    pub reason: String,
    /// At most 200 characters of the body, control characters removed.
    pub excerpt: String,
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(
                f,
                "unexpected answer from the API (HTTP {status}): {}",
                self.reason
            )?,
            None => write!(f, "unexpected answer from the API: {}", self.reason)?,
        }
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        Ok(())
    }
}

/// Longest excerpt of a body that errors carry, in characters.
pub const EXCERPT_CHARS: usize = 200;

/// Longest message from the API that an [`ApiError`] keeps, in characters.
pub const MESSAGE_CHARS: usize = 500;

/// Longest error code from the API that an [`ApiError`] keeps.
const CODE_CHARS: usize = 100;

/// A short, printable excerpt of a body: control characters removed, runs
/// of white space folded, at most [`EXCERPT_CHARS`] characters.
pub fn excerpt(body: &[u8]) -> String {
    clean_text(&String::from_utf8_lossy(body), EXCERPT_CHARS)
}

/// Server-supplied text made safe to print on one line: control
/// characters, bidirectional overrides and invisible format characters
/// removed (they could rewrite a terminal or disguise a log line), runs of
/// white space folded into one space, and at most `max_chars` characters
/// kept, with `…` when cut.
pub(crate) fn clean_text(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c.is_control() || is_invisible(c) || (c == ' ' && last_space) {
            continue;
        }
        if count == max_chars {
            out.push('…');
            break;
        }
        last_space = c == ' ';
        out.push(c);
        count += 1;
    }
    out.trim_end().to_owned()
}

/// Format characters that change how text around them shows: bidi
/// embeddings, overrides and isolates, marks, zero-width characters, the
/// byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_four_error_shapes() {
        for (body, code, message) in [
            (
                json!({"error": "invalid_blog", "message": "The blog ID 5 is invalid"}),
                "invalid_blog",
                "The blog ID 5 is invalid",
            ),
            (
                json!({"error_code": "invalid_plan", "error_message": "x is not a valid plan"}),
                "invalid_plan",
                "x is not a valid plan",
            ),
            (
                json!({"success": false, "error_code": "activation_limit_reached", "error_message": "m"}),
                "activation_limit_reached",
                "m",
            ),
            (
                json!({"error": "invalid_client", "error_description": "Unknown client_id."}),
                "invalid_client",
                "Unknown client_id.",
            ),
            (json!({"error": "invalid_request"}), "invalid_request", ""),
            (
                json!({"code": "rest_forbidden", "message": "Sorry.", "data": {"status": 403}}),
                "rest_forbidden",
                "Sorry.",
            ),
        ] {
            let e = ApiError::from_json(400, &body).unwrap_or_else(|| panic!("{body}"));
            assert_eq!((e.code.as_str(), e.message.as_str()), (code, message));
            assert_eq!(e.code, ApiErrorCode::from_text(code));
            assert_eq!(e.body, body);
        }
    }

    #[test]
    fn no_code_is_no_api_error() {
        assert!(ApiError::from_json(400, &json!({"message": "x"})).is_none());
        assert!(ApiError::from_json(400, &json!({"error": {"nested": 1}})).is_none());
        assert!(ApiError::from_json(400, &json!([1, 2])).is_none());
        assert!(ApiError::from_json(400, &json!({"error": ""})).is_none());
        assert!(ApiError::from_json(400, &json!({"error_code": "", "error": ""})).is_none());
    }

    #[test]
    fn an_empty_code_gives_way_to_the_other_shape() {
        let body = json!({"error_code": "", "error": "invalid_blog"});
        let e = ApiError::from_json(403, &body).map(|e| e.code);
        assert_eq!(e, Some(ApiErrorCode::InvalidBlog));
    }

    #[test]
    fn named_codes_read_back_and_others_are_kept() {
        for (code, text) in NAMED_CODES {
            assert_eq!(code.as_str(), *text);
            assert_eq!(&ApiErrorCode::from_text(text), code);
        }
        let other = ApiErrorCode::from_text("timeout");
        assert_eq!(other, ApiErrorCode::Other("timeout".into()));
        // An API code that spells a local one stays the API's.
        let e = Error::Api(ApiError {
            status: 400,
            code: other,
            message: String::new(),
            body: serde_json::Value::Null,
        });
        assert!(!e.is_temporary() && e.api_code().is_some());
    }

    #[test]
    fn transport_errors_chain_their_cause() {
        use std::error::Error as _;
        let cause = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let e = Error::Transport(Transport {
            kind: TransportKind::Connect,
            detail: "127.0.0.1:9 (the connection was refused)".into(),
            source: Some(std::sync::Arc::new(cause)),
        });
        assert!(e.source().is_some());
    }

    #[test]
    fn excerpt_is_short_and_clean() {
        let body = format!(
            "<html>\r\n\t<h1>502\x07 Bad\0 Gateway</h1>{}",
            "x".repeat(500)
        );
        let e = excerpt(body.as_bytes());
        assert!(e.starts_with("<html> <h1>502 Bad Gateway</h1>xx"), "{e}");
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(!e.chars().any(char::is_control));
        assert_eq!(excerpt(b"  \n "), "");
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn codes_and_temporariness() {
        let unavailable = |status| {
            Error::Unavailable(Unavailable {
                status,
                code: None,
                retry_after: None,
                excerpt: String::new(),
            })
        };
        assert_eq!(unavailable(429).code(), "rate_limited");
        assert_eq!(unavailable(503).code(), "service_unavailable");
        assert!(unavailable(502).is_temporary());
        let t = Error::Transport(Transport {
            kind: TransportKind::Timeout,
            detail: "x".into(),
            source: None,
        });
        assert_eq!((t.code(), t.is_temporary()), ("timeout", true));
        assert!(!Error::InvalidInput("x".into()).is_temporary());
    }
}
