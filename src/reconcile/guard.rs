//! The guard against disasters: a truncated billing export must not cancel
//! half the fleet. Cancels beyond `--max-cancel` refuse the whole apply.

use crate::error::Error;

/// The most sites an apply may cancel on: a count, or a percentage of the
/// sites in the plan.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxCancel {
    /// At most this many sites.
    Count(u64),
    /// At most this share of the plan's sites, in percent.
    Percent(f64),
}

impl Default for MaxCancel {
    /// 10 sites.
    fn default() -> Self {
        MaxCancel::Count(10)
    }
}

impl std::str::FromStr for MaxCancel {
    type Err = Error;

    /// `N` or `N%` (a percentage from 0 to 100, fractions allowed).
    fn from_str(text: &str) -> Result<MaxCancel, Error> {
        let bad = || {
            Error::InvalidInput(format!(
                "--max-cancel {text:?} is not a number of sites or a percentage (e.g. 10 or 5%)"
            ))
        };
        let text = text.trim();
        if let Some(percent) = text.strip_suffix('%') {
            let p: f64 = percent.trim().parse().map_err(|_| bad())?;
            if !(0.0..=100.0).contains(&p) {
                return Err(bad());
            }
            return Ok(MaxCancel::Percent(p));
        }
        text.parse().map(MaxCancel::Count).map_err(|_| bad())
    }
}

impl std::fmt::Display for MaxCancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaxCancel::Count(n) => write!(f, "{n}"),
            MaxCancel::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl MaxCancel {
    /// The most sites that may be cancelled on, out of `sites`.
    pub fn limit(self, sites: u64) -> u64 {
        match self {
            MaxCancel::Count(n) => n,
            // Rounded down: 10% of 15 sites is 1.
            MaxCancel::Percent(p) => (sites as f64 * p / 100.0).floor() as u64,
        }
    }

    /// Refuses `cancels` sites with a cancel out of `sites` when they are
    /// more than the limit; the message shows the count.
    pub fn check(self, cancels: u64, sites: u64) -> Result<(), Error> {
        let limit = self.limit(sites);
        if cancels <= limit {
            return Ok(());
        }
        let of = match self {
            MaxCancel::Count(_) => String::new(),
            MaxCancel::Percent(p) => format!(" ({p}% of {sites} sites)"),
        };
        Err(Error::InvalidInput(format!(
            "the plan cancels on {cancels} of {sites} sites, more than --max-cancel {self} \
             allows ({limit}{of}); nothing was sent. Check the desired state (a truncated \
             export?), then raise --max-cancel if the cancels are meant"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_percentages() {
        assert_eq!("7".parse::<MaxCancel>().ok(), Some(MaxCancel::Count(7)));
        assert_eq!(
            " 12.5% ".parse::<MaxCancel>().ok(),
            Some(MaxCancel::Percent(12.5))
        );
        for bad in ["", "-1", "ten", "101%", "%", "5%%", "NaN%"] {
            assert!(bad.parse::<MaxCancel>().is_err(), "{bad:?}");
        }
        assert_eq!(MaxCancel::default().limit(1000), 10);
        assert_eq!(MaxCancel::Percent(10.0).limit(15), 1);
        assert_eq!(MaxCancel::Percent(100.0).limit(15), 15);
    }

    #[test]
    fn too_many_cancels_are_refused_with_the_count() {
        assert!(MaxCancel::Count(3).check(3, 100).is_ok());
        let refused = MaxCancel::Count(3).check(4, 100);
        assert!(
            matches!(&refused, Err(Error::InvalidInput(m)) if m.contains("on 4 of 100 sites")),
            "{refused:?}"
        );
        let refused = MaxCancel::Percent(5.0).check(6, 100);
        assert!(
            matches!(&refused, Err(Error::InvalidInput(m)) if m.contains("(5 (5% of 100 sites))")),
            "{refused:?}"
        );
        assert!(MaxCancel::Count(0).check(0, 0).is_ok());
    }
}
