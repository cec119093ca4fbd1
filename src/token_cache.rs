//! A cache of access tokens on disk, so that cron jobs need not request a
//! token on every run (the token does not expire in normal use).
//!
//! One file per API base and partner ID, readable only by its owner (0600).
//! The token a WordPress.com user approved (see `login`) is kept the same
//! way, in a file of its own per API base and app client ID.
//! A token is written to a new temporary file with an unpredictable name in
//! the same directory and renamed into place, so a reader never sees half a
//! token.
//!
//! The cache is a place another local user must not be able to steer, so on
//! Unix it is used only when (much as OpenSSH checks `~/.ssh`):
//!
//! * the directory, resolved through any symbolic links, is owned by the
//!   user running the program and is not writable by group or others;
//! * every directory above it, up to `/`, is owned by that user or by root
//!   and is not writable by group or others unless it has the sticky bit
//!   (as `/tmp` has).
//!
//! Otherwise [`TokenCache::load`] and [`TokenCache::store`] return an error
//! that says why, and the caller carries on without the cache. An existing
//! directory is never chmodded; one the cache creates (with any missing
//! parents) is made 0700. Cache files are opened without following links and
//! must be regular files of at most 64 KiB. Temporary files left by a run
//! that was killed are removed by a later store once they are 10 minutes old.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::auth::{AccessToken, Credentials, Secret};
use crate::error::Error;

/// The largest cache file that is read; a token entry is far smaller.
const MAX_FILE_SIZE: u64 = 64 * 1024;

/// A temporary file older than this is debris of a run that died while
/// writing; a younger one may be another run's write in progress.
const STALE_TEMPORARY_AGE: Duration = Duration::from_secs(10 * 60);

/// A directory of cached tokens.
#[derive(Clone, Debug)]
pub struct TokenCache {
    dir: PathBuf,
}

/// What [`TokenCache::check`] found: a cache that can be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheDir {
    /// The directory is there and safe to use; its path, links resolved.
    Ready(PathBuf),
    /// The directory is not there yet; the first store makes it (0700,
    /// with any missing parents) inside this directory, which exists and
    /// is safe to hold it (links resolved).
    WouldCreate(PathBuf),
}

/// What a user token's cache file holds.
#[derive(Serialize, Deserialize)]
struct UserEntry {
    /// `wpcom-user`: what the file is, for a person who opens it.
    kind: String,
    api_base: String,
    client_id: String,
    access_token: Secret,
}

const USER_KIND: &str = "wpcom-user";

/// A WordPress.com user's token found in the cache, and the app it was
/// issued to.
#[derive(Debug)]
pub struct CachedUserToken {
    /// The client ID of the app the user approved.
    pub client_id: String,
    /// The token.
    pub token: AccessToken,
    /// The file it is kept in.
    pub path: PathBuf,
}

/// What a cache file holds.
#[derive(Serialize, Deserialize)]
struct Entry {
    api_base: String,
    partner_id: String,
    /// Of the secret the token was issued for: a token is never handed to
    /// a run that gives another (a wrong or a rotated) secret.
    #[serde(default)]
    secret_fingerprint: String,
    access_token: Secret,
}

impl TokenCache {
    /// A cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TokenCache { dir: dir.into() }
    }

    /// `$XDG_CACHE_HOME/jetpack-partner`, else `$HOME/.cache/jetpack-partner`;
    /// `None` when neither variable is set.
    pub fn default_dir() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|home| Path::new(&home).join(".cache"))
            })?;
        Some(base.join("jetpack-partner"))
    }

    /// The directory, as given.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for one API base, partner and secret (in the directory as
    /// given).
    pub fn path(&self, api_base: &str, credentials: &Credentials) -> PathBuf {
        self.dir.join(file_name(api_base, credentials))
    }

    /// The cached token, if there is one for exactly this API base, partner
    /// and secret. A missing directory or file is `Ok(None)`; a directory that
    /// is not safe to use (see the module documentation), or a file that is
    /// unreadable, not a regular file, too large or corrupt, is an error
    /// (the caller carries on without the cache).
    pub fn load(
        &self,
        api_base: &str,
        credentials: &Credentials,
    ) -> Result<Option<AccessToken>, Error> {
        let Some(dir) = self.trusted_dir()? else {
            return Ok(None);
        };
        let path = dir.join(file_name(api_base, credentials));
        let Some(bytes) = read_cache_file(&path)? else {
            return Ok(None);
        };
        let entry: Entry = serde_json::from_slice(&bytes).map_err(|_| {
            Error::io(
                format!("the token cache {} is corrupt", path.display()),
                io::Error::from(io::ErrorKind::InvalidData),
            )
        })?;
        let matches = entry.api_base == api_base
            && entry.partner_id == credentials.partner_id()
            && entry.secret_fingerprint == secret_fingerprint(credentials);
        Ok((matches && !entry.access_token.is_empty())
            .then(|| AccessToken::new(entry.access_token.expose())))
    }

    /// Stores a token: the directory is created 0700 when missing and must
    /// be safe to use; the token is written to a new 0600 temporary file,
    /// synced, and renamed over the cache file. Stale temporary files are
    /// removed first.
    pub fn store(
        &self,
        api_base: &str,
        credentials: &Credentials,
        token: &AccessToken,
    ) -> Result<(), Error> {
        create_private_dir(&self.dir).map_err(|e| {
            Error::io(
                format!("cannot create the token cache {}", self.dir.display()),
                e,
            )
        })?;
        let Some(dir) = self.trusted_dir()? else {
            return Err(Error::io(
                format!("cannot create the token cache {}", self.dir.display()),
                io::Error::from(io::ErrorKind::NotFound),
            ));
        };
        remove_stale_temporaries(&dir);
        let name = file_name(api_base, credentials);
        let failed = |what: &str, e| {
            Error::io(
                format!(
                    "cannot {what} the token cache {}",
                    dir.join(&name).display()
                ),
                e,
            )
        };
        let entry = Entry {
            api_base: api_base.to_owned(),
            partner_id: credentials.partner_id().to_owned(),
            secret_fingerprint: secret_fingerprint(credentials),
            access_token: Secret::new(token.expose()),
        };
        let bytes =
            serde_json::to_vec(&entry).map_err(|e| failed("encode", io::Error::other(e)))?;
        replace_file(&dir, &name, &bytes).map_err(|e| failed("write", e))
    }

    /// Forgets the token of one API base and partner (it was refused). As
    /// with [`load`](Self::load), nothing is done in a directory that is not
    /// safe to use (an error), and a missing one is fine.
    pub fn remove(&self, api_base: &str, credentials: &Credentials) -> Result<(), Error> {
        let Some(dir) = self.trusted_dir()? else {
            return Ok(());
        };
        let path = dir.join(file_name(api_base, credentials));
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(
                format!("cannot remove the token cache {}", path.display()),
                e,
            )),
            _ => Ok(()),
        }
    }

    /// Makes the directory ready for a store now: creates it 0700 when
    /// missing, and checks that it is safe to use (see the module
    /// documentation). For a caller that must not start work whose result
    /// it could not keep (a sign-in in a browser). Gives the directory,
    /// links resolved.
    pub fn ready(&self) -> Result<PathBuf, Error> {
        create_private_dir(&self.dir).map_err(|e| {
            Error::io(
                format!("cannot create the token cache {}", self.dir.display()),
                e,
            )
        })?;
        self.trusted_dir()?.ok_or_else(|| {
            Error::io(
                format!("cannot create the token cache {}", self.dir.display()),
                io::Error::from(io::ErrorKind::NotFound),
            )
        })
    }

    /// Whether the cache can be used, as [`load`](Self::load) and
    /// [`store`](Self::store) would decide, without creating or changing
    /// anything: the directory (links resolved) when it is there and safe,
    /// or the existing directory a first store would create it in (0700)
    /// when that one is safe to hold it. An error says why the cache would
    /// not be used (see the module documentation).
    pub fn check(&self) -> Result<CacheDir, Error> {
        if let Some(resolved) = self.trusted_dir()? {
            return Ok(CacheDir::Ready(resolved));
        }
        // Missing: the nearest directory that exists will hold it.
        let mut nearest = None;
        for ancestor in self.dir.ancestors().skip(1) {
            let ancestor = if ancestor.as_os_str().is_empty() {
                Path::new(".")
            } else {
                ancestor
            };
            match fs::canonicalize(ancestor) {
                Ok(resolved) => {
                    nearest = Some(resolved);
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::io(
                        format!(
                            "cannot find {}, which would hold the token cache",
                            ancestor.display()
                        ),
                        e,
                    ))
                }
            }
        }
        let Some(nearest) = nearest else {
            return Err(refused(
                format!(
                    "no directory above the token cache directory {} exists",
                    self.dir.display()
                ),
                "not used",
            ));
        };
        if !fs::metadata(&nearest).is_ok_and(|m| m.is_dir()) {
            return Err(refused(
                format!(
                    "the token cache directory {} cannot be made: {} is not a directory",
                    self.dir.display(),
                    nearest.display()
                ),
                "not used",
            ));
        }
        check_holder(&self.dir, &nearest)?;
        Ok(CacheDir::WouldCreate(nearest))
    }

    /// The file for the WordPress.com user's token of one API base and
    /// app (in the directory as given).
    pub fn user_path(&self, api_base: &str, client_id: &str) -> PathBuf {
        self.dir.join(user_file_name(api_base, client_id))
    }

    /// Stores the token a WordPress.com user approved for the app
    /// `client_id`, under the same rules as [`store`](Self::store); a
    /// directory that is not safe to use is an error. Gives the file.
    pub fn store_user(
        &self,
        api_base: &str,
        client_id: &str,
        token: &AccessToken,
    ) -> Result<PathBuf, Error> {
        let dir = self.ready()?;
        remove_stale_temporaries(&dir);
        let name = user_file_name(api_base, client_id);
        let failed = |what: &str, e| {
            Error::io(
                format!(
                    "cannot {what} the token cache {}",
                    dir.join(&name).display()
                ),
                e,
            )
        };
        let entry = UserEntry {
            kind: USER_KIND.to_owned(),
            api_base: api_base.to_owned(),
            client_id: client_id.to_owned(),
            access_token: Secret::new(token.expose()),
        };
        let bytes =
            serde_json::to_vec(&entry).map_err(|e| failed("encode", io::Error::other(e)))?;
        replace_file(&dir, &name, &bytes).map_err(|e| failed("write", e))?;
        Ok(dir.join(name))
    }

    /// The WordPress.com user's token of one API base and app, if there
    /// is one; as with [`load`](Self::load), an unsafe directory or a bad
    /// file is an error.
    pub fn load_user(
        &self,
        api_base: &str,
        client_id: &str,
    ) -> Result<Option<CachedUserToken>, Error> {
        let Some(dir) = self.trusted_dir()? else {
            return Ok(None);
        };
        let path = dir.join(user_file_name(api_base, client_id));
        Ok(read_user_entry(&path)?
            .filter(|e| e.api_base == api_base && e.client_id == client_id)
            .map(|e| CachedUserToken {
                client_id: e.client_id,
                token: AccessToken::new(e.access_token.expose()),
                path,
            }))
    }

    /// Every WordPress.com user's token of one API base, whatever the app,
    /// in the order of the apps' client IDs: for a caller that was not told
    /// which app signed in. Only this API base's files are read.
    pub fn load_users(&self, api_base: &str) -> Result<Vec<CachedUserToken>, Error> {
        let Some(dir) = self.trusted_dir()? else {
            return Ok(Vec::new());
        };
        let prefix = user_file_prefix(api_base);
        let entries = fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("cannot list the token cache {}", dir.display()), e))?;
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            if !(name.starts_with(&prefix) && name.ends_with(".json")) {
                continue;
            }
            let path = dir.join(name);
            if let Some(e) = read_user_entry(&path)?.filter(|e| e.api_base == api_base) {
                // A file of one app renamed to another's name is not used.
                if path.file_name() == self.user_path(api_base, &e.client_id).file_name() {
                    found.push(CachedUserToken {
                        client_id: e.client_id,
                        token: AccessToken::new(e.access_token.expose()),
                        path,
                    });
                }
            }
        }
        found.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        Ok(found)
    }

    /// Forgets the WordPress.com user's token of one API base and app.
    /// Gives whether there was one. The file is removed by its name,
    /// unread (a corrupt one goes too); an unsafe directory is an error.
    pub fn remove_user(&self, api_base: &str, client_id: &str) -> Result<bool, Error> {
        let Some(dir) = self.trusted_dir()? else {
            return Ok(false);
        };
        let path = dir.join(user_file_name(api_base, client_id));
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(
                format!("cannot remove the token cache {}", path.display()),
                e,
            )),
        }
    }

    /// Forgets every WordPress.com user's token of one API base, whatever
    /// the app. The files are found by their names and removed unread (a
    /// corrupt one goes too); an unsafe directory is an error. Gives the
    /// files removed.
    pub fn remove_users(&self, api_base: &str) -> Result<Vec<PathBuf>, Error> {
        let Some(dir) = self.trusted_dir()? else {
            return Ok(Vec::new());
        };
        let prefix = user_file_prefix(api_base);
        let entries = fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("cannot list the token cache {}", dir.display()), e))?;
        let mut removed = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
            {
                continue;
            }
            let path = dir.join(name);
            match fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::io(
                        format!("cannot remove the token cache {}", path.display()),
                        e,
                    ))
                }
            }
        }
        removed.sort();
        Ok(removed)
    }

    /// The directory resolved through symbolic links, if it exists and is
    /// safe to use; every file operation then works on this path.
    fn trusted_dir(&self) -> Result<Option<PathBuf>, Error> {
        let resolved = match fs::canonicalize(&self.dir) {
            Ok(resolved) => resolved,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::io(
                    format!(
                        "cannot find the token cache directory {}",
                        self.dir.display()
                    ),
                    e,
                ))
            }
        };
        check_dir(&self.dir, &resolved)?;
        Ok(Some(resolved))
    }
}

/// `token-<hash>.json`: a stable name for an API base, partner and secret.
fn file_name(api_base: &str, credentials: &Credentials) -> String {
    let key = format!(
        "{api_base}\n{}\n{}",
        credentials.partner_id(),
        secret_fingerprint(credentials)
    );
    format!("token-{:016x}.json", fnv1a(key.as_bytes()))
}

/// `user-token-<hash of the API base>-<hash of the API base and client
/// ID>.json`: one file per API base and app, and the API base's files
/// found by their names alone. The app secret is not part of the name:
/// the token is a bearer token that works without it, and a command that
/// sends it must not need the app secret.
fn user_file_name(api_base: &str, client_id: &str) -> String {
    let key = format!("{api_base}\n{client_id}");
    format!(
        "{}{:016x}.json",
        user_file_prefix(api_base),
        fnv1a(key.as_bytes())
    )
}

fn user_file_prefix(api_base: &str) -> String {
    format!("user-token-{:016x}-", fnv1a(api_base.as_bytes()))
}

/// A user token's cache file, read under the same rules as every cache
/// file; `None` when there is none, an error when it is not one.
fn read_user_entry(path: &Path) -> Result<Option<UserEntry>, Error> {
    let Some(bytes) = read_cache_file(path)? else {
        return Ok(None);
    };
    let entry: UserEntry = serde_json::from_slice(&bytes).map_err(|_| {
        Error::io(
            format!(
                "the token cache {} is corrupt (sign in again to replace it, or sign out to \
                 remove it)",
                path.display()
            ),
            io::Error::from(io::ErrorKind::InvalidData),
        )
    })?;
    Ok((entry.kind == USER_KIND && !entry.access_token.is_empty()).then_some(entry))
}

/// A fingerprint of the partner secret: the first 128 bits of a SHA-256
/// over a fixed label, the partner ID and the secret. It tells secrets
/// apart and cannot be turned back into one (a long random secret cannot be
/// guessed from it either).
fn secret_fingerprint(credentials: &Credentials) -> String {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(b"jetpack-partner token cache v1\0");
    context.update(credentials.partner_id().as_bytes());
    context.update(b"\0");
    context.update(credentials.secret().expose().as_bytes());
    let digest = context.finish();
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An error that says why the cache is not used.
fn refused(context: String, why: impl Into<String>) -> Error {
    Error::io(
        context,
        io::Error::new(io::ErrorKind::PermissionDenied, why.into()),
    )
}

/// The directory for messages: as given, and what it resolved to when that
/// differs.
fn describe(given: &Path, resolved: &Path) -> String {
    if given == resolved {
        resolved.display().to_string()
    } else {
        format!("{} (resolved to {})", given.display(), resolved.display())
    }
}

/// The user running this program: the owner of `/proc/self`, which is the
/// process's effective uid (root for a process that is not dumpable, such
/// as a set-uid one). Read this way because the crate has no `unsafe` code
/// to call `geteuid`; where there is no `/proc`, the cache is not used.
#[cfg(unix)]
fn current_uid() -> Result<u32, Error> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").map(|m| m.uid()).map_err(|e| {
        Error::io(
            "cannot tell which user runs this program (the owner of /proc/self), \
             so the token cache is not used",
            e,
        )
    })
}

/// The OpenSSH rules (see the module documentation) for `resolved`, the
/// canonical form of `given`.
#[cfg(unix)]
fn check_dir(given: &Path, resolved: &Path) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let uid = current_uid()?;
    let name = describe(given, resolved);
    let meta = fs::symlink_metadata(resolved)
        .map_err(|e| Error::io(format!("cannot check the token cache directory {name}"), e))?;
    if !meta.is_dir() {
        return Err(refused(
            format!("the token cache directory {name} is not a directory"),
            "not used",
        ));
    }
    if meta.uid() != uid {
        return Err(refused(
            format!(
                "the token cache directory {name} is owned by uid {}, not by you (uid {uid})",
                meta.uid()
            ),
            "not used",
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(refused(
            format!(
                "the token cache directory {name} is writable by group or others (mode {mode:04o})"
            ),
            format!(
                "not used; run chmod 700 {} if it is yours",
                resolved.display()
            ),
        ));
    }
    check_parents(resolved.ancestors().skip(1), uid, &name)
}

/// The rules for the directories that hold the cache directory (`name`
/// in messages): owned by you or root, and not writable by group or others
/// unless sticky.
#[cfg(unix)]
fn check_parents<'a>(
    parents: impl Iterator<Item = &'a Path>,
    uid: u32,
    name: &str,
) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    for parent in parents {
        let meta = fs::symlink_metadata(parent).map_err(|e| {
            Error::io(
                format!(
                    "cannot check {}, which holds the token cache directory {name}",
                    parent.display()
                ),
                e,
            )
        })?;
        if meta.uid() != uid && meta.uid() != 0 {
            return Err(refused(
                format!(
                    "the token cache directory {name} is inside {}, which is owned by uid {}, \
                     neither you (uid {uid}) nor root",
                    parent.display(),
                    meta.uid()
                ),
                "not used",
            ));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 && mode & 0o1000 == 0 {
            return Err(refused(
                format!(
                    "the token cache directory {name} is inside {}, which is writable by group \
                     or others and not sticky (mode {mode:04o})",
                    parent.display()
                ),
                "not used",
            ));
        }
    }
    Ok(())
}

/// The parents' rules for `nearest`, the existing directory a missing
/// cache directory `given` would be made in, and for everything above it.
#[cfg(unix)]
fn check_holder(given: &Path, nearest: &Path) -> Result<(), Error> {
    let uid = current_uid()?;
    check_parents(nearest.ancestors(), uid, &given.display().to_string())
}

#[cfg(not(unix))]
fn check_holder(_: &Path, _: &Path) -> Result<(), Error> {
    Ok(())
}

/// Elsewhere there are no owners and modes to check.
#[cfg(not(unix))]
fn check_dir(given: &Path, resolved: &Path) -> Result<(), Error> {
    match fs::metadata(resolved) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(refused(
            format!(
                "the token cache directory {} is not a directory",
                describe(given, resolved)
            ),
            "not used",
        )),
        Err(e) => Err(Error::io(
            format!(
                "cannot check the token cache directory {}",
                describe(given, resolved)
            ),
            e,
        )),
    }
}

/// Creates a missing directory, and any missing parents, as 0700. An
/// existing one is left as it is: its mode is its owner's business.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

/// Opens a cache file for reading without following a link and without
/// waiting for a writer (a FIFO).
#[cfg(unix)]
fn open_for_reading(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_for_reading(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

/// Creates a new file only its owner can read; fails if the name exists,
/// as a file or as a link.
fn create_exclusive(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// What kind of file `file_type` is, for messages.
fn kind(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_dir() {
        "a directory"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// The bytes of a cache file, `None` when there is none. Only a regular
/// file of at most [`MAX_FILE_SIZE`] bytes is read.
fn read_cache_file(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let not_regular = |file_type| {
        Error::io(
            format!(
                "the token cache {} is not a regular file ({})",
                path.display(),
                kind(file_type)
            ),
            io::Error::new(io::ErrorKind::InvalidData, "not read"),
        )
    };
    let cannot_read = |e| Error::io(format!("cannot read the token cache {}", path.display()), e);
    let file = match open_for_reading(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            // A link (refused by O_NOFOLLOW), a socket: say what it is.
            return Err(match fs::symlink_metadata(path) {
                Ok(meta) if !meta.is_file() => not_regular(meta.file_type()),
                _ => cannot_read(e),
            });
        }
    };
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(Error::io(
            format!(
                "the token cache {} is larger than {} KiB",
                path.display(),
                MAX_FILE_SIZE / 1024
            ),
            io::Error::new(io::ErrorKind::InvalidData, "not read"),
        ));
    }
    Ok(Some(bytes))
}

/// Writes `bytes` to a new temporary file in `dir`, syncs it and renames
/// it to `name`. The temporary file is removed if anything fails.
fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temp = dir.join(format!(".{name}.{}.tmp", random_hex()?));
    let file = create_exclusive(&temp)?;
    let written = write_synced(file, bytes).and_then(|()| fs::rename(&temp, dir.join(name)));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// Writes all of `bytes`, syncs, and closes the file.
fn write_synced(mut file: fs::File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

/// 128 random bits as hex, for a temporary name no one can plant ahead.
fn random_hex() -> io::Result<String> {
    Ok(format!("{:032x}", crate::random::u128()))
}

/// Whether `name` is one of this cache's temporary files (of any version).
fn is_temporary_name(name: &str) -> bool {
    (name.starts_with(".token-") || name.starts_with(".user-token-")) && name.ends_with(".tmp")
}

/// Removes temporary files (or links with such names) that a killed run
/// left behind, once they are old enough not to be a write in progress.
/// Links are removed, never followed; failures are ignored.
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        if !entry.file_name().to_str().is_some_and(is_temporary_name) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let file_type = meta.file_type();
        let stale = meta
            .modified()
            .ok()
            .and_then(|modified| now.duration_since(modified).ok())
            .is_some_and(|age| age >= STALE_TEMPORARY_AGE);
        if stale && (file_type.is_file() || file_type.is_symlink()) {
            let _ = fs::remove_file(&path);
        }
    }
}

/// FNV-1a: a stable file name for a key, the same on every run and build.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test partner `id` with a fixed secret.
    fn who(id: &str) -> Credentials {
        Credentials::new(id, Secret::new("test-secret"))
    }

    #[test]
    fn a_token_is_kept_for_the_secret_it_was_issued_for() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("fingerprint"));
        let good = Credentials::new("1", Secret::new("the-right-secret"));
        let rotated = Credentials::new("1", Secret::new("a-rotated-secret"));
        cache.store("https://a", &good, &AccessToken::new("tok-good"))?;
        assert!(cache.load("https://a", &good)?.is_some());
        assert!(cache.load("https://a", &rotated)?.is_none());
        assert_ne!(
            cache.path("https://a", &good),
            cache.path("https://a", &rotated)
        );
        let file = fs::read_to_string(cache.path("https://a", &good)).unwrap_or_default();
        assert!(!file.contains("the-right-secret"), "{file}");
        assert_eq!(secret_fingerprint(&good).len(), 32);
        Ok(())
    }

    fn temp_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "jetpack-partner-cache-{name}-{}-{}",
            std::process::id(),
            fnv1a(format!("{:?}", std::time::SystemTime::now()).as_bytes())
        ))
    }

    #[test]
    fn store_then_load_per_api_base_and_partner() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("roundtrip").join("nested"));
        assert!(cache.load("https://a", &who("1"))?.is_none());
        cache.store("https://a", &who("1"), &AccessToken::new("tok-a1"))?;
        cache.store("https://b", &who("1"), &AccessToken::new("tok-b1"))?;
        assert_eq!(
            cache
                .load("https://a", &who("1"))?
                .map(|t| t.expose().to_owned())
                .as_deref(),
            Some("tok-a1")
        );
        assert_eq!(
            cache
                .load("https://b", &who("1"))?
                .map(|t| t.expose().to_owned())
                .as_deref(),
            Some("tok-b1")
        );
        assert!(cache.load("https://a", &who("2"))?.is_none());
        cache.remove("https://a", &who("1"))?;
        assert!(cache.load("https://a", &who("1"))?.is_none());
        cache.remove("https://a", &who("1"))?;
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn directory_and_files_are_private() -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let cache = TokenCache::new(temp_dir("modes"));
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        let mode = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(cache.dir()), 0o700);
        assert_eq!(mode(&cache.path("https://a", &who("1"))), 0o600);
        let leftovers = fs::read_dir(cache.dir()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        Ok(())
    }

    fn user_token(found: Option<CachedUserToken>) -> Option<String> {
        found.map(|f| f.token.expose().to_owned())
    }

    #[test]
    fn user_tokens_are_kept_per_api_base_and_app() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("users").join("nested"));
        assert!(
            cache.load_users("https://a")?.is_empty(),
            "no directory yet"
        );
        assert!(!cache.remove_user("https://a", "5678")?);
        let path = cache.store_user("https://a", "5678", &AccessToken::new("user-a"))?;
        cache.store_user("https://a", "1111", &AccessToken::new("user-a-other-app"))?;
        cache.store_user("https://b", "5678", &AccessToken::new("user-b"))?;
        assert_eq!(
            path.file_name(),
            cache.user_path("https://a", "5678").file_name()
        );
        assert_eq!(
            user_token(cache.load_user("https://a", "5678")?).as_deref(),
            Some("user-a")
        );
        assert!(cache.load_user("https://a", "9999")?.is_none());
        let apps: Vec<(String, String)> = cache
            .load_users("https://a")?
            .into_iter()
            .map(|f| (f.client_id, f.token.expose().to_owned()))
            .collect();
        assert_eq!(
            apps,
            [
                ("1111".to_owned(), "user-a-other-app".to_owned()),
                ("5678".to_owned(), "user-a".to_owned())
            ]
        );
        // The partner's token of the same API base is another file.
        cache.store("https://a", &who("5678"), &AccessToken::new("partner"))?;
        assert_eq!(cache.load_users("https://a")?.len(), 2);
        assert!(cache.remove_user("https://a", "5678")?);
        assert!(!cache.remove_user("https://a", "5678")?);
        assert!(cache.load_user("https://a", "5678")?.is_none());
        assert!(cache.load("https://a", &who("5678"))?.is_some());
        // Every app's, for one API base, a corrupt file too.
        fs::write(cache.user_path("https://a", "2222"), b"{\"kind")
            .map_err(|e| Error::io("test write", e))?;
        assert!(cache.load_users("https://a").is_err());
        assert_eq!(cache.remove_users("https://a")?.len(), 2);
        assert!(cache.remove_users("https://a")?.is_empty());
        assert!(cache.load_users("https://a")?.is_empty());
        assert!(cache.load_user("https://b", "5678")?.is_some());
        assert!(cache.load("https://a", &who("5678"))?.is_some());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_user_token_file_is_private_and_a_renamed_one_is_not_used() -> Result<(), Error> {
        let dir = temp_dir("user-modes");
        let cache = TokenCache::new(&dir);
        let path = cache.store_user("https://a", "5678", &AccessToken::new("user-a"))?;
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(mode_of(&dir), 0o700);
        assert_eq!(names_in(&dir).len(), 1, "{:?}", names_in(&dir));
        let text = fs::read_to_string(&path).unwrap_or_default();
        assert!(text.contains("\"kind\":\"wpcom-user\""), "{text}");
        // Another app's file under this app's name is not this app's token.
        let other = cache.store_user("https://a", "1111", &AccessToken::new("user-b"))?;
        fs::rename(&other, &path).map_err(|e| Error::io("test mv", e))?;
        assert!(cache.load_user("https://a", "5678")?.is_none());
        assert!(cache.load_users("https://a")?.is_empty());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn an_unsafe_directory_is_an_error_for_user_tokens_too() -> Result<(), Error> {
        let dir = temp_dir("user-unsafe");
        dir_with_mode(&dir, 0o777)?;
        let cache = TokenCache::new(&dir);
        let message = |r: Result<(), Error>| r.err().map(|e| e.to_string()).unwrap_or_default();
        let ready = message(cache.ready().map(|_| ()));
        assert!(ready.contains("writable by group or others"), "{ready}");
        let stored = message(
            cache
                .store_user("https://a", "5678", &AccessToken::new("user-a"))
                .map(|_| ()),
        );
        assert!(stored.contains("writable by group or others"), "{stored}");
        let loaded = message(cache.load_users("https://a").map(|_| ()));
        assert!(loaded.contains("writable by group or others"), "{loaded}");
        let removed = message(cache.remove_user("https://a", "5678").map(|_| ()));
        assert!(removed.contains("writable by group or others"), "{removed}");
        assert!(names_in(&dir).is_empty());
        assert_eq!(mode_of(&dir), 0o777);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn check_tells_whether_the_cache_would_be_used_and_changes_nothing() -> Result<(), Error> {
        let dir = temp_dir("check");
        dir_with_mode(&dir, 0o700)?;
        let resolved = fs::canonicalize(&dir).map_err(|e| Error::io("test", e))?;
        assert_eq!(
            TokenCache::new(&dir).check()?,
            CacheDir::Ready(resolved.clone())
        );
        let missing = TokenCache::new(dir.join("a/b"));
        assert_eq!(missing.check()?, CacheDir::WouldCreate(resolved));
        assert!(!dir.join("a").exists(), "nothing is created");
        dir_with_mode(&dir, 0o777)?;
        let open = TokenCache::new(&dir)
            .check()
            .map(|_| ())
            .err()
            .map(|e| e.to_string());
        assert!(open.is_some_and(|m| m.contains("chmod 700")));
        let inside = missing.check().map(|_| ()).err().map(|e| e.to_string());
        assert!(
            inside.as_deref().is_some_and(|m| m.contains("not sticky")),
            "{inside:?}"
        );
        assert_eq!(mode_of(&dir), 0o777, "nothing is changed");
        Ok(())
    }

    #[test]
    fn user_temporary_files_are_temporary_names() {
        assert!(is_temporary_name(".user-token-0-1.json.abc.tmp"));
        assert!(is_temporary_name(".token-0.json.abc.tmp"));
        assert!(!is_temporary_name("user-token-0-1.json"));
    }

    #[test]
    fn a_corrupt_file_is_an_error_not_a_token() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("corrupt"));
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        fs::write(cache.path("https://a", &who("1")), b"{\"access_tok")
            .map_err(|e| Error::io("test", e))?;
        assert!(matches!(
            cache.load("https://a", &who("1")),
            Err(Error::Io { .. })
        ));
        Ok(())
    }

    #[test]
    fn file_names_are_stable() {
        let cache = TokenCache::new("/c");
        assert_eq!(
            cache.path("https://public-api.wordpress.com", &who("1234")),
            cache.path("https://public-api.wordpress.com", &who("1234"))
        );
        assert_ne!(
            cache.path("https://a", &who("12")),
            cache.path("https://a1", &who("2"))
        );
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    /// The mode bits of `path` itself (0 when it cannot be read).
    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::symlink_metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0)
    }

    /// A fresh directory with exactly `mode`.
    #[cfg(unix)]
    fn dir_with_mode(path: &Path, mode: u32) -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        fs::create_dir_all(path).map_err(|e| Error::io("test mkdir", e))?;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io("test chmod", e))
    }

    #[cfg(unix)]
    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn message(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(e @ Error::Io { .. }) => e.to_string(),
            other => panic!("expected an I/O error, got {other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_refused_and_left_alone() -> Result<(), Error> {
        for mode in [0o777, 0o770, 0o1777] {
            let dir = temp_dir(&format!("writable-{mode:o}"));
            dir_with_mode(&dir, mode)?;
            let cache = TokenCache::new(&dir);
            let stored = message(cache.store("https://a", &who("1"), &AccessToken::new("tok")));
            assert!(
                stored.contains(&format!("is writable by group or others (mode {mode:04o})"))
                    && stored.contains(&format!("run chmod 700 {}", dir.display())),
                "{stored}"
            );
            let loaded = message(cache.load("https://a", &who("1")));
            assert!(loaded.contains("writable by group or others"), "{loaded}");
            assert_eq!(mode_of(&dir), mode, "the mode is left as it was");
            assert!(names_in(&dir).is_empty(), "{:?}", names_in(&dir));
        }
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_directory_keeps_its_mode() -> Result<(), Error> {
        for mode in [0o750, 0o755, 0o700] {
            let dir = temp_dir(&format!("kept-{mode:o}"));
            dir_with_mode(&dir, mode)?;
            let cache = TokenCache::new(&dir);
            cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
            assert_eq!(
                cache
                    .load("https://a", &who("1"))?
                    .map(|t| t.expose().to_owned()),
                Some("tok".to_owned())
            );
            assert_eq!(mode_of(&dir), mode);
            assert_eq!(mode_of(&cache.path("https://a", &who("1"))), 0o600);
        }
        Ok(())
    }

    /// Whether this process runs as root (needed to give files away).
    #[cfg(unix)]
    fn running_as_root() -> bool {
        use std::os::unix::fs::MetadataExt;
        fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_of_another_user_is_refused() -> Result<(), Error> {
        if !running_as_root() {
            eprintln!("skipped: only root can give a directory to another user");
            return Ok(());
        }
        let dir = temp_dir("theirs");
        dir_with_mode(&dir, 0o700)?;
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534))
            .map_err(|e| Error::io("test chown", e))?;
        let cache = TokenCache::new(&dir);
        let stored = message(cache.store("https://a", &who("1"), &AccessToken::new("tok")));
        assert!(
            stored.contains("is owned by uid 65534, not by you (uid 0)"),
            "{stored}"
        );
        assert!(names_in(&dir).is_empty());
        assert_eq!(mode_of(&dir), 0o700);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_parent_others_can_write_is_refused_unless_sticky() -> Result<(), Error> {
        let open = temp_dir("open-parent");
        dir_with_mode(&open, 0o777)?;
        let cache = TokenCache::new(open.join("cache"));
        let stored = message(cache.store("https://a", &who("1"), &AccessToken::new("tok")));
        assert!(
            stored.contains(&format!(
                "is inside {}, which is writable by group or others and not sticky (mode 0777)",
                open.display()
            )),
            "{stored}"
        );
        assert!(names_in(&open.join("cache")).is_empty());
        assert_eq!(mode_of(&open), 0o777);

        let sticky = temp_dir("sticky-parent");
        dir_with_mode(&sticky, 0o1777)?;
        let cache = TokenCache::new(sticky.join("cache"));
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        assert!(cache.load("https://a", &who("1"))?.is_some());
        assert_eq!(mode_of(&sticky.join("cache")), 0o700);
        Ok(())
    }

    /// A file elsewhere that holds a valid entry for `https://a`, partner 1.
    fn entry_elsewhere(name: &str, padding: usize) -> Result<PathBuf, Error> {
        let dir = temp_dir(name);
        fs::create_dir_all(&dir).map_err(|e| Error::io("test mkdir", e))?;
        let path = dir.join("entry.json");
        let json = format!(
            "{{\"api_base\":\"https://a\",\"partner_id\":\"1\",\"access_token\":\"elsewhere\"}}{}",
            " ".repeat(padding)
        );
        fs::write(&path, json).map_err(|e| Error::io("test write", e))?;
        Ok(path)
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_cache_file_is_not_followed() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("linked"));
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        let path = cache.path("https://a", &who("1"));
        fs::remove_file(&path).map_err(|e| Error::io("test rm", e))?;
        let target = entry_elsewhere("link-target", 0)?;
        std::os::unix::fs::symlink(&target, &path).map_err(|e| Error::io("test ln", e))?;
        let loaded = message(cache.load("https://a", &who("1")));
        assert!(
            loaded.contains("is not a regular file (a symbolic link)"),
            "{loaded}"
        );
        Ok(())
    }

    #[test]
    fn an_oversized_cache_file_is_not_read() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("oversized"));
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        let big = entry_elsewhere("oversized-source", 70 * 1024)?;
        fs::rename(&big, cache.path("https://a", &who("1")))
            .map_err(|e| Error::io("test mv", e))?;
        let loaded = message(cache.load("https://a", &who("1")));
        assert!(loaded.contains("is larger than 64 KiB"), "{loaded}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_place_of_the_cache_file_does_not_block() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("fifo"));
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        let path = cache.path("https://a", &who("1"));
        fs::remove_file(&path).map_err(|e| Error::io("test rm", e))?;
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .map_err(|e| Error::io("test mkfifo", e))?;
        assert!(made.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let loader = cache.clone();
        std::thread::spawn(move || {
            let _ = tx.send(
                loader
                    .load("https://a", &who("1"))
                    .map_err(|e| e.to_string()),
            );
        });
        // A blocked open would never answer; the thread is left behind then.
        let loaded = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("loading a FIFO blocked"));
        let Err(loaded) = loaded else {
            panic!("a FIFO gave a token: {loaded:?}");
        };
        assert!(
            loaded.contains("is not a regular file (a FIFO)"),
            "{loaded}"
        );
        // A store replaces it with a regular file.
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        assert!(cache.load("https://a", &who("1"))?.is_some());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn the_temporary_name_cannot_be_planted() -> Result<(), Error> {
        let dir = temp_dir("planted");
        let cache = TokenCache::new(&dir);
        cache.store("https://a", &who("1"), &AccessToken::new("old"))?;
        let victim = entry_elsewhere("planted-victim", 0)?;
        let before = fs::read(&victim).map_err(|e| Error::io("test read", e))?;
        // The name the temporary file would have if it were predictable.
        let file = cache.path("https://a", &who("1"));
        let guessed = dir.join(format!(
            ".{}.{}.tmp",
            file.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default(),
            std::process::id()
        ));
        std::os::unix::fs::symlink(&victim, &guessed).map_err(|e| Error::io("test ln", e))?;
        cache.store("https://a", &who("1"), &AccessToken::new("new"))?;
        assert_eq!(
            fs::read(&victim).ok(),
            Some(before),
            "the link was followed"
        );
        assert_eq!(
            cache
                .load("https://a", &who("1"))?
                .map(|t| t.expose().to_owned()),
            Some("new".to_owned())
        );
        assert!(fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()));
        assert_eq!(mode_of(&file), 0o600);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_are_removed_and_fresh_ones_kept() -> Result<(), Error> {
        let dir = temp_dir("debris");
        let cache = TokenCache::new(&dir);
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let io = |e| Error::io("test", e);
        let stale = dir.join(".token-0123456789abcdef.json.4242.tmp");
        fs::File::create(&stale)
            .and_then(|f| f.set_modified(hour_ago))
            .map_err(io)?;
        let victim = entry_elsewhere("debris-victim", 0)?;
        let stale_link = dir.join(".token-0123456789abcdef.json.4343.tmp");
        std::os::unix::fs::symlink(&victim, &stale_link).map_err(io)?;
        // A link's own time cannot be set from std; touch -h can.
        let touched = std::process::Command::new("touch")
            .args(["-h", "-d", "1 hour ago"])
            .arg(&stale_link)
            .status()
            .map_err(io)?;
        assert!(touched.success());
        let fresh = dir.join(".token-0123456789abcdef.json.4444.tmp");
        fs::File::create(&fresh).map_err(io)?;
        let unrelated = dir.join("notes.tmp");
        fs::File::create(&unrelated)
            .and_then(|f| f.set_modified(hour_ago))
            .map_err(io)?;
        cache.store("https://a", &who("1"), &AccessToken::new("tok"))?;
        assert!(fs::symlink_metadata(&stale).is_err(), "stale file kept");
        assert!(
            fs::symlink_metadata(&stale_link).is_err(),
            "stale link kept"
        );
        assert!(fs::metadata(&victim).is_ok(), "a link was followed");
        assert!(fresh.exists(), "a write in progress was removed");
        assert!(unrelated.exists(), "a file not ours was removed");
        Ok(())
    }
}
