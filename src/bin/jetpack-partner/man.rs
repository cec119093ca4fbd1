//! `man`: the manual page `jetpack-partner.1`, in roff, made from the
//! command table, the flag tables and the help texts (the ones `--help`
//! prints), so that it never lists a command or an option the program does
//! not have, nor misses one.

use crate::args::Flag;
use crate::help::{self, PROGRAM_FLAGS};
use crate::output::Failure;
use crate::{config, globals, Command, COMMANDS, EXIT_CODES};

pub const HELP: &str = "\
Print the manual page of jetpack-partner (roff), made from the same tables
as --help.

Usage: jetpack-partner man

Examples:
  jetpack-partner man | man -l -
  jetpack-partner man > /usr/local/share/man/man1/jetpack-partner.1
";

/// `man`.
pub fn run(words: &[String]) -> Result<String, Failure> {
    help::no_words("man", words)?;
    Ok(page())
}

/// Text for roff: backslashes and hyphen-minus signs escaped (so that
/// options copied from the page work), and a line that would start with a
/// control character protected.
fn roff(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace('\\', "\\e").replace('-', "\\-");
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A help text as roff: paragraphs of prose are filled; those with an
/// indented line (examples, lists) or a usage line are kept as they are.
fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    for paragraph in text.trim_end().split("\n\n") {
        let verbatim =
            paragraph.starts_with("Usage:") || paragraph.lines().any(|l| l.starts_with(' '));
        out.push_str(".PP\n");
        if verbatim {
            out.push_str(&format!(".nf\n{}\n.fi\n", roff(paragraph)));
        } else {
            out.push_str(&format!("{}\n", roff(paragraph)));
        }
    }
    out
}

/// An option's tag: its names in bold, its value's placeholder in italics.
fn tag(flag: &Flag) -> String {
    let names: Vec<String> = flag
        .names
        .iter()
        .map(|n| format!("\\fB{}\\fR", roff(n)))
        .collect();
    match flag.value {
        Some(value) => format!("{} \\fI{}\\fR", names.join(", "), roff(value)),
        None => names.join(", "),
    }
}

/// An option as a tagged paragraph.
fn option(flag: &Flag) -> String {
    let mut text = roff(&flag.help.replace('\n', " "));
    if let Some(var) = flag.env {
        text.push_str(&format!(" (environment: \\fB{}\\fR)", roff(var)));
    }
    format!(".TP\n{}\n{text}\n", tag(flag))
}

fn options(flags: impl Iterator<Item = &'static Flag>) -> String {
    flags.filter(|f| !f.names.is_empty()).map(option).collect()
}

fn command(command: &Command) -> String {
    format!(".SS {}\n{}", roff(command.name), paragraphs(command.help))
}

/// Every environment variable the flag tables read, with what it sets.
fn environment() -> String {
    let mut out = String::new();
    let flags = globals::FLAGS.iter().chain(
        COMMANDS
            .iter()
            .flat_map(|c| c.flags.iter().flat_map(|g| g.iter())),
    );
    let mut seen: Vec<&str> = Vec::new();
    for flag in flags {
        let Some(var) = flag.env.filter(|v| !seen.contains(v)) else {
            continue;
        };
        seen.push(var);
        let what = match flag.names.first() {
            Some(name) => format!(
                "As {}: {}.",
                roff(name),
                roff(&flag.help.replace('\n', " "))
            ),
            None => roff(help::START_API_HOST),
        };
        out.push_str(&format!(".TP\n.B {}\n{what}\n", roff(var)));
    }
    out.push_str(&format!(
        ".PP\nEach of these but \\fBJETPACK_PARTNER_CONFIG\\fR may also be set in the config \
         file (see \\fBFILES\\fR); an option wins over its variable, and a variable over the \
         config file.\n\
         .TP\n\\fBHTTPS_PROXY\\fR, \\fBHTTP_PROXY\\fR, \\fBALL_PROXY\\fR, \\fBNO_PROXY\\fR\n\
         {}\n\
         .TP\n\\fBXDG_CONFIG_HOME\\fR, \\fBHOME\\fR\n\
         {}\n\
         .TP\n.B XDG_CACHE_HOME\n\
         {}\n",
        roff("The usual proxy variables; an API base on this machine never goes through a proxy."),
        roff("Where the user's config file is looked for (see FILES)."),
        roff("Where the token cache is kept (else ~/.cache/jetpack-partner)."),
    ));
    out
}

fn files() -> String {
    format!(
        ".TP\n\\fI$XDG_CONFIG_HOME/{user}\\fR, else \\fI~/.config/{user}\\fR\n\
         {}\n\
         .TP\n.I {system}\n\
         {}\n\
         .TP\n.I ~/.cache/jetpack\\-partner/\n\
         {}\n",
        roff(
            "The user's config file, read when no --config FILE or JETPACK_PARTNER_CONFIG \
             names one. It holds KEY=VALUE lines whose keys are the environment variables' \
             names (see ENVIRONMENT). Blank lines and lines starting with # are skipped. A \
             value is everything after the first =, as it stands, except that one pair of \
             double or single quotes around all of it is removed, as systemd's \
             EnvironmentFile= does. An unknown key, a line without =, or a key given twice is \
             an error naming the file and the line. The file must be owned by the user or by \
             root and not be writable by group or others; one that holds \
             JETPACK_PARTNER_SECRET or JETPACK_ACCESS_TOKEN and that others may read gets a \
             warning. At most 64 KiB."
        ),
        roff("The system's config file, read when the user has none."),
        roff("The token cache (see --token-cache)."),
        user = roff(config::USER_PATH),
        system = roff(config::SYSTEM_PATH),
    )
}

/// The exit codes, from the table `--help` prints.
fn exit_status() -> String {
    EXIT_CODES
        .lines()
        .filter_map(|line| {
            let (code, meaning) = line.trim_start().split_once("  ")?;
            code.parse::<u8>().ok()?;
            Some(format!(".TP\n.B {code}\n{}\n", roff(meaning.trim())))
        })
        .collect()
}

/// The whole page.
pub fn page() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let commands: String = COMMANDS.iter().map(command).collect();
    let mut per_command = String::new();
    for c in COMMANDS {
        let flags = options(c.flags.iter().flat_map(|g| g.iter()));
        if !flags.is_empty() {
            per_command.push_str(&format!(".SS {} options\n{flags}", roff(c.name)));
        }
    }
    format!(
        ".TH JETPACK\\-PARTNER 1 \"\" \"jetpack\\-partner {version}\" \"User Commands\"\n\
         .SH NAME\n\
         jetpack\\-partner \\- the Jetpack Start partner API from the command line\n\
         .SH SYNOPSIS\n\
         .B jetpack\\-partner\n\
         [\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR]\n\
         .br\n\
         .B jetpack\\-partner help\n\
         [\\fIcommand\\fR]\n\
         .SH DESCRIPTION\n\
         {description}\
         .SH COMMANDS\n\
         {commands}\
         .SH OPTIONS\n\
         .SS Global options\n\
         {}\n\
         {}\
         {per_command}\
         .SH ENVIRONMENT\n\
         {}\
         .SH FILES\n\
         {}\
         .SH \"EXIT STATUS\"\n\
         {}\
         .SH \"SEE ALSO\"\n\
         {}\n",
        roff("Global options may stand before or after the command."),
        options(globals::FLAGS.iter().chain(PROGRAM_FLAGS)),
        environment(),
        files(),
        exit_status(),
        roff(
            "The README of the source distribution, for the token cache, retries, the batch \
             journal and the sandbox."
        ),
        description = paragraphs(DESCRIPTION),
    )
}

const DESCRIPTION: &str = "\
jetpack-partner calls the Jetpack Start partner API, with which hosting
companies sell Jetpack plans for their customers' WordPress sites: it
requests a token, provisions and cancels plans, shows a site's status, and
runs resumable batches. Each command prints the API's JSON answer on stdout
and reports a failure on stderr with its own exit status.

Each setting comes from its option, else its environment variable, else the
config file, else its default. Secrets are best kept in a file only the user
can read (--partner-secret-file, JETPACK_PARTNER_SECRET_FILE) or in the
environment; --partner-secret puts the secret where other users can see it.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_escapes_what_roff_would_eat() {
        assert_eq!(roff("--site a\\b"), "\\-\\-site a\\eb");
        assert_eq!(roff(".start\n'quote\nplain"), "\\&.start\n\\&'quote\nplain");
    }

    #[test]
    fn the_page_has_every_section() {
        let page = page();
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH COMMANDS",
            ".SH OPTIONS",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH \"EXIT STATUS\"",
        ] {
            assert!(page.contains(section), "{section}");
        }
        assert!(page.contains(".TP\n.B 5\n"), "exit status 5");
    }
}
