//! The authorization-code flow with a partner's WordPress.com app:
//! `GET /oauth2/authorize`, which approves at once (no one signs in, so a
//! test can play the browser), and the `authorization_code` grant of
//! `POST /oauth2/token`.
//!
//! The authorize step checks the app's client ID and its registered
//! redirect URI (byte for byte) and, when either is wrong, answers with an
//! OAuth error and no redirect, as a server must (RFC 6749, 4.1.2.1). A
//! wrong `response_type` or `scope` is sent back in the redirect. Each
//! code is good for one exchange, by the app it was given to, with the
//! redirect URI it was given for, within the code lifetime (60 s unless
//! the sandbox was given another). The token is the partner's user token
//! (scope `global`), the one `Sandbox::user_token` gives.

use std::time::Instant;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use super::reply::Reply;
use super::request::{Fields, Incoming};
use super::shared::Shared;
use super::state::{random_token, Code, State, TokenField};
use super::wpcom::USER_SCOPE;

/// What a query value leaves as it is: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Codes waiting for their exchange at once, at most: a client cannot make
/// the sandbox hold more.
const MAX_CODES: usize = 10_000;

/// `GET /oauth2/authorize`.
pub(crate) fn authorize(shared: &Shared, rq: &Incoming) -> Reply {
    let value = |name: &str| rq.query_value(name).unwrap_or_default();
    let client_id = value("client_id");
    let mut state = shared.lock();
    let Some(app) = state.apps.get(client_id).cloned() else {
        return Reply::oauth_error(400, "invalid_client", "Unknown client_id.");
    };
    let redirect_uri = value("redirect_uri");
    if redirect_uri != app.redirect_uri {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "The redirect_uri does not match the redirect URI registered for this app.",
        );
    }
    let back = |pairs: &[(&str, &str)]| {
        let mut location = redirect_uri.to_owned();
        let mut separator = if location.contains('?') { '&' } else { '?' };
        let given_state = rq.query_value("state");
        let state_pair = given_state.map(|s| ("state", s));
        for (name, v) in pairs.iter().copied().chain(state_pair) {
            location.push(separator);
            location.push_str(name);
            location.push('=');
            location.extend(utf8_percent_encode(v, UNRESERVED));
            separator = '&';
        }
        Reply::redirect(location)
    };
    if value("response_type") != "code" {
        return back(&[
            ("error", "unsupported_response_type"),
            (
                "error_description",
                "Only response_type=code is served here.",
            ),
        ]);
    }
    if value("scope") != USER_SCOPE {
        return back(&[
            ("error", "invalid_scope"),
            ("error_description", "Partner apps ask for scope=global."),
        ]);
    }
    let now = Instant::now();
    state.codes.retain(|_, c| !c.used && c.expires > now);
    if state.codes.len() >= MAX_CODES {
        return back(&[
            ("error", "temporarily_unavailable"),
            (
                "error_description",
                "Too many codes wait for their exchange.",
            ),
        ]);
    }
    let code = random_token();
    let expires = now + state.code_lifetime;
    state.codes.insert(
        code.clone(),
        Code {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            partner_id: app.partner_id.clone(),
            expires,
            used: false,
        },
    );
    back(&[("code", &code)])
}

/// The `authorization_code` grant of `POST /oauth2/token`.
pub(crate) fn exchange(shared: &Shared, fields: &Fields) -> Reply {
    let missing = |name: &str| {
        Reply::oauth_error(
            400,
            "invalid_request",
            &format!("The {name} parameter is missing."),
        )
    };
    let Some(client_id) = fields.text("client_id") else {
        return missing("client_id");
    };
    let mut state = shared.lock();
    let Some(app) = state.apps.get(&client_id).cloned() else {
        return Reply::oauth_error(400, "invalid_client", "Unknown client_id.");
    };
    let Some(secret) = fields.get("client_secret").filter(|s| !s.is_empty()) else {
        return missing("client_secret");
    };
    if secret != app.secret {
        return Reply::oauth_error(400, "invalid_client", "Incorrect client secret.");
    }
    let Some(redirect_uri) = fields.text("redirect_uri") else {
        return missing("redirect_uri");
    };
    let Some(code) = fields.text("code") else {
        return missing("code");
    };
    let partner_id = match redeem(&mut state, &code, &client_id, &redirect_uri) {
        Ok(partner_id) => partner_id,
        Err(refusal) => return Reply::oauth_error(400, "invalid_grant", refusal),
    };
    if !state.partners.contains_key(&partner_id) {
        return Reply::oauth_error(
            400,
            "invalid_grant",
            "The user who approved this code is not known.",
        );
    }
    let token = state.token_for(&partner_id, USER_SCOPE);
    Reply::ok(answer(app.answer, &token))
}

/// Marks the code used, if it may be exchanged now by this app for this
/// redirect URI, and gives the partner whose user approved it; else says
/// why not. A refused exchange leaves the code as it was.
fn redeem(
    state: &mut State,
    code: &str,
    client_id: &str,
    redirect_uri: &str,
) -> Result<String, &'static str> {
    let Some(found) = state.codes.get_mut(code) else {
        return Err("Unknown authorization code.");
    };
    if found.used {
        return Err("The authorization code has already been used.");
    }
    if found.client_id != client_id {
        return Err("The authorization code was issued to another client.");
    }
    if Instant::now() >= found.expires {
        return Err("The authorization code has expired.");
    }
    if found.redirect_uri != redirect_uri {
        return Err(
            "The redirect_uri does not match the one the authorization code was issued for.",
        );
    }
    found.used = true;
    Ok(found.partner_id.clone())
}

/// The token answer, with the token in the field the app was set up with.
fn answer(field: TokenField, token: &str) -> Value {
    let mut body = Map::new();
    if matches!(field, TokenField::AccessToken | TokenField::Both) {
        body.insert("access_token".into(), json!(token));
    }
    if matches!(field, TokenField::Secret | TokenField::Both) {
        body.insert("secret".into(), json!(token));
    }
    body.insert("token_type".into(), json!("bearer"));
    body.insert("blog_id".into(), json!(0));
    body.insert("blog_url".into(), json!(0));
    body.insert("scope".into(), json!(USER_SCOPE));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_names_the_field_the_app_was_set_up_with() {
        let keys = |field| {
            let body = answer(field, "tok");
            let mut keys: Vec<String> = body
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            keys.retain(|k| k == "access_token" || k == "secret");
            keys
        };
        assert_eq!(keys(TokenField::AccessToken), ["access_token"]);
        assert_eq!(keys(TokenField::Secret), ["secret"]);
        assert_eq!(keys(TokenField::Both), ["access_token", "secret"]);
    }

    #[test]
    fn a_code_is_good_once_for_its_app_and_redirect_uri_in_time() {
        let mut state = State::default();
        let code = |expires| Code {
            client_id: "5678".into(),
            redirect_uri: "http://127.0.0.1:3210/".into(),
            partner_id: "1".into(),
            expires,
            used: false,
        };
        let later = Instant::now() + std::time::Duration::from_secs(60);
        state.codes.insert("c1".into(), code(later));
        state.codes.insert("old".into(), code(Instant::now()));
        let uri = "http://127.0.0.1:3210/";
        assert!(redeem(&mut state, "nope", "5678", uri).is_err());
        assert!(redeem(&mut state, "c1", "9999", uri).is_err());
        assert!(redeem(&mut state, "c1", "5678", "http://127.0.0.1:3210").is_err());
        assert_eq!(redeem(&mut state, "c1", "5678", uri), Ok("1".to_owned()));
        assert_eq!(
            redeem(&mut state, "c1", "5678", uri),
            Err("The authorization code has already been used.")
        );
        assert_eq!(
            redeem(&mut state, "old", "5678", uri),
            Err("The authorization code has expired.")
        );
    }
}
