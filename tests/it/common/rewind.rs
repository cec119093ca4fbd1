//! Helpers for the rewind family's tests: a sandbox whose backups, archives
//! and restores take a moment, provisioned sites, restore points.

use std::time::{Duration, Instant};

use jetpack_partner::sandbox::{Sandbox, SandboxBuilder};
use jetpack_partner::{
    latest_restore_point, BlogId, Client, Credentials, DownloadAnswer, DownloadStatus, Secret,
    Session, Wait,
};
use serde_json::Value;

use super::{Run, PARTNER_ID, SECRET};

/// Longest a test waits for the sandbox to get somewhere it will get.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A sandbox with the test partner, whose backups take 30 ms, archives
/// 400 ms and restores 150 ms queued and 600 ms running.
pub fn rewind_sandbox() -> Sandbox {
    rewind_sandbox_with(|b| b)
}

/// [`rewind_sandbox`], configured further.
pub fn rewind_sandbox_with(configure: impl FnOnce(SandboxBuilder) -> SandboxBuilder) -> Sandbox {
    let builder = Sandbox::builder()
        .partner(PARTNER_ID, SECRET)
        .backup_duration(Duration::from_millis(30))
        .download_duration(Duration::from_millis(400))
        .restore_queue(Duration::from_millis(150))
        .restore_duration(Duration::from_millis(600));
    configure(builder)
        .start()
        .unwrap_or_else(|e| panic!("sandbox: {e}"))
}

/// A session of `partner` with `secret`.
pub fn session_as(sandbox: &Sandbox, partner: &str, secret: &str) -> Session {
    let client = Client::builder()
        .api_base(sandbox.base_url())
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    Session::new(client, Credentials::new(partner, Secret::new(secret)))
}

/// The test partner's session.
pub fn session(sandbox: &Sandbox) -> Session {
    session_as(sandbox, PARTNER_ID, SECRET)
}

/// Provisions `host` (connected) for `partner`; its blog ID.
pub fn provision_as(sandbox: &Sandbox, partner: &str, secret: &str, host: &str) -> u64 {
    let session = session_as(sandbox, partner, secret);
    let request =
        jetpack_partner::Provision::new("admin", format!("https://{host}"), "professional")
            .wpcom_user_id(42);
    session.send(&request).unwrap_or_else(|e| panic!("{e}"));
    let site = jetpack_partner::SiteRef::parse(host).unwrap_or_else(|e| panic!("{e}"));
    session
        .blog_id(&site)
        .unwrap_or_else(|e| panic!("{e}"))
        .get()
}

/// Provisions `host` for the test partner; its blog ID.
pub fn provision(sandbox: &Sandbox, host: &str) -> u64 {
    provision_as(sandbox, PARTNER_ID, SECRET, host)
}

/// The site's newest restore point, once it has one.
pub fn restore_point(sandbox: &Sandbox, blog: u64) -> String {
    let session = session(sandbox);
    let blog = BlogId::new(blog).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    loop {
        let found = latest_restore_point(&session, blog).unwrap_or_else(|e| panic!("{e}"));
        if let Some(point) = found.and_then(|p| p.rewind_id) {
            return point.as_str().to_owned();
        }
        assert!(started.elapsed() < PATIENCE, "blog {blog} has no backup");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Requests the sandbox counted for one endpoint (`METHOD /pattern`),
/// whatever their status.
pub fn hits(sandbox: &Sandbox, endpoint: &str) -> u64 {
    sandbox.stats()["by_endpoint"][endpoint]
        .as_object()
        .map_or(0, |by_status| {
            by_status.values().filter_map(Value::as_u64).sum()
        })
}

/// A run's stdout as JSON.
pub fn stdout_json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {run:#?}"))
}

/// The lines of a run's stderr that show progress of `label` (`restore
/// 234700`): `(state, percent)`.
pub fn progress_lines(run: &Run, label: &str) -> Vec<(String, Option<u64>)> {
    let prefix = format!("{label}: ");
    run.stderr
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        .map(|rest| {
            let mut words = rest.split(' ');
            let state = words.next().unwrap_or_default().to_owned();
            let percent = words
                .next()
                .and_then(|p| p.strip_suffix('%'))
                .and_then(|p| p.parse().ok());
            (state, percent)
        })
        .collect()
}

/// Waits until the download `download` of `blog` is ready (asking every
/// 20 ms, for at most `PATIENCE`), and gives its last status.
pub fn download_ready(session: &Session, blog: BlogId, download: u64) -> DownloadAnswer {
    Wait::new("backup download", download.to_string())
        .interval(Duration::from_millis(20))
        .timeout(PATIENCE)
        .until(
            || {
                Ok(session
                    .send(&DownloadStatus::new(blog, download))?
                    .into_look())
            },
            |_| {},
        )
        .unwrap_or_else(|e| panic!("{e}"))
}
