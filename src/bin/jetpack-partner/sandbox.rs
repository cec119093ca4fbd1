//! `sandbox`: serve the local fake of the API until stopped.

use std::io;
use std::time::Duration;

use jetpack_partner::sandbox::{Fault, Sandbox, SandboxBuilder, SandboxError};
use jetpack_partner::Error;

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
    Flag::text(
        &["--state"],
        "FILE",
        "keep partner keys, tokens and sites in FILE across runs (corrupt: exit 5)",
        |a| &mut a.sandbox.state,
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
        "the Retry-After of the 429 fault (default 1)",
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
         [--latency-ms N] [--fault KIND[:RATE] ...] [--fault-seed N] [--fault-after N]
         [--retry-after SECS] [--slow-ms N] [--workers N] [--max-connections N]
         [--tls-cert PATH --tls-key PATH]
         [--backup-delay-ms N] [--backup-ms N] [--backup-every SECS]
         [--download-ms N] [--download-valid SECS] [--restore-queue-ms N] [--restore-ms N]

Reserved test hosts: *.nojetpack.test (Jetpack not active), *.badstate.test
(needs force_register), *.pending.test (unreachable: pending activation,
backups not-accessible), *.undeletable.test (cancelling fails),
*.backupfail.test (every backup fails: error, credential-error,
not-accessible, error-will-retry in turn), *.restorefail.test,
*.restoreabort.test and *.restorekill.test (restores end fail, aborted or
killed partway).

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
  429        status 429, Retry-After: SECS, JSON {\"error\":\"rate_limited\",...}
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

Limits: a request head over 64 KiB is answered 431, a declared body over
8 MiB 413, a chunked body 411 and HTTP/2 505; each closes the connection.
So is a connection past --max-connections, at once, with 503 and
Retry-After: 1. These are counted by error code in the stats' refused, not
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
