//! What can stop a sandbox from starting, or a setting from being taken.
//!
//! The sandbox's own error: it is no client call, so it does not use the
//! client's `Error`.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a sandbox cannot start, or a setting for it is refused.
///
/// `Display` says what failed, then `: ` and the cause when there is one;
/// [`source`](Error::source) gives that cause (an `io::Error`, a TLS or
/// JSON error), and [`context`](SandboxError::context) the text before it.
///
/// A state file that cannot be written while the sandbox runs is no
/// `SandboxError`: there is no caller to return it to, so the request
/// that made the change is answered with 500 `state_not_saved`.
#[derive(Debug)]
#[non_exhaustive]
pub enum SandboxError {
    /// The address cannot be listened on: it is not `HOST:PORT`, not one
    /// of this machine's, already taken, or needs privileges.
    Listen {
        /// The address, as given to [`listen`](super::SandboxBuilder::listen).
        addr: String,
        /// The cause.
        source: io::Error,
    },
    /// The TLS certificate chain or its key cannot be used.
    Tls {
        /// What is wrong, e.g. `key is not a PEM private key`.
        problem: String,
        /// The cause, from the PEM reader or rustls, when there is one.
        source: Option<Box<dyn Error + Send + Sync + 'static>>,
    },
    /// The state file exists but cannot be read.
    StateFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The state file is not the JSON the sandbox writes: edited by hand,
    /// or not a sandbox state file at all.
    CorruptStateFile {
        /// The file.
        path: PathBuf,
        /// Where and how the JSON is wrong.
        source: serde_json::Error,
    },
    /// A setting that cannot be used: a fault rate outside 0 to 1, a name
    /// that is not a fault kind. The text says which.
    InvalidSetting(String),
}

impl SandboxError {
    /// What failed, without its cause: `Display` is this, then `: ` and
    /// the cause (from [`source`](Error::source)) when there is one.
    pub fn context(&self) -> String {
        match self {
            SandboxError::Listen { addr, .. } => format!("the sandbox cannot listen on {addr}"),
            SandboxError::Tls { problem, .. } => format!("the sandbox's TLS {problem}"),
            SandboxError::StateFile { path, .. } => {
                format!("cannot read the sandbox state file {}", path.display())
            }
            SandboxError::CorruptStateFile { path, .. } => format!(
                "the sandbox state file {} is corrupt; fix it, or move it away to start afresh",
                path.display()
            ),
            SandboxError::InvalidSetting(message) => message.clone(),
        }
    }

    /// A bad setting given to the builder, as opposed to a failure of the
    /// machine (an address, a file): the TLS material and
    /// [`InvalidSetting`](SandboxError::InvalidSetting).
    pub fn is_setting(&self) -> bool {
        matches!(
            self,
            SandboxError::Tls { .. } | SandboxError::InvalidSetting(_)
        )
    }

    pub(crate) fn tls(
        problem: impl Into<String>,
        source: impl Into<Box<dyn Error + Send + Sync>>,
    ) -> Self {
        SandboxError::Tls {
            problem: problem.into(),
            source: Some(source.into()),
        }
    }
}

impl fmt::Display for SandboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.context())?;
        match self.source() {
            Some(cause) => write!(f, ": {cause}"),
            None => Ok(()),
        }
    }
}

impl Error for SandboxError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SandboxError::Listen { source, .. } | SandboxError::StateFile { source, .. } => {
                Some(source)
            }
            SandboxError::Tls { source, .. } => source
                .as_deref()
                .map(|cause| cause as &(dyn Error + 'static)),
            SandboxError::CorruptStateFile { source, .. } => Some(source),
            SandboxError::InvalidSetting(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_failed_then_the_cause() {
        let listen = SandboxError::Listen {
            addr: "127.0.0.1:80".into(),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        };
        assert_eq!(
            listen.to_string(),
            "the sandbox cannot listen on 127.0.0.1:80: permission denied"
        );
        assert!(listen.source().is_some());
        assert!(!listen.is_setting());
        let rate = SandboxError::InvalidSetting("the rate is 2".into());
        assert_eq!(rate.to_string(), "the rate is 2");
        assert!(rate.source().is_none());
        assert!(rate.is_setting());
        let corrupt =
            serde_json::from_str::<u8>("[").map_err(|source| SandboxError::CorruptStateFile {
                path: "state.json".into(),
                source,
            });
        let shown = corrupt.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            shown.starts_with("the sandbox state file state.json is corrupt; fix it")
                && shown.contains("line 1"),
            "{shown}"
        );
    }

    #[test]
    fn the_tls_cause_is_chained() {
        let e = SandboxError::tls("key is not a PEM private key", "no items found");
        assert_eq!(
            e.to_string(),
            "the sandbox's TLS key is not a PEM private key: no items found"
        );
        assert_eq!(
            e.source().map(|c| c.to_string()).as_deref(),
            Some("no items found")
        );
    }

    #[test]
    fn it_can_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<SandboxError>();
    }
}
