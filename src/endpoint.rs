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
    /// Sends a `multipart/form-data` body.
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

    /// Whether the request carries the partner's bearer token (all but the
    /// token grant do).
    const NEEDS_TOKEN: bool = true;

    /// The path and query, relative to the API base. Checks what goes into
    /// it; an error means nothing is sent.
    fn path(&self) -> Result<String, Error>;

    /// The form a `POST` sends (`GET` sends none). Checks every field; an
    /// error means nothing is sent.
    fn form(&self) -> Result<Form, Error> {
        Ok(Form::new())
    }

    /// Reads a successful answer (an HTTP error has already become an
    /// [`Error`]; a `"success": false` is for the endpoint to judge, see
    /// [`Reply::typed`]).
    fn decode(&self, reply: Reply) -> Result<Self::Answer, Error>;

    /// Checks the request as sending it would, without sending it.
    fn validate(&self) -> Result<(), Error> {
        self.path()?;
        if Self::METHOD == Method::Post {
            self.form()?;
        }
        Ok(())
    }
}
