//! `POST /oauth2/token`: the client-credentials grant (section 1); the
//! authorization-code grant of a partner's WordPress.com app is
//! `authorize`'s.

use serde_json::json;

use super::authorize;
use super::reply::Reply;
use super::request::Incoming;
use super::shared::Shared;

/// Scopes the sandbox grants. Only `jetpack-partner` opens the partner
/// endpoints; the others exist so clients can meet a wrong-scope token.
const SCOPES: &[&str] = &["jetpack-partner", "global", "auth", "stats"];

pub(crate) fn token(shared: &Shared, rq: &Incoming) -> Reply {
    let fields = match rq.fields() {
        Ok(fields) => fields,
        Err(why) => return Reply::oauth_error(400, "invalid_request", &why),
    };
    let Some(grant_type) = fields.text("grant_type") else {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "The grant_type parameter is missing.",
        );
    };
    if grant_type == "authorization_code" {
        return authorize::exchange(shared, &fields);
    }
    if grant_type != "client_credentials" {
        return Reply::oauth_error(
            400,
            "unsupported_grant_type",
            &format!(
                "Unsupported grant_type {grant_type:?}; partners use client_credentials, \
                 their WordPress.com apps authorization_code."
            ),
        );
    }
    let Some(client_id) = fields.text("client_id") else {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "The client_id parameter is missing.",
        );
    };
    let Some(secret) = fields.get("client_secret").filter(|s| !s.is_empty()) else {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "The client_secret parameter is missing.",
        );
    };
    let scope = fields.text("scope").unwrap_or_default();
    if !SCOPES.contains(&scope.as_str()) {
        return Reply::oauth_error(
            400,
            "invalid_scope",
            "Unknown or missing scope; partners use jetpack-partner.",
        );
    }
    let mut state = shared.lock();
    let Some(partner) = state.partners.get(&client_id) else {
        return Reply::oauth_error(400, "invalid_client", "Unknown client_id.");
    };
    if partner.secret != secret {
        return Reply::oauth_error(400, "invalid_client", "Incorrect client secret.");
    }
    let token = state.token_for(&client_id, &scope);
    Reply::ok(json!({
        "access_token": token,
        "token_type": "bearer",
        "blog_id": 0,
        "blog_url": 0,
        "scope": scope,
    }))
}
