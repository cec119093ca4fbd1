//! The config file, so that a cron line need not repeat the credentials:
//! `KEY=VALUE` lines whose keys are the environment variables' names
//! (`JETPACK_PARTNER_ID=1234`). Its values come after the options and the
//! environment, before the defaults.
//!
//! The file is `--config FILE` or `$JETPACK_PARTNER_CONFIG` (which must
//! exist), else the first that exists of
//! `$XDG_CONFIG_HOME/jetpack-partner/config` (or
//! `~/.config/jetpack-partner/config`) and `/etc/jetpack-partner/config`.
//!
//! Since it can point the program at another API base, it is refused when
//! another user could have written it: owned by someone else than the
//! user or root, or writable by group or others (the rule the token cache
//! and OpenSSH apply). One that holds a secret and that others may read
//! gets a warning, as a secret file does.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::output::{Output, Problem, Problems};
use crate::suggest;

/// The system-wide file, read when the user has none.
pub const SYSTEM_PATH: &str = "/etc/jetpack-partner/config";

/// The user's file, under the XDG config directory.
pub const USER_PATH: &str = "jetpack-partner/config";

/// A config file is a few lines; a bigger one was named by mistake.
const LIMIT: u64 = 64 * 1024;

/// Keys whose values are secrets: a file holding one should be private.
const SECRETS: &[&str] = &["JETPACK_PARTNER_SECRET", "JETPACK_ACCESS_TOKEN"];

/// One `KEY=VALUE` line.
#[derive(Debug, PartialEq, Eq)]
pub struct Setting {
    pub key: &'static str,
    pub value: String,
    pub line: usize,
}

/// A config file that was read and may be used.
#[derive(Debug)]
pub struct Config {
    /// As messages name it (it outlives the program's parsing).
    pub path: &'static str,
    pub settings: Vec<Setting>,
}

/// The default places, in the order they are tried: the user's
/// (`$XDG_CONFIG_HOME`, if set and absolute, else `$HOME/.config`), then
/// the system's.
pub fn default_paths(xdg_config_home: Option<&Path>, home: Option<&Path>) -> Vec<PathBuf> {
    let user = match (xdg_config_home, home) {
        (Some(xdg), _) if xdg.is_absolute() => Some(xdg.join(USER_PATH)),
        (_, Some(home)) if !home.as_os_str().is_empty() => {
            Some(home.join(".config").join(USER_PATH))
        }
        _ => None,
    };
    user.into_iter()
        .chain([PathBuf::from(SYSTEM_PATH)])
        .collect()
}

/// The file to read: `given` (from `--config` or `$JETPACK_PARTNER_CONFIG`),
/// else the first default place where something exists; `None` when there
/// is none, which is no problem.
pub fn locate(given: Option<&str>) -> Option<PathBuf> {
    if let Some(given) = given {
        return Some(PathBuf::from(given));
    }
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from);
    let home = std::env::var_os("HOME").map(PathBuf::from);
    default_paths(xdg.as_deref(), home.as_deref())
        .into_iter()
        .find(|path| match std::fs::symlink_metadata(path) {
            Ok(_) => true,
            // Any other error (a directory we may not search) is reported
            // when the file is opened.
            Err(e) => !matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ),
        })
}

/// Reads, checks and parses the file at `path`; `keys` are the names it may
/// set. Every problem is recorded, and a file with any is not used.
pub fn load(
    path: &Path,
    keys: &[&'static str],
    out: &Output,
    problems: &mut Problems,
) -> Option<Config> {
    let shown: &'static str = Box::leak(path.display().to_string().into_boxed_str());
    let (text, mode) = match read(path, shown) {
        Ok(read) => read,
        Err(problem) => {
            problems.push(problem);
            return None;
        }
    };
    let mut found = Problems::default();
    let settings = parse(&text, shown, keys, &mut found);
    if !found.is_empty() {
        for problem in found.into_vec() {
            problems.push(problem);
        }
        return None;
    }
    warn(shown, mode, &settings, out);
    Some(Config {
        path: shown,
        settings,
    })
}

/// The warnings a usable file may still deserve.
fn warn(shown: &str, mode: u32, settings: &[Setting], out: &Output) {
    let holds = |key: &str| settings.iter().any(|s| s.key == key);
    if holds("JETPACK_PARTNER_SECRET") {
        out.note(&format!(
            "jetpack-partner: warning: the config file {shown} holds JETPACK_PARTNER_SECRET; keep the secret \
             in a file of its own (chmod 600) and name that file with \
             JETPACK_PARTNER_SECRET_FILE"
        ));
    }
    if SECRETS.iter().any(|key| holds(key)) && mode & 0o044 != 0 {
        out.note(&format!(
            "jetpack-partner: warning: the config file {shown} holds a secret and is readable \
             by other users (mode {mode:04o}); run: chmod 600 {shown}"
        ));
    }
}

/// The file's text and permission bits, after the checks on who could
/// have written it.
fn read(path: &Path, shown: &str) -> Result<(String, u32), Problem> {
    let file = open(path).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "check --config or $JETPACK_PARTNER_CONFIG"
        } else {
            "check the file and its directory's permissions"
        };
        Problem::new(format!("cannot read the config file {shown}: {e}"), hint)
    })?;
    let failed = |e: std::io::Error| {
        Problem::new(
            format!("cannot read the config file {shown}: {e}"),
            "check the file",
        )
    };
    let meta = file.metadata().map_err(failed)?;
    if !meta.is_file() {
        return Err(Problem::new(
            format!("the config file {shown} is not a regular file"),
            "name a file of KEY=VALUE lines",
        ));
    }
    let mode = check_owner_and_mode(&meta, shown)?;
    let mut bytes = Vec::new();
    file.take(LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > LIMIT {
        return Err(Problem::new(
            format!("the config file {shown} is larger than 64 KiB"),
            "a config file holds a few KEY=VALUE lines; check the name",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        Problem::new(
            format!("{shown}:{line}: not valid UTF-8"),
            "write the config file as UTF-8 text",
        )
    })?;
    Ok((text, mode))
}

/// Opens without waiting on a FIFO, which would block the program.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

/// Refuses a file another user could have written; returns its mode.
#[cfg(unix)]
fn check_owner_and_mode(meta: &std::fs::Metadata, shown: &str) -> Result<u32, Problem> {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode() & 0o777;
    let owner = meta.uid();
    // The process's effective uid, read without unsafe code as the token
    // cache reads it.
    let me = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    if owner != 0 && Some(owner) != me {
        let why = match me {
            Some(_) => format!("is owned by another user (uid {owner})"),
            None => format!(
                "is owned by uid {owner}, and without /proc this program cannot tell \
                 whether that is you"
            ),
        };
        return Err(Problem::new(
            format!("the config file {shown} {why}: refused, since it can point the program at another API"),
            "use a config file owned by you or by root",
        ));
    }
    if mode & 0o022 != 0 {
        return Err(Problem::new(
            format!(
                "the config file {shown} is writable by group or others (mode {mode:04o}): \
                 refused, since it can point the program at another API"
            ),
            format!("run: chmod go-w {shown}"),
        ));
    }
    Ok(mode)
}

#[cfg(not(unix))]
fn check_owner_and_mode(_: &std::fs::Metadata, _: &str) -> Result<u32, Problem> {
    Ok(0o600)
}

/// The settings of `text`. Blank lines and lines whose first non-blank
/// character is `#` are skipped. Each other line is `KEY=VALUE`: the key
/// (blanks around it ignored) one of `keys`, at most once; the value is
/// everything after the first `=`, as it stands, except that one pair of
/// matching double or single quotes around all of it is removed, as
/// systemd's `EnvironmentFile=` does. Nothing inside is interpreted: no
/// escapes, no variables, no comment after the value.
pub fn parse(
    text: &str,
    shown: &str,
    keys: &[&'static str],
    problems: &mut Problems,
) -> Vec<Setting> {
    let mut settings: Vec<Setting> = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let start = line.trim_start();
        if start.is_empty() || start.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            problems.push(Problem::new(
                format!("{shown}:{number}: not a KEY=VALUE line"),
                "write one setting a line, as KEY=VALUE; comments start with #",
            ));
            continue;
        };
        let key = key.trim();
        let Some(&known) = keys.iter().find(|&&k| k == key) else {
            problems.push(unknown_key(shown, number, key, keys));
            continue;
        };
        if let Some(first) = settings.iter().find(|s| s.key == known) {
            problems.push(Problem::new(
                format!(
                    "{shown}:{number}: {known} is set again (first on line {})",
                    first.line
                ),
                "keep one of the lines",
            ));
            continue;
        }
        settings.push(Setting {
            key: known,
            value: unquote(value).to_owned(),
            line: number,
        });
    }
    settings
}

fn unknown_key(shown: &str, number: usize, key: &str, keys: &[&'static str]) -> Problem {
    if let Some(bare) = key.strip_prefix("export ") {
        if keys.contains(&bare.trim()) {
            return Problem::new(
                format!("{shown}:{number}: \"export\" is not part of the format"),
                format!("write {}=VALUE", bare.trim()),
            );
        }
    }
    let near = suggest::did_you_mean(key, keys.iter().copied(), str::to_owned);
    Problem::new(
        format!("{shown}:{number}: unknown key {key:?}{near}"),
        format!("the keys are {}", keys.join(", ")),
    )
}

/// The value without one pair of matching quotes around all of it.
pub fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote) {
            return &value[1..value.len() - 1];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["JETPACK_PARTNER_ID", "JETPACK_API_BASE", "JETPACK_TIMEOUT"];

    fn parsed(text: &str) -> (Vec<Setting>, Vec<Problem>) {
        let mut problems = Problems::default();
        let settings = parse(text, "cfg", KEYS, &mut problems);
        (settings, problems.into_vec())
    }

    #[test]
    fn comments_blank_lines_and_values_as_they_stand() {
        let (settings, problems) = parsed(
            "# a comment\n\n   \n  # indented comment\nJETPACK_PARTNER_ID=12 34 \r\n \
             JETPACK_API_BASE = http://x/?a=b#c\nJETPACK_TIMEOUT=\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        let pairs: Vec<(&str, &str, usize)> = settings
            .iter()
            .map(|s| (s.key, s.value.as_str(), s.line))
            .collect();
        assert_eq!(
            pairs,
            [
                ("JETPACK_PARTNER_ID", "12 34 ", 5),
                ("JETPACK_API_BASE", " http://x/?a=b#c", 6),
                ("JETPACK_TIMEOUT", "", 7),
            ]
        );
    }

    #[test]
    fn one_pair_of_matching_quotes_is_removed() {
        assert_eq!(unquote("\"a b\""), "a b");
        assert_eq!(unquote("'a\"b'"), "a\"b");
        assert_eq!(unquote("\"\"x\"\""), "\"x\"", "only one pair");
        assert_eq!(unquote("\"a'"), "\"a'", "not matching");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(unquote("a\"b\""), "a\"b\"", "not around all of it");
        assert_eq!(unquote("\\\"x\\\""), "\\\"x\\\"", "no escapes");
    }

    #[test]
    fn bad_lines_are_named_with_file_and_line() {
        let (_, problems) = parsed(
            "JETPACK_PARTNER_ID=1\nno equals sign\nJETPACK_PARTNER_IDD=2\n\
             JETPACK_PARTNER_ID=3\nexport JETPACK_TIMEOUT=3\nNOPE=1",
        );
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "cfg:2: not a KEY=VALUE line",
                "cfg:3: unknown key \"JETPACK_PARTNER_IDD\"; did you mean JETPACK_PARTNER_ID?",
                "cfg:4: JETPACK_PARTNER_ID is set again (first on line 1)",
                "cfg:5: \"export\" is not part of the format",
                "cfg:6: unknown key \"NOPE\"",
            ]
        );
    }

    #[test]
    fn the_user_file_comes_before_the_system_one() {
        let xdg = Path::new("/x/cfg");
        let home = Path::new("/home/u");
        assert_eq!(
            default_paths(Some(xdg), Some(home)),
            [
                PathBuf::from("/x/cfg/jetpack-partner/config"),
                PathBuf::from(SYSTEM_PATH)
            ]
        );
        assert_eq!(
            default_paths(Some(Path::new("relative")), Some(home)),
            [
                PathBuf::from("/home/u/.config/jetpack-partner/config"),
                PathBuf::from(SYSTEM_PATH)
            ],
            "a relative XDG_CONFIG_HOME is ignored, as the XDG rules say"
        );
        assert_eq!(default_paths(None, None), [PathBuf::from(SYSTEM_PATH)]);
    }
}
