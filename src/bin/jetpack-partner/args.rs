//! The flag tables and the small parser over pico-args that reads them.
//!
//! Each command owns a table of [`Flag`]s. The same table drives parsing
//! (the spelling, the environment variable) and the `--help` text. Before
//! pico-args sees the arguments, [`normalize`] splits `--name=value` into
//! two arguments (keeping the value byte for byte) and rewrites the old
//! partner scripts' spellings into ours (see `compat.rs`).
//!
//! Problems are collected, not returned at the first one, so that one run
//! reports every mistake of an invocation.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::str::FromStr;

use pico_args::Arguments;

use crate::compat;
use crate::output::{Failure, Problem, Problems};
use crate::suggest;

#[derive(Clone, Copy)]
/// One option: its spelling, whether it takes a value, its environment
/// variable, and its help line.
pub struct Flag {
    /// The name the command reads it by.
    pub key: &'static str,
    /// Accepted spellings, the documented one first.
    pub names: &'static [&'static str],
    /// The value's placeholder in help; `None` for a switch.
    pub value: Option<&'static str>,
    /// Environment variable read when the option is not given.
    pub env: Option<&'static str>,
    /// One line of help; a `\n` continues it on the next line.
    pub help: &'static str,
    /// Whether it may be given more than once (values collected in order).
    pub many: bool,
}

impl Flag {
    /// An option that takes a value.
    pub const fn value(
        key: &'static str,
        names: &'static [&'static str],
        placeholder: &'static str,
        help: &'static str,
    ) -> Flag {
        Flag {
            key,
            names,
            value: Some(placeholder),
            env: None,
            help,
            many: false,
        }
    }

    /// An option without a value.
    pub const fn switch(
        key: &'static str,
        names: &'static [&'static str],
        help: &'static str,
    ) -> Flag {
        Flag {
            key,
            names,
            value: None,
            env: None,
            help,
            many: false,
        }
    }

    /// May be given more than once.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub const fn many(mut self) -> Flag {
        self.many = true;
        self
    }

    /// Also read from the environment variable `var`.
    pub const fn env(mut self, var: &'static str) -> Flag {
        self.env = Some(var);
        self
    }
}

/// Where a value came from, for messages that tell the user what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    /// A line of the config file: the variable's name, the file, the line.
    Config(&'static str, &'static str, usize),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(name) => f.write_str(name),
            Source::Env(name) => write!(f, "${name}"),
            Source::Config(name, path, line) => write!(f, "{path}:{line}: {name}"),
        }
    }
}

impl Source {
    /// Where the value was set, from the strongest to the weakest:
    /// options, environment, config file.
    pub fn level(self) -> u8 {
        match self {
            Source::Flag(_) => 0,
            Source::Env(_) => 1,
            Source::Config(..) => 2,
        }
    }
}

/// The options one table found.
#[derive(Default)]
pub struct Parsed {
    values: HashMap<&'static str, (String, Source)>,
    switches: Vec<&'static str>,
    many: HashMap<&'static str, Vec<String>>,
}

impl Parsed {
    /// The value of `key` and where it came from.
    pub fn value(&self, key: &str) -> Option<(&str, Source)> {
        self.values.get(key).map(|(v, s)| (v.as_str(), *s))
    }

    pub fn text(&self, key: &str) -> Option<&str> {
        self.value(key).map(|(v, _)| v)
    }

    pub fn switch(&self, key: &str) -> bool {
        self.switches.contains(&key)
    }

    /// Every value of a repeatable option, in order.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub fn all(&self, key: &str) -> &[String] {
        self.many.get(key).map_or(&[], Vec::as_slice)
    }

    /// The value of `key` parsed as a `T`; `what` describes a valid value.
    pub fn parse<T: FromStr>(&self, key: &str, what: &str) -> Result<Option<T>, Failure> {
        let Some((text, source)) = self.value(key) else {
            return Ok(None);
        };
        text.parse().map(Some).map_err(|_| {
            Failure::usage(
                format!("{source} {text:?} is not {what}"),
                &format!("give {what}"),
            )
        })
    }

    /// A required value.
    pub fn required(&self, key: &str, flag: &str) -> Result<&str, Failure> {
        self.text(key).filter(|v| !v.is_empty()).ok_or_else(|| {
            Failure::usage(format!("{flag} is required"), &format!("add {flag} VALUE"))
        })
    }

    /// Whether `key` has a value, from wherever it came.
    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// Forgets the value of `key` (one of several ways to say the same
    /// thing lost to a stronger one).
    pub fn forget(&mut self, key: &str) {
        self.values.remove(key);
    }

    /// Sets `key` unless it has a value already (a stronger place gave
    /// it); an empty value counts as none, as an empty variable does.
    pub fn fill(&mut self, key: &'static str, value: String, source: Source) {
        if !value.is_empty() {
            self.values.entry(key).or_insert((value, source));
        }
    }
}

/// Takes every option of `groups` out of `args`, then the environment for
/// those not given. An option given twice, an option without its value and
/// a variable that is not UTF-8 are problems; the rest is still read.
pub fn take(args: &mut Arguments, groups: &[&[Flag]], problems: &mut Problems) -> Parsed {
    let mut parsed = Parsed::default();
    for flag in groups.iter().flat_map(|g| g.iter()) {
        for &name in flag.names {
            while let Some(value) = take_one(args, flag, name, problems) {
                if flag.many {
                    parsed.many.entry(flag.key).or_default().push(value);
                    continue;
                }
                if parsed.values.contains_key(flag.key) || parsed.switches.contains(&flag.key) {
                    problems.push(Problem::new(
                        format!("{name} is given more than once"),
                        "give each option once",
                    ));
                    continue;
                }
                match flag.value {
                    None => parsed.switches.push(flag.key),
                    Some(_) => {
                        parsed.values.insert(flag.key, (value, Source::Flag(name)));
                    }
                }
            }
        }
        if let Some(var) = flag.env {
            if !parsed.values.contains_key(flag.key) {
                match std::env::var_os(var).map(OsString::into_string) {
                    None => {}
                    Some(Ok(value)) => parsed.fill(flag.key, value, Source::Env(var)),
                    Some(Err(_)) => problems.push(Problem::new(
                        format!("${var} is not valid UTF-8"),
                        "fix the variable",
                    )),
                }
            }
        }
    }
    parsed
}

/// One occurrence of `name`: its value, or `""` for a switch. An option
/// without a value, or with one that is not UTF-8, is taken out with its
/// value and recorded as a problem.
fn take_one(
    args: &mut Arguments,
    flag: &Flag,
    name: &'static str,
    problems: &mut Problems,
) -> Option<String> {
    if flag.value.is_none() {
        return args.contains(name).then(String::new);
    }
    let os = |value: &OsStr| Ok::<_, std::convert::Infallible>(value.to_owned());
    match args.opt_value_from_os_str(name, os) {
        Ok(None) => None,
        Ok(Some(value)) => match value.into_string() {
            Ok(value) => Some(value),
            Err(_) => {
                problems.push(Problem::new(
                    format!("the value of {name} is not valid UTF-8"),
                    "check the quoting",
                ));
                Some(String::new())
            }
        },
        Err(pico_args::Error::OptionWithoutAValue(_)) => {
            args.contains(name);
            problems.push(Problem::new(
                format!("{name} needs a value"),
                "write it as NAME VALUE or NAME=VALUE",
            ));
            None
        }
        Err(other) => {
            args.contains(name);
            problems.push(Problem::new(format!("{name}: {other}"), "see --help"));
            None
        }
    }
}

/// Records what is left over: each unknown option (with the nearest known
/// one of the global options and the command's own), each stray argument.
/// A word that stands right after an unknown option in `line` (the whole
/// command line) is taken for its value and not reported again.
pub fn finish(
    args: Arguments,
    line: &[OsString],
    command: &str,
    globals: &[Flag],
    own: &[&[Flag]],
    problems: &mut Problems,
) {
    let adjacent = |a: &OsStr, b: &OsStr| line.windows(2).any(|w| w[0] == a && w[1] == b);
    let mut unknown_option: Option<OsString> = None;
    for arg in args.finish() {
        let text = arg.to_string_lossy();
        if text.starts_with('-') && text != "-" {
            problems.push(self::unknown_option(&text, command, globals, own));
            unknown_option = Some(arg);
        } else if unknown_option
            .take()
            .is_none_or(|option| !adjacent(&option, &arg))
        {
            problems.push(Problem::new(
                format!("unexpected argument {text:?}"),
                see_help(command),
            ));
        }
    }
}

/// An option that `command` (`""`: none) does not take here: one of its
/// own given before it, or a typo of the nearest of them or of `globals`.
pub fn unknown_option(arg: &str, command: &str, globals: &[Flag], own: &[&[Flag]]) -> Problem {
    let own_names = || {
        own.iter()
            .flat_map(|g| g.iter())
            .flat_map(|f| f.names.iter().copied())
    };
    if own_names().any(|name| name == arg) {
        return Problem::new(
            format!("{arg} is an option of {command}: it goes after the command"),
            format!("write jetpack-partner [global options] {command} {arg} …"),
        );
    }
    let names = globals
        .iter()
        .flat_map(|f| f.names.iter().copied())
        .chain(own_names());
    let near = suggest::did_you_mean(arg, names, str::to_owned);
    Problem::new(format!("unknown option {arg:?}{near}"), see_help(command))
}

fn see_help(command: &str) -> String {
    if command.is_empty() {
        "see 'jetpack-partner --help'".to_owned()
    } else {
        format!("see 'jetpack-partner {command} --help'")
    }
}

/// Prepares the raw arguments for pico-args: `--name=value` becomes
/// `--name value` for every option that takes a value (the value kept
/// exactly, quotes and all), and the old scripts' spellings become ours.
/// A value given as the next argument is never rewritten.
/// The arguments ready for pico-args, and whether any option was spelled
/// the way only the old scripts spelled it.
pub struct Normalized {
    pub args: Vec<OsString>,
    pub script_spelling: bool,
}

pub fn normalize(raw: Vec<OsString>, tables: &[&[Flag]], problems: &mut Problems) -> Normalized {
    let takes_value = |name: &str| {
        tables
            .iter()
            .flat_map(|t| t.iter())
            .any(|f| f.value.is_some() && f.names.contains(&name))
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut script_spelling = false;
    let mut raw = raw.into_iter();
    while let Some(arg) = raw.next() {
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            out.push(arg);
            out.extend(raw.by_ref());
            break;
        }
        if takes_value(text) {
            out.push(arg.clone());
            out.extend(raw.next());
            continue;
        }
        match compat::rewrite(text) {
            Ok(Some(rewritten)) => {
                script_spelling |= rewritten.script_only;
                out.extend(rewritten.args.into_iter().map(OsString::from));
                continue;
            }
            Ok(None) => {}
            Err(failure) => {
                // A spelling it cannot rewrite: a usage problem, dropped.
                let _ = problems.check(Err(failure));
                continue;
            }
        }
        match text.split_once('=') {
            Some((name, value)) if name.starts_with('-') && takes_value(name) => {
                out.push(name.into());
                out.push(value.into());
            }
            _ => out.push(arg),
        }
    }
    Normalized {
        args: out,
        script_spelling,
    }
}

/// The options of a command's flag groups, formatted for `--help`.
pub fn help_lines(groups: &[&[Flag]]) -> String {
    let rows: Vec<(String, String)> = groups
        .iter()
        .flat_map(|g| g.iter())
        .filter(|f| !f.names.is_empty())
        .map(|f| {
            let mut left = f.names.join(", ");
            if let Some(v) = f.value {
                left = format!("{left} {v}");
            }
            let mut right = f.help.to_owned();
            if let Some(env) = f.env {
                right = format!("{right}\n(env {env})");
            }
            (left, right)
        })
        .collect();
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(l, r)| {
            let r = r.replace('\n', &format!("\n  {:width$}  ", ""));
            format!("  {l:width$}  {r}\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Flag] = &[
        Flag::value("api-base", &["--api-base"], "URL", "x"),
        Flag::value("secret", &["--partner-secret"], "VALUE", "x"),
        Flag::switch("pretty", &["--pretty"], "x"),
    ];

    fn norm(args: &[&str]) -> Vec<String> {
        let raw = args.iter().map(OsString::from).collect();
        let mut problems = Problems::default();
        let normalized = normalize(raw, &[TABLE], &mut problems);
        assert!(problems.is_empty(), "normalize {args:?}");
        normalized
            .args
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn equals_forms_split_and_keep_the_value_exactly() {
        assert_eq!(
            norm(&["--api-base=http://x/?a=b"]),
            ["--api-base", "http://x/?a=b"]
        );
        assert_eq!(
            norm(&["--partner-secret=\"q\""]),
            ["--partner-secret", "\"q\""]
        );
        assert_eq!(norm(&["--partner-secret="]), ["--partner-secret", ""]);
        assert_eq!(
            norm(&["--pretty=1"]),
            ["--pretty=1"],
            "a switch takes no value"
        );
        assert_eq!(norm(&["--unknown=1"]), ["--unknown=1"]);
    }

    #[test]
    fn a_value_in_the_next_argument_is_never_rewritten() {
        assert_eq!(
            norm(&["--partner-secret", "--api-base=x", "token"]),
            ["--partner-secret", "--api-base=x", "token"]
        );
        assert_eq!(
            norm(&["--partner-secret", "--user=x"]),
            ["--partner-secret", "--user=x"]
        );
        assert_eq!(norm(&["--", "--api-base=x"]), ["--", "--api-base=x"]);
    }
}
