//! `GET /wpcom/v2/jetpack-partners/{partner_id}/key/{key_id}/activations`:
//! the sites a partner key activated, a page at a time (reference 5.1).
//! Takes a token a WordPress.com user approved.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::query::Query;
use super::{check_datetime, partner_key_path};
use crate::endpoint::{Endpoint, Method, Token};
use crate::error::Error;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};

/// Most sites a page may hold: the WordPress REST convention the
/// `wpcom/v2` routes follow (the reference gives only the default, 20).
pub const MAX_PER_PAGE: u32 = 100;

/// The activations of one partner key, a page at a time.
///
/// ```
/// use jetpack_partner::{Activations, Endpoint};
/// let request = Activations::new("1234", "1234")
///     .page(2)
///     .plans(["personal", "premium"])
///     .activated_after("2024-01-01");
/// assert_eq!(
///     request.path()?,
///     "/wpcom/v2/jetpack-partners/1234/key/1234/activations?page=2&plans[]=personal&plans[]=premium&activated_after=2024-01-01"
/// );
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Activations {
    partner_id: String,
    key_id: String,
    page: Option<u32>,
    per_page: Option<u32>,
    plans: Vec<String>,
    activated_after: Option<String>,
    activated_before: Option<String>,
}

impl Activations {
    /// The activations of key `key_id` of partner `partner_id`.
    pub fn new(partner_id: impl Into<String>, key_id: impl Into<String>) -> Self {
        Activations {
            partner_id: partner_id.into(),
            key_id: key_id.into(),
            ..Activations::default()
        }
    }

    /// The page, from 1 (the API's default).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Sites per page, 1 to [`MAX_PER_PAGE`] (the API's default is 20).
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Only sites holding one of these product slugs.
    pub fn plans<S: Into<String>>(mut self, plans: impl IntoIterator<Item = S>) -> Self {
        self.plans = plans.into_iter().map(Into::into).collect();
        self
    }

    /// Only sites activated at or after this date (ISO 8601:
    /// `2024-05-01` or `2024-05-01T12:00:00Z`).
    pub fn activated_after(mut self, date: impl Into<String>) -> Self {
        self.activated_after = Some(date.into());
        self
    }

    /// Only sites activated before this date (ISO 8601).
    pub fn activated_before(mut self, date: impl Into<String>) -> Self {
        self.activated_before = Some(date.into());
        self
    }
}

impl Endpoint for Activations {
    type Answer = ActivationsAnswer;
    const METHOD: Method = Method::Get;
    const TOKEN: Token = Token::User;

    fn path(&self) -> Result<String, Error> {
        let path = partner_key_path(&self.partner_id, &self.key_id, "/activations")?;
        if self.page == Some(0) {
            return Err(Error::InvalidInput("the page counts from 1".into()));
        }
        if self
            .per_page
            .is_some_and(|n| !(1..=MAX_PER_PAGE).contains(&n))
        {
            return Err(Error::InvalidInput(format!(
                "per_page is from 1 to {MAX_PER_PAGE} sites"
            )));
        }
        if let Some(plan) = self
            .plans
            .iter()
            .find(|p| p.trim().is_empty() || p.contains(','))
        {
            return Err(Error::InvalidInput(format!(
                "{plan:?} is not a product slug (e.g. personal, jetpack-backup-daily)"
            )));
        }
        for (name, date) in [
            ("activated_after", &self.activated_after),
            ("activated_before", &self.activated_before),
        ] {
            if let Some(date) = date {
                check_datetime(name, date)?;
            }
        }
        Ok(Query::new()
            .maybe("page", self.page)?
            .maybe("per_page", self.per_page)?
            .each("plans[]", &self.plans)?
            .maybe("activated_after", self.activated_after.as_ref())?
            .maybe("activated_before", self.activated_before.as_ref())?
            .after(path))
    }

    fn decode(&self, reply: Reply) -> Result<ActivationsAnswer, Error> {
        reply.typed("the activations answer is not an object")
    }
}

/// A page of a key's activations.
#[derive(Clone, Debug, Serialize)]
pub struct ActivationsAnswer {
    /// How many activations match, over every page.
    pub total: u64,
    /// This page's sites.
    pub activations: Vec<SiteActivation>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for ActivationsAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ActivationsAnswer {
                total: f.get("total", lenient::count)?,
                activations: f.get("activations", lenient::list)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

crate::response::keeps_raw!(ActivationsAnswer);

/// One site a key activated (reference 5.1). Every field may be missing:
/// the reference lists them without types.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SiteActivation {
    /// The activation's (the site's) ID.
    pub id: Option<i64>,
    /// The partner key (the reference: "your partner ID").
    pub jetpack_partner_key_id: Option<String>,
    /// The site's WordPress.com blog ID.
    pub wpcom_blog_id: Option<i64>,
    /// The owner's WordPress.com user ID.
    pub wpcom_user_id: Option<i64>,
    /// Undocumented (the reference writes "?").
    pub external_user_id: Value,
    /// The Jetpack product the site holds.
    pub product_id: Option<String>,
    /// The same as `product_id`, by the reference.
    pub current_product_id: Option<String>,
    /// When the activation was made.
    pub created_on: Option<String>,
    /// When it became active (none while pending).
    pub activated_on: Option<String>,
    /// When it was cancelled, if it was.
    pub cancelled_on: Option<String>,
    /// When it was disputed, if it was.
    pub disputed_on: Option<String>,
    /// When the site was registered with WordPress.com.
    pub site_registered: Option<String>,
    /// The site's address.
    pub site_url: Option<String>,
    /// The site's title.
    pub site_name: Option<String>,
    /// The site's icon, if it has one.
    pub site_icon: Value,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for SiteActivation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(SiteActivation {
                id: f.get("id", lenient::opt_integer)?,
                jetpack_partner_key_id: f.get("jetpack_partner_key_id", lenient::opt_string)?,
                wpcom_blog_id: f.get("wpcom_blog_id", lenient::opt_integer)?,
                wpcom_user_id: f.get("wpcom_user_id", lenient::opt_integer)?,
                external_user_id: f.get("external_user_id", Deserialize::deserialize)?,
                product_id: f.get("product_id", lenient::opt_string)?,
                current_product_id: f.get("current_product_id", lenient::opt_string)?,
                created_on: f.get("created_on", lenient::opt_string)?,
                activated_on: f.get("activated_on", lenient::opt_string)?,
                cancelled_on: f.get("cancelled_on", lenient::opt_string)?,
                disputed_on: f.get("disputed_on", lenient::opt_string)?,
                site_registered: f.get("site_registered", lenient::opt_string)?,
                site_url: f.get("site_url", lenient::opt_string)?,
                site_name: f.get("site_name", lenient::opt_string)?,
                site_icon: f.get("site_icon", Deserialize::deserialize)?,
                extra: f.rest(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_paging_and_dates_are_refused_before_sending() {
        let base = || Activations::new("1234", "1234");
        for request in [
            base().page(0),
            base().per_page(0),
            base().per_page(MAX_PER_PAGE + 1),
            base().plans(["personal", ""]),
            base().plans(["a,b"]),
            base().activated_before("last week"),
            Activations::new("", "1"),
            Activations::new("1", "\n"),
        ] {
            assert!(
                matches!(request.validate(), Err(Error::InvalidInput(_))),
                "{request:?}"
            );
        }
        assert!(base().per_page(MAX_PER_PAGE).validate().is_ok());
    }

    #[test]
    fn a_loose_answer_is_read_and_its_unknown_fields_kept() -> Result<(), Error> {
        let body = br#"{"total":"2","activations":[
            {"id":7,"jetpack_partner_key_id":1234,"wpcom_blog_id":"1000","product_id":"personal",
             "activated_on":null,"cancelled_on":"2024-05-02 00:00:00","new":true},
            "not a site"
        ],"next":"x"}"#;
        let answer = Activations::new("1", "1").decode(Reply::decode(200, None, body)?)?;
        assert_eq!(answer.total, 2);
        assert_eq!(answer.activations.len(), 1);
        let site = &answer.activations[0];
        assert_eq!(site.jetpack_partner_key_id.as_deref(), Some("1234"));
        assert_eq!(site.wpcom_blog_id, Some(1000));
        assert_eq!(site.activated_on, None);
        assert!(site.extra.contains_key("new") && answer.extra.contains_key("next"));
        Ok(())
    }
}
