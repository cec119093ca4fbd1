//! A blocking client for the Jetpack Start partner API, with which hosting
//! companies provision Jetpack plans for their customers' WordPress sites.
//!
//! ```
//! # #[cfg(feature = "sandbox")] {
//! use jetpack_partner::{sandbox::Sandbox, Client, Credentials, Secret};
//!
//! // A local fake of the API; use the production default in real life.
//! let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
//!
//! let client = Client::builder().api_base(sandbox.base_url()).build()?;
//! let credentials = Credentials::new("1234", Secret::new("s3cret"));
//! let answer = client.request_token(&credentials)?;
//! assert_eq!(answer.scope, "jetpack-partner");
//! assert_eq!(format!("{:?}", answer.access_token), "AccessToken(***)");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every call returns `Result<T, jetpack_partner::Error>`; see [`Error`] for
//! what can go wrong and [`Error::code`] for stable names. Secrets live in
//! [`Secret`], which never prints. The library never prints either: pass a
//! closure to [`ClientBuilder::trace`] to watch the exchanges.
//!
//! With the `sandbox` feature (on by default), [`sandbox::Sandbox`] serves
//! a local fake of the API for tests and demonstrations.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod batch;
pub mod client;
pub mod error;
pub mod form;
mod random;
mod redact;
pub mod response;
pub mod retry;
mod session;
pub mod site;
pub mod token_cache;
pub mod trace;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use api::cancel::{Cancel, CancelAnswer, CancelOutcome};
pub use api::provision::{Provision, ProvisionAnswer};
pub use api::ssh::{FtpCredentials, SshCredentials};
pub use auth::{AccessToken, Credentials, Secret, TokenResponse};
pub use client::{Client, ClientBuilder};
pub use error::{ApiError, Error};
pub use redact::{Redactor, MIN_SECRET_LEN};
pub use response::RawAnswer;
pub use session::Session;
pub use site::SiteRef;
pub use token_cache::TokenCache;
pub use trace::TraceEvent;

/// The README's examples, compiled as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
