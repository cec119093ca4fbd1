//! The decision: from what a site has (its status, and its upgrade paths
//! when something is to be provisioned) and what the desired state wants,
//! one action with its reason. No I/O: [`decide`] is a pure function.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::api::status::StatusAnswer;
use crate::api::upgrade_paths::UpgradePathsAnswer;

/// What reconcile does to one site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Provision the products in [`Decision::provision`] (a new site, an
    /// upgrade the upgrade paths allow, a product added).
    Provision,
    /// Cancel the products in [`Decision::cancel`], which this partner
    /// provisioned and the desired state no longer has.
    Cancel,
    /// Cancel [`Decision::cancel`], then provision [`Decision::provision`]:
    /// a downgrade with `--allow-downgrade`, or an addition beside a
    /// cancel with `--allow-cancel`.
    Replace,
    /// Already right.
    None,
    /// An activation of this partner's is not finished: nothing to do yet.
    Pending,
    /// The desired state cannot be reached by this partner, or not
    /// without an option (the reason says which).
    Blocked,
    /// The site's status could not be read.
    Error,
}

impl Action {
    /// The word in the plan.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Provision => "provision",
            Action::Cancel => "cancel",
            Action::Replace => "replace",
            Action::None => "none",
            Action::Pending => "pending",
            Action::Blocked => "blocked",
            Action::Error => "error",
        }
    }

    /// Whether it sends requests that change something.
    pub fn changes(self) -> bool {
        matches!(self, Action::Provision | Action::Cancel | Action::Replace)
    }

    /// Every action, in the order summaries list them.
    pub const ALL: [Action; 7] = [
        Action::Provision,
        Action::Cancel,
        Action::Replace,
        Action::None,
        Action::Pending,
        Action::Blocked,
        Action::Error,
    ];
}

/// One site's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// Products to provision, in the order they are sent (plans first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision: Vec<String>,
    /// Products to cancel (sent before the provisions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cancel: Vec<String>,
    /// Why, in words.
    pub reason: String,
}

impl Decision {
    fn new(action: Action, reason: impl Into<String>) -> Decision {
        Decision {
            action,
            provision: Vec::new(),
            cancel: Vec::new(),
            reason: reason.into(),
        }
    }

    /// The same action on the same products (the reason aside): what a
    /// stale plan is told by.
    pub fn same_as(&self, other: &Decision) -> bool {
        self.action == other.action
            && self.provision == other.provision
            && self.cancel == other.cancel
    }

    /// Whether this decision's requests are some of `planned`'s: what is
    /// left of a planned action that a killed run began.
    pub fn part_of(&self, planned: &Decision) -> bool {
        self.action.changes()
            && planned.action.changes()
            && self.provision.iter().all(|p| planned.provision.contains(p))
            && self.cancel.iter().all(|c| planned.cancel.contains(c))
    }
}

/// What the desired state wants for a site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Want {
    /// The products this partner should have on the site (empty: none).
    pub products: Vec<String>,
    /// Why the line cannot provision (no `local_user`, a blog ID and no
    /// URL); `None` when it can.
    pub cannot_provision: Option<String>,
}

/// A product on a site, as its status shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// Its slug.
    pub slug: String,
    /// Provisioned by this partner.
    pub ours: bool,
    /// Provisioned by a partner (this one or another).
    pub by_partner: bool,
    /// Waiting for the site to connect.
    pub pending: bool,
}

/// What a site has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// The API does not know the site (`invalid_blog`).
    Unknown,
    /// Its products.
    Known(Vec<Held>),
}

impl Seen {
    /// From a status answer.
    pub fn from_status(status: &StatusAnswer) -> Seen {
        Seen::Known(
            status
                .products
                .iter()
                .map(|p| Held {
                    slug: p.slug.clone(),
                    ours: p.is_provisioned_by_calling_partner,
                    by_partner: p.is_provisioned_by_partner || p.is_provisioned_by_calling_partner,
                    pending: p.is_pending,
                })
                .collect(),
        )
    }

    fn products(&self) -> &[Held] {
        match self {
            Seen::Unknown => &[],
            Seen::Known(products) => products,
        }
    }

    /// This partner's products' slugs.
    pub fn ours(&self) -> Vec<String> {
        self.products()
            .iter()
            .filter(|h| h.ours)
            .map(|h| h.slug.clone())
            .collect()
    }

    /// Other partners' or the owner's products' slugs.
    pub fn theirs(&self) -> Vec<String> {
        self.products()
            .iter()
            .filter(|h| !h.ours)
            .map(|h| h.slug.clone())
            .collect()
    }
}

/// The slugs the upgrade paths allow now, every family together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paths(BTreeSet<String>);

impl Paths {
    /// From an upgrade-paths answer.
    pub fn from_answer(answer: &UpgradePathsAnswer) -> Paths {
        Paths(answer.families.values().flatten().cloned().collect())
    }

    /// From a list of allowed slugs.
    pub fn allowing<S: Into<String>>(slugs: impl IntoIterator<Item = S>) -> Paths {
        Paths(slugs.into_iter().map(Into::into).collect())
    }

    fn allows(&self, slug: &str) -> bool {
        self.0.contains(slug)
    }
}

/// The options that change decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    /// Cancel what this partner provisioned and the desired state no
    /// longer has (otherwise `blocked`).
    #[serde(default)]
    pub allow_cancel: bool,
    /// A downgrade the API refuses becomes a cancel, then a provision.
    #[serde(default)]
    pub allow_downgrade: bool,
    /// Sites the desired state does not name, that this partner has
    /// products on, are cancelled.
    #[serde(default)]
    pub prune: bool,
}

/// The product family of a slug, as the API's upgrade paths group them:
/// the plans, the backups; every other product is a family of its own.
pub fn family(slug: &str) -> &str {
    match slug {
        "free" | "personal" | "premium" | "professional" | "complete" => "jetpack-plans",
        s if s.starts_with("jetpack-backup") => "jetpack-backup",
        other => other,
    }
}

fn is_plan(slug: &str) -> bool {
    family(slug) == "jetpack-plans"
}

/// Plans first (a plan must cover what the site has, so it goes before
/// the products beside it), then the rest in the order given.
fn plans_first(mut slugs: Vec<String>) -> Vec<String> {
    slugs.sort_by_key(|s| !is_plan(s));
    slugs
}

fn list(slugs: &[String]) -> String {
    if slugs.is_empty() {
        "nothing".into()
    } else {
        slugs.join(" ")
    }
}

/// Whether deciding needs the site's upgrade paths: a known site, none of
/// this partner's activations pending, and something to provision.
pub fn needs_paths(want: Option<&Want>, seen: &Seen) -> bool {
    let (Some(want), Seen::Known(products)) = (want, seen) else {
        return false;
    };
    let ours: Vec<&Held> = products.iter().filter(|h| h.ours).collect();
    !ours.iter().any(|h| h.pending)
        && want
            .products
            .iter()
            .any(|w| !ours.iter().any(|h| &h.slug == w))
}

/// One site's decision. `want` is `None` for a site the desired state does
/// not name (a `--prune` candidate); `paths` is read when
/// [`needs_paths`] says so (without them nothing is taken as allowed).
pub fn decide(want: Option<&Want>, seen: &Seen, paths: Option<&Paths>, rules: Rules) -> Decision {
    let ours = seen.ours();
    let pending: Vec<&Held> = seen
        .products()
        .iter()
        .filter(|h| h.ours && h.pending)
        .collect();
    let Some(want) = want else {
        return prune(&ours, &pending, rules);
    };
    if *seen == Seen::Unknown {
        if want.products.is_empty() {
            return Decision::new(
                Action::None,
                "nothing wanted, and the API does not know the site",
            );
        }
        if let Some(why) = &want.cannot_provision {
            return Decision::new(
                Action::Blocked,
                format!(
                    "unknown site: the API does not know it, and {why}; wanted {}",
                    list(&want.products)
                ),
            );
        }
        return Decision {
            provision: plans_first(want.products.clone()),
            ..Decision::new(
                Action::Provision,
                format!("new site: provision {}", list(&want.products)),
            )
        };
    }
    if !pending.is_empty() {
        let slugs: Vec<String> = pending.iter().map(|h| h.slug.clone()).collect();
        return Decision::new(
            Action::Pending,
            format!(
                "activation not finished ({} waits for the site to connect): nothing to do yet",
                list(&slugs)
            ),
        );
    }
    let to_add: Vec<String> = plans_first(
        want.products
            .iter()
            .filter(|w| !ours.contains(w))
            .cloned()
            .collect(),
    );
    let stale: Vec<String> = ours
        .iter()
        .filter(|o| !want.products.contains(o))
        .cloned()
        .collect();
    if to_add.is_empty() && stale.is_empty() {
        return Decision::new(Action::None, format!("already right: {}", list(&ours)));
    }
    if !to_add.is_empty() {
        if let Some(why) = &want.cannot_provision {
            return Decision::new(
                Action::Blocked,
                format!("{} to provision, but {why}", list(&to_add)),
            );
        }
    }
    let no_paths = Paths::default();
    let paths = paths.unwrap_or(&no_paths);
    let refused: Vec<&String> = to_add.iter().filter(|s| !paths.allows(s)).collect();
    if let Some(first) = refused.first() {
        let theirs = seen
            .products()
            .iter()
            .find(|h| !h.ours && (h.slug == **first || family(&h.slug) == family(first)));
        if let Some(theirs) = theirs {
            let whose = if theirs.by_partner {
                "another partner's plan"
            } else {
                "the site owner's own product"
            };
            return Decision::new(
                Action::Blocked,
                format!(
                    "{whose}: {} on the site stands in the way of {first}; only its owner may \
                     change it",
                    theirs.slug
                ),
            );
        }
        return downgrade(&to_add, &stale, rules, first);
    }
    // Every addition is allowed. What this partner has in an addition's
    // family is replaced by it (an upgrade); the rest is left over.
    let families: BTreeSet<&str> = to_add.iter().map(|s| family(s)).collect();
    let (superseded, leftover): (Vec<String>, Vec<String>) = stale
        .iter()
        .cloned()
        .partition(|s| families.contains(family(s)));
    if to_add.is_empty() {
        if rules.allow_cancel {
            return Decision {
                cancel: leftover.clone(),
                ..Decision::new(
                    Action::Cancel,
                    format!(
                        "the desired state no longer has {}: cancel it",
                        list(&leftover)
                    ),
                )
            };
        }
        return Decision::new(
            Action::Blocked,
            format!(
                "the desired state no longer has {}, which this partner provisioned; \
                 --allow-cancel cancels it",
                list(&leftover)
            ),
        );
    }
    let what = if superseded.is_empty() && ours.is_empty() {
        format!("provision {}", list(&to_add))
    } else if superseded.is_empty() {
        format!("add {} to {}", list(&to_add), list(&ours))
    } else {
        format!("upgrade {} to {}", list(&superseded), list(&to_add))
    };
    if !leftover.is_empty() && rules.allow_cancel {
        return Decision {
            provision: to_add,
            cancel: leftover.clone(),
            ..Decision::new(
                Action::Replace,
                format!(
                    "{what}; the desired state no longer has {}: cancel it first",
                    list(&leftover)
                ),
            )
        };
    }
    let kept = if leftover.is_empty() {
        String::new()
    } else {
        format!("; {} is kept (--allow-cancel cancels it)", list(&leftover))
    };
    Decision {
        provision: to_add,
        ..Decision::new(
            Action::Provision,
            format!("{what}, as the upgrade paths allow{kept}"),
        )
    }
}

/// A site the desired state does not name.
fn prune(ours: &[String], pending: &[&Held], rules: Rules) -> Decision {
    if ours.is_empty() {
        return Decision::new(
            Action::None,
            "not in the desired state, and nothing of this partner's is on it",
        );
    }
    if !pending.is_empty() {
        return Decision::new(
            Action::Pending,
            "not in the desired state, but an activation is not finished: nothing to do yet",
        );
    }
    if !rules.prune {
        return Decision::new(
            Action::None,
            format!(
                "not in the desired state: {} left alone (--prune cancels it)",
                list(ours)
            ),
        );
    }
    Decision {
        cancel: ours.to_vec(),
        ..Decision::new(
            Action::Cancel,
            format!("not in the desired state (--prune): cancel {}", list(ours)),
        )
    }
}

/// An addition the upgrade paths refuse, with nobody else's product in the
/// way: a downgrade.
fn downgrade(to_add: &[String], stale: &[String], rules: Rules, first: &str) -> Decision {
    // What of ours stands in the way: the same family, or everything the
    // desired state drops when a plan (the site's whole Jetpack) comes.
    let families: BTreeSet<&str> = to_add.iter().map(|s| family(s)).collect();
    let plan_comes = to_add.iter().any(|s| is_plan(s));
    let (in_the_way, leftover): (Vec<String>, Vec<String>) = stale
        .iter()
        .cloned()
        .partition(|s| plan_comes || families.contains(family(s)));
    if in_the_way.is_empty() {
        return Decision::new(
            Action::Blocked,
            format!(
                "the API refuses {first} here (not in the upgrade paths: a subset of what the \
                 site has), and nothing in the way is this partner's to cancel"
            ),
        );
    }
    if !rules.allow_downgrade {
        return Decision::new(
            Action::Blocked,
            format!(
                "downgrade: the API refuses {first} over {} (a subset of what the site has); \
                 --allow-downgrade cancels, then provisions",
                list(&in_the_way)
            ),
        );
    }
    let mut cancel = in_the_way.clone();
    let mut kept = String::new();
    if rules.allow_cancel {
        cancel.extend(leftover);
    } else if !leftover.is_empty() {
        kept = format!("; {} is kept (--allow-cancel cancels it)", list(&leftover));
    }
    Decision {
        provision: to_add.to_vec(),
        cancel,
        ..Decision::new(
            Action::Replace,
            format!(
                "downgrade {} to {} (--allow-downgrade): cancel, then provision{kept}",
                list(&in_the_way),
                list(to_add)
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(slug: &str, ours: bool, pending: bool) -> Held {
        Held {
            slug: slug.into(),
            ours,
            by_partner: true,
            pending,
        }
    }

    fn want(products: &[&str]) -> Want {
        Want {
            products: products.iter().map(|s| (*s).to_owned()).collect(),
            cannot_provision: None,
        }
    }

    fn strings(slugs: &[&str]) -> Vec<String> {
        slugs.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The sandbox's upgrade paths for a site that has `have` (ours or
    /// not): enough of the superset rule for these tables.
    fn paths_for(have: &[&str]) -> Paths {
        paths_beside(have, &[])
    }

    /// The same, with `theirs` (other partners') products on the site too:
    /// nothing of their families may be provisioned over them.
    fn paths_beside(have: &[&str], theirs: &[&str]) -> Paths {
        let rank = |s: &str| {
            [
                "free",
                "personal",
                "premium",
                "professional",
                "complete",
                "jetpack-backup-daily",
                "jetpack-backup-realtime",
            ]
            .iter()
            .position(|p| *p == s)
        };
        let all = [
            "free",
            "personal",
            "premium",
            "professional",
            "complete",
            "jetpack-backup-daily",
            "jetpack-backup-realtime",
            "jetpack-scan",
            "jetpack-anti-spam",
        ];
        // What a plan includes beyond its own family.
        let includes = |plan: &str| -> &[&str] {
            match plan {
                "premium" => &["jetpack-backup-daily", "jetpack-scan", "jetpack-anti-spam"],
                "professional" | "complete" => &[
                    "jetpack-backup-daily",
                    "jetpack-backup-realtime",
                    "jetpack-scan",
                    "jetpack-anti-spam",
                ],
                _ => &[],
            }
        };
        Paths::allowing(all.iter().copied().filter(|slug| {
            !theirs.iter().any(|t| family(t) == family(slug))
                && have.iter().chain(theirs).all(|h| {
                    if family(h) == family(slug) {
                        rank(slug) >= rank(h)
                    } else {
                        // A plan is the site's whole Jetpack: it must cover
                        // every product beside it.
                        !is_plan(slug) || includes(slug).contains(h)
                    }
                })
        }))
    }

    struct Case {
        name: &'static str,
        want: Option<Want>,
        seen: Seen,
        rules: Rules,
        action: Action,
        provision: &'static [&'static str],
        cancel: &'static [&'static str],
        reason: &'static str,
    }

    fn case(name: &'static str, want: Option<Want>, seen: Seen, action: Action) -> Case {
        Case {
            name,
            want,
            seen,
            rules: Rules::default(),
            action,
            provision: &[],
            cancel: &[],
            reason: "",
        }
    }

    impl Case {
        fn rules(mut self, rules: Rules) -> Case {
            self.rules = rules;
            self
        }
        fn provision(mut self, slugs: &'static [&'static str]) -> Case {
            self.provision = slugs;
            self
        }
        fn cancel(mut self, slugs: &'static [&'static str]) -> Case {
            self.cancel = slugs;
            self
        }
        fn reason(mut self, words: &'static str) -> Case {
            self.reason = words;
            self
        }
    }

    const CANCEL: Rules = Rules {
        allow_cancel: true,
        allow_downgrade: false,
        prune: false,
    };
    const DOWNGRADE: Rules = Rules {
        allow_cancel: false,
        allow_downgrade: true,
        prune: false,
    };
    const BOTH: Rules = Rules {
        allow_cancel: true,
        allow_downgrade: true,
        prune: false,
    };
    const PRUNE: Rules = Rules {
        allow_cancel: false,
        allow_downgrade: false,
        prune: true,
    };

    fn known(products: &[Held]) -> Seen {
        Seen::Known(products.to_vec())
    }

    #[test]
    fn status_by_desired_gives_one_action_and_its_reason() {
        let mut no_user = want(&["personal"]);
        no_user.cannot_provision = Some("the line has no local_user".into());
        let owner = Held {
            slug: "personal".into(),
            ours: false,
            by_partner: false,
            pending: false,
        };
        let cases = [
            // Unknown sites.
            case(
                "new site",
                Some(want(&["jetpack-scan", "premium"])),
                Seen::Unknown,
                Action::Provision,
            )
            .provision(&["premium", "jetpack-scan"])
            .reason("new site"),
            case(
                "unknown, nothing wanted",
                Some(want(&[])),
                Seen::Unknown,
                Action::None,
            )
            .reason("does not know"),
            case(
                "unknown, cannot provision",
                Some(no_user.clone()),
                Seen::Unknown,
                Action::Blocked,
            )
            .reason("unknown site"),
            // Right already.
            case(
                "right",
                Some(want(&["personal"])),
                known(&[held("personal", true, false)]),
                Action::None,
            )
            .reason("already right"),
            case("right, nothing", Some(want(&[])), known(&[]), Action::None),
            case(
                "right, beside another partner's",
                Some(want(&["jetpack-scan"])),
                known(&[
                    held("jetpack-scan", true, false),
                    held("personal", false, false),
                ]),
                Action::None,
            ),
            case(
                "known, nothing of ours, nothing wanted",
                Some(want(&[])),
                known(&[held("premium", false, false)]),
                Action::None,
            ),
            // Pending.
            case(
                "pending",
                Some(want(&["premium"])),
                known(&[held("personal", true, true)]),
                Action::Pending,
            )
            .reason("activation not finished"),
            case(
                "pending and right",
                Some(want(&["personal"])),
                known(&[held("personal", true, true)]),
                Action::Pending,
            ),
            case(
                "another partner's pending is not ours",
                Some(want(&["jetpack-scan"])),
                known(&[held("personal", false, true)]),
                Action::Provision,
            )
            .provision(&["jetpack-scan"]),
            // Provisions on known sites.
            case(
                "upgrade",
                Some(want(&["premium"])),
                known(&[held("personal", true, false)]),
                Action::Provision,
            )
            .provision(&["premium"])
            .reason("upgrade personal to premium"),
            case(
                "add beside",
                Some(want(&["personal", "jetpack-scan"])),
                known(&[held("personal", true, false)]),
                Action::Provision,
            )
            .provision(&["jetpack-scan"])
            .reason("add jetpack-scan to personal"),
            case(
                "known, all new",
                Some(want(&["free"])),
                known(&[]),
                Action::Provision,
            )
            .provision(&["free"]),
            case(
                "upgrade, cannot provision",
                Some(no_user.clone()),
                known(&[held("free", true, false)]),
                Action::Blocked,
            )
            .reason("no local_user"),
            case(
                "upgrade with a left-over kept",
                Some(want(&["premium"])),
                known(&[
                    held("personal", true, false),
                    held("jetpack-scan", true, false),
                ]),
                Action::Provision,
            )
            .provision(&["premium"])
            .reason("jetpack-scan is kept"),
            case(
                "upgrade with a left-over cancelled",
                Some(want(&["premium"])),
                known(&[
                    held("personal", true, false),
                    held("jetpack-scan", true, false),
                ]),
                Action::Replace,
            )
            .rules(CANCEL)
            .provision(&["premium"])
            .cancel(&["jetpack-scan"]),
            // Cancels.
            case(
                "cancel blocked",
                Some(want(&[])),
                known(&[held("premium", true, false)]),
                Action::Blocked,
            )
            .reason("--allow-cancel"),
            case(
                "cancel",
                Some(want(&[])),
                known(&[held("premium", true, false)]),
                Action::Cancel,
            )
            .rules(CANCEL)
            .cancel(&["premium"]),
            case(
                "cancel one of two",
                Some(want(&["premium"])),
                known(&[
                    held("premium", true, false),
                    held("jetpack-scan", true, false),
                ]),
                Action::Cancel,
            )
            .rules(CANCEL)
            .cancel(&["jetpack-scan"]),
            // Downgrades.
            case(
                "downgrade blocked",
                Some(want(&["personal"])),
                known(&[held("professional", true, false)]),
                Action::Blocked,
            )
            .reason("downgrade"),
            case(
                "downgrade allowed",
                Some(want(&["personal"])),
                known(&[held("professional", true, false)]),
                Action::Replace,
            )
            .rules(DOWNGRADE)
            .provision(&["personal"])
            .cancel(&["professional"]),
            case(
                "downgrade of a backup",
                Some(want(&["jetpack-backup-daily"])),
                known(&[held("jetpack-backup-realtime", true, false)]),
                Action::Replace,
            )
            .rules(BOTH)
            .provision(&["jetpack-backup-daily"])
            .cancel(&["jetpack-backup-realtime"]),
            case(
                "a plan below our backup",
                Some(want(&["personal"])),
                known(&[held("jetpack-backup-realtime", true, false)]),
                Action::Blocked,
            )
            .reason("downgrade"),
            // Not ours to change.
            case(
                "another partner's plan",
                Some(want(&["premium"])),
                known(&[held("personal", false, false)]),
                Action::Blocked,
            )
            .rules(BOTH)
            .reason("another partner's plan"),
            case(
                "another partner's same product",
                Some(want(&["jetpack-scan"])),
                known(&[held("jetpack-scan", false, false)]),
                Action::Blocked,
            )
            .reason("another partner's plan"),
            case(
                "the owner's own plan",
                Some(want(&["premium"])),
                known(&[owner]),
                Action::Blocked,
            )
            .reason("site owner"),
            // Sites the desired state does not name.
            case(
                "prune",
                None,
                known(&[held("premium", true, false), held("personal", false, false)]),
                Action::Cancel,
            )
            .rules(PRUNE)
            .cancel(&["premium"])
            .reason("--prune"),
            case(
                "not named, no --prune",
                None,
                known(&[held("premium", true, false)]),
                Action::None,
            )
            .reason("left alone"),
            case(
                "not named, nothing ours",
                None,
                known(&[held("premium", false, false)]),
                Action::None,
            )
            .rules(PRUNE),
            case("not named, unknown", None, Seen::Unknown, Action::None).rules(PRUNE),
            case(
                "not named, pending",
                None,
                known(&[held("premium", true, true)]),
                Action::Pending,
            )
            .rules(PRUNE),
        ];
        for c in cases {
            let products = match &c.seen {
                Seen::Unknown => &[][..],
                Seen::Known(products) => &products[..],
            };
            let slugs = |ours: bool| -> Vec<&str> {
                products
                    .iter()
                    .filter(|h| h.ours == ours)
                    .map(|h| h.slug.as_str())
                    .collect()
            };
            let paths = needs_paths(c.want.as_ref(), &c.seen)
                .then(|| paths_beside(&slugs(true), &slugs(false)));
            let d = decide(c.want.as_ref(), &c.seen, paths.as_ref(), c.rules);
            assert_eq!(d.action, c.action, "{}: {d:?}", c.name);
            assert_eq!(d.provision, strings(c.provision), "{}: {d:?}", c.name);
            assert_eq!(d.cancel, strings(c.cancel), "{}: {d:?}", c.name);
            assert!(d.reason.contains(c.reason), "{}: {:?}", c.name, d.reason);
        }
    }

    #[test]
    fn upgrade_paths_are_needed_only_to_provision_on_a_known_site() {
        let site = known(&[held("personal", true, false)]);
        assert!(needs_paths(Some(&want(&["premium"])), &site));
        assert!(!needs_paths(Some(&want(&["personal"])), &site));
        assert!(!needs_paths(Some(&want(&[])), &site));
        assert!(!needs_paths(Some(&want(&["premium"])), &Seen::Unknown));
        assert!(!needs_paths(None, &site));
        let pending = known(&[held("personal", true, true)]);
        assert!(!needs_paths(Some(&want(&["premium"])), &pending));
        // Without the paths, nothing is taken as allowed.
        let d = decide(Some(&want(&["premium"])), &site, None, Rules::default());
        assert_eq!(d.action, Action::Blocked);
    }

    #[test]
    fn every_pair_of_products_gives_a_decision_that_converges() {
        // After doing what a decision says (as the sandbox would), the next
        // decision changes nothing.
        let slugs = [
            "free",
            "personal",
            "premium",
            "professional",
            "jetpack-scan",
        ];
        let mut sets: Vec<Vec<&str>> = vec![vec![]];
        sets.extend(slugs.iter().map(|s| vec![*s]));
        sets.push(vec!["personal", "jetpack-scan"]);
        for have in &sets {
            for wanted in &sets {
                for rules in [Rules::default(), CANCEL, DOWNGRADE, BOTH] {
                    let seen = known(
                        &have
                            .iter()
                            .map(|s| held(s, true, false))
                            .collect::<Vec<_>>(),
                    );
                    let want = want(wanted);
                    let paths = needs_paths(Some(&want), &seen).then(|| paths_for(have));
                    let d = decide(Some(&want), &seen, paths.as_ref(), rules);
                    if !d.action.changes() {
                        continue;
                    }
                    let mut after: Vec<String> = have
                        .iter()
                        .map(|s| (*s).to_owned())
                        .filter(|s| !d.cancel.contains(s))
                        .collect();
                    for p in &d.provision {
                        after.retain(|s| family(s) != family(p));
                        after.push(p.clone());
                    }
                    let seen = known(
                        &after
                            .iter()
                            .map(|s| held(s, true, false))
                            .collect::<Vec<_>>(),
                    );
                    let again = decide(Some(&want), &seen, None, rules);
                    assert!(
                        !again.action.changes(),
                        "{have:?} → {wanted:?} with {rules:?}: {d:?}, then {again:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn part_of_a_plan() {
        let planned = Decision {
            action: Action::Replace,
            provision: strings(&["personal"]),
            cancel: strings(&["professional"]),
            reason: String::new(),
        };
        let left = Decision {
            action: Action::Provision,
            provision: strings(&["personal"]),
            cancel: Vec::new(),
            reason: "other words".into(),
        };
        assert!(left.part_of(&planned) && !left.same_as(&planned));
        assert!(planned.same_as(&planned.clone()));
        let other = Decision {
            provision: strings(&["premium"]),
            ..left
        };
        assert!(!other.part_of(&planned));
    }
}
