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
    /// `--ssh-private-key=`: key text (it has a PEM header or a line break)
    /// becomes `--ssh-private-key-text`, anything else is a file's path.
    KeyOrPath,
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
    // The last versions (2019-2020) took the Jetpack Backup credentials.
    (&["--ssh-pass"], Becomes::Value("--ssh-pass")),
    (&["--ftp-pass"], Becomes::Value("--ftp-pass")),
    (&["--ssh-private-key"], Becomes::KeyOrPath),
];

/// Spellings that only the scripts used: an invocation with one of them is
/// in the scripts' spelling, and behaves as the scripts did (WP-CLI is
/// probed and used when it answers).
const SCRIPT_ONLY: &[&str] = &[
    "--partner_id",
    "-c",
    "--partner_secret",
    "-s",
    "--user",
    "--user_id",
    "-i",
    "-p",
    "--url",
    "-u",
    "--onboarding",
    "-o",
    "--wpcom_user_id",
    "-w",
    "--wpcom_user_email",
    "-e",
    "--force_register",
    "--force_connect",
    "--ssh-pass",
    "--ftp-pass",
];

/// What an old spelling was rewritten to, and whether only the scripts
/// spelled it so.
pub struct Rewritten {
    pub args: Vec<String>,
    pub script_only: bool,
}

/// The new arguments for an old `name=value` argument; `None` when `arg` is
/// not an old spelling.
pub fn rewrite(arg: &str) -> Result<Option<Rewritten>, Failure> {
    let Some((name, value)) = arg.split_once('=') else {
        return Ok(None);
    };
    let Some((_, becomes)) = OLD.iter().find(|(names, _)| names.contains(&name)) else {
        return Ok(None);
    };
    let args = match *becomes {
        Becomes::Value(new) => vec![new.to_owned(), value.to_owned()],
        Becomes::KeyOrPath if is_key_text(value) => {
            vec!["--ssh-private-key-text".to_owned(), value.to_owned()]
        }
        Becomes::KeyOrPath => vec!["--ssh-private-key".to_owned(), value.to_owned()],
        Becomes::Switch(new) => match jetpack_partner::parse_bool(value) {
            Some(true) => vec![new.to_owned()],
            Some(false) => Vec::new(),
            None => {
                return Err(Failure::usage(
                    format!("{name}={value:?}: expected 1 or 0 (true or false)"),
                    &format!("write {name}=1, or {new}"),
                ))
            }
        },
    };
    Ok(Some(Rewritten {
        args,
        script_only: SCRIPT_ONLY.contains(&name)
            || is_key_text(value) && name == "--ssh-private-key",
    }))
}

/// Key text, not a path: a PEM header, or a line break (no file name has
/// one in practice).
pub fn is_key_text(value: &str) -> bool {
    value.contains("-----BEGIN") || value.contains('\n') || value.contains('\r')
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
            Becomes::KeyOrPath => "--ssh-private-key PATH (or the key's text)".to_owned(),
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
        rewrite(arg)
            .unwrap_or_else(|_| panic!("{arg}"))
            .map(|r| r.args)
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
        assert_eq!(
            new("--ssh-private-key=/root/.ssh/id"),
            Some(vec!["--ssh-private-key".into(), "/root/.ssh/id".into()])
        );
        assert_eq!(
            new("--ssh-private-key=-----BEGIN OPENSSH PRIVATE KEY-----\nAAA"),
            Some(vec![
                "--ssh-private-key-text".into(),
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAA".into()
            ])
        );
        assert_eq!(
            new("--ssh-pass=p w"),
            Some(vec!["--ssh-pass".into(), "p w".into()])
        );
    }

    #[test]
    fn only_the_scripts_own_spellings_make_a_script_invocation() {
        let script = |arg: &str| rewrite(arg).ok().flatten().is_some_and(|r| r.script_only);
        for old in [
            "--partner_id=1",
            "-c=1",
            "--user=a",
            "--url=x",
            "-o=1",
            "--ssh-pass=x",
        ] {
            assert!(script(old), "{old}");
        }
        for new in [
            "--plan=free",
            "--partner-tracking-id=x",
            "--ssh-private-key=/k",
            "--wp-cli-path=/w",
        ] {
            assert!(!script(new), "{new}");
        }
    }
}
