//! The global options: where the API is, who the partner is, how to print.

use std::path::Path;
use std::time::Duration;

use jetpack_partner::client::{DEFAULT_API_BASE, DEFAULT_TIMEOUT};
use jetpack_partner::{Client, Credentials, Secret};
use pico_args::Arguments;

use crate::args::{self, Flag, Parsed, Source};
use crate::output::{Failure, Output};

pub const FLAGS: &[Flag] = &[
    Flag {
        key: "api-base",
        names: &["--api-base"],
        value: Some("URL"),
        env: Some("JETPACK_API_BASE"),
        help: "API base URL (default https://public-api.wordpress.com)\n  \
               (or env JETPACK_START_API_HOST=HOST, as the old scripts read it)",
    },
    Flag {
        key: "start-api-host",
        names: &[],
        value: Some("HOST"),
        env: Some("JETPACK_START_API_HOST"),
        help: "",
    },
    Flag {
        key: "partner-id",
        names: &["--partner-id"],
        value: Some("ID"),
        env: Some("JETPACK_PARTNER_ID"),
        help: "partner ID (the OAuth client id)",
    },
    Flag {
        key: "partner-secret-file",
        names: &["--partner-secret-file"],
        value: Some("PATH"),
        env: None,
        help: "read the partner secret from PATH ('-' reads stdin)",
    },
    Flag {
        key: "partner-secret",
        names: &["--partner-secret"],
        value: Some("VALUE"),
        env: Some("JETPACK_PARTNER_SECRET"),
        help: "the partner secret itself; as a flag, other users see it in ps",
    },
    Flag {
        key: "access-token",
        names: &["--access-token"],
        value: Some("TOKEN"),
        env: Some("JETPACK_ACCESS_TOKEN"),
        help: "use this access token instead of requesting one",
    },
    Flag {
        key: "timeout",
        names: &["--timeout"],
        value: Some("SECS"),
        env: None,
        help: "budget for the whole command, in seconds (default 30)",
    },
    Flag {
        key: "pretty",
        names: &["--pretty"],
        value: None,
        env: None,
        help: "pretty-print JSON answers",
    },
    Flag {
        key: "verbose",
        names: &["-v", "--verbose"],
        value: None,
        env: None,
        help: "trace requests and answers on stderr (secrets shown as ***)",
    },
];

/// The global options, read and checked.
pub struct Globals {
    parsed: Parsed,
    pub out: Output,
    pub verbose: bool,
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
            (Some("-"), _) => Ok(Secret::read_from(
                std::io::stdin().lock(),
                "partner secret on stdin",
            )?),
            (Some(path), _) => Ok(Secret::from_file(Path::new(path), "partner secret")?),
            (None, Some((value, source))) => {
                if let Source::Flag(name) = source {
                    self.out.note(&format!(
                        "jetpack-partner: warning: {name} makes the secret visible to other \
                         users (ps, shell history); use --partner-secret-file PATH, \
                         --partner-secret-file - (stdin) or JETPACK_PARTNER_SECRET"
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
}
