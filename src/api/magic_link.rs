//! `POST /rest/v1.3/jpphp/mobile-magic-link`: e-mail a person a link that
//! logs them in to the WordPress mobile app (reference 6.3).
//!
//! At most 5 per e-mail address per hour; past that the API answers
//! `too_many_requests`, a [`Error::Unavailable`] with status 429 and, when
//! the service says, how long to wait. What the e-mail says and how long
//! its link works (one hour, once, by the reference's screenshot) are the
//! service's.

use serde::{Deserialize, Deserializer, Serialize};

use super::{check_email, JPPHP_V13};
use crate::endpoint::{Endpoint, Method, Repeat};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// How many links one address may be sent in an hour.
pub const MAGIC_LINKS_PER_HOUR: u32 = 5;

/// A request to e-mail a login link for the WordPress app.
///
/// A repeat sends a second e-mail and spends one more of the five an hour,
/// so it is sent again only when it surely never reached the service
/// ([`Repeat::Once`]).
///
/// ```
/// use jetpack_partner::{Endpoint, MagicLink};
/// assert_eq!(MagicLink::new("owner@example.com").path()?, "/rest/v1.3/jpphp/mobile-magic-link");
/// assert!(MagicLink::new("owner").validate().is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MagicLink {
    email: String,
}

impl MagicLink {
    /// A link for the account of `email`.
    pub fn new(email: impl Into<String>) -> Self {
        MagicLink {
            email: email.into(),
        }
    }
}

impl Endpoint for MagicLink {
    type Answer = MagicLinkAnswer;
    const METHOD: Method = Method::Post;
    const REPEAT: Repeat = Repeat::Once;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{JPPHP_V13}/mobile-magic-link"))
    }

    fn form(&self) -> Result<Form, Error> {
        check_email("email", &self.email)?;
        let mut form = Form::new();
        form.line("email", &self.email)?;
        Ok(form)
    }

    fn decode(&self, reply: Reply) -> Result<MagicLinkAnswer, Error> {
        reply.typed("the magic link answer is not the documented object")
    }
}

/// The answer to [`MagicLink`].
#[derive(Clone, Debug, Serialize)]
pub struct MagicLinkAnswer {
    /// Whether the e-mail was sent.
    pub success: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for MagicLinkAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(MagicLinkAnswer {
                success: f.get("success", lenient::boolean)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(MagicLinkAnswer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_and_the_limit_answer() -> Result<(), Error> {
        let request = MagicLink::new("a@b.co");
        assert_eq!(
            request.form()?.describe(),
            [("email".to_owned(), "a@b.co".to_owned())]
        );
        let limited = Reply::decode(
            429,
            Some("1200"),
            br#"{"error":"too_many_requests","message":"Too many requests per time interval"}"#,
        );
        match limited {
            Err(Error::Unavailable(u)) => {
                assert_eq!(u.code.as_deref(), Some("too_many_requests"));
                assert_eq!(u.retry_after.map(|d| d.as_secs()), Some(1200));
            }
            other => panic!("{other:?}"),
        }
        let sent = request.decode(Reply::decode(200, None, br#"{"success":true}"#)?)?;
        assert!(sent.success);
        Ok(())
    }
}
