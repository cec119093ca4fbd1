//! The checks of a command's options that need neither the network nor the
//! credentials, run before any command starts: a missing required option,
//! and every value of a known type. With the global options' checks, they
//! make every usage problem of an invocation appear at once, and before a
//! missing credential.
//!
//! A value check belongs to an option (by its key), and runs for every
//! command that declares that option when it is given. The commands read
//! the values with the same rules and messages; this only brings the
//! problems forward and together.

use crate::args::{Flag, Parsed};
use crate::output::{Failure, Problem, Problems};
use crate::Command;

type Check = fn(&Parsed) -> Result<(), Failure>;

const PLANS: &str = "a whole number of plans";
const PORT: &str = "a port number from 1 to 65535";
#[cfg(feature = "sandbox")]
const MILLISECONDS: &str = "a whole number of milliseconds";

/// The options whose values have a known type, and their checks.
const TYPED: &[(&str, Check)] = &[
    ("wpcom-user-id", |f| {
        number::<u64>(f, "wpcom-user-id", "a WordPress.com user ID (a number)")
    }),
    ("blog-id", |f| {
        number::<u64>(f, "blog-id", "a blog ID (a positive number)")
    }),
    ("allowed-personal-plans", |f| {
        number::<u32>(f, "allowed-personal-plans", PLANS)
    }),
    ("allowed-premium-plans", |f| {
        number::<u32>(f, "allowed-premium-plans", PLANS)
    }),
    ("allowed-professional-plans", |f| {
        number::<u32>(f, "allowed-professional-plans", PLANS)
    }),
    ("ssh-port", |f| port(f, "ssh-port")),
    ("ftp-port", |f| port(f, "ftp-port")),
    ("site", |f| crate::site::site(f).map(drop)),
    ("siteurl", |f| crate::provision::site_url_flag(f).map(drop)),
    ("concurrency", concurrency),
    ("rate", rate),
    ("format", format),
    #[cfg(feature = "sandbox")]
    ("workers", |f| {
        range(
            f,
            "workers",
            1..=1024,
            "a number of threads from 1 to 1024",
            "64",
        )
    }),
    #[cfg(feature = "sandbox")]
    ("max-connections", |f| {
        let what = "a number of connections from 1 to 4096";
        range(f, "max-connections", 1..=4096, what, "256")
    }),
    #[cfg(feature = "sandbox")]
    ("latency", |f| number::<u64>(f, "latency", MILLISECONDS)),
    #[cfg(feature = "sandbox")]
    ("slow-ms", |f| number::<u64>(f, "slow-ms", MILLISECONDS)),
    #[cfg(feature = "sandbox")]
    ("retry-after", |f| {
        number::<u64>(f, "retry-after", "a whole number of seconds")
    }),
    #[cfg(feature = "sandbox")]
    ("fault-seed", |f| {
        number::<u64>(f, "fault-seed", "a whole number")
    }),
    #[cfg(feature = "sandbox")]
    ("fault-after", |f| {
        number::<u64>(f, "fault-after", "a number of requests")
    }),
];

/// Records the problems of `flags`, the options given to `command`.
pub fn command(command: &Command, flags: &Parsed, problems: &mut Problems) -> Result<(), Failure> {
    let declared = || command.flags.iter().flat_map(|g| g.iter());
    for &key in command.required {
        if flags.text(key).is_some_and(|v| !v.is_empty()) {
            continue;
        }
        if let Some(flag) = declared().find(|f| f.key == key) {
            problems.push(required(flag));
        }
    }
    for flag in declared().filter(|f| flags.has(f.key)) {
        for (_, check) in TYPED.iter().filter(|(key, _)| *key == flag.key) {
            problems.check(check(flags))?;
        }
    }
    Ok(())
}

fn required(flag: &Flag) -> Problem {
    let name = flag.names.first().copied().unwrap_or(flag.key);
    let value = flag.value.unwrap_or("VALUE");
    Problem::new(format!("{name} is required"), format!("add {name} {value}"))
}

fn number<T: std::str::FromStr>(flags: &Parsed, key: &str, what: &str) -> Result<(), Failure> {
    flags.parse::<T>(key, what).map(drop)
}

/// As `backup.rs` reads `--ssh-port` and `--ftp-port`.
fn port(flags: &Parsed, key: &str) -> Result<(), Failure> {
    match flags.parse::<u16>(key, PORT)? {
        Some(0) => Err(Failure::usage(
            format!("--{key} 0 is not {PORT}"),
            &format!("give {PORT}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(feature = "sandbox")]
fn range(
    flags: &Parsed,
    key: &str,
    range: std::ops::RangeInclusive<usize>,
    what: &str,
    example: &str,
) -> Result<(), Failure> {
    match flags.parse::<usize>(key, what)? {
        Some(n) if !range.contains(&n) => Err(Failure::usage(
            format!(
                "--{key} {n} is not from {} to {}",
                range.start(),
                range.end()
            ),
            &format!("give e.g. --{key} {example}"),
        )),
        _ => Ok(()),
    }
}

/// As `batch.rs` reads `--concurrency`.
fn concurrency(flags: &Parsed) -> Result<(), Failure> {
    let n = flags.parse::<usize>("concurrency", "a number of workers from 1 to 256")?;
    if n.is_some_and(|n| !(1..=256).contains(&n)) {
        return Err(Failure::usage(
            "--concurrency must be from 1 to 256",
            "give e.g. --concurrency 8",
        ));
    }
    Ok(())
}

/// As `batch.rs` reads `--rate`: from one request a day up.
fn rate(flags: &Parsed) -> Result<(), Failure> {
    let Some(text) = flags.text("rate") else {
        return Ok(());
    };
    match text.trim_end_matches("/s").parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 1.0 / 86_400.0 => Ok(()),
        _ => Err(Failure::usage(
            format!("--rate {text:?} is not a rate from one request a day up"),
            "give requests per second, e.g. --rate 10/s or --rate 0.5/s",
        )),
    }
}

/// As `batch.rs` reads `--format`.
fn format(flags: &Parsed) -> Result<(), Failure> {
    match flags.text("format") {
        None | Some("jsonl" | "json" | "ndjson" | "csv") => Ok(()),
        Some(other) => Err(Failure::usage(
            format!("--format {other:?} is not jsonl or csv"),
            "give --format jsonl or --format csv",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_and_required_option_names_a_declared_option() {
        let declared: Vec<&str> = crate::COMMANDS
            .iter()
            .flat_map(|c| c.flags.iter().flat_map(|g| g.iter()))
            .map(|f| f.key)
            .collect();
        for (key, _) in TYPED {
            assert!(
                declared.contains(key),
                "{key} is checked but no command has it"
            );
        }
        for command in crate::COMMANDS {
            let own: Vec<&str> = command
                .flags
                .iter()
                .flat_map(|g| g.iter())
                .map(|f| f.key)
                .collect();
            for key in command.required {
                assert!(
                    own.contains(key),
                    "{}: {key} is required but not declared",
                    command.name
                );
            }
        }
    }
}
