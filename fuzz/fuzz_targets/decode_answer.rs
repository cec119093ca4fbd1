//! `Reply::decode` on any answer.
//!
//! Input: a first line `STATUS[ RETRY-AFTER]`, then the body:
//!
//! ```text
//! 429 7
//! {"error":"rate_limited"}
//! ```
//!
//! The decoder must never panic, and what it gives back must keep the
//! promises of `Error`: a non-empty code; short, printable excerpts; and
//! JSON only for a 2xx answer (the envelope's status when there is one).

#![no_main]

use jetpack_partner::fuzzing::EXCERPT_CHARS;
use jetpack_partner::{Error, Reply};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The status line: `(status, Retry-After)`. `None` when it is not one.
fn head(line: &[u8]) -> Option<(u16, Option<&str>)> {
    let line = std::str::from_utf8(line).ok()?;
    let (status, retry_after) = match line.split_once(' ') {
        Some((status, retry_after)) => (status, Some(retry_after)),
        None => (line, None),
    };
    Some((status.parse().ok()?, retry_after))
}

/// What the decoder should read as the real answer: the envelope's status
/// and body when the JSON is an `http_envelope`, else the HTTP status.
fn envelope(body: &[u8]) -> Option<(Option<u16>, Value)> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let o = json.as_object()?;
    let code = o.get("code").and_then(Value::as_u64)?;
    if !o.contains_key("body") || !o.get("headers").is_some_and(Value::is_array) {
        return None;
    }
    Some((u16::try_from(code).ok(), o["body"].clone()))
}

/// An excerpt as `Error` documents it: at most `EXCERPT_CHARS` characters
/// and an ellipsis, no control character.
fn check_excerpt(what: &str, excerpt: &str) {
    assert!(
        excerpt.chars().count() <= EXCERPT_CHARS + 1,
        "{what} excerpt of {} characters",
        excerpt.chars().count()
    );
    assert!(
        !excerpt.chars().any(char::is_control),
        "{what} excerpt with a control character: {excerpt:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let (line, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Some((status, retry_after)) = head(line) else {
        return;
    };
    match Reply::decode(status, retry_after, body).map(|reply| reply.json().clone()) {
        Ok(json) => match envelope(body) {
            Some((code, inner)) => {
                assert!(
                    code.is_some_and(|c| (200..300).contains(&c)),
                    "JSON from an envelope with code {code:?}"
                );
                assert_eq!(json, inner, "not the envelope's body");
            }
            None => {
                assert!(
                    (200..300).contains(&status),
                    "JSON from an HTTP {status} answer"
                );
                let parsed: Option<Value> = serde_json::from_slice(body).ok();
                assert_eq!(Some(json), parsed, "not the body's JSON");
            }
        },
        Err(e) => {
            assert!(!e.code().is_empty(), "an error without a code: {e:?}");
            assert!(e.http_status().is_some(), "an answer without a status");
            assert!(!e.to_string().is_empty());
            match &e {
                Error::UnexpectedResponse(u) => check_excerpt("unexpected", &u.excerpt),
                Error::Unavailable(u) => check_excerpt("unavailable", &u.excerpt),
                Error::Api(_) => {}
                other => panic!("an answer cannot give {other:?}"),
            }
        }
    }
});
