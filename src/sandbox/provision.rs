//! `POST /rest/v1.3/jpphp/provision` (section 2).
//!
//! Hosts under a few reserved test domains behave like the sites the
//! documentation warns about, so clients can meet those failures:
//!
//! * `*.nojetpack.test`: Jetpack is not active (`remoteRegister` missing);
//! * `*.badstate.test`: the site is in a bad state until `force_register`;
//! * `*.pending.test`: WordPress.com cannot reach the site, so the
//!   activation is recorded as pending and `next_url` is empty.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use super::activity::{self, Actor, Event};
use super::bearer::{self, Caller};
use super::catalogue::{self, Product, Verdict};
use super::now::now_ms;
use super::reply::Reply;
use super::request::{Fields, Incoming};
use super::shared::Shared;
use super::sites::{self, Activation, Site};
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

/// What a valid provision request asks for.
struct Wanted {
    key: String,
    local_user: String,
    plan: &'static Product,
    /// A WordPress.com user was named, to connect without asking.
    wpcom_user: bool,
    pending: bool,
}

pub(crate) fn provision(shared: &Shared, rq: &Incoming) -> Reply {
    run(shared, rq).unwrap_or_else(|refusal| refusal)
}

fn run(shared: &Shared, rq: &Incoming) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let caller = bearer::check(&state, rq, "provision partner sites")?;
    let fields = rq.form()?;
    let wanted = read(&fields)?;
    reach(&wanted.key, &fields)?;
    let verdict = allowed(&state, &caller, &wanted)?;
    if verdict == Verdict::Allowed {
        let tracking = rq.query_value("partner-tracking-id").map(str::to_owned);
        add(&mut state, &caller, &wanted, tracking);
        provisioned(&mut state, &caller, &wanted);
    }
    let connected = wanted.wpcom_user && !wanted.pending;
    let ssh = fields
        .any(SSH_FIELDS)
        .then(|| ssh_credentials::check(&fields, false));
    let credentials = ssh.is_some_and(|s| s.is_ok()) || ftp_ok(&fields);
    if let Some(site) = state.sites.get_mut(&wanted.key) {
        site.is_connected |= connected;
        site.has_backups_credentials |= credentials;
    }
    state.stats.record_provision(&wanted.key);
    state.dirty = true;
    Ok(Reply::ok(answer(&wanted, &fields, connected, ssh)))
}

/// The required fields, in the order the service checks them, and the
/// optional ones that change the answer.
fn read(fields: &Fields) -> Result<Wanted, Reply> {
    let siteurl = fields.text("siteurl").ok_or_else(|| {
        Reply::rest_error(
            400,
            "invalid_siteurl",
            "The required \"siteurl\" argument is missing.",
        )
    })?;
    let key = sites::key_from_siteurl(&siteurl).ok_or_else(|| {
        Reply::rest_error(
            400,
            "invalid_siteurl",
            &format!("{siteurl} is not a valid site URL."),
        )
    })?;
    let local_user = fields.text("local_user").ok_or_else(|| {
        Reply::rest_error(
            400,
            "invalid_local_user",
            "The required \"local_user\" argument is missing.",
        )
    })?;
    let slug = fields.text("plan").unwrap_or_default();
    let plan = catalogue::find(&slug).ok_or_else(|| {
        Reply::rest_error(400, "invalid_plan", &format!("{slug} is not a valid plan"))
    })?;
    let wpcom_user = wpcom_user(fields)?;
    let pending = sites::host(&key).ends_with(".pending.test");
    Ok(Wanted {
        key,
        local_user,
        plan,
        wpcom_user,
        pending,
    })
}

/// Whether a WordPress.com user was named; a malformed one is refused
/// rather than silently ignored.
fn wpcom_user(fields: &Fields) -> Result<bool, Reply> {
    if let Some(id) = fields.text("wpcom_user_id") {
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Reply::rest_error(
                400,
                "invalid_wpcom_user_id",
                &format!("{id} is not a WordPress.com user ID."),
            ));
        }
    }
    if let Some(email) = fields.text("wpcom_user_email") {
        if !email.contains('@') {
            return Err(Reply::rest_error(
                400,
                "invalid_wpcom_user_email",
                &format!("{email} is not an e-mail address."),
            ));
        }
    }
    Ok(fields.any(&["wpcom_user_id", "wpcom_user_email"]))
}

/// The failures of talking to the site itself, for the reserved hosts.
fn reach(key: &str, fields: &Fields) -> Result<(), Reply> {
    let host = sites::host(key);
    if host.ends_with(".nojetpack.test") {
        return Err(Reply::rest_error(
            400,
            "method_not_found",
            "remoteRegister method not found on remote site.",
        ));
    }
    if host.ends_with(".badstate.test") && !fields.flag("force_register") {
        return Err(Reply::rest_error(
            400,
            "method_not_found",
            "remoteProvision method not found on remote site. Try calling again with --force_register=true.",
        ));
    }
    Ok(())
}

/// The superset rules, then the caller's allowance.
fn allowed(state: &State, caller: &Caller, wanted: &Wanted) -> Result<Verdict, Reply> {
    let slug = wanted.plan.slug;
    let verdict = match state.sites.get(&wanted.key) {
        Some(site) => catalogue::verdict(site.slugs(), slug),
        None => Verdict::Allowed,
    };
    match verdict {
        Verdict::Downgrade => Err(Reply::rest_error(
            400,
            "plan_downgrade_disallowed",
            "Can not automatically downgrade plans. Contact support.",
        )),
        Verdict::Allowed => {
            within_allowance(state, caller, slug)?;
            Ok(verdict)
        }
        Verdict::Same => Ok(verdict),
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
    Err(Reply::rest_error(
        400,
        "activation_limit_reached",
        &format!("This partner key has no {slug} activations left. Ask the partner who issued it for a larger allowance."),
    ))
}

/// Records the activation, replacing what it upgrades.
fn add(state: &mut State, caller: &Caller, wanted: &Wanted, tracking: Option<String>) {
    let fresh_id = (!state.sites.contains_key(&wanted.key)).then(|| state.new_blog_id());
    let site = state
        .sites
        .entry(wanted.key.clone())
        .or_insert_with(|| Site {
            blog_id: fresh_id.unwrap_or_default(),
            ..Site::default()
        });
    let slug = wanted.plan.slug;
    site.products
        .retain(|a| !catalogue::replaced_by(&a.slug, slug));
    site.products.push(Activation {
        slug: slug.to_owned(),
        partner_id: caller.partner_id.clone(),
        pending: wanted.pending,
        local_user: wanted.local_user.clone(),
        partner_tracking_id: tracking,
    });
    site.sort();
}

/// A new product starts the site's backups (once) and is in its
/// activity log.
fn provisioned(state: &mut State, caller: &Caller, wanted: &Wanted) {
    let Some(blog) = state.sites.get(&wanted.key).map(|site| site.blog_id) else {
        return;
    };
    let now = now_ms(state);
    state.rewind.begin(blog, now);
    let slug = wanted.plan.slug;
    let event = Event::new("plan__provisioned", "plan", "Plan provisioned")
        .text(format!("{slug} for {}", wanted.local_user))
        .gridicon("plans")
        .actor(Actor::Application(format!(
            "Jetpack partner {}",
            caller.partner_id
        )))
        .object(json!({"type": "Plan", "slug": slug, "pending": wanted.pending}));
    activity::record(&mut state.activity, blog, now, event);
}

/// FTP access counts as backup credentials when it names a user and a
/// password, and a sane port if any.
fn ftp_ok(fields: &Fields) -> bool {
    fields.text("ftp_user").is_some()
        && fields.text("ftp_pass").is_some()
        && ssh_credentials::port_ok(fields, "ftp_port")
}

fn answer(
    wanted: &Wanted,
    fields: &Fields,
    connected: bool,
    ssh: Option<Result<(), ssh_credentials::Refusal>>,
) -> Value {
    let next_url = if wanted.pending {
        String::new()
    } else {
        authorize_url(&wanted.key, wanted.plan.slug, fields.flag("onboarding"))
    };
    let mut body = json!({
        "success": true,
        "auth_required": !connected,
        "next_url": next_url,
    });
    if connected {
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
