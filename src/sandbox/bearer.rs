//! The check every partner endpoint makes first: a bearer token of the
//! `jetpack-partner` scope, issued to a partner whose key is enabled.
//!
//! No token and an unknown token are refused the way every WordPress.com
//! REST endpoint refuses them, in the REST shape. What the endpoint itself
//! decides (the token's scope, a disabled key) is refused in the
//! endpoint's own shape.
//!
//! A disabled key still gets tokens. The reference lists
//! `partner_key_disabled` for status only, so status (both forms) answers
//! it; every other partner endpoint refuses the key's token as a token
//! not authorized for it: 403 `invalid_scope`, which the reference lists
//! for provision and cancel, with a message that says why.

use super::reply::{Reply, Shape};
use super::request::Incoming;
use super::state::{State, SubKey};

/// What the token check needs to know of an endpoint.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Guard {
    /// Finishes the sentence "This token is not authorized to …".
    pub action: &'static str,
    /// The shape of the endpoint's own refusals.
    pub shape: Shape,
    /// Whether the endpoint names a disabled key as such (status).
    pub says_disabled: bool,
}

impl Guard {
    /// An endpoint that refuses a disabled key as not authorized.
    pub const fn new(action: &'static str, shape: Shape) -> Guard {
        Guard {
            action,
            shape,
            says_disabled: false,
        }
    }
}

/// The partner a valid token stands for.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub partner_id: String,
    /// Set when the key was made by `partner-keys/new`.
    pub sub_key: Option<SubKey>,
}

/// Checks the `Authorization` header for the endpoint `guard` describes.
pub(crate) fn check(state: &State, rq: &Incoming, guard: Guard) -> Result<Caller, Reply> {
    let Some(token) = rq.authorization.as_deref().and_then(bearer_token) else {
        return Err(Reply::rest_error(
            403,
            "authorization_required",
            "An active access token must be used to access partner endpoints.",
        ));
    };
    let invalid = || Reply::rest_error(400, "invalid_token", "The OAuth2 token is invalid.");
    let grant = state.tokens.get(token).ok_or_else(invalid)?;
    // A partner missing from a reloaded state takes its tokens with it.
    let partner = state.partners.get(&grant.partner_id).ok_or_else(invalid)?;
    let action = guard.action;
    if grant.scope != "jetpack-partner" {
        return Err(Reply::error(
            guard.shape,
            403,
            "invalid_scope",
            &format!("This token is not authorized to {action}"),
        ));
    }
    if partner.disabled && guard.says_disabled {
        return Err(Reply::error(
            guard.shape,
            400,
            "partner_key_disabled",
            "This partner key has been disabled. Contact Jetpack partner support.",
        ));
    }
    if partner.disabled {
        return Err(Reply::error(
            guard.shape,
            403,
            "invalid_scope",
            &format!(
                "This token is not authorized to {action}: its partner key has been disabled. Contact Jetpack partner support."
            ),
        ));
    }
    Ok(Caller {
        partner_id: grant.partner_id.clone(),
        sub_key: partner.sub_key.clone(),
    })
}

/// The token of `Bearer <token>`; the scheme is case-insensitive. Any other
/// scheme counts as no token at all.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bearer_scheme_carries_a_token() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer"), Some(""));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token(""), None);
    }
}
