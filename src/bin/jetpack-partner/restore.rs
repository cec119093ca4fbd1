//! `restore start` and `restore status`: put a site back as it was, and
//! follow it.

use jetpack_partner::{BlogId, Restore, RestoreStatus, RestoreStatusAnswer, Session, UtcTime};
use serde_json::Value;

use crate::args::{require, set, Args, Flag};
use crate::follow::{self, WAIT_FLAGS};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};
use crate::rewind::{self, REWIND_ID, TYPES};
use crate::site::SITE;

/// `restore start`'s flag groups.
pub const START_FLAGS: &[&[Flag]] = &[START_OWN, WAIT_FLAGS];

const START_OWN: &[Flag] = &[
    SITE,
    Flag::value(
        &["--to"],
        "UNIX_TIME",
        "restore to this moment: Unix seconds, or a time with its zone\n\
         (2020-10-29T12:47:04Z); the newest backup at or before it is used",
        |a, v| {
            let time = v.text.parse::<UtcTime>().map_err(|e| {
                rewind::refused(&v, e, "e.g. --to 1603975624 or --to 2020-10-29T12:47:04Z")
            });
            set(&mut a.to, time)
        },
    ),
    REWIND_ID,
    TYPES,
    Flag::value(
        &["--role"],
        "main|alternate",
        "main: restore the site itself (the default); alternate: a clone\n\
         into another site, with its own credentials",
        |a, v| {
            let role = v
                .text
                .parse()
                .map_err(|e| rewind::refused(&v, e, "give --role main or --role alternate"));
            set(&mut a.role, role)
        },
    ),
    Flag::text(
        &["--destination-site-name"],
        "NAME",
        "with --role alternate: the title of the site restored into",
        |a| &mut a.destination_site_name,
    ),
];

pub const START_HELP: &str = "\
Restore a site to a point in time
(POST /wpcom/v1.1/activity-log/{blog_id}/rewind/to/{timestamp}) and print the
answer: its restore_id, to follow it with 'restore status'. The service takes
the newest full backup at or before that point, then the changes up to it.

--rewind-id takes a restore point from the activity log (its rewind_id, an
entry with is_rewindable true) and sends it as it is, fraction and all:
cutting 1605878792.626 to 1605878792 would name a moment before that backup,
and restore the one before it. --to takes a moment of your choosing.

With --wait, follow the restore until it ends, showing its state and percent
on stderr; print the answer with the final restore_status. A restore that
ends fail, aborted or killed exits 1 with that state as error_code; a wait
that runs out (--wait-timeout, default 30 minutes) exits 3 with still_running
and the restore's id: the restore goes on.

A restore is not sent twice: it is repeated only when it surely never
reached the service (connection refused, 429, 503).

Usage: jetpack-partner [global options] restore start --site SITE (--to UNIX_TIME | --rewind-id R)
         [--types LIST] [--role main|alternate] [--destination-site-name NAME]
         [--wait [--wait-timeout SECS] [--wait-interval SECS] [--quiet]]

Examples:
  jetpack-partner restore start --site example.com --rewind-id 1605878792.626 --wait
  jetpack-partner restore start --site 12345 --to 2020-10-29T12:47:04Z --types sqls
";

/// One restore point, and a destination name only for a clone.
pub fn check_start(a: &mut Args, problems: &mut Problems) {
    rewind::check_site(a, problems);
    match (a.given("--to"), a.given("--rewind-id")) {
        (false, false) => problems.push(Problem::new(
            "restore start needs the point to restore to",
            "add --rewind-id R (a rewind_id from 'activity list') or --to UNIX_TIME",
        )),
        (true, true) => problems.push(Problem::new(
            "--to and --rewind-id both give the point to restore to",
            "give one of them",
        )),
        _ => {}
    }
    if a.given("--destination-site-name") && a.role != Some(jetpack_partner::RestoreRole::Alternate)
    {
        problems.push(Problem::new(
            "--destination-site-name names the site of a restore into another site",
            "add --role alternate, or leave --destination-site-name out",
        ));
    }
    follow::check(a, problems);
}

pub fn start(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (session, blog) = rewind::open(args, globals, args.wait)?;
    globals.out.check_stdout()?;
    let mut request = match (args.to, &args.rewind_id) {
        (Some(time), _) => Restore::to_time(blog, time),
        (None, Some(rewind_id)) => Restore::to_rewind_id(blog, rewind_id.clone()),
        (None, None) => unreachable!("check requires --to or --rewind-id"),
    };
    if let Some(role) = args.role {
        request = request.role(role);
    }
    if let Some(parts) = &args.types {
        request = request.parts(parts.clone());
    }
    if let Some(name) = &args.destination_site_name {
        request = request.destination_site_name(name);
    }
    let answer = globals.send(&session, &request)?;
    if !args.wait {
        return globals.out.answer(&answer);
    }
    let done = follow(args, globals, &session, blog, answer.restore_id)?;
    // The answer with its end: the restore's ID stays with what it did.
    let mut printed = parsed(answer.raw.get());
    if let Value::Object(map) = &mut printed {
        let status = parsed(done.raw.get());
        map.insert(
            "restore_status".into(),
            status.get("restore_status").cloned().unwrap_or(Value::Null),
        );
    }
    globals.out.answer(&printed)
}

fn parsed(raw: Option<&str>) -> Value {
    raw.and_then(|raw| serde_json::from_str(raw).ok())
        .unwrap_or(Value::Null)
}

/// `restore status`'s flag groups.
pub const STATUS_FLAGS: &[&[Flag]] = &[STATUS_OWN, WAIT_FLAGS];

const STATUS_OWN: &[Flag] = &[
    SITE,
    Flag::value(
        &["--restore-id"],
        "N",
        "the restore, as restore start gave it",
        |a, v| set(&mut a.restore_id, rewind::id(&v, "a restore ID")),
    ),
];

pub const STATUS_HELP: &str = "\
Show where a restore stands
(GET /wpcom/v1.1/activity-log/{blog_id}/rewind/{restore_id}/restore-status):
restore_status.status is queued, running (with percent), finished, or fail,
aborted or killed. Without --wait the answer is printed whatever the state
(exit 0). With --wait, follow it until it ends, as 'restore start --wait'
does: finished prints the answer; fail, aborted or killed exit 1 with that
state as error_code; a wait that runs out exits 3 with still_running.

Usage: jetpack-partner [global options] restore status --site SITE --restore-id N
         [--wait [--wait-timeout SECS] [--wait-interval SECS] [--quiet]]

Example:
  jetpack-partner restore status --site example.com --restore-id 234725 --wait
";

pub fn check_status(a: &mut Args, problems: &mut Problems) {
    rewind::check_site(a, problems);
    require(problems, a.given("--restore-id"), "--restore-id", "N");
    follow::check(a, problems);
}

pub fn status(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (session, blog) = rewind::open(args, globals, args.wait)?;
    let Some(id) = args.restore_id else {
        unreachable!("check requires --restore-id");
    };
    if !args.wait {
        let answer = globals.send(&session, &RestoreStatus::new(blog, id))?;
        return globals.out.json(&answer);
    }
    let done = follow(args, globals, &session, blog, id)?;
    globals.out.json(&done)
}

/// Follows restore `id` of `blog` to its end.
fn follow(
    args: &Args,
    globals: &Globals,
    session: &Session,
    blog: BlogId,
    id: u64,
) -> Result<RestoreStatusAnswer, Failure> {
    let request = RestoreStatus::new(blog, id);
    let follow_up =
        format!("jetpack-partner restore status --site {blog} --restore-id {id} --wait");
    rewind::follow(
        args,
        globals,
        "restore",
        &id.to_string(),
        &follow_up,
        || session.send(&request)?.into_look(id),
    )
}
