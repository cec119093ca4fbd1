//! A cache of access tokens on disk, so that cron jobs need not request a
//! token on every run (the token does not expire in normal use).
//!
//! One file per API base and partner ID in a directory that only its owner
//! may enter (0700), each file readable only by its owner (0600). A token is
//! written to a temporary file in the same directory and renamed into
//! place, so a reader never sees half a token.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::auth::{AccessToken, Secret};
use crate::error::Error;

/// A directory of cached tokens.
#[derive(Clone, Debug)]
pub struct TokenCache {
    dir: PathBuf,
}

/// What a cache file holds.
#[derive(Serialize, Deserialize)]
struct Entry {
    api_base: String,
    partner_id: String,
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

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file for one API base and partner.
    pub fn path(&self, api_base: &str, partner_id: &str) -> PathBuf {
        let key = format!("{api_base}\n{partner_id}");
        self.dir
            .join(format!("token-{:016x}.json", fnv1a(key.as_bytes())))
    }

    /// The cached token, if there is one for exactly this API base and
    /// partner. A missing file is `Ok(None)`; an unreadable or corrupt one
    /// is an error (the caller carries on without the cache).
    pub fn load(&self, api_base: &str, partner_id: &str) -> Result<Option<AccessToken>, Error> {
        let path = self.path(api_base, partner_id);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::io(
                    format!("cannot read the token cache {}", path.display()),
                    e,
                ))
            }
        };
        let entry: Entry = serde_json::from_slice(&bytes).map_err(|_| {
            Error::io(
                format!("the token cache {} is corrupt", path.display()),
                std::io::Error::from(std::io::ErrorKind::InvalidData),
            )
        })?;
        let matches = entry.api_base == api_base && entry.partner_id == partner_id;
        Ok((matches && !entry.access_token.is_empty())
            .then(|| AccessToken::new(entry.access_token.expose())))
    }

    /// Stores a token: directory 0700, file 0600, written whole then renamed.
    pub fn store(
        &self,
        api_base: &str,
        partner_id: &str,
        token: &AccessToken,
    ) -> Result<(), Error> {
        let path = self.path(api_base, partner_id);
        let failed = |what: &str, e| {
            Error::io(
                format!("cannot {what} the token cache {}", self.dir.display()),
                e,
            )
        };
        create_private_dir(&self.dir).map_err(|e| failed("create", e))?;
        let entry = Entry {
            api_base: api_base.to_owned(),
            partner_id: partner_id.to_owned(),
            access_token: Secret::new(token.expose()),
        };
        let bytes =
            serde_json::to_vec(&entry).map_err(|e| failed("encode", std::io::Error::other(e)))?;
        let temp = self.dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("token"),
            std::process::id()
        ));
        let written = write_private(&temp, &bytes).and_then(|()| fs::rename(&temp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written.map_err(|e| failed("write", e))
    }

    /// Forgets the token of one API base and partner (it was refused).
    pub fn remove(&self, api_base: &str, partner_id: &str) -> Result<(), Error> {
        let path = self.path(api_base, partner_id);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(
                format!("cannot remove the token cache {}", path.display()),
                e,
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let mode = fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Writes a new file only its owner can read, and syncs it.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
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
        assert!(cache.load("https://a", "1")?.is_none());
        cache.store("https://a", "1", &AccessToken::new("tok-a1"))?;
        cache.store("https://b", "1", &AccessToken::new("tok-b1"))?;
        assert_eq!(
            cache
                .load("https://a", "1")?
                .map(|t| t.expose().to_owned())
                .as_deref(),
            Some("tok-a1")
        );
        assert_eq!(
            cache
                .load("https://b", "1")?
                .map(|t| t.expose().to_owned())
                .as_deref(),
            Some("tok-b1")
        );
        assert!(cache.load("https://a", "2")?.is_none());
        cache.remove("https://a", "1")?;
        assert!(cache.load("https://a", "1")?.is_none());
        cache.remove("https://a", "1")?;
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn directory_and_files_are_private() -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let cache = TokenCache::new(temp_dir("modes"));
        cache.store("https://a", "1", &AccessToken::new("tok"))?;
        let mode = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(cache.dir()), 0o700);
        assert_eq!(mode(&cache.path("https://a", "1")), 0o600);
        let leftovers = fs::read_dir(cache.dir()).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        Ok(())
    }

    #[test]
    fn a_corrupt_file_is_an_error_not_a_token() -> Result<(), Error> {
        let cache = TokenCache::new(temp_dir("corrupt"));
        cache.store("https://a", "1", &AccessToken::new("tok"))?;
        fs::write(cache.path("https://a", "1"), b"{\"access_tok")
            .map_err(|e| Error::io("test", e))?;
        assert!(matches!(
            cache.load("https://a", "1"),
            Err(Error::Io { .. })
        ));
        Ok(())
    }

    #[test]
    fn file_names_are_stable() {
        let cache = TokenCache::new("/c");
        assert_eq!(
            cache.path("https://public-api.wordpress.com", "1234"),
            cache.path("https://public-api.wordpress.com", "1234")
        );
        assert_ne!(cache.path("https://a", "12"), cache.path("https://a1", "2"));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
