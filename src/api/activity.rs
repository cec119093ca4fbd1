//! The activity log: `GET /wpcom/v2/sites/<blog_id>/activity` lists it
//! (reference 1.1), `…/activity/count/group` counts it by group (1.2),
//! `…/activity/<rewind_id>` gives one entry (1.3); and
//! [`latest_restore_point`], the newest entry a restore can go back to.
//!
//! Decisions where the reference is silent or says two things (the README
//! tells why):
//!
//! * The group counts are at `count/group`, as the endpoint is named; the
//!   example's `count/groups` is taken for a slip.
//! * `group` goes as `group[]=…` once per group, the way PHP reads a list.
//! * `after` and `before` go as ISO 8601 times in UTC ([`UtcTime`]).
//! * `number` is how many entries a page holds, `page` which page (from
//!   1), as the answer's `itemsPerPage` and `page` suggest.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::query::Query;
use super::rewind::{loose, RewindId, WPCOM_V2_SITES};
use crate::blog::BlogId;
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::session::Session;
use crate::time::UtcTime;

/// One page of a site's activity log, newest first.
///
/// ```
/// use jetpack_partner::{ActivityList, BlogId, Endpoint};
/// let request = ActivityList::new(BlogId::new(155308227)?)
///     .group("plugin")
///     .group("rewind")
///     .after("2020-11-05".parse()?)
///     .number(50);
/// assert_eq!(
///     request.path()?,
///     "/wpcom/v2/sites/155308227/activity?group[]=plugin&group[]=rewind\
///      &after=2020-11-05T00%3A00%3A00%2B00%3A00&number=50"
/// );
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityList {
    blog: BlogId,
    groups: Vec<String>,
    after: Option<UtcTime>,
    before: Option<UtcTime>,
    number: Option<u32>,
    page: Option<u32>,
}

/// The most entries [`ActivityList::number`] asks for: the reference's
/// example asks for 1000.
pub const MAX_ACTIVITY_NUMBER: u32 = 1000;

impl ActivityList {
    /// The newest entries of `blog`'s log.
    pub fn new(blog: BlogId) -> Self {
        ActivityList {
            blog,
            groups: Vec::new(),
            after: None,
            before: None,
            number: None,
            page: None,
        }
    }

    /// Only entries of this group (`plugin`, `rewind`, …; the group
    /// counts name them); several calls keep several groups.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Only entries from this moment on.
    pub fn after(mut self, time: UtcTime) -> Self {
        self.after = Some(time);
        self
    }

    /// Only entries before this moment.
    pub fn before(mut self, time: UtcTime) -> Self {
        self.before = Some(time);
        self
    }

    /// How many entries a page holds (1 to [`MAX_ACTIVITY_NUMBER`]).
    pub fn number(mut self, number: u32) -> Self {
        self.number = Some(number);
        self
    }

    /// Which page, from 1.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(group) = self.groups.iter().find(|g| !is_group_slug(g)) {
            return Err(Error::InvalidInput(format!(
                "{group:?} is not an activity group: groups are slugs such as plugin, theme \
                 or rewind (activity counts lists a site's)"
            )));
        }
        if self
            .number
            .is_some_and(|n| n == 0 || n > MAX_ACTIVITY_NUMBER)
        {
            return Err(Error::InvalidInput(format!(
                "the number of entries is from 1 to {MAX_ACTIVITY_NUMBER}"
            )));
        }
        if self.page == Some(0) {
            return Err(Error::InvalidInput("pages are counted from 1".into()));
        }
        if let (Some(after), Some(before)) = (self.after, self.before) {
            if after >= before {
                return Err(Error::InvalidInput(format!(
                    "after ({after}) is not earlier than before ({before}): nothing could match"
                )));
            }
        }
        Ok(())
    }
}

/// `a-z`, `0-9`, `_` and `-`, as the API's group slugs are.
fn is_group_slug(group: &str) -> bool {
    !group.is_empty()
        && group.len() <= 64
        && group
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Endpoint for ActivityList {
    type Answer = ActivityListAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        self.check()?;
        Ok(Query::new()
            .each("group[]", &self.groups)?
            .maybe("after", self.after)?
            .maybe("before", self.before)?
            .maybe("number", self.number)?
            .maybe("page", self.page)?
            .after(format_args!("{WPCOM_V2_SITES}/{}/activity", self.blog)))
    }

    fn decode(&self, reply: Reply) -> Result<ActivityListAnswer, Error> {
        reply.typed("the activity answer is not the documented collection")
    }
}

/// The answer to [`ActivityList`]: an ActivityStreams collection.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActivityListAnswer {
    /// Entries matching, on every page.
    #[serde(rename = "totalItems")]
    pub total_items: Option<u64>,
    /// This page's number.
    pub page: Option<u64>,
    /// How many pages there are.
    #[serde(rename = "totalPages")]
    pub total_pages: Option<u64>,
    /// Entries a page holds.
    #[serde(rename = "itemsPerPage")]
    pub items_per_page: Option<u64>,
    /// When the oldest entry was published, in Unix *milliseconds*.
    #[serde(rename = "oldestItemTs")]
    pub oldest_item_ts: Option<u64>,
    /// This page.
    pub current: ActivityPage,
    /// Fields this version does not know (`@context`, `first`, `last`, …).
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for ActivityListAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ActivityListAnswer {
                total_items: f.get("totalItems", loose::number)?,
                page: f.get("page", loose::number)?,
                total_pages: f.get("totalPages", loose::number)?,
                items_per_page: f.get("itemsPerPage", loose::number)?,
                oldest_item_ts: f.get("oldestItemTs", loose::number)?,
                current: f.get("current", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(ActivityListAnswer);

impl ActivityListAnswer {
    /// This page's entries.
    pub fn items(&self) -> &[Activity] {
        &self.current.ordered_items
    }

    /// The newest entry of this page that a restore can go back to.
    pub fn latest_rewindable(&self) -> Option<&Activity> {
        self.items()
            .iter()
            .filter(|a| a.is_restore_point())
            .max_by(|a, b| a.rewind_id.cmp(&b.rewind_id))
    }
}

/// One page of the log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActivityPage {
    /// Entries on it.
    #[serde(rename = "totalItems")]
    pub total_items: Option<u64>,
    /// The entries.
    #[serde(rename = "orderedItems")]
    pub ordered_items: Vec<Activity>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for ActivityPage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ActivityPage {
                total_items: f.get("totalItems", loose::number)?,
                ordered_items: f.get("orderedItems", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

/// One entry of the activity log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Activity {
    /// Its ID.
    pub activity_id: String,
    /// What happened, as a name (`rewind__backup_complete_full`,
    /// `user__added`).
    pub name: String,
    /// What happened, for people (`Backup and scan complete`).
    pub summary: String,
    /// When (ISO 8601 with milliseconds).
    pub published: String,
    /// Whether a restore can go back to it.
    pub is_rewindable: bool,
    /// Its restore point.
    pub rewind_id: Option<RewindId>,
    /// Whether a restore to an earlier point discarded it.
    pub is_discarded: bool,
    /// Its status, when it has one (`success`, `error`).
    pub status: Option<String>,
    /// Its icon's name.
    pub gridicon: String,
    /// Who did it (a person or an application), as sent.
    pub actor: Value,
    /// What it was done to, as sent.
    pub object: Value,
    /// `{"text": …}`: more about it.
    pub content: Value,
    /// The Jetpack version and blog that wrote it, as sent.
    pub generator: Value,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it (for [`ActivityShow`];
    /// empty for the entries of a list).
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for Activity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Activity {
                activity_id: f.get("activity_id", loose::text)?,
                name: f.get("name", loose::text)?,
                summary: f.get("summary", loose::text)?,
                published: f.get("published", loose::text)?,
                is_rewindable: f.get("is_rewindable", lenient::boolean)?,
                rewind_id: f.get("rewind_id", loose::rewind_id)?,
                is_discarded: f.get("is_discarded", lenient::boolean)?,
                status: f.get("status", optional_text)?,
                gridicon: f.get("gridicon", loose::text)?,
                actor: f.get("actor", Deserialize::deserialize)?,
                object: f.get("object", Deserialize::deserialize)?,
                content: f.get("content", Deserialize::deserialize)?,
                generator: f.get("generator", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(Activity);

impl Activity {
    /// `content.text`, or nothing.
    pub fn text(&self) -> &str {
        self.content
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Whether a restore can go back to it: rewindable, not discarded, and
    /// with a rewind ID.
    pub fn is_restore_point(&self) -> bool {
        self.is_rewindable && !self.is_discarded && self.rewind_id.is_some()
    }
}

fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(loose::text(d)?).filter(|s| !s.is_empty()))
}

/// How many entries of each group a site's log holds.
///
/// ```
/// use jetpack_partner::{ActivityCounts, BlogId, Endpoint, Reply};
/// let request = ActivityCounts::new(BlogId::new(155308227)?);
/// assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/activity/count/group");
/// let answer = request.decode(Reply::decode(200, None, br#"{"groups":{"rewind":
///     {"name":"Backups and Restores","count":10}},"totalItems":86,"took":0.094605}"#)?)?;
/// assert_eq!(answer.groups["rewind"].count, 10);
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityCounts {
    blog: BlogId,
    number: Option<u32>,
}

impl ActivityCounts {
    /// The group counts of `blog`'s log.
    pub fn new(blog: BlogId) -> Self {
        ActivityCounts { blog, number: None }
    }

    /// Count over the newest `number` entries only.
    pub fn number(mut self, number: u32) -> Self {
        self.number = Some(number);
        self
    }
}

impl Endpoint for ActivityCounts {
    type Answer = ActivityCountsAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        if self.number == Some(0) {
            return Err(Error::InvalidInput(
                "the number of entries to count over is at least 1".into(),
            ));
        }
        Ok(Query::new()
            .maybe("number", self.number)?
            .after(format_args!(
                "{WPCOM_V2_SITES}/{}/activity/count/group",
                self.blog
            )))
    }

    fn decode(&self, reply: Reply) -> Result<ActivityCountsAnswer, Error> {
        reply.typed("the activity group counts are not the documented object")
    }
}

/// The answer to [`ActivityCounts`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ActivityCountsAnswer {
    /// Group slug to its name and count. (An empty `[]`, as PHP writes an
    /// empty map, is read as none.)
    pub groups: BTreeMap<String, GroupCount>,
    /// Entries counted.
    #[serde(rename = "totalItems")]
    pub total_items: Option<u64>,
    /// How long counting took, in seconds.
    pub took: Option<f64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for ActivityCountsAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ActivityCountsAnswer {
                groups: f.get("groups", groups)?,
                total_items: f.get("totalItems", loose::number)?,
                took: f.get("took", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(ActivityCountsAnswer);

/// One group of [`ActivityCountsAnswer`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupCount {
    /// Its name for people (`Backups and Restores`).
    pub name: String,
    /// Its entries.
    pub count: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for GroupCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(GroupCount {
                name: f.get("name", loose::text)?,
                count: f.get("count", count)?,
                extra: f.rest(),
            })
        })
    }
}

/// A count: a number or a numeric string; anything else is 0.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(loose::number(d)?.unwrap_or(0))
}

fn groups<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, GroupCount>, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                GroupCount::deserialize(v)
                    .map(|g| (k, g))
                    .map_err(serde::de::Error::custom)
            })
            .collect(),
        Value::Array(list) if list.is_empty() => Ok(BTreeMap::new()),
        Value::Null => Ok(BTreeMap::new()),
        _ => Err(serde::de::Error::custom("groups is not an object")),
    }
}

/// One entry of the log, by its rewind ID.
///
/// ```
/// use jetpack_partner::{ActivityShow, BlogId, Endpoint};
/// let request = ActivityShow::new(BlogId::new(155308227)?, "1605878792.626".parse()?);
/// assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/activity/1605878792.626");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityShow {
    blog: BlogId,
    rewind_id: RewindId,
}

impl ActivityShow {
    /// The entry of `blog`'s log at `rewind_id`.
    pub fn new(blog: BlogId, rewind_id: RewindId) -> Self {
        ActivityShow { blog, rewind_id }
    }
}

impl Endpoint for ActivityShow {
    type Answer = Activity;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        Ok(format!(
            "{WPCOM_V2_SITES}/{}/activity/{}",
            self.blog, self.rewind_id
        ))
    }

    fn decode(&self, reply: Reply) -> Result<Activity, Error> {
        reply.typed("the activity answer is not the documented entry")
    }
}

/// Entries looked at a page when [`latest_restore_point`] pages the log.
const RESTORE_POINT_PAGE: u32 = 100;

/// Pages [`latest_restore_point`] looks through at most.
const RESTORE_POINT_PAGES: u32 = 10;

/// The newest entry of `blog`'s activity log a restore can go back to
/// (rewindable, not discarded, with a rewind ID): a full backup, or a
/// change recorded since. `None` when the log's newest 1000 entries hold
/// none (a site whose backups all failed, say).
///
/// It reads the log (newest first, as the service lists it) 100 entries at
/// a time and stops at the first page that has one. The backups list
/// cannot serve here: it gives no rewind ID, and its times are text
/// without a zone.
///
/// ```no_run
/// use jetpack_partner::{latest_restore_point, Restore, Session, SiteRef};
/// # fn f(session: &Session) -> Result<(), jetpack_partner::Error> {
/// let blog = session.blog_id(&SiteRef::parse("example.com")?)?;
/// if let Some(rewind_id) = latest_restore_point(session, blog)?.and_then(|p| p.rewind_id) {
///     let queued = session.send(&Restore::to_rewind_id(blog, rewind_id))?;
///     println!("restore {} queued", queued.restore_id);
/// }
/// # Ok(()) }
/// ```
pub fn latest_restore_point(session: &Session, blog: BlogId) -> Result<Option<Activity>, Error> {
    for page in 1..=RESTORE_POINT_PAGES {
        let request = ActivityList::new(blog)
            .number(RESTORE_POINT_PAGE)
            .page(page);
        let answer = session.send(&request)?;
        if let Some(found) = answer.latest_rewindable() {
            return Ok(Some(found.clone()));
        }
        let last_page = answer.total_pages.unwrap_or(0);
        if answer.items().is_empty() || u64::from(page) >= last_page {
            break;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blog() -> BlogId {
        BlogId::new(155308227).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_reference_example_reads() -> Result<(), Error> {
        let body = br#"{"@context":"https://www.w3.org/ns/activitystreams","summary":"Activity log",
            "type":"OrderedCollection","totalItems":36,"page":1,"totalPages":1,"itemsPerPage":1000,
            "id":"https://x/activity","first":"https://x/1","last":"https://x/1","oldestItemTs":1529570198443,
            "current":{"type":"OrderedCollectionPage","id":"https://x/1","totalItems":2,"orderedItems":[
              {"summary":"User added","content":{"text":"Jane"},"name":"user__added",
               "actor":{"type":"Person","name":"Jane","external_user_id":1,"wpcom_user_id":16623280},
               "type":"Add","published":"2020-09-23T10:58:03.300+00:00",
               "generator":{"jetpack_version":8.9,"blog_id":155308227},"is_rewindable":false,
               "rewind_id":"1600858683.3001","gridicon":"user","status":null,
               "activity_id":"AXS6nQl-ZME8RSzT89VO","object":{"type":"Person"},"is_discarded":false},
              {"summary":"Backup and scan complete","name":"rewind__backup_complete_full",
               "published":"2020-09-20T10:00:00.000+00:00","is_rewindable":true,
               "rewind_id":"1600596000.5","status":"success","activity_id":"B"}]}}"#;
        let answer = ActivityList::new(blog()).decode(Reply::decode(200, None, body)?)?;
        assert_eq!(answer.total_items, Some(36));
        assert_eq!(answer.oldest_item_ts, Some(1529570198443));
        assert!(answer.extra.contains_key("@context"));
        let [user, backup] = answer.items() else {
            panic!("{answer:?}");
        };
        assert_eq!((user.text(), user.status.as_deref()), ("Jane", None));
        assert!(!user.is_restore_point() && backup.is_restore_point());
        assert_eq!(
            answer.latest_rewindable().map(|a| a.activity_id.as_str()),
            Some("B")
        );
        Ok(())
    }

    #[test]
    fn bad_queries_are_refused_before_sending() -> Result<(), Error> {
        let list = || ActivityList::new(blog());
        assert!(list().group("Plugin").path().is_err());
        assert!(list().group("a&b=c").path().is_err());
        assert!(list().number(0).path().is_err());
        assert!(list().number(1001).path().is_err());
        assert!(list().page(0).path().is_err());
        let day: UtcTime = "2020-11-05".parse()?;
        assert!(list().after(day).before(day).path().is_err());
        assert!(ActivityCounts::new(blog()).number(0).path().is_err());
        assert_eq!(
            list().before(day).page(2).path()?,
            "/wpcom/v2/sites/155308227/activity?before=2020-11-05T00%3A00%3A00%2B00%3A00&page=2"
        );
        Ok(())
    }

    #[test]
    fn empty_group_counts_read_as_none() -> Result<(), Error> {
        let request = ActivityCounts::new(blog()).number(50);
        assert_eq!(
            request.path()?,
            "/wpcom/v2/sites/155308227/activity/count/group?number=50"
        );
        let answer = request.decode(Reply::decode(
            200,
            None,
            br#"{"groups":[],"totalItems":0}"#,
        )?)?;
        assert!(answer.groups.is_empty());
        Ok(())
    }
}
