//! The listener that receives the browser's redirect at the end of the
//! authorize step, on the redirect URI's own loopback address and port.
//!
//! It is a small HTTP server made for one visitor, the user's browser, and
//! for nothing else on this machine to abuse:
//!
//! * it binds only the redirect URI's host (`127.x.x.x`, `[::1]`, or
//!   127.0.0.1 for `localhost`) and port, never every address;
//! * only a `GET` of the redirect URI's path, with a `Host` header that
//!   names the redirect URI, is read as the redirect; anything else (the
//!   browser's `/favicon.ico`, a stray request, a page of another site
//!   reaching this port through a rebound DNS name) gets a small page and
//!   a 404, 405 or 400, and the wait goes on;
//! * a request head is read up to 8 KiB and for at most 5 seconds; a
//!   longer one is answered 431, a slower one is closed; at most 16
//!   connections are served at once, each on its own thread, so a
//!   connection that sends nothing cannot hold up the browser's;
//! * the whole wait ends at its time-out;
//! * the pages it answers hold no code and no state, and ask the browser
//!   not to cache them or pass them on as a referrer.
//!
//! The first request that carries the redirect's parameters ends the wait:
//! its code (with this sign-in's state), or the reason there is none (a
//! wrong or missing state, the user's refusal).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::api::authorize::Authorize;
use crate::auth::Secret;
use crate::error::{clean_text, Error};

/// The longest request head read.
pub(crate) const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// The longest a request head may take to arrive.
pub(crate) const REQUEST_TIME: Duration = Duration::from_secs(5);

/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 16;

/// How long, and how much, of what a client still sends after its
/// answer is read and dropped.
const DRAIN_TIME: Duration = Duration::from_secs(1);
const MAX_DRAIN: u64 = 64 * 1024;

/// How often the listener looks for a new connection.
const POLL: Duration = Duration::from_millis(20);

/// Something worth knowing about the listener's work, for a trace.
type NoteFn = dyn Fn(&str) + Send + Sync;

/// A listener on the redirect URI, bound before the address to open is
/// shown, so the redirect cannot arrive before it listens.
///
/// ```no_run
/// use std::time::Duration;
/// use jetpack_partner::{Authorize, RedirectListener};
/// let authorize = Authorize::new("5678", "http://127.0.0.1:3210/")?;
/// let listener = RedirectListener::bind(&authorize)?;
/// println!("open {}", authorize.url("https://public-api.wordpress.com"));
/// let code = listener.wait(&authorize, Duration::from_secs(300))?;
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
pub struct RedirectListener {
    listener: TcpListener,
    addr: SocketAddr,
    notes: Option<Arc<NoteFn>>,
}

impl std::fmt::Debug for RedirectListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedirectListener")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// What one connection came to.
enum Outcome {
    /// Not the redirect; the wait goes on. The text says what it was.
    Ignored(String),
    /// The redirect: its code, or why it has none.
    Redirect(Result<Secret, Error>),
}

impl RedirectListener {
    /// Listens on the redirect URI's address (see
    /// [`Authorize::listen_addr`]). A port another program holds, or one
    /// this user may not take, is an [`Error::Io`] that says so.
    pub fn bind(authorize: &Authorize) -> Result<RedirectListener, Error> {
        let addr = authorize.listen_addr()?;
        let listener = TcpListener::bind(addr).map_err(|e| {
            let why = match e.kind() {
                io::ErrorKind::AddrInUse => {
                    "another program holds that port (or another sign-in is still waiting on it)"
                }
                io::ErrorKind::PermissionDenied => {
                    "this user may not listen on that port (below 1024 needs privileges)"
                }
                io::ErrorKind::AddrNotAvailable => "that address is not one of this machine's",
                _ => "the system refused",
            };
            Error::io(
                format!(
                    "cannot listen on {addr} for the browser's redirect to {}: {why}",
                    authorize.redirect_uri()
                ),
                e,
            )
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the redirect listener's address", e))?;
        Ok(RedirectListener {
            listener,
            addr,
            notes: None,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Receives a line about each request that is not the redirect (for a
    /// trace). The lines name the method and path, never a query.
    pub fn notes(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.notes = Some(Arc::new(f));
        self
    }

    /// Waits for the redirect of `authorize`'s sign-in, at most `timeout`:
    /// its code, or an error. A wrong or missing state is an
    /// [`Error::InvalidInput`] (the code is not given out); the user's
    /// refusal an [`Error::Api`] (e.g. `access_denied`); no redirect in
    /// time an [`Error::Io`] of kind [`TimedOut`](io::ErrorKind::TimedOut).
    pub fn wait(&self, authorize: &Authorize, timeout: Duration) -> Result<Secret, Error> {
        let deadline = Instant::now() + timeout;
        self.listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("cannot set up the redirect listener", e))?;
        let (tx, rx) = mpsc::channel();
        let open = Arc::new(AtomicUsize::new(0));
        let expected = Arc::new(authorize.clone());
        loop {
            self.accept_waiting(&tx, &open, &expected)?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::io(
                    format!(
                        "no redirect reached {} within {} s: the sign-in was not finished in \
                         the browser (or the browser could not reach this machine)",
                        authorize.redirect_uri(),
                        timeout.as_secs_f64().ceil()
                    ),
                    io::Error::from(io::ErrorKind::TimedOut),
                ));
            }
            match rx.recv_timeout(POLL.min(left)) {
                Ok(Outcome::Redirect(result)) => return result,
                Ok(Outcome::Ignored(what)) => self.note(&what),
                Err(_) => {}
            }
        }
    }

    /// Starts a thread for each connection waiting to be accepted.
    fn accept_waiting(
        &self,
        tx: &mpsc::Sender<Outcome>,
        open: &Arc<AtomicUsize>,
        expected: &Arc<Authorize>,
    ) -> Result<(), Error> {
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                    ) =>
                {
                    continue
                }
                Err(e) => {
                    return Err(Error::io(
                        "the redirect listener cannot accept connections",
                        e,
                    ))
                }
            };
            if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                self.note("a connection was closed at once: too many are open");
                continue;
            }
            open.fetch_add(1, Ordering::SeqCst);
            let (tx, open, expected) = (tx.clone(), open.clone(), expected.clone());
            std::thread::spawn(move || {
                let outcome = serve(stream, &expected);
                open.fetch_sub(1, Ordering::SeqCst);
                // The wait may be over: no one reads any more.
                let _ = tx.send(outcome);
            });
        }
    }

    fn note(&self, text: &str) {
        if let Some(notes) = &self.notes {
            notes(text);
        }
    }
}

/// Reads one request and answers it with a page.
fn serve(mut stream: TcpStream, expected: &Authorize) -> Outcome {
    let head = match read_head(&mut stream) {
        Ok(head) => head,
        Err(Head::TooLarge) => {
            respond(
                &mut stream,
                431,
                "Request too large",
                "That request is too large.",
            );
            return Outcome::Ignored(format!(
                "a request head over {} KiB was answered 431",
                MAX_REQUEST_HEAD / 1024
            ));
        }
        Err(Head::Unfinished) => {
            return Outcome::Ignored("a connection that sent no whole request was closed".into())
        }
    };
    let (outcome, status, title, text) = judge(&head, expected);
    respond(&mut stream, status, title, text);
    outcome
}

/// What a request is: the outcome, and the page that answers it.
fn judge(head: &str, expected: &Authorize) -> (Outcome, u16, &'static str, &'static str) {
    let mut lines = head.split("\r\n");
    let mut words = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    );
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let shown = format!("{} {}", clean_text(method, 16), clean_text(path, 100));
    let host = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.trim());
    let ignored = |status, title, text, why: &str| {
        (
            Outcome::Ignored(format!("{shown} was answered {status}: {why}")),
            status,
            title,
            text,
        )
    };
    if !host.is_some_and(|h| expected.is_redirect_host(h)) {
        return ignored(
            400,
            "Wrong address",
            "This port waits for a sign-in's redirect, and this request was not addressed to it.",
            "its Host is not the redirect URI's",
        );
    }
    if method != "GET" {
        return ignored(
            405,
            "Not allowed",
            "Only the browser's redirect is taken here.",
            "not a GET",
        );
    }
    if path != expected.redirect_path() {
        return ignored(
            404,
            "Not found",
            "Nothing here.",
            "not the redirect URI's path",
        );
    }
    let carries = |name: &str| {
        query
            .split('&')
            .any(|p| p.split_once('=').map_or(p, |(n, _)| n) == name)
    };
    if !["code", "state", "error"].into_iter().any(carries) {
        return ignored(
            400,
            "Waiting",
            "This page waits for WordPress.com's redirect after you approve the sign-in. \
             Open the address the terminal shows.",
            "it carries no redirect",
        );
    }
    let result = expected.code_from_query(query);
    let (status, title, text) = match &result {
        Ok(_) => (
            200,
            "Signed in",
            "jetpack-partner has the authorization. You can close this tab and go back to the \
             terminal.",
        ),
        Err(Error::Api(_)) => (
            200,
            "Not authorized",
            "WordPress.com did not grant the access. The terminal says why.",
        ),
        Err(_) => (
            400,
            "Refused",
            "This redirect does not belong to the sign-in waiting here, so it was refused. \
             Start the sign-in again from the terminal.",
        ),
    };
    (Outcome::Redirect(result), status, title, text)
}

/// Why no request head was read.
enum Head {
    TooLarge,
    Unfinished,
}

/// The request head (request line and headers), read within the bounds.
fn read_head(stream: &mut TcpStream) -> Result<String, Head> {
    let deadline = Instant::now() + REQUEST_TIME;
    let _ = stream.set_nonblocking(false);
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(Head::Unfinished);
        }
        let n = match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return Err(Head::Unfinished),
            Ok(n) => n,
        };
        head.extend_from_slice(&buffer[..n]);
        match head.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(end) if end <= MAX_REQUEST_HEAD => {
                head.truncate(end);
                return Ok(String::from_utf8_lossy(&head).into_owned());
            }
            _ if head.len() > MAX_REQUEST_HEAD => return Err(Head::TooLarge),
            _ => {}
        }
    }
}

/// A small page that says what happened, and closes the connection.
fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let body = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>jetpack-partner: {title}</title></head>\n\
         <body><h1>{title}</h1><p>{text}</p></body></html>\n"
    );
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Request Header Fields Too Large",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\n\
         Content-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         Cache-Control: no-store\r\n\
         Referrer-Policy: no-referrer\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'\r\n\
         Connection: close\r\n",
        body.len()
    );
    if status == 405 {
        head.push_str("Allow: GET\r\n");
    }
    head.push_str("\r\n");
    let _ = stream.set_write_timeout(Some(REQUEST_TIME));
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .and_then(|()| stream.flush());
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // What the client still sends (the rest of a request too large) is
    // read and dropped for a moment, so that closing with it unread does
    // not reset the connection before the client has read the page.
    let _ = stream.set_read_timeout(Some(DRAIN_TIME));
    let _ = std::io::copy(&mut (&mut *stream).take(MAX_DRAIN), &mut std::io::sink());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected() -> Authorize {
        Authorize::new("5678", "http://127.0.0.1:3210/cb").unwrap_or_else(|e| panic!("{e}"))
    }

    fn outcome_of(e: &Authorize, head: &str) -> (bool, u16) {
        let (outcome, status, _, _) = judge(head, e);
        (matches!(outcome, Outcome::Redirect(_)), status)
    }

    #[test]
    fn only_a_get_of_the_redirect_path_on_its_host_is_the_redirect() {
        let e = expected();
        let s = e.state();
        let host = "Host: 127.0.0.1:3210";
        let outcome = |head: &str| outcome_of(&e, head);
        assert_eq!(
            outcome(&format!("GET /cb?code=abcd&state={s} HTTP/1.1\r\n{host}")),
            (true, 200)
        );
        assert_eq!(
            outcome(&format!("GET /cb?code=abcd&state=nope HTTP/1.1\r\n{host}")),
            (true, 400)
        );
        assert_eq!(
            outcome(&format!(
                "GET /cb?error=access_denied&state={s} HTTP/1.1\r\n{host}"
            )),
            (true, 200)
        );
        assert_eq!(
            outcome(&format!("GET /favicon.ico HTTP/1.1\r\n{host}")),
            (false, 404)
        );
        assert_eq!(
            outcome(&format!("GET /cb HTTP/1.1\r\n{host}")),
            (false, 400)
        );
        assert_eq!(
            outcome(&format!("POST /cb?code=abcd&state={s} HTTP/1.1\r\n{host}")),
            (false, 405)
        );
        assert_eq!(
            outcome(&format!(
                "GET /cb?code=abcd&state={s} HTTP/1.1\r\nHost: evil.example:3210"
            )),
            (false, 400)
        );
        assert_eq!(
            outcome(&format!("GET /cb?code=abcd&state={s} HTTP/1.1")),
            (false, 400)
        );
    }

    #[test]
    fn a_note_never_shows_the_query() {
        let e = expected();
        let (outcome, ..) = judge(
            "GET /other?code=s3cret-code&state=x HTTP/1.1\r\nHost: 127.0.0.1:3210",
            &e,
        );
        let Outcome::Ignored(note) = outcome else {
            panic!("taken as the redirect");
        };
        assert!(note.starts_with("GET /other was answered 404"), "{note}");
        assert!(!note.contains("s3cret"), "{note}");
    }
}
