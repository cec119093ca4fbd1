//! `completions bash|zsh|fish`: shell completion scripts, generated from
//! the command table and the flag tables (the ones `--help` and the man
//! page come from), so that they know every command and every option.
//!
//! A value is completed from its placeholder: a file for `PATH` and
//! `FILE`, a directory for `DIR`, the choices of `a|b`; other values are
//! the user's to type.

use crate::args::Flag;
use crate::help::PROGRAM_FLAGS;
use crate::output::Failure;
use crate::suggest;
use crate::{globals, Command, Run, Words, COMMANDS};

/// The shells a script can be printed for.
pub const SHELLS: &[&str] = &["bash", "zsh", "fish"];

pub const HELP: &str = "\
Print a completion script for bash, zsh or fish, made from the same tables
as --help: every command, every option, file names for PATH and FILE values.

Usage: jetpack-partner completions bash|zsh|fish

Install:
  bash: jetpack-partner completions bash > /etc/bash_completion.d/jetpack-partner
        (or add 'source <(jetpack-partner completions bash)' to ~/.bashrc)
  zsh:  jetpack-partner completions zsh > \"${fpath[1]}/_jetpack-partner\"
  fish: jetpack-partner completions fish > ~/.config/fish/completions/jetpack-partner.fish
";

/// `completions SHELL`.
pub fn run(words: &[String]) -> Result<String, Failure> {
    let hint = "give one of bash, zsh, fish: jetpack-partner completions bash";
    let shell = match words {
        [] => return Err(Failure::usage("completions needs a shell", hint)),
        [shell] => shell.as_str(),
        [_, extra, ..] => {
            return Err(Failure::usage(
                format!("unexpected argument {extra:?}"),
                hint,
            ))
        }
    };
    match shell {
        "bash" => Ok(bash()),
        "zsh" => Ok(zsh()),
        "fish" => Ok(fish()),
        other => {
            let near = suggest::did_you_mean(other, SHELLS.iter().copied(), str::to_owned);
            Err(Failure::usage(
                format!("no completions for the shell {other:?}{near}"),
                hint,
            ))
        }
    }
}

/// How an option's value is completed.
enum Value {
    File,
    Dir,
    OneOf(Vec<&'static str>),
    Any,
}

fn value_of(flag: &Flag) -> Option<Value> {
    flag.value.map(|placeholder| match placeholder {
        "PATH" | "FILE" => Value::File,
        "DIR" => Value::Dir,
        p if p.contains('|') => Value::OneOf(p.split('|').collect()),
        _ => Value::Any,
    })
}

/// The options that may be given anywhere.
fn global_flags() -> impl Iterator<Item = &'static Flag> {
    globals::FLAGS
        .iter()
        .chain(PROGRAM_FLAGS)
        .filter(|f| !f.names.is_empty())
}

/// A command's own options.
fn own_flags(command: &Command) -> impl Iterator<Item = &'static Flag> {
    command
        .flags
        .iter()
        .flat_map(|g| g.iter())
        .filter(|f| !f.names.is_empty())
}

/// Every option, global or a command's.
fn all_flags() -> impl Iterator<Item = &'static Flag> {
    global_flags().chain(COMMANDS.iter().flat_map(own_flags))
}

/// A help text on one line, for a description (a `\n` in an option's
/// help only continues it).
fn summary(help: &str) -> String {
    help.trim_end().replace('\n', " ")
}

/// The words after which a meta command's words come.
fn meta_words(words: Words) -> Vec<&'static str> {
    match words {
        Words::None => Vec::new(),
        Words::Command => crate::first_words(),
        Words::Shell => SHELLS.to_vec(),
    }
}

/// A group's line in a list of commands: its subcommands.
fn group_summary(group: &str) -> String {
    let names: Vec<&str> = crate::subcommands(group)
        .iter()
        .filter_map(|c| c.name.split_once(' ').map(|(_, s)| s))
        .collect();
    format!("subcommands: {}", names.join(", "))
}

/// The one-word commands and the groups, with their summaries.
fn first_words_described() -> Vec<(&'static str, String)> {
    let mut words: Vec<(&str, String)> = COMMANDS
        .iter()
        .filter(|c| !c.name.contains(' '))
        .map(|c| (c.name, c.summary.to_owned()))
        .collect();
    words.extend(crate::groups().into_iter().map(|g| (g, group_summary(g))));
    words
}

/// The names of `flags`, each once.
fn names_of<'a>(flags: impl Iterator<Item = &'a Flag>) -> Vec<&'static str> {
    let mut names: Vec<&str> = Vec::new();
    for &name in flags.flat_map(|f| f.names.iter()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// `" a b c "`: a list that `[[ $list == *" $w "* ]]` searches.
fn bash_set(names: &[&str]) -> String {
    format!("' {} '", names.join(" "))
}

fn bash() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let globals = names_of(global_flags()).join(" ");
    let values = names_of(all_flags().filter(|f| f.value.is_some()));
    let kind = |want: fn(&Value) -> bool| {
        names_of(all_flags().filter(|f| value_of(f).is_some_and(|v| want(&v))))
    };
    let files = kind(|v| matches!(v, Value::File));
    let dirs = kind(|v| matches!(v, Value::Dir));
    let mut choices = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for flag in all_flags() {
        if let Some(Value::OneOf(words)) = value_of(flag) {
            for &name in flag.names {
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                choices.push_str(&format!(
                    "        {name}) mapfile -t COMPREPLY < <(compgen -W '{}' -- \"$cur\"); return ;;\n",
                    words.join(" ")
                ));
            }
        }
    }
    let groups = crate::groups().join("|");
    let first: Vec<&str> = crate::first_words();
    let mut cases = format!("        '') words=\"$globals {}\" ;;\n", first.join(" "));
    for group in crate::groups() {
        let seconds: Vec<&str> = crate::subcommands(group)
            .iter()
            .filter_map(|c| c.name.split_once(' ').map(|(_, s)| s))
            .collect();
        cases.push_str(&format!(
            "        {group}) words='{}' ;;\n",
            seconds.join(" ")
        ));
    }
    for command in COMMANDS {
        let words = match command.run {
            Run::Api(..) => format!("$globals {}", names_of(own_flags(command)).join(" ")),
            Run::Meta { words, .. } => {
                let mut list = meta_words(words);
                list.extend(names_of(PROGRAM_FLAGS.iter().take(1)));
                list.join(" ")
            }
        };
        cases.push_str(&format!(
            "        '{}') words=\"{}\" ;;\n",
            command.name,
            words.trim_end()
        ));
    }
    format!(
        r#"# bash completion for jetpack-partner {version}
# Generated by 'jetpack-partner completions bash' from the program's own
# tables. Load it with: source <(jetpack-partner completions bash)

_jetpack_partner() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    # --name=value: bash splits it at the '='.
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]]; then
        prev=${{COMP_WORDS[COMP_CWORD-2]}}
    fi
    local globals='{globals}'
    local values={values}
    local files={files}
    local dirs={dirs}
    # The command typed so far: the words that are neither options nor
    # their values; a group takes the word after it.
    local command='' i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${{COMP_WORDS[i]}}
        case $w in
            -*)
                if [[ $values == *" $w "* ]]; then
                    ((i++))
                    [[ ${{COMP_WORDS[i]}} == = ]] && ((i++))
                fi
                ;;
            *)
                if [[ -z $command ]]; then
                    command=$w
                else
                    case $command in
                        {groups}) command="$command $w" ;;
                    esac
                fi
                ;;
        esac
    done
    if [[ $files == *" $prev "* ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
    fi
    if [[ $dirs == *" $prev "* ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
    fi
    case $prev in
{choices}    esac
    # Any other value is the user's to type.
    [[ $values == *" $prev "* ]] && return
    local words
    case $command in
{cases}        *) words=$globals ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}}

complete -F _jetpack_partner jetpack-partner
"#,
        values = bash_set(&values),
        files = bash_set(&files),
        dirs = bash_set(&dirs),
    )
}

/// Text inside a zsh single-quoted `[description]`.
fn zsh_description(text: &str) -> String {
    summary(text)
        .replace('\'', "'\\''")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// One option as `_arguments` takes it: `'--name=[description]:VALUE:action'`,
/// with the names of an option spelt two ways brace-expanded.
fn zsh_spec(flag: &Flag) -> String {
    let description = zsh_description(flag.help);
    let tail = match (flag.value, value_of(flag)) {
        (Some(placeholder), Some(kind)) => {
            let action = match kind {
                Value::File => "_files".to_owned(),
                Value::Dir => "_files -/".to_owned(),
                Value::OneOf(words) => format!("({})", words.join(" ")),
                Value::Any => String::new(),
            };
            let message = placeholder.replace(':', "\\:");
            format!("=[{description}]:{message}:{action}")
        }
        _ => format!("[{description}]"),
    };
    let star = if flag.many { "*" } else { "" };
    match flag.names {
        [name] => format!("'{star}{name}{tail}'"),
        names => {
            let exclusive = if flag.many {
                "'*'".to_owned()
            } else {
                format!("'({})'", names.join(" "))
            };
            format!("{exclusive}{{{}}}'{tail}'", names.join(","))
        }
    }
}

/// A `name:description` entry for `_describe`.
fn zsh_entry(name: &str, description: &str) -> String {
    format!(
        "'{}:{}'",
        name.replace(':', "\\:"),
        summary(description).replace('\'', "'\\''")
    )
}

fn zsh_arguments(command: &Command, indent: &str) -> String {
    let mut lines = vec![format!("_arguments $globals")];
    lines.extend(own_flags(command).map(zsh_spec));
    let joined = lines.join(&format!(" \\\n{indent}  "));
    format!("{indent}{joined} && ret=0\n")
}

fn zsh() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let globals: String = global_flags()
        .map(|f| format!("    {}\n", zsh_spec(f)))
        .collect();
    let commands: String = first_words_described()
        .iter()
        .map(|(name, summary)| format!("    {}\n", zsh_entry(name, summary)))
        .collect();
    let mut cases = String::new();
    for group in crate::groups() {
        let subcommands = crate::subcommands(group);
        let entries: String = subcommands
            .iter()
            .filter_map(|c| c.name.split_once(' ').map(|(_, s)| (s, c.summary)))
            .map(|(s, summary)| format!("              {}\n", zsh_entry(s, summary)))
            .collect();
        let mut inner = String::new();
        for command in &subcommands {
            let Some((_, second)) = command.name.split_once(' ') else {
                continue;
            };
            inner.push_str(&format!(
                "              {second})\n{}                ;;\n",
                zsh_arguments(command, "                ")
            ));
        }
        cases.push_str(&format!(
            "        {group})\n\
             \x20         if (( CURRENT == 2 )); then\n\
             \x20           local -a subcommands\n\
             \x20           subcommands=(\n{entries}\x20           )\n\
             \x20           _describe -t commands '{group} subcommand' subcommands && ret=0\n\
             \x20         else\n\
             \x20           shift words\n\
             \x20           (( CURRENT-- ))\n\
             \x20           case $words[1] in\n{inner}\x20           esac\n\
             \x20         fi\n\
             \x20         ;;\n"
        ));
    }
    for command in COMMANDS.iter().filter(|c| !c.name.contains(' ')) {
        let body = match command.run {
            Run::Api(..) => zsh_arguments(command, "          "),
            Run::Meta {
                words: Words::Command,
                ..
            } => "          _describe -t commands 'command' commands && ret=0\n".to_owned(),
            Run::Meta { words, .. } => {
                let list = meta_words(words);
                if list.is_empty() {
                    "          _arguments '(-h --help)'{-h,--help}'[show its help]' && ret=0\n"
                        .to_owned()
                } else {
                    format!("          compadd -- {} && ret=0\n", list.join(" "))
                }
            }
        };
        cases.push_str(&format!("        {})\n{body}          ;;\n", command.name));
    }
    format!(
        r#"#compdef jetpack-partner
# zsh completion for jetpack-partner {version}
# Generated by 'jetpack-partner completions zsh' from the program's own
# tables. Install: jetpack-partner completions zsh > "${{fpath[1]}}/_jetpack-partner"

_jetpack-partner() {{
  local curcontext="$curcontext" state state_descr line ret=1
  typeset -A opt_args
  local -a globals commands
  globals=(
{globals}  )
  commands=(
{commands}  )
  _arguments -C $globals ': :->command' '*:: :->args' && ret=0
  case $state in
    command)
      _describe -t commands 'jetpack-partner command' commands && ret=0
      ;;
    args)
      case $words[1] in
{cases}      esac
      ;;
  esac
  return ret
}}

if [ "$funcstack[1]" = "_jetpack-partner" ]; then
  _jetpack-partner "$@"
else
  compdef _jetpack-partner jetpack-partner
fi
"#
    )
}

/// Text for a fish single-quoted string.
fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// One option as fish's `complete` takes it, after `condition`.
fn fish_option(flag: &Flag, condition: &str) -> String {
    let mut line = String::from("complete -c jetpack-partner");
    if !condition.is_empty() {
        line.push_str(&format!(" -n {}", fish_quote(condition)));
    }
    for name in flag.names {
        match name.strip_prefix("--") {
            Some(long) => line.push_str(&format!(" -l {long}")),
            None => line.push_str(&format!(" -s {}", name.trim_start_matches('-'))),
        }
    }
    match value_of(flag) {
        None => {}
        Some(Value::File | Value::Dir) => line.push_str(" -r -F"),
        Some(Value::OneOf(words)) => {
            line.push_str(&format!(" -x -a {}", fish_quote(&words.join(" "))))
        }
        Some(Value::Any) => line.push_str(" -x"),
    }
    line.push_str(&format!(" -d {}\n", fish_quote(&summary(flag.help))));
    line
}

fn fish() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let values = names_of(all_flags().filter(|f| f.value.is_some())).join(" ");
    let globals: String = global_flags().map(|f| fish_option(f, "")).collect();
    let mut commands = String::new();
    for (name, summary) in first_words_described() {
        commands.push_str(&format!(
            "complete -c jetpack-partner -n '__jetpack_partner_is' -a {name} -d {}\n",
            fish_quote(&summary)
        ));
    }
    for group in crate::groups() {
        for command in crate::subcommands(group) {
            let Some((_, second)) = command.name.split_once(' ') else {
                continue;
            };
            commands.push_str(&format!(
                "complete -c jetpack-partner -n '__jetpack_partner_is {group}' -a {second} -d {}\n",
                fish_quote(command.summary)
            ));
        }
    }
    let mut options = String::new();
    for command in COMMANDS {
        match command.run {
            Run::Api(..) => {
                let condition = format!("__jetpack_partner_in {}", command.name);
                options.extend(own_flags(command).map(|f| fish_option(f, &condition)));
            }
            Run::Meta { words, .. } => {
                let list = meta_words(words);
                if !list.is_empty() {
                    options.push_str(&format!(
                        "complete -c jetpack-partner -n '__jetpack_partner_is {}' -a {}\n",
                        command.name,
                        fish_quote(&list.join(" "))
                    ));
                }
            }
        }
    }
    format!(
        r#"# fish completion for jetpack-partner {version}
# Generated by 'jetpack-partner completions fish' from the program's own
# tables. Install:
#   jetpack-partner completions fish > ~/.config/fish/completions/jetpack-partner.fish

# The command words typed so far: neither options nor their values.
function __jetpack_partner_words
    set -l values {values}
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for token in $tokens
        if test $skip -eq 1
            set skip 0
        else if contains -- $token $values
            set skip 1
        else if not string match -q -- '-*' $token
            echo $token
        end
    end
end

# The command words typed so far are exactly these.
function __jetpack_partner_is
    set -l words (__jetpack_partner_words)
    test "$words" = "$argv"
end

# The command words typed so far start with these.
function __jetpack_partner_in
    set -l words (__jetpack_partner_words)
    set -l n (count $argv)
    test (count $words) -ge $n
    and test "$words[1..$n]" = "$argv"
end

complete -c jetpack-partner -f

# Options that may stand anywhere.
{globals}
# Commands, and the subcommands of groups.
{commands}
# Each command's options, and what meta commands take.
{options}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zsh_specs_quote_and_escape() {
        let verbose = Flag::switch(&["-v", "--verbose"], "trace [x] it's", |a| &mut a.verbose);
        assert_eq!(
            zsh_spec(&verbose),
            "'(-v --verbose)'{-v,--verbose}'[trace \\[x\\] it'\\''s]'"
        );
        let input = Flag::text(&["--input"], "FILE", "the sites", |a| &mut a.input);
        assert_eq!(zsh_spec(&input), "'--input=[the sites]:FILE:_files'");
        let format = Flag::text(&["--format"], "jsonl|csv", "the format", |a| &mut a.input);
        assert_eq!(
            zsh_spec(&format),
            "'--format=[the format]:jsonl|csv:(jsonl csv)'"
        );
        let partner = Flag::text(&["--partner"], "ID:SECRET", "one\ntwo", |a| &mut a.input).many();
        assert_eq!(zsh_spec(&partner), "'*--partner=[one two]:ID\\:SECRET:'");
    }

    #[test]
    fn fish_options_use_long_and_short_names() {
        let verbose = Flag::switch(&["-v", "--verbose"], "it's", |a| &mut a.verbose);
        assert_eq!(
            fish_option(&verbose, ""),
            "complete -c jetpack-partner -s v -l verbose -d 'it\\'s'\n"
        );
        let input = Flag::text(&["--input"], "FILE", "x", |a| &mut a.input);
        assert_eq!(
            fish_option(&input, "__jetpack_partner_in batch provision"),
            "complete -c jetpack-partner -n '__jetpack_partner_in batch provision' -l input -r -F -d 'x'\n"
        );
    }

    #[test]
    fn an_unknown_shell_is_a_usage_error_with_a_suggestion() {
        let Err(Failure::Usage { message, .. }) = run(&["bassh".to_owned()]) else {
            panic!("bassh");
        };
        assert_eq!(
            message,
            "no completions for the shell \"bassh\"; did you mean bash?"
        );
        assert!(run(&[]).is_err());
        assert!(run(&["bash".to_owned(), "x".to_owned()]).is_err());
    }
}
