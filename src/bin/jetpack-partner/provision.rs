//! `provision`: give a site a plan or a product. Also accepts every
//! spelling of `partner-provision.sh`, with the same output contract.

use jetpack_partner::{Endpoint, PartnerRedirect, Provision, ProvisionAnswer, RedirectOutcome};

use crate::args::{filled, require, set, Args, Flag};
use crate::backup::{self, FTP_FLAGS, SSH_FLAGS};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};
use crate::wp_cli::{self, WpCli};

/// The command's flag groups: its own, Jetpack Backup's, WP-CLI's.
pub const FLAGS: &[&[Flag]] = &[OWN, SSH_FLAGS, FTP_FLAGS, wp_cli::FLAGS];

const OWN: &[Flag] = &[
    Flag::text(
        &["--local-user"],
        "USER",
        "user (name, ID or e-mail) of the WordPress site who will own the plan",
        |a| &mut a.local_user,
    ),
    Flag::text(
        &["--siteurl"],
        "URL",
        "where WordPress lives, with its scheme (https://example.com)",
        |a| &mut a.siteurl,
    ),
    Flag::text(
        &["--url"],
        "URL",
        "the site URL, also passed to WP-CLI as --url (multisite)",
        |a| &mut a.url,
    ),
    Flag::text(
        &["--plan"],
        "SLUG",
        "free, personal, premium, professional, jetpack-backup-daily, …",
        |a| &mut a.plan,
    ),
    Flag::switch(
        &["--force-register"],
        "re-register even if the site has tokens",
        |a| &mut a.force_register,
    ),
    Flag::switch(
        &["--force-connect"],
        "reconnect the user even if tokens exist",
        |a| &mut a.force_connect,
    ),
    Flag::switch(
        &["--onboarding"],
        "send the user through the onboarding wizard",
        |a| &mut a.onboarding,
    ),
    Flag::value(
        &["--wpcom-user-id"],
        "N",
        "connect this WordPress.com user (some keys)",
        |a, v| {
            set(
                &mut a.wpcom_user_id,
                v.parse("a WordPress.com user ID (a number)"),
            )
        },
    ),
    Flag::text(
        &["--wpcom-user-email"],
        "EMAIL",
        "connect the WordPress.com account with this e-mail (some keys)",
        |a| &mut a.wpcom_user_email,
    ),
    Flag::text(
        &["--partner-tracking-id"],
        "ID",
        "your own ID for the site, attached to the activation",
        |a| &mut a.partner_tracking_id,
    ),
    Flag::value(
        &["--partner-redirect"],
        "URL",
        "where the user lands after authorizing: added to next_url as\n\
         partner_redirect when auth_required (Automattic must list the URL)",
        |a, v| {
            let target = PartnerRedirect::parse(&v.text).map_err(Problem::from);
            set(&mut a.partner_redirect, target)
        },
    ),
];

pub const HELP: &str = "\
Provision a plan or product for a site (POST /rest/v1.3/jpphp/provision) and
print the API's answer. Send the user to next_url to finish; an empty next_url
means the site could not be reached and the user finishes from wp-admin.

--partner-redirect URL adds partner_redirect=URL (percent-encoded) to next_url
when auth_required is true, so the user lands on URL after authorizing
instead of in wp-admin. WordPress.com takes only URLs Automattic has listed
for you. When auth_required is false or next_url is empty, next_url is left
as it is and stderr says so.

Usage: jetpack-partner [global options] provision --local-user USER --siteurl URL --plan SLUG [options]

Example:
  jetpack-partner --partner-id 1234 --partner-secret-file ~/.jetpack-secret \\
      provision --local-user admin --siteurl https://example.com --plan professional
";

/// What provision's options need of each other, before it starts.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.local_user), "--local-user", "USER");
    require(problems, filled(&a.plan), "--plan", "SLUG");
    match (&a.siteurl, &a.url) {
        (Some(_), Some(_)) => problems.push(Problem::new(
            "--siteurl and --url both name the site",
            "give one of them",
        )),
        (Some(url), None) | (None, Some(url)) if url.trim().is_empty() => {
            problems.push(Problem::new(
                "the site URL is empty",
                "give the site's URL, e.g. https://example.com",
            ))
        }
        // The old scripts' spelling sends it as they did, with a warning.
        (Some(url), None) | (None, Some(url)) if !has_scheme(url) && !a.script_spelling => problems
            .push(Problem::new(
                format!("--siteurl {url:?} has no scheme"),
                format!("give the site's whole address, e.g. --siteurl https://{url}"),
            )),
        (None, None) if !wp_cli::wanted(a) => problems.push(siteurl_required()),
        _ => {}
    }
    backup::check(a, problems);
    wp_cli::check(a, problems);
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let local_user = args.local_user.as_deref().unwrap_or_default();
    let plan = args.plan.as_deref().unwrap_or_default();
    let url = args.siteurl.as_deref().or(args.url.as_deref());
    if let Some(url) = url.filter(|url| !has_scheme(url)) {
        // The old scripts' spelling: `check` refuses it in ours.
        globals.out.note(&format!(
            "jetpack-partner: warning: the site URL {url:?} has no scheme; a site that forces \
             https then fails with method_not_found. Give https://{url} if the site uses https"
        ));
    }
    globals.check_credentials()?;
    // The answer cannot be had again for free: find out now whether it can
    // be printed, before anything is sent.
    globals.out.check_stdout()?;
    let client = globals.client()?;
    let mut request = Provision::new(local_user, url.unwrap_or_default(), plan);
    if args.force_register {
        request = request.force_register(true);
    }
    if args.force_connect {
        request = request.force_connect(true);
    }
    if args.onboarding {
        request = request.onboarding(true);
    }
    if let Some(id) = args.wpcom_user_id {
        request = request.wpcom_user_id(id);
    }
    if let Some(email) = &args.wpcom_user_email {
        request = request.wpcom_user_email(email);
    }
    if let Some(id) = &args.partner_tracking_id {
        request = request.partner_tracking_id(id);
    }
    if let Some(ssh) = backup::ssh(args, globals)? {
        request = request.ssh(ssh);
    }
    if let Some(ftp) = backup::ftp(args, globals)? {
        request = request.ftp(ftp);
    }
    // Everything but the site URL is checked before WP-CLI touches the site.
    request.validate_fields()?;
    let wp = WpCli::from_flags(args, url, Some(local_user))?;
    if let Some(wp) = &wp {
        wp.activate_jetpack()?;
    }
    if url.is_none() {
        let Some(wp) = &wp else {
            return Err(Failure::Usages(vec![siteurl_required()]));
        };
        request = request.with_siteurl(wp.siteurl()?);
    }
    Endpoint::validate(&request)?;
    let session = globals.session(client)?;
    let mut answer = globals.send(&session, &request)?;
    if let Some(target) = &args.partner_redirect {
        redirect(globals, &mut answer, target);
    }
    let (Some(access_token), Some(user)) = (&answer.access_token, args.wpcom_user_id) else {
        return globals.out.answer(&answer);
    };
    globals.out.redactor.add(access_token.expose());
    match &wp {
        Some(wp) => {
            wp.authorize_user(access_token)?;
            globals.out.answer(&answer)
        }
        // The user asked for WordPress.com user `user` to be connected; the
        // token to do it is in the answer, but nothing ran it.
        None => {
            globals.out.answer(&answer)?;
            Err(Failure::Refused {
                code: "authorization_skipped".into(),
                message: format!(
                    "the site is provisioned, but WordPress.com user {user} is not authorized \
                     yet: WP-CLI was not run. In the site's WordPress directory, run: wp jetpack \
                     authorize_user --token=ACCESS_TOKEN, with the access_token of the answer \
                     printed on stdout (or run this command with --wp-cli)"
                ),
                http_status: None,
            })
        }
    }
}

/// Adds `--partner-redirect` to `next_url`, or says on stderr why not.
fn redirect(globals: &Globals, answer: &mut ProvisionAnswer, target: &PartnerRedirect) {
    let why = match answer.add_partner_redirect(target) {
        RedirectOutcome::Added => return,
        RedirectOutcome::NoAuthorization => {
            "auth_required is false, so next_url leads back to the site, not to the \
             authorization page"
        }
        RedirectOutcome::NoNextUrl => {
            "next_url is empty (WordPress.com could not reach the site; the user finishes \
             from wp-admin)"
        }
    };
    globals.out.note(&format!(
        "jetpack-partner: note: --partner-redirect was not added to next_url: {why}"
    ));
}

/// A site URL without its scheme: refused in the new spelling (the help
/// asks for it, and a site that forces https fails without it); sent as
/// it is in the old scripts' spelling, which sent it so, with a warning.
fn has_scheme(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// No site URL, and no WP-CLI to read it from.
fn siteurl_required() -> Problem {
    Problem::new(
        "--siteurl is required",
        "add --siteurl https://example.com (or --wp-cli to read it from WordPress)",
    )
}
