//! The partner endpoints: typed requests and typed answers, one file per
//! family. Each adds its calls to [`Client`](crate::Client).
//!
//! Answers keep the fields this version does not know in `extra`, so a
//! caller can print exactly what the server said.

pub mod cancel;
pub mod errors;
pub mod partner_keys;
pub mod provision;
pub mod ssh;
pub mod status;
pub mod upgrade_paths;

use crate::error::Error;

/// Where the partner endpoints live, relative to the API base.
pub(crate) const JPPHP_V13: &str = "/rest/v1.3/jpphp";
pub(crate) const JPPHP_V14: &str = "/rest/v1.4/jpphp";

/// Percent-encodes a query value: only RFC 3986 unreserved characters stay.
pub(crate) fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `path` with the partner's `partner-tracking-id` query parameter, when
/// there is one: a single line of text, percent-encoded.
pub(crate) fn with_tracking_id(path: String, id: Option<&str>) -> Result<String, Error> {
    let Some(id) = id.filter(|t| !t.is_empty()) else {
        return Ok(path);
    };
    if let Some(c) = id.chars().find(|c| c.is_control()) {
        return Err(Error::InvalidInput(format!(
            "partner-tracking-id contains the control character {c:?}; it must be one line of \
             plain text"
        )));
    }
    Ok(format!(
        "{path}?partner-tracking-id={}",
        encode_query_value(id)
    ))
}

/// How the API reads booleans in forms.
pub(crate) fn form_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// Lenient decoding for identifiers that arrive as numbers or strings.
pub(crate) mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// A string, or a number written as a string; `null` and absent are empty.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        })
    }

    /// A boolean that may arrive as `true`, `1`, `"1"`, `"true"`.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => b,
            Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
            Value::String(s) => matches!(s.as_str(), "1" | "true" | "yes"),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query_value("abc-1.2_~"), "abc-1.2_~");
        assert_eq!(encode_query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
