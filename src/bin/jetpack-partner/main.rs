//! `jetpack-partner`: the Jetpack Start partner API from the command line.
//!
//! Thin by design: parse the arguments, call the library, print.

#![forbid(unsafe_code)]

mod activity;
mod archive;
mod args;
mod backup;
mod batch;
mod cancel;
mod compat;
mod completions;
mod config;
mod connection;
#[cfg(feature = "sandbox")]
mod demo;
mod doctor;
mod errors;
mod follow;
mod globals;
mod help;
mod login;
mod magic_link;
mod man;
mod monitor;
mod output;
mod partner_key;
mod provision;
mod reconcile;
mod report;
mod restore;
mod rewind;
#[cfg(feature = "sandbox")]
mod sandbox;
mod scan;
mod site;
mod ssh_credentials;
mod suggest;
mod token;
mod trust;
mod user;
mod wp_cli;

use std::ffi::OsString;
use std::process::ExitCode;

use pico_args::Arguments;

use args::{Args, Flag};
use globals::Globals;
use output::{Failure, Output, Problem, Problems};

/// A command: its name, one line for the overview, its help, its flags.
/// The same table drives parsing, `--help`, the man page and the shell
/// completions.
pub struct Command {
    name: &'static str,
    summary: &'static str,
    help: &'static str,
    /// Its flag groups: its own, then shared ones (SSH, FTP, WP-CLI).
    flags: &'static [&'static [Flag]],
    run: Run,
}

/// What a command does once its options are read.
#[derive(Clone, Copy)]
pub enum Run {
    /// Works with the API (or serves it): the global options, the
    /// environment and the config file are read and checked first; then
    /// its check (the first function) records what its options need of
    /// each other (one is required, one needs another) with every other
    /// usage problem, before the second runs it.
    Api(
        fn(&mut Args, &mut Problems),
        fn(&Args, &Globals) -> Result<(), Failure>,
    ),
    /// Prints a text about the program itself, from the words after its
    /// name. It reads no settings, so a broken config file never hides the
    /// help.
    Meta {
        words: Words,
        run: fn(&[String]) -> Result<String, Failure>,
    },
}

/// What a meta command takes after its name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Words {
    None,
    /// A command's name (one or two words), optional.
    Command,
    /// One of [`completions::SHELLS`].
    Shell,
}

impl Words {
    /// As the usage line shows it.
    pub fn placeholder(self) -> String {
        match self {
            Words::None => String::new(),
            Words::Command => "[COMMAND]".to_owned(),
            Words::Shell => completions::SHELLS.join("|"),
        }
    }
}

const COMMANDS: &[Command] = &[
    Command {
        name: "token",
        summary: "exchange the partner ID and secret for an access token",
        help: token::HELP,
        flags: token::FLAGS,
        run: Run::Api(args::unchecked, token::run),
    },
    Command {
        name: "login",
        summary: "sign in as the partner's WordPress.com user (scan actions, reporting)",
        help: login::LOGIN_HELP,
        flags: login::LOGIN_FLAGS,
        run: Run::Api(login::check_login, login::login),
    },
    Command {
        name: "logout",
        summary: "forget the WordPress.com user's token that login kept",
        help: login::LOGOUT_HELP,
        flags: login::LOGOUT_FLAGS,
        run: Run::Api(args::unchecked, login::logout),
    },
    Command {
        name: "doctor",
        summary: "check what calls need on this machine, and say how to fix what fails",
        help: doctor::HELP,
        flags: doctor::FLAGS,
        run: Run::Api(doctor::check, doctor::run),
    },
    Command {
        name: "provision",
        summary: "give a site a plan or product (POST provision)",
        help: provision::HELP,
        flags: provision::FLAGS,
        run: Run::Api(provision::check, provision::run),
    },
    Command {
        name: "cancel",
        summary: "cancel what this partner provisioned for a site",
        help: cancel::HELP,
        flags: cancel::FLAGS,
        run: Run::Api(cancel::check, cancel::run),
    },
    Command {
        name: "status",
        summary: "show a site's connection and products",
        help: site::STATUS_HELP,
        flags: site::STATUS_FLAGS,
        run: Run::Api(site::check, site::status),
    },
    Command {
        name: "upgrade-paths",
        summary: "list the products a site may be given now",
        help: site::UPGRADE_PATHS_HELP,
        flags: site::UPGRADE_PATHS_FLAGS,
        run: Run::Api(site::check, site::upgrade_paths),
    },
    Command {
        name: "connection",
        summary: "tell whether Jetpack connects a site, and its blog ID",
        help: connection::HELP,
        flags: connection::FLAGS,
        run: Run::Api(connection::check, connection::run),
    },
    Command {
        name: "backup list",
        summary: "list a site's last 10 backup attempts",
        help: rewind::LIST_HELP,
        flags: rewind::LIST_FLAGS,
        run: Run::Api(rewind::check_site, rewind::list),
    },
    Command {
        name: "backup download",
        summary: "ask for an archive of a backup; --wait for its link",
        help: rewind::DOWNLOAD_HELP,
        flags: rewind::DOWNLOAD_FLAGS,
        run: Run::Api(rewind::check_download, rewind::download),
    },
    Command {
        name: "restore start",
        summary: "restore a site to a point in time; --wait to follow it",
        help: restore::START_HELP,
        flags: restore::START_FLAGS,
        run: Run::Api(restore::check_start, restore::start),
    },
    Command {
        name: "restore status",
        summary: "show where a restore stands; --wait to follow it",
        help: restore::STATUS_HELP,
        flags: restore::STATUS_FLAGS,
        run: Run::Api(restore::check_status, restore::status),
    },
    Command {
        name: "activity list",
        summary: "list a site's activity log (restore points among it)",
        help: activity::LIST_HELP,
        flags: activity::LIST_FLAGS,
        run: Run::Api(activity::check_list, activity::list),
    },
    Command {
        name: "activity counts",
        summary: "count a site's activity log by group",
        help: activity::COUNTS_HELP,
        flags: activity::COUNTS_FLAGS,
        run: Run::Api(rewind::check_site, activity::counts),
    },
    Command {
        name: "activity show",
        summary: "show one entry of a site's activity log",
        help: activity::SHOW_HELP,
        flags: activity::SHOW_FLAGS,
        run: Run::Api(activity::check_show, activity::show),
    },
    Command {
        name: "errors",
        summary: "print the API's error catalogue",
        help: errors::HELP,
        flags: errors::FLAGS,
        run: Run::Api(args::unchecked, errors::run),
    },
    Command {
        name: "ssh-credentials",
        summary: "store SSH credentials for Jetpack Backup on a site",
        help: ssh_credentials::HELP,
        flags: ssh_credentials::FLAGS,
        run: Run::Api(ssh_credentials::check, ssh_credentials::run),
    },
    Command {
        name: "partner-key new",
        summary: "create a partner sub-key for a bundle (resellers)",
        help: partner_key::HELP,
        flags: partner_key::FLAGS,
        run: Run::Api(partner_key::check, partner_key::run),
    },
    Command {
        name: "user create",
        summary: "create a WordPress.com account and keep its token",
        help: user::HELP,
        flags: user::FLAGS,
        run: Run::Api(user::check, user::run),
    },
    Command {
        name: "magic-link",
        summary: "e-mail a login link for the WordPress app",
        help: magic_link::HELP,
        flags: magic_link::FLAGS,
        run: Run::Api(magic_link::check, magic_link::run),
    },
    Command {
        name: "report activations",
        summary: "list the sites a partner key activated (user token)",
        help: report::ACTIVATIONS_HELP,
        flags: report::ACTIVATIONS_FLAGS,
        run: Run::Api(report::check_activations, report::run_activations),
    },
    Command {
        name: "report activation-counts",
        summary: "count a key's activations per day, month or year (user token)",
        help: report::COUNTS_HELP,
        flags: report::COUNTS_FLAGS,
        run: Run::Api(report::check_counts, report::run_counts),
    },
    Command {
        name: "report invoices",
        summary: "print a partner key's past invoices (user token)",
        help: report::INVOICES_HELP,
        flags: report::INVOICE_FLAGS,
        run: Run::Api(report::check_invoices, report::run_invoices),
    },
    Command {
        name: "report upcoming-invoice",
        summary: "print a partner key's next invoice (user token)",
        help: report::UPCOMING_HELP,
        flags: report::INVOICE_FLAGS,
        run: Run::Api(report::check_invoices, report::run_upcoming),
    },
    Command {
        name: "batch provision",
        summary: "provision many sites from a file; resumable",
        help: batch::HELP_PROVISION,
        flags: batch::FLAGS,
        run: Run::Api(batch::check, batch::provision),
    },
    Command {
        name: "batch cancel",
        summary: "cancel for many sites from a file; resumable",
        help: batch::HELP_CANCEL,
        flags: batch::FLAGS,
        run: Run::Api(batch::check, batch::cancel),
    },
    Command {
        name: "batch backups",
        summary: "check many sites' backups from a file: last status and age",
        help: batch::HELP_BACKUPS,
        flags: batch::BACKUPS_FLAGS,
        run: Run::Api(batch::check_health, batch::backups),
    },
    Command {
        name: "batch scan",
        summary: "check many sites' Jetpack Scan from a file: open threats",
        help: batch::HELP_SCAN,
        flags: batch::SCAN_FLAGS,
        run: Run::Api(batch::check_health, batch::scan),
    },
    Command {
        name: "reconcile",
        summary: "bring many sites to a desired state: the plan, then --apply",
        help: reconcile::HELP,
        flags: reconcile::FLAGS,
        run: Run::Api(reconcile::check, reconcile::run),
    },
    Command {
        name: "scan status",
        summary: "show a site's Jetpack Scan: scanner state, threats, last scan",
        help: scan::STATUS_HELP,
        flags: scan::SITE_FLAGS,
        run: Run::Api(scan::check, scan::status),
    },
    Command {
        name: "scan start",
        summary: "queue a Jetpack Scan scan of a site (a user's token)",
        help: scan::START_HELP,
        flags: scan::SITE_FLAGS,
        run: Run::Api(scan::check, scan::start),
    },
    Command {
        name: "threat fix",
        summary: "fix threats Jetpack Scan found, and with --wait follow the fixes",
        help: scan::FIX_HELP,
        flags: scan::FIX_FLAGS,
        run: Run::Api(scan::check_fix, scan::fix),
    },
    Command {
        name: "threat ignore",
        summary: "mark a threat Jetpack Scan found as ignored (a user's token)",
        help: scan::IGNORE_HELP,
        flags: scan::IGNORE_FLAGS,
        run: Run::Api(scan::check_ignore, scan::ignore),
    },
    Command {
        name: "monitor serve",
        summary: "receive Jetpack Monitor's downtime notifications (a webhook)",
        help: monitor::HELP,
        flags: monitor::FLAGS,
        run: Run::Api(monitor::check, monitor::run),
    },
    #[cfg(feature = "sandbox")]
    Command {
        name: "sandbox",
        summary: "serve a local fake of the API, for tests and trials",
        help: sandbox::HELP,
        flags: sandbox::FLAGS,
        run: Run::Api(sandbox::check, sandbox::run),
    },
    #[cfg(feature = "sandbox")]
    Command {
        name: "demo",
        summary: "walk through the partner flow against a built-in sandbox",
        help: demo::HELP,
        flags: &[],
        run: Run::Api(args::unchecked, demo::run),
    },
    Command {
        name: "help",
        summary: "show this overview, or a command's help",
        help: help::HELP,
        flags: &[],
        run: Run::Meta {
            words: Words::Command,
            run: help::run,
        },
    },
    Command {
        name: "version",
        summary: "print the version (as --version does)",
        help: help::VERSION_HELP,
        flags: &[],
        run: Run::Meta {
            words: Words::None,
            run: help::version,
        },
    },
    Command {
        name: "completions",
        summary: "print a completion script for bash, zsh or fish",
        help: completions::HELP,
        flags: &[],
        run: Run::Meta {
            words: Words::Shell,
            run: completions::run,
        },
    },
    Command {
        name: "man",
        summary: "print the manual page (roff)",
        help: man::HELP,
        flags: &[],
        run: Run::Meta {
            words: Words::None,
            run: man::run,
        },
    },
];

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the API refused (stderr: one JSON line with error_code and error_message),
     or an operation followed with --wait ended without success
  2  usage or invalid input; nothing was sent
  3  temporary: network, time-out, rate limit or service unavailable; try later;
     or --wait ran out (still_running: the operation goes on)
  4  unexpected answer (not JSON, malformed, too large)
  5  local I/O failure
  6  reconcile --detailed-exitcode: the plan has changes to apply
";

fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut out = Output::default();
    match run(raw, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => out.fail(failure),
    }
}

/// Splits the line into global options and the command's own: a
/// command's options stand after its name; globals may stand before or
/// after it. Every usage problem is collected and reported together,
/// before the command starts (so before it looks for credentials).
fn run(raw: Vec<OsString>, out: &mut Output) -> Result<(), Failure> {
    let mut tables: Vec<&[Flag]> = vec![globals::FLAGS];
    tables.extend(COMMANDS.iter().flat_map(|c| c.flags.iter().copied()));
    let mut problems = Problems::default();
    let args::Normalized {
        args: normalized,
        script_spelling,
    } = args::normalize(raw, &tables, &mut problems);
    match find_command(&normalized)? {
        Found::Nothing => no_command(normalized, problems, out),
        Found::Group(group) => print(out, &help::group(group)),
        Found::Command(at, command, words) => {
            let mut before = Arguments::from_vec(normalized[..at].to_vec());
            let mut after = Arguments::from_vec(normalized[at + words..].to_vec());
            let help_flag = &help::HELP_FLAG;
            if take_switch(&mut after, help_flag) | take_switch(&mut before, help_flag) {
                return print(out, &help::command(command));
            }
            let invocation = Invocation {
                line: &normalized,
                before,
                after,
                script_spelling,
                problems,
            };
            match command.run {
                Run::Api(check, run) => run_api(command, check, run, invocation, out),
                Run::Meta { run, .. } => run_meta(command, run, invocation, out),
            }
        }
    }
}

/// A command line around its command's name.
struct Invocation<'a> {
    /// The whole line, normalized.
    line: &'a [OsString],
    before: Arguments,
    after: Arguments,
    script_spelling: bool,
    /// What is wrong with it so far.
    problems: Problems,
}

/// A command that works with the API: its options (after its name), the
/// global ones (anywhere), the environment and the config file are read;
/// every usage problem is reported at once; then it runs.
fn run_api(
    command: &Command,
    check: fn(&mut Args, &mut Problems),
    run: fn(&Args, &Globals) -> Result<(), Failure>,
    invocation: Invocation,
    out: &mut Output,
) -> Result<(), Failure> {
    let Invocation {
        line,
        before,
        mut after,
        script_spelling,
        mut problems,
    } = invocation;
    let mut args = Args::default();
    args.script_spelling = script_spelling;
    args::take(&mut after, command.flags, &mut args, &mut problems);
    let mut rest = before.finish();
    rest.extend(after.finish());
    let mut rest = Arguments::from_vec(rest);
    args::take(&mut rest, &[globals::FLAGS], &mut args, &mut problems);
    out.pretty = args.pretty;
    let (name, flags) = (command.name, command.flags);
    globals::settle(&mut args, flags, out, &mut problems)?;
    args::finish(rest, line, name, globals::FLAGS, flags, &mut problems);
    check(&mut args, &mut problems);
    problems.into_result()?;
    run(&args, &Globals::new(&args, out.clone()))
}

/// No command: `--version`, `--help`, or a usage error with whatever else
/// is wrong.
fn no_command(
    normalized: Vec<OsString>,
    mut problems: Problems,
    out: &mut Output,
) -> Result<(), Failure> {
    let mut rest = Arguments::from_vec(normalized.clone());
    let help = take_switch(&mut rest, &help::HELP_FLAG);
    if take_switch(&mut rest, &help::VERSION_FLAG) {
        return out.line(&help::version_line());
    }
    if help {
        return print(out, &help::overview());
    }
    let mut args = Args::default();
    args::take(&mut rest, &[globals::FLAGS], &mut args, &mut problems);
    out.pretty = args.pretty;
    globals::settle(&mut args, &[], out, &mut problems)?;
    args::finish(rest, &normalized, "", globals::FLAGS, &[], &mut problems);
    problems.push(Problem::new(
        "no command given",
        "see 'jetpack-partner help'",
    ));
    problems.into_result()
}

/// A meta command: the words after it (the global options are accepted
/// and ignored); what it returns goes to stdout.
fn run_meta(
    command: &Command,
    run: fn(&[String]) -> Result<String, Failure>,
    invocation: Invocation,
    out: &Output,
) -> Result<(), Failure> {
    let Invocation {
        before,
        after,
        mut problems,
        ..
    } = invocation;
    let mut rest = before.finish();
    rest.extend(after.finish());
    let mut rest = Arguments::from_vec(rest);
    let (mut ignored, mut no_problems) = (Args::default(), Problems::default());
    args::take(&mut rest, &[globals::FLAGS], &mut ignored, &mut no_problems);
    let mut words = Vec::new();
    for arg in rest.finish() {
        let arg = arg.to_string_lossy().into_owned();
        if arg.starts_with('-') && arg != "-" {
            problems.push(args::unknown_option(&arg, command.name, &[], &[]));
        } else {
            words.push(arg);
        }
    }
    problems.into_result()?;
    print(out, &run(&words)?)
}

/// Prints a text on stdout, ending in one line end.
fn print(out: &Output, text: &str) -> Result<(), Failure> {
    out.line(text.trim_end_matches('\n'))
}

/// Takes every spelling of a switch out of `args`.
fn take_switch(args: &mut Arguments, flag: &Flag) -> bool {
    let mut found = false;
    for &name in flag.names {
        while args.contains(name) {
            found = true;
        }
    }
    found
}

/// What the first word that is not an option names.
enum Found {
    Nothing,
    /// A command, where its name starts, and how many words it has.
    Command(usize, &'static Command, usize),
    /// A group of two-word commands (`batch`), whose help was asked for.
    Group(&'static str),
}

/// The command and where it stands: the first argument that is neither an
/// option nor an option's value. `partner-key new` is two words.
fn find_command(args: &[OsString]) -> Result<Found, Failure> {
    let is_global = |a: &str| globals::FLAGS.iter().find(|f| f.names.contains(&a));
    let help_asked = || {
        args.iter()
            .any(|a| help::HELP_FLAG.names.iter().any(|n| a == n))
    };
    let mut after_unknown_option = false;
    let mut i = 0;
    while i < args.len() {
        let Some(arg) = args[i].to_str() else {
            return Err(Failure::usage(
                "an argument is not valid UTF-8",
                "check the quoting",
            ));
        };
        if arg.starts_with('-') && arg != "-" {
            let global = is_global(arg);
            after_unknown_option = global.is_none();
            i += if global.is_some_and(|f| f.value.is_some()) {
                2
            } else {
                1
            };
            continue;
        }
        let next = args.get(i + 1).and_then(|a| a.to_str());
        match lookup(arg, next) {
            Ok((command, words)) => return Ok(Found::Command(i, command, words)),
            Err(Miss::Group(group)) if help_asked() => return Ok(Found::Group(group)),
            // Most likely the value of a mistyped option, which is reported
            // with the other problems.
            Err(Miss::Unknown) if after_unknown_option => {
                after_unknown_option = false;
                i += 1;
            }
            Err(miss) => return Err(miss.failure(arg, next)),
        }
    }
    Ok(Found::Nothing)
}

/// A word that names no command.
pub enum Miss {
    /// A group of two-word commands, without one of its subcommands.
    Group(&'static str),
    /// A command this build leaves out.
    LeftOut,
    Unknown,
}

/// Looks `word` up as a command, or with `next` as a two-word command: the
/// command and how many words it took.
pub fn lookup(word: &str, next: Option<&str>) -> Result<(&'static Command, usize), Miss> {
    if let Some(next) = next {
        let two = format!("{word} {next}");
        if let Some(c) = COMMANDS.iter().find(|c| c.name == two) {
            return Ok((c, 2));
        }
    }
    if let Some(c) = COMMANDS.iter().find(|c| c.name == word) {
        return Ok((c, 1));
    }
    if let Some(group) = groups().into_iter().find(|&g| g == word) {
        return Err(Miss::Group(group));
    }
    if !cfg!(feature = "sandbox") && SANDBOX_COMMANDS.contains(&word) {
        return Err(Miss::LeftOut);
    }
    Err(Miss::Unknown)
}

impl Miss {
    /// The usage error for `word` (and the word after it).
    pub fn failure(self, word: &str, next: Option<&str>) -> Failure {
        match self {
            Miss::Group(group) => group_failure(group, next),
            Miss::LeftOut => {
                let (message, hint) = sandbox_left_out(word);
                Failure::usage(message, &hint)
            }
            Miss::Unknown => unknown_command(word, next),
        }
    }
}

/// The first words of the two-word commands: `partner-key`, `batch`,
/// `scan`, `threat`.
pub fn groups() -> Vec<&'static str> {
    let mut groups: Vec<&str> = Vec::new();
    for first in COMMANDS.iter().filter_map(|c| c.name.split_once(' ')) {
        if !groups.contains(&first.0) {
            groups.push(first.0);
        }
    }
    groups
}

/// The commands of a group, by their whole names.
pub fn subcommands(group: &str) -> Vec<&'static Command> {
    COMMANDS
        .iter()
        .filter(|c| c.name.split_once(' ').is_some_and(|(g, _)| g == group))
        .collect()
}

/// The words a command line may start with: the one-word commands and the
/// groups.
pub fn first_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = COMMANDS
        .iter()
        .map(|c| c.name)
        .filter(|n| !n.contains(' '))
        .collect();
    words.extend(groups());
    words
}

fn unknown_command(word: &str, next: Option<&str>) -> Failure {
    let near = suggest::did_you_mean(word, first_words(), |candidate| {
        // `bach provision` means 'batch provision'.
        match next {
            Some(next)
                if subcommands(candidate)
                    .iter()
                    .any(|c| c.name.ends_with(&format!(" {next}"))) =>
            {
                format!("{candidate} {next}")
            }
            _ => candidate.to_owned(),
        }
    });
    let known: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    Failure::usage(
        format!("unknown command {word:?}{near}"),
        &format!(
            "the commands are: {}; see 'jetpack-partner help'",
            known.join(", ")
        ),
    )
}

/// A group without a subcommand, or with one it does not have.
fn group_failure(group: &str, next: Option<&str>) -> Failure {
    let subcommands = subcommands(group);
    let names: Vec<String> = subcommands
        .iter()
        .map(|c| format!("'{}'", c.name))
        .collect();
    let hint = format!(
        "the subcommands are {}; see 'jetpack-partner {group} --help'",
        names.join(" and ")
    );
    match next.filter(|n| !n.starts_with('-')) {
        None => Failure::usage(format!("{group} needs a subcommand"), &hint),
        Some(word) => {
            let seconds = subcommands
                .iter()
                .filter_map(|c| c.name.split_once(' ').map(|(_, s)| s));
            let near = suggest::did_you_mean(word, seconds, |s| format!("'{group} {s}'"));
            Failure::usage(format!("unknown {group} subcommand {word:?}{near}"), &hint)
        }
    }
}

/// The commands that exist only with the `sandbox` feature.
const SANDBOX_COMMANDS: &[&str] = &["sandbox", "demo"];

/// What a build without the sandbox answers to `sandbox` and `demo`.
fn sandbox_left_out(command: &str) -> (String, String) {
    (
        format!(
            "this build of jetpack-partner leaves the sandbox out, so it has no '{command}' \
             command (it was built with --no-default-features --features cli, as the static release is)"
        ),
        "build it with the default features, e.g. 'cargo build --release', or run \
         'cargo run --release -- demo' from the source"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_left_out_sandbox_message_says_how_to_get_it() {
        let (message, hint) = sandbox_left_out("demo");
        assert!(message.contains("leaves the sandbox out"), "{message}");
        assert!(message.contains("'demo'"), "{message}");
        assert!(hint.contains("cargo build --release"), "{hint}");
        assert!(hint.contains("cargo run --release -- demo"), "{hint}");
    }

    #[cfg(feature = "sandbox")]
    #[test]
    fn with_the_sandbox_demo_and_sandbox_are_commands() {
        for word in SANDBOX_COMMANDS {
            assert!(
                matches!(lookup(word, None), Ok((c, 1)) if c.name == *word),
                "{word}"
            );
        }
    }

    #[cfg(not(feature = "sandbox"))]
    #[test]
    fn without_the_sandbox_demo_and_sandbox_say_it_is_left_out() {
        for word in SANDBOX_COMMANDS {
            let Err(miss @ Miss::LeftOut) = lookup(word, None) else {
                panic!("{word}: not left out");
            };
            let Failure::Usage { message, hint } = miss.failure(word, None) else {
                panic!("{word}: not a usage error");
            };
            assert_eq!((message, hint), sandbox_left_out(word));
        }
    }

    #[test]
    fn groups_come_from_the_two_word_commands() {
        assert_eq!(
            groups(),
            [
                "backup",
                "restore",
                "activity",
                "partner-key",
                "user",
                "report",
                "batch",
                "scan",
                "threat",
                "monitor"
            ]
        );
        let batch: Vec<&str> = subcommands("batch").iter().map(|c| c.name).collect();
        assert_eq!(
            batch,
            [
                "batch provision",
                "batch cancel",
                "batch backups",
                "batch scan"
            ]
        );
    }

    #[test]
    fn a_mistyped_command_or_subcommand_gets_a_suggestion() {
        let message = |failure: Failure| match failure {
            Failure::Usage { message, .. } => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(unknown_command("provison", None)),
            "unknown command \"provison\"; did you mean provision?"
        );
        assert_eq!(
            message(unknown_command("bach", Some("cancel"))),
            "unknown command \"bach\"; did you mean batch cancel?"
        );
        assert_eq!(
            message(unknown_command("frobnicate", None)),
            "unknown command \"frobnicate\""
        );
        assert_eq!(
            message(group_failure("batch", Some("provison"))),
            "unknown batch subcommand \"provison\"; did you mean 'batch provision'?"
        );
        assert_eq!(
            message(group_failure("batch", None)),
            "batch needs a subcommand"
        );
    }
}
