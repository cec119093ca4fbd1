//! What the partner reporting routes (reference 5) share: the caller, the
//! partner key it may read, and that key's activations.
//!
//! They take a token a WordPress.com user approved (see `wpcom`). The
//! reference does not say what a key ID is beyond "as pulled from the
//! portal" (its gap B.2). Here a key ID is a partner key's client ID: the
//! partner ID for the key a partner was started with, the `client_id` that
//! `partner-keys/new` answered for a sub-key. A caller may read its own key
//! and the sub-keys it made; any other key, known or not, is 403
//! `rest_forbidden` (WordPress REST's code for it: not `unauthorized`,
//! which clients read as a token to replace), as is a `PARTNER_ID` in the
//! path that is not the caller's.
//!
//! A key's activations are the products it provisioned that the sandbox
//! still holds: a cancelled product is gone from the sandbox's state, so
//! the reports never show a `cancelled_on`.

use super::reply::Reply;
use super::request::{percent_decode_path, Incoming, Params};
use super::sites::{Activation, Site};
use super::state::State;
use super::wpcom::{self, Needs};

/// One product a key provisioned, where it is.
pub(crate) struct KeyActivation<'s> {
    /// The site's key (`example.com::blog`).
    pub site_key: &'s str,
    pub site: &'s Site,
    pub activation: &'s Activation,
}

impl KeyActivation<'_> {
    /// When it became active: when it was provisioned, unless it is still
    /// pending (or older than the sandbox's record of times).
    pub fn activated_at(&self) -> Option<u64> {
        self.activation
            .created_at
            .filter(|_| !self.activation.pending)
    }
}

/// The partner whose WordPress.com user approved the request's token.
pub(crate) fn caller(state: &State, rq: &Incoming) -> Result<String, Reply> {
    wpcom::caller(state, rq, Needs::User)
}

/// The key a reporting request may read: the caller's token must be a
/// user's, `partner` (the path's `PARTNER_ID`, when the route has one)
/// the caller, and `key` one of the caller's keys. Both are decoded.
pub(crate) fn readable_key(
    state: &State,
    rq: &Incoming,
    partner: Option<&str>,
    key: &str,
) -> Result<String, Reply> {
    let caller = caller(state, rq)?;
    if let Some(partner) = partner {
        if partner != caller {
            return Err(Reply::wp_error(
                403,
                "rest_forbidden",
                &format!("This token is not for partner {partner}."),
            ));
        }
    }
    let mine = key == caller
        || state
            .partners
            .get(key)
            .and_then(|p| p.sub_key.as_ref())
            .is_some_and(|sub| sub.parent == caller);
    if !mine {
        return Err(Reply::wp_error(
            403,
            "rest_forbidden",
            &format!("Key {key} is not one of this partner's keys."),
        ));
    }
    Ok(key.to_owned())
}

/// What `key` provisioned, oldest first.
pub(crate) fn activations_of<'s>(state: &'s State, key: &str) -> Vec<KeyActivation<'s>> {
    let mut found: Vec<KeyActivation> = state
        .sites
        .iter()
        .flat_map(|(site_key, site)| {
            site.products
                .iter()
                .filter(|a| a.partner_id == key)
                .map(move |activation| KeyActivation {
                    site_key,
                    site,
                    activation,
                })
        })
        .collect();
    found.sort_by_key(|a| (a.activation.created_at, a.activation.id));
    found
}

/// `Invalid parameter(s): NAME (why)`, as WordPress REST refuses one.
pub(crate) fn invalid_param(name: &str, why: &str) -> Reply {
    Reply::wp_error(
        400,
        "rest_invalid_param",
        &format!("Invalid parameter(s): {name} ({why})"),
    )
}

/// The path segment a route captured as `{name}`, percent-decoded.
pub(crate) fn path_param(params: &Params, name: &str) -> Option<String> {
    params.get(name).map(|segment| {
        String::from_utf8_lossy(&percent_decode_path(segment.as_bytes())).into_owned()
    })
}
