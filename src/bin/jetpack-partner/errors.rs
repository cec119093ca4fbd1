//! `errors`: the API's error catalogue.

use jetpack_partner::ErrorCatalogue;

use crate::args::{Args, Flag};
use crate::globals::Globals;
use crate::output::Failure;

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[Flag::switch(
    &["--details"],
    "each error's cause and solution (the API's ?verbose)",
    |a| &mut a.details,
)];

pub const HELP: &str = "\
Print the API's error catalogue: error code to description
(GET /rest/v1.3/jpphp/errors).

Usage: jetpack-partner [global options] errors [--details]
";

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let request = ErrorCatalogue {
        verbose: args.details,
    };
    let catalogue = globals.send(&session, &request)?;
    globals.out.json(&catalogue)
}
