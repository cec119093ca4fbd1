//! `doctor`: why does it not work on this server? A checklist of what a
//! call needs, in the order a call needs it: the settings and where they
//! came from, the secret and who may read it, the way out (proxies), the
//! API's host (DNS, TCP, TLS and its roots, an HTTP answer), the clocks,
//! a token request, the token cache, and WP-CLI when it is used. Each
//! check passes, fails (with the fix) or is skipped (not applicable, or
//! an earlier failure decides it). Nothing secret is printed.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use jetpack_partner::{
    Bypass, CacheDir, Client, Credentials, Error, Route, Secret, TokenCache, TokenGrant,
    TransportKind, DEFAULT_API_BASE, NO_PROXY_VARIABLES, PROXY_VARIABLES,
};
use serde::Serialize;

use crate::args::{Args, Flag, Given, Source};
use crate::globals::{self, Globals};
use crate::output::{Failure, Problems};
use crate::wp_cli::{self, WpCli};

/// The command's flag groups: its own, and WP-CLI's (to check it).
pub const FLAGS: &[&[Flag]] = &[OWN, wp_cli::FLAGS];

const OWN: &[Flag] = &[Flag::switch(
    &["--json"],
    "print one JSON document {\"ok\", \"api_base\", \"checks\"} instead of the checklist",
    |a| &mut a.json,
)];

pub const HELP: &str = "\
Check, one by one, what a call to the API needs on this machine, and say
how to fix what fails: the config file; the API base; the partner ID and
secret and where they came from; who may read the secret; the proxy
variables in force, and whether the API base bypasses them; the API host's
addresses (DNS), a TCP connection, TLS and the roots it trusts (bundled,
--ca-file, SSL_CERT_FILE, SSL_CERT_DIR); an HTTP answer; this machine's
clock against the API's Date header (more than 300 s apart fails); a token
request, timed; the token cache's directory and whether it is safe; and,
with --wp-cli or --wp-cli-path, WP-CLI's probe (wp option get home).

A check that needs an earlier one that failed is skipped, with the reason.
Nothing secret is printed: not the partner secret, not a token, not the
user name or password of a proxy address. The token is requested, never
stored; nothing is changed on disk.

Prints a checklist (one line per check: a check mark, a cross with the fix
on the next line, or a dash for skipped), or with --json one JSON document:
  {\"ok\": BOOL, \"api_base\": URL, \"checks\": [{\"name\", \"status\":
   \"pass\"|\"fail\"|\"skip\", \"detail\", \"fix\", and \"elapsed_ms\" or
   \"skew_seconds\" where they apply}]}
Exit 0 when no check fails; 1 (checks_failed) when one does; 2 for bad usage.

Usage: jetpack-partner [global options] doctor [--json] [--wp-cli | --wp-cli-path PATH]

Examples:
  jetpack-partner doctor
  jetpack-partner --config /etc/jetpack-partner/config doctor --json | jq '.checks[] | select(.status == \"fail\")'
  HTTPS_PROXY=http://proxy.internal:3128 jetpack-partner doctor
  jetpack-partner doctor --wp-cli --allow-root
";

/// A clock this far from the API's fails the check. TLS itself breaks
/// only when this machine's time is outside a certificate's validity
/// (days or months away), but a clock off by minutes is not kept in time
/// (no NTP), and will drift further.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pass,
    Fail,
    /// Not applicable, or decided by an earlier failure.
    Skip,
}

impl Status {
    fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::Skip => "–",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    status: Status,
    detail: String,
    /// What to do, for a failed check.
    fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    elapsed_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skew_seconds: Option<i64>,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
            elapsed_ms: None,
            skew_seconds: None,
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Fail,
            fix: Some(fix.into()),
            ..Check::pass(name, detail)
        }
    }

    fn skip(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            status: Status::Skip,
            ..Check::pass(name, detail)
        }
    }

    fn timed(mut self, elapsed: Duration) -> Check {
        self.elapsed_ms = Some(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
        self
    }
}

/// The checks so far.
#[derive(Default)]
struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn push(&mut self, check: Check) -> Status {
        let status = check.status;
        self.checks.push(check);
        status
    }

    fn failed(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .map(|c| c.name)
            .collect()
    }
}

/// `--no-wp-cli` with `--wp-cli` or `--wp-cli-path`.
pub fn check(a: &mut Args, problems: &mut Problems) {
    wp_cli::check(a, problems);
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let mut report = Report::default();
    let base = globals::api_base(args);
    report.push(config_file(args));
    report.push(api_base(args, &base));
    let credentials = credentials(args, globals, &mut report);
    let tls = base.to_ascii_lowercase().starts_with("https://");
    let (client, roots) = client(args, globals, tls);
    let reached = network(args, globals, &client, tls, roots, &mut report);
    token(&reached, credentials, &mut report);
    report.push(token_cache(args, globals));
    report.push(wp_cli_check(args));
    print(args, globals, &base, &report)?;
    let failed = report.failed();
    if failed.is_empty() {
        return Ok(());
    }
    Err(Failure::Refused {
        code: "checks_failed".into(),
        message: format!(
            "{} of {} checks failed: {}",
            failed.len(),
            report.checks.len(),
            failed.join(", ")
        ),
        http_status: None,
    })
}

/// Where a setting came from, in words.
fn from(source: Option<Source>) -> String {
    match source {
        Some(Source::Flag(name)) => format!("from {name}"),
        Some(Source::Env(name)) => format!("from ${name}"),
        Some(Source::Config(name, path, line)) => format!("from {name} in {path} (line {line})"),
        None => "the default".to_owned(),
    }
}

fn config_file(args: &Args) -> Check {
    match crate::config::locate(args.config.as_deref()) {
        Some(path) => Check::pass(
            "config file",
            format!(
                "{} ({})",
                path.display(),
                match args.source("--config") {
                    Some(source) => from(Some(source)),
                    None => "found in a default place".to_owned(),
                }
            ),
        ),
        None => Check::skip(
            "config file",
            "none: no --config, no $JETPACK_PARTNER_CONFIG, and no file in the default \
             places (~/.config/jetpack-partner/config, /etc/jetpack-partner/config)",
        ),
    }
}

fn api_base(args: &Args, base: &str) -> Check {
    let source = match (&args.api_base, &args.start_api_host) {
        (Some(given), _) => from(Some(given.source)),
        (None, Some(host)) => format!("https://HOST {}", from(Some(host.source))),
        (None, None) => "the default".to_owned(),
    };
    let mut detail = format!("{base} ({source})");
    if base.to_ascii_lowercase().starts_with("http://") {
        detail.push_str(if args.allow_insecure_http {
            "; plain http, allowed by --allow-insecure-http: the secret crosses the network \
             unencrypted"
        } else {
            "; plain http to this machine (loopback)"
        });
    }
    Check::pass("api base", detail)
}

/// What the credentials checks found: what the token request can use.
enum Found {
    /// The partner ID and secret, read.
    Partner(Credentials),
    /// An access token instead: no token request.
    Token,
    /// Missing or unreadable (that check failed).
    Nothing,
}

/// `credentials` and `secret storage`.
fn credentials(args: &Args, globals: &Globals, report: &mut Report) -> Found {
    let id = args.partner_id.as_deref().filter(|id| !id.is_empty());
    let id_text = |id: &str| format!("partner ID {id} ({})", from(args.source("--partner-id")));
    let secret_given = args
        .partner_secret_file
        .as_ref()
        .or(args.partner_secret.as_ref());
    if let Some(token) = &args.access_token {
        globals.out.redactor.add(token);
    }
    let token_only = |report: &mut Report| {
        let detail = format!(
            "an access token {} (no token request is made with it; the partner ID and \
             secret are not needed)",
            from(args.source("--access-token"))
        );
        let check = match globals::check_secret_length(
            args.access_token.as_deref().unwrap_or_default(),
            "the access token",
        ) {
            Ok(()) => Check::pass("credentials", detail),
            Err(failure) => Check::fail("credentials", message(failure), "check the value"),
        };
        let ok = report.push(check) == Status::Pass;
        report.push(Check::skip("secret storage", "no partner secret given"));
        if ok {
            Found::Token
        } else {
            Found::Nothing
        }
    };
    let (Some(id), Some(given)) = (id, secret_given) else {
        if args.access_token.is_some() {
            return token_only(report);
        }
        let (detail, fix) = match id {
            None => (
                "no partner ID given".to_owned(),
                "pass --partner-id ID, set JETPACK_PARTNER_ID, or put JETPACK_PARTNER_ID=ID in \
                 the config file",
            ),
            Some(id) => (
                format!("{}; no partner secret given", id_text(id)),
                "pass --partner-secret-file PATH, set JETPACK_PARTNER_SECRET_FILE (or \
                 JETPACK_PARTNER_SECRET), or put JETPACK_PARTNER_SECRET_FILE=PATH in the config \
                 file",
            ),
        };
        report.push(Check::fail("credentials", detail, fix));
        report.push(Check::skip("secret storage", "no partner secret given"));
        return Found::Nothing;
    };
    let is_file = args.partner_secret_file.is_some();
    let (secret, where_) = if is_file && given.text == "-" {
        (
            Secret::read_from(std::io::stdin().lock(), "the partner secret on stdin")
                .map_err(Failure::from),
            format!("standard input ({})", from(Some(given.source))),
        )
    } else if is_file {
        (
            Secret::from_file(Path::new(&given.text), "partner secret").map_err(Failure::from),
            format!("the file {} ({})", given.text, from(Some(given.source))),
        )
    } else {
        (
            Ok(Secret::new(given.text.as_str())),
            format!("the value {}", from(Some(given.source))),
        )
    };
    let secret = secret.and_then(|secret| {
        globals.out.redactor.add(secret.expose());
        globals::check_secret_length(secret.expose(), "the partner secret").map(|()| secret)
    });
    let read = match secret {
        Ok(secret) => {
            report.push(Check::pass(
                "credentials",
                format!("{}; the secret from {where_}", id_text(id)),
            ));
            Found::Partner(Credentials::new(id, secret))
        }
        Err(failure) => {
            report.push(Check::fail(
                "credentials",
                format!(
                    "{}; the secret from {where_}: {}",
                    id_text(id),
                    message(failure)
                ),
                if is_file {
                    "check the path, that this user may read the file, and that it holds the \
                     secret (one line)"
                } else {
                    "check the value: real partner secrets are much longer"
                },
            ));
            Found::Nothing
        }
    };
    report.push(secret_storage(args, given, is_file));
    read
}

/// Who may read the secret where it is kept.
fn secret_storage(args: &Args, given: &Given, is_file: bool) -> Check {
    const NAME: &str = "secret storage";
    if is_file && given.text == "-" {
        return Check::pass(NAME, "read from standard input: kept in no file");
    }
    if is_file {
        return match mode_of(Path::new(&given.text)) {
            Some(mode) if mode & 0o077 != 0 => Check::fail(
                NAME,
                format!(
                    "{} is readable by other users (mode {mode:04o})",
                    given.text
                ),
                format!("chmod 600 {}", given.text),
            ),
            Some(mode) => Check::pass(
                NAME,
                format!(
                    "{} is readable by its owner only (mode {mode:04o})",
                    given.text
                ),
            ),
            None => Check::skip(NAME, format!("{} cannot be looked at", given.text)),
        };
    }
    match given.source {
        Source::Flag(name) => Check::fail(
            NAME,
            format!("the secret stands on the command line ({name}): every local user sees it in ps, and shell history keeps it"),
            "keep it in a file only you can read and pass --partner-secret-file PATH (or set \
             JETPACK_PARTNER_SECRET)",
        ),
        Source::Env(name) => Check::pass(
            NAME,
            format!("in the environment (${name}), which only you and root can read"),
        ),
        Source::Config(_, path, _) => match mode_of(Path::new(path)) {
            Some(mode) if mode & 0o077 != 0 => Check::fail(
                NAME,
                format!(
                    "the config file {path} holds the secret and is readable by other users \
                     (mode {mode:04o})"
                ),
                format!(
                    "chmod 600 {path}; better, keep the secret in a file of its own and name \
                     it with JETPACK_PARTNER_SECRET_FILE"
                ),
            ),
            _ => Check::pass(
                NAME,
                format!(
                    "in the config file {path}, readable by its owner only{}",
                    if args.partner_secret_file.is_none() {
                        " (a file of its own, JETPACK_PARTNER_SECRET_FILE, is better)"
                    } else {
                        ""
                    }
                ),
            ),
        },
    }
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}

/// The trusted roots as the options name them, and in words.
struct Roots {
    /// Where they come from.
    source: String,
    /// Why they cannot be used, when they cannot.
    problem: Option<String>,
}

/// The client, built with the roots the options name when they can be
/// read (else with the bundled ones, for the checks before TLS), and what
/// was found of the roots.
fn client(args: &Args, globals: &Globals, tls: bool) -> (Option<Client>, Roots) {
    let variable = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let source = match (
        &args.ca_file,
        variable("SSL_CERT_FILE"),
        variable("SSL_CERT_DIR"),
    ) {
        (Some(path), _, _) => format!("the roots in --ca-file {path}"),
        (None, Some(path), _) if tls => format!("the roots in $SSL_CERT_FILE {path}"),
        (None, None, Some(dirs)) if tls => format!("the roots in $SSL_CERT_DIR {dirs}"),
        _ => "the bundled Mozilla roots".to_owned(),
    };
    let mut roots = Roots {
        source,
        problem: None,
    };
    let with_roots = globals.roots().and_then(|pem| globals.client_trusting(pem));
    match with_roots {
        Ok(client) => (Some(client), roots),
        Err(failure) => {
            roots.problem = Some(message(failure));
            (globals.client_trusting(None).ok(), roots)
        }
    }
}

/// What the network checks leave for the token request.
struct Reached {
    client: Option<Client>,
    /// Why the token request cannot be tried, when it cannot.
    blocked: Option<String>,
}

/// `proxy`, `dns`, `tcp`, `tls`, `http` and `clock`.
fn network(
    args: &Args,
    globals: &Globals,
    client: &Option<Client>,
    tls: bool,
    roots: Roots,
    report: &mut Report,
) -> Reached {
    let blocked = |why: &str| Reached {
        client: None,
        blocked: Some(why.to_owned()),
    };
    let Some(client) = client else {
        // settle checked the base: only roots that cannot be read are left.
        for name in ["proxy", "dns", "tcp", "tls", "http", "clock"] {
            report.push(Check::skip(name, "no client could be made"));
        }
        return blocked("no client could be made");
    };
    let route = client.route();
    report.push(proxy(globals, client, &route));
    let (api_host, api_port) = client.api_host();
    let (host, port, what) = match &route {
        Route::Proxy(p) => (
            p.host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            p.port,
            format!("the proxy of ${}", p.variable),
        ),
        _ => (api_host, api_port, "the API host".to_owned()),
    };
    let deadline = globals.deadline();
    let addresses = match resolve(&host, port, deadline) {
        Ok((addresses, elapsed)) => {
            let shown: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
            let detail = if host.parse::<std::net::IpAddr>().is_ok() {
                format!("{what} is an address, {host}: nothing to look up")
            } else {
                format!("{what} {host} is {}", shown.join(", "))
            };
            report.push(Check::pass("dns", detail).timed(elapsed));
            addresses
        }
        Err(why) => {
            let fix = match &route {
                Route::Proxy(p) => format!("check the proxy's host name in ${}", p.variable),
                _ => "check the host name of the API base (--api-base, $JETPACK_API_BASE, the \
                      config file) and this machine's DNS (/etc/resolv.conf); where only a proxy \
                      reaches the internet, set HTTPS_PROXY"
                    .to_owned(),
            };
            report.push(Check::fail(
                "dns",
                format!("{what} {host} does not resolve: {why}"),
                fix,
            ));
            skip_after(report, tls, "the host name does not resolve");
            return blocked("the host name does not resolve");
        }
    };
    match connect(&addresses, deadline) {
        Ok((address, elapsed)) => {
            report.push(
                Check::pass("tcp", format!("connected to {what} at {address}")).timed(elapsed),
            );
        }
        Err(why) => {
            let fix = match &route {
                Route::Proxy(p) => format!(
                    "check that the proxy of ${} runs and takes connections at {host}:{port}",
                    p.variable
                ),
                _ if client.api_base().starts_with("http://") => {
                    "check that the server (such as the sandbox) runs, and the port in the API \
                     base"
                        .to_owned()
                }
                _ => "check the API base's port; a firewall may block connections out of this \
                      machine (ask for port 443 to be opened, or set HTTPS_PROXY to the proxy \
                      that may pass)"
                    .to_owned(),
            };
            report.push(Check::fail(
                "tcp",
                format!("no connection to {what} ({why})"),
                fix,
            ));
            skip_after(report, tls, "no TCP connection");
            return blocked("no TCP connection");
        }
    }
    if let Some(problem) = &roots.problem {
        report.push(Check::fail(
            "tls",
            format!("{}: {problem}", roots.source),
            "give a readable PEM file of CA certificates (-----BEGIN CERTIFICATE-----), or \
             drop --ca-file / unset SSL_CERT_FILE and SSL_CERT_DIR to use the bundled roots",
        ));
        report.push(Check::skip("http", "the trusted roots cannot be read"));
        report.push(Check::skip("clock", "the trusted roots cannot be read"));
        return blocked("the trusted roots cannot be read");
    }
    let probe = client.probe();
    if !tls {
        report.push(Check::skip(
            "tls",
            if args.allow_insecure_http {
                "plain http (--allow-insecure-http): no TLS"
            } else {
                "plain http to this machine (loopback): no TLS"
            },
        ));
    }
    let probe = match probe {
        Ok(probe) => {
            if tls {
                report.push(Check::pass(
                    "tls",
                    format!("the API's certificate is trusted by {}", roots.source),
                ));
            }
            let via = match &route {
                Route::Proxy(p) => format!(" through the proxy of ${}", p.variable),
                _ => String::new(),
            };
            report.push(
                Check::pass(
                    "http",
                    format!("the API answered GET / with HTTP {}{via}", probe.status),
                )
                .timed(probe.elapsed),
            );
            probe
        }
        Err(Error::Transport(t)) if t.kind == TransportKind::Tls => {
            let fix = if t.detail.contains("plain http server") {
                "the server speaks plain http: give its http:// address as the API base".to_owned()
            } else {
                format!(
                    "if a private CA or an inspecting proxy signs the API's certificate, trust \
                     its roots with --ca-file PEM (or SSL_CERT_FILE); check the host name of the \
                     API base and this machine's clock (now trusting {})",
                    roots.source
                )
            };
            report.push(Check::fail("tls", t.to_string(), fix));
            report.push(Check::skip("http", "TLS failed"));
            report.push(Check::skip("clock", "TLS failed"));
            return blocked("TLS failed");
        }
        Err(e) => {
            if tls {
                report.push(Check::skip(
                    "tls",
                    "not known: the exchange failed in another way (see http)",
                ));
            }
            let fix = match &e {
                Error::Transport(t) if t.kind == TransportKind::Timeout => {
                    "the host takes connections but gave no answer within the time budget: a \
                     firewall that drops the traffic, or a proxy this network needs \
                     (HTTPS_PROXY)? Try a longer --timeout"
                }
                Error::Transport(t) if t.kind == TransportKind::Connect => {
                    "the connection through the proxy failed: check the proxy, and that it \
                     allows CONNECT to the API's host and port"
                }
                _ => "check the API base: is it the API, or another server?",
            };
            report.push(Check::fail("http", e.to_string(), fix));
            report.push(Check::skip("clock", "no answer from the API"));
            return blocked("no answer from the API");
        }
    };
    report.push(clock(&probe));
    Reached {
        client: Some(client.clone()),
        blocked: None,
    }
}

/// The network checks after one that failed: skipped, with its reason.
fn skip_after(report: &mut Report, tls: bool, why: &str) {
    if report.checks.iter().all(|c| c.name != "tcp") {
        report.push(Check::skip("tcp", why));
    }
    if tls {
        report.push(Check::skip("tls", why));
    } else {
        report.push(Check::skip("tls", "plain http: no TLS"));
    }
    report.push(Check::skip("http", why));
    report.push(Check::skip("clock", why));
}

/// The proxy variables set (names and hosts only) and what they do to
/// the API base's requests.
fn proxy(globals: &Globals, client: &Client, route: &Route) -> Check {
    const NAME: &str = "proxy";
    let set: Vec<String> = PROXY_VARIABLES
        .iter()
        .filter_map(|&name| {
            let value = std::env::var(name).ok().filter(|v| !v.is_empty())?;
            hide_proxy_credentials(globals, &value);
            Some(format!("{name}={}", masked_proxy(&value)))
        })
        .collect();
    let no_proxy: Vec<String> = NO_PROXY_VARIABLES
        .iter()
        .filter_map(|&name| {
            let value = std::env::var(name).ok()?;
            Some(format!("{name}={value}"))
        })
        .collect();
    let mut listed = set.clone();
    listed.extend(no_proxy);
    let listed = format!("set: {}", listed.join(", "));
    let (api_host, api_port) = client.api_host();
    match route {
        Route::Direct if set.is_empty() => Check::pass(
            NAME,
            format!("no proxy variable is set: straight to {api_host}:{api_port}"),
        ),
        Route::Direct => Check::fail(
            NAME,
            format!(
                "{listed}; none of them is a proxy address that can be used, so requests go \
                 straight to {api_host}:{api_port}"
            ),
            "fix the variable (http://HOST:PORT, or http://USER:PASSWORD@HOST:PORT) or unset it",
        ),
        Route::Proxy(p) => Check::pass(
            NAME,
            format!(
                "{listed}; requests go through the proxy of ${} ({}:{})",
                p.variable, p.host, p.port
            ),
        ),
        Route::Bypassed {
            proxy: p,
            why: Bypass::Loopback,
        } => Check::pass(
            NAME,
            format!(
                "{listed}; the proxy of ${} is bypassed: the API base is this machine \
                 (loopback), straight to {api_host}:{api_port}",
                p.variable
            ),
        ),
        Route::Bypassed {
            proxy: p,
            why: Bypass::NoProxy(variable),
        } => Check::pass(
            NAME,
            format!(
                "{listed}; the proxy of ${} is bypassed: ${variable} lists {api_host}, \
                 straight to {api_host}:{api_port}",
                p.variable
            ),
        ),
    }
}

/// Teaches the printer's redactor the password of a proxy address (and
/// its whole user info), as a last guard: they are never written on
/// purpose. A user name alone is not taught: it may be a word of the
/// checklist's own ("user").
fn hide_proxy_credentials(globals: &Globals, value: &str) {
    if let Ok(proxy) = ureq::Proxy::new(value) {
        if let Some(password) = proxy.password() {
            globals.out.redactor.add(password);
        }
    }
    if let Some((userinfo, _)) = value.rsplit_once('@') {
        let userinfo = userinfo.rsplit_once("://").map_or(userinfo, |(_, u)| u);
        globals.out.redactor.add(userinfo);
        if let Some((_, password)) = userinfo.split_once(':') {
            globals.out.redactor.add(password);
        }
    }
}

/// A proxy address as it may be shown: its scheme, host and port, the
/// user name and password (everything up to the last `@`) as `***`.
pub fn masked_proxy(value: &str) -> String {
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), value),
    };
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((_, host)) => ("***@", host),
        None => ("", rest),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}{userinfo}{host}")
}

/// The addresses of `host`, within the budget (the resolver is not
/// bounded by itself).
fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
) -> Result<(Vec<SocketAddr>, Duration), String> {
    let (send, receive) = mpsc::channel();
    let name = host.to_owned();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = send.send((name.as_str(), port).to_socket_addrs().map(Vec::from_iter));
    });
    let left = deadline.saturating_duration_since(Instant::now());
    match receive.recv_timeout(left) {
        Ok(Ok(addresses)) if !addresses.is_empty() => Ok((addresses, started.elapsed())),
        Ok(Ok(_)) => Err("no address".to_owned()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within the time budget".to_owned()),
    }
}

/// A TCP connection to the first address that takes one.
fn connect(addresses: &[SocketAddr], deadline: Instant) -> Result<(SocketAddr, Duration), String> {
    let mut why = Vec::new();
    for address in addresses {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(10));
        if left.is_zero() {
            why.push(format!("{address}: no time left"));
            break;
        }
        let started = Instant::now();
        match TcpStream::connect_timeout(address, left) {
            Ok(_) => return Ok((*address, started.elapsed())),
            Err(e) => why.push(format!("{address}: {}", plain_io(&e))),
        }
    }
    Err(why.join("; "))
}

/// An I/O error in words, without the OS's error number.
fn plain_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "the connection was refused".to_owned(),
        std::io::ErrorKind::TimedOut => "no connection was made in time".to_owned(),
        _ => e.to_string(),
    }
}

fn clock(probe: &jetpack_partner::Probe) -> Check {
    const NAME: &str = "clock";
    let Some(skew) = probe.clock_skew() else {
        return Check::skip(NAME, "the answer had no Date header to compare with");
    };
    let date = probe.date.map(|d| d.zulu().to_string()).unwrap_or_default();
    let words = match skew {
        0 => "agrees with the API's to the second".to_owned(),
        s if s > 0 => format!("is {s} s behind the API's"),
        s => format!("is {} s ahead of the API's", -s),
    };
    let mut check = if skew.abs() > MAX_SKEW_SECONDS {
        Check::fail(
            NAME,
            format!(
                "this machine's clock {words} (the API's Date: {date}); more than \
                 {MAX_SKEW_SECONDS} s apart fails"
            ),
            "set the clock right and keep it so: turn NTP on (timedatectl set-ntp true, or run \
             chronyd or ntpd). A clock outside a certificate's validity breaks TLS",
        )
    } else {
        Check::pass(
            NAME,
            format!(
                "this machine's clock {words} (the API's Date: {date}; up to \
                 {MAX_SKEW_SECONDS} s apart passes)"
            ),
        )
    };
    check.skew_seconds = Some(skew);
    check
}

/// `token`: one token request, timed. The token is not kept.
fn token(reached: &Reached, credentials: Found, report: &mut Report) {
    const NAME: &str = "token";
    let credentials = match credentials {
        Found::Partner(credentials) => credentials,
        Found::Token => {
            report.push(Check::skip(
                NAME,
                "an access token was given: no token request (give the partner ID and secret \
                 instead to check them)",
            ));
            return;
        }
        Found::Nothing => {
            report.push(Check::skip(NAME, "no usable credentials"));
            return;
        }
    };
    let (Some(client), None) = (&reached.client, &reached.blocked) else {
        let why = reached
            .blocked
            .as_deref()
            .unwrap_or("the API was not reached");
        report.push(Check::skip(NAME, why));
        return;
    };
    let started = Instant::now();
    let answer = client.send(&TokenGrant::new(&credentials), None);
    let elapsed = started.elapsed();
    let check = match answer {
        Ok(answer) => {
            client.redactor().add(answer.access_token.expose());
            Check::pass(
                NAME,
                format!(
                    "the API issued a token for partner {}",
                    credentials.partner_id()
                ),
            )
        }
        Err(Error::Api(api)) if api.code.is_credential_refused() => Check::fail(
            NAME,
            format!(
                "the API refused the partner ID and secret: {} ({})",
                api.code, api.message
            ),
            "check the partner ID and the secret (see credentials for where they came from); \
             a secret file holds the secret alone, on one line. If they were rotated, get the \
             new ones from Automattic",
        ),
        Err(e) => {
            let fix = if e.is_temporary() {
                "a temporary failure: try again later; if it lasts, see the checks above"
            } else {
                "see the error; 'jetpack-partner errors --details' explains the API's codes"
            };
            Check::fail(NAME, e.to_string(), fix)
        }
    };
    report.push(check.timed(elapsed));
}

fn token_cache(args: &Args, globals: &Globals) -> Check {
    const NAME: &str = "token cache";
    if args.no_token_cache {
        return Check::skip(
            NAME,
            "off (--no-token-cache): a token is requested on every run",
        );
    }
    let Some(dir) = globals.token_cache_dir() else {
        return Check::skip(
            NAME,
            "none: neither HOME nor XDG_CACHE_HOME is set, so a token is requested on every run \
             (choose one with --token-cache DIR)",
        );
    };
    let source = match args.source("--token-cache") {
        Some(source) => from(Some(source)),
        None => "the default".to_owned(),
    };
    match TokenCache::new(&dir).check() {
        Ok(CacheDir::Ready(resolved)) => {
            let mode = mode_of(&resolved)
                .map(|m| format!(", mode {m:04o}"))
                .unwrap_or_default();
            Check::pass(
                NAME,
                format!(
                    "{} ({source}): yours and private{mode}, used",
                    shown_dir(&dir, &resolved)
                ),
            )
        }
        Ok(CacheDir::WouldCreate(holder)) => Check::pass(
            NAME,
            format!(
                "{} ({source}): not made yet; the first token request makes it (mode 0700) in {}, \
                 which is safe to hold it",
                dir.display(),
                holder.display()
            ),
        ),
        Err(e) => Check::fail(
            NAME,
            format!("{e}"),
            format!(
                "make it yours and private (chmod 700 DIR, chown), or choose another directory \
                 with --token-cache DIR (or JETPACK_TOKEN_CACHE); until then every run \
                 requests a token (the cache at {} is {source})",
                dir.display()
            ),
        ),
    }
}

/// A directory as given, and where its links lead when elsewhere.
fn shown_dir(given: &Path, resolved: &Path) -> String {
    if given == resolved {
        given.display().to_string()
    } else {
        format!("{} (resolved to {})", given.display(), resolved.display())
    }
}

fn wp_cli_check(args: &Args) -> Check {
    const NAME: &str = "wp-cli";
    if !wp_cli::wanted(args) {
        return Check::skip(
            NAME,
            "not used: only with --wp-cli or --wp-cli-path (or the old scripts' spelling of \
             provision and cancel); give one to doctor to check it",
        );
    }
    let wp = match WpCli::from_flags(args, None, None) {
        Ok(Some(wp)) => wp,
        Ok(None) => return Check::skip(NAME, "not used"),
        Err(failure) => {
            return Check::fail(
                NAME,
                message(failure),
                "install WP-CLI, or pass --wp-cli-path PATH",
            )
        }
    };
    match wp.probe() {
        Ok(home) => Check::pass(NAME, format!("wp answers: the site's home is {home}")),
        Err(why) => Check::fail(
            NAME,
            why,
            "install WP-CLI (or pass --wp-cli-path PATH) and run from the WordPress directory; \
             as root, add --allow-root",
        ),
    }
}

/// A failure's message, for a check's detail.
fn message(failure: Failure) -> String {
    match failure {
        Failure::Usage { message, .. } => message,
        Failure::Usages(problems) => problems
            .into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join("; "),
        Failure::Lib(e) => e.to_string(),
        Failure::Refused { message, .. } | Failure::TimedOut(message) => message,
        Failure::Changes => "changes to apply".to_owned(),
    }
}

/// What `--json` prints.
#[derive(Serialize)]
struct Document<'a> {
    ok: bool,
    api_base: &'a str,
    checks: &'a [Check],
}

/// The checklist, or the JSON document; every known secret masked.
fn print(args: &Args, globals: &Globals, base: &str, report: &Report) -> Result<(), Failure> {
    let clean = |text: &str| globals.out.redactor.clean(text);
    if args.json {
        let document = Document {
            ok: report.failed().is_empty(),
            api_base: base,
            checks: &report.checks,
        };
        let text = if args.pretty {
            serde_json::to_string_pretty(&document)
        } else {
            serde_json::to_string(&document)
        }
        .unwrap_or_default();
        return globals.out.line(&clean(&text));
    }
    let width = report
        .checks
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = vec![format!(
        "jetpack-partner doctor: {base}{}",
        if base == DEFAULT_API_BASE {
            " (production)"
        } else {
            ""
        }
    )];
    for check in &report.checks {
        let mut line = format!(
            "{} {:<width$}  {}",
            check.status.mark(),
            check.name,
            check.detail
        );
        if let Some(ms) = check.elapsed_ms {
            line.push_str(&format!(" ({ms} ms)"));
        }
        lines.push(line);
        if let Some(fix) = &check.fix {
            lines.push(format!("  {:<width$}  fix: {fix}", ""));
        }
    }
    let failed = report.failed();
    let skipped = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Skip)
        .count();
    let passed = report.checks.len() - failed.len() - skipped;
    lines.push(String::new());
    lines.push(if failed.is_empty() {
        format!("{passed} passed, {skipped} skipped, none failed.")
    } else {
        format!(
            "{passed} passed, {skipped} skipped, {} failed: {}.",
            failed.len(),
            failed.join(", ")
        )
    });
    globals.out.line(&clean(&lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_address_is_shown_without_user_name_or_password() {
        for (given, shown) in [
            ("http://proxy.example:3128", "http://proxy.example:3128"),
            (
                "http://user:pa55@proxy.example:3128/",
                "http://***@proxy.example:3128",
            ),
            ("user:p@ss/w#rd@proxy:8080", "***@proxy:8080"),
            ("https://u:p%40ss@proxy", "https://***@proxy"),
            ("proxy.example", "proxy.example"),
        ] {
            assert_eq!(masked_proxy(given), shown, "{given}");
        }
    }
}
