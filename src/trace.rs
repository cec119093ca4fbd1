//! What the client reports about each exchange, for `-v` and the demo.
//!
//! The library never prints. A caller that wants to watch passes a closure
//! to [`ClientBuilder::trace`](crate::ClientBuilder::trace); it receives
//! these events, in which secrets are already `***`.

use std::time::Duration;

/// One step of an exchange with the API. Secrets never appear in it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TraceEvent {
    /// A request is about to be sent.
    Request {
        /// `GET` or `POST`.
        method: &'static str,
        /// The full URL, with the value of a `token` query parameter (a
        /// download link's) as `***`.
        url: String,
        /// The body's content type, when there is a body.
        content_type: Option<String>,
        /// The body's length in bytes.
        content_length: usize,
        /// Form fields as `(name, value)`, secrets as `***`.
        fields: Vec<(String, String)>,
        /// Whether an `Authorization: Bearer ***` header is sent.
        bearer: bool,
    },
    /// An answer arrived and was read.
    Response {
        /// HTTP status.
        status: u16,
        /// Time from sending to the end of the body.
        elapsed: Duration,
        /// Body length in bytes.
        bytes: usize,
    },
    /// A temporary failure; the call waits, then tries again.
    Retry {
        /// The attempt that failed, counting from 1.
        attempt: u32,
        /// Its error's stable code.
        code: String,
        /// How long the client waits before the next attempt.
        wait: Duration,
    },
    /// Something worth knowing that did not stop the call (e.g. a token
    /// cache that cannot be written).
    Note(String),
    /// The request got no answer.
    Failed {
        /// The error's stable code (`timeout`, `connect_failed`, …).
        code: String,
        /// Time from sending to the failure.
        elapsed: Duration,
    },
}

/// The callback type that receives trace events.
pub type TraceFn = dyn Fn(&TraceEvent) + Send + Sync;
