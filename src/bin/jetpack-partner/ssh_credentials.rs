//! `ssh-credentials`: store SSH credentials for Jetpack Backup on a site.

use jetpack_partner::SetSshCredentials;

use crate::args::{filled, require, set, Args, Flag};
use crate::backup::{self, SSH_FLAGS};
use crate::globals::Globals;
use crate::output::{Failure, Problems};

/// The command's flag groups.
pub const FLAGS: &[&[Flag]] = &[OWN, SSH_FLAGS];

const OWN: &[Flag] = &[Flag::value(
    &["--blog-id"],
    "N",
    "the site's WordPress.com blog ID (see status)",
    |a, v| {
        let what = "a blog ID (a positive number)";
        set(
            &mut a.blog_id,
            v.parse(what).and_then(|id| match id {
                0 => Err(v.invalid(what)),
                id => Ok(id),
            }),
        )
    },
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

/// What ssh-credentials needs, before it starts.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, a.given("--blog-id"), "--blog-id", "N");
    require(problems, filled(&a.ssh_user), "--ssh-user", "USER");
    require(problems, filled(&a.ssh_host), "--ssh-host", "HOST");
    if a.ssh_user.is_some() {
        backup::check(a, problems);
    }
}

pub fn run(args: &Args, globals: &Globals) -> Result<(), Failure> {
    globals.check_credentials()?;
    let client = globals.client()?;
    let (Some(blog_id), Some(ssh)) = (args.blog_id, backup::ssh(args, globals)?) else {
        unreachable!("check requires --blog-id and --ssh-user");
    };
    let session = globals.session(client)?;
    let answer = globals.send(&session, &SetSshCredentials::new(blog_id, ssh))?;
    globals.out.json(&answer)
}
