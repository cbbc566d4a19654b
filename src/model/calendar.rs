//! Calendar months: the `YYYY-MM` strings of scenario files and the month indices the engine
//! counts in (month 0 is the scenario's start month; warm-up months are negative).

use std::fmt;

/// A calendar month, e.g. 2025-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Calendar year.
    pub year: i32,
    /// Month of the year, 1..=12.
    pub month: u32,
}

impl YearMonth {
    /// Parses `YYYY-MM`; returns `None` for anything else.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let (y, m) = text.trim().split_once('-')?;
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || m.len() != 2 || !digits(y) || !digits(m) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }

    /// Months elapsed since year 0, a monotone index used for arithmetic.
    fn absolute(self) -> i64 {
        self.year as i64 * 12 + (self.month as i64 - 1)
    }

    /// The month `offset` months after this one (negative: before).
    pub fn plus(self, offset: i32) -> YearMonth {
        let abs = self.absolute() + offset as i64;
        YearMonth {
            year: abs.div_euclid(12) as i32,
            month: (abs.rem_euclid(12) + 1) as u32,
        }
    }

    /// How many months `self` lies after `origin` (negative when before).
    pub fn months_since(self, origin: YearMonth) -> i32 {
        (self.absolute() - origin.absolute()) as i32
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The simulated period: start month, reported horizon and unreported warm-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// First reported month (month index 0).
    pub start: YearMonth,
    /// Number of reported months.
    pub horizon: u32,
    /// Months simulated before `start` to fill the caseload; never reported.
    pub warmup: u32,
}

/// One calendar year of the horizon, possibly partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportYear {
    /// Calendar year.
    pub year: i32,
    /// First month index (relative to the start month) in this year.
    pub first_month: u32,
    /// Number of months of this year inside the horizon (12 unless the horizon cuts it).
    pub months: u32,
}

impl Calendar {
    /// The calendar month of month index `m`.
    pub fn month(&self, m: i32) -> YearMonth {
        self.start.plus(m)
    }

    /// Calendar month number 1..=12 of month index `m`.
    pub fn month_of_year(&self, m: i32) -> u32 {
        self.month(m).month
    }

    /// The calendar years the horizon touches, in order.
    pub fn years(&self) -> Vec<ReportYear> {
        let mut years: Vec<ReportYear> = Vec::new();
        for m in 0..self.horizon {
            let ym = self.month(m as i32);
            match years.last_mut() {
                Some(y) if y.year == ym.year => y.months += 1,
                _ => years.push(ReportYear {
                    year: ym.year,
                    first_month: m,
                    months: 1,
                }),
            }
        }
        years
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(
            YearMonth::parse("2025-01"),
            Some(YearMonth {
                year: 2025,
                month: 1
            })
        );
        for bad in ["2025-13", "2025-00", "25-01", "2025/01", "2025-1", ""] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn arithmetic_crosses_years() {
        let jan = YearMonth::parse("2025-01").unwrap();
        assert_eq!(jan.plus(-1).to_string(), "2024-12");
        assert_eq!(jan.plus(35).to_string(), "2027-12");
        assert_eq!(YearMonth::parse("2027-12").unwrap().months_since(jan), 35);
    }

    #[test]
    fn years_of_a_partial_horizon() {
        let cal = Calendar {
            start: YearMonth::parse("2018-02").unwrap(),
            horizon: 23,
            warmup: 0,
        };
        let ys = cal.years();
        assert_eq!(ys.len(), 2);
        assert_eq!((ys[0].year, ys[0].first_month, ys[0].months), (2018, 0, 11));
        assert_eq!(
            (ys[1].year, ys[1].first_month, ys[1].months),
            (2019, 11, 12)
        );
    }
}
