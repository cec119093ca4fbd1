//! `POST /rest/v1.3/jpphp/{blog_id}/ssh-credentials` (section 7), and the
//! SSH checks that provision shares with it.
//!
//! The path takes the blog ID; a site reference there is an invalid blog
//! ID, refused 403 `invalid_blog` as on every other endpoint. The
//! reference does not say who may set a site's credentials: the sandbox
//! lets a partner set them only on a site where it has a product (active
//! or pending), since backup credentials hand over the site's files, and
//! refuses anyone else with 403 `incorrect_partner_key`, the code the
//! reference gives a partner acting on another partner's subscription.

use serde_json::json;

use super::bearer::{self, Guard};
use super::reply::{Reply, Shape};
use super::request::{Fields, Incoming, Params};
use super::shared::Shared;
use super::sites;

/// The form fields that carry SSH access.
pub(crate) const SSH_FIELDS: &[&str] = &[
    "ssh_user",
    "ssh_pass",
    "ssh_private_key",
    "ssh_host",
    "ssh_port",
];

/// A refusal of SSH fields: the error code and the message.
pub(crate) type Refusal = (&'static str, &'static str);

pub(crate) fn ssh_credentials(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(shared, rq, params).unwrap_or_else(|refusal| refusal)
}

const GUARD: Guard = Guard::new("set backup credentials for partner sites", Shape::Rest);

fn run(shared: &Shared, rq: &Incoming, params: &Params) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let caller = bearer::check(&state, rq, GUARD)?;
    let fields = rq.form(GUARD.shape)?;
    let segment = params.site.as_deref().unwrap_or_default();
    // This endpoint takes the blog ID only, unlike the `{site}` endpoints.
    if !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(sites::invalid_blog(GUARD.shape, segment));
    }
    let key = sites::known(&state.sites, Some(segment), GUARD.shape)?;
    let Some(site) = state.sites.get_mut(&key) else {
        return Err(sites::invalid_blog(GUARD.shape, segment));
    };
    if !site.has_product_of(&caller.partner_id) {
        return Err(Reply::error(
            GUARD.shape,
            403,
            "incorrect_partner_key",
            "Only a partner with a product on this site can set its backup credentials.",
        ));
    }
    check(&fields, true).map_err(|(code, message)| Reply::rest_error(400, code, message))?;
    site.has_backups_credentials = true;
    state.dirty = true;
    Ok(Reply::ok(json!({"success": true})))
}

/// Whether the SSH fields are complete: a user, a password or a private
/// key, a port from 1 to 65535 if one is given, and a host when
/// `host_required` (provision defaults it from `siteurl`).
pub(crate) fn check(fields: &Fields, host_required: bool) -> Result<(), Refusal> {
    if fields.text("ssh_user").is_none() {
        return Err(("missing_ssh_user", "The ssh_user argument is required."));
    }
    if host_required && fields.text("ssh_host").is_none() {
        return Err(("missing_ssh_host", "The ssh_host argument is required."));
    }
    if !fields.any(&["ssh_pass", "ssh_private_key"]) {
        return Err((
            "missing_ssh_credentials",
            "Either ssh_pass or ssh_private_key is required.",
        ));
    }
    if !port_ok(fields, "ssh_port") {
        return Err((
            "invalid_ssh_port",
            "The ssh_port argument must be a number from 1 to 65535.",
        ));
    }
    Ok(())
}

/// An absent port is fine (the default applies); a given one must be a
/// number from 1 to 65535.
pub(crate) fn port_ok(fields: &Fields, name: &str) -> bool {
    fields.text(name).is_none_or(|port| {
        port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|n| n > 0)
    })
}
