//! `POST /rest/v1.3/jpphp/partner-keys/new` (section 7): a reseller makes a
//! sub-key for a bundle, with allowances for the paid plans.

use serde_json::json;

use super::bearer::{self, Guard};
use super::reply::{Reply, Shape};
use super::request::{Fields, Incoming};
use super::shared::Shared;
use super::state::{random_token, Allowances, Partner, SubKey};

const ACTION: &str = "create partner keys";

const GUARD: Guard = Guard::new(ACTION, Shape::Rest);

pub(crate) fn new_key(shared: &Shared, rq: &Incoming) -> Reply {
    run(shared, rq).unwrap_or_else(|refusal| refusal)
}

fn run(shared: &Shared, rq: &Incoming) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    let caller = bearer::check(&state, rq, GUARD)?;
    // Sub-keys are for a bundle; only the reseller's own key hands them out.
    if caller.sub_key.is_some() {
        return Err(Reply::rest_error(
            403,
            "invalid_scope",
            &format!("This token is not authorized to {ACTION}"),
        ));
    }
    let fields = rq.form(GUARD.shape)?;
    let name = fields
        .text("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Reply::rest_error(400, "invalid_name", "A partner key needs a name."))?;
    let allowances = Allowances {
        personal: allowance(&fields, "allowed_personal_plans")?,
        premium: allowance(&fields, "allowed_premium_plans")?,
        professional: allowance(&fields, "allowed_professional_plans")?,
    };
    let key = SubKey {
        id: state.next_key_id,
        parent: caller.partner_id,
        name,
        notes: fields.text("notes").unwrap_or_default(),
        allowances,
    };
    state.next_key_id += 1;
    let client_id = state.new_client_id();
    let client_secret = random_token();
    let answer = json!({
        "id": key.id,
        "name": key.name,
        "allowed_personal_plans": allowances.personal,
        "allowed_premium_plans": allowances.premium,
        "allowed_professional_plans": allowances.professional,
        "notes": key.notes,
        "client_id": client_id,
        "client_secret": client_secret,
    });
    state.partners.insert(
        client_id.to_string(),
        Partner {
            secret: client_secret.into_bytes(),
            disabled: false,
            sub_key: Some(key),
            user_creation_forbidden: false,
        },
    );
    state.dirty = true;
    Ok(Reply::ok(answer))
}

/// A non-negative whole number; absent or empty is 0.
fn allowance(fields: &Fields, name: &str) -> Result<u64, Reply> {
    let Some(text) = fields.text(name) else {
        return Ok(0);
    };
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|_| text.trim().bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Reply::rest_error(
                400,
                "invalid_allowance",
                &format!("{name} must be a whole number from 0 up, not {text:?}."),
            )
        })
}
