//! `cancel`: cancel what this partner provisioned for a site. Also accepts
//! the spellings of `partner-cancel.sh`.

use jetpack_partner::{Cancel, SiteRef};

use crate::args::{Args, Flag};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};
use crate::wp_cli::{self, WpCli};

/// The command's flag groups: its own and WP-CLI's.
pub const FLAGS: &[&[Flag]] = &[OWN, wp_cli::FLAGS];

const OWN: &[Flag] = &[
    Flag::value(
        &["--site"],
        "SITE",
        "the site: a URL, a domain or a blog ID",
        crate::site::update,
    ),
    Flag::text(
        &["--url"],
        "URL",
        "the site URL (partner-cancel.sh's spelling; also WP-CLI's --url)",
        |a| &mut a.url,
    ),
    Flag::text(
        &["--plan"],
        "SLUG",
        "the product to cancel (required for stand-alone items such as backups)",
        |a| &mut a.plan,
    ),
    Flag::switch(
        &["--cancel-all"],
        "cancel everything this partner provisioned for the site",
        |a| &mut a.cancel_all,
    ),
    Flag::text(
        &["--partner-tracking-id"],
        "ID",
        "your own ID for the site, sent as provision sends it",
        |a| &mut a.partner_tracking_id,
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

/// What cancel's options need of each other, before it starts. A site
/// in `--url` (partner-cancel.sh's spelling) becomes the site.
pub fn check(a: &mut Args, problems: &mut Problems) {
    match (&a.site, &a.url) {
        (Some(_), Some(_)) => problems.push(Problem::new(
            "--site and --url both name the site",
            "give one of them",
        )),
        (None, Some(url)) => match SiteRef::parse(url) {
            Ok(site) => a.site = Some(site),
            Err(e) => problems.push(e.into()),
        },
        (None, None) if !wp_cli::wanted(a) => problems.push(site_required()),
        _ => {}
    }
    if a.plan.is_some() && a.cancel_all {
        problems.push(Problem::new(
            "--plan and --cancel-all are alternatives",
            "give --plan SLUG to cancel one product, or --cancel-all for everything",
        ));
    }
    wp_cli::check(a, problems);
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let wp = match &args.site {
        Some(_) => None,
        None => WpCli::from_flags(args, None, None)?,
    };
    if args.site.is_none() && wp.is_none() {
        return Err(Failure::Usages(vec![site_required()]));
    }
    globals.check_credentials()?;
    globals.out.check_stdout()?;
    let site = match (&args.site, &wp) {
        (Some(site), _) => site.clone(),
        (None, Some(wp)) => SiteRef::parse(&wp.siteurl()?)?,
        (None, None) => unreachable!("checked above"),
    };
    let mut request = Cancel::new(site).cancel_all(args.cancel_all);
    if let Some(plan) = &args.plan {
        request = request.plan(plan);
    }
    if let Some(id) = &args.partner_tracking_id {
        request = request.partner_tracking_id(id);
    }
    let client = globals.client()?;
    let session = globals.session(client)?;
    let outcome = globals.send(&session, &request)?;
    globals.out.answer(&outcome.cancelled(request.site())?)
}

/// No site, and no WP-CLI to read it from.
fn site_required() -> Problem {
    Problem::new(
        "--site is required",
        "add --site URL (a URL, a domain or a blog ID), or --wp-cli to read it",
    )
}
