//! `POST /oauth2/token` with `grant_type=authorization_code`: the second
//! step of the authorization-code flow, which exchanges the one-time code
//! of the redirect (see [`Authorize`](crate::Authorize)) for the token of
//! the WordPress.com user who approved the partner's app.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::auth::{AccessToken, Secret, WpcomApp};
use crate::endpoint::{Endpoint, Method, Repeat, Token};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{not_documented, RawAnswer, Reply};

/// The authorization-code grant: the app's client ID and secret, the
/// redirect URI the code was issued for, and the code. Sent as
/// `multipart/form-data`, like the partner's token grant; the secret and
/// the code are secret fields (`***` in traces).
///
/// A code is good for one exchange: the grant is sent again only when the
/// first attempt surely never reached the service ([`Repeat::Once`]).
///
/// ```
/// use jetpack_partner::{AuthorizationCodeGrant, Endpoint, Secret, WpcomApp};
/// let app = WpcomApp::new("5678", Secret::new("app-s3cret"));
/// let code = Secret::new("one-time-code");
/// let grant = AuthorizationCodeGrant::new(&app, "http://127.0.0.1:3210/", &code);
/// assert_eq!(grant.path()?, "/oauth2/token");
/// let fields = grant.form()?.describe();
/// assert_eq!(fields[1], ("client_secret".to_owned(), "***".to_owned()));
/// assert_eq!(fields[3], ("code".to_owned(), "***".to_owned()));
/// assert_eq!(fields[4], ("grant_type".to_owned(), "authorization_code".to_owned()));
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Debug)]
pub struct AuthorizationCodeGrant<'a> {
    app: &'a WpcomApp,
    redirect_uri: &'a str,
    code: &'a Secret,
}

impl<'a> AuthorizationCodeGrant<'a> {
    /// The grant of `code` to `app`, for the redirect URI it was issued
    /// for (the one the authorize step named).
    pub fn new(app: &'a WpcomApp, redirect_uri: &'a str, code: &'a Secret) -> Self {
        AuthorizationCodeGrant {
            app,
            redirect_uri,
            code,
        }
    }
}

impl Endpoint for AuthorizationCodeGrant<'_> {
    type Answer = UserTokenAnswer;
    const METHOD: Method = Method::Post;
    const TOKEN: Token = Token::None;
    /// A repeat that reached the service finds the code used.
    const REPEAT: Repeat = Repeat::Once;

    fn path(&self) -> Result<String, Error> {
        Ok("/oauth2/token".into())
    }

    fn form(&self) -> Result<Form, Error> {
        if self.app.client_id().is_empty() {
            return Err(Error::InvalidInput("the app's client ID is empty".into()));
        }
        if self.app.secret().is_empty() {
            return Err(Error::InvalidInput(
                "the app's client secret is empty".into(),
            ));
        }
        if self.redirect_uri.is_empty() {
            return Err(Error::InvalidInput("the redirect URI is empty".into()));
        }
        let mut form = Form::new();
        form.line("client_id", self.app.client_id())?
            .secret("client_secret", self.app.secret())?
            .line("redirect_uri", self.redirect_uri)?
            .secret("code", self.code)?
            .text("grant_type", "authorization_code")?;
        Ok(form)
    }

    fn decode(&self, reply: Reply) -> Result<UserTokenAnswer, Error> {
        let answer: UserTokenAnswer =
            reply.typed("the token answer is not a JSON object with a token")?;
        if answer.token().is_none() {
            return Err(not_documented(
                "the token answer has neither an access_token nor a secret string",
            ));
        }
        Ok(answer)
    }
}

/// The answer to the authorization-code grant.
///
/// Which field holds the token is not settled by the reference: the
/// reporting README says to take the `secret` key of the JSON, while a
/// standard OAuth 2 answer (RFC 6749, section 5.1) and the partner's own
/// token grant carry `access_token`. Both are read: [`token`](Self::token)
/// is `access_token` when it is a non-empty string, else `secret`.
#[derive(Debug, Serialize)]
pub struct UserTokenAnswer {
    /// The standard OAuth field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
    /// The field the reporting README names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<AccessToken>,
    /// `bearer`.
    pub token_type: String,
    /// `global`, when the service says.
    pub scope: String,
    /// `None` when the server sent `0`, `false` or nothing.
    #[serde(serialize_with = "lenient::id::serialize")]
    pub blog_id: Option<u64>,
    /// `None` when the server sent `0`, `false` or nothing.
    #[serde(serialize_with = "lenient::text::serialize")]
    pub blog_url: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it (it holds the token).
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for UserTokenAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(UserTokenAnswer {
                access_token: f.get("access_token", token_text)?,
                secret: f.get("secret", token_text)?,
                token_type: f.get("token_type", Deserialize::deserialize)?,
                scope: f.get("scope", Deserialize::deserialize)?,
                blog_id: f.get("blog_id", lenient::id::deserialize)?,
                blog_url: f.get("blog_url", lenient::text::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(UserTokenAnswer);

impl UserTokenAnswer {
    /// The user's token: `access_token`, else `secret`.
    pub fn token(&self) -> Option<&AccessToken> {
        self.access_token.as_ref().or(self.secret.as_ref())
    }

    /// The name of the field [`token`](Self::token) came from.
    pub fn token_field(&self) -> Option<&'static str> {
        match (&self.access_token, &self.secret) {
            (Some(_), _) => Some("access_token"),
            (None, Some(_)) => Some("secret"),
            (None, None) => None,
        }
    }
}

/// A token field: a non-empty string; anything else (empty, a number, an
/// object, `null`) is no token, so a `secret` that means something else
/// does not stop an `access_token` from being read.
fn token_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AccessToken>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if !s.is_empty() => Some(AccessToken::new(s)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> Result<UserTokenAnswer, Error> {
        let app = WpcomApp::new("5678", Secret::new("app-secret"));
        let code = Secret::new("the-code");
        let grant = AuthorizationCodeGrant::new(&app, "http://127.0.0.1:3210/", &code);
        Reply::decode(200, None, json.as_bytes()).and_then(|reply| grant.decode(reply))
    }

    fn token(json: &str) -> (Option<String>, Option<&'static str>) {
        let answer = decode(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        (
            answer.token().map(|t| t.expose().to_owned()),
            answer.token_field(),
        )
    }

    #[test]
    fn the_token_is_read_from_access_token_or_from_secret() {
        assert_eq!(
            token(
                r#"{"access_token":"tok-a","token_type":"bearer","blog_id":0,"blog_url":0,"scope":"global"}"#
            ),
            (Some("tok-a".into()), Some("access_token"))
        );
        assert_eq!(
            token(r#"{"secret":"tok-s","token_type":"bearer","scope":"global"}"#),
            (Some("tok-s".into()), Some("secret"))
        );
        assert_eq!(
            token(r#"{"access_token":"tok-a","secret":"tok-s"}"#),
            (Some("tok-a".into()), Some("access_token"))
        );
        assert_eq!(
            token(r#"{"access_token":"","secret":"tok-s"}"#),
            (Some("tok-s".into()), Some("secret"))
        );
        assert_eq!(
            token(r#"{"access_token":"tok-a","secret":{"something":"else"}}"#),
            (Some("tok-a".into()), Some("access_token"))
        );
    }

    #[test]
    fn an_answer_without_a_token_is_unexpected_and_shows_nothing() {
        for json in [
            r#"{"token_type":"bearer"}"#,
            r#"{"access_token":"","secret":null}"#,
            r#"{"access_token":42}"#,
            r#"["tok"]"#,
        ] {
            assert!(
                matches!(decode(json), Err(Error::UnexpectedResponse(_))),
                "{json}"
            );
        }
        let answer = decode(r#"{"access_token":"tok3n-value","secret":"s3cr3t-value"}"#);
        let shown = format!("{answer:?}");
        assert!(
            !shown.contains("tok3n-value") && !shown.contains("s3cr3t-value"),
            "{shown}"
        );
    }

    #[test]
    fn a_refused_exchange_is_the_oauth_error() {
        let refused = Reply::decode(
            400,
            None,
            br#"{"error":"invalid_grant","error_description":"The authorization code has already been used."}"#,
        );
        assert!(matches!(
            refused,
            Err(Error::Api(e)) if e.code == crate::ApiErrorCode::InvalidGrant
        ));
    }

    #[test]
    fn the_form_needs_every_part() {
        let code = Secret::new("the-code");
        let empty_secret = WpcomApp::new("5678", Secret::new(""));
        assert!(
            AuthorizationCodeGrant::new(&empty_secret, "http://x/", &code)
                .form()
                .is_err()
        );
        let app = WpcomApp::new("5678", Secret::new("app-secret"));
        assert!(AuthorizationCodeGrant::new(&app, "", &code).form().is_err());
        let short = Secret::new("ab");
        assert!(AuthorizationCodeGrant::new(&app, "http://x/", &short)
            .form()
            .is_err());
        let names: Vec<String> = AuthorizationCodeGrant::new(&app, "http://x/", &code)
            .form()
            .map(|f| f.describe().into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        assert_eq!(
            names,
            [
                "client_id",
                "client_secret",
                "redirect_uri",
                "code",
                "grant_type"
            ]
        );
    }
}
