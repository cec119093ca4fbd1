//! The flag tables and the small parser over pico-args that reads them.
//!
//! Each command owns a table of [`Flag`]s. The same table drives parsing
//! (every spelling, the environment variable) and the `--help` text.

use std::collections::HashMap;
use std::ffi::OsString;

use pico_args::Arguments;

use crate::output::Failure;

/// One option: its spellings, whether it takes a value, its environment
/// variable, and its help line.
pub struct Flag {
    /// The name the command reads it by.
    pub key: &'static str,
    /// Every accepted spelling, the documented one first.
    pub names: &'static [&'static str],
    /// The value's placeholder in help; `None` for a switch.
    pub value: Option<&'static str>,
    /// Environment variable read when the option is not given.
    pub env: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
}

/// Where a value came from, for messages that tell the user what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(name) => f.write_str(name),
            Source::Env(name) => write!(f, "${name}"),
        }
    }
}

/// The options one table found.
#[derive(Default)]
pub struct Parsed {
    values: HashMap<&'static str, (String, Source)>,
    switches: Vec<&'static str>,
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
}

/// Takes every option of `table` out of `args`, then the environment for
/// those not given. An option given twice is a usage error.
pub fn take(args: &mut Arguments, table: &[Flag]) -> Result<Parsed, Failure> {
    let mut parsed = Parsed::default();
    for flag in table {
        for &name in flag.names {
            while let Some(value) = take_one(args, flag, name)? {
                if parsed.values.contains_key(flag.key) || parsed.switches.contains(&flag.key) {
                    return Err(Failure::usage(
                        format!("{name} is given more than once"),
                        "give each option once",
                    ));
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
                if let Some(value) = std::env::var_os(var) {
                    let value = value.into_string().map_err(|_| {
                        Failure::usage(format!("${var} is not valid UTF-8"), "fix the variable")
                    })?;
                    if !value.is_empty() {
                        parsed.values.insert(flag.key, (value, Source::Env(var)));
                    }
                }
            }
        }
    }
    Ok(parsed)
}

/// One occurrence of `name`: its value, or `""` for a switch.
fn take_one(
    args: &mut Arguments,
    flag: &Flag,
    name: &'static str,
) -> Result<Option<String>, Failure> {
    match flag.value {
        None => Ok(args.contains(name).then(String::new)),
        Some(_) => args
            .opt_value_from_str::<_, String>(name)
            .map_err(|e| usage_from(e, name)),
    }
}

/// Every value of a repeatable option.
pub fn take_all(args: &mut Arguments, name: &'static str) -> Result<Vec<String>, Failure> {
    args.values_from_str::<_, String>(name)
        .map_err(|e| usage_from(e, name))
}

/// Fails on anything left over: an unknown option or a stray argument.
pub fn finish(args: Arguments, command: &str) -> Result<(), Failure> {
    let rest: Vec<OsString> = args.finish();
    match rest.first() {
        None => Ok(()),
        Some(first) => {
            let first = first.to_string_lossy();
            let what = if first.starts_with('-') {
                format!("unknown option {first:?}")
            } else {
                format!("unexpected argument {first:?}")
            };
            Err(Failure::usage(
                what,
                &format!("see 'jetpack-partner {command} --help'"),
            ))
        }
    }
}

fn usage_from(e: pico_args::Error, name: &str) -> Failure {
    match e {
        pico_args::Error::OptionWithoutAValue(_) => Failure::usage(
            format!("{name} needs a value"),
            "write it as NAME VALUE or NAME=VALUE",
        ),
        pico_args::Error::NonUtf8Argument | pico_args::Error::Utf8ArgumentParsingFailed { .. } => {
            Failure::usage(
                format!("the value of {name} is not valid UTF-8"),
                "check the quoting",
            )
        }
        other => Failure::usage(format!("{name}: {other}"), "see --help"),
    }
}

/// The options of a table, formatted for `--help`.
pub fn help_lines(table: &[Flag]) -> String {
    let rows: Vec<(String, String)> = table
        .iter()
        .filter(|f| !f.names.is_empty())
        .map(|f| {
            let mut left = f.names.join(", ");
            if let Some(v) = f.value {
                left = format!("{left} {v}");
            }
            let mut right = f.help.to_owned();
            if let Some(env) = f.env {
                right = format!("{right}\n  (env {env})");
            }
            (left, right)
        })
        .collect();
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(l, r)| {
            let r = r.replace('\n', &format!("\n  {:width$}", ""));
            format!("  {l:width$}  {r}\n")
        })
        .collect()
}
