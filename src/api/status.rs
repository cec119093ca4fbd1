//! `GET /rest/v1.4/jpphp/{site}/status`: a site's connection and products;
//! and the deprecated flat v1.3 form.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{JPPHP_V13, JPPHP_V14};
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::site::SiteRef;

/// The status of a site (v1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    site: SiteRef,
}

impl Status {
    /// The status of `site`.
    pub fn new(site: SiteRef) -> Self {
        Status { site }
    }
}

impl Endpoint for Status {
    type Answer = StatusAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{JPPHP_V14}/{}/status", self.site))
    }

    fn decode(&self, reply: Reply) -> Result<StatusAnswer, Error> {
        reply.typed("the status answer is not the documented object")
    }
}

/// The deprecated v1.3 status of a site: a flat answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusV13 {
    site: SiteRef,
}

impl StatusV13 {
    /// The v1.3 status of `site`.
    pub fn new(site: SiteRef) -> Self {
        StatusV13 { site }
    }
}

impl Endpoint for StatusV13 {
    type Answer = StatusV13Answer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{JPPHP_V13}/{}/status", self.site))
    }

    fn decode(&self, reply: Reply) -> Result<StatusV13Answer, Error> {
        reply.typed("the v1.3 status answer is not the documented object")
    }
}

/// The answer to [`Status`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatusAnswer {
    /// The site's connection.
    pub blog: Blog,
    /// The Jetpack products the site has.
    pub products: Vec<Product>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for StatusAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(StatusAnswer {
                blog: f.get("blog", Deserialize::deserialize)?,
                products: f.get("products", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

/// A site's connection, in [`StatusAnswer`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct Blog {
    /// Whether Jetpack is connected to WordPress.com.
    pub is_connected: bool,
    /// Whether Jetpack Backup has SSH or FTP credentials.
    pub has_backups_credentials: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Blog {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Blog {
                is_connected: f.get("is_connected", lenient::boolean)?,
                has_backups_credentials: f.get("has_backups_credentials", lenient::boolean)?,
                extra: f.rest(),
            })
        })
    }
}

/// A product on a site, in [`StatusAnswer`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct Product {
    /// The product slug.
    pub slug: String,
    /// Whether a partner provisioned it.
    pub is_provisioned_by_partner: bool,
    /// Whether this partner provisioned it.
    pub is_provisioned_by_calling_partner: bool,
    /// Whether it waits for the site to connect.
    pub is_pending: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for Product {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(Product {
                slug: f.get("slug", Deserialize::deserialize)?,
                is_provisioned_by_partner: f.get("is_provisioned_by_partner", lenient::boolean)?,
                is_provisioned_by_calling_partner: f
                    .get("is_provisioned_by_calling_partner", lenient::boolean)?,
                is_pending: f.get("is_pending", lenient::boolean)?,
                extra: f.rest(),
            })
        })
    }
}

/// The answer to [`StatusV13`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatusV13Answer {
    /// The site's plan slug.
    pub plan: String,
    /// Whether a partner provisioned the plan.
    pub is_partner_plan: bool,
    /// Whether this partner provisioned the plan.
    pub is_provisioned_by_calling_partner: bool,
    /// Whether Jetpack is connected.
    pub is_connected: bool,
    /// Whether a plan waits for the site to connect.
    pub has_pending_plan: bool,
    /// Whether Jetpack Backup has credentials.
    pub has_backups_credentials: bool,
    /// The products, in the v1.3 shape (kept as sent).
    pub products: Vec<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for StatusV13Answer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(StatusV13Answer {
                plan: f.get("plan", Deserialize::deserialize)?,
                is_partner_plan: f.get("is_partner_plan", lenient::boolean)?,
                is_provisioned_by_calling_partner: f
                    .get("is_provisioned_by_calling_partner", lenient::boolean)?,
                is_connected: f.get("is_connected", lenient::boolean)?,
                has_pending_plan: f.get("has_pending_plan", lenient::boolean)?,
                has_backups_credentials: f.get("has_backups_credentials", lenient::boolean)?,
                products: f.get("products", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_decodes_and_keeps_unknown_fields() -> Result<(), serde_json::Error> {
        let s: StatusAnswer = serde_json::from_str(
            r#"{"blog":{"is_connected":true,"has_backups_credentials":"1","x":1},
                "products":[{"slug":"professional","is_provisioned_by_partner":true,
                "is_provisioned_by_calling_partner":1,"is_pending":false}],"new":true}"#,
        )?;
        assert!(s.blog.is_connected && s.blog.has_backups_credentials);
        assert!(s.products[0].is_provisioned_by_calling_partner);
        assert!(s.extra.contains_key("new") && s.blog.extra.contains_key("x"));
        Ok(())
    }

    #[test]
    fn the_request_names_the_site_in_the_path() -> Result<(), Error> {
        let site = SiteRef::parse("https://example.com/blog/")?;
        assert_eq!(
            Status::new(site.clone()).path()?,
            "/rest/v1.4/jpphp/example.com::blog/status"
        );
        assert_eq!(
            StatusV13::new(site).path()?,
            "/rest/v1.3/jpphp/example.com::blog/status"
        );
        let reply = Reply::decode(200, None, br#"{"plan":"free","products":[]}"#)?;
        let flat = StatusV13::new(SiteRef::parse("1")?).decode(reply)?;
        assert_eq!(flat.plan, "free");
        Ok(())
    }
}

crate::response::keeps_raw!(StatusAnswer);

crate::response::keeps_raw!(StatusV13Answer);
