//! A partner's session: a client, the way to get a token, and the token.
//!
//! The token is asked for once and kept: in memory, and on disk when a
//! [`TokenCache`] is given. When the API answers that the token is invalid
//! or revoked, the session drops it (from the cache too), asks for a new one
//! and sends the request once more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::api::site_lookup::SiteLookup;
use crate::api::token::{TokenAnswer, TokenGrant};
use crate::auth::{AccessToken, Credentials};
use crate::blog::BlogId;
use crate::client::{prepare_request, Client, Prepare};
use crate::endpoint::{Endpoint, Repeat, Token};
use crate::error::Error;
use crate::response::Reply;
use crate::site::SiteRef;
use crate::token_cache::TokenCache;

/// A client plus the partner's token, shared by every call (and thread).
///
/// ```
/// # #[cfg(feature = "sandbox")] {
/// use jetpack_partner::{sandbox::Sandbox, Client, Credentials, ErrorCatalogue, Secret, Session};
/// let sandbox = Sandbox::builder().partner("1234", "s3cret").start()?;
/// let client = Client::builder().api_base(sandbox.base_url()).build()?;
/// let session = Session::new(client, Credentials::new("1234", Secret::new("s3cret")));
/// let catalogue = session.send(&ErrorCatalogue::default())?;
/// assert!(catalogue.errors.contains_key("invalid_plan"));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Session {
    client: Client,
    credentials: Option<Credentials>,
    cache: Option<TokenCache>,
    token: Mutex<Option<Arc<AccessToken>>>,
    /// The token a WordPress.com user approved, for [`Token::User`]
    /// endpoints; never requested or replaced by the session.
    user_token: Option<AccessToken>,
    /// Blog IDs found by the public site lookup, so each site is looked up
    /// once.
    blogs: Mutex<HashMap<SiteRef, BlogId>>,
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
            user_token: None,
            blogs: Mutex::default(),
        }
    }

    /// A session without the partner's credentials: for the public
    /// endpoints, and for a WordPress.com user's endpoints once
    /// [`user_token`](Self::user_token) gives the user's token.
    pub fn without_credentials(client: Client) -> Self {
        Session {
            client,
            credentials: None,
            cache: None,
            token: Mutex::new(None),
            user_token: None,
            blogs: Mutex::default(),
        }
    }

    /// A session with a token obtained elsewhere; it is never replaced.
    pub fn with_access_token(client: Client, token: AccessToken) -> Self {
        Session {
            client,
            credentials: None,
            cache: None,
            token: Mutex::new(Some(Arc::new(token))),
            user_token: None,
            blogs: Mutex::default(),
        }
    }

    /// Sends the [`Token::User`] endpoints (scan actions, reporting) with
    /// this token, which a WordPress.com user approved. It is never
    /// refreshed: a refused one is an error for the caller (sign in again).
    pub fn user_token(mut self, token: AccessToken) -> Self {
        self.client.redactor().add(token.expose());
        self.user_token = Some(token);
        self
    }

    /// Whether the session has a WordPress.com user's token.
    pub fn has_user_token(&self) -> bool {
        self.user_token.is_some()
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

    /// Sends a request with the partner's token: kept, cached, or asked
    /// for now. If the API refuses the token as invalid and a new one can
    /// be had, forgets it, gets a new one, and sends the request once more.
    pub fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Answer, Error> {
        self.send_via(&self.client, endpoint)
    }

    /// [`send`](Self::send) through another view of the session's client
    /// (one with its own deadline or trace, from
    /// [`Client::with_deadline`] or [`Client::with_trace`]); the token
    /// requests still go through the session's own client.
    pub fn send_via<E: Endpoint>(&self, client: &Client, endpoint: &E) -> Result<E::Answer, Error> {
        let reply = self.call_via(client, &|| prepare_request(endpoint), E::TOKEN, E::REPEAT)?;
        endpoint.decode(reply)
    }

    /// [`send_via`](Self::send_via) up to the answer's decoding, compiled
    /// once for every endpoint: the token the request needs, and one more
    /// try with a fresh token when a kept one is refused.
    fn call_via(
        &self,
        client: &Client,
        request: Prepare<'_>,
        kind: Token,
        repeat: Repeat,
    ) -> Result<Reply, Error> {
        match kind {
            Token::None => return client.call(request, kind, repeat, None),
            Token::User => {
                let token = self.user_token.as_ref().ok_or_else(|| {
                    Error::InvalidInput(
                        "this request needs a token a WordPress.com user approved (the \
                         authorization-code flow); none was given"
                            .into(),
                    )
                })?;
                return client.call(request, kind, repeat, Some(token));
            }
            Token::Partner => {}
        }
        let (token, origin) = self.token_with_origin()?;
        match client.call(request, kind, repeat, Some(&token)) {
            Err(e) if e.is_token_refused() && origin == Origin::Kept => {
                self.forget(&token);
                let (fresh, _) = self.token_with_origin()?;
                client.call(request, kind, repeat, Some(&fresh))
            }
            other => other,
        }
    }

    /// The blog ID of `site`: as given when it is one, else from the public
    /// site lookup ([`SiteLookup`]), asked once per site for the session's
    /// life. The lookup shows in the trace.
    pub fn blog_id(&self, site: &SiteRef) -> Result<BlogId, Error> {
        self.blog_id_via(&self.client, site)
    }

    /// [`blog_id`](Self::blog_id) through another view of the session's
    /// client (one with a deadline, say): a batch gives each site's lookup
    /// that site's budget. The blog IDs found are the session's, whichever
    /// view found them.
    pub fn blog_id_via(&self, client: &Client, site: &SiteRef) -> Result<BlogId, Error> {
        if let SiteRef::BlogId(id) = site {
            return BlogId::new(*id);
        }
        let known = self
            .blogs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(site)
            .copied();
        if let Some(id) = known {
            return Ok(id);
        }
        let id = client.send(&SiteLookup::new(site.clone()), None)?.id;
        client.note(format!("site {site} is blog {id} (the public site lookup)"));
        self.blogs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(site.clone(), id);
        Ok(id)
    }

    /// Requests a new token now, whatever is kept or cached, and keeps and
    /// caches it. For a caller that wants the whole answer.
    pub fn request_new_token(&self) -> Result<TokenAnswer, Error> {
        let credentials = self.credentials()?;
        let answer = self.client.send(&TokenGrant::new(credentials), None)?;
        self.keep(credentials, &answer.access_token);
        Ok(answer)
    }

    /// The token: kept, cached, or requested now.
    pub fn access_token(&self) -> Result<Arc<AccessToken>, Error> {
        self.token_with_origin().map(|(token, _)| token)
    }

    fn credentials(&self) -> Result<&Credentials, Error> {
        self.credentials.as_ref().ok_or_else(|| {
            Error::InvalidInput("a new token needs the partner's credentials".into())
        })
    }

    fn token_with_origin(&self) -> Result<(Arc<AccessToken>, Origin), Error> {
        let mut kept = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = kept.as_ref() {
            let origin = if self.credentials.is_some() {
                Origin::Kept
            } else {
                Origin::Given
            };
            return Ok((token.clone(), origin));
        }
        let credentials = self.credentials()?;
        if let Some(cache) = &self.cache {
            match cache.load(self.client.api_base(), credentials) {
                Ok(Some(token)) => {
                    let token = Arc::new(token);
                    *kept = Some(token.clone());
                    return Ok((token, Origin::Kept));
                }
                Ok(None) => {}
                Err(e) => self.client.note(format!("token cache not used: {e}")),
            }
        }
        // The lock is held while the token is requested: threads that need
        // it meanwhile wait for this one instead of asking again.
        let token = self
            .client
            .send(&TokenGrant::new(credentials), None)?
            .access_token;
        self.cache_store(credentials, &token);
        let token = Arc::new(token);
        *kept = Some(token.clone());
        Ok((token, Origin::Fresh))
    }

    fn keep(&self, credentials: &Credentials, token: &AccessToken) {
        self.cache_store(credentials, token);
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Arc::new(token.duplicate()));
    }

    fn cache_store(&self, credentials: &Credentials, token: &AccessToken) {
        self.client.redactor().add(token.expose());
        if let Some(cache) = &self.cache {
            if let Err(e) = cache.store(self.client.api_base(), credentials, token) {
                self.client.note(format!("token not cached: {e}"));
            }
        }
    }

    fn forget(&self, refused: &AccessToken) {
        let mut kept = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.as_ref().is_some_and(|k| k.same_as(refused)) {
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
