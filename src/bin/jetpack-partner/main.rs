//! `jetpack-partner`: the Jetpack Start partner API from the command line.
//!
//! Thin by design: parse the arguments, call the library, print.

#![forbid(unsafe_code)]

mod args;
mod backup;
mod batch;
mod cancel;
mod compat;
#[cfg(feature = "sandbox")]
mod demo;
mod errors;
mod globals;
mod output;
mod partner_key;
mod provision;
#[cfg(feature = "sandbox")]
mod sandbox;
mod site;
mod ssh_credentials;
mod token;
mod trust;
mod wp_cli;

use std::ffi::OsString;
use std::process::ExitCode;

use pico_args::Arguments;

use args::{Flag, Parsed};
use globals::Globals;
use output::{Failure, Output};

/// A command: its name, one line for the overview, its help, its flags.
pub struct Command {
    name: &'static str,
    summary: &'static str,
    help: &'static str,
    /// Its flag groups: its own, then shared ones (SSH, FTP, WP-CLI).
    flags: &'static [&'static [Flag]],
    run: fn(&Parsed, &Globals) -> Result<(), Failure>,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "token",
        summary: "exchange the partner ID and secret for an access token",
        help: token::HELP,
        flags: token::FLAGS,
        run: token::run,
    },
    Command {
        name: "provision",
        summary: "give a site a plan or product (POST provision)",
        help: provision::HELP,
        flags: provision::FLAGS,
        run: provision::run,
    },
    Command {
        name: "cancel",
        summary: "cancel what this partner provisioned for a site",
        help: cancel::HELP,
        flags: cancel::FLAGS,
        run: cancel::run,
    },
    Command {
        name: "status",
        summary: "show a site's connection and products",
        help: site::STATUS_HELP,
        flags: site::STATUS_FLAGS,
        run: site::status,
    },
    Command {
        name: "upgrade-paths",
        summary: "list the products a site may be given now",
        help: site::UPGRADE_PATHS_HELP,
        flags: site::UPGRADE_PATHS_FLAGS,
        run: site::upgrade_paths,
    },
    Command {
        name: "errors",
        summary: "print the API's error catalogue",
        help: errors::HELP,
        flags: errors::FLAGS,
        run: errors::run,
    },
    Command {
        name: "ssh-credentials",
        summary: "store SSH credentials for Jetpack Backup on a site",
        help: ssh_credentials::HELP,
        flags: ssh_credentials::FLAGS,
        run: ssh_credentials::run,
    },
    Command {
        name: "partner-key new",
        summary: "create a partner sub-key for a bundle (resellers)",
        help: partner_key::HELP,
        flags: partner_key::FLAGS,
        run: partner_key::run,
    },
    Command {
        name: "batch provision",
        summary: "provision many sites from a file; resumable",
        help: batch::HELP_PROVISION,
        flags: batch::FLAGS,
        run: batch::provision,
    },
    Command {
        name: "batch cancel",
        summary: "cancel for many sites from a file; resumable",
        help: batch::HELP_CANCEL,
        flags: batch::FLAGS,
        run: batch::cancel,
    },
    #[cfg(feature = "sandbox")]
    Command {
        name: "sandbox",
        summary: "serve a local fake of the API, for tests and trials",
        help: sandbox::HELP,
        flags: sandbox::FLAGS,
        run: sandbox::run,
    },
    #[cfg(feature = "sandbox")]
    Command {
        name: "demo",
        summary: "walk through the partner flow against a built-in sandbox",
        help: demo::HELP,
        flags: &[],
        run: demo::run,
    },
];

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the API refused (stderr: one JSON line with error_code and error_message)
  2  usage or invalid input; nothing was sent
  3  temporary: network, time-out, rate limit or service unavailable; try later
  4  unexpected answer (not JSON, malformed, too large)
  5  local I/O failure
";

fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut out = Output::default();
    match run(raw, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => out.fail(failure),
    }
}

/// Splits the line into global options and the command's own, so that a
/// command's option (`errors --verbose`) wins over a global of the same
/// name after the command; globals may stand before or after the command.
fn run(raw: Vec<OsString>, out: &mut Output) -> Result<(), Failure> {
    let mut tables: Vec<&[Flag]> = vec![globals::FLAGS];
    tables.extend(COMMANDS.iter().flat_map(|c| c.flags.iter().copied()));
    let args::Normalized {
        args: normalized,
        script_spelling,
    } = args::normalize(raw, &tables)?;
    let Some((at, command, words)) = find_command(&normalized)? else {
        let mut rest = Arguments::from_vec(normalized);
        let help = rest.contains(["-h", "--help"]);
        if rest.contains(["-V", "--version"]) {
            return out.line(concat!("jetpack-partner ", env!("CARGO_PKG_VERSION")));
        }
        if help {
            return out.line(&overview());
        }
        let globals = Globals::take(&mut rest)?;
        *out = globals.out.clone();
        args::finish(rest, "")?;
        return Err(Failure::usage(
            "no command given",
            "see 'jetpack-partner --help'",
        ));
    };
    let mut tail = Arguments::from_vec(normalized[at + words..].to_vec());
    let help = tail.contains(["-h", "--help"]);
    let own = args::take(&mut tail, command.flags)?;
    let mut rest = normalized[..at].to_vec();
    rest.extend(tail.finish());
    let mut rest = Arguments::from_vec(rest);
    let mut globals = Globals::take(&mut rest)?;
    globals.script_spelling = script_spelling;
    *out = globals.out.clone();
    if help {
        return out.line(&command_help(command));
    }
    args::finish(rest, command.name)?;
    (command.run)(&own, &globals)
}

/// The command and where it stands: the first argument that is neither an
/// option nor an option's value. `partner-key new` is two words.
fn find_command(args: &[OsString]) -> Result<Option<(usize, &'static Command, usize)>, Failure> {
    let takes_value = |a: &str| {
        globals::FLAGS
            .iter()
            .any(|f| f.value.is_some() && f.names.contains(&a))
    };
    let mut i = 0;
    while i < args.len() {
        let Some(arg) = args[i].to_str() else {
            return Err(Failure::usage(
                "an argument is not valid UTF-8",
                "check the quoting",
            ));
        };
        if arg.starts_with('-') {
            i += if takes_value(arg) { 2 } else { 1 };
            continue;
        }
        let next = args.get(i + 1).and_then(|a| a.to_str());
        let two = next.map(|n| format!("{arg} {n}"));
        if let Some(c) = COMMANDS.iter().find(|c| Some(c.name) == two.as_deref()) {
            return Ok(Some((i, c, 2)));
        }
        if let Some(c) = COMMANDS.iter().find(|c| c.name == arg) {
            return Ok(Some((i, c, 1)));
        }
        if arg == "partner-key" {
            return Err(Failure::usage(
                "partner-key needs a subcommand",
                "the only one is 'partner-key new'; see 'jetpack-partner partner-key new --help'",
            ));
        }
        if arg == "batch" {
            return Err(Failure::usage(
                "batch needs a subcommand",
                "'batch provision' or 'batch cancel'; see 'jetpack-partner batch provision --help'",
            ));
        }
        let known: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        return Err(Failure::usage(
            format!("unknown command {arg:?}"),
            &format!("the commands are: {}", known.join(", ")),
        ));
    }
    Ok(None)
}

fn command_help(command: &Command) -> String {
    let options = args::help_lines(command.flags);
    let options = if options.is_empty() {
        String::new()
    } else {
        format!("\nOptions:\n{options}")
    };
    let old = if matches!(command.name, "provision" | "cancel") {
        format!("\n{}", compat::help())
    } else {
        String::new()
    };
    format!(
        "{}{options}{old}\nGlobal options (credentials, --api-base, --timeout, --pretty, -v): \
         see 'jetpack-partner --help'.",
        command.help
    )
}

fn overview() -> String {
    let commands: String = COMMANDS
        .iter()
        .map(|c| format!("  {:<16} {}\n", c.name, c.summary))
        .collect();
    format!(
        "jetpack-partner {} - the Jetpack Start partner API from the command line\n\n\
         Usage: jetpack-partner [global options] <command> [options]\n\
         \x20      jetpack-partner <command> --help\n\n\
         Commands:\n{commands}\n\
         Global options (before or after the command):\n{}\n\
         JETPACK_START_API_HOST=HOST, the old scripts' variable, sets the API base to https://HOST.\n\
         -h, --help after a command shows that command's help; -V, --version the version.\n\n\
         Secrets: prefer --partner-secret-file (0600 file, or '-' for stdin) or\n\
         JETPACK_PARTNER_SECRET to --partner-secret, which other users can see in ps.\n\n\
         {EXIT_CODES}",
        env!("CARGO_PKG_VERSION"),
        args::help_lines(&[globals::FLAGS]),
    )
}
