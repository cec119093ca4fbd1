//! Masking known secret values in text that came from somewhere else: an
//! answer that echoes the partner secret, an error that quotes a token.
//!
//! A server can echo a secret in many spellings. A [`Redactor`] looks for
//! each secret as it is, JSON-escaped (the way serde writes it, and the way
//! PHP's `json_encode` does, with `\/` and `\uXXXX`), HTML-escaped and
//! percent-encoded. Masking is meant to run on values *before* they are
//! cleaned, cut to an excerpt, escaped or written; what it is given last
//! (a line about to be printed) it also cleans, as a final guard.

use std::sync::{Arc, PoisonError, RwLock};

use crate::auth::{Secret, REDACTED};

/// Shortest secret the crate accepts. A shorter value cannot be masked
/// without masking ordinary words, so it is refused where it comes in.
pub const MIN_SECRET_LEN: usize = 4;

/// A shared list of secret values to mask. Clones share the list.
///
/// ```
/// use jetpack_partner::Redactor;
/// let redactor = Redactor::new();
/// redactor.add("se\"cr\\et");
/// let echoed = r#"{"error_description":"bad secret se\"cr\\et"}"#;
/// assert_eq!(redactor.clean(echoed), r#"{"error_description":"bad secret ***"}"#);
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<Secret>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").finish_non_exhaustive()
    }
}

impl Redactor {
    /// An empty list.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Adds a value to mask. Values shorter than [`MIN_SECRET_LEN`] bytes
    /// are not added (callers refuse them as secrets in the first place).
    pub fn add(&self, secret: &str) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut list = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        if !list.iter().any(|s| s.expose() == secret) {
            list.push(Secret::new(secret));
        }
    }

    /// `text` with every spelling of every known secret replaced by `***`.
    pub fn clean(&self, text: &str) -> String {
        // A poisoned lock still holds a usable list: masking goes on.
        let list = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        mask(text, list.iter().map(Secret::expose))
    }

    /// Masks every string (and key) inside a JSON value.
    pub(crate) fn clean_value(&self, value: &mut serde_json::Value) {
        let list = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        if list.is_empty() {
            return;
        }
        let secrets: Vec<&str> = list.iter().map(Secret::expose).collect();
        mask_value(value, &secrets);
    }

    /// A redactor that knows this one's secrets and `more` besides, without
    /// adding `more` to this one: for the secrets of one request.
    pub(crate) fn with(&self, more: &[&str]) -> Redactor {
        let list = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let extended = Redactor {
            secrets: Arc::new(RwLock::new(list.iter().map(Secret::duplicate).collect())),
        };
        for secret in more {
            extended.add(secret);
        }
        extended
    }
}

/// Replaces every spelling of every secret in `text`.
pub(crate) fn mask<'a>(text: &str, secrets: impl Iterator<Item = &'a str>) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if secret.len() < MIN_SECRET_LEN {
            continue;
        }
        for spelling in spellings(secret) {
            if text.contains(spelling.as_str()) {
                text = text.replace(spelling.as_str(), REDACTED);
            }
        }
    }
    text
}

fn mask_value(value: &mut serde_json::Value, secrets: &[&str]) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let masked = mask(s, secrets.iter().copied());
            if masked != *s {
                *s = masked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask_value(v, secrets)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                mask_value(&mut v, secrets);
                map.insert(mask(&key, secrets.iter().copied()), v);
            }
        }
        _ => {}
    }
}

/// The ways a server or a printer may write `secret`: as it is first, then
/// escaped. Longer spellings go first so that a shorter one does not break
/// them up.
fn spellings(secret: &str) -> Vec<String> {
    let mut all = vec![
        json_escaped(secret, false),
        json_escaped(secret, true),
        html_escaped(secret, "&#039;"),
        html_escaped(secret, "&#39;"),
        html_escaped(secret, "&#x27;"),
        percent_encoded(secret),
    ];
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    all.retain(|s| s != secret);
    all.push(secret.to_owned());
    all
}

/// JSON string escaping without the quotes: serde's (`php` false) or PHP
/// `json_encode`'s defaults (`\/`, and `\uXXXX` for all but ASCII).
fn json_escaped(secret: &str, php: bool) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '/' if php => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if php && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn html_escaped(secret: &str, apostrophe: &str) -> String {
    let mut out = String::new();
    for c in secret.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            c => out.push(c),
        }
    }
    out
}

/// The query parameters of a URL whose values are credentials: a rewind
/// archive's link carries `token=` and grants the archive to whoever holds
/// it.
const URL_CREDENTIALS: &[&str] = &["token", "access_token"];

/// `url` with the value of each credential query parameter (`token=…`) as
/// `***`: for a URL that is shown (a trace, a `Debug`), not one that is
/// used.
pub(crate) fn mask_url_token(url: &str) -> String {
    let Some((base, rest)) = url.split_once('?') else {
        return url.to_owned();
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if URL_CREDENTIALS.contains(&name) && !value.is_empty() => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect();
    let mut masked = format!("{base}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        masked.push('#');
        masked.push_str(fragment);
    }
    masked
}

/// Names of the fields whose values are credentials in the answers this
/// crate reads: new access tokens, a new user's bearer token, a new
/// partner key's secret, an SSH password.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "bearer_token",
    "refresh_token",
    "client_secret",
    "secret",
    "token",
    "ssh_pass",
    "ftp_pass",
    "pass",
    "password",
];

/// `text` with the value of every credential field masked, however the
/// text is written: `"access_token": "…"` (even when the text is cut
/// before the closing quote), `access_token=…`, `'secret': …`. For the
/// excerpt of an answer that could not be read: a token the server just
/// made is in no [`Redactor`] yet, so it is found by its field's name.
pub(crate) fn mask_secret_fields(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(name_end) = secret_field_at(bytes, i) else {
            i += 1;
            continue;
        };
        // After the name: its closing quote if any, spaces, then `:` or `=`.
        let mut j = name_end;
        if matches!(bytes.get(j), Some(b'"' | b'\'')) {
            j += 1;
        }
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        if !matches!(bytes.get(j), Some(b':' | b'=')) {
            i = name_end;
            continue;
        }
        j += 1;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let (start, end) = match bytes.get(j) {
            Some(&quote @ (b'"' | b'\'')) => {
                let mut k = j + 1;
                while k < bytes.len() && bytes[k] != quote {
                    k += if bytes[k] == b'\\' { 2 } else { 1 };
                }
                (j + 1, k.min(bytes.len()))
            }
            _ => {
                let mut k = j;
                while k < bytes.len() && !b",}&;<> \t\r\n]".contains(&bytes[k]) {
                    k += 1;
                }
                (j, k)
            }
        };
        if end > start && !text[start..end].eq_ignore_ascii_case("null") {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
        }
        i = end.max(name_end);
    }
    out.push_str(&text[copied..]);
    out
}

/// The end of a credential field's name that starts at `at`, when one
/// does: the name is not the tail of a longer word (`my_token`).
fn secret_field_at(bytes: &[u8], at: usize) -> Option<usize> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if at > 0 && word(bytes[at - 1]) {
        return None;
    }
    SECRET_FIELDS.iter().find_map(|name| {
        let end = at + name.len();
        let fits = bytes.len() >= end
            && bytes[at..end].eq_ignore_ascii_case(name.as_bytes())
            && !bytes.get(end).copied().is_some_and(word);
        fits.then_some(end)
    })
}

fn percent_encoded(secret: &str) -> String {
    percent_encoding::utf8_percent_encode(secret, crate::site::UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every awkward byte a secret can hold.
    const NASTY: &str = "a\"b\\c\td\ne\u{1b}[31mf/g<h>&i'j é😀%k\u{202e}l";

    #[test]
    fn credential_fields_are_masked_in_any_spelling_even_cut() {
        let cases = [
            (
                r#"{"access_token":"abc\"def","x":1}"#,
                r#"{"access_token":"***","x":1}"#,
            ),
            (r#"{"bearer_token": "tok"#, r#"{"bearer_token": "***"#),
            (
                "access_token=abc&expires_in=3",
                "access_token=***&expires_in=3",
            ),
            ("{'client_secret': 'xyz'}", "{'client_secret': '***'}"),
            (
                r#"{"token":null,"my_token":"keep","tokens":"keep"}"#,
                r#"{"token":null,"my_token":"keep","tokens":"keep"}"#,
            ),
            ("<p>Token: s3cr3t</p>", "<p>Token: ***</p>"),
            ("no credentials here", "no credentials here"),
            (r#"{"Secret":"é😀"}"#, r#"{"Secret":"***"}"#),
        ];
        for (text, masked) in cases {
            assert_eq!(mask_secret_fields(text), masked, "{text}");
        }
    }

    #[test]
    fn every_spelling_is_masked() {
        let r = Redactor::new();
        r.add(NASTY);
        let serde = serde_json::to_string(NASTY).unwrap_or_default();
        for text in [
            NASTY.to_owned(),
            serde.trim_matches('"').to_owned(),
            json_escaped(NASTY, true),
            html_escaped(NASTY, "&#039;"),
            percent_encoded(NASTY),
        ] {
            let shown = r.clean(&format!("before {text} after"));
            assert_eq!(shown, "before *** after", "{text}");
        }
        assert_eq!(r.clean(&serde), "\"***\"");
    }

    #[test]
    fn values_are_masked_inside_json() {
        let r = Redactor::new();
        r.add("hunter2");
        let mut v = serde_json::json!({
            "error": "x",
            "message": "your secret hunter2 is wrong",
            "list": [{"hunter2": "hunter2hunter2"}],
        });
        r.clean_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({
                "error": "x",
                "message": "your secret *** is wrong",
                "list": [{"***": "******"}],
            })
        );
    }

    #[test]
    fn short_values_are_not_added_and_with_does_not_grow_the_original() {
        let r = Redactor::new();
        r.add("abc");
        assert_eq!(r.clean("abc"), "abc");
        let one_call = r.with(&["per-request-secret"]);
        assert_eq!(one_call.clean("per-request-secret"), "***");
        assert_eq!(r.clean("per-request-secret"), "per-request-secret");
    }

    #[test]
    fn credentials_in_a_url_query_are_masked() {
        for (url, shown) in [
            ("https://x/d?token=abc&n=1", "https://x/d?token=***&n=1"),
            (
                "https://x/d?n=1&token=abc#top",
                "https://x/d?n=1&token=***#top",
            ),
            (
                "https://x/d?access_token=abc",
                "https://x/d?access_token=***",
            ),
            (
                "https://x/d?tokens=abc&token=",
                "https://x/d?tokens=abc&token=",
            ),
            ("https://x/d/token=abc", "https://x/d/token=abc"),
        ] {
            assert_eq!(mask_url_token(url), shown, "{url}");
        }
    }

    #[test]
    fn a_poisoned_lock_still_masks() {
        let r = Redactor::new();
        r.add("hunter2");
        let poisoner = r.clone();
        let _ = std::thread::spawn(move || {
            let _guard = poisoner.secrets.write();
            panic!("poison the lock");
        })
        .join();
        assert!(r.secrets.is_poisoned());
        assert_eq!(r.clean("hunter2"), "***");
        r.add("another1");
        assert_eq!(r.clean("another1"), "***");
    }
}
