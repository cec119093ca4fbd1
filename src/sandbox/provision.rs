//! `POST /rest/v1.3/jpphp/provision` (section 2).
//!
//! Its refusals come in the partner documents' shape, `{"error_code": …,
//! "error_message": …}` (section 9), but for the token checks every REST
//! endpoint shares.
//!
//! A site that is not connected to WordPress.com, or that WordPress.com
//! cannot reach, gets a *pending activation* (see `sites`): it attaches
//! itself when the site connects (a WordPress.com user named in a
//! provision, or `POST /_sandbox/connect`) and is dropped after 14 days.
//!
//! Hosts under a few reserved test domains behave like the sites the
//! documentation warns about, so clients can meet those failures (see
//! `reach`).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use super::activity::{self, Actor, Event};
use super::bearer::{self, Caller, Guard};
use super::catalogue::{self, Product};
use super::reply::{Reply, Shape};
use super::request::{Fields, Incoming};
use super::shared::Shared;
use super::sites::{self, Activation, Decision, Site, PENDING_FOR};
use super::ssh_credentials::{self, SSH_FIELDS};
use super::state::{random_token, State};

/// Where WordPress.com sends the user to finish connecting the site.
const AUTHORIZE_URL: &str = "https://jetpack.wordpress.com/jetpack.authorize/1/";

/// What a query value escapes: all but RFC 3986's unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The shape of provision's own refusals.
const SHAPE: Shape = Shape::Partner;

const GUARD: Guard = Guard::new("provision partner sites", SHAPE);

/// What a valid provision request asks for.
struct Wanted {
    key: String,
    /// The scheme `siteurl` gave, lower-cased, if any.
    scheme: Option<String>,
    local_user: String,
    plan: &'static Product,
    /// A WordPress.com user was named, to connect without asking.
    wpcom_user: bool,
    /// WordPress.com can reach the site (not `*.pending.test`).
    reachable: bool,
}

pub(crate) fn provision(shared: &Shared, rq: &Incoming) -> Reply {
    run(shared, rq).unwrap_or_else(|refusal| refusal)
}

fn refuse(status: u16, code: &str, message: &str) -> Reply {
    Reply::error(SHAPE, status, code, message)
}

fn run(shared: &Shared, rq: &Incoming) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let caller = bearer::check(&state, rq, GUARD)?;
    let fields = rq.form(SHAPE)?;
    let wanted = read(&fields)?;
    reach(&wanted, &fields)?;
    let decision = allowed(&state, &caller, &wanted)?;
    if decision == Decision::Allowed {
        let tracking = rq.query_value("partner-tracking-id").map(str::to_owned);
        add(&mut state, &caller, &wanted, tracking);
        provisioned(&mut state, &caller, &wanted);
    }
    // Named, a WordPress.com user connects a site WordPress.com can reach.
    let connects = wanted.wpcom_user && wanted.reachable;
    let ssh = fields
        .any(SSH_FIELDS)
        .then(|| ssh_credentials::check(&fields, false));
    let credentials = ssh.is_some_and(|s| s.is_ok()) || ftp_ok(&fields);
    let mut connected = false;
    if let Some(site) = state.sites.get_mut(&wanted.key) {
        if connects {
            site.connect();
        }
        site.has_backups_credentials |= credentials;
        connected = site.is_connected;
    }
    state.stats.record_provision(&wanted.key);
    state.dirty = true;
    Ok(Reply::ok(answer(
        &wanted, &fields, connected, connects, ssh,
    )))
}

/// The required fields, in the order the service checks them, and the
/// optional ones that change the answer.
fn read(fields: &Fields) -> Result<Wanted, Reply> {
    let siteurl = fields.text("siteurl").ok_or_else(|| {
        refuse(
            400,
            "invalid_siteurl",
            "The required \"siteurl\" argument is missing.",
        )
    })?;
    let key = sites::key_from_siteurl(&siteurl).ok_or_else(|| {
        refuse(
            400,
            "invalid_siteurl",
            &format!("{siteurl} is not a valid site URL."),
        )
    })?;
    let scheme = siteurl
        .trim()
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    let local_user = fields.text("local_user").ok_or_else(|| {
        refuse(
            400,
            "invalid_local_user",
            "The required \"local_user\" argument is missing.",
        )
    })?;
    let slug = fields.text("plan").unwrap_or_default();
    let plan = catalogue::find(&slug)
        .ok_or_else(|| refuse(400, "invalid_plan", &format!("{slug} is not a valid plan")))?;
    let wpcom_user = wpcom_user(fields)?;
    let reachable = !sites::host(&key).ends_with(".pending.test");
    Ok(Wanted {
        key,
        scheme,
        local_user,
        plan,
        wpcom_user,
        reachable,
    })
}

/// Whether a WordPress.com user was named; a malformed one is refused
/// rather than silently ignored.
fn wpcom_user(fields: &Fields) -> Result<bool, Reply> {
    if let Some(id) = fields.text("wpcom_user_id") {
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse(
                400,
                "invalid_wpcom_user_id",
                &format!("{id} is not a WordPress.com user ID."),
            ));
        }
    }
    if let Some(email) = fields.text("wpcom_user_email") {
        if !email.contains('@') {
            return Err(refuse(
                400,
                "invalid_wpcom_user_email",
                &format!("{email} is not an e-mail address."),
            ));
        }
    }
    Ok(fields.any(&["wpcom_user_id", "wpcom_user_email"]))
}

/// The failures of talking to the site itself, for the reserved hosts, in
/// the order WordPress.com meets them: registering the site, then
/// provisioning on it.
///
/// * `*.nojetpack.test`: Jetpack is not active (`remoteRegister` missing);
/// * `*.httpsonly.test`: an http site that redirects to https, given
///   without its scheme or as `http://`: the redirect loses the call
///   (`remoteRegister` missing); with `https://` it works;
/// * `*.unknownblog.test`: the site registers but answers with a site ID
///   WordPress.com does not know (`failed_registration_unknown_blog`);
/// * `*.badstate.test`: the site lost its tokens (`remoteProvision`
///   missing) until `force_register`;
/// * `*.notoken.test`: no access token can be made for the site's user
///   (`error_access_token`, HTTP 500) until `force_register`;
/// * `*.nouser.test`: the site has no user named `local_user`
///   (`invalid_local_user`);
/// * `*.noproduct.test`: the product cannot be loaded for the site
///   (`could_not_load_product_class`).
fn reach(wanted: &Wanted, fields: &Fields) -> Result<(), Reply> {
    let host = sites::host(&wanted.key);
    let on = |domain: &str| host.ends_with(domain);
    let force_register = fields.flag("force_register");
    let no_register = || {
        refuse(
            400,
            "method_not_found",
            "remoteRegister method not found on remote site.",
        )
    };
    if on(".nojetpack.test") {
        return Err(no_register());
    }
    if on(".httpsonly.test") && wanted.scheme.as_deref() != Some("https") {
        return Err(no_register());
    }
    if on(".unknownblog.test") {
        return Err(refuse(
            400,
            "failed_registration_unknown_blog",
            "The site registered, but the site ID it returned is unknown to WordPress.com. Pass siteurl exactly as the site's own settings give it.",
        ));
    }
    if on(".badstate.test") && !force_register {
        return Err(refuse(
            400,
            "method_not_found",
            "remoteProvision method not found on remote site. Try calling again with --force_register=true.",
        ));
    }
    if on(".notoken.test") && !force_register {
        return Err(refuse(
            500,
            "error_access_token",
            "Could not create an access token for the site's user. Try calling again with --force_register=true.",
        ));
    }
    if on(".nouser.test") {
        return Err(refuse(
            400,
            "invalid_local_user",
            &format!(
                "The user {:?} given as \"local_user\" does not exist on the site.",
                wanted.local_user
            ),
        ));
    }
    if on(".noproduct.test") {
        return Err(refuse(
            400,
            "could_not_load_product_class",
            &format!("Could not load the product class for {}.", wanted.plan.slug),
        ));
    }
    Ok(())
}

/// The superset rule and other partners' products (one rule with
/// upgrade-paths, see `sites::decide`), then the caller's allowance.
fn allowed(state: &State, caller: &Caller, wanted: &Wanted) -> Result<Decision, Reply> {
    let slug = wanted.plan.slug;
    let site = state.sites.get(&wanted.key);
    let decision = sites::decide(site, &caller.partner_id, slug);
    match &decision {
        Decision::Downgrade => Err(refuse(
            400,
            "plan_downgrade_disallowed",
            "Can not automatically downgrade plans. Contact support.",
        )),
        Decision::HeldByAnother(theirs) => Err(refuse(
            403,
            "incorrect_partner_key",
            &format!(
                "The site already has {theirs} from another partner; only that partner can replace or cancel it."
            ),
        )),
        Decision::Allowed => {
            within_allowance(state, caller, slug)?;
            Ok(decision)
        }
        Decision::Same => Ok(decision),
    }
}

/// A sub-key may hold each paid plan on as many sites as its allowance
/// says; cancelling gives the activation back.
fn within_allowance(state: &State, caller: &Caller, slug: &str) -> Result<(), Reply> {
    let Some(limit) = caller
        .sub_key
        .as_ref()
        .and_then(|key| key.allowances.for_slug(slug))
    else {
        return Ok(());
    };
    if state.held_by(&caller.partner_id, slug) < limit {
        return Ok(());
    }
    Err(refuse(
        400,
        "activation_limit_reached",
        &format!("This partner key has no {slug} activations left. Ask the partner who issued it for a larger allowance."),
    ))
}

/// Records the activation, replacing what it upgrades: pending until the
/// site connects.
fn add(state: &mut State, caller: &Caller, wanted: &Wanted, tracking: Option<String>) {
    let now = state.now();
    let fresh_id = (!state.sites.contains_key(&wanted.key)).then(|| state.new_blog_id());
    let (id, created_at) = (state.new_activation_id(), state.now());
    let site = state
        .sites
        .entry(wanted.key.clone())
        .or_insert_with(|| Site {
            blog_id: fresh_id.unwrap_or_default(),
            ..Site::default()
        });
    let slug = wanted.plan.slug;
    let pending = !site.is_connected;
    site.products
        .retain(|a| !catalogue::replaced_by(&a.slug, slug));
    site.products.push(Activation {
        id,
        created_at: Some(created_at),
        slug: slug.to_owned(),
        partner_id: caller.partner_id.clone(),
        pending,
        pending_since: pending.then_some(now),
        local_user: wanted.local_user.clone(),
        partner_tracking_id: tracking,
    });
    site.sort();
    if pending {
        state.expires_at(now.saturating_add(PENDING_FOR));
    }
}

/// A new product starts the site's backups (once) and is in its
/// activity log.
fn provisioned(state: &mut State, caller: &Caller, wanted: &Wanted) {
    let slug = wanted.plan.slug;
    let Some((blog, pending)) = state.sites.get(&wanted.key).map(|site| {
        let pending = site.activation(slug).is_some_and(|a| a.pending);
        (site.blog_id, pending)
    }) else {
        return;
    };
    let now = state.now_ms();
    state.rewind.begin(blog, now);
    let event = Event::new("plan__provisioned", "plan", "Plan provisioned")
        .text(format!("{slug} for {}", wanted.local_user))
        .gridicon("plans")
        .actor(Actor::Application(format!(
            "Jetpack partner {}",
            caller.partner_id
        )))
        .object(json!({"type": "Plan", "slug": slug, "pending": pending}));
    activity::record(&mut state.activity, blog, now, event);
}

/// FTP access counts as backup credentials when it names a user and a
/// password, and a sane port if any.
fn ftp_ok(fields: &Fields) -> bool {
    fields.text("ftp_user").is_some()
        && fields.text("ftp_pass").is_some()
        && ssh_credentials::port_ok(fields, "ftp_port")
}

/// `connected`: the site is connected now; `connects`: this request
/// connected a WordPress.com user.
fn answer(
    wanted: &Wanted,
    fields: &Fields,
    connected: bool,
    connects: bool,
    ssh: Option<Result<(), ssh_credentials::Refusal>>,
) -> Value {
    let next_url = if wanted.reachable {
        authorize_url(&wanted.key, wanted.plan.slug, fields.flag("onboarding"))
    } else {
        String::new()
    };
    let mut body = json!({
        "success": true,
        "auth_required": !connected,
        "next_url": next_url,
    });
    if connects {
        // What the old script handed to `wp jetpack authorize_user --token=`.
        body["access_token"] = json!(random_token());
    }
    match ssh {
        Some(Ok(())) => body["ssh_set"] = json!(true),
        Some(Err((_, why))) => {
            body["ssh_set"] = json!(false);
            body["ssh_error"] = json!(why);
        }
        None => {}
    }
    body
}

fn authorize_url(key: &str, plan: &str, onboarding: bool) -> String {
    let mut url = format!(
        "{AUTHORIZE_URL}?site={}&plan={}",
        utf8_percent_encode(key, QUERY_VALUE),
        utf8_percent_encode(plan, QUERY_VALUE)
    );
    if onboarding {
        url.push_str("&onboarding=1");
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_escapes_the_site_key() {
        assert_eq!(
            authorize_url("example.com::blog", "premium", true),
            "https://jetpack.wordpress.com/jetpack.authorize/1/?site=example.com%3A%3Ablog&plan=premium&onboarding=1"
        );
    }

    #[test]
    fn query_values_keep_only_unreserved_characters() {
        let encoded = utf8_percent_encode("a-b.c_d~e f/g+h&i=j%k::café", QUERY_VALUE).to_string();
        assert_eq!(encoded, "a-b.c_d~e%20f%2Fg%2Bh%26i%3Dj%25k%3A%3Acaf%C3%A9");
    }
}
