//! The global options: where the API is, who the partner is, how to print.
//!
//! Each comes from, in this order: its option, its environment variable,
//! the config file (the same variable's name as key), its default.

use std::cell::Cell;
use std::path::Path;
use std::time::{Duration, Instant};

use jetpack_partner::{
    AccessToken, Client, Credentials, Endpoint, Secret, Session, TokenCache, MIN_SECRET_LEN,
};
use jetpack_partner::{DEFAULT_API_BASE, DEFAULT_RETRIES, DEFAULT_TIMEOUT};

use crate::args::{self, set, Args, Flag, Given, Source};
use crate::config;
use crate::output::{Failure, Output, Problem, Problems};

pub const FLAGS: &[Flag] = &[
    Flag::text(
        &["--config"],
        "FILE",
        "read settings from FILE: KEY=VALUE lines keyed by the variables'\n\
         names (default ~/.config/jetpack-partner/config, /etc/jetpack-partner/config)",
        |a| &mut a.config,
    )
    .env("JETPACK_PARTNER_CONFIG"),
    Flag::value(
        &["--api-base"],
        "URL",
        "API base URL (default https://public-api.wordpress.com)",
        |a, v| set(&mut a.api_base, Ok(v)),
    )
    .env("JETPACK_API_BASE"),
    Flag::value(&[], "HOST", "", |a, v| set(&mut a.start_api_host, Ok(v)))
        .env("JETPACK_START_API_HOST"),
    Flag::text(
        &["--partner-id"],
        "ID",
        "partner ID (the OAuth client id)",
        |a| &mut a.partner_id,
    )
    .env("JETPACK_PARTNER_ID"),
    Flag::value(
        &["--partner-secret-file"],
        "PATH",
        "read the partner secret from PATH ('-' reads stdin)",
        |a, v| set(&mut a.partner_secret_file, Ok(v)),
    )
    .env("JETPACK_PARTNER_SECRET_FILE"),
    Flag::value(
        &["--partner-secret"],
        "VALUE",
        "the partner secret itself; as a flag, other users see it in ps",
        |a, v| set(&mut a.partner_secret, Ok(v)),
    )
    .env("JETPACK_PARTNER_SECRET"),
    Flag::text(
        &["--access-token"],
        "TOKEN",
        "use this access token instead of requesting one",
        |a| &mut a.access_token,
    )
    .env("JETPACK_ACCESS_TOKEN"),
    Flag::value(
        &["--timeout"],
        "SECS",
        "budget for the whole command, retries included, in seconds (default 30)",
        |a, v| set(&mut a.timeout, seconds(&v)),
    )
    .env("JETPACK_TIMEOUT"),
    Flag::value(
        &["--retries"],
        "N",
        "extra attempts after a temporary failure (default 2)",
        |a, v| set(&mut a.retries, v.parse("a number of retries (0 or more)")),
    )
    .env("JETPACK_RETRIES"),
    Flag::text(
        &["--token-cache"],
        "DIR",
        "keep access tokens in DIR (default $XDG_CACHE_HOME/jetpack-partner)",
        |a| &mut a.token_cache,
    )
    .env("JETPACK_TOKEN_CACHE"),
    Flag::switch(
        &["--no-token-cache"],
        "request a token on every run",
        |a| &mut a.no_token_cache,
    ),
    Flag::text(
        &["--ca-file"],
        "PATH",
        "trust the PEM root certificates in PATH instead of the bundled ones\n(else $SSL_CERT_FILE, else $SSL_CERT_DIR)",
        |a| &mut a.ca_file,
    ),
    Flag::switch(
        &["--allow-insecure-http"],
        "allow a plain http:// API base that is not this machine",
        |a| &mut a.allow_insecure_http,
    ),
    Flag::switch(&["--pretty"], "pretty-print JSON answers", |a| {
        &mut a.pretty
    }),
    Flag::switch(
        &["-v", "--verbose"],
        "trace requests and answers on stderr (secrets as ***)",
        |a| &mut a.verbose,
    ),
];

/// `--timeout`: more than nothing, at most a day.
fn seconds(v: &Given) -> Result<Duration, Problem> {
    match v.text.parse::<f64>() {
        Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(Duration::from_secs_f64(secs)),
        _ => Err(Problem::new(
            format!("{} {:?} is not a number of seconds", v.source, v.text),
            "give a number above 0, e.g. --timeout 30 or --timeout 0.5",
        )),
    }
}

/// The keys a config file may set: the variables of the global options,
/// but the one that names the file.
pub fn config_keys() -> Vec<&'static str> {
    FLAGS
        .iter()
        .filter_map(|f| f.env)
        .filter(|&var| var != "JETPACK_PARTNER_CONFIG")
        .collect()
}

/// Completes `a` after the command line was read: the environment, then
/// the config file, for what is still unset (of the global options and of
/// `own`, the command's); then records every problem of the global
/// settings that can be seen without the network or the credentials: the
/// API base, a secret given two ways in one place.
pub fn settle(
    a: &mut Args,
    own: &[&[Flag]],
    out: &Output,
    problems: &mut Problems,
) -> Result<(), Failure> {
    args::environment(own, a, problems);
    args::environment(&[FLAGS], a, problems);
    if let Some(path) = config::locate(a.config.as_deref()) {
        if let Some(file) = config::load(&path, &config_keys(), out, problems) {
            if a.verbose {
                out.note(&format!("! settings from the config file {}", file.path));
            }
            for setting in file.settings {
                if let Some(flag) = FLAGS.iter().find(|f| f.env == Some(setting.key)) {
                    let source = Source::Config(setting.key, file.path, setting.line);
                    a.fill(flag, setting.value, source, problems);
                }
            }
        }
    }
    // Settings that say one thing in two ways: the strongest place that
    // sets one of them (option, environment, config file) decides; what a
    // weaker place says of either is ignored.
    keep_strongest(&mut a.api_base, &mut a.start_api_host);
    keep_strongest(&mut a.partner_secret, &mut a.partner_secret_file);
    let base = Client::builder()
        .api_base(api_base(a))
        .allow_insecure_http(a.allow_insecure_http)
        .check();
    problems.check(base.map_err(|e| client_failure(a, e)))?;
    if let (Some(value), Some(file)) = (&a.partner_secret, &a.partner_secret_file) {
        // Both come from one place: a weaker place's value was dropped.
        let message = match (value.source, file.source) {
            (Source::Flag(_), _) => {
                "--partner-secret and --partner-secret-file are both given".to_owned()
            }
            (Source::Config(v, path, v_line), Source::Config(f, _, f_line)) => {
                format!("{path} sets both {v} (line {v_line}) and {f} (line {f_line})")
            }
            (value, file) => format!("{value} and {file} are both set"),
        };
        problems.push(Problem::new(message, "give the secret one way"));
    }
    Ok(())
}

/// Of two settings that say one thing, forgets the one from a weaker
/// place than the other's.
fn keep_strongest(a: &mut Option<Given>, b: &mut Option<Given>) {
    let level = |given: &Option<Given>| given.as_ref().map(|g| g.source.level());
    match (level(a), level(b)) {
        (Some(x), Some(y)) if x < y => *b = None,
        (Some(x), Some(y)) if y < x => *a = None,
        _ => {}
    }
}

/// The API base: `--api-base`, `$JETPACK_API_BASE`,
/// `https://$JETPACK_START_API_HOST`, or production.
fn api_base(a: &Args) -> String {
    if let Some(base) = &a.api_base {
        return base.text.clone();
    }
    match a.start_api_host.as_ref().map(|h| h.text.as_str()) {
        Some(host) if host.contains("://") => host.to_owned(),
        Some(host) => format!("https://{host}"),
        None => DEFAULT_API_BASE.to_owned(),
    }
}

/// A client that cannot be built, with the option that helps: a plain
/// http base to another machine is refused unless allowed.
fn client_failure(a: &Args, e: jetpack_partner::Error) -> Failure {
    let plain_http = api_base(a).to_ascii_lowercase().starts_with("http://");
    match e {
        jetpack_partner::Error::InvalidInput(message) if plain_http && !a.allow_insecure_http => {
            Failure::usage(
                message,
                "use https://, or pass --allow-insecure-http if you really mean it",
            )
        }
        other => Failure::from(other),
    }
}

/// The global settings at work: the clients, the session and the secrets
/// they make, for one run.
pub struct Globals<'a> {
    args: &'a Args,
    started: Instant,
    pub out: Output,
    stdin_taken: Cell<Option<&'static str>>,
}

impl<'a> Globals<'a> {
    /// The settings of `args` (settled and checked), printing with `out`.
    pub fn new(args: &'a Args, out: Output) -> Globals<'a> {
        Globals {
            args,
            started: Instant::now(),
            out,
            stdin_taken: Cell::new(None),
        }
    }

    fn timeout(&self) -> Duration {
        self.args.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// A client configured from the options; with `-v` it traces. Every
    /// call it makes ends within `--timeout` of the program's start.
    pub fn client(&self) -> Result<Client, Failure> {
        let timeout = self.timeout();
        self.client_builder(timeout)?
            .deadline(self.started + timeout)
            .build()
            .map_err(|e| client_failure(self.args, e))
    }

    /// A client whose every call gets the whole `--timeout`, however long
    /// the program runs: for `batch`, where the budget is per site.
    pub fn client_per_call(&self) -> Result<Client, Failure> {
        self.client_builder(self.timeout())?
            .build()
            .map_err(|e| client_failure(self.args, e))
    }

    fn client_builder(&self, timeout: Duration) -> Result<jetpack_partner::ClientBuilder, Failure> {
        let mut builder = Client::builder()
            .api_base(api_base(self.args))
            .timeout(timeout)
            .retries(self.args.retries.unwrap_or(DEFAULT_RETRIES))
            .allow_insecure_http(self.args.allow_insecure_http)
            .redactor(self.out.redactor.clone());
        // `--ca-file` is read and checked whatever the base, as a mistake in
        // an option given is worth saying; the environment's roots only for
        // HTTPS (as curl does): a system bundle from $SSL_CERT_FILE is a
        // quarter megabyte to read and parse, most of a plain-http call.
        let https = api_base(self.args)
            .to_ascii_lowercase()
            .starts_with("https://");
        if https || self.args.ca_file.is_some() {
            if let Some((pem, _)) = crate::trust::roots(self.args.ca_file.as_deref())? {
                builder = builder.root_certificates_pem(pem);
            }
        }
        if self.args.verbose {
            builder = builder.trace(self.out.tracer());
        }
        Ok(builder)
    }

    /// The partner's session: `--access-token` as given, or the partner's
    /// credentials with the token cache unless `--no-token-cache`.
    pub fn session(&self, client: Client) -> Result<Session, Failure> {
        if let Some(token) = &self.args.access_token {
            check_secret_length(token, "the access token")?;
            self.out.redactor.add(token);
            return Ok(Session::with_access_token(client, AccessToken::new(token)));
        }
        Ok(self.with_cache(Session::new(client, self.credentials()?)))
    }

    /// Adds the token cache of `--token-cache`, `$JETPACK_TOKEN_CACHE` or
    /// the default place, unless `--no-token-cache`.
    fn with_cache(&self, session: Session) -> Session {
        if self.args.no_token_cache {
            return session;
        }
        let dir = self
            .args
            .token_cache
            .as_ref()
            .map(Into::into)
            .or_else(TokenCache::default_dir);
        match dir {
            Some(dir) => session.token_cache(TokenCache::new(dir)),
            None => {
                if self.args.verbose {
                    self.out
                        .note("! no token cache: neither HOME nor XDG_CACHE_HOME is set");
                }
                session
            }
        }
    }

    /// The session `token` uses: always the partner's credentials (it
    /// requests a new token), with the cache it refreshes.
    pub fn session_for_token(&self, client: Client) -> Result<Session, Failure> {
        if self.args.access_token.is_some() && self.args.partner_id.is_none() {
            return Err(Failure::usage(
                "token requests a new token, which needs the partner ID and secret",
                "pass --partner-id ID and the secret; --access-token is for the other commands",
            ));
        }
        Ok(self.with_cache(Session::new(client, self.credentials()?)))
    }

    /// Sends one request in the session. The token is asked for once, by
    /// the request itself (a refused secret is one request); the client
    /// teaches the shared redactor every token it uses.
    pub fn send<E: Endpoint>(&self, session: &Session, endpoint: &E) -> Result<E::Answer, Failure> {
        Ok(session.send(endpoint)?)
    }

    /// Reads a secret from a file, or from stdin for `-`. Only one secret
    /// can come from stdin; `flag` names the option in messages.
    pub fn read_secret(
        &self,
        path: &str,
        flag: &'static str,
        what: &str,
    ) -> Result<Secret, Failure> {
        let secret = if path == "-" {
            if let Some(first) = self.stdin_taken.replace(Some(flag)) {
                return Err(Failure::usage(
                    format!("{first} and {flag} both read standard input"),
                    "give at most one of them as '-'; read the other from a file",
                ));
            }
            Secret::read_from(std::io::stdin().lock(), &format!("{what} on stdin"))?
        } else {
            self.warn_if_readable_by_others(path, flag);
            Secret::from_file(Path::new(path), what)?
        };
        check_secret_length(secret.expose(), &format!("the {what} in {flag}"))?;
        self.out.redactor.add(secret.expose());
        Ok(secret)
    }

    /// A secret file that group or others may read gets a warning, as ssh
    /// gives for keys.
    #[cfg(unix)]
    pub fn warn_if_readable_by_others(&self, path: &str, flag: &str) {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                self.out.note(&format!(
                    "jetpack-partner: warning: {flag} {path} is readable by other users \
                     (mode {mode:04o}); run: chmod 600 {path}"
                ));
            }
        }
    }

    #[cfg(not(unix))]
    pub fn warn_if_readable_by_others(&self, _: &str, _: &str) {}

    /// Partner ID and secret, from flags, files, stdin or the environment.
    pub fn credentials(&self) -> Result<Credentials, Failure> {
        let Some(id) = &self.args.partner_id else {
            return Err(Failure::usage(
                "no partner ID given",
                "pass --partner-id ID or set JETPACK_PARTNER_ID",
            ));
        };
        let secret = self.secret()?;
        self.out.redactor.add(secret.expose());
        Ok(Credentials::new(id, secret))
    }

    fn secret(&self) -> Result<Secret, Failure> {
        // `settle` left at most one of them.
        match (&self.args.partner_secret_file, &self.args.partner_secret) {
            (Some(file), _) => {
                self.read_secret(&file.text, "--partner-secret-file", "partner secret")
            }
            (
                None,
                Some(Given {
                    text: value,
                    source,
                }),
            ) => {
                if let Source::Flag(name) = source {
                    self.out.note(&format!(
                        "jetpack-partner: warning: {name} makes the secret visible to other \
                         users (ps, shell history); use --partner-secret-file PATH, \
                         --partner-secret-file - (stdin) or JETPACK_PARTNER_SECRET"
                    ));
                }
                if value.is_empty() {
                    return Err(Failure::usage(
                        "the partner secret is empty",
                        "check the value",
                    ));
                }
                check_secret_length(value, "the partner secret")?;
                Ok(Secret::new(value))
            }
            (None, None) => Err(Failure::usage(
                "no partner secret given",
                "pass --partner-secret-file PATH ('-' for stdin) or set JETPACK_PARTNER_SECRET",
            )),
        }
    }

    /// Checks that the partner's credentials are there (or a token is),
    /// without reading them yet: commands call it before any side effect.
    pub fn check_credentials(&self) -> Result<(), Failure> {
        if self.args.access_token.is_some() {
            return Ok(());
        }
        if self.args.partner_id.is_none() {
            return Err(Failure::usage(
                "no partner ID given",
                "pass --partner-id ID or set JETPACK_PARTNER_ID (or --access-token TOKEN)",
            ));
        }
        if self.args.partner_secret_file.is_none() && self.args.partner_secret.is_none() {
            return Err(Failure::usage(
                "no partner secret given",
                "pass --partner-secret-file PATH ('-' for stdin) or set JETPACK_PARTNER_SECRET",
            ));
        }
        Ok(())
    }
}

/// A secret shorter than [`MIN_SECRET_LEN`] could not be masked in output
/// without masking ordinary words: it is refused before anything is sent.
pub fn check_secret_length(value: &str, what: &str) -> Result<(), Failure> {
    if value.len() < MIN_SECRET_LEN {
        return Err(Failure::usage(
            format!(
                "{what} is shorter than {MIN_SECRET_LEN} characters; a secret that short \
                 cannot be kept out of logs"
            ),
            "check the value: real partner secrets and tokens are much longer",
        ));
    }
    Ok(())
}
