//! `cancel`: cancel what this partner provisioned for a site. Also accepts
//! the spellings of `partner-cancel.sh`.

use jetpack_partner::{Cancel, SiteRef};

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;
use crate::wp_cli::{self, WpCli};

/// The command's flag groups: its own and WP-CLI's.
pub const FLAGS: &[&[Flag]] = &[OWN, wp_cli::FLAGS];

const OWN: &[Flag] = &[
    Flag::value(
        "site",
        &["--site"],
        "SITE",
        "the site: a URL, a domain or a blog ID",
    ),
    Flag::value(
        "url",
        &["--url"],
        "URL",
        "the site URL (partner-cancel.sh's spelling; also WP-CLI's --url)",
    ),
    Flag::value(
        "plan",
        &["--plan"],
        "SLUG",
        "the product to cancel (required for stand-alone items such as backups)",
    ),
    Flag::switch(
        "cancel-all",
        &["--cancel-all"],
        "cancel everything this partner provisioned for the site",
    ),
    Flag::value(
        "partner-tracking-id",
        &["--partner-tracking-id"],
        "ID",
        "your own ID for the site, sent as provision sends it",
    ),
];

pub const HELP: &str = "\
Cancel a plan or product this partner provisioned for a site
(POST /rest/v1.3/jpphp/{site}/partner-cancel) and print the API's answer.
When the site has no such plan from this partner, nothing is cancelled: exit 1
with error_code nothing_to_cancel (not worth a retry).

Usage: jetpack-partner [global options] cancel --site SITE [--plan SLUG | --cancel-all]

Examples:
  jetpack-partner cancel --site https://example.com/blog
  jetpack-partner cancel --site 12345 --plan jetpack-backup-daily
  jetpack-partner cancel --site example.com --cancel-all
";

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let given = match (flags.text("site"), flags.text("url")) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage(
                "--site and --url both name the site",
                "give one of them",
            ))
        }
        (a, b) => a.or(b),
    };
    if flags.text("plan").is_some() && flags.switch("cancel-all") {
        return Err(Failure::usage(
            "--plan and --cancel-all are alternatives",
            "give --plan SLUG to cancel one product, or --cancel-all for everything",
        ));
    }
    let parsed = given.map(SiteRef::parse).transpose()?;
    let wp = match parsed {
        Some(_) => None,
        None => WpCli::from_flags(flags, flags.text("url"), None, globals.script_spelling)?,
    };
    if parsed.is_none() && wp.is_none() {
        return Err(Failure::usage(
            "--site is required",
            "add --site URL (a URL, a domain or a blog ID), or --wp-cli to read it",
        ));
    }
    globals.check_credentials()?;
    globals.out.check_stdout()?;
    let site = match (parsed, &wp) {
        (Some(site), _) => site,
        (None, Some(wp)) => SiteRef::parse(&wp.siteurl()?)?,
        (None, None) => unreachable!("checked above"),
    };
    let mut request = Cancel::new(site).cancel_all(flags.switch("cancel-all"));
    if let Some(plan) = flags.text("plan") {
        request = request.plan(plan);
    }
    if let Some(id) = flags.text("partner-tracking-id") {
        request = request.partner_tracking_id(id);
    }
    let client = globals.client()?;
    let session = globals.session(client)?;
    let outcome = globals.send(&session, &request)?;
    globals.out.answer(&outcome.cancelled(request.site())?)
}
