//! The first hour with the program: `help`, `version`, the groups' help,
//! suggestions for typos, every usage problem at once and before the
//! credentials, completions and the man page, and the config file that a
//! cron line uses instead of repeating the credentials.
use std::path::Path;
use std::process::Command;

use crate::common::*;

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {path:?}: {e}"));
}

/// A config file with `content` and `mode`, in a private directory.
fn config_file(content: &str, mode: u32) -> std::path::PathBuf {
    let path = temp_file("config", content.as_bytes());
    #[cfg(unix)]
    chmod(&path, mode);
    #[cfg(not(unix))]
    let _ = mode;
    path
}

/// `needle` stands in `haystack` as a word of its own: not inside a longer
/// name (`--site` in `--siteurl`).
fn contains_word(haystack: &str, needle: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

// 1. The first commands a new user types.

#[test]
fn help_and_version_commands_exit_0_with_the_right_text() {
    let help = cli(&["help"], &[], None);
    help.assert_code(0);
    assert_eq!(help.stdout, cli(&["--help"], &[], None).stdout);
    assert!(help.stdout.contains("Commands:"), "{help:#?}");

    for command in [
        &["provision"][..],
        &["batch", "provision"],
        &["partner-key", "new"],
    ] {
        let by_help = cli(&[&["help"][..], command].concat(), &[], None);
        by_help.assert_code(0);
        let by_flag = cli(&[command, &["--help"]].concat(), &[], None);
        by_flag.assert_code(0);
        assert_eq!(by_help.stdout, by_flag.stdout, "{command:?}");
        assert!(by_help.stdout.contains("Usage:"), "{command:?}");
    }
    let provision = cli(&["help", "provision"], &[], None);
    assert!(provision.stdout.contains("--local-user"), "{provision:#?}");
    let batch_provision = cli(&["help", "batch", "provision"], &[], None);
    assert!(
        batch_provision.stdout.contains("--resume"),
        "{batch_provision:#?}"
    );

    let version = cli(&["version"], &[], None);
    version.assert_code(0);
    assert_eq!(version.stdout, cli(&["--version"], &[], None).stdout);
    assert_eq!(
        version.stdout,
        format!("jetpack-partner {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_group_shows_its_subcommands_and_how_to_get_their_help() {
    for args in [
        &["batch", "--help"][..],
        &["batch", "-h"],
        &["help", "batch"],
        &["--help", "batch"],
    ] {
        let run = cli(args, &[], None);
        run.assert_code(0);
        assert_eq!(run.stderr, "", "{args:?}");
        for needle in [
            "batch provision",
            "batch cancel",
            "provision many sites",
            "cancel for many sites",
            "jetpack-partner batch provision --help",
        ] {
            assert!(
                run.stdout.contains(needle),
                "{args:?}: {needle}: {}",
                run.stdout
            );
        }
    }
    let key = cli(&["partner-key", "--help"], &[], None);
    key.assert_code(0);
    assert!(key.stdout.contains("partner-key new"), "{key:#?}");
    assert!(key.stdout.contains("create a partner sub-key"), "{key:#?}");
    assert!(
        key.stdout
            .contains("jetpack-partner partner-key new --help"),
        "{key:#?}"
    );
}

#[test]
fn typos_get_the_nearest_command_subcommand_or_option() {
    let sandbox = sandbox();
    let base = sandbox.base_url();
    let cases: &[(&[&str], &str)] = &[
        (
            &["batch", "provison", "--input", "x"],
            "unknown batch subcommand \"provison\"; did you mean 'batch provision'?",
        ),
        (
            &["provison", "--plan", "free"],
            "unknown command \"provison\"; did you mean provision?",
        ),
        (
            &["help", "provison"],
            "unknown command \"provison\"; did you mean provision?",
        ),
        (
            &["help", "batch", "cancle"],
            "unknown batch subcommand \"cancle\"; did you mean 'batch cancel'?",
        ),
        (
            &["--parnter-id", "1234", "status", "--site", "example.com"],
            "unknown option \"--parnter-id\"; did you mean --partner-id?",
        ),
        (
            &["status", "--site", "example.com", "--v1.4"],
            "unknown option \"--v1.4\"; did you mean --v1.3?",
        ),
        (
            &["provision", "--local-usr", "admin"],
            "unknown option \"--local-usr\"; did you mean --local-user?",
        ),
    ];
    for (args, message) in cases {
        let run = cli(&[&["--api-base", base][..], args].concat(), &[], None);
        run.assert_code(2);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("needs a subcommand"), "{args:?}");
        assert_eq!(run.stdout, "");
    }
    // Nothing near: no guess.
    for args in [
        &["frobnicate"][..],
        &["status", "--frobnicate"],
        &["batch", "zzz"],
    ] {
        let run = cli(args, &[], None);
        run.assert_code(2);
        assert!(
            !run.stderr.contains("did you mean"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let bare = cli(&["batch", "zzz"], &[], None);
    assert!(
        bare.stderr.contains("unknown batch subcommand \"zzz\""),
        "{bare:#?}"
    );
    assert_eq!(requests(&sandbox), 0);
}

// 2. Every usage problem at once, before any credential.

#[test]
fn usage_problems_are_listed_together_before_any_credential_error() {
    let sandbox = sandbox();
    let base = sandbox.base_url();
    let run = cli(
        &[
            "--api-base",
            base,
            "--timeout",
            "abc",
            "--retries",
            "x",
            "status",
            "--site",
            "example.com",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("--timeout \"abc\" is not a number of seconds"),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains("--retries \"x\" is not a number of retries"),
        "{run:#?}"
    );
    assert!(
        !run.stderr.contains("partner ID"),
        "no credential error: {run:#?}"
    );
    assert!(
        !run.stderr.contains("secret"),
        "no credential error: {run:#?}"
    );
    // All the messages first, then the hints.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let first_hint = lines.iter().position(|l| l.starts_with("hint: "));
    assert_eq!(first_hint, Some(2), "{lines:?}");
    assert!(
        lines[2..].iter().all(|l| l.starts_with("hint: ")),
        "{lines:?}"
    );

    // Unknown options, stray words, bad values of the command's own
    // options, a missing required one and a malformed API base, together.
    let run = cli(
        &[
            "--api-base",
            "ftp://example.com",
            "--bogus",
            "batch",
            "provision",
            "--concurrency",
            "0",
            "--rate",
            "fast",
            "--format",
            "xml",
            "stray",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    for needle in [
        "unknown option \"--bogus\"",
        "unexpected argument \"stray\"",
        "--concurrency must be from 1 to 256",
        "--rate \"fast\" is not a rate",
        "--format \"xml\" is not jsonl or csv",
        "--input is required",
        "ftp://example.com",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("partner ID"), "{run:#?}");

    // The environment's values are checked the same way.
    let run = cli(
        &["--api-base", base, "token"],
        &[("JETPACK_TIMEOUT", "soon"), ("JETPACK_RETRIES", "-1")],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("$JETPACK_TIMEOUT \"soon\""), "{run:#?}");
    assert!(run.stderr.contains("$JETPACK_RETRIES \"-1\""), "{run:#?}");
    assert!(!run.stderr.contains("partner ID"), "{run:#?}");

    // Only a clean invocation gets as far as the credentials.
    let run = cli(
        &[
            "--api-base",
            base,
            "--timeout",
            "5",
            "status",
            "--site",
            "example.com",
        ],
        &[],
        None,
    );
    run.assert_code(2);
    assert!(run.stderr.contains("no partner ID given"), "{run:#?}");
    assert_eq!(requests(&sandbox), 0);
}

// 3. A build without the sandbox. It is checked by unit tests of the binary
// (`cargo test --bins`, and `cargo test --no-default-features --bins`),
// and end to end by this test, which builds the binary without the
// sandbox in its own target directory: too slow for every run, so it runs
// when asked (`cargo test --test it -- --ignored cli_help`).

#[test]
#[ignore = "builds the crate again without the sandbox; run with --ignored"]
fn a_build_without_the_sandbox_says_how_to_get_it() {
    let root = env!("CARGO_MANIFEST_DIR");
    let target = Path::new(root).join("target").join("no-sandbox");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let built = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--no-default-features",
            "--features",
            "cli",
            "--bin",
            "jetpack-partner",
        ])
        .arg("--target-dir")
        .arg(&target)
        .current_dir(root)
        .status()
        .unwrap_or_else(|e| panic!("cargo: {e}"));
    assert!(built.success(), "cargo build --no-default-features");
    let binary = target.join("debug").join("jetpack-partner");
    for command in ["demo", "sandbox"] {
        let out = Command::new(&binary)
            .arg(command)
            .env_clear()
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("leaves the sandbox out"),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("cargo build --release"),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("cargo run --release -- demo"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("unknown command"), "{command}: {stderr}");
    }
}

// 4. Completions and the man page, from the same tables as --help.

/// The command names of the overview.
fn commands_in(overview: &str) -> Vec<String> {
    overview
        .split("Commands:\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.trim_start().split("  ").next())
        .map(str::to_owned)
        .collect()
}

/// The option names of a help text's lists of options: the lines that
/// start with two spaces and a dash, under "Options:" or "Global options".
fn options_in(help: &str) -> Vec<String> {
    let mut in_list = false;
    help.lines()
        .filter(|l| {
            if l.is_empty() {
                in_list = false;
            } else if l.starts_with("Options:") || l.starts_with("Global options (") {
                in_list = true;
            }
            in_list && l.starts_with("  -")
        })
        .filter_map(|l| l.trim_start().split("  ").next())
        .flat_map(|names| {
            names
                .split(", ")
                .map(|n| n.split(' ').next().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The man page's text as a reader sees it: no font changes, `\-` as `-`.
fn man_text(roff: &str) -> String {
    let mut text = roff.to_owned();
    for escape in ["\\fB", "\\fI", "\\fR", "\\fP", "\\&"] {
        text = text.replace(escape, "");
    }
    text.replace("\\-", "-").replace("\\e", "\\")
}

/// How a fish script names an option: `-l name` or `-s n`.
fn fish_spelling(option: &str) -> String {
    match option.strip_prefix("--") {
        Some(long) => format!("-l {long}"),
        None => format!("-s {}", option.trim_start_matches('-')),
    }
}

#[test]
fn every_command_and_option_is_in_the_help_the_man_page_and_each_completion_script() {
    let overview = cli(&["--help"], &[], None);
    overview.assert_code(0);
    let commands = commands_in(&overview.stdout);
    for expected in [
        "token",
        "batch provision",
        "partner-key new",
        "help",
        "completions",
        "man",
    ] {
        assert!(
            commands.iter().any(|c| c == expected),
            "{expected}: {commands:?}"
        );
    }
    let mut options: Vec<String> = options_in(&overview.stdout);
    assert!(options.iter().any(|o| o == "--config"), "{options:?}");
    for command in &commands {
        let words: Vec<&str> = command.split(' ').collect();
        let help = cli(&[&words[..], &["--help"]].concat(), &[], None);
        help.assert_code(0);
        options.extend(options_in(&help.stdout));
    }
    for expected in [
        "--local-user",
        "--input",
        "--site",
        "--siteurl",
        "--v1.3",
        "--name",
    ] {
        assert!(
            options.iter().any(|o| o == expected),
            "{expected}: {options:?}"
        );
    }

    let man = cli(&["man"], &[], None);
    man.assert_code(0);
    let page = man_text(&man.stdout);
    let scripts: Vec<(&str, String)> = ["bash", "zsh", "fish"]
        .into_iter()
        .map(|shell| {
            let run = cli(&["completions", shell], &[], None);
            run.assert_code(0);
            (shell, run.stdout)
        })
        .collect();
    for command in &commands {
        assert!(contains_word(&page, command), "man page: {command}");
        for (shell, script) in &scripts {
            for word in command.split(' ') {
                assert!(contains_word(script, word), "{shell}: {command}");
            }
        }
    }
    for option in &options {
        assert!(contains_word(&page, option), "man page: {option}");
        for (shell, script) in &scripts {
            let spelled = match *shell {
                "fish" => fish_spelling(option),
                _ => option.clone(),
            };
            assert!(contains_word(script, &spelled), "{shell}: {option}");
        }
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMANDS",
        "OPTIONS",
        "ENVIRONMENT",
        "FILES",
        "\"EXIT STATUS\"",
    ] {
        assert!(
            man.stdout.contains(&format!("\n.SH {section}\n")),
            "{section}"
        );
    }
}

#[test]
fn the_completion_scripts_load_and_the_man_page_renders() {
    let script = cli(&["completions", "bash"], &[], None);
    script.assert_code(0);
    let path = temp_file("jetpack-partner.bash", script.stdout.as_bytes());
    let loaded = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p jetpack-partner",
            text(&path)
        ))
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(loaded.status.success(), "{loaded:?}");
    assert_eq!(
        String::from_utf8_lossy(&loaded.stdout),
        "complete -F _jetpack_partner jetpack-partner\n"
    );
    // What completing a few lines gives.
    let complete = |line: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}'; COMP_WORDS=({line}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
                 _jetpack_partner; echo \"${{COMPREPLY[*]}}\"",
                text(&path)
            ))
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(complete("jetpack-partner provi"), "provision");
    assert_eq!(
        complete("jetpack-partner batch ''"),
        "provision cancel backups scan"
    );
    assert_eq!(
        complete("jetpack-partner --timeout 3 batch provision --res"),
        "--resume"
    );
    assert_eq!(
        complete("jetpack-partner batch cancel --format ''"),
        "jsonl csv"
    );
    assert_eq!(
        complete("jetpack-partner completions ''"),
        "bash zsh fish -h --help"
    );

    // zsh and fish are checked when this machine has them.
    for (shell, check) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"])] {
        if Command::new(shell).arg("--version").output().is_err() {
            eprintln!("{shell} is not installed: its completion script is not parsed");
            continue;
        }
        let script = cli(&["completions", shell], &[], None);
        let path = temp_file(&format!("completion.{shell}"), script.stdout.as_bytes());
        let parsed = Command::new(shell)
            .args(check)
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("{shell}: {e}"));
        assert!(parsed.status.success(), "{shell}: {parsed:?}");
    }
    if Command::new("groff").arg("--version").output().is_err() {
        eprintln!("groff is not installed: the man page is not rendered");
        return;
    }
    let page = cli(&["man"], &[], None);
    let path = temp_file("jetpack-partner.1", page.stdout.as_bytes());
    let rendered = Command::new("groff")
        .args(["-man", "-Tutf8", "-k", "-ww", "-z"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("groff: {e}"));
    assert!(rendered.status.success(), "{rendered:?}");
    assert_eq!(
        String::from_utf8_lossy(&rendered.stderr),
        "",
        "groff warnings"
    );
}

// 5. The config file.

#[test]
fn options_win_over_the_environment_which_wins_over_the_config_file() {
    // Each place gives a bad time-out; the message names the one used.
    let file = config_file("# time-out\nJETPACK_TIMEOUT=file\n", 0o600);
    let file = text(&file);
    let from_file = cli(&["--config", &file, "token"], &[], None);
    from_file.assert_code(2);
    assert!(
        from_file
            .stderr
            .contains(&format!("{file}:2: JETPACK_TIMEOUT \"file\"")),
        "{from_file:#?}"
    );
    let from_env = cli(
        &["--config", &file, "token"],
        &[("JETPACK_TIMEOUT", "env")],
        None,
    );
    from_env.assert_code(2);
    assert!(
        from_env.stderr.contains("$JETPACK_TIMEOUT \"env\""),
        "{from_env:#?}"
    );
    assert!(!from_env.stderr.contains("\"file\""), "{from_env:#?}");
    let from_flag = cli(
        &["--config", &file, "--timeout", "flag", "token"],
        &[("JETPACK_TIMEOUT", "env")],
        None,
    );
    from_flag.assert_code(2);
    assert!(
        from_flag.stderr.contains("--timeout \"flag\""),
        "{from_flag:#?}"
    );
    assert!(!from_flag.stderr.contains("\"env\""), "{from_flag:#?}");

    // And with real values, against the sandbox: the file's API base is a
    // closed port, the environment's the sandbox, the option's the sandbox
    // again over an environment that names the closed port.
    let sandbox = sandbox();
    let closed = closed_port();
    let file = config_file(
        &format!(
            "JETPACK_API_BASE={closed}\nJETPACK_PARTNER_ID=9999\nJETPACK_PARTNER_SECRET_FILE=/nonexistent\n"
        ),
        0o600,
    );
    let file = text(&file);
    let secret = temp_file("secret", SECRET.as_bytes());
    let env_wins = cli(
        &["--config", &file, "token"],
        &[
            ("JETPACK_API_BASE", sandbox.base_url()),
            ("JETPACK_PARTNER_ID", PARTNER_ID),
            ("JETPACK_PARTNER_SECRET", SECRET),
        ],
        None,
    );
    env_wins.assert_code(0);
    let flags_win = cli(
        &[
            "--config",
            &file,
            "--api-base",
            sandbox.base_url(),
            "--partner-id",
            PARTNER_ID,
            "--partner-secret-file",
            &text(&secret),
            "token",
        ],
        &[
            ("JETPACK_API_BASE", &closed),
            ("JETPACK_PARTNER_ID", "8888"),
        ],
        None,
    );
    flags_win.assert_code(0);
    let file_only = cli(&["--config", &file, "token"], &[], None);
    file_only.assert_code(5);
    assert!(file_only.stderr.contains("/nonexistent"), "{file_only:#?}");
}

#[test]
fn a_cron_line_needs_only_the_config_file() {
    let sandbox = sandbox();
    let secret = temp_file("secret", format!("{SECRET}\n").as_bytes());
    #[cfg(unix)]
    chmod(&secret, 0o600);
    let file = config_file(
        &format!(
            "# jetpack-partner settings for the nightly job\n\
             \n\
             JETPACK_API_BASE={}\n\
             \x20 # the partner\n\
             JETPACK_PARTNER_ID=\"{PARTNER_ID}\"\n\
             JETPACK_PARTNER_SECRET_FILE='{}'\n\
             \n\
             JETPACK_TIMEOUT=20\n\
             JETPACK_RETRIES=1\n",
            sandbox.base_url(),
            text(&secret)
        ),
        0o600,
    );
    let run = cli(
        &[
            "--config",
            &text(&file),
            "provision",
            "--local-user",
            "admin",
            "--siteurl",
            "https://cron.example",
            "--plan",
            "free",
        ],
        &[],
        None,
    );
    run.assert_code(0);
    assert_eq!(
        run.stderr, "",
        "a private file with no secret in it: no warning"
    );
    run.assert_hidden(SECRET);
    assert_eq!(sandbox.stats()["provisions"]["cron.example"], 1);

    // The same file named by the environment, and found in the default place.
    let by_env = cli(
        &["status", "--site", "cron.example"],
        &[("JETPACK_PARTNER_CONFIG", &text(&file))],
        None,
    );
    by_env.assert_code(0);
    let xdg = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = xdg.join("jetpack-partner");
    std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(&file, dir.join("config")).unwrap_or_else(|e| panic!("{e}"));
    let by_default = cli(
        &["status", "--site", "cron.example"],
        &[("XDG_CONFIG_HOME", &text(&xdg))],
        None,
    );
    by_default.assert_code(0);
}

#[test]
fn a_secret_in_a_config_file_others_can_read_is_used_with_warnings() {
    let sandbox = sandbox();
    let file = config_file(
        &format!(
            "JETPACK_API_BASE={}\nJETPACK_PARTNER_ID={PARTNER_ID}\nJETPACK_PARTNER_SECRET={SECRET}\n",
            sandbox.base_url()
        ),
        0o644,
    );
    let run = cli(&["--config", &text(&file), "token"], &[], None);
    run.assert_code(0);
    assert!(
        run.stderr.contains("readable by other users (mode 0644)"),
        "{run:#?}"
    );
    assert!(run.stderr.contains("chmod 600"), "{run:#?}");
    assert!(
        run.stderr.contains("JETPACK_PARTNER_SECRET_FILE"),
        "says where the secret belongs: {run:#?}"
    );
    run.assert_hidden(SECRET);
}

#[cfg(unix)]
#[test]
fn a_config_file_others_could_have_written_is_refused() {
    let sandbox = sandbox();
    let content = format!(
        "JETPACK_API_BASE={}\nJETPACK_PARTNER_ID={PARTNER_ID}\n",
        sandbox.base_url()
    );
    for mode in [0o666, 0o620, 0o602] {
        let file = config_file(&content, mode);
        let run = cli(
            &["--config", &text(&file), "status", "--site", "example.com"],
            &[("JETPACK_PARTNER_SECRET", SECRET)],
            None,
        );
        run.assert_code(2);
        assert!(
            run.stderr.contains("writable by group or others"),
            "{mode:o}: {run:#?}"
        );
        assert!(run.stderr.contains("chmod go-w"), "{mode:o}: {run:#?}");
    }
    // Owned by another user: only root can make such a file here.
    let me = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    if me.ok() == Some(0) {
        let file = config_file(&content, 0o644);
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap_or_else(|e| panic!("{e}"));
        let run = cli(
            &["--config", &text(&file), "status", "--site", "example.com"],
            &[("JETPACK_PARTNER_SECRET", SECRET)],
            None,
        );
        run.assert_code(2);
        assert!(
            run.stderr.contains("owned by another user (uid 65534)"),
            "{run:#?}"
        );
    } else {
        eprintln!("not root: a file owned by another user cannot be made, not checked");
    }
    assert_eq!(requests(&sandbox), 0);
}

#[test]
fn bad_lines_in_a_config_file_are_refused_with_the_file_and_line() {
    let sandbox = sandbox();
    let file = config_file(
        &format!(
            "# settings\nJETPACK_API_BASE={}\n\nJETPACK_PARTNER_IDD=1234\nJETPACK_API_BASE=x\njust words\n",
            sandbox.base_url()
        ),
        0o600,
    );
    let name = text(&file);
    let run = cli(
        &["--config", &name, "status", "--site", "example.com"],
        &[],
        None,
    );
    run.assert_code(2);
    for needle in [
        format!("{name}:4: unknown key \"JETPACK_PARTNER_IDD\"; did you mean JETPACK_PARTNER_ID?"),
        format!("{name}:5: JETPACK_API_BASE is set again (first on line 2)"),
        format!("{name}:6: not a KEY=VALUE line"),
    ] {
        assert!(run.stderr.contains(&needle), "{needle}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("partner ID"), "{run:#?}");

    let missing = cli(
        &[
            "--config",
            "/nonexistent/config",
            "status",
            "--site",
            "example.com",
        ],
        &[],
        None,
    );
    missing.assert_code(2);
    assert!(
        missing.stderr.contains("/nonexistent/config"),
        "{missing:#?}"
    );
    let by_env = cli(
        &["status", "--site", "example.com"],
        &[("JETPACK_PARTNER_CONFIG", "/nonexistent/config")],
        None,
    );
    by_env.assert_code(2);
    assert!(by_env.stderr.contains("/nonexistent/config"), "{by_env:#?}");
    assert_eq!(requests(&sandbox), 0);
}
