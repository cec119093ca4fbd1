//! `POST /rest/v1.3/jpphp/provision`: give a site a plan or a product.

use serde::{Deserialize, Deserializer, Serialize};

use super::partner_redirect::{PartnerRedirect, RedirectOutcome};
use super::ssh::{FtpCredentials, SshCredentials};
use super::{form_bool, with_tracking_id, JPPHP_V13};
use crate::auth::Secret;
use crate::endpoint::{Endpoint, Method};
use crate::error::Error;
use crate::form::Form;
use crate::lenient::{self, Extra, Fields};
use crate::response::{RawAnswer, Reply};
use crate::site::SiteRef;

/// A provision request. `local_user`, `siteurl` and `plan` are required;
/// everything else is optional and sent only when set.
///
/// ```
/// use jetpack_partner::Provision;
/// let request = Provision::new("admin", "https://example.com", "professional")
///     .force_register(true)
///     .partner_tracking_id("customer-42");
/// # let _ = request;
/// ```
#[derive(Debug)]
pub struct Provision {
    local_user: String,
    siteurl: String,
    plan: String,
    force_register: Option<bool>,
    force_connect: Option<bool>,
    onboarding: Option<bool>,
    wpcom_user_id: Option<u64>,
    wpcom_user_email: Option<String>,
    partner_tracking_id: Option<String>,
    ssh: Option<SshCredentials>,
    ftp: Option<FtpCredentials>,
    partner_redirect: Option<PartnerRedirect>,
}

impl Provision {
    /// `local_user`: username, user ID or e-mail of a user of the WordPress
    /// site; `siteurl`: where WordPress lives, with its scheme; `plan`: the
    /// product slug (`personal`, `jetpack-backup-daily`, …).
    pub fn new(
        local_user: impl Into<String>,
        siteurl: impl Into<String>,
        plan: impl Into<String>,
    ) -> Self {
        Provision {
            local_user: local_user.into(),
            siteurl: siteurl.into(),
            plan: plan.into(),
            force_register: None,
            force_connect: None,
            onboarding: None,
            wpcom_user_id: None,
            wpcom_user_email: None,
            partner_tracking_id: None,
            ssh: None,
            ftp: None,
            partner_redirect: None,
        }
    }

    /// Re-register the site even if it has tokens (fixes a bad state).
    pub fn force_register(mut self, on: bool) -> Self {
        self.force_register = Some(on);
        self
    }

    /// Reconnect the user even if tokens exist.
    pub fn force_connect(mut self, on: bool) -> Self {
        self.force_connect = Some(on);
        self
    }

    /// Send the user through the onboarding wizard.
    pub fn onboarding(mut self, on: bool) -> Self {
        self.onboarding = Some(on);
        self
    }

    /// Connect this WordPress.com user non-interactively (some keys only).
    pub fn wpcom_user_id(mut self, id: u64) -> Self {
        self.wpcom_user_id = Some(id);
        self
    }

    /// Connect, creating if needed, the WordPress.com account with this
    /// e-mail (some keys only).
    pub fn wpcom_user_email(mut self, email: impl Into<String>) -> Self {
        self.wpcom_user_email = Some(email.into());
        self
    }

    /// The partner's own ID for the site, attached to the activation.
    pub fn partner_tracking_id(mut self, id: impl Into<String>) -> Self {
        self.partner_tracking_id = Some(id.into());
        self
    }

    /// Jetpack Backup SSH access.
    pub fn ssh(mut self, ssh: SshCredentials) -> Self {
        self.ssh = Some(ssh);
        self
    }

    /// Jetpack Backup FTP access.
    pub fn ftp(mut self, ftp: FtpCredentials) -> Self {
        self.ftp = Some(ftp);
        self
    }

    /// Where the user lands after authorizing: the answer's `next_url` gets
    /// `partner_redirect` when it leads to the authorization page (see
    /// [`ProvisionAnswer::add_partner_redirect`]). Nothing of it is sent:
    /// it is for the browser that follows `next_url`.
    pub fn partner_redirect(mut self, target: PartnerRedirect) -> Self {
        self.partner_redirect = Some(target);
        self
    }

    /// Replaces the site URL (for callers that learn it after building the
    /// request, e.g. from WP-CLI).
    pub fn with_siteurl(mut self, siteurl: impl Into<String>) -> Self {
        self.siteurl = siteurl.into();
        self
    }

    /// Checks every field but the site URL, which a caller may learn only
    /// later (from WP-CLI, say): required fields, control characters, the
    /// SSH and FTP groups, the tracking ID. [`Endpoint::validate`] checks
    /// the whole request.
    pub fn validate_fields(&self) -> Result<(), Error> {
        self.fields(false).map(drop)?;
        self.path().map(drop)
    }

    /// The site URL this request provisions.
    pub fn siteurl(&self) -> &str {
        &self.siteurl
    }

    /// The plan this request provisions.
    pub fn plan(&self) -> &str {
        &self.plan
    }

    /// The form to send; checks every group first (the site URL too,
    /// unless `siteurl` is false).
    fn fields(&self, siteurl: bool) -> Result<Form, Error> {
        for (name, value) in [("local_user", &self.local_user), ("plan", &self.plan)] {
            if value.trim().is_empty() {
                return Err(Error::InvalidInput(format!("{name} is required")));
            }
        }
        if siteurl {
            if self.siteurl.trim().is_empty() {
                return Err(Error::InvalidInput("siteurl is required".into()));
            }
            check_siteurl(&self.siteurl)?;
        }
        let mut form = Form::new();
        form.line("local_user", &self.local_user)?
            .line("siteurl", &self.siteurl)?
            .line("plan", &self.plan)?;
        for (name, value) in [
            ("force_register", self.force_register),
            ("force_connect", self.force_connect),
            ("onboarding", self.onboarding),
        ] {
            if let Some(on) = value {
                form.text(name, form_bool(on))?;
            }
        }
        if let Some(id) = self.wpcom_user_id {
            form.text("wpcom_user_id", id.to_string())?;
        }
        if let Some(email) = &self.wpcom_user_email {
            if !email.contains('@') {
                return Err(Error::InvalidInput(format!(
                    "wpcom_user_email {email:?} is not an e-mail address"
                )));
            }
            form.line("wpcom_user_email", email)?;
        }
        if let Some(ssh) = &self.ssh {
            ssh.add_to(&mut form, false)?;
        }
        if let Some(ftp) = &self.ftp {
            ftp.add_to(&mut form)?;
        }
        Ok(form)
    }
}

impl Endpoint for Provision {
    type Answer = ProvisionAnswer;
    const METHOD: Method = Method::Post;

    fn path(&self) -> Result<String, Error> {
        with_tracking_id(
            format!("{JPPHP_V13}/provision"),
            self.partner_tracking_id.as_deref(),
        )
    }

    fn form(&self) -> Result<Form, Error> {
        self.fields(true)
    }

    fn decode(&self, reply: Reply) -> Result<ProvisionAnswer, Error> {
        let mut answer: ProvisionAnswer =
            reply.typed("the provision answer is not the documented object")?;
        if let Some(target) = &self.partner_redirect {
            answer.add_partner_redirect(target);
        }
        Ok(answer)
    }
}

/// `siteurl` must be what a WordPress site's address can be: an http or
/// https URL, or a bare host name, with no user info, query, fragment,
/// white space or control character (see [`SiteRef::parse`]).
fn check_siteurl(siteurl: &str) -> Result<(), Error> {
    // `javascript:…`, `mailto:…`: a scheme without `//`, which the site
    // reference would read as a host and a port.
    if let Some((scheme, rest)) = siteurl.split_once(':') {
        let is_scheme = scheme.len() > 1 && scheme.chars().all(|c| c.is_ascii_alphabetic());
        if is_scheme && !rest.starts_with("//") && !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Error::InvalidInput(format!(
                "siteurl {siteurl:?} is not a WordPress site's address: only http:// and \
                 https:// URLs name a site"
            )));
        }
    }
    SiteRef::parse(siteurl)
        .map_err(|e| {
            Error::InvalidInput(format!(
                "siteurl is not a WordPress site's address: {}",
                match e {
                    Error::InvalidInput(why) => why,
                    other => other.to_string(),
                }
            ))
        })
        .and_then(|site| match site {
            SiteRef::BlogId(_) => Err(Error::InvalidInput(format!(
                "siteurl {siteurl:?} is a number; provision takes the site's URL, e.g. \
                 https://example.com"
            ))),
            SiteRef::Url { .. } => Ok(()),
        })
}

/// The answer to a provision request.
#[derive(Debug, Serialize)]
pub struct ProvisionAnswer {
    /// Whether the plan was provisioned (or recorded as pending).
    pub success: bool,
    /// Whether the user must still authorize the connection at `next_url`.
    pub auth_required: bool,
    /// Where to send the user to finish. Empty when WordPress.com could not
    /// reach the site: the user then finishes from wp-admin.
    pub next_url: String,
    /// A token for `wp jetpack authorize_user --token=…`, when a
    /// WordPress.com user was connected non-interactively.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// With SSH fields: whether the credentials were stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_set: Option<bool>,
    /// With SSH fields: why they were not stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_error: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Extra,
    /// The answer's JSON text as the API sent it.
    #[serde(skip)]
    pub raw: RawAnswer,
}

impl<'de> Deserialize<'de> for ProvisionAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, |f| {
            Ok(ProvisionAnswer {
                success: f.get("success", lenient::boolean)?,
                auth_required: f.get("auth_required", lenient::boolean)?,
                next_url: f.get("next_url", lenient::string)?,
                access_token: f.get("access_token", Deserialize::deserialize)?,
                ssh_set: f.get("ssh_set", Deserialize::deserialize)?,
                ssh_error: f.get("ssh_error", Deserialize::deserialize)?,
                raw: Default::default(),
                extra: f.rest(),
            })
        })
    }
}

impl ProvisionAnswer {
    /// Adds `partner_redirect` to `next_url` the documented way (reference
    /// 8), when it leads to the authorization page: only when
    /// `auth_required` is true and `next_url` is not empty. The answer's
    /// text (`raw`) is changed the same way, its other fields kept as they
    /// came. Says what it did.
    ///
    /// ```
    /// use jetpack_partner::{Endpoint, PartnerRedirect, Provision, RedirectOutcome, Reply};
    /// let body = br#"{"success":true,"auth_required":true,"next_url":"https://wp.example/a?site=x"}"#;
    /// let mut answer = Provision::new("admin", "https://x", "free").decode(Reply::decode(200, None, body)?)?;
    /// let to = PartnerRedirect::parse("https://panel.example/")?;
    /// assert_eq!(answer.add_partner_redirect(&to), RedirectOutcome::Added);
    /// assert_eq!(answer.next_url, "https://wp.example/a?site=x&partner_redirect=https%3A%2F%2Fpanel.example%2F");
    /// # Ok::<(), jetpack_partner::Error>(())
    /// ```
    pub fn add_partner_redirect(&mut self, target: &PartnerRedirect) -> RedirectOutcome {
        if !self.auth_required {
            return RedirectOutcome::NoAuthorization;
        }
        if self.next_url.trim().is_empty() {
            return RedirectOutcome::NoNextUrl;
        }
        self.next_url = target.add_to(&self.next_url);
        let next_url = serde_json::Value::String(self.next_url.clone());
        self.raw = self
            .raw
            .with_field("next_url", &next_url)
            .unwrap_or_default();
        RedirectOutcome::Added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_goes_only_where_the_user_authorizes() -> Result<(), Error> {
        let to = PartnerRedirect::parse("https://panel.example/done")?;
        let decode = |body: &str| -> Result<ProvisionAnswer, Error> {
            Provision::new("a", "https://x.test", "free")
                .partner_redirect(to.clone())
                .decode(Reply::decode(200, None, body.as_bytes())?)
        };
        let added = decode(
            r#"{"next_url":"https://wp.example/a?s=1","success":true,"auth_required":true,"z":[1]}"#,
        )?;
        let want = "https://wp.example/a?s=1&partner_redirect=https%3A%2F%2Fpanel.example%2Fdone";
        assert_eq!(added.next_url, want);
        assert_eq!(
            added.raw.get(),
            Some(
                format!(r#"{{"next_url":"{want}","success":true,"auth_required":true,"z":[1]}}"#)
                    .as_str()
            )
        );
        let back = r#"{"success":true,"auth_required":false,"next_url":"https://x.test"}"#;
        let mut kept = decode(back)?;
        assert_eq!(kept.next_url, "https://x.test");
        assert_eq!(kept.raw.get(), Some(back));
        assert_eq!(
            kept.add_partner_redirect(&to),
            RedirectOutcome::NoAuthorization
        );
        let mut pending = decode(r#"{"success":true,"auth_required":true,"next_url":""}"#)?;
        assert_eq!(
            pending.add_partner_redirect(&to),
            RedirectOutcome::NoNextUrl
        );
        assert_eq!(pending.next_url, "");
        Ok(())
    }

    #[test]
    fn required_fields_are_checked_before_sending() {
        for (u, s, p) in [
            ("", "x.com", "free"),
            ("a", " ", "free"),
            ("a", "x.com", ""),
        ] {
            assert!(matches!(
                Provision::new(u, s, p).form(),
                Err(Error::InvalidInput(_))
            ));
        }
    }

    #[test]
    fn optional_fields_are_sent_only_when_set() -> Result<(), Error> {
        let plain = Provision::new("admin", "https://x.com", "free")
            .form()?
            .describe();
        assert_eq!(plain.len(), 3);
        let full = Provision::new("admin", "https://x.com", "free")
            .force_register(true)
            .force_connect(false)
            .onboarding(true)
            .wpcom_user_id(42)
            .wpcom_user_email("a@b.c")
            .ssh(SshCredentials::new("u").ssh_pass(Secret::new("pass")))
            .form()?
            .describe();
        let names: Vec<&str> = full.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "local_user",
                "siteurl",
                "plan",
                "force_register",
                "force_connect",
                "onboarding",
                "wpcom_user_id",
                "wpcom_user_email",
                "ssh_user",
                "ssh_pass"
            ]
        );
        assert_eq!(full[3].1, "true");
        assert_eq!(full[4].1, "false");
        Ok(())
    }

    #[test]
    fn tracking_id_goes_in_the_query() {
        let p = Provision::new("a", "b", "c").partner_tracking_id("id 7&x");
        assert_eq!(
            p.path().ok().as_deref(),
            Some("/rest/v1.3/jpphp/provision?partner-tracking-id=id%207%26x")
        );
        assert_eq!(
            Provision::new("a", "b", "c").path().ok().as_deref(),
            Some("/rest/v1.3/jpphp/provision")
        );
        let bad = Provision::new("a", "b.test", "c").partner_tracking_id("x\r\ny");
        assert!(bad.validate().is_err());
    }

    #[test]
    fn what_cannot_be_a_site_url_is_refused() {
        for bad in [
            "https://exa mple.com",
            "https://example.com\r\nX-Injected: 1",
            "https://example.com\n",
            "javascript:alert(1)",
            "ftp://example.com",
            "https://user:pass@example.com",
            "https://example.com/?p=1",
            "https://example.com/#top",
            "12345",
            "https://example.com/%2F..%2F",
        ] {
            let p = Provision::new("admin", bad, "free");
            assert!(
                matches!(p.validate(), Err(Error::InvalidInput(m)) if m.starts_with("siteurl")),
                "{bad:?}"
            );
        }
        for good in [
            "https://example.com",
            "http://example.com/wp/",
            "example.com",
        ] {
            assert!(
                Provision::new("admin", good, "free").validate().is_ok(),
                "{good}"
            );
        }
    }

    #[test]
    fn control_characters_are_refused_field_by_field() {
        for p in [
            Provision::new("admin\0", "https://x.com", "free"),
            Provision::new("admin\r\nrole: administrator", "https://x.com", "free"),
            Provision::new("admin", "https://x.com", "free\n"),
            Provision::new("admin", "https://x.com", "free").wpcom_user_email("a@b.c\n"),
            Provision::new("admin", "https://x.com", "free")
                .ssh(SshCredentials::new("u\n").ssh_pass(Secret::new("pass"))),
        ] {
            assert!(matches!(p.validate(), Err(Error::InvalidInput(_))), "{p:?}");
        }
        let key = Secret::new("-----BEGIN KEY-----\r\nAAAA\n-----END KEY-----\n");
        let with_key = Provision::new("admin", "https://x.com", "free")
            .ssh(SshCredentials::new("u").ssh_private_key(key));
        assert!(with_key.validate().is_ok());
    }

    #[test]
    fn a_bad_email_is_refused() {
        let p = Provision::new("a", "b", "c").wpcom_user_email("nobody");
        assert!(matches!(p.form(), Err(Error::InvalidInput(_))));
    }

    #[test]
    fn answer_decodes_and_hides_its_token() -> Result<(), serde_json::Error> {
        let a: ProvisionAnswer = serde_json::from_str(
            r#"{"success":true,"auth_required":false,"next_url":"","access_token":"tok3n","new_field":1}"#,
        )?;
        assert!(a.success && !a.auth_required);
        assert!(!format!("{a:?}").contains("tok3n"));
        assert_eq!(a.access_token.as_ref().map(Secret::expose), Some("tok3n"));
        assert!(a.extra.contains_key("new_field"));
        Ok(())
    }
}

crate::response::keeps_raw!(ProvisionAnswer);
