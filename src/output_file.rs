//! The output file of a long run (a batch journal, a fleet check's report,
//! the monitor's journal): opened or created readable by its owner only
//! (0600), refused unless it is a regular file, and locked until it is
//! closed, so that two runs never write to the same file.
//!
//! What is in the file, and what a refusal advises, is the caller's: each
//! kind of output says in its own words why it must be a regular file and
//! what to do when another run holds it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use crate::error::Error;

/// How the output file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read, and appended to (a journal, read back on resume).
    Append,
    /// Read, and written anywhere (a report that is emptied first).
    ReadWrite,
}

/// The caller's words for the two refusals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusals<'a> {
    /// Said after "the output file … is not a regular file" (empty, or
    /// starting with "; ").
    pub not_regular: &'a str,
    /// Who else may hold the lock ("another batch run").
    pub holder: &'a str,
    /// Said after "… is in use by {holder} (it is locked); ".
    pub in_use: &'a str,
}

/// The error of a failed `what` ("open", "read", …) on the output file.
pub(crate) fn failed(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::io(
        format!("cannot {what} the output file {}", path.display()),
        e,
    )
}

/// Opens (or creates, 0600) the output file at `path` and locks it until
/// the file is dropped. A path that is not a regular file is
/// [`Error::InvalidInput`]; a file locked by another run is an
/// [`Error::Io`] of kind `WouldBlock`; both with the caller's words.
pub(crate) fn open_locked(
    path: &Path,
    access: Access,
    refusals: Refusals<'_>,
) -> Result<File, Error> {
    let mut options = OpenOptions::new();
    options.read(true).create(true);
    match access {
        Access::Append => options.append(true),
        Access::ReadWrite => options.write(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|e| failed(path, "open", e))?;
    let meta = file.metadata().map_err(|e| failed(path, "read", e))?;
    if !meta.is_file() {
        return Err(Error::InvalidInput(format!(
            "the output file {} is not a regular file{}",
            path.display(),
            refusals.not_regular
        )));
    }
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::io(
            format!(
                "the output file {} is in use by {} (it is locked); {}",
                path.display(),
                refusals.holder,
                refusals.in_use
            ),
            std::io::ErrorKind::WouldBlock.into(),
        )),
        Err(TryLockError::Error(e)) => Err(failed(path, "lock", e)),
    }
}
