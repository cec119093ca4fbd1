//! `partner-key new`: create a partner sub-key for a bundle (resellers).

use jetpack_partner::NewPartnerKey;

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[
    Flag::value("name", &["--name"], "NAME", "the new key's name"),
    Flag::value(
        "allowed-personal-plans",
        &["--allowed-personal-plans"],
        "N",
        "personal plans it may provision (default 0)",
    ),
    Flag::value(
        "allowed-premium-plans",
        &["--allowed-premium-plans"],
        "N",
        "premium plans it may provision (default 0)",
    ),
    Flag::value(
        "allowed-professional-plans",
        &["--allowed-professional-plans"],
        "N",
        "professional plans it may provision (default 0)",
    ),
    Flag::value("notes", &["--notes"], "TEXT", "free-form notes"),
];

pub const HELP: &str = "\
Create a partner sub-key for a bundle (POST /rest/v1.3/jpphp/partner-keys/new)
and print it. The answer holds the new key's client_id and client_secret:
store the secret like your own partner secret (it is printed because you asked
for it; nothing else prints it).

Usage: jetpack-partner [global options] partner-key new --name NAME [--allowed-…-plans N] [--notes TEXT]

Example:
  jetpack-partner partner-key new --name 'Reseller A' --allowed-professional-plans 50 > key.json
";

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let mut request = NewPartnerKey::new(flags.required("name", "--name")?);
    let count = "a whole number of plans";
    if let Some(n) = flags.parse("allowed-personal-plans", count)? {
        request = request.allowed_personal_plans(n);
    }
    if let Some(n) = flags.parse("allowed-premium-plans", count)? {
        request = request.allowed_premium_plans(n);
    }
    if let Some(n) = flags.parse("allowed-professional-plans", count)? {
        request = request.allowed_professional_plans(n);
    }
    if let Some(notes) = flags.text("notes") {
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
