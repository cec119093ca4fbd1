//! A blocking client for the Jetpack Start partner API, with which hosting
//! companies provision Jetpack plans for their customers' WordPress sites.
//!
//! ```
//! # #[cfg(feature = "sandbox")] {
//! use jetpack_partner::{sandbox::Sandbox, Client, Credentials, Provision, Secret, Session};
//!
//! // A local fake of the API; use the production default in real life.
//! let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
//!
//! let client = Client::builder().api_base(sandbox.base_url()).build()?;
//! let session = Session::new(client, Credentials::new("1234", Secret::new("s3cret")));
//! let answer = session.send(&Provision::new("admin", "https://example.com", "personal"))?;
//! assert!(answer.next_url.starts_with("https://"));
//! assert_eq!(format!("{:?}", session.access_token()?), "AccessToken(***)");
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every request is a value that implements [`Endpoint`] ([`Provision`],
//! [`Cancel`], [`Status`], …); a [`Session`] sends it with the partner's
//! token through one [`Client`]. Every call returns
//! `Result<T, jetpack_partner::Error>`; see [`Error`] for what can go wrong
//! and [`ApiErrorCode`] for the API's refusals. Secrets live in [`Secret`],
//! which never prints. The library never prints either: pass a closure to
//! [`ClientBuilder::trace`] to watch the exchanges.
//!
//! Scan actions and partner reporting take the token of the partner's
//! WordPress.com user instead of the partner's: [`Authorize`] builds the
//! address the user opens and reads the redirect that comes back (a
//! [`RedirectListener`] receives it on this machine), and
//! [`AuthorizationCodeGrant`] exchanges its code for the token, which
//! [`Session::user_token`] then sends and [`TokenCache::store_user`] keeps.
//!
//! [`monitor`] reads Jetpack Monitor's downtime notifications (the one
//! call the service makes to the host) and chooses their answers, without
//! a server of its own.
//!
//! With the `sandbox` feature (on by default), [`sandbox::Sandbox`] serves
//! a local fake of the API for tests and demonstrations.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod auth;
pub mod batch;
mod blog;
mod client;
mod diagnose;
mod endpoint;
mod error;
mod fetch;
mod form;
mod lenient;
pub mod monitor;
mod output_file;
mod random;
pub mod reconcile;
mod redact;
mod redirect;
mod resolve;
mod response;
mod retry;
mod secret_file;
mod session;
mod site;
mod time;
mod token_cache;
mod trace;
mod wait;

#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use api::activation_counts::{
    ActivationCount, ActivationCounts, ActivationCountsAnswer, Scale,
};
pub use api::activations::{Activations, ActivationsAnswer, SiteActivation, MAX_PER_PAGE};
pub use api::activity::{
    latest_restore_point, Activity, ActivityCounts, ActivityCountsAnswer, ActivityList,
    ActivityListAnswer, ActivityPage, ActivityShow, GroupCount, MAX_ACTIVITY_NUMBER,
};
pub use api::authorization_code::{AuthorizationCodeGrant, UserTokenAnswer};
pub use api::authorize::{Authorize, DEFAULT_REDIRECT_URI, USER_SCOPE};
pub use api::backups::{Backup, BackupList, BackupListAnswer, BackupStatus};
pub use api::cancel::{Cancel, CancelAnswer, CancelOutcome};
pub use api::downloads::{
    DownloadAnswer, DownloadList, DownloadListAnswer, DownloadStatus, DownloadUrl, NewDownload,
};
pub use api::errors::{ErrorCatalogue, ErrorCatalogueAnswer, ErrorInfo};
pub use api::invoices::{Invoice, InvoiceLine, Invoices, InvoicesAnswer};
pub use api::magic_link::{MagicLink, MagicLinkAnswer, MAGIC_LINKS_PER_HOUR};
pub use api::partner_keys::{NewPartnerKey, PartnerKeyAnswer};
pub use api::partner_redirect::{PartnerRedirect, RedirectOutcome};
pub use api::provision::{Provision, ProvisionAnswer};
pub use api::restores::{
    Restore, RestoreAnswer, RestoreRole, RestoreState, RestoreStatus, RestoreStatusAnswer,
    RESTORE_FAILURES,
};
pub use api::rewind::{BackupPart, BackupParts, RewindId};
pub use api::scan::{
    EnqueueScan, EnqueueScanAnswer, Fixer, MostRecentScan, ScanAnswer, ScanCredential, ScanStatus,
    ScannerState, Severity, Threat, ThreatExtension, ThreatId, ThreatStatus,
};
pub use api::site_lookup::{SiteLookup, SiteLookupAnswer};
pub use api::ssh::{FtpCredentials, SetSshCredentials, SshCredentials, SshCredentialsAnswer};
pub use api::status::{Blog, Product, Status, StatusAnswer, StatusV13, StatusV13Answer};
pub use api::threats::{
    Alerts, AlertsAnswer, FixFailure, FixProgress, FixStatus, FixStatusAnswer, FixThreat,
    FixThreats, FixerState, IgnoreThreat, ThreatFix, THREAT_FIX,
};
pub use api::token::{TokenAnswer, TokenGrant};
pub use api::upcoming_invoice::{UpcomingInvoice, UpcomingInvoiceAnswer};
pub use api::upgrade_paths::{UpgradePaths, UpgradePathsAnswer};
pub use api::user::{NewUser, NewUserAnswer, ProductType, LANGUAGES};
pub use auth::{AccessToken, Credentials, Secret, WpcomApp};
pub use blog::BlogId;
pub use client::{Client, ClientBuilder, DEFAULT_API_BASE, DEFAULT_TIMEOUT};
pub use diagnose::{Bypass, Probe, ProxyInfo, Route, NO_PROXY_VARIABLES, PROXY_VARIABLES};
pub use endpoint::{Body, Endpoint, Method, Repeat, Token};
pub use error::{
    ApiError, ApiErrorCode, Ended, Error, StillRunning, Transport, TransportKind, Unavailable,
    UnexpectedResponse,
};
pub use fetch::{ArchiveFile, FetchProgress, Fetched};
pub use form::{Encoded, Form};
pub use lenient::{parse_bool, Extra};
pub use redact::{Redactor, MIN_SECRET_LEN};
pub use redirect::RedirectListener;
pub use response::{RawAnswer, Reply, MAX_BODY};
pub use retry::DEFAULT_RETRIES;
pub use secret_file::SecretFile;
pub use session::Session;
pub use site::SiteRef;
pub use time::UtcTime;
pub use token_cache::{CacheDir, CachedUserToken, TokenCache};
pub use trace::TraceEvent;
pub use wait::{Look, Progress, Wait, DEFAULT_WAIT_INTERVAL, DEFAULT_WAIT_TIMEOUT};

/// Internals the fuzz targets exercise; not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::error::{excerpt, EXCERPT_CHARS};
}

/// The README's examples, compiled as doc tests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
