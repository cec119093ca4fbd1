//! `activity list`, `activity counts` and `activity show`: a site's
//! activity log.

use jetpack_partner::{ActivityCounts, ActivityList, ActivityShow, BlogId, UtcTime};

use crate::args::{require, set, Args, Flag, Given};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};
use crate::rewind::{self, REWIND_ID};
use crate::site::SITE;

/// `activity list`'s flag groups.
pub const LIST_FLAGS: &[&[Flag]] = &[LIST_OWN];

const LIST_OWN: &[Flag] = &[
    SITE,
    Flag::value(
        &["--group"],
        "G",
        "only entries of this group (plugin, theme, rewind, …; activity counts\n\
         lists them); repeat it, or give a comma-separated list, for several",
        |a, v| {
            for group in v.text.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                let probe = BlogId::new(1).map(|blog| ActivityList::new(blog).group(group));
                if let Err(e) = probe.and_then(|request| jetpack_partner::Endpoint::path(&request))
                {
                    return Err(rewind::refused(&v, e, "e.g. --group plugin --group rewind"));
                }
                a.groups.push(group.to_owned());
            }
            Ok(())
        },
    )
    .many(),
    Flag::value(
        &["--after"],
        "DATE",
        "only entries from DATE on: 2020-11-05 (midnight UTC), a time with its\n\
         zone (2020-11-05T14:01:13+02:00) or Unix seconds",
        |a, v| set(&mut a.after, time(&v)),
    ),
    Flag::value(
        &["--before"],
        "DATE",
        "only entries before DATE (as --after reads it)",
        |a, v| set(&mut a.before, time(&v)),
    ),
    Flag::value(
        &["--number"],
        "N",
        "entries a page holds, 1 to 1000",
        |a, v| set(&mut a.number, number(&v)),
    ),
    Flag::value(&["--page"], "P", "which page, from 1", |a, v| {
        set(&mut a.page, page(&v))
    }),
];

fn time(v: &Given) -> Result<UtcTime, Problem> {
    v.text.parse().map_err(|e| {
        rewind::refused(
            v,
            e,
            "e.g. --after 2020-11-05 or --after 2020-11-05T14:01:13Z",
        )
    })
}

fn number(v: &Given) -> Result<u32, Problem> {
    let max = jetpack_partner::MAX_ACTIVITY_NUMBER;
    match v.text.trim().parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(v.invalid(&format!("a number of entries from 1 to {max}"))),
    }
}

fn page(v: &Given) -> Result<u32, Problem> {
    match v.text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(v.invalid("a page number (from 1)")),
    }
}

pub const LIST_HELP: &str = "\
List a site's activity log, newest first (GET /wpcom/v2/sites/{blog_id}/activity):
what happened (name, summary, published), and for each entry a restore can go
back to, is_rewindable true and the rewind_id that 'restore start --rewind-id'
and 'backup download --rewind-id' take. Finished backups are in group rewind.

Pages: --number entries a page, --page which one; the answer's totalPages says
how many there are. Dates are sent as ISO 8601 in UTC.

Usage: jetpack-partner [global options] activity list --site SITE [--group G ...]
         [--after DATE] [--before DATE] [--number N] [--page P]

Examples:
  jetpack-partner activity list --site example.com --group rewind --number 20
  jetpack-partner activity list --site 12345 --after 2020-11-01 --before 2020-12-01
";

pub fn check_list(a: &mut Args, problems: &mut Problems) {
    rewind::check_site(a, problems);
    if let (Some(after), Some(before)) = (a.after, a.before) {
        if after >= before {
            problems.push(Problem::new(
                format!("--after ({after}) is not earlier than --before ({before}): nothing could match"),
                "swap them, or widen the range",
            ));
        }
    }
}

pub fn list(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (session, blog) = rewind::open(args, globals, false)?;
    let mut request = ActivityList::new(blog);
    for group in &args.groups {
        request = request.group(group);
    }
    if let Some(after) = args.after {
        request = request.after(after);
    }
    if let Some(before) = args.before {
        request = request.before(before);
    }
    if let Some(number) = args.number {
        request = request.number(number);
    }
    if let Some(page) = args.page {
        request = request.page(page);
    }
    let answer = globals.send(&session, &request)?;
    globals.out.json(&answer)
}

/// `activity counts`' flag groups.
pub const COUNTS_FLAGS: &[&[Flag]] = &[&[SITE]];

pub const COUNTS_HELP: &str = "\
Count a site's activity log by group
(GET /wpcom/v2/sites/{blog_id}/activity/count/group): each group's slug (for
'activity list --group'), its name and how many entries it has.

Usage: jetpack-partner [global options] activity counts --site SITE

Example:
  jetpack-partner activity counts --site example.com --pretty
";

pub fn counts(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (session, blog) = rewind::open(args, globals, false)?;
    let answer = globals.send(&session, &ActivityCounts::new(blog))?;
    globals.out.json(&answer)
}

/// `activity show`'s flag groups.
pub const SHOW_FLAGS: &[&[Flag]] = &[&[SITE, REWIND_ID]];

pub const SHOW_HELP: &str = "\
Show one entry of a site's activity log by its rewind ID
(GET /wpcom/v2/sites/{blog_id}/activity/{rewind_id}); for a backup, its object
holds the backup's period and stats.

Usage: jetpack-partner [global options] activity show --site SITE --rewind-id R

Example:
  jetpack-partner activity show --site example.com --rewind-id 1605878792.626
";

pub fn check_show(a: &mut Args, problems: &mut Problems) {
    rewind::check_site(a, problems);
    require(problems, a.given("--rewind-id"), "--rewind-id", "R");
}

pub fn show(args: &Args, globals: &Globals) -> Result<(), Failure> {
    let (session, blog) = rewind::open(args, globals, false)?;
    let Some(rewind_id) = args.rewind_id.clone() else {
        unreachable!("check requires --rewind-id");
    };
    let answer = globals.send(&session, &ActivityShow::new(blog, rewind_id))?;
    globals.out.json(&answer)
}
