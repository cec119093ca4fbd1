//! Turning an HTTP answer into JSON or an [`Error`].
//!
//! One place decides what every answer means: the `http_envelope` wrapper is
//! taken off, 429 and 5xx are temporary, a redirect or a body that is not
//! JSON is unexpected, an error body is the API refusing.

use serde_json::value::RawValue;
use serde_json::Value;

use serde::de::DeserializeOwned;

use crate::error::{
    clean_text, excerpt, ApiError, ApiErrorCode, Error, Unavailable, UnexpectedResponse,
    EXCERPT_CHARS, MESSAGE_CHARS,
};
use crate::redact::Redactor;

/// Largest answer the client reads. The API's answers are a few hundred
/// bytes; anything near this is not the API.
pub const MAX_BODY: u64 = 1024 * 1024;

/// An HTTP answer as read off the wire.
#[derive(Debug)]
pub(crate) struct Raw {
    pub status: u16,
    pub retry_after: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// The JSON text of an answer exactly as the API sent it (an
/// `http_envelope` taken off): its keys in their order, its escapes as
/// they were. `Debug` shows only its length, since it may hold a token.
#[derive(Clone, Default)]
pub struct RawAnswer(Option<Box<RawValue>>);

impl RawAnswer {
    /// The text, when the answer came from the API (not built by hand).
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().map(RawValue::get)
    }
}

impl RawAnswer {
    /// The same text with the value of the top-level field `name` (every
    /// occurrence) replaced by `value`: the other fields keep their order
    /// and their bytes. `None` when there is no text, or it is not an
    /// object.
    pub(crate) fn with_field(&self, name: &str, value: &Value) -> Option<RawAnswer> {
        let fields: OrderedFields = serde_json::from_str(self.get()?).ok()?;
        let value = serde_json::to_string(value).ok()?;
        let mut text = String::from("{");
        for (i, (key, raw)) in fields.0.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&serde_json::to_string(key).ok()?);
            text.push(':');
            text.push_str(if key == name { &value } else { raw.get() });
        }
        text.push('}');
        RawValue::from_string(text)
            .ok()
            .map(|raw| RawAnswer(Some(raw)))
    }
}

/// A JSON object's fields in the order they came, each value as its text.
struct OrderedFields(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for OrderedFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = OrderedFields;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedFields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(OrderedFields(fields))
            }
        }
        d.deserialize_map(Fields)
    }
}

impl std::fmt::Debug for RawAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawAnswer({} bytes)", self.get().map_or(0, str::len))
    }
}

impl PartialEq for RawAnswer {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawAnswer {}

/// A typed answer that keeps the text it was read from.
pub(crate) trait KeepsRaw {
    fn keep_raw(&mut self, raw: RawAnswer);
}

/// Implements [`KeepsRaw`] for answers with a `raw` field.
macro_rules! keeps_raw {
    ($($answer:ty),+) => {$(
        impl $crate::response::KeepsRaw for $answer {
            fn keep_raw(&mut self, raw: $crate::response::RawAnswer) {
                self.raw = raw;
            }
        }
    )+};
}
pub(crate) use keeps_raw;

/// A successful answer as read: its JSON, and its text as it came. What an
/// [`Endpoint`](crate::Endpoint) decodes.
#[derive(Debug)]
pub struct Reply {
    json: Value,
    raw: RawAnswer,
    /// The secrets of the request it answers, to mask a refusal with.
    redactor: Redactor,
}

impl Reply {
    /// Decodes an answer read by any HTTP stack: its status, its
    /// `Retry-After` header if any, and its body. Gives the successful
    /// answer (an `http_envelope` taken off), or the [`Error`] it stands
    /// for. For tests of an endpoint's decoding, and for fuzzing.
    pub fn decode(status: u16, retry_after: Option<&str>, body: &[u8]) -> Result<Reply, Error> {
        let raw = Raw {
            status,
            retry_after: retry_after.map(str::to_owned),
            location: None,
            body: body.to_vec(),
        };
        decode(raw, &Redactor::new())
    }

    /// The answer's JSON.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The answer's text as it came.
    pub fn raw(&self) -> &RawAnswer {
        &self.raw
    }

    /// A 200 that says `"success": false` is a refusal: the refusal, with
    /// the API's code when it gave one ([`ApiErrorCode::Unsuccessful`]
    /// otherwise), its texts masked.
    ///
    /// [`ApiErrorCode::Unsuccessful`]: crate::ApiErrorCode::Unsuccessful
    pub fn refusal(&self) -> Option<ApiError> {
        refusal(&self.json, &self.redactor)
    }

    /// A 200 that says `"ok": false` (the `wpcom/v2` fixer routes answer
    /// so) is a refusal: the refusal, its texts masked. Its `error` is the
    /// code when it is one word (`invalid_threat`); a sentence is the
    /// message of an [`ApiErrorCode::Unsuccessful`].
    ///
    /// [`ApiErrorCode::Unsuccessful`]: crate::ApiErrorCode::Unsuccessful
    pub(crate) fn not_ok(&self) -> Option<ApiError> {
        not_ok(&self.json, &self.redactor)
    }

    /// The answer read into `T` (which keeps the text it came from); a
    /// refusal is an error. `what` names the answer in the error when it
    /// is not the documented object (the body is not quoted: it may hold
    /// a token).
    pub(crate) fn typed<T: DeserializeOwned + KeepsRaw>(self, what: &str) -> Result<T, Error> {
        if let Some(refusal) = self.refusal() {
            return Err(Error::Api(refusal));
        }
        let Reply { json, raw, .. } = self;
        let mut typed: T = serde_json::from_value(json).map_err(|_| not_documented(what))?;
        typed.keep_raw(raw);
        Ok(typed)
    }

    /// The answer read into any `T` (a refusal is an error): for an
    /// endpoint defined outside this crate.
    pub fn into_typed<T: DeserializeOwned>(self, what: &str) -> Result<T, Error> {
        if let Some(refusal) = self.refusal() {
            return Err(Error::Api(refusal));
        }
        serde_json::from_value(self.json).map_err(|_| not_documented(what))
    }

    /// The answer's JSON and text.
    pub(crate) fn into_parts(self) -> (Value, RawAnswer) {
        (self.json, self.raw)
    }
}

/// A successful answer that is not the object the API documents; `what`
/// says what is wrong with it.
pub(crate) fn not_documented(what: &str) -> Error {
    Error::UnexpectedResponse(UnexpectedResponse {
        status: Some(200),
        reason: what.to_owned(),
        excerpt: String::new(),
    })
}

/// The text of the answer's JSON, from inside an envelope when there is one.
fn raw_text(body: &[u8], enveloped: bool) -> RawAnswer {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        body: &'a RawValue,
    }
    let raw = if enveloped {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.body.to_owned())
    } else {
        serde_json::from_slice::<Box<RawValue>>(body).ok()
    };
    RawAnswer(raw)
}

/// The JSON of a successful answer, or the error it stands for. Every
/// text an error takes from the answer has the secrets `redactor` knows
/// masked first, then is cleaned and cut.
pub(crate) fn decode(raw: Raw, redactor: &Redactor) -> Result<Reply, Error> {
    let parsed = serde_json::from_slice::<Value>(&raw.body).ok();
    let mut enveloped = false;
    let (status, json, retry_after) = match parsed.map(unwrap_envelope) {
        Some(Ok((status, body, retry_after))) => {
            enveloped = true;
            (status, Some(body), retry_after)
        }
        Some(Err(plain)) => (raw.status, Some(plain), raw.retry_after.clone()),
        None => (raw.status, None, raw.retry_after.clone()),
    };
    let body_excerpt = || {
        // A credential the server just made is not known to `redactor`:
        // it is found by its field's name.
        let masked = redactor.clean(&String::from_utf8_lossy(&raw.body));
        excerpt(crate::redact::mask_secret_fields(&masked).as_bytes())
    };
    let unexpected = |reason: String| {
        Error::UnexpectedResponse(UnexpectedResponse {
            status: Some(status),
            reason: redactor.clean(&reason),
            excerpt: body_excerpt(),
        })
    };
    let api_error = |json: &Value| {
        let mut json = json.clone();
        redactor.clean_value(&mut json);
        ApiError::from_json(status, &json)
    };
    if !(200..=599).contains(&status) {
        return Err(unexpected(format!(
            "the answer's status {status} is not one the API uses"
        )));
    }
    if status == 429 || status >= 500 {
        let message = json.as_ref().and_then(api_error);
        return Err(Error::Unavailable(Unavailable {
            status,
            code: message.as_ref().map(|e| e.code.as_str().to_owned()),
            retry_after: retry_after
                .as_deref()
                .and_then(|v| crate::retry::parse_retry_after(v, std::time::SystemTime::now())),
            // The API's message can be long and hold anything: cut and
            // clean it like a body.
            excerpt: match message {
                Some(e) => clean_text(&e.message, EXCERPT_CHARS),
                None => body_excerpt(),
            },
        }));
    }
    if (300..400).contains(&status) {
        let to = raw
            .location
            .as_deref()
            .map(|to| {
                let masked = crate::redact::mask_secret_fields(&redactor.clean(to));
                clean_text(&masked, EXCERPT_CHARS)
            })
            .unwrap_or_else(|| "nowhere".into());
        return Err(unexpected(format!(
            "the server redirects to {to}; point the API base at the final address"
        )));
    }
    let Some(json) = json else {
        return Err(unexpected("the answer is not JSON".into()));
    };
    if status >= 400 {
        return Err(match api_error(&json) {
            Some(e) => Error::Api(e),
            None => unexpected("an error answer without an error code".into()),
        });
    }
    Ok(Reply {
        json,
        raw: raw_text(&raw.body, enveloped),
        redactor: redactor.clone(),
    })
}

/// A 200 that says `"success": false` is a refusal. Returns the refusal,
/// with the API's code when it gave one, its texts masked by `redactor`.
pub(crate) fn refusal(json: &Value, redactor: &Redactor) -> Option<ApiError> {
    if json.get("success") != Some(&Value::Bool(false)) {
        return None;
    }
    let mut json = json.clone();
    redactor.clean_value(&mut json);
    let json = &json;
    Some(ApiError::from_json(200, json).unwrap_or_else(|| ApiError {
        status: 200,
        code: ApiErrorCode::Unsuccessful,
        message: "the API answered \"success\": false without an error code".into(),
        body: json.clone(),
    }))
}

/// A 200 that says `"ok": false` is a refusal; see [`Reply::not_ok`].
pub(crate) fn not_ok(json: &Value, redactor: &Redactor) -> Option<ApiError> {
    if json.get("ok") != Some(&Value::Bool(false)) {
        return None;
    }
    let mut json = json.clone();
    redactor.clean_value(&mut json);
    let text = |key: &str| json.get(key).and_then(Value::as_str).unwrap_or("").trim();
    let error = text("error");
    let is_code = !error.is_empty()
        && error
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let (code, message) = if is_code {
        (ApiErrorCode::from_text(error), text("message"))
    } else if error.is_empty() {
        (
            ApiErrorCode::Unsuccessful,
            "the API answered \"ok\": false without a reason",
        )
    } else {
        (ApiErrorCode::Unsuccessful, error)
    };
    let message = clean_text(message, MESSAGE_CHARS);
    Some(ApiError {
        status: 200,
        code,
        message,
        body: json,
    })
}

/// `{"code": 403, "headers": [...], "body": {...}}` -> (403, body, Retry-After).
/// Gives the value back untouched when it is not an envelope.
fn unwrap_envelope(json: Value) -> Result<(u16, Value, Option<String>), Value> {
    let is_envelope = json.as_object().is_some_and(|o| {
        o.get("code").and_then(Value::as_u64).is_some()
            && o.contains_key("body")
            && o.get("headers").is_some_and(Value::is_array)
    });
    if !is_envelope {
        return Err(json);
    }
    let status = json["code"]
        .as_u64()
        .and_then(|c| u16::try_from(c).ok())
        .unwrap_or(0);
    let retry_after = json["headers"].as_array().and_then(|headers| {
        headers.iter().find_map(|h| {
            let name = h.get("name")?.as_str()?;
            let value = h.get("value")?;
            name.eq_ignore_ascii_case("retry-after").then(|| {
                value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned)
            })
        })
    });
    let Value::Object(mut o) = json else {
        return Err(Value::Null);
    };
    let body = o.remove("body").unwrap_or(Value::Null);
    Ok((status, body, retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXCERPT_CHARS;
    use serde_json::json;
    use std::time::Duration;

    fn decode_plain(raw: Raw) -> Result<Value, Error> {
        decode(raw, &Redactor::new()).map(|answer| answer.json)
    }

    #[test]
    fn the_raw_text_is_kept_as_it_came_and_taken_out_of_an_envelope() {
        let plain = r#"{"z":1,"a":"caf\u00e9","m":[true]}"#;
        let answer = decode(raw(200, plain), &Redactor::new()).ok();
        assert_eq!(answer.as_ref().and_then(|a| a.raw.get()), Some(plain));
        let wrapped = format!(r#"{{"code":200,"headers":[],"body":{plain}}}"#);
        let answer = decode(raw(200, &wrapped), &Redactor::new()).ok();
        assert_eq!(answer.as_ref().and_then(|a| a.raw.get()), Some(plain));
    }

    #[test]
    fn a_field_of_the_raw_text_is_replaced_and_the_rest_kept() {
        let text = r#"{"z":1, "next_url":"a\/b","x":{"next_url":2},"e":"caf\u00e9"}"#;
        let answer = decode(raw(200, text), &Redactor::new()).ok();
        let changed = answer
            .as_ref()
            .and_then(|a| a.raw.with_field("next_url", &json!("c&d")));
        assert_eq!(
            changed.as_ref().and_then(RawAnswer::get),
            Some(r#"{"z":1,"next_url":"c&d","x":{"next_url":2},"e":"caf\u00e9"}"#)
        );
        assert!(RawAnswer::default().with_field("a", &json!(1)).is_none());
        let list = decode(raw(200, "[1,2]"), &Redactor::new()).ok();
        assert!(list
            .and_then(|a| a.raw.with_field("a", &json!(1)))
            .is_none());
    }

    fn raw(status: u16, body: &str) -> Raw {
        Raw {
            status,
            retry_after: None,
            location: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn api_code(r: Result<Value, Error>) -> (u16, String) {
        match r {
            Err(Error::Api(e)) => (e.status, e.code.as_str().to_owned()),
            other => panic!("not an API error: {other:?}"),
        }
    }

    #[test]
    fn plain_success_is_the_json() {
        let v = decode_plain(raw(200, r#"{"access_token":"t"}"#));
        assert_eq!(v.ok(), Some(json!({"access_token": "t"})));
    }

    #[test]
    fn every_error_shape_is_an_api_error() {
        for (status, body, code) in [
            (
                400,
                r#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
                "invalid_client",
            ),
            (
                403,
                r#"{"error":"invalid_blog","message":"The blog ID 1 is invalid"}"#,
                "invalid_blog",
            ),
            (
                400,
                r#"{"success":false,"error_code":"invalid_plan","error_message":"x"}"#,
                "invalid_plan",
            ),
        ] {
            assert_eq!(
                api_code(decode_plain(raw(status, body))),
                (status, code.to_owned())
            );
        }
    }

    #[test]
    fn envelope_decodes_like_a_plain_answer() {
        let plain = r#"{"error":"invalid_scope","message":"This token is not authorized"}"#;
        let wrapped = format!(
            r#"{{"code":403,"headers":[{{"name":"Content-Type","value":"application/json"}}],"body":{plain}}}"#
        );
        assert_eq!(
            api_code(decode_plain(raw(200, &wrapped))),
            api_code(decode_plain(raw(403, plain)))
        );
        let ok = r#"{"code":200,"headers":[],"body":{"success":true}}"#;
        assert_eq!(
            decode_plain(raw(200, ok)).ok(),
            Some(json!({"success": true}))
        );
    }

    #[test]
    fn envelope_carries_retry_after() {
        let wrapped = r#"{"code":429,"headers":[{"name":"Retry-After","value":"7"}],"body":{"error":"rate_limited"}}"#;
        match decode_plain(raw(200, wrapped)) {
            Err(Error::Unavailable(u)) => {
                assert_eq!(
                    (u.status, u.retry_after),
                    (429, Some(Duration::from_secs(7)))
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_json_is_unexpected_with_an_excerpt() {
        for status in [200, 400, 404] {
            match decode_plain(raw(status, "<html><body>Oops\n</body></html>")) {
                Err(Error::UnexpectedResponse(u)) => {
                    assert_eq!(u.status, Some(status));
                    assert_eq!(u.excerpt, "<html><body>Oops </body></html>");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn json_error_without_a_code_is_unexpected() {
        assert!(matches!(
            decode_plain(raw(404, r#"{"message":"nope"}"#)),
            Err(Error::UnexpectedResponse(_))
        ));
    }

    #[test]
    fn rate_limits_and_5xx_are_unavailable() {
        let mut r = raw(429, "slow down");
        r.retry_after = Some("3".into());
        match decode_plain(r) {
            Err(Error::Unavailable(u)) => assert_eq!(u.retry_after, Some(Duration::from_secs(3))),
            other => panic!("{other:?}"),
        }
        for status in [500, 502, 503, 504] {
            let e = decode_plain(raw(status, "<html>Bad Gateway</html>")).err();
            assert_eq!(
                e.map(|e| e.code().to_owned()).as_deref(),
                Some("service_unavailable")
            );
        }
    }

    #[test]
    fn an_empty_error_code_is_no_code() {
        // Found by the decode_answer fuzz target: Error::code() was "".
        for body in [
            r#"{"error":""}"#,
            r#"{"code":402,"headers":[],"body":{"error":""}}"#,
        ] {
            let e = decode_plain(raw(400, body)).err();
            assert!(
                matches!(e, Some(Error::UnexpectedResponse(_))),
                "{body}: {e:?}"
            );
            assert_eq!(
                e.map(|e| e.code().to_owned()).as_deref(),
                Some("unexpected_response")
            );
        }
        let r = refusal(
            &json!({"success": false, "error_code": ""}),
            &Redactor::new(),
        );
        assert_eq!(r.map(|e| e.code), Some(ApiErrorCode::Unsuccessful));
    }

    #[test]
    fn an_unavailable_excerpt_of_a_json_message_is_short_and_clean() {
        // Found by the decode_answer fuzz target: the API's message was
        // passed on whole, control characters and all.
        let body = json!({
            "error": "upstream\u{7f}_timeout",
            "message": format!("\u{1b}[31m{}\r\n", "x".repeat(500)),
        })
        .to_string();
        match decode_plain(raw(503, &body)) {
            Err(Error::Unavailable(u)) => {
                // The code is kept apart, and said once.
                assert_eq!(u.code.as_deref(), Some("upstream_timeout"));
                assert!(u.excerpt.starts_with("[31mxx"), "{}", u.excerpt);
                assert_eq!(u.excerpt.chars().count(), EXCERPT_CHARS + 1);
                assert!(!u.excerpt.chars().any(char::is_control), "{}", u.excerpt);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn redirects_are_unexpected_and_name_the_target() {
        let mut r = raw(301, "");
        r.location = Some("https://elsewhere.test/".into());
        match decode_plain(r) {
            Err(Error::UnexpectedResponse(u)) => assert!(u.reason.contains("elsewhere.test")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ok_false_is_a_refusal_with_a_code_or_a_message() {
        let r = not_ok(
            &json!({"ok": false, "error": "invalid_threat"}),
            &Redactor::new(),
        );
        assert_eq!(
            r.map(|e| e.code),
            Some(ApiErrorCode::Other("invalid_threat".into()))
        );
        let r = not_ok(
            &json!({"ok": false, "error": "The scanner is not ready."}),
            &Redactor::new(),
        );
        let r = r.map(|e| (e.code, e.message));
        assert_eq!(
            r,
            Some((
                ApiErrorCode::Unsuccessful,
                "The scanner is not ready.".to_owned()
            ))
        );
        let r = not_ok(&json!({"ok": false}), &Redactor::new()).map(|e| e.code);
        assert_eq!(r, Some(ApiErrorCode::Unsuccessful));
        assert!(not_ok(&json!({"ok": true}), &Redactor::new()).is_none());
        assert!(not_ok(&json!({"success": false}), &Redactor::new()).is_none());
    }

    #[test]
    fn success_false_is_a_refusal() {
        let r = refusal(
            &json!({"success": false, "error_code": "x", "error_message": "y"}),
            &Redactor::new(),
        );
        assert_eq!(r.map(|e| e.code), Some(ApiErrorCode::Other("x".into())));
        let r = refusal(&json!({"success": false}), &Redactor::new());
        assert_eq!(r.map(|e| e.code), Some(ApiErrorCode::Unsuccessful));
        assert!(refusal(&json!({"success": true}), &Redactor::new()).is_none());
        assert!(refusal(&json!({"access_token": "t"}), &Redactor::new()).is_none());
    }
}
