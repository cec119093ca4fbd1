//! The sandbox's memory: partners, the tokens it issued, what it has seen.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use serde_json::{json, Value};

/// A partner the sandbox knows: its OAuth client.
#[derive(Clone, Debug)]
pub(crate) struct Partner {
    pub secret: Vec<u8>,
}

/// What an access token stands for.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub partner_id: String,
    pub scope: String,
}

/// Everything the sandbox remembers, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub partners: HashMap<String, Partner>,
    pub tokens: HashMap<String, Grant>,
    pub stats: Stats,
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
            token
        })
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
}

/// Fields whose values the stats never show.
const SECRET_FIELDS: &[&str] = &["client_secret", "ssh_pass", "ssh_private_key", "ftp_pass"];

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
                    crate::auth::REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(v).into_owned()
                };
                (k.clone(), value)
            })
            .collect();
        self.last_fields.insert(endpoint.to_owned(), shown);
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
        })
    }
}

/// 64 hex digits from the standard library's OS-seeded hash keys.
pub(crate) fn random_token() -> String {
    (0..4)
        .map(|_| format!("{:016x}", RandomState::new().build_hasher().finish()))
        .collect()
}
