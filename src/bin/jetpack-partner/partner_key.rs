//! `partner-key new`: create a partner sub-key for a bundle (resellers).

use jetpack_partner::NewPartnerKey;

use crate::args::{filled, require, set, Args, Flag};
use crate::globals::Globals;
use crate::output::{Failure, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[
    Flag::text(&["--name"], "NAME", "the new key's name", |a| &mut a.name),
    Flag::value(
        &["--allowed-personal-plans"],
        "N",
        "personal plans it may provision (default 0)",
        |a, v| set(&mut a.allowed_personal_plans, v.parse(PLANS)),
    ),
    Flag::value(
        &["--allowed-premium-plans"],
        "N",
        "premium plans it may provision (default 0)",
        |a, v| set(&mut a.allowed_premium_plans, v.parse(PLANS)),
    ),
    Flag::value(
        &["--allowed-professional-plans"],
        "N",
        "professional plans it may provision (default 0)",
        |a, v| set(&mut a.allowed_professional_plans, v.parse(PLANS)),
    ),
    Flag::text(&["--notes"], "TEXT", "free-form notes", |a| &mut a.notes),
];

const PLANS: &str = "a whole number of plans";

pub const HELP: &str = "\
Create a partner sub-key for a bundle (POST /rest/v1.3/jpphp/partner-keys/new)
and print it. The answer holds the new key's client_id and client_secret:
store the secret like your own partner secret (it is printed because you asked
for it; nothing else prints it).

Usage: jetpack-partner [global options] partner-key new --name NAME [--allowed-…-plans N] [--notes TEXT]

Example:
  jetpack-partner partner-key new --name 'Reseller A' --allowed-professional-plans 50 > key.json
";

/// partner-key new needs the key's name.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.name), "--name", "NAME");
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let mut request = NewPartnerKey::new(args.name.as_deref().unwrap_or_default());
    if let Some(n) = args.allowed_personal_plans {
        request = request.allowed_personal_plans(n);
    }
    if let Some(n) = args.allowed_premium_plans {
        request = request.allowed_premium_plans(n);
    }
    if let Some(n) = args.allowed_professional_plans {
        request = request.allowed_professional_plans(n);
    }
    if let Some(notes) = &args.notes {
        request = request.notes(notes);
    }
    globals.check_credentials()?;
    globals.out.check_stdout()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let key = globals.send(&session, &request)?;
    globals.out.redactor.add(key.client_secret.expose());
    globals.out.answer(&key)
}
