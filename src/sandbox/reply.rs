//! Answers, in the shapes the real service uses, and how they are written
//! out. Nothing here looks at the request: what the rendering needs from
//! it comes as a plain [`Format`].

use serde_json::{json, Value};

/// An answer ready to send: status, body, headers.
pub(crate) type Rendered = (u16, Vec<u8>, Vec<(String, String)>);

/// How a request asked for its answer, through query parameters every
/// endpoint takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Format {
    /// `http_envelope`: always 200, the real answer wrapped.
    pub envelope: bool,
    /// `pretty`: indented JSON.
    pub pretty: bool,
}

/// The shape of an endpoint's refusals (section 9 of the reference: a
/// client must read all three).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// WordPress.com REST: `{"error": code, "message": text}`. The checks
    /// every REST endpoint shares (no token, an unknown token), and the
    /// endpoints whose documents show no other shape.
    Rest,
    /// The partner documents': `{"error_code": code, "error_message":
    /// text}`. Provision's own refusals.
    Partner,
    /// The same with `"success": false`, as cancel documents its answer:
    /// `success`, `error_code`, `error_message`.
    PartnerUnsuccessful,
    /// WordPress REST, the `wpcom/v2` routes': `{"code": code, "message":
    /// text, "data": {"status": status}}`.
    Wp,
}

/// An answer before rendering.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
    /// Bytes to send as they are instead of `body` (an archive), with
    /// their own `Content-Type` among the headers.
    pub bytes: Option<Vec<u8>>,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body,
            headers: Vec::new(),
            bytes: None,
        }
    }

    /// Bytes as they are, not JSON: `http_envelope` and `pretty` do not
    /// apply.
    pub fn bytes(status: u16, bytes: Vec<u8>, headers: Vec<(String, String)>) -> Reply {
        Reply {
            status,
            body: Value::Null,
            headers,
            bytes: Some(bytes),
        }
    }

    /// The same answer with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// OAuth 2: `{"error": code, "error_description": text}`.
    pub fn oauth_error(status: u16, code: &str, description: &str) -> Reply {
        Reply {
            status,
            body: json!({"error": code, "error_description": description}),
            headers: Vec::new(),
            bytes: None,
        }
    }

    /// A `302` redirect to `location` (the OAuth authorize step's answer
    /// to a browser).
    pub fn redirect(location: String) -> Reply {
        Reply {
            status: 302,
            body: json!({"redirect_to": location}),
            headers: vec![("Location".into(), location)],
            bytes: None,
        }
    }

    /// WordPress.com REST: `{"error": code, "message": text}`.
    pub fn rest_error(status: u16, code: &str, message: &str) -> Reply {
        Reply::error(Shape::Rest, status, code, message)
    }

    /// A refusal in the given shape.
    pub fn error(shape: Shape, status: u16, code: &str, message: &str) -> Reply {
        let body = match shape {
            Shape::Rest => json!({"error": code, "message": message}),
            Shape::Partner => json!({"error_code": code, "error_message": message}),
            Shape::PartnerUnsuccessful => {
                json!({"success": false, "error_code": code, "error_message": message})
            }
            Shape::Wp => json!({"code": code, "message": message, "data": {"status": status}}),
        };
        Reply {
            status,
            body,
            headers: Vec::new(),
            bytes: None,
        }
    }

    /// Adds a header to the answer.
    pub fn with_header(mut self, name: &str, value: impl ToString) -> Reply {
        self.headers.push((name.to_owned(), value.to_string()));
        self
    }

    /// WordPress REST (the `wpcom/v2` routes):
    /// `{"code": code, "message": text, "data": {"status": status}}`.
    pub fn wp_error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            body: json!({"code": code, "message": message, "data": {"status": status}}),
            headers: Vec::new(),
            bytes: None,
        }
    }

    /// The bytes and headers to send. Honours `http_envelope` (always 200,
    /// the real answer wrapped) and `pretty`, as the service does on every
    /// endpoint.
    pub fn render(self, format: Format) -> Rendered {
        if let Some(bytes) = self.bytes {
            return (self.status, bytes, self.headers);
        }
        let mut headers = self.headers;
        headers.push(("Content-Type".into(), "application/json".into()));
        let (status, body) = if format.envelope {
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
        let bytes = if format.pretty {
            serde_json::to_vec_pretty(&body)
        } else {
            serde_json::to_vec(&body)
        };
        (status, bytes.unwrap_or_default(), headers)
    }
}

/// Sends a rendered answer through the inner server.
pub(crate) fn send(
    rq: tiny_http::Request,
    status: u16,
    body: Vec<u8>,
    headers: &[(String, String)],
) {
    // Always with its Content-Length, never chunked (tiny_http chunks
    // bodies over 32 KiB by default): an archive's downloader wants the size.
    let mut response = tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX);
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = rq.respond(response);
}
