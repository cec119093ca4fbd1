//! The WP-CLI hand-off of `partner-provision.sh`, opt-in with `--wp-cli`
//! or `--wp-cli-path PATH`: activate Jetpack, read the site URL, and run
//! `wp jetpack authorize_user --token=…` after a provision that returned a
//! token for a WordPress.com user.

use std::process::{Command, Stdio};

use jetpack_partner::error::excerpt;
use jetpack_partner::Secret;

use crate::args::{Flag, Parsed};
use crate::output::Failure;

pub const FLAGS: &[Flag] = &[
    Flag::switch(
        "wp-cli",
        &["--wp-cli"],
        "run WP-CLI ('wp' from PATH) as partner-provision.sh did",
    ),
    Flag::value(
        "wp-cli-path",
        &["--wp-cli-path"],
        "PATH",
        "run WP-CLI from PATH (implies --wp-cli)",
    ),
    Flag::switch(
        "allow-root",
        &["--allow-root"],
        "pass --allow-root to WP-CLI",
    ),
];

/// Variables the child must not inherit: it needs none of our secrets.
const WITHHELD: &[&str] = &["JETPACK_PARTNER_SECRET", "JETPACK_ACCESS_TOKEN"];

/// A WP-CLI to run, with the global arguments every call gets.
pub struct WpCli {
    program: String,
    global: Vec<String>,
}

impl WpCli {
    /// The WP-CLI the options ask for, if any. `url` and `user` are passed
    /// as `--url=` and `--user=`, as the script did.
    pub fn from_flags(flags: &Parsed, url: Option<&str>, user: Option<&str>) -> Option<WpCli> {
        let program = match flags.text("wp-cli-path") {
            Some(path) => path.to_owned(),
            None if flags.switch("wp-cli") => "wp".to_owned(),
            None => return None,
        };
        let mut global = Vec::new();
        if flags.switch("allow-root") {
            global.push("--allow-root".to_owned());
        }
        if let Some(url) = url {
            global.push(format!("--url={url}"));
        }
        if let Some(user) = user {
            global.push(format!("--user={user}"));
        }
        Some(WpCli { program, global })
    }

    /// Runs `wp <global> <args>`: (success, stdout, stderr).
    fn run(&self, args: &[&str]) -> Result<(bool, String, String), Failure> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.global)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in WITHHELD {
            command.env_remove(var);
        }
        let out = command.output().map_err(|e| {
            Failure::usage(
                format!("cannot run WP-CLI {:?}: {e}", self.program),
                "install WP-CLI, or pass --wp-cli-path PATH; drop --wp-cli to run without it",
            )
        })?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// `wp plugin activate jetpack`, silently: its own failure does not stop
    /// the provision (the API then says what is wrong), but a WP-CLI that
    /// cannot run at all does.
    pub fn activate_jetpack(&self) -> Result<(), Failure> {
        self.run(&["plugin", "activate", "jetpack"]).map(drop)
    }

    /// `wp option get siteurl`; a failure stops everything before a request.
    pub fn siteurl(&self) -> Result<String, Failure> {
        let (ok, stdout, stderr) = self.run(&["option", "get", "siteurl"])?;
        let url = stdout.trim();
        if !ok || url.is_empty() {
            return Err(Failure::usage(
                format!(
                    "WP-CLI could not read the site URL: {}",
                    excerpt(stderr.as_bytes())
                ),
                "run it from the WordPress directory, pass --url, or give --siteurl",
            ));
        }
        Ok(url.to_owned())
    }

    /// `wp jetpack authorize_user --token=…`. The token stands on WP-CLI's
    /// command line: that is how WP-CLI takes it, as the script passed it.
    pub fn authorize_user(&self, token: &Secret) -> Result<(), Failure> {
        let arg = format!("--token={}", token.expose());
        let (ok, stdout, stderr) = self.run(&["jetpack", "authorize_user", &arg])?;
        let said = format!("{stdout} {stderr}");
        if ok && !said.contains("Error:") {
            return Ok(());
        }
        Err(Failure::Refused {
            code: "authorization_failure".into(),
            message: format!(
                "wp jetpack authorize_user failed: {}",
                excerpt(said.as_bytes())
            ),
            http_status: None,
        })
    }
}
