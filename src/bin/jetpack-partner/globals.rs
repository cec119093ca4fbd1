//! The global options: where the API is, who the partner is, how to print.
//!
//! Each comes from, in this order: its option, its environment variable,
//! the config file (the same variable's name as key), its default.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jetpack_partner::{
    AccessToken, ApiErrorCode, BlogId, Client, Credentials, Endpoint, Error, Secret, Session,
    SiteRef, TokenCache, MIN_SECRET_LEN,
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
    Flag::text(
        &["--user-token-file"],
        "PATH",
        "read the token a WordPress.com user approved (see login) from PATH\n\
         ('-' reads stdin; else $JETPACK_USER_TOKEN, else the token cache)",
        |a| &mut a.user_token_file,
    )
    .env("JETPACK_USER_TOKEN_FILE"),
    Flag::text(&[], "TOKEN", "", |a| &mut a.user_token).env("JETPACK_USER_TOKEN"),
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
pub fn api_base(a: &Args) -> String {
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
        Ok(self.builder_trusting(timeout, self.roots()?))
    }

    /// The PEM roots the options and the environment name, if any.
    /// `--ca-file` is read and checked whatever the base, as a mistake in
    /// an option given is worth saying; the environment's roots only for
    /// HTTPS (as curl does): a system bundle from $SSL_CERT_FILE is a
    /// quarter megabyte to read and parse, most of a plain-http call.
    pub fn roots(&self) -> Result<Option<Vec<u8>>, Failure> {
        let https = api_base(self.args)
            .to_ascii_lowercase()
            .starts_with("https://");
        if https || self.args.ca_file.is_some() {
            return Ok(crate::trust::roots(self.args.ca_file.as_deref())?.map(|(pem, _)| pem));
        }
        Ok(None)
    }

    /// A client as [`client`](Self::client) makes it, trusting `roots`
    /// (the bundled ones for `None`): for `doctor`, which reads the roots
    /// itself to report on them.
    pub fn client_trusting(&self, roots: Option<Vec<u8>>) -> Result<Client, Failure> {
        let timeout = self.timeout();
        self.builder_trusting(timeout, roots)
            .deadline(self.started + timeout)
            .build()
            .map_err(|e| client_failure(self.args, e))
    }

    fn builder_trusting(
        &self,
        timeout: Duration,
        roots: Option<Vec<u8>>,
    ) -> jetpack_partner::ClientBuilder {
        let mut builder = Client::builder()
            .api_base(api_base(self.args))
            .timeout(timeout)
            .retries(self.args.retries.unwrap_or(DEFAULT_RETRIES))
            .allow_insecure_http(self.args.allow_insecure_http)
            .redactor(self.out.redactor.clone());
        if let Some(pem) = roots {
            builder = builder.root_certificates_pem(pem);
        }
        if self.args.verbose {
            builder = builder.trace(self.out.tracer());
        }
        builder
    }

    /// The moment the whole command's budget (`--timeout`, counted from
    /// the program's start) runs out.
    pub fn deadline(&self) -> Instant {
        self.started + self.timeout()
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
        match self.token_cache_dir() {
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

    /// `--token-cache`, `$JETPACK_TOKEN_CACHE`, or the default place;
    /// `None` when neither HOME nor XDG_CACHE_HOME is set.
    pub fn token_cache_dir(&self) -> Option<PathBuf> {
        self.args
            .token_cache
            .as_ref()
            .map(Into::into)
            .or_else(TokenCache::default_dir)
    }

    /// The token cache where `login` keeps the WordPress.com user's token
    /// and `logout` removes it: there is no other place for it.
    pub fn user_token_cache(&self, command: &str) -> Result<TokenCache, Failure> {
        if self.args.no_token_cache {
            return Err(Failure::usage(
                format!(
                    "{command} works on the WordPress.com user's token in the token cache, \
                     and --no-token-cache turns the cache off"
                ),
                "drop --no-token-cache (choose the directory with --token-cache DIR)",
            ));
        }
        self.token_cache_dir().map(TokenCache::new).ok_or_else(|| {
            Failure::usage(
                format!(
                    "{command} works on the WordPress.com user's token in the token cache, \
                     and there is none: neither HOME nor XDG_CACHE_HOME is set"
                ),
                "choose a directory with --token-cache DIR (or set JETPACK_TOKEN_CACHE)",
            )
        })
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

    /// A session for the endpoints that take a WordPress.com user's token
    /// (scan actions, reporting): that token, from `--user-token-file`,
    /// then `$JETPACK_USER_TOKEN`, then the token cache (where `login`
    /// keeps it; not with `--no-token-cache`). None is a usage error that
    /// names `login`.
    pub fn user_session(&self, client: Client) -> Result<Session, Failure> {
        let token = match (&self.args.user_token_file, &self.args.user_token) {
            (Some(path), _) => self
                .read_secret(path, "--user-token-file", "WordPress.com user's token")?
                .expose()
                .to_owned(),
            (None, Some(token)) => {
                check_secret_length(token, "$JETPACK_USER_TOKEN")?;
                self.out.redactor.add(token);
                token.clone()
            }
            (None, None) => match self.cached_user_token(client.api_base())? {
                Some(token) => token,
                None => return Err(no_user_token()),
            },
        };
        Ok(Session::without_credentials(client).user_token(AccessToken::new(token)))
    }

    /// The WordPress.com user's token `login` kept for this API base, if
    /// there is one. The cache holds one per app: with several, which one
    /// is meant is not guessed.
    fn cached_user_token(&self, api_base: &str) -> Result<Option<String>, Failure> {
        if self.args.no_token_cache {
            return Ok(None);
        }
        let Some(dir) = self.token_cache_dir() else {
            return Ok(None);
        };
        let mut found = TokenCache::new(dir).load_users(api_base).map_err(|e| {
            Failure::usage(
                format!(
                    "this command needs a token a WordPress.com user approved, and the token \
                     cache cannot be read for it: {e}"
                ),
                "fix the token cache as the message says, or pass --user-token-file PATH",
            )
        })?;
        if found.len() > 1 {
            let apps: Vec<&str> = found.iter().map(|f| f.client_id.as_str()).collect();
            return Err(Failure::usage(
                format!(
                    "the token cache holds the tokens of WordPress.com users of several apps \
                     for {api_base} (client IDs {}), and which one to use is not guessed",
                    apps.join(", ")
                ),
                "sign out of the ones you no longer use: jetpack-partner logout --client-id ID; \
                 or pass --user-token-file PATH",
            ));
        }
        let Some(cached) = found.pop() else {
            return Ok(None);
        };
        let token = cached.token.expose().to_owned();
        check_secret_length(&token, "the WordPress.com user's token in the token cache")?;
        self.out.redactor.add(&token);
        if self.args.verbose {
            self.out.note(&format!(
                "! the WordPress.com user's token of app {} from the token cache {}",
                cached.client_id,
                cached.path.display()
            ));
        }
        Ok(Some(token))
    }

    /// Sends a request that takes the user's token: a token the API
    /// refuses (expired, revoked, or not a user's token at all) is a
    /// usage error that names `login`.
    pub fn send_as_user<E: Endpoint>(
        &self,
        session: &Session,
        endpoint: &E,
    ) -> Result<E::Answer, Failure> {
        session.send(endpoint).map_err(|e| self.user_failure(e))
    }

    /// What the failure of a request with the user's token tells the user:
    /// a token the API refuses (expired, revoked) or one of the wrong kind
    /// (`invalid_scope`: the partner's token, say) is a usage error that
    /// names `login`; anything else is what it is. `unauthorized` is
    /// the API's word for a site the token may not reach as much as for a
    /// bad token, and its message says which: it stays the API's refusal.
    pub fn user_failure(&self, e: Error) -> Failure {
        const LOGIN: &str =
            "sign in again with: jetpack-partner login --client-id ID --client-secret-file PATH";
        match e {
            Error::Api(api) if api.code == ApiErrorCode::Unauthorized => {
                Failure::from(Error::Api(api))
            }
            e if e.is_token_refused() || e.http_status() == Some(401) => Failure::usage(
                format!("the WordPress.com user's token was refused (expired or revoked?): {e}"),
                LOGIN,
            ),
            Error::Api(api) if api.code == ApiErrorCode::InvalidScope => Failure::usage(
                format!(
                    "the token in {} is not a WordPress.com user's token for this endpoint \
                     (the API answered {} invalid_scope: {}); is it the partner's token? \
                     Scan actions and reports need a token a WordPress.com user approved \
                     (scope global), not the partner's (scope jetpack-partner)",
                    self.user_token_source(),
                    api.status,
                    api.message
                ),
                LOGIN,
            ),
            other => Failure::from(other),
        }
    }

    /// Where the user's token came from, as a message names it.
    fn user_token_source(&self) -> String {
        match (&self.args.user_token_file, &self.args.user_token) {
            (Some(path), _) => format!("the file {path}"),
            (None, Some(_)) => "$JETPACK_USER_TOKEN".to_owned(),
            (None, None) => "the token cache (from login)".to_owned(),
        }
    }

    /// The blog ID of `site`: as given, or from the public site lookup
    /// (shown under `-v`). A site WordPress.com does not know gets a hint.
    pub fn blog_id(&self, session: &Session, site: &SiteRef) -> Result<BlogId, Failure> {
        session.blog_id(site).map_err(|e| match e {
            Error::Api(api) if api.status == 404 => Failure::usage(
                format!(
                    "WordPress.com does not know the site {site} (the public site lookup \
                     answered {}): these endpoints need its blog ID",
                    api.code
                ),
                "give the blog ID with --site ID (a provision's status shows it, or \
                 `wp jetpack status` on the site)",
            ),
            other => Failure::from(other),
        })
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

/// A command that needs a WordPress.com user's token was given none.
fn no_user_token() -> Failure {
    Failure::usage(
        "this command needs a token a WordPress.com user approved (scope global), \
         not the partner's token, and none was given or kept in the token cache",
        "sign in with: jetpack-partner login --client-id ID --client-secret-file PATH; \
         or pass --user-token-file PATH, or set JETPACK_USER_TOKEN",
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Output;
    use jetpack_partner::ApiError;

    /// Arguments with a token cache, and what `more` sets.
    fn args_with(dir: &Path, more: impl FnOnce(&mut Args)) -> Args {
        let mut args = Args::default();
        args.token_cache = Some(dir.display().to_string());
        more(&mut args);
        args
    }

    fn api(status: u16, code: &str) -> Error {
        let body = serde_json::json!({"code": code, "message": "m", "data": {"status": status}});
        ApiError::from_json(status, &body)
            .map_or_else(|| Error::InvalidInput(String::new()), Error::Api)
    }

    fn is_sign_in_again(e: Error) -> bool {
        let args = Args::default();
        let globals = Globals::new(&args, Output::default());
        matches!(globals.user_failure(e), Failure::Usage { hint, .. } if hint.contains("login"))
    }

    #[test]
    fn a_refused_user_token_names_login_and_a_refused_site_does_not() {
        for (status, code) in [
            (400, "invalid_token"),
            (401, "expired_token"),
            (403, "token_revoked"),
            (401, "authorization_required"),
            (401, "rest_not_logged_in"),
            (403, "invalid_scope"),
        ] {
            assert!(is_sign_in_again(api(status, code)), "{status} {code}");
        }
        for (status, code) in [
            (403, "unauthorized"),
            (404, "unknown_blog"),
            (400, "rest_invalid_param"),
        ] {
            assert!(!is_sign_in_again(api(status, code)), "{status} {code}");
        }
        assert!(!is_sign_in_again(Error::InvalidInput("x".into())));
    }

    /// Globals over `args`, against an API base that is never reached.
    fn session_of(args: &Args) -> Result<Session, Failure> {
        let globals = Globals::new(args, Output::default());
        let client = Client::builder()
            .api_base("http://127.0.0.1:9")
            .build()
            .map_err(Failure::from)?;
        globals.user_session(client)
    }

    fn private_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "jetpack-partner-user-session-{name}-{}-{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .unwrap_or_else(|e| panic!("mkdir: {e}"));
        dir
    }

    #[test]
    fn the_token_cache_is_the_third_source_of_the_user_token() {
        let dir = private_dir("third");
        let cache = TokenCache::new(&dir);
        let args = args_with(&dir, |_| {});
        // Nothing anywhere: the usage error names login.
        assert!(matches!(
            session_of(&args),
            Err(Failure::Usage { hint, .. }) if hint.contains("jetpack-partner login")
        ));
        cache
            .store_user(
                "http://127.0.0.1:9",
                "5678",
                &AccessToken::new("cached-user-token"),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(session_of(&args).is_ok_and(|s| s.has_user_token()));
        // Another API base's token is not this one's.
        let other = TokenCache::new(private_dir("other"));
        other
            .store_user(
                "https://elsewhere.example",
                "5678",
                &AccessToken::new("other-base"),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let elsewhere = args_with(other.dir(), |_| {});
        assert!(session_of(&elsewhere).is_err());
        // Not read with --no-token-cache.
        let off = args_with(&dir, |a| a.no_token_cache = true);
        assert!(session_of(&off).is_err());
        // Two apps' tokens for one API base: not guessed.
        cache
            .store_user(
                "http://127.0.0.1:9",
                "1111",
                &AccessToken::new("another-app-token"),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        match session_of(&args) {
            Err(Failure::Usage { message, hint }) => {
                assert!(message.contains("client IDs 1111, 5678"), "{message}");
                assert!(hint.contains("logout --client-id"), "{hint}");
            }
            other => panic!("{other:?}"),
        }
        // The environment comes before the cache.
        let env = args_with(&dir, |a| a.user_token = Some("from-the-environment".into()));
        assert!(session_of(&env).is_ok_and(|s| s.has_user_token()));
    }
}
