//! `monitor serve`: the receiver of Jetpack Monitor's downtime webhook.
//!
//! The library reads a notification, chooses the answer and keeps the
//! journal (`jetpack_partner::monitor`); this is the server around it:
//! `http.rs` reads one request per connection within bounds, `hook.rs`
//! runs `--exec`, `serve.rs` accepts, limits and stops. It lives in the
//! program, not the library, because it prints (its log is the
//! program's stderr) and waits on signals, which a library must not do.

mod hook;
mod http;
mod serve;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jetpack_partner::monitor::{Journal, Token};
use jetpack_partner::UtcTime;
use jetpack_partner::{Error, Secret};

use crate::args::{require, set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

/// Its options, read and checked.
#[derive(Default)]
pub struct Options {
    listen: Option<SocketAddr>,
    output: Option<String>,
    exec: Option<String>,
    quiet_until: Option<UtcTime>,
    token_file: Option<String>,
    exec_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    max_connections: Option<usize>,
}

const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_CONNECTIONS: usize = 16;

const OWN: &[Flag] = &[
    Flag::value(
        &["--listen"],
        "ADDR",
        "IP:PORT to listen on (port 0: any free port)",
        |a, v| {
            set(
                &mut a.monitor.listen,
                v.parse("an address such as 127.0.0.1:8088"),
            )
        },
    ),
    Flag::text(
        &["--output"],
        "FILE",
        "the journal: a JSON line per notification, synced before the answer",
        |a| &mut a.monitor.output,
    ),
    Flag::text(
        &["--exec"],
        "PATH",
        "run PATH (no shell) for each notification, its JSON on stdin;\n\
         a time it prints is the answer",
        |a| &mut a.monitor.exec,
    ),
    Flag::value(
        &["--quiet-until"],
        "TIME",
        "answer this RFC 3339 time (back by then) until it passes",
        |a, v| set(&mut a.monitor.quiet_until, time(&v)),
    ),
    Flag::text(
        &["--require-token-file"],
        "FILE",
        "refuse calls without the token in FILE as the path's last\n\
         segment or as Authorization: Bearer TOKEN (401)",
        |a| &mut a.monitor.token_file,
    ),
    Flag::value(
        &["--exec-timeout"],
        "SECS",
        "kill a hook still running after SECS (default 5)",
        |a, v| set(&mut a.monitor.exec_timeout, seconds(&v, 60.0)),
    ),
    Flag::value(
        &["--read-timeout"],
        "SECS",
        "a request must arrive within SECS (default 10), else 408",
        |a, v| set(&mut a.monitor.read_timeout, seconds(&v, 300.0)),
    ),
    Flag::value(
        &["--max-connections"],
        "N",
        "connections served at once (default 16), else 503",
        |a, v| set(&mut a.monitor.max_connections, connections(&v)),
    ),
    Flag::switch(&["--quiet"], "log only problems, not each request", |a| {
        &mut a.quiet
    }),
];

fn time(v: &Given) -> Result<UtcTime, Problem> {
    UtcTime::parse_rfc3339(&v.text).map_err(|_| {
        Problem::new(
            format!("{} {:?} is not an RFC 3339 time", v.source, v.text),
            "give a UTC time such as 2030-01-01T06:00:00Z",
        )
    })
}

/// Seconds, more than nothing and at most `max`.
fn seconds(v: &Given, max: f64) -> Result<Duration, Problem> {
    match v.text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= max => Ok(Duration::from_secs_f64(secs)),
        _ => Err(Problem::new(
            format!(
                "{} {:?} is not a number of seconds from 0 to {max}",
                v.source, v.text
            ),
            format!("give e.g. {} 5", v.source),
        )),
    }
}

fn connections(v: &Given) -> Result<usize, Problem> {
    match v.parse("a number of connections from 1 to 1024")? {
        n @ 1..=1024 => Ok(n),
        n => Err(Problem::new(
            format!("{} {n} is not from 1 to 1024", v.source),
            format!("give e.g. {} 16", v.source),
        )),
    }
}

pub const HELP: &str = "\
Receive Jetpack Monitor's downtime notifications: Monitor may POST a JSON
body ({\"ts\":…,\"url\":…,\"code\":…,\"host\":…,\"type\":\"http\"}) to the host of
a site it finds down. Each is checked, handed to --exec, recorded in
--output and synced, then answered 200 ok, or with a UTC time (planned work:
the hook's, else --quiet-until's, while still to come; never for a
recovery, a 2xx code). The first line on stdout is its URL. SIGTERM or
SIGINT stops it after the requests in progress.

Nothing in a call is signed: the body is untrusted; confirm an outage
yourself. --require-token-file makes callers present a shared secret.
Serve it behind a TLS proxy: plain HTTP/1.1, one request per connection,
a Content-Length, at most 16 KiB of body. Refused: other methods 405, no
token 401, no length 411, too large 413 or 431, a bad body 400, too slow
408, too many connections or a journal that cannot be written 503.

Usage: jetpack-partner monitor serve --listen ADDR --output FILE [--exec PATH]
         [--quiet-until TIME] [--require-token-file FILE] [--exec-timeout SECS]
         [--read-timeout SECS] [--max-connections N] [--quiet]

Example:
  jetpack-partner monitor serve --listen 127.0.0.1:8088 --output monitor.jsonl \\
      --require-token-file token --exec /usr/local/bin/on-downtime
";

/// The server needs an address and a journal.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, a.given("--listen"), "--listen", "ADDR");
    require(
        problems,
        a.monitor.output.as_deref().is_some_and(|o| !o.is_empty()),
        "--output",
        "FILE",
    );
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let o = &args.monitor;
    let log = serve::Log {
        out: globals.out.clone(),
        quiet: args.quiet,
        verbose: args.verbose,
    };
    let token = match &o.token_file {
        Some(path) => {
            globals.warn_if_readable_by_others(path, "--require-token-file");
            Some(token(path, &log)?)
        }
        None => None,
    };
    let hook = match &o.exec {
        Some(path) => Some(hook::Hook {
            path: hook::check(path)
                .map_err(|m| Failure::usage(m, "--exec names the program to run"))?,
            timeout: o.exec_timeout.unwrap_or(DEFAULT_EXEC_TIMEOUT),
        }),
        None => None,
    };
    if let Some(until) = o.quiet_until.filter(|&t| t <= UtcTime::now()) {
        log.problem(&format!(
            "warning: --quiet-until {} has passed: notifications are answered ok",
            until.zulu()
        ));
    }
    let output = o.output.as_deref().unwrap_or_default();
    let journal = Journal::open(Path::new(output))?;
    globals.warn_if_readable_by_others(output, "--output");
    let listen = o.listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
    let listener = TcpListener::bind(listen)
        .and_then(|l| Ok((l.local_addr()?, l)))
        .map_err(|source| io_failure(format!("cannot listen on {listen}"), source));
    let (address, listener) = listener?;
    let stop = Arc::new(AtomicBool::new(false));
    stop_on_signals(&stop)?;
    globals.out.line(&format!("http://{address}"))?;
    let server = Arc::new(serve::Server {
        journal: Mutex::new(journal),
        token,
        hook,
        quiet_until: o.quiet_until,
        read_timeout: o.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT),
        max_connections: o.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS),
        log,
        stop,
        active: AtomicUsize::new(0),
    });
    server
        .serve(listener)
        .map_err(|source| io_failure(format!("cannot serve on {address}"), source))
}

fn io_failure(context: String, source: std::io::Error) -> Failure {
    Failure::Lib(Error::Io { context, source })
}

/// `--require-token-file`: read, checked, and masked in every line the
/// program prints from now on.
fn token(path: &str, log: &serve::Log) -> Result<Token, Failure> {
    let secret = Secret::from_file(Path::new(path), "monitor token")?;
    log.out.redactor.add(secret.expose());
    Token::new(&secret).map_err(|e| {
        Failure::usage(
            format!("--require-token-file {path}: {e}"),
            "write a longer random token to the file, e.g. openssl rand -hex 32",
        )
    })
}

/// SIGTERM and SIGINT set `stop`; a second one ends the program at once
/// (every answered notification is already synced).
#[cfg(unix)]
fn stop_on_signals(stop: &Arc<AtomicBool>) -> Result<(), Failure> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGTERM, SIGINT] {
        // The order matters: the exit is armed by the first signal's flag.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(stop)))
            .map_err(|source| io_failure("cannot set up the signal handlers".into(), source))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn stop_on_signals(_: &Arc<AtomicBool>) -> Result<(), Failure> {
    Ok(())
}
