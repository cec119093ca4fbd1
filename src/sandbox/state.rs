//! The sandbox's memory: partners, the tokens it issued, the sites and what
//! they hold, and what it has seen.
//!
//! Everything but the stats can be kept in a file (see `persist`), so the
//! structures here are plain serde data.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::activity;
use super::rewind::Rewind;
use super::sites::Sites;

/// The first blog ID the sandbox hands out.
const FIRST_BLOG_ID: u64 = 1000;

/// The first client ID given to a partner key made by `partner-keys/new`.
const FIRST_SUB_KEY_CLIENT_ID: u64 = 70000;

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
    pub tokens: HashMap<String, Grant>,
    /// Site key (`example.com::blog`) -> site.
    pub sites: Sites,
    pub next_blog_id: u64,
    pub next_client_id: u64,
    pub next_key_id: u64,
    /// The sites' activity logs.
    pub activity: activity::Log,
    /// The sites' backups, archives and restores.
    pub rewind: Rewind,
    #[serde(skip)]
    pub stats: Stats,
    /// Set by every change that must reach the state file.
    #[serde(skip)]
    pub dirty: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            partners: BTreeMap::new(),
            tokens: HashMap::new(),
            sites: Sites::new(),
            next_blog_id: FIRST_BLOG_ID,
            next_client_id: FIRST_SUB_KEY_CLIENT_ID,
            next_key_id: 1,
            activity: activity::Log::default(),
            rewind: Rewind::default(),
            stats: Stats::default(),
            dirty: false,
        }
    }
}

impl State {
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
