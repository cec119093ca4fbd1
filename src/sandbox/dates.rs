//! The sandbox's calendar: Unix seconds and milliseconds to and from the
//! texts its routes read and write, and the start of a day, month or year.
//! Every date is UTC. It is written here rather than taken from the
//! client, so that the sandbox checks the client's dates with code it does
//! not share.
//!
//! - The reports (activations, invoices) write days (`2024-05-01`) and
//!   moments (`2024-05-01 12:51:30`), count by day, month or year
//!   ([`period_start`], [`next_period`]), and read `activated_after` and
//!   `activated_before` with [`parse_seconds`].
//! - The rewind family (backups, restores, the activity log) writes ISO
//!   8601 with the offset spelled out (`2020-11-05T14:01:13+00:00`, with
//!   milliseconds for `published`), the backups list's
//!   `2020-11-05 13:18:40`, and rewind IDs (`1605878792.626`); it reads
//!   rewind IDs ([`parse_rewind_id`]) and `after` and `before`
//!   ([`parse_ms`]).
//! - Jetpack Scan writes `first_detected` as `2022-11-27T20:06:54.000Z`
//!   ([`iso_ms_z`]).
//!
//! The two readers take what their routes take, which is not the same:
//! [`parse_seconds`] reads the reports' ISO 8601 as given (a day of 1 to
//! 31 in any month, seconds and no fraction, `Z` or `±HH:MM`), while
//! [`parse_ms`] reads what WordPress reads for `after` and `before`
//! (blanks around it, real dates from 1970 only, a fraction, `z`, `±HHMM`,
//! and Unix seconds).

/// Seconds in a day.
const DAY: u64 = 86_400;

/// A period the activation counts use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scale {
    Day,
    Month,
    Year,
}

impl Scale {
    pub fn parse(text: &str) -> Option<Scale> {
        match text {
            "day" => Some(Scale::Day),
            "month" => Some(Scale::Month),
            "year" => Some(Scale::Year),
            _ => None,
        }
    }
}

/// `(year, month, day)` of a day counted from 1970-01-01 (H. Hinnant's
/// algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to a date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in a month.
fn month_days(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn seconds(year: i64, month: u32, day: u32) -> u64 {
    u64::try_from(days_from_civil(year, month, day)).unwrap_or(0) * DAY
}

fn date_of(at: u64) -> (i64, u32, u32) {
    civil(i64::try_from(at / DAY).unwrap_or(0))
}

/// `HH:MM:SS` of a moment.
fn clock(at: u64) -> String {
    let s = at % DAY;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `YYYY-MM-DD`, as the reports write a day.
pub(crate) fn date(at: u64) -> String {
    let (y, m, d) = date_of(at);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM:SS`, as the reports and the backups list write a
/// moment.
pub(crate) fn datetime(at: u64) -> String {
    format!("{} {}", date(at), clock(at))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`: an HTTP date (IMF-fixdate), as the
/// `Date` header of every answer writes the sandbox's clock.
pub(crate) fn http_date(at: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = date_of(at);
    let weekday = DAYS[usize::try_from(at / DAY % 7).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m.saturating_sub(1)).unwrap_or(0) % 12];
    format!("{weekday}, {d:02} {month} {y:04} {} GMT", clock(at))
}

/// `2020-11-05T14:01:13+00:00`.
pub(crate) fn iso(seconds: u64) -> String {
    format!("{}T{}+00:00", date(seconds), clock(seconds))
}

/// `2020-09-23T10:58:03.300+00:00`.
pub(crate) fn iso_ms(ms: u64) -> String {
    let at = ms / 1000;
    format!("{}T{}.{:03}+00:00", date(at), clock(at), ms % 1000)
}

/// `2022-11-27T20:06:54.000Z`.
pub(crate) fn iso_ms_z(ms: u64) -> String {
    let at = ms / 1000;
    format!("{}T{}.{:03}Z", date(at), clock(at), ms % 1000)
}

/// The start of the period of `scale` that holds `at`.
pub(crate) fn period_start(at: u64, scale: Scale) -> u64 {
    let (y, m, d) = date_of(at);
    match scale {
        Scale::Day => seconds(y, m, d),
        Scale::Month => seconds(y, m, 1),
        Scale::Year => seconds(y, 1, 1),
    }
}

/// The start of the period after the one that starts at `start`.
pub(crate) fn next_period(start: u64, scale: Scale) -> u64 {
    let (y, m, _) = date_of(start);
    match scale {
        Scale::Day => start + DAY,
        Scale::Month if m == 12 => seconds(y + 1, 1, 1),
        Scale::Month => seconds(y, m + 1, 1),
        Scale::Year => seconds(y + 1, 1, 1),
    }
}

/// A restore point's name for a moment: `seconds.milliseconds`.
pub(crate) fn rewind_id(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A rewind ID or Unix time (`1605878792.626`, `1605878792`) as
/// milliseconds; digits past the third after the point are cut.
pub(crate) fn parse_rewind_id(text: &str) -> Option<u64> {
    let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if seconds.is_empty() || seconds.len() > 12 || !all_digits(seconds) || !all_digits(fraction) {
        return None;
    }
    if text.contains('.') && fraction.is_empty() {
        return None;
    }
    let mut ms = fraction.chars().take(3).collect::<String>();
    while ms.len() < 3 {
        ms.push('0');
    }
    let seconds: u64 = seconds.parse().ok()?;
    Some(seconds * 1000 + ms.parse::<u64>().ok()?)
}

/// `len` ASCII digits as a number.
fn number(part: &str, len: usize) -> Option<u32> {
    (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
        .then(|| part.parse().ok())
        .flatten()
}

/// The reports' `activated_after` and `activated_before`, as seconds since
/// 1970: an ISO 8601 date or moment, `YYYY-MM-DD`, optionally `T` or a
/// space and `HH:MM[:SS]`, optionally `Z` or `±HH:MM`. A date alone is its
/// midnight, UTC.
pub(crate) fn parse_seconds(text: &str) -> Option<u64> {
    let (day, time) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let [y, m, d] = day.split('-').collect::<Vec<_>>()[..] else {
        return None;
    };
    let (y, m, d) = (number(y, 4)?, number(m, 2)?, number(d, 2)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let midnight = seconds(i64::from(y), m, d);
    let Some(time) = time else {
        return Some(midnight);
    };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(at) => (&time[..at], &time[at..]),
        None => (time, ""),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, min, s) = match parts[..] {
        [h, min] => (number(h, 2)?, number(min, 2)?, 0),
        [h, min, s] => (number(h, 2)?, number(min, 2)?, number(s, 2)?),
        _ => return None,
    };
    if h > 23 || min > 59 || s > 60 {
        return None;
    }
    let local = midnight + u64::from(h * 3600 + min * 60 + s);
    match zone {
        "" | "Z" => Some(local),
        offset => {
            let [oh, om] = offset[1..].split(':').collect::<Vec<_>>()[..] else {
                return None;
            };
            let shift = u64::from(number(oh, 2)? * 3600 + number(om, 2)? * 60);
            // Local time ahead of UTC: UTC is earlier.
            if offset.starts_with('+') {
                local.checked_sub(shift)
            } else {
                Some(local + shift)
            }
        }
    }
}

/// The activity log's `after` or `before`, as milliseconds since 1970: a
/// date, a date and time with or without `T`, seconds, a fraction and a
/// zone (no zone is UTC, as WordPress reads it), or Unix seconds.
pub(crate) fn parse_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().ok()?.checked_mul(1000);
    }
    let (date, rest) = text.split_at(text.len().min(10));
    let mut ms = date_days(date)? * 86_400_000;
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset) = zone(rest)?;
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let fields: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&fields.len()) || fields.iter().any(|f| f.len() != 2) {
        return None;
    }
    let number = |f: &str| f.parse::<u64>().ok();
    let (h, m) = (number(fields[0])?, number(fields[1])?);
    let s = fields.get(2).map_or(Some(0), |f| number(f))?;
    if h > 23 || m > 59 || s > 60 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    ms += (h * 3600 + m * 60 + s) * 1000;
    ms.checked_add_signed(-offset * 1000)
}

/// The clock and its offset east of UTC in seconds.
fn zone(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match rest.rfind(['+', '-']) {
        None => Some((rest, 0)),
        Some(at) => {
            let (clock, zone) = rest.split_at(at);
            let digits = zone[1..].replace(':', "");
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let h: i64 = digits[..2].parse().ok()?;
            let m: i64 = digits[2..].parse().ok()?;
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            Some((clock, sign * (h * 3600 + m * 60)))
        }
    }
}

/// `YYYY-MM-DD` from 1970 on as days since 1970-01-01, if it is a real
/// date.
fn date_days(date: &str) -> Option<u64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (
        number(&date[0..4], 4)?,
        number(&date[5..7], 2)?,
        number(&date[8..10], 2)?,
    );
    let y = i64::from(y);
    if y < 1970 || !(1..=12).contains(&m) || d == 0 || d > month_days(y, m) {
        return None;
    }
    u64::try_from(days_from_civil(y, m, d)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdates() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_835_438_400), "Tue, 29 Feb 2028 12:00:00 GMT");
    }

    #[test]
    fn moments_read_and_write_back() {
        let at = 1_714_567_890; // 2024-05-01 12:51:30 UTC
        assert_eq!(datetime(at), "2024-05-01 12:51:30");
        assert_eq!(date(at), "2024-05-01");
        assert_eq!(parse_seconds("2024-05-01 12:51:30"), Some(at));
        assert_eq!(parse_seconds("2024-05-01T12:51:30Z"), Some(at));
        assert_eq!(parse_seconds("2024-05-01T14:51:30+02:00"), Some(at));
        assert_eq!(parse_seconds("2024-05-01T07:51:30-05:00"), Some(at));
        assert_eq!(parse_seconds("2024-05-01T12:51"), Some(at - 30));
        assert_eq!(
            parse_seconds("2024-05-01"),
            Some(at - (12 * 3600 + 51 * 60 + 30))
        );
        for bad in ["", "2024-5-01", "2024-05-01T25:00", "2024-05-01T12", "x"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_start_and_follow_each_other() {
        let at = parse_seconds("2024-12-31T23:00:00Z").unwrap_or_default();
        let month = period_start(at, Scale::Month);
        assert_eq!(date(month), "2024-12-01");
        assert_eq!(date(next_period(month, Scale::Month)), "2025-01-01");
        assert_eq!(date(period_start(at, Scale::Year)), "2024-01-01");
        assert_eq!(
            date(next_period(period_start(at, Scale::Day), Scale::Day)),
            "2025-01-01"
        );
        let leap = parse_seconds("2024-02-29").unwrap_or_default();
        assert_eq!(date(next_period(leap, Scale::Day)), "2024-03-01");
    }

    #[test]
    fn every_day_of_four_centuries_goes_there_and_back() {
        for days in (0..146_097 * 2).step_by(7) {
            let (y, m, d) = civil(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!(d <= month_days(y, m));
            let at = u64::try_from(days).unwrap_or_default() * DAY;
            assert_eq!(date_days(&date(at)).map(|d| d * DAY), Some(at));
        }
    }

    #[test]
    fn written_forms() {
        assert_eq!(iso(1_604_584_873), "2020-11-05T14:01:13+00:00");
        assert_eq!(iso_ms(1_600_858_683_300), "2020-09-23T10:58:03.300+00:00");
        assert_eq!(datetime(1_604_582_320), "2020-11-05 13:18:40");
        assert_eq!(rewind_id(1_605_878_792_626), "1605878792.626");
        assert_eq!(rewind_id(1_605_878_792_006), "1605878792.006");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn read_forms() {
        let t = Some(1_604_584_873_000);
        assert_eq!(parse_ms("2020-11-05T14:01:13+00:00"), t);
        assert_eq!(parse_ms("2020-11-05T14:01:13Z"), t);
        assert_eq!(parse_ms("2020-11-05 14:01:13"), t);
        assert_eq!(parse_ms("2020-11-05T16:01:13.5+02:00"), t);
        assert_eq!(parse_ms("1604584873"), t);
        assert_eq!(parse_ms("2020-11-05"), Some(1_604_534_400_000));
        for bad in [
            "",
            "2020-11-31",
            "2020-11-05T25:00",
            "soon",
            "2020-11-05T14:01:13+2",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad:?}");
        }
        assert_eq!(parse_rewind_id("1605878792.626"), Some(1_605_878_792_626));
        assert_eq!(parse_rewind_id("1605878792.6"), Some(1_605_878_792_600));
        assert_eq!(parse_rewind_id("1605878792.62689"), Some(1_605_878_792_626));
        assert_eq!(parse_rewind_id("1605878792"), Some(1_605_878_792_000));
        for bad in ["", ".5", "5.", "x", "1.2.3", "-1"] {
            assert_eq!(parse_rewind_id(bad), None, "{bad:?}");
        }
    }
}
