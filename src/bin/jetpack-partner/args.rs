//! The flag tables and the small parser over pico-args that reads them.
//!
//! Each command owns a table of [`Flag`]s. The same table drives parsing
//! (the spelling, the environment variable) and the `--help` text. Before
//! pico-args sees the arguments, [`normalize`] splits `--name=value` into
//! two arguments (keeping the value byte for byte) and rewrites the old
//! partner scripts' spellings into ours (see `compat.rs`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::str::FromStr;

use pico_args::Arguments;

use crate::compat;
use crate::output::Failure;

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
}

/// Takes every option of `table` out of `args`, then the environment for
/// those not given. An option given twice is a usage error.
pub fn take(args: &mut Arguments, groups: &[&[Flag]]) -> Result<Parsed, Failure> {
    let mut parsed = Parsed::default();
    for flag in groups.iter().flat_map(|g| g.iter()) {
        for &name in flag.names {
            while let Some(value) = take_one(args, flag, name)? {
                if flag.many {
                    parsed.many.entry(flag.key).or_default().push(value);
                    continue;
                }
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

pub fn normalize(raw: Vec<OsString>, tables: &[&[Flag]]) -> Result<Normalized, Failure> {
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
        if let Some(rewritten) = compat::rewrite(text)? {
            script_spelling |= rewritten.script_only;
            out.extend(rewritten.args.into_iter().map(OsString::from));
            continue;
        }
        match text.split_once('=') {
            Some((name, value)) if name.starts_with('-') && takes_value(name) => {
                out.push(name.into());
                out.push(value.into());
            }
            _ => out.push(arg),
        }
    }
    Ok(Normalized {
        args: out,
        script_spelling,
    })
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
        normalize(raw, &[TABLE])
            .unwrap_or_else(|_| panic!("normalize {args:?}"))
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
