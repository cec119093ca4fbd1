//! `jetpack-partner`: the Jetpack Start partner API from the command line.
//!
//! Thin by design: parse the arguments, call the library, print.

#![forbid(unsafe_code)]

mod args;
#[cfg(feature = "sandbox")]
mod demo;
mod globals;
mod output;
#[cfg(feature = "sandbox")]
mod sandbox;
mod token;

use std::process::ExitCode;

use pico_args::Arguments;

use args::Flag;
use globals::Globals;
use output::{Failure, Output};

/// A command: its name, one line for the overview, its help, its flags.
struct Command {
    name: &'static str,
    summary: &'static str,
    help: &'static str,
    flags: &'static [Flag],
    run: fn(Arguments, &Globals) -> Result<(), Failure>,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "token",
        summary: "exchange the partner ID and secret for an access token",
        help: token::HELP,
        flags: token::FLAGS,
        run: token::run,
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
    let mut args = Arguments::from_env();
    let globals = match Globals::take(&mut args) {
        Ok(globals) => globals,
        Err(failure) => return Output::default().fail(failure),
    };
    match run(args, &globals) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => globals.out.fail(failure),
    }
}

fn run(mut args: Arguments, globals: &Globals) -> Result<(), Failure> {
    let name = args.subcommand().map_err(|_| {
        Failure::usage(
            "the command is not valid UTF-8",
            "see 'jetpack-partner --help'",
        )
    })?;
    let help = args.contains(["-h", "--help"]);
    let Some(name) = name else {
        if args.contains(["-V", "--version"]) {
            return globals
                .out
                .line(concat!("jetpack-partner ", env!("CARGO_PKG_VERSION")));
        }
        if help {
            return globals.out.line(&overview());
        }
        return Err(Failure::usage(
            "no command given",
            "see 'jetpack-partner --help'",
        ));
    };
    let Some(command) = COMMANDS.iter().find(|c| c.name == name) else {
        let known: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        return Err(Failure::usage(
            format!("unknown command {name:?}"),
            &format!("the commands are: {}", known.join(", ")),
        ));
    };
    if help {
        let options = args::help_lines(command.flags);
        let options = if options.is_empty() {
            String::new()
        } else {
            format!("\nOptions:\n{options}")
        };
        return globals.out.line(&format!(
            "{}{options}\nGlobal options: see 'jetpack-partner --help'.",
            command.help
        ));
    }
    (command.run)(args, globals)
}

fn overview() -> String {
    let commands: String = COMMANDS
        .iter()
        .map(|c| format!("  {:<10} {}\n", c.name, c.summary))
        .collect();
    format!(
        "jetpack-partner {} - the Jetpack Start partner API from the command line\n\n\
         Usage: jetpack-partner [global options] <command> [options]\n\
         \x20      jetpack-partner <command> --help\n\n\
         Commands:\n{commands}\n\
         Global options:\n{}\n\
         -h, --help after a command shows that command's help; -V, --version the version.\n\n\
         Secrets: prefer --partner-secret-file (0600 file, or '-' for stdin) or\n\
         JETPACK_PARTNER_SECRET to --partner-secret, which other users can see in ps.\n\n\
         {EXIT_CODES}",
        env!("CARGO_PKG_VERSION"),
        args::help_lines(globals::FLAGS),
    )
}
