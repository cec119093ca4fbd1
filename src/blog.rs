//! Blog IDs: how the `wpcom/v2` and `activity-log` endpoints name a site.
//!
//! Those endpoints take the site's numeric WordPress.com blog ID only. A
//! [`SiteRef`](crate::SiteRef) that is a domain or URL is turned into one
//! by the public site lookup ([`SiteLookup`](crate::SiteLookup)), which
//! [`Session::blog_id`](crate::Session::blog_id) does once per site.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;

/// A WordPress.com blog ID: a positive number.
///
/// ```
/// use jetpack_partner::BlogId;
/// let id: BlogId = "155308227".parse()?;
/// assert_eq!(id.get(), 155308227);
/// assert!("0".parse::<BlogId>().is_err());
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct BlogId(u64);

impl BlogId {
    /// A blog ID; 0 is none.
    pub fn new(id: u64) -> Result<BlogId, Error> {
        if id == 0 {
            return Err(Error::InvalidInput(
                "a blog ID is a positive number, not 0".into(),
            ));
        }
        Ok(BlogId(id))
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for BlogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for BlogId {
    type Err = Error;

    fn from_str(text: &str) -> Result<BlogId, Error> {
        let id = text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|_| text.trim().bytes().all(|b| b.is_ascii_digit()));
        match id {
            Some(id) => BlogId::new(id),
            None => Err(Error::InvalidInput(format!(
                "{text:?} is not a blog ID (a positive number)"
            ))),
        }
    }
}

/// Reads a blog ID sent as a number or a numeric string (the API does
/// both).
impl<'de> Deserialize<'de> for BlogId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BlogId, D::Error> {
        match crate::lenient::id::deserialize(d)? {
            Some(id) => Ok(BlogId(id)),
            None => Err(serde::de::Error::custom("a blog ID is a positive number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_numeric_strings() -> Result<(), Box<dyn std::error::Error>> {
        assert_eq!("42".parse::<BlogId>()?.get(), 42);
        for bad in ["", "0", "-1", "4 2", "x", "+5", "99999999999999999999"] {
            assert!(bad.parse::<BlogId>().is_err(), "{bad:?}");
        }
        let id: BlogId = serde_json::from_str("\"77\"")?;
        assert_eq!(id, BlogId::new(77)?);
        assert_eq!(serde_json::to_string(&id)?, "77");
        assert!(serde_json::from_str::<BlogId>("0").is_err());
        Ok(())
    }
}
