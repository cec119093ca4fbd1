//! What an endpoint is: a request that knows where it goes, what it sends,
//! whether sending it twice is safe, and how to read its answer.
//!
//! Every call goes through one path, [`Client::send`](crate::Client::send)
//! (or [`Session::send`](crate::Session::send), which adds the token): the
//! budget, the retries, the size limits, the masking of secrets and the
//! trace are the same for every endpoint. An endpoint only says what is
//! its own, so building a request and reading an answer can be tested
//! without a server:
//!
//! ```
//! use jetpack_partner::{Endpoint, Reply, Status, SiteRef};
//! let request = Status::new(SiteRef::parse("example.com/blog")?);
//! assert_eq!(request.path()?, "/rest/v1.4/jpphp/example.com::blog/status");
//! let reply = Reply::decode(200, None, br#"{"blog":{"is_connected":true},"products":[]}"#)?;
//! assert!(request.decode(reply)?.blog.is_connected);
//! # Ok::<(), jetpack_partner::Error>(())
//! ```

use crate::error::Error;
use crate::form::Form;
use crate::response::Reply;

/// The HTTP method of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads; has no body.
    Get,
    /// Sends a body: a `multipart/form-data` form, JSON, or nothing (see
    /// [`Body`]).
    Post,
}

impl Method {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What sending a request twice does, which decides when it is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// The same as sending it once: retried after any temporary failure
    /// (a connection broken before the answer, a time-out, 429, 502, 503,
    /// 504).
    Safe,
    /// The work twice (a second partner key): retried only when the request
    /// surely never reached the service (a connection refused, 429, 503).
    Once,
}

/// Which bearer token a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    /// None: the token grant, and the public endpoints (the error
    /// catalogue, the public site lookup).
    None,
    /// The partner's token (client credentials, scope `jetpack-partner`):
    /// every Jetpack Start endpoint, backups, restores, activity.
    Partner,
    /// A token a WordPress.com user approved (the authorization-code flow,
    /// scope `global`): scan actions and partner reporting.
    User,
}

/// What a `POST` sends. Its `Debug` names the kind only: a form may hold
/// secrets.
pub enum Body {
    /// Nothing (`Content-Length: 0`): the request says it all in its path.
    Empty,
    /// A `multipart/form-data` form, as every Jetpack Start endpoint takes.
    Form(Form),
    /// A JSON document (`application/json`), for the `wpcom/v2` endpoints
    /// whose parameters are arrays or objects.
    Json(serde_json::Value),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Body::Empty => "Body::Empty",
            Body::Form(_) => "Body::Form(..)",
            Body::Json(_) => "Body::Json(..)",
        })
    }
}

/// A request to the API. Implemented by every request type of this crate
/// ([`Provision`](crate::Provision), [`Status`](crate::Status), …); send one
/// with [`Session::send`](crate::Session::send).
pub trait Endpoint {
    /// What a successful answer is read into.
    type Answer;

    /// The HTTP method.
    const METHOD: Method;

    /// Whether a repeat is safe (default: it is).
    const REPEAT: Repeat = Repeat::Safe;

    /// Which bearer token the request carries (default: the partner's).
    const TOKEN: Token = Token::Partner;

    /// The path and query, relative to the API base. Checks what goes into
    /// it; an error means nothing is sent.
    fn path(&self) -> Result<String, Error>;

    /// The form a `POST` sends, for an endpoint whose [`body`](Self::body)
    /// is a form (the default). Checks every field; an error means nothing
    /// is sent.
    fn form(&self) -> Result<Form, Error> {
        Ok(Form::new())
    }

    /// What a `POST` sends (`GET` sends nothing): by default the
    /// [`form`](Self::form). Checks every field; an error means nothing is
    /// sent.
    fn body(&self) -> Result<Body, Error> {
        self.form().map(Body::Form)
    }

    /// Reads a successful answer (an HTTP error has already become an
    /// [`Error`]; a `"success": false` is for the endpoint to judge, see
    /// [`Reply::refusal`] and [`Reply::into_typed`]).
    fn decode(&self, reply: Reply) -> Result<Self::Answer, Error>;

    /// Checks the request as sending it would, without sending it.
    fn validate(&self) -> Result<(), Error> {
        self.path()?;
        if Self::METHOD == Method::Post {
            self.body()?;
        }
        Ok(())
    }
}
