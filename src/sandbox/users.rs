//! `POST /rest/v1.3/jpphp/user` (reference 6.1): a whitelisted partner
//! makes a WordPress.com account and gets a token for it. Refusals use the
//! partner documents' shape, `{"error_code", "error_message"}`.
//!
//! Every partner the sandbox is started with is whitelisted unless
//! [`forbid_user_creation`](super::SandboxBuilder::forbid_user_creation)
//! names it; a sub-key made by `partner-keys/new` never is (the whitelist
//! is kept per OAuth client, and nobody put the new one on it). Accounts
//! are kept by e-mail address, in any case, so a second one for the same
//! address meets `user_exists`.
//!
//! An address at `notoken.test` (or a subdomain) acts out the documented
//! 500 `error_access_token`: the account is made, its token is not, as the
//! reference's order of things (account first, then its token) implies.
//! A second try for it then meets `user_exists`.

use serde_json::json;

use super::bearer::{self, Guard};
use super::reply::{Reply, Shape};
use super::request::Incoming;
use super::shared::Shared;
use super::state::{random_token, User};

/// The languages the reference lists for the verification e-mail.
const LANGUAGES: &[&str] = &[
    "en", "af", "ar", "as", "be", "bg", "bm", "bn", "bo", "ca", "cs", "csb", "cy", "da", "de",
    "dz", "el", "eo", "es", "et", "fa", "fi", "fo", "fr", "fur", "fy", "ga", "gu", "he", "hi",
    "hu", "ia", "id", "is", "it", "ja", "ka", "km", "kn", "ko", "ku", "la", "li", "lo", "lt", "ml",
    "ms", "nds", "nl", "nn", "no", "non", "nv", "oc", "or", "os", "pa", "pl", "ps", "pt", "ro",
    "ru", "sc", "sk", "sl", "sq", "sr", "sv", "ta", "te", "th", "tt", "uk", "ur", "wa", "yi", "tr",
    "az", "als", "arc", "ast", "av", "ay", "ba", "br", "ce", "cv", "dv", "eu", "gn", "hr", "ii",
    "ks", "kv", "mk", "nah", "nap", "pt-br", "qu", "sd", "su", "ty", "udm", "ug", "vec", "vi",
    "xal", "za", "zh-cn", "zh-tw", "lv", "bs", "tl", "ne", "gl", "uz", "so", "mr", "kk", "va",
    "mwl", "mt", "hy", "el-po", "ilo", "si", "mn", "fil", "fr-ch", "fr-ca", "gd", "yo", "fr-be",
    "ky", "tir", "am", "en-gb", "mya", "rup",
];

/// The product types an account may be made for.
const PRODUCT_TYPES: &[&str] = &["jetpack", "woocommerce"];

/// The domain whose addresses get an account but no token.
pub(crate) const NO_TOKEN_DOMAIN: &str = "notoken.test";

pub(crate) fn create(shared: &Shared, rq: &Incoming) -> Reply {
    run(shared, rq).unwrap_or_else(|refusal| refusal)
}

fn run(shared: &Shared, rq: &Incoming) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let caller = bearer::check(
        &state,
        rq,
        Guard::new("create WordPress.com users", Shape::Partner),
    )?;
    let whitelisted = caller.sub_key.is_none()
        && state
            .partners
            .get(&caller.partner_id)
            .is_some_and(|p| !p.user_creation_forbidden);
    if !whitelisted {
        return Err(Reply::error(
            Shape::Partner,
            403,
            "forbidden",
            "This partner is not allowed to create WordPress.com users. Ask Automattic to add \
             it to the user-creation whitelist.",
        ));
    }
    let fields = rq.form(Shape::Partner)?;
    let email = fields.text("email").unwrap_or_default();
    let email = email.trim();
    if email.is_empty() {
        return Err(refused(
            "invalid_input_no_email",
            "The required \"email\" argument is missing.",
        ));
    }
    if !is_email(email) {
        return Err(refused(
            "invalid_input_no_email",
            &format!("{email} is not an e-mail address."),
        ));
    }
    let product_type = fields.text("product_type").ok_or_else(|| {
        refused(
            "invalid_input_no_product_id",
            "The required \"product_id\" argument is missing.",
        )
    })?;
    if !PRODUCT_TYPES.contains(&product_type.as_str()) {
        return Err(refused(
            "invalid_input_unknown_product_id",
            &format!("Unknown product_id: {product_type}."),
        ));
    }
    let language = fields.text("language");
    if let Some(code) = language.as_deref().filter(|c| !LANGUAGES.contains(c)) {
        return Err(refused(
            "invalid_input_unknown_language",
            &format!("{code} is not a language the verification e-mail can be written in."),
        ));
    }
    let key = email.to_ascii_lowercase();
    if state.users.contains_key(&key) {
        return Err(refused(
            "user_exists",
            "A WordPress.com account already uses this e-mail address.",
        ));
    }
    let user = User {
        id: state.new_user_id(),
        partner_id: caller.partner_id,
        product_type,
        language,
        created_at: state.now(),
    };
    state.users.insert(key.clone(), user);
    state.dirty = true;
    let domain = key.rsplit_once('@').map_or("", |(_, d)| d);
    if domain == NO_TOKEN_DOMAIN || domain.ends_with(&format!(".{NO_TOKEN_DOMAIN}")) {
        return Err(Reply::error(
            Shape::Partner,
            500,
            "error_access_token",
            "The access token for the new user could not be created.",
        ));
    }
    // A token for the new user. The reference does not say what it may be
    // used for, so no route of the sandbox takes it.
    Ok(Reply::ok(json!({
        "success": true,
        "bearer_token": random_token(),
    })))
}

fn refused(code: &str, message: &str) -> Reply {
    Reply::error(Shape::Partner, 400, code, message)
}

/// One `@` between a name and a domain with a dot.
fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.split('.').any(str::is_empty)
                && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(is_email("a@b.co"));
        for bad in ["a", "@b.co", "a@b", "a@b@c.co", "a b@c.co", "a@.co"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
