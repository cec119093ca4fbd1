//! `errors`: the API's error catalogue.

use jetpack_partner::ErrorCatalogue;

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN];

const OWN: &[Flag] = &[Flag::switch(
    "verbose",
    &["--verbose"],
    "give each error's cause and solution (after the command; -v still traces)",
)];

pub const HELP: &str = "\
Print the API's error catalogue: error code to description
(GET /rest/v1.3/jpphp/errors).

Usage: jetpack-partner [global options] errors [--verbose]
";

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    globals.check_credentials()?;
    let client = globals.client()?;
    let session = globals.session(client)?;
    let verbose = flags.switch("verbose");
    let catalogue = globals.send(&session, &ErrorCatalogue { verbose })?;
    globals.out.json(&catalogue)
}
