//! The product catalogue and the superset rules that decide what a site may
//! be given next (sections 2 and 5 of the API reference).
//!
//! Products come in families ranked from lowest to highest; a product covers
//! everything lower in its own family and whatever it includes (Professional
//! includes real-time backup, hence daily backup too). A site may be given a
//! product only if nothing it has already covers it: the service never
//! downgrades automatically.

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

/// What provisioning `wanted` on a site holding `held` amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The site has exactly this product: succeed, change nothing.
    Same,
    /// A real addition or upgrade.
    Allowed,
    /// Lower than, or part of, what the site has.
    Downgrade,
}

/// Applies the superset rules.
pub(crate) fn verdict<'a>(
    held: impl IntoIterator<Item = &'a str> + Clone,
    wanted: &str,
) -> Verdict {
    if held.clone().into_iter().any(|h| h == wanted) {
        Verdict::Same
    } else if covered(held).contains(wanted) {
        Verdict::Downgrade
    } else {
        Verdict::Allowed
    }
}

/// What `wanted` replaces among `held`: the lower products of its family.
pub(crate) fn replaced_by(held: &str, wanted: &str) -> bool {
    match (find(held), find(wanted)) {
        (Some(h), Some(w)) => h.family == w.family && h.rank < w.rank,
        _ => false,
    }
}

/// For each family, the slugs a site holding `held` may be given now.
pub(crate) fn upgrade_paths<'a>(
    held: impl IntoIterator<Item = &'a str> + Clone,
) -> BTreeMap<&'static str, Vec<&'static str>> {
    let covered = covered(held);
    FAMILIES
        .iter()
        .map(|family| {
            let open = PRODUCTS
                .iter()
                .filter(|p| p.family == *family && !covered.contains(p.slug))
                .map(|p| p.slug)
                .collect();
            (*family, open)
        })
        .collect()
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
    fn upgrade_paths_leave_out_what_is_covered() {
        let fresh = upgrade_paths([].iter().copied());
        assert_eq!(fresh.len(), FAMILIES.len());
        assert_eq!(
            fresh["jetpack-plans"],
            ["free", "personal", "premium", "professional", "complete"]
        );
        let premium = upgrade_paths(["premium"].iter().copied());
        assert_eq!(premium["jetpack-plans"], ["professional", "complete"]);
        assert_eq!(premium["jetpack-backup"], ["jetpack-backup-realtime"]);
        assert!(premium["jetpack-scan"].is_empty());
        assert_eq!(premium["jetpack-videopress"], ["jetpack-videopress"]);
        let complete = upgrade_paths(["complete"].iter().copied());
        assert!(complete.values().all(Vec::is_empty), "{complete:?}");
    }
}
