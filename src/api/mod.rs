//! The partner endpoints: one file per endpoint, each a request type that
//! implements [`Endpoint`](crate::Endpoint) and its typed answer.
//!
//! Answers keep the fields this version does not know in `extra`, and the
//! text the API sent in `raw`, so a caller can print exactly what the
//! server said.

pub(crate) mod activity;
pub(crate) mod backups;
pub(crate) mod cancel;
pub(crate) mod downloads;
pub(crate) mod errors;
pub(crate) mod partner_keys;
pub(crate) mod provision;
pub(crate) mod query;
pub(crate) mod restores;
pub(crate) mod rewind;
pub(crate) mod site_lookup;
pub(crate) mod ssh;
pub(crate) mod status;
pub(crate) mod time;
pub(crate) mod token;
pub(crate) mod upgrade_paths;

use crate::error::Error;

/// Where the partner endpoints live, relative to the API base.
pub(crate) const JPPHP_V13: &str = "/rest/v1.3/jpphp";
pub(crate) const JPPHP_V14: &str = "/rest/v1.4/jpphp";

/// Percent-encodes a query value: only RFC 3986 unreserved characters stay.
pub(crate) fn encode_query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, crate::site::UNRESERVED).to_string()
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
    Ok(query::Query::new()
        .pair("partner-tracking-id", id)?
        .after(path))
}

/// How the API reads booleans in forms.
pub(crate) fn form_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
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
