//! A local fake of the Jetpack Start partner API, for tests and the demo.
//!
//! It serves plain HTTP on a loopback port, keeps its state in memory, and
//! validates requests the way the real service does, answering in the real
//! error shapes. `GET /_sandbox/stats` reports what it has seen.
//!
//! ```
//! use jetpack_partner::sandbox::Sandbox;
//! let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
//! assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
//! # Ok::<(), jetpack_partner::Error>(())
//! ```

mod oauth;
mod reply;
mod request;
mod routes;
mod state;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde_json::Value;

use crate::error::Error;
use reply::Reply;
use request::Incoming;
use state::{Partner, State};

/// Worker threads answering requests.
const WORKERS: usize = 8;

/// State shared by the worker threads.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    /// The state; a worker that panicked while holding it leaves it usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Configures a [`Sandbox`].
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    listen: String,
    partners: Vec<(String, Vec<u8>)>,
}

impl SandboxBuilder {
    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Adds a partner that may request tokens.
    pub fn partner(mut self, id: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.partners.push((id.into(), secret.as_ref().to_vec()));
        self
    }

    /// Binds the address and starts serving.
    pub fn start(self) -> Result<Sandbox, Error> {
        let server = tiny_http::Server::http(self.listen.as_str()).map_err(|e| {
            Error::io(
                format!("the sandbox cannot listen on {}", self.listen),
                std::io::Error::other(e.to_string()),
            )
        })?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| Error::InvalidInput(format!("{} is not an IP address", self.listen)))?;
        let shared = Arc::new(Shared::default());
        {
            let mut state = shared.lock();
            for (id, secret) in self.partners {
                state.partners.insert(id, Partner { secret });
            }
        }
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));
        let workers = (0..WORKERS)
            .map(|_| {
                let (server, shared, stopping) = (server.clone(), shared.clone(), stopping.clone());
                std::thread::spawn(move || serve(&server, &shared, &stopping))
            })
            .collect();
        Ok(Sandbox {
            base_url: format!("http://{addr}"),
            addr,
            server,
            shared,
            stopping,
            workers,
        })
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    base_url: String,
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    shared: Arc<Shared>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder: loopback, a free port, no partners.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            listen: "127.0.0.1:0".into(),
            partners: Vec::new(),
        }
    }

    /// `http://127.0.0.1:PORT`, to pass as the client's API base.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What `GET /_sandbox/stats` answers.
    pub fn stats(&self) -> Value {
        self.shared.lock().stats.to_json()
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        for worker in std::mem::take(&mut self.workers) {
            let _ = worker.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn serve(server: &tiny_http::Server, shared: &Shared, stopping: &AtomicBool) {
    while !stopping.load(Ordering::SeqCst) {
        if let Ok(rq) = server.recv() {
            answer(shared, rq);
        }
    }
}

fn answer(shared: &Shared, mut rq: tiny_http::Request) {
    let Ok(incoming) = Incoming::read(&mut rq) else {
        return;
    };
    let (endpoint, reply) = if incoming.path == "/_sandbox/stats" {
        (None, routes::stats(shared))
    } else {
        let (name, reply) = routes::dispatch(shared, &incoming);
        (Some(name), reply)
    };
    if let Some(endpoint) = endpoint {
        shared.lock().stats.record(&endpoint, reply.status);
    }
    respond(rq, &incoming, reply);
}

fn respond(rq: tiny_http::Request, incoming: &Incoming, reply: Reply) {
    let (status, body, headers) = reply.render(incoming);
    let mut response = tiny_http::Response::from_data(body).with_status_code(status);
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = rq.respond(response);
}

/// A random secret for a sandbox partner, e.g. for a demo.
pub fn random_secret() -> String {
    state::random_token()
}
