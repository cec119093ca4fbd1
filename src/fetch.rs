//! Fetching an archive to a file: the bytes behind a [`DownloadUrl`],
//! streamed to `FILE.part` in bounded memory and renamed to `FILE` once
//! they are all there.
//!
//! [`ArchiveFile::create`] refuses a `FILE` that exists and takes
//! `FILE.part`: a new one is made private (0600), exclusively and never
//! through a link; one an earlier run left is kept, to be resumed. It is
//! locked for as long as the value lives, so two runs never write one file
//! together. [`Client::fetch_archive`] then asks for what is missing: the
//! whole archive, or `Range: bytes=N-` with `If-Range: <ETag>` when the
//! part holds bytes of an archive whose ETag was recorded. A `206` must
//! start where it was asked to (`Content-Range`) and be the same archive
//! (its size, its ETag, and the last byte kept, which is asked for again
//! and compared); a `200` is the whole archive again, and the part starts
//! over. A connection cut during the run is resumed the same way, up to
//! the client's retries in a row without progress.
//!
//! The ETag and size of what the part holds are kept beside it, in
//! `FILE.part.meta`, written before any byte they describe. Nothing on
//! disk is secret: the link's token is never written, and it joins the
//! client's [`Redactor`](crate::Redactor) before the first request, so no
//! trace or error shows it.
//!
//! Time: connecting and the answer's head each have the client's timeout,
//! and so does every read of the body. An archive of any size is fetched
//! for as long as its bytes keep coming; one that stalls for the timeout is
//! resumed, or fails with its part kept for the next run.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::api::downloads::DownloadUrl;
use crate::client::{Client, CONNECT_TIMEOUT};
use crate::endpoint::Repeat;
use crate::error::{Error, Transport, TransportKind, UnexpectedResponse};
use crate::redact::mask_url_token;
use crate::response::{self, Raw, MAX_BODY};
use crate::retry;
use crate::trace::TraceEvent;

/// Bytes read and written at a time: the memory a fetch takes, whatever
/// the archive's size.
const CHUNK: usize = 64 * 1024;

/// Largest `FILE.part.meta` read.
const MAX_META: u64 = 4096;

/// Times one run starts the archive over (it changed, or a server
/// answered a range with something else) before it gives up.
const MAX_RESTARTS: u32 = 2;

/// The file an archive is fetched to, and its `FILE.part`, locked.
///
/// ```
/// use jetpack_partner::ArchiveFile;
/// let dir = std::env::temp_dir().join(format!("archive-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let file = ArchiveFile::create(dir.join("backup.tar.gz"))?;
/// assert_eq!(file.kept(), 0);
/// assert!(file.part_path().ends_with("backup.tar.gz.part"));
/// // A second fetch of the same file is refused while this one holds it.
/// assert!(ArchiveFile::create(dir.join("backup.tar.gz")).is_err());
/// drop(file); // empty, and made by this value: removed again
/// assert!(!dir.join("backup.tar.gz.part").exists());
/// # std::fs::remove_dir(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ArchiveFile {
    path: PathBuf,
    part_path: PathBuf,
    meta_path: PathBuf,
    file: File,
    meta: Meta,
    /// Bytes in the part now.
    len: u64,
    /// Bytes an earlier run left that are still kept.
    kept: u64,
    /// The part was made by this value: removed again if it ends empty.
    created: bool,
    finished: bool,
}

/// What the part holds: the ETag and size of the archive its bytes are
/// the start of.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Meta {
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    total: Option<u64>,
}

impl ArchiveFile {
    /// Takes `path` for an archive: refuses it if anything is there (a
    /// file, a directory, a link), then opens `path.part`, new or left by
    /// an earlier run, and locks it. A part that is not a private regular
    /// file with one name (a link, a FIFO, a file others can read) is
    /// refused and left as it is.
    ///
    /// An existing `path` or a part that cannot be used is
    /// [`Error::InvalidInput`]; a part locked by another fetch, or a
    /// directory that cannot be written, is [`Error::Io`].
    pub fn create(path: impl Into<PathBuf>) -> Result<ArchiveFile, Error> {
        let path = path.into();
        if path.file_name().is_none() || path.as_os_str().to_string_lossy().ends_with('/') {
            return Err(Error::InvalidInput(format!(
                "{} names a directory, not a file to write the archive to",
                path.display()
            )));
        }
        match fs::symlink_metadata(&path) {
            Ok(found) => {
                return Err(Error::InvalidInput(format!(
                    "{} already exists{}: it is not replaced, as whether it holds this \
                     archive cannot be known without fetching it again; remove it, or \
                     choose another name",
                    path.display(),
                    what_it_is(&found)
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("cannot look at {}", path.display()), e)),
        }
        let part_path = with_suffix(&path, ".part");
        let meta_path = with_suffix(&path, ".part.meta");
        let (file, created) = open_part(&part_path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::io(
                    format!(
                        "{} is in use by another fetch of the same file (it is locked); \
                         wait for that one to end",
                        part_path.display()
                    ),
                    io::ErrorKind::WouldBlock.into(),
                ))
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(format!("cannot lock {}", part_path.display()), e))
            }
        }
        let len = check_part(&file, &part_path)?;
        let meta = if created || len == 0 {
            // A description of bytes that are gone.
            let _ = fs::remove_file(&meta_path);
            Meta::default()
        } else {
            read_meta(&meta_path)
        };
        Ok(ArchiveFile {
            path,
            part_path,
            meta_path,
            file,
            meta,
            len,
            kept: len,
            created,
            finished: false,
        })
    }

    /// Where the archive goes once it is whole.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where its bytes are written until then: `FILE.part`.
    pub fn part_path(&self) -> &Path {
        &self.part_path
    }

    /// Bytes an earlier run left in the part, which a fetch resumes after
    /// (when they can be checked against the archive's ETag).
    pub fn kept(&self) -> u64 {
        self.kept
    }

    /// Where to resume, and the validator to resume with: the last byte
    /// kept (asked for again, to compare), when the part's bytes have a
    /// strong ETag.
    fn resume_point(&self) -> Option<(u64, String)> {
        let etag = self.meta.etag.clone()?;
        (self.len > 0).then(|| (self.len - 1, etag))
    }

    /// Empties the part for the archive an answer describes, and records
    /// its ETag and size before any of its bytes.
    fn start(&mut self, etag: Option<String>, total: Option<u64>) -> Result<(), Error> {
        self.file
            .set_len(0)
            .and_then(|()| self.file.seek(SeekFrom::Start(0)))
            .map_err(|e| self.write_failed(e))?;
        self.len = 0;
        self.kept = 0;
        self.meta = Meta { etag, total };
        self.write_meta()
            .map_err(|e| Error::io(format!("cannot write {}", self.meta_path.display()), e))
    }

    /// Appends to the part where it ends.
    fn resume(&mut self) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(self.len)).map(|_| ())
    }

    /// Writes `bytes` after the part's end. The part's length follows
    /// every write, so a write that stops halfway (a full disk, a file
    /// size limit) leaves it knowing the bytes that did go in: they are
    /// kept, never taken for an empty part and removed.
    fn append(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match self.file.write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.len += n as u64;
                    bytes = &bytes[n..];
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The part's last byte.
    fn last_byte(&mut self) -> io::Result<u8> {
        let mut byte = [0u8];
        self.file
            .seek(SeekFrom::Start(self.len.saturating_sub(1)))?;
        self.file.read_exact(&mut byte)?;
        Ok(byte[0])
    }

    /// `FILE.part.meta`, replaced whole: a new file, synced, renamed over
    /// the old.
    fn write_meta(&self) -> io::Result<()> {
        let text = serde_json::to_vec(&self.meta).map_err(io::Error::other)?;
        let new = with_suffix(&self.meta_path, ".new");
        // One a killed run left is replaced, never written through: it
        // could be a link, or another name of someone's file.
        let _ = fs::remove_file(&new);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let mut file = options.open(&new)?;
        file.write_all(&text)?;
        file.sync_all()?;
        fs::rename(&new, &self.meta_path)
    }

    fn write_failed(&self, e: io::Error) -> Error {
        let why = match e.raw_os_error() {
            #[cfg(unix)]
            Some(libc::EFBIG) => " (the largest file this process may write: see ulimit -f)",
            #[cfg(unix)]
            Some(libc::ENOSPC) => " (the disk is full)",
            #[cfg(unix)]
            Some(libc::EDQUOT) => " (the disk quota is used up)",
            _ => "",
        };
        let kept = match self.len {
            0 => String::new(),
            n => format!(" past its first {n} bytes, which are kept"),
        };
        Error::io(
            format!("cannot write {}{kept}{why}", self.part_path.display()),
            e,
        )
    }

    /// Makes the whole archive durable and gives it its name: synced, then
    /// linked as `FILE` (never over a file that appeared meanwhile), the
    /// part and its meta removed, the directory synced.
    fn finish(mut self) -> Result<PathBuf, Error> {
        self.file.sync_all().map_err(|e| self.write_failed(e))?;
        publish(&self.part_path, &self.path)?;
        self.finished = true;
        let _ = fs::remove_file(&self.meta_path);
        sync_dir(&self.path);
        Ok(self.path.clone())
    }
}

/// A part this value made and never wrote to is removed: nothing is left
/// behind by a fetch that did not start.
impl Drop for ArchiveFile {
    fn drop(&mut self) {
        if !self.finished && self.created && self.len == 0 {
            let _ = fs::remove_file(&self.part_path);
            let _ = fs::remove_file(&self.meta_path);
        }
    }
}

/// `path` with `suffix` added to its last component.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

fn what_it_is(meta: &fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_symlink() {
        " (a symbolic link)"
    } else if kind.is_dir() {
        " (a directory)"
    } else if kind.is_file() {
        ""
    } else {
        " (not a regular file)"
    }
}

/// Opens the part: a new private file, or the one an earlier run left.
/// Links are never followed, and a FIFO never waited on.
fn open_part(path: &Path) -> Result<(File, bool), Error> {
    let failed = |e: io::Error| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return Error::InvalidInput(format!(
                "{} is a symbolic link: it is not followed; remove it",
                path.display()
            ));
        }
        Error::io(format!("cannot create {}", path.display()), e)
    };
    let mut new = OpenOptions::new();
    new.read(true).write(true).create_new(true);
    let mut existing = OpenOptions::new();
    existing.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        new.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        existing.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    match new.open(path) {
        Ok(file) => Ok((file, true)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            existing.open(path).map(|f| (f, false)).map_err(failed)
        }
        Err(e) => Err(failed(e)),
    }
}

/// The part must be a regular file with one name, that only its owner can
/// read and write, and still the one at its path; gives its length.
fn check_part(file: &File, path: &Path) -> Result<u64, Error> {
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("cannot look at {}", path.display()), e))?;
    let refused = |why: &str| {
        Err(Error::InvalidInput(format!(
            "{} {why}; it is left as it is: remove it",
            path.display()
        )))
    };
    if !meta.is_file() {
        return refused("is not a regular file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() != 1 {
            return refused("has other names (hard links), so writing it would change them");
        }
        if meta.mode() & 0o077 != 0 {
            return refused(&format!(
                "can be read or written by other users (mode {:04o}), and an archive holds \
                 the site's database (if it is yours, chmod 600 it to resume)",
                meta.mode() & 0o7777
            ));
        }
        let here = fs::symlink_metadata(path)
            .map_err(|e| Error::io(format!("cannot look at {}", path.display()), e))?;
        if (here.dev(), here.ino()) != (meta.dev(), meta.ino()) {
            return Err(Error::io(
                format!("{} changed while it was opened", path.display()),
                io::ErrorKind::Other.into(),
            ));
        }
    }
    Ok(meta.len())
}

/// The part's description; anything unreadable describes nothing (its
/// bytes cannot be checked, so they are fetched again).
fn read_meta(path: &Path) -> Meta {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut text = Vec::new();
    let read = options
        .open(path)
        .and_then(|f| f.take(MAX_META).read_to_end(&mut text));
    match read {
        Ok(_) => serde_json::from_slice(&text).unwrap_or_default(),
        Err(_) => Meta::default(),
    }
}

/// Gives the part its final name without ever replacing a file: a new
/// link, then the part's name removed. Where links cannot be made (some
/// file systems), a rename after a last look.
fn publish(part: &Path, path: &Path) -> Result<(), Error> {
    let exists = || {
        Error::io(
            format!(
                "{} appeared while the archive was fetched; it is left as it is, and the \
                 archive is in {}",
                path.display(),
                part.display()
            ),
            io::ErrorKind::AlreadyExists.into(),
        )
    };
    let failed = |e| Error::io(format!("cannot name the archive {}", path.display()), e);
    match fs::hard_link(part, path) {
        Ok(()) => fs::remove_file(part).map_err(failed),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(exists()),
        Err(_) => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(exists());
            }
            fs::rename(part, path).map_err(failed)
        }
    }
}

/// Syncs the directory of `path`, so that its new name survives a crash.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    let _ = path;
}

/// How far a fetch is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchProgress {
    /// Bytes in the file now.
    pub bytes: u64,
    /// The archive's size, once an answer said it.
    pub total: Option<u64>,
    /// Bytes an earlier run left that are kept (0 once the fetch started
    /// over).
    pub kept: u64,
    /// Bytes received in this run.
    pub received: u64,
    /// Since the fetch began.
    pub elapsed: Duration,
}

impl FetchProgress {
    /// How much of the archive is there, in percent, when its size is
    /// known.
    pub fn percent(&self) -> Option<u8> {
        let total = self.total.filter(|&t| t > 0)?;
        u8::try_from((self.bytes.min(total) * 100) / total).ok()
    }

    /// Bytes per second received in this run.
    pub fn rate(&self) -> f64 {
        self.received as f64 / self.elapsed.as_secs_f64().max(0.001)
    }
}

/// A fetch that ended with the whole archive under its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Bytes an earlier run had fetched, kept and not fetched again.
    pub kept: u64,
    /// Bytes received in this run.
    pub received: u64,
    /// Times the fetch started over (the server sent the whole archive
    /// again, or another one).
    pub restarts: u32,
    /// The archive's ETag, when the server gave a strong one.
    pub etag: Option<String>,
}

/// What one request of a fetch came to.
enum Step {
    /// The file holds the whole archive.
    Done,
    /// The server's answer does not continue the part: the whole archive
    /// is asked for next.
    StartOver,
}

impl Client {
    /// Fetches the archive behind `url` into `file`, and names it: see the
    /// [module documentation](crate::ArchiveFile) for the rules. `progress`
    /// is called after every chunk written (64 KiB at most).
    ///
    /// The link must be on the API base's own origin (or be a path on it),
    /// and carries no bearer token: its own `token` grants the archive, and
    /// is masked in traces and errors from now on. A failure keeps the
    /// part and what it holds, to be resumed by a later fetch of the same
    /// file; the errors are those of [`send`](Self::send), plus
    /// [`Error::Io`] for the file, and [`Error::UnexpectedResponse`] for a
    /// link on another host or an archive that kept changing.
    pub fn fetch_archive(
        &self,
        url: &DownloadUrl,
        mut file: ArchiveFile,
        mut progress: impl FnMut(&FetchProgress),
    ) -> Result<Fetched, Error> {
        if let Some(token) = url.token() {
            self.redactor().add(token);
        }
        let target = self.same_origin_url(url.as_str())?;
        let mut run = FetchRun {
            client: self,
            shown: mask_url_token(&target),
            target,
            started: Instant::now(),
            received: 0,
            restarts: 0,
        };
        let mut failures = 0;
        let mut whole = false;
        loop {
            let before = run.received;
            let step = run.attempt(&mut file, whole, &mut progress);
            if run.restarts > MAX_RESTARTS {
                return Err(Error::UnexpectedResponse(UnexpectedResponse {
                    status: None,
                    reason: format!(
                        "the fetch started over {} times: the archive keeps changing, or \
                         the server cannot send a part of it; {} keeps what was fetched; \
                         try again later",
                        run.restarts,
                        file.part_path.display()
                    ),
                    excerpt: String::new(),
                }));
            }
            match step {
                Ok(Step::Done) => break,
                Ok(Step::StartOver) => whole = true,
                Err(e) => {
                    if run.received > before {
                        failures = 0;
                    }
                    failures += 1;
                    if failures > self.retries() || !retry::is_retryable(&e, Repeat::Safe) {
                        return Err(e);
                    }
                    let wait = retry::wait_before_next(failures, &e);
                    // A Retry-After longer than a call may last is not
                    // waited for: the part is kept for a later run.
                    if wait > self.timeout() {
                        return Err(e);
                    }
                    self.emit(|| TraceEvent::Retry {
                        attempt: failures,
                        code: e.code().to_owned(),
                        wait,
                    });
                    std::thread::sleep(wait);
                    whole = false;
                }
            }
        }
        let etag = file.meta.etag.clone();
        let (bytes, kept) = (file.len, file.kept);
        let path = file.finish()?;
        Ok(Fetched {
            path,
            bytes,
            kept,
            received: run.received,
            restarts: run.restarts,
            etag,
        })
    }
}

/// One fetch under way.
struct FetchRun<'a> {
    client: &'a Client,
    /// The link, and as traces show it (its token masked).
    target: String,
    shown: String,
    started: Instant,
    received: u64,
    /// Times the part was started over.
    restarts: u32,
}

impl FetchRun<'_> {
    /// The part cannot be continued: said in the trace, and counted.
    fn restart(&mut self, why: &str) -> Step {
        self.restarts += 1;
        self.client.note(format!("archive: {why}: starting over"));
        Step::StartOver
    }

    fn progress(&self, file: &ArchiveFile) -> FetchProgress {
        FetchProgress {
            bytes: file.len,
            total: file.meta.total,
            kept: file.kept,
            received: self.received,
            elapsed: self.started.elapsed(),
        }
    }

    /// One request: the rest of the part, or the whole archive.
    fn attempt(
        &mut self,
        file: &mut ArchiveFile,
        whole: bool,
        progress: &mut impl FnMut(&FetchProgress),
    ) -> Result<Step, Error> {
        let client = self.client;
        let from = if whole { None } else { file.resume_point() };
        if from.is_none() && !whole && file.len > 0 {
            client.note(format!(
                "archive: {} holds {} bytes but no ETag to check them against: they are \
                 fetched again",
                file.part_path.display(),
                file.len
            ));
        }
        let timeout = client.timeout();
        let global = match client.deadline() {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Transport(Transport {
                        kind: TransportKind::Timeout,
                        detail: "the time budget was spent before this attempt".into(),
                        source: None,
                    }));
                }
                Some(left)
            }
            None => None,
        };
        let mut request = client
            .agent()
            .get(&self.target)
            .config()
            // The whole transfer has no bound but progress: every read
            // must bring bytes within the timeout.
            .timeout_global(global)
            .timeout_connect(Some(timeout.mul_f64(0.75).min(CONNECT_TIMEOUT)))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .build();
        if let Some((at, etag)) = &from {
            request = request
                .header("Range", format!("bytes={at}-"))
                .header("If-Range", etag.as_str());
        }
        client.emit(|| TraceEvent::Request {
            method: "GET",
            url: self.shown.clone(),
            content_type: None,
            content_length: 0,
            fields: Vec::new(),
            bearer: false,
        });
        if let Some((at, etag)) = &from {
            client.note(format!(
                "archive: resuming {} from byte {at} (Range: bytes={at}-, If-Range: {etag})",
                file.part_path.display()
            ));
        }
        let redactor = client.redactor();
        let sent = Instant::now();
        let failed = |e: Error| {
            client.emit(|| TraceEvent::Failed {
                code: e.code().to_owned(),
                elapsed: sent.elapsed(),
            });
            e
        };
        let mut answer = request
            .call()
            .map_err(|e| failed(client.transport_error(e, redactor)))?;
        let status = answer.status().as_u16();
        let header = |name: &str| {
            answer
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header("etag").filter(|e| is_strong(e));
        let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
        let range = header("content-range");
        let (retry_after, location) = (header("retry-after"), header("location"));
        let before = self.received;
        let mut reader = answer.body_mut().as_reader();
        let step = match (status, &from) {
            (200, _) => {
                if from.is_some() {
                    self.restart(
                        "the server sent the whole archive, not the rest (it ignored the \
                         range, or the archive changed)",
                    );
                }
                file.start(etag, length)
                    .and_then(|()| self.copy(&mut reader, file, progress))
            }
            (206, Some((at, kept_etag))) => 'rest: {
                let total = file.meta.total;
                if let Some(why) = not_the_rest(*at, total, range.as_deref(), length) {
                    break 'rest Ok(self.restart(&why));
                }
                if etag.as_ref().is_some_and(|theirs| theirs != kept_etag) {
                    break 'rest Ok(self.restart("the archive's ETag changed"));
                }
                let mut first = [0u8];
                if let Err(e) = reader.read_exact(&mut first) {
                    break 'rest Err(body_error(client, e));
                }
                let ours = match file.last_byte() {
                    Ok(byte) => byte,
                    Err(e) => {
                        break 'rest Err(Error::io(
                            format!("cannot read {}", file.part_path.display()),
                            e,
                        ))
                    }
                };
                if first[0] != ours {
                    break 'rest Ok(self.restart("the last byte kept differs from the archive's"));
                }
                match file.resume() {
                    Ok(()) => self.copy(&mut reader, file, progress),
                    Err(e) => Err(file.write_failed(e)),
                }
            }
            (206, None) => {
                Ok(self.restart("the server sent a part of the archive that was not asked for"))
            }
            (416, _) => Ok(self.restart(&format!(
                "the server cannot send the bytes from {} on",
                from.as_ref().map_or(0, |(at, _)| *at)
            ))),
            _ => {
                let mut body = Vec::new();
                let _ = reader.take(MAX_BODY).read_to_end(&mut body);
                let raw = Raw {
                    status,
                    retry_after,
                    location,
                    body,
                };
                Err(match response::decode(raw, redactor) {
                    Err(e) => e,
                    Ok(_) => Error::UnexpectedResponse(UnexpectedResponse {
                        status: Some(status),
                        reason: "the archive's link did not answer with the archive".into(),
                        excerpt: String::new(),
                    }),
                })
            }
        };
        match &step {
            Ok(_) => client.emit(|| TraceEvent::Response {
                status,
                elapsed: sent.elapsed(),
                bytes: usize::try_from(self.received - before).unwrap_or(usize::MAX),
            }),
            Err(e) => {
                client.emit(|| TraceEvent::Failed {
                    code: e.code().to_owned(),
                    elapsed: sent.elapsed(),
                });
            }
        }
        step
    }

    /// Copies the body to the part, a chunk at a time, then checks that
    /// the part holds the whole archive.
    fn copy(
        &mut self,
        reader: &mut impl Read,
        file: &mut ArchiveFile,
        progress: &mut impl FnMut(&FetchProgress),
    ) -> Result<Step, Error> {
        let mut buf = vec![0u8; CHUNK];
        progress(&self.progress(file));
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(body_error(self.client, e)),
            };
            let before = file.len;
            let written = file.append(&buf[..n]);
            self.received += file.len - before;
            written.map_err(|e| file.write_failed(e))?;
            progress(&self.progress(file));
        }
        match file.meta.total {
            Some(total) if file.len < total => Err(Error::Transport(Transport {
                kind: TransportKind::Network,
                detail: format!(
                    "the connection closed after {} of the archive's {total} bytes",
                    file.len
                ),
                source: None,
            })),
            Some(total) if file.len > total => {
                Ok(self.restart(&format!("the archive ran past its size of {total} bytes")))
            }
            _ => Ok(Step::Done),
        }
    }
}

/// Why a `206` for the bytes from `at` on is not the rest of the archive
/// of `total` bytes, if it is not: its `Content-Range` must say
/// `bytes at-(size-1)/size`, and its `Content-Length` agree.
fn not_the_rest(
    at: u64,
    total: Option<u64>,
    range: Option<&str>,
    length: Option<u64>,
) -> Option<String> {
    let Some((first, last, size)) = range.and_then(content_range) else {
        return Some("the server's part has no Content-Range that can be read".into());
    };
    if first != at {
        return Some(format!(
            "the server sent bytes from {first} on, not from {at}"
        ));
    }
    if last.checked_add(1) != Some(size) {
        return Some(format!(
            "the server sent bytes {first}-{last}, not the rest of its {size}"
        ));
    }
    if total.is_some_and(|t| t != size) {
        return Some(format!(
            "the archive's size changed from {} to {size} bytes",
            total.unwrap_or_default()
        ));
    }
    if length.is_some_and(|n| Some(n) != (last + 1).checked_sub(first)) {
        return Some("the server's Content-Length does not match its Content-Range".into());
    }
    None
}

/// `bytes FIRST-LAST/SIZE`.
fn content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (span, size) = rest.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let number = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (first, last, size) = (number(first)?, number(last)?, number(size)?);
    (first <= last && last < size).then_some((first, last, size))
}

/// A strong ETag (`"…"`): a weak one (`W/"…"`) cannot validate a range
/// (RFC 9110, 13.1.5).
fn is_strong(etag: &str) -> bool {
    let etag = etag.trim();
    etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"')
}

/// A failure while the body was read, as the transport failure it is.
fn body_error(client: &Client, e: io::Error) -> Error {
    client.transport_error(ureq::Error::from(e), client.redactor())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jetpack-fetch-{}", crate::random::u128()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[test]
    fn content_ranges_are_read_strictly() {
        assert_eq!(content_range("bytes 10-99/100"), Some((10, 99, 100)));
        assert_eq!(content_range("bytes  0-0/1"), Some((0, 0, 1)));
        for bad in [
            "bytes */100",
            "bytes 10-9/100",
            "bytes 10-100/100",
            "bytes 1-2",
            "items 1-2/3",
            "bytes -1-2/3",
            "bytes 1-2/+3",
        ] {
            assert_eq!(content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_part_that_does_not_continue_the_file_is_named() {
        let rest = |range, length| not_the_rest(9, Some(100), Some(range), length);
        assert_eq!(rest("bytes 9-99/100", Some(91)), None);
        assert_eq!(rest("bytes 9-99/100", None), None);
        assert!(rest("bytes 0-99/100", None).is_some_and(|w| w.contains("from 0 on")));
        assert!(rest("bytes 9-50/100", None).is_some_and(|w| w.contains("not the rest")));
        assert!(rest("bytes 9-199/200", None).is_some_and(|w| w.contains("size changed")));
        assert!(rest("bytes 9-99/100", Some(5)).is_some_and(|w| w.contains("Content-Length")));
        assert!(not_the_rest(9, None, None, None).is_some());
    }

    #[test]
    fn only_strong_etags_validate() {
        assert!(is_strong("\"abc\""));
        assert!(!is_strong("W/\"abc\""));
        assert!(!is_strong("abc"));
        assert!(!is_strong("\""));
    }

    #[test]
    fn an_existing_file_is_never_replaced() -> Result<(), Error> {
        let dir = scratch();
        let path = dir.join("a.tar.gz");
        fs::write(&path, b"mine").map_err(|e| Error::io("write", e))?;
        let refused = ArchiveFile::create(&path);
        assert!(
            matches!(&refused, Err(Error::InvalidInput(m)) if m.contains("already exists")),
            "{refused:?}"
        );
        assert!(!with_suffix(&path, ".part").exists(), "nothing made");
        assert!(matches!(
            ArchiveFile::create(dir.join("sub/")),
            Err(Error::InvalidInput(_))
        ));
        assert!(matches!(
            ArchiveFile::create(dir.join("no-such-dir").join("a.tar.gz")),
            Err(Error::Io { .. })
        ));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_part_that_is_a_link_or_not_private_is_refused_and_left_alone() -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch();
        let io = |e| Error::io("setup", e);
        let target = dir.join("elsewhere");
        fs::write(&target, b"keep").map_err(io)?;
        std::os::unix::fs::symlink(&target, dir.join("l.tar.gz.part")).map_err(io)?;
        let linked = ArchiveFile::create(dir.join("l.tar.gz"));
        assert!(
            matches!(&linked, Err(Error::InvalidInput(m)) if m.contains("symbolic link")),
            "{linked:?}"
        );
        fs::write(dir.join("o.tar.gz.part"), b"abc").map_err(io)?;
        fs::set_permissions(dir.join("o.tar.gz.part"), fs::Permissions::from_mode(0o644))
            .map_err(io)?;
        let open = ArchiveFile::create(dir.join("o.tar.gz"));
        assert!(
            matches!(&open, Err(Error::InvalidInput(m)) if m.contains("other users")),
            "{open:?}"
        );
        fs::hard_link(&target, dir.join("h.tar.gz.part")).map_err(io)?;
        assert!(matches!(
            ArchiveFile::create(dir.join("h.tar.gz")),
            Err(Error::InvalidInput(m)) if m.contains("hard links")
        ));
        assert_eq!(fs::read(&target).map_err(io)?, b"keep");
        Ok(())
    }

    #[test]
    fn a_part_is_kept_with_its_description_and_named_when_whole() -> Result<(), Error> {
        let dir = scratch();
        let path = dir.join("b.tar.gz");
        let io = |e| Error::io("test", e);
        let mut file = ArchiveFile::create(&path)?;
        file.start(Some("\"e1\"".into()), Some(6))?;
        file.append(b"abc").map_err(io)?;
        drop(file);
        let again = ArchiveFile::create(&path)?;
        assert_eq!(again.kept(), 3);
        assert_eq!(again.resume_point(), Some((2, "\"e1\"".to_owned())));
        drop(again);
        assert!(with_suffix(&path, ".part").exists(), "kept: it has bytes");
        // Without its description the bytes cannot be checked.
        fs::remove_file(with_suffix(&path, ".part.meta")).map_err(io)?;
        let mut blind = ArchiveFile::create(&path)?;
        assert_eq!(blind.resume_point(), None);
        assert_eq!(blind.last_byte().map_err(io)?, b'c');
        blind.start(None, None)?;
        blind.append(b"abcdef").map_err(io)?;
        assert_eq!(blind.finish()?, path);
        assert_eq!(fs::read(&path).map_err(io)?, b"abcdef");
        assert!(!with_suffix(&path, ".part").exists());
        assert!(!with_suffix(&path, ".part.meta").exists());
        Ok(())
    }

    #[test]
    fn a_file_that_appears_meanwhile_is_not_replaced() -> Result<(), Error> {
        let dir = scratch();
        let path = dir.join("c.tar.gz");
        let io = |e| Error::io("test", e);
        let mut file = ArchiveFile::create(&path)?;
        file.start(None, Some(3))?;
        file.append(b"new").map_err(io)?;
        fs::write(&path, b"old").map_err(io)?;
        let refused = file.finish();
        assert!(
            matches!(&refused, Err(Error::Io { context, .. }) if context.contains("appeared")),
            "{refused:?}"
        );
        assert_eq!(fs::read(&path).map_err(io)?, b"old");
        assert_eq!(fs::read(with_suffix(&path, ".part")).map_err(io)?, b"new");
        Ok(())
    }

    #[test]
    fn progress_says_percent_and_rate() {
        let p = FetchProgress {
            bytes: 50,
            total: Some(200),
            kept: 10,
            received: 40,
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(p.percent(), Some(25));
        assert!((p.rate() - 20.0).abs() < 1e-9);
        assert_eq!(
            FetchProgress {
                total: None,
                ..p.clone()
            }
            .percent(),
            None
        );
    }
}
