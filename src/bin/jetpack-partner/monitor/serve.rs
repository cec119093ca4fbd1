//! The server: accepts connections up to a bound, handles each on a
//! thread of its own, and stops after the requests in progress when told.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jetpack_partner::monitor::{
    Answer, HookOutcome, Journal, Notification, Record, Token, MAX_BODY,
};
use jetpack_partner::UtcTime;

use super::hook::Hook;
use super::http::{Conn, Head, Refusal};
use crate::output::Output;

/// How long the accept loop sleeps when no one is connecting, before it
/// looks at the stop flag again.
const IDLE: Duration = Duration::from_millis(25);

/// What the server runs with.
pub struct Server {
    pub journal: Mutex<Journal>,
    pub token: Option<Token>,
    pub hook: Option<Hook>,
    pub quiet_until: Option<UtcTime>,
    pub read_timeout: Duration,
    pub max_connections: usize,
    pub log: Log,
    /// Set by SIGTERM or SIGINT.
    pub stop: Arc<AtomicBool>,
    /// Connections being handled.
    pub active: AtomicUsize,
}

/// The lines on stderr: one per notification and per refused request
/// (none with `--quiet`), one per problem (always), and with `-v` the
/// hook's outcome and connections that sent nothing.
pub struct Log {
    pub out: Output,
    pub quiet: bool,
    pub verbose: bool,
}

impl Log {
    /// A line about a request, unless `--quiet`.
    pub fn event(&self, text: &str) {
        self.line(!self.quiet, text);
    }

    /// A problem a person should see, even with `--quiet`.
    pub fn problem(&self, text: &str) {
        self.line(true, text);
    }

    /// A detail for `-v`.
    pub fn detail(&self, text: &str) {
        self.line(self.verbose, text);
    }

    fn line(&self, shown: bool, text: &str) {
        if shown {
            self.out
                .note(&format!("monitor: {} {text}", UtcTime::now().zulu()));
        }
    }
}

/// Takes one connection off the count when its handler ends.
struct Active<'a>(&'a AtomicUsize);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Server {
    /// Serves until the stop flag is set, then waits for the connections
    /// in progress (each ends by itself: reads give up when the server
    /// stops, a hook is killed at its bound).
    pub fn serve(self: Arc<Server>, listener: TcpListener) -> std::io::Result<()> {
        listener.set_nonblocking(true)?;
        let mut accept_failed = false;
        while !self.stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, peer)) => {
                    accept_failed = false;
                    self.start(stream, peer);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(IDLE),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Out of file descriptors, say: said once, then waited out.
                    if !accept_failed {
                        self.log
                            .problem(&format!("cannot accept a connection: {e}"));
                    }
                    accept_failed = true;
                    std::thread::sleep(IDLE);
                }
            }
        }
        drop(listener);
        let waiting = self.active.load(Ordering::SeqCst);
        if waiting > 0 {
            self.log.event(&format!(
                "stopping: finishing {waiting} request(s) in progress"
            ));
        }
        while self.active.load(Ordering::SeqCst) > 0 {
            std::thread::sleep(IDLE);
        }
        self.log.event("stopped");
        Ok(())
    }

    /// Hands a connection to a thread of its own, or refuses it at once
    /// when the server has its fill.
    fn start(self: &Arc<Server>, stream: TcpStream, peer: SocketAddr) {
        if stream.set_nonblocking(false).is_err() {
            return;
        }
        if self.active.load(Ordering::SeqCst) >= self.max_connections {
            self.log.event(&format!(
                "refused 503 from {peer}: {} connections are being served already",
                self.max_connections
            ));
            busy(stream);
            return;
        }
        self.active.fetch_add(1, Ordering::SeqCst);
        let server = Arc::clone(self);
        let spawned = std::thread::Builder::new().spawn(move || {
            let _active = Active(&server.active);
            server.handle(stream, peer);
        });
        if let Err(e) = spawned {
            self.active.fetch_sub(1, Ordering::SeqCst);
            self.log
                .problem(&format!("cannot start a thread for {peer}: {e}"));
        }
    }

    fn handle(&self, stream: TcpStream, peer: SocketAddr) {
        let received = UtcTime::now();
        let mut conn = Conn::new(stream, self.read_timeout, &self.stop);
        match self.request(&mut conn, peer, received) {
            Ok(answer) => conn.answer(200, &answer, ""),
            Err(refusal) if refusal.status == 0 => {
                self.log.detail(&format!("from {peer}: {}", refusal.reason));
            }
            Err(refusal) => {
                self.log.event(&format!(
                    "refused {} from {peer}: {}",
                    refusal.status, refusal.reason
                ));
                let body = format!("{}\n", refusal.reason);
                conn.answer(refusal.status, &body, refusal.header);
            }
        }
    }

    /// Reads, checks, hands to the hook and records one notification; the
    /// answer's body, or why the request is refused.
    fn request(
        &self,
        conn: &mut Conn,
        peer: SocketAddr,
        received: UtcTime,
    ) -> Result<String, Refusal> {
        let head = conn.head()?;
        let length = self.admit(&head)?;
        let body = conn.body(length)?;
        let notification =
            Notification::parse(&body).map_err(|e| Refusal::said(400, e.to_string().into()))?;
        let ran = self
            .hook
            .as_ref()
            .map(|hook| hook.run(notification.to_json() + "\n"));
        if let Some(ran) = &ran {
            let line = format!("hook for {}: {}", notification.url, ran.detail);
            match ran.outcome {
                HookOutcome::Time | HookOutcome::NoTime => self.log.detail(&line),
                _ => self.log.problem(&line),
            }
        }
        let hook_time = ran.as_ref().and_then(|r| r.time);
        let answer = Answer::choose(&notification, hook_time, self.quiet_until, UtcTime::now());
        let record = Record {
            received: received.zulu().to_string(),
            remote: peer.to_string(),
            forwarded_for: head.forwarded_for,
            notification: &notification,
            down: notification.is_down(),
            hook: ran.map(|r| r.outcome),
            answer: answer.body(),
        };
        let recorded = self
            .journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(&record);
        if let Err(e) = recorded {
            self.log.problem(&format!(
                "a notification for {} could not be recorded, so it was answered 503 for \
                 Monitor to send it again: {e}",
                notification.url
            ));
            return Err(Refusal::new(503, "the notification could not be recorded")
                .with("Retry-After: 60\r\n"));
        }
        self.log.event(&format!(
            "notification from {peer}: code={} url={} host={} answer={}",
            notification.code,
            notification.url,
            notification.host.as_deref().unwrap_or("-"),
            record.answer
        ));
        Ok(record.answer)
    }

    /// What a request head must be for its body to be read: the body's
    /// length. (A client that sends `Expect: 100-continue` gets no 100
    /// Continue; it sends its body after its own short wait.)
    fn admit(&self, head: &Head) -> Result<usize, Refusal> {
        if head.method != "POST" {
            return Err(Refusal::new(405, "only POST is served").with("Allow: POST\r\n"));
        }
        if !head.target.starts_with('/') {
            return Err(Refusal::new(400, "the request target is not a path"));
        }
        if let Some(token) = &self.token {
            if !token.admits(&head.target, head.authorization.as_deref()) {
                return Err(
                    Refusal::new(401, "no valid token").with("WWW-Authenticate: Bearer\r\n")
                );
            }
        }
        if head.transfer_encoding {
            return Err(Refusal::new(
                411,
                "send the body with a Content-Length, not chunked",
            ));
        }
        if head.bad_length {
            return Err(Refusal::new(400, "the Content-Length is not one number"));
        }
        let Some(length) = head.content_length else {
            return Err(Refusal::new(411, "a Content-Length is required"));
        };
        if length > MAX_BODY {
            return Err(Refusal::new(413, "the body is over 16 KiB"));
        }
        Ok(length)
    }
}

/// The answer to a connection past the bound: 503 at once, without
/// reading the request.
fn busy(mut stream: TcpStream) {
    let body = "too many connections; send it again\n";
    super::http::send(&mut stream, 503, body, "Retry-After: 1\r\n");
}
