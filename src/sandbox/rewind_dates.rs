//! Dates as the rewind routes write and read them, written here rather
//! than taken from the client, so that the sandbox checks the client's
//! dates with code it does not share.
//!
//! Written: ISO 8601 with the offset spelled out (`2020-11-05T14:01:13+00:00`,
//! with milliseconds for `published`), and the backups list's
//! `2020-11-05 13:18:40`. Read (`after`, `before`): a date, a date and time
//! with or without `T`, seconds, a fraction and a zone (no zone is UTC, as
//! WordPress reads it), or Unix seconds.

/// `2020-11-05T14:01:13+00:00`.
pub(crate) fn iso(seconds: u64) -> String {
    let (date, clock) = parts(seconds);
    format!("{date}T{clock}+00:00")
}

/// `2020-09-23T10:58:03.300+00:00`.
pub(crate) fn iso_ms(ms: u64) -> String {
    let (date, clock) = parts(ms / 1000);
    format!("{date}T{clock}.{:03}+00:00", ms % 1000)
}

/// `2020-11-05 13:18:40` (UTC), as the backups list writes times.
pub(crate) fn sql(seconds: u64) -> String {
    let (date, clock) = parts(seconds);
    format!("{date} {clock}")
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

/// A time of `after` or `before`, as milliseconds since 1970.
pub(crate) fn parse(text: &str) -> Option<u64> {
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

fn parts(seconds: u64) -> (String, String) {
    let (y, m, d) = civil(seconds / 86_400);
    let s = seconds % 86_400;
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
    )
}

/// `YYYY-MM-DD` from 1970 on as days since 1970-01-01.
fn date_days(date: &str) -> Option<u64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let field = |r: std::ops::Range<usize>| {
        let f = &date[r];
        f.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| f.parse::<u64>().ok())?
    };
    let (y, m, d) = (field(0..4)?, field(5..7)?, field(8..10)?);
    let days_in = [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if y < 1970 || !(1..=12).contains(&m) || d == 0 || d > days_in[(m - 1) as usize] {
        return None;
    }
    // Days before this year, this month, this day.
    let years = (1970..y)
        .map(|y| if leap(y) { 366 } else { 365 })
        .sum::<u64>();
    let months = days_in[..(m - 1) as usize].iter().sum::<u64>();
    Some(years + months + d - 1)
}

fn leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The date of a day since 1970-01-01, counting forward.
fn civil(mut days: u64) -> (u64, u64, u64) {
    let mut year = 1970;
    loop {
        let length = if leap(year) { 366 } else { 365 };
        if days < length {
            let february = if leap(year) { 29 } else { 28 };
            let months = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            let mut month = 1;
            for m in months {
                if days < m {
                    break;
                }
                days -= m;
                month += 1;
            }
            return (year, month, days + 1);
        }
        days -= length;
        year += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_forms() {
        assert_eq!(iso(1_604_584_873), "2020-11-05T14:01:13+00:00");
        assert_eq!(iso_ms(1_600_858_683_300), "2020-09-23T10:58:03.300+00:00");
        assert_eq!(sql(1_604_582_320), "2020-11-05 13:18:40");
        assert_eq!(rewind_id(1_605_878_792_626), "1605878792.626");
        assert_eq!(rewind_id(1_605_878_792_006), "1605878792.006");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn read_forms() {
        let t = Some(1_604_584_873_000);
        assert_eq!(parse("2020-11-05T14:01:13+00:00"), t);
        assert_eq!(parse("2020-11-05T14:01:13Z"), t);
        assert_eq!(parse("2020-11-05 14:01:13"), t);
        assert_eq!(parse("2020-11-05T16:01:13.5+02:00"), t);
        assert_eq!(parse("1604584873"), t);
        assert_eq!(parse("2020-11-05"), Some(1_604_534_400_000));
        for bad in [
            "",
            "2020-11-31",
            "2020-11-05T25:00",
            "soon",
            "2020-11-05T14:01:13+2",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
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
