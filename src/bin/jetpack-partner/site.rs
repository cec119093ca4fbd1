//! `status` and `upgrade-paths`: what a site has, and what it may get.

use jetpack_partner::{SiteRef, Status, StatusV13, UpgradePaths};

use crate::args::{require, set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

pub const SITE: Flag = Flag::value(
    &["--site"],
    "SITE",
    "the site: a URL, a domain or a blog ID",
    update,
);

/// `--site`, as `status`, `upgrade-paths` and `cancel` read it.
pub fn update(a: &mut Args, v: Given) -> Result<(), Problem> {
    set(&mut a.site, SiteRef::parse(&v.text).map_err(Problem::from))
}

/// `status`'s flag groups.
pub const STATUS_FLAGS: &[&[Flag]] = &[STATUS_OWN];

const STATUS_OWN: &[Flag] = &[
    SITE,
    Flag::switch(
        &["--v1.3"],
        "use the deprecated v1.3 endpoint (flat answer)",
        |a| &mut a.v1_3,
    ),
];

pub const STATUS_HELP: &str = "\
Show a site's connection and the Jetpack products it has
(GET /rest/v1.4/jpphp/{site}/status).

Usage: jetpack-partner [global options] status --site SITE [--v1.3]

Example:
  jetpack-partner status --site example.com/blog
";

/// `upgrade-paths`'s flag groups.
pub const UPGRADE_PATHS_FLAGS: &[&[Flag]] = &[&[SITE]];

pub const UPGRADE_PATHS_HELP: &str = "\
List, by product family, the products a site may be given now
(GET /rest/v1.3/jpphp/{site}/upgrade-paths). Provision one of them; the
answer changes after each provisioning.

Usage: jetpack-partner [global options] upgrade-paths --site SITE

Example:
  jetpack-partner upgrade-paths --site 12345
";

/// `status` and `upgrade-paths` need the site.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, a.given("--site"), "--site", "SITE");
}

/// The site, which `check` made sure of.
fn site(args: &Args) -> SiteRef {
    let Some(site) = &args.site else {
        unreachable!("check requires --site");
    };
    site.clone()
}

pub fn status(args: &Args, globals: &Globals) -> Result<(), Failure> {
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let site = site(args);
    if args.v1_3 {
        let status = globals.send(&session, &StatusV13::new(site))?;
        globals.out.json(&status)
    } else {
        let status = globals.send(&session, &Status::new(site))?;
        globals.out.json(&status)
    }
}

pub fn upgrade_paths(args: &Args, globals: &Globals) -> Result<(), Failure> {
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let site = site(args);
    let paths = globals.send(&session, &UpgradePaths::new(site))?;
    globals.out.json(&paths)
}
