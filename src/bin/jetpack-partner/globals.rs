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
use jetpack_partner::{DEFAULT_API_BASE, DEFAULT_TIMEOUT};
use pico_args::Arguments;

use crate::args::{self, Flag, Parsed, Source};
use crate::config;
use crate::output::{Failure, Output, Problem, Problems};

pub const FLAGS: &[Flag] = &[
    Flag::value(
        "config",
        &["--config"],
        "FILE",
        "read settings from FILE: KEY=VALUE lines keyed by the variables'\n\
         names (default ~/.config/jetpack-partner/config, /etc/jetpack-partner/config)",
    )
    .env("JETPACK_PARTNER_CONFIG"),
    Flag::value(
        "api-base",
        &["--api-base"],
        "URL",
        "API base URL (default https://public-api.wordpress.com)",
    )
    .env("JETPACK_API_BASE"),
    Flag::value("start-api-host", &[], "HOST", "").env("JETPACK_START_API_HOST"),
    Flag::value(
        "partner-id",
        &["--partner-id"],
        "ID",
        "partner ID (the OAuth client id)",
    )
    .env("JETPACK_PARTNER_ID"),
    Flag::value(
        "partner-secret-file",
        &["--partner-secret-file"],
        "PATH",
        "read the partner secret from PATH ('-' reads stdin)",
    )
    .env("JETPACK_PARTNER_SECRET_FILE"),
    Flag::value(
        "partner-secret",
        &["--partner-secret"],
        "VALUE",
        "the partner secret itself; as a flag, other users see it in ps",
    )
    .env("JETPACK_PARTNER_SECRET"),
    Flag::value(
        "access-token",
        &["--access-token"],
        "TOKEN",
        "use this access token instead of requesting one",
    )
    .env("JETPACK_ACCESS_TOKEN"),
    Flag::value(
        "timeout",
        &["--timeout"],
        "SECS",
        "budget for the whole command, retries included, in seconds (default 30)",
    )
    .env("JETPACK_TIMEOUT"),
    Flag::value(
        "retries",
        &["--retries"],
        "N",
        "extra attempts after a temporary failure (default 2)",
    )
    .env("JETPACK_RETRIES"),
    Flag::value(
        "token-cache",
        &["--token-cache"],
        "DIR",
        "keep access tokens in DIR (default $XDG_CACHE_HOME/jetpack-partner)",
    )
    .env("JETPACK_TOKEN_CACHE"),
    Flag::switch(
        "no-token-cache",
        &["--no-token-cache"],
        "request a token on every run",
    ),
    Flag::value(
        "ca-file",
        &["--ca-file"],
        "PATH",
        "trust the PEM root certificates in PATH instead of the bundled ones\n(else $SSL_CERT_FILE, else $SSL_CERT_DIR)",
    ),
    Flag::switch(
        "allow-insecure-http",
        &["--allow-insecure-http"],
        "allow a plain http:// API base that is not this machine",
    ),
    Flag::switch("pretty", &["--pretty"], "pretty-print JSON answers"),
    Flag::switch(
        "verbose",
        &["-v", "--verbose"],
        "trace requests and answers on stderr (secrets as ***)",
    ),
];

/// Settings that say one thing in two ways. The strongest place that sets
/// one of them (option, environment, config file) decides; what a weaker
/// place says of any of them is ignored.
const ALTERNATIVES: &[&[&str]] = &[
    &["api-base", "start-api-host"],
    &["partner-secret", "partner-secret-file"],
];

/// The keys a config file may set: the variables of the global options,
/// but the one that names the file.
pub fn config_keys() -> Vec<&'static str> {
    FLAGS
        .iter()
        .filter(|f| f.key != "config")
        .filter_map(|f| f.env)
        .collect()
}

/// The global options, read and checked.
pub struct Globals {
    parsed: Parsed,
    started: Instant,
    pub out: Output,
    pub verbose: bool,
    /// The command was spelled as the old scripts spelled it: it behaves
    /// as they did.
    pub script_spelling: bool,
    stdin_taken: Cell<Option<&'static str>>,
}

impl Globals {
    /// Takes the global options out of `args`, reads their environment
    /// variables, then the config file for what is still unset. Problems
    /// are recorded, not returned: the caller reports them all at once.
    pub fn take(args: &mut Arguments, problems: &mut Problems) -> Globals {
        let mut parsed = args::take(args, &[FLAGS], problems);
        let out = Output {
            pretty: parsed.switch("pretty"),
            ..Output::default()
        };
        if let Some(path) = config::locate(parsed.text("config")) {
            if let Some(file) = config::load(&path, &config_keys(), &out, problems) {
                if parsed.switch("verbose") {
                    out.note(&format!("! settings from the config file {}", file.path));
                }
                for setting in file.settings {
                    let Some(flag) = FLAGS.iter().find(|f| f.env == Some(setting.key)) else {
                        continue;
                    };
                    let source = Source::Config(setting.key, file.path, setting.line);
                    parsed.fill(flag.key, setting.value, source);
                }
            }
        }
        keep_strongest(&mut parsed);
        let verbose = parsed.switch("verbose");
        Globals {
            parsed,
            started: Instant::now(),
            out,
            verbose,
            script_spelling: false,
            stdin_taken: Cell::new(None),
        }
    }

    /// Records every problem of the global values that can be seen without
    /// the network or the credentials: the time-out, the retries, the API
    /// base, a secret given two ways in one place.
    pub fn validate(&self, problems: &mut Problems) -> Result<(), Failure> {
        problems.check(self.timeout().map(drop))?;
        problems.check(
            self.parsed
                .parse::<u32>("retries", "a number of retries (0 or more)")
                .map(drop),
        )?;
        let base = Client::builder()
            .api_base(self.api_base())
            .allow_insecure_http(self.parsed.switch("allow-insecure-http"))
            .check();
        problems.check(base.map_err(|e| self.client_failure(e)))?;
        if let (Some((_, file)), Some((_, value))) = (
            self.parsed.value("partner-secret-file"),
            self.parsed.value("partner-secret"),
        ) {
            // Both come from one place (options, environment or config
            // file): a weaker place's value was already dropped.
            let message = match (file, value) {
                (Source::Flag(_), _) => {
                    "--partner-secret and --partner-secret-file are both given".to_owned()
                }
                (Source::Config(f, path, f_line), Source::Config(v, _, v_line)) => {
                    format!("{path} sets both {v} (line {v_line}) and {f} (line {f_line})")
                }
                _ => format!("{value} and {file} are both set"),
            };
            problems.push(Problem::new(message, "give the secret one way"));
        }
        Ok(())
    }

    /// The API base: `--api-base`, `$JETPACK_API_BASE`,
    /// `https://$JETPACK_START_API_HOST`, or production.
    pub fn api_base(&self) -> String {
        if let Some(base) = self.parsed.text("api-base") {
            return base.to_owned();
        }
        match self.parsed.text("start-api-host") {
            Some(host) if host.contains("://") => host.to_owned(),
            Some(host) => format!("https://{host}"),
            None => DEFAULT_API_BASE.to_owned(),
        }
    }

    pub fn timeout(&self) -> Result<Duration, Failure> {
        let Some((text, source)) = self.parsed.value("timeout") else {
            return Ok(DEFAULT_TIMEOUT);
        };
        match text.parse::<f64>() {
            Ok(secs) if secs > 0.0 && secs <= 86_400.0 => Ok(Duration::from_secs_f64(secs)),
            _ => Err(Failure::usage(
                format!("{source} {text:?} is not a number of seconds"),
                "give a number above 0, e.g. --timeout 30 or --timeout 0.5",
            )),
        }
    }

    /// A client configured from the options; with `-v` it traces. Every
    /// call it makes ends within `--timeout` of the program's start.
    pub fn client(&self) -> Result<Client, Failure> {
        let timeout = self.timeout()?;
        self.client_builder(timeout)?
            .deadline(self.started + timeout)
            .build()
            .map_err(|e| self.client_failure(e))
    }

    /// A client whose every call gets the whole `--timeout`, however long
    /// the program runs: for `batch`, where the budget is per site.
    pub fn client_per_call(&self) -> Result<Client, Failure> {
        self.client_builder(self.timeout()?)?
            .build()
            .map_err(|e| self.client_failure(e))
    }

    /// A client that cannot be built, with the option that helps: a plain
    /// http base to another machine is refused unless allowed.
    fn client_failure(&self, e: jetpack_partner::Error) -> Failure {
        let plain_http = self.api_base().to_ascii_lowercase().starts_with("http://");
        match e {
            jetpack_partner::Error::InvalidInput(message)
                if plain_http && !self.parsed.switch("allow-insecure-http") =>
            {
                Failure::usage(
                    message,
                    "use https://, or pass --allow-insecure-http if you really mean it",
                )
            }
            other => Failure::from(other),
        }
    }

    fn client_builder(&self, timeout: Duration) -> Result<jetpack_partner::ClientBuilder, Failure> {
        let retries = self
            .parsed
            .parse::<u32>("retries", "a number of retries (0 or more)")?;
        let mut builder = Client::builder()
            .api_base(self.api_base())
            .timeout(timeout)
            .retries(retries.unwrap_or(jetpack_partner::DEFAULT_RETRIES))
            .allow_insecure_http(self.parsed.switch("allow-insecure-http"))
            .redactor(self.out.redactor.clone());
        if let Some((pem, _)) = crate::trust::roots(self.parsed.text("ca-file"))? {
            builder = builder.root_certificates_pem(pem);
        }
        if self.verbose {
            builder = builder.trace(self.out.tracer());
        }
        Ok(builder)
    }

    /// The partner's session: `--access-token` as given, or the partner's
    /// credentials with the token cache unless `--no-token-cache`.
    pub fn session(&self, client: Client) -> Result<Session, Failure> {
        if let Some(token) = self.parsed.text("access-token") {
            check_secret_length(token, "the access token")?;
            self.out.redactor.add(token);
            return Ok(Session::with_access_token(client, AccessToken::new(token)));
        }
        Ok(self.with_cache(Session::new(client, self.credentials()?)))
    }

    /// Adds the token cache of `--token-cache`, `$JETPACK_TOKEN_CACHE` or
    /// the default place, unless `--no-token-cache`.
    fn with_cache(&self, session: Session) -> Session {
        if self.parsed.switch("no-token-cache") {
            return session;
        }
        let dir = self
            .parsed
            .text("token-cache")
            .map(Into::into)
            .or_else(TokenCache::default_dir);
        match dir {
            Some(dir) => session.token_cache(TokenCache::new(dir)),
            None => {
                if self.verbose {
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
        if self.parsed.text("access-token").is_some() && self.parsed.text("partner-id").is_none() {
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
    fn warn_if_readable_by_others(&self, path: &str, flag: &str) {
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
    fn warn_if_readable_by_others(&self, _: &str, _: &str) {}

    /// Partner ID and secret, from flags, files, stdin or the environment.
    pub fn credentials(&self) -> Result<Credentials, Failure> {
        let Some(id) = self.parsed.text("partner-id") else {
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
        let file = self.parsed.text("partner-secret-file");
        let value = self.parsed.value("partner-secret");
        match (file, value) {
            (Some(_), Some((_, Source::Flag(_)))) => Err(Failure::usage(
                "--partner-secret and --partner-secret-file are both given",
                "give the secret one way",
            )),
            (Some(path), _) => self.read_secret(path, "--partner-secret-file", "partner secret"),
            (None, Some((value, source))) => {
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
        if self.parsed.text("access-token").is_some() {
            return Ok(());
        }
        if self.parsed.text("partner-id").is_none() {
            return Err(Failure::usage(
                "no partner ID given",
                "pass --partner-id ID or set JETPACK_PARTNER_ID (or --access-token TOKEN)",
            ));
        }
        if self.parsed.text("partner-secret-file").is_none()
            && self.parsed.text("partner-secret").is_none()
        {
            return Err(Failure::usage(
                "no partner secret given",
                "pass --partner-secret-file PATH ('-' for stdin) or set JETPACK_PARTNER_SECRET",
            ));
        }
        Ok(())
    }
}

/// Applies [`ALTERNATIVES`]: of each group, only the values from the
/// strongest place that sets any of them stay.
fn keep_strongest(parsed: &mut Parsed) {
    for group in ALTERNATIVES {
        let levels: Vec<(&str, u8)> = group
            .iter()
            .filter_map(|&key| parsed.value(key).map(|(_, source)| (key, source.level())))
            .collect();
        let Some(strongest) = levels.iter().map(|&(_, level)| level).min() else {
            continue;
        };
        for (key, level) in levels {
            if level > strongest {
                parsed.forget(key);
            }
        }
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
