//! The token cache against other local users: directories and files they
//! own or can change, links, special files, and debris. The real binary
//! against a real sandbox on 127.0.0.1.
//!
//! Some tests give files to another user (uid 65534) and so need root, as
//! CI has; run by anyone else they say so and skip that part.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::common::*;
use jetpack_partner::sandbox::Sandbox;
use jetpack_partner::TokenCache;

const TOKEN: &str = "POST /oauth2/token";

/// Another user, as far as the tests are concerned ("nobody").
const OTHER_UID: u32 = 65534;

/// A run that takes longer than this is stopped: it hangs.
const HANG_GUARD: Duration = Duration::from_secs(15);

fn tokens_issued(sandbox: &Sandbox) -> u64 {
    sandbox.stats()["by_endpoint"][TOKEN]["200"]
        .as_u64()
        .unwrap_or(0)
}

/// Runs the binary as the test partner with `--timeout 5 --token-cache
/// cache` and `args`; a run that hangs is killed after [`HANG_GUARD`] and
/// reported with code -1.
fn with_cache(sandbox: &Sandbox, cache: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jetpack-partner"));
    cmd.args(["--api-base", sandbox.base_url(), "--partner-id", PARTNER_ID])
        .args(["--timeout", "5", "--token-cache"])
        .arg(cache)
        .args(args)
        .env_clear()
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    while child.try_wait().ok().flatten().is_none() {
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// A fresh directory of ours (0755, root's or ours) to build in.
fn workspace() -> PathBuf {
    let dir = temp_file("unused", b"")
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("no parent"));
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    dir
}

/// A directory with exactly `mode` (chmod after mkdir: no umask).
fn dir_with_mode(path: &Path, mode: u32) -> PathBuf {
    fs::create_dir_all(path).unwrap_or_else(|e| panic!("mkdir {}: {e}", path.display()));
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
    path.to_path_buf()
}

/// The permission bits of `path` itself, sticky bit included.
fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path)
        .map(|m| m.mode() & 0o7777)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("ls {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn running_as_root() -> bool {
    let root = fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        eprintln!("not root: the parts that give files to another user are skipped");
    }
    root
}

fn give_away(path: &Path) {
    std::os::unix::fs::lchown(path, Some(OTHER_UID), Some(OTHER_UID))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
}

/// The cache file's name for the test partner on `sandbox`.
fn cache_file_name(sandbox: &Sandbox) -> String {
    TokenCache::new("/")
        .path(sandbox.base_url(), &test_partner())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| panic!("no file name"))
}

/// Runs `token` with the cache: it must succeed, print the token the
/// sandbox issues, and (with -v) say why the cache was skipped.
fn token_without_cache(sandbox: &Sandbox, cache: &Path, why: &str) {
    let before = tokens_issued(sandbox);
    let run = with_cache(sandbox, cache, &["-v", "token"]);
    run.assert_code(0);
    assert_eq!(tokens_issued(sandbox), before + 1, "{run:#?}");
    assert_eq!(run.stdout, format!("{}\n", token_of(sandbox, SECRET)));
    assert!(
        run.stderr.contains("! token not cached: ") && run.stderr.contains(why),
        "wanted a note with {why:?}: {}",
        run.stderr
    );
}

#[test]
fn a_cache_directory_of_another_user_is_skipped_and_its_plants_untouched() {
    if !running_as_root() {
        return;
    }
    let sandbox = sandbox();
    let token = token_of(&sandbox, SECRET);
    let base = workspace();
    let victim = base.join("victim");
    fs::write(&victim, b"root's file\n").unwrap_or_else(|e| panic!("{e}"));
    let shared = dir_with_mode(&base.join("shared"), 0o777);
    give_away(&shared);
    // The temporary names the program used to take (its PID is the next
    // one or close): half planted as the other user's 0666 files, half as
    // links to root's file; and the cache file itself as a link.
    let name = cache_file_name(&sandbox);
    let last_pid: u32 = fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(std::process::id);
    for pid in last_pid..last_pid + 400 {
        let planted = shared.join(format!(".{name}.{pid}.tmp"));
        if pid % 2 == 0 {
            fs::write(&planted, b"").unwrap_or_else(|e| panic!("{e}"));
            fs::set_permissions(&planted, fs::Permissions::from_mode(0o666))
                .unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::os::unix::fs::symlink(&victim, &planted).unwrap_or_else(|e| panic!("{e}"));
        }
        give_away(&planted);
    }
    std::os::unix::fs::symlink(&victim, shared.join(&name)).unwrap_or_else(|e| panic!("{e}"));
    let planted_names = names_in(&shared);

    token_without_cache(
        &sandbox,
        &shared,
        &format!(
            "the token cache directory {} is owned by uid {OTHER_UID}, not by you (uid 0)",
            shared.display()
        ),
    );
    let before = tokens_issued(&sandbox);
    let run = with_cache(&sandbox, &shared, &["-v", "errors"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("! token cache not used: ")
            && run.stderr.contains("is owned by uid 65534"),
        "{}",
        run.stderr
    );
    assert_eq!(
        tokens_issued(&sandbox),
        before + 1,
        "the token was requested"
    );

    assert_eq!(
        fs::read(&victim).ok().as_deref(),
        Some(&b"root's file\n"[..])
    );
    assert_eq!(names_in(&shared), planted_names, "nothing added or removed");
    for name in &planted_names {
        let path = shared.join(name);
        let meta = fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("{e}"));
        if meta.is_file() {
            let content = fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(content.is_empty(), "{name} was written to");
            assert_eq!(meta.uid(), OTHER_UID);
        }
    }
    let meta = fs::metadata(&shared).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (OTHER_UID, 0o777));
    assert!(!fs::read_to_string(&victim)
        .unwrap_or_default()
        .contains(&token));
}

#[test]
fn a_cache_directory_others_can_write_is_skipped_and_keeps_its_mode() {
    let sandbox = sandbox();
    let base = workspace();
    for mode in [0o777, 0o770, 0o1777] {
        let dir = dir_with_mode(&base.join(format!("open-{mode:o}")), mode);
        token_without_cache(
            &sandbox,
            &dir,
            &format!(
                "the token cache directory {} is writable by group or others (mode {mode:04o}): \
                 not used; run chmod 700 {} if it is yours",
                dir.display(),
                dir.display()
            ),
        );
        assert_eq!(mode_of(&dir), mode, "the mode was changed");
        assert_eq!(names_in(&dir), Vec::<String>::new());
    }
}

#[test]
fn a_linked_cache_directory_is_judged_by_its_target_and_never_chmodded() {
    let sandbox = sandbox();
    let base = workspace();
    // A link to a 0755 directory of ours: used, left 0755.
    let target = dir_with_mode(&base.join("ours-0755"), 0o755);
    let link = base.join("link-to-ours");
    std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|e| panic!("{e}"));
    with_cache(&sandbox, &link, &["token"]).assert_code(0);
    let issued = tokens_issued(&sandbox);
    with_cache(&sandbox, &link, &["errors"]).assert_code(0);
    assert_eq!(
        tokens_issued(&sandbox),
        issued,
        "errors used the cached token"
    );
    assert_eq!(mode_of(&target), 0o755);
    assert_eq!(names_in(&target), vec![cache_file_name(&sandbox)]);

    // A link to a shared 1777 directory: skipped, sticky bit kept.
    let sticky = dir_with_mode(&base.join("sticky"), 0o1777);
    let link = base.join("link-to-sticky");
    std::os::unix::fs::symlink(&sticky, &link).unwrap_or_else(|e| panic!("{e}"));
    token_without_cache(
        &sandbox,
        &link,
        &format!(
            "{} (resolved to {}) is writable by group or others (mode 1777)",
            link.display(),
            sticky.display()
        ),
    );
    assert_eq!(mode_of(&sticky), 0o1777);
    assert_eq!(names_in(&sticky), Vec::<String>::new());

    // A link to another user's directory: skipped.
    if running_as_root() {
        let theirs = dir_with_mode(&base.join("theirs"), 0o755);
        give_away(&theirs);
        let link = base.join("link-to-theirs");
        std::os::unix::fs::symlink(&theirs, &link).unwrap_or_else(|e| panic!("{e}"));
        token_without_cache(
            &sandbox,
            &link,
            &format!("(resolved to {}) is owned by uid 65534", theirs.display()),
        );
        assert_eq!(mode_of(&theirs), 0o755);
        assert_eq!(names_in(&theirs), Vec::<String>::new());
    }
}

/// A cache directory of ours, holding a cached token, and its file.
fn filled_cache(sandbox: &Sandbox, name: &str) -> (PathBuf, PathBuf) {
    let dir = workspace().join(name);
    with_cache(sandbox, &dir, &["token"]).assert_code(0);
    let file = dir.join(cache_file_name(sandbox));
    assert!(file.is_file());
    fs::remove_file(&file).unwrap_or_else(|e| panic!("{e}"));
    (dir, file)
}

#[test]
fn a_fifo_in_place_of_the_cache_file_does_not_block() {
    let sandbox = sandbox();
    let (dir, file) = filled_cache(&sandbox, "fifo");
    let made = Command::new("mkfifo")
        .arg(&file)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    let run = with_cache(&sandbox, &dir, &["-v", "errors"]);
    run.assert_code(0);
    assert!(
        run.elapsed < Duration::from_secs(5),
        "took {:?}, past --timeout 5",
        run.elapsed
    );
    assert!(
        run.stderr.contains(&format!(
            "! token cache not used: the token cache {} is not a regular file (a FIFO)",
            file.display()
        )),
        "{}",
        run.stderr
    );
    // The store that followed replaced it with a regular file.
    assert!(fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()));
}

#[test]
fn a_cache_file_linked_to_dev_zero_is_not_read() {
    let sandbox = sandbox();
    let (dir, file) = filled_cache(&sandbox, "zero");
    std::os::unix::fs::symlink("/dev/zero", &file).unwrap_or_else(|e| panic!("{e}"));
    let run = with_cache(&sandbox, &dir, &["-v", "errors"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains(&format!(
            "! token cache not used: the token cache {} is not a regular file (a symbolic link)",
            file.display()
        )),
        "{}",
        run.stderr
    );
    assert!(fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()));
}

#[test]
fn stale_temporary_files_are_removed_by_the_next_store_and_fresh_ones_kept() {
    let sandbox = sandbox();
    let dir = workspace().join("debris");
    with_cache(&sandbox, &dir, &["token"]).assert_code(0);
    let name = cache_file_name(&sandbox);
    // What `kill -9` during a write leaves: an empty temporary file.
    let stale = dir.join(format!(".{name}.31337.tmp"));
    fs::File::create(&stale)
        .and_then(|f| f.set_modified(SystemTime::now() - Duration::from_secs(3600)))
        .unwrap_or_else(|e| panic!("{e}"));
    // Another run's write in progress.
    let fresh = dir.join(format!(".{name}.31338.tmp"));
    fs::File::create(&fresh).unwrap_or_else(|e| panic!("{e}"));
    with_cache(&sandbox, &dir, &["token"]).assert_code(0);
    assert!(!stale.exists(), "{:?}", names_in(&dir));
    assert!(fresh.exists(), "{:?}", names_in(&dir));
    let mut want = vec![format!(".{name}.31338.tmp"), name];
    want.sort();
    assert_eq!(names_in(&dir), want);
}

#[test]
fn a_new_cache_directory_is_0700_and_an_existing_one_keeps_its_mode() {
    let sandbox = sandbox();
    let base = workspace();
    let new = base.join("missing").join("parent").join("cache");
    with_cache(&sandbox, &new, &["token"]).assert_code(0);
    for dir in [&new, &base.join("missing/parent"), &base.join("missing")] {
        assert_eq!(mode_of(dir), 0o700, "{}", dir.display());
    }
    assert_eq!(names_in(&new), vec![cache_file_name(&sandbox)]);

    let existing = dir_with_mode(&base.join("group-readable"), 0o750);
    with_cache(&sandbox, &existing, &["token"]).assert_code(0);
    let issued = tokens_issued(&sandbox);
    with_cache(&sandbox, &existing, &["errors"]).assert_code(0);
    assert_eq!(
        tokens_issued(&sandbox),
        issued,
        "errors used the cached token"
    );
    assert_eq!(mode_of(&existing), 0o750);
}

#[test]
fn a_cache_directory_inside_one_others_can_change_is_skipped() {
    let sandbox = sandbox();
    let base = workspace();
    let open = dir_with_mode(&base.join("open-parent"), 0o777);
    let cache = dir_with_mode(&open.join("cache"), 0o700);
    token_without_cache(
        &sandbox,
        &cache,
        &format!(
            "is inside {}, which is writable by group or others and not sticky (mode 0777)",
            open.display()
        ),
    );
    assert_eq!(names_in(&cache), Vec::<String>::new());
    assert_eq!(mode_of(&open), 0o777);

    // A sticky parent (as /tmp) is fine.
    let sticky = dir_with_mode(&base.join("sticky-parent"), 0o1777);
    let cache = dir_with_mode(&sticky.join("cache"), 0o700);
    with_cache(&sandbox, &cache, &["token"]).assert_code(0);
    assert_eq!(names_in(&cache), vec![cache_file_name(&sandbox)]);

    if running_as_root() {
        let theirs = dir_with_mode(&base.join("their-parent"), 0o755);
        let cache = dir_with_mode(&theirs.join("cache"), 0o700);
        give_away(&theirs);
        token_without_cache(
            &sandbox,
            &cache,
            &format!(
                "is inside {}, which is owned by uid 65534, neither you (uid 0) nor root",
                theirs.display()
            ),
        );
        assert_eq!(names_in(&cache), Vec::<String>::new());
    }
}

/// The test partner's credentials, as the cache keys its tokens.
fn test_partner() -> jetpack_partner::Credentials {
    jetpack_partner::Credentials::new(PARTNER_ID, jetpack_partner::Secret::new(SECRET))
}
