//! `GET /wpcom/v2/sites/<blog_id>/rewind/backups`: a site's last 10 backup
//! attempts (reference 2.1).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::rewind::{loose, WPCOM_V2_SITES};
use crate::blog::BlogId;
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// The recent backup attempts of a site.
///
/// ```
/// use jetpack_partner::{BackupList, BlogId, Endpoint, Reply};
/// let request = BackupList::new(BlogId::new(155308227)?);
/// assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/rewind/backups");
/// let reply = Reply::decode(200, None, br#"[{"id":"134296140","status":"finished",
///     "period":"1604582319","is_scan":"1","has_snapshot":true,"percent":"100"}]"#)?;
/// let answer = request.decode(reply)?;
/// assert!(answer.backups[0].status.is_finished() && answer.backups[0].is_scan);
/// assert_eq!(answer.backups[0].period, Some(1604582319));
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupList {
    blog: BlogId,
}

impl BackupList {
    /// The backups of `blog`.
    pub fn new(blog: BlogId) -> Self {
        BackupList { blog }
    }
}

impl Endpoint for BackupList {
    type Answer = BackupListAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{WPCOM_V2_SITES}/{}/rewind/backups", self.blog))
    }

    fn decode(&self, reply: Reply) -> Result<BackupListAnswer, Error> {
        reply.typed("the backups answer is not the documented list of backups")
    }
}

/// The answer to [`BackupList`]: the last 10 attempts, as the API lists
/// them (newest first in practice; the reference does not say).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BackupListAnswer {
    /// The attempts.
    pub backups: Vec<Backup>,
    /// The answer's JSON text as the API sent it.
    pub raw: RawAnswer,
}

crate::response::keeps_raw!(BackupListAnswer);

impl<'de> Deserialize<'de> for BackupListAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BackupListAnswer {
            backups: Vec::deserialize(d)?,
            raw: RawAnswer::default(),
        })
    }
}

impl Serialize for BackupListAnswer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.backups.serialize(s)
    }
}

impl BackupListAnswer {
    /// The newest attempt that finished and kept a snapshot (by `period`).
    pub fn latest_finished(&self) -> Option<&Backup> {
        self.backups
            .iter()
            .filter(|b| b.status.is_finished() && b.has_snapshot)
            .max_by_key(|b| b.period)
    }
}

/// One backup attempt. The reference types several fields as numbers and
/// booleans that its example sends as strings (`"134296140"`, `"1"`): they
/// are read either way.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Backup {
    /// The backup's ID (kept as text: the example sends a string).
    pub id: String,
    /// When the attempt began, as the API writes it
    /// (`"2020-11-05 13:18:40"`).
    pub started: String,
    /// Its last event, or when it ended.
    pub last_updated: String,
    /// Where it stands.
    pub status: BackupStatus,
    /// When it began, in Unix seconds.
    pub period: Option<u64>,
    /// Whether a security scan ran with it.
    pub is_scan: bool,
    /// Whether it succeeded and a snapshot was kept.
    pub has_snapshot: bool,
    /// How far it got, in percent (only in the reference's example).
    pub percent: Option<u64>,
    /// Counts of themes, plugins, uploads and tables, the table prefix and
    /// the WordPress version, as the API sent them (their layout changed
    /// between drafts of the reference).
    pub stats: Value,
    /// Fields this version does not know (`is_backup`, …).
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Backup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Backup {
                id: f.get("id", lenient::string)?,
                started: f.get("started", lenient::string)?,
                last_updated: f.get("last_updated", lenient::string)?,
                status: f.get("status", Deserialize::deserialize)?,
                period: f.get("period", lenient::id::deserialize)?,
                is_scan: f.get("is_scan", lenient::boolean)?,
                has_snapshot: f.get("has_snapshot", lenient::boolean)?,
                percent: f.get("percent", loose::number)?,
                stats: f.get("stats", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

/// Where a backup attempt stands (reference 2.1). The reference gives the
/// values without their transitions; this crate reads `started` as under
/// way, `finished` as done, and every other value as a failure.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BackupStatus {
    /// `started`: under way.
    Started,
    /// `finished`: done, with a snapshot.
    Finished,
    /// `no-credentials`: the site gave no way in.
    NoCredentials,
    /// `no-credentials-atomic` (an earlier draft's value).
    NoCredentialsAtomic,
    /// `credential-error`: the credentials were refused.
    CredentialError,
    /// `not-accessible`: the site could not be reached.
    NotAccessible,
    /// `error`: failed.
    Error,
    /// `error-will-retry`: failed; it will be tried again.
    ErrorWillRetry,
    /// Any other value, as the API sent it (empty when absent).
    Other(String),
}

impl Default for BackupStatus {
    fn default() -> Self {
        BackupStatus::Other(String::new())
    }
}

const STATUSES: [(BackupStatus, &str); 8] = [
    (BackupStatus::Started, "started"),
    (BackupStatus::Finished, "finished"),
    (BackupStatus::NoCredentials, "no-credentials"),
    (BackupStatus::NoCredentialsAtomic, "no-credentials-atomic"),
    (BackupStatus::CredentialError, "credential-error"),
    (BackupStatus::NotAccessible, "not-accessible"),
    (BackupStatus::Error, "error"),
    (BackupStatus::ErrorWillRetry, "error-will-retry"),
];

impl BackupStatus {
    /// The value as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            BackupStatus::Other(text) => text,
            named => STATUSES
                .iter()
                .find(|(status, _)| status == named)
                .map_or("", |(_, text)| text),
        }
    }

    /// The status a text names.
    pub fn from_text(text: &str) -> BackupStatus {
        STATUSES
            .iter()
            .find(|(_, name)| *name == text)
            .map_or_else(|| BackupStatus::Other(text.to_owned()), |(s, _)| s.clone())
    }

    /// `finished`.
    pub fn is_finished(&self) -> bool {
        *self == BackupStatus::Finished
    }

    /// `started`.
    pub fn is_running(&self) -> bool {
        *self == BackupStatus::Started
    }

    /// A failure: every value but `started`, `finished` and none.
    pub fn is_failure(&self) -> bool {
        !(self.is_finished() || self.is_running() || self.as_str().is_empty())
    }
}

impl fmt::Display for BackupStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for BackupStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BackupStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BackupStatus::from_text(&lenient::string(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_example_reads_and_unknown_fields_are_kept() -> Result<(), Error> {
        let body = br#"[{"id":"134296140","started":"2020-11-05 13:18:40",
            "last_updated":"2020-11-05 13:23:36","status":"finished","period":"1604582319",
            "percent":"100","is_backup":"1","is_scan":"1","has_snapshot":true,
            "stats":{"themes":11,"plugins":34,"uploads":50,"tables":12,"prefix":"wp_","wp_version":"5.5.3"}},
            {"id":134296141,"status":"no-credentials-atomic","period":1604668719,"is_scan":0,"has_snapshot":false},
            {"id":"134296142","status":"something-new"}]"#;
        let request = BackupList::new(BlogId::new(1)?);
        let answer = request.decode(Reply::decode(200, None, body)?)?;
        let [first, second, third] = answer.backups.as_slice() else {
            panic!("{answer:?}");
        };
        assert_eq!(first.id, "134296140");
        assert_eq!(first.percent, Some(100));
        assert!(first.extra.contains_key("is_backup"));
        assert_eq!(first.stats["plugins"], 34);
        assert_eq!(second.id, "134296141");
        assert_eq!(second.status, BackupStatus::NoCredentialsAtomic);
        assert!(second.status.is_failure() && !second.is_scan);
        assert_eq!(third.status.as_str(), "something-new");
        assert_eq!(
            answer.latest_finished().map(|b| b.id.as_str()),
            Some("134296140")
        );
        assert!(answer.raw.get().is_some());
        Ok(())
    }

    #[test]
    fn an_object_is_not_the_list() {
        let request = BackupList::new(BlogId::new(1).unwrap_or_else(|e| panic!("{e}")));
        let reply =
            Reply::decode(200, None, br#"{"backups":[]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            request.decode(reply),
            Err(Error::UnexpectedResponse(_))
        ));
    }
}
