//! Just enough HTTP/1.1 for one webhook: one request per connection, read
//! strictly and within bounds, then one answer and `Connection: close`.
//!
//! The head is read by hand: `httparse`, already in the program for the
//! client's answers, costs 1.8 KB more code for requests, enough to take
//! the static file over its budget. It must arrive whole within 8 KiB,
//! each line ending in CR LF; the body needs a
//! `Content-Length` (no chunked bodies) and is at most
//! [`MAX_BODY`](jetpack_partner::monitor::MAX_BODY) bytes. The whole
//! request must arrive within the read time-out, however slowly it
//! trickles; a server that is stopping stops waiting for it.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Largest request head (request line and headers), in bytes.
pub const MAX_HEAD: usize = 8 * 1024;

/// Most header lines in a head.
const MAX_HEADERS: usize = 32;

/// How long one read waits before the deadline and the stop are looked at
/// again.
const SLICE: Duration = Duration::from_millis(200);

/// How long an answer may take to write.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// After an answer, what the client still sends is read and dropped for
/// at most this long (and at most [`LINGER_BYTES`]), so that closing does
/// not reset the connection before the client has read the answer.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 64 * 1024;

/// A request that gets no 200: its status, and a short reason that is
/// sent as the body and logged. It never holds anything the client sent.
#[derive(Debug)]
pub struct Refusal {
    /// 0: the client left (or sent nothing); there is no one to answer.
    pub status: u16,
    pub reason: Cow<'static, str>,
    /// One more header line for the answer (`Allow: POST`), if any.
    pub header: &'static str,
}

impl Refusal {
    pub fn new(status: u16, reason: &'static str) -> Refusal {
        Refusal::said(status, Cow::Borrowed(reason))
    }

    /// A refusal whose reason is made for the request.
    pub fn said(status: u16, reason: Cow<'static, str>) -> Refusal {
        Refusal {
            status,
            reason,
            header: "",
        }
    }

    pub fn with(mut self, header: &'static str) -> Refusal {
        self.header = header;
        self
    }

    fn gone(reason: &'static str) -> Refusal {
        Refusal::new(0, reason)
    }
}

/// What the server needs of a request head.
#[derive(Debug, Default)]
pub struct Head {
    pub method: String,
    pub target: String,
    pub content_length: Option<usize>,
    /// `Content-Length` given twice, or not a number.
    pub bad_length: bool,
    /// A `Transfer-Encoding` header (chunked bodies are not taken).
    pub transfer_encoding: bool,
    pub authorization: Option<Vec<u8>>,
    pub forwarded_for: Option<String>,
}

/// One client connection.
pub struct Conn<'a> {
    stream: TcpStream,
    deadline: Instant,
    stop: &'a AtomicBool,
    buf: Vec<u8>,
}

impl<'a> Conn<'a> {
    /// A connection whose request must arrive within `timeout`.
    pub fn new(stream: TcpStream, timeout: Duration, stop: &'a AtomicBool) -> Conn<'a> {
        Conn {
            stream,
            deadline: Instant::now() + timeout,
            stop,
            buf: Vec::new(),
        }
    }

    /// Reads more into the buffer, up to `limit` bytes in all.
    fn fill(&mut self, limit: usize) -> Result<(), Refusal> {
        let mut chunk = [0u8; 4096];
        let want = limit.saturating_sub(self.buf.len()).min(chunk.len());
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(Refusal::new(503, "the server is stopping; send it again")
                    .with("Retry-After: 10\r\n"));
            }
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Refusal::new(408, "the request did not arrive in time"));
            }
            let _ = self.stream.set_read_timeout(Some(left.min(SLICE)));
            match self.stream.read(&mut chunk[..want]) {
                Ok(0) => return Err(Refusal::gone("the client closed the connection")),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(());
                }
                Err(e) if is_wait(&e) => {}
                Err(_) => return Err(Refusal::gone("the connection broke")),
            }
        }
    }

    /// Reads the request head.
    pub fn head(&mut self) -> Result<Head, Refusal> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = parse_head(&self.buf[..end + 2])?;
                self.buf.drain(..end + 4);
                return Ok(head);
            }
            if find(&self.buf, b"\n\n").is_some() {
                return Err(Refusal::new(400, "the request's lines do not end in CR LF"));
            }
            if self.buf.len() >= MAX_HEAD {
                return Err(too_large());
            }
            self.fill(MAX_HEAD)?;
        }
    }

    /// Reads a body of exactly `length` bytes (what came after it is
    /// left unread).
    pub fn body(&mut self, length: usize) -> Result<Vec<u8>, Refusal> {
        while self.buf.len() < length {
            self.fill(length)?;
        }
        self.buf.truncate(length);
        Ok(std::mem::take(&mut self.buf))
    }

    /// Sends the answer, then closes the connection.
    pub fn answer(mut self, status: u16, body: &str, header: &str) {
        if !send(&mut self.stream, status, body, header) {
            return;
        }
        let until = Instant::now() + LINGER;
        let mut dropped = 0;
        let mut chunk = [0u8; 4096];
        while dropped < LINGER_BYTES {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stream.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => dropped += n,
            }
        }
    }
}

/// Writes a whole answer and shuts the writing side; false when the
/// client cannot take it.
pub fn send(stream: &mut TcpStream, status: u16, body: &str, header: &str) -> bool {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let text = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n{header}\r\n{body}",
        reason(status),
        body.len()
    );
    let sent = stream.write_all(text.as_bytes()).is_ok();
    let _ = stream.shutdown(Shutdown::Write);
    sent
}

fn too_large() -> Refusal {
    Refusal::new(431, "the request head is over 8 KiB")
}

fn is_wait(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A token of RFC 9110: a method or a header's name.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
}

/// Reads a request head (its lines, without the blank line that ends
/// it), strictly: lines end in CR LF, the request line is three words, a
/// header is `name: value` without control characters or folding.
fn parse_head(bytes: &[u8]) -> Result<Head, Refusal> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let not_http = || {
        Refusal::new(
            400,
            "the request line is not METHOD TARGET HTTP/1.1 and CR LF",
        )
    };
    let mut lines = bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").ok_or(()));
    let first = lines.next().and_then(Result::ok).ok_or_else(not_http)?;
    let mut words = first.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(not_http());
    };
    if !is_token(method) || target.is_empty() || !target.iter().all(u8::is_ascii_graphic) {
        return Err(not_http());
    }
    match version {
        b"HTTP/1.1" | b"HTTP/1.0" => {}
        [b'H', b'T', b'T', b'P', b'/', ..] => {
            return Err(Refusal::new(505, "only HTTP/1.1 and HTTP/1.0 are served"))
        }
        _ => return Err(not_http()),
    }
    let mut head = Head {
        method: String::from_utf8_lossy(method).into_owned(),
        target: String::from_utf8_lossy(target).into_owned(),
        ..Head::default()
    };
    for (count, line) in lines.enumerate() {
        let bad = || {
            Refusal::new(
                400,
                "a request header is not name: value, printable, and CR LF",
            )
        };
        let line = line.map_err(|()| bad())?;
        if count == MAX_HEADERS {
            return Err(too_large());
        }
        let colon = line.iter().position(|&b| b == b':');
        let (name, value) = match colon {
            Some(at) if is_token(&line[..at]) => (&line[..at], line[at + 1..].trim_ascii()),
            _ => return Err(bad()),
        };
        if value.iter().any(|&b| b.is_ascii_control() && b != b'\t') {
            return Err(bad());
        }
        header(&mut head, name, value);
    }
    Ok(head)
}

/// Keeps what the server needs of one header.
fn header(head: &mut Head, name: &[u8], value: &[u8]) {
    match name.to_ascii_lowercase().as_slice() {
        b"content-length" => {
            let number = std::str::from_utf8(value)
                .ok()
                .filter(|v| !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse().ok());
            head.bad_length |= number.is_none() || head.content_length.is_some();
            head.content_length = number;
        }
        b"transfer-encoding" => head.transfer_encoding = true,
        b"authorization" => head.authorization = Some(value.to_vec()),
        b"x-forwarded-for" => head.forwarded_for = forwarded_for(value),
        _ => {}
    }
}

/// A proxy's `X-Forwarded-For`, kept only when it is short, printable
/// ASCII without quotes or backslashes (it is not checked otherwise).
fn forwarded_for(value: &[u8]) -> Option<String> {
    let plain = |b: &u8| (b.is_ascii_graphic() && !matches!(b, b'"' | b'\\')) || *b == b' ';
    (!value.is_empty() && value.len() <= 200 && value.iter().all(plain))
        .then(|| String::from_utf8_lossy(value).into_owned())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Head {
        let head = text.strip_suffix("\r\n").unwrap_or(text);
        parse_head(head.as_bytes()).unwrap_or_else(|r| panic!("{text:?}: {r:?}"))
    }

    fn refused(text: &str) -> u16 {
        let head = format!("{text}\r\n");
        parse_head(head.as_bytes()).map_or_else(|r| r.status, |h| panic!("{text:?}: {h:?}"))
    }

    #[test]
    fn the_head_gives_what_the_server_needs() {
        let head = parse(
            "POST /hook/x?a=b HTTP/1.1\r\nHost: a\r\ncontent-length:  42 \r\n\
             Authorization: Bearer t\r\nExpect: 100-continue\r\nX-Forwarded-For: 203.0.113.7, 10.0.0.1\r\n\r\n",
        );
        assert_eq!(
            (head.method.as_str(), head.target.as_str()),
            ("POST", "/hook/x?a=b")
        );
        assert_eq!((head.content_length, head.bad_length), (Some(42), false));
        assert_eq!(head.authorization.as_deref(), Some(&b"Bearer t"[..]));
        assert_eq!(head.forwarded_for.as_deref(), Some("203.0.113.7, 10.0.0.1"));
        assert!(!head.transfer_encoding);
    }

    #[test]
    fn a_length_given_twice_or_not_a_number_is_bad() {
        for lengths in [
            &["1", "1"][..],
            &["-1"],
            &["+1"],
            &["1e3"],
            &[""],
            &["99999999999999999999"],
        ] {
            let mut text = "POST / HTTP/1.1\r\n".to_owned();
            for length in lengths {
                text.push_str(&format!("Content-Length: {length}\r\n"));
            }
            text.push_str("\r\n");
            assert!(parse(&text).bad_length, "{lengths:?}");
        }
        assert!(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").transfer_encoding);
        let odd = parse("POST / HTTP/1.1\r\nX-Forwarded-For: \"a\"\r\n\r\n");
        assert_eq!(odd.forwarded_for, None);
    }

    #[test]
    fn anything_loose_in_the_head_is_refused() {
        for (text, status) in [
            ("POST / HTTP/1.1\nHost: a", 400),
            ("POST / HTTP/1.1\r\nHost: a\n", 400),
            ("POST  / HTTP/1.1", 400),
            ("POST /", 400),
            ("POST / HTTP/1.1 x", 400),
            ("PO(ST / HTTP/1.1", 400),
            ("POST /\x01 HTTP/1.1", 400),
            ("POST / http/1.1", 400),
            ("POST / HTTP/2.0", 505),
            ("POST / HTTP/1.1\r\n folded: x", 400),
            ("POST / HTTP/1.1\r\nName : x", 400),
            ("POST / HTTP/1.1\r\n: x", 400),
            ("POST / HTTP/1.1\r\nNo-Colon", 400),
            ("POST / HTTP/1.1\r\nA: b\rc", 400),
            ("POST / HTTP/1.1\r\nA: b\x00c", 400),
        ] {
            assert_eq!(refused(text), status, "{text:?}");
        }
        let many = format!("POST / HTTP/1.1{}", "\r\nA: b".repeat(MAX_HEADERS + 1));
        assert_eq!(refused(&many), 431);
        let enough = format!("POST / HTTP/1.0{}", "\r\nA: b\tc".repeat(MAX_HEADERS));
        assert_eq!(parse(&format!("{enough}\r\n\r\n")).method, "POST");
    }
}
