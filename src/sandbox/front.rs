//! The sandbox's public listener: a thin raw-TCP front (with TLS when
//! asked) before the inner `tiny_http` server, which listens on a private
//! loopback port.
//!
//! tiny_http owns its sockets: it cannot drop a connection without
//! answering, cut one after part of an answer, or keep one open without
//! tying up the thread that holds the request. So each client connection
//! is accepted here and forwarded, byte for byte, over its own connection
//! to the inner server. The front keeps a [`Link`] per connection, keyed
//! by the local address of that inner connection (which tiny_http reports
//! as the request's remote address), and a worker that injects a
//! connection-level fault takes the link over: from then on nothing the
//! inner server writes reaches the client, and the worker decides what
//! does (nothing, part of an answer, an answer a byte at a time) and when
//! the connection closes.
//!
//! What a client can make the front hold is bounded:
//!
//! - Connections: at most `max_connections` are served at once, each
//!   counted from its accepting until both its pumps end. A client past
//!   the limit is answered at once with 503, `Retry-After: 1` and a JSON
//!   error (`sandbox_overloaded`), and closed; so is one the front cannot
//!   open an inner connection for. A served connection holds two
//!   descriptors here (the client's socket and the inner connection) and
//!   two in the inner server, and two threads here and one there. The
//!   limit is lowered to fit the process's open-files limit where it can
//!   be read (Linux), since tiny_http's accepting thread ends for good the
//!   first time it runs out of descriptors.
//! - Request heads: each is held until it is complete, at most
//!   [`MAX_HEAD`] bytes; a longer one is answered with 431 and the
//!   connection closes. So are a declared body over the inner server's
//!   bound (413), a chunked body (411) and HTTP/2 (505); see `framing.rs`.
//!   Body bytes are forwarded as they come.
//!
//! Every answer the front gives by itself is counted by its error code in
//! the stats' `refused`. Inner connections are opened one at a time, so
//! that none is left waiting in tiny_http's pool (see `connect_inner`).

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection};

use super::framing::{Heads, Refusal, MAX_HEAD};
use super::stop::Stop;
use super::tls;

/// Descriptors a served connection holds: the client's socket and the
/// inner connection in the front, and the inner server's two handles on
/// its end.
const FDS_PER_CONNECTION: usize = 4;

/// Descriptors left for everything else in the process.
const FDS_SPARE: usize = 64;

/// TLS clients over the limit being answered at once: each needs a
/// handshake, on a thread of its own. A client past them is closed
/// without an answer.
const TLS_REFUSALS: usize = 16;

/// How long turning a TLS client away may take.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(2);

/// How long the inner server may take to serve a new connection.
const INNER_TIMEOUT: Duration = Duration::from_secs(5);

/// How long to wait for the inner server to close an empty connection
/// before trying another: the first wait, and the longest.
const EMPTY_WAIT: (Duration, Duration) = (Duration::from_millis(5), Duration::from_millis(100));

/// The public side: accepts clients and pairs each with an inner connection.
pub(crate) struct Front {
    inner: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    stop: Arc<Stop>,
    /// Local address of the inner connection -> its link.
    links: Mutex<HashMap<SocketAddr, Arc<Link>>>,
    /// Held while an inner connection is opened (see `connect_inner`).
    connecting: Mutex<()>,
    /// Most client connections served at once.
    max_connections: usize,
    /// Client connections served now.
    open: Arc<AtomicUsize>,
    /// TLS clients being turned away now.
    refusing: Arc<AtomicUsize>,
    /// The answers the front gave by itself, by error code.
    refused: Mutex<BTreeMap<&'static str, u64>>,
}

impl Front {
    /// Serves `listener`, forwarding to the server at `inner`, at most
    /// `max_connections` clients at once (see [`fit_to_open_files`]),
    /// until [`close`](Self::close). Returns the accepting thread.
    pub fn start(
        listener: TcpListener,
        inner: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
        stop: Arc<Stop>,
        max_connections: usize,
    ) -> (Arc<Front>, JoinHandle<()>) {
        let front = Arc::new(Front {
            inner,
            tls,
            stop,
            links: Mutex::new(HashMap::new()),
            connecting: Mutex::new(()),
            max_connections,
            open: Arc::default(),
            refusing: Arc::default(),
            refused: Mutex::default(),
        });
        let accepting = {
            let front = front.clone();
            thread::spawn(move || front.accept(&listener))
        };
        (front, accepting)
    }

    fn links(&self) -> MutexGuard<'_, HashMap<SocketAddr, Arc<Link>>> {
        self.links
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The link of the connection a request came in on, by the request's
    /// remote address as the inner server saw it.
    pub fn link(&self, inner_peer: SocketAddr) -> Option<Arc<Link>> {
        self.links().get(&inner_peer).cloned()
    }

    /// The answers the front gave by itself, by error code.
    pub fn refused(&self) -> BTreeMap<&'static str, u64> {
        self.refused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn count(&self, refusal: Refusal) {
        *self
            .refused
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(refusal.code())
            .or_default() += 1;
    }

    /// Stops accepting and drops every connection, hung ones included.
    /// The stop signal must be set first.
    pub fn close(&self, listening: SocketAddr) {
        // The accepting thread notices the stop on its next connection.
        let _ = TcpStream::connect_timeout(&reachable(listening), Duration::from_secs(1));
        for link in self.links().values() {
            link.drop_both();
        }
    }

    fn accept(self: &Arc<Self>, listener: &TcpListener) {
        for client in listener.incoming() {
            if self.stop.is_stopped() {
                return;
            }
            let Ok(client) = client else {
                // Out of file descriptors and the like: let it pass.
                thread::sleep(Duration::from_millis(10));
                continue;
            };
            let Some(place) = Place::take(&self.open, self.max_connections) else {
                self.turn_away(client);
                continue;
            };
            let front = self.clone();
            // Out of threads: the connection is dropped, not the sandbox.
            let _ = thread::Builder::new().spawn(move || front.forward(client, place));
        }
    }

    /// Answers a client over the limit with 503 and closes its connection,
    /// without holding up the accepting thread: a plain answer fits the
    /// new socket's buffer at once, and a TLS one, which needs a
    /// handshake, is given on a thread of its own.
    fn turn_away(self: &Arc<Self>, client: TcpStream) {
        self.count(Refusal::Overloaded);
        if self.tls.is_none() {
            return self.refuse(&client);
        }
        let Some(place) = Place::take(&self.refusing, TLS_REFUSALS) else {
            return;
        };
        let front = self.clone();
        let _ = thread::Builder::new().spawn(move || {
            front.refuse(&client);
            drop(place);
        });
    }

    /// Sends `client` the 503 of an overloaded sandbox and ends the
    /// connection.
    fn refuse(&self, client: &TcpStream) {
        let answer = Refusal::Overloaded.answer();
        let mut tcp = client;
        match &self.tls {
            None => {
                let _ = client.set_nonblocking(true);
                let _ = tcp.write_all(&answer);
            }
            Some(config) => {
                let _ = client.set_read_timeout(Some(REFUSAL_TIMEOUT));
                let _ = client.set_write_timeout(Some(REFUSAL_TIMEOUT));
                let _ = tls::answer_and_close(config, client, &answer);
                let _ = client.set_nonblocking(true);
            }
        }
        let _ = client.shutdown(Shutdown::Write);
        // Closing a socket with unread bytes resets the connection, and
        // the client may lose the answer: read what has already come.
        let mut buf = [0u8; 4096];
        for _ in 0..16 {
            if !matches!(tcp.read(&mut buf), Ok(n) if n > 0) {
                break;
            }
        }
    }

    /// Pumps one client connection both ways until either side ends it.
    fn forward(self: &Arc<Self>, client: TcpStream, place: Place) {
        let _ = client.set_nodelay(true);
        let Ok(inner) = self.connect_inner() else {
            // Out of descriptors, most likely: as good as overloaded.
            self.count(Refusal::Overloaded);
            return self.refuse(&client);
        };
        let Ok((link, inner_local)) = self.new_link(client, inner) else {
            return;
        };
        self.links().insert(inner_local, link.clone());
        if self.stop.is_stopped() {
            link.drop_both();
        }
        let answers = {
            let link = link.clone();
            thread::Builder::new().spawn(move || link.pump_answers())
        };
        match answers {
            Ok(answers) => {
                // Counted before its answer can go out, so that a client
                // that has the answer sees it in the stats.
                link.pump_requests(|refusal| self.count(refusal));
                let _ = answers.join();
            }
            Err(_) => link.drop_both(),
        }
        let mut links = self.links();
        if links
            .get(&inner_local)
            .is_some_and(|l| Arc::ptr_eq(l, &link))
        {
            links.remove(&inner_local);
        }
        drop(links);
        drop(place);
    }

    /// A new connection to the inner server, once a thread of the inner
    /// server has taken it.
    ///
    /// tiny_http hands each connection to a thread of its pool for as long
    /// as the connection stays open, and the pool can lose a wake-up: a
    /// connection handed over before the idle thread woken for the one
    /// before it has run waits in the pool's queue until a thread is free,
    /// which with keep-alive clients can be never. So connections are
    /// opened one at a time, each followed by an empty one, closed at once,
    /// that the inner server closes in turn when a thread has run it. The
    /// queue is first in, first out: by then the real one has a thread, and
    /// the next may be opened. (An empty connection that is itself left
    /// waiting is harmless; another is tried.)
    fn connect_inner(&self) -> io::Result<TcpStream> {
        let _one_at_a_time = self
            .connecting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let inner = TcpStream::connect(self.inner)?;
        let deadline = Instant::now() + INNER_TIMEOUT;
        let mut wait = EMPTY_WAIT.0;
        while Instant::now() < deadline {
            let empty = TcpStream::connect(self.inner)?;
            empty.shutdown(Shutdown::Write)?;
            empty.set_read_timeout(Some(wait))?;
            match (&empty).read(&mut [0u8; 16]) {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                _ => return Ok(inner),
            }
            wait = (wait * 2).min(EMPTY_WAIT.1);
        }
        Err(io::ErrorKind::TimedOut.into())
    }

    fn new_link(&self, client: TcpStream, inner: TcpStream) -> io::Result<(Arc<Link>, SocketAddr)> {
        let _ = inner.set_nodelay(true);
        let wire = match &self.tls {
            None => Wire::Plain,
            Some(config) => Wire::Tls(Box::new(tls::accept(config)?)),
        };
        let inner_local = inner.local_addr()?;
        let link = Link {
            out: Mutex::new(Out {
                wire,
                mode: Mode::Forward,
                refusal: None,
            }),
            client,
            inner,
        };
        Ok((Arc::new(link), inner_local))
    }
}

/// One of the places counted by a counter, given back when dropped.
struct Place(Arc<AtomicUsize>);

impl Place {
    /// A place, if fewer than `max` are taken.
    fn take(count: &Arc<AtomicUsize>, max: usize) -> Option<Place> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        Some(Place(count.clone()))
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `wanted`, lowered if need be so that as many connections fit the
/// process's open-files limit, where it can be read (Linux): tiny_http's
/// accepting thread ends for good the first time it runs out of
/// descriptors, and the inner server with it.
pub(crate) fn fit_to_open_files(wanted: usize) -> usize {
    match open_files_limit() {
        Some(limit) => wanted
            .min(limit.saturating_sub(FDS_SPARE) / FDS_PER_CONNECTION)
            .max(1),
        None => wanted,
    }
}

/// The soft limit on open files, from `/proc/self/limits`.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    limits.lines().find_map(|line| {
        line.strip_prefix("Max open files")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    })
}

/// Where to connect to reach a listener bound to `addr`.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        match addr {
            SocketAddr::V4(_) => addr.set_ip([127, 0, 0, 1].into()),
            SocketAddr::V6(_) => addr.set_ip(std::net::Ipv6Addr::LOCALHOST.into()),
        }
    }
    addr
}

/// One client connection and its inner twin.
pub(crate) struct Link {
    /// The way to the client, and who may use it.
    out: Mutex<Out>,
    /// The client's socket: read by the requests' pump, written to under
    /// the lock of `out`, shut down without waiting for it.
    client: TcpStream,
    /// The connection to the inner server.
    inner: TcpStream,
}

struct Out {
    wire: Wire,
    mode: Mode,
    /// The front refused a request: its answer goes after the inner
    /// server's last, then the connection closes.
    refusal: Option<Refusal>,
}

/// Who writes to the client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The inner server's answers, forwarded.
    Forward,
    /// A fault took the connection over and closes it when done; the
    /// inner server's output is dropped.
    TakenOver,
    /// A `hang` fault: nothing is written, and the connection stays open
    /// until the client leaves or the sandbox stops.
    Hung,
}

/// The client's side of the connection: plain, or TLS over it.
enum Wire {
    Plain,
    Tls(Box<ServerConnection>),
}

impl Wire {
    /// Plain text out of what was read from the client.
    fn receive(&mut self, tcp: &TcpStream, bytes: &[u8]) -> io::Result<tls::Received> {
        match self {
            Wire::Plain => Ok(tls::Received {
                plain: bytes.to_vec(),
                closed: false,
            }),
            Wire::Tls(conn) => tls::receive(conn, tcp, bytes),
        }
    }

    fn send(&mut self, tcp: &TcpStream, plain: &[u8]) -> io::Result<()> {
        match self {
            Wire::Plain => {
                let mut tcp = tcp;
                tcp.write_all(plain)
            }
            Wire::Tls(conn) => tls::send(conn, tcp, plain),
        }
    }

    /// No more answers: the client sees the end of the stream.
    fn finish(&mut self, tcp: &TcpStream) {
        match self {
            Wire::Plain => {
                let _ = tcp.shutdown(Shutdown::Write);
            }
            Wire::Tls(conn) => tls::finish(conn, tcp),
        }
    }
}

impl Link {
    fn out(&self) -> MutexGuard<'_, Out> {
        self.out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Client -> inner server, until the client stops sending or a request
    /// is refused (see [`Heads`]); `refused` is told of the refusal before
    /// its answer is queued. Once a fault has
    /// taken the connection over, what the client sends is read and
    /// dropped, so that its leaving is noticed.
    fn pump_requests(&self, refused: impl FnOnce(Refusal)) {
        let (mut from, mut to) = (&self.client, &self.inner);
        let mut heads = Heads::new(MAX_HEAD);
        let mut buf = vec![0u8; 16 * 1024];
        let mut forward = Vec::new();
        let mut refused = Some(refused);
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let (received, mode) = {
                let mut out = self.out();
                (out.wire.receive(&self.client, &buf[..n]), out.mode)
            };
            let Ok(received) = received else {
                // A failed handshake: nothing more will make sense.
                let _ = self.client.shutdown(Shutdown::Both);
                break;
            };
            if received.closed {
                break;
            }
            if mode != Mode::Forward {
                continue;
            }
            forward.clear();
            let framed = heads.feed(&received.plain, &mut forward);
            if to.write_all(&forward).is_err() && self.out().mode == Mode::Forward {
                break;
            }
            if let Err(refusal) = framed {
                // Answered once the inner server has answered what came
                // before, and closed: it sees the end of the requests.
                let mut out = self.out();
                if out.mode == Mode::Forward {
                    if let Some(tell) = refused.take() {
                        tell(refusal);
                    }
                    out.refusal = Some(refusal);
                }
                break;
            }
        }
        let _ = self.inner.shutdown(Shutdown::Write);
    }

    /// Inner server -> client, unless a fault took the connection over;
    /// then the front's refusal, if any.
    fn pump_answers(&self) {
        let mut from = &self.inner;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut out = self.out();
            if out.mode == Mode::Forward && out.wire.send(&self.client, &buf[..n]).is_err() {
                break;
            }
        }
        let mut out = self.out();
        if out.mode == Mode::Forward {
            if let Some(refusal) = out.refusal.take() {
                let _ = out.wire.send(&self.client, &refusal.answer());
            }
            out.wire.finish(&self.client);
        }
    }

    /// Shuts down both connections; every pump and writer stops.
    fn drop_both(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.inner.shutdown(Shutdown::Both);
    }

    /// Takes the connection over from the inner server, and lets go of
    /// the inner connection: tiny_http gives each open connection a thread
    /// of its own, which a long fault must not hold.
    fn take_over(&self, mode: Mode) -> MutexGuard<'_, Out> {
        let mut out = self.out();
        out.mode = mode;
        let _ = self.inner.shutdown(Shutdown::Both);
        out
    }

    /// `reset`: the connection closes with nothing sent.
    pub fn reset(&self) {
        // Shut down first: a pump blocked on a write gives the lock back.
        let _ = self.client.shutdown(Shutdown::Both);
        drop(self.take_over(Mode::TakenOver));
    }

    /// `hang`: nothing is ever sent; the connection stays open until the
    /// client gives up or the sandbox stops.
    pub fn hang(&self) {
        drop(self.take_over(Mode::Hung));
    }

    /// `truncate`: sends `bytes`, then closes the connection.
    pub fn send_and_close(&self, bytes: &[u8]) {
        let mut out = self.take_over(Mode::TakenOver);
        let _ = out.wire.send(&self.client, bytes);
        drop(out);
        let _ = self.client.shutdown(Shutdown::Both);
    }

    /// `slow`: sends `head` at once, then `body` one byte every `every`
    /// on a thread of its own, then closes the connection. The lock is
    /// not held between bytes, and a stop cuts the trickle short.
    pub fn trickle(
        self: Arc<Self>,
        head: Vec<u8>,
        body: Vec<u8>,
        every: Duration,
        stop: Arc<Stop>,
    ) {
        drop(self.take_over(Mode::TakenOver));
        let link = self.clone();
        let trickling = thread::Builder::new().spawn(move || {
            let mut sent = link.send(&head).is_ok();
            for byte in body {
                if !sent || !stop.sleep(every) {
                    break;
                }
                sent = link.send(&[byte]).is_ok();
            }
            if sent {
                link.out().wire.finish(&link.client);
            }
            let _ = link.client.shutdown(Shutdown::Both);
        });
        if trickling.is_err() {
            let _ = self.client.shutdown(Shutdown::Both);
        }
    }

    /// Sends `bytes` to the client, under the lock.
    fn send(&self, bytes: &[u8]) -> io::Result<()> {
        self.out().wire.send(&self.client, bytes)
    }
}
