//! The product catalogue and the superset rule that decides what a site may
//! be given next (sections 2 and 5 of the API reference).
//!
//! Products come in families ranked from lowest to highest; a product
//! covers everything lower in its own family and whatever it includes
//! (Professional includes real-time backup, hence daily backup too).
//!
//! The rule is the reference's: a product that is a superset of what the
//! site has is allowed (real-time backup, then Professional), a subset is
//! not (Professional, then real-time backup). Read family by family:
//!
//! * a stand-alone product speaks for its own family; a plan speaks for
//!   every family, since a plan is the site's whole Jetpack: where it
//!   includes nothing (Personal and backups) it stands below any product
//!   of that family;
//! * a product may be provisioned when, in every family it speaks for, it
//!   is at least what the site has, and in one at least it is more;
//! * the product the site already has may be provisioned again, and
//!   changes nothing: a retried request must not fail.
//!
//! So a site with real-time backup alone may get Professional or Complete
//! but no lower plan (each would sit beside a backup it does not cover),
//! and may get Scan, Anti-spam or VideoPress beside it.

use std::collections::{BTreeMap, BTreeSet};

/// One product slug and where it sits.
#[derive(Debug)]
pub(crate) struct Product {
    pub slug: &'static str,
    pub family: &'static str,
    /// Position in the family; higher covers lower.
    pub rank: u8,
    /// Products of other families that come with this one.
    pub includes: &'static [&'static str],
}

/// The families, in the order the upgrade-paths answer lists them.
pub(crate) const FAMILIES: &[&str] = &[
    "jetpack-plans",
    "jetpack-backup",
    "jetpack-scan",
    "jetpack-anti-spam",
    "jetpack-videopress",
];

/// The family of the plans proper; the deprecated status form and a cancel
/// without `plan` speak of this one.
pub(crate) const PLANS: &str = "jetpack-plans";

const fn product(
    slug: &'static str,
    family: &'static str,
    rank: u8,
    includes: &'static [&'static str],
) -> Product {
    Product {
        slug,
        family,
        rank,
        includes,
    }
}

/// Every slug the sandbox knows, in catalogue order.
pub(crate) const PRODUCTS: &[Product] = &[
    product("free", PLANS, 0, &[]),
    product("personal", PLANS, 1, &[]),
    product(
        "premium",
        PLANS,
        2,
        &["jetpack-backup-daily", "jetpack-scan", "jetpack-anti-spam"],
    ),
    product(
        "professional",
        PLANS,
        3,
        &[
            "jetpack-backup-realtime",
            "jetpack-scan",
            "jetpack-anti-spam",
        ],
    ),
    product(
        "complete",
        PLANS,
        4,
        &[
            "jetpack-backup-realtime",
            "jetpack-scan",
            "jetpack-anti-spam",
            "jetpack-videopress",
        ],
    ),
    product("jetpack-backup-daily", "jetpack-backup", 0, &[]),
    product("jetpack-backup-realtime", "jetpack-backup", 1, &[]),
    product("jetpack-scan", "jetpack-scan", 0, &[]),
    product("jetpack-anti-spam", "jetpack-anti-spam", 0, &[]),
    product("jetpack-videopress", "jetpack-videopress", 0, &[]),
];

/// The product with this slug.
pub(crate) fn find(slug: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.slug == slug)
}

/// Position in the catalogue, to list products in a stable order.
pub(crate) fn order(slug: &str) -> usize {
    PRODUCTS
        .iter()
        .position(|p| p.slug == slug)
        .unwrap_or(usize::MAX)
}

/// Every slug that what a site holds already gives it.
pub(crate) fn covered<'a>(held: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for slug in held {
        cover(slug, &mut out);
    }
    out
}

fn cover(slug: &str, out: &mut BTreeSet<&'static str>) {
    let Some(product) = find(slug) else { return };
    for lower in PRODUCTS
        .iter()
        .filter(|p| p.family == product.family && p.rank <= product.rank)
    {
        out.insert(lower.slug);
    }
    for included in product.includes {
        cover(included, out);
    }
}

/// Where a product stands in each family it speaks for: its rank there,
/// or `None` for a plan's family it does not include (below any product
/// of it).
fn stands(product: &Product) -> BTreeMap<&'static str, Option<u8>> {
    let mut out = BTreeMap::new();
    if product.family == PLANS {
        for family in FAMILIES {
            out.insert(*family, None);
        }
    }
    for slug in covered([product.slug]) {
        if let Some(p) = find(slug) {
            let rank = out.entry(p.family).or_insert(None);
            *rank = (*rank).max(Some(p.rank));
        }
    }
    out
}

/// The highest rank the site reaches in each family, from what it holds.
fn reached<'a>(held: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'static str, u8> {
    let mut out = BTreeMap::new();
    for slug in covered(held) {
        if let Some(p) = find(slug) {
            let rank = out.entry(p.family).or_insert(p.rank);
            *rank = (*rank).max(p.rank);
        }
    }
    out
}

/// What provisioning `wanted` on a site holding `held` amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The site has exactly this product: succeed, change nothing.
    Same,
    /// A superset of what the site has: an addition or an upgrade.
    Allowed,
    /// Lower than what the site has in some family, or nothing more
    /// than it has.
    Downgrade,
}

/// Applies the superset rule (see the module's documentation).
pub(crate) fn verdict<'a>(
    held: impl IntoIterator<Item = &'a str> + Clone,
    wanted: &str,
) -> Verdict {
    if held.clone().into_iter().any(|h| h == wanted) {
        return Verdict::Same;
    }
    let Some(product) = find(wanted) else {
        return Verdict::Downgrade;
    };
    let site = reached(held);
    let mut gains = false;
    for (family, rank) in stands(product) {
        let has = site.get(family).copied();
        if rank < has {
            return Verdict::Downgrade;
        }
        gains |= rank > has;
    }
    if gains {
        Verdict::Allowed
    } else {
        Verdict::Downgrade
    }
}

/// What `wanted` replaces among `held`: the lower products of its family.
pub(crate) fn replaced_by(held: &str, wanted: &str) -> bool {
    match (find(held), find(wanted)) {
        (Some(h), Some(w)) => h.family == w.family && h.rank < w.rank,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(held: &[&str], wanted: &str) -> Verdict {
        verdict(held.iter().copied(), wanted)
    }

    #[test]
    fn every_included_slug_and_family_is_in_the_catalogue() {
        for p in PRODUCTS {
            assert!(FAMILIES.contains(&p.family), "{}", p.slug);
            for i in p.includes {
                assert!(find(i).is_some(), "{} includes unknown {i}", p.slug);
            }
        }
    }

    #[test]
    fn a_subset_is_refused_and_a_superset_allowed() {
        assert_eq!(
            v(&["professional"], "jetpack-backup-realtime"),
            Verdict::Downgrade
        );
        assert_eq!(
            v(&["professional"], "jetpack-backup-daily"),
            Verdict::Downgrade
        );
        assert_eq!(
            v(&["jetpack-backup-realtime"], "professional"),
            Verdict::Allowed
        );
        assert_eq!(
            v(&["jetpack-backup-daily"], "jetpack-backup-realtime"),
            Verdict::Allowed
        );
        assert_eq!(
            v(&["jetpack-backup-realtime"], "jetpack-backup-daily"),
            Verdict::Downgrade
        );
        assert_eq!(v(&["premium"], "jetpack-scan"), Verdict::Downgrade);
        assert_eq!(v(&["premium"], "jetpack-backup-realtime"), Verdict::Allowed);
        assert_eq!(v(&["complete"], "jetpack-videopress"), Verdict::Downgrade);
        assert_eq!(v(&["professional"], "jetpack-videopress"), Verdict::Allowed);
    }

    #[test]
    fn lower_in_a_family_is_a_downgrade_and_the_same_is_idempotent() {
        assert_eq!(v(&["premium"], "personal"), Verdict::Downgrade);
        assert_eq!(v(&["premium"], "free"), Verdict::Downgrade);
        assert_eq!(v(&["personal"], "premium"), Verdict::Allowed);
        assert_eq!(v(&["premium"], "premium"), Verdict::Same);
        assert_eq!(v(&[], "free"), Verdict::Allowed);
    }

    #[test]
    fn a_higher_product_replaces_only_lower_ones_of_its_family() {
        assert!(replaced_by("personal", "premium"));
        assert!(replaced_by(
            "jetpack-backup-daily",
            "jetpack-backup-realtime"
        ));
        assert!(!replaced_by("premium", "personal"));
        assert!(!replaced_by("jetpack-backup-realtime", "professional"));
        assert!(!replaced_by("premium", "premium"));
    }

    #[test]
    fn a_plan_must_cover_every_product_the_site_has() {
        let realtime = ["jetpack-backup-realtime"];
        for lower in ["free", "personal", "premium"] {
            assert_eq!(v(&realtime, lower), Verdict::Downgrade, "{lower}");
        }
        for higher in ["professional", "complete"] {
            assert_eq!(v(&realtime, higher), Verdict::Allowed, "{higher}");
        }
        for beside in ["jetpack-scan", "jetpack-anti-spam", "jetpack-videopress"] {
            assert_eq!(v(&realtime, beside), Verdict::Allowed, "{beside}");
        }
        assert_eq!(v(&realtime, "jetpack-backup-realtime"), Verdict::Same);
        assert_eq!(v(&["jetpack-scan"], "personal"), Verdict::Downgrade);
        assert_eq!(v(&["jetpack-scan"], "premium"), Verdict::Allowed);
        assert_eq!(
            v(&["professional", "jetpack-videopress"], "complete"),
            Verdict::Allowed
        );
        assert_eq!(
            v(&["jetpack-videopress"], "professional"),
            Verdict::Downgrade
        );
    }

    #[test]
    fn an_unknown_slug_is_never_allowed() {
        assert_eq!(v(&[], "gold"), Verdict::Downgrade);
    }
}
