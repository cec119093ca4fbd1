//! `GET /rest/v1.3/jpphp/errors[?verbose]` (section 6): the error catalogue.

use serde_json::{json, Map, Value};

use super::bearer::{self, Guard};
use super::reply::{Reply, Shape};
use super::request::Incoming;
use super::shared::Shared;

/// One entry of the catalogue.
struct Entry {
    code: &'static str,
    description: &'static str,
    cause: &'static str,
    solution: &'static str,
}

const fn entry(
    code: &'static str,
    description: &'static str,
    cause: &'static str,
    solution: &'static str,
) -> Entry {
    Entry {
        code,
        description,
        cause,
        solution,
    }
}

/// Every code the partner endpoints can answer with, and what to do.
const CATALOGUE: &[Entry] = &[
    entry(
        "activation_limit_reached",
        "The partner key has used all the activations it is allowed for this plan.",
        "Keys made for a bundle may hold each paid plan on a limited number of sites at once.",
        "Cancel the plan on a site that no longer needs it, or ask the partner who issued the key for a larger allowance.",
    ),
    entry(
        "authorization_required",
        "The request carried no access token.",
        "Every partner endpoint needs an Authorization: Bearer header.",
        "Request a token from /oauth2/token with the jetpack-partner scope and send it as Authorization: Bearer <token>.",
    ),
    entry(
        "could_not_load_product_class",
        "The product could not be set up for the site.",
        "No product WordPress.com can load matches the plan for this site.",
        "Check the plan value against the upgrade-paths endpoint; if it is listed there, contact partner support.",
    ),
    entry(
        "error_access_token",
        "No access token could be created for the site's user.",
        "The site's connection to WordPress.com is broken or incomplete.",
        "Provision again with force_register=true, or reconnect Jetpack from the site's wp-admin.",
    ),
    entry(
        "failed_registration_unknown_blog",
        "The site registered, but WordPress.com cannot find it.",
        "The site URL does not match what the site itself reports (scheme, www, or path).",
        "Pass siteurl exactly as the site's WordPress settings show it, with the right scheme.",
    ),
    entry(
        "incorrect_partner_key",
        "Only the partner that provisioned the subscription can cancel it.",
        "The product was provisioned with another partner key: cancelling it, provisioning it again or provisioning what would replace it is that partner's to do. Backup credentials are set only by a partner with a product on the site.",
        "Use the partner key that provisioned the product; check the status endpoint's is_provisioned_by_calling_partner.",
    ),
    entry(
        "invalid_blog",
        "The site is not known to WordPress.com.",
        "The blog ID or site reference does not name a site that was ever provisioned.",
        "Check the site reference (host and path joined with ::) or use the blog ID; provision the site first.",
    ),
    entry(
        "invalid_input",
        "The request could not be carried out with the given input.",
        "The subscription could not be deleted, or the body was not a form.",
        "Send form fields (multipart or urlencoded); if a cancel keeps failing, contact partner support.",
    ),
    entry(
        "invalid_local_user",
        "The local_user argument is missing or does not name a user of the site.",
        "local_user was not sent, or the site has no such user.",
        "Pass the username, user ID or e-mail of an existing user of the WordPress site.",
    ),
    entry(
        "invalid_name",
        "A partner key needs a name.",
        "The name argument was missing or blank.",
        "Pass a name that says what the key is for.",
    ),
    entry(
        "invalid_allowance",
        "A plan allowance is not a whole number.",
        "allowed_personal_plans, allowed_premium_plans or allowed_professional_plans was not a non-negative integer.",
        "Pass a whole number from 0 up, or leave the field out for 0.",
    ),
    entry(
        "invalid_plan",
        "The plan is not a product the partner can provision.",
        "The plan argument is missing, misspelled, or not open to this partner key.",
        "Use a product slug such as free, personal, premium, professional or jetpack-backup-daily.",
    ),
    entry(
        "invalid_scope",
        "The token is not authorized for this endpoint.",
        "The token was issued for another scope, a sub-key tried to make partner keys, or the partner key is disabled (the message says so).",
        "Request a token with scope=jetpack-partner using the partner's own key; for a disabled key, contact Jetpack partner support.",
    ),
    entry(
        "invalid_siteurl",
        "The siteurl argument is missing or is not a site URL.",
        "siteurl was not sent, or it has a query, fragment, user info or no host.",
        "Pass the full URL where WordPress core lives, e.g. https://example.com/blog.",
    ),
    entry(
        "invalid_ssh_port",
        "The SSH port is not a port number.",
        "ssh_port is not a number from 1 to 65535.",
        "Pass the port the site's SSH server listens on, or leave it out for 22.",
    ),
    entry(
        "invalid_token",
        "The OAuth2 token is invalid.",
        "The token was never issued, or the partner key behind it is gone.",
        "Request a new token from /oauth2/token and drop any cached one.",
    ),
    entry(
        "invalid_wpcom_user_email",
        "wpcom_user_email is not an e-mail address.",
        "The value has no @.",
        "Pass the e-mail address of the WordPress.com account to connect.",
    ),
    entry(
        "invalid_wpcom_user_id",
        "wpcom_user_id is not a WordPress.com user ID.",
        "The value is not made of digits.",
        "Pass the numeric ID of the WordPress.com user to connect.",
    ),
    entry(
        "method_not_found",
        "WordPress.com could not talk to Jetpack on the site.",
        "Jetpack is not active on the site, the URL has the wrong scheme, or the site is in a bad state.",
        "Activate Jetpack, pass siteurl with https:// if the site forces it, or call again with force_register=true.",
    ),
    entry(
        "missing_ssh_credentials",
        "SSH access needs a password or a private key.",
        "Neither ssh_pass nor ssh_private_key was sent.",
        "Pass ssh_pass or ssh_private_key with ssh_user.",
    ),
    entry(
        "missing_ssh_host",
        "SSH access needs a host.",
        "ssh_host was not sent.",
        "Pass the host name of the site's SSH server.",
    ),
    entry(
        "missing_ssh_user",
        "SSH access needs a user.",
        "ssh_user was not sent.",
        "Pass the SSH user that can read the site's files.",
    ),
    entry(
        "not_jps_plan",
        "The plan is not provisioned by Jetpack Start",
        "The plan argument of a cancel is not a product slug partners provision.",
        "Pass the slug the site was provisioned with; the status endpoint lists them.",
    ),
    entry(
        "partner_key_disabled",
        "The partner key has been disabled.",
        "Jetpack turned the key off, for example at the end of a partnership or for abuse.",
        "Contact Jetpack partner support.",
    ),
    entry(
        "plan_downgrade_disallowed",
        "Can not automatically downgrade plans. Contact support.",
        "The site already has this product, a higher one of its family, or a plan that includes it.",
        "Check the upgrade-paths endpoint for what the site may be given; cancel first to move down.",
    ),
];

pub(crate) fn errors(shared: &Shared, rq: &Incoming) -> Reply {
    let guard = Guard::new("view the partner error catalogue", Shape::Rest);
    if let Err(refusal) = bearer::check(&shared.lock(), rq, guard) {
        return refusal;
    }
    // Present with any value, even empty or "false", as the service reads it.
    let verbose = rq.query.iter().any(|(k, _)| k == "verbose");
    let errors: Map<String, Value> = CATALOGUE
        .iter()
        .map(|e| {
            let value = if verbose {
                json!({"description": e.description, "cause": e.cause, "solution": e.solution})
            } else {
                json!(e.description)
            };
            (e.code.to_owned(), value)
        })
        .collect();
    Reply::ok(json!({ "errors": errors }))
}
