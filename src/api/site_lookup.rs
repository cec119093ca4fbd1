//! `GET /rest/v1.1/sites/{site}`: the public site lookup. No token; it
//! gives a site's blog ID, and `"jetpack": true` when Jetpack connects it
//! to WordPress.com (reference 7.2: a heuristic, as a connected site with
//! the JSON API module off lacks the field).

use serde::{Deserialize, Deserializer, Serialize};

use crate::blog::BlogId;
use crate::endpoint::{Endpoint, Method, Token};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::site::SiteRef;

/// Where the public site lookup lives.
const SITES_V11: &str = "/rest/v1.1/sites";

/// Looks up a site by domain, URL or blog ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteLookup {
    site: SiteRef,
}

impl SiteLookup {
    /// The public facts of `site`.
    pub fn new(site: SiteRef) -> Self {
        SiteLookup { site }
    }
}

impl Endpoint for SiteLookup {
    type Answer = SiteLookupAnswer;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::None;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{SITES_V11}/{}", self.site))
    }

    fn decode(&self, reply: Reply) -> Result<SiteLookupAnswer, Error> {
        reply.typed("the site lookup answer has no blog ID")
    }
}

/// The answer to [`SiteLookup`].
#[derive(Clone, Debug, Serialize)]
pub struct SiteLookupAnswer {
    /// The site's WordPress.com blog ID.
    #[serde(rename = "ID")]
    pub id: BlogId,
    /// The site's title.
    pub name: String,
    /// The site's address.
    #[serde(rename = "URL")]
    pub url: String,
    /// `Some(true)` when Jetpack connects the site; absent for a site that
    /// is not a Jetpack site, and for a connected one with the JSON API
    /// module off.
    pub jetpack: Option<bool>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for SiteLookupAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(SiteLookupAnswer {
                id: f.required("ID", Deserialize::deserialize)?,
                name: f.get("name", lenient::string)?,
                url: f.get("URL", lenient::string)?,
                jetpack: f.get("jetpack", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(SiteLookupAnswer);

impl SiteLookupAnswer {
    /// Whether the answer says Jetpack connects the site.
    pub fn is_connected(&self) -> bool {
        self.jetpack == Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_and_the_answer() -> Result<(), Error> {
        let request = SiteLookup::new(SiteRef::parse("https://Example.com/blog/")?);
        assert_eq!(request.path()?, "/rest/v1.1/sites/example.com::blog");
        let reply = Reply::decode(
            200,
            None,
            br#"{"ID":"67272686","name":"Eric","URL":"https://eric.blog","jetpack":true,"icon":{}}"#,
        )?;
        let answer = request.decode(reply)?;
        assert_eq!(answer.id, BlogId::new(67272686)?);
        assert!(answer.is_connected());
        assert!(answer.extra.contains_key("icon"));
        let reply = Reply::decode(200, None, br#"{"name":"no id"}"#)?;
        assert!(matches!(
            request.decode(reply),
            Err(Error::UnexpectedResponse(_))
        ));
        Ok(())
    }
}
