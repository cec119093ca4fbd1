//! The WP-CLI hand-off of `partner-provision.sh`: activate Jetpack, read
//! the site URL, and run `wp jetpack authorize_user --token=…` after a
//! provision that returned a token for a WordPress.com user.
//!
//! In the new spelling it is opt-in (`--wp-cli`, `--wp-cli-path PATH`). An
//! invocation in the scripts' spelling behaves as the scripts did: WP-CLI
//! is probed (`wp --skip-plugins --skip-themes option get home`) and used
//! when it answers, unless `--no-wp-cli`. Every call skips themes; calls
//! that do not need Jetpack skip every plugin, and `jetpack authorize_user`
//! skips every active plugin but Jetpack.

use std::process::{Command, Stdio};

use jetpack_partner::fuzzing::excerpt;
use jetpack_partner::Secret;

use crate::args::{Args, Flag};
use crate::output::{Failure, Problem, Problems};

pub const FLAGS: &[Flag] = &[
    Flag::switch(
        &["--wp-cli"],
        "run WP-CLI ('wp' from PATH) as partner-provision.sh did",
        |a| &mut a.wp_cli,
    ),
    Flag::text(
        &["--wp-cli-path"],
        "PATH",
        "run WP-CLI from PATH (implies --wp-cli)",
        |a| &mut a.wp_cli_path,
    ),
    Flag::switch(
        &["--no-wp-cli"],
        "never run WP-CLI, not even for the old scripts' spelling",
        |a| &mut a.no_wp_cli,
    ),
    Flag::switch(&["--allow-root"], "pass --allow-root to WP-CLI", |a| {
        &mut a.allow_root
    }),
];

/// Whether WP-CLI is asked for, by the options.
fn explicit(a: &Args) -> bool {
    a.wp_cli || a.wp_cli_path.is_some()
}

/// Whether WP-CLI may be used: asked for, or the old scripts' spelling
/// (which probes for it), and not refused.
pub fn wanted(a: &Args) -> bool {
    !a.no_wp_cli && (explicit(a) || a.script_spelling)
}

/// `--no-wp-cli` with `--wp-cli` or `--wp-cli-path`.
pub fn check(a: &Args, problems: &mut Problems) {
    if a.no_wp_cli && explicit(a) {
        problems.push(Problem::new(
            "--no-wp-cli contradicts --wp-cli and --wp-cli-path",
            "give one of them",
        ));
    }
}

/// Variables a child (`wp`, the browser opener) must not inherit: it
/// needs none of our secrets.
pub const WITHHELD: &[&str] = &[
    "JETPACK_PARTNER_SECRET",
    "JETPACK_ACCESS_TOKEN",
    "JETPACK_PARTNER_SECRET_FILE",
    "JETPACK_USER_TOKEN",
    "JETPACK_USER_TOKEN_FILE",
];

/// What a `wp` call loads: nothing but WordPress, or Jetpack too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Load {
    Core,
    Jetpack,
}

/// A WP-CLI to run, with the global arguments every call gets.
pub struct WpCli {
    program: String,
    global: Vec<String>,
}

impl WpCli {
    /// The WP-CLI the options ask for, if any. `url` and `user` are passed
    /// as `--url=` and `--user=`, as the script did. In the scripts'
    /// spelling, WP-CLI is used when it answers the probe, as the scripts
    /// used it.
    pub fn from_flags(
        args: &Args,
        url: Option<&str>,
        user: Option<&str>,
    ) -> Result<Option<WpCli>, Failure> {
        if !wanted(args) {
            return Ok(None);
        }
        let program = args.wp_cli_path.as_deref().unwrap_or("wp").to_owned();
        let mut global = Vec::new();
        if args.allow_root {
            global.push("--allow-root".to_owned());
        }
        if let Some(url) = url {
            global.push(format!("--url={url}"));
        }
        if let Some(user) = user {
            global.push(format!("--user={user}"));
        }
        let wp = WpCli { program, global };
        if explicit(args) {
            return Ok(Some(wp));
        }
        // The scripts' probe: WordPress answers, or WP-CLI is not used.
        let answers = wp
            .run(Load::Core, &["option", "get", "home"])
            .is_ok_and(|(ok, stdout, _)| ok && !stdout.trim().is_empty());
        Ok(answers.then_some(wp))
    }

    /// Runs `wp <global> <args>`: (success, stdout, stderr).
    fn run(&self, load: Load, args: &[&str]) -> Result<(bool, String, String), Failure> {
        let skip_plugins = match load {
            Load::Core => Some("--skip-plugins".to_owned()),
            Load::Jetpack => self
                .other_plugins()
                .map(|list| format!("--skip-plugins={list}")),
        };
        let mut command = Command::new(&self.program);
        command
            .args(&self.global)
            .args(skip_plugins)
            .arg("--skip-themes")
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

    /// The scripts' probe, `wp option get home`: the site's home URL, or
    /// why WP-CLI did not give it (it cannot run, or WordPress did not
    /// answer: not its directory, no database…).
    pub fn probe(&self) -> Result<String, String> {
        let (ok, stdout, stderr) =
            self.run(Load::Core, &["option", "get", "home"])
                .map_err(|failure| match failure {
                    Failure::Usage { message, .. } => message,
                    other => format!("{other:?}"),
                })?;
        let home = stdout.trim();
        if ok && !home.is_empty() {
            return Ok(home.to_owned());
        }
        Err(format!(
            "{} --skip-plugins --skip-themes option get home gave no home URL: {}",
            self.program,
            excerpt(format!("{stdout} {stderr}").trim().as_bytes())
        ))
    }

    /// `wp plugin activate jetpack`, silently: its own failure does not stop
    /// the provision (the API then says what is wrong), but a WP-CLI that
    /// cannot run at all does.
    pub fn activate_jetpack(&self) -> Result<(), Failure> {
        self.run(Load::Core, &["plugin", "activate", "jetpack"])
            .map(drop)
    }

    /// The active plugins other than Jetpack, comma-separated, for
    /// `--skip-plugins=`; `None` when there are none (or they cannot be
    /// listed), so that nothing is skipped.
    fn other_plugins(&self) -> Option<String> {
        let (ok, stdout, _) = self
            .run(
                Load::Core,
                &["plugin", "list", "--status=active", "--field=name"],
            )
            .ok()?;
        let others: Vec<&str> = stdout
            .lines()
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "jetpack")
            .collect();
        (ok && !others.is_empty()).then(|| others.join(","))
    }

    /// `wp option get siteurl`; a failure stops everything before a request.
    pub fn siteurl(&self) -> Result<String, Failure> {
        let (ok, stdout, stderr) = self.run(Load::Core, &["option", "get", "siteurl"])?;
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
        let (ok, stdout, stderr) = self.run(Load::Jetpack, &["jetpack", "authorize_user", &arg])?;
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
