//! `GET /rest/v1.3/jpphp/{site}/upgrade-paths`: what may be provisioned now.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::JPPHP_V13;
use crate::auth::AccessToken;
use crate::client::Client;
use crate::error::Error;
use crate::site::SiteRef;

/// Product family (`jetpack-plans`, `jetpack-backup`, …) to the slugs that
/// may be provisioned now. Provision one of them; the answer changes after.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradePaths {
    /// Family to slugs.
    #[serde(flatten)]
    pub families: BTreeMap<String, Vec<String>>,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: crate::response::RawAnswer,
}

crate::response::keeps_raw!(UpgradePaths);

impl UpgradePaths {
    /// The slugs allowed in one family (empty when none or unknown).
    pub fn family(&self, name: &str) -> &[String] {
        self.families.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether `slug` may be provisioned now, in any family.
    pub fn allows(&self, slug: &str) -> bool {
        self.families.values().flatten().any(|s| s == slug)
    }
}

impl Client {
    /// The products a site may be given now.
    pub fn upgrade_paths(
        &self,
        token: &AccessToken,
        site: &SiteRef,
    ) -> Result<UpgradePaths, Error> {
        let json = self.get(&format!("{JPPHP_V13}/{site}/upgrade-paths"), Some(token))?;
        self.typed(
            json,
            "the upgrade-paths answer is not an object of slug lists",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_allows() -> Result<(), serde_json::Error> {
        let p: UpgradePaths = serde_json::from_str(
            r#"{"jetpack-plans":["premium","professional"],"jetpack-backup":[]}"#,
        )?;
        assert_eq!(p.family("jetpack-plans"), ["premium", "professional"]);
        assert!(p.family("nope").is_empty());
        assert!(p.allows("professional") && !p.allows("free"));
        Ok(())
    }
}
