//! The partner endpoints: one file per endpoint, each a request type that
//! implements [`Endpoint`](crate::Endpoint) and its typed answer.
//!
//! Answers keep the fields this version does not know in `extra`, and the
//! text the API sent in `raw`, so a caller can print exactly what the
//! server said.

pub(crate) mod activation_counts;
pub(crate) mod activations;
pub(crate) mod activity;
pub(crate) mod authorization_code;
pub(crate) mod authorize;
pub(crate) mod backups;
pub(crate) mod cancel;
pub(crate) mod downloads;
pub(crate) mod errors;
pub(crate) mod invoices;
pub(crate) mod magic_link;
pub(crate) mod partner_keys;
pub(crate) mod partner_redirect;
pub(crate) mod provision;
pub(crate) mod query;
pub(crate) mod restores;
pub(crate) mod rewind;
pub(crate) mod scan;
pub(crate) mod site_lookup;
pub(crate) mod ssh;
pub(crate) mod status;
pub(crate) mod threats;
pub(crate) mod token;
pub(crate) mod upcoming_invoice;
pub(crate) mod upgrade_paths;
pub(crate) mod user;

use crate::error::Error;

/// Where the partner endpoints live, relative to the API base.
pub(crate) const JPPHP_V13: &str = "/rest/v1.3/jpphp";
pub(crate) const JPPHP_V14: &str = "/rest/v1.4/jpphp";

/// Where the `wpcom/v2` site endpoints live: `{WPCOM_V2_SITES}/{blog_id}/…`.
pub(crate) const WPCOM_V2_SITES: &str = "/wpcom/v2/sites";

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

/// Where partner reporting lives (reference 5), relative to the API base.
pub(crate) const JETPACK_PARTNERS: &str = "/wpcom/v2/jetpack-partners";

/// `/wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}{tail}`: each ID
/// one path segment, percent-encoded, of one line of text.
pub(crate) fn partner_key_path(
    partner_id: &str,
    key_id: &str,
    tail: &str,
) -> Result<String, Error> {
    Ok(format!(
        "{JETPACK_PARTNERS}/{}/key/{}{tail}",
        path_segment("the partner ID", partner_id)?,
        path_segment("the key ID", key_id)?
    ))
}

/// `value` as one percent-encoded path segment; empty or with a control
/// character, it is refused.
fn path_segment(what: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput(format!("{what} is empty")));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Error::InvalidInput(format!(
            "{what} contains the control character {c:?}; it must be one line of plain text"
        )));
    }
    Ok(encode_query_value(value))
}

/// Longest e-mail address (RFC 5321's limit on a path).
const MAX_EMAIL: usize = 254;

/// Checks that `email` has the shape of an e-mail address: one `@`, a
/// local part, a domain with a dot and no empty label, no white space or
/// control character, at most 254 bytes. The service decides whether it
/// exists; this only keeps a typo (or a value meant for another option)
/// from being sent.
pub(crate) fn check_email(name: &str, email: &str) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::InvalidInput(format!(
            "{name} {email:?} is not an e-mail address: {why}"
        )))
    };
    if email.is_empty() {
        return Err(Error::InvalidInput(format!("{name} is empty")));
    }
    if email.len() > MAX_EMAIL {
        return bad("it is longer than 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it holds white space or a control character");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return bad("it has no @");
    };
    if local.is_empty() || local.contains('@') {
        return bad("it needs one @ with a name before it");
    }
    if !domain.contains('.') || domain.split('.').any(str::is_empty) {
        return bad("the part after @ must be a domain such as example.com");
    }
    Ok(())
}

/// Checks a date or date and time as the reporting endpoints take one
/// (ISO 8601): `YYYY-MM-DD`, optionally followed by `T` or a space and
/// `HH:MM` or `HH:MM:SS`, optionally followed by `Z` or an offset
/// `+HH:MM` / `-HH:MM`. It is sent as given.
pub(crate) fn check_datetime(name: &str, text: &str) -> Result<(), Error> {
    if datetime_fits(text) {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "{name} {text:?} is not a date: give YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS \
         (optionally with Z or an offset such as +02:00)"
    )))
}

fn datetime_fits(text: &str) -> bool {
    let number = |part: &str, len: usize, range: std::ops::RangeInclusive<u32>| {
        part.len() == len
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse().is_ok_and(|n| range.contains(&n))
    };
    let (date, time) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let date_ok = match date.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => number(y, 4, 1..=9999) && number(m, 2, 1..=12) && number(d, 2, 1..=31),
        _ => false,
    };
    let Some(time) = time else {
        return date_ok;
    };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(at) => (&time[..at], &time[at..]),
        None => (time, ""),
    };
    let clock_ok = match clock.split(':').collect::<Vec<_>>().as_slice() {
        [h, m] => number(h, 2, 0..=23) && number(m, 2, 0..=59),
        [h, m, s] => number(h, 2, 0..=23) && number(m, 2, 0..=59) && number(s, 2, 0..=60),
        _ => false,
    };
    let zone_ok = match zone {
        "" | "Z" => true,
        offset => match offset[1..].split(':').collect::<Vec<_>>().as_slice() {
            [h, m] => number(h, 2, 0..=23) && number(m, 2, 0..=59),
            _ => false,
        },
    };
    date_ok && clock_ok && zone_ok
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
    fn email_shapes() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "x@xn--caf-dma.fr",
        ] {
            assert!(check_email("email", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "nobody",
            "@example.com",
            "a@example",
            "a@.example.com",
            "a@example..com",
            "a b@example.com",
            "a@example.com\n",
            "a@b@example.com",
        ] {
            assert!(
                matches!(check_email("email", bad), Err(Error::InvalidInput(_))),
                "{bad:?}"
            );
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(check_email("email", &long).is_err());
    }

    #[test]
    fn dates_and_times() {
        for good in [
            "2024-05-01",
            "2024-05-01T12:30",
            "2024-05-01 12:30:59",
            "2024-05-01T00:00:00Z",
            "2024-05-01T23:59:59+02:00",
            "2024-12-31T10:00-05:30",
        ] {
            assert!(check_datetime("activated_after", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "yesterday",
            "2024-5-1",
            "2024-13-01",
            "2024-05-00",
            "2024-05-01T24:00",
            "2024-05-01T12",
            "2024-05-01T12:00+2",
            "2024-05-01T12:00:00Q",
            "2024-05-01\n",
            "２０２４-05-01",
        ] {
            assert!(check_datetime("activated_after", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn partner_key_paths_encode_each_id() -> Result<(), Error> {
        assert_eq!(
            partner_key_path("1234", "a/b c", "/activations")?,
            "/wpcom/v2/jetpack-partners/1234/key/a%2Fb%20c/activations"
        );
        assert!(partner_key_path("", "1", "").is_err());
        assert!(partner_key_path("1", "x\ny", "").is_err());
        Ok(())
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query_value("abc-1.2_~"), "abc-1.2_~");
        assert_eq!(encode_query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
