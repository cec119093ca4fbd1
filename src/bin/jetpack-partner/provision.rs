//! `provision`: give a site a plan or a product. Also accepts every
//! spelling of `partner-provision.sh`, with the same output contract.

use jetpack_partner::{Endpoint, Provision};

use crate::args::{Flag, Parsed};
use crate::backup::{self, FTP_FLAGS, SSH_FLAGS};
use crate::globals::Globals;
use crate::output::Failure;
use crate::wp_cli::{self, WpCli};

/// The command's flag groups: its own, Jetpack Backup's, WP-CLI's.
pub const FLAGS: &[&[Flag]] = &[OWN, SSH_FLAGS, FTP_FLAGS, wp_cli::FLAGS];

const OWN: &[Flag] = &[
    Flag::value(
        "local-user",
        &["--local-user"],
        "USER",
        "user (name, ID or e-mail) of the WordPress site who will own the plan",
    ),
    Flag::value(
        "siteurl",
        &["--siteurl"],
        "URL",
        "where WordPress lives, with its scheme (https://example.com)",
    ),
    Flag::value(
        "url",
        &["--url"],
        "URL",
        "the site URL, also passed to WP-CLI as --url (multisite)",
    ),
    Flag::value(
        "plan",
        &["--plan"],
        "SLUG",
        "free, personal, premium, professional, jetpack-backup-daily, …",
    ),
    Flag::switch(
        "force-register",
        &["--force-register"],
        "re-register even if the site has tokens",
    ),
    Flag::switch(
        "force-connect",
        &["--force-connect"],
        "reconnect the user even if tokens exist",
    ),
    Flag::switch(
        "onboarding",
        &["--onboarding"],
        "send the user through the onboarding wizard",
    ),
    Flag::value(
        "wpcom-user-id",
        &["--wpcom-user-id"],
        "N",
        "connect this WordPress.com user (some keys)",
    ),
    Flag::value(
        "wpcom-user-email",
        &["--wpcom-user-email"],
        "EMAIL",
        "connect the WordPress.com account with this e-mail (some keys)",
    ),
    Flag::value(
        "partner-tracking-id",
        &["--partner-tracking-id"],
        "ID",
        "your own ID for the site, attached to the activation",
    ),
];

pub const HELP: &str = "\
Provision a plan or product for a site (POST /rest/v1.3/jpphp/provision) and
print the API's answer. Send the user to next_url to finish; an empty next_url
means the site could not be reached and the user finishes from wp-admin.

Usage: jetpack-partner [global options] provision --local-user USER --siteurl URL --plan SLUG [options]

Example:
  jetpack-partner --partner-id 1234 --partner-secret-file ~/.jetpack-secret \\
      provision --local-user admin --siteurl https://example.com --plan professional
";

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let local_user = flags.required("local-user", "--local-user")?;
    let plan = flags.required("plan", "--plan")?;
    let url = site_url_flag(flags)?;
    if let Some(url) = url {
        check_scheme(url, globals)?;
    }
    let wpcom_user_id =
        flags.parse::<u64>("wpcom-user-id", "a WordPress.com user ID (a number)")?;
    globals.check_credentials()?;
    // The answer cannot be had again for free: find out now whether it can
    // be printed, before anything is sent.
    globals.out.check_stdout()?;
    let client = globals.client()?;
    let mut request = Provision::new(local_user, url.unwrap_or_default(), plan);
    for (key, set) in [
        (
            "force-register",
            Provision::force_register as fn(Provision, bool) -> Provision,
        ),
        ("force-connect", Provision::force_connect),
        ("onboarding", Provision::onboarding),
    ] {
        if flags.switch(key) {
            request = set(request, true);
        }
    }
    if let Some(id) = wpcom_user_id {
        request = request.wpcom_user_id(id);
    }
    if let Some(email) = flags.text("wpcom-user-email") {
        request = request.wpcom_user_email(email);
    }
    if let Some(id) = flags.text("partner-tracking-id") {
        request = request.partner_tracking_id(id);
    }
    if let Some(ssh) = backup::ssh(flags, globals)? {
        request = request.ssh(ssh);
    }
    if let Some(ftp) = backup::ftp(flags, globals)? {
        request = request.ftp(ftp);
    }
    // Everything but the site URL is checked before WP-CLI touches the site.
    request.validate_fields()?;
    let wp = WpCli::from_flags(flags, url, Some(local_user), globals.script_spelling)?;
    if let Some(wp) = &wp {
        wp.activate_jetpack()?;
    }
    if url.is_none() {
        let Some(wp) = &wp else {
            return Err(Failure::usage(
                "--siteurl is required",
                "add --siteurl https://example.com (or --wp-cli to read it from WordPress)",
            ));
        };
        request = request.with_siteurl(wp.siteurl()?);
    }
    Endpoint::validate(&request)?;
    let session = globals.session(client)?;
    let answer = globals.send(&session, &request)?;
    let (Some(access_token), Some(user)) = (&answer.access_token, wpcom_user_id) else {
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

/// A site URL without its scheme: refused in the new spelling (the help
/// asks for it, and a site that forces https fails without it); sent as
/// it is in the old scripts' spelling, which sent it so, with a warning.
fn check_scheme(url: &str, globals: &Globals) -> Result<(), Failure> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return Ok(());
    }
    if globals.script_spelling {
        globals.out.note(&format!(
            "jetpack-partner: warning: the site URL {url:?} has no scheme; a site that forces \
             https then fails with method_not_found. Give https://{url} if the site uses https"
        ));
        return Ok(());
    }
    Err(Failure::usage(
        format!("--siteurl {url:?} has no scheme"),
        &format!("give the site's whole address, e.g. --siteurl https://{url}"),
    ))
}

/// `--siteurl` or the old scripts' `--url`: one site, given once.
pub fn site_url_flag(flags: &Parsed) -> Result<Option<&str>, Failure> {
    match (flags.text("siteurl"), flags.text("url")) {
        (Some(_), Some(_)) => Err(Failure::usage(
            "--siteurl and --url both name the site",
            "give one of them",
        )),
        (Some(u), None) | (None, Some(u)) if u.trim().is_empty() => Err(Failure::usage(
            "the site URL is empty",
            "give the site's URL, e.g. https://example.com",
        )),
        (a, b) => Ok(a.or(b)),
    }
}
