//! A request as the sandbox's handlers see it: method, path, query, the
//! headers that matter, the body's form fields, and what its route's
//! pattern captured from the path.

use std::io::Read;

use super::reply::{Format, Reply, Shape};

/// Largest request body the sandbox reads.
pub(crate) const MAX_REQUEST_BODY: u64 = 8 * 1024 * 1024;

/// Why a body over [`MAX_REQUEST_BODY`] is refused, in words.
pub(crate) fn body_too_large_message() -> String {
    format!(
        "The request body is longer than {} MiB, the sandbox's limit.",
        MAX_REQUEST_BODY / (1024 * 1024)
    )
}

/// The path parameters a route's pattern captured: the site (`{site}` or
/// `{blog_id}`), and any other `{name}` by its name, all still
/// percent-encoded.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub site: Option<String>,
    pub named: Vec<(&'static str, String)>,
}

impl Params {
    /// The segment captured as `{name}`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One incoming request, read whole.
#[derive(Debug, Default)]
pub(crate) struct Incoming {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The `Range` and `If-Range` headers, as sent (an archive's bytes).
    pub range: Option<String>,
    pub if_range: Option<String>,
    pub body: Vec<u8>,
    /// The body went on past [`MAX_REQUEST_BODY`]: `body` holds only its
    /// start, and the request is refused whole (413), never read cut.
    pub body_too_large: bool,
}

impl Incoming {
    pub fn read(rq: &mut tiny_http::Request) -> std::io::Result<Incoming> {
        let (path, query) = match rq.url().split_once('?') {
            Some((path, query)) => (path.to_owned(), parse_pairs(query.as_bytes())),
            None => (rq.url().to_owned(), Vec::new()),
        };
        let header = |name: &str| {
            rq.headers()
                .iter()
                .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                .map(|h| h.value.as_str().to_owned())
        };
        let content_type = header("Content-Type");
        let authorization = header("Authorization");
        let range = header("Range");
        let if_range = header("If-Range");
        // One byte past the limit tells a body that fits from one that
        // does not; the front refuses a declared length over it, and this
        // is the same limit for whatever gets past the front.
        let mut body = Vec::new();
        rq.as_reader()
            .take(MAX_REQUEST_BODY + 1)
            .read_to_end(&mut body)?;
        let body_too_large = body.len() as u64 > MAX_REQUEST_BODY;
        if body_too_large {
            body.clear();
        }
        Ok(Incoming {
            method: rq.method().as_str().to_owned(),
            path,
            query: query
                .into_iter()
                .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
                .collect(),
            content_type,
            authorization,
            range,
            if_range,
            body,
            body_too_large,
        })
    }

    /// The 413 for a body over [`MAX_REQUEST_BODY`], in the REST shape
    /// the front's refusal has.
    pub fn too_large(&self) -> Option<Reply> {
        self.body_too_large
            .then(|| Reply::rest_error(413, "body_too_large", &body_too_large_message()))
    }

    /// Whether the query has `name`, its last value anything but `false`
    /// or `0`.
    pub fn query_flag(&self, name: &str) -> bool {
        self.query_value(name)
            .is_some_and(|v| v != "false" && v != "0")
    }

    /// How the answer is to be written: `http_envelope` and `pretty`.
    pub fn format(&self) -> Format {
        Format {
            envelope: self.query_flag("http_envelope"),
            pretty: self.query_flag("pretty"),
        }
    }

    /// The value of query parameter `name`, if present; the last one of
    /// a repeated name, as PHP reads a query.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rfind(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A JSON body (`application/json`), or the WordPress REST refusal of
    /// one that is not JSON.
    pub fn json(&self) -> Result<serde_json::Value, Reply> {
        let media = self.content_type.as_deref().unwrap_or("");
        let is_json = media
            .split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(Reply::wp_error(
                400,
                "rest_invalid_json",
                "The body must be JSON (Content-Type: application/json).",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            Reply::wp_error(
                400,
                "rest_invalid_json",
                &format!("Invalid JSON body passed: {e}"),
            )
        })
    }

    /// Whether the body is JSON (by its content type).
    pub fn is_json(&self) -> bool {
        self.content_type.as_deref().is_some_and(|m| {
            m.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        })
    }

    /// The form fields, or the partner endpoints' refusal (in `shape`) of
    /// a body that is not a form.
    pub fn form(&self, shape: Shape) -> Result<Fields, Reply> {
        self.fields()
            .map_err(|why| Reply::error(shape, 400, "invalid_input", &why))
    }

    /// The form fields of the body, multipart or urlencoded.
    pub fn fields(&self) -> Result<Fields, String> {
        let content_type = self.content_type.as_deref().unwrap_or("");
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "multipart/form-data" => {
                let boundary = param(content_type, "boundary")
                    .ok_or("the multipart/form-data content type has no boundary")?;
                multipart_fields(&self.body, &boundary)
            }
            "application/x-www-form-urlencoded" => Ok(Fields(parse_pairs(&self.body))),
            "" if self.body.is_empty() => Ok(Fields::default()),
            other => Err(format!(
                "the body must be multipart/form-data or application/x-www-form-urlencoded, not {other:?}"
            )),
        }
    }
}

/// Form fields in the order they came. The last of a repeated name wins,
/// as PHP (the real service) reads `$_POST`, urlencoded or multipart.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fields(pub Vec<(String, Vec<u8>)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .rfind(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The field as text, `None` when absent or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// A boolean field: `true`, `1` and `yes` (any case) are true; anything
    /// else, and absence, is false, as PHP's loose checks read them.
    pub fn flag(&self, name: &str) -> bool {
        self.text(name).is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "true" || v == "1" || v == "yes"
        })
    }

    /// Whether any of these fields was sent with a value.
    pub fn any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.text(n).is_some())
    }
}

/// Reads a multipart body with the `multipart` crate: an independent parser,
/// so the client's encoder is checked by code it does not share.
fn multipart_fields(body: &[u8], boundary: &str) -> Result<Fields, String> {
    let mut form = multipart::server::Multipart::with_body(body, boundary);
    let mut fields = Vec::new();
    loop {
        match form.read_entry() {
            Ok(Some(mut entry)) => {
                let mut value = Vec::new();
                entry
                    .data
                    .read_to_end(&mut value)
                    .map_err(|e| format!("unreadable multipart field: {e}"))?;
                fields.push((entry.headers.name.to_string(), value));
            }
            Ok(None) => return Ok(Fields(fields)),
            Err(e) => return Err(format!("unreadable multipart body: {e}")),
        }
    }
}

/// A parameter of a header value, e.g. `boundary` of a content type.
fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|part| {
        let (k, v) = part.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// `a=1&b=%20x+y` -> [("a", "1"), ("b", " x y")].
pub(crate) fn parse_pairs(input: &[u8]) -> Vec<(String, Vec<u8>)> {
    input
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let key = percent_decode(it.next().unwrap_or_default(), true);
            let value = percent_decode(it.next().unwrap_or_default(), true);
            (String::from_utf8_lossy(&key).into_owned(), value)
        })
        .collect()
}

/// Decodes `%XX` in a URL path segment, where `+` stays a plus.
pub(crate) fn percent_decode_path(input: &[u8]) -> Vec<u8> {
    percent_decode(input, false)
}

/// Decodes `%XX`; `+` is a space in forms and queries only.
fn percent_decode(input: &[u8], plus_is_space: bool) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_pairs_decode() {
        let pairs = parse_pairs(b"a=1&b=%20x+y&c&d=%zz&e=%4");
        let got: Vec<(&str, &[u8])> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", &b"1"[..]),
                ("b", b" x y"),
                ("c", b""),
                ("d", b"%zz"),
                ("e", b"%4")
            ]
        );
    }

    #[test]
    fn the_last_of_a_repeated_field_wins() {
        let fields = Fields(parse_pairs(b"plan=free&plan=premium&plan"));
        assert_eq!(fields.get("plan"), Some(&b""[..]));
        let fields = Fields(parse_pairs(b"plan=free&plan=premium"));
        assert_eq!(fields.text("plan").as_deref(), Some("premium"));
        let query = Incoming {
            query: vec![
                ("pretty".into(), "true".into()),
                ("pretty".into(), "false".into()),
            ],
            ..Incoming::default()
        };
        assert!(!query.query_flag("pretty"));
    }

    #[test]
    fn path_segments_keep_their_plus_signs() {
        assert_eq!(percent_decode_path(b"a+b%3A%3Ac"), b"a+b::c");
    }

    #[test]
    fn boolean_fields_read_like_the_service() {
        let fields = Fields(
            ["true", "1", "yes", "YES", "false", "0", "", "no", "maybe"]
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("f{i}"), v.as_bytes().to_vec()))
                .collect(),
        );
        let read: Vec<bool> = (0..10).map(|i| fields.flag(&format!("f{i}"))).collect();
        assert_eq!(
            read,
            [true, true, true, true, false, false, false, false, false, false]
        );
    }

    #[test]
    fn boundary_param_is_found_quoted_or_not() {
        assert_eq!(
            param("multipart/form-data; boundary=abc", "boundary").as_deref(),
            Some("abc")
        );
        assert_eq!(
            param("multipart/form-data;BOUNDARY=\"a b\"", "boundary").as_deref(),
            Some("a b")
        );
        assert_eq!(param("multipart/form-data;", "boundary"), None);
    }
}
