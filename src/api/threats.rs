//! Jetpack Scan's threat actions, all with a WordPress.com user's token
//! (reference 4.3 to 4.5):
//!
//! * [`FixThreat`]: `POST …/alerts/{threat_id}?fix=true`, one threat;
//! * [`IgnoreThreat`]: `POST …/alerts/{threat_id}?ignore=true`;
//! * [`FixThreats`]: `POST …/alerts/fix` with `{"threat_ids": […]}`;
//! * [`FixStatus`]: `GET …/alerts/fix?threat_ids[]=…`, the fixers' progress.
//!
//! The reference shows one fixer state, `in_progress` (its gap B.6). This
//! crate reads `not_started` and `in_progress` as going, `fixed` as done,
//! and `not_fixed`, an entry that holds an `error` instead of a state, or a
//! state it does not know, as a fix that ended without success. The
//! threat's own `status` in [`ScanStatus`](crate::ScanStatus) turning
//! `fixed` confirms it.
//!
//! ```
//! use jetpack_partner::{BlogId, Endpoint, FixStatus, Reply, ThreatId};
//! let ids = vec![ThreatId::new(81444650)?, ThreatId::new(81444645)?];
//! let request = FixStatus::new(BlogId::new(212734736)?, ids.clone())?;
//! assert_eq!(
//!     request.path()?,
//!     "/wpcom/v2/sites/212734736/alerts/fix?threat_ids[]=81444650&threat_ids[]=81444645"
//! );
//! let reply = Reply::decode(200, None, br#"{"ok":true,"threats":{
//!     "81444650":{"status":"fixed"},"81444645":{"status":"in_progress"}}}"#)?;
//! let progress = request.decode(reply)?.progress(&ids);
//! assert_eq!(progress.summary(), "1 of 2 fixed, 1 in_progress");
//! assert!(!progress.is_over());
//! # Ok::<(), jetpack_partner::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

use super::query::Query;
use super::scan::{words, ScanCredential, Threat, ThreatId};
use super::WPCOM_V2_SITES;
use crate::blog::BlogId;
use crate::endpoint::{Body, Endpoint, Method, Repeat, Token};
use crate::error::{Ended, Error};
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::wait::{Look, Progress};

/// What [`Ended`] and [`StillRunning`](crate::StillRunning) call a fix.
pub const THREAT_FIX: &str = "threat fix";

words! {
    /// Where one threat's fixer stands (reference 4.4 and 4.5, which show
    /// only `in_progress`; the others are the states Jetpack's own apps
    /// read from this endpoint).
    FixerState {
        /// Not started yet (queued, or never asked for).
        NotStarted = "not_started",
        /// Running.
        InProgress = "in_progress",
        /// Done: the threat is fixed.
        Fixed = "fixed",
        /// Ended without fixing the threat.
        NotFixed = "not_fixed",
    }
}

impl FixerState {
    /// Whether the fix is still to come: `not_started` or `in_progress`.
    pub fn is_going(&self) -> bool {
        matches!(self, FixerState::NotStarted | FixerState::InProgress)
    }
}

/// The path of an action on one threat: `…/alerts/{threat_id}?{action}=true`.
fn alert_path(blog: BlogId, threat: ThreatId, action: &str) -> Result<String, Error> {
    Ok(Query::new()
        .pair(action, "true")?
        .after(format!("{WPCOM_V2_SITES}/{blog}/alerts/{threat}")))
}

/// Runs the fixer of one threat (reference 4.3 with `fix=true`; the
/// reference's own "fix" example says `ignore=true`, gap B.4). It starts
/// work: follow it with [`FixStatus`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixThreat {
    blog: BlogId,
    threat: ThreatId,
}

impl FixThreat {
    /// Fix `threat` on the site `blog`.
    pub fn new(blog: BlogId, threat: ThreatId) -> Self {
        FixThreat { blog, threat }
    }
}

impl Endpoint for FixThreat {
    type Answer = AlertsAnswer;
    const METHOD: Method = Method::Post;
    const REPEAT: Repeat = Repeat::Once;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        alert_path(self.blog, self.threat, "fix")
    }

    fn body(&self) -> Result<Body, Error> {
        Ok(Body::Empty)
    }

    fn decode(&self, reply: Reply) -> Result<AlertsAnswer, Error> {
        reply.typed("the threat fix answer is not the documented object")
    }
}

/// Marks one threat as ignored (reference 4.3 with `ignore=true`; the
/// reference's text about it says "fix", gap B.4). Ignoring twice leaves
/// the same state, so it is retried like a read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreThreat {
    blog: BlogId,
    threat: ThreatId,
}

impl IgnoreThreat {
    /// Ignore `threat` on the site `blog`.
    pub fn new(blog: BlogId, threat: ThreatId) -> Self {
        IgnoreThreat { blog, threat }
    }
}

impl Endpoint for IgnoreThreat {
    type Answer = AlertsAnswer;
    const METHOD: Method = Method::Post;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        alert_path(self.blog, self.threat, "ignore")
    }

    fn body(&self) -> Result<Body, Error> {
        Ok(Body::Empty)
    }

    fn decode(&self, reply: Reply) -> Result<AlertsAnswer, Error> {
        reply.typed("the threat ignore answer is not the documented object")
    }
}

/// The answer to [`FixThreat`] and [`IgnoreThreat`] (reference 4.3).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AlertsAnswer {
    /// The site's threats after the action.
    pub alerts: Alerts,
    /// The credentials Scan holds for the site.
    pub credentials: Vec<ScanCredential>,
    /// Undocumented (`[]` in the reference's example); kept as it came.
    pub downloads: Vec<Value>,
    /// Undocumented: the reference "does not know yet" (its example says
    /// `active`); kept as text.
    pub state: String,
    /// When the alerts last changed (`2022-11-27T21:36:51.593+00:00`).
    pub last_updated: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for AlertsAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(AlertsAnswer {
                alerts: f.get("alerts", Deserialize::deserialize)?,
                credentials: f.get("credentials", Deserialize::deserialize)?,
                downloads: f.get("downloads", Deserialize::deserialize)?,
                state: f.get("state", lenient::string)?,
                last_updated: f.get("last_updated", lenient::string)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(AlertsAnswer);

impl AlertsAnswer {
    /// The threat with this ID.
    pub fn threat(&self, id: ThreatId) -> Option<&Threat> {
        self.alerts.threats.iter().find(|t| t.id == id)
    }
}

/// The `alerts` object of an [`AlertsAnswer`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Alerts {
    /// The threats, as [`ScanStatus`](crate::ScanStatus) lists them.
    pub threats: Vec<Threat>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Alerts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Alerts {
                threats: f.get("threats", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

/// A list of threat IDs for one request: at least one, each once.
fn checked(ids: Vec<ThreatId>) -> Result<Vec<ThreatId>, Error> {
    if ids.is_empty() {
        return Err(Error::InvalidInput("no threat ID given".into()));
    }
    let mut seen = BTreeSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(Error::InvalidInput(format!(
            "the threat {twice} is named twice"
        )));
    }
    Ok(ids)
}

/// Runs the fixers of several threats at once (reference 4.4): a JSON body
/// `{"threat_ids": […]}`. It starts work: follow it with [`FixStatus`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixThreats {
    blog: BlogId,
    threats: Vec<ThreatId>,
}

impl FixThreats {
    /// Fix `threats` (at least one, each once) on the site `blog`.
    pub fn new(blog: BlogId, threats: Vec<ThreatId>) -> Result<Self, Error> {
        Ok(FixThreats {
            blog,
            threats: checked(threats)?,
        })
    }
}

impl Endpoint for FixThreats {
    type Answer = FixStatusAnswer;
    const METHOD: Method = Method::Post;
    const REPEAT: Repeat = Repeat::Once;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{WPCOM_V2_SITES}/{}/alerts/fix", self.blog))
    }

    fn body(&self) -> Result<Body, Error> {
        Ok(Body::Json(json!({ "threat_ids": self.threats })))
    }

    fn decode(&self, reply: Reply) -> Result<FixStatusAnswer, Error> {
        FixStatusAnswer::read(reply, "the fix answer is not the documented object")
    }
}

/// The fixers' progress for some threats (reference 4.5): the IDs go in
/// the query string, as PHP reads a list (`threat_ids[]=1&threat_ids[]=2`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixStatus {
    blog: BlogId,
    threats: Vec<ThreatId>,
}

impl FixStatus {
    /// The progress of the fixes of `threats` (at least one, each once) on
    /// the site `blog`.
    pub fn new(blog: BlogId, threats: Vec<ThreatId>) -> Result<Self, Error> {
        Ok(FixStatus {
            blog,
            threats: checked(threats)?,
        })
    }
}

impl Endpoint for FixStatus {
    type Answer = FixStatusAnswer;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        Ok(Query::new()
            .each("threat_ids[]", &self.threats)?
            .after(format!("{WPCOM_V2_SITES}/{}/alerts/fix", self.blog)))
    }

    fn decode(&self, reply: Reply) -> Result<FixStatusAnswer, Error> {
        FixStatusAnswer::read(reply, "the fix status answer is not the documented object")
    }
}

/// The answer to [`FixThreats`] and [`FixStatus`]: each threat's fixer.
/// An `"ok": false` is an [`Error::Api`] instead.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FixStatusAnswer {
    /// Whether the request as a whole went through.
    pub ok: bool,
    /// Each threat's fixer, by ID.
    pub threats: BTreeMap<ThreatId, ThreatFix>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for FixStatusAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(FixStatusAnswer {
                ok: f.get("ok", lenient::boolean)?,
                threats: f.get("threats", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(FixStatusAnswer);

impl FixStatusAnswer {
    fn read(reply: Reply, what: &str) -> Result<FixStatusAnswer, Error> {
        if let Some(refusal) = reply.not_ok() {
            return Err(Error::Api(refusal));
        }
        reply.typed(what)
    }

    /// Where the fixes of `ids` stand, by this answer. A threat the answer
    /// does not list is taken as not started yet.
    pub fn progress(&self, ids: &[ThreatId]) -> FixProgress {
        let mut progress = FixProgress {
            total: ids.len(),
            ..FixProgress::default()
        };
        for &id in ids {
            let Some(fix) = self.threats.get(&id) else {
                progress.going.push((id, FixerState::NotStarted));
                continue;
            };
            if let Some(error) = fix.error.as_deref() {
                progress.failed.push(FixFailure {
                    id,
                    state: FixerState::NotFixed.as_str().to_owned(),
                    reason: error.to_owned(),
                });
                continue;
            }
            match fix.state() {
                FixerState::Fixed => progress.fixed.push(id),
                going if going.is_going() => progress.going.push((id, going)),
                FixerState::NotFixed => progress.failed.push(FixFailure {
                    id,
                    state: FixerState::NotFixed.as_str().to_owned(),
                    reason: "the fixer did not fix it; see the threat in scan status".into(),
                }),
                other => progress.failed.push(FixFailure {
                    id,
                    state: other.as_str().to_owned(),
                    reason: format!(
                        "the fixer answered the state {:?}, which this program does not know; \
                         see the threat in scan status",
                        other.as_str()
                    ),
                }),
            }
        }
        progress
    }
}

/// One threat's fixer (reference 4.4 `threats.<id>`): a state, or an
/// `error` instead of one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ThreatFix {
    /// The fixer's state.
    pub status: Option<FixerState>,
    /// When it last changed.
    pub last_updated: Option<String>,
    /// Why there is no fixer for it (no such threat, no automatic fix).
    pub error: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for ThreatFix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ThreatFix {
                status: f.get("status", Deserialize::deserialize)?,
                last_updated: f.get("last_updated", Deserialize::deserialize)?,
                error: f.get("error", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

impl ThreatFix {
    /// The state; none given is `not_started`.
    pub fn state(&self) -> FixerState {
        self.status.clone().unwrap_or(FixerState::NotStarted)
    }
}

/// A fix that ended without fixing its threat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixFailure {
    /// The threat.
    pub id: ThreatId,
    /// The state it ended in: `not_fixed`, or a word this crate does not
    /// know.
    pub state: String,
    /// Why, as far as the API said.
    pub reason: String,
}

/// Where the fixes of some threats stand: the ones fixed, the ones still
/// going, the ones that ended without success.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixProgress {
    /// How many threats are followed.
    pub total: usize,
    /// The threats fixed.
    pub fixed: Vec<ThreatId>,
    /// The threats whose fix is still to come, with its state.
    pub going: Vec<(ThreatId, FixerState)>,
    /// The threats whose fix ended without success.
    pub failed: Vec<FixFailure>,
}

impl FixProgress {
    /// Whether every fix has ended, one way or the other.
    pub fn is_over(&self) -> bool {
        self.going.is_empty()
    }

    /// Adds fixes that ended before they were followed (a fixer refused
    /// when it was asked for).
    pub fn including(mut self, failed: &[FixFailure]) -> FixProgress {
        self.total += failed.len();
        self.failed.extend_from_slice(failed);
        self
    }

    /// For people: the one state when one threat is followed (`in_progress`),
    /// else how many are fixed and how many are in each other state
    /// (`1 of 3 fixed, 1 in_progress, 1 not_fixed`).
    pub fn summary(&self) -> String {
        let states = self
            .going
            .iter()
            .map(|(_, state)| state.as_str())
            .chain(self.failed.iter().map(|f| f.state.as_str()));
        if self.total == 1 {
            return states.last().unwrap_or("fixed").to_owned();
        }
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for state in states {
            match counts.iter_mut().find(|(s, _)| *s == state) {
                Some((_, n)) => *n += 1,
                None => counts.push((state, 1)),
            }
        }
        let mut text = format!("{} of {} fixed", self.fixed.len(), self.total);
        for (state, n) in counts {
            text.push_str(&format!(", {n} {state}"));
        }
        text
    }

    /// The progress to show.
    pub fn progress(&self) -> Progress {
        Progress::new(self.summary(), None)
    }

    /// The fixes that failed, as one [`Ended`]: their IDs, the first one's
    /// state as the code, and each one's reason. `None` when none failed.
    pub fn ended(&self) -> Option<Ended> {
        let first = self.failed.first()?;
        let ids: Vec<String> = self.failed.iter().map(|f| f.id.to_string()).collect();
        let reason = match &self.failed[..] {
            [one] => one.reason.clone(),
            several => several
                .iter()
                .map(|f| format!("{}: {}: {}", f.id, f.state, f.reason))
                .collect::<Vec<_>>()
                .join("; "),
        };
        Some(Ended::new(
            THREAT_FIX,
            &ids.join(","),
            &first.state,
            &reason,
        ))
    }

    /// What a [`Wait`](crate::Wait) makes of it: going on while a fix is
    /// still to come; then done when every one is fixed, else the
    /// [`Error::Ended`] of those that were not.
    pub fn into_look(self) -> Result<Look<FixProgress>, Error> {
        if !self.is_over() {
            return Ok(Look::Going(self.progress()));
        }
        match self.ended() {
            Some(ended) => Err(Error::Ended(ended)),
            None => Ok(Look::Done(self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiErrorCode;

    fn blog() -> BlogId {
        BlogId::new(212734736).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ids(numbers: &[u64]) -> Vec<ThreatId> {
        numbers
            .iter()
            .map(|&n| ThreatId::new(n).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    fn answer(body: &str) -> FixStatusAnswer {
        let reply = Reply::decode(200, None, body.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        FixStatusAnswer::read(reply, "x").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn one_threat_is_fixed_or_ignored_by_its_query() -> Result<(), Error> {
        let [id] = ids(&[81427324])[..] else {
            unreachable!()
        };
        let fix = FixThreat::new(blog(), id);
        assert_eq!(
            fix.path()?,
            "/wpcom/v2/sites/212734736/alerts/81427324?fix=true"
        );
        assert!(matches!(fix.body()?, Body::Empty));
        assert_eq!(
            (FixThreat::REPEAT, FixThreat::TOKEN),
            (Repeat::Once, Token::User)
        );
        let ignore = IgnoreThreat::new(blog(), id);
        assert_eq!(
            ignore.path()?,
            "/wpcom/v2/sites/212734736/alerts/81427324?ignore=true"
        );
        assert_eq!(IgnoreThreat::REPEAT, Repeat::Safe);
        let body = br#"{"alerts":{"threats":[{"id":81427324,"status":"ignored"}]},
            "credentials":[],"downloads":[],"state":"active",
            "last_updated":"2022-11-27T21:36:51.593+00:00"}"#;
        let answer = ignore.decode(Reply::decode(200, None, body)?)?;
        assert_eq!(answer.state, "active");
        assert_eq!(
            answer.threat(id).map(|t| t.status.as_str()),
            Some("ignored")
        );
        Ok(())
    }

    #[test]
    fn several_threats_go_as_json_and_their_status_as_a_php_list() -> Result<(), Error> {
        let several = ids(&[81444650, 81444645, 81444565]);
        let fix = FixThreats::new(blog(), several.clone())?;
        assert_eq!(fix.path()?, "/wpcom/v2/sites/212734736/alerts/fix");
        match fix.body()? {
            Body::Json(value) => {
                assert_eq!(value, json!({"threat_ids": [81444650, 81444645, 81444565]}))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(FixThreats::REPEAT, Repeat::Once);
        let status = FixStatus::new(blog(), several)?;
        assert_eq!(
            status.path()?,
            "/wpcom/v2/sites/212734736/alerts/fix?threat_ids[]=81444650&threat_ids[]=81444645\
             &threat_ids[]=81444565"
        );
        assert_eq!(
            (FixStatus::REPEAT, FixStatus::TOKEN),
            (Repeat::Safe, Token::User)
        );
        assert!(FixStatus::new(blog(), Vec::new()).is_err());
        assert!(matches!(
            FixThreats::new(blog(), ids(&[5, 6, 5])),
            Err(Error::InvalidInput(m)) if m.contains("5 is named twice")
        ));
        Ok(())
    }

    #[test]
    fn ok_false_is_a_refusal() -> Result<(), Error> {
        let request = FixStatus::new(blog(), ids(&[1]))?;
        let reply = Reply::decode(200, None, br#"{"ok":false,"error":"Scan is not ready."}"#)?;
        match request.decode(reply) {
            Err(Error::Api(api)) => {
                assert_eq!(api.code, ApiErrorCode::Unsuccessful);
                assert_eq!(api.message, "Scan is not ready.");
            }
            other => panic!("{other:?}"),
        }
        Ok(())
    }

    #[test]
    fn the_progress_of_several_fixes() {
        let all = ids(&[1, 2, 3, 4]);
        let progress = answer(
            r#"{"ok":true,"threats":{"1":{"status":"fixed","last_updated":"x"},
            "2":{"status":"in_progress"},"3":{"error":"No fixer for this threat."}}}"#,
        )
        .progress(&all);
        assert_eq!(progress.fixed, ids(&[1]));
        assert_eq!(
            progress.going.len(),
            2,
            "a threat not listed has not started"
        );
        assert_eq!(
            progress.summary(),
            "1 of 4 fixed, 1 in_progress, 1 not_started, 1 not_fixed"
        );
        assert!(!progress.is_over());
        assert!(matches!(progress.clone().into_look(), Ok(Look::Going(p))
            if p.state == progress.summary() && p.percent.is_none()));
        let ended = progress.ended().unwrap_or_else(|| panic!("a failure"));
        assert_eq!(
            (ended.id.as_str(), ended.state.as_str()),
            ("3", "not_fixed")
        );
        assert_eq!(ended.reason, "No fixer for this threat.");
    }

    #[test]
    fn fixes_end_done_or_ended() {
        let two = ids(&[1, 2]);
        let done =
            answer(r#"{"ok":true,"threats":{"1":{"status":"fixed"},"2":{"status":"fixed"}}}"#)
                .progress(&two);
        assert_eq!(done.summary(), "2 of 2 fixed");
        assert!(matches!(done.into_look(), Ok(Look::Done(p)) if p.fixed.len() == 2));
        let failed = answer(
            r#"{"ok":true,"threats":{"1":{"status":"not_fixed"},"2":{"status":"rolled_back"}}}"#,
        )
        .progress(&two);
        assert_eq!(failed.summary(), "0 of 2 fixed, 1 not_fixed, 1 rolled_back");
        match failed.into_look() {
            Err(Error::Ended(ended)) => {
                assert_eq!(ended.id, "1,2");
                assert_eq!(ended.state, "not_fixed");
                assert!(ended.reason.contains("2: rolled_back:"), "{}", ended.reason);
                let error = Error::Ended(ended);
                assert_eq!(error.code(), "not_fixed");
                assert!(
                    error
                        .to_string()
                        .starts_with("the threat fix 1,2 ended: not_fixed"),
                    "{error}"
                );
            }
            other => panic!("{other:?}"),
        }
        let one =
            answer(r#"{"ok":true,"threats":{"2":{"status":"in_progress"}}}"#).progress(&ids(&[2]));
        assert_eq!(one.summary(), "in_progress");
        let refused = FixFailure {
            id: ids(&[9])[0],
            state: "not_fixed".into(),
            reason: "No fixer.".into(),
        };
        let with = one.including(&[refused]);
        assert_eq!(with.summary(), "0 of 2 fixed, 1 in_progress, 1 not_fixed");
    }
}
