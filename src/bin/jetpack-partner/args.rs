//! The flag tables, the typed arguments they fill, and the small parser
//! over pico-args that reads them.
//!
//! Each command owns a table of [`Flag`]s. The same table drives parsing
//! (the spellings, the environment variable), `--help`, the man page and
//! the completions. Each flag's update function checks its value and
//! writes it into one typed field of [`Args`], as ripgrep's flags write
//! into its `LowArgs`; the command line, the environment and the config
//! file all go through it, strongest first. What no single value shows
//! (one option needs another) is each command's `check`. Before pico-args
//! sees the arguments, [`normalize`] splits `--name=value` into two
//! arguments (keeping the value byte for byte) and rewrites the old partner
//! scripts' spellings into ours (see `compat.rs`).
//!
//! Problems are collected, not returned at the first one, so that one run
//! reports every mistake of an invocation, before any credential is read.

use std::ffi::{OsStr, OsString};
use std::str::FromStr;
use std::time::Duration;

use jetpack_partner::batch::Format;
use jetpack_partner::{
    BackupParts, PartnerRedirect, ProductType, RestoreRole, RewindId, Scale, SiteRef, UtcTime,
};
use pico_args::Arguments;

use crate::compat;
use crate::output::{Problem, Problems};
use crate::suggest;

/// Every option of every command, read and checked. A command reads the
/// fields of its own options and of the global ones; the others stay at
/// their defaults.
#[derive(Default)]
pub struct Args {
    // The global options (globals.rs).
    pub config: Option<String>,
    pub api_base: Option<Given>,
    pub start_api_host: Option<Given>,
    pub partner_id: Option<String>,
    pub partner_secret_file: Option<Given>,
    pub partner_secret: Option<Given>,
    pub access_token: Option<String>,
    /// `--user-token-file`: a token a WordPress.com user approved.
    pub user_token_file: Option<String>,
    /// `$JETPACK_USER_TOKEN`: that token itself (no option: it would stand
    /// in `ps`).
    pub user_token: Option<String>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub token_cache: Option<String>,
    pub no_token_cache: bool,
    pub ca_file: Option<String>,
    pub allow_insecure_http: bool,
    pub pretty: bool,
    /// `-v`, `--verbose`: trace the requests.
    pub verbose: bool,
    /// The command was spelled as only the old scripts spelled it: it
    /// behaves as they did.
    pub script_spelling: bool,

    // token
    pub json: bool,
    // provision, cancel, status, upgrade-paths
    pub local_user: Option<String>,
    pub siteurl: Option<String>,
    pub url: Option<String>,
    pub plan: Option<String>,
    pub force_register: bool,
    pub force_connect: bool,
    pub onboarding: bool,
    pub wpcom_user_id: Option<u64>,
    pub wpcom_user_email: Option<String>,
    pub partner_tracking_id: Option<String>,
    pub site: Option<SiteRef>,
    pub cancel_all: bool,
    pub v1_3: bool,
    /// `provision --partner-redirect`.
    pub partner_redirect: Option<PartnerRedirect>,
    // errors
    pub details: bool,
    // Jetpack Backup's credentials (backup.rs), ssh-credentials
    pub blog_id: Option<u64>,
    pub ssh_user: Option<String>,
    pub ssh_pass_file: Option<String>,
    pub ssh_private_key: Option<String>,
    pub ssh_host: Option<String>,
    pub ssh_port: Option<u16>,
    pub ssh_pass: Option<String>,
    pub ssh_private_key_text: Option<String>,
    pub ftp_user: Option<String>,
    pub ftp_pass_file: Option<String>,
    pub ftp_host: Option<String>,
    pub ftp_port: Option<u16>,
    pub ftp_pass: Option<String>,
    // WP-CLI (wp_cli.rs)
    pub wp_cli: bool,
    pub wp_cli_path: Option<String>,
    pub no_wp_cli: bool,
    pub allow_root: bool,
    // partner-key new
    pub name: Option<String>,
    pub allowed_personal_plans: Option<u32>,
    pub allowed_premium_plans: Option<u32>,
    pub allowed_professional_plans: Option<u32>,
    pub notes: Option<String>,
    // user create, magic-link
    pub email: Option<String>,
    pub product_type: Option<ProductType>,
    pub language: Option<String>,
    pub show_token: bool,
    pub token_file: Option<String>,
    // report
    pub key_id: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    pub plans: Vec<String>,
    pub activated_after: Option<String>,
    pub activated_before: Option<String>,
    pub scale: Option<Scale>,
    // batch
    pub input: Option<String>,
    pub output: Option<String>,
    pub format: Option<Format>,
    pub concurrency: Option<usize>,
    pub rate: Option<f64>,
    pub resume: bool,
    pub retry_failed: bool,
    pub fail_fast: bool,
    pub quiet: bool,
    // reconcile
    pub desired: Option<String>,
    pub known: Vec<String>,
    pub prune: bool,
    pub allow_cancel: bool,
    pub allow_downgrade: bool,
    pub max_cancel: Option<jetpack_partner::reconcile::MaxCancel>,
    pub save_plan: Option<String>,
    pub detailed_exitcode: bool,
    pub apply: bool,
    pub plan_file: Option<String>,
    // batch backups, batch scan
    pub max_age: Option<Duration>,
    pub fail_on: Vec<jetpack_partner::batch::health::Verdict>,
    // scan, threat (scan.rs)
    pub threats: Vec<jetpack_partner::ThreatId>,
    // login, logout
    pub client_id: Option<String>,
    pub client_secret_file: Option<String>,
    pub redirect_uri: Option<String>,
    pub open: bool,
    pub paste: bool,
    // backups, restores and the activity log (rewind.rs, restore.rs,
    // activity.rs)
    pub rewind_id: Option<RewindId>,
    pub types: Option<BackupParts>,
    pub download_id: Option<u64>,
    pub restore_id: Option<u64>,
    pub to: Option<UtcTime>,
    pub role: Option<RestoreRole>,
    pub destination_site_name: Option<String>,
    pub groups: Vec<String>,
    pub after: Option<UtcTime>,
    pub before: Option<UtcTime>,
    pub number: Option<u32>,
    // long operations (follow.rs); login's wait for the redirect
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
    pub wait_interval: Option<Duration>,
    pub monitor: crate::monitor::Options,
    #[cfg(feature = "sandbox")]
    pub sandbox: crate::sandbox::Options,

    /// The options set so far, by [`Flag::label`]: a weaker place does not
    /// set them again, and the command line not twice.
    seen: Vec<&'static str>,
    /// Where each option set so far came from, by [`Flag::label`].
    sources: Vec<(&'static str, Source)>,
}

/// A value as it was given, and where: for the settings whose messages
/// name the place (a secret warns only when it stands on the command line).
#[derive(Clone, Debug)]
pub struct Given {
    pub text: String,
    pub source: Source,
}

impl Given {
    /// The value as a `T`; `what` describes a valid one.
    pub fn parse<T: FromStr>(&self, what: &str) -> Result<T, Problem> {
        self.text.parse().map_err(|_| self.invalid(what))
    }

    /// The value is not `what` it should be.
    pub fn invalid(&self, what: &str) -> Problem {
        Problem::new(
            format!("{} {:?} is not {what}", self.source, self.text),
            format!("give {what}"),
        )
    }
}

/// Sets `field` to a checked value: what most update functions do.
pub fn set<T>(field: &mut Option<T>, value: Result<T, Problem>) -> Result<(), Problem> {
    *field = Some(value?);
    Ok(())
}

/// Records that the option `name` is required, unless it is `given`.
pub fn require(problems: &mut Problems, given: bool, name: &str, placeholder: &str) {
    if !given {
        problems.push(Problem::new(
            format!("{name} is required"),
            format!("add {name} {placeholder}"),
        ));
    }
}

/// A text option that is given and not empty.
pub fn filled(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

/// For commands whose options need no check together.
pub fn unchecked(_: &mut Args, _: &mut Problems) {}

/// One option: its spellings, its value's placeholder, its environment
/// variable, its help line, and what it does to [`Args`].
#[derive(Clone, Copy)]
pub struct Flag {
    /// Accepted spellings, the documented one first.
    pub names: &'static [&'static str],
    /// The value's placeholder in help; `None` for a switch.
    pub value: Option<&'static str>,
    /// Environment variable read when the option is not given.
    pub env: Option<&'static str>,
    /// One line of help; a `\n` continues it on the next line.
    pub help: &'static str,
    /// Whether it may be given more than once.
    pub many: bool,
    update: Update,
}

/// How a flag writes its field.
#[derive(Clone, Copy)]
enum Update {
    Switch(fn(&mut Args) -> &mut bool),
    Text(fn(&mut Args) -> &mut Option<String>),
    /// Parses and checks the value, then writes it.
    Value(fn(&mut Args, Given) -> Result<(), Problem>),
    /// Read by `main` before anything else: `--help`, `--version`.
    Main,
}

impl Flag {
    const fn new(
        names: &'static [&'static str],
        value: Option<&'static str>,
        help: &'static str,
        update: Update,
    ) -> Flag {
        Flag {
            names,
            value,
            env: None,
            help,
            many: false,
            update,
        }
    }

    /// An option without a value.
    pub const fn switch(
        names: &'static [&'static str],
        help: &'static str,
        field: fn(&mut Args) -> &mut bool,
    ) -> Flag {
        Flag::new(names, None, help, Update::Switch(field))
    }

    /// An option whose value is kept as it is given.
    pub const fn text(
        names: &'static [&'static str],
        placeholder: &'static str,
        help: &'static str,
        field: fn(&mut Args) -> &mut Option<String>,
    ) -> Flag {
        Flag::new(names, Some(placeholder), help, Update::Text(field))
    }

    /// An option whose value `update` checks and writes.
    pub const fn value(
        names: &'static [&'static str],
        placeholder: &'static str,
        help: &'static str,
        update: fn(&mut Args, Given) -> Result<(), Problem>,
    ) -> Flag {
        Flag::new(names, Some(placeholder), help, Update::Value(update))
    }

    /// A switch `main` reads itself, before any other option.
    pub const fn main(names: &'static [&'static str], help: &'static str) -> Flag {
        Flag::new(names, None, help, Update::Main)
    }

    /// May be given more than once.
    pub const fn many(mut self) -> Flag {
        self.many = true;
        self
    }

    /// Also read from the environment variable `var`.
    pub const fn env(mut self, var: &'static str) -> Flag {
        self.env = Some(var);
        self
    }

    /// What tells it from the other options: its first name, or its
    /// variable for one that has no option.
    fn label(&self) -> &'static str {
        match (self.names.first(), self.env) {
            (Some(name), _) => name,
            (None, var) => var.unwrap_or_default(),
        }
    }

    /// Writes `given` into `args`; a value it refuses is a problem.
    fn set(&self, args: &mut Args, given: Given, problems: &mut Problems) {
        args.seen.push(self.label());
        args.sources.push((self.label(), given.source));
        match self.update {
            Update::Switch(field) => *field(args) = true,
            Update::Text(field) => *field(args) = Some(given.text),
            Update::Value(update) => {
                if let Err(problem) = update(args, given) {
                    problems.push(problem);
                }
            }
            Update::Main => {}
        }
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

impl Args {
    /// Whether the option `name` (its first spelling) was given, from
    /// wherever, even with a value it refused.
    pub fn given(&self, name: &str) -> bool {
        self.seen.contains(&name)
    }

    /// Where the option `name` (its first spelling, or its variable for
    /// one without an option) was set: the command line, the environment
    /// or the config file.
    pub fn source(&self, name: &str) -> Option<Source> {
        self.sources
            .iter()
            .find(|(label, _)| *label == name)
            .map(|&(_, source)| source)
    }

    /// Sets the option of `flag` from a weaker place than the command line
    /// (the environment, the config file), unless a stronger one set it;
    /// an empty value counts as none, as an empty variable does.
    pub fn fill(&mut self, flag: &Flag, text: String, source: Source, problems: &mut Problems) {
        if !text.is_empty() && !self.given(flag.label()) {
            flag.set(self, Given { text, source }, problems);
        }
    }
}

/// Takes every option of `groups` out of `args` into `into`. An option
/// given twice, or without its value, is a problem; the rest is still read.
pub fn take(args: &mut Arguments, groups: &[&[Flag]], into: &mut Args, problems: &mut Problems) {
    for flag in groups.iter().flat_map(|g| g.iter()) {
        for &name in flag.names {
            while let Some(text) = take_one(args, flag, name, problems) {
                if !flag.many && into.given(flag.label()) {
                    problems.push(Problem::new(
                        format!("{name} is given more than once"),
                        "give each option once",
                    ));
                    continue;
                }
                let source = Source::Flag(name);
                flag.set(into, Given { text, source }, problems);
            }
        }
    }
}

/// Reads the environment variables of the options of `groups` that the
/// command line left unset. A variable that is not UTF-8 is a problem.
pub fn environment(groups: &[&[Flag]], into: &mut Args, problems: &mut Problems) {
    for flag in groups.iter().flat_map(|g| g.iter()) {
        let Some(var) = flag.env else {
            continue;
        };
        match std::env::var_os(var).map(OsString::into_string) {
            None => {}
            Some(Ok(text)) => into.fill(flag, text, Source::Env(var), problems),
            Some(Err(_)) if into.given(flag.label()) => {}
            Some(Err(_)) => problems.push(Problem::new(
                format!("${var} is not valid UTF-8"),
                "fix the variable",
            )),
        }
    }
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

    const TABLE: &[Flag] = crate::globals::FLAGS;

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

    #[test]
    fn each_option_of_a_command_has_its_own_label() {
        for command in crate::COMMANDS {
            let mut labels: Vec<&str> = Vec::new();
            for flag in command.flags.iter().flat_map(|g| g.iter()) {
                assert!(
                    !labels.contains(&flag.label()),
                    "{}: {} twice",
                    command.name,
                    flag.label()
                );
                labels.push(flag.label());
            }
            for flag in TABLE {
                assert!(!labels.contains(&flag.label()), "{}", flag.label());
            }
        }
    }

    #[test]
    fn values_are_typed_checked_and_set_by_the_strongest_place() {
        let line = ["--timeout", "2.5", "--retries", "x", "--pretty", "--pretty"];
        let mut args = Arguments::from_vec(line.iter().map(OsString::from).collect());
        let (mut parsed, mut problems) = (Args::default(), Problems::default());
        take(&mut args, &[TABLE], &mut parsed, &mut problems);
        assert!(args.finish().is_empty());
        let env = |var: &'static str| Source::Env(var);
        let flag = |name: &str| TABLE.iter().find(|f| f.names.contains(&name));
        for (name, text, var) in [
            ("--timeout", "9", "JETPACK_TIMEOUT"),
            ("--retries", "3", "JETPACK_RETRIES"),
            ("--partner-id", "", "JETPACK_PARTNER_ID"),
            ("--token-cache", "/cache", "JETPACK_TOKEN_CACHE"),
        ] {
            let flag = flag(name).unwrap_or_else(|| panic!("{name}"));
            parsed.fill(flag, text.to_owned(), env(var), &mut problems);
        }
        assert_eq!(parsed.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(parsed.retries, None, "refused on the command line");
        assert_eq!(parsed.partner_id, None, "empty counts as not given");
        assert_eq!(parsed.token_cache.as_deref(), Some("/cache"));
        assert!(parsed.pretty && parsed.given("--retries"));
        let messages: Vec<String> = problems.into_vec().into_iter().map(|p| p.message).collect();
        assert_eq!(
            messages,
            [
                "--retries \"x\" is not a number of retries (0 or more)",
                "--pretty is given more than once"
            ]
        );
    }
}
