//! The backups list and archives (reference 2.1 to 2.3):
//! `GET /wpcom/v2/sites/{blog_id}/rewind/backups`,
//! `POST …/rewind/downloads`, `GET …/rewind/downloads[/{download_id}]`,
//! and `GET …/rewind/downloads/{download_id}/data?token=…`, the archive's
//! bytes (with `Range`).

use serde_json::{Map, Value};

use super::archive;
use super::reply::{Reply, Shape};
use super::request::{Incoming, Params};
use super::rewind::Refusal;
use super::rewind_site::{invalid_param, no_restore_point, path_id, site};
use super::shared::Shared;
use super::state::random_token;

/// The parts of a backup, as `types` names them.
const PARTS: [&str; 7] = [
    "all", "themes", "plugins", "uploads", "sqls", "roots", "contents",
];

pub(crate) fn list(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    let mut state = shared.lock();
    match site(&mut state, rq, params) {
        Ok(site) => Reply::ok(Value::Array(state.rewind.backups(site.blog, site.now))),
        Err(refusal) => refusal,
    }
}

pub(crate) fn new_download(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(|| {
        let mut state = shared.lock();
        let site = site(&mut state, rq, params)?;
        let body = body(rq)?;
        let at = match body.get("rewindId") {
            None | Some(Value::Null) => None,
            Some(id) => Some(rewind_id(id)?),
        };
        let parts = match body.get("types") {
            None | Some(Value::Null) => vec!["all".to_owned()],
            Some(types) => parts(types)?,
        };
        let download = state
            .rewind
            .new_download(site.blog, at, parts, random_token(), site.now)
            .map_err(refused)?;
        state.dirty = true;
        Ok(Reply::ok(
            state.rewind.download_json(site.blog, &download, site.now),
        ))
    })
}

pub(crate) fn downloads(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(|| {
        let mut state = shared.lock();
        let site = site(&mut state, rq, params)?;
        let all = state
            .rewind
            .downloads(site.blog)
            .into_iter()
            .map(|d| state.rewind.download_json(site.blog, d, site.now))
            .collect();
        Ok(Reply::ok(Value::Array(all)))
    })
}

pub(crate) fn download(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(|| {
        let mut state = shared.lock();
        let site = site(&mut state, rq, params)?;
        let id = path_id(params, "download_id")?;
        let download = state
            .rewind
            .download(site.blog, id)
            .ok_or_else(|| not_found(site.blog, id))?;
        Ok(Reply::ok(
            state.rewind.download_json(site.blog, download, site.now),
        ))
    })
}

/// The archive's bytes (`GET`), or only their headers (`HEAD`). The
/// link's `token` is all it takes, as for a browser: no bearer token.
pub(crate) fn data(shared: &Shared, rq: &Incoming, params: &Params) -> Reply {
    run(|| {
        let mut state = shared.lock();
        let blog = params
            .site
            .as_deref()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| invalid_param("blog_id", "not a blog ID"))?;
        let id = path_id(params, "download_id")?;
        let now = state.now_ms();
        let download = state
            .rewind
            .download(blog, id)
            .ok_or_else(|| not_found(blog, id))?
            .clone();
        if rq.query_value("token") != Some(download.token.as_str()) {
            return Err(Reply::wp_error(
                403,
                "invalid_token",
                "This download link's token is not valid for this archive.",
            ));
        }
        if now < download.ready_ms {
            return Err(Reply::wp_error(
                409,
                "download_not_ready",
                "The archive is still being prepared; follow its progress and fetch it once \
                 the answer has its url.",
            ));
        }
        if now >= download.valid_until_ms {
            return Err(Reply::wp_error(
                410,
                "download_expired",
                "This download link has expired (links work for 24 hours); ask for a new \
                 archive.",
            ));
        }
        let archive = archive::build(
            blog,
            &download.snapshot.rewind_id,
            download.snapshot.end_ms / 1000,
            &download.parts,
        );
        let reply = ranged(rq, archive);
        // A download is bytes sent: not a HEAD, not a range refused.
        if rq.method == "GET" && matches!(reply.status, 200 | 206) {
            state.rewind.fetched(blog, id);
            state.dirty = true;
        }
        Ok(reply)
    })
}

/// The whole archive, or the one range asked for (RFC 9110: a range the
/// archive cannot satisfy is 416; a range that cannot be read, several
/// ranges, or an `If-Range` that names other bytes get the whole of it).
fn ranged(rq: &Incoming, archive: archive::Archive) -> Reply {
    let total = archive.bytes.len() as u64;
    let headers = |range: Option<(u64, u64)>| {
        let mut headers = vec![
            ("Content-Type".to_owned(), "application/gzip".to_owned()),
            (
                "Content-Disposition".to_owned(),
                format!("attachment; filename=\"{}\"", archive.name),
            ),
            ("Accept-Ranges".to_owned(), "bytes".to_owned()),
            ("ETag".to_owned(), archive.etag.clone()),
        ];
        if let Some((first, last)) = range {
            headers.push((
                "Content-Range".to_owned(),
                format!("bytes {first}-{last}/{total}"),
            ));
        }
        headers
    };
    let same_bytes = rq
        .if_range
        .as_deref()
        .is_none_or(|v| v.trim() == archive.etag);
    let wanted = rq
        .range
        .as_deref()
        .filter(|_| same_bytes)
        .map(|r| range(r, total));
    match wanted {
        Some(Range::Unsatisfiable) => Reply::wp_error(
            416,
            "range_not_satisfiable",
            &format!("The archive has {total} bytes."),
        )
        .header("Content-Range", &format!("bytes */{total}")),
        Some(Range::Bytes(first, last)) => {
            let slice = archive.bytes[first as usize..=last as usize].to_vec();
            Reply::bytes(206, slice, headers(Some((first, last))))
        }
        Some(Range::Whole) | None => {
            let h = headers(None);
            Reply::bytes(200, archive.bytes, h)
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Range {
    Whole,
    /// First and last byte, both included.
    Bytes(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range of a `total`-byte body.
fn range(header: &str, total: u64) -> Range {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let number = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (number(first), number(last), last.trim().is_empty()) {
        // bytes=-N: the last N.
        (None, Some(n), _) if first.trim().is_empty() => {
            if n == 0 || total == 0 {
                Range::Unsatisfiable
            } else {
                Range::Bytes(total.saturating_sub(n), total - 1)
            }
        }
        // bytes=A-
        (Some(a), None, true) if a < total => Range::Bytes(a, total - 1),
        // bytes=A-B
        (Some(a), Some(b), _) if a <= b && a < total => Range::Bytes(a, b.min(total - 1)),
        (Some(a), Some(b), _) if a <= b => Range::Unsatisfiable,
        (Some(_), None, true) => Range::Unsatisfiable,
        _ => Range::Whole,
    }
}

/// A handler's answer, refusals included.
fn run(handler: impl FnOnce() -> Result<Reply, Reply>) -> Reply {
    handler().unwrap_or_else(|refusal| refusal)
}

/// The body as a JSON object; a form's fields as text (`types` a
/// comma-separated list there).
fn body(rq: &Incoming) -> Result<Map<String, Value>, Reply> {
    if rq.is_json() {
        return match rq.json()? {
            Value::Object(map) => Ok(map),
            _ => Err(Reply::wp_error(
                400,
                "rest_invalid_json",
                "The body must be a JSON object.",
            )),
        };
    }
    let fields = rq.form(Shape::Wp)?;
    let mut map = Map::new();
    for (name, value) in fields.0 {
        let text = String::from_utf8_lossy(&value).into_owned();
        let value = if name == "types" {
            Value::Object(
                text.split(',')
                    .map(|p| (p.trim().to_owned(), Value::Bool(true)))
                    .collect(),
            )
        } else {
            Value::String(text)
        };
        map.insert(name, value);
    }
    Ok(map)
}

/// `rewindId`: a string (or number) of a Unix time, with a fraction or not.
fn rewind_id(value: &Value) -> Result<u64, Reply> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    super::dates::parse_rewind_id(text.trim())
        .ok_or_else(|| invalid_param("rewindId", &format!("{text:?} is not a rewind ID")))
}

/// `types`: an object of booleans, one per part wanted.
fn parts(types: &Value) -> Result<Vec<String>, Reply> {
    let Value::Object(map) = types else {
        return Err(invalid_param(
            "types",
            "an object such as {\"themes\": true, \"sqls\": true}",
        ));
    };
    if let Some(unknown) = map.keys().find(|k| !PARTS.contains(&k.as_str())) {
        return Err(invalid_param(
            "types",
            &format!("{unknown:?} is not one of {}", PARTS.join(", ")),
        ));
    }
    let wanted: Vec<String> = PARTS
        .iter()
        .filter(|p| map.get(**p).is_some_and(truthy))
        .map(|p| (*p).to_owned())
        .collect();
    if wanted.is_empty() {
        return Err(invalid_param("types", "no part is set to true"));
    }
    if wanted.iter().any(|p| p == "all") || wanted.len() == PARTS.len() - 1 {
        return Ok(vec!["all".to_owned()]);
    }
    Ok(wanted)
}

/// `true`, `1`, `"1"`, `"true"`, as PHP's loose checks read them.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => matches!(s.trim(), "1" | "true" | "yes"),
        _ => false,
    }
}

fn refused(refusal: Refusal) -> Reply {
    match refusal {
        Refusal::NoRestorePoint(earliest) => no_restore_point(earliest),
        Refusal::RestoreInProgress(id) => Reply::wp_error(
            409,
            "restore_in_progress",
            &format!("Restore {id} of this site is not over yet."),
        ),
    }
}

fn not_found(blog: u64, id: u64) -> Reply {
    Reply::wp_error(
        404,
        "download_not_found",
        &format!("Blog {blog} has no download {id}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        let table = [
            ("bytes=0-99", Range::Bytes(0, 99)),
            ("bytes=100-", Range::Bytes(100, 999)),
            ("bytes=-10", Range::Bytes(990, 999)),
            ("bytes=-5000", Range::Bytes(0, 999)),
            ("bytes=990-5000", Range::Bytes(990, 999)),
            ("bytes=999-999", Range::Bytes(999, 999)),
            ("bytes=1000-", Range::Unsatisfiable),
            ("bytes=1000-1001", Range::Unsatisfiable),
            ("bytes=-0", Range::Unsatisfiable),
            ("bytes=5-2", Range::Whole),
            ("bytes=0-1,5-6", Range::Whole),
            ("items=0-1", Range::Whole),
            ("bytes=a-b", Range::Whole),
        ];
        for (header, want) in table {
            assert_eq!(range(header, 1000), want, "{header}");
        }
    }

    #[test]
    fn types_is_an_object_of_known_parts() {
        let read = |v: Value| parts(&v).map_err(|r| r.status);
        assert_eq!(
            read(serde_json::json!({"themes": true, "sqls": "1", "uploads": false})),
            Ok(vec!["themes".to_owned(), "sqls".to_owned()])
        );
        assert_eq!(
            read(serde_json::json!({"all": true})),
            Ok(vec!["all".to_owned()])
        );
        assert_eq!(read(serde_json::json!(["themes"])), Err(400));
        assert_eq!(read(serde_json::json!({"db": true})), Err(400));
        assert_eq!(read(serde_json::json!({"themes": false})), Err(400));
    }
}
