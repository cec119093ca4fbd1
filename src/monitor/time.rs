//! Times as Monitor's answer spells them: `2017-11-05T13:15:30Z`.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::retry::days_from_civil;

/// A moment in UTC, to the second, from 1970 to the end of year 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(u64);

/// 9999-12-31T23:59:59Z: a later time has no four-digit year.
const LAST: u64 = 253_402_300_799;

impl UtcTime {
    /// The clock's time now (the epoch if the clock is set before it).
    pub fn now() -> UtcTime {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        UtcTime(secs.min(LAST))
    }

    /// The time `secs` seconds after 1970-01-01T00:00:00Z; `None` past
    /// year 9999.
    pub fn from_unix(secs: u64) -> Option<UtcTime> {
        (secs <= LAST).then_some(UtcTime(secs))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(self) -> u64 {
        self.0
    }

    /// Reads an RFC 3339 time: `2017-11-05T13:15:30Z`, with an offset
    /// (`2017-11-05T15:15:30+02:00`, turned into UTC) or a fraction of a
    /// second (rounded up: "back by then" must not come early). Nothing
    /// else is accepted: no date alone, no leap second, no blanks.
    pub fn parse(text: &str) -> Result<UtcTime, Error> {
        parse(text.as_bytes()).ok_or_else(|| {
            let shown: String = text.chars().take(40).collect();
            Error::InvalidInput(format!(
                "{shown:?} is not an RFC 3339 time such as 2017-11-05T13:15:30Z"
            ))
        })
    }
}

impl FromStr for UtcTime {
    type Err = Error;

    fn from_str(text: &str) -> Result<UtcTime, Error> {
        UtcTime::parse(text)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form Monitor documents.
impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = (self.0 / 86_400) as i64;
        let secs = self.0 % 86_400;
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

fn parse(b: &[u8]) -> Option<UtcTime> {
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
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
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
    UtcTime::from_unix(u64::try_from(secs).ok()?)
}

fn num_of(a: u8, b: u8) -> Option<i64> {
    (a.is_ascii_digit() && b.is_ascii_digit())
        .then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
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

    fn parsed(text: &str) -> Option<String> {
        UtcTime::parse(text).ok().map(|t| t.to_string())
    }

    #[test]
    fn the_documented_form_reads_and_prints_back_the_same() {
        for text in [
            "2017-11-05T13:15:30Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(parsed(text).as_deref(), Some(text));
        }
        assert_eq!(
            UtcTime::parse("2017-11-05T13:15:30Z")
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
            assert_eq!(parsed(text).as_deref(), Some(utc), "{text}");
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
            assert_eq!(parsed(text), None, "{text:?}");
        }
        let message = UtcTime::parse("tomorrow").err().map(|e| e.to_string());
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
            assert!(d <= days_in_month(y, m));
        }
    }
}
