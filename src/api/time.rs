//! [`UtcTime`]: a moment, to the second, as the activity log's `after` and
//! `before` and a restore's `<timestamp>` take it.
//!
//! The reference types `after` and `before` as "date" and says no more
//! (its gap B.7). This crate reads a date (`2020-11-05`, midnight UTC), an
//! RFC 3339 time with its zone (`2020-11-05T14:01:13+02:00`,
//! `2020-11-05T12:01:13Z`) or Unix seconds (nine digits or more), and sends ISO 8601 in UTC
//! with the offset written out (`2020-11-05T12:01:13+00:00`), the form the
//! API's own answers use (`backupPoint`, `validUntil`, `published`).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A moment in UTC, to the second.
///
/// ```
/// use jetpack_partner::UtcTime;
/// let t: UtcTime = "2020-11-05T14:01:13+02:00".parse()?;
/// assert_eq!(t.to_string(), "2020-11-05T12:01:13+00:00");
/// assert_eq!(t.unix(), 1604577673);
/// assert_eq!("2020-11-05".parse::<UtcTime>()?.to_string(), "2020-11-05T00:00:00+00:00");
/// assert_eq!("1604577673".parse::<UtcTime>()?, t);
/// assert!("2020-11-05 14:01".parse::<UtcTime>().is_err(), "no zone: which one?");
/// # Ok::<(), jetpack_partner::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UtcTime(u64);

/// Unix seconds are written with at least this many digits (1973-03-03
/// on).
const MIN_UNIX_DIGITS: usize = 9;

/// 9999-12-31T23:59:59Z: the last moment ISO 8601's four-digit years hold.
const LAST: u64 = 253_402_300_799;

impl UtcTime {
    /// The moment `seconds` after 1970-01-01T00:00:00Z; 0 (no time at all)
    /// and years past 9999 are refused.
    pub fn from_unix(seconds: u64) -> Result<UtcTime, Error> {
        if seconds == 0 || seconds > LAST {
            return Err(Error::InvalidInput(format!(
                "{seconds} is not a Unix time from 1970 to 9999"
            )));
        }
        Ok(UtcTime(seconds))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> u64 {
        self.0
    }
}

impl fmt::Display for UtcTime {
    /// `YYYY-MM-DDTHH:MM:SS+00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0 / 86_400;
        let (year, month, day) = civil_from_days(days);
        let secs = self.0 % 86_400;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl FromStr for UtcTime {
    type Err = Error;

    fn from_str(text: &str) -> Result<UtcTime, Error> {
        let text = text.trim();
        let refused = |why: &str| {
            Error::InvalidInput(format!(
                "{text:?} is not a time{why}: give a date (2020-11-05, midnight UTC), a \
                 time with its zone (2020-11-05T14:01:13Z or 2020-11-05T14:01:13+02:00) or \
                 Unix seconds"
            ))
        };
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            // Fewer digits is 1973 or before: more likely a date written
            // without its dashes (20201105) than a time anyone means.
            if text.len() < MIN_UNIX_DIGITS {
                return Err(refused(""));
            }
            let seconds = text.parse().map_err(|_| refused(""))?;
            return UtcTime::from_unix(seconds).map_err(|_| refused(" from 1970 to 9999"));
        }
        let (date, rest) = text.split_at(text.len().min(10));
        let days = date_days(date).ok_or_else(|| refused(""))?;
        let mut seconds = days * 86_400;
        if !rest.is_empty() {
            let rest = rest
                .strip_prefix(['T', 't', ' '])
                .ok_or_else(|| refused(""))?;
            let (clock, offset) = split_zone(rest).ok_or_else(|| {
                refused(" with a zone (add Z for UTC, or an offset such as +02:00)")
            })?;
            let clock = clock_seconds(clock).ok_or_else(|| refused(""))?;
            seconds = (seconds + clock)
                .checked_add_signed(-offset)
                .ok_or_else(|| refused(""))?;
        }
        UtcTime::from_unix(seconds).map_err(|_| refused(" from 1970 to 9999"))
    }
}

/// `YYYY-MM-DD` as days since 1970-01-01, if it is a real date.
fn date_days(date: &str) -> Option<u64> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: u64 = digits(&date[0..4])?;
    let month: u64 = digits(&date[5..7])?;
    let day: u64 = digits(&date[8..10])?;
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > month_days(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The clock part and the offset east of UTC in seconds, from
/// `HH:MM[:SS[.fraction]]` followed by `Z` or `±HH:MM` (or `±HHMM`).
fn split_zone(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let at = rest.rfind(['+', '-'])?;
    let (clock, zone) = rest.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zone = zone[1..].replace(':', "");
    if zone.len() != 4 {
        return None;
    }
    let hours: i64 = digits(&zone[..2])?;
    let minutes: i64 = digits(&zone[2..])?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((clock, sign * (hours * 3600 + minutes * 60)))
}

/// `HH:MM[:SS[.fraction]]` as seconds into the day; the fraction is cut.
fn clock_seconds(clock: &str) -> Option<u64> {
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, "0"));
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut fields = clock.split(':');
    let hours: u64 = fields.next().and_then(two_digits)?;
    let minutes: u64 = fields.next().and_then(two_digits)?;
    let seconds: u64 = match fields.next() {
        Some(s) => two_digits(s)?,
        None => 0,
    };
    if fields.next().is_some() || hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    // A leap second is read as the next one.
    Some(hours * 3600 + minutes * 60 + seconds)
}

fn two_digits<T: FromStr>(text: &str) -> Option<T> {
    (text.len() == 2).then(|| digits(text))?
}

fn digits<T: FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn month_days(year: u64, month: u64) -> u64 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date from 1970 on (H. Hinnant's algorithm).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<u64, Error> {
        text.parse::<UtcTime>().map(UtcTime::unix)
    }

    #[test]
    fn the_accepted_forms() -> Result<(), Error> {
        assert_eq!(parsed("1970-01-02")?, 86_400);
        assert_eq!(parsed("2020-02-29")?, 1_582_934_400);
        assert_eq!(parsed("2020-11-05T14:01:13Z")?, 1_604_584_873);
        assert_eq!(parsed("2020-11-05t14:01:13z")?, 1_604_584_873);
        assert_eq!(parsed("2020-11-05 14:01:13.999+00:00")?, 1_604_584_873);
        assert_eq!(parsed("2020-11-05T14:01+0000")?, 1_604_584_860);
        assert_eq!(parsed("2020-11-05T16:01:13+02:00")?, 1_604_584_873);
        assert_eq!(parsed("2020-11-05T04:01:13-10:00")?, 1_604_584_873);
        assert_eq!(parsed(" 1604584873 ")?, 1_604_584_873);
        Ok(())
    }

    #[test]
    fn what_is_refused() {
        for bad in [
            "",
            "0",
            "2020-13-01",
            "2021-02-29",
            "2020-11-31",
            "1969-12-31",
            "2020-11-05T14:01:13",
            "2020-11-05T24:00:00Z",
            "2020-11-05T14:1:13Z",
            "2020-11-05T14:01:13+2",
            "2020-11-05T14:01:13+24:00",
            "2020-11-05T14:01:13.Z",
            "2020-11-05X14:01:13Z",
            "20201105",
            "yesterday",
            "1970-01-01T00:00:00Z",
            "99999999999999999999",
            "10000-01-01",
        ] {
            assert!(bad.parse::<UtcTime>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_go_there_and_back() {
        for days in [0, 1, 59, 365, 11_016, 18_571, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        let t = UtcTime(LAST);
        assert_eq!(t.to_string(), "9999-12-31T23:59:59+00:00");
        assert_eq!(t.to_string().parse::<UtcTime>().ok(), Some(t));
    }
}
