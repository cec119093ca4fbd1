//! `token`: exchange the partner ID and secret for an access token.

use crate::args::{Args, Flag};
use crate::globals::Globals;
use crate::output::Failure;

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[Flag::switch(
    &["--json"],
    "print the whole answer as JSON instead of the bare token",
    |a| &mut a.json,
)];

pub const HELP: &str = "\
Exchange the partner ID and secret for an access token and print it.

Usage: jetpack-partner [global options] token [--json]

The token goes to stdout on its own line, so it can be captured:
  TOKEN=$(jetpack-partner --partner-id 1234 --partner-secret-file ~/.jetpack-secret token)
";

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let client = globals.client()?;
    let answer = globals.session_for_token(client)?.request_new_token()?;
    globals.out.redactor.add(answer.access_token.expose());
    if args.json {
        globals.out.json(&answer)
    } else {
        globals.out.line(answer.access_token.expose())
    }
}
