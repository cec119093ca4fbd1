//! Jetpack Monitor's downtime webhook, the host's side, without a server:
//! reading and checking a notification, choosing the answer, and the
//! journal that records each one.
//!
//! Right before it emails a site's owner about an outage, Jetpack Monitor
//! may POST to the site's host a JSON body such as
//! `{"ts":1385139152,"url":"http:\/\/example.com","code":403,"host":"example","type":"http"}`.
//! The host answers 200 with the body `ok` (an unexpected outage), or with
//! a UTC time (`2017-11-05T13:15:30Z`, a planned outage: back by then).
//! Nothing in the call is signed: the body is untrusted, and an outage is
//! to be confirmed by other means.
//!
//! ```
//! use jetpack_partner::monitor::{Answer, Notification};
//! use jetpack_partner::UtcTime;
//!
//! let body = br#"{"ts":1385139152,"url":"http:\/\/example.com","code":403,"host":"example","type":"http"}"#;
//! let notification = Notification::parse(body)?;
//! assert!(notification.is_down());
//! let now = UtcTime::parse_rfc3339("2017-11-05T12:00:00Z")?;
//! let until = UtcTime::parse_rfc3339("2017-11-05T13:15:30Z")?;
//! assert_eq!(Answer::choose(&notification, None, None, now).body(), "ok");
//! assert_eq!(
//!     Answer::choose(&notification, None, Some(until), now).body(),
//!     "2017-11-05T13:15:30Z"
//! );
//! # Ok::<(), jetpack_partner::Error>(())
//! ```

mod journal;

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

pub use journal::Journal;

use crate::auth::Secret;
use crate::batch::UniqueObject;
use crate::error::Error;
use crate::time::UtcTime;

/// Largest body read, in bytes. The documented body is under 100 bytes.
pub const MAX_BODY: usize = 16 * 1024;

/// Longest `url` accepted, in bytes.
const MAX_URL: usize = 2048;

/// Longest `host` or `type`, in bytes.
const MAX_NAME: usize = 255;

/// One notification, checked: the documented fields, and any others the
/// body held, kept as they came.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    /// When the last check ran, in seconds since 1970.
    pub ts: u64,
    /// The URL checked: `http://` or `https://`, no blank or control
    /// character.
    pub url: String,
    /// The highest status any checking node saw; 0 when the check timed
    /// out. Anything but 2xx means down.
    pub code: u16,
    /// The slug of the host Monitor takes the site to be at.
    pub host: Option<String>,
    /// The kind of check (`type`; only `http` is documented).
    pub kind: Option<String>,
    /// Fields the documentation does not name.
    pub extra: Map<String, Value>,
}

/// The documented fields first, in the documented order, then the others.
impl Serialize for Notification {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("ts", &self.ts)?;
        map.serialize_entry("url", &self.url)?;
        map.serialize_entry("code", &self.code)?;
        if let Some(host) = &self.host {
            map.serialize_entry("host", host)?;
        }
        if let Some(kind) = &self.kind {
            map.serialize_entry("type", kind)?;
        }
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Notification {
    /// Reads a notification from a request body. `ts`, `url` and `code`
    /// are required, `host` and `type` may be left out; each must have the
    /// documented type. The error says what is wrong without repeating the
    /// body, which is untrusted.
    pub fn parse(body: &[u8]) -> Result<Notification, Error> {
        if body.len() > MAX_BODY {
            return Err(invalid(format!("the body is over {MAX_BODY} bytes")));
        }
        // As text: the batch input's reader, so no second copy of it.
        let text = std::str::from_utf8(body).map_err(|_| invalid("the body is not JSON".into()))?;
        let mut fields = match serde_json::from_str::<UniqueObject>(text) {
            Ok(UniqueObject(fields)) => fields,
            Err(e) if e.is_data() => {
                return Err(invalid(
                    "the body is not a JSON object with each key once".into(),
                ))
            }
            Err(_) => return Err(invalid("the body is not JSON".into())),
        };
        let ts = required(&mut fields, "ts")?;
        let url = required(&mut fields, "url")?;
        let code = required(&mut fields, "code")?;
        let host = fields.remove("host");
        let kind = fields.remove("type");
        Ok(Notification {
            ts: ts
                .as_u64()
                .ok_or_else(|| invalid("\"ts\" is not a whole number of seconds".into()))?,
            url: checked_url(url)?,
            code: code
                .as_u64()
                .and_then(|c| u16::try_from(c).ok())
                .filter(|&c| c <= 999)
                .ok_or_else(|| invalid("\"code\" is not an HTTP status (0 to 999)".into()))?,
            host: host.map(|v| name(v, "host")).transpose()?,
            kind: kind.map(|v| name(v, "type")).transpose()?,
            extra: fields,
        })
    }

    /// Whether the site was down at the last check: any code but 2xx.
    pub fn is_down(&self) -> bool {
        !(200..300).contains(&self.code)
    }

    /// The notification as one line of JSON, as a hook reads it on stdin.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidInput(message)
}

fn required(fields: &mut Map<String, Value>, key: &str) -> Result<Value, Error> {
    fields
        .remove(key)
        .ok_or_else(|| invalid(format!("\"{key}\" is missing")))
}

/// One printable word: no blank or control character.
fn is_word(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn checked_url(value: Value) -> Result<String, Error> {
    let Value::String(url) = value else {
        return Err(invalid("\"url\" is not a string".into()));
    };
    let lower = url.get(..8).unwrap_or(&url).to_ascii_lowercase();
    let scheme = lower.starts_with("http://") || lower.starts_with("https://");
    if !scheme || url.len() > MAX_URL || !is_word(&url) {
        return Err(invalid(format!(
            "\"url\" is not an http:// or https:// URL of at most {MAX_URL} bytes \
             without blanks or control characters"
        )));
    }
    Ok(url)
}

fn name(value: Value, key: &str) -> Result<String, Error> {
    match value {
        Value::String(text) if text.len() <= MAX_NAME && is_word(&text) => Ok(text),
        Value::String(_) => Err(invalid(format!(
            "\"{key}\" is not one word of at most {MAX_NAME} bytes"
        ))),
        _ => Err(invalid(format!("\"{key}\" is not a string"))),
    }
}

/// The answer to a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `ok`: an outage the host did not expect.
    Ok,
    /// A planned outage: the site should be back by then.
    Until(UtcTime),
}

impl Answer {
    /// The answer for `notification` at `now`: the hook's time if it gave
    /// one, else `quiet_until`, as long as that time is still to come;
    /// otherwise `ok`. A recovery (a 2xx code) is always answered `ok`:
    /// there is no outage to be back from.
    pub fn choose(
        notification: &Notification,
        hook: Option<UtcTime>,
        quiet_until: Option<UtcTime>,
        now: UtcTime,
    ) -> Answer {
        if !notification.is_down() {
            return Answer::Ok;
        }
        [hook, quiet_until]
            .into_iter()
            .flatten()
            .find(|&until| until > now)
            .map_or(Answer::Ok, Answer::Until)
    }

    /// The body of the 200 answer: exactly `ok`, or the time.
    pub fn body(&self) -> String {
        match self {
            Answer::Ok => "ok".into(),
            Answer::Until(time) => time.zulu().to_string(),
        }
    }
}

/// What a hook's standard output says: one RFC 3339 time (blanks and line
/// ends around it are ignored), or nothing usable.
pub fn hook_time(stdout: &[u8]) -> Option<UtcTime> {
    let text = std::str::from_utf8(stdout).ok()?.trim();
    UtcTime::parse_rfc3339(text).ok()
}

/// How the hook ran, as the journal records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookOutcome {
    /// It exited 0 and printed a time.
    Time,
    /// It exited 0 and printed no time.
    NoTime,
    /// It exited with another status, or was killed by a signal.
    Failed,
    /// It ran past its bound and was killed.
    TimedOut,
    /// It could not be started.
    NotStarted,
}

/// One line of the journal: a notification and what was done with it.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    /// When it was received.
    pub received: String,
    /// The peer's address (a proxy's, behind one).
    pub remote: String,
    /// The `X-Forwarded-For` header a proxy set, cleaned; unchecked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded_for: Option<String>,
    /// The notification, as checked.
    pub notification: &'a Notification,
    /// Whether its code says the site is down.
    pub down: bool,
    /// How the hook ran, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookOutcome>,
    /// The body answered: `ok` or a time.
    pub answer: String,
}

/// The shared secret a caller must present (`--require-token-file`): as
/// the last segment of the request's path, or as `Authorization: Bearer
/// TOKEN`. Only its SHA-256 digest is kept, and candidates are compared
/// digest to digest in constant time, so neither the value nor its length
/// shows in how long a refusal takes.
pub struct Token {
    digest: [u8; 32],
}

/// Shortest token accepted: 128 bits in hexadecimal.
pub const MIN_TOKEN_LEN: usize = 32;

impl Token {
    /// A token from a secret: at least [`MIN_TOKEN_LEN`] characters, each
    /// a letter, a digit, `-`, `_`, `.` or `~`, so that it stands in a URL
    /// path and a header as it is (e.g. `openssl rand -hex 32`).
    pub fn new(secret: &Secret) -> Result<Token, Error> {
        let value = secret.expose();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.~".contains(c);
        if value.len() < MIN_TOKEN_LEN || !value.chars().all(allowed) {
            return Err(invalid(format!(
                "the token must be at least {MIN_TOKEN_LEN} characters, each a letter, a \
                 digit, '-', '_', '.' or '~' (make one with: openssl rand -hex 32)"
            )));
        }
        Ok(Token {
            digest: digest(value.as_bytes()),
        })
    }

    /// Whether a request presents the token: in the last segment of its
    /// `target` (the query left aside), or in its `Authorization` header.
    pub fn admits(&self, target: &str, authorization: Option<&[u8]>) -> bool {
        let path = target.split(['?', '#']).next().unwrap_or_default();
        let segment = path.rsplit('/').next().unwrap_or_default();
        let bearer = authorization
            .and_then(|value| value.strip_prefix(b"Bearer "))
            .unwrap_or_default();
        // Both are compared, whichever matches.
        self.matches(segment.as_bytes()) | self.matches(bearer)
    }

    fn matches(&self, candidate: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        !candidate.is_empty() && bool::from(digest(candidate).ct_eq(&self.digest))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENTED: &[u8] =
        br#"{"ts":1385139152,"url":"http:\/\/example.com","code":403,"host":"example","type":"http"}"#;

    fn refusal(body: &str) -> String {
        match Notification::parse(body.as_bytes()) {
            Err(Error::InvalidInput(message)) => message,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn the_documented_body_is_read_and_written_back() {
        let n = Notification::parse(DOCUMENTED).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (n.ts, n.url.as_str(), n.code),
            (1_385_139_152, "http://example.com", 403)
        );
        assert_eq!(
            (n.host.as_deref(), n.kind.as_deref()),
            (Some("example"), Some("http"))
        );
        assert!(n.is_down());
        assert_eq!(
            n.to_json(),
            r#"{"ts":1385139152,"url":"http://example.com","code":403,"host":"example","type":"http"}"#
        );
    }

    #[test]
    fn other_fields_are_kept_and_host_and_type_may_be_left_out() {
        let body = r#"{"code":0,"url":"HTTPS://x.example/a?b=c","ts":5,"node":{"dc":"ams"}}"#;
        let n = Notification::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((n.code, n.host.clone(), n.kind.clone()), (0, None, None));
        assert!(n.is_down(), "0 is a check that timed out");
        assert_eq!(
            n.to_json(),
            r#"{"ts":5,"url":"HTTPS://x.example/a?b=c","code":0,"node":{"dc":"ams"}}"#
        );
        for code in [200, 204, 299] {
            let body = format!(r#"{{"ts":1,"url":"http://a","code":{code}}}"#);
            let n = Notification::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            assert!(!n.is_down(), "{code}");
        }
    }

    #[test]
    fn bad_bodies_are_refused_with_what_is_wrong_and_nothing_of_the_body() {
        let cases = [
            ("", "the body is not JSON"),
            ("ok", "the body is not JSON"),
            ("[1]", "the body is not a JSON object with each key once"),
            (
                r#"{"ts":1,"ts":2}"#,
                "the body is not a JSON object with each key once",
            ),
            (r#"{"url":"http://a","code":1}"#, "\"ts\" is missing"),
            (r#"{"ts":1,"code":1}"#, "\"url\" is missing"),
            (r#"{"ts":1,"url":"http://a"}"#, "\"code\" is missing"),
            (
                r#"{"ts":"1","url":"http://a","code":1}"#,
                "\"ts\" is not a whole number of seconds",
            ),
            (
                r#"{"ts":-1,"url":"http://a","code":1}"#,
                "\"ts\" is not a whole number of seconds",
            ),
            (
                r#"{"ts":1.5,"url":"http://a","code":1}"#,
                "\"ts\" is not a whole number of seconds",
            ),
            (
                r#"{"ts":1,"url":"http://a","code":"403"}"#,
                "\"code\" is not an HTTP status (0 to 999)",
            ),
            (
                r#"{"ts":1,"url":"http://a","code":1000}"#,
                "\"code\" is not an HTTP status (0 to 999)",
            ),
            (r#"{"ts":1,"url":7,"code":1}"#, "\"url\" is not a string"),
            (
                r#"{"ts":1,"url":"http://a","code":1,"host":["x"]}"#,
                "\"host\" is not a string",
            ),
            (
                r#"{"ts":1,"url":"http://a","code":1,"type":null}"#,
                "\"type\" is not a string",
            ),
            (
                r#"{"ts":1,"url":"http://a","code":1,"host":"a b"}"#,
                "\"host\" is not one word of at most 255 bytes",
            ),
            (
                r#"{"ts":1,"url":"http://a","code":1,"type":""}"#,
                "\"type\" is not one word of at most 255 bytes",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(refusal(body), message, "{body}");
        }
        let url_message = refusal(r#"{"ts":1,"url":"ftp://a","code":1}"#);
        assert!(
            url_message.starts_with("\"url\" is not an http:// or https:// URL"),
            "{url_message}"
        );
        for url in [
            "javascript:alert(1)",
            "http://a b",
            "http://a\\nb",
            "http://a\\u0000",
            "",
        ] {
            let body = format!(r#"{{"ts":1,"url":"{url}","code":1}}"#);
            assert_eq!(refusal(&body), url_message, "{url}");
        }
        let long = format!(
            r#"{{"ts":1,"url":"http://{}","code":1}}"#,
            "a".repeat(MAX_URL)
        );
        assert_eq!(refusal(&long), url_message);
        let big = format!(
            r#"{{"ts":1,"url":"http://a","code":1,"x":"{}"}}"#,
            "a".repeat(MAX_BODY)
        );
        assert_eq!(refusal(&big), format!("the body is over {MAX_BODY} bytes"));
    }

    #[test]
    fn the_answer_is_the_hooks_time_then_quiet_until_while_still_to_come_else_ok() {
        let at = |t: &str| UtcTime::parse_rfc3339(t).unwrap_or_else(|e| panic!("{e}"));
        let now = at("2017-11-05T12:00:00Z");
        let (soon, later, past) = (
            at("2017-11-05T13:15:30Z"),
            at("2017-11-06T00:00:00Z"),
            at("2017-11-05T11:00:00Z"),
        );
        let down = Notification::parse(DOCUMENTED).unwrap_or_else(|e| panic!("{e}"));
        let choose = |hook, quiet| Answer::choose(&down, hook, quiet, now);
        assert_eq!(choose(None, None), Answer::Ok);
        assert_eq!(choose(Some(soon), Some(later)), Answer::Until(soon));
        assert_eq!(choose(None, Some(later)), Answer::Until(later));
        assert_eq!(choose(Some(past), Some(later)), Answer::Until(later));
        assert_eq!(choose(Some(past), Some(past)), Answer::Ok);
        assert_eq!(choose(Some(now), None), Answer::Ok, "now is not to come");
        assert_eq!(Answer::Until(soon).body(), "2017-11-05T13:15:30Z");
        assert_eq!(Answer::Ok.body(), "ok");
        let up = Notification { code: 200, ..down };
        assert_eq!(
            Answer::choose(&up, Some(soon), Some(later), now),
            Answer::Ok
        );
    }

    #[test]
    fn a_hook_prints_one_time_or_nothing_usable() {
        let time = |out: &[u8]| hook_time(out).map(|t| t.zulu().to_string());
        assert_eq!(
            time(b"2017-11-05T13:15:30Z\n").as_deref(),
            Some("2017-11-05T13:15:30Z")
        );
        assert_eq!(
            time(b"  2017-11-05T15:15:30+02:00\r\n").as_deref(),
            Some("2017-11-05T13:15:30Z")
        );
        for garbage in [
            &b""[..],
            b"ok",
            b"2017-11-05T13:15:30Z\n2017-11-06T13:15:30Z",
            b"\xff",
            b"$(reboot)",
        ] {
            assert_eq!(time(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn a_token_is_admitted_in_the_path_or_the_header_and_never_shown() {
        let value = "0123456789abcdef0123456789abcdef";
        let token = Token::new(&Secret::new(value)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{token:?}"), "Token(***)");
        assert!(token.admits(&format!("/monitor/{value}"), None));
        assert!(token.admits(&format!("/{value}?x=1"), None));
        assert!(token.admits("/monitor", Some(format!("Bearer {value}").as_bytes())));
        for (target, header) in [
            ("/monitor", None),
            ("/", None),
            ("/monitor/0123456789abcdef0123456789abcdeF", None),
            ("/monitor/0123456789abcdef0123456789abcde", None),
            (&format!("/{value}/x")[..], None),
            (&format!("/x?{value}")[..], None),
            ("/monitor", Some(value.as_bytes())),
            ("/monitor", Some(&b"Bearer "[..])),
            ("/monitor", Some(format!("bearer  {value}").as_bytes())),
        ] {
            assert!(!token.admits(target, header), "{target} {header:?}");
        }
        for bad in [
            "short",
            "0123456789abcdef0123456789abcde/",
            "0123456789abcdef 0123456789abcdef",
        ] {
            let refused = Token::new(&Secret::new(bad)).err().map(|e| e.to_string());
            assert!(
                refused
                    .as_deref()
                    .is_some_and(|m| !m.contains(bad) && m.contains("openssl rand")),
                "{bad}: {refused:?}"
            );
        }
    }
}
