//! Where each request on a client connection starts and ends, as the
//! front sees the byte stream: just enough HTTP/1.1 framing to bound a
//! request's head, and the answers the front gives on its own when it
//! refuses a request or a connection.
//!
//! [`Heads`] is a small state machine. In the head state it holds the
//! bytes of the head (at most the limit) until the blank line that ends
//! it; a complete head goes on to the inner server in one piece, and its
//! `Content-Length` body bytes after it, as they come, without being held.
//! Then the next head of a keep-alive connection. A head that reaches the
//! limit without ending is refused, and nothing more of the connection is
//! forwarded.
//!
//! `Transfer-Encoding` (chunked bodies) is refused with 411: following
//! chunks would need a chunk parser, and forwarding the rest of the
//! connection untracked would leave its later heads unbounded. The
//! library never sends chunked bodies; its forms have a length.
//!
//! A request line for HTTP/2 or later is refused with 505: tiny_http
//! would answer it itself, but its answer waits for the request it
//! answers, and the connection hangs.

use serde_json::json;

use super::request::{body_too_large_message, MAX_REQUEST_BODY};

/// Longest request head (request line, headers, blank line) the front
/// forwards.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// What the front answers by itself, before or instead of the inner
/// server. Each answer closes the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 431: a head longer than [`MAX_HEAD`].
    HeadTooLarge,
    /// 413: a declared body longer than the sandbox reads.
    BodyTooLarge,
    /// 400: a `Content-Length` that is not one number.
    BadLength,
    /// 411: a body sent with `Transfer-Encoding`.
    LengthRequired,
    /// 505: a request line for HTTP/2 or later.
    VersionNotSupported,
    /// 503 with `Retry-After: 1`: the sandbox serves as many connections
    /// as it may.
    Overloaded,
}

impl Refusal {
    /// The error code of the answer's body, also the stats' key.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::HeadTooLarge => "header_too_large",
            Refusal::BodyTooLarge => "body_too_large",
            Refusal::BadLength => "invalid_content_length",
            Refusal::LengthRequired => "length_required",
            Refusal::VersionNotSupported => "http_version_not_supported",
            Refusal::Overloaded => "sandbox_overloaded",
        }
    }

    fn status(self) -> u16 {
        match self {
            Refusal::HeadTooLarge => 431,
            Refusal::BodyTooLarge => 413,
            Refusal::BadLength => 400,
            Refusal::LengthRequired => 411,
            Refusal::VersionNotSupported => 505,
            Refusal::Overloaded => 503,
        }
    }

    fn message(self) -> String {
        match self {
            Refusal::HeadTooLarge => format!(
                "The request head is longer than {} KiB, the sandbox's limit.",
                MAX_HEAD / 1024
            ),
            Refusal::BodyTooLarge => body_too_large_message(),
            Refusal::BadLength => "The Content-Length header is not one whole number.".into(),
            Refusal::LengthRequired => {
                "The sandbox needs a Content-Length; it does not take chunked request bodies."
                    .into()
            }
            Refusal::VersionNotSupported => "The sandbox speaks HTTP/1.1 and HTTP/1.0.".into(),
            Refusal::Overloaded => {
                "The sandbox has as many connections open as it serves at once. Retry in a second."
                    .into()
            }
        }
    }

    /// The whole HTTP/1.1 answer, in the REST error shape, announcing the
    /// end of the connection.
    pub fn answer(self) -> Vec<u8> {
        let body = json!({"error": self.code(), "message": self.message()}).to_string();
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if self == Refusal::Overloaded {
            headers.push(("Retry-After".into(), "1".into()));
        }
        let mut answer = head(self.status(), &headers, body.len());
        answer.extend_from_slice(body.as_bytes());
        answer
    }
}

/// A response head announcing `length` bytes of body and the end of the
/// connection.
pub(crate) fn head(status: u16, headers: &[(String, String)], length: usize) -> Vec<u8> {
    let reason = tiny_http::StatusCode(status).default_reason_phrase();
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        if !name.contains(['\r', '\n', ':']) && !value.contains(['\r', '\n']) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ));
    head.into_bytes()
}

/// The requests of one connection, as its bytes arrive.
#[derive(Debug)]
pub(crate) struct Heads {
    limit: usize,
    /// The head read so far; always shorter than `limit` between reads.
    head: Vec<u8>,
    /// Body bytes still to come; while there are, `head` is empty.
    body_left: u64,
}

impl Heads {
    pub fn new(limit: usize) -> Heads {
        Heads {
            limit,
            head: Vec::new(),
            body_left: 0,
        }
    }

    /// Takes the bytes read from the client and appends to `forward` those
    /// that may go on to the inner server now: whole heads and body bytes.
    /// An error refuses the request at that point; what `forward` holds
    /// (the requests before it) still goes first, the rest never does.
    pub fn feed(&mut self, mut input: &[u8], forward: &mut Vec<u8>) -> Result<(), Refusal> {
        while !input.is_empty() {
            if self.body_left > 0 {
                let n = usize::try_from(self.body_left).map_or(input.len(), |n| n.min(input.len()));
                forward.extend_from_slice(&input[..n]);
                self.body_left -= n as u64;
                input = &input[n..];
                continue;
            }
            // The blank line may have begun in the last read.
            let searched = self.head.len().saturating_sub(3);
            let taken = input.len().min(self.limit - self.head.len());
            self.head.extend_from_slice(&input[..taken]);
            let Some(at) = find(&self.head[searched..], b"\r\n\r\n") else {
                if self.head.len() >= self.limit {
                    return Err(Refusal::HeadTooLarge);
                }
                input = &input[taken..];
                continue;
            };
            let end = searched + at + 4;
            // Bytes past the blank line belong to the body or the next head.
            input = &input[taken - (self.head.len() - end)..];
            self.head.truncate(end);
            self.body_left = body_length(&self.head)?;
            forward.extend_from_slice(&self.head);
            self.head.clear();
        }
        Ok(())
    }
}

/// The body length a complete head declares, or why it is refused.
fn body_length(head: &[u8]) -> Result<u64, Refusal> {
    let mut lines = head.split(|&b| b == b'\n');
    // tiny_http reads the third word of the request line as the version.
    let version = lines
        .next()
        .and_then(|line| line.trim_ascii().split(|&b| b == b' ').nth(2));
    // Compared as text: later versions sort after HTTP/1.1.
    if version.is_some_and(|v| v.starts_with(b"HTTP/") && v > &b"HTTP/1.1"[..]) {
        return Err(Refusal::VersionNotSupported);
    }
    let mut length = None;
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(Refusal::LengthRequired);
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let value = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or(Refusal::BadLength)?;
            if length.is_some_and(|l| l != value) {
                return Err(Refusal::BadLength);
            }
            length = Some(value);
        }
    }
    match length {
        Some(l) if l > MAX_REQUEST_BODY => Err(Refusal::BodyTooLarge),
        l => Ok(l.unwrap_or(0)),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `reads` one after another: what was forwarded, and the first
    /// refusal.
    fn run(limit: usize, reads: &[&[u8]]) -> (Vec<u8>, Option<Refusal>) {
        let mut heads = Heads::new(limit);
        let mut forwarded = Vec::new();
        for read in reads {
            if let Err(refusal) = heads.feed(read, &mut forwarded) {
                return (forwarded, Some(refusal));
            }
        }
        (forwarded, None)
    }

    const GET: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

    #[test]
    fn a_head_split_across_reads_goes_on_once_whole() {
        let mut heads = Heads::new(MAX_HEAD);
        let mut forwarded = Vec::new();
        // The last two pieces split the blank line.
        let pieces = [&GET[..5], &GET[5..26], &GET[26..27], &GET[27..]];
        for (i, piece) in pieces.iter().enumerate() {
            assert_eq!(heads.feed(piece, &mut forwarded), Ok(()));
            if i < pieces.len() - 1 {
                assert!(forwarded.is_empty(), "held until the blank line");
            }
        }
        assert_eq!(forwarded, GET);
        let bytes: Vec<&[u8]> = GET.chunks(1).collect();
        assert_eq!(run(MAX_HEAD, &bytes), (GET.to_vec(), None));
    }

    #[test]
    fn a_body_holding_a_blank_line_is_not_taken_for_a_head() {
        // Read as a head, this body would end at its blank line, and the
        // 200 bytes after it would make a head over the limit of 100.
        let body = [&b"a\r\n\r\n"[..], &[b'x'; 200]].concat();
        let post = format!("POST /p HTTP/1.1\r\ncontent-LENGTH: {}\r\n\r\n", body.len());
        let stream = [post.as_bytes(), &body, GET].concat();
        assert_eq!(run(100, &[&stream]), (stream.clone(), None));
        let pieces: Vec<&[u8]> = stream.chunks(3).collect();
        assert_eq!(run(100, &pieces), (stream.clone(), None));
        // Without its Content-Length, the same bytes are refused.
        let unframed = [&b"POST /p HTTP/1.1\r\n\r\n"[..], &body, GET].concat();
        assert_eq!(run(100, &[&unframed]).1, Some(Refusal::HeadTooLarge));
    }

    #[test]
    fn pipelined_requests_in_one_read_go_on_in_order() {
        let post = b"POST /t HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
        let stream = [GET, post, GET, &GET[..10]].concat();
        let (forwarded, refused) = run(MAX_HEAD, &[&stream]);
        assert_eq!(refused, None);
        // The last head is not complete yet: held back.
        assert_eq!(forwarded, [GET, post, GET].concat());
    }

    #[test]
    fn a_head_exactly_at_the_limit_passes_and_one_byte_more_is_refused() {
        let head = |len: usize| {
            let mut head = b"GET / HTTP/1.1\r\nX: ".to_vec();
            head.resize(len - 4, b'a');
            head.extend_from_slice(b"\r\n\r\n");
            head
        };
        let limit = 100;
        let at = head(limit);
        assert_eq!(run(limit, &[&at]), (at.clone(), None));
        let (pieces, last) = at.split_at(limit - 1);
        assert_eq!(run(limit, &[pieces, last]), (at.clone(), None));

        let over = head(limit + 1);
        assert_eq!(run(limit, &[&over]), (vec![], Some(Refusal::HeadTooLarge)));
        // Refused as soon as the limit is reached without the blank line,
        // before the byte past it arrives.
        assert_eq!(
            run(limit, &[&over[..limit]]),
            (vec![], Some(Refusal::HeadTooLarge))
        );
        // A request that fits, then one that does not: the first goes on.
        let both = [&at[..], &over[..]].concat();
        assert_eq!(run(limit, &[&both]), (at, Some(Refusal::HeadTooLarge)));
    }

    #[test]
    fn a_head_that_never_ends_is_held_to_the_limit() {
        let mut heads = Heads::new(MAX_HEAD);
        let mut forwarded = Vec::new();
        assert_eq!(heads.feed(b"GET / HTTP/1.1\r\nX: ", &mut forwarded), Ok(()));
        let chunk = vec![b'a'; 16 * 1024];
        let mut refused = None;
        for _ in 0..8 {
            if let Err(r) = heads.feed(&chunk, &mut forwarded) {
                refused = Some(r);
                break;
            }
        }
        assert_eq!(refused, Some(Refusal::HeadTooLarge));
        assert!(forwarded.is_empty());
        assert!(heads.head.len() <= MAX_HEAD);
    }

    #[test]
    fn bodies_too_long_chunked_or_unreadable_are_refused() {
        let refused = |head: &str| run(MAX_HEAD, &[head.as_bytes()]).1;
        let over = MAX_REQUEST_BODY + 1;
        assert_eq!(
            refused(&format!(
                "POST / HTTP/1.1\r\nContent-Length: {over}\r\n\r\n"
            )),
            Some(Refusal::BodyTooLarge)
        );
        let most = MAX_REQUEST_BODY;
        assert_eq!(
            refused(&format!(
                "POST / HTTP/1.1\r\nContent-Length: {most}\r\n\r\n"
            )),
            None
        );
        assert_eq!(
            refused("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Some(Refusal::LengthRequired)
        );
        for length in ["-1", "12a", "", "1, 2"] {
            assert_eq!(
                refused(&format!(
                    "POST / HTTP/1.1\r\nContent-Length: {length}\r\n\r\n"
                )),
                Some(Refusal::BadLength),
                "{length:?}"
            );
        }
        assert_eq!(
            refused("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Some(Refusal::BadLength)
        );
    }

    #[test]
    fn http_2_and_later_are_refused() {
        let refused = |head: &[u8]| run(MAX_HEAD, &[head]).1;
        for version in ["HTTP/2.0", "HTTP/3.0", "HTTP/2"] {
            let head = format!("GET / {version}\r\n\r\n");
            assert_eq!(
                refused(head.as_bytes()),
                Some(Refusal::VersionNotSupported),
                "{version}"
            );
        }
        // Left to the inner server: it serves them, or answers 400.
        for line in [
            "GET / HTTP/1.0",
            "GET / HTTP/1.1",
            "GET /",
            "GET / http/2.0",
        ] {
            assert_eq!(
                refused(format!("{line}\r\n\r\n").as_bytes()),
                None,
                "{line}"
            );
        }
    }

    #[test]
    fn answers_are_json_in_the_rest_error_shape_and_close() {
        let answer = String::from_utf8(Refusal::Overloaded.answer()).unwrap_or_default();
        assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
        assert!(answer.contains("\r\nRetry-After: 1\r\n"));
        assert!(answer.contains("\r\nConnection: close\r\n"));
        let (_, body) = answer.split_once("\r\n\r\n").unwrap_or_default();
        let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(body["error"], "sandbox_overloaded");
        assert!(body["message"].is_string());

        let answer = String::from_utf8(Refusal::HeadTooLarge.answer()).unwrap_or_default();
        assert!(answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(!answer.contains("Retry-After"));
        assert!(answer.contains("\"error\":\"header_too_large\""));
    }

    #[test]
    fn heads_skip_headers_that_would_break_the_framing() {
        let headers = vec![
            ("Content-Type".into(), "application/json".into()),
            ("X-Bad".into(), "a\r\nb".into()),
        ];
        let head = String::from_utf8(head(200, &headers, 12)).unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains("Content-Length: 12\r\n"));
        assert!(!head.contains("X-Bad"));
        assert!(head.ends_with("\r\n\r\n"));
    }
}
