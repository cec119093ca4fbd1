//! The `multipart/form-data` encoder (RFC 7578), written by hand.
//!
//! Every form the API takes is a handful of short text fields, so the whole
//! body is built in memory with an exact length. Values are bytes and go
//! through untouched. The boundary is random and is checked against every
//! name and value; if any of them contains it, another is drawn.

use zeroize::Zeroize;

use crate::auth::{Secret, REDACTED};
use crate::error::Error;
use crate::redact::MIN_SECRET_LEN;

/// One field of a form.
struct Field {
    name: String,
    value: Vec<u8>,
    secret: bool,
}

/// A form: named fields, in the order they were added.
///
/// ```
/// use jetpack_partner::Form;
/// let mut form = Form::new();
/// form.text("grant_type", "client_credentials")?;
/// let encoded = form.encode();
/// assert!(encoded.content_type.starts_with("multipart/form-data; boundary="));
/// assert_eq!(encoded.body.len(), encoded.content_length());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Default)]
pub struct Form {
    fields: Vec<Field>,
}

/// An encoded form, ready to send. Its body is cleared when it is
/// dropped, since it may hold secrets.
pub struct Encoded {
    /// `multipart/form-data; boundary=…`
    pub content_type: String,
    /// The boundary alone.
    pub boundary: String,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Drop for Field {
    fn drop(&mut self) {
        if self.secret {
            self.value.zeroize();
        }
    }
}

impl Drop for Encoded {
    fn drop(&mut self) {
        self.body.zeroize();
    }
}

impl Encoded {
    /// The exact `Content-Length` of the body.
    pub fn content_length(&self) -> usize {
        self.body.len()
    }
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Form::default()
    }

    /// Adds a field whose value may be shown in traces.
    pub fn text(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<&mut Self, Error> {
        self.push(name, value.as_ref().to_vec(), false)
    }

    /// Adds a field whose value is one line of text: a control character
    /// (CR, LF, NUL, ESC…) is refused, since a user name, a host or a plan
    /// with one cannot mean what it says, and could forge a line in the
    /// server's logs.
    pub fn line(&mut self, name: &str, value: &str) -> Result<&mut Self, Error> {
        refuse_controls(name, value, "")?;
        self.text(name, value)
    }

    /// Adds a field whose value may span lines (notes, a private key):
    /// line breaks and tabs are kept, other control characters refused.
    pub fn multiline(&mut self, name: &str, value: &str) -> Result<&mut Self, Error> {
        refuse_controls(name, value, "\r\n\t")?;
        self.text(name, value)
    }

    /// Adds a field whose value is a secret: traces show `***`. A secret
    /// may hold any character but NUL, and must have at least
    /// [`MIN_SECRET_LEN`] bytes, or it could not be masked in output.
    pub fn secret(&mut self, name: &str, value: &Secret) -> Result<&mut Self, Error> {
        let text = value.expose();
        if text.len() < MIN_SECRET_LEN {
            return Err(Error::InvalidInput(format!(
                "{name} is shorter than {MIN_SECRET_LEN} characters: too short to be a real \
                 secret, and to be kept out of logs"
            )));
        }
        if text.contains('\0') {
            return Err(Error::InvalidInput(format!(
                "{name} contains a NUL character, which no server can take"
            )));
        }
        self.push(name, text.as_bytes().to_vec(), true)
    }

    fn push(&mut self, name: &str, value: Vec<u8>, secret: bool) -> Result<&mut Self, Error> {
        check_name(name)?;
        self.fields.push(Field {
            name: name.to_owned(),
            value,
            secret,
        });
        Ok(self)
    }

    /// The secret fields as `(name, value)`: what a server must not be
    /// allowed to echo into an error.
    pub(crate) fn secret_values(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .filter(|f| f.secret)
            .map(|f| {
                (
                    f.name.as_str(),
                    std::str::from_utf8(&f.value).unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Whether the form has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields as `(name, shown value)`, secrets as `***`, for traces.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|f| {
                let shown = if f.secret {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(&f.value).into_owned()
                };
                (f.name.clone(), shown)
            })
            .collect()
    }

    /// Encodes the form with a fresh random boundary.
    pub fn encode(&self) -> Encoded {
        self.encode_with_boundary(&random_boundary())
    }

    /// Encodes the form with `boundary` if no name or value contains it, and
    /// with fresh random boundaries until one fits otherwise.
    pub fn encode_with_boundary(&self, boundary: &str) -> Encoded {
        let mut boundary = boundary.to_owned();
        while !boundary_fits(&boundary) || self.contains(boundary.as_bytes()) {
            boundary = random_boundary();
        }
        let body = self.body(&boundary);
        Encoded {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            boundary,
            body,
        }
    }

    fn contains(&self, needle: &[u8]) -> bool {
        self.fields
            .iter()
            .any(|f| find(&f.value, needle) || find(f.name.as_bytes(), needle))
    }

    fn body(&self, boundary: &str) -> Vec<u8> {
        let size = self
            .fields
            .iter()
            .map(|f| f.value.len() + f.name.len() + boundary.len() + 48)
            .sum::<usize>()
            + boundary.len()
            + 6;
        let mut body = Vec::with_capacity(size);
        for f in &self.fields {
            body.extend_from_slice(b"--");
            body.extend_from_slice(boundary.as_bytes());
            body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            body.extend_from_slice(f.name.as_bytes());
            body.extend_from_slice(b"\"\r\n\r\n");
            body.extend_from_slice(&f.value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--");
        body.extend_from_slice(boundary.as_bytes());
        body.extend_from_slice(b"--\r\n");
        body
    }
}

fn refuse_controls(name: &str, value: &str, allowed: &str) -> Result<(), Error> {
    match value
        .chars()
        .find(|&c| c.is_control() && !allowed.contains(c))
    {
        Some(c) => Err(Error::InvalidInput(format!(
            "{name} contains the control character {c:?}; {}",
            if allowed.is_empty() {
                "it must be one line of plain text"
            } else {
                "only line breaks and tabs may be in it"
            }
        ))),
        None => Ok(()),
    }
}

/// Field names go inside a quoted header parameter: a quote, a CR, a LF or a
/// NUL would end it early or forge another header, and a header value may
/// hold no other control character but the tab (RFC 9110), which has no
/// place in a name either: all of them are refused.
fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::InvalidInput("a form field needs a name".into()));
    }
    if let Some(c) = name.chars().find(|&c| c == '"' || c.is_control()) {
        return Err(Error::InvalidInput(format!(
            "form field name {name:?} contains {c:?}, which cannot appear in a form-data header"
        )));
    }
    Ok(())
}

/// RFC 2046: 1 to 70 characters from a safe set, not ending in a space.
fn boundary_fits(b: &str) -> bool {
    // RFC 2046 allows more (space, ":", "=", "?", …), but those would need
    // quoting in the Content-Type header; these need none.
    (1..=70).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"'+_-.".contains(&c))
}

/// 24 dashes and 32 hex digits, like curl's, from the operating system's
/// random source.
fn random_boundary() -> String {
    format!("------------------------{:032x}", crate::random::u128())
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes_for_a_simple_form() -> Result<(), Error> {
        let mut form = Form::new();
        form.text("a", "1")?.text("b", "")?;
        let e = form.encode_with_boundary("XyZ");
        assert_eq!(e.content_type, "multipart/form-data; boundary=XyZ");
        let want = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n\r\n\
                    --XyZ--\r\n";
        assert_eq!(String::from_utf8_lossy(&e.body), want);
        assert_eq!(e.content_length(), want.len());
        Ok(())
    }

    #[test]
    fn empty_form_is_just_the_closing_delimiter() {
        let e = Form::new().encode_with_boundary("b");
        assert_eq!(e.body, b"--b--\r\n");
    }

    #[test]
    fn a_boundary_found_in_a_value_is_replaced() -> Result<(), Error> {
        let mut form = Form::new();
        form.text("v", "before\r\n--XyZ\r\nafter")?;
        let e = form.encode_with_boundary("XyZ");
        assert_ne!(e.boundary, "XyZ");
        assert!(!find(b"before\r\n--XyZ\r\nafter", e.boundary.as_bytes()));
        Ok(())
    }

    #[test]
    fn an_unsafe_boundary_is_replaced() {
        for unsafe_boundary in [
            "bad\"boundary",
            "with space",
            "a:b",
            "a=b",
            "a?b",
            "a/b",
            "",
            &"x".repeat(71),
        ] {
            let e = Form::new().encode_with_boundary(unsafe_boundary);
            assert!(boundary_fits(&e.boundary));
            assert!(
                e.boundary.starts_with("------------------------"),
                "{unsafe_boundary:?}"
            );
        }
    }

    #[test]
    fn random_boundaries_differ() {
        assert_ne!(random_boundary(), random_boundary());
        assert!(boundary_fits(&random_boundary()));
    }

    #[test]
    fn names_that_break_the_header_are_refused() {
        // A backspace ("\x08") was found by the form_roundtrip fuzz target:
        // the form took it and the parser refused the header.
        for bad in [
            "", "a\"b", "a\rb", "a\nb", "a\0b", "a\x08b", "a\tb", "a\x7fb", "a\u{85}b",
        ] {
            assert!(
                matches!(Form::new().text(bad, "x"), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn field_kinds_refuse_what_they_cannot_hold() -> Result<(), Error> {
        let mut form = Form::new();
        for bad in ["a\nb", "a\rb", "a\0b", "a\u{1b}b", "a\tb", "admin\n"] {
            assert!(form.line("local_user", bad).is_err(), "{bad:?}");
        }
        form.multiline("notes", "two\r\nlines\tand a tab")?;
        assert!(form.multiline("notes", "a\0b").is_err());
        assert!(form.multiline("notes", "a\u{1b}[31m").is_err());
        form.secret("ssh_pass", &Secret::new("tab\tand \"quote\" \n"))?;
        assert!(form.secret("ssh_pass", &Secret::new("nul\0byte")).is_err());
        assert!(form.secret("ssh_pass", &Secret::new("abc")).is_err());
        assert_eq!(form.describe().len(), 2);
        Ok(())
    }

    #[test]
    fn describe_masks_secrets() -> Result<(), Error> {
        let mut form = Form::new();
        form.text("client_id", "7")?
            .secret("client_secret", &Secret::new("hunter2"))?;
        assert_eq!(
            form.describe(),
            vec![
                ("client_id".to_owned(), "7".to_owned()),
                ("client_secret".to_owned(), "***".to_owned())
            ]
        );
        Ok(())
    }
}
