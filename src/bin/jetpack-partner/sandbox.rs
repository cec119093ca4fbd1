//! `sandbox`: serve the local fake of the API until stopped.

use std::io;
use std::time::Duration;

use jetpack_partner::sandbox::{Fault, Sandbox, SandboxBuilder, SandboxError};
use jetpack_partner::Error;

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[
    Flag::value(
        "listen",
        &["--listen"],
        "ADDR",
        "address to listen on (default 127.0.0.1:0, a free port)",
    ),
    Flag::value(
        "partner",
        &["--partner"],
        "ID:SECRET",
        "a partner that may request tokens (repeatable; split at the first\n\
         colon; replaces a partner of the same ID in the state file;\n\
         sandbox secrets are not real ones)",
    )
    .many(),
    Flag::value(
        "state",
        &["--state"],
        "FILE",
        "keep partner keys, tokens and sites in FILE across runs (corrupt: exit 5)",
    ),
    Flag::value(
        "latency",
        &["--latency-ms"],
        "N",
        "wait N ms before handling each API request (not /_sandbox/*)",
    ),
    Flag::value(
        "fault",
        &["--fault"],
        "KIND[:RATE]",
        "give API requests this fault with probability RATE (0 to 1, default 1;\n\
         repeatable: each request rolls the kinds in order, at most one hits);\n\
         kinds above",
    )
    .many(),
    Flag::value(
        "fault-seed",
        &["--fault-seed"],
        "N",
        "seed the fault dice: the same requests meet the same faults every run",
    ),
    Flag::value(
        "fault-after",
        &["--fault-after"],
        "N",
        "let the first N API requests through without a fault",
    ),
    Flag::value(
        "retry-after",
        &["--retry-after"],
        "SECS",
        "the Retry-After of the 429 fault (default 1)",
    ),
    Flag::value(
        "slow-ms",
        &["--slow-ms"],
        "N",
        "the slow fault sends one byte of the body every N ms (default 1000)",
    ),
    Flag::value(
        "workers",
        &["--workers"],
        "N",
        "threads answering requests (default 8); a request delayed by\n\
         --latency-ms holds one, so a load test wants more",
    ),
    Flag::value(
        "max-connections",
        &["--max-connections"],
        "N",
        "client connections served at once (default 256, lowered to fit the\n\
         open-files limit); more are answered 503 with Retry-After: 1",
    ),
    Flag::value(
        "tls-cert",
        &["--tls-cert"],
        "PATH",
        "serve HTTPS with this PEM certificate chain (needs --tls-key);\n\
         the base URL then names localhost",
    ),
    Flag::value(
        "tls-key",
        &["--tls-key"],
        "PATH",
        "the PEM private key of --tls-cert",
    ),
];

pub const HELP: &str = "\
Serve a local fake of the Jetpack Start API over plain HTTP (or HTTPS with
--tls-cert and --tls-key), for tests and trials. Its first line on stdout is
its base URL; pass it as --api-base. It keeps its state in memory (and in
FILE with --state) and serves until stopped (Ctrl-C, kill).

Usage: jetpack-partner sandbox [--listen ADDR] [--state FILE] --partner ID:SECRET [--partner ...]
         [--latency-ms N] [--fault KIND[:RATE] ...] [--fault-seed N] [--fault-after N]
         [--retry-after SECS] [--slow-ms N] [--workers N] [--max-connections N]
         [--tls-cert PATH --tls-key PATH]

Reserved test hosts: *.nojetpack.test (Jetpack not active), *.badstate.test
(needs force_register), *.pending.test (unreachable: pending activation),
*.undeletable.test (cancelling fails).

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

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let partners = flags.all("partner");
    if partners.is_empty() {
        return Err(Failure::usage(
            "the sandbox needs at least one partner",
            "add --partner ID:SECRET, e.g. --partner 1234:s3cret",
        ));
    }
    let mut builder = Sandbox::builder().listen(flags.text("listen").unwrap_or("127.0.0.1:0"));
    if let Some(path) = flags.text("state") {
        builder = builder.state_file(path);
    }
    for partner in partners {
        let Some((id, secret)) = partner
            .split_once(':')
            .filter(|(id, s)| !id.is_empty() && !s.is_empty())
        else {
            return Err(Failure::usage(
                format!("--partner {partner:?} is not ID:SECRET"),
                "write it as --partner 1234:s3cret",
            ));
        };
        builder = builder.partner(id, secret);
    }
    builder = faults(flags, builder)?;
    builder = tls(flags, builder)?;
    if let Some(n) = flags.parse::<usize>("workers", "a number of threads from 1 to 1024")? {
        if !(1..=1024).contains(&n) {
            return Err(Failure::usage(
                format!("--workers {n} is not from 1 to 1024"),
                "give e.g. --workers 64",
            ));
        }
        builder = builder.workers(n);
    }
    let connections = "a number of connections from 1 to 4096";
    if let Some(n) = flags.parse::<usize>("max-connections", connections)? {
        if !(1..=4096).contains(&n) {
            return Err(Failure::usage(
                format!("--max-connections {n} is not from 1 to 4096"),
                "give e.g. --max-connections 256",
            ));
        }
        builder = builder.max_connections(n);
    }
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

/// The latency and fault options.
fn faults(flags: &Parsed, mut builder: SandboxBuilder) -> Result<SandboxBuilder, Failure> {
    let millis = |key| flags.parse::<u64>(key, "a whole number of milliseconds");
    if let Some(ms) = millis("latency")? {
        builder = builder.latency(Duration::from_millis(ms));
    }
    if let Some(ms) = millis("slow-ms")? {
        builder = builder.slow_interval(Duration::from_millis(ms));
    }
    if let Some(secs) = flags.parse::<u64>("retry-after", "a whole number of seconds")? {
        builder = builder.retry_after(Duration::from_secs(secs));
    }
    if let Some(seed) = flags.parse::<u64>("fault-seed", "a whole number")? {
        builder = builder.fault_seed(seed);
    }
    if let Some(n) = flags.parse::<u64>("fault-after", "a number of requests")? {
        builder = builder.fault_after(n);
    }
    for spec in flags.all("fault") {
        let (fault, rate) = fault_spec(spec)?;
        builder = builder.fault(fault, rate);
    }
    Ok(builder)
}

/// `KIND` or `KIND:RATE`.
fn fault_spec(spec: &str) -> Result<(Fault, f64), Failure> {
    let (kind, rate) = match spec.split_once(':') {
        Some((kind, rate)) => (kind, Some(rate)),
        None => (spec, None),
    };
    let fault = kind.parse::<Fault>().map_err(|e| {
        Failure::usage(
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
                Failure::usage(
                    format!("--fault {spec:?}: the rate {text:?} is not a number from 0 to 1"),
                    "give a probability, e.g. --fault 503:0.5",
                )
            })?,
    };
    Ok((fault, rate))
}

/// `--tls-cert` and `--tls-key`, both or neither.
fn tls(flags: &Parsed, builder: SandboxBuilder) -> Result<SandboxBuilder, Failure> {
    let (cert, key) = match (flags.text("tls-cert"), flags.text("tls-key")) {
        (None, None) => return Ok(builder),
        (Some(cert), Some(key)) => (cert, key),
        _ => {
            return Err(Failure::usage(
                "--tls-cert and --tls-key go together",
                "give both, or neither for plain HTTP",
            ))
        }
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
