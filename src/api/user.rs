//! `POST /rest/v1.3/jpphp/user`: create a WordPress.com account (reference
//! 6.1), for a partner Automattic allows to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use super::{check_email, JPPHP_V13};
use crate::auth::AccessToken;
use crate::endpoint::{Endpoint, Method, Repeat};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::redact::{Redactor, MIN_SECRET_LEN};
use crate::response::{not_documented, RawAnswer, Reply};

/// The languages the verification e-mail can be written in (reference
/// 6.1), as the API spells them.
pub const LANGUAGES: &[&str] = &[
    "en", "af", "ar", "as", "be", "bg", "bm", "bn", "bo", "ca", "cs", "csb", "cy", "da", "de",
    "dz", "el", "eo", "es", "et", "fa", "fi", "fo", "fr", "fur", "fy", "ga", "gu", "he", "hi",
    "hu", "ia", "id", "is", "it", "ja", "ka", "km", "kn", "ko", "ku", "la", "li", "lo", "lt", "ml",
    "ms", "nds", "nl", "nn", "no", "non", "nv", "oc", "or", "os", "pa", "pl", "ps", "pt", "ro",
    "ru", "sc", "sk", "sl", "sq", "sr", "sv", "ta", "te", "th", "tt", "uk", "ur", "wa", "yi", "tr",
    "az", "als", "arc", "ast", "av", "ay", "ba", "br", "ce", "cv", "dv", "eu", "gn", "hr", "ii",
    "ks", "kv", "mk", "nah", "nap", "pt-br", "qu", "sd", "su", "ty", "udm", "ug", "vec", "vi",
    "xal", "za", "zh-cn", "zh-tw", "lv", "bs", "tl", "ne", "gl", "uz", "so", "mr", "kk", "va",
    "mwl", "mt", "hy", "el-po", "ilo", "si", "mn", "fil", "fr-ch", "fr-ca", "gd", "yo", "fr-be",
    "ky", "tir", "am", "en-gb", "mya", "rup",
];

/// What the new account is for: the API's `product_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductType {
    /// `jetpack`
    Jetpack,
    /// `woocommerce`
    Woocommerce,
}

impl ProductType {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductType::Jetpack => "jetpack",
            ProductType::Woocommerce => "woocommerce",
        }
    }
}

impl fmt::Display for ProductType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProductType {
    type Err = Error;

    fn from_str(text: &str) -> Result<ProductType, Error> {
        match text {
            "jetpack" => Ok(ProductType::Jetpack),
            "woocommerce" => Ok(ProductType::Woocommerce),
            other => Err(Error::InvalidInput(format!(
                "the product type {other:?} is not jetpack or woocommerce"
            ))),
        }
    }
}

/// A request for a new WordPress.com account.
///
/// Creating an account is done once: the request is never repeated after
/// an answer it may have had ([`Repeat::Once`]). If the answer is lost,
/// the account may exist while its token is gone; a second request then
/// meets `user_exists`, and the person signs in with a login link (see
/// [`MagicLink`](crate::MagicLink)).
///
/// ```
/// use jetpack_partner::{Endpoint, NewUser, ProductType};
/// let request = NewUser::new("owner@example.com", ProductType::Jetpack).language("pt-BR");
/// let fields = request.form()?.describe();
/// assert_eq!(fields[2], ("language".to_owned(), "pt-br".to_owned()));
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    email: String,
    product_type: ProductType,
    language: Option<String>,
}

impl NewUser {
    /// An account for `email`, for `product_type`.
    pub fn new(email: impl Into<String>, product_type: ProductType) -> Self {
        NewUser {
            email: email.into(),
            product_type,
            language: None,
        }
    }

    /// The language of the verification e-mail: one of [`LANGUAGES`], in
    /// any case (it is sent as the list spells it).
    pub fn language(mut self, code: impl Into<String>) -> Self {
        self.language = Some(code.into());
        self
    }

    fn fields(&self) -> Result<Form, Error> {
        check_email("email", &self.email)?;
        let mut form = Form::new();
        form.line("email", &self.email)?
            .text("product_type", self.product_type.as_str())?;
        if let Some(code) = &self.language {
            form.text("language", language(code)?)?;
        }
        Ok(form)
    }
}

/// `code` as [`LANGUAGES`] spells it, or why it is not one of them.
fn language(code: &str) -> Result<&'static str, Error> {
    let lower = code.to_ascii_lowercase();
    LANGUAGES
        .iter()
        .copied()
        .find(|l| *l == lower)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "the language {code:?} is not one the API takes; give an ISO 639 code of its \
                 list, e.g. en, de, fr-ca, pt-br, zh-tw"
            ))
        })
}

impl Endpoint for NewUser {
    type Answer = NewUserAnswer;
    const METHOD: Method = Method::Post;
    /// A second request would meet `user_exists`, and the first answer's
    /// token would be lost for good.
    const REPEAT: Repeat = Repeat::Once;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{JPPHP_V13}/user"))
    }

    fn form(&self) -> Result<Form, Error> {
        self.fields()
    }

    fn decode(&self, reply: Reply) -> Result<NewUserAnswer, Error> {
        let answer: NewUserAnswer =
            reply.typed("the user answer is not the documented object with a bearer_token")?;
        if answer.bearer_token.expose().len() < MIN_SECRET_LEN {
            return Err(not_documented(
                "the user answer's bearer_token is too short to be a token",
            ));
        }
        Ok(answer)
    }
}

/// The new account: its token. The token is a secret: `Debug` hides it,
/// and [`masked`](Self::masked) gives the answer to print without it.
#[derive(Debug, Serialize)]
pub struct NewUserAnswer {
    /// Whether the account was made.
    pub success: bool,
    /// An access token for the new user. What it may be used for, the
    /// reference does not say.
    pub bearer_token: AccessToken,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it (token included).
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for NewUserAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(NewUserAnswer {
                success: f.get("success", lenient::boolean)?,
                bearer_token: f.required("bearer_token", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(NewUserAnswer);

impl NewUserAnswer {
    /// The answer's JSON text with the token shown as `***`: the
    /// `bearer_token` field replaced, and any other spelling of the token
    /// masked too. The other fields are as the API sent them.
    pub fn masked(&self) -> String {
        let hidden = serde_json::Value::String(crate::auth::REDACTED.to_owned());
        let text = match self.raw.with_field("bearer_token", &hidden) {
            Some(raw) => raw.get().unwrap_or_default().to_owned(),
            None => {
                let mut value = serde_json::to_value(self).unwrap_or_default();
                value["bearer_token"] = hidden;
                value.to_string()
            }
        };
        let redactor = Redactor::new();
        redactor.add(self.bearer_token.expose());
        redactor.clean(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_has_the_documented_fields() -> Result<(), Error> {
        let plain = NewUser::new("a@b.co", ProductType::Woocommerce)
            .form()?
            .describe();
        assert_eq!(
            plain,
            [
                ("email".to_owned(), "a@b.co".to_owned()),
                ("product_type".to_owned(), "woocommerce".to_owned())
            ]
        );
        let request = NewUser::new("a@b.co", ProductType::Jetpack).language("EN-gb");
        assert_eq!(request.form()?.describe()[2].1, "en-gb");
        assert_eq!(request.path()?, "/rest/v1.3/jpphp/user");
        Ok(())
    }

    #[test]
    fn a_bad_email_or_language_is_refused_before_sending() {
        for request in [
            NewUser::new("nobody", ProductType::Jetpack),
            NewUser::new("", ProductType::Jetpack),
            NewUser::new("a@b.co", ProductType::Jetpack).language("klingon"),
            NewUser::new("a@b.co", ProductType::Jetpack).language("en\n"),
        ] {
            assert!(
                matches!(request.validate(), Err(Error::InvalidInput(_))),
                "{request:?}"
            );
        }
        assert!("shop".parse::<ProductType>().is_err());
        assert_eq!(
            "jetpack".parse::<ProductType>().ok(),
            Some(ProductType::Jetpack)
        );
    }

    #[test]
    fn the_token_is_masked_and_never_debugged() -> Result<(), Error> {
        let body =
            br#"{"success":true,"bearer_token":"new-user-t\/ken","note":"was new-user-t/ken"}"#;
        let request = NewUser::new("a@b.co", ProductType::Jetpack);
        let answer = request.decode(Reply::decode(200, None, body)?)?;
        assert_eq!(answer.bearer_token.expose(), "new-user-t/ken");
        assert!(!format!("{answer:?}").contains("new-user"));
        assert_eq!(
            answer.masked(),
            r#"{"success":true,"bearer_token":"***","note":"was ***"}"#
        );
        for body in [
            &br#"{"success":true}"#[..],
            br#"{"success":true,"bearer_token":"ab"}"#,
        ] {
            assert!(matches!(
                request.decode(Reply::decode(200, None, body)?),
                Err(Error::UnexpectedResponse(_))
            ));
        }
        Ok(())
    }
}
