//! [`UtcTime`], a moment in UTC to the second, and the one calendar the
//! library counts dates with (H. Hinnant's algorithms: days since
//! 1970-01-01 to a date and back; `Retry-After`'s HTTP dates use it too).
//!
//! Two families take times, and each reads and writes the form its side
//! uses; both are kept, under their own names:
//!
//! - **The rewind family** (the activity log's `after` and `before`, a
//!   restore's `<timestamp>`; the command line's `--after`, `--before` and
//!   `restore start --to`): [`FromStr`] and [`Display`](fmt::Display). The
//!   reference types `after` and `before` as "date" and says no more (its
//!   gap B.7). This crate reads a date (`2020-11-05`, midnight UTC), an RFC
//!   3339 time with its zone (`2020-11-05T14:01:13+02:00`,
//!   `2020-11-05T12:01:13Z`) or Unix seconds (nine digits or more), and
//!   sends ISO 8601 in UTC with the offset written out
//!   (`2020-11-05T12:01:13+00:00`), the form the API's own answers use
//!   (`backupPoint`, `validUntil`, `published`).
//! - **Jetpack Monitor's webhook** ([`crate::monitor`]: a hook's output,
//!   `monitor serve --quiet-until`, the answer and the journal):
//!   [`UtcTime::parse_rfc3339`] and [`UtcTime::zulu`], the form Monitor
//!   documents (`2017-11-05T13:15:30Z`), and [`UtcTime::now`].
//!
//! Where the two readers differ, each side has its reason:
//!
//! | | `FromStr` (rewind) | `parse_rfc3339` (Monitor) |
//! |---|---|---|
//! | blanks around it | ignored | refused |
//! | a date alone | midnight UTC | refused |
//! | Unix seconds | nine digits or more | refused |
//! | between date and time | `T`, `t` or a blank | `T` or `t` |
//! | seconds | may be left out | required |
//! | a fraction of a second | cut | rounded up: "back by then" must not come early |
//! | an offset | `±HH:MM` or `±HHMM` | `±HH:MM` |
//! | a leap second (`:60`) | read as the next second | refused |
//! | `1970-01-01T00:00:00Z` | refused: no time at all | accepted |

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// A moment in UTC, to the second, from 1970 to the end of year 9999.
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

    /// The clock's time now (the epoch if the clock is set before it).
    pub fn now() -> UtcTime {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        UtcTime(secs.min(LAST))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> u64 {
        self.0
    }

    /// Reads an RFC 3339 time as Jetpack Monitor's answer spells it:
    /// `2017-11-05T13:15:30Z`, with an offset (`2017-11-05T15:15:30+02:00`,
    /// turned into UTC) or a fraction of a second (rounded up: "back by
    /// then" must not come early). Nothing else is accepted: no date
    /// alone, no leap second, no blanks. (`str::parse` is the rewind
    /// family's more forgiving reader.)
    ///
    /// ```
    /// use jetpack_partner::UtcTime;
    /// let t = UtcTime::parse_rfc3339("2017-11-05T15:15:30.25+02:00")?;
    /// assert_eq!(t.zulu().to_string(), "2017-11-05T13:15:31Z");
    /// assert!(UtcTime::parse_rfc3339("2017-11-05").is_err());
    /// # Ok::<(), jetpack_partner::Error>(())
    /// ```
    pub fn parse_rfc3339(text: &str) -> Result<UtcTime, Error> {
        parse_rfc3339(text.as_bytes()).ok_or_else(|| {
            let shown: String = text.chars().take(40).collect();
            Error::InvalidInput(format!(
                "{shown:?} is not an RFC 3339 time such as 2017-11-05T13:15:30Z"
            ))
        })
    }

    /// The time as Jetpack Monitor documents it, `YYYY-MM-DDTHH:MM:SSZ`
    /// (`Display` writes the offset out instead: `+00:00`).
    pub fn zulu(self) -> impl fmt::Display {
        struct Zulu(UtcTime);
        impl fmt::Display for Zulu {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.write(f, "Z")
            }
        }
        Zulu(self)
    }

    /// The time `secs` seconds after 1970-01-01T00:00:00Z, the epoch
    /// included; `None` past year 9999.
    fn within(secs: u64) -> Option<UtcTime> {
        (secs <= LAST).then_some(UtcTime(secs))
    }

    /// `YYYY-MM-DDTHH:MM:SS` followed by `zone`.
    fn write(self, f: &mut fmt::Formatter<'_>, zone: &str) -> fmt::Result {
        let (year, month, day) = civil_from_days((self.0 / 86_400) as i64);
        let secs = self.0 % 86_400;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{zone}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl fmt::Display for UtcTime {
    /// `YYYY-MM-DDTHH:MM:SS+00:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, "+00:00")
    }
}

impl FromStr for UtcTime {
    type Err = Error;

    /// A date, an RFC 3339 time with its zone, or Unix seconds, as a person
    /// types them for the rewind family's `after`, `before` and `--to`.
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
    let year: i64 = digits(&date[0..4])?;
    let month: i64 = digits(&date[5..7])?;
    let day: i64 = digits(&date[8..10])?;
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > month_days(year, month) {
        return None;
    }
    u64::try_from(days_from_civil(year, month, day)).ok()
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

/// Monitor's reader: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, exactly.
fn parse_rfc3339(b: &[u8]) -> Option<UtcTime> {
    let num = |at: usize, len: usize| -> Option<i64> {
        let digits = b.get(at..at + len)?;
        digits.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i).is_some_and(|&x| x.eq_ignore_ascii_case(&c));
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > month_days(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut round_up = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        round_up = i64::from(fraction[..digits].iter().any(|&c| c != b'0'));
        rest = &fraction[digits..];
    }
    let offset = match rest {
        [z] if z.eq_ignore_ascii_case(&b'z') => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hh = num_of(*h1, *h2)?;
            let mm = num_of(*m1, *m2)?;
            if hh > 23 || mm > 59 {
                return None;
            }
            let minutes = hh * 60 + mm;
            if *sign == b'+' {
                minutes
            } else {
                -minutes
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset * 60
        + round_up;
    UtcTime::within(u64::try_from(secs).ok()?)
}

fn num_of(a: u8, b: u8) -> Option<i64> {
    (a.is_ascii_digit() && b.is_ascii_digit())
        .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
}

/// Days in a month of the proleptic Gregorian calendar.
fn month_days(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01 (H. Hinnant's algorithm, the
/// inverse of `days_from_civil`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<u64, Error> {
        text.parse::<UtcTime>().map(UtcTime::unix)
    }

    /// Monitor's reader, printed in Monitor's form.
    fn strict(text: &str) -> Option<String> {
        UtcTime::parse_rfc3339(text)
            .ok()
            .map(|t| t.zulu().to_string())
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

    #[test]
    fn the_documented_form_reads_and_prints_back_the_same() {
        for text in [
            "2017-11-05T13:15:30Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(strict(text).as_deref(), Some(text));
        }
        assert_eq!(
            UtcTime::parse_rfc3339("2017-11-05T13:15:30Z")
                .map(UtcTime::unix)
                .ok(),
            Some(1_509_887_730)
        );
    }

    #[test]
    fn offsets_become_utc_and_fractions_round_up() {
        let cases = [
            ("2017-11-05T15:15:30+02:00", "2017-11-05T13:15:30Z"),
            ("2017-11-05T08:15:30-05:00", "2017-11-05T13:15:30Z"),
            ("2017-11-05t13:15:30z", "2017-11-05T13:15:30Z"),
            ("2017-11-05T13:15:30.000Z", "2017-11-05T13:15:30Z"),
            ("2017-11-05T13:15:30.25Z", "2017-11-05T13:15:31Z"),
            ("2017-12-31T23:59:59.5Z", "2018-01-01T00:00:00Z"),
        ];
        for (text, utc) in cases {
            assert_eq!(strict(text).as_deref(), Some(utc), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "ok",
            "2017-11-05",
            "2017-11-05T13:15:30",
            "2017-11-05 13:15:30Z",
            " 2017-11-05T13:15:30Z",
            "2017-11-05T13:15:30Z ",
            "2017-11-05T13:15:30Zjunk",
            "2017-02-29T00:00:00Z",
            "2017-13-01T00:00:00Z",
            "2017-11-31T00:00:00Z",
            "2017-11-05T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2017-11-05T13:15:30.Z",
            "2017-11-05T13:15:30+0200",
            "2017-11-05T13:15:30+24:00",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00+00:01",
            "+2017-11-05T13:15:30Z",
            "２０17-11-05T13:15:30Z",
        ] {
            assert_eq!(strict(text), None, "{text:?}");
        }
        let message = UtcTime::parse_rfc3339("tomorrow")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some("\"tomorrow\" is not an RFC 3339 time such as 2017-11-05T13:15:30Z")
        );
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        for days in (0..146_097 * 2).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d <= month_days(y, m));
        }
    }
}
