//! `sandbox`: serve the local fake of the API until stopped.

use jetpack_partner::sandbox::Sandbox;

use crate::args::{Flag, Parsed};
use crate::globals::Globals;
use crate::output::Failure;

pub const FLAGS: &[Flag] = &[
    Flag::value(
        "listen",
        &["--listen"],
        "ADDR",
        "address to listen on (default 127.0.0.1:0, a free port)",
    ),
    Flag::value(
        "partner",
        &["--partner"],
        "ID:SECRET",
        "a partner that may request tokens (repeatable; split at the first\n\
         colon; replaces a partner of the same ID in the state file;\n\
         sandbox secrets are not real ones)",
    )
    .many(),
    Flag::value(
        "state",
        &["--state"],
        "FILE",
        "keep partner keys, tokens and sites in FILE across runs (corrupt: exit 5)",
    ),
];

pub const HELP: &str = "\
Serve a local fake of the Jetpack Start API over plain HTTP, for tests and
trials. Its first line on stdout is its base URL; pass it as --api-base.
It keeps its state in memory (and in FILE with --state) and serves until
stopped (Ctrl-C, kill).

Usage: jetpack-partner sandbox [--listen ADDR] [--state FILE] --partner ID:SECRET [--partner ...]

Reserved test hosts: *.nojetpack.test (Jetpack not active), *.badstate.test
(needs force_register), *.pending.test (unreachable: pending activation),
*.undeletable.test (cancelling fails).
";

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let partners = flags.all("partner");
    if partners.is_empty() {
        return Err(Failure::usage(
            "the sandbox needs at least one partner",
            "add --partner ID:SECRET, e.g. --partner 1234:s3cret",
        ));
    }
    let mut builder = Sandbox::builder().listen(flags.text("listen").unwrap_or("127.0.0.1:0"));
    if let Some(path) = flags.text("state") {
        builder = builder.state_file(path);
    }
    for partner in partners {
        let Some((id, secret)) = partner
            .split_once(':')
            .filter(|(id, s)| !id.is_empty() && !s.is_empty())
        else {
            return Err(Failure::usage(
                format!("--partner {partner:?} is not ID:SECRET"),
                "write it as --partner 1234:s3cret",
            ));
        };
        builder = builder.partner(id, secret);
    }
    let sandbox = builder.start()?;
    globals.out.line(sandbox.base_url())?;
    sandbox.wait();
    Ok(())
}
