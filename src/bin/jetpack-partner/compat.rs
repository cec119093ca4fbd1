//! The spellings of the deprecated `partner-provision.sh` and
//! `partner-cancel.sh`, rewritten into ours before parsing, so that an old
//! invocation and its new spelling build exactly the same request.
//!
//! The scripts took every option as `--name=value` or `-x=value`; so do we.
//! Their boolean options took a value (`--onboarding=1`); ours are switches,
//! so a true value becomes the switch and a false one drops it.

use crate::output::Failure;

/// What an old spelling becomes.
#[derive(Clone, Copy)]
enum Becomes {
    /// The option of this name with the same value.
    Value(&'static str),
    /// The switch of this name when the value is true, nothing when false.
    Switch(&'static str),
}

/// Old spellings, as section 10 of the API reference lists them.
const OLD: &[(&[&str], Becomes)] = &[
    (&["--partner_id", "-c"], Becomes::Value("--partner-id")),
    (
        &["--partner_secret", "-s"],
        Becomes::Value("--partner-secret"),
    ),
    (
        &["--user", "--user_id", "-i"],
        Becomes::Value("--local-user"),
    ),
    (&["--plan", "-p"], Becomes::Value("--plan")),
    (&["--url", "-u"], Becomes::Value("--url")),
    (&["--onboarding", "-o"], Becomes::Switch("--onboarding")),
    (
        &["--wpcom_user_id", "-w"],
        Becomes::Value("--wpcom-user-id"),
    ),
    (
        &["--wpcom_user_email", "-e"],
        Becomes::Value("--wpcom-user-email"),
    ),
    (&["--force_register"], Becomes::Switch("--force-register")),
    (&["--force_connect"], Becomes::Switch("--force-connect")),
    (
        &["--partner-tracking-id"],
        Becomes::Value("--partner-tracking-id"),
    ),
    (&["--wp-cli-path"], Becomes::Value("--wp-cli-path")),
];

/// The new arguments for an old `name=value` argument; `None` when `arg` is
/// not an old spelling.
pub fn rewrite(arg: &str) -> Result<Option<Vec<String>>, Failure> {
    let Some((name, value)) = arg.split_once('=') else {
        return Ok(None);
    };
    let Some((_, becomes)) = OLD.iter().find(|(names, _)| names.contains(&name)) else {
        return Ok(None);
    };
    Ok(Some(match *becomes {
        Becomes::Value(new) => vec![new.to_owned(), value.to_owned()],
        Becomes::Switch(new) => match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => vec![new.to_owned()],
            "0" | "false" | "no" | "off" | "" => Vec::new(),
            _ => {
                return Err(Failure::usage(
                    format!("{name}={value:?}: expected 1 or 0 (true or false)"),
                    &format!("write {name}=1, or {new}"),
                ))
            }
        },
    }))
}

/// The old spellings, for `--help`.
pub fn help() -> String {
    let mut out =
        String::from("Old script spellings (partner-provision.sh, partner-cancel.sh) also work:\n");
    for (names, becomes) in OLD {
        let old: Vec<String> = names.iter().map(|n| format!("{n}=…")).collect();
        let new = match becomes {
            Becomes::Value(n) => format!("{n} VALUE"),
            Becomes::Switch(n) => format!("{n} (when 1)"),
        };
        out.push_str(&format!("  {:42} = {new}\n", old.join(", ")));
    }
    out.push_str("  --allow-root, -h, --help and JETPACK_START_API_HOST mean what they meant.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(arg: &str) -> Option<Vec<String>> {
        rewrite(arg).unwrap_or_else(|_| panic!("{arg}"))
    }

    #[test]
    fn old_spellings_become_new_ones() {
        assert_eq!(
            new("--partner_id=12"),
            Some(vec!["--partner-id".into(), "12".into()])
        );
        assert_eq!(new("-c=12"), Some(vec!["--partner-id".into(), "12".into()]));
        assert_eq!(
            new("-s=a=b&c"),
            Some(vec!["--partner-secret".into(), "a=b&c".into()])
        );
        assert_eq!(
            new("--user_id=7"),
            Some(vec!["--local-user".into(), "7".into()])
        );
        assert_eq!(new("--onboarding=1"), Some(vec!["--onboarding".into()]));
        assert_eq!(new("--force_register=0"), Some(vec![]));
        assert_eq!(new("--api-base=x"), None);
        assert_eq!(new("--user"), None, "only the = form is an old spelling");
        assert!(rewrite("--onboarding=maybe").is_err());
    }
}
