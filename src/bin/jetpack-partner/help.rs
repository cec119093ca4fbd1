//! The help texts: the overview, a command's help, a group's, and the
//! `help` and `version` commands. All of them come from the command table
//! and the flag tables, as the man page and the completions do.

use crate::args::{self, Flag};
use crate::output::Failure;
use crate::{compat, globals, Command, Miss, Run, COMMANDS, EXIT_CODES};

/// `-h`, `--help`: the overview, or after a command its help.
pub const HELP_FLAG: Flag = Flag::main(
    &["-h", "--help"],
    "show this help; after a command, that command's help",
);

/// `-V`, `--version`.
pub const VERSION_FLAG: Flag = Flag::main(&["-V", "--version"], "print the version");

/// What `JETPACK_START_API_HOST` (a variable without an option) does.
pub const START_API_HOST: &str =
    "JETPACK_START_API_HOST=HOST, the old scripts' variable, sets the API base to https://HOST.";

/// The options every invocation takes besides the global ones.
pub const PROGRAM_FLAGS: &[Flag] = &[HELP_FLAG, VERSION_FLAG];

pub const HELP: &str = "\
Show the overview, or the help of a command or of a group of commands.

Usage: jetpack-partner help [COMMAND]

Examples:
  jetpack-partner help provision
  jetpack-partner help batch
  jetpack-partner help batch provision
";

pub const VERSION_HELP: &str = "\
Print the program's name and version, as --version does.

Usage: jetpack-partner version
";

/// What `--version` and `version` print.
pub fn version_line() -> String {
    concat!("jetpack-partner ", env!("CARGO_PKG_VERSION")).to_owned()
}

/// `version`.
pub fn version(words: &[String]) -> Result<String, Failure> {
    no_words("version", words)?;
    Ok(version_line())
}

/// Refuses the words a command without any was given.
pub fn no_words(command: &str, words: &[String]) -> Result<(), Failure> {
    match words.first() {
        None => Ok(()),
        Some(word) => Err(Failure::usage(
            format!("unexpected argument {word:?}"),
            &format!("see 'jetpack-partner {command} --help'"),
        )),
    }
}

/// `help`, `help COMMAND`, `help GROUP`, `help GROUP SUBCOMMAND`.
pub fn run(words: &[String]) -> Result<String, Failure> {
    let Some(first) = words.first() else {
        return Ok(overview());
    };
    let second = words.get(1).map(String::as_str);
    let (text, used) = match crate::lookup(first, second) {
        Ok((found, n)) => (command(found), n),
        Err(Miss::Group(name)) if second.is_none() => (group(name), 1),
        Err(miss) => return Err(miss.failure(first, second)),
    };
    if let Some(extra) = words.get(used) {
        return Err(Failure::usage(
            format!("unexpected argument {extra:?}"),
            "write jetpack-partner help [COMMAND]",
        ));
    }
    Ok(text)
}

/// A command's help: its text, its options, and for `provision` and
/// `cancel` the old scripts' spellings.
pub fn command(command: &Command) -> String {
    if let Run::Meta { .. } = command.run {
        return command.help.to_owned();
    }
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
        "{}{options}{old}\nGlobal options (credentials, --config, --api-base, --timeout, --pretty, \
         -v): see 'jetpack-partner --help'.",
        command.help
    )
}

/// A group's help: its subcommands, and how to see each one's help.
pub fn group(name: &str) -> String {
    let subcommands = crate::subcommands(name);
    let width = subcommands.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let list: String = subcommands
        .iter()
        .map(|c| format!("  {:<width$}  {}\n", c.name, c.summary))
        .collect();
    let example = subcommands.first().map_or(name, |c| c.name);
    format!(
        "Usage: jetpack-partner [global options] {name} <subcommand> [options]\n\n\
         Subcommands:\n{list}\n\
         Each one's options: 'jetpack-partner {example} --help'\n\
         (or 'jetpack-partner help {example}')."
    )
}

/// `--help` and `help`: the commands, the global options, where settings
/// come from, the exit codes.
pub fn overview() -> String {
    let width = COMMANDS.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let commands: String = COMMANDS
        .iter()
        .map(|c| format!("  {:<width$}  {}\n", c.name, c.summary))
        .collect();
    format!(
        "jetpack-partner {} - the Jetpack Start partner API from the command line\n\n\
         Usage: jetpack-partner [global options] <command> [options]\n\
         \x20      jetpack-partner help [<command>]\n\n\
         Commands:\n{commands}\n\
         Global options (before or after the command):\n{}\n\
         Settings: an option wins over its environment variable, which wins over the\n\
         config file, which wins over the default. The config file is --config FILE\n\
         or $JETPACK_PARTNER_CONFIG, else the first that exists of\n\
         $XDG_CONFIG_HOME/jetpack-partner/config (~/.config/jetpack-partner/config)\n\
         and /etc/jetpack-partner/config. Its lines are KEY=VALUE, keyed by the\n\
         variables' names:\n\
         \x20 JETPACK_PARTNER_ID=1234\n\
         \x20 JETPACK_PARTNER_SECRET_FILE=/etc/jetpack/secret\n\
         Blank lines and # comments are skipped; one pair of quotes around a whole\n\
         value is removed, nothing else is interpreted. The file must be owned by\n\
         you or root and not be writable by group or others.\n\
         {START_API_HOST}\n\n\
         Secrets: prefer --partner-secret-file (0600 file, or '-' for stdin),\n\
         JETPACK_PARTNER_SECRET_FILE or JETPACK_PARTNER_SECRET to --partner-secret,\n\
         which other users can see in ps.\n\n\
         {EXIT_CODES}",
        env!("CARGO_PKG_VERSION"),
        args::help_lines(&[globals::FLAGS, PROGRAM_FLAGS]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{completions, man};

    /// `needle` as a word of its own in `haystack`.
    fn contains_word(haystack: &str, needle: &str) -> bool {
        let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        haystack.match_indices(needle).any(|(at, _)| {
            let before = haystack[..at].chars().next_back();
            let after = haystack[at + needle.len()..].chars().next();
            !before.is_some_and(part) && !after.is_some_and(part)
        })
    }

    /// The man page as a reader sees it.
    fn man_text() -> String {
        let mut page = man::page();
        for escape in ["\\fB", "\\fI", "\\fR", "\\&"] {
            page = page.replace(escape, "");
        }
        page.replace("\\-", "-").replace("\\e", "\\")
    }

    fn script(shell: &str) -> String {
        completions::run(&[shell.to_owned()]).unwrap_or_else(|e| panic!("{shell}: {e:?}"))
    }

    /// How a script names an option: fish as `-l name` / `-s n`.
    fn spelled(shell: &str, name: &str) -> String {
        match (shell, name.strip_prefix("--")) {
            ("fish", Some(long)) => format!("-l {long}"),
            ("fish", None) => format!("-s {}", name.trim_start_matches('-')),
            _ => name.to_owned(),
        }
    }

    #[test]
    fn every_command_and_option_of_the_tables_is_in_help_man_and_completions() {
        let overview = overview();
        let man = man_text();
        let scripts: Vec<(&str, String)> = ["bash", "zsh", "fish"]
            .into_iter()
            .map(|s| (s, script(s)))
            .collect();
        let named = |flags: &[&'static [Flag]]| -> Vec<&'static str> {
            flags
                .iter()
                .flat_map(|g| g.iter())
                .flat_map(|f| f.names.iter().copied())
                .collect()
        };
        let everywhere = |name: &str, help: &str, what: &str| {
            assert!(contains_word(help, name), "{what}: {name} not in its help");
            assert!(
                contains_word(&man, name),
                "{what}: {name} not in the man page"
            );
            for (shell, script) in &scripts {
                let name = spelled(shell, name);
                assert!(
                    contains_word(script, &name),
                    "{what}: {name} not in {shell}"
                );
            }
        };
        for name in named(&[globals::FLAGS, PROGRAM_FLAGS]) {
            everywhere(name, &overview, "global");
        }
        for c in COMMANDS {
            assert!(
                contains_word(&overview, c.name),
                "{} not in the overview",
                c.name
            );
            assert!(
                contains_word(&man, c.name),
                "{} not in the man page",
                c.name
            );
            for (shell, script) in &scripts {
                for word in c.name.split(' ') {
                    assert!(
                        contains_word(script, word),
                        "{}: {word} not in {shell}",
                        c.name
                    );
                }
            }
            let help = command(c);
            for name in named(c.flags) {
                everywhere(name, &help, c.name);
            }
        }
    }
}
