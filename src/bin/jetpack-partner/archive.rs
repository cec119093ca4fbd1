//! `backup download --output FILE`: the archive fetched to a file, once it
//! is ready, with its progress on stderr; a run cut short leaves
//! `FILE.part`, which the next run resumes.

use jetpack_partner::{ArchiveFile, BlogId, DownloadAnswer, Error, Session};
use serde_json::{json, Value};

use crate::args::Args;
use crate::follow::{bytes, Fetching};
use crate::globals::Globals;
use crate::output::Failure;

/// Takes `path` for the archive before anything is asked for: a file that
/// exists, a part that cannot be used, or a directory that cannot be
/// written stops the command here, with nothing sent.
pub fn take(path: &str) -> Result<ArchiveFile, Failure> {
    keep_running_past_the_file_size_limit();
    ArchiveFile::create(path).map_err(|e| match e {
        Error::InvalidInput(message) => Failure::usage(
            message,
            "nothing was asked for; give --output a file that does not exist yet (a FILE.part \
             that a cut run left is resumed by itself)",
        ),
        other => Failure::from(other),
    })
}

/// The command that fetches the same archive again, or resumes it.
pub fn follow_up(blog: BlogId, id: u64, path: &str) -> String {
    format!(
        "jetpack-partner backup download --site {blog} --download-id {id} --output {}",
        shell_word(path)
    )
}

/// Fetches the ready archive `answer` describes into `file`, and prints
/// what was fetched: the answer without its link (a secret that has done
/// its work), and the file.
pub fn fetch(
    args: &Args,
    globals: &Globals,
    session: &Session,
    blog: BlogId,
    answer: &DownloadAnswer,
    file: ArchiveFile,
) -> Result<(), Failure> {
    let Some(url) = &answer.url else {
        unreachable!("the wait ends when the archive has its link");
    };
    let id = answer.download_id;
    let part = file.part_path().to_owned();
    let path = args.output.clone().unwrap_or_default();
    let mut shown = Fetching::new(args, "backup download", &id.to_string());
    shown.start(&file);
    let fetched = session
        .client()
        .fetch_archive(url, file, |progress| shown.show(progress));
    shown.finish();
    let fetched = match fetched {
        Ok(fetched) => fetched,
        Err(e) => {
            let kept = std::fs::metadata(&part).map_or(0, |m| m.len());
            if kept > 0 && !args.quiet {
                let how = if expired(&e) {
                    format!(
                        "the link has expired: ask for a new archive of the same backup \
                         (with the --types it had) to the same file; the part is resumed if \
                         the new archive is the same, started over if not: {}",
                        new_archive(blog, answer, &path)
                    )
                } else {
                    format!(
                        "to resume, run{}: {}",
                        until(answer),
                        follow_up(blog, id, &path)
                    )
                };
                globals.out.note(&format!(
                    "jetpack-partner: {} keeps {} of the archive; {how}",
                    part.display(),
                    bytes(kept),
                ));
            }
            return Err(Failure::from(e));
        }
    };
    let mut shown = serde_json::to_value(answer).unwrap_or(Value::Null);
    if let Some(fields) = shown.as_object_mut() {
        fields.remove("url");
        fields.insert(
            "file".into(),
            json!({
                "path": fetched.path,
                "bytes": fetched.bytes,
                "kept": fetched.kept,
                "received": fetched.received,
                "restarts": fetched.restarts,
                "etag": fetched.etag,
            }),
        );
    }
    globals.out.answer(&shown)
}

/// The command that asks for a new archive of the backup `answer` packed,
/// to `path`.
fn new_archive(blog: BlogId, answer: &DownloadAnswer, path: &str) -> String {
    let point = answer
        .rewind_id
        .as_ref()
        .map(|r| format!(" --rewind-id {}", r.as_str()))
        .unwrap_or_default();
    format!(
        "jetpack-partner backup download --site {blog}{point} --output {}",
        shell_word(path)
    )
}

/// The link refused because its time is over (410 Gone).
fn expired(e: &Error) -> bool {
    matches!(e, Error::Api(api) if api.status == 410 || api.code.as_str() == "download_expired")
}

/// ` before VALID_UNTIL`, when the archive's answer said until when its
/// link works.
fn until(answer: &DownloadAnswer) -> String {
    match answer.valid_until.trim() {
        "" => String::new(),
        when => format!(" before the link expires ({when})"),
    }
}

/// A file-size limit (`ulimit -f`) reached while writing would kill the
/// program with SIGXFSZ, part written and nothing said. Caught, the write
/// fails with EFBIG instead: an `io_error` that names the file, and the
/// part kept.
fn keep_running_past_the_file_size_limit() {
    #[cfg(unix)]
    {
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;
        let _ = signal_hook::flag::register(
            signal_hook::consts::SIGXFSZ,
            Arc::new(AtomicBool::new(false)),
        );
    }
}

/// `text` as one shell word: as it is when it is plain, else quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/+:,=@%".contains(&b));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn paths_are_quoted_only_when_they_need_it() {
        assert_eq!(shell_word("backups/site-1.tar.gz"), "backups/site-1.tar.gz");
        assert_eq!(shell_word("my backup.tar.gz"), "'my backup.tar.gz'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
