//! `sandbox`: serve the local fake of the API until stopped.

use std::io;
use std::time::Duration;

use jetpack_partner::sandbox::{App, Fault, Sandbox, SandboxBuilder, SandboxError, TokenField};
use jetpack_partner::Error;
use jetpack_partner::DEFAULT_REDIRECT_URI;

use crate::args::{set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

/// The sandbox's options, read and checked.
#[derive(Default)]
pub struct Options {
    listen: Option<String>,
    partners: Vec<(String, String)>,
    disabled: Vec<String>,
    clock_at: Option<u64>,
    no_user_creation: Vec<String>,
    state: Option<String>,
    latency: Option<Duration>,
    faults: Vec<(Fault, f64)>,
    fault_seed: Option<u64>,
    fault_after: Option<u64>,
    retry_after: Option<Duration>,
    slow: Option<Duration>,
    workers: Option<usize>,
    max_connections: Option<usize>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
    scan: Option<Duration>,
    fix: Option<Duration>,
    app: Option<(String, String)>,
    app_redirect_uri: Option<String>,
    app_partner: Option<String>,
    app_token_field: Option<TokenField>,
    backup_delay: Option<Duration>,
    backup_duration: Option<Duration>,
    backup_interval: Option<Duration>,
    download_duration: Option<Duration>,
    download_lifetime: Option<Duration>,
    restore_queue: Option<Duration>,
    restore_duration: Option<Duration>,
}

const OWN: &[Flag] = &[
    Flag::text(
        &["--listen"],
        "ADDR",
        "address to listen on (default 127.0.0.1:0, a free port)",
        |a| &mut a.sandbox.listen,
    ),
    Flag::value(
        &["--partner"],
        "ID:SECRET",
        "a partner that may request tokens (repeatable; split at the first\n\
         colon; replaces a partner of the same ID in the state file;\n\
         sandbox secrets are not real ones)",
        |a, v| {
            a.sandbox.partners.push(partner(&v.text)?);
            Ok(())
        },
    )
    .many(),
    Flag::value(
        &["--disabled-partner"],
        "ID",
        "disable the key of partner ID (given with --partner, or in the\n\
         state file; repeatable): status answers partner_key_disabled,\n\
         the other endpoints invalid_scope",
        |a, v| {
            if v.text.is_empty() {
                return Err(v.invalid("a partner ID"));
            }
            a.sandbox.disabled.push(v.text.clone());
            Ok(())
        },
    )
    .many(),
    Flag::value(
        &["--forbid-user-creation"],
        "ID",
        "take partner ID off the user-creation whitelist: user create\n\
         answers 403 forbidden (repeatable; ID must be a --partner)",
        |a, v| {
            a.sandbox.no_user_creation.push(v.text);
            Ok(())
        },
    )
    .many(),
    Flag::text(
        &["--state"],
        "FILE",
        "keep partner keys, tokens, sites and the clock in FILE across runs\n\
         (corrupt: exit 5)",
        |a| &mut a.sandbox.state,
    ),
    Flag::value(
        &["--clock-at"],
        "SECS",
        "start the sandbox's clock at this Unix time (seconds since 1970);\n\
         it runs on from there (default: the state file's, else now)",
        |a, v| {
            set(
                &mut a.sandbox.clock_at,
                v.parse("a whole number of seconds since 1970"),
            )
        },
    ),
    Flag::value(
        &["--latency-ms"],
        "N",
        "wait N ms before handling each API request (not /_sandbox/*)",
        |a, v| set(&mut a.sandbox.latency, millis(&v)),
    ),
    Flag::value(
        &["--fault"],
        "KIND[:RATE]",
        "give API requests this fault with probability RATE (0 to 1, default 1;\n\
         repeatable: each request rolls the kinds in order, at most one hits);\n\
         kinds above",
        |a, v| {
            a.sandbox.faults.push(fault_spec(&v.text)?);
            Ok(())
        },
    )
    .many(),
    Flag::value(
        &["--fault-seed"],
        "N",
        "seed the fault dice: the same requests meet the same faults every run",
        |a, v| set(&mut a.sandbox.fault_seed, v.parse("a whole number")),
    ),
    Flag::value(
        &["--fault-after"],
        "N",
        "let the first N API requests through without a fault",
        |a, v| set(&mut a.sandbox.fault_after, v.parse("a number of requests")),
    ),
    Flag::value(
        &["--retry-after"],
        "SECS",
        "the Retry-After of the 429 and 429-html faults (default 1)",
        |a, v| {
            let secs = v.parse("a whole number of seconds");
            set(&mut a.sandbox.retry_after, secs.map(Duration::from_secs))
        },
    ),
    Flag::value(
        &["--slow-ms"],
        "N",
        "the slow fault sends one byte of the body every N ms (default 1000)",
        |a, v| set(&mut a.sandbox.slow, millis(&v)),
    ),
    Flag::value(
        &["--workers"],
        "N",
        "threads answering requests (default 8); a request delayed by\n\
         --latency-ms holds one, so a load test wants more",
        |a, v| {
            let n = within(&v, 1024, "a number of threads from 1 to 1024", "64");
            set(&mut a.sandbox.workers, n)
        },
    ),
    Flag::value(
        &["--max-connections"],
        "N",
        "client connections served at once (default 256, lowered to fit the\n\
         open-files limit); more are answered 503 with Retry-After: 1",
        |a, v| {
            let what = "a number of connections from 1 to 4096";
            set(
                &mut a.sandbox.max_connections,
                within(&v, 4096, what, "256"),
            )
        },
    ),
    Flag::value(
        &["--scan-ms"],
        "N",
        "a Jetpack Scan scan takes N ms, from scan/enqueue to idle (default 2000)",
        |a, v| set(&mut a.sandbox.scan, millis(&v)),
    ),
    Flag::value(
        &["--fix-ms"],
        "N",
        "a threat's fix takes N ms, an update fixer twice that (default 1000)",
        |a, v| set(&mut a.sandbox.fix, millis(&v)),
    ),
    Flag::text(
        &["--tls-cert"],
        "PATH",
        "serve HTTPS with this PEM certificate chain (needs --tls-key);\n\
         the base URL then names localhost",
        |a| &mut a.sandbox.tls_cert,
    ),
    Flag::text(
        &["--tls-key"],
        "PATH",
        "the PEM private key of --tls-cert",
        |a| &mut a.sandbox.tls_key,
    ),
    Flag::value(
        &["--app"],
        "CLIENT_ID:SECRET",
        "a partner's WordPress.com app, for login's authorization-code flow\n\
         (split at the first colon); authorize approves it at once",
        |a, v| {
            let app = app(&v.text)?;
            set(&mut a.sandbox.app, Ok(app))
        },
    ),
    Flag::text(
        &["--app-redirect-uri"],
        "URI",
        "the app's registered redirect URI, compared byte for byte\n\
         (default http://127.0.0.1:3210/)",
        |a| &mut a.sandbox.app_redirect_uri,
    ),
    Flag::text(
        &["--app-partner"],
        "ID",
        "the partner whose WordPress.com user approves the app\n\
         (default: the first --partner)",
        |a| &mut a.sandbox.app_partner,
    ),
    Flag::value(
        &["--app-token-field"],
        "FIELD",
        "which field of the app's token answer holds the user's token:\n\
         access_token (the default), secret (as the reporting README reads\n\
         the answer) or both",
        |a, v| {
            let field = v.text.parse::<TokenField>().map_err(|why| {
                Problem::new(
                    format!("--app-token-field: {why}"),
                    "give access_token, secret or both",
                )
            });
            set(&mut a.sandbox.app_token_field, field)
        },
    ),
    Flag::value(
        &["--backup-delay-ms"],
        "N",
        "a provisioned site's first backup starts N ms after (default 0)",
        |a, v| set(&mut a.sandbox.backup_delay, millis(&v)),
    ),
    Flag::value(
        &["--backup-ms"],
        "N",
        "a backup runs N ms, started with its percent rising (default 1000)",
        |a, v| set(&mut a.sandbox.backup_duration, millis(&v)),
    ),
    Flag::value(
        &["--backup-every"],
        "SECS",
        "a new backup starts every SECS (default 86400: daily)",
        |a, v| set(&mut a.sandbox.backup_interval, seconds(&v)),
    ),
    Flag::value(
        &["--download-ms"],
        "N",
        "an archive is packed in N ms, its progress rising (default 1000)",
        |a, v| set(&mut a.sandbox.download_duration, millis(&v)),
    ),
    Flag::value(
        &["--download-valid"],
        "SECS",
        "an archive's link works SECS once ready (default 86400: 24 hours)",
        |a, v| set(&mut a.sandbox.download_lifetime, seconds(&v)),
    ),
    Flag::value(
        &["--restore-queue-ms"],
        "N",
        "a restore is queued N ms (default 250)",
        |a, v| set(&mut a.sandbox.restore_queue, millis(&v)),
    ),
    Flag::value(
        &["--restore-ms"],
        "N",
        "a restore runs N ms, its percent rising (default 1000)",
        |a, v| set(&mut a.sandbox.restore_duration, millis(&v)),
    ),
];

fn millis(v: &Given) -> Result<Duration, Problem> {
    v.parse("a whole number of milliseconds")
        .map(Duration::from_millis)
}

/// Seconds above 0, a fraction allowed, at most ten years.
fn seconds(v: &Given) -> Result<Duration, Problem> {
    const WHAT: &str = "a number of seconds above 0 (e.g. 86400)";
    v.parse::<f64>(WHAT).and_then(|secs| {
        if secs > 0.0 && secs <= 10.0 * 365.0 * 86_400.0 {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err(v.invalid(WHAT))
        }
    })
}

/// A number from 1 to `max`.
fn within(v: &Given, max: usize, what: &str, example: &str) -> Result<usize, Problem> {
    match v.parse(what)? {
        n if (1..=max).contains(&n) => Ok(n),
        n => Err(Problem::new(
            format!("{} {n} is not from 1 to {max}", v.source),
            format!("give e.g. {} {example}", v.source),
        )),
    }
}

/// `CLIENT_ID:SECRET`.
fn app(text: &str) -> Result<(String, String), Problem> {
    match text.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok((id.to_owned(), secret.to_owned()))
        }
        _ => Err(Problem::new(
            format!("--app {text:?} is not CLIENT_ID:SECRET"),
            "write it as --app 5678:app-s3cret",
        )),
    }
}

/// `ID:SECRET`.
fn partner(text: &str) -> Result<(String, String), Problem> {
    match text.split_once(':') {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => {
            Ok((id.to_owned(), secret.to_owned()))
        }
        _ => Err(Problem::new(
            format!("--partner {text:?} is not ID:SECRET"),
            "write it as --partner 1234:s3cret",
        )),
    }
}

pub const HELP: &str = "\
Serve a local fake of the Jetpack Start API over plain HTTP (or HTTPS with
--tls-cert and --tls-key), for tests and trials. Its first line on stdout is
its base URL; pass it as --api-base. It keeps its state in memory (and in
FILE with --state) and serves until stopped (Ctrl-C, kill).

Usage: jetpack-partner sandbox [--listen ADDR] [--state FILE] --partner ID:SECRET [--partner ...]
         [--disabled-partner ID ...] [--clock-at SECS]
         [--forbid-user-creation ID ...]
         [--latency-ms N] [--fault KIND[:RATE] ...] [--fault-seed N] [--fault-after N]
         [--retry-after SECS] [--slow-ms N] [--workers N] [--max-connections N]
         [--scan-ms N] [--fix-ms N] [--tls-cert PATH --tls-key PATH]
         [--app CLIENT_ID:SECRET [--app-redirect-uri URI] [--app-partner ID]
          [--app-token-field FIELD]]
         [--backup-delay-ms N] [--backup-ms N] [--backup-every SECS]
         [--download-ms N] [--download-valid SECS] [--restore-queue-ms N] [--restore-ms N]

Reserved test hosts (in siteurl), for the documented failures of provision:
  *.nojetpack.test     method_not_found: remoteRegister (Jetpack not active)
  *.httpsonly.test     an http site that redirects to https: without https://
                       in siteurl (bare, or http://), method_not_found:
                       remoteRegister (the wrong scheme); with https://, works
  *.unknownblog.test   failed_registration_unknown_blog (the site returns a
                       site ID WordPress.com does not know)
  *.badstate.test      method_not_found: remoteProvision, until force_register
  *.notoken.test       error_access_token (HTTP 500), until force_register
  *.nouser.test        invalid_local_user: no such user on the site
  *.noproduct.test     could_not_load_product_class
  *.pending.test       unreachable: empty next_url, the activation pending
  *.undeletable.test   cancelling fails with invalid_input
  *.nojsonapi.test     the public site lookup answers without \"jetpack\"
  *.backupfail.test    every backup fails: error, credential-error,
                       not-accessible, error-will-retry in turn
  *.restorefail.test, *.restoreabort.test, *.restorekill.test
                       restores end fail, aborted or killed partway
  (*.pending.test sites' backups end not-accessible)

Its rules, where the reference leaves a choice:
  - A provision on a site that is not connected (no WordPress.com user named
    yet) or not reachable is a pending activation: it attaches itself when
    the site connects (a provision naming wpcom_user_id or wpcom_user_email,
    or POST /_sandbox/connect?site=SITE), and is dropped 14 days after it was
    recorded, by the sandbox's clock.
  - The superset rule decides what a site may get, and upgrade-paths lists
    exactly what provision accepts, the product the partner already has
    included (provisioning it again succeeds and changes nothing). A plan
    must cover every product the site has: with real-time backup alone,
    only professional or complete.
  - Another partner's products: provisioning the same product, or one that
    would replace it, is refused 403 incorrect_partner_key (only the partner
    that provisioned a subscription may cancel it); products beside it are
    allowed. ssh-credentials is refused 403 incorrect_partner_key to a
    partner without a product on the site.
  - A disabled key (--disabled-partner) still gets tokens. Status answers
    400 partner_key_disabled, as the reference lists; every other partner
    endpoint answers 403 invalid_scope, saying the key is disabled.
  - Provision refuses in {\"error_code\",\"error_message\"}, cancel in the same
    with \"success\":false; the rest, and the token checks every endpoint
    shares, in {\"error\",\"message\"}; /oauth2/token in the OAuth shape.
  - A form field given twice keeps its last value, as PHP does.

The sandbox's own routes (no token): GET /_sandbox/stats; GET /_sandbox/clock
and POST /_sandbox/clock?advance=SECS (move the clock forward);
POST /_sandbox/connect?site=SITE (the site's owner connects it).

Jetpack Scan. A site's scanner depends on its products and its host:
  - without a product that includes Scan (jetpack-scan, premium,
    professional, complete): state unavailable, nothing to scan or fix;
  - while that product is pending (*.pending.test): state provisioning;
  - *.infected.test: threats of every severity from 1 to 5 (malware, a
    vulnerable plugin and theme, a modified core file), all fixable but one;
  - *.fixfails.infected.test: the same threats, and every fix ends not_fixed;
  - any other host scans clean.
scan/enqueue goes from idle to scanning and back in --scan-ms; a fix goes
from in_progress to fixed in --fix-ms; ignore marks a threat ignored.

With --app it also plays WordPress.com for `login`: GET /oauth2/authorize
approves at once (a 302 to the registered redirect URI with a code and the
state), and POST /oauth2/token with grant_type=authorization_code exchanges
the code (good once, for 60 s) for the token of the --app-partner's
WordPress.com user. Example:
  jetpack-partner sandbox --partner 1234:s3cret --app 5678:app-s3cret
  jetpack-partner --api-base http://127.0.0.1:PORT login --client-id 5678 \\
      --client-secret-file ./app-secret

Reserved e-mail domain: an address @notoken.test (or a subdomain) given to
user create gets its account but no token: 500 error_access_token, then
user_exists on a second try.

Accounts and reports: every partner may create users unless
--forbid-user-creation names it; a sub-key never may. A magic link is
refused past 5 per address per hour (429 too_many_requests, Retry-After:
the seconds until the oldest of the five is an hour old). Reports take a
token the partner's WordPress.com user approved (scope global, see login);
a key ID is a key's client ID (the partner ID for a partner's own key), and
a partner reads its own keys and the sub-keys it made. Invoices are the sandbox's own invention:
monthly, in US cents, at made-up prices.

Backups, archives and restores follow their state machines in time: a
provisioned site's backups start after --backup-delay-ms, run --backup-ms
(started) and end finished, one every --backup-every; an archive is
preparing for --download-ms, then has its url for --download-valid; a
restore is queued for --restore-queue-ms, then running for --restore-ms,
then finished. Each finished backup, provision, cancel and restore is in the
site's activity log. The defaults are short, for trials; backups are daily.

Fault kinds. These replace the request's handler, so the request has no
effect (nothing is provisioned, cancelled or issued):
  500-html   status 500 with an HTML error page
  502-html   status 502 with a proxy's \"Bad Gateway\" HTML page
  503        status 503, JSON {\"error\":\"service_unavailable\",\"message\":...}
  503-html   status 503 with a proxy's \"Service Temporarily Unavailable\" page
  504-html   status 504 with a proxy's \"Gateway Time-out\" HTML page
  429        status 429, Retry-After: SECS, JSON {\"error\":\"rate_limited\",...}
  429-html   status 429, Retry-After: SECS, a proxy's \"Too Many Requests\" page
  reset      the connection closes with nothing sent
  hang       nothing is sent; the connection stays open until the client
             leaves or the sandbox stops
These let the handler run (its changes are made) and mangle the answer, as
when an answer is lost after the work was done:
  truncate   the real status and headers with the full Content-Length, half
             the body, then the connection closes
  slow       the real answer, its body one byte every --slow-ms ms
GET /_sandbox/stats counts faulted requests in requests and by_endpoint
(under the status sent; 0 for reset and hang) and by kind in faults.

Limits: a request head over 64 KiB is answered 431, a body over 8 MiB 413
(urlencoded or multipart: never read cut short), a chunked body 411 and
HTTP/2 505; each closes the connection. So is a connection past
--max-connections, at once, with 503 and Retry-After: 1. These are counted by error code in the stats' refused, not
in requests.
";

/// The sandbox needs a partner; HTTPS needs a certificate and its key.
pub fn check(a: &mut Args, problems: &mut Problems) {
    if a.sandbox.partners.is_empty() && !a.given("--partner") {
        problems.push(Problem::new(
            "the sandbox needs at least one partner",
            "add --partner ID:SECRET, e.g. --partner 1234:s3cret",
        ));
    }
    if a.sandbox.app.is_none() && !a.given("--app") {
        for option in ["--app-redirect-uri", "--app-partner", "--app-token-field"] {
            if a.given(option) {
                problems.push(Problem::new(
                    format!("{option} is about the app of --app, and none is given"),
                    "add --app CLIENT_ID:SECRET",
                ));
            }
        }
    }
    if a.sandbox.tls_cert.is_some() != a.sandbox.tls_key.is_some() {
        problems.push(Problem::new(
            "--tls-cert and --tls-key go together",
            "give both, or neither for plain HTTP",
        ));
    }
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let o = &args.sandbox;
    let mut builder = Sandbox::builder().listen(o.listen.as_deref().unwrap_or("127.0.0.1:0"));
    if let Some(path) = &o.state {
        builder = builder.state_file(path);
    }
    for (id, secret) in &o.partners {
        builder = builder.partner(id, secret);
    }
    for id in &o.disabled {
        builder = builder.disable_partner(id);
    }
    if let Some(at) = o.clock_at {
        builder = builder.clock_at(at);
    }
    for id in &o.no_user_creation {
        builder = builder.forbid_user_creation(id);
    }
    if let Some(latency) = o.latency {
        builder = builder.latency(latency);
    }
    if let Some(interval) = o.slow {
        builder = builder.slow_interval(interval);
    }
    if let Some(wait) = o.retry_after {
        builder = builder.retry_after(wait);
    }
    if let Some(seed) = o.fault_seed {
        builder = builder.fault_seed(seed);
    }
    if let Some(n) = o.fault_after {
        builder = builder.fault_after(n);
    }
    for &(fault, rate) in &o.faults {
        builder = builder.fault(fault, rate);
    }
    if let Some(duration) = o.scan {
        builder = builder.scan_duration(duration);
    }
    if let Some(duration) = o.fix {
        builder = builder.fix_duration(duration);
    }
    if let Some((client_id, secret)) = &o.app {
        let partner = o
            .app_partner
            .clone()
            .or_else(|| o.partners.first().map(|(id, _)| id.clone()))
            .unwrap_or_default();
        let redirect_uri = o
            .app_redirect_uri
            .as_deref()
            .unwrap_or(DEFAULT_REDIRECT_URI);
        let app = App::new(client_id, secret, redirect_uri, partner)
            .answer(o.app_token_field.unwrap_or_default());
        builder = builder.app(app);
    }
    builder = tls(o, builder)?;
    if let Some(n) = o.workers {
        builder = builder.workers(n);
    }
    if let Some(n) = o.max_connections {
        builder = builder.max_connections(n);
    }
    builder = timings(o, builder);
    let sandbox = builder.start()?;
    globals.out.line(sandbox.base_url())?;
    sandbox.wait();
    Ok(())
}

/// A sandbox that cannot start (here or in `demo`): a bad setting is a
/// usage problem (exit 2), an address or a file the machine refuses is a
/// local I/O failure (exit 5), with the sandbox's message either way.
impl From<SandboxError> for Failure {
    fn from(e: SandboxError) -> Failure {
        if e.is_setting() {
            return Failure::Lib(Error::InvalidInput(e.to_string()));
        }
        let context = e.context();
        let source = match e {
            SandboxError::Listen { source, .. } | SandboxError::StateFile { source, .. } => source,
            SandboxError::CorruptStateFile { source, .. } => {
                io::Error::new(io::ErrorKind::InvalidData, source)
            }
            other => {
                return Failure::Lib(Error::Io {
                    context: "the sandbox cannot start".into(),
                    source: io::Error::other(other),
                })
            }
        };
        Failure::Lib(Error::Io { context, source })
    }
}

/// `KIND` or `KIND:RATE`.
fn fault_spec(spec: &str) -> Result<(Fault, f64), Problem> {
    let (kind, rate) = match spec.split_once(':') {
        Some((kind, rate)) => (kind, Some(rate)),
        None => (spec, None),
    };
    let fault = kind.parse::<Fault>().map_err(|e| {
        Problem::new(
            format!("--fault {spec:?}: {e}"),
            "write it as --fault KIND or --fault KIND:RATE, e.g. --fault 503:0.5",
        )
    })?;
    let rate = match rate {
        None => 1.0,
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or_else(|| {
                Problem::new(
                    format!("--fault {spec:?}: the rate {text:?} is not a number from 0 to 1"),
                    "give a probability, e.g. --fault 503:0.5",
                )
            })?,
    };
    Ok((fault, rate))
}

/// A builder method that sets one timing.
type Timing = fn(SandboxBuilder, Duration) -> SandboxBuilder;

/// How long backups, archives and restores take.
fn timings(o: &Options, mut builder: SandboxBuilder) -> SandboxBuilder {
    let set: [(Option<Duration>, Timing); 7] = [
        (o.backup_delay, SandboxBuilder::backup_delay),
        (o.backup_duration, SandboxBuilder::backup_duration),
        (o.backup_interval, SandboxBuilder::backup_interval),
        (o.download_duration, SandboxBuilder::download_duration),
        (o.download_lifetime, SandboxBuilder::download_lifetime),
        (o.restore_queue, SandboxBuilder::restore_queue),
        (o.restore_duration, SandboxBuilder::restore_duration),
    ];
    for (value, apply) in set {
        if let Some(value) = value {
            builder = apply(builder, value);
        }
    }
    builder
}

/// `--tls-cert` and `--tls-key` (`check` saw both or neither).
fn tls(o: &Options, builder: SandboxBuilder) -> Result<SandboxBuilder, Failure> {
    let (Some(cert), Some(key)) = (&o.tls_cert, &o.tls_key) else {
        return Ok(builder);
    };
    let read = |flag: &str, path: &str| {
        std::fs::read(path).map_err(|source| {
            Failure::Lib(Error::Io {
                context: format!("cannot read {flag} {path}"),
                source,
            })
        })
    };
    Ok(builder.tls(&read("--tls-cert", cert)?, &read("--tls-key", key)?))
}
