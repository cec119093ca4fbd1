//! Partner credentials, secrets and access tokens.
//!
//! A [`Secret`] holds a value that must never be printed: the partner secret,
//! an access token, an SSH or FTP password, a new partner key. Its `Debug`
//! shows `***`; it has no `Display` (so `to_string()` cannot quietly give
//! `***` either), no `Clone` (a copy is asked for by name:
//! [`Secret::duplicate`]) and no `==` (compare with
//! [`Secret::same_as`], in constant time). The only way to the value is
//! [`Secret::expose`], called where the value is written into a request.
//! The memory that held it is cleared when it is dropped.
//!
//! ```compile_fail
//! let secret = jetpack_partner::Secret::new("hunter2");
//! let shown = format!("{}", secret); // no Display: this does not compile
//! ```

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroize;

use crate::error::Error;

/// What a secret prints as, everywhere.
pub(crate) const REDACTED: &str = "***";

/// A value that never prints: `Debug` shows `***`, and there is no
/// `Display`.
///
/// ```
/// use jetpack_partner::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?}"), "***");
/// assert_eq!(s.expose(), "hunter2");
/// assert!(s.same_as(&Secret::new("hunter2")));
/// ```
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

    /// A second copy of the secret, asked for by name (there is no `Clone`,
    /// so that no copy is made by accident).
    pub fn duplicate(&self) -> Secret {
        Secret(self.0.clone())
    }

    /// Whether two secrets hold the same value, compared in constant time
    /// (for values of the same length).
    pub fn same_as(&self, other: &Secret) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
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
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
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
/// answer. Debug output stays redacted.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A partner's OAuth client credentials: the partner ID and its secret.
#[derive(Debug)]
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

/// The partner's own WordPress.com app (made at
/// `https://developer.wordpress.com/apps/new/`): its client ID and secret,
/// for the authorization-code flow that gives a WordPress.com user's token.
/// Not the partner ID and secret, which are the partner's OAuth client.
#[derive(Debug)]
pub struct WpcomApp {
    client_id: String,
    secret: Secret,
}

impl WpcomApp {
    /// The app with this client ID and client secret.
    pub fn new(client_id: impl Into<String>, secret: Secret) -> Self {
        WpcomApp {
            client_id: client_id.into(),
            secret,
        }
    }

    /// The app's client ID. Not a secret: it is in the authorize URL.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The app's client secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

/// A bearer token for the partner endpoints. Prints as `AccessToken(***)`;
/// like [`Secret`], it has no `Display`, no `Clone` and no `==`.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccessToken(Secret);

impl AccessToken {
    /// Wraps a token obtained elsewhere (given by the user, a cache).
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(Secret::new(token))
    }

    /// The token itself, for the `Authorization` header or for a user who
    /// asked to see it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// A second copy, asked for by name.
    pub fn duplicate(&self) -> AccessToken {
        AccessToken(self.0.duplicate())
    }

    /// Whether two tokens are the same, compared in constant time.
    pub fn same_as(&self, other: &AccessToken) -> bool {
        self.0.same_as(&other.0)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccessToken({REDACTED})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let c = Credentials::new("42", Secret::new("s3cr3t"));
        let t = AccessToken::new("tok3n");
        let app = WpcomApp::new("5678", Secret::new("s3cr3t"));
        let shown = format!("{c:?} {t:?} {:?} {app:?}", c.secret());
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
}
