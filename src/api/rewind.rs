//! What the rewind endpoints (backups, downloads, restores, the activity
//! log) share: where they live, the restore point's name ([`RewindId`]),
//! the parts of a backup ([`BackupPart`], [`BackupParts`]), and the loose
//! readers their answers need.
//!
//! The reference leaves some of this open (its gaps B.3 and B.5); what this
//! crate decided, and why, is in the README's section on this family.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::Error;

/// Where the backups, downloads and activity log live:
/// `/wpcom/v2/sites/<blog_id>/…`.
pub(crate) const WPCOM_V2_SITES: &str = "/wpcom/v2/sites";

/// Where the restores live: `/wpcom/v1.1/activity-log/<blog_id>/rewind/…`.
/// The reference writes both restore endpoints under this prefix; only its
/// restore-status *example* says `/rest/v1/` (gap B.3). The pattern wins.
pub(crate) const ACTIVITY_LOG_V11: &str = "/wpcom/v1.1/activity-log";

/// A restore point as the API names it: a Unix time in seconds, usually
/// with a fraction (`"1605878792.626"`), kept exactly as the API wrote it.
///
/// The reference types `rewindId` as a number, but every example is a
/// fractional string, and a float would lose digits; so it is text, checked
/// to be digits with at most one `.`. It is what the activity log's
/// `rewind_id`, a download's `rewindId` and a restore's `<timestamp>` carry.
///
/// ```
/// use jetpack_partner::RewindId;
/// let id: RewindId = "1605878792.626".parse()?;
/// assert_eq!(id.as_str(), "1605878792.626");
/// assert_eq!(id.unix_seconds(), 1605878792);
/// assert!(id > "1605878792.62".parse()?);
/// assert!("1605878792,6".parse::<RewindId>().is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RewindId(String);

/// Most digits of the whole seconds: year 33658 is far enough.
const MAX_SECONDS_DIGITS: usize = 12;

/// Most digits after the point (nanoseconds).
const MAX_FRACTION_DIGITS: usize = 9;

impl RewindId {
    /// The restore point at a whole second.
    pub fn from_unix(seconds: u64) -> Result<RewindId, Error> {
        seconds.to_string().parse()
    }

    /// The text, as the API wrote it (and as it is sent back).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole seconds.
    pub fn unix_seconds(&self) -> u64 {
        self.parts().0
    }

    /// Whole seconds and nanoseconds, for ordering.
    fn parts(&self) -> (u64, u32) {
        let (seconds, fraction) = self.0.split_once('.').unwrap_or((&self.0, ""));
        let mut nanos = fraction.to_owned();
        nanos.extend(std::iter::repeat_n(
            '0',
            MAX_FRACTION_DIGITS - fraction.len(),
        ));
        (
            seconds.parse().unwrap_or_default(),
            nanos.parse().unwrap_or_default(),
        )
    }
}

impl fmt::Display for RewindId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RewindId {
    type Err = Error;

    fn from_str(text: &str) -> Result<RewindId, Error> {
        let text = text.trim();
        let (seconds, fraction) = match text.split_once('.') {
            Some((s, f)) => (s, Some(f)),
            None => (text, None),
        };
        let digits = |s: &str, max: usize| {
            !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
        };
        let ok = digits(seconds, MAX_SECONDS_DIGITS)
            && fraction.is_none_or(|f| digits(f, MAX_FRACTION_DIGITS))
            && seconds.bytes().any(|b| b != b'0');
        if !ok {
            return Err(Error::InvalidInput(format!(
                "{text:?} is not a rewind ID: a Unix time in seconds, often with a fraction, \
                 as the activity log and the backups give it (e.g. 1605878792.626)"
            )));
        }
        Ok(RewindId(text.to_owned()))
    }
}

impl Ord for RewindId {
    /// By time; the same time written two ways (`5` and `5.0`) by text.
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts()
            .cmp(&other.parts())
            .then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for RewindId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for RewindId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Reads a rewind ID sent as a string or a number.
impl<'de> Deserialize<'de> for RewindId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RewindId, D::Error> {
        let text = match Value::deserialize(d)? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => return Err(serde::de::Error::custom(format!("{other} is no rewind ID"))),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A part of a backup, as the download's and the restore's `types` name
/// them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackupPart {
    /// `all`: everything.
    All,
    /// `themes`: the themes folder.
    Themes,
    /// `plugins`: the plugins folder.
    Plugins,
    /// `uploads`: the uploads folder.
    Uploads,
    /// `sqls`: the database tables.
    Sqls,
    /// `roots`: the WordPress root folder.
    Roots,
    /// `contents`: `wp-content`.
    Contents,
}

impl BackupPart {
    /// Every part, `all` first.
    pub const EVERY: [BackupPart; 7] = [
        BackupPart::All,
        BackupPart::Themes,
        BackupPart::Plugins,
        BackupPart::Uploads,
        BackupPart::Sqls,
        BackupPart::Roots,
        BackupPart::Contents,
    ];

    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            BackupPart::All => "all",
            BackupPart::Themes => "themes",
            BackupPart::Plugins => "plugins",
            BackupPart::Uploads => "uploads",
            BackupPart::Sqls => "sqls",
            BackupPart::Roots => "roots",
            BackupPart::Contents => "contents",
        }
    }
}

impl FromStr for BackupPart {
    type Err = Error;

    fn from_str(text: &str) -> Result<BackupPart, Error> {
        let text = text.trim();
        BackupPart::EVERY
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let names: Vec<&str> = BackupPart::EVERY.iter().map(|p| p.as_str()).collect();
                Error::InvalidInput(format!(
                    "{text:?} is not a part of a backup (one of {})",
                    names.join(", ")
                ))
            })
    }
}

/// Which parts of a backup to take: at least one; `all` stands alone.
///
/// The reference sends them two ways: a download's `types` is an object of
/// booleans, a restore's a list of names. This is the set; each request
/// writes it the way its endpoint takes it.
///
/// ```
/// use jetpack_partner::BackupParts;
/// let parts = BackupParts::parse("plugins, themes,plugins")?;
/// assert_eq!(parts.to_string(), "themes,plugins");
/// assert_eq!(BackupParts::parse("themes,all")?.to_string(), "all");
/// assert!(BackupParts::parse("").is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupParts(Vec<BackupPart>);

impl BackupParts {
    /// These parts, in the API's order, each once. `all` with others is
    /// `all`. None at all is refused.
    pub fn new(parts: impl IntoIterator<Item = BackupPart>) -> Result<BackupParts, Error> {
        let mut parts: Vec<BackupPart> = parts.into_iter().collect();
        parts.sort();
        parts.dedup();
        if parts.contains(&BackupPart::All) {
            parts = vec![BackupPart::All];
        }
        if parts.is_empty() {
            return Err(Error::InvalidInput(
                "no part of a backup was named (give e.g. themes,plugins or all)".into(),
            ));
        }
        Ok(BackupParts(parts))
    }

    /// A comma-separated list of names: `themes,plugins`.
    pub fn parse(list: &str) -> Result<BackupParts, Error> {
        let parts = list
            .split(',')
            .filter(|name| !name.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<BackupPart>, Error>>()?;
        BackupParts::new(parts)
    }

    /// The parts.
    pub fn parts(&self) -> &[BackupPart] {
        &self.0
    }

    /// Whether this is everything.
    pub fn is_all(&self) -> bool {
        self.0 == [BackupPart::All]
    }

    /// As a download takes them: an object with every part's name, `true`
    /// for those wanted and `false` for the others (so the answer does not
    /// hang on what the service assumes of a missing name); `all` makes
    /// every one `true`.
    pub(crate) fn as_object(&self) -> Value {
        let map: Map<String, Value> = BackupPart::EVERY
            .iter()
            .map(|p| {
                let wanted = self.is_all() || self.0.contains(p);
                (p.as_str().to_owned(), Value::Bool(wanted))
            })
            .collect();
        Value::Object(map)
    }

    /// As a restore takes them: a list of names.
    pub(crate) fn as_list(&self) -> Value {
        Value::Array(
            self.0
                .iter()
                .map(|p| Value::String(p.as_str().to_owned()))
                .collect(),
        )
    }
}

impl fmt::Display for BackupParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|p| p.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

/// Readers for the loosely typed fields of these answers (numbers sent as
/// strings, `""` for none), beyond those of `crate::lenient`.
pub(crate) mod loose {
    use super::*;

    /// A count or a percentage: a number (a fraction is cut), a numeric
    /// string; `null`, `""`, `false` and anything else are none. Unlike an
    /// ID, 0 is a value.
    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_u64().or_else(|| n.as_f64().and_then(whole)),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<u64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(whole))
            }
            _ => None,
        })
    }

    /// A non-negative float as a whole number, cut (not rounded).
    fn whole(f: f64) -> Option<u64> {
        // Truncation is the point; values past u64 saturate.
        (f.is_finite() && f >= 0.0).then_some(f as u64)
    }

    /// An ID that must be there: a positive number or numeric string.
    pub fn required_id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        crate::lenient::id::deserialize(d)?
            .ok_or_else(|| serde::de::Error::custom("the ID is missing or 0"))
    }

    /// A rewind ID that may be absent, `null`, `""` or malformed: none
    /// (the raw answer still has it).
    pub fn rewind_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RewindId>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.to_string().parse().ok(),
            _ => None,
        })
    }

    /// Text that may be `null` (empty) or a number.
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        crate::lenient::string(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewind_ids_are_digits_with_one_point_and_keep_their_text() {
        for good in ["1605878792.626", "1600858683.3001", "1603975624", " 42.5 "] {
            let id: RewindId = good.parse().unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(id.as_str(), good.trim());
        }
        for bad in [
            "",
            "0",
            "0.5",
            ".5",
            "5.",
            "1.2.3",
            "-5",
            "1e9",
            "12 34",
            "1605878792.6260000001",
            "9999999999999",
            "abc",
        ] {
            assert!(bad.parse::<RewindId>().is_err(), "{bad:?}");
        }
        let a: RewindId = "1605878792.626".parse().unwrap_or_else(|e| panic!("{e}"));
        let b: RewindId = "1605878792.63".parse().unwrap_or_else(|e| panic!("{e}"));
        let c: RewindId = "1605878793".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(a < b && b < c);
        assert_eq!(
            RewindId::from_unix(7).map(|i| i.0).ok().as_deref(),
            Some("7")
        );
    }

    #[test]
    fn rewind_ids_read_from_strings_and_numbers() -> Result<(), serde_json::Error> {
        let id: RewindId = serde_json::from_str("\"1605878792.626\"")?;
        assert_eq!(serde_json::to_string(&id)?, "\"1605878792.626\"");
        let id: RewindId = serde_json::from_str("1603977475")?;
        assert_eq!(id.as_str(), "1603977475");
        assert!(serde_json::from_str::<RewindId>("null").is_err());
        Ok(())
    }

    #[test]
    fn parts_are_a_set_written_two_ways() -> Result<(), Error> {
        let parts = BackupParts::parse("sqls,themes")?;
        assert_eq!(parts.as_list(), serde_json::json!(["themes", "sqls"]));
        let object = parts.as_object();
        assert_eq!(object["themes"], true);
        assert_eq!(object["sqls"], true);
        assert_eq!(object["uploads"], false);
        assert_eq!(object["all"], false);
        assert_eq!(object.as_object().map(Map::len), Some(7));
        let all = BackupParts::parse("all")?;
        assert!(all
            .as_object()
            .as_object()
            .is_some_and(|o| o.values().all(|v| v == true)));
        assert_eq!(all.as_list(), serde_json::json!(["all"]));
        assert!(
            matches!(BackupParts::parse("themes,db"), Err(Error::InvalidInput(m)) if m.contains("\"db\""))
        );
        assert!(BackupParts::parse(" , ").is_err());
        Ok(())
    }

    #[test]
    fn loose_numbers() -> Result<(), serde_json::Error> {
        #[derive(Deserialize)]
        struct N(#[serde(deserialize_with = "loose::number")] Option<u64>);
        for (text, want) in [
            ("0", Some(0)),
            ("\"100\"", Some(100)),
            ("40.7", Some(40)),
            ("\"12.5\"", Some(12)),
            ("\"\"", None),
            ("null", None),
            ("false", None),
            ("-3", None),
        ] {
            assert_eq!(serde_json::from_str::<N>(text)?.0, want, "{text}");
        }
        Ok(())
    }
}
