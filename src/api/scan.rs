//! Jetpack Scan: `GET /wpcom/v2/sites/{blog_id}/scan` (the scanner's state,
//! its threats, its last scan; the partner's token) and
//! `POST …/scan/enqueue` (queue a scan; a WordPress.com user's token),
//! reference 4.1 and 4.2. The threat actions are in `threats.rs`.
//!
//! ```
//! use jetpack_partner::{BlogId, Endpoint, Reply, ScanStatus, ScannerState, Severity};
//! let request = ScanStatus::new(BlogId::new(155308227)?);
//! assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/scan");
//! let reply = Reply::decode(200, None, br#"{"state":"idle","threats":[
//!     {"id":81427324,"signature":"EICAR_AV_Test","severity":1,"status":"current",
//!      "fixable":false}]}"#)?;
//! let scan = request.decode(reply)?;
//! assert_eq!(scan.state, ScannerState::Idle);
//! assert_eq!(scan.threats[0].severity, Severity::SUSPICIOUS);
//! assert!(scan.threats[0].status.is_active() && scan.threats[0].fixable.is_none());
//! # Ok::<(), jetpack_partner::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::WPCOM_V2_SITES;
use crate::blog::BlogId;
use crate::endpoint::{Body, Endpoint, Method, Repeat, Token};
use crate::error::{ApiErrorCode, Error};
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// An enum of the words the API answers with: the documented ones by name,
/// any other kept as it came, so that a new word never fails an answer.
macro_rules! words {
    (
        $(#[$meta:meta])*
        $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// Any other word, as the API sent it.
            Other(String),
        }

        impl $name {
            /// The word as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(text) => text,
                }
            }

            /// The value for a word: a named one, or `Other`.
            pub fn from_text(text: &str) -> $name {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        /// An absent word is the empty `Other`.
        impl Default for $name {
            fn default() -> $name {
                $name::Other(String::new())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                crate::lenient::string(d).map(|text| $name::from_text(&text))
            }
        }
    };
}
pub(crate) use words;

words! {
    /// What the scanner is doing (reference 4.1). The reference gives no
    /// transitions (its gap B.6); see the README's Scan section.
    ScannerState {
        /// Waiting for the next scan: the threats are the last scan's.
        Idle = "idle",
        /// A scan is running; `most_recent.progress` follows it.
        Scanning = "scanning",
        /// Scan is being set up for the site (a product just given, a
        /// site not yet connected): try later.
        Provisioning = "provisioning",
        /// The site has no Scan (no product that includes it), or Scan
        /// cannot reach it.
        Unavailable = "unavailable",
    }
}

words! {
    /// Where a threat stands (reference 4.1). `new` and `current` both
    /// need action: `new` is what the most recent scan found for the first
    /// time, `current` what an earlier scan found and is still there.
    ThreatStatus {
        /// Found by an earlier scan, still there.
        Current = "current",
        /// Found for the first time by the most recent scan.
        New = "new",
        /// Marked as ignored (`threat ignore`).
        Ignored = "ignored",
        /// Fixed: the documented way to see that a fix worked.
        Fixed = "fixed",
    }
}

impl ThreatStatus {
    /// Whether the threat still needs action: `current` or `new`.
    pub fn is_active(&self) -> bool {
        matches!(self, ThreatStatus::Current | ThreatStatus::New)
    }
}

/// A threat's ID (reference 4.1 `id`): a positive number.
///
/// ```
/// use jetpack_partner::ThreatId;
/// let id: ThreatId = "81427324".parse()?;
/// assert_eq!(id.get(), 81427324);
/// assert!("0".parse::<ThreatId>().is_err() && "x1".parse::<ThreatId>().is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreatId(u64);

impl ThreatId {
    /// A threat ID; 0 is none.
    pub fn new(id: u64) -> Result<ThreatId, Error> {
        if id == 0 {
            return Err(Error::InvalidInput(
                "a threat ID is a positive number, not 0".into(),
            ));
        }
        Ok(ThreatId(id))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ThreatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ThreatId {
    type Err = Error;

    fn from_str(text: &str) -> Result<ThreatId, Error> {
        let digits = text.trim();
        match digits.parse::<u64>() {
            Ok(id) if digits.bytes().all(|b| b.is_ascii_digit()) => ThreatId::new(id),
            _ => Err(Error::InvalidInput(format!(
                "{text:?} is not a threat ID (a positive number, as scan status lists them)"
            ))),
        }
    }
}

impl Serialize for ThreatId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Reads a threat ID sent as a number or a numeric string (as a map key it
/// is always a string).
impl<'de> Deserialize<'de> for ThreatId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ThreatId, D::Error> {
        match lenient::id::deserialize(d)? {
            Some(id) => Ok(ThreatId(id)),
            None => Err(serde::de::Error::custom("a threat ID is a positive number")),
        }
    }
}

/// How serious a threat is: the reference numbers them `1` suspicious,
/// `2` low, `3` medium, `4` high, `5` critical. Another number is kept as
/// it came, without a name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Severity(pub u64);

impl Severity {
    /// `1`: suspicious.
    pub const SUSPICIOUS: Severity = Severity(1);
    /// `2`: low.
    pub const LOW: Severity = Severity(2);
    /// `3`: medium.
    pub const MEDIUM: Severity = Severity(3);
    /// `4`: high.
    pub const HIGH: Severity = Severity(4);
    /// `5`: critical.
    pub const CRITICAL: Severity = Severity(5);

    /// The reference's name for the number, if it has one.
    pub fn name(self) -> Option<&'static str> {
        match self.0 {
            1 => Some("suspicious"),
            2 => Some("low"),
            3 => Some("medium"),
            4 => Some("high"),
            5 => Some("critical"),
            _ => None,
        }
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// A number or a numeric string; anything else is 0 (unknown).
impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
        lenient::count::deserialize(d).map(|n| Severity(n.unwrap_or(0)))
    }
}

/// What a fixer does (reference 4.1 `fixable` and `fixer`): its kind, and
/// what it touches.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Fixer {
    /// The kind of fix: `replace`, `delete`, `update`, `edit`…
    pub fixer: Option<String>,
    /// The file it changes or deletes.
    pub file: Option<String>,
    /// What it updates to (a plugin's fixed version).
    pub target: Option<String>,
    /// For a plugin or theme: `active` or `inactive`.
    #[serde(rename = "extensionStatus")]
    pub extension_status: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Fixer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Fixer {
                fixer: f.get("fixer", Deserialize::deserialize)?,
                file: f.get("file", Deserialize::deserialize)?,
                target: f.get("target", Deserialize::deserialize)?,
                extension_status: f.get("extensionStatus", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

/// A fixer object, or none: `false`, `null` or an absent field (a threat
/// without an automatic fix) read as `None`.
fn fixer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Fixer>, D::Error> {
    match Value::deserialize(d)? {
        object @ Value::Object(_) => serde_json::from_value(object)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Ok(None),
    }
}

/// The plugin or theme a threat is a vulnerable version of (reference 4.1
/// `extension`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ThreatExtension {
    /// Whether it is a premium (paid) one.
    #[serde(rename = "isPremium")]
    pub is_premium: bool,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// `plugin` or `theme`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The version the site has.
    pub version: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for ThreatExtension {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ThreatExtension {
                is_premium: f.get("isPremium", lenient::boolean)?,
                name: f.get("name", lenient::string)?,
                slug: f.get("slug", lenient::string)?,
                kind: f.get("type", lenient::string)?,
                version: f.get("version", lenient::string)?,
                extra: f.rest(),
            })
        })
    }
}

/// One threat (reference 4.1). The fields the reference marks "tbd" are
/// kept as text; `context` is kept as it came (lines keyed by number, and
/// `marks`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Threat {
    /// Its ID, for `threat fix` and `threat ignore`.
    pub id: ThreatId,
    /// The signature that matched (`EICAR_AV_Test`).
    pub signature: String,
    /// A headline.
    pub title: String,
    /// A longer explanation.
    pub description: String,
    /// "tbd" in the reference.
    pub vulnerability_description: Option<String>,
    /// What the fixer will do.
    pub fix_description: Option<String>,
    /// "tbd" in the reference; `null` in its example.
    pub payload_subtitle: Option<String>,
    /// "tbd" in the reference; `null` in its example.
    pub payload_description: Option<String>,
    /// When it was first found (`2022-11-27T20:06:54.000Z`).
    pub first_detected: String,
    /// How serious it is.
    pub severity: Severity,
    /// The fixer (same shape as `fixable`).
    pub fixer: Option<Fixer>,
    /// Where it stands.
    pub status: ThreatStatus,
    /// How it can be fixed automatically; `None` when it cannot.
    pub fixable: Option<Fixer>,
    /// The file it was found in.
    pub filename: Option<String>,
    /// The offending lines keyed by line number, and `marks`.
    pub context: Option<Value>,
    /// For a vulnerable plugin or theme version: which one.
    pub extension: Option<ThreatExtension>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Threat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Threat {
                id: f.required("id", Deserialize::deserialize)?,
                signature: f.get("signature", lenient::string)?,
                title: f.get("title", lenient::string)?,
                description: f.get("description", lenient::string)?,
                vulnerability_description: f
                    .get("vulnerability_description", Deserialize::deserialize)?,
                fix_description: f.get("fix_description", Deserialize::deserialize)?,
                payload_subtitle: f.get("payload_subtitle", Deserialize::deserialize)?,
                payload_description: f.get("payload_description", Deserialize::deserialize)?,
                first_detected: f.get("first_detected", lenient::string)?,
                severity: f.get("severity", Deserialize::deserialize)?,
                fixer: f.get("fixer", fixer)?,
                status: f.get("status", Deserialize::deserialize)?,
                fixable: f.get("fixable", fixer)?,
                filename: f.get("filename", Deserialize::deserialize)?,
                context: f.get("context", Deserialize::deserialize)?,
                extension: f.get("extension", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

/// Credentials Scan holds for the site (reference 4.1 `credentials`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScanCredential {
    /// Whether they still work.
    pub still_valid: bool,
    /// Their kind (`managed`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Their role (`main`).
    pub role: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for ScanCredential {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ScanCredential {
                still_valid: f.get("still_valid", lenient::boolean)?,
                kind: f.get("type", lenient::string)?,
                role: f.get("role", lenient::string)?,
                extra: f.rest(),
            })
        })
    }
}

/// The most recent scan (reference 4.1 `most_recent`): while the scanner
/// is `scanning`, the one under way.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MostRecentScan {
    /// Whether it is the site's first scan.
    pub is_initial: bool,
    /// When it ran (`2022-11-27T20:41:27+00:00`).
    pub timestamp: String,
    /// How long it took, in seconds.
    #[serde(serialize_with = "lenient::count::serialize")]
    pub duration: Option<u64>,
    /// How far it got, in percent.
    #[serde(serialize_with = "lenient::count::serialize")]
    pub progress: Option<u64>,
    /// Whether it failed.
    pub error: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for MostRecentScan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(MostRecentScan {
                is_initial: f.get("is_initial", lenient::boolean)?,
                timestamp: f.get("timestamp", lenient::string)?,
                duration: f.get("duration", lenient::count::deserialize)?,
                progress: f.get("progress", lenient::count::deserialize)?,
                error: f.get("error", lenient::boolean)?,
                extra: f.rest(),
            })
        })
    }
}

/// The scanner's state and threats of one site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanStatus {
    blog: BlogId,
}

impl ScanStatus {
    /// The scan status of the site `blog`.
    pub fn new(blog: BlogId) -> Self {
        ScanStatus { blog }
    }
}

impl Endpoint for ScanStatus {
    type Answer = ScanAnswer;
    const METHOD: Method = Method::Get;
    // The reference's scan page links the partner's "Access token" (gap B.1).
    const TOKEN: Token = Token::Partner;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{WPCOM_V2_SITES}/{}/scan", self.blog))
    }

    fn decode(&self, reply: Reply) -> Result<ScanAnswer, Error> {
        reply.typed("the scan answer is not the documented object")
    }
}

/// The answer to [`ScanStatus`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScanAnswer {
    /// What the scanner is doing.
    pub state: ScannerState,
    /// The threats the scans found, whatever their status (a fixed one
    /// stays listed as `fixed`).
    pub threats: Vec<Threat>,
    /// Whether the site has Jetpack Cloud access.
    pub has_cloud: bool,
    /// The credentials Scan holds for the site.
    pub credentials: Vec<ScanCredential>,
    /// The last scan, or the one under way.
    pub most_recent: Option<MostRecentScan>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for ScanAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ScanAnswer {
                state: f.required("state", Deserialize::deserialize)?,
                threats: f.get("threats", Deserialize::deserialize)?,
                has_cloud: f.get("has_cloud", lenient::boolean)?,
                credentials: f.get("credentials", Deserialize::deserialize)?,
                most_recent: f.get("most_recent", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(ScanAnswer);

impl ScanAnswer {
    /// The threats that still need action (`current` or `new`).
    pub fn active_threats(&self) -> impl Iterator<Item = &Threat> {
        self.threats.iter().filter(|t| t.status.is_active())
    }

    /// The threat with this ID.
    pub fn threat(&self, id: ThreatId) -> Option<&Threat> {
        self.threats.iter().find(|t| t.id == id)
    }
}

/// Queues a scan of one site: a `POST` with no body, with a WordPress.com
/// user's token (reference 4.2; its example shows the `GET …/scan` URL
/// instead, gap B.4). Follow it with [`ScanStatus`]: `state` goes to
/// `scanning` and back to `idle`, with `most_recent` updated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnqueueScan {
    blog: BlogId,
}

impl EnqueueScan {
    /// A scan of the site `blog`.
    pub fn new(blog: BlogId) -> Self {
        EnqueueScan { blog }
    }
}

impl Endpoint for EnqueueScan {
    type Answer = EnqueueScanAnswer;
    const METHOD: Method = Method::Post;
    // It starts work: sent again only when it surely never arrived.
    const REPEAT: Repeat = Repeat::Once;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{WPCOM_V2_SITES}/{}/scan/enqueue", self.blog))
    }

    fn body(&self) -> Result<Body, Error> {
        Ok(Body::Empty)
    }

    fn decode(&self, reply: Reply) -> Result<EnqueueScanAnswer, Error> {
        if let Some(mut refusal) = reply.refusal() {
            if refusal.code == ApiErrorCode::Unsuccessful {
                refusal.message = format!(
                    "no scan was queued for blog {} (the API answered \"success\": false); \
                     a scanner that is provisioning or unavailable cannot scan: see scan status",
                    self.blog
                );
            }
            return Err(Error::Api(refusal));
        }
        reply.typed("the scan enqueue answer is not the documented object")
    }
}

/// The answer to [`EnqueueScan`]: a scan was queued (a `"success": false`
/// is an [`Error::Api`] instead).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EnqueueScanAnswer {
    /// Whether the scan was queued.
    pub success: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for EnqueueScanAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(EnqueueScanAnswer {
                success: f.get("success", lenient::boolean)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(EnqueueScanAnswer);

#[cfg(test)]
mod tests {
    use super::*;

    fn blog() -> BlogId {
        BlogId::new(155308227).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_scan_answer_reads_every_documented_field_and_keeps_the_rest() -> Result<(), Error> {
        let body = br#"{"state":"scanning","threats":[{"id":"81427324","signature":"EICAR_AV_Test",
            "title":"t","description":"d","vulnerability_description":"Threat found EICAR_AV_Test",
            "fix_description":"f","payload_subtitle":null,"payload_description":null,
            "first_detected":"2022-11-27T20:06:54.000Z","severity":"4",
            "fixer":{"fixer":"replace","file":"/x.php","extensionStatus":"active"},
            "status":"new","fixable":{"fixer":"replace","file":"/x.php"},"filename":"/x.php",
            "context":{"3":"eval($x);","marks":{"3":[[0,9]]}},
            "extension":{"isPremium":false,"name":"P","slug":"p","type":"plugin","version":"1.0"},
            "fixed_on":null}],
            "has_cloud":true,"credentials":[{"still_valid":true,"type":"managed","role":"main"}],
            "most_recent":{"is_initial":false,"timestamp":"2022-11-27T20:41:27+00:00",
            "duration":41,"progress":"35","error":false},"current":{}}"#;
        let scan = ScanStatus::new(blog()).decode(Reply::decode(200, None, body)?)?;
        assert_eq!(scan.state, ScannerState::Scanning);
        let threat = &scan.threats[0];
        assert_eq!(threat.id.get(), 81427324);
        assert_eq!(
            (threat.severity, threat.severity.name()),
            (Severity::HIGH, Some("high"))
        );
        assert_eq!(threat.status, ThreatStatus::New);
        assert!(threat.status.is_active());
        let fixer = threat.fixer.as_ref().map(|f| f.extension_status.as_deref());
        assert_eq!(fixer, Some(Some("active")));
        assert_eq!(
            threat.extension.as_ref().map(|e| e.kind.as_str()),
            Some("plugin")
        );
        assert!(threat.extra.contains_key("fixed_on"));
        assert_eq!(
            threat.context.as_ref().map(|c| c["3"].clone()),
            Some("eval($x);".into())
        );
        let recent = scan.most_recent.as_ref().map(|m| (m.duration, m.progress));
        assert_eq!(recent, Some((Some(41), Some(35))));
        assert_eq!(scan.credentials[0].kind, "managed");
        assert!(scan.extra.contains_key("current"));
        assert_eq!(scan.active_threats().count(), 1);
        assert!(scan
            .raw
            .get()
            .is_some_and(|raw| raw.contains("EICAR_AV_Test")));
        Ok(())
    }

    #[test]
    fn unknown_words_are_kept_and_a_missing_fixer_is_none() -> Result<(), Error> {
        let body = br#"{"state":"paused","threats":[{"id":7,"status":"quarantined","severity":9,
            "fixable":false,"fixer":null}]}"#;
        let scan = ScanStatus::new(blog()).decode(Reply::decode(200, None, body)?)?;
        assert_eq!(scan.state, ScannerState::Other("paused".into()));
        assert_eq!(scan.state.to_string(), "paused");
        let threat = &scan.threats[0];
        assert_eq!(threat.status.as_str(), "quarantined");
        assert!(!threat.status.is_active());
        assert_eq!(threat.severity.name(), None);
        assert!(threat.fixable.is_none() && threat.fixer.is_none());
        assert!(scan.most_recent.is_none());
        let not_an_object = Reply::decode(200, None, br#"{"state":"idle","threats":{}}"#)?;
        assert!(matches!(
            ScanStatus::new(blog()).decode(not_an_object),
            Err(Error::UnexpectedResponse(_))
        ));
        Ok(())
    }

    #[test]
    fn enqueue_posts_nothing_once_with_the_users_token() -> Result<(), Error> {
        let request = EnqueueScan::new(blog());
        assert_eq!(request.path()?, "/wpcom/v2/sites/155308227/scan/enqueue");
        assert!(matches!(request.body()?, Body::Empty));
        assert_eq!(EnqueueScan::REPEAT, Repeat::Once);
        assert_eq!(EnqueueScan::TOKEN, Token::User);
        let queued = request.decode(Reply::decode(200, None, br#"{"success":true}"#)?)?;
        assert!(queued.success);
        match request.decode(Reply::decode(200, None, br#"{"success":false}"#)?) {
            Err(Error::Api(api)) => {
                assert_eq!(api.code, ApiErrorCode::Unsuccessful);
                assert!(
                    api.message.contains("no scan was queued"),
                    "{}",
                    api.message
                );
            }
            other => panic!("{other:?}"),
        }
        Ok(())
    }

    #[test]
    fn threat_ids_and_severities() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!(" 42 ".parse::<ThreatId>()?.get(), 42);
        for bad in ["", "0", "-3", "4 2", "+1", "1e3"] {
            assert!(bad.parse::<ThreatId>().is_err(), "{bad:?}");
        }
        let id: ThreatId = serde_json::from_str("\"77\"")?;
        assert_eq!(serde_json::to_string(&id)?, "77");
        let names: Vec<Option<&str>> = (0..=6).map(|n| Severity(n).name()).collect();
        assert_eq!(
            names,
            [
                None,
                Some("suspicious"),
                Some("low"),
                Some("medium"),
                Some("high"),
                Some("critical"),
                None
            ]
        );
        Ok(())
    }
}
