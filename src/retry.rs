//! When to try again, and how long to wait first.
//!
//! Only failures that say nothing about the request having been acted on
//! are retried: a connection refused or broken before an answer, a time-out,
//! 429, 502, 503 and 504. Any other answer, 4xx or 500, is final. Waits grow
//! exponentially with full jitter; a `Retry-After` from the server is
//! honoured, in seconds or as an HTTP date, but never past the call's budget.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::endpoint::Repeat;
use crate::error::{Error, TransportKind};
use crate::time::days_from_civil;

/// Default number of extra attempts.
pub const DEFAULT_RETRIES: u32 = 2;

/// First back-off step; doubled for each attempt, capped at [`MAX_STEP`].
const BASE: Duration = Duration::from_millis(250);
const MAX_STEP: Duration = Duration::from_secs(8);

/// Whether trying again can help, and is safe. A request whose repetition
/// would do the work twice (`repeatable` false: creating a partner key) is
/// only retried when it surely never reached the service: the connection
/// was refused, or the service said 429 or 503 before acting.
pub(crate) fn is_retryable(e: &Error, repeat: Repeat) -> bool {
    let safe = repeat == Repeat::Safe;
    match e {
        Error::Transport(t) if safe => matches!(
            t.kind,
            TransportKind::Connect | TransportKind::Network | TransportKind::Timeout
        ),
        Error::Transport(t) => t.kind == TransportKind::Connect,
        Error::Unavailable(u) if safe => matches!(u.status, 429 | 502 | 503 | 504),
        Error::Unavailable(u) => matches!(u.status, 429 | 503),
        _ => false,
    }
}

/// How long to wait before attempt `attempt + 1` (attempts count from 1):
/// the server's `Retry-After` if it gave one, else a random wait between
/// zero and the exponential step ("full jitter").
pub(crate) fn wait_before_next(attempt: u32, e: &Error) -> Duration {
    if let Error::Unavailable(u) = e {
        if let Some(after) = u.retry_after {
            return after;
        }
    }
    let step = BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(MAX_STEP);
    let nanos = u64::try_from(step.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(random() % nanos.max(1))
}

fn random() -> u64 {
    crate::random::u128() as u64
}

/// `Retry-After`: delay-seconds, or an HTTP date (IMF-fixdate, RFC 9110),
/// as a wait from `now`. A date in the past means no wait.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` -> seconds since the Unix epoch.
pub(crate) fn parse_http_date(value: &str) -> Option<u64> {
    let (_, rest) = value.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    u64::try_from(days * 86_400 + h * 3600 + m * 60 + s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Transport, Unavailable};

    fn unavailable(status: u16, retry_after: Option<Duration>) -> Error {
        Error::Unavailable(Unavailable {
            status,
            code: None,
            retry_after,
            excerpt: String::new(),
        })
    }

    #[test]
    fn only_temporary_failures_are_retried() {
        for status in [429, 502, 503, 504] {
            assert!(
                is_retryable(&unavailable(status, None), Repeat::Safe),
                "{status}"
            );
        }
        assert!(!is_retryable(&unavailable(500, None), Repeat::Safe));
        let transport = |kind| {
            Error::Transport(Transport {
                kind,
                detail: String::new(),
                source: None,
            })
        };
        assert!(is_retryable(
            &transport(TransportKind::Connect),
            Repeat::Safe
        ));
        assert!(is_retryable(
            &transport(TransportKind::Timeout),
            Repeat::Safe
        ));
        assert!(!is_retryable(&transport(TransportKind::Tls), Repeat::Safe));
        assert!(!is_retryable(&transport(TransportKind::Dns), Repeat::Safe));
        assert!(!is_retryable(
            &Error::InvalidInput("x".into()),
            Repeat::Safe
        ));
    }

    #[test]
    fn work_that_must_not_happen_twice_is_retried_only_when_surely_not_done() {
        let transport = |kind| {
            Error::Transport(Transport {
                kind,
                detail: String::new(),
                source: None,
            })
        };
        assert!(is_retryable(
            &transport(TransportKind::Connect),
            Repeat::Once
        ));
        assert!(!is_retryable(
            &transport(TransportKind::Network),
            Repeat::Once
        ));
        assert!(!is_retryable(
            &transport(TransportKind::Timeout),
            Repeat::Once
        ));
        assert!(is_retryable(&unavailable(429, None), Repeat::Once));
        assert!(is_retryable(&unavailable(503, None), Repeat::Once));
        assert!(!is_retryable(&unavailable(502, None), Repeat::Once));
        assert!(!is_retryable(&unavailable(504, None), Repeat::Once));
    }

    #[test]
    fn waits_grow_with_full_jitter_and_honour_retry_after() {
        for attempt in 1..=10 {
            let step = BASE.saturating_mul(1 << (attempt - 1)).min(MAX_STEP);
            let wait = wait_before_next(attempt, &unavailable(503, None));
            assert!(wait < step, "attempt {attempt}: {wait:?} >= {step:?}");
        }
        let asked = Duration::from_secs(7);
        assert_eq!(wait_before_next(1, &unavailable(429, Some(asked))), asked);
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400)
        );
        for bad in [
            "soon",
            "-5",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "06 Nov 1994",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
