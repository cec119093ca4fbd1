//! The sites' activity logs: what provisioning, cancelling, backups and
//! restores did to each site, in time order, and [`record`], which a
//! handler calls to add an entry.
//!
//! ```ignore
//! let at = state.now_ms();
//! activity::record(
//!     &mut state.activity,
//!     blog_id,
//!     at,
//!     Event::new("security__threat_fixed", "security", "Threat fixed")
//!         .text("Removed a malicious file")
//!         .gridicon("shield"),
//! );
//! ```
//!
//! Every entry has a `rewind_id`: the moment it was published, as
//! `seconds.milliseconds`, unique in its site's log (two entries in one
//! millisecond are a millisecond apart). Only those recorded
//! [`rewindable`](Event::rewindable) (a finished backup) are restore
//! points.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::dates;

/// Entries a site's log keeps; the oldest go first.
const MAX_ENTRIES: usize = 5000;

/// Every site's log, by blog ID.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Log {
    sites: BTreeMap<u64, Vec<Entry>>,
    /// Entries recorded so far, for their IDs.
    recorded: u64,
}

/// Who did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Actor {
    /// A program: `Jetpack`, a partner's integration.
    Application(String),
    /// Someone with a WordPress.com account.
    Person(String),
}

/// What happened, to be recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Event {
    /// `rewind__backup_complete_full`, `plan__provisioned`, …
    pub name: String,
    /// Its group's slug: `rewind`, `plan`, `security`, …
    pub group: String,
    /// For people: `Backup and scan complete`.
    pub summary: String,
    /// `content.text`.
    pub text: String,
    pub gridicon: String,
    pub actor: Actor,
    pub status: Option<String>,
    /// A restore can go back to it.
    pub rewindable: bool,
    /// What it was done to.
    pub object: Value,
}

impl Event {
    /// An event by Jetpack, with nothing more to say.
    pub fn new(name: &str, group: &str, summary: &str) -> Event {
        Event {
            name: name.to_owned(),
            group: group.to_owned(),
            summary: summary.to_owned(),
            text: String::new(),
            gridicon: "notice".to_owned(),
            actor: Actor::Application("Jetpack".to_owned()),
            status: None,
            rewindable: false,
            object: Value::Null,
        }
    }

    pub fn text(mut self, text: impl Into<String>) -> Event {
        self.text = text.into();
        self
    }

    pub fn gridicon(mut self, gridicon: &str) -> Event {
        self.gridicon = gridicon.to_owned();
        self
    }

    pub fn actor(mut self, actor: Actor) -> Event {
        self.actor = actor;
        self
    }

    pub fn status(mut self, status: &str) -> Event {
        self.status = Some(status.to_owned());
        self
    }

    /// A restore point.
    pub fn rewindable(mut self) -> Event {
        self.rewindable = true;
        self
    }

    pub fn object(mut self, object: Value) -> Event {
        self.object = object;
        self
    }
}

/// One entry of a log.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub activity_id: String,
    pub published_ms: u64,
    pub rewind_id: String,
    pub event: Event,
}

/// Adds `event` to the log of `blog_id`, as published at `at_ms` (or the
/// first free millisecond after it), in time order. Gives the entry's
/// rewind ID.
pub(crate) fn record(log: &mut Log, blog_id: u64, at_ms: u64, event: Event) -> String {
    record_with(log, blog_id, at_ms, |_| event)
}

/// [`record`] for an event that names its own rewind ID (a backup's
/// object does): `make` is given it.
pub(crate) fn record_with(
    log: &mut Log,
    blog_id: u64,
    at_ms: u64,
    make: impl FnOnce(&str) -> Event,
) -> String {
    log.recorded += 1;
    let activity_id = activity_id(log.recorded);
    let entries = log.sites.entry(blog_id).or_default();
    let mut at = at_ms;
    while entries
        .binary_search_by_key(&at, |e| e.published_ms)
        .is_ok()
    {
        at += 1;
    }
    let rewind_id = dates::rewind_id(at);
    let place = entries.partition_point(|e| e.published_ms <= at);
    entries.insert(
        place,
        Entry {
            activity_id,
            published_ms: at,
            rewind_id: rewind_id.clone(),
            event: make(&rewind_id),
        },
    );
    if entries.len() > MAX_ENTRIES {
        entries.drain(..entries.len() - MAX_ENTRIES);
    }
    rewind_id
}

impl Log {
    /// A site's entries, oldest first.
    pub fn entries(&self, blog_id: u64) -> &[Entry] {
        self.sites.get(&blog_id).map_or(&[], Vec::as_slice)
    }
}

impl Entry {
    /// The entry as the API writes it (reference 1.1 and 1.3).
    pub fn to_json(&self, blog_id: u64) -> Value {
        let e = &self.event;
        let actor = match &e.actor {
            Actor::Application(name) => json!({"type": "Application", "name": name}),
            Actor::Person(name) => json!({
                "type": "Person", "name": name, "role": "administrator",
                "external_user_id": 1, "wpcom_user_id": 16623280,
            }),
        };
        json!({
            "summary": e.summary,
            "content": {"text": e.text},
            "name": e.name,
            "actor": actor,
            "type": "Announce",
            "published": dates::iso_ms(self.published_ms),
            "generator": {"jetpack_version": 14.1, "blog_id": blog_id},
            "is_rewindable": e.rewindable,
            "rewind_id": self.rewind_id,
            "gridicon": e.gridicon,
            "status": e.status,
            "activity_id": self.activity_id,
            "object": e.object,
            "is_discarded": false,
        })
    }
}

/// A group's name for people.
pub(crate) fn group_name(slug: &str) -> String {
    match slug {
        "rewind" => "Backups and Restores",
        "plan" => "Plans",
        "post" => "Posts and Pages",
        "attachment" => "Media",
        "user" => "People",
        "plugin" => "Plugins",
        "theme" => "Themes",
        "security" => "Security",
        other => return other.to_owned(),
    }
    .to_owned()
}

/// Twenty characters of `[A-Za-z0-9_-]`, like the service's activity IDs,
/// different for every entry.
fn activity_id(n: u64) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // splitmix64: consecutive numbers give unrelated-looking IDs.
    let mut x = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut id = String::from("SB");
    for _ in 0..3 {
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        let mut y = x;
        for _ in 0..6 {
            id.push(ALPHABET[(y & 63) as usize] as char);
            y >>= 6;
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_time_order_and_unique_rewind_ids() {
        let mut log = Log::default();
        let late = record(&mut log, 7, 2_000, Event::new("b", "rewind", "B"));
        let early = record(&mut log, 7, 1_000, Event::new("a", "plan", "A"));
        let clash = record(
            &mut log,
            7,
            1_000,
            Event::new("c", "plan", "C").rewindable(),
        );
        assert_eq!(
            (early.as_str(), clash.as_str(), late.as_str()),
            ("1.000", "1.001", "2.000")
        );
        let names: Vec<&str> = log
            .entries(7)
            .iter()
            .map(|e| e.event.name.as_str())
            .collect();
        assert_eq!(names, ["a", "c", "b"]);
        assert!(log.entries(8).is_empty());
        let json = log.entries(7)[1].to_json(7);
        assert_eq!(json["is_rewindable"], true);
        assert_eq!(json["published"], "1970-01-01T00:00:01.001+00:00");
        let ids: std::collections::BTreeSet<&str> = log
            .entries(7)
            .iter()
            .map(|e| e.activity_id.as_str())
            .collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.iter().all(|id| id.len() == 20));
    }

    #[test]
    fn a_log_keeps_its_newest_entries() {
        let mut log = Log::default();
        for at in 0..(MAX_ENTRIES as u64 + 3) {
            record(&mut log, 1, at, Event::new("x", "post", "X"));
        }
        assert_eq!(log.entries(1).len(), MAX_ENTRIES);
        assert_eq!(log.entries(1)[0].published_ms, 3);
    }
}
