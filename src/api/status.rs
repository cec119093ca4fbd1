//! Site status: `GET /rest/v1.4/jpphp/{site}/status`, and the deprecated
//! flat v1.3 form.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{JPPHP_V13, JPPHP_V14};
use crate::auth::AccessToken;
use crate::client::Client;
use crate::error::Error;
use crate::site::SiteRef;

/// The v1.4 status of a site.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Status {
    /// The site's connection.
    #[serde(default)]
    pub blog: Blog,
    /// The Jetpack products the site has.
    #[serde(default)]
    pub products: Vec<Product>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: crate::response::RawAnswer,
}

/// A site's connection, in [`Status`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Blog {
    /// Whether Jetpack is connected to WordPress.com.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_connected: bool,
    /// Whether Jetpack Backup has SSH or FTP credentials.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub has_backups_credentials: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A product on a site, in [`Status`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Product {
    /// The product slug.
    #[serde(default)]
    pub slug: String,
    /// Whether a partner provisioned it.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_provisioned_by_partner: bool,
    /// Whether this partner provisioned it.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_provisioned_by_calling_partner: bool,
    /// Whether it waits for the site to connect.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_pending: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The deprecated v1.3 status: flat.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StatusV13 {
    /// The site's plan slug.
    #[serde(default)]
    pub plan: String,
    /// Whether a partner provisioned the plan.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_partner_plan: bool,
    /// Whether this partner provisioned the plan.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_provisioned_by_calling_partner: bool,
    /// Whether Jetpack is connected.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub is_connected: bool,
    /// Whether a plan waits for the site to connect.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub has_pending_plan: bool,
    /// Whether Jetpack Backup has credentials.
    #[serde(default, deserialize_with = "crate::api::lenient::boolean")]
    pub has_backups_credentials: bool,
    /// The products, in the v1.3 shape (kept as sent).
    #[serde(default)]
    pub products: Vec<Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: crate::response::RawAnswer,
}

impl Client {
    /// The status of a site's connection and products (v1.4).
    pub fn status(&self, token: &AccessToken, site: &SiteRef) -> Result<Status, Error> {
        let json = self.get(&format!("{JPPHP_V14}/{site}/status"), Some(token))?;
        self.typed(json, "the status answer is not the documented object")
    }

    /// The deprecated v1.3 status, flat.
    pub fn status_v13(&self, token: &AccessToken, site: &SiteRef) -> Result<StatusV13, Error> {
        let json = self.get(&format!("{JPPHP_V13}/{site}/status"), Some(token))?;
        self.typed(json, "the v1.3 status answer is not the documented object")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_decodes_and_keeps_unknown_fields() -> Result<(), serde_json::Error> {
        let s: Status = serde_json::from_str(
            r#"{"blog":{"is_connected":true,"has_backups_credentials":"1","x":1},
                "products":[{"slug":"professional","is_provisioned_by_partner":true,
                "is_provisioned_by_calling_partner":1,"is_pending":false}],"new":true}"#,
        )?;
        assert!(s.blog.is_connected && s.blog.has_backups_credentials);
        assert!(s.products[0].is_provisioned_by_calling_partner);
        assert!(s.extra.contains_key("new") && s.blog.extra.contains_key("x"));
        Ok(())
    }
}

crate::response::keeps_raw!(Status);

crate::response::keeps_raw!(StatusV13);
