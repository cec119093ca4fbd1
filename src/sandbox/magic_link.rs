//! `POST /rest/v1.3/jpphp/mobile-magic-link` (reference 6.3): e-mail a
//! login link for the WordPress app. Refusals use the WordPress.com REST
//! shape, `{"error", "message"}`, as the reference shows.
//!
//! At most five links per address (in any case) per hour, whichever
//! partner asks. The sixth within the hour is refused with the documented
//! body, `too_many_requests`; the reference gives no HTTP status, so the
//! sandbox answers 429 (the status HTTP has for it, and the one clients
//! know to wait on) with `Retry-After`: the seconds until the oldest of the
//! five is an hour old. A refused request does not count, so a client
//! that waits as told is served then.
//!
//! No e-mail is sent. Any well-formed address is answered `success`,
//! whether or not an account uses it (the reference does not say; a login
//! form that does not tell which addresses have accounts is the usual
//! choice).

use serde_json::json;

use super::bearer::{self, Guard};
use super::reply::{Reply, Shape};
use super::request::Incoming;
use super::shared::Shared;

/// Links per address per window.
const PER_HOUR: usize = 5;

/// The window, in seconds.
const HOUR: u64 = 3600;

pub(crate) fn send(shared: &Shared, rq: &Incoming) -> Reply {
    run(shared, rq).unwrap_or_else(|refusal| refusal)
}

fn run(shared: &Shared, rq: &Incoming) -> Result<Reply, Reply> {
    let mut state = shared.lock();
    bearer::check(&state, rq, Guard::new("send login links", Shape::Rest))?;
    let fields = rq.form(Shape::Rest)?;
    let email = fields.text("email").unwrap_or_default();
    let email = email.trim();
    if email.is_empty() {
        return Err(Reply::rest_error(
            400,
            "invalid_input",
            "The required \"email\" argument is missing.",
        ));
    }
    if email
        .split_once('@')
        .is_none_or(|(l, d)| l.is_empty() || !d.contains('.'))
    {
        return Err(Reply::rest_error(
            400,
            "invalid_input",
            &format!("{email} is not an e-mail address."),
        ));
    }
    let now = state.now();
    // Addresses whose links are all older than the window are forgotten.
    state
        .magic_links
        .retain(|_, sent| sent.iter().any(|&at| now < at.saturating_add(HOUR)));
    let sent = state
        .magic_links
        .entry(email.to_ascii_lowercase())
        .or_default();
    if let Err(wait) = admit(sent, now) {
        return Err(Reply::rest_error(
            429,
            "too_many_requests",
            "Too many requests per time interval",
        )
        .with_header("Retry-After", wait));
    }
    state.dirty = true;
    Ok(Reply::ok(json!({"success": true})))
}

/// Records a link sent at `now`, or gives the seconds until one may be:
/// when the oldest of the last hour's five turns an hour old.
fn admit(sent: &mut Vec<u64>, now: u64) -> Result<(), u64> {
    sent.retain(|&at| now < at.saturating_add(HOUR));
    if sent.len() >= PER_HOUR {
        let oldest = sent.iter().copied().min().unwrap_or(now);
        return Err(oldest.saturating_add(HOUR).saturating_sub(now).max(1));
    }
    sent.push(now);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_an_hour_and_a_refusal_does_not_count() {
        let mut sent = Vec::new();
        for minute in 0..5 {
            assert_eq!(admit(&mut sent, 1000 + minute * 60), Ok(()));
        }
        // The sixth, ten minutes in: wait until the first is an hour old.
        assert_eq!(admit(&mut sent, 1600), Err(1000 + HOUR - 1600));
        assert_eq!(admit(&mut sent, 1700), Err(1000 + HOUR - 1700));
        assert_eq!(sent.len(), 5, "refusals are not counted");
        // An hour after the first, one more may go.
        assert_eq!(admit(&mut sent, 1000 + HOUR), Ok(()));
        assert_eq!(admit(&mut sent, 1000 + HOUR), Err(60));
        // Much later, the window is empty again.
        assert_eq!(admit(&mut sent, 1000 + 3 * HOUR), Ok(()));
        assert_eq!(sent, [1000 + 3 * HOUR]);
    }
}
