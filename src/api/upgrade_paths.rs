//! `GET /rest/v1.3/jpphp/{site}/upgrade-paths`: what may be provisioned now.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::JPPHP_V13;
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::response::{RawAnswer, Reply};
use crate::site::SiteRef;

/// What a site may be given now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradePaths {
    site: SiteRef,
}

impl UpgradePaths {
    /// The upgrade paths of `site`.
    pub fn new(site: SiteRef) -> Self {
        UpgradePaths { site }
    }
}

impl Endpoint for UpgradePaths {
    type Answer = UpgradePathsAnswer;
    const METHOD: Method = Method::Get;

    fn path(&self) -> Result<String, Error> {
        Ok(format!("{JPPHP_V13}/{}/upgrade-paths", self.site))
    }

    fn decode(&self, reply: Reply) -> Result<UpgradePathsAnswer, Error> {
        reply.typed("the upgrade-paths answer is not the documented object")
    }
}

/// Product family (`jetpack-plans`, `jetpack-backup`, …) to the slugs that
/// may be provisioned now. Provision one of them; the answer changes after.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpgradePathsAnswer {
    /// Family to slugs.
    #[serde(flatten)]
    pub families: BTreeMap<String, Vec<String>>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

/// Every field is a family: read as the map it is.
impl<'de> Deserialize<'de> for UpgradePathsAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(UpgradePathsAnswer {
            families: BTreeMap::deserialize(d)?,
            raw: RawAnswer::default(),
        })
    }
}

crate::response::keeps_raw!(UpgradePathsAnswer);

impl UpgradePathsAnswer {
    /// The slugs allowed in one family (empty when none or unknown).
    pub fn family(&self, name: &str) -> &[String] {
        self.families.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether `slug` may be provisioned now, in any family.
    pub fn allows(&self, slug: &str) -> bool {
        self.families.values().flatten().any(|s| s == slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_allows() -> Result<(), serde_json::Error> {
        let p: UpgradePathsAnswer = serde_json::from_str(
            r#"{"jetpack-plans":["premium","professional"],"jetpack-backup":[]}"#,
        )?;
        assert_eq!(p.family("jetpack-plans"), ["premium", "professional"]);
        assert!(p.family("nope").is_empty());
        assert!(p.allows("professional") && !p.allows("free"));
        Ok(())
    }
}
