//! `ssh-credentials`: store SSH credentials for Jetpack Backup on a site.

use jetpack_partner::SetSshCredentials;

use crate::args::{Flag, Parsed};
use crate::backup::{self, SSH_FLAGS};
use crate::globals::Globals;
use crate::output::Failure;

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN, SSH_FLAGS];

const OWN: &[Flag] = &[Flag::value(
    "blog-id",
    &["--blog-id"],
    "N",
    "the site's WordPress.com blog ID (see status)",
)];

pub const HELP: &str = "\
Store SSH credentials for Jetpack Backup on a site
(POST /rest/v1.3/jpphp/{blog_id}/ssh-credentials). The password or key is
read from a file, or from stdin with '-', never from the command line.

Usage: jetpack-partner [global options] ssh-credentials --blog-id N --ssh-user USER
         --ssh-host HOST (--ssh-pass-file PATH | --ssh-private-key PATH) [--ssh-port N]

Example:
  jetpack-partner ssh-credentials --blog-id 12345 --ssh-user deploy \\
      --ssh-host example.com --ssh-private-key ~/.ssh/backup_key
";

pub fn run(flags: &Parsed, globals: &Globals) -> Result<(), Failure> {
    let blog_id = flags
        .parse::<u64>("blog-id", "a blog ID (a positive number)")?
        .filter(|&id| id > 0)
        .ok_or_else(|| {
            Failure::usage(
                "--blog-id is required",
                "add --blog-id N (a positive number)",
            )
        })?;
    if flags.text("ssh-host").is_none() {
        return Err(Failure::usage(
            "--ssh-host is required",
            "add --ssh-host HOST",
        ));
    }
    globals.check_credentials()?;
    let client = globals.client()?;
    let Some(ssh) = backup::ssh(flags, globals)? else {
        return Err(Failure::usage(
            "--ssh-user is required",
            "add --ssh-user USER",
        ));
    };
    let session = globals.session(client)?;
    let answer = globals.send(&session, &SetSshCredentials::new(blog_id, ssh))?;
    globals.out.json(&answer)
}
