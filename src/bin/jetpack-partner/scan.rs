//! Jetpack Scan: `scan status` (the partner's credentials), `scan start`,
//! `threat fix` and `threat ignore` (a token a WordPress.com user
//! approved). A site given as a domain is turned into its blog ID once.

use jetpack_partner::{
    BlogId, EnqueueScan, Error, FixFailure, FixStatus, FixStatusAnswer, FixThreat, FixThreats,
    IgnoreThreat, ScanStatus, Session, SiteRef, ThreatId, THREAT_FIX,
};

use crate::args::{require, Args, Flag, Given};
use crate::follow::{self, Shown, WAIT_FLAGS};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};
use crate::site::SITE;

/// `scan status` and `scan start`.
pub const SITE_FLAGS: &[&[Flag]] = &[&[SITE]];

/// `threat fix`: the site, one or more threats, and the wait.
pub const FIX_FLAGS: &[&[Flag]] = &[FIX_OWN, WAIT_FLAGS];

const FIX_OWN: &[Flag] = &[
    SITE,
    Flag::value(
        &["--threat"],
        "ID",
        "a threat's ID, as scan status lists it; repeat it for several",
        add_threat,
    )
    .many(),
];

/// `threat ignore`: the site and one threat.
pub const IGNORE_FLAGS: &[&[Flag]] = &[&[
    SITE,
    Flag::value(
        &["--threat"],
        "ID",
        "the threat's ID, as scan status lists it",
        add_threat,
    ),
]];

pub const STATUS_HELP: &str = "\
Show a site's Jetpack Scan (GET /wpcom/v2/sites/{blog_id}/scan): the
scanner's state (idle, scanning, provisioning, unavailable), the threats
with their severity (1 suspicious, 2 low, 3 medium, 4 high, 5 critical)
and status (new and current need action; ignored, fixed), and the most
recent scan. Takes the partner's credentials. A domain is turned into its
blog ID by the public site lookup.

Usage: jetpack-partner [global options] scan status --site SITE

Examples:
  jetpack-partner scan status --site example.com
  jetpack-partner scan status --site 12345 \\
      | jq '.threats[] | select(.status == \"new\" or .status == \"current\") | .id'
";

pub const START_HELP: &str = "\
Queue a Jetpack Scan scan of a site (POST /wpcom/v2/sites/{blog_id}/scan/enqueue)
and print the API's answer. Takes a token a WordPress.com user approved
(--user-token-file PATH or $JETPACK_USER_TOKEN; see login), not the
partner's. Follow the scan with scan status: its state turns scanning,
then idle again with most_recent updated. A scanner that is provisioning
or unavailable queues nothing: exit 1, error_code unsuccessful.

Usage: jetpack-partner [global options] scan start --site SITE

Example:
  jetpack-partner --user-token-file ~/.jetpack-user-token scan start --site example.com
";

pub const FIX_HELP: &str = "\
Run the fixers of threats Jetpack Scan found, and print the API's answer.
One --threat is POST /wpcom/v2/sites/{blog_id}/alerts/{id}?fix=true;
several are fixed at once with POST .../alerts/fix. Takes a token a
WordPress.com user approved (--user-token-file PATH or $JETPACK_USER_TOKEN;
see login). A threat without an automatic fix is refused (exit 1).

With --wait, follows the fixes (GET .../alerts/fix?threat_ids[]=...) until
every one has ended, showing how far they are on stderr, then prints the
last answer on stdout. All fixed: exit 0. A fix that ended without fixing
its threat: exit 1, with its state (not_fixed) as error_code and the
threats' IDs in id. Still going after --wait-timeout: exit 3, error_code
still_running, with the IDs in id; the fixes go on (see it with scan
status). Each request has --timeout; the whole wait has --wait-timeout.

Usage: jetpack-partner [global options] threat fix --site SITE --threat ID [--threat ID ...]
         [--wait [--wait-timeout SECS] [--wait-interval SECS] [--quiet]]

Examples:
  jetpack-partner threat fix --site example.com --threat 81427324
  jetpack-partner threat fix --site 12345 --threat 81444650 --threat 81444645 --wait
";

pub const IGNORE_HELP: &str = "\
Mark a threat Jetpack Scan found as ignored
(POST /wpcom/v2/sites/{blog_id}/alerts/{id}?ignore=true) and print the
API's answer; scan status lists it as ignored from then on. Takes a token
a WordPress.com user approved (--user-token-file PATH or
$JETPACK_USER_TOKEN; see login).

Usage: jetpack-partner [global options] threat ignore --site SITE --threat ID

Example:
  jetpack-partner threat ignore --site example.com --threat 81427324
";

fn add_threat(a: &mut Args, v: Given) -> Result<(), Problem> {
    let id = v.text.parse::<ThreatId>().map_err(|_| {
        Problem::new(
            format!("{} {:?} is not a threat ID", v.source, v.text),
            "give the number scan status lists as the threat's id, e.g. --threat 81427324",
        )
    })?;
    a.threats.push(id);
    Ok(())
}

/// Every command here needs the site.
pub fn check(a: &mut Args, problems: &mut Problems) {
    require(problems, a.given("--site"), "--site", "SITE");
}

/// `threat fix`: the site, threats each named once, and the wait's options
/// only with `--wait`.
pub fn check_fix(a: &mut Args, problems: &mut Problems) {
    check_ignore(a, problems);
    let mut seen = Vec::new();
    for id in &a.threats {
        if seen.contains(id) {
            problems.push(Problem::new(
                format!("--threat {id} is given twice"),
                "name each threat once",
            ));
        }
        seen.push(*id);
    }
    crate::follow::check(a, problems);
}

/// `threat ignore`: the site and the threat.
pub fn check_ignore(a: &mut Args, problems: &mut Problems) {
    check(a, problems);
    require(problems, a.given("--threat"), "--threat", "ID");
}

/// The site, which `check` made sure of.
fn site(args: &Args) -> &SiteRef {
    let Some(site) = &args.site else {
        unreachable!("check requires --site");
    };
    site
}

pub fn status(args: &Args, globals: &Globals) -> Result<(), Failure> {
    globals.check_credentials()?;
    let session = globals.session(globals.client()?)?;
    let blog = globals.blog_id(&session, site(args))?;
    let answer = globals.send(&session, &ScanStatus::new(blog))?;
    globals.out.json(&answer)
}

pub fn start(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let session = globals.user_session(globals.client()?)?;
    let blog = globals.blog_id(&session, site(args))?;
    let answer = globals.send_as_user(&session, &EnqueueScan::new(blog))?;
    globals.out.json(&answer)
}

pub fn ignore(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let Some(&threat) = args.threats.first() else {
        unreachable!("check requires --threat");
    };
    let session = globals.user_session(globals.client()?)?;
    let blog = globals.blog_id(&session, site(args))?;
    let answer = globals.send_as_user(&session, &IgnoreThreat::new(blog, threat))?;
    globals.out.json(&answer)
}

pub fn fix(args: &Args, globals: &Globals) -> Result<(), Failure> {
    // With --wait each request has the whole --timeout, and the wait its
    // own bound; without, --timeout bounds the command.
    let client = if args.wait {
        globals.client_per_call()?
    } else {
        globals.client()?
    };
    let session = globals.user_session(client)?;
    let blog = globals.blog_id(&session, site(args))?;
    let ids = args.threats.clone();
    let refused = if let [one] = ids[..] {
        let answer = globals.send_as_user(&session, &FixThreat::new(blog, one))?;
        if !args.wait {
            return globals.out.json(&answer);
        }
        Vec::new()
    } else {
        let answer = globals.send_as_user(&session, &FixThreats::new(blog, ids.clone())?)?;
        let at_start = answer.progress(&ids);
        // A threat the fixer refused at once (no such threat, no automatic
        // fix) has ended; the others are followed.
        if !args.wait || at_start.failed.len() == ids.len() {
            globals.out.json(&answer)?;
            return match at_start.ended() {
                Some(ended) => Err(Error::Ended(ended).into()),
                None => Ok(()),
            };
        }
        at_start.failed
    };
    follow_fixes(args, globals, &session, blog, &ids, &refused)
}

/// Looks at the fixers of `ids` (but those `refused` at once) until every
/// one has ended or the wait runs out, showing their progress; then prints
/// the last answer and ends as they did.
fn follow_fixes(
    args: &Args,
    globals: &Globals,
    session: &Session,
    blog: BlogId,
    ids: &[ThreatId],
    refused: &[FixFailure],
) -> Result<(), Failure> {
    let followed: Vec<ThreatId> = ids
        .iter()
        .copied()
        .filter(|id| refused.iter().all(|f| f.id != *id))
        .collect();
    // Every one is asked about, so the last answer shows them all; the
    // refused ones are judged by the first answer.
    let request = FixStatus::new(blog, ids.to_vec())?;
    let label = ids
        .iter()
        .map(ThreatId::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut shown = Shown::new(args, THREAT_FIX, &label);
    let mut last: Option<FixStatusAnswer> = None;
    let result = follow::wait(args, THREAT_FIX, &label).until(
        || {
            let answer = session.send(&request)?;
            let look = answer.progress(&followed).including(refused).into_look();
            last = Some(answer);
            look
        },
        |progress| shown.show(progress),
    );
    if let Some(answer) = &last {
        if matches!(result, Ok(_) | Err(Error::Ended(_))) {
            shown.show(&answer.progress(&followed).including(refused).progress());
        }
        shown.finish();
        globals.out.json(answer)?;
    }
    result.map(|_| ()).map_err(|e| globals.user_failure(e))
}
