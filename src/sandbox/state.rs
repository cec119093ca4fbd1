//! The sandbox's memory: partners, the tokens it issued, the sites and what
//! they hold, and what it has seen.
//!
//! Everything but the stats can be kept in a file (see `persist`), so the
//! structures here are plain serde data.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::activity;
use super::clock::Clock;
use super::rewind::Rewind;
use super::sites::Sites;
use super::threats::{Scanner, Timing};

/// The first blog ID the sandbox hands out.
const FIRST_BLOG_ID: u64 = 1000;

/// The first client ID given to a partner key made by `partner-keys/new`.
const FIRST_SUB_KEY_CLIENT_ID: u64 = 70000;

/// How long an authorization code may wait for its exchange, unless the
/// sandbox was given another time.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// The first WordPress.com user ID given to an account made by
/// `POST /jpphp/user`.
const FIRST_USER_ID: u64 = 5_000_000;

/// A partner the sandbox knows: its OAuth client.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Partner {
    #[serde(with = "secret_text")]
    pub secret: Vec<u8>,
    /// A disabled key still gets tokens; the partner endpoints refuse it.
    #[serde(default)]
    pub disabled: bool,
    /// Set for keys made by `partner-keys/new`; absent for the keys the
    /// sandbox was started with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_key: Option<SubKey>,
    /// Not on the user-creation whitelist: `POST /jpphp/user` answers 403
    /// `forbidden`.
    #[serde(default)]
    pub user_creation_forbidden: bool,
}

/// A secret is written as text when it is UTF-8 (it nearly always is), so
/// the state file stays readable, and as a list of bytes otherwise.
mod secret_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Bytes(Vec<u8>),
    }

    pub fn serialize<S: Serializer>(secret: &[u8], to: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(secret) {
            Ok(text) => to.serialize_str(text),
            Err(_) => secret.serialize(to),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Vec<u8>, D::Error> {
        Ok(match Stored::deserialize(from)? {
            Stored::Text(text) => text.into_bytes(),
            Stored::Bytes(bytes) => bytes,
        })
    }
}

/// A WordPress.com app (the partner's own, for the authorization-code
/// flow) and the partner whose WordPress.com user approves it.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct App {
    #[serde(with = "secret_text")]
    pub secret: Vec<u8>,
    /// The registered redirect URI, compared byte for byte.
    pub redirect_uri: String,
    pub partner_id: String,
    /// Which field of the token answer holds the token.
    #[serde(default)]
    pub answer: TokenField,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("secret", &REDACTED)
            .field("redirect_uri", &self.redirect_uri)
            .field("partner_id", &self.partner_id)
            .field("answer", &self.answer)
            .finish()
    }
}

/// Which field of the authorization-code grant's answer carries the
/// user's token. The reference leaves it open: its reporting README says
/// to take `secret`; a standard OAuth answer carries `access_token`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenField {
    /// `access_token`, as a standard OAuth answer (the default).
    #[default]
    AccessToken,
    /// `secret` only, as the reporting README reads the answer.
    Secret,
    /// Both, with the same token.
    Both,
}

impl std::str::FromStr for TokenField {
    type Err = String;

    /// `access_token`, `secret` or `both`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "access_token" => Ok(TokenField::AccessToken),
            "secret" => Ok(TokenField::Secret),
            "both" => Ok(TokenField::Both),
            other => Err(format!(
                "{other:?} is not a token field (access_token, secret or both)"
            )),
        }
    }
}

/// An authorization code the authorize step gave out, until it is
/// exchanged or expires. Never written to the state file.
#[derive(Clone, Debug)]
pub(crate) struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub partner_id: String,
    pub expires: Instant,
    pub used: bool,
}

/// What `partner-keys/new` recorded about a key it made.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SubKey {
    pub id: u64,
    pub parent: String,
    pub name: String,
    pub notes: String,
    pub allowances: Allowances,
}

/// How many sites a sub-key may hold each paid plan on at once.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Allowances {
    pub personal: u64,
    pub premium: u64,
    pub professional: u64,
}

impl Allowances {
    /// The allowance for a slug; `None` when the plan is not limited.
    /// `complete` has no allowance field, so a sub-key may never provision
    /// it; `free` and the stand-alone items are not limited.
    pub fn for_slug(&self, slug: &str) -> Option<u64> {
        match slug {
            "personal" => Some(self.personal),
            "premium" => Some(self.premium),
            "professional" => Some(self.professional),
            "complete" => Some(0),
            _ => None,
        }
    }
}

/// A WordPress.com account made by `POST /jpphp/user`, kept by its
/// e-mail address in lower case.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct User {
    pub id: u64,
    /// The partner that made it.
    pub partner_id: String,
    pub product_type: String,
    #[serde(default)]
    pub language: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
}

/// What an access token stands for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Grant {
    pub partner_id: String,
    pub scope: String,
}

/// Everything the sandbox remembers, behind one lock.
#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct State {
    pub partners: BTreeMap<String, Partner>,
    /// Client ID -> the WordPress.com app.
    pub apps: BTreeMap<String, App>,
    pub tokens: HashMap<String, Grant>,
    /// Authorization code -> what it was given for.
    #[serde(skip)]
    pub codes: HashMap<String, Code>,
    /// How long a new code may wait for its exchange.
    #[serde(skip)]
    pub code_lifetime: Duration,
    /// Site key (`example.com::blog`) -> site.
    pub sites: Sites,
    pub next_blog_id: u64,
    pub next_client_id: u64,
    pub next_key_id: u64,
    /// The sandbox's time: every handler reads it here.
    pub clock: Clock,
    /// Each site's Jetpack Scan, by blog ID: made when a scan route first
    /// looks at a site that has Scan.
    pub scans: BTreeMap<u64, Scanner>,
    /// How long scans and fixes take: the sandbox's settings, not its
    /// state, so not kept in the file.
    #[serde(skip)]
    pub scan_timing: Timing,
    pub next_activation_id: u64,
    /// WordPress.com accounts made through the API, by e-mail address.
    pub users: BTreeMap<String, User>,
    pub next_user_id: u64,
    /// When each e-mail address was sent a magic link in the last hour
    /// (Unix seconds), for the limit of five an hour.
    pub magic_links: BTreeMap<String, Vec<u64>>,
    /// The sites' activity logs.
    pub activity: activity::Log,
    /// The sites' backups, archives and restores.
    pub rewind: Rewind,
    #[serde(skip)]
    pub stats: Stats,
    /// Set by every change that must reach the state file.
    #[serde(skip)]
    pub dirty: bool,
    /// No pending activation expires before this time (the sandbox's
    /// clock), so most sweeps look at nothing; 0 after a load.
    #[serde(skip)]
    sweep_due: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            partners: BTreeMap::new(),
            apps: BTreeMap::new(),
            tokens: HashMap::new(),
            codes: HashMap::new(),
            code_lifetime: CODE_LIFETIME,
            sites: Sites::new(),
            next_blog_id: FIRST_BLOG_ID,
            next_client_id: FIRST_SUB_KEY_CLIENT_ID,
            next_key_id: 1,
            clock: Clock::default(),
            scans: BTreeMap::new(),
            scan_timing: Timing::default(),
            next_activation_id: 1,
            users: BTreeMap::new(),
            next_user_id: FIRST_USER_ID,
            magic_links: BTreeMap::new(),
            activity: activity::Log::default(),
            rewind: Rewind::default(),
            stats: Stats::default(),
            dirty: false,
            sweep_due: 0,
        }
    }
}

impl State {
    /// The time now, by the sandbox's clock: Unix seconds.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The same clock in milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Drops the pending activations whose 14 days have passed. Run on
    /// every lock of the state (see `Shared::lock`), so no handler sees
    /// one that has expired.
    pub fn sweep(&mut self) {
        let now = self.now();
        if now < self.sweep_due {
            return;
        }
        let mut next = u64::MAX;
        for site in self.sites.values_mut() {
            self.dirty |= site.expire(now);
            next = next.min(site.next_expiry().unwrap_or(u64::MAX));
        }
        self.sweep_due = next;
    }

    /// A pending activation was recorded, to expire at `at`.
    pub fn expires_at(&mut self, at: u64) {
        self.sweep_due = self.sweep_due.min(at);
    }

    /// The token for this partner and scope: issued once, then the same one
    /// every time, as the service's documentation describes.
    pub fn token_for(&mut self, partner_id: &str, scope: &str) -> String {
        let existing = self
            .tokens
            .iter()
            .find(|(_, g)| g.partner_id == partner_id && g.scope == scope)
            .map(|(t, _)| t.clone());
        existing.unwrap_or_else(|| {
            let token = random_token();
            self.tokens.insert(
                token.clone(),
                Grant {
                    partner_id: partner_id.to_owned(),
                    scope: scope.to_owned(),
                },
            );
            self.dirty = true;
            token
        })
    }

    /// A client ID no partner has yet, for a new sub-key.
    pub fn new_client_id(&mut self) -> u64 {
        loop {
            let id = self.next_client_id;
            self.next_client_id += 1;
            if !self.partners.contains_key(&id.to_string()) {
                return id;
            }
        }
    }

    /// The next activation ID, counting up from 1.
    pub fn new_activation_id(&mut self) -> u64 {
        let id = self.next_activation_id.max(1);
        self.next_activation_id = id + 1;
        id
    }

    /// The next WordPress.com user ID.
    pub fn new_user_id(&mut self) -> u64 {
        let id = self.next_user_id.max(FIRST_USER_ID);
        self.next_user_id = id + 1;
        id
    }

    /// The next blog ID, counting up from 1000.
    pub fn new_blog_id(&mut self) -> u64 {
        let id = self.next_blog_id.max(FIRST_BLOG_ID);
        self.next_blog_id = id + 1;
        id
    }

    /// How many sites hold `slug` provisioned by this partner.
    pub fn held_by(&self, partner_id: &str, slug: &str) -> u64 {
        let count = self
            .sites
            .values()
            .flat_map(|site| &site.products)
            .filter(|a| a.partner_id == partner_id && a.slug == slug)
            .count();
        u64::try_from(count).unwrap_or(u64::MAX)
    }
}

/// Counters that tests read through `GET /_sandbox/stats`.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub requests: u64,
    /// endpoint -> HTTP status -> count
    pub by_endpoint: BTreeMap<String, BTreeMap<u16, u64>>,
    /// endpoint -> the fields of its last request, secrets masked
    pub last_fields: BTreeMap<String, Vec<(String, String)>>,
    /// site key -> successful provision requests, repeats included
    pub provisions: BTreeMap<String, u64>,
    /// fault kind -> requests it was injected into
    pub faults: BTreeMap<&'static str, u64>,
}

/// What the stats (and `Debug`) show in place of a secret, as the
/// client's traces do.
pub(crate) const REDACTED: &str = "***";

/// Fields whose values the stats never show.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "secret",
    "ssh_pass",
    "ssh_private_key",
    "ftp_pass",
    "access_token",
];

impl Stats {
    pub fn record(&mut self, endpoint: &str, status: u16) {
        self.requests += 1;
        *self
            .by_endpoint
            .entry(endpoint.to_owned())
            .or_default()
            .entry(status)
            .or_default() += 1;
    }

    pub fn record_fields(&mut self, endpoint: &str, fields: &[(String, Vec<u8>)]) {
        let shown = fields
            .iter()
            .map(|(k, v)| {
                let value = if SECRET_FIELDS.contains(&k.as_str()) {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(v).into_owned()
                };
                (k.clone(), value)
            })
            .collect();
        self.last_fields.insert(endpoint.to_owned(), shown);
    }

    pub fn record_fault(&mut self, kind: &'static str) {
        *self.faults.entry(kind).or_default() += 1;
    }

    pub fn record_provision(&mut self, site: &str) {
        *self.provisions.entry(site.to_owned()).or_default() += 1;
    }

    pub fn to_json(&self) -> Value {
        let by_endpoint: BTreeMap<&String, BTreeMap<String, u64>> = self
            .by_endpoint
            .iter()
            .map(|(e, m)| (e, m.iter().map(|(s, n)| (s.to_string(), *n)).collect()))
            .collect();
        let last_fields: BTreeMap<&String, Vec<Value>> = self
            .last_fields
            .iter()
            .map(|(e, f)| (e, f.iter().map(|(k, v)| json!([k, v])).collect()))
            .collect();
        json!({
            "requests": self.requests,
            "by_endpoint": by_endpoint,
            "last_fields": last_fields,
            "provisions": self.provisions,
            "faults": self.faults,
        })
    }
}

/// 64 hex digits from the standard library's OS-seeded hash keys.
pub(crate) fn random_token() -> String {
    (0..4).map(|_| format!("{:016x}", random_u64())).collect()
}

/// 64 random bits from the standard library's OS-seeded hash keys.
pub(crate) fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}
