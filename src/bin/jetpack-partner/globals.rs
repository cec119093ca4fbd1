//! The global options: where the API is, who the partner is, how to print.

use std::cell::Cell;
use std::path::Path;
use std::time::Duration;

use jetpack_partner::client::{DEFAULT_API_BASE, DEFAULT_TIMEOUT};
use jetpack_partner::{AccessToken, Client, Credentials, Secret};
use pico_args::Arguments;

use crate::args::{self, Flag, Parsed, Source};
use crate::output::{Failure, Output};

pub const FLAGS: &[Flag] = &[
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
    ),
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
        "budget for the whole command, in seconds (default 30)",
    ),
    Flag::switch("pretty", &["--pretty"], "pretty-print JSON answers"),
    Flag::switch(
        "verbose",
        &["-v", "--verbose"],
        "trace requests and answers on stderr (secrets as ***)",
    ),
];

/// The global options, read and checked.
pub struct Globals {
    parsed: Parsed,
    pub out: Output,
    pub verbose: bool,
    stdin_taken: Cell<Option<&'static str>>,
}

impl Globals {
    pub fn take(args: &mut Arguments) -> Result<Globals, Failure> {
        let parsed = args::take(args, FLAGS)?;
        let out = Output {
            pretty: parsed.switch("pretty"),
            ..Output::default()
        };
        let verbose = parsed.switch("verbose");
        Ok(Globals {
            parsed,
            out,
            verbose,
            stdin_taken: Cell::new(None),
        })
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

    /// A client configured from the options; with `-v` it traces.
    pub fn client(&self) -> Result<Client, Failure> {
        let mut builder = Client::builder()
            .api_base(self.api_base())
            .timeout(self.timeout()?);
        if self.verbose {
            builder = builder.trace(self.out.tracer());
        }
        Ok(builder.build()?)
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
            Secret::from_file(Path::new(path), what)?
        };
        self.out.redactor.add(secret.expose());
        Ok(secret)
    }

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

    /// The access token: `--access-token`, or a fresh one from the
    /// partner's credentials.
    pub fn access_token(&self, client: &Client) -> Result<AccessToken, Failure> {
        if let Some(token) = self.parsed.text("access-token") {
            self.out.redactor.add(token);
            return Ok(AccessToken::new(token));
        }
        let answer = client.request_token(&self.credentials()?)?;
        self.out.redactor.add(answer.access_token.expose());
        Ok(answer.access_token)
    }
}
