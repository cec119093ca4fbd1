//! Answers, in the shapes the real service uses.

use serde_json::{json, Value};

use super::request::Incoming;

/// An answer before rendering.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            headers: Vec::new(),
        }
    }

    /// OAuth 2: `{"error": code, "error_description": text}`.
    pub fn oauth_error(status: u16, code: &str, description: &str) -> Reply {
        Reply {
            status,
            body: json!({"error": code, "error_description": description}),
            headers: Vec::new(),
        }
    }

    /// WordPress.com REST: `{"error": code, "message": text}`.
    pub fn rest_error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            body: json!({"error": code, "message": message}),
            headers: Vec::new(),
        }
    }

    /// The bytes and headers to send. Honours `http_envelope` (always 200,
    /// the real answer wrapped) and `pretty`, as the service does on every
    /// endpoint.
    pub fn render(self, rq: &Incoming) -> (u16, Vec<u8>, Vec<(String, String)>) {
        let mut headers = self.headers;
        headers.push(("Content-Type".into(), "application/json".into()));
        let (status, body) = if rq.query_flag("http_envelope") {
            let listed: Vec<Value> = headers
                .iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect();
            (
                200,
                json!({"code": self.status, "headers": listed, "body": self.body}),
            )
        } else {
            (self.status, self.body)
        };
        let bytes = if rq.query_flag("pretty") {
            serde_json::to_vec_pretty(&body)
        } else {
            serde_json::to_vec(&body)
        };
        (status, bytes.unwrap_or_default(), headers)
    }
}
