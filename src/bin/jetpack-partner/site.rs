//! `status` and `upgrade-paths`: what a site has, and what it may get.

use jetpack_partner::{SiteRef, Status, StatusV13, UpgradePaths};

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

const SITE: Flag = Flag::value(
    "site",
    &["--site"],
    "SITE",
    "the site: a URL, a domain or a blog ID",
);

/// `status`'s flag groups.
pub const STATUS_FLAGS: &[&[Flag]] = &[STATUS_OWN];

const STATUS_OWN: &[Flag] = &[
    SITE,
    Flag::switch(
        "v1.3",
        &["--v1.3"],
        "use the deprecated v1.3 endpoint (flat answer)",
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

pub fn site(flags: &Parsed) -> Result<SiteRef, Failure> {
    let given = flags.required("site", "--site")?;
    Ok(SiteRef::parse(given)?)
}

pub fn status(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let site = site(flags)?;
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    if flags.switch("v1.3") {
        let status = globals.send(&session, &StatusV13::new(site))?;
        globals.out.json(&status)
    } else {
        let status = globals.send(&session, &Status::new(site))?;
        globals.out.json(&status)
    }
}

pub fn upgrade_paths(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let site = site(flags)?;
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let paths = globals.send(&session, &UpgradePaths::new(site))?;
    globals.out.json(&paths)
}
