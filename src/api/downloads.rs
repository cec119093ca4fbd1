//! A backup as an archive to download: `POST
//! /wpcom/v2/sites/<blog_id>/rewind/downloads` asks for one (reference
//! 2.2), `GET …/rewind/downloads/<download_id>` follows it until its link
//! is there (2.3), and `GET …/rewind/downloads` lists them all.
//!
//! The reference does not show the object before the archive is ready
//! (its gap B.6). This crate reads it as the same object with `progress`
//! rising and no `url` (absent, `null` or empty): the archive is ready
//! when, and only when, the answer has a `url`.
//!
//! The link carries a `token=` that grants the archive to anyone for 24
//! hours: it is a secret. [`DownloadUrl`] keeps it out of `Debug`, and the
//! client's trace masks any `token` in a URL it shows.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::rewind::{loose, BackupParts, RewindId, WPCOM_V2_SITES};
use crate::blog::BlogId;
use crate::endpoint::{Body, Endpoint, Method, Repeat};
use crate::error::Error;
use crate::lenient::{Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::wait::{Look, Progress};

/// Asks for an archive of a backup. It starts work (packing), so it is
/// sent again only when it surely never arrived ([`Repeat::Once`]).
///
/// ```
/// use jetpack_partner::{BackupParts, BlogId, Body, Endpoint, NewDownload};
/// let request = NewDownload::new(BlogId::new(155308227)?)
///     .rewind_id("1604584873.7525".parse()?)
///     .parts(BackupParts::parse("themes,sqls")?);
/// assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/rewind/downloads");
/// let Body::Json(body) = request.body()? else { unreachable!() };
/// assert_eq!(body["rewindId"], "1604584873.7525");
/// assert_eq!((body["types"]["sqls"].as_bool(), body["types"]["uploads"].as_bool()), (Some(true), Some(false)));
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDownload {
    blog: BlogId,
    rewind_id: Option<RewindId>,
    parts: Option<BackupParts>,
}

impl NewDownload {
    /// An archive of `blog`'s newest backup, with everything in it.
    pub fn new(blog: BlogId) -> Self {
        NewDownload {
            blog,
            rewind_id: None,
            parts: None,
        }
    }

    /// The backup at this restore point instead of the newest.
    pub fn rewind_id(mut self, rewind_id: RewindId) -> Self {
        self.rewind_id = Some(rewind_id);
        self
    }

    /// Only these parts.
    pub fn parts(mut self, parts: BackupParts) -> Self {
        self.parts = Some(parts);
        self
    }
}

impl Endpoint for NewDownload {
    type Answer = DownloadAnswer;
    const METHOD: Method = Method::Post;
    const REPEAT: Repeat = Repeat::Once;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{WPCOM_V2_SITES}/{}/rewind/downloads", self.blog))
    }

    /// JSON: `types` is an object, which a form cannot carry. `rewindId`
    /// goes as the string the API gave (a number would lose its digits).
    fn body(&self) -> Result<Body, Error> {
        let mut body = Map::new();
        if let Some(id) = &self.rewind_id {
            body.insert("rewindId".into(), Value::String(id.as_str().to_owned()));
        }
        if let Some(parts) = &self.parts {
            body.insert("types".into(), parts.as_object());
        }
        Ok(Body::Json(Value::Object(body)))
    }

    fn decode(&self, reply: Reply) -> Result<DownloadAnswer, Error> {
        reply.typed("the download answer has no downloadId")
    }
}

/// Where an archive stands, and its link once it is ready.
///
/// ```
/// use jetpack_partner::{BlogId, DownloadStatus, Endpoint};
/// let request = DownloadStatus::new(BlogId::new(155308227)?, 277469);
/// assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/rewind/downloads/277469");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadStatus {
    blog: BlogId,
    download_id: u64,
}

impl DownloadStatus {
    /// The archive `download_id` of `blog`.
    pub fn new(blog: BlogId, download_id: u64) -> Self {
        DownloadStatus { blog, download_id }
    }
}

impl Endpoint for DownloadStatus {
    type Answer = DownloadAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        if self.download_id == 0 {
            return Err(Error::InvalidInput(
                "a download ID is a positive number, not 0".into(),
            ));
        }
        Ok(format!(
            "{WPCOM_V2_SITES}/{}/rewind/downloads/{}",
            self.blog, self.download_id
        ))
    }

    fn decode(&self, reply: Reply) -> Result<DownloadAnswer, Error> {
        reply.typed("the download answer has no downloadId")
    }
}

/// Every archive of a site (the `<download_id>` segment left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadList {
    blog: BlogId,
}

impl DownloadList {
    /// The archives of `blog`.
    pub fn new(blog: BlogId) -> Self {
        DownloadList { blog }
    }
}

impl Endpoint for DownloadList {
    type Answer = DownloadListAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{WPCOM_V2_SITES}/{}/rewind/downloads", self.blog))
    }

    fn decode(&self, reply: Reply) -> Result<DownloadListAnswer, Error> {
        reply.typed("the downloads answer is not a list of downloads")
    }
}

/// An archive: what [`NewDownload`] and [`DownloadStatus`] answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DownloadAnswer {
    /// Its ID, to follow it with [`DownloadStatus`].
    #[serde(rename = "downloadId")]
    pub download_id: u64,
    /// The backup it packs.
    #[serde(rename = "rewindId", skip_serializing_if = "Option::is_none")]
    pub rewind_id: Option<RewindId>,
    /// When that backup was taken (ISO 8601).
    #[serde(rename = "backupPoint")]
    pub backup_point: String,
    /// When packing began (ISO 8601).
    #[serde(rename = "startedAt")]
    pub started_at: String,
    /// How far packing is, in percent.
    pub progress: Option<u64>,
    /// How many times the archive was downloaded.
    #[serde(rename = "downloadCount")]
    pub download_count: Option<u64>,
    /// The link, once the archive is ready. A secret: see [`DownloadUrl`].
    pub url: Option<DownloadUrl>,
    /// Until when the link works (ISO 8601): 24 hours after packing
    /// finished.
    #[serde(rename = "validUntil")]
    pub valid_until: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for DownloadAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(DownloadAnswer {
                download_id: f.required("downloadId", loose::required_id)?,
                rewind_id: f.get("rewindId", loose::rewind_id)?,
                backup_point: f.get("backupPoint", loose::text)?,
                started_at: f.get("startedAt", loose::text)?,
                progress: f.get("progress", loose::number)?,
                download_count: f.get("downloadCount", loose::number)?,
                url: f.get("url", download_url)?,
                valid_until: f.get("validUntil", loose::text)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(DownloadAnswer);

impl DownloadAnswer {
    /// Whether the archive is ready: the answer has its link.
    pub fn is_ready(&self) -> bool {
        self.url.is_some()
    }

    /// For a [`Wait`](crate::Wait): done once the link is there; until
    /// then `preparing`, with the progress.
    pub fn into_look(self) -> Look<DownloadAnswer> {
        if self.is_ready() {
            Look::Done(self)
        } else {
            Look::Going(Progress::new("preparing", self.progress))
        }
    }
}

/// The answer to [`DownloadList`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DownloadListAnswer {
    /// The archives.
    pub downloads: Vec<DownloadAnswer>,
    /// The answer's JSON text as the API sent it.
    pub raw: RawAnswer,
}

crate::response::keeps_raw!(DownloadListAnswer);

impl<'de> Deserialize<'de> for DownloadListAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(DownloadListAnswer {
            downloads: Vec::deserialize(d)?,
            raw: RawAnswer::default(),
        })
    }
}

impl Serialize for DownloadListAnswer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.downloads.serialize(s)
    }
}

/// An archive's link. It carries a `token` query parameter that lets
/// anyone fetch the archive until `validUntil`, so it is handled as a
/// secret: `Debug` masks the token, and there is no `Display`. Ask for the
/// text with [`as_str`](Self::as_str) where it is meant to go.
///
/// ```
/// use jetpack_partner::DownloadUrl;
/// let url = DownloadUrl::new("https://x.test/data?token=a1b2c3d4&x=1");
/// assert_eq!(url.token(), Some("a1b2c3d4"));
/// assert_eq!(url.masked(), "https://x.test/data?token=***&x=1");
/// assert_eq!(format!("{url:?}"), "DownloadUrl(\"https://x.test/data?token=***&x=1\")");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DownloadUrl(String);

impl DownloadUrl {
    /// A link as the API gave it.
    pub fn new(url: impl Into<String>) -> DownloadUrl {
        DownloadUrl(url.into())
    }

    /// The whole link, token and all.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value of its `token` query parameter, if any.
    pub fn token(&self) -> Option<&str> {
        let (_, query) = self.0.split_once('?')?;
        let query = query.split('#').next().unwrap_or(query);
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .filter(|t| !t.is_empty())
    }

    /// The link with its token as `***`, for logs.
    pub fn masked(&self) -> String {
        crate::redact::mask_url_token(&self.0)
    }
}

impl std::fmt::Debug for DownloadUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DownloadUrl").field(&self.masked()).finish()
    }
}

impl Serialize for DownloadUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A link that is absent, `null` or empty is none.
fn download_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DownloadUrl>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Some(DownloadUrl(s)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(body: &str) -> Result<DownloadAnswer, Error> {
        let request = DownloadStatus::new(BlogId::new(1)?, 7);
        request.decode(Reply::decode(200, None, body.as_bytes())?)
    }

    #[test]
    fn preparing_then_ready() -> Result<(), Error> {
        let preparing = decoded(
            r#"{"backupPoint":"2020-11-05T14:01:13+00:00","downloadId":277467,"progress":"40",
                "rewindId":"1604584873.7525","startedAt":"2020-11-05T14:05:00+00:00","url":null}"#,
        )?;
        assert!(!preparing.is_ready());
        assert_eq!(
            preparing.rewind_id.as_ref().map(RewindId::as_str),
            Some("1604584873.7525")
        );
        match preparing.into_look() {
            Look::Going(p) => assert_eq!((p.state.as_str(), p.percent), ("preparing", Some(40))),
            Look::Done(_) => panic!("not ready yet"),
        }
        let ready = decoded(
            r#"{"downloadId":"277469","downloadCount":0,"rewindId":"1604582617.404",
                "url":"https://public-api.wordpress.com/wpcom/v2/sites/1/rewind/downloads/277469/data?token=s3cr3t-t0ken",
                "validUntil":"2020-11-06T14:05:33+00:00"}"#,
        )?;
        assert_eq!(ready.download_id, 277469);
        assert!(ready.is_ready());
        let shown = format!("{ready:?}");
        assert!(
            !shown.contains("s3cr3t-t0ken") && shown.contains("token=***"),
            "{shown}"
        );
        assert!(matches!(ready.into_look(), Look::Done(_)));
        assert!(!decoded(r#"{"downloadId":1,"url":""}"#)?.is_ready());
        assert!(matches!(
            decoded(r#"{"progress":0}"#),
            Err(Error::UnexpectedResponse(_))
        ));
        Ok(())
    }

    #[test]
    fn a_new_download_sends_nothing_it_was_not_given() -> Result<(), Error> {
        let Body::Json(body) = NewDownload::new(BlogId::new(5)?).body()? else {
            panic!("not JSON");
        };
        assert_eq!(body, serde_json::json!({}));
        assert_eq!(NewDownload::REPEAT, Repeat::Once);
        assert!(DownloadStatus::new(BlogId::new(5)?, 0).path().is_err());
        Ok(())
    }

    #[test]
    fn the_token_is_found_wherever_it_stands() {
        for (url, token) in [
            ("https://x/d?token=abcd", Some("abcd")),
            ("https://x/d?a=1&token=abcd#f", Some("abcd")),
            ("https://x/d?mytoken=abcd", None),
            ("https://x/d?token=", None),
            ("https://x/d", None),
        ] {
            assert_eq!(DownloadUrl::new(url).token(), token, "{url}");
        }
    }
}
