//! A local fake of the Jetpack Start partner API, for tests and the demo.
//!
//! It serves plain HTTP on a loopback port (or HTTPS, see
//! [`SandboxBuilder::tls`]), keeps its state in memory (and, if asked, in
//! a file), and validates requests the way the real service does,
//! answering in the real error shapes. `GET /_sandbox/stats` reports what
//! it has seen.
//!
//! Sites under a few reserved test domains meet the failures the
//! documentation describes: `*.nojetpack.test` (Jetpack not active),
//! `*.httpsonly.test` (an http site that redirects to https, given
//! without `https://`), `*.badstate.test` (needs `force_register`),
//! `*.notoken.test` (`error_access_token` until `force_register`),
//! `*.unknownblog.test` (`failed_registration_unknown_blog`),
//! `*.nouser.test` (no such `local_user`), `*.noproduct.test`
//! (`could_not_load_product_class`), `*.pending.test` (not reachable: the
//! activation stays pending) and `*.undeletable.test` (cancelling fails).
//! A new user's e-mail address at `notoken.test` meets the documented 500
//! `error_access_token`.
//!
//! The sandbox has its own [clock](Sandbox::now), which tests may move
//! forward ([`Sandbox::advance_clock`], `POST /_sandbox/clock?advance=SECS`)
//! to see what time does: a pending activation is dropped 14 days after
//! it was recorded. `POST /_sandbox/connect?site=SITE` connects a site, as
//! its owner does by following `next_url`.
//!
//! Jetpack Scan is stateful. A site with a product that includes Scan has
//! a scanner that scans clean, unless its host is under `*.infected.test`:
//! then it carries threats of every severity, most of them fixable, and
//! `*.fixfails.infected.test` fixes end `not_fixed`. A scan
//! ([`scan_duration`](SandboxBuilder::scan_duration)) and a fix
//! ([`fix_duration`](SandboxBuilder::fix_duration)) take a short, set
//! time. Without a product that includes Scan the scanner is
//! `unavailable`; while that product is pending (`*.pending.test`) it is
//! `provisioning`.
//!
//! Provisioned sites accrue backups, and archives and restores follow the
//! reference's state machines over time, each step as long as the
//! builder's timings say ([`backup_duration`](SandboxBuilder::backup_duration)
//! and the others: short by default, so tests run fast). Failures have
//! their reserved hosts too: `*.backupfail.test` (every backup fails),
//! `*.restorefail.test`, `*.restoreabort.test` and `*.restorekill.test`
//! (restores end `fail`, `aborted` or `killed`). Provisioning, cancelling,
//! backups and restores write the sites' activity logs.
//!
//! It can also misbehave on request, so that clients' retries and
//! time-outs can be tested: added [latency](SandboxBuilder::latency) and
//! [faults](Fault) (error pages, 429 with `Retry-After`, connections that
//! drop, stop short, trickle or hang), drawn at random at a chosen rate,
//! reproducibly with a [seed](SandboxBuilder::fault_seed). Faulted requests
//! still count in the stats' `requests` and `by_endpoint` (under the status
//! sent, or 0 when none is: `reset` and `hang`), and `faults` counts them
//! by kind.
//!
//! What a client can make it hold is bounded. It serves at most
//! [256 connections](SandboxBuilder::max_connections) at once; one more is
//! answered at once with 503, `Retry-After: 1` and
//! `{"error":"sandbox_overloaded",...}`, and closed. A request head over
//! 64 KiB is answered with 431 (`header_too_large`), a declared body over
//! 8 MiB with 413, a chunked body with 411 and HTTP/2 with 505, each
//! closing the connection without reading the rest. These answers are
//! counted by error code in the stats' `refused`, not in `requests`.
//!
//! ```
//! use jetpack_partner::sandbox::Sandbox;
//! let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
//! assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
//! # Ok::<(), jetpack_partner::sandbox::SandboxError>(())
//! ```
//!
//! Starting fails with a [`SandboxError`], the sandbox's own error.
//!
//! It also plays WordPress.com for the authorization-code flow with a
//! partner's own WordPress.com app ([`SandboxBuilder::app`]):
//! `GET /oauth2/authorize` approves at once, redirecting to the app's
//! registered redirect URI with a one-time code, and the
//! `authorization_code` grant exchanges that code for the token of the
//! partner's WordPress.com user, the one [`Sandbox::user_token`] gives.
//!
//! ```
//! use jetpack_partner::sandbox::{App, Sandbox, TokenField};
//! let sandbox = Sandbox::builder()
//!     .partner("1234", "s3cret")
//!     .app(App::new("5678", "app-s3cret", "http://127.0.0.1:3210/", "1234"))
//!     .app(App::new("5679", "app-s3cret", "http://127.0.0.1:3210/", "1234").answer(TokenField::Secret))
//!     .start()?;
//! # Ok::<(), jetpack_partner::sandbox::SandboxError>(())
//! ```
//!
//! # Layout
//!
//! The modules use one another in one direction only: the graph below has
//! no cycle, and no module uses `mod.rs`, which starts the sandbox and
//! answers each request. Each line names a file and all it may use of
//! the sandbox; the one thing it takes from the client is `crate::site`
//! (`SiteRef`: the API's own rule for naming a site, which the client
//! follows too). The unit test in `module_graph.rs` reads the sources and
//! fails when they and this drawing differ, or when they form a cycle.
//!
//! ```text
//! mod.rs          admin, clock, dates, error, faults, front, persist,
//!                 reply, request, rewind, routes, shared, state, stop,
//!                 threats, tls, wpcom
//! activations     dates, reply, reporting, request, shared, sites
//! activity        dates
//! activity_log    activity, dates, reply, request, rewind_site, shared
//! admin           reply, request, shared, sites
//! archive         -
//! authorize       reply, request, shared, state, wpcom
//! backups         archive, dates, reply, request, rewind, rewind_site,
//!                 shared, state
//! bearer          reply, request, state
//! cancel          activity, bearer, catalogue, reply, request, shared,
//!                 sites, state
//! catalogue       -
//! clock           -
//! dates           -
//! error           -
//! errors          bearer, reply, request, shared
//! faults          error, framing, front, reply, state, stop
//! framing         request
//! front           framing, stop, tls
//! invoices        catalogue, dates, reply, reporting, request, shared
//! magic_link      bearer, reply, request, shared
//! module_graph    -
//! oauth           authorize, reply, request, shared
//! partner_keys    bearer, reply, request, shared, state
//! persist         error, state
//! provision       activity, bearer, catalogue, reply, request, shared,
//!                 sites, ssh_credentials, state
//! reply           -
//! reporting       reply, request, sites, state, wpcom
//! request         reply
//! restores        dates, reply, request, rewind, rewind_site, shared
//! rewind          activity, dates
//! rewind_site     reply, request, sites, state, wpcom
//! routes          activations, activity_log, authorize, backups, cancel,
//!                 errors, invoices, magic_link, oauth, partner_keys,
//!                 provision, reply, request, restores, scan, shared,
//!                 site_lookup, ssh_credentials, status, upgrade_paths,
//!                 users
//! scan            activity, catalogue, reply, request, shared, sites, state,
//!                 threats, wpcom
//! shared          persist, state
//! site_lookup     reply, request, shared, sites
//! sites           catalogue, clock, crate::site, reply, request
//! ssh_credentials bearer, reply, request, shared, sites
//! state           activity, clock, rewind, sites, threats
//! status          bearer, catalogue, reply, request, shared, sites
//! stop            -
//! threats         dates
//! tls             error
//! upgrade_paths   bearer, catalogue, reply, request, shared, sites
//! users           bearer, reply, request, shared, state
//! wpcom           reply, request, sites, state
//! ```

mod activations;
mod activity;
mod activity_log;
mod admin;
mod archive;
mod authorize;
mod backups;
mod bearer;
mod cancel;
mod catalogue;
mod clock;
mod dates;
mod error;
mod errors;
mod faults;
mod framing;
mod front;
mod invoices;
mod magic_link;
#[cfg(test)]
mod module_graph;
mod oauth;
mod partner_keys;
mod persist;
mod provision;
mod reply;
mod reporting;
mod request;
mod restores;
mod rewind;
mod rewind_site;
mod routes;
mod scan;
mod shared;
mod site_lookup;
mod sites;
mod ssh_credentials;
mod state;
mod status;
mod stop;
mod threats;
mod tls;
mod upgrade_paths;
mod users;
mod wpcom;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

use clock::Clock;
pub use error::SandboxError;
pub use faults::Fault;
use faults::{FaultPlan, Faults};
use front::Front;
use reply::Reply;
use request::Incoming;
use rewind::Timings;
use shared::Shared;
pub use state::TokenField;
use state::{Partner, State};
use stop::Stop;

/// Worker threads answering requests.
const WORKERS: usize = 8;

/// Most worker threads a sandbox may be given.
const MAX_WORKERS: usize = 1024;

/// Client connections served at once.
const CONNECTIONS: usize = 256;

/// Most client connections a sandbox may be given.
const MAX_CONNECTIONS: usize = 4096;

/// A partner's own WordPress.com app, for the authorization-code flow:
/// its client ID and secret, its registered redirect URI, and the partner
/// whose WordPress.com user approves it. Its `Debug` hides the secret.
#[derive(Clone)]
pub struct App {
    client_id: String,
    secret: Vec<u8>,
    redirect_uri: String,
    partner_id: String,
    answer: TokenField,
}

impl App {
    /// The app `client_id` with this secret and registered redirect URI
    /// (compared byte for byte), standing for the WordPress.com user of
    /// the partner `partner_id`. Its token answer carries `access_token`.
    pub fn new(
        client_id: impl Into<String>,
        secret: impl AsRef<[u8]>,
        redirect_uri: impl Into<String>,
        partner_id: impl Into<String>,
    ) -> App {
        App {
            client_id: client_id.into(),
            secret: secret.as_ref().to_vec(),
            redirect_uri: redirect_uri.into(),
            partner_id: partner_id.into(),
            answer: TokenField::default(),
        }
    }

    /// Which field of the token answer carries the token: `access_token`
    /// (the default), `secret` only, or both.
    pub fn answer(mut self, field: TokenField) -> App {
        self.answer = field;
        self
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("client_id", &self.client_id)
            .field("secret", &state::REDACTED)
            .field("redirect_uri", &self.redirect_uri)
            .field("partner_id", &self.partner_id)
            .field("answer", &self.answer)
            .finish()
    }
}

/// Configures a [`Sandbox`].
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    listen: String,
    /// (client ID, secret, disabled)
    partners: Vec<(String, Vec<u8>, bool)>,
    /// Client IDs whose keys are disabled, wherever the partner comes
    /// from.
    disabled: Vec<String>,
    /// Unix seconds the clock reads at start.
    clock_at: Option<u64>,
    apps: Vec<App>,
    code_lifetime: Option<Duration>,
    /// Partners not on the user-creation whitelist.
    no_user_creation: Vec<String>,
    state_file: Option<PathBuf>,
    faults: FaultPlan,
    tls: Option<TlsPem>,
    workers: usize,
    max_connections: usize,
    scan_timing: threats::Timing,
    timings: Timings,
}

/// A certificate chain and its key, as given; the key never shows in
/// `Debug`.
#[derive(Clone)]
struct TlsPem {
    cert_chain: Vec<u8>,
    key: Vec<u8>,
}

impl std::fmt::Debug for TlsPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsPem")
            .field("cert_chain_bytes", &self.cert_chain.len())
            .field("key", &state::REDACTED)
            .finish()
    }
}

impl SandboxBuilder {
    /// Worker threads answering requests (default 8, at most 1024). A
    /// request delayed by `latency` holds one, so a load test wants more.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.clamp(1, MAX_WORKERS);
        self
    }

    /// Client connections served at once (default 256, at most 4096). A
    /// client past them is answered at once with 503, `Retry-After: 1` and
    /// `{"error":"sandbox_overloaded",...}`, and its connection closed.
    /// Each connection holds four file descriptors, so on Linux the number
    /// is lowered to fit the process's open-files limit (with 1024, to
    /// 240).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.clamp(1, MAX_CONNECTIONS);
        self
    }

    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Adds a partner that may request tokens and use the partner
    /// endpoints. It replaces a partner of the same ID from the state file.
    pub fn partner(mut self, id: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.partners
            .push((id.into(), secret.as_ref().to_vec(), false));
        self
    }

    /// Adds a partner whose key is disabled. It still gets tokens; status
    /// answers its token with 400 `partner_key_disabled` (the one
    /// endpoint the reference lists it for), and every other partner
    /// endpoint with 403 `invalid_scope`, saying the key is disabled.
    pub fn disabled_partner(mut self, id: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.partners
            .push((id.into(), secret.as_ref().to_vec(), true));
        self
    }

    /// Disables the key of the partner with client ID `id`, as
    /// [`disabled_partner`](Self::disabled_partner) does: a partner given
    /// with [`partner`](Self::partner), or one the state file holds (a
    /// key made by `partner-keys/new` too). An ID no partner has makes
    /// [`start`](Self::start) fail.
    pub fn disable_partner(mut self, id: impl Into<String>) -> Self {
        self.disabled.push(id.into());
        self
    }

    /// Starts the sandbox's clock at `unix_seconds` (seconds since
    /// 1970-01-01 UTC); it runs on from there with the system clock, and
    /// moves forward with [`Sandbox::advance_clock`]. Default: the time
    /// the state file's clock had reached, else the system clock.
    pub fn clock_at(mut self, unix_seconds: u64) -> Self {
        self.clock_at = Some(unix_seconds);
        self
    }

    /// Adds a partner's WordPress.com app, for the authorization-code
    /// flow. Its partner must be known when the sandbox starts (given
    /// here, or in the state file), or [`start`](Self::start) fails. It
    /// replaces an app of the same client ID from the state file.
    pub fn app(mut self, app: App) -> Self {
        self.apps.push(app);
        self
    }

    /// How long an authorization code may wait for its exchange (default
    /// 60 seconds). Zero makes every code expire at once, for a test of
    /// an expired code.
    pub fn code_lifetime(mut self, lifetime: Duration) -> Self {
        self.code_lifetime = Some(lifetime);
        self
    }

    /// Takes the partner `id` off the user-creation whitelist: creating a
    /// WordPress.com user (`POST /rest/v1.3/jpphp/user`) answers 403
    /// `forbidden`. Every other partner given to the builder is on it. An
    /// ID that is not a partner of the sandbox makes
    /// [`start`](Self::start) fail.
    pub fn forbid_user_creation(mut self, id: impl Into<String>) -> Self {
        self.no_user_creation.push(id.into());
        self
    }

    /// Keeps the state (partner keys made through the API, tokens, sites
    /// and what they hold, blog IDs) in `path`: loaded at start if the file
    /// exists, rewritten after every change. A corrupt file makes
    /// [`start`](Self::start) fail.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Waits `delay` before handling each API request (every path but
    /// `/_sandbox/*`); the request is handled after the wait. The wait
    /// holds one of the sandbox's eight workers. Default: none.
    pub fn latency(mut self, delay: Duration) -> Self {
        self.faults.latency = delay;
        self
    }

    /// Gives API requests `fault` with probability `rate` (0 to 1; 1:
    /// every request). May be called for several kinds: each request rolls
    /// them in the order given and gets the first that hits, so at most
    /// one. A rate outside 0..=1 makes [`start`](Self::start) fail.
    ///
    /// Every kind but `truncate` and `slow` replaces the handler: the
    /// request has no effect. `truncate` and `slow` let it
    /// run (its changes are made) and mangle only the answer. See
    /// [`Fault`] for what each sends.
    pub fn fault(mut self, fault: Fault, rate: f64) -> Self {
        self.faults.kinds.push((fault, rate));
        self
    }

    /// Seeds the dice, so the same requests, made one after another, meet
    /// the same faults on every run. Default: a random seed.
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.faults.seed = Some(seed);
        self
    }

    /// Lets the first `requests` API requests through without a fault.
    pub fn fault_after(mut self, requests: u64) -> Self {
        self.faults.after = requests;
        self
    }

    /// The `Retry-After` of the `429` and `429-html` faults, sent in
    /// whole seconds (rounded up). Default: 1 second.
    pub fn retry_after(mut self, delay: Duration) -> Self {
        self.faults.retry_after = delay;
        self
    }

    /// The pause before each byte of a body sent by the `slow` fault.
    /// Default: 1 second.
    pub fn slow_interval(mut self, every: Duration) -> Self {
        self.faults.slow = every;
        self
    }

    /// How long a Jetpack Scan scan takes, from `scan/enqueue` until the
    /// scanner is `idle` again with `most_recent` updated. Default: 2
    /// seconds.
    pub fn scan_duration(mut self, duration: Duration) -> Self {
        self.scan_timing.scan_ms = millis(duration);
        self
    }

    /// How long a threat's fix takes, from the request until its fixer is
    /// `fixed` (or `not_fixed` on `*.fixfails.infected.test`); an `update`
    /// fixer (a plugin or theme) takes twice as long. Default: 1 second.
    pub fn fix_duration(mut self, duration: Duration) -> Self {
        self.scan_timing.fix_ms = millis(duration);
        self
    }

    /// Serves HTTPS with this certificate chain (PEM, the server's
    /// certificate first) and private key (PEM: PKCS#8, PKCS#1 or SEC1).
    /// The base URL then names `localhost` rather than the loopback
    /// address, as certificates for local servers usually do (clients
    /// check the name). A chain or key that cannot be used makes
    /// [`start`](Self::start) fail.
    pub fn tls(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        self.tls = Some(TlsPem {
            cert_chain: cert_chain_pem.to_vec(),
            key: key_pem.to_vec(),
        });
        self
    }

    /// How long after a site is first provisioned its first backup starts
    /// (default: at once). Backups then start every
    /// [`backup_interval`](Self::backup_interval).
    pub fn backup_delay(mut self, delay: Duration) -> Self {
        self.timings.backup_delay = delay;
        self
    }

    /// How long a backup runs, `started` with its `percent` rising,
    /// before it ends (default 1 s; at least 1 ms).
    pub fn backup_duration(mut self, duration: Duration) -> Self {
        self.timings.backup_duration = duration;
        self
    }

    /// From one backup's start to the next's (default 24 hours, the
    /// service's daily rhythm; never less than a backup's duration).
    pub fn backup_interval(mut self, interval: Duration) -> Self {
        self.timings.backup_interval = interval;
        self
    }

    /// How long packing an archive takes, its `progress` rising, before
    /// its answer has a `url` (default 1 s).
    pub fn download_duration(mut self, duration: Duration) -> Self {
        self.timings.download_duration = duration;
        self
    }

    /// How long an archive's link works once it is ready (default 24
    /// hours, as the reference says); after that its data answers 410
    /// `download_expired`.
    pub fn download_lifetime(mut self, lifetime: Duration) -> Self {
        self.timings.download_lifetime = lifetime;
        self
    }

    /// How long a restore stays `queued` (default 250 ms).
    pub fn restore_queue(mut self, wait: Duration) -> Self {
        self.timings.restore_queue = wait;
        self
    }

    /// How long a restore runs, `running` with its `percent` rising,
    /// before it ends (default 1 s; on the reserved failing hosts it
    /// stops partway).
    pub fn restore_duration(mut self, duration: Duration) -> Self {
        self.timings.restore_duration = duration;
        self
    }

    /// The starting state: the file's, then the partners given here on top.
    fn initial_state(&self) -> Result<State, SandboxError> {
        let mut state = match &self.state_file {
            Some(path) => persist::load(path)?.unwrap_or_default(),
            None => State::default(),
        };
        for (id, secret, disabled) in &self.partners {
            let partner = Partner {
                secret: secret.clone(),
                disabled: *disabled,
                sub_key: None,
                user_creation_forbidden: false,
            };
            state.partners.insert(id.clone(), partner);
        }
        for id in &self.disabled {
            let Some(partner) = state.partners.get_mut(id) else {
                return Err(SandboxError::InvalidSetting(format!(
                    "cannot disable partner {id:?}: no partner has this ID; give it as a partner too (--partner {id}:SECRET)"
                )));
            };
            partner.disabled = true;
        }
        if let Some(at) = self.clock_at {
            state.clock = Clock::starting_at(at);
        }
        state.scan_timing = self.scan_timing;
        for app in &self.apps {
            let refuse = |why: String| Err(SandboxError::InvalidSetting(why));
            if app.client_id.is_empty() || app.secret.is_empty() || app.redirect_uri.is_empty() {
                return refuse(format!(
                    "the app {:?} needs a client ID, a secret and a redirect URI",
                    app.client_id
                ));
            }
            if !state.partners.contains_key(&app.partner_id) {
                return refuse(format!(
                    "the app {} stands for the user of partner {:?}, which the sandbox does \
                     not know; add that partner too",
                    app.client_id, app.partner_id
                ));
            }
            let stored = state::App {
                secret: app.secret.clone(),
                redirect_uri: app.redirect_uri.clone(),
                partner_id: app.partner_id.clone(),
                answer: app.answer,
            };
            state.apps.insert(app.client_id.clone(), stored);
        }
        if let Some(lifetime) = self.code_lifetime {
            state.code_lifetime = lifetime;
        }
        for id in &self.no_user_creation {
            let Some(partner) = state.partners.get_mut(id) else {
                return Err(SandboxError::InvalidSetting(format!(
                    "user creation cannot be forbidden to partner {id}: the sandbox has no \
                     such partner (give it with --partner {id}:SECRET too)"
                )));
            };
            partner.user_creation_forbidden = true;
        }
        Ok(state)
    }

    /// Loads the state file, if any, binds the address and starts serving.
    pub fn start(self) -> Result<Sandbox, SandboxError> {
        let mut state = self.initial_state()?;
        state.rewind.timings = self.timings;
        let faults = Faults::new(self.faults)?;
        let tls = match &self.tls {
            Some(pem) => Some(tls::config(&pem.cert_chain, &pem.key)?),
            None => None,
        };
        let cannot_listen = |source: std::io::Error| SandboxError::Listen {
            addr: self.listen.clone(),
            source,
        };
        let listener = TcpListener::bind(self.listen.as_str()).map_err(cannot_listen)?;
        let addr = listener.local_addr().map_err(cannot_listen)?;
        // The inner server is private: only the front connects to it.
        let server = tiny_http::Server::http("127.0.0.1:0")
            .map_err(|e| cannot_listen(std::io::Error::other(e)))?;
        let inner = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| cannot_listen(std::io::Error::other("no inner address")))?;
        let base_url = match tls {
            Some(_) if addr.ip().is_loopback() || addr.ip().is_unspecified() => {
                format!("https://localhost:{}", addr.port())
            }
            Some(_) => format!("https://{addr}"),
            None => format!("http://{addr}"),
        };
        state.rewind.base_url = base_url.clone();
        let stop = Arc::new(Stop::default());
        let max_connections = front::fit_to_open_files(self.max_connections);
        let (front, accepting) = Front::start(listener, inner, tls, stop.clone(), max_connections);
        let ctx = Arc::new(Context {
            shared: Shared::new(state, self.state_file),
            faults,
            front,
            stop,
        });
        let server = Arc::new(server);
        let workers = (0..self.workers)
            .map(|_| {
                let (server, ctx) = (server.clone(), ctx.clone());
                std::thread::spawn(move || serve(&server, &ctx))
            })
            .collect();
        Ok(Sandbox {
            base_url,
            addr,
            server,
            ctx,
            workers,
            accepting: Some(accepting),
        })
    }
}

/// What the worker threads share.
struct Context {
    shared: Shared,
    faults: Faults,
    front: Arc<Front>,
    stop: Arc<Stop>,
}

/// A running sandbox. Dropping it stops the server and closes every
/// connection, hung ones included.
pub struct Sandbox {
    base_url: String,
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    ctx: Arc<Context>,
    workers: Vec<JoinHandle<()>>,
    accepting: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder: loopback, a free port, no partners, no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            listen: "127.0.0.1:0".into(),
            partners: Vec::new(),
            disabled: Vec::new(),
            clock_at: None,
            apps: Vec::new(),
            code_lifetime: None,
            no_user_creation: Vec::new(),
            state_file: None,
            faults: FaultPlan::default(),
            tls: None,
            workers: WORKERS,
            max_connections: CONNECTIONS,
            scan_timing: threats::Timing::default(),
            timings: Timings::default(),
        }
    }

    /// `http://127.0.0.1:PORT` (with TLS, `https://localhost:PORT`), to
    /// pass as the client's API base.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A token the partner's WordPress.com user approved (scope `global`):
    /// the one the authorization-code flow with the partner's app gives
    /// (see [`SandboxBuilder::app`]), for tests of the endpoints that take
    /// a user's token. The same token every time; `None` for a partner the
    /// sandbox does not know.
    pub fn user_token(&self, partner_id: &str) -> Option<String> {
        let mut state = self.ctx.shared.lock();
        state.partners.contains_key(partner_id).then_some(())?;
        Some(state.token_for(partner_id, wpcom::USER_SCOPE))
    }

    /// What `GET /_sandbox/stats` answers.
    pub fn stats(&self) -> Value {
        stats(&self.ctx)
    }

    /// The sandbox's time, in seconds since 1970-01-01 UTC: what every
    /// handler takes for now. It is the system clock, moved by
    /// [`SandboxBuilder::clock_at`] and [`advance_clock`](Self::advance_clock).
    pub fn now(&self) -> u64 {
        self.ctx.shared.lock().now()
    }

    /// Moves the sandbox's clock forward by `by` (whole seconds) and gives
    /// the new time, as `POST /_sandbox/clock?advance=SECS` does. What the
    /// new time ends (a pending activation's 14 days) ends at once.
    pub fn advance_clock(&self, by: Duration) -> u64 {
        let now = {
            let mut state = self.ctx.shared.lock();
            let now = state.clock.advance(by);
            state.dirty = true;
            state.sweep();
            now
        };
        // A state file that cannot be written now is written with the
        // next change that can.
        let _ = self.ctx.shared.persist();
        now
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        for worker in std::mem::take(&mut self.workers) {
            let _ = worker.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.ctx.stop.stop();
        self.ctx.front.close(self.addr);
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

fn serve(server: &tiny_http::Server, ctx: &Arc<Context>) {
    while !ctx.stop.is_stopped() {
        if let Ok(rq) = server.recv() {
            answer(ctx, rq);
        }
    }
}

fn answer(ctx: &Arc<Context>, mut rq: tiny_http::Request) {
    let Ok(incoming) = Incoming::read(&mut rq) else {
        return;
    };
    if incoming.path.starts_with("/_sandbox/") {
        let mut reply = admin::answer(&ctx.shared, &incoming, || stats(ctx));
        if let Err(e) = ctx.shared.persist() {
            reply = not_saved(&e);
        }
        return respond(ctx, rq, &incoming, reply);
    }
    if !ctx.stop.sleep(ctx.faults.latency()) {
        return;
    }
    let fault = ctx.faults.pick();
    if let Some(fault) = fault.filter(|f| f.replaces_handler()) {
        let endpoint = routes::endpoint(&incoming);
        record(&ctx.shared, &endpoint, fault.status(), Some(fault));
        return faults::replace(&ctx.faults, &ctx.front, rq, fault);
    }
    if let Some(reply) = incoming.too_large() {
        // Never read a form cut short: the whole request is refused.
        let endpoint = routes::endpoint(&incoming);
        record(&ctx.shared, &endpoint, reply.status, None);
        return respond(ctx, rq, &incoming, reply);
    }
    let (endpoint, mut reply) = routes::dispatch(&ctx.shared, &incoming);
    if let Err(e) = ctx.shared.persist() {
        reply = not_saved(&e);
    }
    record(&ctx.shared, &endpoint, reply.status, fault);
    match fault {
        Some(fault) => {
            let answer = reply.render(incoming.format());
            faults::mangle(&ctx.faults, &ctx.front, &ctx.stop, rq, answer, fault);
        }
        None => respond(ctx, rq, &incoming, reply),
    }
}

/// A change made in memory that would be lost: said, rather than
/// pretended kept.
fn not_saved(e: &std::io::Error) -> Reply {
    Reply::rest_error(
        500,
        "state_not_saved",
        &format!("The sandbox could not write its state file: {e}"),
    )
}

/// The counters of `GET /_sandbox/stats`: the requests' and the front's.
fn stats(ctx: &Context) -> Value {
    let mut stats = ctx.shared.lock().stats.to_json();
    stats["refused"] = serde_json::json!(ctx.front.refused());
    stats
}

/// Counts a request, before it is answered, so that a client that has its
/// answer finds it in the stats.
fn record(shared: &Shared, endpoint: &str, status: u16, fault: Option<Fault>) {
    let mut state = shared.lock();
    state.stats.record(endpoint, status);
    if let Some(fault) = fault {
        state.stats.record_fault(fault.name());
    }
}

/// Sends `reply`, dated by the sandbox's clock (`Date`), so that a client
/// that compares clocks sees the time the sandbox keeps.
fn respond(ctx: &Context, rq: tiny_http::Request, incoming: &Incoming, reply: Reply) {
    let now = ctx.shared.lock().now();
    let reply = reply.with_header("Date", dates::http_date(now));
    let (status, body, headers) = reply.render(incoming.format());
    reply::send(rq, status, body, &headers);
}

/// A duration in whole milliseconds, as the scan timings keep it.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A random secret for a sandbox partner, e.g. for a demo.
pub fn random_secret() -> String {
    state::random_token()
}
