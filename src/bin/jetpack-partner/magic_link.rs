//! `magic-link`: e-mail a person a login link for the WordPress app.

use jetpack_partner::{Endpoint, MagicLink};

use crate::args::{filled, require, Args, Flag};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[&[crate::user::EMAIL]];

pub const HELP: &str = "\
E-mail a person a link that logs them in to the WordPress mobile app
(POST /rest/v1.3/jpphp/mobile-magic-link), and print the API's answer.

At most 5 links per address per hour. Past that the API refuses with
too_many_requests: exit 3 (rate_limited), with retry_after in seconds when
the service says how long to wait; the command waits itself only when that
fits in --timeout. A link that may have been sent is not sent again by a
retry.

Usage: jetpack-partner [global options] magic-link --email EMAIL

Example:
  jetpack-partner magic-link --email owner@example.com
";

pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, filled(&a.email), "--email", "EMAIL");
    if let Some(email) = a.email.as_ref().filter(|e| !e.is_empty()) {
        if let Err(e) = MagicLink::new(email).validate() {
            problems.push(Problem::from(e));
        }
    }
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let Some(email) = &args.email else {
        unreachable!("check requires --email");
    };
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let answer = globals.send(&session, &MagicLink::new(email))?;
    globals.out.json(&answer)
}
