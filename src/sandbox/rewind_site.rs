//! What every rewind route (backups, archives, restores, the activity log)
//! does first: the partner's token, the site of the path (one the partner
//! holds a product on, by its blog ID), and that site's backups and
//! restores brought up to now.

use super::reply::Reply;
use super::request::{Incoming, Params};
use super::sites;
use super::state::State;
use super::wpcom::{self, Needs};

/// The site a rewind route names, caught up to the moment of the request.
pub(crate) struct RewindSite {
    pub blog: u64,
    /// Its host, which decides how the reserved test hosts behave.
    pub host: String,
    /// The moment of the request, in milliseconds.
    pub now: u64,
}

/// Checks the caller and the site, and brings the site's backups and
/// restores up to now (recording what ended in its activity log).
pub(crate) fn site(state: &mut State, rq: &Incoming, params: &Params) -> Result<RewindSite, Reply> {
    let partner = wpcom::caller(state, rq, Needs::Partner)?;
    let (key, site) = wpcom::partner_site(&state.sites, &partner, params)?;
    let blog = site.blog_id;
    let host = sites::host(&key).to_owned();
    let now = state.now_ms();
    let State {
        rewind, activity, ..
    } = state;
    if rewind.advance(activity, blog, &host, now) {
        state.dirty = true;
    }
    Ok(RewindSite { blog, host, now })
}

/// `rest_invalid_param`, naming the parameter and why.
pub(crate) fn invalid_param(name: &str, why: &str) -> Reply {
    Reply::wp_error(
        400,
        "rest_invalid_param",
        &format!("Invalid parameter(s): {name} ({why})"),
    )
}

/// A numeric ID of the path (`{download_id}`, `{restore_id}`).
pub(crate) fn path_id(params: &Params, name: &str) -> Result<u64, Reply> {
    let segment = params.get(name).unwrap_or_default();
    segment
        .parse::<u64>()
        .ok()
        .filter(|&id| id > 0 && segment.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| invalid_param(name, &format!("{segment:?} is not a number")))
}

/// No finished backup at or before the point asked for.
pub(crate) fn no_restore_point(earliest: Option<String>) -> Reply {
    let message = match earliest {
        Some(first) => format!(
            "This site has no finished backup at or before that point; its earliest is {first}."
        ),
        None => "This site has no finished backup yet.".to_owned(),
    };
    Reply::wp_error(400, "no_restore_point", &message)
}
