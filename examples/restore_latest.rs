//! Find a site's latest restore point and restore it, following the
//! restore to its end with its progress on stderr.
//!
//! ```sh
//! JETPACK_API_BASE=https://public-api.wordpress.com JETPACK_PARTNER_ID=1234 \
//!     JETPACK_PARTNER_SECRET=… cargo run --example restore_latest -- example.com
//! ```
//!
//! Without `JETPACK_API_BASE` (nor `--api-base URL` first), it starts a
//! sandbox of its own, provisions a site there, waits for its first backup
//! and restores that: `cargo run --example restore_latest`. (That needs the
//! default `sandbox` feature.)

use std::env;
use std::process::ExitCode;
use std::time::Duration;

use jetpack_partner::{
    latest_restore_point, Client, Credentials, Error, Restore, RestoreStatus, Secret, Session,
    SiteRef, Wait,
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("restore_latest: {e} ({})", e.code());
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let mut args: Vec<String> = env::args().skip(1).collect();
    let mut api_base = env::var("JETPACK_API_BASE").ok().filter(|b| !b.is_empty());
    if args.first().map(String::as_str) == Some("--api-base") && args.len() > 1 {
        api_base = Some(args.remove(1));
        args.remove(0);
    }
    let Some(api_base) = api_base else {
        return on_a_sandbox_of_its_own(&args);
    };
    let [site] = args.as_slice() else {
        return Err(Error::InvalidInput(
            "usage: restore_latest [--api-base URL] SITE (a domain, URL or blog ID)".into(),
        ));
    };
    let credentials = Credentials::new(
        env::var("JETPACK_PARTNER_ID").unwrap_or_default(),
        Secret::new(env::var("JETPACK_PARTNER_SECRET").unwrap_or_default()),
    );
    let session = Session::new(Client::builder().api_base(api_base).build()?, credentials);
    restore_latest(&session, &SiteRef::parse(site)?, Duration::from_secs(1))
}

/// Restores `site` to its latest restore point, looking every `interval`.
fn restore_latest(session: &Session, site: &SiteRef, interval: Duration) -> Result<(), Error> {
    let blog = session.blog_id(site)?;
    let Some(point) = latest_restore_point(session, blog)? else {
        return Err(Error::InvalidInput(format!(
            "{site} (blog {blog}) has no restore point: none of its backups has finished"
        )));
    };
    let Some(rewind_id) = point.rewind_id.clone() else {
        unreachable!("a restore point has its rewind ID");
    };
    println!(
        "Latest restore point of {site} (blog {blog}): {rewind_id}, {} at {}",
        point.summary, point.published
    );
    let queued = session.send(&Restore::to_rewind_id(blog, rewind_id.clone()))?;
    let id = queued.restore_id;
    let status = RestoreStatus::new(blog, id);
    let mut last = None;
    let done = Wait::new("restore", id.to_string())
        .interval(interval)
        .until(
            || session.send(&status)?.into_look(id),
            |progress| {
                if last.as_ref() != Some(progress) {
                    let percent = progress
                        .percent
                        .map(|p| format!(" {p}%"))
                        .unwrap_or_default();
                    eprintln!("restore {id}: {}{percent}", progress.state);
                    last = Some(progress.clone());
                }
            },
        )?;
    println!("Restored {site} to {rewind_id}: {}", done.state());
    Ok(())
}

/// With no API base: a sandbox, a site provisioned there, its first
/// backup, and the restore.
#[cfg(feature = "sandbox")]
fn on_a_sandbox_of_its_own(args: &[String]) -> Result<(), Error> {
    use jetpack_partner::sandbox::Sandbox;
    use jetpack_partner::{Look, Progress, Provision};

    let host = args.first().map_or("example.com", String::as_str);
    let secret = jetpack_partner::sandbox::random_secret();
    let sandbox = Sandbox::builder()
        .partner("1234", &secret)
        .backup_duration(Duration::from_millis(300))
        .restore_duration(Duration::from_secs(2))
        .start()
        .map_err(|e| Error::Io {
            context: "the sandbox cannot start".into(),
            source: std::io::Error::other(e),
        })?;
    eprintln!(
        "No JETPACK_API_BASE: a sandbox of its own at {}",
        sandbox.base_url()
    );
    let client = Client::builder().api_base(sandbox.base_url()).build()?;
    let session = Session::new(client, Credentials::new("1234", Secret::new(secret)));
    let siteurl = format!("https://{host}");
    session.send(&Provision::new("admin", siteurl, "professional").wpcom_user_id(1))?;
    let site = SiteRef::parse(host)?;
    let blog = session.blog_id(&site)?;
    Wait::new("first backup", blog.to_string())
        .timeout(Duration::from_secs(60))
        .interval(Duration::from_millis(100))
        .until(
            || {
                Ok(match latest_restore_point(&session, blog)? {
                    Some(_) => Look::Done(()),
                    None => Look::Going(Progress::new("waiting for the first backup", None)),
                })
            },
            |_| {},
        )?;
    restore_latest(&session, &site, Duration::from_millis(200))
}

#[cfg(not(feature = "sandbox"))]
fn on_a_sandbox_of_its_own(_: &[String]) -> Result<(), Error> {
    Err(Error::InvalidInput(
        "set JETPACK_API_BASE, JETPACK_PARTNER_ID and JETPACK_PARTNER_SECRET (this build has \
         no sandbox to start)"
            .into(),
    ))
}
