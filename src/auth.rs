//! Partner credentials, secrets and access tokens.
//!
//! A [`Secret`] holds a value that must never be printed: the partner secret,
//! an access token, an SSH or FTP password, a new partner key. Its `Debug` and
//! `Display` show `***`; the only way to the value is [`Secret::expose`],
//! which is called where the value is written into a request.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// What a secret prints as, everywhere.
pub const REDACTED: &str = "***";

/// A value that never prints: `Debug` and `Display` show `***`.
///
/// The memory that held the value is overwritten with zeros when the
/// `Secret` is dropped.
///
/// ```
/// use jetpack_partner::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "*** ***");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself. Call it only to put the value on the wire, or where
    /// the user asked to see exactly this value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Reads a secret from a file's whole content, as written by
    /// `echo VALUE > FILE`: one trailing newline (`\n` or `\r\n`) is
    /// dropped, everything else is kept byte for byte. `what` names the
    /// secret in error messages.
    pub fn read_from(reader: impl Read, what: &str) -> Result<Secret, Error> {
        let mut bytes = read_bounded(reader, MAX_SECRET_FILE, what)?;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let mut bytes = e.into_bytes();
            bytes.iter_mut().for_each(|b| *b = 0);
            Error::InvalidInput(format!("the {what} is not valid UTF-8 text"))
        })?;
        if text.is_empty() {
            return Err(Error::InvalidInput(format!("the {what} is empty")));
        }
        Ok(Secret(text))
    }

    /// Reads a key file exactly as it is, final newline included (some SSH
    /// implementations refuse a key without it).
    pub fn from_key_file(path: &Path, what: &str) -> Result<Secret, Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(format!("cannot read the {what} file {}", path.display()), e))?;
        let bytes = read_bounded(
            file,
            MAX_KEY_FILE,
            &format!("{what} file {}", path.display()),
        )?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::InvalidInput(format!("the {what} file {} is not text", path.display()))
        })?;
        if text.trim().is_empty() {
            return Err(Error::InvalidInput(format!(
                "the {what} file {} is empty",
                path.display()
            )));
        }
        Ok(Secret(text))
    }

    /// Reads a secret from a file (see [`Secret::read_from`]).
    pub fn from_file(path: &Path, what: &str) -> Result<Secret, Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(format!("cannot open the {what} file {}", path.display()), e))?;
        Secret::read_from(file, &format!("{what} file {}", path.display()))
    }
}

/// Longest secret file read: a partner secret or a password is far
/// shorter; `/dev/zero` or a log file named by mistake is not read whole.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Longest key file read.
const MAX_KEY_FILE: u64 = 1024 * 1024;

/// Reads at most `limit` bytes; more is an error, and what was read is
/// cleared.
fn read_bounded(reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("cannot read the {what}"), e))?;
    if bytes.len() as u64 > limit {
        bytes.iter_mut().for_each(|b| *b = 0);
        return Err(Error::InvalidInput(format!(
            "the {what} is larger than {} KiB: not a secret",
            limit / 1024
        )));
    }
    Ok(bytes)
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.iter_mut().for_each(|b| *b = 0);
        std::hint::black_box(&bytes);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Serializes the real value: used only when the user asked for the whole
/// answer (`token --json`). Debug output stays redacted.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A partner's OAuth client credentials: the partner ID and its secret.
#[derive(Clone, Debug)]
pub struct Credentials {
    partner_id: String,
    secret: Secret,
}

impl Credentials {
    /// Credentials from a partner ID and its secret.
    pub fn new(partner_id: impl Into<String>, secret: Secret) -> Self {
        Credentials {
            partner_id: partner_id.into(),
            secret,
        }
    }

    /// The partner ID (the OAuth client id). Not a secret.
    pub fn partner_id(&self) -> &str {
        &self.partner_id
    }

    /// The partner secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

/// A bearer token for the partner endpoints. Prints as `***`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(Secret);

impl AccessToken {
    /// Wraps a token obtained elsewhere (`--access-token`, a cache).
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(Secret::new(token))
    }

    /// The token itself, for the `Authorization` header or for a user who
    /// asked to see it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessToken({REDACTED})")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The answer to `POST /oauth2/token`.
///
/// `blog_id` and `blog_url` are documented as the number `0` but arrive as
/// numbers, strings or `false`; all of these decode. Unknown fields are kept
/// in `extra`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The bearer token for every partner call.
    pub access_token: AccessToken,
    /// `bearer`.
    #[serde(default)]
    pub token_type: String,
    /// Unused by partners; `None` when the server sent `0`, `false` or nothing.
    #[serde(default, with = "loose_id")]
    pub blog_id: Option<u64>,
    /// Unused by partners; `None` when the server sent `0`, `false` or nothing.
    #[serde(default, with = "loose_text")]
    pub blog_url: Option<String>,
    /// `jetpack-partner`.
    #[serde(default)]
    pub scope: String,
    /// Fields this version does not know, as the server sent them.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: crate::response::RawAnswer,
}

/// A number that may arrive as a number, a numeric string, `false` or `null`.
mod loose_id {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_u64().filter(|&n| n != 0),
            Value::String(s) => s.trim().parse().ok().filter(|&n| n != 0),
            _ => None,
        })
    }

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(v.unwrap_or(0))
    }
}

/// A text that may arrive as a string, a number, `false` or `null`.
mod loose_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) if !s.is_empty() && s != "0" => Some(s),
            Value::Number(n) if n.as_u64() != Some(0) => Some(n.to_string()),
            _ => None,
        })
    }

    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(text) => s.serialize_str(text),
            None => s.serialize_u64(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> TokenResponse {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn secrets_never_print() {
        let c = Credentials::new("42", Secret::new("s3cr3t"));
        let t = AccessToken::new("tok3n");
        let shown = format!("{c:?} {t:?} {t} {}", c.secret());
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("tok3n"),
            "{shown}"
        );
        assert!(shown.contains(REDACTED));
    }

    #[test]
    fn read_from_drops_one_trailing_newline_only() -> Result<(), Error> {
        for (input, want) in [
            (&b"abc\n"[..], "abc"),
            (b"abc\r\n", "abc"),
            (b"abc", "abc"),
            (b"a\r\nb\n\n", "a\r\nb\n"),
            (b" spaced & = % \"q\" ", " spaced & = % \"q\" "),
            ("é€😀\n".as_bytes(), "é€😀"),
        ] {
            assert_eq!(Secret::read_from(input, "test secret")?.expose(), want);
        }
        Ok(())
    }

    #[test]
    fn read_from_refuses_empty_and_binary() {
        for input in [&b""[..], b"\n", b"\xff\xfe"] {
            assert!(matches!(
                Secret::read_from(input, "test secret"),
                Err(Error::InvalidInput(_))
            ));
        }
    }

    #[test]
    fn token_response_decodes_every_documented_shape() {
        for (json, id, url) in [
            (
                r#"{"access_token":"t","token_type":"bearer","blog_id":0,"blog_url":0,"scope":"jetpack-partner"}"#,
                None,
                None,
            ),
            (
                r#"{"access_token":"t","token_type":"bearer","blog_id":"0","blog_url":"0","scope":"jetpack-partner"}"#,
                None,
                None,
            ),
            (
                r#"{"access_token":"t","token_type":"bearer","blog_id":false,"blog_url":false,"scope":"jetpack-partner"}"#,
                None,
                None,
            ),
            (
                r#"{"access_token":"t","blog_id":"123","blog_url":"https://x.test"}"#,
                Some(123),
                Some("https://x.test"),
            ),
            (
                r#"{"access_token":"t","blog_id":7,"blog_url":null}"#,
                Some(7),
                None,
            ),
            (r#"{"access_token":"t"}"#, None, None),
        ] {
            let r = decode(json);
            assert_eq!(r.access_token.expose(), "t");
            assert_eq!(r.blog_id, id, "{json}");
            assert_eq!(r.blog_url.as_deref(), url, "{json}");
        }
    }

    #[test]
    fn token_response_keeps_unknown_fields_and_hides_the_token_in_debug() {
        let r = decode(r#"{"access_token":"tok3n","expires_in":null,"extra_field":[1]}"#);
        assert!(r.extra.contains_key("extra_field"));
        assert!(!format!("{r:?}").contains("tok3n"));
    }
}

crate::response::keeps_raw!(TokenResponse);
