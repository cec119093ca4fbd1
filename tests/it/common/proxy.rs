//! A small HTTP/1.1 relay in front of a sandbox, for what the sandbox does
//! not do on its own: cut an archive's connection after N bytes, or hold
//! it; ignore a range; answer with another ETag. It carries one request
//! per connection (`Connection: close` both ways), writes the sandbox's
//! address in JSON answers as its own (so an archive's link leads back
//! through it), and counts the requests in flight at once.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the relay does to one request for an archive's bytes (a path
/// with `/data`). The default passes it through.
#[derive(Clone, Debug, Default)]
pub struct Trick {
    /// Sends the answer's head and this many bytes of its body, then
    /// closes the connection.
    pub cut_after: Option<usize>,
    /// With `cut_after`: holds the connection open instead of closing it,
    /// sending nothing more (until the client goes, or a minute).
    pub stall: bool,
    /// Takes `Range` and `If-Range` out of the request: the server sends
    /// the whole archive.
    pub drop_range: bool,
    /// Takes `If-Range` out of the request: the server sends the range
    /// asked for, whatever the archive.
    pub drop_if_range: bool,
    /// Answers with this `ETag` instead of the server's.
    pub etag: Option<String>,
}

impl Trick {
    pub fn cut_after(bytes: usize) -> Trick {
        Trick {
            cut_after: Some(bytes),
            ..Trick::default()
        }
    }

    pub fn stall_after(bytes: usize) -> Trick {
        Trick {
            cut_after: Some(bytes),
            stall: true,
            ..Trick::default()
        }
    }
}

/// A request for an archive's bytes, as the client sent it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The path and query (the link's token included: it stays in the
    /// test).
    pub target: String,
    pub range: Option<String>,
    pub if_range: Option<String>,
    pub authorization: bool,
    /// The status the server answered with.
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    tricks: VecDeque<Trick>,
    seen: Vec<Seen>,
    in_flight: usize,
    most_in_flight: usize,
    requests: usize,
}

/// The relay; it runs until the test process ends.
pub struct Proxy {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
}

impl Proxy {
    /// A relay to `target` (a sandbox's base URL) that writes its own
    /// address for the sandbox's in JSON answers.
    pub fn start(target: &str) -> Proxy {
        Proxy::with_rewrite(target, true)
    }

    /// A relay that leaves JSON answers as they are: an archive's link
    /// names the sandbox itself, another origin than the relay's.
    pub fn without_rewrite(target: &str) -> Proxy {
        Proxy::with_rewrite(target, false)
    }

    fn with_rewrite(target: &str, rewrite: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let base = format!("http://{addr}");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let from = target.to_owned();
        let to = if rewrite { base.clone() } else { from.clone() };
        let state = shared.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (from, to, state) = (from.clone(), to.clone(), state.clone());
                thread::spawn(move || relay(client, &from, &to, &state));
            }
        });
        Proxy { base, shared }
    }

    /// Tricks for the next archive requests, in order.
    pub fn then(&self, trick: Trick) -> &Proxy {
        self.lock().tricks.push_back(trick);
        self
    }

    /// The archive requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// The most requests it carried at one moment.
    pub fn most_in_flight(&self) -> usize {
        self.lock().most_in_flight
    }

    /// Every request it carried.
    pub fn requests(&self) -> usize {
        self.lock().requests
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One exchange: the client's request to the sandbox, its answer back.
fn relay(mut client: TcpStream, target: &str, own: &str, shared: &Arc<Mutex<Shared>>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, body)) = read_message(&mut client, true) else {
        return;
    };
    let lock = || shared.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut s = lock();
        s.requests += 1;
        s.in_flight += 1;
        s.most_in_flight = s.most_in_flight.max(s.in_flight);
    }
    let (request_line, mut headers) = split_head(&head);
    let path = request_line
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let is_data = path.contains("/data");
    let trick = if is_data {
        lock().tricks.pop_front().unwrap_or_default()
    } else {
        Trick::default()
    };
    let seen = is_data.then(|| Seen {
        target: path.clone(),
        range: header(&headers, "range"),
        if_range: header(&headers, "if-range"),
        authorization: header(&headers, "authorization").is_some(),
        status: 0,
    });
    headers.retain(|(name, _)| {
        let name = name.to_ascii_lowercase();
        !(name == "connection"
            || (trick.drop_range && (name == "range" || name == "if-range"))
            || (trick.drop_if_range && name == "if-range"))
    });
    headers.push(("Connection".into(), "close".into()));
    let answer = forward(target, &request_line, &headers, &body);
    let Some((status_line, mut answer_headers, mut answer_body)) = answer else {
        lock().in_flight -= 1;
        return;
    };
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if let Some(mut seen) = seen {
        seen.status = status;
        lock().seen.push(seen);
    }
    let json = header(&answer_headers, "content-type").is_some_and(|t| t.contains("json"));
    if json && own != target {
        let text = String::from_utf8_lossy(&answer_body).replace(target, own);
        answer_body = text.into_bytes();
    }
    if let Some(etag) = &trick.etag {
        for (name, value) in &mut answer_headers {
            if name.eq_ignore_ascii_case("etag") {
                *value = etag.clone();
            }
        }
    }
    answer_headers.retain(|(name, _)| {
        !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("connection")
    });
    answer_headers.push(("Content-Length".into(), answer_body.len().to_string()));
    answer_headers.push(("Connection".into(), "close".into()));
    let mut out = format!("{status_line}\r\n").into_bytes();
    for (name, value) in &answer_headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    let body_len = trick
        .cut_after
        .map_or(answer_body.len(), |n| n.min(answer_body.len()));
    out.extend_from_slice(&answer_body[..body_len]);
    let _ = client.write_all(&out);
    let _ = client.flush();
    lock().in_flight -= 1;
    if trick.stall {
        // Until the client goes away (a read sees its end), or a minute.
        let started = Instant::now();
        let _ = client.set_read_timeout(Some(Duration::from_millis(100)));
        let mut byte = [0u8; 1];
        while started.elapsed() < Duration::from_secs(60) {
            match client.read(&mut byte) {
                Ok(0) => break,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
                _ => break,
            }
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

/// A message's header fields, in order: (name, value).
type Headers = Vec<(String, String)>;

/// Sends the request to `target` and reads the whole answer.
fn forward(
    target: &str,
    request_line: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<(String, Headers, Vec<u8>)> {
    let mut server = TcpStream::connect(target.trim_start_matches("http://")).ok()?;
    let _ = server.set_read_timeout(Some(Duration::from_secs(30)));
    let mut out = format!("{request_line}\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    server.write_all(&out).ok()?;
    let (head, body) = read_message(&mut server, false)?;
    let (status_line, headers) = split_head(&head);
    Some((status_line, headers, body))
}

/// Reads a head and the body its `Content-Length` announces (to the end
/// of the stream for an answer without one; none for a request without
/// one).
fn read_message(stream: &mut TcpStream, request: bool) -> Option<(String, Vec<u8>)> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let end = loop {
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        seen.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&seen[..end]).into_owned();
    let mut body = seen[end + 4..].to_vec();
    let (_, headers) = split_head(&head);
    match header(&headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(length) => {
            while body.len() < length {
                let n = stream.read(&mut buf).ok()?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&buf[..n]);
            }
            body.truncate(length);
        }
        None if !request => {
            let _ = stream.read_to_end(&mut body);
        }
        None => {}
    }
    Some((head, body))
}

fn split_head(head: &str) -> (String, Headers) {
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    (first, headers)
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}
