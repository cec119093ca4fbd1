//! Calendar dates for the reports: Unix seconds to and from the texts the
//! reporting routes read and write, and the start of a day, month or year.
//! Every date is UTC.

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

fn seconds(year: i64, month: u32, day: u32) -> u64 {
    u64::try_from(days_from_civil(year, month, day)).unwrap_or(0) * DAY
}

fn date_of(at: u64) -> (i64, u32, u32) {
    civil(i64::try_from(at / DAY).unwrap_or(0))
}

/// `YYYY-MM-DD HH:MM:SS`, as the reports write a moment.
pub(crate) fn datetime(at: u64) -> String {
    let (y, m, d) = date_of(at);
    let s = at % DAY;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `YYYY-MM-DD`, as the reports write a day.
pub(crate) fn date(at: u64) -> String {
    let (y, m, d) = date_of(at);
    format!("{y:04}-{m:02}-{d:02}")
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

/// Reads an ISO 8601 date or moment: `YYYY-MM-DD`, optionally `T` or a
/// space and `HH:MM[:SS]`, optionally `Z` or `±HH:MM`. A date alone is its
/// midnight, UTC.
pub(crate) fn parse(text: &str) -> Option<u64> {
    let number = |part: &str, len: usize| -> Option<u32> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_read_and_write_back() {
        let at = 1_714_567_890; // 2024-05-01 12:51:30 UTC
        assert_eq!(datetime(at), "2024-05-01 12:51:30");
        assert_eq!(date(at), "2024-05-01");
        assert_eq!(parse("2024-05-01 12:51:30"), Some(at));
        assert_eq!(parse("2024-05-01T12:51:30Z"), Some(at));
        assert_eq!(parse("2024-05-01T14:51:30+02:00"), Some(at));
        assert_eq!(parse("2024-05-01T07:51:30-05:00"), Some(at));
        assert_eq!(parse("2024-05-01T12:51"), Some(at - 30));
        assert_eq!(parse("2024-05-01"), Some(at - (12 * 3600 + 51 * 60 + 30)));
        for bad in ["", "2024-5-01", "2024-05-01T25:00", "2024-05-01T12", "x"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_start_and_follow_each_other() {
        let at = parse("2024-12-31T23:00:00Z").unwrap_or_default();
        let month = period_start(at, Scale::Month);
        assert_eq!(date(month), "2024-12-01");
        assert_eq!(date(next_period(month, Scale::Month)), "2025-01-01");
        assert_eq!(date(period_start(at, Scale::Year)), "2024-01-01");
        assert_eq!(
            date(next_period(period_start(at, Scale::Day), Scale::Day)),
            "2025-01-01"
        );
        let leap = parse("2024-02-29").unwrap_or_default();
        assert_eq!(date(next_period(leap, Scale::Day)), "2024-03-01");
    }
}
