//! A partner's session: a client, the way to get a token, and the token.
//!
//! The token is asked for once and kept: in memory, and on disk when a
//! [`TokenCache`] is given. When the API answers that the token is invalid
//! or revoked, the session drops it (from the cache too), asks for a new one
//! and repeats the call once.

use std::sync::{Mutex, PoisonError};

use crate::auth::{AccessToken, Credentials};
use crate::client::Client;
use crate::error::Error;
use crate::token_cache::TokenCache;

/// A client plus the partner's token, shared by every call (and thread).
///
/// ```
/// # #[cfg(feature = "sandbox")] {
/// use jetpack_partner::{sandbox::Sandbox, Client, Credentials, Secret, Session, SiteRef};
/// let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
/// let client = Client::builder().api_base(sandbox.base_url()).build()?;
/// let session = Session::new(client, Credentials::new("1234", Secret::new("s3cret")));
/// let paths = session.call(|client, token| client.errors(token, false))?;
/// assert!(paths.errors.contains_key("invalid_plan"));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Session {
    client: Client,
    credentials: Option<Credentials>,
    cache: Option<TokenCache>,
    token: Mutex<Option<AccessToken>>,
}

/// Where the token of a call came from.
#[derive(PartialEq)]
enum Origin {
    Kept,
    Fresh,
    Given,
}

impl Session {
    /// A session that requests a token with these credentials when needed.
    pub fn new(client: Client, credentials: Credentials) -> Self {
        Session {
            client,
            credentials: Some(credentials),
            cache: None,
            token: Mutex::new(None),
        }
    }

    /// A session with a token obtained elsewhere; it is never replaced.
    pub fn with_access_token(client: Client, token: AccessToken) -> Self {
        Session {
            client,
            credentials: None,
            cache: None,
            token: Mutex::new(Some(token)),
        }
    }

    /// Keeps the token in `cache` across runs. A cache that cannot be read
    /// or written is reported as a [`TraceEvent::Note`](crate::TraceEvent)
    /// and otherwise ignored.
    pub fn token_cache(mut self, cache: TokenCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Requests a new token now, whatever is kept or cached, and keeps and
    /// caches it. For a caller that wants the whole answer.
    pub fn request_new_token(&self) -> Result<crate::auth::TokenResponse, Error> {
        let Some(credentials) = &self.credentials else {
            return Err(Error::InvalidInput(
                "a new token needs the partner's credentials".into(),
            ));
        };
        let answer = self.client.request_token(credentials)?;
        self.keep(credentials, &answer.access_token);
        Ok(answer)
    }

    /// The token: kept, cached, or requested now.
    pub fn access_token(&self) -> Result<AccessToken, Error> {
        self.token_with_origin().map(|(token, _)| token)
    }

    /// Runs `call` with the token. If the API refuses the token as invalid
    /// and a new one can be had, forgets it, gets a new one, and runs `call`
    /// once more.
    pub fn call<T>(
        &self,
        call: impl Fn(&Client, &AccessToken) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (token, origin) = self.token_with_origin()?;
        match call(&self.client, &token) {
            Err(e) if is_token_refused(&e) && origin == Origin::Kept => {
                self.forget(&token);
                let (fresh, _) = self.token_with_origin()?;
                call(&self.client, &fresh)
            }
            other => other,
        }
    }

    fn token_with_origin(&self) -> Result<(AccessToken, Origin), Error> {
        let mut kept = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = kept.as_ref() {
            let origin = if self.credentials.is_some() {
                Origin::Kept
            } else {
                Origin::Given
            };
            return Ok((token.clone(), origin));
        }
        let Some(credentials) = &self.credentials else {
            return Err(Error::InvalidInput(
                "the session has no token and no credentials".into(),
            ));
        };
        let api_base = self.client.api_base();
        if let Some(cache) = &self.cache {
            match cache.load(api_base, credentials) {
                Ok(Some(token)) => {
                    *kept = Some(token.clone());
                    return Ok((token, Origin::Kept));
                }
                Ok(None) => {}
                Err(e) => self.client.note(format!("token cache not used: {e}")),
            }
        }
        // The lock is held while the token is requested: threads that need
        // it meanwhile wait for this one instead of asking again.
        let token = self.client.request_token(credentials)?.access_token;
        self.cache_store(credentials, &token);
        *kept = Some(token.clone());
        Ok((token, Origin::Fresh))
    }

    fn keep(&self, credentials: &Credentials, token: &AccessToken) {
        self.cache_store(credentials, token);
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
    }

    fn cache_store(&self, credentials: &Credentials, token: &AccessToken) {
        if let Some(cache) = &self.cache {
            if let Err(e) = cache.store(self.client.api_base(), credentials, token) {
                self.client.note(format!("token not cached: {e}"));
            }
        }
    }

    fn forget(&self, refused: &AccessToken) {
        let mut kept = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.as_ref() == Some(refused) {
            *kept = None;
        }
        if let (Some(cache), Some(credentials)) = (&self.cache, &self.credentials) {
            if let Err(e) = cache.remove(self.client.api_base(), credentials) {
                self.client
                    .note(format!("refused token not removed from the cache: {e}"));
            }
        }
    }
}

/// The API's ways of saying a token is no good (section 1 of the reference).
fn is_token_refused(e: &Error) -> bool {
    matches!(e, Error::Api(api)
        if matches!(api.status, 400 | 401 | 403)
            && matches!(api.code.as_str(), "invalid_token" | "unauthorized" | "token_revoked" | "expired_token"))
}
