//! `backup download --output FILE` over TCP: the archive fetched to a file
//! by the binary (and the library), through the relay of
//! `common::proxy` where a connection must break, stall, lose its range or
//! change its ETag. Every test compares the file with the bytes the link
//! serves, fetched directly.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use jetpack_partner::sandbox::Sandbox;
use jetpack_partner::{BlogId, DownloadStatus, NewDownload};
use serde_json::Value;

use crate::common::proxy::{Proxy, Trick};
use crate::common::rewind::*;
use crate::common::*;

/// Bytes the relay lets through before it cuts or stalls: within the
/// first chunk the client writes, well short of the archive.
const CUT: usize = 50_000;

/// A ready archive of a sandbox's site, and a relay in front of the
/// sandbox that the binary is pointed at.
struct Ready {
    sandbox: Rc<Sandbox>,
    proxy: Rc<Proxy>,
    blog: u64,
    id: u64,
    /// The link's token.
    token: String,
    /// The archive, as the link serves it directly.
    bytes: Vec<u8>,
    dir: PathBuf,
}

/// A sandbox with one site and a ready archive of `types`, a relay in
/// front of it, and a private scratch directory.
fn ready(types: &str) -> Ready {
    let sandbox = rewind_sandbox_with(|b| b.download_duration(Duration::from_millis(50)));
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let (id, token, bytes) = new_archive(&sandbox, blog, types);
    let proxy = Rc::new(Proxy::start(sandbox.base_url()));
    Ready {
        sandbox: Rc::new(sandbox),
        proxy,
        blog,
        id,
        token,
        bytes,
        dir: scratch(),
    }
}

/// Asks for an archive of `parts` and waits until it is ready: its ID,
/// its link's token, and its bytes as the link serves them.
fn new_archive(sandbox: &Sandbox, blog: u64, types: &str) -> (u64, String, Vec<u8>) {
    let session = session(sandbox);
    let id = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let parts = jetpack_partner::BackupParts::parse(types).unwrap_or_else(|e| panic!("{e}"));
    let asked = session
        .send(&NewDownload::new(id).parts(parts))
        .unwrap_or_else(|e| panic!("{e}"));
    let done = download_ready(&session, id, asked.download_id);
    let url = done.url.unwrap_or_else(|| panic!("no link"));
    let token = url.token().unwrap_or_else(|| panic!("no token")).to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(PATIENCE))
        .build()
        .into();
    let mut answer = agent
        .get(url.as_str())
        .call()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status().as_u16(), 200);
    let bytes = answer
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("{e}"));
    (asked.download_id, token, bytes)
}

/// A fresh private directory.
fn scratch() -> PathBuf {
    private_dir("archive")
}

/// `path` with `suffix` added to its name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl Ready {
    /// The command line of a fetch of this archive to `file` through the
    /// relay: `globals` before the command, `more` after it.
    fn line(&self, globals: &[&str], file: &str, more: &[&str]) -> Vec<String> {
        let mut line: Vec<String> = vec![
            "--api-base".into(),
            self.proxy.base.clone(),
            "--partner-id".into(),
            PARTNER_ID.into(),
        ];
        line.extend(globals.iter().map(|s| (*s).to_owned()));
        line.extend(
            [
                "backup",
                "download",
                "--site",
                &self.blog.to_string(),
                "--download-id",
                &self.id.to_string(),
                "--output",
                file,
                "--wait-interval",
                "0.05",
            ]
            .map(str::to_owned),
        );
        line.extend(more.iter().map(|s| (*s).to_owned()));
        line
    }

    /// Runs a fetch to `file` and waits for its end.
    fn run(&self, globals: &[&str], file: &Path, more: &[&str]) -> Run {
        let line = self.line(globals, &file.to_string_lossy(), more);
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        cli(&args, &[("JETPACK_PARTNER_SECRET", SECRET)], None)
    }

    /// Starts a fetch to `file` and leaves it running.
    fn spawn(&self, globals: &[&str], file: &Path) -> Child {
        Command::new(env!("CARGO_BIN_EXE_jetpack-partner"))
            .args(self.line(globals, &file.to_string_lossy(), &[]))
            .env_clear()
            .env("JETPACK_PARTNER_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn: {e}"))
    }

    /// `file` holds the archive, privately, and nothing of the fetch is
    /// left beside it.
    fn assert_whole(&self, file: &Path) {
        let got = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            got == self.bytes,
            "{} holds {} bytes, not the archive's {} (first difference at {:?})",
            file.display(),
            got.len(),
            self.bytes.len(),
            got.iter().zip(&self.bytes).position(|(a, b)| a != b)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_default();
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        for suffix in [".part", ".part.meta", ".part.meta.new"] {
            let left = with_suffix(file, suffix);
            assert!(!left.exists(), "{} left behind", left.display());
        }
    }

    /// The part a cut run left: its bytes are the archive's first ones.
    fn assert_part_is_a_start(&self, file: &Path) -> usize {
        let part = std::fs::read(with_suffix(file, ".part"))
            .unwrap_or_else(|e| panic!("the part of {}: {e}", file.display()));
        assert!(!part.is_empty() && part.len() < self.bytes.len());
        assert!(part == self.bytes[..part.len()], "the part is the start");
        assert!(!file.exists(), "no FILE before the archive is whole");
        part.len()
    }
}

/// The run's `file` object on stdout.
fn fetched(run: &Run) -> Value {
    let answer = stdout_json(run);
    assert!(answer.get("url").is_none(), "no link on stdout: {answer}");
    answer["file"].clone()
}

/// Waits (at most [`PATIENCE`]) until `path` holds `len` bytes.
fn wait_for_len(path: &Path, len: u64) {
    let started = Instant::now();
    loop {
        if std::fs::metadata(path).is_ok_and(|m| m.len() == len) {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{} never held {len} bytes",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_whole_fetch_is_the_archive_private_and_named() {
    let r = ready("all");
    let file = r.dir.join("site.tar.gz");
    let run = r.run(&["-v"], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    let shown = fetched(&run);
    assert_eq!(shown["path"], file.to_string_lossy().as_ref(), "{shown}");
    assert_eq!(shown["bytes"], r.bytes.len());
    assert_eq!(shown["kept"], 0);
    assert_eq!(shown["restarts"], 0);
    assert!(shown["etag"].is_string(), "{shown}");
    assert_eq!(stdout_json(&run)["downloadId"], r.id);
    run.assert_hidden(&r.token).assert_hidden(SECRET);
    // -v traced the archive's request, its token masked.
    assert!(
        run.stderr.contains("/data?token=***"),
        "the trace shows the link: {}",
        run.stderr
    );
    // One request for the bytes, without a range and without the bearer.
    let seen = r.proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].range.is_none() && !seen[0].authorization,
        "{seen:?}"
    );
    assert_eq!(seen[0].status, 200);
}

#[test]
fn a_cut_connection_is_resumed_within_the_run() {
    let r = ready("all");
    r.proxy.then(Trick::cut_after(CUT));
    let file = r.dir.join("site.tar.gz");
    let run = r.run(&["-v"], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    run.assert_hidden(&r.token);
    let seen = r.proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].range, None);
    // The last byte kept is asked for again, to compare.
    assert_eq!(
        seen[1].range.as_deref(),
        Some(format!("bytes={}-", CUT - 1).as_str())
    );
    assert!(seen[1].if_range.is_some(), "{seen:?}");
    assert_eq!(seen[1].status, 206);
    let shown = fetched(&run);
    assert_eq!(shown["restarts"], 0);
    // Bytes this run wrote: the one asked for again is compared, not
    // written.
    assert_eq!(shown["received"], r.bytes.len(), "{shown}");
}

#[test]
fn a_cut_that_exhausts_the_retries_keeps_the_part_and_the_next_run_resumes() {
    let r = ready("all");
    // Some progress (the count of failures starts again), then an attempt
    // that brings nothing: the second failure in a row.
    r.proxy
        .then(Trick::cut_after(CUT))
        .then(Trick::cut_after(0));
    let file = r.dir.join("my site.tar.gz");
    let run = r.run(&["--retries", "1"], &file, &[]);
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "network_error", "{run:#?}");
    run.assert_hidden(&r.token);
    let kept = r.assert_part_is_a_start(&file);
    assert_eq!(kept, CUT);
    let meta =
        std::fs::read_to_string(with_suffix(&file, ".part.meta")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!meta.contains(&r.token), "the token on disk: {meta}");
    // The note names the part and the command that resumes, quoted.
    let follow_up = format!(
        "jetpack-partner backup download --site {} --download-id {} --output '{}'",
        r.blog,
        r.id,
        file.display()
    );
    assert!(
        run.stderr.contains(&follow_up),
        "the follow-up: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&with_suffix(&file, ".part").display().to_string()),
        "{}",
        run.stderr
    );
    let before = r.proxy.seen().len();
    assert_eq!(before, 2, "{:?}", r.proxy.seen());
    let again = r.run(&[], &file, &[]);
    again.assert_code(0);
    r.assert_whole(&file);
    let seen = r.proxy.seen();
    assert_eq!(seen.len(), before + 1, "{seen:?}");
    assert_eq!(
        seen[before].range.as_deref(),
        Some(format!("bytes={}-", CUT - 1).as_str())
    );
    let shown = fetched(&again);
    assert_eq!(shown["kept"], CUT, "{shown}");
    assert_eq!(shown["received"], r.bytes.len() - CUT);
}

#[test]
fn a_stall_longer_than_the_timeout_keeps_the_part_to_resume() {
    let r = ready("all");
    r.proxy.then(Trick::stall_after(CUT));
    let file = r.dir.join("site.tar.gz");
    let run = r.run(&["--timeout", "2", "--retries", "0"], &file, &[]);
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "timeout", "{run:#?}");
    assert_eq!(r.assert_part_is_a_start(&file), CUT);
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
    let again = r.run(&["--timeout", "30"], &file, &[]);
    again.assert_code(0);
    r.assert_whole(&file);
    assert_eq!(fetched(&again)["kept"], CUT);
}

#[test]
fn a_stall_within_a_run_is_resumed_by_it() {
    let r = ready("all");
    r.proxy.then(Trick::stall_after(CUT));
    let file = r.dir.join("site.tar.gz");
    let run = r.run(&["--timeout", "2", "--retries", "1"], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    let seen = r.proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[1].range.is_some(), "{seen:?}");
}

#[test]
fn a_server_that_ignores_the_range_gets_the_archive_started_over() {
    let r = ready("all");
    // Within one run.
    r.proxy.then(Trick::cut_after(CUT)).then(Trick {
        drop_range: true,
        ..Trick::default()
    });
    let file = r.dir.join("one.tar.gz");
    let run = r.run(&[], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    assert_eq!(fetched(&run)["restarts"], 1);
    // Across runs.
    r.proxy.then(Trick::cut_after(CUT)).then(Trick {
        drop_range: true,
        ..Trick::default()
    });
    let file = r.dir.join("two.tar.gz");
    let run = r.run(&["--retries", "0"], &file, &[]);
    run.assert_code(3);
    r.assert_part_is_a_start(&file);
    let run = r.run(&[], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    let shown = fetched(&run);
    assert_eq!(
        (shown["restarts"].clone(), shown["kept"].clone()),
        (1.into(), 0.into())
    );
    let statuses: Vec<u16> = r.proxy.seen().iter().map(|s| s.status).collect();
    assert_eq!(statuses, [200, 200, 200, 200], "every range went unasked");
}

#[test]
fn another_archive_in_the_part_is_started_over_without_mixing_bytes() {
    let r = ready("all");
    let (other, _, other_bytes) = new_archive(&r.sandbox, r.blog, "themes,sqls");
    assert_ne!(other_bytes, r.bytes);
    let other = Ready {
        sandbox: r.sandbox.clone(),
        proxy: r.proxy.clone(),
        blog: r.blog,
        id: other,
        token: String::new(),
        bytes: other_bytes,
        dir: r.dir.clone(),
    };
    // A part of the first archive...
    let file = r.dir.join("site.tar.gz");
    r.proxy.then(Trick::cut_after(CUT));
    r.run(&["--retries", "0"], &file, &[]).assert_code(3);
    // ...resumed as the second: the server sees the old ETag and sends the
    // whole of its archive.
    let run = other.run(&[], &file, &[]);
    run.assert_code(0);
    other.assert_whole(&file);
    assert_eq!(fetched(&run)["restarts"], 1);
    let seen = r.proxy.seen();
    assert_eq!(
        (seen[1].range.is_some(), seen[1].status),
        (true, 200),
        "{seen:?}"
    );
    // A server that honours the range whatever the ETag (If-Range lost on
    // the way): its answer names another ETag, and the part starts over.
    let file = r.dir.join("again.tar.gz");
    r.proxy.then(Trick::cut_after(CUT));
    r.run(&["--retries", "0"], &file, &[]).assert_code(3);
    other.proxy.then(Trick {
        drop_if_range: true,
        ..Trick::default()
    });
    let run = other.run(&[], &file, &[]);
    run.assert_code(0);
    other.assert_whole(&file);
    assert_eq!(fetched(&run)["restarts"], 1);
    let seen = other.proxy.seen();
    assert_eq!(seen[seen.len() - 2].status, 206, "{seen:?}");
    assert_eq!(seen[seen.len() - 1].range, None, "{seen:?}");
}

#[test]
fn an_etag_that_changes_between_runs_starts_over() {
    let r = ready("all");
    r.proxy.then(Trick {
        cut_after: Some(CUT),
        etag: Some("\"an-older-archive\"".into()),
        ..Trick::default()
    });
    let file = r.dir.join("site.tar.gz");
    r.run(&["--retries", "0"], &file, &[]).assert_code(3);
    let meta = std::fs::read_to_string(with_suffix(&file, ".part.meta")).unwrap_or_default();
    assert!(meta.contains("an-older-archive"), "{meta}");
    let run = r.run(&[], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    let seen = r.proxy.seen();
    assert_eq!(seen[1].if_range.as_deref(), Some("\"an-older-archive\""));
    assert_eq!(seen[1].status, 200);
    assert_eq!(fetched(&run)["restarts"], 1);
}

#[test]
fn a_file_that_exists_is_refused_before_anything_is_sent() {
    let r = ready("roots");
    let file = r.dir.join("site.tar.gz");
    std::fs::write(&file, b"an older backup").unwrap_or_else(|e| panic!("{e}"));
    let before = requests(&r.sandbox);
    let run = r.run(&[], &file, &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert_eq!(
        std::fs::read(&file).unwrap_or_default(),
        b"an older backup".to_vec()
    );
    assert!(!with_suffix(&file, ".part").exists());
    // A directory, and a link to nowhere, are refused the same way.
    let dir = r.dir.join("a-directory");
    std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    r.run(&[], &dir, &[]).assert_code(2);
    #[cfg(unix)]
    {
        let link = r.dir.join("dangling.tar.gz");
        std::os::unix::fs::symlink(r.dir.join("nowhere"), &link).unwrap_or_else(|e| panic!("{e}"));
        let run = r.run(&[], &link, &[]);
        run.assert_code(2);
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
        assert!(!r.dir.join("nowhere").exists());
    }
    assert_eq!(r.proxy.requests(), 0, "nothing was sent");
    assert_eq!(requests(&r.sandbox), before);
}

#[cfg(unix)]
#[test]
fn a_part_that_is_a_link_or_not_private_is_refused_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let r = ready("roots");
    let before = requests(&r.sandbox);
    let target = r.dir.join("elsewhere");
    std::fs::write(&target, b"keep me").unwrap_or_else(|e| panic!("{e}"));
    let linked = r.dir.join("linked.tar.gz");
    std::os::unix::fs::symlink(&target, with_suffix(&linked, ".part"))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = r.run(&[], &linked, &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(std::fs::read(&target).unwrap_or_default(), b"keep me");
    assert!(std::fs::symlink_metadata(with_suffix(&linked, ".part"))
        .is_ok_and(|m| m.file_type().is_symlink()));
    let open = r.dir.join("open.tar.gz");
    let part = with_suffix(&open, ".part");
    std::fs::write(&part, &r.bytes[..100]).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&part, std::fs::Permissions::from_mode(0o644))
        .unwrap_or_else(|e| panic!("{e}"));
    let run = r.run(&[], &open, &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("other users"), "{}", run.stderr);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    let mode = std::fs::metadata(&part)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or_default();
    assert_eq!(mode, 0o644, "left as it was");
    assert_eq!(std::fs::read(&part).unwrap_or_default(), &r.bytes[..100]);
    assert!(!open.exists() && !linked.exists());
    assert_eq!(r.proxy.requests(), 0, "nothing was sent");
    assert_eq!(requests(&r.sandbox), before);
}

#[test]
fn output_to_stdout_or_to_no_name_is_a_usage_error() {
    let r = ready("roots");
    let before = requests(&r.sandbox);
    for (file, needle) in [("-", "cannot be resumed"), ("", "needs a file name")] {
        let line = r.line(&[], file, &[]);
        let args: Vec<&str> = line.iter().map(String::as_str).collect();
        let run = cli(&args, &[("JETPACK_PARTNER_SECRET", SECRET)], None);
        run.assert_code(2);
        assert!(run.stderr.contains(needle), "{file:?}: {run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
    }
    assert_eq!(r.proxy.requests(), 0, "nothing was sent");
    assert_eq!(requests(&r.sandbox), before);
}

#[test]
fn a_second_fetch_of_the_same_file_is_refused_while_the_first_runs() {
    let r = ready("all");
    r.proxy.then(Trick::stall_after(CUT));
    let file = r.dir.join("site.tar.gz");
    let mut first = r.spawn(&["--timeout", "60", "--retries", "0"], &file);
    wait_for_len(&with_suffix(&file, ".part"), CUT as u64);
    let carried = r.proxy.requests();
    let second = r.run(&[], &file, &[]);
    let _ = first.kill();
    let _ = first.wait();
    second.assert_code(5);
    assert_eq!(second.error()["error_code"], "io_error", "{second:#?}");
    assert!(
        second.error()["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("in use by another fetch")),
        "{second:#?}"
    );
    assert_eq!(r.proxy.requests(), carried, "the second sent nothing");
    assert_eq!(r.assert_part_is_a_start(&file), CUT, "the part untouched");
}

#[test]
fn a_fetch_killed_mid_transfer_is_resumed() {
    let r = ready("all");
    r.proxy.then(Trick::stall_after(CUT));
    let file = r.dir.join("site.tar.gz");
    let mut child = r.spawn(&["--timeout", "60"], &file);
    wait_for_len(&with_suffix(&file, ".part"), CUT as u64);
    // SIGKILL: nothing runs after it.
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(!status.success());
    assert_eq!(r.assert_part_is_a_start(&file), CUT);
    let meta =
        std::fs::read_to_string(with_suffix(&file, ".part.meta")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!meta.contains(&r.token), "the token on disk: {meta}");
    assert!(meta.contains("etag"), "{meta}");
    let run = r.run(&[], &file, &[]);
    run.assert_code(0);
    r.assert_whole(&file);
    assert_eq!(fetched(&run)["kept"], CUT);
    let last = r.proxy.seen().pop().unwrap_or_else(|| panic!("no request"));
    assert_eq!(
        last.range.as_deref(),
        Some(format!("bytes={}-", CUT - 1).as_str())
    );
}

#[test]
fn quiet_and_verbose_runs_never_show_the_token() {
    let r = ready("themes");
    assert!(r.bytes.len() > 8000);
    r.proxy.then(Trick::cut_after(4000));
    let file = r.dir.join("v.tar.gz");
    let run = r.run(&["-v", "--retries", "0"], &file, &[]);
    run.assert_code(3);
    run.assert_hidden(&r.token);
    let run = r.run(&["-v"], &file, &[]);
    run.assert_code(0);
    run.assert_hidden(&r.token);
    assert!(run.stderr.contains("resuming"), "{}", run.stderr);
    r.assert_whole(&file);
    let file = r.dir.join("q.tar.gz");
    let run = r.run(&[], &file, &["--quiet"]);
    run.assert_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    r.assert_whole(&file);
}

#[cfg(unix)]
#[test]
fn a_file_size_limit_is_an_io_error_that_keeps_the_part() {
    let r = ready("all");
    let file = r.dir.join("site.tar.gz");
    let line = r.line(&["--retries", "0"], &file.to_string_lossy(), &[]);
    // 64 blocks: 32 KiB (512-byte blocks) or 64 KiB, short of the archive.
    let mut args = vec![
        "-c",
        "ulimit -f 64 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_jetpack-partner"),
    ];
    args.extend(line.iter().map(String::as_str));
    let out = Command::new("/bin/sh")
        .args(&args)
        .env_clear()
        .env("JETPACK_PARTNER_SECRET", SECRET)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: Duration::ZERO,
    };
    run.assert_code(5);
    assert_eq!(run.error()["error_code"], "io_error", "{run:#?}");
    let message = run.error()["error_message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains(&with_suffix(&file, ".part").display().to_string())
            && message.contains("ulimit -f"),
        "{message}"
    );
    let kept = r.assert_part_is_a_start(&file);
    assert!(
        message.contains(&format!("past its first {kept} bytes")),
        "{message}"
    );
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
    let again = r.run(&[], &file, &[]);
    again.assert_code(0);
    r.assert_whole(&file);
    assert_eq!(fetched(&again)["kept"], kept);
}

#[test]
fn the_library_fetches_through_cuts_and_reports_progress() {
    let r = ready("all");
    r.proxy
        .then(Trick::cut_after(CUT))
        .then(Trick::cut_after(CUT));
    let client = jetpack_partner::Client::builder()
        .api_base(&r.proxy.base)
        .retries(2)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let session = jetpack_partner::Session::new(
        client,
        jetpack_partner::Credentials::new(PARTNER_ID, jetpack_partner::Secret::new(SECRET)),
    );
    let blog = BlogId::new(r.blog).unwrap_or_else(|e| panic!("{e}"));
    let answer = session
        .send(&DownloadStatus::new(blog, r.id))
        .unwrap_or_else(|e| panic!("{e}"));
    let url = answer.url.unwrap_or_else(|| panic!("no link"));
    assert!(url.as_str().starts_with(&r.proxy.base), "through the relay");
    let path = r.dir.join("lib.tar.gz");
    let file = jetpack_partner::ArchiveFile::create(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut seen = Vec::new();
    let done = session
        .client()
        .fetch_archive(&url, file, |p| seen.push(p.bytes))
        .unwrap_or_else(|e| panic!("{e}"));
    r.assert_whole(&path);
    assert_eq!(done.bytes, r.bytes.len() as u64);
    assert_eq!(done.path, path);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "never backwards");
    assert_eq!(seen.last().copied(), Some(r.bytes.len() as u64));
    assert_eq!(r.proxy.seen().len(), 3);
}

#[test]
fn a_wait_that_runs_out_leaves_no_part_and_says_how_to_go_on() {
    let sandbox = rewind_sandbox_with(|b| b.download_duration(Duration::from_secs(600)));
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let dir = scratch();
    let file = dir.join("site.tar.gz");
    let site = blog.to_string();
    let path = file.to_string_lossy().into_owned();
    let run = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &site,
            "--output",
            &path,
            "--wait-timeout",
            "0.3",
            "--wait-interval",
            "0.05",
        ],
    );
    run.assert_code(3);
    assert_eq!(run.error()["error_code"], "still_running", "{run:#?}");
    let id = run.error()["id"].as_str().unwrap_or_default().to_owned();
    assert!(
        run.stderr
            .contains(&format!("--download-id {id} --output {path}")),
        "the follow-up: {}",
        run.stderr
    );
    assert!(!file.exists() && !with_suffix(&file, ".part").exists());
    assert!(!with_suffix(&file, ".part.meta").exists());
    // A directory that is not there: refused before anything is asked.
    let before = requests(&sandbox);
    let missing = dir.join("no-such-dir").join("site.tar.gz");
    let missing = missing.to_string_lossy();
    let run = partner_cli(
        &sandbox,
        &["backup", "download", "--site", &site, "--output", &missing],
    );
    run.assert_code(5);
    assert_eq!(run.error()["error_code"], "io_error", "{run:#?}");
    assert_eq!(requests(&sandbox), before, "nothing was sent");
}

#[test]
fn an_expired_link_keeps_the_part_and_says_to_ask_for_a_new_archive() {
    let sandbox = rewind_sandbox_with(|b| {
        b.download_duration(Duration::from_millis(50))
            .download_lifetime(Duration::from_millis(300))
    });
    let blog = provision(&sandbox, "shop.example");
    restore_point(&sandbox, blog);
    let (id, token, bytes) = new_archive(&sandbox, blog, "sqls");
    let dir = scratch();
    let file = dir.join("db.tar.gz");
    let part = with_suffix(&file, ".part");
    // What a run cut short left, without its description.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(
        &mut options.open(&part).unwrap_or_else(|e| panic!("{e}")),
        &bytes[..1000],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Until the link is over (an upper bound on a wait, not a timing
    // assertion: the run below needs it expired).
    let link = format!("/wpcom/v2/sites/{blog}/rewind/downloads/{id}/data?token={token}");
    let started = Instant::now();
    while raw_get(sandbox.base_url(), &link, "x").0 != 410 {
        assert!(started.elapsed() < PATIENCE, "the link never expired");
        std::thread::sleep(Duration::from_millis(50));
    }
    let run = partner_cli(
        &sandbox,
        &[
            "backup",
            "download",
            "--site",
            &blog.to_string(),
            "--download-id",
            &id.to_string(),
            "--output",
            &file.to_string_lossy(),
        ],
    );
    run.assert_code(1);
    assert_eq!(run.error()["error_code"], "download_expired", "{run:#?}");
    run.assert_hidden(&token);
    assert!(
        run.stderr.contains("the link has expired")
            && run
                .stderr
                .contains(&format!("backup download --site {blog} --rewind-id ")),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&part).unwrap_or_default(), &bytes[..1000]);
    assert!(!file.exists());
}
