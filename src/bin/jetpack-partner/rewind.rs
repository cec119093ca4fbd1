//! `backup list` and `backup download`: a site's backups, and an archive of
//! one. Also what the rewind commands share (`restore`, `activity`): the
//! `--rewind-id` and `--types` options, the site's blog ID, and following
//! an operation with `--wait`.

use jetpack_partner::{
    BackupList, BackupParts, BlogId, DownloadAnswer, DownloadStatus, Error, Look, NewDownload,
    RewindId, Session,
};

use crate::archive;
use crate::args::{require, set, Args, Flag, Given};
use crate::follow::{self, Shown, WAIT_FLAGS};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};
use crate::site::SITE;

/// `--rewind-id R`: a restore point.
pub const REWIND_ID: Flag = Flag::value(
    &["--rewind-id"],
    "R",
    "a restore point: a rewind_id from activity list or show\n(e.g. 1605878792.626)",
    |a, v| {
        let id = v.text.parse::<RewindId>().map_err(|e| {
            refused(
                &v,
                e,
                "take the rewind_id of an entry of 'activity list' whose is_rewindable is true",
            )
        });
        set(&mut a.rewind_id, id)
    },
);

/// `--types LIST`: parts of a backup.
pub const TYPES: Flag = Flag::value(
    &["--types"],
    "LIST",
    "only these parts, comma-separated: themes, plugins, uploads, sqls\n\
     (the database), roots (the WordPress root), contents (wp-content), or all\n\
     (the default)",
    |a, v| {
        let parts = BackupParts::parse(&v.text)
            .map_err(|e| refused(&v, e, "e.g. --types themes,plugins,sqls"));
        set(&mut a.types, parts)
    },
);

/// A value the library refuses, with the option that gave it.
pub fn refused(v: &Given, e: Error, hint: &str) -> Problem {
    let message = match e {
        Error::InvalidInput(message) => message,
        other => other.to_string(),
    };
    Problem::new(format!("{}: {message}", v.source), hint)
}

/// A positive whole number: a download or restore ID.
pub fn id(v: &Given, what: &str) -> Result<u64, Problem> {
    match v.text.trim().parse::<u64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(v.invalid(&format!("{what} (a positive number)"))),
    }
}

/// The session and the site's blog ID (a domain is looked up once, shown
/// under `-v`). With `waits`, every request gets the whole `--timeout`,
/// however long the wait lasts; without, they share it.
pub fn open(args: &Args, globals: &Globals, waits: bool) -> Result<(Session, BlogId), Failure> {
    globals.check_credentials()?;
    let client = if waits {
        globals.client_per_call()?
    } else {
        globals.client()?
    };
    let session = globals.session(client)?;
    let Some(site) = &args.site else {
        unreachable!("check requires --site");
    };
    let blog = globals.blog_id(&session, site)?;
    Ok((session, blog))
}

/// Follows `what` `id` with `look` until it is over, within
/// `--wait-timeout`, showing its progress on stderr. When the wait ends
/// without an end (the time ran out, a look failed) the operation goes
/// on: unless `--quiet`, a line says how to follow it up.
pub fn follow<T>(
    args: &Args,
    globals: &Globals,
    what: &str,
    id: &str,
    follow_up: &str,
    mut look: impl FnMut() -> Result<Look<T>, Error>,
) -> Result<T, Failure> {
    let mut shown = Shown::new(args, what, id);
    let result = follow::wait(args, what, id).until(&mut look, |p| shown.show(p));
    shown.finish();
    result.map_err(|e| {
        if !matches!(e, Error::Ended(_)) && !args.quiet {
            globals.out.note(&format!(
                "jetpack-partner: the {what} {id} goes on; follow it with: {follow_up}"
            ));
        }
        Failure::from(e)
    })
}

/// `backup list`'s flag groups.
pub const LIST_FLAGS: &[&[Flag]] = &[&[SITE]];

pub const LIST_HELP: &str = "\
List a site's last 10 backup attempts, newest first
(GET /wpcom/v2/sites/{blog_id}/rewind/backups). status is started (under
way), finished (a snapshot to restore or download), or a failure:
no-credentials, credential-error, not-accessible, error, error-will-retry.

--site takes the blog ID, or a domain or URL looked up once by the public
site lookup (shown with -v).

Usage: jetpack-partner [global options] backup list --site SITE

Example:
  jetpack-partner backup list --site example.com --pretty
";

/// Commands that name a site.
pub fn check_site(a: &mut Args, problems: &mut Problems) {
    require(problems, a.given("--site"), "--site", "SITE");
}

pub fn list(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (session, blog) = open(args, globals, false)?;
    let answer = globals.send(&session, &BackupList::new(blog))?;
    globals.out.json(&answer)
}

/// `backup download`'s flag groups.
pub const DOWNLOAD_FLAGS: &[&[Flag]] = &[DOWNLOAD_OWN, WAIT_FLAGS];

const DOWNLOAD_OWN: &[Flag] = &[
    SITE,
    REWIND_ID,
    TYPES,
    Flag::value(
        &["--download-id"],
        "N",
        "follow an archive asked for earlier instead of asking for a new one",
        |a, v| set(&mut a.download_id, id(&v, "a download ID")),
    ),
    Flag::text(
        &["--output"],
        "FILE",
        "also fetch the archive to FILE once it is ready (implies --wait):\n\
         streamed to FILE.part (0600, locked), renamed when whole; a FILE.part\n\
         a cut run left is resumed. An existing FILE is refused",
        |a| &mut a.output,
    ),
];

pub const DOWNLOAD_HELP: &str = "\
Ask for an archive of a backup (POST /wpcom/v2/sites/{blog_id}/rewind/downloads)
and print the answer: its downloadId and progress. With --wait, follow it
(GET .../rewind/downloads/{download_id}) until it is ready, showing its
progress on stderr, and print the answer with its url and validUntil.

The url holds a token that lets anyone fetch the archive for 24 hours: treat
it as a secret. It is printed on stdout because you asked for it; -v and the
error lines show it as ***. Fetch the archive from it with any HTTP client
(curl -o backup.tar.gz \"$URL\"), or give --output FILE.

--output FILE waits for the archive (as --wait does), then fetches it to
FILE.part (0600, locked) with its progress on stderr, and renames it FILE
when it is whole; stdout gets the answer without its url, and the file. A run
that is cut short (network, stall, full disk, kill) keeps FILE.part and
prints the command that resumes it (with --download-id), to run before the
link expires. It asks for the rest (Range, with If-Range and the ETag kept in FILE.part.meta) and
checks it continues the same archive; another archive, or a server that
sends it all again, starts the part over. Each read of the archive must
bring bytes within --timeout; the transfer as a whole has no other bound, so
an archive of any size can be fetched. FILE itself is never replaced: a FILE
that exists is refused (exit 2) before anything is asked for. A second run
on the same FILE is refused while the first holds FILE.part (exit 5); a
FILE.part that is a link or that others can read is refused and left alone.
The link's token is never written to disk, and -v shows it as ***.

Without --rewind-id, the newest backup is packed; --rewind-id packs the newest
one at or before that point. --download-id N follows an archive asked for
earlier (e.g. after a wait ran out: exit 3, still_running, with its id).

Usage: jetpack-partner [global options] backup download --site SITE [--rewind-id R]
         [--types LIST] [--wait [--wait-timeout SECS] [--wait-interval SECS] [--quiet]]
         [--output FILE]
       jetpack-partner [global options] backup download --site SITE --download-id N [--wait ...]
         [--output FILE]

Examples:
  jetpack-partner backup download --site example.com --types sqls --wait
  jetpack-partner backup download --site 12345 --download-id 277467 --wait --wait-timeout 600
  jetpack-partner backup download --site example.com --output example.com.tar.gz
";

/// A new archive is described by its point and parts; an archive asked
/// for earlier already has them. `--output` needs the archive ready, so it
/// waits as `--wait` does (and takes the wait's options).
pub fn check_download(a: &mut Args, problems: &mut Problems) {
    check_site(a, problems);
    match a.output.as_deref() {
        Some("") => problems.push(Problem::new(
            "--output needs a file name",
            "give the file to fetch the archive to, e.g. --output backup.tar.gz",
        )),
        Some("-") => problems.push(Problem::new(
            "--output - would write the archive to stdout, which cannot be resumed",
            "give a file name; to pipe the archive, fetch the url of --wait with curl",
        )),
        Some(_) => a.wait = true,
        None => {}
    }
    if a.given("--download-id") {
        for option in ["--rewind-id", "--types"] {
            if a.given(option) {
                problems.push(Problem::new(
                    format!("{option} describes a new archive; --download-id follows one asked for earlier"),
                    "give --download-id alone to follow it, or leave it out to ask for a new archive",
                ));
            }
        }
    }
    follow::check(a, problems);
}

pub fn download(args: &Args, globals: &Globals) -> Result<(), Failure> {
    // The file first: one that cannot take the archive stops the command
    // before an archive is packed for nothing.
    let file = match args.output.as_deref() {
        Some(path) => Some(archive::take(path)?),
        None => None,
    };
    let (session, blog) = open(args, globals, args.wait)?;
    let asked_now = args.download_id.is_none();
    let id = match args.download_id {
        // An archive asked for earlier, followed: the wait's first look
        // reads its status.
        Some(id) if args.wait => id,
        Some(id) => {
            let answer = globals.send(&session, &DownloadStatus::new(blog, id))?;
            keep_secret(globals, &answer);
            return print(globals, &answer, asked_now);
        }
        None => {
            globals.out.check_stdout()?;
            let mut request = NewDownload::new(blog);
            if let Some(rewind_id) = &args.rewind_id {
                request = request.rewind_id(rewind_id.clone());
            }
            if let Some(parts) = &args.types {
                request = request.parts(parts.clone());
            }
            let answer = globals.send(&session, &request)?;
            keep_secret(globals, &answer);
            if !args.wait {
                return print(globals, &answer, asked_now);
            }
            answer.download_id
        }
    };
    let follow_up = match args.output.as_deref() {
        Some(path) => archive::follow_up(blog, id, path),
        None => format!("jetpack-partner backup download --site {blog} --download-id {id} --wait"),
    };
    let status = DownloadStatus::new(blog, id);
    let done = follow(
        args,
        globals,
        "backup download",
        &id.to_string(),
        &follow_up,
        || {
            let answer = session.send(&status)?;
            keep_secret(globals, &answer);
            Ok(answer.into_look())
        },
    )?;
    match file {
        Some(file) => archive::fetch(args, globals, &session, blog, &done, file),
        None => print(globals, &done, asked_now),
    }
}

/// An archive asked for now cannot be had again without its ID: stdout
/// that cannot take it is a failure (exit 5).
fn print(globals: &Globals, answer: &DownloadAnswer, asked_now: bool) -> Result<(), Failure> {
    if asked_now {
        globals.out.answer(answer)
    } else {
        globals.out.json(answer)
    }
}

/// The link's token is a secret: from now on it is masked wherever this
/// program writes to stderr (a trace, an error line).
fn keep_secret(globals: &Globals, answer: &DownloadAnswer) {
    if let Some(token) = answer.url.as_ref().and_then(|url| url.token()) {
        globals.out.redactor.add(token);
    }
}
