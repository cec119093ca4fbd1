//! A local fake of the Jetpack Start partner API, for tests and the demo.
//!
//! It serves plain HTTP on a loopback port, keeps its state in memory (and,
//! if asked, in a file), and validates requests the way the real service
//! does, answering in the real error shapes. `GET /_sandbox/stats` reports
//! what it has seen.
//!
//! Sites under a few reserved test domains meet the failures the
//! documentation describes: `*.nojetpack.test` (Jetpack not active),
//! `*.badstate.test` (needs `force_register`), `*.pending.test` (not
//! reachable: the activation stays pending) and `*.undeletable.test`
//! (cancelling fails).
//!
//! ```
//! use jetpack_partner::sandbox::Sandbox;
//! let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
//! assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
//! # Ok::<(), jetpack_partner::Error>(())
//! ```

mod bearer;
mod cancel;
mod catalogue;
mod errors;
mod oauth;
mod partner_keys;
mod persist;
mod provision;
mod reply;
mod request;
mod routes;
mod sites;
mod ssh_credentials;
mod state;
mod status;
mod upgrade_paths;

use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// Where the state is kept between runs, if anywhere.
    state_file: Option<PathBuf>,
}

impl Shared {
    /// The state; a worker that panicked while holding it leaves it usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes the state file if a request changed the state. The lock is
    /// held while writing, so the file follows the order of the changes.
    fn persist(&self) -> std::io::Result<()> {
        let mut state = self.lock();
        if !state.dirty {
            return Ok(());
        }
        if let Some(path) = &self.state_file {
            persist::save(path, &state)?;
        }
        state.dirty = false;
        Ok(())
    }
}

/// Configures a [`Sandbox`].
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    listen: String,
    /// (client ID, secret, disabled)
    partners: Vec<(String, Vec<u8>, bool)>,
    state_file: Option<PathBuf>,
}

impl SandboxBuilder {
    /// Address to listen on; default `127.0.0.1:0` (a free port).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Adds a partner that may request tokens and use the partner
    /// endpoints. It replaces a partner of the same ID from the state file.
    pub fn partner(mut self, id: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.partners
            .push((id.into(), secret.as_ref().to_vec(), false));
        self
    }

    /// Adds a partner whose key is disabled: it still gets tokens, but every
    /// partner endpoint answers `partner_key_disabled`.
    pub fn disabled_partner(mut self, id: impl Into<String>, secret: impl AsRef<[u8]>) -> Self {
        self.partners
            .push((id.into(), secret.as_ref().to_vec(), true));
        self
    }

    /// Keeps the state (partner keys made through the API, tokens, sites
    /// and what they hold, blog IDs) in `path`: loaded at start if the file
    /// exists, rewritten after every change. A corrupt file makes
    /// [`start`](Self::start) fail.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// The starting state: the file's, then the partners given here on top.
    fn initial_state(&self) -> Result<State, Error> {
        let mut state = match &self.state_file {
            Some(path) => persist::load(path)?.unwrap_or_default(),
            None => State::default(),
        };
        for (id, secret, disabled) in &self.partners {
            let partner = Partner {
                secret: secret.clone(),
                disabled: *disabled,
                sub_key: None,
            };
            state.partners.insert(id.clone(), partner);
        }
        Ok(state)
    }

    /// Loads the state file, if any, binds the address and starts serving.
    pub fn start(self) -> Result<Sandbox, Error> {
        let state = self.initial_state()?;
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
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            state_file: self.state_file,
        });
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
            state_file: None,
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
    let (endpoint, mut reply) = if incoming.path == "/_sandbox/stats" {
        (None, routes::stats(shared))
    } else {
        let (name, reply) = routes::dispatch(shared, &incoming);
        (Some(name), reply)
    };
    if let Err(e) = shared.persist() {
        // The change is made in memory but would be lost: say so rather
        // than pretend it is kept.
        reply = Reply::rest_error(
            500,
            "state_not_saved",
            &format!("The sandbox could not write its state file: {e}"),
        );
    }
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
