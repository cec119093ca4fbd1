//! What every `wpcom/v2` and `activity-log` route checks first, in the
//! WordPress REST error shape those routes use: the token (the partner's,
//! or one a WordPress.com user approved), then the site, named by its
//! numeric blog ID only.
//!
//! The reference does not say whether a partner token reaches sites the
//! partner never provisioned (its gap B.1). The sandbox says no: a site is
//! the calling partner's while it holds one of the partner's products,
//! active or pending. Any other known site is 403 `unauthorized`; a blog ID
//! the sandbox never gave is 404 `unknown_blog`.

use super::reply::Reply;
use super::request::{Incoming, Params};
use super::sites::{Site, Sites};
use super::state::State;

/// The scope of the tokens a WordPress.com user approves.
pub(crate) const USER_SCOPE: &str = "global";

/// The scope of the partner's client-credentials tokens.
const PARTNER_SCOPE: &str = "jetpack-partner";

/// Which token a route takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    /// The partner's token (backups, restores, activity, scan status).
    Partner,
    /// A token a WordPress.com user approved (scan actions, reporting).
    User,
}

/// Checks the `Authorization` header for the token `needs`; gives the
/// partner it stands for.
pub(crate) fn caller(state: &State, rq: &Incoming, needs: Needs) -> Result<String, Reply> {
    let Some(token) = rq.authorization.as_deref().and_then(bearer_token) else {
        return Err(Reply::wp_error(
            401,
            "authorization_required",
            "An active access token must be used to access this endpoint.",
        ));
    };
    let invalid = || Reply::wp_error(400, "invalid_token", "The OAuth2 token is invalid.");
    let grant = state.tokens.get(token).ok_or_else(invalid)?;
    state.partners.get(&grant.partner_id).ok_or_else(invalid)?;
    let wanted = match needs {
        Needs::Partner => PARTNER_SCOPE,
        Needs::User => USER_SCOPE,
    };
    if grant.scope != wanted {
        let message = match needs {
            Needs::Partner => "This endpoint takes the partner's token (scope jetpack-partner).",
            Needs::User => {
                "This endpoint takes a token a WordPress.com user approved (scope global), \
                 not the partner's token."
            }
        };
        return Err(Reply::wp_error(403, "invalid_scope", message));
    }
    Ok(grant.partner_id.clone())
}

/// The key and the site a `{blog_id}` segment names, if the calling
/// partner holds a product on it.
pub(crate) fn partner_site<'s>(
    sites: &'s Sites,
    partner_id: &str,
    params: &Params,
) -> Result<(String, &'s Site), Reply> {
    let segment = params.site.as_deref().unwrap_or_default();
    let id = segment
        .parse::<u64>()
        .ok()
        .filter(|&id| id > 0 && segment.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Reply::wp_error(
                400,
                "rest_invalid_param",
                &format!("Invalid parameter(s): blog_id ({segment:?} is not a blog ID)"),
            )
        })?;
    let (key, site) = sites
        .iter()
        .find(|(_, site)| site.blog_id == id)
        .ok_or_else(|| Reply::wp_error(404, "unknown_blog", "Unknown blog"))?;
    if !site.products.iter().any(|a| a.partner_id == partner_id) {
        return Err(Reply::wp_error(
            403,
            "unauthorized",
            &format!("This partner has no product on blog {id}."),
        ));
    }
    Ok((key.clone(), site))
}

/// The token of `Bearer <token>`; the scheme is case-insensitive.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::sites::Activation;
    use crate::sandbox::state::Grant;

    fn state() -> State {
        let mut state = State::default();
        state.partners.insert("1".into(), Default::default());
        for (token, scope) in [("p-token", PARTNER_SCOPE), ("u-token", USER_SCOPE)] {
            state.tokens.insert(
                token.into(),
                Grant {
                    partner_id: "1".into(),
                    scope: scope.into(),
                },
            );
        }
        let site = Site {
            blog_id: 1000,
            products: vec![Activation {
                slug: "personal".into(),
                partner_id: "1".into(),
                ..Activation::default()
            }],
            ..Site::default()
        };
        state.sites.insert("a.test".into(), site);
        state.sites.insert(
            "b.test".into(),
            Site {
                blog_id: 1001,
                ..Site::default()
            },
        );
        state
    }

    fn with_token(token: &str) -> Incoming {
        Incoming {
            authorization: Some(format!("Bearer {token}")),
            ..Incoming::default()
        }
    }

    #[test]
    fn each_route_takes_its_own_kind_of_token() {
        let state = state();
        assert_eq!(
            caller(&state, &with_token("p-token"), Needs::Partner)
                .ok()
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            caller(&state, &with_token("u-token"), Needs::User)
                .ok()
                .as_deref(),
            Some("1")
        );
        let status = |rq: &Incoming, needs| caller(&state, rq, needs).err().map(|r| r.status);
        assert_eq!(status(&with_token("u-token"), Needs::Partner), Some(403));
        assert_eq!(status(&with_token("p-token"), Needs::User), Some(403));
        assert_eq!(status(&with_token("nope"), Needs::User), Some(400));
        assert_eq!(status(&Incoming::default(), Needs::User), Some(401));
    }

    #[test]
    fn a_site_is_the_partners_while_it_holds_a_product() {
        let state = state();
        let params = |site: &str| Params {
            site: Some(site.into()),
            ..Params::default()
        };
        let status = |site| {
            partner_site(&state.sites, "1", &params(site))
                .err()
                .map(|r| r.status)
        };
        assert_eq!(status("1000"), None);
        assert_eq!(status("1001"), Some(403));
        assert_eq!(status("999"), Some(404));
        assert_eq!(status("a.test"), Some(400));
        assert_eq!(status("0"), Some(400));
    }
}
