//! Restores: `POST /wpcom/v1.1/activity-log/<blog_id>/rewind/to/<timestamp>`
//! queues one (reference 3.1), `GET
//! …/rewind/<restore_id>/restore-status` follows it (3.2).
//!
//! Decisions where the reference is silent or says two things (the README
//! tells why):
//!
//! * Both live under `/wpcom/v1.1/`, as their patterns say; the
//!   `/rest/v1/` of the restore-status example is taken for a slip.
//! * The `<timestamp>` is a Unix time, or a rewind ID from the activity log
//!   sent exactly as the API wrote it, fraction and all: cutting the
//!   fraction would name a moment just *before* that backup, and the
//!   service restores the newest snapshot at or before the timestamp, so
//!   the backup asked for would be skipped for the one before.
//! * `roleName` is always sent (the reference does not mark it optional),
//!   `main` unless told otherwise; `import` ("internal use only") cannot
//!   be asked for.
//! * The body is JSON: `types` is a list.
//! * A 200 whose `ok` is `false` is a refusal, with `error` as its code
//!   when it reads like one.
//! * A restore that ends `fail`, `aborted` or `killed` is an
//!   [`Error::Ended`] with that state as its code; `finished` is success.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::rewind::{loose, BackupParts, RewindId, ACTIVITY_LOG_V11};
use crate::blog::BlogId;
use crate::endpoint::{Body, Endpoint, Method, Repeat};
use crate::error::{ApiError, ApiErrorCode, Ended, Error};
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::time::UtcTime;
use crate::wait::{Look, Progress};

/// Which credentials a restore uses (the reference's `roleName`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RestoreRole {
    /// `main`: the site itself, restored in place.
    #[default]
    Main,
    /// `alternate`: a clone into another site.
    Alternate,
}

impl RestoreRole {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            RestoreRole::Main => "main",
            RestoreRole::Alternate => "alternate",
        }
    }
}

impl fmt::Display for RestoreRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RestoreRole {
    type Err = Error;

    fn from_str(text: &str) -> Result<RestoreRole, Error> {
        match text.trim() {
            "main" => Ok(RestoreRole::Main),
            "alternate" => Ok(RestoreRole::Alternate),
            "import" => Err(Error::InvalidInput(
                "the role import is for the service's internal use only; give main (the \
                 site itself) or alternate (a clone into another site)"
                    .into(),
            )),
            other => Err(Error::InvalidInput(format!(
                "{other:?} is not a restore role: give main (the site itself) or alternate \
                 (a clone into another site)"
            ))),
        }
    }
}

/// What a restore goes back to: the path's `<timestamp>`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Time(UtcTime),
    RewindId(RewindId),
}

/// Queues a restore of a site. It starts work, so it is sent again only
/// when it surely never arrived ([`Repeat::Once`]).
///
/// ```
/// use jetpack_partner::{BlogId, Body, Endpoint, Restore, RestoreRole};
/// let blog = BlogId::new(155308227)?;
/// let request = Restore::to_rewind_id(blog, "1605878792.626".parse()?);
/// assert_eq!(request.path()?, "/wpcom/v1.1/activity-log/155308227/rewind/to/1605878792.626");
/// let Body::Json(body) = request.body()? else { unreachable!() };
/// assert_eq!(body, serde_json::json!({"roleName": "main"}));
/// let request = Restore::to_time(blog, "2020-10-29T12:47:04Z".parse()?)
///     .role(RestoreRole::Alternate)
///     .destination_site_name("Staging");
/// assert_eq!(request.path()?, "/wpcom/v1.1/activity-log/155308227/rewind/to/1603975624");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restore {
    blog: BlogId,
    target: Target,
    role: RestoreRole,
    parts: Option<BackupParts>,
    destination_site_name: Option<String>,
}

impl Restore {
    /// Restores `blog` to how it was at `time` (the newest snapshot at or
    /// before it, then the changes up to it).
    pub fn to_time(blog: BlogId, time: UtcTime) -> Self {
        Restore::new(blog, Target::Time(time))
    }

    /// Restores `blog` to a restore point of its activity log or backups,
    /// sent as the API wrote it.
    pub fn to_rewind_id(blog: BlogId, rewind_id: RewindId) -> Self {
        Restore::new(blog, Target::RewindId(rewind_id))
    }

    fn new(blog: BlogId, target: Target) -> Self {
        Restore {
            blog,
            target,
            role: RestoreRole::Main,
            parts: None,
            destination_site_name: None,
        }
    }

    /// Which credentials to restore with (default `main`).
    pub fn role(mut self, role: RestoreRole) -> Self {
        self.role = role;
        self
    }

    /// Only these parts (default: everything).
    pub fn parts(mut self, parts: BackupParts) -> Self {
        self.parts = Some(parts);
        self
    }

    /// The site title to set on the clone; with [`RestoreRole::Alternate`]
    /// only.
    pub fn destination_site_name(mut self, name: impl Into<String>) -> Self {
        self.destination_site_name = Some(name.into());
        self
    }

    /// The path's `<timestamp>`.
    pub fn timestamp(&self) -> String {
        match &self.target {
            Target::Time(time) => time.unix().to_string(),
            Target::RewindId(id) => id.as_str().to_owned(),
        }
    }
}

impl Endpoint for Restore {
    type Answer = RestoreAnswer;
    const METHOD: Method = Method::Post;
    const REPEAT: Repeat = Repeat::Once;

    fn path(&self) -> Result<String, Error> {
        Ok(format!(
            "{ACTIVITY_LOG_V11}/{}/rewind/to/{}",
            self.blog,
            self.timestamp()
        ))
    }

    fn body(&self) -> Result<Body, Error> {
        let mut body = Map::new();
        body.insert("roleName".into(), self.role.as_str().into());
        if let Some(parts) = &self.parts {
            body.insert("types".into(), parts.as_list());
        }
        if let Some(name) = &self.destination_site_name {
            if self.role != RestoreRole::Alternate {
                return Err(Error::InvalidInput(
                    "a destination site name is for a restore into another site (role \
                     alternate); a main restore keeps the site's own"
                        .into(),
                ));
            }
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                return Err(Error::InvalidInput(
                    "the destination site name must be one line of text, not empty".into(),
                ));
            }
            body.insert("destinationSiteName".into(), name.as_str().into());
        }
        Ok(Body::Json(Value::Object(body)))
    }

    fn decode(&self, reply: Reply) -> Result<RestoreAnswer, Error> {
        not_ok(&reply)?;
        reply.typed("the restore answer has no restore_id")
    }
}

/// The answer to [`Restore`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RestoreAnswer {
    /// `true` (a `false` is an error instead).
    pub ok: bool,
    /// Empty.
    pub error: String,
    /// The restore's ID, to follow it with [`RestoreStatus`].
    pub restore_id: u64,
    /// The job behind it.
    pub job_id: Option<u64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for RestoreAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(RestoreAnswer {
                ok: f.get("ok", lenient::boolean)?,
                error: f.get("error", loose::text)?,
                restore_id: f.required("restore_id", loose::required_id)?,
                job_id: f.get("job_id", lenient::id::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(RestoreAnswer);

/// Where a restore stands.
///
/// ```
/// use jetpack_partner::{BlogId, Endpoint, RestoreStatus};
/// let request = RestoreStatus::new(BlogId::new(155308227)?, 234725);
/// assert_eq!(request.path()?, "/wpcom/v1.1/activity-log/155308227/rewind/234725/restore-status");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreStatus {
    blog: BlogId,
    restore_id: u64,
}

impl RestoreStatus {
    /// The restore `restore_id` of `blog`.
    pub fn new(blog: BlogId, restore_id: u64) -> Self {
        RestoreStatus { blog, restore_id }
    }
}

impl Endpoint for RestoreStatus {
    type Answer = RestoreStatusAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        if self.restore_id == 0 {
            return Err(Error::InvalidInput(
                "a restore ID is a positive number, not 0".into(),
            ));
        }
        Ok(format!(
            "{ACTIVITY_LOG_V11}/{}/rewind/{}/restore-status",
            self.blog, self.restore_id
        ))
    }

    fn decode(&self, reply: Reply) -> Result<RestoreStatusAnswer, Error> {
        not_ok(&reply)?;
        reply.typed("the restore-status answer has no restore_status object")
    }
}

/// The answer to [`RestoreStatus`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RestoreStatusAnswer {
    /// `true` (a `false` is an error instead).
    pub ok: bool,
    /// Empty.
    pub error: String,
    /// The restore.
    pub restore_status: RestoreState,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for RestoreStatusAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(RestoreStatusAnswer {
                ok: f.get("ok", lenient::boolean)?,
                error: f.get("error", loose::text)?,
                restore_status: f.required("restore_status", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(RestoreStatusAnswer);

/// A restore's state (reference 3.2). Values typed as numbers but sent as
/// text (`rewind_id`, `error_code`) are read either way.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RestoreState {
    /// `queued`, `running`, `finished`, `fail`, `aborted` or `killed`.
    pub status: String,
    /// How far, in percent.
    pub percent: Option<u64>,
    /// The point restored to. The reference calls it "the restore ID", but
    /// its example is a timestamp: it is read as the restore point.
    pub rewind_id: Option<RewindId>,
    /// Whether the notice of it was dismissed (bookkeeping of the web UI).
    pub is_dismissed: bool,
    /// The credentials' role: `main`, `alternate` or `import`.
    pub context: String,
    /// More about its state.
    pub message: String,
    /// A code when it failed (the example sends `""`).
    pub error_code: String,
    /// Why it failed.
    pub failure_reason: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for RestoreState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(RestoreState {
                status: f.get("status", loose::text)?,
                percent: f.get("percent", loose::number)?,
                rewind_id: f.get("rewind_id", loose::rewind_id)?,
                is_dismissed: f.get("is_dismissed", lenient::boolean)?,
                context: f.get("context", loose::text)?,
                message: f.get("message", loose::text)?,
                error_code: f.get("error_code", loose::text)?,
                failure_reason: f.get("failure_reason", loose::text)?,
                extra: f.rest(),
            })
        })
    }
}

/// The states a restore ends in without success.
pub const RESTORE_FAILURES: [&str; 3] = ["fail", "aborted", "killed"];

impl RestoreStatusAnswer {
    /// Its state: `queued`, `running`, `finished`, `fail`, …
    pub fn state(&self) -> &str {
        &self.restore_status.status
    }

    /// Whether it ended well.
    pub fn is_finished(&self) -> bool {
        self.state() == "finished"
    }

    /// For a [`Wait`](crate::Wait): done when `finished`; an
    /// [`Error::Ended`] (code `fail`, `aborted` or `killed`) when it ended
    /// otherwise; going on in any other state, with its percent.
    pub fn into_look(self, restore_id: u64) -> Result<Look<RestoreStatusAnswer>, Error> {
        if self.is_finished() {
            return Ok(Look::Done(self));
        }
        let state = &self.restore_status;
        if RESTORE_FAILURES.contains(&state.status.as_str()) {
            let reason = [&state.failure_reason, &state.message, &state.error_code]
                .into_iter()
                .find(|r| !r.is_empty())
                .map_or("", String::as_str);
            return Err(Error::Ended(Ended::new(
                "restore",
                &restore_id.to_string(),
                &state.status,
                reason,
            )));
        }
        Ok(Look::Going(Progress::new(
            if state.status.is_empty() {
                "queued"
            } else {
                &state.status
            },
            state.percent,
        )))
    }
}

/// A 200 that says `"ok": false` is a refusal: its `error` is the code
/// when it is one (a word of `a-z`, `0-9`, `_`, `-`), else the message.
fn not_ok(reply: &Reply) -> Result<(), Error> {
    let json = reply.json();
    if json.get("ok") != Some(&Value::Bool(false)) {
        return Ok(());
    }
    let error = json.get("error").and_then(Value::as_str).unwrap_or("");
    let is_code = !error.is_empty()
        && error
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    let (code, message) = if is_code {
        (ApiErrorCode::from_text(error), String::new())
    } else {
        (
            ApiErrorCode::Unsuccessful,
            if error.is_empty() {
                "the API answered \"ok\": false without an error".to_owned()
            } else {
                crate::error::clean_text(error, crate::error::MESSAGE_CHARS)
            },
        )
    };
    Err(Error::Api(ApiError {
        status: 200,
        code,
        message,
        body: json.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blog() -> BlogId {
        BlogId::new(155308227).unwrap_or_else(|e| panic!("{e}"))
    }

    fn status(body: &str) -> Result<RestoreStatusAnswer, Error> {
        RestoreStatus::new(blog(), 234725).decode(Reply::decode(200, None, body.as_bytes())?)
    }

    #[test]
    fn the_body_says_what_was_asked() -> Result<(), Error> {
        let request = Restore::to_time(blog(), UtcTime::from_unix(1603975624)?)
            .parts(BackupParts::parse("plugins,themes")?)
            .role(RestoreRole::Alternate)
            .destination_site_name("Staging copy");
        let Body::Json(body) = request.body()? else {
            panic!("not JSON");
        };
        assert_eq!(
            body,
            serde_json::json!({"roleName": "alternate", "types": ["themes", "plugins"],
                "destinationSiteName": "Staging copy"})
        );
        let main_with_name =
            Restore::to_time(blog(), UtcTime::from_unix(5)?).destination_site_name("x");
        assert!(
            matches!(main_with_name.validate(), Err(Error::InvalidInput(m)) if m.contains("alternate"))
        );
        assert_eq!(Restore::REPEAT, Repeat::Once);
        assert!("import".parse::<RestoreRole>().is_err());
        assert!(RestoreStatus::new(blog(), 0).path().is_err());
        Ok(())
    }

    #[test]
    fn the_answer_and_ok_false() -> Result<(), Error> {
        let request = Restore::to_time(blog(), UtcTime::from_unix(1603975624)?);
        let answer = request.decode(Reply::decode(
            200,
            None,
            br#"{"ok":true,"error":"","restore_id":234725,"job_id":4661184823}"#,
        )?)?;
        assert_eq!(
            (answer.restore_id, answer.job_id),
            (234725, Some(4661184823))
        );
        let refused = request.decode(Reply::decode(
            200,
            None,
            br#"{"ok":false,"error":"no_backup"}"#,
        )?);
        assert!(
            matches!(&refused, Err(Error::Api(e)) if e.code.as_str() == "no_backup"),
            "{refused:?}"
        );
        let refused = request.decode(Reply::decode(
            200,
            None,
            br#"{"ok":false,"error":"The site is busy."}"#,
        )?);
        assert!(
            matches!(&refused, Err(Error::Api(e)) if e.code == ApiErrorCode::Unsuccessful && e.message == "The site is busy."),
            "{refused:?}"
        );
        Ok(())
    }

    #[test]
    fn each_state_is_a_look() -> Result<(), Error> {
        let queued = status(
            r#"{"ok":true,"error":"","restore_status":{"percent":0,"status":"queued",
                "rewind_id":"1603977475","is_dismissed":false,"context":"main","message":"",
                "error_code":"","failure_reason":""}}"#,
        )?;
        assert_eq!(
            queued
                .restore_status
                .rewind_id
                .as_ref()
                .map(RewindId::as_str),
            Some("1603977475")
        );
        assert!(
            matches!(queued.into_look(1)?, Look::Going(p) if p.state == "queued" && p.percent == Some(0))
        );
        let running =
            status(r#"{"ok":true,"restore_status":{"percent":"45","status":"running"}}"#)?;
        assert!(matches!(running.into_look(1)?, Look::Going(p) if p.percent == Some(45)));
        let finished =
            status(r#"{"ok":true,"restore_status":{"percent":100,"status":"finished"}}"#)?;
        assert!(matches!(finished.into_look(1)?, Look::Done(_)));
        for end in RESTORE_FAILURES {
            let body = format!(
                r#"{{"ok":true,"restore_status":{{"status":"{end}","failure_reason":"disk full"}}}}"#
            );
            match status(&body)?.into_look(77) {
                Err(Error::Ended(e)) => {
                    assert_eq!(
                        (e.state.as_str(), e.id.as_str(), e.reason.as_str()),
                        (end, "77", "disk full")
                    );
                }
                other => panic!("{end}: {other:?}"),
            }
        }
        assert!(matches!(
            status(r#"{"ok":true}"#),
            Err(Error::UnexpectedResponse(_))
        ));
        Ok(())
    }
}
