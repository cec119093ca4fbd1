//! Restores (reference 3.1 and 3.2):
//! `POST /wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}` and
//! `GET …/rewind/{restore_id}/restore-status` (also under the `/rest/v1/`
//! prefix of the reference's example).
//!
//! The `<timestamp>` is a Unix time or a rewind ID, fraction and all; the
//! restore goes back to the newest finished backup at or before it.

use serde_json::{json, Value};

use super::dates;
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::rewind::{Refusal, RestoreAsk};
use super::rewind_site::{invalid_param, no_restore_point, path_id, site};
use super::shared::Shared;

/// What `types` may name.
const PARTS: [&str; 7] = [
    "all", "themes", "plugins", "uploads", "sqls", "roots", "contents",
];

/// How far past its own clock a timestamp may be: a client's clock a
/// little ahead is not refused.
const SLACK_MS: u64 = 5_000;

pub(crate) fn start(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(shared, rq, params).unwrap_or_else(|refusal| refusal)
}

fn run(shared: &Shared, rq: &Incoming, params: &Params) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let site = site(&mut state, rq, params)?;
    let target = params.get("timestamp").unwrap_or_default().to_owned();
    let target_ms = dates::parse_rewind_id(&target).ok_or_else(|| {
        Reply::wp_error(
            400,
            "invalid_timestamp",
            &format!("{target:?} is not a Unix time or a rewind ID."),
        )
    })?;
    if target_ms > site.now + SLACK_MS {
        return Err(Reply::wp_error(
            400,
            "invalid_timestamp",
            &format!("{target} is in the future: a restore goes back in time."),
        ));
    }
    let ask = read(rq, target, target_ms)?;
    let state = &mut *state;
    let (id, job_id) = state
        .rewind
        .new_restore(&mut state.activity, site.blog, &site.host, ask, site.now)
        .map_err(|refusal| match refusal {
            Refusal::NoRestorePoint(earliest) => no_restore_point(earliest),
            Refusal::RestoreInProgress(busy) => Reply::wp_error(
                409,
                "restore_in_progress",
                &format!(
                    "Restore {busy} of this site is not over yet; one restore runs at a time. \
                     Follow it with its restore-status."
                ),
            ),
        })?;
    state.dirty = true;
    Ok(Reply::ok(json!({
        "ok": true,
        "error": "",
        "restore_id": id,
        "job_id": job_id,
    })))
}

/// The body: `roleName` (required), `types`, `destinationSiteName`; JSON,
/// or a form (`types` a comma-separated list there).
fn read(rq: &Incoming, target: String, target_ms: u64) -> Result<RestoreAsk, Reply> {
    let body = if rq.is_json() {
        rq.json()?
    } else {
        let fields = rq.form(Shape::Wp)?;
        let mut map = serde_json::Map::new();
        for (name, value) in fields.0 {
            map.insert(
                name,
                Value::String(String::from_utf8_lossy(&value).into_owned()),
            );
        }
        Value::Object(map)
    };
    let role = match body.get("roleName").and_then(Value::as_str) {
        Some(role @ ("main" | "alternate")) => role.to_owned(),
        Some("import") => return Err(invalid_param("roleName", "import is for internal use only")),
        Some(other) => {
            return Err(invalid_param(
                "roleName",
                &format!("{other:?} is not main or alternate"),
            ))
        }
        None => {
            return Err(Reply::wp_error(
                400,
                "rest_missing_callback_param",
                "Missing parameter(s): roleName",
            ))
        }
    };
    let parts = match body.get("types") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(list)) => list.split(',').map(|p| p.trim().to_owned()).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|p| p.as_str().map(str::to_owned).unwrap_or_default())
            .collect(),
        Some(_) => {
            return Err(invalid_param("types", "a name or a list of names"));
        }
    };
    if let Some(unknown) = parts.iter().find(|p| !PARTS.contains(&p.as_str())) {
        return Err(invalid_param(
            "types",
            &format!("{unknown:?} is not one of {}", PARTS.join(", ")),
        ));
    }
    let destination = match body.get("destinationSiteName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if role == "alternate" => Some(name.clone()),
        Some(Value::String(_)) => {
            return Err(invalid_param(
                "destinationSiteName",
                "it names the site of an alternate restore; this one is main",
            ))
        }
        Some(_) => return Err(invalid_param("destinationSiteName", "not a string")),
    };
    Ok(RestoreAsk {
        target,
        target_ms,
        role,
        parts,
        destination,
    })
}

pub(crate) fn status(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    let site = match site(&mut state, rq, params) {
        Ok(site) => site,
        Err(refusal) => return refusal,
    };
    let id = match path_id(params, "restore_id") {
        Ok(id) => id,
        Err(refusal) => return refusal,
    };
    match state.rewind.restore_json(site.blog, id, site.now) {
        Some(answer) => Reply::ok(answer),
        None => Reply::wp_error(
            404,
            "restore_not_found",
            &format!("Blog {} has no restore {id}.", site.blog),
        ),
    }
}
