//! `POST /oauth2/token`: the client-credentials grant, which exchanges the
//! partner ID and secret for an access token.

use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::{AccessToken, Credentials};
use crate::endpoint::{Endpoint, Method, Token};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// The token grant for a partner's credentials.
///
/// ```
/// use jetpack_partner::{Credentials, Endpoint, Secret, TokenGrant};
/// let credentials = Credentials::new("1234", Secret::new("s3cret"));
/// let grant = TokenGrant::new(&credentials);
/// assert_eq!(grant.path()?, "/oauth2/token");
/// let fields = grant.form()?.describe();
/// assert_eq!(fields[1], ("client_secret".to_owned(), "***".to_owned()));
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Debug)]
pub struct TokenGrant<'a> {
    credentials: &'a Credentials,
}

impl<'a> TokenGrant<'a> {
    /// The grant for these credentials.
    pub fn new(credentials: &'a Credentials) -> Self {
        TokenGrant { credentials }
    }
}

impl Endpoint for TokenGrant<'_> {
    type Answer = TokenAnswer;
    const METHOD: Method = Method::Post;
    const TOKEN: Token = Token::None;

    fn path(&self) -> Result<String, Error> {
        Ok("/oauth2/token".into())
    }

    fn form(&self) -> Result<Form, Error> {
        if self.credentials.partner_id().is_empty() {
            return Err(Error::InvalidInput("the partner ID is empty".into()));
        }
        if self.credentials.secret().is_empty() {
            return Err(Error::InvalidInput("the partner secret is empty".into()));
        }
        let mut form = Form::new();
        form.line("client_id", self.credentials.partner_id())?
            .secret("client_secret", self.credentials.secret())?
            .text("grant_type", "client_credentials")?
            .text("scope", "jetpack-partner")?;
        Ok(form)
    }

    fn decode(&self, reply: Reply) -> Result<TokenAnswer, Error> {
        reply.typed("the token answer has no access_token string")
    }
}

/// The answer to the token grant.
///
/// `blog_id` and `blog_url` are documented as the number `0` but arrive as
/// numbers, strings or `false`; all of these decode.
#[derive(Debug, Serialize)]
pub struct TokenAnswer {
    /// The bearer token for every partner call.
    pub access_token: AccessToken,
    /// `bearer`.
    pub token_type: String,
    /// Unused by partners; `None` when the server sent `0`, `false` or nothing.
    #[serde(serialize_with = "lenient::id::serialize")]
    pub blog_id: Option<u64>,
    /// Unused by partners; `None` when the server sent `0`, `false` or nothing.
    #[serde(serialize_with = "lenient::text::serialize")]
    pub blog_url: Option<String>,
    /// `jetpack-partner`.
    pub scope: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for TokenAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(TokenAnswer {
                access_token: f.required("access_token", Deserialize::deserialize)?,
                token_type: f.get("token_type", Deserialize::deserialize)?,
                blog_id: f.get("blog_id", lenient::id::deserialize)?,
                blog_url: f.get("blog_url", lenient::text::deserialize)?,
                scope: f.get("scope", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(TokenAnswer);

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> TokenAnswer {
        let credentials = Credentials::new("1", crate::Secret::new("test-secret"));
        Reply::decode(200, None, json.as_bytes())
            .and_then(|reply| TokenGrant::new(&credentials).decode(reply))
            .unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn every_documented_shape_decodes() {
        for (json, id, url) in [
            (
                r#"{"access_token":"t","token_type":"bearer","blog_id":0,"blog_url":0,"scope":"jetpack-partner"}"#,
                None,
                None,
            ),
            (
                r#"{"access_token":"t","token_type":"bearer","blog_id":"0","blog_url":"0","scope":"jetpack-partner"}"#,
                None,
                None,
            ),
            (
                r#"{"access_token":"t","token_type":"bearer","blog_id":false,"blog_url":false,"scope":"jetpack-partner"}"#,
                None,
                None,
            ),
            (
                r#"{"access_token":"t","blog_id":"123","blog_url":"https://x.test"}"#,
                Some(123),
                Some("https://x.test"),
            ),
            (
                r#"{"access_token":"t","blog_id":7,"blog_url":null}"#,
                Some(7),
                None,
            ),
            (r#"{"access_token":"t"}"#, None, None),
        ] {
            let r = decode(json);
            assert_eq!(r.access_token.expose(), "t");
            assert_eq!(r.blog_id, id, "{json}");
            assert_eq!(r.blog_url.as_deref(), url, "{json}");
            assert_eq!(r.raw.get(), Some(json));
        }
    }

    #[test]
    fn unknown_fields_are_kept_and_no_token_prints() {
        let r = decode(r#"{"access_token":"tok3n","expires_in":null,"extra_field":"s3cr3t"}"#);
        assert!(r.extra.contains_key("extra_field"));
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("tok3n") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }

    #[test]
    fn a_refused_grant_is_an_api_error() {
        let credentials = Credentials::new("1", crate::Secret::new("test-secret"));
        let refused = Reply::decode(
            400,
            None,
            br#"{"error":"invalid_client","error_description":"Unknown client_id."}"#,
        );
        assert!(matches!(
            refused,
            Err(Error::Api(e)) if e.code == crate::ApiErrorCode::InvalidClient
        ));
        assert!(
            TokenGrant::new(&Credentials::new("", crate::Secret::new("s3cret")))
                .form()
                .is_err()
        );
        assert!(TokenGrant::new(&credentials).form().is_ok());
    }
}
