//! `report activations`, `report activation-counts`, `report invoices`,
//! `report upcoming-invoice`: partner reporting, with the token a
//! WordPress.com user approved.

use jetpack_partner::{
    ActivationCounts, Activations, Endpoint, Invoices, Scale, UpcomingInvoice, MAX_PER_PAGE,
};

use crate::args::{filled, require, set, Args, Flag};
use crate::globals::Globals;
use crate::output::{Failure, Problem, Problems};

const KEY_ID: Flag = Flag::text(
    &["--key-id"],
    "KEY_ID",
    "the partner key to report on (its ID from Automattic; the sandbox:\n\
     the key's client ID, the partner ID for the partner's own key)",
    |a| &mut a.key_id,
);

/// `report activations`'s flag groups.
pub const ACTIVATIONS_FLAGS: &[&[Flag]] = &[ACTIVATIONS_OWN];

const ACTIVATIONS_OWN: &[Flag] = &[
    KEY_ID,
    Flag::value(&["--page"], "N", "the page, from 1 (default 1)", |a, v| {
        let page = v.parse("a page number from 1").and_then(|n: u32| {
            (n >= 1)
                .then_some(n)
                .ok_or_else(|| v.invalid("a page number from 1"))
        });
        set(&mut a.page, page)
    }),
    Flag::value(
        &["--per-page"],
        "N",
        "sites per page, 1 to 100 (default 20)",
        |a, v| {
            let what = "a number of sites from 1 to 100";
            let n = v.parse(what).and_then(|n: u32| {
                (1..=MAX_PER_PAGE)
                    .contains(&n)
                    .then_some(n)
                    .ok_or_else(|| v.invalid(what))
            });
            set(&mut a.per_page, n)
        },
    ),
    Flag::value(
        &["--plans"],
        "SLUG[,SLUG…]",
        "only sites holding one of these products (personal, premium, …)",
        |a, v| {
            a.plans = v.text.split(',').map(|p| p.trim().to_owned()).collect();
            Ok(())
        },
    ),
    Flag::text(
        &["--activated-after"],
        "DATE",
        "only sites activated at or after DATE (2024-05-01, or\n\
         2024-05-01T12:00:00Z; ISO 8601)",
        |a| &mut a.activated_after,
    ),
    Flag::text(
        &["--activated-before"],
        "DATE",
        "only sites activated before DATE (ISO 8601)",
        |a| &mut a.activated_before,
    ),
];

/// `report activation-counts`'s flag groups.
pub const COUNTS_FLAGS: &[&[Flag]] = &[&[
    KEY_ID,
    Flag::value(
        &["--scale"],
        "day|month|year",
        "count per day, month or year (default month)",
        |a, v| {
            let scale = v.text.parse::<Scale>();
            set(
                &mut a.scale,
                scale.map_err(|_| v.invalid("day, month or year")),
            )
        },
    ),
]];

/// `report invoices`'s and `report upcoming-invoice`'s flag groups.
pub const INVOICE_FLAGS: &[&[Flag]] = &[&[KEY_ID]];

pub const ACTIVATIONS_HELP: &str = "\
List the sites a partner key activated, a page at a time
(GET /wpcom/v2/jetpack-partners/PARTNER_ID/key/KEY_ID/activations), and
print the API's answer: total, and this page's activations.

These take a token the partner's WordPress.com user approved (not the
partner's token): --user-token-file PATH, or $JETPACK_USER_TOKEN. The
partner ID in the path is --partner-id (or $JETPACK_PARTNER_ID); the
partner secret is not needed.

Usage: jetpack-partner [global options] report activations --key-id KEY_ID [--page N]
         [--per-page N] [--plans SLUG[,SLUG…]] [--activated-after DATE] [--activated-before DATE]

Example:
  jetpack-partner --partner-id 1234 --user-token-file ~/.jetpack-user-token \\
      report activations --key-id 1234 --plans personal,premium --activated-after 2024-01-01
";

pub const COUNTS_HELP: &str = "\
Count a partner key's activations per day, month or year: new in each
period, and the total up to its end
(GET /wpcom/v2/jetpack-partners/activations?key_id=KEY_ID&scale=SCALE).

These take a token the partner's WordPress.com user approved (not the
partner's token): --user-token-file PATH, or $JETPACK_USER_TOKEN.

Usage: jetpack-partner [global options] report activation-counts --key-id KEY_ID [--scale day|month|year]

Example:
  JETPACK_USER_TOKEN=… jetpack-partner report activation-counts --key-id 1234 --scale day
";

pub const INVOICES_HELP: &str = "\
Print a partner key's past invoices
(GET /wpcom/v2/jetpack-partners/PARTNER_ID/key/KEY_ID/stripe/invoices).
The API documents no schema for them: the answer is printed as it came.

These take a token the partner's WordPress.com user approved (not the
partner's token): --user-token-file PATH, or $JETPACK_USER_TOKEN. The
partner ID in the path is --partner-id (or $JETPACK_PARTNER_ID); the
partner secret is not needed.

Usage: jetpack-partner [global options] report invoices --key-id KEY_ID

Example:
  jetpack-partner --partner-id 1234 --user-token-file ~/.jetpack-user-token \\
      report invoices --key-id 1234
";

pub const UPCOMING_HELP: &str = "\
Print what a partner key will be invoiced next
(GET /wpcom/v2/jetpack-partners/PARTNER_ID/key/KEY_ID/stripe/upcoming-invoice).
The API documents no schema for it: the answer is printed as it came.

These take a token the partner's WordPress.com user approved (not the
partner's token): --user-token-file PATH, or $JETPACK_USER_TOKEN. The
partner ID in the path is --partner-id (or $JETPACK_PARTNER_ID); the
partner secret is not needed.

Usage: jetpack-partner [global options] report upcoming-invoice --key-id KEY_ID

Example:
  jetpack-partner --partner-id 1234 --user-token-file ~/.jetpack-user-token \\
      report upcoming-invoice --key-id 1234
";

/// The partner ID for the path, and the key.
fn check_key_and_partner(a: &Args, problems: &mut Problems, in_path: bool) {
    require(problems, filled(&a.key_id), "--key-id", "KEY_ID");
    if in_path && a.partner_id.is_none() {
        problems.push(Problem::new(
            "no partner ID given: it is part of the report's path",
            "pass --partner-id ID or set JETPACK_PARTNER_ID",
        ));
    }
}

fn partner_id(args: &Args) -> &str {
    args.partner_id.as_deref().unwrap_or_default()
}

fn key_id(args: &Args) -> &str {
    args.key_id.as_deref().unwrap_or_default()
}

fn activations(args: &Args) -> Activations {
    let mut request = Activations::new(partner_id(args), key_id(args));
    if let Some(page) = args.page {
        request = request.page(page);
    }
    if let Some(n) = args.per_page {
        request = request.per_page(n);
    }
    if !args.plans.is_empty() {
        request = request.plans(args.plans.iter().cloned());
    }
    if let Some(date) = &args.activated_after {
        request = request.activated_after(date);
    }
    if let Some(date) = &args.activated_before {
        request = request.activated_before(date);
    }
    request
}

fn counts(args: &Args) -> ActivationCounts {
    let request = ActivationCounts::new(key_id(args));
    match args.scale {
        Some(scale) => request.scale(scale),
        None => request,
    }
}

/// Records why `request` cannot be sent, once the options it needs are
/// there.
fn validate(problems: &mut Problems, ready: bool, request: &impl Endpoint) {
    if ready {
        if let Err(e) = request.validate() {
            problems.push(Problem::from(e));
        }
    }
}

pub fn check_activations(a: &mut Args, problems: &mut Problems) {
    check_key_and_partner(a, problems, true);
    let ready = filled(&a.key_id) && a.partner_id.is_some();
    validate(problems, ready, &activations(a));
}

pub fn check_counts(a: &mut Args, problems: &mut Problems) {
    check_key_and_partner(a, problems, false);
    validate(problems, filled(&a.key_id), &counts(a));
}

pub fn check_invoices(a: &mut Args, problems: &mut Problems) {
    check_key_and_partner(a, problems, true);
}

/// Sends `request` with the WordPress.com user's token and prints the
/// answer.
fn report<E>(globals: &Globals, request: &E) -> Result<(), Failure>
where
    E: Endpoint,
    E::Answer: crate::output::Printable,
{
    let session = globals.user_session(globals.client()?)?;
    let answer = globals.send_as_user(&session, request)?;
    globals.out.json(&answer)
}

pub fn run_activations(args: &Args, globals: &Globals) -> Result<(), Failure> {
    report(globals, &activations(args))
}

pub fn run_counts(args: &Args, globals: &Globals) -> Result<(), Failure> {
    report(globals, &counts(args))
}

pub fn run_invoices(args: &Args, globals: &Globals) -> Result<(), Failure> {
    report(globals, &Invoices::new(partner_id(args), key_id(args)))
}

pub fn run_upcoming(args: &Args, globals: &Globals) -> Result<(), Failure> {
    report(
        globals,
        &UpcomingInvoice::new(partner_id(args), key_id(args)),
    )
}
