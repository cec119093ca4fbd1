//! A new file for one secret that an answer brings and that cannot be had
//! again (a new WordPress.com user's token).
//!
//! The file is made before the request is sent, so that a path that cannot
//! be used stops the work before anything is created: created exclusively
//! (an existing file, or a link even to nowhere, is refused, never
//! followed or written over), readable by its owner only. The secret is
//! written once the answer is in, and synced. A file that was never written
//! is removed again.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::Error;

/// A file made for one secret, not written yet.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("secret-file-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// use jetpack_partner::SecretFile;
/// let path = dir.join("token");
/// # let _ = std::fs::remove_file(&path);
/// let file = SecretFile::create_new(&path)?; // before sending
/// assert!(SecretFile::create_new(&path).is_err()); // never over a file
/// file.write("the-new-token")?; // once the answer is in
/// assert_eq!(std::fs::read_to_string(&path)?, "the-new-token\n");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
    /// Until the secret is written.
    file: Option<File>,
}

impl SecretFile {
    /// Makes `path` as a new, empty file only its owner can read (0600).
    /// An existing file or link there is [`Error::InvalidInput`] (nothing
    /// is touched); any other failure is [`Error::Io`].
    pub fn create_new(path: impl AsRef<Path>) -> Result<SecretFile, Error> {
        let path = path.as_ref();
        match create_exclusive(path) {
            Ok(file) => Ok(SecretFile {
                path: path.to_owned(),
                file: Some(file),
            }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Err(Error::InvalidInput(format!(
                    "{} already exists: a new secret is never written over a file, or through \
                     a link; give the path of a file that does not exist yet",
                    path.display()
                )))
            }
            Err(e) => Err(Error::io(
                format!("cannot create the file {}", path.display()),
                e,
            )),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `secret` and a line end, and syncs it to disk. On failure
    /// the file is removed: a part of a secret is of no use.
    pub fn write(mut self, secret: &str) -> Result<(), Error> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        let mut line = Zeroizing::new(String::with_capacity(secret.len() + 1));
        line.push_str(secret);
        line.push('\n');
        let written = file
            .write_all(line.as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            let _ = fs::remove_file(&self.path);
            return Err(Error::io(
                format!("cannot write the file {}", self.path.display()),
                e,
            ));
        }
        Ok(())
    }
}

/// A file that was made but never written is removed: a later run may
/// use the path.
impl Drop for SecretFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn create_exclusive(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn create_exclusive(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("jetpack-secret-file-{}", crate::random::u128()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_and_never_replaces_anything() -> Result<(), Error> {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch();
        let path = dir.join("token");
        SecretFile::create_new(&path)?.write("s3cret-token")?;
        let mode = fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
        assert!(matches!(
            SecretFile::create_new(&path),
            Err(Error::InvalidInput(_))
        ));
        let link = dir.join("link");
        std::os::unix::fs::symlink(dir.join("nowhere"), &link).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            SecretFile::create_new(&link),
            Err(Error::InvalidInput(_))
        ));
        assert!(!dir.join("nowhere").exists(), "the link was not followed");
        assert!(matches!(
            SecretFile::create_new(dir.join("no/such/dir")),
            Err(Error::Io { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_file_never_written_is_removed() -> Result<(), Error> {
        let path = scratch().join("token");
        drop(SecretFile::create_new(&path)?);
        assert!(!path.exists());
        Ok(())
    }
}
