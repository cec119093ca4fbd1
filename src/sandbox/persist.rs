//! The state file behind `--state FILE`: read once at start, rewritten
//! after every change.
//!
//! Each write goes to a temporary file in the same directory, which is then
//! renamed over the state file, so a reader sees the old state or the new
//! one, never half of one.

use std::fs;
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::error::SandboxError;
use super::state::{random_token, State};

/// The state kept in `path`; `None` when there is no such file yet, or it
/// is empty (as `touch` leaves it).
pub(crate) fn load(path: &Path) -> Result<Option<State>, SandboxError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SandboxError::StateFile {
                path: path.to_owned(),
                source,
            })
        }
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| SandboxError::CorruptStateFile {
            path: path.to_owned(),
            source,
        })
}

/// Writes `state` to `path` through a temporary file and a rename.
pub(crate) fn save(path: &Path, state: &State) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
    let temporary = temporary_beside(path);
    let written = write_synced(&temporary, &json).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = private_file(path)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")?;
    // Renaming before the data is on disk could leave an empty file after
    // a crash.
    file.sync_all()
}

/// The file holds partner secrets and tokens: only its owner may read it.
#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// A hidden, unique name in the same directory: a rename only replaces a
/// file atomically within one file system.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    path.with_file_name(format!(".{name}.{}.tmp", &random_token()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jetpack-sandbox-persist-{}", random_token()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir.join(name)
    }

    #[test]
    fn a_saved_state_loads_back() {
        let path = scratch("state.json");
        let mut state = State::default();
        state.token_for("1234", "jetpack-partner");
        state.new_blog_id();
        for (id, secret) in [("1", &b"plain text"[..]), ("2", &[0xff, 0x00][..])] {
            let partner = crate::sandbox::state::Partner {
                secret: secret.to_vec(),
                ..Default::default()
            };
            state.partners.insert(id.into(), partner);
        }
        save(&path, &state).unwrap_or_else(|e| panic!("{e}"));
        let text = fs::read_to_string(&path).unwrap_or_default();
        assert!(text.contains("\"plain text\""), "{text}");
        let loaded = load(&path)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no state"));
        assert_eq!(loaded.tokens.len(), 1);
        assert_eq!(loaded.next_blog_id, 1001);
        assert_eq!(loaded.partners["1"].secret, b"plain text");
        assert_eq!(loaded.partners["2"].secret, [0xff, 0x00]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path)
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = fs::read_dir(path.parent().unwrap_or(Path::new(".")))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn missing_and_empty_files_start_afresh_and_corrupt_ones_fail() {
        let path = scratch("state.json");
        assert!(matches!(load(&path), Ok(None)));
        fs::write(&path, "\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(load(&path), Ok(None)));
        fs::write(&path, "{\"sites\": [").unwrap_or_else(|e| panic!("{e}"));
        match load(&path) {
            Err(e) => assert!(e.to_string().contains("corrupt"), "{e}"),
            Ok(_) => panic!("a corrupt file was accepted"),
        }
    }
}
